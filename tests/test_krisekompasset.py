"""Krisekompasset without a browser: set widget values, assert what is shown.

Expected numbers come from :func:`planmodel.model.run` of the equivalent :class:`PlanScenario`,
read with xarray and formatted with :mod:`planmodel.formatting` here in the test (not copied
strings, not the widget's own helpers), so a change in the model moves both sides.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import xml.dom.minidom
from dataclasses import replace

import pytest
from html import unescape as html_unescape
from types import SimpleNamespace
from openpyxl import load_workbook

from planmodel.apps import available_apps
from planmodel.present.export import SHEETS
from planmodel.core.formatting import endring, mill_kr, prosent, tall
from planmodel.model.chain import run
from planmodel.inputs.scenario import MeasureChoice, PlanScenario, load_scenario
from planmodel.present.signals import balance_verdict, crisis_signals
from html import escape as html_escape
from planmodel.widgets import krisekompasset as kk
from planmodel.present import svg
from planmodel.analysis import crisis
from planmodel.analysis.crisis import corner_scenarios, removed_by
from planmodel.present.keynumbers import key_numbers
from planmodel.widgets.krisekompasset import Krisekompasset

SCENARIOS = kk.SCENARIO_DIR


def expected(ds, key: str) -> str:
    """The text the app must show for ``key``, computed from the Dataset with xarray here."""
    base, horizon = int(ds.year[0]), int(ds.year[-1])
    plan = [int(y) for y in ds.year[ds.plan_year].values]
    if key.startswith("ndr_andel_") and key[10:].isdigit():
        return prosent(float(ds.netto_driftsresultat_andel.sel(year=int(key[10:]))), 1)
    if key.startswith("ndr_") and key[4:].isdigit():
        return mill_kr(1000 * float(ds.netto_driftsresultat.sel(year=int(key[4:]))), 1)
    if key.startswith("inndekning_") and key[11:].isdigit():
        return mill_kr(1000 * float(ds.inndekningsbehov.sel(year=int(key[11:]))), 1)
    ho = {"sector": "helse_og_omsorg"}
    values = {
        "folkemengde_i_dag": lambda: tall(float(ds.population.sel(year=base).sum())),
        "personer_80_i_dag": lambda: tall(float(ds.population.sel(year=base, age=ds.age >= 80).sum())),
        "ndr_andel_i_dag": lambda: prosent(float(ds.netto_driftsresultat_andel.sel(year=base)), 1),
        "arsverk_ho_i_dag": lambda: tall(float(ds.fte_sector.sel(year=base, **ho))),
        "brukere_omsorgstrapp_i_dag": lambda: tall(float(ds.users_by_level.sel(year=base).sum())),
        "inndekning_plan": lambda: mill_kr(1000 * float(ds.inndekningsbehov.sel(year=plan).sum()), 1),
        "ndr_laveste_plan": lambda: prosent(float(ds.netto_driftsresultat_andel.sel(year=plan).min()), 1),
        "arsverk_gap_ho_plan": lambda: tall(float(ds.fte_gap.sel(year=plan[-1], **ho))),
        "arsverk_gap_ho_horisont": lambda: tall(float(ds.fte_gap.sel(year=horizon, **ho))),
        "arsverk_gap_total_horisont": lambda: tall(float(ds.fte_gap.sel(year=horizon).sum())),
        "udekket_behov_plan": lambda: tall(float(ds.unmet_need.sel(year=plan[-1]).sum())),
        "ventende_plan": lambda: tall(float(ds.queue.sel(year=plan[-1]).sum())),
        "folkemengde_horisont": lambda: tall(float(ds.population.sel(year=horizon).sum())),
        "kostnad_sektorer_horisont": lambda: mill_kr(1000 * float(ds.sektor_ramme.sel(year=horizon).sum()), 1),
    }
    return values[key]()


CHECKED = ["folkemengde_i_dag", "personer_80_i_dag", "ndr_andel_i_dag", "arsverk_ho_i_dag",
           "brukere_omsorgstrapp_i_dag", "inndekning_plan", "ndr_laveste_plan", "arsverk_gap_ho_plan",
           "arsverk_gap_ho_horisont", "arsverk_gap_total_horisont", "udekket_behov_plan", "ventende_plan",
           "folkemengde_horisont", "kostnad_sektorer_horisont"]


def shown(app: Krisekompasset, key: str) -> str:
    """The text of the element ``data-key=<key>`` in the app's HTML (exactly one)."""
    html = "".join(w.value for w in (app.verdict_view, app.now_view, app.future_view))
    found = re.findall(rf'data-key="{re.escape(key)}"[^>]*>([^<]*)<', html)
    assert len(found) == 1, f"{key}: {len(found)} elements"
    return found[0]


