"""A plan scenario: everything one run of the model needs, as one immutable, validated object.

The same object comes from Python (``PlanScenario(...)``) or from a scenario file
(:func:`load_scenario`), and both go through the same checks: the file schema
(:class:`ScenarioFile`: keys, types, ranges) and the rules that need the catalogue, the tiltak
library and the kommune list (:func:`check_scenario`). A scenario that passes is complete:
nothing later in the model validates it again. Only what differs from the defaults needs to be
given.

Year keys in scenario files (the one rule, written once):

* a LEVEL holds from its year until the next key and after the last one. Levels are the
  demographic paths (tfr, e0_male, e0_female, migration_level, dwellings), which move in a
  straight line between two keys, and the operating costs of tiltak (library files).
* a FLOW happens in its year only. Flows are named apart: every key ending in ``_additions``
  (capacity_additions: places that open that year and then stay) and tiltak investments.
"""

from __future__ import annotations

import contextvars
import typing
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Mapping

from pydantic import create_model

from planmodel.core.cache import file_key, memo
from planmodel.core.errors import InputError, KommuneError
from planmodel.core.labels import USER_KEYS
from planmodel.core.schema import (Bool, Choice, FileModel, Integer, Number, Rules, Share, Text, YearKey,
                                   json_schema, kind_of, one_or_per_key, shown, validate)
from planmodel.core.values import EFFECT_BOUNDS, OVERFLOW_MODES
from planmodel.core.yamlio import LineDict, dump_yaml, load_strict
from planmodel.inputs.accounts import ACCOUNTS_YEAR, SECTOR_AREAS
from planmodel.inputs.catalogue import Catalogue, load_catalogue
from planmodel.inputs.data import BASE_YEAR
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.economy import Economy, load_economy
from planmodel.inputs.goals import load_goals
from planmodel.inputs.kommuner import resolve_kommune
from planmodel.inputs.readers import read_population
from planmodel.inputs.library import MEASURE_STATUSES, Library, Measure, load_library
from planmodel.core.schema import after
from planmodel.inputs.kommuner import all_kommuner

#: What happens when sykehjem / heldøgn places are full: people wait, or are served one step down.
#: Limits of the demographic paths a scenario may set.
PATH_LIMITS = {"tfr": (0.5, 4.0, "en samlet fruktbarhet"), "e0_male": (50, 100, "en levealder"),
               "e0_female": (50, 100, "en levealder"), "migration_level": (-1e6, 1e6, "en nettoinnflytting"),
               "dwellings": (0, 1e5, "et antall boliger")}
