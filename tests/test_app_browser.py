"""The befolkning app in Voilà, driven in headless Chromium (fixtures in tests/conftest.py).

Voilà is started as ``planmodel app`` starts it (``planmodel.apps.voila_argv``: preheated
kernel, Norwegian template, lang="nb"). The expected numbers come from the model API and
``planmodel.formatting``; text is compared exactly, including no-break spaces and U+2212.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from planmodel.apps import app_path, available_apps, voila_argv, voila_env
from planmodel.inputs.demographic import SCENARIOS
from planmodel.population.demography import project_kommune
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall
from planmodel.population.indicators import indicators

TOTAL = '.planmodel-key-numbers [data-key="total"]'
IDLE = ".planmodel-population-explorer:not(.planmodel-busy)"
ERROR_TEXTS = ("Traceback", "There was an error when executing cell", "Error")
TIMEOUT_MS = 30_000


def folkemengde(kommune: str, scenario: str, year: int) -> str:
    """Population on 1 January of ``year`` as the app must show it."""
    return tall(float(indicators(project_kommune(kommune, scenario))["total"].sel(year=year)))


def wait_for_text(page, selector: str, expected: str, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the text of ``selector`` is exactly ``expected`` (no whitespace folding,
    so no-break spaces count), then assert it, so a failure shows both texts."""
    try:
        page.wait_for_function("([sel, text]) => document.querySelector(sel)?.textContent === text",
                               arg=[selector, expected], timeout=timeout)
    except Exception:  # playwright TimeoutError; fall through to the readable assert
        pass
    assert page.locator(selector).text_content() == expected


def wait_for_total(page, expected: str) -> None:
    """Wait until the folkemengde shown is ``expected`` and the app has finished redrawing
    (the numbers change while the app is busy, so "busy" is set by then)."""
    wait_for_text(page, TOTAL, expected)
    page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)


def assert_no_error_text(page) -> None:
    text = page.locator("body").inner_text()
    for bad in ERROR_TEXTS:
        assert bad not in text, f"{bad!r} on the page"


@pytest.mark.browser
@pytest.mark.slow
def test_befolkning_app_in_browser(voila_url, app_page, artifacts_dir):
    page = app_page
    page.goto(voila_url)
    page.locator(TOTAL).wait_for(timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.title() == "planmodel – befolkning"
    wait_for_total(page, folkemengde("3201", "main", 2040))

    # Another kommune, chosen by its label as a keyboard or screen-reader user would
    page.get_by_label("Kommune", exact=True).select_option(label="Oslo (0301)")
    wait_for_total(page, folkemengde("0301", "main", 2040))
    assert "Oslo (0301)" in page.locator(".planmodel-title").inner_text()

    # The year through the accessible text box: 2050
    year = page.get_by_label("År", exact=True)
    year.fill("2050")
    year.press("Enter")
    wait_for_total(page, folkemengde("0301", "main", 2050))
    assert page.get_by_text("Folkemengde 2050").is_visible()

    # Another scenario
    page.get_by_label("Scenario", exact=True).select_option(label=SCENARIOS["high"].label)
    wait_for_total(page, folkemengde("0301", "high", 2050))
    # The charts are inline SVG: visible, and their accessible name (title) says place, year, scenario
    pyramid = page.locator(".planmodel-pyramid svg")
    expect(pyramid).to_be_visible()
    wait_for_text(page, ".planmodel-pyramid svg > title",
                  f"Befolkningspyramide 2050: Oslo (0301) – {SCENARIOS['high'].label}")
    expect(pyramid).to_have_attribute("role", "img")
    expect(page.get_by_role("img", name=f"Befolkningspyramide 2050: Oslo (0301) – {SCENARIOS['high'].label}",
                            exact=False)).to_have_count(1)
    assert page.locator(".planmodel-pyramid svg rect[data-sex]").count() == 2 * 106
    groups = page.locator(".planmodel-age-groups svg")
    expect(groups).to_have_count(1)
    expect(groups).to_be_visible()
    assert groups.locator("> title").text_content() == (
        f"Personer etter aldersgruppe: Oslo (0301) – {SCENARIOS['high'].label}")
    assert groups.locator("g.panel").count() == 10
    assert page.locator(".planmodel-pyramid img, .planmodel-age-groups img").count() == 0
    assert SCENARIOS["high"].label in page.locator(".planmodel-age-group-table caption").inner_text()
    assert page.locator(".planmodel-message").inner_text() == ""
    assert "Kilde: Statistisk sentralbyrå" in page.locator(".planmodel-footer").inner_text()
    assert_no_error_text(page)

    page.set_viewport_size({"width": 1400, "height": 3600})  # Voilà scrolls inside the page
    page.screenshot(path=str(artifacts_dir / "befolkning.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.slow
def test_query_string_preselects_kommune(voila_url, app_page):
    page = app_page
    page.goto(f"{voila_url}?kommune=4003")
    page.locator(TOTAL).wait_for(timeout=60_000)
    wait_for_total(page, folkemengde("4003", "main", 2040))
    assert "Skien (4003)" in page.locator(".planmodel-title").inner_text()
    # Skien has SSB's own projection, so it is offered
    page.get_by_label("Scenario", exact=True).select_option(label=SCENARIOS["ssb_mmmm"].label)
    wait_for_total(page, folkemengde("4003", "ssb_mmmm", 2040))
    assert_no_error_text(page)


# --------------------------------------------------------------------------------------------
# The launcher's command line (no browser needed)
# --------------------------------------------------------------------------------------------


def test_launcher_arguments():
    argv = voila_argv("befolkning", port=8899, open_browser=False)
    assert argv[0] == str(app_path("befolkning"))
    for arg in ("--port=8899", "--Voila.ip=127.0.0.1", "--no-browser", "--preheat_kernel=True",
                "--pool_size=1", "--theme=light", "--show_tracebacks=False", "--template=planmodel",
                "--VoilaExporter.language_code=nb"):
        assert arg in argv
    assert "--no-browser" not in voila_argv("befolkning", open_browser=True)
    env = voila_env({"JUPYTER_PATH": "/x"})
    first, *rest = env["JUPYTER_PATH"].split(":")
    assert first.endswith("planmodel/templates") and rest == ["/x"]


def test_unknown_app_lists_the_apps():
    assert "befolkning" in available_apps()
    with pytest.raises(InputError, match="ukjent app 'nope'; tilgjengelige apper: befolkning"):
        voila_argv("nope")
