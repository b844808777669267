"""The Økonomiplan app without a browser: the widget driven through ``.value`` and its buttons.

Expected numbers come from the model API (``load_scenario`` + ``run`` for the same choices, and
``samordning``/``goals`` for the tables) formatted with ``planmodel.formatting``, never from
strings copied out of the app.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import replace

import pytest

from planmodel.core.paths import APP_DIR, SCENARIO_DIR
from planmodel.core.errors import InputError
from planmodel.core.formatting import mill_kr, prosent, tall
from planmodel.inputs.goals import delmal_uten_tiltak, load_goals
from planmodel.inputs.library import load_library
from planmodel.model.chain import run
from planmodel.analysis.samordning import samordning, who_pays_who_gains
from planmodel.inputs.scenario import MeasureChoice, load_scenario
from planmodel.widgets import okonomiplan_app as oa
from planmodel.widgets.okonomiplan_app import OkonomiplanApp

PLAN = [2027, 2028, 2029, 2030]
HORIZON = 2040


def expected(kommune: str, base: str, choices: dict[str, tuple[int, str | None]],
             plan: list[int] = PLAN) -> dict[str, str]:
    """What the app must show for these choices, stated from the model API and the formatters
    (money in mill. kr; tiltak costs with one decimal, as for Bærum and Oslo)."""
    sc = load_scenario(SCENARIO_DIR / f"{base}.yaml")
    sc = replace(sc, kommune=kommune, measures=tuple(MeasureChoice(m, s, None, st) for m, (s, st) in choices.items()),
                 plan_start=plan[0])
    ds = run(sc)
    assert ds.plan.years == plan
    out = {}
    for y in plan + [HORIZON]:
        out[f"ndr_andel_{y}"] = prosent(float(ds["netto_driftsresultat_andel"].sel(year=y)), 1)
        out[f"ndr_{y}"] = mill_kr(float(ds["netto_driftsresultat"].sel(year=y)) * 1000)
        out[f"inndekning_{y}"] = mill_kr(float(ds["inndekningsbehov"].sel(year=y)) * 1000)
    out["inndekning_plan"] = mill_kr(float(ds["inndekningsbehov"].sel(year=plan).sum()) * 1000)
    out["tiltak_antall"] = str(len(choices))
    cost = (ds["tiltak_drift"] + ds["tiltak_investering"]).sel(year=plan)
    for y in plan:
        out[f"tiltak_kostnad_{y}"] = tall(float(cost.sel(year=y).sum()) / 1000, 1) if choices else "0,0"
    return out


def subset(numbers: dict[str, str], keys) -> dict[str, str]:
    return {k: numbers[k] for k in keys}


def shown(html: str) -> dict[str, str]:
    """data-key -> text of every key-number element in a piece of the app's HTML."""
    return dict(re.findall(r'data-key="([a-z0-9_]+)"[^>]*>([^<]*)<', html))


def shown_everywhere(app: OkonomiplanApp) -> dict[str, str]:
    out = {}
    for w in [app.key_numbers_view, app.balance_view, app.delmal_view] + app._sum_cells:
        out.update(shown(w.value))
    return out


@pytest.fixture
def app():
    return OkonomiplanApp()


# --------------------------------------------------------------------------------------------
# Start, and toggling tiltak
# --------------------------------------------------------------------------------------------


def test_starts_with_baerum_basis_and_every_tiltak(app):
    library = load_library()
    assert app.kommune.value == "3201" and app.place == "Bærum (3201)"
    assert app.scenario.value == "baerum_basis"
    assert len(app.kommune.options) == 357
    assert set(app.scenario.options) >= {("Bærum – krisepakke for personell og økonomi", "baerum_krisepakke"),
                                         ("Bærum – basisalternativ", "baerum_basis")}
    assert list(app.measure_boxes) == list(library.measures) and len(app.measure_boxes) == 14
    assert [b.description for b in app.measure_boxes.values()] == [m.title for m in library.measures.values()]
    assert not any(b.value for b in app.measure_boxes.values())
    want = expected("3201", "baerum_basis", {})
    assert subset(app.key_numbers, want) == want
    assert app.message.value == ""
    assert "Økonomiplan 2027–2030 for Bærum (3201)" in app.title.value


