"""Service demand (planmodel.services.demand): coverage x population, breadth, threshold with its
phase-in, preventive effects, dropped services, unmet need, the capacity stage, option checks and
the catalogue index.

Hand-checked numbers use the mini catalogue (``tests/fixtures/services/mini.yaml``):

====================  =========  ========  ==========================================
service               ages       coverage  role
====================  =========  ========  ==========================================
skole                 6-15       1.0       mandatory, basis inhabitants
hjemme                80+        0.2       mandatory, light service of group ``eldre``
sykehjem              80+        0.1       mandatory, heavy (lag 2 years), capacity ``inst``
dagsenter             80+        0.05      optional: narrow = drop, broad +50 %; effect
                                           -0.1 on sykehjem per +100 % volume, lag 1 year
====================  =========  ========  ==========================================

Threshold group ``eldre``: lav terskel light +0.2 (0.1..0.3), heavy -0.1 (-0.2..0); høy terskel
light -0.2 (-0.3..-0.1), heavy +0.1 (0..0.2).

The population is 200 ten-year-olds and 100 eighty-year-olds (half of each sex) in every year
2026-2030, so in the base year: skole 200, hjemme 20, sykehjem 10, dagsenter 5 users.
"""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.ages import AGES, SEXES
from planmodel.core.errors import InputError
from planmodel.core.lead import Lead
from planmodel.core.values import Value
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.library import Measure, MeasureEffect
from planmodel.services.demand import (CatalogueIndex, ServiceOptions, apply_capacity, compute_demand,
                                       demand_arrays, validate_options)
from planmodel.services.effects import measure_arrays

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
YEARS = np.arange(2026, 2031)
S = {"skole": 0, "hjemme": 1, "sykehjem": 2, "dagsenter": 3}  # row of each service in the mini catalogue
TOL = 1e-9


@pytest.fixture(scope="module")
def mini():
    return load_catalogue(MINI)


def population(n10=200.0, n80=100.0, years=YEARS, growth=1.0) -> xr.DataArray:
    vals = np.zeros((years.size, AGES.size, 2))
    vals[:, 10, :] = n10 / 2
    vals[:, 80, :] = n80 / 2
    vals = vals * (growth ** np.arange(years.size))[:, None, None]
    return xr.DataArray(vals, coords={"year": years, "age": AGES, "sex": list(SEXES)}, dims=("year", "age", "sex"))


def demand(mini, options=None, pop=None, measures=None, capacity=True):
    options = ServiceOptions() if options is None else options
    pop = population() if pop is None else pop
    return demand_arrays(pop, mini, mini.arrays()["coverage"], options, measures=measures, capacity=capacity)


def users(d, sid, n=0) -> np.ndarray:
    """Served users of one service by year (Y,) in lead column n."""
    return d.by_age[S[sid]].sum(axis=0)[:, n]


def mini_variant(tmp_path, old, new):
    """The mini catalogue with one text replaced (a new file, so a new fingerprint)."""
    src = MINI.read_text(encoding="utf-8")
    assert old in src
    path = tmp_path / "variant.yaml"
    path.write_text(src.replace(old, new, 1), encoding="utf-8")
    return load_catalogue(path)


# ------------------------------------------------------------------ coverage x population

def test_base_users_are_coverage_times_population(mini):
    d = demand(mini)
    assert d.demand.shape == (4, YEARS.size, 1)
    # 200 x 1.0, 100 x 0.2, 100 x 0.1, 100 x 0.05 in every year (no options, flat population)
    np.testing.assert_allclose(d.demand[:, :, 0], np.array([[200.0], [20.0], [10.0], [5.0]]) * np.ones(5), atol=TOL)
    # served users by age sit at the right ages
    assert d.by_age[S["hjemme"], 80, 0, 0] == pytest.approx(20.0)
    assert d.by_age[S["skole"], 10, 0, 0] == pytest.approx(200.0)
    assert d.by_age[S["hjemme"], 79].sum() == 0.0
    # population (A, Y, N) is both sexes together
    assert d.P[80, 0, 0] == pytest.approx(100.0) and d.P.sum(axis=0)[:, 0] == pytest.approx([300.0] * 5)
    np.testing.assert_array_equal(d.years, YEARS)


