"""The crisis 2×2: smalt or bredt tilbud × høy or lav terskel, for a scenario.

The four corners are the scenario with everything as chosen (kommune, demography, horizon,
overflow, tiltak, economy) except terskel and tilbud, which are set to the corners (±1). In the
smalt corners the tiltak that act on a service a smalt tilbud removes are left out (the model
refuses that combination). Each corner is a full :func:`planmodel.model.run`, so the 2×2 shows
the økonomiplan (netto driftsresultat, inndekningsbehov) beside the services and årsverk; the
result is cached per scenario (terskel and tilbud left out of the key), so moving terskel or
tilbud in an app does not run the corners again.
"""

from __future__ import annotations

from dataclasses import replace

import xarray as xr

from planmodel.core.cache import memo
from planmodel.core.labels import BREADTH_CORNER, THRESHOLD_CORNER
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import SERVICE_EFFECTS, PlanScenario, services_removed
from planmodel.model import run

#: Corner values: terskel (threshold) and tilbud (breadth).
THRESHOLD_VALUES = {"high": 1.0, "low": -1.0}
BREADTH_VALUES = {"narrow": -1.0, "broad": 1.0}
#: The corners in the order shown: (breadth, threshold).
CORNERS = (("narrow", "high"), ("narrow", "low"), ("broad", "high"), ("broad", "low"))
#: What :func:`crisis_matrix` keeps of each corner's run.
KEEP = ("netto_driftsresultat", "netto_driftsresultat_andel", "inndekningsbehov", "driftsinntekter", "sektor_ramme",
        "users", "cost", "fte", "users_by_level", "queue", "stepped_down", "unmet_need", "fte_sector", "fte_supply",
        "fte_gap")


def measure_conflicts(measure_ids, breadth: float, dropped=(), catalogue: str | None = None,
                      library: str | None = None) -> dict[str, list[str]]:
    """The tiltak among ``measure_ids`` that cannot be combined with tilbud ``breadth`` (and the
    services ``dropped``): tiltak id -> names of the removed services it acts on, in the order
    given. A tiltak acts on a service through its coverage, volunteer hours or shift effects
    (:data:`planmodel.inputs.scenario.SERVICE_EFFECTS`); an optional service is removed at smalt
    tilbud (-1) or when dropped."""
    cat = load_catalogue(catalogue)
    lib = load_library(library, cat)
    removed = services_removed(dropped, breadth, cat)
    out = {}
    for mid in measure_ids:
        hit = [e.service for e in lib.measures[mid].effects if e.service in removed and e.kind in SERVICE_EFFECTS]
        if hit:
            out[mid] = [cat.services[s].name for s in dict.fromkeys(hit)]
    return out


def removed_by(scenario: PlanScenario, breadth: float) -> list[str]:
    """Ids of the chosen tiltak that cannot be combined with ``breadth``: they act on an
    optional service that a smalt tilbud (-1) removes, or that the scenario drops."""
    return list(measure_conflicts([m.id for m in scenario.measures], breadth, scenario.dropped,
                                  scenario.catalogue, scenario.library))


def corner_scenarios(scenario: PlanScenario) -> dict[tuple[str, str], PlanScenario]:
    """The four corners of ``scenario`` {(breadth, threshold): scenario} (see the module docstring)."""
    out = {}
    for b, t in CORNERS:
        breadth = BREADTH_VALUES[b]
        drop = set(removed_by(scenario, breadth))
        out[(b, t)] = replace(scenario, breadth=breadth, threshold=THRESHOLD_VALUES[t],
                              measures=tuple(m for m in scenario.measures if m.id not in drop))
    return out


def crisis_matrix(scenario: PlanScenario) -> xr.Dataset:
    """The 2×2 of ``scenario``: the main results of the four corner runs stacked along
    ``breadth_option`` (narrow, broad) and ``threshold_option`` (high, low), with bokmål labels
    (``breadth_label``, ``threshold_label``); units as in :func:`planmodel.model.run`. The
    coordinate ``omitted`` lists the tiltak left out of the smalt corners."""
    # the corners do not depend on the scenario's own terskel, tilbud or name: one cache entry for
    # every choice of those (so that moving a slider in an app does not rerun the four corners)
    neutral = replace(scenario, threshold=0.0, breadth=0.0, id="krise_2x2")
    return _matrix(neutral.fingerprint, neutral)


@memo(maxsize=16, key=lambda fingerprint, scenario: fingerprint)
def _matrix(fingerprint: str, scenario: PlanScenario) -> xr.Dataset:
    runs = {k: run(s)[list(KEEP)] for k, s in corner_scenarios(scenario).items()}
    rows = []
    for b in BREADTH_VALUES:
        rows.append(xr.concat([runs[(b, t)] for t in THRESHOLD_VALUES],
                              dim=xr.DataArray(list(THRESHOLD_VALUES), dims="threshold_option", name="threshold_option")))
    ds = xr.concat(rows, dim=xr.DataArray(list(BREADTH_VALUES), dims="breadth_option", name="breadth_option"))
    ds = ds.assign_coords(threshold_label=("threshold_option", [THRESHOLD_CORNER[t] for t in THRESHOLD_VALUES]),
                          breadth_label=("breadth_option", [BREADTH_CORNER[b] for b in BREADTH_VALUES]))
    first = runs[CORNERS[0]]
    ds.attrs = {k: v for k, v in first.attrs.items() if k not in ("scenario", "threshold", "breadth")}
    ds.attrs["omitted"] = ", ".join(removed_by(scenario, -1.0))
    return ds


def crisis_summary(ds: xr.Dataset, years: list[int]) -> xr.Dataset:
    """Key figures of a 2×2 per corner and year: ``cost_total`` (the sector frames of a run, or
    the service costs by sector of :func:`planmodel.services.servicemodel.run_services`) [NOK
    1000], ``fte_gap_total`` [årsverk], ``unmet_need_total`` and ``queue_total`` [persons]; and
    for a run ``ndr_share`` [share of driftsinntektene] and ``gap`` (inndekningsbehov) [NOK 1000]."""
    cost = ds["sektor_ramme"] if "sektor_ramme" in ds else ds["cost_sector"]
    out = {
        "cost_total": cost.sum("sector"),
        "fte_gap_total": ds["fte_gap"].sum("sector"),
        "unmet_need_total": ds["unmet_need"].sum("threshold_group"),
        "queue_total": ds["queue"].sum("capacity_group"),
    }
    if "netto_driftsresultat_andel" in ds:
        out.update(ndr_share=ds["netto_driftsresultat_andel"], gap=ds["inndekningsbehov"])
    return xr.Dataset(out).sel(year=years)
