"""The projection of a kommune's population by single age and sex.

The scenarios (fertility, life expectancy and migration paths, and the shipped alternatives)
are inputs: :mod:`planmodel.inputs.demographic`. This module estimates a kommune's fertility
level and migration pattern from its registered population (:func:`kommune_base`), builds the
inputs of the cohort-component engine (:func:`projection_inputs`) and projects
(:func:`project_kommune`). :func:`population_for` is the cached entry point the model uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Mapping

import numpy as np
import xarray as xr

from planmodel.inputs import data
from planmodel.inputs.kommuner import all_kommuner, resolve_kommune
from planmodel.population import lifetable
from planmodel.core.ages import AGES, MAX_AGE, SEXES, kostra_group_of_age
from planmodel.core.errors import InputError
from planmodel.core.cache import memo
from planmodel.core.formatting import prosent, tall
from planmodel.population.migration import (
    MigrationPattern,
    positive_profile,
    residual_net_migration,
    smooth_over_age,
)
from planmodel.population.engine import project
from planmodel.inputs.demographic import (NATIONAL_ASSUMPTIONS, Scenario,
                                         get_scenario, path_values)


#: Default last projection year.
END_YEAR = 2050
#: Credibility constant N0 [persons] for blending a kommune's own migration age pattern with
#: its region's (assumption: at 30 000 inhabitants own and regional pattern weigh equally).
CREDIBILITY_N0 = 30_000.0
#: Years of HMD death rates averaged for the base mortality (the latest five).
MORTALITY_BASE_YEARS = (2019, 2023)
#: Years of HFD fertility rates averaged for the age pattern of fertility.
FERTILITY_SHAPE_YEARS = (2018, 2022)


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


# ---------------------------------------------------------------------------------------------
# Kommune estimates: fertility level and migration pattern from registered populations
# ---------------------------------------------------------------------------------------------

def _survival_of_year(year: int) -> xr.DataArray:
    """One-year survival ratios (age, sex) from HMD rates of ``year`` (latest year if later)."""
    return _survival_by_year(year).copy()


def _survival_by_year(year: int, births: bool = False) -> xr.DataArray:
    """Survival ratios (age, sex) of ``year`` (or birth survival (sex) with ``births``); years
    outside HMD's range use the nearest year."""
    S, Sb = _survival_table()
    y = min(max(year, int(S.year.min())), int(S.year.max()))
    return (Sb if births else S).sel(year=y, drop=True)


@lru_cache(maxsize=None)
def _survival_table() -> tuple[xr.DataArray, xr.DataArray]:
    """Survival ratios (year, age, sex) and birth survival (year, sex) for every HMD year,
    computed once, vectorised over years."""
    mx = lifetable.kannisto_old_age(data.death_rates())
    S, Sb = survival_for(mx.transpose("year", "sex", "age"))
    return S.transpose("year", "age", "sex"), Sb


def _child_ratio(pop: xr.DataArray, shape: xr.DataArray) -> tuple[float, float]:
    """Sum over consecutive years of age-0 children and of fertility-weighted women exposure.

    Returns (children aged 0 on 1 January t+1, sum_x shape(x) * exposure(x, t)) summed over t.
    """
    years = pop["year"].values
    t = np.flatnonzero(np.diff(years) == 1)  # consecutive years, all at once
    if t.size == 0:
        return 0.0, 0.0
    P = pop.transpose("year", "age", "sex").values.astype(float)
    f = shape.reindex(age=AGES, fill_value=0.0).values
    F = list(SEXES).index("female")
    women = 0.5 * (P[t, :, F] + P[t + 1, :, F])  # (T, A)
    return float(P[t + 1, 0, :].sum()), float((women * f).sum())


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


@lru_cache(maxsize=None)
def _national_child_ratio(first: int, last: int, shape_years: tuple[int, int]) -> float:
    pop = data.norway_population().sel(year=slice(first, last))
    kids, exp = _child_ratio(pop, fertility_shape(shape_years))
    return kids / exp


