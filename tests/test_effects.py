"""Tiltak effects (planmodel.services.effects): investment profiles are flows, operating profiles
are levels that hold (until ``end``), effects ramp in after a lag over the phase-in years, and
``measure_arrays`` turns chosen measures into factors and additions for the service model
(per_100k scaling, coverage / unit-cost / årsverk factors, care-level shifts, volunteer hours ->
årsverk, ``active`` weights for several measure sets, weak/strong ends of uncertain effects).

Measures are built in Python on the mini catalogue (``tests/fixtures/services/mini.yaml``:
services skole, hjemme, sykehjem, dagsenter) so that every number is easy to follow; one test
reads ``tests/fixtures/tiltak/test_tiltak.yaml`` against the shipped catalogue.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.errors import InputError
from planmodel.core.lead import Lead
from planmodel.core.values import Value, pick
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.library import HOURS_PER_FTE, Measure, MeasureEffect, load_library
from planmodel.services.demand import CatalogueIndex
from planmodel.services.effects import effect_ramp, measure_arrays, profile_path

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
TEST_LIB = Path(__file__).parent / "fixtures" / "tiltak" / "test_tiltak.yaml"
YEARS = np.arange(2026, 2032)  # 2026 (base) .. 2031
S = {"skole": 0, "hjemme": 1, "sykehjem": 2, "dagsenter": 3}


@pytest.fixture(scope="module")
def mini():
    return load_catalogue(MINI)


def v(x, low=None, high=None) -> Value:
    return Value(float(x), "assumption", "test", low, high)


def effect(kind, service, change, lag=0, phase=1, **kw) -> MeasureEffect:
    return MeasureEffect(kind=kind, service=service, change=change if isinstance(change, Value) else v(change),
                         lag_years=lag, phase_in_years=phase, **kw)


def measure(*effects, start=2027, end=None, scale="fixed", operating=None, investment=None, mid="m") -> Measure:
    return Measure(id=mid, title="Tiltak", sector="omsorg", delmal=("X",), ansvar="test", scale=scale,
                   investment={k: v(x) for k, x in (investment or {}).items()},
                   operating={k: v(x) for k, x in (operating or {}).items()}, effects=tuple(effects),
                   start=start, end=end)


# --------------------------------------------------------------------------- profile_path

def test_investment_profile_is_a_flow():
    # {0: 3000, 1: 1000}: 3000 in the start year, 1000 the year after, nothing else
    out = profile_path({0: v(3000), 1: v(1000)}, 2027, YEARS, "flow")
    np.testing.assert_array_equal(out, [0, 3000, 1000, 0, 0, 0])
    # a key past the last year simply falls outside the path
    np.testing.assert_array_equal(profile_path({0: v(1), 9: v(5)}, 2027, YEARS, "flow"), [0, 1, 0, 0, 0, 0])


def test_operating_profile_is_a_level_that_holds():
    # {0: 500, 2: 1200}: 500 a year in the first two years, 1200 a year from the third on
    out = profile_path({0: v(500), 2: v(1200)}, 2027, YEARS, "level")
    np.testing.assert_array_equal(out, [0, 500, 500, 1200, 1200, 1200])
    # keys in any order
    np.testing.assert_array_equal(profile_path({2: v(1200), 0: v(500)}, 2027, YEARS, "level"), out)
    # nothing before the first key
    np.testing.assert_array_equal(profile_path({1: v(100)}, 2027, YEARS, "level"), [0, 0, 100, 100, 100, 100])


def test_a_level_stops_after_the_end_year():
    out = profile_path({0: v(500), 2: v(1200)}, 2027, YEARS, "level", end=2029)
    np.testing.assert_array_equal(out, [0, 500, 500, 1200, 0, 0])
    out = profile_path({0: v(500)}, 2027, YEARS, "level", end=2027)
    np.testing.assert_array_equal(out, [0, 500, 0, 0, 0, 0])


def test_an_empty_profile_is_zero():
    for kind in ("flow", "level"):
        np.testing.assert_array_equal(profile_path({}, 2027, YEARS, kind), np.zeros(6))


# ------------------------------------------------------------------------------ effect_ramp

@pytest.mark.parametrize("lag, phase, end, expected", [
    (0, 1, None, [0, 1, 1, 1, 1, 1]),
    (0, 2, None, [0, 0.5, 1, 1, 1, 1]),
    (1, 2, None, [0, 0, 0.5, 1, 1, 1]),
    (2, 3, None, [0, 0, 0, 1 / 3, 2 / 3, 1]),
    (0, 4, 2029, [0, 0.25, 0.5, 0.75, 0, 0]),
    (3, 1, 2029, [0, 0, 0, 0, 0, 0]),  # ends before it would start
])
def test_effect_ramp_lag_and_phase_in(lag, phase, end, expected):
    r = effect_ramp(effect("coverage", "hjemme", 0.1, lag=lag, phase=phase), 2027, YEARS, end)
    np.testing.assert_allclose(r, expected)


# ---------------------------------------------------------------------------- measure_arrays

def test_operating_and_investment_scale_per_100k(mini):
    m = measure(scale="per_100k", operating={0: 500, 2: 800}, investment={0: 1000, 1: 400})
    ma = measure_arrays([m], mini, YEARS, base_population=50_000)
    np.testing.assert_allclose(ma.operating[0], [0, 250, 250, 400, 400, 400])
    np.testing.assert_allclose(ma.investment[0], [0, 500, 200, 0, 0, 0])
    fixed = measure_arrays([measure(operating={0: 500})], mini, YEARS, base_population=50_000)
    np.testing.assert_allclose(fixed.operating[0], [0, 500, 500, 500, 500, 500])
    assert ma.ids == ["m"] and ma.operating.shape == (1, 6) and ma.lead is None


def test_no_measures_give_neutral_arrays(mini):
    ma = measure_arrays([], mini, YEARS, 1000.0)
    assert ma.operating.shape == (0, 6) and ma.investment.shape == (0, 6)
    assert ma.coverage_factor.shape == (4, 106, 6, 1) and (ma.coverage_factor == 1).all()
    assert (ma.unit_cost_factor == 1).all() and (ma.fte_factor == 1).all()
    assert ma.shifts == [] and (ma.volunteer_fte == 0).all()


def test_coverage_effect_for_an_age_band(mini):
    m = measure(effect("coverage", "hjemme", -0.2, phase=2, ages=(80, 89)))
    cf = measure_arrays([m], mini, YEARS, 1000.0).coverage_factor
    np.testing.assert_allclose(cf[S["hjemme"], 85, :, 0], [1, 0.9, 0.8, 0.8, 0.8, 0.8])
    np.testing.assert_allclose(cf[S["hjemme"], 89, :, 0], [1, 0.9, 0.8, 0.8, 0.8, 0.8])
    assert (cf[S["hjemme"], 90] == 1).all() and (cf[S["hjemme"], 79] == 1).all()
    assert (cf[S["sykehjem"]] == 1).all()
    # without ages the effect covers every age
    cf = measure_arrays([measure(effect("coverage", "skole", 0.5))], mini, YEARS, 1000.0).coverage_factor
    assert (cf[S["skole"], :, 1:] == 1.5).all() and (cf[S["skole"], :, 0] == 1).all()


def test_unit_cost_and_fte_factors_multiply_across_measures(mini):
    ms = [measure(effect("unit_cost", "sykehjem", -0.1), mid="a"),
          measure(effect("unit_cost", "sykehjem", -0.2, lag=1), effect("fte", "hjemme", 0.25), mid="b")]
    ma = measure_arrays(ms, mini, YEARS, 1000.0)
    np.testing.assert_allclose(ma.unit_cost_factor[S["sykehjem"], :, 0], [1, 0.9, 0.72, 0.72, 0.72, 0.72])
    np.testing.assert_allclose(ma.fte_factor[S["hjemme"], :, 0], [1, 1.25, 1.25, 1.25, 1.25, 1.25])
    assert (ma.fte_factor[S["sykehjem"]] == 1).all() and (ma.unit_cost_factor[S["hjemme"]] == 1).all()
    assert ma.ids == ["a", "b"]


def test_shift_is_recorded_with_its_ramp(mini):
    m = measure(effect("shift", "sykehjem", 0.3, phase=3, to_service="hjemme"))
    ma = measure_arrays([m], mini, YEARS, 1000.0)
    assert len(ma.shifts) == 1
    src, dst, share = ma.shifts[0]
    assert (src, dst) == (S["sykehjem"], S["hjemme"]) == tuple(CatalogueIndex.of(mini).rows(["sykehjem", "hjemme"]))
    np.testing.assert_allclose(share[:, 0], [0, 0.1, 0.2, 0.3, 0.3, 0.3])


def test_volunteer_hours_become_arsverk(mini):
    # 16 950 hours x 0.5 substitution / 1 695 hours per årsverk = 5 årsverk
    m = measure(effect("volunteer_hours", "hjemme", 10 * HOURS_PER_FTE, phase=2, substitution=0.5))
    vol = measure_arrays([m], mini, YEARS, 1000.0).volunteer_fte
    np.testing.assert_allclose(vol[S["hjemme"], :, 0], [0, 2.5, 5, 5, 5, 5])
    assert HOURS_PER_FTE == 1695.0
    # per 100 000 inhabitants, for a kommune of 20 000: a fifth
    m = measure(effect("volunteer_hours", "hjemme", 10 * HOURS_PER_FTE, substitution=0.5), scale="per_100k")
    vol = measure_arrays([m], mini, YEARS, 20_000.0).volunteer_fte
    np.testing.assert_allclose(vol[S["hjemme"], 1:, 0], [1.0] * 5)
    # no substitution: volunteers add, they replace nothing
    m = measure(effect("volunteer_hours", "hjemme", 10 * HOURS_PER_FTE, substitution=0.0))
    assert (measure_arrays([m], mini, YEARS, 1000.0).volunteer_fte == 0).all()


def test_effects_stop_after_the_end_year(mini):
    m = measure(effect("unit_cost", "hjemme", -0.1), end=2029, operating={0: 100})
    ma = measure_arrays([m], mini, YEARS, 1000.0)
    np.testing.assert_allclose(ma.unit_cost_factor[S["hjemme"], :, 0], [1, 0.9, 0.9, 0.9, 1, 1])
    np.testing.assert_allclose(ma.operating[0], [0, 100, 100, 100, 0, 0])


def test_active_weights_hold_several_measure_sets(mini):
    ms = [measure(effect("coverage", "hjemme", 0.2), mid="a"), measure(effect("unit_cost", "sykehjem", -0.5), mid="b")]
    lead = Lead(("set",), {"set": np.array(["ingen", "a", "b", "halv_a"])}, (4,))
    active = np.array([[0, 1, 0, 0.5], [0, 0, 1, 0]])
    ma = measure_arrays(ms, mini, YEARS, 1000.0, active=active, lead=lead)
    assert ma.lead is lead
    assert ma.coverage_factor.shape == (4, 106, 6, 4)
    np.testing.assert_allclose(ma.coverage_factor[S["hjemme"], 80, 1], [1, 1.2, 1, 1.1])  # weight 0.5: half the effect
    np.testing.assert_allclose(ma.unit_cost_factor[S["sykehjem"], 1], [1, 1, 0.5, 1])
    # operating and investment are per measure, not per set (the caller sums what each set holds)
    assert ma.operating.shape == (2, 6)


@pytest.mark.parametrize("change, bound, expected", [
    (v(-0.1, -0.2, 0.0), "value", -0.1),
    (v(-0.1, -0.2, 0.0), "weak", 0.0),      # nearest zero
    (v(-0.1, -0.2, 0.0), "strong", -0.2),   # farthest from zero
    (v(0.1, -0.05, 0.3), "weak", -0.05),    # a range across zero: the end nearest zero, whatever its sign
    (v(0.1, -0.05, 0.3), "strong", 0.3),
    (v(0.1), "strong", 0.1),                # no range: the value
])
def test_weak_and_strong_ends(mini, change, bound, expected):
    assert pick(change, bound) == pytest.approx(expected)
    ma = measure_arrays([measure(effect("unit_cost", "hjemme", change))], mini, YEARS, 1000.0, bound=bound)
    assert ma.unit_cost_factor[S["hjemme"], 2, 0] == pytest.approx(1 + expected)


def test_a_chosen_measure_needs_a_start(mini):
    with pytest.raises(InputError) as err:
        measure_arrays([measure(start=None, mid="uten_start")], mini, YEARS, 1000.0)
    assert str(err.value) == "tiltak: uten_start.start: et valgt tiltak trenger et startår"


def test_library_measure_by_hand():
    cat = load_catalogue()
    lib = load_library(TEST_LIB, cat)
    eldre = lib.measures["eldre"].chosen(2027, end=2030)
    years = np.arange(2026, 2033)
    ma = measure_arrays([eldre], cat, years, 100_000.0)
    # operating {0: 500, 2: 800} until 2030; investment {0: 1000}
    np.testing.assert_allclose(ma.operating[0], [0, 500, 500, 800, 800, 0, 0])
    np.testing.assert_allclose(ma.investment[0], [0, 1000, 0, 0, 0, 0, 0])
    # unit cost of hjemmesykepleie -10 % over two years, gone after 2030
    row = CatalogueIndex.of(cat).pos["hjemmesykepleie"]
    np.testing.assert_allclose(ma.unit_cost_factor[row, :, 0], [1, 0.95, 0.9, 0.9, 0.9, 1, 1])
    weak = measure_arrays([eldre], cat, years, 100_000.0, bound="weak")
    assert (weak.unit_cost_factor == 1).all()  # the weak end of -0.2..0 is no effect


# ------------------------------------------------------------------------------ properties

@settings(max_examples=60, deadline=None)
@given(st.floats(-0.99, 3.0), st.integers(0, 5), st.integers(1, 5), st.integers(2027, 2031),
       st.one_of(st.none(), st.integers(2027, 2031)), st.floats(0, 1))
def test_factors_stay_between_one_and_the_full_effect(change, lag, phase, start, end, weight):
    mini = load_catalogue(MINI)
    if end is not None and end < start:
        end = start
    m = measure(effect("coverage", "dagsenter", change, lag=lag, phase=phase), effect("fte", "skole", change),
                start=start, end=end)
    ma = measure_arrays([m], mini, YEARS, 1000.0, active=np.array([[weight]]))
    cf = ma.coverage_factor[S["dagsenter"], 80, :, 0]
    lo, hi = sorted((1.0, 1.0 + change * weight))
    assert ((cf >= lo - 1e-12) & (cf <= hi + 1e-12)).all()
    # nothing before the start, nothing after the end, and no other service touched
    assert (cf[YEARS < start] == 1).all()
    if end is not None:
        assert (cf[YEARS > end] == 1).all()
    assert (ma.coverage_factor[[S["skole"], S["hjemme"], S["sykehjem"]]] == 1).all()
    assert (ma.unit_cost_factor == 1).all()
    # the ramp only rises while the measure runs
    running = cf[(YEARS >= start) & ((YEARS <= end) if end is not None else True)]
    steps = np.diff(running - 1.0) * np.sign(change or 1.0)
    assert (steps >= -1e-12).all()
