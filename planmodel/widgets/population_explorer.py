"""Population explorer: a kommune's projected population by scenario, for the Voilà app.

Layout, top to bottom: title, controls (kommune, scenario, year), a message line (errors and
notices, in bokmål), key numbers in large type, the population pyramid for the chosen year, the
KOSTRA age groups over time (small multiples and a table), an "Om tallene" card and the source
footer. The charts are inline SVG strings from :mod:`planmodel.present.charts` in ``HTML``
widgets (a few ms to draw, so a year change redraws at once); matplotlib is left to the notebooks.

The callbacks only choose what to recompute; the arithmetic is in the model
(:func:`planmodel.population.demography.project_kommune`, :func:`planmodel.population.indicators.indicators`,
:func:`planmodel.core.ages.to_kostra_groups`) and in the small pure helpers below (``key_numbers``,
``age_group_table`` ...), which are unit-tested without widgets. Every number shown goes through
:mod:`planmodel.core.formatting`.
"""

from __future__ import annotations

import html
import logging
import math
import unicodedata
from urllib.parse import parse_qs

import ipywidgets as widgets
import pandas as pd
import xarray as xr

from planmodel.core.meta import SSB_CREDIT
from planmodel.inputs import data
from planmodel.core.ages import to_kostra_groups
from planmodel.inputs.demographic import SCENARIOS, get_scenario
from planmodel.population.demography import project_kommune
from planmodel.core.errors import InputError, PlanmodelError
from planmodel.core.formatting import NBSP, endring, tall
from planmodel.core.labels import age_group_label
from planmodel.population.indicators import indicators
from planmodel.inputs.kommuner import all_kommuner, resolve_kommune
from planmodel.present.charts import age_group_panels, population_pyramid
from planmodel.widgets.common import BUSY_CLASS as BUSY_CLASS  # re-exported: tests use it
from planmodel.widgets.common import busy, heading

log = logging.getLogger(__name__)

DEFAULT_KOMMUNE = "3201"  # Bærum
DEFAULT_SCENARIO = "main"
DEFAULT_YEAR = 2040
END_YEAR = 2050
#: The year to which the growth in persons 80+ is shown (the kommuneplan horizon).
GROWTH_YEAR = 2040
#: Years in the age-group table.
TABLE_YEARS = (2026, 2030, 2035, 2040, 2050)
#: Scenarios offered for every kommune, in menu order.
APP_SCENARIOS = ("main", "low", "high", "bolig_hoy", "bolig_moderat", "bolig_lav")
#: Scenarios that use SSB's own regional projection; offered only where planmodel ships one.
SSB_SCENARIOS = ("ssb_mmmm", "ssb_llml", "ssb_hhmh")
_STYLE = {"description_width": "initial"}
#: CSS class on the explorer while it computes (tests wait for it to go; charts are dimmed).
_CSS = """<style>
.planmodel-population-explorer .widget-label, .planmodel-population-explorer select,
.planmodel-population-explorer input { font-size: 16px; }
.planmodel-busy { cursor: progress; }
.planmodel-busy .planmodel-pyramid, .planmodel-busy .planmodel-age-groups,
.planmodel-busy .planmodel-age-group-table { opacity: 0.5; transition: opacity 0.2s; }
</style>"""


# ---------------------------------------------------------------------------------------------
# Pure helpers (no widgets): menus, key numbers, tables, HTML
# ---------------------------------------------------------------------------------------------

_NB_LETTERS = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})


def nb_sort_key(text: str) -> str:
    """Sort key in Norwegian alphabetical order: a–z, then æ, ø, å; other accents ignored.

    ``{ | }`` follow ``z`` in ASCII, so mapping æ/ø/å to them before stripping accents puts
    "Ørland" after "Årdal"'s predecessors the Norwegian way (Python's default order would put
    Å before Æ and Ø).
    """
    folded = text.casefold().translate(_NB_LETTERS)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def kommune_label(display_name: str, code: str) -> str:
    """Menu text of a kommune: ``"Bærum (3201)"``; the code tells Herøy from Herøy."""
    return f"{display_name} ({code})"


