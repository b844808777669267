r"""Net migration by age and sex: the residual method, smoothing and a fixed age pattern.

The estimation of a kommune's migration from its long history (the model used in projections)
is :mod:`planmodel.population.migration_model`; this module has the building blocks.

Residual method (no migration register needed). Between two 1 January populations a gap of
:math:`n` years apart, a cohort aged :math:`a` at :math:`t` is aged :math:`a+n` at :math:`t+n`:

.. math::

    \hat M(a+n, s) = P_{t+n}(a+n, s) - P_t(a, s) \prod_{k=0}^{n-1} S(a+k, s)

and the annual figure is :math:`\hat M / n`. Ages below :math:`n` at :math:`t+n` were born in
the interval; where births are not known (kommuner) they are left out of the estimate (a
kommune's infants are part of its fertility factor).

A fixed pattern of net migration is written as

.. math:: M(a, s) = L \, p(a, s) + r(a, s), \qquad \sum p = 1, \quad \sum r = 0

with level :math:`L` [persons per year], a non-negative **profile** :math:`p` (where the net
migrants of a higher or lower level go) and a zero-sum **redistribution** :math:`r` (the
structural age pattern, e.g. young adults leaving and families arriving). It is used for Norway
(the national path as level), for a migration level set by the user (``migration_level``: the
kommune's first-year migration decomposed, then moved to the user's level), and to spread the
extra in-migrants of the housing alternatives over ages (:math:`p`).
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
        :func:`planmodel.population.lifetable.survival_arrays` (last age = open group), used for every
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


def survive(P: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Survivors at their new age (..., age, sex) of populations P and survival ratios S of the
    same shape (or broadcastable; age and sex last) [persons]. Age 0 of the result is 0 (births
    are added elsewhere); the open group 105+ keeps its own survivors and those aged 104."""
    P = np.asarray(P, dtype=float)
    Z = np.zeros(np.broadcast_shapes(P.shape, np.shape(S)))
    Z[..., 1:MAX_AGE, :] = P[..., : MAX_AGE - 1, :] * S[..., : MAX_AGE - 1, :]
    Z[..., MAX_AGE, :] = P[..., MAX_AGE - 1, :] * S[..., MAX_AGE - 1, :] + P[..., MAX_AGE, :] * S[..., MAX_AGE, :]
    return Z


def residual_flows(P: np.ndarray, years: np.ndarray, survival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Residual net migration and survivors for every one-year interval, many populations at once.

    .. math:: Z_t(a, s) = S_t(a-1, s)\,P_t(a-1, s), \qquad M_t(a, s) = P_{t+1}(a, s) - Z_t(a, s)
              \qquad (a \ge 1)

    (open group 105+ as in the engine). Age 0 gets :math:`M = Z = 0`: births are not known by
    kommune, so infants' migration is part of the fertility factor.

    Parameters
    ----------
    P : ndarray (population, year, age, sex) [persons] on 1 January of ``years``.
    years : ndarray (year,) of int, consecutive and ascending.
    survival : ndarray (year - 1, age, sex) [probability], S_t of each flow year t.

    Returns
    -------
    M : ndarray (population, year - 1, age, sex) [persons per year], net migrants during year t
        by age on 1 January t+1.
    Z : ndarray (population, year - 1, age, sex) [persons], survivors of 1 January t on 1 January
        t+1 by their new age: the exposure of net migration rates.
    """
    years = np.asarray(years)
    if not np.all(np.diff(years) == 1):
        raise ValueError("residual_flows trenger påfølgende år")
    Z = survive(P[:, :-1], np.asarray(survival)[None])
    M = np.asarray(P[:, 1:], dtype=float) - Z
    M[..., 0, :] = 0.0
    return M, Z


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
