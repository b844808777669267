"""The brief for politicians: one self-contained HTML file per scenario.

:func:`write_report` runs a scenario and writes a short Norwegian (bokmål) brief that opens
offline in any browser: no script, no external style sheet, font or image; the CSS is inline and
the chart is inline SVG. The same scenario gives the same bytes (no timestamps, no absolute paths,
no random ids), so two versions of a brief can be diffed.

Contents, top to bottom: title, kommune and scenario; the key message (netto driftsresultat
against the norm of 1,75 % of driftsinntektene in every year of the økonomiplan period and in the
horizon year, and the inndekningsbehov); a chart of netto driftsresultat; the økonomiplan table;
the sector frames; three crisis signals (økonomi i balanse, personell, tilbud; the rules of
:mod:`planmodel.present.signals`, the same as in the Krisekompasset app); the chosen tiltak
with their costs and who pays and who gains; stress tests as in a kommune's LDIP; assumptions and
limitations (every economic assumption with status and source, which values are anslag, the
calibration); sources with the SSB attribution.

The pure helpers are shared with the Økonomiplan app (:mod:`planmodel.widgets.okonomiplan_app`):
:func:`key_numbers` (every key number as the exact text shown, keyed like the ``data-key``
attributes), :func:`key_message`, :func:`ndr_chart_svg` and
:func:`table_html`. All numbers go through :mod:`planmodel.core.formatting` (no-break-space thousands,
decimal comma, minus U+2212).
"""

from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.analysis.followup import stress_tests
from planmodel.analysis.samordning import samordning, who_pays_who_gains
from planmodel.core.errors import InputError
from planmodel.core.formatting import prosent, tall
from planmodel.core.io import write_text_atomic
from planmodel.core.labels import EFFECT_BOUND, INCOME_RULE_SHORT, STATUS
from planmodel.core.meta import SSB_CREDIT, __version__
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.goals import tidspunkt
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import PlanScenario, load_scenario, resolve
from planmodel.model import assemble, prepare
from planmodel.present.charts import ndr_chart
from planmodel.present.keynumbers import assumption_text, key_numbers, money_decimals
from planmodel.present.signals import LEVEL_COLOURS, Signal, balance_verdict, crisis_signals, legend
from planmodel.present.tables import (formatted, measure_library_table, okonomiplan_table, sector_frame_table,
                                      status_table, stress_table)

LIMITATIONS = (
    "Tiltakenes virkninger er anslag med spenn (tiltaksbiblioteket); virkningen kan bli svakere eller sterkere.",
    "Kostnaden per bruker er katalogens, justert per tjenesteområde til kommunens regnskap; fordelingen mellom "
    "tjenestene i et område og årsverk per bruker er katalogens (nasjonale tall eller anslag).",
    "Første år er kommunens regnskap (KOSTRA) og inntektssystemet; disposisjonsfond og løpende investeringer per "
    "kommune finnes ikke i dataene, så landets andeler brukes.",
    "Utgiftsutjevningen følger bare alderskriteriene i kostnadsnøkkelen (en tilnærming); de andre kriteriene "
    "holdes som i basisåret.",
    "Tilgangen på personell er en proxy (samme andel av befolkningen 20–66 år som i basisåret), ikke en "
    "arbeidsmarkedsmodell.",
    "Renten er én sats for den rentebærende delen av gjelden; løpende investeringer holder gjelden fra basisåret "
    "konstant i faste priser.",
    "Befolkningsframskrivingen er en beregning under forutsetninger, ikke en prognose.",
    "Alle beløp er i faste priser; nominelle beløp krever deflatoren.",
)
#: Attribution lines of the data (SSB's licence text first).
SOURCES = (
    "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0.",
    "Befolkning: SSB tabell 07459 (Befolkning 1. januar); befolkningsframskriving av planmodel.",
    "Dødelighet: Human Mortality Database (HMD), Norway, Mx_1x1 (mortality.org), CC BY 4.0.",
    "Fruktbarhet: Human Fertility Database (HFD), Norway, NORasfrRR (humanfertility.org).",
    "Tjenester og økonomi: KOSTRA 2025 (SSB), endelige tall for kommunens regnskap; inntektssystemet 2025 (KDD, "
    "Grønt hefte); TBUs anbefaling om netto driftsresultat (NOU 2025:10).",
)


