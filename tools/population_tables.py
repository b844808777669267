"""Every table of the migration chapter of docs/befolkningsmodell.md, from the package.

    .venv/bin/python tools/population_tables.py            # about a minute
    .venv/bin/python tools/population_tables.py --quick    # backtest tables only

Prints markdown-ready tables: the rolling-origin backtest by size class (10 and 5 years) and by
KOSTRA age group, the same with the national paths that actually happened (what limits the
error), the ablation (each choice of the migration model removed or replaced), and the main
alternative to 2050 for all 357 kommuner (growth, extremes, against SSB for Norway, Telemark,
Skien, Porsgrunn and the fylker).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from planmodel.core.ages import to_kostra_groups
from planmodel.core.paths import data_path
from planmodel.inputs import data
from planmodel.inputs.demographic import path_values, trend_scenario
from planmodel.inputs.kommuner import all_kommuner
from planmodel.population import backtest as bt
from planmodel.population import demography as d
from planmodel.population import lifetable
from planmodel.population.migration_model import DEFAULT, SIZE_LABELS
from planmodel.population.national import national_migration_pattern, national_net_immigration

#: "As before": the last three years, the kommune's own level held as persons, no split of
#: Norway's immigration, no credibility of the level, no fading (the old method approximated
#: on consecutive years).
AS_BEFORE = dict(window=3, half_life=1e9, floor=1.0, wave="none", n0_level=1e-9, rate="persons",
                 fade_half_life=None, huber=None, level_group="fylke")
ABLATION = [
    ("metoden", {}),
    ("som før: siste tre år, eget nivå holdt som personer, ingen innvandringsdel", AS_BEFORE),
    ("som før, men 20 års vindu", {**AS_BEFORE, "window": 20}),
    ("ingen innvandringsdel (all flytting innenlandsk og holdt)", {"wave": "none"}),
    ("innvandringsandel = egen samvariasjon (empirisk Bayes)", {"wave": "own"}),
    ("innvandringsandel = størrelsesklassens samvariasjon", {"wave": "class"}),
    ("like vekter på alle år", {"half_life": 1e9}),
    ("halveringstid 3 år for vektene", {"half_life": 3.0}),
    ("ingen nedvekting av enkeltår (Huber)", {"huber": None}),
    ("bare eget nivå (ingen troverdighet for nivået)", {"n0_level": 1e-9}),
    ("nivået lånt fra fylket i stedet for størrelsesklassen", {"level_group": "fylke"}),
    ("bare eget aldersmønster (ingen lån)", {"n0_shape": 1e-9, "c_cell": 1e-9}),
    ("innenlandsk del bare som rater", {"rate": "rate"}),
    ("innenlandsk del bare som personer", {"rate": "persons"}),
    ("ingen uttoning", {"fade_half_life": None}),
    ("uttoning uten størrelsesavhengighet (halveringstid 10 år)", {"fade_n0": None, "fade_half_life": 10.0}),
]


def pct(x: float, d: int = 2) -> str:
    return f"{x:.{d}f}".replace(".", ",").replace("-", "−")


# ----------------------------------------------------------------------------- national paths

def actual_paths(origin: int, end: int, which: str) -> dict:
    """National inputs that actually happened, for the flow years origin..end-1: ``tfr``
    (implied by the registered population), ``mig`` (Norway's residual net immigration), ``e0``
    (HMD, held after its last year) or ``all``."""
    flow = np.arange(origin, end)
    sc = trend_scenario(origin - 1)
    out = {}
    if which in ("all", "e0"):
        mx = lifetable.kannisto_old_age(data.death_rates())
        e0 = lifetable.life_expectancy(mx.transpose("year", "sex", "age"))
        last = int(e0.year.max())
        paths = {s: {int(y): float(e0.sel(year=y, sex=s)) for y in range(origin, min(end, last + 1))}
                 for s in ("male", "female")}
        nat = d._national_inputs(replace(sc, e0_male=paths["male"], e0_female=paths["female"]), flow)
        out.update(survival=nat["survival"], birth_survival=nat["birth_survival"])
    if which in ("all", "tfr"):
        tfr = d.implied_tfr(data.norway_population().sel(year=slice(origin, end)))
        out["tfr"] = path_values({int(y): float(v) for y, v in zip(tfr.year.values, tfr.values)}, flow, "tfr")
    if which in ("all", "mig"):
        nm = {}
        for y in flow:
            if y <= 2022:  # HMD births known: all ages
                nm[int(y)] = float(national_migration_pattern(int(y), int(y)).sum())
            else:  # ages 1+ scaled by the usual infant share
                nm[int(y)] = float(national_net_immigration().sel(year=y).sum()) / 0.985
        out["net_migration"] = path_values(nm, flow)
    return out


# ----------------------------------------------------------------------------- tables

def size_table(df: pd.DataFrame, horizon: int) -> str:
    t = bt.table(df, horizon)
    lines = ["| størrelse (n) | planmodel median | konstant | lineær | vekstrate | planmodel P90 | konstant | lineær | vekstrate |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in [*SIZE_LABELS, "all"]:
        r = t.loc[s]
        med = [r.loc[m, "median"] for m in bt.METHODS]
        p90 = [r.loc[m, "p90"] for m in bt.METHODS]
        best_m, best_p = min(med[1:]), min(p90[1:])

        def fmt(values, best):
            out = []
            for i, v in enumerate(values):
                bold = (i == 0 and v < best) or (i > 0 and v == best and values[0] >= best)
                out.append(f"**{pct(v)}**" if bold else pct(v))
            return out
        label = {"all": "alle"}.get(s, s)
        lines.append(f"| {label} ({int(r.loc['engine', 'n'])}) | " + " | ".join(fmt(med, best_m) + fmt(p90, best_p)) + " |")
    return "\n".join(lines)


def main(quick: bool = False) -> None:
    t0 = time.perf_counter()
    df = bt.run()
    print(f"backtest: {time.perf_counter() - t0:.1f} s\n")
    for H in (10, 5):
        print(f"### Totalt, {H} år (absolutt prosentavvik)\n\n{size_table(df, H)}\n")
        print("median signert avvik, planmodel:", {s: pct(v, 1) for s, v in bt.table(df, H).xs("engine", level="method")["bias"].items()}, "\n")
    g = bt.group_table(df, 10)
    print("### KOSTRA-grupper, 10 år (median / P90)\n\n| gruppe | planmodel | konstant | lineær | vekstrate |\n|---|---|---|---|---|")
    for a in dict.fromkeys(g.index.get_level_values(0)):
        print(f"| {a} | " + " | ".join(f"{pct(g.loc[(a, m), 'median'], 1)} / {pct(g.loc[(a, m), 'p90'], 1)}" for m in bt.METHODS) + " |")
    d10 = df[(df.horizon == 10) & (df.age_group == "total") & (df.method == "engine")]
    print("\nper utgangsår (10 år, median / P90):",
          {int(o): (pct(s.ape.median()), pct(s.ape.quantile(0.9))) for o, s in d10.groupby("origin")})
    print("andel over 8 % per størrelsesklasse:", d10.assign(big=d10.ape > 8).groupby("size")["big"].mean().round(3).to_dict())
    print("største feil:", d10.sort_values("ape", ascending=False).head(12)[["origin", "kommune", "error"]].round(1).values.tolist())
    print("fast utvalg:", bt.sample_bounds(df))
    if quick:
        return

    print("\n### Nasjonale baner: trend ved utgangsåret mot det som skjedde\n")
    print("| nasjonale baner | median | P90 | median >20 000 | P90 >20 000 | slår beste naive (median / P90) i alle klasser |\n|---|---|---|---|---|---|")
    for label, which in [("trend kjent ved utgangsåret", None), ("faktisk fruktbarhet", "tfr"),
                         ("faktisk nettoinnvandring", "mig"), ("faktisk fruktbarhet, levealder og innvandring", "all")]:
        dfn = df if which is None else bt.run(national=lambda O, w=which: actual_paths(O, O + 10, w))
        s = bt.score(dfn)
        t = bt.table(dfn).xs("engine", level="method")
        print(f"| {label} | {pct(s['median'])} | {pct(s['p90'])} | {pct(t.loc['>20 000', 'median'])} | "
              f"{pct(t.loc['>20 000', 'p90'])} | {'ja' if all(m for m, _ in s['beats'].values()) else 'nei'} / "
              f"{'ja' if all(p for _, p in s['beats'].values()) else 'nei'} |")

    print("\n### Ablasjon\n")
    print("| variant | median | P90 | <2 000 median | >20 000 median | faktiske baner median / P90 | hovedalt. 2050 min / median / maks % | Norge mot SSB 2050 % | maks \\|fylke − SSB\\| 2050 % |")
    print("|---|---|---|---|---|---|---|---|---|")
    ssb_no = data.ssb_projection("0", "MMMM").sum("age_group")
    fylker = pd.read_csv(data_path("projections", "ssb_14288_fylker_totalt_2024-2050.csv"))
    fylker = fylker[(fylker.alternative == "MMMM") & (fylker.year == 2050)].copy()
    fylker["fylke_name"] = fylker["fylke_name"].str.split(" - ").str[0]
    kt = all_kommuner().set_index("kommune")
    for label, kw in ABLATION:
        cfg = DEFAULT.but(**kw)
        dfc = bt.run(config=cfg)
        orc = bt.run(config=cfg, national=lambda O: actual_paths(O, O + 10, "all"))
        s, so = bt.score(dfc), bt.score(orc)
        t = bt.table(dfc).xs("engine", level="method")
        main_ = d.project_kommuner("main", config=cfg)["population"].sum(["age", "sex"])
        growth = (main_.sel(year=2050) / main_.sel(year=2026) - 1) * 100
        no = float(main_.sel(year=2050).sum() / ssb_no.sel(year=2050) - 1) * 100
        by_fylke = main_.sel(year=2050).to_pandas().groupby(kt["fylke_name"].reindex(main_.kommune.values).values).sum()
        fy = (by_fylke / fylker.set_index("fylke_name")["persons"].reindex(by_fylke.index) - 1) * 100
        print(f"| {label} | {pct(s['median'])} | {pct(s['p90'])} | {pct(t.loc['<2 000', 'median'])} | "
              f"{pct(t.loc['>20 000', 'median'])} | {pct(so['median'])} / {pct(so['p90'])} | "
              f"{pct(float(growth.min()), 1)} / {pct(float(growth.median()), 1)} / {pct(float(growth.max()), 1)} | "
              f"{pct(no, 1)} | {pct(float(fy.abs().max()), 1)} |")

    print("\n### Hovedalternativet 2026–2050, alle kommuner\n")
    ds = d.project_kommuner("main")
    tot = ds["population"].sum(["age", "sex"])
    q = [0, .01, .05, .25, .5, .75, .95, .99, 1]
    for y in (2040, 2050):
        gr = ((tot.sel(year=y) / tot.sel(year=2026) - 1) * 100).to_pandas()
        print(y, [pct(v, 1) for v in gr.quantile(q).values])
    gr = ((tot.sel(year=2050) / tot.sel(year=2026) - 1) * 100).to_pandas()
    hist = data.all_kommuner_population().sum(["age", "sex"])
    info = pd.DataFrame({"navn": kt["name"].reindex(gr.index), "2026": tot.sel(year=2026).to_pandas().round(),
                         "vekst 2050 %": gr.round(1),
                         "vekst 2006–26 %": ((hist.sel(year=2026) / hist.sel(year=2006) - 1) * 100).to_pandas().round(1),
                         "vekst 2021–26 %": ((hist.sel(year=2026) / hist.sel(year=2021) - 1) * 100).to_pandas().round(1)})
    pd.set_option("display.width", 200)
    print(info.sort_values("vekst 2050 %").head(8).to_string())
    print(info.sort_values("vekst 2050 %").tail(8).to_string())
    for k in ("3450", "4032", "4030", "4024", "1151", "1144", "1816"):
        print(k, info.loc[k].to_dict(), "2040:", pct(float(tot.sel(kommune=k, year=2040) / tot.sel(kommune=k, year=2026) - 1) * 100, 1))
    print("\n| region | 2030 | 2040 | 2050 | maks \\|gruppe\\| 2040 |\n|---|---|---|---|---|")
    for name, code, sel in [("Norge (sum av 357)", "0", None), ("Telemark (17)", "40", "40"),
                            ("Skien", "4003", "4003"), ("Porsgrunn", "4001", "4001")]:
        pop = ds["population"] if sel is None else ds["population"].sel(
            kommune=[k for k in ds.kommune.values if k.startswith(sel)])
        g = to_kostra_groups(pop.sum(["kommune", "sex"]))
        s = data.ssb_projection(code, "MMMM")
        dev = (g.sum("age_group").sel(year=[2030, 2040, 2050]) / s.sum("age_group").sel(year=[2030, 2040, 2050]) - 1) * 100
        grp = float(abs(g.sel(year=2040) / s.sel(year=2040) - 1).max() * 100)
        print(f"| {name} | " + " | ".join(pct(float(v), 1) for v in dev.values) + f" | {pct(grp, 1)} |")
    by_f = {}
    for y in (2030, 2040, 2050):
        f = tot.sel(year=y).to_pandas().groupby(kt["fylke_name"].reindex(tot.kommune.values).values).sum()
        ssb = pd.read_csv(data_path("projections", "ssb_14288_fylker_totalt_2024-2050.csv"))
        ssb = ssb[(ssb.alternative == "MMMM") & (ssb.year == y)].copy()
        ssb["fylke_name"] = ssb["fylke_name"].str.split(" - ").str[0]
        by_f[y] = (f / ssb.set_index("fylke_name")["persons"].reindex(f.index) - 1) * 100
    print("fylker mot SSB 14288, median / maks |avvik|:",
          {y: (pct(v.abs().median(), 1), pct(v.abs().max(), 1)) for y, v in by_f.items()})
    print("fylker 2050:", {k: pct(v, 1) for k, v in by_f[2050].sort_values().items()})


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
