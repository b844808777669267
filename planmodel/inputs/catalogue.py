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

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.core.paths import data_path
from planmodel.core.ages import AGES, MAX_AGE
from planmodel.core.yamlio import Checker, load_strict

STATUSES = ("sourced", "derived", "assumption")
STATUS_NB = {"sourced": "kilde", "derived": "beregnet", "assumption": "anslag"}
BASES = ("users", "inhabitants")


@dataclass(frozen=True)
class Value:
    """A number with its status and source (and, for uncertain effects, a low/high range)."""

    value: float
    status: str
    source: str
    low: float | None = None
    high: float | None = None


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
    id: str
    name: str
    services: tuple[str, ...]
    step_down_to: str


@dataclass(frozen=True)
class StaffProfile:
    age_groups: tuple[str, ...]
    shares: dict[str, tuple[float, ...]]
    retirement_rate_60_66: float
    status: str
    source: str


@dataclass(frozen=True)
class Catalogue:
    """A validated service catalogue. Build arrays with :meth:`arrays`."""

    source: str
    price_year: int
    sectors: dict[str, str]
    care_levels: dict[int, str]
    services: dict[str, Service]
    threshold_groups: dict[str, ThresholdGroup]
    capacity_groups: dict[str, CapacityGroup]
    staff: StaffProfile
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

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
        over (service, age); 0 outside a service's age bands."""
        if "arrays" not in self._cache:
            n = len(self.ids)
            cov = np.zeros((n, AGES.size))
            cost = np.zeros((n, AGES.size))
            fte = np.zeros((n, AGES.size))
            for i, sid in enumerate(self.ids):  # a few dozen bands, once per catalogue
                for band in self.services[sid].bands:
                    lo, hi = band.ages
                    cov[i, lo : hi + 1] = band.coverage.value
                    cost[i, lo : hi + 1] = band.unit_cost.value
                    fte[i, lo : hi + 1] = band.fte_per_user.value
            coords = {**self.service_coords(), "age": AGES}
            ds = xr.Dataset(
                {
                    "coverage": (("service", "age"), cov, {"units": "share of inhabitants"}),
                    "unit_cost": (("service", "age"), cost,
                                  {"units": f"NOK per user per year, {self.price_year} prices"}),
                    "fte": (("service", "age"), fte, {"units": "årsverk per user"}),
                },
                coords=coords,
            )
            self._cache["arrays"] = ds
        return self._cache["arrays"].copy()

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
                    "dekningsgrad": b.coverage.value, "dekningsgrad_status": STATUS_NB[b.coverage.status],
                    "enhetskostnad_kr": b.unit_cost.value, "enhetskostnad_status": STATUS_NB[b.unit_cost.status],
                    "årsverk_per_bruker": b.fte_per_user.value, "årsverk_status": STATUS_NB[b.fte_per_user.status],
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

def pick(value: Value, bound: str) -> float:
    """The central value or one end of an assumption's range.

    ``bound``: ``"value"``; ``"weak"`` = the end of the range nearest zero (the smallest
    effect); ``"strong"`` = the end farthest from zero (the largest effect). Named by effect
    size rather than by low/high, so that "weak" means a weak effect whatever its sign.
    """
    if bound == "value" or value.low is None or value.high is None:
        return value.value
    ends = sorted((value.low, value.high), key=abs)
    return ends[0] if bound == "weak" else ends[1]


def _value(c: Checker, d, path: str, *, share=False, nonneg=True, ranged=False) -> Value:
    c.mapping(d, path)
    c.keys(d, path, ["value", "status", "source"], ["low", "high"] if ranged else [])
    lo = 0.0 if nonneg else None
    v = c.share(d["value"], f"{path}.value") if share else c.number(d["value"], f"{path}.value", lo=lo)
    status = c.string(d["status"], f"{path}.status", STATUSES)
    src = c.string(d["source"], f"{path}.source")
    if not src.strip():
        c.fail(f"{path}.source", "kilde eller begrunnelse mangler")
    low = high = None
    if ranged:
        low = c.number(d.get("low", v), f"{path}.low")
        high = c.number(d.get("high", v), f"{path}.high")
        if not low <= v <= high:
            c.fail(path, f"verdien {v:g} må ligge mellom low {low:g} og high {high:g}")
    return Value(v, status, src, low, high)


def _band(c: Checker, d, path: str) -> Band:
    c.mapping(d, path)
    c.keys(d, path, ["ages", "coverage", "unit_cost", "fte_per_user"])
    ages = c.sequence(d["ages"], f"{path}.ages")
    if len(ages) != 2 or not all(isinstance(a, int) and not isinstance(a, bool) for a in ages):
        c.fail(f"{path}.ages", f"{ages!r}: forventet [fra, til] som hele år")
    lo, hi = ages
    if not 0 <= lo <= hi <= MAX_AGE:
        c.fail(f"{path}.ages", f"{ages!r}: forventet 0 <= fra <= til <= {MAX_AGE}")
    return Band((lo, hi), _value(c, d["coverage"], f"{path}.coverage", share=True),
                _value(c, d["unit_cost"], f"{path}.unit_cost"),
                _value(c, d["fte_per_user"], f"{path}.fte_per_user"))


