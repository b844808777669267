"""The migration model of a kommune: residuals, weights, credibility, the immigration part and
fading, with hand-checked numbers (planmodel.population.migration, .migration_model, .national)."""

import numpy as np
import pytest
import xarray as xr

from planmodel.core.ages import AGES, MAX_AGE, SEXES
from planmodel.inputs import data
from planmodel.population import migration_model as mm
from planmodel.population.demography import _all_kommuner_estimate, fertility_factors, fertility_shape, priors_for
from planmodel.population.migration import residual_flows, survive
from planmodel.population.national import (ages_one_plus_share, intensity_schedule, national_net_immigration,
                                           national_series, survival_for_flows)

A, S = AGES.size, len(SEXES)


def cells(**values) -> np.ndarray:
    """(age, sex) array with the given cells, e.g. cells(a30f=100.0)."""
    out = np.zeros((A, S))
    for key, v in values.items():
        age, sex = int(key[1:-1]), {"m": 0, "f": 1}[key[-1]]
        out[age, sex] = v
    return out


# ----------------------------------------------------------------------------- residuals

def test_survive_and_residual_flows_by_hand():
    """100 women aged 30 with survival 0.9 are 90 survivors aged 31; 95 registered a year later
    means 5 net in-migrants. The open group keeps its own survivors and those aged 104."""
    Sv = np.full((A, S), 0.9)
    Sv[MAX_AGE] = 0.5
    P0 = cells(a30f=100.0, a104m=10.0, a105m=20.0)
    Z = survive(P0, Sv)
    assert Z[31, 1] == pytest.approx(90.0)
    assert Z[MAX_AGE, 0] == pytest.approx(10 * 0.9 + 20 * 0.5)
    assert Z[0].sum() == 0.0
    P1 = Z.copy()
    P1[31, 1] = 95.0
    P1[0, 0] = 7.0  # infants: births are not known, so no migration estimate at age 0
    M, Zr = residual_flows(np.stack([P0, P1])[None], np.array([2020, 2021]), Sv[None])
    assert M.shape == (1, 1, A, S)
    assert M[0, 0, 31, 1] == pytest.approx(5.0)
    assert M[0, 0, 0].sum() == 0.0 and Zr[0, 0, 0].sum() == 0.0
    assert abs(M).sum() == pytest.approx(5.0)
    with pytest.raises(ValueError, match="påfølgende"):
        residual_flows(np.stack([P0, P1])[None], np.array([2020, 2022]), Sv[None])


def test_kommune_residuals_add_up_to_norways_net_immigration():
    """Summed over the 357 kommuner, the residuals equal Norway's own residual every year from
    2006 within 60 persons (the source's rounding), ages 1+."""
    P = data.all_kommuner_population().sel(year=slice(2006, None))
    years = P.year.values
    M, _ = residual_flows(P.transpose("kommune", "year", "age", "sex").values, years, survival_for_flows(years[:-1]))
    nat = national_net_immigration().sel(year=years[:-1]).sum(["age", "sex"]).values
    assert np.abs(M.sum((0, 2, 3)) - nat).max() < 60


def test_the_2024_split_of_alesund_and_haram_is_repaired():
    """The source divides 1507 Ålesund in equal halves before 2024; the loader divides it by the
    parts' 2024 shares, so the residual shows no false migration of ±24 000 in 2023."""
    tot = data.all_kommuner_population().sum(["age", "sex"])
    assert float(tot.sel(kommune="1508", year=2023)) > 5 * float(tot.sel(kommune="1580", year=2023))
    assert float(tot.sel(year=2023).sum()) == pytest.approx(5_488_980, abs=1)
    growth = tot.sel(year=2024) / tot.sel(year=2023) - 1
    assert abs(float(growth.sel(kommune="1508"))) < 0.03 and abs(float(growth.sel(kommune="1580"))) < 0.03


# ----------------------------------------------------------------------------- weights

def test_recency_weights_halve_every_half_life_down_to_the_floor():
    w = mm.recency_weights(np.arange(2006, 2026), half_life=10.0, floor=0.2)
    assert w[-1] == 1.0
    assert w[list(range(2006, 2026)).index(2015)] == pytest.approx(0.5)
    assert w[0] == pytest.approx(0.5 ** 1.9)  # 2006: 0.268, above the floor
    w3 = mm.recency_weights(np.arange(2006, 2026), half_life=3.0, floor=0.2)
    assert w3[list(range(2006, 2026)).index(2019)] == pytest.approx(0.25)  # six years back
    assert w3[0] == 0.2  # 0.5 ** (19 / 3) = 0.012 is floored