def test_population_without_sex_gives_the_same_users(mini):
    pop = population(growth=1.1)
    a = demand(mini, pop=pop)
    b = demand(mini, pop=pop.sum("sex"))
    np.testing.assert_allclose(b.demand, a.demand, rtol=1e-12)
    # growth 10 % a year: hjemme 20 x 1.1^4 = 29.282 in 2030
    assert users(a, "hjemme")[-1] == pytest.approx(20 * 1.1**4)


def test_compute_demand_dataset_carries_units_and_names(mini):
    ds = compute_demand(population(), mini, mini.arrays()["coverage"], ServiceOptions(threshold=1.0))
    assert ds.users.attrs["units"] == "persons" and ds.capacity.attrs["units"] == "places"
    assert list(ds.care_level.values) == [2, 4]
    assert ds.users_by_level.sel(care_level=2, year=2027) == pytest.approx(16.0)  # 20 x 0.8
    assert str(ds.capacity_group_name.sel(capacity_group="inst").values) == "Sykehjem"
    assert ds.unmet_need.sel(threshold_group="eldre", year=2027) == pytest.approx(8.0)


# ------------------------------------------------------------------------------ breadth

@pytest.mark.parametrize("breadth, dagsenter, sykehjem", [
    # narrow = drop (keep 0): B = 1 + b; effect on sykehjem = -0.1 x (B - 1) after one year
    (-1.0, 0.0, 11.0),
    (-0.5, 2.5, 10.5),
    (0.0, 5.0, 10.0),
    # broad: B = 1 + 0.5 b
    (0.5, 6.25, 9.75),
    (1.0, 7.5, 9.5),
])
def test_breadth_factor_and_its_preventive_effect_by_hand(mini, breadth, dagsenter, sykehjem):
    d = demand(mini, ServiceOptions(breadth=breadth, base_capacity={"inst": 100}))
    # the base year is today's practice
    assert users(d, "dagsenter")[0] == pytest.approx(5.0)
    assert users(d, "sykehjem")[0] == pytest.approx(10.0)
    assert users(d, "dagsenter")[1:] == pytest.approx([dagsenter] * 4)
    assert users(d, "sykehjem")[1:] == pytest.approx([sykehjem] * 4)
    # mandatory services have no breadth
    assert users(d, "hjemme") == pytest.approx([20.0] * 5)


def test_trim_keeps_the_keep_share(tmp_path):
    trim = mini_variant(tmp_path, "breadth: {narrow: drop, broad_extension: 0.5}",
                        "breadth: {narrow: trim, keep_share: 0.6, broad_extension: 0.2}")
    assert CatalogueIndex.of(trim).keep[S["dagsenter"]] == pytest.approx(0.6)
    narrow = demand(trim, ServiceOptions(breadth=-1.0))
    # B = 1 - (1 - 0.6) = 0.6 -> 3 users; sykehjem 10 x (1 - 0.1 x (0.6 - 1)) = 10.4
    assert users(narrow, "dagsenter")[1] == pytest.approx(3.0)
    assert narrow.demand[S["sykehjem"], 1, 0] == pytest.approx(10.4)
    half = demand(trim, ServiceOptions(breadth=-0.5))
    assert users(half, "dagsenter")[1] == pytest.approx(5 * (1 - 0.5 * 0.4))  # 4.0
    broad = demand(trim, ServiceOptions(breadth=1.0))
    assert users(broad, "dagsenter")[1] == pytest.approx(6.0)  # 5 x 1.2


def test_trim_without_keep_share_keeps_half(tmp_path):
    trim = mini_variant(tmp_path, "breadth: {narrow: drop, broad_extension: 0.5}",
                        "breadth: {narrow: trim, broad_extension: 0.5}")
    d = demand(trim, ServiceOptions(breadth=-1.0))
    assert users(d, "dagsenter")[1] == pytest.approx(2.5)


def test_dropped_service_goes_to_zero_after_the_base_year_and_loses_its_effect(mini):
    d = demand(mini, ServiceOptions(dropped=("dagsenter",)))
    assert users(d, "dagsenter") == pytest.approx([5.0, 0, 0, 0, 0])
    # same as the narrowest offer: +10 % sykehjem after the one-year lag, 11 wanted, 10 places
    assert d.demand[S["sykehjem"], :, 0] == pytest.approx([10.0, 11.0, 11.0, 11.0, 11.0])
    assert d.queue[0, :, 0] == pytest.approx([0.0, 1.0, 1.0, 1.0, 1.0])
    # dropped wins over a broad offer
    broad = demand(mini, ServiceOptions(breadth=1.0, dropped=("dagsenter",)))
    assert users(broad, "dagsenter")[1:] == pytest.approx([0.0] * 4)


