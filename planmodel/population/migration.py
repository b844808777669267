r"""Net migration by age and sex: the residual method, smoothing and a kommune's pattern.

Residual method (no migration register needed). Between two 1 January populations a gap of
:math:`n` years apart, a cohort aged :math:`a` at :math:`t` is aged :math:`a+n` at :math:`t+n`:

.. math::

    \hat M(a+n, s) = P_{t+n}(a+n, s) - P_t(a, s) \prod_{k=0}^{n-1} S(a+k, s)

and the annual figure is :math:`\hat M / n`. Ages below :math:`n` at :math:`t+n` were born in
the interval; where births are not known (kommuner) they are left out of the estimate, which is
why a kommune's level is scaled up by the share of those ages in the national pattern.

A kommune's migration for projections is written as

.. math:: M(a, s) = L \, p(a, s) + r(a, s), \qquad \sum p = 1, \quad \sum r = 0

with level :math:`L` [persons per year], a non-negative **profile** :math:`p` (where the net
migrants of a higher or lower level go) and a zero-sum **redistribution** :math:`r` (the
kommune's structural age pattern, e.g. young adults leaving and families arriving). Scenarios
change :math:`L`; :math:`r` stays. The observed pattern is smoothed over age with a Gaussian
kernel and, because a small kommune's pattern is mostly noise, blended with its region's
pattern applied to its own age structure (credibility weight
:math:`w = N / (N + N_0)`, :math:`N` = population, :math:`N_0` = 30 000 by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xarray as xr

from planmodel.core.ages import AGES, MAX_AGE


@lru_cache(maxsize=8)
def smoothing_matrix(sd: float = 1.5) -> np.ndarray:
    """Row-normalised Gaussian kernel over single ages 0..105 (sd in years); built once per sd
    (read-only: callers must not change it)."""
    a = AGES.astype(float)
    K = np.exp(-0.5 * ((a[:, None] - a[None, :]) / sd) ** 2)
    K = K / K.sum(axis=1, keepdims=True)
    K.setflags(write=False)
    return K


def smooth_over_age(da: xr.DataArray, sd: float = 1.5) -> xr.DataArray:
    """Gaussian-kernel smoothing along ``age`` (0..105), vectorised over all other dims.

    The kernel rows sum to one, so the total over ages is kept up to edge effects; the result
    is rescaled so that the sum over ages equals the input's sum exactly.
    """
    K = xr.DataArray(smoothing_matrix(sd), dims=("age", "age_from"), coords={"age": AGES, "age_from": AGES})
    src = da.rename(age="age_from")
    col = K.sum("age")  # how much of each source age reaches the output
    out = (K * (src / col)).sum("age_from")
    out = out.transpose(*da.dims)
    out.attrs = dict(da.attrs)
    return out


def residual_net_migration(pop_t: xr.DataArray, pop_tn: xr.DataArray, survival: xr.DataArray, n: int) -> xr.DataArray:
    """Annual net migrants by age at the end of an ``n``-year interval (residual method).

    Parameters
    ----------
    pop_t, pop_tn : DataArray (age, sex, ...) [persons] on 1 January t and t+n.
    survival : DataArray (age, sex, ...) [probability], one-year survival ratios S(a) as in
        :func:`planmodel.lifetable.survival_arrays` (last age = open group), used for every
        year of the interval.
    n : int, years between the two populations (>= 1).

    Returns
    -------
    DataArray (age, sex, ...) [persons per year]; ages below ``n`` (born in the interval) are
    NaN because births are not part of the inputs.
    """
    def bare(da: xr.DataArray) -> xr.DataArray:  # drop scalar coords such as year
        return da.drop_vars([c for c in da.coords if c not in da.dims])

    pop_t, pop_tn, survival = bare(pop_t), bare(pop_tn), bare(survival)
    P = pop_t.transpose("age", ...)
    S = survival.transpose("age", ...)
    for _ in range(n):  # n is 1 or 2: ageing by one year per step, vectorised over ages
        stay_open = P.isel(age=MAX_AGE) * S.isel(age=MAX_AGE)
        moved = (P * S).shift(age=1)
        P = xr.where(P["age"] == MAX_AGE, moved + stay_open, moved)
    M = (pop_tn.transpose(*P.dims) - P) / n
    M = M.where(M["age"] >= n)
    M.attrs = {"units": "persons per year", "method": f"residual over {n} year(s)"}
    return M


@dataclass(frozen=True)
class MigrationPattern:
    """A kommune's net migration: M(a, s) = level * profile(a, s) + redistribution(a, s).

    Attributes
    ----------
    level : float [persons per year], total net migration in the estimation period.
    profile : DataArray (age, sex) [share], non-negative, sums to 1.
    redistribution : DataArray (age, sex) [persons per year], sums to 0.
    basis : str, Norwegian description of the data and method behind the estimate.
    weight_own : float [share], credibility weight of the kommune's own age pattern.
    years : (first, last) 1 January years of the registered populations used.
    population_share : float [share], the kommune's share of Norway's population.
    """

    level: float
    profile: xr.DataArray
    redistribution: xr.DataArray
    basis: str
    weight_own: float = 1.0
    years: tuple[int, int] = (0, 0)
    population_share: float = 0.0

    def at_level(self, level: xr.DataArray | float) -> xr.DataArray:
        """Net migrants by age and sex [persons per year] for a given level (any dims)."""
        return level * self.profile + self.redistribution


def positive_profile(pattern: xr.DataArray) -> xr.DataArray:
    """Normalised non-negative part of a net-migration pattern over (age, sex) [share]."""
    pos = pattern.clip(min=0.0)
    total = pos.sum(["age", "sex"])
    return pos / total