def kommune_options(table: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """``(label, code)`` for every kommune, sorted by name in Norwegian order, then by code.

    Parameters
    ----------
    table : DataFrame with columns ``kommune`` and ``display_name`` (default:
        :func:`planmodel.inputs.kommuner.all_kommuner`).
    """
    df = all_kommuner() if table is None else table
    rows = sorted(zip(df["display_name"], df["kommune"]), key=lambda r: (nb_sort_key(r[0]), r[1]))
    return [(kommune_label(name, code), code) for name, code in rows]


def ssb_scenarios_available(kommune: str) -> bool:
    """True when planmodel ships SSB's regional projection for ``kommune`` (code)."""
    return kommune in set(data.ssb_projection_regions())


def scenario_options(kommune: str, keep: str | None = None) -> list[tuple[str, str]]:
    """``(Norwegian label, id)`` of the scenarios to offer for ``kommune`` (code).

    The SSB scenarios are offered only where a projection is shipped. ``keep`` (the current
    choice) stays in the menu even where it does not apply, so the menu never changes the
    user's choice behind their back; the app then explains why it cannot be computed.
    """
    ids = list(APP_SCENARIOS)
    if ssb_scenarios_available(kommune):
        ids += SSB_SCENARIOS
    if keep is not None and keep not in ids and keep in SCENARIOS:
        ids.append(keep)
    return [(SCENARIOS[i].label, i) for i in ids]


def _finite(x) -> float:
    x = float(x)
    return x if math.isfinite(x) else math.nan


def signed_percent(share: float, decimals: int = 1) -> str:
    """A change as signed percent: ``0.4512`` -> ``'+45,1 %'``, ``-0.02`` -> ``'−2,0 %'``."""
    return f"{endring(100 * _finite(share), decimals)}{NBSP}%"


#: id -> decimals of the key numbers that have a level and a change from the base year.
KEY_NUMBER_DECIMALS = {"total": 0, "aldersbaereevne": 1, "persons_80plus": 0, "family_care_ratio": 1}


def key_numbers(ind: xr.Dataset, year: int, growth_year: int = GROWTH_YEAR) -> dict[str, str]:
    """The key numbers shown in large type, formatted the Norwegian way.

    Parameters
    ----------
    ind : Dataset from :func:`planmodel.population.indicators.indicators`, dim ``year``; its first year
        is the base year.
    year : the chosen year.
    growth_year : year to which the growth in persons 80+ is measured (the last year if the
        projection ends earlier).

    Returns
    -------
    dict id -> text. For each id in :data:`KEY_NUMBER_DECIMALS` the level in ``year`` and
    ``<id>_change``, the change from the base year (same unit, signed); plus ``growth_80plus``,
    the growth in persons 80+ from the base year to ``growth_year`` (signed percent).
    """
    now = ind.sel(year=year)
    first = ind.isel(year=0)
    out: dict[str, str] = {}
    for key, decimals in KEY_NUMBER_DECIMALS.items():
        level = _finite(now[key])
        out[key] = tall(level, decimals)
        out[f"{key}_change"] = endring(level - _finite(first[key]), decimals)
    last = int(ind["year"].values[-1])
    out["growth_80plus"] = signed_percent(ind["growth_80plus"].sel(year=min(growth_year, last)))
    return out


def age_group_table(groups: xr.DataArray, years=TABLE_YEARS) -> pd.DataFrame:
    """Persons by KOSTRA age group in selected years, with a total row.

    Parameters
    ----------
    groups : DataArray (year, age_group) [persons], e.g. ``to_kostra_groups(pop).sum("sex")``.
    years : years to show; those outside the projection are left out.

    Returns
    -------
    DataFrame [persons], index = age group ids plus ``"total"``, columns = years (int).
    """
    have = [int(y) for y in years if int(y) in set(groups["year"].values.tolist())]
    df = groups.sel(year=have).transpose("age_group", "year").to_pandas()
    df.columns = [int(c) for c in df.columns]
    df.index = [str(i) for i in df.index]
    df.loc["total"] = df.sum(axis=0)
    return df


def age_group_table_html(table: pd.DataFrame, caption: str) -> str:
    """The table of :func:`age_group_table` as HTML: persons, Norwegian digit grouping, plus a
    column with the change from the first to the last year."""
    years = list(table.columns)
    first, last = years[0], years[-1]
    cell = 'style="text-align:right;padding:4px 10px"'
    head = "".join(f'<th scope="col" {cell}>{y}</th>' for y in years)
    head += f'<th scope="col" {cell}>Endring {first}–{last}</th>'
    rows = []
    for group, values in table.iterrows():
        name = "I alt" if group == "total" else age_group_label(group)
        weight = ";font-weight:700;border-top:1px solid #999" if group == "total" else ""
        tds = "".join(f'<td style="text-align:right;padding:4px 10px{weight}">{tall(v)}</td>' for v in values)
        tds += (f'<td style="text-align:right;padding:4px 10px{weight}">'
                f"{endring(values[last] - values[first])}</td>")
        rows.append(f'<tr><th scope="row" style="text-align:left;padding:4px 10px{weight}">{name}</th>{tds}</tr>')
    return (f'<table class="planmodel-table" style="border-collapse:collapse;font-size:1.1em">'
            f'<caption style="text-align:left;font-weight:700;padding:4px 0">{html.escape(caption)}</caption>'
            f'<thead><tr><th scope="col" style="text-align:left;padding:4px 10px">Aldersgruppe</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


#: Cards in the key-number panel: (id, heading, explanation of the unit).
KEY_NUMBER_CARDS = (
    ("total", "Folkemengde {year}", "personer"),
    ("aldersbaereevne", "Aldersbæreevne {year}", "personer 20–66 år per person 67 år og over"),
    ("persons_80plus", "80 år og over, {year}", "personer"),
    ("growth_80plus", "Vekst i 80 år og over", "fra {base} til {growth}"),
    ("family_care_ratio", "Omsorgsressurs {year}", "kvinner 50–66 år per person 85 år og over"),
)


def key_numbers_html(numbers: dict[str, str], year: int, base_year: int, growth_year: int = GROWTH_YEAR) -> str:
    """Cards with the key numbers; each number sits alone in an element with ``data-key=<id>``
    so that tests (and screen readers) find exactly the text of ``numbers[id]``."""
    cards = []
    for key, title, unit in KEY_NUMBER_CARDS:
        unit = unit.format(base=base_year, growth=growth_year)
        title = title.format(year=year)
        change = ""
        if f"{key}_change" in numbers:
            change = (f'<div style="font-size:1.1em">Endring fra {base_year}: '
                      f'<span data-key="{key}_change" style="font-weight:600">{numbers[key + "_change"]}</span></div>')
        cards.append(
            '<div class="planmodel-kn-card" style="flex:1 1 200px;min-width:190px;padding:12px 16px;'
            'border:1px solid #c8c8c8;border-radius:8px;background:#f7f9fb">'
            f'<div style="font-size:1.15em;color:#333">{title}</div>'
            f'<div data-key="{key}" style="font-size:2.4em;font-weight:700;line-height:1.15;color:#1b4f72">'
            f"{numbers[key]}</div>{change}"
            f'<div style="font-size:0.95em;color:#555">{unit}</div></div>')
    return ('<div aria-live="polite" style="display:flex;flex-wrap:wrap;gap:12px;margin:8px 0">'
            + "".join(cards) + "</div>")


def about_html(pop: xr.DataArray) -> str:
    """The "Om tallene" card: scenario, assumptions and sources of a projection (its attrs)."""
    sc = SCENARIOS.get(pop.attrs.get("scenario", ""))
    label = pop.attrs.get("scenario_label", "")
    description = (sc.description if sc is not None and sc.description else label)
    assumptions = [a for a in str(pop.attrs.get("assumptions", "")).split(" | ") if a]
    sources = [s for s in str(pop.attrs.get("sources", "")).split("; ") if s]
    li = "".join(f"<li>{html.escape(a)}</li>" for a in assumptions)
    src = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
    return ('<section style="padding:12px 16px;border:1px solid #c8c8c8;border-radius:8px;background:#fcfcfc;'
            'font-size:1.05em;max-width:70em">'
            '<h3 style="margin-top:0">Om tallene</h3>'
            f"<p><strong>Scenario: {html.escape(label)}.</strong> {html.escape(description)}.</p>"
            f"<p><strong>Forutsetninger</strong></p><ul>{li}</ul>"
            f"<p><strong>Kilder</strong></p><ul>{src}</ul>"
            f"<p>{html.escape(SSB_CREDIT)}</p>"
            f"<p>Befolkning 1. januar hvert år, basisår {pop.attrs.get('base_year', '')}. "
            "Framskrivinger er beregninger under forutsetningene over, ikke prognoser.</p>"
            "</section>")


def footer_html() -> str:
    """Credit line for the data behind the app (SSB, HMD, HFD)."""
    return ('<footer style="font-size:0.95em;color:#444;border-top:1px solid #ccc;padding-top:6px;margin-top:8px">'
            f"{html.escape(SSB_CREDIT)} Dødelighet: {html.escape(data.SRC_HMD)}. "
            f"Fruktbarhet: {html.escape(data.SRC_HFD)}.</footer>")


def message_html(text: str, kind: str = "error") -> str:
    """A message line: ``kind`` is ``"error"`` (red, role=alert) or ``"info"``."""
    if not text:
        return ""
    if kind == "error":
        return ('<div role="alert" class="planmodel-error" style="padding:10px 14px;border-left:6px solid #b00020;'
                f'background:#fdecee;font-size:1.1em">{html.escape(text)}</div>')
    return f'<div role="status" style="padding:6px 0;font-size:1.05em;color:#333">{html.escape(text)}</div>'


def kommune_from_query(query_string: str) -> str | None:
    """The ``kommune`` parameter of a URL query string (``"kommune=0301&x=1"`` -> ``"0301"``),
    or None. The value may be a code or a name; resolve it with ``resolve_kommune``."""
    values = parse_qs(query_string or "").get("kommune")
    return values[0].strip() if values and values[0].strip() else None


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------



class PopulationExplorer(widgets.VBox):
    """Explore a kommune's projected population by scenario and year.

    Parameters
    ----------
    kommune : kommune code (default ``"3201"``, Bærum).
    scenario : scenario id (see :data:`planmodel.inputs.demographic.SCENARIOS`).
    year : year of the pyramid and the key numbers.

    Attributes
    ----------
    kommune, scenario : Dropdown (value = code / scenario id).
    year : BoundedIntText [year]; ``year_slider`` is linked to it.
    population : DataArray (year, age, sex) [persons], the current projection (None after an
        error).
    key_numbers : dict id -> the exact text shown (see :func:`key_numbers`); empty after an error.
    message : HTML with the current error or notice ("" when all is well).
    pyramid, age_groups : HTML whose value is the ``<svg>`` of the pyramid (chosen year, base
        year outlined) and of the age-group panels ("" after an error).
    """

    def __init__(self, kommune: str = DEFAULT_KOMMUNE, scenario: str = DEFAULT_SCENARIO,
                 year: int = DEFAULT_YEAR, **kwargs):
        kommune = resolve_kommune(kommune).code  # accepts a name too; KommuneError if unknown
        scenario = get_scenario(scenario).id  # InputError listing the valid ids if unknown
        self._quiet = False  # True while the code itself changes controls
        self.population: xr.DataArray | None = None
        self.key_numbers: dict[str, str] = {}
        self._indicators: xr.Dataset | None = None

        self.kommune = widgets.Dropdown(
            options=kommune_options(), value=kommune, description="Kommune",
            tooltip="Velg kommune (skriv forbokstaven for å hoppe i lista)", style=_STYLE,
            layout=widgets.Layout(width="auto"))
        self.scenario = widgets.Dropdown(
            options=scenario_options(kommune, keep=scenario), value=scenario, description="Scenario",
            tooltip="Forutsetninger for fruktbarhet, levealder og flytting", style=_STYLE,
            layout=widgets.Layout(width="auto"))
        self.year = widgets.BoundedIntText(
            value=year, min=2026, max=END_YEAR, step=1, description="År", style=_STYLE,
            tooltip="Året for befolkningspyramiden og nøkkeltallene (piltastene endrer året)",
            layout=widgets.Layout(width="10em"))
        # The slider is for dragging; its label is not accessible, so the text box carries it.
        self.year_slider = widgets.IntSlider(
            value=year, min=2026, max=END_YEAR, step=1, readout=False, continuous_update=False,
            tooltip="Dra for å velge år", layout=widgets.Layout(width="18em"))
        widgets.link((self.year, "value"), (self.year_slider, "value"))

        self.title = widgets.HTML()
        self.message = widgets.HTML()
        self.key_numbers_view = widgets.HTML()
        self.pyramid = widgets.HTML(layout=widgets.Layout(min_height="300px"))
        self.age_groups = widgets.HTML(layout=widgets.Layout(min_height="200px"))
        self.age_group_table = widgets.HTML()
        self.about = widgets.HTML()
        self.footer = widgets.HTML(footer_html())
        css = widgets.HTML(_CSS, layout=widgets.Layout(display="none"))

        for w, name in [(self.kommune, "kommune"), (self.scenario, "scenario"), (self.year, "year"),
                        (self.year_slider, "year-slider"), (self.title, "title"), (self.message, "message"),
                        (self.key_numbers_view, "key-numbers"), (self.pyramid, "pyramid"),
                        (self.age_groups, "age-groups"), (self.age_group_table, "age-group-table"),
                        (self.about, "about"), (self.footer, "footer")]:
            w.add_class(f"planmodel-{name}")

        controls = widgets.HBox([self.kommune, self.scenario, self.year, self.year_slider],
                                layout=widgets.Layout(flex_flow="row wrap", gap="8px 24px",
                                                      align_items="center"))
        super().__init__(
            [css, self.title, controls, self.message, self.key_numbers_view,
             heading("Befolkningspyramide"), self.pyramid,
             heading("Aldersgrupper (KOSTRA) over tid"), self.age_groups, self.age_group_table,
             self.about, self.footer],
            **kwargs)
        self.add_class("planmodel-population-explorer")

        self.kommune.observe(self._on_selection, "value")
        self.scenario.observe(self._on_selection, "value")
        self.year.observe(self._on_year, "value")
        self.recompute()

    # --- callbacks: choose what to redo, nothing more ------------------------------------
    def _on_selection(self, _change) -> None:
        if not self._quiet:
            self._refresh_scenario_menu()
            self.recompute()

    def _on_year(self, _change) -> None:
        if not self._quiet and self._indicators is not None:
            with self._busy():
                self._guarded(self._render_year)

    # --- actions ---------------------------------------------------------------------------
    @property
    def place(self) -> str:
        """The chosen kommune as shown in the menu, e.g. ``"Bærum (3201)"``."""
        return self.kommune.label

    @property
    def scenario_label(self) -> str:
        return SCENARIOS[self.scenario.value].label

    def recompute(self) -> None:
        """Project the chosen kommune under the chosen scenario and redraw everything."""
        self.title.value = (f'<h2 style="margin:4px 0">Befolkningsframskriving for {html.escape(self.place)}</h2>'
                            f'<div style="font-size:1.1em">{html.escape(self.scenario_label)}</div>')
        with self._busy():
            self.message.value = message_html("Beregner …", kind="info")
            self._guarded(self._compute_and_render)

    def apply_query_string(self, query_string: str) -> None:
        """Preselect the kommune given as ``?kommune=<code or name>`` in the page address."""
        wanted = kommune_from_query(query_string)
        if wanted is None:
            return
        try:
            code = resolve_kommune(wanted).code
        except PlanmodelError as exc:
            self.message.value = message_html(f"Kommunen i lenken (kommune={wanted}) ble ikke funnet: {exc}")
            return
        self.kommune.value = code

    # --- internals ---------------------------------------------------------------------------
    def _busy(self):
        return busy(self)

    def _refresh_scenario_menu(self) -> None:
        current = self.scenario.value
        options = scenario_options(self.kommune.value, keep=current)
        if [v for _, v in options] != [v for _, v in self.scenario.options]:
            self._quiet = True
            try:
                self.scenario.options = options
                self.scenario.value = current
            finally:
                self._quiet = False

    def _guarded(self, action) -> None:
        """Run ``action``; show errors a user can fix as a Norwegian message, never a traceback.
        Anything else is a bug: say so in the app, log it and re-raise (never swallow it)."""
        try:
            action()
        except PlanmodelError as exc:
            problem = exc.problem if isinstance(exc, InputError) else str(exc)
            self._clear()
            self.message.value = message_html(
                f"Kan ikke beregne «{self.scenario_label}» for {self.place}: {problem}. "
                "Velg et annet scenario eller en annen kommune.")
        except Exception as exc:
            self._clear()
            self.message.value = message_html(
                f"Uventet feil i planmodel ({type(exc).__name__}). Feilen er logget; prøv et annet valg.")
            log.exception("PopulationExplorer: %s / %s", self.kommune.value, self.scenario.value)
            raise

    def _clear(self) -> None:
        self.population = None
        self._indicators = None
        self.key_numbers = {}
        self.key_numbers_view.value = ""
        self.pyramid.value = ""
        self.age_groups.value = ""
        self.age_group_table.value = ""
        self.about.value = ""

    def _compute_and_render(self) -> None:
        pop = project_kommune(self.kommune.value, self.scenario.value, end_year=END_YEAR)
        ind = indicators(pop)
        groups = to_kostra_groups(pop).sum("sex")
        self.population, self._indicators = pop, ind
        years = pop["year"].values
        first, last = int(years[0]), int(years[-1])
        if (self.year.min, self.year.max) != (first, last):
            self._quiet = True
            try:
                with self.year.hold_sync(), self.year_slider.hold_sync():
                    self.year.min, self.year.max = first, last
                    self.year_slider.min, self.year_slider.max = first, last
            finally:
                self._quiet = False
        self._render_year()
        self.age_groups.value = age_group_panels(groups, self.place, self.scenario_label)
        self.age_group_table.value = age_group_table_html(
            age_group_table(groups), f"Personer etter aldersgruppe, {self.place}, {self.scenario_label}")
        self.about.value = about_html(pop)
        self.message.value = ""

    def _render_year(self) -> None:
        ind, pop, year = self._indicators, self.population, int(self.year.value)
        base = int(ind["year"].values[0])
        self.key_numbers = key_numbers(ind, year)
        self.key_numbers_view.value = key_numbers_html(self.key_numbers, year, base)
        self.pyramid.value = population_pyramid(pop.sel(year=year), pop.sel(year=base), self.place,
                                                self.scenario_label, year)