# ---------------------------------------------------------------------------- threshold

@pytest.mark.parametrize("theta, hjemme, sykehjem_2027, sykehjem_2028, unmet", [
    # light from the first plan year: 20 x (1 + l(theta)); heavy 10 x (1 + h(theta) r), r = 0.5, 1
    (-1.0, 24.0, 9.5, 9.0, 0.0),
    (-0.5, 22.0, 9.75, 9.5, 2.0),
    (0.0, 20.0, 10.0, 10.0, 4.0),
    (0.5, 18.0, 10.25, 10.5, 6.0),
    (1.0, 16.0, 10.5, 11.0, 8.0),
])
def test_threshold_light_at_once_heavy_over_the_lag(mini, theta, hjemme, sykehjem_2027, sykehjem_2028, unmet):
    d = demand(mini, ServiceOptions(threshold=theta))
    assert users(d, "hjemme") == pytest.approx([20.0] + [hjemme] * 4)
    sh = d.demand[S["sykehjem"], :, 0]
    assert sh == pytest.approx([10.0, sykehjem_2027, sykehjem_2028, sykehjem_2028, sykehjem_2028])
    # unmet need = light users at theta = -1 (24) minus light users now; 0 in the base year
    assert d.unmet[0, :, 0] == pytest.approx([0.0] + [unmet] * 4)
    # services outside the group do not move
    assert users(d, "skole") == pytest.approx([200.0] * 5)


def test_threshold_per_group_mapping_and_default_for_unnamed_groups(mini):
    a = demand(mini, ServiceOptions(threshold={"eldre": 1.0}))
    b = demand(mini, ServiceOptions(threshold=1.0))
    np.testing.assert_allclose(a.demand, b.demand)
    empty = demand(mini, ServiceOptions(threshold={}))
    assert users(empty, "hjemme") == pytest.approx([20.0] * 5)


@pytest.mark.parametrize("bound, hjemme, sykehjem_2028", [
    # at theta = 1: high light -0.2 (weak -0.1, strong -0.3); high heavy 0.1 (weak 0, strong 0.2)
    ("value", 16.0, 11.0),
    ("weak", 18.0, 10.0),
    ("strong", 14.0, 12.0),
])
def test_effect_bound_picks_the_end_of_the_range(mini, bound, hjemme, sykehjem_2028):
    d = demand(mini, ServiceOptions(threshold=1.0, effect_bound=bound))
    assert users(d, "hjemme")[1] == pytest.approx(hjemme)
    assert d.demand[S["sykehjem"], 2, 0] == pytest.approx(sykehjem_2028)


def test_effect_bound_also_moves_the_preventive_effect(mini):
    # dagsenter dropped: sykehjem +10 % (value), +20 % (strong: -0.2 is farthest from 0), 0 (weak)
    for bound, expected in (("value", 11.0), ("strong", 12.0), ("weak", 10.0)):
        d = demand(mini, ServiceOptions(breadth=-1.0, effect_bound=bound))
        assert d.demand[S["sykehjem"], 1, 0] == pytest.approx(expected), bound


def test_unmet_need_at_lav_terskel_uses_the_lav_change_of_the_bound(mini):
    # weak: lav terskel light change +0.1 -> 22 light users at theta = -1; at theta = 1 (weak -0.1): 18
    d = demand(mini, ServiceOptions(threshold=1.0, effect_bound="weak"))
    assert d.unmet[0, 1, 0] == pytest.approx(22.0 - 18.0)


