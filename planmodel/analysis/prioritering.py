"""Prioritering: the tiltak package that closes the inndekningsbehov at least cost (or does most for a budget).

Two layers, so that the optimisation can be checked against brute force:

- :func:`solve` is pure: arrays in (:class:`Coefficients`), a :class:`Solution` out. It states the
  choice as a mixed-integer linear programme and hands it to :func:`scipy.optimize.milp`;
- :func:`prioritize` wires it to the model: the coefficients are full model runs
  (:func:`planmodel.analysis.choices.measure_effects`), and the chosen package is run through the
  model again to show its real inndekningsbehov next to the solver's linear estimate.

The programme (``x_i`` = 1 when tiltak *i* is in the package; years *t* are the chosen years)::

    min_cost:    minimise  Σ_i cost_i x_i
                 subject to Σ_i effect_it x_i ≥ need_t            every chosen year t
    max_effect:  maximise  Σ_t Σ_i effect_it x_i
    both, when given:
                 Σ_i operating_it x_i ≤ budget                    every t   [NOK 1000 a year]
                 Σ_i fte_it x_i ≤ fte_cap                          every t   [årsverk]
                 Σ_i investment_i x_i ≤ investment_budget                    [NOK 1000 over the years]
                 Σ_i unmet_it x_i ≤ 0 and Σ_i queue_it x_i ≤ 0    every t   ("no worse offer")
                 x_i + x_j ≤ 1                                     tiltak that exclude each other

``effect_it`` is the tiltak's change of netto driftsresultat (+ = better) in year *t*, its own
operating and capital costs included; ``need_t = τ·DI_t − NDR_t`` is how far netto driftsresultat
is below the norm without tiltak (negative in a year with a surplus, so that a package may use
the surplus but not open a new gap; its positive part is the inndekningsbehov). The gap is closed
**in every chosen year**, not in their sum: the økonomiplan must balance in each year
(kommuneloven § 14-4), and a surplus late in the period does not pay for a gap early in it.
``cost_i`` is what the tiltak itself costs in the chosen years: operating cost plus investment
[NOK 1000].

**Chance constraint** (``gap_draws`` (draw, year), ``probability`` p): one binary ``z_d`` per
draw, ``Σ_i effect_it x_i ≥ need_dt − M_dt (1 − z_d)`` and ``Σ_d z_d ≥ ⌈p·D⌉``: the cheapest
package that closes the gap in every year in at least p of the draws. Closing ⌈p·D⌉ draws needs,
in each year, at least the ⌈p·D⌉-th smallest need ``q_t`` (added as a cut), so the big M can be
``M_dt = max(0, need_dt − q_t)`` (with z_d = 0 the row falls back to the cut), which keeps the
relaxation tight; draws below the cut in every year are closed anyway (z_d fixed at 1). The tiltak effects are the same in every
draw (their own uncertainty is the effect bound of the scenario).

**When the gap cannot be closed** the result is not an error: :func:`solve` then returns the
package that leaves the least inndekningsbehov (summed over the years) under the other
constraints (``closes=False``, the remaining gap per year; with draws, the package that does most)
and names the constraints without which the gap could have been closed.

**Which constraint binds**: a constraint group binds when the solver finds a better package
without it, better by more than 0,01 % (:data:`BINDING`; one extra solve per group, skipped when
the linear relaxation without it is no better). In a choice of whole tiltak a limit can bind with
slack left: the next tiltak does not fit. The slack of each group (its
tightest row) is reported beside it.

**Linear approximation**: the effects are each tiltak alone; together they act on the same users
(samspill), so the package's real effect differs a little. :func:`prioritize` reports the model's
inndekningsbehov for the package next to the linear estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from planmodel.analysis.choices import measure_effects
from planmodel.analysis.crisis import measure_conflicts
from planmodel.analysis.uncertainty import simulate
from planmodel.core.errors import InputError
from planmodel.core.formatting import mill_kr, prosent
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.model import run

OBJECTIVES = ("min_cost", "max_effect")
#: The year choices by name: the økonomiplan years, or from the first plan year to the horizon.
YEAR_CHOICES = ("plan", "horizon")
#: Constraint groups: id -> bokmål label.
CONSTRAINTS = {
    "gap": "Inndekningsbehovet dekkes hvert år",
    "draws": "Inndekningsbehovet dekkes i nok av trekkene",
    "budget": "Budsjett for tiltakenes drift per år",
    "fte": "Tak på årsverk (endring)",
    "investment": "Investeringsramme",
    "offer": "Ikke dårligere tilbud enn i dag",
    "excludes": "Tiltak som utelukker hverandre",
}
#: Amounts [NOK 1000] and persons/årsverk within this of a limit count as at the limit.
TOLERANCE = 1e-6
#: A limit binds when the best package without it is better by more than this share of the objective.
BINDING = 1e-4


# --------------------------------------------------------------------------- the pure problem

@dataclass(frozen=True)
class Coefficients:
    """The numbers of one prioritering: n candidate tiltak × T chosen years.

    Attributes
    ----------
    ids : tiltak ids (n).
    years : the chosen years (T).
    effect : (n, T) change of netto driftsresultat per tiltak [NOK 1000, + = better].
    need : (T,) improvement of netto driftsresultat needed to reach the norm [NOK 1000]; its
        positive part is the inndekningsbehov (negative = a surplus that may be used).
    operating : (n, T) the tiltak's own operating cost [NOK 1000 a year] (zeros if None).
    investment : (n,) the tiltak's investment in the chosen years [NOK 1000] (zeros if None).
    fte : (n, T) change of årsverk needed [årsverk]; unmet, queue : (n, T) change of persons with
        udekket behov / waiting for a place [persons] (zeros if None).
    excludes : pairs of indices (i, j) of tiltak that exclude each other.
    titles : bokmål titles (n; default the ids).
    """

    ids: tuple[str, ...]
    years: tuple[int, ...]
    effect: np.ndarray
    need: np.ndarray
    operating: np.ndarray | None = None
    investment: np.ndarray | None = None
    fte: np.ndarray | None = None
    unmet: np.ndarray | None = None
    queue: np.ndarray | None = None
    excludes: tuple[tuple[int, int], ...] = ()
    titles: tuple[str, ...] = ()

    def __post_init__(self):
        n, t = len(self.ids), len(self.years)
        set_ = object.__setattr__
        set_(self, "ids", tuple(self.ids))
        set_(self, "years", tuple(int(y) for y in self.years))
        set_(self, "titles", tuple(self.titles) or self.ids)
        for name, shape in (("effect", (n, t)), ("need", (t,)), ("operating", (n, t)), ("investment", (n,)),
                            ("fte", (n, t)), ("unmet", (n, t)), ("queue", (n, t))):
            v = getattr(self, name)
            a = np.zeros(shape) if v is None else np.asarray(v, dtype=float).reshape(shape)
            if not np.isfinite(a).all():
                raise InputError("prioritering", name, "inneholder tall som ikke er endelige")
            set_(self, name, a)
        set_(self, "excludes", tuple(tuple(sorted((int(i), int(j)))) for i, j in self.excludes))

    @property
    def cost(self) -> np.ndarray:
        """(n,) what each tiltak costs in the chosen years: operating + investment [NOK 1000]."""
        return self.operating.sum(axis=1) + self.investment

    def subset(self, keep) -> "Coefficients":
        """The problem restricted to the tiltak at the indices ``keep`` (in that order)."""
        keep = [int(k) for k in keep]
        pos = {k: i for i, k in enumerate(keep)}
        return replace(self, ids=tuple(self.ids[k] for k in keep), titles=tuple(self.titles[k] for k in keep),
                       effect=self.effect[keep], operating=self.operating[keep], investment=self.investment[keep],
                       fte=self.fte[keep], unmet=self.unmet[keep], queue=self.queue[keep],
                       excludes=tuple((pos[i], pos[j]) for i, j in self.excludes if i in pos and j in pos))


@dataclass(frozen=True)
class Limits:
    """The limits of a prioritering (None = no limit).

    budget : cap on the package's operating cost in every chosen year [NOK 1000 a year].
    fte_cap : cap on the package's change of årsverk needed in every chosen year [årsverk].
    investment_budget : cap on the package's investment over the chosen years [NOK 1000].
    no_worse_offer : the package may not raise udekket behov nor the queue in any year.
    gap_draws : (D, T) the need (inndekningsbehov) in each Monte Carlo draw [NOK 1000], replacing
        the one ``need`` of the coefficients; ``probability``: the share of draws to close.
    """

    budget: float | None = None
    fte_cap: float | None = None
    investment_budget: float | None = None
    no_worse_offer: bool = False
    gap_draws: np.ndarray | None = None
    probability: float | None = None


@dataclass(frozen=True)
class Bound:
    """One constraint group of a solution: its tightest row."""

    id: str
    label: str
    used: float  #: the package's value in the tightest row
    limit: float  #: the limit of that row
    slack: float  #: how far from the limit (≥ 0 when kept)
    year: int | None  #: the year of the tightest row (None: not per year)
    binds: bool | None  #: a better package exists without this group (None: not checked)


@dataclass(frozen=True)
class Solution:
    """What :func:`solve` chose.

    chosen : (n,) bool; objective : the objective used (``min_shortfall`` – the least gap left –
    when the gap cannot be closed; ``max_effect`` with draws); requested : the objective asked for; closes : the package closes the gap (in
    every chosen year; with draws, in at least ``probability`` of them) — always False for an
    unconstrained ``max_effect`` that does not reach it; feasible : some package keeps every
    limit (False only when even the empty package breaks one, e.g. a negative årsverk cap);
    cost [NOK 1000], effect (T,) [NOK 1000], remaining (T,) the linear estimate of the
    inndekningsbehov left [NOK 1000]; draws_closed : share of draws closed (None without draws);
    bounds : the constraint groups; blocking : when the gap cannot be closed, the groups without
    which it could be (empty: not even with every candidate).
    """

    chosen: np.ndarray
    objective: str
    requested: str
    closes: bool
    feasible: bool
    cost: float
    effect: np.ndarray
    remaining: np.ndarray
    draws_closed: float | None
    bounds: tuple[Bound, ...]
    blocking: tuple[str, ...] = ()

    @property
    def binding(self) -> list[str]:
        """Ids of the constraint groups that bind."""
        return [b.id for b in self.bounds if b.binds]


def _rows(c: Coefficients, limits: Limits, group: str, with_gap: bool):
    """(A, lb, ub, years) of one constraint group over the x variables (and z when draws)."""
    n, T = c.effect.shape
    inf = np.inf
    years = list(c.years)
    if group == "gap" and with_gap:
        return c.effect.T, c.need, np.full(T, inf), years
    if group == "budget" and limits.budget is not None:
        return c.operating.T, np.full(T, -inf), np.full(T, float(limits.budget)), years
    if group == "fte" and limits.fte_cap is not None:
        return c.fte.T, np.full(T, -inf), np.full(T, float(limits.fte_cap)), years
    if group == "investment" and limits.investment_budget is not None:
        return c.investment[None, :], np.array([-inf]), np.array([float(limits.investment_budget)]), [None]
    if group == "offer" and limits.no_worse_offer:
        return (np.vstack([c.unmet.T, c.queue.T]), np.full(2 * T, -inf), np.zeros(2 * T), years + years)
    if group == "excludes" and c.excludes:
        a = np.zeros((len(c.excludes), n))
        for r, (i, j) in enumerate(c.excludes):
            a[r, i] = a[r, j] = 1.0
        return a, np.full(len(c.excludes), -inf), np.ones(len(c.excludes)), [None] * len(c.excludes)
    return None


def _draws(limits: Limits, c: Coefficients) -> np.ndarray | None:
    if limits.gap_draws is None:
        return None
    g = np.asarray(limits.gap_draws, dtype=float)
    if g.ndim != 2 or g.shape[1] != len(c.years) or not len(g):
        raise InputError("prioritering", "gap_draws", f"forventet (trekk, år) med {len(c.years)} år, fikk {g.shape}")
    if not np.isfinite(g).all():
        raise InputError("prioritering", "gap_draws", "inneholder tall som ikke er endelige")
    p = limits.probability if limits.probability is not None else 0.9
    if not 0.0 < p <= 1.0:
        raise InputError("prioritering", "probability", f"{p}: forventet en andel over 0 og høyst 1")
    return g


def _needed_draws(draws: np.ndarray, limits: Limits) -> int:
    p = limits.probability if limits.probability is not None else 0.9
    return int(math.ceil(p * len(draws) - 1e-9))


def _milp(c: Coefficients, limits: Limits, objective: str, groups: list[str], with_gap: bool, relax: bool = False,
          below: float | None = None):
    """Solve once; returns the chosen x (bool, n) or None when infeasible.

    ``objective``: ``min_cost``, ``max_effect`` or ``min_shortfall`` (the least inndekningsbehov
    left, summed over the years: one continuous shortfall ``s_t ≥ need_t − Σ_i effect_it x_i``,
    ``s_t ≥ 0`` per year). With ``relax`` the linear relaxation (0 ≤ x ≤ 1; a bound on what any
    package can do), x as floats. ``below``: only packages whose objective value
    (:func:`objective_value`) is below it, and the first one found (a feasibility question that
    lets the solver stop early when asking "is there a better package?")."""
    n, T = c.effect.shape
    draws = _draws(limits, c) if with_gap else None
    # extra variables after x: z_d per draw (binary), or s_t per year (continuous) for min_shortfall
    nz = 0 if draws is None else len(draws)
    ns = T if objective == "min_shortfall" else 0
    m = nz + ns
    total_effect = c.effect.sum(axis=1)
    cost = c.cost
    # tie-breaks far below any amount that matters: among equally cheap packages the one that does
    # most (a free tiltak with a gain is taken, one without is not); among equally effective ones
    # the cheapest
    e_scale = max(1.0, float(np.abs(total_effect).max(initial=0.0)))
    c_scale = max(1.0, float(np.abs(cost).max(initial=0.0)))
    if objective == "min_cost":
        obj = np.concatenate([cost - 1e-7 * c_scale * (total_effect / e_scale) + 1e-9 * c_scale, np.zeros(m)])
    elif objective == "max_effect":
        obj = np.concatenate([-total_effect + 1e-7 * e_scale * (cost / c_scale) + 1e-9 * e_scale, np.zeros(m)])
    else:
        obj = np.concatenate([1e-7 * e_scale * (cost / c_scale) + 1e-9 * e_scale, np.ones(ns)])

    def rows(a):  # constraint rows over x only, padded to every variable
        return np.hstack([a, np.zeros((len(a), m))])

    cons = []
    for g in groups:
        if g in ("gap", "draws"):
            continue
        r = _rows(c, limits, g, with_gap)
        if r is not None:
            a, lb, ub, _ = r  # the limits with the same tolerance as every check of them (brute force too)
            cons.append(LinearConstraint(rows(a), lb - TOLERANCE, ub + TOLERANCE))
    lo, hi = np.zeros(n + m), np.ones(n + m)
    if ns:
        cons.append(LinearConstraint(np.hstack([c.effect.T, np.eye(T)]), c.need, np.inf))
        hi[n:] = np.inf
    if with_gap and draws is None:
        cons.append(LinearConstraint(rows(c.effect.T), c.need, np.inf))
    elif with_gap:
        # closing k draws needs, in each year, at least the k-th smallest need (a valid cut); so
        # with z_d = 0 a row need only fall back to that, which keeps the big M small: M = need − kth
        k = _needed_draws(draws, limits)
        floor = np.minimum(c.effect, 0.0).sum(axis=0)  # (T,) the worst any package can do
        top = np.maximum(c.effect, 0.0).sum(axis=0)  # (T,) the best
        kth = np.sort(draws, axis=0)[k - 1] if k > 0 else floor
        big = np.maximum(draws - kth[None, :], 0.0)  # (D, T)
        a_x = np.tile(c.effect.T, (nz, 1))  # row d*T + t
        a_z = np.zeros((nz * T, nz))
        for d in range(nz):
            a_z[d * T:(d + 1) * T, d] = -big[d]
        cons.append(LinearConstraint(np.hstack([a_x, a_z]), (draws - big).ravel(), np.inf))
        cons.append(LinearConstraint(np.concatenate([np.zeros(n), np.ones(nz)])[None, :], k, np.inf))
        cons.append(LinearConstraint(rows(c.effect.T), kth, np.inf))
        # a draw below the cut in every year is closed anyway; one no package can reach never is
        z_lo = np.all(draws <= kth[None, :], axis=1).astype(float)
        z_hi = np.where(np.any(draws > top[None, :] + TOLERANCE, axis=1), 0.0, 1.0)
        lo[n:], hi[n:] = np.minimum(z_lo, z_hi), z_hi
    if below is not None:  # a feasibility question: any package below the cut-off will do, the first found
        primary = obj.copy()
        primary[:n] = cost if objective == "min_cost" else -total_effect if objective == "max_effect" else 0.0
        cons.append(LinearConstraint(primary[None, :], -np.inf, below))
        obj = np.zeros(n + m)
    if n + m == 0:  # no candidates: the empty package, if it keeps the limits (every row is 0)
        ok = all(np.all(np.asarray(k.lb) <= TOLERANCE) and np.all(np.asarray(k.ub) >= -TOLERANCE) for k in cons)
        return np.zeros(0, dtype=bool) if ok else None
    integrality = np.zeros(n + m) if relax else np.concatenate([np.ones(n + nz), np.zeros(ns)])
    res = milp(obj, constraints=cons, integrality=integrality, bounds=Bounds(lo, hi))
    if res.status != 0 or res.x is None:
        return None
    return res.x[:n] if relax else res.x[:n] > 0.5


def _better_without(c: Coefficients, limits: Limits, objective: str, groups: list[str], best: float,
                    dropped: str | None = None) -> bool:
    """A package better than ``best`` by more than :data:`BINDING` exists under ``groups`` only.
    Cheap answers first: a ``dropped`` group no package can break never binds, and when not even
    the linear relaxation is better, no package is."""
    r = _rows(c, limits, dropped, False) if dropped else None
    if r is not None and np.all(np.maximum(r[0], 0.0).sum(axis=1) <= r[2] + TOLERANCE):
        return False
    margin = best - BINDING * max(1.0, abs(best))
    lp = _milp(c, limits, objective, groups, objective == "min_cost", relax=True)
    if lp is None or objective_value(c, lp, objective) >= margin:
        return False
    return _milp(c, limits, objective, groups, objective == "min_cost", below=margin) is not None


def objective_value(c: Coefficients, x: np.ndarray, objective: str) -> float:
    """The value :func:`solve` minimises for the package ``x``: its cost (``min_cost``) [NOK 1000],
    minus its effect over the years (``max_effect``) [NOK 1000], or the inndekningsbehov it leaves,
    summed over the years (``min_shortfall``) [NOK 1000]."""
    x = np.asarray(x, dtype=float)
    if objective == "min_cost":
        return float(c.cost @ x)
    if objective == "max_effect":
        return -float(c.effect.sum(axis=1) @ x)
    return float(np.maximum(c.need - c.effect.T @ x, 0.0).sum())


def closed_share(c: Coefficients, x: np.ndarray, draws: np.ndarray) -> float:
    """Share of the draws (D, T) in which the package ``x`` closes the gap in every year."""
    eff = c.effect.T @ np.asarray(x, dtype=float)
    return float(np.mean(np.all(eff[None, :] >= draws - TOLERANCE, axis=1)))


def _bound(c: Coefficients, limits: Limits, group: str, x: np.ndarray, with_gap: bool) -> tuple | None:
    """(used, limit, slack, year) of the tightest row of ``group`` for the package ``x``."""
    r = _rows(c, limits, group, with_gap)
    if r is None:
        return None
    a, lb, ub, years = r
    used = a @ x.astype(float)
    slack = np.where(np.isfinite(ub), ub - used, used - lb)
    k = int(np.argmin(slack))
    return float(used[k]), float(ub[k] if np.isfinite(ub[k]) else lb[k]), float(slack[k]), years[k]


def solve(c: Coefficients, objective: str = "min_cost", limits: Limits | None = None, explain: bool = True) -> Solution:
    """Choose the package (see the module docstring for the programme).

    Parameters
    ----------
    c : the coefficients (n tiltak × T years).
    objective : ``"min_cost"`` (the cheapest package that closes the gap in every year) or
        ``"max_effect"`` (the package that improves netto driftsresultat most over the years).
    limits : the other constraints (:class:`Limits`).
    explain : find which limits bind and, when the gap cannot be closed, which limits stop it
        (one extra solve per limit); False leaves ``Bound.binds`` None and ``blocking`` empty.

    Returns
    -------
    :class:`Solution`. With ``min_cost`` and a gap no package can close, the package that leaves
    the least gap under the other limits, with ``closes=False`` and ``blocking`` set.
    """
    if objective not in OBJECTIVES:
        raise InputError("prioritering", "objective", f"{objective!r}: velg {' eller '.join(OBJECTIVES)}")
    limits = limits or Limits()
    draws = _draws(limits, c)
    gap_group = "draws" if draws is not None else "gap"
    side = [g for g in ("budget", "fte", "investment", "offer", "excludes") if _rows(c, limits, g, False) is not None]
    with_gap = objective == "min_cost"
    x = _milp(c, limits, objective, side, with_gap) if with_gap else None
    blocking: tuple[str, ...] = ()
    if x is None:  # max_effect, or the gap cannot be closed: get as close as the other limits allow
        if with_gap and explain:
            blocking = tuple(g for g in side  # only whether a package exists: the first found will do
                             if _milp(c, limits, "min_cost", [s for s in side if s != g], True, below=np.inf) is not None)
        used = "max_effect" if not with_gap or draws is not None else "min_shortfall"
        x = _milp(c, limits, used, side, False)
    else:
        used = objective
    feasible = x is not None
    if x is None:
        x = np.zeros(len(c.ids), dtype=bool)
    effect = c.effect.T @ x.astype(float)
    remaining = np.maximum(c.need - effect, 0.0)
    share = closed_share(c, x, draws) if draws is not None else None
    closes = (share >= _needed_draws(draws, limits) / len(draws) - 1e-12 if draws is not None
              else bool(np.all(effect >= c.need - TOLERANCE)))
    bounds = []
    best = objective_value(c, x, used)
    groups = ([gap_group] if used == "min_cost" else []) + side
    for g in groups:
        if g == "draws":
            need = _needed_draws(draws, limits)
            row = (share * len(draws), float(need), share * len(draws) - need, None)
        else:
            row = _bound(c, limits, g, x, g == "gap")
        if g in ("gap", "draws"):
            binds = True  # without the gap to close the cheapest package is none
        elif not explain:
            binds = None
        else:
            binds = _better_without(c, limits, used, [s for s in side if s != g], best, dropped=g)
        bounds.append(Bound(g, CONSTRAINTS[g], *row, binds=binds))
    return Solution(chosen=x, objective=used, requested=objective, closes=bool(closes), feasible=feasible, cost=float(c.cost @ x),
                    effect=effect, remaining=remaining, draws_closed=share, bounds=tuple(bounds), blocking=blocking)


def brute_force(c: Coefficients, objective: str = "min_cost", limits: Limits | None = None) -> tuple[np.ndarray | None, float]:
    """Every subset of the tiltak tried (2^n; for tests on small problems): the best package
    that keeps every limit (and closes the gap for ``min_cost``) and its objective value (cost
    [NOK 1000], or minus the effect); ``(None, inf)`` when none does."""
    limits = limits or Limits()
    draws = _draws(limits, c)
    n = len(c.ids)
    side = [g for g in ("budget", "fte", "investment", "offer", "excludes") if _rows(c, limits, g, False) is not None]
    best, best_x = math.inf, None
    for k in range(n + 1):
        for idx in combinations(range(n), k):
            x = np.zeros(n, dtype=bool)
            x[list(idx)] = True
            if not all(_bound(c, limits, g, x, False)[2] >= -TOLERANCE for g in side):
                continue
            if objective == "min_cost":
                if draws is not None:
                    if closed_share(c, x, draws) * len(draws) < _needed_draws(draws, limits) - 1e-9:
                        continue
                elif not np.all(c.effect.T @ x >= c.need - TOLERANCE):
                    continue
            v = objective_value(c, x, objective)
            if v < best - 1e-9:
                best, best_x = v, x
    return best_x, best


# --------------------------------------------------------------------------- the model wiring

def candidates_of(scenario: PlanScenario, candidates=None) -> list[str]:
    """The tiltak a package may hold: ``candidates`` (default every tiltak of the scenario's
    library), less those that act on a service the scenario's tilbud removes
    (:func:`planmodel.analysis.crisis.measure_conflicts`). Mandatory services are never removed
    (a scenario cannot drop them and no tiltak removes a service)."""
    library = load_library(scenario.library, load_catalogue(scenario.catalogue))
    ids = list(library.measures) if candidates is None else list(candidates)
    unknown = [m for m in ids if m not in library.measures]
    if unknown:
        raise InputError("prioritering", "candidates", f"ukjente tiltak: {', '.join(unknown)}")
    bad = measure_conflicts(ids, scenario.breadth, scenario.dropped, scenario.catalogue, scenario.library)
    return [m for m in ids if m not in bad]


def _years_of(ds, years) -> list[int]:
    if isinstance(years, str):
        if years not in YEAR_CHOICES:
            raise InputError("prioritering", "years", f"{years!r}: velg {' eller '.join(YEAR_CHOICES)} eller en liste med år")
        return list(ds.plan.years if years == "plan" else ds.plan.judged_years)
    out = [int(y) for y in years]
    missing = [y for y in out if y not in ds.plan.all_years]
    if not out or missing:
        raise InputError("prioritering", "years", f"år utenfor framskrivingen: {missing or 'ingen år'}")
    return out


def coefficients(scenario: PlanScenario, years="plan", candidates=None) -> tuple[Coefficients, PlanScenario]:
    """The coefficients of ``scenario``'s prioritering from full model runs, and the scenario
    they are measured on (``scenario`` without its tiltak).

    Each candidate starts in the first plan year (or its start in ``scenario`` if chosen there).
    ``years``: ``"plan"`` (the økonomiplan), ``"horizon"`` (first plan year to the horizon) or a
    list of years.
    """
    reference = replace(scenario, measures=(), id="prioritering_uten_tiltak")
    ds = run(reference)
    yrs = _years_of(ds, years)
    ids = candidates_of(scenario, candidates)
    starts = {m.id: m for m in scenario.measures}
    first = scenario.plan_period[0]
    choices = [starts.get(mid, MeasureChoice(mid, first)) for mid in ids]
    eff = measure_effects(reference, choices).sel(year=yrs)
    library = load_library(scenario.library, load_catalogue(scenario.catalogue))
    sel = ds.sel(year=yrs)
    need = (ds.plan.target_share * sel["driftsinntekter"] - sel["netto_driftsresultat"]).values
    package = run(replace(reference, measures=tuple(choices))) if choices else None
    operating = package["tiltak_drift"].sel(year=yrs).values if package is not None else np.zeros((0, len(yrs)))
    investment = package["tiltak_investering"].sel(year=yrs).values.sum(axis=1) if package is not None else np.zeros(0)
    pos = {m: i for i, m in enumerate(ids)}
    pairs = tuple((pos[a], pos[b]) for a, b in library.exclusive_pairs() if a in pos and b in pos)
    c = Coefficients(ids=tuple(ids), years=tuple(yrs), effect=eff["ndr"].values, need=need, operating=operating,
                     investment=investment, fte=eff["fte"].values, unmet=eff["unmet"].values,
                     queue=eff["queue"].values, excludes=pairs,
                     titles=tuple(library.measures[m].title for m in ids))
    return c, reference


@dataclass(frozen=True)
class Prioritering:
    """The result of :func:`prioritize`.

    Attributes
    ----------
    coefficients, solution : the problem and what the solver chose.
    scenario : the scenario with the package as its tiltak (the rest as given).
    model_gap : (T,) the model's inndekningsbehov with the package [NOK 1000] (samspill included).
    linear_gap : (T,) the solver's linear estimate of it [NOK 1000].
    gap_before : (T,) the inndekningsbehov without tiltak [NOK 1000].
    """

    coefficients: Coefficients
    solution: Solution
    scenario: PlanScenario
    model_gap: np.ndarray
    linear_gap: np.ndarray
    gap_before: np.ndarray
    limits: Limits = field(default_factory=Limits)

    @property
    def package(self) -> list[str]:
        """Ids of the chosen tiltak, ranked (most effect per krone first)."""
        return list(self.table().query("`Med i pakken` == 'ja'").index)

    @property
    def model_closes(self) -> bool:
        """The full model says the package closes the gap in every chosen year."""
        return bool(np.all(self.model_gap <= 0.5))

    def table(self) -> pd.DataFrame:
        """One row per candidate, the chosen first by rank (effect per krone), bokmål headings
        with units; indexed by tiltak id."""
        c, x = self.coefficients, self.solution.chosen
        period = f"{c.years[0]}–{c.years[-1]}" if len(c.years) > 1 else str(c.years[0])
        last = c.years[-1]
        effect = c.effect.sum(axis=1)
        cost = c.cost
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(cost > 0, effect / np.where(cost > 0, cost, 1.0), np.where(effect > 0, np.inf, np.nan))
        df = pd.DataFrame({
            "Tiltak": c.titles,
            "Med i pakken": np.where(x, "ja", "nei"),
            f"Kostnad {period} (1000 kr)": cost.round(0),
            f"Herav investering {period} (1000 kr)": c.investment.round(0),
            f"Virkning på netto driftsresultat {period} (1000 kr)": effect.round(0),
            "Virkning per krone (kr per kr)": per,
            f"Årsverk, endring {last} (årsverk)": c.fte[:, -1].round(1),
            f"Udekket behov og ventende, endring {last} (personer)": (c.unmet[:, -1] + c.queue[:, -1]).round(1),
        }, index=pd.Index(c.ids, name="Id"))
        key = np.where(np.isnan(per), -np.inf, per)
        order = sorted(range(len(c.ids)), key=lambda i: (not x[i], -key[i], i))
        df = df.iloc[order]
        df.insert(0, "Rang", [str(r + 1) if x[i] else "" for r, i in enumerate(order)])
        return df

    def constraints_table(self) -> pd.DataFrame:
        """One row per constraint group: limit, the package's value, slack, year and whether it binds."""
        return pd.DataFrame([{"Begrensning": b.label, "Grense": b.limit, "Pakken": b.used, "Slakk": b.slack,
                              "År": "" if b.year is None else str(b.year), "Binder": {True: "ja", False: "nei", None: "ikke sjekket"}[b.binds]}
                             for b in self.solution.bounds],
                            columns=["Begrensning", "Grense", "Pakken", "Slakk", "År", "Binder"])

    def years_table(self) -> pd.DataFrame:
        """Per chosen year: the inndekningsbehov without tiltak, the solver's estimate with the
        package and the model's own [NOK 1000]."""
        return pd.DataFrame({"Inndekningsbehov uten tiltak (1000 kr)": self.gap_before.round(0),
                             "Med pakken, lineært anslag (1000 kr)": self.linear_gap.round(0),
                             "Med pakken, modellen (1000 kr)": self.model_gap.round(0)},
                            index=pd.Index(self.coefficients.years, name="År"))

    def explanation(self) -> str:
        """One line in bokmål: what the package closes, what it costs, which constraint binds (or
        that the gap cannot be closed and how far the package gets)."""
        s, c = self.solution, self.coefficients
        period = f"{c.years[0]}–{c.years[-1]}" if len(c.years) > 1 else str(c.years[0])
        n = int(s.chosen.sum())
        pakke = f"{n} tiltak" if n else "ingen tiltak"
        cost = f"koster {_mill(s.cost)} i {period}"
        side = [b.label.lower() for b in s.bounds if b.binds and b.id not in ("gap", "draws")]
        binds = f"; det som begrenser valget: {', '.join(side)}" if side else ""
        if not s.feasible:
            return "Ingen pakke holder alle grensene (også uten tiltak brytes en grense)."
        if s.draws_closed is not None and not s.closes:  # the chance constraint could not be met
            want = self.limits.probability if self.limits.probability is not None else 0.9
            return (f"Inndekningsbehovet kan ikke dekkes i {prosent(want, 0)} av trekkene med tiltak alene: den "
                    f"beste pakken ({pakke}) {cost} og dekker det i {prosent(s.draws_closed, 0)} av trekkene{binds}.")
        if self.gap_before.max(initial=0.0) <= 0.5 and s.objective == "min_cost" and s.draws_closed is None:
            extra = (f" Pakken tar bare med {pakke} som ikke koster noe og bedrer resultatet." if n else "")
            return f"Det er ikke noe inndekningsbehov i {period}; ingen tiltak trengs for å nå målet.{extra}"
        model = "" if len(self.model_gap) == 0 else (
            " Modellen bekrefter det." if self.model_closes else
            f" Modellen, med samspill, gir likevel {_mill(self.model_gap.sum())} igjen i {period}.")
        if s.closes and s.draws_closed is not None:
            return (f"{pakke.capitalize()} dekker inndekningsbehovet i {prosent(s.draws_closed, 0)} av trekkene "
                    f"og {cost}{binds}.")
        if s.closes and s.objective == "min_cost":
            return (f"{pakke.capitalize()} dekker inndekningsbehovet hvert år i {period} og koster "
                    f"{_mill(s.cost)} til sammen{binds}.{model}")
        left = f"lar {_mill(s.remaining.sum())} av {_mill(self.gap_before.sum())} stå igjen i {period}"
        if s.requested == "max_effect":
            what = "dekker inndekningsbehovet" if s.closes else left
            return f"{pakke.capitalize()} gir mest virkning innen grensene, {cost} og {what}{binds}.{model if s.closes else ''}"
        why = (f" Det kunne vært dekket uten grensen «{', '.join(CONSTRAINTS[b].lower() for b in s.blocking)}»."
               if s.blocking else " Ingen av grensene alene hindrer det." if any(b.id != "excludes" for b in s.bounds
                                                                                  if b.id not in ("gap", "draws"))
               else " Heller ikke alle tiltakene sammen dekker det.")
        return f"Inndekningsbehovet kan ikke dekkes med tiltak alene: den beste pakken ({pakke}) {cost} og {left}.{why}"