def assert_shows(app: Krisekompasset, scenario: PlanScenario) -> None:
    ds = run(scenario)
    assert app.message.value == ""
    assert replace(app.plan_scenario, id=scenario.id, title=scenario.title, description=scenario.description) == scenario
    years = [int(y) for y in ds.year[ds.plan_year].values] + [2035, int(ds.year[-1])]
    for key in CHECKED + [f"{k}_{y}" for y in years for k in ("ndr_andel", "inndekning")] + [f"ndr_{years[-1]}"]:
        assert app.key_numbers[key] == expected(ds, key), key
        assert shown(app, key) == expected(ds, key), key
    assert app.key_numbers == key_numbers(ds)
    assert float(app.result.netto_driftsresultat.sum()) == pytest.approx(float(ds.netto_driftsresultat.sum()))


@pytest.fixture(scope="module")
def app():
    return Krisekompasset()


def reset(app: Krisekompasset) -> None:
    app.scenario_picker.value = ""
    app.kommune.value = "3201"
    app.demography.value = "main"
    app.horizon.value = 2040
    app.threshold.value = 0.0
    app.breadth.value = 0.0
    app.overflow.value = "queue"
    app.build.value = True
    app.income_rule.value = 1.0
    app.growth.value = 0.0
    app.effect_bound.value = "value"
    app.plan_period.value = (2027, 4)
    for mid, box in app.measure_boxes.items():
        box.value = False
        app.measure_starts[mid].value = app.measure_starts[mid].min


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------

def test_default_shows_the_basis_of_baerum(app):
    reset(app)
    assert app.kommune.label == "Bærum (3201)"
    assert len(app.kommune.options) == 357
    assert set(app.measure_boxes) == set(kk.load_library().measures)
    assert_shows(app, PlanScenario(kommune="3201"))
    assert "Bærum (3201)" in app.title.value
    assert "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0" in app.children[-1].value


def test_threshold_breadth_and_tiltak_change_the_numbers(app):
    reset(app)
    app.threshold.value = 1.0
    assert_shows(app, PlanScenario(kommune="3201", threshold=1.0))
    app.breadth.value = -0.5
    assert_shows(app, PlanScenario(kommune="3201", threshold=1.0, breadth=-0.5))
    app.measure_starts["heltidskultur"].value = 2028
    app.measure_boxes["heltidskultur"].value = True
    assert_shows(app, PlanScenario(kommune="3201", threshold=1.0, breadth=-0.5,
                                   measures=(MeasureChoice("heltidskultur", 2028),)))
    app.measure_starts["heltidskultur"].value = 2029  # a start year change recomputes
    assert_shows(app, PlanScenario(kommune="3201", threshold=1.0, breadth=-0.5,
                                   measures=(MeasureChoice("heltidskultur", 2029),)))
    app.overflow.value = "step_down"
    assert_shows(app, PlanScenario(kommune="3201", threshold=1.0, breadth=-0.5, overflow="step_down",
                                   measures=(MeasureChoice("heltidskultur", 2029),)))


def test_build_or_wait_is_a_real_choice(app):
    """Not building: nothing is invested in new places, people wait, and the waiting costs money
    (shown on its own card); the economy does not read 'not building' as a free saving."""
    reset(app)
    built = app.result
    app.build.value = False
    assert_shows(app, PlanScenario(kommune="3201", behovsanalyse=False))
    wait = app.result
    care = ["institusjon", "heldogn_bolig"]
    assert float(wait.plasser_nye.sel(place_type=care).sum()) == 0.0 and float(built.plasser_nye.sel(place_type=care).sum()) > 0
    assert float(wait.queue.sum()) > float(built.queue.sum())
    last = wait.plan.last
    w = float(wait.ventekostnad.sel(year=last).sum())
    assert w > 0
    assert shown(app, "ventekostnad_plan") == mill_kr(1000 * w, 1)
    # the frames change by the services' cost change plus the waiting cost: the places' operating
    # cost saved is (mostly) paid again while people wait
    d_frame = float((wait.sektor_ramme - built.sektor_ramme).sel(year=last).sum())
    d_cost = float((wait.cost - built.cost).sel(year=last).sum())
    assert d_frame == pytest.approx(d_cost + w, rel=1e-9)
    assert d_frame > 0.5 * d_cost  # d_cost < 0: the saving is at most half of what the places cost to run
    app.build.value = True
    assert_shows(app, PlanScenario(kommune="3201"))


