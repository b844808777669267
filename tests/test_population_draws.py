"""Monte Carlo draws of a kommune's population (population_draws): exactness at zero width,
the direction of each factor, e0 moved by the shift, caching, properties and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.errors import InputError
from planmodel.inputs.data import BASE_YEAR
from planmodel.population import demography as d
from planmodel.population import lifetable

# Bærum (grows), Oslo, Utsira (smallest), Bremanger (a shrinking fjord kommune), Norway
KOMMUNER = ["3201", "0301", "1151", "4648", "0000"]


def ones(D):
    return dict(tfr_factor=np.ones(D), e0_shift=np.zeros(D), migration_factor=np.ones(D))


def total(pop, year, ages=slice(None)):
    """Persons (draw) in ``year`` at ``ages``."""
    return pop.sel(year=year, age=ages).sum(["age", "sex"]).values


@pytest.mark.parametrize("kommune", KOMMUNER)
def test_draws_of_zero_width_equal_population_for_to_the_last_bit(kommune):
    ref = d.population_for(kommune, "main", 2040)
    pop = d.population_draws(kommune, "main", 2040, **ones(3))
    assert pop.dims == ("year", "age", "sex", "draw")
    assert list(pop["draw"].values) == [0, 1, 2]
    for k in range(3):
        np.testing.assert_array_equal(pop.isel(draw=k).values, ref.values)
    a, b = dict(pop.attrs), dict(ref.attrs)
    assert a.pop("migration_shortfall_total") == pytest.approx(b.pop("migration_shortfall_total"), rel=1e-12, abs=1e-12)
    assert a == b


def test_draws_with_overrides_and_an_own_base_file_follow_population_for(tmp_path):
    from planmodel.inputs.kommunedata import population_csv

    base = d.kommune_base("3201").base.transpose("age", "sex").values
    path = tmp_path / "baerum.csv"
    path.write_text(population_csv(np.round(base * 1.05), "3201", "Bærum"), encoding="utf-8")
    overrides = {"tfr": 1.6, "e0_female": {2026: 85.0, 2040: 87.0}, "migration_level": 400}
    for kw in [dict(overrides=overrides), dict(base_file=str(path)), dict(overrides=overrides, base_file=str(path))]:
        ref = d.population_for("3201", "bolig_hoy", 2035, **kw)
        pop = d.population_draws("3201", "bolig_hoy", 2035, **kw, **ones(2))
        np.testing.assert_allclose(pop.isel(draw=1).values, ref.values, rtol=1e-12)
        assert pop.attrs["scenario"] == ref.attrs["scenario"]


def test_a_draw_with_unit_factors_among_others_is_still_exact():
    ref = d.population_for("4648", "main", 2040)
    pop = d.population_draws("4648", "main", 2040, tfr_factor=np.array([0.8, 1.0, 1.3]),
                             e0_shift=np.array([-1.3, 0.0, 2.2]), migration_factor=np.array([1.5, 1.0, 0.4]))
    np.testing.assert_array_equal(pop.sel(draw=1).values, ref.values)
    assert not np.allclose(pop.sel(draw=0).values, ref.values)


def test_higher_fertility_gives_more_small_children():
    pop = d.population_draws("3201", tfr_factor=np.array([0.7, 1.0, 1.3]), e0_shift=np.zeros(3),
                             migration_factor=np.ones(3))
    kids = total(pop, 2040, slice(0, 5))
    assert kids[0] < kids[1] < kids[2]
    np.testing.assert_array_equal(total(pop, 2040, slice(30, 40))[0], total(pop, 2040, slice(30, 40))[2])


def test_longer_life_gives_more_old_people():
    pop = d.population_draws("0301", tfr_factor=np.ones(3), e0_shift=np.array([-2.0, 0.0, 2.0]),
                             migration_factor=np.ones(3))
    old = total(pop, 2040, slice(80, None))
    assert old[0] < old[1] < old[2]


@pytest.mark.parametrize("kommune", ["3201", "0301"])
def test_more_migration_gives_more_people_where_people_move_in(kommune):
    ref = d.population_for(kommune, "main", 2040)
    assert float(ref.sel(year=2040).sum()) > float(ref.sel(year=BASE_YEAR).sum())  # grows by migration
    pop = d.population_draws(kommune, tfr_factor=np.ones(3), e0_shift=np.zeros(3),
                             migration_factor=np.array([0.0, 1.0, 2.0]))
    people = total(pop, 2040)
    assert people[0] < people[1] < people[2]


def test_more_migration_gives_fewer_people_where_people_move_out():
    """Bremanger loses people by migration: a larger level factor loses more."""
    pop = d.population_draws("4648", tfr_factor=np.ones(2), e0_shift=np.zeros(2),
                             migration_factor=np.array([1.0, 1.5]))
    people = total(pop, 2040)
    assert people[1] < people[0]


@pytest.mark.parametrize("scenario", ["main", "low"])
def test_life_expectancy_moves_by_the_shift(scenario):
    """The e0 of each draw's survival (recovered from the survival ratios) is the scenario's
    e0 plus the shift, within 0.05 years in every year and for both sexes."""
    sc = d.get_scenario(scenario)
    flow = np.arange(BASE_YEAR, 2045)
    nat = d._national_arrays(sc, flow)
    shifts = np.array([-10.0, -7.3, -2.25, -0.1, 0.0, 0.26, 1.75, 4.9, 9.99, 10.0])
    S, Sb = d.draw_survival(sc, flow, shifts)
    for t in range(flow.size):
        e0 = lifetable.life_expectancy_from_survival(np.moveaxis(S[t], -1, -2), Sb[t])  # (draw, sex)
        np.testing.assert_allclose(e0, nat["e0"][t][None] + shifts[:, None], atol=0.05)
        assert np.abs(e0 - nat["e0"][t][None] - shifts[:, None]).max() < 0.003  # what the docstring says


def test_life_expectancy_from_survival_inverts_the_survival_ratios():
    flow = np.arange(BASE_YEAR, 2030)
    nat = d._national_arrays(d.get_scenario("main"), flow)
    e0 = lifetable.life_expectancy_from_survival(np.moveaxis(nat["survival"], -1, -2), nat["birth_survival"])
    np.testing.assert_allclose(e0, nat["e0"], rtol=1e-9)


def test_the_same_arrays_give_the_same_result_from_the_cache():
    rng = np.random.default_rng(7)
    kw = dict(tfr_factor=rng.uniform(0.8, 1.2, 50), e0_shift=rng.normal(0, 1, 50), migration_factor=rng.uniform(0.5, 1.5, 50))
    a = d.population_draws("3201", **kw)
    b = d.population_draws("3201", **{k: v.copy() for k, v in kw.items()})
    np.testing.assert_array_equal(a.values, b.values)
    assert np.shares_memory(a.values, b.values)  # one computation, served twice
    a.attrs["scenario"] = "endret"
    assert b.attrs["scenario"] == "main"  # the attrs are the caller's own
    with pytest.raises(ValueError):
        a.values[0, 0, 0, 0] = 1.0  # read-only: no caller can change what another receives


def test_tornado_of_few_distinct_draws_matches_one_by_one():
    """Draws with repeated values (a tornado) give the same as asking for each value alone."""
    tf, es, mf = np.array([1.0, 1.2, 1.0, 1.2]), np.array([0.0, 0.0, 1.5, 1.5]), np.array([1.0, 1.0, 1.0, 0.8])
    pop = d.population_draws("0301", tfr_factor=tf, e0_shift=es, migration_factor=mf)
    for k in range(4):
        one = d.population_draws("0301", tfr_factor=tf[k:k + 1], e0_shift=es[k:k + 1], migration_factor=mf[k:k + 1])
        np.testing.assert_allclose(pop.isel(draw=k).values, one.isel(draw=0).values, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(kommune=st.sampled_from(KOMMUNER), seed=st.integers(0, 2**32 - 1), D=st.integers(1, 40))
def test_random_factors_give_a_finite_non_negative_population_with_the_base_year_unchanged(kommune, seed, D):
    rng = np.random.default_rng(seed)
    pop = d.population_draws(kommune, "main", 2035, tfr_factor=rng.uniform(0.0, 3.0, D),
                             e0_shift=rng.uniform(-10.0, 10.0, D), migration_factor=rng.uniform(0.0, 4.0, D))
    v = pop.values
    assert v.shape[-1] == D and np.isfinite(v).all() and (v >= 0).all()
    base = d.population_for(kommune, "main", 2035).sel(year=BASE_YEAR).values
    np.testing.assert_array_equal(pop.sel(year=BASE_YEAR).values, np.repeat(base[..., None], D, axis=-1))


@pytest.mark.parametrize("change, key, message", [
    (dict(tfr_factor=np.ones(2)), "draws", "like mange trekk"),
    (dict(e0_shift=np.array([0.0, np.nan, 0.0])), "e0_shift", "trekk 1 er nan, ikke et endelig tall"),
    (dict(migration_factor=np.array([1.0, 1.0, np.inf])), "migration_factor", "trekk 2 er inf"),
    (dict(tfr_factor=np.array([1.0, -0.1, 1.0])), "tfr_factor", "trekk 1 er −0,1; må ligge mellom 0,0 og 5,0"),
    (dict(migration_factor=np.array([-1.0, 1.0, 1.0])), "migration_factor", "må ligge mellom 0,0 og 10,0"),
    (dict(e0_shift=np.array([0.0, 0.0, 10.5])), "e0_shift", "trekk 2 er 10,5; må ligge mellom −10,0 og 10,0 \\(år\\)"),
    (dict(e0_shift=np.array([-11.0, 0.0, 0.0])), "e0_shift", "må ligge mellom"),
    (dict(tfr_factor=np.ones((3, 1))), "tfr_factor", "endimensjonal"),
    (dict(tfr_factor=[], e0_shift=[], migration_factor=[]), "tfr_factor", "minst ett trekk"),
    (dict(tfr_factor=["en", "to", "tre"]), "tfr_factor", "med tall"),
])
def test_bad_draws_are_refused_in_bokmaal(change, key, message):
    kw = {**ones(3), **change}
    with pytest.raises(InputError, match=f"^population_draws: {key}: .*{message}"):
        d.population_draws("3201", **kw)


def test_ssb_scenarios_are_refused():
    with pytest.raises(InputError, match="SSBs framskriving brukes som den er"):
        d.population_draws("4003", "ssb_mmmm", 2040, **ones(2))


def test_many_draws_in_blocks_equal_the_draws_alone():
    """Runs of more than 2 × engine.BLOCK draws go in blocks (for the CPU cache); each draw's
    numbers are those it gets in a small run."""
    from planmodel.population import engine

    D = 2 * engine.BLOCK + 5
    rng = np.random.default_rng(3)
    tf, es, mf = rng.uniform(0.7, 1.3, D), rng.uniform(-4, 4, D), rng.uniform(0.3, 1.7, D)
    es[::7], tf[::5], mf[::3] = 0.0, 1.0, 1.0
    pop = d.population_draws("4648", "main", 2035, tfr_factor=tf, e0_shift=es, migration_factor=mf)
    ref = d.population_for("4648", "main", 2035).values
    exact = (es == 0) & (tf == 1) & (mf == 1)
    assert exact.sum() > 10
    np.testing.assert_array_equal(pop.values[..., exact], np.repeat(ref[..., None], exact.sum(), axis=-1))
    for k in [0, 1, engine.BLOCK - 1, engine.BLOCK, D - 1]:
        one = d.population_draws("4648", "main", 2035, tfr_factor=tf[[k]], e0_shift=es[[k]], migration_factor=mf[[k]])
        np.testing.assert_allclose(pop.values[..., k], one.values[..., 0], rtol=1e-12)
