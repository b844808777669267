"""The command line: output formats and one-line errors with exit code 2 for every option."""

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from planmodel import cli
from planmodel.inputs import data
from planmodel.population.demography import project_kommune

FIXTURES = Path(__file__).parent / "fixtures" / "readers"


def run(args, capsys):
    code = cli.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_population_csv_single_ages(capsys):
    code, out, err = run(["population", "--kommune", "3201", "--to", "2030"], capsys)
    assert code == 0 and err == ""
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["year", "age", "sex", "persons"]
    assert sorted(df["year"].unique()) == list(range(2026, 2031))
    assert len(df) == 5 * 106 * 2
    expected = project_kommune("3201", "main", end_year=2030).sel(year=2030).sum()
    assert df[df.year == 2030]["persons"].sum() == pytest.approx(float(expected), abs=106)
    base = data.kommune_population("3201").sel(year=2026)
    assert df[df.year == 2026]["persons"].sum() == pytest.approx(float(base.sum()))


def test_population_kostra_groups_by_name_and_scenario(capsys):
    code, out, _ = run(["population", "--kommune", "Bærum", "--scenario", "bolig_hoy", "--groups", "kostra",
                        "--from", "2026", "--to", "2035"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out), dtype={"age_group": str})
    assert list(df.columns) == ["year", "age_group", "sex", "persons"]
    assert list(df["age_group"].unique()) == ["0", "1-5", "6-12", "13-15", "16-19", "20-44", "45-66", "67-79", "80-89", "90+"]
    total = float(project_kommune("3201", "bolig_hoy", end_year=2035).sel(year=2035).sum())
    assert df[df.year == 2035]["persons"].sum() == pytest.approx(total, abs=20)


def test_population_table_format_is_readable(capsys):
    code, out, _ = run(["population", "--kommune", "Oslo", "--groups", "kostra", "--format", "table", "--to", "2028"], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("Oslo (0301), Hovedalternativ (MMMM)")
    assert "Kilde: Statistisk sentralbyrå" in out
    assert "90+" in out


def test_population_with_an_old_kommune_number_and_a_user_file(capsys):
    code, out, _ = run(["population", "--kommune", "0219", "--base-file", str(FIXTURES / "statbank_07459_2023_excerpt.csv"),
                        "--groups", "kostra", "--to", "2024"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert df[df.year == 2023]["persons"].sum() == pytest.approx(129_874)


@pytest.mark.parametrize(
    "args, message",
    [
        (["population", "--kommune", "Bærumm"], "ukjent kommune 'Bærumm'; mente du Bærum (3201)?"),
        (["population", "--kommune", "1507"], "ble delt"),
        (["population", "--kommune", "3201", "--scenario", "foo"], "ukjent scenario 'foo'; gyldige: main, low, high"),
        (["population", "--kommune", "3201", "--scenario", "ssb_mmmm"], "ingen SSB-framskriving for Bærum"),
        (["population", "--kommune", "3201", "--from", "1999"], "1999 har ingen registrert befolkning for Bærum; tilgjengelig: 2005–2026"),
        (["population", "--kommune", "3201", "--to", "2020"], "2020 må være etter basisåret 2026"),
        (["population", "--kommune", "3201", "--to", "abc"], "'abc' er ikke et årstall"),
        (["population", "--kommune", "3201", "--to", "3000"], "3000 er utenfor 1900–2100"),
        (["population", "--kommune", "3201", "--groups", "fem"], "ugyldig valg: 'fem'"),
        (["population", "--kommune", "3201", "--format", "xlsx"], "ugyldig valg: 'xlsx'"),
        (["population", "--kommune", "3201", "--base-file", "/finnes/ikke.csv"], "/finnes/ikke.csv"),
        (["population", "--kommune", "3201", "--base-file", str(FIXTURES / "invalid")], "invalid"),
        (["population"], "--kommune"),
        (["sjekk"], "ett av argumentene --alle --kommune må oppgis"),
        (["sjekk", "--alle", "--kommune", "3201"], "argument --kommune: kan ikke brukes sammen med --alle"),
        (["sjekk", "--kommune", "Atlantis"], "ukjent kommune 'Atlantis'"),
        (["sjekk", "--kommune", "3201", "--out", "/finnes/ikke/x.csv"], "mappen /finnes/ikke finnes ikke"),
        (["sjekk", "--kommune", "3201", "--out", "tabell.xlsx"], "ukjent filtype .xlsx; bruk .csv"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(args, message, capsys):
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_sjekk_writes_the_country_table_and_its_summary(capsys, tmp_path):
    from planmodel.analysis.country import COLUMNS
    from planmodel.inputs.accounts import kommune_accounts

    out_file = tmp_path / "landet.csv"
    code, out, err = run(["sjekk", "--kommune", "Utsira", "3201", "--out", str(out_file)], capsys)
    assert code == 0 and err == ""
    assert out.startswith("Basisalternativet for 2 kommuner (0 kunne ikke beregnes).")
    assert "Netto driftsresultat 2030 mellom −6\u00a0% og 10\u00a0% av driftsinntektene: 100,0\u00a0%" in out
    assert "Kilde: Statistisk sentralbyrå" in out and f"skrevet til {out_file}" in out
    table = pd.read_csv(out_file, dtype={"kommune": str})
    assert list(table.columns) == list(COLUMNS) and list(table["kommune"]) == ["1151", "3201"]
    assert table.loc[1, "ndr_basis"] == pytest.approx(kommune_accounts("3201").ndr_share, abs=1e-9)


@pytest.mark.parametrize("args", [["population", "--kommune", "3201", "--to", "abc"],
                                  ["population", "--kommune", "Bærumm"],
                                  ["population", "--kommune", "3201", "--base-file", str(FIXTURES / "ssb_13599_proj_fixture.json")]])
def test_console_script_errors_have_no_traceback(args):
    proc = subprocess.run([sys.executable, "-m", "planmodel.cli", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.slow
def test_bench_prints_json_lines():
    proc = subprocess.run([sys.executable, "-m", "planmodel.cli", "bench", "--json", "--quick"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows and all({"name", "median_s", "min_s", "max_s", "n"} <= set(r) for r in rows)
    measured = [r for r in rows if r["n"] > 0]  # a row with n = 0 says what could not be measured (no chromium)
    assert measured and all(r["min_s"] <= r["median_s"] <= r["max_s"] for r in measured)
    assert all(math.isnan(r["median_s"]) for r in rows if r["n"] == 0)
