"""Tables of the service model laid out for Norwegian readers: Dataset in, DataFrame out.

Every function here is pure: it takes the Dataset of :func:`planmodel.servicemodel.run_services`
(or of :func:`~planmodel.servicemodel.crisis_matrix`, or a :class:`~planmodel.services.Catalogue`)
and returns a new :class:`pandas.DataFrame`. The tables are meant to be read, so

- row and column labels are bokmål (sector names, care-level names, *Sum*);
- money is in **mill. kr** (the model's NOK 1000 divided by 1000) at the catalogue's price year,
  persons and årsverk are whole numbers;
- the values stay numbers, rounded to the decimals a reader needs, so ``DataFrame.to_string()`` is
  stable from run to run; ``df.attrs`` carries ``title``, ``units``, ``decimals`` and, where the
  reader needs it, ``note``;
- :func:`formatted` turns a table into Norwegian number format (space-grouped thousands with a
  no-break space, decimal comma, minus sign U+2212) and :func:`as_text` into a titled text block
  for notebooks and reports.

Sums (*Sum*, *I alt*) are computed from the unrounded values and then rounded, so a Sum row can
differ from the sum of the rounded cells by up to half a unit of the last decimal per row.

The arithmetic is done in xarray/pandas over whole arrays; the only loops run over a handful of
row blocks (measures, capacity groups), never over years.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .ages import to_kostra_groups
from .calibration import Calibration, coverage_basis
from .errors import InputError
from .formatting import tall
from .services import STATUS_NB, Catalogue, load_catalogue
from .servicemodel import crisis_summary

#: NOK 1000 (the model's money unit) per mill. kr.
NOK1000_PER_MILL = 1000.0
#: Label of the total row in sector tables.
SUM = "Sum"
#: Sector whose årsverk gap the crisis tables show on its own (netting it against a surplus of
#: kindergarten teachers would hide a shortage of nurses).
CARE_SECTOR = "helse_og_omsorg"

#: Key figures of the crisis 2×2: metric -> (Norwegian heading, units, decimals).
CRISIS_METRICS: dict[str, tuple[str, str, int]] = {
    "cost_total": ("Kostnad i alt", "mill. kr", 1),
    "fte_gap_care": ("Årsverksgap helse og omsorg", "årsverk", 0),
    "fte_gap_total": ("Årsverksgap alle sektorer (netto)", "årsverk", 0),
    "unmet_need_total": ("Udekket behov", "personer", 0),
    "queue_total": ("Ventende", "personer", 0),
}

_SOURCE = "tabell"


# ------------------------------------------------------------------------------------- helpers

def _price_units(ds: xr.Dataset) -> str:
    year = ds.attrs.get("price_year")
    return f"mill. kr, faste {year}-priser" if year is not None else "mill. kr, faste priser"


def _where(ds: xr.Dataset) -> str:
    """' – Bærum' when the Dataset knows its kommune, else ''."""
    name = ds.attrs.get("kommune_name")
    return f" – {name}" if name else ""


def _years(ds: xr.Dataset, years: Iterable[int] | int) -> list[int]:
    """Validate requested years against ``ds.year``; returns a list of ints."""
    wanted = [int(years)] if np.isscalar(years) else [int(y) for y in years]
    if not wanted:
        raise InputError(_SOURCE, "years", "minst ett år må oppgis")
    have = set(int(y) for y in ds["year"].values)
    missing = [y for y in wanted if y not in have]
    if missing:
        raise InputError(_SOURCE, "years", f"{missing} finnes ikke i resultatene "
                         f"(år {min(have)}–{max(have)})")
    return wanted


def _require(ds: xr.Dataset, var: str, dims: Sequence[str]) -> xr.DataArray:
    """``ds[var]`` if it has exactly ``dims`` (in any order); a clear error otherwise."""
    if var not in ds:
        raise InputError(_SOURCE, var, "mangler i datasettet; bruk resultatet av run_services()")
    da = ds[var]
    extra = [d for d in da.dims if d not in dims]
    if extra:
        raise InputError(_SOURCE, var, f"har ekstra dimensjoner {extra}; velg ett alternativ først, "
                         f"for eksempel ds.sel({extra[0]}=...)")
    return da.transpose(*dims)


def _money(da: xr.DataArray) -> xr.DataArray:
    """NOK 1000 -> mill. kr, refusing anything that is not in NOK 1000."""
    units = str(da.attrs.get("units", "NOK 1000"))
    if not units.startswith("NOK 1000"):
        raise InputError(_SOURCE, str(da.name), f"enhet {units!r}, forventet NOK 1000")
    return da / NOK1000_PER_MILL


def _round(df: pd.DataFrame, decimals: int | Mapping) -> pd.DataFrame:
    """Round and turn -0.0 into 0.0 (so the text never shows a negative zero)."""
    out = df.round(decimals)
    floats = out.select_dtypes("floating").columns
    out[floats] = out[floats] + 0.0
    return out


def _finish(df: pd.DataFrame, title: str, units: str, decimals: int | dict, note: str = "") -> pd.DataFrame:
    df = _round(df, decimals)
    df.attrs = {"title": title, "units": units, "decimals": decimals}
    if note:
        df.attrs["note"] = note
    return df


def _sector_names(ds: xr.Dataset) -> list[str]:
    if "sector_name" in ds.coords:
        return [str(x) for x in ds["sector_name"].values]
    return [str(x) for x in ds["sector"].values]


def _by_sector(da: xr.DataArray, ds: xr.Dataset, years: list[int]) -> pd.DataFrame:
    """(sector, year) DataArray -> DataFrame with sector names and a Sum row."""
    sub = da.sel(year=years)
    df = sub.to_pandas()
    df.index = _sector_names(ds)
    df.loc[SUM] = sub.sum("sector").to_pandas()
    df.index.name = "Sektor"
    df.columns = pd.Index([int(y) for y in df.columns], name="År")
    return df


# ---------------------------------------------------------------------------------- cost tables

def sector_cost_table(ds: xr.Dataset, years: Iterable[int], demographic: bool = False) -> pd.DataFrame:
    """Cost by sector and year, with a Sum row.

    Parameters
    ----------
    ds : Dataset from :func:`~planmodel.servicemodel.run_services` (one alternative: no
        ``breadth_option``/``threshold_option`` dimensions). Uses ``cost_sector`` or
        ``demographic_cost_sector`` (sector, year) [NOK 1000, fixed prices of ``price_year``].
    years : years to show [calendar year].
    demographic : False: cost with the chosen options, capacity and queue; True: the
        demographic cost (TBU), coverage and standard held at the base year.

    Returns
    -------
    DataFrame, rows = sector names + "Sum", columns = years (int) [mill. kr, 1 decimal].
    ``attrs``: title, units ("mill. kr, faste 2025-priser"), decimals.
    """
    var = "demographic_cost_sector" if demographic else "cost_sector"
    years = _years(ds, years)
    df = _by_sector(_money(_require(ds, var, ("sector", "year"))), ds, years)
    title = ("Demografikostnad etter sektor (dekning og standard som i basisåret)" if demographic
             else "Kostnad etter sektor") + _where(ds)
    return _finish(df, title, _price_units(ds), 1)


def demographic_cost_change_table(ds: xr.Dataset, years: Iterable[int],
                                  base_year: int | None = None) -> pd.DataFrame:
    """The TBU line: change in demographic cost from the base year, by sector, with a Sum row.

    The demographic cost holds coverage (dekningsgrad) and standard (unit cost) at the base year
    and lets only the population change, so the change is what demography alone costs (TBU's
    *merutgifter som følge av befolkningsutviklingen*).

    Parameters
    ----------
    ds : Dataset from ``run_services`` with ``demographic_cost_sector`` (sector, year) [NOK 1000].
    years : years to show [calendar year].
    base_year : the year changes are measured from; default the first year of ``ds``.

    Returns
    -------
    DataFrame, rows = sector names + "Sum", columns = years [mill. kr, 1 decimal]; positive =
    more expensive than in the base year.
    """
    years = _years(ds, years)
    base = int(ds["year"][0]) if base_year is None else _years(ds, [base_year])[0]
    da = _money(_require(ds, "demographic_cost_sector", ("sector", "year")))
    change = da.sel(year=years) - da.sel(year=base)
    df = _by_sector(change, ds, years)
    return _finish(df, f"Endring i demografikostnad fra {base}{_where(ds)}", _price_units(ds), 1,
                   note=f"Dekningsgrad og standard som i {base}; bare befolkningen endres.")


def cost_per_inhabitant_table(ds: xr.Dataset, reference: str = "20-44") -> pd.DataFrame:
    """What an inhabitant of each KOSTRA age group costs the kommune in the base year.

    Parameters
    ----------
    ds : Dataset from ``run_services`` with ``cost_per_inhabitant`` (age_group) [NOK per
        inhabitant per year, all services, base-year coverage and standard] and ``population``
        (year, age[, sex]) [persons].
    reference : the age group the ratio column is relative to (default "20-44").

    Returns
    -------
    DataFrame, rows = KOSTRA age groups + "I alt", columns
    "Kr per innbygger" [NOK, whole kroner], "Forhold til <reference> år" [ratio, 1 decimal],
    "Innbyggere 1.1.<base year>" [persons] and "Kostnad i alt (mill. kr)" [1 decimal]. The "I alt"
    row has the total cost and the average cost per inhabitant.
    """
    cpi = _require(ds, "cost_per_inhabitant", ("age_group",))
    if reference not in cpi["age_group"].values:
        raise InputError(_SOURCE, "reference", f"{reference!r}; gyldige: {', '.join(map(str, cpi['age_group'].values))}")
    base = int(ds["year"][0])
    pop = ds["population"].sel(year=base)
    pop = pop.sum("sex") if "sex" in pop.dims else pop
    people = to_kostra_groups(pop).reindex(age_group=cpi["age_group"].values)
    total = cpi * people / 1e6  # mill. kr
    ref = float(cpi.sel(age_group=reference))
    cols = ["Kr per innbygger", f"Forhold til {reference.replace('-', '–')} år", f"Innbyggere 1.1.{base}",
            "Kostnad i alt (mill. kr)"]
    df = pd.DataFrame(dict(zip(cols, [cpi.to_pandas(), (cpi / ref).to_pandas(), people.to_pandas(),
                                      total.to_pandas()])))
    all_people = float(people.sum())
    avg = float(total.sum()) * 1e6 / all_people
    df.loc["I alt"] = [avg, avg / ref, all_people, float(total.sum())]
    df.index = pd.Index([str(i) for i in df.index], name="Alder (år)")
    decimals = dict(zip(cols, [0, 1, 0, 1]))
    year = ds.attrs.get("price_year", "")
    return _finish(df, f"Kostnad per innbygger etter aldersgruppe, {base}{_where(ds)}",
                   f"kr per innbygger per år og mill. kr, faste {year}-priser", decimals,
                   note="Alle tjenester, dekningsgrad og standard i basisåret.")


# ------------------------------------------------------------------------- care staircase table

def care_level_table(ds: xr.Dataset, years: Iterable[int], catalogue: Catalogue | None = None) -> pd.DataFrame:
    """The care staircase (omsorgstrappen, LEON): users per level, and need, places, people
    waiting and people served a step down per capacity group.

    Parameters
    ----------
    ds : Dataset from ``run_services`` (one alternative) with ``users_by_level`` (care_level,
        year), ``demand`` (service, year), ``capacity``, ``queue``, ``stepped_down``
        (capacity_group, year) [persons; capacity in places].
    years : years to show [calendar year].
    catalogue : the catalogue the Dataset was computed with (for level and group names and the
        services of each capacity group); default the shipped one.

    Returns
    -------
    DataFrame with a two-level row index (Mål, Nivå/gruppe) and years as columns [persons,
    places; whole numbers]. Blocks: "Brukere" per care level ("Nivå 0: …"), and per capacity
    group "Behov" (before the capacity limit), "Plasser", "Ventende" (queue) and "Trinn ned"
    (served one level down; with ``overflow="step_down"`` a group's figure includes people
    passed on from the group above).
    """
    cat = catalogue or load_catalogue()
    years = _years(ds, years)
    users = _require(ds, "users_by_level", ("care_level", "year")).sel(year=years).to_pandas()
    users.index = [f"Nivå {int(k)}: {cat.care_levels.get(int(k), str(k))}" for k in users.index]
    groups = list(ds["capacity_group"].values)
    names = [cat.capacity_groups[g].name if g in cat.capacity_groups else str(g) for g in groups]
    demand = _require(ds, "demand", ("service", "year")).sel(year=years)
    need = xr.concat([demand.sel(service=list(cat.capacity_groups[g].services)).sum("service")
                      for g in groups], dim="capacity_group").to_pandas()

    def block(var: str) -> pd.DataFrame:
        return _require(ds, var, ("capacity_group", "year")).sel(year=years).to_pandas()

    blocks = {"Brukere": users, "Behov": need, "Plasser": block("capacity"),
              "Ventende": block("queue"), "Trinn ned": block("stepped_down")}
    for key in ("Behov", "Plasser", "Ventende", "Trinn ned"):
        blocks[key].index = names
    df = pd.concat(blocks, names=["Mål", "Nivå / gruppe"])
    df.columns = pd.Index([int(y) for y in df.columns], name="År")
    return _finish(df, f"Omsorgstrappen: brukere, plasser og ventende{_where(ds)}",
                   "personer (plasser for «Plasser»)", 0,
                   note="Nivå 4 er langtidsbeboere; sykehjemsplassene deles med korttidsopphold. "
                        "Behov = brukere før kapasitetsgrensen.")


# ------------------------------------------------------------------------------ workforce table

_WORKFORCE = {
    "fte_sector": "Behov",
    "fte_supply": "Tilgang",
    "fte_gap": "Gap (behov − tilgang)",
    "recruitment_need": "Rekrutteringsbehov per år",
    "retirements": "herav pensjonering",
}


def workforce_table(ds: xr.Dataset, years: Iterable[int]) -> pd.DataFrame:
    """Årsverk per sector: need, supply proxy, gap and recruitment need (with retirements).

    Parameters
    ----------
    ds : Dataset from ``run_services`` (one alternative) with ``fte_sector``, ``fte_supply``,
        ``fte_gap`` (sector, year) [årsverk] and ``recruitment_need``, ``retirements``
        (sector, year) [årsverk per year].
    years : years to show [calendar year].

    Returns
    -------
    DataFrame with a two-level row index (Sektor, Mål) — sectors in catalogue order plus "Sum" —
    and years as columns [årsverk, whole numbers]. Mål: "Behov", "Tilgang" (same share of the
    population 20–66 as in the base year), "Gap (behov − tilgang)" (positive = shortage),
    "Rekrutteringsbehov per år" (growth in need + retirements) and "herav pensjonering".
    The Sum gap nets surpluses in one sector against shortages in another.
    """
    years = _years(ds, years)
    frames = {label: _by_sector(_require(ds, var, ("sector", "year")), ds, years)
              for var, label in _WORKFORCE.items()}
    df = pd.concat(frames, names=["Mål", "Sektor"]).swaplevel()
    order = pd.MultiIndex.from_product([_sector_names(ds) + [SUM], list(_WORKFORCE.values())],
                                       names=["Sektor", "Mål"])
    df = df.reindex(order)
    return _finish(df, f"Årsverk: behov, tilgang og rekruttering{_where(ds)}",
                   "årsverk (rekruttering og pensjonering: årsverk per år)", 0,
                   note="Tilgangen er en proxy: samme andel av befolkningen 20–66 år som i basisåret. "
                        "Pensjonering bygger på en antatt aldersprofil for ansatte.")


# -------------------------------------------------------------------------------- crisis tables

def _crisis_dims(cm: xr.Dataset) -> None:
    missing = [d for d in ("breadth_option", "threshold_option") if d not in cm.dims]
    if missing:
        raise InputError(_SOURCE, "crisis", f"datasettet mangler dimensjonene {missing}; bruk crisis_matrix()")


def _crisis_metrics(cm: xr.Dataset, years: list[int]) -> xr.Dataset:
    """CRISIS_METRICS as a Dataset (year, breadth_option, threshold_option)."""
    s = crisis_summary(cm, years)
    gap = cm["fte_gap"]
    care = gap.sel(sector=CARE_SECTOR) if CARE_SECTOR in gap["sector"].values else gap.sum("sector") * np.nan
    out = xr.Dataset({
        "cost_total": _money(s["cost_total"].assign_attrs(units="NOK 1000")),
        "fte_gap_care": care.sel(year=years).drop_vars([c for c in ("sector", "sector_name") if c in care.coords]),
        "fte_gap_total": s["fte_gap_total"],
        "unmet_need_total": s["unmet_need_total"],
        "queue_total": s["queue_total"],
    })
    return out.transpose("year", "breadth_option", "threshold_option")


def _labels(cm: xr.Dataset, dim: str, label: str) -> dict[str, str]:
    values = [str(v) for v in cm[dim].values]
    labels = [str(v) for v in cm[label].values] if label in cm.coords else values
    return dict(zip(values, labels))


def crisis_table(cm: xr.Dataset, year: int, metric: str = "cost_total") -> pd.DataFrame:
    """One key figure of the crisis 2×2 as a 2×2 table.

    Parameters
    ----------
    cm : Dataset from :func:`~planmodel.servicemodel.crisis_matrix` (dimensions
        ``breadth_option`` and ``threshold_option`` with labels ``breadth_label`` and
        ``threshold_label``).
    year : the year [calendar year].
    metric : one of :data:`CRISIS_METRICS`: "cost_total" [mill. kr, all sectors],
        "fte_gap_care" [årsverk, helse og omsorg], "fte_gap_total" [årsverk, all sectors, net],
        "unmet_need_total" [persons: served by light services at the lowest threshold but not
        at the chosen one], "queue_total" [persons waiting for a place].

    Returns
    -------
    DataFrame, rows = tilbudsbredde ("Smalt tilbud", "Bredt tilbud"), columns = terskel
    ("Høy terskel", "Lav terskel"). ``attrs``: title, units, decimals.
    """
    _crisis_dims(cm)
    if metric not in CRISIS_METRICS:
        raise InputError(_SOURCE, "metric", f"{metric!r}; gyldige: {', '.join(CRISIS_METRICS)}")
    year = _years(cm, [year])[0]
    label, units, decimals = CRISIS_METRICS[metric]
    df = _crisis_metrics(cm, [year])[metric].sel(year=year).to_pandas()
    df = df.rename(index=_labels(cm, "breadth_option", "breadth_label"),
                   columns=_labels(cm, "threshold_option", "threshold_label"))
    df.index.name, df.columns.name = "Tilbud", "Terskel"
    if units == "mill. kr":
        units = _price_units(cm)
    return _finish(df, f"{label} {year}{_where(cm)}", units, decimals)


def crisis_overview(cm: xr.Dataset, years: Iterable[int]) -> pd.DataFrame:
    """The key figures of every corner of the crisis 2×2, for the chosen years.

    Parameters
    ----------
    cm : Dataset from :func:`~planmodel.servicemodel.crisis_matrix`.
    years : years to show [calendar year].

    Returns
    -------
    DataFrame with a three-level row index (År, Tilbud, Terskel) and one column per key figure
    of :data:`CRISIS_METRICS`: "Kostnad i alt (mill. kr)", "Årsverksgap helse og omsorg",
    "Årsverksgap alle sektorer (netto)" [årsverk], "Udekket behov" and "Ventende" [persons].
    """
    _crisis_dims(cm)
    years = _years(cm, years)
    m = _crisis_metrics(cm, years)
    df = m.to_dataframe(dim_order=["year", "breadth_option", "threshold_option"])[list(CRISIS_METRICS)]
    df = df.rename(index=_labels(cm, "breadth_option", "breadth_label"), level="breadth_option")
    df = df.rename(index=_labels(cm, "threshold_option", "threshold_label"), level="threshold_option")
    df.index = df.index.set_names(["År", "Tilbud", "Terskel"])
    headings = {k: f"{lab} (mill. kr)" if units == "mill. kr" else lab
                for k, (lab, units, _) in CRISIS_METRICS.items()}
    decimals = {headings[k]: d for k, (_, _, d) in CRISIS_METRICS.items()}
    df = df.rename(columns=headings)
    return _finish(df, f"Krise-2×2: nøkkeltall per hjørne{_where(cm)}",
                   f"{_price_units(cm)}; årsverk; personer", decimals,
                   note="Årsverksgap: behov minus tilgang, positivt = mangel. Udekket behov måles mot "
                        "lav terskel og er derfor 0 ved lav terskel.")


# ------------------------------------------------------------------------ catalogue and inputs

def parameter_table(catalogue: Catalogue, services: Sequence[str] | None = None,
                    calibration: Calibration | None = None, sources: bool = False) -> pd.DataFrame:
    """The catalogue's values per service and age band, with their status kept visible.

    Parameters
    ----------
    catalogue : the service catalogue.
    services : service ids to show, in this order (default: all).
    calibration : if given, add the coverage actually used for the kommune and whether it was
        calibrated to the kommune's KOSTRA users ("kalibrert") or is the catalogue's national
        value or assumption ("katalog").
    sources : add the source text of each value (long).

    Returns
    -------
    DataFrame, rows (Tjeneste, Alder), two-level columns: "Dekningsgrad (%)" [percent of the
    inhabitants in the band, 2 decimals], "Kr per bruker og år" [NOK, fixed prices], "Årsverk per
    bruker" [årsverk, 4 decimals], each with its "status": kilde / beregnet / anslag; and
    "Lovpålagt" (ja/nei). For services counted per inhabitant (grunnskole, administrasjon …)
    coverage is 100 % and kroner and årsverk are per inhabitant in the band.
    """
    pt = catalogue.parameter_table()
    if services is not None:
        unknown = [s for s in services if s not in catalogue.services]
        if unknown:
            raise InputError(_SOURCE, "services", f"ukjente tjenester {unknown}; gyldige: {', '.join(catalogue.ids)}")
        pt = pd.concat([pt[pt["service"] == s] for s in services], ignore_index=True)
    cov = "Dekningsgrad (%)"
    cols = {
        (cov, "katalog"): pt["dekningsgrad"] * 100,
        (cov, "status"): pt["dekningsgrad_status"],
    }
    decimals: dict = {(cov, "katalog"): 2}
    if calibration is not None:
        basis = coverage_basis(catalogue, calibration).set_index(["service", "alder"])
        key = list(zip(pt["service"], pt["alder"]))
        used = basis.loc[key]
        cols[(cov, "brukt")] = used["dekningsgrad_brukt"].to_numpy() * 100
        cols[(cov, "grunnlag")] = np.where(used["grunnlag"].str.startswith("kalibrert"), "kalibrert", "katalog")
        decimals[(cov, "brukt")] = 2
    cols.update({
        ("Kr per bruker og år", "verdi"): pt["enhetskostnad_kr"],
        ("Kr per bruker og år", "status"): pt["enhetskostnad_status"],
        ("Årsverk per bruker", "verdi"): pt["årsverk_per_bruker"],
        ("Årsverk per bruker", "status"): pt["årsverk_status"],
        ("Lovpålagt", ""): pt["lovpålagt"],
    })
    decimals.update({("Kr per bruker og år", "verdi"): 0, ("Årsverk per bruker", "verdi"): 4})
    if sources:
        cols.update({("Kilde", "dekningsgrad"): pt["kilde_dekningsgrad"],
                     ("Kilde", "kroner"): pt["kilde_enhetskostnad"],
                     ("Kilde", "årsverk"): pt["kilde_årsverk"]})
    df = pd.DataFrame({k: np.asarray(v) for k, v in cols.items()})
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    df.index = pd.MultiIndex.from_arrays([pt["tjeneste"], pt["alder"]], names=["Tjeneste", "Alder"])
    return _finish(df, "Tjenestekatalogen: dekningsgrad, enhetskostnad og årsverk",
                   f"dekningsgrad i prosent; kr per bruker per år, faste {catalogue.price_year}-priser; "
                   "årsverk per bruker", decimals,
                   note="Status: kilde = lest fra KOSTRA/SSB; beregnet = regnet ut fra slike tall; "
                        "anslag = planmodels forutsetning.")


def status_table(catalogue: Catalogue) -> pd.DataFrame:
    """How many of the catalogue's values are sourced, derived or assumptions.

    Parameters
    ----------
    catalogue : the service catalogue.

    Returns
    -------
    DataFrame, rows "Dekningsgrad", "Kr per bruker og år", "Årsverk per bruker" and "I alt",
    columns "kilde", "beregnet", "anslag" and "I alt" [number of age-band values].
    """
    pt = catalogue.parameter_table()
    kinds = {"Dekningsgrad": "dekningsgrad_status", "Kr per bruker og år": "enhetskostnad_status",
             "Årsverk per bruker": "årsverk_status"}
    df = pd.DataFrame({label: pt[col].value_counts() for label, col in kinds.items()}).T
    df = df.reindex(columns=list(STATUS_NB.values()), fill_value=0).fillna(0).astype(int)
    df.loc["I alt"] = df.sum()
    df["I alt"] = df.sum(axis=1)
    df.index.name, df.columns.name = "Verdi", "Status"
    return _finish(df, "Tjenestekatalogen: hvor tallene kommer fra", "antall verdier (tjeneste × aldersgruppe)", 0,
                   note="kilde = lest fra KOSTRA/SSB; beregnet = regnet ut fra slike tall; "
                        "anslag = planmodels forutsetning.")


def calibration_table(calibration: Calibration) -> pd.DataFrame:
    """What the base year was calibrated against: observed KOSTRA users against the
    catalogue's national coverage.

    Parameters
    ----------
    calibration : from :func:`planmodel.calibration.calibrate`.

    Returns
    -------
    DataFrame, rows (Gruppe, Alder), columns "Observert" (KOSTRA users 31.12.) and "Modell før"
    (national coverage × the kommune's population) [persons, whole numbers] and "Faktor"
    [observed / model, 2 decimals]. Empty when the kommune has no own figures.
    """
    t = calibration.table
    df = pd.DataFrame({"Observert": t["observert"].to_numpy(float), "Modell før": t["modell_før"].to_numpy(float),
                       "Faktor": t["faktor"].to_numpy(float)},
                      index=pd.MultiIndex.from_arrays([t["gruppe"], t["alder"]], names=["Gruppe", "Alder"]))
    return _finish(df, f"Kalibrering mot KOSTRA {calibration.kostra_year}, kommune {calibration.kommune}",
                   "personer; faktor = observert / modell før", {"Observert": 0, "Modell før": 0, "Faktor": 2},
                   note="Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0.")


def threshold_table(catalogue: Catalogue) -> pd.DataFrame:
    """The threshold (terskel) assumptions with their ranges.

    Parameters
    ----------
    catalogue : the service catalogue.

    Returns
    -------
    DataFrame, rows (Tjenestegruppe, Terskel, Tjenester) with "lette" (changed from the year
    after the base year) and "tunge" (phased in over the group's lag); columns "Anslag", "Lav",
    "Høy" [percent change in coverage at θ = −1 (lav terskel) or +1 (høy terskel), whole
    percent], "Etterslep (år)" and "Status".
    """
    rows = []
    for g in catalogue.threshold_groups.values():
        for setting, light, heavy in (("Lav terskel", g.low_light, g.low_heavy),
                                      ("Høy terskel", g.high_light, g.high_heavy)):
            for kind, v, lag in (("lette", light, 0), ("tunge", heavy, g.lag_years)):
                rows.append({"Tjenestegruppe": g.name, "Terskel": setting, "Tjenester": kind,
                             "Anslag": 100 * v.value, "Lav": 100 * v.low, "Høy": 100 * v.high,
                             "Etterslep (år)": lag, "Status": STATUS_NB.get(v.status, v.status)})
    df = pd.DataFrame(rows).set_index(["Tjenestegruppe", "Terskel", "Tjenester"])
    return _finish(df, "Terskel: endring i dekningsgrad ved lav og høy terskel",
                   "prosent endring i dekningsgraden (spenn lav–høy)", {"Anslag": 0, "Lav": 0, "Høy": 0},
                   note="Lette tjenester endres fra året etter basisåret; tunge fases inn over etterslepet.")


def breadth_table(catalogue: Catalogue) -> pd.DataFrame:
    """What a narrow and a broad offer do to each optional service, and its preventive effects.

    Parameters
    ----------
    catalogue : the service catalogue.

    Returns
    -------
    DataFrame, rows (Tjeneste, Virker på) — one row per optional (not mandatory) service and
    preventive effect ("–" when it has none). Columns: "Smalt tilbud" (at breadth −1: "fjernes",
    "beholder N %", or "påvirkes ikke" for optional services without a breadth setting),
    "Bredt tilbud (+ %)" [percent more users at breadth +1], and for the effect "Endring (%)",
    "Lav (%)", "Høy (%)" [percent change in the target's coverage when the service grows by
    100 %; a narrow offer gives the opposite sign] and "Etterslep (år)" [years to full effect].
    """
    rows = []
    for sid in catalogue.optional():
        s = catalogue.services[sid]
        b = s.breadth
        if b is None:
            narrow = "påvirkes ikke"
        elif b.narrow == "drop":
            narrow = "fjernes"
        else:
            narrow = f"beholder {tall(100 * b.keep_share)} %"
        common = {"Tjeneste": s.name, "Smalt tilbud": narrow,
                  "Bredt tilbud (+ %)": 100 * (b.broad_extension if b else 0.0)}
        effects = [{"Virker på": catalogue.services[e.target].name, "Endring (%)": 100 * e.change.value,
                    "Lav (%)": 100 * e.change.low, "Høy (%)": 100 * e.change.high,
                    "Etterslep (år)": float(e.lag_years)} for e in s.effects]
        for e in effects or [{"Virker på": "–"}]:
            rows.append({**common, **e})
    df = pd.DataFrame(rows, columns=["Tjeneste", "Virker på", "Smalt tilbud", "Bredt tilbud (+ %)",
                                     "Endring (%)", "Lav (%)", "Høy (%)", "Etterslep (år)"])
    df = df.set_index(["Tjeneste", "Virker på"])
    return _finish(df, "Tilbudsbredde og forebyggende virkning (ikke-lovpålagte tjenester)", "prosent; år",
                   0, note="Endring: i måltjenestens dekningsgrad når tjenesten vokser med 100 %, "
                           "faset inn over etterslepet. Smalt tilbud gir motsatt fortegn.")


# --------------------------------------------------------------------------------- presentation

def formatted(df: pd.DataFrame) -> pd.DataFrame:
    """The table with its numbers as Norwegian text (``tall``: no-break-space thousands, decimal
    comma, minus U+2212; NaN as "–"), using ``df.attrs["decimals"]`` (an int for all numeric
    columns or {column: decimals}; default 0). Text columns are left as they are."""
    spec = df.attrs.get("decimals", 0)
    out = df.copy()
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            continue
        d = spec.get(col, 0) if isinstance(spec, Mapping) else int(spec)
        out[col] = df[col].map(lambda x, d=d: tall(x, d))
    out.attrs = dict(df.attrs)
    return out


def as_text(df: pd.DataFrame) -> str:
    """Title, units, the table in Norwegian number format and the note, as one text block."""
    lines = []
    if df.attrs.get("title"):
        lines.append(df.attrs["title"])
    if df.attrs.get("units"):
        lines.append(f"[{df.attrs['units']}]")
    lines.append(formatted(df).to_string())
    if df.attrs.get("note"):
        lines.append(df.attrs["note"])
    return "\n".join(lines)


__all__ = [
    "CRISIS_METRICS", "SUM", "as_text", "breadth_table", "calibration_table", "care_level_table",
    "cost_per_inhabitant_table", "crisis_overview", "crisis_table", "demographic_cost_change_table",
    "formatted", "parameter_table", "sector_cost_table", "status_table", "threshold_table",
    "workforce_table",
]
