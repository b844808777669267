"""Build the compact tidy files in ``data/`` from the raw source copies.

This script documents, as code, every processing step listed in ``data/README.md``.
It is run by a maintainer when the raw copies change; planmodel itself never reads the
raw files at run time or in tests.

Usage::

    python tools/build_data.py /path/to/shared/data-sources

Raw inputs (see data/README.md for origin and licence):
    population/ssb07459_*.csv, population/norway_population_by_age_sex_2023.csv,
    mortality_fertility/Mx_1x1.txt, Births.txt, NORasfrRR.txt,
    projections/Framskrevet_folkemengde_*.csv, projections/fylker_14288_JohanWidding/output.csv,
    migration/Flytting etter alder Telemark Panda.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

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

    kom = pd.read_csv(src / "population/ssb07459_kommuner_alder_kjonn_2025-2026.csv", dtype=dtype)
    assert kom["kommunenummer"].nunique() == 357
    _long_population(kom).to_csv(pop_dir / "kommuner_2025_2026.csv", index=False)

    names = kom[["kommunenummer", "navn"]].drop_duplicates().rename(
        columns={"kommunenummer": "kommune", "navn": "name"}
    )
    names["fylke"] = names["kommune"].str[:2]
    names["fylke_name"] = names["fylke"].map(FYLKER_2024)
    assert names["fylke_name"].notna().all()
    total26 = kom[kom["aar"] == 2026].groupby("kommunenummer")[["menn", "kvinner"]].sum().sum(axis=1)
    names["population_2026"] = names["kommune"].map(total26).astype(int)
    names.sort_values("kommune").to_csv(OUT / "kommuner.csv", index=False)

    baerum = pd.read_csv(src / "population/ssb07459_baerum_3201_alder_kjonn_2005-2026.csv", dtype=dtype)
    _long_population(baerum).to_csv(pop_dir / "baerum_3201_2005_2026.csv", index=False)

    norge = pd.read_csv(src / "population/ssb07459_norge_alder_kjonn_1986-2026.csv", dtype=dtype)
    norge["kommunenummer"] = "0"
    out = _long_population(norge).drop(columns="kommune")
    out.to_csv(pop_dir / "norge_1986_2026.csv", index=False)

    # 2023 (SSB statbank CSV, 2020-2023 kommune numbers). Kept in its original codes; the
    # renumbering table (data/kommune_changes.csv) maps it to 2024 codes at run time.
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
    # The same population recoded to the 2024 numbering (merged kommuner summed; 1507 Ålesund,
    # split in 2024, dropped), so that runs need not rebuild the recoding every time.
    sys.path.insert(0, str(ROOT))
    from planmodel.inputs.kommuner import map_to_current

    recoded = map_to_current(long[["kommune", "year", "age", "sex", "persons"]], code_col="kommune", split="drop")
    recoded = recoded.sort_values(["kommune", "sex", "age"])
    recoded[["kommune", "year", "age", "sex", "persons"]].to_csv(pop_dir / "kommuner_2023_2024-inndeling.csv", index=False)


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


def build_kostra(src: Path) -> None:
    kdir = OUT / "kostra"
    kdir.mkdir(parents=True, exist_ok=True)
    panel = pd.read_csv(src / "kostra/paneldata_2007_2025_2024struktur_utdrag.csv", dtype={"kommunenr_2024": str})
    panel = panel.rename(columns=PANEL_COLUMNS)[list(PANEL_COLUMNS.values())]
    panel.to_csv(kdir / "omsorg_brukere_2007_2025.csv", index=False)
    radar = pd.read_csv(src / "kostra/omsorgsradar_kostra2025_omsorg80_utdrag.csv", dtype={"knr": str})
    radar = radar.rename(columns={
        "knr": "kommune", "navn": "name", "pop_80plus_latest": "persons_80plus_2026",
        "andel_80plus_hjemmetjenester_pct_2025": "hjemmetjenester_80p_pct",
        "andel_80plus_institusjon_pct_2025": "institusjon_80p_pct"})
    radar["year"] = 2025
    radar[["kommune", "name", "year", "persons_80plus_2026", "hjemmetjenester_80p_pct",
           "institusjon_80p_pct"]].to_csv(kdir / "omsorg80_andeler_2025.csv", index=False)


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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
