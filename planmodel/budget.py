r"""The økonomiplan: income after the inntektssystem, sector frames, capital costs, result, fund, debt.

All amounts are NOK 1000 at fixed prices of the price year (2025). Nominal amounts appear only
through the explicit deflator :math:`\pi` (see :func:`to_nominal`). The layout follows a
kommune's handlingsprogram in *netto* terms:

.. math::

    \text{NDR}_t = FI_t - \sum_k N_{k,t} - X_t - R_t - A_t

**The base year is the kommune's own accounts** (KOSTRA 2025 and the inntektssystem 2025,
:mod:`planmodel.inputs.accounts`): frie inntekter :math:`FI_0`, driftsinntekter :math:`DI_0`,
netto driftsresultat and netto lånegjeld are the data. The sector frames :math:`N_{k,0}` are the
service model's costs, whose unit costs are scaled to the kommune's netto driftsutgifter in each
KOSTRA service area; what they do not cover is one line **øvrige** :math:`X_0 = FI_0 - \sum_k
N_{k,0} - R_0 - A_0 - \text{NDR}_0`, so the base year closes to the real result without a plug on
income. :math:`X` then follows the population.

**Income follows the inntektssystem.** With :math:`N` the population, per inhabitant of the base
year :math:`p_c = c_0 / N_0` for each part :math:`c` of the frie inntekter — skatt, netto
inntektsutjevning, innbyggertilskudd, utgiftsutjevning and the rest of the rammetilskudd:

.. math::

    FI_t = N_t \Big[\lambda_t \sum_c p_c + w\,U\,\lambda_t\,\Delta D_t\Big], \qquad
    \lambda_t = (1+g)^{t-t_0}\,\big(1 + w\,(\bar D_t - 1)\big)

- :math:`\Delta D_t = D_t - D_0`, the change of the kommune's **age index**
  :math:`D_t = \sum_a \omega_a\, s_{a,t} / \bar s_{a,t}` (its share of inhabitants in each age
  group of the kostnadsnøkkel over the nation's, weighted by the group's weight :math:`\omega_a`
  in the key): the utgiftsutjevning moves with the kommune's ageing *relative to the nation*,
  at the national utgiftsbehov :math:`U` per inhabitant (the TBU method; an approximation, the
  other criteria held as in the base year);
- :math:`\bar D_t - 1 = (c_t - c_0)/f_0`, the state's **demografikompensasjon** to the sector as TBU
  measures it: the change of the nation's demographic service cost per inhabitant :math:`c_t`
  (national coverage × unit cost × Norway's projected population by age) over the national
  frie inntekter per inhabitant :math:`f_0`;
- :math:`w` = ``demographic_compensation``: 1 *with* the system's demographic compensation,
  0 *without* (frie inntekter per inhabitant fixed, only the population counts); :math:`g` real
  growth beyond demography.
- With the system (:math:`w = 1`) two parts are amounts per kommune, not per inhabitant: the
  **basistillegg** of the utgiftsutjevning, :math:`B_t = \omega_b U (\bar N_t/357 - N_t)` (every
  kommune counts as one; weight :math:`\omega_b` = 0,0217), which replaces its base-year value in
  the per-inhabitant part, and the **rest of the rammetilskudd** (distrikts-, skjønns- and
  storbytilskudd, særskilt fordeling, INGAR), held at its base-year amount times :math:`(1+g)^t`.
  A small kommune that shrinks keeps them; without the system (:math:`w = 0`) they too are per
  inhabitant.
- Inntektsutjevning per inhabitant :math:`e(s) = a\,(\bar s - s) + b\,\max(0, \theta\bar s - s) - t`
  (62 %, 35 % below 90 %, trekk :math:`t`): used when a scenario sets its own skatt per
  innbygger :math:`s` (:func:`income_equalisation`).

Driftsinntekter :math:`DI_t = FI_t + O_t`, with the other operating income :math:`O` (fees,
refusjoner, øremerkede tilskudd) following the population.

**Capital costs as the accounts book them.** Debt :math:`G` (netto lånegjeld) is in fixed prices,
so it erodes with inflation: at the start of year :math:`t` it is :math:`G'_t = G_{t-1}/(1+\pi)`
(in the base year :math:`G_{-1}` is the accounts' debt, so that the capital costs do not step
down from the base year to the first plan year).
Interest is the *nominal* rate on the interest-bearing share: :math:`R_t = i\,\eta\,G'_t`;
avdrag is the minimum repayment over the weighted lifetime :math:`T`: :math:`A_t = G'_t/T`; new
loans :math:`L_t` finance investments: :math:`G_t = G'_t - A_t + L_t`. Investments :math:`I_t`
(ongoing, tiltak, new places; gross) are paid by grants and momskompensasjon :math:`E_t`, loans
:math:`L_t = \tfrac{\lambda}{1-\gamma}(I_t - E_t)` and the rest from the disposisjonsfond:
:math:`F_t = F_{t-1}/(1+\pi) + \text{NDR}_t - (I_t - E_t - L_t)`. Ongoing investment, unless
the scenario sets it, keeps the base-year debt constant in fixed prices.

The gap (inndekningsbehov) is :math:`\max(0, \tau\,DI_t - \text{NDR}_t)` for the target
:math:`\tau` (TBU: 1,75 %).

**Handlingsrom** per year: frie inntekter (plus the øvrige line when it is net income, such as
financial income) minus what is already bound — mandatory services at
their minimum standard (høy terskel, smalt tilbud), capital costs, committed (vedtatte) tiltak,
the required result — and, in the short term, the share of today's other spending that cannot be
changed at once (falling to zero over ``rigidity_years``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planmodel.core.errors import InputError
from planmodel.inputs.economy import Economy

#: The parts of the frie inntekter, in the order shown: id -> bokmål name.
INCOME_PARTS = {
    "skatt": "Skatt på inntekt og formue",
    "inntektsutjevning": "Netto inntektsutjevning",
    "innbyggertilskudd": "Innbyggertilskudd (likt beløp per innbygger)",
    "utgiftsutjevning": "Utgiftsutjevning",
    "andre_rammetilskudd": "Andre deler av rammetilskuddet",
}


@dataclass(frozen=True)
class IncomeBase:
    """A kommune's base-year economy (its accounts) and the demographic indices of its income.

    Amounts NOK 1000 in the base year; populations persons; indices (Y, 1).

    Attributes
    ----------
    population0 : inhabitants in the base year (1 January), the divisor of every per-capita part.
    parts : {part of :data:`INCOME_PARTS`: amount in the base year}; they sum to the frie inntekter.
    other_income : driftsinntekter that are not frie inntekter (DI − FI).
    net_operating_result : netto driftsresultat of the accounts.
    net_debt : netto lånegjeld at the end of the accounts year.
    tax_per_capita : skatt per innbygger as the inntektsutjevning counts it [NOK per inhabitant].
    age_index_change : :math:`\\Delta D_t`, the kommune's age index minus its base-year value.
    national_need_index : :math:`\\bar D_t`, 1 + the nation's demographic cost per inhabitant
        beyond the base year as a share of national frie inntekter per inhabitant (TBU).
    basis_amount : :math:`B_t`, the basistillegg part of the utgiftsutjevning by year (Y, 1)
        [NOK 1000]: weight × U × (Norway's population / number of kommuner − the kommune's).
    fund : the kommune's own disposisjonsfond [NOK 1000]; None = ``fund_share`` × driftsinntekter.
    """

    population0: float
    parts: dict
    other_income: float
    net_operating_result: float
    net_debt: float
    tax_per_capita: float
    age_index_change: np.ndarray
    national_need_index: np.ndarray
    basis_amount: np.ndarray | float = 0.0
    fund: float | None = None  # disposisjonsfond at the end of the accounts year (None: the economy's share of DI)

    @property
    def free_income(self) -> float:
        return float(sum(self.parts.values()))


@dataclass(frozen=True)
class OwnAmounts:
    """A kommune's own amounts by year (a scenario's ``budget:``), NOK 1000 at fixed prices (Y, 1).

    free_income : the frie inntekter where the kommune gives them, NaN elsewhere.
    income, expense : the sum of the own general income lines (eiendomsskatt, kraftinntekter,
        finansinntekter ...) and of the own expense lines (pensjon/premieavvik ...) by year.
    income0, expense0 : their amounts in the accounts (already inside the base year's øvrige line).
    """

    free_income: np.ndarray
    income: np.ndarray
    expense: np.ndarray
    income0: float = 0.0
    expense0: float = 0.0


def own_amounts(budget, years: np.ndarray, accounts_year: int, price_year: int, deflator: float) -> OwnAmounts | None:
    """The arrays of a scenario's ``budget:`` section (None when it gives nothing).

    Every amount is NOK 1000, at fixed prices of ``price_year`` (``prices: fixed``) or in løpende
    priser (``nominal``: divided by :math:`(1+\pi)^{year - price\_year}`). A line is a level: it
    holds from its year until the next one given and after the last; before its first year its
    first amount holds. Its amount in the accounts year (the key ``accounts_year``, or its first
    amount) is what the base year's accounts already hold. The frie inntekter are exact in the
    years given (see :func:`income_lines` for the years between and after).
    """
    if not budget:
        return None
    nominal = budget.get("prices", "fixed") == "nominal"

    def real(y: int, v: float) -> float:
        return float(v) / (1.0 + deflator) ** (y - price_year) if nominal else float(v)

    Y = years.size
    fi = np.full((Y, 1), np.nan)
    for y, v in budget.get("free_income", {}).items():
        fi[years == int(y), 0] = real(int(y), v)
    inc, exp, inc0, exp0 = np.zeros((Y, 1)), np.zeros((Y, 1)), 0.0, 0.0
    for kind, sign in (("income_lines", 1.0), ("expense_lines", -1.0)):
        for path in budget.get(kind, {}).values():
            keys = sorted((int(y), real(int(y), v)) for y, v in path.items())
            ky = np.array([k for k, _ in keys])
            kv = np.array([v for _, v in keys])
            at = np.searchsorted(ky, years, side="right") - 1  # the last key at or before each year
            values = kv[np.maximum(at, 0)]
            base = dict(keys).get(accounts_year, kv[0])
            values = np.where(years <= max(accounts_year + 1, int(years[0])), base, values)  # the base year is the accounts
            if sign > 0:
                inc[:, 0] += values
                inc0 += base
            else:
                exp[:, 0] += values
                exp0 += base
    return OwnAmounts(fi, inc, exp, inc0, exp0)


@dataclass
class BudgetInputs:
    """Everything the økonomiplan needs, as numpy arrays over years (Y,) and sectors (K, Y).

    N (a trailing lead axis) may be present on every array; shapes broadcast.
    """

    years: np.ndarray
    sectors: list[str]
    population: np.ndarray  # (Y, N) persons
    income: IncomeBase
    base_frame: np.ndarray  # (K, 1, N) base-year cost by sector
    demographic: np.ndarray  # (K, Y, N) demographic change from the base year
    options: np.ndarray  # (K, Y, N) policy option deltas (incl. waiting costs)
    measures_effect: np.ndarray  # (K, Y, N) tiltak effects on service costs
    measures_operating: np.ndarray  # (K, Y, N) tiltak operating costs by their sector
    measures_investment: np.ndarray  # (Y, N) tiltak investments, gross
    capacity_investment: np.ndarray  # (Y, N) new places, gross
    capacity_external: np.ndarray  # (Y, N) grants and momskompensasjon for the new places
    mandatory_minimum: np.ndarray  # (Y, N) mandatory services at minimum standard
    committed_operating: np.ndarray  # (Y, N) operating costs of vedtatte tiltak
    adjustments: dict = field(default_factory=dict)  # rullering level shifts {line: (Y, N) or (K, Y, N)}
    investment_factor: float = 1.0  # stress test: all investments scaled
    extra_interest: np.ndarray | None = None  # stress test: added nominal rate by year (Y, 1)
    debt_at: tuple[int, float] | None = None  # rullering: actual debt at the end of a year
    fund_at: tuple[int, float] | None = None  # rullering: actual fund at the end of a year
    own: OwnAmounts | None = None  # the kommune's own amounts by year (a scenario's budget:)
    growth_extra: np.ndarray | None = None  # Monte Carlo: added real growth of the frie inntekter (1, N) [share per year]


def income_equalisation(tax_per_capita: float | np.ndarray, eco: Economy) -> float | np.ndarray:
    r"""Netto inntektsutjevning per inhabitant [NOK] for skatt per innbygger ``tax_per_capita``:

    .. math:: e(s) = a\,(\bar s - s) + b\,\max(0, \theta\,\bar s - s) - t

    (the 2025 rules: :math:`a` = 62 %, :math:`b` = 35 %, :math:`\theta` = 90 %, trekk :math:`t`).
    """
    s_bar = eco.national_tax_per_capita.value
    s = np.asarray(tax_per_capita, dtype=float)
    extra = np.maximum(0.0, eco.equalisation_threshold.value * s_bar - s)
    out = eco.equalisation_share.value * (s_bar - s) + eco.equalisation_extra_share.value * extra \
        - eco.equalisation_levy_per_capita.value
    return float(out) if out.ndim == 0 else out


def age_index(pop_age: np.ndarray, nat_age: np.ndarray, groups, weights) -> np.ndarray:
    """The kommune's age index :math:`D_t` (Y,): its shares of inhabitants in the age groups of
    the kostnadsnøkkel over the nation's, weighted by the groups' weights in the key.

    Parameters
    ----------
    pop_age, nat_age : (..., Y, A) persons by single age (0..105) of the kommune and of Norway
        (leading dimensions such as draws broadcast; the result is then (..., Y)).
    groups : ((first age, last age), ...) of the kostnadsnøkkel's age groups.
    weights : their weights in the samlet key (the rest are the other criteria).
    """
    pop_age = np.asarray(pop_age, dtype=float)
    nat_age = np.asarray(nat_age, dtype=float)
    G = np.zeros((pop_age.shape[-1], len(groups)))
    for j, (lo, hi) in enumerate(groups):  # a 106 x 10 grouping matrix, built once per call
        G[lo:hi + 1, j] = 1.0
    share = (pop_age @ G) / pop_age.sum(axis=-1, keepdims=True)  # (..., Y, J)
    nat = np.broadcast_to((nat_age @ G) / nat_age.sum(axis=-1, keepdims=True), share.shape)
    w = np.asarray(weights, dtype=float)
    return (w * np.divide(share, nat, out=np.zeros_like(share), where=nat > 0)).sum(axis=-1)


def _stock(start: np.ndarray, decay: float, flows: np.ndarray) -> np.ndarray:
    """S_t = decay * S_{t-1} + flow_t for t >= 1, S_0 = start (closed form, vectorised over years).

    ``flows`` (Y, N); the flow of year 0 is ignored (the start is the base-year stock)."""
    Y = flows.shape[0]
    t = np.arange(Y)[:, None]
    powers = decay ** t
    inc = np.where(t > 0, flows / np.where(powers > 0, powers, 1.0), 0.0)
    return powers * (start + np.cumsum(inc, axis=0))


def _carry(years: np.ndarray, at: tuple[int, float], path: np.ndarray, decay: float) -> np.ndarray:
    """Correction (Y, N) that makes ``path`` equal the actual value at the end of year ``at[0]``
    and carries the difference forward with the stock's own decay (0 before that year)."""
    year, actual = at
    k = np.flatnonzero(years == year)
    if k.size == 0:
        raise InputError("regnskap", "year", f"{year} er ikke i økonomiplanens år ({years[0]}–{years[-1]})")
    k = int(k[0])
    steps = (years - year)[:, None]
    return np.where(steps >= 0, (actual - path[k]) * decay ** np.maximum(steps, 0), 0.0)


def income_lines(inp: BudgetInputs, eco: Economy) -> dict[str, np.ndarray]:
    """The frie inntekter and their parts (Y, N) [NOK 1000] (see the module docstring).

    A scenario's own ``tax_per_capita`` or ``free_income_per_capita`` applies from the first plan
    year: the base year stays the kommune's accounts."""
    base = inp.income
    P = inp.population
    N0 = base.population0
    parts = dict(base.parts)
    if eco.tax_per_capita is not None:  # own skatt per innbygger: the inntektsutjevning follows it
        s_new, s_old = eco.tax_per_capita.value, base.tax_per_capita
        parts["skatt"] = base.parts["skatt"] * s_new / s_old if s_old else s_new * N0 / 1000.0
        parts["inntektsutjevning"] = base.parts["inntektsutjevning"] + (
            income_equalisation(s_new, eco) - income_equalisation(s_old, eco)) * N0 / 1000.0
    if eco.free_income_per_capita is not None:  # own level: every part scaled
        total = sum(parts.values())
        factor = eco.free_income_per_capita.value * N0 / 1000.0 / total if total else 0.0
        parts = {k: v * factor for k, v in parts.items()}
    t = (inp.years - inp.years[0])[:, None]
    w = eco.demographic_compensation.value
    g = eco.free_income_growth.value if inp.growth_extra is None else eco.free_income_growth.value + inp.growth_extra
    growth = (1.0 + g) ** t
    lam = growth * (1.0 + w * (base.national_need_index - 1.0))
    v0 = {k: np.where(t == 0, base.parts[k], v) for k, v in parts.items()}
    out = {k: v / N0 * P * lam for k, v in v0.items()}
    # with the system (w = 1): the basistillegg is an amount per kommune, not per inhabitant, and
    # the rest of the rammetilskudd (distrikts-, skjønns-, storbytilskudd ...) is set per kommune
    B = np.broadcast_to(np.asarray(base.basis_amount, dtype=float), P.shape)
    out["utgiftsutjevning"] = (v0["utgiftsutjevning"] - w * B[:1]) / N0 * P * lam + w * B * lam \
        + w * eco.expenditure_need_per_capita.value / 1000.0 * lam * base.age_index_change * P
    out["andre_rammetilskudd"] = growth * v0["andre_rammetilskudd"] * (w + (1.0 - w) * P / N0)
    fi = sum(out.values())
    own = inp.own
    if own is not None and np.isfinite(own.free_income).any():
        # own frie inntekter: every part scaled to them in the years given; between and after those
        # years the last ratio to the model holds (the model's growth continues from the own level)
        given = np.isfinite(own.free_income[:, 0])
        ratio = np.where(given[:, None], own.free_income / np.where(fi != 0, fi, 1.0), np.nan)
        last = np.maximum.accumulate(np.where(given, np.arange(given.size), -1))
        factor = np.where((last >= 0)[:, None], ratio[np.maximum(last, 0)], 1.0)
        out = {k: v * factor for k, v in out.items()}
        fi = sum(out.values())
    adj = inp.adjustments.get("frie_inntekter")
    if adj is not None:  # rullering: the actual frie inntekter; the parts move in proportion, so they still sum
        factor = np.divide(fi + adj, fi, out=np.ones_like(fi + adj), where=fi != 0)
        out = {k: v * factor for k, v in out.items()}
        fi = sum(out.values())
    out["frie_inntekter"] = fi
    inc, inc0 = (0.0, 0.0) if own is None else (own.income, own.income0)
    out["ovrige_driftsinntekter"] = (base.other_income - inc0) / N0 * P + inc
    return out


def compute_budget(inp: BudgetInputs, eco: Economy) -> dict[str, np.ndarray]:
    """The økonomiplan lines (NOK 1000, fixed prices) for every year; see the module docstring."""
    P = inp.population
    base = inp.income
    N0 = base.population0
    inc = income_lines(inp, eco)
    fi = inc["frie_inntekter"]
    income_total = fi + inc["ovrige_driftsinntekter"]
    sector_cost = inp.base_frame + inp.demographic + inp.options + inp.measures_effect + inp.measures_operating
    sector_cost = sector_cost + inp.adjustments.get("sectors", 0.0)
    sectors_total = sector_cost.sum(axis=0)  # (Y, N)

    # capital: debt in fixed prices erodes with the deflator; nominal interest on it
    pi = eco.deflator.value
    T = eco.repayment_years.value
    eta = eco.interest_bearing_share.value
    lam_loan, gamma = eco.loan_share.value, eco.grant_share.value
    debt0 = np.broadcast_to(np.asarray(base.net_debt, dtype=float), fi[0].shape)
    decay = (1.0 - 1.0 / T) / (1.0 + pi)
    if eco.base_investment_share is not None:
        ongoing = eco.base_investment_share.value * income_total[:1] * np.ones_like(fi)
    else:  # keep the base-year debt constant in fixed prices: new loans = what avdrag and the deflator take
        ongoing = np.broadcast_to(debt0 * (1.0 - decay) / lam_loan if lam_loan > 0 else 0.0 * debt0, fi.shape)
    ongoing = np.broadcast_to(ongoing, fi.shape)
    investment = (ongoing + inp.measures_investment + inp.capacity_investment) * inp.investment_factor
    external = (gamma * (ongoing + inp.measures_investment) + inp.capacity_external) * inp.investment_factor
    loan_of_net = lam_loan / (1.0 - gamma) if gamma < 1.0 else 0.0
    loans = loan_of_net * (investment - external)
    equity = investment - external - loans
    debt = _stock(debt0, decay, loans)
    if inp.debt_at is not None:  # rullering: move the path to the actual debt, same dynamics after
        debt = debt + _carry(inp.years, inp.debt_at, debt, decay)
    # G'_t: the debt at the start of each year in the year's fixed kroner; in the base year too, so
    # that capital costs do not step down from the base year to the first plan year
    start = np.concatenate([debt0[None], debt[:-1]], axis=0) / (1.0 + pi)
    avdrag = start / T + inp.adjustments.get("avdrag", 0.0)
    rate = eco.interest_rate.value if inp.extra_interest is None else eco.interest_rate.value + inp.extra_interest
    renter = rate * eta * start + inp.adjustments.get("renter", 0.0)

    # the remainder of the accounts: øvrige netto driftsutgifter (per inhabitant after the base year)
    x0 = fi[:1] - sectors_total[:1] - renter[:1] - avdrag[:1] - base.net_operating_result
    # the kommune's own lines (eiendomsskatt, pensjon ...): their accounts amounts leave the øvrige
    # line, which follows the population, and the lines follow their own paths
    own = inp.own
    own_income, own_expense = (np.zeros_like(fi), np.zeros_like(fi)) if own is None else (
        np.broadcast_to(own.income, fi.shape), np.broadcast_to(own.expense, fi.shape))
    net0 = 0.0 if own is None else own.income0 - own.expense0
    other = (x0 + net0) / N0 * P + inp.adjustments.get("ovrige_netto_driftsutgifter", 0.0)
    ndr = fi + own_income - own_expense - sectors_total - other - renter - avdrag
    fund0 = eco.fund_share.value * income_total[0] if base.fund is None else base.fund
    fund = _stock(np.broadcast_to(np.asarray(fund0, dtype=float), fi[0].shape), 1.0 / (1.0 + pi), ndr - equity)
    if inp.fund_at is not None:
        fund = fund + _carry(inp.years, inp.fund_at, fund, 1.0 / (1.0 + pi))
    target = eco.result_target_share.value * income_total
    gap = np.maximum(target - ndr, 0.0)

    # handlingsrom: frie inntekter minus what is bound
    years_out = (inp.years - inp.years[0])[:, None]
    rig = eco.rigidity_years.value
    locked_share = np.clip(1.0 - years_out / rig, 0.0, 1.0) if rig > 0 else np.zeros_like(years_out, dtype=float)
    # a negative øvrige line is net income (finansinntekter, utbytte and the like): it is free money,
    # not spending that binds
    other_income_net = np.maximum(-other, 0.0)
    free_today = np.maximum(sectors_total - inp.mandatory_minimum, 0.0) + np.maximum(other, 0.0)
    bound = inp.mandatory_minimum + renter + avdrag + inp.committed_operating + target + own_expense
    handlingsrom = fi + own_income + other_income_net - bound - locked_share * free_today
    return {
        **{k: inc[k] for k in INCOME_PARTS}, "frie_inntekter": fi,
        "ovrige_driftsinntekter": inc["ovrige_driftsinntekter"], "driftsinntekter": income_total,
        "egne_inntekter": own_income, "egne_utgifter": own_expense,
        "sector_cost": sector_cost, "netto_driftsutgifter_sektorer": sectors_total, "ovrige_netto_driftsutgifter": other,
        "brutto_driftsresultat": fi + own_income - own_expense - sectors_total - other, "renter": renter, "avdrag": avdrag,
        "netto_driftsresultat": ndr, "ndr_share": ndr / income_total, "target": target, "gap": gap,
        "investment": investment, "investment_share": investment / income_total, "external": external,
        "loans": loans, "equity": equity, "debt": debt, "fund": fund,
        "handlingsrom": handlingsrom, "other_income_net": other_income_net, "bound_mandatory": inp.mandatory_minimum,
        "bound_capital": renter + avdrag, "bound_committed": inp.committed_operating, "bound_own": own_expense, "bound_result": target,
        "bound_short_term": locked_share * free_today,
        "remainder": x0,
    }


def to_nominal(values: np.ndarray, years: np.ndarray, price_year: int, deflator: float) -> np.ndarray:
    """Fixed-price amounts (Y, ...) to nominal kroner of each year with the explicit deflator."""
    factor = (1.0 + deflator) ** (np.asarray(years) - price_year)
    return values * factor.reshape((-1,) + (1,) * (np.ndim(values) - 1))
