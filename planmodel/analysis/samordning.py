"""Samordning across sectors: who pays and who gains for each tiltak.

A tiltak may cost in one sector and save in another (early effort in barn og unge lowering
barnevern; hverdagsrehabilitering lowering sykehjem). For each chosen tiltak the service model
runs with that tiltak alone against none — all in one vectorised pass with a ``measure_set``
axis of M + 1 columns — and the difference in each sector's cost is the tiltak's effect there.
Its own operating cost falls in its own sector. Places are not capacity-limited in this
attribution, so an effect is not hidden by a full sykehjem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.services.costs import cost_arrays, sector_matrix
from planmodel.services.demand import ServiceOptions, demand_arrays
from planmodel.core.lead import Lead
from planmodel.services.effects import measure_arrays
from planmodel.model.chain import Prepared, prepare
from planmodel.inputs.scenario import PlanScenario


def samordning(scenario: PlanScenario | Prepared) -> xr.Dataset:
    """Who pays / who gains per tiltak and sector.

    Returns
    -------
    Dataset with dims (measure, sector, year) [NOK 1000, fixed prices]: ``drift`` (the tiltak's
    own operating cost, in its own sector), ``effekt`` (change in service costs; negative is a
    saving) and ``netto`` (drift + effekt); and ``netto_planperiode`` (measure, sector) summed over
    the plan period. Coordinates give Norwegian names of tiltak and sectors.
    """
    p = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    measures = p.measures
    M = len(measures)
    years = p.years
    sectors, S2K = sector_matrix(p.catalogue)
    cols = ["ingen"] + [m.id for m in measures]
    lead = Lead(("measure_set",), {"measure_set": np.array(cols)}, (M + 1,))
    active = np.zeros((M, M + 1))
    active[np.arange(M), np.arange(M) + 1] = 1.0
    ma = measure_arrays(measures, p.catalogue, years, float(p.pop.isel(year=0).sum()), active=active,
                        bound=p.scenario.effect_bound, lead=lead)
    sc = p.scenario
    ample = {g: 1e12 for g in p.catalogue.capacity_groups}
    options = ServiceOptions(threshold=sc.threshold if not hasattr(sc.threshold, "items") else dict(sc.threshold),
                             breadth=sc.breadth, overflow=sc.overflow, base_capacity=ample,
                             dropped=tuple(sc.dropped), effect_bound=sc.effect_bound)
    d = demand_arrays(p.pop, p.catalogue, p.calibration.coverage, options, measures=ma)
    costs = cost_arrays(d, p.catalogue, measures=ma,
                        unit_cost=p.calibration.unit_cost_values)
    by_sector = np.einsum("ks,syn->kyn", S2K, costs["cost"])  # (K, Y, M+1)
    effect = np.moveaxis(by_sector[:, :, 1:] - by_sector[:, :, :1], 2, 0)  # (M, K, Y)
    drift = np.zeros_like(effect)
    for m, meas in enumerate(measures):
        drift[m, sectors.index(meas.sector)] = ma.operating[m]
    coords = {"measure": [m.id for m in measures], "sector": sectors, "year": years,
              "measure_title": ("measure", [m.title for m in measures]),
              "measure_sector": ("measure", [m.sector for m in measures]),
              "sector_name": ("sector", [p.catalogue.sectors[s] for s in sectors])}
    nok = f"NOK 1000, {p.catalogue.price_year} prices"
    ds = xr.Dataset({
        "drift": (("measure", "sector", "year"), drift, {"units": nok, "long_name": "Tiltakets driftskostnad"}),
        "effekt": (("measure", "sector", "year"), effect, {"units": nok, "long_name": "Virkning på tjenestekostnadene"}),
    }, coords=coords)
    ds["netto"] = (ds["drift"] + ds["effekt"]).assign_attrs(units=nok, long_name="Netto (kostnad minus gevinst)")
    first, last = sc.plan_period
    plan = (years >= first) & (years <= last)
    ds["netto_planperiode"] = ds["netto"].isel(year=np.flatnonzero(plan)).sum("year").assign_attrs(
        units=nok, long_name=f"Netto i økonomiplanperioden {years[plan][0]}–{years[plan][-1]}")
    return ds


def who_pays_who_gains(ds: xr.Dataset) -> pd.DataFrame:
    """The matrix as a table: rows tiltak, columns sectors (mill. kr over the plan period,
    positive = pays, negative = gains), with a net column."""
    t = (ds["netto_planperiode"] / 1000.0).round(1).to_pandas()
    t.index = [str(x) for x in ds["measure_title"].values]
    t.columns = [str(x) for x in ds["sector_name"].values]
    t["Netto"] = t.sum(axis=1).round(1)
    t.attrs = {"units": "mill. kr i faste priser, sum over økonomiplanperioden; + betaler, − får gevinst"}
    return t


def with_measure_gains(ds: xr.Dataset, scenario: PlanScenario | Prepared) -> xr.Dataset:
    """The run result ``ds`` with ``tiltak_gevinst`` (measure, year) [NOK 1000, fixed prices]:
    each chosen tiltak's saving on the service costs (positive = lower costs), from the
    :func:`samordning` attribution (the tiltak alone against none, places not capacity-limited),
    summed over sectors. Together the tiltak may save less than the sum of these (they act on
    the same users, and places can be full): the run's own total is ``sektor_tiltak_effekt``."""
    sam = samordning(scenario)
    gain = -sam["effekt"].sum("sector")
    gain = gain.reindex(measure=ds["measure"].values, fill_value=0.0).transpose("measure", "year")
    nok = ds["tiltak_drift"].attrs.get("units", sam["effekt"].attrs.get("units", ""))
    out = ds.copy()
    out["tiltak_gevinst"] = (("measure", "year"), gain.values + 0.0,
                             {"units": nok, "long_name": "Tiltakets gevinst: lavere tjenestekostnader (tiltaket alene)"})
    return out