# ---------------------------------------------------------------------------------------------
# Years and key numbers
# ---------------------------------------------------------------------------------------------

def shown_years(ds: xr.Dataset) -> list[int]:
    """The years of the brief's tables: the plan years and the horizon year."""
    plan, hz = ds.plan.years, ds.plan.horizon
    return plan + ([hz] if hz not in plan else [])


def _year_list(years: list[int]) -> str:
    if not years:
        return ""
    if len(years) == 1:
        return str(years[0])
    return ", ".join(str(y) for y in years[:-1]) + f" og {years[-1]}"


def key_message(ds: xr.Dataset, numbers: dict[str, str] | None = None) -> list[str]:
    """The key message as a few Norwegian sentences (plain text, numbers formatted).

    The balance (netto driftsresultat against the norm over the plan period and in the horizon
    year, the inndekningsbehov) is :func:`planmodel.present.signals.balance_verdict`'s sentences,
    the same rule as the økonomi signal beside it; then the other income rule and what the chosen
    tiltak cost.
    """
    k = numbers or key_numbers(ds)
    plan, hz = ds.plan.years, ds.plan.horizon
    verdict = balance_verdict(ds)
    out = [verdict.sentence]
    if verdict.horizon_sentence:
        out.append(verdict.horizon_sentence)
    rule = str(ds.attrs.get("income_rule", ""))
    other = next((r for r in INCOME_RULE_SHORT if r != rule), None)
    if rule in INCOME_RULE_SHORT and f"ndr_andel_{other}_{hz}" in k:
        out.append(f"Tallene er regnet {INCOME_RULE_SHORT[rule]} i de frie inntektene; "
                   f"{INCOME_RULE_SHORT[other]} blir netto driftsresultat {k[f'ndr_andel_{other}_{plan[-1]}']} i "
                   f"{plan[-1]} og {k[f'ndr_andel_{other}_{hz}']} i {hz}.")
    n = ds.sizes.get("measure", 0)
    if n:
        out.append(f"Scenarioet har {k['tiltak_antall']} tiltak. De koster {k['tiltak_kostnad_plan']} i "
                   f"økonomiplanperioden ({k['tiltak_drift_plan']} drift og {k['tiltak_investering_plan']} "
                   "investering); gevinstene ligger i sektorrammene.")
    else:
        out.append("Scenarioet har ingen nye tiltak.")
    return out


# ---------------------------------------------------------------------------------------------
# Crisis signals
# ---------------------------------------------------------------------------------------------

#: The signal type of the brief (one definition, :class:`planmodel.present.signals.Signal`).
CrisisSignal = Signal


# ---------------------------------------------------------------------------------------------
# HTML pieces (pure: data in, text out)
# ---------------------------------------------------------------------------------------------

def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def table_html(df: pd.DataFrame, caption: str | None = None, css_class: str = "planmodel-table",
               row_header: str | None = None, bold_rows: tuple[str, ...] = ()) -> str:
    """A table of :mod:`planmodel.present.tables` (numbers, ``attrs`` with title/units/decimals/note) as
    HTML with Norwegian numbers (:func:`planmodel.present.tables.formatted`).

    Two-level row indexes are shown as group rows. ``caption`` defaults to ``attrs["title"]``;
    units and note are printed under the caption and the table. Numeric cells are right-aligned.
    """
    fmt = formatted(df)
    numeric = {c: pd.api.types.is_numeric_dtype(df[c]) for c in df.columns}
    caption = caption if caption is not None else df.attrs.get("title", "")
    units = df.attrs.get("units", "")
    head_label = row_header if row_header is not None else (df.index.names[-1] or "")
    out = [f'<table class="{_esc(css_class)}">']
    if caption or units:
        unit_html = f'<span class="units"> [{_esc(units)}]</span>' if units else ""
        out.append(f"<caption>{_esc(caption)}{unit_html}</caption>")
    cols = "".join(f'<th scope="col" class="{"num" if numeric[c] else "txt"}">{_esc(c)}</th>' for c in df.columns)
    out.append(f'<thead><tr><th scope="col" class="txt">{_esc(head_label)}</th>{cols}</tr></thead><tbody>')
    multi = isinstance(df.index, pd.MultiIndex)
    group = None
    for pos, key in enumerate(df.index):
        if multi:
            if key[0] != group:
                group = key[0]
                out.append(f'<tr class="group"><th scope="rowgroup" colspan="{len(df.columns) + 1}">{_esc(group)}</th></tr>')
            label = key[-1]
        else:
            label = key
        cls = ' class="sum"' if str(label) in bold_rows or str(label) in ("Sum", "I alt") else ""
        cells = "".join(f'<td class="{"num" if numeric[c] else "txt"}">{_esc(fmt.iat[pos, j])}</td>'
                        for j, c in enumerate(df.columns))
        out.append(f'<tr{cls}><th scope="row" class="txt">{_esc(label)}</th>{cells}</tr>')
    out.append("</tbody></table>")
    if df.attrs.get("note"):
        out.append(f'<p class="note">{_esc(df.attrs["note"])}</p>')
    return "".join(out)


