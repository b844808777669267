"""planmodel: scenario and budget simulation for Norwegian municipal planning.

The public API — what notebooks, scripts and docs import::

    import planmodel as pm

    ds = pm.run(pm.load_scenario("scenarios/baerum_krisepakke.yaml"))   # xarray.Dataset
    ds.plan.years, ds.plan.target_share                                   # what the result knows
    cmp = pm.compare(["scenarios/baerum_basis.yaml", "scenarios/baerum_krisepakke.yaml"])

The package is layered, imports running one way only (checked by import-linter in the test
suite; see docs/arkitektur.md)::

    core -> inputs -> population -> services -> budget -> model -> analysis -> present
         -> widgets / apps -> bench -> cli

Besides the names below, these submodules are documented for direct use: the tables for
Norwegian readers :mod:`planmodel.present.tables`, the bokmål words for every identifier
:mod:`planmodel.core.labels`, the shipped data :mod:`planmodel.inputs.data`,
the goal hierarchy :mod:`planmodel.inputs.goals`, the Excel workbook and CSV
:mod:`planmodel.present.export`, the service model alone
:mod:`planmodel.services.servicemodel`, and the demography :mod:`planmodel.population.demography`.

Names are imported on first use, so ``import planmodel`` is cheap (the command line starts fast).
"""

from __future__ import annotations

import importlib

from planmodel.core.meta import SSB_CREDIT, __version__

#: public name -> module that defines it
_EXPORTS = {
    # the model
    "run": "planmodel.model", "prepare": "planmodel.model", "assemble": "planmodel.model",
    # scenarios and inputs
    "PlanScenario": "planmodel.inputs.scenario", "MeasureChoice": "planmodel.inputs.scenario",
    "load_scenario": "planmodel.inputs.scenario", "dump_scenario": "planmodel.inputs.scenario",
    "parse_scenario": "planmodel.inputs.scenario", "resolve": "planmodel.inputs.scenario",
    "scenario_json_schema": "planmodel.inputs.scenario",
    "load_catalogue": "planmodel.inputs.catalogue", "load_library": "planmodel.inputs.library",
    "load_economy": "planmodel.inputs.economy", "load_goals": "planmodel.inputs.goals",
    "kommune_accounts": "planmodel.inputs.accounts", "national_free_income_per_capita": "planmodel.inputs.accounts",
    "to_kostra_groups": "planmodel.core.ages", "KOSTRA_GROUPS": "planmodel.core.ages",
    "SEX_LABELS_NB": "planmodel.core.ages",
    "SCENARIOS": "planmodel.inputs.demographic",
    "resolve_kommune": "planmodel.inputs.kommuner", "all_kommuner": "planmodel.inputs.kommuner",
    "read_population": "planmodel.inputs.readers", "read_jsonstat": "planmodel.inputs.readers",
    "read_statbank_csv": "planmodel.inputs.readers",
    "import_tiltak": "planmodel.inputs.excel_import",
    # population
    "project_kommune": "planmodel.population.demography", "kommune_base": "planmodel.population.demography",
    "population_for": "planmodel.population.demography", "indicators": "planmodel.population.indicators",
    # services alone
    "run_services": "planmodel.services.servicemodel", "ServiceOptions": "planmodel.services.demand",
    "calibrate": "planmodel.services.calibration", "behovsanalyse": "planmodel.services.capacity",
    # analysis
    "compare": "planmodel.analysis.compare", "compare_table": "planmodel.analysis.compare",
    "crisis_matrix": "planmodel.analysis.crisis",
    "stress_tests": "planmodel.analysis.followup", "roll_forward": "planmodel.analysis.followup",
    "plan_vs_actual": "planmodel.analysis.followup", "Actuals": "planmodel.analysis.followup",
    "samordning": "planmodel.analysis.samordning", "who_pays_who_gains": "planmodel.analysis.samordning",
    "library_costs": "planmodel.analysis.measures",
    "simulate": "planmodel.analysis.uncertainty", "sensitivity": "planmodel.analysis.uncertainty",
    "fan": "planmodel.analysis.uncertainty", "probability_below_target": "planmodel.analysis.uncertainty",
    "probability_below_target_in_plan": "planmodel.analysis.uncertainty",
    "uncertainty_summary": "planmodel.analysis.uncertainty", "load_ranges": "planmodel.inputs.uncertainty",
    # presentation
    "key_numbers": "planmodel.present.keynumbers", "crisis_signals": "planmodel.present.signals",
    "write_report": "planmodel.present.report", "write_excel": "planmodel.present.export",
    "read_excel_data": "planmodel.present.export", "to_iamc": "planmodel.present.export",
    "write_csv": "planmodel.present.export", "write_netcdf": "planmodel.present.export",
    "tall": "planmodel.core.formatting", "prosent": "planmodel.core.formatting",
    "endring": "planmodel.core.formatting", "mill_kr": "planmodel.core.formatting",
    # errors and places
    "InputError": "planmodel.core.errors", "PlanmodelError": "planmodel.core.errors",
    "KommuneError": "planmodel.core.errors",
    "SCENARIO_DIR": "planmodel.core.paths", "NOTEBOOK_DIR": "planmodel.core.paths", "DATA_DIR": "planmodel.core.paths",
}

__all__ = ["SSB_CREDIT", "__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planmodel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
