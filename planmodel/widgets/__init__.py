"""Widgets for the Voilà apps (the only part of planmodel that imports ipywidgets).

- :class:`PopulationExplorer` — a kommune's projected population by scenario and year.
- :mod:`planmodel.widgets.charts` — the matplotlib figures (pure: data in, Figure out).
"""

from .population_explorer import PopulationExplorer

__all__ = ["PopulationExplorer"]
