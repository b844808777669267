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

Like :mod:`planmodel.bench` this is a measurement, not a test: nothing fails on a slow machine.
Without ``/usr/bin/chromium`` it returns one row that says so.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from planmodel.apps import serve, stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
START_TIMEOUT = 90.0  #: seconds for Voilà to answer
POOL_TIMEOUT = 120.0  #: seconds for the preheated kernel pool to be (re)filled
#: Per app: (selector that means "interactive", label of the control whose key presses are timed,
#: keys that move it back and forth, selector whose text must change).
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
    for row in measure():
        print(row)
