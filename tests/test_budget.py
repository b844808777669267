"""The økonomiplan: hand-checked arithmetic, properties, stress tests, rullering, plan vs actual,
samordning, behovsanalyse and error paths."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.budget import BudgetInputs, IncomeBase, age_index, compute_budget, income_equalisation, to_nominal
from planmodel.inputs.accounts import kommune_accounts
from planmodel.inputs.kommuner import all_kommuner
from planmodel.inputs.economy import economy_with, load_economy
from planmodel.core.errors import InputError
from planmodel.analysis.followup import Actuals, plan_vs_actual, roll_forward, stress_tests
from planmodel.model.chain import run
from planmodel.analysis.samordning import samordning, who_pays_who_gains
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.core.values import Value

TEST_LIB = str(Path(__file__).parent / "fixtures" / "tiltak" / "test_tiltak.yaml")
YEARS = np.arange(2026, 2031)


def income_base(**kw):
    """1 000 inhabitants; frie inntekter 100 (60 skatt, 10 inntektsutjevning, 20 innbyggertilskudd,
    5 utgiftsutjevning, 5 other rammetilskudd), other operating income 25, NDR 7.5, debt 100."""
    Y = YEARS.size
    base = dict(population0=1000.0, parts={"skatt": 60.0, "inntektsutjevning": 10.0, "innbyggertilskudd": 20.0,
                                           "utgiftsutjevning": 5.0, "andre_rammetilskudd": 5.0},
                other_income=25.0, net_operating_result=7.5, net_debt=100.0, tax_per_capita=60.0,
                age_index_change=np.zeros((Y, 1)), national_need_index=np.ones((Y, 1)))
    base.update(kw)
    return IncomeBase(**base)


def flat_inputs(income=None, **kw):
    """Two sectors, constant population of 1 000, no demography, no tiltak: easy to check by hand."""
    Y = YEARS.size
    base = dict(
        years=YEARS, sectors=["a", "b"], population=np.full((Y, 1), 1000.0), income=income or income_base(),
        base_frame=np.array([[[60.0]], [[20.0]]]), demographic=np.zeros((2, Y, 1)), options=np.zeros((2, Y, 1)),
        measures_effect=np.zeros((2, Y, 1)), measures_operating=np.zeros((2, Y, 1)),
        measures_investment=np.zeros((Y, 1)), capacity_investment=np.zeros((Y, 1)),
        capacity_external=np.zeros((Y, 1)),
        mandatory_minimum=np.full((Y, 1), 50.0), committed_operating=np.zeros((Y, 1)),
    )
    base.update(kw)
    return BudgetInputs(**base)


def simple_economy(**kw):
    vals = dict(free_income_growth=0.0, demographic_compensation=0.0, result_target_share=0.02,
                interest_bearing_share=0.5, fund_share=0.1, interest_rate=0.05, deflator=0.0,
                repayment_years=20.0, loan_share=0.5, grant_share=0.2, base_investment_share=0.0, rigidity_years=2.0)
    vals.update(kw)
    return economy_with(vals, "test")


def test_budget_arithmetic_by_hand():
    b = compute_budget(flat_inputs(), simple_economy())
    # frie inntekter are the accounts' 100 (NOK 1000) as long as population and rules stay
    assert b["frie_inntekter"][:, 0] == pytest.approx([100.0] * 5)
    assert b["skatt"][:, 0] == pytest.approx([60.0] * 5) and b["utgiftsutjevning"][0, 0] == pytest.approx(5.0)
    # driftsinntekter = frie inntekter + the other operating income 25
    assert b["driftsinntekter"][:, 0] == pytest.approx([125.0] * 5)
    # debt 100 (the accounts); no investment: avdrag 100/20 = 5, then 95/20, ...
    assert b["debt"][0, 0] == pytest.approx(100.0)
    assert b["avdrag"][:, 0] == pytest.approx([5.0, 5.0, 4.75, 4.5125, 4.286875])
    # interest: 5 % on the interest-bearing half of the debt
    assert b["renter"][:2, 0] == pytest.approx([2.5, 2.5])
    assert b["renter"][2, 0] == pytest.approx(0.05 * 0.5 * 95)
    # the base year closes to the accounts' NDR 7.5 with øvrige = 100 - 80 - 2.5 - 5 - 7.5 = 5
    assert b["remainder"][0, 0] == pytest.approx(5.0)
    assert b["ovrige_netto_driftsutgifter"][:, 0] == pytest.approx([5.0] * 5)
    assert b["netto_driftsresultat"][:2, 0] == pytest.approx([7.5, 7.5])
    assert b["netto_driftsresultat"][2, 0] == pytest.approx(100 - 80 - 5 - 0.05 * 0.5 * 95 - 4.75)
    assert b["ndr_share"][0, 0] == pytest.approx(0.06)
    # income - expenditure - capital costs = NDR, to the krone, every year
    lhs = b["frie_inntekter"] - b["netto_driftsutgifter_sektorer"] - b["ovrige_netto_driftsutgifter"] - b["renter"] - b["avdrag"]
    np.testing.assert_allclose(lhs, b["netto_driftsresultat"], atol=1e-9)
    # target 2 % of 125 = 2.5, NDR above -> no gap; fund (10 % of 125) grows by NDR (no investments)
    assert b["target"][0, 0] == pytest.approx(2.5) and b["gap"].max() == 0.0
    assert b["fund"][0, 0] == pytest.approx(12.5)
    assert b["fund"][1, 0] - b["fund"][0, 0] == pytest.approx(b["netto_driftsresultat"][1, 0])
    # handlingsrom in the base year: 100 - (50 + 2.5 + 5 + 0 + 2.5) - locked (80 - 50 + 5) = 5
    assert b["handlingsrom"][0, 0] == pytest.approx(5.0)
    # two years later nothing of today's other spending is locked: handlingsrom is larger
    assert b["handlingsrom"][2, 0] > b["handlingsrom"][0, 0]


def test_the_base_year_is_the_accounts_whatever_the_costs():
    """The øvrige line takes what the sectors do not cover: any sector cost gives the same
    base-year NDR, frie inntekter and driftsinntekter (those of the accounts)."""
    for frame in (10.0, 60.0, 95.0):
        b = compute_budget(flat_inputs(base_frame=np.array([[[frame]], [[20.0]]])), simple_economy())
        assert b["netto_driftsresultat"][0, 0] == pytest.approx(7.5)
        assert b["frie_inntekter"][0, 0] == pytest.approx(100.0) and b["driftsinntekter"][0, 0] == pytest.approx(125.0)


def test_gap_is_the_distance_to_the_target():
    opt = np.zeros((2, YEARS.size, 1))
    opt[:, 1:] = 5.0  # 10 more spending from 2027
    b = compute_budget(flat_inputs(options=opt), simple_economy())
    # NDR = 7.5 - 10 = -2.5 in 2027; target 2.5 -> gap 5
    assert b["netto_driftsresultat"][1, 0] == pytest.approx(-2.5)
    assert b["gap"][1, 0] == pytest.approx(5.0)


def test_investment_financing_by_hand():
    inv = np.zeros((YEARS.size, 1))
    inv[1] = 100.0
    b = compute_budget(flat_inputs(measures_investment=inv), simple_economy())
    # grants and momskompensasjon 20 % = 20; loans: loan share 50 % of the gross, i.e. 0.5/0.8 of the net 80
    assert b["external"][1, 0] == pytest.approx(20.0)
    assert b["loans"][1, 0] == pytest.approx(50.0)
    assert b["debt"][1, 0] == pytest.approx(100 - 5 + 50)
    # equity from the fund: 100 - 20 - 50 = 30
    assert b["equity"][1, 0] == pytest.approx(30.0)
    assert b["fund"][1, 0] == pytest.approx(b["fund"][0, 0] + b["netto_driftsresultat"][1, 0] - 30.0)
    # next year's avdrag and interest follow the larger debt; investment against driftsinntekter
    assert b["avdrag"][2, 0] == pytest.approx(145 / 20)
    assert b["renter"][2, 0] == pytest.approx(0.05 * 0.5 * 145)
    assert b["investment_share"][1, 0] == pytest.approx(100 / 125)


def test_new_places_are_paid_partly_by_grants():
    inv = np.zeros((YEARS.size, 1))
    ext = np.zeros((YEARS.size, 1))
    inv[2], ext[2] = 40.0, 30.0  # a place type with 75 % investeringstilskudd and momskompensasjon
    b = compute_budget(flat_inputs(capacity_investment=inv, capacity_external=ext), simple_economy())
    assert b["external"][2, 0] == pytest.approx(30.0)
    assert b["loans"][2, 0] == pytest.approx(0.5 / 0.8 * 10.0)


def test_debt_in_fixed_prices_erodes_and_carries_nominal_interest():
    """Deflator 4 %: the debt of 100 is 100/1.04 in next year's kroner; interest is the nominal
    rate on that (not a real rate, which would count inflation twice)."""
    b = compute_budget(flat_inputs(), simple_economy(deflator=0.04))
    start1 = 100.0 / 1.04  # G'_1: the accounts' debt in next year's fixed kroner
    # the base year is charged the same way (no step from the base year to the first plan year)
    assert b["renter"][0, 0] == pytest.approx(0.05 * 0.5 * start1)
    assert b["avdrag"][1, 0] == pytest.approx(start1 / 20)
    assert b["renter"][1, 0] == pytest.approx(0.05 * 0.5 * start1)
    assert b["debt"][1, 0] == pytest.approx(start1 * 0.95)
    assert b["renter"][2, 0] == pytest.approx(0.05 * 0.5 * b["debt"][1, 0] / 1.04)


def test_ongoing_investment_keeps_the_debt_when_not_set():
    """Without base_investment_share the ongoing investment is the one that keeps the base-year
    debt constant in fixed prices: loans = what avdrag and the deflator take."""
    eco = simple_economy().replaced("base_investment_share", None)
    b = compute_budget(flat_inputs(), eco)
    np.testing.assert_allclose(b["debt"][:, 0], 100.0)
    # loans 5 a year = 0.5/0.8 x (I - 0.2 I) -> I = 10
    assert b["investment"][1, 0] == pytest.approx(10.0) and b["loans"][1, 0] == pytest.approx(5.0)
    b4 = compute_budget(flat_inputs(), eco.with_values({"deflator": 0.04}, "test"))
    np.testing.assert_allclose(b4["debt"][:, 0], 100.0)


def test_inntektsutjevning_by_hand():
    """The 2025 rules (62 % symmetric, 35 % more below 90 %, trekk 378.14 kr per innbygger) at
    landet's skatt per innbygger 42 269.58 kr (the shipped economy file)."""
    eco = load_economy()
    assert eco.national_tax_per_capita.value == pytest.approx(42_269.58)
    # 30 000 kr: 0.62 x 12 269.58 + 0.35 x (38 042.622 - 30 000) - 378.14 = 10 043.9173
    assert income_equalisation(30_000.0, eco) == pytest.approx(10_043.9173, abs=1e-4)
    # 60 000 kr: 0.62 x (-17 730.42) - 378.14 = -11 371.0004 (no extra part above 90 %)
    assert income_equalisation(60_000.0, eco) == pytest.approx(-11_371.0004, abs=1e-4)
    # at landet's average only the trekk remains
    assert income_equalisation(42_269.58, eco) == pytest.approx(-378.14)


