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

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np
import xarray as xr
from xarray.core.indexes import PandasIndex

from planmodel.core.ages import AGES, MAX_AGE, SEXES
from planmodel.core.errors import InputError

CORE_DIMS = ("year", "age", "sex")
_SEX_ORDER = list(SEXES)


def _coord(da: xr.DataArray, dim: str) -> np.ndarray:
    """The labels of dimension ``dim`` of ``da`` (numpy; strings as objects), for comparing;
    20 times cheaper than ``da[dim].values``."""
    return da.get_index(dim).values


def _lead_dims(*arrays: xr.DataArray) -> dict[str, np.ndarray]:
    coords: dict[str, np.ndarray] = {}
    for da in arrays:
        for d in da.dims:
            if d not in CORE_DIMS and d not in coords:
                coords[d] = da.coords[d].values if d in da.coords else np.arange(da.sizes[d])
    return coords


def _check(da: xr.DataArray, name: str, dims: tuple[str, ...]) -> None:
    missing = [d for d in dims if d not in da.dims]
    if missing:
        raise InputError(f"argument {name}", "dims", f"trenger dimensjonene {dims}, mangler {missing}")


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
    inp = prepare(dict(base=base, survival=survival, birth_survival=birth_survival, fertility=fertility,
                       net_migration=net_migration, male_share_at_birth=male_share_at_birth,
                       net_migration_rate=net_migration_rate))
    flows = run(inp)
    return to_dataset(flows, inp)


@dataclass(frozen=True)
class EngineInputs:
    """The engine's inputs as numpy, checked and aligned (see :func:`prepare`).

    Per-year inputs are indexed by flow year position ``t`` and give arrays broadcastable to
    ``(*lead, age, sex)`` (``survival``, ``net_migration``, ``net_migration_rate``),
    ``(*lead, sex)`` (``birth_survival``), ``(*lead, age)`` (``fertility`` on ages 0..105) and
    ``(*lead)`` (``male_share_at_birth``). They are numpy arrays with a leading year axis, or
    any object whose item ``t`` is such an array (a caller may compute a year's values on
    demand, e.g. survival interpolated per draw, instead of holding every year for every draw).
    """

    base: np.ndarray  # (*lead, age, sex) [persons]
    survival: object
    birth_survival: object
    fertility: object
    net_migration: object
    net_migration_rate: object | None
    male_share_at_birth: object
    base_year: int
    flow_years: np.ndarray
    lead: dict  # {dim: coordinate values}, in the order of the lead axes
    #: optional level factors per lead item, broadcastable to (*lead) [factor]: births are
    #: multiplied by ``birth_factor`` (= fertility times it), net migration (persons and rate
    #: parts alike) by ``migration_factor``; a many-draw run scales one set of inputs instead of
    #: holding a copy per draw. None = 1.
    birth_factor: np.ndarray | None = None
    migration_factor: np.ndarray | None = None