def test_toggling_a_tiltak_changes_the_numbers_to_the_models(app):
    before = dict(app.key_numbers)
    app.measure_boxes["hverdagsrehabilitering"].value = True
    want = expected("3201", "baerum_basis", {"hverdagsrehabilitering": (2027, None)})
    assert subset(app.key_numbers, want) == want
    assert app.key_numbers["ndr_andel_2030"] != before["ndr_andel_2030"]
    # what is displayed is exactly the key numbers (no-break spaces and minus signs included)
    on_screen = shown_everywhere(app)
    assert subset(on_screen, want) == want
    assert on_screen["ndr_andel_2030"].endswith("\u00a0%")
    # a second tiltak, then both off again
    app.measure_boxes["digitalt_tilsyn"].value = True
    want2 = expected("3201", "baerum_basis", {"hverdagsrehabilitering": (2027, None), "digitalt_tilsyn": (2027, None)})
    assert subset(app.key_numbers, want2) == want2
    app.measure_boxes["hverdagsrehabilitering"].value = False
    app.measure_boxes["digitalt_tilsyn"].value = False
    assert app.key_numbers == before
    assert app.result.sizes["measure"] == 0


def test_start_year_moves_the_tiltak(app):
    app.measure_boxes["samlokalisering"].value = True
    app.start_years["samlokalisering"].value = 2029
    want = expected("3201", "baerum_basis", {"samlokalisering": (2029, None)})
    assert subset(app.key_numbers, want) == want
    assert app.key_numbers["tiltak_kostnad_2027"] == "0,0"
    # the investment profile (two years) limits the last start year to the horizon minus one
    assert [v for _, v in app.start_years["samlokalisering"].options][-1] == HORIZON - 1
    assert [v for _, v in app.start_years["hverdagsrehabilitering"].options] == list(range(2027, HORIZON + 1))


def test_cost_cells_of_every_tiltak_equal_the_model(app):
    """The grid shows each tiltak's cost at its start year, ticked or not; for a ticked tiltak
    that is exactly its cost in run()."""
    app.start_years["digitalt_tilsyn"].value = 2028  # not ticked: only its row changes
    app.measure_boxes["hverdagsrehabilitering"].value = True
    sc = replace(load_scenario(SCENARIO_DIR / "baerum_basis.yaml"),
                 measures=(MeasureChoice("hverdagsrehabilitering", 2027), MeasureChoice("digitalt_tilsyn", 2028)))
    ds = run(sc)
    for mid in ("hverdagsrehabilitering", "digitalt_tilsyn"):
        cells = app._cost_cells[mid]
        for i, y in enumerate(PLAN):
            drift = float(ds["tiltak_drift"].sel(measure=mid, year=y))
            inv = float(ds["tiltak_investering"].sel(measure=mid, year=y))
            # mill. kr, one decimal for Bærum, like every amount in the app
            assert re.search(r"<div>([^<]*)</div>", cells[i].value).group(1) == tall((drift + inv) / 1000, 1), (mid, y)
            assert (f"inv. {tall(inv / 1000, 1)}" in cells[i].value) == (inv > 0.5)
    assert app.key_numbers["tiltak_antall"] == "1"


def test_one_model_run_per_change_and_samordning_only_on_demand(app, monkeypatch):
    calls = {"run": 0, "samordning": 0}

    def counting_run(sc):
        calls["run"] += 1
        return run(sc)

    def counting_samordning(sc):
        calls["samordning"] += 1
        return samordning(sc)

    monkeypatch.setattr(oa, "run", counting_run)
    monkeypatch.setattr(oa, "samordning", counting_samordning)
    app.measure_boxes["hverdagsrehabilitering"].value = True
    assert calls == {"run": 1, "samordning": 0}
    app.start_years["hverdagsrehabilitering"].value = 2028
    assert calls == {"run": 2, "samordning": 0}
    app.start_years["digitalt_tilsyn"].value = 2030  # not ticked: no model run
    assert calls["run"] == 2
    app.samordning_button.click()
    app.samordning_button.click()  # cached by the set of tiltak
    assert calls["samordning"] == 1
    app.measure_boxes["medisindispenser"].value = True
    app.measure_boxes["medisindispenser"].value = False  # back to a cached set: shown at once
    assert calls["samordning"] == 1 and "<table" in app.samordning_view.value