def test_inntektsutjevning_reproduces_every_kommune_in_2025():
    """The rules applied to each kommune's skatt per innbygger (KDD 2025, population 1.1.2025) give
    its booked netto inntektsutjevning within 0.01 kr per inhabitant, for all 357 kommuner.
    Bærum by hand: skatt 8 666 260 (NOK 1000) / 132 358 = 65 475.906 kr;
    0.62 x (42 269.58 - 65 475.906) - 378.14 = -14 766.06 kr; x 132 358 = -1 954 406 (NOK 1000)."""
    eco = load_economy()
    b = kommune_accounts("3201")
    s = b.tax * 1000 / b.population_1jan
    assert s == pytest.approx(65_475.906, abs=1e-3)
    assert income_equalisation(s, eco) == pytest.approx(-14_766.06, abs=0.01)
    assert income_equalisation(s, eco) * b.population_1jan / 1000 == pytest.approx(b.income_equalisation, abs=1.0)
    worst = 0.0
    for code in all_kommuner()["kommune"]:
        a = kommune_accounts(code)
        e = income_equalisation(a.tax * 1000 / a.population_1jan, eco)
        worst = max(worst, abs(e - a.income_equalisation * 1000 / a.population_1jan))
    assert worst < 0.01


def test_own_tax_level_moves_the_inntektsutjevning():
    """skatt per innbygger from 60 to 30 (NOK): skatt halves; the inntektsutjevning rises by
    e(30) - e(60) per inhabitant (per 1 000 inhabitants in NOK 1000)."""
    eco = simple_economy(tax_per_capita=30_000.0)
    inc = income_base(tax_per_capita=60_000.0)
    b = compute_budget(flat_inputs(income=inc), eco)
    # from the first plan year; the base year stays the accounts
    assert b["skatt"][:2, 0] == pytest.approx([60.0, 30.0])
    de = income_equalisation(30_000.0, eco) - income_equalisation(60_000.0, eco)
    assert b["inntektsutjevning"][1, 0] == pytest.approx(10.0 + de * 1000 / 1000)
    assert b["inntektsutjevning"][0, 0] == pytest.approx(10.0)
    assert b["netto_driftsresultat"][0, 0] == pytest.approx(7.5)


