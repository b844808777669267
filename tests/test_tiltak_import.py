"""``planmodel tiltak mal | import`` and ``planmodel mal ny``: tiltak from Excel into a scenario file
without Python, and the målstruktur per kommune (the scenario key ``goals``).

End to end in tmp_path: template -> rows filled with openpyxl -> import -> validate -> run, for
Bærum (its shipped målstruktur), for Utsira without a målstruktur (delmål as free text) and for
Utsira with its own målstruktur file; the error paths, each naming sheet, row and column.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from planmodel import cli
from planmodel.core.errors import InputError
from planmodel.inputs.excel_import import (
    CHOSEN_COLUMNS,
    NO_DELMAL,
    OWN_COLUMNS,
    import_into_scenario,
    library_file_for,
    set_top_level,
)
from planmodel.inputs.goals import load_goals, scenario_goals, write_goals_template
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import PlanScenario, load_scenario, parse_scenario, to_yaml_dict

ROOT = Path(__file__).resolve().parents[1]

BAERUM = """# Bærum – test: kommentarer skal stå igjen etter innlesingen.
id: baerum_test
title: Bærum – test
kommune: "3201"
# valgte tiltak (skrives om av planmodel tiltak import)
measures:
  - id: digitalt_tilsyn   # står igjen: ikke i arbeidsboken
    start: 2028

