r"""Workforce: årsverk needed against a supply proxy, the staffing gap and the recruitment need.

Supply proxy: the kommune keeps its base-year share of the population aged 20–66 working in its
services, sector by sector:

.. math:: S_{k,t} = F_{k,t_0}\;\frac{W_t}{W_{t_0}}, \qquad \text{gap}_{k,t} = F_{k,t} - S_{k,t}

with årsverk needed :math:`F` and persons aged 20–66 :math:`W`. Recruitment need per year is the
growth in årsverk needed plus the replacement of staff who retire:

.. math:: R_{k,t} = \max(F_{k,t} - F_{k,t-1}, 0) + F_{k,t}\,\sigma_k\,\rho

where :math:`\sigma_k` is the sector's share of årsverk held by staff aged 60–66 (staff age
profile, an assumption in the catalogue that a kommune can override with its own) and
:math:`\rho` the yearly retirement rate of that age group (1/7: all retire within seven years).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from planmodel.core.errors import InputError
from planmodel.inputs.catalogue import Catalogue


def staff_share_60_66(catalogue: Catalogue, sectors: list[str],
                      override: Mapping[str, list[float]] | None = None) -> np.ndarray:
    """Share of årsverk aged 60–66 per sector (K,), from the catalogue or the kommune's own
    profile (``override``: {sector: shares by the catalogue's age groups})."""
    prof = dict(catalogue.staff.shares)
    for sector, shares in (override or {}).items():
        if sector not in catalogue.sectors:
            raise InputError("staff_age_profile", sector, f"ukjent sektor; gyldige: {', '.join(catalogue.sectors)}")
        if len(shares) != len(catalogue.staff.age_groups) or abs(sum(shares) - 1) > 1e-6 or min(shares) < 0:
            raise InputError("staff_age_profile", sector,
                             f"forventet {len(catalogue.staff.age_groups)} andeler ({', '.join(catalogue.staff.age_groups)}) "
                             f"som summerer til 1, fikk {list(shares)}")
        prof[sector] = tuple(shares)
    return np.array([prof[s][-1] for s in sectors])


def workforce_arrays(fte_sector: np.ndarray, P: np.ndarray, share_60_66: np.ndarray,
                     retirement_rate: float) -> dict[str, np.ndarray]:
    """Supply, gap, retirements and recruitment need per sector (K, Y, N) [årsverk].

    fte_sector (K, Y, N) årsverk needed; P (A, Y, N) population, ages 0..105.
    """
    W = P[20:67].sum(axis=0)  # (Y, N)
    # with nobody aged 20-66 in the base year the proxy is undefined: NaN, not a number made up
    ratio = np.divide(W, W[:1], out=np.full_like(W, np.nan), where=W[:1] > 0)
    supply = fte_sector[:, :1, :] * ratio[None]
    retire = fte_sector * share_60_66[:, None, None] * retirement_rate
    growth = np.zeros_like(fte_sector)
    growth[:, 1:] = np.maximum(np.diff(fte_sector, axis=1), 0.0)
    return {"fte_supply": supply, "fte_gap": fte_sector - supply, "retirements": retire,
            "recruitment_need": growth + retire}
