"""Loaders for the shipped data in ``data/`` (see data/README.md for sources and licences).

Every loader returns a new object with named dimensions and ``attrs`` for units and source;
files are read once per process (cached) and callers get copies, so no caller can change
another caller's data.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.core.paths import data_path
from planmodel.core.ages import AGES, SEXES
from planmodel.core.ages import KOSTRA_GROUPS

#: 1 January of the latest registered population in the shipped data: every projection and
#: every økonomiplan starts here (the plan period begins the year after).
BASE_YEAR = 2026

SRC_07459 = "SSB tabell 07459 (Befolkning 1. januar, etter kommune, alder og kjønn)"
SRC_14746 = "SSB tabell 14746 (Regionale befolkningsframskrivinger 2026–2050)"
SRC_14288 = "SSB tabell 14288 (Regionale befolkningsframskrivinger 2024–2050)"
SRC_HMD = "Human Mortality Database, Norway, Mx_1x1 (mortality.org), CC BY 4.0"
SRC_HFD = "Human Fertility Database, Norway, NORasfrRR (humanfertility.org)"

_POP_FILES = {
    "kommuner": ("population", "kommuner_2025_2026.csv"),
    "baerum": ("population", "baerum_3201_2005_2026.csv"),
    "norge": ("population", "norge_1986_2026.csv"),
    "kommuner_2023": ("population", "kommuner_2023_2020-inndeling.csv"),
    "kommuner_2023_2024": ("population", "kommuner_2023_2024-inndeling.csv"),
}


def _to_dataarray(df: pd.DataFrame, dims: list[str], value: str) -> xr.DataArray:
    """Tidy table -> DataArray over the sorted unique values of ``dims`` (missing cells NaN).

    Built with numpy indexing (factorize + scatter), several times faster than
    ``set_index().to_xarray()`` for the 150 000-row population tables."""
    codes, coords = [], {}
    for d in dims:
        c, uniques = pd.factorize(df[d], sort=True)
        codes.append(c)
        coords[d] = np.asarray(uniques)
    arr = np.full(tuple(len(coords[d]) for d in dims), np.nan)
    arr[tuple(codes)] = df[value].to_numpy(dtype=float)
    da = xr.DataArray(arr, coords=coords, dims=dims, name=value)
    if "sex" in da.dims:
        da = da.reindex(sex=list(SEXES))
    return da


@lru_cache(maxsize=None)
def _population_table(which: str) -> xr.DataArray:
    df = pd.read_csv(data_path(*_POP_FILES[which]), dtype={"kommune": str})
    if "kommune" not in df.columns:
        df["kommune"] = "0000"
    da = _to_dataarray(df, ["kommune", "year", "age", "sex"], "persons")
    da = da.reindex(age=AGES).astype(float)
    da.name = "population"
    da.attrs = {"units": "persons", "source": SRC_07459, "reference_date": "1 January"}
    return da


def norway_population() -> xr.DataArray:
    """Norway's registered population 1 January 1986–2026 [persons], dims (year, age, sex)."""
    da = _population_table("norge").isel(kommune=0, drop=True).copy()
    da.attrs["kommune"] = "0000"
    da.attrs["kommune_name"] = "Norge"
    return da


def kommune_population(kommune: str) -> xr.DataArray:
    """Registered population 1 January of one kommune [persons], dims (year, age, sex).

    Years available: 2025 and 2026 for every kommune (2024 borders), 2005–2026 for Bærum
    (3201). 2023 is added for every kommune that was not split in 2024, recoded from the
    2020–23 numbering (see :func:`planmodel.kommuner.map_to_current`).
    """
    if kommune == "3201":
        da = _population_table("baerum").sel(kommune=kommune, drop=True).copy()
    else:
        tab = _population_table("kommuner")
        if kommune not in tab.kommune.values:
            raise KeyError(kommune)
        da = tab.sel(kommune=kommune, drop=True)
        y2023 = population_2023_current_codes()
        if kommune in y2023.kommune.values:
            da = xr.concat([y2023.sel(kommune=kommune, drop=True), da], dim="year")
        da = da.copy()
    da.attrs = {**_population_table("kommuner").attrs, "kommune": kommune}
    return da


def all_kommuner_population() -> xr.DataArray:
    """Registered population of all 357 kommuner, 2025 and 2026 [persons], dims
    (kommune, year, age, sex), kommune codes of 2024."""
    return _population_table("kommuner").copy()


@lru_cache(maxsize=None)
def _population_2023_current() -> xr.DataArray:
    # built by tools/build_data.py with planmodel.kommuner.map_to_current (split 1507 dropped)
    df = pd.read_csv(data_path(*_POP_FILES["kommuner_2023_2024"]), dtype={"kommune": str})
    da = _to_dataarray(df, ["kommune", "year", "age", "sex"], "persons")
    da = da.reindex(age=AGES).astype(float)
    da.attrs = {"units": "persons", "source": SRC_07459 + ", 2023 omkodet til 2024-kommunenummer"}
    return da


