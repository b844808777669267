"""planmodel.export: the IAMC table, CSV, netCDF and the Excel workbook.

Expected numbers are computed here from the Dataset itself (sums over ages, services and sectors),
never read back from the export code.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from openpyxl import load_workbook

from planmodel.inputs.accounts import kommune_accounts
from planmodel.present import export
from planmodel.model.chain import run
from planmodel.inputs.scenario import MeasureChoice, PlanScenario

A = PlanScenario(id="a", title="Alternativ A", measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
B = PlanScenario(id="b", title="Alternativ B", threshold=0.5,
                 measures=(MeasureChoice("digitalt_tilsyn", 2028, 2035, "vedtatt"),))
MONEY = "NOK 1000 (2025-priser)"
SCENARIO_TEXT = "id: a\ntitle: Alternativ A\nmeasures:\n  - {id: hverdagsrehabilitering, start: 2027}\n"


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    return run(A)


@pytest.fixture(scope="module")
def pair(ds) -> xr.Dataset:
    """Two runs on a leading ``scenario`` axis (what a comparison returns)."""
    return xr.concat([ds, run(B)], dim=xr.DataArray(["a", "b"], dims="scenario", name="scenario"), join="outer")


@pytest.fixture(scope="module")
def table(ds) -> pd.DataFrame:
    return export.to_iamc(ds)


@pytest.fixture(scope="module")
def workbook_path(ds, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "a.xlsx"
    return export.write_excel(ds, path, scenario_text=SCENARIO_TEXT, scenario_path="scenarier/a.yaml", scenario=A)


def series(table: pd.DataFrame, variable: str, scenario: str | None = None) -> pd.Series:
    rows = table[table["variable"] == variable]
    if scenario is not None:
        rows = rows[rows["scenario"] == scenario]
    assert len(rows), f"{variable!r} mangler i tabellen"
    return rows.set_index("year")["value"]


def sheet_values(path, *only: str) -> dict[str, list[tuple]]:
    """Cell values of every sheet (or of the sheets named in ``only``), row by row."""
    wb = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets
                if not only or ws.title in only}
    finally:
        wb.close()


def sheet_values_cached(path, name: str) -> list[tuple]:
    """One sheet's values as a reader that does not calculate sees them (formulas: cached results)."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()


def row_index(rows: list[tuple], label: str, start: int = 0) -> int:
    for i in range(start, len(rows)):
        if rows[i] and rows[i][0] == label:
            return i
    raise AssertionError(f"raden {label!r} finnes ikke")


