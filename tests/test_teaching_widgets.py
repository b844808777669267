"""The exercises without code of the teaching notebooks (planmodel.widgets.teaching), without a browser.

First the parts that need no model: the result table, the readouts, the box group and the
exercise widget driven by a tiny compute function with numbers checkable by hand. Then each of the
six exercises: a control is set through ``.value`` and the figure shown (the ``data-key`` cell of
the HTML) must be exactly what the model API gives for that choice, formatted by
:mod:`planmodel.core.formatting`. Expected values are computed here from ``run``, ``run_services``,
``project_kommune``/``indicators``, ``kommune_accounts`` and ``key_numbers``, never copied from
the widget.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import ipywidgets as widgets
import pytest
import traitlets

from planmodel.core.errors import InputError
from planmodel.core.formatting import NBSP, endring, prosent, tall
from planmodel.core.paths import SCENARIO_DIR
from planmodel.inputs.accounts import kommune_accounts
from planmodel.inputs.scenario import MeasureChoice, PlanScenario, load_scenario
from planmodel.model import run
from planmodel.population.demography import project_kommune
from planmodel.population.indicators import indicators
from planmodel.present.keynumbers import key_numbers
from planmodel.present.tables import measure_cost_frame
from planmodel.services.demand import ServiceOptions
from planmodel.services.servicemodel import run_services
from planmodel.widgets import teaching as tw
from planmodel.widgets.teaching import CheckboxGroup, Exercise, Result, Row

MINUS = "\u2212"


def shown(ex: Exercise) -> dict[str, str]:
    """data-key -> text of every figure the exercise's HTML shows."""
    return dict(re.findall(r'data-key="([A-Za-z0-9_]+)"[^>]*>([^<]*)<', ex.result_html.value))


def basis(kommune: str) -> PlanScenario:
    return PlanScenario(id=f"basis_{kommune}", title="basis", kommune=kommune)


# --------------------------------------------------------------------------------------------
# The parts without a model
# --------------------------------------------------------------------------------------------

def small_result() -> Result:
    return Result("Overskrift", ("2026", "2040"), ("a", "b"),
                  (Row("folk", "Folkemengde (personer)", ("1 000", "12 345")),
                   Row("del", "Andel <80+> (%)", ("5,0 %", "7,5 %"))), note="En merknad.")


def test_result_numbers_text_and_html():
    r = small_result()
    assert r.numbers() == {"folk_a": "1 000", "folk_b": "12 345", "del_a": "5,0 %", "del_b": "7,5 %"}
    assert r.value("folk", "b") == "12 345"
    assert r.text() == ("Overskrift\n"
                        "                         2026    2040\n"
                        "Folkemengde (personer)  1 000  12 345\n"
                        "Andel <80+> (%)         5,0 %   7,5 %\n"
                        "En merknad.")
    h = r.html()
    assert '<td class="num" data-key="folk_b">12 345</td>' in h
    assert "Andel &lt;80+&gt; (%)" in h and "<80+>" not in h  # labels are escaped
    assert "<b>Overskrift</b>" in h and "En merknad." in h


def test_result_refuses_rows_that_do_not_fit_the_columns():
    with pytest.raises(ValueError, match="row 'x' has 1 values for 2 columns"):
        Result("h", ("a", "b"), ("a", "b"), (Row("x", "X", ("1",)),))
    with pytest.raises(ValueError, match="2 columns but 1 column keys"):
        Result("h", ("a", "b"), ("a",), ())


def test_readouts_and_corner_names_in_bokmal():
    assert tw.threshold_readout(0.5) == "+0,50: Noe høyere enn i dag"
    assert tw.threshold_readout(0.25) == "+0,25: Noe høyere enn i dag"
    assert tw.threshold_readout(0.0) == "0,00: Som i dag"
    assert tw.breadth_readout(-1.0) == f"{MINUS}1,00: Smalt tilbud"
    assert tw.corner_name(1.0, -1.0) == "hjørnet smalt tilbud, høy terskel"
    assert tw.corner_name(-1.0, 1.0) == "hjørnet bredt tilbud, lav terskel"
    assert tw.corner_name(0.5, 0.0) == "tilbud som i dag, terskel noe høyere enn i dag (mellom hjørnene)"


