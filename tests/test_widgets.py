"""Population explorer without a browser: pure helpers, then the widget driven through ``.value``.

Expected numbers come from the model API (``project_kommune`` + ``indicators``) formatted with
``planmodel.formatting``, never from strings copied out of the app.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import xarray as xr

from planmodel.core.meta import SSB_CREDIT
from planmodel.core.ages import KOSTRA_GROUPS, to_kostra_groups
from planmodel.inputs.demographic import SCENARIOS
from planmodel.population.demography import project_kommune
from planmodel.core.errors import InputError, KommuneError
from planmodel.core.formatting import NBSP, endring, tall
from planmodel.population.indicators import indicators
from planmodel.inputs.kommuner import all_kommuner
from planmodel.widgets import PopulationExplorer
from planmodel.widgets import population_explorer as pe
from planmodel.core.labels import age_group_label
from planmodel.present import svg
from planmodel.present.charts import age_group_panels, population_pyramid

MINUS = "\u2212"
BASE_SCENARIOS = ["main", "low", "high", "bolig_hoy", "bolig_moderat", "bolig_lav"]
SSB = ["ssb_mmmm", "ssb_llml", "ssb_hhmh"]
SVG_NS = "{http://www.w3.org/2000/svg}"


def expected_numbers(kommune: str, scenario: str, year: int) -> dict[str, str]:
    """What the key-number panel must show, stated from the model API and the formatters."""
    ind = indicators(project_kommune(kommune, scenario))
    now, base = ind.sel(year=year), ind.isel(year=0)

    def level_and_change(key, decimals):
        value = float(now[key])
        return {key: tall(value, decimals), f"{key}_change": endring(value - float(base[key]), decimals)}

    return {
        **level_and_change("total", 0),
        **level_and_change("aldersbaereevne", 1),
        **level_and_change("persons_80plus", 0),
        **level_and_change("family_care_ratio", 1),
        "growth_80plus": endring(100 * float(ind["growth_80plus"].sel(year=2040)), 1) + NBSP + "%",
    }


def shown_numbers(html: str) -> dict[str, str]:
    """data-key -> text of every key-number element in the panel's HTML."""
    return dict(re.findall(r'data-key="([a-z0-9_]+)"[^>]*>([^<]*)<', html))


@pytest.fixture(scope="module")
def app():
    return PopulationExplorer()


# --------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------


def test_nb_sort_key_puts_aeoa_last_in_norwegian_order():
    names = ["Åsnes", "Ørland", "Ærø", "Zeta", "Alta", "Øygarden", "Ål", "Bø"]
    assert sorted(names, key=pe.nb_sort_key) == ["Alta", "Bø", "Zeta", "Ærø", "Ørland", "Øygarden", "Ål", "Åsnes"]


def test_kommune_options_cover_all_kommuner_sorted_with_codes():
    options = pe.kommune_options()
    table = all_kommuner()
    assert len(options) == len(table) == 357
    assert {code for _, code in options} == set(table["kommune"])
    assert ("Bærum (3201)", "3201") in options and ("Oslo (0301)", "0301") in options
    labels = [label for label, _ in options]
    assert len(set(labels)) == len(labels)  # Herøy and Våler are told apart by code
    assert [pe.nb_sort_key(label) for label in labels] == sorted(pe.nb_sort_key(label) for label in labels)
    assert labels[0].startswith("A") and labels[-1].startswith("Å")


def test_scenario_options_offer_ssb_only_where_shipped():
    ids = lambda options: [i for _, i in options]  # noqa: E731
    assert ids(pe.scenario_options("3201")) == BASE_SCENARIOS
    assert ids(pe.scenario_options("4003")) == BASE_SCENARIOS + SSB
    # the current choice is kept (not silently replaced) so the app can explain it
    assert ids(pe.scenario_options("0301", keep="ssb_llml")) == BASE_SCENARIOS + ["ssb_llml"]
    assert dict(pe.scenario_options("3201"))["Hovedalternativ (MMMM)"] == "main"


