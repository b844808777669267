"""The Økonomiplan app in Voilà, driven in headless Chromium (fixtures in tests/conftest.py).

Voilà is started as ``planmodel app okonomiplan`` starts it. The expected numbers come from the
model API (``run`` for the same choices) and ``planmodel.formatting``; text is compared exactly,
including no-break spaces and U+2212.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from planmodel.core.paths import SCENARIO_DIR
from planmodel.core.formatting import mill_kr, prosent
from planmodel.model.chain import run
from planmodel.inputs.scenario import MeasureChoice, load_scenario

IDLE = ".planmodel-okonomiplan:not(.planmodel-busy)"
ERROR_TEXTS = ("Traceback", "There was an error when executing cell", "Error", "Uventet feil", "Kan ikke beregne")
TIMEOUT_MS = 30_000
#: The only requests allowed to fail: Voilà's lab template links Font Awesome from a CDN, which
#: cannot be reached offline (see the Jupyter notes, §2).
KNOWN_OFFLINE = ("cdn.jsdelivr.net",)


def shown(kommune: str, measures: tuple[MeasureChoice, ...]) -> dict[str, str]:
    """NDR and gap as the app must show them for Bærum's basisalternativ with these tiltak."""
    sc = replace(load_scenario(SCENARIO_DIR / "baerum_basis.yaml"), kommune=kommune, measures=measures)
    ds = run(sc)
    return {"ndr_andel_2030": prosent(float(ds["netto_driftsresultat_andel"].sel(year=2030)), 1),
            "inndekning_2040": mill_kr(float(ds["inndekningsbehov"].sel(year=2040)) * 1000),
            "tiltak_antall": str(len(measures))}


def key_text(page, key: str) -> str:
    return page.locator(f'.planmodel-okonomiplan [data-key="{key}"]').first.text_content()


def wait_for_keys(page, want: dict[str, str]) -> None:
    """Wait until every key number shows exactly its expected text and the app is idle; then
    assert, so a failure shows both texts."""
    try:
        page.wait_for_function(
            """(want) => Object.entries(want).every(([k, v]) =>
                 document.querySelector(`.planmodel-okonomiplan [data-key="${k}"]`)?.textContent === v)""",
            arg=want, timeout=TIMEOUT_MS)
    except Exception:  # playwright TimeoutError; fall through to the readable assert
        pass
    page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
    assert {k: key_text(page, k) for k in want} == want


@pytest.mark.browser
@pytest.mark.slow
def test_okonomiplan_app_in_browser(voila_app, app_page, artifacts_dir):
    page = app_page
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(voila_app("okonomiplan"))
    page.locator('[data-key="ndr_andel_2030"]').first.wait_for(timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.title() == "planmodel – Økonomiplan"
    wait_for_keys(page, shown("3201", ()))

    # Tick a tiltak by its label, as a keyboard or screen-reader user would
    page.get_by_label("Hverdagsrehabilitering", exact=True).check()
    want = shown("3201", (MeasureChoice("hverdagsrehabilitering", 2027),))
    wait_for_keys(page, want)
    assert "Hverdagsrehabilitering" in page.locator(".planmodel-matrise").inner_text()

    # Who pays and who gains, on demand
    page.get_by_role("button", name="Vis hvem som betaler og hvem som får gevinst").click()
    page.locator(".planmodel-samordning table").wait_for(timeout=TIMEOUT_MS)
    page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
    assert "Helse og omsorg" in page.locator(".planmodel-samordning").inner_text()

    # A later økonomiplan: the period menu, and the numbers follow
    page.get_by_label("Økonomiplan", exact=True).select_option(label="2029–2032")
    sc = replace(load_scenario(SCENARIO_DIR / "baerum_basis.yaml"), plan_start=2029,
                 measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    ds = run(sc)
    wait_for_keys(page, {"ndr_andel_2032": prosent(float(ds["netto_driftsresultat_andel"].sel(year=2032)), 1),
                         "inndekning_plan": mill_kr(float(ds["inndekningsbehov"].sel(year=[2029, 2030, 2031, 2032])
                                                          .sum()) * 1000)})
    assert "Økonomiplan 2029–2032 for Bærum (3201)" in page.locator(".planmodel-title").inner_text()

    text = page.locator("body").inner_text()
    for bad in ERROR_TEXTS:
        assert bad not in text, f"{bad!r} on the page"
    assert page.locator(".planmodel-message").inner_text() == ""
    assert "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0" in page.locator(".planmodel-footer").inner_text()
    unexpected = [u for u in failed if not any(host in u for host in KNOWN_OFFLINE)]
    assert not unexpected, f"failed requests: {unexpected}"
    # console errors: only the failed Font Awesome loads, one per failed request
    errors = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    assert not errors, errors
    assert len(page.console_errors) - len(errors) <= len(failed)

    page.set_viewport_size({"width": 1400, "height": 4200})  # Voilà scrolls inside the page
    page.screenshot(path=str(artifacts_dir / "okonomiplan.png"), full_page=True)