def test_demographic_compensation_by_hand():
    """With the system's compensation (w = 1): the parts per inhabitant follow the nation's
    demographic need (lambda = 1.01 in 2027), the rest of the rammetilskudd (5) is an amount per
    kommune, and the utgiftsutjevning also follows the kommune's own ageing against the nation's
    at U = 73 000 kr per inhabitant: an age index up 0.001 gives 73 000 x 0.001 x 1 000
    inhabitants x 1.01 = 73.73 (NOK 1000). So FI = 95 x 1.01 + 5 + 73.73 = 174.68. Without (w = 0)
    nothing moves."""
    Y = YEARS.size
    need = (1.0 + 0.01 * np.arange(Y))[:, None]
    dD = (0.001 * np.arange(Y))[:, None]
    inp = flat_inputs(income=income_base(national_need_index=need, age_index_change=dD))
    eco = simple_economy(demographic_compensation=1.0)
    assert eco.expenditure_need_per_capita.value == pytest.approx(73_000.0)
    b = compute_budget(inp, eco)
    assert b["frie_inntekter"][1, 0] == pytest.approx(95.0 * 1.01 + 5.0 + 73.0 * 0.001 * 1000 * 1.01)
    assert b["frie_inntekter"][1, 0] == pytest.approx(174.68)
    assert b["utgiftsutjevning"][1, 0] == pytest.approx(5.0 * 1.01 + 73.73)
    assert b["skatt"][2, 0] == pytest.approx(60.0 * 1.02)
    assert b["andre_rammetilskudd"][:, 0] == pytest.approx([5.0] * Y)
    without = compute_budget(inp, simple_economy(demographic_compensation=0.0))
    assert without["frie_inntekter"][:, 0] == pytest.approx([100.0] * Y)
    # real growth beyond demography multiplies every part
    grown = compute_budget(inp, simple_economy(free_income_growth=0.01))
    assert grown["frie_inntekter"][2, 0] == pytest.approx(100.0 * 1.01 ** 2)