def _mill(nok1000: float) -> str:
    return mill_kr(1000.0 * nok1000, 1)


def prioritize(scenario: PlanScenario, *, objective: str = "min_cost", years="plan", budget: float | None = None,
               fte_cap: float | None = None, investment_budget: float | None = None, no_worse_offer: bool = False,
               candidates=None, gap_draws=None, probability: float | None = None, draws: int = 400,
               seed: int = 0) -> Prioritering:
    """The tiltak package for ``scenario`` (its kommune, terskel, tilbud, places …; its own
    tiltak are replaced by the package).

    Parameters
    ----------
    objective : ``"min_cost"`` (cheapest package that closes the inndekningsbehov in every
        chosen year) or ``"max_effect"`` (most improvement of netto driftsresultat within the limits).
    years : ``"plan"`` (økonomiplan years), ``"horizon"`` (first plan year to the horizon) or a list.
    budget : cap on the package's operating cost per year [NOK 1000 a year].
    fte_cap : cap on the package's change of årsverk needed per year [årsverk] (0: no more staff).
    investment_budget : cap on the package's investment over the years [NOK 1000].
    no_worse_offer : no more persons with udekket behov or waiting in any year than without tiltak.
    candidates : tiltak ids to choose among (default the whole library; those in conflict with the
        tilbud are left out).
    gap_draws : (draw, year) the need (τ·DI − NDR, as ``need``) per Monte Carlo draw in the chosen
        years [NOK 1000]; with ``probability`` (default 0,9) the package closes it in that share of
        draws. With ``probability`` and no ``gap_draws``, ``draws`` Monte Carlo draws of the
        scenario without tiltak are run (:func:`planmodel.analysis.uncertainty.simulate`, ``seed``).

    Returns
    -------
    :class:`Prioritering` (the package run through the full model beside the linear estimate).
    """
    c, reference = coefficients(scenario, years, candidates)
    if probability is not None and gap_draws is None:
        mc = simulate(reference, draws=draws, seed=seed).sel(year=list(c.years))
        gap_draws = (mc["resultatmal"] - mc["netto_driftsresultat"]).transpose("draw", "year").values
    limits = Limits(budget=budget, fte_cap=fte_cap, investment_budget=investment_budget,
                    no_worse_offer=no_worse_offer,
                    gap_draws=None if gap_draws is None else np.asarray(gap_draws, dtype=float),
                    probability=probability)
    sol = solve(c, objective, limits)
    first = scenario.plan_period[0]
    starts = {m.id: m for m in scenario.measures}
    chosen = tuple(starts.get(mid, MeasureChoice(mid, first)) for mid, x in zip(c.ids, sol.chosen) if x)
    package = replace(scenario, measures=chosen)
    ds = run(package).sel(year=list(c.years))
    model_gap = ds["inndekningsbehov"].values.astype(float)
    return Prioritering(coefficients=c, solution=sol, scenario=package, model_gap=model_gap,
                        linear_gap=sol.remaining, gap_before=np.maximum(c.need, 0.0), limits=limits)


__all__ = ["CONSTRAINTS", "OBJECTIVES", "YEAR_CHOICES", "Bound", "Coefficients", "Limits", "Prioritering", "Solution",
           "brute_force", "candidates_of", "closed_share", "coefficients", "objective_value", "prioritize", "solve"]
