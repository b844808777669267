"""Serving a class (issue 14): a closed page ends its kernel, the XSRF check still guards the
other requests, idle kernels are culled, the pool follows ``--elever``, and the loading text
speaks to a politician, not to a notebook user.

The browser tests use the session's Voilà servers (tests/conftest.py), started exactly as
``planmodel app`` starts them; kernels are watched through ``/proc`` (planmodel.apps.server).
"""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from planmodel import cli
from planmodel.apps import (CULL_IDLE_TIMEOUT, CULL_INTERVAL, ELEVER_MAX, FILL_DELAY, FILL_DELAY_ONE, KERNEL_MB,
                            POOL_DEFAULT_MAX, POOL_MAX, SERVER_MB, TEMPLATES_DIR, free_port, memory_needed_mb, pool_for,
                            voila_argv)
from planmodel.apps import request as app_request
from planmodel.apps import server
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall

ROOT = Path(__file__).resolve().parents[1]
APPS_DIR = ROOT / "planmodel" / "apps"
#: Notebook jargon that must not reach the page a politician reads (English from Voilà, and
#: the Norwegian of our earlier template).
JARGON = re.compile(r"Executing|Running|Reading|\bcelle\b|\bceller\b|\bkjerne\b|\bkernel\b", re.I)
LOADING_TEXTS = ("Henter tallene for kommunen …", "Gjør klar beregningen …")
#: Seconds a closed page's kernel may take to go away (it took 2–4 s on 2 cores).
SHUTDOWN_TIMEOUT = 20.0


def _request(url: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def _kernel_id(html: str) -> str:
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no jupyter-config-data in the page"
    return json.loads(match.group(1))["kernelId"]


def _wait_until_gone(proc, kernel_id: str, timeout: float = SHUTDOWN_TIMEOUT) -> float:
    t0 = time.monotonic()
    while kernel_id in server.kernel_processes(proc.pid):
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"kernel {kernel_id} still runs {timeout:.0f} s after its page closed")
        time.sleep(0.2)
    return time.monotonic() - t0


# --------------------------------------------------------------------------------------------
# Without a server
# --------------------------------------------------------------------------------------------


def test_only_voilas_shutdown_handler_is_exempt_from_the_xsrf_check():
    from jupyter_server.base.handlers import APIHandler, JupyterHandler
    from jupyter_server.services.kernels.handlers import KernelHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    original = JupyterHandler.check_xsrf_cookie
    cls = server.exempt_shutdown_from_xsrf()
    assert cls is VoilaShutdownKernelHandler
    assert getattr(VoilaShutdownKernelHandler.check_xsrf_cookie, "planmodel_exempt", False)
    for other in (APIHandler, JupyterHandler, KernelHandler):
        assert other.check_xsrf_cookie is original, other
    assert "kernel id is the secret" in VoilaShutdownKernelHandler.check_xsrf_cookie.__doc__


def test_serving_options_cull_idle_kernels_and_size_the_pool():
    argv = voila_argv("krisekompasset", port=8899, open_browser=False, pool=pool_for(30))
    for arg in ("--pool_size=10", "--preheat_kernel=True",
                f"--VoilaKernelManager.fill_delay={FILL_DELAY}",
                f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT}",
                f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
                "--MappingKernelManager.cull_connected=False"):
        assert arg in argv
    assert f"--VoilaKernelManager.fill_delay={FILL_DELAY_ONE}" in voila_argv("krisekompasset", pool=1)
    assert CULL_IDLE_TIMEOUT >= 5 * 60 and 0 < CULL_INTERVAL < CULL_IDLE_TIMEOUT
    assert [pool_for(n) for n in (1, 2, 9, 10, 11, 30, ELEVER_MAX)] == [1, 2, 9, 10, 10, 10, POOL_DEFAULT_MAX]
    assert "--pool_size=30" in voila_argv("krisekompasset", pool=POOL_MAX)
    for bad in (0, POOL_MAX + 1):
        with pytest.raises(InputError, match=f"--pool: {bad} må være et heltall fra 1 til 30"):
            voila_argv("krisekompasset", pool=bad)


