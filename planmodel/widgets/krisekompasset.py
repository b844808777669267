"""Krisekompasset: the politicians' app for crisis planning (økonomiplan, personell, tilbud).

The page follows the four planning questions:

- **Hvor er vi?** the base year: folkemengde, personer 80+, netto driftsresultat, årsverk in
  helse og omsorg, users across the omsorgstrapp.
- **Hvor skal vi?** the økonomiplan years and the horizon (2040 or 2050): netto driftsresultat
  against the norm (1,75 %), the inndekningsbehov per year, cost by sector, the population by
  age group, årsverk need against supply and users across the omsorgstrapp.
- **Hvordan kommer vi dit?** the choices: terskel, tilbud, what happens when places are full,
  and the tiltak (grouped by sector, each with its start year).
- **Lykkes vi?** a signal per area (økonomi, personell, tilbudet) with a symbol and a word, not
  colour alone, and the crisis 2×2 (smalt/bredt tilbud × høy/lav terskel) with the current
  choice marked.

Below: "Slik er det regnet" (the method in words), "Forutsetninger og begrensninger" (what is
anslag), the Excel download of the current choice and the source line.

How it stays fast (≤ 150 ms from a click to new numbers): one :func:`planmodel.model.run` per
change (~4 ms once the kommune's population is projected); charts are SVG strings
(:mod:`planmodel.present.charts`), not matplotlib; the 2×2
(:func:`planmodel.analysis.crisis.crisis_matrix`) is cached and recomputed only when something
it depends on changes.

**The 2×2** shows netto driftsresultat and inndekningsbehov *with the chosen tiltak*: four
``run()`` calls of the current scenario with terskel and tilbud set to the corners (~16 ms),
cached by the analysis layer, so changing terskel or tilbud reuses them; a change of kommune,
befolkningsalternativ, horisont, overflow or tiltak recomputes them.

Every number shown is a text of :func:`planmodel.present.keynumbers.key_numbers` (the same as
the brief and the Økonomiplan app); the signals of "Lykkes vi?" come from
:func:`planmodel.present.signals.crisis_signals`, the same rules as the brief.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import xarray as xr

from planmodel.analysis.choices import choice_effects
from planmodel.analysis.crisis import CORNERS, crisis_matrix, measure_conflicts, removed_by
from planmodel.analysis.measures import library_costs
from planmodel.analysis.prioritering import Prioritering, prioritize
from planmodel.analysis.samordning import with_measure_gains
from planmodel.analysis.uncertainty import sensitivity, simulate, summary as uncertainty_summary
from planmodel.core.errors import InputError, PlanmodelError
from planmodel.core.formatting import NBSP, endring, prosent, tall
from planmodel.core.labels import (BREADTH_CORNER, age_range_label, BREADTH_STEPS, INCOME_RULE_NB, INCOME_RULE_SHORT, LEVEL_SYMBOL,
                                   LEVEL_WORD, STATUS, THRESHOLD_CORNER, THRESHOLD_STEPS)
from planmodel.core.meta import SSB_CREDIT
from planmodel.core.paths import SCENARIO_DIR
from planmodel.inputs import data
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.economy import economy_with
from planmodel.inputs.kommuner import resolve_kommune
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import PlanScenario, dump_scenario, load_scenario
from planmodel.model import run
from planmodel.model.chain import INCOME_RULES
from planmodel.model.result import AMOUNT_TOLERANCE
from planmodel.present.charts import (care_chart, gap_chart, ndr_chart, population_chart, sector_chart,
                                      workforce_chart)
from planmodel.present.keynumbers import (CARE_SECTOR, assumption_text, key_numbers, lines,
                                          MIDDLE_YEAR, money_change_text, money_text, ndr_text, norm_text, shown_years)
from planmodel.present.signals import (LEVEL_COLOURS, balance_verdict, LEVELS as SIGNAL_LEVELS, Signal, crisis_signals, legend,
                                       rules_text, signal_dict)
from planmodel.widgets.common import BUSY_CLASS as BUSY_CLASS  # re-exported: tests use it
from planmodel.widgets.common import busy, user_problem
from planmodel.widgets.population_explorer import kommune_options, message_html, scenario_options
from planmodel.present.appstate import (EFFECT_STEPS, GROWTH_STEPS, HORIZONS, Choices, base_compensation, base_growth,
                                       choices_from_query, plan_periods, scenario_from_choices, scenario_of)
from planmodel.present.export import write_excel
from planmodel.present.proposals import (MAX_PROPOSALS, Proposal, comparison_html, proposal_chart, proposal_table,
                                         proposal_table_html)
from planmodel.present.report import report_html
from planmodel.present.uncertainty import fan_chart, summary_html, tornado_chart

log = logging.getLogger(__name__)

DEFAULT_KOMMUNE = "3201"  # Bærum
#: Monte Carlo draws behind the "Hvor sikkert er dette?" panel: at this count the band's P5 and P95
#: of netto driftsresultat vary with the seed by a standard deviation of about 0,2 percentage
#: points (Bærum's krisepakke, 8 seeds); a notebook can run 10 000.
UNCERTAINTY_DRAWS = 400
OVERFLOW_LABELS = {"queue": "De venter (kø)", "step_down": "De får tilbud ett trinn ned i omsorgstrappen"}
#: The build-or-wait choice (the scenario key ``services.behovsanalyse``).
BUILD_LABELS = {True: "Bygg nye plasser når behovet krever det",
                False: "Ikke bygg: de som ikke får plass, venter eller får tilbud ett trinn ned (det koster)"}
#: Signal levels: id -> (symbol, word), from :mod:`planmodel.present.signals`. The word and symbol carry
#: the meaning, colour only repeats it.
LEVELS = {level: (LEVEL_SYMBOL[level], LEVEL_WORD[level]) for level in SIGNAL_LEVELS}
#: Value of the terskel menu entry that keeps a scenario file's terskel per tjenestegruppe.
FROM_FILE = "scenariofil"
EXCEL_NAME = "krisekompasset.xlsx"
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_STYLE = {"description_width": "initial"}

_CSS = """<style>
.planmodel-krisekompasset { font-size: 16px; line-height: 1.35; }
.planmodel-krisekompasset .widget-label, .planmodel-krisekompasset select,
.planmodel-krisekompasset input, .planmodel-krisekompasset button,
.planmodel-krisekompasset .widget-checkbox label, .planmodel-krisekompasset .widget-label-basic span { font-size: 16px; }
.planmodel-krisekompasset h2 { font-size: 1.6em; margin: 22px 0 6px 0; }
.planmodel-krisekompasset h3 { font-size: 1.25em; margin: 14px 0 4px 0; }
.pm-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.planmodel-busy { cursor: progress; }
.planmodel-busy .planmodel-future svg, .planmodel-busy .planmodel-signals, .planmodel-busy .planmodel-matrix
  { opacity: 0.55; transition: opacity 0.15s 0.2s; }