def population_2023_current_codes() -> xr.DataArray:
    """Population 1.1.2023 of every kommune not split in 2024, recoded to 2024 numbers."""
    return _population_2023_current().copy()


@lru_cache(maxsize=None)
def _mortality() -> xr.DataArray:
    df = pd.read_csv(data_path("mortality_fertility", "hmd_norge_dodsrater_1980_2023.csv"))
    da = _to_dataarray(df, ["year", "age", "sex"], "mx")
    da.name = "mx"
    da.attrs = {"units": "deaths per person-year", "source": SRC_HMD}
    return da


def death_rates() -> xr.DataArray:
    """HMD period death rates m(x) for Norway 1980–2023 [deaths per person-year],
    dims (year, age, sex), single ages 0–110 (110 = 110+). Missing rates are NaN."""
    return _mortality().copy()


@lru_cache(maxsize=None)
def _births() -> pd.DataFrame:
    return pd.read_csv(data_path("mortality_fertility", "hmd_norge_fodte_1980_2023.csv")).set_index("year")


def births() -> pd.DataFrame:
    """HMD live births in Norway 1980–2023 [persons per year], columns female, male, total,
    indexed by year."""
    return _births().copy()


@lru_cache(maxsize=None)
def _fertility() -> xr.DataArray:
    df = pd.read_csv(data_path("mortality_fertility", "hfd_norge_fruktbarhet_1967_2022.csv"))
    da = _to_dataarray(df, ["year", "age"], "asfr")
    da.name = "asfr"
    da.attrs = {"units": "births per woman-year", "source": SRC_HFD}
    return da


def fertility_rates() -> xr.DataArray:
    """HFD period age-specific fertility rates for Norway 1967–2022 [births per woman-year],
    dims (year, age), ages 12–55 (12 = 12 and younger, 55 = 55 and older)."""
    return _fertility().copy()


@lru_cache(maxsize=None)
def _projection_table(table: str) -> pd.DataFrame:
    fname = {
        "14746": "ssb_14746_framskriving_2026-2050.csv",
        "14288": "ssb_14288_framskriving_2024-2050.csv",
    }[table]
    return pd.read_csv(data_path("projections", fname), dtype={"region": str})


def ssb_projection(region: str = "0", alternative: str = "MMMM", table: str = "14746") -> xr.DataArray:
    """SSB's projected population by KOSTRA age group [persons], dims (year, age_group).

    Parameters
    ----------
    region : str
        ``"0"`` Norway, ``"40"`` Telemark, ``"4003"`` Skien, ``"4001"`` Porsgrunn (the regions
        shipped; see data/README.md).
    alternative : {"MMMM", "LLML", "HHMH"}
        SSB's main, low and high alternatives.
    table : {"14746", "14288"}
        2026 round (2026–2050) or 2024 round (2024–2050).
    """
    df = _projection_table(table)
    sel = df[(df["region"] == region) & (df["alternative"] == alternative)]
    if sel.empty:
        raise KeyError(f"no SSB {table} projection for region {region!r}, alternative {alternative!r}")
    da = sel.set_index(["year", "age_group"])["persons"].to_xarray()
    da = da.reindex(age_group=list(KOSTRA_GROUPS)).astype(float)
    da.name = "population"
    da.attrs = {
        "units": "persons",
        "source": SRC_14746 if table == "14746" else SRC_14288,
        "region": region,
        "region_name": str(sel["region_name"].iloc[0]),
        "alternative": alternative,
    }
    return da


def ssb_projection_regions(table: str = "14746") -> list[str]:
    """Region codes present in a shipped SSB projection table."""
    return sorted(_projection_table(table)["region"].unique())


@lru_cache(maxsize=None)
def _telemark_migration() -> pd.DataFrame:
    return pd.read_csv(
        data_path("migration", "telemark_flytting_alder_2016-2025.csv"), dtype={"kommune": str}
    )


def telemark_migration() -> xr.DataArray:
    """In-, out- and net migration by single age for the 17 Telemark kommuner 2016–2025
    [persons per year], dims (kommune, year, age) with variable as the ``flow`` dimension."""
    df = _telemark_migration()
    ds = df.set_index(["kommune", "year", "age"])[
        ["in_migrants", "out_migrants", "net_migrants"]
    ].to_xarray()
    da = ds.to_dataarray("flow").fillna(0.0)
    da.attrs = {"units": "persons per year", "source": "SSB flyttestatistikk via Telemark fylkeskommune"}
    return da
