"""What each choice changes (planmodel.analysis.choices), the app's link (planmodel.present.appstate)
and proposals side by side (planmodel.present.proposals), without widgets."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planmodel.analysis.choices import basis_of, choice_effects, single_choices
from planmodel.analysis.crisis import measure_conflicts
from planmodel.core.formatting import mill_kr, prosent, tall
from planmodel.inputs.library import load_library
from planmodel.inputs.scenario import MeasureChoice, PlanScenario
from planmodel.model import run
from planmodel.present.appstate import (Choices, GROWTH_STEPS, QUERY_KEYS, choices_from_query, scenario_of)
from planmodel.present.proposals import comparison_html, proposal_table

LIBRARY = load_library()


def _figure(ds, var):
    a = ds[var]
    extra = [d for d in a.dims if d != "year"]
    return (a.sum(extra) if extra else a).values


def test_each_choice_alone_against_the_basis_and_the_rows_sum_to_the_total():
    sc = PlanScenario(kommune="4601", threshold=0.5, breadth=0.5, behovsanalyse=False,
                      measures=(MeasureChoice("hverdagsrehabilitering", 2027), MeasureChoice("frivillighet", 2029)))
    eff = choice_effects(sc)
    assert list(eff["choice"].values) == ["terskel", "tilbud", "bygg", "tiltak:hverdagsrehabilitering",
                                          "tiltak:frivillighet", "samspill", "i_alt"]
    base = run(basis_of(sc))
    assert basis_of(sc).threshold == 0.0 and basis_of(sc).measures == () and basis_of(sc).behovsanalyse
    alone = run(PlanScenario(kommune="4601", measures=(MeasureChoice("frivillighet", 2029),)))
    # a row is run(basis + that choice) - run(basis), per year, for every figure
    for var, name in (("netto_driftsresultat", "ndr"), ("inndekningsbehov", "gap"), ("fte_sector", "fte"),
                      ("unmet_need", "unmet"), ("queue", "queue")):
        np.testing.assert_allclose(eff[name].sel(choice="tiltak:frivillighet").values,
                                   _figure(alone, var) - _figure(base, var), atol=1e-9)
        np.testing.assert_allclose(eff[name].sel(choice="i_alt").values, _figure(run(sc), var) - _figure(base, var),
                                   atol=1e-9)
        np.testing.assert_allclose(eff[name].drop_sel(choice="i_alt").sum("choice").values,
                                   eff[name].sel(choice="i_alt").values, atol=1e-6)
    # before its start year a tiltak changes nothing
    assert float(abs(eff["ndr"].sel(choice="tiltak:frivillighet", year=[2026, 2027, 2028])).max()) < 1e-9
    # hand check: higher terskel means fewer get light services -> fewer årsverk, more udekket behov
    assert float(eff["fte"].sel(choice="terskel", year=2030)) < 0 < float(eff["unmet"].sel(choice="terskel", year=2030))
    assert str(eff["choice_label"].sel(choice="terskel").values) == "Terskel: noe høyere enn i dag"
    assert eff["ndr"].attrs["units"].startswith("NOK 1000")


def test_the_basis_itself_has_only_the_total_row_of_zeros():
    eff = choice_effects(PlanScenario(kommune="1151"))  # Utsira
    assert list(eff["choice"].values) == ["i_alt"]
    assert float(abs(eff["ndr"]).max()) == 0.0 and float(abs(eff["fte"]).max()) == 0.0


def test_names_do_not_change_the_numbers_and_a_result_can_be_passed_in():
    sc = PlanScenario(kommune="3201", threshold=1.0)
    named = replace(sc, id="x", title="Et navn")
    a, b = choice_effects(sc), choice_effects(named, run(named))
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(th=st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]), br=st.sampled_from([-0.5, 0.0, 0.5, 1.0]),
       picks=st.lists(st.sampled_from(["hverdagsrehabilitering", "trygghetspakke", "heltidskultur",
                                       "tidlig_innsats_barn"]), unique=True, max_size=3))
def test_rows_always_add_up_to_the_total(th, br, picks):
    sc = PlanScenario(kommune="3201", threshold=th, breadth=br, measures=tuple(MeasureChoice(m, 2028) for m in picks))
    eff = choice_effects(sc)
    assert len(single_choices(sc)) == (th != 0) + (br != 0) + len(picks)
    for v in eff.data_vars:
        np.testing.assert_allclose(eff[v].drop_sel(choice="i_alt").sum("choice").values,
                                   eff[v].sel(choice="i_alt").values, atol=1e-6)


def test_conflicts_of_tiltak_with_a_narrow_offer_name_the_services():
    c = measure_conflicts(list(LIBRARY.measures), -1.0)
    assert c["frivillighet"] == ["Frivilligsentral"]
    assert measure_conflicts(list(LIBRARY.measures), -0.5) == {}
    assert measure_conflicts(["hverdagsrehabilitering"], -1.0) == {}


# --- the link ----------------------------------------------------------------------------------

def test_link_round_trip_and_keys():
    c = Choices(kommune="0301", scenario="", demographic="low", horizon=2050, plan_years=6, threshold=-0.5,
                breadth=1.0, overflow="step_down", build=False, compensation=0.0, growth=0.009, effect_bound="weak",
                measures={"hverdagsrehabilitering": 2028, "heltidskultur": 2030}, year=2035)
    q = c.to_query()
    assert q.startswith("kommune=0301&befolkning=low&horisont=2050&planaar=6&terskel=-0.5&tilbud=1&fulle=trinn_ned")
    assert "tiltak=hverdagsrehabilitering:2028,heltidskultur:2030" in q and q.endswith("aar=2035")
    back, problems, given_ = choices_from_query(q, LIBRARY.measures)
    assert back == c and problems == [] and given_ >= {"kommune", "measures", "year", "threshold"}
    # a scenario file's terskel per tjenestegruppe stays out of the link
    assert "terskel" not in replace(c, threshold=None).to_query()


@settings(max_examples=60, deadline=None)
@given(st.builds(Choices, kommune=st.sampled_from(["3201", "0301", "1151"]),
                 demographic=st.sampled_from(["main", "low", "high"]), horizon=st.sampled_from([2040, 2050]),
                 plan_years=st.integers(1, 10), plan_start=st.one_of(st.none(), st.integers(2028, 2030)),
                 threshold=st.sampled_from([None, -1.0, -0.5, 0.0, 0.5, 1.0, 0.25]),
                 breadth=st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]), overflow=st.sampled_from(["queue", "step_down"]),
                 build=st.booleans(), compensation=st.sampled_from([0.0, 0.5, 1.0]),
                 growth=st.sampled_from(list(GROWTH_STEPS)), effect_bound=st.sampled_from(["weak", "value", "strong"]),
                 measures=st.dictionaries(st.sampled_from(list(LIBRARY.measures)), st.integers(2027, 2040), max_size=5),
                 year=st.one_of(st.none(), st.integers(2027, 2050))))
def test_every_choice_survives_the_link(c):
    back, problems, _ = choices_from_query(c.to_query(), LIBRARY.measures)
    assert problems == []
    # a scenario file's terskel per tjenestegruppe (None) is not written: the scenario in the link carries it
    assert back == (c if c.threshold is not None else replace(c, threshold=0.0))


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(list(QUERY_KEYS) + ["x", "terskel "]), st.text(max_size=12), max_size=6))
def test_any_link_gives_choices_or_named_problems_never_an_exception(params):
    from urllib.parse import urlencode
    c, problems, given_ = choices_from_query(urlencode(params))
    assert isinstance(c, Choices)
    for p in problems:
        assert "\n" not in p and ("=" in p or p.startswith("ukjent i lenken"))
    assert -1.0 <= c.breadth <= 1.0 and c.overflow in ("queue", "step_down") and 1 <= c.plan_years <= 10


def test_bad_link_values_are_named_and_left_at_defaults():
    c, problems, given_ = choices_from_query("terskel=2&tilbud=abc&fulle=x&planaar=4.5&tiltak=finnes_ikke:2028,"
                                             "hverdagsrehabilitering:neste&zz=1", LIBRARY.measures)
    assert c == Choices(measures={})
    text = " | ".join(problems)
    for want in ("terskel=2: forventet et tall fra -1 til 1", "tilbud=abc: forventet et tall",
                 "fulle=x: forventet ko eller trinn_ned", "planaar=4.5: forventet et helt tall",
                 "tiltak=finnes_ikke: ukjent tiltak", "tiltak=hverdagsrehabilitering:neste: forventet tiltak:startår",
                 "ukjent i lenken: zz"):
        assert want in text
    assert given_ == {"measures"}


def test_choices_make_the_scenario():
    base = PlanScenario(kommune="3201")
    c = Choices(threshold=0.5, growth=0.005, effect_bound="strong", plan_years=5,
                measures={"hverdagsrehabilitering": 2028})
    sc = scenario_of(c, base)
    assert sc.id == "krisekompasset" and sc.threshold == 0.5 and sc.plan_period == (2027, 2031)
    assert sc.economy["free_income_growth"] == 0.005 and sc.effect_bound == "strong"
    assert sc.measures == (MeasureChoice("hverdagsrehabilitering", 2028),)
    assert scenario_of(Choices(), base) is base  # nothing chosen: the base itself


# --- proposals -------------------------------------------------------------------------------

def test_proposal_table_reads_the_model():
    a = PlanScenario(kommune="3201", threshold=1.0, breadth=-0.5)
    b = PlanScenario(kommune="3201", measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    results = {"Kommunedirektøren": run(a), "Opposisjonen": run(b)}
    effects = {"Kommunedirektøren": choice_effects(a), "Opposisjonen": choice_effects(b)}
    rows = dict(proposal_table(results, effects, 2030))
    ra, rb = results["Kommunedirektøren"], results["Opposisjonen"]
    assert rows["Netto driftsresultat 2030 (% av driftsinntektene)"] == [
        prosent(float(ra.netto_driftsresultat_andel.sel(year=2030)), 1),
        prosent(float(rb.netto_driftsresultat_andel.sel(year=2030)), 1)]
    assert rows["Inndekningsbehov, sum for planperioden (mill. kr)"][1] == mill_kr(
        1000 * float(rb.inndekningsbehov.sel(year=[2027, 2028, 2029, 2030]).sum()), 1)
    assert rows["Udekket behov 2030 (personer)"][0] == tall(float(ra.unmet_need.sel(year=2030).sum()))
    total = float(effects["Kommunedirektøren"]["ndr"].sel(choice="i_alt", year=2030))
    got = rows["Hva valgene endrer i 2030: Alle valg (netto driftsresultat, mill. kr)"][0]
    assert got.startswith("+") and got == f"+{tall(total / 1000, 1)}\u00a0mill.\u00a0kr"
    assert rows["Hva valgene endrer i 2030: Terskel (netto driftsresultat, mill. kr)"][1] == "0,0\u00a0mill.\u00a0kr"


def test_comparison_notat_is_one_printable_document():
    a = PlanScenario(kommune="0301", threshold=1.0)
    b = PlanScenario(kommune="0301", breadth=1.0)
    doc = comparison_html([("Kommunedirektøren", a), ("Opposisjonen", b)], 2030)
    assert doc.startswith("<!DOCTYPE html>") and '<html lang="nb">' in doc
    assert "<script" not in doc and "http://" not in doc.replace("http://www.w3.org", "")
    assert "@media print" in doc and doc.count('class="proposal"') == 2
    assert "Kommunedirektøren" in doc and "Opposisjonen" in doc and "Oslo (0301)" in doc
    assert "Terskel: høy terskel" in doc and "tilbud: bredt tilbud" in doc
    assert "Kilde: Statistisk sentralbyrå" in doc or "Statistisk sentralbyrå" in doc
    assert not re.search(r"\bnan\b", doc)


@pytest.mark.parametrize("kommune", ["1151", "0301", "3201", "4016", "3224"])  # Utsira, Oslo, Bærum, Drangedal, Rælingen
def test_the_verdict_and_the_cost_per_choice_hold_for_small_and_large_kommuner(kommune):
    from planmodel.present.keynumbers import key_numbers
    from planmodel.present.signals import balance_verdict, crisis_signals
    from planmodel.widgets.krisekompasset import effects_html, verdict_html

    sc = PlanScenario(kommune=kommune, threshold=0.5, breadth=-0.5,
                      measures=(MeasureChoice("hverdagsrehabilitering", 2027), MeasureChoice("heltidskultur", 2028)))
    ds = run(sc)
    eff = choice_effects(sc, ds)
    for v in eff.data_vars:
        assert np.isfinite(eff[v].values).all(), v
        np.testing.assert_allclose(eff[v].drop_sel(choice="i_alt").sum("choice").values,
                                   eff[v].sel(choice="i_alt").values, atol=1e-6)
    sig = crisis_signals(ds)
    html = verdict_html(ds, key_numbers(ds), sig) + effects_html(eff, 2030)
    assert not re.search(r"\bnan\b|\binf\b|–\u00a0%", html)
    assert f'data-verdict-level="{balance_verdict(ds).level}"' in html and sig[0].level == balance_verdict(ds).level
