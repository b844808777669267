"""Costs and årsverk (planmodel.services.costs): cost = users x unit cost / 1000 [NOK 1000],
årsverk = users x årsverk per user, the tiltak factors and volunteer årsverk, the demographic
cost line (TBU), the sector matrix and the cost per inhabitant by KOSTRA age group.

The users are put in by hand (a :class:`DemandArrays` with users at age 80 and age 10), so the
cost arithmetic is checked apart from the demand model. Mini catalogue
(``tests/fixtures/services/mini.yaml``), unit costs [NOK per user per year] and årsverk per user:

=========  ===========  =====  =========
service    unit cost    fte    sector
=========  ===========  =====  =========
skole      100 000      0.1    oppvekst
hjemme     200 000      0.2    omsorg
sykehjem   1 000 000    1.0    omsorg
dagsenter  100 000      0.1    omsorg
=========  ===========  =====  =========
"""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.ages import AGES, KOSTRA_GROUPS, SEXES
from planmodel.core.lead import Lead
from planmodel.core.values import Value
from planmodel.core.yamlio import load_strict
from planmodel.inputs.catalogue import load_catalogue, parse_catalogue
from planmodel.inputs.library import HOURS_PER_FTE, Measure, MeasureEffect
from planmodel.services.costs import (cost_arrays, cost_per_inhabitant, sector_matrix, waiting_costs,
                                     waiting_sector_matrix)
from planmodel.services.demand import DemandArrays
from planmodel.services.effects import measure_arrays

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
YEARS = np.arange(2026, 2031)
S = {"skole": 0, "hjemme": 1, "sykehjem": 2, "dagsenter": 3}


@pytest.fixture(scope="module")
def mini():
    return load_catalogue(MINI)


def demand_with(users: dict[str, float], n: int = 1, pop80: float = 100.0, pop10: float = 200.0,
                growth: float = 1.0) -> DemandArrays:
    """Served users per service (all at age 80, skole at age 10), the same in every year and lead column."""
    Y = YEARS.size
    by_age = np.zeros((4, AGES.size, Y, n))
    for sid, u in users.items():
        by_age[S[sid], 10 if sid == "skole" else 80] = u
    P = np.zeros((AGES.size, Y, n))
    g = (growth ** np.arange(Y))[:, None]
    P[80] = pop80 * g
    P[10] = pop10 * g
    return DemandArrays(by_age=by_age, demand=by_age.sum(axis=1), capacity=None, queue=None, stepped_down=None,
                        unmet=np.zeros((1, Y, n)), P=P, years=YEARS, lead=Lead((), {}, ()))


def measure(kind, service, change, scale="fixed", start=2027, phase_in=1, substitution=0.0, **kw):
    eff = MeasureEffect(kind=kind, service=service, change=Value(change, "assumption", "test"),
                        phase_in_years=phase_in, substitution=substitution)
    return Measure(id=f"{kind}_{service}", title="t", sector="omsorg", delmal=("X",), ansvar="t", scale=scale,
                   investment={}, operating={}, effects=(eff,), start=start, **kw)


BASE_USERS = {"skole": 200.0, "hjemme": 20.0, "sykehjem": 10.0, "dagsenter": 5.0}


# ------------------------------------------------------------------------ cost and årsverk

def test_cost_is_users_times_unit_cost_in_nok_1000(mini):
    out = cost_arrays(demand_with(BASE_USERS), mini)
    assert set(out) == {"cost", "fte"}  # no demographic line without coverage0
    # 200 x 100 000 / 1000, 20 x 200 000 / 1000, 10 x 1 000 000 / 1000, 5 x 100 000 / 1000
    np.testing.assert_allclose(out["cost"][:, 0, 0], [20_000, 4_000, 10_000, 500])
    # 200 x 0.1, 20 x 0.2, 10 x 1.0, 5 x 0.1
    np.testing.assert_allclose(out["fte"][:, 0, 0], [20.0, 4.0, 10.0, 0.5])
    assert out["cost"].shape == (4, YEARS.size, 1)


def test_users_outside_a_band_cost_nothing(mini):
    d = demand_with({})
    d.by_age[S["hjemme"], 50] = 7.0  # hjemme's only band is 80+: unit cost 0 at age 50
    out = cost_arrays(d, mini)
    assert out["cost"].max() == 0.0 and out["fte"].max() == 0.0


def test_sector_matrix_of_the_mini_catalogue(mini):
    sectors, M = sector_matrix(mini)
    assert sectors == ["omsorg", "oppvekst"]
    np.testing.assert_array_equal(M, [[0, 1, 1, 1], [1, 0, 0, 0]])
    cost = cost_arrays(demand_with(BASE_USERS), mini)["cost"]
    by_sector = np.einsum("ks,syn->kyn", M, cost)
    np.testing.assert_allclose(by_sector[:, 0, 0], [14_500, 20_000])