def _hand_indicators():
    years = [2026, 2030, 2040]
    data = {
        "total": [1000.0, 1234.4, 12345.6],
        "aldersbaereevne": [4.04, 3.5, 2.96],
        "persons_80plus": [50.0, 60.0, 80.0],
        "family_care_ratio": [5.0, 4.0, 3.04],
        "growth_80plus": [0.0, 0.2, 0.6],
    }
    return xr.Dataset({k: ("year", v) for k, v in data.items()}, coords={"year": years})


def test_key_numbers_hand_checked():
    numbers = pe.key_numbers(_hand_indicators(), 2040)
    assert numbers == {
        "total": f"12{NBSP}346", "total_change": f"+11{NBSP}346",
        "aldersbaereevne": "3,0", "aldersbaereevne_change": f"{MINUS}1,1",
        "persons_80plus": "80", "persons_80plus_change": "+30",
        "family_care_ratio": "3,0", "family_care_ratio_change": f"{MINUS}2,0",
        "growth_80plus": f"+60,0{NBSP}%",
    }
    assert pe.key_numbers(_hand_indicators(), 2026)["total_change"] == "0"


def test_key_numbers_growth_year_falls_back_to_last_year():
    assert pe.key_numbers(_hand_indicators(), 2030, growth_year=2050)["growth_80plus"] == f"+60,0{NBSP}%"


def test_key_numbers_html_shows_exactly_the_numbers():
    numbers = pe.key_numbers(_hand_indicators(), 2030)
    html = pe.key_numbers_html(numbers, 2030, 2026)
    assert shown_numbers(html) == numbers
    assert "Folkemengde 2030" in html and "Endring fra 2026" in html and "fra 2026 til 2040" in html


def test_age_group_table_sums_and_total_row():
    pop = project_kommune("3201")
    groups = to_kostra_groups(pop).sum("sex")
    table = pe.age_group_table(groups)
    assert list(table.columns) == [2026, 2030, 2035, 2040, 2050]
    assert list(table.index) == [*KOSTRA_GROUPS, "total"]
    assert table.loc["80-89", 2040] == pytest.approx(float(pop.sel(year=2040, age=slice(80, 89)).sum()))
    assert table.loc["total", 2050] == pytest.approx(float(pop.sel(year=2050).sum()))
    html = pe.age_group_table_html(table, "Personer")
    assert f"<td style=\"text-align:right;padding:4px 10px\">{tall(table.loc['0', 2026])}</td>" in html
    assert "Endring 2026–2050" in html and "I alt" in html and "80–89 år" in html


def test_age_group_table_skips_years_outside_projection():
    groups = to_kostra_groups(project_kommune("3201", end_year=2035)).sum("sex")
    assert list(pe.age_group_table(groups).columns) == [2026, 2030, 2035]


@pytest.mark.parametrize("query, expected", [
    ("kommune=0301", "0301"), ("kommune=B%C3%A6rum&x=1", "Bærum"), ("x=1", None), ("", None),
    ("kommune=", None),
])
def test_kommune_from_query(query, expected):
    assert pe.kommune_from_query(query) == expected


def test_signed_percent_and_non_finite():
    assert pe.signed_percent(0.4512) == f"+45,1{NBSP}%"
    assert pe.signed_percent(-0.02) == f"{MINUS}2,0{NBSP}%"
    assert pe.signed_percent(float("inf")) == f"–{NBSP}%"


def test_about_card_lists_scenario_assumptions_and_sources():
    pop = project_kommune("3201", "bolig_hoy")
    html = pe.about_html(pop)
    assert "Om tallene" in html and SCENARIOS["bolig_hoy"].label in html
    assert SCENARIOS["bolig_hoy"].description in html
    for assumption in pop.attrs["assumptions"].split(" | "):
        assert f"<li>{assumption}</li>" in html.replace("&#x27;", "'")
    assert "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0" in html
    assert "Human Mortality Database" in html and "Human Fertility Database" in html