# --------------------------------------------------------------------------------------------
# Tiltaksmatrise, samordning, brief
# --------------------------------------------------------------------------------------------


def test_tiltaksmatrise_lists_the_chosen_tiltak(app):
    library = load_library()
    goals = load_goals()
    chosen = ["hverdagsrehabilitering", "tidlig_innsats_barn"]
    for mid in chosen:
        app.measure_boxes[mid].value = True
    table = app.matrise_view.value
    for mid, m in library.measures.items():
        assert (f">{m.title}<" in table) == (mid in chosen), mid
        if mid in chosen:
            for did in m.delmal:
                assert f">{goals.delmal[did].label}<" in table
    assert ">fra 2027<" in table and ">Hjemmetjenesten<" in table
    # the cost columns: each tiltak counted once in the sum row
    ds = app.result
    total = float((ds["tiltak_drift"] + ds["tiltak_investering"]).sel(year=2028).sum())
    assert re.search(r'Sum \(hvert tiltak telt én gang\)</th>(?:<td class="num">[^<]*</td>){1}'
                     rf'<td class="num">{re.escape(tall(total / 1000, 1))}</td>', table)
    assert "[kostnad per år i mill. kr, faste 2025-priser]" in table and "1000 kr" not in table
    without = delmal_uten_tiltak(goals, [library.measures[m].chosen(2027) for m in chosen])
    assert shown(app.delmal_view.value)["delmal_uten_tiltak"] == str(len(without))
    for did in without["Delmål-id"]:
        assert f">{did}<" in app.delmal_view.value
    assert "Målstrukturen (hovedmål, hovedgrep og delmål) er fra Bærum kommunes" in app.matrise_note.value


def test_other_kommune_shows_tiltak_without_baerums_goals(app):
    app.kommune.value = "0301"
    note = html.unescape(app.matrise_note.value)
    assert "Oslo (0301) har ingen målstruktur (hovedmål, hovedgrep og delmål) i planmodel ennå" in note
    assert "«planmodel mal ny»" in note and "veiledningen om scenariofiler" in note
    assert not re.search(r"\.ya?ml|docs/|data/|nøkkelen goals", note)
    assert "Målstruktur" not in app.footer.value and "Bærum" not in app.footer.value
    # a neutral basis: Bærum's scenario is never named for Oslo
    assert app.scenario.label == "Basis for Oslo" and "Bærum" not in app.title.value
    assert "Utgangspunkt: Basis for Oslo." in app.title.value and app.message.value == ""
    want = expected("0301", "baerum_basis", {})
    assert subset(app.key_numbers, want) == want
    app.measure_boxes["hverdagsrehabilitering"].value = True
    table = app.matrise_view.value
    assert ">Hverdagsrehabilitering<" in table and "Bærekraftige tjenester" not in table
    assert ">BO1.1, BO3.1<" in table  # the tiltak's delmål as written, no goal links


