"""Issue 13: every file planmodel writes is written atomically: a write that fails midway leaves the
old file as it was and no temporary file, and a new file gets the usual permissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from planmodel.inputs.excel_import import build_template, save_library_yaml
from planmodel.inputs.scenario import PlanScenario
from planmodel.model.chain import run
from planmodel.present import export
from planmodel.present.kommunedata import write_kommunedata

@pytest.fixture(scope="module")
def utsira():
    s = PlanScenario(id="utsira", title="Utsira", kommune="1151")
    return s, run(s)


def _writers(utsira):
    import pandas as pd

    from planmodel.cli import main
    from planmodel.inputs.goals import write_goals_template
    from planmodel.inputs.kommunedata import KommuneData, write_scenario
    from planmodel.present.country import write_table
    from planmodel.present.report import write_report

    s, ds = utsira
    schema = lambda p: main(["schema", "--out", str(p)])  # noqa: E731
    return {
        "csv": ("ut.csv", lambda p: export.write_csv(ds, p)),
        "netcdf": ("ut.nc", lambda p: export.write_netcdf(ds, p)),
        "excel": ("ut.xlsx", lambda p: export.write_excel(ds, p, scenario=s)),
        "rapport": ("rapport.html", lambda p: write_report(s, p)),
        "skjema": ("skjema.json", schema),
        "kommunedata": ("utsira.xlsx", lambda p: write_kommunedata("1151", p)),
        "tiltaksmal": ("mal.xlsx", lambda p: export.save_workbook(build_template(), p)),
        "bibliotek": ("bibliotek.yaml", lambda p: save_library_yaml({"schema_version": 1, "measures": {}}, p)),
        "landet": ("landet.csv", lambda p: write_table(pd.DataFrame({"a": [1.5]}), p)),
        "scenario": ("s.yaml", lambda p: write_scenario(KommuneData({"kommune": "1151", "title": "x"}, None, "b.xlsx"), p)),
        "målstruktur": ("mal.yaml", lambda p: write_goals_template(p, "1151", "Utsira")),
    }


WRITERS = ["csv", "netcdf", "excel", "rapport", "skjema", "kommunedata", "tiltaksmal", "bibliotek", "landet",
           "scenario", "målstruktur"]


@pytest.mark.parametrize("what", WRITERS)
def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(what, utsira, tmp_path, monkeypatch, capsys):
    name, write = _writers(utsira)[what]
    target = tmp_path / name
    fresh = what == "målstruktur"  # it never overwrites a file
    if not fresh:
        target.write_bytes(b"den gamle filen\n")
    before = sorted(p.name for p in tmp_path.iterdir())

    def disk_full(fd):
        raise OSError(28, "Ingen plass igjen på enheten")

    monkeypatch.setattr("os.fsync", disk_full)  # the last step before the rename fails
    from planmodel.core.errors import InputError

    if what == "skjema":  # through the command line: one line on stderr and exit code 2
        assert write(target) == 2 and "disken er full" in capsys.readouterr().err
    else:
        with pytest.raises(InputError, match="disken er full"):  # one line for the user, not an OSError
            write(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if not fresh:
        assert target.read_bytes() == b"den gamle filen\n"
    monkeypatch.undo()
    write(target)  # and without the failure the file is written, readable as a normal file
    assert target.stat().st_size > 0 and target.read_bytes() != b"den gamle filen\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_netcdf_write_failing_midway_leaves_the_old_file(utsira, tmp_path, monkeypatch):
    import xarray as xr

    target = tmp_path / "ut.nc"
    export.write_netcdf(utsira[1], target)
    old = target.read_bytes()

    def half(self, path, *args, **kwargs):
        Path(path).write_bytes(b"CDF\x01 halv")  # some bytes, then the disk is full
        raise OSError(28, "Ingen plass igjen på enheten")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", half)
    from planmodel.core.errors import InputError

    with pytest.raises(InputError, match="disken er full"):
        export.write_netcdf(utsira[1], target)
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["ut.nc"]


def test_a_new_file_gets_the_usual_permissions_not_those_of_a_temporary_file(tmp_path):
    import os

    from planmodel.core.io import write_text_atomic

    umask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "ny.txt", "x")
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o640)
        write_text_atomic(path, "y")  # an existing file keeps its mode
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_a_device_or_folder_is_never_replaced_by_a_write(tmp_path):
    """As root, renaming over /dev/null would replace the device with a file: refused instead."""
    from planmodel.core.errors import InputError
    from planmodel.core.io import write_bytes_atomic

    with pytest.raises(InputError, match="er ikke en vanlig fil"):
        write_bytes_atomic("/dev/null", b"x")
    assert Path("/dev/null").is_char_device()
    with pytest.raises(InputError, match="er ikke en vanlig fil"):
        write_bytes_atomic(tmp_path, b"x")
    with pytest.raises(InputError, match="finnes ikke"):
        write_bytes_atomic(tmp_path / "nei" / "x.csv", b"x")


def test_a_full_disk_is_one_line_and_leaves_the_old_file(tmp_path, monkeypatch):
    import errno
    import os as _os

    from planmodel.core import io as core_io
    from planmodel.core.errors import InputError

    target = tmp_path / "ut.csv"
    target.write_text("gammel", encoding="utf-8")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(core_io.os, "fsync", full)
    with pytest.raises(InputError, match=r"kunne ikke skrive filen \(disken er full\); den gamle filen er urørt"):
        core_io.write_text_atomic(target, "ny")
    assert target.read_text(encoding="utf-8") == "gammel"
    assert [p.name for p in tmp_path.iterdir()] == ["ut.csv"]
    del _os  # noqa: F821
