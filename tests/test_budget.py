"""The økonomiplan: hand-checked arithmetic, properties, stress tests, rullering, plan vs actual,
samordning, behovsanalyse and error paths."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.budget import BudgetInputs, compute_budget, to_nominal
from planmodel.inputs.economy import economy_with
from planmodel.services.capacity import investment_path, plan_places
from planmodel.core.errors import InputError
from planmodel.analysis.followup import Actuals, plan_vs_actual, roll_forward, stress_tests
from planmodel.model.chain import run
from planmodel.analysis.samordning import samordning, who_pays_who_gains
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.core.values import Value

TEST_LIB = str(Path(__file__).parent / "fixtures" / "tiltak" / "test_tiltak.yaml")
YEARS = np.arange(2026, 2031)


def flat_inputs(**kw):
    """Two sectors, constant population of 1 000, no demography, no tiltak: easy to check by hand."""
    Y = YEARS.size
    base = dict(
        years=YEARS, sectors=["a", "b"], population=np.full((Y, 1), 1000.0),
        demographic_index=np.full((Y, 1), 100.0),
        base_frame=np.array([[[60.0]], [[20.0]]]), demographic=np.zeros((2, Y, 1)), options=np.zeros((2, Y, 1)),
        measures_effect=np.zeros((2, Y, 1)), measures_operating=np.zeros((2, Y, 1)),
        measures_investment=np.zeros((Y, 1)), capacity_investment=np.zeros((Y, 1)),
        mandatory_minimum=np.full((Y, 1), 50.0), committed_operating=np.zeros((Y, 1)),
    )
    base.update(kw)
    return BudgetInputs(**base)


def simple_economy(**kw):
    vals = dict(free_income_per_capita=100.0, free_income_growth=0.0, demographic_compensation=0.0,
                free_income_share=0.8, other_net_expenditure_per_capita=5.0, result_target_share=0.02,
                debt_share=0.8, interest_bearing_share=0.5, fund_share=0.1, interest_rate=0.05, deflator=0.0,
                repayment_years=20.0, loan_share=0.5, grant_share=0.2, base_investment_share=0.0, rigidity_years=2.0)
    vals.update(kw)
    return economy_with(vals, "test")


def test_budget_arithmetic_by_hand():
    b = compute_budget(flat_inputs(), simple_economy())
    # frie inntekter 100 kr x 1 000 = 100 (NOK 1000); driftsinntekter = 100 / 0.8 = 125
    assert b["frie_inntekter"][:, 0] == pytest.approx([100.0] * 5)
    assert b["driftsinntekter"][:, 0] == pytest.approx([125.0] * 5)
    # debt 0.8 x 125 = 100; avdrag 100/20 = 5; interest (deflator 0: real = nominal) 5 % of half = 2.5
    assert b["debt"][0, 0] == pytest.approx(100.0)
    assert b["avdrag"][:, 0] == pytest.approx([5.0, 5.0, 4.75, 4.5125, 4.286875])
    assert b["renter"][0, 0] == pytest.approx(2.5)
    # sectors 80 + other 5 kr x 1 000 = 5 -> NDR = 100 - 80 - 5 - 2.5 - 5 = 7.5 = 6 % of 125
    assert b["netto_driftsresultat"][0, 0] == pytest.approx(7.5)
    assert b["ndr_share"][0, 0] == pytest.approx(0.06)
    # income - expenditure - capital costs = NDR, to the krone, every year
    lhs = b["frie_inntekter"] - b["netto_driftsutgifter_sektorer"] - b["ovrige_netto_driftsutgifter"] - b["renter"] - b["avdrag"]
    np.testing.assert_allclose(lhs, b["netto_driftsresultat"], atol=1e-9)
    # target 2 % of 125 = 2.5, NDR above -> no gap; fund grows by NDR (no investments)
    assert b["target"][0, 0] == pytest.approx(2.5) and b["gap"].max() == 0.0
    assert b["fund"][1, 0] - b["fund"][0, 0] == pytest.approx(b["netto_driftsresultat"][1, 0])
    # handlingsrom in the base year: 100 - (50 + 7.5 + 0 + 2.5) - locked (80 - 50 + 5) = 5
    assert b["handlingsrom"][0, 0] == pytest.approx(100 - 50 - 7.5 - 2.5 - 35)
    # two years later nothing of today's other spending is locked: handlingsrom is larger
    assert b["handlingsrom"][2, 0] > b["handlingsrom"][0, 0]


def test_gap_is_the_distance_to_the_target():
    inp = flat_inputs(options=np.full((2, YEARS.size, 1), 5.0))  # 10 more spending from 2026
    b = compute_budget(inp, simple_economy())
    # NDR = 7.5 - 10 = -2.5 in the base year; target 2.5 -> gap 5
    assert b["netto_driftsresultat"][0, 0] == pytest.approx(-2.5)
    assert b["gap"][0, 0] == pytest.approx(5.0)


def test_investment_financing_by_hand():
    inv = np.zeros((YEARS.size, 1))
    inv[1] = 100.0
    b = compute_budget(flat_inputs(measures_investment=inv), simple_economy())
    assert b["loans"][1, 0] == pytest.approx(50.0)
    assert b["debt"][1, 0] == pytest.approx(100 - 5 + 50)
    # equity from the fund: (1 - 0.5 loan - 0.2 grants) x 100 = 30
    assert b["fund"][1, 0] == pytest.approx(b["fund"][0, 0] + b["netto_driftsresultat"][1, 0] - 30.0)
    # next year's avdrag and interest follow the larger debt
    assert b["avdrag"][2, 0] == pytest.approx(145 / 20)


def test_base_year_calibration_hits_the_stated_result():
    eco = simple_economy(base_result_share=0.03).replaced("free_income_per_capita", None)
    b = compute_budget(flat_inputs(), eco)
    assert b["ndr_share"][0, 0] == pytest.approx(0.03)


def test_nominal_only_through_the_deflator():
    vals = np.array([100.0, 100.0, 100.0])
    np.testing.assert_allclose(to_nominal(vals, np.array([2025, 2026, 2027]), 2025, 0.04), [100, 104, 108.16])


@settings(max_examples=40, deadline=None)
@given(st.floats(50, 500), st.floats(1, 200), st.floats(0, 0.1), st.floats(0, 0.08))
def test_higher_income_never_lowers_the_result(fi, extra, rate, deflator):
    eco = simple_economy(free_income_per_capita=fi, interest_rate=rate, deflator=deflator)
    more = eco.replaced("free_income_per_capita", Value(fi + extra, "assumption", "test"))
    a = compute_budget(flat_inputs(), eco)["netto_driftsresultat"]
    b = compute_budget(flat_inputs(), more)["netto_driftsresultat"]
    assert (b >= a - 1e-9).all()


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
    assert ds["netto_driftsresultat_andel"].sel(year=2026) == pytest.approx(0.022)
    assert "KOSTRA 2025" in ds.attrs["calibration"]
    # the crisis: the result falls below the TBU norm by 2040 without measures
    assert float(ds.netto_driftsresultat_andel.sel(year=2040)) < 0.0175
    assert float(ds.inndekningsbehov.sel(year=2040)) > 0


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
    # interest +2 pp on the interest-bearing debt (real rate rises by 2 / 1.035 pp)
    d = basis.lanegjeld.sel(year=2026) * 0.422 * 0.02 / 1.035
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


def test_behovsanalyse_builds_places_in_blocks():
    demand = np.array([[100.0], [100.0], [130.0], [170.0], [160.0]])
    opening = plan_places(demand, np.arange(5), block=24)
    assert opening[:, 0].tolist() == [0, 0, 48, 24, 0]  # need 30 -> 2 blocks; need 70 -> 3 blocks
    inv = investment_path(opening, 10.0)
    # each opening paid over the two years before it (480 in years 0-1, 240 in years 1-2), but
    # nothing in the base year: its share moves to the first plan year
    assert inv[:, 0].tolist() == [0.0, 600.0, 120.0, 0.0, 0.0]
    ds = run(PlanScenario())
    assert int(ds.plasser_nye.sel(place_type="institusjon").sum()) % 24 == 0
    assert float(ds.queue.sel(capacity_group="institusjon").max()) == pytest.approx(0.0, abs=1e-6)


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
    # 24 places x 5 500 (NOK 1000 per place) paid over the two years before opening
    assert extra.sel(year=[2027, 2028]).values.tolist() == pytest.approx([66_000, 66_000])
    assert float(extra.sum()) == pytest.approx(24 * 5_500)
