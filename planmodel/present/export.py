"""Export of model results: a tidy IAMC table (CSV), netCDF and an Excel workbook for readers.

Three formats, one content:

- :func:`to_iamc` turns the result Dataset of :func:`planmodel.model.run` (or of a comparison
  with a leading ``scenario`` dimension) into the long table pyam and most scenario databases
  read: columns ``kommune, scenario, variable, unit, year, value``, variable names in Norwegian
  joined by ``|`` (``Kostnad|Helse og omsorg|Hjemmesykepleie``). ``docs/csv-variabler.md`` lists
  every name pattern with its unit and meaning.
- :func:`write_csv` writes that table (UTF-8, comma, decimal point, every float written with
  Python's shortest round-trip representation, so the file re-reads to the same numbers).
- :func:`write_netcdf` writes the Dataset itself (attrs made serialisable).
- :func:`write_excel` writes a workbook for a Norwegian reader: *Økonomiplan*, *Tiltaksmatrise*,
  *Tjenester*, *Befolkning*, *Data* (exactly the :func:`to_iamc` table) and *Proveniens*
  (program version, scenario, SHA-256 of the scenario file, sources, assumptions). The file has
  no wall-clock timestamp (zip entry times and the document's created/modified properties are
  fixed or left out), so the same scenario gives the same bytes.

Money is NOK 1000 at fixed prices of the Dataset's ``price_year`` in the IAMC table and the
netCDF file; the Excel sheets show mill. kr with one decimal (cells keep the unrounded value,
formatted with Excel's built-in ``#,##0.0`` code, which Excel renders with the reader's own
decimal comma and thousands separator).

Variables the export does not know (for example the ``diff_*`` variables of a comparison) are
left out of the IAMC table: differences are one subtraction away in the long table. The netCDF
file keeps them.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.budget import INCOME_PARTS, to_nominal
from planmodel.core.formatting import prosent
from planmodel.core.labels import STATUS
from planmodel.core.meta import SSB_CREDIT
from planmodel.core.meta import __version__
from planmodel.core.ages import KOSTRA_GROUPS, to_kostra_groups
from planmodel.core.errors import InputError
from planmodel.core.io import atomic_path, formulas_as_text, write_bytes_atomic, write_text_atomic
from planmodel.inputs.catalogue import load_catalogue
from planmodel.population.indicators import indicators
from planmodel.inputs.library import load_library
from planmodel.inputs.goals import (MATRIX_COLUMNS, check_links, default_goals_file, load_goals, scenario_goals,
                                     tidspunkt, tiltaksmatrise)

#: Columns of the IAMC table, in order.
IAMC_COLUMNS = ["kommune", "scenario", "variable", "unit", "year", "value"]
#: Separator of the hierarchical variable names.
SEP = "|"
#: Unit strings of the IAMC table (money gets its price year: ``NOK 1000 (2025-priser)``).
PERSONS, FTE, FTE_PER_YEAR, PERCENT, PLACES, RATIO = (
    "personer", "årsverk", "årsverk per år", "%", "plasser", "personer per person")
#: Years of the long view shown after the økonomiplan period in the Excel sheets (if present).
LONG_VIEW = (2035, 2040)
#: NOK 1000 per mill. kr.
NOK1000_PER_MILL = 1000.0
#: Sheet names of :func:`write_excel`, in order.
SHEETS = ("Økonomiplan", "Tiltaksmatrise", "Tjenester", "Befolkning", "Data", "Proveniens")
#: First sheet of a workbook of several scenarios (a comparison); then one Økonomiplan sheet each.
COMPARISON_SHEET = "Sammenligning"
#: Excel number formats (built-in codes; Excel shows them in the reader's locale).
FMT_MILL, FMT_INT, FMT_PCT, FMT_RATIO = "#,##0.0", "#,##0", "0.0", "0.00"
#: Fixed zip entry time of written workbooks (the earliest a zip file can hold).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# ============================================================================ IAMC table

def money_unit(ds: xr.Dataset) -> str:
    """The money unit string of the IAMC table: ``"NOK 1000 (2025-priser)"`` at fixed prices,
    ``"NOK 1000 (løpende priser)"`` after :func:`in_prices` with ``"lopende"``."""
    if ds.attrs.get("prices") == "lopende":
        return "NOK 1000 (løpende priser)"
    if ds.attrs.get("prices") == "budsjettaar":
        return f"NOK 1000 ({ds.attrs.get('budget_year')}-priser)"
    year = ds.attrs.get("price_year")
    return f"NOK 1000 ({year}-priser)" if year is not None else "NOK 1000 (faste priser)"


# ============================================================================ prices

#: Price choices of every table and export: fixed prices of the price year, løpende (nominal), or
#: fixed prices of the budget year (the first plan year, as an økonomiplan is usually presented).
PRICES = ("fast", "lopende", "budsjettaar")


def scenario_attr(ds: xr.Dataset, sid: str, name: str, default: Any = None) -> Any:
    """A run attribute of one scenario: ``attrs[name]``, or in a comparison where the scenarios
    differ, the coordinate ``scenario_<name>`` at ``sid``."""
    coord = f"scenario_{name}"
    if coord in ds.coords:
        da = ds[coord]
        v = da.sel(scenario=sid).values if "scenario" in da.dims else da.values
        v = v.item() if hasattr(v, "item") else v
        return default if v in (None, "") else v
    return ds.attrs.get(name, default)


def deflator_of(ds: xr.Dataset, sid: str | None = None) -> tuple[float, str, str]:
    """The deflator the run used, its status and source: ``(0.035, "anslag", "Kommunal deflator ...")``,
    read from the run's record of its economy (``attrs["economy"]``, one scenario's in a comparison)."""
    sid = sid if sid is not None else scenario_ids(ds)[0]
    text = scenario_attr(ds, sid, "economy", "")
    for item in _split_economy(str(text)):
        m = re.fullmatch(r"deflator = (\S+) \((\w+): (.*)\)", item, flags=re.S)
        if m:
            return float(m.group(1)), STATUS.get(m.group(2), m.group(2)), m.group(3).strip()
    raise InputError("resultat", "economy", "deflatoren mangler i kjøringens forutsetninger; bruk resultatet av "
                                            "planmodel.model.run()")


def _is_money(da: xr.DataArray) -> bool:
    return "NOK 1000" in str(da.attrs.get("units", ""))


def in_prices(ds: xr.Dataset, priser: str = "fast") -> xr.Dataset:
    """The result in the chosen prices.

    ``"fast"`` returns ``ds`` unchanged (NOK 1000 at fixed prices of ``attrs["price_year"]``).
    ``"lopende"`` turns every money variable (units ``NOK 1000 ...``) into nominal kroner of each
    year with :func:`planmodel.budget.to_nominal` and the run's own deflator
    (:func:`deflator_of`, per scenario in a comparison): ``value × (1 + deflator)^(year − price year)``.
    ``"budsjettaar"`` gives fixed prices of the budget year (the first plan year ``attrs["plan_start"]``):
    every year × ``(1 + deflator)^(budget year − price year)``, the way an økonomiplan is usually
    presented. Shares and other units are left as they are. attrs get ``prices`` (the choice),
    ``budget_year`` for the budget year, and, when the scenarios share one deflator, ``deflator``
    and ``deflator_source``.
    """
    if priser not in PRICES:
        raise InputError("priser", str(priser), f"ukjent valg; bruk {', '.join(PRICES)}")
    if priser == "fast" or ds.attrs.get("prices") in ("lopende", "budsjettaar"):
        return ds
    years = ds["year"].values.astype(int)
    ids = scenario_ids(ds)
    factors = []
    budget_year = int(ds.attrs.get("plan_start", years[0] + 1))
    for sid in ids:
        price_year = int(scenario_attr(ds, sid, "price_year"))
        at = np.full(years.size, budget_year) if priser == "budsjettaar" else years
        factors.append(to_nominal(np.ones(years.size), at, price_year, deflator_of(ds, sid)[0]))
    if "scenario" in ds.dims:
        factor = xr.DataArray(np.stack(factors), dims=("scenario", "year"), coords={"scenario": ds["scenario"].values})
    else:
        factor = xr.DataArray(factors[0], dims="year")
    units = "NOK 1000, løpende priser" if priser == "lopende" else f"NOK 1000, faste {budget_year}-priser"
    out = ds.copy()
    for name, da in ds.data_vars.items():
        if _is_money(da) and "year" in da.dims:
            out[name] = (da * factor).transpose(*da.dims).assign_attrs({**da.attrs, "units": units})
    defl = {sid: deflator_of(ds, sid) for sid in ids}
    out.attrs = {**ds.attrs, "prices": priser, "money_units": units}
    if priser == "budsjettaar":
        out.attrs["budget_year"] = budget_year
    if len({v for v in defl.values()}) == 1:
        out.attrs["deflator"], _, out.attrs["deflator_source"] = defl[ids[0]]
    return out


def price_text(ds: xr.Dataset, sid: str | None = None) -> str:
    """The sheets' price line: ``"faste 2025-priser"`` or
    ``"løpende priser: 2025-kroner × (1 + 3,5 %)^(år − 2025); deflator: <kilde>"``."""
    sid = sid if sid is not None else scenario_ids(ds)[0]
    year = scenario_attr(ds, sid, "price_year", "")
    if ds.attrs.get("prices") not in ("lopende", "budsjettaar"):
        return f"faste {year}-priser"
    value, status, source = deflator_of(ds, sid)
    if ds.attrs.get("prices") == "budsjettaar":
        by = ds.attrs.get("budget_year")
        return (f"faste {by}-priser (budsjettåret): {year}-kroner × (1 + {prosent(value, 1)})^{int(by) - int(year)}; "
                f"deflator {prosent(value, 1)} ({status}: {source})")
    return (f"løpende priser: {year}-kroner × (1 + {prosent(value, 1)})^(år − {year}); "
            f"deflator {prosent(value, 1)} ({status}: {source})")


def scenario_ids(ds: xr.Dataset) -> list[str]:
    """Scenario ids of a result: the ``scenario`` coordinate, or ``[ds.attrs["scenario"]]``."""
    if "scenario" in ds.dims:
        return [str(s) for s in ds["scenario"].values]
    return [str(ds.attrs.get("scenario", "scenario"))]


def with_scenario_dim(ds: xr.Dataset) -> xr.Dataset:
    """The Dataset with a leading ``scenario`` dimension (added with the id from attrs if absent)."""
    if "scenario" in ds.dims:
        return ds
    return ds.expand_dims(scenario=scenario_ids(ds))


def scenario_titles(ds: xr.Dataset) -> dict[str, str]:
    """Scenario id -> title (coordinate ``scenario_title``, else attrs, else the id)."""
    ids = scenario_ids(ds)
    if "scenario_title" in ds.coords and "scenario" in ds["scenario_title"].dims:
        return {i: str(t) for i, t in zip(ids, ds["scenario_title"].values)}
    if "scenario" not in ds.dims and ds.attrs.get("scenario_title"):
        return {ids[0]: str(ds.attrs["scenario_title"])}
    return {i: i for i in ids}


def kommune_codes(ds: xr.Dataset) -> dict[str, str]:
    """Scenario id -> kommunenummer as 4-digit text.

    From a coordinate ``kommune`` or ``scenario_kommune`` along ``scenario`` when it holds
    numbers (a scenario may name its kommune by name; then ``attrs["kommune"]`` is used)."""
    ids = scenario_ids(ds)
    fallback = _code(ds.attrs.get("kommune", ""))
    for name in ("kommune", "scenario_kommune"):
        if name in ds.coords and "scenario" in ds[name].dims:
            codes = [_code(c) for c in ds[name].values]
            return {i: c if c.isdigit() and len(c) == 4 else fallback for i, c in zip(ids, codes)}
    return {i: fallback for i in ids}


def kommune_names(ds: xr.Dataset) -> dict[str, str]:
    """Scenario id -> the kommune's name (a comparison of scenarios for different kommuner keeps
    each run's name in the coordinate ``scenario_kommune_name``; else ``attrs["kommune_name"]``,
    else the kommunenummer)."""
    codes = kommune_codes(ds)
    return {sid: str(scenario_attr(ds, sid, "kommune_name", "") or codes[sid]) for sid in scenario_ids(ds)}


def _names_text(ds: xr.Dataset) -> str:
    """Kommune name(s) for a sheet title: ``"Bærum"``, or ``"Bærum (a, b), Oslo (c)"``."""
    names = kommune_names(ds)
    unique = list(dict.fromkeys(names.values()))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(f"{n} ({', '.join(s for s, m in names.items() if m == n)})" for n in unique)


def chosen_measures(ds: xr.Dataset) -> np.ndarray:
    """Which tiltak each scenario chose: bool (scenario, measure).

    In a comparison the ``measure`` axis is the union of every scenario's tiltak and the cost of
    a tiltak a scenario did not choose may be filled with 0; the coordinate ``measure_title``
    (scenario, measure) is empty there, and that is what tells them apart."""
    n_s = len(scenario_ids(ds))
    n_m = ds.sizes.get("measure", 0)
    if "measure_title" in ds.coords and "scenario" in ds["measure_title"].dims:
        vals = ds["measure_title"].transpose("scenario", "measure").values
        return np.array([[isinstance(v, str) and bool(v) for v in row] for row in vals], dtype=bool).reshape(n_s, n_m)
    return np.ones((n_s, n_m), dtype=bool)


def _code(c: Any) -> str:
    if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
        return f"{int(c):04d}"
    text = str(c).strip()
    return text.zfill(4) if text.isdigit() else text


def _clean(name: Any) -> str:
    """A label safe inside a hierarchical variable name (no separator)."""
    return str(name).replace(SEP, "/").strip()


def _labels(ds: xr.Dataset, coord: str, dim: str, fallback: Mapping[str, str] | None = None) -> list[str]:
    """Labels along ``dim`` from coordinate ``coord`` (first non-empty value over ``scenario``
    when a comparison made it two-dimensional), else ``fallback[id]``, else the id."""
    ids = [str(x) for x in ds[dim].values]
    if coord in ds.coords:
        da = ds[coord]
        if "scenario" in da.dims:
            vals = da.transpose(dim, "scenario").values
            out = []
            for i, row in zip(ids, vals):
                good = [v for v in row if isinstance(v, str) and v]
                out.append(good[0] if good else i)
            return [_clean(x) for x in out]
        return [_clean(x) for x in da.values]
    fallback = fallback or {}
    return [_clean(fallback.get(i, i)) for i in ids]


def _group_names(kind: str) -> dict[str, str]:
    """Names of capacity/threshold groups from the shipped catalogue (the Dataset has ids only)."""
    try:
        groups = getattr(load_catalogue(), kind)
    except Exception:  # noqa: BLE001 - names are a nicety; ids are a correct fallback
        return {}
    return {g: v.name for g, v in groups.items()}


class _Rows:
    """Collects blocks of (scenario, variable, unit, year, value) as numpy arrays."""

    def __init__(self, ds: xr.Dataset):
        self.ds = with_scenario_dim(ds)
        self.scen = np.array(scenario_ids(ds), dtype=object)
        self.years = self.ds["year"].values.astype(np.int64)
        self.blocks: list[tuple[np.ndarray, np.ndarray, str, np.ndarray, np.ndarray]] = []

    def add(self, da: xr.DataArray, names: str | Sequence[str], unit: str, scale: float = 1.0) -> None:
        """Add a (scenario, [label,] year) DataArray; ``names`` one per label (or one name)."""
        if "scenario" not in da.dims:
            da = da.expand_dims(scenario=self.ds["scenario"].values)
        if isinstance(names, str):
            dims = ("scenario", "year")
            names = [names]
            vals = da.transpose(*dims).values[:, None, :]
        else:
            (label_dim,) = [d for d in da.dims if d not in ("scenario", "year")]
            vals = da.transpose("scenario", label_dim, "year").values
        vals = np.asarray(vals, dtype=float) * scale + 0.0  # + 0.0: no negative zeros
        S, L, Y = vals.shape
        self.blocks.append((np.repeat(self.scen, L * Y), np.tile(np.repeat(np.array(names, dtype=object), Y), S),
                            unit, np.tile(self.years, S * L), vals.ravel()))

    def frame(self, kommune: Mapping[str, str]) -> pd.DataFrame:
        if not self.blocks:
            return pd.DataFrame({c: [] for c in IAMC_COLUMNS})
        scen = np.concatenate([b[0] for b in self.blocks])
        var = np.concatenate([b[1] for b in self.blocks])
        unit = np.concatenate([np.full(b[4].size, b[2], dtype=object) for b in self.blocks])
        year = np.concatenate([b[3] for b in self.blocks])
        value = np.concatenate([b[4] for b in self.blocks])
        keep = ~np.isnan(value)
        order = {s: i for i, s in enumerate(self.scen)}
        df = pd.DataFrame({
            "kommune": pd.array([kommune[s] for s in scen[keep]], dtype="str"),
            "scenario": pd.array(scen[keep], dtype="str"),
            "variable": pd.array(var[keep], dtype="str"),
            "unit": pd.array(unit[keep], dtype="str"),
            "year": year[keep].astype(np.int64),
            "value": value[keep].astype(np.float64),
        })
        df["_s"] = df["scenario"].map(order)
        df = df.sort_values(["_s", "variable", "year"], kind="stable").drop(columns="_s")
        return df.reset_index(drop=True)


def to_iamc(ds: xr.Dataset) -> pd.DataFrame:
    """The result as a tidy IAMC-style long table.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`planmodel.model.run` [dims ``year`` and others], or a comparison of
        several runs with a leading ``scenario`` dimension (coordinate values = scenario ids).

    Returns
    -------
    pandas.DataFrame
        Columns ``kommune`` (4-digit text), ``scenario`` (id), ``variable`` (Norwegian, levels
        joined by ``|``), ``unit`` (``personer``, ``NOK 1000 (2025-priser)``, ``årsverk``,
        ``årsverk per år``, ``%``, ``plasser``, ``personer per person``), ``year`` (int64) and
        ``value`` (float64). Rows sorted by scenario (in the Dataset's order), variable (code-point
        order) and year; rows whose value is NaN (a tiltak not chosen in one of the compared
        scenarios) are left out. Every name pattern is listed in ``docs/csv-variabler.md``.

    Notes
    -----
    ``Netto driftsresultat|Andel av driftsinntekter`` is in percent (2.2 means 2,2 %), not a
    share. Sector and service labels are the Norwegian names of the catalogue
    (``sector_name``, ``service_name`` coordinates).
    """
    r = _Rows(ds)
    d = r.ds
    nok = money_unit(ds)
    _population(r, d)
    _services(r, d, nok)
    _workforce(r, d)
    _economy(r, d, nok)
    _measures(r, d, nok)
    _places(r, d, nok)
    return r.frame(kommune_codes(ds))


def _has(d: xr.Dataset, *names: str) -> bool:
    return all(n in d.data_vars for n in names)


def _population(r: _Rows, d: xr.Dataset) -> None:
    if not _has(d, "population"):
        return
    pop = d["population"]
    both = pop.sum("sex", min_count=1)
    r.add(both.sum("age", min_count=1), "Befolkning", PERSONS)
    groups = to_kostra_groups(both)
    r.add(groups, [f"Befolkning{SEP}{g} år" for g in groups["age_group"].values], PERSONS)
    r.add(indicators(pop)["aldersbaereevne"], "Aldersbæreevne", RATIO)


def _services(r: _Rows, d: xr.Dataset, nok: str) -> None:
    if "service" not in d.dims:
        return
    services = _labels(d, "service_name", "service")
    sector_of = dict(zip([str(s) for s in d["sector"].values], _labels(d, "sector_name", "sector"))) \
        if "sector" in d.dims else {}
    svc_sector = [str(x) for x in d["service_sector"].values] if "service_sector" in d.coords else [""] * len(services)
    sec_names = [sector_of.get(s, _clean(s)) for s in svc_sector]
    if _has(d, "users"):
        r.add(d["users"], [f"Brukere{SEP}{s}" for s in services], PERSONS)
    if _has(d, "demand"):
        r.add(d["demand"], [f"Behov{SEP}{s}" for s in services], PERSONS)
    if _has(d, "users_by_level"):
        levels = _labels(d, "care_level_name", "care_level")
        r.add(d["users_by_level"], [f"Brukere{SEP}Omsorgstrappen{SEP}{lv}" for lv in levels], PERSONS)
    if "capacity_group" in d.dims:
        groups = _labels(d, "capacity_group_name", "capacity_group", _group_names("capacity_groups"))
        for var, head, unit in (("queue", "Ventende", PERSONS), ("capacity", "Plasser", PLACES),
                                ("stepped_down", "Gitt tjeneste ett trinn ned", PERSONS)):
            if _has(d, var):
                r.add(d[var], [f"{head}{SEP}{g}" for g in groups], unit)
    if _has(d, "unmet_need"):
        groups = _labels(d, "threshold_group_name", "threshold_group", _group_names("threshold_groups"))
        r.add(d["unmet_need"], [f"Udekket behov{SEP}{g}" for g in groups], PERSONS)
    if _has(d, "cost"):
        cost = d["cost"]
        r.add(cost, [f"Kostnad{SEP}{sec}{SEP}{s}" for sec, s in zip(sec_names, services)], nok)
        by_sector = cost.groupby(xr.DataArray(sec_names, dims="service", name="sector_label")).sum(min_count=1)
        r.add(by_sector, [f"Kostnad{SEP}{s}" for s in by_sector["sector_label"].values], nok)
        r.add(cost.sum("service", min_count=1), "Kostnad", nok)
    if _has(d, "fte"):
        r.add(d["fte"], [f"Årsverk{SEP}Behov{SEP}{sec}{SEP}{s}" for sec, s in zip(sec_names, services)], FTE)


def _workforce(r: _Rows, d: xr.Dataset) -> None:
    if "sector" not in d.dims:
        return
    sectors = _labels(d, "sector_name", "sector")
    for var, head, unit in (("fte_sector", "Behov", FTE), ("fte_supply", "Tilgang", FTE),
                            ("fte_gap", "Gap", FTE), ("recruitment_need", "Rekrutteringsbehov", FTE_PER_YEAR)):
        if _has(d, var):
            r.add(d[var], [f"Årsverk{SEP}{head}{SEP}{s}" for s in sectors], unit)
            r.add(d[var].sum("sector", min_count=1), f"Årsverk{SEP}{head}", unit)


#: Økonomiplan lines (NOK 1000) of the IAMC table: Dataset variable -> variable name.
ECONOMY_VARIABLES: dict[str, str] = {
    "frie_inntekter": "Frie inntekter",
    "driftsinntekter": "Driftsinntekter",
    "ovrige_netto_driftsutgifter": f"Netto driftsutgifter{SEP}Øvrige",
    "brutto_driftsresultat": "Brutto driftsresultat",
    "renter": "Netto renteutgifter",
    "avdrag": "Avdrag",
    "netto_driftsresultat": "Netto driftsresultat",
    "resultatmal": f"Netto driftsresultat{SEP}Mål",
    "inndekningsbehov": "Inndekningsbehov",
    "handlingsrom": "Handlingsrom",
    "bundet_lovpalagt_minimum": f"Bundet{SEP}Lovpålagte tjenester på minimumsstandard",
    "bundet_kapitalkostnader": f"Bundet{SEP}Renter og avdrag",
    "bundet_vedtatte_tiltak": f"Bundet{SEP}Vedtatte tiltak",
    "bundet_resultatmal": f"Bundet{SEP}Resultatmål",
    "bundet_kort_sikt": f"Bundet{SEP}Kort sikt",
    "investeringer": "Investeringer",
    "nye_lan": "Nye lån",
    "lanegjeld": "Lånegjeld",
    "disposisjonsfond": "Disposisjonsfond",
}
#: Parts of a sector frame: Dataset variable -> last level of ``Sektorramme|<Sektor>|...``.
FRAME_PARTS: dict[str, str] = {
    "sektor_basis": "Basis",
    "sektor_demografi": "Demografi",
    "sektor_valg": "Valg",
    "sektor_tiltak_effekt": "Tiltak virkning",
    "sektor_tiltak_drift": "Tiltak drift",
}


def _economy(r: _Rows, d: xr.Dataset, nok: str) -> None:
    for var, name in ECONOMY_VARIABLES.items():
        if _has(d, var):
            r.add(d[var], name, nok)
    if _has(d, "netto_driftsresultat_andel"):
        r.add(d["netto_driftsresultat_andel"], f"Netto driftsresultat{SEP}Andel av driftsinntekter", PERCENT, 100.0)
    if _has(d, "netto_driftsutgifter_sektorer", "ovrige_netto_driftsutgifter"):
        r.add(d["netto_driftsutgifter_sektorer"] + d["ovrige_netto_driftsutgifter"], "Netto driftsutgifter", nok)
    if "sector" not in d.dims:
        return
    sectors = _labels(d, "sector_name", "sector")
    if _has(d, "sektor_ramme"):
        r.add(d["sektor_ramme"], [f"Netto driftsutgifter{SEP}{s}" for s in sectors], nok)
        r.add(d["sektor_ramme"], [f"Sektorramme{SEP}{s}" for s in sectors], nok)
    for var, part in FRAME_PARTS.items():
        if _has(d, var):
            r.add(d[var], [f"Sektorramme{SEP}{s}{SEP}{part}" for s in sectors], nok)


def measure_titles(ds: xr.Dataset) -> list[str]:
    """Tiltak titles along ``measure`` (the id appended where two tiltak share a title)."""
    if "measure" not in ds.dims:
        return []
    ids = [str(m) for m in ds["measure"].values]
    titles = _labels(ds, "measure_title", "measure")
    count = pd.Series(titles).value_counts()
    return [f"{t} ({i})" if count[t] > 1 else t for t, i in zip(titles, ids)]


def _measures(r: _Rows, d: xr.Dataset, nok: str) -> None:
    if "measure" not in d.dims or d.sizes["measure"] == 0:
        return
    titles = measure_titles(d)
    chosen = xr.DataArray(chosen_measures(d), dims=("scenario", "measure"),
                          coords={"scenario": d["scenario"].values, "measure": d["measure"].values})
    if _has(d, "tiltak_drift"):
        r.add(d["tiltak_drift"].where(chosen), [f"Tiltak{SEP}{t}{SEP}Drift" for t in titles], nok)
    if _has(d, "tiltak_investering"):
        r.add(d["tiltak_investering"].where(chosen), [f"Tiltak{SEP}{t}{SEP}Investering" for t in titles], nok)
    if _has(d, "tiltak_gevinst"):
        r.add(d["tiltak_gevinst"].where(chosen), [f"Tiltak{SEP}{t}{SEP}Gevinst" for t in titles], nok)


def _places(r: _Rows, d: xr.Dataset, nok: str) -> None:
    if "place_type" not in d.dims:
        return
    names = _labels(d, "place_type_name", "place_type")
    for var, head, unit in (("plasser_nye", "Nye plasser", PLACES), ("plasser_behov", "Plassbehov", PERSONS),
                            ("plasser_investering", f"Investeringer{SEP}Nye plasser", nok)):
        if _has(d, var):
            r.add(d[var], [f"{head}{SEP}{n}" for n in names], unit)


# ============================================================================ CSV and netCDF

def write_csv(ds: xr.Dataset, path: str | Path, priser: str = "fast") -> Path:
    """Write :func:`to_iamc` as CSV (money at fixed prices, or løpende with ``priser="lopende"``,
    see :func:`in_prices`; the ``unit`` column says which).

    UTF-8 without BOM, comma separator, ``.`` as decimal point, a header row, no index. Floats
    are written in Python's shortest round-trip representation (``repr``: no ``float_format``),
    so ``pandas.read_csv(path, dtype={"kommune": str}, float_precision="round_trip")`` gives back
    exactly the same numbers; a fixed format such as ``%.10g`` would lose digits.

    Parameters
    ----------
    ds : xarray.Dataset
        A result (see :func:`to_iamc`).
    path : str or Path
        File to write.
    priser : {"fast", "lopende", "budsjettaar"}
        Fixed prices of the price year (default) or løpende priser (:func:`in_prices`).

    Returns
    -------
    Path
    """
    return write_text_atomic(path, to_iamc(in_prices(ds, priser)).to_csv(index=False, lineterminator="\n"))


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` with the dtypes of :func:`to_iamc`."""
    return pd.read_csv(path, dtype={"kommune": "str", "scenario": "str", "variable": "str", "unit": "str",
                                    "year": "int64", "value": "float64"},
                       float_precision="round_trip", keep_default_na=False, na_values=[])


