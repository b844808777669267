"""The Økonomiplan app: choose tiltak and see the balance, the tiltaksmatrise and who pays.

For a politician or economist, in bokmål. Layout, top to bottom: title; controls (kommune, base
scenario, the økonomiplan period); a message line; key numbers and netto driftsresultat against
the norm per year; the tiltak list (a checkbox and a start year per tiltak, with its cost per plan
year in mill. kr); a chart of netto driftsresultat; the økonomiplan table; the tiltaksmatrise (the
kommune's own målstruktur, if planmodel has one) and the delmål without tiltak; who pays and who
gains (on demand); a download link for the brief (:mod:`planmodel.present.report`); "Om tallene"
and the sources.

A scenario file belongs to one kommune. For another kommune the app keeps the file's choices
(terskel, tilbud, befolkningsalternativ, economic assumptions, tiltak) and leaves out what is the
file kommune's own (own figures, housing and population assumptions, planned places, målstruktur,
:data:`KOMMUNE_OWN`); its name is neutral ("Basis for Oslo", "Egne valg for Oslo"), never the file
kommune's. Every amount is in mill. kr, as in the brief.

Every change runs the model once (:func:`planmodel.model.run`, a few milliseconds once the
kommune's population is projected); samordning (who pays / who gains) is computed only when asked
for, and kept per set of tiltak. The callbacks only choose what to recompute: the arithmetic is
in the model and the tables (:mod:`planmodel.present.tables`, :mod:`planmodel.inputs.goals`,
:mod:`planmodel.analysis.samordning`) and the texts in :mod:`planmodel.present.report`, shared with the brief.
Every key number sits alone in an element with ``data-key`` holding exactly the text of
:func:`planmodel.present.keynumbers.key_numbers`.
"""

from __future__ import annotations

import base64
import html
import logging
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as widgets
import pandas as pd
import xarray as xr

from planmodel.core.meta import SSB_CREDIT
from planmodel.core.paths import SCENARIO_DIR
from planmodel.core.errors import PlanmodelError
from planmodel.core.formatting import NBSP, tall
from planmodel.inputs.goals import (
    GoalHierarchy,
    delmal_uten_tiltak,
    scenario_goals,
    tiltaksmatrise,
    tiltaksmatrise_totals,
)
from planmodel.inputs.kommuner import resolve_kommune
from planmodel.inputs.library import load_library
from planmodel.analysis.measures import library_costs
from planmodel.model import run
from planmodel.present.charts import ndr_chart
from planmodel.present.keynumbers import key_numbers, mill_number, money_decimals, norm_text
from planmodel.present.report import TABLE_CSS, balance_table_html, report_html, table_html
from planmodel.analysis.samordning import samordning, who_pays_who_gains
from planmodel.inputs.scenario import MeasureChoice, PlanScenario, load_scenario, plan_start_choices
from planmodel.inputs.catalogue import load_catalogue
from planmodel.present.tables import measure_cost_frame, okonomiplan_table
from planmodel.widgets.common import BUSY_CLASS as BUSY_CLASS  # re-exported: tests use it
from planmodel.widgets.common import (KOMMUNE_OWN, busy, heading, is_basis, kommune_name, kommune_own_parts,
                                      neutral_title, scenario_label, user_problem, word_list)
from planmodel.widgets.population_explorer import kommune_options, message_html

log = logging.getLogger(__name__)

DEFAULT_KOMMUNE = "3201"  # Bærum
DEFAULT_SCENARIO = "baerum_basis"
#: Columns of the tiltak grid: tiltak, start year, sector, one per plan year, sum.
_GRID_COLUMNS = "minmax(16em, 2.2fr) 6.2em minmax(7em, 1fr) repeat({n}, 6.6em) 7.2em"
_CSS = """<style>
.planmodel-okonomiplan .widget-label, .planmodel-okonomiplan select, .planmodel-okonomiplan input,
.planmodel-okonomiplan .widget-html-content { font-size: 15px; }
.planmodel-okonomiplan .widget-html-content { line-height: 1.4; }
.planmodel-okonomiplan .widget-label-basic { font-size: 15px; }
.planmodel-busy { cursor: progress; }
.planmodel-busy .planmodel-okonomiplan-table, .planmodel-busy .planmodel-matrise { opacity: 0.5; }
.planmodel-measure-grid .widget-checkbox { width: auto; height: auto; }
.planmodel-measure-grid .widget-checkbox .widget-label-basic { white-space: normal; line-height: 1.3; }
.planmodel-measure-grid .widget-checkbox .widget-label-basic span { white-space: normal; overflow: visible; }
.planmodel-measure-grid .planmodel-off { opacity: 0.55; }
.planmodel-cost { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.planmodel-cost .inv { font-size: 0.85em; color: #555; }
.planmodel-grid-head { font-weight: 700; border-bottom: 2px solid #999; }
.planmodel-grid-sum { font-weight: 700; border-top: 2px solid #999; }
""" + TABLE_CSS + """.planmodel-okonomiplan .note { font-size: 0.92em; color: #444; max-width: 70em; }
</style>"""


# ---------------------------------------------------------------------------------------------
# Pure helpers (no widgets)
# ---------------------------------------------------------------------------------------------

