"""How sure is this? Monte Carlo bands, the probability of missing the target, and a tornado.

A single line is not a plan: the population, coverage, unit costs, tiltak effects, income growth
and interest can all turn out otherwise. This module runs the whole model under many draws of
those assumptions (:mod:`planmodel.inputs.uncertainty` has the ranges and their sources) along a
``draw`` dimension — one vectorised pass per chunk of draws (:func:`planmodel.model.chain.run_draws`),
no Python loop over draws — and summarises:

- :func:`simulate`: the draws (year, draw) of netto driftsresultat, inndekningsbehov, sector
  costs, årsverk and population, with the assumptions of every draw;
- :func:`fan`: median, 50 % and 90 % bands per year;
- :func:`probability_below_target`: per year, the share of draws where netto driftsresultat is
  below the target (the inndekningsbehov is positive);
- :func:`sensitivity`: one assumption at a time at its 5th and 95th percentile, the others
  central — the swing of the distance to the result target in a chosen year (a tornado),
  largest first. The distance is netto driftsresultat minus the target, signed (negative = an
  inndekningsbehov of that size), so a scenario that meets the target still shows which
  assumption could take it there;
- :func:`summary`: the three numbers an app shows (band on the result, probability of missing
  the norm, the three assumptions that matter most).

The median draw is not exactly the deterministic run (the model is not linear), but zero-width
ranges reproduce it exactly (up to rounding), and the same seed gives the same numbers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import xarray as xr

from planmodel.core.cache import memo
from planmodel.core.errors import InputError
from planmodel.inputs.scenario import PlanScenario, resolve
from planmodel.inputs.uncertainty import PARAMETERS, Ranges, load_ranges, one_at_a_time, sample
from planmodel.model.chain import run_draws

#: Draws per vectorised pass: the largest arrays are (age, year, draw) — the population, and in the
#: service model the rows a care-level shift or saturation changes by age (most are age sums) —
#: about 1 600 numbers per draw for a 15-year horizon, so 500 draws keep each near 6 MB. Measured
#: for 10 000 draws of Bærum's krisepakke on one thread: 250 → 2,5 s, 500 → 1,9 s, 1 000 → 2,1 s.
CHUNK = 500
#: The quantiles of a fan chart: 90 % band, 50 % band and the median.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Variables summed over the draws' years for "the plan period" figures.
MONEY = ("netto_driftsresultat", "inndekningsbehov", "resultatmal", "driftsinntekter", "frie_inntekter",
         "netto_driftsutgifter_sektorer")


def _measure_ids(scenario: PlanScenario) -> list[str]:
    """The scenario's tiltak ids (each gets its own stream of draws)."""
    return [m.id for m in resolve(scenario)[2]]