def _attr_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, (int, float, str)):
        return v
    if isinstance(v, (list, tuple)) and v and (all(isinstance(x, str) for x in v) or all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
        return list(v)
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _serialisable_attrs(attrs: Mapping) -> dict:
    return {str(k): _attr_value(v) for k, v in attrs.items()}


def _plain_strings(var: xr.Variable) -> xr.Variable:
    """Object arrays of text (NaN where a comparison had no value) -> fixed unicode, NaN -> ''."""
    if var.dtype != object:
        return var
    vals = np.array(["" if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v)
                     for v in var.values.ravel()], dtype=str).reshape(var.shape)
    return var.copy(data=vals)


def netcdf_ready(ds: xr.Dataset) -> xr.Dataset:
    """A copy of ``ds`` that netCDF can hold: attrs of the Dataset and of every variable with
    bools as 0/1, None as ``""`` and dicts as JSON text; text arrays with missing values
    (``object`` dtype after a comparison) as plain unicode with ``""`` for missing."""
    out = ds.copy()
    out.attrs = _serialisable_attrs(ds.attrs)
    for name in list(out.variables):
        var = _plain_strings(out.variables[name])
        var.attrs = _serialisable_attrs(var.attrs)
        if name in out.coords:
            out = out.assign_coords({name: var})
        else:
            out[name] = var
    return out