def test_plan_period_can_be_chosen_and_the_numbers_follow(app):
    """The økonomiplan of a later autumn: 2027–2030 ... 2030–2033 (all end before the horizon);
    the key numbers, the title and the tiltak table's years follow, the model says the same."""
    assert [v for _, v in app.plan_period.options] == [2027, 2028, 2029, 2030]
    assert [lab for lab, _ in app.plan_period.options] == ["2027–2030", "2028–2031", "2029–2032", "2030–2033"]
    assert app.plan_period.value == 2027
    app.measure_boxes["hverdagsrehabilitering"].value = True
    app.plan_period.value = 2029
    later = [2029, 2030, 2031, 2032]
    assert app.result.plan.years == later and app.current_scenario().plan_period == (2029, 2032)
    want = expected("3201", "baerum_basis", {"hverdagsrehabilitering": (2027, None)}, plan=later)
    assert subset(app.key_numbers, want) == want
    assert subset(shown_everywhere(app), want) == want
    assert "Økonomiplan 2029–2032 for Bærum (3201)" in app.title.value
    assert [re.sub("<[^>]+>", "", h.value) for h in app._year_heads] == [str(y) for y in later]
    # the ticked tiltak keeps its start before the plan; the others start in the first plan year
    assert app.start_years["hverdagsrehabilitering"].value == 2027
    assert [v for _, v in app.start_years["digitalt_tilsyn"].options][0] == 2029
    assert app.start_years["digitalt_tilsyn"].value == 2029
    # the brief is for the chosen period
    app.report_button.click()
    brief = base64.b64decode(re.search(r'base64,([^"]+)"', app.report_link.value).group(1)).decode("utf-8")
    assert "<h1>Økonomiplan 2029–2032: Bærum – basisalternativ</h1>" in brief
    # back to the first period: the same numbers as at the start
    app.plan_period.value = 2027
    want = expected("3201", "baerum_basis", {"hverdagsrehabilitering": (2027, None)})
    assert subset(app.key_numbers, want) == want


def test_other_kommune_gets_a_neutral_basis_and_never_the_file_kommunes_own(app):
    """For Oslo the Bærum files' choices are used with Oslo's own figures; the housing
    alternatives (Bærum's own boligbygging) are all Oslo's basis and offered once."""
    app.kommune.value = "0301"
    labels = [lab for lab, _ in app.scenario.options]
    assert labels[0] == "Basis for Oslo" and labels.count("Basis for Oslo") == 1
    assert "Krisepakke for personell og økonomi (valgene fra Bærum)" in labels
    assert not any(lab.startswith("Bærum") for lab in labels)
    app.scenario.value = "baerum_krisepakke"
    msg = html.unescape(app.message.value)
    assert "Valgene i «Krisepakke for personell og økonomi» (terskel, tilbud" in msg and "Oslos egen befolkning" in msg
    sc = app.current_scenario()
    assert sc.title == "Krisepakke for personell og økonomi for Oslo" and sc.kommune == "0301"
    app.measure_boxes["hverdagsrehabilitering"].value = False
    assert app.current_scenario().title == "Egne valg for Oslo"
    app.kommune.value = "3201"
    assert app.scenario.label == "Bærum – krisepakke for personell og økonomi"


def test_kommune_own_parts_of_a_file_are_left_out_for_another_kommune(tmp_path):
    """A Bærum file with Bærum's own figures, housing and målstruktur: for Oslo none of them is
    used (Oslo's numbers are Oslo's basis), and the message says so in words."""
    (tmp_path / "egen.yaml").write_text(
        'id: egen\ntitle: Bærum – egne tall\nkommune: "3201"\n'
        "demography: {dwellings: 900, reference_dwellings: 600}\n"
        "accounts: {net_debt: 1000000}\nservices: {capacity_additions: {institusjon: {2028: 32}}}\n",
        encoding="utf-8")
    app = OkonomiplanApp(scenario="egen", scenario_dir=tmp_path)
    assert app.scenario.label == "Bærum – egne tall"
    app.kommune.value = "0301"
    assert app.scenario.label == "Basis for Oslo"
    sc = app.current_scenario()
    assert not sc.demography_overrides and not sc.accounts and not sc.capacity_additions and sc.goals is None
    msg = html.unescape(app.message.value)
    assert ("Egne regnskapstall, egne befolkningsforutsetninger (boligbygging, fruktbarhet, levealder, flytting) og "
            "planlagte nye plasser i scenarioet gjelder Bærum og er ikke brukt for Oslo.") in msg
    want = expected("0301", "baerum_basis", {})
    assert subset(app.key_numbers, want) == want


