"""Tiltak (measures): costs, investments and effects on the service model.

A measure in the library (``data/tiltak/tiltaksbibliotek.yaml``) is generic: its profiles are
keyed by the year *after its start* (0 = the start year) and, with ``scale: per_100k``, they
are amounts for a kommune of 100 000 inhabitants, scaled to the kommune's base-year population.
A scenario chooses measures and their start (and optionally end) year.

Year-keyed profiles, written down once (the two kinds are named apart):

- ``investment`` is a **flow**: ``{0: 3000, 1: 1000}`` means NOK 3 000 000 in the start year and
  NOK 1 000 000 the year after, nothing else.
- ``operating`` is a **level that holds**: ``{0: 500, 2: 1200}`` means NOK 500 000 a year in the
  first two years and NOK 1 200 000 a year from the third year on (until ``end``). A negative
  operating level is a saving (NOK 1000 less a year); investments cannot be negative.

Amounts are NOK 1000 at the catalogue's price year. Effects on the service model:

- ``coverage``: relative change of a service's coverage (optionally for an age band);
- ``unit_cost`` / ``fte``: relative change of unit cost / årsverk per user (standard, productivity);
- ``shift``: a share of a service's users served at another level instead (omsorgstrappen, LEON);
- ``volunteer_hours``: volunteer hours per year (per 100 000 inhabitants) replacing paid work in a
  service at a stated substitution share (1 årsverk = 1 695 hours).

Tiltak that are **alternatives** (two ways to the same gain, so that choosing both counts it
twice) say so with ``excludes: [other_id, ...]``; the relation goes both ways (written on one
side is enough; :meth:`Library.exclusive_pairs`). Prioritering
(:mod:`planmodel.analysis.prioritering`) never picks both; a scenario may still choose both (the
model then runs both effects, which overstates the gain).

Each effect starts ``lag_years`` after the measure starts and reaches its full size over
``phase_in_years``; uncertain sizes carry a low/high range (``effect_bound`` "weak"/"strong"
picks the end nearest/farthest from zero).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Mapping

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from planmodel.core.cache import file_key, memo
from planmodel.core.paths import data_path
from planmodel.core.schema import Choice, FileModel, Integer, Number, Rules, Share, Text, Version, validate
from planmodel.core.values import Value
from planmodel.core.yamlio import load_strict, read_input_text
from planmodel.inputs.catalogue import AmountEntry, Catalogue, RangedEntry, load_catalogue

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
    investment: Mapping[int, Value]
    operating: Mapping[int, Value]
    effects: tuple[MeasureEffect, ...]
    description: str = ""
    start: int | None = None
    end: int | None = None
    status: str = "forslag"
    lifetime_years: int = 40
    excludes: tuple[str, ...] = ()

    def chosen(self, start: int, end: int | None = None, status: str | None = None) -> "Measure":
        return replace(self, start=start, end=end, status=status or self.status)


@dataclass(frozen=True)
class Library:
    source: str
    measures: Mapping[str, Measure]

    def exclusive_pairs(self) -> list[tuple[str, str]]:
        """The pairs of tiltak that exclude each other (``excludes`` on either side), each once,
        in library order: ``[(first id, second id), ...]``."""
        order = {mid: i for i, mid in enumerate(self.measures)}
        pairs = {tuple(sorted((mid, other), key=order.__getitem__))
                 for mid, m in self.measures.items() for other in m.excludes}
        return sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))


# --------------------------------------------------------------------------- the file schema

def _profile_key(v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise PydanticCustomError("pm_key", "nøkkelen er år etter oppstart (0, 1, 2 ...)")
    return v


ProfileKey = Annotated[int, BeforeValidator(_profile_key)]


def _age_band(v):
    ok = (isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
          and 0 <= v[0] <= v[1] <= 105)
    if not ok:
        raise PydanticCustomError("pm_rule", f"{v!r}: forventet [fra, til] med 0 <= fra <= til <= 105"
                                  .replace("{", "{{").replace("}", "}}"))
    return tuple(v)


class EffectEntry(FileModel):
    kind: Choice(EFFECT_KINDS)
    service: Text()
    change: RangedEntry
    lag_years: Integer("et antall år", 0, 20) = 0
    phase_in_years: Integer("et antall år", 1, 20) = 1
    ages: Annotated[tuple[int, int], BeforeValidator(_age_band)] | None = None
    to_service: Text() | None = None
    substitution: Share | None = None


class OperatingEntry(AmountEntry):
    """A yearly operating level [NOK 1000 a year]; negative = a saving."""

    value: Number("et beløp i 1000 kr per år (negativt = innsparing)")


class MeasureEntry(FileModel):
    title: Text()
    sector: Text()
    delmal: list[Text()]
    ansvar: Text()
    scale: Choice(SCALES)
    operating: dict[ProfileKey, OperatingEntry]
    investment: dict[ProfileKey, AmountEntry] = {}
    effects: list[EffectEntry]
    description: Text() = ""
    status: Choice(MEASURE_STATUSES) = "forslag"
    lifetime_years: Integer("et antall år", 1, 100) = 40
    excludes: list[Text("id-ene til tiltak som er alternativer til dette (velg bare ett av dem)")] = []


class LibraryFile(FileModel):
    """A tiltak library file (``data/tiltak/tiltaksbibliotek.yaml``)."""

    schema_version: Version(1)
    price_year: Integer("et årstall", 2000, 2100)
    description: Text() = ""
    measures: dict[Text(), MeasureEntry]


def _value(e) -> Value:
    return e.as_value() if isinstance(e, RangedEntry) else Value(float(e.value), e.status, e.source)


def parse_library(raw, source: str, catalogue: Catalogue) -> Library:
    """Validate a parsed library (YAML mapping) against ``catalogue`` and return it."""
    f = validate(LibraryFile, raw, source)
    r = Rules(source, raw)
    r.check(f.price_year == catalogue.price_year, ("price_year",),
            f"{f.price_year!r}: må være lik tjenestekatalogens prisår {catalogue.price_year}")
    for mid, m in f.measures.items():
        for i, other in enumerate(m.excludes):
            r.choice(other, f.measures, ("measures", mid, "excludes", i))
            r.check(other != mid, ("measures", mid, "excludes", i), f"{other!r}: et tiltak kan ikke utelukke seg selv")
    return Library(source, MappingProxyType({mid: _measure(r, mid, m, catalogue) for mid, m in f.measures.items()}))


def _measure(r: Rules, mid: str, m: MeasureEntry, catalogue: Catalogue) -> Measure:
    at = ("measures", mid)
    effects = []
    for i, e in enumerate(m.effects):
        p = at + ("effects", i)
        r.choice(e.service, catalogue.services, p + ("service",))
        ch = e.change.as_value()
        if e.kind == "shift":
            r.check(e.to_service is not None, p, "mangler nøkkelen 'to_service'")
            r.choice(e.to_service, catalogue.services, p + ("to_service",))
            r.check(0 <= ch.low <= ch.high <= 1, p + ("change",), "andelen som flyttes må ligge mellom 0 og 1")
        else:
            r.check(e.to_service is None, p + ("to_service",), "to_service gjelder bare kind: shift")
        if e.kind == "volunteer_hours":
            r.check(e.substitution is not None, p, "mangler nøkkelen 'substitution'")
            r.check(ch.low >= 0, p + ("change",), f"{ch.low:g}: timer kan ikke være negative")
        else:
            r.check(e.substitution is None, p + ("substitution",), "substitution gjelder bare kind: volunteer_hours")
        if e.kind in ("coverage", "unit_cost", "fte"):
            r.check(ch.low > -1, p + ("change",), f"{ch.low:g}: en relativ endring må være større enn -1 (-100 %)")
        effects.append(MeasureEffect(kind=e.kind, service=e.service, change=ch, lag_years=e.lag_years,
                                     phase_in_years=e.phase_in_years, ages=e.ages, to_service=e.to_service,
                                     substitution=float(e.substitution or 0.0)))
    r.check(bool(m.delmal), at + ("delmal",), "et tiltak må knyttes til minst ett delmål")
    r.choice(m.sector, catalogue.sectors, at + ("sector",))
    return Measure(
        id=mid, title=m.title, sector=m.sector, delmal=tuple(m.delmal), ansvar=m.ansvar, scale=m.scale,
        investment=MappingProxyType({k: _value(v) for k, v in m.investment.items()}),
        operating=MappingProxyType({k: _value(v) for k, v in m.operating.items()}),
        effects=tuple(effects), description=m.description, status=m.status, lifetime_years=m.lifetime_years,
        excludes=tuple(dict.fromkeys(m.excludes)))


SHIPPED = ("tiltak", "tiltaksbibliotek.yaml")


def load_library(path: str | Path | None = None, catalogue: Catalogue | None = None) -> Library:
    """Load and validate a tiltak library (default: the shipped one) against a catalogue
    (default: the shipped one); parsed again only when the file or the catalogue changes."""
    catalogue = catalogue or load_catalogue()
    p = data_path(*SHIPPED) if path is None else Path(path)
    name = "data/" + "/".join(SHIPPED) if path is None else str(path)
    return _load(*file_key(p), name, catalogue.fingerprint, catalogue)


@memo(maxsize=16, key=lambda resolved, mtime, name, fp, catalogue: (resolved, mtime, name, fp), readonly=False)
def _load(resolved: str, mtime: int | None, name: str, fingerprint: str, catalogue: Catalogue) -> Library:
    return parse_library(load_strict(name, None if mtime is None else read_input_text(resolved, name)),
                         name, catalogue)
