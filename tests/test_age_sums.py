"""The service model on age sums (:class:`planmodel.services.demand.AgeUsers`) against the same
equations with every service's coverage held by age (S, A, Y, N), and the Monte Carlo pass with
central draws against the deterministic run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from planmodel.inputs.scenario import load_scenario
from planmodel.inputs.uncertainty import central, load_ranges
from planmodel.model.chain import prepare, run, run_draws
from planmodel.services.costs import cost_arrays, waiting_costs
from planmodel.services.demand import CatalogueIndex, ServiceOptions, apply_capacity, demand_arrays

SCENARIO = "scenarios/baerum_krisepakke.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.mark.parametrize("kommune", ["3201", "1151", "0301"])
def test_central_draws_equal_the_deterministic_run(scenario, kommune):
    sc = replace(scenario, kommune=kommune)
    det = run(sc)
    ds = run_draws(sc, central(load_ranges(), [m.id for m in prepare(sc).measures], n=2))
    for var in ("netto_driftsresultat", "inndekningsbehov", "driftsinntekter", "frie_inntekter",
                "netto_driftsutgifter_sektorer"):
        want = np.broadcast_to(det[var].values[:, None], ds[var].shape)
        np.testing.assert_allclose(ds[var].values, want, rtol=1e-10, atol=1e-6, err_msg=f"{kommune} {var}")
    np.testing.assert_allclose(ds["sektor_ramme"].values[..., 1], det["sektor_ramme"].values, rtol=1e-10, atol=1e-6)


def _draw_inputs(sc, n):
    """Population draws, calibration and tiltak of the scenario (n draws), and coverage factors
    (service, year, draw) of 1 except in the last draw, where everything is 2.5 times as common
    at the horizon: a draw that saturates."""
    p = prepare(sc, central(load_ranges(), [m.id for m in prepare(sc).measures], n=n))
    ramp = (p.years - p.years[0]) / (p.years[-1] - p.years[0])
    f = np.ones((len(p.catalogue.ids), p.years.size, n))
    f[:, :, -1] += 1.5 * ramp[None, :]
    cf = xr.DataArray(f, dims=("service", "year", "draw"),
                      coords={"service": list(p.catalogue.ids), "year": p.years, "draw": np.arange(n)})
    return p, cf


def test_age_sums_equal_users_held_by_age(scenario):
    """Tiltak with age bands, a care-level shift, step-down overflow and a saturating draw: every
    result of the age sums equals the same equations on users by age."""
    p, cf = _draw_inputs(scenario, 3)
    cat = p.catalogue
    assert p.ma.shifts and p.ma.coverage_segments
    opts = ServiceOptions(threshold=scenario.threshold, overflow="step_down", coverage_factors=cf, saturate=True)
    out = {}
    for by_age in (False, True):
        pre = demand_arrays(p.pop, cat, p.calibration.coverage, opts, measures=p.ma, capacity=False, by_age=by_age)
        opened = {g: np.zeros((p.years.size, 3)) for g in cat.capacity_groups}
        d = apply_capacity(pre, cat, opts, opened)
        c0 = d.lead.flat(p.calibration.coverage, ("service", "age"))
        costs = cost_arrays(d, cat, coverage0=c0, measures=p.ma, unit_cost=p.calibration.unit_cost_values)
        out[by_age] = (d, costs, pre)
    (fast, fc, fpre), (slow, sc_, spre) = out[False], out[True]
    assert slow.ages.rows.keys() == set(range(len(cat.ids)))  # every row held by age
    assert fast.saturated[-1] > 0 and (fast.saturated[:-1] == 0).all()
    assert fast.stepped_down.sum() > 0
    for name in ("demand", "capacity", "queue", "stepped_down", "unmet", "saturated", "users"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-10, atol=1e-9, err_msg=name)
    for key in fc:
        np.testing.assert_allclose(fc[key], sc_[key], rtol=1e-10, atol=1e-9, err_msg=key)
    np.testing.assert_allclose(fast.by_age, slow.by_age, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fpre.by_age, spre.by_age, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(waiting_costs(fast, cat), waiting_costs(slow, cat), rtol=1e-10)
    # and the age sums against sums of the users by age
    k, f = cat.arrays()["unit_cost"].values, cat.arrays()["fte"].values
    by_age = slow.by_age
    np.testing.assert_allclose(fast.ages.sums(k)[0], np.einsum("sayn,sa->syn", by_age, k), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(fast.ages.sums(f)[0], np.einsum("sayn,sa->syn", by_age, f), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(fast.users, by_age.sum(axis=1), rtol=1e-10, atol=1e-9)
    basis = np.flatnonzero(CatalogueIndex.of(cat).users_basis)
    assert max(spre.ages.rows[r].max() for r in basis) <= 1.0  # held at 1 after the shifts
    assert fpre.ages.high(basis).max() <= 1.0


def test_age_sums_without_saturation_refuse_coverage_above_one(scenario):
    p, cf = _draw_inputs(scenario, 2)
    opts = ServiceOptions(threshold=scenario.threshold, coverage_factors=cf)
    for by_age in (False, True):
        with pytest.raises(Exception, match="dekningsgrad"):
            demand_arrays(p.pop, p.catalogue, p.calibration.coverage, opts, measures=p.ma, by_age=by_age)