def test_amounts_per_kommune_do_not_follow_the_population():
    """A kommune that shrinks from 1 000 to 900 inhabitants (w = 1, no national change): the parts
    per inhabitant fall by 10 %; the basistillegg follows its rule B = weight x U x (N_nat/357 -
    N) (here from 10 to 10 + 0.0217 x 73 x 100 = 168.41 (NOK 1000): the kommune is smaller, its
    basis index larger), replacing its base-year value in the per-inhabitant part; the rest of the
    rammetilskudd stays 5. Without the system (w = 0) everything is per inhabitant."""
    Y = YEARS.size
    pop = np.full((Y, 1), 1000.0)
    pop[1:] = 900.0
    basis = np.full((Y, 1), 10.0)
    basis[1:] = 10.0 + 0.0217 * 73.0 * 100
    inp = flat_inputs(population=pop, income=income_base(basis_amount=basis))
    b = compute_budget(inp, simple_economy(demographic_compensation=1.0))
    assert b["skatt"][1, 0] == pytest.approx(54.0)
    assert b["utgiftsutjevning"][1, 0] == pytest.approx((5.0 - 10.0) * 0.9 + 168.41)
    assert b["andre_rammetilskudd"][1, 0] == pytest.approx(5.0)
    assert b["utgiftsutjevning"][0, 0] == pytest.approx(5.0)  # the base year is the accounts
    w0 = compute_budget(inp, simple_economy(demographic_compensation=0.0))
    assert w0["utgiftsutjevning"][1, 0] == pytest.approx(4.5) and w0["andre_rammetilskudd"][1, 0] == pytest.approx(4.5)


def test_age_index_by_hand():
    """Two age groups (0 and 1+), weights 0.3 and 0.7: a kommune with 10 % babies where the
    nation has 5 % has D = 0.3 x 0.10/0.05 + 0.7 x 0.90/0.95."""
    kommune = np.zeros((1, 106))
    nation = np.zeros((1, 106))
    kommune[0, 0], kommune[0, 50] = 100, 900
    nation[0, 0], nation[0, 50] = 50, 950
    d = age_index(kommune, nation, [(0, 0), (1, 105)], [0.3, 0.7])
    assert d[0] == pytest.approx(0.3 * 2 + 0.7 * 0.9 / 0.95)
    assert age_index(nation, nation, [(0, 0), (1, 105)], [0.3, 0.7])[0] == pytest.approx(1.0)


def test_nominal_only_through_the_deflator():
    vals = np.array([100.0, 100.0, 100.0])
    np.testing.assert_allclose(to_nominal(vals, np.array([2025, 2026, 2027]), 2025, 0.04), [100, 104, 108.16])


