"""planmodel: scenario and budget simulation for Norwegian municipal planning."""

from planmodel.core.meta import SSB_CREDIT, __version__

__all__ = ["SSB_CREDIT", "__version__"]
