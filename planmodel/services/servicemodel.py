"""From population to users, årsverk and kroner for a kommune.

``run_services`` wires the steps: population projection -> calibration of the base year to the
kommune's KOSTRA users -> demand under the options (threshold, breadth, capacity) -> cost and
årsverk -> workforce. Any option may be a DataArray with its own dimension (for example a
``draw`` axis, or several thresholds side by side): it broadcasts through every step. The full
chain with the økonomiplan is :func:`planmodel.model.run`; the crisis 2×2 of a scenario is
:func:`planmodel.analysis.crisis.crisis_matrix`.
"""

from __future__ import annotations


import numpy as np
import xarray as xr

from planmodel.population import demography
from planmodel.population.demography import population_for
from planmodel.services.calibration import Calibration, calibration_for
from planmodel.services.costs import cost_arrays, cost_per_inhabitant, sector_matrix, waiting_costs
from planmodel.services.demand import DemandArrays, ServiceOptions, demand_arrays, demand_dataset
from planmodel.inputs.catalogue import Catalogue, load_catalogue
from planmodel.services.workforce import staff_share_60_66, workforce_arrays



def service_results(pop: xr.DataArray, catalogue: Catalogue, calibration: Calibration,
                    options: ServiceOptions, staff_override=None) -> xr.Dataset:
    """All service-model outputs for a population path (year, age, sex, ...) [persons]."""
    d: DemandArrays = demand_arrays(pop, catalogue, calibration.coverage, options)
    c0 = d.lead.flat(calibration.coverage, ("service", "age"))
    costs = cost_arrays(d, catalogue, coverage0=c0,
                        unit_cost=calibration.unit_cost_values)
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
    ds["ventekostnad"] = lead.unflat(
        waiting_costs(d, catalogue, calibration.unit_cost_values), ("capacity_group", "year"),
        {"capacity_group": list(catalogue.capacity_groups), "year": d.years}, units=price,
        long_name="Ventekostnad (de som venter, og tillegg for tilbud ett trinn ned)")
    for name, key, units, label in [("cost", "cost", price, "Kostnad"), ("fte", "fte", "årsverk", "Årsverk"),
                                    ("demographic_cost", "demographic_cost", price, "Demografikostnad")]:
        ds[name] = lead.unflat(costs[key], ("service", "year"), cc, units=units, long_name=label)
    ds["cost_per_inhabitant"] = cost_per_inhabitant(catalogue, calibration.coverage, pop.isel(year=0),
                                                    calibration.unit_cost)
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
        :data:`planmodel.population.demography.SCENARIOS`); options : :class:`ServiceOptions`;
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
        population = population_for(kommune, scenario, end_year)
    pop = population
    code = pop.attrs.get("kommune", str(kommune))
    base_year = int(pop["year"][0])
    cal = calibration_for(catalogue, pop, code, base_year)
    ds = service_results(pop, catalogue, cal, options, staff_override=staff_profile)
    ds["population"] = pop
    ds.attrs.update({k: pop.attrs[k] for k in ("kommune", "kommune_name", "scenario", "scenario_label", "sources")
                     if k in pop.attrs})
    return ds
