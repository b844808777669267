"""Issue 13 (hardening), Excel: user text in every workbook planmodel writes stays text (never a
live formula), reading is bounded by the cells that hold values (not the used range a file
claims), non-finite numbers are cell errors, and the list of bad cells is capped."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from planmodel.analysis.compare import compare
from planmodel.core.errors import InputError
from planmodel.inputs import excel_import
from planmodel.inputs.excel_import import build_template, import_tiltak, merged_library_yaml, save_library_yaml
from planmodel.inputs.kommunedata import import_kommunedata
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.model.chain import run
from planmodel.present import export
from planmodel.present.kommunedata import write_kommunedata

from tests.test_excel_import import OWN, fill

#: Texts that a spreadsheet would take for formulas if they were written as formulas.
EVIL = ('=HYPERLINK("http://evil.example","klikk")', "+1+2", "-3+4", "@SUM(1,2)")


def _cells(path: Path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                yield ws.title, c


def _assert_text(path: Path, expected: tuple[str, ...]) -> set[str]:
    """Every cell starting like a formula that is not one of the program's own is text, and the
    ``expected`` texts are there as written; returns the sheets that hold live formulas."""
    found, formula_sheets = set(), set()
    for title, c in _cells(path):
        if c.data_type == "f":
            formula_sheets.add(title)
            assert not any(e in str(c.value) for e in EVIL), (title, c.coordinate, c.value)
        if isinstance(c.value, str) and c.value in expected:
            assert c.data_type == "s", (title, c.coordinate, c.value)
            found.add(c.value)
    assert found == set(expected), f"{path.name}: fant ikke {set(expected) - found}"
    return formula_sheets


@pytest.fixture(scope="module")
def evil_library(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("evil")
    imp = import_tiltak(fill(tmp))
    yaml = merged_library_yaml(imp)
    yaml["measures"]["kveldsteam"]["title"] = EVIL[0]
    return str(save_library_yaml(yaml, tmp / "bibliotek.yaml"))


def test_titles_that_look_like_formulas_stay_text_in_the_result_workbook(evil_library, tmp_path):
    s = PlanScenario(id="ond", title=EVIL[1], library=evil_library,
                     measures=(MeasureChoice("kveldsteam", 2028), MeasureChoice("hverdagsrehabilitering", 2027)))
    out = export.write_excel(run(s), tmp_path / "ond.xlsx", scenario=s)
    sheets = _assert_text(out, (EVIL[0],))
    assert "Økonomiplan" in sheets  # the program's own sums are still formulas
    wb = load_workbook(out)
    prov = [c.value for row in wb["Proveniens"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(EVIL[1] in v for v in prov)


def test_titles_that_look_like_formulas_stay_text_in_comparison_workbooks(evil_library, tmp_path):
    a = PlanScenario(id="a", title=EVIL[2], library=evil_library, measures=(MeasureChoice("kveldsteam", 2028),))
    b = PlanScenario(id="b", title=EVIL[3], library=evil_library)
    out = export.write_excel(compare([a, b]), tmp_path / "sml.xlsx", scenario={"a": a, "b": b})
    sheets = _assert_text(out, (EVIL[0],))
    assert "Sammenligning" in sheets  # the differences are formulas of the program
    texts = [c.value for _, c in _cells(out) if isinstance(c.value, str)]
    assert any(EVIL[2] in v for v in texts) and any(EVIL[3] in v for v in texts)


def test_formula_text_stays_text_in_the_kommunedata_workbook_and_the_tiltak_template(evil_library, tmp_path):
    s = PlanScenario(id="egen", title=EVIL[0], kommune="1151")
    book = write_kommunedata("1151", tmp_path / "utsira.xlsx", scenario=s)
    assert not _assert_text(book, (EVIL[0],))  # no formulas at all
    assert import_kommunedata(book).scenario["title"] == EVIL[0]  # and it goes round as the same text

    wb = build_template(library=evil_library)
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    out = export.save_workbook(wb, tmp_path / "mal.xlsx")
    assert not _assert_text(out, (EVIL[0],))


def test_save_workbook_keeps_only_the_programs_own_formulas(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 1.0, 2.0, "=SUM(A1:A2)"
    ws["B1"] = "=A1*1000"  # text from a user, not meant as a formula
    out = export.save_workbook(wb, tmp_path / "f.xlsx", cached={ws.title: {"A3": 3.0}})
    back = load_workbook(out)[ws.title]
    assert back["A3"].data_type == "f" and back["A3"].value == "=SUM(A1:A2)"
    assert back["B1"].data_type == "s" and back["B1"].value == "=A1*1000"
    assert load_workbook(out, data_only=True)[ws.title]["A3"].value == 3.0


# ---------------------------------------------------------------------------- reading Excel

def claim_huge(src: Path, dst: Path) -> Path:
    """A copy of a workbook whose every sheet claims the used range A1:XFD1048576 (stale
    ``<dimension>``) and has a styled empty cell in the last row, as files from some tools do."""
    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    for n, d in files.items():
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n):
            d = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', d)
            files[n] = d.replace(b"</sheetData>", b'<row r="1048576"><c r="T1048576" s="0"/></row></sheetData>')
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
    return dst


def test_a_workbook_claiming_a_million_rows_is_read_quickly(tmp_path):
    huge = claim_huge(fill(tmp_path), tmp_path / "stor.xlsx")
    assert load_workbook(huge)["Tiltak"].max_row == 1_048_576
    t = time.perf_counter()
    imp = import_tiltak(huge)
    assert time.perf_counter() - t < 10  # walking the claimed range took minutes
    assert [c.id for c in imp.choices] == ["hverdagsrehabilitering", "kveldsteam"]


def _filled_kommunedata(tmp_path) -> int:
    """Utsira's kommunedata workbook with an own netto lånegjeld, saved as fylt.xlsx; its row."""
    book = write_kommunedata("1151", tmp_path / "utsira.xlsx")
    wb = load_workbook(book)
    ws = wb["Regnskap"]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=1).value == "net_debt")
    ws.cell(row=row, column=5, value=12345)
    wb.save(tmp_path / "fylt.xlsx")
    return row


