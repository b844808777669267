"""Tests for planmodel.readers: real SSB files (hand-checked numbers) and one broken file per rule.

Fixtures and their origin: tests/fixtures/readers/README.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from planmodel.core.ages import AGES, SEXES
from planmodel.core.errors import InputError
from planmodel.inputs.readers import SSB_SYMBOLS, read_jsonstat, read_population, read_statbank_csv

FIX = Path(__file__).parent / "fixtures" / "readers"
INVALID = FIX / "invalid"

J07459 = FIX / "ssb_07459_kommune_hist_fixture.json"
J13599 = FIX / "ssb_13599_proj_fixture.json"
J12134 = FIX / "ssb_12134_frie_inntekter_2024_oslo_bergen_trondheim_jsonstat2.json"
J_BAERUM = FIX / "ssb_07459_baerum_2023_jsonstat_derived.json"
CSV_FULL = FIX / "norway_population_by_age_sex_2023.csv"
CSV_EXCERPT = FIX / "statbank_07459_2023_excerpt.csv"
CSV_NB = FIX / "statbank_07459_2023_baerum_nb_utf8.csv"


def where(path: Path, field: str) -> str:
    """Regex for the start of an InputError message: '<...file name>: <field>: '."""
    return rf"{re.escape(path.name)}: {re.escape(field)}: "


@pytest.fixture(scope="module")
def full_csv() -> pd.DataFrame:
    return read_statbank_csv(CSV_FULL)


# --- read_jsonstat: real SSB responses -------------------------------------------------------


def test_jsonstat_07459_dims_codes_labels():
    da = read_jsonstat(J07459)
    assert da.dims == ("Region", "Kjonn", "Alder", "ContentsCode", "Tid")
    assert da.shape == (3, 2, 25, 1, 2)
    assert list(da["Region"].values) == ["0301", "1103", "1804"]
    assert list(da["Kjonn"].values) == ["2", "1"]  # SSB's index order, not sorted
    assert da["Alder"].values[0] == "080" and da["Alder"].values[-1] == "104"
    assert list(da["Kjonn_label"].values) == ["Kvinner", "Menn"]
    assert da.attrs["labels"]["Region"]["1804"] == "Bodø"
    assert da.attrs["labels"]["Alder"]["080"] == "80 år"
    assert da.attrs["source"] == J07459.name
    assert da.attrs["label"].startswith("07459: Befolkning")
    assert da.attrs["updated"] == "2026-02-25T07:00:00Z"
    assert da.attrs["units"] == "antall"
    assert da.attrs["table"] == "07459"
    assert da.attrs["note"][0].startswith("Utgåtte kommuner")
    assert da.attrs["suppressed"] == 0


def test_jsonstat_07459_oslo_women_80():
    da = read_jsonstat(J07459).squeeze("ContentsCode")
    # value[1] of the file: Oslo, Kvinner, 80 år, 2024 (value[0] is the same cell in 2017)
    assert da.sel(Region="0301", Kjonn="2", Alder="080", Tid="2024").item() == 1672
    assert da.sel(Region="0301", Kjonn="2", Alder="080", Tid="2017").item() == 1195
    assert da.sel(Region="0301", Kjonn="1", Alder="080", Tid="2024").item() == 1433


def test_jsonstat_13599_compact_projection():
    da = read_jsonstat(J13599)
    assert da.dims == ("Kjonn", "Alder", "Framskriv", "ContentsCode", "Tid")
    assert list(da["Tid"].values) == ["2025", "2026", "2035"]
    cell = dict(Framskriv="MMM", ContentsCode="Folkemengde")
    assert da.sel(Kjonn="2", Alder="080", Tid="2025", **cell).item() == 20344  # first value
    assert da.sel(Kjonn="1", Alder="104", Tid="2035", **cell).item() == 14  # last value
    assert da.attrs["units"] == "personer"
    assert da.attrs["labels"]["Framskriv"] == {"MMM": "Hovedalternativ (MMM)"}


def test_jsonstat_12134_pxwebapi_v2_kostra():
    da = read_jsonstat(J12134)
    assert da.dims == ("KOKkommuneregion0000", "ContentsCode", "Tid")
    frie = da.sel(ContentsCode="KOSAG110000", Tid="2024")
    assert frie.sel(KOKkommuneregion0000="0301").item() == 81240  # Oslo
    assert frie.sel(KOKkommuneregion0000="4601").item() == 66605  # Bergen
    assert frie.sel(KOKkommuneregion0000="5001").item() == 62853  # Trondheim
    assert da.attrs["units"] == "kr"
    assert da.attrs["updated"] == "2026-03-16T07:00:00Z"
    assert da.attrs["table"] == "12134"
    assert any("landet uten Oslo" in n for n in da.attrs["note"])
    assert list(da["KOKkommuneregion0000_label"].values) == ["Oslo - Oslove", "Bergen", "Trondheim - Tråante"]


def test_jsonstat_accepts_path_text_bytes_and_dict():
    text = J12134.read_text(encoding="utf-8")
    from_path = read_jsonstat(J12134)
    for source in (str(J12134), text, text.encode("utf-8"), json.loads(text)):
        da = read_jsonstat(source)
        xr.testing.assert_identical(da.drop_attrs(), from_path.drop_attrs())
    assert read_jsonstat(text).attrs["source"] == "json"
    assert read_jsonstat(json.loads(text)).attrs["source"] == "json"


# --- read_jsonstat: suppressed values --------------------------------------------------------


@pytest.mark.parametrize("name", ["suppressed_list.json", "suppressed_sparse.json"])
def test_jsonstat_suppressed_values_are_nan_with_status(name):
    ds = read_jsonstat(FIX / name, with_status=True)
    assert isinstance(ds, xr.Dataset)
    value = ds["value"].squeeze("ContentsCode")
    status = ds["status"].squeeze("ContentsCode")
    # cells: 9901 2020..2023 = 10, '..', '.', 12.5; 9902 = ':', '-', 7, null without status
    np.testing.assert_array_equal(value.sel(Region="9901").values, [10, np.nan, np.nan, 12.5])
    np.testing.assert_array_equal(value.sel(Region="9902").values, [np.nan, 0, 7, np.nan])
    assert status.sel(Region="9901").values.tolist() == ["", "..", ".", ""]
    assert status.sel(Region="9902").values.tolist() == [":", "-", "", ""]
    assert ds.attrs["suppressed"] == 4
    assert ds["value"].attrs["units"] == "prosent"


def test_jsonstat_suppressed_never_zero():
    da = read_jsonstat(FIX / "suppressed_list.json")
    assert da.attrs["suppressed"] == 4
    assert int(da.isnull().sum()) == 4
    assert int((da == 0).sum()) == 1  # only the '-' (nil) cell


def test_jsonstat_symbol_in_value_moves_to_status():
    doc = json.loads((FIX / "suppressed_list.json").read_text(encoding="utf-8"))
    doc["value"] = [10, "..", ".", 12.5, ":", "-", 7, None]
    del doc["status"]
    ds = read_jsonstat(doc, with_status=True)
    assert ds["status"].values.ravel().tolist() == ["", "..", ".", "", ":", "-", "", ""]
    assert ds.attrs["suppressed"] == 4


# --- read_jsonstat: one broken file per rule --------------------------------------------------

INVALID_JSONSTAT = [
    ("bad_json.json", "linje 4, kolonne 1", "er ikke gyldig JSON; forventet et JSON-stat 2.0-datasett"),
    ("wrong_class.json", "class", "'collection' støttes ikke, bare 'dataset'; forventet et JSON-stat 2.0"),
    ("size_mismatch.json", "value", r"har 5 verdier, men size \[2, 3\] gir 6 celler$"),
    ("missing_dimension.json", "dimension.Region", "mangler; 'id' har 'Region', så 'dimension' må ha en oppføring"),
    ("missing_id.json", "id", "mangler; forventet listen over dimensjonsnavn"),
    ("bad_category_index.json", "dimension.Alder.category.index", r"har 2 kategorier, men size\[0\] sier 3"),
]


@pytest.mark.parametrize("name, field, problem", INVALID_JSONSTAT, ids=[c[0] for c in INVALID_JSONSTAT])
def test_jsonstat_invalid_file(name, field, problem):
    with pytest.raises(InputError, match=where(INVALID / name, field) + problem):
        read_jsonstat(INVALID / name)


def test_jsonstat_missing_file():
    path = FIX / "no_such_file.json"
    with pytest.raises(InputError, match=where(path, "fil") + "finnes ikke; forventet et JSON-stat 2.0-datasett"):
        read_jsonstat(path)


def test_jsonstat_status_length_mismatch():
    doc = json.loads((FIX / "suppressed_list.json").read_text(encoding="utf-8"))
    doc["status"] = ["", ".."]
    with pytest.raises(InputError, match=r"^json: status: har 2 verdier, men size \[2, 1, 4\] gir 8 celler"):
        read_jsonstat(doc)


def test_jsonstat_value_not_a_number():
    doc = json.loads((FIX / "suppressed_list.json").read_text(encoding="utf-8"))
    doc["value"][3] = "12,5"
    with pytest.raises(InputError, match=r"^json: value\[3\]: '12,5' er verken et tall, null eller et av SSBs symboler"):
        read_jsonstat(doc)


# --- read_statbank_csv -----------------------------------------------------------------------


def test_statbank_csv_2023_national_sum(full_csv):
    # documented check (SOURCES.md): population of Norway 1 January 2023
    assert full_csv["value"].sum() == 5_488_984
    assert list(full_csv.columns) == ["region", "age", "contents", "year", "sex", "value", "status"]
    assert full_csv.attrs["encoding"] == "iso-8859-1"
    assert full_csv.attrs["title"] == ["07459: Population, by region, age, contents, year and sex"]
    assert full_csv["year"].dtype == np.int64 and set(full_csv["year"]) == {2023}
    assert set(full_csv["sex"]) == {"male", "female"}
    assert set(full_csv["contents"]) == {"Persons"}
    assert (full_csv["status"] == "").all()
    baerum = full_csv[full_csv["region"] == "K-3024 Bærum"]
    assert len(baerum) == 2 * 106
    assert baerum["value"].sum() == 129_874  # documented check


def test_statbank_csv_excerpt_long_form():
    df = read_statbank_csv(CSV_EXCERPT)
    assert len(df) == 2 * 106 * 2
    assert list(df["region"].unique()) == ["K-3001 Halden", "K-3024 Bærum"]
    first = df.iloc[0]
    assert (first["region"], first["age"], first["year"], first["sex"], first["value"]) == (
        "K-3001 Halden", "0 years", 2023, "male", 127.0,
    )  # fmt: skip
    by_region = df.groupby("region")["value"].sum()
    assert by_region["K-3001 Halden"] == 31_730  # awk over the raw file: 16 010 men + 15 720 women
    assert by_region["K-3024 Bærum"] == 129_874
    assert df["age"].iloc[105] == "105 years or older"


def test_statbank_csv_norwegian_utf8_bom():
    df = read_statbank_csv(CSV_NB)
    assert df.attrs["encoding"] == "utf-8"
    assert list(df.columns) == ["region", "alder", "contents", "year", "sex", "value", "status"]
    assert set(df["contents"]) == {"Personer"}  # table prefix "07459: " stripped
    assert df["region"].iloc[0] == "3024 Bærum"
    assert df.loc[(df["alder"] == "0 år") & (df["sex"] == "female"), "value"].item() == 581


def test_statbank_csv_symbols_and_comma_decimals():
    df = read_statbank_csv(FIX / "suppressed_statbank.csv")
    assert list(df.columns) == ["region", "contents", "year", "value", "status"]
    assert df.attrs["encoding"] == "iso-8859-1"
    assert df.attrs["notes"] == ["Kilde: syntetiske tall, planmodel"]
    got = {(r.region, r.year): (r.value, r.status) for r in df.itertuples()}
    assert got[("K-9901 Testby", 2019)] == (23.1, "")  # comma decimal
    assert got[("K-9902 Ærøya", 2023)] == (17.0, "")
    assert got[("K-9904 Øde", 2019)] == (0.0, "-")  # SSB '-' = nil = zero
    for key, symbol in [
        (("K-9902 Ærøya", 2019), ".."),
        (("K-9903 Høgfjell", 2019), ":"),
        (("K-9903 Høgfjell", 2023), "."),
        (("K-9904 Øde", 2023), "..."),
    ]:
        value, status = got[key]
        assert np.isnan(value) and status == symbol, key
    assert set(SSB_SYMBOLS) == {".", "..", "...", ":", "-"}
    assert SSB_SYMBOLS[".."] == "tallgrunnlag mangler"  # SSB's own bokmål wording


def test_statbank_csv_sex_and_year_as_columns():
    df = read_statbank_csv(FIX / "statbank_stub_sex_year.csv")
    assert list(df.columns) == ["region", "sex", "year", "contents", "value", "status"]
    assert df["year"].dtype == np.int64
    assert df["sex"].tolist() == ["male", "female", "male", "female"]
    assert df["value"].tolist() == [5.0, 6.0, 7.0, 8.0]


INVALID_CSV = [
    ("no_header.csv", "overskriftslinje", "fant ingen overskriftslinje blant 2 linjer med innhold"),
    ("no_value_columns.csv", "verdikolonner", r"fant ingen blant \['region', 'merknad'\]; forventet kolonner med tall"),
    ("ragged_row.csv", "linje 4", r"har 5 felt, men overskriftslinjen \(linje 2\) har 4"),
    ("bad_value_cell.csv", "linje 4, kolonne 'Persons 2023 Females'", "'4a' er verken et tall eller et av SSBs symboler"),
]


@pytest.mark.parametrize("name, field, problem", INVALID_CSV, ids=[c[0] for c in INVALID_CSV])
def test_statbank_csv_invalid_file(name, field, problem):
    with pytest.raises(InputError, match=where(INVALID / name, field) + problem):
        read_statbank_csv(INVALID / name)


def test_statbank_csv_missing_file():
    path = FIX / "no_such_file.csv"
    with pytest.raises(InputError, match=where(path, "fil") + "finnes ikke; forventet en CSV-fil eksportert fra SSBs"):
        read_statbank_csv(path)


def test_statbank_csv_unknown_encoding():
    path = FIX / "suppressed_statbank.csv"
    with pytest.raises(InputError, match=where(path, "encoding") + "'no-such-codec' er ikke en kjent tegnkoding"):
        read_statbank_csv(path, encoding="no-such-codec")


def test_statbank_csv_wrong_encoding():
    path = FIX / "suppressed_statbank.csv"  # ISO-8859-1
    with pytest.raises(InputError, match=where(path, "encoding") + r"filen er ikke gyldig utf-8 \(feil ved byte \d+\)"):
        read_statbank_csv(path, encoding="utf-8")


# --- read_population -------------------------------------------------------------------------


def test_population_from_statbank_csv_baerum():
    pop = read_population(CSV_EXCERPT, kommune="3024")
    assert pop.dims == ("year", "age", "sex")
    assert pop["year"].values.tolist() == [2023]
    np.testing.assert_array_equal(pop["age"].values, AGES)
    assert tuple(pop["sex"].values) == SEXES
    assert pop.attrs["units"] == "persons"
    assert pop.attrs["kommune"] == "3024"
    assert pop.attrs["kommune_name"] == "Bærum"
    assert pop.attrs["source"] == CSV_EXCERPT.name
    assert pop.sum().item() == 129_874
    base = pop.sel(year=2023)
    assert base.dims == ("age", "sex")
    assert base.sel(age=0).values.tolist() == [655, 581]  # first Bærum row of the raw file


def test_population_full_csv_matches_documented_checks(full_csv):
    assert read_population(CSV_FULL, kommune="3024").sum().item() == 129_874
    oslo = full_csv.loc[full_csv["region"] == "K-0301 Oslo", "value"].sum()
    assert oslo == 709_037  # awk over the raw file


def test_population_same_from_every_format():
    csv_en = read_population(CSV_EXCERPT, kommune="3024")
    xr.testing.assert_equal(read_population(CSV_NB), csv_en)
    from_json = read_population(J_BAERUM)  # region code "K-3024" -> "3024"
    xr.testing.assert_equal(from_json, csv_en)
    assert from_json.attrs["kommune"] == "3024"
    assert from_json.attrs["table"] == "07459"


def test_population_partial_ages_from_jsonstat():
    pop = read_population(J07459, kommune="0301", year=2024, partial=True)
    assert pop.dims == ("year", "age", "sex")
    assert pop["year"].values.tolist() == [2024]
    assert pop["age"].values.tolist() == list(range(80, 105))
    assert pop.sel(year=2024, age=80).values.tolist() == [1433, 1672]  # (male, female)
    assert pop.attrs["kommune_name"] == "Oslo - Oslove"


def test_population_years_selection():
    pop = read_population(J07459, kommune="1804", year=[2017, 2024], partial=True)
    assert pop["year"].values.tolist() == [2017, 2024]


def test_population_national_table_without_region():
    pop = read_population(J13599, partial=True)
    assert pop.attrs["kommune"] == "0"  # SSB's code for Norway as a whole
    assert pop.sel(year=2025, age=80, sex="female").item() == 20344


def test_population_multi_region_needs_kommune():
    problem = r"filen har 3 regioner \(0301, 1103, 1804\); velg én, for eksempel kommune='0301'"
    with pytest.raises(InputError, match=where(J07459, "kommune") + problem):
        read_population(J07459, partial=True)


def test_population_unknown_kommune():
    with pytest.raises(InputError, match=where(J07459, "kommune") + "'3024' finnes ikke i filen; tilgjengelig: 0301"):
        read_population(J07459, kommune="3024", partial=True)


def test_population_kommune_must_be_a_string():
    with pytest.raises(InputError, match=where(J07459, "kommune") + "301 er ikke tekst; skriv kommunenummeret som tekst"):
        read_population(J07459, kommune=301)


def test_population_partial_ages_rejected_by_default():
    with pytest.raises(InputError, match=where(J07459, "age") + r"aldrene 0-79, 105 mangler .* hver ettårig alder 0-105"):
        read_population(J07459, kommune="0301")


def test_population_unknown_year():
    with pytest.raises(InputError, match=where(CSV_EXCERPT, "year") + "år 2020 finnes ikke i filen; tilgjengelig: 2023$"):
        read_population(CSV_EXCERPT, kommune="3024", year=2020)


def test_population_negative_values():
    path = INVALID / "negative_population.csv"
    with pytest.raises(InputError, match=where(path, "value") + "1 negativt befolkningstall: .*alder 50, menn = -5"):
        read_population(path)


def test_population_suppressed_values():
    path = INVALID / "suppressed_population.csv"
    cells = r"alder 0, kvinner \(:\); år 2023, alder 90, kvinner \(\.\.\); år 2023, alder 105, kvinner \(\.\)"
    with pytest.raises(InputError, match=where(path, "value") + "3 verdier mangler eller er skjult av SSB.*" + cells):
        read_population(path)


def test_population_missing_file():
    path = FIX / "no_such_population.csv"
    problem = r"finnes ikke; forventet en SSB-fil \(tabell 07459\) i JSON-stat 2.0 eller CSV"
    with pytest.raises(InputError, match=where(path, "fil") + problem):
        read_population(path)


def test_population_not_a_population_table():
    dims = r"\['KOKkommuneregion0000', 'ContentsCode', 'Tid'\]"
    with pytest.raises(InputError, match=where(J12134, "id") + dims + r" har ingen dimensjon for alder \(Alder\)"):
        read_population(J12134, kommune="0301")


# --- messages are in bokmål ------------------------------------------------------------------

ENGLISH = re.compile(
    r"\b(the|is|are|not|has|have|no|expected|missing|found|does|exist|entries|cells?|line|column|header"
    r"|choose|available|suppressed|negative|ages?|year|file)\b"
)
BROKEN = (
    [(read_jsonstat, INVALID / name) for name, _, _ in INVALID_JSONSTAT]
    + [(read_statbank_csv, INVALID / name) for name, _, _ in INVALID_CSV]
    + [(read_population, INVALID / name) for name in ("negative_population.csv", "suppressed_population.csv")]
    + [(read_population, J07459), (read_population, J12134), (read_population, FIX / "no_such_file.csv")]
)


@pytest.mark.parametrize("reader, path", BROKEN, ids=[p.name for _, p in BROKEN])
def test_error_messages_are_in_bokmal(reader, path):
    """House rule: user-facing text in bokmål; only identifiers (JSON-stat keys, columns) stay as they are."""
    with pytest.raises(InputError) as info:
        reader(path)
    assert info.value.problem and not ENGLISH.search(info.value.problem), info.value.problem
    # the field is an identifier (`value`, `dimension.Alder.category.index`, `file`) or a place in the file
    assert not re.search(r"\b(line|column|header|top level)\b", info.value.field), info.value.field


# --- issue 13: every bad input answered clearly ----------------------------------------------

INVALID_ISSUE13 = [
    (read_jsonstat, "bad_role.json", "role", r"'time'; forventet et objekt som \{'time': \['Tid'\]"),
    (read_jsonstat, "bad_extension.json", "extension.px", r"\['07459'\]; forventet et objekt"),
    (read_jsonstat, "bad_unit.json", "dimension.ContentsCode.category.unit", "'antall'; forventet et objekt kode"),
    (read_jsonstat, "bad_index_type.json", "dimension.Alder.category.index", "2; forventet en liste med koder"),
    (read_jsonstat, "bad_label.json", "dimension.Alder.category.label", "etiketten for '080' er .*; forventet tekst"),
    (read_jsonstat, "huge_value.json", "value[1]", "inf er ikke et endelig tall"),
    (read_statbank_csv, "infinite_value.csv", "linje 24, kolonne 'Persons 2023 Males'",
     "'1e999' er ikke et endelig tall"),
    (read_statbank_csv, "year_twice.csv", "linje 3 (overskriftslinje)",
     r"kolonnene \['år', 'Tid'\] betyr det samme \(year\)"),
    (read_statbank_csv, "utf16_no_bom.csv", "fil", "teksten har et NUL-tegn .*UTF-16 uten byte order mark"),
    (read_population, "zero_population.csv", "value", "befolkningen i år 2023 er til sammen 0 personer"),
    (read_population, "huge_population.csv", "value",
     "befolkningen i år 2023 er til sammen 1e\\+300 personer, over grensen på 10 000 000 personer"),
    (read_population, "fractional_population.csv", "value",
     "1 verdi er ikke hele personer: år 2023, alder 7, menn = 655.5"),
    (read_population, "infinite_value.csv", "linje 24, kolonne 'Persons 2023 Males'", "'1e999' er ikke et endelig"),
]


@pytest.mark.parametrize("reader, name, field, problem", INVALID_ISSUE13, ids=[c[1] for c in INVALID_ISSUE13])
def test_issue13_invalid_file(reader, name, field, problem):
    with pytest.raises(InputError, match=where(INVALID / name, field) + problem) as info:
        reader(INVALID / name)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("reader", [read_jsonstat, read_statbank_csv, read_population])
def test_a_folder_is_not_a_file(reader):
    with pytest.raises(InputError, match=where(INVALID, "fil") + "er en mappe, ikke en fil"):
        reader(INVALID)


@pytest.mark.parametrize("reader", [read_jsonstat, read_statbank_csv, read_population])
def test_nul_byte_in_file_name(reader):
    with pytest.raises(InputError, match=r"^a\\x00b\.csv: fil: filnavnet inneholder et NUL-tegn"):
        reader("a\x00b.csv")


@pytest.mark.parametrize("reader", [read_jsonstat, read_statbank_csv, read_population])
def test_file_size_cap(reader, monkeypatch):
    import planmodel.inputs.readers as readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match=where(CSV_EXCERPT, "fil") + r"filen er 0,0 MB, over grensen på 0,0 MB"):
        reader(CSV_EXCERPT)


def test_path_of_the_wrong_type():
    with pytest.raises(InputError, match=r"^argument path: 5 er ikke en filsti"):
        read_population(5)


def test_many_bad_rows_give_a_short_message(tmp_path):
    path = tmp_path / "bad.csv"
    rows = [f'"K-3024 Bærum";"{i} years";x;y' for i in range(10_000)]
    path.write_text('"region";"age";"Persons 2023 Males";"Persons 2023 Females"\n' + "\n".join(rows), encoding="utf-8")
    with pytest.raises(InputError, match=r"'x' er verken et tall.*linje 6 'x' … og 9995 til$") as info:
        read_statbank_csv(path)
    assert len(str(info.value)) < 400


def test_many_negative_cells_give_a_short_message(tmp_path):
    text = (INVALID / "zero_population.csv").read_bytes().replace(b";0\r\n", b";-1\r\n")
    path = tmp_path / "neg.csv"
    path.write_bytes(text)
    with pytest.raises(InputError, match=r"106 negative befolkningstall: .* … og 101 til$"):
        read_population(path)


@pytest.mark.parametrize("encoding", ["iso-8859-1", "cp1252", "utf-16", "utf-8-sig"])
def test_population_in_other_encodings_is_read(encoding, tmp_path):
    expected = read_population(CSV_NB)
    text = CSV_NB.read_text(encoding="utf-8-sig")
    csv_path, json_path = tmp_path / "p.csv", tmp_path / "p.json"
    csv_path.write_bytes(text.encode(encoding))
    json_path.write_bytes(J_BAERUM.read_text(encoding="utf-8").encode(encoding))
    xr.testing.assert_equal(read_population(csv_path).drop_attrs(), expected.drop_attrs())
    assert float(read_population(json_path).sum()) == float(expected.sum())


def test_partial_population_may_be_zero_but_not_huge(tmp_path):
    pop = read_population(INVALID / "zero_population.csv", partial=True)
    assert float(pop.sum()) == 0
    with pytest.raises(InputError, match="over grensen på 10 000 000 personer"):
        read_population(INVALID / "huge_population.csv", partial=True)


def test_cli_refuses_a_bad_base_file_with_exit_code_2(capsys):
    from planmodel import cli

    code = cli.main(["population", "--kommune", "3024", "--base-file", str(INVALID / "zero_population.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "zero_population.csv: value: befolkningen i år 2023 er til sammen 0 personer" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_scenario_key_base_population_refuses_a_bad_file():
    from planmodel.inputs.scenario import PlanScenario

    with pytest.raises(InputError, match="zero_population.csv: value: befolkningen i år 2023 er til sammen 0"):
        PlanScenario(kommune="3201", base_population=str(INVALID / "zero_population.csv"))
