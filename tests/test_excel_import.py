"""planmodel.excel_import: the tiltak template and its reader.

One broken cell per validation rule, each test asserting the ``Sheet!CELL`` and the expectation
in the message; a workbook with several broken cells lists them all at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from planmodel.core.errors import InputError
from planmodel.inputs.excel_import import (
    CHOSEN_COLUMNS,
    OWN_COLUMNS,
    ImportedTiltak,
    build_template,
    import_tiltak,
    merged_library_yaml,
    save_library_yaml,
    template_path,
)
from planmodel.present.export import save_workbook, write_excel
from planmodel.inputs.library import load_library
from planmodel.model.chain import run
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.inputs.catalogue import load_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "excel"

#: A valid own tiltak (row 2 of *Nye tiltak*): investment 1200 in the start year, operating
#: 400 a year from the start and 900 a year from two years after, a coverage effect.
OWN = {"id": "kveldsteam", "tittel": "Kveldsteam i hjemmetjenesten", "sektor": "helse_og_omsorg",
       "delmål": "BO1.1, BO3.2", "ansvar": "Hjemmetjenesten", "start": 2028, "slutt": None, "status": "forslag",
       "investering år 0": 1200, "drift år 0": 400, "drift fra år 2": 900,
       "virkning på tjeneste": "hjemmesykepleie", "type": "coverage", "endring": -0.05, "lav": -0.1, "høy": 0,
       "forsinkelse (år)": 0, "innfasing (år)": 2, "kilde/begrunnelse": "Test: anslag ut fra egne tall",
       "beskrivelse": "Eget team på kveldstid."}
CHOSEN = {"id": "hverdagsrehabilitering", "start": 2027, "slutt": None, "status": "vedtatt"}


def fill(tmp_path: Path, chosen=(CHOSEN,), own=(OWN,), name: str = "fylt.xlsx") -> Path:
    """A copy of the shipped template with rows from row 2 (dicts by column name; None = empty row)."""
    wb = load_workbook(template_path())
    for sheet, columns, rows in (("Tiltak", CHOSEN_COLUMNS, chosen), ("Nye tiltak", OWN_COLUMNS, own)):
        ws = wb[sheet]
        for i, row in enumerate(rows, start=2):
            for j, col in enumerate(columns, start=1):
                ws.cell(row=i, column=j, value=(row or {}).get(col))
    path = tmp_path / name
    wb.save(path)
    return path


def test_negative_operating_amount_is_a_saving(tmp_path):
    m = import_tiltak(fill(tmp_path, own=({**OWN, "drift år 0": -400, "drift fra år 2": "-1 200,5"},))
                      ).library_yaml["measures"]["kveldsteam"]
    assert {k: v["value"] for k, v in m["operating"].items()} == {0: -400.0, 2: -1200.5}


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        import_tiltak(path)
    assert exc.value.field == "celler"
    assert str(path) in str(exc.value)
    return exc.value.cells


# ------------------------------------------------------------------------------------ valid input

def test_shipped_template_imports_cleanly_when_filled(tmp_path):
    second = {"id": "digitalt_tilsyn", "start": 2029, "slutt": 2034, "status": None}
    imp = import_tiltak(fill(tmp_path, chosen=(CHOSEN, None, second)))  # the empty row is skipped
    assert isinstance(imp, ImportedTiltak)
    assert imp.choices == (MeasureChoice("hverdagsrehabilitering", 2027, None, "vedtatt"),
                           MeasureChoice("digitalt_tilsyn", 2029, 2034, None),
                           MeasureChoice("kveldsteam", 2028, None, "forslag"))
    assert imp.own_ids == ("kveldsteam",)
    lib = imp.library_yaml
    assert lib["schema_version"] == 1 and lib["price_year"] == 2025
    m = lib["measures"]["kveldsteam"]
    assert m["scale"] == "fixed" and m["delmal"] == ["BO1.1", "BO3.2"] and m["sector"] == "helse_og_omsorg"
    assert {k: v["value"] for k, v in m["investment"].items()} == {0: 1200.0}
    assert {k: v["value"] for k, v in m["operating"].items()} == {0: 400.0, 2: 900.0}
    (eff,) = m["effects"]
    assert eff["kind"] == "coverage" and eff["service"] == "hjemmesykepleie"
    assert (eff["change"]["low"], eff["change"]["value"], eff["change"]["high"]) == (-0.1, -0.05, 0.0)
    assert eff["phase_in_years"] == 2 and eff["lag_years"] == 0
    assert eff["change"]["source"] == OWN["kilde/begrunnelse"]


def test_empty_template_gives_no_tiltak():
    imp = import_tiltak(template_path())
    assert imp.choices == () and imp.library_yaml["measures"] == {}


def test_text_numbers_in_norwegian_format_are_read(tmp_path):
    own = {**OWN, "drift år 0": "1 500,5", "endring": "-5 %", "lav": "−0,08", "høy": None}
    m = import_tiltak(fill(tmp_path, own=(own,))).library_yaml["measures"]["kveldsteam"]
    assert m["operating"][0]["value"] == 1500.5
    assert m["effects"][0]["change"]["value"] == pytest.approx(-0.05)
    assert m["effects"][0]["change"]["low"] == pytest.approx(-0.08)
    assert m["effects"][0]["change"]["high"] == pytest.approx(-0.05)  # empty høy = endring


def test_own_tiltak_without_cost_or_effect_needs_no_source(tmp_path):
    own = {k: OWN[k] for k in ("id", "tittel", "sektor", "delmål", "ansvar", "start")}
    m = import_tiltak(fill(tmp_path, own=(own,))).library_yaml["measures"]["kveldsteam"]
    assert m["operating"][0]["value"] == 0.0 and m["effects"] == [] and "investment" not in m


def test_excel_saved_file_with_x14_extensions_reads_without_warnings():
    """Excel writes cross-sheet dropdowns as an x14 extension; openpyxl warns that it drops it
    (pytest turns warnings into errors here), and the reader only needs the values."""
    imp = import_tiltak(FIXTURES / "excel_saved_x14.xlsx")
    assert imp.choices == (MeasureChoice("medisindispenser", 2027, None, "vedtatt"),
                           MeasureChoice("kveldsteam", 2028, None, "forslag"))


def test_imported_tiltak_load_as_library_and_run(tmp_path):
    imp = import_tiltak(fill(tmp_path))
    path = save_library_yaml(merged_library_yaml(imp), tmp_path / "bibliotek.yaml")
    lib = load_library(path)
    shipped = load_library()
    assert set(lib.measures) == set(shipped.measures) | {"kveldsteam"}
    assert lib.measures["kveldsteam"].operating[2].value == 900.0
    with_own = run(PlanScenario(id="eget", library=str(path), measures=imp.choices))
    drift = with_own["tiltak_drift"].sel(measure="kveldsteam")
    # level that holds: 400 in 2028 and 2029, 900 from 2030 (fixed scale: no population scaling)
    np.testing.assert_array_equal(drift.sel(year=[2027, 2028, 2029, 2030, 2040]).values, [0, 400, 400, 900, 900])
    inv = with_own["tiltak_investering"].sel(measure="kveldsteam")
    np.testing.assert_array_equal(inv.sel(year=[2027, 2028, 2029]).values, [0, 1200, 0])
    without = run(PlanScenario(id="uten", library=str(path), measures=imp.choices[:-1]))
    users = lambda ds: float(ds["users"].sel(service="hjemmesykepleie", year=2035))  # noqa: E731
    assert users(with_own) < users(without)  # the coverage effect (-5 %) lowers the users


def test_own_tiltak_in_the_excel_tiltaksmatrise(tmp_path):
    imp = import_tiltak(fill(tmp_path))
    path = str(save_library_yaml(merged_library_yaml(imp), tmp_path / "bibliotek.yaml"))
    scenario = PlanScenario(id="eget", library=path, measures=imp.choices)
    out = write_excel(run(scenario), tmp_path / "eget.xlsx", scenario=scenario)
    wb = load_workbook(out, read_only=True)
    rows = [r for r in wb["Tiltaksmatrise"].iter_rows(values_only=True) if r[4] == OWN["tittel"]]
    wb.close()
    assert sorted(r[3].split()[0] for r in rows) == ["BO1.1", "BO3.2"]
    assert rows[0][5] == "Hjemmetjenesten" and rows[0][6] == "fra 2028" and rows[0][7] == "forslag"


def test_merged_library_rejects_an_id_of_the_base_library():
    clash = {"schema_version": 1, "price_year": 2025, "measures": {"hverdagsrehabilitering": {}}}
    with pytest.raises(InputError, match="hverdagsrehabilitering.*finnes allerede"):
        merged_library_yaml(clash)


# ------------------------------------------------------------------------------------ the template

def test_shipped_template_matches_the_catalogue_and_library(tmp_path):
    """tools/make_tiltaksmal.py output is committed: it must be what the script makes today."""
    fresh = save_workbook(build_template(), tmp_path / "ny.xlsx")
    shipped, new = load_workbook(template_path()), load_workbook(fresh)
    assert shipped.sheetnames == new.sheetnames == ["Veiledning", "Tiltak", "Nye tiltak", "Tiltaksbibliotek", "Koder"]
    for a, b in zip(shipped.worksheets, new.worksheets):
        assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()], a.title
        assert [(str(v.sqref), v.formula1, v.formula2) for v in a.data_validations.dataValidation] == \
               [(str(v.sqref), v.formula1, v.formula2) for v in b.data_validations.dataValidation], a.title


def test_template_dropdowns_list_library_ids_and_catalogue_codes():
    wb = load_workbook(template_path())
    ids = [r[0] for r in wb["Tiltaksbibliotek"].iter_rows(min_row=2, values_only=True)]
    assert ids == list(load_library().measures)
    cat = load_catalogue()
    codes = wb["Koder"]
    assert [r[0] for r in codes.iter_rows(min_row=2, max_col=1, values_only=True) if r[0]] == list(cat.sectors)
    lists = {str(v.sqref): v.formula1 for v in wb["Tiltak"].data_validations.dataValidation if v.type == "list"}
    assert lists["A2:A201"] == f"=Tiltaksbibliotek!$A$2:$A${len(ids) + 1}"
    own_lists = {v.formula1 for v in wb["Nye tiltak"].data_validations.dataValidation if v.type == "list"}
    assert f"=Koder!$D$2:$D${len(cat.services) + 1}" in own_lists  # services
    assert [c.value for c in wb["Nye tiltak"][1]] == list(OWN_COLUMNS)
    guide = " ".join(str(c.value) for r in wb["Veiledning"].iter_rows() for c in r if c.value)
    assert "beløpet det året" in guide and "nivå som varer fra det året" in guide


# ------------------------------------------------------------------------------------ one rule per test

def chosen(**change):
    return ({**CHOSEN, **change},)


def own(**change):
    return ({**OWN, **change},)


RULES = [
    # (id, chosen rows, own rows, cell, expected text)
    ("ukjent bibliotek-id", chosen(id="hverdagsrehab"), (), "Tiltak!A2", "ukjent tiltak 'hverdagsrehab' (mente du 'hverdagsrehabilitering'?)"),
    ("start er ikke et år", chosen(start="abc"), (), "Tiltak!B2", "'abc' er ikke et årstall"),
    ("start mangler", chosen(start=None), (), "Tiltak!B2", "mangler årstall"),
    ("start for tidlig", chosen(start=2025), (), "Tiltak!B2", "2025 er utenfor 2026–2050"),
    ("start for sent", chosen(start=2051), (), "Tiltak!B2", "2051 er utenfor 2026–2050"),
    ("start med desimaler", chosen(start=2027.5), (), "Tiltak!B2", "2027.5 er ikke et årstall"),
    ("slutt før start", chosen(slutt=2026), (), "Tiltak!C2", "sluttåret 2026 er før startåret 2027"),
    ("ukjent status", chosen(status="kanskje"), (), "Tiltak!D2", "ukjent status 'kanskje'; gyldige: forslag, vedtatt"),
    ("bibliotek-id to ganger", (CHOSEN, {**CHOSEN, "start": 2030}), (), "Tiltak!A3", "står allerede på rad 2"),
    ("eget tiltak på Tiltak-arket", (CHOSEN, {**CHOSEN, "id": "kveldsteam"}), (OWN,), "Tiltak!A3", "er et eget tiltak på arket Nye tiltak"),
    ("ugyldig egen id", (), own(id="Mitt tiltak"), "Nye tiltak!A2", "'Mitt tiltak' er ikke en gyldig id"),
    ("egen id finnes i biblioteket", (), own(id="digitalt_tilsyn"), "Nye tiltak!A2", "finnes allerede i tiltaksbiblioteket"),
    ("egen id to ganger", (), (OWN, {**OWN, "tittel": "Annet"}), "Nye tiltak!A3", "id 'kveldsteam' står allerede på rad 2"),
    ("tittel finnes i biblioteket", (), own(tittel="Hverdagsrehabilitering"), "Nye tiltak!B2", "brukes allerede av biblioteket"),
    ("tittel mangler", (), own(tittel=None), "Nye tiltak!B2", "mangler tittel"),
    ("ukjent sektor", (), own(sektor="skole"), "Nye tiltak!C2", "ukjent sektor 'skole'; gyldige: barn_og_unge, helse_og_omsorg"),
    ("ukjent delmål", (), own(**{"delmål": "BO1.1, BO9.9"}), "Nye tiltak!D2", "ukjent delmål 'BO9.9'"),
    ("delmål tatt ut av bruk", (), own(**{"delmål": "BU2.1"}), "Nye tiltak!D2", "delmål 'BU2.1' er tatt ut av bruk; bruk 'BU1.4'"),
    ("ansvar mangler", (), own(ansvar=None), "Nye tiltak!E2", "mangler ansvar"),
    ("egen start utenfor", (), own(start=2060), "Nye tiltak!F2", "2060 er utenfor 2026–2050"),
    ("egen slutt før start", (), own(slutt=2027), "Nye tiltak!G2", "sluttåret 2027 er før startåret 2028"),
    ("beløp er ikke et tall", (), own(**{"drift år 0": "mye"}), "Nye tiltak!L2", "'mye' er ikke et tall (beløp i 1000 kr)"),
    ("negativ investering", (), own(**{"investering år 0": -100}), "Nye tiltak!I2", "-100: investering kan ikke være negativ"),
    ("ukjent tjeneste", (), own(**{"virkning på tjeneste": "sykehus"}), "Nye tiltak!O2", "ukjent tjeneste 'sykehus'"),
    ("ukjent type", (), own(type="shift"), "Nye tiltak!P2", "ukjent type 'shift'; gyldige: coverage, unit_cost, fte"),
    ("endring mangler", (), own(endring=None, lav=None, **{"høy": None}), "Nye tiltak!Q2", "mangler endring"),
    ("endring -100 %", (), own(endring=-1, lav=None), "Nye tiltak!Q2", "-1: en relativ endring må være større enn -1"),
    ("lav over endring", (), own(lav=-0.01), "Nye tiltak!R2", "lav -0.01 er større enn endring -0.05; forventet lav ≤ endring ≤ høy"),
    ("høy under endring", (), own(**{"høy": -0.2}), "Nye tiltak!S2", "høy -0.2 er mindre enn endring -0.05"),
    ("forsinkelse for lang", (), own(**{"forsinkelse (år)": 25}), "Nye tiltak!T2", "25 er ikke et helt antall år fra 0 til 20"),
    ("innfasing null", (), own(**{"innfasing (år)": 0}), "Nye tiltak!U2", "0 er ikke et helt antall år fra 1 til 20"),
    ("kilde mangler ved kostnad", (), own(**{"kilde/begrunnelse": None}), "Nye tiltak!V2", "mangler kilde/begrunnelse"),
]


@pytest.mark.parametrize("chosen_rows, own_rows, cell, expected", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_one_broken_cell(tmp_path, chosen_rows, own_rows, cell, expected):
    found = problems(fill(tmp_path, chosen=chosen_rows, own=own_rows))
    assert len(found) == 1, found
    assert found[0].startswith(f"{cell}: "), found
    assert expected in found[0], found


def test_effect_without_service_and_type(tmp_path):
    found = problems(fill(tmp_path, own=own(**{"virkning på tjeneste": None, "type": None})))
    assert [f.split(":")[0] for f in found] == ["Nye tiltak!O2", "Nye tiltak!P2"]


def test_all_errors_are_reported_at_once(tmp_path):
    path = fill(tmp_path, chosen=({**CHOSEN, "id": "finnes_ikke", "start": "neste år", "status": "kanskje"},), own=())
    with pytest.raises(InputError) as exc:
        import_tiltak(path)
    msg = str(exc.value)
    assert "3 celler må rettes" in msg
    for cell in ("Tiltak!A2: ukjent tiltak 'finnes_ikke'", "Tiltak!B2: 'neste år' er ikke et årstall",
                 "Tiltak!D2: ukjent status 'kanskje'"):
        assert cell in msg


def test_errors_on_both_sheets_are_listed_in_sheet_and_row_order(tmp_path):
    path = fill(tmp_path, chosen=(chosen(start=1999)[0], None, chosen(id="x")[0]),
                own=(own(sektor="skole")[0], own(id="annet", tittel="Annet", start="snart")[0]))
    assert [f.split(":")[0] for f in problems(path)] == ["Tiltak!B2", "Tiltak!A4", "Nye tiltak!C2", "Nye tiltak!F3"]


def test_formula_without_a_calculated_value(tmp_path):
    path = fill(tmp_path, chosen=(chosen(start="=2020+7")[0],), own=())
    (found,) = problems(path)
    assert found.startswith("Tiltak!B2: formelen har ingen beregnet verdi")


def test_wrong_header_and_missing_sheet(tmp_path):
    wb = load_workbook(template_path())
    wb["Tiltak"]["B1"] = "startår"
    del wb["Nye tiltak"]
    path = tmp_path / "feil.xlsx"
    wb.save(path)
    found = problems(path)
    assert "Tiltak!B1: forventet overskriften 'start', fant 'startår'" in found
    assert any(f.startswith("Nye tiltak: arket mangler") for f in found)


def test_not_an_excel_file(tmp_path):
    path = tmp_path / "tiltak.xlsx"
    path.write_text("id;start\n", encoding="utf-8")
    with pytest.raises(InputError, match="kan ikke leses som Excel-fil"):
        import_tiltak(path)
