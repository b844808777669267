"""The shipped data files: documented checks from data/README.md."""

import pandas as pd
import pytest

from planmodel.inputs import data
from planmodel.core.paths import data_path
from planmodel.inputs.kommuner import map_to_current


def test_national_totals_match_the_documented_checks():
    pop = data.norway_population().sum(["age", "sex"])
    assert float(pop.sel(year=2025)) == 5_594_340
    assert float(pop.sel(year=2026)) == 5_627_400
    assert float(data.all_kommuner_population().sel(year=2026).sum()) == 5_627_400
    assert data.all_kommuner_population().sizes["kommune"] == 357


def test_2023_population_recoded_to_2024_numbers_equals_the_recoding_of_the_original():
    original = pd.read_csv(data_path("population", "kommuner_2023_2020-inndeling.csv"), dtype={"kommune": str})
    recoded = map_to_current(original, code_col="kommune", split="drop")
    shipped = pd.read_csv(data_path("population", "kommuner_2023_2024-inndeling.csv"), dtype={"kommune": str})
    key = ["kommune", "year", "age", "sex"]
    merged = recoded.merge(shipped, on=key, suffixes=("_now", "_shipped"))
    assert len(merged) == len(shipped) == len(recoded)
    assert (merged["persons_now"] == merged["persons_shipped"]).all()
    assert float(shipped["persons"].sum()) == 5_488_984 - 67_520  # national 2023 minus split Ålesund


def test_ssb_projection_base_year_equals_the_registered_population():
    assert float(data.ssb_projection("0", "MMMM").sel(year=2026).sum()) == pytest.approx(5_627_400)
