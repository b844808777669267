"""Speed of a Voilà app in a real browser, for ``planmodel bench``.

:func:`measure` serves the app exactly as ``planmodel app <name>`` does (same Voilà arguments,
template and environment: :func:`planmodel.apps.voila_argv` / :func:`~planmodel.apps.voila_env`,
so the kernel is preheated), opens it in headless Chromium with Playwright and measures

- **time to interactive**: from the start of the navigation (the page's ``performance`` time
  origin) until the key numbers are on the page; taken on a preheated kernel (the pool is
  refilled and we wait for it between page loads);
- **update time**: from a key press on the terskel control until the shown numbers have
  changed and the app's busy class is gone. The clock runs in the page: a capturing
  ``keydown`` listener stamps the press and a ``MutationObserver`` stamps the first DOM state
  with new numbers and no busy class, so Playwright's own round trips are not counted.

:func:`load_test` opens the app in N browser sessions at once, as a class does (one headless
Chromium, N contexts, the pool of preheated kernels filled first) and reports the time to
interactive per session, the memory of the server and its kernels, and whether every closed
page ended its kernel.

Like :mod:`planmodel.bench` this is a measurement, not a test: nothing fails on a slow machine.
Without ``/usr/bin/chromium`` it returns one row that says so.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from planmodel.apps import pool_for, serve, stop
from planmodel.apps.server import kernel_processes, pss_mb, rss_mb, tree_pss_mb, tree_rss_mb

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
START_TIMEOUT = 90.0  #: seconds for Voilà to answer
POOL_TIMEOUT = 120.0  #: seconds for the preheated kernel pool to be (re)filled
#: Load test: sessions opened at once by default, and how long after the last page closed the
#: kernels left are counted (seconds).
LOAD_SESSIONS = 10
LOAD_SETTLE_S = 60.0
#: Load test: a session that is not interactive this long after it started counts as failed
#: (``interactive`` in the row is then less than ``sessions``).
LOAD_PAGE_TIMEOUT_MS = 300_000
#: Load test targets from issue 14 (reported beside the figures, never enforced).
TARGET_MAX_S = 5.0
TARGET_MEDIAN_S = 3.0
#: Per app: (selector that means "interactive", label of the control whose key presses are timed,
#: keys that move it back and forth, selector whose text must change). The selectors follow the
#: page (being redesigned): change them here; the root class stays in :data:`ROOT_SELECTOR`.
APPS = {
    "krisekompasset": ('[data-key="ndr_andel_2030"]', "Terskel", ("ArrowUp", "ArrowDown"), "[data-key]"),
}
ROOT_SELECTOR = {"krisekompasset": ".planmodel-krisekompasset"}
BUSY_CLASS = "planmodel-busy"

_WATCH_JS = """([textSel, rootSel, busy]) => {
  const text = () => Array.from(document.querySelectorAll(textSel), e => e.textContent).join('|');
  const before = text();
  const root = document.querySelector(rootSel);
  window.__pmTimes = {t0: null};
  document.addEventListener('keydown', () => { window.__pmTimes.t0 = performance.now(); },
                            {capture: true, once: true});
  window.__pmDone = new Promise((resolve) => {
    const check = () => {
      if (window.__pmTimes.t0 !== null && !root.classList.contains(busy) && text() !== before) {
        obs.disconnect();
        resolve({t0: window.__pmTimes.t0, t1: performance.now()});
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                attributeFilter: ['class']});
  });
}"""


def _row(name: str, times: list[float], **extra) -> dict:
    if not times:
        return {"name": name, "median_s": math.nan, "min_s": math.nan, "max_s": math.nan, "n": 0, **extra}
    return {"name": name, "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "n": len(times), **extra}


def _pool_fills(log_path: Path, name: str) -> int:
    """How often Voilà has logged that the kernel pool of the app is filled."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return 0
    return text.count(f"Kernel pool of {name}.ipynb is filled")


def _tree_cpu(pid: int) -> float | None:
    """CPU seconds used so far by process ``pid`` and its descendants (Linux ``/proc``), or
    None where ``/proc`` cannot tell."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / tick  # utime, stime
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            if p == pid:
                return None
    return total


def _wait_until_idle(proc: subprocess.Popen, quiet_s: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until Voilà and its kernels use (almost) no CPU for ``quiet_s`` seconds.

    Voilà logs "Kernel pool ... is filled" as soon as the kernel has *started*; the notebook
    is still being executed in it. A page loaded then waits for that execution, which is not
    what "preheated" means, so the benchmark waits for the execution to finish.
    """
    deadline = time.monotonic() + timeout
    last = _tree_cpu(proc.pid)
    if last is None:
        time.sleep(10.0)  # no /proc: give the kernel time to run the notebook
        return
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = _tree_cpu(proc.pid)
        if now is None or now - last < 0.1 * quiet_s:
            return
        last = now