def _netcdf_engine() -> str:
    for module, engine in (("netCDF4", "netcdf4"), ("h5netcdf", "h5netcdf"), ("scipy", "scipy")):
        try:
            __import__(module)
        except ImportError:
            continue
        return engine
    raise InputError("netCDF", "engine", "ingen netCDF-motor er installert; installer netCDF4 (pip install netCDF4)")


def write_netcdf(ds: xr.Dataset, path: str | Path, engine: str | None = None) -> Path:
    """Write the Dataset as netCDF (see :func:`netcdf_ready` for what is converted).

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`planmodel.model.run` or a comparison (any dims; units in attrs).
    path : str or Path
        File to write.
    engine : str, optional
        xarray engine; default the first installed of ``netcdf4``, ``h5netcdf``, ``scipy``
        (netCDF-3, which cannot hold 64-bit integers as well as netCDF-4 does).

    Returns
    -------
    Path
    """
    path = Path(path)
    engine = engine or _netcdf_engine()
    ready = netcdf_ready(ds)
    with atomic_path(path) as tmp:  # atomic: the file is complete or not there
        ready.to_netcdf(tmp, engine=engine)
    return path


# ============================================================================ Excel

class Formula(tuple):
    """An Excel formula with the value it gives (the model's number), for :class:`_Sheet`:
    ``Formula("SUM(B5:B9)", 1234.5)``. The value is stored as the formula's cached result, so a
    reader that does not calculate (pandas, openpyxl ``data_only=True``, file previews) sees it."""

    def __new__(cls, text: str, value: float):
        return super().__new__(cls, (text, float(value) + 0.0))

    @property
    def text(self) -> str:
        return self[0]

    @property
    def value(self) -> float:
        return self[1]


