r"""The økonomiplan: income, sector frames, capital costs, netto driftsresultat, fund and debt.

All amounts are NOK 1000 at fixed prices of the price year (2025). Nominal amounts appear only
through the explicit deflator :math:`\pi` (see :func:`to_nominal`). The layout follows a
kommune's handlingsprogram in *netto* terms:

.. math::

    \text{NDR}_t = FI_t - \sum_k N_{k,t} - X_t - R_t - A_t

- :math:`FI` frie inntekter (skatt + rammetilskudd): :math:`FI_t = fi_0\,[(1-w)\,\tfrac{P_t}{P_0} +
  w\,\tfrac{D_t}{D_0}]\,(1+g)^{t-t_0}\,P_0`, per-capita level :math:`fi_0`, real growth :math:`g`,
  and a share :math:`w` that follows the demographic cost index :math:`D` (demografikompensasjon);
- :math:`N_{k,t}` netto driftsutgifter of sector :math:`k` = base frame + demographic change +
  option deltas + tiltak (their operating costs and their effects on services);
- :math:`X` the other sectors not in the service catalogue (per inhabitant);
- :math:`R = i_{real}\,\eta\,G_{t-1}` net interest on the interest-bearing share :math:`\eta` of
  gross debt :math:`G`, with the real rate :math:`i_{real} = (1+i)/(1+\pi) - 1`;
- :math:`A = G_{t-1}/T` avdrag (minimum instalments over a weighted lifetime :math:`T`).

Debt and fund in fixed prices: :math:`G_t = G_{t-1}/(1+\pi) - A_t + L_t`, with new loans
:math:`L = \lambda I` (loan share of investments), grants and VAT compensation :math:`\gamma I`,
and disposisjonsfond :math:`F_t = F_{t-1}/(1+\pi) + \text{NDR}_t - (1-\lambda-\gamma)I_t`. Driftsinntekter (for NDR in %)
are :math:`DI = FI/\phi`, with :math:`\phi` the frie inntekter's share of driftsinntekter.
The gap (inndekningsbehov) is :math:`\max(0, \tau\,DI_t - \text{NDR}_t)` for the target
:math:`\tau` (TBU: 1,75 %).

**Base year.** Unless the kommune's frie inntekter per inhabitant is given, :math:`fi_0` is
calibrated so that the base year's NDR equals the stated base result (KOSTRA 2025 Landet: 2,2 %);
the output reports the implied level next to the national 78 932 kr (KOSTRA 2025).

**Handlingsrom** per year: frie inntekter minus what is already bound — mandatory services at
their minimum standard (høy terskel, smalt tilbud), capital costs, committed (vedtatte) tiltak,
the required result — and, in the short term, the share of today's other spending that cannot be
changed at once (falling to zero over ``rigidity_years``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planmodel.core.errors import InputError
from planmodel.inputs.economy import Economy

@dataclass
class BudgetInputs:
    """Everything the økonomiplan needs, as numpy arrays over years (Y,) and sectors (K, Y).

    N (a trailing lead axis) may be present on every array; shapes broadcast.
    """

    years: np.ndarray
    sectors: list[str]
    population: np.ndarray  # (Y, N) persons
    demographic_index: np.ndarray  # (Y, N) demographic cost, all services (TBU line), NOK 1000
    base_frame: np.ndarray  # (K, 1, N) base-year cost by sector
    demographic: np.ndarray  # (K, Y, N) demographic change from the base year
    options: np.ndarray  # (K, Y, N) policy option deltas
    measures_effect: np.ndarray  # (K, Y, N) tiltak effects on service costs
    measures_operating: np.ndarray  # (K, Y, N) tiltak operating costs by their sector
    measures_investment: np.ndarray  # (Y, N) tiltak investments
    capacity_investment: np.ndarray  # (Y, N) behovsanalyse investments
    mandatory_minimum: np.ndarray  # (Y, N) mandatory services at minimum standard
    committed_operating: np.ndarray  # (Y, N) operating costs of vedtatte tiltak
    adjustments: dict = field(default_factory=dict)  # rullering level shifts {line: (Y, N) or (K, Y, N)}
    start_debt: float | None = None
    start_fund: float | None = None
    investment_factor: float = 1.0  # stress test: all investments scaled
    extra_interest: np.ndarray | None = None  # stress test: added nominal rate by year (Y, 1)
    debt_at: tuple[int, float] | None = None  # rullering: actual debt at the end of a year
    fund_at: tuple[int, float] | None = None  # rullering: actual fund at the end of a year


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


def compute_budget(inp: BudgetInputs, eco: Economy) -> dict[str, np.ndarray]:
    """The økonomiplan lines (NOK 1000, fixed prices) for every year; see the module docstring."""
    P = inp.population
    i_real = (1.0 + eco.interest_rate.value) / (1.0 + eco.deflator.value) - 1.0
    eta = eco.interest_bearing_share.value
    T = eco.repayment_years.value
    phi = eco.free_income_share.value
    sector_cost = inp.base_frame + inp.demographic + inp.options + inp.measures_effect + inp.measures_operating
    sector_cost = sector_cost + inp.adjustments.get("sectors", 0.0)
    sectors_total = sector_cost.sum(axis=0)  # (Y, N)
    other = eco.other_net_expenditure_per_capita.value * P / 1000.0 + inp.adjustments.get("ovrige_netto_driftsutgifter", 0.0)

    # base year: calibrate frie inntekter (or take the given level)
    grow = (1.0 + eco.free_income_growth.value) ** (inp.years - inp.years[0])[:, None]
    w = eco.demographic_compensation.value
    index = ((1 - w) * P / P[:1] + w * inp.demographic_index / inp.demographic_index[:1]) * grow
    x0 = sectors_total[0] + other[0]
    debt_ratio = eco.debt_share.value / phi  # gross debt per krone of frie inntekter
    if eco.free_income_per_capita is None:
        r0 = eco.base_result_share.value
        denom = 1.0 - r0 / phi - i_real * eta * debt_ratio - debt_ratio / T
        if np.any(denom <= 0):
            raise InputError("økonomi", "base_result_share", "forutsetningene gir ingen løsning for frie inntekter i basisåret")
        fi0 = x0 / denom
    else:
        fi0 = eco.free_income_per_capita.value * P[0] / 1000.0
    fi = fi0 * index + inp.adjustments.get("frie_inntekter", 0.0)
    income_total = fi / phi

    debt0 = inp.start_debt if inp.start_debt is not None else debt_ratio * fi0
    fund0 = inp.start_fund if inp.start_fund is not None else eco.fund_share.value * fi0 / phi
    investment = ((eco.base_investment_share.value * fi0 / phi) * np.ones_like(fi)
                  + inp.measures_investment + inp.capacity_investment) * inp.investment_factor
    loans = eco.loan_share.value * investment
    decay = 1.0 / (1.0 + eco.deflator.value)
    # G_t = G_{t-1} (decay - 1/T) + L_t  (avdrag on last year's debt)
    debt = _stock(np.broadcast_to(np.asarray(debt0, dtype=float), fi[0].shape), decay - 1.0 / T, loans)
    if inp.debt_at is not None:  # rullering: move the path to the actual debt, same dynamics after
        debt = debt + _carry(inp.years, inp.debt_at, debt, decay - 1.0 / T)
    prev_debt = np.concatenate([np.broadcast_to(np.asarray(debt0, dtype=float), fi[:1].shape), debt[:-1]], axis=0)
    avdrag = prev_debt / T + inp.adjustments.get("avdrag", 0.0)
    rate = i_real if inp.extra_interest is None else \
        (1.0 + eco.interest_rate.value + inp.extra_interest) / (1.0 + eco.deflator.value) - 1.0
    renter = rate * eta * prev_debt + inp.adjustments.get("renter", 0.0)
    ndr = fi - sectors_total - other - renter - avdrag
    equity = np.maximum(1.0 - eco.loan_share.value - eco.grant_share.value, 0.0) * investment
    fund = _stock(np.broadcast_to(np.asarray(fund0, dtype=float), fi[0].shape), decay, ndr - equity)
    if inp.fund_at is not None:
        fund = fund + _carry(inp.years, inp.fund_at, fund, decay)
    target = eco.result_target_share.value * income_total
    gap = np.maximum(target - ndr, 0.0)

    # handlingsrom: frie inntekter minus what is bound
    years_out = (inp.years - inp.years[0])[:, None]
    rig = eco.rigidity_years.value
    locked_share = np.clip(1.0 - years_out / rig, 0.0, 1.0) if rig > 0 else np.zeros_like(years_out, dtype=float)
    free_today = np.maximum(sectors_total - inp.mandatory_minimum, 0.0) + other
    bound = inp.mandatory_minimum + renter + avdrag + inp.committed_operating + target
    handlingsrom = fi - bound - locked_share * free_today
    return {
        "frie_inntekter": fi, "driftsinntekter": income_total, "sector_cost": sector_cost,
        "netto_driftsutgifter_sektorer": sectors_total, "ovrige_netto_driftsutgifter": other,
        "brutto_driftsresultat": fi - sectors_total - other, "renter": renter, "avdrag": avdrag,
        "netto_driftsresultat": ndr, "ndr_share": ndr / income_total, "target": target, "gap": gap,
        "investment": investment, "loans": loans, "debt": debt, "fund": fund,
        "handlingsrom": handlingsrom, "bound_mandatory": inp.mandatory_minimum,
        "bound_capital": renter + avdrag, "bound_committed": inp.committed_operating, "bound_result": target,
        "bound_short_term": locked_share * free_today, "free_income_per_capita_base": fi0 * 1000.0 / P[0],
    }


def to_nominal(values: np.ndarray, years: np.ndarray, price_year: int, deflator: float) -> np.ndarray:
    """Fixed-price amounts (Y, ...) to nominal kroner of each year with the explicit deflator."""
    factor = (1.0 + deflator) ** (np.asarray(years) - price_year)
    return values * factor.reshape((-1,) + (1,) * (np.ndim(values) - 1))
