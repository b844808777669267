"""The all-kommune data files: the invariants documented in data/README.md.

Reads only the shipped files under data/ (never the raw source copies) with numpy, pandas and
netCDF4, so it does not depend on the planmodel package (which is being reorganised).
"""

from functools import lru_cache
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

NATIONAL_POPULATION = {2005: 4_594_571, 2023: 5_488_980, 2024: 5_550_203, 2025: 5_594_340, 2026: 5_627_400}
PANEL_COLUMNS = [
    "kommune", "year", "hjemmetjenester_0_66", "hjemmetjenester_67_79", "hjemmetjenester_80p",
    "hjemmetjenester_total", "heldogn_bolig_total", "institusjon_langtid_0_66",
    "institusjon_langtid_67_79", "institusjon_langtid_80p", "institusjon_langtid_total",
    "timer_hjemmesykepleie_per_uke", "sykepleier_arsverk",
]


def _csv(*parts: str) -> pd.DataFrame:
    return pd.read_csv(DATA.joinpath(*parts), dtype={"kommune": str})


@lru_cache(maxsize=None)
def _kommuner() -> list[str]:
    return sorted(_csv("kommuner.csv")["kommune"])


@lru_cache(maxsize=None)
def _population() -> dict:
    with netCDF4.Dataset(DATA / "population" / "kommuner_2005_2026.nc") as ds:
        out = {name: ds[name][:] for name in ("kommune", "year", "age", "sex")}
        out["persons"] = ds["persons"][:]  # masked array: the two absent kommune-years are masked
        out["dtype"] = ds["persons"].dtype
        out["dims"] = ds["persons"].dimensions
    return out


def _assert_kommune_codes(codes) -> None:
    codes = list(codes)
    assert all(isinstance(c, str) and len(c) == 4 and c.isdigit() for c in codes)
    assert sorted(codes) == _kommuner()


# --- population/kommuner_2005_2026.nc ----------------------------------------------------------

def test_population_history_has_the_documented_layout():
    p = _population()
    assert p["dims"] == ("kommune", "year", "age", "sex") and p["dtype"] == np.int32
    _assert_kommune_codes(p["kommune"])
    assert list(p["year"]) == list(range(2005, 2027))
    assert list(p["age"]) == list(range(106))
    assert list(p["sex"]) == ["male", "female"]
    assert p["persons"].shape == (357, 22, 106, 2)


def test_population_history_national_sums_and_no_negative_persons():
    p = _population()
    persons = p["persons"]
    assert persons.min() >= 0  # over the valid (unmasked) cells
    totals = persons.sum(axis=(0, 2, 3))
    years = list(p["year"])
    for year, total in NATIONAL_POPULATION.items():
        assert int(totals[years.index(year)]) == total


def test_population_history_only_vindafjord_and_aure_2005_are_missing():
    p = _population()
    missing = np.ma.getmaskarray(p["persons"]).any(axis=(2, 3))
    assert np.ma.getmaskarray(p["persons"]).all(axis=(2, 3)).sum() == missing.sum()  # whole kommune-years
    pairs = [(str(p["kommune"][k]), int(p["year"][y])) for k, y in zip(*np.nonzero(missing))]
    assert pairs == [("1160", 2005), ("1576", 2005)]


def test_population_history_2026_equals_the_kommune_table():
    p = _population()
    pop2026 = dict(zip(np.asarray(p["kommune"], dtype=str), p["persons"][:, -1].sum(axis=(1, 2)).tolist()))
    table = _csv("kommuner.csv").set_index("kommune")["population_2026"]
    assert all(pop2026[k] == table[k] for k in table.index)


# --- kostra/kostra_2025_okonomi_*.csv ----------------------------------------------------------

ECONOMY_AMOUNTS = [
    "gross_operating_income", "net_operating_result", "net_debt", "net_operating_expenditure",
    "nde_barnehage", "nde_grunnskole", "nde_helse_omsorg", "nde_sosial", "nde_barnevern",
]


def test_kostra_economy_kommuner_sum_to_the_national_row():
    kom = _csv("kostra", "kostra_2025_okonomi_kommuner.csv")
    landet = _csv("kostra", "kostra_2025_okonomi_landet.csv")
    assert list(kom.columns) == ["kommune", "year", "population_31dec"] + ECONOMY_AMOUNTS
    assert list(landet.columns) == list(kom.columns)
    _assert_kommune_codes(kom["kommune"])
    assert landet["kommune"].tolist() == ["EAK"] and (kom["year"] == 2025).all()
    assert kom.notna().all().all()
    for c in ECONOMY_AMOUNTS + ["population_31dec"]:
        assert kom[c].sum() == landet[c].iloc[0], c
    assert landet["population_31dec"].iloc[0] == NATIONAL_POPULATION[2026]


@pytest.mark.parametrize("kommune, ndr_pct", [("3201", 6.03), ("4601", 1.03), ("1151", 1.59), ("4032", 6.77)])
def test_kostra_netto_driftsresultat_percent(kommune, ndr_pct):
    # 4032 is Fyresdal (2024 numbering; there is no 4031)
    row = _csv("kostra", "kostra_2025_okonomi_kommuner.csv").set_index("kommune").loc[kommune]
    assert row["net_operating_result"] / row["gross_operating_income"] * 100 == pytest.approx(ndr_pct, abs=0.005)