def _with_cached_values(xml: bytes, cached: Mapping[str, float]) -> bytes:
    """Put cached results into the formula cells (``<f>..</f><v />``) of one sheet's XML."""
    if not cached:
        return xml

    def fill(m: re.Match) -> bytes:
        ref = m.group(1).decode()
        if ref not in cached or not math.isfinite(cached[ref]):
            return m.group(0)
        return m.group(0)[: -len(m.group(3))] + f"<v>{cached[ref]!r}</v>".encode()

    return re.sub(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(<f>[^<]*</f>)(<v ?/>|<v></v>)', fill, xml)


def save_workbook(wb, path: str | Path, cached: Mapping[str, Mapping[str, float]] | None = None) -> Path:
    """Save an openpyxl workbook without wall-clock time in it.

    openpyxl stamps the save time into ``docProps/core.xml`` and the zip entries; both are
    removed or fixed here, so the same content gives the same bytes. ``cached`` ({sheet title:
    {cell: value}}) are the results of formula cells, written into the file (openpyxl cannot);
    Excel recalculates them on opening anyway. Only those cells are written as formulas: any
    other cell whose text starts with ``=`` (a title the user wrote) is saved as text.
    """
    cached = cached or {}
    formulas_as_text(wb, keep={title: cells.keys() for title, cells in cached.items()})
    sheet_xml = {f"xl/worksheets/sheet{i}.xml": cached.get(ws.title, {}) for i, ws in enumerate(wb.worksheets, start=1)}
    if cached:
        wb.calculation.fullCalcOnLoad = True
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", data)
            elif sheet_xml.get(info.filename):
                data = _with_cached_values(data, sheet_xml[info.filename])
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    return write_bytes_atomic(path, out.getvalue())


class _Sheet:
    """Writes rows into an openpyxl worksheet and remembers column widths."""

    def __init__(self, ws):
        from openpyxl.styles import Font

        self.ws = ws
        self.row = 0
        self.widths: dict[int, int] = {}
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=13)
        self.cached: dict[str, float] = {}

    def write(self, values: Sequence, fmt: str | Sequence[str | None] | None = None, bold: bool = False,
              title: bool = False, width: bool = True, indent: int = 0) -> int:
        from openpyxl.styles import Alignment

        self.row += 1
        if indent:
            self.ws.cell(row=self.row, column=1).alignment = Alignment(indent=indent)
        for j, v in enumerate(values, start=1):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, (np.floating, np.integer)):
                v = v.item()
            if isinstance(v, Formula):
                cell = self.ws.cell(row=self.row, column=j, value="=" + v.text)
                self.cached[cell.coordinate] = v.value
                v = v.value
            else:
                cell = self.ws.cell(row=self.row, column=j, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # text stays text, also when it starts with "="
            f = fmt[j - 1] if isinstance(fmt, (list, tuple)) else fmt
            if f and isinstance(v, (int, float)) and not isinstance(v, bool):
                cell.number_format = f
            if bold or title:
                cell.font = self.title_font if title else self.bold
            if width:
                text = f"{v:,.1f}" if isinstance(v, float) else str(v)
                self.widths[j] = max(self.widths.get(j, 0), len(text))
        return self.row

    def blank(self) -> None:
        self.row += 1

    def header(self, values: Sequence) -> None:
        self.write(values, bold=True)

    def finish(self, freeze: str | None = None, min_width: int = 8, max_width: int = 60) -> None:
        from openpyxl.utils import get_column_letter

        for j, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, min_width), max_width)
        if freeze:
            self.ws.freeze_panes = freeze


def _plan_years(ds: xr.Dataset) -> tuple[list[int], list[int]]:
    """Years of the økonomiplan period and of the long view (2035/2040 where present)."""
    years = ds.plan.all_years
    plan = ds.plan.years
    long = [y for y in LONG_VIEW if y in years and y > plan[-1]]
    return plan, long


def _select(ds: xr.Dataset, sid: str) -> xr.Dataset:
    return ds.sel(scenario=sid) if "scenario" in ds.dims else ds


def _line(da: xr.DataArray, years: list[int], scale: float = 1.0) -> list[float]:
    return [float(v) * scale + 0.0 for v in da.sel(year=years).values]


