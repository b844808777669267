"""Behovsanalyse (planmodel.services.capacity): existing places, new places in blocks sized to the
kommune when demand rises above them (never more than the need up to the horizon, no building
for a shortfall under half a place, places never close), the investment spread over the two years
before opening (nothing in the base year), and the place types of a catalogue together.

Hand-checked numbers use the mini catalogue (``tests/fixtures/services/mini.yaml``) with two place
types added: school places (unit 25, at most 2 units, 1 300 per place, 20 % external) and
sykehjem places (unit 8, at most 3 units, 4 000 per place or 4 500 in a pressområde, 75 %
external). Money in NOK 1000.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from planmodel.inputs.catalogue import load_catalogue
from planmodel.services.capacity import ROUNDING, behovsanalyse, existing_places, investment_path, plan_places

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
PLACE_TYPES = """\
place_types:
  pressure_kommuner:
    kommuner: ["3201"]
    source: "test"
  types:
    skoleplass:
      name: Skoleplasser
      services: [skole]
      unit: 25
      max_units: 2
      unit_source: "test"
      cost_per_place: {value: 1300, status: assumption, source: "test"}
      external_share: {value: 0.2, status: assumption, source: "test"}
    sykehjemsplass:
      name: Sykehjemsplasser
      services: [sykehjem]
      capacity_group: inst
      unit: 8
      max_units: 3
      unit_source: "test"
      cost_per_place: {value: 4000, status: assumption, source: "test"}
      cost_per_place_pressure: {value: 4500, status: assumption, source: "test"}
      external_share: {value: 0.75, status: assumption, source: "test"}
