"""Tiltak (measures): costs, investments and effects on the service model.

A measure in the library (``data/tiltak/tiltaksbibliotek.yaml``) is generic: its profiles are
keyed by the year *after its start* (0 = the start year) and, with ``scale: per_100k``, they
are amounts for a kommune of 100 000 inhabitants, scaled to the kommune's base-year population.
A scenario chooses measures and their start (and optionally end) year.

Year-keyed profiles, written down once (the two kinds are named apart):

- ``investment`` is a **flow**: ``{0: 3000, 1: 1000}`` means NOK 3 000 000 in the start year and
  NOK 1 000 000 the year after, nothing else.
- ``operating`` is a **level that holds**: ``{0: 500, 2: 1200}`` means NOK 500 000 a year in the
  first two years and NOK 1 200 000 a year from the third year on (until ``end``).

Amounts are NOK 1000 at the catalogue's price year. Effects on the service model:

- ``coverage``: relative change of a service's coverage (optionally for an age band);
- ``unit_cost`` / ``fte``: relative change of unit cost / årsverk per user (standard, productivity);
- ``shift``: a share of a service's users served at another level instead (omsorgstrappen, LEON);
- ``volunteer_hours``: volunteer hours per year (per 100 000 inhabitants) replacing paid work in a
  service at a stated substitution share (1 årsverk = 1 695 hours).

Each effect starts ``lag_years`` after the measure starts and reaches its full size over
``phase_in_years``; uncertain sizes carry a low/high range (``effect_bound`` "weak"/"strong"
picks the end nearest/farthest from zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from planmodel.core.paths import data_path
from planmodel.core.errors import InputError
from planmodel.inputs.catalogue import Catalogue, Value, pick
from planmodel.core.yamlio import Checker, load_strict

EFFECT_KINDS = ("coverage", "unit_cost", "fte", "shift", "volunteer_hours")
SCALES = ("fixed", "per_100k")
MEASURE_STATUSES = ("forslag", "vedtatt")
HOURS_PER_FTE = 1695.0  #: hours in one årsverk (37.5 h x 52 weeks minus holidays), assumption


@dataclass(frozen=True)
class MeasureEffect:
    kind: str
    service: str
    change: Value
    lag_years: int = 0
    phase_in_years: int = 1
    ages: tuple[int, int] | None = None
    to_service: str | None = None
    substitution: float = 0.0


@dataclass(frozen=True)
class Measure:
    """A tiltak from the library (generic) or chosen in a scenario (with a start year)."""

    id: str
    title: str
    sector: str
    delmal: tuple[str, ...]
    ansvar: str
    scale: str
    investment: dict[int, Value]
    operating: dict[int, Value]
    effects: tuple[MeasureEffect, ...]
    description: str = ""
    start: int | None = None
    end: int | None = None
    status: str = "forslag"
    lifetime_years: int = 40

    def chosen(self, start: int, end: int | None = None, status: str | None = None) -> "Measure":
        from dataclasses import replace

        return replace(self, start=start, end=end, status=status or self.status)


@dataclass(frozen=True)
class Library:
    source: str
    measures: dict[str, Measure]

    def get(self, mid: str, where: str = "measures") -> Measure:
        if mid not in self.measures:
            raise InputError(self.source if where == "measures" else where, "measures",
                             f"ukjent tiltak {mid!r}; gyldige: {', '.join(self.measures)}")
        return self.measures[mid]


def _profile(c: Checker, d, path: str, allow_negative: bool = False) -> dict[int, Value]:
    c.mapping(d, path)
    out = {}
    for k, v in d.items():
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            c.fail(f"{path}.{k}", "nøkkelen er år etter oppstart (0, 1, 2 ...)")
        from planmodel.inputs.catalogue import _value

        out[k] = _value(c, v, f"{path}.{k}", nonneg=not allow_negative)
    return out


def parse_measure(c: Checker, mid: str, d, path: str, catalogue: Catalogue) -> Measure:
    from planmodel.inputs.catalogue import _value

    c.mapping(d, path)
    c.keys(d, path, ["title", "sector", "delmal", "ansvar", "scale", "operating", "effects"],
           ["investment", "description", "status", "lifetime_years"])
    effects = []
    for i, e in enumerate(c.sequence(d["effects"], f"{path}.effects")):
        p = f"{path}.effects[{i}]"
        c.mapping(e, p)
        kind = c.string(e.get("kind"), f"{p}.kind", EFFECT_KINDS)
        req = ["kind", "service", "change"]
        opt = ["lag_years", "phase_in_years", "ages"]
        if kind == "shift":
            req.append("to_service")
        if kind == "volunteer_hours":
            req.append("substitution")
        c.keys(e, p, req, opt)
        service = c.string(e["service"], f"{p}.service", catalogue.services)
        change = _value(c, e["change"], f"{p}.change", nonneg=kind in ("shift", "volunteer_hours"), ranged=True)
        if kind == "shift" and not 0 <= change.low <= change.high <= 1:
            c.fail(f"{p}.change", "andelen som flyttes må ligge mellom 0 og 1")
        if kind in ("coverage", "unit_cost", "fte") and change.low <= -1:
            c.fail(f"{p}.change", f"{change.low:g}: en relativ endring må være større enn -1 (-100 %)")
        ages = None
        if "ages" in e:
            a = c.sequence(e["ages"], f"{p}.ages")
            if len(a) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in a) or not 0 <= a[0] <= a[1] <= 105:
                c.fail(f"{p}.ages", f"{a!r}: forventet [fra, til] med 0 <= fra <= til <= 105")
            ages = (a[0], a[1])
        effects.append(MeasureEffect(
            kind=kind, service=service, change=change,
            lag_years=int(c.number(e.get("lag_years", 0), f"{p}.lag_years", 0, 20)),
            phase_in_years=int(c.number(e.get("phase_in_years", 1), f"{p}.phase_in_years", 1, 20)),
            ages=ages,
            to_service=c.string(e["to_service"], f"{p}.to_service", catalogue.services) if kind == "shift" else None,
            substitution=c.share(e["substitution"], f"{p}.substitution") if kind == "volunteer_hours" else 0.0,
        ))
    delmal = tuple(c.string(x, f"{path}.delmal") for x in c.sequence(d["delmal"], f"{path}.delmal"))
    if not delmal:
        c.fail(f"{path}.delmal", "et tiltak må knyttes til minst ett delmål")
    return Measure(
        id=mid, title=c.string(d["title"], f"{path}.title"),
        sector=c.string(d["sector"], f"{path}.sector", catalogue.sectors),
        delmal=delmal, ansvar=c.string(d["ansvar"], f"{path}.ansvar"),
        scale=c.string(d["scale"], f"{path}.scale", SCALES),
        investment=_profile(c, d.get("investment", {}), f"{path}.investment"),
        operating=_profile(c, d["operating"], f"{path}.operating"),
        effects=tuple(effects), description=c.string(d.get("description", ""), f"{path}.description"),
        status=c.string(d.get("status", "forslag"), f"{path}.status", MEASURE_STATUSES),
        lifetime_years=int(c.number(d.get("lifetime_years", 40), f"{path}.lifetime_years", 1, 100)),
    )


def parse_library(raw, source: str, catalogue: Catalogue) -> Library:
    c = Checker(source)
    c.mapping(raw, "")
    c.keys(raw, "", ["schema_version", "price_year", "measures"], ["description"])
    if raw["schema_version"] != 1:
        c.fail("schema_version", f"{raw['schema_version']!r}: planmodel kjenner bare versjon 1")
    if raw["price_year"] != catalogue.price_year:
        c.fail("price_year", f"{raw['price_year']!r}: må være lik tjenestekatalogens prisår {catalogue.price_year}")
    measures = {mid: parse_measure(c, mid, d, f"measures.{mid}", catalogue)
                for mid, d in c.mapping(raw["measures"], "measures").items()}
    return Library(source, measures)


def load_library(path: str | Path | None = None, catalogue: Catalogue | None = None) -> Library:
    """Load and validate a tiltak library (default: the shipped one)."""
    from planmodel.inputs.catalogue import load_catalogue

    catalogue = catalogue or load_catalogue()
    if path is None:
        key = "default_library"
        if key not in catalogue._cache:  # parsed once per catalogue
            catalogue._cache[key] = parse_library(load_strict(data_path("tiltak", "tiltaksbibliotek.yaml")),
                                                  "data/tiltak/tiltaksbibliotek.yaml", catalogue)
        return catalogue._cache[key]
    p = Path(path)
    key = ("library", str(p.resolve()), p.stat().st_mtime_ns if p.exists() else None)
    if key not in catalogue._cache:  # a user's file is parsed again only when it changes
        catalogue._cache[key] = parse_library(load_strict(path), str(path), catalogue)
    return catalogue._cache[key]


# ------------------------------------------------------------------------------ arrays

def _pick(v: Value, bound: str) -> float:
    return pick(v, bound)


def profile_path(profile: Mapping[int, Value], start: int, years: np.ndarray, kind: str,
                 end: int | None = None) -> np.ndarray:
    """Values (Y,) of an investment (flow) or operating (level that holds) profile."""
    out = np.zeros(years.size)
    if not profile:
        return out
    offsets = sorted(profile)
    if kind == "flow":
        for off in offsets:
            out[years == start + off] += profile[off].value
        return out
    rel = years - start
    for i, off in enumerate(offsets):  # a few keys, each vectorised over years
        nxt = offsets[i + 1] if i + 1 < len(offsets) else None
        mask = (rel >= off) & ((rel < nxt) if nxt is not None else True)
        out[mask] = profile[off].value
    if end is not None:
        out[years > end] = 0.0
    return out


def effect_ramp(effect: MeasureEffect, start: int, years: np.ndarray, end: int | None = None) -> np.ndarray:
    """Share (Y,) of an effect in force: 0 before start + lag, rising by 1/phase_in a year."""
    r = np.clip((years - start - effect.lag_years + 1) / effect.phase_in_years, 0.0, 1.0)
    if end is not None:
        r = np.where(years > end, 0.0, r)
    return r


@dataclass
class MeasureArrays:
    """Selected measures turned into arrays over the flattened lead axis N.

    ``active`` (M, N) weights (1 = on) let one run hold several measure sets (samordning).
    Factors are 1 and additions 0 where nothing applies.
    """

    ids: list[str]
    measures: list[Measure]
    operating: np.ndarray  # (M, Y) NOK 1000 per year
    investment: np.ndarray  # (M, Y) NOK 1000
    coverage_factor: np.ndarray  # (S, A, Y, N)
    unit_cost_factor: np.ndarray  # (S, Y, N)
    fte_factor: np.ndarray  # (S, Y, N)
    shifts: list[tuple[int, int, np.ndarray]] = field(default_factory=list)  # (from, to, share (Y, N))
    volunteer_fte: np.ndarray | None = None  # (S, Y, N) årsverk replaced by volunteers
    lead: object = None  # a planmodel.lead.Lead when ``active`` spans several measure sets


def measure_arrays(measures: list[Measure], catalogue: Catalogue, years: np.ndarray, base_population: float,
                   active: np.ndarray | None = None, bound: str = "value", lead=None) -> MeasureArrays:
    """Arrays for the chosen measures (each with ``start`` set).

    Parameters
    ----------
    measures : chosen measures; base_population : persons in the base year (for ``per_100k``).
    active : (M, N) 0/1 weights, default all on with N = 1; ``lead`` names the N axis.
    """
    from planmodel.services.demand import CatalogueIndex

    idx = CatalogueIndex.of(catalogue)
    S, A, Y = len(idx.ids), 106, years.size
    M = len(measures)
    active = np.ones((M, 1)) if active is None else np.asarray(active, dtype=float)
    N = active.shape[1]
    operating = np.zeros((M, Y))
    investment = np.zeros((M, Y))
    cov_f = np.ones((S, A, Y, N))
    cost_f = np.ones((S, Y, N))
    fte_f = np.ones((S, Y, N))
    vol = np.zeros((S, Y, N))
    shifts = []
    for m, meas in enumerate(measures):  # a few dozen measures; each step vectorised over years/ages
        if meas.start is None:
            raise InputError("tiltak", f"{meas.id}.start", "et valgt tiltak trenger et startår")
        scale = base_population / 100_000.0 if meas.scale == "per_100k" else 1.0
        operating[m] = profile_path(meas.operating, meas.start, years, "level", meas.end) * scale
        investment[m] = profile_path(meas.investment, meas.start, years, "flow") * scale
        on = active[m][None, :]  # (1, N)
        for eff in meas.effects:
            r = effect_ramp(eff, meas.start, years, meas.end)[:, None] * on  # (Y, N)
            size = _pick(eff.change, bound)
            s = idx.pos[eff.service]
            if eff.kind == "coverage":
                lo, hi = eff.ages or (0, 105)
                cov_f[s, lo:hi + 1] *= (1.0 + size * r)[None]
            elif eff.kind == "unit_cost":
                cost_f[s] *= 1.0 + size * r
            elif eff.kind == "fte":
                fte_f[s] *= 1.0 + size * r
            elif eff.kind == "shift":
                shifts.append((s, idx.pos[eff.to_service], size * r))
            elif eff.kind == "volunteer_hours":
                vol[s] += size * scale * eff.substitution / HOURS_PER_FTE * r
    return MeasureArrays([m.id for m in measures], list(measures), operating, investment, cov_f, cost_f, fte_f,
                         shifts, vol, lead)
