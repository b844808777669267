"""What each choice changes against the basis: kroner, årsverk and persons per terskel, tilbud and tiltak.

A politician who moves terskel, narrows the tilbud or ticks a tiltak asks "what does *this* choice
change?". :func:`choice_effects` answers with full model runs, so every number is the model's own:

- the **basis** (:func:`basis_of`) is the same kommune, befolkningsalternativ, horizon, plan
  period, economy assumptions and places as the scenario, with today's practice: terskel and
  tilbud as today (0), no services dropped, no tiltak, places built as demand requires, people
  waiting (kø) when places are full;
- each **choice alone** is the basis with only that choice made (:func:`single_choices`): the
  terskel, the tilbud (with the services it drops), building no new places, stepping down
  instead of waiting, and each tiltak with its start and end year;
- a choice's **effect** is run(basis + that choice) − run(basis), per year;
- **samspill** is the rest: run(scenario) − run(basis) − the sum of the single effects. Choices
  act on the same users (a tiltak saves less at high terskel, where fewer get the service), so the
  single effects do not add up by themselves; with the samspill row they add up exactly to the
  scenario's total change, which is the last row.

Why "alone against the basis" and not "left out of the current choice": the single runs do not
depend on the other choices, so moving terskel reruns only the terskel row and the total (an app
stays fast), and a row means the same whatever else is chosen.

Variables (per choice and year), all differences scenario minus basis, fixed prices:
``ndr`` netto driftsresultat [NOK 1000] (+ = better), ``gap`` inndekningsbehov [NOK 1000]
(− = better), ``fte`` årsverk needed in all sectors [årsverk], ``unmet`` udekket behov and
``queue`` persons waiting for a place [persons].
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import xarray as xr

from planmodel.core.cache import memo
from planmodel.core.labels import breadth_text, threshold_text
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import PlanScenario
from planmodel.model import run

#: The figures kept per run: name -> (how it is taken from a run() Dataset, units, label in bokmål).
FIGURES = {
    "ndr": ("netto_driftsresultat", "NOK 1000", "Netto driftsresultat"),
    "gap": ("inndekningsbehov", "NOK 1000", "Inndekningsbehov"),
    "fte": ("fte_sector", "årsverk", "Årsverk (behov, alle sektorer)"),
    "unmet": ("unmet_need", "persons", "Udekket behov"),
    "queue": ("queue", "persons", "Ventende på plass"),
}
#: Ids of the rows that are not single choices.
INTERACTION, TOTAL = "samspill", "i_alt"


def basis_of(scenario: PlanScenario) -> PlanScenario:
    """The basis of ``scenario``: its kommune, befolkningsalternativ, horizon, plan period, economy
    and places, with today's practice (terskel and tilbud 0, nothing dropped, no tiltak, places
    built as needed, waiting in a queue). See the module docstring."""
    return replace(scenario, id="basis_valg", title="Dagens praksis", description="", threshold=0.0, breadth=0.0,
                   dropped=(), measures=(), behovsanalyse=True, overflow="queue", baseline=None, chain=())


def _threshold_label(threshold) -> str:
    if hasattr(threshold, "items"):
        return "Terskel (fra scenariofilen, per tjenestegruppe)"
    return f"Terskel: {threshold_text(threshold).lower()}"


def _breadth_label(breadth: float, dropped) -> str:
    text = f"Tilbud: {breadth_text(breadth).lower()}"
    return text + (" og tjenester tatt ut" if dropped else "")


def single_choices(scenario: PlanScenario) -> list[tuple[str, str, str, PlanScenario]]:
    """The choices of ``scenario`` that differ from its basis, each alone on the basis:
    ``(id, kind, label in bokmål, scenario)``; kind is ``"terskel"``, ``"tilbud"``, ``"plasser"``
    or ``"tiltak"``. Tiltak come in the scenario's order; ids of tiltak are ``"tiltak:<id>"``."""
    basis = basis_of(scenario)
    out = []
    th = scenario.threshold
    if (any(float(v) != 0.0 for v in th.values()) if hasattr(th, "items") else float(th) != 0.0):
        out.append(("terskel", "terskel", _threshold_label(th), replace(basis, threshold=th)))
    if float(scenario.breadth) != 0.0 or scenario.dropped:
        out.append(("tilbud", "tilbud", _breadth_label(scenario.breadth, scenario.dropped),
                    replace(basis, breadth=scenario.breadth, dropped=scenario.dropped)))
    if not scenario.behovsanalyse:
        out.append(("bygg", "plasser", "Ikke bygg nye plasser i sykehjem og heldøgns omsorgsbolig",
                    replace(basis, behovsanalyse=False)))
    if scenario.overflow != basis.overflow:
        out.append(("overflow", "plasser", "Tilbud ett trinn ned når plassene er fulle",
                    replace(basis, overflow=scenario.overflow)))
    if scenario.measures:
        library = load_library(scenario.library, load_catalogue(scenario.catalogue))
        for m in scenario.measures:
            title = library.measures[m.id].title if m.id in library.measures else m.id
            out.append((f"tiltak:{m.id}", "tiltak", f"{title} (fra {m.start})", replace(basis, measures=(m,))))
    return out