def _service(c: Checker, sid: str, d, path: str, sectors, capacity_groups, care_levels) -> Service:
    c.mapping(d, path)
    c.keys(d, path, ["name", "sector", "kostra_function", "mandatory", "bands"],
           ["basis", "care_level", "capacity_group", "calibrate", "breadth", "effects", "note"])
    bands = tuple(_band(c, b, f"{path}.bands[{i}]") for i, b in enumerate(c.sequence(d["bands"], f"{path}.bands")))
    if not bands:
        c.fail(f"{path}.bands", "minst ett aldersbånd trengs")
    spans = sorted(b.ages for b in bands)
    for (a0, a1), (b0, _) in zip(spans, spans[1:]):
        if b0 <= a1:
            c.fail(f"{path}.bands", f"aldersbåndene {a0}–{a1} og {b0}– overlapper")
    mandatory = c.boolean(d["mandatory"], f"{path}.mandatory")
    breadth = None
    if "breadth" in d:
        if mandatory:
            c.fail(f"{path}.breadth", "en lovpålagt tjeneste kan ikke ha tilbudsbredde (smalt/bredt)")
        bd = c.mapping(d["breadth"], f"{path}.breadth")
        c.keys(bd, f"{path}.breadth", ["narrow", "broad_extension"], ["keep_share"])
        narrow = c.string(bd["narrow"], f"{path}.breadth.narrow", ["drop", "trim"])
        keep = 0.0 if narrow == "drop" else c.share(bd.get("keep_share", 0.5), f"{path}.breadth.keep_share")
        if narrow == "drop" and "keep_share" in bd:
            c.fail(f"{path}.breadth.keep_share", "keep_share gjelder bare narrow: trim")
        breadth = Breadth(narrow, keep, c.number(bd["broad_extension"], f"{path}.breadth.broad_extension", 0.0, 5.0))
    effects = []
    for i, e in enumerate(c.sequence(d.get("effects", []), f"{path}.effects")):
        p = f"{path}.effects[{i}]"
        c.mapping(e, p)
        c.keys(e, p, ["target", "change", "lag_years"])
        effects.append(Effect(c.string(e["target"], f"{p}.target"),
                              _value(c, e["change"], f"{p}.change", nonneg=False, ranged=True),
                              int(c.number(e["lag_years"], f"{p}.lag_years", 0, 20))))
    calibrate = None
    if "calibrate" in d:
        cd = c.mapping(d["calibrate"], f"{path}.calibrate")
        c.keys(cd, f"{path}.calibrate", ["group", "share"])
        calibrate = (c.string(cd["group"], f"{path}.calibrate.group", CALIBRATION_GROUPS),
                     c.share(cd["share"], f"{path}.calibrate.share"))
    care_level = None
    if "care_level" in d:
        care_level = d["care_level"]
        if care_level not in care_levels:
            c.fail(f"{path}.care_level", f"{care_level!r} er ikke et nivå i care_levels ({sorted(care_levels)})")
    cap = None
    if "capacity_group" in d:
        cap = c.string(d["capacity_group"], f"{path}.capacity_group", capacity_groups)
    return Service(
        id=sid, name=c.string(d["name"], f"{path}.name"),
        sector=c.string(d["sector"], f"{path}.sector", sectors),
        kostra_function=c.string(d["kostra_function"], f"{path}.kostra_function"),
        mandatory=mandatory, bands=bands,
        basis=c.string(d.get("basis", "users"), f"{path}.basis", BASES),
        care_level=care_level, capacity_group=cap, calibrate=calibrate, breadth=breadth,
        effects=tuple(effects), note=c.string(d.get("note", ""), f"{path}.note"),
    )


#: Calibration groups: observed KOSTRA users that a group of services must reproduce.
CALIBRATION_GROUPS = ("hjemmetjenester", "heldogn_bolig", "institusjon_langtid")


