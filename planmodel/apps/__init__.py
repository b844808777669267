"""The Voilà apps shipped with planmodel and the launcher behind ``planmodel app``.

Each app is a notebook ``planmodel/apps/<name>.ipynb`` of a few cells of wiring; the widgets are
in :mod:`planmodel.widgets`. :func:`launch` serves one app on 127.0.0.1 with a pool of preheated
kernels and the ``planmodel`` Voilà template (Norwegian loading text, ``<html lang="nb">``), which
lives in ``planmodel/templates/voila/templates/planmodel`` and is found through ``JUPYTER_PATH``.

This module is the one home of the serving options: :func:`voila_argv` and :func:`voila_env` give
the exact command line and environment, and both :func:`launch` (``planmodel app``) and
:func:`serve` (browser tests, benchmark) run them through :mod:`planmodel.apps.server`, which
lets a closed page end its kernel. Serving a class:

- **one kernel per open page**, about 170 MB each (:data:`KERNEL_MB`); it ends when the page is
  closed or reloaded, or after :data:`CULL_IDLE_TIMEOUT` seconds without a connected page;
- **a pool of preheated kernels** (:func:`pool_for`) has the app computed before anyone asks, so
  a page that takes one is interactive in seconds; a page that finds the pool empty waits for a
  kernel to start and run the app notebook.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from planmodel.apps import server
from planmodel.core.errors import InputError
from planmodel.core.formatting import tall

APPS_DIR = Path(__file__).resolve().parent
#: Jupyter data directory holding ``voila/templates/planmodel`` (prepended to JUPYTER_PATH).
TEMPLATES_DIR = APPS_DIR.parent / "templates"
TEMPLATE = "planmodel"
HOST = "127.0.0.1"
DEFAULT_PORT = 8866
#: Host names (besides loopback addresses such as 127.0.0.1 and ::1) the server answers to. A
#: request with any other ``Host`` header gets 403: a web page on another site cannot reach the
#: app (and its kernel) by pointing its own name at 127.0.0.1 (DNS rebinding).
LOCAL_HOSTNAMES = ("localhost",)
#: Tornado settings for Voilà. Voilà turns jupyter_server's host check off
#: (``allow_remote_access=True``); its ``tornado_settings`` are applied after that and turn it on.
TORNADO_SETTINGS = {"allow_remote_access": False, "local_hostnames": list(LOCAL_HOSTNAMES)}

#: Resident memory [MB] of one Krisekompasset kernel after the app notebook has run: RSS from
#: ``/proc``, 170 MB measured with ``planmodel bench`` (Voilà 0.5.13, Python 3.11; docs/apper.md).
#: About 50 MB of it are shared libraries that all kernels share, so each more kernel adds
#: about 120–130 MB (PSS). Used for the memory figures that ``planmodel app`` prints.
KERNEL_MB = 170
#: Resident memory [MB] of the Voilà server process itself (measured: 100–105 MB).
SERVER_MB = 100
#: Most pupils (elever) ``planmodel app --elever`` accepts: one kernel each, plus the pool.
ELEVER_MAX = 100
#: Largest pool ``--elever`` gives (:func:`pool_for`). Every kernel in the pool holds
#: :data:`KERNEL_MB` whether anyone uses it or not, and once a class has taken the pool it is
#: filled again, so memory is (elever + pool) × :data:`KERNEL_MB`. On 2 cores filling 10 kernels
#: took 19 s, 30 took 52 s. Pupils beyond the pool wait for a kernel to start: 30 pages at once
#: with a pool of 10 had their page from the server after 31 s (median), 40 s at most (docs/apper.md).
POOL_DEFAULT_MAX = 10
#: Largest pool ``--pool`` accepts, for a machine with the memory and time to fill it.
POOL_MAX = 30
#: Seconds a kernel may go without activity before it is shut down (culled), when no page is
#: connected to it: a tab that vanished without saying goodbye (crash, sleep, lost network).
#: A kernel with a page connected is never culled (``cull_connected=False``), however idle.
CULL_IDLE_TIMEOUT = 600
#: Seconds between two looks for idle kernels.
CULL_INTERVAL = 60
#: Seconds Voilà waits before it starts a new kernel for the pool after a page took one, when
#: the pool is for a class (more than one kernel). When a class opens the app at once, starting
#: the refills at once (about 3 CPU seconds each) would compete for the cores with the pages
#: being served. The price: a page that comes when the pool is used up waits this much longer.
FILL_DELAY = 10
#: The same for a pool of one (one user, no rush): Voilà's default, so a reload waits no longer.
FILL_DELAY_ONE = 1


def pool_for(elever: int) -> int:
    """Size of the pool of preheated kernels for ``elever`` pupils opening the app about at
    once: one each, at most :data:`POOL_DEFAULT_MAX`.

    Raises
    ------
    InputError
        ``elever`` is not a whole number from 1 to :data:`ELEVER_MAX`.
    """
    if isinstance(elever, bool) or not isinstance(elever, int):
        raise InputError("--elever", "", f"{elever!r} er ikke et heltall")
    if elever < 1:
        raise InputError("--elever", "", f"{elever} må være minst 1")
    if elever > ELEVER_MAX:
        raise InputError("--elever", "", f"{elever} er for mange; høyst {ELEVER_MAX} (hver elev får sin egen "
                                         f"økt på om lag {KERNEL_MB} MB minne)")
    return min(elever, POOL_DEFAULT_MAX)


def _check_pool(pool: int) -> int:
    if isinstance(pool, bool) or not isinstance(pool, int) or not 1 <= pool <= POOL_MAX:
        raise InputError("--pool", "", f"{pool!r} må være et heltall fra 1 til {POOL_MAX}")
    return pool


def available_apps() -> list[str]:
    """Names of the shipped apps (the notebooks in ``planmodel/apps``), sorted."""
    return sorted(p.stem for p in APPS_DIR.glob("*.ipynb"))


def app_path(name: str) -> Path:
    """Path of the app notebook ``name``; InputError listing the apps if there is none."""
    apps = available_apps()
    if name not in apps:
        raise InputError("appnavn", "",
                         f"ukjent app {name!r}; tilgjengelige apper: {', '.join(apps) or '(ingen)'}")
    return APPS_DIR / f"{name}.ipynb"


def voila_argv(name: str = "befolkning", port: int = DEFAULT_PORT, open_browser: bool = True,
               pool: int = 1) -> list[str]:
    """Voilà command-line arguments (without the program) that serve app ``name`` on 127.0.0.1
    with ``pool`` preheated kernels (1 to :data:`POOL_MAX`; :func:`pool_for` gives it for a class).

    Voilà 0.5 has no ``--ip`` alias and wants ``=True``/``=False`` for boolean aliases (see
    the Jupyter notes). ``port_retries=0`` makes Voilà fail rather than move to another port
    than the address printed. :data:`TORNADO_SETTINGS` make it answer only requests whose
    ``Host`` is 127.0.0.1, localhost or another loopback address (403 otherwise). Kernels
    without a page are culled after :data:`CULL_IDLE_TIMEOUT` s (checked every
    :data:`CULL_INTERVAL` s); the pool is refilled :data:`FILL_DELAY` s after a page took a kernel
    (:data:`FILL_DELAY_ONE` s for a pool of one).
    """
    argv = [
        str(app_path(name)),
        f"--port={int(port)}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",
        # a dict literal: traitlets' key=value form would make False the (true) string "False"
        f"--Voila.tornado_settings={TORNADO_SETTINGS!r}",
        f"--template={TEMPLATE}",
        "--theme=light",
        "--show_tracebacks=False",
        "--preheat_kernel=True",
        f"--pool_size={_check_pool(pool)}",
        f"--VoilaKernelManager.fill_delay={FILL_DELAY if pool > 1 else FILL_DELAY_ONE}",
        # jupyter_server's culler (Voilà's kernel manager never culls a kernel waiting in the pool)
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
        "--MappingKernelManager.cull_connected=False",
        # Kernels talk to the server over Unix sockets, not TCP ports on 127.0.0.1: with TCP,
        # kernels started together can find their port taken by then ("Address already in use";
        # 6 of 30 kernels failed so in the load test) and their messages are unencrypted on the
        # loopback interface, readable by any local user.
        "--KernelManager.transport=ipc",
        "--VoilaExporter.language_code=nb",
        # cell time limits: planmodel.apps.server.cell_timeout (none for the cell that waits)
        # nbdime's lab extension (installed with pytest-notebook) fails to load in Voilà and
        # only adds a console error; the app does not need it.
        "--VoilaConfiguration.extension_denylist=nbdime-jupyterlab",
    ]
    if not open_browser:
        argv.append("--no-browser")
    return argv


def voila_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Voilà: ``base`` (default ``os.environ``) with the planmodel template
    directory first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    paths = [str(TEMPLATES_DIR)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def port_is_free(port: int, host: str = HOST) -> bool:
    """True if nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As Tornado does: connections of a server that has just stopped (TIME_WAIT) do not
        # block the port, a listening server does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, int(port)))
        except OSError:
            return False
    return True