def test_a_kommunedata_workbook_claiming_a_million_rows_is_read_quickly(tmp_path):
    _filled_kommunedata(tmp_path)
    huge = claim_huge(tmp_path / "fylt.xlsx", tmp_path / "stor.xlsx")
    t = time.perf_counter()
    data = import_kommunedata(huge)
    assert time.perf_counter() - t < 10
    assert data.scenario["accounts"]["net_debt"] == 12345


def test_rows_far_down_are_still_read(tmp_path):
    """Bounded by the rows holding values, not by a fixed number of rows."""
    path = fill(tmp_path)
    wb = load_workbook(path)
    ws = wb["Nye tiltak"]
    for j, c in enumerate(ws[2], start=1):
        ws.cell(row=5000, column=j, value=c.value)
    wb.save(path)
    with pytest.raises(InputError) as exc:
        import_tiltak(path)
    assert any(line.startswith("Nye tiltak!A5000") for line in exc.value.cells)


def _with_value(path: Path, cell: str, xml_value: str, sheet: str = "Nye tiltak") -> Path:
    """``path`` with the number in ``cell`` of ``sheet`` replaced by ``xml_value`` as stored."""
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
        sheets = re.findall(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="(rId\d+)"', files["xl/workbook.xml"])
    rid = dict((n.decode(), r.decode()) for n, r in sheets)[sheet]
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"'.encode(),
                       files["xl/_rels/workbook.xml.rels"])
    name = "xl/" + (target.group(1) or target.group(2)).decode().lstrip("/").removeprefix("xl/")
    files[name], n = re.subn(rf'(<c r="{cell}"[^>]*><v>)[^<]*(</v>)'.encode(),
                             rb"\g<1>" + xml_value.encode() + rb"\g<2>", files[name])
    assert n == 1
    with zipfile.ZipFile(path, "w") as z:
        for k, d in files.items():
            z.writestr(k, d)
    return path


@pytest.mark.parametrize("stored", ["1e999", "-1E999"])
def test_an_infinite_number_in_a_cell_is_a_cell_error(tmp_path, stored):
    col = excel_import.OWN_COLUMNS.index("investering år 0")
    cell = f"{chr(ord('A') + col)}2"
    path = _with_value(fill(tmp_path), cell, stored)
    with pytest.raises(InputError) as exc:
        import_tiltak(path)
    assert [line.split(":")[0] for line in exc.value.cells] == [f"Nye tiltak!{cell}"]


@pytest.mark.parametrize("text", ["1e999", "NaN", "inf"])
def test_non_finite_text_is_not_a_number(tmp_path, text):
    with pytest.raises(InputError) as exc:
        import_tiltak(fill(tmp_path, own=({**OWN, "drift år 0": text},)))
    assert len(exc.value.cells) == 1 and "er ikke" in exc.value.cells[0]


def test_the_list_of_bad_cells_is_capped(tmp_path):
    rows = [{**OWN, "id": f"t{i}", "tittel": f"T {i}", "start": "snart"} for i in range(80)]
    with pytest.raises(InputError) as exc:
        import_tiltak(fill(tmp_path, own=rows))
    n = len(exc.value.cells)
    assert n >= 80
    message = str(exc.value)
    assert f"{n} celler må rettes" in message
    assert message.count("Nye tiltak!") == excel_import.MAX_LISTED_CELLS
    assert message.rstrip().endswith(f"… og {n - excel_import.MAX_LISTED_CELLS} til")


@pytest.mark.parametrize("stored", ["NaN", "inf", "-Infinity"])
def test_a_stored_value_that_is_no_number_names_its_cell(tmp_path, stored):
    """openpyxl refuses the whole workbook for one such cell; the message names the cell."""
    col = excel_import.OWN_COLUMNS.index("drift år 0")
    cell = f"{chr(ord('A') + col)}2"
    path = _with_value(fill(tmp_path), cell, stored)
    with pytest.raises(InputError) as exc:
        import_tiltak(path)
    assert exc.value.cells == [f"Nye tiltak!{cell}: {stored!r} er ikke et tall"]
    assert "\n" not in str(exc.value).split(":", 1)[0]


def test_a_stored_nan_in_the_kommunedata_workbook_names_its_cell(tmp_path):
    row = _filled_kommunedata(tmp_path)
    path = _with_value(tmp_path / "fylt.xlsx", f"E{row}", "NaN", sheet="Regnskap")
    with pytest.raises(InputError) as exc:
        import_kommunedata(path)
    assert exc.value.cells == [f"Regnskap!E{row}: 'NaN' er ikke et tall"]


def test_a_broken_workbook_is_one_line_of_bokmal(tmp_path):
    path = tmp_path / "ødelagt.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<ikke xml")
    with pytest.raises(InputError) as exc:
        import_tiltak(path)
    assert "\n" not in str(exc.value) and "kan ikke leses som Excel-fil" in str(exc.value)
