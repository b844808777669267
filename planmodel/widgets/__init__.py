"""Widgets for the Voilà apps (the only part of planmodel that imports ipywidgets).

- :class:`Krisekompasset` — the main app: the crisis options, tiltak and the økonomiplan.
- :class:`OkonomiplanApp` — tiltak on/off, the balance and the tiltaksmatrise.
- :class:`PopulationExplorer` — a kommune's projected population by scenario and year.
- :mod:`planmodel.widgets.teaching` — the exercises without code in the teaching notebooks
  (imported from there, not here, so the apps do not load it).
- :mod:`planmodel.present.charts` and :mod:`planmodel.present.svg` — the charts (pure functions, inline SVG).
"""

from planmodel.widgets.krisekompasset import Krisekompasset
from planmodel.widgets.okonomiplan_app import OkonomiplanApp
from planmodel.widgets.population_explorer import PopulationExplorer

__all__ = ["Krisekompasset", "OkonomiplanApp", "PopulationExplorer"]