def test_kostra_baerum_net_debt_and_population():
    row = _csv("kostra", "kostra_2025_okonomi_kommuner.csv").set_index("kommune").loc["3201"]
    assert row["net_debt"] == 12_613_146
    assert row["population_31dec"] == _csv("kommuner.csv").set_index("kommune").loc["3201", "population_2026"]


def test_kostra_national_indicators():
    df = pd.read_csv(DATA / "kostra" / "kostra_nokkeltall_landet_2020_2025.csv")
    assert list(df.columns) == ["region", "year", "indicator", "value", "unit", "preliminary", "indicator_nb"]
    assert not df.duplicated(["region", "indicator", "year"]).any()
    assert set(df["region"]) == {"EAK", "EAKUO"}
    assert (df["preliminary"] == (df["year"] == 2025)).all()
    v = df.set_index(["region", "indicator", "year"])["value"]
    assert v[("EAK", "free_equity_operating_pct", 2025)] == 11.3
    assert v[("EAK", "gross_investment_pct", 2025)] == 14.1
    assert v[("EAK", "net_interest_exposure_pct", 2025)] == 48.2
    assert v[("EAK", "long_term_debt_pct", 2025)] == 114.2
    # the seven utgiftsutjevning sectors sum to 77 904 kr per innbygger (PARAMETERS-research.md §1)
    assert v.loc["EAK"].loc[lambda s: s.index.get_level_values(0).str.startswith("nde_per_capita_")].xs(
        2025, level="year").sum() == 77_904


# --- inntektssystem/ ---------------------------------------------------------------------------

def test_inntektssystem_is_zero_sum_and_consistent():
    df = _csv("inntektssystem", "inntektssystem_2025_kommuner.csv")
    _assert_kommune_codes(df["kommune"])
    assert df.drop(columns="fylke_part_excluded").notna().all().all()
    assert df["population_1jan"].sum() == NATIONAL_POPULATION[2025]
    assert abs(df["net_income_equalisation"].sum()) < 1
    assert abs(df["expenditure_equalisation"].sum()) < 1
    diff = df["tax_before_equalisation"] + df["block_grant"] - df["free_income"]
    assert diff.abs().max() < 1e-6
    assert df.loc[df["fylke_part_excluded"], "kommune"].tolist() == ["0301"]
    b = df.set_index("kommune").loc["3201"]
    assert b["block_grant"] == 2_527_518 and b["net_income_equalisation"] == pytest.approx(-1_954_406.478)


def test_inntektssystem_population_equals_the_population_history():
    df = _csv("inntektssystem", "inntektssystem_2025_kommuner.csv").set_index("kommune")
    p = _population()
    totals = pd.Series(np.asarray(p["persons"][:, list(p["year"]).index(2025)].sum(axis=(1, 2))),
                       index=np.asarray(p["kommune"], dtype=str))
    assert (df["population_1jan"] == totals.reindex(df.index)).all()


def test_kostnadsindeks_covers_355_kommuner_and_averages_one():
    df = _csv("inntektssystem", "kostnadsindeks_2025_2026.csv")
    assert list(df.columns) == ["kommune", "year", "cost_index"]
    assert not df.duplicated(["kommune", "year"]).any()
    pop = _csv("kommuner.csv").set_index("kommune")["population_2026"]
    for year, g in df.groupby("year"):
        assert len(g) == 355
        assert sorted(set(_kommuner()) - set(g["kommune"])) == ["1151", "4629"]  # Utsira, Modalen
        w = pop.reindex(g["kommune"]).to_numpy(dtype=float)
        assert (g["cost_index"].to_numpy() * w).sum() / w.sum() == pytest.approx(1, abs=0.001)
    v = df.set_index(["kommune", "year"])["cost_index"]
    assert (v[("3201", 2025)], v[("3201", 2026)]) == (0.9987, 0.9985)


# --- kostra/omsorg_brukere_2007_2025.csv -------------------------------------------------------

def test_care_panel_covers_every_kommune_once_per_year():
    panel = _csv("kostra", "omsorg_brukere_2007_2025.csv")
    assert list(panel.columns) == PANEL_COLUMNS
    _assert_kommune_codes(panel["kommune"].unique())
    assert not panel.duplicated(["kommune", "year"]).any()
    assert panel["year"].between(2007, 2025).all() and len(panel) == 6702
    assert (panel[PANEL_COLUMNS[2:]].fillna(0) >= 0).all().all()


def test_care_panel_rows_of_the_four_original_kommuner_are_unchanged():
    panel = _csv("kostra", "omsorg_brukere_2007_2025.csv")
    old = pd.read_csv(FIXTURES / "kostra" / "omsorg_brukere_4kommuner_2007_2025.csv", dtype={"kommune": str})
    new = panel[panel["kommune"].isin(old["kommune"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(new.astype({c: float for c in PANEL_COLUMNS[2:]}),
                                  old.astype({c: float for c in PANEL_COLUMNS[2:]}))