#: Row label of the NDR percent line of the Økonomiplan sheet.
NDR_PERCENT_LABEL = "Netto driftsresultat i % av driftsinntektene"


#: Lines of the comparison sheet: (label, unit, variable or None for the sum of netto driftsutgifter, scale).
COMPARISON_LINES = (
    ("Frie inntekter", "mill. kr", "frie_inntekter"),
    ("Sum netto driftsutgifter", "mill. kr", None),
    ("Netto driftsresultat", "mill. kr", "netto_driftsresultat"),
    (NDR_PERCENT_LABEL, "% (prosentpoeng i forskjellen)", "netto_driftsresultat_andel"),
    ("Inndekningsbehov (avstand til målet)", "mill. kr", "inndekningsbehov"),
    ("Handlingsrom", "mill. kr", "handlingsrom"),
    ("Investeringer", "mill. kr", "investeringer"),
    ("Lånegjeld ved utgangen av året", "mill. kr", "lanegjeld"),
    ("Disposisjonsfond ved utgangen av året", "mill. kr", "disposisjonsfond"),
)
#: Identities are written as formulas only when the model's numbers satisfy them to this
#: tolerance [NOK 1000] (floating-point rounding); otherwise the lines stay values.
IDENTITY_TOLERANCE = 1e-6


def _sheet_name(wb, text: str) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", text)[:31]
    name, k = base, 2
    while name in wb.sheetnames:
        tail = f" ({k})"
        name, k = base[: 31 - len(tail)] + tail, k + 1
    return name


def _exact(a, b) -> bool:
    return bool(np.all(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) <= IDENTITY_TOLERANCE))


def _sheet_years(ds: xr.Dataset) -> tuple[int, list[int], list[int]]:
    """Base year, økonomiplan years and long-view years of the Økonomiplan sheets."""
    plan, long = _plan_years(ds)
    return ds.plan.base_year, plan, long


def _year_labels(base: int, years: list[int]) -> list:
    return [f"{base} (basisår)"] + years


def _okonomiplan_sheet(sh: _Sheet, ds: xr.Dataset, sid: str) -> None:
    """One scenario's økonomiplan: the base year (the accounts), the plan years and the long view,
    in mill. kr; sums and the result lines are Excel formulas where the model's identity holds."""
    base, plan, long = _sheet_years(ds)
    years = [base] + plan + long
    d = _select(ds, sid)
    name = kommune_names(ds)[sid]
    period = scenario_attr(ds, sid, "plan_period") or (f"{plan[0]}–{plan[-1]}" if plan else "")
    sh.write([f"Økonomiplan {period} – {name}"], title=True)
    sh.write([f"Beløp i mill. kr, {price_text(ds, sid)}. Inntekter og utgifter er positive tall; "
              "resultatlinjene er inntekter minus utgifter."], width=False)
    accounts = scenario_attr(ds, sid, "accounts_year")
    sh.write([f"Basisåret {base} er kommunens eget regnskap" + (f" {accounts} (KOSTRA) og inntektssystemet {accounts}"
              if accounts else "") + "; summene og resultatlinjene er formler av linjene over."], width=False)
    sh.blank()
    sh.write([f"Scenario: {scenario_titles(ds)[sid]} ({sid})"], bold=True)
    sh.write(["", "Basisår", "Økonomiplanperioden"] + [None] * (len(plan) - 1) + (["Langsiktig"] if long else []),
             bold=True, width=False)
    sh.header(["Mill. kr"] + _year_labels(base, years[1:]))
    m = 1.0 / NOK1000_PER_MILL
    cols = [_col(j) for j in range(2, 2 + len(years))]
    rows: dict[str, int] = {}

    def vals(da, scale=m):
        return _line(da, years, scale)

    def money(key, label, values, bold=False, indent=0, fmt=FMT_MILL):
        rows[key] = sh.write([label] + list(values), fmt, bold=bold, indent=indent)
        return rows[key]

    def formula(make, values):
        """Formula cells, one per year column: make(col) -> formula text; values are the model's."""
        return [Formula(make(c), v) for c, v in zip(cols, values)]

    fi = d["frie_inntekter"]
    parts = [k for k in INCOME_PARTS if k in d.data_vars]
    if parts and _exact(sum(d[k] for k in parts), fi):
        for k in parts:
            money(k, INCOME_PARTS[k], vals(d[k]), indent=2)
        first, last = rows[parts[0]], rows[parts[-1]]
        money("fi", "Frie inntekter (skatt og rammetilskudd)",
              formula(lambda c: f"SUM({c}{first}:{c}{last})", vals(fi)), True)
    else:
        money("fi", "Frie inntekter (skatt og rammetilskudd)", vals(fi), True)
    own = [k for k in ("egne_inntekter", "egne_utgifter") if k in d.data_vars and bool((d[k] != 0).any())]
    if own:  # a scenario's own general income and expense lines (budget:)
        money("own_in", "Egne generelle inntekter (eiendomsskatt, kraftinntekter o.l.)",
              vals(d["egne_inntekter"] if "egne_inntekter" in d.data_vars else 0 * fi))
        money("own_out", "Egne utgiftslinjer (pensjon o.l.)",
              vals(d["egne_utgifter"] if "egne_utgifter" in d.data_vars else 0 * fi))
    sh.write(["Netto driftsutgifter:"])
    for k, sname in enumerate(_labels(d, "sector_name", "sector")):
        money(f"sector{k}", sname, vals(d["sektor_ramme"].isel(sector=k)), indent=2)
    money("other", "Øvrige netto driftsutgifter", vals(d["ovrige_netto_driftsutgifter"]), indent=2)
    total = d["netto_driftsutgifter_sektorer"] + d["ovrige_netto_driftsutgifter"]
    if _exact(d["sektor_ramme"].sum("sector"), d["netto_driftsutgifter_sektorer"]):
        first = rows["sector0"] if "sector0" in rows else rows["other"]
        money("sum", "Sum netto driftsutgifter",
              formula(lambda c: f"SUM({c}{first}:{c}{rows['other']})", vals(total)), True)
    else:
        money("sum", "Sum netto driftsutgifter", vals(total), True)
    brutto = d["brutto_driftsresultat"]
    own_net = (d["egne_inntekter"] - d["egne_utgifter"]) if own else 0.0
    own_text = (lambda c: f"+{c}{rows['own_in']}-{c}{rows['own_out']}") if own else (lambda c: "")
    if _exact(fi + own_net - total, brutto):
        money("brutto", "Brutto driftsresultat",
              formula(lambda c: f"{c}{rows['fi']}{own_text(c)}-{c}{rows['sum']}", vals(brutto)))
    else:
        money("brutto", "Brutto driftsresultat", vals(brutto))
    money("renter", "Netto renteutgifter", vals(d["renter"]))
    money("avdrag", "Avdrag", vals(d["avdrag"]))
    ndr = d["netto_driftsresultat"]
    if _exact(brutto - d["renter"] - d["avdrag"], ndr):
        money("ndr", "Netto driftsresultat",
              formula(lambda c: f"{c}{rows['brutto']}-{c}{rows['renter']}-{c}{rows['avdrag']}", vals(ndr)), True)
    else:
        money("ndr", "Netto driftsresultat", vals(ndr), True)
    # the rows below: percent, target, gap, driftsinntekter (the percent refers to driftsinntekter)
    pct = vals(d["netto_driftsresultat_andel"], 100.0)
    di_row = sh.row + 4
    share_exact = _exact(ndr / d["driftsinntekter"] * 1e6, d["netto_driftsresultat_andel"] * 1e6)
    money("pct", NDR_PERCENT_LABEL,
          formula(lambda c: f"{c}{rows['ndr']}/{c}{di_row}*100", pct) if share_exact else pct, True, fmt=FMT_PCT)
    money("target", "Mål for netto driftsresultat", vals(d["resultatmal"]))
    gap = d["inndekningsbehov"]
    if _exact(np.maximum(d["resultatmal"] - ndr, 0.0), gap):
        money("gap", "Inndekningsbehov (avstand til målet)",
              formula(lambda c: f"MAX(0,{c}{rows['target']}-{c}{rows['ndr']})", vals(gap)), True)
    else:
        money("gap", "Inndekningsbehov (avstand til målet)", vals(gap), True)
    assert money("di", "Driftsinntekter i alt (beregnet)", vals(d["driftsinntekter"])) == di_row
    money("inv", "Investeringer", vals(d["investeringer"]))
    money("loans", "Nye lån", vals(d["nye_lan"]))
    money("debt", "Lånegjeld ved utgangen av året", vals(d["lanegjeld"]))
    money("fund", "Disposisjonsfond ved utgangen av året", vals(d["disposisjonsfond"]))
    money("hr", "Handlingsrom (frie inntekter som ikke er bundet)", vals(d["handlingsrom"]), True)
    sh.blank()
    if long:
        sh.write([f"Langsiktig: {' og '.join(map(str, long))} ligger etter økonomiplanperioden og viser retningen, "
                  "ikke et budsjett."], width=False)
    sh.write([SSB_CREDIT], width=False)
    sh.finish(freeze="B1")


