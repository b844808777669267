"""Workforce (planmodel.services.workforce): the supply proxy follows the population aged 20-66,
gap = need - supply, retirements = årsverk x share aged 60-66 x rate, recruitment = growth (never
negative) + retirements, NaN when nobody is 20-66 in the base year, and the staff age profile
with a kommune's own override.

The hand-checked case has two sectors and four years:

- årsverk needed: sector 0 = 10, 12, 11, 15; sector 1 = 5 in every year;
- persons aged 20-66: 100, 120, 100, 100 (100/120/90/100 aged 30, plus 10 aged 66 in year 2;
  10 aged 19 and 50 aged 67 who do not count);
- share of årsverk aged 60-66: 0.2 and 0.1; retirement rate 0.1 a year.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from planmodel.core.errors import InputError
from planmodel.inputs.catalogue import load_catalogue
from planmodel.services.workforce import staff_share_60_66, workforce_arrays

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
A = 106


@pytest.fixture(scope="module")
def mini():
    return load_catalogue(MINI)


def hand_case():
    fte = np.array([[10.0, 12.0, 11.0, 15.0], [5.0, 5.0, 5.0, 5.0]])[:, :, None]  # (K, Y, 1)
    P = np.zeros((A, 4, 1))
    P[30, :, 0] = [100, 120, 90, 100]
    P[66, 2, 0] = 10
    P[19, :, 0] = 10
    P[67, :, 0] = 50
    return fte, P


def test_workforce_by_hand():
    fte, P = hand_case()
    wf = workforce_arrays(fte, P, np.array([0.2, 0.1]), 0.1)
    assert set(wf) == {"fte_supply", "fte_gap", "retirements", "recruitment_need"}
    # supply keeps the base-year share of 20-66: x 1, 1.2, 1, 1
    np.testing.assert_allclose(wf["fte_supply"][:, :, 0], [[10, 12, 10, 10], [5, 6, 5, 5]])
    np.testing.assert_allclose(wf["fte_gap"][:, :, 0], [[0, 0, 1, 5], [0, -1, 0, 0]])
    # retirements = årsverk x share 60-66 x 0.1
    np.testing.assert_allclose(wf["retirements"][:, :, 0], [[0.2, 0.24, 0.22, 0.3], [0.05] * 4])
    # recruitment = growth (12 -> 11 is no growth) + retirements; nothing to grow from in the base year
    np.testing.assert_allclose(wf["recruitment_need"][:, :, 0], [[0.2, 2.24, 0.22, 4.3], [0.05] * 4])


def test_nobody_aged_20_66_in_the_base_year_gives_nan_supply():
    fte, P = hand_case()
    P[20:67, 0, 0] = 0.0
    wf = workforce_arrays(fte, P, np.array([0.2, 0.1]), 0.1)
    assert np.isnan(wf["fte_supply"]).all() and np.isnan(wf["fte_gap"]).all()
    # what does not depend on the proxy is still computed
    np.testing.assert_allclose(wf["retirements"][0, :, 0], [0.2, 0.24, 0.22, 0.3])
    assert not np.isnan(wf["recruitment_need"]).any()


def test_nobody_aged_20_66_later_gives_zero_supply_not_nan():
    fte, P = hand_case()
    P[20:67, 3, 0] = 0.0
    wf = workforce_arrays(fte, P, np.array([0.2, 0.1]), 0.1)
    np.testing.assert_allclose(wf["fte_supply"][:, 3, 0], [0.0, 0.0])
    np.testing.assert_allclose(wf["fte_gap"][:, 3, 0], [15.0, 5.0])


def test_lead_columns_are_independent():
    fte, P = hand_case()
    fte2 = np.concatenate([fte, 2 * fte], axis=2)
    P2 = np.concatenate([P, P], axis=2)
    P2[30, 1, 1] = 200  # second column: 20-66 grows to 200 in year 1
    wf = workforce_arrays(fte2, P2, np.array([0.2, 0.1]), 0.1)
    np.testing.assert_allclose(wf["fte_supply"][0, :, 0], [10, 12, 10, 10])
    np.testing.assert_allclose(wf["fte_supply"][0, :, 1], [20, 40, 20, 20])  # 20 x 200 / 100
    np.testing.assert_allclose(wf["recruitment_need"][0, :, 1], [0.4, 4.48, 0.44, 8.6])


# ----------------------------------------------------------------------------- staff profile

def test_staff_share_60_66_from_the_catalogue_in_the_order_asked(mini):
    np.testing.assert_allclose(staff_share_60_66(mini, ["omsorg", "oppvekst"]), [0.2, 0.1])
    np.testing.assert_allclose(staff_share_60_66(mini, ["oppvekst", "omsorg"]), [0.1, 0.2])
    assert mini.staff.retirement_rate_60_66 == 0.1


def test_own_staff_profile_overrides_one_sector_and_leaves_the_catalogue(mini):
    np.testing.assert_allclose(staff_share_60_66(mini, ["omsorg", "oppvekst"], {"omsorg": [0.7, 0.3]}), [0.3, 0.1])
    assert mini.staff.shares["omsorg"] == (0.8, 0.2)  # the catalogue is not changed
    np.testing.assert_allclose(staff_share_60_66(mini, ["omsorg", "oppvekst"], {}), [0.2, 0.1])
    np.testing.assert_allclose(staff_share_60_66(mini, ["omsorg", "oppvekst"], None), [0.2, 0.1])


@pytest.mark.parametrize("override, message", [
    ({"helse": [0.8, 0.2]}, "staff_age_profile: helse: ukjent sektor; gyldige: omsorg, oppvekst"),
    ({"omsorg": [1.0]}, "staff_age_profile: omsorg: forventet 2 andeler (20-59, 60-66) som summerer til 1, fikk [1.0]"),
    ({"omsorg": [0.5, 0.6]},
     "staff_age_profile: omsorg: forventet 2 andeler (20-59, 60-66) som summerer til 1, fikk [0.5, 0.6]"),
    ({"omsorg": [1.2, -0.2]},
     "staff_age_profile: omsorg: forventet 2 andeler (20-59, 60-66) som summerer til 1, fikk [1.2, -0.2]"),
    ({"omsorg": [0.8, 0.2], "oppvekst": [0.3, 0.3, 0.4]},
     "staff_age_profile: oppvekst: forventet 2 andeler (20-59, 60-66) som summerer til 1, fikk [0.3, 0.3, 0.4]"),
])
def test_staff_profile_override_errors(mini, override, message):
    with pytest.raises(InputError) as err:
        staff_share_60_66(mini, ["omsorg", "oppvekst"], override)
    assert str(err.value) == message


# ------------------------------------------------------------------------------- properties

K, Y = 3, 6
ftes = hnp.arrays(float, (K, Y, 2), elements=st.floats(0, 1e5, allow_nan=False, allow_subnormal=False))
working = hnp.arrays(float, (Y, 2), elements=st.floats(1, 1e6, allow_nan=False, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(ftes, working, hnp.arrays(float, K, elements=st.floats(0, 1)), st.floats(0, 1))
def test_recruitment_is_at_least_the_retirements_and_gap_plus_supply_is_need(fte, w, share, rate):
    P = np.zeros((A, Y, 2))
    P[40] = w
    wf = workforce_arrays(fte, P, share, rate)
    tol = 1e-9 * (1.0 + np.abs(fte).max() * (1.0 + (w / w[:1]).max()))  # sums of numbers up to that size
    assert (wf["recruitment_need"] >= wf["retirements"] - tol).all()
    assert (wf["retirements"] >= 0).all()
    np.testing.assert_allclose(wf["fte_gap"] + wf["fte_supply"], fte, rtol=1e-9, atol=tol)
    # the proxy follows the working-age population exactly
    np.testing.assert_allclose(wf["fte_supply"], fte[:, :1] * (w / w[:1])[None], rtol=1e-9)
    # recruitment = retirements + growth, and growth is the rise in need when need rises
    growth = wf["recruitment_need"] - wf["retirements"]
    np.testing.assert_allclose(growth[:, 1:], np.maximum(np.diff(fte, axis=1), 0), rtol=1e-9, atol=tol)
    assert (growth[:, 0] == 0).all()
