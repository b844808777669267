r"""Rolling-origin backtests of the kommune projections, next to three naive baselines.

For an origin year :math:`O` every kommune is projected with nothing but what was known on
1 January :math:`O`:

- the registered population of every kommune up to :math:`O` (its migration model, its
  fertility factor, and the priors it borrows from the other kommuner — all cut at :math:`O`);
- national fertility, mortality and net immigration as *trends known at the origin*
  (:func:`planmodel.inputs.demographic.trend_scenario` of :math:`O-1`: TFR held at its last
  HFD year, e0 on its 20-year trend, net immigration held at its mean of the last ten years;
  the rules for TFR and immigration are chosen on national data before 2011 with
  :func:`hold_rule_errors`),

and compared with the registered population :math:`H` years later, in total and by KOSTRA age
group. The error of a forecast :math:`\hat P` of a registered :math:`P` is the absolute
percentage error :math:`\text{APE} = |\hat P / P - 1| \cdot 100`; tables report its median and
90th percentile by size class (population at the origin).

Naive baselines on the same series, each for the total and for every age group:
``constant`` (the origin's value), ``linear`` (the last five years' straight line,
:math:`P_O + (P_O - P_{O-5})\,H/5`, at least 0) and ``geometric`` (the last five years' growth
rate, :math:`P_O\,(P_O / P_{O-5})^{H/5}`).

All 357 kommuner are projected in one engine call per origin (the whole run takes about a
second). The command line prints the table: ``planmodel backtest --origin 2016 --horizon 10``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planmodel.core.ages import AGES, KOSTRA_GROUPS
from planmodel.inputs import data
from planmodel.inputs.demographic import trend_scenario
from planmodel.population.demography import HISTORY_FIRST_YEAR, project_kommuner
from planmodel.population.migration_model import DEFAULT, SIZE_LABELS, MigrationConfig, size_class

#: Origins and horizons of the published backtest [years].
ORIGINS = (2011, 2014, 2016)
HORIZONS = (5, 10)
#: The forecasting methods in the result table: the projection and the naive baselines.
METHODS = ("engine", "constant", "linear", "geometric")
NAIVE = METHODS[1:]
GROUPS = (*KOSTRA_GROUPS, "total")
#: Naive baselines look this many years back from the origin.
NAIVE_YEARS = 5

_GROUP_INDEX = np.zeros(AGES.size, dtype=int)
for _i, (_lo, _hi) in enumerate(KOSTRA_GROUPS.values()):
    _GROUP_INDEX[_lo:_hi + 1] = _i


def valid_origins(horizon: int) -> tuple[int, int]:
    """First and last origin year a backtest can use for ``horizon`` [years]: five years of
    history before it for the baselines (and at least five estimation years), and a registered
    population ``horizon`` years after it."""
    last = int(data.all_kommuner_population().year.max())
    return HISTORY_FIRST_YEAR + NAIVE_YEARS, last - horizon


def to_groups(x: np.ndarray) -> np.ndarray:
    """Sum populations (..., age, sex) into the KOSTRA groups and the total (..., group)."""
    s = x.sum(-1)
    onehot = (_GROUP_INDEX[:, None] == np.arange(len(KOSTRA_GROUPS))[None]).astype(float)  # (age, group)
    return np.concatenate([s @ onehot, s.sum(-1, keepdims=True)], axis=-1)


def naive(series: np.ndarray, years: np.ndarray, origin: int, horizon: int) -> dict[str, np.ndarray]:
    """Naive forecasts ``horizon`` years after ``origin`` of series (..., year) on ``years``:
    constant, the last five years' linear trend and their geometric growth rate."""
    i0 = int(np.flatnonzero(years == origin)[0])
    p0, p5 = series[..., i0], series[..., i0 - NAIVE_YEARS]
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = p0 * np.where(p5 > 0, p0 / p5, 1.0) ** (horizon / NAIVE_YEARS)
    return {"constant": p0, "linear": np.maximum(p0 + (p0 - p5) / NAIVE_YEARS * horizon, 0.0), "geometric": geo}


