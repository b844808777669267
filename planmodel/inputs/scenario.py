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
    demography_overrides : {tfr, e0_male, e0_female, migration_level, dwellings,
        persons_per_dwelling: value or {year: level}} on top of the demographic scenario.
    baseline, source, chain : provenance (the file, and the baseline files merged into it).
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
    source: str = field(default="scenario", compare=False)
    demography_overrides: Mapping[str, object] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    chain: tuple[str, ...] = field(default=(), compare=False)


# ============================================================================== scenario files
#
# Year keys in scenario files (the one rule, written once):
#   * a LEVEL holds from its year until the next key and after the last one. Levels are the
#     demographic paths (tfr, e0_male, e0_female, migration_level, dwellings), which move in a
#     straight line between two keys, and the operating costs of tiltak (library files).
#   * a FLOW happens in its year only. Flows are named apart: every key ending in `_additions`
#     (capacity_additions: places that open that year and then stay) and tiltak investments.

SCENARIO_KEYS = ("id", "title", "description", "baseline", "kommune", "price_year", "plan", "demography",
                 "services", "measures", "economy", "staff_profile", "catalogue", "library", "references")
PLAN_KEYS = ("years", "horizon")
DEMOGRAPHY_KEYS = ("scenario", "tfr", "e0_male", "e0_female", "migration_level", "dwellings", "persons_per_dwelling")
SERVICE_KEYS = ("threshold", "breadth", "overflow", "behovsanalyse", "capacity_additions", "dropped", "effect_bound")
MEASURE_KEYS = ("id", "start", "end", "status")


def _merge(parent: dict, child: dict) -> dict:
    """Child keys override the parent; mappings are merged key by key, lists are replaced."""
    out = dict(parent)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _raw_with_baseline(path, seen: tuple = (), root=None) -> tuple[dict, list[str]]:
    """The file's mapping merged onto its baseline chain (baseline files in the same folder).

    Problems in the chain are reported against the file the user loaded (``root``), with the
    chain spelled out."""
    from pathlib import Path

    from planmodel.core.errors import InputError
    from planmodel.core.yamlio import Checker, load_strict

    path = Path(path)
    root = root or path
    raw = load_strict(path)
    c = Checker(str(path))
    c.mapping(raw, "")
    chain = [str(path)]
    base_id = raw.get("baseline")
    if base_id is None:
        return raw, chain
    c.string(base_id, "baseline")
    base_path = path.parent / f"{base_id}.yaml"
    names = [Path(x).stem for x in seen] + [path.stem]
    if str(base_path.resolve()) in seen or base_path.resolve() == path.resolve():
        raise InputError(str(root), "baseline",
                         f"basisalternativene gir en sirkel: {' -> '.join(names + [base_id])}")
    if not base_path.exists():
        via = f" (via {' -> '.join(names)})" if len(names) > 1 else ""
        raise InputError(str(root), "baseline",
                         f"fant ikke basisalternativet {base_id!r}{via}; ventet filen {base_path.name} i samme mappe")
    parent, parent_chain = _raw_with_baseline(base_path, seen + (str(path.resolve()),), root)
    parent = {k: v for k, v in parent.items() if k not in ("id", "title", "description", "baseline", "references")}
    return _merge(parent, raw), parent_chain + chain


def load_scenario(path) -> PlanScenario:
    """Read, merge with its baseline chain and validate a scenario file; every problem is an
    :class:`~planmodel.errors.InputError` naming the file, the key path and what was expected.
    Nothing is built until everything is valid."""
    raw, chain = _raw_with_baseline(path)
    return parse_scenario(raw, str(path), chain)