def _wait_for(condition, timeout: float, what: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise RuntimeError(f"Voilà stopped (code {proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)


def measure(app: str = "krisekompasset", n: int = 10, loads: int = 3) -> list[dict]:
    """Time to interactive and update time of app ``app`` in headless Chromium.

    Parameters
    ----------
    app : app name (a notebook in ``planmodel/apps``) listed in :data:`APPS`.
    n : number of timed key presses (alternately one step up and one step down).
    loads : number of page loads for the time to interactive (each on a freshly preheated kernel).

    Returns
    -------
    Rows ``{"name", "median_s", "min_s", "max_s", "n"}`` like :mod:`planmodel.bench`: the
    time to interactive and the update time; one explanatory row (n = 0) if Chromium or
    Playwright is missing.
    """
    if app not in APPS:
        raise ValueError(f"no browser benchmark for app {app!r}; known: {', '.join(APPS)}")
    ready_sel, label, keys, text_sel = APPS[app]
    if not CHROMIUM.exists():
        return [_row(f"app {app}: nettlesertid ikke målt ({CHROMIUM} mangler; installer Debian-pakken chromium)", [])]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [_row(f"app {app}: nettlesertid ikke målt (playwright er ikke installert)", [])]

    tti: list[float] = []
    updates: list[float] = []
    with tempfile.TemporaryDirectory(prefix="planmodel-bench-") as tmp:
        log_path = Path(tmp) / f"voila-{app}.log"
        proc, url = serve(app, log_path, timeout=START_TIMEOUT)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                try:
                    used = 0  # kernel pool fills seen and taken by a page load so far
                    for i in range(max(1, loads)):
                        # wait for a preheated kernel: the first fill, then a refill after each load
                        _wait_for(lambda: _pool_fills(log_path, app) > used, POOL_TIMEOUT,
                                  "the preheated kernel", proc)
                        used = _pool_fills(log_path, app)
                        _wait_until_idle(proc)
                        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
                        page = context.new_page()
                        page.goto(url)
                        page.locator(ready_sel).first.wait_for(timeout=60_000)
                        tti.append(page.evaluate("performance.now()") / 1000)
                        if i == max(1, loads) - 1:
                            updates = _time_updates(page, app, label, keys, text_sel, n)
                        context.close()
                finally:
                    browser.close()
        finally:
            stop(proc)
    return [_row(f"app {app}: tid til interaktiv (forvarmet kjerne, navigasjon -> nøkkeltall)", tti),
            _row(f"app {app}: tastetrykk på «{label}» -> nye tall i nettleseren", updates)]


def _kernel_id_js() -> str:
    return "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


_CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


def _fetch_page(url: str) -> tuple[float, str | None]:
    """GET the app page as a browser would, read it to the end; (seconds, kernel id or None)."""
    import json
    import urllib.request

    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=180) as response:
        body = response.read().decode("utf-8", errors="replace")
    seconds = time.perf_counter() - t0
    match = _CONFIG_RE.search(body)
    return seconds, json.loads(match.group(1)).get("kernelId") if match else None


def _shutdown(url: str, kernel_id: str) -> int:
    """POST Voilà's page-close request for ``kernel_id`` (no _xsrf, as the page sends it); the status."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{url}voila/api/shutdown/{kernel_id}", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _server_only(proc, url: str, sessions: int, pool: int) -> tuple[list[float], int]:
    """``sessions`` plain HTTP GETs of the page at once (threads, no browser): seconds until
    each page's HTML was complete, i.e. the server had run the notebook's last cells and
    rendered them. Each page's kernel is then shut down as a closed page does. Returns the
    times and how many shutdown requests were not answered 204."""
    from concurrent.futures import ThreadPoolExecutor

    _wait_for(lambda: len(kernel_processes(proc.pid)) >= pool, POOL_TIMEOUT + 15 * pool,
              "the pool to be refilled", proc)
    _wait_until_idle(proc, timeout=POOL_TIMEOUT + 15 * pool)
    with ThreadPoolExecutor(max_workers=sessions) as ex:
        fetched = list(ex.map(lambda _: _fetch_page(url), range(sessions)))
    refused = sum(_shutdown(url, k) != 204 for _, k in fetched if k) + sum(1 for _, k in fetched if not k)
    return [t for t, _ in fetched], refused


def load_test(app: str = "krisekompasset", sessions: int = LOAD_SESSIONS, pool: int | None = None,
              settle_s: float = LOAD_SETTLE_S, log_path: Path | None = None) -> list[dict]:
    """Open app ``app`` in ``sessions`` browser sessions at once, as a class does; close them all.

    The server is started as ``planmodel app <app> --elever <sessions>`` starts it (pool of
    :func:`planmodel.apps.pool_for` preheated kernels unless ``pool`` is given), and the pool is
    filled, and the notebooks in it have finished running, before any page opens. Then one
    headless Chromium opens ``sessions`` contexts concurrently (Playwright's async API), each
    until the app is interactive (``APPS[app][0]`` visible); then every page is closed as a user
    closes a tab (``beforeunload`` runs, so Voilà's page sends its shutdown request).

    Parameters
    ----------
    app : app name listed in :data:`APPS`.
    sessions : pages opened at the same time.
    pool : preheated kernels; default :func:`planmodel.apps.pool_for` (``sessions``).
    settle_s : seconds after the last page closed at which the kernels left are counted.
    log_path : where to keep Voilà's log (default: a temporary file, removed afterwards).

    Returns
    -------
    Two rows like :mod:`planmodel.bench`:

    - time to interactive per session [s] (from the page's navigation start), with ``sessions``,
      ``pool``, ``within_target`` (sessions interactive within :data:`TARGET_MAX_S`), memory of
      the server plus all kernels (summed RSS [MB]) with the pool filled (``mem_pool_mb``), at the
      peak (``mem_peak_mb``) and ``mem_after_mb`` ``settle_s`` after all pages closed; the same
      as PSS (shared libraries counted once) with all pages open (``mem_open_pss_mb``); the
      median RSS and PSS of one page's kernel (``kernel_mb``, ``kernel_pss_mb``); and the CPU
      seconds used while the pages opened by the server and its kernels (``server_cpu_s``) and
      by the browser and Playwright (``browser_cpu_s``). They share the machine's cores: on a
      small machine the test's own browser slows the pages down, where a class has a machine
      per pupil;
    - time from closing a page until its kernel process has ended [s], one per kernel that
      ended, with ``kernels_left`` (pages' kernels still running ``settle_s`` after all pages
      closed) and ``kernels_running`` (all kernels then, the refilled pool included);
    - the server's share alone: once the pool is refilled, ``sessions`` plain HTTP GETs of the
      page at once, seconds until each page's HTML is complete (the notebook's last cells have
      run in the preheated kernel and are rendered); then each kernel is shut down with the
      page-close request (``shutdown_refused`` counts answers other than 204). Add the
      browser's own time for one page (:func:`measure`) for a class on their own machines.
    """
    import asyncio

    if app not in APPS:
        raise ValueError(f"no browser benchmark for app {app!r}; known: {', '.join(APPS)}")
    pool = pool_for(sessions) if pool is None else pool
    title = f"app {app}: {sessions} økter samtidig, forvarmet pool {pool}"
    if not CHROMIUM.exists():
        return [_row(f"{title}: ikke målt ({CHROMIUM} mangler; installer Debian-pakken chromium)", [])]
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        return [_row(f"{title}: ikke målt (playwright er ikke installert)", [])]
    ready_sel = APPS[app][0]

    with tempfile.TemporaryDirectory(prefix="planmodel-load-") as tmp:
        log_path = log_path or Path(tmp) / f"voila-{app}.log"
        proc, url = serve(app, log_path, timeout=START_TIMEOUT, pool=pool)
        try:
            _wait_for(lambda: _pool_fills(log_path, app) >= 1 and len(kernel_processes(proc.pid)) >= pool,
                      POOL_TIMEOUT + 15 * pool, f"a pool of {pool} preheated kernels", proc)
            _wait_until_idle(proc, timeout=POOL_TIMEOUT + 15 * pool)
            mem_pool = tree_rss_mb(proc.pid)

            async def run() -> dict:
                out: dict = {"peak": mem_pool or 0.0}
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                       headless=True)
                    stop_sampling = asyncio.Event()

                    async def sample() -> None:
                        while not stop_sampling.is_set():
                            out["peak"] = max(out["peak"], tree_rss_mb(proc.pid) or 0.0)
                            await asyncio.sleep(0.25)

                    sampler = asyncio.create_task(sample())
                    contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nb-NO")
                                for _ in range(sessions)]
                    pages = [await c.new_page() for c in contexts]

                    async def open_one(page) -> tuple[float | None, str | None]:
                        try:  # the page may wait minutes for a kernel when the pool is used up
                            await page.goto(url, wait_until="commit", timeout=LOAD_PAGE_TIMEOUT_MS)
                            await page.locator(ready_sel).first.wait_for(timeout=LOAD_PAGE_TIMEOUT_MS)
                        except Exception:  # playwright TimeoutError: this session counts as not interactive
                            return None, None
                        return await page.evaluate("performance.now()") / 1000, await page.evaluate(_kernel_id_js())

                    # CPU seconds of the server (and its kernels) and of this process tree (the
                    # browser, Playwright and the server) while the pages open
                    cpu0, all0 = _tree_cpu(proc.pid), _tree_cpu(os.getpid())
                    results = await asyncio.gather(*(open_one(p) for p in pages))
                    cpu1, all1 = _tree_cpu(proc.pid), _tree_cpu(os.getpid())
                    out["cpu"] = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
                    out["client_cpu"] = None if None in (cpu0, cpu1, all0, all1) else (all1 - all0) - (cpu1 - cpu0)
                    out["tti"] = [t for t, _ in results if t is not None]
                    out["ids"] = [k for _, k in results if k]
                    running = kernel_processes(proc.pid)
                    out["kernel_mb"] = [rss_mb(running[k]) for k in out["ids"] if k in running]
                    out["kernel_pss"] = [pss_mb(running[k]) for k in out["ids"] if k in running]
                    out["open_pss"] = tree_pss_mb(proc.pid)
                    out["peak"] = max(out["peak"], tree_rss_mb(proc.pid) or 0.0)
                    stop_sampling.set()
                    await sampler
                    t_close = time.monotonic()
                    for page in pages:
                        await page.close(run_before_unload=True)  # as a user closes the tab
                    await asyncio.sleep(2.0)  # let the pages' shutdown requests leave the browser
                    for c in contexts:
                        await c.close()
                    await browser.close()
                out["t_close"] = t_close
                return out

            res = asyncio.run(run())
            # Watch the pages' kernels end, then count what is left settle_s after the close
            ended: dict[str, float] = {}
            deadline = res["t_close"] + settle_s
            while time.monotonic() < deadline:
                running = kernel_processes(proc.pid)
                for k in res["ids"]:
                    if k not in running and k not in ended:
                        ended[k] = time.monotonic() - res["t_close"]
                time.sleep(0.25)
            running = kernel_processes(proc.pid)
            left = [k for k in res["ids"] if k in running]
            mem_after = tree_rss_mb(proc.pid)
            html, refused = _server_only(proc, url, sessions, pool)
        finally:
            stop(proc)

    tti = res["tti"]

    def median(values: list) -> float:
        values = [v for v in values if v]
        return statistics.median(values) if values else math.nan

    def rnd(x: float | None) -> float:
        return math.nan if x is None else round(x, 1)

    return [
        _row(f"{title}: tid til interaktiv per økt", tti, sessions=sessions, pool=pool,
             interactive=len(tti), within_target=sum(t <= TARGET_MAX_S for t in tti),
             target_max_s=TARGET_MAX_S, target_median_s=TARGET_MEDIAN_S,
             mem_pool_mb=rnd(mem_pool), mem_peak_mb=rnd(res["peak"]), mem_after_mb=rnd(mem_after),
             mem_open_pss_mb=rnd(res["open_pss"]), kernel_mb=rnd(median(res["kernel_mb"])),
             kernel_pss_mb=rnd(median(res["kernel_pss"])), server_cpu_s=rnd(res["cpu"]),
             browser_cpu_s=rnd(res["client_cpu"])),
        _row(f"{title}: lukket side -> kjernen avsluttet", sorted(ended.values()), sessions=sessions,
             kernels_left=len(left), settle_s=settle_s, kernels_running=len(running)),
        _row(f"{title}: uten nettleser, siden (HTML) ferdig fra serveren", html, sessions=sessions,
             shutdown_refused=refused),
    ]


def _time_updates(page, app: str, label: str, keys: tuple[str, str], text_sel: str, n: int) -> list[float]:
    root = ROOT_SELECTOR[app]
    page.locator(f"{root}:not(.{BUSY_CLASS})").wait_for(timeout=30_000)
    control = page.get_by_label(label, exact=True)
    control.focus()
    times = []
    for i in range(n + 1):  # the first press warms up the path and is not counted
        page.evaluate(_WATCH_JS, [text_sel, root, BUSY_CLASS])
        page.keyboard.press(keys[i % 2])
        done = page.evaluate("window.__pmDone")
        if i:
            times.append((done["t1"] - done["t0"]) / 1000)
    return times


if __name__ == "__main__":  # python -m planmodel.bench.apps
    for row in measure() + load_test():
        print(row)