def _sammenligning_sheet(sh: _Sheet, ds: xr.Dataset) -> None:
    """Key lines per scenario side by side, one row per line and year, with each scenario's
    difference from the first as a formula."""
    base, plan, long = _sheet_years(ds)
    years = [base] + plan + long
    ids = scenario_ids(ds)
    titles, names = scenario_titles(ds), kommune_names(ds)
    sh.write([f"Sammenligning av scenarioer – {_names_text(ds)}"], title=True)
    sh.write([f"Beløp i mill. kr, {price_text(ds)}; netto driftsresultat i % av driftsinntektene. "
              f"Forskjell = scenarioet minus det første ({titles[ids[0]]}). År {base} er basisåret "
              "(kommunens regnskap)."], width=False)
    if ds.attrs.get("prices") in ("lopende", "budsjettaar") and len({deflator_of(ds, s) for s in ids}) > 1:
        for sid in ids[1:]:
            sh.write([f"{titles[sid]}: {price_text(ds, sid)}"], width=False)
    sh.blank()
    head = ["Linje", "Enhet", "År"] + [f"{titles[s]} ({names[s]})" for s in ids] \
        + [f"Forskjell: {titles[s]} − {titles[ids[0]]}" for s in ids[1:]]
    sh.header(head)
    first_row = sh.row + 1
    n = len(ids)
    vcols = [_col(4 + k) for k in range(n)]
    for label, unit, var in COMPARISON_LINES:
        da = ds["netto_driftsutgifter_sektorer"] + ds["ovrige_netto_driftsutgifter"] if var is None else ds[var]
        scale = 100.0 if var == "netto_driftsresultat_andel" else 1.0 / NOK1000_PER_MILL
        fmt = FMT_PCT if var == "netto_driftsresultat_andel" else FMT_MILL
        for y in years:
            values = [float(da.sel(scenario=s, year=y)) * scale + 0.0 if "scenario" in da.dims
                      else float(da.sel(year=y)) * scale + 0.0 for s in ids]
            r = sh.row + 1
            diffs = [Formula(f"{vcols[k]}{r}-{vcols[0]}{r}", values[k] - values[0])
                     if math.isfinite(values[k] - values[0]) else None for k in range(1, n)]
            ylabel = f"{y} (basisår)" if y == base else y
            sh.write([label, unit, ylabel] + values + diffs, [None, None, None] + [fmt] * (2 * n - 1))
    sh.ws.auto_filter.ref = f"A{first_row - 1}:{_col(len(head))}{sh.row}"
    sh.blank()
    sh.write([SSB_CREDIT], width=False)
    sh.finish(freeze=f"D{first_row}")


def _measure_objects(ds: xr.Dataset, d: xr.Dataset, scenario):
    """Measure-like objects (id, title, sector, delmal, ansvar, start, end, status) of one
    scenario's chosen tiltak, in the Dataset's order; tiltak not in this scenario are skipped."""
    from types import SimpleNamespace

    years = [int(y) for y in d["year"].values]
    library = getattr(scenario, "library", None)
    try:
        known = load_library(library).measures
    except Exception:  # noqa: BLE001 - the matrix then has no goal columns for unknown tiltak
        known = {}
    choices = {c.id: c for c in getattr(scenario, "measures", ())} if scenario is not None else {}
    titles = dict(zip([str(m) for m in d["measure"].values], measure_titles(ds)))
    sid = str(d["scenario"].values) if "scenario" in d.coords else scenario_ids(ds)[0]
    chosen = dict(zip([str(m) for m in ds["measure"].values], chosen_measures(ds)[scenario_ids(ds).index(sid)]))
    out = []
    for mid in [str(m) for m in d["measure"].values]:
        drift = d["tiltak_drift"].sel(measure=mid).values if "tiltak_drift" in d else np.zeros(len(years))
        inv = d["tiltak_investering"].sel(measure=mid).values if "tiltak_investering" in d else np.zeros(len(years))
        if not chosen[mid] or (np.all(np.isnan(drift)) and np.all(np.isnan(inv))):
            continue  # not chosen in this scenario of a comparison
        lib_m = known.get(mid)
        ch = choices.get(mid)
        if ch is not None:
            start, end, status = ch.start, ch.end, ch.status or (lib_m.status if lib_m else "")
        elif "measure_start" in d.coords:  # the run's own start and end (-1 = no end): as from the scenario
            start = int(d["measure_start"].sel(measure=mid).values)
            end = int(d["measure_end"].sel(measure=mid).values)
            end = None if end < 0 else end
            status = _coord_value(d, "measure_status", mid) or (lib_m.status if lib_m else "")
        else:
            drift, inv = np.nan_to_num(drift), np.nan_to_num(inv)
            used = [y for y, a, b in zip(years, drift, inv) if a != 0 or b != 0]
            start = used[0] if used else None
            on = [y for y, a in zip(years, drift) if a != 0]
            end = on[-1] if on and on[-1] < years[-1] else None
            status = _coord_value(d, "measure_status", mid) or (lib_m.status if lib_m else "")
        delmal = _coord_value(d, "measure_delmal", mid)
        out.append(SimpleNamespace(
            id=mid, title=titles[mid], sector=lib_m.sector if lib_m else "",
            delmal=tuple(x.strip() for x in delmal.split(",")) if delmal else (lib_m.delmal if lib_m else ()),
            ansvar=_coord_value(d, "measure_ansvar", mid) or (lib_m.ansvar if lib_m else ""),
            start=start, end=end, status=status))
    return out


def _coord_value(d: xr.Dataset, coord: str, mid: str) -> str:
    if coord not in d.coords:
        return ""
    v = d[coord].sel(measure=mid).values
    v = v.item() if hasattr(v, "item") else v
    return v if isinstance(v, str) else ""


#: Note under the tiltaksmatrise (the goals module's note names a Python function).
MATRIX_NOTE = ("Et tiltak som er knyttet til flere delmål, står på én rad per delmål. Summer derfor ikke "
               "kostnadskolonnene over radene; bruk «Sum per tiltak» nedenfor, der hvert tiltak telles én gang.")


