"""Life tables, survival ratios and the e0 targeting."""

import numpy as np
import pytest
import xarray as xr

from planmodel.inputs import data
from planmodel.population import lifetable
from planmodel.core.ages import MAX_AGE


def test_constant_hazard_gives_e0_of_one_over_m_above_infancy():
    # With a_x = 1/2 and q = m/(1 + m/2) the discrete table reproduces e = 1/m exactly for a
    # constant rate; only the infant a0 (Andreev-Kingkade) differs, which we remove by
    # comparing the remaining life expectancy at age 1.
    m = 0.02
    mx = np.full(111, m)
    lt = lifetable.life_table_arrays(mx, male=False)
    e1 = lt["Tx"][1] / lt["lx"][1]
    assert e1 == pytest.approx(1 / m, rel=1e-12)


def test_hmd_2023_life_expectancy_matches_the_documented_check():
    # data-sources/SOURCES.md: "Computed from these files: e0 2023 = 84.6 (F) / 81.4 (M)".
    mx = lifetable.kannisto_old_age(data.death_rates().sel(year=2023))
    e0 = lifetable.life_expectancy(mx)
    assert float(e0.sel(sex="female")) == pytest.approx(84.6, abs=0.06)
    assert float(e0.sel(sex="male")) == pytest.approx(81.4, abs=0.06)


def test_survival_ratios_by_hand_for_a_two_rate_table():
    mx = np.full(111, 0.1)
    S, Sb = lifetable.survival_arrays(mx, male=True)
    assert S.shape == (MAX_AGE + 1,)
    # For ages >= 1 with a constant rate, L(x+1)/L(x) = 1 - q = (1 - m/2)/(1 + m/2)
    assert S[5] == pytest.approx(0.95 / 1.05)
    assert S[MAX_AGE] == pytest.approx(0.95 / 1.05, rel=1e-6)
    assert 0 < Sb < 1


def test_target_e0_is_hit_for_every_year_and_sex():
    mx = lifetable.kannisto_old_age(data.death_rates().sel(year=2023)).transpose("sex", "age")
    target = xr.DataArray([[82.0, 85.0], [86.0, 88.5]], coords={"year": [2030, 2050], "sex": ["male", "female"]},
                          dims=("year", "sex"))
    for pattern in (None, xr.DataArray(np.linspace(1.5, 0.1, 111), coords={"age": mx.age}, dims="age")):
        scaled = lifetable.scale_to_life_expectancy(mx, target, age_pattern=pattern)
        e0 = lifetable.life_expectancy(scaled)
        np.testing.assert_allclose(e0.transpose("year", "sex").values, target.values, atol=1e-6)


def test_kannisto_keeps_young_ages_and_fills_missing_old_ages():
    mx = data.death_rates().sel(year=1990)
    fitted = lifetable.kannisto_old_age(mx)
    xr.testing.assert_equal(fitted.sel(age=slice(0, 94)), mx.sel(age=slice(0, 94)))
    old = fitted.sel(age=slice(95, None))
    assert old.notnull().all() and (old.diff("age") > 0).all() and (old < 1).all()


def test_bad_rates_and_targets_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        lifetable.life_table_arrays(np.array([0.1, -0.1, 0.2]), male=True)
    mx = lifetable.kannisto_old_age(data.death_rates().sel(year=2023))
    with pytest.raises(ValueError, match="between 20 and 110"):
        lifetable.scale_to_life_expectancy(mx, xr.DataArray([150.0, 80.0], coords={"sex": ["male", "female"]}, dims="sex"))