# økonomi
economy: {}
"""

UTSIRA = """# Utsira – test
id: utsira_test
title: Utsira – test
kommune: "1151"
"""

#: An own tiltak with a saving (negative operating amount) and one with an effect only.
OWN_SAVING = {"id": "felles_innkjop", "tittel": "Felles innkjøp", "sektor": "administrasjon", "delmål": "BO3.1",
              "ansvar": "Rådmannen", "start": 2027, "drift år 0": -300, "kilde/begrunnelse": "Anslag"}
OWN_EFFECT = {"id": "frivillige_besok", "tittel": "Frivillige besøk", "sektor": "helse_og_omsorg",
              "delmål": "BO4.2", "ansvar": "Frivilligsentralen", "start": 2027,
              "virkning på tjeneste": "hjemmesykepleie", "type": "coverage", "endring": -0.01,
              "kilde/begrunnelse": "Anslag"}
CHOSEN = {"id": "hverdagsrehabilitering", "start": 2027, "status": "vedtatt"}


def cli_run(args, capsys):
    code = cli.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def fill(path: Path, chosen=(), own=()) -> Path:
    """Rows from row 2 of the sheets Tiltak and Nye tiltak (dicts by column name)."""
    wb = load_workbook(path)
    for sheet, columns, rows in (("Tiltak", CHOSEN_COLUMNS, chosen), ("Nye tiltak", OWN_COLUMNS, own)):
        ws = wb[sheet]
        for i in range(2, 30):
            for j, col in enumerate(columns, start=1):  # (cell(value=None) would leave the old value)
                ws.cell(row=i, column=j).value = rows[i - 2].get(col) if i - 2 < len(rows) else None
    wb.save(path)
    return path


def template(tmp_path, capsys, scenario: Path | None = None, name="tiltak.xlsx") -> Path:
    out = tmp_path / name
    args = ["tiltak", "mal", "--out", out] + (["--scenario", scenario] if scenario else [])
    code, stdout, err = cli_run(args, capsys)
    assert code == 0 and err == "" and "skrev" in stdout
    return out


def codes_sheet_delmal(path: Path) -> list[str]:
    ws = load_workbook(path)["Koder"]
    col = [c.value for c in ws[1]].index("delmål") + 1
    return [ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col).value]


def matrix_rows(xlsx: Path) -> list[tuple]:
    ws = load_workbook(xlsx, read_only=True)["Tiltaksmatrise"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Hovedmål")
    body = []
    for r in rows[head + 1:]:
        if not r or r[0] is None and r[4] is None or (isinstance(r[0], str) and r[0].startswith("Sum per")):
            break
        body.append(r)
    return body


# ------------------------------------------------------------------------------------ Bærum end to end

def test_baerum_template_import_validate_run(tmp_path, capsys):
    scen = tmp_path / "baerum.yaml"
    scen.write_text(BAERUM, encoding="utf-8")
    book = fill(template(tmp_path, capsys, scen), chosen=(CHOSEN,), own=(OWN_SAVING, OWN_EFFECT))
    assert "BO1.1" in codes_sheet_delmal(book)

    code, out, err = cli_run(["tiltak", "import", book, "--scenario", scen], capsys)
    assert code == 0 and err == "", err
    assert "3 tiltak" in out and "felles_innkjop, frivillige_besok" in out and "planmodel run" in out

    text = scen.read_text(encoding="utf-8")
    for comment in ("# Bærum – test: kommentarer", "# valgte tiltak", "# økonomi"):
        assert comment in text  # the other lines are kept
    raw = yaml.safe_load(text)
    assert raw["library"] == "baerum_tiltak.yaml" and raw["economy"] == {}
    assert [m["id"] for m in raw["measures"]] == ["digitalt_tilsyn", "hverdagsrehabilitering", "felles_innkjop",
                                                  "frivillige_besok"]
    lib = load_library(tmp_path / "baerum_tiltak.yaml")
    assert len(lib.measures) == len(load_library().measures) + 2  # the shipped library and the own tiltak
    assert lib.measures["felles_innkjop"].operating[0].value == -300.0  # a saving

    assert cli_run(["validate", scen], capsys)[0] == 0
    code, out, err = cli_run(["run", scen, "--out", tmp_path / "r.xlsx"], capsys)
    assert code == 0 and err == ""
    rows = matrix_rows(tmp_path / "r.xlsx")
    when = {r[4]: r[6] for r in rows}
    assert when["Frivillige besøk"] == "fra 2027"  # an effect-only tiltak: the same start as from Python
    assert when["Felles innkjøp"] == "fra 2027"
    assert any(r[0] and r[0].startswith("HM1") for r in rows)  # Bærum's goals
    # from Python, with or without the scenario: the same tiltaksmatrise as from the command line
    from planmodel.model.chain import run
    from planmodel.present.export import write_excel

    from planmodel.analysis.samordning import with_measure_gains

    s = load_scenario(scen)
    ds = with_measure_gains(run(s), s)  # as planmodel run --out does
    assert matrix_rows(write_excel(ds, tmp_path / "p1.xlsx", scenario=s)) == rows
    assert matrix_rows(write_excel(ds, tmp_path / "p2.xlsx")) == rows


def test_reimport_replaces_the_earlier_rows(tmp_path, capsys):
    scen = tmp_path / "baerum.yaml"
    scen.write_text(BAERUM, encoding="utf-8")
    book = fill(template(tmp_path, capsys), chosen=(CHOSEN,), own=(OWN_SAVING, OWN_EFFECT))
    assert cli_run(["tiltak", "import", book, "--scenario", scen], capsys)[0] == 0
    # second round: one own tiltak removed, the other changed, the chosen one moved a year
    fill(book, chosen=({**CHOSEN, "start": 2028},), own=({**OWN_SAVING, "drift år 0": -500},))
    code, out, _ = cli_run(["tiltak", "import", book, "--scenario", scen], capsys)
    assert code == 0 and "Erstattet fra forrige innlesing" in out
    s = load_scenario(scen)
    assert [(m.id, m.start) for m in s.measures] == [("digitalt_tilsyn", 2028), ("hverdagsrehabilitering", 2028),
                                                     ("felles_innkjop", 2027)]
    lib = load_library(s.library)
    assert "frivillige_besok" not in lib.measures
    assert lib.measures["felles_innkjop"].operating[0].value == -500.0
    assert len(lib.measures) == len(load_library().measures) + 1
    text = library_file_for(scen).read_text(encoding="utf-8")
    assert text.count("Egne tiltak fra") == 1  # the description is not stacked either
    # a third, identical import changes nothing
    before = scen.read_text(encoding="utf-8"), library_file_for(scen).read_text(encoding="utf-8")
    assert cli_run(["tiltak", "import", book, "--scenario", scen], capsys)[0] == 0
    assert (scen.read_text(encoding="utf-8"), library_file_for(scen).read_text(encoding="utf-8")) == before


# ------------------------------------------------------------------------------------ a small kommune

def test_utsira_without_goals_takes_free_text_delmal(tmp_path, capsys):
    scen = tmp_path / "utsira.yaml"
    scen.write_text(UTSIRA, encoding="utf-8")
    book = template(tmp_path, capsys, scen)
    assert codes_sheet_delmal(book) == ["(fritekst)"]  # no Bærum delmål offered
    own = ({**OWN_SAVING, "delmål": "Trygg og god eldreomsorg på øya"}, {**OWN_EFFECT, "delmål": None})
    fill(book, chosen=(CHOSEN,), own=own)
    code, out, err = cli_run(["tiltak", "import", book, "--scenario", scen], capsys)
    assert code == 0 and err == "", err
    lib = load_library(load_scenario(scen).library)
    assert lib.measures["felles_innkjop"].delmal == ("Trygg og god eldreomsorg på øya",)
    assert lib.measures["frivillige_besok"].delmal == (NO_DELMAL,)
    code, _, err = cli_run(["run", scen, "--out", tmp_path / "u.xlsx"], capsys)
    assert code == 0 and err == ""
    rows = matrix_rows(tmp_path / "u.xlsx")
    by_title = {r[4]: r for r in rows}
    assert by_title["Felles innkjøp"][3] == "Trygg og god eldreomsorg på øya"  # the text, no goal links
    assert by_title["Felles innkjøp"][0] in (None, "")
    assert by_title["Hverdagsrehabilitering"][3] == "BO1.1, BO3.1"  # the library's codes, shown as written
    assert not any(isinstance(v, str) and "(ukjent delmål)" in v for r in rows for v in r)


def test_utsira_with_its_own_goals_file(tmp_path, capsys):
    code, out, err = cli_run(["mal", "ny", "--out", tmp_path / "utsira_mal.yaml", "--kommune", "Utsira"], capsys)
    assert code == 0 and err == "" and "goals: utsira_mal.yaml" in out
    goals = load_goals(tmp_path / "utsira_mal.yaml")
    assert goals.kommune == "1151" and list(goals.delmal) == ["HG1.1"]
    scen = tmp_path / "utsira.yaml"
    scen.write_text(UTSIRA + "goals: utsira_mal.yaml\n", encoding="utf-8")
    s = load_scenario(scen)
    assert Path(s.goals) == tmp_path / "utsira_mal.yaml" and scenario_goals(s).kommune == "1151"

    book = template(tmp_path, capsys, scen)
    assert codes_sheet_delmal(book) == ["HG1.1"]
    fill(book, own=({**OWN_SAVING, "delmål": "BO3.1"},))  # Bærum's code is not Utsira's
    code, _, err = cli_run(["tiltak", "import", book, "--scenario", scen], capsys)
    assert code == 2 and "Nye tiltak!D2: ukjent delmål 'BO3.1'" in err and "Traceback" not in err
    fill(book, own=({**OWN_SAVING, "delmål": "HG1.1"},))
    assert cli_run(["tiltak", "import", book, "--scenario", scen], capsys)[0] == 0
    assert cli_run(["run", scen, "--out", tmp_path / "u.xlsx"], capsys)[0] == 0
    rows = matrix_rows(tmp_path / "u.xlsx")
    assert rows[0][0] == "HM1 Bærekraftige tjenester" and rows[0][3].startswith("HG1.1 ")


# ------------------------------------------------------------------------------------ errors

def test_bad_cells_exit_2_and_leave_the_scenario_alone(tmp_path, capsys):
    scen = tmp_path / "baerum.yaml"
    scen.write_text(BAERUM, encoding="utf-8")
    book = fill(template(tmp_path, capsys), chosen=({"id": "finnes_ikke", "start": 2027},),
                own=({**OWN_SAVING, "start": "snart", "investering år 0": -5},))
    code, out, err = cli_run(["tiltak", "import", book, "--scenario", scen], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("planmodel tiltak: ") and "3 celler må rettes" in err
    for cell in ("Tiltak!A2: ukjent tiltak 'finnes_ikke'", "Nye tiltak!F2: 'snart' er ikke et årstall",
                 "Nye tiltak!I2: -5: investering kan ikke være negativ"):
        assert cell in err
    assert scen.read_text(encoding="utf-8") == BAERUM and not library_file_for(scen).exists()


@pytest.mark.parametrize("args, message", [
    (["tiltak", "import", "{tmp}/finnes_ikke.xlsx", "--scenario", "{tmp}/s.yaml"], "finnes_ikke.xlsx: filen finnes ikke"),
    (["tiltak", "import", "{tmp}/t.xlsx", "--scenario", "{tmp}/nei.yaml"], "nei.yaml: scenariofilen finnes ikke"),
    (["tiltak", "import", "{tmp}/t.xlsx"], "--scenario"),
    (["tiltak", "mal", "--out", "{tmp}/t.csv"], "ukjent filtype .csv"),
    (["mal", "ny", "--out", "{tmp}/s.yaml"], "filen finnes allerede"),
    (["mal", "ny", "--out", "{tmp}/m.yaml", "--kommune", "Atlantis"], "Atlantis"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, args, message):
    (tmp_path / "s.yaml").write_text(UTSIRA, encoding="utf-8")
    (tmp_path / "t.xlsx").write_bytes(b"")
    code, out, err = cli_run([a.replace("{tmp}", str(tmp_path)) for a in args], capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_not_a_workbook_and_an_own_id_that_clashes(tmp_path, capsys):
    scen = tmp_path / "s.yaml"
    scen.write_text(UTSIRA, encoding="utf-8")
    (tmp_path / "t.xlsx").write_text("ikke excel", encoding="utf-8")
    with pytest.raises(InputError, match="kan ikke leses som Excel-fil"):
        import_into_scenario(tmp_path / "t.xlsx", scen)
    book = fill(template(tmp_path, capsys, name="u.xlsx"), own=({**OWN_SAVING, "id": "hverdagsrehabilitering"},))
    with pytest.raises(InputError, match=r"Nye tiltak!A2: 'hverdagsrehabilitering' finnes allerede"):
        import_into_scenario(book, scen)


def test_a_scenario_that_names_a_missing_goals_file(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(UTSIRA + "goals: mangler.yaml\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.yaml: goals.*fant ikke målstrukturen .*mangler\.yaml"):
        load_scenario(scen)
    scen.write_text(UTSIRA + "goals: 12\n", encoding="utf-8")
    with pytest.raises(InputError, match="goals"):
        load_scenario(scen)


_AMOUNT_COLUMNS = ("investering år 0", "investering år 1", "drift år 0", "drift fra år 1", "drift fra år 2")
_JUNK = st.text(alphabet=string.ascii_letters + "æøå ", min_size=1, max_size=8).filter(lambda t: t.strip())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(_AMOUNT_COLUMNS), junk=_JUNK, row=st.integers(2, 6))
def test_any_bad_amount_is_reported_at_its_cell(tmp_path_factory, column, junk, row):
    from planmodel.inputs.excel_import import build_template
    from planmodel.present.export import save_workbook

    base = tmp_path_factory.mktemp("h")
    scen = base / "s.yaml"
    scen.write_text(UTSIRA, encoding="utf-8")
    book = save_workbook(build_template(goals=False), base / "t.xlsx")
    rows = [dict(OWN_SAVING, id=f"t{i}", tittel=f"Tiltak {i}") for i in range(2, row + 1)]
    rows[-1][column] = junk
    fill(book, own=rows)
    with pytest.raises(InputError) as exc:
        import_into_scenario(book, scen)
    letter = chr(ord("A") + OWN_COLUMNS.index(column))
    assert exc.value.cells == [f"Nye tiltak!{letter}{row}: {junk!r} er ikke et tall (beløp i 1000 kr)"]
    assert scen.read_text(encoding="utf-8") == UTSIRA


# ------------------------------------------------------------------------------------ goals per kommune

def test_goals_default_per_kommune(tmp_path):
    assert scenario_goals(PlanScenario()).kommune == "3201"  # Bærum: its shipped kommuneplan
    assert scenario_goals(PlanScenario(kommune="1151")) is None  # everyone else: none
    assert scenario_goals(PlanScenario(kommune="Fyresdal")) is None
    path = write_goals_template(tmp_path / "mal.yaml", "3822", "Fyresdal")
    s = PlanScenario(kommune="Fyresdal", goals=str(path))
    assert scenario_goals(s).kommune == "3822"
    assert to_yaml_dict(s)["goals"] == str(path) and "goals" not in to_yaml_dict(PlanScenario())
    again = parse_scenario({**to_yaml_dict(s)}, str(tmp_path / "x.yaml"))
    assert again.goals is not None and scenario_goals(again).kommune == "3822"


def test_goals_template_is_valid_and_never_overwrites(tmp_path):
    path = write_goals_template(tmp_path / "mal.yaml")
    g = load_goals(path)
    assert list(g.hovedmal) == ["HM1"] and list(g.hovedgrep) == ["HG1"] and list(g.delmal) == ["HG1.1"]
    assert "goals: mal.yaml" in path.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="finnes allerede"):
        write_goals_template(path)
    with pytest.raises(InputError, match="mappen .* finnes ikke"):
        write_goals_template(tmp_path / "nei" / "mal.yaml")


# ------------------------------------------------------------------------------------ rewriting YAML

_KEY = st.sampled_from(["id", "title", "kommune", "economy", "references", "plan"])
_ENTRY = st.fixed_dictionaries({"id": st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
                                "start": st.integers(2026, 2040)})


@settings(max_examples=60, deadline=None)
@given(before=st.lists(_KEY, unique=True, max_size=3), after=st.lists(_KEY, unique=True, max_size=3),
       old=st.lists(_ENTRY, max_size=3), new=st.lists(_ENTRY, max_size=3), flow=st.booleans(),
       present=st.booleans())
def test_set_top_level_changes_only_its_key(before, after, old, new, flow, present):
    after = [k for k in after if k not in before]
    lines = ["# topp\n"] + [f"{k}: verdi_{k}  # kommentar {k}\n" for k in before]
    if present:
        lines.append("# om tiltakene\n")
        lines.append("measures: " + yaml.safe_dump(old, default_flow_style=True) if flow
                     else yaml.safe_dump({"measures": old}, default_flow_style=False, sort_keys=False))
        lines.append("\n")
    lines += [f"# før {k}\n{k}: verdi_{k}\n" for k in after]
    text = "".join(lines)
    block = yaml.safe_dump({"measures": new}, default_flow_style=None, sort_keys=False)
    out = set_top_level(text, "measures", block)
    data = yaml.safe_load(out)
    assert data["measures"] == new
    assert {k: v for k, v in data.items() if k != "measures"} == {k: f"verdi_{k}" for k in before + after}
    kept = [line for line in text.splitlines() if line.startswith("#") or re.match(r"^\w+: verdi", line)]
    assert all(line in out.splitlines() for line in kept)  # every other line and comment stays
    assert set_top_level(out, "measures", block) == out  # idempotent