def _tiltaksmatrise_sheet(sh: _Sheet, ds: xr.Dataset, scenarios: Mapping, goals) -> None:
    plan, long = _plan_years(ds)
    years = plan + long
    multi = "scenario" in ds.dims
    gains = "tiltak_gevinst" in ds.data_vars
    sh.write(["Tiltaksmatrise: tiltak, delmål, kostnad og gevinst per år" if gains
              else "Tiltaksmatrise: tiltak, delmål og kostnad per år"], title=True)
    sh.write([f"Beløp i mill. kr, {price_text(ds)}. Drift = årlig driftskostnad (nivå); Investering = beløpet "
              "det året" + ("; Gevinst = lavere kostnader i tjenestene som tiltaket virker på (tiltaket alene, "
                            "positive tall er innsparing)." if gains else ".")], width=False)
    notes = [MATRIX_NOTE]
    if gains:
        notes.append("Gevinsten per tiltak er tiltakets virkning alene mot ingen tiltak (samordningsberegningen, uten "
                     "kapasitetsgrense). Tiltakene sammen kan gi mindre enn summen, fordi de virker på de samme "
                     "brukerne og plassene kan være fulle; raden «Gevinst i kjøringen» er modellens samlede virkning "
                     "(sektorrammenes linje «tiltak virkning»).")
    else:
        notes.append("Gevinst per tiltak er ikke beregnet i dette resultatet; lag filen med planmodel run eller "
                     "planmodel compare (kommandolinjen), så kommer den med.")
    codes, names = kommune_codes(ds), kommune_names(ds)
    if goals is None:
        notes.append("Kommunen har ingen målstruktur i planmodel (nøkkelen goals i scenarioet); tiltakene vises "
                     "uten kobling til hovedmål og hovedgrep, med delmålet slik det er skrevet i tiltaket.")
    else:
        for code in dict.fromkeys(codes.values()):
            if goals.kommune != code:
                name = next(names[s] for s in codes if codes[s] == code)
                notes.append(f"Målstrukturen er {goals.source.removeprefix('Kilde: ')} (eksempelet som følger med "
                             f"planmodel); {name} ({code}) har ingen egen målstruktur her. Tiltakenes delmål viser til denne.")
    kinds = [("Drift", "tiltak_drift"), ("Investering", "tiltak_investering")] + ([("Gevinst", "tiltak_gevinst")] if gains else [])
    money_cols = [f"{label} {y}" for label, _ in kinds for y in years]
    head = (["Scenario"] if multi else []) + MATRIX_COLUMNS + money_cols
    sh.blank()
    sh.header(head)
    first_data = sh.row + 1
    fmt = [None] * (len(head) - len(money_cols)) + [FMT_MILL] * len(money_cols)
    totals = []
    for sid in scenario_ids(ds):
        d = _select(ds, sid)
        items = _measure_objects(ds, d, scenarios.get(sid))
        if not items:
            sh.write(([sid] if multi else []) + ["Ingen tiltak er valgt i dette scenarioet."])
            continue
        frames = [d[var].sel(year=years).to_pandas() / NOK1000_PER_MILL for _, var in kinds]

        def money(mid):
            return [float(f.loc[mid, y]) + 0.0 for f in frames for y in years]

        linked = [m for m in items if goals is not None and _links_ok(goals, m)]
        rows = []
        if linked:
            mat = tiltaksmatrise(goals, linked)
            for (did, mid), row in mat.iterrows():
                rows.append((mid, [row[c] for c in MATRIX_COLUMNS]))
        for m in items:
            if m not in linked:
                unknown = " (ukjent delmål)" if goals is not None else ""
                rows.append((m.id, ["", "", "", ", ".join(m.delmal) + unknown if m.delmal else "",
                                    m.title, m.ansvar, tidspunkt(m.start, m.end), m.status]))
        for mid, cells in rows:
            sh.write(([sid] if multi else []) + cells + money(mid), fmt)
        for m in items:
            totals.append((sid, m.title, money(m.id)))
    if first_data <= sh.row:
        sh.ws.auto_filter.ref = f"A{first_data - 1}:{_col(len(head))}{sh.row}"
    if totals:
        sh.blank()
        lead = [None] if multi else []
        sh.write((["Scenario"] if multi else []) + ["Sum per tiltak (hvert tiltak telt én gang)"]
                 + [None] * (len(MATRIX_COLUMNS) - 1) + money_cols, bold=True)
        pad = [None] * (len(MATRIX_COLUMNS) - 1)
        first_money = len(lead) + len(MATRIX_COLUMNS) + 1
        for sid in scenario_ids(ds):
            mine = [t for t in totals if t[0] == sid]
            if not mine:
                continue
            top = sh.row + 1
            for _, title, vals in mine:
                sh.write(([sid] if multi else []) + [title] + pad + vals, fmt)
            bottom = sh.row
            total = np.sum([v for _, _, v in mine], axis=0) + 0.0
            cells = [Formula(f"SUM({_col(first_money + j)}{top}:{_col(first_money + j)}{bottom})", v)
                     for j, v in enumerate(total)]
            sh.write(([sid] if multi else []) + ["Sum"] + pad + cells, fmt, bold=True)
            if gains:
                run_gain = -_select(ds, sid)["sektor_tiltak_effekt"].sum("sector").sel(year=years).values / NOK1000_PER_MILL
                sh.write(([sid] if multi else []) + ["Gevinst i kjøringen (alle tiltakene sammen)"] + pad
                         + [None] * (2 * len(years)) + [float(v) + 0.0 for v in run_gain], fmt)
    sh.blank()
    for note in notes:
        sh.write([note], width=False)
    sh.finish(freeze=f"A{first_data}")


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _default_goals(ds: xr.Dataset, scenarios: Mapping):
    """The målstruktur of the (first) scenario (its ``goals`` key); without a scenario, the default of
    the result's kommune (Bærum's file for Bærum, otherwise none)."""
    first = scenarios.get(scenario_ids(ds)[0]) if scenarios else None
    if first is not None:
        return scenario_goals(first)
    path = default_goals_file(kommune_codes(ds)[scenario_ids(ds)[0]])
    return None if path is None else load_goals()


def _links_ok(goals, m) -> bool:
    try:
        check_links(goals, [m])
    except InputError:
        return False
    return True


def _tjenester_sheet(sh: _Sheet, ds: xr.Dataset) -> None:
    years = [int(y) for y in ds["year"].values]
    multi = "scenario" in ds.dims
    sh.write([f"Tjenester: brukere, kostnad og årsverk per år – {_names_text(ds)}"], title=True)
    sh.write([f"Kostnad i mill. kr, {price_text(ds)}. Brukere i personer "
              "(betjent, etter kapasitetsgrensen), årsverk i årsverk."], width=False)
    sh.blank()
    sh.header((["Scenario"] if multi else []) + ["Sektor", "Tjeneste", "Måltall", "Enhet"] + years)
    first = sh.row + 1
    services = _labels(ds, "service_name", "service")
    sector_of = dict(zip([str(s) for s in ds["sector"].values], _labels(ds, "sector_name", "sector")))
    svc_sector = [sector_of.get(str(s), str(s)) for s in ds["service_sector"].values]
    rows = (("users", "Brukere", "personer", 1.0, FMT_INT), ("cost", "Kostnad", "mill. kr", 1 / NOK1000_PER_MILL, FMT_MILL),
            ("fte", "Årsverk", "årsverk", 1.0, FMT_INT))
    for sid in scenario_ids(ds):
        d = _select(ds, sid)
        blocks = {var: d[var].transpose("service", "year").values for var, *_ in rows if var in d}
        for k, (sec, svc) in enumerate(zip(svc_sector, services)):
            for var, label, unit, scale, fmt in rows:
                if var in blocks:
                    vals = [float(v) * scale + 0.0 for v in blocks[var][k]]
                    sh.write(([sid] if multi else []) + [sec, svc, label, unit] + vals,
                             [None] * (5 if multi else 4) + [fmt] * len(years))
    sh.ws.auto_filter.ref = f"A{first - 1}:{_col((5 if multi else 4) + len(years))}{sh.row}"
    sh.finish(freeze=f"{_col(3 if multi else 2)}{first}")


def _befolkning_sheet(sh: _Sheet, ds: xr.Dataset) -> None:
    years = [int(y) for y in ds["year"].values]
    multi = "scenario" in ds.dims
    sh.write([f"Befolkning 1. januar etter KOSTRA-aldersgruppe – {_names_text(ds)}"], title=True)
    sh.write(["Personer. Framskrevet med planmodel; basisåret er registrert befolkning (SSB 07459)."], width=False)
    sh.blank()
    sh.header((["Scenario"] if multi else []) + ["Aldersgruppe"] + years)
    first = sh.row + 1
    lead = 1 if multi else 0
    for sid in scenario_ids(ds):
        both = _select(ds, sid)["population"].sum("sex")
        groups = to_kostra_groups(both).transpose("age_group", "year")
        for g, vals in zip(KOSTRA_GROUPS, groups.values):
            sh.write(([sid] if multi else []) + [f"{g} år"] + [float(v) for v in vals], [None] * (lead + 1) + [FMT_INT] * len(years))
        total = both.sum("age").transpose("year").values
        sh.write(([sid] if multi else []) + ["I alt"] + [float(v) for v in total],
                 [None] * (lead + 1) + [FMT_INT] * len(years), bold=True)
    sh.blank()
    sh.write([SSB_CREDIT], width=False)
    sh.finish(freeze=f"{_col(lead + 2)}{first}")


def _data_sheet(sh: _Sheet, table: pd.DataFrame) -> None:
    sh.header(IAMC_COLUMNS)
    ws = sh.ws
    cols = [table[c].tolist() for c in IAMC_COLUMNS]
    for i, row in enumerate(zip(*cols), start=2):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=v.item() if isinstance(v, np.generic) else v)
    sh.row = len(table) + 1
    for j, c in enumerate(IAMC_COLUMNS, start=1):
        sh.widths[j] = max([len(c)] + [len(str(v)) for v in table[c].drop_duplicates().tolist()])
    if len(table):
        ws.auto_filter.ref = f"A1:F{len(table) + 1}"
    sh.finish(freeze="A2", max_width=72)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split_economy(text: str) -> list[str]:
    """The economy attr ('a = 1 (status: source); b = ...') as one item per assumption."""
    return [t.strip() for t in re.split(r";\s+(?=[a-z_]+ = )", text or "") if t.strip()]


