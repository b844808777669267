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


class AgeUsers:
    r"""Users by service and age, :math:`U_{s,a,t} = c_{s,a,t} P_{a,t}`, without the (S, A, Y, N) array.

    Everything the model does after the base coverage scales a row by a factor that is the same at
    every age (breadth, threshold, effects, drawn coverage, capacity), a tiltak's coverage factor
    is the same within each of its age bands, and care-level shifts and step-down move a share
    (the same at every age) of one row's users to another. So the coverage of a row is a sum of
    **terms** :math:`b_{j,a}\,g_{j,t}`: a base coverage ``base`` (T, A, N0) (the calibrated
    coverage, within one age segment of the row's tiltak) times a scale ``scale`` (T, Y, N); term
    :math:`j` belongs to row ``row_of[j]``. Every result downstream is an age sum with weights
    (users 1, unit cost, årsverk per user, :meth:`sums`): a matrix product (T, A) @ (A, Y·N).
    Rows whose coverage is held at 1 (saturation) are held whole as coverage (A, Y, N) in
    ``rows``. ``dense`` (S, A, Y, N) holds users given by hand (tests); then it is the whole truth.
    """

    def __init__(self, base=None, scale=None, row_of=None, P=None, S: int = 0, rows=None, dense=None):
        self.base, self.scale, self.P, self.S = base, scale, P, S
        self.row_of = np.asarray(row_of if row_of is not None else [], dtype=int)
        self.rows: dict[int, np.ndarray] = dict(rows or {})
        self.dense = dense
        self.mixed: set[int] = set()  # rows with terms from other rows (their terms overlap in age)

    @classmethod
    def of(cls, C0: np.ndarray, factor: np.ndarray, P: np.ndarray, segments=None) -> "AgeUsers":
        """Coverage ``C0`` (S, A, N0) times ``factor`` (S, Y, N), and for the rows in ``segments``
        ({row: (edges (K+1,), factors (K, Y, N))}, a tiltak's coverage factor constant on each age
        segment) times that factor."""
        if C0.shape[-1] > 1 and C0.strides[-1] == 0:
            C0 = C0[..., :1]  # one base coverage for every column
        S, A = C0.shape[:2]
        segments = segments or {}
        base, scale, row_of = [], [], []
        for s in range(S):  # a loop over services (and the age segments of their tiltak)
            if s in segments:
                edges, f = segments[s]
                ages = np.arange(A)
                for k in range(edges.size - 1):
                    inside = (ages >= edges[k]) & (ages < edges[k + 1])
                    base.append(C0[s] * inside[:, None])
                    scale.append(factor[s] * f[k])
                    row_of.append(s)
            else:
                base.append(C0[s])
                scale.append(np.broadcast_to(factor[s], factor.shape[1:]))
                row_of.append(s)
        Y, N = np.broadcast_shapes(*(g.shape for g in scale))
        return cls(np.stack(base), np.stack([np.broadcast_to(g, (Y, N)) for g in scale]), row_of, P, S)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(S, A, Y, N)."""
        if self.dense is not None:
            return self.dense.shape
        T, Y, N = self.scale.shape
        N = max([N, self.P.shape[-1], self.base.shape[-1]] + [r.shape[-1] for r in self.rows.values()])
        return self.S, self.base.shape[1], Y, N

    def copy(self) -> "AgeUsers":
        if self.dense is not None:
            return AgeUsers(dense=self.dense.copy())
        out = AgeUsers(self.base, self.scale.copy(), self.row_of, self.P, self.S, self.rows)
        out.mixed = set(self.mixed)
        return out

    def _terms(self, rows) -> np.ndarray:
        return np.flatnonzero(np.isin(self.row_of, list(rows)))

    def coverage(self, s: int) -> np.ndarray:
        """Coverage (A, Y, N) of service row ``s`` (a new array unless the row is held whole)."""
        if s in self.rows:
            return self.rows[s]
        terms = self._terms([s])
        out = self.base[terms[0]][:, None, :] * self.scale[terms[0]][None]
        for j in terms[1:]:  # the age segments of a tiltak, and users moved from other rows
            out = out + self.base[j][:, None, :] * self.scale[j][None]
        return out

    def hold(self, s: int, coverage: np.ndarray) -> None:
        """Hold row ``s`` whole as ``coverage`` (A, Y, N) from now on."""
        keep = self.row_of != s
        self.base, self.scale, self.row_of = self.base[keep], self.scale[keep], self.row_of[keep]
        self.rows[s] = coverage
        self.mixed.discard(s)

    def scale_rows(self, rows: list[int], share: np.ndarray) -> None:
        """Multiply the users of ``rows`` by ``share`` (Y, N), the same at every age."""
        if self.dense is not None:
            self.dense[rows] = self.dense[rows] * share[None, None]
            return
        terms = self._terms(rows)
        self.scale = np.broadcast_to(self.scale, np.broadcast_shapes(self.scale.shape, share.shape)).copy()
        self.scale[terms] *= share
        for r in rows:
            if r in self.rows:
                self.rows[r] = self.rows[r] * share[None]

    def move(self, rows: list[int], to: int, kept: np.ndarray, moved: np.ndarray) -> None:
        """Keep the share ``kept`` (Y, N) of the users of ``rows`` there and add the share
        ``moved`` of them to row ``to`` (a care-level shift; step-down of those without a place)."""
        if self.dense is not None:
            extra = (self.dense[rows] * moved[None, None]).sum(axis=0)
            self.scale_rows(rows, kept)
            self.dense[to] += extra
            return
        if to in self.rows or any(r in self.rows for r in rows):
            extra = sum(self.coverage(r) * moved[None] for r in rows)
            self.scale_rows(rows, kept)
            self.hold(to, self.coverage(to) + extra)
            return
        terms = self._terms(rows)
        new_scale = self.scale[terms] * moved
        self.scale_rows(rows, kept)
        self.base = np.concatenate([self.base, self.base[terms]])
        self.scale = np.concatenate([self.scale, new_scale])
        self.row_of = np.concatenate([self.row_of, np.full(terms.size, to)])
        self.mixed.add(to)

    def high(self, rows) -> np.ndarray:
        """Highest coverage over the ages (R, Y, N) of ``rows``."""
        return self._extreme(list(rows), highest=True)

    def low(self) -> np.ndarray:
        """Lowest coverage over the ages (S, Y, N)."""
        return self._extreme(list(range(self.S)), highest=False)

    def _extreme(self, rows: list[int], highest: bool) -> np.ndarray:
        S, A, Y, N = self.shape
        pos = np.full(S, -1)
        pos[rows] = np.arange(len(rows))
        terms = np.flatnonzero(pos[self.row_of] >= 0)
        top, bottom = self.base[terms].max(axis=1)[:, None, :], self.base[terms].min(axis=1)[:, None, :]  # (T', 1, N0)
        if not highest:
            top, bottom = bottom, top
        scale = self.scale[terms]
        # a product is monotone in each factor: the extreme of base * scale is at base's top or bottom;
        # a row's terms (its tiltak's age segments) cover disjoint ages, so its extreme is theirs
        ext = np.broadcast_to(np.where(scale >= 0, scale * top, scale * bottom), (terms.size, Y, N))
        out = np.full((len(rows), Y, N), -np.inf if highest else np.inf)
        (np.maximum if highest else np.minimum).at(out, pos[self.row_of[terms]], ext)
        for i, r in enumerate(rows):
            if r in self.rows or r in self.mixed:  # held whole, or terms that overlap in age
                cov = self.coverage(r)
                out[i] = cov.max(axis=0) if highest else cov.min(axis=0)
        return out

    def sums(self, *weights: np.ndarray, rows=None) -> list[np.ndarray]:
        r"""Age sums :math:`\sum_a U_{s,a,t} w_{s,a}` (S, Y, N) for each weight (S, A); with
        ``rows``, only those service rows (R, Y, N)."""
        rows = list(range(self.shape[0])) if rows is None else list(rows)
        if self.dense is not None:
            return [np.einsum("sayn,sa->syn", self.dense[rows], w[rows]) for w in weights]
        S, A, Y, N = self.shape
        P = self.P
        pos = np.full(S, -1)
        pos[rows] = np.arange(len(rows))
        terms = np.flatnonzero(pos[self.row_of] >= 0)
        base, at = self.base[terms], self.row_of[terms]
        if base.shape[-1] == 1:  # one base coverage for every column: a matrix product
            W = np.stack([base[:, :, 0] * w[at] for w in weights])  # (W, T', A)
            per_term = (W @ P.reshape(A, -1)).reshape(len(weights), terms.size, Y, P.shape[-1])
        else:
            Pn = np.broadcast_to(P, (A, Y, N))
            per_term = np.stack([np.einsum("tan,ayn->tyn", np.broadcast_to(base * w[at][..., None], (terms.size, A, N)), Pn)
                                 for w in weights])
        per_term = np.broadcast_to(per_term * self.scale[terms][None], (len(weights), terms.size, Y, N))
        M = (pos[at][None, :] == np.arange(len(rows))[:, None]).astype(float)  # (R, T') rows of the terms
        out = np.zeros((len(weights), len(rows), Y, N))
        if terms.size:
            out[:] = (M @ per_term.transpose(1, 0, 2, 3).reshape(terms.size, -1)).reshape(
                len(rows), len(weights), Y, N).transpose(1, 0, 2, 3)
        Wall = np.stack(weights)  # (W, S, A)
        for i, r in enumerate(rows):
            if r in self.rows:  # the few rows held whole
                users = np.broadcast_to(self.rows[r] * P, (A, Y, N)).reshape(A, -1)
                out[:, i] = (Wall[:, r] @ users).reshape(len(weights), Y, N)
        return list(out)

    def full(self) -> np.ndarray:
        """Users by age (S, A, Y, N) as one array (slow; for results by age and for checks)."""
        if self.dense is not None:
            return self.dense
        S, A, Y, N = self.shape
        return np.stack([np.broadcast_to(self.coverage(s), (A, Y, N)) for s in range(S)]) * self.P[None]


class DemandArrays:
    """Results of :func:`demand_arrays` as numpy arrays; N is the flattened lead axis.

    ``ages`` (:class:`AgeUsers`) served users by service and age; ``by_age`` (S, A, Y, N) them as
    one array (built on request); ``users`` (S, Y, N) summed over age; demand (S, Y, N) before
    capacity; capacity, queue, stepped_down (G, Y, N) per capacity group; unmet (H, Y, N) per
    threshold group; P (A, Y, N) population (both sexes); saturated (N,) persons whose coverage
    was held at 1 (``options.saturate``). ``by_age`` may be given instead of ``ages`` (users by hand).
    """

    def __init__(self, by_age=None, demand=None, capacity=None, queue=None, stepped_down=None, unmet=None,
                 P=None, years=None, lead=None, saturated=None, ages: AgeUsers | None = None):
        self.ages = ages if ages is not None else AgeUsers(dense=by_age)
        self.demand, self.capacity, self.queue, self.stepped_down = demand, capacity, queue, stepped_down
        self.unmet, self.P, self.years, self.lead, self.saturated = unmet, P, years, lead, saturated

    @property
    def by_age(self) -> np.ndarray:
        return self.ages.full()

    @property
    def users(self) -> np.ndarray:
        """Served users (S, Y, N) summed over age."""
        return self.ages.sums(np.ones(self.ages.shape[:2]))[0]


def _threshold_values(catalogue: Catalogue, threshold, lead: Lead) -> dict[str, np.ndarray]:
    out = {}
    for gid in catalogue.threshold_groups:
        t = threshold.get(gid, 0.0) if isinstance(threshold, Mapping) else threshold
        out[gid] = lead.flat(t).reshape(-1)
    return out


def demand_arrays(pop: xr.DataArray, catalogue: Catalogue, coverage0: xr.DataArray,
                  options: ServiceOptions, measures=None, capacity: bool = True, by_age: bool = False) -> DemandArrays:
    """The numpy core of the service model (see the module docstring for the equations).

    ``measures`` (:class:`planmodel.services.effects.MeasureArrays`) adds the coverage effects and
    care-level shifts of chosen tiltak. If it carries its own lead axis (several measure sets,
    for samordning), the other inputs must have none. ``by_age`` holds every service's coverage
    by age whole (S, A, Y, N) instead of as age-independent terms (:class:`AgeUsers`): the same
    equations, slower; a check of the age sums.
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
        v = pop.values.reshape(pop.sizes["year"], pop.sizes["age"], pop.sizes["sex"], -1)
        # a sum over the sexes one by one (the same numbers as .sum(axis=2)): the draws' memory
        # order is (year, draw, age, sex), where a reduction over sex is slow
        P = sum((v[:, :, i] for i in range(1, v.shape[2])), v[:, :, 0]).transpose(1, 0, 2).copy()  # (A, Y, N)
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
    segments = measures.coverage_segments if measures is not None else {}
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
        if src in segments:  # the tiltak's coverage factor, averaged over the ages the service serves
            edges, f = segments[src]
            band = np.add.reduceat((C0[src, :, 0] > 0).astype(float), edges[:-1])  # (K,) ages per segment
            volume = volume * np.einsum("k,kyn->yn", band, f) / band.sum()
        for eff in s.effects:  # a handful, each vectorised over years and options
            ef[idx.pos[eff.target]] += (_pick(eff.change, bound) * (volume - 1.0)
                                        * _ramp(years, base, eff.lag_years)[:, None])
    common = bt * (1.0 + ef)
    if options.coverage_factors is not None:
        common = common * lead.flat(options.coverage_factors, ("service", "year"))
    factor = common * tf  # (S, Y, N)
    # coverage C0 * factor, and for the few rows a tiltak changes by age, times its factor (A, Y, N)
    users = AgeUsers.of(C0, factor, P, segments)
    if by_age:
        for s in range(S):
            users.hold(s, np.broadcast_to(users.coverage(s), (C0.shape[1], Y, N)).copy())

    # unmet need: light services at theta = -1 minus at the chosen threshold (before shifts)
    unmet = np.zeros((len(catalogue.threshold_groups), Y, N))
    before = users.sums(np.ones(C0.shape[:2]))[0]  # users (S, Y, N) before shifts
    for h, g in enumerate(catalogue.threshold_groups.values()):
        rows = idx.rows(g.light)
        ratio = tf_low[rows] / tf[rows] - 1.0  # (L, Y, N)
        unmet[h] = (before[rows] * ratio).sum(axis=0)

    if measures is not None and measures.shifts:
        for f, t, share in measures.shifts:  # care-level shifts of tiltak (LEON)
            users.move([f], t, 1.0 - share, share)
    saturated = None
    basis_rows = np.flatnonzero(idx.users_basis)
    high = users.high(basis_rows)  # (S', Y, N) over the ages
    too_high = high > 1.0 + 1e-12
    changed = {r for sh in (measures.shifts if measures is not None else ()) for r in sh[:2]}
    if options.saturate:
        saturated = np.zeros(N)
        if too_high.any():
            for r in basis_rows[(high > 1.0).any(axis=(1, 2))]:  # the rows above 1 somewhere
                cov = users.coverage(r)
                saturated = saturated + (np.maximum(cov - 1.0, 0.0) * P).sum(axis=(0, 1))  # (N,) persons
                users.hold(r, np.minimum(cov, 1.0))
                changed.add(int(r))
            too_high = np.zeros(1, dtype=bool)
    # coverage can only turn negative through a negative factor or a shift share outside [0, 1]
    maybe_negative = (C0.min() < 0 or factor.min() < 0 or any(f.min() < 0 for _, f in segments.values())
                      or any(sh.min() < 0 or sh.max() > 1 for _, _, sh in (measures.shifts if measures else ())))
    if too_high.any() or (maybe_negative and users.low().min() < 0):
        high = users.high(range(S))
        bad = np.flatnonzero(((users.low() < 0) | ((high > 1.0 + 1e-12) & idx.users_basis[:, None, None])).any(axis=(1, 2)))
        raise InputError("tjenestevalg", f"services.{idx.ids[bad[0]]}",
                         "valgene gir en dekningsgrad utenfor [0, 1]; juster terskel, bredde eller tiltak")
    demand = before.copy()  # only the rows shifted or saturated have changed
    if changed:
        demand[sorted(changed)] = users.sums(np.ones(C0.shape[:2]), rows=sorted(changed))[0]
    pre = DemandArrays(None, demand, None, None, None, unmet, P, years, lead, saturated, ages=users)
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
    ``pre``'s users (the caller does not need them afterwards) instead of copying them."""
    idx = CatalogueIndex.of(catalogue)
    years = pre.years
    users = pre.ages if inplace else pre.ages.copy()
    S, A, Y, N = users.shape
    G = len(catalogue.capacity_groups)
    capacity = np.zeros((G, Y, N))
    queue = np.zeros((G, Y, N))
    moved = np.zeros((G, Y, N))
    ones = np.ones((S, A))
    current = np.broadcast_to(pre.demand, (S, Y, N)).copy()  # users (S, Y, N) as capacity is applied
    for k, (gid, g) in enumerate(catalogue.capacity_groups.items()):
        rows = idx.rows(g.services)
        D = current[rows].sum(axis=0)  # (Y, N)
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
        capacity[k] = cap
        if options.overflow == "step_down":  # the unserved, by age, to the level below
            t = idx.pos[g.step_down_to]
            users.move(rows, t, share, 1.0 - share)
            current[t] = users.sums(ones, rows=[t])[0][0]
            moved[k] = excess
        else:
            users.scale_rows(rows, share)
            queue[k] = excess
        current[rows] *= share
    return DemandArrays(None, pre.demand, capacity, queue, moved, pre.unmet, pre.P, years, pre.lead, pre.saturated,
                        ages=users)


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
    users = d.users
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