def test_checkbox_group_keeps_boxes_and_value_in_step():
    group = CheckboxGroup([("A", "a"), ("B", "b"), ("C", "c")], value=("c",))
    assert group.value == ("c",) and group.boxes["c"].value and not group.boxes["a"].value
    seen = []
    group.observe(lambda ch: seen.append(ch["new"]), names="value")
    group.boxes["a"].value = True
    assert group.value == ("a", "c")  # option order, not click order
    group.value = ("b",)
    assert [v for v, box in group.boxes.items() if box.value] == ["b"]
    assert seen == [("a", "c"), ("b",)]  # one change per action, no echo from the boxes
    group.value = ("c", "a")
    assert group.value == ("a", "c")
    with pytest.raises(traitlets.TraitError, match="ukjente valg: x"):
        group.value = ("x",)


def double(x: int) -> Result:
    if x < 0:
        raise InputError("oppgave", "x", f"{x} er negativt")
    return Result(f"x = {x}", ("Verdi",), ("v",), (Row("dobbel", "To ganger x (personer)", (tall(2 * x),)),))


def test_exercise_recomputes_on_every_change_and_explains_errors():
    slider = widgets.IntSlider(value=600, min=-5, max=10_000, continuous_update=False)
    ex = Exercise("Dobling", {"x": slider}, double, readouts={"x": lambda v: f"{tall(v)} personer"})
    assert ex.choices == {"x": 600}
    assert shown(ex) == {"dobbel_v": f"1{NBSP}200"}  # 2 × 600, with a no-break space
    assert ex.readouts["x"][1].value == "600 personer"
    assert ex.text == f"x = 600\n                        Verdi\nTo ganger x (personer)  1{NBSP}200"
    slider.value = 5000
    assert shown(ex) == {"dobbel_v": f"10{NBSP}000"} and ex.readouts["x"][1].value == f"5{NBSP}000 personer"
    slider.value = -1
    assert ex.result is None and shown(ex) == {}
    assert ex.message == "Dette valget kan ikke regnes ut: oppgave: x: -1 er negativt"
    assert ex.text == ex.message and 'role="alert"' in ex.result_html.value
    slider.value = 3
    assert shown(ex) == {"dobbel_v": "6"} and ex.message == ""
    assert repr(ex) == "Oppgave uten kode: Dobling"


# --------------------------------------------------------------------------------------------
# 00 – when the crisis enters the økonomiplan
# --------------------------------------------------------------------------------------------

def test_plan_window_shows_the_plan_years_of_the_chosen_autumn():
    ex = tw.plan_window_exercise()
    ds = run(basis("3201"))
    med = ds.netto_driftsresultat_andel_inntektsregel.sel(income_rule="med_demografi")
    nums = shown(ex)
    assert ex.result.columns == ("2027", "2028", "2029", "2030", "2040")
    for y in (2027, 2030, 2040):
        assert nums[f"ndr_{y}"] == prosent(float(med.sel(year=y)), 1)
        assert nums[f"arsverksgap_{y}"] == endring(float(ds.fte_gap.sel(sector="helse_og_omsorg", year=y)))
    gap_2030, gap_2040 = (float(ds.fte_gap.sel(sector="helse_og_omsorg", year=y)) for y in (2030, 2040))
    assert f"er {prosent(gap_2030 / gap_2040, 0)} av årsverksmangelen i 2040 synlig" in ex.result.note

    ex.controls["kommune"].value = "3224"
    ex.controls["decided"].value = 2030
    ex.controls["income_rule"].value = "uten_demografi"
    r = run(basis("3224"))
    uten = r.netto_driftsresultat_andel_inntektsregel.sel(income_rule="uten_demografi")
    gap = r.inndekningsbehov_inntektsregel.sel(income_rule="uten_demografi")
    nums = shown(ex)
    assert ex.result.columns == ("2031", "2032", "2033", "2034", "2040")
    for y in (2031, 2034, 2040):
        assert nums[f"ndr_{y}"] == prosent(float(uten.sel(year=y)), 1)
        assert nums[f"inndekning_{y}"] == tall(float(gap.sel(year=y)) / 1000, 1)  # NOK 1000 -> mill. kr
    assert ex.text.startswith("Rælingen (3224), basisalternativet, uten demografikompensasjon: "
                              "økonomiplan 2031–2034, vedtatt høsten 2030")
    assert f"Første år under normen på 1,75{NBSP}%: 2027." in ex.text


