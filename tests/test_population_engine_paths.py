"""The engine's fast paths give what the plain xarray ways give: the Dataset builder, the numpy
inputs of project_kommune, the level factors per lead item, and one projection well under
the old 12 ms."""


import numpy as np
import pytest
import xarray as xr

from planmodel.core.ages import AGES, SEXES
from planmodel.population import demography as d
from planmodel.population import engine


def test_the_dataset_builder_equals_xarrays_constructor():
    rng = np.random.default_rng(1)
    coords = {"year": np.arange(2026, 2030), "age": AGES, "sex": np.array(SEXES),
              "kommune": np.array(["0301", "3201", "1151"])}
    data_vars = {"population": (("year", "age", "sex", "kommune"), rng.uniform(0, 9, (4, AGES.size, 2, 3)),
                                {"units": "persons"}),
                 "births": (("year", "kommune"), rng.uniform(0, 9, (4, 3)), {"units": "persons per year"})}
    fast = engine.dataset(data_vars, coords, {"base_year": 2026})
    slow = xr.Dataset(data_vars, coords={k: list(v) if k == "sex" else v for k, v in coords.items()},
                      attrs={"base_year": 2026})
    xr.testing.assert_identical(fast, slow)
    assert fast["kommune"].dtype == slow["kommune"].dtype and fast["sex"].dtype == slow["sex"].dtype
    # a second build shares the cached indexes and is still an independent Dataset
    again = engine.dataset(data_vars, coords)
    again["population"].attrs["units"] = "x"
    assert fast["population"].attrs["units"] == "persons"


@pytest.mark.parametrize("kommune, scenario", [("3201", "main"), ("4648", "low"), ("0000", "high"),
                                               ("0301", "bolig_hoy")])
def test_project_kommune_equals_the_engine_on_projection_inputs(kommune, scenario):
    """The numpy path of project_kommune and project() on the public projection_inputs give
    the same numbers to the last bit."""
    ds = d.project_kommune(kommune, scenario, end_year=2040, components=True)
    inp = d.projection_inputs(d.kommune_base(kommune), d.get_scenario(scenario), 2040)
    ref = engine.project(**{k: v for k, v in inp.items() if not k.startswith("_")})
    for name in ref.data_vars:
        np.testing.assert_array_equal(ds[name].values, ref[name].values)
    assert ds.attrs["migration_shortfall_total"] == ref.attrs["migration_shortfall_total"]
    np.testing.assert_array_equal(ds["tfr"].values[:-1], inp["_tfr"].values)
    np.testing.assert_array_equal(ds["e0"].values[:, :-1], inp["_e0"].values)
    np.testing.assert_allclose(ds["migration_level"].values[:-1],
                               ref["net_migration"].isel(year=slice(None, -1)).sum(["age", "sex"]).values, rtol=1e-12)
    assert np.isnan(ds["tfr"].values[-1]) and np.isnan(ds["migration_level"].values[-1])


def test_level_factors_equal_scaled_inputs():
    """engine.run with birth and migration factors per draw equals the engine on inputs
    scaled per draw (fertility × factor, both migration parts × factor)."""
    inp = d.projection_inputs(d.kommune_base("3201"), d.get_scenario("main"), 2036)
    kw = {k: v for k, v in inp.items() if not k.startswith("_")}
    tf, mf = np.array([0.5, 1.0, 1.7]), np.array([1.4, 1.0, 0.2])
    draw = {"draw": np.arange(3)}
    scaled = engine.project(**dict(kw, fertility=kw["fertility"] * xr.DataArray(tf, coords=draw, dims="draw"),
                                   net_migration=kw["net_migration"] * xr.DataArray(mf, coords=draw, dims="draw"),
                                   net_migration_rate=kw["net_migration_rate"] * xr.DataArray(mf, coords=draw,
                                                                                              dims="draw")))
    single = engine.prepare(kw)
    from dataclasses import replace

    many = replace(single, base=np.broadcast_to(single.base, (3,) + single.base.shape), birth_factor=tf,
                   migration_factor=mf, lead=draw)
    pop = engine.run(many, components=False)["population"]
    np.testing.assert_allclose(np.moveaxis(pop, 1, -1), scaled["population"].values, rtol=1e-12, atol=1e-9)