def local_fertility_factor(pop: xr.DataArray, shape_years: tuple[int, int] = FERTILITY_SHAPE_YEARS) -> float:
    """Kommune fertility relative to Norway (indirect standardisation) [ratio].

    Children aged 0 on 1 January per fertility-weighted woman-year of exposure, divided by the
    same ratio for Norway over the same years. The kommune TFR is the national TFR times this
    factor. Migration of infants is included in the ratio (kommune births are not shipped).
    """
    years = pop["year"].values
    kids, exp = _child_ratio(pop, fertility_shape(shape_years))
    if exp <= 0:
        raise InputError("befolkning", "female", "ingen kvinner 12–55 år: kan ikke anslå fruktbarheten")
    return (kids / exp) / _national_child_ratio(int(years.min()), int(years.max()), shape_years)


@lru_cache(maxsize=None)
def national_migration_pattern(first: int = 2015, last: int = 2025) -> xr.DataArray:
    """Norway's mean annual net immigration by age and sex over flow years first..last
    [persons per year], residual method with HMD rates and HMD births (age 0)."""
    pop = data.norway_population()
    births = data.births()
    flows = []
    for y in range(first, last + 1):  # one residual per year, each vectorised over age and sex
        M = residual_net_migration(pop.sel(year=y), pop.sel(year=y + 1), _survival_by_year(y), 1)
        if y in births.index:
            Sb = _survival_by_year(y, births=True)
            b = xr.DataArray([births.loc[y, "male"], births.loc[y, "female"]], coords={"sex": list(SEXES)}, dims="sex")
            M0 = pop.sel(year=y + 1, age=0) - b * Sb
            M = xr.where(M["age"] == 0, M0.drop_vars("year", errors="ignore"), M)
        flows.append(M.fillna(0.0))
    pattern = xr.concat(flows, dim="year").mean("year").transpose("age", "sex")
    pattern.attrs = {"units": "persons per year", "years": f"{first}-{last}",
                     "source": data.SRC_07459 + "; " + data.SRC_HMD}
    return pattern


def _pooled_residuals(pop: xr.DataArray) -> tuple[xr.DataArray, int]:
    """Mean annual residual net migration over every usable interval of a population history.

    Returns (pattern (age, sex) [persons per year], number of years covered). Intervals of one
    or two years are used; ages born within an interval carry no estimate there. All one-year
    intervals are computed in one vectorised step (numpy over interval, age and sex).
    """
    years = np.array([int(y) for y in pop["year"].values])
    gaps = np.diff(years)
    if not (gaps <= 2).any():
        raise InputError("befolkning", "year", "trenger minst to år med høyst to års mellomrom")
    P = pop.transpose("year", "age", "sex").values.astype(float)  # (Y, A, 2)
    total = np.zeros(P.shape[1:])
    weight = np.zeros(P.shape[1:])
    one = np.flatnonzero(gaps == 1)
    if one.size:
        S = np.stack([_survival_by_year(int(y)).transpose("age", "sex").values for y in years[one]])  # (I, A, 2)
        surv = np.zeros_like(S)
        surv[:, 1:MAX_AGE] = P[one, : MAX_AGE - 1] * S[:, : MAX_AGE - 1]
        surv[:, MAX_AGE] = P[one, MAX_AGE - 1] * S[:, MAX_AGE - 1] + P[one, MAX_AGE] * S[:, MAX_AGE]
        M = P[one + 1] - surv
        M[:, 0] = 0.0  # age 0 was born in the interval: no estimate
        total[1:] += M[:, 1:].sum(axis=0)
        weight[1:] += one.size
    for i in np.flatnonzero(gaps == 2):  # rare (2023 -> 2025 for the kommuner): one at a time
        S = _survival_of_year(int(years[i]))
        M = residual_net_migration(pop.isel(year=i), pop.isel(year=i + 1), S, 2).transpose("age", "sex").values
        ok = ~np.isnan(M)
        total[ok] += 2 * M[ok]
        weight[ok] += 2
    pattern = np.divide(total, weight, out=np.zeros_like(total), where=weight > 0)
    out = xr.DataArray(pattern, coords={"age": AGES, "sex": list(SEXES)}, dims=("age", "sex"))
    return out, int(gaps[gaps <= 2].sum())


