"""Tests for planmodel.goals: the shipped Bærum målstruktur, the tiltaksmatrise and validation.

Counts and texts are checked by hand against Bærum's kommuneplan (samfunnsdel, frem mot 2035):
Sammendrag s. 3-5, kap. 6.3 (Barn og unge) and kap. 7.3 (Bistand og omsorg).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from planmodel.core.errors import InputError
from planmodel.inputs.goals import (
    GoalHierarchy,
    check_links,
    delmal_uten_tiltak,
    load_goals,
    malstruktur,
    tidspunkt,
    tiltaksmatrise,
    tiltaksmatrise_totals,
)
from planmodel.inputs.catalogue import load_catalogue

# Delmål per hovedgrep, counted in the plan's "Delmål vi vil:" lists.
DELMAL_PER_HOVEDGREP = {
    "BU1": 4, "BU2": 3, "BU3": 3, "BU4": 4,
    "BO1": 3, "BO2": 3, "BO3": 4, "BO4": 4, "BO5": 3,
    "MIK1": 3, "MIK2": 1, "MIK3": 2, "MIK4": 3,
}


@pytest.fixture(scope="module")
def goals() -> GoalHierarchy:
    return load_goals()


def measure(mid, delmal, start=2027, end=None, title=None, ansvar="Enhet", status="forslag", sector="helse_og_omsorg"):
    """A stand-in for planmodel.measures.Measure (goals reads measures by duck typing)."""
    return SimpleNamespace(id=mid, title=title or mid.capitalize(), sector=sector, delmal=tuple(delmal),
                           ansvar=ansvar, start=start, end=end, status=status)


@pytest.fixture()
def measures():
    return [
        measure("velferdsteknologi", ["BO3.2", "BO1.1"], 2027, None, "Velferdsteknologi i hjemmetjenesten",
                "Helsefremming og innovasjon"),
        measure("leksehjelp", ["BU1.3"], 2026, 2029, "Leksehjelp", "Oppvekst skole", "vedtatt", "barn_og_unge"),
        measure("frivillighet", ["BO4.2"], None, None, "Pårørendeskole", "Frivillighetssentralen"),
    ]


@pytest.fixture()
def cost():
    # NOK 1000 per year, one row per tiltak.
    return pd.DataFrame({2026: [0.0, 400.0, 50.0], 2027: [1200.0, 400.0, 50.0], 2028: [800.0, 400.0, 50.0]},
                        index=["velferdsteknologi", "leksehjelp", "frivillighet"])


# ------------------------------------------------------------------------------ shipped file

def test_shipped_counts(goals):
    assert len(goals.hovedmal) == 4
    assert len(goals.hovedgrep) == 13
    assert len(goals.delmal) == 40
    assert {g: len(goals.delmal_of(g)) for g in goals.hovedgrep} == DELMAL_PER_HOVEDGREP
    assert [h.id for h in goals.hovedgrep_of("bistand_og_omsorg")] == ["BO1", "BO2", "BO3", "BO4", "BO5"]


def test_shipped_header(goals):
    assert goals.kommune == "3201"
    assert goals.source.startswith("Kilde: Bærum kommune, kommuneplanens samfunnsdel")
    assert (goals.plan.name, goals.plan.last_year) == ("Kommuneplanens samfunnsdel", 2035)
    assert goals.sectors == {"barn_og_unge": "Barn og unge", "bistand_og_omsorg": "Bistand og omsorg",
                             "miljo_idrett_kultur": "Miljø, idrett og kultur"}
    assert goals.sector_map["bistand_og_omsorg"] == ("helse_og_omsorg", "sosial")
    catalogue_sectors = set(load_catalogue().sectors)
    assert all(set(v) <= catalogue_sectors for v in goals.sector_map.values())


def test_shipped_texts(goals):
    assert goals.hovedmal["HM1"].text.startswith("Sikre bærekraftige tjenester som gir innbyggerne")
    assert goals.hovedmal["HM2"].text == "Sikre en balansert samfunnsutvikling som er mangfoldig, grønn og urban"
    assert goals.hovedmal["HM4"].text == "Legge dialog og medvirkning til grunn for utvikling av bedre løsninger"
    assert goals.hovedgrep["BO3"].title == "Effektive tjenester"
    assert goals.hovedgrep["MIK4"].title == "Mangfold og aktivitet"
    assert goals.delmal["BO3.2"].text == "utvikle og ta i bruk velferdsteknologiske løsninger"
    assert goals.delmal["BU1.1"].text == "gi barn og unge mulighet til å mestre eget liv"
    assert goals.delmal["BU3.2"].text == "samskape med frivillige organisasjoner"
    assert goals.delmal["BO4.2"].text == "styrke familieomsorgen"
    assert goals.delmal["MIK2.1"].text.startswith("at økt persontransport skal dekkes med kollektivreiser")
    # Kap. 6.3 lists "spisse innsatsen ..." under hovedgrep 1, and "tidlig hjelp" last under hovedgrep 2.
    assert goals.delmal["BU1.4"].text.startswith("spisse innsatsen mot grupper av barn og foreldre")
    assert goals.delmal["BU2.4"].text.startswith("gi barn og unge tidlig hjelp og oppfølging")
    assert "BU2.1" not in goals.delmal and goals.retired["BU2.1"].replaced_by == "BU1.4"
    # Kap. 7.3 gives hovedgrep 3 four delmål; "bruke forskning og innovasjon" is placed under BO4.
    assert goals.delmal["BO4.4"].text.startswith("bruke forskning og innovasjon som grunnlag for tjenesteutvikling")
    assert goals.delmal["BO4.4"].note


def test_shipped_links_are_consistent(goals):
    for d in goals.delmal.values():
        assert d.hovedgrep in goals.hovedgrep
        assert re.fullmatch(re.escape(d.hovedgrep) + r"\.[1-9]\d*", d.id)
    for h in goals.hovedgrep.values():
        assert h.sector in goals.sectors
        assert h.hovedmal and set(h.hovedmal) <= set(goals.hovedmal)
    # The sectors' hovedgrep serve HM1 (kap. 6.3 and 7.3); Miljø, idrett og kultur serves HM2.
    assert all("HM1" in h.hovedmal for h in goals.hovedgrep.values() if h.sector != "miljo_idrett_kultur")
    assert all("HM2" in h.hovedmal for h in goals.hovedgrep.values() if h.sector == "miljo_idrett_kultur")
    assert "HM4" in goals.hovedgrep["BU4"].hovedmal  # Medvirkning og involvering
    assert {h for h in goals.hovedmal if not any(h in g.hovedmal for g in goals.hovedgrep.values())} == set()


def test_path(goals):
    p = goals.path("BO3.2")
    assert p.sector == "Bistand og omsorg"
    assert p.hovedgrep == "Effektive tjenester"
    assert p.delmal == "utvikle og ta i bruk velferdsteknologiske løsninger"
    assert p.hovedmal[0] == goals.hovedmal["HM1"].text
    with pytest.raises(KeyError, match="ukjent delmål 'BO3.9'"):
        goals.path("BO3.9")


def test_malstruktur(goals):
    table = malstruktur(goals)
    assert len(table) == 40
    assert list(table.index[:5]) == ["BU1.1", "BU1.2", "BU1.3", "BU1.4", "BU2.2"]
    assert table.index[-1] == "MIK4.3"
    assert table.loc["BO3.2", "Hovedgrep"] == "BO3 Effektive tjenester"


# ------------------------------------------------------------------------------ tiltaksmatrise

def test_tiltaksmatrise_rows_and_order(goals, measures):
    m = tiltaksmatrise(goals, measures)
    # 2 + 1 + 1 links; the tiltak linked to two delmål appears twice.
    assert len(m) == 4
    assert list(m.index) == [("BU1.3", "leksehjelp"), ("BO1.1", "velferdsteknologi"),
                             ("BO3.2", "velferdsteknologi"), ("BO4.2", "frivillighet")]
    assert list(m.columns) == ["Hovedmål", "Sektor", "Hovedgrep", "Delmål", "Tiltak", "Ansvar", "Tidspunkt", "Status"]
    row = m.loc[("BO3.2", "velferdsteknologi")]
    assert row["Sektor"] == "Bistand og omsorg"
    assert row["Hovedgrep"] == "BO3 Effektive tjenester"
    assert row["Delmål"] == "BO3.2 utvikle og ta i bruk velferdsteknologiske løsninger"
    assert row["Hovedmål"] == "HM1 Bærekraftige tjenester, HM3 Innovativ organisasjon"
    assert row["Ansvar"] == "Helsefremming og innovasjon"
    assert row["Tidspunkt"] == "fra 2027"
    assert m.loc[("BU1.3", "leksehjelp"), "Tidspunkt"] == "2026–2029"
    assert m.loc[("BO4.2", "frivillighet"), "Tidspunkt"] == "ikke satt"
    assert "tiltaksmatrise_totals" in m.attrs["note"]  # the double-counting warning travels with the table


def test_tiltaksmatrise_cost_columns(goals, measures, cost):
    m = tiltaksmatrise(goals, measures, cost)
    assert [c for c in m.columns if isinstance(c, int)] == [2026, 2027, 2028]
    a, b = m.loc[("BO1.1", "velferdsteknologi")], m.loc[("BO3.2", "velferdsteknologi")]
    assert list(a[[2026, 2027, 2028]]) == list(b[[2026, 2027, 2028]]) == [0.0, 1200.0, 800.0]
    assert m.attrs["units"] == "NOK 1000"
    # Summing over rows double counts the tiltak with two delmål; the totals count it once.
    assert m[2027].sum() == pytest.approx(1200 * 2 + 400 + 50)
    totals = tiltaksmatrise_totals(m)
    assert list(totals.index) == ["leksehjelp", "velferdsteknologi", "frivillighet", "Sum"]
    assert totals.loc["Sum", 2027] == pytest.approx(1200 + 400 + 50)
    assert totals.loc["Sum", 2026] == pytest.approx(450)


def test_tiltaksmatrise_accepts_mapping_and_empty(goals, measures):
    by_id = {m.id: m for m in measures}
    assert tiltaksmatrise(goals, by_id).equals(tiltaksmatrise(goals, measures))
    empty = tiltaksmatrise(goals, [])
    assert len(empty) == 0 and "Delmål" in empty.columns


def test_tiltaksmatrise_bad_cost(goals, measures, cost):
    with pytest.raises(InputError, match=r"cost: index: mangler kostnad for tiltak 'frivillighet'"):
        tiltaksmatrise(goals, measures, cost.drop(index="frivillighet"))
    with pytest.raises(InputError, match=r"cost: kolonne '2026': forventet årstall som heltall"):
        tiltaksmatrise(goals, measures, cost.rename(columns=str))
    with pytest.raises(InputError, match="ingen årskolonner"):
        tiltaksmatrise_totals(tiltaksmatrise(goals, measures))


@pytest.mark.parametrize("start, end, text", [
    (2027, 2030, "2027–2030"), (2027, None, "fra 2027"), (2027, 2027, "2027"),
    (None, 2030, "til 2030"), (None, None, "ikke satt"),
])
def test_tidspunkt(start, end, text):
    assert tidspunkt(start, end) == text


def test_delmal_uten_tiltak(goals, measures):
    table = delmal_uten_tiltak(goals, measures)
    served = {"BO3.2", "BO1.1", "BU1.3", "BO4.2"}
    assert len(table) == 40 - len(served)
    assert served.isdisjoint(table["Delmål-id"])
    assert list(table.columns) == ["Sektor", "Hovedgrep", "Delmål-id", "Delmål"]
    first = table.iloc[0]
    assert (first["Sektor"], first["Hovedgrep"], first["Delmål-id"]) == ("Barn og unge",
                                                                        "BU1 Mestring og økt selvhjulpenhet", "BU1.1")
    assert len(delmal_uten_tiltak(goals, [])) == 40


# ------------------------------------------------------------------------------ check_links

def test_check_links_unknown_delmal(goals):
    bad = [measure("ok", ["BU1.1"]), measure("hverdagsrehab", ["BO1.1", "BO3.9"])]
    with pytest.raises(InputError) as err:
        check_links(goals, bad, source="tiltak/mine.yaml")
    msg = str(err.value)
    assert msg.startswith("tiltak/mine.yaml: measures.hverdagsrehab.delmal: ukjent delmål 'BO3.9'")
    assert "(mente du 'BO3." in msg
    assert "BO3.1, BO3.2, BO3.3, BO3.4" in msg  # valid ids of the same hovedgrep


def test_check_links_retired_and_duplicates(goals):
    with pytest.raises(InputError, match=r"measures.x.delmal: delmål-id 'BU2.1' er tatt ut av bruk; bruk 'BU1.4'"):
        check_links(goals, [measure("x", ["BU2.1"])])
    with pytest.raises(InputError, match=r"measures.x.delmal: delmålet 'BU1.1' står to ganger"):
        check_links(goals, [measure("x", ["BU1.1", "BU1.1"])])
    with pytest.raises(InputError, match=r"measures.x: to tiltak har samme id"):
        check_links(goals, [measure("x", ["BU1.1"]), measure("x", ["BU1.2"])])
    with pytest.raises(InputError, match=r"measures.x.delmal: et tiltak må knyttes til minst ett delmål"):
        check_links(goals, [measure("x", [])])


# ------------------------------------------------------------------------------ validation

VALID = """\
schema_version: 1
source: "Kilde: Testkommune"
kommune: "9999"
plan:
  name: "Kommuneplanens samfunnsdel"
  first_year: 2025
  last_year: 2040