def test_threshold_and_breadth_as_dimensions_broadcast(mini):
    th = xr.DataArray([-1.0, 0.0, 1.0], dims="threshold_option", coords={"threshold_option": ["lav", "dag", "hoy"]})
    br = xr.DataArray([-1.0, 1.0], dims="breadth_option", coords={"breadth_option": ["smalt", "bredt"]})
    d = demand(mini, ServiceOptions(threshold=th, breadth=br, base_capacity={"inst": 100}))
    # lead axis: breadth first (the order Lead.of meets them), threshold second
    assert d.lead.dims == ("breadth_option", "threshold_option") and d.lead.n == 6
    assert d.demand.shape == (4, 5, 6)
    hjemme = d.by_age[S["hjemme"]].sum(axis=0)[1].reshape(2, 3)
    np.testing.assert_allclose(hjemme, [[24, 20, 16], [24, 20, 16]])
    dagsenter = d.by_age[S["dagsenter"]].sum(axis=0)[1].reshape(2, 3)
    np.testing.assert_allclose(dagsenter, [[0, 0, 0], [7.5, 7.5, 7.5]])
    # sykehjem 2028: (1 + h(theta)) x (1 - 0.1 (B - 1)): smalt/lav 1.1 x 0.9 = 0.99 -> 9.9
    sh = d.demand[S["sykehjem"], 2].reshape(2, 3)
    np.testing.assert_allclose(sh, 10 * np.outer([1.1, 0.95], [0.9, 1.0, 1.1]))
    ds = compute_demand(population(), mini, mini.arrays()["coverage"], ServiceOptions(threshold=th, breadth=br))
    assert ds.users.dims == ("service", "year", "breadth_option", "threshold_option")
    assert float(ds.users.sel(service="hjemme", year=2027, threshold_option="hoy", breadth_option="bredt")) \
        == pytest.approx(16.0)


def test_coverage_factors_multiply_coverage(mini):
    f = xr.DataArray(np.ones((4, YEARS.size)), dims=("service", "year"),
                     coords={"service": mini.ids, "year": YEARS})
    f.loc[{"service": "hjemme", "year": [2029, 2030]}] = 1.5
    d = demand(mini, ServiceOptions(coverage_factors=f))
    assert users(d, "hjemme") == pytest.approx([20, 20, 20, 30, 30])
    # a share above 1 for a users-basis service is refused, naming the service
    f.loc[{"service": "hjemme"}] = 6.0  # 0.2 x 6 = 1.2
    with pytest.raises(InputError, match=r"services\.hjemme: valgene gir en dekningsgrad utenfor \[0, 1\]"):
        demand(mini, ServiceOptions(coverage_factors=f))


def test_inhabitant_basis_may_exceed_one(mini):
    f = xr.DataArray(np.ones((4, YEARS.size)), dims=("service", "year"), coords={"service": mini.ids, "year": YEARS})
    f.loc[{"service": "skole"}] = 1.5  # skole counts inhabitants: 1.5 per child is a cost factor, not an error
    d = demand(mini, ServiceOptions(coverage_factors=f))
    assert users(d, "skole") == pytest.approx([300.0] * 5)


# ------------------------------------------------------------------------ with tiltak

def _measure(kind, service, change, **kw):
    eff = MeasureEffect(kind=kind, service=service, change=Value(change, "assumption", "test"),
                        to_service=kw.pop("to_service", None))
    return Measure(id=f"m_{kind}_{service}", title="t", sector="omsorg", delmal=("X",), ansvar="t", scale="fixed",
                   investment={}, operating={}, effects=(eff,), start=2027, **kw)


def test_measure_coverage_and_shift_by_hand(mini):
    # a tiltak that doubles dagsenter use from 2027: its preventive effect sees the volume (x2)
    ma = measure_arrays([_measure("coverage", "dagsenter", 1.0)], mini, YEARS, 300.0)
    d = demand(mini, measures=ma, options=ServiceOptions(base_capacity={"inst": 100}))
    assert users(d, "dagsenter") == pytest.approx([5, 10, 10, 10, 10])
    assert users(d, "sykehjem") == pytest.approx([10, 9, 9, 9, 9])  # 10 x (1 - 0.1 x (2 - 1))
    # moving 30 % of sykehjem users to hjemme (LEON): 7 and 23 from 2027, total kept
    ma = measure_arrays([_measure("shift", "sykehjem", 0.3, to_service="hjemme")], mini, YEARS, 300.0)
    d = demand(mini, measures=ma)
    assert users(d, "sykehjem") == pytest.approx([10, 7, 7, 7, 7])
    assert users(d, "hjemme") == pytest.approx([20, 23, 23, 23, 23])
    # unmet need is counted before the shift: 24 - 20
    assert d.unmet[0, 1, 0] == pytest.approx(4.0)