def test_income_rules_side_by_side_and_chosen(app):
    reset(app)
    ds = app.result
    table = app.verdict_view.value
    for y in (2027, 2030, 2040):  # the other rule is in the table for comparison
        want = prosent(float(ds.netto_driftsresultat_andel_inntektsregel.sel(income_rule="uten_demografi", year=y)), 1)
        assert shown(app, f"ndr_andel_uten_demografi_{y}") == want
    assert "Til sammenligning uten demografikompensasjon" in table
    assert "med demografikompensasjon; norm 1,75\u00a0%</caption>" in table  # the rule chosen, in the caption
    app.income_rule.value = 0.0
    assert_shows(app, PlanScenario(kommune="3201", economy={"demographic_compensation": 0.0}))
    assert "Til sammenligning med demografikompensasjon" in app.verdict_view.value
    assert "Tallene er regnet uten demografikompensasjon" in app.signals["okonomi"][1]
    assert [label for label, _ in app.income_rule.options] == [
        "Med demografikompensasjon (inntektssystemet)", "Uten demografikompensasjon (fast per innbygger)"]
    app.income_rule.value = 1.0


def test_sliders_follow_the_accessible_menus(app):
    reset(app)
    # the terskel slider runs from høy (left, -1) to lav (right, +1)
    app.threshold_slider.value = 1.0
    assert app.threshold.value == -1.0
    app.threshold.value = 0.5
    assert app.threshold_slider.value == -0.5
    app.breadth_slider.value = -1.0
    assert app.breadth.value == -1.0
    assert_shows(app, PlanScenario(kommune="3201", threshold=0.5, breadth=-1.0))
    labels = [label for label, _ in app.threshold.options]
    assert labels[0] == "Høy terskel" and labels[-1] == "Lav terskel"
    assert [label for label, _ in app.breadth.options] == list(kk.BREADTH_STEPS.values())
    for w in (app.kommune, app.demography, app.threshold, app.breadth, app.overflow, app.horizon, app.build,
              app.income_rule):
        assert w.style.description_width == "initial" and w.description


def test_horizon_2050(app):
    reset(app)
    app.horizon.value = 2050
    assert_shows(app, PlanScenario(kommune="3201", horizon=2050))
    assert "ndr_2050" in app.key_numbers and "ndr_2040" not in app.key_numbers
    assert app.measure_starts["heltidskultur"].max == 2050 - 3  # its cost profile runs 3 years
    app.horizon.value = 2040
    assert app.measure_starts["heltidskultur"].max == 2037


def test_signals_basis_against_crisis_package():
    basis_file = load_scenario(SCENARIOS / "baerum_basis.yaml")
    crisis_file = load_scenario(SCENARIOS / "baerum_krisepakke.yaml")
    basis, crisis = run(basis_file), run(crisis_file)
    plan = crisis.netto_driftsresultat_andel.sel(year=crisis.year[crisis.plan_year])
    assert (plan >= 0.0175 - 1e-9).all()
    # Bærum starts at its real 6,0 % (KOSTRA 2025) and keeps above the norm with the state's
    # demographic compensation; the personnel are what runs short
    assert float(basis.netto_driftsresultat_andel.sel(year=2026)) == pytest.approx(0.0603, abs=5e-5)

    app = Krisekompasset(scenario="baerum_basis")
    assert_shows(app, basis_file)
    assert app.signals["okonomi"][0] == "green"
    assert "uten demografikompensasjon blir netto driftsresultat i 2040" in app.signals["okonomi"][1]
    assert app.signals["personell"][0] == "red"
    assert app.signals["tilbud"][0] == "green"
    # the app's signals are the shared rules (planmodel.signals), the dict derived from the list
    assert app.signal_list == crisis_signals(basis)
    assert app.signals == {s.area: (s.level, s.text) for s in app.signal_list}

    app.scenario_picker.value = "baerum_krisepakke"
    assert_shows(app, crisis_file)
    assert app.signals["okonomi"][0] == "green"
    assert app.signals["personell"][0] == "amber"
    assert app.signals["tilbud"] == kk.signals(crisis)["tilbud"]
    assert app.signals["tilbud"][0] == "amber"  # terskel +0,75 in omsorgen: more udekket behov
    assert "Høyere terskel enn i dag i pleie og omsorg" in app.signals["tilbud"][1]
    assert app.threshold.value == kk.FROM_FILE  # the file's terskel per tjenestegruppe is kept
    assert [b for b, box in app.measure_boxes.items() if box.value] == [
        m for m in kk.load_library().measures if m in {c.id for c in crisis_file.measures}]
    # the signals are in the page as symbol + word + colour name + headline + text, the level as data
    for s in app.signal_list:
        assert f'data-signal="{s.area}" data-level="{s.level}"' in app.signals_view.value
        assert f"{s.title}: {s.word} ({s.level_nb})" in app.signals_view.value
        assert f'<span aria-hidden="true">{s.symbol}</span>' in app.signals_view.value
        assert kk.LEVELS[s.level] == (s.symbol, s.word)