# ----------------------------------------------------------------------------- tiltak

def test_unit_cost_and_fte_factors_of_tiltak(mini):
    ms = [measure("unit_cost", "hjemme", -0.1, phase_in=2), measure("fte", "sykehjem", -0.2)]
    ma = measure_arrays(ms, mini, YEARS, 300.0)
    out = cost_arrays(demand_with(BASE_USERS), mini, measures=ma)
    # unit cost -10 % phased in over two years from 2027: factor 1, 0.95, 0.9, 0.9, 0.9
    np.testing.assert_allclose(out["cost"][S["hjemme"], :, 0], [4000, 3800, 3600, 3600, 3600])
    np.testing.assert_allclose(out["fte"][S["hjemme"], :, 0], [4.0] * 5)  # årsverk untouched
    # årsverk per user -20 % from 2027; cost untouched
    np.testing.assert_allclose(out["fte"][S["sykehjem"], :, 0], [10, 8, 8, 8, 8])
    np.testing.assert_allclose(out["cost"][S["sykehjem"], :, 0], [10_000] * 5)
    # other services untouched
    np.testing.assert_allclose(out["cost"][S["skole"], :, 0], [20_000] * 5)


def test_volunteer_arsverk_replace_paid_arsverk_at_the_cost_per_arsverk(mini):
    # 2 x 1 695 hours at 50 % substitution = 1 årsverk; hjemme costs 200 000 / 0.2 = 1 000 000 kr per årsverk
    ma = measure_arrays([measure("volunteer_hours", "hjemme", 2 * HOURS_PER_FTE, substitution=0.5)], mini, YEARS, 300.0)
    out = cost_arrays(demand_with(BASE_USERS), mini, measures=ma)
    np.testing.assert_allclose(out["fte"][S["hjemme"], :, 0], [4, 3, 3, 3, 3])
    np.testing.assert_allclose(out["cost"][S["hjemme"], :, 0], [4000, 3000, 3000, 3000, 3000])
    # per_100k: scaled to a base population of 50 000 -> half
    ma = measure_arrays([measure("volunteer_hours", "sykehjem", 2 * HOURS_PER_FTE, scale="per_100k", substitution=1.0)],
                        mini, YEARS, 50_000.0)
    out = cost_arrays(demand_with(BASE_USERS), mini, measures=ma)
    np.testing.assert_allclose(out["fte"][S["sykehjem"], 1:, 0], [9.0] * 4)
    np.testing.assert_allclose(out["cost"][S["sykehjem"], 1:, 0], [9_000] * 4)  # 1 000 000 kr per årsverk


def test_zero_volunteer_hours_change_nothing(mini):
    ma = measure_arrays([measure("volunteer_hours", "hjemme", 0.0, substitution=0.5)], mini, YEARS, 300.0)
    with_, without = cost_arrays(demand_with(BASE_USERS), mini, measures=ma), cost_arrays(demand_with(BASE_USERS), mini)
    np.testing.assert_array_equal(with_["cost"], without["cost"])


def test_volunteers_never_replace_more_than_the_paid_arsverk(mini):
    # 5 årsverk of volunteers on a service with 4 paid årsverk (20 users x 0.2)
    ma = measure_arrays([measure("volunteer_hours", "hjemme", 5 * HOURS_PER_FTE, substitution=1.0)], mini, YEARS, 300.0)
    out = cost_arrays(demand_with(BASE_USERS), mini, measures=ma)
    assert out["fte"].min() >= 0.0
    assert out["cost"].min() >= 0.0


def test_the_kommunes_own_unit_costs_replace_the_catalogues(mini):
    k = mini.arrays()["unit_cost"].values.copy()
    k[S["sykehjem"]] *= 1.5  # the kommune's accounts say sykehjem costs 1 500 000 kr per user
    c0 = mini.arrays()["coverage"].values[:, :, None]
    out = cost_arrays(demand_with(BASE_USERS), mini, coverage0=c0, unit_cost=k)
    np.testing.assert_allclose(out["cost"][:, 0, 0], [20_000, 4_000, 15_000, 500])
    # the demographic line uses the same unit costs, so the base year has no option delta
    np.testing.assert_allclose(out["demographic_cost"][:, 0, 0], [20_000, 4_000, 15_000, 500])
    np.testing.assert_allclose(out["fte"][:, 0, 0], [20.0, 4.0, 10.0, 0.5])  # årsverk per user unchanged
    # the catalogue itself is untouched
    assert mini.arrays()["unit_cost"].sel(service="sykehjem", age=80) == 1_000_000