def test_footer_credits_ssb_hmd_hfd():
    html = pe.footer_html()
    assert SSB_CREDIT in html and "Human Mortality Database" in html and "Human Fertility Database" in html


# --------------------------------------------------------------------------------------------
# Charts (pure: data in, SVG text out) — read back the numbers the SVG draws and states
# --------------------------------------------------------------------------------------------


def parse_svg(text: str) -> ET.Element:
    """The SVG as an element tree (namespace-free tags: the charts write no xmlns)."""
    return ET.fromstring(text)


def bars(root: ET.Element, sex: str) -> dict[int, tuple[float, str]]:
    """age -> (drawn width [px], tooltip text) of the pyramid's bars for ``sex``."""
    return {int(r.get("data-age")): (float(r.get("width")), r.find("title").text)
            for r in root.iter("rect") if r.get("data-sex") == sex}


def test_pyramid_bars_are_the_population():
    proj = project_kommune("3201")
    pop = proj.sel(year=2040)
    chart = population_pyramid(pop, proj.sel(year=2026), "Bærum (3201)", "Hovedalternativ (MMMM)", 2040)
    root = parse_svg(chart)
    men, women = bars(root, "male"), bars(root, "female")
    assert sorted(men) == sorted(women) == list(range(106))
    # Widths are proportional to the persons (one scale for both sexes; coordinates to 0.1 px)
    peak = max(float(pop.max()), float(proj.sel(year=2026).max()))
    scale = max(w for w, _ in [*men.values(), *women.values()]) / float(pop.max())
    assert scale * peak <= 380  # the widest bar or outline fits in half the plot
    for age in (0, 18, 45, 67, 85, 100, 105):
        for sex, drawn in (("male", men), ("female", women)):
            value = float(pop.sel(sex=sex, age=age))
            width, tooltip = drawn[age]
            assert abs(width - scale * value) <= 0.15, (sex, age)
            assert tooltip.endswith(f": {tall(value)}")
    assert men[40][1] == f"Menn, 40 år: {tall(float(pop.sel(sex='male', age=40)))}"
    assert women[105][1].startswith("Kvinner, 105 år og over: ")
    title = root.find("title").text
    assert title == "Befolkningspyramide 2040: Bærum (3201) – Hovedalternativ (MMMM)"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "pm-pyramid-title pm-pyramid-desc"
    desc = root.find("desc").text
    assert f"{tall(float(pop.sum()))} personer" in desc and "basisåret 2026" in desc
    assert f"{tall(float(pop.sel(sex='female').sum()))} kvinner" in desc
    texts = [t.text for t in root.iter("text")]
    assert "Alder (år)" in texts and "Personer per ettårig alder (menn til venstre, kvinner til høyre)" in texts
    assert "2026 (basisår)" in texts and "Menn" in texts and "Kvinner" in texts
    assert all(MINUS not in (t or "") and "nan" not in (t or "") for t in texts)  # no signed tick labels
    assert len(root.findall("path[@class='pyramid-reference']")) == 2


def test_pyramid_of_the_base_year_has_no_outline():
    proj = project_kommune("3201")
    chart = population_pyramid(proj.sel(year=2026), proj.sel(year=2026), "Bærum (3201)", "x", 2026)
    assert "pyramid-reference" not in chart and "basisår" not in chart


def test_pyramid_is_deterministic_and_self_contained():
    proj = project_kommune("0301")

    def make() -> str:
        return svg.pyramid_chart(
            proj["age"].values, proj.sel(year=2035, sex="male").values, proj.sel(year=2035, sex="female").values,
            title="Befolkningspyramide 2035: Oslo (0301)", subtitle="Hovedalternativ (MMMM)", chart_id="t",
            reference=(proj.sel(year=2026, sex="male").values, proj.sel(year=2026, sex="female").values),
            reference_label="2026 (basisår)")

    first = make()
    assert first == make()
    for bad in ("http", "<script", "<image", "href"):
        assert bad not in first.lower()
    parse_svg(first)  # well-formed


