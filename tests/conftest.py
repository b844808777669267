"""Shared pytest fixtures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (Voilà then shuts its kernels down), SIGKILL the group if that hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` (git-ignored), created on demand: screenshots and logs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _start_voila(name: str, artifacts_dir: Path):
    """Start ``planmodel app <name>``'s Voilà (same arguments, template and environment) on a
    free port; return (process, url) once it answers. Its log is ``test-artifacts/voila-<name>.log``."""
    from planmodel.apps import voila_argv, voila_env

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = artifacts_dir / f"voila-{name}.log"
    cmd = [sys.executable, "-m", "voila", *voila_argv(name, port=port, open_browser=False)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=voila_env(), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    # Poll a static file: a GET of the page itself would use up the preheated kernel.
    probe = f"{url}voila/static/voila-style.js"
    deadline = time.monotonic() + VOILA_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"Voilà stopped with code {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(f"Voilà did not answer on {url} within {VOILA_START_TIMEOUT} s; see {log_path}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def voila_app(artifacts_dir):
    """Factory: ``voila_app("krisekompasset")`` -> base URL of a Voilà server for that app,
    started once per test session (servers are stopped at the end)."""
    servers: dict[str, tuple] = {}

    def get(name: str) -> str:
        if name not in servers:
            servers[name] = _start_voila(name, artifacts_dir)
        return servers[name][1]

    try:
        yield get
    finally:
        for proc, _ in servers.values():
            _stop(proc)


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
        context.close()
