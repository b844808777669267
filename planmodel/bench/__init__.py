"""``planmodel bench``: speed figures as a readable table or as JSON lines.

Each benchmark reports ``name``, ``median_s``, ``min_s``, ``max_s``, ``n`` and any ratios
measured in the same run. It is a measurement, not a test: nothing fails on a slow machine.
Later parts of the model add their rows to ``BENCHMARKS``.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Callable

import numpy as np
import xarray as xr


def timeit(fn: Callable[[], object], n: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "n": n}


def bench_population(quick: bool) -> list[dict]:
    from planmodel.inputs import data
    from planmodel.population import backtest, demography as d
    from planmodel.population.engine import project
    from planmodel.population.migration_model import estimate

    n = 10 if quick else 50
    rows = []
    base = d.kommune_base("3201")
    inp = d.projection_inputs(base, d.get_scenario("main"))
    kw = {k: v for k, v in inp.items() if not k.startswith("_")}
    years = int(kw["survival"].sizes["year"])
    one = timeit(lambda: project(**kw), n)
    rows.append({"name": f"population.project, Bærum, {years} år", **one})
    rows.append({"name": "project_kommune('3201', 'main') med scenario og input", **timeit(lambda: d.project_kommune("3201", "main"), n)})
    rng = np.random.default_rng(15)
    for count in (1000, 10000):
        kw_draws = dict(tfr_factor=rng.uniform(0.8, 1.2, count), e0_shift=rng.normal(0.0, 1.5, count),
                        migration_factor=rng.uniform(0.5, 1.5, count))

        def draws_uncached(kw_draws=kw_draws):
            d._population_draws.cache_clear()  # the result is memoised; measure the computation
            d.population_draws("3201", "main", 2040, **kw_draws)

        label = f"{count:,}".replace(",", " ")
        rows.append({"name": f"population_draws, {label} trekk (Bærum til 2040, ett motorkall)",
                     **timeit(draws_uncached, max(3, n // (5 if count == 1000 else 10)))})

    draws = 1000
    factor = xr.DataArray(np.linspace(0.5, 1.5, draws), dims="draw", coords={"draw": np.arange(draws)})
    kw_draw = dict(kw, net_migration=kw["net_migration"] * factor, net_migration_rate=kw["net_migration_rate"] * factor)
    many = timeit(lambda: project(**kw_draw), max(3, n // 10))
    rows.append({"name": f"population.project, {draws} trekk (draw) samtidig", **many,
                 "ratio_per_draw_to_single": many["median_s"] / draws / one["median_s"]})

    # Cold start: estimating a kommune not yet seen in this process from its 22 years of history
    # (its cache cleared each time; the priors from all kommuner stay cached, as in a session)
    codes = iter(["1804", "4601", "5001", "1103", "3301", "4204", "5501", "3403", "1506", "4003"] * 10)

    def cold():
        d._kommune_base_cached.cache_clear()
        d.project_kommune(next(codes), "main")

    rows.append({"name": "første framskriving for en ny kommune (estimering)", **timeit(cold, 5 if quick else 10)})

    hist = data.all_kommuner_population().sel(year=slice(d.HISTORY_FIRST_YEAR, None))
    V = hist.transpose("kommune", "year", "age", "sex").values
    codes_all, yrs = hist.kommune.values, hist.year.values
    rows.append({"name": f"flytting: estimer alle {len(codes_all)} kommuner samtidig (20 år, med priorer)",
                 **timeit(lambda: estimate(V, codes_all, yrs), max(3, n // 5))})
    rows.append({"name": "hovedalternativet for alle kommuner til 2050 (estimering + ett motorkall)",
                 **timeit(lambda: d.project_kommuner("main"), max(3, n // 10))})
    rows.append({"name": "tilbakeskriving: 3 utgangsår × alle kommuner + 3 naive metoder",
                 **timeit(lambda: backtest.run(), 1 if quick else 3)})
    return rows


def _library_with(n: int) -> str:
    """A temporary tiltak library with ``n`` measures (the shipped ones, repeated with new ids)."""
    import tempfile

    import yaml

    from planmodel.core.paths import data_path

    raw = yaml.safe_load(data_path("tiltak", "tiltaksbibliotek.yaml").read_text(encoding="utf-8"))
    items = list(raw["measures"].items())
    out = {}
    i = 0
    while len(out) < n:
        mid, m = items[i % len(items)]
        out[mid if i < len(items) else f"{mid}_{i // len(items) + 1}"] = m
        i += 1
    raw["measures"] = out
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8")
    yaml.safe_dump(raw, f, allow_unicode=True)
    f.close()
    return f.name


def bench_model(quick: bool) -> list[dict]:
    from planmodel.inputs.library import load_library
    from planmodel.model.chain import run
    from planmodel.inputs.scenario import MeasureChoice, PlanScenario

    n = 10 if quick else 50
    rows = []
    path = _library_with(25)
    lib = load_library(path)
    scenario = PlanScenario(id="bench", library=path, threshold=-0.5, horizon=2050,
                            measures=tuple(MeasureChoice(m, 2027) for m in lib.measures))
    years = scenario.horizon - 2026 + 1
    services = 25
    r = timeit(lambda: run(scenario), n)
    # a plain numpy pass over arrays of the same size as the model's core (service x age x year x variant)
    rng = np.random.default_rng(0)
    C0 = rng.random((services, 106, 1, 3))
    F = rng.random((services, 1, years, 3))
    P = rng.random((1, 106, years, 1))
    plain = timeit(lambda: (C0 * F * P).sum(axis=1), n)
    rows.append({"name": f"run(): Bærum, {years} år, {services} tjenester, {len(lib.measures)} tiltak (befolkning bufret)",
                 **r, "ratio_to_plain_numpy_pass": r["median_s"] / plain["median_s"]})
    rows.append({"name": "   til sammenligning: én numpy-runde over like store tabeller", **plain})
    from planmodel.population import demography

    def cold():
        demography._population_for.cache_clear()
        run(scenario)

    rows.append({"name": "run(): det samme, kaldt (befolkningen framskrives på nytt)", **timeit(cold, max(3, n // 5))})
    basis = PlanScenario(horizon=2050)
    rows.append({"name": "run(): basisalternativet (uten tiltak)", **timeit(lambda: run(basis), n)})
    from planmodel.analysis import crisis
    from planmodel.core.paths import SCENARIO_DIR
    from planmodel.inputs.scenario import load_scenario

    package = load_scenario(SCENARIO_DIR / "baerum_krisepakke.yaml")

    def corners():
        crisis._matrix.cache_clear()
        crisis.crisis_matrix(package)

    rows.append({"name": "crisis_matrix: 2×2 for krisepakken (fire kjøringer, ikke bufret)", **timeit(corners, max(3, n // 5))})
    from planmodel.analysis.followup import stress_tests
    from planmodel.analysis.samordning import samordning

    rows.append({"name": "stresstester (tre) for 25 tiltak", **timeit(lambda: stress_tests(scenario), max(3, n // 5))})
    rows.append({"name": "samordning: hvem betaler / hvem får gevinst, 25 tiltak", **timeit(lambda: samordning(scenario), max(3, n // 5))})
    import os

    os.unlink(path)
    return rows


def bench_uncertainty(quick: bool) -> list[dict]:
    """Monte Carlo: 10 000 draws of Bærum's krisepakke to 2040 through the whole model on one
    thread (goal ≤ 2 s), the same on two threads, and the tornado's 17 draws."""
    from planmodel.analysis import uncertainty as u
    from planmodel.core.paths import SCENARIO_DIR
    from planmodel.inputs.scenario import load_scenario

    package = load_scenario(SCENARIO_DIR / "baerum_krisepakke.yaml")
    draws = 2_000 if quick else 10_000
    n = 1 if quick else 3

    def mc(workers: int):
        u._simulate.cache_clear()
        u.simulate(package, draws=draws, seed=1, workers=workers)

    one = timeit(lambda: mc(1), n)
    two = timeit(lambda: mc(2), n)
    rows = [{"name": f"Monte Carlo: {draws} trekk, Bærum til 2040, én tråd (mål ≤ 2 s for 10 000)", **one,
             "ms_per_draw": round(one["median_s"] * 1e3 / draws, 3), "goal_s": 2.0},
            {"name": "   det samme på to tråder", **two, "ratio_two_threads_over_one": one["median_s"] / two["median_s"]}]

    def swings():
        u._swings.cache_clear()
        u.sensitivity(package)

    rows.append({"name": "følsomhet (tornado): 17 trekk i én kjøring", **timeit(swings, 3 if quick else 10)})
    return rows


