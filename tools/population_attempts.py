"""What was tried to bring the backtest's 90th percentile to 8 % (issue 11, second round), with
the numbers of docs/befolkningsmodell.md, section 6 ("Forsøk på å nå P90 ≤ 8 %").

    .venv/bin/python tools/population_attempts.py      # about two minutes

Every variant is the full backtest (origins 2011, 2014, 2016, ten years, all 357 kommuner,
national paths as trends known at the origin) with one thing changed. Printed: the rules for
the national paths on data before 2011 (``hold_rule_errors``), the fertility factor's
credibility constant estimated on data before 2011, the variants as a markdown table, and a
leave-one-origin-out selection over a grid of the migration model's constants.

Two variants need changes inside the migration estimate and are not reproduced here (see the
method note): recency weights that depend on the kommune's size, and a damped trend in the
domestic level.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from planmodel.core.ages import AGES, SEXES
from planmodel.inputs import data
from planmodel.inputs.demographic import path_values
from planmodel.population import backtest as bt
from planmodel.population import demography as d
from planmodel.population.migration_model import DEFAULT, SIZE_LABELS
from planmodel.population.national import national_migration_pattern

ORIGINS = bt.ORIGINS


def pct(x: float, n: int = 2) -> str:
    return f"{x:.{n}f}".replace(".", ",").replace("-", "−")


def immigration_series(first: int = 1986, last: int = 2022) -> pd.Series:
    """Norway's net immigration by year [persons], residual method (all ages)."""
    return pd.Series({y: float(national_migration_pattern(y, y).sum()) for y in range(first, last + 1)})


def national_rule(tfr_years: int, immigration_years: int):
    """``national`` override of :func:`planmodel.population.backtest.run`: TFR and net
    immigration held at the mean of their last n years before the origin."""
    def f(origin: int) -> dict:
        flow = np.arange(origin, origin + 10)
        u = origin - 1
        tfr = float(d.tfr_history().sel(year=slice(u - tfr_years + 1, u)).mean())
        mig = float(national_migration_pattern(u - immigration_years + 1, u).sum())
        return {"tfr": path_values(tfr, flow, "tfr"), "net_migration": path_values(mig, flow)}
    return f


def set_kappa(kappa: float) -> None:
    """The fertility factor's credibility constant [expected children] for the next runs."""
    d._fertility_factors.__defaults__ = (kappa,)
    d.fertility_factors.__defaults__ = (d.FERTILITY_YEARS, kappa)
    d._all_kommuner_estimate.cache_clear()


def kappa_deviance(first: int, mid: int, last: int, kappas) -> np.ndarray:
    """Poisson deviance of the 0-year-olds of ``mid``..``last`` predicted by the credibility
    factor of ``first``..``mid`` (all kommuner), for each kappa [expected children]."""
    P = data.all_kommuner_population().transpose("kommune", "year", "age", "sex")
    V = P.values.astype(float)
    yrs = list(P.year.values)
    f = d.fertility_shape(d._factor_shape_years(last)).reindex(age=AGES, fill_value=0.0).values
    F = list(SEXES).index("female")

    def births_expected(a: int, b: int):
        W = V[:, yrs.index(a):yrs.index(b) + 1]
        women = 0.5 * (W[:, :-1, :, F] + W[:, 1:, :, F])
        ratio = d._national_child_ratio(tuple(range(a, b + 1)), f.tobytes())
        return W[:, 1:, 0, :].sum((1, 2)), (women * f).sum((1, 2)) * ratio

    BA, EA = births_expected(first, mid)
    BB, EB = births_expected(mid, last)
    out = []
    for k in kappas:
        mu = EB * (BA + k) / (EA + k)
        out.append(2 * np.sum(BB * np.log(np.where(BB > 0, BB / mu, 1.0)) - (BB - mu)))
    return np.array(out)