def test_plan_window_refuses_a_plan_past_the_horizon():
    with pytest.raises(ValueError, match="mellom 2026 og 2036, ikke 2037"):
        tw.plan_window_result("3201", 2037)


# --------------------------------------------------------------------------------------------
# 01 – population
# --------------------------------------------------------------------------------------------

def test_population_follows_kommune_scenario_and_year():
    ex = tw.population_exercise()
    ind = indicators(project_kommune("3201", "main"))
    p80 = ind.persons_80plus
    nums = shown(ex)
    assert nums["personer_80_base"] == tall(float(p80.sel(year=2026)))
    assert nums["personer_80_year"] == tall(float(p80.sel(year=2040)))
    assert nums["personer_80_change"] == endring(float(p80.sel(year=2040) - p80.sel(year=2026)))
    assert nums["aldersbaereevne_year"] == tall(float(ind.aldersbaereevne.sel(year=2040)), 2)

    ex.controls["kommune"].value = "1811"  # Bindal
    ex.controls["scenario"].value = "bolig_hoy"
    ex.controls["year"].value = 2050
    ind = indicators(project_kommune("1811", "bolig_hoy"))
    nums = shown(ex)
    assert nums["folkemengde_year"] == tall(float(ind.total.sel(year=2050)))
    assert nums["personer_90_year"] == tall(float(ind.persons_90plus.sel(year=2050)))
    assert nums["omsorgsressurs_change"] == endring(
        float(ind.family_care_ratio.sel(year=2050) - ind.family_care_ratio.sel(year=2026)), 2)
    assert ex.result.columns == ("1.1.2026", "1.1.2050", "Endring")
    assert ex.text.startswith("Bindal (1811), Høy boligbygging")


# --------------------------------------------------------------------------------------------
# 02 – terskel -> brukere, årsverk, kroner
# --------------------------------------------------------------------------------------------

def test_services_threshold_changes_users_fte_and_kroner_as_run_services_does():
    ex = tw.services_exercise()
    nums = shown(ex)
    assert nums["udekket_change"] == "0" and nums["kostnad_change"] == "0,0"  # terskel 0 = today
    ex.controls["threshold"].value = 1.0
    assert ex.readouts["threshold"][1].value == "+1,00: Høy terskel"
    today = run_services("3201", options=ServiceOptions(threshold={"omsorg": 0.0, "barnevern": 0.0}))
    high = run_services("3201", options=ServiceOptions(threshold={"omsorg": 1.0, "barnevern": 0.0}))

    def light(ds):
        return float(ds.users_by_level.sel(care_level=[0, 1, 2], year=2040).sum())

    def kroner(ds):  # NOK 1000: helse og omsorg plus what the waiting cost
        return float(ds.cost_sector.sel(sector="helse_og_omsorg", year=2040) + ds.ventekostnad.sel(year=2040).sum())

    nums = shown(ex)
    assert nums["lette_today"] == tall(light(today)) and nums["lette_chosen"] == tall(light(high))
    assert nums["lette_change"] == endring(light(high) - light(today))
    assert light(high) < light(today)  # høy terskel: fewer get the light services
    assert nums["udekket_chosen"] == tall(float(high.unmet_need.sel(threshold_group="omsorg", year=2040)))
    assert nums["arsverk_chosen"] == tall(float(high.fte_sector.sel(sector="helse_og_omsorg", year=2040)))
    assert nums["kostnad_chosen"] == tall(kroner(high) / 1000, 1)
    assert nums["kostnad_change"] == endring((kroner(high) - kroner(today)) / 1000, 1)
    assert ex.result.columns[1] == "Valgt terskel (+1,00)"

    ex.controls["effect_bound"].value = "weak"
    ex.controls["year"].value = 2030
    weak = run_services("3201", options=ServiceOptions(threshold={"omsorg": 1.0, "barnevern": 0.0}, effect_bound="weak"))
    assert shown(ex)["ventende_chosen"] == tall(float(weak.queue.sel(year=2030).sum()))
    assert "virkninger: svakeste ende av spennet" in ex.result.heading


