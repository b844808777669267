"""Krisekompasset in Voilà, driven in headless Chromium by keyboard and labels.

Voilà is started as ``planmodel app krisekompasset`` starts it (fixtures in tests/conftest.py).
After every change the test waits until the app's busy class is gone and compares what the
page shows with :func:`planmodel.model.run` of the same choices, formatted with
:mod:`planmodel.formatting` (exact text: no-break spaces and U+2212 count).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from planmodel.core.paths import SCENARIO_DIR
from planmodel.present.export import SHEETS
from planmodel.core.formatting import mill_kr, prosent
from planmodel.model.chain import run
from planmodel.inputs.scenario import MeasureChoice, PlanScenario, load_scenario
from planmodel.present.signals import balance_verdict, crisis_signals

ROOT = ".planmodel-krisekompasset"
IDLE = f"{ROOT}:not(.planmodel-busy)"
TIMEOUT_MS = 30_000
#: A page load that finds no preheated kernel runs the app first (slow on 2 busy cores).
LOAD_MS = 120_000
ERROR_TEXTS = ("Traceback", "There was an error", "Error")
#: Console errors that are known and harmless offline: Voilà's lab template links Font Awesome
#: from cdn.jsdelivr.net (JUPYTER-NOTES §2); icons go missing, nothing else.
KNOWN_CONSOLE = ("cdn.jsdelivr.net",)


def model_texts(scenario: PlanScenario) -> dict[str, str]:
    """NDR and inndekningsbehov as the app must show them, from the model."""
    ds = run(scenario)
    out = {}
    for y in (2027, 2030, 2035, 2040):
        out[f"ndr_andel_{y}"] = prosent(float(ds.netto_driftsresultat_andel.sel(year=y)), 1)
        out[f"inndekning_{y}"] = mill_kr(1000 * float(ds.inndekningsbehov.sel(year=y)), 1)
    return out


def key(name: str) -> str:
    return f'{ROOT} [data-key="{name}"]'


def wait_for_numbers(page, scenario: PlanScenario) -> None:
    """Wait until every NDR/gap number equals the model's and the app is idle; then assert
    each one (so a failure shows both texts)."""
    want = model_texts(scenario)
    pairs = [[key(k), v] for k, v in want.items()]
    try:
        page.wait_for_function(
            """([pairs, idle]) => document.querySelector(idle) !== null &&
                 pairs.every(([sel, text]) => document.querySelector(sel)?.textContent === text)""",
            arg=[pairs, IDLE], timeout=TIMEOUT_MS)
    except Exception:  # playwright TimeoutError: fall through to the readable asserts
        pass
    page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
    for sel, text in pairs:
        assert page.locator(sel).text_content() == text, sel


def open_app(page, url: str, scenario: PlanScenario):
    """Open Krisekompasset at ``url`` and wait until it shows the numbers of ``scenario``; returns
    the console watcher (the app's first load after a preheated kernel can take long)."""
    console = watch_console(page)
    page.goto(url, wait_until="commit")
    page.locator(key("ndr_andel_2030")).wait_for(timeout=LOAD_MS)
    wait_for_numbers(page, scenario)
    return console


def assert_no_errors(page, console: list[tuple[str, str]]) -> None:
    text = page.locator("body").inner_text()
    for bad in ERROR_TEXTS:
        assert bad not in text, f"{bad!r} on the page"
    assert not re.search(r"\bFeil\b", text)
    assert page.locator(".planmodel-error").count() == 0
    unexpected = [(t, url) for t, url in console if not any(k in url for k in KNOWN_CONSOLE)]
    assert not unexpected, unexpected


def watch_console(page) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    page.on("console", lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None)
    return errors


@pytest.mark.browser
@pytest.mark.slow
def test_krisekompasset_in_browser(voila_app, app_page, artifacts_dir, tmp_path):
    page = app_page
    console = watch_console(page)
    page.goto(voila_app("krisekompasset"))
    page.locator(key("ndr_andel_2030")).wait_for(timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.title() == "planmodel – Krisekompasset"
    choice = PlanScenario(kommune="3201")
    wait_for_numbers(page, choice)
    assert "Bærum (3201)" in page.locator(".planmodel-title").inner_text()
    page.screenshot(path=str(artifacts_dir / "krisekompasset.png"))

    # terskel by keyboard on the labelled menu: one step up = "Noe høyere enn i dag" (+0,5)
    terskel = page.get_by_label("Terskel", exact=True)
    terskel.focus()
    page.keyboard.press("ArrowUp")
    choice = PlanScenario(kommune="3201", threshold=0.5)
    wait_for_numbers(page, choice)

    # tilbud by its label, then one step by keyboard on the slider next to it
    page.get_by_label("Tilbud", exact=True).select_option(label="Smalt tilbud")
    choice = PlanScenario(kommune="3201", threshold=0.5, breadth=-1.0)
    wait_for_numbers(page, choice)
    page.locator(".planmodel-breadth-slider .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    choice = PlanScenario(kommune="3201", threshold=0.5, breadth=-0.5)
    wait_for_numbers(page, choice)
    shown = page.get_by_label("Tilbud", exact=True).evaluate("e => e.options[e.selectedIndex].text")
    assert shown.replace("\xa0", " ") == "Noe smalere enn i dag"  # ipywidgets writes no-break spaces

    # a tiltak: tick its checkbox (by its label), then change its start year
    page.get_by_label("Hverdagsrehabilitering", exact=True).check()
    choice = PlanScenario(kommune="3201", threshold=0.5, breadth=-0.5,
                          measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    wait_for_numbers(page, choice)
    start = page.get_by_label("Hverdagsrehabilitering, startår", exact=True)
    start.fill("2029")
    start.press("Enter")
    choice = PlanScenario(kommune="3201", threshold=0.5, breadth=-0.5,
                          measures=(MeasureChoice("hverdagsrehabilitering", 2029),))
    wait_for_numbers(page, choice)

    # build or wait, and the income rule: labelled menus, the numbers follow the model
    page.get_by_label("Nye plasser i sykehjem og heldøgns omsorgsbolig", exact=True).select_option(
        label="Ikke bygg: de som ikke får plass, venter eller får tilbud ett trinn ned (det koster)")
    choice = PlanScenario(kommune="3201", threshold=0.5, breadth=-0.5, behovsanalyse=False,
                          measures=(MeasureChoice("hverdagsrehabilitering", 2029),))
    wait_for_numbers(page, choice)
    page.get_by_label("Frie inntekter", exact=True).select_option(label="Uten demografikompensasjon (fast per innbygger)")
    choice = PlanScenario(kommune="3201", threshold=0.5, breadth=-0.5, behovsanalyse=False,
                          economy={"demographic_compensation": 0.0},
                          measures=(MeasureChoice("hverdagsrehabilitering", 2029),))
    wait_for_numbers(page, choice)
    assert "Til sammenligning med demografikompensasjon" in page.locator(".planmodel-verdict").inner_text()

    # the signals carry a word and a symbol, the 2×2 is there, the credit line too
    signals = page.locator(".planmodel-signals").inner_text()
    assert "Økonomi i balanse:" in signals and "Nok personell:" in signals and "Tilbudet til innbyggerne:" in signals
    assert page.locator('[data-corner="narrow-high"]').count() == 1
    assert "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0" in page.locator(".planmodel-credit").inner_text()
    assert page.locator(".planmodel-svg-chart").count() == 7
    assert_no_errors(page, console)

    # Excel of the current choice, downloaded from the data link
    page.get_by_role("button", name="Lag Excel-fil").click()
    link = page.locator("a.planmodel-excel-link")
    link.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "krisekompasset.xlsx"
    path = tmp_path / "krisekompasset.xlsx"
    download.value.save_as(path)
    wb = load_workbook(path)
    assert tuple(wb.sheetnames) == SHEETS
    def text(sheet):
        return " ".join(str(c.value) for row in wb[sheet].iter_rows() for c in row if c.value is not None)

    assert "krisekompasset" in text("Proveniens")
    assert "Hverdagsrehabilitering" in text("Tiltaksmatrise")

    page.set_viewport_size({"width": 1400, "height": 7000})  # Voilà scrolls inside the page
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    page.screenshot(path=str(artifacts_dir / "krisekompasset-valg.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.slow
def test_krisekompasset_query_string_preselects_the_crisis_package(voila_app, app_page, artifacts_dir):
    page = app_page
    console = watch_console(page)
    page.goto(f"{voila_app('krisekompasset')}?kommune=3201&scenario=baerum_krisepakke")
    page.locator(key("ndr_andel_2030")).wait_for(timeout=60_000)
    crisis = load_scenario(SCENARIO_DIR / "baerum_krisepakke.yaml")
    wait_for_numbers(page, crisis)
    assert page.locator('[data-signal="okonomi"]').get_attribute("data-level") == "green"
    assert "I rute" in page.locator('[data-signal="okonomi"]').inner_text()
    assert "Bærum – krisepakke" in page.locator(".planmodel-title").inner_text()
    assert page.get_by_label("Hverdagsrehabilitering", exact=True).is_checked()
    assert_no_errors(page, console)
    page.locator(".planmodel-signals").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "krisekompasset-krisepakke.png"))


def _in_first_viewport(page, selector: str, height: int) -> dict:
    box = page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height}; }")
    assert box["height"] > 0, selector
    assert 0 <= box["top"] and box["bottom"] <= height, f"{selector} at {box} outside the first {height} px"
    return box


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width,height", [(1366, 768), (1024, 768)])
def test_the_verdict_and_the_gap_are_on_the_first_screen(voila_app, chromium_browser, artifacts_dir, width, height):
    context = chromium_browser.new_context(viewport={"width": width, "height": height}, locale="nb-NO")
    try:
        page = context.new_page()
        page.goto(f"{voila_app('krisekompasset')}?kommune=3201&demografikompensasjon=0", wait_until="commit")
        page.locator(key("verdict")).wait_for(timeout=LOAD_MS)
        page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
        choice = PlanScenario(kommune="3201", economy={"demographic_compensation": 0.0})
        wait_for_numbers(page, choice)
        ds = run(choice)
        signal = [s for s in crisis_signals(ds) if s.area == "okonomi"][0]
        sentence = balance_verdict(ds).sentence
        page.screenshot(path=str(artifacts_dir / f"krisekompasset-{width}x{height}.png"))
        verdict = page.locator(".pm-verdict")
        assert verdict.get_attribute("data-verdict-level") == signal.level
        assert sentence.replace("\u00a0", " ") in verdict.inner_text().replace("\u00a0", " ")
        for sel in (key("verdict"), key("inndekning_2027"), key("inndekning_2030"), key("inndekning_2040"),
                    '[data-signal-chip="personell"]', '[data-signal-chip="tilbud"]'):
            _in_first_viewport(page, sel, height)
        # the verdict colour is the signal's, and the brief's signal says the same
        assert page.locator('[data-signal="okonomi"]').get_attribute("data-level") == signal.level
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_conflicting_choice_is_explained_beside_it_and_the_numbers_stay(voila_app, app_page, artifacts_dir):
    page = app_page
    valid = PlanScenario(kommune="3201", measures=(MeasureChoice("frivillighet", 2027),))
    console = open_app(page, f"{voila_app('krisekompasset')}?kommune=3201&tiltak=frivillighet:2027", valid)
    page.get_by_label("Tilbud", exact=True).select_option(label="Smalt tilbud")
    note = page.locator(".planmodel-breadth-note .pm-conflict")
    note.wait_for(timeout=TIMEOUT_MS)
    assert "Smalt tilbud fjerner Frivilligsentral" in note.inner_text()
    assert "Virker på Frivilligsentral" in page.locator(".planmodel-measure-note-frivillighet").inner_text()
    page.locator("[data-stale=true]").wait_for(timeout=TIMEOUT_MS)
    assert "forrige gyldige valg" in page.locator(".planmodel-verdict").inner_text()
    wait_for_numbers(page, valid)  # every number is still the last valid choice's
    assert page.locator(".planmodel-svg-chart").count() == 7
    page.screenshot(path=str(artifacts_dir / "krisekompasset-konflikt.png"))
    page.get_by_label("Frivillighetsstrategi og styrket frivilligsentral", exact=True).uncheck()
    wait_for_numbers(page, PlanScenario(kommune="3201", breadth=-1.0))
    assert page.locator("[data-stale=true]").count() == 0 and page.locator(".pm-conflict").count() == 0
    assert_no_errors(page, console)


@pytest.mark.browser
@pytest.mark.slow
def test_proposals_side_by_side_and_the_full_state_link(voila_app, app_page, chromium_browser, artifacts_dir):
    page = app_page
    console = open_app(page, voila_app("krisekompasset"), PlanScenario(kommune="3201"))
    page.get_by_label("Terskel", exact=True).select_option(label="Høy terskel")
    page.get_by_label("Hverdagsrehabilitering", exact=True).check()
    a = PlanScenario(kommune="3201", threshold=1.0, measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    wait_for_numbers(page, a)
    page.get_by_label("Navn på forslaget", exact=True).fill("Kommunedirektøren")
    page.get_by_role("button", name="Lagre forslaget").click()
    page.get_by_label("Terskel", exact=True).select_option(label="Som i dag")
    page.get_by_label("Tilbud", exact=True).select_option(label="Bredt tilbud")
    page.get_by_label("Økonomiplan", exact=True).select_option(label="2027–2031 (5 år)")
    b = PlanScenario(kommune="3201", breadth=1.0, plan_years=5,
                     measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.querySelector('.planmodel-title')?.textContent.includes('2027–2031')",
                           timeout=TIMEOUT_MS)
    page.get_by_label("Navn på forslaget", exact=True).fill("Opposisjonen")
    page.get_by_role("button", name="Lagre forslaget").click()
    table = page.locator(".planmodel-proposal-table")
    table.wait_for(timeout=TIMEOUT_MS)
    text = table.inner_text()
    assert "Kommunedirektøren" in text and "Opposisjonen" in text
    for sc, col in ((a, 0), (b, 1)):
        ds = run(sc)
        want = prosent(float(ds.netto_driftsresultat_andel.sel(year=2030)), 1)
        row = table.locator("tr", has_text="Netto driftsresultat 2030 (% av driftsinntektene)")
        assert row.locator(f'td[data-proposal="{col}"]').text_content() == want
    assert page.locator("a.planmodel-compare-notat-link").count() == 1
    page.locator(".planmodel-proposals").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "krisekompasset-forslag.png"))

    # the address carries every choice: a new page opened on it shows the same numbers
    page.wait_for_function("() => location.search.includes('planaar=5')", timeout=TIMEOUT_MS)
    url = page.url
    assert "tilbud=1" in url and "tiltak=hverdagsrehabilitering:2027" in url
    other = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO").new_page()
    try:
        other.goto(url, wait_until="commit")
        other.locator(key("ndr_andel_2030")).wait_for(timeout=LOAD_MS)
        wait_for_numbers(other, b)
        assert other.get_by_label("Hverdagsrehabilitering", exact=True).is_checked()
        assert "2027–2031" in other.locator(".planmodel-title").inner_text()
    finally:
        other.context.close()
    assert_no_errors(page, console)


@pytest.mark.browser
@pytest.mark.slow
def test_the_notat_prints_to_pdf(chromium_browser, artifacts_dir):
    """The notat (one proposal and a comparison) prints to A4 in Chromium: the print stylesheet
    keeps every table inside the page width."""
    from planmodel.present.proposals import comparison_html
    from planmodel.present.report import report_html

    a = PlanScenario(kommune="3201", threshold=1.0, measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    b = PlanScenario(kommune="3201", breadth=1.0)
    # the printable width of A4 with the stylesheet's margins (210 − 2 × 14 mm) at 96 px per inch
    printable = round((210 - 28) / 25.4 * 96)
    context = chromium_browser.new_context(locale="nb-NO", viewport={"width": printable, "height": 1000})
    try:
        page = context.new_page()
        for name, doc in (("notat", report_html(a)),
                          ("notat-forslag", comparison_html([("Kommunedirektøren", a), ("Opposisjonen", b)], 2030))):
            page.set_content(doc)
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4", print_background=True)
            (artifacts_dir / f"{name}.pdf").write_bytes(pdf)
            assert pdf.startswith(b"%PDF")
            pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
            assert 1 <= pages <= 25, pages
            wide = page.evaluate(f"""Array.from(document.querySelectorAll('table, svg, figure'))
                .filter(e => e.getBoundingClientRect().right > {printable} + 1)
                .map(e => (e.querySelector('caption')?.textContent || e.tagName).slice(0, 60))""")
            assert wide == [], f"{name}: wider than the printed page: {wide}"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_suggest_package_button_ticks_the_tiltak(voila_app, app_page, artifacts_dir):
    from planmodel.analysis.prioritering import prioritize
    from planmodel.inputs.library import load_library

    page = app_page
    console = open_app(page, f"{voila_app('krisekompasset')}?kommune=1515", PlanScenario(kommune="1515"))
    want = prioritize(PlanScenario(kommune="1515"))
    assert want.package
    page.get_by_role("button", name="Foreslå pakke").click()
    note = page.locator(".planmodel-suggest-note [data-suggestion]")
    note.wait_for(timeout=LOAD_MS)
    wait_for_numbers(page, PlanScenario(kommune="1515", measures=tuple(MeasureChoice(m, 2027) for m in
                                                                       load_library().measures if m in want.package)))
    titles = {mid: m.title for mid, m in load_library().measures.items()}
    for mid, title in titles.items():
        assert page.get_by_label(title, exact=True).is_checked() == (mid in want.package), mid
    text = note.inner_text().replace("\xa0", " ")
    assert "dekker inndekningsbehovet" in text and "mill. kr" in text
    assert_no_errors(page, console)
    page.locator(".planmodel-suggest-button").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "krisekompasset-foresla-pakke.png"))


