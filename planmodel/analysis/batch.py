"""Many kommuner at once: one scenario run for each kommune (× draws), on dask.

:func:`run_many` runs a scenario for a list of kommuner, each with only ``kommune`` changed (as
:mod:`planmodel.analysis.country` does for the basis), and keeps the key økonomiplan lines per
kommune in one Dataset with dims ``(kommune, year[, draw])``. The work is a dask graph chunked by
kommune: each task receives the scenario and a few kommunenummer (never data), loads what it
needs itself and returns small arrays. It runs on dask's local scheduler (processes by default),
or on a ``dask.distributed`` cluster given its address.

:func:`aggregate` gives fylke and national totals: kroner, persons and årsverk are summed; shares
and amounts per inhabitant are recomputed from the sums (never averaged).

A kommune whose run fails does not stop the batch: its numbers are NaN and the variable ``feil``
(kommune) holds the error message ("" where the run went well). Totals are over the kommuner
that were computed; ``antall_kommuner`` and ``antall_feil`` say how many.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace

import dask
import dask.array as dsa
import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits

from planmodel.core.errors import InputError, PlanmodelError
from planmodel.inputs.kommuner import all_kommuner, norwegian_name
from planmodel.inputs.scenario import PlanScenario
from planmodel.analysis.uncertainty import simulate
from planmodel.model import run

#: Lines taken straight from the run [NOK 1000 at the scenario's price year].
MONEY_LINES = ("netto_driftsresultat", "driftsinntekter", "frie_inntekter", "inndekningsbehov",
               "netto_driftsutgifter_sektorer", "investeringer", "lanegjeld", "disposisjonsfond", "resultatmal")
#: Lines summed from the run: name -> (variable, dims summed over, units, long name). Units
#: ``None`` means the run's money units.
SUMMED_LINES = {
    "tjenestekostnad": ("cost", ("service",), None, "Kostnad, alle tjenestene"),
    "arsverk": ("fte", ("service",), "årsverk", "Årsverk, alle tjenestene"),
    "innbyggere": ("population", ("age", "sex"), "persons", "Innbyggere 1. januar"),
    "innbyggere_80": ("population", ("age", "sex"), "persons", "Innbyggere 80 år og over 1. januar"),
}
#: The same lines in a Monte Carlo result (:func:`planmodel.model.chain.run_draws`), summed there.
DRAW_LINES = {"tjenestekostnad": "tjenestekostnad", "arsverk": "arsverk", "innbyggere": "befolkning",
              "innbyggere_80": "befolkning_80"}
#: Ratios, recomputed from their parts in every total: name -> (numerator, denominator, factor,
#: units, long name).
RATIOS = {
    "netto_driftsresultat_andel": ("netto_driftsresultat", "driftsinntekter", 1.0, "share of driftsinntekter",
                                   "Netto driftsresultat i % av driftsinntektene"),
    "resultatmal_andel": ("resultatmal", "driftsinntekter", 1.0, "share of driftsinntekter",
                          "Mål for netto driftsresultat i % av driftsinntektene"),
    "inndekningsbehov_per_innbygger": ("inndekningsbehov", "innbyggere", 1000.0, "NOK per person",
                                       "Inndekningsbehov per innbygger"),
}
#: Units whose values add up across kommuner (money units start with "NOK 1000").
SUMMABLE_UNITS = ("persons", "årsverk")
#: Kommuner per dask task: small enough to balance two workers, large enough that a task's
#: overhead (a few ms) is nothing beside its runs (about 80 ms each).
CHUNK = 8
#: ``scheduler`` values for dask's local schedulers (``None`` = "processes").
LOCAL_SCHEDULERS = {"serial": "synchronous", "synchronous": "synchronous", "threads": "threads",
                    "processes": "processes"}
SOURCE = "Kilde: Statistisk sentralbyrå (CC BY 4.0); KOSTRA 2025 og inntektssystemet 2025"
#: Scenario fields that describe one kommune's own data; a batch would give them to every kommune.
OWN_DATA_FIELDS = ("accounts", "users", "base_population", "budget", "existing_places", "staff_profile",
                   "capacity_additions")


def variables() -> list[str]:
    """Names of the data variables :func:`run_many` returns (without ``feil``)."""
    return [*MONEY_LINES, *SUMMED_LINES, *RATIOS]


def key_lines(ds: xr.Dataset, years: Sequence[int]) -> dict[str, np.ndarray]:
    """The key økonomiplan lines of one run (or of one kommune's draws) as numpy arrays.

    Plain numpy on purpose: building an xarray Dataset per kommune cost more than the model run
    itself once the population is cached (48 against 32 ms).

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`planmodel.model.run` (dims ``year``), or of Monte Carlo with the same
        names and a ``draw`` dimension. Variables it lacks come out as NaN.
    years : the years of the result [year]; years the run lacks are NaN.

    Returns
    -------
    dict
        name -> array (year[, draw]) for every :func:`variables`; money in NOK 1000 at the
        run's price year, persons, årsverk, shares (:data:`RATIOS`).
    """
    order = ("year", "draw") if "draw" in ds.dims else ("year",)
    have = [int(y) for y in ds["year"].values]
    index = [have.index(y) if y in have else -1 for y in years]
    shape = (len(years),) + tuple(ds.sizes[d] for d in order[1:])

    def on_years(da: xr.DataArray) -> np.ndarray:
        values = da.transpose(*order, missing_dims="ignore").values
        values = np.broadcast_to(values if values.ndim == len(order) else values[..., None], shape[:1] + values.shape[1:])
        out = values[index].astype(float)
        out[np.asarray(index) < 0] = np.nan
        return np.broadcast_to(out, shape).copy()

    out = {}
    for name in MONEY_LINES:
        out[name] = on_years(ds[name]) if name in ds else np.full(shape, np.nan)
    for name, (var, dims, _, _) in SUMMED_LINES.items():
        if "draw" in ds.dims:  # Monte Carlo results carry these lines already summed
            out[name] = on_years(ds[DRAW_LINES[name]]) if DRAW_LINES[name] in ds else np.full(shape, np.nan)
            continue
        if var not in ds:
            out[name] = np.full(shape, np.nan)
            continue
        da = ds[var]
        if name == "innbyggere_80":
            da = da.isel(age=np.flatnonzero(da["age"].values >= 80))
        out[name] = on_years(da.sum([d for d in dims if d in da.dims]))
    for name, (num, den, factor, _, _) in RATIOS.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = out[num] * factor / out[den]
    return out


def ratio(ds: xr.Dataset, name: str) -> xr.DataArray:
    """A ratio of :data:`RATIOS` computed from its parts in ``ds`` (a kommune, fylke or the
    country), with units and its parts named in attrs."""
    num, den, factor, units, long_name = RATIOS[name]
    return (ds[num] * factor / ds[den]).assign_attrs(units=units, long_name=long_name, numerator=num,
                                                     denominator=den, factor=factor)


def _check_scenario(scenario: PlanScenario) -> None:
    own = [f for f in OWN_DATA_FIELDS if getattr(scenario, f)]
    if own:
        raise InputError(scenario.source, ", ".join(own),
                         "scenarioet har kommunens egne tall, som ikke kan gis til alle kommunene i en "
                         "samlet kjøring; fjern dem (eller bruk et scenario uten egne tall)")


def _one(scenario: PlanScenario, code: str, draws: int | None, seed: int) -> xr.Dataset:
    """One kommune's run (its Monte Carlo draws when ``draws``: the same seed for every kommune, so
    that draw *d* is one coherent world — the same fertility, interest, tiltak effects … everywhere
    — and fylke and national totals per draw add up kommuner of the same world)."""
    sc = replace(scenario, kommune=code)
    return run(sc) if draws is None else simulate(sc, draws=draws, seed=seed, workers=1)


def run_block(scenario: PlanScenario, codes: Sequence[str], years: Sequence[int], draws: int | None = None,
              seed: int = 0) -> dict[str, np.ndarray]:
    """One dask task: the key lines of a few kommuner as numpy arrays.

    Returns
    -------
    dict
        name -> array (kommune, year[, draw]) for every :func:`variables` (NaN for a kommune that
        failed), and ``"feil"`` -> array (kommune,) of error messages ("" where it ran).
    """
    with threadpool_limits(1):  # two workers × the BLAS library's own threads would fight over the cores
        return _run_block(scenario, codes, years, draws, seed)


def _run_block(scenario: PlanScenario, codes: Sequence[str], years: Sequence[int], draws: int | None,
               seed: int) -> dict[str, np.ndarray]:
    shape = (len(codes), len(years)) + (() if draws is None else (draws,))
    out = {name: np.full(shape, np.nan) for name in variables()}
    errors = np.full(len(codes), "", dtype=object)
    for i, code in enumerate(codes):
        try:
            lines = key_lines(_one(scenario, code, draws, seed), years)
            for name in out:
                out[name][i] = lines[name]
        except PlanmodelError as exc:
            errors[i] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one kommune's failure is recorded, not fatal
            errors[i] = f"{type(exc).__name__}: {exc}"
    out["feil"] = errors
    return out


def lazy_many(scenario: PlanScenario, kommuner: Sequence[str], *, draws: int | None = None, seed: int = 0,
              chunk: int = CHUNK) -> xr.Dataset:
    """The Dataset of :func:`run_many` before it is computed: every variable a dask array chunked
    by kommune (``chunk`` kommuner per task), sharing one task per chunk."""
    _check_scenario(scenario)
    if draws is not None:
        if int(draws) < 1:
            raise InputError("--draws", str(draws), "antall trekk må være minst 1")
        draws = int(draws)
    codes = [str(c) for c in kommuner]
    if not codes:
        raise InputError("--kommuner", "", "ingen kommuner å beregne")
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise InputError("--kommuner", ", ".join(twice), "kommunen er oppgitt mer enn én gang")
    if chunk < 1:
        raise InputError("run_many", "chunk", f"{chunk}: må være minst 1 kommune per oppgave")
    table = all_kommuner().set_index("kommune")
    unknown = [c for c in codes if c not in table.index]
    if unknown:
        raise InputError("--kommuner", unknown[0], "ukjent kommunenummer (forventet kommunenummer fra 2024)")
    years = list(range(scenario.base_year, scenario.horizon + 1))
    tail = () if draws is None else (draws,)
    columns: dict[str, list] = {name: [] for name in [*variables(), "feil"]}
    for block, task in _block_tasks(scenario, codes, years, draws, seed, chunk):
        for name in columns:
            shape = (len(block),) if name == "feil" else (len(block), len(years), *tail)
            columns[name].append(dsa.from_delayed(task[name], shape=shape, dtype=object if name == "feil" else float))
    dims = ("kommune", "year") + (() if draws is None else ("draw",))
    money = f"NOK 1000, {scenario.price_year} prices"
    data = {}
    for name in variables():
        units, long_name = _units(name, money)
        data[name] = xr.Variable(dims, dsa.concatenate(columns[name]), attrs={"units": units, "long_name": long_name})
        if name in RATIOS:
            num, den, factor = RATIOS[name][:3]
            data[name].attrs.update(numerator=num, denominator=den, factor=factor)
    data["feil"] = xr.Variable(("kommune",), dsa.concatenate(columns["feil"]),
                               attrs={"units": "", "long_name": "Feilmelding hvis kommunen ikke kunne beregnes"})
    coords = {"kommune": codes, "year": years,
              "kommune_name": ("kommune", [norwegian_name(table.at[c, "name"]) for c in codes]),
              "fylke": ("kommune", [table.at[c, "fylke"] for c in codes]),
              "fylke_name": ("kommune", [table.at[c, "fylke_name"] for c in codes])}
    if draws is not None:
        coords["draw"] = np.arange(draws)
    attrs = {"scenario": scenario.id, "scenario_title": scenario.title, "price_year": scenario.price_year,
             "money_units": money, "horizon": scenario.horizon, "base_year": scenario.base_year,
             "source": SOURCE, "seed": seed, "draws": draws or 0}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _block_tasks(scenario: PlanScenario, codes: list[str], years: list[int], draws: int | None, seed: int,
                 chunk: int) -> list[tuple[list[str], object]]:
    """(kommuner, delayed :func:`run_block`) per chunk of kommuner: the tasks of a batch."""
    token = dask.base.tokenize(scenario, codes, draws, seed)
    return [(codes[j:j + chunk],
             dask.delayed(run_block, pure=True)(scenario, tuple(codes[j:j + chunk]), tuple(years), draws, seed,
                                                dask_key_name=f"planmodel-batch-{token}-{j // chunk}"))
            for j in range(0, len(codes), chunk)]


def _units(name: str, money: str) -> tuple[str, str]:
    if name in RATIOS:
        return RATIOS[name][3], RATIOS[name][4]
    if name in SUMMED_LINES:
        _, _, units, long_name = SUMMED_LINES[name]
        return units or money, long_name
    return money, _MONEY_NAMES[name]


_MONEY_NAMES = {
    "netto_driftsresultat": "Netto driftsresultat", "driftsinntekter": "Brutto driftsinntekter",
    "frie_inntekter": "Frie inntekter (skatt og rammetilskudd)", "inndekningsbehov": "Inndekningsbehov (avstand til målet)",
    "netto_driftsutgifter_sektorer": "Netto driftsutgifter, sektorene", "investeringer": "Brutto investeringer",
    "lanegjeld": "Netto lånegjeld ved utgangen av året", "disposisjonsfond": "Disposisjonsfond ved utgangen av året",
    "resultatmal": "Mål for netto driftsresultat",
}


def run_many(scenario: PlanScenario, kommuner: Sequence[str], *, draws: int | None = None, seed: int = 0,
             scheduler=None, chunk: int = CHUNK, workers: int | None = None, progress: bool = False) -> xr.Dataset:
    """Run ``scenario`` for many kommuner (× draws) on dask and keep the key økonomiplan lines.

    Parameters
    ----------
    scenario : PlanScenario
        Run once per kommune with only ``kommune`` changed. It must not carry one kommune's own
        data (accounts, users, own population, budget, places, staff profile): InputError.
    kommuner : sequence of str
        Kommunenummer of 2024 (see :func:`planmodel.inputs.kommuner.select_kommuner`).
    draws : int, optional
        Monte Carlo draws per kommune (``planmodel.analysis.uncertainty.simulate``); the seed of
        the same ``seed`` for every kommune: draw *d* is one world, the same assumptions everywhere
        (see :func:`_one`), so that totals per draw add up.
    seed : int
        Seed of the draws.
    scheduler : None, "processes", "threads", "serial", an address or a ``distributed.Client``
        None = "processes" (fastest here: the model is numpy with much Python between the calls,
        which threads share one core for); "serial" runs the tasks one by one in this process;
        ``"tcp://host:8786"`` connects to a running dask.distributed scheduler.
    chunk : int
        Kommuner per task (default :data:`CHUNK`).
    workers : int, optional
        Processes or threads of a local scheduler (default: the machine's cores).
    progress : bool
        Show a progress bar (tqdm, on stderr; quiet when stderr is not a terminal).

    Returns
    -------
    xarray.Dataset
        Dims ``(kommune, year[, draw])``; variables :func:`variables` with ``units`` (money in NOK
        1000 at the scenario's price year, persons, årsverk, shares) and ``feil`` (kommune);
        coordinates ``kommune_name``, ``fylke``, ``fylke_name``; attrs scenario, price year,
        source, seed, draws, scheduler.
    """
    lazy = lazy_many(scenario, kommuner, draws=draws, seed=seed, chunk=chunk)
    if scheduler is None or (isinstance(scheduler, str) and scheduler in LOCAL_SCHEDULERS):
        name = LOCAL_SCHEDULERS[scheduler or "processes"]
        kwargs = {} if name == "synchronous" else {"num_workers": workers or os.cpu_count() or 1}
        if name == "processes":  # one block per hand-out: dask's default of 6 gave one worker all of a fylke's blocks
            kwargs["chunksize"] = 1
            # the data every kommune needs (population history, migration priors, accounts, survival
            # paths …) loaded once here, before the workers are forked, instead of once in each worker
            with threadpool_limits(1):
                _one(scenario, str(lazy["kommune"].values[0]), None if draws is None else 1, seed)
        # the block tasks themselves, not the Dataset's per-variable views of them: a local process
        # pool would otherwise send each block's results to a worker once per variable (with 1 000
        # draws, 16 MB × 18 per block; measured 16 s against 8 s for 43 kommuner)
        tasks = _block_tasks(scenario, [str(k) for k in lazy["kommune"].values], [int(y) for y in lazy["year"].values],
                             lazy.attrs["draws"] or None, seed, chunk)
        with _local_progress(progress, len(lazy["kommune"])), dask.config.set(_process_context()):
            blocks = dask.compute(*(task for _, task in tasks), scheduler=name, **kwargs)
        done = lazy.copy(data={v: np.concatenate([b[v] for b in blocks]) for v in lazy.data_vars})
        done.attrs["scheduler"] = scheduler or "processes"
    else:
        done = _on_cluster(lazy, scheduler, progress)
    done["feil"] = done["feil"].astype(str)
    return done


def _process_context() -> dict:
    """Start local worker processes by fork on Linux: they inherit the imported planmodel and
    numpy instead of importing them again (measured on 43 kommuner: 4,7 s CPU in the workers with
    fork, 9,5 s with dask's default spawn, 5,8 s for the serial loop). Elsewhere, or when
    ``multiprocessing.context`` is set to something else than spawn, dask's setting stands."""
    if sys.platform.startswith("linux") and dask.config.get("multiprocessing.context", "spawn") == "spawn":
        return {"multiprocessing.context": "fork"}
    return {}


def _local_progress(show: bool, n: int):
    """A dask callback that moves a tqdm bar by the kommuner of each finished task."""
    from contextlib import nullcontext

    if not show:
        return nullcontext()
    from dask.callbacks import Callback
    from tqdm import tqdm

    class Bar(Callback):
        def _start(self, dsk):
            self.bar = tqdm(total=n, unit="kommune", desc="kommuner", disable=None)

        def _posttask(self, key, result, dsk, state, id):
            if isinstance(key, str) and key.startswith("planmodel-batch-"):
                self.bar.update(len(result["feil"]))

        def _finish(self, dsk, state, errored):
            self.bar.close()

    return Bar()


def _on_cluster(lazy: xr.Dataset, scheduler, progress: bool) -> xr.Dataset:
    """Compute on a dask.distributed cluster (an address, or a Client already open)."""
    try:
        from distributed import Client, as_completed, futures_of
    except ImportError:
        raise InputError("--scheduler", str(scheduler), "dask.distributed er ikke installert "
                                                         "(pip install distributed)") from None
    if isinstance(scheduler, str):
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise InputError("--scheduler", scheduler, "ukjent planlegger; bruk processes, threads, serial eller "
                                                       "adressen til en dask-klynge, for eksempel tcp://vert:8786")
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InputError("--scheduler", scheduler, f"fikk ikke kontakt med dask-klyngen ({exc})") from None
        own = True
    else:
        client, own = scheduler, False
    try:
        persisted = client.persist(lazy)
        futures = futures_of(persisted)
        if progress:
            from tqdm import tqdm

            with tqdm(total=len(futures), unit="oppgave", desc="oppgaver", disable=None) as bar:
                for _ in as_completed(futures, loop=client.loop):
                    bar.update(1)
        try:
            done = client.compute(persisted).result()
        except ImportError as exc:  # the workers cannot unpickle the tasks
            raise InputError("--scheduler", client.scheduler.address, f"arbeiderne i klyngen mangler en modul ({exc}); "
                             "installer samme versjon av planmodel på alle maskinene (docs/batch.md)") from None
        done.attrs["scheduler"] = client.scheduler.address if own else "distributed"
        return done
    finally:
        if own:
            client.close()


def aggregate(ds: xr.Dataset, by: str = "fylke") -> xr.Dataset:
    """Fylke or national totals of a :func:`run_many` result.

    Variables in kroner (units starting "NOK 1000"), persons and årsverk are summed over the
    kommuner that were computed (NaN ones skipped); the ratios of :data:`RATIOS` are recomputed
    from those sums (netto driftsresultat in % = sum of NDR / sum of driftsinntekter), never
    averaged. Variables of other units are left out.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`run_many` (dims kommune, year[, draw]; coordinates fylke, fylke_name).
    by : "fylke" or "land"
        ``"fylke"``: dims (fylke, year[, draw]) with ``fylke_name``; ``"land"``: the whole
        country (the kommuner in ``ds``), dims (year[, draw]).

    Returns
    -------
    xarray.Dataset
        The totals with the same units, ``antall_kommuner`` and ``antall_feil`` [kommuner].
    """
    if by not in ("fylke", "land"):
        raise InputError("aggregate", "by", f"{by!r}: bruk 'fylke' eller 'land'")
    summable = [v for v, da in ds.data_vars.items() if "kommune" in da.dims and _summable(da.attrs.get("units", ""))]
    parts = ds[summable].drop_vars([c for c in ds.coords if c not in ("kommune", "year", "draw", "fylke")])
    ok = (ds["feil"] == "") if "feil" in ds else xr.ones_like(ds["kommune"], dtype=bool)
    counted = xr.Dataset({"antall_kommuner": ok.astype(int), "antall_feil": (~ok).astype(int)})
    counted = counted.assign_coords(fylke=ds["fylke"])
    if by == "fylke":
        totals = parts.groupby("fylke").sum(skipna=True, min_count=1)
        counts = counted.groupby("fylke").sum()
        names = dict(zip(ds["fylke"].values, ds["fylke_name"].values))
        totals = totals.assign_coords(fylke_name=("fylke", [names[f] for f in totals["fylke"].values]))
    else:
        totals = parts.drop_vars("fylke").sum("kommune", skipna=True, min_count=1)
        counts = counted.drop_vars("fylke").sum("kommune")
    totals = totals.merge(counts)
    for v in summable:
        totals[v].attrs = dict(ds[v].attrs)
    for name in RATIOS:
        num, den = RATIOS[name][:2]
        if num in totals and den in totals:
            totals[name] = ratio(totals, name)
    totals["antall_kommuner"].attrs = {"units": "kommuner", "long_name": "Kommuner som er regnet med"}
    totals["antall_feil"].attrs = {"units": "kommuner", "long_name": "Kommuner som ikke kunne beregnes"}
    totals.attrs = {**ds.attrs, "aggregate": by}
    return totals


def _summable(units: str) -> bool:
    return units.startswith("NOK 1000") or units in SUMMABLE_UNITS
