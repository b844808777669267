"""Tables of the service model laid out for Norwegian readers: Dataset in, DataFrame out.

Every function here is pure: it takes the Dataset of :func:`planmodel.services.servicemodel.run_services`
(or of :func:`~planmodel.analysis.crisis.crisis_matrix`, or a :class:`~planmodel.services.Catalogue`),
or — for the økonomiplan tables — of :func:`planmodel.model.run` and
:func:`planmodel.analysis.followup.stress_tests`, and returns a new :class:`pandas.DataFrame`. The tables are meant to be read, so

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

from planmodel.core.ages import to_kostra_groups
from planmodel.services.calibration import Calibration, coverage_basis
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall
from planmodel.core.labels import INCOME_RULE_SHORT, STATUS, age_range_label
from planmodel.inputs.catalogue import Catalogue, load_catalogue
from planmodel.analysis.crisis import crisis_summary

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
    ds : Dataset from :func:`~planmodel.services.servicemodel.run_services` (one alternative: no
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
    cm : Dataset from :func:`~planmodel.analysis.crisis.crisis_matrix` (dimensions
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
    cm : Dataset from :func:`~planmodel.analysis.crisis.crisis_matrix`.
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
    df = df.reindex(columns=list(STATUS.values()), fill_value=0).fillna(0).astype(int)
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
    calibration : from :func:`planmodel.services.calibration.calibrate`.

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
                             "Etterslep (år)": lag, "Status": STATUS.get(v.status, v.status)})
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


# --------------------------------------------------------------------------- økonomiplan tables
#
# Inputs are the Dataset of :func:`planmodel.model.run` (økonomiplan lines over ``year``, sector
# frames over (sector, year), tiltak over (measure, year), behovsanalyse over (place_type, year))
# or of :func:`planmodel.analysis.followup.stress_tests`. Money: NOK 1000 in the Dataset, mill. kr here.

#: Row labels of :func:`okonomiplan_table` that are not sector names (the target row gets its
#: percentage appended, e.g. "Mål (1,75 %)").
OKONOMIPLAN_ROWS = {
    "frie_inntekter": "Frie inntekter",
    "ovrige_netto_driftsutgifter": "Øvrige netto driftsutgifter",
    "sum_netto_driftsutgifter": "Sum netto driftsutgifter",
    "brutto_driftsresultat": "Brutto driftsresultat",
    "renter": "Netto renteutgifter",
    "avdrag": "Avdrag",
    "netto_driftsresultat": "Netto driftsresultat",
    "netto_driftsresultat_andel": "Netto driftsresultat i % av driftsinntektene",
    "resultatmal": "Mål",
    "inndekningsbehov": "Inndekningsbehov",
}

#: Parts of a sector frame: variable -> row label (:func:`sector_frame_table`).
FRAME_PARTS = {
    "sektor_basis": "Basisramme",
    "sektor_demografi": "Demografi",
    "sektor_valg": "Valg (terskel, tilbud, kapasitet)",
    "sektor_tiltak_effekt": "Tiltak (virkning)",
    "sektor_tiltak_drift": "Tiltak (drift)",
}
FRAME_TOTAL = "Ramme"
FRAME_ADJUSTMENT = "Korreksjon fra regnskap (rullering)"

#: What binds the frie inntekter: variable -> row label (:func:`handlingsrom_table`).
BOUND_PARTS = {
    "bundet_lovpalagt_minimum": "Bundet: lovpålagte tjenester på minimumsstandard",
    "bundet_kapitalkostnader": "Bundet: kapitalkostnader (renter og avdrag)",
    "bundet_vedtatte_tiltak": "Bundet: vedtatte tiltak",
    "bundet_resultatmal": "Bundet: resultatmålet",
    "bundet_kort_sikt": "Bundet på kort sikt: dagens øvrige utgifter",
}

#: The row of :func:`handlingsrom_table` for a net income in the øvrige line.
OTHER_INCOME_ROW = "Pluss: øvrige netto inntekter"
#: The row of :func:`handlingsrom_table` for the kommune's own general income lines.
OWN_INCOME_ROW = "Pluss: egne generelle inntekter"


def _has_own_lines(ds: xr.Dataset) -> bool:
    """The run has own income or expense lines (a scenario's ``budget:``; shown only then)."""
    return any(v in ds and bool(np.any(ds[v].values != 0)) for v in ("egne_inntekter", "egne_utgifter"))

#: Block labels of :func:`stress_table`.
STRESS_CHANGE = "Endring i netto driftsresultat (mill. kr)"
STRESS_SHARE = "Netto driftsresultat i % av driftsinntektene"

#: Key figures of :func:`scenario_comparison_table`: label -> units (decimals follow the units).
COMPARISON_ROWS = {
    "Netto driftsresultat i % av driftsinntektene": "prosent",
    "Inndekningsbehov (mill. kr)": "mill. kr",
    "Udekket behov (personer)": "personer",
    "Ventende på plass (personer)": "personer",
    "Trinn ned fra sykehjem (personer)": "personer",
    "Trinn ned fra heldøgns omsorgsbolig (personer)": "personer",
    "Årsverksgap helse og omsorg (årsverk)": "årsverk",
}

_EFFECT_KIND_NB = {"coverage": "dekningsgrad", "unit_cost": "kr per bruker", "fte": "årsverk per bruker",
                   "shift": "flyttes til", "volunteer_hours": "frivillige timer"}


def _plan_period(ds: xr.Dataset, years: Iterable[int] | int | None) -> list[int]:
    """``years`` validated, or the økonomiplan years (coordinate ``plan_year``) when None."""
    if years is not None:
        return _years(ds, years)
    if "plan_year" not in ds.coords:
        raise InputError(_SOURCE, "years", "oppgi årene; datasettet har ingen plan_year-koordinat "
                                           "(bruk resultatet av planmodel.run)")
    return ds.plan.years


def _line(ds: xr.Dataset, var: str) -> xr.DataArray:
    """An økonomiplan line over ``year`` (a clear error when ``ds`` is not a run() result)."""
    if var not in ds:
        raise InputError(_SOURCE, var, "mangler i datasettet; bruk resultatet av planmodel.model.run()")
    return _require(ds, var, ("year",))


def _row(da: xr.DataArray, years: list[int]) -> np.ndarray:
    return np.asarray(da.sel(year=years).values, dtype=float)


def _year_columns(years: list[int]) -> pd.Index:
    return pd.Index([int(y) for y in years], name="År")


def okonomiplan_table(ds: xr.Dataset, years: Iterable[int] | None = None) -> pd.DataFrame:
    """The økonomiplan in netto terms, laid out as in a kommune's handlingsprogram.

    Parameters
    ----------
    ds : Dataset from :func:`planmodel.model.run` (or ``roll_forward``) with the økonomiplan lines
        over ``year`` [NOK 1000, fixed prices] and ``sektor_ramme`` (sector, year).
    years : years to show [calendar year]; default the økonomiplan period (``plan_year``).

    Returns
    -------
    DataFrame, rows: "Frie inntekter"; each sector's netto ramme (Norwegian sector names);
    "Øvrige netto driftsutgifter"; "Sum netto driftsutgifter"; "Brutto driftsresultat"
    (= frie inntekter − sum netto driftsutgifter); "Netto renteutgifter"; "Avdrag"; "Netto
    driftsresultat" (= brutto driftsresultat − renter − avdrag); "Netto driftsresultat i % av
    driftsinntektene" [percent]; "Mål (1,75 %)" (the target in kroner); "Inndekningsbehov"
    (max(0, mål − netto driftsresultat)). Columns = years. Money in mill. kr with 1 decimal,
    the percent row in percent with 1 decimal. Income and expenses are both positive numbers.
    ``attrs``: title, units ("mill. kr, faste 2025-priser"), decimals, note.
    """
    years = _plan_period(ds, years)
    frames = _money(_require(ds, "sektor_ramme", ("sector", "year")))
    rows: dict[str, np.ndarray] = {OKONOMIPLAN_ROWS["frie_inntekter"]: _row(_money(_line(ds, "frie_inntekter")), years)}
    own = _has_own_lines(ds)
    if own:
        rows["Egne generelle inntekter"] = _row(_money(_line(ds, "egne_inntekter")), years)
        rows["Egne utgiftslinjer (pensjon o.l.)"] = _row(_money(_line(ds, "egne_utgifter")), years)
    for name, k in zip(_sector_names(ds), range(frames.sizes["sector"])):
        rows[name] = _row(frames.isel(sector=k), years)
    other = _money(_line(ds, "ovrige_netto_driftsutgifter"))
    rows[OKONOMIPLAN_ROWS["ovrige_netto_driftsutgifter"]] = _row(other, years)
    rows[OKONOMIPLAN_ROWS["sum_netto_driftsutgifter"]] = _row(
        _money(_line(ds, "netto_driftsutgifter_sektorer")) + other, years)
    for var in ("brutto_driftsresultat", "renter", "avdrag", "netto_driftsresultat"):
        rows[OKONOMIPLAN_ROWS[var]] = _row(_money(_line(ds, var)), years)
    rows[OKONOMIPLAN_ROWS["netto_driftsresultat_andel"]] = 100.0 * _row(_line(ds, "netto_driftsresultat_andel"), years)
    share = ds.plan.target_share
    rows[f"{OKONOMIPLAN_ROWS['resultatmal']} ({tall(100 * share, 2)} %)"] = _row(_money(_line(ds, "resultatmal")), years)
    rows[OKONOMIPLAN_ROWS["inndekningsbehov"]] = _row(_money(_line(ds, "inndekningsbehov")), years)
    if "netto_driftsresultat_andel_inntektsregel" in ds:  # both income rules, side by side
        for rule in ds["income_rule"].values:
            short = INCOME_RULE_SHORT.get(str(rule), str(rule))
            rows[f"Netto driftsresultat i %, {short}"] = 100.0 * _row(
                ds["netto_driftsresultat_andel_inntektsregel"].sel(income_rule=rule), years)
            rows[f"Inndekningsbehov, {short}"] = _row(
                _money(ds["inndekningsbehov_inntektsregel"].sel(income_rule=rule)), years)
    df = pd.DataFrame(rows, index=_year_columns(years)).T
    df.index.name = "Linje"
    plan = ds.attrs.get("plan_period", "")
    own_text = " + egne generelle inntekter − egne utgiftslinjer" if own else ""
    return _finish(df, f"Økonomiplan{' ' + plan if plan else ''}{_where(ds)}", _price_units(ds), 1,
                   note="Inntekter og utgifter er positive tall (en negativ øvrige-linje er en netto inntekt). Brutto driftsresultat = frie inntekter"
                        f"{own_text} − sum netto driftsutgifter; netto driftsresultat = brutto driftsresultat − netto "
                        "renteutgifter − avdrag. Linjen i % er prosent av driftsinntektene; "
                        "inndekningsbehov = mål − netto driftsresultat når det er positivt. "
                        + _income_rule_note(ds))


def _income_rule_note(ds: xr.Dataset) -> str:
    rule = str(ds.attrs.get("income_rule", ""))
    if rule not in INCOME_RULE_SHORT:
        return ""
    return (f"Linjene over er regnet {INCOME_RULE_SHORT[rule]}; de fire siste radene viser resultatet og "
            "inndekningsbehovet med begge inntektsreglene side om side (frie inntekter med og uten statens "
            "demografikompensasjon).")


def _sector_id(ds: xr.Dataset, sector: str) -> str:
    ids = [str(s) for s in ds["sector"].values]
    names = _sector_names(ds)
    if sector in ids:
        return sector
    if sector in names:
        return ids[names.index(sector)]
    raise InputError(_SOURCE, "sector", f"{sector!r}; gyldige: {', '.join(ids)} (eller {', '.join(names)})")


def sector_frame_table(ds: xr.Dataset, sector: str, years: Iterable[int] | None = None) -> pd.DataFrame:
    """One sector's netto ramme split into its parts.

    Parameters
    ----------
    ds : Dataset from :func:`planmodel.model.run` with ``sektor_basis``, ``sektor_demografi``,
        ``sektor_valg``, ``sektor_tiltak_effekt``, ``sektor_tiltak_drift`` and ``sektor_ramme``
        (sector, year) [NOK 1000, fixed prices].
    sector : sector id (``"helse_og_omsorg"``) or Norwegian name (``"Helse og omsorg"``).
    years : years to show [calendar year]; default the økonomiplan period.

    Returns
    -------
    DataFrame, rows "Basisramme" (the base year's cost), "Demografi" (change in demographic cost
    since the base year), "Valg (terskel, tilbud, kapasitet)", "Tiltak (virkning)" (the tiltak's
    effect on service costs; negative = saving), "Tiltak (drift)" (their own operating cost) and
    "Ramme" (the sum). A rolled plan (``roll_forward``) has one more row, "Korreksjon fra
    regnskap (rullering)", so that the parts still add up to the frame. Columns = years
    [mill. kr, 1 decimal].
    """
    sid = _sector_id(ds, sector)
    years = _plan_period(ds, years)
    parts = {label: _row(_money(_require(ds, var, ("sector", "year")).sel(sector=sid)), years)
             for var, label in FRAME_PARTS.items()}
    total = _row(_money(_require(ds, "sektor_ramme", ("sector", "year")).sel(sector=sid)), years)
    residual = total - sum(parts.values())
    if np.any(np.abs(residual) > 1e-6):
        parts[FRAME_ADJUSTMENT] = residual
    parts[FRAME_TOTAL] = total
    df = pd.DataFrame(parts, index=_year_columns(years)).T
    df.index.name = "Del av rammen"
    name = _sector_names(ds)[[str(s) for s in ds["sector"].values].index(sid)]
    base = ds.attrs.get("base_year", int(ds["year"][0]))
    return _finish(df, f"Sektorramme {name}{_where(ds)}", _price_units(ds), 1,
                   note=f"Basisramme = kostnaden i basisåret {base}. Demografi = endringen i demografikostnaden "
                        "(dekning og standard som i basisåret). Negative tall er innsparinger.")


def handlingsrom_table(ds: xr.Dataset, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Handlingsrom: the frie inntekter that are not already bound.

    Parameters
    ----------
    ds : Dataset from :func:`planmodel.model.run` with ``frie_inntekter``, the ``bundet_*``
        lines and ``handlingsrom`` over ``year`` [NOK 1000, fixed prices].
    years : years to show [calendar year]; default the økonomiplan period.

    Returns
    -------
    DataFrame, rows "Frie inntekter", "Pluss: øvrige netto inntekter" (when the øvrige line is net
    income, such as financial income), the five bound parts (lovpålagte tjenester på
    minimumsstandard, kapitalkostnader, vedtatte tiltak, resultatmålet, and — on the short term
    only — today's other spending that cannot be changed at once), "Sum bundet",
    "Handlingsrom" (= frie inntekter + øvrige netto inntekter − sum bundet) [mill. kr, 1 decimal] and "Handlingsrom i %
    av frie inntekter" [percent, 1 decimal].
    """
    years = _plan_period(ds, years)
    fi = _row(_money(_line(ds, "frie_inntekter")), years)
    rows = {"Frie inntekter": fi}
    extra = _row(_money(_line(ds, "ovrige_netto_inntekter")), years) if "ovrige_netto_inntekter" in ds else 0.0 * fi
    rows[OTHER_INCOME_ROW] = extra
    if _has_own_lines(ds):
        rows[OWN_INCOME_ROW] = _row(_money(_line(ds, "egne_inntekter")), years)
    parts = dict(BOUND_PARTS)
    if _has_own_lines(ds):
        parts["bundet_egne_utgifter"] = "Bundet: egne utgiftslinjer (pensjon o.l.)"
    for var, label in parts.items():
        rows[label] = _row(_money(_line(ds, var)), years)
    rows["Sum bundet"] = sum(rows[label] for label in parts.values())
    room = _row(_money(_line(ds, "handlingsrom")), years)
    rows["Handlingsrom"] = room
    rows["Handlingsrom i % av frie inntekter"] = 100.0 * np.divide(room, fi, out=np.full_like(room, np.nan), where=fi != 0)
    df = pd.DataFrame(rows, index=_year_columns(years)).T
    df.index.name = "Linje"
    return _finish(df, f"Handlingsrom{_where(ds)}", _price_units(ds), 1,
                   note="Handlingsrom = frie inntekter + øvrige netto inntekter − sum bundet. Øvrige netto "
                        "inntekter er øvrige-linjen når den er en netto inntekt (finansinntekter o.a.). Lovpålagte tjenester regnes på "
                        "minimumsstandard (høy terskel, smalt tilbud). Den kortsiktige bindingen av dagens "
                        "øvrige utgifter faller til null over økonomiplanperioden. Siste linje er i prosent.")


def balance_table(ds: xr.Dataset, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Investments, loans and the balances: lånegjeld and disposisjonsfond.

    Parameters
    ----------
    ds : Dataset from :func:`planmodel.model.run` with ``investeringer``, ``nye_lan``,
        ``lanegjeld``, ``disposisjonsfond`` and ``driftsinntekter`` over ``year`` [NOK 1000,
        fixed prices; balances at the end of the year].
    years : years to show [calendar year]; default the økonomiplan period.

    Returns
    -------
    DataFrame, rows "Investeringer", "Tilskudd og momskompensasjon", "Nye lån", "Egenfinansiering
    (fra disposisjonsfondet)" (investeringer = tilskudd + lån + egenfinansiering), "Lånegjeld
    31.12.", "Disposisjonsfond 31.12." [mill. kr, 1 decimal], "Investeringer i % av
    driftsinntektene", "Lånegjeld i % av driftsinntektene" and "Disposisjonsfond i % av
    driftsinntektene" [percent, 1 decimal].
    """
    years = _plan_period(ds, years)
    income = _row(_line(ds, "driftsinntekter"), years)
    lines = [("investeringer", "Investeringer"), ("investeringstilskudd", "Tilskudd og momskompensasjon"),
             ("nye_lan", "Nye lån"), ("egenfinansiering", "Egenfinansiering (fra disposisjonsfondet)"),
             ("lanegjeld", "Lånegjeld 31.12."), ("disposisjonsfond", "Disposisjonsfond 31.12.")]
    rows = {label: _row(_money(_line(ds, var)), years) for var, label in lines if var in ds}
    rows["Investeringer i % av driftsinntektene"] = 100.0 * _row(_line(ds, "investeringer"), years) / income
    rows["Lånegjeld i % av driftsinntektene"] = 100.0 * _row(_line(ds, "lanegjeld"), years) / income
    rows["Disposisjonsfond i % av driftsinntektene"] = 100.0 * _row(_line(ds, "disposisjonsfond"), years) / income
    df = pd.DataFrame(rows, index=_year_columns(years)).T
    df.index.name = "Linje"
    return _finish(df, f"Investeringer, lån og fond{_where(ds)}", _price_units(ds), 1,
                   note="Investeringene betales av tilskudd og momskompensasjon, nye lån og egenfinansiering. "
                        "Lånegjeld og disposisjonsfond ved utgangen av året, i faste priser. "
                        "De tre siste linjene er i prosent av driftsinntektene.")


def measure_cost_frame(ds: xr.Dataset, years: Iterable[int] | None = None) -> pd.DataFrame:
    """What each chosen tiltak costs per year (operating cost + investment), for the tiltaksmatrise.

    Parameters
    ----------
    ds : Dataset from :func:`planmodel.model.run` with ``tiltak_drift`` and
        ``tiltak_investering`` (measure, year) [NOK 1000, fixed prices].
    years : years [calendar year]; default the økonomiplan period.

    Returns
    -------
    DataFrame indexed by tiltak id (``measure``), one int column per year, values in **NOK
    1000** (unrounded), as :func:`planmodel.inputs.goals.tiltaksmatrise` takes them (``cost=``).
    The tiltak's effects on the services (savings) are not included.
    """
    years = _plan_period(ds, years)
    total = _require(ds, "tiltak_drift", ("measure", "year")) + _require(ds, "tiltak_investering", ("measure", "year"))
    df = pd.DataFrame(np.asarray(total.sel(year=years).values, dtype=float).reshape(ds.sizes["measure"], len(years)),
                      index=pd.Index([str(m) for m in ds["measure"].values], name="measure"),
                      columns=_year_columns(years))
    year = ds.attrs.get("price_year")
    df.attrs = {"title": f"Tiltakenes kostnad (drift + investering){_where(ds)}",
                "units": f"NOK 1000, faste {year}-priser" if year is not None else "NOK 1000, faste priser",
                "note": "Driftskostnad og investering; virkningen på tjenestene (gevinsten) er ikke med."}
    return df


def stress_table(st: xr.Dataset, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Stress tests as in Bærum's LDIP: the change in netto driftsresultat and the result in %.

    Parameters
    ----------
    st : Dataset from :func:`planmodel.analysis.followup.stress_tests` (dims stress, year) with
        ``endring_ndr`` [NOK 1000], ``netto_driftsresultat_andel`` [share] and ``stress_label``.
    years : years to show [calendar year]; default the økonomiplan period.

    Returns
    -------
    DataFrame with a two-level row index (Mål, Stresstest) and years as columns. Block
    "Endring i netto driftsresultat (mill. kr)" has one row per stress test (change from the
    scenario; negative = worse); block "Netto driftsresultat i % av driftsinntektene" has the
    scenario ("Scenarioet") and each stress test [percent]. 1 decimal.
    """
    if "stress" not in st.dims:
        raise InputError(_SOURCE, "stress", "datasettet mangler dimensjonen stress; bruk followup.stress_tests()")
    years = _plan_period(st, years)
    labels = [str(x) for x in st["stress_label"].values] if "stress_label" in st.coords else [str(x) for x in st["stress"].values]
    keys = [str(x) for x in st["stress"].values]
    change = _money(st["endring_ndr"]).sel(year=years).transpose("stress", "year").values
    share = 100.0 * st["netto_driftsresultat_andel"].sel(year=years).transpose("stress", "year").values
    rows, index = [], []
    for i, (k, lab) in enumerate(zip(keys, labels)):
        if k != "scenario":
            rows.append(change[i])
            index.append((STRESS_CHANGE, lab))
    for i, lab in enumerate(labels):
        rows.append(share[i])
        index.append((STRESS_SHARE, lab))
    df = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["Mål", "Stresstest"]),
                      columns=_year_columns(years))
    return _finish(df, f"Stresstester{_where(st)}", f"{_price_units(st)}; prosent", 1,
                   note="Hver stresstest endrer én forutsetning fra første planår; alt annet er som i scenarioet.")


def places_table(ds: xr.Dataset, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Behovsanalyse: new places per place type in the years they open, and the investment.

    Parameters
    ----------
    ds : Dataset from :func:`planmodel.model.run` with ``plasser_nye`` [places] and
        ``plasser_investering`` [NOK 1000] (place_type, year), ``plasser_eksisterende`` and
        ``plasser_blokk`` [places] (place_type). Without behovsanalyse nothing opens.
    years : the years to look at [calendar year]; default all years of ``ds``.

    Returns
    -------
    DataFrame, rows = place types ("Sykehjemsplasser", ...) + "Sum"; one int column per year
    in which places open [places], then "Nye plasser i alt", "Plasser i basisåret", "Plasser per
    ny enhet" [places] and "Investering i alt (mill. kr)" [gross, fixed prices, 1 decimal] summed
    over the same years. The Sum row has
    only the investment (places of different kinds are not added up).
    """
    years = _years(ds, ds["year"].values if years is None else years)
    new = _require(ds, "plasser_nye", ("place_type", "year")).sel(year=years)
    invest = _money(_require(ds, "plasser_investering", ("place_type", "year"))).sel(year=years)
    opening = [int(y) for y in years if float(new.sel(year=y).sum()) > 0.5]
    names = ([str(x) for x in ds["place_type_name"].values] if "place_type_name" in ds.coords
             else [str(x) for x in ds["place_type"].values])
    df = pd.DataFrame(np.asarray(new.sel(year=opening).values, dtype=float).reshape(len(names), len(opening)),
                      index=names, columns=pd.Index(opening, dtype=object))
    df["Nye plasser i alt"] = new.sum("year").values
    df["Plasser i basisåret"] = _require(ds, "plasser_eksisterende", ("place_type",)).values
    df["Plasser per ny enhet"] = _require(ds, "plasser_blokk", ("place_type",)).values
    df["Investering i alt (mill. kr)"] = invest.sum("year").values
    df.loc[SUM] = np.nan
    df.loc[SUM, "Investering i alt (mill. kr)"] = float(invest.sum())
    df.index.name = "Plasstype"
    df.columns.name = "År"
    decimals = {c: 0 for c in df.columns}
    decimals["Investering i alt (mill. kr)"] = 1
    first, last = years[0], years[-1]
    if int(ds.attrs.get("behovsanalyse", 1)):
        note = ("Dagens plasser er basisårets brukere rundet opp til hele plasser (eller scenarioets tall). Nye "
                "plasser åpner når behovet passerer dagens kapasitet med minst en halv plass, i enheter på om lag en "
                "tidel av dagens plasser (hele bygningsenheter), aldri mer enn behovet fram til horisonten. "
                "Investeringen fordeles på de to årene før plassene åpner (brutto, før momskompensasjon og "
                "investeringstilskudd).")
    else:
        note = ("Scenarioet bygger ikke sykehjemsplasser eller heldøgns omsorgsboliger (behovsanalyse av): de som "
                "ikke får plass, venter eller får tilbud ett trinn ned, og det koster (se ventekostnad). Barnehage- og "
                "skoleplasser er en rett og bygges likevel.")
    return _finish(df, f"Behovsanalyse: nye plasser og investering {first}–{last}{_where(ds)}",
                   f"plasser; investering i {_price_units(ds)}", decimals, note=note)


def scenario_comparison_table(runs: Mapping[str, xr.Dataset], years: Iterable[int],
                              sector: str = CARE_SECTOR) -> pd.DataFrame:
    """Key figures of several scenarios side by side: the result and what it costs in services.

    Parameters
    ----------
    runs : {Norwegian label: Dataset from :func:`planmodel.model.run`}, in the order to show.
    years : years to show [calendar year].
    sector : the sector whose årsverk gap is shown (default helse og omsorg).

    Returns
    -------
    DataFrame with a two-level row index (Nøkkeltall, Alternativ) and years as columns:
    netto driftsresultat [percent, 1 decimal]; inndekningsbehov [mill. kr, 1 decimal]; udekket
    behov (served at the lowest threshold but not at the chosen one), people waiting for a
    place, people served one step down from sykehjem / heldøgns omsorgsbolig [persons]; the
    årsverk gap of ``sector`` [årsverk] (whole numbers).
    """
    if not runs:
        raise InputError(_SOURCE, "runs", "minst ett alternativ må oppgis")
    labels = list(runs)
    first = next(iter(runs.values()))
    years = _years(first, years)
    blocks: dict[str, list[np.ndarray]] = {k: [] for k in COMPARISON_ROWS}
    keys = list(COMPARISON_ROWS)
    for label, ds in runs.items():
        _years(ds, years)
        step = _require(ds, "stepped_down", ("capacity_group", "year")).sel(year=years)
        groups = [str(g) for g in step["capacity_group"].values]
        blocks[keys[0]].append(100.0 * _row(_line(ds, "netto_driftsresultat_andel"), years))
        blocks[keys[1]].append(_row(_money(_line(ds, "inndekningsbehov")), years))
        blocks[keys[2]].append(_row(_require(ds, "unmet_need", ("threshold_group", "year")).sum("threshold_group"), years))
        blocks[keys[3]].append(_row(_require(ds, "queue", ("capacity_group", "year")).sum("capacity_group"), years))
        for key, group in ((keys[4], "institusjon"), (keys[5], "heldogn_bolig")):
            blocks[key].append(_row(step.sel(capacity_group=group), years) if group in groups
                               else np.full(len(years), np.nan))
        blocks[keys[6]].append(_row(_require(ds, "fte_gap", ("sector", "year")).sel(sector=_sector_id(ds, sector)), years))
    values = [row for k in keys for row in blocks[k]]
    index = pd.MultiIndex.from_tuples([(k, lab) for k in keys for lab in labels], names=["Nøkkeltall", "Alternativ"])
    row_decimals = {k: (1 if units in ("prosent", "mill. kr") else 0) for k, units in COMPARISON_ROWS.items()}
    per_row = np.array([row_decimals[k] for k, _ in index])
    df = pd.DataFrame(np.where(per_row[:, None] == 1, np.round(values, 1), np.round(values, 0)) + 0.0,
                      index=index, columns=_year_columns(years))
    df.attrs = {"title": f"Alternativene side om side{_where(first)}",
                "units": f"prosent; {_price_units(first)}; personer; årsverk",
                "decimals": 1, "row_decimals": row_decimals,
                "note": "Udekket behov: personer som ville fått en lett tjeneste med lav terskel, men ikke med "
                        "valgt terskel. Trinn ned: får tjeneste ett trinn lavere i omsorgstrappen fordi plassene "
                        "er fulle (en person som flyttes to trinn telles i begge linjene). Årsverksgap: behov "
                        "minus tilgang, positivt = mangel."}
    return df


def plan_change_table(before: xr.Dataset, after: xr.Dataset, years: Iterable[int],
                      labels: tuple[str, str] = ("Opprinnelig plan", "Ny plan")) -> pd.DataFrame:
    """Two versions of the økonomiplan line by line, and the change (e.g. before and after rullering).

    Parameters
    ----------
    before, after : Datasets from :func:`planmodel.model.run` / ``roll_forward`` [NOK 1000].
    years : years to show [calendar year], present in both.
    labels : names of the two versions.

    Returns
    -------
    DataFrame with a two-level row index (Linje, Versjon: the two labels and "Endring") and years
    as columns. Lines: frie inntekter, sum netto driftsutgifter, netto driftsresultat,
    inndekningsbehov, lånegjeld and disposisjonsfond [mill. kr], and netto driftsresultat in % of
    driftsinntektene [percent, change in percentage points]. 1 decimal.
    """
    years = _years(before, years)
    _years(after, years)

    def lines(ds):
        return {
            "Frie inntekter": _row(_money(_line(ds, "frie_inntekter")), years),
            "Sum netto driftsutgifter": _row(_money(_line(ds, "netto_driftsutgifter_sektorer") + _line(ds, "ovrige_netto_driftsutgifter")), years),
            "Netto driftsresultat": _row(_money(_line(ds, "netto_driftsresultat")), years),
            "Netto driftsresultat i % av driftsinntektene": 100.0 * _row(_line(ds, "netto_driftsresultat_andel"), years),
            "Inndekningsbehov": _row(_money(_line(ds, "inndekningsbehov")), years),
            "Lånegjeld 31.12.": _row(_money(_line(ds, "lanegjeld")), years),
            "Disposisjonsfond 31.12.": _row(_money(_line(ds, "disposisjonsfond")), years),
        }

    a, b = lines(before), lines(after)
    rows, index = [], []
    for key in a:
        for label, values in ((labels[0], a[key]), (labels[1], b[key]), ("Endring", b[key] - a[key])):
            rows.append(values)
            index.append((key, label))
    df = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["Linje", "Versjon"]),
                      columns=_year_columns(years))
    return _finish(df, f"{labels[0]} og {labels[1].lower()}{_where(after)}", f"{_price_units(after)}; prosent", 1,
                   note="Endring = ny minus opprinnelig; for linjen i % er endringen i prosentpoeng.")


def _ages_text(ages: tuple[int, int] | None) -> str:
    if not ages:
        return ""
    return f" ({age_range_label(*ages)})"


def measure_library_table(library, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """What each tiltak in a library does: its effects on the services, with their ranges and status.

    Parameters
    ----------
    library : :class:`planmodel.measures.Library` (e.g. ``load_library()``).
    catalogue : the service catalogue (for service names); default the shipped one.

    Returns
    -------
    DataFrame, one row per effect, index (Tiltak, Virker på). Columns "Virkning"
    (dekningsgrad / kr per bruker / årsverk per bruker / flyttes til … / frivillige timer),
    "Anslag", "Lav", "Høy" [percent change; for "flyttes til" percent of the users moved; for
    frivillige timer hours per year per 100 000 inhabitants; whole numbers], "Etterslep (år)",
    "Innfasing (år)" and "Status" (kilde / beregnet / anslag).
    """
    cat = catalogue or load_catalogue()
    rows = []
    for m in library.measures.values():
        for e in m.effects:
            target = (cat.services[e.service].name if e.service in cat.services else e.service) + _ages_text(e.ages)
            kind = _EFFECT_KIND_NB[e.kind]
            if e.kind == "shift":
                kind += " " + (cat.services[e.to_service].name if e.to_service in cat.services else str(e.to_service)).lower()
            scale = 1.0 if e.kind == "volunteer_hours" else 100.0
            low = e.change.low if e.change.low is not None else e.change.value
            high = e.change.high if e.change.high is not None else e.change.value
            rows.append({"Tiltak": m.title, "Virker på": target, "Virkning": kind,
                         "Anslag": scale * e.change.value, "Lav": scale * low, "Høy": scale * high,
                         "Etterslep (år)": e.lag_years, "Innfasing (år)": e.phase_in_years,
                         "Status": STATUS.get(e.change.status, e.change.status)})
    df = pd.DataFrame(rows).set_index(["Tiltak", "Virker på"])
    return _finish(df, "Tiltaksbiblioteket: virkninger på tjenestene",
                   "prosent endring (frivillige timer: timer per år per 100 000 innbyggere)", 0,
                   note="Lav–høy er spennet i anslaget; «svakeste virkninger» bruker enden nærmest null, "
                        "«sterkeste virkninger» enden lengst fra null. Virkningen starter etter etterslepet og "
                        "fases inn.")


def measure_overview_table(library, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """One row per tiltak in a library: sector, who is responsible, delmål, costs and their status.

    Parameters
    ----------
    library : :class:`planmodel.measures.Library`.
    catalogue : the service catalogue (for sector names); default the shipped one.

    Returns
    -------
    DataFrame indexed by "Tiltak" (title) with "Id", "Sektor", "Ansvar", "Delmål" (ids),
    "Skala" ("per 100 000 innb." or "fast"), "Drift (1000 kr/år)" [the first operating level],
    "Investering (1000 kr)" [the whole investment profile], "Status kostnad" and "Virkninger"
    ("n, herav m anslag"). Amounts in NOK 1000 at the library's price year, per 100 000
    inhabitants where the tiltak scales (the model scales them to the kommune's population).
    """
    cat = catalogue or load_catalogue()
    rows = []
    for m in library.measures.values():
        costs = list(m.operating.values()) + list(m.investment.values())
        n_assumed = sum(e.change.status == "assumption" for e in m.effects)
        rows.append({"Tiltak": m.title, "Id": m.id, "Sektor": cat.sectors.get(m.sector, m.sector), "Ansvar": m.ansvar,
                     "Delmål": ", ".join(m.delmal),
                     "Skala": "per 100 000 innb." if m.scale == "per_100k" else "fast",
                     "Drift (1000 kr/år)": m.operating[min(m.operating)].value if m.operating else 0.0,
                     "Investering (1000 kr)": sum(v.value for v in m.investment.values()),
                     "Status kostnad": ", ".join(sorted({STATUS.get(v.status, v.status) for v in costs})),
                     "Virkninger": f"{len(m.effects)}, herav {n_assumed} anslag"})
    df = pd.DataFrame(rows).set_index("Tiltak")
    return _finish(df, "Tiltaksbiblioteket: tiltak, ansvar og kostnader", "1000 kr, faste priser",
                   {"Drift (1000 kr/år)": 0, "Investering (1000 kr)": 0},
                   note="Drift er nivået fra oppstartsåret (kan endres senere i profilen); investering er summen "
                        "av investeringsprofilen. «per 100 000 innb.» skaleres til kommunens folketall.")


def plan_actual_table(part: pd.DataFrame) -> pd.DataFrame:
    """One table of :func:`planmodel.analysis.followup.plan_vs_actual` in mill. kr and percent.

    Parameters
    ----------
    part : one of the DataFrames ``plan_vs_actual`` returns ("sektorer", "tjenester", "tiltak",
        "linjer"); amounts in columns named "... (NOK 1000)".

    Returns
    -------
    The same rows, indexed by their first (text) column; "(NOK 1000)" columns in mill. kr
    [1 decimal], "Andel realisert" in percent [whole percent], persons and årsverk whole numbers.
    Cells without an actual figure stay NaN (shown as "–" by :func:`formatted`).
    """
    df = part.copy()
    key = df.columns[0]
    df = df.set_index(key)
    rename, decimals = {}, {}
    for col in df.columns:
        if "(NOK 1000)" in col:
            df[col] = pd.to_numeric(df[col], errors="coerce") / NOK1000_PER_MILL
            rename[col] = col.replace("(NOK 1000)", "(mill. kr)")
            decimals[rename[col]] = 1
        elif col == "Andel realisert":
            df[col] = 100.0 * pd.to_numeric(df[col], errors="coerce")
            rename[col] = "Andel realisert (%)"
            decimals[rename[col]] = 0
        else:
            df[col] = pd.to_numeric(df[col], errors="coerce")
            decimals[col] = 0
    df = df.rename(columns=rename)
    year = part.attrs.get("year", "")
    return _finish(df, f"Plan mot regnskap {year}".strip(), "mill. kr, faste priser; personer; årsverk; prosent",
                   decimals)


# --------------------------------------------------------------------------------- presentation

def formatted(df: pd.DataFrame) -> pd.DataFrame:
    """The table with its numbers as Norwegian text (``tall``: no-break-space thousands, decimal
    comma, minus U+2212; NaN as "–"), using ``df.attrs["decimals"]`` (an int for all numeric
    columns or {column: decimals}; default 0). Tables whose rows have different units carry
    ``df.attrs["row_decimals"]`` ({row label, or first level of a row MultiIndex: decimals}),
    which wins over the column setting. Text columns are left as they are."""
    spec = df.attrs.get("decimals", 0)
    by_row = df.attrs.get("row_decimals") or {}
    out = df.copy().astype(object)
    keys = [k[0] if isinstance(k, tuple) else k for k in df.index]
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            out[col] = df[col]
            continue
        d = spec.get(col, 0) if isinstance(spec, Mapping) else int(spec)
        out[col] = [tall(x, by_row.get(k, d)) for x, k in zip(df[col].to_numpy(), keys)]
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
    "BOUND_PARTS", "COMPARISON_ROWS", "CRISIS_METRICS", "FRAME_ADJUSTMENT", "FRAME_PARTS", "FRAME_TOTAL",
    "OKONOMIPLAN_ROWS", "STRESS_CHANGE", "STRESS_SHARE", "SUM", "as_text", "balance_table", "breadth_table",
    "calibration_table", "care_level_table", "cost_per_inhabitant_table", "crisis_overview", "crisis_table",
    "demographic_cost_change_table", "formatted", "handlingsrom_table", "measure_cost_frame",
    "measure_library_table", "measure_overview_table", "okonomiplan_table", "parameter_table", "places_table", "plan_actual_table",
    "plan_change_table", "scenario_comparison_table", "sector_cost_table", "sector_frame_table",
    "status_table", "stress_table", "threshold_table", "workforce_table",
]