def prepare(args: Mapping[str, object]) -> EngineInputs:
    """Check the arguments of :func:`project`, given as a mapping (keys starting with ``_``
    are ignored, so the dict of
    :func:`~planmodel.population.demography.projection_inputs` fits), and turn them into
    numpy arrays ordered (year, *lead, age, sex) (missing dims of length 1, so they
    broadcast): the checks and alignment of :func:`project`, reusable by callers that put
    their own per-year inputs in before :func:`run`. Raises :class:`InputError` naming the
    argument."""
    known = {"base", "survival", "birth_survival", "fertility", "net_migration", "male_share_at_birth",
             "net_migration_rate"}
    unknown = sorted(k for k in args if not k.startswith("_") and k not in known)
    if unknown:
        raise InputError("argument", unknown[0], f"ukjent argument; kjente: {', '.join(sorted(known))}")
    base, survival, birth_survival = args["base"], args["survival"], args["birth_survival"]
    fertility, net_migration = args["fertility"], args["net_migration"]
    male_share_at_birth = args.get("male_share_at_birth", 0.514)
    net_migration_rate = args.get("net_migration_rate")
    for name, da, dims in [
        ("base", base, ("age", "sex")),
        ("survival", survival, CORE_DIMS),
        ("birth_survival", birth_survival, ("year", "sex")),
        ("fertility", fertility, ("year", "age")),
        ("net_migration", net_migration, CORE_DIMS),
    ]:
        _check(da, name, dims)
    flow_years = _coord(survival, "year")
    rated = []
    if net_migration_rate is not None:
        _check(net_migration_rate, "net_migration_rate", CORE_DIMS)
        rated = [("net_migration_rate", net_migration_rate)]
    for name, da in [("birth_survival", birth_survival), ("fertility", fertility),
                     ("net_migration", net_migration), *rated]:
        if not np.array_equal(_coord(da, "year"), flow_years):
            raise InputError(f"argument {name}", "year",
                             f"må ha de samme årene som survival ({flow_years[0]}–{flow_years[-1]})")
    msb = male_share_at_birth if isinstance(male_share_at_birth, xr.DataArray) else None

    if "year" in base.attrs:
        base_year = int(base.attrs["year"])
    else:
        base_year = int(base.coords["year"].item()) if "year" in base.coords else int(flow_years[0])
    if base_year != int(flow_years[0]):
        raise InputError("argument base", "year", f"basisåret {base_year} må være lik det første året {flow_years[0]}")

    lead = _lead_dims(base, survival, birth_survival, fertility, net_migration,
                      *([msb] if msb is not None else []), *(da for _, da in rated))
    lead_names = list(lead)

    for name, da in [("base", base), ("survival", survival), ("net_migration", net_migration), *rated]:
        if not np.array_equal(_coord(da, "age"), AGES):
            raise InputError(f"argument {name}", "age", f"må ha hver ettårig alder 0–{MAX_AGE} i rekkefølge")
    for name, da in [("base", base), ("survival", survival), ("birth_survival", birth_survival),
                     ("net_migration", net_migration), *rated]:
        if set(_coord(da, "sex").tolist()) != set(SEXES):
            raise InputError(f"argument {name}", "sex", f"må ha nøyaktig {SEXES}")

    def arr(da: xr.DataArray, core: tuple[str, ...], fill_ages: bool = False) -> np.ndarray:
        """numpy array ordered (year?, *lead, age?, sex?); a lead dim it lacks has length 1.
        ``fill_ages``: put the values on ages 0..105 (ages not given are 0)."""
        if "sex" in da.dims and tuple(_coord(da, "sex")) != SEXES:
            da = da.sel(sex=_SEX_ORDER)
        for d in lead_names:  # align lead coordinates by label
            if d in da.dims and not np.array_equal(_coord(da, d), lead[d]):
                da = da.reindex({d: lead[d]})
        dims = list(da.dims)
        values = np.asarray(da.values, dtype=float)
        if fill_ages and not np.array_equal(_coord(da, "age"), AGES):
            # in the array's own dim order (the memory layout decides numpy's summation order)
            ages, ax = _coord(da, "age"), dims.index("age")
            keep = np.isin(ages, AGES)
            full = np.zeros(values.shape[:ax] + (AGES.size,) + values.shape[ax + 1:])
            to = [slice(None)] * values.ndim
            src = [slice(None)] * values.ndim
            to[ax], src[ax] = ages[keep].astype(int) - int(AGES[0]), np.flatnonzero(keep)
            full[tuple(to)] = values[tuple(src)]
            values = full
        order = [d for d in core if d == "year"] + lead_names + [d for d in core if d != "year"]
        present = [d for d in order if d in dims]
        if dims != present:
            values = values.transpose([dims.index(d) for d in present])
        sizes = dict(zip(present, values.shape))
        return values.reshape([sizes.get(d, 1) for d in order])

    if "year" in base.coords:
        base = base.drop_vars("year")
    lead_shape = tuple(len(v) for v in lead.values())
    base_a = np.broadcast_to(arr(base, ("age", "sex")), lead_shape + (AGES.size, len(SEXES)))
    fert_a = arr(fertility, ("year", "age"), fill_ages=True)
    if msb is None:
        msb_a = float(male_share_at_birth)
    else:
        msb_a = arr(msb, ("year",))
        if "year" not in msb.dims:
            msb_a = np.broadcast_to(msb_a[None], (flow_years.size,) + msb_a.shape)
    return from_arrays(
        base=base_a,
        survival=arr(survival, CORE_DIMS),
        birth_survival=arr(birth_survival, ("year", "sex")),
        fertility=fert_a,
        net_migration=arr(net_migration, CORE_DIMS),
        net_migration_rate=arr(net_migration_rate, CORE_DIMS) if net_migration_rate is not None else None,
        male_share_at_birth=msb_a,
        base_year=base_year,
        flow_years=np.asarray(flow_years),
        lead=lead,
    )