@settings(max_examples=40, deadline=None)
@given(st.floats(50, 500), st.floats(1, 200), st.floats(0, 0.1), st.floats(0, 0.08))
def test_higher_income_never_lowers_the_result(fi, extra, rate, deflator):
    eco = simple_economy(interest_rate=rate, deflator=deflator)
    a = compute_budget(flat_inputs(), eco.replaced("free_income_per_capita", Value(fi, "assumption", "test")))
    b = compute_budget(flat_inputs(), eco.replaced("free_income_per_capita", Value(fi + extra, "assumption", "test")))
    assert (b["netto_driftsresultat"][1:] - a["netto_driftsresultat"][1:] == pytest.approx(extra * 1000 / 1000))
    assert b["netto_driftsresultat"][0, 0] == pytest.approx(a["netto_driftsresultat"][0, 0])  # the accounts


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(-0.02, 0.05), st.floats(0, 0.1), st.floats(0, 0.08),
       st.floats(0.0, 0.01))
def test_the_base_year_closes_under_any_assumptions(w, growth, rate, deflator, ageing):
    Y = YEARS.size
    inp = flat_inputs(income=income_base(national_need_index=(1 + 0.02 * np.arange(Y))[:, None],
                                         age_index_change=(ageing * np.arange(Y))[:, None]))
    b = compute_budget(inp, simple_economy(demographic_compensation=w, free_income_growth=growth,
                                           interest_rate=rate, deflator=deflator))
    assert b["netto_driftsresultat"][0, 0] == pytest.approx(7.5)
    assert b["frie_inntekter"][0, 0] == pytest.approx(100.0)
    assert np.isfinite(b["netto_driftsresultat"]).all()


# ----------------------------------------------------------------------------- the full model

@pytest.fixture(scope="module")
def basis():
    return run(PlanScenario())


def test_run_result_has_the_plan_lines_units_and_sources(basis):
    ds = basis
    assert ds.attrs["plan_period"] == "2027–2030" and ds.attrs["price_year"] == 2025
    assert list(ds.year.values[ds.plan_year.values]) == [2027, 2028, 2029, 2030]
    assert int(ds.year[-1]) == 2040
    assert ds["netto_driftsresultat"].attrs["units"] == "NOK 1000, 2025 prices"
    lhs = ds.frie_inntekter - ds.netto_driftsutgifter_sektorer - ds.ovrige_netto_driftsutgifter - ds.renter - ds.avdrag
    np.testing.assert_allclose(lhs.values, ds.netto_driftsresultat.values, atol=1e-6)
    # sector frame = base frame + demographic change + option deltas + tiltak
    parts = ds.sektor_basis + ds.sektor_demografi + ds.sektor_valg + ds.sektor_tiltak_effekt + ds.sektor_tiltak_drift
    np.testing.assert_allclose(parts.values, ds.sektor_ramme.values, atol=1e-6)
    # the base year is Bærum's own 2025 accounts (NDR 6,03 % of driftsinntekter)
    acc = kommune_accounts("3201")
    assert float(ds["netto_driftsresultat_andel"].sel(year=2026)) == pytest.approx(acc.ndr_share, abs=1e-9)
    assert float(ds.frie_inntekter.sel(year=2026)) == pytest.approx(acc.free_income, rel=1e-9)
    assert float(ds.driftsinntekter.sel(year=2026)) == pytest.approx(acc.gross_operating_income, rel=1e-9)
    assert float(ds.lanegjeld.sel(year=2026)) == pytest.approx(acc.net_debt, rel=1e-9)
    assert "KOSTRA 2025" in ds.attrs["calibration"]
    # both income rules are on the result; without the demographic compensation the result is lower
    rules = ds.netto_driftsresultat_andel_inntektsregel
    assert list(ds.income_rule.values) == ["med_demografi", "uten_demografi"]
    assert float(rules.sel(income_rule="uten_demografi", year=2040)) < float(rules.sel(income_rule="med_demografi", year=2040))
    np.testing.assert_allclose(rules.sel(income_rule=ds.attrs["income_rule"]).values, ds.netto_driftsresultat_andel.values)


def test_zero_tiltak_changes_nothing(basis):
    sc = PlanScenario(library=TEST_LIB, measures=(MeasureChoice("ingenting", 2027),))
    ds = run(sc)
    for v in ("netto_driftsresultat", "sektor_ramme", "lanegjeld", "disposisjonsfond", "users", "cost"):
        np.testing.assert_allclose(ds[v].values, basis[v].values, rtol=1e-12, atol=1e-9)


def test_costs_are_additive_across_independent_tiltak():
    def net(ids):
        sc = PlanScenario(library=TEST_LIB, measures=tuple(MeasureChoice(i, 2027) for i in ids), behovsanalyse=False)
        return run(sc).sektor_ramme
    none, a, b, ab = net([]), net(["eldre"]), net(["barn"]), net(["eldre", "barn"])
    np.testing.assert_allclose((ab - none).values, ((a - none) + (b - none)).values, atol=1e-6)


