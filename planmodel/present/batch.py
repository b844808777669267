"""Many kommuner: the ranking of gaps, fylke totals and the file of a batch run.

From a :func:`planmodel.analysis.batch.run_many` result: :func:`ranking_table` (one row per
kommune, largest gap per inhabitant first), :func:`ranking_chart` (matplotlib horizontal bars,
the top and bottom of the ranking), :func:`totals_table` (fylker and the country) and
:func:`write_batch` (netCDF or zarr, written atomically). Usable from a notebook as from the CLI.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.analysis.batch import SOURCE, aggregate
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall
from planmodel.core.meta import __version__
from planmodel.present.export import netcdf_ready, write_netcdf

#: File types of a batch result.
BATCH_FORMATS = (".nc", ".zarr")
#: Headings of :func:`ranking_table`, with units.
RANKING_COLUMNS = {"kommune": "Kommune", "navn": "Navn", "fylke": "Fylke", "innbyggere": "Innbyggere [personer]",
                   "gap": "Inndekningsbehov [mill. kr]", "per_innbygger": "Per innbygger [kr]",
                   "ndr": "Netto driftsresultat [% av driftsinntektene]"}


def _year(ds: xr.Dataset, year: int | None) -> int:
    years = [int(y) for y in ds["year"].values]
    if year is None:
        return min(2030, years[-1]) if 2030 >= years[0] else years[-1]
    if int(year) not in years:
        raise InputError("--aar", str(year), f"året finnes ikke i resultatet ({years[0]}–{years[-1]})")
    return int(year)


def _one_draw(ds: xr.Dataset) -> xr.Dataset:
    """With draws: the median over them (tables and charts show one number per kommune)."""
    return ds.median("draw") if "draw" in ds.dims else ds


def ranking_table(ds: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """Kommuner ranked by inndekningsbehov per innbygger in ``year`` (default 2030), largest first.

    Columns :data:`RANKING_COLUMNS` (bokmål headings with units): kommune, name, fylke,
    innbyggere [persons], inndekningsbehov [mill. kr], per innbygger [kr], netto driftsresultat [%].
    Kommuner that could not be computed are left out (see ``ds["feil"]``). ``attrs`` hold the
    year, the price text and the source.
    """
    y = _year(ds, year)
    one = _one_draw(ds[["innbyggere", "inndekningsbehov", "inndekningsbehov_per_innbygger",
                        "netto_driftsresultat_andel"]]).sel(year=y)
    df = pd.DataFrame({
        "kommune": ds["kommune"].values, "navn": ds["kommune_name"].values, "fylke": ds["fylke_name"].values,
        "innbyggere": one["innbyggere"].values.round(0), "gap": (one["inndekningsbehov"].values / 1000).round(1),
        "per_innbygger": one["inndekningsbehov_per_innbygger"].values.round(0),
        "ndr": (100 * one["netto_driftsresultat_andel"].values).round(2)})
    df = df[np.isfinite(df["per_innbygger"])].sort_values(["per_innbygger", "kommune"], ascending=[False, True])
    df = df.reset_index(drop=True).rename(columns=RANKING_COLUMNS)
    df.index = df.index + 1
    df.attrs = {"year": y, "price_year": ds.attrs.get("price_year"), "source": SOURCE,
                "title": f"Inndekningsbehov per innbygger {y}, faste {ds.attrs.get('price_year')}-kroner"}
    return df


def totals_table(ds: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """Fylke totals and the country (last row) in ``year``: kommuner, innbyggere [persons],
    inndekningsbehov [mill. kr], per innbygger [kr], netto driftsresultat [%] (from the sums)."""
    y = _year(ds, year)
    rows = []
    for label, part in (("fylke", aggregate(ds, "fylke")), ("land", aggregate(ds, "land"))):
        part = _one_draw(part).sel(year=y)
        names = part["fylke_name"].values if label == "fylke" else ["Hele landet" if len(ds["kommune"]) == 357
                                                                      else "Alle valgte kommuner"]
        for i, name in enumerate(names):
            row = part.isel(fylke=i) if label == "fylke" else part
            rows.append({"Fylke": str(name), "Kommuner": int(row["antall_kommuner"]),
                         "Innbyggere [personer]": float(row["innbyggere"]),
                         "Inndekningsbehov [mill. kr]": float(row["inndekningsbehov"]) / 1000,
                         "Per innbygger [kr]": float(row["inndekningsbehov_per_innbygger"]),
                         "Netto driftsresultat [%]": 100 * float(row["netto_driftsresultat_andel"])})
    df = pd.DataFrame(rows)
    df.attrs = {"year": y, "source": SOURCE}
    return df


def format_table(df: pd.DataFrame) -> str:
    """A table of this module as text for the terminal (bokmål number format)."""
    decimals = {"Inndekningsbehov [mill. kr]": 1, "Netto driftsresultat [%]": 2,
                "Netto driftsresultat [% av driftsinntektene]": 2}
    shown = df.copy()
    for col in shown.columns:
        if pd.api.types.is_numeric_dtype(shown[col]):
            shown[col] = [tall(v, decimals.get(col, 0)) for v in shown[col]]
    return shown.to_string()


def ranking_chart(ds: xr.Dataset, year: int | None = None, n: int = 15):
    """Horizontal bars of inndekningsbehov per innbygger [kr] in ``year``: the ``n`` largest
    gaps and the ``n`` smallest, with the source in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Without pyplot (no window opens; a notebook shows it, ``fig.savefig`` writes it).
    """
    from matplotlib.figure import Figure

    table = ranking_table(ds, year)
    col = RANKING_COLUMNS["per_innbygger"]
    shown = table if len(table) <= 2 * n else pd.concat([table.head(n), table.tail(n)])
    labels = [f"{r[RANKING_COLUMNS['navn']]} ({r[RANKING_COLUMNS['kommune']]})" for _, r in shown.iterrows()]
    values = shown[col].to_numpy(dtype=float)
    fig = Figure(figsize=(8, 0.28 * len(shown) + 1.6))
    ax = fig.add_subplot()
    pos = np.arange(len(shown))[::-1]
    ax.barh(pos, values, color=["#b2182b" if v > 0 else "#2166ac" for v in values])
    ax.set_yticks(pos, labels, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    if len(table) > 2 * n:
        ax.axhline(n - 0.5, color="grey", linestyle=":", linewidth=0.8)
    ax.set_xlabel(f"Inndekningsbehov per innbygger [kr, faste {ds.attrs.get('price_year')}-kroner]")
    what = "største og minste" if len(table) > 2 * n else "alle"
    ax.set_title(f"Inndekningsbehov per innbygger {table.attrs['year']}: de {what} ({len(table)} kommuner)",
                 fontsize=10)
    fig.text(0.01, 0.005, "Kilde: Statistisk sentralbyrå (CC BY 4.0); KOSTRA 2025 og inntektssystemet 2025; "
             "beregning: planmodel", fontsize=7, color="#444")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def write_batch(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a batch result to ``.nc`` (netCDF-4) or ``.zarr`` (a folder), atomically: into a
    temporary file or folder beside ``path``, renamed into place only when complete.

    attrs added: ``scenario``, ``price_year`` (already there), ``source``, ``created`` (UTC, ISO
    8601) and ``planmodel_version``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in BATCH_FORMATS:
        raise InputError("--out", str(path), f"ukjent filtype {path.suffix or '(ingen)'}; bruk {', '.join(BATCH_FORMATS)}")
    out = ds.copy()
    out.attrs = {**ds.attrs, "source": SOURCE, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "planmodel_version": __version__}
    if suffix == ".nc":
        return write_netcdf(out, path)
    return _write_zarr(netcdf_ready(out), path)


def _write_zarr(ds: xr.Dataset, path: Path) -> Path:
    if not path.parent.is_dir():
        raise InputError(str(path), "fil", f"mappen {path.parent} finnes ikke; lag den først")
    if path.exists() and not (path.is_dir() and ((path / "zarr.json").exists() or (path / ".zgroup").exists())):
        raise InputError(str(path), "fil", "finnes og er ikke et zarr-lager; velg et annet navn")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    old = None
    try:
        ds.to_zarr(tmp, mode="w", consolidated=True, zarr_format=2)  # v2: strings have a stable spec there
        if path.exists():  # a folder cannot be replaced in one step: move the old aside first
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
    except OSError as exc:
        if old is not None and not path.exists():
            os.replace(old / path.name, path)
        raise InputError(str(path), "fil", f"kunne ikke skrive zarr-lageret ({exc.strerror or exc}); "
                                           "det gamle er urørt") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return path
