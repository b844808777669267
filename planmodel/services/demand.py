r"""Service demand: from population to users, with the crisis options.

For service :math:`s`, age :math:`a` and year :math:`t`:

.. math::

    c_{s,a,t} = c^0_{s,a}\; B_{s,t}\; T_{s,t}\; (1 + E_{s,t}), \qquad
    U_{s,t} = \sum_a c_{s,a,t}\, P_{a,t}

- :math:`c^0` the calibrated base-year coverage (dekningsgrad);
- :math:`B` **breadth** (tilbudsbredde) for optional services: at breadth :math:`b \in [-1, 1]`,
  :math:`B = 1 + b(1-k)` for :math:`b<0` (:math:`k` = share kept by a narrow offer, 0 if it is
  dropped) and :math:`B = 1 + b\,x` for :math:`b>0` (:math:`x` = extension of a broad offer);
- :math:`T` **threshold** (terskel) :math:`\theta \in [-1, 1]` per service group: light services
  :math:`1 + \ell(\theta)`, heavy services :math:`1 + h(\theta)\,r_L(t)`, where
  :math:`\ell(\theta) = -\theta\,\ell_{lav}` for :math:`\theta<0` and :math:`\theta\,\ell_{høy}` for
  :math:`\theta>0` (likewise :math:`h`), and :math:`r_L(t)` phases the heavy change in over the lag;
- :math:`E` preventive **effects** of optional services on other services:
  :math:`E_{s,t} = \sum_e \epsilon_e\,(B_{src(e)} - 1)\,r_{L_e}(t)`.

Options act from the year after the base year (the base year is today's practice, as
calibrated). Phase-in :math:`r_L(t) = \min(1, \max(0, (t - t_0)/L))`.

**Capacity** (places in sykehjem and heldøgns omsorgsbolig) is a stock: demand above capacity
either waits (``queue``: a visible number of people waiting, *ventende*) or is served one step
down the care staircase at that step's cost (``step_down``). **Unmet need** per threshold group is
the number of people the light services would serve at the lowest threshold (θ = −1) but do not
serve at the chosen one.

Any option may be a DataArray with its own dimension (for example ``threshold_option`` and
``breadth_option`` for the crisis 2×2, or ``draw``); it broadcasts through every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import xarray as xr

from types import MappingProxyType

from planmodel.core.cache import memo
from planmodel.core.errors import InputError
from planmodel.core.schema import listing
from planmodel.core.lead import Lead
from planmodel.core.values import EFFECT_BOUNDS, OVERFLOW_MODES, pick
from planmodel.inputs.catalogue import Catalogue
from planmodel.services.capacity import existing_places


Number = float | xr.DataArray


@dataclass(frozen=True)
class ServiceOptions:
    """The policy options of the service model.

    Attributes
    ----------
    threshold : float, DataArray or {group: value}; -1 = lav terskel, 0 = today, +1 = høy terskel.
    breadth : float or DataArray; -1 = smalt tilbud, 0 = today, +1 = bredt tilbud.
    overflow : "queue" (demand above capacity waits) or "step_down" (served one level down).
    capacity_additions : {capacity group: {year: places}} places that open in that year (a flow;
        they stay open). Negative numbers close places.
    base_capacity : {capacity group: places} in the base year; default: the base-year users
        rounded up to whole places.
    dropped : services removed altogether; a mandatory service here is an error.
    effect_bound : "value" (central assumptions), "weak" (every uncertain effect at the end of
        its range nearest zero) or "strong" (farthest from zero).
    coverage_factors : DataArray (service, year, ...) [factor], extra multiplicative changes of
        coverage (from measures / tiltak); 1 = no change.
    saturate : a coverage above 1 (more users than inhabitants of an age) is an error (False), or
        is held at 1 and counted in ``DemandArrays.saturated`` (True: Monte Carlo draws, where
        a high coverage draw meets strong tiltak effects in the oldest ages).
    """

    threshold: Number | Mapping[str, Number] = 0.0
    breadth: Number = 0.0
    overflow: str = "queue"
    capacity_additions: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    base_capacity: Mapping[str, float] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    effect_bound: str = "value"
    coverage_factors: xr.DataArray | None = None
    source: str = "tjenestevalg"
    refuse_overclosing: bool = False
    saturate: bool = False


def _short(values) -> str:
    """A number, or the range of an array of numbers, for a message (never an array's repr)."""
    a = np.asarray(values.values if isinstance(values, xr.DataArray) else values, dtype=float)
    if a.size == 1:
        return f"{float(a.reshape(-1)[0])!r}"
    bad = a[~np.isfinite(a)]
    return f"{float(bad[0])!r} (blant {a.size} verdier)" if bad.size else f"verdier fra {a.min():g} til {a.max():g}"


def _numbers(value, source: str, key: str, what: str) -> np.ndarray:
    """``value`` (a number or a DataArray) as a float array; text and other objects are an InputError."""
    try:
        return np.asarray(value.values if isinstance(value, xr.DataArray) else value, dtype=float)
    except (TypeError, ValueError):
        shown = repr(value) if isinstance(value, str) and len(value) < 40 else type(value).__name__
        raise InputError(source, key, f"{shown} er ikke et tall; forventet {what}") from None


def validate_options(catalogue: Catalogue, options: ServiceOptions, source: str | None = None) -> None:
    """Check every option before anything is computed; errors name the option and the value (and
    ``source``, default the options' own)."""
    source = source or options.source
    if options.overflow not in OVERFLOW_MODES:
        raise InputError(source, "overflow", f"{options.overflow!r}; gyldige: {', '.join(OVERFLOW_MODES)}")
    if options.effect_bound not in EFFECT_BOUNDS:
        raise InputError(source, "effect_bound", f"{options.effect_bound!r}; gyldige: {', '.join(EFFECT_BOUNDS)}")
    thresholds = options.threshold if isinstance(options.threshold, Mapping) else {"(alle)": options.threshold}
    for g, t in thresholds.items():
        if g != "(alle)" and g not in catalogue.threshold_groups:
            raise InputError(source, f"threshold.{g}",
                             f"ukjent tjenestegruppe; gyldige: {listing(catalogue.threshold_groups)}")
        tv = _numbers(t, source, f"threshold.{g}", "en terskel i [-1, 1]")
        if not np.isfinite(tv).all():
            raise InputError(source, f"threshold.{g}", f"{_short(tv)} er ikke et endelig tall; forventet en terskel i [-1, 1]")
        if tv.min() < -1 or tv.max() > 1:
            raise InputError(source, f"threshold.{g}", f"{_short(tv)} er utenfor [-1, 1] (-1 = lav terskel, 1 = høy terskel)")
    bv = _numbers(options.breadth, source, "breadth", "et tilbud i [-1, 1]")
    if not np.isfinite(bv).all():
        raise InputError(source, "breadth", f"{_short(bv)} er ikke et endelig tall; forventet et tilbud i [-1, 1]")
    if bv.min() < -1 or bv.max() > 1:
        raise InputError(source, "breadth", f"{_short(bv)} er utenfor [-1, 1] (-1 = smalt, 1 = bredt tilbud)")
    for sid in options.dropped:
        if sid not in catalogue.services:
            raise InputError(source, "dropped", f"ukjent tjeneste {sid!r}; gyldige: {listing(catalogue.services)}")
        if catalogue.services[sid].mandatory:
            raise InputError(source, f"dropped.{sid}",
                             f"{catalogue.services[sid].name} er lovpålagt og kan ikke fjernes")
    for name, spec in (("capacity_additions", options.capacity_additions), ("base_capacity", options.base_capacity)):
        for g in spec:
            if g not in catalogue.capacity_groups:
                raise InputError(source, f"{name}.{g}",
                                 f"ukjent kapasitetsgruppe; gyldige: {', '.join(catalogue.capacity_groups)}")
    for g, places in options.base_capacity.items():
        if not np.isfinite(places) or places < 0:
            raise InputError(source, f"base_capacity.{g}", f"{places!r}: kapasiteten kan ikke være negativ")
    if options.coverage_factors is not None:
        cf = np.asarray(options.coverage_factors, dtype=float)
        if not np.isfinite(cf).all() or float(cf.min()) < 0:
            raise InputError(source, "coverage_factors", "faktorene må være endelige tall og ikke negative")


def _ramp(years: np.ndarray, base_year: int, lag: int) -> np.ndarray:
    """Phase-in (year,) from 0 in the base year to 1 after ``lag`` years (at least one)."""
    return np.clip((years - base_year) / max(lag, 1), 0.0, 1.0)


def _pick(value, bound: str) -> float:
    return pick(value, bound)


@dataclass(frozen=True)
class CatalogueIndex:
    """Integer positions and per-service vectors of a catalogue, for the numpy core."""

    ids: tuple[str, ...]
    pos: dict
    has_breadth: np.ndarray
    keep: np.ndarray
    ext: np.ndarray
    users_basis: np.ndarray
    mandatory: np.ndarray

    @classmethod
    def of(cls, catalogue: Catalogue) -> "CatalogueIndex":
        return _index(catalogue)

    def rows(self, ids) -> list[int]:
        return [self.pos[i] for i in ids]


@memo(maxsize=16, key=lambda c: c.fingerprint)
def _index(catalogue: Catalogue) -> CatalogueIndex:
    s = catalogue.services
    ids = tuple(catalogue.ids)
    return CatalogueIndex(
        ids=ids, pos=MappingProxyType({sid: i for i, sid in enumerate(ids)}),
        has_breadth=np.array([s[i].breadth is not None for i in ids]),
        keep=np.array([s[i].breadth.keep_share if s[i].breadth else 1.0 for i in ids]),
        ext=np.array([s[i].breadth.broad_extension if s[i].breadth else 0.0 for i in ids]),
        users_basis=np.array([s[i].basis == "users" for i in ids]),
        mandatory=np.array([s[i].mandatory for i in ids]),
    )


@dataclass(frozen=True)
class DemandArrays:
    """Results of :func:`demand_arrays` as numpy arrays; N is the flattened lead axis.

    by_age (S, A, Y, N) served users; demand (S, Y, N) before capacity; capacity, queue,
    stepped_down (G, Y, N) per capacity group; unmet (H, Y, N) per threshold group; P (A, Y, N)
    population (both sexes).
    """

    by_age: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    queue: np.ndarray
    stepped_down: np.ndarray
    unmet: np.ndarray
    P: np.ndarray
    years: np.ndarray
    lead: Lead
    saturated: np.ndarray | None = None  # (N,) persons whose coverage was held at 1 (options.saturate)


def _threshold_values(catalogue: Catalogue, threshold, lead: Lead) -> dict[str, np.ndarray]:
    out = {}
    for gid in catalogue.threshold_groups:
        t = threshold.get(gid, 0.0) if isinstance(threshold, Mapping) else threshold
        out[gid] = lead.flat(t).reshape(-1)
    return out


def demand_arrays(pop: xr.DataArray, catalogue: Catalogue, coverage0: xr.DataArray,
                  options: ServiceOptions, measures=None, capacity: bool = True) -> DemandArrays:
    """The numpy core of the service model (see the module docstring for the equations).

    ``measures`` (:class:`planmodel.services.effects.MeasureArrays`) adds the coverage effects and
    care-level shifts of chosen tiltak. If it carries its own lead axis (several measure sets,
    for samordning), the other inputs must have none.
    """
    validate_options(catalogue, options)
    idx = CatalogueIndex.of(catalogue)
    thresholds = options.threshold.values() if isinstance(options.threshold, Mapping) else [options.threshold]
    lead = Lead.of(pop, coverage0, options.breadth, options.coverage_factors, *thresholds,
                   core={"year", "age", "sex", "service"})
    if measures is not None and measures.lead is not None:
        if lead.n > 1 and lead.dims != measures.lead.dims:
            raise InputError("tiltak", "measure sets", "kan ikke kombinere flere tiltakssett med andre valg-dimensjoner")
        lead = measures.lead
    if pop.dims == ("year", "age", "sex"):  # the common case: plain numpy, no xarray overhead
        P = pop.values.sum(axis=2).T[:, :, None]  # (A, Y, 1)
    elif pop.dims == ("year", "age", "sex", *lead.dims) and lead.n > 1:  # Monte Carlo draws: numpy too
        P = np.ascontiguousarray(pop.values.sum(axis=2).reshape(pop.sizes["year"], pop.sizes["age"], -1)
                                 .transpose(1, 0, 2))  # (A, Y, N)
    else:
        P = lead.flat(pop.sum("sex") if "sex" in pop.dims else pop, ("age", "year"))  # (A, Y, N)
    years = pop["year"].values.astype(int)
    base = int(years[0])
    C0 = lead.flat(coverage0, ("service", "age"))  # (S, A, N)
    r1 = _ramp(years, base, 1)[None, :, None]
    bound = options.effect_bound

    # breadth (S, N) and its phase-in (S, Y, N)
    b = lead.flat(options.breadth).reshape(-1)[None, :]
    fb = np.where(b < 0, 1.0 + b * (1.0 - idx.keep[:, None]), 1.0 + b * idx.ext[:, None])
    fb = np.where(idx.has_breadth[:, None], fb, 1.0)
    if options.dropped:
        fb[idx.rows(options.dropped), :] = 0.0
    bt = 1.0 + (fb[:, None, :] - 1.0) * r1

    # threshold (S, Y, N) at the chosen setting and with light services at theta = -1
    tvals = _threshold_values(catalogue, options.threshold, lead)
    S, Y, N = len(idx.ids), years.size, max(lead.n, 1)
    cf_rows = measures.coverage_rows if measures is not None else {}
    tf = np.ones((S, Y, N))
    tf_low = np.ones((S, Y, N))
    for gid, g in catalogue.threshold_groups.items():
        t = tvals[gid][None, None, :]
        light = np.where(t < 0, -t * _pick(g.low_light, bound), t * _pick(g.high_light, bound))
        heavy = np.where(t < 0, -t * _pick(g.low_heavy, bound), t * _pick(g.high_heavy, bound))
        lrows, hrows = idx.rows(g.light), idx.rows(g.heavy)
        tf[lrows] += light * r1
        tf[hrows] += heavy * _ramp(years, base, g.lag_years)[None, :, None]
        tf_low[lrows] += _pick(g.low_light, bound) * r1
        tf_low[hrows] = tf[hrows]

    # preventive effects of optional services (S, Y, N)
    # preventive effects of optional services: the source's volume relative to the base year
    # (breadth, and any tiltak that changes its coverage) moves its targets (S, Y, N)
    ef = np.zeros((S, Y, N))
    for sid, s in catalogue.services.items():
        if not s.effects:
            continue
        src = idx.pos[sid]
        volume = np.broadcast_to(fb[src][None, :], (Y, N))
        if src in cf_rows:
            band = C0[src, :, 0] > 0
            volume = volume * cf_rows[src][band].mean(axis=0)
        for eff in s.effects:  # a handful, each vectorised over years and options
            ef[idx.pos[eff.target]] += (_pick(eff.change, bound) * (volume - 1.0)
                                        * _ramp(years, base, eff.lag_years)[:, None])
    common = bt * (1.0 + ef)
    if options.coverage_factors is not None:
        common = common * lead.flat(options.coverage_factors, ("service", "year"))
    factor = common * tf  # (S, Y, N)
    cov = C0[:, :, None, :] * factor[:, None, :, :]  # (S, A, Y, N), a new array
    for row, f in cf_rows.items():  # the few services whose coverage a tiltak changes
        cov[row] *= f

    # unmet need: light services at theta = -1 minus at the chosen threshold (before shifts)
    unmet = np.zeros((len(catalogue.threshold_groups), Y, N))
    for h, g in enumerate(catalogue.threshold_groups.values()):
        rows = idx.rows(g.light)
        ratio = tf_low[rows] / tf[rows] - 1.0  # (L, Y, N)
        unmet[h] = (cov[rows] * ratio[:, None] * P[None]).sum(axis=(0, 1))

    if measures is not None and measures.shifts:
        for f, t, share in measures.shifts:  # care-level shifts of tiltak (LEON)
            moved = cov[f] * share[None]
            cov[f] -= moved
            cov[t] += moved
    saturated = None
    basis_rows = np.flatnonzero(idx.users_basis)
    too_high = cov.max(axis=1)[basis_rows] > 1.0 + 1e-12  # (S', Y, N): one pass over the ages
    if options.saturate:
        saturated = np.zeros(N)
        if too_high.any():
            over = np.maximum(cov[basis_rows] - 1.0, 0.0)
            saturated = (over * P[None]).sum(axis=(0, 1, 2))  # (N,) persons
            cov[basis_rows] = np.minimum(cov[basis_rows], 1.0)
            too_high = np.zeros(1, dtype=bool)
    # coverage can only turn negative through a negative factor or a shift share outside [0, 1]
    maybe_negative = (C0.min() < 0 or factor.min() < 0 or any(f.min() < 0 for f in cf_rows.values())
                      or any(sh.min() < 0 or sh.max() > 1 for _, _, sh in (measures.shifts if measures else ())))
    if too_high.any() or (maybe_negative and cov.min() < 0):
        bad = np.flatnonzero(((cov < 0) | ((cov > 1.0 + 1e-12) & idx.users_basis[:, None, None, None])).any(axis=(1, 2, 3)))
        raise InputError("tjenestevalg", f"services.{idx.ids[bad[0]]}",
                         "valgene gir en dekningsgrad utenfor [0, 1]; juster terskel, bredde eller tiltak")
    by_age = np.multiply(cov, P[None, :, :, :], out=cov)  # cov is not used after this
    demand = by_age.sum(axis=1)
    pre = DemandArrays(by_age, demand, None, None, None, unmet, P, years, lead, saturated)
    return apply_capacity(pre, catalogue, options, inplace=True) if capacity else pre


def apply_capacity(pre: DemandArrays, catalogue: Catalogue, options: ServiceOptions,
                   opened: dict[str, np.ndarray] | None = None, inplace: bool = False) -> DemandArrays:
    """The capacity stage: serve up to capacity, queue or step down the rest.

    ``pre`` holds users before capacity (from :func:`demand_arrays` with ``capacity=False``);
    demand does not depend on capacity, so a behovsanalyse can plan places from ``pre.demand``
    and apply them here without recomputing demand. ``opened`` {capacity group: (Y, N) places
    opening each year} adds places per lead column (each variant its own behovsanalyse).

    In the base year everybody is served (its users are KOSTRA's, paid for in the accounts), even
    when the stated places are fewer; they bind from the next year. ``inplace`` reuses
    ``pre.by_age`` (the caller does not need it afterwards) instead of copying it."""
    idx = CatalogueIndex.of(catalogue)
    by_age, years = pre.by_age, pre.years
    S, Y, N = len(idx.ids), years.size, by_age.shape[-1]
    G = len(catalogue.capacity_groups)
    capacity = np.zeros((G, Y, N))
    queue = np.zeros((G, Y, N))
    moved = np.zeros((G, Y, N))
    full = (S, by_age.shape[1], Y, N)
    by_age = by_age if inplace and by_age.shape == full and by_age.flags.writeable else np.broadcast_to(by_age, full).copy()
    for k, (gid, g) in enumerate(catalogue.capacity_groups.items()):
        rows = idx.rows(g.services)
        group = by_age[rows]  # (M, A, Y, N)
        D = group.sum(axis=(0, 1))  # (Y, N)
        # existing places: given, or the base year's users rounded up to whole places
        base_cap = options.base_capacity.get(gid, float(existing_places(D[0].max())))
        adds = options.capacity_additions.get(gid, {})
        add_path = np.array([sum(v for yr, v in adds.items() if int(yr) <= y) for y in years], dtype=float)[:, None]
        by_hand = base_cap + add_path  # today's places and those opened or closed by hand
        if options.refuse_overclosing and float(by_hand.min()) < -0.5:
            at = int(np.argmin(by_hand.min(axis=1)))
            raise InputError(options.source, f"services.capacity_additions.{gid}",
                             f"stenger {base_cap - float(by_hand[at].min()):,.0f} plasser innen {int(years[at])}, men det "
                             f"finnes bare {base_cap:,.0f} plasser; steng høyst så mange".replace(",", " "))
        if opened is not None and gid in opened:
            add_path = add_path + np.cumsum(opened[gid], axis=0)
        cap = np.maximum(base_cap + add_path, 0.0)
        # the base year's users are the observed ones (the accounts paid for them): nobody waits
        # in the base year, even when fewer places are stated; the stated places bind from the next year
        limit = np.broadcast_to(cap, D.shape).copy()
        limit[0] = np.maximum(limit[0], D[0])
        served = np.minimum(D, limit)
        share = np.divide(served, D, out=np.ones_like(D), where=D > 0)
        excess = D - served
        by_age[rows] = group * share[None, None]
        capacity[k] = cap
        if options.overflow == "step_down":
            by_age[idx.pos[g.step_down_to]] += (group * (1.0 - share)[None, None]).sum(axis=0)
            moved[k] = excess
        else:
            queue[k] = excess
    return DemandArrays(by_age, pre.demand, capacity, queue, moved, pre.unmet, pre.P, years, pre.lead, pre.saturated)


def compute_demand(pop: xr.DataArray, catalogue: Catalogue, coverage0: xr.DataArray,
                   options: ServiceOptions) -> xr.Dataset:
    """Users by service under the options, with capacity, queue and unmet need, as a Dataset.

    Parameters
    ----------
    pop : DataArray (year, age, [sex], ...) [persons] on 1 January; the first year is the base.
    catalogue : Catalogue; coverage0 : DataArray (service, age) calibrated base coverage.
    options : ServiceOptions (validated here).

    Returns
    -------
    Dataset with ``demand`` and ``users`` (service, year, ...) [persons] before and after
    capacity; ``users_by_level`` (care_level, year, ...); ``capacity`` [places], ``queue`` and
    ``stepped_down`` [persons] (capacity_group, year, ...); ``unmet_need`` (threshold_group,
    year, ...) [persons].
    """
    d = demand_arrays(pop, catalogue, coverage0, options)
    return demand_dataset(d, catalogue)


def demand_dataset(d: DemandArrays, catalogue: Catalogue) -> xr.Dataset:
    lead = d.lead
    cc = {"service": list(catalogue.ids), "year": d.years, "capacity_group": list(catalogue.capacity_groups),
          "threshold_group": list(catalogue.threshold_groups)}
    users = d.by_age.sum(axis=1)
    levels = catalogue.by_care_level()
    idx = CatalogueIndex.of(catalogue)
    by_level = np.stack([users[idx.rows(ids)].sum(axis=0) for ids in levels.values()])
    cc["care_level"] = list(levels)
    ds = xr.Dataset({
        "demand": lead.unflat(d.demand, ("service", "year"), cc, units="persons",
                              long_name="Behov (brukere før kapasitetsgrense)"),
        "users": lead.unflat(users, ("service", "year"), cc, units="persons", long_name="Brukere"),
        "users_by_level": lead.unflat(by_level, ("care_level", "year"), cc, units="persons",
                                      long_name="Brukere etter nivå i omsorgstrappen"),
        "capacity": lead.unflat(d.capacity, ("capacity_group", "year"), cc, units="places",
                                long_name="Kapasitet (plasser)"),
        "queue": lead.unflat(d.queue, ("capacity_group", "year"), cc, units="persons", long_name="Ventende"),
        "stepped_down": lead.unflat(d.stepped_down, ("capacity_group", "year"), cc, units="persons",
                                    long_name="Gitt tjeneste ett trinn ned"),
        "unmet_need": lead.unflat(d.unmet, ("threshold_group", "year"), cc, units="persons",
                                  long_name="Udekket behov (betjent ved lav, men ikke ved valgt terskel)"),
    })
    ds["stepped_down"].attrs["note"] = ("Med step_down går overløp fra sykehjem til heldøgns omsorgsbolig og "
                                        "videre ned; en person som flyttes to trinn telles i begge grupper.")
    ds["queue"].attrs["note"] = ("Ventende får tjeneste mens de venter (sykehus som utskrivningsklar, tunge "
                                 "hjemmetjenester) til kapasitetsgruppens ventekostnad (tjenestekatalogen).")
    return ds.assign_coords({k: v for k, v in catalogue.service_coords().items() if k != "service"}).assign_coords(
        care_level_name=("care_level", [catalogue.care_levels[k] for k in levels]),
        capacity_group_name=("capacity_group", [g.name for g in catalogue.capacity_groups.values()]),
        threshold_group_name=("threshold_group", [g.name for g in catalogue.threshold_groups.values()]),
    )