def bench_prioritering(quick: bool) -> list[dict]:
    """The prioritering solver (scipy.optimize.milp) on 25 tiltak × 4 plan years, with every
    limit and the check of which limit binds (one extra solve per limit); synthetic coefficients
    (the model's runs that make real ones are timed by the run() rows). Goal: ≤ 1 s."""
    from planmodel.analysis.prioritering import Coefficients, Limits, solve

    rng = np.random.default_rng(15)
    n, t = 25, 4
    effect = rng.normal(100, 80, (n, t))
    c = Coefficients(ids=tuple(f"t{i}" for i in range(n)), years=tuple(range(2027, 2027 + t)), effect=effect,
                     need=0.3 * effect.clip(0).sum(axis=0), operating=rng.uniform(0, 60, (n, t)),
                     investment=rng.uniform(0, 200, n), fte=rng.normal(0, 2, (n, t)), unmet=rng.normal(0, 3, (n, t)),
                     queue=rng.normal(0, 1, (n, t)), excludes=((0, 1), (2, 3), (4, 5)))
    limits = Limits(budget=400.0, fte_cap=5.0, investment_budget=1500.0, no_worse_offer=True)
    # a Monte Carlo of the gap moves together across years (one draw is dear in every year): a
    # common factor and a little noise per year
    draws = c.need[None, :] * np.exp(0.3 * rng.normal(size=(200, 1)) + 0.1 * rng.normal(size=(200, t)))
    reps = 5 if quick else 20
    return [
        {"name": "prioritering: milp, 25 tiltak, alle grenser, bare pakken (syntetisk)",
         **timeit(lambda: solve(c, "min_cost", limits, explain=False), reps), "goal_s": 1.0},
        {"name": "prioritering: det samme + hva som binder (ett løp til per grense)",
         **timeit(lambda: solve(c, "min_cost", limits), reps), "goal_s": 1.0},
        {"name": "prioritering: 25 tiltak, dekket i 90 % av 200 trekk (sjansebetingelse)",
         **timeit(lambda: solve(c, "min_cost", Limits(gap_draws=draws, probability=0.9)), max(3, reps // 4)),
         "goal_s": 1.0},
    ]


def bench_shell(quick: bool) -> list[dict]:
    """``planmodel run`` end to end from the shell, beside the time Python needs to import xarray
    and pandas (the floor any planmodel command stands on)."""
    import subprocess
    import sys

    from planmodel.core.paths import PROJECT_ROOT

    n = 3 if quick else 7
    scenario = PROJECT_ROOT / "scenarios" / "baerum_basis.yaml"
    imp = timeit(lambda: subprocess.run([sys.executable, "-c", "import xarray, pandas"], check=True,
                                        capture_output=True), n, warmup=1)
    cli = timeit(lambda: subprocess.run([sys.executable, "-m", "planmodel.cli", "run", str(scenario)], check=True,
                                        capture_output=True), n, warmup=1)
    return [
        {"name": "python -c 'import xarray, pandas' (gulvet)", **imp},
        {"name": "planmodel run scenarios/baerum_basis.yaml (fra skallet)", **cli,
         "model_added_s": cli["median_s"] - imp["median_s"]},
    ]


def bench_app(quick: bool) -> list[dict]:
    """Krisekompasset in headless Chromium: time to interactive and widget change -> new numbers."""
    from planmodel.bench.apps import measure

    return measure("krisekompasset", n=5 if quick else 10, loads=1 if quick else 3)


#: Sessions the load test opens at once: in a full run, and with --quick.
LOAD_SESSIONS = 10
LOAD_SESSIONS_QUICK = 2


def bench_load(quick: bool, sessions: int | None = None) -> list[dict]:
    """A class opening Krisekompasset at once: ``sessions`` browser sessions (default 10, with
    ``quick`` 2), each until interactive, then all closed; time to interactive, memory of the
    server and its kernels, and kernels left after the pages closed (60 s; 15 s with ``quick``)."""
    from planmodel.bench.apps import load_test

    n = sessions or (LOAD_SESSIONS_QUICK if quick else LOAD_SESSIONS)
    return load_test("krisekompasset", sessions=n, settle_s=15.0 if quick else 60.0)


_BATCH_SCRIPT = """
import json, os, resource, sys, time
from planmodel.analysis.batch import run_many
from planmodel.inputs.kommuner import select_kommuner
from planmodel.inputs.scenario import load_scenario
if __name__ == "__main__":
    scenario, scheduler = load_scenario(sys.argv[1]), sys.argv[2]
    draws = int(sys.argv[3]) if len(sys.argv) > 3 else None
    c0, t0 = os.times(), time.perf_counter()
    ds = run_many(scenario, select_kommuner("all"), scheduler=scheduler, workers=2, draws=draws)
    seconds = time.perf_counter() - t0
    mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
    t = os.times()
    print(json.dumps({"s": seconds, "failed": int((ds["feil"] != "").sum()),
                      "cpu_s": t.user + t.system - c0.user - c0.system,
                      "worker_cpu_s": t.children_user + t.children_system - c0.children_user - c0.children_system,
                      "rss_mb": mb(resource.RUSAGE_SELF), "worker_rss_mb": mb(resource.RUSAGE_CHILDREN)}))
"""


def _batch_runs(*runs: tuple[str, int | None]) -> tuple[list[dict], float]:
    """Each ``(scheduler, draws)`` as ``planmodel batch --kommuner all`` of the basis scenario in a
    fresh Python (cold caches, as a user starts it), timed inside it; with the load average before."""
    import os
    import subprocess
    import sys
    import tempfile

    from planmodel.core.paths import PROJECT_ROOT

    scenario = PROJECT_ROOT / "scenarios" / "baerum_basis.yaml"
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(_BATCH_SCRIPT)
    try:
        load = os.getloadavg()[0]
        got = []
        for scheduler, draws in runs:
            out = subprocess.run([sys.executable, f.name, str(scenario), scheduler, *([str(draws)] if draws else [])],
                                 check=True, capture_output=True, text=True, cwd=PROJECT_ROOT)
            got.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        os.unlink(f.name)
    return got, load


def _once(seconds: float) -> dict:
    """A row's timing keys for a measurement made once."""
    return {"median_s": seconds, "min_s": seconds, "max_s": seconds, "n": 1}


def bench_batch(quick: bool) -> list[dict]:
    """All 357 kommuner (``planmodel batch --kommuner all``): the serial loop against dask's local
    process scheduler with 2 workers (:func:`_batch_runs`). Skipped with ``quick`` (it takes a
    minute or two).

    CPU seconds are reported beside the wall time: on a machine busy with other work the wall
    time says little, while ``cpu_s`` (serial) against ``worker_cpu_s`` (dask) shows the
    overhead of the workers (their imports and data loads)."""
    if quick:
        return []
    (serial, dask_run), load = _batch_runs(("serial", None), ("processes", None))
    return [
        {"name": "batch: alle 357 kommuner, seriell løkke", **_once(serial["s"]), "peak_rss_mb": round(serial["rss_mb"]),
         "cpu_s": round(serial["cpu_s"], 1), "failed": serial["failed"]},
        {"name": "batch: alle 357 kommuner, dask processes (2 arbeidere)", **_once(dask_run["s"]),
         "ratio_speedup_over_serial": serial["s"] / dask_run["s"], "goal_speedup": 1.7,
         # what two free cores would give: the serial CPU time against the workers' CPU time shared by
         # two, plus the main process's (all CPU times counted from the start of the run, after imports)
         "ratio_speedup_if_cores_free": serial["cpu_s"] / (dask_run["worker_cpu_s"] / 2 + dask_run["cpu_s"]),
         "peak_rss_mb": round(dask_run["rss_mb"]), "peak_worker_rss_mb": round(dask_run["worker_rss_mb"]),
         "cpu_s": round(dask_run["cpu_s"], 1), "worker_cpu_s": round(dask_run["worker_cpu_s"], 1),
         "load_average_before": round(load, 2)},
    ]


def bench_batch_draws(quick: bool) -> list[dict]:
    """All 357 kommuner × 1 000 Monte Carlo draws on dask's local processes (2 workers), in a fresh
    Python (goal ≤ 60 s on 2 cores). Skipped with ``quick``."""
    if quick:
        return []
    (got,), load = _batch_runs(("processes", 1000))
    return [{"name": "batch: 357 kommuner × 1 000 trekk, dask processes (2 arbeidere; mål ≤ 60 s)",
             **_once(got["s"]), "goal_s": 60.0, "failed": got["failed"],
             "ms_per_kommune_draw": round(got["s"] * 1e3 / (357 * 1000), 3), "worker_cpu_s": round(got["worker_cpu_s"], 1),
             "peak_worker_rss_mb": round(got["worker_rss_mb"]), "load_average_before": round(load, 2)}]


BENCHMARKS: list[Callable[[bool], list[dict]]] = [bench_population, bench_model, bench_uncertainty, bench_prioritering,
                                                  bench_shell, bench_app, bench_load, bench_batch, bench_batch_draws]
#: Row keys that every row has; anything else is printed below the row.
_BASE_KEYS = ("name", "median_s", "min_s", "max_s", "n")


def main(json_lines: bool = False, quick: bool = False, elever: int | None = None) -> int:
    """Run the benchmarks and print a table (or JSON lines). With ``elever``, run only the load
    test, with that many sessions."""
    benches = [lambda q: bench_load(q, sessions=elever)] if elever is not None else BENCHMARKS
    rows = [row for bench in benches for row in bench(quick)]
    if json_lines:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(f"{'benchmark':<58} {'median':>10} {'min':>10} {'max':>10} {'n':>5}")
    for row in rows:
        print(f"{row['name']:<58} {row['median_s'] * 1e3:>8.2f}ms {row['min_s'] * 1e3:>8.2f}ms "
              f"{row['max_s'] * 1e3:>8.2f}ms {row['n']:>5}")
        other = []
        for key, value in row.items():
            if key.startswith("ratio"):
                print(f"    {key}: {value:.4f}")
            elif key.endswith("_added_s"):
                print(f"    {key}: {value * 1e3:.0f} ms")
            elif key not in _BASE_KEYS:
                other.append(f"{key}={value}")
        if other:
            print("    " + ", ".join(other))
    return 0