def test_tiltak_profiles_by_hand():
    sc = PlanScenario(library=TEST_LIB, measures=(MeasureChoice("eldre", 2027, end=2035),))
    ds = run(sc)
    drift = ds.tiltak_drift.sel(measure="eldre")
    # operating is a level that holds: 500 in 2027-28, 800 from 2029, stops after the end year
    assert drift.sel(year=[2026, 2027, 2028, 2029, 2035, 2036]).values.tolist() == [0, 500, 500, 800, 800, 0]
    # investment is a flow: 1 000 in the start year only
    assert ds.tiltak_investering.sel(measure="eldre").values.sum() == 1000
    assert float(ds.tiltak_investering.sel(measure="eldre", year=2027)) == 1000
    # unit cost of home nursing falls 5 % in 2027 and 10 % from 2028
    base = run(PlanScenario(library=TEST_LIB))
    ratio = ds.cost.sel(service="hjemmesykepleie") / base.cost.sel(service="hjemmesykepleie")
    assert ratio.sel(year=[2026, 2027, 2028, 2030]).values == pytest.approx([1.0, 0.95, 0.9, 0.9])
    assert ratio.sel(year=2036) == pytest.approx(1.0)  # effect ends with the measure


@settings(max_examples=12, deadline=None)
@given(st.floats(0.0, 0.3), st.floats(-0.05, 0.1), st.floats(0.0, 0.08))
def test_a_stress_test_never_improves_the_result(comp, growth, rate):
    sc = PlanScenario(economy={"demographic_compensation": comp, "free_income_growth": growth, "interest_rate": rate})
    st_ = stress_tests(sc)
    assert float(st_.endring_ndr.max()) <= 1e-6
    assert float(st_.endring_ndr.sel(stress="rente_pluss_2", year=2027)) < 0


def test_stress_tests_by_hand(basis):
    st_ = stress_tests(PlanScenario())
    fi = basis.frie_inntekter
    # income -4 % from the first plan year: NDR falls by exactly 4 % of frie inntekter
    np.testing.assert_allclose(st_.endring_ndr.sel(stress="inntekt_minus_4").values[1:], -0.04 * fi.values[1:], rtol=1e-9)
    assert float(st_.endring_ndr.sel(stress="inntekt_minus_4", year=2026)) == 0.0
    assert list(st_.stress_label.values) == ["Scenarioet", "Frie inntekter −4 %", "Rente +2 prosentpoeng", "Investeringer +25 %"]
    # every stress test starts in the first plan year: the base year is untouched
    assert float(abs(st_.endring_ndr.sel(year=2026)).max()) == 0.0
    # interest +2 pp (nominal) on the interest-bearing share of the debt at the start of 2027 (the
    # 2026 debt in 2027 kroner)
    eco = load_economy()
    d = basis.lanegjeld.sel(year=2026) * eco.interest_bearing_share.value * 0.02 / (1 + eco.deflator.value)
    assert float(st_.endring_ndr.sel(stress="rente_pluss_2", year=2027)) == pytest.approx(-float(d), rel=1e-9)


def test_rolling_with_actuals_equal_to_the_plan_changes_nothing(basis):
    y = 2027
    a = Actuals(y, frie_inntekter=float(basis.frie_inntekter.sel(year=y)),
                sector_costs={s: float(basis.sektor_ramme.sel(sector=s, year=y)) for s in basis.sector.values},
                ovrige_netto_driftsutgifter=float(basis.ovrige_netto_driftsutgifter.sel(year=y)),
                renter=float(basis.renter.sel(year=y)), avdrag=float(basis.avdrag.sel(year=y)),
                debt=float(basis.lanegjeld.sel(year=y)), fund=float(basis.disposisjonsfond.sel(year=y)))
    rolled = roll_forward(PlanScenario(), a)
    for v in ("netto_driftsresultat", "lanegjeld", "disposisjonsfond", "sektor_ramme"):
        np.testing.assert_allclose(rolled[v].values, basis[v].values, atol=1e-6)
    assert rolled.attrs["plan_period"] == "2028–2031" and rolled.attrs["rolled_from"] == 2027


def test_rolling_carries_deviations_forward(basis):
    y = 2027
    a = Actuals(y, frie_inntekter=float(basis.frie_inntekter.sel(year=y)) - 100_000,
                sector_costs={"helse_og_omsorg": float(basis.sektor_ramme.sel(sector="helse_og_omsorg", year=y)) + 50_000},
                debt=float(basis.lanegjeld.sel(year=y)) + 1_000_000)
    rolled = roll_forward(PlanScenario(), a)
    diff = rolled.netto_driftsresultat - basis.netto_driftsresultat
    assert float(diff.sel(year=2026)) == 0.0
    assert float(diff.sel(year=2027)) == pytest.approx(-150_000)
    # later years: the same level shift, plus capital costs of the larger debt
    assert float(diff.sel(year=2028)) < -150_000
    assert float(rolled.lanegjeld.sel(year=2027)) == pytest.approx(float(basis.lanegjeld.sel(year=2027)) + 1_000_000)


