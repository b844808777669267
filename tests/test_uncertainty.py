"""Monte Carlo along ``draw``: ranges, sampling, the draws through the whole model, bands, tornado."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
import yaml
from hypothesis import given, settings, strategies as st

from planmodel.analysis import uncertainty as U
from planmodel.core.errors import InputError
from planmodel.inputs.scenario import load_scenario
from planmodel.inputs.uncertainty import (PARAMETERS, Z95, load_ranges, one_at_a_time, parse_ranges,
                                          sample)
from planmodel.model.chain import prepare, run, run_draws

SCENARIO = "scenarios/baerum_krisepakke.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


def _raw():
    from planmodel.core.paths import data_path
    return yaml.safe_load(data_path("usikkerhet", "usikkerhet.yaml").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- ranges and sampling

def test_shipped_ranges_have_every_parameter_with_a_source():
    r = load_ranges()
    assert tuple(r) == PARAMETERS
    for name, rng in r.items():
        assert rng.source and rng.status in ("sourced", "derived", "assumption")
        assert rng.p5 <= rng.value <= rng.p95
    # the SSB alternatives the fertility range comes from: 1,18/1,60 and 1,83/1,60 in 2040
    assert r["tfr_factor"].p5 == pytest.approx(1.18 / 1.60, abs=0.005)
    assert r["tfr_factor"].p95 == pytest.approx(1.83 / 1.60, abs=0.005)


def test_split_normal_has_its_percentiles_and_median():
    r = load_ranges()["migration_factor"]
    d = sample(load_ranges(), 200_000, seed=3)
    x = d.values["migration_factor"]
    assert np.quantile(x, 0.05) == pytest.approx(r.p5, abs=0.01)
    assert np.quantile(x, 0.95) == pytest.approx(r.p95, abs=0.01)
    assert np.median(x) == pytest.approx(r.value, abs=0.01)
    # a factor: split normal on the log scale, truncated at 3,5 standard deviations, never clipped
    assert x.min() >= r.value * (r.p5 / r.value) ** (3.5 / Z95) * (1 - 1e-12)
    assert x.max() <= r.value * (r.p95 / r.value) ** (3.5 / Z95) * (1 + 1e-12)
    assert x.min() > 0
    wide = sample(load_ranges().scaled(3.0), 20_000, seed=3).values["migration_factor"]
    assert wide.min() > 0 and np.quantile(wide, 0.05) == pytest.approx(r.value * (r.p5 / r.value) ** 3, rel=0.03)


def test_pert_stays_between_its_ends_with_mode_in_the_middle():
    d = sample(load_ranges(), 100_000, seed=1, measures=["a"])
    x = d.measures["a"]
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert np.median(x) == pytest.approx(0.0, abs=0.01)
    # Beta(3, 3) on [-1, 1]: the 5th percentile is 2 * 0.1893 - 1
    assert np.quantile(x, 0.05) == pytest.approx(2 * 0.18926 - 1, abs=0.01)
    assert load_ranges()["measure_effects"].p5 == pytest.approx(2 * 0.18926 - 1, abs=1e-4)


def test_same_seed_same_draws_and_streams_independent_of_other_tiltak():
    r = load_ranges()
    a, b = sample(r, 50, 7, ["x", "y"]), sample(r, 50, 7, ["y"])
    assert all(np.array_equal(a.values[k], b.values[k]) for k in a.values)
    assert np.array_equal(a.measures["y"], b.measures["y"])
    c = sample(r, 50, 8, ["y"])
    assert not np.array_equal(a.values["tfr_factor"], c.values["tfr_factor"])


def test_zero_width_ranges_give_the_central_value_exactly():
    d = sample(load_ranges().scaled(0.0), 20, 5, ["a"])
    assert all(np.all(v == load_ranges()[k].value) for k, v in d.values.items())
    assert np.all(d.measures["a"] == 0.0)


def test_one_at_a_time_moves_one_assumption_per_column():
    r = load_ranges()
    d = one_at_a_time(r, ["a"])
    assert d.n == 1 + 2 * len(PARAMETERS) and d.labels[0] == "sentral"
    for i, p in enumerate(PARAMETERS):
        for j, end in enumerate(("p5", "p95")):
            col = 1 + 2 * i + j
            moved = [k for k, v in d.values.items() if v[col] != r[k].value] + \
                    (["measure_effects"] if d.measures["a"][col] != 0 else [])
            assert moved == [p], (p, end, moved)


@pytest.mark.parametrize("change, key", [
    (lambda e: e["tfr_factor"].update(p5=1.2), "parameters.tfr_factor"),
    (lambda e: e["tfr_factor"].update(p5=0.0), "parameters.tfr_factor.p5"),
    (lambda e: e["measure_effects"].update(p5=-1.0), "parameters.measure_effects"),
    (lambda e: e["interest_rate"].update(p95=float("nan")), "parameters.interest_rate.p95"),
    (lambda e: e.pop("e0_shift"), "parameters"),
    (lambda e: e["e0_shift"].update(unit="dager"), "parameters.e0_shift.unit"),
])
def test_bad_ranges_file_names_the_key(change, key):
    raw = _raw()
    change(raw["parameters"])
    with pytest.raises(InputError) as err:
        parse_ranges(raw, "usikkerhet.yaml")
    assert err.value.source == "usikkerhet.yaml"
    assert err.value.field == key, str(err.value)


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(-5, 5), mid=st.floats(-5, 5), hi=st.floats(-5, 5), n=st.integers(1, 50), seed=st.integers(0, 2**31))
def test_any_ordered_range_samples_finite_values_inside_its_support(lo, mid, hi, n, seed):
    raw = _raw()
    raw["parameters"]["coverage_change"].update(value=mid, p5=lo, p95=hi)
    if lo <= mid <= hi:
        x = sample(parse_ranges(raw, "u.yaml"), n, seed).values["coverage_change"]
        assert np.all(np.isfinite(x))
        assert np.all(x >= mid - 3.5 * (mid - lo) / Z95 - 1e-9) and np.all(x <= mid + 3.5 * (hi - mid) / Z95 + 1e-9)
    else:
        with pytest.raises(InputError) as err:
            parse_ranges(raw, "u.yaml")
        assert err.value.field.startswith("parameters.coverage_change")


def test_bad_draw_counts_are_refused():
    for n in (0, -3, 2.5, True):
        with pytest.raises(InputError):
            sample(load_ranges(), n)
    with pytest.raises(InputError):
        sample(load_ranges(), 5, seed=-1)


# --------------------------------------------------------------------------- the draws through the model

@pytest.mark.parametrize("kommune", ["3201", "1515", "0301"])
def test_zero_width_draws_reproduce_the_deterministic_run(scenario, kommune):
    sc = replace(scenario, kommune=kommune)
    det = run(sc)
    ds = U.simulate(sc, draws=3, seed=1, ranges=load_ranges().scaled(0.0))
    for var in ("netto_driftsresultat", "inndekningsbehov", "driftsinntekter", "frie_inntekter",
                "netto_driftsutgifter_sektorer"):
        want = det[var].values[:, None]
        np.testing.assert_allclose(ds[var].values, np.broadcast_to(want, ds[var].shape), rtol=1e-11, atol=1e-6,
                                   err_msg=f"{kommune} {var}")
    np.testing.assert_allclose(ds["sektor_ramme"].values[..., 0], det["sektor_ramme"].values, rtol=1e-11, atol=1e-6)
    np.testing.assert_allclose(ds["befolkning"].values[:, 0], det["population"].sum(("age", "sex")).values, rtol=1e-12)
    assert float(ds["metning"].sum()) == 0.0


def test_a_draw_equals_the_deterministic_run_with_that_assumption(scenario):
    """The free-income growth of a draw is the economy's assumption plus the draw's change."""
    r = load_ranges()
    d = one_at_a_time(r, [m.id for m in prepare(scenario).measures])
    ds = run_draws(scenario, d)
    col = d.labels.index("free_income_growth:p95")
    g = prepare(scenario).economy.free_income_growth.value + r["free_income_growth"].p95
    det = run(replace(scenario, economy={**dict(scenario.economy), "free_income_growth": g}))
    np.testing.assert_allclose(ds["netto_driftsresultat"].values[:, col], det["netto_driftsresultat"].values, rtol=1e-10)


def test_same_seed_same_numbers_and_chunks_do_not_matter(scenario):
    a = U.simulate(scenario, draws=30, seed=11, chunk=30)
    b = U.simulate(scenario, draws=30, seed=11, chunk=7)
    xr.testing.assert_allclose(a["netto_driftsresultat"], b["netto_driftsresultat"], rtol=1e-12)
    c = U.simulate(scenario, draws=30, seed=12)
    assert not np.allclose(a["netto_driftsresultat"].values, c["netto_driftsresultat"].values)


def test_bands_widen_when_ranges_widen(scenario):
    narrow = U.simulate(scenario, draws=200, seed=2, ranges=load_ranges().scaled(0.5))
    wide = U.simulate(scenario, draws=200, seed=2, ranges=load_ranges())
    for var in ("netto_driftsresultat_andel", "netto_driftsutgifter_sektorer", "befolkning"):
        fn, fw = U.fan(narrow, var), U.fan(wide, var)
        width_n = (fn.sel(quantile=0.95) - fn.sel(quantile=0.05)).values[1:]
        width_w = (fw.sel(quantile=0.95) - fw.sel(quantile=0.05)).values[1:]
        assert np.all(width_w > width_n), var
    # the base year is the accounts and the registered population: no band at all
    assert float(wide["befolkning"].isel(year=0).std()) == 0.0
    assert float(wide["netto_driftsresultat"].isel(year=0).std()) < 1e-6


def test_population_draws_move_the_population(scenario):
    ds = U.simulate(scenario, draws=100, seed=4)
    last = ds["befolkning"].isel(year=-1)
    assert float(last.std()) > 0
    # more migrants, more people (Bærum has net in-migration)
    assert np.corrcoef(ds["migration_factor"].values, last.values)[0, 1] > 0.5


def test_probability_below_target_is_the_share_of_draws_hand_checked():
    ds = xr.Dataset({"netto_driftsresultat": (("year", "draw"), [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 5.0, 5.0]]),
                     "resultatmal": (("year", "draw"), [[2.5] * 4, [1.0] * 4])},
                    coords={"year": [2027, 2028], "draw": range(4)})
    np.testing.assert_allclose(U.probability_below_target(ds).values, [0.5, 0.5])


def test_sensitivity_rows_are_sorted_and_central_is_the_deterministic_run(scenario):
    s = U.sensitivity(scenario)
    det = run(scenario)
    plan = det["plan_year"].values
    want = float((det["netto_driftsresultat"] - det["resultatmal"]).values[plan].sum())
    assert s.central == pytest.approx(want, rel=1e-10)
    assert list(s.table["utslag"]) == sorted(s.table["utslag"], reverse=True)
    assert set(s.table["forutsetning"]) == set(PARAMETERS)
    top = s.table.iloc[0]
    assert top["utslag"] > 0
    # higher unit-cost growth can only worsen the result
    row = s.table.set_index("forutsetning").loc["unit_cost_growth"]
    assert row["mot_mal_høy"] < s.central < row["mot_mal_lav"]
    with pytest.raises(InputError):
        U.sensitivity(scenario, year=1999)


def test_summary_for_a_small_and_a_large_kommune(scenario):
    for k in ("1515", "0301"):
        sm = U.summary(replace(scenario, kommune=k), draws=100)
        lo, mid, hi = sm.band
        assert lo <= mid <= hi and np.isfinite([lo, mid, hi]).all()
        assert 0.0 <= sm.miss_year <= 1.0 and 0.0 <= sm.miss_plan <= 1.0
        assert len(sm.top) == 3 and sm.top[0][2] >= sm.top[1][2] >= sm.top[2][2]


def test_close_the_gap_with_90_percent_probability_uses_the_monte_carlo_draws(scenario):
    from planmodel.analysis.prioritering import prioritize

    sc = replace(scenario, kommune="1515", measures=())
    p = prioritize(sc, probability=0.9, draws=100, seed=3)
    assert p.limits.gap_draws.shape == (100, len(p.coefficients.years))
    assert p.solution.draws_closed is not None
    if p.solution.closes:
        assert p.solution.draws_closed >= 0.9
    assert "trekkene" in p.explanation()
    # the draws are the scenario without tiltak: the same seed gives the same need per draw
    again = prioritize(sc, probability=0.9, draws=100, seed=3)
    np.testing.assert_array_equal(again.limits.gap_draws, p.limits.gap_draws)


def test_cli_probability_must_be_a_share(capsys):
    from planmodel.cli import main

    assert main(["prioriter", SCENARIO, "--sannsynlighet", "1.5"]) == 2
    assert "andel" in capsys.readouterr().err