def simulate(scenario: PlanScenario, draws: int = 1000, seed: int = 0, ranges: Ranges | None = None,
             chunk: int = CHUNK, progress: bool = False, workers: int | None = None) -> xr.Dataset:
    """``draws`` Monte Carlo draws of the scenario (see :func:`planmodel.model.chain.run_draws`
    for the variables), seeded and reproducible; ``ranges`` default the shipped ones.

    The draws run in chunks of ``chunk`` (each one vectorised pass), on ``workers`` threads
    (default 1: since the service model works on age sums, the passes are too short for threads to
    pay off — 10 000 draws of Bærum took 1,9 s on one thread and 2,1 s on two); the numbers do not
    depend on either. ``progress`` shows a progress bar (tqdm, notebook-aware)
    over the chunks."""
    ranges = load_ranges() if ranges is None else ranges
    for name, v in (("chunk", chunk), ("workers", 1 if workers is None else workers)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError("Monte Carlo", name, f"{v!r}: forventet et helt tall >= 1")
    workers = 1 if workers is None else int(workers)
    return _simulate(scenario, draws, seed, ranges, int(chunk), bool(progress), workers)


@memo(maxsize=16, key=lambda scenario, draws, seed, ranges, chunk, progress, workers:
      (scenario.fingerprint, draws, seed, ranges.fingerprint, chunk))
def _simulate(scenario: PlanScenario, draws: int, seed: int, ranges: Ranges, chunk: int, progress: bool,
              workers: int) -> xr.Dataset:
    d = sample(ranges, draws, seed, _measure_ids(scenario))
    starts = list(range(0, d.n, chunk))
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(desc="Monte Carlo", unit="trekk", total=d.n)

    def one(start: int) -> xr.Dataset:
        out = run_draws(scenario, d.part(start, start + chunk))
        if bar is not None:
            bar.update(out.sizes["draw"])
        return out

    parts = [one(starts[0])]  # the first chunk fills the shared caches (population, calibration ...)
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(min(workers, len(starts) - 1)) as pool:
            parts += list(pool.map(one, starts[1:]))
    else:
        parts += [one(s) for s in starts[1:]]
    if bar is not None:
        bar.close()
    ds = parts[0] if len(parts) == 1 else xr.concat(parts, dim="draw", data_vars="minimal", coords="minimal",
                                                    compat="override", join="override")
    ds = ds.assign_coords(draw=np.arange(d.n))
    ds.attrs.update(seed=int(seed), draws=int(d.n))
    return ds


def fan(ds: xr.Dataset, variable: str = "netto_driftsresultat_andel", quantiles=QUANTILES) -> xr.DataArray:
    """The quantiles (quantile, year) of ``variable`` over the draws (default: median, 50 % and
    90 % bands of netto driftsresultat as a share of driftsinntektene)."""
    if variable not in ds:
        raise InputError("Monte Carlo", variable, f"finnes ikke; kjente: {', '.join(map(str, ds.data_vars))}")
    out = ds[variable].quantile(list(quantiles), dim="draw")
    out.attrs = dict(ds[variable].attrs)
    return out


def probability_below_target(ds: xr.Dataset) -> xr.DataArray:
    """Per year the share of draws whose netto driftsresultat is below the target [share 0–1]."""
    out = (ds["netto_driftsresultat"] < ds["resultatmal"]).mean("draw")
    out.attrs = {"units": "share of draws", "long_name": "Sannsynlighet for netto driftsresultat under målet"}
    return out


def probability_below_target_in_plan(ds: xr.Dataset) -> float:
    """The share of draws whose netto driftsresultat is below the target in at least one year of
    the økonomiplan period [share 0–1]."""
    below = ds["netto_driftsresultat"] < ds["resultatmal"]
    return float(below.where(ds["plan_year"], False).any("year").mean())


def band(ds: xr.Dataset, year: int, variable: str = "netto_driftsresultat_andel") -> tuple[float, float, float]:
    """5th percentile, median and 95th percentile of ``variable`` over the draws in ``year``."""
    q = fan(ds, variable, (0.05, 0.5, 0.95)).sel(year=year).values
    return float(q[0]), float(q[1]), float(q[2])


@dataclass(frozen=True)
class Sensitivity:
    """One-at-a-time swings of the gap (see :func:`sensitivity`).

    ``table`` rows per assumption (largest swing first): label, the low and high value of the
    assumption, the distance to the target at each (``mot_mal_lav``, ``mot_mal_høy``) [NOK 1000;
    negative = inndekningsbehov] and the swing (absolute difference) [NOK 1000]; ``central`` the
    distance with every assumption central [NOK 1000]; ``year`` the year (or None for the plan
    period's sum)."""

    table: "object"
    central: float
    year: int | None
    what: str


def distance_to_target(ds: xr.Dataset, year: int | None = None) -> np.ndarray:
    """Netto driftsresultat minus the result target per draw [NOK 1000] in ``year``, or summed over
    the plan period (None); negative = an inndekningsbehov of that size."""
    gap = ds["netto_driftsresultat"] - ds["resultatmal"]
    if year is None:
        return gap.where(ds["plan_year"], 0.0).sum("year").values
    if year not in ds["year"].values:
        raise InputError("Monte Carlo", "year", f"{year} er ikke i beregningens år "
                         f"({int(ds.year[0])}–{int(ds.year[-1])})")
    return gap.sel(year=year).values


def sensitivity(scenario: PlanScenario, year: int | None = None, ranges: Ranges | None = None) -> Sensitivity:
    """The distance to the result target [NOK 1000] in ``year`` (default: the sum over the plan
    period; see :func:`distance_to_target`) with each uncertain assumption alone at its 5th and
    95th percentile and the others central: one vectorised run of 1 + 2 × 8 draws. Sorted by the
    swing, largest first (a tornado)."""
    import pandas as pd

    ranges = load_ranges() if ranges is None else ranges
    ds = _swings(scenario, ranges)
    gap = distance_to_target(ds, year)
    rows = []
    for i, p in enumerate(PARAMETERS):
        lo, hi = gap[1 + 2 * i], gap[2 + 2 * i]
        r = ranges[p]
        rows.append({"forutsetning": p, "navn": r.label, "lav": r.p5, "høy": r.p95, "enhet": r.unit,
                     "mot_mal_lav": float(lo), "mot_mal_høy": float(hi), "utslag": float(abs(hi - lo)),
                     "status": r.status})
    table = pd.DataFrame(rows).sort_values("utslag", ascending=False, kind="stable").reset_index(drop=True)
    what = (f"Netto driftsresultat mot målet i {year}" if year is not None else
            f"Netto driftsresultat mot målet i økonomiplanperioden {ds.attrs['plan_start']}–"
            f"{ds.attrs['plan_start'] + ds.attrs['plan_years'] - 1} (sum)")
    return Sensitivity(table, float(gap[0]), year, what + f" [{ds.attrs['money_units']}]")


@memo(maxsize=32, key=lambda scenario, ranges: (scenario.fingerprint, ranges.source, ranges.fingerprint))
def _swings(scenario: PlanScenario, ranges: Ranges) -> xr.Dataset:
    return run_draws(scenario, one_at_a_time(ranges, _measure_ids(scenario)))


@dataclass(frozen=True)
class Summary:
    """What a politician's panel shows about uncertainty (see :func:`summary`)."""

    year: int
    band: tuple[float, float, float]  # P5, median, P95 of netto driftsresultat [share of driftsinntekter]
    deterministic: float  # the scenario's own netto driftsresultat in that year [share]
    miss_plan: float  # share of draws below target in at least one plan year
    miss_year: float  # share of draws below target in ``year``
    top: tuple[tuple[str, str, float], ...]  # (assumption, label, swing of the plan period's distance to target [NOK 1000])
    draws: int
    seed: int


@memo(maxsize=32, key=lambda scenario, draws=400, seed=0, year=None: (scenario.fingerprint, draws, seed, year))
def summary(scenario: PlanScenario, draws: int = 400, seed: int = 0, year: int | None = None) -> Summary:
    """Band (P5, median, P95) of netto driftsresultat in ``year`` (default: the last plan year), the
    probability of missing the norm in the plan period and in that year, and the three assumptions
    whose swing moves the plan period's result against the target most."""
    ds = simulate(scenario, draws, seed)
    year = int(ds["year"].values[ds["plan_year"].values][-1]) if year is None else int(year)
    sens = sensitivity(scenario)
    top = tuple((r.forutsetning, r.navn, r.utslag) for r in sens.table.head(3).itertuples())
    det = float(_swings(scenario, load_ranges())["netto_driftsresultat_andel"].sel(year=year).values[0])
    return Summary(year, band(ds, year), det, probability_below_target_in_plan(ds),
                   float(probability_below_target(ds).sel(year=year)), top, int(ds.attrs["draws"]), int(seed))


#: The name :func:`summary` has in ``planmodel``'s top level.
uncertainty_summary = summary