.pm-cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }
.pm-card { flex: 1 1 210px; min-width: 200px; padding: 10px 14px; border: 1px solid #c8c8c8;
  border-radius: 8px; background: #f7f9fb; }
.pm-card .pm-head { font-size: 1.05em; color: #333; }
.pm-card .pm-value { font-size: 2.3em; font-weight: 700; line-height: 1.15; color: #1b4f72; }
.pm-card .pm-unit { font-size: 0.95em; color: #555; }
.pm-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px; margin: 10px 0; }
.pm-table { border-collapse: collapse; font-size: 1.1em; margin: 8px 0; }
.pm-table th, .pm-table td { padding: 5px 12px; border-bottom: 1px solid #ddd; text-align: right; }
.pm-table th[scope=row] { text-align: left; }
.pm-table caption { text-align: left; font-weight: 700; padding: 4px 0; }
.pm-signal { border-left: 12px solid; border-radius: 6px; padding: 10px 14px; margin: 8px 0; font-size: 1.1em; }
.pm-signal .pm-level { font-size: 1.35em; font-weight: 700; }
.pm-matrix td, .pm-matrix th { vertical-align: top; text-align: left; padding: 8px 12px; border: 1px solid #bbb; }
.pm-matrix td.pm-current { outline: 4px solid #1b4f72; outline-offset: -4px; background: #eef4fa; }
.pm-panel { padding: 12px 16px; border: 1px solid #c8c8c8; border-radius: 8px; background: #fcfcfc;
  max-width: 75em; margin: 12px 0; }
.pm-measure-desc { font-size: 0.9em; color: #555; margin: 0 0 6px 28px; max-width: 60em; }
.planmodel-krisekompasset .planmodel-title h2 { margin: 2px 0; }
.pm-subtitle { font-size: 1em; color: #333; }
.pm-verdict-box { margin: 4px 0; }
.pm-verdict { border-left: 14px solid; border-radius: 8px; padding: 8px 12px; font-size: 1.2em; display: flex;
  gap: 10px; align-items: baseline; }
.pm-verdict-symbol { font-size: 1.5em; font-weight: 700; line-height: 1; }
.pm-verdict-box .pm-table { font-size: 0.95em; margin: 2px 0; line-height: 1.2; }
.pm-verdict-box .pm-table th, .pm-verdict-box .pm-table td { padding: 2px 7px; }
.pm-verdict-box .pm-table th[scope=row] { font-weight: 600; max-width: 16em; }
.pm-verdict-box .pm-table caption { font-weight: 400; font-size: 0.95em; color: #333; }
.pm-verdict-box .pm-other-rule { color: #555; font-size: 0.85em; }
.pm-verdict-box .pm-other-rule th { font-weight: 400; }
.planmodel-top-controls .widget-dropdown, .planmodel-top-controls .widget-label { margin-top: 1px; margin-bottom: 1px; }
.pm-effects-box p, .pm-effects-box td, .pm-effects-box th { line-height: 1.25; }
.pm-chips { display: flex; flex-wrap: wrap; gap: 6px 10px; margin: 4px 0; }
.pm-chip { border: 1px solid; border-left-width: 8px; border-radius: 6px; padding: 3px 10px; font-size: 0.95em; }
.pm-stale { background: #eeeeee; border: 2px dashed #555; padding: 6px 10px; margin-bottom: 6px; }
.pm-is-stale .pm-verdict, .pm-is-stale table, .pm-is-stale .pm-chips { opacity: 0.55; }
.pm-conflict { color: #8a1c1c; background: #fdecee; border-left: 6px solid #b00020; padding: 4px 8px; margin: 4px 0;
  max-width: 48em; }
.pm-measure-cost { font-size: 0.92em; color: #1b4f72; margin: 0 0 2px 28px; }
.pm-measure-cost.pm-not-chosen { color: #555; }
.pm-explain { margin: 0 0 6px 0; max-width: 48em; font-size: 0.95em; color: #333; }
.pm-explain-list { font-size: 0.92em; max-width: 60em; color: #333; padding-left: 1.2em; }
.pm-effects-box h3 { font-size: 1.15em; }
.pm-effects th, .pm-effects td { padding: 3px 8px; font-size: 0.95em; }
.pm-effects tr.pm-total th, .pm-effects tr.pm-total td { font-weight: 700; border-top: 2px solid #888; }
@media print { .planmodel-krisekompasset .widget-dropdown, .planmodel-krisekompasset .widget-button,
  .planmodel-krisekompasset .widget-slider, .planmodel-krisekompasset .widget-text { display: none; } }
</style>"""


# =============================================================================================
# Pure helpers: years, key numbers, signals, the 2×2 (no widgets)
# =============================================================================================

def _plan_text(plan: list[int]) -> str:
    return f"{plan[0]}–{plan[-1]}"


def signals(ds: xr.Dataset) -> dict[str, tuple[str, str]]:
    """The three signals of "Lykkes vi?" (:func:`planmodel.present.signals.crisis_signals`, the
    same rules as the brief) as area id (see :data:`AREAS`) -> (level, text); level is
    ``"green"``, ``"amber"`` or ``"red"`` (see :data:`LEVELS`)."""
    return signal_dict(crisis_signals(ds))


def corner_summary(ds: xr.Dataset, year: int | None = None) -> dict[str, float]:
    """Key figures of the current choice in ``year`` (default: the last plan year): ``ndr``
    [share of driftsinntektene], ``gap`` [NOK 1000], ``unmet``, ``queue`` [persons]."""
    lv = lines(ds)
    year = lv.plan[-1] if year is None else year
    return {"ndr": lv.at(lv.ndr, year), "gap": lv.at(lv.gap, year), "unmet": lv.at(lv.unmet, year),
            "queue": lv.at(lv.queue, year)}


def corner_summaries(cm: xr.Dataset, year: int) -> dict[tuple[str, str], dict[str, float]]:
    """:func:`corner_summary` of each corner of a crisis 2×2
    (:func:`planmodel.analysis.crisis.crisis_matrix`) in ``year``."""
    at = cm.sel(year=year)
    ndr, gap = at["netto_driftsresultat_andel"], at["inndekningsbehov"]
    unmet, queue = at["unmet_need"].sum("threshold_group"), at["queue"].sum("capacity_group")
    return {(b, t): {"ndr": float(ndr.sel(breadth_option=b, threshold_option=t)),
                     "gap": float(gap.sel(breadth_option=b, threshold_option=t)),
                     "unmet": float(unmet.sel(breadth_option=b, threshold_option=t)),
                     "queue": float(queue.sel(breadth_option=b, threshold_option=t))} for b, t in CORNERS}


def corner_texts(summary: Mapping[str, float]) -> dict[str, str]:
    """A corner's figures formatted as shown."""
    return {"ndr": ndr_text(summary["ndr"]), "gap": money_text(summary["gap"]),
            "unmet": tall(summary["unmet"]), "queue": tall(summary["queue"])}


def current_corner(threshold, breadth: float) -> tuple[tuple[str, str] | None, bool]:
    """The corner the choice lies in and whether it is exactly that corner.

    ``(None, False)`` when terskel or tilbud is as today (0): the choice lies between corners.
    """
    th = [float(v) for v in threshold.values()] if isinstance(threshold, Mapping) else [float(threshold)]
    t = float(np.mean(th))
    b = float(breadth)
    if t == 0 or b == 0:
        return None, False
    corner = ("narrow" if b < 0 else "broad", "high" if t > 0 else "low")
    return corner, abs(b) == 1 and all(abs(v) == 1 and v == th[0] for v in th)


# =============================================================================================
# Pure helpers: HTML and charts
# =============================================================================================

def _esc(text) -> str:
    return html.escape(str(text))


def cards_html(numbers: Mapping[str, str], cards: list[tuple[str, str, str]]) -> str:
    """Cards of key numbers; each number alone in an element with ``data-key=<id>`` holding
    exactly ``numbers[id]``. ``cards``: (id, heading, unit)."""
    out = []
    for key, title, unit in cards:
        size = ' style="font-size:1.75em"' if len(numbers[key]) > 10 else ""  # "11 236,7 mill. kr" fits
        out.append(f'<div class="pm-card"><div class="pm-head">{_esc(title)}</div>'
                   f'<div class="pm-value" data-key="{key}"{size}>{_esc(numbers[key])}</div>'
                   f'<div class="pm-unit">{_esc(unit)}</div></div>')
    return f'<div class="pm-cards">{"".join(out)}</div>'


def now_html(ds: xr.Dataset, numbers: Mapping[str, str]) -> str:
    """Hvor er vi? The base year in cards."""
    b = ds.plan.base_year
    acc = ds.plan.accounts_year
    cards = [("folkemengde_i_dag", f"Folkemengde 1.1.{b}", "personer"),
             ("personer_80_i_dag", f"{age_range_label(80)}, {b}", "personer"),
             ("ndr_andel_i_dag", f"Netto driftsresultat, regnskap {acc}", "% av driftsinntektene (kommunens regnskap, KOSTRA)"),
             ("arsverk_ho_i_dag", f"Årsverk i helse og omsorg {b}", "årsverk (beregnet)"),
             ("brukere_omsorgstrapp_i_dag", f"Brukere i omsorgstrappen {b}", "personer, alle fem nivåer")]
    return cards_html(numbers, cards)


def okonomiplan_table_html(ds: xr.Dataset, numbers: Mapping[str, str]) -> str:
    """Netto driftsresultat and inndekningsbehov per year (plan years, 2035, horizon), compact: the
    norm, the income rule and the prices are in the caption; the other income rule's rows follow
    in grey for comparison."""
    years = shown_years(ds)
    plan = set(ds.plan.years)
    head = "".join(f'<th scope="col">{y}{"" if y in plan else "*"}</th>' for y in years)
    norm = norm_text(ds.plan.target_share)
    ndr = "".join(f'<td data-key="ndr_andel_{y}">{_esc(numbers[f"ndr_andel_{y}"])}</td>' for y in years)
    gap = "".join(f'<td data-key="inndekning_{y}">{_esc(numbers[f"inndekning_{y}"])}</td>' for y in years)
    rule = str(ds.attrs.get("income_rule", ""))
    chosen = f", {INCOME_RULE_SHORT[rule]}" if rule in INCOME_RULE_SHORT else ""
    other_rows = ""
    for other in (r for r in INCOME_RULE_SHORT if r != rule and f"ndr_andel_{r}_{years[0]}" in numbers):
        cells = "".join(f'<td data-key="ndr_andel_{other}_{y}">{_esc(numbers[f"ndr_andel_{other}_{y}"])}</td>'
                        for y in years)
        gcells = "".join(f'<td data-key="inndekning_{other}_{y}">{_esc(numbers[f"inndekning_{other}_{y}"])}</td>'
                         for y in years)
        other_rows += (f'<tr class="pm-other-rule"><th scope="row">Til sammenligning {INCOME_RULE_SHORT[other]}: '
                       f"netto driftsresultat</th>{cells}</tr>"
                       f'<tr class="pm-other-rule"><th scope="row">Til sammenligning {INCOME_RULE_SHORT[other]}: '
                       f"inndekningsbehov</th>{gcells}</tr>")
    return ('<table class="pm-table planmodel-okonomiplan-table">'
            f"<caption>Økonomiplan {_esc(ds.attrs.get('plan_period', ''))} og langsikt (*), faste "
            f"{_esc(ds.attrs.get('price_year', ''))}-priser{_esc(chosen)}; norm {_esc(norm)}</caption>"
            f'<thead><tr><th scope="col" style="text-align:left">År</th>{head}</tr></thead><tbody>'
            f'<tr><th scope="row">Netto driftsresultat, % av driftsinntektene</th>{ndr}</tr>'
            f'<tr><th scope="row">Inndekningsbehov (det som mangler til normen)</th>{gap}</tr>'
            f"{other_rows}</tbody></table>")


def future_html(ds: xr.Dataset, numbers: Mapping[str, str], place: str) -> str:
    """Hvor skal vi? Key numbers, the økonomiplan table and the charts."""
    plan, h = ds.plan.years, ds.plan.horizon
    b, last = ds.plan.base_year, plan[-1]
    econ = [("ndr_laveste_plan", f"Laveste netto driftsresultat {_plan_text(plan)}", "% av driftsinntektene"),
            ("inndekning_plan", f"Inndekningsbehov {_plan_text(plan)}", "sum for perioden, faste priser"),
            ("forste_ar_under_normen", "Første år under normen",
             f"netto driftsresultat under {norm_text(ds.plan.target_share)}"),
            (f"ndr_{h}", f"Netto driftsresultat {h}", "faste priser"),
            ("investeringer_andel_maks", "Høyeste investeringsår",
             f"brutto investeringer i % av driftsinntektene ({numbers.get('investeringer_andel_maks_ar', '')})")]
    people = [("folkemengde_horisont", f"Folkemengde {h}", "personer"),
              ("personer_80_horisont", f"{age_range_label(80)}, {h}", "personer"),
              ("vekst_80", f"Vekst i {age_range_label(80)}", f"fra {b} til {h}"),
              ("kostnad_sektorer_plan", f"Sektorrammer i alt {last}", "netto, faste priser"),
              ("kostnad_sektorer_horisont", f"Sektorrammer i alt {h}", "netto, faste priser")]
    work = [("arsverk_ho_horisont", f"Årsverk i helse og omsorg {h}", "behov"),
            ("arsverk_gap_ho_plan", f"Mangel på årsverk, helse og omsorg {last}",
             "behov minus tilgang (minus = overskudd)"),
            ("arsverk_gap_ho_horisont", f"Mangel på årsverk, helse og omsorg {h}", "behov minus tilgang"),
            ("arsverk_gap_total_horisont", f"Mangel på årsverk, alle sektorer {h}",
             "behov minus tilgang; sektorer med overskudd (minus) trekker fra, så tallet kan være lavere "
             "enn mangelen i helse og omsorg alene"),
            ("brukere_omsorgstrapp_horisont", f"Brukere i omsorgstrappen {h}", "personer"),
            ("ventende_plan", f"Ventende på plass {last}", "personer (sykehjem og heldøgns omsorgsbolig)"),
            ("ventekostnad_plan", f"Ventekostnad {last}",
             "for de som venter på plass eller får tilbud ett trinn ned (sykehus, tunge hjemmetjenester)"),
            ("udekket_behov_plan", f"Udekket behov {last}",
             "personer som ville fått lette tjenester ved lav terskel; også dagens terskel gir udekket behov, "
             "signalet for tilbudet ser på endringen fra i dag")]
    charts = [ndr_chart(ds, place), gap_chart(ds), sector_chart(ds), population_chart(ds),
              workforce_chart(ds, CARE_SECTOR, "kk-fte-ho"), workforce_chart(ds, None, "kk-fte-total"),
              care_chart(ds)]
    return ("<h3>Økonomien</h3>" + cards_html(numbers, econ)
            + f'<div class="pm-grid">{charts[0]}{charts[1]}</div>'
            + "<h3>Befolkning og kostnader</h3>" + cards_html(numbers, people)
            + f'<div class="pm-grid">{charts[2]}{charts[3]}</div>'
            + "<h3>Personell og tjenester</h3>" + cards_html(numbers, work)
            + f'<div class="pm-grid">{charts[4]}{charts[5]}{charts[6]}</div>')


def signals_html(sig: list[Signal]) -> str:
    """The signals (:func:`planmodel.present.signals.crisis_signals`) as cards: symbol, word and colour
    name, headline and text (colour only repeats them)."""
    out = []
    for s in sig:
        edge, bg = LEVEL_COLOURS[s.level]
        out.append(f'<div class="pm-signal" data-signal="{s.area}" data-level="{s.level}" '
                   f'style="border-left-color:{edge};background:{bg}">'
                   f'<div class="pm-level" style="color:{edge}"><span aria-hidden="true">{s.symbol}</span> '
                   f'{_esc(s.title)}: {_esc(s.word)} ({_esc(s.level_nb)})</div>'
                   f'<div class="pm-headline"><strong>{_esc(s.headline)}</strong></div><div>{_esc(s.text)}</div></div>')
    note = f'<p style="max-width:60em;font-size:0.95em;color:#444">{_esc(legend())}</p>'
    return f'<div aria-live="polite">{"".join(out)}</div>{note}'


def failing_html(corners: Mapping[tuple[str, str], Mapping[str, float]], year: int) -> str:
    """What failing means: the ways to close the gap, with the 2×2's cheapest corner."""
    cheap = corners.get(("narrow", "high"))
    example = ""
    if cheap is not None:
        t = corner_texts(cheap)
        example = (f" Det strammeste hjørnet (smalt tilbud, høy terskel) gir netto driftsresultat {t['ndr']} i "
                   f"{year}, men {t['unmet']} personer med udekket behov.")
    return ('<p style="max-width:60em"><strong>Hva betyr det å ikke lykkes?</strong> Når økonomien ikke er i '
            "balanse, må gapet dekkes inn: med <em>høyere terskel</em> (færre får lette tjenester, og senere), "
            "<em>dårligere tilbud</em> (valgfrie tjenester fjernes eller halveres), kø eller tilbud ett trinn ned "
            "når plassene er fulle – eller med tiltak som gir like gode tjenester med mindre ressurser."
            f"{_esc(example)}</p>")


def corner_first_below(cm: xr.Dataset, ds: xr.Dataset) -> dict[tuple[str, str], int | None]:
    """Per corner of a 2×2, the first judged year (plan years and on to the horizon) with netto
    driftsresultat below the norm (an inndekningsbehov above the tolerance of
    :meth:`planmodel.model.result` ``below_norm``), or None."""
    years = ds.plan.judged_years
    gap = cm["inndekningsbehov"].sel(year=years)
    out = {}
    for b, t in CORNERS:
        vals = gap.sel(breadth_option=b, threshold_option=t).values
        below = [y for y, g in zip(years, vals) if g > AMOUNT_TOLERANCE]
        out[(b, t)] = below[0] if below else None
    return out


def matrix_html(corners: Mapping[tuple[str, str], Mapping[str, float]], current: Mapping[str, float],
                threshold, breadth: float, year: int, omitted: list[str] = (),
                first_below: Mapping[tuple[str, str], int | None] | None = None) -> str:
    """The crisis 2×2 (rows smalt/bredt tilbud, columns høy/lav terskel) in ``year``, the
    current choice's corner marked with a border and a text, and the current choice below.
    ``omitted``: titles of tiltak left out of the smalt corners
    (:func:`planmodel.analysis.crisis.corner_scenarios`)."""
    corner, exact = current_corner(threshold, breadth)
    head = "".join(f'<th scope="col">{_esc(THRESHOLD_CORNER[t])}</th>' for t in ("high", "low"))
    rows = []
    for b in ("narrow", "broad"):
        cells = []
        for t in ("high", "low"):
            tx = corner_texts(corners[(b, t)])
            mark, cls = "", ""
            if corner == (b, t):
                cls = ' class="pm-current"'
                mark = ('<div style="font-weight:700">◆ Ditt valg</div>' if exact
                        else '<div style="font-weight:700">◇ Nærmest ditt valg</div>')
            cells.append(f'<td data-corner="{b}-{t}"{cls}>{mark}'
                         f'Netto driftsresultat: <strong>{_esc(tx["ndr"])}</strong><br>'
                         f'Inndekningsbehov: <strong>{_esc(tx["gap"])}</strong><br>'
                         f'Udekket behov: {_esc(tx["unmet"])} personer<br>Ventende: {_esc(tx["queue"])} personer'
                         + (f'<br><span class="pm-first-below">{_esc(_first_below_text(first_below[(b, t)]))}</span>'
                            if first_below is not None else "") + "</td>")
        rows.append(f'<tr><th scope="row">{_esc(BREADTH_CORNER[b])}</th>{"".join(cells)}</tr>')
    cur = corner_texts(current)
    where = ("" if corner is not None else
             " Ditt valg har terskel eller tilbud som i dag og ligger mellom hjørnene.")
    return (f'<table class="pm-table pm-matrix"><caption>{year}, med valgte tiltak, '
            f'befolkningsalternativ og kapasitet</caption><thead><tr><td></td>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            + '<ul class="pm-explain-list">' + "".join(f"<li><strong>{_esc(k)}:</strong> {_esc(v)}</li>"
                                                      for k, v in MATRIX_EXPLAIN) + "</ul>"
            f'<p data-corner="current">Ditt valg i {year}: netto driftsresultat <strong>{_esc(cur["ndr"])}</strong>, '
            f'inndekningsbehov <strong>{_esc(cur["gap"])}</strong>, udekket behov {_esc(cur["unmet"])} personer, '
            f"ventende {_esc(cur['queue'])} personer.{_esc(where)}</p>"
            + (f"<p>I hjørnene med smalt tilbud er {_esc(_join(omitted))} tatt ut: "
               f"{'tiltaket' if len(omitted) == 1 else 'tiltakene'} virker på tjenester "
               "som et smalt tilbud fjerner.</p>" if omitted else ""))


def _first_below_text(year: int | None) -> str:
    return "Under normen fra " + str(year) if year is not None else "Minst normen hvert år"


#: One line per figure of the 2×2 that needs it ("hva betyr dette").
MATRIX_EXPLAIN = (
    ("Netto driftsresultat", "i prosent av driftsinntektene; normen er målet kommunen har satt."),
    ("Inndekningsbehov", "det som mangler for å nå normen det året, i mill. kr. 0,0 mill. kr betyr at normen er nådd "
     "det året – se «Under normen fra» for når gapet åpner seg."),
    ("Udekket behov", "personer som ville fått lette tjenester (som hjemmehjelp) ved lav terskel, men ikke ved "
     "terskelen i hjørnet. Også dagens terskel gir udekket behov målt mot lav terskel; signalet for tilbudet ser "
     "på endringen fra i dag og på om plassene er fulle, ikke på dette tallet alene."),
    ("Ventende", "personer som trenger plass i sykehjem eller heldøgns omsorgsbolig når plassene er fulle."),
)


def _join(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def method_html(ds: xr.Dataset, scenario: PlanScenario) -> str:
    """"Slik er det regnet": the method in plain language, key equations in words, calibration."""
    eco = economy_with(dict(scenario.economy), "scenario")
    demo = SCENARIOS.get(scenario.demographic)
    share = ds.plan.target_share
    items = [
        ("Befolkningen", f"Framskrevet år for år fra befolkningen 1. januar {ds.plan.base_year} (SSB): de som lever "
         "blir ett år eldre, dødsfall og fødsler etter alder, og inn- og utflytting etter kommunens eget mønster. "
         f"Alternativ: {demo.label if demo else scenario.demographic}."),
        ("Brukere", "Brukere av en tjeneste = dekningsgrad for hver alder × antall innbyggere i den alderen. "
         "Dekningsgradene er kalibrert slik at basisåret gir kommunens egne brukertall i KOSTRA der de finnes."),
        ("Terskel og tilbud", "Høy terskel betyr at færre får lette tjenester og at de får dem senere, mens flere "
         "etter hvert trenger tyngre tjenester. Smalt tilbud betyr at valgfrie tjenester fjernes eller halveres; "
         "lovpålagte tjenester er alltid med. Udekket behov = de som lette tjenester ville nådd ved lav terskel, "
         "men ikke ved valgt terskel."),
        ("Plasser og kø", "Nye plasser i barnehage, skole, sykehjem og heldøgns omsorgsbolig bygges når behovet "
         "krever det (behovsanalyse), i enheter tilpasset kommunen (en bogruppe, en avdeling, en klasse), og "
         "investeringen går inn i økonomiplanen. Velger du å ikke bygge, venter de som trenger plass (kø), eller "
         "de får tilbud ett trinn ned i omsorgstrappen. Å vente koster: de som venter på sykehjemsplass, ligger "
         "ofte på sykehus som utskrivningsklare (kommunen betaler døgnpris) eller får tunge hjemmetjenester."),
        ("Kostnad og årsverk", "Kostnad = brukere × kostnad per bruker; årsverk = brukere × årsverk per bruker. "
         "Tiltakene endrer dekningsgrad, kostnad eller årsverk per bruker, flytter brukere ned i "
         "omsorgstrappen eller gir frivillige timer, og har egne drifts- og investeringskostnader."),
        ("Personell", "Tilgangen på årsverk antas å følge befolkningen 20–66 år (samme andel som i basisåret). "
         "Mangel = behov minus tilgang."),
        ("Regnskapet", f"Første år er kommunens eget regnskap {ds.plan.accounts_year} (KOSTRA) og inntektssystemet "
         f"{ds.plan.accounts_year}: frie inntekter, driftsinntekter, netto driftsresultat og lånegjeld. Kostnaden per "
         "bruker i hver tjeneste er justert slik at barnehage, grunnskole, helse og omsorg, sosial og barnevern "
         "koster det de gjorde i regnskapet; resten av regnskapet er én linje («øvrige»)."),
        ("Frie inntekter", "Skatt og rammetilskudd følger inntektssystemet: innbyggertilskudd, skatt og "
         "inntektsutjevning følger folketallet, og utgiftsutjevningen følger kommunens alderssammensetning mot "
         "landets (kostnadsnøkkelen). "
         + ("Staten kompenserer demografikostnadene for landet som helhet (som TBU beregner dem)."
            if eco.demographic_compensation.value > 0 else
            "Valgt: uten demografikompensasjon, frie inntekter per innbygger holdes fast.")
         + " Tabellen viser begge inntektsreglene side om side."),
        ("Renter og avdrag", f"Renter = nominell rente {prosent(eco.interest_rate.value, 2)} på den rentebærende "
         "delen av lånegjelden; avdrag = gjelden delt på avdragstiden. Gjelden i faste priser minker med "
         "prisveksten; nye lån finansierer investeringene."),
        ("Netto driftsresultat", "Netto driftsresultat = frie inntekter − netto driftsutgifter i sektorene − "
         "øvrige netto driftsutgifter − renter − avdrag. I prosent: netto driftsresultat delt på driftsinntektene."),
        ("Inndekningsbehov", f"Inndekningsbehov = {norm_text(share)} av driftsinntektene minus netto "
         "driftsresultat, når det er positivt: det kommunen må finne for å nå normen det året."),
        ("Signalene", rules_text()),
        ("Fire hjørner", "Tabellen med fire hjørner er fire fulle beregninger med valgt kommune, "
         "befolkningsalternativ, kapasitet og tiltak, der bare terskel og tilbud settes til ytterpunktene."),
    ]
    li = "".join(f"<li><strong>{_esc(k)}.</strong> {_esc(v)}</li>" for k, v in items)
    return ('<details class="pm-panel planmodel-method"><summary style="font-size:1.2em;font-weight:700;'
            'cursor:pointer">Slik er det regnet</summary>'
            f"<ul>{li}</ul><p><strong>Kalibrering.</strong> {_esc(ds.attrs.get('calibration', ''))}</p>"
            f"<p>Alle beløp er i faste {_esc(ds.attrs.get('price_year', ''))}-priser. Tallene er beregninger under "
            "forutsetningene nedenfor, ikke prognoser.</p></details>")


def _status_counts(values) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[STATUS.get(v.status, v.status)] = counts.get(STATUS.get(v.status, v.status), 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "ingen"


def assumptions_html(ds: xr.Dataset, scenario: PlanScenario) -> str:
    """"Forutsetninger og begrensninger": which values are anslag (service catalogue, tiltak
    library), the economy assumptions with sources and the calibrated frie inntekter."""
    catalogue = load_catalogue(scenario.catalogue)
    library = load_library(scenario.library, catalogue)
    table = catalogue.parameter_table()
    cols = {"dekningsgrad_status": "dekningsgrader", "enhetskostnad_status": "kostnader per bruker",
            "årsverk_status": "årsverk per bruker"}
    counts = []
    for col, name in cols.items():
        vc = table[col].value_counts()
        counts.append(f"{name}: " + ", ".join(f"{int(vc.get(s, 0))} {s}" for s in ("kilde", "beregnet", "anslag")))
    guessed = sorted(set(table.loc[(table["enhetskostnad_status"] == "anslag") | (table["årsverk_status"] == "anslag"),
                                   "tjeneste"]))
    chosen = {m.id for m in scenario.measures}
    rows = []
    for mid, m in library.measures.items():
        effects = _status_counts([e.change for e in m.effects])
        ranged = any(e.change.low is not None for e in m.effects)
        costs = _status_counts(list(m.operating.values()) + list(m.investment.values()))
        rows.append(f'<tr><th scope="row">{_esc(m.title)}{" (valgt)" if mid in chosen else ""}</th>'
                    f'<td style="text-align:left">{_esc(effects)}{" (med spenn)" if ranged else ""}</td>'
                    f'<td style="text-align:left">{_esc(costs)}</td></tr>')
    eco = economy_with(dict(scenario.economy), "scenario")
    eco_rows = "".join(
        f'<tr><th scope="row">{_esc(v.label)}</th><td>{_esc(assumption_text(v))}</td>'
        f'<td style="text-align:left">{_esc(STATUS.get(v.status, v.status))}</td>'
        f'<td style="text-align:left;max-width:40em">{_esc(v.source)}</td></tr>' for k, v in eco.items())
    fi = float(ds.attrs.get("free_income_per_capita_accounts", math.nan))
    fi_text = (f"Frie inntekter per innbygger i regnskapsåret {ds.plan.accounts_year}: {tall(fi)}{NBSP}kr (kommunens "
               f"skatt og rammetilskudd, inntektssystemet {ds.plan.accounts_year}, KDD), mot landets "
               f"{tall(float(ds.attrs.get('national_free_income_per_capita', math.nan)))}{NBSP}kr.")
    warnings = ds.plan.warnings
    limits = ["Kostnaden per bruker er katalogens, justert per tjenesteområde til kommunens regnskap; "
              "fordelingen mellom tjenestene i et område er katalogens.",
              "Virkningene av terskel, tilbud og tiltak er anslag med spenn, ikke estimater.",
              "Tilgangen på personell er en forenkling (samme andel av befolkningen 20–66 år), ikke en "
              "arbeidsmarkedsmodell.",
              "Utgiftsutjevningen følger bare alderskriteriene i kostnadsnøkkelen; de andre kriteriene holdes som i "
              "basisåret (kriteriedataene per kommune finnes ikke i dataene).",
              "Disposisjonsfond og løpende investeringer per kommune finnes ikke i dataene; landets andeler brukes.",
              "Alle beløp i faste priser; lønns- og prisvekst utover deflatoren er ikke med."]
    return ('<section class="pm-panel planmodel-assumptions"><h3 style="margin-top:0">Forutsetninger og '
            "begrensninger</h3>"
            f"<p><strong>Tjenestekatalogen</strong> ({len(catalogue.services)} tjenester): "
            f"{_esc('; '.join(counts))}. Kostnad eller årsverk er anslag for: {_esc(', '.join(guessed) or 'ingen')}.</p>"
            '<table class="pm-table"><caption>Tiltaksbiblioteket: status for virkninger og kostnader</caption>'
            '<thead><tr><th scope="col" style="text-align:left">Tiltak</th><th scope="col" style="text-align:left">'
            'Virkninger</th><th scope="col" style="text-align:left">Kostnader</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p><strong>{_esc(fi_text)}</strong></p>"
            + (f"<p><strong>Merknader til dataene:</strong></p><ul>{''.join(f'<li>{_esc(w)}</li>' for w in warnings)}</ul>"
               if warnings else "")
            +
            '<table class="pm-table"><caption>Økonomiske forutsetninger</caption><thead><tr>'
            '<th scope="col" style="text-align:left">Forutsetning</th><th scope="col">Verdi</th>'
            '<th scope="col" style="text-align:left">Status</th><th scope="col" style="text-align:left">Kilde</th>'
            f"</tr></thead><tbody>{eco_rows}</tbody></table>"
            f"<p><strong>Begrensninger</strong></p><ul>{''.join(f'<li>{_esc(x)}</li>' for x in limits)}</ul>"
            f"<p><strong>Kilder:</strong> {_esc(ds.attrs.get('sources', ''))}.</p></section>")


def footer_html() -> str:
    """Source line: SSB (CC BY 4.0), HMD, HFD and KOSTRA."""
    return ('<footer class="planmodel-credit" style="font-size:0.95em;color:#444;border-top:1px solid #ccc;'
            f'padding-top:6px;margin-top:8px">{_esc(SSB_CREDIT)} Dødelighet: {_esc(data.SRC_HMD)}. '
            f"Fruktbarhet: {_esc(data.SRC_HFD)}. Tjenester og økonomi: KOSTRA 2025 (SSB) og planmodels "
            "tjenestekatalog og tiltaksbibliotek.</footer>")


def excel_link_html(content: bytes, name: str = EXCEL_NAME) -> str:
    """A download link holding the workbook as a data URL (:func:`data_link_html`)."""
    return data_link_html(content, name, EXCEL_MIME, f"Last ned {name}", "planmodel-excel-link")


def build_excel(ds: xr.Dataset, scenario: PlanScenario, scenario_text: str | None = None,
                scenario_path: str | None = None) -> bytes:
    """The result as an Excel workbook (:func:`planmodel.present.export.write_excel`, with gevinst
    per tiltak), as bytes."""
    with tempfile.TemporaryDirectory(prefix="krisekompasset-") as tmp:
        path = Path(tmp) / EXCEL_NAME
        write_excel(with_measure_gains(ds, scenario), path, scenario_text=scenario_text,
                    scenario_path=scenario_path, scenario=scenario)
        return path.read_bytes()


# =============================================================================================
# The verdict first: balance, the gap per year, the other signals, what the choices change
# =============================================================================================

def verdict_html(ds: xr.Dataset, numbers: Mapping[str, str], sig: list[Signal], stale: str = "") -> str:
    """The verdict at the top: one sentence and one colour for the økonomi
    (:func:`planmodel.present.signals.balance_verdict`, the same rule as the signal and the brief), the gap and netto driftsresultat per year (plan years, 2035, horizon),
    and the personell and tilbud signals as one line each. ``stale``: why the current choice could
    not be computed (the figures are then the last valid choice's, and the panel says so)."""
    eco = next(s for s in sig if s.area == "okonomi")
    edge, bg = LEVEL_COLOURS[eco.level]
    chips = "".join(
        f'<div class="pm-chip" data-signal-chip="{s.area}" data-level="{s.level}" '
        f'style="border-color:{LEVEL_COLOURS[s.level][0]};background:{LEVEL_COLOURS[s.level][1]}">'
        f'<span aria-hidden="true" style="color:{LEVEL_COLOURS[s.level][0]};font-weight:700">{s.symbol}</span> '
        f"<strong>{_esc(s.title)}: {_esc(s.word)}</strong> – {_esc(s.headline)}</div>"
        for s in sig if s.area != "okonomi")
    notice = (f'<div class="pm-stale" role="alert" data-stale="true"><strong>Valget ditt kan ikke beregnes:</strong> '
              f"{_esc(stale)} Tallene under er fra forrige gyldige valg.</div>" if stale else "")
    return (f'<section class="pm-verdict-box{" pm-is-stale" if stale else ""}" aria-label="Svaret">{notice}'
            f'<div class="pm-verdict" data-verdict-level="{eco.level}" style="border-color:{edge};background:{bg}">'
            f'<span class="pm-verdict-symbol" aria-hidden="true" style="color:{edge}">{eco.symbol}</span>'
            f'<span data-key="verdict"><strong>{_esc(eco.word)} ({_esc(eco.level_nb)}):</strong> '
            f"{_esc(balance_verdict(ds).sentence)}</span></div>"
            f'<div class="pm-chips">{chips}</div>' + okonomiplan_table_html(ds, numbers) + "</section>")


def effects_html(effects: xr.Dataset | None, year: int, stale: bool = False) -> str:
    """"Hva valgene endrer" in ``year``: per terskel, tilbud, places and tiltak (each alone against
    today's practice), their samspill and the total, in mill. kr of netto driftsresultat, årsverk
    and persons (:func:`planmodel.analysis.choices.choice_effects`)."""
    if effects is None:
        return ""
    e = effects.sel(year=year)
    kinds = [str(k) for k in effects["choice_kind"].values]
    n_measures = kinds.count("tiltak")
    rows = []

    def row(i: int, label: str, cls: str = "") -> str:
        cid = str(effects["choice"].values[i])
        return (f'<tr data-choice="{_esc(cid)}"{cls}><th scope="row">{_esc(label)}</th>'
                f'<td data-effect="ndr">{_esc(money_change_text(float(e["ndr"][i])))}</td>'
                f'<td data-effect="fte">{_esc(endring(float(e["fte"][i])))}</td>'
                f'<td data-effect="unmet">{_esc(endring(float(e["unmet"][i])))}</td></tr>')

    for i, kind in enumerate(kinds):
        label = str(effects["choice_label"].values[i])
        if kind == "tiltak" and n_measures > 4:
            continue  # many tiltak: one summary row here, each tiltak beside its checkbox
        rows.append(row(i, label, ' class="pm-total"' if kind == "i_alt" else ""))
    if n_measures > 4:
        idx = [i for i, k in enumerate(kinds) if k == "tiltak"]
        ndr = float(e["ndr"][idx].sum())
        fte = float(e["fte"][idx].sum())
        unmet = float(e["unmet"][idx].sum())
        rows.insert(len([k for k in kinds if k in ("terskel", "tilbud", "plasser")]),
                    f'<tr data-choice="tiltak"><th scope="row">{n_measures} tiltak (hvert for seg, summert; '
                    f"se ved hvert tiltak)</th><td data-effect=\"ndr\">{_esc(money_change_text(ndr))}</td>"
                    f'<td data-effect="fte">{_esc(endring(fte))}</td><td data-effect="unmet">{_esc(endring(unmet))}</td></tr>')
    if len(kinds) == 1:
        body = ('<p class="pm-none">Ingen valg som skiller seg fra dagens praksis: terskel og tilbud som i dag, '
                "ingen tiltak.</p>")
    else:
        body = ('<table class="pm-table pm-effects"><thead><tr><th scope="col" style="text-align:left">Valg</th>'
                '<th scope="col">Netto driftsresultat</th><th scope="col">Årsverk (behov)</th>'
                f'<th scope="col">Udekket behov (personer)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    return (f'<section class="pm-effects-box{" pm-is-stale" if stale else ""}" aria-label="Hva valgene endrer">'
            f"<h3 style=\"margin:0 0 4px 0\">Hva valgene endrer i {year}</h3>"
            '<p class="pm-explain">Hvert valg alene mot dagens praksis (terskel og tilbud som i dag, ingen tiltak). '
            "Pluss er bedre netto driftsresultat; årsverk er endring i behovet. Samspill: valgene virker på de "
            "samme brukerne, så summen av enkeltvalgene er ikke hele endringen.</p>"
            f"{body}</section>")


def measure_note_html(effects: xr.Dataset | None, mid: str, year: int, chosen: bool, drift: float | None,
                      conflict: list[str] | None, breadth_word: str, first: int = 0) -> str:
    """The line beside a tiltak: a conflict with the tilbud, what it changes alone in ``year``
    (when chosen) or its operating cost (when not chosen) [mill. kr]."""
    if conflict:
        return (f'<div class="pm-conflict" role="alert">⚠ Virker på {_esc(_join(conflict))}, som {_esc(breadth_word)} '
                "fjerner. Velg bort tiltaket eller et bredere tilbud.</div>")
    if chosen and effects is not None and f"tiltak:{mid}" in effects["choice"].values:
        e = effects.sel(choice=f"tiltak:{mid}", year=year)
        return (f'<div class="pm-measure-cost" data-measure-cost="{_esc(mid)}">I {year}, alene mot dagens praksis: '
                f'netto driftsresultat <strong data-effect="ndr">{_esc(money_change_text(float(e["ndr"])))}</strong>, '
                f'årsverk <strong data-effect="fte">{_esc(endring(float(e["fte"])))}</strong></div>')
    if drift is not None:
        return (f'<div class="pm-measure-cost pm-not-chosen">Driftskostnad i {year} hvis valgt fra {first}: '
                f"{_esc(money_text(drift))} (gevinsten vises når tiltaket er valgt)</div>")
    return ""


def conflict_html(text: str) -> str:
    """A conflict note beside a control (empty text: nothing)."""
    return f'<div class="pm-conflict" role="alert">⚠ {_esc(text)}</div>' if text else ""


def share_html(query: str) -> str:
    """The link that carries every choice, and a script-free way to keep the address bar in step:
    the page's address is replaced with the same query (``history.replaceState``), so a reload or a
    bookmark reopens the same choices."""
    href = f"?{query}"
    q = html.escape(href, quote=True)
    return (f'<p style="margin:4px 0"><a class="planmodel-share-link" href="{q}">Lenke til akkurat dette valget</a> '
            "– høyreklikk og kopier lenken for å dele den; den åpner siden med de samme valgene "
            "(kommune, alternativ, terskel, tilbud, tiltak med startår og planperiode).</p>"
            f'<img alt="" src="data:," style="display:none" '
            f"onerror=\"try{{history.replaceState(null,'',{html.escape(repr(href), quote=True)})}}catch(e){{}}\">")


def data_link_html(content: bytes, name: str, mime: str, text: str, cls: str) -> str:
    """A download link holding ``content`` as a data URL (works offline, no server route)."""
    b64 = base64.b64encode(content).decode("ascii")
    size = tall(len(content) / 1000)
    return (f'<a class="{cls}" download="{_esc(name)}" href="data:{mime};base64,{b64}" '
            f'style="font-size:1.1em;font-weight:600">{_esc(text)} ({size}{NBSP}kB)</a>')


# =============================================================================================
# Scenario files and choices
# =============================================================================================

def shipped_scenarios(folder: Path = SCENARIO_DIR) -> dict[str, tuple[PlanScenario, Path]]:
    """The scenario files in ``scenarios/``: id -> (scenario, path), sorted by title."""
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        sc = load_scenario(path)
        out[sc.id] = (sc, path)
    return dict(sorted(out.items(), key=lambda kv: kv[1][0].title))


# =============================================================================================
# The widget
# =============================================================================================

def _html(value: str = "", cls: str | None = None) -> widgets.HTML:
    w = widgets.HTML(value)
    if cls:
        w.add_class(cls)
    return w


def _step_options(steps: Mapping[float, str]) -> list[tuple[str, float]]:
    return [(label, value) for value, label in steps.items()]


def _income_rule_options(extra: float | None = None) -> list[tuple[str, float]]:
    """The income rules as menu options (value: the demographic compensation, 1 or 0), with a
    scenario file's own partial value added when it is neither."""
    options = [(INCOME_RULE_NB[r], float(w)) for r, w in INCOME_RULES.items()]
    if extra is not None and float(extra) not in [v for _, v in options]:
        options.append((f"Demografikompensasjon {prosent(float(extra), 0)} (fra scenariofilen)", float(extra)))
    return options


def _growth_options(extra: float | None = None) -> list[tuple[str, float]]:
    options = [(label, float(v)) for v, label in GROWTH_STEPS.items()]
    if extra is not None and float(extra) not in GROWTH_STEPS:
        options.append((f"{prosent(float(extra), 1)} per år (fra scenariofilen)", float(extra)))
    return options


def view_years(plan: tuple[int, int], horizon: int) -> list[tuple[str, int]]:
    """The years the page can show in the 2×2 and the cost per choice: the last plan year, 2030
    (when it is not the same) and the horizon."""
    last = plan[1]
    out = [(f"{last} (siste planår)", last)]
    if last < MIDDLE_YEAR < horizon:
        out.append((f"{MIDDLE_YEAR}", MIDDLE_YEAR))
    if 2030 not in (y for _, y in out) and plan[0] <= 2030 < horizon:
        out.insert(0, ("2030", 2030))
    out.append((f"{horizon} (horisonten)", horizon))
    return sorted(out, key=lambda o: o[1])


class Krisekompasset(widgets.VBox):
    """The crisis-planning app for one kommune (see the module docstring).

    Parameters
    ----------
    kommune : kommune code or name (default ``"3201"``, Bærum).
    scenario : optional id of a shipped scenario file (``scenarios/<id>.yaml``) to start from.

    Attributes
    ----------
    kommune, demography, horizon, view_year, overflow, scenario_picker : Dropdown.
    plan_period : Dropdown of (first plan year, years) (:func:`planmodel.present.appstate.plan_periods`).
    threshold, breadth : Dropdown over the five steps (value -1 .. 1); ``threshold_slider``
        and ``breadth_slider`` follow them (the terskel slider runs from høy to lav).
    income_rule, growth, effect_bound : the economy assumptions the signal depends on.
    measure_boxes : dict tiltak id -> Checkbox; ``measure_starts`` : dict id -> BoundedIntText;
        ``measure_notes`` : dict id -> HTML beside it (conflict, or what it changes).
    result : the last valid :func:`planmodel.model.run` Dataset (kept when a choice conflicts).
    effects : :func:`planmodel.analysis.choices.choice_effects` of ``result``'s scenario.
    plan_scenario : the :class:`PlanScenario` of ``result``.
    stale : why the current choice could not be computed ("" when the page shows it).
    key_numbers : dict id -> the exact text shown (:func:`key_numbers`).
    signals : dict area -> (level, text) (:func:`signals`), derived from ``signal_list``.
    corners : dict (breadth, threshold) -> :func:`corner_summary` of the 2×2 in ``view_year``.
    proposals : dict name -> :class:`planmodel.present.proposals.Proposal` saved in this session.
    suggest_button, suggest_note : "Foreslå pakke" and its one-line explanation (:meth:`suggest_package`);
        ``suggestion`` : the last :class:`~planmodel.analysis.prioritering.Prioritering`.
    message : HTML with the current notice ("" when all is well).
    """

    def __init__(self, kommune: str = DEFAULT_KOMMUNE, scenario: str | None = None, **kwargs):
        kommune = resolve_kommune(kommune).code
        self._quiet = False
        self._scenarios = shipped_scenarios()
        self._base = PlanScenario(kommune=kommune)
        self.catalogue = load_catalogue()
        self.library = load_library(None, self.catalogue)
        self.result: xr.Dataset | None = None
        self.effects: xr.Dataset | None = None
        self.plan_scenario: PlanScenario = self._base
        self.stale = ""
        self.key_numbers: dict[str, str] = {}
        self.signals: dict[str, tuple[str, str]] = {}
        self.signal_list: list[Signal] = []
        self.corners: dict = {}
        self.proposals: dict[str, Proposal] = {}
        self._scenario_of: dict[str, PlanScenario] = {}
        self._compared: list[str] = []
        self._drift_cache: dict = {}
        self._corner_cache: dict = {}
        self._static_key = None

        # --- controls -----------------------------------------------------------------------
        wide = widgets.Layout(width="auto")
        self.scenario_picker = widgets.Dropdown(
            options=[("Egne valg", "")] + [(sc.title, sid) for sid, (sc, _) in self._scenarios.items()],
            value="", description="Start fra scenario", style=_STYLE, layout=widgets.Layout(width="auto", max_width="30em"),
            tooltip="Ferdige scenarioer – setter alle valgene under (og kommunen de er laget for)")
        self.kommune = widgets.Dropdown(
            options=kommune_options(), value=kommune, description="Kommune", style=_STYLE,
            layout=wide, tooltip="Velg kommune (skriv forbokstaven for å hoppe i lista)")
        self.demography = widgets.Dropdown(
            options=scenario_options(kommune), value="main", description="Befolkningsalternativ", style=_STYLE,
            layout=wide, tooltip="Forutsetninger for fruktbarhet, levealder, flytting og boligbygging")
        self.horizon = widgets.Dropdown(
            options=[(str(h), h) for h in HORIZONS], value=HORIZONS[0], description="Horisont", style=_STYLE,
            layout=wide, tooltip="Siste år i det lange perspektivet")
        self.plan_period = widgets.Dropdown(
            options=self._plan_options(HORIZONS[0]), value=(self._base.plan_period[0], 4), description="Økonomiplan",
            style=_STYLE, layout=wide,
            tooltip="Økonomiplanperioden: minst de fire neste budsjettårene (kommuneloven § 14-4); senere start "
                    "viser neste rulleringer")
        self.view_year = widgets.Dropdown(
            options=view_years(self._base.plan_period, HORIZONS[0]), value=self._base.plan_period[1],
            description="Vis året", style=_STYLE, layout=wide,
            tooltip="Året som «Hva valgene endrer» og tabellen med fire hjørner viser")
        self.threshold = widgets.Dropdown(
            options=_step_options(THRESHOLD_STEPS), value=0.0, description="Terskel", style=_STYLE, layout=wide,
            tooltip="Hvor lett det er å få hjemmetjenester og andre lette tjenester (høy terskel: færre og senere)")
        self.threshold_slider = widgets.FloatSlider(
            value=0.0, min=-1.0, max=1.0, step=0.5, readout=False, continuous_update=False,
            tooltip="Terskel: dra mot venstre for høy, mot høyre for lav", layout=widgets.Layout(width="12em"))
        self.breadth = widgets.Dropdown(
            options=_step_options(BREADTH_STEPS), value=0.0, description="Tilbud", style=_STYLE, layout=wide,
            tooltip="Hvor mange valgfrie tjenester kommunen gir (smalt: fjernes eller halveres)")
        self.breadth_slider = widgets.FloatSlider(
            value=0.0, min=-1.0, max=1.0, step=0.5, readout=False, continuous_update=False,
            tooltip="Tilbud: dra mot venstre for smalt, mot høyre for bredt", layout=widgets.Layout(width="12em"))
        self.overflow = widgets.Dropdown(
            options=[(v, k) for k, v in OVERFLOW_LABELS.items()], value="queue",
            description="Når plassene i sykehjem og heldøgns omsorgsbolig er fulle", style=_STYLE, layout=wide)
        self.build = widgets.Dropdown(
            options=[(v, k) for k, v in BUILD_LABELS.items()], value=True,
            description="Nye plasser i sykehjem og heldøgns omsorgsbolig", style=_STYLE, layout=wide,
            tooltip="Bygg i enheter tilpasset kommunen når behovet passerer dagens plasser, eller la de som "
                    "ikke får plass vente (ventetiden koster). Barnehage- og skoleplasser bygges alltid.")
        self.income_rule = widgets.Dropdown(
            options=_income_rule_options(), value=1.0, description="Frie inntekter", style=_STYLE, layout=wide,
            tooltip="Med demografikompensasjon følger inntektene inntektssystemet (staten kompenserer "
                    "befolkningsendringene); uten står de fast per innbygger")
        self.growth = widgets.Dropdown(
            options=_growth_options(), value=0.0, description="Realvekst i frie inntekter utover demografi",
            style=_STYLE, layout=wide,
            tooltip="Per innbygger og år. Standard 0 % er et anslag; statsbudsjettet 2026 ga om lag 0,9 %")
        self.effect_bound = widgets.Dropdown(
            options=[(v, k) for k, v in EFFECT_STEPS.items()], value="value", description="Tiltakenes virkning",
            style=_STYLE, layout=wide,
            tooltip="Virkningene av tiltakene er anslag med spenn; velg svakeste, midtre eller sterkeste ende")
        self.measure_boxes: dict[str, widgets.Checkbox] = {}
        self.measure_starts: dict[str, widgets.BoundedIntText] = {}
        self.measure_notes: dict[str, widgets.HTML] = {}
        for mid, m in self.library.measures.items():
            box = widgets.Checkbox(value=False, description=m.title, indent=False, tooltip=m.description,
                                   layout=widgets.Layout(width="auto"))
            box.add_class("planmodel-measure")
            box.add_class(f"planmodel-measure-{mid}")
            start = widgets.BoundedIntText(
                value=2027, min=2027, max=2040, step=1, style=_STYLE, description_allow_html=True,
                description=f'<span class="pm-sr-only">{_esc(m.title)}, </span>startår',
                tooltip=f"Startår for {m.title}", layout=widgets.Layout(width="11em"))
            start.add_class("planmodel-measure-start")
            note = _html(cls="planmodel-measure-note")
            note.add_class(f"planmodel-measure-note-{mid}")
            self.measure_boxes[mid], self.measure_starts[mid], self.measure_notes[mid] = box, start, note
        # "Foreslå pakke": the solver's tiltak for the other choices (planmodel.analysis.prioritering)
        self.suggest_button = widgets.Button(description="Foreslå pakke", layout=widgets.Layout(width="auto"),
                                             tooltip="Krysser av de tiltakene som dekker inndekningsbehovet i "
                                                     "økonomiplanen billigst, med valgene over")
        self.suggest_button.add_class("planmodel-suggest-button")
        self.suggest_note = _html(cls="planmodel-suggest-note")
        self.suggestion: Prioritering | None = None

        # --- outputs ------------------------------------------------------------------------
        self.title = _html(cls="planmodel-title")
        self.message = _html(cls="planmodel-message")
        self.verdict_view = _html(cls="planmodel-verdict")
        self.effects_view = _html(cls="planmodel-effects")
        self.breadth_note = _html(cls="planmodel-breadth-note")
        self.now_view = _html(cls="planmodel-now")
        self.future_view = _html(cls="planmodel-future")
        self.signals_view = _html(cls="planmodel-signals")
        self.failing_view = _html(cls="planmodel-failing")
        self.matrix_view = _html(cls="planmodel-matrix")
        self.method_view = _html(cls="planmodel-method-panel")
        self.assumptions_view = _html(cls="planmodel-assumptions-panel")
        self.share_view = _html(cls="planmodel-share")
        self.excel_button = widgets.Button(description="Lag Excel-fil", icon="", layout=widgets.Layout(width="auto"),
                                           tooltip="Lager en Excel-fil med økonomiplan, tiltak, tjenester og kilder")
        self.excel_link = _html(cls="planmodel-excel")
        self.notat_button = widgets.Button(description="Lag notat", icon="", layout=widgets.Layout(width="auto"),
                                           tooltip="Notat til folkevalgte for dette valget; åpne filen og skriv ut "
                                                   "til PDF fra nettleseren")
        self.notat_link = _html(cls="planmodel-notat")
        # proposals side by side
        self.proposal_name = widgets.Text(value="", placeholder="for eksempel Kommunedirektøren",
                                          description="Navn på forslaget", style=_STYLE,
                                          layout=widgets.Layout(width="26em"))
        self.save_button = widgets.Button(description="Lagre forslaget", layout=widgets.Layout(width="auto"),
                                          tooltip="Lagrer alle valgene nå under navnet")
        self.proposal_pick = widgets.SelectMultiple(options=[], value=(), rows=4, description="Sammenlign (2–4)",
                                                    style=_STYLE, layout=widgets.Layout(width="26em"))
        self.open_button = widgets.Button(description="Åpne valgt forslag", layout=widgets.Layout(width="auto"),
                                          tooltip="Setter alle valgene til det (første) valgte forslaget")
        self.delete_button = widgets.Button(description="Slett valgte forslag", layout=widgets.Layout(width="auto"))
        self.compare_view = _html(cls="planmodel-compare")
        self.compare_notat_link = _html(cls="planmodel-compare-notat")
        self.uncertainty_button = widgets.Button(description="Hvor sikkert er dette?", layout=widgets.Layout(width="auto"),
                                                 tooltip=f"Beregner økonomiplanen med {UNCERTAINTY_DRAWS} trekk av "
                                                         "usikre forutsetninger (tar noen sekunder)")
        self.uncertainty_button.add_class("planmodel-uncertainty-button")
        self.uncertainty_view = _html(cls="planmodel-uncertainty")
        self.uncertainty_for: str | None = None  # the fingerprint of the scenario the panel shows
        for w, name in [(self.scenario_picker, "scenario"), (self.kommune, "kommune"),
                        (self.demography, "demography"), (self.horizon, "horizon"), (self.plan_period, "plan-period"),
                        (self.view_year, "view-year"), (self.threshold, "threshold"),
                        (self.threshold_slider, "threshold-slider"), (self.breadth, "breadth"),
                        (self.breadth_slider, "breadth-slider"), (self.overflow, "overflow"),
                        (self.build, "build"), (self.income_rule, "income-rule"), (self.growth, "growth"),
                        (self.effect_bound, "effect-bound"), (self.excel_button, "excel-button"),
                        (self.notat_button, "notat-button"), (self.proposal_name, "proposal-name"),
                        (self.save_button, "save-proposal"), (self.proposal_pick, "proposal-pick"),
                        (self.open_button, "open-proposal"), (self.delete_button, "delete-proposal")]:
            w.add_class(f"planmodel-{name}")

        row = dict(flex_flow="row wrap", gap="4px 20px", align_items="center")
        top_controls = widgets.HBox([self.kommune, self.scenario_picker, self.demography, self.horizon,
                                     self.plan_period, self.view_year], layout=widgets.Layout(**row))
        top_controls.add_class("planmodel-top-controls")

        def slider_row(left: str, slider: widgets.FloatSlider, right: str) -> widgets.HBox:
            # the end labels are for the eye; the menu beside the slider carries the accessible name
            return widgets.HBox([_html(f'<span aria-hidden="true">{left}</span>'), slider,
                                 _html(f'<span aria-hidden="true">{right}</span>')],
                                layout=widgets.Layout(align_items="center", gap="6px"))

        pair = dict(align_items="center", gap="4px 16px", flex_flow="row wrap")
        th_box = widgets.VBox([widgets.HBox([self.threshold, slider_row("høy", self.threshold_slider, "lav")],
                                            layout=widgets.Layout(**pair))])
        br_box = widgets.VBox([widgets.HBox([self.breadth, slider_row("smalt", self.breadth_slider, "bredt")],
                                            layout=widgets.Layout(**pair)), self.breadth_note])
        options_box = widgets.VBox([
            _html("<h3>Krisevalg</h3><p class='pm-explain'>Terskel og tilbud gjelder omsorgstjenestene og de "
                  "valgfrie tjenestene; slidere og lister viser det samme valget.</p>"),
            th_box, br_box, self.build, self.overflow,
            _html("<h3>Økonomiske forutsetninger</h3><p class='pm-explain'>Signalet og svaret øverst avhenger av "
                  "disse; økonomiplantabellen viser alltid begge inntektsreglene.</p>"),
            self.income_rule, self.growth, self.effect_bound])
        sectors: dict[str, list] = {}
        for mid, m in self.library.measures.items():
            sectors.setdefault(m.sector, []).append(
                widgets.VBox([widgets.HBox([self.measure_boxes[mid], self.measure_starts[mid]],
                                           layout=widgets.Layout(align_items="center", gap="12px", flex_flow="row wrap")),
                              self.measure_notes[mid],
                              _html(f'<div class="pm-measure-desc">{_esc(m.description)}</div>')]))
        measure_groups = [_html("<h3>Tiltak</h3><p class='pm-explain'>Kryss av tiltakene som skal med; startåret er "
                                "første år med virkning og kostnad. Ved hvert valgt tiltak står hva det endrer.</p>"),
                          widgets.HBox([self.suggest_button, self.suggest_note],
                                       layout=widgets.Layout(align_items="center", gap="4px 12px", flex_flow="row wrap"))]
        for sector in self.catalogue.sectors:
            if sector in sectors:
                measure_groups.append(_html(f'<h4 style="margin:10px 0 2px 0;font-size:1.1em">'
                                            f"{_esc(self.catalogue.sectors[sector])}</h4>"))
                measure_groups += sectors[sector]
        how = widgets.VBox([options_box] + measure_groups)
        success = widgets.VBox([_html("<h3>Signaler</h3>"), self.signals_view, self.failing_view,
                                _html("<h3>Fire hjørner: smalt eller bredt tilbud, høy eller lav terskel</h3>"),
                                self.matrix_view])
        column = dict(flex="1 1 520px", min_width="400px")
        self.verdict_view.layout = widgets.Layout(flex="1 1 660px", min_width="0", overflow_x="auto")
        self.effects_view.layout = widgets.Layout(flex="1 1 340px", min_width="0")
        verdict_row = widgets.HBox([self.verdict_view, self.effects_view],
                                   layout=widgets.Layout(flex_flow="row wrap", gap="4px 20px", align_items="flex-start"))
        verdict_row.add_class("planmodel-verdict-row")
        proposals_box = widgets.VBox([
            _html("<h2>Forslag side om side</h2><p class='pm-explain'>Lagre valgene med et navn (for eksempel "
                  "«Kommunedirektøren» eller «Opposisjonen»), velg to til fire forslag og sammenlign dem. "
                  "Forslagene lagres bare mens siden er åpen; lenken ved hvert forslag åpner det igjen.</p>"),
            widgets.HBox([self.proposal_name, self.save_button], layout=widgets.Layout(**row)),
            widgets.HBox([self.proposal_pick, widgets.VBox([self.open_button, self.delete_button])],
                         layout=widgets.Layout(**row)),
            self.compare_view, self.compare_notat_link])
        proposals_box.add_class("planmodel-proposals")
        css = widgets.HTML(_CSS, layout=widgets.Layout(display="none"))
        super().__init__([
            css, self.title, top_controls, self.message, verdict_row,
            widgets.HBox([widgets.VBox([_html("<h2>Hvordan kommer vi dit?</h2>"), how], layout=widgets.Layout(**column)),
                          widgets.VBox([_html("<h2>Lykkes vi?</h2>"), success], layout=widgets.Layout(**column))],
                         layout=widgets.Layout(flex_flow="row wrap", gap="12px 32px", align_items="flex-start")),
            widgets.VBox([_html("<h2>Hvor sikkert er dette?</h2><p class='pm-explain'>Befolkning, dekningsgrader, "
                                "enhetskostnader, tiltakenes virkning, inntektsvekst og rente kan bli andre enn i "
                                "beregningen. Knappen regner økonomiplanen med mange trekk av dem og viser hvor "
                                "resultatet kan havne, hvor sannsynlig det er å havne under normen og hvilke "
                                "forutsetninger som betyr mest.</p>"),
                          self.uncertainty_button, self.uncertainty_view]),
            proposals_box,
            _html("<h2>Hvor er vi?</h2>"), self.now_view,
            _html("<h2>Hvor skal vi?</h2>"), self.future_view,
            self.method_view, self.assumptions_view,
            _html("<h2>Del, skriv ut og last ned</h2>"), self.share_view,
            widgets.HBox([self.notat_button, self.notat_link, self.excel_button, self.excel_link],
                         layout=widgets.Layout(align_items="center", gap="8px 16px", flex_flow="row wrap")),
            _html(footer_html()),
        ], **kwargs)
        self.add_class("planmodel-krisekompasset")

        # --- events ---------------------------------------------------------------------------
        for w in [self.demography, self.overflow, self.breadth, self.build, self.income_rule, self.growth,
                  self.effect_bound]:
            w.observe(self._on_change, "value")
        self.horizon.observe(self._on_period, "value")
        self.plan_period.observe(self._on_period, "value")
        self.view_year.observe(self._on_view_year, "value")
        self.threshold.observe(self._on_threshold, "value")
        self.threshold_slider.observe(self._on_threshold_slider, "value")
        self.breadth.observe(self._on_breadth_sync, "value")
        self.breadth_slider.observe(self._on_breadth_slider, "value")
        self.kommune.observe(self._on_kommune, "value")
        self.scenario_picker.observe(self._on_picker, "value")
        for mid in self.measure_boxes:
            self.measure_boxes[mid].observe(self._on_change, "value")
            self.measure_starts[mid].observe(self._on_start, "value")
        self.excel_button.on_click(self._on_excel)
        self.suggest_button.on_click(lambda _b: self.suggest_package())
        self.notat_button.on_click(self._on_notat)
        self.save_button.on_click(self._on_save)
        self.open_button.on_click(self._on_open)
        self.delete_button.on_click(self._on_delete)
        self.proposal_pick.observe(self._on_pick, "value")
        self.uncertainty_button.on_click(self._on_uncertainty)

        self._set_start_bounds()
        if scenario:
            self.apply_scenario(scenario)
        else:
            self.update()

    # --- public actions ---------------------------------------------------------------------
    @property
    def place(self) -> str:
        """The chosen kommune as in the menu, e.g. ``"Bærum (3201)"``."""
        return self.kommune.label

    def chosen_measures(self) -> dict[str, int]:
        """Ticked tiltak id -> start year, in library order."""
        return {mid: int(self.measure_starts[mid].value) for mid, box in self.measure_boxes.items() if box.value}

    def choices(self) -> Choices:
        """Every choice of the controls as a :class:`~planmodel.present.appstate.Choices` (what the link carries)."""
        return Choices(kommune=self.kommune.value, scenario=self.scenario_picker.value or "",
                       demographic=self.demography.value, horizon=int(self.horizon.value),
                       plan_years=int(self.plan_period.value[1]), plan_start=self._start_choice(),
                       threshold=None if self.threshold.value == FROM_FILE else float(self.threshold.value),
                       breadth=float(self.breadth.value), overflow=self.overflow.value, build=bool(self.build.value),
                       compensation=float(self.income_rule.value), growth=float(self.growth.value),
                       effect_bound=self.effect_bound.value, measures=self.chosen_measures(),
                       year=int(self.view_year.value))

    def current_scenario(self) -> PlanScenario:
        """The :class:`PlanScenario` of the controls (see :func:`scenario_from_choices`); raises the
        scenario's InputError when the choices do not fit together."""
        return scenario_of(self.choices(), self._base)

    def conflicts(self) -> dict[str, list[str]]:
        """Chosen tiltak that the chosen tilbud makes impossible: id -> the removed services they act on."""
        return measure_conflicts(list(self.chosen_measures()), float(self.breadth.value), self._base.dropped,
                                 self._base.catalogue, self._base.library)

    def update(self) -> None:
        """Recompute the current choice and redraw (one ``run()``; the 2×2 and the single choices
        only when needed, from caches)."""
        with self._busy():
            self.excel_link.value = self.notat_link.value = self.suggest_note.value = ""
            self._guarded(self._compute_and_render)

    def suggest_package(self) -> None:
        """"Foreslå pakke": tick the tiltak of :func:`~planmodel.analysis.prioritering.prioritize`
        for the current choices without tiltak (cheapest package that closes the inndekningsbehov
        in every plan year; each from the first plan year), recompute, and say in one line what it
        closes and costs (``suggestion`` keeps the result)."""
        def suggest():
            sc = scenario_of(replace(self.choices(), measures={}), self._base)
            self.suggestion = p = prioritize(sc)
            with self._silent():
                for mid, box in self.measure_boxes.items():
                    box.value = mid in p.package
                    w = self.measure_starts[mid]
                    w.value = max(w.min, min(w.max, sc.plan_period[0])) if box.value else w.value
            self._compute_and_render()
            self.suggest_note.value = f'<span class="pm-explain" data-suggestion="1">{_esc(p.explanation())}</span>'
        with self._busy():
            self.excel_link.value = self.notat_link.value = self.suggest_note.value = ""
            self._guarded(suggest)

    def apply_scenario(self, scenario_id: str) -> None:
        """Set every control from the shipped scenario file ``scenario_id`` and recompute."""
        if scenario_id not in self._scenarios:
            raise InputError("scenario", "", f"ukjent scenario {scenario_id!r}; gyldige: {', '.join(self._scenarios)}")
        if self.scenario_picker.value != scenario_id:
            self.scenario_picker.value = scenario_id  # -> _on_picker -> _load_base
        else:
            self._load_base(scenario_id)

    def apply_query_string(self, query_string: str) -> None:
        """Set every choice from the page address (:func:`planmodel.present.appstate.choices_from_query`),
        e.g. ``?kommune=3201&terskel=0.5&tiltak=hverdagsrehabilitering:2028``. A scenario in the
        link is applied first (it sets its own choices), then every other choice the link gives.
        Bad values are named in one message and left as they were."""
        choices, problems, given = choices_from_query(query_string, self.library.measures)
        sid = choices.scenario
        if sid and sid not in self._scenarios:
            problems.append(f"scenario={sid}: finnes ikke (gyldige: {', '.join(self._scenarios)})")
            given.discard("scenario")
        if "kommune" in given:
            try:
                choices = replace(choices, kommune=resolve_kommune(choices.kommune).code)
            except PlanmodelError as exc:
                problems.append(f"kommune={choices.kommune}: ble ikke funnet ({exc})")
                given.discard("kommune")
        with self._silent():
            if "scenario" in given:
                self._load_base(sid, recompute=False)
            start = self.choices()
            if "kommune" in given and choices.kommune != start.kommune:
                self.kommune.value = choices.kommune
                self._kommune_changed()
            wanted = replace(self.choices(), **{k: getattr(choices, k) for k in given if k not in ("scenario", "kommune")})
            self._set_controls(wanted, given)
        if problems:
            self.update()
            self.message.value = message_html("Lenken hadde verdier som ikke kunne brukes: " + "; ".join(problems) + ".")
        else:
            self.update()

    def excel_bytes(self) -> bytes:
        """The current result as an Excel workbook (bytes); see :func:`build_excel`."""
        if self.result is None:
            raise InputError("Krisekompasset", "", "ingen beregning å lagre; rett opp valget først")
        sc = self.plan_scenario
        text, path = None, None
        if sc.id in self._scenarios and sc == self._scenarios[sc.id][0]:
            path = str(self._scenarios[sc.id][1])
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = dump_scenario(sc)
        return build_excel(self.result, sc, scenario_text=text, scenario_path=path)

    def notat_bytes(self) -> bytes:
        """The brief (notat til folkevalgte, :func:`planmodel.present.report.report_html`) of the
        shown choice, as UTF-8 HTML."""
        if self.result is None:
            raise InputError("Krisekompasset", "", "ingen beregning å lage notat av; rett opp valget først")
        return report_html(self.plan_scenario, self.result).encode("utf-8")

    def save_proposal(self, name: str) -> Proposal:
        """Save the shown choices as proposal ``name`` (replacing one with the same name) and
        return it. Only a choice that can be computed can be saved."""
        name = " ".join(str(name).split())
        if not name:
            raise InputError("Navn på forslaget", "", "skriv et navn, for eksempel Kommunedirektøren")
        if len(name) > 60:
            raise InputError("Navn på forslaget", "", f"navnet har {len(name)} tegn; bruk høyst 60")
        if self.stale or self.result is None:
            raise InputError("Navn på forslaget", "", "valget kan ikke beregnes; rett opp valget før du lagrer det")
        p = Proposal(name, self.choices())
        self.proposals[name] = p
        self._scenario_of[name] = self.plan_scenario
        picked = tuple(n for n in self.proposal_pick.value if n in self.proposals)
        with self._silent(), self.proposal_pick.hold_sync():
            self.proposal_pick.options = list(self.proposals)
            self.proposal_pick.value = picked  # new options clear the selection
        return p

    def compare_proposals(self, names: list[str] | tuple[str, ...]) -> list[tuple[str, list[str]]]:
        """Compare two to four saved proposals: the rows of
        :func:`planmodel.present.proposals.proposal_table` in the shown year, also drawn on the page."""
        names = [n for n in names if n in self.proposals]
        if not 2 <= len(names) <= MAX_PROPOSALS:
            raise InputError("Sammenlign", "", f"velg to til {MAX_PROPOSALS} forslag (valgt: {len(names)})")
        results, effects = {}, {}
        for n in names:
            sc = self._scenario_of[n]
            results[n] = run(sc)
            effects[n] = choice_effects(sc, results[n])
        year = self._compare_year(results)
        rows = proposal_table(results, effects, year)
        links = "".join(f'<li><a class="planmodel-proposal-link" href="?{html.escape(self.proposals[n].choices.to_query(), quote=True)}">'
                        f"{_esc(n)}</a></li>" for n in names)
        self.compare_view.value = (
            proposal_table_html(rows, names, f"Forslagene side om side; personer, årsverk og valg i {year}, "
                                f"faste {self.result.attrs.get('price_year', '')}-priser")
            + f'<div class="pm-grid">{proposal_chart(results)}</div>'
            + f"<p>Lenker som åpner hvert forslag:</p><ul>{links}</ul>")
        self._compared = names
        self.compare_notat_link.value = data_link_html(
            comparison_html([(n, self._scenario_of[n]) for n in names], year, results, rows).encode("utf-8"),
            "notat-forslag.html", "text/html", "Last ned notat om forslagene (HTML, skriv ut til PDF)",
            "planmodel-compare-notat-link")
        return rows

    def _compare_year(self, results: Mapping[str, xr.Dataset]) -> int:
        """The shown year, if every proposal has it; else the earliest last plan year among them."""
        year = int(self.view_year.value)
        if all(year in lines(ds).index and year >= ds.plan.years[0] for ds in results.values()):
            return year
        return min(ds.plan.years[-1] for ds in results.values())

    # --- callbacks --------------------------------------------------------------------------
    def _on_change(self, _change) -> None:
        if not self._quiet:
            self.update()

    def _on_start(self, _change) -> None:
        mid = next((k for k, w in self.measure_starts.items() if w is _change.owner), None)
        if not self._quiet and mid is not None and self.measure_boxes[mid].value:
            self.update()

    def _on_period(self, _change) -> None:
        if self._quiet:
            return
        with self._silent():
            self._set_start_bounds()
            self._refresh_plan_periods()
            self._refresh_view_years()
        self.update()

    def _on_view_year(self, _change) -> None:
        if not self._quiet and self.result is not None:
            with self._busy():
                self._guarded(self._render_year)

    def _on_threshold(self, change) -> None:
        if change.new != FROM_FILE:
            with self._silent():
                self.threshold_slider.value = -float(change.new)  # the slider runs høy (left) .. lav
        self._on_change(change)

    def _on_threshold_slider(self, change) -> None:
        if not self._quiet:
            self.threshold.value = self._step(self.threshold, -float(change.new))

    def _on_breadth_sync(self, change) -> None:
        with self._silent():
            self.breadth_slider.value = float(change.new)

    def _on_breadth_slider(self, change) -> None:
        if not self._quiet:
            self.breadth.value = self._step(self.breadth, float(change.new))

    @staticmethod
    def _step(dropdown: widgets.Dropdown, value: float) -> float:
        value = float(value) + 0.0
        values = [v for _, v in dropdown.options if v != FROM_FILE]
        return min(values, key=lambda v: abs(v - value))

    def _on_kommune(self, _change) -> None:
        if self._quiet:
            return
        with self._silent():
            self._kommune_changed()
        self.update()

    def _kommune_changed(self) -> None:
        if self.scenario_picker.value and self._base.kommune != self.kommune.value:
            self.scenario_picker.value = ""  # a scenario file belongs to its kommune
            self._base = PlanScenario(kommune=self.kommune.value)
        elif not self.scenario_picker.value:
            self._base = PlanScenario(kommune=self.kommune.value)
        self._refresh_demography_menu()

    def _on_picker(self, change) -> None:
        if self._quiet:
            return
        if change.new:
            self._load_base(change.new)
        else:
            self._base = PlanScenario(kommune=self.kommune.value)
            self.update()

    def _offer(self, w: widgets.HTML, make) -> None:
        """Run a button's ``make()`` (returns the HTML of a link) with a Norwegian message on failure."""
        with self._busy():
            w.value = '<span role="status">Lager filen …</span>'
            try:
                w.value = make()
            except PlanmodelError as exc:
                w.value = ""
                self.message.value = message_html(f"Kunne ikke lage filen: {user_problem(exc)}")
            except Exception as exc:
                w.value = ""
                self.message.value = message_html(
                    f"Uventet feil da filen ble laget ({type(exc).__name__}). Feilen er logget.")
                log.exception("Krisekompasset: fil")
                raise

    def _on_excel(self, _button) -> None:
        self._offer(self.excel_link, lambda: excel_link_html(self.excel_bytes()))

    def _on_notat(self, _button) -> None:
        self._offer(self.notat_link, lambda: data_link_html(
            self.notat_bytes(), "notat.html", "text/html", "Last ned notatet (HTML, skriv ut til PDF)",
            "planmodel-notat-link"))

    def _on_save(self, _button) -> None:
        try:
            p = self.save_proposal(self.proposal_name.value)
        except PlanmodelError as exc:
            self.message.value = message_html(f"Forslaget ble ikke lagret: {exc.problem if isinstance(exc, InputError) else exc}.")
            return
        self.message.value = ""
        self.proposal_name.value = ""
        picked = [n for n in self.proposal_pick.value if n in self.proposals]
        if p.name not in picked and len(picked) < MAX_PROPOSALS:
            picked.append(p.name)
        self.proposal_pick.value = tuple(picked)  # -> _on_pick compares when two or more

    def _on_pick(self, _change) -> None:
        if self._quiet:
            return
        names = list(self.proposal_pick.value)
        if len(names) < 2:
            self.compare_view.value = ('<p class="pm-explain">Velg minst to forslag i lista for å sammenligne dem.</p>'
                                       if self.proposals else "")
            self.compare_notat_link.value = ""
            return
        with self._busy():
            try:
                self.compare_proposals(names)
            except PlanmodelError as exc:
                self.compare_view.value = conflict_html(exc.problem if isinstance(exc, InputError) else str(exc))
                self.compare_notat_link.value = ""

    def _on_open(self, _button) -> None:
        names = list(self.proposal_pick.value)
        if not names:
            self.message.value = message_html("Velg forslaget du vil åpne i lista «Sammenlign».")
            return
        self.apply_query_string(self.proposals[names[0]].choices.to_query())

    def _on_delete(self, _button) -> None:
        for n in self.proposal_pick.value:
            self.proposals.pop(n, None)
            self._scenario_of.pop(n, None)
        with self._silent():
            self.proposal_pick.value = ()
            self.proposal_pick.options = list(self.proposals)
        self.compare_view.value = ""
        self.compare_notat_link.value = ""

    # --- internals ---------------------------------------------------------------------------
    def _busy(self):
        return busy(self)

    @contextmanager
    def _silent(self):
        """Change controls from code without triggering recomputation."""
        was = self._quiet
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = was

    def _plan_options(self, horizon: int) -> list[tuple[str, tuple[int, int]]]:
        return plan_periods(self._base.base_year, int(horizon))

    def _start_choice(self) -> int | None:
        """The first plan year chosen; None when it is the year after the base year (the default)."""
        start = int(self.plan_period.value[0])
        return None if start == self._base.base_year + 1 else start

    def _refresh_plan_periods(self, wanted: tuple[int, int] | None = None) -> None:
        """The plan periods that fit the horizon; keeps the choice (or sets ``wanted``) when it fits."""
        options = self._plan_options(int(self.horizon.value))
        current = tuple(wanted or self.plan_period.value)
        values = [v for _, v in options]
        if current not in values and current[0] + current[1] - 1 < int(self.horizon.value):
            options.append((f"{current[0]}–{current[0] + current[1] - 1} ({current[1]} år)", current))
            values.append(current)
        with self.plan_period.hold_sync():
            if values != [v for _, v in self.plan_period.options]:
                self.plan_period.options = options
            self.plan_period.value = current if current in values else values[0]

    def _refresh_view_years(self) -> None:
        first, n = (int(v) for v in self.plan_period.value)
        options = view_years((first, first + n - 1), int(self.horizon.value))
        current = self.view_year.value
        with self.view_year.hold_sync():
            if [v for _, v in options] != [v for _, v in self.view_year.options]:
                self.view_year.options = options
            values = [v for _, v in options]
            self.view_year.value = current if current in values else first + n - 1

    def _refresh_demography_menu(self) -> None:
        current = self.demography.value
        options = scenario_options(self.kommune.value, keep=current)
        if [v for _, v in options] != [v for _, v in self.demography.options]:
            with self._silent(), self.demography.hold_sync():
                self.demography.options = options
                self.demography.value = current

    def _set_start_bounds(self) -> None:
        """Start years from the first plan year to the last year the tiltak's cost profile fits."""
        first = self._base.plan_period[0]
        h = int(self.horizon.value)
        for mid, w in self.measure_starts.items():
            m = self.library.measures[mid]
            longest = max(list(m.investment) + list(m.operating) + [0])
            lo, hi = first, max(first, h - longest)
            with w.hold_sync():
                if lo > w.max:  # never let min pass max on the way
                    w.max, w.min = hi, lo
                else:
                    w.min, w.max = lo, hi

    def _set_step_value(self, dropdown: widgets.Dropdown, steps: Mapping[float, str], value) -> None:
        """Set a terskel/tilbud dropdown, adding an option for a value that is not one of the steps."""
        options = _step_options(steps)
        if value is None or isinstance(value, Mapping):
            parts = [f"{self.catalogue.threshold_groups[g].name if g in self.catalogue.threshold_groups else g} "
                     f"{endring(float(v), 2)}" for g, v in (value or {}).items()]
            options.append((f"Fra scenariofilen ({', '.join(parts)})", FROM_FILE))
            value = FROM_FILE
        elif float(value) not in steps:
            options.append((f"{tall(float(value), 2)} (fra scenariofilen)", float(value)))
            value = float(value)
        else:
            value = float(value)
        with dropdown.hold_sync():
            if [v for _, v in options] != [v for _, v in dropdown.options]:
                dropdown.options = options
            dropdown.value = value

    def _set_controls(self, c: Choices, given=None) -> None:
        """Set the controls to ``c`` (silently; the caller recomputes). Terskel ``None`` keeps the
        scenario file's. A horizon or plan length not offered is added to its menu."""
        if c.demographic not in [v for _, v in self.demography.options] and c.demographic in SCENARIOS:
            self.demography.options = list(self.demography.options) + [(SCENARIOS[c.demographic].label, c.demographic)]
        if c.demographic in [v for _, v in self.demography.options]:
            self.demography.value = c.demographic
        if c.horizon not in [v for _, v in self.horizon.options]:
            self.horizon.options = [(str(h), h) for h in sorted({v for _, v in self.horizon.options} | {c.horizon})]
        self.horizon.value = c.horizon
        start = self._base.base_year + 1 if c.plan_start is None else int(c.plan_start)
        self._refresh_plan_periods((start, int(c.plan_years)))
        self._set_start_bounds()
        self._refresh_view_years()
        if c.threshold is None:
            self._set_step_value(self.threshold, THRESHOLD_STEPS, self._base.threshold)
            self.threshold_slider.value = self._step(
                self.threshold, -float(np.mean(list(self._base.thresholds(self.catalogue.threshold_groups).values()))))
        else:
            self._set_step_value(self.threshold, THRESHOLD_STEPS, c.threshold)
            self.threshold_slider.value = self._step(self.threshold, -float(c.threshold))
        self._set_step_value(self.breadth, BREADTH_STEPS, c.breadth)
        self.breadth_slider.value = self._step(self.breadth, float(c.breadth))
        self.overflow.value = c.overflow
        self.build.value = bool(c.build)
        options = _income_rule_options(c.compensation)
        if [v for _, v in options] != [v for _, v in self.income_rule.options]:
            self.income_rule.options = options
        self.income_rule.value = float(c.compensation)
        options = _growth_options(c.growth)
        if [v for _, v in options] != [v for _, v in self.growth.options]:
            self.growth.options = options
        self.growth.value = float(c.growth)
        self.effect_bound.value = c.effect_bound
        for mid, box in self.measure_boxes.items():
            box.value = mid in c.measures
            if mid in c.measures:
                w = self.measure_starts[mid]
                w.value = max(w.min, min(w.max, int(c.measures[mid])))
        if c.year is not None and c.year in [v for _, v in self.view_year.options]:
            self.view_year.value = c.year

    def _load_base(self, scenario_id: str, recompute: bool = True) -> None:
        sc, _path = self._scenarios[scenario_id]
        with self._silent():
            self._base = sc
            if self.scenario_picker.value != scenario_id:
                self.scenario_picker.value = scenario_id
            self.kommune.value = sc.kommune
            self._refresh_demography_menu()
            self._set_controls(Choices(
                kommune=sc.kommune, scenario=scenario_id, demographic=sc.demographic, horizon=sc.horizon,
                plan_years=sc.plan_years, plan_start=sc.plan_start, threshold=None if isinstance(sc.threshold, Mapping) else float(sc.threshold),
                breadth=float(sc.breadth), overflow=sc.overflow, build=bool(sc.behovsanalyse),
                compensation=base_compensation(sc), growth=base_growth(sc), effect_bound=sc.effect_bound,
                measures={m.id: m.start for m in sc.measures}))
        if recompute:
            self.update()

    def _library_drift(self, sc: PlanScenario):
        """Operating cost per year of every tiltak started in the first plan year [NOK 1000]
        (:func:`planmodel.analysis.measures.library_costs`), kept per kommune and horizon."""
        key = (sc.kommune, sc.demographic, sc.horizon, sc.plan_period[0], sc.library, sc.catalogue)
        if key not in self._drift_cache:
            if len(self._drift_cache) > 8:
                self._drift_cache.clear()
            self._drift_cache[key] = library_costs(sc, {mid: sc.plan_period[0] for mid in self.library.measures})[0]
        return self._drift_cache[key]

    def _guarded(self, action) -> None:
        """Run ``action``; errors a user can fix become a Norwegian message beside the control
        that caused them, and the page keeps the last valid result. Anything else is a bug: say
        so in the app, log it and re-raise."""
        try:
            action()
        except PlanmodelError as exc:
            problem = exc.problem if isinstance(exc, InputError) else str(exc)
            self._show_stale(problem)
        except Exception as exc:
            self._show_stale(f"uventet feil i planmodel ({type(exc).__name__}); feilen er logget – prøv et annet valg")
            log.exception("Krisekompasset: %s", self.plan_scenario)
            raise

    def _show_stale(self, problem: str) -> None:
        """The current choice cannot be computed: say why beside the control and on top, keep the last result."""
        conflicts = self.conflicts()
        if conflicts:
            names = sorted({s for v in conflicts.values() for s in v})
            titles = [self.library.measures[m].title for m in conflicts]
            self.breadth_note.value = conflict_html(
                f"{self.breadth.label} fjerner {_join(names)}, som {_join(titles)} virker på. Velg bort "
                f"{'tiltaket' if len(titles) == 1 else 'tiltakene'} eller et bredere tilbud.")
            where = "se merknaden ved «Tilbud» og ved tiltakene."
        else:
            self.breadth_note.value = ""
            where = ""
        for mid, note in self.measure_notes.items():
            if mid in conflicts:
                note.value = measure_note_html(None, mid, 0, True, None, conflicts[mid], self.breadth.label.lower())
        if conflicts:
            self.stale = (f"{self.breadth.label} kan ikke kombineres med "
                          f"{_join([self.library.measures[m].title for m in conflicts])}; {where}")
        else:
            self.stale = f"{problem[:1].upper()}{problem[1:]}."
            self.message.value = message_html(f"Kan ikke beregne dette valget for {self.place}: {problem}.")
        if self.result is None:
            return
        self.verdict_view.value = verdict_html(self.result, self.key_numbers, self.signal_list, self.stale)
        self.effects_view.value = effects_html(self.effects, int(self.view_year.value), stale=True)
        self.add_class("planmodel-stale")

    def _compute_and_render(self) -> None:
        conflicts = self.conflicts()
        if conflicts:  # say it beside the controls, without a failed run
            raise InputError("Krisekompasset", "tilbud", "tilbudet og tiltakene passer ikke sammen")
        sc = self.current_scenario()
        ds = run(sc)
        effects = choice_effects(sc, ds)
        numbers = key_numbers(ds)
        sig = crisis_signals(ds)
        self.plan_scenario, self.result, self.effects = sc, ds, effects
        self.key_numbers, self.signal_list, self.signals = numbers, sig, signal_dict(sig)
        self.stale = ""
        self.remove_class("planmodel-stale")
        self.breadth_note.value = ""
        if self.scenario_picker.value and sc is self._base:
            subtitle = f"Scenario: {sc.title}"
        elif sc.id == "krisekompasset" and self.scenario_picker.value:
            subtitle = sc.title
        else:
            subtitle = "Egne valg"
        self.title.value = (f'<h2 style="margin:2px 0;font-size:1.6em">Krisekompasset: {_esc(self.place)}</h2>'
                            f'<div class="pm-subtitle">{_esc(subtitle)}. Økonomiplan '
                            f'{_esc(ds.plan.period_text)} og langsikt til {ds.plan.horizon}, faste '
                            f"{_esc(ds.attrs.get('price_year', ''))}-priser.</div>")
        self.verdict_view.value = verdict_html(ds, numbers, sig)
        self.now_view.value = now_html(ds, numbers)
        self.future_view.value = future_html(ds, numbers, self.place)
        self.signals_view.value = signals_html(sig)
        self._render_year()
        static = (sc.demographic, sc.kommune, tuple(sorted(m.id for m in sc.measures)), tuple(sorted(sc.economy.items())))
        if static != self._static_key:  # the panels depend on neither terskel nor tilbud
            self.method_view.value = method_html(ds, sc)
            self.assumptions_view.value = assumptions_html(ds, sc)
            self._static_key = static
        self.message.value = ""
        if self.uncertainty_for is not None and self.uncertainty_for != sc.fingerprint:
            self.uncertainty_view.value = ("<p class='pm-explain'><b>Valgene er endret.</b> Trykk «Hvor sikkert er "
                                           "dette?» for å beregne usikkerheten for de nye valgene.</p>")
            self.uncertainty_for = None

    def show_uncertainty(self) -> None:
        """Fill the "Hvor sikkert er dette?" panel for the current choices (Monte Carlo, seeded)."""
        sc = self.plan_scenario
        sm = uncertainty_summary(sc, draws=UNCERTAINTY_DRAWS)
        ds = simulate(sc, UNCERTAINTY_DRAWS)  # cached with the summary's own run
        self.uncertainty_view.value = (summary_html(sm, self.place) + fan_chart(ds, self.place, "kk-usikkerhet-vifte")
                                       + tornado_chart(sensitivity(sc), "kk-usikkerhet-tornado"))
        self.uncertainty_for = sc.fingerprint

    def _on_uncertainty(self, _button) -> None:
        self._guarded(self.show_uncertainty)

    def _render_year(self) -> None:
        """The parts that show one chosen year: what the choices change, beside each tiltak, the 2×2."""
        sc, ds, year = self.plan_scenario, self.result, int(self.view_year.value)
        self.effects_view.value = effects_html(self.effects, year)
        chosen = self.chosen_measures()
        drift = self._library_drift(sc) if len(chosen) < len(self.measure_boxes) else None
        first = sc.plan_period[0]
        for mid, note in self.measure_notes.items():
            d = None if drift is None or mid in chosen or year not in drift.columns else float(drift.loc[mid, year])
            note.value = measure_note_html(self.effects, mid, year, mid in chosen, d, None, "", first)
        cm = crisis_matrix(sc)  # cached: terskel and tilbud are not in its key
        key = (id(cm), year, tuple(ds.plan.judged_years))
        if self._corner_cache.get("key") != key:  # the corners' figures only change with the matrix or the year
            self._corner_cache = {"key": key, "cm": cm, "corners": corner_summaries(cm, year),
                                  "first_below": corner_first_below(cm, ds)}
        self.corners = self._corner_cache["corners"]
        self.failing_view.value = failing_html(self.corners, year)
        omitted = [self.library.measures[m].title for m in removed_by(sc, -1.0)]
        self.matrix_view.value = matrix_html(self.corners, corner_summary(ds, year), sc.threshold, sc.breadth, year,
                                             omitted, first_below=self._corner_cache["first_below"])
        self.share_view.value = share_html(self.choices().to_query())


__all__ = ["Krisekompasset", "signals", "corner_summary", "corner_summaries", "scenario_from_choices",
           "build_excel", "shipped_scenarios", "verdict_html", "effects_html", "view_years"]