def engine_row(df: pd.DataFrame) -> dict:
    t = bt.table(df, 10)
    e = t.xs("engine", level="method")
    row = {"median": e.loc["all", "median"], "p90": e.loc["all", "p90"],
           **{f"p90 {s}": e.loc[s, "p90"] for s in SIZE_LABELS}, "median >20 000": e.loc[">20 000", "median"]}
    s = bt.score(df)
    row["beats"] = "ja" if all(m and p for m, p in s["beats"].values()) else \
        "nei (" + ", ".join(c for c, (m, p) in s["beats"].items() if not (m and p)) + ")"
    return row


def combined(df: pd.DataFrame, other: str, w: float) -> pd.DataFrame:
    """The backtest with the projection replaced by (1 − w) · projection + w · ``other``."""
    out = df.copy()
    key = ["origin", "horizon", "kommune", "age_group"]
    eng = out["method"] == "engine"
    oth = out[out["method"] == other].set_index(key)["forecast"]
    idx = pd.MultiIndex.from_frame(out.loc[eng, key])
    out.loc[eng, "forecast"] = (1 - w) * out.loc[eng, "forecast"].to_numpy() + w * oth.reindex(idx).to_numpy()
    out["error"] = (out["forecast"] / out["registered"] - 1) * 100
    out["ape"] = out["error"].abs()
    return out


def shrunk_towards_national(df: pd.DataFrame, b: float) -> dict:
    """Median and P90 [%] (10 years, total) when each kommune's projected growth rate is
    pulled towards Norway's projected growth rate: g' = g_N + b (g - g_N)."""
    d = df[(df.age_group == "total") & (df.horizon == 10)]
    w = d.pivot_table(index=["origin", "kommune"], columns="method", values=["forecast", "registered"])
    E, C, R = w["forecast"]["engine"], w["forecast"]["constant"], w["registered"]["engine"]
    orig = E.index.get_level_values("origin")
    gN = (E.groupby(level="origin").sum() / C.groupby(level="origin").sum()).reindex(orig).to_numpy() - 1
    g = E / C - 1
    ape = ((C * (1 + gN + b * (g - gN)) / R - 1).abs() * 100)
    return {"median": float(ape.median()), "p90": float(ape.quantile(0.9))}


def learned_correction() -> dict:
    """Out of sample (fit on two origins, test on the third): does a ridge regression of the
    next ten years' net migration [% of the origin population] on what was known at the origin
    (the projection's migration, the kommune's domestic level over the last 1, 3, 5 and all
    years, its fylke's five-year level, log size, shares aged 20-34 and 67+) shrink the spread of
    the migration error? Returns {size class: ((median, P90) of the projection's error, (median,
    P90) of the model's)} after removing each origin's median error (the common shock)."""
    from planmodel.inputs.demographic import trend_scenario
    from planmodel.population.migration import residual_flows
    from planmodel.population.migration_model import size_class
    from planmodel.population.national import national_series, survival_for_flows

    hist = data.all_kommuner_population().transpose("kommune", "year", "age", "sex")
    V = hist.values.astype(float)
    yrs = hist.year.values
    codes = list(hist.kommune.values)
    M, Z = residual_flows(V, yrs, survival_for_flows(yrs[:-1]))
    nat = national_series(int(yrs[0]), int(yrs[-2]))
    dom = M.sum((2, 3)) / Z.sum((2, 3)) - nat.n[None]
    flows = list(yrs[:-1])
    rows = []
    for O in ORIGINS:
        ds = d.project_kommuner(trend_scenario(O - 1), O + 10, base_year=O)
        mig_e = ds["net_migration"].sel(year=slice(O, O + 9)).sum(["age", "sex", "year"]).to_pandas()
        j, i0 = flows.index(O), list(yrs).index(O)
        for k, code in enumerate(codes):
            a = V[k, i0]
            p0 = a.sum()
            rows.append({"O": O, "cls": int(size_class(p0)), "fylke": code[:2],
                         "target": M[k, j:j + 10].sum() / p0 * 100, "mig_e": mig_e[code] / p0 * 100,
                         "d1": dom[k, j - 1] * 100, "d3": dom[k, j - 3:j].mean() * 100,
                         "d5": dom[k, j - 5:j].mean() * 100, "dall": dom[k, 1:j].mean() * 100,
                         "logp": np.log(p0), "y2034": a[20:35].sum() / p0, "o67": a[67:].sum() / p0})
    F = pd.DataFrame(rows)
    F["fyl_d5"] = F.groupby(["O", "fylke"]).d5.transform("mean")
    cols = ["mig_e", "d1", "d3", "d5", "dall", "logp", "y2034", "o67", "fyl_d5"]

    def ridge(tr, te, lam=1.0):
        X = tr[cols].to_numpy()
        mu, sd = X.mean(0), X.std(0) + 1e-9
        A = np.c_[np.ones(len(X)), (X - mu) / sd]
        pen = np.eye(A.shape[1]) * lam
        pen[0, 0] = 0.0
        beta = np.linalg.solve(A.T @ A + pen, A.T @ tr["target"].to_numpy())
        return np.c_[np.ones(len(te)), (te[cols].to_numpy() - mu) / sd] @ beta

    def spread(errors):
        e = np.abs(np.concatenate([x - np.median(x) for x in errors]))
        return round(float(np.median(e)), 2), round(float(np.quantile(e, 0.9)), 2)

    out = {}
    for c, G in F.groupby("cls"):
        model = [G[G.O == O]["target"].to_numpy() - ridge(G[G.O != O], G[G.O == O]) for O in ORIGINS]
        plain = [(G[G.O == O]["target"] - G[G.O == O]["mig_e"]).to_numpy() for O in ORIGINS]
        out[SIZE_LABELS[c]] = (spread(plain), spread(model))
    return out


