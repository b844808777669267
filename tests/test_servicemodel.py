"""Service demand, options, capacity, costs and workforce: hand-checked numbers and properties.

The hand-checked tests use ``tests/fixtures/services/mini.yaml`` (round numbers) and a fixed
population of 200 ten-year-olds, 100 forty-year-olds and 100 eighty-year-olds in every year
2026–2030.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.ages import AGES, SEXES
from planmodel.services.calibration import Calibration
from planmodel.services.demand import ServiceOptions, compute_demand
from planmodel.core.errors import InputError
from planmodel.services.servicemodel import service_results
from planmodel.inputs.catalogue import load_catalogue

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
YEARS = np.arange(2026, 2031)


@pytest.fixture(scope="module")
def mini():
    return load_catalogue(MINI)


def population(n80=100.0, n10=200.0, n40=100.0, years=YEARS, growth=1.0):
    vals = np.zeros((years.size, AGES.size, 2))
    vals[:, 80, :] = n80 / 2
    vals[:, 10, :] = n10 / 2
    vals[:, 40, :] = n40 / 2
    vals = vals * (growth ** np.arange(years.size))[:, None, None]
    return xr.DataArray(vals, coords={"year": years, "age": AGES, "sex": list(SEXES)}, dims=("year", "age", "sex"))


def run(mini, options=ServiceOptions(), pop=None):
    pop = population() if pop is None else pop
    return service_results(pop, mini, catalogue_calibration(mini.arrays()["coverage"]), options)


def catalogue_calibration(coverage) -> Calibration:
    """A calibration with the catalogue's own coverage and unit costs (no kommune data)."""
    return Calibration(coverage, table=pd.DataFrame(), kommune="test", kostra_year=2025)


def test_users_costs_and_fte_by_hand(mini):
    ds = run(mini).sel(year=2026)
    assert ds.users.sel(service="skole") == pytest.approx(200)
    assert ds.users.sel(service="hjemme") == pytest.approx(20)  # 0.2 x 100
    assert ds.users.sel(service="sykehjem") == pytest.approx(10)
    assert ds.users.sel(service="dagsenter") == pytest.approx(5)
    # NOK 1000: 200 x 100 000, 20 x 200 000, 10 x 1 000 000, 5 x 100 000
    assert ds.cost.sel(service=["skole", "hjemme", "sykehjem", "dagsenter"]).values == pytest.approx([20_000, 4_000, 10_000, 500])
    assert ds.cost_sector.sel(sector="omsorg") == pytest.approx(14_500)
    assert ds.fte_sector.sel(sector=["omsorg", "oppvekst"]).values == pytest.approx([14.5, 20.0])
    assert ds.users_by_level.sel(care_level=[2, 4]).values == pytest.approx([20, 10])
    assert ds.retirements.sel(sector="omsorg") == pytest.approx(14.5 * 0.2 * 0.1)
    assert ds.cost.attrs["units"] == "NOK 1000, 2025 prices"


def test_high_threshold_by_hand(mini):
    ds = run(mini, ServiceOptions(threshold=1.0))
    # light at once from 2027: 20 x (1 - 0.2) = 16; heavy phased in over 2 years: 10 x 1.05, 10 x 1.1
    assert ds.users.sel(service="hjemme", year=2027) == pytest.approx(16)
    assert ds.demand.sel(service="sykehjem", year=[2027, 2028]).values == pytest.approx([10.5, 11.0])
    # capacity = base-year places (10): the rest waits
    assert ds.queue.sel(capacity_group="inst", year=[2026, 2027, 2028]).values == pytest.approx([0, 0.5, 1.0])
    # unmet need = served at the lowest threshold (20 x 1.2 = 24) minus served now (16)
    assert ds.unmet_need.sel(threshold_group="eldre", year=2027) == pytest.approx(8)
    assert ds.unmet_need.sel(year=2026).values == pytest.approx([0.0])


def test_narrow_offer_drops_the_optional_service_and_its_effect(mini):
    ds = run(mini, ServiceOptions(breadth=-1.0))
    assert ds.users.sel(service="dagsenter", year=2027) == 0.0
    # losing the day centre raises sykehjem demand by 10 % after one year: 11, capacity 10
    assert ds.demand.sel(service="sykehjem", year=2027) == pytest.approx(11.0)
    assert ds.queue.sel(capacity_group="inst", year=2027) == pytest.approx(1.0)
    stepped = run(mini, ServiceOptions(breadth=-1.0, overflow="step_down")).sel(year=2027)
    assert stepped.queue.sel(capacity_group="inst") == 0.0
    assert stepped.stepped_down.sel(capacity_group="inst") == pytest.approx(1.0)
    assert stepped.users.sel(service="hjemme") == pytest.approx(21.0)
    # the stepped-down person costs what home care costs
    assert stepped.cost.sel(service="hjemme") == pytest.approx(21 * 200.0)
    broad = run(mini, ServiceOptions(breadth=1.0)).sel(year=2027)
    assert broad.users.sel(service="dagsenter") == pytest.approx(7.5)


