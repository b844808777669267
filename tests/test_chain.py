"""The chain (planmodel.model.chain) and what a result knows about itself (planmodel.model.result):
coordinates and attrs written by ``run``, the ``ds.plan`` accessor (also on a hand-modified copy),
the økonomiplan identity in every year, the sector frames as the sum of their parts,
``prepare``/``assemble`` equal to ``run``, and the shared read-only population.

Small scenarios: Bærum (3201) as it is, Bærum with one tiltak, and Utsira (1151, about 200
inhabitants) with a higher terskel for omsorg, a narrower tilbud, a three-year plan and the
horizon 2035.
"""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.errors import InputError
from planmodel.model import AMOUNT_TOLERANCE, assemble, prepare, run
from planmodel.inputs.scenario import MeasureChoice, PlanScenario

BAERUM = PlanScenario(kommune="3201")
UTSIRA = PlanScenario(id="utsira", title="Utsira", kommune="Utsira", threshold={"omsorg": 0.5}, breadth=-0.5,
                      plan_years=3, horizon=2035)
TILTAK = PlanScenario(id="tiltak", title="Med tiltak", kommune="3201",
                      measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
#: Money is NOK 1000; identities hold to a krone (0.001) and better.
ATOL = 1e-6


@pytest.fixture(scope="module")
def baerum():
    return run(BAERUM)


@pytest.fixture(scope="module")
def utsira():
    return run(UTSIRA)


@pytest.fixture(scope="module")
def tiltak():
    return run(TILTAK)


@pytest.fixture(scope="module", params=["baerum", "utsira", "tiltak"])
def any_result(request):
    return request.getfixturevalue(request.param)


# ---------------------------------------------------------------- coordinates and attrs

def test_coordinates_of_a_run(baerum, utsira):
    assert baerum.plan.all_years == list(range(2026, 2041))
    assert [int(y) for y in baerum.year[baerum.plan_year]] == [2027, 2028, 2029, 2030]
    assert utsira.plan.all_years == list(range(2026, 2036))
    assert [int(y) for y in utsira.year[utsira.plan_year]] == [2027, 2028, 2029]
    # the terskel per threshold group is a coordinate
    assert dict(zip(utsira.threshold_group.values, utsira.threshold.values)) == {"omsorg": 0.5, "barnevern": 0.0}
    assert utsira.threshold.attrs["long_name"] == "Terskel"
    assert baerum.population.dims == ("year", "age", "sex") and baerum.sizes["age"] == 106
    assert baerum.sizes["measure"] == 0


def test_attrs_record_the_inputs(baerum, utsira):
    a = utsira.attrs
    assert (a["kommune"], a["kommune_name"]) == ("1151", "Utsira")
    assert a["scenario"] == "utsira" and a["scenario_title"] == "Utsira"
    assert a["scenario_fingerprint"] == UTSIRA.fingerprint
    assert (a["base_year"], a["plan_start"], a["plan_years"], a["plan_period"], a["horizon"]) == \
        (2026, 2027, 3, "2027–2029", 2035)
    assert a["breadth"] == -0.5 and a["dropped"] == "" and a["overflow"] == "queue" and a["effect_bound"] == "value"
    assert a["price_year"] == 2025 and a["money_units"] == "NOK 1000, 2025 prices"
    assert a["target_share"] == pytest.approx(0.0175)
    assert baerum.attrs["kommune"] == "3201" and baerum.attrs["scenario_fingerprint"] == BAERUM.fingerprint
    assert baerum.attrs["plan_period"] == "2027–2030" and baerum.attrs["breadth"] == 0.0
    assert baerum.netto_driftsresultat.attrs["units"] == "NOK 1000, 2025 prices"


def test_a_later_plan_start_moves_the_plan_years_not_the_numbers(baerum):
    """plan.start (a later økonomiplan) marks other plan years; the projection and every amount
    stay the same, so the key numbers of a year do not depend on the plan period chosen."""
    later = run(PlanScenario(kommune="3201", plan_start=2029))
    assert later.plan.years == [2029, 2030, 2031, 2032] and later.attrs["plan_period"] == "2029–2032"
    assert later.attrs["plan_start"] == 2029 and later.plan.base_year == 2026
    for var in ("netto_driftsresultat", "inndekningsbehov", "fte_gap", "population"):
        np.testing.assert_array_equal(later[var].values, baerum[var].values, err_msg=var)


# ------------------------------------------------------------------------- ds.plan

def test_plan_accessor_reads_what_the_run_recorded(baerum, utsira):
    p = utsira.plan
    assert p.years == [2027, 2028, 2029] and (p.first, p.last, p.period_text) == (2027, 2029, "2027–2029")
    assert p.base_year == 2026 and p.horizon == 2035
    assert p.judged_years == list(range(2027, 2036))
    assert p.later_years == list(range(2030, 2036))
    assert p.threshold == {"omsorg": 0.5, "barnevern": 0.0} and p.higher_threshold == ["omsorg"]
    assert p.breadth == -0.5 and p.narrower
    assert (p.kommune, p.kommune_name, p.price_year) == ("1151", "Utsira", 2025)
    assert p.fingerprint == UTSIRA.fingerprint and p.target_share == pytest.approx(0.0175)
    b = baerum.plan
    assert b.years == [2027, 2028, 2029, 2030] and b.horizon == 2040 and not b.narrower and b.higher_threshold == []


def test_below_norm_and_deficit_years_on_a_hand_modified_copy(baerum):
    ds = baerum.copy(deep=True)
    gap = np.zeros(ds.sizes["year"])
    gap[ds.plan.all_years.index(2028)] = AMOUNT_TOLERANCE + 0.1  # above the tolerance: below the norm
    gap[ds.plan.all_years.index(2029)] = AMOUNT_TOLERANCE  # at the tolerance: balance
    gap[ds.plan.all_years.index(2035)] = 100.0
    gap[0] = 100.0  # the base year is never judged
    ds["inndekningsbehov"] = ("year", gap)
    assert ds.plan.below_norm() == [2028, 2035]
    assert ds.plan.below_norm([2026, 2028, 2029]) == [2026, 2028]
    ndr = np.full(ds.sizes["year"], 10.0)
    ndr[ds.plan.all_years.index(2027)] = -(AMOUNT_TOLERANCE + 0.1)
    ndr[ds.plan.all_years.index(2030)] = -AMOUNT_TOLERANCE
    ndr[ds.plan.all_years.index(2040)] = -1e6
    ds["netto_driftsresultat"] = ("year", ndr)
    assert ds.plan.deficit_years() == [2027, 2040]
    # a shorter horizon judges fewer years; a horizon outside the result falls back to its last year
    ds.attrs["horizon"] = 2030
    assert ds.plan.judged_years == [2027, 2028, 2029, 2030] and ds.plan.deficit_years() == [2027]
    ds.attrs["horizon"] = 2099
    assert ds.plan.horizon == 2040
    # the original is untouched
    assert baerum.plan.horizon == 2040 and float(baerum.inndekningsbehov.sel(year=2026)) != 100.0


def test_plan_accessor_on_something_that_is_not_a_run():
    ds = xr.Dataset({"x": ("year", [1.0, 2.0])}, coords={"year": [2026, 2027]})
    assert ds.plan.all_years == [2026, 2027] and ds.plan.base_year == 2026 and ds.plan.horizon == 2027
    with pytest.raises(InputError) as err:
        _ = ds.plan.years
    assert str(err.value) == "resultat: plan_year: mangler; bruk resultatet av planmodel.run()"
    with pytest.raises(InputError, match="resultat: target_share: mangler"):
        _ = ds.plan.target_share


def test_plan_accessor_reads_scenario_coordinates_of_a_comparison(baerum, utsira):
    # what compare() does: inputs that differ become scenario_<name> coordinates
    ds = baerum.copy()
    del ds.attrs["breadth"]
    del ds.attrs["kommune"]
    ds = ds.assign_coords(scenario_breadth=-0.5, scenario_kommune="1151")
    assert ds.plan.breadth == -0.5 and ds.plan.kommune == "1151"
    assert baerum.plan.breadth == 0.0 and baerum.plan.kommune == "3201"  # the run itself is untouched


# --------------------------------------------------------------------- the økonomiplan

def test_netto_driftsresultat_identity_in_every_year(any_result):
    ds = any_result
    rhs = (ds.frie_inntekter - ds.netto_driftsutgifter_sektorer - ds.ovrige_netto_driftsutgifter
           - ds.renter - ds.avdrag)
    np.testing.assert_allclose(ds.netto_driftsresultat.values, rhs.values, atol=ATOL, rtol=0)
    np.testing.assert_allclose(ds.netto_driftsresultat_andel.values,
                               (ds.netto_driftsresultat / ds.driftsinntekter).values, rtol=1e-12)
    # the gap is the distance to the target, never negative
    gap = np.maximum(ds.resultatmal - ds.netto_driftsresultat, 0.0)
    np.testing.assert_allclose(ds.inndekningsbehov.values, gap.values, atol=ATOL, rtol=0)
    np.testing.assert_allclose(ds.resultatmal.values, ds.plan.target_share * ds.driftsinntekter.values, rtol=1e-12)


def test_sector_frames_are_the_sum_of_their_parts(any_result):
    ds = any_result
    parts = ds.sektor_basis + ds.sektor_demografi + ds.sektor_valg + ds.sektor_tiltak_effekt + ds.sektor_tiltak_drift
    np.testing.assert_allclose(ds.sektor_ramme.values, parts.transpose(*ds.sektor_ramme.dims).values, atol=ATOL, rtol=0)
    np.testing.assert_allclose(ds.netto_driftsutgifter_sektorer.values, ds.sektor_ramme.sum("sector").values,
                               atol=ATOL, rtol=0)
    # in the base year the frame is the base frame: no demography, option or tiltak yet
    base = ds.isel(year=0)
    for part in ("sektor_demografi", "sektor_valg", "sektor_tiltak_effekt", "sektor_tiltak_drift"):
        np.testing.assert_allclose(base[part].values, 0.0, atol=ATOL)
    np.testing.assert_allclose(ds.sektor_demografikostnad.values, (ds.sektor_basis + ds.sektor_demografi).values,
                               atol=ATOL)


def test_tiltak_operating_lands_in_its_sector(tiltak, baerum):
    by_sector = tiltak.tiltak_drift.groupby(tiltak.measure_sector).sum("measure")
    assert list(tiltak.measure.values) == ["hverdagsrehabilitering"]
    assert tiltak.measure_start.values.tolist() == [2027] and tiltak.measure_end.values.tolist() == [-1]
    np.testing.assert_allclose(tiltak.sektor_tiltak_drift.sel(sector="helse_og_omsorg").values,
                               by_sector.sel(measure_sector="helse_og_omsorg").values, atol=ATOL)
    assert float(tiltak.tiltak_drift.sel(year=2026).sum()) == 0.0 and float(tiltak.tiltak_drift.sel(year=2027).sum()) > 0
    # without tiltak those lines are zero, and the demographic line does not depend on them
    assert float(abs(baerum.sektor_tiltak_drift).max()) == 0.0 and float(abs(baerum.sektor_tiltak_effekt).max()) == 0.0
    np.testing.assert_allclose(tiltak.sektor_demografi.values, baerum.sektor_demografi.values, atol=ATOL)


def test_higher_terskel_lowers_the_option_line(baerum):
    high = run(PlanScenario(kommune="3201", threshold=1.0))
    hoo = "helse_og_omsorg"
    assert float(high.sektor_valg.sel(sector=hoo, year=2030)) < float(baerum.sektor_valg.sel(sector=hoo, year=2030))
    np.testing.assert_allclose(high.sektor_demografi.values, baerum.sektor_demografi.values, atol=ATOL)
    assert high.plan.threshold == {"omsorg": 1.0, "barnevern": 1.0} and high.plan.fingerprint != baerum.plan.fingerprint


@settings(max_examples=15, deadline=None)
@given(st.floats(-1, 1), st.floats(-1, 1), st.sampled_from(["queue", "step_down"]), st.booleans())
def test_identities_hold_for_any_choice(threshold, breadth, overflow, behovsanalyse):
    ds = run(PlanScenario(kommune="1151", threshold=threshold, breadth=breadth, overflow=overflow,
                          behovsanalyse=behovsanalyse, horizon=2032))
    rhs = ds.frie_inntekter - ds.netto_driftsutgifter_sektorer - ds.ovrige_netto_driftsutgifter - ds.renter - ds.avdrag
    np.testing.assert_allclose(ds.netto_driftsresultat.values, rhs.values, atol=ATOL, rtol=0)
    parts = ds.sektor_basis + ds.sektor_demografi + ds.sektor_valg + ds.sektor_tiltak_effekt + ds.sektor_tiltak_drift
    np.testing.assert_allclose(ds.sektor_ramme.values, parts.transpose(*ds.sektor_ramme.dims).values, atol=ATOL, rtol=0)
    assert (ds.users >= -1e-9).all() and (ds.queue >= 0).all() and (ds.inndekningsbehov >= 0).all()
    assert ds.plan.threshold == {"omsorg": threshold, "barnevern": threshold} and ds.plan.breadth == breadth


# ---------------------------------------------------------------- prepare / assemble

def test_prepare_then_assemble_is_run(utsira):
    p = prepare(UTSIRA)
    assert p.scenario is UTSIRA and p.years.tolist() == list(range(2026, 2036))
    xr.testing.assert_identical(assemble(p), utsira)
    # assembling twice from one preparation gives the same again
    xr.testing.assert_identical(assemble(p), assemble(p))


def test_runs_are_deterministic(baerum):
    xr.testing.assert_identical(run(BAERUM), baerum)


# ------------------------------------------------------------------ shared population

def test_population_is_shared_read_only(baerum):
    other = run(PlanScenario(kommune="3201", threshold=0.5))
    assert np.shares_memory(baerum.population.values, other.population.values)
    assert not baerum.population.values.flags.writeable
    with pytest.raises(ValueError):
        baerum.population.values[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        baerum["population"][0, 0, 0] = 1.0
    # a deep copy is the caller's own
    mine = baerum.population.copy(deep=True)
    mine[0, 0, 0] = -1.0
    assert float(baerum.population[0, 0, 0]) >= 0.0
    # the attrs are per result: changing them does not leak into the next run
    baerum_attrs = dict(other.attrs)
    other.attrs["kommune_name"] = "Endret"
    assert run(PlanScenario(kommune="3201", threshold=0.5)).attrs["kommune_name"] == baerum_attrs["kommune_name"]


def test_fewer_stated_places_than_base_year_users_cost_nothing_in_the_base_year_and_are_built_after():
    """Bergen states 2 300 sykehjem places against 2 389 users in the base year: the base year is
    still the accounts (nobody waits, the frames are the basis'), the behovsanalyse builds the
    difference in the first plan year, and no base-year difference is carried into later frames
    (it was counted in every year's frame before)."""
    basis = run(PlanScenario(kommune="4601"))
    users0 = float(basis["plasser_eksisterende"].sel(place_type="institusjon"))
    own = run(PlanScenario(kommune="4601", existing_places={"institusjon": users0 - 89}))
    assert float(own["queue"].sel(capacity_group="institusjon").isel(year=0)) == 0.0
    np.testing.assert_allclose(own["sektor_ramme"].sel(year=[2026, 2027]).values,
                               basis["sektor_ramme"].sel(year=[2026, 2027]).values, atol=1e-6)
    assert float(own["netto_driftsresultat"].sel(year=2026)) == pytest.approx(
        float(basis["netto_driftsresultat"].sel(year=2026)))
    built = own["plasser_nye"].sel(place_type="institusjon", year=2027) - \
        basis["plasser_nye"].sel(place_type="institusjon", year=2027)
    assert float(built) >= 89


def test_places_added_by_hand_count_in_the_behovsanalyse_and_are_not_built_twice():
    """Bærum adds 24 sykehjem places in 2028 by hand: with the behovsanalyse on, the analysis builds
    only what is still needed (over the horizon the total of hand-added and planned places is the
    basis' total, up to one block), the plasser table shows the hand-added places, and the
    investment in planned places falls accordingly."""
    basis = run(PlanScenario(kommune="3201"))
    hand = run(PlanScenario(kommune="3201", capacity_additions={"institusjon": {2028: 24}}))
    inst = dict(place_type="institusjon")
    planned_basis = float(basis["plasser_nye"].sel(**inst).sum())
    planned_hand = float(hand["plasser_nye"].sel(**inst).sum())
    block = float(basis["plasser_blokk"].sel(**inst))
    assert planned_hand + 24 == pytest.approx(planned_basis, abs=block)
    assert planned_hand < planned_basis
    cap_basis = basis["plasser"].sel(**inst)
    cap_hand = hand["plasser"].sel(**inst)
    assert float(cap_hand.sel(year=2028)) >= float(hand["capacity"].sel(capacity_group="institusjon", year=2028)) - 1e-9
    assert float(cap_hand.sel(year=2040)) == pytest.approx(float(cap_basis.sel(year=2040)), abs=block)
    # without the behovsanalyse the hand-added places are still places
    wait = run(PlanScenario(kommune="3201", behovsanalyse=False, capacity_additions={"institusjon": {2028: 24}}))
    assert float(wait["plasser"].sel(**inst, year=2028) - wait["plasser"].sel(**inst, year=2027)) == 24.0
