"""Proposals side by side: two to four named sets of choices in one table and one chart.

A council meeting weighs proposals ("Kommunedirektøren", "Opposisjonen", …). Each proposal is a
name and a :class:`planmodel.present.appstate.Choices` (the same value the app's link carries),
run as a full scenario. :func:`proposal_table` gives the figures a politician compares — netto
driftsresultat against the norm, the inndekningsbehov, udekket behov, ventende, årsverk, the
økonomi signal — and what each proposal's choices change against today's practice
(:func:`planmodel.analysis.choices.choice_effects`: terskel, tilbud, tiltak and their samspill, in
mill. kr and årsverk). :func:`proposal_chart` draws netto driftsresultat of every proposal against
the norm. Every number is formatted as elsewhere in the apps and the brief.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import xarray as xr

from planmodel.analysis.choices import choice_effects
from planmodel.core.formatting import endring, tall
from planmodel.core.labels import EFFECT_BOUND, breadth_text, threshold_text
from planmodel.core.meta import SSB_CREDIT, __version__
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.library import load_library
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.scenario import PlanScenario
from planmodel.model import run
from planmodel.present import svg
from planmodel.present.appstate import Choices
from planmodel.present.keynumbers import key_numbers, lines, money_change_text, money_text, ndr_text, norm_text
from planmodel.present.report import _CSS as REPORT_CSS, LIMITATIONS, SOURCES, key_message, signals_html
from planmodel.present.signals import crisis_signals, economy_signal, legend, offer_signal, workforce_signal

#: Most proposals compared at once (a table a projector can show).
MAX_PROPOSALS = 4


@dataclass(frozen=True)
class Proposal:
    """A named set of choices: ``name`` as the user typed it, ``choices`` as the link carries them."""

    name: str
    choices: Choices


def _sum(arr, lv, years) -> float:
    return float(sum(lv.at(arr, y) for y in years))


def proposal_table(results: Mapping[str, xr.Dataset], effects: Mapping[str, xr.Dataset], year: int) -> list[tuple[str, list[str]]]:
    """Rows ``(label, [text per proposal])`` comparing the proposals.

    Parameters
    ----------
    results : proposal name -> its :func:`planmodel.model.run` result (same kommune or not).
    effects : proposal name -> its :func:`planmodel.analysis.choices.choice_effects`.
    year : the year of the persons, årsverk and cost-per-choice rows (the plan period's figures
        are always for the plan period).
    """
    names = list(results)
    cols = {n: lines(results[n]) for n in names}
    first = results[names[0]]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, f) -> None:
        rows.append((label, [f(n) for n in names]))

    def period(n):
        p = cols[n].plan
        return f"{p[0]}–{p[-1]}"

    row("Kommune", lambda n: f"{results[n].attrs.get('kommune_name', '')} ({results[n].attrs.get('kommune', '')})")
    row("Økonomiplanperiode", period)
    sig = {n: (economy_signal(results[n]), workforce_signal(results[n]), offer_signal(results[n])) for n in names}
    row("Økonomi i balanse (signal)", lambda n: f"{sig[n][0].label}: {sig[n][0].headline}")
    row("Nok personell (signal)", lambda n: sig[n][1].label)
    row("Tilbudet til innbyggerne (signal)", lambda n: sig[n][2].label)
    row(f"Laveste netto driftsresultat i planperioden (% av driftsinntektene; norm "
        f"{norm_text(first.plan.target_share)})", lambda n: ndr_text(min(cols[n].at(cols[n].ndr, y) for y in cols[n].plan)))
    row("Inndekningsbehov, sum for planperioden (mill. kr)",
        lambda n: money_text(_sum(cols[n].gap, cols[n], cols[n].plan)))
    row(f"Netto driftsresultat {year} (% av driftsinntektene)", lambda n: ndr_text(cols[n].at(cols[n].ndr, year)))
    row(f"Inndekningsbehov {year} (mill. kr)", lambda n: money_text(cols[n].at(cols[n].gap, year)))
    row("Netto driftsresultat ved horisonten (% av driftsinntektene)",
        lambda n: f"{ndr_text(cols[n].at(cols[n].ndr, cols[n].horizon))} ({cols[n].horizon})")
    row(f"Udekket behov {year} (personer)", lambda n: tall(cols[n].at(cols[n].unmet, year)))
    row(f"Ventende på plass {year} (personer)", lambda n: tall(cols[n].at(cols[n].queue, year)))
    row(f"Årsverk, behov i alle sektorer {year}", lambda n: tall(cols[n].at(cols[n].fte_need.sum(axis=0), year)))
    row(f"Mangel på årsverk, alle sektorer {year} (behov minus tilgang)",
        lambda n: endring(cols[n].at(cols[n].fte_gap.sum(axis=0), year)))
    # what the choices change against today's practice, by kind
    kinds = (("terskel", "Terskel"), ("tilbud", "Tilbud"), ("plasser", "Plasser (bygge eller vente)"),
             ("tiltak", "Tiltak i alt"), ("samspill", "Samspill mellom valgene"), ("i_alt", "Alle valg"))
    for kind, label in kinds:
        def ndr_change(n, kind=kind):
            e = effects[n]
            part = e["ndr"].sel(year=year).where(e["choice_kind"] == kind, 0.0).sum()
            return money_change_text(float(part))
        row(f"Hva valgene endrer i {year}: {label} (netto driftsresultat, mill. kr)", ndr_change)
    for kind, label in (("i_alt", "Alle valg"),):
        def fte_change(n, kind=kind):
            e = effects[n]
            return endring(float(e["fte"].sel(year=year).where(e["choice_kind"] == kind, 0.0).sum()))
        row(f"Hva valgene endrer i {year}: {label} (årsverk)", fte_change)
    row("Tiltak (antall)", lambda n: tall(cols[n].n_measures))
    return rows


def proposal_table_html(rows: list[tuple[str, list[str]]], names: list[str], caption: str) -> str:
    """The rows of :func:`proposal_table` as an accessible HTML table (``data-proposal`` per column)."""
    esc = svg.esc
    head = "".join(f'<th scope="col" data-proposal="{i}">{esc(n)}</th>' for i, n in enumerate(names))
    body = "".join(f'<tr><th scope="row">{esc(label)}</th>'
                   + "".join(f'<td data-proposal="{i}">{esc(v)}</td>' for i, v in enumerate(values)) + "</tr>"
                   for label, values in rows)
    return (f'<table class="pm-table planmodel-proposal-table"><caption>{esc(caption)}</caption>'
            f'<thead><tr><th scope="col" style="text-align:left">Forslag</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def proposal_chart(results: Mapping[str, xr.Dataset], chart_id: str = "kk-forslag") -> str:
    """Netto driftsresultat [% of driftsinntektene] per year of every proposal against the norm,
    the first proposal's plan period shaded."""
    names = list(results)
    cols = {n: lines(results[n]) for n in names}
    years = [int(y) for y in cols[names[0]].years]
    series = []
    for n in names:
        lv = cols[n]
        series.append((n, [100 * lv.at(lv.ndr, y) if y in lv.index else float("nan") for y in years]))
    share = results[names[0]].plan.target_share
    plan = cols[names[0]].plan
    desc = "Netto driftsresultat i prosent av driftsinntektene per forslag: " + "; ".join(
        f"{n}: {tall(vals[years.index(plan[-1])], 1)} % i {plan[-1]} og {tall(vals[-1], 1)} % i {years[-1]}"
        for n, vals in series) + f". Normen er {norm_text(share)}."
    return svg.line_chart(years, series, title="Netto driftsresultat per forslag", y_label="% av driftsinntektene",
                          chart_id=chart_id, fmt=lambda v: tall(v, 1),
                          reference=[(100 * share, f"Norm {norm_text(share)}")],
                          shade=(plan[0], plan[-1], "Økonomiplan"), desc=desc)