"""


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    src = MINI.read_text(encoding="utf-8")
    assert "\nservices:\n" in src
    path = tmp_path_factory.mktemp("capacity") / "mini_places.yaml"
    path.write_text(src.replace("\nservices:\n", "\n" + PLACE_TYPES + "services:\n", 1), encoding="utf-8")
    return load_catalogue(path)


def col(*values) -> np.ndarray:
    """A (Y, 1) column."""
    return np.array(values, dtype=float)[:, None]


# ---------------------------------------------------------------------------- existing places

def test_existing_places_are_base_users_rounded_up():
    np.testing.assert_array_equal(existing_places([9.2, 10.0, 10.0 + 1e-12, 0.0]), [10, 10, 10, 0])


def test_block_is_about_a_tenth_of_todays_places_in_whole_units(cat):
    pt = cat.place_types["sykehjemsplass"]
    assert pt.block(10) == 8      # 0.1 x 10 / 8 rounds to 0 units: at least one
    assert pt.block(120) == 16    # 1.5 units -> 2
    assert pt.block(400) == 24    # 5 units, at most 3
    assert cat.place_types["skoleplass"].block(200) == 25
    assert pt.cost(False).value == 4000 and pt.cost(True).value == 4500
    assert cat.place_types["skoleplass"].cost(True).value == 1300  # no pressure price: the ordinary one
    assert cat.pressure_kommuner == ("3201",)


# -------------------------------------------------------------------------------- plan_places

def test_places_open_when_demand_first_exceeds_them_in_blocks():
    # existing 100, blocks of 24; demand 105 -> one block (124); 130 -> one more (148);
    # 150 at the end: 2 short, and the block is cut to what is needed up to the horizon (2)
    openings = plan_places(col(100, 105, 130, 120, 150), 100, 24)
    np.testing.assert_array_equal(openings[:, 0], [0, 24, 24, 0, 2])


def test_a_block_is_never_larger_than_the_need_up_to_the_horizon():
    # one more resident for good: one place, not a unit of 12
    np.testing.assert_array_equal(plan_places(col(10, 11, 11, 11), 10, 12)[:, 0], [0, 1, 0, 0])
    # a peak later in the horizon lets the first block be whole
    np.testing.assert_array_equal(plan_places(col(10, 11, 11, 30), 10, 12)[:, 0], [0, 12, 0, 8])


def test_a_shortfall_under_half_a_place_is_rounding():
    assert ROUNDING == 0.5
    np.testing.assert_array_equal(plan_places(col(10, 10.4, 10.5, 10.4), 10, 8)[:, 0], [0, 0, 0, 0])
    np.testing.assert_array_equal(plan_places(col(10, 10.6, 10.6), 10, 8)[:, 0], [0, 1, 0])


def test_nothing_opens_in_the_base_year_and_places_never_close():
    openings = plan_places(col(50, 10, 10, 10), 20, 8)  # the base year is over capacity: not built for
    np.testing.assert_array_equal(openings[:, 0], [0, 0, 0, 0])
    # a peak of 40: three blocks of 12 cut to the 30 needed; they stay when demand falls back
    openings = plan_places(col(10, 40, 10, 10, 10), 10, 12)
    np.testing.assert_array_equal(openings[:, 0], [0, 30, 0, 0, 0])
    # with a higher peak still to come the first opening covers it too (35 of the three blocks)
    np.testing.assert_array_equal(plan_places(col(10, 40, 10, 10, 45), 10, 12)[:, 0], [0, 35, 0, 0, 0])


def test_columns_are_planned_independently_with_their_own_existing_places_and_blocks():
    demand = np.array([[10, 100], [30, 100], [30, 130], [30, 130]], dtype=float)
    openings = plan_places(demand, np.array([10.0, 100.0]), np.array([12.0, 24.0]))
    np.testing.assert_array_equal(openings, [[0, 0], [20, 0], [0, 30], [0, 0]])


# ----------------------------------------------------------------------------- investment_path

def test_investment_is_spread_over_the_two_years_before_opening():
    np.testing.assert_allclose(investment_path(col(0, 0, 0, 24, 0), 10.0)[:, 0], [0, 120, 120, 0, 0])
    np.testing.assert_allclose(investment_path(col(0, 0, 0, 0, 24), 10.0)[:, 0], [0, 0, 120, 120, 0])


@pytest.mark.parametrize("year_index", [1, 2])
def test_what_would_fall_in_the_base_year_is_paid_in_the_first_plan_year(year_index):
    openings = np.zeros((5, 1))
    openings[year_index] = 24
    np.testing.assert_allclose(investment_path(openings, 10.0)[:, 0], [0, 240, 0, 0, 0])


def test_places_opening_in_the_base_year_are_paid_in_the_first_plan_year():
    np.testing.assert_allclose(investment_path(col(24, 0, 0), 10.0)[:, 0], [0, 240, 0])


def test_investment_over_three_years_and_with_fewer_years_than_the_spread():
    # 6 places in 2029 at 30: 60 in each of 2026 (-> 2027), 2027, 2028; 12 in 2030: 120 in 2027-2029
    inv = investment_path(col(0, 0, 0, 6, 12), 30.0, years_before=3)
    np.testing.assert_allclose(inv[:, 0], [0, 120 + 120, 60 + 120, 120, 0])
    # two years only: everything is paid in the first plan year
    np.testing.assert_allclose(investment_path(col(0, 24), 10.0, years_before=3)[:, 0], [0, 240])


def test_cost_per_place_per_column():
    openings = np.array([[0, 0], [0, 0], [0, 0], [24, 12]], dtype=float)
    inv = investment_path(openings, np.array([10.0, 20.0]))
    np.testing.assert_allclose(inv, [[0, 0], [120, 120], [120, 120], [0, 0]])


# ------------------------------------------------------------------------------- behovsanalyse

def test_behovsanalyse_by_hand(cat):
    demand = {"skole": col(200, 200, 210, 240, 230, 260), "sykehjem": col(9.6, 10, 10.4, 12, 30, 30),
              "hjemme": col(1, 1, 1, 1, 1, 1)}
    out = behovsanalyse(cat, demand)
    assert set(out) == {"skoleplass", "sykehjemsplass"}
    assert set(out["skoleplass"]) == {"demand", "existing", "block", "capacity", "openings", "investment", "external"}
    # school: 200 places, blocks of 25; short 10 -> 25, short 15 -> 25, short 10 at the end -> cut to 10
    s = out["skoleplass"]
    assert s["existing"].tolist() == [200.0] and s["block"].tolist() == [25.0]
    np.testing.assert_array_equal(s["openings"][:, 0], [0, 0, 25, 25, 0, 10])
    np.testing.assert_array_equal(s["capacity"][:, 0], [200, 200, 225, 250, 250, 260])
    # 25 x 1 300 = 32 500 in 2028 (paid 2027), 32 500 in 2029 (2027, 2028), 13 000 in 2031 (2029, 2030)
    np.testing.assert_allclose(s["investment"][:, 0], [0, 32_500 + 16_250, 16_250, 6_500, 6_500, 0])
    np.testing.assert_allclose(s["external"], 0.2 * s["investment"])
    # sykehjem: 9.6 users -> 10 places, block 8; 10.4 is rounding; 12 -> 8 places; 30 -> 12 (two blocks, cut)
    h = out["sykehjemsplass"]
    assert h["existing"].tolist() == [10.0] and h["block"].tolist() == [8.0]
    np.testing.assert_array_equal(h["openings"][:, 0], [0, 0, 0, 8, 12, 0])
    np.testing.assert_array_equal(h["capacity"][:, 0], [10, 10, 10, 18, 30, 30])
    np.testing.assert_allclose(h["investment"][:, 0], [0, 16_000, 16_000 + 24_000, 24_000, 0, 0])
    assert h["investment"].sum() == pytest.approx(20 * 4_000)


def test_behovsanalyse_in_a_pressomrade_and_with_given_existing_places(cat):
    demand = {"skole": col(200, 200, 200, 200, 200, 200), "sykehjem": col(9.6, 10, 10.4, 12, 30, 30)}
    pressed = behovsanalyse(cat, demand, pressure=True)["sykehjemsplass"]
    assert pressed["investment"].sum() == pytest.approx(20 * 4_500)
    np.testing.assert_allclose(pressed["external"], 0.75 * pressed["investment"])
    own = behovsanalyse(cat, demand, existing={"sykehjemsplass": 20})["sykehjemsplass"]
    # 20 places: 12 fit; 30 is 10 short -> two blocks of 8 cut to 10
    np.testing.assert_array_equal(own["openings"][:, 0], [0, 0, 0, 0, 10, 0])
    assert own["existing"].tolist() == [20.0]


def test_shipped_place_types_match_the_capacity_groups():
    cat = load_catalogue()
    assert set(cat.place_types) == {"barnehage", "grunnskole", "institusjon", "heldogn_bolig"}
    for pid, pt in cat.place_types.items():
        assert set(pt.services) <= set(cat.services), pid
        if pt.capacity_group is not None:
            assert set(cat.capacity_groups[pt.capacity_group].services) == set(pt.services), pid
        assert pt.unit > 0 and pt.cost_per_place.value > 0 and 0 <= pt.external_share.value <= 1


# ------------------------------------------------------------------------------- properties

demands = hnp.arrays(float, st.tuples(st.integers(2, 12), st.integers(1, 3)),
                     elements=st.floats(0, 5000, allow_nan=False, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(demands, st.floats(0, 5000), st.integers(1, 200))
def test_places_keep_up_never_fall_and_never_exceed_the_need(demand, existing, block):
    existing = float(np.ceil(existing))
    openings = plan_places(demand, existing, block)
    capacity = existing + np.cumsum(openings, axis=0)
    assert (openings >= 0).all() and (openings[0] == 0).all()  # nothing in the base year; never closes
    np.testing.assert_array_equal(openings, np.round(openings))  # whole places
    assert (capacity[1:] >= demand[1:] - ROUNDING - 1e-9).all()  # keeps up, within the rounding
    # never more places than the highest demand to come (plus the rounding) or today's
    assert (capacity[-1] <= np.maximum(existing, demand[1:].max(axis=0) + ROUNDING + 1e-9)).all()
    # openings come as whole blocks, or a cut block when it is the last need up to the horizon
    for t, n in zip(*np.nonzero(openings)):
        if openings[t, n] % block:
            assert capacity[t, n] >= demand[t:, n].max() - ROUNDING - 1e-9


@settings(max_examples=60, deadline=None)
@given(demands, st.floats(0.0, 10_000), st.integers(1, 4))
def test_investment_pays_every_place_once_never_in_the_base_year_and_never_late(demand, cost, years_before):
    openings = plan_places(demand, np.ceil(demand[0]), 24)
    inv = investment_path(openings, cost, years_before)
    np.testing.assert_allclose(inv.sum(axis=0), openings.sum(axis=0) * cost, rtol=1e-9, atol=1e-6)
    assert (inv[0] == 0).all() and (inv >= 0).all()
    for n in range(openings.shape[1]):
        nz = np.flatnonzero(openings[:, n])
        last = nz[-1] if nz.size else 0
        assert (inv[last + 1:, n] == 0).all()