def main() -> None:
    print("### Regler for de nasjonale banene, valgt på data før 2011 (utfall t.o.m. 2010)\n")
    for name, series in [("TFR", d.tfr_history().to_series()), ("nettoinnvandring", immigration_series())]:
        for H in (10, 5):
            t = bt.hold_rule_errors(series, horizon=H)
            print(f"{name}, {H} år, utgangsår {t.iloc[0]['origins']}:",
                  {int(n): (round(float(r['mae']), 3 if name == 'TFR' else 0), pct(float(r['mape']), 1))
                   for n, r in t.iterrows()})
    kappas = np.array([5, 10, 20, 50, 100, 200, 400, 800])
    print("\n### Fruktbarhetsfaktorens troverdighet: avvik (Poisson) for neste periode, minimum = 0\n")
    for split in [(2006, 2008, 2011), (2006, 2011, 2016), (2011, 2016, 2021), (2016, 2021, 2026)]:
        dev = kappa_deviance(*split, kappas)
        print(split, dict(zip(kappas.tolist(), (dev - dev.min()).round(0).astype(int).tolist())))

    rows = []
    variants = [
        ("TFR snitt av tre år (før)", {"national": national_rule(3, 10)}),
        ("**TFR siste år (metoden)**", {}),
        ("TFR siste år, innvandring siste år", {"national": national_rule(1, 1)}),
        ("TFR siste år, innvandring snitt av fem år", {"national": national_rule(1, 5)}),
        ("TFR snitt av to år", {"national": national_rule(2, 10)}),
    ]
    for label, kw in variants:
        rows.append({"variant": label, **engine_row(bt.run(horizons=(10,), **kw))})
    for kappa in (100.0, 200.0, 1000.0):
        set_kappa(kappa)
        rows.append({"variant": f"fruktbarhetsfaktor, κ = {kappa:.0f}", **engine_row(bt.run(horizons=(10,)))})
    set_kappa(d.FERTILITY_KAPPA)
    base = bt.run(horizons=(10,))
    for other, w in [("linear", 0.2), ("linear", 0.5), ("constant", 0.2)]:
        rows.append({"variant": f"kombinasjon {1 - w:.1f} · metoden + {w:.1f} · {other}", **engine_row(combined(base, other, w))})
    for label, cfg in [("nivået lånt fra fylke × størrelsesklasse", DEFAULT.but(level_group="fylke_class")),
                       ("halveringstid 3 år for vektene", DEFAULT.but(half_life=3.0))]:
        rows.append({"variant": label, **engine_row(bt.run(horizons=(10,), config=cfg))})
    t = pd.DataFrame(rows)
    cols = ["median", "p90", *[f"p90 {s}" for s in SIZE_LABELS], "median >20 000"]
    print("\n| variant | median | P90 | P90 <2 000 | P90 2 000–5 000 | P90 5 000–20 000 | P90 >20 000 | median >20 000 | slår naive i alle klasser |")
    print("|---|---|---|---|---|---|---|---|---|")
    for _, r in t.iterrows():
        print(f"| {r['variant']} | " + " | ".join(pct(r[c]) for c in cols) + f" | {r['beats']} |")

    print("\n### Kombinasjon med en naiv metode, vekten valgt på utgangsår 2011 med fem års horisont\n")
    tune = bt.run(origins=(2011,), horizons=(5,))
    weights = np.round(np.arange(0.0, 0.51, 0.05), 2)
    print("| naiv partner | vekt valgt på 2011 (5 år, minste P90) | P90 2011/5 år: vekt 0 → valgt | testen (10 år): median / P90 med valgt vekt |")
    print("|---|---|---|---|")
    for other in bt.NAIVE:
        p90 = [bt.score(combined(tune, other, w), horizon=5)["p90"] if w > 0 else bt.score(tune, horizon=5)["p90"]
               for w in weights]
        w = float(weights[int(np.argmin(p90))])
        s = bt.score(combined(base, other, w)) if w > 0 else bt.score(base)
        print(f"| {other} | {pct(w)} | {pct(p90[0])} → {pct(min(p90))} | {pct(s['median'])} / {pct(s['p90'])} |")

    print("\nkommunenes vekst krympet mot landets (b = 0,9) i stedet for mot null:",
          {k: round(v, 2) for k, v in shrunk_towards_national(base, 0.9).items()})
    print("\n### Et lært korrektiv for flyttingen (tilpasset på to utgangsår, prøvd på det tredje)\n")
    print("(median, P90) av |flyttefeilen| i % av folketallet, metoden → korrektivet:", learned_correction())

    print("\n### Rutenett og utvalg uten testutgangsåret (leave-one-origin-out)\n")
    grid = list(itertools.product((20.0, 100.0), (1000.0, 2000.0, 4000.0), (3.0, 5.0, 8.0), (5000.0, 10000.0, 20000.0)))
    apes = {}
    for kappa, n0, fh, fn in grid:
        set_kappa(kappa)
        df = bt.run(horizons=(10,), config=DEFAULT.but(n0_level=n0, fade_half_life=fh, fade_n0=fn))
        e = df[(df.age_group == "total") & (df.method == "engine")]
        apes[(kappa, n0, fh, fn)] = {int(o): g["ape"].to_numpy() for o, g in e.groupby("origin")}
    set_kappa(d.FERTILITY_KAPPA)

    def score(c, origins):
        a = np.concatenate([apes[c][o] for o in origins])
        return float(np.median(a)), float(np.quantile(a, 0.9))

    best = min(grid, key=lambda c: score(c, ORIGINS)[1])
    print("beste i utvalget (κ, n0_level, fade_half_life, fade_n0):", best, [round(v, 2) for v in score(best, ORIGINS)])
    held = []
    for O in ORIGINS:
        others = [o for o in ORIGINS if o != O]
        chosen = min(grid, key=lambda c: score(c, others)[1] + (10.0 if score(c, others)[0] > 3.0 else 0.0))
        held.append(apes[chosen][O])
        print(O, "valgt på de andre:", chosen, "testet:", [round(v, 2) for v in score(chosen, [O])])
    a = np.concatenate(held)
    print("samlet, hvert utgangsår med konstantene valgt på de to andre:", round(float(np.median(a)), 2),
          round(float(np.quantile(a, 0.9)), 2))


if __name__ == "__main__":
    main()