def scenario_files(folder: str | Path = SCENARIO_DIR) -> dict[str, Path]:
    """Scenario files in ``folder`` (``*.yaml``), id (file stem) -> path, sorted by id."""
    return {p.stem: p for p in sorted(Path(folder).glob("*.yaml"))}


def load_base_scenarios(folder: str | Path = SCENARIO_DIR) -> tuple[dict[str, PlanScenario], list[str]]:
    """Every scenario file in ``folder`` that loads, and a Norwegian message for each that does not.

    Returns
    -------
    (scenarios, problems): {id: PlanScenario} in id order, and one line per file that could not be
    read (the file is left out of the menu).
    """
    scenarios, problems = {}, []
    for sid, path in scenario_files(folder).items():
        try:
            scenarios[sid] = load_scenario(path)
        except PlanmodelError as exc:
            problems.append(f"Scenarioet «{sid}» kunne ikke leses og er utelatt: {user_problem(exc)}")
    return scenarios, problems


def start_year_options(measure, first: int, horizon: int) -> list[int]:
    """The start years a tiltak can have: from the first plan year until its profiles end by the
    horizon (an investment two years long cannot start in the horizon year)."""
    offsets = list(measure.investment) + list(measure.operating)
    last = horizon - (max(offsets) if offsets else 0)
    return list(range(first, max(first, last) + 1))


def scenario_with(base: PlanScenario, kommune: str, choices: dict[str, tuple[int, str | None]],
                  plan_start: int | None = None) -> PlanScenario:
    """``base`` for ``kommune`` with exactly the tiltak in ``choices`` ({id: (start, status)}),
    in library order of the dict, and the økonomiplan from ``plan_start`` (None or the base's own
    first plan year: as in ``base``). Terskel, tilbud, befolkningsalternativ and economy stay.

    For another kommune than the scenario file's, what is the file kommune's own
    (:data:`KOMMUNE_OWN`) is left out, and the title is neutral: ``"Basis for Oslo"`` (or the
    file's title without its kommune) with the file's tiltak, ``"Egne valg for Oslo"`` with
    other tiltak; the description says where the choices come from."""
    measures = tuple(MeasureChoice(mid, int(start), None, status) for mid, (start, status) in choices.items())
    start = base.plan_start if plan_start is None or plan_start == base.plan_period[0] else int(plan_start)
    if kommune == base.kommune:
        return replace(base, kommune=kommune, measures=measures, plan_start=start)
    name = kommune_name(kommune)
    same = {(m.id, m.start, m.status) for m in measures} == {(m.id, m.start, m.status) for m in base.measures}
    if same:
        title = f"Basis for {name}" if is_basis(base) else f"{neutral_title(base)} for {name}"
    else:
        title = f"Egne valg for {name}"
    own = {key: (None if key in ("base_population", "goals", "staff_profile") else {}) for key in KOMMUNE_OWN}
    what = ("Dagens terskel og tilbud (basisalternativet)" if is_basis(base) else
            f"Terskel, tilbud og økonomiske forutsetninger fra «{neutral_title(base)}» (et scenario for "
            f"{kommune_name(base.kommune)})")
    description = (f"{what}, {'de valgte tiltakene' if measures else 'ingen nye tiltak'}, regnet med {name}s egen "
                   "befolkning, kalibrering og regnskap.")
    return replace(base, kommune=kommune, measures=measures, plan_start=start, id="okonomiplan", title=title,
                   description=description, source="okonomiplan", baseline=None, chain=(), **own)


def cost_cell_html(drift: float, investering: float, decimals: int = 1) -> str:
    """A cost cell of the tiltak grid: drift and investering [NOK 1000] shown in mill. kr with
    ``decimals`` (:func:`planmodel.present.keynumbers.money_decimals`): the total, and the
    investment ("inv.") under it when there is one."""
    inv = f'<div class="inv">inv. {mill_number(investering, decimals)}</div>' if investering > 0.5 else ""
    return f'<div class="planmodel-cost"><div>{mill_number(drift + investering, decimals)}</div>{inv}</div>'


def key_cards_html(numbers: dict[str, str], ds: xr.Dataset) -> str:
    """The key-number cards; each number alone in an element with ``data-key``."""
    plan = ds.plan.years
    period = f"{plan[0]}–{plan[-1]}"
    cards = [
        ("ar_under_norm", f"År under normen {period}", f"normen er {numbers['resultatmal_andel']} av driftsinntektene"),
        ("inndekning_plan", f"Inndekningsbehov {period}", "sum over økonomiplanperioden"),
        ("tiltak_antall", "Valgte tiltak", "av tiltakene i listen under"),
        ("tiltak_kostnad_plan", f"Tiltakenes kostnad {period}", "drift og investering"),
    ]
    out = []
    for key, title, unit in cards:
        out.append('<div style="flex:1 1 200px;min-width:190px;padding:10px 14px;border:1px solid #c8c8c8;'
                   'border-radius:8px;background:#f7f9fb">'
                   f'<div style="font-size:1.05em;color:#333">{html.escape(title)}</div>'
                   f'<div data-key="{key}" style="font-size:2em;font-weight:700;line-height:1.2;color:#1b4f72">'
                   f"{html.escape(numbers[key])}</div>"
                   f'<div style="font-size:0.92em;color:#555">{html.escape(unit)}</div></div>')
    return '<div aria-live="polite" style="display:flex;flex-wrap:wrap;gap:10px;margin:6px 0">' + "".join(out) + "</div>"


