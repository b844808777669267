"""The projection of a kommune's population by single age and sex.

The scenarios (fertility, life expectancy and migration paths, and the shipped alternatives)
are inputs: :mod:`planmodel.inputs.demographic`. This module estimates a kommune's fertility
level and migration from its registered population history (:func:`kommune_base`; the migration
model is :mod:`planmodel.population.migration_model`), builds the inputs of the cohort-component
engine (:func:`projection_inputs`) and projects one kommune (:func:`project_kommune`) or many at
once in one engine call (:func:`project_kommuner`). :func:`population_for` is the cached entry
point the model uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Mapping

import numpy as np
import xarray as xr

from planmodel.core.ages import AGES, SEXES, kostra_group_of_age
from planmodel.core.cache import file_key, freeze, memo
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall
from planmodel.inputs import data
from planmodel.inputs.demographic import (DWELLINGS_NOTE, NATIONAL_ASSUMPTIONS, RECENT_GROWTH_FLOOR,
                                         RECENT_GROWTH_YEARS, Scenario, get_scenario, path_values)
from planmodel.inputs.kommuner import all_kommuner, resolve_kommune
from planmodel.inputs.readers import read_population
from planmodel.population import lifetable
from planmodel.population import engine
from planmodel.population.engine import project
from planmodel.population.migration import (MigrationPattern, positive_profile, residual_flows, smooth_over_age,
                                            survive)
from planmodel.population.migration_model import (DEFAULT, KommuneMigration, MigrationConfig, Priors, estimate,
                                                  fill_single_gaps, kommune_migration, migration_paths)
from planmodel.population.national import (ages_one_plus_share, national_migration_pattern, survival_for,
                                           survival_for_flows, survival_of_year)

#: Default last projection year.
END_YEAR = 2050
#: Years of HMD death rates averaged for the base mortality (the latest five).
MORTALITY_BASE_YEARS = (2019, 2023)
#: Years of HFD fertility rates averaged for the age pattern of fertility.
FERTILITY_SHAPE_YEARS = (2018, 2022)
#: Flow years of the kommune fertility factor (the latest ten) and its credibility constant
#: [expected children] (see :func:`fertility_factors`).
FERTILITY_YEARS = 10
FERTILITY_KAPPA = 20.0
#: First year of the population history used for kommune estimates. 2005 is left out: the
#: source lacks about 11 800 persons that year (0.26 %; 1160 Vindafjord and 1576 Aure have no
#: values at all), and the residual from 2005 to 2006 would read the gap as migration (the
#: kommuner' sum would be 29 650 net in-migrants against Norway's 17 991).
HISTORY_FIRST_YEAR = 2006


# ---------------------------------------------------------------------------------------------
# National base rates (cached: computed once per process)
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _base_mortality(first: int, last: int) -> xr.DataArray:
    mx = data.death_rates().sel(year=slice(first, last)).mean("year")
    mx = lifetable.kannisto_old_age(mx)
    mx.attrs = {"units": "deaths per person-year", "source": data.SRC_HMD,
                "years": f"{first}-{last}", "reference_year": (first + last) / 2}
    return mx.transpose("sex", "age")


def base_mortality(years: tuple[int, int] = MORTALITY_BASE_YEARS) -> xr.DataArray:
    """Mean HMD death rates of ``years`` with the oldest ages fitted (Kannisto), dims (sex, age 0..110)."""
    return _base_mortality(*years).copy()


@lru_cache(maxsize=None)
def _fertility_shape(first: int, last: int) -> xr.DataArray:
    f = data.fertility_rates().sel(year=slice(first, last)).mean("year")
    shape = f / f.sum("age")
    shape.attrs = {"units": "share of TFR", "source": data.SRC_HFD, "years": f"{first}-{last}"}
    return shape


@lru_cache(maxsize=None)
def _improvement_pattern(first: int, last: int) -> xr.DataArray:
    mx = lifetable.kannisto_old_age(data.death_rates().sel(year=slice(first, last)))
    logm = np.log(mx.clip(min=1e-5))  # a few zero rates at ages 5-15 in single years
    t = logm["year"] - logm["year"].mean()
    slope = (t * (logm - logm.mean("year"))).sum("year") / (t ** 2).sum()
    # smooth over age (ages 0..110 here) and keep only improvement (falling rates)
    a = slope["age"].values.astype(float)
    K = np.exp(-0.5 * ((a[:, None] - a[None, :]) / 3.0) ** 2)
    K /= K.sum(axis=1, keepdims=True)
    sm = xr.DataArray(K, dims=("age", "age_from"), coords={"age": a.astype(int), "age_from": a.astype(int)})
    slope = (sm * slope.rename(age="age_from")).sum("age_from")
    b = (-slope).clip(min=0.0)
    b = b / b.sel(age=slice(0, 100)).mean("age")
    b.attrs = {"units": "relative", "years": f"{first}-{last}",
               "method": "Lee-Carter b_x: trend in log m(x), HMD, glattet over alder"}
    return b.transpose("sex", "age")


def improvement_pattern(years: tuple[int, int] = (2000, 2019)) -> xr.DataArray:
    """Age pattern of mortality decline b_x by sex (mean 1 over ages 0–100) from the HMD trend
    in log death rates over ``years`` (Lee–Carter's b_x; 2020–2023 left out for the pandemic)."""
    return _improvement_pattern(*years).copy()


def fertility_shape(years: tuple[int, int] = FERTILITY_SHAPE_YEARS) -> xr.DataArray:
    """Age pattern of fertility (sums to 1 over ages 12..55), mean of HFD ``years``."""
    return _fertility_shape(*years).copy()


def tfr_history() -> xr.DataArray:
    """Norway's period TFR by year from HFD [children per woman]."""
    t = data.fertility_rates().sum("age")
    t.attrs = {"units": "children per woman", "source": data.SRC_HFD}
    return t


@lru_cache(maxsize=None)
def male_share_at_birth(first: int = 2014, last: int = 2023) -> float:
    """Share of boys among live births in Norway (HMD births), mean of ``first``..``last``."""
    b = data.births().loc[first:last]
    return float(b["male"].sum() / b["total"].sum())


# ---------------------------------------------------------------------------------------------
# Kommune estimates: fertility level and migration from registered populations
# ---------------------------------------------------------------------------------------------



def _survival_of_year(year: int) -> xr.DataArray:
    """One-year survival ratios (age, sex) from HMD rates of ``year`` (latest year if later)."""
    return survival_of_year(year).copy()


def implied_tfr(pop: xr.DataArray) -> xr.DataArray:
    r"""TFR implied by registered populations [children per woman], per flow year t.

    .. math:: \mathrm{TFR}_t = \frac{P_{t+1}(0)}{S_b \sum_x \phi(x)\,\tfrac12[W_t(x) + W_{t+1}(x)]}

    with the fertility age pattern :math:`\phi` (sums to 1) and national birth survival
    :math:`S_b`. For Norway it reproduces HFD's TFR to within about 1 %; it gives TFR for years
    HFD does not yet cover (2023–2025). Infant migration is counted as births.
    """
    years = pop["year"].values
    flow = np.array([y for y in years[:-1] if y + 1 in years])
    f = fertility_shape().reindex(age=AGES, fill_value=0.0)
    W0 = pop.sel(year=flow, sex="female")
    W1 = pop.sel(year=flow + 1, sex="female").assign_coords(year=flow)
    expo = (f * 0.5 * (W0 + W1)).sum("age")
    kids = pop.sel(year=flow + 1, age=0).sum("sex").assign_coords(year=flow)
    _, Sb = survival_for(base_mortality().transpose("sex", "age"))
    sb = float((Sb * xr.DataArray([male_share_at_birth(), 1 - male_share_at_birth()],
                                  coords={"sex": list(SEXES)}, dims="sex")).sum())
    out = kids / (sb * expo)
    out = out.drop_vars([c for c in out.coords if c not in out.dims])
    out.attrs = {"units": "children per woman", "method": "implied by age 0 on 1 January t+1"}
    return out


def fertility_factors(pop: xr.DataArray, shape: xr.DataArray, years: int = FERTILITY_YEARS,
                      kappa: float = FERTILITY_KAPPA) -> xr.DataArray:
    r"""Kommune fertility relative to Norway (indirect standardisation), all kommuner at once [ratio].

    Children aged 0 on 1 January :math:`t+1` per fertility-weighted woman-year of exposure over
    the last ``years`` flow years, relative to Norway's ratio over the same years, with
    Poisson–gamma credibility towards 1:

    .. math:: F = \frac{B + \kappa}{E + \kappa}

    where :math:`B` are the kommune's children and :math:`E` the children expected at Norway's
    ratio; ``kappa`` [children] is the weight of the prior (a kommune expecting 20 births a
    year, 200 over ten years, keeps 91 % of its own factor; one expecting 2 a year, 50 %).
    Kommune births are not shipped, so infants' migration is part of the factor.

    Parameters
    ----------
    pop : DataArray (kommune, year, age, sex) [persons], consecutive years up to the base year.
    shape : DataArray (age) [share], the age pattern of fertility.

    Returns
    -------
    DataArray (kommune) [ratio].
    """
    pop = pop.transpose("kommune", "year", "age", "sex").isel(year=slice(-(years + 1), None))
    f = shape.reindex(age=AGES, fill_value=0.0).values
    out = _fertility_factors(pop.values, pop.year.values, f, kappa)
    return xr.DataArray(out, coords={"kommune": pop.kommune.values}, dims="kommune", name="fertility_factor",
                        attrs={"units": "ratio to Norway", "years": f"{int(pop.year[0])}-{int(pop.year[-1])}",
                               "kappa": kappa})


def _fertility_factors(V: np.ndarray, years: np.ndarray, f: np.ndarray, kappa: float = FERTILITY_KAPPA) -> np.ndarray:
    """:func:`fertility_factors` on numpy: V (kommune, year, age, sex) [persons] on consecutive
    ``years``, f (age) the fertility pattern; returns (kommune) [ratio]."""
    F = list(SEXES).index("female")
    women = 0.5 * (V[:, :-1, :, F] + V[:, 1:, :, F])  # (K, T, A)
    kids = V[:, 1:, 0, :].sum((1, 2))
    expo = (women * f).sum((1, 2))
    return (kids + kappa) / (expo * _national_child_ratio(tuple(int(y) for y in years), f.tobytes()) + kappa)


@lru_cache(maxsize=64)
def _national_child_ratio(years: tuple[int, ...], shape: bytes) -> float:
    """Norway's children aged 0 on 1 January t+1 per fertility-weighted woman-year over the
    flow years of ``years`` (clipped to the registered years); ``shape`` the fertility pattern
    on ages 0..105 as bytes (a cache key)."""
    f = np.frombuffer(shape)
    nat = data.norway_population()
    yrs = np.clip(np.asarray(years), int(nat.year.min()), int(nat.year.max()))
    N = nat.sel(year=yrs).transpose("year", "age", "sex").values
    F = list(SEXES).index("female")
    return float(N[1:, 0, :].sum() / ((0.5 * (N[:-1, :, F] + N[1:, :, F])) * f).sum())


def _estimation_history(hist: xr.DataArray, base_year: int) -> xr.DataArray | None:
    """The history a kommune's estimates use: years HISTORY_FIRST_YEAR..base_year, the last run of
    years at most two apart, single missing years filled along cohorts
    (:func:`~planmodel.population.migration_model.fill_single_gaps`). None with fewer than two
    years."""
    hist = hist.sel(year=slice(HISTORY_FIRST_YEAR, base_year))
    years = np.array([int(y) for y in hist["year"].values])
    if years.size < 2:
        return None
    breaks = np.flatnonzero(np.diff(years) > 2)
    start = int(breaks[-1]) + 1 if breaks.size else 0
    hist = hist.isel(year=slice(start, None))
    if hist.sizes["year"] < 2:
        return None
    return fill_single_gaps(hist.transpose("year", "age", "sex").astype(float))


@lru_cache(maxsize=16)
def _all_kommuner_estimate(base_year: int, config: MigrationConfig = DEFAULT) -> dict:
    """The migration estimate of all shipped kommuner from their history up to ``base_year``
    (≈ 0.1 s, once per process, base year and configuration); its ``priors`` are what a single
    kommune borrows. Read-only."""
    P = data.all_kommuner_population().sel(year=slice(HISTORY_FIRST_YEAR, base_year))
    V = P.transpose("kommune", "year", "age", "sex").values
    return freeze(estimate(V, P.kommune.values, P.year.values, config))


def _estimate_rows(est: dict, all_codes: np.ndarray, codes: np.ndarray) -> dict:
    """The rows of an all-kommune estimate for ``codes`` (arrays with a leading kommune axis are
    selected; the national profile, flow years and priors are shared)."""
    if len(codes) == len(all_codes) and np.array_equal(codes, all_codes):
        return est
    rows = np.searchsorted(all_codes, codes)
    K = len(all_codes)
    return {k: v[rows] if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == K else v for k, v in est.items()}


def priors_for(base_year: int, config: MigrationConfig = DEFAULT) -> Priors:
    """Fylke age patterns, size-class levels and the adding-up factor from every kommune's
    history up to ``base_year`` (clipped to the shipped years), so that hindcasts never see
    later data."""
    last = _last_history_year()
    return _all_kommuner_estimate(int(min(max(base_year, HISTORY_FIRST_YEAR + 1), last)), config)["priors"]


@lru_cache(maxsize=1)
def _last_history_year() -> int:
    return int(data.all_kommuner_population().year.max())


@lru_cache(maxsize=None)
def _fylke_name(code: str) -> str:
    names = all_kommuner().drop_duplicates("fylke").set_index("fylke")["fylke_name"]
    return f"{names.get(code[:2], 'fylke ' + code[:2])} fylke"


def estimate_migration(pop: xr.DataArray, kommune: str, config: MigrationConfig = DEFAULT,
                       basis_prefix: str = "") -> KommuneMigration:
    """A kommune's migration model from its registered population (see
    :mod:`planmodel.population.migration_model`).

    Parameters
    ----------
    pop : DataArray (year, age, sex) [persons], consecutive years (see
        :func:`_estimation_history`); the last year is the base year.
    kommune : str, 2024 kommune number (its fylke and size class give the priors).
    config : :class:`~planmodel.population.migration_model.MigrationConfig`.
    """
    pop = pop.transpose("year", "age", "sex").sel(sex=list(SEXES))
    years = pop.year.values
    est = estimate(pop.values[None].astype(float), np.array([kommune]), years, config,
                   priors=priors_for(int(years[-1]), config))
    return kommune_migration(est, _fylke_name(kommune), (int(years[0]), int(years[-1])), config, basis_prefix)


def observed_net_migration(pop: xr.DataArray) -> float:
    """Mean annual residual net migration (ages 1+) of a history (year, age, sex) on consecutive
    years [persons per year], Norway's survival of each year."""
    pop = fill_single_gaps(pop.transpose("year", "age", "sex"))
    years = pop.year.values
    M, _ = residual_flows(pop.values[None].astype(float), years, survival_for_flows(years[:-1]))
    return float(M.sum((2, 3)).mean())


@dataclass(frozen=True)
class KommuneBase:
    """What planmodel knows about a kommune before any scenario: base population and estimates."""

    code: str
    name: str
    base_year: int
    base: xr.DataArray  # (age, sex) persons on 1 January base_year
    history: xr.DataArray  # (year, age, sex) registered persons
    fertility_factor: float
    migration: KommuneMigration | MigrationPattern  # MigrationPattern for Norway ("0000")
    sources: tuple[str, ...]


def _factor_shape_years(base_year: int) -> tuple[int, int]:
    """HFD years of the fertility pattern behind a fertility factor: the default years, or the
    five years before the base year when the default would look past it (hindcasts)."""
    return FERTILITY_SHAPE_YEARS if base_year > FERTILITY_SHAPE_YEARS[1] else _shape_years(base_year - 1)


def _make_base(code: str, name: str, hist: xr.DataArray, base_year: int | None,
               shipped: "KommuneBase | None" = None, config: MigrationConfig = DEFAULT) -> KommuneBase:
    """Estimate fertility and migration from ``hist`` up to the base year.

    With fewer than two usable years (a one-year file from a user), the estimates of the
    shipped data (``shipped``) are used and the base population alone comes from ``hist``.
    Priors (fylke patterns, size-class levels) come from all kommuner' history up to the base
    year, so a hindcast never sees later data.
    """
    if base_year is None:
        base_year = int(hist.year.max())
    if base_year not in hist.year.values:
        raise InputError("argument", "base_year (--from)",
                         f"{base_year} har ingen registrert befolkning for {name}; tilgjengelig: "
                         f"{int(hist.year.min())}–{int(hist.year.max())}")
    base_pop = hist.sel(year=base_year, drop=True).transpose("age", "sex")
    sources = (data.SRC_07459, data.SRC_HMD, data.SRC_HFD)
    if code == "0000":
        est = hist.sel(year=slice(base_year - 10, base_year))
        if est.sizes["year"] < 2:
            raise InputError("argument", "base_year (--from)",
                             f"trenger minst to år med registrert befolkning fram til {base_year} for {name}")
        y0, y1 = int(est.year[0]), base_year - 1
        nat = smooth_over_age(national_migration_pattern(y0, y1))
        mig = MigrationPattern(level=float(nat.sum()), profile=positive_profile(nat), redistribution=nat * 0.0,
                               basis=f"Nettoinnvandring til Norge {y0}–{y1 + 1}, restmetoden", years=(y0, y1 + 1),
                               population_share=1.0)
        return KommuneBase(code=code, name=name, base_year=base_year, base=base_pop, history=hist,
                           fertility_factor=1.0, migration=mig, sources=sources)
    est = _estimation_history(hist, base_year)
    if est is None:
        if shipped is None:
            raise InputError("argument", "base_year (--from)",
                             f"trenger minst to år med registrert befolkning fram til {base_year} for {name}")
        return replace(shipped, base_year=base_year, base=base_pop, history=hist)
    shape = _fertility_shape(*_factor_shape_years(base_year)).reindex(age=AGES, fill_value=0.0).values
    V = est.transpose("year", "age", "sex").values[None, -(FERTILITY_YEARS + 1):]
    ffac = _fertility_factors(V, est.year.values[-(FERTILITY_YEARS + 1):], shape)
    filled = est.attrs.get("filled_years")
    prefix = f"År uten tall ({', '.join(map(str, filled))}) fylt langs kohortene. " if filled else ""
    mig = estimate_migration(est, code, config, basis_prefix=prefix)
    return KommuneBase(code=code, name=name, base_year=base_year, base=base_pop, history=hist,
                       fertility_factor=float(ffac[0]), migration=mig, sources=sources)


@lru_cache(maxsize=None)
def _kommune_base_cached(code: str, base_year: int | None, history_last: int | None) -> KommuneBase:
    if code == "0000":
        hist = data.norway_population()
        name = "Norge"
    else:
        k = resolve_kommune(code)
        code, name = k.code, k.display_name
        hist = data.kommune_population(code)
    if history_last is not None:
        hist = hist.sel(year=slice(None, history_last))
    return _make_base(code, name, hist, base_year)


def kommune_base(kommune: str, base_year: int | None = None, history_last: int | None = None,
                 base_population: xr.DataArray | None = None) -> KommuneBase:
    """Base population and estimates for a kommune (``"0000"`` = Norway).

    Parameters
    ----------
    kommune : str, 2024 kommune number (``"3201"``; see :func:`project_kommune` for names).
    base_year : int, optional, 1 January of the base population (default: the last year).
    history_last : int, optional
        Cut the registered history (hindcasts: estimate only from data up to that year; the
        priors borrowed from other kommuner are cut at the base year too).
    base_population : DataArray (year, age, sex) [persons], optional
        A population the user loaded (e.g. :func:`planmodel.inputs.readers.read_population`); it
        replaces the shipped population. With two or more years (at most two years apart; a
        single missing year is filled along the cohorts), fertility and migration are estimated
        from it too; with one year, the shipped estimates are kept.
    """
    if base_population is None:
        return _kommune_base_cached(kommune, base_year, history_last)
    shipped = _kommune_base_cached(kommune, None, None)
    hist = base_population
    if "year" not in hist.dims:
        raise InputError(hist.attrs.get("source", "base_population"), "year", "befolkningen trenger en år-dimensjon (year)")
    if history_last is not None:
        hist = hist.sel(year=slice(None, history_last))
    return _make_base(shipped.code, shipped.name, hist.astype(float), base_year, shipped=shipped)


def _ssb_single_age(base: KommuneBase, alternative: str, years: np.ndarray) -> xr.DataArray:
    region = "0" if base.code == "0000" else base.code
    if region not in data.ssb_projection_regions():
        raise InputError("argument", "scenario (--scenario)",
                         f"ingen SSB-framskriving for {base.name} ligger i planmodel; "
                         f"tilgjengelig: {', '.join(data.ssb_projection_regions())}")
    proj = data.ssb_projection(region, alternative)
    groups = kostra_group_of_age()
    share = base.base / base.base.groupby(groups).sum(["age", "sex"]).sel(age_group=groups).drop_vars("age_group")
    pop = proj.sel(age_group=groups, year=years).drop_vars("age_group") * share
    return pop.transpose("year", "age", "sex")


def _years(base_year: int, end_year: int) -> np.ndarray:
    if end_year <= base_year:
        raise InputError("argument", "end_year (--to)", f"{end_year} må være etter basisåret {base_year}")
    if end_year > 2100:
        raise InputError("argument", "end_year (--to)", f"{end_year} er etter 2100, siste mulige år")
    return np.arange(base_year, end_year)


#: National paths of a trend scenario (hindcasts): TFR is held at the mean of the last
#: ``TREND_TFR_YEARS`` HFD years, net immigration at the mean of the last
#: ``TREND_IMMIGRATION_YEARS`` years. One year for TFR: over the origins 1976–2000 (ten-year
#: outcomes through 2010, before every backtest origin) the last year missed the mean TFR of
#: the next ten years by 3.8 % on average, the mean of three years by 4.6 % and of five by
#: 5.7 % (:func:`planmodel.population.backtest.hold_rule_errors`). Ten years for immigration
#: (unchanged): before 2011 there are only six origins with a ten-year outcome (1995–2000), all
#: in one period of rising immigration; they favour the last year, and with a five-year horizon
#: the mean of five years. That is too little to choose on for a series that comes in waves
#: (the last year would make the backtest worse; see docs/befolkningsmodell.md, chapter 6).
TREND_TFR_YEARS = 1
TREND_IMMIGRATION_YEARS = 10


@lru_cache(maxsize=None)
def _trend_paths(until: int) -> tuple[float, float, float, dict]:
    """(TFR, net immigration, mean e0 slope, e0 paths by sex) from data up to ``until``: TFR
    the mean of the last ``TREND_TFR_YEARS`` HFD years (the last year), e0 on its linear trend
    over the last 20 HMD years, net immigration the mean of the last ``TREND_IMMIGRATION_YEARS``
    years."""
    tfr = float(tfr_history().sel(year=slice(until - TREND_TFR_YEARS + 1, until)).mean())
    mx = lifetable.kannisto_old_age(data.death_rates().sel(year=slice(until - 19, until)))
    e0 = lifetable.life_expectancy(mx)
    t = e0["year"].astype(float)
    slope = ((t - t.mean()) * (e0 - e0.mean("year"))).sum("year") / ((t - t.mean()) ** 2).sum()
    level = e0.mean("year") - slope * t.mean()
    paths = {sex: {until: float(level.sel(sex=sex) + slope.sel(sex=sex) * until),
                   until + 50: float(level.sel(sex=sex) + slope.sel(sex=sex) * (until + 50))}
             for sex in SEXES}
    nat = float(national_migration_pattern(until - TREND_IMMIGRATION_YEARS + 1, until).sum())
    return tfr, nat, float(slope.mean()), paths


def national_paths(scenario: Scenario, flow: np.ndarray) -> dict[str, xr.DataArray]:
    """National TFR, e0 (sex) and net immigration paths over the flow years of a scenario."""
    if scenario.trend_until is not None:
        tfr, nat, _, e0p = _trend_paths(scenario.trend_until)
        out = {"tfr": path_values(tfr, flow, "tfr"), "net_migration": path_values(nat, flow)}
        e0m, e0f = e0p["male"], e0p["female"]
    else:
        na = NATIONAL_ASSUMPTIONS[scenario.national]
        out = {"tfr": path_values(na.tfr, flow, "tfr"), "net_migration": path_values(na.net_migration, flow)}
        e0m, e0f = na.e0_male, na.e0_female
    e0m = scenario.e0_male if scenario.e0_male is not None else e0m
    e0f = scenario.e0_female if scenario.e0_female is not None else e0f
    out["e0"] = xr.concat([path_values(e0m, flow), path_values(e0f, flow)],
                          dim=xr.DataArray(list(SEXES), dims="sex", name="sex"))
    return out


def _shape_years(data_until: int | None) -> tuple[int, int]:
    """HFD years for the age pattern of fertility: the default, or the five years before
    ``data_until`` for hindcasts."""
    return FERTILITY_SHAPE_YEARS if data_until is None else (data_until - 4, data_until)


def _national_key(national, trend_until, e0m_key, e0f_key, scenario, first, last) -> tuple:
    """Cache key of the national inputs: the national part of a scenario and the flow years
    (the scenario object itself is left out: kommune-level fields do not change them)."""
    return national, trend_until, e0m_key, e0f_key, first, last


@memo(maxsize=32, key=_national_key)
def _survival_paths(national, trend_until, e0m_key, e0f_key, scenario: Scenario, first: int, last: int):
    """Survival ratios (year, sex, age) for a scenario's e0 paths; the same for every kommune,
    so computed once per process and key (the e0 targeting is the costly part)."""
    flow = np.arange(first, last + 1)
    return _survival_for_e0(national_paths(scenario, flow)["e0"], trend_until)


def _survival_for_e0(e0: xr.DataArray, trend_until: int | None) -> tuple[xr.DataArray, xr.DataArray]:
    """Survival ratios (..., age, sex -> dims of ``e0`` then age) and birth survival for life
    expectancy targets ``e0`` (sex, year, ...) [years]: the base death rates moved to each
    target along the age pattern of mortality decline (Lee–Carter b_x)."""
    mort_years = MORTALITY_BASE_YEARS if trend_until is None else (trend_until - 4, trend_until)
    pattern_years = (2000, 2019) if trend_until is None else (trend_until - 19, trend_until)
    mx = lifetable.scale_to_life_expectancy(base_mortality(mort_years), e0,
                                            age_pattern=improvement_pattern(pattern_years))
    return survival_for(mx.transpose(..., "year", "sex", "age"))


def _national_inputs(scenario: Scenario, flow: np.ndarray) -> dict:
    """What a scenario fixes for every kommune alike over the flow years: national ``tfr``
    (year) [children per woman], ``e0`` (year, sex) [years], Norway's ``net_migration`` (year)
    [persons per year, all ages], ``survival`` (year, age, sex) and ``birth_survival`` (year,
    sex) [probability], the fertility age pattern ``shape`` (age) [share]. Cached per national
    part of the scenario and years (read-only)."""
    return _national_inputs_cached(scenario.national, scenario.trend_until, repr(scenario.e0_male),
                                   repr(scenario.e0_female), scenario, int(flow[0]), int(flow[-1]))


@memo(maxsize=32, key=_national_key)
def _national_inputs_cached(national, trend_until, e0m_key, e0f_key, scenario: Scenario, first: int, last: int):
    flow = np.arange(first, last + 1)
    nat = national_paths(scenario, flow)
    S, Sb = _survival_paths(scenario.national, scenario.trend_until, repr(scenario.e0_male),
                            repr(scenario.e0_female), scenario, int(flow[0]), int(flow[-1]))
    return {**nat, "survival": S.transpose("year", "age", "sex"), "birth_survival": Sb,
            "shape": fertility_shape(_shape_years(scenario.trend_until))}


def _national_arrays(scenario: Scenario, flow: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`_national_inputs` as numpy, ready for the engine (cached the same way, read-only):
    ``tfr`` (year), ``e0`` (year, sex), ``net_migration`` (year), ``survival`` (year, age,
    sex), ``birth_survival`` (year, sex), ``shape`` (age 0..105, 0 outside the fertile ages)."""
    return _national_arrays_cached(scenario.national, scenario.trend_until, repr(scenario.e0_male),
                                   repr(scenario.e0_female), scenario, int(flow[0]), int(flow[-1]))


@memo(maxsize=32, key=_national_key)
def _national_arrays_cached(national, trend_until, e0m_key, e0f_key, scenario: Scenario, first: int, last: int):
    nat = _national_inputs(scenario, np.arange(first, last + 1))
    sexes = list(SEXES)
    return {"tfr": nat["tfr"].values, "e0": nat["e0"].sel(sex=sexes).transpose("year", "sex").values,
            "net_migration": nat["net_migration"].values,
            "survival": nat["survival"].sel(sex=sexes).transpose("year", "age", "sex").values,
            "birth_survival": nat["birth_survival"].sel(sex=sexes).transpose("year", "sex").values,
            "shape": nat["shape"].reindex(age=AGES, fill_value=0.0).values}


def recent_growth(totals: np.ndarray, years: np.ndarray, window: int = RECENT_GROWTH_YEARS,
                  floor: float = RECENT_GROWTH_FLOOR) -> np.ndarray:
    """A kommune's recent growth for the housing alternatives [persons per year] (K,): the size
    of its average yearly population change over the last ``window`` registered years (or the
    years there are), at least ``floor`` × its latest population.

    Parameters
    ----------
    totals : (K, Y) registered population on 1 January [persons]; years : (Y,) calendar years.
    """
    totals = np.atleast_2d(np.asarray(totals, dtype=float))
    years = np.asarray(years)
    first = max(0, years.size - 1 - window)
    span = max(int(years[-1] - years[first]), 1)
    change = np.abs(totals[:, -1] - totals[:, first]) / span
    return np.maximum(change, floor * totals[:, -1])


def housing_extra(scenario: Scenario, flow: np.ndarray, growth: np.ndarray) -> np.ndarray | None:
    """Extra net in-migrants of a housing scenario (Y, K) [persons per year], or None: the
    user's ``(dwellings − reference_dwellings) × persons_per_dwelling``, or else
    ``(growth_factor − 1) × recent growth`` (:func:`recent_growth`)."""
    if scenario.dwellings is not None:
        if scenario.reference_dwellings is None:
            raise InputError("demografisk alternativ", "reference_dwellings",
                             "mangler: boligbygging (dwellings) trenger antall boliger per år som gir "
                             "hovedalternativets flytting")
        extra = (path_values(scenario.dwellings, flow, "dwellings").values - scenario.reference_dwellings) \
            * scenario.persons_per_dwelling
        return np.broadcast_to(extra[:, None], (flow.size, growth.size))
    if scenario.growth_factor is not None and scenario.growth_factor != 1.0:
        return np.broadcast_to((scenario.growth_factor - 1.0) * growth[None, :], (flow.size, growth.size))
    return None


def _kommune_migration_inputs(est: dict, scenario: Scenario, nat: dict, flow: np.ndarray,
                              base: np.ndarray, config: MigrationConfig = DEFAULT,
                              growth: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Net migration of kommuner for the engine: persons (year, kommune, age, sex) [persons per
    year] and rates on survivors (same dims) [per survivor per year].

    The model's paths (:func:`~planmodel.population.migration_model.migration_paths`) with the
    scenario's national net immigration; then, if the scenario sets the kommune's own
    ``migration_level`` [persons per year], the first year's net migration as a fixed pattern
    (level × profile + redistribution) moved to that level (all as persons); and for housing
    scenarios the extra net in-migrants of :func:`housing_extra` (``growth``: each kommune's
    :func:`recent_growth`) spread by the positive part of the first year's pattern."""
    N = np.asarray(nat["net_migration"]) * ages_one_plus_share()
    persons, rate = migration_paths(est, N, flow, base, config)
    extra = housing_extra(scenario, flow, np.zeros(base.shape[0]) if growth is None else np.asarray(growth))
    if scenario.migration_level is None and extra is None:
        return persons, rate
    # the first year's net migrants as a fixed pattern: level * profile + redistribution
    first = persons[0] + rate[0] * survive(base, survival_for_flows(flow[:1])[0])  # (K, A, S)
    pos = np.clip(first, 0.0, None)
    total = pos.sum((1, 2), keepdims=True)
    profile = np.where(total > 0, pos / np.where(total > 0, total, 1.0), est["profile"][None])
    if scenario.migration_level is not None:
        level = path_values(scenario.migration_level, flow, "migration_level").values
        redistribution = first - first.sum((1, 2), keepdims=True) * profile
        persons = level[:, None, None, None] * profile[None] + redistribution[None]
        rate = np.zeros_like(rate)
    if extra is not None:
        persons = persons + extra[:, :, None, None] * profile[None]
    return persons, rate


def projection_inputs(base: KommuneBase, scenario: Scenario, end_year: int = END_YEAR,
                      config: MigrationConfig = DEFAULT) -> dict:
    r"""Arrays for :func:`planmodel.population.engine.project` for a kommune and scenario.

    Net migration in year t by age and sex (:mod:`planmodel.population.migration_model`):

    .. math:: M_k(t) = \beta_k s_k N_{alt}(t)\,g + d_k(t)\cdot Z_k(t)

    the kommune's share of the scenario's national net immigration :math:`N_{alt}(t)` (so a past
    wave fades with Norway's immigration, and the low and high alternatives move a kommune in
    proportion to its size), and its domestic rates :math:`d_k(t)`, fading towards its fylke's
    pattern at its size class's level (out-migration as rates on the projected survivors,
    in-migration as persons). A user-set ``migration_level`` replaces both by the first year's
    pattern at that level; housing scenarios add :math:`(D(t) - D_{ref})\,h` net in-migrants.
    For Norway the level is the national path :math:`N_{alt}(t)` with Norway's age pattern.

    Returns a dict of the engine's arguments plus ``_tfr`` (year) and ``_e0`` (year, sex).
    """
    arrays = _projection_arrays(base, scenario, end_year, config)
    flow = arrays["_flow"]
    coords = {"year": flow, "age": AGES, "sex": list(SEXES)}
    out = {
        "base": base.base.assign_attrs(year=base.base_year),
        "survival": xr.DataArray(arrays["survival"], coords=coords, dims=("year", "age", "sex"),
                                 attrs={"units": "probability"}),
        "birth_survival": xr.DataArray(arrays["birth_survival"], coords={"year": flow, "sex": list(SEXES)},
                                       dims=("year", "sex"), attrs={"units": "probability"}),
        "fertility": xr.DataArray(arrays["fertility"], coords={"year": flow, "age": AGES}, dims=("year", "age"),
                                  attrs={"units": "births per woman-year"}),
        "male_share_at_birth": arrays["male_share_at_birth"],
        "_tfr": xr.DataArray(arrays["_tfr"], coords={"year": flow}, dims="year"),
        "_e0": xr.DataArray(arrays["_e0"].T, coords={"sex": list(SEXES), "year": flow}, dims=("sex", "year")),
        "net_migration": xr.DataArray(arrays["net_migration"], coords=coords, dims=("year", "age", "sex"),
                                      attrs={"units": "persons per year"}),
    }
    if arrays["net_migration_rate"] is not None:
        out["net_migration_rate"] = xr.DataArray(arrays["net_migration_rate"], coords=coords,
                                                 dims=("year", "age", "sex"),
                                                 attrs={"units": "net migrants per survivor per year"})
    return out


def _projection_arrays(base: KommuneBase, scenario: Scenario, end_year: int = END_YEAR,
                       config: MigrationConfig = DEFAULT) -> dict:
    """:func:`projection_inputs` as numpy arrays (year, age, sex) etc., the engine's argument
    names plus ``_tfr`` (year), ``_e0`` (year, sex) and ``_flow`` (the flow years); no xarray
    on the way (one kommune's projection in well under a millisecond)."""
    flow = _years(base.base_year, end_year)
    nat = _national_arrays(scenario, flow)
    tfr = nat["tfr"] * base.fertility_factor if scenario.tfr is None else \
        path_values(scenario.tfr, flow, "tfr").values
    out = {
        "base": _values(base.base, ("age", "sex")),
        "survival": nat["survival"],
        "birth_survival": nat["birth_survival"],
        "fertility": tfr[:, None] * nat["shape"][None, :],
        "male_share_at_birth": male_share_at_birth(),
        "_tfr": tfr,
        "_e0": nat["e0"],
        "_flow": flow,
    }
    if base.code == "0000":
        level = _national_inputs(scenario, flow)["net_migration"] if scenario.migration_level is None else \
            path_values(scenario.migration_level, flow, "migration_level")
        out["net_migration"] = _values(base.migration.at_level(level), ("year", "age", "sex"))
        out["net_migration_rate"] = None
        return out
    years = base.history.get_index("year").values
    upto = years <= base.base_year
    totals = _values(base.history, ("year", "age", "sex"))[upto].sum(axis=(1, 2))
    growth = recent_growth(totals[None], years[upto])
    persons, rate = _kommune_migration_inputs(base.migration.estimate, scenario, nat, flow, out["base"][None],
                                              config, growth)
    out["net_migration"] = persons[:, 0]
    out["net_migration_rate"] = rate[:, 0]
    return out


def _values(da: xr.DataArray, dims: tuple[str, ...]) -> np.ndarray:
    """``da.values`` with dims ``dims`` in that order (and sexes in the order of SEXES)."""
    if "sex" in dims and tuple(da.get_index("sex")) != SEXES:
        da = da.sel(sex=list(SEXES))
    return (da if da.dims == dims else da.transpose(*dims)).values


def project_kommune(kommune: str, scenario: str | Scenario = "main", end_year: int = END_YEAR,
                    base_year: int | None = None, history_last: int | None = None,
                    components: bool = False, base_population: xr.DataArray | None = None
                    ) -> xr.DataArray | xr.Dataset:
    """Project a kommune's population by single age and sex.

    Parameters
    ----------
    kommune : str, kommune number or name (``"3201"``, ``"Bærum"``); ``"0000"`` = Norway.
    scenario : scenario id (see ``SCENARIOS``) or a :class:`Scenario`.
    end_year : last year of the projection (1 January).
    base_year : first year (default: the latest registered year, 2026).
    history_last : estimate from data up to this year only (hindcasts).
    components : return the full Dataset (births, deaths, migration ...) instead of the
        population DataArray.
    base_population : a user-loaded population (year, age, sex) [persons] that replaces the
        shipped one (see :func:`kommune_base`).

    Returns
    -------
    DataArray (year, age, sex) [persons] with attrs ``units``, ``kommune``, ``kommune_name``,
    ``scenario``, ``scenario_label``, ``sources``, ``assumptions``; or a Dataset with it as
    ``population`` when ``components=True`` (with ``tfr``, ``e0`` and ``migration_level``, the
    realised total net migration per year [persons per year]).
    """
    code = "0000" if str(kommune) in {"0", "0000", "Norge", "norge"} else resolve_kommune(kommune).code
    sc = get_scenario(scenario)
    base = kommune_base(code, base_year, history_last, base_population)
    flow = _years(base.base_year, end_year)
    if sc.ssb_alternative is not None:
        years = np.concatenate([[base.base_year], flow + 1])
        pop = _ssb_single_age(base, sc.ssb_alternative, years)
        ds = xr.Dataset({"population": pop})
        assumptions = [f"SSBs framskriving ({sc.ssb_alternative}) brukt direkte; aldersgrupper fordelt "
                       "på ettårig alder etter basisårets fordeling innen gruppen"]
        sources = [data.SRC_14746]
    else:
        arrays = _projection_arrays(base, sc, end_year)
        inp = engine.from_arrays(**_engine_arguments(arrays), base_year=base.base_year, flow_years=flow)
        flows = engine.run(inp, components=components)  # the population alone needs no flow arrays
        ds = None  # built below, with the population's attributes, in one step
        assumptions = [
            f"Fruktbarhet: {'trend' if sc.trend_until else 'SSB-bane ' + sc.national} × kommunefaktor "
            f"{tall(base.fertility_factor, 3)}",
            f"Levealder: SSB-bane {sc.national}, dødsrater HMD {MORTALITY_BASE_YEARS[0]}–{MORTALITY_BASE_YEARS[1]} skalert",
            f"Flytting: {base.migration.basis}",
            *sc.assumptions,
        ]
        sources = list(base.sources)
    attrs = {
        "units": "persons",
        "kommune": base.code,
        "kommune_name": base.name,
        "scenario": sc.id,
        "scenario_label": sc.label,
        "base_year": base.base_year,
        "sources": "; ".join(sources),
        "assumptions": " | ".join(assumptions),
        "long_name": "Befolkning 1. januar",
        # net out-migration larger than the population at some age and sex (cut in the engine)
        "migration_shortfall_total": float(flows["shortfall_total"]) if ds is None else 0.0,
    }
    if ds is not None:  # SSB's projection
        ds["population"].attrs = attrs
        ds.attrs.update(attrs)
        return ds if components else ds["population"]
    if not components:
        years = np.concatenate([[base.base_year], flow + 1])
        return engine.dataset({"population": (("year", "age", "sex"), flows["population"], attrs)},
                              {"year": years, "age": AGES, "sex": np.array(SEXES)})["population"]
    return _kommune_dataset(flows, inp, arrays, attrs)


def _engine_arguments(arrays: dict) -> dict:
    """The engine's arguments of :func:`_projection_arrays`' output (without the ``_`` keys)."""
    return {k: v for k, v in arrays.items() if not k.startswith("_")}


def _kommune_dataset(flows: dict, inp: engine.EngineInputs, arrays: dict, attrs: dict) -> xr.Dataset:
    """:func:`project_kommune`'s Dataset in one step: the engine's variables plus ``tfr``
    (year) [children per woman], ``e0`` (sex, year) [years] and ``migration_level`` (year)
    [persons per year] (flows: NaN in the last year); the population with ``attrs``."""
    def on_years(values: np.ndarray) -> np.ndarray:  # flow years -> population years (NaN last)
        return np.concatenate([values, np.full(values[:1].shape, np.nan)])

    extra = {
        "tfr": (("year",), on_years(arrays["_tfr"]), {"units": "children per woman"}),
        "e0": (("sex", "year"), on_years(arrays["_e0"]).T, {"units": "years"}),
        "migration_level": (("year",), on_years(flows["net_migration"][:-1].sum(axis=(1, 2))),
                            {"units": "persons per year", "long_name": "Nettoinnflytting i alt (realisert)"}),
    }
    ds = engine.to_dataset(flows, inp, extra, attrs)
    ds.variables["population"].attrs = dict(attrs)
    return ds


def project_kommuner(scenario: str | Scenario = "main", end_year: int = END_YEAR, base_year: int | None = None,
                     kommuner=None, config: MigrationConfig = DEFAULT,
                     national: dict | None = None) -> xr.Dataset:
    """Project many kommuner at once: one estimate (numpy over kommune, year, age and sex) and
    one engine call with a ``kommune`` dimension. Each kommune's result equals
    :func:`project_kommune` with ``history_last=base_year``.

    Parameters
    ----------
    scenario : scenario id or :class:`Scenario` (not the ``ssb_*`` ones).
    end_year : last year (1 January).
    base_year : base year; only data up to it are used (default: the last registered year).
    kommuner : kommune numbers (default: all 357).
    config : :class:`~planmodel.population.migration_model.MigrationConfig`.
    national : optional replacements of national inputs (``tfr``, ``net_migration`` (year) …;
        see :func:`_national_inputs`), for example the paths that actually happened when
        decomposing backtest errors.

    Returns
    -------
    Dataset of :func:`planmodel.population.engine.project` with dims (year, kommune, age, sex),
    plus ``fertility_factor`` (kommune) and attrs ``scenario``, ``base_year``.
    """
    sc = get_scenario(scenario)
    if sc.ssb_alternative is not None:
        raise InputError("argument", "scenario", "SSBs framskriving brukes bare for enkeltkommuner (project_kommune)")
    hist = data.all_kommuner_population()
    base_year = int(hist.year.max()) if base_year is None else int(base_year)
    if kommuner is not None:
        hist = hist.sel(kommune=[resolve_kommune(k).code for k in np.atleast_1d(kommuner)])
    P = hist.sel(year=slice(HISTORY_FIRST_YEAR, base_year))
    if P.sizes["year"] < 2 or int(P.year[-1]) != base_year:
        raise InputError("argument", "base_year", f"{base_year}: trenger registrert befolkning "
                         f"{HISTORY_FIRST_YEAR}–{base_year} (tilgjengelig {int(hist.year.min())}–{int(hist.year.max())})")
    V = P.transpose("kommune", "year", "age", "sex").values
    codes = P.kommune.values
    est = _estimate_rows(_all_kommuner_estimate(base_year, config), data.all_kommuner_population().kommune.values, codes)
    flow = _years(base_year, end_year)
    nat = {**_national_inputs(sc, flow), **(national or {})}
    ffac = fertility_factors(P, fertility_shape(_factor_shape_years(base_year)))
    persons, rate = _kommune_migration_inputs(est, sc, nat, flow, V[:, -1], config,
                                              recent_growth(V.sum(axis=(2, 3)), P.year.values))
    tfr = nat["tfr"] * ffac if sc.tfr is None else path_values(sc.tfr, flow, "tfr") * xr.ones_like(ffac)
    dims = ("year", "kommune", "age", "sex")
    coords = {"year": flow, "kommune": codes, "age": AGES, "sex": list(SEXES)}
    base = xr.DataArray(V[:, -1], coords={"kommune": codes, "age": AGES, "sex": list(SEXES)},
                        dims=("kommune", "age", "sex"), attrs={"year": base_year})
    ds = project(base=base, survival=nat["survival"], birth_survival=nat["birth_survival"],
                 fertility=(tfr * nat["shape"]).transpose("year", "age", ...),
                 net_migration=xr.DataArray(persons, coords=coords, dims=dims),
                 male_share_at_birth=male_share_at_birth(),
                 net_migration_rate=xr.DataArray(rate, coords=coords, dims=dims))
    ds["fertility_factor"] = ffac
    ds.attrs.update(scenario=sc.id, base_year=base_year)
    return ds


def overrides_key(overrides: Mapping[str, object] | None) -> tuple:
    """A hashable, order-free key for demography overrides ({name: value or {year: value}})."""
    return tuple(sorted((k, tuple(sorted(v.items())) if isinstance(v, Mapping) else v)
                        for k, v in (overrides or {}).items()))


def population_for(kommune: str, demographic: str = "main", horizon: int = 2040,
                   overrides: Mapping[str, object] | None = None, base_file: str | None = None) -> xr.DataArray:
    """A kommune's projected population path (year, age, sex) [persons], base year to horizon.

    Cached per resolved kommune *code*, demographic scenario, horizon and overrides (policy
    choices do not change the population, so every run of a kommune reuses one projection);
    the values are read-only and shared, the ``attrs`` are the caller's own.

    Parameters
    ----------
    kommune : kommune number or name (``"3201"``, ``"Bærum"``, old numbers too).
    demographic : demographic scenario id (:data:`planmodel.inputs.demographic.SCENARIOS`).
    horizon : last year [calendar year, 1 January].
    overrides : {tfr, e0_male, e0_female, migration_level, dwellings, persons_per_dwelling:
        value or {year: level}} on top of the scenario (a scenario file's ``demography:``).
    base_file : the kommune's own population file (SSB 07459, CSV or JSON-stat;
        :func:`~planmodel.inputs.readers.read_population`); its latest year is the base year
        (2026 or later).
        Cached on the file's path and modification time.
    """
    code = "0000" if str(kommune) in {"0", "0000", "Norge", "norge"} else resolve_kommune(kommune).code
    key = None if base_file is None else file_key(base_file)
    pop = _population_for(code, demographic, int(horizon), overrides_key(overrides), key)
    out = pop.copy(deep=False)
    out.attrs = dict(pop.attrs)
    return out


@memo(maxsize=64)
def _population_for(code: str, demographic: str, horizon: int, overrides: tuple, base_file=None) -> xr.DataArray:
    demo, own = _demography_of(code, demographic, overrides, base_file)
    return project_kommune(code, demo, end_year=horizon, base_population=own)


def _demography_of(code: str, demographic: str, overrides: tuple,
                   base_file: tuple | None) -> tuple[Scenario, xr.DataArray | None]:
    """The scenario with the overrides applied and the user's own population (or None) of
    :func:`population_for`'s arguments (``overrides`` as :func:`overrides_key`, ``base_file``
    as :func:`~planmodel.core.cache.file_key`)."""
    demo = get_scenario(demographic)
    own = None
    if base_file is not None:
        own = read_population(base_file[0], kommune=None if code == "0000" else code)
        last = int(own["year"].values.max())
        if last < data.BASE_YEAR:
            raise InputError(base_file[0], "year", f"siste år i filen er {last}; forventet {data.BASE_YEAR} eller "
                             "senere (befolkningen 1. januar i basisåret; det siste året i filen er basisåret)")
    if overrides:
        values = {k: (dict(v) if isinstance(v, tuple) else v) for k, v in overrides}
        if "dwellings" in values:  # explicit dwellings replace a relative housing alternative, and say so
            values.update(growth_factor=None, assumptions=(DWELLINGS_NOTE,))
        demo = replace(demo, id=f"{demo.id}+egne", label=f"{demo.label} med egne forutsetninger", **values)
    return demo, own


# ---------------------------------------------------------------------------------------------
# Monte Carlo: many draws of fertility, life expectancy and migration in one engine call
# ---------------------------------------------------------------------------------------------

#: Spacing of the grid of life expectancy shifts [years] on which survival is computed exactly
#: (the scenario's own e0 targeting); draws in between are interpolated linearly. With 0.5
#: years the e0 of an interpolated draw is within 0.003 years of its target (tested).
E0_SHIFT_STEP = 0.5
#: Allowed ranges of the draw arguments of :func:`population_draws`.
DRAW_LIMITS = {"tfr_factor": (0.0, 5.0), "e0_shift": (-10.0, 10.0), "migration_factor": (0.0, 10.0)}
_DRAW_UNITS = {"tfr_factor": "faktor", "e0_shift": "år", "migration_factor": "faktor"}


def _draw_arrays(tfr_factor, e0_shift, migration_factor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three draw arguments as float arrays of one length D >= 1, checked (InputError in
    bokmål naming the argument and the first bad draw)."""
    where = "population_draws"
    out = {}
    for name, values in [("tfr_factor", tfr_factor), ("e0_shift", e0_shift), ("migration_factor", migration_factor)]:
        try:
            a = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise InputError(where, name, "må være en liste eller numpy-vektor med tall, ett per trekk") from None
        if a.ndim != 1 or a.size == 0:
            raise InputError(where, name, f"må være en endimensjonal vektor med minst ett trekk (fikk form {a.shape})")
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise InputError(where, name, f"trekk {bad[0]} er {a[bad[0]]}, ikke et endelig tall; alle verdier "
                             "må være endelige tall")
        lo, hi = DRAW_LIMITS[name]
        bad = np.flatnonzero((a < lo) | (a > hi))
        if bad.size:
            value = f"{a[bad[0]]:g}".replace(".", ",").replace("-", "\u2212")
            raise InputError(where, name, f"trekk {bad[0]} er {value}; må ligge mellom "
                             f"{tall(lo, 1)} og {tall(hi, 1)} ({_DRAW_UNITS[name]})")
        out[name] = a
    sizes = {k: v.size for k, v in out.items()}
    if len(set(sizes.values())) != 1:
        raise InputError(where, "draws", "tfr_factor, e0_shift og migration_factor må ha like mange trekk "
                         f"(fikk {', '.join(f'{k}: {v}' for k, v in sizes.items())})")
    return out["tfr_factor"], out["e0_shift"], out["migration_factor"]


@memo(maxsize=8, key=lambda scenario, first, last, ks: (_national_key(
    scenario.national, scenario.trend_until, repr(scenario.e0_male), repr(scenario.e0_female), scenario, first,
    last), ks))
def _survival_grid(scenario: Scenario, first: int, last: int, ks: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Survival (shift, year, age, sex) and birth survival (shift, year, sex) [probability]
    for the scenario's e0 paths moved by ``k * E0_SHIFT_STEP`` years for each k in ``ks``
    (consecutive), by the same e0 targeting as the scenario itself (vectorised over shifts).
    Shift 0 is the scenario's own survival, so a draw without a shift is exact."""
    flow = np.arange(first, last + 1)
    nat = _national_arrays(scenario, flow)
    shifts = xr.DataArray(np.asarray(ks, dtype=float) * E0_SHIFT_STEP, dims="shift")
    e0 = national_paths(scenario, flow)["e0"]
    S, Sb = _survival_for_e0(e0 + shifts, scenario.trend_until)
    S = S.sel(sex=list(SEXES)).transpose("shift", "year", "age", "sex").values.copy()
    Sb = Sb.sel(sex=list(SEXES)).transpose("shift", "year", "sex").values.copy()
    if 0 in ks:
        S[ks.index(0)], Sb[ks.index(0)] = nat["survival"], nat["birth_survival"]
    return S, Sb


class _InterpolatedByDraw:
    """Per-year values for each draw, linear between grid rows: item t is
    ``grid[lo, t] + w * (grid[lo + 1, t] - grid[lo, t])`` with shape (draw, ...), computed once
    per distinct (lo, w) when there are few (a tornado run). Draws on a grid point (w = 0) get
    the grid row exactly; when all draws are alike the row is returned once (broadcast)."""

    def __init__(self, grid: np.ndarray, lo: np.ndarray, w: np.ndarray):
        uniq, inverse = np.unique(np.stack([lo, w]), axis=1, return_inverse=True)
        self.inverse = None
        if uniq.shape[1] <= lo.size // 2:  # few distinct draws: compute those, then pick
            lo, w, self.inverse = uniq[0].astype(int), uniq[1], inverse.ravel()
        self.grid, self.lo = grid, lo
        self.w = w.reshape((-1,) + (1,) * (grid.ndim - 2))
        self.slope = None if (w == 0).all() else grid[1:] - grid[:-1]

    def block(self, part: slice) -> "_InterpolatedByDraw":
        """The same for the draws ``part`` (see :func:`planmodel.population.engine.run`)."""
        out = object.__new__(_InterpolatedByDraw)
        out.grid, out.slope = self.grid, self.slope
        if self.inverse is None:
            out.lo, out.w, out.inverse = self.lo[part], self.w[part], None
        else:
            out.lo, out.w, out.inverse = self.lo, self.w, self.inverse[part]
        return out

    def __getitem__(self, t: int) -> np.ndarray:
        rows = self.grid[self.lo, t]
        if self.slope is not None:
            step = self.slope[self.lo, t]
            step *= self.w
            rows += step
        if rows.shape[0] == 1 or self.inverse is None:
            return rows
        return rows[self.inverse]


def draw_survival(scenario: Scenario, flow: np.ndarray, e0_shift: np.ndarray) -> tuple[object, object]:
    """Survival and birth survival per draw for life expectancy shifted by ``e0_shift``
    (draw) [years]: objects whose item t is (draw, age, sex) and (draw, sex) [probability].

    Survival is computed exactly (the scenario's e0 targeting) on a grid of shifts
    ``E0_SHIFT_STEP`` apart that covers the draws, and interpolated linearly per draw between
    the two nearest grid shifts. A draw with shift 0 gets the scenario's own survival exactly.
    """
    e0_shift = np.asarray(e0_shift, dtype=float)
    pos = e0_shift / E0_SHIFT_STEP
    k0, k1 = int(np.floor(pos.min())), int(np.ceil(pos.max()))
    ks = tuple(range(k0, k1 + 1))
    S, Sb = _survival_grid(scenario, int(flow[0]), int(flow[-1]), ks)
    lo = np.clip(np.floor(pos).astype(int) - k0, 0, max(len(ks) - 2, 0))
    w = pos - k0 - lo
    return _InterpolatedByDraw(S, lo, w), _InterpolatedByDraw(Sb, lo, w)


def population_draws(kommune: str, demographic: str = "main", horizon: int = 2040,
                     overrides: Mapping[str, object] | None = None, base_file: str | None = None, *,
                     tfr_factor, e0_shift, migration_factor) -> xr.DataArray:
    r"""A kommune's projected population for many draws of fertility, life expectancy and
    migration at once (Monte Carlo), in one engine call.

    Draw :math:`d` is the projection of :func:`population_for` (same kommune, scenario,
    overrides and own population file) with

    - fertility (TFR path) times ``tfr_factor[d]``;
    - life expectancy at birth of both sexes moved by ``e0_shift[d]`` years in every projection
      year: survival as the scenario's own (death rates moved to the target e0 along the age
      pattern of mortality decline), computed exactly on a grid of shifts
      :data:`E0_SHIFT_STEP` apart and interpolated linearly in between
      (:func:`draw_survival`; the draw's e0 is within 0.003 years of its target);
    - net migration times ``migration_factor[d]``: a level factor on both parts of the
      kommune's net migration, the persons and the rates on survivors
      (:math:`M_d = f_d\,(M^{\text{persons}} + m\,Z)`), so net in- and out-migration are both
      scaled; net out-migration beyond the survivors is cut by the engine as always (nobody
      leaves twice) and counted in ``migration_shortfall_total``.

    With ``tfr_factor = 1``, ``e0_shift = 0`` and ``migration_factor = 1`` a draw equals
    :func:`population_for` exactly (the same arithmetic). The base year is the same in every
    draw. Cached on the arguments and the arrays' bytes (a tornado or fan run that asks again
    with the same arrays reuses the result; read-only, ``attrs`` are the caller's own).

    Parameters
    ----------
    kommune, demographic, horizon, overrides, base_file : as :func:`population_for`. The
        ``ssb_*`` scenarios (SSB's projection used as it is) have no fertility, life
        expectancy or migration paths to vary and are refused with an InputError.
    tfr_factor : array (draw) [factor], 0–5.
    e0_shift : array (draw) [years], −10 to +10.
    migration_factor : array (draw) [factor], 0–10.

    Returns
    -------
    DataArray (year, age, sex, draw) [persons], ``draw`` = 0..D-1, with the attrs of
    :func:`population_for` (``migration_shortfall_total`` is the mean over draws).

    Raises
    ------
    InputError
        arrays of different lengths, not one-dimensional, NaN or infinite values, or values
        outside the ranges above; an ``ssb_*`` scenario.
    """
    tf, es, mf = _draw_arrays(tfr_factor, e0_shift, migration_factor)
    code = "0000" if str(kommune) in {"0", "0000", "Norge", "norge"} else resolve_kommune(kommune).code
    key = None if base_file is None else file_key(base_file)
    pop = _population_draws(code, demographic, int(horizon), overrides_key(overrides), key,
                            tf.tobytes(), es.tobytes(), mf.tobytes())
    out = pop.copy(deep=False)
    out.attrs = dict(pop.attrs)
    return out


@memo(maxsize=4)
def _population_draws(code: str, demographic: str, horizon: int, overrides: tuple, base_file,
                      tfr_bytes: bytes, e0_bytes: bytes, mig_bytes: bytes) -> xr.DataArray:
    tf, es, mf = (np.frombuffer(b) for b in (tfr_bytes, e0_bytes, mig_bytes))
    demo, own = _demography_of(code, demographic, overrides, base_file)
    if demo.ssb_alternative is not None:
        raise InputError("population_draws", "demographic",
                         f"{demographic}: SSBs framskriving brukes som den er og har ingen fruktbarhet, levealder "
                         "eller flytting å variere; velg et av modellens alternativer (for eksempel «main»)")
    attrs = dict(_population_for(code, demographic, horizon, overrides, base_file).attrs)
    base = kommune_base(code, None, None, own)
    flow = _years(base.base_year, horizon)
    arrays = _projection_arrays(base, demo, horizon)
    single = engine.from_arrays(**_engine_arguments(arrays), base_year=base.base_year, flow_years=flow)
    S, Sb = draw_survival(demo, flow, es)
    D = tf.size
    inp = replace(single, base=np.broadcast_to(single.base, (D,) + single.base.shape), survival=S,
                  birth_survival=Sb, birth_factor=None if (tf == 1.0).all() else tf,
                  migration_factor=None if (mf == 1.0).all() else mf, lead={"draw": np.arange(D)})
    flows = engine.run(inp, components=False)
    attrs["migration_shortfall_total"] = float(flows["shortfall_total"]) / D
    years = np.concatenate([[base.base_year], flow + 1])
    return engine.dataset({"population": (("year", "age", "sex", "draw"), np.moveaxis(flows["population"], 1, -1),
                                          attrs)},
                          {"year": years, "age": AGES, "sex": np.array(SEXES), "draw": np.arange(D)})["population"]