def test_the_culler_trait_names_exist_in_the_installed_kernel_manager():
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    for trait in ("cull_idle_timeout", "cull_interval", "cull_connected"):
        assert MappingKernelManager.class_traits(config=True).get(trait) is not None, trait
    pooled = voila_kernel_manager_factory(MappingKernelManager, True, 1)
    assert pooled.__name__ == "VoilaKernelManager" and "fill_delay" in pooled.class_traits(config=True)


@pytest.mark.parametrize("value, message", [
    ("0", "--elever: 0 må være minst 1"),
    ("-1", "--elever: -1 må være minst 1"),
    ("1000", "--elever: 1000 er for mange; høyst 100"),
])
def test_app_elever_out_of_range_is_one_line_of_bokmal(value, message, capsys):
    code = cli.main(["app", "krisekompasset", "--no-browser", "--elever", value])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"planmodel app: {message}")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["app", "--elever", "mange"], "argument --elever: ugyldig heltall: 'mange'"),
    (["app", "--pool", "31"], "--pool: 31 må være et heltall fra 1 til 30"),
    (["bench", "--elever", "0"], "--elever: 0 må være minst 1"),
])
def test_other_bad_serving_options_are_one_line(args, message, capsys):
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_app_elever_builds_the_voila_command_line(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(server, "main", lambda argv: seen.append(argv) or 0)
    monkeypatch.setenv("JUPYTER_PATH", "")  # launch() puts the template directory there
    port = free_port()
    assert cli.main(["app", "krisekompasset", "--no-browser", "--port", str(port), "--elever", "30"]) == 0
    (argv,) = seen
    assert argv == voila_argv("krisekompasset", port=port, open_browser=False, pool=10)
    out = capsys.readouterr().out
    assert f"10 økter gjøres klare på forhånd (om lag {tall(10 * KERNEL_MB / 1000, 1)} GB minne); " \
           f"med 30 sider åpne trengs om lag {tall(memory_needed_mb(30, 10) / 1000, 1)} GB" in out
    assert memory_needed_mb(30, 10) == 40 * KERNEL_MB + SERVER_MB
    seen.clear()
    assert cli.main(["app", "befolkning", "--no-browser", "--port", str(port), "--elever", "30", "--pool", "3"]) == 0
    assert "--pool_size=3" in seen[0]
    seen.clear()
    capsys.readouterr()
    assert cli.main(["app", "--no-browser", "--port", str(port)]) == 0
    assert "--pool_size=1" in seen[0]
    assert "økter" not in capsys.readouterr().out  # one user: no memory figures


def test_launch_and_serve_run_the_same_patched_server():
    import inspect

    from planmodel import apps

    assert "server.main(argv)" in inspect.getsource(apps.launch)
    assert '"-m", "planmodel.apps"' in inspect.getsource(apps.serve)
    main_py = (APPS_DIR / "__main__.py").read_text(encoding="utf-8")
    assert "from planmodel.apps.server import main" in main_py


def test_only_the_cell_that_waits_for_the_page_has_no_time_limit():
    """A preheated kernel waits in the pool for a page; with Voilà's one timeout for all cells,
    a kernel that waited longer showed "Cell execution timed out" and ignored ?kommune=."""
    assert server.cell_timeout({"metadata": {"tags": [server.WAITS_TAG]}}) is None
    assert server.cell_timeout({"metadata": {}}) == server.CELL_TIMEOUT == 120
    assert not any(a.startswith("--VoilaExecutor.timeout") for a in voila_argv("krisekompasset"))
    for path in sorted(APPS_DIR.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            waits = "wait_for_request()" in "".join(cell["source"])
            tagged = server.WAITS_TAG in cell.get("metadata", {}).get("tags", [])
            assert waits == tagged, (path.name, "".join(cell["source"])[:60])


def test_kernels_use_unix_sockets_not_tcp_ports():
    assert "--KernelManager.transport=ipc" in voila_argv("krisekompasset")


def test_app_notebooks_do_not_load_voila_in_the_kernel():
    """``voila.utils`` pulls jupyter_server, nbconvert and jupyterlab_server into every kernel
    (39 MB each); the notebooks use planmodel.apps.request instead."""
    for path in sorted(APPS_DIR.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert not re.search(r"^\s*(from|import)\s+voila\b", code, re.M), path.name
        assert "from planmodel.apps.request import wait_for_request" in code, path.name


def test_wait_for_request_returns_at_once_outside_a_preheated_kernel(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert app_request.request_url() is None
    app_request.wait_for_request()  # returns, no websocket
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", "8899")
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    for key in ("VOILA_WS_PROTOCOL", "VOILA_APP_IP", "VOILA_WS_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    assert app_request.request_url() == "ws://127.0.0.1:8899/voila/query/abc"


def test_the_template_loading_texts_have_no_notebook_jargon():
    macros = TEMPLATES_DIR / "voila" / "templates" / "planmodel"
    for name in ("spinner.macro.html.j2", "voila_setup.macro.html.j2"):
        text = (macros / name).read_text(encoding="utf-8")
        shown = re.sub(r"\{#.*?#\}|//[^\n]*|console\.log\([^)]*\)", "", text, flags=re.S)  # comments, console
        assert not JARGON.search(shown), (name, JARGON.search(shown).group(0))
    setup = (macros / "voila_setup.macro.html.j2").read_text(encoding="utf-8")
    assert all(t in setup for t in LOADING_TEXTS)


# --------------------------------------------------------------------------------------------
# With a served app
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_served_page_speaks_bokmal_and_its_kernel_ends_on_the_page_close_request(voila_server):
    """A GET of the page takes a kernel; the page-close request (no _xsrf, as Voilà's page sends
    it) ends it: 204, and the process is gone."""
    proc, url = voila_server("befolkning")
    status, html = _request(url, "GET", "/")
    assert status == 200
    kernel_id = _kernel_id(html)
    try:
        shown = re.sub(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", "", html, flags=re.S)
        assert not JARGON.search(shown), JARGON.search(shown).group(0)
        assert "Henter tallene for kommunen …" in html
        assert not re.search(r"Executing|Running \{|Kjører celle", html)
        assert kernel_id in server.kernel_processes(proc.pid)
    finally:
        status, body = _request(url, "POST", f"/voila/api/shutdown/{kernel_id}", body=b"")
    assert status == 204, body
    _wait_until_gone(proc, kernel_id)


@pytest.mark.slow
def test_the_xsrf_check_still_guards_the_other_requests(voila_server):
    proc, url = voila_server("befolkning")
    port = urlsplit(url).port
    nobody = str(uuid.uuid4())
    # Deleting a kernel through jupyter_server's kernel API without _xsrf: refused
    status, body = _request(url, "DELETE", f"/api/kernels/{nobody}")
    assert status == 403 and "_xsrf" in body, (status, body)
    # The shutdown request from another site (Origin is not this server): refused before the kernel is looked up
    status, body = _request(url, "POST", f"/voila/api/shutdown/{nobody}", body=b"",
                            headers={"Origin": "http://evil.example"})
    assert status == 403, (status, body)
    # ... and with a foreign Host (DNS rebinding): refused by the host check
    status, _ = _request(url, "POST", f"/voila/api/shutdown/{nobody}", body=b"", headers={"Host": "evil.example"})
    assert status == 403
    # From this server's own page, without _xsrf: passes the checks; an unknown kernel is 404
    status, body = _request(url, "POST", f"/voila/api/shutdown/{nobody}", body=b"",
                            headers={"Origin": f"http://127.0.0.1:{port}"})
    assert status == 404 and "Kernel does not exist" in body, (status, body)


@pytest.mark.browser
@pytest.mark.slow
def test_closing_the_page_ends_its_kernel(voila_server, chromium_browser):
    """Krisekompasset opened and closed as a user closes a tab: Voilà's page sends its shutdown
    request, which is no longer refused for want of an _xsrf field, and the kernel process ends."""
    from planmodel.bench.apps import APPS

    proc, url = voila_server("krisekompasset")
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
    try:
        page = context.new_page()
        page.goto(url)
        page.locator(APPS["krisekompasset"][0]).first.wait_for(timeout=90_000)
        kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        assert kernel_id in server.kernel_processes(proc.pid)
        page.close(run_before_unload=True)  # as a user closes the tab
        _wait_until_gone(proc, kernel_id)
    finally:
        context.close()
    text = (ROOT / "test-artifacts" / "voila-krisekompasset.log").read_text(encoding="utf-8", errors="replace")  # conftest
    assert f"Kernel shutdown: {kernel_id}" in text
    assert "argument missing from POST" not in text