@lru_cache(maxsize=None)
def _all_kommuner_residuals() -> tuple[xr.DataArray, xr.DataArray]:
    """Annual residual net migration of every kommune (2023–2026 where 2023 exists), with the
    2025 population as exposure. Dims (kommune, age, sex)."""
    p2526 = data.all_kommuner_population()
    p23 = data.population_2023_current_codes().reindex(kommune=p2526.kommune)
    S25 = _survival_of_year(2025)
    S23 = _survival_of_year(2023)
    M1 = residual_net_migration(p2526.sel(year=2025), p2526.sel(year=2026), S25, 1)
    M2 = residual_net_migration(p23.sel(year=2023), p2526.sel(year=2025), S23, 2)
    has23 = p23.sel(year=2023).notnull().all(["age", "sex"])
    w2 = xr.where(M2.notnull() & has23, 2.0, 0.0)
    w1 = xr.where(M1.notnull(), 1.0, 0.0)
    pattern = (M1.fillna(0) * w1 + M2.fillna(0) * w2) / (w1 + w2).where(w1 + w2 > 0)
    pattern = pattern.fillna(0.0).transpose("kommune", "age", "sex")
    return pattern, p2526.sel(year=2025).transpose("kommune", "age", "sex")


@lru_cache(maxsize=None)
def _regional_rates() -> xr.DataArray:
    """Net migration rates by fylke, age and sex [per person per year], smoothed."""
    pattern, exposure = _all_kommuner_residuals()
    fylke = all_kommuner().set_index("kommune")["fylke"].reindex(pattern.kommune.values)
    fy = xr.DataArray(fylke.values, coords={"kommune": pattern.kommune}, dims="kommune", name="fylke")
    num = smooth_over_age(pattern.groupby(fy).sum())
    den = smooth_over_age(exposure.groupby(fy).sum())
    return (num / den.where(den > 0)).fillna(0.0)


def estimate_migration(pop: xr.DataArray, fylke: str | None = None, n0: float = CREDIBILITY_N0,
                       basis_prefix: str = "") -> MigrationPattern:
    """Migration pattern of a kommune from its registered populations (residual method).

    Parameters
    ----------
    pop : DataArray (year, age, sex) [persons], at least two years at most two years apart.
    fylke : str or None
        Two-digit fylke number whose pooled age pattern is blended in for small kommuner; None
        uses Norway's immigration pattern as the borrowed shape.
    n0 : float [persons], credibility constant (see module docstring).
    """
    own, covered = _pooled_residuals(pop)
    level = float(own.sum())
    N = float(pop.isel(year=-1).sum())
    w = N / (N + n0)
    exposure = pop.isel(year=-1, drop=True)
    if fylke is not None:
        rates = _regional_rates().sel(fylke=fylke, drop=True)
        borrowed = rates * exposure
        names = all_kommuner().drop_duplicates("fylke").set_index("fylke")["fylke_name"]
        borrowed_name = f"{names.get(fylke, 'fylke ' + fylke)} fylke"
    else:
        nat = national_migration_pattern()
        natpop = data.norway_population().sel(year=2025, drop=True)
        borrowed = smooth_over_age(nat) / natpop * exposure
        borrowed_name = "landet"
    blended = w * smooth_over_age(own) + (1.0 - w) * borrowed
    profile = positive_profile(blended)
    # impose the kommune's own observed level
    blended = blended + (level - float(blended.sum())) * profile
    redistribution = blended - level * profile
    years = (int(pop.year.values[0]), int(pop.year.values[-1]))
    share = N / float(data.norway_population().sel(year=min(years[1], 2026)).sum())
    basis = (f"{basis_prefix}Restmetoden på registrert befolkning {years[0]}–{years[1]} "
             f"({covered} år). Nivå: kommunens egne tall ({tall(level)} personer per år). "
             f"Aldersmønster: {prosent(w, 0)} kommunens eget (glattet), {prosent(1 - w, 0)} {borrowed_name}.")
    return MigrationPattern(level=level, profile=profile.transpose("age", "sex"),
                            redistribution=redistribution.transpose("age", "sex"),
                            basis=basis, weight_own=w, years=years, population_share=share)


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KommuneBase:
    """What planmodel knows about a kommune before any scenario: base population and estimates."""

    code: str
    name: str
    base_year: int
    base: xr.DataArray  # (age, sex) persons on 1 January base_year
    history: xr.DataArray  # (year, age, sex) registered persons
    fertility_factor: float
    migration: MigrationPattern
    sources: tuple[str, ...]