def test_age_group_panels_one_panel_per_group():
    groups = to_kostra_groups(project_kommune("0301")).sum("sex")
    root = parse_svg(age_group_panels(groups, "Oslo (0301)", "Hovedalternativ (MMMM)"))
    panels = root.findall("g[@class='panel']")
    assert [g.get("data-panel") for g in panels] == [age_group_label(g) for g in KOSTRA_GROUPS]
    assert root.find("title").text == "Personer etter aldersgruppe: Oslo (0301) – Hovedalternativ (MMMM)"
    # The 80–89 line: its heights relative to the first year follow the persons
    values = groups.sel(age_group="80-89").values
    (line,) = panels[8].findall("polyline")
    ys = np.array([float(p.split(",")[1]) for p in line.get("points").split()])
    np.testing.assert_allclose((ys - ys[0]) / (ys[-1] - ys[0]), (values - values[0]) / (values[-1] - values[0]),
                               atol=0.02)
    for g in panels:  # each y axis starts at zero; the years are shared
        labels = [t.text for t in g.iter("text")]
        assert "0" in labels and "2026" in labels and "2050" in labels
    desc = root.find("desc").text
    assert f"80–89 år: {tall(values[0])} i 2026 og {tall(values[-1])} i 2050" in desc
    assert age_group_label("90+") == "90 år og over" and age_group_label("1-5") == "1–5 år"


# --------------------------------------------------------------------------------------------
# The widget, driven through .value
# --------------------------------------------------------------------------------------------


def test_defaults_baerum_main_2040(app):
    assert (app.kommune.value, app.scenario.value, app.year.value) == ("3201", "main", 2040)
    assert app.kommune.label == "Bærum (3201)"
    assert len(app.kommune.options) == 357
    assert app.population.attrs["kommune"] == "3201" and app.population.attrs["scenario"] == "main"
    assert app.key_numbers == expected_numbers("3201", "main", 2040)
    assert shown_numbers(app.key_numbers_view.value) == app.key_numbers
    assert app.message.value == ""
    assert pe.BUSY_CLASS not in app._dom_classes
    assert (app.year.min, app.year.max) == (2026, 2050)
    for w in (app.kommune, app.scenario, app.year):
        assert w.style.description_width == "initial"
    assert "planmodel-kommune" in app.kommune._dom_classes
    assert "planmodel-key-numbers" in app.key_numbers_view._dom_classes


def svg_title(html: str) -> str:
    return parse_svg(html).find("title").text


def test_outputs_are_drawn(app):
    for w, cls in ((app.pyramid, "planmodel-pyramid"), (app.age_groups, "planmodel-age-groups")):
        assert w.value.startswith("<svg") and cls in w._dom_classes
    assert svg_title(app.pyramid.value) == "Befolkningspyramide 2040: Bærum (3201) – Hovedalternativ (MMMM)"
    assert svg_title(app.age_groups.value) == "Personer etter aldersgruppe: Bærum (3201) – Hovedalternativ (MMMM)"
    assert tall(app.population.sel(year=2050).sum()) in app.age_group_table.value
    assert "Om tallene" in app.about.value and "Kilde: Statistisk sentralbyrå" in app.footer.value


def test_other_kommune_updates_numbers_html_and_title():
    app = PopulationExplorer()
    app.kommune.value = "0301"
    assert app.population.attrs["kommune"] == "0301"
    assert app.key_numbers == expected_numbers("0301", "main", 2040)
    assert shown_numbers(app.key_numbers_view.value) == app.key_numbers
    assert "Oslo (0301)" in app.title.value and "Oslo (0301)" in app.about.value + app.age_group_table.value
    assert "Oslo (0301)" in svg_title(app.pyramid.value) and "Oslo (0301)" in svg_title(app.age_groups.value)


