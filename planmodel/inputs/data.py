"""Loaders for the shipped data in ``data/`` (see data/README.md for sources and licences).

Every loader returns an object with named dimensions and ``attrs`` for units and source;
files are read once per process (cached) and callers get copies or, for the large population
history, a read-only array, so no caller can change another caller's data.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import netCDF4
import numpy as np
import pandas as pd
import xarray as xr

from planmodel.core.cache import freeze
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
    "norge": ("population", "norge_1986_2026.csv"),
}
#: The population history of every kommune (2024 borders), 1 January 2005–2026: netCDF4, int32
#: ``persons`` (kommune, year, age, sex), fill value -1 where the source has no value.
HISTORY_FILE = ("population", "kommuner_2005_2026.nc")

#: Kommuner split on 1 January of a year, whose history before the split the source divides in
#: equal halves (SSB 07459 via csdata, mapped to 2024 borders): 1507 Ålesund became 1508 Ålesund
#: and 1580 Haram in 2024, and every cell of 1508 and 1580 is identical up to 2023. See
#: :func:`repair_splits`.
SPLITS: dict[int, tuple[str, ...]] = {2024: ("1508", "1580")}


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


def repair_splits(persons: np.ndarray, kommuner: np.ndarray, years: np.ndarray,
                  splits: dict[int, tuple[str, ...]] = SPLITS) -> np.ndarray:
    """Rebuild the history before a split of kommuner that the source divided in equal halves.

    For a split on 1 January ``Y`` into parts ``k1, k2, ...``: before ``Y`` the old kommune is
    the sum of the parts (that sum is right, only the division is not), and part ``k`` gets
    ``sum x share_k(a, s)``, its share of the parts in year ``Y`` by five-year age band and sex
    (bands, so that small cells do not carry their noise back in time). Without the repair the
    residual method reads the split as +24 466 net in-migrants to Ålesund and -24 216 from
    Haram in 2023.

    Parameters
    ----------
    persons : ndarray (kommune, year, age, sex) [persons], changed in place and returned.
    kommuner, years : the coordinates of ``persons``.
    """
    kom = [str(k) for k in kommuner]
    for year, parts in splits.items():
        idx = [kom.index(k) for k in parts if k in kom]
        if len(idx) < 2 or year not in years:
            continue
        yi = int(np.flatnonzero(np.asarray(years) == year)[0])
        after = persons[idx, yi]  # (parts, age, sex)
        band = np.zeros((len(idx), AGES.size // 5 + 1, persons.shape[-1]))
        np.add.at(band, (slice(None), AGES // 5), after)
        band = band[:, AGES // 5]  # back on single ages
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(band.sum(0) > 0, band / band.sum(0), 1.0 / len(idx))
        total = persons[idx, :yi].sum(0)  # (years before, age, sex)
        persons[idx, :yi] = total[None] * share[:, None]
    return persons


#: netCDF-C/HDF5 is not thread-safe: two threads opening the file at once crash the process
#: (seen with ``planmodel batch --scheduler threads``), so reads are serialised.
_NETCDF_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _population_history() -> xr.DataArray:
    with _NETCDF_LOCK, netCDF4.Dataset(data_path(*HISTORY_FILE)) as nc:
        nc.set_auto_mask(False)
        raw = nc["persons"][:]
        kommuner = np.asarray(nc["kommune"][:], dtype=str)
        years = np.asarray(nc["year"][:], dtype=int)
        ages = np.asarray(nc["age"][:], dtype=int)
        sexes = [str(x) for x in nc["sex"][:]]
    if not (np.array_equal(ages, AGES) and sexes == list(SEXES)):
        raise ValueError(f"{data_path(*HISTORY_FILE)}: ventet alder 0–105 og kjønn {SEXES}")
    persons = np.where(raw < 0, np.nan, raw.astype(float))
    persons = repair_splits(persons, kommuner, years)
    da = xr.DataArray(persons, coords={"kommune": kommuner, "year": years, "age": AGES, "sex": list(SEXES)},
                      dims=("kommune", "year", "age", "sex"), name="population")
    da.attrs = {"units": "persons", "source": SRC_07459 + ", 2024-kommuner (csdata)", "reference_date": "1 January",
                "note": "1508 Ålesund og 1580 Haram før 2024: delt etter 2024-andeler (repair_splits); "
                        "1160 Vindafjord og 1576 Aure mangler 2005 (NaN)"}
    return freeze(da)


def all_kommuner_population() -> xr.DataArray:
    """Registered population of all 357 kommuner 1 January 2005–2026 [persons], dims
    (kommune, year, age, sex), kommune codes and borders of 2024.

    Read once per process from ``population/kommuner_2005_2026.nc`` (≈ 30 ms) and shared
    **read-only** (copy it before changing it). 1160 Vindafjord and 1576 Aure have no 2005
    values (NaN: formed on 1 January 2006). Before 2024, 1508 Ålesund and 1580 Haram are the
    old 1507 Ålesund divided by the parts' 2024 shares (:func:`repair_splits`).
    """
    return _population_history()


def kommune_population(kommune: str) -> xr.DataArray:
    """Registered population 1 January of one kommune [persons], dims (year, age, sex).

    Every year 2005–2026 with values (2006–2026 for 1160 Vindafjord and 1576 Aure), 2024
    kommune number and borders (see :func:`all_kommuner_population`). A new array.
    """
    hist = _population_history()
    if kommune not in hist.indexes["kommune"]:
        raise KeyError(kommune)
    da = hist.sel(kommune=kommune, drop=True)
    da = da.isel(year=np.flatnonzero(da.notnull().all(["age", "sex"]).values)).copy()
    da.attrs = {**hist.attrs, "kommune": kommune}
    return da


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