def matrise_html(matrise: pd.DataFrame, decimals: int = 1) -> str:
    """The tiltaksmatrise as an HTML table: Hovedmål, Hovedgrep, Delmål, Tiltak, Ansvar,
    Tidspunkt and the cost per year (given in NOK 1000, shown in mill. kr with ``decimals``);
    repeated goal cells are left blank, and a last row sums the cost with each tiltak counted once
    (:func:`planmodel.inputs.goals.tiltaksmatrise_totals`)."""
    years = [c for c in matrise.columns if isinstance(c, int)]
    text_cols = ["Hovedmål", "Hovedgrep", "Delmål", "Tiltak", "Ansvar", "Tidspunkt"]
    head = "".join(f'<th scope="col" class="txt">{c}</th>' for c in text_cols)
    head += "".join(f'<th scope="col" class="num">{y}</th>' for y in years)
    rows = []
    prev = {}
    for _, r in matrise.iterrows():
        cells = []
        for c in text_cols:
            value = str(r[c])
            blank = c in ("Hovedmål", "Hovedgrep", "Delmål") and prev.get(c) == value and all(
                prev.get(p) == str(r[p]) for p in text_cols[:text_cols.index(c)])
            cells.append(f'<td class="txt">{"" if blank else html.escape(value)}</td>')
        prev = {c: str(r[c]) for c in text_cols}
        cells += [f'<td class="num">{mill_number(r[y], decimals)}</td>' for y in years]
        rows.append(f'<tr>{"".join(cells)}</tr>')
    if years and len(matrise):
        totals = tiltaksmatrise_totals(matrise).loc["Sum"]
        cells = "".join(f'<td class="num">{mill_number(totals[y], decimals)}</td>' for y in years)
        rows.append(f'<tr class="sum"><th scope="row" class="txt" colspan="{len(text_cols)}">'
                    f"Sum (hvert tiltak telt én gang)</th>{cells}</tr>")
    units = html.escape(matrise.attrs.get("units", "NOK 1000")).replace("NOK 1000", "mill. kr")
    return (f'<table class="planmodel-table planmodel-matrise-table"><caption>Tiltaksmatrise '
            f'<span class="units">[kostnad per år i {units}]</span></caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def query_values(query_string: str) -> dict[str, str]:
    """``kommune`` and ``scenario`` of a URL query string (empty values left out)."""
    parsed = parse_qs(query_string or "")
    return {k: parsed[k][0].strip() for k in ("kommune", "scenario") if parsed.get(k) and parsed[k][0].strip()}


def download_link_html(text: str, filename: str) -> str:
    """A link that saves ``text`` as an HTML file (a data: URI, so it works offline)."""
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a class="planmodel-report-download" download="{html.escape(filename)}" '
            f'href="data:text/html;charset=utf-8;base64,{data}" '
            'style="font-size:1.05em;font-weight:600;color:#1558a6;text-decoration:underline">'
            'Last ned notatet (HTML)</a> '
            '<span style="color:#555">– åpnes i nettleseren, også uten nett.</span>')



# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------

