"""Every kommune's own economy in the base year: KOSTRA 2025 accounts and the inntektssystem 2025.

The økonomiplan starts from the kommune's real accounts, not from national ratios. This module
reads the shipped files (``data/kostra/kostra_2025_okonomi_kommuner.csv``,
``data/inntektssystem/inntektssystem_2025_kommuner.csv``,
``data/inntektssystem/kostnadsindeks_2025_2026.csv``; sources and checks in ``data/README.md``) and
gives one :class:`KommuneAccounts` per kommune, with the data warnings a user should see (a
figure missing from the sources, a sector with negative netto driftsutgifter, Oslo's
fylkeskommune part).

All amounts are NOK 1000 in 2025 kroner (the price year); populations are persons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from planmodel.core.cache import memo
from planmodel.core.errors import InputError
from planmodel.core.formatting import mill_kr
from planmodel.core.paths import data_path

#: The KOSTRA year of the accounts the base year shows.
ACCOUNTS_YEAR = 2025
#: KOSTRA's service areas with netto driftsutgifter per kommune (12362 AGD2): id -> (bokmål name,
#: the KOSTRA functions in it). A catalogue service belongs to the area of its kostra_function.
SECTOR_AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "barnehage": ("Barnehage", ("201", "211", "221")),
    "grunnskole": ("Grunnskole", ("202", "213", "214", "215", "222", "223")),
    "helse_omsorg": ("Helse og omsorg", ("232", "233", "234", "241", "253", "254", "256", "257", "258", "261")),
    "sosial": ("Sosialtjeneste", ("242", "243", "273", "275", "276", "281")),
    "barnevern": ("Barnevern", ("244", "251", "252")),
}


@dataclass(frozen=True)
class KommuneAccounts:
    """A kommune's economy in the accounts year (NOK 1000, 2025 kroner; populations in persons).

    Attributes
    ----------
    kommune : 2024 kommunenummer.
    population_31dec, population_1jan : persons on 31.12.2025 (KOSTRA) and 1.1.2025 (KDD).
    gross_operating_income : brutto driftsinntekter (KOSTRA AGD13).
    net_operating_result : netto driftsresultat (KOSTRA AGD23).
    net_debt : netto lånegjeld (KOSTRA KG31).
    net_operating_expenditure : netto driftsutgifter i alt (KOSTRA AGD1).
    sectors : netto driftsutgifter per KOSTRA service area (:data:`SECTOR_AREAS`).
    tax : skatt før inntektsutjevning; income_equalisation : netto inntektsutjevning;
    expenditure_equalisation : utgiftsutjevning; block_grant : rammetilskudd (bokført, KOSTRA
    art 800, includes inntektsutjevningen); free_income : skatt + rammetilskudd.
    cost_index : samlet kostnadsindeks 2025 (Grønt hefte), None where the source lacks it.
    fylke_part_excluded : the KDD figures leave out a fylkeskommune part (Oslo).
    warnings : data warnings in bokmål.
    """

    kommune: str
    population_31dec: float
    population_1jan: float
    gross_operating_income: float
    net_operating_result: float
    net_debt: float
    net_operating_expenditure: float
    sectors: Mapping[str, float]
    tax: float
    income_equalisation: float
    expenditure_equalisation: float
    block_grant: float
    free_income: float
    cost_index: float | None = None
    fylke_part_excluded: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def ndr_share(self) -> float:
        """Netto driftsresultat as a share of brutto driftsinntekter."""
        return self.net_operating_result / self.gross_operating_income

    @property
    def free_income_per_capita(self) -> float:
        """Frie inntekter per innbygger (1 January of the accounts year) [NOK per inhabitant]."""
        return self.free_income * 1000.0 / self.population_1jan



@memo(maxsize=1, readonly=False)
def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    kostra = pd.read_csv(data_path("kostra", "kostra_2025_okonomi_kommuner.csv"), dtype={"kommune": str}).set_index("kommune")
    landet = pd.read_csv(data_path("kostra", "kostra_2025_okonomi_landet.csv"), dtype={"kommune": str}).set_index("kommune")
    income = pd.read_csv(data_path("inntektssystem", "inntektssystem_2025_kommuner.csv"),
                         dtype={"kommune": str}).set_index("kommune")
    dki = pd.read_csv(data_path("inntektssystem", "kostnadsindeks_2025_2026.csv"), dtype={"kommune": str})
    dki = dki[dki["year"] == ACCOUNTS_YEAR].set_index("kommune")
    return kostra, landet, income, dki


#: The shipped files, as named in error messages.
KOSTRA_FILE = "data/kostra/kostra_2025_okonomi_kommuner.csv"
INCOME_FILE = "data/inntektssystem/inntektssystem_2025_kommuner.csv"


def _number(row: pd.Series, col: str, source: str) -> float:
    """A finite number from a row of a shipped table, or an error naming file, kommune and column."""
    try:
        v = float(row[col])
    except (KeyError, TypeError, ValueError):
        raise InputError(source, f"{row.name}.{col}", f"{row.get(col)!r} er ikke et tall; forventet et beløp") from None
    if not math.isfinite(v):
        raise InputError(source, f"{row.name}.{col}", f"{v!r} er ikke et endelig tall; forventet et beløp")
    return v


def kommune_accounts(kommune: str) -> KommuneAccounts:
    """The base-year economy of a kommune (2024 kommunenummer, e.g. ``"3201"``).

    Raises :class:`InputError` for a kommune not in the shipped accounts."""
    return _accounts(str(kommune))


@memo(maxsize=512, readonly=False)
def _accounts(code: str) -> KommuneAccounts:
    kostra, _, income, dki = _tables()
    if code not in kostra.index or code not in income.index:
        raise InputError(KOSTRA_FILE if code not in kostra.index else INCOME_FILE, "kommune",
                         f"{code}: ingen regnskap {ACCOUNTS_YEAR} for denne kommunen i dataene; forventet et "
                         "kommunenummer i 2024-inndelingen")
    k, i = kostra.loc[code], income.loc[code]
    warnings = []
    sectors = {}
    for sid, (name, _) in SECTOR_AREAS.items():
        v = _number(k, f"nde_{sid}", KOSTRA_FILE)
        sectors[sid] = v
        if v <= 0:
            warnings.append(f"{name}: netto driftsutgifter er {mill_kr(v * 1000.0)} (ikke positive) i regnskapet "
                            f"{ACCOUNTS_YEAR}; tjenestekostnadene der skaleres ikke, forskjellen ligger i øvrige.")
    cost_index = float(dki.loc[code, "cost_index"]) if code in dki.index else None
    if cost_index is None:
        warnings.append("Kostnadsindeksen 2025 mangler i kilden; utgiftsutjevningen i basisåret er kommunens bokførte.")
    excluded = bool(i["fylke_part_excluded"]) if not isinstance(i["fylke_part_excluded"], str) \
        else i["fylke_part_excluded"] == "True"
    if excluded:
        warnings.append("Frie inntekter fra KDD er uten fylkeskommunens del; regnskapet (KOSTRA) har også "
                        "fylkesoppgavene, og forskjellen ligger i øvrige.")
    return KommuneAccounts(
        kommune=code, population_31dec=_number(k, "population_31dec", KOSTRA_FILE), population_1jan=_number(i, "population_1jan", INCOME_FILE),
        gross_operating_income=_number(k, "gross_operating_income", KOSTRA_FILE),
        net_operating_result=_number(k, "net_operating_result", KOSTRA_FILE), net_debt=_number(k, "net_debt", KOSTRA_FILE),
        net_operating_expenditure=_number(k, "net_operating_expenditure", KOSTRA_FILE), sectors=MappingProxyType(sectors),
        tax=_number(i, "tax_before_equalisation", INCOME_FILE), income_equalisation=_number(i, "net_income_equalisation", INCOME_FILE),
        expenditure_equalisation=_number(i, "expenditure_equalisation", INCOME_FILE), block_grant=_number(i, "block_grant", INCOME_FILE),
        free_income=_number(i, "free_income", INCOME_FILE), cost_index=cost_index, fylke_part_excluded=excluded,
        warnings=tuple(warnings))


#: The own base-year figures a scenario may give (``accounts:``), in bokmål, NOK 1000.
OWN_FIGURES = {
    "free_income": "Frie inntekter (skatt og rammetilskudd)",
    "tax": "Skatt på inntekt og formue",
    "gross_operating_income": "Brutto driftsinntekter",
    "net_operating_result": "Netto driftsresultat",
    "net_debt": "Netto lånegjeld",
    "fund": "Disposisjonsfond",
}


def own_key(own: Mapping) -> tuple:
    """A hashable key of a scenario's own figures (for caches)."""
    return tuple(sorted((k, tuple(sorted(v.items())) if isinstance(v, Mapping) else v) for k, v in (own or {}).items()))