def test_several_measure_sets_cannot_combine_with_other_option_dims(mini):
    th = xr.DataArray([-1.0, 1.0], dims="threshold_option", coords={"threshold_option": ["lav", "hoy"]})
    lead = Lead(("set",), {"set": np.array(["a", "b"])}, (2,))
    ma = measure_arrays([_measure("coverage", "hjemme", 0.1)], mini, YEARS, 300.0, active=np.array([[0.0, 1.0]]),
                        lead=lead)
    d = demand(mini, measures=ma)
    assert d.lead.dims == ("set",)
    assert users(d, "hjemme", 0)[1] == pytest.approx(20.0) and users(d, "hjemme", 1)[1] == pytest.approx(22.0)
    with pytest.raises(InputError, match="kan ikke kombinere flere tiltakssett"):
        demand(mini, ServiceOptions(threshold=th), measures=ma)


# ------------------------------------------------------------------------------ capacity

def test_queue_when_base_capacity_is_short(mini):
    d = demand(mini, ServiceOptions(base_capacity={"inst": 8}))
    assert d.capacity[0, :, 0] == pytest.approx([8.0] * 5)
    # the base year's users are KOSTRA's (paid for in the accounts): all 10 served, nobody waits;
    # the 8 stated places bind from the next year
    assert users(d, "sykehjem") == pytest.approx([10.0] + [8.0] * 4)
    assert d.queue[0, :, 0] == pytest.approx([0.0] + [2.0] * 4)
    assert d.stepped_down[0, :, 0] == pytest.approx([0.0] * 5)
    # demand is before capacity; hjemme is untouched
    assert d.demand[S["sykehjem"], :, 0] == pytest.approx([10.0] * 5)
    assert users(d, "hjemme") == pytest.approx([20.0] * 5)


def test_step_down_serves_the_rest_one_level_down(mini):
    d = demand(mini, ServiceOptions(base_capacity={"inst": 8}, overflow="step_down"))
    assert users(d, "sykehjem") == pytest.approx([10.0] + [8.0] * 4)
    assert users(d, "hjemme") == pytest.approx([20.0] + [22.0] * 4)
    assert d.queue[0, :, 0] == pytest.approx([0.0] * 5)
    assert d.stepped_down[0, :, 0] == pytest.approx([0.0] + [2.0] * 4)
    # the stepped-down users keep their age
    assert d.by_age[S["hjemme"], 80, 1, 0] == pytest.approx(22.0)


def test_capacity_additions_are_flows_that_stay_and_never_below_zero(mini):
    d = demand(mini, ServiceOptions(base_capacity={"inst": 8}, capacity_additions={"inst": {2028: 1, 2029: 2}}))
    assert d.capacity[0, :, 0] == pytest.approx([8, 8, 9, 11, 11])
    assert d.queue[0, :, 0] == pytest.approx([0, 2, 1, 0, 0])  # nobody waits in the base year
    assert users(d, "sykehjem") == pytest.approx([10, 8, 9, 10, 10])  # places beyond demand stay empty
    closed = demand(mini, ServiceOptions(capacity_additions={"inst": {2027: -4, 2029: -20}}))
    assert closed.capacity[0, :, 0] == pytest.approx([10, 6, 6, 0, 0])
    assert closed.queue[0, :, 0] == pytest.approx([0, 4, 4, 10, 10])


def test_default_base_capacity_is_the_base_year_demand(mini):
    d = demand(mini, ServiceOptions(threshold=1.0))
    assert d.capacity[0, :, 0] == pytest.approx([10.0] * 5)
    assert d.queue[0, :, 0] == pytest.approx([0, 0.5, 1, 1, 1])


def test_default_base_capacity_is_rounded_up_to_whole_places(mini):
    d = demand(mini, pop=population(n80=95.0))  # 9.5 sykehjem users in the base year -> 10 places
    assert d.capacity[0, 0, 0] == pytest.approx(10.0)
    assert d.queue[0, :, 0] == pytest.approx([0.0] * 5)


