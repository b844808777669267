"""Excel out as an economist expects (issue 12, item 3): the base-year column, sums as formulas,
gevinst beside cost in the tiltaksmatrise, fixed or løpende priser, and comparison workbooks
(also of scenarios for different kommuner) from ``planmodel compare --out x.xlsx``.

Hand-checked numbers: Bærum's accounts 2025 (KOSTRA; ``kommune_accounts("3201")``) are the base
year 2026: frie inntekter 11 193 777,985, netto driftsresultat 905 964 and brutto
driftsinntekter 15 036 185 (NOK 1000), so NDR = 6,025 % of driftsinntektene. The run's deflator
is 3,5 % (``inputs/economy``): løpende priser in 2026 are 2025-kroner × 1,035, in 2030 × 1,035^5.
Formulas are checked twice: their text is evaluated here from the cells they refer to (a small
evaluator for SUM, MAX, + − * /), and their cached result (what pandas and previews show) must
equal the model's own total.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from openpyxl import load_workbook

from planmodel import cli
from planmodel.analysis.compare import compare
from planmodel.analysis.samordning import samordning, with_measure_gains
from planmodel.core.errors import InputError
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.model.chain import run
from planmodel.present import export

ROOT = Path(__file__).resolve().parents[1]
A = PlanScenario(id="a", title="Alternativ A", measures=(MeasureChoice("hverdagsrehabilitering", 2027),
                                                         MeasureChoice("digitalt_tilsyn", 2028)))
YEARS = [2026, 2027, 2028, 2029, 2030, 2035, 2040]  # base year, plan period, long view
DEFLATOR = 0.035


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    return with_measure_gains(run(A), A)


@pytest.fixture(scope="module")
def book(ds, tmp_path_factory) -> Path:
    return export.write_excel(ds, tmp_path_factory.mktemp("xl") / "a.xlsx", scenario=A)


@pytest.fixture(scope="module")
def book_nominal(ds, tmp_path_factory) -> Path:
    return export.write_excel(ds, tmp_path_factory.mktemp("xl") / "a_lopende.xlsx", scenario=A, priser="lopende")


def find_row(ws, label: str, column: int = 1, start: int = 1) -> int:
    for r in range(start, ws.max_row + 1):
        if ws.cell(row=r, column=column).value == label:
            return r
    raise AssertionError(f"raden {label!r} finnes ikke i {ws.title}")


_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


def evaluate(ws, ref: str) -> float:
    """The value of a cell, computing formulas from the cells they refer to."""
    v = ws[ref].value
    if not (isinstance(v, str) and v.startswith("=")):
        return 0.0 if v is None else float(v)
    expr = v[1:]

    def col_range(m):
        (c1, r1), (c2, r2) = _REF.fullmatch(m.group(1)).groups(), _REF.fullmatch(m.group(2)).groups()
        assert c1 == c2, "only one-column ranges are used"
        return "(" + "+".join(f"{c1}{r}" for r in range(int(r1), int(r2) + 1)) + ")"

    expr = re.sub(r"SUM\(([A-Z]+[0-9]+):([A-Z]+[0-9]+)\)", col_range, expr)
    expr = expr.replace("MAX(", "max(")
    expr = _REF.sub(lambda m: repr(evaluate(ws, f"{m.group(1)}{m.group(2)}")), expr)
    assert re.fullmatch(r"[0-9eE.+\-*/(),max ]+", expr), expr
    return float(eval(expr))  # noqa: S307 - numbers and operators only (checked above)


def cell_pair(path: Path, sheet: str, row: int, col: int):
    """(the cell as written, its cached value as a non-calculating reader sees it)."""
    written = load_workbook(path)[sheet].cell(row=row, column=col).value
    cached = load_workbook(path, data_only=True)[sheet].cell(row=row, column=col).value
    return written, cached


# ------------------------------------------------------------------------------ base year

def test_okonomiplan_has_the_base_year_column_with_the_accounts(book):
    ws = load_workbook(book, data_only=True)["Økonomiplan"]
    head = find_row(ws, "Mill. kr")
    assert [ws.cell(row=head, column=j).value for j in range(2, 9)] == ["2026 (basisår)"] + YEARS[1:]
    assert any("Basisåret 2026 er kommunens eget regnskap 2025" in str(ws.cell(row=r, column=1).value)
               for r in range(1, head))
    col = 2  # the base year: Bærum's KOSTRA accounts 2025 (NOK 1000 -> mill. kr)
    assert ws.cell(row=find_row(ws, "Frie inntekter (skatt og rammetilskudd)"), column=col).value == pytest.approx(11193.777985)
    assert ws.cell(row=find_row(ws, "Netto driftsresultat"), column=col).value == pytest.approx(905.964)
    assert ws.cell(row=find_row(ws, "Driftsinntekter i alt (beregnet)"), column=col).value == pytest.approx(15036.185)
    assert ws.cell(row=find_row(ws, export.NDR_PERCENT_LABEL), column=col).value == pytest.approx(
        100 * 905964 / 15036185, abs=1e-9)
    assert ws.cell(row=find_row(ws, "Skatt på inntekt og formue"), column=col).value == pytest.approx(8666.259985)


# ------------------------------------------------------------------------------ formulas

FORMULA_LINES = [
    # label, formula pattern (column letter C = 2027), model variable
    ("Frie inntekter (skatt og rammetilskudd)", r"=SUM\(C(\d+):C(\d+)\)", "frie_inntekter"),
    ("Sum netto driftsutgifter", r"=SUM\(C(\d+):C(\d+)\)", None),
    ("Brutto driftsresultat", r"=C(\d+)-C(\d+)", "brutto_driftsresultat"),
    ("Netto driftsresultat", r"=C(\d+)-C(\d+)-C(\d+)", "netto_driftsresultat"),
    ("Inndekningsbehov (avstand til målet)", r"=MAX\(0,C(\d+)-C(\d+)\)", "inndekningsbehov"),
]


@pytest.mark.parametrize("label, pattern, var", FORMULA_LINES)
def test_sums_are_formulas_that_give_the_model_total(ds, book, label, pattern, var):
    ws = load_workbook(book)["Økonomiplan"]
    cached = load_workbook(book, data_only=True)["Økonomiplan"]
    row = find_row(ws, label)
    total = ds["netto_driftsutgifter_sektorer"] + ds["ovrige_netto_driftsutgifter"] if var is None else ds[var]
    for j, y in enumerate(YEARS, start=2):
        cell = ws.cell(row=row, column=j)
        expected = float(total.sel(year=y)) / 1000
        assert cell.number_format == "#,##0.0"
        assert cached.cell(row=row, column=j).value == pytest.approx(expected, rel=1e-12, abs=1e-9)
        assert evaluate(ws, cell.coordinate) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert re.fullmatch(pattern, ws.cell(row=row, column=3).value)


def test_formula_ranges_are_the_lines_above(book):
    ws = load_workbook(book)["Økonomiplan"]
    fi = find_row(ws, "Frie inntekter (skatt og rammetilskudd)")
    first, last = map(int, re.fullmatch(r"=SUM\(B(\d+):B(\d+)\)", ws.cell(row=fi, column=2).value).groups())
    assert [ws.cell(row=r, column=1).value for r in range(first, last + 1)] == [
        "Skatt på inntekt og formue", "Netto inntektsutjevning", "Innbyggertilskudd (likt beløp per innbygger)",
        "Utgiftsutjevning", "Andre deler av rammetilskuddet"]
    total = find_row(ws, "Sum netto driftsutgifter")
    first, last = map(int, re.fullmatch(r"=SUM\(B(\d+):B(\d+)\)", ws.cell(row=total, column=2).value).groups())
    assert [ws.cell(row=r, column=1).value for r in range(first, last + 1)] == [
        "Barn og unge", "Helse og omsorg", "Sosial", "Miljø, idrett og kultur", "Administrasjon",
        "Øvrige netto driftsutgifter"]
    brutto = find_row(ws, "Brutto driftsresultat")
    assert ws.cell(row=brutto, column=4).value == f"=D{fi}-D{total}"
    # lines that are not identities stay numbers
    for label in ("Netto renteutgifter", "Avdrag", "Investeringer", "Lånegjeld ved utgangen av året", "Handlingsrom "
                  "(frie inntekter som ikke er bundet)"):
        assert isinstance(ws.cell(row=find_row(ws, label), column=3).value, float), label


def test_no_formula_where_the_identity_does_not_hold(ds, tmp_path):
    """A rolled plan can shift the frie inntekter by an adjustment: then they are not the sum of
    their parts, and the sheet keeps the number."""
    shifted = ds.copy()
    shifted["frie_inntekter"] = ds["frie_inntekter"] + 1000.0
    ws = load_workbook(export.write_excel(shifted, tmp_path / "s.xlsx"))["Økonomiplan"]
    cell = ws.cell(row=find_row(ws, "Frie inntekter (skatt og rammetilskudd)"), column=3)
    assert cell.value == pytest.approx(float(shifted["frie_inntekter"].sel(year=2027)) / 1000)
    # brutto driftsresultat no longer equals frie inntekter minus netto driftsutgifter either
    assert isinstance(ws.cell(row=find_row(ws, "Brutto driftsresultat"), column=3).value, float)
    assert ws.cell(row=find_row(ws, "Netto driftsresultat"), column=3).value.startswith("=")


# ------------------------------------------------------------------------------ tiltaksmatrise

def test_tiltaksmatrise_has_gevinst_beside_cost(ds, book):
    ws = load_workbook(book)["Tiltaksmatrise"]
    head = find_row(ws, "Hovedmål")
    cols = {ws.cell(row=head, column=j).value: j for j in range(1, ws.max_column + 1)}
    assert list(cols)[8:] == [f"{k} {y}" for k in ("Drift", "Investering", "Gevinst") for y in YEARS[1:]]
    sums = find_row(ws, "Sum per tiltak (hvert tiltak telt én gang)")
    row = find_row(ws, "Hverdagsrehabilitering", start=sums)
    assert ws.cell(row=row, column=cols["Drift 2028"]).value == pytest.approx(7.99368)  # 7 993,68 NOK 1000
    sam = samordning(A)  # the attribution the gains come from: the tiltak alone against none
    gain = -float(sam["effekt"].sel(measure="hverdagsrehabilitering", year=2030).sum()) / 1000
    assert ws.cell(row=row, column=cols["Gevinst 2030"]).value == pytest.approx(gain, rel=1e-12)
    assert gain > 0  # a saving
    # Sum: a formula over the tiltak rows, equal to the model's totals
    total = find_row(ws, "Sum", start=sums)
    cached = load_workbook(book, data_only=True)["Tiltaksmatrise"]
    for key, var in (("Drift 2030", "tiltak_drift"), ("Investering 2027", "tiltak_investering"),
                     ("Gevinst 2030", "tiltak_gevinst")):
        y = int(key.split()[-1])
        cell = ws.cell(row=total, column=cols[key])
        assert re.fullmatch(rf"=SUM\({cell.column_letter}{sums + 1}:{cell.column_letter}{total - 1}\)", cell.value)
        expected = float(ds[var].sel(year=y).sum()) / 1000
        assert cached.cell(row=total, column=cols[key]).value == pytest.approx(expected, rel=1e-12)
        assert evaluate(ws, cell.coordinate) == pytest.approx(expected, rel=1e-12)
    # the run's own total effect (both tiltak together, with capacity) is read from the run
    together = find_row(ws, "Gevinst i kjøringen (alle tiltakene sammen)", start=sums)
    assert ws.cell(row=together, column=cols["Gevinst 2030"]).value == pytest.approx(
        -float(ds["sektor_tiltak_effekt"].sel(year=2030).sum()) / 1000, rel=1e-12)
    assert ws.cell(row=together, column=cols["Drift 2030"]).value is None


def test_tiltaksmatrise_without_gains_says_so(tmp_path):
    ws = load_workbook(export.write_excel(run(A), tmp_path / "x.xlsx"))["Tiltaksmatrise"]
    head = find_row(ws, "Hovedmål")
    assert not any(str(ws.cell(row=head, column=j).value).startswith("Gevinst") for j in range(1, ws.max_column + 1))
    assert any("Gevinst per tiltak er ikke beregnet" in str(ws.cell(row=r, column=1).value) for r in range(1, ws.max_row + 1))


def test_gains_in_the_long_table(ds):
    table = export.to_iamc(ds)
    rows = table[table["variable"] == "Tiltak|Hverdagsrehabilitering|Gevinst"].set_index("year")["value"]
    np.testing.assert_array_equal(rows.values, ds["tiltak_gevinst"].sel(measure="hverdagsrehabilitering").values)


# ------------------------------------------------------------------------------ prices

def test_lopende_priser_in_excel(ds, book, book_nominal):
    ws = load_workbook(book_nominal, data_only=True)["Økonomiplan"]
    fixed = load_workbook(book, data_only=True)["Økonomiplan"]
    header = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, 4))
    assert "løpende priser: 2025-kroner × (1 + 3,5\u00a0%)^(år − 2025)" in header
    assert "Kommunal deflator" in header  # the source of the deflator
    row = find_row(ws, "Frie inntekter (skatt og rammetilskudd)")
    assert ws.cell(row=row, column=2).value == pytest.approx(11193.777985 * 1.035, rel=1e-12)  # 2026
    assert ws.cell(row=row, column=6).value == pytest.approx(  # 2030
        float(ds["frie_inntekter"].sel(year=2030)) / 1000 * (1 + DEFLATOR) ** 5, rel=1e-12)
    renter = find_row(ws, "Netto renteutgifter")
    assert ws.cell(row=renter, column=8).value == pytest.approx(  # 2040
        fixed.cell(row=renter, column=8).value * 1.035 ** 15, rel=1e-12)
    pct = find_row(ws, export.NDR_PERCENT_LABEL)  # a share: the same in any prices
    assert ws.cell(row=pct, column=4).value == pytest.approx(fixed.cell(row=pct, column=4).value, rel=1e-12)
    for sheet in ("Tiltaksmatrise", "Tjenester"):
        assert "løpende priser" in str(load_workbook(book_nominal)[sheet]["A2"].value)
    prov = {r[0]: r[1] for r in load_workbook(book_nominal)["Proveniens"].iter_rows(values_only=True) if r[0]}
    assert prov["Priser"].startswith("Løpende priser: 2025-kroner × (1 + 3,5")
    assert "NOK 1000 (løpende priser)" in prov["Pengeenhet"]


def test_lopende_priser_in_csv(ds, tmp_path):
    fixed = export.read_csv(export.write_csv(ds, tmp_path / "f.csv"))
    nominal = export.read_csv(export.write_csv(ds, tmp_path / "n.csv", priser="lopende"))
    assert fixed[["variable", "year"]].equals(nominal[["variable", "year"]])
    money = fixed["unit"] == "NOK 1000 (2025-priser)"
    assert set(nominal.loc[money, "unit"]) == {"NOK 1000 (løpende priser)"}
    factor = (1 + DEFLATOR) ** (fixed["year"] - 2025)
    np.testing.assert_allclose(nominal.loc[money, "value"], fixed.loc[money, "value"] * factor[money], rtol=1e-12)
    np.testing.assert_array_equal(nominal.loc[~money, "value"], fixed.loc[~money, "value"])
    frie = nominal[(nominal["variable"] == "Frie inntekter") & (nominal["year"] == 2026)]["value"].item()
    assert frie == pytest.approx(11193777.985 * 1.035, rel=1e-12)


def test_deflator_is_read_from_the_run(ds):
    value, status, source = export.deflator_of(ds)
    assert value == DEFLATOR and status == "anslag" and "deflator" in source
    with pytest.raises(InputError, match="ukjent valg; bruk fast, lopende, budsjettaar"):
        export.in_prices(ds, "nominell")


# ------------------------------------------------------------------------------ comparison workbooks

@pytest.fixture(scope="module")
def utsira_file(tmp_path_factory) -> Path:
    """A temporary Utsira scenario: Bærum's basis file with another kommune."""
    text = (ROOT / "scenarios" / "baerum_basis.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", "id: utsira_basis", text)
    text = re.sub(r"(?m)^title: .*$", "title: Utsira – basisalternativ", text)
    text = re.sub(r'(?m)^kommune: .*$', 'kommune: "1151"', text)
    path = tmp_path_factory.mktemp("scen") / "utsira_basis.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def compared(utsira_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "cmp.xlsx"
    code = cli.main(["compare", str(ROOT / "scenarios" / "baerum_krisepakke.yaml"), str(utsira_file), "--out", str(out)])
    assert code == 0
    return out