#: Demographic assumptions a scenario file may set as one number (not a path).
SCALAR_DEMOGRAPHY = ("persons_per_dwelling", "reference_dwellings")


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
    """One scenario for one kommune; validated when it is made (see the module docstring).

    Attributes
    ----------
    id, title, description : identification (title and description in Norwegian).
    kommune : kommune number or name; stored as the 2024 number (``"Bærum"`` -> ``"3201"``).
    demographic : demographic scenario id (planmodel.inputs.demographic.SCENARIOS).
    horizon : last year of the long view (LDIP), default 2040; after the plan period.
    plan_years : years in the økonomiplan (4).
    plan_start : first year of the økonomiplan (None: the year after the base year, the first
        projected year). A later start is the økonomiplan of a later autumn (rullering): the
        years before it are projected as usual, and the plan period must end before the horizon.
    threshold : -1 (lav terskel) .. 1 (høy terskel), one number or {threshold group: value}.
    breadth : -1 (smalt tilbud) .. 1 (bredt tilbud).
    overflow : "queue" or "step_down" when sykehjem/heldøgn places are full.
    capacity_additions : {capacity group: {year: places}} places opening in that year (flows).
    behovsanalyse : build barnehage, school, sykehjem and heldøgn places as demand requires
        (default; "bygg"). With False ("vent"), sykehjem and heldøgn places stay at today's
        number plus ``capacity_additions`` and people above capacity wait (or step down) at the
        waiting cost; barnehage and school places are a legal right and are built either way.
    existing_places : {place type: places} in the base year (default: the base year's users
        rounded up to whole places).
    users : the kommune's own user counts {"group.band": persons} that the coverage is calibrated
        to in place of KOSTRA's (:data:`planmodel.core.labels.USER_KEYS`).
    measures : chosen tiltak.
    dropped : optional services removed altogether (never a mandatory one).
    effect_bound : "value", "weak" or "strong" end of every uncertain effect.
    economy : overrides of the economic assumptions {name: number} (data/okonomi/forutsetninger.yaml).
    staff_profile : the kommune's own staff age profile {sector: shares}.
    catalogue, library : paths of a service catalogue / tiltak library (None = shipped).
    goals : path of the kommune's målstruktur (None = Bærum's shipped file for Bærum, none otherwise;
        see :func:`planmodel.inputs.goals.scenario_goals`).
    demography_overrides : {tfr, e0_male, e0_female, migration_level, dwellings: value or {year:
        level}; persons_per_dwelling, reference_dwellings: value} on top of the demographic
        scenario (``dwellings`` needs a ``reference_dwellings``).
    base_population : path of the kommune's own population file (SSB 07459 as CSV or JSON-stat;
        its latest year must be the base year): migration and fertility are estimated from its
        years and the projection starts from it.
    accounts : the kommune's own base-year figures {free_income, tax, gross_operating_income,
        net_operating_result, net_debt, fund: NOK 1000; sectors: {KOSTRA area: NOK 1000}}, each
        replacing the shipped KOSTRA/KDD figure (unit costs are scaled to own sector figures).
    budget : own amounts by year [NOK 1000] {prices: fixed | nominal; free_income: {year: amount};
        income_lines / expense_lines: {name: {year: amount}}} (see :mod:`planmodel.budget`).
    baseline, source, chain : provenance (the file, and the baseline files merged into it).
    """

    id: str = "basis"
    title: str = "Basisalternativ"
    description: str = ""
    kommune: str = "3201"
    demographic: str = "main"
    horizon: int = 2040
    plan_years: int = 4
    plan_start: int | None = None
    price_year: int = 2025
    threshold: float | Mapping[str, float] = 0.0
    breadth: float = 0.0
    overflow: str = "queue"
    capacity_additions: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    behovsanalyse: bool = True
    existing_places: Mapping[str, float] = field(default_factory=dict)
    users: Mapping[str, float] = field(default_factory=dict)
    measures: tuple[MeasureChoice, ...] = ()
    dropped: tuple[str, ...] = ()
    effect_bound: str = "value"
    economy: Mapping[str, float] = field(default_factory=dict)
    staff_profile: Mapping[str, tuple[float, ...]] | None = None
    catalogue: str | None = None
    library: str | None = None
    goals: str | None = None
    baseline: str | None = None
    source: str = field(default="scenario", compare=False)
    demography_overrides: Mapping[str, object] = field(default_factory=dict)
    base_population: str | None = None
    accounts: Mapping[str, object] = field(default_factory=dict)
    budget: Mapping[str, object] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    chain: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self):
        check_scenario(self)

    # ------------------------------------------------------------------ what it says
    @property
    def base_year(self) -> int:
        """1 January of the population the projection starts from: the latest registered year
        (2026), or the last year of the kommune's own population file (``base_population``)."""
        if self.base_population is None:
            return BASE_YEAR
        return population_file_base_year(self.base_population, self.kommune)

    @property
    def plan_period(self) -> tuple[int, int]:
        """First and last year of the økonomiplan: from ``plan_start``, by default the year
        after the base year."""
        first = self.base_year + 1 if self.plan_start is None else self.plan_start
        return first, first + self.plan_years - 1

    def thresholds(self, groups) -> dict[str, float]:
        """The terskel per threshold group: one number for all, or the mapping (0 = today's
        practice for a group it does not name)."""
        if isinstance(self.threshold, Mapping):
            return {g: float(self.threshold.get(g, 0.0)) for g in groups}
        return {g: float(self.threshold) for g in groups}

    @property
    def fingerprint(self) -> str:
        """A short hash of everything that decides the run (the scenario as a file, without
        its provenance, and the contents of its catalogue and tiltak library, so that a cache
        keyed on it never returns results of an edited file); computed once per object."""
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            d = to_yaml_dict(self)
            for k in ("title", "description", "references", "baseline"):
                d.pop(k, None)
            d["catalogue_content"] = load_catalogue(self.catalogue).fingerprint
            d["library_file"] = "" if self.library is None else list(file_key(self.library))
            d["population_file"] = "" if self.base_population is None else list(file_key(self.base_population))
            text = json.dumps(_canonical(d), sort_keys=True, ensure_ascii=False, default=str)
            cached = hashlib.sha256(text.encode()).hexdigest()[:16]
            object.__setattr__(self, "_fingerprint", cached)
        return cached


def plan_start_choices(s: PlanScenario, count: int = 4) -> list[int]:
    """The first years an økonomiplan of ``s`` may start in, earliest first: the year after the
    base year and the ``count - 1`` years after it, each whose plan period (``plan_years`` long)
    ends before the horizon (the rule :func:`check_scenario` applies to ``plan_start``)."""
    first = s.base_year + 1
    return [y for y in range(first, first + count) if y + s.plan_years - 1 < s.horizon]


