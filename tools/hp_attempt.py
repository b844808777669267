"""Hamilton–Perry (cohort-change ratios) for all kommuner, alone and in an ensemble with the
engine, measured with the rolling-origin backtest of docs/befolkningsmodell.md, chapter 6.

    python tools/hp_attempt.py   # about 5 s

Two HP variants, both fixed before any backtest was run (Smith, Tayman & Swanson 2013, ch. 8;
Swanson, Schlottmann & Schmidt 2010):

- ``hp`` (primary): single age and sex, one-year cohort-change ratios pooled over the five
  transitions O-5 -> O (sum of survivors-to-be over sum of starters), open group 90+
  (P(90+, t+1) / P(89+, t)); age 0 from the child-woman ratio (0-year-olds per woman 15-49)
  pooled over the five years O-4..O. Projected year by year. A cell whose pooled denominator is
  0 uses the national (all-kommuner) ratio.
- ``hp5`` (classic): five-year groups 0-4 .. 85+ and sex, five-year ratios P_O(g+1)/P_{O-5}(g),
  open group P_O(85+)/P_{O-5}(80+), 0-4 from the child-woman ratio P_O(0-4)/W_O(15-49);
  projected in five-year steps (totals only: the groups do not map onto KOSTRA groups).

Ensembles: ``ens50`` = 0.5 engine + 0.5 hp in every single age (so for every KOSTRA group and the
total); ``ensw`` = w engine + (1-w) hp with w chosen on origin 2011 / horizon 5 (minimum P90 of
the total APE, the protocol of "Kombinasjon med en naiv metode") and then tested on all origins
at 10 years. Finally the 2026 -> 2050 projection of HP (ratios 2021-2026) next to the engine's
main alternative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planmodel.core.ages import KOSTRA_GROUPS, SEXES
from planmodel.inputs import data
from planmodel.population import backtest as bt
from planmodel.population.demography import project_kommuner
from planmodel.population.migration_model import SIZE_LABELS, size_class

F = list(SEXES).index("female")
OPEN = 90          # open age group of the single-age HP
WINDOW = 5         # years of history behind the ratios
METHODS = ("engine", "hp", "hp5", "ens50", "ensw", "constant", "linear", "geometric")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den over (K, ...) with the national ratio (sum over K) where den == 0."""
    nat = num.sum(0) / np.maximum(den.sum(0), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), nat[None])


def hp_single(V: np.ndarray, years: np.ndarray, origin: int, horizon: int) -> np.ndarray:
    """Single-age HP. V (K, Y, A, S) registered; returns (H+1, K, A, S) from the origin,
    ages folded into 0..OPEN (OPEN = open group), other ages 0."""
    i0 = int(np.flatnonzero(years == origin)[0])
    W = V[:, i0 - WINDOW:i0 + 1].astype(float)                        # (K, 6, A, S)
    X = np.concatenate([W[:, :, :OPEN], W[:, :, OPEN:].sum(2, keepdims=True)], axis=2)  # (K, 6, 91, S)
    start, end = X[:, :-1], X[:, 1:]                                  # transitions t -> t+1
    den = start[:, :, :-1].sum(1)                                     # ages 0..89 at t  (K, 90, S)
    den[:, -1] += start[:, :, -1].sum(1)                              # 89 + 90+ -> 90+
    num = end[:, :, 1:].sum(1)                                        # ages 1..90+ at t+1
    ccr = _ratio(num, den)                                            # (K, 90, S): age a -> a+1
    women = X[:, 1:, 15:50, F].sum(2)                                 # (K, 5)  years O-4..O
    cwr = _ratio(X[:, 1:, 0].sum(1), women.sum(1)[:, None].repeat(2, 1))  # (K, S) per woman
    out = np.zeros((horizon + 1, *X[:, -1].shape))
    P = X[:, -1].copy()
    out[0] = P
    for h in range(1, horizon + 1):                                   # loop over years only
        Q = np.empty_like(P)
        Q[:, 1:] = ccr * P[:, :-1]
        Q[:, -1] += ccr[:, -1] * P[:, -1]                             # open group stays
        Q[:, 0] = cwr * Q[:, 15:50, F].sum(1)[:, None]
        P = Q
        out[h] = P
    full = np.zeros((horizon + 1, V.shape[0], V.shape[2], V.shape[3]))
    full[..., :OPEN + 1, :] = out
    return full


