"""``run(scenario) -> xarray.Dataset``: the single entry point of the whole model.

Pipeline: population projection -> calibration to the kommune's KOSTRA users -> service demand
under the options and tiltak -> costs and årsverk -> behovsanalyse -> økonomiplan. The
service model runs once with three variants side by side on a ``variant`` axis (options without
tiltak, options with tiltak, and the minimum standard for mandatory services), so that the
sector frames split into base frame + demographic change + option deltas + tiltak, and the
handlingsrom knows what the mandatory minimum costs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from planmodel.population.demography import overrides_key, population_draws, population_for
from typing import Mapping

from planmodel.budget import (INCOME_PARTS, BudgetInputs, IncomeBase, age_index, compute_budget, income_equalisation,
                              own_amounts)
from planmodel.core.cache import file_key, memo
from planmodel.inputs.accounts import (ACCOUNTS_YEAR, kommune_accounts, national_free_income_per_capita, own_key,
                                       with_own_accounts)
from planmodel.inputs.demographic import get_scenario
from planmodel.inputs.economy import Economy
from planmodel.inputs.kommuner import all_kommuner
from planmodel.services.capacity import behovsanalyse, investment_path
from planmodel.services.costs import cost_arrays, sector_matrix, waiting_costs, waiting_sector_matrix
from planmodel.services.demand import CatalogueIndex, ServiceOptions, apply_capacity, demand_arrays
from planmodel.core.lead import Lead
from planmodel.core.formatting import NBSP, endring
from planmodel.core.labels import INCOME_RULE_NB
from planmodel.services.calibration import calibration_for, national_service_cost_per_capita
from planmodel.services.effects import measure_arrays
from planmodel.inputs.scenario import PlanScenario, resolve
from planmodel.inputs.uncertainty import Draws
from planmodel.inputs.catalogue import Catalogue
from planmodel.services.workforce import staff_share_60_66, workforce_arrays

VARIANTS = ("valg", "valg_tiltak", "minimum")


@memo(maxsize=256)
def _along_variants(values: tuple) -> xr.DataArray:
    """The option values of the three variants as a DataArray along ``variant`` (built once per values)."""
    return xr.DataArray(np.asarray(values, dtype=float), dims="variant", coords={"variant": list(VARIANTS)})


def _variant_options(scenario: PlanScenario) -> ServiceOptions:
    def along(values):
        return _along_variants(tuple(float(v) for v in values))

    if isinstance(scenario.threshold, dict) or hasattr(scenario.threshold, "items"):
        th = {g: along([t, t, 1.0]) for g, t in scenario.threshold.items()}
    else:
        th = along([scenario.threshold, scenario.threshold, 1.0])
    return ServiceOptions(threshold=th, breadth=along([scenario.breadth, scenario.breadth, -1.0]),
                          overflow=scenario.overflow, capacity_additions=dict(scenario.capacity_additions),
                          dropped=tuple(scenario.dropped), effect_bound=scenario.effect_bound, source=scenario.source,
                          refuse_overclosing=True)


@dataclass
class Prepared:
    """Everything computed for a scenario before the økonomiplan lines: reused by stress
    tests, rullering and plan-vs-actual without recomputing the service model."""

    scenario: PlanScenario
    catalogue: Catalogue
    pop: xr.DataArray
    years: np.ndarray
    sectors: list
    measures: list
    ma: object
    d: object
    costs: dict
    inputs: BudgetInputs
    economy: Economy
    fte_sector: np.ndarray
    workforce: dict
    places: dict | None
    calibration: object
    accounts: object = None
    waiting: np.ndarray | None = None
    draws: Draws | None = None  # Monte Carlo: the lead axis is ``draw`` (see prepare)


def run(scenario: PlanScenario) -> xr.Dataset:
    """Run one scenario end to end.

    Returns
    -------
    Dataset over ``year`` (base year .. horizon) with the økonomiplan lines [NOK 1000, fixed
    prices], sector frames (sector, year), tiltak costs (measure, year), service results
    (service / care_level / capacity_group / threshold_group, year), workforce (sector, year),
    behovsanalyse (place_type, year) and the population (year, age, sex) [persons]. The boolean
    coordinate ``plan_year`` marks the økonomiplan period. attrs say kommune, scenario, price
    year, calibration and the economic assumptions with their sources.
    """
    return assemble(prepare(scenario))


#: The national alternative whose projection of Norway the inntektssystem compares a kommune with.
_NATIONAL = {"MMMM": "main", "LLML": "low", "HHMH": "high"}


def national_population(scenario: PlanScenario) -> xr.DataArray:
    """Norway's projected population in the scenario's national alternative (year, age, sex)
    [persons]: what the kommune's ageing is measured against in the utgiftsutjevning."""
    demo = get_scenario(scenario.demographic)
    alt = demo.id if demo.ssb_alternative is not None else _NATIONAL.get(demo.national, "main")
    return population_for("0000", alt, scenario.horizon)


def persons_by_age(pop: xr.DataArray) -> np.ndarray:
    """Persons by year and age, both sexes, with any lead dimensions (draws) flattened last (Y, A, N).

    Adds the two sexes as two slices rather than summing over the sex axis: with draws the sex
    axis lies between age and draw in memory, where a reduction is several times slower."""
    lead = [d for d in pop.dims if d not in ("year", "age", "sex")]
    v = pop.transpose("year", "age", "sex", *lead).values
    return (v[:, :, 0] + v[:, :, 1]).reshape(v.shape[0], v.shape[1], -1)