class OkonomiplanApp(widgets.VBox):
    """Choose tiltak for a kommune's økonomiplan and see the balance.

    Parameters
    ----------
    kommune : kommune code (default ``"3201"``, Bærum).
    scenario : id of the base scenario (a file ``<id>.yaml`` in ``scenario_dir``).
    scenario_dir : folder of the scenario files (default the project's ``scenarios/``).

    Attributes
    ----------
    kommune : Dropdown of all kommuner (value = code).
    scenario : Dropdown of the base scenarios (value = id; labels by :func:`scenario_label`, neutral
        for another kommune than the file's).
    plan_period : Dropdown of the økonomiplan period (value = its first year; labels "2027–2030";
        :func:`planmodel.inputs.scenario.plan_start_choices`).
    measure_boxes : {tiltak id: Checkbox} (description = the tiltak's title).
    start_years : {tiltak id: Dropdown} of start years.
    result : the Dataset of :func:`planmodel.model.run` for the current choices (None after an error).
    key_numbers : {id: text} as shown (:func:`planmodel.present.keynumbers.key_numbers`).
    message : HTML line for errors and notices (bokmål).
    samordning_button : computes who pays and who gains for the chosen tiltak.
    report_button : makes the brief for politicians and shows a download link.
    """

    def __init__(self, kommune: str = DEFAULT_KOMMUNE, scenario: str = DEFAULT_SCENARIO,
                 scenario_dir: str | Path = SCENARIO_DIR, **kwargs):
        self._quiet = False
        self.result: xr.Dataset | None = None
        self.key_numbers: dict[str, str] = {}
        self._samordning_cache: dict[tuple, pd.DataFrame] = {}
        self._scenarios, problems = load_base_scenarios(scenario_dir)
        self._goals_cache: dict = {}
        style = {"description_width": "initial"}

        self.message = widgets.HTML()
        if not self._scenarios:
            problems.append("Fant ingen scenarioer; appen bruker basisalternativet uten tiltak.")
            self._scenarios = {"basis": PlanScenario(source="basis")}
        sid = scenario if scenario in self._scenarios else next(iter(self._scenarios))
        if scenario not in self._scenarios:
            problems.append(f"Fant ikke scenarioet {scenario!r}; viser «{self._scenarios[sid].title}».")
        self._problems = problems

        self.kommune = widgets.Dropdown(options=kommune_options(), value=kommune, description="Kommune",
                                        style=style, layout=widgets.Layout(width="22em"))
        self.scenario = widgets.Dropdown(options=self._scenario_options(kommune), value=sid,
                                         description="Utgangspunkt", style=style,
                                         layout=widgets.Layout(width="36em"))
        base = self._scenarios[sid]
        self.plan_period = widgets.Dropdown(options=self._plan_options(base), value=base.plan_period[0],
                                            description="Økonomiplan", style=style,
                                            tooltip="Den fireårige økonomiplanen: velg første år",
                                            layout=widgets.Layout(width="16em"))
        self._catalogue = load_catalogue(base.catalogue)
        self._library = load_library(base.library, self._catalogue)

        self.title = widgets.HTML()
        self.key_numbers_view = widgets.HTML()
        self.balance_view = widgets.HTML()
        self.chart_view = widgets.HTML()
        self.okonomiplan_view = widgets.HTML()
        self.matrise_note = widgets.HTML()
        self.matrise_view = widgets.HTML()
        self.delmal_view = widgets.HTML()
        self.samordning_button = widgets.Button(description="Vis hvem som betaler og hvem som får gevinst",
                                                button_style="primary",
                                                layout=widgets.Layout(width="auto", align_self="flex-start"),
                                                tooltip="Regner hvert valgt tiltak alene mot ingen tiltak")
        self.samordning_view = widgets.HTML()
        self.report_button = widgets.Button(description="Lag notat til politikerne (HTML)",
                                            layout=widgets.Layout(width="auto", align_self="flex-start"),
                                            tooltip="Et selvstendig HTML-notat med tallene for valgene over")
        self.report_link = widgets.HTML()
        self.about = widgets.HTML()
        self.footer = widgets.HTML(self._footer_html(None))
        css = widgets.HTML(_CSS, layout=widgets.Layout(display="none"))

        # the tiltak grid: one row per tiltak in the library
        self.measure_boxes: dict[str, widgets.Checkbox] = {}
        self.start_years: dict[str, widgets.Dropdown] = {}
        self._cost_cells: dict[str, list[widgets.HTML]] = {}
        self._row_widgets: dict[str, list[widgets.Widget]] = {}
        self._status: dict[str, str | None] = {}
        # the plan starts the year after the data's base year (the first year of the projection),
        # or later when the user chooses a later økonomiplan (self.plan_period)
        first = base.plan_period[0]
        horizon = base.horizon
        self._plan = list(range(first, first + base.plan_years))
        n = len(self._plan)
        head = [widgets.HTML("Tiltak"), widgets.HTML("Startår"), widgets.HTML("Sektor")]
        self._year_heads = [widgets.HTML() for _ in range(n)]
        self._sum_head = widgets.HTML()
        cells: list[widgets.Widget] = []
        for w in head + self._year_heads + [self._sum_head]:
            w.add_class("planmodel-grid-head")
            cells.append(w)
        for mid, m in self._library.measures.items():
            box = widgets.Checkbox(value=False, description=m.title, indent=False,
                                   tooltip=f"{m.title}: {m.description}" if m.description else m.title,
                                   layout=widgets.Layout(width="auto"))
            years = start_year_options(m, first, horizon)
            start = widgets.Dropdown(options=[(str(y), y) for y in years], value=years[0],
                                     tooltip=f"Startår for {m.title}", layout=widgets.Layout(width="6.2em"))
            sector = widgets.HTML(html.escape(self._catalogue.sectors.get(m.sector, m.sector)))
            costs = [widgets.HTML() for _ in range(n + 1)]
            row = [box, start, sector] + costs
            for w in row:
                w.add_class(f"planmodel-measure-{mid}")
            box.add_class("planmodel-measure-box")
            start.add_class("planmodel-start-year")
            self.measure_boxes[mid], self.start_years[mid] = box, start
            self._cost_cells[mid] = costs
            self._row_widgets[mid] = row
            cells += row
        self._sum_cells = [widgets.HTML() for _ in range(n + 1)]
        sum_row = [widgets.HTML("Sum valgte tiltak"), widgets.HTML(""), widgets.HTML("")] + self._sum_cells
        for w in sum_row:
            w.add_class("planmodel-grid-sum")
        cells += sum_row
        self.measure_grid = widgets.GridBox(cells, layout=widgets.Layout(
            grid_template_columns=_GRID_COLUMNS.format(n=n), grid_gap="2px 12px", align_items="center",
            width="100%", overflow_x="auto"))
        self.measure_grid.add_class("planmodel-measure-grid")

        for w, name in [(self.kommune, "kommune"), (self.scenario, "scenario"), (self.plan_period, "plan-period"),
                        (self.title, "title"),
                        (self.message, "message"), (self.key_numbers_view, "key-numbers"),
                        (self.balance_view, "balance"), (self.chart_view, "chart"),
                        (self.okonomiplan_view, "okonomiplan-table"), (self.matrise_view, "matrise"),
                        (self.matrise_note, "matrise-note"), (self.delmal_view, "delmal-uten-tiltak"),
                        (self.samordning_button, "samordning-button"), (self.samordning_view, "samordning"),
                        (self.report_button, "report-button"), (self.report_link, "report-link"),
                        (self.about, "about"), (self.footer, "footer")]:
            w.add_class(f"planmodel-{name}")

        controls = widgets.HBox([self.kommune, self.scenario, self.plan_period],
                                layout=widgets.Layout(flex_flow="row wrap", gap="8px 24px", align_items="center"))
        super().__init__(
            [css, self.title, controls, self.message, self.key_numbers_view, self.balance_view,
             heading("Tiltak: velg tiltak og startår"),
             widgets.HTML(f'<div class="note">Kostnad per år i mill. kr (drift + investering), faste '
                          f"{base.price_year}-priser. Gevinstene (lavere utgifter i tjenestene) kommer fram i "
                          "økonomiplanen og under «Hvem betaler og hvem får gevinst».</div>"),
             self.measure_grid,
             heading("Netto driftsresultat per år"), self.chart_view,
             heading("Økonomiplanen"), self.okonomiplan_view,
             heading("Tiltaksmatrise"), self.matrise_note, self.matrise_view, self.delmal_view,
             heading("Hvem betaler og hvem får gevinst"), self.samordning_button, self.samordning_view,
             heading("Notat til politikerne"), self.report_button, self.report_link,
             self.about, self.footer],
            **kwargs)
        self.add_class("planmodel-okonomiplan")

        self._apply_base_measures(base)
        self.kommune.observe(self._on_kommune, "value")
        self.scenario.observe(self._on_scenario, "value")
        self.plan_period.observe(self._on_plan_period, "value")
        for mid in self._library.measures:
            self.measure_boxes[mid].observe(self._on_box, "value")
            self.start_years[mid].observe(self._on_start, "value")
        self.samordning_button.on_click(lambda _b: self.show_samordning())
        self.report_button.on_click(lambda _b: self.make_report())
        self.recompute(costs=True)

    # --- public ----------------------------------------------------------------------------------
    @property
    def place(self) -> str:
        """The chosen kommune as in the menu, e.g. ``"Bærum (3201)"``."""
        return self.kommune.label

    @property
    def base_scenario(self) -> PlanScenario:
        return self._scenarios[self.scenario.value]

    def choices(self) -> dict[str, tuple[int, str | None]]:
        """The ticked tiltak: {id: (start year, status)} in library order."""
        return {mid: (int(self.start_years[mid].value), self._status.get(mid))
                for mid, box in self.measure_boxes.items() if box.value}

    @property
    def plan_first(self) -> int:
        """The first year of the chosen økonomiplan period."""
        return int(self.plan_period.value)

    def current_scenario(self) -> PlanScenario:
        """The base scenario for the chosen kommune and økonomiplan period with the ticked tiltak."""
        return scenario_with(self.base_scenario, self.kommune.value, self.choices(), self.plan_first)

    def recompute(self, costs: bool = False) -> None:
        """Run the model for the current choices and redraw (``costs``: also the tiltak costs,
        after a change of kommune or start year)."""
        with self._busy():
            self._guarded(lambda: self._compute_and_render(costs))

    def apply_query_string(self, query_string: str) -> None:
        """Preselect kommune and base scenario from ``?kommune=<code or name>&scenario=<id>``."""
        wanted = query_values(query_string)
        problems = []
        code = None
        if "kommune" in wanted:
            try:
                code = resolve_kommune(wanted["kommune"]).code
            except PlanmodelError as exc:
                problems.append(f"Kommunen i lenken (kommune={wanted['kommune']}) ble ikke funnet: {exc}")
        sid = wanted.get("scenario")
        if sid is not None and sid not in self._scenarios:
            problems.append(f"Scenarioet i lenken (scenario={sid}) finnes ikke; velg blant: "
                            f"{', '.join(self._scenarios)}.")
            sid = None
        if code is not None or sid is not None:
            self._quiet = True
            try:
                if code is not None:
                    self.kommune.value = code
                    self._relabel_scenarios()
                if sid is not None:
                    self.scenario.value = self._offered(sid, self.kommune.value)
                    self._reset_plan_options()
                    self._apply_base_measures(self._scenarios[sid])
            finally:
                self._quiet = False
            self.recompute(costs=True)
        if problems:
            self.message.value = message_html(" ".join(p if p.endswith((".", "!", "?")) else p + "." for p in problems))

    def show_samordning(self) -> None:
        """Compute (or take from the cache) who pays and who gains for the ticked tiltak."""
        with self._busy():
            self._guarded(self._render_samordning)

    def make_report(self) -> None:
        """Make the brief for the current choices and show a download link."""
        def action():
            sc = self.current_scenario()
            text = report_html(sc, ds=self.result)
            name = f"okonomiplan_{sc.kommune}_{self.scenario.value}.html"
            self.report_link.value = download_link_html(text, name)
        with self._busy():
            self._guarded(action)

    # --- callbacks ---------------------------------------------------------------------------------
    def _on_kommune(self, _change) -> None:
        if not self._quiet:
            self._relabel_scenarios()
            self.recompute(costs=True)

    def _on_scenario(self, _change) -> None:
        if not self._quiet:
            self._reset_plan_options()
            self._apply_base_measures(self.base_scenario)
            self.recompute(costs=True)

    def _on_plan_period(self, _change) -> None:
        if not self._quiet:
            self._update_start_options()
            self.recompute(costs=True)

    def _on_box(self, change) -> None:
        if self._quiet:
            return
        mid = self._id_of(change["owner"], self.measure_boxes)
        self._mark_row(mid)
        self.recompute()

    def _on_start(self, change) -> None:
        if self._quiet:
            return
        mid = self._id_of(change["owner"], self.start_years)
        if self.measure_boxes[mid].value:
            self.recompute(costs=True)
        else:
            with self._busy():
                self._guarded(self._render_costs)

    # --- internals ---------------------------------------------------------------------------------
    @staticmethod
    def _id_of(owner, table: dict) -> str:
        return next(k for k, w in table.items() if w is owner)

    def _busy(self):
        return busy(self)

    def _mark_row(self, mid: str) -> None:
        on = self.measure_boxes[mid].value
        for w in self._row_widgets[mid][1:]:
            (w.remove_class if on else w.add_class)("planmodel-off")

    def _scenario_options(self, kommune: str) -> list[tuple[str, str]]:
        """The base scenarios' menu for ``kommune`` (labels by :func:`scenario_label`). For another
        kommune than a file's, scenarios that differ only in the file kommune's own parts (three
        housing alternatives of Bærum are all "Basis for Oslo") are offered once."""
        out, seen = [], set()
        for k, sc in self._scenarios.items():
            label = scenario_label(sc, kommune)
            if label not in seen:
                seen.add(label)
                out.append((label, k))
        return out

    def _offered(self, sid: str, kommune: str) -> str:
        """``sid``, or the scenario offered in its place for ``kommune`` (the same label)."""
        options = self._scenario_options(kommune)
        label = scenario_label(self._scenarios[sid], kommune)
        return next((k for lab, k in options if k == sid), next(k for lab, k in options if lab == label))

    @staticmethod
    def _plan_options(base: PlanScenario) -> list[tuple[str, int]]:
        """The økonomiplan periods offered for ``base``: "2027–2030", "2028–2031", ..."""
        return [(f"{y}–{y + base.plan_years - 1}", y) for y in plan_start_choices(base)]

    def _relabel_scenarios(self) -> None:
        """Name the base scenarios for the chosen kommune (the value stays)."""
        options = self._scenario_options(self.kommune.value)
        if list(self.scenario.options) != options:
            quiet, self._quiet = self._quiet, True
            try:
                value = self._offered(self.scenario.value, self.kommune.value)
                self.scenario.options = options
                self.scenario.value = value
            finally:
                self._quiet = quiet

    def _reset_plan_options(self) -> None:
        """The økonomiplan periods of the chosen base scenario; the chosen period stays if offered."""
        options = self._plan_options(self.base_scenario)
        if list(self.plan_period.options) != options:
            quiet, self._quiet = self._quiet, True
            try:
                value = self.plan_period.value
                self.plan_period.options = options
                values = [v for _, v in options]
                self.plan_period.value = value if value in values else values[0]
            finally:
                self._quiet = quiet

    def _update_start_options(self) -> None:
        """Start years from the first plan year; a ticked tiltak that starts earlier keeps its
        year (it runs already when the plan starts), an unticked one moves to the first plan year."""
        quiet, self._quiet = self._quiet, True
        try:
            for mid, dd in self.start_years.items():
                years = start_year_options(self._library.measures[mid], self.plan_first, self.base_scenario.horizon)
                current = int(dd.value)
                if current not in years and self.measure_boxes[mid].value:
                    years = sorted(set(years) | {current})
                if [v for _, v in dd.options] != years:
                    dd.options = [(str(y), y) for y in years]
                dd.value = current if current in years else years[0]
        finally:
            self._quiet = quiet

    def _apply_base_measures(self, base: PlanScenario) -> None:
        """Tick the base scenario's tiltak with their start years and statuses, untick the rest."""
        chosen = {m.id: m for m in base.measures}
        self._status = {mid: m.status for mid, m in chosen.items()}
        quiet, self._quiet = self._quiet, True
        try:
            for mid, box in self.measure_boxes.items():
                dd = self.start_years[mid]
                years = start_year_options(self._library.measures[mid], self.plan_first, base.horizon)
                if mid in chosen and chosen[mid].start not in years:  # the scenario file was validated
                    years = sorted(set(years) | {chosen[mid].start})
                if [v for _, v in dd.options] != years:
                    dd.options = [(str(y), y) for y in years]
                dd.value = chosen[mid].start if mid in chosen else years[0]
                box.value = mid in chosen
                self._mark_row(mid)
        finally:
            self._quiet = quiet

    def _guarded(self, action) -> None:
        """Run ``action``; errors a user can fix become a Norwegian message, anything else is a bug:
        say so in the app, log it and re-raise."""
        try:
            action()
        except PlanmodelError as exc:
            self._clear()
            log.info("OkonomiplanApp: %s", exc)  # with the file path, for whoever maintains the files
            self.message.value = message_html(
                f"Kan ikke beregne økonomiplanen for {self.place} med «{self._label()}»: "
                f"{user_problem(exc)}. Endre valgene og prøv igjen.")
        except Exception as exc:
            self._clear()
            self.message.value = message_html(
                f"Uventet feil i planmodel ({type(exc).__name__}). Feilen er logget; prøv et annet valg.")
            log.exception("OkonomiplanApp: %s / %s / %s", self.kommune.value, self.scenario.value, self.choices())
            raise

    def _clear(self) -> None:
        self.result = None
        self.key_numbers = {}
        for w in (self.key_numbers_view, self.balance_view, self.chart_view, self.okonomiplan_view,
                  self.matrise_view, self.delmal_view, self.samordning_view, self.report_link):
            w.value = ""

    def _compute_and_render(self, costs: bool) -> None:
        sc = self.current_scenario()
        ds = run(sc)
        self.result = ds
        plan = ds.plan.years
        self._plan = plan[:len(self._year_heads)]  # the grid has the columns of the first base scenario
        self.key_numbers = key_numbers(ds)
        name = ds.attrs.get("kommune_name", "")
        self.title.value = (f'<h2 style="margin:4px 0">Økonomiplan {plan[0]}–{plan[-1]} for '
                            f"{html.escape(name)} ({html.escape(sc.kommune)})</h2>"
                            f'<div style="font-size:1.1em">Utgangspunkt: {html.escape(self._label())}. Faste '
                            f'{ds.attrs.get("price_year", "")}-priser; langsiktsår {ds.plan.horizon}.</div>')
        self.key_numbers_view.value = key_cards_html(self.key_numbers, ds)
        self.balance_view.value = balance_table_html(ds, self.key_numbers)
        self.chart_view.value = ndr_chart(ds, self.place, "op-ndr")
        self.okonomiplan_view.value = table_html(okonomiplan_table(ds), row_header="Linje",
                                                 bold_rows=("Netto driftsresultat", "Inndekningsbehov"))
        if costs:
            self._render_costs()
        self._render_sums()
        self._render_matrise(sc, ds)
        key = self._samordning_key(sc)
        if key in self._samordning_cache:
            self.samordning_view.value = self._samordning_html(self._samordning_cache[key])
        elif sc.measures:
            self.samordning_view.value = ('<div class="note">Trykk på knappen for å regne ut hva hvert valgt tiltak '
                                          "koster og sparer i hver sektor.</div>")
        else:
            self.samordning_view.value = '<div class="note">Ingen tiltak er valgt.</div>'
        self.report_link.value = ""
        self.about.value = self._about_html(ds, sc)
        notices = list(self._problems)
        base = self.base_scenario
        name = kommune_name(sc.kommune)
        if sc.kommune != base.kommune and not is_basis(base):
            notices.append(f"Valgene i «{neutral_title(base)}» (terskel, tilbud, befolkningsalternativ, økonomiske "
                           f"forutsetninger og tiltak) er hentet fra et scenario for {kommune_name(base.kommune)} og "
                           f"regnet med {name}s egen befolkning, kalibrering og regnskap.")
        left_out = kommune_own_parts(base) if sc.kommune != base.kommune else []
        if left_out:
            parts = word_list(left_out)
            notices.append(f"{parts[:1].upper() + parts[1:]} i scenarioet gjelder {kommune_name(base.kommune)} og er "
                           f"ikke brukt for {name}.")
        self.message.value = message_html(" ".join(notices), kind="info") if notices else ""

    def _label(self) -> str:
        """The base scenario as the menu names it for the chosen kommune."""
        return scenario_label(self.base_scenario, self.kommune.value)

    @staticmethod
    def _footer_html(goals: GoalHierarchy | None) -> str:
        """Sources; the målstruktur's only when one is shown."""
        source = f" Målstruktur: {goals.source.removeprefix('Kilde: ')}." if goals is not None else ""
        return ('<footer style="font-size:0.95em;color:#444;border-top:1px solid #ccc;padding-top:6px;margin-top:8px">'
                f"{html.escape(SSB_CREDIT)} Dødelighet: Human Mortality Database (HMD), CC BY 4.0. Fruktbarhet: "
                f"Human Fertility Database (HFD). Tjenester og økonomi: KOSTRA 2025 (SSB).{html.escape(source)}"
                "</footer>")

    def _render_costs(self) -> None:
        """Cost cells of every tiltak at its chosen start year (chosen or not)."""
        sc = self.current_scenario()
        starts = {mid: int(dd.value) for mid, dd in self.start_years.items()}
        drift, inv = library_costs(sc, starts)
        plan = self._plan
        d = money_decimals(self.result) if self.result is not None else 1
        for i, y in enumerate(plan):
            self._year_heads[i].value = f'<div class="planmodel-cost">{y}</div>'
        self._sum_head.value = f'<div style="text-align:right">Sum<br>{plan[0]}–{plan[-1]}</div>'
        for mid, cells in self._cost_cells.items():
            for i, y in enumerate(plan):
                cells[i].value = cost_cell_html(float(drift.at[mid, y]), float(inv.at[mid, y]), d)
            cells[-1].value = cost_cell_html(float(drift.loc[mid, plan].sum()), float(inv.loc[mid, plan].sum()), d)

    def _render_sums(self) -> None:
        k = self.key_numbers
        for i, y in enumerate(self._plan):
            self._sum_cells[i].value = f'<div class="planmodel-cost" data-key="tiltak_kostnad_{y}">{k[f"tiltak_kostnad_{y}"]}</div>'
        self._sum_cells[-1].value = f'<div class="planmodel-cost" data-key="tiltak_kostnad_sum">{k["tiltak_kostnad_sum"]}</div>'

    def _scenario_goals(self, sc: PlanScenario) -> GoalHierarchy | None:
        """The kommune's own målstruktur (the scenario's goals file, else Bærum's shipped one for
        Bærum), cached; None when planmodel has none for the kommune (a målstruktur of another
        kommune is never shown)."""
        key = (sc.goals, sc.kommune, sc.catalogue)
        if key not in self._goals_cache:
            goals = scenario_goals(sc)
            self._goals_cache[key] = goals if goals is not None and goals.kommune == sc.kommune else None
        return self._goals_cache[key]

    def _render_matrise(self, sc: PlanScenario, ds: xr.Dataset) -> None:
        goals = self._scenario_goals(sc)
        self.footer.value = self._footer_html(goals)
        d = money_decimals(ds)
        measures = [self._library.measures[m.id].chosen(m.start, m.end, m.status) for m in sc.measures]
        if goals is None:
            self.matrise_note.value = ('<div class="note">' + html.escape(
                f"{self.place} har ingen målstruktur (hovedmål, hovedgrep og delmål) i planmodel ennå; kommunen kan "
                "lage sin egen med kommandoen «planmodel mal ny» (se veiledningen om scenariofiler), og til da vises "
                "tiltakene med delmålene slik de står i tiltaksbiblioteket.") + "</div>")
            self.matrise_view.value = (matrise_html(tiltaksmatrise(None, measures, cost=measure_cost_frame(ds)), d)
                                       if measures else '<div class="note">Ingen tiltak er valgt; kryss av tiltak '
                                                        'i listen over.</div>')
            self.delmal_view.value = ""
            return
        plan = f"{goals.plan.name.lower()} {goals.plan.period}"
        note = html.escape(f"Målstrukturen (hovedmål, hovedgrep og delmål) er fra {kommune_name(goals.kommune)} "
                           f"kommunes {plan}.")
        self.matrise_note.value = f'<div class="note">{note}</div>'
        if measures:
            matrise = tiltaksmatrise(goals, measures, cost=measure_cost_frame(ds))
            self.matrise_view.value = matrise_html(matrise, d)
        else:
            self.matrise_view.value = '<div class="note">Ingen tiltak er valgt; kryss av tiltak i listen over.</div>'
        without = delmal_uten_tiltak(goals, measures)
        without.attrs.update({"title": "", "decimals": 0})
        table = table_html(without.set_index("Delmål-id"), caption="", row_header="Delmål-id")
        self.delmal_view.value = (f'<details><summary style="cursor:pointer;font-weight:600;margin:6px 0">'
                                  f'Delmål uten tiltak: <span data-key="delmal_uten_tiltak">{len(without)}</span> av '
                                  f"{len(goals.delmal)}</summary>{table}</details>")

    def _samordning_key(self, sc: PlanScenario) -> tuple:
        return (sc.kommune, self.scenario.value, sc.measures, sc.plan_period)

    def _render_samordning(self) -> None:
        sc = self.current_scenario()
        if not sc.measures:
            self.samordning_view.value = '<div class="note">Ingen tiltak er valgt.</div>'
            return
        key = self._samordning_key(sc)
        if key not in self._samordning_cache:
            if len(self._samordning_cache) > 32:
                self._samordning_cache.clear()
            self._samordning_cache[key] = who_pays_who_gains(samordning(sc))
        self.samordning_view.value = self._samordning_html(self._samordning_cache[key])

    @staticmethod
    def _samordning_html(table: pd.DataFrame) -> str:
        t = table.copy()
        t.index.name = "Tiltak"
        t.attrs = {"title": "Hvem betaler og hvem får gevinst", "units": table.attrs.get("units", ""), "decimals": 1}
        return table_html(t) + ('<div class="note">Hvert tiltak er regnet alene mot ingen tiltak. Positive tall: '
                                "sektoren betaler; negative: sektoren får en gevinst (lavere utgifter).</div>")

    def _about_html(self, ds: xr.Dataset, sc: PlanScenario) -> str:
        fi = ds.attrs.get("free_income_per_capita_accounts")
        fi_text = (f" Første år bygger på kommunens regnskap {ds.plan.accounts_year}; frie inntekter per innbygger "
                   f"var {tall(fi)}{NBSP}kr (landet: {tall(ds.attrs.get('national_free_income_per_capita'))}{NBSP}kr)."
                   if fi is not None else "")
        return ('<section style="padding:10px 14px;border:1px solid #c8c8c8;border-radius:8px;background:#fcfcfc;'
                'max-width:70em;margin-top:12px"><h3 style="margin-top:0">Om tallene</h3>'
                f"<p>Beløp i faste {ds.plan.price_year}-priser, basisår {ds.plan.base_year} (regnskap "
                f"{ds.plan.accounts_year}). Netto driftsresultat skal over tid være minst "
                f"{norm_text(ds.plan.target_share)} av driftsinntektene (TBU); "
                "inndekningsbehovet er avstanden til det målet. Tiltakenes virkninger er anslag med spenn."
                f"{fi_text}</p><p>{html.escape(str(ds.attrs.get('calibration', '')))}</p>"
                f"<p>Scenario: {html.escape(sc.title)}. {html.escape(sc.description)}</p></section>")


__all__ = ["KOMMUNE_OWN", "OkonomiplanApp", "is_basis", "kommune_name", "load_base_scenarios", "neutral_title",
           "scenario_label", "scenario_with", "start_year_options", "user_problem"]