def _make_base(code: str, name: str, fylke: str | None, hist: xr.DataArray, base_year: int | None,
               shipped: "KommuneBase | None" = None, own_only: bool = False) -> KommuneBase:
    """Estimate fertility and migration from ``hist`` up to the base year.

    With fewer than two usable years (a one-year file from a user), the estimates of the
    shipped data (``shipped``) are used and the base population alone comes from ``hist``.
    ``own_only`` uses the kommune's own migration age pattern without borrowing a regional one
    (the regional patterns are estimated from 2023–2026, so hindcasts from earlier years must
    not see them).
    """
    if base_year is None:
        base_year = int(hist.year.max())
    if base_year not in hist.year.values:
        raise InputError("argument", "base_year (--from)",
                         f"{base_year} har ingen registrert befolkning for {name}; tilgjengelig: "
                         f"{int(hist.year.min())}–{int(hist.year.max())}")
    est = hist.sel(year=slice(base_year - 10, base_year))
    yrs = est.year.values
    usable = est.sizes["year"] >= 2 and (np.diff(yrs) <= 2).any()
    base_pop = hist.sel(year=base_year, drop=True).transpose("age", "sex")
    sources = (data.SRC_07459, data.SRC_HMD, data.SRC_HFD)
    if not usable:
        if shipped is None:
            raise InputError("argument", "base_year (--from)",
                             f"trenger minst to år med registrert befolkning fram til {base_year} for {name}")
        return replace(shipped, base_year=base_year, base=base_pop, history=hist)
    if code == "0000":
        y0, y1 = max(int(yrs[0]), base_year - 10), base_year - 1
        nat = national_migration_pattern(y0, y1)
        mig = MigrationPattern(level=float(nat.sum()), profile=positive_profile(smooth_over_age(nat)),
                               redistribution=smooth_over_age(nat) * 0.0,
                               basis=f"Nettoinnvandring til Norge {y0}–{y1 + 1}, restmetoden", years=(y0, y1 + 1),
                               population_share=1.0)
        ffac = 1.0
    else:
        ffac = local_fertility_factor(est, _shape_years(base_year - 1 if own_only else None))
        mig = estimate_migration(est, fylke=fylke, n0=0.0 if own_only else CREDIBILITY_N0)
    return KommuneBase(code=code, name=name, base_year=base_year, base=base_pop, history=hist,
                       fertility_factor=ffac, migration=mig, sources=sources)


@lru_cache(maxsize=None)
def _kommune_base_cached(code: str, base_year: int | None, history_last: int | None) -> KommuneBase:
    if code == "0000":
        hist = data.norway_population()
        name, fylke = "Norge", None
    else:
        k = resolve_kommune(code)
        code, name, fylke = k.code, k.display_name, k.fylke
        hist = data.kommune_population(code)
    own_only = False
    if history_last is not None:
        hist = hist.sel(year=slice(None, history_last))
        own_only = history_last < 2026
    return _make_base(code, name, fylke, hist, base_year, own_only=own_only)