def test_waiting_costs_by_hand(mini):
    d = demand_with(BASE_USERS)
    queue = np.zeros((1, YEARS.size, 1))
    queue[0, 2:, 0] = [1.0, 2.0, 0.5]
    d = DemandArrays(d.by_age, d.demand, None, queue, np.zeros_like(queue), d.unmet, d.P, d.years, d.lead)
    # waiting_cost of the mini catalogue's group inst: 500 000 kr per person per year
    wait = waiting_costs(d, mini)
    np.testing.assert_allclose(wait[0, :, 0], [0, 0, 500, 1_000, 250])
    # served one step down instead (hjemme, 200 000 kr per user at 85): a top-up of 300 000 kr, so
    # that a stepped-down person costs the same 500 000 kr as one who waits
    stepped = np.zeros_like(queue)
    stepped[0, 1:, 0] = [2.0, 1.0, 0.0, 4.0]
    d2 = DemandArrays(d.by_age, d.demand, None, np.zeros_like(queue), stepped, d.unmet, d.P, d.years, d.lead)
    np.testing.assert_allclose(waiting_costs(d2, mini)[0, :, 0], [0, 600, 300, 0, 1_200])
    # with the kommune's own unit costs: hjemme at 450 000 leaves a top-up of 50 000
    k = mini.arrays()["unit_cost"].values.copy()
    k[S["hjemme"]] = 450_000.0
    np.testing.assert_allclose(waiting_costs(d2, mini, unit_cost=k)[0, :, 0], [0, 100, 50, 0, 200])
    k[S["hjemme"]] = 900_000.0  # never negative
    assert waiting_costs(d2, mini, unit_cost=k).min() == 0.0
    np.testing.assert_array_equal(waiting_sector_matrix(mini, ["omsorg", "oppvekst"]), [[1.0], [0.0]])
    np.testing.assert_array_equal(waiting_sector_matrix(mini, ["oppvekst", "omsorg"]), [[0.0], [1.0]])


# ---------------------------------------------------------------------- demographic cost

def test_demographic_cost_holds_base_coverage_and_standard(mini):
    c0 = mini.arrays()["coverage"].values[:, :, None]  # (S, A, 1)
    d = demand_with({"hjemme": 99.0}, growth=1.1)  # the users do not enter the demographic line
    out = cost_arrays(d, mini, coverage0=c0)
    demo = out["demographic_cost"][:, :, 0]
    # base year: 200 x 100, 100 x (0.2 x 200 + 0.1 x 1000 + 0.05 x 100) = 20 000 and 14 500
    np.testing.assert_allclose(demo[:, 0], [20_000, 4_000, 10_000, 500])
    np.testing.assert_allclose(demo[:, 4], np.array([20_000, 4_000, 10_000, 500]) * 1.1**4)
    np.testing.assert_allclose(out["cost"][S["hjemme"], 0, 0], 99 * 200.0)


def test_demographic_cost_with_one_coverage_for_several_columns_and_one_per_column(mini):
    c0 = mini.arrays()["coverage"].values[:, :, None]
    d = demand_with({}, n=3)
    d.P[:, :, 1] *= 2.0
    one = cost_arrays(d, mini, coverage0=c0)["demographic_cost"]
    assert one.shape == (4, YEARS.size, 3)
    np.testing.assert_allclose(one[:, 0, 1], 2 * one[:, 0, 0])
    per_column = np.concatenate([c0, c0, 0.5 * c0], axis=2)  # (S, A, 3): the third column at half the coverage
    out = cost_arrays(d, mini, coverage0=per_column)["demographic_cost"]
    np.testing.assert_allclose(out[:, :, 2], 0.5 * out[:, :, 0])
    np.testing.assert_allclose(out[:, :, 1], 2 * out[:, :, 0])


# ------------------------------------------------------------------ cost per inhabitant

def test_cost_per_inhabitant_by_kostra_group(mini):
    vals = np.zeros((AGES.size, 2))
    vals[10] = [50.0, 50.0]
    vals[40] = [50.0, 50.0]
    vals[80] = [30.0, 70.0]
    vals[85] = [0.0, 100.0]
    pop = xr.DataArray(vals, coords={"age": AGES, "sex": list(SEXES)}, dims=("age", "sex"))
    cpi = cost_per_inhabitant(mini, mini.arrays()["coverage"], pop)
    assert cpi.dims == ("age_group",) and list(cpi.age_group.values) == list(KOSTRA_GROUPS)
    assert set(cpi.coords) == {"age_group"}
    # 6-12: skole 1.0 x 100 000; 80-89: 0.2 x 200 000 + 0.1 x 1 000 000 + 0.05 x 100 000 = 145 000
    assert float(cpi.sel(age_group="6-12")) == pytest.approx(100_000)
    assert float(cpi.sel(age_group="80-89")) == pytest.approx(145_000)
    assert float(cpi.sel(age_group="20-44")) == pytest.approx(0.0)
    # a group with nobody in it has no cost per inhabitant
    assert np.isnan(float(cpi.sel(age_group="90+")))
    assert cpi.attrs["units"] == "NOK per inhabitant per year, 2025 prices"
    # (age) without sex gives the same
    xr.testing.assert_allclose(cost_per_inhabitant(mini, mini.arrays()["coverage"], pop.sum("sex")), cpi)


