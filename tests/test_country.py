"""Every kommune on its own accounts (planmodel.analysis.country): the base year closes to the
data, the smallest and the largest kommune give plausible paths, no basis invests more than its
driftsinntekter in a year, and the whole-country table and its summary.

The fast tests run a sample chosen to cover the extremes (Utsira, the smallest; Oslo, the largest
and with a fylkeskommune part; Rælingen with a 2025 deficit; Fyresdal with one of the highest
results; a kommune with negative sosial netto driftsutgifter if any); the slow test runs all 357.
"""

from __future__ import annotations

import numpy as np
import pytest

from planmodel.analysis.country import COLUMNS, check_kommune, check_kommuner, summary
from planmodel.inputs.accounts import kommune_accounts
from planmodel.inputs.kommuner import all_kommuner
from planmodel.inputs.scenario import PlanScenario
from planmodel.model.chain import run

SAMPLE = ["1151", "0301", "3224", "4032", "3201", "4601", "5501", "1871"]


def assert_plausible(row: dict) -> None:
    """The base year is the accounts; later years stay in a range a real kommune can have."""
    assert row["feil"] == ""
    assert abs(row["ndr_basis"] - row["ndr_data"]) < 0.001, row  # within 0,1 percentage point
    assert abs(row["fi_basis"] / row["fi_data"] - 1) < 0.01, row  # frie inntekter within 1 %
    assert row["di_basis"] == pytest.approx(row["di_data"], rel=1e-9)
    assert row["gjeld_basis"] == pytest.approx(row["gjeld_data"], rel=1e-9)
    assert row["investering_maks"] < 1.0, row  # never more than the driftsinntekter in one year
    for y in (2027, 2030, 2040):
        assert -0.25 < row[f"ndr_{y}"] < 0.25, (y, row)
        assert -0.25 < row[f"ndr_{y}_uten"] < 0.25, (y, row)
    assert -0.5 < row["befolkning_2040"] < 0.6, row


@pytest.fixture(scope="module")
def sample():
    return check_kommuner(SAMPLE)


def test_the_sample_closes_to_its_accounts_and_stays_plausible(sample):
    assert list(sample.columns) == list(COLUMNS)
    assert list(sample["kommune"]) == SAMPLE
    for row in sample.to_dict("records"):
        assert_plausible(row)


def test_a_kommune_of_200_and_one_of_700_000():
    """Utsira (about 200 inhabitants) builds in blocks of its own size, never a 24-place sykehjem,
    and invests a plausible share of its income; Oslo's base year is its own accounts with the
    fylkeskommune part named as a data warning."""
    utsira = run(PlanScenario(kommune="1151"))
    assert float(utsira.population.isel(year=0).sum()) < 300
    new = utsira.plasser_nye.sum("year")
    block = utsira.plasser_blokk
    assert float(block.sel(place_type="institusjon")) <= 8
    assert float(new.sel(place_type="institusjon")) <= 8
    assert float(utsira.investeringer_andel.max()) < 0.5
    assert float(utsira.netto_driftsresultat_andel.isel(year=0)) == pytest.approx(
        kommune_accounts("1151").ndr_share, abs=1e-9)
    oslo = run(PlanScenario(kommune="0301"))
    assert float(oslo.population.isel(year=0).sum()) > 700_000
    assert "fylkeskommune" in oslo.attrs["data_warnings"]
    assert float(oslo.netto_driftsresultat_andel.isel(year=0)) == pytest.approx(
        kommune_accounts("0301").ndr_share, abs=1e-9)
    # Oslo builds in its own, larger blocks (a tenth of today's places, whole units)
    assert float(oslo.plasser_blokk.sel(place_type="institusjon")) > float(block.sel(place_type="institusjon"))


def test_a_kommune_that_cannot_be_computed_is_a_row_with_its_error():
    table = check_kommuner(["1151", "9999"])
    assert list(table["kommune"]) == ["1151", "9999"]
    assert table.loc[0, "feil"] == ""
    assert "9999" in table.loc[1, "feil"] and np.isnan(table.loc[1, "ndr_basis"])
    s = summary(table)
    assert s["kommuner"] == 2 and s["feil"] == 1


def test_summary_by_hand(sample):
    s = summary(sample)
    assert s["kommuner"] == len(SAMPLE) and s["feil"] == 0
    assert s["basis_avvik_ndr_maks"] < 1e-9
    inside = ((sample["ndr_2030"] >= -0.06) & (sample["ndr_2030"] <= 0.10)).mean()
    assert s["ndr_2030_innenfor"] == pytest.approx(inside)
    assert s["ndr_2030_percentiler"][0.5] == pytest.approx(sample["ndr_2030"].median())
    assert s["fond_negativt"] == int((sample["fond_min"] < 0).sum())


def test_check_kommune_row_equals_the_run():
    row = check_kommune("3201")
    ds = run(PlanScenario(kommune="3201"))
    assert row["ndr_2030"] == pytest.approx(float(ds.netto_driftsresultat_andel.sel(year=2030)))
    uten = ds.netto_driftsresultat_andel_inntektsregel.sel(income_rule="uten_demografi", year=2040)
    assert row["ndr_2040_uten"] == pytest.approx(float(uten))


@pytest.mark.slow
def test_every_kommune_closes_to_its_accounts():
    """Done means (issue 10): for every kommune the first year is its real 2025 (NDR within 0,1
    percentage point, frie inntekter within 1 %) and no basis invests more than its
    driftsinntekter in one year. The share of kommuner with NDR 2030 inside −6 %…+10 % stays
    within 1,5 percentage points of the share in the 2025 accounts themselves (94,96 %: 18
    kommuner are outside in the data, so the issue's 95 % cannot be reached without moving real
    results; docs/landet.md)."""
    table = check_kommuner()
    assert len(table) == len(all_kommuner()) == 357
    assert (table["feil"] == "").all(), table.loc[table["feil"] != "", ["kommune", "feil"]]
    for row in table.to_dict("records"):
        assert abs(row["ndr_basis"] - row["ndr_data"]) < 0.001, row["kommune"]
        assert abs(row["fi_basis"] / row["fi_data"] - 1) < 0.01, row["kommune"]
        assert row["investering_maks"] < 1.0, row["kommune"]
    s = summary(table)
    assert s["ndr_data_innenfor"] == pytest.approx(339 / 357)
    assert s["ndr_2030_innenfor"] >= s["ndr_data_innenfor"] - 0.015
    # the median kommune drifts little from its own 2025 result by 2030
    assert abs(float((table["ndr_2030"] - table["ndr_data"]).median())) < 0.005


def test_a_non_positive_sector_is_warned_once_in_norwegian():
    """Sauda's sosialtjeneste has negative netto driftsutgifter in 2025: one warning (from the
    accounts), with the amount in Norwegian format, and the area is not scaled."""
    ds = run(PlanScenario(kommune="1135"))
    about = [w for w in ds.plan.warnings if w.startswith("Sosialtjeneste")]
    assert about == ["Sosialtjeneste: netto driftsutgifter er \u22126,0\u00a0mill.\u00a0kr (ikke positive) i regnskapet "
                     "2025; tjenestekostnadene der skaleres ikke, forskjellen ligger i øvrige."]