def income_base(accounts, pop: xr.DataArray, nat: xr.DataArray, eco: Economy, catalogue,
                own: Mapping[str, float] | None = None) -> IncomeBase:
    """The kommune's base-year accounts as the budget's :class:`~planmodel.budget.IncomeBase`, with
    its age index against the nation's and the nation's demographic compensation over the years.

    ``own`` are a scenario's own base-year figures (``accounts:``; ``accounts`` already carries
    them): an own ``tax`` replaces the skatt and moves the inntektsutjevning by the rules; an own
    ``free_income`` then leaves the rest to the other parts of the rammetilskudd, or, without an own
    tax, scales every part; an own ``fund`` is the disposisjonsfond."""
    own = own or {}
    grant = eco.per_capita_grant.value * accounts.population_1jan / 1000.0
    parts = {"skatt": accounts.tax, "inntektsutjevning": accounts.income_equalisation, "innbyggertilskudd": grant,
             "utgiftsutjevning": accounts.expenditure_equalisation}
    booked = kommune_accounts(accounts.kommune)
    parts["andre_rammetilskudd"] = booked.block_grant - parts["inntektsutjevning"] - grant - parts["utgiftsutjevning"]
    tax_per_capita = accounts.tax * 1000.0 / accounts.population_1jan
    if "tax" in own:
        before = booked.tax * 1000.0 / accounts.population_1jan
        parts["inntektsutjevning"] += (income_equalisation(tax_per_capita, eco)
                                       - income_equalisation(before, eco)) * accounts.population_1jan / 1000.0
    if "free_income" in own:
        if "tax" in own:
            parts["andre_rammetilskudd"] = accounts.free_income - sum(v for k, v in parts.items() if k != "andre_rammetilskudd")
        else:
            total = sum(parts.values())
            parts = {k: v * accounts.free_income / total for k, v in parts.items()} if total else parts
    key = eco.cost_key
    years = pop["year"].values
    draw = ("draw",) if "draw" in pop.dims else ()  # Monte Carlo: one column per draw, else one
    by_age = persons_by_age(pop)  # (Y, A, N)
    nat_age, nat_total, national_idx = _national_parts(nat, catalogue, tuple(int(y) for y in years))
    kommune_idx = age_index(by_age.transpose(2, 0, 1), nat_age,
                            [(g[1], g[2]) for g in key.groups], [g[3] for g in key.groups]).T  # (Y, N)
    n_kommuner = len(all_kommuner())
    own_total = by_age.sum(axis=1)  # (Y, N)
    basis = key.basis_weight * eco.expenditure_need_per_capita.value * (nat_total / n_kommuner - own_total) / 1000.0
    return IncomeBase(population0=float(pop.isel(year=0, **{d: 0 for d in draw}).values.sum()), parts=parts,
                      other_income=accounts.gross_operating_income - accounts.free_income,
                      net_operating_result=accounts.net_operating_result, net_debt=accounts.net_debt,
                      tax_per_capita=tax_per_capita,
                      age_index_change=kommune_idx - kommune_idx[:1], national_need_index=national_idx[:, None],
                      basis_amount=basis, fund=own.get("fund"))


@memo(maxsize=16, key=lambda nat, catalogue, years: (
    nat.attrs.get("kommune"), nat.attrs.get("scenario"), years, float(nat.values.sum()), catalogue.fingerprint))