def test_scenario_and_year():
    app = PopulationExplorer(kommune="0301")
    app.scenario.value = "high"
    assert app.key_numbers == expected_numbers("0301", "high", 2040)
    before = app.population
    app.year.value = 2050
    assert app.population is before  # a new year only redraws; no new projection
    assert app.year_slider.value == 2050
    assert app.key_numbers == expected_numbers("0301", "high", 2050)
    assert shown_numbers(app.key_numbers_view.value) == app.key_numbers
    assert "Folkemengde 2050" in app.key_numbers_view.value and pe.BUSY_CLASS not in app._dom_classes
    assert svg_title(app.pyramid.value) == f"Befolkningspyramide 2050: Oslo (0301) – {SCENARIOS['high'].label}"
    women = bars(parse_svg(app.pyramid.value), "female")
    assert women[30][1].endswith(tall(float(app.population.sel(year=2050, sex="female", age=30))))
    app.year_slider.value = 2030  # the slider drives the accessible text box too
    assert app.year.value == 2030 and app.key_numbers == expected_numbers("0301", "high", 2030)


def test_year_is_bounded():
    app = PopulationExplorer(year=2035)
    app.year.value = 2100
    assert app.year.value == 2050
    assert app.key_numbers["total"] == expected_numbers("3201", "main", 2050)["total"]


def test_ssb_scenario_error_is_a_norwegian_message_and_recovers():
    app = PopulationExplorer(kommune="4003")
    assert [v for _, v in app.scenario.options] == BASE_SCENARIOS + SSB
    app.scenario.value = "ssb_mmmm"
    assert app.message.value == "" and app.population.attrs["scenario"] == "ssb_mmmm"
    assert app.key_numbers == expected_numbers("4003", "ssb_mmmm", 2040)

    app.kommune.value = "0301"  # Oslo has no shipped SSB projection
    assert app.scenario.value == "ssb_mmmm"  # the choice is not changed behind the user's back
    message = app.message.value
    assert 'role="alert"' in message
    assert "Kan ikke beregne «SSBs framskriving, hovedalternativ» for Oslo (0301)" in message
    assert "ingen SSB-framskriving for Oslo" in message and "Velg et annet scenario" in message
    assert "Traceback" not in message and "Error" not in message
    assert app.population is None and app.key_numbers == {} and app.key_numbers_view.value == ""
    assert app.pyramid.value == "" and app.age_groups.value == ""

    app.scenario.value = "main"
    assert app.message.value == ""
    assert app.key_numbers == expected_numbers("0301", "main", 2040)
    assert [v for _, v in app.scenario.options] == BASE_SCENARIOS


def test_unexpected_errors_are_shown_logged_and_raised(monkeypatch, caplog):
    app = PopulationExplorer()

    def broken(*args, **kwargs):
        raise RuntimeError("simulert feil")

    monkeypatch.setattr(pe, "project_kommune", broken)
    with caplog.at_level(logging.ERROR, logger=pe.log.name), pytest.raises(RuntimeError, match="simulert"):
        app.kommune.value = "0301"
    assert "Uventet feil i planmodel (RuntimeError)" in app.message.value
    assert "simulert feil" in caplog.text
    assert app.key_numbers == {} and pe.BUSY_CLASS not in app._dom_classes


def test_query_string_preselects_kommune():
    app = PopulationExplorer()
    app.apply_query_string("kommune=Oslo")
    assert app.kommune.value == "0301" and app.key_numbers == expected_numbers("0301", "main", 2040)
    app.apply_query_string("")
    assert app.kommune.value == "0301"
    app.apply_query_string("kommune=Atlantis")
    assert app.kommune.value == "0301"
    assert "Kommunen i lenken (kommune=Atlantis) ble ikke funnet" in app.message.value


def test_constructor_accepts_a_name_and_rejects_unknown():
    assert PopulationExplorer(kommune="Skien").kommune.value == "4003"
    with pytest.raises(KommuneError):
        PopulationExplorer(kommune="Atlantis")
    with pytest.raises(InputError, match="ukjent scenario 'nope'"):
        PopulationExplorer(scenario="nope")