def test_capacity_additions_open_places_and_empty_the_queue(mini):
    opts = ServiceOptions(threshold=1.0, capacity_additions={"inst": {2028: 1}})
    ds = run(mini, opts)
    assert ds.capacity.sel(capacity_group="inst", year=[2027, 2028, 2030]).values == pytest.approx([10, 11, 11])
    assert ds.queue.sel(capacity_group="inst", year=[2027, 2028]).values == pytest.approx([0.5, 0.0])


def test_demographic_cost_holds_coverage_and_standard(mini):
    ds = run(mini, ServiceOptions(threshold=1.0, breadth=-1.0), pop=population(growth=1.1))
    d = ds.demographic_cost_sector.sel(sector="omsorg")
    assert d.sel(year=2027) == pytest.approx(14_500 * 1.1)
    assert d.sel(year=2030) == pytest.approx(14_500 * 1.1**4)


def test_workforce_supply_follows_the_working_age_population(mini):
    pop = population()
    pop.loc[{"year": 2030, "age": 40}] = 100.0  # 20-66 grows from 100 to 200 in 2030
    ds = run(mini, pop=pop)
    assert ds.fte_supply.sel(sector="omsorg", year=2030) == pytest.approx(14.5 * 2)
    assert ds.fte_gap.sel(sector="omsorg", year=2030) == pytest.approx(14.5 - 29.0)


def test_mandatory_service_cannot_be_dropped(mini):
    with pytest.raises(InputError, match="dropped.sykehjem: Sykehjem er lovpålagt og kan ikke fjernes"):
        run(mini, ServiceOptions(dropped=("sykehjem",)))
    with pytest.raises(InputError, match="ukjent tjeneste 'kino'"):
        run(mini, ServiceOptions(dropped=("kino",)))


@pytest.mark.parametrize("options, match", [
    (ServiceOptions(threshold=1.5), r"threshold.\(alle\): 1.5 er utenfor \[-1, 1\]"),
    (ServiceOptions(threshold={"barn": 0.5}), "threshold.barn: ukjent tjenestegruppe; gyldige: eldre"),
    (ServiceOptions(breadth=-2.0), "breadth: -2.0 er utenfor"),
    (ServiceOptions(overflow="vent"), "overflow: 'vent'; gyldige: queue, step_down"),
    (ServiceOptions(base_capacity={"inst": -5}), "base_capacity.inst: -5: kapasiteten kan ikke være negativ"),
    (ServiceOptions(capacity_additions={"bolig": {2027: 5}}), "capacity_additions.bolig: ukjent kapasitetsgruppe"),
    (ServiceOptions(effect_bound="middels"), "effect_bound"),
])
def test_bad_options_are_refused(mini, options, match):
    with pytest.raises(InputError, match=match):
        run(mini, options)


# ----------------------------------------------------------------------------- properties

pops = st.builds(
    lambda seed, scale: _random_pop(seed, scale),
    st.integers(0, 2**32 - 1), st.floats(1.0, 5000.0))


def _random_pop(seed, scale):
    rng = np.random.default_rng(seed)
    vals = rng.uniform(0, scale, size=(YEARS.size, AGES.size, 2))
    return xr.DataArray(vals, coords={"year": YEARS, "age": AGES, "sex": list(SEXES)}, dims=("year", "age", "sex"))