# --------------------------------------------------------------------------------------------
# 03 – tiltak -> netto driftsresultat and inndekningsbehov
# --------------------------------------------------------------------------------------------

def test_measures_ticked_and_start_year_change_the_okonomiplan():
    ex = tw.measures_exercise()
    nums = shown(ex)
    assert all(nums[f"ndr_med_{y}"] == nums[f"ndr_uten_{y}"] for y in (2027, 2030, 2040))  # no tiltak yet
    assert ex.result.columns == ("2027", "2028", "2029", "2030", "2035", "2040")

    ex.controls["measures"].boxes["hverdagsrehabilitering"].value = True
    ex.controls["measures"].boxes["trygghetspakke"].value = True
    ex.controls["start"].value = 2028
    chosen = replace(basis("3224"), measures=(MeasureChoice("hverdagsrehabilitering", 2028),
                                              MeasureChoice("trygghetspakke", 2028)))
    ds, without = run(chosen), run(basis("3224"))
    share = ds.netto_driftsresultat_andel_inntektsregel.sel(income_rule="med_demografi")
    gap = ds.inndekningsbehov_inntektsregel.sel(income_rule="med_demografi")
    cost = measure_cost_frame(ds, [2027, 2029, 2030, 2040])  # NOK 1000 per tiltak and year, drift + investering
    nums = shown(ex)
    for y in (2027, 2029, 2030, 2040):
        assert nums[f"ndr_med_{y}"] == prosent(float(share.sel(year=y)), 1)
        assert nums[f"inndekning_med_{y}"] == tall(float(gap.sel(year=y)) / 1000, 1)
        assert nums[f"kostnad_{y}"] == tall(float(cost[y].sum()) / 1000, 1)
    assert nums["kostnad_2027"] == "0,0"  # nothing starts before 2028
    plan_sum = float(without.inndekningsbehov_inntektsregel.sel(income_rule="med_demografi", year=[2027, 2028, 2029, 2030]).sum())
    assert f"{tall(plan_sum / 1000, 1)} mill. kr uten tiltak" in ex.result.note
    assert "2 tiltak fra 2028" in ex.result.heading


# --------------------------------------------------------------------------------------------
# 04 – the corners
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("corner, threshold, breadth", [("baerum_smalt_hoy", 1.0, -1.0),
                                                         ("baerum_bredt_lav", -1.0, 1.0)])
def test_crisis_corner_shows_what_the_corner_file_gives(corner, threshold, breadth):
    ex = tw.crisis_exercise()
    ex.controls["threshold"].value = threshold
    ex.controls["breadth"].value = breadth
    ds = run(load_scenario(SCENARIO_DIR / f"{corner}.yaml"))
    base = run(load_scenario(SCENARIO_DIR / "baerum_basis.yaml"))
    y = 2040
    ndr = ds.netto_driftsresultat_andel_inntektsregel.sel(year=y)
    nums = shown(ex)
    assert nums["ndr_med_chosen"] == prosent(float(ndr.sel(income_rule="med_demografi")), 1)
    assert nums["ndr_uten_chosen"] == prosent(float(ndr.sel(income_rule="uten_demografi")), 1)
    assert nums["udekket_chosen"] == tall(float(ds.unmet_need.sel(year=y).sum()))
    assert nums["arsverksgap_chosen"] == endring(float(ds.fte_gap.sel(sector="helse_og_omsorg", year=y)))
    assert nums["udekket_basis"] == tall(float(base.unmet_need.sel(year=y).sum()))
    d = float(ndr.sel(income_rule="med_demografi")) - float(base.netto_driftsresultat_andel.sel(year=y))
    assert nums["ndr_med_change"] == f"{endring(100 * d, 1)}{NBSP}%-poeng"
    assert ex.result.heading.startswith("Bærum 2040: hjørnet ")


def test_crisis_without_new_places_and_another_year():
    ex = tw.crisis_exercise()
    ex.controls["build"].value = False
    ex.controls["year"].value = 2030
    ds = run(replace(load_scenario(SCENARIO_DIR / "baerum_basis.yaml"), behovsanalyse=False))
    nums = shown(ex)
    assert nums["ventende_chosen"] == tall(float(ds.queue.sel(year=2030).sum()))
    assert nums["rammer_chosen"] == tall(float(ds.sektor_ramme.sel(year=2030).sum()) / 1000, 1)
    assert nums["ventende_basis"] == "0"  # the basisalternativ builds as needed
    assert "ingen nye sykehjemsplasser" in ex.result.heading


