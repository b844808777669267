"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# =============================================================================================
# Golden outputs (tests/test_scenarios.py)
# =============================================================================================

def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/expected/*.csv from the current model (review the diff before committing)")

# =============================================================================================
# Browser and Voilà fixtures (used by tests/test_app_browser.py)
# =============================================================================================

#: Debian's chromium; dev.py installs it for CI. The tests never download a browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
#: Seconds to wait for Voilà to answer after it is started.
VOILA_START_TIMEOUT = 90
#: Screenshots and the Voilà log go here (git-ignored).
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` (git-ignored), created on demand: screenshots and logs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _start_voila(name: str, artifacts_dir: Path):
    """Start ``planmodel app <name>``'s Voilà (same arguments, template and environment) on a
    free port; return (process, url) once it answers. Its log is ``test-artifacts/voila-<name>.log``."""
    from planmodel.apps import serve

    try:
        return serve(name, artifacts_dir / f"voila-{name}.log", timeout=VOILA_START_TIMEOUT)
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def voila_server(artifacts_dir):
    """Factory: ``voila_server("krisekompasset")`` -> ``(process, base URL)`` of a Voilà server
    for that app (pool of one preheated kernel), started once per test session (servers are
    stopped at the end). The process id lets a test watch its kernels through ``/proc``."""
    servers: dict[str, tuple] = {}

    def get(name: str) -> tuple:
        if name not in servers:
            servers[name] = _start_voila(name, artifacts_dir)
        return servers[name]

    try:
        yield get
    finally:
        from planmodel.apps import stop

        for proc, _ in servers.values():
            stop(proc)


@pytest.fixture(scope="session")
def voila_app(voila_server):
    """Factory: ``voila_app("krisekompasset")`` -> base URL of that app's Voilà server."""
    return lambda name: voila_server(name)[1]


@pytest.fixture(scope="session")
def voila_url(voila_app):
    """Base URL of the ``befolkning`` app's Voilà server."""
    return voila_app("befolkning")


@pytest.fixture(scope="session")
def chromium_browser():
    """Headless Debian chromium driven by Playwright's sync API (skipped if not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: browser tests need Debian's chromium (python3 dev.py test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def app_page(chromium_browser):
    """A fresh page (1400 × 1000) that collects console errors in ``page.console_errors``."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield page
    finally:
        # Close the page as a user closes a tab (beforeunload runs, so Voilà's page asks the
        # server to end its kernel): the servers keep no kernels of finished tests.
        if not page.is_closed():
            try:
                with page.expect_event("close", timeout=5_000):
                    page.close(run_before_unload=True)
            except Exception:  # playwright TimeoutError: close the context anyway
                pass
        context.close()