hovedmal:
  HM1:
    text: "Gode tjenester"
  HM2:
    text: "God samfunnsutvikling"
    short: "Samfunn"
sectors:
  oppvekst:
    name: "Oppvekst"
    model_sectors: ["barn_og_unge"]
hovedgrep:
  BU1:
    sector: "oppvekst"
    title: "Mestring"
    hovedmal: ["HM1"]
    delmal:
      BU1.1: "gi barn mulighet til å mestre eget liv"
      BU1.2:
        text: "ha gode skoler"
        note: "en merknad"
  BU2:
    sector: "oppvekst"
    title: "Tidlig innsats"
    hovedmal: ["HM1", "HM2"]
    delmal:
      BU2.1: "gi tidlig hjelp"
"""
MODEL_SECTORS = ["barn_og_unge", "helse_og_omsorg"]


def write(tmp_path, text, name="mal.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_fixture(tmp_path):
    g = load_goals(write(tmp_path, VALID), MODEL_SECTORS)
    assert (len(g.hovedmal), len(g.hovedgrep), len(g.delmal)) == (2, 2, 3)
    assert g.delmal["BU1.2"].note == "en merknad"
    assert g.hovedmal["HM1"].label == "HM1 Gode tjenester"
    assert g.plan.period == "2025–2040"
    assert g.file.endswith("mal.yaml")


def _replace(old, new):
    assert old in VALID, old
    return VALID.replace(old, new, 1)


# (case, broken text, key path (with line), what the message says was expected)
INVALID = [
    ("unknown key",
     _replace('    title: "Mestring"\n', '    title: "Mestring"\n    colour: "red"\n'),
     "hovedgrep.BU1.colour (linje 22)", "ukjent nøkkel; tillatt her: delmal, hovedmal, note, reference, sector, title"),
    ("duplicate key",
     _replace('    title: "Mestring"\n', '    title: "Mestring"\n    title: "Mestring igjen"\n'),
     "hovedgrep.BU1.title (linje 22)", "nøkkelen finnes to ganger: 'title' (første gang på linje 21)"),
    ("unknown hovedmål reference",
     _replace('hovedmal: ["HM1", "HM2"]', 'hovedmal: ["HM1", "HM3"]'),
     "hovedgrep.BU2.hovedmal[1] (linje 31)", "ukjent hovedmål 'HM3'"),
    ("duplicate delmål id",
     _replace('      BU2.1: "gi tidlig hjelp"\n', '      BU2.1: "gi tidlig hjelp"\n      BU1.1: "igjen"\n'),
     "hovedgrep.BU2.delmal.BU1.1 (linje 34)", "id 'BU1.1' finnes allerede (hovedgrep.BU1.delmal.BU1.1 (linje 24))"),
    ("delmål id not under its hovedgrep",
     _replace('      BU1.1: "gi barn', '      BU2.7: "gi barn'),
     "hovedgrep.BU1.delmal.BU2.7 (linje 24)", "forventet 'BU1.<nummer>' (f.eks. 'BU1.1') fordi delmålet står under hovedgrep BU1"),
    ("duplicate hovedgrep id with a hovedmål id",
     _replace("  BU2:\n", "  HM2:\n"),
     "hovedgrep.HM2 (linje 28)", "id 'HM2' finnes allerede (hovedmal.HM2 (linje 11))"),
    ("unknown sector",
     _replace('    sector: "oppvekst"\n    title: "Tidlig', '    sector: "omsorg"\n    title: "Tidlig'),
     "hovedgrep.BU2.sector (linje 29)", "ukjent verdi 'omsorg'; gyldige: oppvekst"),
    ("unknown model sector",
     _replace('model_sectors: ["barn_og_unge"]', 'model_sectors: ["skole"]'),
     "sectors.oppvekst.model_sectors (linje 17)", "ukjent verdi 'skole'; gyldige: barn_og_unge, helse_og_omsorg"),
    ("unquoted kommune code",
     _replace('kommune: "9999"', "kommune: 0301"),
     "kommune (linje 3)", "er ikke tekst (sett koder i anførselstegn"),
    ("missing key",
     _replace('    title: "Tidlig innsats"\n', ""),
     "hovedgrep.BU2 (linje 28)", "mangler nøkkelen 'title'"),
    ("schema version",
     _replace("schema_version: 1", "schema_version: 2"),
     "schema_version (linje 1)", "planmodel kjenner bare versjon 1"),
    ("retired id still in use",
     VALID + 'retired_delmal:\n  BU2.1:\n    replaced_by: "BU1.1"\n    reason: "flyttet"\n',
     "retired_delmal.BU2.1 (linje 35)", "er et delmål i bruk"),
]


@pytest.mark.parametrize("case, text, key_path, expected", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_file(tmp_path, case, text, key_path, expected):
    path = write(tmp_path, text, "ugyldig.yaml")
    with pytest.raises(InputError) as err:
        load_goals(path, MODEL_SECTORS)
    msg = str(err.value)
    assert msg.startswith(f"{path}: {key_path}: "), msg
    assert expected in msg, msg


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="finnes ikke"):
        load_goals(tmp_path / "nei.yaml", MODEL_SECTORS)


def test_shipped_tiltak_library_links_to_existing_delmal(goals):
    from planmodel.inputs.library import load_library

    check_links(goals, list(load_library().measures.values()), source="data/tiltak/tiltaksbibliotek.yaml")