def choices_text(scenario: PlanScenario) -> list[str]:
    """The choices of a proposal in words: befolkning, terskel, tilbud, places, economy, tiltak."""
    catalogue = load_catalogue(scenario.catalogue)
    library = load_library(scenario.library, catalogue)
    demo = SCENARIOS.get(scenario.demographic)
    th = scenario.threshold
    th_text = ("fra scenariofilen (" + ", ".join(f"{catalogue.threshold_groups[g].name if g in catalogue.threshold_groups else g}: "
                                                 f"{threshold_text(v).lower()}" for g, v in th.items()) + ")"
               if hasattr(th, "items") else threshold_text(th).lower())
    eco = dict(scenario.economy)
    measures = ", ".join(f"{library.measures[m.id].title if m.id in library.measures else m.id} (fra {m.start})"
                         for m in scenario.measures) or "ingen"
    return [f"Befolkning: {demo.label if demo else scenario.demographic}.",
            f"Terskel: {th_text}; tilbud: {breadth_text(scenario.breadth).lower()}.",
            "Nye plasser i sykehjem og heldøgns omsorgsbolig: "
            + ("bygges når behovet krever det." if scenario.behovsanalyse else "bygges ikke; de som ikke får plass, venter.")
            + (" Når plassene er fulle, får de tilbud ett trinn ned." if scenario.overflow == "step_down" else ""),
            "Frie inntekter: " + ("uten demografikompensasjon" if eco.get("demographic_compensation") == 0.0
                                  else "med demografikompensasjon" if "demographic_compensation" not in eco
                                  or eco["demographic_compensation"] == 1.0
                                  else f"demografikompensasjon {tall(100 * eco['demographic_compensation'])} %")
            + (f", realvekst {tall(100 * eco['free_income_growth'], 1)} % per år utover demografi"
               if eco.get("free_income_growth") else "") + ".",
            f"Tiltakenes virkning: {EFFECT_BOUND.get(scenario.effect_bound, scenario.effect_bound)}.",
            f"Tiltak: {measures}."]


