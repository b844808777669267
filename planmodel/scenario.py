"""A plan scenario: everything one run of the model needs, as one immutable object.

The same object comes from Python (``PlanScenario(...)``) or from a scenario file (the YAML
reader in this module, added with the economist's interface). Only what differs from the
defaults needs to be given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class MeasureChoice:
    """A tiltak chosen from the library: its id, start year, optional end year and status
    (``forslag`` = proposed, ``vedtatt`` = committed; committed tiltak bind handlingsrommet)."""

    id: str
    start: int
    end: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class PlanScenario:
    """One scenario for one kommune.

    Attributes
    ----------
    id, title, description : identification (title and description in Norwegian).
    kommune : kommune number or name.
    demographic : demographic scenario id (planmodel.demography.SCENARIOS).
    horizon : last year of the long view (LDIP), default 2040.
    plan_years : years in the økonomiplan (4); the plan starts the year after the base year.
    threshold : -1 (lav terskel) .. 1 (høy terskel), one number or {threshold group: value}.
    breadth : -1 (smalt tilbud) .. 1 (bredt tilbud).
    overflow : "queue" or "step_down" when sykehjem/heldøgn places are full.
    capacity_additions : {capacity group: {year: places}} places opening in that year (flows).
    behovsanalyse : build barnehage, school, sykehjem and heldøgn places as demand requires
        (default). With False, places stay at today's number plus ``capacity_additions``.
    measures : chosen tiltak.
    dropped : optional services removed altogether (never a mandatory one).
    effect_bound : "value", "weak" or "strong" end of every uncertain effect.
    economy : overrides of planmodel.budget.Economy fields {name: number}.
    staff_profile : the kommune's own staff age profile {sector: shares}.
    catalogue, library : paths of a service catalogue / tiltak library (None = shipped).
    """

    id: str = "basis"
    title: str = "Basisalternativ"
    description: str = ""
    kommune: str = "3201"
    demographic: str = "main"
    horizon: int = 2040
    plan_years: int = 4
    price_year: int = 2025
    threshold: float | Mapping[str, float] = 0.0
    breadth: float = 0.0
    overflow: str = "queue"
    capacity_additions: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    behovsanalyse: bool = True
    measures: tuple[MeasureChoice, ...] = ()
    dropped: tuple[str, ...] = ()
    effect_bound: str = "value"
    economy: Mapping[str, float] = field(default_factory=dict)
    staff_profile: Mapping[str, tuple[float, ...]] | None = None
    catalogue: str | None = None
    library: str | None = None
    baseline: str | None = None
    source: str = "scenario"