def _figures_of(ds: xr.Dataset) -> np.ndarray:
    """(figure, year) array of :data:`FIGURES` from a run."""
    rows = []
    for var, _units, _label in FIGURES.values():
        a = ds[var]
        extra = [d for d in a.dims if d != "year"]
        rows.append((a.sum(extra) if extra else a).values.astype(float))
    return np.stack(rows)


@memo(maxsize=256, key=lambda s: s.fingerprint)
def _figures(s: PlanScenario) -> tuple[np.ndarray, np.ndarray]:
    ds = run(s)
    return ds["year"].values.astype(int), _figures_of(ds)


def measure_effects(reference: PlanScenario, measures) -> xr.Dataset:
    """Each tiltak of ``measures`` (:class:`~planmodel.inputs.scenario.MeasureChoice`) alone on
    ``reference``: run(reference with only that tiltak) − run(reference without tiltak), per year.
    Unlike the tiltak rows of :func:`choice_effects`, ``reference`` keeps its own terskel, tilbud
    and places (the choices a tiltak is added to); its own tiltak are left out.

    Returns
    -------
    Dataset with dims (measure, year): the :data:`FIGURES` (``ndr``, ``gap`` [NOK 1000], ``fte``
    [årsverk], ``unmet``, ``queue`` [persons]), differences against ``reference`` without tiltak,
    and that run's own figures as ``reference_<figure>`` (dim year).
    """
    bare = replace(reference, measures=())
    years, base = _figures(bare)
    rows = [_figures(replace(bare, measures=(m,)))[1] - base for m in measures]
    data = np.stack(rows) if rows else np.zeros((0, len(FIGURES), len(years)))
    out = xr.Dataset({name: (("measure", "year"), data[:, i, :] + 0.0, {"units": units})
                      for i, (name, (_v, units, _label)) in enumerate(FIGURES.items())},
                     coords={"measure": [m.id for m in measures], "year": years})
    for i, (name, (_v, units, _label)) in enumerate(FIGURES.items()):
        out[f"reference_{name}"] = ("year", base[i] + 0.0, {"units": units})
    return out


def choice_effects(scenario: PlanScenario, result: xr.Dataset | None = None) -> xr.Dataset:
    """What each choice of ``scenario`` changes against its basis (see :func:`_choice_effects`);
    kept for the last scenarios (the basis and the single choices do not depend on the
    scenario's name)."""
    return _cached_effects(scenario.fingerprint, scenario, result)


@memo(maxsize=64, key=lambda fingerprint, scenario, result: fingerprint)
def _cached_effects(fingerprint: str, scenario: PlanScenario, result: xr.Dataset | None) -> xr.Dataset:
    return _choice_effects(scenario, result)


def _choice_effects(scenario: PlanScenario, result: xr.Dataset | None = None) -> xr.Dataset:
    """What each choice of ``scenario`` changes against its basis (see the module docstring).

    ``result``: the scenario's own :func:`planmodel.model.run`, when the caller has it (saves a run).

    Returns
    -------
    Dataset with dims (choice, year): ``ndr``, ``gap`` [NOK 1000, fixed prices], ``fte`` [årsverk],
    ``unmet``, ``queue`` [persons], all differences against the basis; coordinates
    ``choice_label`` (bokmål) and ``choice_kind`` (``terskel``, ``tilbud``, ``plasser``,
    ``tiltak``, ``samspill``, ``i_alt``). The rows before ``i_alt`` sum exactly to it. Raises the
    scenario's own :class:`~planmodel.core.errors.InputError` when it cannot run.
    """
    basis = basis_of(scenario)
    years, base = _figures(basis)
    total = _figures(scenario)[1] if result is None else _figures_of(result)
    singles = single_choices(scenario)
    ids, kinds, labels, rows = [], [], [], []
    for cid, kind, label, sc in singles:
        rows.append(_figures(sc)[1] - base)
        ids.append(cid), kinds.append(kind), labels.append(label)
    change = total - base
    rest = change - (np.sum(rows, axis=0) if rows else 0.0)
    if singles:
        ids.append(INTERACTION), kinds.append("samspill"), labels.append("Samspill mellom valgene")
        rows.append(rest)
    ids.append(TOTAL), kinds.append("i_alt"), labels.append("Alle valg mot dagens praksis")
    rows.append(change)
    data = np.stack(rows)  # (choice, figure, year)
    out = xr.Dataset(
        {name: (("choice", "year"), data[:, i, :] + 0.0, {"units": units if units != "NOK 1000" else
                                                         f"NOK 1000, {scenario.price_year} prices",
                                                         "long_name": f"{label}: endring mot dagens praksis"})
         for i, (name, (_v, units, label)) in enumerate(FIGURES.items())},
        coords={"choice": ids, "year": years, "choice_label": ("choice", labels), "choice_kind": ("choice", kinds)})
    out.attrs = {"basis": "Dagens praksis: terskel og tilbud som i dag, ingen tiltak, plasser bygges ved behov",
                 "kommune": scenario.kommune}
    return out


__all__ = ["FIGURES", "INTERACTION", "TOTAL", "basis_of", "choice_effects", "measure_effects", "single_choices"]
