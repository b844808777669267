"""Compare scenarios: one Dataset with a ``scenario`` dimension and differences to a baseline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from planmodel.analysis.samordning import with_measure_gains
from planmodel.core.errors import InputError
from planmodel.model.chain import assemble, prepare, run
from planmodel.inputs.scenario import PlanScenario, load_scenario

#: variables whose difference to the baseline is reported as ``diff_<name>``
DIFF_VARIABLES = ("netto_driftsresultat", "netto_driftsresultat_andel", "inndekningsbehov", "handlingsrom",
                  "frie_inntekter", "netto_driftsutgifter_sektorer", "sektor_ramme", "lanegjeld",
                  "disposisjonsfond", "users", "cost", "fte_gap", "queue", "unmet_need")
_ZERO_FILL = ("tiltak_drift", "tiltak_investering", "tiltak_gevinst", "plasser_nye", "plasser_investering")


def as_scenario(s: PlanScenario | str | Path) -> PlanScenario:
    return s if isinstance(s, PlanScenario) else load_scenario(s)


def compare(scenarios, baseline: int | str = 0, measure_gains: bool = False) -> xr.Dataset:
    """Run several scenarios and stack them along ``scenario``.

    Parameters
    ----------
    scenarios : list of PlanScenario objects or scenario file paths.
    baseline : index or id of the scenario the differences are taken against.
    measure_gains : add ``tiltak_gevinst`` (measure, year) per scenario
        (:func:`planmodel.analysis.samordning.with_measure_gains`), as the Excel export shows it.

    Returns
    -------
    Dataset: every variable of :func:`planmodel.model.run` with a leading ``scenario``
    dimension (tiltak and places missing in a scenario are 0; years outside a scenario's horizon
    are NaN), and ``diff_<name>`` = scenario minus baseline for the main variables. attrs: what
    the runs share (price year, units, kommune ...) and ``baseline`` (id); what differs between
    them (scenario, horizon, breadth, target share ...) is the coordinate ``scenario_<name>``
    along ``scenario``, and per scenario its title in ``scenario_title``. ``ds.plan`` works on
    the comparison and on one scenario of it (``cmp.sel(scenario=...)``).
    """
    scs = [as_scenario(s) for s in scenarios]
    if not scs:
        raise InputError("sammenligning", "scenarier", "trenger minst ett scenario")
    ids = [s.id for s in scs]
    if len(set(ids)) != len(ids):
        same = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError("sammenligning", "scenarier", f"flere scenarioer har samme id ({', '.join(same)}); gi hvert "
                         "scenario sin egen id (nøkkelen id i scenariofilen)")
    if isinstance(baseline, str):
        if baseline not in ids:
            raise InputError("compare", "baseline", f"ukjent scenario {baseline!r}; valgt: {', '.join(ids)}")
        baseline = ids.index(baseline)
    if not 0 <= baseline < len(scs):
        raise InputError("compare", "baseline", f"indeks {baseline} finnes ikke (0–{len(scs) - 1})")
    if measure_gains:  # each scenario prepared once, for its run and its gains per tiltak
        prepared = [prepare(s) for s in scs]
        runs = [with_measure_gains(assemble(p), p) for p in prepared]
    else:
        runs = [run(s) for s in scs]
    attrs = [dict(r.attrs) for r in runs]
    for r in runs:  # attributes differ per scenario; those that differ become coordinates
        r.attrs = {}
    out = xr.concat(runs, dim=xr.DataArray(ids, dims="scenario", name="scenario"), join="outer",
                    coords="different", compat="equals", combine_attrs="drop_conflicts")
    for v in _ZERO_FILL:
        if v in out:
            out[v] = out[v].fillna(0.0)
    base = out.isel(scenario=baseline)
    for v in DIFF_VARIABLES:
        if v in out:
            out[f"diff_{v}"] = (out[v] - base[v]).assign_attrs(
                units=out[v].attrs.get("units", ""), long_name=f"Forskjell fra {ids[baseline]}: {out[v].attrs.get('long_name', v)}")
    out = out.assign_coords(scenario_title=("scenario", [s.title for s in scs]),
                            scenario_kommune=("scenario", [a.get("kommune") or s.kommune for a, s in zip(attrs, scs)]))
    same = {k: v for k, v in attrs[0].items() if all(k in a and a[k] == v for a in attrs[1:])}
    differ = sorted({k for a in attrs for k in a} - set(same) - {"scenario_title", "kommune"})
    out = out.assign_coords({f"scenario_{k}": ("scenario", [a.get(k, "") for a in attrs]) for k in differ})
    out.attrs = {**same, "baseline": ids[baseline]}
    return out


def compare_table(cmp: xr.Dataset, variable: str = "netto_driftsresultat", years=None, diff: bool = False) -> pd.DataFrame:
    """Rows = scenarios (titles), columns = years; money in mill. kr (1 decimal), shares in %."""
    name = f"diff_{variable}" if diff else variable
    if name not in cmp:
        raise InputError("compare", "variable", f"ukjent variabel {variable!r}")
    da = cmp[name]
    if years is None:
        years = cmp.plan.years
    da = da.sel(year=years)
    units = da.attrs.get("units", "")
    if "NOK 1000" in units:
        table = (da / 1000.0).round(1).to_pandas()
        unit = "mill. kr, løpende priser" if "løpende" in units else (
            "mill. kr, " + units.split(", ", 1)[1] if "faste" in units else "mill. kr, faste priser")
    elif units.startswith("share"):
        table = (da * 100).round(2).to_pandas()
        unit = "prosent"
    else:
        table = da.round(1).to_pandas()
        unit = units
    table.index = [str(t) for t in cmp["scenario_title"].values]
    table.columns = [int(c) for c in table.columns]
    table.attrs = {"title": da.attrs.get("long_name", name), "units": unit}
    return table