def find_row(ws, label: str, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == label:
            return r
    raise AssertionError(f"raden {label!r} finnes ikke i {ws.title}")


# ------------------------------------------------------------------------------------ IAMC table

def test_iamc_columns_and_dtypes(table):
    assert list(table.columns) == export.IAMC_COLUMNS
    for col in ("kommune", "scenario", "variable", "unit"):
        assert pd.api.types.is_string_dtype(table[col]), col
    assert table["year"].dtype == np.int64
    assert table["value"].dtype == np.float64
    assert set(table["kommune"]) == {"3201"}
    assert set(table["scenario"]) == {"a"}
    assert not table.isna().any().any()
    assert not table.duplicated(["scenario", "variable", "year"]).any()


def test_iamc_is_sorted_and_deterministic(ds, table):
    key = table[["scenario", "variable", "year"]].apply(tuple, axis=1).tolist()
    assert key == sorted(key)
    pd.testing.assert_frame_equal(export.to_iamc(ds), table)


def test_iamc_variables_equal_the_dataset(ds, table):
    pop = ds["population"].sum("sex")
    y = 2030
    assert series(table, "Befolkning")[y] == pytest.approx(float(pop.sel(year=y).sum()), rel=1e-12)
    assert series(table, "Befolkning|80-89 år")[y] == pytest.approx(float(pop.sel(year=y, age=slice(80, 89)).sum()), rel=1e-12)
    assert series(table, "Befolkning|90+ år")[y] == pytest.approx(float(pop.sel(year=y, age=slice(90, 105)).sum()), rel=1e-12)
    ratio = float(pop.sel(year=y, age=slice(20, 66)).sum() / pop.sel(year=y, age=slice(67, 105)).sum())
    assert series(table, "Aldersbæreevne")[y] == pytest.approx(ratio, rel=1e-12)

    care = ds["service_sector"] == "helse_og_omsorg"
    expected = ds["cost"].where(care).sum("service")
    got = series(table, "Kostnad|Helse og omsorg")
    np.testing.assert_allclose(got.values, expected.values, rtol=1e-12)
    hs = series(table, "Kostnad|Helse og omsorg|Hjemmesykepleie (helsetjenester i hjemmet)")
    np.testing.assert_allclose(hs.values, ds["cost"].sel(service="hjemmesykepleie").values, rtol=1e-12)

    np.testing.assert_allclose(series(table, "Årsverk|Behov").values, ds["fte_sector"].sum("sector").values, rtol=1e-12)
    np.testing.assert_allclose(series(table, "Årsverk|Gap|Helse og omsorg").values,
                               ds["fte_gap"].sel(sector="helse_og_omsorg").values, rtol=1e-12)
    np.testing.assert_allclose(series(table, "Netto driftsutgifter|Helse og omsorg").values,
                               ds["sektor_ramme"].sel(sector="helse_og_omsorg").values, rtol=1e-12)
    np.testing.assert_allclose(series(table, "Netto driftsutgifter").values,
                               (ds["netto_driftsutgifter_sektorer"] + ds["ovrige_netto_driftsutgifter"]).values, rtol=1e-12)
    np.testing.assert_array_equal(series(table, "Tiltak|Hverdagsrehabilitering|Drift").values,
                                  ds["tiltak_drift"].sel(measure="hverdagsrehabilitering").values)
    np.testing.assert_array_equal(series(table, "Brukere|Omsorgstrappen|Hjemmesykepleie").values,
                                  ds["users_by_level"].sel(care_level=2).values)
    np.testing.assert_array_equal(series(table, "Ventende|Sykehjemsplasser (langtid og korttid)").values,
                                  ds["queue"].sel(capacity_group="institusjon").values)
    np.testing.assert_array_equal(series(table, "Nye plasser|Sykehjemsplasser").values + 0.0,
                                  ds["plasser_nye"].sel(place_type="institusjon").values + 0.0)


def test_sector_frame_parts_add_up(table):
    parts = sum(series(table, f"Sektorramme|Helse og omsorg|{p}") for p in export.FRAME_PARTS.values())
    np.testing.assert_allclose(parts.values, series(table, "Sektorramme|Helse og omsorg").values, rtol=1e-12)


def test_ndr_share_is_in_percent(ds, table):
    rows = table[table["variable"] == "Netto driftsresultat|Andel av driftsinntekter"]
    assert set(rows["unit"]) == {"%"}
    np.testing.assert_allclose(rows["value"].values, 100.0 * ds["netto_driftsresultat_andel"].values, rtol=1e-12)
    # the base year is Bærum's own accounts: NDR 6,03 % of driftsinntektene (KOSTRA 2025)
    assert rows.set_index("year")["value"][2026] == pytest.approx(100 * kommune_accounts("3201").ndr_share, abs=1e-9)
    assert rows.set_index("year")["value"][2026] == pytest.approx(6.03, abs=0.005)


@pytest.mark.parametrize("variable, unit", [
    ("Befolkning", "personer"), ("Aldersbæreevne", "personer per person"), ("Frie inntekter", MONEY),
    ("Kostnad|Sosial", MONEY), ("Årsverk|Tilgang", "årsverk"), ("Årsverk|Rekrutteringsbehov", "årsverk per år"),
    ("Nye plasser|Barnehageplasser", "plasser"), ("Udekket behov|Pleie og omsorg (omsorgstrappen)", "personer"),
    ("Sektorramme|Sosial|Tiltak drift", MONEY), ("Tiltak|Hverdagsrehabilitering|Investering", MONEY),
])
def test_units(table, variable, unit):
    assert set(table.loc[table["variable"] == variable, "unit"]) == {unit}


def test_required_variables_present(table):
    names = set(table["variable"])
    required = ["Befolkning", "Aldersbæreevne", "Frie inntekter", "Driftsinntekter", "Netto driftsutgifter|Øvrige",
                "Netto renteutgifter", "Avdrag", "Netto driftsresultat", "Netto driftsresultat|Mål",
                "Inndekningsbehov", "Handlingsrom", "Investeringer", "Lånegjeld", "Disposisjonsfond",
                "Årsverk|Behov", "Årsverk|Tilgang", "Årsverk|Gap", "Årsverk|Rekrutteringsbehov"]
    assert not [n for n in required if n not in names]
    for part in export.FRAME_PARTS.values():
        assert f"Sektorramme|Barn og unge|{part}" in names


# ------------------------------------------------------------------------------------ CSV

def test_csv_round_trips_exactly(ds, table, tmp_path):
    path = export.write_csv(ds, tmp_path / "a.csv")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "kommune,scenario,variable,unit,year,value"
    assert "Årsverk|Behov" in text
    back = pd.read_csv(path, dtype={"kommune": str})
    assert list(back.columns) == export.IAMC_COLUMNS
    assert (back["kommune"] == "3201").all()
    assert back["variable"].tolist() == table["variable"].tolist()
    np.testing.assert_array_equal(back["year"].to_numpy(), table["year"].to_numpy())
    np.testing.assert_array_equal(back["value"].to_numpy(), table["value"].to_numpy())  # exact: repr floats
    pd.testing.assert_frame_equal(export.read_csv(path), table, check_exact=True)


def test_excel_data_sheet_gives_the_same_numbers_as_the_csv(ds, table, tmp_path, workbook_path):
    csv = export.read_csv(export.write_csv(ds, tmp_path / "a.csv"))
    xl = export.read_excel_data(workbook_path)
    assert list(xl.columns) == export.IAMC_COLUMNS
    assert xl.dtypes.equals(csv.dtypes)
    pd.testing.assert_frame_equal(xl.drop(columns="value"), csv.drop(columns="value"))
    # openpyxl writes floats with 16 significant digits: equal to within one part in 10^15
    np.testing.assert_allclose(xl["value"].to_numpy(), csv["value"].to_numpy(), rtol=1e-15, atol=0)


# ------------------------------------------------------------------------------------ Excel

def test_workbook_sheets_and_layout(workbook_path):
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == list(export.SHEETS)
    ws = wb["Økonomiplan"]
    head = find_row(ws, "Mill. kr")
    assert [ws.cell(row=head, column=j).value for j in range(1, 9)] == [
        "Mill. kr", "2026 (basisår)", 2027, 2028, 2029, 2030, 2035, 2040]
    assert all(ws.cell(row=head, column=j).font.b for j in range(1, 9))
    frie = find_row(ws, "Frie inntekter (skatt og rammetilskudd)", head)
    cell = ws.cell(row=frie, column=2)
    assert cell.value.startswith("=SUM(") and cell.number_format == "#,##0.0"  # thousands separator
    renter = ws.cell(row=find_row(ws, "Netto renteutgifter", head), column=3)
    assert isinstance(renter.value, float) and renter.number_format == "#,##0.0"
    data = wb["Data"]
    assert [c.value for c in data[1]] == export.IAMC_COLUMNS
    assert all(c.font.b for c in data[1])
    assert isinstance(data.cell(row=2, column=6).value, float) and isinstance(data.cell(row=2, column=5).value, int)
    assert wb["Befolkning"].column_dimensions["A"].width >= 8


def test_okonomiplan_ndr_row_matches_the_dataset(ds, workbook_path):
    ws = load_workbook(workbook_path, data_only=True)["Økonomiplan"]  # cached results of the formulas
    row = find_row(ws, export.NDR_PERCENT_LABEL)
    shown = [round(ws.cell(row=row, column=j).value, 1) for j in range(2, 9)]  # as Excel shows "0.0"
    years = [2026, 2027, 2028, 2029, 2030, 2035, 2040]
    expected = [round(100 * float(ds["netto_driftsresultat_andel"].sel(year=y)), 1) for y in years]
    assert shown == expected
    assert shown[0] == 6.0  # the base year is Bærum's accounts 2025: 6,03 %
    assert ws.cell(row=row, column=2).number_format == "0.0"
    ndr = find_row(ws, "Netto driftsresultat")
    assert round(ws.cell(row=ndr, column=3).value, 1) == round(float(ds["netto_driftsresultat"].sel(year=2027)) / 1000, 1)


def test_tiltaksmatrise_sheet(workbook_path):
    rows = sheet_values(workbook_path, "Tiltaksmatrise")["Tiltaksmatrise"]
    head = next(r for r in rows if r and r[0] == "Hovedmål")
    body = [r for r in rows if r and r[4] == "Hverdagsrehabilitering"]
    assert len(body) == 2  # linked to delmål BO1.1 and BO3.1
    assert {r[3].split()[0] for r in body} == {"BO1.1", "BO3.1"}
    assert body[0][6] == "fra 2027" and body[0][7] == "forslag"
    drift = head.index("Drift 2028")
    assert body[0][drift] == pytest.approx(7993.68 / 1000, rel=1e-6)
    assert not any(r and isinstance(r[0], str) and "Bærum kommune, kommuneplanens" in r[0] for r in rows)


def test_tiltaksmatrise_for_another_kommune_has_no_goals_by_default(ds, tmp_path):
    other = ds.copy()
    other.attrs = {**ds.attrs, "kommune": "0301", "kommune_name": "Oslo"}
    book = sheet_values(export.write_excel(other, tmp_path / "oslo.xlsx"), "Tiltaksmatrise", "Proveniens")
    rows = book["Tiltaksmatrise"]
    notes = [r[0] for r in rows if r and isinstance(r[0], str) and "målstruktur" in r[0]]
    assert notes and "ingen målstruktur" in notes[0] and "Bærum" not in notes[0]
    assert not any(isinstance(v, str) and v.startswith("HM1 ") for r in rows for v in r)  # no Bærum hovedmål
    found = dict((r[0], r[1]) for r in book["Proveniens"] if r and r[0])
    assert found["Målstruktur"].startswith("ingen")


def test_tiltaksmatrise_with_baerums_goals_for_another_kommune_says_so(ds, tmp_path):
    from planmodel.inputs.goals import load_goals

    other = ds.copy()
    other.attrs = {**ds.attrs, "kommune": "0301", "kommune_name": "Oslo"}
    rows = sheet_values(export.write_excel(other, tmp_path / "oslo.xlsx", goals=load_goals()),
                        "Tiltaksmatrise")["Tiltaksmatrise"]
    notes = [r[0] for r in rows if r and isinstance(r[0], str) and "målstruktur" in r[0]]
    assert notes and "Bærum" in notes[0] and "Oslo (0301)" in notes[0]


def test_proveniens_has_sha256_and_no_timestamp(ds, workbook_path, tmp_path):
    rows = sheet_values(workbook_path, "Proveniens")["Proveniens"]
    found = dict((r[0], r[1]) for r in rows if r[0])
    assert found["SHA-256 av scenariofilen"] == hashlib.sha256(SCENARIO_TEXT.encode("utf-8")).hexdigest()
    assert found["Program"] == "planmodel 0.1.0"
    assert found["Scenariofil"] == "scenarier/a.yaml"
    assert any("Statistisk sentralbyrå (SSB), CC BY 4.0" in str(r[1]) for r in rows)
    stamp = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}")
    assert not any(stamp.search(str(v)) for r in rows for v in r if v is not None)
    again = export.write_excel(ds, tmp_path / "igjen.xlsx", scenario_text=SCENARIO_TEXT,
                               scenario_path="scenarier/a.yaml", scenario=A)
    assert sheet_values(again) == sheet_values(workbook_path)
    assert again.read_bytes() == workbook_path.read_bytes()