def test_plan_against_actual_reports_deviations_and_gains():
    sc = PlanScenario(library=TEST_LIB, measures=(MeasureChoice("eldre", 2027),))
    plan = run(sc)
    y = 2028
    planned = float(plan.sektor_ramme.sel(sector="helse_og_omsorg", year=y))
    out = plan_vs_actual(sc, Actuals(y, sector_costs={"helse_og_omsorg": planned + 2_000},
                                     users={"hjemmesykepleie": 4_000.0}))
    sek = out["sektorer"].set_index("Sektor")
    assert sek.loc["Helse og omsorg", "Avvik (NOK 1000)"] == pytest.approx(2_000)
    tj = out["tjenester"].set_index("Tjeneste")
    assert tj.iloc[0]["Brukere faktisk"] == 4_000.0
    tiltak = out["tiltak"].set_index("Tiltak")
    gain = tiltak.loc["Eldretiltak", "Planlagt gevinst (NOK 1000)"]
    assert gain > 0  # a saving was planned
    # 2 000 more than planned: the realised gain is 2 000 short of the planned gain
    assert tiltak.loc["Eldretiltak", "Realisert gevinst, anslag (NOK 1000)"] == pytest.approx(gain - 2_000)


def test_samordning_who_pays_who_gains():
    sc = PlanScenario(library=TEST_LIB, measures=(MeasureChoice("barn", 2027), MeasureChoice("eldre", 2027)))
    ds = samordning(sc)
    # the child measure costs 300 a year in barn og unge and saves on barnevern placements there
    assert float(ds.drift.sel(measure="barn", sector="barn_og_unge", year=2028)) == 300
    assert float(ds.effekt.sel(measure="barn", sector="barn_og_unge", year=2028)) < 0
    assert float(abs(ds.effekt.sel(measure="barn", sector="helse_og_omsorg")).max()) == 0.0
    table = who_pays_who_gains(ds)
    assert list(table.index) == ["Barnetiltak", "Eldretiltak"] and "Netto" in table.columns


def test_behovsanalyse_in_the_model_builds_in_blocks_never_beyond_the_need():
    ds = run(PlanScenario())
    new = ds.plasser_nye.sum("year")
    existing, block = ds.plasser_eksisterende, ds.plasser_blokk
    for pt in ds.place_type.values:
        demand = ds.plasser_behov.sel(place_type=pt)
        n = float(new.sel(place_type=pt))  # never more than the need up to the horizon
        assert n <= max(0.0, np.ceil(float(demand.max()) - float(existing.sel(place_type=pt)))) + 1e-9
        assert float(block.sel(place_type=pt)) > 0
    # places opened cost money over the two years before, and sykehjem places empty the queue
    assert float(ds.queue.sel(capacity_group="institusjon").max()) == pytest.approx(0.0, abs=1e-6)
    plain = run(PlanScenario(behovsanalyse=False))  # no sykehjem or heldøgn places; barnehage and school are a right
    care = ["institusjon", "heldogn_bolig"]
    assert float(plain.plasser_nye.sel(place_type=care).sum()) == 0.0
    np.testing.assert_array_equal(plain.plasser_nye.sel(place_type=["barnehage", "grunnskole"]).values,
                                  ds.plasser_nye.sel(place_type=["barnehage", "grunnskole"]).values)


def test_waiting_is_never_free():
    """Without building, the people above capacity are served at the capacity group's waiting
    cost: not building never reads as a saving of the whole place."""
    built = run(PlanScenario())
    wait = run(PlanScenario(behovsanalyse=False))
    queue = wait.queue.sel(capacity_group="institusjon")
    assert float(queue.max()) > 0
    cost = wait.ventekostnad.sel(capacity_group="institusjon")
    np.testing.assert_array_less(-1e-9, cost.values)
    assert (cost.values[queue.values > 1e-6] > 0).all()
    # when building, only a shortfall under half a place (rounding, not worth a building) waits
    assert float(built.queue.max()) <= 0.5 + 1e-9