def test_uncertainty_panel_shows_the_band_and_says_when_the_choices_changed(voila_app, app_page, artifacts_dir):
    from planmodel.analysis.uncertainty import summary
    from planmodel.present.keynumbers import ndr_text
    from planmodel.widgets.krisekompasset import UNCERTAINTY_DRAWS

    page = app_page
    console = open_app(page, f"{voila_app('krisekompasset')}?kommune=1151", PlanScenario(kommune="1151"))
    page.get_by_role("button", name="Hvor sikkert er dette?").click()
    panel = page.locator(".planmodel-uncertainty .pm-usikkerhet")
    panel.wait_for(timeout=LOAD_MS)
    want = summary(PlanScenario(kommune="1151"), draws=UNCERTAINTY_DRAWS)
    text = panel.inner_text()
    assert f"mellom {ndr_text(want.band[0])} og {ndr_text(want.band[2])}" in text
    assert "Sannsynlighet for å havne under normen" in text and "Forutsetningene som betyr mest" in text
    assert page.locator("[data-chart='kk-usikkerhet-vifte']").count() == 1
    assert page.locator("[data-chart='kk-usikkerhet-tornado']").count() == 1
    page.locator(".planmodel-uncertainty").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "krisekompasset-usikkerhet.png"))
    page.get_by_label("Tilbud", exact=True).select_option(label="Smalt tilbud")
    page.get_by_text("Valgene er endret").wait_for(timeout=LOAD_MS)
    assert panel.count() == 0
    assert_no_errors(page, console)
