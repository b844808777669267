"""Version and the attribution every output carries."""

__version__ = "0.1.0"

SSB_CREDIT = "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0; bearbeidet av planmodel."