@pytest.mark.parametrize("kwargs, match", [
    (dict(measures=(MeasureChoice("fantasi", 2027),)), r"measures\[0\].id: ukjent verdi 'fantasi'"),
    (dict(measures=(MeasureChoice("hverdagsrehabilitering", 2050),)), r"measures\[0\].start: året 2050 er utenfor 2027–2040"),
    (dict(library=TEST_LIB, measures=(MeasureChoice("sen", 2030),)),
     r"measures\[0\].start: tiltakets operating-profil går til 2050, etter horisonten 2040"),
    (dict(measures=(MeasureChoice("hverdagsrehabilitering", 2027), MeasureChoice("hverdagsrehabilitering", 2028))),
     "er valgt to ganger"),
    (dict(economy={"renta": 0.05}), "economy.renta: ukjent nøkkel"),
    (dict(economy={"interest_rate": 0.9}), r"economy.interest_rate: 0.9 er utenfor gyldig område"),
    (dict(horizon=2030), "plan.horizon: 2030 må være etter økonomiplanperioden 2027–2030"),
    (dict(horizon=2029), "plan.horizon: 2029 er utenfor gyldig område"),
    (dict(breadth=-1.0, measures=(MeasureChoice("frivillighet", 2027),)),
     r"measures\[0\].id: tiltaket «Frivillighetsstrategi og styrket frivilligsentral» \(frivillighet\) virker på Frivilligsentral, som"),
    (dict(threshold=1.4), r"^scenario: services.threshold: 1.4 er utenfor gyldig område"),
    (dict(threshold={"eldre": 0.5}), r"services.threshold.eldre: ukjent verdi 'eldre'; gyldige: omsorg, barnevern"),
    (dict(kommune="Bærumm"), r"kommune: ukjent kommune 'Bærumm'"),
    (dict(breadth=float("nan")), r"services.breadth: nan er ikke et endelig tall"),
])
def test_a_scenario_made_in_python_goes_through_the_same_checks_as_a_file(kwargs, match):
    with pytest.raises(InputError, match=match):
        PlanScenario(**kwargs)


def test_a_scenario_is_immutable_and_stores_the_kommune_code():
    s = PlanScenario(kommune="Bærum", threshold={"omsorg": 0.5}, economy={"interest_rate": 0.05})
    assert s.kommune == "3201"
    with pytest.raises(TypeError):
        s.threshold["omsorg"] = 1.0
    with pytest.raises(TypeError):
        s.economy["interest_rate"] = 0.1


def test_actuals_errors():
    with pytest.raises(InputError, match="year: 2026 er ikke et planår"):
        roll_forward(PlanScenario(), Actuals(2026))
    with pytest.raises(InputError, match="sector_costs.skole: ukjent sektor"):
        roll_forward(PlanScenario(), Actuals(2027, sector_costs={"skole": 1.0}))


def test_places_added_by_hand_are_paid_for():
    plain = run(PlanScenario(behovsanalyse=False))
    built = run(PlanScenario(behovsanalyse=False, capacity_additions={"institusjon": {2029: 24}}))
    extra = (built.investeringer - plain.investeringer)
    # 24 places x 4 548 (NOK 1000 per place in a pressområde like Bærum, Husbanken 2025) paid
    # over the two years before opening
    assert extra.sel(year=[2027, 2028]).values.tolist() == pytest.approx([24 * 4_548 / 2] * 2)
    assert float(extra.sum()) == pytest.approx(24 * 4_548)


def test_not_building_is_not_a_large_saving():
    """Not building and letting people wait, or serving them one step down, costs about what
    building costs: the waiting and the stepped-down get the waiting cost (stepped down: a top-up
    to it), so neither reads as a free saving (the issue's 'don't build' used to show +7 pp)."""
    built = run(PlanScenario())
    wait = run(PlanScenario(behovsanalyse=False))
    down = run(PlanScenario(behovsanalyse=False, overflow="step_down"))
    for y in (2030, 2040):
        ref = float(built.netto_driftsresultat_andel.sel(year=y))
        for other in (wait, down):
            assert abs(float(other.netto_driftsresultat_andel.sel(year=y)) - ref) < 0.01, y
    assert float(down.ventekostnad.sel(year=2040).sum()) > 0 and float(wait.ventekostnad.sel(year=2040).sum()) > 0


def test_the_income_parts_sum_to_the_frie_inntekter_after_a_rullering():
    """A rullering moves the frie inntekter to the actual level; the parts move with them."""
    from planmodel.analysis.followup import Actuals, roll_forward
    from planmodel.budget import INCOME_PARTS
    from planmodel.inputs.scenario import PlanScenario
    from planmodel.model.chain import run

    s = PlanScenario(kommune="1151")
    fi27 = float(run(s)["frie_inntekter"].sel(year=2027))
    ds = roll_forward(s, Actuals(year=2027, frie_inntekter=fi27 + 2_000.0))
    parts = sum(ds[k] for k in INCOME_PARTS)
    np.testing.assert_allclose(parts.values, ds["frie_inntekter"].values, rtol=1e-12)
    assert float(ds["frie_inntekter"].sel(year=2027)) == pytest.approx(fi27 + 2_000.0)