def comparison_html(named: list[tuple[str, PlanScenario]], year: int,
                    results: Mapping[str, xr.Dataset] | None = None,
                    rows: list[tuple[str, list[str]]] | None = None) -> str:
    """A notat til folkevalgte comparing two to four proposals: one HTML document (no script, no
    external resource, a print stylesheet) with the table of :func:`proposal_table`, the chart of
    :func:`proposal_chart`, and per proposal its choices, key message and crisis signals.

    ``results``: name -> the proposal's run, and ``rows`` the :func:`proposal_table`, when the
    caller has them.
    """
    esc = svg.esc
    results = dict(results or {})
    for name, sc in named:
        if name not in results:
            results[name] = run(sc)
    results = {name: results[name] for name, _ in named}
    if rows is None:
        rows = proposal_table(results, {name: choice_effects(sc, results[name]) for name, sc in named}, year)
    names = [n for n, _ in named]
    first = results[names[0]]
    kommuner = sorted({f"{r.attrs.get('kommune_name', '')} ({r.attrs.get('kommune', '')})" for r in results.values()})
    title = f"Forslag side om side: {', '.join(kommuner)}"
    price = first.attrs.get("price_year", "")
    parts = ['<!DOCTYPE html>\n<html lang="nb">\n<head>\n<meta charset="utf-8">\n'
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f'<meta name="generator" content="planmodel {esc(__version__)}">\n'
             f"<title>{esc(title)}</title>\n<style>{REPORT_CSS}"
             ".pm-table { border-collapse: collapse; } .pm-table th, .pm-table td { padding: 4px 10px; "
             "border-bottom: 1px solid #ddd; text-align: right; } .pm-table th[scope=row] { text-align: left; } "
             ".pm-table caption { text-align: left; font-weight: 700; }"
             "@media print { .proposal { break-before: page; } }</style>\n</head>\n<body>\n<main>\n"
             '<header>\n<p class="kicker">Notat til folkevalgte · planmodel</p>\n'
             f"<h1>{esc(title)}</h1>\n"
             f'<p class="meta">{len(names)} forslag: {esc(", ".join(names))}. Beløp i faste {esc(price)}-priser; '
             f"personer, årsverk og valg i {year}.</p>\n</header>\n"
             '<section id="sammenligning">\n<h2>Sammenligning</h2>\n<div class="scroll">',
             proposal_table_html(rows, names, f"Forslagene i {year}"),
             "</div>\n",
             f'<figure style="margin:1rem 0">{proposal_chart(results, "notat-forslag")}</figure>\n',
             '<p class="note">«Hva valgene endrer» er hvert valg alene mot dagens praksis (terskel og tilbud som i '
             "dag, ingen tiltak); samspillet mellom valgene står for seg, så radene summerer til «Alle valg».</p>\n"
             "</section>\n"]
    for name, sc in named:
        ds = results[name]
        parts.append(f'<section class="proposal">\n<h2>{esc(name)}</h2>\n<h3>Valgene</h3><ul>'
                     + "".join(f"<li>{esc(t)}</li>" for t in choices_text(sc)) + "</ul>\n"
                     "<h3>Hovedbudskap</h3><div class=\"message\"><ul>"
                     + "".join(f"<li>{esc(t)}</li>" for t in key_message(ds, key_numbers(ds))) + "</ul></div>\n"
                     "<h3>Krisesignaler</h3>" + signals_html(crisis_signals(ds))
                     + f'<p class="note">{esc(legend())}</p>\n</section>\n')
    parts.append('<footer id="kilder">\n<h2>Kilder og begrensninger</h2>\n<ul>'
                 + "".join(f"<li>{esc(t)}</li>" for t in SOURCES) + "</ul>\n<ul>"
                 + "".join(f"<li>{esc(t)}</li>" for t in LIMITATIONS) + "</ul>\n"
                 f"<p>{esc(SSB_CREDIT)} Laget med planmodel {esc(__version__)}; tallene er beregninger under "
                 "forutsetningene, ikke prognoser.</p>\n</footer>\n</main>\n</body>\n</html>\n")
    return "".join(parts)


__all__ = ["MAX_PROPOSALS", "Proposal", "choices_text", "comparison_html", "proposal_chart", "proposal_table",
           "proposal_table_html"]