def with_own_accounts(accounts: KommuneAccounts, own: Mapping, source: str = "scenario") -> KommuneAccounts:
    """The accounts with a scenario's own base-year figures (``accounts:`` of a scenario file,
    NOK 1000) in place of the shipped ones. An own ``free_income`` without own driftsinntekter
    moves the driftsinntekter by the same amount (the other operating income stays); own
    ``sectors`` replace the KOSTRA netto driftsutgifter of those areas (the unit costs are then
    scaled to them). Netto driftsutgifter i alt moves with the sectors. A note says what was
    replaced."""
    if not own:
        return accounts
    changes: dict = {}
    for key in ("free_income", "tax", "gross_operating_income", "net_operating_result", "net_debt"):
        if key in own:
            changes[key] = float(own[key])
    if "free_income" in own and "gross_operating_income" not in own:
        changes["gross_operating_income"] = accounts.gross_operating_income + float(own["free_income"]) - accounts.free_income
    sectors = dict(accounts.sectors)
    for area, v in own.get("sectors", {}).items():
        sectors[area] = float(v)
    if own.get("sectors"):
        changes["sectors"] = MappingProxyType(sectors)
        changes["net_operating_expenditure"] = accounts.net_operating_expenditure + sum(
            sectors[a] - accounts.sectors[a] for a in own["sectors"])
    names = [OWN_FIGURES.get(k, "") for k in own if k in OWN_FIGURES] + \
        [f"netto driftsutgifter {SECTOR_AREAS[a][0].lower()}" for a in own.get("sectors", {})]
    note = f"Egne tall fra {source} i stedet for KOSTRA/KDD {ACCOUNTS_YEAR}: {', '.join(n for n in names if n)}."
    return replace(accounts, **changes, warnings=accounts.warnings + (note,))


@memo(maxsize=1)
def national_accounts() -> Mapping[str, float]:
    """Landet (sum of the 357 kommuner): the KOSTRA economy columns [NOK 1000, persons]."""
    _, landet, income, _ = _tables()
    row = landet.loc["EAK"]
    out = {c: float(row[c]) for c in row.index if c != "year"}
    out["tax"] = float(income["tax_before_equalisation"].sum())
    out["population_1jan"] = float(income["population_1jan"].sum())
    out["free_income"] = float(income["free_income"].sum())
    return MappingProxyType(out)


def national_free_income_per_capita() -> float:
    """Frie inntekter per innbygger, landet (sum of the kommuner, inntektssystemet 2025, per
    inhabitant 1 January 2025) [NOK per inhabitant] — the same definition as
    :attr:`KommuneAccounts.free_income_per_capita`."""
    landet = national_accounts()
    return landet["free_income"] * 1000.0 / landet["population_1jan"]


def area_of_function(kostra_function: str) -> str | None:
    """The KOSTRA service area (:data:`SECTOR_AREAS`) of a KOSTRA function, or None."""
    for sid, (_, functions) in SECTOR_AREAS.items():
        if kostra_function in functions:
            return sid
    return None