def test_cost_per_inhabitant_averages_within_a_group(mini):
    vals = np.zeros(AGES.size)
    vals[5] = 100.0   # no service in the mini catalogue below 6
    vals[6] = 100.0   # skole
    pop = xr.DataArray(vals, coords={"age": AGES}, dims="age")
    cpi = cost_per_inhabitant(mini, mini.arrays()["coverage"], pop)
    assert float(cpi.sel(age_group="1-5")) == pytest.approx(0.0)
    assert float(cpi.sel(age_group="6-12")) == pytest.approx(100_000)
    vals[12] = 100.0
    cov = mini.arrays()["coverage"].copy()
    cov.loc[{"service": "skole", "age": 12}] = 0.5  # half of the twelve-year-olds: (100 + 50) x 100 000 / 200
    cpi = cost_per_inhabitant(mini, cov, xr.DataArray(vals, coords={"age": AGES}, dims="age"))
    assert float(cpi.sel(age_group="6-12")) == pytest.approx(75_000)


# -------------------------------------------------------------------- catalogues in Python

def test_costs_follow_the_unit_cost_of_a_catalogue_built_without_fingerprint():
    raw = load_strict("mini", MINI.read_text(encoding="utf-8"))
    d = demand_with({"hjemme": 1.0})
    for i in range(2000):  # CPython reuses the address of a freed catalogue within a few dozen tries
        raw["services"]["hjemme"]["bands"][0]["unit_cost"]["value"] = 200_000 + i
        cat = parse_catalogue(raw, "mini")
        cost = cost_arrays(d, cat)["cost"][S["hjemme"], 0, 0]
        assert cost == pytest.approx((200_000 + i) / 1000), f"catalogue {i} got the costs of an earlier one"
        del cat


# ------------------------------------------------------------------------- properties

@settings(max_examples=30, deadline=None)
@given(st.floats(1.0, 5e6), st.floats(0.0, 50.0, allow_subnormal=False), st.integers(0, 10**9))
def test_cost_scales_linearly_with_unit_cost(unit_cost, users, tag):
    raw = load_strict("mini", MINI.read_text(encoding="utf-8"))
    raw["services"]["hjemme"]["bands"][0]["unit_cost"]["value"] = unit_cost
    one = parse_catalogue(raw, "mini", fingerprint=f"uc-{unit_cost!r}-{tag}")
    raw["services"]["hjemme"]["bands"][0]["unit_cost"]["value"] = 3 * unit_cost
    three = parse_catalogue(raw, "mini", fingerprint=f"uc3-{unit_cost!r}-{tag}")
    d = demand_with({"hjemme": users, "sykehjem": 1.0})
    a, b = cost_arrays(d, one), cost_arrays(d, three)
    assert a["cost"][S["hjemme"], 0, 0] == pytest.approx(users * unit_cost / 1000, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(b["cost"][S["hjemme"]], 3 * a["cost"][S["hjemme"]], rtol=1e-12)
    np.testing.assert_array_equal(b["cost"][S["sykehjem"]], a["cost"][S["sykehjem"]])
    np.testing.assert_array_equal(b["fte"], a["fte"])  # årsverk do not depend on unit cost


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.9, 2.0), st.floats(0.0, 1e4, allow_subnormal=False), st.integers(1, 4))
def test_unit_cost_factor_multiplies_cost_and_leaves_arsverk(change, users, phase_in):
    mini = load_catalogue(MINI)
    ma = measure_arrays([measure("unit_cost", "sykehjem", change, phase_in=phase_in)], mini, YEARS, 300.0)
    d = demand_with({"sykehjem": users})
    a, b = cost_arrays(d, mini), cost_arrays(d, mini, measures=ma)
    ramp = np.clip((YEARS - 2027 + 1) / phase_in, 0, 1)
    np.testing.assert_allclose(b["cost"][S["sykehjem"], :, 0], a["cost"][S["sykehjem"], :, 0] * (1 + change * ramp),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(b["fte"], a["fte"])
    assert (b["cost"] >= 0).all()