def _canonical(obj):
    """Numbers as floats (1 and 1.0 are the same value; a file always gives what YAML read),
    mapping keys as text, recursively: equal scenarios hash equally."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (int, float)):
        return float(obj)
    if isinstance(obj, Mapping):
        return {str(_canonical(k)): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(x) for x in obj]
    return obj


# ================================================================================ file schema

def _threshold_type():
    what = "en terskel (-1 lav, 1 høy)"
    return one_or_per_key(Number(what, -1, 1), dict[Text(), Number(what, -1, 1)])


def _path_type(key: str):
    lo, hi, what = PATH_LIMITS[key]
    return one_or_per_key(Number(what, lo, hi), dict[YearKey, Number(what, lo, hi)], mapping_tag="<per år>")


class PlanSection(FileModel):
    """The økonomiplan period and the long view."""

    years: Integer("et antall år", 1, 10, "år i økonomiplanen (standard 4)") = 4
    start: Integer("et årstall", 2000, 2100, "første år i økonomiplanen (standard året etter basisåret)") | None = None
    horizon: Integer("et årstall", 2030, 2060, "siste år i det lange perspektivet (standard 2040)") = 2040


class DemographySection(FileModel):
    """The demographic scenario and own assumptions on top of it (levels that hold)."""

    scenario: Choice(SCENARIOS, "demografisk alternativ") = "main"
    tfr: _path_type("tfr") | None = None
    e0_male: _path_type("e0_male") | None = None
    e0_female: _path_type("e0_female") | None = None
    migration_level: _path_type("migration_level") | None = None
    dwellings: _path_type("dwellings") | None = None
    persons_per_dwelling: Number("et antall personer per bolig", 0.0, 10.0) | None = None
    reference_dwellings: Number("et antall boliger per år", 0.0, 1e5) | None = None
    base_population: Text("egen befolkningsfil (CSV eller JSON-stat fra SSB 07459; sti relativt til scenariofilen)",
                          nonempty=True) | None = None


#: The bounds of an amount in NOK 1000 a scenario may give (a kommune's budget is well inside).
AMOUNT_LIMIT = 1e9


def _amount(what: str = "et beløp i 1000 kr", lo: float = -AMOUNT_LIMIT):
    return Number(what, lo, AMOUNT_LIMIT)


class AccountsSection(FileModel):
    """The kommune's own figures for the base year (regnskapet 2025), NOK 1000; each one given
    replaces the shipped KOSTRA/KDD figure."""

    free_income: _amount("frie inntekter i 1000 kr", 0.0) | None = None
    tax: _amount("skatt på inntekt og formue i 1000 kr", 0.0) | None = None
    gross_operating_income: _amount("brutto driftsinntekter i 1000 kr", 0.0) | None = None
    net_operating_result: _amount("netto driftsresultat i 1000 kr") | None = None
    net_debt: _amount("netto lånegjeld i 1000 kr") | None = None
    fund: _amount("disposisjonsfond i 1000 kr") | None = None
    sectors: dict[Text(), _amount("netto driftsutgifter i 1000 kr")] = {}


class BudgetSection(FileModel):
    """The kommune's own amounts by year (NOK 1000): frie inntekter (for example from KS'
    prognosemodell), general income lines (eiendomsskatt, kraftinntekter, finansinntekter ...) and
    expense lines (pensjon/premieavvik ...), in fixed prices of the price year or løpende priser."""

    prices: Choice(("fixed", "nominal"), "fixed (faste priser i prisåret) eller nominal (løpende priser)") = "fixed"
    free_income: dict[YearKey, _amount("frie inntekter i 1000 kr", 0.0)] = {}
    income_lines: dict[Text(), dict[YearKey, _amount("en inntekt i 1000 kr")]] = {}
    expense_lines: dict[Text(), dict[YearKey, _amount("en utgift i 1000 kr")]] = {}


class ServicesSection(FileModel):
    """Terskel, tilbud, capacity and which end of uncertain effects."""

    threshold: _threshold_type() = 0.0
    breadth: Number("en bredde (-1 smalt, 1 bredt)", -1, 1) = 0.0
    overflow: Choice(OVERFLOW_MODES, "når plassene er fulle: queue (venter) eller step_down (ett trinn ned)") = "queue"
    behovsanalyse: Bool = True
    existing_places: dict[Text(), Number("et antall plasser", 0, 1e6)] = {}
    users: dict[Text(), Number("et antall brukere", 0, 1e7)] = {}
    capacity_additions: dict[Text(), dict[YearKey, Number("et antall plasser", -10000, 10000)]] = {}
    dropped: list[Text()] = []
    effect_bound: Choice(EFFECT_BOUNDS, "value (midtanslag), weak (svakest) eller strong (sterkest)") = "value"


class MeasureEntry(FileModel):
    """A chosen tiltak."""

    id: Text("tiltakets id i tiltaksbiblioteket")
    start: Integer("et årstall", 1900, 2100)
    end: Integer("et årstall", 1900, 2100) | None = None
    status: Choice(MEASURE_STATUSES) | None = None


def _scenario_id(v: str) -> str | None:
    ok = v.replace("_", "").replace("-", "").isalnum() and v.isascii()
    return None if ok else f"{v!r}: bruk bare a–z, 0–9, _ og -"


@memo(maxsize=1, readonly=False)
def scenario_file_model():
    """The pydantic model of a scenario file. Built on first use: its ``economy`` section
    lists the assumptions of the shipped economy file, each with its range and label."""
    eco = load_economy()
    fields = {name: (Number(eco.entry(name).label.lower(), eco.entry(name).minimum, eco.entry(name).maximum,
                            f"{eco.entry(name).label} ({eco.entry(name).unit})") | None, None)
              for name in eco.names}
    economy = create_model("EconomySection", __base__=FileModel, __doc__="Overstyrte økonomiske forutsetninger.",
                           **fields)
    return create_model(
        "ScenarioFile", __base__=FileModel, __doc__="En scenariofil for planmodel (docs/scenarier.md).",
        id=(Annotated[Text("scenarioets id (a–z, 0–9, _ og -)"), after(_scenario_id)], ...),
        title=(Text("tittel på norsk"), ...),
        description=(Text(), ""),
        baseline=(Annotated[Text("id (filnavn uten .yaml) til basisalternativet i samme mappe"), after(_scenario_id)]
                  | None, None),
        kommune=(Text("kommunenummer i anførselstegn (\"3201\") eller navn"), ...),
        price_year=(Integer("et årstall", 2000, 2100) | None, None),
        plan=(PlanSection, PlanSection()),
        demography=(DemographySection, DemographySection()),
        services=(ServicesSection, ServicesSection()),
        measures=(list[MeasureEntry], []),
        economy=(economy, economy()),
        accounts=(AccountsSection, AccountsSection()),
        budget=(BudgetSection, BudgetSection()),
        staff_profile=(dict[Text(), list[Share]] | None, None),
        catalogue=(Text("egen tjenestekatalog (sti relativt til scenariofilen)") | None, None),
        library=(Text("eget tiltaksbibliotek (sti relativt til scenariofilen)") | None, None),
        goals=(Text("kommunens målstruktur (sti relativt til scenariofilen)") | None, None),
        references=(list[Text()], []),
    )


#: What each section of a scenario file is, in bokmål (shown by an editor that reads the schema).
_SECTION_NB = {
    "PlanSection": "Økonomiplanperioden (antall år) og horisonten for det lange perspektivet.",
    "DemographySection": "Befolkningsalternativ og egne forutsetninger oppå det (nivåer som gjelder til neste år som er oppgitt).",
    "ServicesSection": "Terskel, tilbudsbredde, kapasitet og hvilken ende av usikre virkninger som brukes.",
    "MeasureEntry": "Et valgt tiltak fra tiltaksbiblioteket, med startår (og eventuelt sluttår og status).",
    "EconomySection": "Økonomiske forutsetninger som scenarioet endrer (data/okonomi/forutsetninger.yaml).",
    "AccountsSection": "Kommunens egne tall for basisåret (regnskapet 2025), i 1000 kr; erstatter KOSTRA/KDD-tallene.",
    "BudgetSection": "Kommunens egne beløp per år i 1000 kr: frie inntekter, generelle inntekter og utgiftslinjer.",
}


def scenario_json_schema() -> dict:
    """JSON Schema of scenario files, for editors (``planmodel schema``). The ids of the
    shipped services, tiltak and kommuner are given as examples."""
    schema = json_schema(scenario_file_model(), "planmodel scenariofil",
                         "Scenariofil for planmodel; se docs/scenarier.md. Kodene skrives i anførselstegn.")
    catalogue = load_catalogue()
    library = load_library(None, catalogue)
    defs = schema["$defs"]
    for name, text in _SECTION_NB.items():
        defs[name]["description"] = text
    defs["MeasureEntry"]["properties"]["id"]["examples"] = list(library.measures)
    defs["ServicesSection"]["properties"]["dropped"]["items"]["examples"] = catalogue.optional()
    schema["properties"]["kommune"]["examples"] = list(all_kommuner()["kommune"])[:400]
    return schema


# ================================================================================ checks

_RAW: contextvars.ContextVar = contextvars.ContextVar("scenario_raw", default=None)


def check_scenario(s: PlanScenario) -> None:
    """Every rule of a scenario; the first broken one is an :class:`InputError` naming
    ``s.source``, the key path as in a scenario file and what was expected. Called when a
    :class:`PlanScenario` is made, so no other code needs to validate one."""
    raw = _RAW.get()
    if raw is None:  # made in Python: check the file form of the object against the schema
        _check_python_form(s)
        raw = to_yaml_dict(s)
        validate(scenario_file_model(), raw, s.source)
    r = Rules(s.source, raw)
    try:
        code = resolve_kommune(s.kommune).code
    except KommuneError as exc:
        r.fail(("kommune",), str(exc))
    object.__setattr__(s, "kommune", code)
    _freeze_fields(s)
    _check_files(r, s.catalogue, s.library)
    catalogue = load_catalogue(s.catalogue)
    r.check(s.price_year == catalogue.price_year, ("price_year",),
            f"{s.price_year}: tjenestekatalogen har prisår {catalogue.price_year}")
    if s.base_population is not None:
        r.check(Path(s.base_population).is_file(), ("demography", "base_population"),
                f"{s.base_population}: fant ikke filen; forventet en befolkningsfil (SSB 07459, CSV eller JSON-stat) "
                "i samme mappe som scenariofilen eller en sti relativt til den")
        own_base = population_file_base_year(s.base_population, code)
        r.check(BASE_YEAR <= own_base <= LAST_OWN_BASE_YEAR, ("demography", "base_population"),
                f"siste år i {Path(s.base_population).name} er {own_base}; forventet basisåret {BASE_YEAR} eller et "
                f"senere år til og med {LAST_OWN_BASE_YEAR} (befolkningen 1. januar)")
    base = own_base if s.base_population is not None else BASE_YEAR  # s.base_year, read once
    first = base + 1  # the first projected year: tiltak, own amounts and new places may start here
    if s.plan_start is not None:
        r.check(s.plan_start >= first, ("plan", "start"),
                f"{s.plan_start}: økonomiplanen kan tidligst starte i {first}, året etter basisåret {base}")
    plan_first = first if s.plan_start is None else s.plan_start
    last = plan_first + s.plan_years - 1
    r.check(s.horizon > last, ("plan", "start" if s.plan_start is not None else "horizon"),
            f"{s.horizon} må være etter økonomiplanperioden {plan_first}–{last}" if s.plan_start is None else
            f"{s.plan_start}: økonomiplanperioden {plan_first}–{last} må slutte før horisonten {s.horizon}")
    r.choice(s.demographic, SCENARIOS, ("demography", "scenario"))
    for key, v in s.demography_overrides.items():
        r.check(key in PATH_LIMITS or key in SCALAR_DEMOGRAPHY, ("demography", key),
                f"ukjent nøkkel; tillatt her: {', '.join(list(PATH_LIMITS) + list(SCALAR_DEMOGRAPHY))}")
        if isinstance(v, Mapping):
            r.check(bool(v), ("demography", key), "en årsbane trenger minst ett år")
            for y in v:
                r.check(base <= y <= s.horizon + 50, ("demography", key, y),
                        f"året {y} er utenfor {base}–{s.horizon + 50}")
    if "dwellings" in s.demography_overrides:
        r.check("reference_dwellings" in s.demography_overrides
                or getattr(SCENARIOS.get(s.demographic), "reference_dwellings", None) is not None,
                ("demography", "reference_dwellings"),
                "mangler: boligbygging (dwellings) trenger antall boliger per år som gir hovedalternativets "
                "flytting (for eksempel kommunens boligbygging de siste årene)")
    _check_own_economy(r, s, first)
    r.choice(s.overflow, OVERFLOW_MODES, ("services", "overflow"))
    r.choice(s.effect_bound, EFFECT_BOUNDS, ("services", "effect_bound"))
    if isinstance(s.threshold, Mapping):
        for g in s.threshold:
            r.choice(g, catalogue.threshold_groups, ("services", "threshold", g))
    for i, sid in enumerate(s.dropped):
        r.choice(sid, catalogue.services, ("services", "dropped", i))
        r.check(not catalogue.services[sid].mandatory, ("services", "dropped", i),
                f"{catalogue.services[sid].name} er lovpålagt og kan ikke fjernes")
    for pid in s.existing_places:
        r.choice(pid, catalogue.place_types, ("services", "existing_places", pid))
    for key in s.users:
        r.choice(key, USER_KEYS, ("services", "users", key))
    for g, flows in s.capacity_additions.items():
        r.choice(g, catalogue.capacity_groups, ("services", "capacity_additions", g))
        for y in flows:
            r.check(first <= y <= s.horizon, ("services", "capacity_additions", g, y),
                    f"året {y} er utenfor {first}–{s.horizon} (fra året etter basisåret til horisonten)")
    library = load_library(s.library, catalogue)
    _check_measures(r, s, catalogue, library, first)
    if s.goals is not None:
        r.check(Path(s.goals).is_file(), ("goals",), f"fant ikke målstrukturen {s.goals} (sti fra scenariofilens mappe)")
        load_goals(s.goals, list(catalogue.sectors))
    load_economy().with_values(dict(s.economy), s.source)
    if s.staff_profile is not None:
        n = len(catalogue.staff.age_groups)
        for sector, shares in s.staff_profile.items():
            r.choice(sector, catalogue.sectors, ("staff_profile", sector))
            r.check(len(shares) == n and abs(sum(shares) - 1) <= 1e-6 and min(shares) >= 0, ("staff_profile", sector),
                    f"forventet {n} andeler ({', '.join(catalogue.staff.age_groups)}) som summerer til 1")


def _check_files(r: Rules, catalogue: str | None, library: str | None) -> None:
    """An own catalogue or library is a regular file (not a folder, not a device)."""
    for key, what, path in (("catalogue", "tjenestekatalogen", catalogue), ("library", "tiltaksbiblioteket", library)):
        if path is not None:
            ok = "\0" not in path and Path(path).is_file()
            r.check(ok, (key,), f"fant ikke {what} {path!r} som en vanlig fil (sti fra scenariofilens mappe; "
                                "ikke en mappe eller en enhet)")


def _check_python_form(s: PlanScenario) -> None:
    """The shape of a scenario made in Python, before its file form is built: tiltak as
    :class:`MeasureChoice` objects, lists of ids as lists (not one text), mappings as mappings."""
    def fail(field: str, problem: str) -> typing.NoReturn:
        raise InputError(s.source, field, problem)

    for name in ("measures", "dropped", "references"):
        v = getattr(s, name)
        if isinstance(v, (str, bytes)) or not isinstance(v, (list, tuple)):
            fail(name, f"forventet en liste, fikk {shown(v) if isinstance(v, str) else kind_of(v)}")
    for i, m in enumerate(s.measures):
        if not isinstance(m, MeasureChoice):
            fail(f"measures[{i}]", f"forventet MeasureChoice(id, start) (for eksempel MeasureChoice({shown(m)}, 2027)), "
                                   f"fikk {kind_of(m)}" if isinstance(m, str) else
                 f"forventet MeasureChoice(id, start), fikk {kind_of(m)}")
    for name in ("capacity_additions", "existing_places", "users", "economy", "demography_overrides", "accounts",
                 "budget"):
        v = getattr(s, name)
        if not isinstance(v, Mapping):
            fail(name, f"forventet en tabell (dict), fikk {kind_of(v)}")
    for name in ("catalogue", "library", "goals", "base_population"):
        v = getattr(s, name)
        if v is not None and not isinstance(v, str):
            if isinstance(v, Path):
                object.__setattr__(s, name, str(v))
            else:
                fail(name, f"forventet en filsti (tekst), fikk {kind_of(v)}")


def _check_own_economy(r: Rules, s: PlanScenario, first: int) -> None:
    """The own accounts and amounts by year: known KOSTRA areas, years inside the run."""
    for area in s.accounts.get("sectors", {}):
        r.choice(area, SECTOR_AREAS, ("accounts", "sectors", area))
    for y in s.budget.get("free_income", {}):
        r.check(first <= y <= s.horizon, ("budget", "free_income", y),
                f"året {y} er utenfor {first}–{s.horizon}; frie inntekter i basisåret er regnskapet "
                f"(accounts.free_income)")
    for kind in ("income_lines", "expense_lines"):
        for name, path in s.budget.get(kind, {}).items():
            r.check(bool(path), ("budget", kind, name), "en linje trenger minst ett år")
            for y in path:
                r.check(y == ACCOUNTS_YEAR or first <= y <= s.horizon, ("budget", kind, name, y),
                        f"året {y}: forventet {ACCOUNTS_YEAR} (beløpet i regnskapet som basisåret viser) eller "
                        f"et år fra {first} til {s.horizon}")


#: The latest base year an own population file may have (1 January).
LAST_OWN_BASE_YEAR = BASE_YEAR + 4


@memo(maxsize=32, key=lambda path, kommune: (file_key(path), kommune))
def population_file_base_year(path: str, kommune: str) -> int:
    """The last year of a population file (its 1 January is the run's base year)."""
    return int(read_population(path, kommune=kommune)["year"].values.max())


#: Tiltak effects that need their service to exist (a removed service cannot take them).
SERVICE_EFFECTS = ("coverage", "volunteer_hours", "shift")


def services_removed(dropped, breadth: float, catalogue: Catalogue) -> set[str]:
    """Ids of the services removed by ``dropped`` and, at smalt tilbud (``breadth`` −1), the
    optional services the catalogue drops."""
    removed = set(dropped)
    if breadth <= -1.0:
        removed |= {sid for sid, svc in catalogue.services.items() if svc.breadth and svc.breadth.narrow == "drop"}
    return removed


def removed_services(s: PlanScenario, catalogue: Catalogue, breadth: float | None = None) -> set[str]:
    """Ids of the services a scenario removes (:func:`services_removed` of its ``dropped`` and its
    ``breadth``, or the ``breadth`` given)."""
    return services_removed(s.dropped, s.breadth if breadth is None else breadth, catalogue)


def _check_measures(r: Rules, s: PlanScenario, catalogue: Catalogue, library: Library, first: int) -> None:
    seen = set()
    removed = removed_services(s, catalogue)
    for i, ch in enumerate(s.measures):
        at = ("measures", i)
        r.choice(ch.id, library.measures, at + ("id",))
        r.check(ch.id not in seen, at + ("id",), f"tiltaket {ch.id!r} er valgt to ganger")
        seen.add(ch.id)
        r.check(first <= ch.start <= s.horizon, at + ("start",),
                f"året {ch.start} er utenfor {first}–{s.horizon} (fra året etter basisåret til horisonten)")
        if ch.end is not None:
            r.check(ch.start <= ch.end <= s.horizon, at + ("end",),
                    f"{ch.end!r}: forventet et årstall fra start ({ch.start}) til horisonten ({s.horizon})")
        if ch.status is not None:
            r.choice(ch.status, MEASURE_STATUSES, at + ("status",))
        m = library.measures[ch.id]
        for kind, profile in (("investment", m.investment), ("operating", m.operating)):
            late = [k for k in profile if ch.start + k > s.horizon]
            r.check(not late, at + ("start",), f"tiltakets {kind}-profil går til {ch.start + max(late or [0])}, "
                    f"etter horisonten {s.horizon}; start tiltaket tidligere eller forleng horisonten")
        hit = [e for e in m.effects if e.service in removed and e.kind in SERVICE_EFFECTS]
        r.check(not hit, at + ("id",), f"tiltaket «{m.title}» ({ch.id}) virker på "
                f"{catalogue.services[hit[0].service].name if hit else ''}, som scenarioet fjerner "
                "(smalt tilbud eller dropped); velg bort tiltaket eller behold tjenesten")


def _frozen(v: Any) -> Any:
    if isinstance(v, Mapping):
        return MappingProxyType({k: _frozen(x) for k, x in v.items()})
    if isinstance(v, list):
        return tuple(_frozen(x) for x in v)
    return v


def _freeze_fields(s: PlanScenario) -> None:
    """Mappings become read-only views and lists tuples: a scenario never changes."""
    for name in ("capacity_additions", "existing_places", "users", "economy", "demography_overrides", "staff_profile",
                 "threshold", "accounts", "budget"):
        v = getattr(s, name)
        if isinstance(v, (Mapping, list)):
            object.__setattr__(s, name, _frozen(v))
    for name in ("measures", "dropped", "references", "chain"):
        object.__setattr__(s, name, tuple(getattr(s, name)))


def resolve(scenario: PlanScenario) -> tuple[Catalogue, Library, list[Measure], Economy]:
    """Catalogue, library, the chosen measures (with their years and status) and the economy of
    a (valid) scenario."""
    catalogue = load_catalogue(scenario.catalogue)
    library = load_library(scenario.library, catalogue)
    measures = [library.measures[ch.id].chosen(ch.start, ch.end, ch.status) for ch in scenario.measures]
    return catalogue, library, measures, load_economy().with_values(dict(scenario.economy), scenario.source)


# ================================================================================ files

def _merge(parent: dict, child: dict) -> dict:
    """Child keys override the parent; mappings are merged key by key, lists are replaced.
    Line numbers (and the file, :func:`_tag`) are kept for every key."""
    out = LineDict(parent)
    out.lines.update(getattr(parent, "lines", {}))
    out.files.update(getattr(parent, "files", {}))
    child_lines = getattr(child, "lines", {})
    child_files = getattr(child, "files", {})
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
        out.lines.pop(k, None)
        out.files.pop(k, None)
        if k in child_lines:
            out.lines[k] = child_lines[k]
        if k in child_files:
            out.files[k] = child_files[k]
    return out


def _tag(node: Any, file: str) -> None:
    """Mark every key of a baseline file's mappings with that file, so that a problem in it
    names the baseline file (not the file that was loaded)."""
    if isinstance(node, LineDict):
        for k, v in node.items():
            node.files.setdefault(k, file)
            _tag(v, file)
    elif isinstance(node, list):
        for v in node:
            _tag(v, file)


#: Longest chain of baseline files (a scenario, its baseline, the baseline's baseline ...).
MAX_BASELINE_DEPTH = 10


def _raw_with_baseline(path, seen: tuple = (), root=None) -> tuple[dict, list[str]]:
    """The file's mapping merged onto its baseline chain (baseline files in the same folder,
    named by a plain id: never a path, so no file outside the folder is read).

    Problems with the chain itself are reported against the file the user loaded (``root``),
    with the chain spelled out; a bad key in a baseline file names that file."""
    path = Path(path)
    root = root or path
    raw = load_strict(path, aliases=False)
    r = Rules(str(path), raw)
    if not isinstance(raw, dict):
        r.fail((), f"forventet en tabell (nøkkel: verdi) øverst i filen, fikk {kind_of(raw)}")
    chain = [str(path)]
    base_id = raw.get("baseline")
    if base_id is None:
        return raw, chain
    if not isinstance(base_id, str):
        r.fail(("baseline",), f"forventet tekst (id-en til et scenario i samme mappe), fikk {shown(base_id)}")
    if _scenario_id(base_id) is not None or not base_id:
        r.fail(("baseline",), "forventet id-en (filnavnet uten .yaml) til et scenario i samme mappe; bare a–z, "
                              "0–9, _ og -, ingen sti")
    base_path = path.parent / f"{base_id}.yaml"
    names = [Path(x).stem for x in seen] + [path.stem]
    if str(base_path.resolve()) in seen or base_path.resolve() == path.resolve():
        raise InputError(str(root), "baseline", f"basisalternativene gir en sirkel: {' -> '.join(names + [base_id])}")
    if len(names) >= MAX_BASELINE_DEPTH:
        raise InputError(str(root), "baseline", f"kjeden av basisalternativer er lengre enn {MAX_BASELINE_DEPTH} filer "
                                                f"({' -> '.join(names[:3])} -> …); bygg på et basisalternativ nærmere")
    if not base_path.is_file():
        via = f" (via {' -> '.join(names)})" if len(names) > 1 else ""
        raise InputError(str(root), "baseline",
                         f"fant ikke basisalternativet {base_id!r}{via}; ventet filen {base_path.name} i samme mappe")
    parent, parent_chain = _raw_with_baseline(base_path, seen + (str(path.resolve()),), root)
    _tag(parent, str(base_path))
    kept = LineDict({k: v for k, v in parent.items() if k not in ("id", "title", "description", "baseline", "references")})
    kept.lines.update({k: n for k, n in getattr(parent, "lines", {}).items() if k in kept})
    kept.files.update({k: f for k, f in getattr(parent, "files", {}).items() if k in kept})
    parent = kept
    return _merge(parent, raw), parent_chain + chain


def load_scenario(path) -> PlanScenario:
    """Read, merge with its baseline chain and validate a scenario file; every problem is an
    :class:`~planmodel.core.errors.InputError` naming the file, the key path (with its line)
    and what was expected. Nothing is built until everything is valid."""
    raw, chain = _raw_with_baseline(path)
    return parse_scenario(raw, str(path), chain)


def parse_scenario(raw: dict, source: str = "scenario", chain: list[str] | None = None) -> PlanScenario:
    """Validate a scenario mapping (the contents of a file) and return the :class:`PlanScenario`."""
    f = validate(scenario_file_model(), raw, source)
    base_dir = Path(source).parent if source != "scenario" else Path(".")
    catalogue_path = None if f.catalogue is None else str(base_dir / f.catalogue)
    library_path = None if f.library is None else str(base_dir / f.library)
    goals_path = None if f.goals is None else str(base_dir / f.goals)
    _check_files(Rules(source, raw), catalogue_path, library_path)
    price_year = f.price_year if f.price_year is not None else load_catalogue(catalogue_path).price_year
    demo = f.demography
    overrides = {k: getattr(demo, k) for k in (*PATH_LIMITS, *SCALAR_DEMOGRAPHY) if getattr(demo, k) is not None}
    svc = f.services
    own_pop = None if demo.base_population is None else str(base_dir / demo.base_population)
    accounts = f.accounts.model_dump(exclude_none=True)
    if not accounts.get("sectors"):
        accounts.pop("sectors", None)
    budget = {k: v for k, v in f.budget.model_dump().items() if v}
    if set(budget) == {"prices"} and budget["prices"] == "fixed":
        budget = {}
    token = _RAW.set(raw)
    try:
        return PlanScenario(
            id=f.id, title=f.title, description=f.description, kommune=f.kommune, demographic=demo.scenario,
            demography_overrides=overrides, base_population=own_pop, accounts=accounts, budget=budget,
            horizon=f.plan.horizon, plan_years=f.plan.years, plan_start=f.plan.start, price_year=price_year,
            threshold=svc.threshold, breadth=float(svc.breadth), overflow=svc.overflow,
            capacity_additions={g: dict(v) for g, v in svc.capacity_additions.items()},
            behovsanalyse=svc.behovsanalyse,
            existing_places={k: float(v) for k, v in svc.existing_places.items()},
            users={k: float(v) for k, v in svc.users.items()},
            measures=tuple(MeasureChoice(m.id, m.start, m.end, m.status) for m in f.measures),
            dropped=tuple(svc.dropped), effect_bound=svc.effect_bound,
            economy={k: float(v) for k, v in f.economy.model_dump(exclude_none=True).items()},
            staff_profile=None if f.staff_profile is None else {k: tuple(v) for k, v in f.staff_profile.items()},
            catalogue=catalogue_path, library=library_path, goals=goals_path, baseline=f.baseline, source=source,
            references=tuple(f.references), chain=tuple(chain or [source]))
    finally:
        _RAW.reset(token)


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
    if s.plan_start is not None:  # only when set: a scenario without it keeps its fingerprint
        out["plan"]["start"] = s.plan_start
    out["demography"] = {"scenario": s.demographic, **{k: (dict(v) if isinstance(v, Mapping) else v)
                                                       for k, v in s.demography_overrides.items()}}
    if s.base_population is not None:
        out["demography"]["base_population"] = s.base_population
    out["services"] = {
        "threshold": dict(s.threshold) if isinstance(s.threshold, Mapping) else s.threshold,
        "breadth": s.breadth, "overflow": s.overflow, "behovsanalyse": s.behovsanalyse,
        "existing_places": dict(s.existing_places),
        **({"users": dict(s.users)} if s.users else {}),
        "capacity_additions": {g: dict(v) for g, v in s.capacity_additions.items()},
        "dropped": list(s.dropped), "effect_bound": s.effect_bound,
    }
    out["measures"] = [{k: v for k, v in (("id", m.id), ("start", m.start), ("end", m.end), ("status", m.status))
                        if v is not None} for m in s.measures]
    out["economy"] = dict(s.economy)
    if s.accounts:
        out["accounts"] = _plain(s.accounts)
    if s.budget:
        out["budget"] = _plain(s.budget)
    if s.staff_profile:
        out["staff_profile"] = {k: list(v) for k, v in s.staff_profile.items()}
    if s.catalogue:
        out["catalogue"] = s.catalogue
    if s.library:
        out["library"] = s.library
    if s.goals:
        out["goals"] = s.goals
    if s.references:
        out["references"] = list(s.references)
    return out


def _plain(v: Any) -> Any:
    """Read-only mappings and tuples as plain dicts and lists (for YAML and the schema)."""
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def dump_scenario(s: PlanScenario) -> str:
    """YAML text of a scenario; codes are quoted so that they stay strings."""
    return "# planmodel scenario file (see docs/scenarier.md)\n" + dump_yaml(to_yaml_dict(s))