def hp_five(V: np.ndarray, years: np.ndarray, origin: int, horizon: int) -> np.ndarray:
    """Classic HP in five-year groups and five-year steps; returns totals (K,) at ``horizon``
    (a multiple of 5)."""
    i0 = int(np.flatnonzero(years == origin)[0])
    def grp(x):  # (K, A, S) -> (K, 18, S): 0-4 .. 80-84, 85+
        g = x[:, :85].reshape(x.shape[0], 17, 5, x.shape[-1]).sum(2)
        return np.concatenate([g, x[:, 85:].sum(1, keepdims=True)], axis=1)
    G0, G5 = grp(V[:, i0 - 5].astype(float)), grp(V[:, i0].astype(float))
    den = G0[:, :-1].copy()
    den[:, -1] += G0[:, -1]
    ccr = _ratio(G5[:, 1:], den)                                      # (K, 17, S)
    w = V[:, i0, 15:50, F].sum(1)
    cwr = _ratio(G5[:, 0], w[:, None].repeat(2, 1))
    P = G5
    for _ in range(horizon // 5):
        Q = np.empty_like(P)
        Q[:, 1:] = ccr * P[:, :-1]
        Q[:, -1] += ccr[:, -1] * P[:, -1]
        # women 15-49 at the new date: groups 3..9 of Q
        Q[:, 0] = cwr * Q[:, 3:10, F].sum(1)[:, None]
        P = Q
    return P.sum((1, 2))


def run_all(origins=bt.ORIGINS, horizons=bt.HORIZONS) -> tuple[pd.DataFrame, dict]:
    """Backtest rows for engine, HP variants, naive (the ensembles are added later)."""
    hist = data.all_kommuner_population()
    years = hist.year.values
    V = hist.transpose("kommune", "year", "age", "sex").values
    codes = hist.kommune.values
    groups = bt.to_groups(V)
    rows, single = [], {}
    for O in origins:
        ds = project_kommuner(bt.trend_scenario(O - 1), O + max(horizons), base_year=O, kommuner=codes)
        eng = ds["population"].transpose("year", "kommune", "age", "sex").values
        hp = hp_single(V, years, O, max(horizons))
        i0 = int(np.flatnonzero(years == O)[0])
        size = np.asarray(SIZE_LABELS)[size_class(V[:, i0].sum((1, 2)))]
        for H in horizons:
            single[(O, H)] = (eng[H], hp[H])
            obs = groups[:, i0 + H]
            fc = {"engine": bt.to_groups(eng[H]), "hp": bt.to_groups(hp[H]),
                  **bt.naive(np.moveaxis(groups, 1, -1), years, O, H)}
            h5 = np.full_like(obs, np.nan)
            h5[:, -1] = hp_five(V, years, O, H)
            fc["hp5"] = h5
            for m, f in fc.items():
                rows.append(pd.DataFrame({
                    "origin": O, "horizon": H, "kommune": np.repeat(codes, len(bt.GROUPS)),
                    "size": np.repeat(size, len(bt.GROUPS)), "method": m,
                    "age_group": np.tile(bt.GROUPS, len(codes)), "forecast": f.ravel(),
                    "registered": obs.ravel()}))
    return pd.concat(rows, ignore_index=True), single


def add_ensemble(df: pd.DataFrame, w: float, name: str) -> pd.DataFrame:
    """w * engine + (1 - w) * hp, row by row (every group; linear, so the total is consistent)."""
    key = ["origin", "horizon", "kommune", "age_group"]
    e = df[df.method == "engine"].set_index(key)
    h = df[df.method == "hp"].set_index(key)["forecast"]
    ens = e.copy()
    ens["forecast"] = w * e["forecast"] + (1 - w) * h.reindex(e.index)
    ens["method"] = name
    return pd.concat([df[df.method != name], ens.reset_index()], ignore_index=True)


def with_errors(df: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        df["error"] = (df["forecast"] / df["registered"] - 1) * 100
    df["ape"] = df["error"].abs()
    return df


def summary(df: pd.DataFrame, horizon: int = 10, origins=None) -> pd.DataFrame:
    d = df[(df.horizon == horizon) & (df.age_group == "total")]
    if origins is not None:
        d = d[d.origin.isin(origins)]
    out = {}
    for label, sub in [*[(s, d[d["size"] == s]) for s in SIZE_LABELS], ("all", d)]:
        g = sub.groupby("method")["ape"]
        out[(label, "median")] = g.median()
        out[(label, "p90")] = g.quantile(0.9)
    t = pd.DataFrame(out)
    return t.loc[[m for m in METHODS if m in t.index]]


def beats(t: pd.DataFrame, m: str) -> str:
    bad = []
    for s in SIZE_LABELS:
        for stat in ("median", "p90"):
            best = min(t.loc[n, (s, stat)] for n in bt.NAIVE)
            if not t.loc[m, (s, stat)] < best:
                bad.append(f"{s} {stat}")
    return "ja" if not bad else "nei (" + ", ".join(bad) + ")"


def pct(x: float) -> str:
    return f"{x:.2f}".replace(".", ",").replace("-", "−")


def markdown(t: pd.DataFrame, methods) -> str:
    head = ("| metode | median | P90 | " + " | ".join(f"median {s} | P90 {s}" for s in SIZE_LABELS)
            + " | slår beste naive i alle klasser |")
    lines = [head, "|" + "---|" * (4 + 2 * len(SIZE_LABELS))]
    for m in methods:
        r = t.loc[m]
        cells = [pct(r[("all", "median")]), pct(r[("all", "p90")])]
        cells += [pct(r[(s, st)]) for s in SIZE_LABELS for st in ("median", "p90")]
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {beats(t, m) if m not in bt.NAIVE else '–'} |")
    return "\n".join(lines)


def group_summary(df: pd.DataFrame, horizon: int = 10) -> pd.DataFrame:
    d = df[(df.horizon == horizon) & (df.age_group != "total") & df.method.isin(["engine", "hp", "ens50", "constant"])]
    g = d.groupby(["age_group", "method"])["ape"]
    t = pd.DataFrame({"median": g.median(), "p90": g.quantile(0.9)}).unstack("method")
    return t.loc[list(KOSTRA_GROUPS)].round(1)


def outlook_2050() -> pd.DataFrame:
    """Growth 2026 -> 2050 [%] over the 357 kommuner: engine main alternative, HP, 0.5 ensemble."""
    hist = data.all_kommuner_population()
    years = hist.year.values
    V = hist.transpose("kommune", "year", "age", "sex").values
    base = int(years.max())
    H = 2050 - base
    eng = project_kommuner("main", 2050).sel(year=2050)["population"].transpose("kommune", "age", "sex").values
    hp = hp_single(V, years, base, H)[H]
    p0 = V[:, -1].sum((1, 2))
    res = {}
    for name, x in {"engine": eng, "hp": hp, "ens50": 0.5 * eng + 0.5 * hp}.items():
        g = (x.sum((1, 2)) / p0 - 1) * 100
        res[name] = {**{q: np.percentile(g, q) for q in (0, 1, 5, 25, 50, 75, 95, 99, 100)},
                     "Norway_vs_engine_%": (x.sum() / eng.sum() - 1) * 100,
                     "n<-40%": int((g < -40).sum()), "n>+75%": int((g > 75).sum())}
    codes = hist.kommune.values
    g = (hp.sum((1, 2)) / p0 - 1) * 100
    order = np.argsort(g)
    res_t = pd.DataFrame(res).T.round(1)
    extremes = pd.DataFrame({"kommune": codes[np.r_[order[:5], order[-5:]]], "hp_%": g[np.r_[order[:5], order[-5:]]].round(1),
                             "engine_%": ((eng.sum((1, 2)) / p0 - 1) * 100)[np.r_[order[:5], order[-5:]]].round(1),
                             "pop2026": p0[np.r_[order[:5], order[-5:]]]})
    return res_t, extremes


def main() -> None:
    import time
    t0 = time.time()
    df, _ = run_all()
    t_run = time.time() - t0
    df = with_errors(add_ensemble(df, 0.5, "ens50"))
    # weight chosen on origin 2011, horizon 5 (minimum P90 of the total APE), grid 0..1 by 0.05
    grid = np.round(np.arange(0, 1.0001, 0.05), 2)
    sel = []
    for w in grid:
        d = with_errors(add_ensemble(df[df.method.isin(["engine", "hp"]) & (df.origin == 2011) & (df.horizon == 5)],
                                     w, "x"))
        a = d[(d.method == "x") & (d.age_group == "total")]["ape"]
        sel.append((w, a.median(), a.quantile(0.9)))
    sel = pd.DataFrame(sel, columns=["w_engine", "median", "p90"]).set_index("w_engine")
    w_star = float(sel["p90"].idxmin())
    df = with_errors(add_ensemble(df, w_star, "ensw"))
    print(f"backtest with HP: {t_run:.1f} s\n")
    print("Selection on origin 2011, horizon 5 (total APE):")
    print(sel.round(2).to_string(), f"\n-> w_engine = {w_star}\n")
    for H in (10, 5):
        t = summary(df, H)
        print(f"## Totalt, {H} år fram, alle utgangsår\n")
        print(markdown(t, METHODS))
        print()
    t = summary(df, 10)
    for O in bt.ORIGINS:
        to = summary(df, 10, [O])
        print(f"origin {O}: " + ", ".join(f"{m} {pct(to.loc[m, ('all', 'median')])} / {pct(to.loc[m, ('all', 'p90')])}"
                                          for m in ("engine", "hp", "ens50", "ensw")))
    d = df[(df.horizon == 10) & (df.age_group == "total")]
    print("\nmedian signed error 10 y by size:")
    print(d.groupby(["method", "size"])["error"].median().unstack().loc[["engine", "hp", "ens50"]].round(2))
    wide = d.pivot_table(index=["origin", "kommune"], columns="method", values="error")
    print("\ncorrelation of signed errors engine vs hp:", round(wide["engine"].corr(wide["hp"]), 3))
    print("\nKOSTRA groups, 10 years (median / p90):")
    print(group_summary(df).to_string())
    print("\n2026 -> 2050 growth over the 357 kommuner [%]:")
    r, ex = outlook_2050()
    print(r.to_string())
    print(ex.to_string())


if __name__ == "__main__":
    main()
