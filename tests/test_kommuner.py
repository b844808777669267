"""Tests for planmodel.kommuner: hand-checked lookups, the change table's integrity, and
recoding the 2023 population (2020-23 numbering) to the 2024 numbering."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from planmodel.inputs import data, kommuner
from planmodel.core.paths import data_path
from planmodel.core.errors import InputError, KommuneError
from planmodel.inputs.kommuner import (
    Kommune,
    all_kommuner,
    kommune_changes,
    map_to_current,
    norwegian_name,
    resolve_kommune,
    successors,
)

NATIONAL_TOTAL_2023 = 5_488_984  # SSB 07459, 1.1.2023, whole country
ALESUND_1507_2023 = 67_520  # 1507 Ålesund 1.1.2023, summed by hand from the same file

# Hyphenated names in data/kommuner.csv that are Norwegian through and through.
GENUINELY_HYPHENATED = {
    "Aurskog-Høland", "Midt-Telemark", "Nord-Aurdal", "Nord-Fron", "Nord-Odal",
    "Stor-Elvdal", "Sør-Aurdal", "Sør-Fron", "Sør-Odal", "Sør-Varanger",
}
# A known defect of the 2020-23 name list (not of the change table): 5006 is cut short.
KNOWN_BAD_2023_NAMES = {"5006": "teinkj"}


@pytest.fixture(scope="module")
def changes() -> pd.DataFrame:
    return kommune_changes()


@pytest.fixture(scope="module")
def current() -> pd.DataFrame:
    return all_kommuner()


@pytest.fixture(scope="module")
def names_2023() -> dict[str, str]:
    df = pd.read_csv(data_path("population", "kommunenavn_2023_2020-inndeling.csv"), dtype=str)
    return dict(zip(df["kommune"], df["name"].str.strip()))


@pytest.fixture(scope="module")
def population_2023() -> pd.DataFrame:
    return pd.read_csv(data_path("population", "kommuner_2023_2020-inndeling.csv"), dtype={"kommune": str})


def plain(name: str) -> str:
    """Norwegian name without fylke qualifier, folded: for comparing SSB name variants."""
    base = re.sub(r"\s*\([^()]*\)\s*$", "", name)
    return kommuner._fold(norwegian_name(base))


# --------------------------------------------------------------------------------------
# Hand-checked lookups
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, code",
    [
        ("0219", "3201"),  # Bærum until 2019
        ("3024", "3201"),  # Bærum 2020-23
        ("3201", "3201"),
        ("Bærum", "3201"),
        ("baerum", "3201"),
        ("BÆRUM", "3201"),
        ("Bærum kommune", "3201"),
        (301, "0301"),
        ("301", "0301"),
        ("0301", "0301"),
        ("Oslo", "0301"),
        ("oslo", "0301"),
        ("Oslove", "0301"),  # Sami form in "Oslo-Oslove"
        ("Røyken", "3203"),  # merged into Asker 2020
        ("Hurum", "3203"),
        ("Sande (Vestfold)", "3903"),  # merged into Holmestrand 2020
        ("Sande", "1514"),  # current Sande beats the old namesake
        ("Våler (Østfold)", "3114"),
        ("Våler (Hedmark)", "3419"),  # old fylke in the qualifier
        ("Herøy (Nordland)", "1818"),
        ("Voss", "4621"),  # "Voss herad" since 2024
        ("Tønsberg", "3905"),
        ("Tonsberg", "3905"),
        ("Lardal", "3909"),  # old Lardal -> Larvik, not Lærdal
        ("Lærdal", "4642"),
        ("Laerdal", "4642"),
        ("Kautokeino", "5612"),
        ("Guovdageaidnu", "5612"),
        ("Aurskog Høland", "3226"),
        ("Haram", "1580"),
        ("1508", "1508"),
        ("1601", "5001"),  # Trondheim before the 2018 Trøndelag renumbering
        ("1702", "5006"),  # Steinkjer 1702 -> 5004 (2018) -> 5006 (2020)
        ("0703", "3901"),  # Horten 1988 -> 0701 Borre (renamed Horten 2002) -> 3801 -> 3901
    ],
)
def test_resolve_kommune(query, code):
    assert resolve_kommune(query).code == code


def test_resolved_kommune_has_the_2024_facts():
    k = resolve_kommune("0219")
    assert k == Kommune("3201", "Bærum", "32", "Akershus", k.population_2026)
    assert k.population_2026 > 100_000
    assert str(k) == "Bærum (3201)"
    assert resolve_kommune(301).display_name == "Oslo"
    assert resolve_kommune(301).name == "Oslo-Oslove"


def test_split_kommune_code_names_its_successors():
    with pytest.raises(KommuneError, match="delt") as info:
        resolve_kommune("1507")
    msg = str(info.value)
    assert "1508 Ålesund" in msg and "1580 Haram" in msg and "\n" not in msg
    assert info.value.candidates == ["1508", "1580"]


def test_code_merged_into_a_later_split_kommune_is_split_too():
    with pytest.raises(KommuneError, match="1507 Ålesund ble delt 1.1.2024"):
        resolve_kommune("1534")  # Haram, merged into Ålesund 2020


def test_split_of_2020_by_name():
    with pytest.raises(KommuneError, match="5055 Heim, 5056 Hitra og 5059 Orkland"):
        resolve_kommune("Snillfjord")


@pytest.mark.parametrize(
    "name, codes", [("Våler", ["3114", "3419"]), ("Herøy", ["1515", "1818"])]
)
def test_ambiguous_name_lists_candidates_with_fylke(name, codes):
    with pytest.raises(KommuneError, match="tvetydig") as info:
        resolve_kommune(name)
    msg = str(info.value)
    for code in codes:
        assert code in msg
    assert info.value.candidates == codes
    if name == "Våler":
        assert "Østfold" in msg and "Innlandet" in msg


def test_unknown_name_suggests_close_match():
    with pytest.raises(KommuneError) as info:
        resolve_kommune("Bærumm")
    assert str(info.value) == "ukjent kommune 'Bærumm'; mente du Bærum (3201)?"


def test_unknown_old_name_suggests_its_successor():
    with pytest.raises(KommuneError, match=r"mente du Røyken \(nå Asker, 3203\)\?"):
        resolve_kommune("Røykenn")


@pytest.mark.parametrize("query", ["9999", "0000", "xyzzy", "", 3.5, None, True])
def test_unknown_or_invalid_query(query):
    with pytest.raises(KommuneError):
        resolve_kommune(query)


def test_successors():
    assert successors("0219") == ["3201"]
    assert successors("3024") == ["3201"]
    assert successors("3201") == ["3201"]
    assert successors(301) == ["0301"]
    assert successors("1507") == ["1508", "1580"]
    assert successors("1850") == ["1806", "1875"]  # Tysfjord, split 2020
    assert successors("0627") == ["3203"]
    with pytest.raises(KommuneError, match="ukjent kommunenummer"):
        successors("9999")


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, expected",
    [
        ("Oslo-Oslove", "Oslo"),
        ("Snåase-Snåsa", "Snåsa"),
        ("Storfjord-Omasvuotna-Omasvuono", "Storfjord"),
        ("Gáivuotna-Kåfjord-Kaivuono", "Kåfjord"),
        ("Porsanger - Porsángu - Porsanki ", "Porsanger"),
        ("Guovdageaidnu - Kautokeino", "Kautokeino"),
        ("Aurskog-Høland", "Aurskog-Høland"),
        ("Nord-Odal", "Nord-Odal"),
        ("Midt-Telemark", "Midt-Telemark"),
        ("Øvre Eiker", "Øvre Eiker"),
        ("Sør-Varanger", "Sør-Varanger"),
    ],
)
def test_norwegian_name(name, expected):
    assert norwegian_name(name) == expected


def test_every_hyphenated_name_is_classified(current, names_2023, changes):
    """A new Sami/Kven name must be added to SAMI_KVEN_FORMS (or to GENUINELY_HYPHENATED)."""
    names = set(current["name"]) | set(names_2023.values()) | set(changes["old_name"]) | set(changes["new_name"])
    unclassified = sorted(
        n for n in names
        if "-" in n and norwegian_name(n) == n.strip() and n.strip() not in GENUINELY_HYPHENATED
    )
    assert unclassified == []


def test_current_names_are_unique_but_for_known_namesakes(current):
    loose = current["display_name"].map(lambda n: kommuner._loose(kommuner._fold(n)))
    dup = sorted(set(current.loc[loose.duplicated(keep=False), "display_name"]))
    assert dup == ["Herøy", "Våler"]


# --------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------
def test_all_kommuner(current):
    assert len(current) == 357
    assert list(current.columns) == [*kommuner.KOMMUNE_COLUMNS, "display_name"]
    assert current["kommune"].is_unique and current["kommune"].is_monotonic_increasing
    assert current["kommune"].str.fullmatch(r"\d{4}").all()
    assert current["population_2026"].dtype == "int64"
    assert current.loc[current["kommune"] == "0301", "display_name"].item() == "Oslo"
    # callers get copies: changing one does not change the next
    current_copy = all_kommuner()
    current_copy.loc[0, "name"] = "x"
    assert all_kommuner().loc[0, "name"] != "x"


def test_change_table_columns_and_codes(changes):
    assert list(changes.columns) == kommuner.CHANGE_COLUMNS
    for col in ("old_code", "new_code"):
        assert changes[col].str.fullmatch(r"\d{4}").all(), col
    assert set(changes["change"]) == set(kommuner.CHANGE_KINDS)
    assert len(changes) == 529
    assert not changes.duplicated(["old_code", "new_code", "change_date"]).any()


def test_change_kinds_agree_with_the_rows(changes):
    moved = changes[changes["old_code"] != changes["new_code"]]
    n_new = changes.groupby(["change_date", "old_code"])["new_code"].transform("nunique")
    n_old = changes.groupby(["change_date", "new_code"])["old_code"].transform("nunique")
    expected = pd.Series("renumbered", index=changes.index)
    expected[n_old > 1] = "merged"
    expected[n_new > 1] = "split"
    pd.testing.assert_series_equal(changes["change"], expected, check_names=False, check_dtype=False)
    # a row keeping its code is always the surviving side of a merger
    kept = changes[changes["old_code"] == changes["new_code"]]
    assert set(kept["change"]) == {"merged"}
    assert len(moved) + len(kept) == len(changes)


def test_every_chain_ends_in_a_2024_kommune(changes, current):
    """Dates increase along every chain (checked while following it), so no cycles."""
    now = set(current["kommune"])
    for code in set(changes["old_code"]) | set(changes["new_code"]):
        succ = successors(code)
        assert succ and set(succ) <= now, code
    moved = changes[changes["old_code"] != changes["new_code"]]
    assert moved.groupby("old_code")["change_date"].nunique().max() == 1
    # an old code that still exists is only ever the surviving side of a merger
    assert not set(moved["old_code"]) & now


def test_2024_reform_rows_match_kommuner_csv(changes, current):
    rows = changes[changes["change_date"] == "2024-01-01"]
    names = dict(zip(current["kommune"], current["name"]))
    assert set(rows["new_code"]) <= set(names)
    for r in rows.itertuples():
        assert plain(r.new_name) == plain(names[r.new_code]), r
    split = rows[rows["change"] == "split"]
    assert sorted(zip(split["old_code"], split["new_code"])) == [("1507", "1508"), ("1507", "1580")]
    # the split of Viken, Vestfold og Telemark and Troms og Finnmark renumbered every kommune
    assert set(rows["old_code"].str[:2]) == {"15", "30", "38", "54"}


def test_2020_23_kommuner_all_map_to_2024(changes, current, names_2023):
    assert len(names_2023) == 356
    now = set(current["kommune"])
    renumbered_2024 = set(changes.loc[changes["change_date"] == "2024-01-01", "old_code"])
    for code in names_2023:
        assert (code in now) != (code in renumbered_2024), code
        assert set(successors(code)) <= now
    split = {code: successors(code) for code in names_2023 if len(successors(code)) > 1}
    assert split == {"1507": ["1508", "1580"]}
    # names of the 2024 rows' old codes and the 2020 rows' new codes match SSB's 2020-23 list
    for r in changes[changes["change_date"] == "2024-01-01"].itertuples():
        assert plain(r.old_name) == plain(names_2023[r.old_code]), r
    for r in changes[changes["change_date"] == "2020-01-01"].itertuples():
        if r.new_code in KNOWN_BAD_2023_NAMES:
            assert names_2023[r.new_code] == KNOWN_BAD_2023_NAMES[r.new_code]
            continue
        assert plain(r.new_name) == plain(names_2023[r.new_code]), r


# --------------------------------------------------------------------------------------
# map_to_current
# --------------------------------------------------------------------------------------
def test_map_to_current_refuses_split_by_default(population_2023):
    with pytest.raises(KommuneError, match=r"1507 \(Ålesund\) -> 1508 Ålesund, 1580 Haram"):
        map_to_current(population_2023)


def test_map_to_current_population_2023(population_2023):
    assert population_2023["persons"].sum() == NATIONAL_TOTAL_2023
    out = map_to_current(population_2023, code_col="kommune", split="drop")
    assert out.attrs["dropped"] == ["1507"]
    assert list(out.columns) == list(population_2023.columns)
    assert out["persons"].sum() == NATIONAL_TOTAL_2023 - ALESUND_1507_2023
    assert out["kommune"].nunique() == 355  # 357 less 1508 and 1580
    assert not out.duplicated(["kommune", "year", "age", "sex"]).any()
    assert out["persons"].dtype == "int64"
    baerum = out.loc[out["kommune"] == "3201", "persons"].sum()
    assert baerum == population_2023.loc[population_2023["kommune"] == "3024", "persons"].sum()


def test_map_to_current_2023_is_consistent_with_2025(population_2023):
    """Two years of growth: within 8 % per kommune (largest seen: Råde -5.6 %)."""
    out = map_to_current(population_2023, split="drop")
    p2025 = data.all_kommuner_population().sel(year=2025).sum(["age", "sex"]).to_pandas()
    p2023 = out.groupby("kommune")["persons"].sum()
    ratio = (p2025.reindex(p2023.index) / p2023)
    assert ratio.notna().all()
    assert ratio.between(0.92, 1.08).all(), ratio[~ratio.between(0.92, 1.08)]
    assert ratio.median() == pytest.approx(1.014, abs=0.01)
    # the split kommune, handled explicitly: 1508 + 1580 in 2025 against 1507 in 2023
    alesund = p2025[["1508", "1580"]].sum() / ALESUND_1507_2023
    assert alesund == pytest.approx(1.016, abs=0.01)


def test_map_to_current_sums_merged_kommuner():
    df = pd.DataFrame(
        {
            "kommune": ["0220", "0627", "0628", "0219", "0220", 301],
            "year": [2019, 2019, 2019, 2019, 2018, 2019],
            "persons": [10, 20, 30, 40, 1, 5],
            "rate": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        }
    )
    df.attrs["units"] = "persons"
    out = map_to_current(df, values="persons")
    expected = pd.DataFrame(
        {
            "kommune": ["3203", "3201", "3203", "0301"],
            "year": [2019, 2019, 2018, 2019],
            "persons": [60, 40, 1, 5],
            "rate": [0.5, 0.5, 0.5, 0.5],
        }
    )
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert out.attrs == {"units": "persons", "dropped": []}
    # without values=, every numeric non-dimension column is summed
    assert map_to_current(df)["rate"].tolist() == [1.5, 0.5, 0.5, 0.5]
    # how=None only recodes
    assert map_to_current(df, how=None)["kommune"].tolist() == ["3203", "3203", "3203", "3201", "3203", "0301"]
    assert df["kommune"].tolist()[0] == "0220"  # input untouched


def test_map_to_current_errors():
    df = pd.DataFrame({"kommune": ["0219", "9999"], "persons": [1, 2]})
    with pytest.raises(KommuneError, match="ukjente kommunenummer 9999"):
        map_to_current(df)
    with pytest.raises(InputError, match="argument df: knr: column is missing"):
        map_to_current(df, code_col="knr")
    with pytest.raises(InputError, match="'mean' is not an option"):
        map_to_current(df.iloc[:1], how="mean")
    with pytest.raises(InputError, match="'keep' is not an option"):
        map_to_current(df.iloc[:1], split="keep")
    with pytest.raises(InputError, match="no numeric value column"):
        map_to_current(pd.DataFrame({"kommune": ["0219"], "year": [2019]}))


# --------------------------------------------------------------------------------------
# A broken change table is rejected with file, field and cause
# --------------------------------------------------------------------------------------
@pytest.fixture
def broken_changes(monkeypatch, tmp_path):
    """Point the module at a copy of the change table with one line appended."""
    good = data_path("kommune_changes.csv").read_text(encoding="utf-8")

    def use(extra_line: str):
        path = tmp_path / "kommune_changes.csv"
        path.write_text(good + extra_line + "\n", encoding="utf-8")
        real = kommuner.data_path
        monkeypatch.setattr(
            kommuner, "data_path", lambda *parts: path if parts == kommuner.CHANGES_FILE else real(*parts)
        )
        kommuner._changes_table.cache_clear()
        kommuner._index.cache_clear()

    yield use
    monkeypatch.undo()
    kommuner._changes_table.cache_clear()
    kommuner._index.cache_clear()


@pytest.mark.parametrize(
    "line, match",
    [
        ("0219,Bærum,3024,Bærum,2020-01-01,moved", r"kommune_changes.csv: change \(row 531\): 'moved' is not one of"),
        ("219,Bærum,3024,Bærum,2020-01-01,renumbered", r"kommune_changes.csv: old_code: '219' is not a 4-digit code"),
        ("0219,Bærum,3024,Bærum,1.1.2020,renumbered", r"kommune_changes.csv: change_date: expected ISO dates"),
        (
            "0219,Bærum,3024,Bærum,2020-01-01,renumbered",
            r"kommune_changes.csv: row 531: 0219 -> 3024 on 2020-01-01 is listed twice",
        ),
        (
            "3201,Bærum,9998,Bærum,2025-01-01,renumbered",
            r"kommune_changes.csv: new_code: chain 0219 -> 3024 -> 3201 -> 9998 ends in 9998",
        ),
        ("3201,Bærum,0219,Bærum,2025-01-01,renumbered", r"kommune_changes.csv: change_date: chain .* goes back in time"),
    ],
)
def test_broken_change_table(broken_changes, line, match):
    broken_changes(line)
    with pytest.raises(InputError, match=match):
        successors("0219")