def run(origins=ORIGINS, horizons=HORIZONS, kommuner=None, config: MigrationConfig = DEFAULT,
        national=None) -> pd.DataFrame:
    """The backtest as a long table.

    Parameters
    ----------
    origins, horizons : origin years and horizons [years] (see :func:`valid_origins`).
    kommuner : kommune numbers (default all 357; the priors always come from all of them).
    config : :class:`~planmodel.population.migration_model.MigrationConfig`.
    national : optional ``origin -> dict`` of national inputs replacing the trend paths (see
        :func:`planmodel.population.demography.project_kommuner`), e.g. the paths that happened.

    Returns
    -------
    DataFrame, one row per (origin, horizon, kommune, method, age_group) with ``size`` (size
    class at the origin), ``forecast`` and ``registered`` [persons], ``error`` (signed, %) and
    ``ape`` (absolute, %). ``age_group`` "total" is the whole population.
    """
    hist = data.all_kommuner_population()
    if kommuner is not None:
        hist = hist.sel(kommune=list(kommuner))
    years = hist.year.values
    V = hist.transpose("kommune", "year", "age", "sex").values
    groups = to_groups(V)  # (K, Y, G)
    codes = hist.kommune.values
    rows = []
    for O in origins:
        ds = project_kommuner(trend_scenario(O - 1), O + max(horizons), base_year=O, kommuner=codes,
                              config=config, national=None if national is None else national(O))
        fc = to_groups(ds["population"].transpose("year", "kommune", "age", "sex").values)  # (T+1, K, G)
        i0 = int(np.flatnonzero(years == O)[0])
        size = np.asarray(SIZE_LABELS)[size_class(V[:, i0].sum((1, 2)))]
        for H in horizons:
            obs = groups[:, i0 + H]  # (K, G)
            forecasts = {"engine": fc[H], **naive(np.moveaxis(groups, 1, -1), years, O, H)}
            for method, f in forecasts.items():
                rows.append(pd.DataFrame({
                    "origin": O, "horizon": H, "kommune": np.repeat(codes, len(GROUPS)),
                    "size": np.repeat(size, len(GROUPS)), "method": method,
                    "age_group": np.tile(GROUPS, len(codes)), "forecast": f.ravel(), "registered": obs.ravel()}))
    df = pd.concat(rows, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["error"] = (df["forecast"] / df["registered"] - 1) * 100
    df["ape"] = df["error"].abs()
    return df


def table(df: pd.DataFrame, horizon: int = 10, age_group: str = "total") -> pd.DataFrame:
    """Median and 90th percentile of the APE [%], median signed error [%] and count by size
    class and method (index (size, method), the size classes and "all")."""
    d = df[(df.horizon == horizon) & (df.age_group == age_group)]
    parts = []
    for label, sub in [*[(s, d[d["size"] == s]) for s in SIZE_LABELS], ("all", d)]:
        g = sub.groupby("method")
        parts.append(pd.DataFrame({"median": g["ape"].median(), "p90": g["ape"].quantile(0.9),
                                   "bias": g["error"].median(), "n": g.size()}).assign(size=label))
    t = pd.concat(parts).reset_index().set_index(["size", "method"])
    order = [(s, m) for s in [*SIZE_LABELS, "all"] for m in METHODS if (s, m) in t.index]
    return t.loc[order]


def group_table(df: pd.DataFrame, horizon: int = 10) -> pd.DataFrame:
    """Median and 90th percentile of the APE [%] by KOSTRA age group and method, all sizes."""
    d = df[(df.horizon == horizon) & (df.age_group != "total")]
    g = d.groupby(["age_group", "method"])["ape"]
    t = pd.DataFrame({"median": g.median(), "p90": g.quantile(0.9)})
    return t.loc[[(a, m) for a in KOSTRA_GROUPS for m in METHODS if (a, m) in t.index]]


def score(df: pd.DataFrame, horizon: int = 10) -> dict:
    """Headline: the projection's median and P90 APE over all kommuner and origins, and, per
    size class, whether it beats the best naive method on the median and on P90."""
    t = table(df, horizon)
    eng = t.xs("engine", level="method")
    out = {"median": float(eng.loc["all", "median"]), "p90": float(eng.loc["all", "p90"]), "beats": {}}
    for s in SIZE_LABELS:
        if s not in eng.index:
            continue
        nv = t.loc[s].drop(index="engine")
        out["beats"][s] = (float(eng.loc[s, "median"]) < float(nv["median"].min()),
                           float(eng.loc[s, "p90"]) < float(nv["p90"].min()))
    return out


def hold_rule_errors(series: pd.Series, windows=(1, 2, 3, 5, 10), horizon: int = 10,
                     last_outcome: int = 2010) -> pd.DataFrame:
    """How well "hold the mean of the last n years" forecasts a national series: for every
    origin year u with n years behind it and an outcome window u+1..u+horizon ending by
    ``last_outcome``, the forecast is the mean of u-n+1..u and the outcome the mean of the
    window. Used to choose the rules of the trend scenario on data before every backtest
    origin (``last_outcome=2010``).

    Parameters
    ----------
    series : values by year (index), e.g. :func:`planmodel.population.demography.tfr_history`
        as a Series or Norway's net immigration by year.
    windows : the n to compare [years]. horizon : [years]. last_outcome : last year an
        outcome may use.

    Returns
    -------
    DataFrame indexed by n: ``mae`` and ``rmse`` (series units), ``mape`` (%, against the
    outcome) and ``origins`` (the first and last origin year, the same for every n: those where
    the longest window fits).
    """
    s = series.sort_index()
    years = s.index.to_numpy()
    first = int(years[0]) + max(windows) - 1
    origins = [u for u in range(first, last_outcome - horizon + 1) if u + horizon <= int(years[-1])]
    outcome = np.array([s.loc[u + 1:u + horizon].mean() for u in origins])
    rows = {}
    for n in windows:
        fc = np.array([s.loc[u - n + 1:u].mean() for u in origins])
        err = fc - outcome
        rows[n] = {"mae": np.abs(err).mean(), "rmse": np.sqrt((err ** 2).mean()),
                   "mape": (np.abs(err) / np.abs(outcome)).mean() * 100, "origins": (origins[0], origins[-1])}
    return pd.DataFrame(rows).T


def sample_kommuner(n: int = 40, seed: int = 2026, year: int = 2016) -> np.ndarray:
    """A fixed sample of about ``n`` kommuner, the same number from each size class at ``year``
    (seeded, so the fast backtest in the tests and ``--sample`` are reproducible)."""
    hist = data.all_kommuner_population()
    cls = size_class(hist.sel(year=year).sum(["age", "sex"]).values)
    codes = hist.kommune.values
    rng = np.random.default_rng(seed)
    per = [n // 4 + (c < n % 4) for c in range(4)]
    pick = [rng.choice(codes[cls == c], size=min(per[c], int((cls == c).sum())), replace=False) for c in range(4)]
    return np.sort(np.concatenate(pick))


def sample_bounds(df: pd.DataFrame, n: int = 40, draws: int = 2000, seed: int = 1, year: int = 2016) -> dict:
    """How the fast test's statistics vary between samples, from a full run ``df``: draw
    ``n / 4`` kommuner from each size class ``draws`` times and compute the projection's
    10-year median and P90 APE (total) and its median minus the best naive median. Returns the
    quantiles (50, 95, 99, 99.9 %) of each, and the values of :func:`sample_kommuner`."""
    d = df[(df.horizon == 10) & (df.age_group == "total")]
    hist = data.all_kommuner_population()
    cls = size_class(hist.sel(year=year).sum(["age", "sex"]).values)
    codes = hist.kommune.values
    wide = d.pivot_table(index=["origin", "kommune"], columns="method", values="ape")
    rng = np.random.default_rng(seed)

    def stats(sample):
        w = wide[wide.index.get_level_values("kommune").isin(sample)]
        best = min(w[m].median() for m in NAIVE)
        return w["engine"].median(), w["engine"].quantile(0.9), w["engine"].median() - best

    sims = np.array([stats(np.concatenate([rng.choice(codes[cls == c], n // 4, replace=False) for c in range(4)]))
                     for _ in range(draws)])
    q = {f"q{p}": np.quantile(sims, p / 100, axis=0).round(3).tolist() for p in (50, 95, 99, 99.9)}
    return {"stat": ["median", "p90", "median_minus_best_naive"], **q,
            "fixed_sample": [round(float(v), 3) for v in stats(sample_kommuner(n, year=year))]}