def test_pure_helpers_name_scenarios_for_a_kommune():
    basis = load_scenario(SCENARIO_DIR / "baerum_basis.yaml")
    krise = load_scenario(SCENARIO_DIR / "baerum_krisepakke.yaml")
    assert oa.is_basis(basis) and not oa.is_basis(krise)
    assert oa.is_basis(load_scenario(SCENARIO_DIR / "baerum_bolig_hoy.yaml"))  # only Bærum's own housing
    assert oa.neutral_title(krise) == "Krisepakke for personell og økonomi"
    assert oa.scenario_label(basis, "3201") == "Bærum – basisalternativ"
    assert oa.scenario_label(basis, "1151") == "Basis for Utsira"
    assert oa.kommune_name("0301") == "Oslo"
    assert oa.user_problem(InputError("/home/x/scenarios/a.yaml", "plan.start", "for tidlig")) == \
        "for tidlig (nøkkelen plan.start)"
    other = oa.scenario_with(basis, "0301", {})
    assert (other.title, other.id, other.goals) == ("Basis for Oslo", "okonomiplan", None)
    assert "Bærum" not in other.title and other.plan_period == (2027, 2030)
    assert oa.scenario_with(basis, "3201", {}, 2027) == basis  # the default period keeps the file's scenario
    assert oa.scenario_with(basis, "3201", {}, 2030).plan_period == (2030, 2033)


def test_samordning_table_is_the_models(app):
    app.measure_boxes["hverdagsrehabilitering"].value = True
    app.measure_boxes["tidlig_innsats_barn"].value = True
    assert "Trykk på knappen" in app.samordning_view.value
    app.samordning_button.click()
    view = app.samordning_view.value
    t = who_pays_who_gains(samordning(app.current_scenario()))
    for title, row in t.iterrows():
        cells = re.search(rf">{re.escape(title)}</th>(.*?)</tr>", view).group(1)
        assert re.findall(r'<td class="num">([^<]*)</td>', cells) == [tall(v, 1) for v in row.values]
    assert "Helse og omsorg" in view and "Netto" in view


def test_report_link_holds_the_brief_for_the_choices(app):
    app.measure_boxes["hverdagsrehabilitering"].value = True
    app.report_button.click()
    link = app.report_link.value
    assert 'download="okonomiplan_3201_baerum_basis.html"' in link
    data = re.search(r'href="data:text/html;charset=utf-8;base64,([^"]+)"', link).group(1)
    brief = base64.b64decode(data).decode("utf-8")
    assert '<html lang="nb">' in brief
    assert f'data-key="ndr_andel_2030">{app.key_numbers["ndr_andel_2030"]}<' in brief
    assert "Hverdagsrehabilitering" in brief
    app.measure_boxes["hverdagsrehabilitering"].value = False
    assert app.report_link.value == ""  # a stale brief is never offered


# --------------------------------------------------------------------------------------------
# Base scenario and query string
# --------------------------------------------------------------------------------------------


def test_base_scenario_ticks_its_tiltak(app):
    app.scenario.value = "baerum_krisepakke"
    sc = load_scenario(SCENARIO_DIR / "baerum_krisepakke.yaml")
    assert {m for m, b in app.measure_boxes.items() if b.value} == {m.id for m in sc.measures}
    assert {m.id: (m.start, m.status) for m in sc.measures} == app.choices()
    want = expected("3201", "baerum_krisepakke", {m.id: (m.start, m.status) for m in sc.measures})
    assert subset(app.key_numbers, want) == want
    app.scenario.value = "baerum_basis"
    assert not any(b.value for b in app.measure_boxes.values())


@pytest.mark.parametrize("query", ["kommune=0301&scenario=baerum_krisepakke", "kommune=Oslo&scenario=baerum_krisepakke"])
def test_query_string_preselects(app, query):
    app.apply_query_string(query)
    assert app.kommune.value == "0301" and app.scenario.value == "baerum_krisepakke"
    sc = load_scenario(SCENARIO_DIR / "baerum_krisepakke.yaml")
    want = expected("0301", "baerum_krisepakke", {m.id: (m.start, m.status) for m in sc.measures})
    assert subset(app.key_numbers, want) == want
    assert "planmodel-error" not in app.message.value