def balance_table_html(ds: xr.Dataset, numbers: dict[str, str] | None = None) -> str:
    """Netto driftsresultat (in % and mill. kr) and inndekningsbehov per plan year and in the
    horizon year; every value sits alone in an element with ``data-key`` = its key in
    :func:`key_numbers`, holding exactly that text."""
    k = numbers or key_numbers(ds)
    years = shown_years(ds)
    hz = ds.plan.horizon
    below = set(ds.plan.below_norm(years))
    head = "".join(f'<th scope="col" class="num">{y}{" (lang sikt)" if y == hz and len(years) > len(ds.plan.years) else ""}</th>'
                   for y in years)
    rows = []
    for prefix, label in (("ndr_andel", f"Netto driftsresultat i % av driftsinntektene (norm {k['resultatmal_andel']})"),
                          ("ndr", "Netto driftsresultat"), ("inndekning", "Inndekningsbehov")):
        cells = []
        for y in years:
            cls = "num below" if (y in below and prefix != "ndr") else "num"
            cells.append(f'<td class="{cls}"><span data-key="{prefix}_{y}">{_esc(k[f"{prefix}_{y}"])}</span></td>')
        rows.append(f'<tr><th scope="row" class="txt">{_esc(label)}</th>{"".join(cells)}</tr>')
    rule = str(ds.attrs.get("income_rule", ""))
    for other in (r for r in INCOME_RULE_SHORT if r != rule and f"ndr_andel_{r}_{years[0]}" in k):
        for prefix, label in (("ndr_andel", "netto driftsresultat i %"), ("inndekning", "inndekningsbehov")):
            cells = "".join(f'<td class="num"><span data-key="{prefix}_{other}_{y}">{_esc(k[f"{prefix}_{other}_{y}"])}'
                            "</span></td>" for y in years)
            rows.append(f'<tr class="other-rule"><th scope="row" class="txt">Til sammenligning '
                        f"{_esc(INCOME_RULE_SHORT[other])}: {label}</th>{cells}</tr>")
    return (f'<table class="planmodel-table planmodel-balance"><caption>Netto driftsresultat mot normen</caption>'
            f'<thead><tr><th scope="col" class="txt">År</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def signals_html(signals: list[Signal]) -> str:
    """The crisis signals (:func:`planmodel.present.signals.crisis_signals`) as cards: title, symbol,
    word and colour name (colour only repeats them), headline and text."""
    cards = []
    for s in signals:
        fg, bg = LEVEL_COLOURS[s.level]
        cards.append(
            f'<div class="signal signal-{s.level}" data-signal="{s.area}" data-level="{s.level}" '
            f'style="background:{bg};border-left:6px solid {fg}">'
            f'<div class="signal-title">{_esc(s.title)}: <strong data-key="signal_{s.area}" style="color:{fg}">'
            f'<span aria-hidden="true">{_esc(s.symbol)}</span> {_esc(s.word)} ({_esc(s.level_nb)})</strong></div>'
            f'<div class="signal-headline">{_esc(s.headline)}</div><p>{_esc(s.text)}</p></div>')
    return '<div class="signals">' + "".join(cards) + "</div>"


# ---------------------------------------------------------------------------------------------
# Tables of the brief
# ---------------------------------------------------------------------------------------------

def sector_frames_table(ds: xr.Dataset) -> pd.DataFrame:
    """Netto sector frames per plan year and the horizon year, with a Sum row [mill. kr, 1 decimal]."""
    years = shown_years(ds)
    frames = ds["sektor_ramme"].sel(year=years).transpose("sector", "year") / 1000.0
    names = [str(x) for x in ds["sector_name"].values] if "sector_name" in ds.coords else [str(x) for x in ds["sector"].values]
    df = pd.DataFrame(np.asarray(frames.values, dtype=float), index=pd.Index(names, name="Sektor"),
                      columns=pd.Index(years, name="År"))
    df.loc["Sum"] = df.sum()
    df = df.round(1) + 0.0
    year = ds.attrs.get("price_year", "")
    df.attrs = {"title": "Sektorrammer (netto)", "units": f"mill. kr, faste {year}-priser", "decimals": 1,
                "note": f"Siste kolonne er langsiktsåret {ds.plan.horizon}."}
    return df


def frame_parts_table(ds: xr.Dataset, year: int) -> pd.DataFrame:
    """Each sector's frame in ``year`` split into its parts (planmodel.present.tables.sector_frame_table)."""
    rows = {}
    for sid, name in zip(ds["sector"].values, (ds["sector_name"].values if "sector_name" in ds.coords else ds["sector"].values)):
        t = sector_frame_table(ds, str(sid), years=[year])
        rows[str(name)] = t[year]
    df = pd.DataFrame(rows).T
    df.index.name = "Sektor"
    df.loc["Sum"] = df.sum()
    df = df.round(1) + 0.0
    y = ds.attrs.get("price_year", "")
    df.attrs = {"title": f"Hva rammene består av i {year}", "units": f"mill. kr, faste {y}-priser", "decimals": 1,
                "note": "Basisramme = kostnaden i basisåret. Demografi = endringen i demografikostnaden. "
                        "Negative tall er innsparinger."}
    return df


def chosen_measures_table(ds: xr.Dataset, scenario: PlanScenario) -> pd.DataFrame:
    """The chosen tiltak: ansvar, tidspunkt, status and cost per plan year
    (drift + investering) [mill. kr, :func:`planmodel.present.keynumbers.money_decimals` decimals],
    with a Sum row."""
    catalogue = load_catalogue(scenario.catalogue)
    library = load_library(scenario.library, catalogue)
    plan = ds.plan.years
    choices = {m.id: m for m in scenario.measures}
    rows = []
    for mid in [str(x) for x in ds["measure"].values]:
        m = library.measures[mid]
        ch = choices.get(mid)
        drift = ds["tiltak_drift"].sel(measure=mid, year=plan).values
        inv = ds["tiltak_investering"].sel(measure=mid, year=plan).values
        row = {"Tiltak": m.title, "Ansvar": m.ansvar,
               "Tidspunkt": tidspunkt(ch.start if ch else None, ch.end if ch else None),
               "Status": (ch.status if ch and ch.status else m.status)}
        for y, d, i in zip(plan, drift, inv):
            row[str(y)] = float(d + i) / 1000.0
        row["Herav investering"] = float(inv.sum()) / 1000.0
        rows.append(row)
    cols = ["Tiltak", "Ansvar", "Tidspunkt", "Status"] + [str(y) for y in plan] + ["Herav investering"]
    df = pd.DataFrame(rows, columns=cols).set_index("Tiltak")
    if rows:
        total = {c: "" for c in df.columns}
        for c in [str(y) for y in plan] + ["Herav investering"]:
            total[c] = float(df[c].sum())
        df.loc["Sum"] = pd.Series(total)
    decimals = money_decimals(ds)
    if rows:
        for c in [str(y) for y in plan] + ["Herav investering"]:
            df[c] = df[c].astype(float).round(decimals) + 0.0
    price = ds.attrs.get("price_year", "")
    df.attrs = {"title": "Valgte tiltak og hva de koster", "units": f"mill. kr, faste {price}-priser",
                "decimals": decimals,
                "note": f"Kostnad per år = drift + investering; «Herav investering» er summen for {plan[0]}–{plan[-1]}. "
                        "Gevinstene (lavere utgifter i tjenestene) ligger i sektorrammene og i tabellen under."}
    return df


def economy_table(scenario: PlanScenario, ds: xr.Dataset) -> pd.DataFrame:
    """The economic assumptions with value, status (kilde / beregnet / anslag) and source."""
    eco = resolve(scenario)[3]
    rows = [{"Forutsetning": a.label, "Verdi": assumption_text(a), "Status": STATUS.get(a.status, a.status),
             "Kilde eller begrunnelse": a.source} for _, a in eco.items()]
    df = pd.DataFrame(rows).set_index("Forutsetning")
    df.attrs = {"title": "Økonomiske forutsetninger", "units": "", "decimals": 0}
    return df


def accounts_table(ds: xr.Dataset) -> pd.DataFrame:
    """The base year: the kommune's own accounts (KOSTRA) and inntektssystem, as the model starts
    from them [mill. kr, the price year's kroner]."""
    b = ds.plan.base_year
    rows = [("Skatt på inntekt og formue", "skatt"), ("Netto inntektsutjevning", "inntektsutjevning"),
            ("Innbyggertilskudd", "innbyggertilskudd"), ("Utgiftsutjevning", "utgiftsutjevning"),
            ("Andre deler av rammetilskuddet", "andre_rammetilskudd"), ("Frie inntekter", "frie_inntekter"),
            ("Brutto driftsinntekter", "driftsinntekter"), ("Netto driftsresultat", "netto_driftsresultat"),
            ("Netto lånegjeld", "lanegjeld")]
    df = pd.DataFrame({"Regnskap": [round(float(ds[v].sel(year=b)) / 1000.0, 1) for _, v in rows]},
                      index=pd.Index([label for label, _ in rows], name="Linje"))
    df.attrs = {"title": f"Utgangspunktet: kommunens regnskap {ds.plan.accounts_year}", "units": "mill. kr",
                "decimals": 1, "note": "Kilde: KOSTRA (SSB) og inntektssystemet (KDD). Netto driftsresultat "
                f"er {prosent(float(ds['netto_driftsresultat_andel'].sel(year=b)), 1)} av driftsinntektene."}
    return df


def effect_status_table(scenario: PlanScenario) -> pd.DataFrame:
    """The effects of the chosen tiltak on the services, with their ranges and status (no rows
    when no chosen tiltak has an effect: the tiltak template allows tiltak with costs only)."""
    catalogue = load_catalogue(scenario.catalogue)
    library = load_library(scenario.library, catalogue)
    chosen = {m.id: library.measures[m.id] for m in scenario.measures
              if m.id in library.measures and library.measures[m.id].effects}
    if not chosen:
        return pd.DataFrame(columns=["Virkning", "Anslag", "Lav", "Høy", "Status"],
                            index=pd.MultiIndex.from_arrays([[], []], names=["Tiltak", "Virker på"]))
    t = measure_library_table(SimpleNamespace(measures=chosen), catalogue)
    t = t.drop(columns=[c for c in ("Etterslep (år)", "Innfasing (år)") if c in t.columns])
    return t


# ---------------------------------------------------------------------------------------------
# The brief
# ---------------------------------------------------------------------------------------------

#: Tables (økonomiplan, sector frames ...): shared by the brief and the Økonomiplan app.
TABLE_CSS = """table.planmodel-table { border-collapse: collapse; margin: 0.6rem 0 0.3rem; font-size: 0.95rem;
                        font-variant-numeric: tabular-nums; }
.planmodel-table caption { text-align: left; font-weight: 700; padding: 0.3rem 0; }
.planmodel-table caption .units { font-weight: 400; color: #555; }
.planmodel-table th, .planmodel-table td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e1e4e8; vertical-align: top; }
.planmodel-table thead th { border-bottom: 2px solid #999; }
.planmodel-table .num { text-align: right; white-space: nowrap; }
.planmodel-table .txt { text-align: left; }
.planmodel-table tr.group th { background: #f4f6f8; text-align: left; }
.planmodel-table tr.sum th, .planmodel-table tr.sum td { font-weight: 700; border-top: 2px solid #999; }
.planmodel-table td.below { color: #b00020; font-weight: 700; }
"""

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1b1b1b; background: #fff; margin: 0; line-height: 1.45; font-size: 16px; }
main { max-width: 66rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.9rem; margin: 0.2rem 0 0.4rem; line-height: 1.2; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid #1b4f72; padding-bottom: 0.2rem; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
.kicker { text-transform: uppercase; letter-spacing: 0.06em; font-size: 0.85rem; color: #1b4f72; margin: 0; }
.meta { color: #444; margin: 0.2rem 0; }
.message { font-size: 1.1rem; background: #f4f7fa; border-left: 6px solid #1b4f72; padding: 0.6rem 1rem; }
.message li { margin: 0.3rem 0; }
""" + TABLE_CSS + """.note { font-size: 0.9rem; color: #444; margin: 0.2rem 0 0.8rem; max-width: 60rem; }
.signals { display: flex; flex-wrap: wrap; gap: 0.8rem; }
.signal { flex: 1 1 18rem; padding: 0.6rem 0.9rem; border-radius: 6px; }
.signal-title { font-size: 1.05rem; }
.signal-headline { font-weight: 600; margin-top: 0.2rem; }
.signal p { margin: 0.3rem 0 0; }
details summary { cursor: pointer; font-weight: 600; margin: 0.6rem 0; }
footer { margin-top: 2.5rem; border-top: 1px solid #ccc; padding-top: 0.6rem; font-size: 0.9rem; color: #333; }
.scroll { overflow-x: auto; }
@page { size: A4; margin: 15mm 14mm; }
@media print { body { font-size: 10pt; } main { max-width: none; padding: 0; } h2 { break-after: avoid; }
  table, figure, .signal, .message { break-inside: avoid; } .scroll { overflow: visible; }
  table { font-size: 7.5pt; max-width: 100%; } th, td { padding: 1px 3px !important; white-space: normal !important;
  overflow-wrap: anywhere; } caption { font-size: 8.5pt; }
  svg { max-width: 100%; height: auto; } a { color: inherit; text-decoration: none; } }
"""


def _as_scenario(scenario_or_path: PlanScenario | str | Path) -> PlanScenario:
    if isinstance(scenario_or_path, PlanScenario):
        return scenario_or_path
    if isinstance(scenario_or_path, (str, Path)):
        path = Path(scenario_or_path)
        if not path.exists():
            raise InputError(str(path), "", "scenariofilen finnes ikke")
        return load_scenario(path)
    raise InputError("rapport", "scenario", f"forventet en PlanScenario eller en scenariofil, fikk "
                                            f"{type(scenario_or_path).__name__}")


def report_html(scenario_or_path: PlanScenario | str | Path, ds: xr.Dataset | None = None) -> str:
    """The brief as one HTML document (see the module docstring).

    Parameters
    ----------
    scenario_or_path : a :class:`~planmodel.inputs.scenario.PlanScenario` or the path of a scenario file.
    ds : the scenario's :func:`planmodel.model.run` result, if already computed.

    Returns
    -------
    str, a complete ``<!DOCTYPE html>`` document with ``<html lang="nb">``, no script and no
    external resource.
    """
    scenario = _as_scenario(scenario_or_path)
    prepared = prepare(scenario)
    ds = assemble(prepared) if ds is None else ds
    k = key_numbers(ds)
    plan = ds.plan.years
    hz = ds.plan.horizon
    period = f"{plan[0]}–{plan[-1]}"
    kommune = f"{ds.attrs.get('kommune_name', '')} ({ds.attrs.get('kommune', scenario.kommune)})"
    title = f"Økonomiplan {period}: {scenario.title}"
    price = ds.attrs.get("price_year", "")
    demo = SCENARIOS.get(scenario.demographic)
    parts: list[str] = []
    a = parts.append

    a('<!DOCTYPE html>\n<html lang="nb">\n<head>\n<meta charset="utf-8">\n'
      '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
      f'<meta name="generator" content="planmodel {_esc(__version__)}">\n'
      f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n")

    # header
    a('<header>\n<p class="kicker">Notat til folkevalgte · planmodel</p>\n'
      f"<h1>{_esc(title)}</h1>\n"
      f'<p class="meta"><strong>Kommune:</strong> <span data-key="kommune">{_esc(kommune)}</span> · '
      f'<strong>Scenario:</strong> <span data-key="scenario">{_esc(scenario.title)}</span> '
      f"({_esc(scenario.id)})</p>\n"
      f'<p class="meta">Beløp i faste {price}-priser. Basisår {ds.attrs.get("base_year", "")}, '
      f"økonomiplanperiode {period}, langsiktsår {hz}.</p>\n")
    if scenario.description:
        a(f"<p>{_esc(scenario.description)}</p>\n")
    a("</header>\n")

    # key message
    a('<section id="hovedbudskap">\n<h2>Hovedbudskap</h2>\n<div class="message"><ul>')
    for sentence in key_message(ds, k):
        a(f"<li>{_esc(sentence)}</li>")
    a("</ul></div>\n")
    a(balance_table_html(ds, k))
    a(f'\n<figure style="margin:1rem 0">{ndr_chart(ds, kommune, "rapport-ndr")}<figcaption class="note">Netto driftsresultat i % av '
      f"driftsinntektene per år. Normen er {_esc(k['resultatmal_andel'])} (TBU). Tallene står i tabellene.</figcaption>"
      "</figure>\n</section>\n")

    # økonomiplan
    a('<section id="okonomiplan">\n<h2>Økonomiplanen</h2>\n<div class="scroll">')
    a(table_html(okonomiplan_table(ds), row_header="Linje",
                 bold_rows=("Netto driftsresultat", "Inndekningsbehov")))
    a("</div>\n</section>\n")

    # sector frames
    a('<section id="sektorrammer">\n<h2>Sektorrammene</h2>\n<div class="scroll">')
    a(table_html(sector_frames_table(ds)))
    a(table_html(frame_parts_table(ds, plan[-1])))
    a("</div>\n</section>\n")

    # crisis signals
    a('<section id="krisesignaler">\n<h2>Krisesignaler</h2>\n')
    a(signals_html(crisis_signals(ds)))
    a(f'<p class="note">{_esc(legend())} Reglene er de samme som i Krisekompasset.</p>\n</section>\n')

    # tiltak
    a('<section id="tiltak">\n<h2>Tiltakene</h2>\n')
    if ds.sizes.get("measure", 0):
        a('<div class="scroll">')
        a(table_html(chosen_measures_table(ds, scenario)))
        wp = who_pays_who_gains(samordning(prepared))
        wp.attrs.update({"title": "Hvem betaler og hvem får gevinst", "decimals": 1})
        wp.index.name = "Tiltak"
        a(table_html(wp))
        a("</div>\n")
    else:
        a("<p>Scenarioet har ingen nye tiltak.</p>\n")
    a("</section>\n")

    # stress tests
    a('<section id="stresstester">\n<h2>Stresstester</h2>\n<p>Som i en langsiktig drifts- og '
      "investeringsplan (for eksempel Bærums LDIP): hver test endrer én forutsetning fra første planår, alt annet er "
      "som i scenarioet.</p>\n"
      '<div class="scroll">')
    a(table_html(stress_table(stress_tests(prepared)), row_header="Stresstest"))
    a("</div>\n</section>\n")

    # assumptions and limitations
    catalogue = load_catalogue(scenario.catalogue)
    a('<section id="forutsetninger">\n<h2>Forutsetninger og begrensninger</h2>\n')
    threshold = scenario.threshold if not hasattr(scenario.threshold, "items") else dict(scenario.threshold)
    a("<h3>Scenarioet</h3><ul>"
      f"<li>Befolkning: {_esc(demo.label if demo else scenario.demographic)}.</li>"
      f"<li>Terskel: {_esc(_threshold_text(threshold, catalogue))}; tilbudsbredde: {_esc(_breadth_text(scenario.breadth))}.</li>"
      f"<li>Tiltakenes virkning: {_esc(EFFECT_BOUND.get(scenario.effect_bound, scenario.effect_bound))}.</li>"
      f"<li>Behovsanalyse (nye plasser når behovet krever det): {'ja' if scenario.behovsanalyse else 'nei'}.</li>"
      "</ul>\n")
    a(f"<h3>Kalibrering</h3><p>{_esc(ds.attrs.get('calibration', ''))}</p>\n")
    a(table_html(accounts_table(ds)))
    if ds.plan.warnings:
        a("<h3>Merknader til dataene</h3><ul>" + "".join(f"<li>{_esc(w)}</li>" for w in ds.plan.warnings) + "</ul>\n")
    a('<div class="scroll">')
    eco = economy_table(scenario, ds)
    a(table_html(eco, row_header="Forutsetning"))
    n_anslag = int((eco["Status"] == "anslag").sum())
    a(f'<p class="note">{n_anslag} av {len(eco)} økonomiske forutsetninger er anslag (status «anslag»); '
      "«kilde» er lest fra KOSTRA/SSB eller kommunens dokumenter, «beregnet» er regnet ut fra slike tall.</p>")
    a(table_html(status_table(catalogue)))
    if scenario.measures:
        eff = effect_status_table(scenario)
        if eff.empty:
            a('<p class="note">De valgte tiltakene har ingen virkninger på tjenestene i tiltaksbiblioteket; '
              "bare kostnadene deres er med i beregningen.</p>")
        else:
            n_ass = int((eff["Status"] == "anslag").sum())
            a(f"<details><summary>Tiltakenes virkninger: {n_ass} av {len(eff)} er anslag</summary>")
            a(table_html(eff, row_header="Virker på"))
            a("</details>")
    a("</div>\n<h3>Begrensninger</h3><ul>")
    for text in LIMITATIONS:
        a(f"<li>{_esc(text)}</li>")
    a("</ul>\n</section>\n")

    # sources
    a('<footer id="kilder">\n<h2>Kilder</h2>\n<ul>')
    for text in SOURCES:
        a(f"<li>{_esc(text)}</li>")
    for ref in scenario.references:
        a(f"<li>{_esc(ref)}</li>")
    a(f"</ul>\n<p>{_esc(SSB_CREDIT)} Laget med planmodel {_esc(__version__)}; tallene er beregninger under "
      "forutsetningene over, ikke prognoser.</p>\n</footer>\n</main>\n</body>\n</html>\n")
    return "".join(parts)


def _decimals(x: float, most: int = 3) -> int:
    """The fewest decimals (up to ``most``) that show ``x`` exactly: 4.0 -> 0, 1.75 -> 2, 14.1 -> 1."""
    for d in range(most + 1):
        if abs(round(x, d) - x) < 1e-9:
            return d
    return most


def _threshold_text(threshold, catalogue=None) -> str:
    if isinstance(threshold, dict):
        groups = catalogue.threshold_groups if catalogue is not None else {}
        parts = [f"{groups[g].name if g in groups else g} {tall(v, _decimals(v, 2))}" for g, v in threshold.items()]
        return "; ".join(parts) + " (skala fra −1 lav til 1 høy)"
    word = "dagens" if abs(threshold) < 1e-9 else ("høy" if threshold > 0 else "lav")
    return f"{word} ({tall(threshold, _decimals(threshold, 2))} på skalaen fra −1 lav til 1 høy)"


def _breadth_text(breadth: float) -> str:
    word = "dagens" if abs(breadth) < 1e-9 else ("bredt" if breadth > 0 else "smalt")
    return f"{word} ({tall(breadth, _decimals(breadth, 2))} på skalaen fra −1 smalt til 1 bredt)"


def write_report(scenario_or_path: PlanScenario | str | Path, out_path: str | Path) -> Path:
    """Write the brief for politicians as one self-contained HTML file.

    Parameters
    ----------
    scenario_or_path : a :class:`~planmodel.inputs.scenario.PlanScenario` or a scenario file
        (``scenarios/baerum_krisepakke.yaml``).
    out_path : the file to write; must end in ``.html`` or ``.htm``; its folder must exist.

    Returns
    -------
    Path of the file written (UTF-8, ``\\n`` line ends; the same scenario gives the same bytes).

    Raises
    ------
    planmodel.core.errors.InputError
        A missing or invalid scenario file, or an output path that is not ``.html`` or whose
        folder does not exist.
    """
    out = Path(out_path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError("--out", str(out), "rapporten skrives som HTML; bruk en filsti som slutter på .html")
    if not out.parent.exists():
        raise InputError("--out", str(out), f"mappen {out.parent} finnes ikke")
    write_text_atomic(out, report_html(scenario_or_path))
    return out


__all__ = ["CrisisSignal", "crisis_signals", "key_message", "report_html", "table_html", "write_report"]
