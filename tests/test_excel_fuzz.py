"""Hypothesis fuzz of the two Excel readers (issue 13, item 7): the tiltak template and the
kommunedata workbook. Arbitrary values in arbitrary cells of the sheets a user fills either load or
raise the project's InputError, never anything else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from planmodel.core.errors import InputError
from planmodel.inputs.excel_import import import_tiltak, template_path
from planmodel.inputs.kommunedata import SHEETS, import_kommunedata
from planmodel.present.kommunedata import write_kommunedata

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["=1+1", "-5", "1 500,5", "−0,05", "5 %", "2027.5", "vedtatt", "kanskje",
                                            "hverdagsrehabilitering", "HG1.1", "faste 2025-priser", "0301"]))
CELLS = st.lists(st.tuples(st.integers(1, 60), st.integers(1, 14), VALUES), min_size=1, max_size=12)


def _fill(src: Path, dst: Path, sheet: str, cells) -> bool:
    wb = load_workbook(src)
    ws = wb[sheet]
    try:
        for r, c, v in cells:
            ws.cell(row=r, column=c, value=v)
        wb.save(dst)
    except (IllegalCharacterError, ValueError, TypeError):  # openpyxl cannot store it: nothing to test
        return False
    return True


@pytest.fixture(scope="module")
def kommunedata_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "k.xlsx"
    write_kommunedata("1151", path)
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=st.sampled_from(["Tiltak", "Nye tiltak"]), cells=CELLS)
def test_the_tiltak_template_loads_or_gives_an_input_error(tmp_path, sheet, cells):
    src = tmp_path / "mal.xlsx"
    shutil.copyfile(template_path(), src)
    dst = tmp_path / "fylt.xlsx"
    if not _fill(src, dst, sheet, cells):
        return
    try:
        import_tiltak(dst)
    except InputError as exc:
        assert "\n" not in str(exc).split(":", 1)[0]  # the file comes first, on the first line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=st.sampled_from([k for k in SHEETS if k != "readme"]), cells=CELLS)
def test_the_kommunedata_workbook_loads_or_gives_an_input_error(kommunedata_book, tmp_path, sheet, cells):
    dst = tmp_path / "fylt.xlsx"
    if not _fill(kommunedata_book, dst, SHEETS[sheet], cells):
        return
    try:
        import_kommunedata(dst)
    except InputError:
        pass
