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


def test_2023_statbank_export_recoded_to_2024_numbers_equals_the_history_file():
    """The 2023 statbank export (2020–23 numbering) recoded with kommuner.map_to_current equals
    the 2023 column of population/kommuner_2005_2026.nc cell for cell, for all 355 kommuner
    not split in 2024 (1507 Ålesund, split into 1508 and 1580, is dropped)."""
    original = pd.read_csv(data_path("population", "kommuner_2023_2020-inndeling.csv"), dtype={"kommune": str})
    recoded = map_to_current(original, code_col="kommune", split="drop")
    hist = data.all_kommuner_population().sel(year=2023).to_dataframe().reset_index()
    merged = recoded.merge(hist[["kommune", "age", "sex", "population"]], on=["kommune", "age", "sex"])
    assert len(merged) == len(recoded) == 355 * 106 * 2
    assert (merged["persons"] == merged["population"]).all()
    assert float(recoded["persons"].sum()) == 5_488_984 - 67_520  # national 2023 minus split Ålesund


def test_population_history_loader():
    """Read-only, 357 kommuner 2005–2026; the two kommuner formed in 2006 have no 2005 values;
    the kommuner add up to Norway's registered population within 60 persons from 2006 (the
    source's rounding; 2005 lacks 11 792, see data/README.md)."""
    hist = data.all_kommuner_population()
    assert hist.sizes == {"kommune": 357, "year": 22, "age": 106, "sex": 2}
    assert not hist.values.flags.writeable
    assert data.kommune_population("1160").year.values.tolist() == list(range(2006, 2027))
    assert data.kommune_population("3201").year.values.tolist() == list(range(2005, 2027))
    gap = hist.sum(["kommune", "age", "sex"]) - data.norway_population().sum(["age", "sex"]).sel(year=hist.year)
    assert float(abs(gap.sel(year=slice(2006, None))).max()) < 60
    assert float(gap.sel(year=2005)) == -11_792
    with pytest.raises(KeyError):
        data.kommune_population("1507")


def test_ssb_projection_base_year_equals_the_registered_population():
    assert float(data.ssb_projection("0", "MMMM").sel(year=2026).sum()) == pytest.approx(5_627_400)