def parse_scenario(raw: dict, source: str = "scenario", chain: list[str] | None = None) -> PlanScenario:
    """Validate a scenario mapping completely and return the :class:`PlanScenario`."""
    from planmodel.services.demand import EFFECT_BOUNDS, OVERFLOW_MODES
    from planmodel.population.demography import SCENARIOS
    from planmodel.core.errors import KommuneError
    from planmodel.inputs.kommuner import resolve_kommune
    from planmodel.inputs.library import MEASURE_STATUSES, load_library
    from planmodel.inputs.catalogue import load_catalogue
    from planmodel.core.yamlio import Checker

    c = Checker(source)
    c.mapping(raw, "")
    c.keys(raw, "", ["id", "title", "kommune"], [k for k in SCENARIO_KEYS if k not in ("id", "title", "kommune")])
    sid = c.string(raw["id"], "id")
    if not sid.replace("_", "").replace("-", "").isalnum() or not sid.isascii():
        c.fail("id", f"{sid!r}: bruk bare a–z, 0–9, _ og -")
    kommune = c.string(raw["kommune"], "kommune")
    try:
        code = resolve_kommune(kommune).code
    except KommuneError as exc:
        c.fail("kommune", str(exc))
    catalogue_path = raw.get("catalogue")
    library_path = raw.get("library")
    from pathlib import Path

    base_dir = Path(source).parent if source != "scenario" else Path(".")
    if catalogue_path is not None:
        catalogue_path = str((base_dir / c.string(catalogue_path, "catalogue")))
    if library_path is not None:
        library_path = str((base_dir / c.string(library_path, "library")))
    catalogue = load_catalogue(catalogue_path)
    price_year = int(c.number(raw.get("price_year", catalogue.price_year), "price_year", 2000, 2100, "et årstall"))
    if price_year != catalogue.price_year:
        c.fail("price_year", f"{price_year}: tjenestekatalogen har prisår {catalogue.price_year}")

    plan = c.mapping(raw.get("plan", {}), "plan")
    c.keys(plan, "plan", [], PLAN_KEYS)
    plan_years = int(c.number(plan.get("years", 4), "plan.years", 1, 10, "et antall år"))
    horizon = int(c.number(plan.get("horizon", 2040), "plan.horizon", 2030, 2060, "et årstall"))
    base_year = 2026  # the shipped data's latest registered population (1 January)
    first, last = base_year + 1, base_year + plan_years
    if horizon < last:
        c.fail("plan.horizon", f"{horizon} må være minst siste planår {last}")

    demo = c.mapping(raw.get("demography", {}), "demography")
    c.keys(demo, "demography", [], DEMOGRAPHY_KEYS)
    demo_id = c.string(demo.get("scenario", "main"), "demography.scenario", SCENARIOS)
    overrides = {}
    for key in ("tfr", "e0_male", "e0_female", "migration_level", "dwellings"):
        if key in demo:
            overrides[key] = _year_path(c, demo[key], f"demography.{key}", base_year, horizon, key)
    if "persons_per_dwelling" in demo:
        overrides["persons_per_dwelling"] = c.number(demo["persons_per_dwelling"], "demography.persons_per_dwelling", 0.0, 10.0)

    svc = c.mapping(raw.get("services", {}), "services")
    c.keys(svc, "services", [], SERVICE_KEYS)
    threshold = svc.get("threshold", 0.0)
    if isinstance(threshold, dict):
        for g, v in threshold.items():
            c.string(g, f"services.threshold.{g}", catalogue.threshold_groups)
            c.number(v, f"services.threshold.{g}", -1, 1, "en terskel")
        threshold = {g: float(v) for g, v in threshold.items()}
    else:
        threshold = c.number(threshold, "services.threshold", -1, 1, "en terskel (-1 lav, 1 høy)")
    breadth = c.number(svc.get("breadth", 0.0), "services.breadth", -1, 1, "en bredde (-1 smalt, 1 bredt)")
    overflow = c.string(svc.get("overflow", "queue"), "services.overflow", OVERFLOW_MODES)
    behovsanalyse = c.boolean(svc.get("behovsanalyse", True), "services.behovsanalyse")
    effect_bound = c.string(svc.get("effect_bound", "value"), "services.effect_bound", EFFECT_BOUNDS)
    dropped = []
    for i, s in enumerate(c.sequence(svc.get("dropped", []), "services.dropped")):
        s = c.string(s, f"services.dropped[{i}]", catalogue.services)
        if catalogue.services[s].mandatory:
            c.fail(f"services.dropped[{i}]", f"{catalogue.services[s].name} er lovpålagt og kan ikke fjernes")
        dropped.append(s)
    adds = {}
    for g, spec in c.mapping(svc.get("capacity_additions", {}), "services.capacity_additions").items():
        c.string(g, f"services.capacity_additions.{g}", catalogue.capacity_groups)
        flows = {}
        for y, n in c.mapping(spec, f"services.capacity_additions.{g}").items():
            p = f"services.capacity_additions.{g}.{y}"
            if not isinstance(y, int) or isinstance(y, bool):
                c.fail(p, "nøkkelen må være et årstall")
            if not first <= y <= horizon:
                c.fail(p, f"året {y} er utenfor {first}–{horizon} (fra første planår til horisonten)")
            flows[y] = c.number(n, p, -10000, 10000, "et antall plasser")
        adds[g] = flows

    library = load_library(library_path, catalogue)
    measures = []
    seen = set()
    for i, m in enumerate(c.sequence(raw.get("measures", []), "measures")):
        p = f"measures[{i}]"
        c.mapping(m, p)
        c.keys(m, p, ["id", "start"], ["end", "status"])
        mid = c.string(m["id"], f"{p}.id", library.measures)
        if mid in seen:
            c.fail(f"{p}.id", f"tiltaket {mid!r} er valgt to ganger")
        seen.add(mid)
        start = m["start"]
        if not isinstance(start, int) or isinstance(start, bool):
            c.fail(f"{p}.start", f"{start!r} er ikke et årstall")
        if not first <= start <= horizon:
            c.fail(f"{p}.start", f"året {start} er utenfor {first}–{horizon} (fra første planår til horisonten)")
        end = m.get("end")
        if end is not None:
            if not isinstance(end, int) or isinstance(end, bool) or not start <= end <= horizon:
                c.fail(f"{p}.end", f"{end!r}: forventet et årstall fra start ({start}) til horisonten ({horizon})")
        status = m.get("status")
        if status is not None:
            c.string(status, f"{p}.status", MEASURE_STATUSES)
        for kind, profile in (("investment", library.measures[mid].investment), ("operating", library.measures[mid].operating)):
            late = [k for k in profile if start + k > horizon]
            if late:
                c.fail(f"{p}.start", f"tiltakets {kind}-profil går til {start + max(late)}, etter horisonten {horizon}")
        measures.append(MeasureChoice(mid, start, end, status))

    economy = {}
    from planmodel.budget import ECONOMY_FIELDS, economy_with

    for k, v in c.mapping(raw.get("economy", {}), "economy").items():
        c.string(k, f"economy.{k}", ECONOMY_FIELDS)
        economy[k] = c.number(v, f"economy.{k}")
    economy_with(economy, source)  # ranges

    staff = None
    if "staff_profile" in raw:
        staff = {}
        for sector, shares in c.mapping(raw["staff_profile"], "staff_profile").items():
            c.string(sector, f"staff_profile.{sector}", catalogue.sectors)
            vals = [c.share(x, f"staff_profile.{sector}") for x in c.sequence(shares, f"staff_profile.{sector}")]
            if len(vals) != len(catalogue.staff.age_groups) or abs(sum(vals) - 1) > 1e-6:
                c.fail(f"staff_profile.{sector}", f"forventet {len(catalogue.staff.age_groups)} andeler "
                       f"({', '.join(catalogue.staff.age_groups)}) som summerer til 1")
            staff[sector] = tuple(vals)
    refs = tuple(c.string(r, "references") for r in c.sequence(raw.get("references", []), "references"))
    scenario = PlanScenario(
        id=sid, title=c.string(raw["title"], "title"), description=c.string(raw.get("description", ""), "description"),
        kommune=code, demographic=demo_id, demography_overrides=overrides, horizon=horizon, plan_years=plan_years,
        price_year=price_year, threshold=threshold, breadth=breadth, overflow=overflow, capacity_additions=adds,
        behovsanalyse=behovsanalyse, measures=tuple(measures), dropped=tuple(dropped), effect_bound=effect_bound,
        economy=economy, staff_profile=staff, catalogue=catalogue_path, library=library_path,
        baseline=raw.get("baseline"), source=source, references=refs,
        chain=tuple(chain or [source]),
    )
    from planmodel.model.chain import resolve

    resolve(scenario)  # the checks that need the catalogue and the library together
    return scenario