def test_apply_capacity_on_pre_with_opened_places_per_column(mini):
    th = xr.DataArray([0.0, 1.0], dims="threshold_option", coords={"threshold_option": ["dag", "hoy"]})
    opts = ServiceOptions(threshold=th)
    pre = demand(mini, opts, capacity=False)
    assert pre.capacity is None and pre.queue is None
    opened = np.zeros((YEARS.size, 2))
    opened[2, 1] = 1.0  # one place opens in 2028 for the high-threshold column only
    d = apply_capacity(pre, mini, opts, {"inst": opened})
    assert d.capacity[0, :, 0] == pytest.approx([10.0] * 5)
    assert d.capacity[0, :, 1] == pytest.approx([10, 10, 11, 11, 11])
    assert d.queue[0, :, 1] == pytest.approx([0, 0.5, 0, 0, 0])
    # demand is shared with the pre-capacity stage, not recomputed
    assert d.demand is pre.demand
    # the same as computing it in one go when nothing is opened
    np.testing.assert_allclose(apply_capacity(pre, mini, opts).by_age, demand(mini, opts).by_age)


# -------------------------------------------------------------------- option checks

@pytest.mark.parametrize("options, message", [
    (ServiceOptions(overflow="vent"), "tjenestevalg: overflow: 'vent'; gyldige: queue, step_down"),
    (ServiceOptions(effect_bound="middels"), "tjenestevalg: effect_bound: 'middels'; gyldige: value, weak, strong"),
    (ServiceOptions(threshold={"barn": 0.5}), "tjenestevalg: threshold.barn: ukjent tjenestegruppe; gyldige: eldre"),
    (ServiceOptions(threshold={"eldre": -1.2}),
     "tjenestevalg: threshold.eldre: -1.2 er utenfor [-1, 1] (-1 = lav terskel, 1 = høy terskel)"),
    (ServiceOptions(breadth=1.01), "tjenestevalg: breadth: 1.01 er utenfor [-1, 1] (-1 = smalt, 1 = bredt tilbud)"),
    (ServiceOptions(dropped=("kino",)),
     "tjenestevalg: dropped: ukjent tjeneste 'kino'; gyldige: skole, hjemme, sykehjem, dagsenter"),
    (ServiceOptions(dropped=("hjemme",)), "tjenestevalg: dropped.hjemme: Hjemmetjeneste er lovpålagt og kan ikke fjernes"),
    (ServiceOptions(capacity_additions={"bolig": {2027: 5}}),
     "tjenestevalg: capacity_additions.bolig: ukjent kapasitetsgruppe; gyldige: inst"),
    (ServiceOptions(base_capacity={"bolig": 5}), "tjenestevalg: base_capacity.bolig: ukjent kapasitetsgruppe; gyldige: inst"),
    (ServiceOptions(base_capacity={"inst": -1}), "tjenestevalg: base_capacity.inst: -1: kapasiteten kan ikke være negativ"),
])
def test_validate_options_messages(mini, options, message):
    with pytest.raises(InputError) as err:
        validate_options(mini, options)
    assert str(err.value) == message


def test_validate_options_names_the_source_and_checks_arrays(mini):
    with pytest.raises(InputError, match=r"^scenarioX: breadth"):
        validate_options(mini, ServiceOptions(breadth=2.0), source="scenarioX")
    th = xr.DataArray([0.0, 1.5], dims="draw")
    with pytest.raises(InputError, match=r"threshold\.\(alle\)"):
        validate_options(mini, ServiceOptions(threshold=th))
    neg = xr.DataArray(-np.ones((4, 5)), dims=("service", "year"))
    with pytest.raises(InputError, match="coverage_factors: faktorene må være endelige tall og ikke negative"):
        validate_options(mini, ServiceOptions(coverage_factors=neg))
    # infinite values are out of range, and so is NaN (see below)
    with pytest.raises(InputError, match=r"threshold\.eldre: inf er ikke et endelig tall"):
        validate_options(mini, ServiceOptions(threshold={"eldre": float("inf")}))
    # valid options pass silently, also at the ends of the ranges
    validate_options(mini, ServiceOptions(threshold={"eldre": -1.0}, breadth=1.0, dropped=("dagsenter",),
                                          base_capacity={"inst": 0.0}, overflow="step_down", effect_bound="weak"))


@pytest.mark.parametrize("options", [ServiceOptions(threshold=float("nan")), ServiceOptions(breadth=float("nan")),
                                     ServiceOptions(threshold={"eldre": float("nan")})])
