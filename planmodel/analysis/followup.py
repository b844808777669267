"""Following the plan: stress tests, rullering (rolling the plan forward) and plan against actual.

- **Stress tests** as in Bærum's LDIP: frie inntekter −4 % from the first plan year, interest
  +2 percentage points, investments +25 %. Each is the same scenario with one assumption
  changed; the result is the change in netto driftsresultat and the gap.
- **Rullering**: given the accounts (*regnskap*) of a year, the plan is rolled one year forward.
  Every line where an actual figure is given is moved by the difference between actual and plan,
  and the difference holds in later years (the base frame is corrected); debt and fund start from
  their actual balances. The new plan period starts the year after the actual year. If the actuals
  equal the plan, nothing changes.
- **Plan against actual** (*gevinstrealisering*): actual users, costs and årsverk for a year
  compared with the plan per sector and service, and per tiltak the planned gain against the
  realised gain, as in tertial and annual reporting.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.budget import BudgetInputs
from planmodel.core.errors import InputError
from planmodel.model.chain import Prepared, assemble, prepare
from planmodel.inputs.scenario import PlanScenario
from planmodel.analysis.samordning import samordning

STRESS_TESTS = {
    "inntekt_minus_4": "Frie inntekter −4 %",
    "rente_pluss_2": "Rente +2 prosentpoeng",
    "investering_pluss_25": "Investeringer +25 %",
}


def _plan_mask(p: Prepared) -> np.ndarray:
    """1 from the first plan year on (the stress tests start there), else 0; shape (year, 1)."""
    return (p.years >= p.scenario.plan_period[0])[:, None].astype(float)


def stress_tests(scenario: PlanScenario | Prepared) -> xr.Dataset:
    """Netto driftsresultat, gap, debt and fund under each stress test, beside the scenario.

    Returns a Dataset with dims (stress, year): ``netto_driftsresultat``,
    ``netto_driftsresultat_andel``, ``inndekningsbehov``, ``lanegjeld``, ``disposisjonsfond``
    [NOK 1000, fixed prices] and ``endring_ndr`` (change from the scenario). A stress test never
    improves the result.
    """
    p = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    base = assemble(p)
    fi = base["frie_inntekter"].values[:, None]
    eco = p.economy  # the base year is the accounts: a stress test changes the future only
    runs = {"scenario": base}
    runs["inntekt_minus_4"] = assemble(p, economy=eco,
                                       inputs=_with_adjust(p.inputs, "frie_inntekter", -0.04 * fi * _plan_mask(p)))
    runs["rente_pluss_2"] = assemble(p, economy=eco, inputs=replace(p.inputs, extra_interest=0.02 * _plan_mask(p)))
    runs["investering_pluss_25"] = assemble(p, economy=eco, inputs=replace(p.inputs, investment_factor=1.25))
    labels = {"scenario": "Scenarioet", **STRESS_TESTS}
    keys = ["netto_driftsresultat", "netto_driftsresultat_andel", "inndekningsbehov", "lanegjeld", "disposisjonsfond"]
    out = xr.concat([r[keys] for r in runs.values()], dim=xr.DataArray(list(runs), dims="stress", name="stress"))
    out["endring_ndr"] = out["netto_driftsresultat"] - out["netto_driftsresultat"].sel(stress="scenario")
    out["endring_ndr"].attrs = {"units": base["netto_driftsresultat"].attrs["units"],
                                "long_name": "Endring i netto driftsresultat mot scenarioet"}
    out = out.assign_coords(stress_label=("stress", [labels[k] for k in runs]),
                            plan_year=base["plan_year"])
    out.attrs = dict(base.attrs)
    return out


def _with_adjust(inp: BudgetInputs, line: str, delta: np.ndarray) -> BudgetInputs:
    adj = dict(inp.adjustments)
    adj[line] = adj.get(line, 0.0) + delta
    return replace(inp, adjustments=adj)


@dataclass(frozen=True)
class Actuals:
    """Actual figures for one year (regnskap and KOSTRA), NOK 1000 at the plan's fixed prices.

    Any field may be left out; only given figures are compared or used to roll the plan.
    sector_costs : {sector: netto driftsutgifter}; users : {service: persons};
    fte : {sector: årsverk}; debt, fund : balances at the end of the year.
    """

    year: int
    frie_inntekter: float | None = None
    sector_costs: Mapping[str, float] = field(default_factory=dict)
    ovrige_netto_driftsutgifter: float | None = None
    renter: float | None = None
    avdrag: float | None = None
    debt: float | None = None
    fund: float | None = None
    users: Mapping[str, float] = field(default_factory=dict)
    fte: Mapping[str, float] = field(default_factory=dict)
    source: str = "regnskap"


def _check_actuals(p: Prepared, a: Actuals) -> int:
    years = list(p.years)
    if a.year not in years[1:]:
        raise InputError(a.source, "year", f"{a.year} er ikke et planår ({years[1]}–{years[-1]})")
    for s in a.sector_costs:
        if s not in p.sectors:
            raise InputError(a.source, f"sector_costs.{s}", f"ukjent sektor; gyldige: {', '.join(p.sectors)}")
    for s in a.fte:
        if s not in p.sectors:
            raise InputError(a.source, f"fte.{s}", f"ukjent sektor; gyldige: {', '.join(p.sectors)}")
    for s in a.users:
        if s not in p.catalogue.services:
            raise InputError(a.source, f"users.{s}", f"ukjent tjeneste; gyldige: {', '.join(p.catalogue.services)}")
    for name in ("frie_inntekter", "ovrige_netto_driftsutgifter", "renter", "avdrag", "debt", "fund"):
        v = getattr(a, name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v)):
            raise InputError(a.source, name, f"{v!r} er ikke et tall")
    return years.index(a.year)


def roll_forward(scenario: PlanScenario | Prepared, actual: Actuals) -> xr.Dataset:
    """The plan rolled one year forward from an actual year (see the module docstring).

    Returns the result Dataset (as :func:`planmodel.model.run`) whose plan period starts the year
    after ``actual.year``; attrs ``rolled_from`` names the actual year.
    """
    p = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    k = _check_actuals(p, actual)
    plan = assemble(p)
    after = (p.years >= actual.year)[:, None].astype(float)
    inp = p.inputs
    adj = dict(inp.adjustments)
    for line in ("frie_inntekter", "ovrige_netto_driftsutgifter", "renter", "avdrag"):
        value = getattr(actual, line)
        if value is not None:
            adj[line] = adj.get(line, 0.0) + (value - float(plan[line].values[k])) * after
    if actual.sector_costs:
        shift = np.zeros((len(p.sectors), p.years.size, 1))
        for s, value in actual.sector_costs.items():
            i = p.sectors.index(s)
            shift[i] = (value - float(plan["sektor_ramme"].values[i, k])) * after
        adj["sectors"] = adj.get("sectors", 0.0) + shift
    inp = replace(inp, adjustments=adj,
                  debt_at=(actual.year, actual.debt) if actual.debt is not None else inp.debt_at,
                  fund_at=(actual.year, actual.fund) if actual.fund is not None else inp.fund_at)
    out = assemble(p, inputs=inp, plan_start=actual.year + 1)
    out.attrs["rolled_from"] = actual.year
    return out


def plan_vs_actual(scenario: PlanScenario | Prepared, actual: Actuals) -> dict[str, pd.DataFrame]:
    """Plan against actual for one year, as tables with Norwegian headings.

    Returns
    -------
    {"sektorer": costs and årsverk per sector, "tjenester": users per service, "tiltak": per tiltak
    planned gain, estimated realised gain and share realised, "linjer": økonomiplan lines}.
    The realised gain of all tiltak together is what the sectors the tiltak work in cost
    *without* the tiltak (plan minus the tiltak effects) minus their actual cost; it is shared
    between the tiltak in proportion to their planned gains (an attribution assumption).
    """
    p = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    k = _check_actuals(p, actual)
    plan = assemble(p)
    year = actual.year
    rows = []
    for i, s in enumerate(p.sectors):
        planned = float(plan["sektor_ramme"].values[i, k])
        got = actual.sector_costs.get(s)
        fte_plan = float(plan["fte_sector"].values[i, k])
        fte_got = actual.fte.get(s)
        rows.append({"Sektor": str(plan["sector_name"].values[i]), "Plan (NOK 1000)": planned,
                     "Regnskap (NOK 1000)": got, "Avvik (NOK 1000)": None if got is None else got - planned,
                     "Årsverk plan": fte_plan, "Årsverk faktisk": fte_got,
                     "Årsverk avvik": None if fte_got is None else fte_got - fte_plan})
    sektorer = pd.DataFrame(rows)
    svc = []
    for sid, got in actual.users.items():
        i = list(plan["service"].values).index(sid)
        planned = float(plan["users"].values[i, k])
        svc.append({"Tjeneste": str(plan["service_name"].values[i]), "Brukere plan": planned,
                    "Brukere faktisk": got, "Avvik": got - planned})
    tjenester = pd.DataFrame(svc, columns=["Tjeneste", "Brukere plan", "Brukere faktisk", "Avvik"])

    # tiltak: planned gains from the samordning attribution of this year
    sam = samordning(p)
    effect = sam["effekt"].sel(year=year)  # (measure, sector): negative = saving
    planned_gain = -effect.sum("sector")
    sectors_hit = [s for s in p.sectors if s in actual.sector_costs and float(abs(effect.sel(sector=s)).sum()) > 0]
    realised_total = None
    if sectors_hit and float(planned_gain.sum()) != 0:
        without = sum(float(plan["sektor_ramme"].sel(sector=s, year=year)) - float(effect.sel(sector=s).sum())
                      for s in sectors_hit)
        actual_cost = sum(actual.sector_costs[s] for s in sectors_hit)
        realised_total = without - actual_cost
    tiltak_rows = []
    total_planned = float(planned_gain.sum())
    for m in planned_gain["measure"].values:
        pg = float(planned_gain.sel(measure=m))
        rg = None if realised_total is None or total_planned == 0 else realised_total * pg / total_planned
        tiltak_rows.append({"Tiltak": str(sam["measure_title"].sel(measure=m).values), "Planlagt gevinst (NOK 1000)": pg,
                            "Realisert gevinst, anslag (NOK 1000)": rg,
                            "Andel realisert": None if rg is None or pg == 0 else rg / pg})
    tiltak = pd.DataFrame(tiltak_rows, columns=["Tiltak", "Planlagt gevinst (NOK 1000)",
                                                "Realisert gevinst, anslag (NOK 1000)", "Andel realisert"])
    lines = []
    for line, label in [("frie_inntekter", "Frie inntekter"), ("ovrige_netto_driftsutgifter", "Øvrige netto driftsutgifter"),
                        ("renter", "Netto renteutgifter"), ("avdrag", "Avdrag")]:
        got = getattr(actual, line)
        if got is not None:
            planned = float(plan[line].values[k])
            lines.append({"Linje": label, "Plan (NOK 1000)": planned, "Regnskap (NOK 1000)": got, "Avvik (NOK 1000)": got - planned})
    linjer = pd.DataFrame(lines, columns=["Linje", "Plan (NOK 1000)", "Regnskap (NOK 1000)", "Avvik (NOK 1000)"])
    for df in (sektorer, tjenester, tiltak, linjer):
        df.attrs = {"year": year, "units": "NOK 1000 i faste priser; personer; årsverk"}
    return {"sektorer": sektorer, "tjenester": tjenester, "tiltak": tiltak, "linjer": linjer}
