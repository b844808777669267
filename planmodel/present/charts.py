"""Charts for the apps and the brief: one implementation, inline SVG strings.

Every chart is drawn by :mod:`planmodel.present.svg`, from a :func:`planmodel.model.run` result
(read once through :func:`planmodel.present.keynumbers.lines`) or, for the Befolkning app, from
a projected population (:func:`population_pyramid`, :func:`age_group_panels`). Each carries a
``<title>``, an ``aria-labelledby`` and a text description with the numbers, and gives the same
text for the same data. Matplotlib is left to the notebooks.

The value axis (the rule for every chart here):

- **Levels start at 0**: persons, årsverk and kroner — bars (:func:`sector_chart`,
  :func:`population_chart`, :func:`care_chart`, :func:`gap_chart`), lines
  (:func:`workforce_chart`), the pyramid and the small multiples. A level drawn from its own
  minimum (an årsverk axis from 3 250) makes a growth of a few per cent look like a doubling.
- **Shares keep their own scale**: netto driftsresultat in % of driftsinntektene
  (:func:`ndr_chart`) is read against the norm (the reference line), and the distance to it is
  what matters; zero is drawn darker when it is inside the range.

:func:`planmodel.present.svg.line_chart` starts at 0 unless told ``from_zero=False``; the bar and
column charts always include 0.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planmodel.core.formatting import tall
from planmodel.core.ages import MAX_AGE
from planmodel.core.labels import age_group_label, age_range_label
from planmodel.present import svg
from planmodel.present.keynumbers import Lines, lines, norm_text

#: Broad age groups of the population chart: label (:func:`planmodel.core.labels.age_range_label`)
#: -> (first, last age).
AGE_GROUPS = {age_range_label(lo, hi): (lo, hi) for lo, hi in ((0, 19), (20, 66), (67, 79), (80, 89), (90, MAX_AGE))}


def _f0(v: float) -> str:
    return tall(v, 0)


def _f1(v: float) -> str:
    return tall(v, 1)


def ndr_chart(ds: xr.Dataset, place: str, chart_id: str = "kk-ndr") -> str:
    """Netto driftsresultat [% of driftsinntektene] per year against the norm, the plan period
    shaded."""
    lv = lines(ds)
    years, plan = [int(y) for y in lv.years], lv.plan
    vals = list(100 * lv.ndr)
    share = ds.plan.target_share
    b, h = years[0], years[-1]
    desc = (f"Netto driftsresultat i prosent av driftsinntektene {b}–{h}, {place}: {_f1(vals[0])} % i {b}, "
            f"{_f1(vals[years.index(plan[-1])])} % i {plan[-1]} og {_f1(vals[-1])} % i {h}. "
            f"Normen er {norm_text(share)}.")
    return ndr_line_chart(years, [("Netto driftsresultat", vals)], share, plan, title="Netto driftsresultat mot normen",
                          chart_id=chart_id, desc=desc)


def ndr_line_chart(years: list[int], series, share: float, plan: list[int], *, title: str, chart_id: str,
                   desc: str, bands=()) -> str:
    """Netto driftsresultat [% of driftsinntektene] as lines (and bands, for Monte Carlo) against
    the norm ``share``, the plan years shaded: one look for every chart of the result."""
    return svg.line_chart(years, series, title=title, y_label="% av driftsinntektene", chart_id=chart_id, fmt=_f1,
                          reference=[(100 * share, f"Norm {norm_text(share)}")],
                          shade=(plan[0], plan[-1], "Økonomiplan") if plan else None, desc=desc, from_zero=False,
                          bands=bands)


def gap_chart(ds: xr.Dataset) -> str:
    """Inndekningsbehov per year [mill. kr], plan years highlighted."""
    lv = lines(ds)
    years, plan = [int(y) for y in lv.years], lv.plan
    vals = list(lv.gap / 1000)
    if any(v > 0 for v in vals):
        desc = ("Inndekningsbehov (det netto driftsresultat mangler for å nå normen) per år i millioner kroner: "
                + "; ".join(f"{y}: {_f1(v)}" for y, v in zip(years, vals) if v > 0) + ".")
    else:
        desc = "Ingen inndekningsbehov: netto driftsresultat når normen hvert år."
    return svg.column_chart(years, vals, title="Inndekningsbehov per år", y_label="mill. kr (faste priser)",
                            chart_id="kk-gap", fmt=_f0, desc=desc,
                            highlight=[y in plan for y in years], highlight_label="Økonomiplanperioden")


def _three_years(lv: Lines) -> list[int]:
    return [lv.base, lv.plan[-1], lv.horizon]


def _bars_desc(what: str, names: list[str], series: list[tuple[str, list[float]]], fmt) -> str:
    return what + ": " + "; ".join(
        f"{n}: " + ", ".join(f"{fmt(s[1][i])} i {s[0]}" for s in series) for i, n in enumerate(names)) + "."


def sector_chart(ds: xr.Dataset) -> str:
    """Sector frames [mill. kr] in the base year, the last plan year and the horizon."""
    lv = lines(ds)
    series = [(str(y), list(lv.frames[:, lv.index[y]] / 1000)) for y in _three_years(lv)]
    desc = _bars_desc("Netto sektorrammer i millioner kroner", lv.sector_names, series, _f0)
    return svg.bar_chart(lv.sector_names, series, title="Kostnad etter sektor", chart_id="kk-sector",
                         value_label="mill. kr (netto sektorramme, faste priser)", fmt=_f0, desc=desc)


def population_chart(ds: xr.Dataset) -> str:
    """Persons by broad age group in the base year, the last plan year and the horizon."""
    lv = lines(ds)
    groups = {g: lv.aged(lo, hi) for g, (lo, hi) in AGE_GROUPS.items()}
    series = [(str(y), [lv.at(v, y) for v in groups.values()]) for y in _three_years(lv)]
    desc = _bars_desc("Personer etter aldersgruppe", list(AGE_GROUPS), series, _f0)
    return svg.bar_chart(list(AGE_GROUPS), series, title="Befolkningen etter alder", chart_id="kk-population",
                         value_label="personer 1. januar", fmt=_f0, desc=desc, label_width=14)


def workforce_chart(ds: xr.Dataset, sector: str | None, chart_id: str) -> str:
    """Årsverk need and supply per year, for one sector (e.g. helse og omsorg) or in total."""
    lv = lines(ds)
    years = [int(y) for y in lv.years]
    if sector is None:
        need, supply, name = lv.fte_need.sum(axis=0), lv.fte_supply.sum(axis=0), "alle sektorer"
    else:
        k = lv.sectors.index(sector)
        need, supply, name = lv.fte_need[k], lv.fte_supply[k], lv.sector_names[k].lower()
    h = years[-1]
    desc = (f"Årsverk, {name}: behov {_f0(need[-1])} og tilgang {_f0(supply[-1])} i {h} "
            f"(basisåret: {_f0(need[0])}).")
    return svg.line_chart(years, [("Behov", list(need)), ("Tilgang", list(supply))],
                          title=f"Årsverk: behov og tilgang, {name}", y_label="årsverk", chart_id=chart_id,
                          desc=desc, fmt=_f0, shade=(lv.plan[0], lv.plan[-1], "Økonomiplan"))


def care_chart(ds: xr.Dataset) -> str:
    """Users per level of the omsorgstrapp in the base year, the last plan year and the horizon."""
    lv = lines(ds)
    years = _three_years(lv)
    series = [(str(y), list(lv.users_by_level[:, lv.index[y]])) for y in years]
    desc = (_bars_desc("Brukere per nivå i omsorgstrappen", lv.level_names, series, _f0)
            + f" Ventende på plass: {_f0(lv.at(lv.queue, years[1]))} i {years[1]}, "
              f"{_f0(lv.at(lv.queue, years[2]))} i {years[2]}.")
    return svg.bar_chart(lv.level_names, series, title="Brukere i omsorgstrappen", chart_id="kk-care",
                         value_label="personer", fmt=_f0, desc=desc, label_width=26)


# ------------------------------------------------------------------ population (Befolkning app)

def _by_age_group(total: np.ndarray, ages: np.ndarray) -> list[tuple[str, float]]:
    """Persons in each of :data:`AGE_GROUPS`, from persons per single age."""
    return [(g, float(total[(ages >= lo) & (ages <= hi)].sum())) for g, (lo, hi) in AGE_GROUPS.items()]


def population_pyramid(pop_year: xr.DataArray, base_year_pop: xr.DataArray | None, place: str,
                       scenario_label: str, year: int, chart_id: str = "pm-pyramid") -> str:
    """Population pyramid of one year, with the base year as a black outline.

    Parameters
    ----------
    pop_year : DataArray (age, sex) [persons], the chosen year.
    base_year_pop : DataArray (age, sex) [persons] of the base year (with its scalar ``year``
        coordinate), or None for no outline. Not drawn when it is the chosen year itself.
    place : the kommune as shown in the app, e.g. ``"Bærum (3201)"``.
    scenario_label : the scenario's Norwegian name.
    year : the chosen year.
    chart_id : unique id on the page.

    Returns
    -------
    str, an ``<svg>``; its ``<title>`` names year, place and scenario, its ``<desc>`` gives the
    totals by sex and by broad age group (and the base year's, when outlined).
    """
    da = pop_year.transpose("age", "sex")
    ages = da["age"].values
    men, women = da.sel(sex="male").values, da.sel(sex="female").values
    base = None if base_year_pop is None else int(base_year_pop["year"])
    reference = ref_total = None
    if base is not None and base != int(year):
        ref = base_year_pop.transpose("age", "sex").sel(age=da["age"])
        reference = (ref.sel(sex="male").values, ref.sel(sex="female").values)
        ref_total = reference[0] + reference[1]
    groups = _by_age_group(men + women, ages)
    desc = (f"Befolkningen i {place} 1. januar {year} etter ettårig alder, menn til venstre og kvinner til "
            f"høyre, {scenario_label}: {_f0(np.nansum(men) + np.nansum(women))} personer, "
            f"{_f0(np.nansum(men))} menn og {_f0(np.nansum(women))} kvinner.")
    if ref_total is None:
        desc += " Etter alder: " + "; ".join(f"{g}: {_f0(v)}" for g, v in groups) + "."
    else:
        before = dict(_by_age_group(ref_total, ages))
        desc += (f" Den svarte streken viser basisåret {base} med {_f0(np.nansum(ref_total))} personer. "
                 f"Etter alder, {year} (i parentes {base}): "
                 + "; ".join(f"{g}: {_f0(v)} ({_f0(before[g])})" for g, v in groups) + ".")
    return svg.pyramid_chart(ages, men, women, title=f"Befolkningspyramide {year}: {place}",
                             subtitle=scenario_label, chart_id=chart_id, reference=reference,
                             reference_label=f"{base} (basisår)", desc=desc, fmt=_f0)


def age_group_panels(groups: xr.DataArray, place: str, scenario_label: str,
                     chart_id: str = "pm-age-groups") -> str:
    """Small multiples: persons in each KOSTRA age group over the years, one panel per group,
    each y axis from zero.

    Parameters
    ----------
    groups : DataArray (year, age_group) [persons], e.g. ``to_kostra_groups(pop).sum("sex")``.
    place, scenario_label : as shown in the app.
    chart_id : unique id on the page.

    Returns
    -------
    str, an ``<svg>``; its ``<desc>`` gives every group's first and last value.
    """
    da = groups.transpose("year", "age_group")
    years = [int(y) for y in da["year"].values]
    values = da.values
    panels = [(age_group_label(str(g)), list(values[:, k])) for k, g in enumerate(da["age_group"].values)]
    first, last = years[0], years[-1]
    desc = (f"Personer i hver KOSTRA-aldersgruppe {first}–{last}, {place}, {scenario_label}, én rute per "
            f"gruppe med egen skala fra null: "
            + "; ".join(f"{label}: {_f0(v[0])} i {first} og {_f0(v[-1])} i {last}" for label, v in panels) + ".")
    return svg.small_multiples(years, panels, title=f"Personer etter aldersgruppe: {place}",
                               subtitle=scenario_label, chart_id=chart_id, fmt=_f0, desc=desc,
                               y_label="personer 1. januar (hver rute har sin egen skala, fra null)",
                               x_label="År (1. januar)")