def from_arrays(base: np.ndarray, survival: np.ndarray, birth_survival: np.ndarray, fertility: np.ndarray,
                net_migration: np.ndarray, male_share_at_birth: float | np.ndarray,
                net_migration_rate: np.ndarray | None, base_year: int, flow_years: np.ndarray,
                lead: dict | None = None) -> EngineInputs:
    """:class:`EngineInputs` from numpy arrays already ordered (year, *lead, age 0..105, sex)
    (``fertility`` (year, *lead, age 0..105), ``birth_survival`` (year, *lead, sex),
    ``male_share_at_birth`` a float or (year, *lead)), after the value checks of
    :func:`project` (no NaN, survival in [0, 1], no negative population or fertility, rates
    >= -1); ``lead`` the coordinates of the lead axes. For callers that have the arrays (one
    kommune's projection without xarray on the way). Raises :class:`InputError`."""
    lead = dict(lead or {})
    T = len(flow_years)
    for name, a in [("base", base), ("survival", survival), ("birth_survival", birth_survival),
                    ("fertility", fertility), ("net_migration", net_migration),
                    ("net_migration_rate", net_migration_rate), ("male_share_at_birth", male_share_at_birth)]:
        if a is not None and np.isnan(a).any():
            raise InputError(f"argument {name}", "values", "har manglende verdier (NaN)")
    if (base < 0).any():
        raise InputError("argument base", "values", "befolkningen kan ikke være negativ")
    if ((survival < 0) | (survival > 1)).any() or ((birth_survival < 0) | (birth_survival > 1)).any():
        raise InputError("argument survival", "values", "overlevelsesrater må ligge mellom 0 og 1")
    if (fertility < 0).any():
        raise InputError("argument fertility", "values", "fruktbarhetsrater kan ikke være negative")
    if net_migration_rate is not None and (net_migration_rate < -1).any():
        raise InputError("argument net_migration_rate", "values", "flytterater kan ikke være under -1")
    msb = np.asarray(male_share_at_birth, dtype=float)
    if ((msb < 0) | (msb > 1)).any():
        raise InputError("argument male_share_at_birth", "values", "må være en andel mellom 0 og 1")
    if msb.ndim == 0:
        msb = np.full((T,) + (1,) * len(lead), float(msb))
    lead_shape = tuple(len(v) for v in lead.values())
    return EngineInputs(
        base=np.broadcast_to(base, lead_shape + (AGES.size, len(SEXES))),
        survival=survival,
        birth_survival=birth_survival,
        fertility=fertility,
        net_migration=net_migration,
        net_migration_rate=net_migration_rate,
        male_share_at_birth=msb,
        base_year=int(base_year),
        flow_years=np.asarray(flow_years),
        lead=lead,
    )


#: Lead items per block in a run without components over one long lead dim (many draws):
#: a block's arrays (about 1.7 MB each) stay in the CPU cache through a year's dozen
#: operations, instead of streaming hundreds of MB from memory for each.
BLOCK = 1024


