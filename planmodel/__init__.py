"""planmodel: scenario and budget simulation for Norwegian municipal planning.

Pipeline (dependencies run one way):
``readers``/``data`` -> ``population`` (cohort-component engine) -> ``demography``
(scenarios for a kommune) -> ``indicators``; later ``demand`` -> ``costs`` -> ``budget``.
"""

__version__ = "0.1.0"

SSB_CREDIT = "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0; bearbeidet av planmodel."
