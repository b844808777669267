"""Exercises without code for the teaching notebooks: answer a question with menus, sliders and boxes.

Each teaching notebook (``notebooks/00_…`` to ``05_….ipynb``) has one exercise that a planning
student answers by choosing, not by programming. An exercise has two halves:

- a **pure function** ``*_result(...) -> Result`` that runs the model through the public API
  (:func:`planmodel.model.run`, :func:`planmodel.services.servicemodel.run_services`,
  :func:`planmodel.population.demography.project_kommune`, :func:`planmodel.present.keynumbers.key_numbers`)
  and returns the figures as the exact texts shown, each with a ``data-key``; it is unit-tested
  without widgets;
- a **builder** ``*_exercise(...) -> Exercise`` that lays out the controls and calls the function
  on every change. A notebook needs three lines: import, build, ``display`` (and ``print(ex.text)``
  so that the saved notebook shows the starting point as text: widgets show nothing in a static
  notebook).

| notebook | builder | choose | see |
|---|---|---|---|
| 00 | :func:`plan_window_exercise` | kommune, the autumn the økonomiplan is adopted, income rule | netto driftsresultat, inndekningsbehov, årsverksgap in the four plan years and 2040 |
| 01 | :func:`population_exercise` | kommune, befolkningsalternativ, year | folkemengde, 80+, 90+, aldersbæreevne, omsorgsressurs |
| 02 | :func:`services_exercise` | terskel in omsorgen, which end of the effects, year | brukere, ventende, udekket behov, årsverk, kroner in helse og omsorg |
| 03 | :func:`measures_exercise` | kommune, tiltak (boxes), start year, income rule | netto driftsresultat and inndekningsbehov with and without the tiltak |
| 04 | :func:`crisis_exercise` | terskel, tilbud, build or wait, year | the 2×2 figures against the basisalternativ |
| 05 | :func:`own_kommune_exercise` | any kommune, income rule | the accounts 2025 against the model's base year, 2030 and 2040 |
| 06 | :func:`uncertainty_exercise` | kommune, width of the uncertainty ranges, income rule, year | band of netto driftsresultat and the probability of missing the norm |

Every control label and every row label names its unit (personer, årsverk, mill. kr, % av
driftsinntektene); numbers are formatted by :mod:`planmodel.core.formatting` (space-grouped, decimal
comma, U+2212 minus). Sliders have ``continuous_update=False`` and, where the value is not a whole
year, ``readout=False`` with a Norwegian readout beside them (the slider's own readout would show
``0.25``). One change costs one or two model runs, 15–120 ms once a kommune has been computed.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import ipywidgets as widgets
import traitlets
import xarray as xr

from planmodel.analysis.uncertainty import band, probability_below_target, probability_below_target_in_plan, simulate
from planmodel.core.errors import PlanmodelError
from planmodel.core.formatting import NBSP, endring, prosent, tall
from planmodel.core.labels import EFFECT_BOUND, INCOME_RULE_NB, INCOME_RULE_SHORT, breadth_text, threshold_text
from planmodel.core.paths import SCENARIO_DIR
from planmodel.inputs.accounts import kommune_accounts, national_free_income_per_capita
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.library import load_library
from planmodel.inputs.uncertainty import load_ranges
from planmodel.inputs.scenario import MeasureChoice, PlanScenario, load_scenario
from planmodel.model import run
from planmodel.population.demography import project_kommune
from planmodel.population.indicators import indicators
from planmodel.present.keynumbers import key_numbers
from planmodel.services.demand import ServiceOptions
from planmodel.services.servicemodel import run_services
from planmodel.widgets.population_explorer import APP_SCENARIOS, kommune_options, message_html

#: The sector whose årsverk, kroner and users the exercises follow.
CARE = "helse_og_omsorg"
#: The two kommuner of notebook 00 and 03: Bærum (the crisis is personellet) and Rælingen (økonomien).
TWO_KOMMUNER = (("Bærum (3201)", "3201"), ("Rælingen (3224)", "3224"))
#: Omsorgstrapp levels that a terskel makes easier or harder to reach (trygghet, praktisk bistand,
#: hjemmesykepleie) and the heldøgn levels (omsorgsbolig, sykehjem): ``care_level`` coordinates.
LIGHT_LEVELS = [0, 1, 2]
HEAVY_LEVELS = [3, 4]
#: The basisalternativ file that the four corners of notebook 04 build on.
CORNER_BASE = "baerum_basis.yaml"
_STYLE = {"description_width": "initial"}
_WIDE = widgets.Layout(width="520px")
_CSS = """<style>
.planmodel-teaching-table { border-collapse: collapse; margin-top: 6px; font-size: 14px; }
.planmodel-teaching-table th, .planmodel-teaching-table td { padding: 3px 10px; border-bottom: 1px solid #ddd; }
.planmodel-teaching-table td.num, .planmodel-teaching-table th.num { text-align: right; white-space: nowrap; }
.planmodel-teaching-table th { background: #f3f3f3; }
</style>"""


# ---------------------------------------------------------------------------------------------
# What an exercise shows: a small table of texts
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One line of figures: ``label`` names the unit; ``values`` are the texts, one per column."""

    key: str
    label: str
    values: tuple[str, ...]


def compared_rows(spec, a: dict[str, float], b: dict[str, float]) -> tuple[Row, ...]:
    """Rows of two sets of figures side by side and their change: ``spec`` is
    ``(key, label, format of a value, format of a change)`` per row."""
    return tuple(Row(k, label, (show(a[k]), show(b[k]), change(b[k] - a[k]))) for k, label, show, change in spec)


@dataclass(frozen=True)
class Result:
    """The figures of one choice, as the exact texts shown.

    ``columns`` are the headers and ``column_keys`` their short ids; the cell of row ``r`` and
    column ``c`` has the key ``f"{r.key}_{c}"`` (the ``data-key`` attribute in :meth:`html`).
    """

    heading: str
    columns: tuple[str, ...]
    column_keys: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""

    def __post_init__(self):
        if len(self.columns) != len(self.column_keys):
            raise ValueError(f"{len(self.columns)} columns but {len(self.column_keys)} column keys")
        for r in self.rows:
            if len(r.values) != len(self.columns):
                raise ValueError(f"row {r.key!r} has {len(r.values)} values for {len(self.columns)} columns")

    def numbers(self) -> dict[str, str]:
        """``{"<row>_<column>": text}`` for every cell."""
        return {f"{r.key}_{c}": v for r in self.rows for c, v in zip(self.column_keys, r.values)}

    def value(self, row: str, column: str) -> str:
        """The text in row ``row`` and column ``column`` (keys)."""
        return self.numbers()[f"{row}_{column}"]

    def text(self) -> str:
        """Heading, an aligned table and the note, as plain text (for ``print`` in a notebook)."""
        width = max([len(r.label) for r in self.rows] + [0])
        cols = [max([len(h)] + [len(r.values[j]) for r in self.rows]) for j, h in enumerate(self.columns)]
        lines = [self.heading, " " * width + "".join(f"  {h:>{w}}" for h, w in zip(self.columns, cols))]
        lines += [f"{r.label:<{width}}" + "".join(f"  {v:>{w}}" for v, w in zip(r.values, cols)) for r in self.rows]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def html(self) -> str:
        """The same as an HTML table; each cell carries ``data-key``."""
        e = html.escape
        head = "".join(f'<th class="num">{e(h)}</th>' for h in self.columns)
        body = "".join(
            f"<tr><td>{e(r.label)}</td>"
            + "".join(f'<td class="num" data-key="{r.key}_{c}">{e(v)}</td>' for c, v in zip(self.column_keys, r.values))
            + "</tr>"
            for r in self.rows)
        note = f'<p class="planmodel-teaching-note">{e(self.note)}</p>' if self.note else ""
        return (f'<div class="planmodel-teaching-result"><b>{e(self.heading)}</b>'
                f'<table class="planmodel-teaching-table"><thead><tr><th></th>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>{note}</div>")


def _pct(share: float) -> str:
    """A share -> ``"6,1 %"``."""
    return prosent(float(share), 1)


def _pct_change(share: float) -> str:
    """A change of a share -> ``"+1,2 %-poeng"``."""
    return f"{endring(100 * float(share), 1)}{NBSP}%-poeng"


def _mill(nok1000: float) -> str:
    """NOK 1000 -> millions with one decimal, no unit (the row label has it)."""
    return tall(float(nok1000) / 1000, 1)


def _mill_change(nok1000: float) -> str:
    return endring(float(nok1000) / 1000, 1)


def _at(da: xr.DataArray, year: int, **sel) -> float:
    return float(da.sel(year=year, **sel))


@functools.lru_cache(maxsize=1)
def _kommune_labels() -> dict[str, str]:
    """kommunenummer -> menu text ``"Bærum (3201)"``."""
    return {code: label for label, code in kommune_options()}


def kommune_label(kommune: str) -> str:
    """``"3201"`` -> ``"Bærum (3201)"`` (the code alone if it is not a kommune)."""
    return _kommune_labels().get(str(kommune), str(kommune))


def basis_scenario(kommune: str) -> PlanScenario:
    """The basisalternativ of ``kommune`` (code): today's practice, new places as needed, no tiltak."""
    return PlanScenario(id=f"basis_{kommune}", title=f"{kommune_label(kommune)} – basisalternativ", kommune=kommune)


def _years_after_base(ds: xr.Dataset) -> list[int]:
    return [int(y) for y in ds.year.values[1:]]


# ---------------------------------------------------------------------------------------------
# 00 – Planlegging i kommunen: when does the crisis enter the økonomiplan?
# ---------------------------------------------------------------------------------------------

def plan_window_result(kommune: str = "3201", decided: int = 2026, income_rule: str = "med_demografi") -> Result:
    """The økonomiplan adopted in the autumn of ``decided``: its four years and the horizon.

    Parameters
    ----------
    kommune : kommunenummer; the basisalternativ (:func:`basis_scenario`) is run.
    decided : the autumn the plan is adopted [year]; the plan covers ``decided + 1`` to
        ``decided + 4`` and must end by the horizon (2040).
    income_rule : ``"med_demografi"`` or ``"uten_demografi"`` (the two income rules of the run).

    Rows: netto driftsresultat [% av driftsinntektene], inndekningsbehov [mill. kr], årsverksgap
    in helse og omsorg [årsverk]; columns: the plan years and the horizon. The note says how much
    of the horizon's årsverk shortage shows in the plan's last year and the first year under the norm.
    """
    ds = run(basis_scenario(kommune))
    base, horizon = int(ds.plan.base_year), int(ds.plan.horizon)
    if not base <= decided <= horizon - 4:
        raise ValueError(f"vedtaksåret må være mellom {base} og {horizon - 4}, ikke {decided}")
    window = list(range(decided + 1, decided + 5))
    years = window + ([horizon] if horizon not in window else [])
    share = ds.netto_driftsresultat_andel_inntektsregel.sel(income_rule=income_rule)
    gap = ds.inndekningsbehov_inntektsregel.sel(income_rule=income_rule)
    fte = ds.fte_gap.sel(sector=CARE)
    rows = (
        Row("ndr", "Netto driftsresultat (% av driftsinntektene)", tuple(_pct(_at(share, y)) for y in years)),
        Row("inndekning", "Inndekningsbehov (mill. kr)", tuple(_mill(_at(gap, y)) for y in years)),
        Row("arsverksgap", "Årsverksgap i helse og omsorg (årsverk; + er mangel)",
            tuple(endring(_at(fte, y)) for y in years)),
    )
    target = float(ds.plan.target_share)
    below = [y for y in _years_after_base(ds) if _at(share, y) < target - 1e-12]
    last, at_horizon = _at(fte, window[-1]), _at(fte, horizon)
    if at_horizon > 0.5:
        visible = (f"I siste planår ({window[-1]}) er {prosent(max(last, 0.0) / at_horizon, 0)} av årsverksmangelen "
                   f"i {horizon} synlig.")
    else:
        visible = f"Det mangler ikke årsverk i helse og omsorg i {horizon}."
    norm = (f"Første år under normen på {prosent(target, 2)}: {below[0] if below else f'ingen til og med {horizon}'}.")
    heading = (f"{kommune_label(kommune)}, basisalternativet, {INCOME_RULE_SHORT[income_rule]}: "
               f"økonomiplan {window[0]}–{window[-1]}, vedtatt høsten {decided}")
    return Result(heading, tuple(str(y) for y in years), tuple(str(y) for y in years), rows, f"{visible} {norm}")


# ---------------------------------------------------------------------------------------------
# 01 – Befolkning: 80+ and aldersbæreevne by kommune and befolkningsalternativ
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _indicators(kommune: str, scenario: str) -> xr.Dataset:
    return indicators(project_kommune(kommune, scenario, end_year=2050))


def population_result(kommune: str = "3201", scenario: str = "main", year: int = 2040) -> Result:
    """A kommune's population on 1 January 2026 and in ``year`` for a befolkningsalternativ.

    Parameters
    ----------
    kommune : kommunenummer.
    scenario : befolkningsalternativ (:data:`planmodel.inputs.demographic.SCENARIOS`).
    year : 1 January of this year, 2027–2050.

    Rows (from :func:`planmodel.population.indicators.indicators`): folkemengde, personer 80+ and
    90+ [personer], aldersbæreevne [personer 20–66 år per person 67+], omsorgsressurs [kvinner
    50–66 år per person 85+]; columns: 2026, ``year`` and the change.
    """
    ind = _indicators(str(kommune), scenario)
    base = int(ind.year[0])
    if not base < year <= int(ind.year[-1]):
        raise ValueError(f"året må være mellom {base + 1} og {int(ind.year[-1])}, ikke {year}")
    rows = []
    for key, label, var, decimals in [
            ("folkemengde", "Folkemengde (personer)", "total", 0),
            ("personer_80", "Personer 80 år og over (personer)", "persons_80plus", 0),
            ("personer_90", "Personer 90 år og over (personer)", "persons_90plus", 0),
            ("aldersbaereevne", "Aldersbæreevne (personer 20–66 år per person 67+)", "aldersbaereevne", 2),
            ("omsorgsressurs", "Omsorgsressurs (kvinner 50–66 år per person 85+)", "family_care_ratio", 2)]:
        a, b = _at(ind[var], base), _at(ind[var], year)
        rows.append(Row(key, label, (tall(a, decimals), tall(b, decimals), endring(b - a, decimals))))
    total_growth = _at(ind.total, year) / _at(ind.total, base) - 1
    note = (f"Fra {base} til {year} vokser antall personer 80+ med {prosent(_at(ind.growth_80plus, year), 0)}, "
            f"folkemengden med {prosent(total_growth, 0)}.")
    heading = f"{kommune_label(kommune)}, {SCENARIOS[scenario].label}, 1. januar"
    return Result(heading, (f"1.1.{base}", f"1.1.{year}", "Endring"), ("base", "year", "change"), tuple(rows), note)


# ---------------------------------------------------------------------------------------------
# 02 – Tjenester og kostnader: terskel -> brukere, årsverk, kroner
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=24)
def _services(kommune: str, threshold: float, effect_bound: str) -> xr.Dataset:
    options = ServiceOptions(threshold={"omsorg": float(threshold), "barnevern": 0.0}, effect_bound=effect_bound)
    return run_services(kommune, options=options)


def services_result(threshold: float = 0.0, effect_bound: str = "value", year: int = 2040,
                    kommune: str = "3201") -> Result:
    """The service model alone (no new places after 2026) with terskel ``threshold`` in omsorgen.

    Parameters
    ----------
    threshold : terskel in the omsorg group, −1 (lav) … +1 (høy); barnevernet stays as today.
    effect_bound : ``"value"``, ``"weak"`` or ``"strong"`` end of every uncertain effect.
    year : 2027–2050.
    kommune : kommunenummer.

    Rows (from :func:`planmodel.services.servicemodel.run_services`): users of the light levels and
    of the heldøgn levels of the omsorgstrapp, people waiting for a place, udekket behov in
    omsorgen [personer]; årsverk needed and the årsverk gap in helse og omsorg [årsverk]; the cost
    of helse og omsorg including the cost of waiting [mill. kr]. Columns: today's terskel (0), the
    chosen one and the change.
    """
    now, chosen = _services(str(kommune), 0.0, effect_bound), _services(str(kommune), float(threshold), effect_bound)
    if not int(now.year[0]) < year <= int(now.year[-1]):
        raise ValueError(f"året må være mellom {int(now.year[0]) + 1} og {int(now.year[-1])}, ikke {year}")

    def figures(ds: xr.Dataset) -> dict[str, float]:
        return {
            "lette": _at(ds.users_by_level.sel(care_level=LIGHT_LEVELS).sum("care_level"), year),
            "heldogn": _at(ds.users_by_level.sel(care_level=HEAVY_LEVELS).sum("care_level"), year),
            "ventende": _at(ds.queue.sum("capacity_group"), year),
            "udekket": _at(ds.unmet_need, year, threshold_group="omsorg"),
            "arsverk": _at(ds.fte_sector, year, sector=CARE),
            "arsverksgap": _at(ds.fte_gap, year, sector=CARE),
            "kostnad": _at(ds.cost_sector, year, sector=CARE) + _at(ds.ventekostnad.sum("capacity_group"), year),
        }

    a, b = figures(now), figures(chosen)
    spec = [
        ("lette", "Brukere av trygghetsalarm, praktisk bistand og hjemmesykepleie (personer)", tall, endring),
        ("heldogn", "Brukere i heldøgns omsorgsbolig og sykehjem (personer)", tall, endring),
        ("ventende", "Ventende på plass i sykehjem eller heldøgns omsorgsbolig (personer)", tall, endring),
        ("udekket", "Udekket behov i omsorgen (personer)", tall, endring),
        ("arsverk", "Årsverk som trengs i helse og omsorg (årsverk)", tall, endring),
        ("arsverksgap", "Årsverksgap i helse og omsorg (årsverk; + er mangel)", endring, endring),
        ("kostnad", "Helse og omsorg med ventekostnaden (mill. kr)", _mill, _mill_change),
    ]
    rows = compared_rows(spec, a, b)
    heading = (f"{kommune_label(kommune)} {year}, ingen nye plasser etter {int(now.year[0])}, "
               f"virkninger: {EFFECT_BOUND[effect_bound]}")
    note = ("Udekket behov er personer som ville fått en lett tjeneste med lav terskel, men ikke får det med "
            "terskelen som er valgt.")
    columns = ("Terskel som i dag (0)", f"Valgt terskel ({endring(float(threshold), 2)})", "Endring")
    return Result(heading, columns, ("today", "chosen", "change"), rows, note)


# ---------------------------------------------------------------------------------------------
# 03 – Tiltak og økonomiplan: tiltak and start year -> netto driftsresultat, inndekningsbehov
# ---------------------------------------------------------------------------------------------

def measure_options() -> list[tuple[str, str]]:
    """``(title, id)`` of every tiltak in the shipped library, in library order."""
    return [(m.title, m.id) for m in load_library().measures.values()]


def measures_result(kommune: str = "3224", measures: Sequence[str] = (), start: int = 2027,
                    income_rule: str = "med_demografi") -> Result:
    """The basisalternativ of ``kommune`` with and without the tiltak ``measures``, all from ``start``.

    Parameters
    ----------
    kommune : kommunenummer.
    measures : tiltak ids (:func:`measure_options`); none gives the basisalternativ twice.
    start : first year of every chosen tiltak (a plan year).
    income_rule : ``"med_demografi"`` or ``"uten_demografi"``.

    Rows: netto driftsresultat without and with the tiltak [% av driftsinntektene],
    inndekningsbehov without and with [mill. kr], the tiltak's own cost (drift and investering)
    [mill. kr] and the årsverk gap in helse og omsorg with them [årsverk]; columns: the plan years,
    2035 and the horizon. The note sums the inndekningsbehov over the plan period.
    """
    basis = basis_scenario(str(kommune))
    without = run(basis)
    chosen = tuple(MeasureChoice(m, int(start)) for m in measures)
    with_ = run(replace(basis, id="med_tiltak", title=f"{basis.title} med valgte tiltak", measures=chosen)) \
        if chosen else without
    plan, horizon = list(without.plan.years), int(without.plan.horizon)
    years = list(dict.fromkeys(plan + [y for y in (2035, horizon) if plan[-1] < y <= horizon]))

    def rule(ds, var):
        return ds[var].sel(income_rule=income_rule)

    cost = (with_.tiltak_drift + with_.tiltak_investering).sum("measure") if with_.sizes.get("measure", 0) \
        else xr.zeros_like(with_.netto_driftsresultat)
    rows = (
        Row("ndr_uten", "Netto driftsresultat uten tiltak (% av driftsinntektene)",
            tuple(_pct(_at(rule(without, "netto_driftsresultat_andel_inntektsregel"), y)) for y in years)),
        Row("ndr_med", "Netto driftsresultat med tiltakene (% av driftsinntektene)",
            tuple(_pct(_at(rule(with_, "netto_driftsresultat_andel_inntektsregel"), y)) for y in years)),
        Row("inndekning_uten", "Inndekningsbehov uten tiltak (mill. kr)",
            tuple(_mill(_at(rule(without, "inndekningsbehov_inntektsregel"), y)) for y in years)),
        Row("inndekning_med", "Inndekningsbehov med tiltakene (mill. kr)",
            tuple(_mill(_at(rule(with_, "inndekningsbehov_inntektsregel"), y)) for y in years)),
        Row("kostnad", "Tiltakenes egen kostnad, drift og investering (mill. kr)",
            tuple(_mill(_at(cost, y)) for y in years)),
        Row("arsverksgap", "Årsverksgap i helse og omsorg med tiltakene (årsverk; + er mangel)",
            tuple(endring(_at(with_.fte_gap, y, sector=CARE)) for y in years)),
    )
    sums = [float(rule(ds, "inndekningsbehov_inntektsregel").sel(year=plan).sum()) for ds in (without, with_)]
    note = (f"Inndekningsbehov i økonomiplanperioden {plan[0]}–{plan[-1]} i alt: {_mill(sums[0])} mill. kr uten tiltak, "
            f"{_mill(sums[1])} mill. kr med tiltakene.")
    what = f"{len(chosen)} tiltak fra {start}" if chosen else "ingen tiltak valgt"
    heading = f"{kommune_label(kommune)}, {INCOME_RULE_SHORT[income_rule]}, {what}"
    return Result(heading, tuple(str(y) for y in years), tuple(str(y) for y in years), rows, note)


# ---------------------------------------------------------------------------------------------
# 04 – Krisebasert planlegging: terskel and tilbud -> the corners
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def corner_base() -> PlanScenario:
    """The basisalternativ the four corners of notebook 04 build on (``scenarios/baerum_basis.yaml``)."""
    return load_scenario(SCENARIO_DIR / CORNER_BASE)


def crisis_scenario(threshold: float, breadth: float, build: bool) -> PlanScenario:
    """:func:`corner_base` with terskel ``threshold`` and tilbud ``breadth`` (both −1 … +1), building
    new places as needed (``build``) or not."""
    return replace(corner_base(), id="ditt_valg", title="Ditt valg", threshold=float(threshold),
                   breadth=float(breadth), behovsanalyse=bool(build))


def corner_name(threshold: float, breadth: float) -> str:
    """``(1, -1)`` -> ``"hjørnet smalt tilbud, høy terskel"``; ``(0.5, 0)`` -> ``"tilbud som i dag,
    terskel noe høyere enn i dag (mellom hjørnene)"``."""
    tilbud, terskel = breadth_text(breadth).lower(), threshold_text(threshold).lower()
    tilbud = tilbud if "tilbud" in tilbud else f"tilbud {tilbud}"
    terskel = terskel if "terskel" in terskel else f"terskel {terskel}"
    if abs(float(threshold)) == 1 and abs(float(breadth)) == 1:
        return f"hjørnet {tilbud}, {terskel}"
    return f"{tilbud}, {terskel} (mellom hjørnene)"


def crisis_result(threshold: float = 0.0, breadth: float = 0.0, build: bool = True, year: int = 2040) -> Result:
    """Terskel and tilbud for Bærum against the basisalternativ, in ``year``.

    Parameters
    ----------
    threshold : terskel, −1 (lav) … +1 (høy), for all services with a terskel.
    breadth : tilbud, −1 (smalt) … +1 (bredt).
    build : build sykehjem and heldøgn places as needed (the scenario files do), or let people wait.
    year : a year after the base year, up to the horizon (2040).

    Rows: netto driftsresultat with and without demografikompensasjon [% av driftsinntektene],
    udekket behov and people waiting for a place [personer], the årsverk gap in helse og omsorg
    [årsverk] and the sector frames in total [mill. kr]. Columns: the basisalternativ (the file as
    it is), the choice and the change. At ``threshold, breadth = ±1`` the choice is one of the
    corner files (``scenarios/baerum_smalt_hoy.yaml`` …).
    """
    basis, chosen = run(corner_base()), run(crisis_scenario(threshold, breadth, build))
    years = _years_after_base(basis)
    if year not in years:
        raise ValueError(f"året må være mellom {years[0]} og {years[-1]}, ikke {year}")

    def figures(ds: xr.Dataset) -> dict[str, float]:
        share = ds.netto_driftsresultat_andel_inntektsregel
        return {
            "ndr_med": _at(share, year, income_rule="med_demografi"),
            "ndr_uten": _at(share, year, income_rule="uten_demografi"),
            "udekket": _at(ds.unmet_need.sum("threshold_group"), year),
            "ventende": _at(ds.queue.sum("capacity_group"), year),
            "arsverksgap": _at(ds.fte_gap, year, sector=CARE),
            "rammer": _at(ds.sektor_ramme.sum("sector"), year),
        }

    a, b = figures(basis), figures(chosen)
    spec = [
        ("ndr_med", "Netto driftsresultat med demografikompensasjon (% av driftsinntektene)", _pct, _pct_change),
        ("ndr_uten", "Netto driftsresultat uten demografikompensasjon (% av driftsinntektene)", _pct, _pct_change),
        ("udekket", "Udekket behov (personer)", tall, endring),
        ("ventende", "Ventende på plass i sykehjem eller heldøgns omsorgsbolig (personer)", tall, endring),
        ("arsverksgap", "Årsverksgap i helse og omsorg (årsverk; + er mangel)", endring, endring),
        ("rammer", "Sektorrammene i alt (mill. kr)", _mill, _mill_change),
    ]
    rows = compared_rows(spec, a, b)
    places = "bygger nye plasser etter behov" if build else "ingen nye sykehjemsplasser eller heldøgns omsorgsboliger"
    heading = f"Bærum {year}: {corner_name(threshold, breadth)}; {places}"
    note = ("Basisalternativet er terskel og tilbud som i dag, med nye plasser etter behov "
            f"(scenarios/{CORNER_BASE}).")
    return Result(heading, ("Basisalternativet", "Ditt valg", "Endring"), ("basis", "chosen", "change"), rows, note)


# ---------------------------------------------------------------------------------------------
# 05 – Egen kommune: key figures against the accounts
# ---------------------------------------------------------------------------------------------

def own_kommune_result(kommune: str = "4601", income_rule: str = "med_demografi") -> Result:
    """Any kommune's accounts 2025 against the model's base year, last plan year and horizon.

    Parameters
    ----------
    kommune : kommunenummer.
    income_rule : ``"med_demografi"`` or ``"uten_demografi"``.

    Rows: netto driftsresultat [% av driftsinntektene] (percent texts of
    :func:`planmodel.present.keynumbers.key_numbers`), inndekningsbehov and netto lånegjeld
    [mill. kr], folkemengde and personer 80+ [personer], the årsverk gap in helse og omsorg
    [årsverk]. Columns: the accounts 2025 (:func:`planmodel.inputs.accounts.kommune_accounts`; "–"
    where they have no such figure), the model's base year, last plan year and horizon. The note
    compares frie inntekter per innbygger with the country.
    """
    kommune = str(kommune)
    accounts = kommune_accounts(kommune)
    ds = run(basis_scenario(kommune))
    numbers = key_numbers(ds)
    base, last, horizon = int(ds.plan.base_year), int(ds.plan.last), int(ds.plan.horizon)
    years = [base, last, horizon]
    share = ds.netto_driftsresultat_andel_inntektsregel.sel(income_rule=income_rule)
    gap = ds.inndekningsbehov_inntektsregel.sel(income_rule=income_rule)
    persons = ds.population.sum(["age", "sex"])
    old = ds.population.sel(age=slice(80, None)).sum(["age", "sex"])
    ndr = [_pct(_at(share, base))] + [numbers[f"ndr_andel_{income_rule}_{y}"] for y in (last, horizon)]
    rows = (
        Row("ndr", "Netto driftsresultat (% av driftsinntektene)", (_pct(accounts.ndr_share), *ndr)),
        Row("inndekning", "Inndekningsbehov (mill. kr)", ("–", *(_mill(_at(gap, y)) for y in years))),
        Row("lanegjeld", "Netto lånegjeld (mill. kr)",
            (_mill(accounts.net_debt), *(_mill(_at(ds.lanegjeld, y)) for y in years))),
        Row("folkemengde", "Folkemengde 1. januar (personer)",
            ("–", numbers["folkemengde_i_dag"], tall(_at(persons, last)), numbers["folkemengde_horisont"])),
        Row("personer_80", "Personer 80 år og over 1. januar (personer)",
            ("–", numbers["personer_80_i_dag"], tall(_at(old, last)), numbers["personer_80_horisont"])),
        Row("arsverksgap", "Årsverksgap i helse og omsorg (årsverk; + er mangel)",
            ("–", *(endring(_at(ds.fte_gap, y, sector=CARE)) for y in years))),
    )
    country = national_free_income_per_capita()
    note = (f"Frie inntekter per innbygger i regnskapet 2025: {tall(accounts.free_income_per_capita)} kr, "
            f"{prosent(accounts.free_income_per_capita / country, 0)} av landsgjennomsnittet ({tall(country)} kr).")
    columns = ("Regnskapet 2025", f"Modellen {base}", f"Modellen {last}", f"Modellen {horizon}")
    heading = f"{kommune_label(kommune)}, basisalternativet, {INCOME_RULE_SHORT[income_rule]}"
    return Result(heading, columns, ("regnskap", *(str(y) for y in years)), rows, note)


# ---------------------------------------------------------------------------------------------
# 06 – Usikkerhet: how wide is the band, and how likely is a miss?
# ---------------------------------------------------------------------------------------------

#: Draws behind the exercise: enough for a band to read, few enough for a slider (about 0,3 s).
EXERCISE_DRAWS = 200


def uncertainty_result(kommune: str = "4204", width: float = 1.0, income_rule: str = "med_demografi",
                       year: int = 2030) -> Result:
    """The basisalternativ under Monte Carlo draws whose ranges are ``width`` × the shipped ones
    (:func:`planmodel.analysis.uncertainty.simulate`, :data:`EXERCISE_DRAWS` draws, seed 0).

    Rows: netto driftsresultat in ``year`` [% av driftsinntektene] in the central run and at the 5th,
    50th and 95th percentile of the draws; the probability [%] of a result below the norm in
    ``year`` and in at least one year of the økonomiplan period. One column.
    """
    w = float(income_rule == "med_demografi")
    sc = replace(basis_scenario(str(kommune)), economy={"demographic_compensation": w})
    ds = simulate(sc, EXERCISE_DRAWS, 0, ranges=load_ranges().scaled(float(width)), workers=1)
    central = run(sc)
    if year not in ds["year"].values:
        raise ValueError(f"{year} er ikke i beregningens år ({int(ds.year[0])}–{int(ds.year[-1])})")
    q = band(ds, year)
    plan = f"{ds.attrs['plan_start']}–{ds.attrs['plan_start'] + ds.attrs['plan_years'] - 1}"
    rows = (
        Row("ndr", f"Netto driftsresultat {year}, beregningen (%)", (_pct(_at(central.netto_driftsresultat_andel, year)),)),
        Row("p5", f"Netto driftsresultat {year}, 5-persentil (%)", (_pct(q[0]),)),
        Row("median", f"Netto driftsresultat {year}, median (%)", (_pct(q[1]),)),
        Row("p95", f"Netto driftsresultat {year}, 95-persentil (%)", (_pct(q[2]),)),
        Row("under_aar", f"Sannsynlighet under normen i {year} (%)",
            (tall(100 * float(probability_below_target(ds).sel(year=year)), 0),)),
        Row("under_plan", f"Sannsynlighet under normen minst ett år {plan} (%)",
            (tall(100 * probability_below_target_in_plan(ds), 0),)),
    )
    heading = (f"{kommune_label(str(kommune))}, basisalternativet, {INCOME_RULE_SHORT[income_rule]}, "
               f"usikkerhet × {tall(float(width), 2)}")
    note = (f"{EXERCISE_DRAWS} trekk (frø 0) av befolkning, dekningsgrad, enhetskostnader, tiltak, inntektsvekst og "
            f"rente; områdene i data/usikkerhet/usikkerhet.yaml ganget med {tall(float(width), 2)}.")
    return Result(heading, ("Verdi",), ("verdi",), rows, note)


# ---------------------------------------------------------------------------------------------
# The widgets
# ---------------------------------------------------------------------------------------------

class CheckboxGroup(widgets.GridBox):
    """Boxes to tick, with ``value``: the ticked option values as a tuple, in option order.

    Ticking a box changes ``value``; setting ``value`` ticks the boxes.
    """

    value = traitlets.Tuple()

    def __init__(self, options: Sequence[tuple[str, str]], value: Sequence[str] = (), columns: int = 2, **kwargs):
        self.boxes = {v: widgets.Checkbox(value=v in value, description=label, indent=False,
                                          layout=widgets.Layout(width="auto"))
                      for label, v in options}
        super().__init__(list(self.boxes.values()),
                         layout=widgets.Layout(grid_template_columns=f"repeat({columns}, max-content)",
                                               grid_gap="0 24px"), **kwargs)
        self._syncing = False
        self.value = self._ticked()
        for box in self.boxes.values():
            box.observe(self._from_boxes, names="value")

    def _ticked(self) -> tuple[str, ...]:
        return tuple(v for v, box in self.boxes.items() if box.value)

    def _from_boxes(self, _change) -> None:
        if not self._syncing:
            self.value = self._ticked()

    @traitlets.validate("value")
    def _valid(self, proposal):
        unknown = [v for v in proposal["value"] if v not in self.boxes]
        if unknown:
            raise traitlets.TraitError(f"ukjente valg: {', '.join(map(str, unknown))}")
        return tuple(v for v in self.boxes if v in proposal["value"])

    @traitlets.observe("value")
    def _to_boxes(self, change) -> None:
        self._syncing = True
        try:
            for v, box in self.boxes.items():
                box.value = v in change["new"]
        finally:
            self._syncing = False


class Exercise(widgets.VBox):
    """An exercise without code: controls on top, the figures under them.

    Parameters
    ----------
    title : shown as the heading.
    controls : name -> widget with a ``value``; ``compute(**{name: value})`` gives the :class:`Result`.
    compute : a pure function of the control values (one of the ``*_result`` functions).
    readouts : name -> function of the value giving the Norwegian text shown beside that control
        (for sliders with ``readout=False``).

    ``result`` is the current :class:`Result` (None after an error, with ``message`` set) and
    ``text`` its plain text; ``result_html`` is the widget the figures are shown in.
    """

    def __init__(self, title: str, controls: Mapping[str, widgets.ValueWidget | CheckboxGroup],
                 compute: Callable[..., Result], readouts: Mapping[str, Callable[[Any], str]] | None = None):
        self.title = title
        self.controls = dict(controls)
        self.compute = compute
        self.readouts = {name: (f, widgets.HTML()) for name, f in (readouts or {}).items()}
        self.result: Result | None = None
        self.message = ""
        self.result_html = widgets.HTML()
        lines = []
        for name, control in self.controls.items():
            if name in self.readouts:
                lines.append(widgets.HBox([control, self.readouts[name][1]]))
            else:
                lines.append(control)
            control.observe(self._on_change, names="value")
        heading = widgets.HTML(f"{_CSS}<h4 style='margin:8px 0 4px 0'>{html.escape(title)}</h4>")
        super().__init__([heading, *lines, self.result_html])
        self.add_class("planmodel-teaching")
        self.refresh()

    @property
    def choices(self) -> dict[str, Any]:
        """The control values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def text(self) -> str:
        """What the exercise shows now, as plain text (the message after an error)."""
        return self.result.text() if self.result is not None else self.message

    def refresh(self) -> None:
        """Recompute from the controls and show the figures (or a message in bokmål)."""
        for name, (f, label) in self.readouts.items():
            label.value = html.escape(f(self.controls[name].value))
        try:
            self.result = self.compute(**self.choices)
        except (PlanmodelError, ValueError) as exc:
            self.result = None
            self.message = f"Dette valget kan ikke regnes ut: {exc}"
            self.result_html.value = message_html(self.message)
            return
        self.message = ""
        self.result_html.value = self.result.html()

    def _on_change(self, _change) -> None:
        self.refresh()

    def __repr__(self) -> str:  # the text/plain of the display: widgets show nothing in a saved notebook
        return f"Oppgave uten kode: {self.title}"


def _slider(description: str, value: float, lo: float, hi: float, step: float) -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description, readout=False,
                               continuous_update=False, style=_STYLE, layout=_WIDE)


def _year_slider(description: str, value: int, lo: int, hi: int) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=lo, max=hi, step=1, description=description, continuous_update=False,
                             style=_STYLE, layout=_WIDE)


def _dropdown(description: str, options, value) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=description, style=_STYLE, layout=_WIDE)


def _income_rule(value: str) -> widgets.Dropdown:
    return _dropdown("Frie inntekter", [(text, rule) for rule, text in INCOME_RULE_NB.items()], value)


def threshold_readout(value: float) -> str:
    """``0.5`` -> ``"+0,50: Noe høyere enn i dag"``."""
    return f"{endring(float(value), 2)}: {threshold_text(value)}"


def breadth_readout(value: float) -> str:
    """``-1`` -> ``"−1,00: Smalt tilbud"``."""
    return f"{endring(float(value), 2)}: {breadth_text(value)}"


def plan_window_exercise(kommune: str = "3201", decided: int = 2026, income_rule: str = "med_demografi") -> Exercise:
    """Notebook 00: which økonomiplan shows the crisis? (:func:`plan_window_result`)"""
    controls = {
        "kommune": _dropdown("Kommune", list(TWO_KOMMUNER), kommune),
        "decided": _year_slider("Økonomiplanen vedtas høsten (år)", decided, 2026, 2036),
        "income_rule": _income_rule(income_rule),
    }
    return Exercise("Når blir krisen synlig i økonomiplanen?", controls, plan_window_result)


def population_exercise(kommune: str = "3201", scenario: str = "main", year: int = 2040) -> Exercise:
    """Notebook 01: 80+ and aldersbæreevne by kommune and befolkningsalternativ (:func:`population_result`)."""
    controls = {
        "kommune": _dropdown("Kommune", kommune_options(), kommune),
        "scenario": _dropdown("Befolkningsalternativ", [(SCENARIOS[s].label, s) for s in APP_SCENARIOS], scenario),
        "year": _year_slider("År (1. januar)", year, 2027, 2050),
    }
    return Exercise("Eldrebølgen i en kommune", controls, population_result)


def services_exercise(threshold: float = 0.0, effect_bound: str = "value", year: int = 2040) -> Exercise:
    """Notebook 02: terskel -> brukere, årsverk and kroner (:func:`services_result`, Bærum)."""
    controls = {
        "threshold": _slider("Terskel i omsorgen (−1 lav … +1 høy)", threshold, -1.0, 1.0, 0.25),
        "effect_bound": _dropdown("Virkningene av terskelen",
                                  [(text.capitalize(), key) for key, text in EFFECT_BOUND.items()], effect_bound),
        "year": _year_slider("År", year, 2027, 2050),
    }
    return Exercise("Terskel: brukere, årsverk og kroner i Bærum", controls, services_result,
                    readouts={"threshold": threshold_readout})


def measures_exercise(kommune: str = "3224", measures: Sequence[str] = (), start: int = 2027,
                      income_rule: str = "med_demografi") -> Exercise:
    """Notebook 03: tick tiltak, choose a start year (:func:`measures_result`)."""
    controls = {
        "kommune": _dropdown("Kommune", list(TWO_KOMMUNER), kommune),
        "measures": CheckboxGroup(measure_options(), measures),
        "start": _year_slider("Tiltakene starter (år)", start, 2027, 2030),
        "income_rule": _income_rule(income_rule),
    }
    return Exercise("Tiltak i økonomiplanen", controls, measures_result)


def crisis_exercise(threshold: float = 0.0, breadth: float = 0.0, build: bool = True, year: int = 2040) -> Exercise:
    """Notebook 04: terskel and tilbud -> the corners of the 2×2 (:func:`crisis_result`)."""
    controls = {
        "threshold": _slider("Terskel (−1 lav … +1 høy)", threshold, -1.0, 1.0, 0.25),
        "breadth": _slider("Tilbud (−1 smalt … +1 bredt)", breadth, -1.0, 1.0, 0.25),
        "build": widgets.ToggleButtons(options=[("Bygg nye plasser etter behov", True), ("Ingen nye plasser", False)],
                                       value=build, description="Sykehjem og omsorgsboliger",
                                       style={**_STYLE, "button_width": "auto"}),
        "year": _year_slider("År", year, 2027, 2040),
    }
    return Exercise("Velg ditt hjørne: terskel og tilbud i Bærum", controls, crisis_result,
                    readouts={"threshold": threshold_readout, "breadth": breadth_readout})


def own_kommune_exercise(kommune: str = "4601", income_rule: str = "med_demografi") -> Exercise:
    """Notebook 05: any kommune's key figures against its accounts (:func:`own_kommune_result`)."""
    controls = {
        "kommune": _dropdown("Kommune", kommune_options(), kommune),
        "income_rule": _income_rule(income_rule),
    }
    return Exercise("Din kommune: regnskapet og modellen", controls, own_kommune_result)


def uncertainty_exercise(kommune: str = "4204", width: float = 1.0, income_rule: str = "med_demografi",
                         year: int = 2030) -> Exercise:
    """Notebook 06: how wide the band is, and how likely a miss (:func:`uncertainty_result`)."""
    controls = {
        "kommune": _dropdown("Kommune", kommune_options(), kommune),
        "width": _slider("Usikkerhet (× områdene)", width, 0.0, 2.0, 0.25),
        "income_rule": _income_rule(income_rule),
        "year": _year_slider("År", year, 2027, 2040),
    }
    return Exercise("Hvor bredt er båndet?", controls, uncertainty_result,
                    readouts={"width": lambda v: f"{tall(float(v), 2)} × områdene"})