def test_app_signals_follow_the_choice():
    """Changing terskel and tilbud in the app moves the tilbud signal by the shared rules."""
    app = Krisekompasset(scenario="baerum_basis")
    app.breadth.value = -1.0
    app.threshold.value = 1.0
    assert app.signals["tilbud"][0] == "red"
    assert app.signal_list[2].headline == "Høyere terskel og smalere tilbud enn i dag"
    app.threshold.value = 0.0
    assert app.signals["tilbud"][0] == "amber"
    app.breadth.value = 0.0
    assert app.signals["tilbud"][0] == "green"


def test_crisis_2x2_uses_the_chosen_tiltak_and_is_cached(app, monkeypatch):
    reset(app)
    calls = []
    crisis._matrix.cache_clear()
    original = crisis.corner_scenarios
    monkeypatch.setattr(crisis, "corner_scenarios", lambda *a, **k: calls.append(1) or original(*a, **k))
    app.measure_boxes["hverdagsrehabilitering"].value = True
    assert len(calls) == 1
    sc = PlanScenario(kommune="3201", measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    for (b, t), summary in app.corners.items():
        ds = run(replace(sc, breadth=crisis.BREADTH_VALUES[b], threshold=crisis.THRESHOLD_VALUES[t]))
        assert summary["ndr"] == pytest.approx(float(ds.netto_driftsresultat_andel.sel(year=2030)), abs=1e-12)
        assert summary["gap"] == pytest.approx(float(ds.inndekningsbehov.sel(year=2030)), abs=1e-6)
        assert summary["unmet"] == pytest.approx(float(ds.unmet_need.sel(year=2030).sum()), abs=1e-6)
        text = prosent(float(ds.netto_driftsresultat_andel.sel(year=2030)), 1)
        cell = re.search(rf'data-corner="{b}-{t}"[^>]*>(.*?)</td>', app.matrix_view.value).group(1)
        assert text in cell
    app.threshold.value = 1.0  # terskel and tilbud do not change the corners
    app.breadth.value = -1.0
    assert len(calls) == 1
    assert '<td data-corner="narrow-high" class="pm-current">' in app.matrix_view.value
    assert "◆ Ditt valg" in app.matrix_view.value
    app.breadth.value = 0.5
    assert "pm-current" not in app.matrix_view.value.split('data-corner="narrow-high"')[1][:20]
    assert '<td data-corner="broad-high" class="pm-current"><div style="font-weight:700">◇ Nærmest' in app.matrix_view.value
    app.measure_boxes["hverdagsrehabilitering"].value = False  # tiltak do
    assert len(calls) == 2


def test_smalt_corner_leaves_out_tiltak_on_removed_services():
    crisis = load_scenario(SCENARIOS / "baerum_krisepakke.yaml")
    dropped = removed_by(crisis, -1.0)
    assert "forebyggende_hjemmebesok_alle" in dropped
    corners = corner_scenarios(crisis)
    assert not {m.id for m in corners[("narrow", "high")].measures} & set(dropped)
    assert {m.id for m in corners[("broad", "high")].measures} == {m.id for m in crisis.measures}
    app = Krisekompasset(scenario="baerum_krisepakke")
    assert "tatt ut" in app.matrix_view.value
    shown_before = app.verdict_view.value
    numbers = dict(app.key_numbers)
    app.breadth.value = -1.0  # cannot be combined: said beside the tilbud and the tiltak, the page keeps its numbers
    note = app.breadth_note.value
    assert "Smalt tilbud fjerner" in note and "Forebyggende hjemmebesøk til alle 75-åringer" in note
    assert "Forebyggende hjemmebesøk til eldre" in note  # the removed service, by name
    assert "Virker på" in app.measure_notes["forebyggende_hjemmebesok_alle"].value
    assert app.message.value == "" and app.key_numbers == numbers and app.result is not None
    assert 'data-stale="true"' in app.verdict_view.value and "forrige gyldige valg" in app.verdict_view.value
    assert app.stale and "Smalt tilbud kan ikke kombineres" in app.stale
    assert app.verdict_view.value.replace(app.verdict_view.value[:app.verdict_view.value.index("</div>") + 6], "") != ""
    app.breadth.value = 0.0  # back: the stale notice and the notes go
    assert app.stale == "" and app.breadth_note.value == "" and 'data-stale' not in app.verdict_view.value
    assert app.verdict_view.value == shown_before


def test_query_string_preselects():
    app = Krisekompasset()
    app.apply_query_string("kommune=3201&scenario=baerum_krisepakke")
    assert app.scenario_picker.value == "baerum_krisepakke"
    assert_shows(app, load_scenario(SCENARIOS / "baerum_krisepakke.yaml"))
    assert "Bærum – krisepakke" in app.title.value
    app.apply_query_string("kommune=0301")
    assert app.kommune.value == "0301" and app.scenario_picker.value == ""  # the file is Bærum's
    assert app.plan_scenario.kommune == "0301"
    assert app.result.attrs["kommune"] == "0301"
    app.apply_query_string("scenario=finnes_ikke")
    assert "scenario=finnes_ikke: finnes ikke" in app.message.value
    app.apply_query_string("kommune=Bærumm")
    assert "kommune=Bærumm: ble ikke funnet" in app.message.value


def test_user_errors_are_norwegian_messages_not_tracebacks():
    app = Krisekompasset(kommune="4003")  # Skien has SSB's own projection
    app.demography.value = "ssb_mmmm"
    assert app.message.value == ""
    app.kommune.value = "3201"  # Bærum has none: the choice stays, the app explains
    assert app.demography.value == "ssb_mmmm"
    assert 'role="alert"' in app.message.value
    assert "ingen SSB-framskriving for Bærum" in app.message.value
    assert "Traceback" not in app.message.value
    # the page keeps Skien's last valid numbers and says so above them
    assert app.result.attrs["kommune"] == "4003" and 'data-stale="true"' in app.verdict_view.value
    assert "Ingen SSB-framskriving for Bærum" in app.stale
    app.demography.value = "main"
    assert app.message.value == "" and app.stale == ""
    assert_shows(app, PlanScenario(kommune="3201"))
    with pytest.raises(kk.InputError, match="ingen beregning å lagre"):
        kk.Krisekompasset.excel_bytes(SimpleNamespace(result=None))


def test_excel_download(app):
    reset(app)
    app.measure_boxes["frivillighet"].value = True
    content = app.excel_bytes()
    wb = load_workbook(io.BytesIO(content))
    assert tuple(wb.sheetnames) == SHEETS
    app.excel_button.click()
    link = app.excel_link.value
    assert 'class="planmodel-excel-link"' in link and 'download="krisekompasset.xlsx"' in link
    data = re.search(r'href="data:application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,([^"]+)"',
                     link).group(1)
    assert base64.b64decode(data) == content
    app.threshold.value = 0.5  # a new choice makes the old file stale: the link goes
    assert app.excel_link.value == ""
    crisis = Krisekompasset(scenario="baerum_krisepakke")
    prov = load_workbook(io.BytesIO(crisis.excel_bytes()))["Proveniens"]
    cells = " ".join(str(c.value) for row in prov.iter_rows() for c in row if c.value is not None)
    assert "baerum_krisepakke" in cells


def test_panels_explain_method_and_assumptions(app):
    reset(app)
    method, assumptions = app.method_view.value, app.assumptions_view.value
    assert "Slik er det regnet" in method and app.result.attrs["calibration"][:40] in method
    assert "Inndekningsbehov = 1,75" in method
    assert "Forutsetninger og begrensninger" in assumptions
    assert f"{tall(app.result.attrs['national_free_income_per_capita'])}{kk.NBSP}kr" in assumptions
    assert tall(app.result.attrs["free_income_per_capita_accounts"]) in assumptions
    assert "anslag" in assumptions and "TBUs anbefaling" in assumptions


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------

def test_svg_charts_have_text_titles_and_no_nan():
    years = list(range(2026, 2041))
    values = [2.2, 2.0, math.nan] + [1.0] * 12
    charts = [
        svg.line_chart(years, [("Netto driftsresultat", values)], title="Netto driftsresultat", chart_id="t1",
                       y_label="% av driftsinntektene", fmt=lambda v: tall(v, 1), reference=[(1.75, "Norm 1,75 %")],
                       shade=(2027, 2030, "Økonomiplan")),
        svg.bar_chart(["Helse og omsorg", "Barn og unge"], [("2026", [1.0, math.nan]), ("2040", [2.0, 3.0])],
                      title="Kostnad etter sektor", value_label="mill. kr", chart_id="t2"),
        svg.column_chart(years, [0.0] * 15, title="Inndekningsbehov", y_label="mill. kr", chart_id="t3"),
    ]
    for chart in charts:
        dom = xml.dom.minidom.parseString(chart)
        root = dom.documentElement
        assert root.getAttribute("role") == "img"
        assert dom.getElementsByTagName("title")[0].firstChild.data
        assert "nan" not in chart.lower() and "inf" not in chart.lower()
        texts = [t.toxml() for t in dom.getElementsByTagName("text")]
        assert texts
    assert "% av driftsinntektene" in charts[0] and "Norm 1,75 %" in charts[0] and "2040" in charts[0]
    assert "1,0" in charts[0]  # Norwegian tick labels
    labels = re.findall(r">([^<>]+)</text>", charts[2])
    assert len(set(labels)) == len(labels)  # an all-zero chart does not repeat tick labels
    assert svg.nice_ticks(0, 97) == [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    assert svg.wrap("Egenmestring med trygghetsalarm og velferdsteknologi", 24) == [
        "Egenmestring med", "trygghetsalarm og", "velferdsteknologi"]


def test_app_charts_read_the_result(app):
    reset(app)
    ds = app.result
    chart = kk.ndr_chart(ds, "Bærum (3201)")
    end = prosent(float(ds.netto_driftsresultat_andel.sel(year=2040)), 1).replace("\xa0%", "")
    assert f">{end}</text>" in chart
    sector = kk.sector_chart(ds)
    for name in ds.sector_name.values:
        assert str(name) in sector
    assert "nan" not in app.future_view.value.lower()


def test_one_number_format_by_hand():
    nb, minus = "\u00a0", "\u2212"
    assert tall(1234567.8) == f"1{nb}234{nb}568" and tall(1234567.84, 1) == f"1{nb}234{nb}567,8"
    assert tall(-0.04, 1) == "0,0" and tall(-1234.5, 1) == f"{minus}1{nb}234,5" and tall(-0.0) == "0"
    assert tall(2.25, 1) == "2,2" and tall(999.95, 1) == f"1{nb}000,0"  # Python rounds half to even on floats
    assert tall(math.nan) == "–" and tall(None) == "–" and tall(math.inf) == "–"


def test_scenario_from_choices_keeps_the_file_when_nothing_changes():
    crisis = load_scenario(SCENARIOS / "baerum_krisepakke.yaml")
    starts = {m.id: m.start for m in crisis.measures}
    same = kk.scenario_from_choices(crisis, kommune="3201", demographic="main", horizon=2040, threshold=None,
                                    breadth=0.0, overflow="queue", measures=starts)
    assert same is crisis
    changed = kk.scenario_from_choices(crisis, kommune="3201", demographic="main", horizon=2040, threshold=0.5,
                                       breadth=0.0, overflow="queue", measures=starts)
    assert changed.id == "krisekompasset" and changed.threshold == 0.5
    status = {m.id: m.status for m in changed.measures}
    assert status["hverdagsrehabilitering"] == "vedtatt"  # kept from the file
    assert changed.behovsanalyse is True and "demographic_compensation" not in changed.economy
    wait = kk.scenario_from_choices(crisis, kommune="3201", demographic="main", horizon=2040, threshold=None,
                                    breadth=0.0, overflow="queue", measures=starts, behovsanalyse=False,
                                    compensation=0.0)
    assert wait.behovsanalyse is False and wait.economy["demographic_compensation"] == 0.0
    # choosing the base's own rule changes nothing
    assert kk.scenario_from_choices(crisis, kommune="3201", demographic="main", horizon=2040, threshold=None,
                                    breadth=0.0, overflow="queue", measures=starts, behovsanalyse=True,
                                    compensation=1.0) is crisis


def test_app_notebook_is_wiring_only():
    from planmodel.apps import app_path

    assert "krisekompasset" in available_apps()
    nb = json.loads(app_path("krisekompasset").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["title"] == "planmodel – Krisekompasset"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code")
    assert len(nb["cells"]) == 2  # the widget carries its own title: the verdict starts the page


def test_bench_app_without_chromium(monkeypatch, tmp_path):
    from planmodel.bench import apps as bench_app

    monkeypatch.setattr(bench_app, "CHROMIUM", tmp_path / "chromium")
    rows = bench_app.measure("krisekompasset", n=2)
    assert len(rows) == 1 and rows[0]["n"] == 0 and "mangler" in rows[0]["name"]
    assert set(rows[0]) >= {"name", "median_s", "min_s", "max_s", "n"}


# --- the verdict first, cost per choice, proposals, the link ----------------------------------

def _cell(html: str, choice: str, effect: str) -> str:
    row = re.search(rf'<tr data-choice="{re.escape(choice)}"[^>]*>(.*?)</tr>', html)
    assert row, f"no row {choice}"
    return re.search(rf'data-effect="{effect}">([^<]*)<', row.group(1)).group(1)


def test_shown_cost_per_choice_equals_the_model(app):
    reset(app)
    app.threshold.value = 1.0
    app.measure_boxes["hverdagsrehabilitering"].value = True
    app.measure_starts["hverdagsrehabilitering"].value = 2028
    sc = PlanScenario(kommune="3201", threshold=1.0, measures=(MeasureChoice("hverdagsrehabilitering", 2028),))
    basis = run(PlanScenario(kommune="3201"))
    year = app.view_year.value
    assert year == 2030

    def change(s, var):
        ds = run(s)
        a, b = ds[var], basis[var]
        extra = [d for d in a.dims if d != "year"]
        return float((a.sum(extra) - b.sum(extra)).sel(year=year)) if extra else float((a - b).sel(year=year))

    terskel = PlanScenario(kommune="3201", threshold=1.0)
    tiltak = PlanScenario(kommune="3201", measures=(MeasureChoice("hverdagsrehabilitering", 2028),))
    html = app.effects_view.value
    assert _cell(html, "terskel", "ndr") == f"{endring(change(terskel, 'netto_driftsresultat') / 1000, 1)}\u00a0mill.\u00a0kr"
    assert _cell(html, "terskel", "fte") == endring(change(terskel, "fte_sector"))
    assert _cell(html, "terskel", "unmet") == endring(change(terskel, "unmet_need"))
    assert _cell(html, "tiltak:hverdagsrehabilitering", "ndr") == (
        f"{endring(change(tiltak, 'netto_driftsresultat') / 1000, 1)}\u00a0mill.\u00a0kr")
    assert _cell(html, "i_alt", "ndr") == f"{endring(change(sc, 'netto_driftsresultat') / 1000, 1)}\u00a0mill.\u00a0kr"
    # the same number beside the tiltak's checkbox
    note = app.measure_notes["hverdagsrehabilitering"].value
    assert f"{endring(change(tiltak, 'netto_driftsresultat') / 1000, 1)}\u00a0mill.\u00a0kr" in note
    assert "alene mot dagens praksis" in note
    # another year: the table and the 2×2 follow
    app.view_year.value = 2040
    assert "Hva valgene endrer i 2040" in app.effects_view.value and "<caption>2040," in app.matrix_view.value
    year = 2040
    assert _cell(app.effects_view.value, "terskel", "fte") == endring(change(terskel, "fte_sector"))
    app.view_year.value = 2030


def test_verdict_is_the_economy_signal_and_the_gap_per_year(app):
    reset(app)
    app.income_rule.value = 0.0
    app.plan_period.value = (2027, 4)
    ds = app.result
    eco = next(s for s in app.signal_list if s.area == "okonomi")
    v = app.verdict_view.value
    verdict = balance_verdict(ds)
    assert f'data-verdict-level="{eco.level}"' in v and verdict.level == eco.level
    assert html_escape(verdict.sentence) in v and eco.word in v
    for y in (2027, 2028, 2029, 2030, 2035, 2040):
        assert f'data-key="inndekning_{y}">{mill_kr(1000 * float(ds.inndekningsbehov.sel(year=y)), 1)}<' in v
    for area in ("personell", "tilbud"):
        assert f'data-signal-chip="{area}" data-level="{app.signals[area][0]}"' in v


def test_plan_period_growth_and_effects_are_choices(app):
    reset(app)
    app.plan_period.value = (2027, 6)
    assert app.plan_scenario.plan_period == (2027, 2032) and app.result.plan.years[-1] == 2032
    assert [v for _, v in app.view_year.options] == [2030, 2032, 2035, 2040]
    app.growth.value = 0.009
    assert app.plan_scenario.economy["free_income_growth"] == 0.009
    app.effect_bound.value = "weak"
    assert app.plan_scenario.effect_bound == "weak"
    assert_shows(app, PlanScenario(kommune="3201", plan_years=6, economy={"free_income_growth": 0.009},
                                   effect_bound="weak"))
    reset(app)


def test_proposals_side_by_side_and_the_link_reopens_them():
    app = Krisekompasset()
    app.threshold.value = 1.0
    app.measure_boxes["hverdagsrehabilitering"].value = True
    app.proposal_name.value = "Kommunedirektøren"
    app.save_button.click()
    assert list(app.proposals) == ["Kommunedirektøren"] and app.proposal_pick.value == ("Kommunedirektøren",)
    assert "Velg minst to" in app.compare_view.value
    app.threshold.value = 0.0
    app.breadth.value = 1.0
    app.proposal_name.value = "  Opposisjonen "
    app.save_button.click()
    assert app.proposal_pick.value == ("Kommunedirektøren", "Opposisjonen")
    table = app.compare_view.value
    assert 'data-proposal="0">Kommunedirektøren' in table and 'data-proposal="1">Opposisjonen' in table
    a = run(PlanScenario(kommune="3201", threshold=1.0, measures=(MeasureChoice("hverdagsrehabilitering", 2027),)))
    assert prosent(float(a.netto_driftsresultat_andel.sel(year=2030)), 1) in table
    assert "notat-forslag.html" in app.compare_notat_link.value
    # a name is needed; the same name replaces
    app.proposal_name.value = ""
    app.save_button.click()
    assert "skriv et navn" in app.message.value
    # open a proposal: every choice comes back
    app.proposal_pick.value = ("Kommunedirektøren",)
    app.open_button.click()
    assert app.threshold.value == 1.0 and app.breadth.value == 0.0 and app.chosen_measures() == {"hverdagsrehabilitering": 2027}
    # the link carries every choice and reopens it in a fresh app
    app.plan_period.value = (2027, 5)
    app.view_year.value = 2035
    link = re.search(r'class="planmodel-share-link" href="\?([^"]*)"', app.share_view.value).group(1)
    fresh = Krisekompasset()
    fresh.apply_query_string(html_unescape(link))
    assert fresh.choices() == app.choices() and fresh.message.value == ""
    assert fresh.key_numbers == app.key_numbers
    app.delete_button.click()
    assert list(app.proposals) == ["Opposisjonen"]


def test_notat_from_the_app(app):
    reset(app)
    app.notat_button.click()
    href = re.search(r'href="data:text/html;base64,([^"]+)"', app.notat_link.value).group(1)
    import base64
    doc = base64.b64decode(href).decode("utf-8")
    assert doc.startswith("<!DOCTYPE html>") and "Notat til folkevalgte" in doc and "@media print" in doc


def test_the_plan_period_can_start_later(app):
    reset(app)
    labels = [label for label, _ in app.plan_period.options]
    assert labels[:4] == ["2027–2030 (4 år, lovens minimum)", "2028–2031 (4 år, rullering)",
                          "2029–2032 (4 år, rullering)", "2030–2033 (4 år, rullering)"]
    app.plan_period.value = (2029, 4)
    assert app.plan_scenario.plan_period == (2029, 2032) and app.result.plan.years == [2029, 2030, 2031, 2032]
    assert "Økonomiplan 2029–2032" in app.title.value and "planstart=2029" in app.choices().to_query()
    assert [v for _, v in app.view_year.options][0] == 2030
    assert_shows(app, PlanScenario(kommune="3201", plan_start=2029))
    app.plan_period.value = (2027, 4)
    assert "planstart" not in app.choices().to_query()


def test_suggest_package_ticks_the_solvers_tiltak_and_explains_in_one_line():
    from planmodel.analysis.prioritering import prioritize

    k = Krisekompasset("1515")  # Utsira has an inndekningsbehov in the plan period
    k.measure_boxes["tidlig_innsats_barn"].value = True  # replaced by the package
    k.suggest_button.click()
    want = prioritize(PlanScenario(kommune="1515"))
    assert set(k.chosen_measures()) == set(want.package) and want.package
    assert all(start == 2027 for start in k.chosen_measures().values())
    text = html_unescape(re.sub("<[^>]+>", "", k.suggest_note.value))
    assert text == want.explanation() and "dekker inndekningsbehovet" in text and "mill.\xa0kr" in text
    assert "\n" not in text and "def " not in text and "Traceback" not in text
    # the page shows the package: the model's numbers for the ticked tiltak
    assert_shows(k, PlanScenario(kommune="1515", measures=tuple(MeasureChoice(m, 2027) for m in k.chosen_measures())))
    k.threshold.value = 0.5  # another choice: the suggestion no longer describes the page
    assert k.suggest_note.value == ""