def run(inp: EngineInputs, components: bool = True) -> dict[str, np.ndarray]:
    """The year recursion of :func:`project` on numpy (every operation inside a year is
    vectorised over ages, sexes and all lead dims).

    Returns numpy arrays on the population's year axis (base..end; flows NaN in the last
    year): ``population`` (year, *lead, age, sex) [persons] and ``shortfall_total`` (a 0-d
    array) [persons]; with ``components`` also ``births``, ``deaths``, ``infant_deaths``,
    ``survivors``, ``net_migration`` (realised) and ``migration_shortfall`` as in
    :func:`project`. Without components only the population is kept (what a many-draw run
    needs: a tenth of the memory), and one long lead dim is done in blocks of :data:`BLOCK`
    items (every item's numbers are the same as without blocks; per-year inputs that are not
    arrays must then offer ``block(slice)``).
    """
    lead_shape = inp.base.shape[:-2]
    per_year = (inp.survival, inp.birth_survival, inp.fertility, inp.net_migration, inp.net_migration_rate)
    if components or len(lead_shape) != 1 or lead_shape[0] <= 2 * BLOCK or not all(
            x is None or isinstance(x, np.ndarray) or hasattr(x, "block") for x in per_year):
        return _run(inp, components)
    n = lead_shape[0]
    pop = np.empty((inp.flow_years.size + 1,) + inp.base.shape)
    total = 0.0
    for start in range(0, n, BLOCK):  # blocks of lead items for the CPU cache
        part = slice(start, min(start + BLOCK, n))
        total += float(_run(_block(inp, part), False, pop[:, part])["shortfall_total"])
    return {"population": pop, "shortfall_total": np.asarray(total)}


def _block(inp: EngineInputs, part: slice) -> EngineInputs:
    """The inputs of the lead items ``part`` of a run with one lead dim."""
    n = inp.base.shape[0]

    def cut(x, core_ndim: int):
        if x is None:
            return None
        if not isinstance(x, np.ndarray):
            return x.block(part)
        has_lead = x.ndim == core_ndim + 1 and x.shape[1] == n  # (year, lead, ...) or (year, ...)
        return x[:, part] if has_lead else x

    def factor(x):
        return None if x is None else np.asarray(x)[part]

    (name,) = inp.lead
    return replace(inp, base=inp.base[part], survival=cut(inp.survival, 3), birth_survival=cut(inp.birth_survival, 2),
                   fertility=cut(inp.fertility, 2), net_migration=cut(inp.net_migration, 3),
                   net_migration_rate=cut(inp.net_migration_rate, 3),
                   male_share_at_birth=cut(inp.male_share_at_birth, 1), lead={name: inp.lead[name][part]},
                   birth_factor=factor(inp.birth_factor), migration_factor=factor(inp.migration_factor))


