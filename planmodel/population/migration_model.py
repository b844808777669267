r"""A kommune's net migration, estimated from its population history and projected.

Model
-----
For kommune :math:`k`, flow year :math:`t` (1 January :math:`t` to :math:`t+1`), age :math:`a`
(on 1 January :math:`t+1`) and sex :math:`s`, the residual net migration :math:`M_{kt}(a,s)` and
the survivors :math:`Z_{kt}(a,s)` (its exposure) come from
:func:`planmodel.population.migration.residual_flows` with Norway's survival of each year. Net
migration is split into a **share of Norway's net immigration** and a **domestic (structural)
rate**:

.. math::

    M_{kt}(a,s) = \underbrace{\beta_k\, n_t\, Z_{kt}\, g_t(a,s)}_{\text{immigration part}}
                + \underbrace{d_k(a,s)\, Z_{kt}(a,s)}_{\text{domestic part}} + \varepsilon_{kt}(a,s)

with :math:`n_t` Norway's net immigration per survivor, :math:`g_t` its age-sex profile (sums
to 1), :math:`Z_{kt} = \sum_{a,s} Z_{kt}(a,s)` and :math:`\beta_k` the kommune's immigration
intensity: 1 = its population share of every national wave (``wave="share"``, the default; the
backtests prefer it to estimated co-movement, see ``docs/befolkningsmodell.md``).

Estimation (:func:`estimate`, every kommune at once, numpy over kommune × year × age × sex):

1. **One-off years.** A robust line :math:`m_{kt} = a_k + b_k n_t` through the kommune's total
   net rate gives Huber weights :math:`h_{kt} = \min(1, c\,\hat\sigma_k / |e_{kt}|)` with
   :math:`\hat\sigma_k` = 1.4826 · MAD of the residuals (at least half the binomial noise
   :math:`1/\sqrt{Z_k}`), so a year such as a reception centre opening weighs less.
2. **Domestic rates**: :math:`D_{kt} = M_{kt} - \beta_k n_t Z_{kt} g_t`, averaged as a ratio
   estimator :math:`\hat d_k = \sum_t \omega_t h_{kt} D_{kt} / \sum_t \omega_t h_{kt} Z_{kt}` with
   recency weights :math:`\omega_t = \max(2^{-(T-t)/\text{half\_life}}, \text{floor})`.
3. **Credibility.** The age pattern is smoothed over age, each cell gets ``c_cell`` person-years
   of its prior rate, and the kommune's pattern is blended with its fylke's pooled pattern with
   weight :math:`E/(E + n_{0,\text{shape}})` (:math:`E` the kommune's mean annual exposure); the
   level (domestic net migrants per person) is blended with the mean level of its size class
   with weight :math:`E/(E + n_{0,\text{level}})`. A change of level is spread over ages by the
   intensity schedule (:func:`planmodel.population.national.intensity_schedule`).

Projection (:func:`migration_paths`): the immigration part is :math:`\beta_k s_k N(t) g(a,s)`
persons a year with the scenario's national path :math:`N(t)` (SSB's main alternative in
``main``) and :math:`s_k` the population share in the base year, so a past wave fades with
Norway's immigration instead of holding. Domestic cells with net out-migration are rates on the
projected survivors, cells with net in-migration persons a year (``rate="hybrid"``), and the
kommune's deviation from its prior fades with a half-life of
``fade_half_life * (1 + E / fade_n0)`` years (5.5 years at 1 000 inhabitants, 30 at 50 000).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import xarray as xr

from planmodel.core.ages import AGES, MAX_AGE, SEXES
from planmodel.core.formatting import prosent, tall
from planmodel.inputs import data
from planmodel.population.migration import residual_flows, smoothing_matrix, survive
from planmodel.population.national import (intensity_schedule, national_series, survival_for_flows,
                                           survival_of_year)

#: Upper bounds of the size classes [inhabitants]: <2 000, 2 000–5 000, 5 000–20 000, >20 000.
SIZE_BOUNDS = (2_000, 5_000, 20_000)
SIZE_LABELS = ("<2 000", "2 000–5 000", "5 000–20 000", ">20 000")
#: Bounds of every domestic rate [net migrants per survivor per year]: no cell loses 90 % or
#: gains 50 % of its people in a year.
RATE_BOUNDS = (-0.9, 0.5)


@dataclass(frozen=True)
class MigrationConfig:
    """The choices of the estimator. The defaults are the method (``DEFAULT``); the other values
    are the alternatives of the ablation in ``docs/befolkningsmodell.md``.

    window : flow years used, the most recent before the base year [years]
    half_life, floor : recency weight of flow year t is
        ``max(0.5 ** ((last - t) / half_life), floor)`` [years, relative weight]
    smooth_sd : Gaussian smoothing of rates over age [years]
    n0_shape : credibility constant of the kommune's own age pattern [persons]
    n0_level : credibility constant of the kommune's own domestic level [persons]
    c_cell : pseudo-exposure of the prior rate added to each age-sex cell [persons]
    wave : immigration intensity beta: ``"share"`` (1, the population share), ``"own"`` (the
        kommune's co-movement with Norway's immigration, shrunk towards 1 by empirical Bayes),
        ``"class"`` (pooled co-movement of its size class) or ``"none"`` (no split: all
        migration is domestic and holds)
    huber : Huber constant for one-off years [robust standard deviations] (None: off)
    rate : domestic part in the projection: ``"rate"`` (rates on projected survivors),
        ``"persons"`` (fixed persons a year) or ``"hybrid"`` (out-migration cells as rates,
        in-migration cells as persons)
    fade_half_life : the kommune's deviation from its prior halves in this many projection
        years [years] (None: no fading)
    fade_n0 : size dependence of the fading: kommune k's half-life is
        ``fade_half_life * (1 + E_k / fade_n0)`` with E_k its exposure [persons] (None: the
        same for all)
    shape_group, level_group : grouping of the priors for age pattern and level: ``"fylke"``,
        ``"class"`` (size class), ``"fylke_class"`` or ``"nation"``
    """

    window: int = 20
    half_life: float = 10.0
    floor: float = 0.2
    smooth_sd: float = 1.5
    n0_shape: float = 30_000.0
    n0_level: float = 2_000.0
    c_cell: float = 20.0
    wave: str = "share"
    huber: float | None = 2.0
    rate: str = "hybrid"
    fade_half_life: float | None = 5.0
    fade_n0: float | None = 10_000.0
    shape_group: str = "fylke"
    level_group: str = "class"

    def but(self, **kw) -> "MigrationConfig":
        """A copy with some choices changed."""
        return replace(self, **kw)


DEFAULT = MigrationConfig()


@dataclass(frozen=True)
class Priors:
    """What a kommune borrows from the others (from an estimate of all kommuner, see
    :func:`estimate` with ``priors=None``).

    rates : {shape group: (age, sex) pooled domestic rates [per survivor per year]}
    level : {level group: mean domestic level of the group's kommuner [per person per year]}
    beta : {size class: pooled co-movement} (``wave="class"``)
    tau2 : between-kommune variance of beta (``wave="own"``)
    scale : adding-up factor applied to beta (the immigration parts add up to Norway's)
    base_year : last year of the history the priors come from
    """

    rates: dict
    level: dict
    beta: dict
    tau2: float
    scale: float
    base_year: int


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def size_class(pop) -> np.ndarray:
    """Size class 0..3 of populations [persons]: <2 000, 2 000–5 000, 5 000–20 000, >20 000."""
    return np.searchsorted(np.asarray(SIZE_BOUNDS), pop, side="right")


def group_labels(kommuner: np.ndarray, pop: np.ndarray, how: str) -> np.ndarray:
    """Group of each kommune for a prior: fylke (first two digits of the 2024 code), size class
    at the base year, both, or one national group."""
    fylke = np.array([str(k)[:2] for k in kommuner])
    cls = size_class(pop).astype(str)
    return {"fylke": fylke, "class": cls, "nation": np.full(len(kommuner), "NO"),
            "fylke_class": np.char.add(np.char.add(fylke, "-"), cls)}[how]


def recency_weights(flows: np.ndarray, half_life: float, floor: float) -> np.ndarray:
    """Weight of each flow year [relative]: ``max(0.5 ** ((last - t) / half_life), floor)``."""
    flows = np.asarray(flows, dtype=float)
    return np.maximum(0.5 ** ((flows[-1] - flows) / half_life), floor)


def fade_factor(steps: int, exposure: np.ndarray, config: "MigrationConfig" = None) -> np.ndarray:
    """Share of a kommune's deviation from its prior left after 0, 1, ... ``steps - 1``
    projection years (year, kommune) [share]: ``0.5 ** (t / h_k)`` with the half-life
    ``h_k = fade_half_life * (1 + E_k / fade_n0)`` [years]; all ones without fading."""
    config = DEFAULT if config is None else config
    exposure = np.atleast_1d(np.asarray(exposure, dtype=float))
    if config.fade_half_life is None:
        return np.ones((steps, exposure.size))
    return 0.5 ** (np.arange(steps, dtype=float)[:, None] / half_lives(exposure, config)[None])


def half_lives(exposure: np.ndarray, config: "MigrationConfig" = None) -> np.ndarray:
    """Half-life of each kommune's deviation from its prior [years] (inf without fading)."""
    config = DEFAULT if config is None else config
    exposure = np.atleast_1d(np.asarray(exposure, dtype=float))
    if config.fade_half_life is None:
        return np.full(exposure.size, np.inf)
    hl = np.full(exposure.size, float(config.fade_half_life))
    return hl * (1.0 + exposure / config.fade_n0) if config.fade_n0 is not None else hl


def _smooth(x: np.ndarray, sd: float) -> np.ndarray:
    """Gaussian smoothing along the age axis (second to last axis, ages 0..105)."""
    return smoothing_matrix(sd) @ x  # (A, A) @ (..., A, S): a plain matrix product, not einsum


def _group_sum(x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums of x (K, ...) within groups: (sums (G, ...), labels (G,), group of each kommune (K,))."""
    uniq, inv = np.unique(labels, return_inverse=True)
    out = np.zeros((uniq.size,) + x.shape[1:])
    np.add.at(out, inv, x)
    return out, uniq, inv


def _wls_line(y: np.ndarray, x: np.ndarray, w: np.ndarray):
    """Weighted least squares y_kt = a_k + b_k x_t for every k at once.
    Returns (a, b, residuals (K, T), sampling variance of b)."""
    sw = w.sum(1)
    xb = (w * x).sum(1) / sw
    yb = (w * y).sum(1) / sw
    dx = x[None] - xb[:, None]
    sxx = np.maximum((w * dx ** 2).sum(1), 1e-12)
    b = (w * dx * (y - yb[:, None])).sum(1) / sxx
    a = yb - b * xb
    e = y - a[:, None] - b[:, None] * x[None]
    s2 = (w * e ** 2).sum(1) / np.maximum(sw - 2.0, 1.0)
    return a, b, e, s2 / sxx


def huber_weights(e: np.ndarray, c: float | None, scale: np.ndarray) -> np.ndarray:
    """Huber weights ``min(1, c * scale / |e|)`` for residuals e (K, T) and scales (K,)."""
    if c is None:
        return np.ones_like(e)
    u = np.abs(e) / (c * scale[:, None])
    return np.where(u > 1, 1.0 / np.maximum(u, 1e-12), 1.0)


@lru_cache(maxsize=None)
def _national_total(year: int) -> float:
    pop = data.norway_population()
    return float(pop.sel(year=min(max(year, int(pop.year.min())), int(pop.year.max()))).sum())


# ---------------------------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------------------------

def estimate(P: np.ndarray, kommuner, years, config: MigrationConfig = DEFAULT,
             priors: Priors | None = None) -> dict:
    """Estimate the migration model of kommuner from their population history.

    Parameters
    ----------
    P : ndarray (kommune, year, age 0..105, sex (male, female)) [persons] on 1 January of
        ``years`` (consecutive); the last year is the base year.
    kommuner : (kommune,) kommune codes (the first two digits are the fylke).
    years : (year,) of int.
    config : :class:`MigrationConfig`.
    priors : :class:`Priors` or None. None estimates the priors from these kommuner (pass all
        357); to estimate one or a few kommuner pass the priors of a full estimate — the result
        is then exactly that of the full estimate.

    Returns
    -------
    dict of numpy arrays (K kommuner, A = 106 ages, S = 2 sexes):
        ``domestic_rate`` (K, A, S) [net migrants per survivor per year] at the new age (age 0 = 0);
        ``prior_rate`` (K, A, S) [same], the fylke pattern at the size class's level;
        ``beta`` (K,) immigration intensity [1 = population share]; ``share`` (K,) share of
        Norway's population in the base year; ``profile`` (A, S) age-sex profile of Norway's net
        immigration [sums to 1]; ``level``, ``level_own``, ``level_prior`` (K,) domestic net
        migration [per person per year]: used, own, prior; ``w_level``, ``w_shape`` (K,)
        credibility weights; ``year_weight`` (K, T) recency × one-off-year weights;
        ``huber`` (K, T) the one-off-year weights alone; ``exposure`` (K,) [persons];
        ``observed`` (K,) mean residual net migration of the last five flow years [persons per
        year]; ``flows`` (T,) flow years; ``priors`` the :class:`Priors` used.
    """
    cfg = config
    years = np.asarray(years)
    kommuner = np.asarray(kommuner)
    first = max(0, years.size - 1 - cfg.window)
    flows = years[first:-1]
    M, Z = residual_flows(P[:, first:], years[first:], survival_for_flows(flows))  # (K, T, A, S)
    K, T = M.shape[:2]
    nat = national_series(int(flows[0]), int(flows[-1]))
    Ztot = Z.sum((2, 3))
    m = M.sum((2, 3)) / np.maximum(Ztot, 1.0)  # total net rate (K, T)
    base_pop = P[:, -1].sum((1, 2))
    N_base = _national_total(int(years[-1]))
    omega = recency_weights(flows, cfg.half_life, cfg.floor)

    # --- 1. one-off years (Huber) and immigration intensity beta ----------------------------
    fit_line = T >= 3 and cfg.wave != "none"
    h = np.ones_like(m)
    noise = 1.0 / np.sqrt(np.maximum(Ztot.mean(1), 1.0))  # binomial-like floor of the scale
    for _ in range(3 if cfg.huber is not None else 1):
        if fit_line:
            _, b, e, vb = _wls_line(m, nat.n, h)
        else:
            b, vb = np.zeros(K), np.full(K, np.inf)
            e = m - ((h * m).sum(1) / h.sum(1))[:, None]
        h = huber_weights(e, cfg.huber, np.maximum(1.4826 * np.median(np.abs(e), axis=1), 0.5 * noise))
    beta_g, tau2 = {}, 0.0
    if cfg.wave == "none":
        beta = np.zeros(K)
    elif cfg.wave == "share" or not fit_line:
        beta = np.ones(K)
    elif cfg.wave == "class":
        cls = size_class(base_pop).astype(str)
        if priors is None:
            gm, uniq, _ = _group_sum(M.sum((2, 3)), cls)
            gz, _, _ = _group_sum(Ztot, cls)
            _, gb, _, _ = _wls_line(gm / gz, nat.n, np.ones_like(gm))
            beta_g = dict(zip(uniq, gb))
        else:
            beta_g = priors.beta
        beta = np.array([beta_g.get(c, 1.0) for c in cls])
    else:  # "own": empirical Bayes towards 1
        tau2 = max(float(np.var(b - 1.0) - np.median(vb)), 1e-4) if priors is None else priors.tau2
        beta = 1.0 + tau2 / (vb + tau2) * (b - 1.0)
    scale = 1.0
    if beta.any():
        scale = N_base / float((beta * base_pop).sum()) if priors is None else priors.scale
        beta = beta * scale

    # --- 2. domestic rates: residual minus the immigration part, weighted ------------------
    wave = beta[:, None, None, None] * (nat.n[None, :, None, None] * Ztot[:, :, None, None]) * nat.g[None]
    wt = omega[None, :] * h
    wsum = wt.sum(1)[:, None, None]
    num = np.einsum("kt,ktas->kas", wt, M - wave) / wsum  # domestic net migrants a year
    den = np.einsum("kt,ktas->kas", wt, Z) / wsum  # survivors a year (exposure)
    exposure = den.sum((1, 2))
    dist = den / exposure[:, None, None]
    level_own = num.sum((1, 2)) / exposure

    # --- 3. priors: pooled age patterns of the fylke, mean level of the size class ----------
    shape_lab = group_labels(kommuner, base_pop, cfg.shape_group)
    level_lab = group_labels(kommuner, base_pop, cfg.level_group)
    sd = cfg.smooth_sd
    if priors is None:
        gnum, uniq, _ = _group_sum(num, shape_lab)
        gden, _, _ = _group_sum(den, shape_lab)
        grate = np.clip(_smooth(gnum, sd) / np.maximum(_smooth(gden, sd), 1e-9), *RATE_BOUNDS)
        grate[:, 0] = 0.0
        lsum, luniq, _ = _group_sum(level_own, level_lab)
        lcnt, _, _ = _group_sum(np.ones(K), level_lab)
        priors = Priors(dict(zip(uniq, grate)), dict(zip(luniq, lsum / lcnt)), beta_g, tau2, scale, int(years[-1]))
    fallback = np.mean(list(priors.rates.values()), axis=0)
    prior_shape = np.stack([priors.rates.get(g, fallback) for g in shape_lab])
    level_prior = np.array([priors.level.get(g, 0.0) for g in level_lab])

    # --- 4. credibility: cell level, then the kommune's pattern, then its level -------------
    intensity = intensity_schedule()[None]
    spread = (intensity * dist).sum((1, 2))  # level change per unit of the intensity schedule

    def at_level(r: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Rates r (K, A, S) moved to the domestic level ``target`` along the intensity schedule."""
        return r + ((target - (r * dist).sum((1, 2))) / spread)[:, None, None] * intensity

    prior_rate = np.clip(at_level(prior_shape, level_prior), *RATE_BOUNDS)
    own = (_smooth(num, sd) + cfg.c_cell * prior_rate) / (_smooth(den, sd) + cfg.c_cell)
    w_shape = exposure / (exposure + cfg.n0_shape)
    w_level = exposure / (exposure + cfg.n0_level)
    blended = w_shape[:, None, None] * own + (1 - w_shape[:, None, None]) * prior_rate
    level = w_level * level_own + (1 - w_level) * level_prior
    rate = np.clip(at_level(blended, level), *RATE_BOUNDS)
    rate[:, 0] = 0.0
    prior_rate[:, 0] = 0.0

    profile = (nat.g * (nat.n * nat.Z)[:, None, None]).sum(0)
    return {
        "domestic_rate": rate, "prior_rate": prior_rate, "beta": beta,
        "share": base_pop / N_base, "profile": profile / profile.sum(),
        "level": level, "level_own": level_own, "level_prior": level_prior,
        "w_level": w_level, "w_shape": w_shape, "year_weight": wt, "huber": h, "exposure": exposure,
        "observed": M[:, -5:].sum((2, 3)).mean(1), "beta_raw": b, "flows": flows, "priors": priors,
    }


# ---------------------------------------------------------------------------------------------
# Projection-time migration
# ---------------------------------------------------------------------------------------------

def migration_paths(est: dict, net_immigration: np.ndarray, flow_years: np.ndarray, base: np.ndarray,
                    config: MigrationConfig = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """The engine's migration inputs for the kommuner of an estimate.

    Parameters
    ----------
    est : output of :func:`estimate` (or the same keys for a subset of kommuner).
    net_immigration : (year,) Norway's net immigration at ages 1+ [persons per year]: the
        scenario's national path times :func:`~planmodel.population.national.ages_one_plus_share`.
    flow_years : (year,) of int, the flow years (base year .. end year - 1).
    base : (kommune, age, sex) base population [persons]; the persons part of the domestic
        flows is a rate times its survivors over the first flow year.

    Returns
    -------
    persons : (year, kommune, age, sex) [persons per year], the engine's ``net_migration``: the
        immigration part plus the domestic cells held as persons.
    rate : (year, kommune, age, sex) [per survivor per year], the engine's
        ``net_migration_rate``: the domestic cells that act as rates.
    """
    T = len(flow_years)
    r, target = est["domestic_rate"], est["prior_rate"]
    f = fade_factor(T, est["exposure"], config)  # (T, K)
    rates = np.clip(target[None] + f[:, :, None, None] * (r - target)[None], *RATE_BOUNDS)
    wave = (est["beta"] * est["share"])[None, :, None, None] * np.asarray(net_immigration, float)[:, None, None, None] \
        * est["profile"][None, None]
    if config.rate == "rate":
        return wave, rates
    Zb = survive(base, survival_for_flows(np.asarray(flow_years[:1]))[0])  # (K, A, S)
    as_persons = np.ones(rates.shape, bool) if config.rate == "persons" else rates > 0
    return wave + np.where(as_persons, rates * Zb[None], 0.0), np.where(as_persons, 0.0, rates)


# ---------------------------------------------------------------------------------------------
# One kommune: gaps in a user's file, and the estimate as an object
# ---------------------------------------------------------------------------------------------

def fill_single_gaps(pop: xr.DataArray) -> xr.DataArray:
    r"""A population history (year, age, sex) with single missing years filled along cohorts.

    A year :math:`t+1` missing between :math:`t` and :math:`t+2` gets the mean of the cohort
    survived forward from :math:`t` and survived backward from :math:`t+2`:

    .. math:: \hat P_{t+1}(a) = \tfrac12\,[S_t(a-1)\,P_t(a-1) + P_{t+2}(a+1) / S_{t+1}(a)]

    (age 0: the backward term alone; 105+: the forward term alone), so the residual net
    migration of the two-year interval is split evenly between its two years. Longer gaps are
    left as they are. Returns a new DataArray on consecutive years where possible.
    """
    years = [int(y) for y in pop["year"].values]
    missing = [y + 1 for y, nxt in zip(years[:-1], years[1:]) if nxt == y + 2]
    if not missing:
        return pop
    pop = pop.transpose("year", "age", "sex")
    add = []
    for y in missing:
        P0 = pop.sel(year=y - 1).values
        P2 = pop.sel(year=y + 1).values
        S0 = survival_of_year(y - 1).transpose("age", "sex").values
        S1 = survival_of_year(y).transpose("age", "sex").values
        fwd = survive(P0, S0)
        back = np.zeros_like(P2, dtype=float)
        back[: MAX_AGE - 1] = P2[1:MAX_AGE] / S1[: MAX_AGE - 1]
        est = 0.5 * (fwd + back)
        est[0] = back[0]
        est[MAX_AGE - 1:] = fwd[MAX_AGE - 1:]
        add.append(xr.DataArray(est, coords={"year": y, "age": pop.age, "sex": pop.sex}, dims=("age", "sex")))
    out = xr.concat([pop, xr.concat(add, dim="year")], dim="year").sortby("year")
    out.attrs = dict(pop.attrs, filled_years=missing)
    return out


@dataclass(frozen=True)
class KommuneMigration:
    """A kommune's estimated net migration (see the module docstring).

    Attributes
    ----------
    domestic_rate, prior_rate : DataArray (age, sex) [net migrants per survivor per year], the
        kommune's domestic rates and what they fade towards (its fylke's pattern at its size
        class's level); at the age on 1 January t+1, age 0 = 0 (infants are in the fertility
        factor).
    beta : float [1 = population share], the kommune's intensity of Norway's net immigration.
    share : float [share], the kommune's share of Norway's population in the base year.
    immigration_profile : DataArray (age, sex) [share, sums to 1], Norway's net immigration by
        age and sex over the estimation years.
    level, level_own, level_prior : float [net migrants per person per year], the domestic
        level used, the kommune's own and its size class's.
    weight_level, weight_own : float [share], credibility weights of the own level and of the
        own age pattern.
    exposure : float [persons], mean annual survivors over the estimation years.
    half_life : float [years], half-life of the deviation from the prior in a projection.
    observed : float [persons per year], mean residual net migration (ages 1+) of the last five
        flow years.
    years : (first, last) 1 January years of the history used.
    basis : str, the estimate in words (bokmål).
    estimate : dict, the numpy estimate (kommune axis of length 1) for :func:`migration_paths`.
    """

    domestic_rate: xr.DataArray
    prior_rate: xr.DataArray
    beta: float
    share: float
    immigration_profile: xr.DataArray
    level: float
    level_own: float
    level_prior: float
    weight_level: float
    weight_own: float
    exposure: float
    half_life: float
    observed: float
    years: tuple[int, int]
    basis: str
    estimate: dict


@lru_cache(maxsize=1)
def _age_sex() -> xr.DataArray:
    """A template (age, sex) DataArray (copying it is three times faster than building one)."""
    return xr.DataArray(np.zeros((AGES.size, len(SEXES))), coords={"age": AGES, "sex": list(SEXES)},
                        dims=("age", "sex"))


def kommune_migration(est: dict, fylke_name: str, years: tuple[int, int], config: MigrationConfig = DEFAULT,
                      basis_prefix: str = "") -> KommuneMigration:
    """:class:`KommuneMigration` from an estimate of one kommune (kommune axis of length 1)."""
    units = {"units": "net migrants per survivor per year"}
    da = lambda x, **a: _age_sex().copy(data=x).assign_attrs(a)  # noqa: E731
    exposure = float(est["exposure"][0])
    hl = float(half_lives(est["exposure"], config)[0])
    flows = est["flows"]
    last5 = (int(flows[-min(5, flows.size)]), int(flows[-1]) + 1)
    fading = (f"avviket fra fylkesmønsteret halveres på {tall(hl, 0)} år" if np.isfinite(hl)
              else "avviket fra fylkesmønsteret holdes")
    basis = (f"{basis_prefix}Restmetoden på registrert befolkning {years[0]}–{years[1]} "
             f"({flows.size} år, nyere år veier mer). Innvandring: kommunens andel av landets "
             f"nettoinnvandring ({prosent(float(est['share'][0] * est['beta'][0]), 2)}), som følger "
             f"scenarioets nasjonale bane. Innenlandsk: {prosent(float(est['level'][0]), 2)} av "
             f"folketallet per år (egen {prosent(float(est['level_own'][0]), 2)} veid "
             f"{prosent(float(est['w_level'][0]), 0)}, størrelsesklassen "
             f"{prosent(float(est['level_prior'][0]), 2)}); aldersmønster "
             f"{prosent(float(est['w_shape'][0]), 0)} eget, {prosent(1 - float(est['w_shape'][0]), 0)} "
             f"{fylke_name}; {fading}. Registrert nettoinnflytting {last5[0]}–{last5[1]}: "
             f"{tall(float(est['observed'][0]))} personer per år.")
    return KommuneMigration(
        domestic_rate=da(est["domestic_rate"][0], **units), prior_rate=da(est["prior_rate"][0], **units),
        beta=float(est["beta"][0]), share=float(est["share"][0]),
        immigration_profile=da(est["profile"], units="share"),
        level=float(est["level"][0]), level_own=float(est["level_own"][0]), level_prior=float(est["level_prior"][0]),
        weight_level=float(est["w_level"][0]), weight_own=float(est["w_shape"][0]), exposure=exposure,
        half_life=hl, observed=float(est["observed"][0]), years=years, basis=basis, estimate=est)