def _proveniens_sheet(sh: _Sheet, ds: xr.Dataset, scenario_text: str | None, scenario_path: str | None,
                      goals) -> None:
    a = ds.attrs
    sh.write(["Proveniens: hvordan tallene er laget"], title=True)
    sh.blank()
    sh.header(["Hva", "Verdi"])
    rows: list[tuple[str, Any]] = [("Program", f"planmodel {__version__}")]
    kom = kommune_codes(ds)
    for sid, title in scenario_titles(ds).items():
        rows.append(("Scenario", f"{sid} – {title}"))
        rows.append(("Kommune", f"{kom[sid]} {kommune_names(ds)[sid]}".strip()))
    if scenario_path:
        rows.append(("Scenariofil", str(scenario_path)))
    if scenario_text is not None:
        rows.append(("SHA-256 av scenariofilen", _sha256(scenario_text)))
    for key, label in (("demographic_scenario", "Demografisk alternativ"), ("base_year", "Basisår"),
                       ("plan_period", "Økonomiplanperiode"), ("horizon", "Horisont (langsiktig)"),
                       ("price_year", "Prisår (faste priser)")):
        if a.get(key) not in (None, ""):
            rows.append((label, a[key]))
    rows.append(("Pengeenhet", f"Data-arket og CSV: {money_unit(ds)}; de andre arkene: mill. kr"))
    rows.append(("Priser", price_text(ds)[:1].upper() + price_text(ds)[1:]))
    if a.get("free_income_per_capita_accounts") is not None:
        rows.append((f"Frie inntekter per innbygger {a.get('accounts_year', '')} (kr)",
                     float(a["free_income_per_capita_accounts"])))
        rows.append((f"Frie inntekter per innbygger {a.get('accounts_year', '')}, landet (kr)",
                     float(a["national_free_income_per_capita"])))
        rows.append(("Basisåret", f"kommunens regnskap {a.get('accounts_year', '')} (KOSTRA) og inntektssystemet"))
    if a.get("data_warnings"):
        rows.append(("Merknader til dataene", a["data_warnings"]))
    if a.get("calibration"):
        rows.append(("Kalibrering", a["calibration"]))
    for item in _split_economy(a.get("economy", "")):
        rows.append(("Økonomisk forutsetning", item))
    for src in [s.strip() for s in str(a.get("sources", "")).split("; ") if s.strip()]:
        rows.append(("Datakilde", src))
    rows.append(("Målstruktur", goals.source if goals is not None else "ingen (kommunen har ingen målstruktur i planmodel)"))
    rows.append(("Kilde", SSB_CREDIT))
    rows.append(("Reproduserbarhet", "Filen har ikke tidspunkt for kjøringen: samme scenario og samme "
                                      "planmodel-versjon gir samme fil."))
    for label, value in rows:
        sh.write([label, value], [None, FMT_INT if isinstance(value, float) else None])
    sh.finish(freeze="A4", max_width=100)
    from openpyxl.styles import Alignment

    for row in sh.ws.iter_rows(min_row=4, min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


#: Variables the Excel sheets need (the result of planmodel.model.run has them all).
_EXCEL_NEEDS = ("frie_inntekter", "driftsinntekter", "sektor_ramme", "ovrige_netto_driftsutgifter",
                "netto_driftsutgifter_sektorer", "brutto_driftsresultat", "renter", "avdrag", "netto_driftsresultat",
                "netto_driftsresultat_andel", "resultatmal", "inndekningsbehov", "investeringer", "nye_lan",
                "lanegjeld", "disposisjonsfond", "handlingsrom", "users", "cost", "fte", "population",
                "tiltak_drift", "tiltak_investering")


def write_excel(ds: xr.Dataset, path: str | Path, scenario_text: str | None = None,
                scenario_path: str | None = None, *, scenario=None, goals=None, priser: str = "fast") -> Path:
    """Write the result as an Excel workbook for Norwegian readers.

    Sheets (see :data:`SHEETS`): *Økonomiplan* (lines × the base year ``"2026 (basisår)"``, the
    plan years and the long view 2035/2040, mill. kr with one decimal and the NDR % row; the
    frie inntekter as the sum of their parts, the sum of netto driftsutgifter, brutto and netto
    driftsresultat, the NDR % and the inndekningsbehov are Excel formulas of the lines above, each
    only where the model's numbers satisfy the identity, with the model's number as the cached
    result), *Tiltaksmatrise* (:func:`planmodel.inputs.goals.tiltaksmatrise` of the chosen tiltak
    with operating cost, investment and — when the result has ``tiltak_gevinst`` — gevinst per
    year [mill. kr], and a per-tiltak sum that counts each tiltak once), *Tjenester* (users
    [persons], cost [mill. kr] and årsverk per service and year), *Befolkning* (KOSTRA age groups
    × years [persons]), *Data* (exactly :func:`to_iamc`) and *Proveniens*. With a ``scenario``
    dimension (a comparison) the workbook starts with *Sammenligning* (key lines per scenario
    side by side, differences from the first as formulas) and has one *Økonomiplan <id>* sheet per
    scenario, each titled with its own kommune. Cells hold unrounded numbers with display formats
    (thousands separators); header rows are bold.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`planmodel.model.run`, or a comparison with a ``scenario`` dimension.
    path : str or Path
        File to write (``.xlsx``).
    scenario_text : str, optional
        Text of the scenario file; its SHA-256 (of the UTF-8 bytes) goes into *Proveniens*.
        Read from ``scenario_path`` when only the path is given.
    scenario_path : str, optional
        The scenario file's path, shown in *Proveniens*.
    scenario : PlanScenario or mapping of scenario id to PlanScenario, optional
        Gives the tiltaksmatrise the tiltak's start, end and status and the library they come
        from (own tiltak). Without it the shipped library gives delmål, ansvar and status, and
        the time span is read off the cost paths (first year with a cost, last year with
        operating cost before the horizon).
    goals : planmodel.inputs.goals.GoalHierarchy, optional
        Goal hierarchy of the tiltaksmatrise. Default: the scenario's målstruktur
        (:func:`planmodel.inputs.goals.scenario_goals`: its ``goals`` key, else Bærum's shipped file
        for Bærum and none for other kommuner). Without one, the tiltak are listed without goal
        links and a note says so; a målstruktur of another kommune gets a note too.
    priser : {"fast", "lopende", "budsjettaar"}
        Fixed prices of the price year (default) or løpende priser (:func:`in_prices`: the run's
        deflator, stated in every sheet's header and in *Proveniens*).

    Returns
    -------
    Path
    """
    from openpyxl import Workbook

    missing = [v for v in _EXCEL_NEEDS if v not in ds.data_vars]
    if missing:
        raise InputError("write_excel", "ds", f"mangler {', '.join(missing)}; bruk resultatet av "
                                              "planmodel.model.run() (eller en sammenligning av slike)")
    if scenario_text is None and scenario_path is not None and Path(scenario_path).exists():
        scenario_text = Path(scenario_path).read_text(encoding="utf-8")
    if scenario is None:
        scenarios: Mapping = {}
    elif isinstance(scenario, Mapping):
        scenarios = {str(k): v for k, v in scenario.items()}
    else:
        scenarios = {sid: scenario for sid in scenario_ids(ds)} if "scenario" not in ds.dims else {scenario.id: scenario}
    if goals is None:
        goals = _default_goals(ds, scenarios)
    ds = in_prices(ds, priser)
    table = to_iamc(ds)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = f"planmodel {__version__}"
    wb.properties.title = f"Økonomiplan – {_names_text(ds)}"
    sheets: list[_Sheet] = []

    def sheet(name: str) -> _Sheet:
        sheets.append(_Sheet(wb.create_sheet(_sheet_name(wb, name))))
        return sheets[-1]

    if "scenario" in ds.dims:
        _sammenligning_sheet(sheet(COMPARISON_SHEET), ds)
        for sid in scenario_ids(ds):
            _okonomiplan_sheet(sheet(f"{SHEETS[0]} {sid}"), ds, sid)
    else:
        _okonomiplan_sheet(sheet(SHEETS[0]), ds, scenario_ids(ds)[0])
    _tiltaksmatrise_sheet(sheet(SHEETS[1]), ds, scenarios, goals)
    _tjenester_sheet(sheet(SHEETS[2]), ds)
    _befolkning_sheet(sheet(SHEETS[3]), ds)
    _data_sheet(sheet(SHEETS[4]), table)
    _proveniens_sheet(sheet(SHEETS[5]), ds, scenario_text, scenario_path, goals)
    return save_workbook(wb, path, cached={sh.ws.title: sh.cached for sh in sheets if sh.cached})


def read_excel_data(path: str | Path) -> pd.DataFrame:
    """Read the *Data* sheet of a workbook from :func:`write_excel` back into the IAMC table.

    Returns
    -------
    pandas.DataFrame
        Same columns and dtypes as :func:`to_iamc` (``kommune`` as text, ``year`` int64,
        ``value`` float64).
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if "Data" not in wb.sheetnames:
            raise InputError(str(path), "Data", f"arket mangler; arkene er {', '.join(wb.sheetnames)}")
        rows = wb["Data"].iter_rows(values_only=True)
        head = [str(h) if h is not None else "" for h in next(rows, ())][: len(IAMC_COLUMNS)]
        if head != IAMC_COLUMNS:
            raise InputError(str(path), "Data!A1:F1", f"forventet kolonnene {', '.join(IAMC_COLUMNS)}, fant {head}")
        data = [r[: len(IAMC_COLUMNS)] for r in rows if any(v is not None for v in r[: len(IAMC_COLUMNS)])]
    finally:
        wb.close()
    cols = list(zip(*data)) if data else [()] * len(IAMC_COLUMNS)
    return pd.DataFrame({
        "kommune": pd.array([_code(v) for v in cols[0]], dtype="str"),
        "scenario": pd.array([str(v) for v in cols[1]], dtype="str"),
        "variable": pd.array([str(v) for v in cols[2]], dtype="str"),
        "unit": pd.array([str(v) for v in cols[3]], dtype="str"),
        "year": np.asarray(cols[4], dtype=np.int64),
        "value": np.asarray(cols[5], dtype=np.float64),
    })


def iamc_variables(table: pd.DataFrame) -> list[str]:
    """The distinct variable names of an IAMC table, in table order (for docs and checks)."""
    return list(dict.fromkeys(table["variable"]))

