r"""Norway's registered series that every kommune estimate leans on: survival by year, the
national net immigration by year, age and sex (residual method), and the migration intensity
schedule.

- **Survival** :math:`S_t(a, s)` of each calendar year from HMD's death rates (oldest ages
  fitted with Kannisto), computed once for every HMD year, vectorised over years. Years after
  HMD's last year (2023) use the last year, years before its first use the first.
- **National net immigration** :math:`N_t(a, s)`: the residual
  :math:`P_{t+1}(a, s) - S_t(a-1, s) P_t(a-1, s)` of Norway's registered population for every
  flow year (ages 1+; at age 0 the births are needed, see :func:`national_migration_pattern`).
  Norway's residual is its net immigration (plus small register corrections); the sum of the
  kommuner' residuals equals it within about 60 persons a year.
- **Intensity schedule**: how strongly each age and sex migrates, relative to the mean, used to
  spread a change of a kommune's net migration level over ages.

All functions are cached per process; the arrays they return are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xarray as xr

from planmodel.core.ages import AGES, SEXES
from planmodel.core.cache import freeze
from planmodel.inputs import data
from planmodel.population import lifetable
from planmodel.population.migration import residual_flows, smoothing_matrix


def survival_for(mx: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Survival ratios (…, age 0..105, sex) and birth survival (…, sex) from death rates
    with dims (…, sex, age 0..110)."""
    mx = mx.transpose(..., "age")
    male = lifetable._male_mask(mx)
    S, Sb = lifetable.survival_arrays(mx.values, male)
    dims = [d for d in mx.dims if d != "age"]
    coords = {d: mx[d] for d in dims}
    S_da = xr.DataArray(S, dims=dims + ["age"], coords={**coords, "age": AGES})
    Sb_da = xr.DataArray(Sb, dims=dims, coords=coords)
    S_da.attrs = {"units": "probability"}
    Sb_da.attrs = {"units": "probability"}
    return S_da, Sb_da


@lru_cache(maxsize=None)
def survival_table() -> tuple[xr.DataArray, xr.DataArray]:
    """Survival ratios (year, age, sex) and birth survival (year, sex) for every HMD year,
    computed once, vectorised over years (read-only)."""
    mx = lifetable.kannisto_old_age(data.death_rates())
    S, Sb = survival_for(mx.transpose("year", "sex", "age"))
    return freeze((S.transpose("year", "age", "sex"), Sb))


def survival_of_year(year: int, births: bool = False) -> xr.DataArray:
    """Survival ratios (age, sex) of ``year`` (or birth survival (sex) with ``births``); years
    outside HMD's range use the nearest year."""
    S, Sb = survival_table()
    y = min(max(year, int(S.year.min())), int(S.year.max()))
    return (Sb if births else S).sel(year=y, drop=True)


@lru_cache(maxsize=1)
def _survival_array() -> tuple[np.ndarray, int, int]:
    S, _ = survival_table()
    return S.values, int(S.year.min()), int(S.year.max())


def survival_for_flows(flow_years) -> np.ndarray:
    """:math:`S_t(a, s)` of the given flow years as one array (year, age, sex) [probability];
    years outside HMD's range use the nearest HMD year."""
    S, first, last = _survival_array()
    return S[np.clip(np.asarray(flow_years, dtype=int), first, last) - first]


@lru_cache(maxsize=None)
def national_migration_pattern(first: int = 2015, last: int = 2025) -> xr.DataArray:
    """Norway's mean annual net immigration by age and sex over flow years first..last
    [persons per year], residual method with HMD rates and HMD births (age 0), all years at once."""
    pop = data.norway_population().transpose("year", "age", "sex")
    years, M, _ = _national_flows()
    take = (years >= first) & (years <= last)
    flows = M[take].copy()  # (T, A, S); age 0 is 0 there (births are not known by kommune)
    births = data.births()
    fy = years[take]
    known = np.isin(fy, births.index.values)
    if known.any():  # age 0: the infants on 1 January t+1 minus the surviving births of year t
        _, Sb = survival_table()
        yb = np.clip(fy[known], int(Sb.year.min()), int(Sb.year.max()))
        surv = Sb.sel(year=yb).transpose("year", "sex").values
        b = births.loc[fy[known], ["male", "female"]].to_numpy(dtype=float)
        infants = pop.sel(year=fy[known] + 1, age=0).values  # (T, S)
        flows[known, 0, :] = infants - b * surv
    pattern = xr.DataArray(np.nan_to_num(flows).mean(axis=0), coords={"age": AGES, "sex": list(SEXES)},
                           dims=("age", "sex"),
                           attrs={"units": "persons per year", "years": f"{first}-{last}",
                                  "source": data.SRC_07459 + "; " + data.SRC_HMD})
    return freeze(pattern)