def memory_needed_mb(elever: int, pool: int) -> int:
    """Memory [MB, RSS] the server needs when ``elever`` pages are open and the pool of ``pool``
    kernels has been refilled: one kernel per open page plus the pool, plus the server."""
    return (elever + pool) * KERNEL_MB + SERVER_MB


def available_mb() -> float | None:
    """Memory the machine has available [MB] (``MemAvailable`` in ``/proc/meminfo``), or None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def launch(name: str = "befolkning", port: int = DEFAULT_PORT, open_browser: bool = True, pool: int = 1,
           elever: int | None = None) -> int:
    """Serve app ``name`` with Voilà on http://127.0.0.1:``port``/ until Ctrl+C, with ``pool``
    preheated kernels, for ``elever`` users at most at once (default ``pool``).

    Prints the address and, for a class, the memory it needs (a warning if the machine has
    less available) before it blocks. Returns 0 when the server has stopped.

    Raises
    ------
    InputError
        Unknown app (the message lists the apps), pool out of range or port already in use.
    """
    argv = voila_argv(name, port, open_browser, pool=pool)
    if not 1 <= int(port) <= 65535:
        raise InputError("--port", "", f"{port} er ikke et portnummer (1–65535)")
    if not port_is_free(port):
        raise InputError("--port", "",
                         f"port {port} på {HOST} er i bruk; velg en annen, f.eks. --port {int(port) + 1}")
    os.environ.update(voila_env())  # Voilà reads JUPYTER_PATH when it collects templates
    print(f"planmodel: appen kjører på http://{HOST}:{int(port)}/ — Ctrl+C avslutter", flush=True)
    users = pool if elever is None else elever
    if pool > 1 or users > 1:
        need = memory_needed_mb(users, pool)
        print(f"planmodel: {pool} økter gjøres klare på forhånd (om lag {tall(pool * KERNEL_MB / 1000, 1)} GB minne); "
              f"med {users} sider åpne trengs om lag {tall(need / 1000, 1)} GB", flush=True)
        free = available_mb()
        if free is not None and need > free:
            print(f"planmodel: advarsel: maskinen har bare {tall(free / 1000, 1)} GB ledig minne; "
                  "velg færre elever eller en mindre --pool", flush=True)
    server.main(argv)
    print("planmodel: appen er stoppet.", flush=True)
    return 0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def serve(name: str, log_path: Path, timeout: float = 90.0, pool: int = 1):
    """Start app ``name`` in a Voilà subprocess exactly as :func:`launch` serves it
    (``python -m planmodel.apps`` with :func:`voila_argv` and :func:`voila_env`), on a
    free port, and wait until it answers. Returns ``(process, url)``; stop it with :func:`stop`.

    Used by the browser tests and the benchmark. It polls a static file, because a GET of the
    page itself would use up the preheated kernel.
    """
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    port = free_port()
    url = f"http://{HOST}:{port}/"
    cmd = [sys.executable, "-m", "planmodel.apps", *voila_argv(name, port=port, open_browser=False, pool=pool)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=voila_env(), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    probe = f"{url}voila/static/voila-style.js"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"Voilà stopped with code {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            stop(proc)
            raise TimeoutError(f"Voilà did not answer on {url} within {timeout:.0f} s; see {log_path}")
        time.sleep(0.3)


def stop(proc) -> None:
    """SIGTERM a Voilà subprocess (it shuts its kernels down); SIGKILL its group if that hangs."""
    import signal
    import subprocess

    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


__all__ = ["available_apps", "app_path", "free_port", "launch", "memory_needed_mb", "pool_for", "serve", "stop", "voila_argv", "voila_env"]