def parse_catalogue(raw, source: str) -> Catalogue:
    """Validate a parsed catalogue (dict) completely and return a :class:`Catalogue`."""
    c = Checker(source)
    c.mapping(raw, "")
    c.keys(raw, "", ["schema_version", "price_year", "sectors", "services"],
           ["unit_cost_units", "care_levels", "capacity_groups", "threshold_groups", "staff_age_profile"])
    if raw["schema_version"] != 1:
        c.fail("schema_version", f"{raw['schema_version']!r}: planmodel kjenner bare versjon 1")
    price_year = int(c.number(raw["price_year"], "price_year", 2000, 2100, "et årstall"))
    sectors = {c.string(k, f"sectors.{k}"): c.string(v, f"sectors.{k}") for k, v in c.mapping(raw["sectors"], "sectors").items()}
    care_levels = {}
    for k, v in c.mapping(raw.get("care_levels", {}), "care_levels").items():
        if not isinstance(k, int) or isinstance(k, bool):
            c.fail(f"care_levels.{k}", "nivået må være et helt tall")
        care_levels[k] = c.string(v, f"care_levels.{k}")
    cap_raw = c.mapping(raw.get("capacity_groups", {}), "capacity_groups")
    services_raw = c.mapping(raw["services"], "services")
    services = {sid: _service(c, sid, d, f"services.{sid}", sectors, list(cap_raw), care_levels)
                for sid, d in services_raw.items()}
    known = list(services)

    def known_service(value, path):
        return c.string(value, path, known)

    for sid, s in services.items():
        for i, e in enumerate(s.effects):
            known_service(e.target, f"services.{sid}.effects[{i}].target")
            if e.target == sid:
                c.fail(f"services.{sid}.effects[{i}].target", "en tjeneste kan ikke virke på seg selv")
    capacity_groups = {}
    for gid, g in cap_raw.items():
        p = f"capacity_groups.{gid}"
        c.mapping(g, p)
        c.keys(g, p, ["name", "services", "step_down_to"])
        members = tuple(known_service(x, f"{p}.services") for x in c.sequence(g["services"], f"{p}.services"))
        for m in members:
            if services[m].capacity_group != gid:
                c.fail(f"{p}.services", f"{m} har ikke capacity_group: {gid}")
        step = known_service(g["step_down_to"], f"{p}.step_down_to")
        if step in members:
            c.fail(f"{p}.step_down_to", "kan ikke trappe ned til en tjeneste i samme gruppe")
        capacity_groups[gid] = CapacityGroup(gid, c.string(g["name"], f"{p}.name"), members, step)
    threshold_groups = {}
    for gid, g in c.mapping(raw.get("threshold_groups", {}), "threshold_groups").items():
        p = f"threshold_groups.{gid}"
        c.mapping(g, p)
        c.keys(g, p, ["name", "light", "heavy", "lag_years", "low", "high"])
        vals = {}
        for side in ("low", "high"):
            sd = c.mapping(g[side], f"{p}.{side}")
            c.keys(sd, f"{p}.{side}", ["light_change", "heavy_change"])
            for k in ("light_change", "heavy_change"):
                vals[f"{side}_{k}"] = _value(c, sd[k], f"{p}.{side}.{k}", nonneg=False, ranged=True)
        threshold_groups[gid] = ThresholdGroup(
            gid, c.string(g["name"], f"{p}.name"),
            tuple(known_service(x, f"{p}.light") for x in c.sequence(g["light"], f"{p}.light")),
            tuple(known_service(x, f"{p}.heavy") for x in c.sequence(g["heavy"], f"{p}.heavy")),
            int(c.number(g["lag_years"], f"{p}.lag_years", 0, 20)),
            vals["low_light_change"], vals["low_heavy_change"], vals["high_light_change"], vals["high_heavy_change"])
    sp = c.mapping(raw.get("staff_age_profile"), "staff_age_profile")
    c.keys(sp, "staff_age_profile", ["status", "source", "age_groups", "sectors", "retirement_rate_60_66"])
    groups = tuple(c.string(g, "staff_age_profile.age_groups") for g in c.sequence(sp["age_groups"], "staff_age_profile.age_groups"))
    if groups[-1] != "60-66":
        c.fail("staff_age_profile.age_groups", "siste gruppe må være 60-66 (de som går av)")
    shares = {}
    for sec, vals in c.mapping(sp["sectors"], "staff_age_profile.sectors").items():
        p = f"staff_age_profile.sectors.{sec}"
        c.string(sec, p, sectors)
        vs = tuple(c.share(v, p) for v in c.sequence(vals, p))
        if len(vs) != len(groups) or abs(sum(vs) - 1) > 1e-6:
            c.fail(p, f"forventet {len(groups)} andeler som summerer til 1, fikk {list(vs)}")
        shares[sec] = vs
    missing = [s for s in sectors if s not in shares]
    if missing:
        c.fail("staff_age_profile.sectors", f"mangler aldersprofil for {', '.join(missing)}")
    staff = StaffProfile(groups, shares, c.share(sp["retirement_rate_60_66"], "staff_age_profile.retirement_rate_60_66"),
                         c.string(sp["status"], "staff_age_profile.status", STATUSES),
                         c.string(sp["source"], "staff_age_profile.source"))
    return Catalogue(source, price_year, sectors, care_levels, services, threshold_groups, capacity_groups, staff)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue file (default: the shipped one)."""
    if path is None:
        return _default_catalogue()
    p = Path(path)
    key = (str(p.resolve()), p.stat().st_mtime_ns if p.exists() else None)
    if key not in _FILE_CACHE:  # parsed again only when the file changes
        _FILE_CACHE[key] = parse_catalogue(load_strict(path), str(path))
    return _FILE_CACHE[key]


_FILE_CACHE: dict = {}


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    path = data_path("tjenester", "tjenestekatalog.yaml")
    return parse_catalogue(load_strict(path), "data/tjenester/tjenestekatalog.yaml")