def kommune_base(kommune: str, base_year: int | None = None, history_last: int | None = None,
                 base_population: xr.DataArray | None = None) -> KommuneBase:
    """Base population and estimates for a kommune (``"0000"`` = Norway).

    Parameters
    ----------
    history_last : int, optional
        Cut the registered history (hindcasts: estimate only from data up to that year).
    base_population : DataArray (year, age, sex) [persons], optional
        A population the user loaded (e.g. :func:`planmodel.readers.read_population`); it
        replaces the shipped population. With two or more years, fertility and migration are
        estimated from it too; with one year, the shipped estimates are kept.
    """
    if base_population is None:
        return _kommune_base_cached(kommune, base_year, history_last)
    shipped = _kommune_base_cached(kommune, None, None)
    hist = base_population
    if "year" not in hist.dims:
        raise InputError(hist.attrs.get("source", "base_population"), "year", "befolkningen trenger en år-dimensjon (year)")
    if history_last is not None:
        hist = hist.sel(year=slice(None, history_last))
    fylke = None if shipped.code == "0000" else resolve_kommune(shipped.code).fylke
    return _make_base(shipped.code, shipped.name, fylke, hist.astype(float), base_year, shipped=shipped)


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


@lru_cache(maxsize=None)
def _trend_paths(until: int) -> tuple[float, float, float, dict]:
    """(TFR, e0 male slope, e0 female slope...) from data up to ``until``: TFR mean of the
    last three HFD years, e0 linear trend over the last 20 HMD years, net immigration mean of
    the last ten years."""
    tfr = float(tfr_history().sel(year=slice(until - 2, until)).mean())
    mx = lifetable.kannisto_old_age(data.death_rates().sel(year=slice(until - 19, until)))
    e0 = lifetable.life_expectancy(mx)
    t = e0["year"].astype(float)
    slope = ((t - t.mean()) * (e0 - e0.mean("year"))).sum("year") / ((t - t.mean()) ** 2).sum()
    level = e0.mean("year") - slope * t.mean()
    paths = {sex: {until: float(level.sel(sex=sex) + slope.sel(sex=sex) * until),
                   until + 50: float(level.sel(sex=sex) + slope.sel(sex=sex) * (until + 50))}
             for sex in SEXES}
    nat = float(national_migration_pattern(until - 9, until).sum())
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


@memo(maxsize=32, key=lambda national, trend_until, e0m_key, e0f_key, scenario, first, last:
      (national, trend_until, e0m_key, e0f_key, first, last))
def _survival_paths(national, trend_until, e0m_key, e0f_key, scenario: Scenario, first: int, last: int):
    """Survival ratios (year, sex, age) for a scenario's e0 paths; the same for every kommune,
    so computed once per process and key (the e0 targeting is the costly part)."""
    flow = np.arange(first, last + 1)
    e0 = national_paths(scenario, flow)["e0"]
    mort_years = MORTALITY_BASE_YEARS if trend_until is None else (trend_until - 4, trend_until)
    pattern_years = (2000, 2019) if trend_until is None else (trend_until - 19, trend_until)
    mx = lifetable.scale_to_life_expectancy(base_mortality(mort_years), e0,
                                            age_pattern=improvement_pattern(pattern_years))
    return survival_for(mx.transpose("year", "sex", "age"))


