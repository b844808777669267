r"""Cost and årsverk by service and sector, the TBU-style demographic cost line, and the cost per
inhabitant by KOSTRA age group.

.. math::

    K_{s,t} = \sum_a U_{s,a,t}\,k_{s,a} / 1000, \qquad F_{s,t} = \sum_a U_{s,a,t}\, f_{s,a}

with users :math:`U` (after capacity and step-down), unit cost :math:`k` [NOK per user per year,
fixed prices of the catalogue's price year] and årsverk per user :math:`f`. Costs are reported
in NOK 1000.

The **demographic cost** (TBU's *demografikostnad*) holds coverage and standard at the base
year and lets only the population change: :math:`D_{s,t} = \sum_a c^0_{s,a} P_{a,t} k_{s,a}`.
Its change from the base year is what demography alone costs.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planmodel.core.ages import KOSTRA_GROUPS, kostra_group_of_age
from planmodel.services.demand import DemandArrays
from planmodel.inputs.catalogue import Catalogue


def sector_matrix(catalogue: Catalogue) -> tuple[list[str], np.ndarray]:
    """(sector ids, matrix (K, S) of 0/1) to sum services into sectors."""
    sectors = list(catalogue.sectors)
    M = np.array([[catalogue.services[s].sector == k for s in catalogue.ids] for k in sectors], dtype=float)
    return sectors, M


def cost_arrays(d: DemandArrays, catalogue: Catalogue, coverage0: np.ndarray | None = None,
                measures=None, unit_cost: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Cost [NOK 1000] and årsverk by service (S, Y, N), and the demographic cost (S, Y, N).

    ``unit_cost`` (S, A) [NOK per user per year]: the kommune's unit costs (the catalogue's,
    scaled to its accounts by :func:`planmodel.services.calibration.scale_unit_costs`); default
    the catalogue's. ``measures`` (:class:`planmodel.services.effects.MeasureArrays`) scales unit
    costs and årsverk per user (standard, productivity) and subtracts paid årsverk replaced by
    volunteers, at the service's cost per årsverk (unit cost / årsverk per user).
    """
    arr = catalogue.arrays()
    k = arr["unit_cost"].values if unit_cost is None else np.asarray(unit_cost)  # (S, A)
    f = arr["fte"].values
    cost, fte = d.ages.sums(k, f)  # sums over age of users (S, A, Y, N) times k and f: (S, Y, N)
    cost = cost / 1000.0
    if measures is not None:
        cost = cost * measures.unit_cost_factor
        fte = fte * measures.fte_factor
        if measures.volunteer_fte is not None and measures.volunteer_fte.any():
            per_fte = np.divide(k, f, out=np.zeros_like(k), where=f > 0).max(axis=1)  # NOK per årsverk
            # volunteers replace paid årsverk, never more than the service has
            replaced = np.minimum(measures.volunteer_fte, np.maximum(fte, 0.0))
            cost = cost - replaced * per_fte[:, None, None] / 1000.0
            fte = fte - replaced
    out = {"cost": cost, "fte": fte}
    if coverage0 is not None:
        # coverage0 (S, A, N0); P (A, Y, N)
        if coverage0.shape[-1] == 1 or coverage0.strides[-1] == 0:  # one coverage for every column: a matrix product
            A, Y, N = d.P.shape
            out["demographic_cost"] = ((coverage0[..., 0] * k) @ d.P.reshape(A, Y * N)).reshape(-1, Y, N) / 1000.0
        else:
            out["demographic_cost"] = np.einsum("san,ayn,sa->syn", coverage0, d.P, k) / 1000.0
    return out


def cost_per_inhabitant(catalogue: Catalogue, coverage0: xr.DataArray, pop_base: xr.DataArray,
                        unit_cost: xr.DataArray | None = None) -> xr.DataArray:
    """Base-year cost per inhabitant by KOSTRA age group [NOK per inhabitant], all services.

    The TBU idea: what an inhabitant of each age costs the kommune at today's coverage and
    standard. ``pop_base`` (age) or (age, sex) [persons]."""
    if "sex" in pop_base.dims:
        pop_base = pop_base.sum("sex")
    k = catalogue.arrays()["unit_cost"] if unit_cost is None else unit_cost
    per_age = (coverage0 * k).sum("service")  # NOK per inhabitant of each age
    groups = kostra_group_of_age()
    total = (per_age * pop_base).groupby(groups).sum()
    people = pop_base.groupby(groups).sum()
    out = (total / people).reindex(age_group=list(KOSTRA_GROUPS))
    out.attrs = {"units": f"NOK per inhabitant per year, {catalogue.price_year} prices",
                 "long_name": "Kostnad per innbygger etter aldersgruppe (basisår)"}
    return out.drop_vars([c for c in out.coords if c not in out.dims])


#: The age at which the unit cost of the level below is read for people served one step down
#: (they are old: sykehjem and heldøgn residents are mostly 80+) [years].
STEP_DOWN_COST_AGE = 85


def waiting_costs(d: DemandArrays, catalogue: Catalogue, unit_cost: np.ndarray | None = None) -> np.ndarray:
    """What the people without a place cost meanwhile (G, Y, N) [NOK 1000]. Neither waiting nor
    a lower level is free:

    - the **queue** of each capacity group costs its ``waiting_cost`` [NOK per person per year]
      (sykehus as utskrivningsklar, heavy home services);
    - people served **one step down** (``overflow="step_down"``) are counted as users of the level
      below at that level's unit cost, and get a top-up to the same ``waiting_cost``: they need a
      heavier package than the level's average user (``max(0, waiting_cost − unit cost below)``,
      the unit cost below at age :data:`STEP_DOWN_COST_AGE`; ``unit_cost`` (S, A) the kommune's
      own, default the catalogue's).
    """
    groups = list(catalogue.capacity_groups.values())
    price = np.array([0.0 if g.waiting_cost is None else g.waiting_cost.value for g in groups])
    k = catalogue.arrays()["unit_cost"].values if unit_cost is None else np.asarray(unit_cost)
    pos = {sid: i for i, sid in enumerate(catalogue.ids)}
    below = np.array([k[pos[g.step_down_to], STEP_DOWN_COST_AGE] if g.step_down_to else 0.0 for g in groups])
    topup = np.maximum(price - below, 0.0)
    return (d.queue * price[:, None, None] + d.stepped_down * topup[:, None, None]) / 1000.0


def waiting_sector_matrix(catalogue: Catalogue, sectors: list[str]) -> np.ndarray:
    """(K, G) 0/1: the sector that pays for each capacity group's waiting (its services' sector)."""
    out = np.zeros((len(sectors), len(catalogue.capacity_groups)))
    for j, g in enumerate(catalogue.capacity_groups.values()):
        out[sectors.index(catalogue.services[g.services[0]].sector), j] = 1.0
    return out