def _run(inp: EngineInputs, components: bool, pop: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """:func:`run` without blocks; the population is written into ``pop`` if given."""
    S_in, Sb_in, f_in = inp.survival, inp.birth_survival, inp.fertility
    mig_in, rate_in, msb_in = inp.net_migration, inp.net_migration_rate, inp.male_share_at_birth
    T = inp.flow_years.size
    lead_shape = inp.base.shape[:-2]
    F = SEXES.index("female")
    A1 = MAX_AGE - 1
    pop = np.empty((T + 1,) + inp.base.shape) if pop is None else pop
    pop[0] = inp.base
    out = {"population": pop}
    # what does not depend on the population is done for all years at once where the inputs
    # are arrays (the same operations as inside the loop, so the same numbers)
    plain = all(isinstance(x, np.ndarray) for x in (S_in, Sb_in, msb_in))
    f_half = f_in * 0.5 if isinstance(f_in, np.ndarray) else None
    shares = np.stack([msb_in, 1.0 - msb_in], axis=-1) if isinstance(msb_in, np.ndarray) else None
    if components:
        # flows get one extra (NaN) year so that they share the population's year axis
        births = np.full((T + 1,) + lead_shape, np.nan)
        deaths = np.full(pop.shape, np.nan)
        infant_deaths = np.full((T + 1,) + lead_shape + (2,), np.nan)
        survivors = np.full(pop.shape, np.nan)
        realised = np.full(pop.shape, np.nan)
        shortfall = np.full(pop.shape, np.nan)
        out.update(births=births, deaths=deaths, infant_deaths=infant_deaths, survivors=survivors,
                   net_migration=realised, migration_shortfall=shortfall)
    else:  # a buffer reused every year
        surv_buf = np.empty(inp.base.shape)
    neg, M_buf = np.empty(inp.base.shape), np.empty(inp.base.shape)
    bf = inp.birth_factor
    mf = None if inp.migration_factor is None else np.asarray(inp.migration_factor)[..., None, None]
    short_total = 0.0

    for t in range(T):  # sequential by nature; every operation inside is vectorised
        P, S, Sb, mig = pop[t], S_in[t], Sb_in[t], mig_in[t]
        rate = None if rate_in is None else rate_in[t]
        surv = survivors[t] if components else surv_buf
        # survivors at their new age (as planmodel.population.migration.survive)
        surv[..., 0, :] = 0.0
        np.multiply(P[..., :A1, :], S[..., :A1, :], out=surv[..., 1:MAX_AGE, :])
        surv[..., MAX_AGE, :] = P[..., A1, :] * S[..., A1, :] + P[..., MAX_AGE, :] * S[..., MAX_AGE, :]
        # births need next year's women: survivors and migrants at ages >= 1 come first
        if rate is None:
            M = mig if mf is None else np.multiply(mig, mf, out=M_buf)
        else:  # mig + rate * surv; age 0 completed below
            M = np.multiply(rate, surv, out=M_buf)
            M += mig
            if mf is not None:
                M *= mf
        women_next = np.maximum(surv[..., F] + M[..., F], 0.0)
        fh = f_half[t] if f_half is not None else f_in[t] * 0.5
        X = P[..., F] + women_next
        # the product in the memory layout of the fertility rates (numpy's summation order
        # follows the layout; so the births equal those of earlier versions to the last bit)
        y = np.empty_like(fh) if fh.shape == X.shape else np.empty(np.broadcast_shapes(fh.shape, X.shape))
        B = np.sum(np.multiply(fh, X, out=y), axis=-1)
        if bf is not None:
            B = B * bf
        share = shares[t] if shares is not None else np.stack([msb_in[t], 1.0 - msb_in[t]], axis=-1)
        surv[..., 0, :] = B[..., None] * share * Sb
        if rate is not None:  # the rate at age 0 acts on the surviving births
            M[..., 0, :] = mig[..., 0, :] + rate[..., 0, :] * surv[..., 0, :]
            if mf is not None:
                M[..., 0, :] *= mf[..., 0, :]
        if not components:
            # surv + max(M, -surv) == max(surv + M, 0) to the last bit (a rounded sum is
            # negative exactly when the exact one is), and the cut part is -min(surv + M, 0):
            # two passes fewer over a many-draw array
            Z = np.add(surv, M, out=pop[t + 1])
            short_total -= float(np.sum(np.minimum(Z, 0.0, out=neg)))
            np.maximum(Z, 0.0, out=Z)
        else:
            M_real = realised[t]
            np.maximum(M, np.negative(surv, out=neg), out=M_real)
            np.add(surv, M_real, out=pop[t + 1])
            np.subtract(M_real, M, out=shortfall[t])
            births[t] = B
            if not plain:
                infant_deaths[t] = B[..., None] * share * (1.0 - Sb)
                deaths[t] = P * (1.0 - S)
    if components and plain:
        infant_deaths[:-1] = births[:-1, ..., None] * shares * (1.0 - Sb_in)
        deaths[:-1] = pop[:-1] * (1.0 - S_in)
    out["shortfall_total"] = np.asarray(np.nansum(shortfall) if components else short_total)
    return out


_INDEXES: dict[tuple, tuple[PandasIndex, dict]] = {}


def _index(dim: str, values: np.ndarray) -> tuple[PandasIndex, dict]:
    """A dimension coordinate's index and variables, built once per dim and values (an
    xarray index is immutable, so datasets may share it)."""
    values = np.asarray(values)
    key = (dim, values.dtype.str, tuple(values.tolist()))
    hit = _INDEXES.get(key)
    if hit is None:
        if len(_INDEXES) > 256:
            _INDEXES.clear()
        idx = PandasIndex(values, dim, coord_dtype=values.dtype)
        hit = _INDEXES[key] = (idx, idx.create_variables())
    return hit


def dataset(data_vars: dict[str, tuple], coords: dict[str, np.ndarray], attrs: dict | None = None) -> xr.Dataset:
    """A Dataset from ``{name: (dims, values, attrs)}`` and dimension coordinates
    ``{dim: values}``, without xarray's alignment (the caller guarantees that every variable
    is on exactly these coordinates): the indexes of common coordinates are built once per
    process. Same result as ``xr.Dataset(data_vars, coords, attrs)``."""
    if not hasattr(xr.Dataset, "_construct_direct"):  # pragma: no cover - other xarray versions
        return xr.Dataset(data_vars, coords=coords, attrs=attrs)
    indexes, variables = {}, {}
    for d, v in coords.items():
        idx, var = _index(d, v)
        indexes[d] = idx
        variables.update(var)
    dims = {d: len(v) for d, v in coords.items()}
    for name, (vdims, values, vattrs) in data_vars.items():
        variables[name] = xr.Variable(vdims, values, vattrs)
    return xr.Dataset._construct_direct(variables, set(coords), dims, dict(attrs or {}), indexes)


def to_dataset(flows: dict[str, np.ndarray], inp: EngineInputs, extra: dict[str, tuple] | None = None,
               attrs: dict | None = None) -> xr.Dataset:
    """The Dataset of :func:`project` from :func:`run`'s arrays (``components=True``), plus
    ``extra`` variables ``{name: (dims, values, attrs)}`` on the same coordinates (a name of
    the engine's replaces it) and ``attrs`` added to the Dataset's attributes."""
    lead_names = list(inp.lead)
    pop_years = np.concatenate([[inp.base_year], inp.flow_years + 1])
    dims_p = ("year", *lead_names, "age", "sex")
    coords_p = {"year": pop_years, "age": AGES, "sex": np.array(SEXES), **inp.lead}
    order_p = ("year", "age", "sex", *lead_names)

    def out(name, dims, units, long_name):
        """(dims, values, attrs) with age and sex moved before the lead dims."""
        target = [d for d in order_p if d in dims]
        values = np.moveaxis(flows[name], [dims.index(d) for d in target], range(len(target)))
        return (tuple(target), values, {"units": units, "long_name": long_name})

    data_vars = {
            "population": out("population", dims_p, "persons", "Befolkning 1. januar"),
            "births": out("births", ("year", *lead_names), "persons per year", "Levendefødte"),
            "survivors": out("survivors", dims_p, "persons",
                             "Overlevende fra 1. januar t (alder 0: overlevende fødte i året)"),
            "deaths": out("deaths", dims_p, "persons per year", "Døde (etter alder 1. januar)"),
            "infant_deaths": out("infant_deaths", ("year", *lead_names, "sex"),
                                 "persons per year", "Fødte i året som døde før 1. januar"),
            "net_migration": out("net_migration", dims_p, "persons per year", "Nettoinnflytting (realisert)"),
            "migration_shortfall": out("migration_shortfall", dims_p, "persons per year",
                                       "Netto utflytting som ikke kunne gjennomføres"),
    }
    data_vars.update(extra or {})
    return dataset(data_vars, coords_p, {"base_year": inp.base_year,
                                         "migration_shortfall_total": float(flows["shortfall_total"]),
                                         **(attrs or {})})


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
