"""The service catalogue (tjenestekatalog): services, their age bands and parameters.

Loaded from ``data/tjenester/tjenestekatalog.yaml`` (or a user's own file with the same
schema) and validated completely before anything is built: unknown keys, duplicate keys,
coverage outside [0, 1], negative costs, unknown sectors, services or groups are errors that
name the file, the key path and what was expected.

The catalogue becomes arrays over ``(service, age)`` for the demand and cost calculations:
``coverage`` [share of inhabitants], ``unit_cost`` [NOK per user per year, price year of the
catalogue] and ``fte`` [årsverk per user]. Every value keeps its ``status`` (sourced, derived,
assumption) and ``source``, shown to users by :meth:`Catalogue.parameter_table`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Mapping

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.core.ages import AGES, MAX_AGE
from planmodel.core.cache import file_key, memo
from planmodel.core.paths import data_path
from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from planmodel.core.schema import (Bool, Choice, FileModel, Integer, Number, Rules, Share, Text, after, check,
                                   Version, validate)
from planmodel.core.labels import STATUS
from planmodel.core.values import STATUSES, Value
from planmodel.core.yamlio import load_strict, read_input_bytes

BASES = ("users", "inhabitants")
#: Calibration groups: observed KOSTRA users that a group of services must reproduce.
CALIBRATION_GROUPS = ("hjemmetjenester", "heldogn_bolig", "institusjon_langtid")


@dataclass(frozen=True)
class Band:
    ages: tuple[int, int]
    coverage: Value
    unit_cost: Value
    fte_per_user: Value


@dataclass(frozen=True)
class Effect:
    """A preventive effect of an optional service on another service's coverage.

    ``change`` is the relative change of the target when the source service grows by 100 % of
    its base volume; removing the source gives the opposite sign. Phased in over ``lag_years``.
    """

    target: str
    change: Value
    lag_years: int


@dataclass(frozen=True)
class Breadth:
    """What a narrow and a broad offer do to an optional service.

    narrow: ``drop`` (coverage to 0) or ``trim`` (coverage to ``keep_share``) at breadth -1;
    broad: coverage up by ``broad_extension`` at breadth +1; linear in between.
    """

    narrow: str
    keep_share: float
    broad_extension: float


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    sector: str
    kostra_function: str
    mandatory: bool
    bands: tuple[Band, ...]
    basis: str = "users"
    care_level: int | None = None
    capacity_group: str | None = None
    calibrate: tuple[str, float] | None = None
    breadth: Breadth | None = None
    effects: tuple[Effect, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ThresholdGroup:
    id: str
    name: str
    light: tuple[str, ...]
    heavy: tuple[str, ...]
    lag_years: int
    low_light: Value
    low_heavy: Value
    high_light: Value
    high_heavy: Value


@dataclass(frozen=True)
class CapacityGroup:
    """Places that are a stock (sykehjem, heldøgns omsorgsbolig). ``waiting_cost`` [NOK per person
    per year]: what serving a person who waits for a place costs meanwhile."""

    id: str
    name: str
    services: tuple[str, ...]
    step_down_to: str
    waiting_cost: Value | None = None


@dataclass(frozen=True)
class PlaceType:
    """What the kommune builds when demand rises (behovsanalyse).

    ``unit`` places per building unit (bogruppe, avdeling, klasse); a new block is about a tenth of
    today's places in whole units, 1 to ``max_units`` (:meth:`block`). ``cost_per_place`` [NOK 1000
    per place, gross incl. mva], higher in Husbanken's pressområder (``cost_per_place_pressure``);
    ``external_share`` [share] is paid by investeringstilskudd and momskompensasjon."""

    id: str
    name: str
    services: tuple[str, ...]
    capacity_group: str | None
    unit: int
    max_units: int
    unit_source: str
    cost_per_place: Value
    external_share: Value
    cost_per_place_pressure: Value | None = None

    def block(self, existing: float) -> int:
        """Places in one new block for a kommune with ``existing`` places (whole units)."""
        units = min(max(round(0.1 * float(existing) / self.unit), 1), self.max_units)
        return int(units * self.unit)

    def cost(self, pressure: bool) -> Value:
        """Cost per place [NOK 1000] for a kommune in (or outside) a pressområde."""
        return self.cost_per_place_pressure if pressure and self.cost_per_place_pressure is not None \
            else self.cost_per_place


@dataclass(frozen=True)
class StaffProfile:
    age_groups: tuple[str, ...]
    shares: Mapping[str, tuple[float, ...]]
    retirement_rate_60_66: float
    status: str
    source: str


@dataclass(frozen=True)
class Catalogue:
    """A validated service catalogue. Build arrays with :meth:`arrays`."""

    source: str
    price_year: int
    sectors: Mapping[str, str]
    care_levels: Mapping[int, str]
    services: Mapping[str, Service]
    threshold_groups: Mapping[str, ThresholdGroup]
    capacity_groups: Mapping[str, CapacityGroup]
    staff: StaffProfile
    fingerprint: str = ""  #: identifies the file's content (caches key on it)
    place_types: Mapping[str, PlaceType] = field(default_factory=lambda: MappingProxyType({}))
    pressure_kommuner: tuple[str, ...] = ()
    pressure_source: str = ""

    @property
    def ids(self) -> list[str]:
        return list(self.services)

    def service_coords(self) -> dict[str, xr.DataArray]:
        """Non-index coordinates along ``service``: service_name, service_sector,
        service_mandatory, service_care_level (-1 = not on the care staircase)."""
        ids = self.ids
        s = self.services
        return {
            "service": xr.DataArray(ids, dims="service"),
            "service_name": ("service", [s[i].name for i in ids]),
            "service_sector": ("service", [s[i].sector for i in ids]),
            "service_mandatory": ("service", [s[i].mandatory for i in ids]),
            "service_care_level": ("service", [-1 if s[i].care_level is None else s[i].care_level for i in ids]),
        }

    def arrays(self) -> xr.Dataset:
        """``coverage``, ``unit_cost`` [NOK per user per year] and ``fte`` [årsverk per user]
        over (service, age); 0 outside a service's age bands. Read-only (cached per catalogue)."""
        return _arrays(self)

    def parameter_table(self) -> pd.DataFrame:
        """One row per service and age band with every value, its status (in Norwegian:
        kilde / beregnet / anslag) and source — for tables and apps."""
        rows = []
        for sid, s in self.services.items():
            for b in s.bands:
                rows.append({
                    "tjeneste": s.name, "service": sid, "sektor": self.sectors[s.sector],
                    "lovpålagt": "ja" if s.mandatory else "nei", "KOSTRA-funksjon": s.kostra_function,
                    "alder": f"{b.ages[0]}–{b.ages[1]}" if b.ages[1] < MAX_AGE else f"{b.ages[0]}+",
                    "dekningsgrad": b.coverage.value, "dekningsgrad_status": STATUS[b.coverage.status],
                    "enhetskostnad_kr": b.unit_cost.value, "enhetskostnad_status": STATUS[b.unit_cost.status],
                    "årsverk_per_bruker": b.fte_per_user.value, "årsverk_status": STATUS[b.fte_per_user.status],
                    "kilde_dekningsgrad": b.coverage.source, "kilde_enhetskostnad": b.unit_cost.source,
                    "kilde_årsverk": b.fte_per_user.source,
                })
        return pd.DataFrame(rows)

    def optional(self) -> list[str]:
        return [sid for sid, s in self.services.items() if not s.mandatory]

    def by_care_level(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for sid, s in self.services.items():
            if s.care_level is not None:
                out.setdefault(s.care_level, []).append(sid)
        return dict(sorted(out.items()))



# ------------------------------------------------------------------------------- loading
#
# The file schema (described once; docs/tjenestemodell.md explains the meaning of each key).

Status = Choice(STATUSES, "sourced (kilde), derived (beregnet) eller assumption (anslag)")
Source = Text("kilde eller begrunnelse")


def _source_given(v: str) -> str | None:
    return None if v.strip() else "kilde eller begrunnelse mangler"


class _ValueEntry(FileModel):
    status: Status
    source: Annotated[Source, after(_source_given)]


class ShareEntry(_ValueEntry):
    """A share of inhabitants [0, 1] with status and source."""

    value: Share


class AmountEntry(_ValueEntry):
    """A non-negative amount (kroner, årsverk per user) with status and source."""

    value: Number("et ikke-negativt tall", 0.0)


class RangedEntry(_ValueEntry):
    """An uncertain effect: central value with an optional low/high range."""

    value: Number()
    low: Number() | None = None
    high: Number() | None = None

    @model_validator(mode="after")
    def _in_range(self):
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        check(low <= self.value <= high,
              f"verdien {self.value:g} må ligge mellom low {low:g} og high {high:g}")
        return self

    def as_value(self) -> Value:
        return Value(self.value, self.status, self.source,
                     self.value if self.low is None else self.low, self.value if self.high is None else self.high)


def _custom(msg: str) -> PydanticCustomError:
    return PydanticCustomError("pm_rule", msg.replace("{", "{{").replace("}", "}}"))


def _age_span(v):
    if not isinstance(v, list) or len(v) != 2 or not all(isinstance(a, int) and not isinstance(a, bool) for a in v):
        raise _custom(f"{v!r}: forventet [fra, til] som hele år")
    if not 0 <= v[0] <= v[1] <= MAX_AGE:
        raise _custom(f"{v!r}: forventet 0 <= fra <= til <= {MAX_AGE}")
    return tuple(v)


AgeSpan = Annotated[tuple[int, int], BeforeValidator(_age_span)]


class BandEntry(FileModel):
    ages: AgeSpan
    coverage: ShareEntry
    unit_cost: AmountEntry
    fte_per_user: AmountEntry


class BreadthEntry(FileModel):
    narrow: Choice(("drop", "trim"))
    keep_share: Share | None = None
    broad_extension: Number("en utvidelse", 0.0, 5.0)

    @model_validator(mode="after")
    def _keep_only_for_trim(self):
        check(not (self.narrow == "drop" and self.keep_share is not None), "keep_share gjelder bare narrow: trim")
        return self


class EffectEntry(FileModel):
    target: Text()
    change: RangedEntry
    lag_years: Integer("et antall år", 0, 20)


class CalibrateEntry(FileModel):
    group: Choice(CALIBRATION_GROUPS)
    share: Share


class ServiceEntry(FileModel):
    name: Text()
    sector: Text()
    kostra_function: Text("KOSTRA-funksjon, i anførselstegn (\"254\")")
    mandatory: Bool
    bands: list[BandEntry]
    basis: Choice(BASES) = "users"
    care_level: Integer("et nivå i care_levels") | None = None
    capacity_group: Text() | None = None
    calibrate: CalibrateEntry | None = None
    breadth: BreadthEntry | None = None
    effects: list[EffectEntry] = []
    note: Text() = ""


class CapacityGroupEntry(FileModel):
    name: Text()
    services: list[Text()]
    step_down_to: Text()
    waiting_cost: AmountEntry


class PlaceTypeEntry(FileModel):
    name: Text()
    services: list[Text()]
    capacity_group: Text() | None = None
    unit: Integer("et antall plasser", 1, 1000)
    max_units: Integer("et antall enheter", 1, 50)
    unit_source: Annotated[Text(), after(_source_given)]
    cost_per_place: AmountEntry
    cost_per_place_pressure: AmountEntry | None = None
    external_share: ShareEntry


class PressureEntry(FileModel):
    kommuner: list[Text()]
    source: Annotated[Text(), after(_source_given)]


class PlaceTypesSection(FileModel):
    pressure_kommuner: PressureEntry
    types: dict[Text(), PlaceTypeEntry]


class ThresholdSide(FileModel):
    light_change: RangedEntry
    heavy_change: RangedEntry


class ThresholdGroupEntry(FileModel):
    name: Text()
    light: list[Text()]
    heavy: list[Text()]
    lag_years: Integer("et antall år", 0, 20)
    low: ThresholdSide
    high: ThresholdSide


class StaffEntry(FileModel):
    status: Status
    source: Source
    age_groups: list[Text()]
    sectors: dict[Text(), list[Share]]
    retirement_rate_60_66: Share


class CatalogueFile(FileModel):
    """A service catalogue file (``data/tjenester/tjenestekatalog.yaml``)."""

    schema_version: Version(1)
    price_year: Integer("et årstall", 2000, 2100)
    unit_cost_units: Text() | None = None
    sectors: dict[Text(), Text()]
    care_levels: dict[Integer("et nivå (helt tall)"), Text()] = {}
    capacity_groups: dict[Text(), CapacityGroupEntry] = {}
    threshold_groups: dict[Text(), ThresholdGroupEntry] = {}
    staff_age_profile: StaffEntry
    place_types: PlaceTypesSection | None = None
    services: dict[Text(), ServiceEntry]


def _value(e: _ValueEntry) -> Value:
    return e.as_value() if isinstance(e, RangedEntry) else Value(float(e.value), e.status, e.source)


def parse_catalogue(raw, source: str, fingerprint: str = "") -> Catalogue:
    """Validate a parsed catalogue (the YAML mapping) completely and return a :class:`Catalogue`.

    The schema (:class:`CatalogueFile`) checks keys, types and ranges; the rules below check
    what refers to what (sectors, services, groups, care levels). Without a ``fingerprint`` the
    content itself is hashed, so that caches keyed on it never mix two catalogues."""
    f = validate(CatalogueFile, raw, source)
    if not fingerprint:
        fingerprint = "c-" + hashlib.sha256(f.model_dump_json().encode("utf-8")).hexdigest()[:16]
    r = Rules(source, raw)
    sectors = dict(f.sectors)
    services = {}
    for sid, s in f.services.items():
        at = ("services", sid)
        r.choice(s.sector, sectors, at + ("sector",))
        r.check(bool(s.bands), at + ("bands",), "minst ett aldersbånd trengs")
        spans = sorted(b.ages for b in s.bands)
        for (a0, a1), (b0, _) in zip(spans, spans[1:]):
            r.check(b0 > a1, at + ("bands",), f"aldersbåndene {a0}–{a1} og {b0}– overlapper")
        r.check(not (s.mandatory and s.breadth is not None), at + ("breadth",),
                "en lovpålagt tjeneste kan ikke ha tilbudsbredde (smalt/bredt)")
        for i, e in enumerate(s.effects):
            r.choice(e.target, f.services, at + ("effects", i, "target"))
            r.check(e.target != sid, at + ("effects", i, "target"), "en tjeneste kan ikke virke på seg selv")
        if s.care_level is not None:
            r.check(s.care_level in f.care_levels, at + ("care_level",),
                    f"{s.care_level!r} er ikke et nivå i care_levels ({sorted(f.care_levels)})")
        if s.capacity_group is not None:
            r.choice(s.capacity_group, f.capacity_groups, at + ("capacity_group",))
        breadth = None
        if s.breadth is not None:
            keep = 0.0 if s.breadth.narrow == "drop" else (0.5 if s.breadth.keep_share is None else s.breadth.keep_share)
            breadth = Breadth(s.breadth.narrow, float(keep), float(s.breadth.broad_extension))
        services[sid] = Service(
            id=sid, name=s.name, sector=s.sector, kostra_function=s.kostra_function, mandatory=s.mandatory,
            bands=tuple(Band(b.ages, _value(b.coverage), _value(b.unit_cost), _value(b.fte_per_user)) for b in s.bands),
            basis=s.basis, care_level=s.care_level, capacity_group=s.capacity_group,
            calibrate=None if s.calibrate is None else (s.calibrate.group, float(s.calibrate.share)),
            breadth=breadth, effects=tuple(Effect(e.target, _value(e.change), e.lag_years) for e in s.effects),
            note=s.note)
    capacity_groups = {}
    for gid, g in f.capacity_groups.items():
        at = ("capacity_groups", gid)
        for m in g.services:
            r.choice(m, f.services, at + ("services",))
            r.check(services[m].capacity_group == gid, at + ("services",), f"{m} har ikke capacity_group: {gid}")
        r.choice(g.step_down_to, f.services, at + ("step_down_to",))
        r.check(g.step_down_to not in g.services, at + ("step_down_to",), "kan ikke trappe ned til en tjeneste i samme gruppe")
        capacity_groups[gid] = CapacityGroup(gid, g.name, tuple(g.services), g.step_down_to, _value(g.waiting_cost))
    threshold_groups = {}
    for gid, g in f.threshold_groups.items():
        at = ("threshold_groups", gid)
        for side in ("light", "heavy"):
            for m in getattr(g, side):
                r.choice(m, f.services, at + (side,))
        threshold_groups[gid] = ThresholdGroup(
            gid, g.name, tuple(g.light), tuple(g.heavy), g.lag_years, _value(g.low.light_change),
            _value(g.low.heavy_change), _value(g.high.light_change), _value(g.high.heavy_change))
    sp = f.staff_age_profile
    at = ("staff_age_profile",)
    r.check(bool(sp.age_groups) and sp.age_groups[-1] == "60-66", at + ("age_groups",),
            "siste gruppe må være 60-66 (de som går av)")
    for sec, vs in sp.sectors.items():
        r.choice(sec, sectors, at + ("sectors", sec))
        r.check(len(vs) == len(sp.age_groups) and abs(sum(vs) - 1) <= 1e-6, at + ("sectors", sec),
                f"forventet {len(sp.age_groups)} andeler som summerer til 1, fikk {list(vs)}")
    missing = [s for s in sectors if s not in sp.sectors]
    r.check(not missing, at + ("sectors",), f"mangler aldersprofil for {', '.join(missing)}")
    staff = StaffProfile(tuple(sp.age_groups), MappingProxyType({k: tuple(float(x) for x in v) for k, v in sp.sectors.items()}),
                         float(sp.retirement_rate_60_66), sp.status, sp.source)
    place_types, pressure, pressure_source = {}, (), ""
    if f.place_types is not None:
        pressure = tuple(f.place_types.pressure_kommuner.kommuner)
        pressure_source = f.place_types.pressure_kommuner.source
        for pid, pt in f.place_types.types.items():
            at = ("place_types", "types", pid)
            for m in pt.services:
                r.choice(m, f.services, at + ("services",))
            if pt.capacity_group is not None:
                r.choice(pt.capacity_group, f.capacity_groups, at + ("capacity_group",))
            place_types[pid] = PlaceType(
                pid, pt.name, tuple(pt.services), pt.capacity_group, pt.unit, pt.max_units, pt.unit_source,
                _value(pt.cost_per_place), _value(pt.external_share),
                None if pt.cost_per_place_pressure is None else _value(pt.cost_per_place_pressure))
    return Catalogue(source, f.price_year, MappingProxyType(sectors), MappingProxyType(dict(f.care_levels)),
                     MappingProxyType(services), MappingProxyType(threshold_groups),
                     MappingProxyType(capacity_groups), staff, fingerprint, MappingProxyType(place_types),
                     pressure, pressure_source)


SHIPPED = ("tjenester", "tjenestekatalog.yaml")


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue file (default: the shipped one); parsed again only when
    the file changes."""
    p = data_path(*SHIPPED) if path is None else Path(path)
    return _load(*file_key(p), "data/" + "/".join(SHIPPED) if path is None else str(path))


@memo(maxsize=16, readonly=False)
def _load(resolved: str, mtime: int | None, name: str) -> Catalogue:
    raw_bytes = read_input_bytes(resolved, name) if mtime is not None else None
    raw = load_strict(name, None if raw_bytes is None else raw_bytes.decode("utf-8"))
    return parse_catalogue(raw, name, hashlib.sha256(raw_bytes).hexdigest()[:16] if raw_bytes else name)


@memo(maxsize=16, key=lambda c: c.fingerprint)
def _arrays(catalogue: Catalogue) -> xr.Dataset:
    n = len(catalogue.ids)
    cov = np.zeros((n, AGES.size))
    cost = np.zeros((n, AGES.size))
    fte = np.zeros((n, AGES.size))
    for i, sid in enumerate(catalogue.ids):  # a few dozen bands, once per catalogue
        for band in catalogue.services[sid].bands:
            lo, hi = band.ages
            cov[i, lo : hi + 1] = band.coverage.value
            cost[i, lo : hi + 1] = band.unit_cost.value
            fte[i, lo : hi + 1] = band.fte_per_user.value
    coords = {**catalogue.service_coords(), "age": AGES}
    return xr.Dataset(
        {
            "coverage": (("service", "age"), cov, {"units": "share of inhabitants"}),
            "unit_cost": (("service", "age"), cost, {"units": f"NOK per user per year, {catalogue.price_year} prices"}),
            "fte": (("service", "age"), fte, {"units": "årsverk per user"}),
        },
        coords=coords,
    )