def test_huber_weights_of_one_off_years():
    """c = 2 robust standard deviations: residuals within 2 scales weigh 1; beyond, 2 scale / |e|."""
    e = np.array([[0.0, 1.0, -2.0, 5.0, -10.0]])
    h = mm.huber_weights(e, 2.0, np.array([1.0]))
    np.testing.assert_allclose(h, [[1.0, 1.0, 1.0, 0.4, 0.2]])
    np.testing.assert_allclose(mm.huber_weights(e, None, np.array([1.0])), 1.0)


# ----------------------------------------------------------------------------- credibility

def _synthetic(rate: float, people: float = 10.0, years=range(2006, 2027)) -> np.ndarray:
    """A kommune of ``people`` persons at every age and sex in 2006 whose survivors gain a net
    migration ``rate`` a year at every age 1+, and ``people`` infants a year: M = rate * Z."""
    years = list(years)
    P = np.zeros((len(years), A, S))
    P[0] = people
    Sv = survival_for_flows(years[:-1])
    for t in range(len(years) - 1):
        P[t + 1] = survive(P[t], Sv[t]) * (1 + rate)
        P[t + 1, 0] = people
    return P


def test_level_is_shrunk_towards_the_size_class_by_exposure():
    """With every year at the same net rate m, the kommune's own domestic level is m whatever the
    weights; with a prior level p of its size class and c_cell = 0 the level used is
    (E m + 2 000 p) / (E + 2 000), E the recency-weighted mean exposure [persons]."""
    m, p = 0.01, -0.004
    P = _synthetic(m)
    years = np.arange(2006, 2027)
    cfg = mm.DEFAULT.but(wave="none", c_cell=0.0)
    pattern = np.zeros((A, S))
    level_by_class = {str(c): p for c in range(4)}  # the same prior level for every size class
    priors = mm.Priors(rates={"34": pattern}, level=level_by_class, beta={}, tau2=0.0, scale=1.0, base_year=2026)
    est = mm.estimate(P[None], np.array(["3499"]), years, cfg, priors)
    assert est["level_own"][0] == pytest.approx(m, rel=1e-9)
    # E by hand: the recency-weighted mean of the survivors of each year
    Sv = survival_for_flows(years[:-1])
    Z = np.array([survive(P[t], Sv[t]).sum() for t in range(20)])
    w = np.maximum(0.5 ** ((2025 - years[:-1]) / 10.0), 0.2)
    E = float((w * Z).sum() / w.sum())
    assert est["exposure"][0] == pytest.approx(E, rel=1e-9)
    assert 1_500 < E < 2_500  # a kommune of about 2 000: its own level weighs about one half
    assert est["w_level"][0] == pytest.approx(E / (E + 2_000.0))
    assert est["level"][0] == pytest.approx((E * m + 2_000 * p) / (E + 2_000), rel=1e-9)
    # the age pattern: own weight E / (E + 30 000), the rest the fylke's
    assert est["w_shape"][0] == pytest.approx(E / (E + 30_000.0))
    # and the rates carry exactly that level over the kommune's weighted survivors by age
    Zc = np.einsum("t,tas->as", w, np.stack([survive(P[t], Sv[t]) for t in range(20)])) / w.sum()
    assert float((est["domestic_rate"][0] * Zc).sum() / E) == pytest.approx(est["level"][0], rel=1e-9)
    assert est["domestic_rate"][0, 0].sum() == 0.0


def test_all_kommune_estimate_identities():
    """For every kommune the level is the credibility blend; the immigration parts add up to
    Norway's; infants have no migration rate (they are in the fertility factor)."""
    est = _all_kommuner_estimate(2026, mm.DEFAULT)
    assert priors_for(2026) is est["priors"]
    assert est["level"] == pytest.approx(est["w_level"] * est["level_own"] + (1 - est["w_level"]) * est["level_prior"])
    assert float((est["beta"] * est["share"]).sum()) == pytest.approx(1.0, rel=1e-9)  # parts add up to Norway
    assert est["profile"].sum() == pytest.approx(1.0)
    assert np.all(est["domestic_rate"][:, 0] == 0.0)


def test_intensity_schedule_peaks_in_the_twenties_and_has_mean_one():
    r = intensity_schedule()
    P = data.norway_population().sel(year=slice(2017, 2026)).transpose("year", "age", "sex").values.sum(0)
    assert (r * P).sum() / P.sum() == pytest.approx(1.0)
    assert 20 <= int(np.argmax(r[:, 0])) <= 32 and r[0].sum() == 0.0
    assert ages_one_plus_share() == pytest.approx(0.985, abs=0.005)


def test_national_series_by_hand():
    """n_t = Norway's residual net immigration per survivor; 2023 (the Ukraine wave) is about
    0.9 % of the population, 2013 about 0.8 %, 2020 (pandemic) about 0.2 %."""
    ns = national_series(2013, 2023)
    assert ns.g.sum((1, 2)) == pytest.approx(np.ones(11))
    n = dict(zip(ns.years, ns.n))
    assert 0.007 < n[2013] < 0.009 and n[2020] < 0.003 and 0.008 < n[2023] < 0.011