@settings(max_examples=40, deadline=None)
@given(pops, st.floats(-1, 1), st.floats(-1, 1))
def test_a_higher_threshold_never_raises_users(pop, t1, t2):
    cat = load_catalogue()
    lo, hi = sorted([t1, t2])
    cov0 = cat.arrays()["coverage"]
    a = compute_demand(pop, cat, cov0, ServiceOptions(threshold=lo, base_capacity={"institusjon": 1e9, "heldogn_bolig": 1e9}))
    b = compute_demand(pop, cat, cov0, ServiceOptions(threshold=hi, base_capacity={"institusjon": 1e9, "heldogn_bolig": 1e9}))
    for g in cat.threshold_groups.values():
        members = list(g.light) + list(g.heavy)
        assert (b.users.sel(service=list(g.light)) <= a.users.sel(service=list(g.light)) + 1e-9).all()
        assert (b.users.sel(service=members).sum("service") <= a.users.sel(service=members).sum("service") + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(pops, st.floats(0.1, 10.0))
def test_demand_is_linear_in_population_at_fixed_coverage(pop, k):
    cat = load_catalogue()
    cov0 = cat.arrays()["coverage"]
    a = compute_demand(pop, cat, cov0, ServiceOptions())
    b = compute_demand(pop * k, cat, cov0, ServiceOptions())
    # demand is linear; users after capacity are not quite (today's places are whole places)
    np.testing.assert_allclose(b.demand.values, k * a.demand.values, rtol=1e-9, atol=1e-9)
    free = [s for s in cat.ids if cat.services[s].capacity_group is None]
    np.testing.assert_allclose(b.users.sel(service=free).values, k * a.users.sel(service=free).values, rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(pops, st.floats(-1, 0))
def test_narrowing_never_raises_an_optional_services_cost(pop, b):
    cat = load_catalogue()
    cov0 = cat.arrays()["coverage"]
    cal = catalogue_calibration(cov0)
    base = service_results(pop, cat, cal, ServiceOptions())
    narrow = service_results(pop, cat, cal, ServiceOptions(breadth=b))
    optional = [s for s, v in cat.services.items() if v.breadth is not None]
    assert (narrow.cost.sel(service=optional) <= base.cost.sel(service=optional) + 1e-9).all()
    dropped = service_results(pop, cat, cal, ServiceOptions(dropped=("fritidsklubb",)))
    assert float(dropped.cost.sel(service="fritidsklubb").isel(year=slice(1, None)).max()) == 0.0


@settings(max_examples=30, deadline=None)
@given(pops, st.floats(-1, 1), st.floats(-1, 1), st.sampled_from(["queue", "step_down"]),
       st.floats(0, 2000), st.integers(-500, 500))
def test_capacity_and_queue_are_never_negative(pop, t, b, overflow, base_places, added):
    cat = load_catalogue()
    cov0 = cat.arrays()["coverage"]
    opts = ServiceOptions(threshold=t, breadth=b, overflow=overflow, base_capacity={"institusjon": base_places},
                          capacity_additions={"institusjon": {2028: added}})
    ds = compute_demand(pop, cat, cov0, opts)
    assert (ds.capacity >= 0).all() and (ds.queue >= 0).all() and (ds.stepped_down >= 0).all()
    assert (ds.users >= -1e-9).all()
    served = ds.users.sel(service=list(cat.capacity_groups["institusjon"].services)).sum("service")
    after_base = served["year"] > served["year"][0]  # the base year's users are all served
    assert (served.where(after_base, 0) <= ds.capacity.sel(capacity_group="institusjon") + 1e-6).all()
    assert float(ds.queue.isel(year=0).max()) == 0.0


@settings(max_examples=30, deadline=None)
@given(pops, st.floats(-1, 1), st.floats(-1, 1))
def test_queue_is_zero_when_capacity_is_ample(pop, t, b):
    cat = load_catalogue()
    cov0 = cat.arrays()["coverage"]
    ample = {g: 1e12 for g in cat.capacity_groups}
    ds = compute_demand(pop, cat, cov0, ServiceOptions(threshold=t, breadth=b, base_capacity=ample))
    assert float(ds.queue.max()) == 0.0
    xr.testing.assert_allclose(ds.users, ds.demand)


def test_kommune_staff_profile_overrides_the_assumption():
    from planmodel.services.servicemodel import run_services

    own = {"helse_og_omsorg": [0.1, 0.2, 0.2, 0.2, 0.3]}
    a = run_services("3201", end_year=2030)
    b = run_services("3201", end_year=2030, staff_profile=own)
    ratio = b.retirements.sel(sector="helse_og_omsorg") / a.retirements.sel(sector="helse_og_omsorg")
    np.testing.assert_allclose(ratio.values, 0.3 / 0.13)
    with pytest.raises(InputError, match="staff_age_profile: helse_og_omsorg: forventet 5 andeler"):
        run_services("3201", end_year=2030, staff_profile={"helse_og_omsorg": [0.5, 0.5]})


def test_run_services_carries_the_same_waiting_cost_as_the_plan():
    """One home for the waiting cost: the service model alone reports ``ventekostnad`` (not in its
    sector costs) with the same formula and the kommune's own unit costs as the økonomiplan."""
    from planmodel.model.chain import run as run_plan
    from planmodel.inputs.scenario import PlanScenario
    from planmodel.services.servicemodel import run_services

    ds = run_services("3201", options=ServiceOptions(overflow="step_down"), end_year=2040)
    plan = run_plan(PlanScenario(behovsanalyse=False, overflow="step_down"))
    np.testing.assert_allclose(ds.ventekostnad.values, plan.ventekostnad.values, rtol=1e-12)
    assert float(ds.ventekostnad.sel(year=2040).sum()) > 0
    assert ds.ventekostnad.attrs["units"] == "NOK 1000, 2025 prices"
