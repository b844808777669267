"""How sure is this, shown: fan chart, tornado, table and the app's panel text (bokmål).

Every figure is read from the Monte Carlo results of :mod:`planmodel.analysis.uncertainty`;
nothing here re-derives a model fact.
"""

from __future__ import annotations

import html

import pandas as pd
import xarray as xr

from planmodel.analysis.uncertainty import Sensitivity, Summary, fan, probability_below_target
from planmodel.core.formatting import NBSP, prosent, tall
from planmodel.present import svg
from planmodel.present.charts import ndr_line_chart
from planmodel.present.keynumbers import money_change_text, ndr_text, norm_text

SOURCE = "Kilde: Statistisk sentralbyrå (CC BY 4.0), KOSTRA og inntektssystemet 2025; usikkerhetsområder i data/usikkerhet"


def fan_chart(ds: xr.Dataset, place: str = "", chart_id: str = "usikkerhet-vifte") -> str:
    """Netto driftsresultat [% of driftsinntektene] per year: median, 50 % and 90 % bands of the
    draws, the norm and the plan period (SVG)."""
    q = fan(ds, "netto_driftsresultat_andel") * 100
    years = [int(y) for y in ds["year"].values]
    plan = [y for y, p in zip(years, ds["plan_year"].values) if p]
    share = float(ds.attrs["target_share"])
    med = list(q.sel(quantile=0.5).values)
    lo90, hi90 = q.sel(quantile=0.05).values, q.sel(quantile=0.95).values
    desc = (f"Netto driftsresultat i prosent av driftsinntektene {years[0]}–{years[-1]}{', ' + place if place else ''}, "
            f"{ds.sizes['draw']} trekk: i {years[-1]} median {tall(med[-1], 1)} %, 90 % av trekkene mellom "
            f"{tall(lo90[-1], 1)} og {tall(hi90[-1], 1)} %. Normen er {norm_text(share)}.")
    return ndr_line_chart(years, [("Median", med)], share, plan, title="Netto driftsresultat med usikkerhet",
                          chart_id=chart_id, desc=desc,
                          bands=[("90 % av trekkene", list(lo90), list(hi90)),
                                 ("50 % av trekkene", list(q.sel(quantile=0.25).values),
                                  list(q.sel(quantile=0.75).values))])


def fan_table(ds: xr.Dataset, variable: str = "netto_driftsresultat_andel") -> pd.DataFrame:
    """Per year: P5, P25, median, P75, P95 of ``variable`` and the probability of a result below
    the norm, with bokmål headings and units."""
    q = fan(ds, variable)
    share = "share" in ds[variable].attrs.get("units", "")
    scale, unit = (100.0, "%") if share else (1 / 1000.0, "mill. kr")
    out = pd.DataFrame({f"{name} [{unit}]": q.sel(quantile=p).values * scale
                        for name, p in (("P5", 0.05), ("P25", 0.25), ("Median", 0.5), ("P75", 0.75), ("P95", 0.95))},
                       index=pd.Index([int(y) for y in ds["year"].values], name="År"))
    out["Sannsynlighet under normen [%]"] = probability_below_target(ds).values * 100
    return out.round(1)


def sensitivity_table(s: Sensitivity) -> pd.DataFrame:
    """The tornado as a table (largest swing first), amounts in mill. kr."""
    t = s.table
    return pd.DataFrame({
        "Forutsetning": t["navn"],
        "Lav (p5)": t["lav"].round(4), "Høy (p95)": t["høy"].round(4), "Enhet": t["enhet"],
        "Mot målet, lav [mill. kr]": (t["mot_mal_lav"] / 1000).round(1),
        "Mot målet, høy [mill. kr]": (t["mot_mal_høy"] / 1000).round(1),
        "Utslag [mill. kr]": (t["utslag"] / 1000).round(1),
        "Status": t["status"].map({"sourced": "kilde", "derived": "beregnet", "assumption": "anslag"}),
    })


def tornado_chart(s: Sensitivity, chart_id: str = "usikkerhet-tornado") -> str:
    """Each assumption at its low and high end: the change of the result against the target from
    the central run [mill. kr], largest swing first (SVG)."""
    t = s.table
    low = list((t["mot_mal_lav"] - s.central) / 1000)
    high = list((t["mot_mal_høy"] - s.central) / 1000)
    desc = (f"{s.what}: endring fra sentral beregning når én forutsetning er lav (5-persentil) eller høy "
            f"(95-persentil). Størst utslag: {t['navn'].iloc[0]} ({tall(t['utslag'].iloc[0] / 1000, 1)} mill. kr).")
    decimals = 0 if max(map(abs, low + high), default=0.0) >= 100 else 1  # a small kommune's millions need one
    return svg.bar_chart(list(t["navn"]), [("Lav ende (5-persentil)", low), ("Høy ende (95-persentil)", high)],
                         title="Hvilke forutsetninger betyr mest?",
                         value_label="endring i netto driftsresultat mot målet, mill. kr", chart_id=chart_id,
                         fmt=lambda v: tall(v, decimals), desc=desc, label_width=30)


def summary_html(sm: Summary, place: str = "") -> str:
    """The app's "Hvor sikkert er dette?" panel: the band on the result, the probability of
    missing the norm, and the three assumptions that matter most."""
    lo, mid, hi = sm.band
    rows = "".join(f"<li>{html.escape(label)}: fra lav til høy ende flytter den resultatet "
                   f"{money_change_text(swing).lstrip('+')} i perioden</li>" for _, label, swing in sm.top)
    return (
        '<div class="pm-usikkerhet">'
        f"<p><b>Netto driftsresultat i {sm.year}</b>: {ndr_text(sm.deterministic)} i beregningen; i 90{NBSP}% av "
        f"{tall(sm.draws)} trekk mellom <b>{ndr_text(lo)}</b> og <b>{ndr_text(hi)}</b> (median {ndr_text(mid)}).</p>"
        f"<p><b>Sannsynlighet for å havne under normen</b> minst ett år i økonomiplanperioden: "
        f"<b>{prosent(sm.miss_plan, 0)}</b> (i {sm.year}: {prosent(sm.miss_year, 0)}).</p>"
        f"<p><b>Forutsetningene som betyr mest</b> for resultatet i perioden:</p><ol>{rows}</ol>"
        f'<p class="pm-kilde">Trekk av befolkning, dekningsgrader, enhetskostnader, tiltakenes virkning, '
        f"inntektsvekst og rente; de samme trekkene hver gang (frø {sm.seed}). Områdene og kildene står i "
        "data/usikkerhet/usikkerhet.yaml. "
        f"{html.escape(SOURCE.split(';')[0])}.</p>"
        "</div>"
    )