# --------------------------------------------------------------------------------------------
# 05 – any kommune against its accounts
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kommune", ["4601", "1811"])
def test_own_kommune_against_the_accounts(kommune):
    ex = tw.own_kommune_exercise()
    ex.controls["kommune"].value = kommune
    ex.controls["income_rule"].value = "uten_demografi"
    acc = kommune_accounts(kommune)
    ds = run(basis(kommune))
    k = key_numbers(ds)
    nums = shown(ex)
    assert nums["ndr_regnskap"] == prosent(acc.ndr_share, 1)
    assert nums["ndr_2026"] == nums["ndr_regnskap"]  # the model's base year is the accounts
    assert nums["lanegjeld_regnskap"] == tall(acc.net_debt / 1000, 1) == nums["lanegjeld_2026"]
    assert nums["ndr_2040"] == k["ndr_andel_uten_demografi_2040"]
    assert nums["folkemengde_2040"] == k["folkemengde_horisont"]
    assert nums["personer_80_2026"] == k["personer_80_i_dag"]
    gap = ds.inndekningsbehov_inntektsregel.sel(income_rule="uten_demografi", year=2030)
    assert nums["inndekning_2030"] == tall(float(gap) / 1000, 1)
    assert nums["inndekning_regnskap"] == "–"
    assert f"{tall(acc.free_income_per_capita)} kr" in ex.result.note


# --------------------------------------------------------------------------------------------
# All six: the notebook can print the starting point, and a change is quick
# --------------------------------------------------------------------------------------------

BUILDERS = {
    "plan_window": (tw.plan_window_exercise, "decided", 2029),
    "population": (tw.population_exercise, "scenario", "bolig_lav"),
    "services": (tw.services_exercise, "threshold", -0.5),
    "measures": (tw.measures_exercise, "measures", ("hverdagsrehabilitering",)),
    "crisis": (tw.crisis_exercise, "breadth", 0.5),
    "own_kommune": (tw.own_kommune_exercise, "income_rule", "uten_demografi"),
    "uncertainty": (tw.uncertainty_exercise, "width", 0.5),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_every_exercise_prints_its_starting_point_and_changes_fast(name):
    build, control, value = BUILDERS[name]
    ex = build()
    assert ex.result is not None and ex.text == ex.result.text()
    assert ex.text.splitlines()[0] == ex.result.heading
    assert len(repr(ex)) <= 110  # ipywidgets cuts the text/plain of a display at 110 characters
    assert "planmodel-teaching" in ex._dom_classes
    for c in ex.controls.values():
        if isinstance(c, (widgets.IntSlider, widgets.FloatSlider)):
            assert c.continuous_update is False
    before = ex.text
    start = time.perf_counter()
    ex.controls[control].value = value
    elapsed = time.perf_counter() - start
    assert ex.text != before and ex.message == ""
    # budget 0,2 s per change (measured 0,01–0,12 s); five times that so a slow machine does not fail
    assert elapsed < 1.0, f"{name}: a change took {elapsed:.2f} s"



def test_uncertainty_exercise_zero_width_is_the_central_run_and_the_band_widens():
    zero = tw.uncertainty_result("1151", width=0.0)
    assert zero.value("p5", "verdi") == zero.value("median", "verdi") == zero.value("p95", "verdi") \
        == zero.value("ndr", "verdi")
    assert zero.value("under_plan", "verdi") in ("0", "100")
    one, two = tw.uncertainty_result("1151", width=1.0), tw.uncertainty_result("1151", width=2.0)

    def number(text: str) -> float:
        return float(text.replace("\xa0%", "").replace(",", ".").replace("\u2212", "-"))

    def width(r):
        return number(r.value("p95", "verdi")) - number(r.value("p5", "verdi"))
    assert 0.0 < width(one) < width(two)
    with pytest.raises(ValueError):
        tw.uncertainty_result("1151", year=2099)
