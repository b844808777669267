"""Capacity-driven investment (behovsanalyse): when and how many places a kommune builds.

For each place type of the catalogue (barnehage, grunnskole, sykehjem, heldøgns omsorgsbolig;
``place_types`` in the catalogue file, with sources) the kommune has **existing places** — the
base year's users rounded up to whole places unless the scenario gives its own number. Where
projected demand rises above the places, new places open in **blocks sized to the kommune**
(:meth:`planmodel.inputs.catalogue.PlaceType.block`: whole building units of about a tenth of
today's places, 1 to ``max_units`` units), with two guards:

- a block is **never larger than the need up to the horizon** (the highest demand still to come
  minus today's places), so a small kommune does not build a whole unit for one more resident;
- a shortfall of **less than half a place does not trigger building** (it is rounding).

Places built stay. Sykehjem and heldøgn places feed back into the service model as capacity
additions (their operating cost is counted, and people above capacity wait at the capacity
group's waiting cost); barnehage and school places are already costed per user. The investment
[NOK 1000, gross incl. mva] is spread over the two years before opening; investeringstilskudd and
momskompensasjon (``external_share``) pay part of it, the rest is the kommune's.

The rule runs year by year (a place built now changes what is short next year): a loop over the
few years of the horizon, vectorised over everything else.
"""

from __future__ import annotations

import numpy as np

from planmodel.inputs.catalogue import Catalogue

#: A shortfall below this many places is rounding, not a need to build [places].
ROUNDING = 0.5


def existing_places(base_demand: np.ndarray) -> np.ndarray:
    """Places in the base year when the scenario does not give them: the base year's users
    (demand in year 0) rounded up to whole places [places]."""
    return np.ceil(np.asarray(base_demand, dtype=float) - 1e-9)


def plan_places(demand: np.ndarray, existing: np.ndarray | float, block: np.ndarray | int,
                added: np.ndarray | None = None) -> np.ndarray:
    """New places opening each year (Y, N) [places] (see the module docstring for the rule).

    Parameters
    ----------
    demand : (Y, N) persons needing a place each year; year 0 is the base year (nothing opens).
    existing : (N,) or scalar, places in the base year (whole places).
    block : (N,) or scalar, places per new block.
    added : (Y, N) or (Y, 1), optional, places the scenario opens (or closes, negative) by hand each
        year (``capacity_additions``): they count as capacity, so only the rest of the need is built.
    """
    demand = np.asarray(demand, dtype=float)
    Y, N = demand.shape
    block = np.broadcast_to(np.asarray(block, dtype=float), (N,))
    capacity = np.broadcast_to(np.asarray(existing, dtype=float), (N,)).copy()
    if added is not None:  # the need left after the hand-added places
        demand = demand - np.cumsum(np.broadcast_to(np.asarray(added, dtype=float), (Y, N)), axis=0)
    future_peak = np.maximum.accumulate(demand[::-1], axis=0)[::-1]  # highest demand from t on
    openings = np.zeros((Y, N))
    for t in range(1, Y):  # sequential by nature; a few dozen years, vectorised over N
        short = demand[t] - capacity
        need_now = np.ceil(np.maximum(short - ROUNDING, 0.0))  # whole places short now
        need_max = np.ceil(np.maximum(future_peak[t] - capacity - ROUNDING, 0.0))  # up to the horizon
        blocks = np.ceil(need_now / block)
        add = np.where(need_now > 0, np.minimum(blocks * block, need_max), 0.0)
        openings[t] = add
        capacity = capacity + add
    return openings


def investment_path(openings: np.ndarray, cost_per_place: float | np.ndarray, years_before: int = 2) -> np.ndarray:
    """Investment (Y, N) [NOK 1000]: each opening's cost spread evenly over the ``years_before``
    years before it opens. Nothing is invested in the base year (index 0, today's budget): a
    share that would fall there or earlier is paid in the first plan year."""
    openings = np.asarray(openings, dtype=float)
    Y = openings.shape[0]
    out = np.zeros_like(openings)
    cost = openings * cost_per_place / years_before
    if Y < 2:
        return out
    for k in range(1, years_before + 1):  # one shifted copy per year before opening
        target = np.maximum(np.arange(1, Y) - k, 1)
        np.add.at(out, target, cost[1:])
    out[1] += years_before * cost[0]  # an opening in the base year: paid in the first plan year
    return out


def behovsanalyse(catalogue: Catalogue, demand_by_service: dict[str, np.ndarray],
                  existing: dict[str, np.ndarray | float] | None = None,
                  pressure: bool = False, added: dict[str, np.ndarray] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Places and investment per place type of the catalogue.

    Parameters
    ----------
    catalogue : its ``place_types`` say what is built, in which blocks, at what cost.
    demand_by_service : {service id: (Y, N) demand before capacity [persons]}.
    existing : {place type: places in the base year}; default :func:`existing_places`.
    pressure : the kommune is in one of Husbanken's pressområder (higher cost per place).
    added : {place type: (Y, 1) places opened (or closed) by hand each year}: counted as capacity,
        so the behovsanalyse builds only the rest; included in ``capacity``.

    Returns
    -------
    {place type: {"demand", "existing", "block", "capacity", "openings", "investment",
    "external"}}: arrays (Y, N) (existing and block (N,)); investment [NOK 1000, gross] and the part
    paid by grants and momskompensasjon (``external``).
    """
    out = {}
    existing = existing or {}
    added = added or {}
    for pid, pt in catalogue.place_types.items():
        demand = sum(np.asarray(demand_by_service[s], dtype=float) for s in pt.services)
        have = np.broadcast_to(np.asarray(existing.get(pid, existing_places(demand[0])), dtype=float),
                               demand.shape[1:]).copy()
        block = np.array([pt.block(e) for e in have], dtype=float)
        by_hand = added.get(pid)
        openings = plan_places(demand, have, block, by_hand)
        investment = investment_path(openings, pt.cost(pressure).value)
        hand = 0.0 if by_hand is None else np.cumsum(np.broadcast_to(by_hand, demand.shape), axis=0)
        out[pid] = {"demand": demand, "existing": have, "block": block,
                    "capacity": np.maximum(have + np.cumsum(openings, axis=0) + hand, 0.0), "openings": openings,
                    "investment": investment, "external": investment * pt.external_share.value}
    return out
