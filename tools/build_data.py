"""Build the compact tidy files in ``data/`` from the raw source copies.

This script documents, as code, every processing step listed in ``data/README.md``.
It is run by a maintainer when the raw copies change; planmodel itself never reads the
raw files at run time or in tests.

Usage::

    python tools/build_data.py /path/to/shared/data-sources

Raw inputs (see data/README.md for origin and licence):
    population/ssb07459_*.csv (Norway 1986-2026; the kommune table and checks), population/
    norway_population_by_age_sex_2023.csv (2023 statbank export, kept for the recoding tests),
    mortality_fertility/Mx_1x1.txt, Births.txt, NORasfrRR.txt,
    projections/Framskrevet_folkemengde_*.csv, projections/fylker_14288_JohanWidding/output.csv,
    migration/Flytting etter alder Telemark Panda.csv,
    population/ssb07459_kommuner_alder_kjonn_2005-2026.csv.gz,
    kostra/paneldata_2007_2025_2024struktur.csv (+ the _utdrag file, for a check),
    kostra/kostra_2025_kommuner_okonomi_tjenester.csv, kostra/kmd_dki_samlet_{2025,2026}_per_kommune.json,
    kostra/kostra_nokkeltall_2020-2025_landet_kostragr8_oslo_lorenskog_long.csv,
    inntektssystem/kdd_inntektsutjevning_utgiftsutjevning_rammetilskudd_2025_kommuner.csv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data"

# Fylke (county) numbers of 2024 and their names, for the kommune table.
FYLKER_2024 = {
    "03": "Oslo", "11": "Rogaland", "15": "Møre og Romsdal", "18": "Nordland",
    "31": "Østfold", "32": "Akershus", "33": "Buskerud", "34": "Innlandet",
    "39": "Vestfold", "40": "Telemark", "42": "Agder", "46": "Vestland",
    "50": "Trøndelag", "55": "Troms", "56": "Finnmark",
}


def _long_population(df: pd.DataFrame) -> pd.DataFrame:
    """Wide menn/kvinner columns -> tidy kommune,year,age,sex,persons."""
    out = df.melt(
        id_vars=["kommunenummer", "aar", "alder"],
        value_vars=["menn", "kvinner"],
        var_name="sex",
        value_name="persons",
    )
    out["sex"] = out["sex"].map({"menn": "male", "kvinner": "female"})
    out = out.rename(columns={"kommunenummer": "kommune", "aar": "year", "alder": "age"})
    out = out.sort_values(["kommune", "year", "sex", "age"]).reset_index(drop=True)
    return out[["kommune", "year", "age", "sex", "persons"]]


def build_population(src: Path) -> None:
    pop_dir = OUT / "population"
    pop_dir.mkdir(parents=True, exist_ok=True)
    dtype = {"kommunenummer": str}

    # the kommune table (names, fylke, population 2026); the population itself is in
    # population/kommuner_2005_2026.nc (build_population_all_kommuner)
    kom = pd.read_csv(src / "population/ssb07459_kommuner_alder_kjonn_2025-2026.csv", dtype=dtype)
    assert kom["kommunenummer"].nunique() == 357

    names = kom[["kommunenummer", "navn"]].drop_duplicates().rename(
        columns={"kommunenummer": "kommune", "navn": "name"}
    )
    names["fylke"] = names["kommune"].str[:2]
    names["fylke_name"] = names["fylke"].map(FYLKER_2024)
    assert names["fylke_name"].notna().all()
    total26 = kom[kom["aar"] == 2026].groupby("kommunenummer")[["menn", "kvinner"]].sum().sum(axis=1)
    names["population_2026"] = names["kommune"].map(total26).astype(int)
    names.sort_values("kommune").to_csv(OUT / "kommuner.csv", index=False)

    norge = pd.read_csv(src / "population/ssb07459_norge_alder_kjonn_1986-2026.csv", dtype=dtype)
    norge["kommunenummer"] = "0"
    out = _long_population(norge).drop(columns="kommune")
    out.to_csv(pop_dir / "norge_1986_2026.csv", index=False)

    # 2023 (SSB statbank CSV, 2020-2023 kommune numbers), kept in its original codes as a real
    # SSB export for the tests of the kommune recoding (tests/test_kommuner.py, test_data.py);
    # the model reads 2023 from population/kommuner_2005_2026.nc.
    raw = pd.read_csv(
        src / "population/norway_population_by_age_sex_2023.csv",
        sep=";", encoding="iso-8859-1", skiprows=2,
    )
    raw.columns = ["region", "age", "male", "female"]
    raw = raw[raw["region"].str.match(r"K-\d{4} ")]
    raw["kommune"] = raw["region"].str.slice(2, 6)
    raw["name"] = raw["region"].str.slice(7)
    raw["age"] = raw["age"].str.extract(r"^(\d+)")[0].astype(int)
    raw["year"] = 2023
    long = raw.melt(id_vars=["kommune", "year", "age"], value_vars=["male", "female"],
                    var_name="sex", value_name="persons")
    long = long.sort_values(["kommune", "sex", "age"])
    long[["kommune", "year", "age", "sex", "persons"]].to_csv(
        pop_dir / "kommuner_2023_2020-inndeling.csv", index=False
    )
    raw[["kommune", "name"]].drop_duplicates().to_csv(
        pop_dir / "kommunenavn_2023_2020-inndeling.csv", index=False
    )


def _read_hmd(path: Path, value_cols=("female", "male")) -> pd.DataFrame:
    df = pd.read_csv(path, sep=r"\s+", skiprows=2, na_values=".", dtype=str)
    df.columns = [c.lower() for c in df.columns]
    return df


def build_mortality_fertility(src: Path) -> None:
    mdir = OUT / "mortality_fertility"
    mdir.mkdir(parents=True, exist_ok=True)
    mx = _read_hmd(src / "mortality_fertility/Mx_1x1.txt")
    mx["age"] = mx["age"].str.replace("+", "", regex=False).astype(int)
    mx["year"] = mx["year"].astype(int)
    mx = mx[mx["year"] >= 1980]
    long = mx.melt(id_vars=["year", "age"], value_vars=["female", "male"], var_name="sex",
                   value_name="mx")
    long["mx"] = pd.to_numeric(long["mx"], errors="coerce")
    long = long.sort_values(["year", "sex", "age"])
    long.to_csv(mdir / "hmd_norge_dodsrater_1980_2023.csv", index=False, float_format="%.6g")

    births = _read_hmd(src / "mortality_fertility/Births.txt")
    births = births.astype({"year": int, "female": int, "male": int, "total": int})
    births[births["year"] >= 1980].to_csv(mdir / "hmd_norge_fodte_1980_2023.csv", index=False)

    asfr = pd.read_csv(src / "mortality_fertility/NORasfrRR.txt", sep=r"\s+", skiprows=2, dtype=str)
    asfr.columns = ["year", "age", "asfr"]
    # Open groups "12-" (12 and younger) and "55+" are kept at 12 and 55.
    asfr["age"] = asfr["age"].str.replace(r"[-+]", "", regex=True).astype(int)
    asfr["year"] = asfr["year"].astype(int)
    asfr["asfr"] = asfr["asfr"].astype(float)
    asfr.to_csv(mdir / "hfd_norge_fruktbarhet_1967_2022.csv", index=False)


AGE_GROUP_MAP = {
    "0 år": "0", "1-5 år": "1-5", "6-12 år": "6-12", "13-15 år": "13-15",
    "16-19 år": "16-19", "20-44 år": "20-44", "45-66 år": "45-66", "67-79 år": "67-79",
    "80-89 år": "80-89", "90 år eller eldre": "90+",
}
ALT_MAP = {
    "Hovedalternativet (MMMM)": "MMMM",
    "Lav nasjonal vekst (LLML)": "LLML",
    "Høy nasjonal vekst (HHMH)": "HHMH",
}
REGION_CODES = {"Hele landet": "0", "Skien": "4003", "Porsgrunn": "4001", "Telemark": "40"}


def build_projections(src: Path) -> None:
    pdir = OUT / "projections"
    pdir.mkdir(parents=True, exist_ok=True)
    for fname, table, out in [
        ("Framskrevet_folkemengde_2026-2050.csv", "14746", "ssb_14746_framskriving_2026-2050.csv"),
        ("Framskrevet_folkemengde_2024-2050.csv", "14288", "ssb_14288_framskriving_2024-2050.csv"),
    ]:
        df = pd.read_csv(src / "projections" / fname)
        df.columns = ["region_name", "alternative", "year", "age_group", "persons", "round", "table"]
        assert (df["table"].astype(str) == table).all()
        df["alternative"] = df["alternative"].map(ALT_MAP)
        df["age_group"] = df["age_group"].map(AGE_GROUP_MAP)
        df["region"] = df["region_name"].map(REGION_CODES)
        assert df[["alternative", "age_group", "region"]].notna().all().all()
        df = df[["region", "region_name", "alternative", "year", "age_group", "persons"]]
        df.sort_values(["region", "alternative", "year"]).to_csv(pdir / out, index=False)

    wide = pd.read_csv(src / "projections/fylker_14288_JohanWidding/output.csv")
    long = wide.melt(id_vars="Tid", var_name="key", value_name="persons")
    parts = long["key"].str.extract(r"^(?P<fylke_name>.+)_(?P<alt>.+)$")
    long["fylke_name"] = parts["fylke_name"]
    long["alternative"] = parts["alt"].map(ALT_MAP)
    long = long.rename(columns={"Tid": "year"})
    assert long["alternative"].notna().all()
    long[["fylke_name", "alternative", "year", "persons"]].sort_values(
        ["fylke_name", "alternative", "year"]
    ).to_csv(pdir / "ssb_14288_fylker_totalt_2024-2050.csv", index=False)


TELEMARK_CODES = {
    "Porsgrunn": "4001", "Skien": "4003", "Notodden": "4005", "Siljan": "4010",
    "Bamble": "4012", "Kragerø": "4014", "Drangedal": "4016", "Nome": "4018",
    "Midt-Telemark": "4020", "Seljord": "4022", "Hjartdal": "4024", "Tinn": "4026",
    "Kviteseid": "4028", "Nissedal": "4030", "Fyresdal": "4032", "Tokke": "4034",
    "Vinje": "4036",
}


def build_migration(src: Path) -> None:
    mdir = OUT / "migration"
    mdir.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(src / "migration/Flytting etter alder Telemark Panda.csv", sep=";",
                     encoding="utf-8-sig")
    df.columns = ["year", "name", "age", "out_migrants", "in_migrants", "net_migrants"]
    df["name"] = df["name"].replace({"Kragerå": "Kragerø"})  # misspelling in the source
    df["kommune"] = df["name"].map(TELEMARK_CODES)
    assert df["kommune"].notna().all()
    df["age"] = df["age"].str.extract(r"^(\d+)")[0].astype(int)
    # An empty cell in this source means no movers: wherever one side is empty the net equals
    # the other side (checked below), so empty in/out/net are read as 0 here, and only here.
    flows = ["in_migrants", "out_migrants", "net_migrants"]
    df[flows] = df[flows].fillna(0).astype(int)
    assert (df["in_migrants"] - df["out_migrants"] == df["net_migrants"]).all()
    df = df.sort_values(["kommune", "year", "age"])
    df[["kommune", "name", "year", "age", "in_migrants", "out_migrants", "net_migrants"]].to_csv(
        mdir / "telemark_flytting_alder_2016-2025.csv", index=False
    )


PANEL_COLUMNS = {
    "kommunenr_2024": "kommune", "år": "year",
    "Y_1_a_0_66": "hjemmetjenester_0_66", "Y_1_a_67_79": "hjemmetjenester_67_79",
    "Y_1_a_80p": "hjemmetjenester_80p", "Y_1_a_ialt": "hjemmetjenester_total",
    "Y_2_ialt": "heldogn_bolig_total",
    "Y_3_a_0_66": "institusjon_langtid_0_66", "Y_3_a_67_79": "institusjon_langtid_67_79",
    "Y_3_a_80p": "institusjon_langtid_80p", "Y_3_a_ialt": "institusjon_langtid_total",
    "Y_4_ialt": "timer_hjemmesykepleie_per_uke", "Y_5_ialt": "sykepleier_arsverk",
}


def build_care_panel(src: Path) -> None:
    """KOSTRA care panel 2007-2025, all 357 kommuner -> kostra/omsorg_brukere_2007_2025.csv.

    Same columns (and order) as the earlier 4-kommune file, which was a row subset of the same
    panel: the rows of 0301, 3201, 3203, 3205 must come out identical to that file."""
    kdir = OUT / "kostra"
    kdir.mkdir(parents=True, exist_ok=True)
    raw = pd.read_csv(src / "kostra/paneldata_2007_2025_2024struktur.csv", dtype={"kommunenr_2024": str})
    assert len(raw) == 6702 and raw["kommunenr_2024"].nunique() == 357
    assert not raw.duplicated(["kommunenr_2024", "år"]).any()
    assert (raw[["folk_0_66", "folk_67_79", "folk_80p"]].sum(axis=1) == raw["folk_ialt"]).all()
    panel = raw.rename(columns=PANEL_COLUMNS)[list(PANEL_COLUMNS.values())]
    panel = panel.sort_values(["kommune", "year"]).reset_index(drop=True)
    kommuner = pd.read_csv(OUT / "kommuner.csv", dtype={"kommune": str})
    assert set(panel["kommune"]) == set(kommuner["kommune"])
    # user counts are whole persons: written as integers (empty = suppressed / not available);
    # hours per week and nurse årsverk keep their decimals
    counts = [c for c in PANEL_COLUMNS.values() if c not in ("kommune", "year", "timer_hjemmesykepleie_per_uke", "sykepleier_arsverk")]
    for c in counts:
        v = panel[c].dropna()
        assert (v == v.round()).all() and (v >= 0).all(), c
        panel[c] = panel[c].astype("Int64")
    # the earlier file: the _utdrag rows mapped the same way must be unchanged in the full panel
    old = pd.read_csv(src / "kostra/paneldata_2007_2025_2024struktur_utdrag.csv", dtype={"kommunenr_2024": str})
    old = old.rename(columns=PANEL_COLUMNS)[list(PANEL_COLUMNS.values())].reset_index(drop=True)
    assert len(old) == 76  # 4 kommuner x 19 years
    new4 = panel[panel["kommune"].isin(["0301", "3201", "3203", "3205"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(new4.astype({c: float for c in counts}), old.astype({c: float for c in counts}),
                                  check_dtype=False)
    panel.to_csv(kdir / "omsorg_brukere_2007_2025.csv", index=False)


def build_kostra(src: Path) -> None:
    kdir = OUT / "kostra"
    kdir.mkdir(parents=True, exist_ok=True)
    radar = pd.read_csv(src / "kostra/omsorgsradar_kostra2025_omsorg80_utdrag.csv", dtype={"knr": str})
    radar = radar.rename(columns={
        "knr": "kommune", "navn": "name", "pop_80plus_latest": "persons_80plus_2026",
        "andel_80plus_hjemmetjenester_pct_2025": "hjemmetjenester_80p_pct",
        "andel_80plus_institusjon_pct_2025": "institusjon_80p_pct"})
    radar["year"] = 2025
    radar[["kommune", "name", "year", "persons_80plus_2026", "hjemmetjenester_80p_pct",
           "institusjon_80p_pct"]].to_csv(kdir / "omsorg80_andeler_2025.csv", index=False)


# --- All kommuner: population history, KOSTRA economy, inntektssystem, kostnadsindeks ----------

POP_YEARS = np.arange(2005, 2027)
NATIONAL_POPULATION = {2005: 4_594_571, 2023: 5_488_980, 2024: 5_550_203, 2025: 5_594_340, 2026: 5_627_400}


def build_population_all_kommuner(src: Path) -> None:
    """Population 1 January 2005-2026, all 357 kommuner (2024 borders), single age 0-105+ and
    sex -> population/kommuner_2005_2026.nc (netCDF4, int32 ``persons`` (kommune, year, age, sex),
    one zlib-compressed chunk per kommune so that reading one kommune decompresses ~19 kB).

    Two kommune-years are not in the source: 1160 Vindafjord and 1576 Aure have no 2005 rows
    (both were formed by mergers on 1 January 2006). Those cells hold the netCDF fill value -1
    (xarray reads them as NaN, netCDF4-python as masked)."""
    import netCDF4

    raw = pd.read_csv(src / "population/ssb07459_kommuner_alder_kjonn_2005-2026.csv.gz",
                      dtype={"kommunenummer": str})
    assert len(raw) == 832_312
    assert not raw.duplicated(["kommunenummer", "aar", "alder"]).any()
    assert raw[["menn", "kvinner"]].notna().all().all() and (raw[["menn", "kvinner"]] >= 0).all().all()
    kommuner = pd.read_csv(OUT / "kommuner.csv", dtype={"kommune": str})
    codes = np.array(sorted(raw["kommunenummer"].unique()))
    assert list(codes) == sorted(kommuner["kommune"]) and len(codes) == 357
    ages = np.arange(106)
    assert sorted(raw["alder"].unique()) == list(ages) and sorted(raw["aar"].unique()) == list(POP_YEARS)
    # every kommune-year is complete (106 ages); the only absent kommune-years are these two
    per_ky = raw.groupby(["kommunenummer", "aar"]).size()
    assert (per_ky == 106).all()
    absent = sorted(set(pd.MultiIndex.from_product([codes, POP_YEARS])) - set(per_ky.index))
    assert absent == [("1160", 2005), ("1576", 2005)], absent

    idx = pd.MultiIndex.from_product([codes, POP_YEARS, ages], names=["kommunenummer", "aar", "alder"])
    full = raw.set_index(["kommunenummer", "aar", "alder"])[["menn", "kvinner"]].reindex(idx)
    persons = full.fillna(-1).to_numpy(dtype=np.int64).reshape(len(codes), len(POP_YEARS), len(ages), 2)
    assert persons.max() < 2**31
    persons = persons.astype(np.int32)  # sex axis: menn -> male, kvinner -> female

    # checks (SOURCES.md): national sums per year; 2025/2026 equal SSB's two-year kommune file
    # and Bærum equals SSB's Bærum file (the raw copies the retired CSVs were made from)
    valid = np.where(persons < 0, 0, persons).astype(np.int64)
    totals = dict(zip(POP_YEARS.tolist(), valid.sum(axis=(0, 2, 3)).tolist()))
    for year, total in NATIONAL_POPULATION.items():
        assert totals[year] == total, (year, totals[year])
    y0 = int(POP_YEARS[0])
    for fname in ("ssb07459_kommuner_alder_kjonn_2025-2026.csv", "ssb07459_baerum_3201_alder_kjonn_2005-2026.csv"):
        csv = pd.read_csv(src / "population" / fname, dtype={"kommunenummer": str})
        k_i = np.searchsorted(codes, csv["kommunenummer"].to_numpy())
        assert (codes[k_i] == csv["kommunenummer"].to_numpy()).all()
        got = persons[k_i, csv["aar"].to_numpy() - y0, csv["alder"].to_numpy()]  # (rows, sex)
        assert (got == csv[["menn", "kvinner"]].to_numpy()).all(), fname
        assert len(csv) == csv["kommunenummer"].nunique() * csv["aar"].nunique() * 106, fname
    assert (persons[np.searchsorted(codes, "3201")] >= 0).all()

    path = OUT / "population" / "kommuner_2005_2026.nc"
    path.unlink(missing_ok=True)
    ds = netCDF4.Dataset(path, "w", format="NETCDF4")
    ds.setncatts({
        "title": "Population 1 January by kommune (2024 borders), single age and sex, 2005-2026",
        "source": "SSB table 07459 via niphr/csdata R/sysdata.rda (nor_population_by_age_b2024), "
                  "commit 59345122ca61ff7572085f09944f613c0e956b8b; converted by planmodel tools/build_data.py",
        "license": "CC BY 4.0. Kilde: Statistisk sentralbyrå (SSB); processed (reshaped) by planmodel",
        "missing": "1160 Vindafjord and 1576 Aure have no 2005 values (formed 1 January 2006): fill value -1",
    })
    for name, values in (("kommune", codes), ("year", POP_YEARS), ("age", ages), ("sex", np.array(["male", "female"]))):
        ds.createDimension(name, len(values))
    v = ds.createVariable("kommune", str, ("kommune",))
    v[:] = codes.astype(object)
    v.long_name = "kommunenummer (2024 numbering), 4-digit text"
    v = ds.createVariable("year", "i4", ("year",))
    v[:] = POP_YEARS
    v.long_name = "year (population on 1 January)"
    v = ds.createVariable("age", "i4", ("age",))
    v[:] = ages
    v.long_name = "age in completed years; 105 = 105 years or older"
    v = ds.createVariable("sex", str, ("sex",))
    v[:] = np.array(["male", "female"], dtype=object)
    v = ds.createVariable("persons", "i4", ("kommune", "year", "age", "sex"), zlib=True, complevel=9,
                          shuffle=True, chunksizes=(1, len(POP_YEARS), len(ages), 2), fill_value=-1)
    v.units = "persons"
    v.long_name = "registered population on 1 January"
    v[:] = persons
    ds.close()


# KOSTRA 2025 (final, June 2026), amounts in NOK 1000; English identifiers
KOSTRA_ECONOMY_COLUMNS = {
    "kommunenummer": "kommune", "aar": "year", "innbyggere_1_1_2026": "population_31dec",
    "brutto_driftsinntekter_1000kr": "gross_operating_income",
    "netto_driftsresultat_1000kr": "net_operating_result",
    "netto_lanegjeld_1000kr": "net_debt",
    "netto_driftsutgifter_1000kr": "net_operating_expenditure",
    "ndu_barnehage_FGK7_1000kr": "nde_barnehage",
    "ndu_grunnskole_FGK8b_1000kr": "nde_grunnskole",
    "ndu_helse_omsorg_FGK9_1000kr": "nde_helse_omsorg",
    "ndu_sosial_FGK12_1000kr": "nde_sosial",
    "ndu_barnevern_FGK13_1000kr": "nde_barnevern",
}


def build_kostra_economy(src: Path) -> None:
    """KOSTRA 2025 economy and netto driftsutgifter per sector -> kostra/kostra_2025_okonomi_kommuner.csv
    (357 kommuner) and kostra/kostra_2025_okonomi_landet.csv (the national row, code EAK).

    Dropped: KOSTRA's own kr-per-innbygger columns (= amount / population_31dec, rounded) and the
    derived NDR percentage (= net_operating_result / gross_operating_income)."""
    kdir = OUT / "kostra"
    raw = pd.read_csv(src / "kostra/kostra_2025_kommuner_okonomi_tjenester.csv", dtype={"kommunenummer": str})
    assert raw.notna().all().all() and (raw["aar"] == 2025).all()
    df = raw.rename(columns=KOSTRA_ECONOMY_COLUMNS)[list(KOSTRA_ECONOMY_COLUMNS.values())]
    amounts = list(KOSTRA_ECONOMY_COLUMNS.values())[3:]
    for c in amounts + ["population_31dec"]:
        assert pd.api.types.is_integer_dtype(df[c]), c
    landet = df[df["kommune"] == "EAK"]
    kom = df[df["kommune"] != "EAK"].sort_values("kommune")
    assert len(landet) == 1 and len(kom) == 357
    kommuner = pd.read_csv(OUT / "kommuner.csv", dtype={"kommune": str}).set_index("kommune")
    assert set(kom["kommune"]) == set(kommuner.index)
    # checks (SOURCES.md): sums over the kommuner = the national row; population = SSB 1.1.2026;
    # KOSTRA's per-capita figures reproduce within 2 % (different rounding); NDR % as published
    for c in amounts + ["population_31dec"]:
        assert kom[c].sum() == landet[c].iloc[0], c
    assert (kom.set_index("kommune")["population_31dec"] == kommuner["population_2026"]).all()
    for c_raw in raw.columns:
        if c_raw.endswith("_kr_per_innb"):
            amount = raw[c_raw.replace("_kr_per_innb", "_1000kr")]
            implied = amount * 1000 / raw[c_raw]
            ok = (raw[c_raw] == 0) | ((implied / raw["innbyggere_1_1_2026"] - 1).abs() < 0.02)
            assert ok.all(), c_raw
    ndr = (raw["netto_driftsresultat_1000kr"] / raw["brutto_driftsinntekter_1000kr"] * 100).round(2)
    assert ((ndr - raw["netto_driftsresultat_pst_av_brutto_driftsinntekter"]).abs() < 1e-9).all()
    b = kom.set_index("kommune").loc["3201"]
    assert (b["gross_operating_income"], b["net_operating_result"], b["net_debt"], b["nde_helse_omsorg"]) == (
        15_036_185, 905_964, 12_613_146, 4_271_025)
    kom.to_csv(kdir / "kostra_2025_okonomi_kommuner.csv", index=False)
    landet.to_csv(kdir / "kostra_2025_okonomi_landet.csv", index=False)


INNTEKTSSYSTEM_COLUMNS = {
    "kommunenummer": "kommune", "aar": "year", "innbyggere_1_1_2025_kdd": "population_1jan",
    "skatt_for_inntektsutjevning_1000kr": "tax_before_equalisation",
    "netto_inntektsutjevning_1000kr": "net_income_equalisation",
    "utgiftsutjevning_1000kr": "expenditure_equalisation",
    "rammetilskudd_bokfort_kostra_A800_1000kr": "block_grant",
    "frie_inntekter_skatt_pluss_rammetilskudd_1000kr": "free_income",
}


def build_inntektssystem(src: Path) -> None:
    """Inntektssystemet 2025 per kommune -> inntektssystem/inntektssystem_2025_kommuner.csv.

    Not shipped: skatt etter inntektsutjevning (= tax + net income equalisation) and the source's
    rammetilskudd per innbygger (its denominator is not the population in this file; see README).
    ``fylke_part_excluded`` is True only for 0301 Oslo: KDD's kommune sheet leaves out Oslo's
    fylkeskommune part."""
    idir = OUT / "inntektssystem"
    idir.mkdir(parents=True, exist_ok=True)
    raw = pd.read_csv(src / "inntektssystem/kdd_inntektsutjevning_utgiftsutjevning_rammetilskudd_2025_kommuner.csv",
                      dtype={"kommunenummer": str})
    assert raw.notna().all().all() and (raw["aar"] == 2025).all() and len(raw) == 357
    df = raw.rename(columns=INNTEKTSSYSTEM_COLUMNS)[list(INNTEKTSSYSTEM_COLUMNS.values())].copy()
    kommuner = pd.read_csv(OUT / "kommuner.csv", dtype={"kommune": str})
    assert set(df["kommune"]) == set(kommuner["kommune"])
    # checks (SOURCES.md): population = SSB 1.1.2025; the equalisations are zero-sum; the source's
    # derived columns are consistent
    assert df["population_1jan"].sum() == NATIONAL_POPULATION[2025]
    assert abs(df["net_income_equalisation"].sum()) < 1 and abs(df["expenditure_equalisation"].sum()) < 1
    assert ((df["tax_before_equalisation"] + df["block_grant"] - df["free_income"]).abs() < 1e-6).all()
    after = df["tax_before_equalisation"] + df["net_income_equalisation"]
    assert ((after - raw["skatt_etter_inntektsutjevning_1000kr"]).abs() < 1e-6).all()
    # the source's rammetilskudd per innbygger (not shipped) is per population 31.12.2025, not per
    # this file's 1.1.2025 population: within 1 kr for all but three kommuner (4-25 kr off)
    pop_dec = kommuner.set_index("kommune")["population_2026"].reindex(raw["kommunenummer"]).to_numpy()
    off = (raw["rammetilskudd_bokfort_kostra_A800_1000kr"] * 1000 / pop_dec - raw["rammetilskudd_kr_per_innb_kilde"]).abs()
    assert sorted(raw.loc[off > 1, "kommunenummer"]) == ["3118", "3207", "3216"] and off.max() < 26
    money = ["tax_before_equalisation", "net_income_equalisation", "expenditure_equalisation", "free_income"]
    df[money] = df[money].round(3)  # NOK 1000 with three decimals (= whole kroner), as in the source
    df["fylke_part_excluded"] = df["kommune"] == "0301"
    b = df.set_index("kommune").loc["3201"]
    assert round(b["tax_before_equalisation"]) == 8_666_260 and b["block_grant"] == 2_527_518
    df.sort_values("kommune").to_csv(idir / "inntektssystem_2025_kommuner.csv", index=False)


def build_kostnadsindeks(src: Path) -> None:
    """Samlet kostnadsindeks (DKI) 2025 and 2026 -> inntektssystem/kostnadsindeks_2025_2026.csv.

    The source (a third-party transcription of Grønt hefte Tabell A-k) covers 355 kommuner;
    1151 Utsira and 4629 Modalen are absent and get no row. Lørenskog (3222) is stored as an object
    of sector indices: its ``samlet`` value is used. The ``sektorvekter`` are not shipped."""
    idir = OUT / "inntektssystem"
    idir.mkdir(parents=True, exist_ok=True)
    kommuner = pd.read_csv(OUT / "kommuner.csv", dtype={"kommune": str}).set_index("kommune")
    rows = []
    for year in (2025, 2026):
        d = json.loads((src / f"kostra/kmd_dki_samlet_{year}_per_kommune.json").read_text(encoding="utf-8"))
        assert d["år"] == year
        for code, value in d["kommuner"].items():
            if isinstance(value, dict):
                assert code == "3222"
                value = value["samlet"]
            rows.append({"kommune": code, "year": year, "cost_index": float(value)})
    df = pd.DataFrame(rows).sort_values(["year", "kommune"]).reset_index(drop=True)
    assert not df.duplicated(["kommune", "year"]).any()
    for year, g in df.groupby("year"):
        assert len(g) == 355 and set(g["kommune"]) <= set(kommuner.index)
        assert sorted(set(kommuner.index) - set(g["kommune"])) == ["1151", "4629"]
        # plausibility: the index is relative to the national average per innbygger, so its
        # population-weighted mean must be 1 (weighted here with 1.1.2026; within 0.001)
        w = kommuner["population_2026"].reindex(g["kommune"]).to_numpy(dtype=float)
        assert abs((g["cost_index"].to_numpy() * w).sum() / w.sum() - 1) < 0.001
    assert df.set_index(["kommune", "year"]).loc[("3201", 2026), "cost_index"] == 0.9985
    df.to_csv(idir / "kostnadsindeks_2025_2026.csv", index=False)


# KOSTRA nøkkeltall (kommunebarometer workbook, 16.3.2026): national economy indicators
NOKKELTALL_INDICATORS = {
    "Netto driftsresultat i % av brutto driftsinntekter (%)": ("net_operating_result_pct", "percent of gross operating income"),
    "Fri egenkapital drift i % av br. driftsinnt. (%)": ("free_equity_operating_pct", "percent of gross operating income"),
    "Langsiktig gjeld (ekskl. pensjonsforpl.) i % av br. driftsinnt. (%)": ("long_term_debt_pct", "percent of gross operating income"),
    "Netto renteeksponering i % av br. driftsinnt. (%)": ("net_interest_exposure_pct", "percent of gross operating income"),
    "Brutto investeringsutgifter i % av br. driftsinnt. (%)": ("gross_investment_pct", "percent of gross operating income"),
    "Egenfinansiering av investeringene i % av tot. br. invest. (%)": ("investment_self_financing_pct", "percent of gross investment"),
    "Arbeidskapital (ekskl. premieavvik) i % av br. driftsinnt. (%)": ("working_capital_pct", "percent of gross operating income"),
    "Årets merforbruk i % av brutto driftsinntekter (%)": ("overspending_pct", "percent of gross operating income"),
    "Frie inntekter per innbygger (kr)": ("free_income_per_capita", "NOK per innbygger"),
}
ENH_PREFIX = "Netto driftsutgifter per innbygger, utgiftsbehovsjustert (DKI; Landet DKI=1): "
ENH_SECTORS = {
    "Administrasjon, kommune (kr)": "administrasjon", "Barnehage (kr)": "barnehage",
    "Barnevern (kr)": "barnevern", "Grunnskole (kr)": "grunnskole",
    "Kommunehelse (232+233+241) (kr)": "kommunehelse",
    "Pleie og omsorg (ekskl. kommunehelse) (kr)": "pleie_omsorg", "Sosialsektor (kr)": "sosial",
}
REGION_CODES_KOSTRA = {"Landet": "EAK", "Landet u/Oslo": "EAKUO"}


def build_kostra_national_indicators(src: Path) -> None:
    """National KOSTRA economy indicators 2020-2025 -> kostra/kostra_nokkeltall_landet_2020_2025.csv.

    Landet (EAK) and Landet uten Oslo (EAKUO): the nine indicators of the workbook's Økonomi sheet
    and, for Landet only, netto driftsutgifter per innbygger of the seven utgiftsutjevning sectors
    (the workbook's "Kostnadsnivå (ENH)" sheet; DKI = 1 for Landet, so these are the plain national
    values). 2025 = foreløpige tall of 16.3.2026 (``preliminary``)."""
    kdir = OUT / "kostra"
    raw = pd.read_csv(src / "kostra/kostra_nokkeltall_2020-2025_landet_kostragr8_oslo_lorenskog_long.csv")
    assert not raw.duplicated(["ark", "indikator", "aar", "region"]).any()
    raw = raw[raw["region"].isin(REGION_CODES_KOSTRA)]
    eco = raw[(raw["ark"] == "Økonomi") & raw["indikator"].isin(NOKKELTALL_INDICATORS)].copy()
    assert eco["indikator"].nunique() == len(NOKKELTALL_INDICATORS)
    assert raw[raw["ark"] == "Økonomi"]["indikator"].isin(NOKKELTALL_INDICATORS).all()  # nothing left out
    eco["indicator"] = eco["indikator"].map(lambda s: NOKKELTALL_INDICATORS[s][0])
    eco["unit"] = eco["indikator"].map(lambda s: NOKKELTALL_INDICATORS[s][1])
    enh = raw[raw["ark"] == "Kostnadsnivå (ENH)"].copy()
    assert set(enh["region"]) == {"Landet"}
    sector = enh["indikator"].str.removeprefix(ENH_PREFIX).map(ENH_SECTORS)
    assert sector.notna().all() and sector.nunique() == 7
    enh["indicator"] = "nde_per_capita_" + sector
    enh["unit"] = "NOK per innbygger"
    df = pd.concat([eco, enh])
    df["region"] = df["region"].map(REGION_CODES_KOSTRA)
    df = df.rename(columns={"aar": "year", "verdi": "value", "indikator": "indicator_nb"})
    df["preliminary"] = df["year"] == 2025
    # checks: Landet 2025 as quoted in PARAMETERS-research.md §5; Landet has every indicator in
    # every year; EAKUO has no 2025 economy values (SSB did not publish them on 16.3.2026)
    v = df.set_index(["region", "indicator", "year"])["value"]
    assert (v[("EAK", "free_equity_operating_pct", 2025)], v[("EAK", "long_term_debt_pct", 2025)],
            v[("EAK", "net_interest_exposure_pct", 2025)], v[("EAK", "gross_investment_pct", 2025)],
            v[("EAK", "net_operating_result_pct", 2025)], v[("EAK", "free_income_per_capita", 2025)]) == (
        11.3, 114.2, 48.2, 14.1, 2.2, 78932.0)
    assert (df[df["region"] == "EAK"].groupby("indicator").size() == 6).all()
    assert 2025 not in set(df[df["region"] == "EAKUO"]["year"])
    df = df.sort_values(["region", "indicator", "year"])
    df[["region", "year", "indicator", "value", "unit", "preliminary", "indicator_nb"]].to_csv(
        kdir / "kostra_nokkeltall_landet_2020_2025.csv", index=False)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    src = Path(argv[0])
    build_population(src)
    build_mortality_fertility(src)
    build_projections(src)
    build_migration(src)
    build_kostra(src)
    build_care_panel(src)
    # the all-kommune files are checked against kommuner.csv above and the raw population files
    build_population_all_kommuner(src)
    build_kostra_economy(src)
    build_inntektssystem(src)
    build_kostnadsindeks(src)
    build_kostra_national_indicators(src)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