# ------------------------------------------------------------------------------------ netCDF

def test_netcdf_round_trip(ds, tmp_path):
    path = export.write_netcdf(ds, tmp_path / "a.nc")
    with xr.open_dataset(path) as back:
        back = back.load()
    assert set(back.data_vars) == set(ds.data_vars)
    for name in ds.data_vars:
        xr.testing.assert_equal(back[name].reset_coords(drop=True), ds[name].reset_coords(drop=True))
    assert back.attrs["accounts_year"] == 2025 and back.attrs["income_rule"] == "med_demografi"
    assert back.attrs["free_income_per_capita_accounts"] == ds.attrs["free_income_per_capita_accounts"]
    assert back.attrs["kommune"] == "3201"
    assert back["plan_year"].dtype == bool


# ------------------------------------------------------------------------------------ scenario dimension

def test_iamc_with_a_scenario_dimension(pair, table):
    both = export.to_iamc(pair)
    assert list(both["scenario"].unique()) == ["a", "b"]
    only_a = both[both["scenario"] == "a"].reset_index(drop=True)
    pd.testing.assert_frame_equal(only_a, table, check_exact=True)  # NaN rows of b's tiltak dropped
    b = both[both["scenario"] == "b"]
    assert "Tiltak|Digitalt tilsyn om natten|Drift" in set(b["variable"])
    assert "Tiltak|Hverdagsrehabilitering|Drift" not in set(b["variable"])
    assert not both.isna().any().any()


