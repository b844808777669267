"""From population to users, årsverk and kroner for a kommune, and the crisis 2×2.

``run_services`` wires the steps: population projection -> calibration of the base year to the
kommune's KOSTRA users -> demand under the options (threshold, breadth, capacity) -> cost and
årsverk -> workforce. ``crisis_matrix`` runs the four corners narrow/broad × high/low threshold
in one vectorised pass (the options are dimensions, not a loop).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import xarray as xr

from planmodel.population import demography
from planmodel.services.calibration import Calibration, calibrate
from planmodel.services.costs import cost_arrays, cost_per_inhabitant, sector_matrix
from planmodel.services.demand import DemandArrays, ServiceOptions, demand_arrays, demand_dataset
from planmodel.inputs.catalogue import Catalogue, load_catalogue
from planmodel.services.workforce import staff_share_60_66, workforce_arrays

THRESHOLD_OPTIONS = {"high": ("Høy terskel", 1.0), "low": ("Lav terskel", -1.0)}
BREADTH_OPTIONS = {"narrow": ("Smalt tilbud", -1.0), "broad": ("Bredt tilbud", 1.0)}


def service_results(pop: xr.DataArray, catalogue: Catalogue, calibration: Calibration,
                    options: ServiceOptions, staff_override=None) -> xr.Dataset:
    """All service-model outputs for a population path (year, age, sex, ...) [persons]."""
    d: DemandArrays = demand_arrays(pop, catalogue, calibration.coverage, options)
    c0 = d.lead.flat(calibration.coverage, ("service", "age"))
    costs = cost_arrays(d, catalogue, coverage0=c0)
    sectors, M = sector_matrix(catalogue)
    fte_sector = np.einsum("ks,syn->kyn", M, costs["fte"])
    wf = workforce_arrays(fte_sector, d.P, staff_share_60_66(catalogue, sectors, staff_override),
                          catalogue.staff.retirement_rate_60_66)
    ds = demand_dataset(d, catalogue)
    lead = d.lead
    cc = {"service": list(catalogue.ids), "year": d.years, "sector": sectors}
    price = f"NOK 1000, {catalogue.price_year} prices"
    sector_vars = {
        "cost_sector": (np.einsum("ks,syn->kyn", M, costs["cost"]), price, "Kostnad etter sektor"),
        "demographic_cost_sector": (np.einsum("ks,syn->kyn", M, costs["demographic_cost"]), price,
                                    "Demografikostnad (dekning og standard som i basisåret)"),
        "fte_sector": (fte_sector, "årsverk", "Årsverk behov"),
        "fte_supply": (wf["fte_supply"], "årsverk", "Årsverk tilgang (samme andel av 20–66 år som i basisåret)"),
        "fte_gap": (wf["fte_gap"], "årsverk", "Årsverk: behov minus tilgang"),
        "retirements": (wf["retirements"], "årsverk per year", "Avgang ved pensjonering"),
        "recruitment_need": (wf["recruitment_need"], "årsverk per year", "Rekrutteringsbehov"),
    }
    for name, (vals, units, label) in sector_vars.items():
        ds[name] = lead.unflat(vals, ("sector", "year"), cc, units=units, long_name=label)
    for name, key, units, label in [("cost", "cost", price, "Kostnad"), ("fte", "fte", "årsverk", "Årsverk"),
                                    ("demographic_cost", "demographic_cost", price, "Demografikostnad")]:
        ds[name] = lead.unflat(costs[key], ("service", "year"), cc, units=units, long_name=label)
    ds["cost_per_inhabitant"] = cost_per_inhabitant(catalogue, calibration.coverage, pop.isel(year=0))
    ds = ds.assign_coords(sector_name=("sector", [catalogue.sectors[s] for s in sectors]))
    ds.attrs.update({
        "price_year": catalogue.price_year, "money_units": price,
        "calibration": calibration.basis_text(), "catalogue": catalogue.source,
    })
    return ds


def run_services(kommune: str, scenario: str = "main", options: ServiceOptions | None = None,
                 end_year: int = demography.END_YEAR, catalogue: Catalogue | None = None,
                 population: xr.DataArray | None = None, staff_profile=None) -> xr.Dataset:
    """Service demand, cost and workforce for a kommune and demographic scenario.

    Parameters
    ----------
    kommune : kommune number or name; scenario : demographic scenario id (see
        :data:`planmodel.demography.SCENARIOS`); options : :class:`ServiceOptions`;
    end_year : last year; catalogue : a :class:`Catalogue` (default: the shipped one);
    population : use this population path (year, age, sex, ...) [persons] instead of projecting.
    staff_profile : {sector: shares by age group} the kommune's own staff age profile (the
        catalogue's age groups, e.g. 20-29 ... 60-66), replacing the catalogue's assumption.

    Returns
    -------
    Dataset: ``users``, ``demand``, ``users_by_level``, ``queue``, ``capacity``,
    ``stepped_down``, ``unmet_need`` [persons]; ``cost``, ``cost_sector``,
    ``demographic_cost(_sector)`` [NOK 1000, fixed prices]; ``fte``, ``fte_sector``,
    ``fte_supply``, ``fte_gap``, ``retirements``, ``recruitment_need`` [årsverk];
    ``cost_per_inhabitant`` (age_group) [NOK]; ``population`` (year, age, sex) [persons].
    attrs: kommune, scenario, price_year, calibration (Norwegian text).
    """
    catalogue = catalogue or load_catalogue()
    options = options or ServiceOptions()
    if population is None:
        from planmodel.model.chain import population_for
        from planmodel.inputs.scenario import PlanScenario

        population = population_for(PlanScenario(kommune=str(kommune), demographic=scenario, horizon=end_year))
    pop = population
    code = pop.attrs.get("kommune", str(kommune))
    base_year = int(pop["year"][0])
    cal = _calibration(catalogue, pop, code, base_year)
    ds = service_results(pop, catalogue, cal, options, staff_override=staff_profile)
    ds["population"] = pop
    ds.attrs.update({k: pop.attrs[k] for k in ("kommune", "kommune_name", "scenario", "scenario_label", "sources")
                     if k in pop.attrs})
    return ds


_CAL_CACHE: dict = {}


def _calibration(catalogue: Catalogue, pop: xr.DataArray, code: str, base_year: int) -> Calibration:
    """Calibration per (catalogue, kommune, base population): computed once per process."""
    key = (id(catalogue), code, base_year, float(pop.values[0].sum()))
    if key not in _CAL_CACHE:
        _CAL_CACHE[key] = calibrate(catalogue, pop.isel(year=0), code, base_year - 1)
    return _CAL_CACHE[key]


def crisis_options(base: ServiceOptions | None = None) -> ServiceOptions:
    """Options whose threshold and breadth are the 2×2 corners as dimensions."""
    th = xr.DataArray([v for _, v in THRESHOLD_OPTIONS.values()], dims="threshold_option",
                      coords={"threshold_option": list(THRESHOLD_OPTIONS)})
    br = xr.DataArray([v for _, v in BREADTH_OPTIONS.values()], dims="breadth_option",
                      coords={"breadth_option": list(BREADTH_OPTIONS)})
    return replace(base or ServiceOptions(), threshold=th, breadth=br)


def crisis_matrix(kommune: str, scenario: str = "main", end_year: int = 2040,
                  options: ServiceOptions | None = None, catalogue: Catalogue | None = None) -> xr.Dataset:
    """The crisis 2×2: narrow/broad offer × high/low threshold, over the plan period and to 2040.

    One vectorised run with dimensions ``breadth_option`` (narrow, broad) and
    ``threshold_option`` (high, low), each with Norwegian labels (``breadth_label``,
    ``threshold_label``). All outputs of :func:`run_services` are there: cost by sector, users
    by care level, årsverk need vs supply, unmet need and queue.
    """
    ds = run_services(kommune, scenario, crisis_options(options), end_year=end_year, catalogue=catalogue)
    return ds.assign_coords(
        threshold_label=("threshold_option", [v[0] for v in THRESHOLD_OPTIONS.values()]),
        breadth_label=("breadth_option", [v[0] for v in BREADTH_OPTIONS.values()]),
    )


def crisis_summary(ds: xr.Dataset, years: list[int]) -> "xr.Dataset":
    """Key figures of the 2×2 per corner and year: cost total [NOK 1000], årsverk gap, unmet
    need and people waiting [persons]."""
    out = xr.Dataset({
        "cost_total": ds["cost_sector"].sum("sector"),
        "fte_gap_total": ds["fte_gap"].sum("sector"),
        "unmet_need_total": ds["unmet_need"].sum("threshold_group"),
        "queue_total": ds["queue"].sum("capacity_group"),
    }).sel(year=years)
    return out
