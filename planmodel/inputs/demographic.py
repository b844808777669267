"""Demographic scenarios: the assumptions behind a population projection.

A *scenario* fixes three paths over the projection years — fertility (TFR), life expectancy
(e0 by sex) and net migration (level) — plus, optionally, the population path itself (an SSB
projection used directly). Year-keyed values are **levels that hold**: ``{2026: 1.44, 2040:
1.55}`` means 1.44 in 2026, a straight line to 1.55 in 2040, and 1.55 from then on
(:func:`path_values`). The projection itself is :mod:`planmodel.population.demography`.

Scenarios shipped (``SCENARIOS``):

- ``main``, ``low``, ``high``: SSB's spirit (MMMM / LLML / HHMH): national fertility, life
  expectancy and net immigration paths, read off SSB's 2026 national projection (table 14746,
  see ``NATIONAL_ASSUMPTIONS``), with the kommune's own fertility level and migration model
  (:mod:`planmodel.population.migration_model`): its population share of Norway's net
  immigration follows the alternative's national path, so low and high move a kommune in
  proportion to its size, and its domestic migration is its own, estimated from 2006–2026.
- ``bolig_hoy``, ``bolig_moderat``, ``bolig_lav``: housing-driven growth **relative to the
  kommune's own recent growth** (``growth_factor`` 1.375 / 1 / 0.667: the spread of Bærum's
  kommuneplan, 825 / 600 / 400 dwellings a year, applied to every kommune): net migration = the
  main alternative's + (factor − 1) × the kommune's average yearly population change over the
  last ten registered years (its size, at least 0.1 % of today's population), spread by the
  kommune's first-year migration profile. A user who knows the kommune's dwellings gives
  ``dwellings`` and ``reference_dwellings`` (the building that gives the main alternative's
  migration) instead; Bærum's scenario files do so with 825 / 600 / 400 and 600.
- ``ssb_mmmm``, ``ssb_llml``, ``ssb_hhmh``: SSB's own projection used directly as the
  population path (only where a projection for the region is shipped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import xarray as xr

from planmodel.core.errors import InputError

PathSpec = float | Mapping[int, float]


def path_values(spec: PathSpec, years: np.ndarray, name: str = "path") -> xr.DataArray:
    """Values of a year-keyed path at ``years``: a constant, or ``{year: value}`` levels that
    hold, joined by straight lines between the keys and held flat outside them."""
    if isinstance(spec, Mapping):
        if not spec:
            raise InputError(f"forutsetning {name}", "", "en årsbane trenger minst ett år (for eksempel {2026: 1.5})")
        keys = sorted(int(k) for k in spec)
        vals = [float(spec[k]) for k in keys]
        v = np.interp(years, keys, vals)
    else:
        v = np.full(len(years), float(spec))
    return xr.DataArray(v, coords={"year": years}, dims="year", name=name)


@dataclass(frozen=True)
class NationalAssumptions:
    """National paths for one SSB-style alternative.

    tfr : total fertility rate [children per woman]
    e0_male, e0_female : period life expectancy at birth [years]
    net_migration : Norway's net immigration [persons per year]
    """

    code: str
    label: str
    tfr: PathSpec
    e0_male: PathSpec
    e0_female: PathSpec
    net_migration: PathSpec
    source: str


_SSB_NOTE = ("avstemt mot SSBs nasjonale framskriving 2026 (tabell 14746) slik at planmodel gjengir "
             "SSBs fødselstall, eldretall og totalbefolkning; se docs/befolkningsmodell.md")

#: National assumptions per alternative. Values are read off SSB's 2026 projection (table 14746)
#: by fitting planmodel's engine to SSB's national series (tools/calibrate_national.py); they are
#: not SSB's published assumption tables, which are not shipped.
NATIONAL_ASSUMPTIONS: dict[str, NationalAssumptions] = {
    "MMMM": NationalAssumptions(
        "MMMM", "Hovedalternativ",
        tfr={2026: 1.52, 2030: 1.57, 2035: 1.63, 2040: 1.60, 2050: 1.60},
        e0_male={2023: 81.4, 2050: 86.1}, e0_female={2023: 84.6, 2050: 88.1},
        net_migration={2026: 14900, 2030: 24400, 2040: 22100, 2050: 18400}, source=_SSB_NOTE),
    "LLML": NationalAssumptions(
        "LLML", "Lav nasjonal vekst",
        tfr={2026: 1.46, 2030: 1.24, 2035: 1.19, 2040: 1.18, 2050: 1.15},
        e0_male={2023: 81.4, 2050: 83.5}, e0_female={2023: 84.6, 2050: 85.5},
        net_migration={2026: -1300, 2030: 12400, 2040: 14200, 2050: 13000}, source=_SSB_NOTE),
    "HHMH": NationalAssumptions(
        "HHMH", "Høy nasjonal vekst",
        tfr={2026: 1.55, 2030: 1.83, 2035: 1.87, 2040: 1.83, 2050: 1.86},
        e0_male={2023: 81.4, 2050: 88.6}, e0_female={2023: 84.6, 2050: 90.6},
        net_migration={2026: 26900, 2030: 36100, 2040: 35600, 2050: 32800}, source=_SSB_NOTE),
}


@dataclass(frozen=True)
class Scenario:
    """A demographic scenario (see the module docstring for the shipped ones).

    Attributes
    ----------
    id : str, identifier (``main``, ``bolig_hoy`` ...)
    label : str, Norwegian name shown to users
    national : {"MMMM", "LLML", "HHMH"}, SSB-style national alternative giving the paths of
        fertility, life expectancy and Norway's net immigration
    trend_until : int or None; if set, the national paths are not SSB's but the trend in data
        up to and including that year (TFR held at its last year, net immigration at its mean
        of the last ten years, e0 continuing its linear trend of the last 20 years) — used for
        hindcasts
    dwellings : PathSpec or None [dwellings per year], housing-driven migration
    reference_dwellings : float or None [dwellings per year], the dwellings that give the main
        alternative's migration (required with ``dwellings``)
    persons_per_dwelling : float [persons per dwelling], net in-migrants per extra dwelling
    growth_factor : float or None, housing-driven growth relative to the kommune's own recent
        growth (1 = the main alternative; ignored when ``dwellings`` is given)
    ssb_alternative : str or None, use SSB's projection directly (MMMM/LLML/HHMH)
    tfr, e0_male, e0_female, migration_level : optional overrides (PathSpec); ``tfr`` is the
        kommune's own TFR, ``migration_level`` its own total net migration [persons per year]
        (it replaces the migration model by the kommune's first-year age pattern at that level)
    """

    id: str
    label: str
    national: str = "MMMM"
    trend_until: int | None = None
    dwellings: PathSpec | None = None
    reference_dwellings: float | None = None
    persons_per_dwelling: float = 2.0
    growth_factor: float | None = None
    ssb_alternative: str | None = None
    tfr: PathSpec | None = None
    e0_male: PathSpec | None = None
    e0_female: PathSpec | None = None
    migration_level: PathSpec | None = None
    description: str = ""
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def trend_scenario(until: int) -> Scenario:
    """Scenario whose national paths come only from data up to ``until`` (for hindcasts)."""
    return Scenario(f"trend_{until}", f"Trend fra data t.o.m. {until}", trend_until=until,
                    description=f"Fruktbarheten holdt på nivået i {until}, nettoinnvandringen på snittet "
                                f"{until - 9}–{until}; levealderen følger trenden {until - 19}–{until}")


#: The growth factors of the housing alternatives: the spread of Bærum's kommuneplan (825 / 600 /
#: 400 dwellings a year) as a share of the middle one, applied to every kommune's own growth.
HOUSING_FACTORS = {"bolig_hoy": 825 / 600, "bolig_moderat": 1.0, "bolig_lav": 400 / 600}
#: Years of registered history whose average yearly change is a kommune's "recent growth".
RECENT_GROWTH_YEARS = 10
#: The smallest recent growth used, as a share of today's population per year (so that a kommune
#: that did not grow still has housing alternatives that differ).
RECENT_GROWTH_FLOOR = 0.001
_HOUSING_NOTE = ("Antakelse: høy boligbygging gir hovedalternativets nettoinnflytting pluss 3/8 av kommunens "
                 "gjennomsnittlige årlige endring i folketallet de siste ti årene (regnet uten fortegn, minst 0,1 % av "
                 "folketallet); lav boligbygging gir 1/3 av den samme endringen færre nettoinnflyttere (som spennet "
                 "825/600/400 boliger i Bærums kommuneplan); "
                 "tillegget fordeles etter kommunens flytteprofil. Kjenner du kommunens boligbygging, oppgi dwellings og "
                 "reference_dwellings i scenariofilen.")

#: The note of a scenario with explicit dwellings (a scenario file's ``dwellings``).
DWELLINGS_NOTE = ("Antakelse: boligbyggingen i scenarioet gir (boliger − referanse) × personer per bolig flere "
                  "nettoinnflyttere per år enn hovedalternativet, fordelt etter kommunens flytteprofil.")

SCENARIOS: dict[str, Scenario] = {
    "main": Scenario("main", "Hovedalternativ (MMMM)", description="SSBs hovedalternativ nasjonalt; kommunens egen fruktbarhet og flytting"),
    "low": Scenario("low", "Lav vekst (LLML)", national="LLML",
                    description="Lav fruktbarhet, lav levealder, lav innvandring (SSBs lavalternativ)"),
    "high": Scenario("high", "Høy vekst (HHMH)", national="HHMH",
                     description="Høy fruktbarhet, høy levealder, høy innvandring (SSBs høyalternativ)"),
    "bolig_hoy": Scenario("bolig_hoy", "Høy boligbygging (+3/8 av endringen siste ti år)",
                          growth_factor=HOUSING_FACTORS["bolig_hoy"], assumptions=(_HOUSING_NOTE,),
                          description="Boligdrevet vekst: flere innflyttere enn i hovedalternativet, etter kommunens egen endring de siste ti årene"),
    "bolig_moderat": Scenario("bolig_moderat", "Moderat boligbygging (som hovedalternativet)",
                              growth_factor=HOUSING_FACTORS["bolig_moderat"], assumptions=(_HOUSING_NOTE,),
                              description="Boligbygging som gir hovedalternativets flytting"),
    "bolig_lav": Scenario("bolig_lav", "Lav boligbygging (−1/3 av endringen siste ti år)",
                          growth_factor=HOUSING_FACTORS["bolig_lav"], assumptions=(_HOUSING_NOTE,),
                          description="Boligdrevet vekst: færre innflyttere enn i hovedalternativet, etter kommunens egen endring de siste ti årene"),
    "ssb_mmmm": Scenario("ssb_mmmm", "SSBs framskriving, hovedalternativ", ssb_alternative="MMMM"),
    "ssb_llml": Scenario("ssb_llml", "SSBs framskriving, lav nasjonal vekst", ssb_alternative="LLML"),
    "ssb_hhmh": Scenario("ssb_hhmh", "SSBs framskriving, høy nasjonal vekst", ssb_alternative="HHMH"),
}


def get_scenario(name: str | Scenario) -> Scenario:
    if isinstance(name, Scenario):
        return name
    try:
        return SCENARIOS[name]
    except KeyError:
        raise InputError("argument", "scenario (--scenario)",
                         f"ukjent scenario {name!r}; gyldige: {', '.join(SCENARIOS)}") from None