def _national_parts(nat: xr.DataArray, catalogue, years: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the income base needs of Norway's population, once per national path and years: persons
    by year and age (Y, A), in total (Y, 1), and the nation's demographic need index (Y,)."""
    nat = nat.sel(year=list(years))
    cost = national_service_cost_per_capita(catalogue, nat)
    return (nat.sum("sex").transpose("year", "age").values, nat.sum(("age", "sex")).transpose("year").values[:, None],
            1.0 + (cost - cost[0]) / national_free_income_per_capita())


@memo(maxsize=64, key=lambda scenario, accounts, pop, eco, catalogue: (
    scenario.kommune, scenario.demographic, scenario.horizon, overrides_key(scenario.demography_overrides),
    scenario.base_population and file_key(scenario.base_population), own_key(scenario.accounts),
    catalogue.fingerprint, eco.per_capita_grant.value, eco.expenditure_need_per_capita.value, eco.cost_key,
    eco.national_tax_per_capita.value, eco.equalisation_share.value, eco.equalisation_extra_share.value,
    eco.equalisation_threshold.value, eco.equalisation_levy_per_capita.value))
def _income_base_for(scenario: PlanScenario, accounts, pop: xr.DataArray, eco: Economy, catalogue) -> IncomeBase:
    """:func:`income_base` of a scenario, once per kommune, population path, own figures and the
    assumptions it uses."""
    return income_base(accounts, pop, national_population(scenario), eco, catalogue, scenario.accounts)


def prepare(scenario: PlanScenario, draws: Draws | None = None) -> Prepared:
    """Population, calibration, service model and budget inputs of a scenario (see :func:`run`).

    With ``draws`` (:class:`~planmodel.inputs.uncertainty.Draws`, Monte Carlo) the lead axis is
    ``draw`` instead of ``variant``: one column per draw, each the scenario's own variant (options
    with tiltak) under that draw's assumptions — fertility, life expectancy and migration move the
    population (:func:`~planmodel.population.demography.population_draws`), ``coverage_change``
    the coverage of the services in its sectors (linearly from 0 in the base year to the change at
    the horizon), ``unit_cost_growth`` the unit costs ((1 + g)^t; the base year is the accounts),
    ``measure_effects`` each tiltak's effects between weak and strong, ``free_income_growth`` and
    ``interest_rate`` are added to the economy's. The option and tiltak split of the sector frames
    and the handlingsrom are then not computed (every column is the scenario's own variant)."""
    catalogue, library, measures, eco = resolve(scenario)
    pop = population_for(scenario.kommune, scenario.demographic, scenario.horizon, scenario.demography_overrides,
                         scenario.base_population)
    years = pop["year"].values.astype(int)
    base_year = int(years[0])
    code = pop.attrs["kommune"]
    accounts = with_own_accounts(kommune_accounts(code), scenario.accounts, scenario.source)
    cal = calibration_for(catalogue, pop, code, base_year, accounts, scenario.users)
    base_pop = float(pop.values[0].sum())
    if draws is None:
        lead = Lead(("variant",), {"variant": np.array(VARIANTS)}, (len(VARIANTS),))
        active = np.tile(np.array([[0.0, 1.0, 0.0]]), (len(measures), 1))
        # the lead columns of each variant (valg, valg_tiltak, minimum)
        col = {v: slice(i, i + 1) for i, v in enumerate(VARIANTS)}
        options = _variant_options(scenario)
    else:
        lead = Lead(("draw",), {"draw": np.arange(draws.n)}, (draws.n,))
        active = np.ones((len(measures), draws.n))
        col = {v: slice(None) for v in VARIANTS}  # every column is the scenario's own variant
        options = replace(_variant_options(scenario), threshold=scenario.threshold, breadth=float(scenario.breadth))
        pop = population_draws(scenario.kommune, scenario.demographic, scenario.horizon, scenario.demography_overrides,
                               scenario.base_population, tfr_factor=draws.values["tfr_factor"],
                               e0_shift=draws.values["e0_shift"], migration_factor=draws.values["migration_factor"])
        options = replace(options, coverage_factors=_coverage_draws(catalogue, years, draws), saturate=True)
    ma = measure_arrays(measures, catalogue, years, base_pop, active=active, bound=scenario.effect_bound, lead=lead,
                        positions=None if draws is None else draws.measures)
    pre = demand_arrays(pop, catalogue, cal.coverage, options, measures=ma, capacity=False)
    idx = CatalogueIndex.of(catalogue)
    pressure = code in catalogue.pressure_kommuner
    # every variant plans its own places from its own demand (so that the "valg" line is not charged
    # with queues for places planned for the tiltak variant). Without behovsanalyse no sykehjem or
    # heldøgn places are built (people wait, at the waiting cost); barnehage and school places are a
    # legal right and are built either way
    demand = {s: pre.demand[idx.pos[s]] for pt in catalogue.place_types.values() for s in pt.services}
    years_arr = pop["year"].values.astype(int)
    by_hand = {}
    for pid, pt in catalogue.place_types.items():  # places opened or closed by hand count as capacity
        flows = scenario.capacity_additions.get(pt.capacity_group) if pt.capacity_group else None
        if flows:
            path = np.zeros((years_arr.size, 1))
            for y, n in flows.items():
                path[years_arr == int(y), 0] += float(n)
            by_hand[pid] = path
    places = behovsanalyse(catalogue, demand, dict(scenario.existing_places), pressure, by_hand)
    if not scenario.behovsanalyse:
        for pl in (places[pid] for pid, pt in catalogue.place_types.items() if pt.capacity_group):
            pl["openings"] = np.zeros_like(pl["openings"])
            pl["capacity"] = np.broadcast_to(pl["existing"], pl["demand"].shape).copy()
            pl["investment"] = np.zeros_like(pl["investment"])
            pl["external"] = np.zeros_like(pl["external"])
        for pid, path in by_hand.items():  # the hand-added places are capacity either way
            if catalogue.place_types[pid].capacity_group:
                places[pid]["capacity"] = np.maximum(places[pid]["capacity"] + np.cumsum(path, axis=0), 0.0)
    opened = {pt.capacity_group: places[pid]["openings"] for pid, pt in catalogue.place_types.items() if pt.capacity_group}
    options = replace(options, base_capacity={pt.capacity_group: float(places[pid]["existing"][0])
                                              for pid, pt in catalogue.place_types.items() if pt.capacity_group})
    d = apply_capacity(pre, catalogue, options, opened, inplace=True)  # pre's users are not used again
    c0 = lead.flat(cal.coverage, ("service", "age"))
    costs = cost_arrays(d, catalogue, coverage0=c0, measures=ma, unit_cost=cal.unit_cost_values)
    sectors, M = sector_matrix(catalogue)
    wait = waiting_costs(d, catalogue, cal.unit_cost_values)  # (G, Y, N) NOK 1000
    if draws is not None:  # real growth of unit costs beyond prices; the base year is the accounts
        grow = (1.0 + draws.values["unit_cost_growth"][None, None, :]) ** (years - base_year)[None, :, None]
        costs = {**costs, "cost": costs["cost"] * grow, "demographic_cost": costs["demographic_cost"] * grow}
        wait = wait * grow
    cost_sector = np.einsum("ks,syn->kyn", M, costs["cost"]) + \
        np.einsum("kg,gyn->kyn", waiting_sector_matrix(catalogue, sectors), wait)  # (K, Y, 3)
    demo_sector = np.einsum("ks,syn->kyn", M, costs["demographic_cost"])[:, :, col["valg"]]
    sector_pos = {s: i for i, s in enumerate(sectors)}
    K, Y = len(sectors), years.size
    meas_sector = np.zeros((K, Y, 1))
    committed = np.zeros((Y, 1))
    for m, meas in enumerate(measures):
        meas_sector[sector_pos[meas.sector], :, 0] += ma.operating[m]
        if meas.status == "vedtatt":
            committed[:, 0] += ma.operating[m]
    mandatory = idx.mandatory.astype(float)
    minimum = np.einsum("s,syn->yn", mandatory, costs["cost"][:, :, col["minimum"]])
    # the scenario's own variant (options with tiltak) pays for its places; places added by hand too
    own_variant = col["valg_tiltak"]
    invest_capacity = sum(pl["investment"][:, own_variant] for pl in places.values()) if places else np.zeros((Y, 1))
    external = sum(pl["external"][:, own_variant] for pl in places.values()) if places else np.zeros((Y, 1))
    by_group = {pt.capacity_group: pt for pt in catalogue.place_types.values() if pt.capacity_group}
    for g, flows in scenario.capacity_additions.items():
        if g not in by_group:
            continue
        opening = np.zeros((Y, 1))
        for y, n in flows.items():
            opening[years == int(y), 0] += max(float(n), 0.0)
        inv = investment_path(opening, by_group[g].cost(pressure).value)
        invest_capacity = invest_capacity + inv
        external = external + inv * by_group[g].external_share.value
    P_total = d.P.sum(axis=0)[:, col["valg"]]  # (Y, 1), or (Y, D) with draws
    inp = BudgetInputs(
        years=years, sectors=sectors, population=P_total,
        income=_income_base_for(scenario, accounts, pop, eco, catalogue) if draws is None else
        income_base(accounts, pop, national_population(scenario), eco, catalogue, scenario.accounts),
        base_frame=demo_sector[:, :1],  # today's practice in the base year; options (incl. a base-year queue) below
        demographic=demo_sector - demo_sector[:, :1],
        options=cost_sector[:, :, col["valg"]] - demo_sector,
        measures_effect=cost_sector[:, :, col["valg_tiltak"]] - cost_sector[:, :, col["valg"]],
        measures_operating=meas_sector,
        measures_investment=ma.investment.sum(axis=0)[:, None],
        capacity_investment=invest_capacity, capacity_external=external,
        mandatory_minimum=minimum, committed_operating=committed,
        own=own_amounts(scenario.budget, years, ACCOUNTS_YEAR, catalogue.price_year, eco.deflator.value),
        growth_extra=None if draws is None else draws.values["free_income_growth"][None, :],
        # the base year is the accounts: a draw's interest applies from the next year
        extra_interest=None if draws is None else (years > base_year)[:, None] * draws.values["interest_rate"][None, :],
    )
    fte_sector = np.einsum("ks,syn->kyn", M, costs["fte"][:, :, col["valg_tiltak"]])
    wf = workforce_arrays(fte_sector, d.P[:, :, col["valg"]], staff_share_60_66(catalogue, sectors, scenario.staff_profile),
                          catalogue.staff.retirement_rate_60_66)
    return Prepared(scenario, catalogue, pop, years, sectors, measures, ma, d, costs, inp, eco, fte_sector, wf,
                    places, cal, accounts, wait, draws)


def plan_year_mask(years: np.ndarray, first: int, plan_years: int) -> np.ndarray:
    """True for the years of the økonomiplan period (``first`` and the ``plan_years`` - 1 after it)."""
    years = np.asarray(years)
    return (years >= first) & (years < first + plan_years)


def _coverage_draws(catalogue: Catalogue, years: np.ndarray, draws: Draws) -> xr.DataArray:
    """Coverage factors (service, year, draw) of the ``coverage_change`` draws: 1 in the base year,
    1 + change at the horizon, linear between, for the services of the range's sectors (all
    services when it names none)."""
    rng = draws.ranges["coverage_change"]
    on = np.array([not rng.sectors or catalogue.services[s].sector in rng.sectors for s in catalogue.ids], dtype=float)
    ramp = (years - years[0]) / max(int(years[-1] - years[0]), 1)
    values = 1.0 + on[:, None, None] * ramp[None, :, None] * draws.values["coverage_change"][None, None, :]
    return xr.DataArray(values, dims=("service", "year", "draw"),
                        coords={"service": list(catalogue.ids), "year": years, "draw": np.arange(draws.n)})


#: The two economy alternatives shown side by side: the inntektssystem's demographic
#: compensation on (1) and off (0, frie inntekter per inhabitant fixed).
INCOME_RULES = {"med_demografi": 1.0, "uten_demografi": 0.0}


def assemble(p: Prepared, inputs: BudgetInputs | None = None, economy: Economy | None = None,
             plan_start: int | None = None) -> xr.Dataset:
    """The result Dataset of a prepared scenario (optionally with changed budget inputs or
    economy, for stress tests and rullering)."""
    inp = inputs or p.inputs
    eco = economy or p.economy
    b = compute_budget(inp, eco)
    w0 = eco.demographic_compensation.value
    rules = {rule: b if w == w0 else compute_budget(inp, eco.with_values({"demographic_compensation": w}, "inntektsregel"))
             for rule, w in INCOME_RULES.items()}
    return _assemble(p, inp, b, rules, eco, plan_start)


def _assemble(p: Prepared, inp: BudgetInputs, b: dict, rules: dict, eco: Economy, plan_start=None) -> xr.Dataset:
    """The result Dataset (variant 'valg_tiltak' for service results)."""
    scenario, catalogue, pop, years, sectors = p.scenario, p.catalogue, p.pop, p.years, p.sectors
    measures, ma, d, costs, fte_sector, wf, places = p.measures, p.ma, p.d, p.costs, p.fte_sector, p.workforce, p.places
    base_year = int(years[0])
    first = plan_start if plan_start is not None else scenario.plan_period[0]
    nok = f"NOK 1000, {catalogue.price_year} prices"
    Y = ("year",)
    SY = ("sector", "year")
    RY = ("income_rule", "year")
    v = 1  # the scenario's own variant: options with tiltak
    users = d.users
    levels = catalogue.by_care_level()
    idx = CatalogueIndex.of(catalogue)
    by_level = np.stack([users[idx.rows(ids), :, v].sum(axis=0) for ids in levels.values()])

    def by_rule(key):
        return np.stack([rules[r][key][:, 0] for r in INCOME_RULES])

    data = {
        # økonomiplan: income
        **{k: (Y, b[k][:, 0], nok, name) for k, name in INCOME_PARTS.items()},
        "frie_inntekter": (Y, b["frie_inntekter"][:, 0], nok, "Frie inntekter (skatt og rammetilskudd)"),
        "ovrige_driftsinntekter": (Y, b["ovrige_driftsinntekter"][:, 0], nok,
                                   "Andre driftsinntekter (gebyrer, refusjoner, øremerkede tilskudd)"),
        "driftsinntekter": (Y, b["driftsinntekter"][:, 0], nok, "Brutto driftsinntekter"),
        "egne_inntekter": (Y, b["egne_inntekter"][:, 0], nok,
                           "Egne generelle inntekter (eiendomsskatt, kraftinntekter, finansinntekter o.l.)"),
        "egne_utgifter": (Y, b["egne_utgifter"][:, 0], nok, "Egne utgiftslinjer (pensjon/premieavvik o.l.)"),
        "netto_driftsutgifter_sektorer": (Y, b["netto_driftsutgifter_sektorer"][:, 0], nok, "Netto driftsutgifter, sektorene"),
        "ovrige_netto_driftsutgifter": (Y, b["ovrige_netto_driftsutgifter"][:, 0], nok,
                                        "Øvrige netto driftsutgifter (resten av regnskapet)"),
        "brutto_driftsresultat": (Y, b["brutto_driftsresultat"][:, 0], nok, "Brutto driftsresultat"),
        "renter": (Y, b["renter"][:, 0], nok, "Netto renteutgifter"),
        "avdrag": (Y, b["avdrag"][:, 0], nok, "Avdrag"),
        "netto_driftsresultat": (Y, b["netto_driftsresultat"][:, 0], nok, "Netto driftsresultat"),
        "netto_driftsresultat_andel": (Y, b["ndr_share"][:, 0], "share of driftsinntekter", "Netto driftsresultat i % av driftsinntektene"),
        "resultatmal": (Y, b["target"][:, 0], nok, "Mål for netto driftsresultat"),
        "inndekningsbehov": (Y, b["gap"][:, 0], nok, "Inndekningsbehov (avstand til målet)"),
        "investeringer": (Y, b["investment"][:, 0], nok, "Brutto investeringer"),
        "investeringer_andel": (Y, b["investment_share"][:, 0], "share of driftsinntekter",
                                "Brutto investeringer i % av driftsinntektene"),
        "investeringstilskudd": (Y, b["external"][:, 0], nok, "Investeringstilskudd og momskompensasjon"),
        "nye_lan": (Y, b["loans"][:, 0], nok, "Nye lån"),
        "egenfinansiering": (Y, b["equity"][:, 0], nok, "Egenfinansiering fra disposisjonsfondet"),
        "lanegjeld": (Y, b["debt"][:, 0], nok, "Netto lånegjeld ved utgangen av året"),
        "disposisjonsfond": (Y, b["fund"][:, 0], nok, "Disposisjonsfond ved utgangen av året"),
        "handlingsrom": (Y, b["handlingsrom"][:, 0], nok, "Handlingsrom (frie inntekter som ikke er bundet)"),
        "ovrige_netto_inntekter": (Y, b["other_income_net"][:, 0], nok,
                                   "Øvrige netto inntekter (når øvrige-linjen er en netto inntekt, som finansinntekter)"),
        "bundet_lovpalagt_minimum": (Y, b["bound_mandatory"][:, 0], nok, "Bundet: lovpålagte tjenester på minimumsstandard"),
        "bundet_kapitalkostnader": (Y, b["bound_capital"][:, 0], nok, "Bundet: renter og avdrag"),
        "bundet_vedtatte_tiltak": (Y, b["bound_committed"][:, 0], nok, "Bundet: vedtatte tiltak"),
        "bundet_egne_utgifter": (Y, b["bound_own"][:, 0], nok, "Bundet: egne utgiftslinjer (pensjon o.l.)"),
        "bundet_resultatmal": (Y, b["bound_result"][:, 0], nok, "Bundet: resultatmålet"),
        "bundet_kort_sikt": (Y, b["bound_short_term"][:, 0], nok, "Bundet på kort sikt: dagens øvrige utgifter"),
        # the two income rules side by side
        "frie_inntekter_inntektsregel": (RY, by_rule("frie_inntekter"), nok, "Frie inntekter etter inntektsregel"),
        "netto_driftsresultat_andel_inntektsregel": (RY, by_rule("ndr_share"), "share of driftsinntekter",
                                                     "Netto driftsresultat i % av driftsinntektene etter inntektsregel"),
        "inndekningsbehov_inntektsregel": (RY, by_rule("gap"), nok, "Inndekningsbehov etter inntektsregel"),
        # sector frames
        "sektor_ramme": (SY, b["sector_cost"][:, :, 0], nok, "Sektorramme (netto)"),
        "sektor_basis": (SY, np.broadcast_to(inp.base_frame[:, :, 0], (len(sectors), years.size)), nok, "Basisramme (basisåret)"),
        "sektor_demografi": (SY, inp.demographic[:, :, 0], nok, "Demografiendring"),
        "sektor_valg": (SY, inp.options[:, :, 0], nok, "Valg: terskel, tilbud og kapasitet (med ventekostnader)"),
        "sektor_tiltak_effekt": (SY, inp.measures_effect[:, :, 0], nok, "Tiltakenes virkning på tjenestene"),
        "sektor_tiltak_drift": (SY, inp.measures_operating[:, :, 0], nok, "Tiltakenes driftskostnader"),
        "sektor_demografikostnad": (SY, inp.base_frame[:, :, 0] + inp.demographic[:, :, 0], nok,
                                    "Demografikostnad (dekning og standard som i basisåret)"),
        # services
        "users": (("service", "year"), users[:, :, v], "persons", "Brukere"),
        "demand": (("service", "year"), d.demand[:, :, v], "persons", "Behov (før kapasitetsgrense)"),
        "cost": (("service", "year"), costs["cost"][:, :, v], nok, "Kostnad"),
        "fte": (("service", "year"), costs["fte"][:, :, v], "årsverk", "Årsverk"),
        "users_by_level": (("care_level", "year"), by_level, "persons", "Brukere etter nivå i omsorgstrappen"),
        "queue": (("capacity_group", "year"), d.queue[:, :, v], "persons", "Ventende"),
        "ventekostnad": (("capacity_group", "year"), p.waiting[:, :, v], nok,
                         "Ventekostnad (de som venter, og tillegg for tilbud ett trinn ned)"),
        "capacity": (("capacity_group", "year"), d.capacity[:, :, v], "places", "Plasser"),
        "stepped_down": (("capacity_group", "year"), d.stepped_down[:, :, v], "persons", "Gitt tjeneste ett trinn ned"),
        "unmet_need": (("threshold_group", "year"), d.unmet[:, :, v], "persons", "Udekket behov"),
        "fte_sector": (SY, fte_sector[:, :, 0], "årsverk", "Årsverk behov"),
        "fte_supply": (SY, wf["fte_supply"][:, :, 0], "årsverk", "Årsverk tilgang"),
        "fte_gap": (SY, wf["fte_gap"][:, :, 0], "årsverk", "Årsverk: behov minus tilgang"),
        "recruitment_need": (SY, wf["recruitment_need"][:, :, 0], "årsverk per year", "Rekrutteringsbehov"),
        # tiltak
        "tiltak_drift": (("measure", "year"), ma.operating, nok, "Tiltakets driftskostnad"),
        "tiltak_investering": (("measure", "year"), ma.investment, nok, "Tiltakets investering"),
        # population
        "population": (("year", "age", "sex"), pop.values, "persons", "Befolkning 1. januar"),
    }
    coords = _coords(catalogue, tuple(years), tuple(sectors),
                     tuple((m.id, m.title, m.sector, m.start, -1 if m.end is None else m.end, m.status, m.ansvar,
                            ",".join(m.delmal)) for m in measures),
                     tuple(levels), first, scenario.plan_years, tuple(places) if places else None,
                     tuple(scenario.thresholds(catalogue.threshold_groups).values()))
    if places:
        pids = list(places)
        data["plasser_nye"] = (("place_type", "year"), np.stack([places[q]["openings"][:, v] for q in pids]), "places", "Nye plasser som åpner")
        data["plasser_behov"] = (("place_type", "year"), np.stack([places[q]["demand"][:, v] for q in pids]), "persons", "Behov for plasser")
        data["plasser"] = (("place_type", "year"), np.stack([places[q]["capacity"][:, v] for q in pids]), "places", "Plasser")
        data["plasser_investering"] = (("place_type", "year"), np.stack([places[q]["investment"][:, v] for q in pids]), nok, "Investering i nye plasser (brutto)")
        data["plasser_eksisterende"] = (("place_type",), np.array([places[q]["existing"][v] for q in pids]), "places", "Plasser i basisåret")
        data["plasser_blokk"] = (("place_type",), np.array([places[q]["block"][v] for q in pids]), "places", "Plasser i en ny blokk")
    ds = xr.Dataset({k: (dims, vals, {"units": u, "long_name": ln}) for k, (dims, vals, u, ln) in data.items()},
                    coords=coords)
    return _with_attrs(ds, p, b, eco, base_year, first)


@memo(maxsize=64, key=lambda catalogue, *rest: (catalogue.fingerprint, *rest))
def _coords(catalogue, years, sectors, measures, levels, first, plan_years, place_ids, thresholds) -> xr.Coordinates:
    """Coordinates of the result, built once per layout (indexes are the costly part); the
    terskel per threshold group is the coordinate ``threshold`` (read by ``ds.plan.threshold``)."""
    years = np.asarray(years)
    coords = {
        "year": years, "sector": list(sectors), "service": list(catalogue.ids), "measure": [m[0] for m in measures],
        "care_level": list(levels), "capacity_group": list(catalogue.capacity_groups),
        "threshold_group": list(catalogue.threshold_groups), "age": np.arange(106), "sex": ["male", "female"],
        "plan_year": ("year", plan_year_mask(years, first, plan_years)),
        "sector_name": ("sector", [catalogue.sectors[s] for s in sectors]),
        "service_name": ("service", [catalogue.services[s].name for s in catalogue.ids]),
        "service_sector": ("service", [catalogue.services[s].sector for s in catalogue.ids]),
        "measure_title": ("measure", [m[1] for m in measures]),
        "measure_sector": ("measure", [m[2] for m in measures]),
        "measure_start": ("measure", np.array([m[3] for m in measures], dtype=int)),
        "measure_end": ("measure", np.array([m[4] for m in measures], dtype=int)),
        "measure_status": ("measure", [m[5] for m in measures]),
        "measure_ansvar": ("measure", [m[6] for m in measures]),
        "measure_delmal": ("measure", [m[7] for m in measures]),
        "capacity_group_name": ("capacity_group", [g.name for g in catalogue.capacity_groups.values()]),
        "threshold_group_name": ("threshold_group", [g.name for g in catalogue.threshold_groups.values()]),
        "threshold": ("threshold_group", np.asarray(thresholds, dtype=float),
                      {"units": "-1 (lav) .. 1 (høy)", "long_name": "Terskel"}),
        "income_rule": list(INCOME_RULES),
        "income_rule_name": ("income_rule", [INCOME_RULE_NB[r] for r in INCOME_RULES]),
        "care_level_name": ("care_level", [catalogue.care_levels[k] for k in levels]),
    }
    if place_ids is not None:
        coords["place_type"] = list(place_ids)
        coords["place_type_name"] = ("place_type", [catalogue.place_types[q].name for q in place_ids])
    return xr.Coordinates(coords)


def _with_attrs(ds, p: Prepared, b, eco, base_year, first) -> xr.Dataset:
    """The run's inputs on the result (read them with the ``ds.plan`` accessor)."""
    scenario, catalogue, pop, cal = p.scenario, p.catalogue, p.pop, p.calibration
    nok = f"NOK 1000, {catalogue.price_year} prices"
    warnings = list(p.accounts.warnings) + list(cal.warnings) + population_warnings(pop, scenario.horizon)
    if base_year - 1 > ACCOUNTS_YEAR:  # an own population file with a later base year
        warnings.append(f"Basisåret {base_year} (fra egen befolkningsfil) viser regnskapet {ACCOUNTS_YEAR} og "
                        f"inntektssystemet {ACCOUNTS_YEAR}, de siste i dataene, og brukertallene fra KOSTRA "
                        f"{ACCOUNTS_YEAR}; oppgi kommunens tall for {base_year - 1} som egne tall (accounts, "
                        "services.users).")
    ds.attrs = {
        "kommune": pop.attrs.get("kommune"), "kommune_name": pop.attrs.get("kommune_name"),
        "scenario": scenario.id, "scenario_title": scenario.title, "scenario_fingerprint": scenario.fingerprint,
        "demographic_scenario": scenario.demographic,
        "base_year": base_year, "accounts_year": ACCOUNTS_YEAR, "plan_start": first, "plan_years": scenario.plan_years,
        "plan_period": f"{first}–{first + scenario.plan_years - 1}", "horizon": scenario.horizon,
        "price_year": catalogue.price_year, "money_units": nok,
        "target_share": float(eco.result_target_share.value),
        "income_rule": "med_demografi" if eco.demographic_compensation.value >= 0.5 else "uten_demografi",
        "demographic_compensation": float(eco.demographic_compensation.value),
        "breadth": float(scenario.breadth), "dropped": ",".join(scenario.dropped), "overflow": scenario.overflow,
        "effect_bound": scenario.effect_bound, "behovsanalyse": int(scenario.behovsanalyse),
        "calibration": cal.basis,
        "free_income_per_capita_accounts": float(p.accounts.free_income_per_capita),
        "national_free_income_per_capita": float(national_free_income_per_capita()),
        "data_warnings": " | ".join(warnings),
        "economy": "; ".join(f"{k} = {v.value:g} ({v.status}: {v.source})" for k, v in eco.items()),
        "sources": pop.attrs.get("sources", "") + "; KOSTRA 2025 og inntektssystemet 2025 (SSB, KDD); "
                   "tjenestekatalog og tiltaksbibliotek i planmodel",
    }
    return ds


#: A projected population that changes more than this share by the horizon is flagged.
PLAUSIBLE_CHANGE = 0.5


def population_warnings(pop: xr.DataArray, horizon: int) -> list[str]:
    """A warning when the population path implies an implausible change by 2040 (or the
    horizon): more than ±50 % (a housing input or a migration level the user should look at)."""
    out = []
    cut = float(pop.attrs.get("migration_shortfall_total", 0.0))
    if cut >= 1.0:
        out.append(f"Netto utflytting er større enn befolkningen i noen aldre: {cut:,.0f} personer kunne ikke flytte ut "
                   "og er blitt værende i beregningen; sjekk flytteforutsetningene (migration_level).".replace(",", NBSP))
    years = pop["year"].values
    year = 2040 if 2040 in years else int(years[-1])
    total = pop.transpose("year", ...).values.reshape(years.size, -1).sum(axis=1)
    change = float(total[list(years).index(year)] / total[0]) - 1.0
    if abs(change) > PLAUSIBLE_CHANGE:
        return out + [f"Befolkningen endres med {endring(change * 100)}{NBSP}% fra {int(years[0])} til {year}; "
                "sjekk boligtall og flytteforutsetninger (mer enn ±50 % er uvanlig)."]
    return out


def run_draws(scenario: PlanScenario, draws: Draws) -> xr.Dataset:
    """The scenario under every draw of its uncertain assumptions (Monte Carlo), in one pass with
    a ``draw`` lead axis (see :func:`prepare`).

    Returns a Dataset over (year, draw) with the økonomiplan's result lines [NOK 1000, fixed
    prices] — ``netto_driftsresultat``, ``netto_driftsresultat_andel`` [share of driftsinntekter],
    ``resultatmal``, ``inndekningsbehov``, ``driftsinntekter``, ``frie_inntekter``,
    ``netto_driftsutgifter_sektorer``, ``sektor_ramme`` (sector, year, draw), ``tjenestekostnad``
    (all services), ``investeringer``, ``lanegjeld`` and ``disposisjonsfond`` — with ``arsverk``
    [årsverk, all sectors], ``befolkning`` and ``befolkning_80`` [persons], ``ventende`` [persons
    waiting for a place], ``metning`` (draw) [persons whose coverage a draw pushed above 100 %,
    held there], and the draws' assumptions themselves: one variable per assumption (draw) and
    ``tiltak_posisjon`` (measure, draw). The coordinate ``plan_year`` marks the økonomiplan period.
    """
    p = prepare(scenario, draws)
    b = compute_budget(p.inputs, p.economy)
    years, catalogue = p.years, p.catalogue
    first = scenario.plan_period[0]
    nok = f"NOK 1000, {catalogue.price_year} prices"
    YD = ("year", "draw")
    by_age = persons_by_age(p.pop)  # (Y, A, D)
    data = {
        "netto_driftsresultat": (YD, b["netto_driftsresultat"], nok, "Netto driftsresultat"),
        "netto_driftsresultat_andel": (YD, b["ndr_share"], "share of driftsinntekter",
                                       "Netto driftsresultat i % av driftsinntektene"),
        "resultatmal": (YD, b["target"], nok, "Mål for netto driftsresultat"),
        "inndekningsbehov": (YD, b["gap"], nok, "Inndekningsbehov (avstand til målet)"),
        "driftsinntekter": (YD, b["driftsinntekter"], nok, "Brutto driftsinntekter"),
        "frie_inntekter": (YD, b["frie_inntekter"], nok, "Frie inntekter (skatt og rammetilskudd)"),
        "netto_driftsutgifter_sektorer": (YD, b["netto_driftsutgifter_sektorer"], nok, "Netto driftsutgifter, sektorene"),
        "sektor_ramme": (("sector", *YD), b["sector_cost"], nok, "Sektorramme (netto)"),
        "tjenestekostnad": (YD, p.costs["cost"].sum(axis=0), nok, "Kostnad, alle tjenestene"),
        "investeringer": (YD, b["investment"], nok, "Brutto investeringer"),
        "lanegjeld": (YD, b["debt"], nok, "Netto lånegjeld ved utgangen av året"),
        "disposisjonsfond": (YD, b["fund"], nok, "Disposisjonsfond ved utgangen av året"),
        "arsverk": (YD, p.fte_sector.sum(axis=0), "årsverk", "Årsverk (behov, alle sektorer)"),
        "befolkning": (YD, by_age.sum(axis=1), "persons", "Befolkning 1. januar"),
        "befolkning_80": (YD, by_age[:, 80:].sum(axis=1), "persons",
                          "Befolkning 80 år og eldre"),
        "ventende": (YD, p.d.queue.sum(axis=0), "persons", "Ventende på plass (alle plasstyper)"),
        "metning": (("draw",), np.zeros(draws.n) if p.d.saturated is None else p.d.saturated, "persons",
                    "Personer der trekket ga dekningsgrad over 100 % (holdt på 100 %)"),
    }
    ranges = draws.ranges
    for name, values in draws.values.items():
        data[name] = (("draw",), np.asarray(values, dtype=float), ranges[name].unit, ranges[name].label)
    ids = [m.id for m in p.measures]
    data["tiltak_posisjon"] = (("measure", "draw"),
                               np.array([draws.measures.get(m, np.zeros(draws.n)) for m in ids]).reshape(len(ids), draws.n),
                               "position (-1 svak, 0 valgt, 1 sterk)", ranges["measure_effects"].label)
    ds = xr.Dataset({k: (dims, np.asarray(v, dtype=float), {"units": u, "long_name": ln})
                     for k, (dims, v, u, ln) in data.items()},
                    coords={"year": years, "draw": np.arange(draws.n), "sector": list(p.sectors), "measure": ids,
                            "plan_year": ("year", plan_year_mask(years, first, scenario.plan_years))})
    if draws.labels is not None:
        ds = ds.assign_coords(draw_label=("draw", list(draws.labels)))
    ds.attrs = {
        "kommune": p.pop.attrs.get("kommune"), "kommune_name": p.pop.attrs.get("kommune_name"),
        "scenario": scenario.id, "scenario_title": scenario.title, "scenario_fingerprint": scenario.fingerprint,
        "base_year": int(years[0]), "plan_start": first, "plan_years": scenario.plan_years,
        "horizon": scenario.horizon, "price_year": catalogue.price_year, "money_units": nok,
        "target_share": float(p.economy.result_target_share.value),
        "seed": -1 if draws.seed is None else int(draws.seed), "ranges": ranges.source,
    }
    return ds