def projection_inputs(base: KommuneBase, scenario: Scenario, end_year: int = END_YEAR) -> dict:
    """Arrays for :func:`planmodel.population.project` for a kommune and scenario.

    Net migration level in year t [persons per year]:

    .. math:: L_k(t) = L_k + s_k\,[N_{alt}(t) - N_{MMMM}(t)] + (D(t) - D_{ref})\,h

    with the kommune's observed recent level :math:`L_k` (held in the main alternative), its
    share of Norway's population :math:`s_k`, the national net immigration paths of the
    scenario's alternative and of the main alternative (so low and high alternatives move a
    kommune's migration in proportion to its size), and for housing scenarios dwellings
    :math:`D(t)` against the reference :math:`D_{ref}` at :math:`h` persons per dwelling.
    For Norway itself the level is the national path :math:`N_{alt}(t)`.
    """
    flow = _years(base.base_year, end_year)
    nat = national_paths(scenario, flow)
    tfr = nat["tfr"] * base.fertility_factor if scenario.tfr is None else path_values(scenario.tfr, flow, "tfr")
    S, Sb = _survival_paths(scenario.national, scenario.trend_until, repr(scenario.e0_male),
                            repr(scenario.e0_female), scenario, int(flow[0]), int(flow[-1]))
    fert = tfr * fertility_shape(_shape_years(scenario.trend_until))

    mig = base.migration
    if scenario.migration_level is not None:
        level = path_values(scenario.migration_level, flow, "migration_level")
    else:
        main = national_paths(replace(scenario, national="MMMM"), flow)["net_migration"]
        if base.code == "0000":
            level = nat["net_migration"]
        else:
            level = mig.level + mig.population_share * (nat["net_migration"] - main)
        if scenario.dwellings is not None:
            dw = path_values(scenario.dwellings, flow, "dwellings")
            level = level + (dw - scenario.reference_dwellings) * scenario.persons_per_dwelling
    return {
        "base": base.base.assign_attrs(year=base.base_year),
        "survival": S.transpose("year", "age", "sex"),
        "birth_survival": Sb,
        "fertility": fert.transpose("year", "age"),
        "net_migration": mig.at_level(level).transpose("year", "age", "sex"),
        "male_share_at_birth": male_share_at_birth(),
        "_tfr": tfr,
        "_e0": nat["e0"],
        "_level": level,
    }


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
    ``population`` when ``components=True``.
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
        inp = projection_inputs(base, sc, end_year)
        ds = project(**{k: v for k, v in inp.items() if not k.startswith("_")})
        ds["tfr"] = inp["_tfr"].assign_attrs(units="children per woman")
        ds["e0"] = inp["_e0"].assign_attrs(units="years")
        ds["migration_level"] = inp["_level"].assign_attrs(units="persons per year")
        assumptions = [
            f"Fruktbarhet: {'trend' if sc.trend_until else 'SSB-bane ' + sc.national} × kommunefaktor "
            f"{tall(base.fertility_factor, 3)}",
            f"Levealder: SSB-bane {sc.national}, dødsrater HMD {MORTALITY_BASE_YEARS[0]}–{MORTALITY_BASE_YEARS[1]} skalert",
            f"Flytting: {base.migration.basis}",
            *sc.assumptions,
        ]
        sources = list(base.sources)
    pop = ds["population"]
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
    }
    pop.attrs = attrs
    ds["population"] = pop
    ds.attrs.update(attrs)
    return ds if components else pop


def _overrides_key(overrides: Mapping[str, object] | None) -> tuple:
    """A hashable, order-free key for demography overrides ({name: value or {year: value}})."""
    return tuple(sorted((k, tuple(sorted(v.items())) if isinstance(v, Mapping) else v)
                        for k, v in (overrides or {}).items()))


def population_for(kommune: str, demographic: str = "main", horizon: int = 2040,
                   overrides: Mapping[str, object] | None = None) -> xr.DataArray:
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
    """
    code = "0000" if str(kommune) in {"0", "0000", "Norge", "norge"} else resolve_kommune(kommune).code
    pop = _population_for(code, demographic, int(horizon), _overrides_key(overrides))
    out = pop.copy(deep=False)
    out.attrs = dict(pop.attrs)
    return out


@memo(maxsize=64)
def _population_for(code: str, demographic: str, horizon: int, overrides: tuple) -> xr.DataArray:
    demo = get_scenario(demographic)
    if overrides:
        demo = replace(demo, id=f"{demo.id}+egne", label=f"{demo.label} med egne forutsetninger",
                       **{k: (dict(v) if isinstance(v, tuple) else v) for k, v in overrides})
    return project_kommune(code, demo, end_year=horizon)