def test_excel_and_netcdf_with_a_scenario_dimension(pair, tmp_path):
    path = export.write_excel(pair, tmp_path / "pair.xlsx", scenario={"a": A, "b": B})
    sheets = sheet_values(path, "Økonomiplan a", "Økonomiplan b", "Tiltaksmatrise")
    assert load_workbook(path, read_only=True).sheetnames == [
        "Sammenligning", "Økonomiplan a", "Økonomiplan b", *export.SHEETS[1:]]
    plan_b = sheets["Økonomiplan b"]
    row_index(plan_b, "Scenario: b (b)")
    row_b = row_index(plan_b, export.NDR_PERCENT_LABEL)
    assert plan_b[row_b][5].startswith("=")  # a formula: NDR / driftsinntekter * 100
    plan_b = sheet_values_cached(path, "Økonomiplan b")
    expected = round(100 * float(pair["netto_driftsresultat_andel"].sel(scenario="b", year=2030)), 1)
    assert round(plan_b[row_b][5], 1) == expected
    matrise = sheets["Tiltaksmatrise"]
    b_rows = [r for r in matrise if r[0] == "b" and r[5] == "Digitalt tilsyn om natten"]
    assert b_rows and b_rows[0][7] == "2028–2035" and b_rows[0][8] == "vedtatt"
    pd.testing.assert_frame_equal(export.read_excel_data(path).drop(columns="value"),
                                  export.to_iamc(pair).drop(columns="value"))
    nc = export.write_netcdf(pair, tmp_path / "pair.nc")
    with xr.open_dataset(nc) as back:
        back = back.load()
    for name in pair.data_vars:
        xr.testing.assert_equal(back[name].reset_coords(drop=True), pair[name].reset_coords(drop=True))
    assert back["measure_title"].sel(scenario="a", measure="hverdagsrehabilitering").item() == "Hverdagsrehabilitering"


def test_result_of_compare(tmp_path):
    """compare() fills the cost of a tiltak a scenario did not choose with 0; the export still
    leaves it out of that scenario (measure_title is empty there)."""
    from planmodel.analysis.compare import compare

    cmp = compare([A, B])
    table = export.to_iamc(cmp)
    assert set(table["kommune"]) == {"3201"}
    b = set(table.loc[table["scenario"] == "b", "variable"])
    assert "Tiltak|Digitalt tilsyn om natten|Drift" in b and "Tiltak|Hverdagsrehabilitering|Drift" not in b
    assert not any(v.startswith("diff_") for v in table["variable"])
    rows = sheet_values(export.write_excel(cmp, tmp_path / "cmp.xlsx"), "Tiltaksmatrise")["Tiltaksmatrise"]
    assert {(r[0], r[5]) for r in rows if r and r[0] in ("a", "b") and r[5]} == {
        ("a", "Hverdagsrehabilitering"), ("b", "Digitalt tilsyn om natten")}