def test_empty_query_string_changes_nothing(app):
    before = dict(app.key_numbers)
    app.apply_query_string("")
    app.apply_query_string("x=1")
    assert app.key_numbers == before and app.kommune.value == "3201"


# --------------------------------------------------------------------------------------------
# Errors are Norwegian messages
# --------------------------------------------------------------------------------------------


def test_bad_query_string_gives_norwegian_messages(app):
    before = dict(app.key_numbers)
    app.apply_query_string("kommune=Atlantis&scenario=finnes_ikke")
    msg = app.message.value
    assert 'role="alert"' in msg
    assert "Kommunen i lenken (kommune=Atlantis) ble ikke funnet" in msg
    assert "Scenarioet i lenken (scenario=finnes_ikke) finnes ikke; velg blant: baerum_basis" in msg
    assert app.key_numbers == before  # nothing changed behind the user's back


def test_model_error_becomes_a_norwegian_message(app, monkeypatch):
    def failing(sc):
        raise InputError("scenario", "measures[0].start", "2041 er etter horisonten 2040")

    monkeypatch.setattr(oa, "run", failing)
    app.measure_boxes["hverdagsrehabilitering"].value = True
    msg = app.message.value
    assert 'role="alert"' in msg
    assert ("Kan ikke beregne økonomiplanen for Bærum (3201) med «Bærum – basisalternativ»: 2041 er etter "
            "horisonten 2040 (nøkkelen measures[0].start). Endre valgene og prøv igjen.") in msg
    assert app.result is None and app.key_numbers == {} and app.balance_view.value == ""
    monkeypatch.setattr(oa, "run", run)
    app.measure_boxes["hverdagsrehabilitering"].value = False
    assert app.message.value == "" and app.result is not None


def test_unexpected_error_is_shown_logged_and_raised(app, monkeypatch, caplog):
    def broken(sc):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(oa, "run", broken)
    with pytest.raises(ZeroDivisionError):
        app.recompute()
    assert "Uventet feil i planmodel (ZeroDivisionError)" in app.message.value
    assert "OkonomiplanApp" in caplog.text
    assert "planmodel-busy" not in app._dom_classes


def test_broken_scenario_file_is_left_out_with_a_message(tmp_path):
    (tmp_path / "baerum_basis.yaml").write_text((SCENARIO_DIR / "baerum_basis.yaml").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    (tmp_path / "feil.yaml").write_text('id: feil\ntitle: Feil\nkommune: "3201"\nukjent: 1\n', encoding="utf-8")
    app = OkonomiplanApp(scenario_dir=tmp_path)
    assert [v for _, v in app.scenario.options] == ["baerum_basis"]
    msg = html.unescape(app.message.value)
    assert "Scenarioet «feil» kunne ikke leses og er utelatt" in msg
    assert "ukjent" in msg and str(tmp_path) not in msg and ".yaml" not in msg
    assert app.key_numbers["ndr_andel_2030"] == expected("3201", "baerum_basis", {})["ndr_andel_2030"]


def test_unknown_base_scenario_falls_back_with_a_message():
    app = OkonomiplanApp(scenario="finnes_ikke")
    assert app.scenario.value == "baerum_basis"
    assert "Fant ikke scenarioet 'finnes_ikke'; viser «Bærum – basisalternativ»." in html.unescape(app.message.value)


# --------------------------------------------------------------------------------------------
# The app notebook
# --------------------------------------------------------------------------------------------


def test_app_notebook_is_thin_wiring():
    nb = json.loads((APP_DIR / "okonomiplan.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["title"] == "planmodel – Økonomiplan"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    source = "".join("".join(c["source"]) for c in code)
    assert "OkonomiplanApp()" in source and "apply_query_string" in source and "wait_for_request()" in source
    assert sum(len(c["source"]) for c in code) < 20