def test_compare_writes_a_workbook_for_two_kommuner(compared):
    wb = load_workbook(compared)
    assert wb.sheetnames == ["Sammenligning", "Økonomiplan baerum_krisepakke", "Økonomiplan utsira_basis",
                             *export.SHEETS[1:]]
    assert wb["Økonomiplan baerum_krisepakke"]["A1"].value == "Økonomiplan 2027–2030 – Bærum"
    assert wb["Økonomiplan utsira_basis"]["A1"].value == "Økonomiplan 2027–2030 – Utsira"
    for name in ("Sammenligning", "Tjenester", "Befolkning"):
        title = wb[name]["A1"].value
        assert "Bærum (baerum_krisepakke)" in title and "Utsira (utsira_basis)" in title, name
    kommune = [r[1] for r in wb["Proveniens"].iter_rows(values_only=True) if r[0] == "Kommune"]
    assert kommune == ["3201 Bærum", "1151 Utsira"]
    # Utsira's own accounts in its base year: frie inntekter 47 770,495, NDR 1 102 (NOK 1000)
    ws = load_workbook(compared, data_only=True)["Økonomiplan utsira_basis"]
    assert ws.cell(row=find_row(ws, "Frie inntekter (skatt og rammetilskudd)"), column=2).value == pytest.approx(47.770495)
    assert ws.cell(row=find_row(ws, "Netto driftsresultat"), column=2).value == pytest.approx(1.102)
    data = export.read_excel_data(compared)
    assert data.groupby("scenario")["kommune"].unique().map(list).to_dict() == {
        "baerum_krisepakke": ["3201"], "utsira_basis": ["1151"]}


