"""The cohort-component engine: hand-checked steps, identities and properties."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.ages import AGES, MAX_AGE, SEXES
from planmodel.core.errors import InputError
from planmodel.population.engine import accounting_residual, mortality_residual, project

A, S = AGES.size, len(SEXES)


def age_sex(values=0.0):
    return xr.DataArray(np.full((A, S), values, float), coords={"age": AGES, "sex": list(SEXES)},
                        dims=("age", "sex"))


def inputs(years=1, surv=0.9, bsurv=1.0, fert_ages=(30, 31), fert=0.1, base=None, mig=None):
    flow = np.arange(2026, 2026 + years)
    b = base if base is not None else age_sex()
    b = b.assign_attrs(year=2026)
    S_ = xr.DataArray(np.full((years, A, S), surv), coords={"year": flow, "age": AGES, "sex": list(SEXES)},
                      dims=("year", "age", "sex"))
    Sb = xr.DataArray(np.full((years, S), bsurv), coords={"year": flow, "sex": list(SEXES)}, dims=("year", "sex"))
    f = xr.DataArray(np.zeros((years, A)), coords={"year": flow, "age": AGES}, dims=("year", "age"))
    f.loc[{"age": list(fert_ages)}] = fert
    M = mig if mig is not None else xr.zeros_like(S_)
    return dict(base=b, survival=S_, birth_survival=Sb, fertility=f, net_migration=M, male_share_at_birth=0.5)


def test_one_step_by_hand():
    base = age_sex()
    base.loc[{"age": 0, "sex": "male"}] = 100
    base.loc[{"age": 30, "sex": "female"}] = 100
    ds = project(**inputs(base=base))
    p = ds["population"].sel(year=2027)
    assert p.sel(age=1, sex="male") == pytest.approx(90.0)
    assert p.sel(age=31, sex="female") == pytest.approx(90.0)
    # births = 0.1 * (100 + 0)/2 at age 30 + 0.1 * (0 + 90)/2 at age 31 = 5 + 4.5
    assert float(ds["births"].sel(year=2026)) == pytest.approx(9.5)
    assert p.sel(age=0).values == pytest.approx([4.75, 4.75])
    assert float(p.sum()) == pytest.approx(90 + 90 + 9.5)
    assert float(ds["deaths"].sum()) == pytest.approx(20.0)


def test_open_age_group_keeps_its_survivors():
    base = age_sex()
    base.loc[{"age": MAX_AGE - 1}] = 10
    base.loc[{"age": MAX_AGE}] = 20
    ds = project(**inputs(base=base, surv=0.5, fert=0.0))
    assert ds["population"].sel(year=2027, age=MAX_AGE).values == pytest.approx([15.0, 15.0])


def test_net_out_migration_cannot_take_more_people_than_there_are():
    base = age_sex()
    base.loc[{"age": 30, "sex": "female"}] = 100
    mig = inputs()["net_migration"].copy()
    mig.loc[{"age": 31, "sex": "female"}] = -200
    mig.loc[{"age": 40, "sex": "male"}] = 7
    ds = project(**inputs(base=base, fert=0.0, mig=mig))
    assert float(ds["population"].sel(year=2027, age=31, sex="female")) == 0.0
    assert float(ds["net_migration"].sel(year=2026, age=31, sex="female")) == pytest.approx(-90.0)
    assert float(ds["migration_shortfall"].sel(year=2026, age=31, sex="female")) == pytest.approx(110.0)
    assert ds.attrs["migration_shortfall_total"] == pytest.approx(110.0)
    assert float(ds["population"].sel(year=2027, age=40, sex="male")) == pytest.approx(7.0)


def test_leading_dimension_broadcasts_like_separate_runs():
    base = age_sex(50.0)
    kw = inputs(years=5, base=base)
    scale = xr.DataArray([0.5, 1.0, 2.0], coords={"draw": [0, 1, 2]}, dims="draw")
    kw_draw = dict(kw, fertility=kw["fertility"] * scale)
    ds = project(**kw_draw)
    assert ds["population"].dims == ("year", "age", "sex", "draw")
    for d, k in enumerate([0.5, 1.0, 2.0]):
        single = project(**dict(kw, fertility=kw["fertility"] * k))
        xr.testing.assert_allclose(ds["population"].sel(draw=d, drop=True), single["population"])


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda kw: kw.update(base=kw["base"] * -1 - 1), "base"),
        (lambda kw: kw.update(survival=kw["survival"] + 0.5), "survival"),
        (lambda kw: kw.update(fertility=kw["fertility"] - 1), "fertility"),
        (lambda kw: kw.update(base=kw["base"].isel(age=slice(0, 50))), "age"),
        (lambda kw: kw.update(net_migration=kw["net_migration"].where(kw["net_migration"].age > 3)), "net_migration"),
        (lambda kw: kw.update(male_share_at_birth=1.5), "male_share_at_birth"),
        (lambda kw: kw.update(fertility=kw["fertility"].assign_coords(year=[2030])), "year"),
    ],
)
def test_bad_inputs_are_refused_with_the_field_named(change, field):
    kw = inputs(base=age_sex(1.0))
    change(kw)
    with pytest.raises(InputError, match=field):
        project(**kw)


# ----------------------------------------------------------------------------- properties

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def random_inputs(draw):
    years = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = age_sex()
    base.values[:] = rng.uniform(0, draw(st.floats(0, 5000, **finite)), size=(A, S))
    kw = inputs(years=years, base=base)
    kw["survival"].values[:] = rng.uniform(0.5, 1.0, size=kw["survival"].shape)
    kw["birth_survival"].values[:] = rng.uniform(0.9, 1.0, size=kw["birth_survival"].shape)
    kw["fertility"].values[:] = 0.0
    kw["fertility"].loc[{"age": slice(15, 49)}] = rng.uniform(0, 0.2, size=(years, 35))
    scale = draw(st.floats(0, 3000, **finite))
    kw["net_migration"].values[:] = rng.normal(0, 1, size=kw["net_migration"].shape) * scale
    kw["male_share_at_birth"] = draw(st.floats(0.4, 0.6, **finite))
    return kw


@settings(max_examples=60, deadline=None)
@given(random_inputs())
def test_populations_are_never_negative_and_the_identity_holds(kw):
    ds = project(**kw)
    assert (ds["population"] >= 0).all()
    assert float(abs(accounting_residual(ds)).max()) < 1e-6 * max(1.0, float(ds["population"].max()))
    assert float(abs(mortality_residual(ds)).max()) < 1e-6 * max(1.0, float(ds["population"].sum()))


@settings(max_examples=40, deadline=None)
@given(random_inputs(), st.floats(0.1, 5.0))
def test_births_of_the_first_year_scale_with_fertility(kw, k):
    b1 = project(**kw)["births"].isel(year=0)
    bk = project(**dict(kw, fertility=kw["fertility"] * k))["births"].isel(year=0)
    assert float(bk) == pytest.approx(k * float(b1), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(random_inputs())
def test_zero_migration_gives_a_closed_population(kw):
    kw["net_migration"] = xr.zeros_like(kw["net_migration"])
    ds = project(**kw)
    tot = ds["population"].sum(["age", "sex"])
    change = tot.diff("year", label="lower").values
    flows = ds.isel(year=slice(None, -1))
    natural = (flows["births"] - flows["deaths"].sum(["age", "sex"]) - flows["infant_deaths"].sum("sex")).values
    assert change == pytest.approx(natural, rel=1e-9, abs=1e-6)
    assert float(abs(ds["net_migration"]).sum()) == 0.0


def test_net_migration_rate_acts_on_survivors():
    """A rate of +10 % on the survivors of 100 persons (survival 0.9) adds 9 net in-migrants,
    on top of the 5 persons given in net_migration; a rate below -1 is refused."""
    base = age_sex()
    base.loc[{"age": 30, "sex": "female"}] = 100
    kw = inputs(base=base, fert=0.0)
    rate = xr.zeros_like(kw["survival"])
    rate.loc[{"age": 31, "sex": "female"}] = 0.1
    kw["net_migration"].loc[{"age": 31, "sex": "female"}] = 5.0
    ds = project(**kw, net_migration_rate=rate)
    assert float(ds["population"].sel(year=2027, age=31, sex="female")) == pytest.approx(90 + 9 + 5)
    assert float(ds["net_migration"].sel(year=2026, age=31, sex="female")) == pytest.approx(14.0)
    assert float(abs(accounting_residual(ds)).max()) < 1e-9
    with pytest.raises(InputError, match="under -1"):
        project(**kw, net_migration_rate=rate - 2.0)


def test_net_migration_rate_at_age_0_acts_on_surviving_births_and_minus_one_empties_a_cell():
    base = age_sex()
    base.loc[{"age": 30, "sex": "female"}] = 100
    base.loc[{"age": 50, "sex": "male"}] = 40
    kw = inputs(base=base, fert=0.2, fert_ages=(30,))
    rate = xr.zeros_like(kw["survival"])
    rate.loc[{"age": 0}] = -0.5
    rate.loc[{"age": 51, "sex": "male"}] = -1.0
    ds = project(**kw, net_migration_rate=rate)
    # births = 0.2 * (100 + 0) / 2 = 10, half of each sex, birth survival 1: 5 per sex, half leave
    assert ds["population"].sel(year=2027, age=0).values == pytest.approx([2.5, 2.5])
    assert float(ds["population"].sel(year=2027, age=51, sex="male")) == 0.0
    assert ds.attrs["migration_shortfall_total"] == 0.0
