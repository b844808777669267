"""Calibrate the catalogue's base-year coverage to a kommune's observed users (KOSTRA).

KOSTRA counts users on 31 December of year Y; planmodel's base year is 1 January Y+1, so the
users of KOSTRA 2025 are matched against the population of 1.1.2026. For every calibration group
and age band where the kommune has observed users, the coverage of the group's services in that
band is scaled so that the model reproduces the observed number exactly; the split between
services in a group (for example 17 % praktisk bistand / 83 % hjemmesykepleie) is kept. Where
the kommune has no figure, the catalogue's national value stays and the output says so.

Shipped observations (data/kostra/): the KOSTRA care panel for all 357 kommuner 2007–2025 (home
services by age, 24-hour housing, long-term institution by age), KOSTRA 2025 shares of 80+ with
home services and with an institution stay for nine kommuner, and every kommune's netto
driftsutgifter per KOSTRA area 2025 (:func:`scale_unit_costs`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from functools import lru_cache

from typing import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.core.paths import data_path
from planmodel.core.ages import MAX_AGE
from planmodel.core.labels import age_range_label
from planmodel.core.cache import memo
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall
from planmodel.inputs.accounts import (ACCOUNTS_YEAR, SECTOR_AREAS, KommuneAccounts, area_of_function,
                                       kommune_accounts, national_accounts)
from planmodel.inputs.data import norway_population
from planmodel.inputs.catalogue import Catalogue

BANDS = {"0_66": (0, 66), "67_79": (67, 79), "80p": (80, MAX_AGE)}
GROUP_NB = {"hjemmetjenester": "Hjemmetjenester", "heldogn_bolig": "Heldøgns omsorgsbolig",
            "institusjon_langtid": "Sykehjem, langtid", "institusjon_alle": "Sykehjem, korttid"}
BAND_NB = {**{band: age_range_label(*ages) for band, ages in BANDS.items()}, "total": "alle aldre"}


#: A cost scale factor outside this range is shown to the user as a data warning.
PLAUSIBLE_COST_FACTOR = (0.5, 2.0)


@dataclass(frozen=True)
class Calibration:
    """Calibrated base coverage and unit costs, and tables saying what was used where.

    coverage : DataArray (service, age) [share]
    table : DataFrame with one row per calibration target: group, band, observed users, model
        users before calibration, factor, basis (Norwegian text).
    kommune : str, kostra_year : int
    unit_cost : DataArray (service, age) [NOK per user per year, price year], the catalogue's
        unit costs scaled per KOSTRA service area to the kommune's accounts (None: not scaled).
    cost_table : DataFrame, one row per KOSTRA service area: accounts, model before scaling,
        factor, note (Norwegian).
    warnings : data warnings in bokmål (cost factors far from 1, areas left unscaled).
    """

    coverage: xr.DataArray
    table: pd.DataFrame
    kommune: str
    kostra_year: int
    unit_cost: xr.DataArray | None = None
    cost_table: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()

    @property
    def unit_cost_values(self) -> np.ndarray | None:
        """The scaled unit costs as an array (service, age) [NOK per user per year], or None
        (the catalogue's own), as :func:`planmodel.services.costs.cost_arrays` takes them."""
        return None if self.unit_cost is None else self.unit_cost.values

    @cached_property
    def basis(self) -> str:
        return self.basis_text()

    def basis_text(self) -> str:
        """One Norwegian sentence for outputs: what the base year was calibrated against."""
        if self.table.empty:
            return f"Ingen kommunale brukertall for {self.kommune}; nasjonale dekningsgrader (KOSTRA {self.kostra_year} Landet) brukt."
        parts = [f"{r.gruppe} {r.alder}: {tall(r.observert)}" for r in self.table.itertuples()]
        return (f"Basisåret er kalibrert mot kommunens brukere i KOSTRA {self.kostra_year} ("
                + "; ".join(parts) + "). Ellers nasjonale dekningsgrader.")


@lru_cache(maxsize=None)
def _panel() -> pd.DataFrame:
    return pd.read_csv(data_path("kostra", "omsorg_brukere_2007_2025.csv"), dtype={"kommune": str})


@lru_cache(maxsize=None)
def _radar() -> pd.DataFrame:
    return pd.read_csv(data_path("kostra", "omsorg80_andeler_2025.csv"), dtype={"kommune": str})


def observed_users(kommune: str, kostra_year: int, pop_base: xr.DataArray) -> dict[tuple[str, str], tuple[float, str]]:
    """Observed users {(group, band): (persons, source text)} for a kommune and KOSTRA year.

    ``pop_base`` (age) [persons] is the population of 1 January kostra_year + 1, used to turn
    KOSTRA's percentages of 80+ into persons.
    """
    out: dict[tuple[str, str], tuple[float, str]] = {}
    panel = _panel()
    row = panel[(panel["kommune"] == kommune) & (panel["year"] == kostra_year)]
    src_panel = f"KOSTRA {kostra_year} (SSB 12292/11645), kommunens brukere 31.12."
    if not row.empty:
        r = row.iloc[0]
        home = {b: r[f"hjemmetjenester_{b}"] for b in BANDS}
        missing = [b for b, v in home.items() if pd.isna(v)]
        if len(missing) == 1 and not pd.isna(r["hjemmetjenester_total"]):
            # one band suppressed: derive it as total minus the others (documented in the table)
            home[missing[0]] = r["hjemmetjenester_total"] - sum(v for b, v in home.items() if b != missing[0])
        for b, v in home.items():
            if not pd.isna(v):
                note = " (beregnet som total minus de andre aldersgruppene)" if b in missing else ""
                out[("hjemmetjenester", b)] = (float(v), src_panel + note)
        if not pd.isna(r["heldogn_bolig_total"]):
            out[("heldogn_bolig", "total")] = (float(r["heldogn_bolig_total"]), src_panel)
        for b in BANDS:
            v = r[f"institusjon_langtid_{b}"]
            if not pd.isna(v):
                out[("institusjon_langtid", b)] = (float(v), src_panel)
    radar = _radar()
    rr = radar[(radar["kommune"] == kommune) & (radar["year"] == kostra_year)]
    if not rr.empty:
        p80 = float(pop_base.sel(age=slice(80, None)).sum())
        src_radar = f"KOSTRA {kostra_year} (SSB 12209): andel 80+ "
        if ("hjemmetjenester", "80p") not in out:
            pct = float(rr.iloc[0]["hjemmetjenester_80p_pct"])
            out[("hjemmetjenester", "80p")] = (pct / 100 * p80, src_radar + f"med hjemmetjenester {tall(pct, 1)} %")
        pct = float(rr.iloc[0]["institusjon_80p_pct"])
        out[("institusjon_alle", "80p")] = (pct / 100 * p80, src_radar + f"med institusjonsopphold {tall(pct, 1)} %")
    return out


def calibrate(catalogue: Catalogue, pop_base: xr.DataArray, kommune: str, kostra_year: int,
              accounts: KommuneAccounts | None = None, own_users: Mapping[str, float] | None = None) -> Calibration:
    """Scale the catalogue's coverage so the base year reproduces the kommune's observed users.

    Parameters
    ----------
    catalogue : the service catalogue.
    pop_base : DataArray (age) or (age, sex) [persons], population 1 January kostra_year + 1.
    kommune : kommune number (2024 numbering).
    kostra_year : the KOSTRA year whose users are matched (base year - 1).
    accounts : the kommune's accounts; when given, unit costs are scaled to them
        (:func:`scale_unit_costs`).
    own_users : {"group.band" of :data:`planmodel.core.labels.USER_KEYS`: persons} the kommune's own user counts, in
        place of KOSTRA's (and where KOSTRA has none).
    """
    if "sex" in pop_base.dims:
        pop_base = pop_base.sum("sex")
    arr = catalogue.arrays()
    cov = arr["coverage"].copy()
    obs = observed_users(kommune, kostra_year, pop_base)
    for key, v in (own_users or {}).items():
        group, band = key.split(".")
        obs[(group, band)] = (float(v), "egne tall (scenarioets services.users)")
    groups: dict[str, list[str]] = {}
    for sid, s in catalogue.services.items():
        if s.calibrate is not None:
            groups.setdefault(s.calibrate[0], []).append(sid)
    # institution: long-term residents and short stays (KOSTRA's share of 80+ counts all stays)
    groups["institusjon_alle"] = [sid for sid, s in catalogue.services.items() if s.capacity_group == "institusjon"]
    # in numpy: the calibration runs once per kommune, and xarray's alignment of every product cost
    # most of its time in a batch of all kommuner
    ages = cov["age"].values
    ids = [str(x) for x in cov["service"].values]
    pos = {sid: i for i, sid in enumerate(ids)}
    C = np.array(cov.transpose("service", "age").values, dtype=float)  # (S, A)
    P = pop_base.sel(age=ages).values.astype(float)  # (A,)
    rows = []
    for (group, band), (observed, source) in obs.items():
        members = groups.get(group, [])
        if not members:
            continue
        lo, hi = (0, MAX_AGE) if band == "total" else BANDS[band]
        in_band = np.flatnonzero((ages >= lo) & (ages <= hi))
        if group == "institusjon_alle" and ("institusjon_langtid", band) in obs:
            # long-term residents are already matched: the rest of the stays are short stays
            members = [m for m in members if catalogue.services[m].calibrate is None]
            observed = observed - obs[("institusjon_langtid", band)][0]
            source = source + ", minus langtidsbeboerne"
        block = np.ix_([pos[m] for m in members], in_band)
        model = float((C[block] * P[in_band]).sum())
        if model <= 0 or observed < 0:
            raise InputError(source, f"{group} {BAND_NB[band]}",
                             f"kan ikke kalibrere: modellen har {model:g} og observert er {observed:g} brukere")
        factor = observed / model
        C[block] *= factor
        rows.append({"gruppe": GROUP_NB[group], "alder": BAND_NB[band], "observert": observed,
                     "modell_før": model, "faktor": factor, "kilde": source})
    users = np.array([catalogue.services[sid].basis == "users" for sid in ids])
    users_max = np.where(users[:, None], C, 0.0).max(axis=1)  # (S,)
    if float(users_max.max(initial=0.0)) > 1.0:
        i = int(np.argmax(users_max))
        raise InputError(f"kalibrering {kommune}", f"services.{ids[i]}.coverage",
                         f"kalibrert dekningsgrad {users_max[i]:.3f} er over 1")
    cov = cov.transpose("service", "age").copy(data=C)  # the catalogue's coordinates, the calibrated values
    cov.attrs = {"units": "share of inhabitants", "calibrated_to": kommune, "kostra_year": kostra_year}
    table = pd.DataFrame(rows, columns=["gruppe", "alder", "observert", "modell_før", "faktor", "kilde"])
    unit_cost, cost_table, warnings = (None, None, ())
    if accounts is not None:
        unit_cost, cost_table, warnings = scale_unit_costs(catalogue, cov, pop_base, accounts)
    return Calibration(coverage=cov, table=table, kommune=kommune, kostra_year=kostra_year, unit_cost=unit_cost,
                       cost_table=cost_table, warnings=warnings)


def scale_unit_costs(catalogue: Catalogue, coverage: xr.DataArray, pop_base: xr.DataArray,
                     accounts: KommuneAccounts) -> tuple[xr.DataArray, pd.DataFrame, tuple[str, ...]]:
    r"""Scale the catalogue's unit costs so that the base year reproduces the kommune's netto
    driftsutgifter in each KOSTRA service area (barnehage, grunnskole, helse og omsorg, sosial,
    barnevern).

    .. math:: f_j = \frac{N_j}{\sum_{s \in j} \sum_a c_{s,a} P_a k_{s,a} / 1000}

    with the area's netto driftsutgifter :math:`N_j` [NOK 1000] from KOSTRA, calibrated coverage
    :math:`c`, base population :math:`P` and catalogue unit cost :math:`k` [NOK per user]; a
    service belongs to the area of its KOSTRA function. Services outside the five areas keep the
    catalogue's cost. Where the accounts are not positive, or no service of the model lies in an
    area, the area is not scaled (factor 1) and a warning says so; factors outside
    :data:`PLAUSIBLE_COST_FACTOR` are kept but also warned about.

    The warning compares with the same factor for Landet (:func:`national_cost_factors`):
    where the catalogue covers only part of an area (sosial: økonomisk sosialhjelp, not
    introduksjonsordning or rusomsorg) every kommune's factor is high, and only a kommune far
    from the national factor is unusual.

    Returns
    -------
    (unit_cost (service, age) [NOK per user per year], table, warnings)
    """
    arr = catalogue.arrays()
    k = arr["unit_cost"]
    base_cost = (coverage * pop_base * k).sum("age") / 1000.0  # (service,) NOK 1000
    national = national_cost_factors(catalogue)
    factor = np.ones(len(catalogue.ids))
    rows, warnings = [], []
    for area, (name, _) in SECTOR_AREAS.items():
        members = [i for i, sid in enumerate(catalogue.ids)
                   if area_of_function(catalogue.services[sid].kostra_function) == area]
        model = float(base_cost.values[members].sum()) if members else 0.0
        data = float(accounts.sectors[area])
        if not members or model <= 0:
            note = "ingen tjeneste i modellen hører til området; ikke skalert"
            f = 1.0
        elif data <= 0:
            note = "regnskapet er ikke positivt; ikke skalert (forskjellen ligger i øvrige)"
            f = 1.0
        else:
            f = data / model
            lo, hi = PLAUSIBLE_COST_FACTOR
            relative = f / national[area]
            note = "skalert til regnskapet" if lo <= relative <= hi else \
                (f"skalert til regnskapet; faktoren {tall(f, 2)} er langt fra landets {tall(national[area], 2)} "
                 "(kommunens kostnader per bruker skiller seg mye fra katalogens)")
            factor[members] = f
        if note != "skalert til regnskapet" and data > 0:  # a non-positive area: the accounts' own warning says so
            warnings.append(f"{name}: {note}.")
        rows.append({"område": name, "regnskap": data, "modell_før": model, "faktor": f,
                     "faktor_landet": national[area], "merknad": note})
    scaled = k * xr.DataArray(factor, dims="service", coords={"service": k["service"]})
    scaled.attrs = dict(k.attrs, scaled_to=f"KOSTRA {accounts.kommune}")
    table = pd.DataFrame(rows, columns=["område", "regnskap", "modell_før", "faktor", "faktor_landet", "merknad"])
    return scaled, table, tuple(warnings)


@memo(maxsize=8, key=lambda catalogue: catalogue.fingerprint, readonly=False)
def national_cost_factors(catalogue: Catalogue) -> dict[str, float]:
    """The factor of :func:`scale_unit_costs` for Landet: netto driftsutgifter of the 357
    kommuner (KOSTRA 2025) over the catalogue's national coverage × unit cost on Norway's
    population of 1.1.2026, per KOSTRA service area [ratio]."""
    arr = catalogue.arrays()
    pop = norway_population().sel(year=ACCOUNTS_YEAR + 1).sum("sex")
    cost = (arr["coverage"] * pop * arr["unit_cost"]).sum("age") / 1000.0
    landet = national_accounts()
    out = {}
    for area in SECTOR_AREAS:
        members = [i for i, sid in enumerate(catalogue.ids)
                   if area_of_function(catalogue.services[sid].kostra_function) == area]
        model = float(cost.values[members].sum()) if members else 0.0
        out[area] = landet[f"nde_{area}"] / model if model > 0 else 1.0
    return out


def coverage_basis(catalogue: Catalogue, calibration: Calibration) -> pd.DataFrame:
    """Per service and band: the coverage used and whether it was calibrated or national."""
    rows = []
    for sid, s in catalogue.services.items():
        for b in s.bands:
            lo, hi = b.ages
            used = float(calibration.coverage.sel(service=sid, age=lo))
            changed = not np.isclose(used, b.coverage.value)
            rows.append({"service": sid, "tjeneste": s.name, "alder": f"{lo}–{hi}" if hi < MAX_AGE else f"{lo}+",
                         "dekningsgrad_katalog": b.coverage.value, "dekningsgrad_brukt": used,
                         "grunnlag": (f"kalibrert mot {calibration.kommune}s brukere (KOSTRA {calibration.kostra_year})"
                                      if changed else "katalogverdi (nasjonal eller anslag)")})
    return pd.DataFrame(rows)


def calibration_for(catalogue: Catalogue, pop: xr.DataArray, kommune: str, base_year: int,
                    accounts: KommuneAccounts | None = None, own_users: Mapping[str, float] | None = None) -> Calibration:
    """:func:`calibrate` against the population's base year (its first year) and the kommune's
    accounts (default: the shipped ones; a scenario's own sector figures when given), cached per
    catalogue, kommune, base year, base population and sector figures."""
    base = pop.isel(year=0)
    digest = hashlib.sha1(np.ascontiguousarray(base.values, dtype=float).tobytes()).hexdigest()
    if accounts is None and kommune != "0000":
        accounts = kommune_accounts(kommune)
    sectors = None if accounts is None else tuple(sorted(accounts.sectors.items()))
    users = tuple(sorted((own_users or {}).items()))
    return _calibration(catalogue.fingerprint, kommune, base_year, digest, (sectors, users), catalogue, base, accounts)


@memo(maxsize=64, key=lambda fp, kommune, base_year, digest, own, catalogue, base, accounts:
      (fp, kommune, base_year, digest, own))
def _calibration(fingerprint, kommune, base_year, digest, own, catalogue, base, accounts) -> Calibration:
    # KOSTRA's users of the year before the base year; a later base year (an own population file)
    # uses the latest KOSTRA year in the data
    return calibrate(catalogue, base, kommune, min(base_year - 1, ACCOUNTS_YEAR), accounts, dict(own[1]))


def national_service_cost_per_capita(catalogue: Catalogue, pop_nat: xr.DataArray) -> np.ndarray:
    """The nation's demographic service cost per inhabitant by year (Y,) [NOK]: national coverage
    × unit cost (scaled to Landet's accounts per KOSTRA service area) × Norway's population by
    age, over the population — TBU's *demografikostnad*, the measure of the state's demographic
    compensation to the sector."""
    arr = catalogue.arrays()
    national = national_cost_factors(catalogue)
    factor = np.array([national.get(area_of_function(catalogue.services[s].kostra_function), 1.0)
                       for s in catalogue.ids])
    per_age = (arr["coverage"].values * arr["unit_cost"].values * factor[:, None]).sum(axis=0)  # (A,) NOK
    P = pop_nat.sum("sex").transpose("year", "age").values  # (Y, A)
    return (P @ per_age) / P.sum(axis=1)