def test_validate_options_refuses_nan(mini, options):
    with pytest.raises(InputError):
        validate_options(mini, options)


# -------------------------------------------------------------------- catalogue index

def test_catalogue_index_of_the_mini_catalogue(mini):
    idx = CatalogueIndex.of(mini)
    assert idx.ids == ("skole", "hjemme", "sykehjem", "dagsenter")
    assert dict(idx.pos) == S
    assert idx.rows(["sykehjem", "skole"]) == [2, 0]
    np.testing.assert_array_equal(idx.has_breadth, [False, False, False, True])
    np.testing.assert_array_equal(idx.keep, [1.0, 1.0, 1.0, 0.0])  # drop keeps nothing
    np.testing.assert_array_equal(idx.ext, [0.0, 0.0, 0.0, 0.5])
    np.testing.assert_array_equal(idx.users_basis, [False, True, True, True])
    np.testing.assert_array_equal(idx.mandatory, [True, True, True, False])
    # built once per catalogue content; the position map cannot be changed
    assert CatalogueIndex.of(load_catalogue(MINI)) is idx
    with pytest.raises(TypeError):
        idx.pos["kino"] = 4
    with pytest.raises(KeyError):
        idx.rows(["kino"])


def test_cached_catalogue_index_arrays_are_read_only(mini):
    idx = CatalogueIndex.of(mini)
    with pytest.raises(ValueError):
        idx.keep[0] = 0.5


# ------------------------------------------------------------------------- properties

def _random_pop(seed, scale):
    rng = np.random.default_rng(seed)
    vals = rng.uniform(0, scale, size=(YEARS.size, AGES.size, 2))
    return xr.DataArray(vals, coords={"year": YEARS, "age": AGES, "sex": list(SEXES)}, dims=("year", "age", "sex"))


pops = st.builds(_random_pop, st.integers(0, 2**32 - 1), st.floats(0.0, 1000.0))
shares = st.floats(-1, 1)


@settings(max_examples=40, deadline=None)
@given(pops, shares, shares, st.sampled_from(["value", "weak", "strong"]), st.booleans())
def test_demand_users_and_unmet_need_are_never_negative(pop, theta, breadth, bound, drop):
    cat = load_catalogue(MINI)
    opts = ServiceOptions(threshold=theta, breadth=breadth, effect_bound=bound,
                          dropped=("dagsenter",) if drop else ())
    d = demand_arrays(pop, cat, cat.arrays()["coverage"], opts)
    assert (d.demand >= -TOL).all() and (d.by_age >= -TOL).all()
    assert (d.unmet >= -TOL).all()
    assert (d.queue >= 0).all() and (d.stepped_down >= 0).all()


@settings(max_examples=40, deadline=None)
@given(pops, shares, st.floats(0, 500), st.integers(-300, 300), st.integers(2027, 2030),
       st.sampled_from(["queue", "step_down"]))
def test_served_plus_queue_or_stepped_down_is_demand(pop, theta, base, added, year, overflow):
    cat = load_catalogue(MINI)
    opts = ServiceOptions(threshold=theta, base_capacity={"inst": base}, capacity_additions={"inst": {year: added}},
                          overflow=overflow)
    d = demand_arrays(pop, cat, cat.arrays()["coverage"], opts)
    served = d.by_age[S["sykehjem"]].sum(axis=0)
    wanted = d.demand[S["sykehjem"]]
    # the base year's users are all served (KOSTRA's users, paid for in the accounts); places bind after it
    np.testing.assert_allclose(served[0], wanted[0], rtol=1e-9, atol=1e-6)
    assert (served[1:] <= d.capacity[0][1:] + 1e-6).all()
    assert (d.capacity >= 0).all()
    if overflow == "queue":
        np.testing.assert_allclose(served + d.queue[0], wanted, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(d.by_age[S["hjemme"]].sum(axis=0), d.demand[S["hjemme"]], rtol=1e-9, atol=1e-6)
    else:
        np.testing.assert_allclose(served + d.stepped_down[0], wanted, rtol=1e-9, atol=1e-6)
        # nobody is lost: everyone stepped down is served by hjemme
        np.testing.assert_allclose(d.by_age[S["hjemme"]].sum(axis=0), d.demand[S["hjemme"]] + d.stepped_down[0],
                                   rtol=1e-9, atol=1e-6)