def test_comparison_sheet_has_differences_as_formulas(compared):
    ws = load_workbook(compared)["Sammenligning"]
    cached = load_workbook(compared, data_only=True)["Sammenligning"]
    head = find_row(ws, "Linje")
    assert [ws.cell(row=head, column=j).value for j in range(1, 7)] == [
        "Linje", "Enhet", "År", "Bærum – krisepakke for personell og økonomi (Bærum)",
        "Utsira – basisalternativ (Utsira)",
        "Forskjell: Utsira – basisalternativ − Bærum – krisepakke for personell og økonomi"]
    row = next(r for r in range(head + 1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "Netto driftsresultat"
               and ws.cell(row=r, column=3).value == "2026 (basisår)")
    assert ws.cell(row=row, column=4).value == pytest.approx(905.964)  # Bærum's accounts
    assert ws.cell(row=row, column=5).value == pytest.approx(1.102)  # Utsira's accounts
    assert ws.cell(row=row, column=6).value == f"=E{row}-D{row}"
    assert cached.cell(row=row, column=6).value == pytest.approx(1.102 - 905.964)
    assert evaluate(ws, f"F{row}") == pytest.approx(1.102 - 905.964)
    assert ws.cell(row=row, column=4).number_format == "#,##0.0"


def test_compare_lopende_csv_and_bad_suffix(utsira_file, tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    base = str(ROOT / "scenarios" / "baerum_basis.yaml")
    assert cli.main(["compare", base, str(utsira_file), "--out", str(out), "--priser", "lopende"]) == 0
    table = export.read_csv(out)
    assert set(table["kommune"]) == {"3201", "1151"}
    frie = table[(table["variable"] == "Frie inntekter") & (table["year"] == 2026)].set_index("scenario")["value"]
    assert frie["utsira_basis"] == pytest.approx(47770.495 * 1.035, rel=1e-12)
    assert "NOK 1000 (løpende priser)" in set(table["unit"])
    capsys.readouterr()
    assert cli.main(["compare", base, str(utsira_file), "--out", str(tmp_path / "x.nc")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"planmodel compare: --out: {tmp_path / 'x.nc'}: ukjent filtype .nc; bruk .xlsx, .csv"


def test_run_lopende_and_netcdf_refuses_it(tmp_path, capsys):
    path = str(ROOT / "scenarios" / "baerum_basis.yaml")
    assert cli.main(["run", path, "--out", str(tmp_path / "r.nc"), "--priser", "lopende"]) == 2
    err = capsys.readouterr().err
    assert "netCDF-filen har alltid faste priser" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert cli.main(["run", path, "--priser", "lopende"]) == 0
    assert "løpende priser: 2025-kroner" in capsys.readouterr().out
    assert cli.main(["run", path, "--out", str(tmp_path / "r.xlsx"), "--priser", "lopende"]) == 0
    wb = load_workbook(tmp_path / "r.xlsx")
    assert "løpende priser" in wb["Økonomiplan"]["A2"].value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]  # atomic: no temporary file left


def test_compare_result_has_resolved_kommune_codes(utsira_file):
    cmp = compare([str(ROOT / "scenarios" / "baerum_basis.yaml"), str(utsira_file)], measure_gains=True)
    assert list(cmp["scenario_kommune"].values) == ["3201", "1151"]
    assert list(cmp["scenario_kommune_name"].values) == ["Bærum", "Utsira"]
    assert "tiltak_gevinst" in cmp
    assert export.kommune_names(cmp) == {"baerum_basis": "Bærum", "utsira_basis": "Utsira"}


def test_comparison_of_different_horizons_keeps_the_plan_period(tmp_path):
    """A scenario with horizon 2035 has no values after 2035 in a comparison (NaN): those years
    are not plan years, and the sheets show 2026, 2027–2030 and 2035/2040 only."""
    short = PlanScenario(id="kort", title="Kort horisont", horizon=2035)
    cmp = compare([A, short])
    assert cmp.plan.years == [2027, 2028, 2029, 2030]
    wb = load_workbook(export.write_excel(cmp, tmp_path / "h.xlsx"), data_only=True)
    ws = wb["Økonomiplan kort"]
    head = find_row(ws, "Mill. kr")
    assert [ws.cell(row=head, column=j).value for j in range(2, 10)] == ["2026 (basisår)"] + YEARS[1:] + [None]
    cmp_ws = wb["Sammenligning"]
    row = next(r for r in range(1, cmp_ws.max_row + 1) if cmp_ws.cell(row=r, column=1).value == "Frie inntekter"
               and cmp_ws.cell(row=r, column=3).value == 2040)
    assert cmp_ws.cell(row=row, column=5).value is None and cmp_ws.cell(row=row, column=6).value is None


def test_budget_year_prices_scale_every_year_by_the_deflator_to_the_first_plan_year(tmp_path):
    from planmodel import cli
    from planmodel.inputs.scenario import PlanScenario
    from planmodel.model.chain import run
    from planmodel.present.export import PRICES, in_prices, price_text

    assert cli.PRICES == PRICES
    ds = run(PlanScenario(kommune="1151"))
    by = in_prices(ds, "budsjettaar")
    factor = 1.035 ** (2027 - 2025)
    for y in (2026, 2027, 2035):
        assert float(by["frie_inntekter"].sel(year=y)) == pytest.approx(float(ds["frie_inntekter"].sel(year=y)) * factor)
    assert float(by["netto_driftsresultat_andel"].sel(year=2030)) == float(ds["netto_driftsresultat_andel"].sel(year=2030))
    assert by["frie_inntekter"].attrs["units"] == "NOK 1000, faste 2027-priser"
    assert price_text(by).startswith("faste 2027-priser (budsjettåret): 2025-kroner × (1 + 3,5\u00a0%)^2")
    assert in_prices(by, "lopende") is by  # a converted result is not converted again
