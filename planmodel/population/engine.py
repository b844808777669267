r"""Cohort-component population projection (the engine).

One step from 1 January of year :math:`t` to 1 January of :math:`t+1`, for single ages
:math:`a = 0 \dots 105` (105 = 105+) and each sex :math:`s`:

.. math::

    P_{t+1}(a+1, s) = S_t(a, s)\,P_t(a, s) + M_t(a+1, s) \quad (0 \le a \le 103)

    P_{t+1}(105^+, s) = S_t(104, s)\,P_t(104, s) + S_t(105^+, s)\,P_t(105^+, s) + M_t(105^+, s)

    B_t = \sum_x f_t(x)\,\tfrac12\,[W_t(x) + W_{t+1}(x)], \qquad
    P_{t+1}(0, s) = \pi_s\,B_t\,S_{b,t}(s) + M_t(0, s)

where :math:`S` are survival ratios, :math:`f` age-specific fertility rates for women aged
:math:`x` (births per woman-year), :math:`W` women by age, :math:`\pi_s` the sex shares at
birth, :math:`S_b` the survival of births to the next 1 January, and :math:`M_t(a, s)` net
migrants during year :math:`t` counted at their age on 1 January :math:`t+1`.
The accounting identity holds exactly for every cell:

.. math:: P_{t+1} = \text{survivors} + \text{surviving births} + \text{net migrants (realised)} .

Net migration can be given in persons, as a rate on the survivors at their new age, or both
(:math:`M_t = M^{\text{persons}}_t + m_t \cdot \text{survivors}_t`; at age 0 the rate acts on the
surviving births). Net out-migration can never take more people than there are: where :math:`M_t(a,s)` would make a
cell negative, only the available survivors leave. The part that could not leave is returned
as ``migration_shortfall`` (never hidden) and counted in ``attrs["migration_shortfall_total"]``.

Every input may carry extra leading dimensions (``draw``, ``kommune``, ``scenario`` ...); they
broadcast through the whole computation. The recursion over years is the one sequential step
(each year needs the previous one); everything inside a step is vectorised over ages, sexes
and all leading dimensions.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planmodel.core.ages import AGES, MAX_AGE, SEXES
from planmodel.core.errors import InputError
from planmodel.population.migration import survive

CORE_DIMS = ("year", "age", "sex")


def _lead_dims(*arrays: xr.DataArray) -> dict[str, xr.DataArray]:
    coords: dict[str, xr.DataArray] = {}
    for da in arrays:
        for d in da.dims:
            if d not in CORE_DIMS and d not in coords:
                coords[d] = da[d]
    return coords


def _check(da: xr.DataArray, name: str, dims: tuple[str, ...]) -> None:
    missing = [d for d in dims if d not in da.dims]
    if missing:
        raise InputError(f"argument {name}", "dims", f"trenger dimensjonene {dims}, mangler {missing}")
    if da.isnull().any():
        raise InputError(f"argument {name}", "values", "har manglende verdier (NaN)")


def project(
    base: xr.DataArray,
    survival: xr.DataArray,
    birth_survival: xr.DataArray,
    fertility: xr.DataArray,
    net_migration: xr.DataArray,
    male_share_at_birth: float | xr.DataArray = 0.514,
    net_migration_rate: xr.DataArray | None = None,
) -> xr.Dataset:
    """Project a population year by year with the cohort-component method.

    Parameters
    ----------
    base : DataArray (age, sex, ...) [persons]
        Population on 1 January of the base year; ``attrs["year"]`` or a scalar ``year``
        coordinate gives the base year, else the year before the first flow year is used.
    survival : DataArray (year, age, sex, ...) [probability]
        S_t(a, s): share of persons aged a on 1 January t alive on 1 January t+1 (the last age
        is the open group 105+). ``year`` holds the flow years t = base, ..., end - 1.
    birth_survival : DataArray (year, sex, ...) [probability]
        Share of births in year t alive on 1 January t+1.
    fertility : DataArray (year, age, ...) [births per woman-year]
        Age-specific fertility rates by age of mother; ages outside the coordinate are 0.
    net_migration : DataArray (year, age, sex, ...) [persons per year]
        Net migrants during year t by age on 1 January t+1 (negative = net out-migration).
    male_share_at_birth : float or DataArray (year, ...) [share]
        Share of boys among live births (Norway 2014–2023: 0.514).
    net_migration_rate : DataArray (year, age, sex, ...) [net migrants per survivor per year], optional
        Net migration as a rate on the survivors at their new age (at age 0: on the surviving
        births of the year). The net migrants of year t are then
        ``net_migration + net_migration_rate * survivors``, so the rate part follows the
        projected population instead of staying a fixed number of persons (a kommune that
        empties stops losing people it no longer has). Rates must be >= -1 (nobody can leave
        twice).

    Returns
    -------
    Dataset on one ``year`` axis: stocks are on 1 January of the year, flows are during the
    year, so the flows of the last year (after the end of the projection) are NaN.
        ``population`` (year, age, sex, ...) [persons], years base..end;
        ``births`` (year, ...) [persons per year], flow years;
        ``survivors`` (year, age, sex, ...) [persons]: those alive on 1 January t still alive
        on 1 January t+1, by their new age; at age 0 the surviving births of year t;
        ``deaths`` (year, age, sex, ...) [persons per year] of those alive on 1 January t, by
        their age then;
        ``infant_deaths`` (year, sex, ...) births of year t dead before 1 January t+1;
        ``net_migration`` (year, age, sex, ...) realised net migrants [persons per year];
        ``migration_shortfall`` (year, age, sex, ...) net out-migration that could not be
        realised for lack of people [persons per year], normally all zero.
    """
    for name, da, dims in [
        ("base", base, ("age", "sex")),
        ("survival", survival, CORE_DIMS),
        ("birth_survival", birth_survival, ("year", "sex")),
        ("fertility", fertility, ("year", "age")),
        ("net_migration", net_migration, CORE_DIMS),
    ]:
        _check(da, name, dims)
    flow_years = survival["year"].values
    rated = []
    if net_migration_rate is not None:
        _check(net_migration_rate, "net_migration_rate", CORE_DIMS)
        if (net_migration_rate < -1).any():
            raise InputError("argument net_migration_rate", "values", "flytterater kan ikke være under -1")
        rated = [("net_migration_rate", net_migration_rate)]
    for name, da in [("birth_survival", birth_survival), ("fertility", fertility),
                     ("net_migration", net_migration), *rated]:
        if not np.array_equal(da["year"].values, flow_years):
            raise InputError(f"argument {name}", "year",
                             f"må ha de samme årene som survival ({flow_years[0]}–{flow_years[-1]})")
    if (base < 0).any():
        raise InputError("argument base", "values", "befolkningen kan ikke være negativ")
    if ((survival < 0) | (survival > 1)).any() or ((birth_survival < 0) | (birth_survival > 1)).any():
        raise InputError("argument survival", "values", "overlevelsesrater må ligge mellom 0 og 1")
    if (fertility < 0).any():
        raise InputError("argument fertility", "values", "fruktbarhetsrater kan ikke være negative")
    msb = xr.DataArray(male_share_at_birth) if not isinstance(male_share_at_birth, xr.DataArray) else male_share_at_birth
    if ((msb < 0) | (msb > 1)).any():
        raise InputError("argument male_share_at_birth", "values", "må være en andel mellom 0 og 1")

    base_year = int(base.attrs.get("year", base.coords["year"].item() if "year" in base.coords else flow_years[0]))
    if base_year != int(flow_years[0]):
        raise InputError("argument base", "year", f"basisåret {base_year} må være lik det første året {flow_years[0]}")

    lead = _lead_dims(base, survival, birth_survival, fertility, net_migration, msb, *(da for _, da in rated))
    lead_names = list(lead)
    lead_shape = tuple(lead[d].size for d in lead_names)

    for name, da in [("base", base), ("survival", survival), ("net_migration", net_migration), *rated]:
        if not np.array_equal(da["age"].values, AGES):
            raise InputError(f"argument {name}", "age", f"må ha hver ettårig alder 0–{MAX_AGE} i rekkefølge")
    for name, da in [("base", base), ("survival", survival), ("birth_survival", birth_survival),
                     ("net_migration", net_migration), *rated]:
        if set(da["sex"].values.tolist()) != set(SEXES):
            raise InputError(f"argument {name}", "sex", f"må ha nøyaktig {SEXES}")
    def arr(da: xr.DataArray, core: tuple[str, ...]) -> np.ndarray:
        """numpy array ordered (year?, *lead, age?, sex?), lead dims broadcast (a view)."""
        if "sex" in da.dims and tuple(da["sex"].values) != SEXES:
            da = da.sel(sex=list(SEXES))
        for d in lead_names:  # align lead coordinates by label
            if d in da.dims and not np.array_equal(da[d].values, lead[d].values):
                da = da.reindex({d: lead[d].values})
        order = [d for d in core if d == "year"] + lead_names + [d for d in core if d != "year"]
        present = [d for d in order if d in da.dims]
        values = np.asarray(da.transpose(*present).values, dtype=float)
        shape = [da.sizes[d] if d in da.dims else 1 for d in order]
        full = [da.sizes[d] if d in da.dims else (lead[d].size if d in lead else 1) for d in order]
        return np.broadcast_to(values.reshape(shape), full)

    base_a = arr(base.drop_vars("year", errors="ignore"), ("age", "sex"))
    surv_a = arr(survival, CORE_DIMS)
    bsurv_a = arr(birth_survival, ("year", "sex"))
    mig_a = arr(net_migration, CORE_DIMS)
    rate_a = arr(net_migration_rate, CORE_DIMS) if net_migration_rate is not None else None
    # fertility on the age axis 0..105 (ages outside the given coordinate are 0)
    fert_full = fertility.reindex(age=AGES, fill_value=0.0)
    fert_a = arr(fert_full, ("year", "age"))
    msb_b = msb.expand_dims(year=flow_years) if "year" not in msb.dims else msb
    msb_a = arr(msb_b, ("year",))

    T = flow_years.size
    F = SEXES.index("female")
    pop = np.empty((T + 1,) + base_a.shape)
    pop[0] = base_a
    # flows get one extra (NaN) year so that they share the population's year axis
    births = np.full((T + 1,) + lead_shape, np.nan)
    deaths = np.full(pop.shape, np.nan)
    infant_deaths = np.full((T + 1,) + lead_shape + (2,), np.nan)
    survivors = np.full(pop.shape, np.nan)
    realised = np.full(pop.shape, np.nan)
    shortfall = np.full(pop.shape, np.nan)

    for t in range(T):  # sequential by nature; every operation inside is vectorised
        P, S = pop[t], surv_a[t]
        surv = survive(P, S)
        # births need next year's women: survivors and migrants at ages >= 1 come first
        M = mig_a[t] if rate_a is None else mig_a[t] + rate_a[t] * surv  # age 0 completed below
        women_next = np.maximum(surv[..., F] + M[..., F], 0.0)
        B = np.sum(fert_a[t] * 0.5 * (P[..., F] + women_next), axis=-1)
        share = np.stack([msb_a[t], 1.0 - msb_a[t]], axis=-1)
        surv[..., 0, :] = B[..., None] * share * bsurv_a[t]
        if rate_a is not None:  # the rate at age 0 acts on the surviving births
            M[..., 0, :] = mig_a[t][..., 0, :] + rate_a[t][..., 0, :] * surv[..., 0, :]
        M_real = np.maximum(M, -surv)
        pop[t + 1] = surv + M_real
        births[t] = B
        infant_deaths[t] = B[..., None] * share * (1.0 - bsurv_a[t])
        deaths[t] = P * (1.0 - S)
        survivors[t] = surv
        realised[t] = M_real
        shortfall[t] = M_real - M

    pop_years = np.concatenate([[base_year], flow_years + 1])
    lead_coords = {d: lead[d].values for d in lead_names}
    dims_p = ("year", *lead_names, "age", "sex")
    coords_p = {"year": pop_years, **lead_coords, "age": AGES, "sex": list(SEXES)}

    order_p = ("year", "age", "sex", *lead_names)

    def out(values, dims, units, long_name):
        """(dims, values, attrs) with age and sex moved before the lead dims."""
        target = [d for d in order_p if d in dims]
        values = np.moveaxis(values, [dims.index(d) for d in target], range(len(target)))
        return (target, values, {"units": units, "long_name": long_name})

    ds = xr.Dataset(
        {
            "population": out(pop, dims_p, "persons", "Befolkning 1. januar"),
            "births": out(births, ("year", *lead_names), "persons per year", "Levendefødte"),
            "survivors": out(survivors, dims_p, "persons",
                             "Overlevende fra 1. januar t (alder 0: overlevende fødte i året)"),
            "deaths": out(deaths, dims_p, "persons per year", "Døde (etter alder 1. januar)"),
            "infant_deaths": out(infant_deaths, ("year", *lead_names, "sex"),
                                 "persons per year", "Fødte i året som døde før 1. januar"),
            "net_migration": out(realised, dims_p, "persons per year", "Nettoinnflytting (realisert)"),
            "migration_shortfall": out(shortfall, dims_p, "persons per year",
                                       "Netto utflytting som ikke kunne gjennomføres"),
        },
        coords=coords_p,
    )
    ds.attrs["base_year"] = base_year
    ds.attrs["migration_shortfall_total"] = float(np.nansum(shortfall))
    return ds


def accounting_residual(ds: xr.Dataset) -> xr.DataArray:
    """P(t+1) - [survivors + surviving births + realised net migrants], per cell [persons].

    Zero up to floating-point rounding for any output of :func:`project`. (``survivors`` at
    age 0 are the surviving births of the year.)
    """
    pop = ds["population"]
    flow = pop["year"].values[:-1]
    P1 = pop.isel(year=slice(1, None)).assign_coords(year=flow)
    return P1 - ds["survivors"].sel(year=flow) - ds["net_migration"].sel(year=flow)


def mortality_residual(ds: xr.Dataset) -> xr.DataArray:
    """Persons on 1 January t plus births in t, minus deaths, minus survivors [persons]:
    zero for every year (every person is either dead or a survivor)."""
    flow = ds["population"]["year"].values[:-1]
    ds = ds.sel(year=flow)
    P0 = ds["population"].sum(["age", "sex"])
    return (P0 + ds["births"] - ds["deaths"].sum(["age", "sex"]) - ds["infant_deaths"].sum("sex")
            - ds["survivors"].sum(["age", "sex"]))
