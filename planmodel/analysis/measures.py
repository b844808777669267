"""What every tiltak in the library would cost a kommune: the rows of the apps' tiltak grid."""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import PlanScenario
from planmodel.population.demography import population_for
from planmodel.services.effects import measure_arrays


def library_costs(scenario: PlanScenario, starts: Mapping[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drift and investering per year of every tiltak in the library, as if started in
    ``starts[id]``, for the scenario's kommune [NOK 1000, fixed prices].

    The model's own :func:`planmodel.services.effects.measure_arrays` does the scaling
    (``per_100k`` tiltak scale with the base-year population), so a chosen tiltak's row equals
    its ``tiltak_drift`` / ``tiltak_investering`` in :func:`planmodel.model.run`.

    Returns
    -------
    (drift, investering): DataFrames indexed by tiltak id, one int column per year.
    """
    catalogue = load_catalogue(scenario.catalogue)
    library = load_library(scenario.library, catalogue)
    pop = population_for(scenario.kommune, scenario.demographic, scenario.horizon, scenario.demography_overrides)
    years = pop["year"].values.astype(int)
    chosen = [m.chosen(int(starts[mid])) for mid, m in library.measures.items()]
    ma = measure_arrays(chosen, catalogue, years, float(pop.values[0].sum()))
    ids = list(library.measures)
    cols = pd.Index([int(y) for y in years], name="År")
    return (pd.DataFrame(ma.operating, index=ids, columns=cols),
            pd.DataFrame(ma.investment, index=ids, columns=cols))