def _year_path(c, value, path: str, base_year: int, horizon: int, key: str):
    if isinstance(value, dict):
        out = {}
        for y, v in value.items():
            if not isinstance(y, int) or isinstance(y, bool):
                c.fail(f"{path}.{y}", "nøkkelen må være et årstall")
            if not base_year <= y <= horizon + 50:
                c.fail(f"{path}.{y}", f"året {y} er utenfor {base_year}–{horizon + 50}")
            out[y] = _path_value(c, v, f"{path}.{y}", key)
        if not out:
            c.fail(path, "en årsbane trenger minst ett år")
        return out
    return _path_value(c, value, path, key)


def _path_value(c, v, path, key):
    limits = {"tfr": (0.5, 4.0), "e0_male": (50, 100), "e0_female": (50, 100),
              "migration_level": (-1e6, 1e6), "dwellings": (0, 1e5)}[key]
    return c.number(v, path, *limits)


def to_yaml_dict(s: PlanScenario) -> dict:
    """The scenario as a scenario-file mapping (fully resolved; ``baseline`` kept for provenance)."""
    out: dict = {"id": s.id, "title": s.title}
    if s.description:
        out["description"] = s.description
    if s.baseline:
        out["baseline"] = s.baseline
    out["kommune"] = s.kommune
    out["price_year"] = s.price_year
    out["plan"] = {"years": s.plan_years, "horizon": s.horizon}
    out["demography"] = {"scenario": s.demographic, **{k: (dict(v) if isinstance(v, dict) else v)
                                                       for k, v in s.demography_overrides.items()}}
    out["services"] = {
        "threshold": dict(s.threshold) if isinstance(s.threshold, dict) else s.threshold,
        "breadth": s.breadth, "overflow": s.overflow, "behovsanalyse": s.behovsanalyse,
        "capacity_additions": {g: dict(v) for g, v in s.capacity_additions.items()},
        "dropped": list(s.dropped), "effect_bound": s.effect_bound,
    }
    out["measures"] = [{k: v for k, v in (("id", m.id), ("start", m.start), ("end", m.end), ("status", m.status))
                        if v is not None} for m in s.measures]
    out["economy"] = dict(s.economy)
    if s.staff_profile:
        out["staff_profile"] = {k: list(v) for k, v in s.staff_profile.items()}
    if s.catalogue:
        out["catalogue"] = s.catalogue
    if s.library:
        out["library"] = s.library
    if s.references:
        out["references"] = list(s.references)
    return out


def dump_scenario(s: PlanScenario) -> str:
    """YAML text of a scenario; codes are quoted so that they stay strings."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper, data):
        style = '"' if data.isdigit() or data.lower() in {"yes", "no", "on", "off", "true", "false", "null"} else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    _Dumper.add_representer(str, _str)
    header = "# planmodel scenario file (see docs/scenarier.md)\n"
    return header + yaml.dump(to_yaml_dict(s), Dumper=_Dumper, allow_unicode=True, sort_keys=False)
