"""Capacity-driven investment (behovsanalyse): when and how many places are needed.

For barnehage, grunnskole, sykehjem (institusjon) and heldøgns omsorgsbolig, today's capacity is
the base-year number of users (places assumed full). Where projected demand rises above it, new
places are built in blocks (a new unit of a typical size) so that they open in the year demand
first exceeds capacity; the investment is spread over the two years before opening. Sykehjem and
heldøgn places feed back into the service model as capacity additions, so their operating cost is
counted; barnehage and school places are already costed per user.

Costs per place (gross) and block sizes are assumptions, marked as such; grants and VAT
compensation are counted in the økonomiplan (``grant_share``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planmodel.core.values import Value


def _v(value, status, source):
    return Value(float(value), status, source)


@dataclass(frozen=True)
class PlaceType:
    id: str
    name: str
    services: tuple[str, ...]  # services whose users fill these places
    capacity_group: str | None  # the service model's capacity group, if any
    block: int  # places per new unit
    cost_per_place: Value  # NOK 1000 per place, net of grants


PLACE_TYPES: dict[str, PlaceType] = {
    "barnehage": PlaceType("barnehage", "Barnehageplasser", ("barnehage",), None, 72,
                           _v(1100, "assumption", "Ny barnehage om lag 80 mill. kr for 72 plasser (seks avdelinger); anslag. Brutto; momskompensasjon og tilskudd regnes i økonomiplanen.")),
    "grunnskole": PlaceType("grunnskole", "Skoleplasser", ("grunnskole",), None, 150,
                            _v(1300, "assumption", "Ny skole om lag 650 mill. kr for 500 elever; bygges i trinn på 150 plasser; anslag. Brutto.")),
    "institusjon": PlaceType("institusjon", "Sykehjemsplasser", ("sykehjem_langtid", "korttid_rehabilitering"),
                             "institusjon", 24,
                             _v(5500, "assumption", "Anleggskostnad om lag 5,5 mill. kr per plass; anslag. Brutto: Husbankens investeringstilskudd og momskompensasjon regnes samlet i økonomiplanen (grant_share).")),
    "heldogn_bolig": PlaceType("heldogn_bolig", "Heldøgns omsorgsboliger", ("heldogn_omsorgsbolig",), "heldogn_bolig", 12,
                               _v(4500, "assumption", "Anleggskostnad om lag 4,5 mill. kr per bolig; anslag. Brutto.")),
}


def plan_places(demand: np.ndarray, years: np.ndarray, block: int, lead_years: int = 0) -> np.ndarray:
    """New places opening each year (Y, N) so that capacity >= demand, in blocks of ``block``.

    ``demand`` (Y, N) [persons]; capacity starts at the base-year demand. Capacity never falls
    (places built stay); the needed capacity is the running maximum of demand, rounded up to
    whole blocks above the base."""
    base = demand[:1]
    need = np.maximum.accumulate(np.maximum(demand - base, 0.0), axis=0)
    blocks = np.ceil(need / block - 1e-9)
    built = blocks * block
    opening = np.diff(np.concatenate([np.zeros_like(built[:1]), built], axis=0), axis=0)
    if lead_years:
        opening = np.concatenate([opening[lead_years:], np.zeros_like(opening[:lead_years])], axis=0)
    return opening


def investment_path(openings: np.ndarray, cost_per_place: float, years_before: int = 2) -> np.ndarray:
    """Investment (Y, N) [NOK 1000]: each opening's cost spread evenly over the ``years_before``
    years before it opens. Nothing is invested in the base year (index 0, today's budget): what
    would fall there is paid in the first plan year instead."""
    Y = openings.shape[0]
    out = np.zeros_like(openings)
    cost = openings * cost_per_place
    for k in range(1, years_before + 1):  # one shifted copy per year before opening
        out[: Y - k] += cost[k:] / years_before  # opening in year j pays 1/n in year j - k
        out[0] += cost[:k].sum(axis=0) / years_before  # openings too early to pay before
    if Y > 1:
        out[1] += out[0]
        out[0] = 0.0
    return out


def behovsanalyse(demand_by_service: dict[str, np.ndarray], years: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Places and investment per place type.

    Parameters
    ----------
    demand_by_service : {service id: (Y, N) demand before capacity [persons]}.
    years : (Y,) years; the first is the base year.

    Returns
    -------
    {place type: {"demand", "capacity", "openings", "investment"}} arrays (Y, N); investment in
    NOK 1000 at fixed prices.
    """
    out = {}
    for pid, pt in PLACE_TYPES.items():
        demand = sum(demand_by_service[s] for s in pt.services)
        openings = plan_places(demand, years, pt.block)
        capacity = demand[:1] + np.cumsum(openings, axis=0)
        out[pid] = {"demand": demand, "capacity": capacity, "openings": openings,
                    "investment": investment_path(openings, pt.cost_per_place.value)}
    return out