# ----------------------------------------------------------------------------- projection

def _one(rate: float, prior: float, exposure: float) -> dict:
    r = cells(a31f=rate, a41m=-0.05)
    return {"domestic_rate": r[None], "prior_rate": np.full((1, A, S), prior) * (AGES[None, :, None] > 0),
            "exposure": np.array([exposure]), "beta": np.array([1.0]), "share": np.array([0.01]),
            "profile": cells(a25f=1.0)}


def test_fading_half_life_grows_with_size():
    """Half-life 5 (1 + E / 10 000) years: 5.5 at 1 000 persons, 10 at 10 000, 30 at 50 000."""
    np.testing.assert_allclose(mm.half_lives(np.array([1_000, 10_000, 50_000])), [5.5, 10.0, 30.0])
    f = mm.fade_factor(12, np.array([1_000, 10_000]))
    assert f[0].tolist() == [1.0, 1.0]
    assert f[11, 0] == pytest.approx(0.25)  # two half-lives of 5.5 years
    assert f[10, 1] == pytest.approx(0.5)
    assert np.all(mm.fade_factor(5, np.array([1_000]), mm.DEFAULT.but(fade_half_life=None)) == 1.0)


def test_migration_paths_by_hand():
    """Immigration part: beta * share * N * profile = 1 * 0.01 * 10 000 = 100 persons at the
    profile's cell. Domestic, hybrid: the in-migration cell (+2 % at 31, women) is persons,
    2 % of the base's survivors over the first year, fading towards the prior 0 with half-life
    10 years (E = 10 000); the out-migration cell (-5 % at 41, men) stays a rate on the projected survivors."""
    est = _one(0.02, 0.0, 10_000)
    base = cells(a30f=100.0, a40m=100.0)[None]
    N = np.full(11, 10_000.0)
    persons, rate = mm.migration_paths(est, N, np.arange(2026, 2037), base)
    Zb = survive(base[0], survival_for_flows([2026])[0])
    assert persons[0, 0, 25, 1] == pytest.approx(100.0)
    assert persons[0, 0, 31, 1] == pytest.approx(0.02 * Zb[31, 1])
    assert persons[10, 0, 31, 1] == pytest.approx(0.01 * Zb[31, 1])  # one half-life later
    assert rate[0, 0, 41, 0] == pytest.approx(-0.05) and persons[0, 0, 41, 0] == 0.0
    assert rate[10, 0, 41, 0] == pytest.approx(-0.025)
    assert rate[0, 0, 31, 1] == 0.0
    p_rates, r_rates = mm.migration_paths(est, N, np.arange(2026, 2037), base, mm.DEFAULT.but(rate="rate"))
    assert r_rates[0, 0, 31, 1] == pytest.approx(0.02) and p_rates[0, 0, 31, 1] == 0.0


def test_a_missing_year_is_filled_along_the_cohort():
    """2024 between 2023 and 2025: the mean of the cohort survived forward and backward."""
    coords = {"age": AGES, "sex": list(SEXES)}
    p23, p25 = cells(a30f=100.0, a0m=10.0), cells(a32f=110.0, a1m=12.0)
    pop = xr.concat([xr.DataArray(p, coords=coords, dims=("age", "sex")).assign_coords(year=y)
                     for y, p in ((2023, p23), (2025, p25))], dim="year")
    filled = mm.fill_single_gaps(pop)
    assert filled.year.values.tolist() == [2023, 2024, 2025] and filled.attrs["filled_years"] == [2024]
    S23, S24 = survival_for_flows([2023])[0], survival_for_flows([2024])[0]
    expected = 0.5 * (100 * S23[30, 1] + 110 / S24[31, 1])
    assert float(filled.sel(year=2024, age=31, sex="female")) == pytest.approx(expected)
    assert float(filled.sel(year=2024, age=0, sex="male")) == pytest.approx(12.0 / S24[0, 0])  # backward only


def test_fertility_factor_credibility_by_hand():
    """A kommune shaped like Norway at 1/1 000 has factor 1; with twice Norway's infants it gets
    (2B + 20) / (B + 20): its own ratio 2 shrunk towards 1 by 20 expected children."""
    nat = data.norway_population().sel(year=slice(2016, 2026))
    k = (nat / 1000).expand_dims(kommune=["k"])
    shape = fertility_shape()
    assert float(fertility_factors(k, shape)[0]) == pytest.approx(1.0, rel=1e-12)
    k2 = k.copy()
    k2.loc[{"age": 0, "year": slice(2017, 2026)}] *= 2
    B = float(k.sel(age=0, year=slice(2017, 2026)).sum())
    assert float(fertility_factors(k2, shape)[0]) == pytest.approx((2 * B + 20) / (B + 20), rel=1e-9)