@lru_cache(maxsize=1)
def ages_one_plus_share() -> float:
    """Share of Norway's net immigration at ages 1+ in 2010–2022 (0.985) [share]. The national
    paths count all ages; a kommune's infants are in its fertility factor, so only this share
    of the national path is spread over kommuner by age."""
    p = national_migration_pattern(2010, 2022)
    return float(p.sel(age=slice(1, None)).sum() / p.sum())


@lru_cache(maxsize=1)
def _national_flows() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pop = data.norway_population().transpose("year", "age", "sex")
    years = pop.year.values
    M, Z = residual_flows(pop.values[None], years, survival_for_flows(years[:-1]))
    return freeze((years[:-1], M[0], Z[0]))


def national_net_immigration() -> xr.DataArray:
    """Norway's net immigration by flow year t (1 January t to t+1), age on 1 January t+1 and
    sex [persons per year], ages 1..105 (age 0 is 0: the kommune model counts infants with
    births). Residual method with the national survival of each year."""
    years, M, _ = _national_flows()
    return xr.DataArray(M, coords={"year": years, "age": AGES, "sex": list(SEXES)}, dims=("year", "age", "sex"),
                        attrs={"units": "persons per year", "source": data.SRC_07459 + "; " + data.SRC_HMD})


@dataclass(frozen=True)
class NationalSeries:
    """Norway's migration series over flow years (numpy, read-only).

    years : (T,) flow years
    n : (T,) net immigration per survivor [per year], ages 1+
    g : (T, age, sex) its age-sex profile [share, sums to 1 each year]
    Z : (T,) survivors of 1 January t on 1 January t+1 [persons], ages 1+
    """

    years: np.ndarray
    n: np.ndarray
    g: np.ndarray
    Z: np.ndarray


@lru_cache(maxsize=64)
def national_series(first: int, last: int) -> NationalSeries:
    """:class:`NationalSeries` for flow years ``first``..``last``; years after the last
    registered flow repeat it (a user's file may reach beyond the shipped data)."""
    years = np.arange(first, last + 1)
    flows, M, Z = _national_flows()
    i = np.clip(years - int(flows[0]), 0, flows.size - 1)
    Mt, Zt = M[i].sum((1, 2)), Z[i].sum((1, 2))
    return freeze(NationalSeries(years, Mt / Zt, M[i] / Mt[:, None, None], Zt))


@lru_cache(maxsize=1)
def intensity_schedule() -> np.ndarray:
    """Relative migration intensity by age and sex (age, sex), mean 1 over Norway's population
    [ratio]: Norway's net immigration rates 2016–2025 (positive part, smoothed with sd 3 years,
    held flat above 90, 0 at age 0), a Rogers–Castro-like schedule that peaks in the twenties.
    A change of a kommune's net migration level is spread over ages in proportion to it."""
    years, M, _ = _national_flows()
    sel = (years >= 2016) & (years <= 2025)
    N = M[sel].sum(0)
    P = data.norway_population().sel(year=slice(2017, 2026)).transpose("year", "age", "sex").values.sum(0)
    K = smoothing_matrix(3.0)
    r = (K @ np.clip(N, 0, None)) / (K @ P)
    r[0] = 0.0
    r[91:] = r[90]
    out = r / ((r * P).sum() / P.sum())
    out.setflags(write=False)
    return out
