"""The Voilà apps shipped with planmodel and the launcher behind ``planmodel app``.

Each app is a notebook ``planmodel/apps/<name>.ipynb`` of a few cells of wiring; the widgets are
in :mod:`planmodel.widgets`. :func:`launch` serves one app on 127.0.0.1 with a preheated kernel
and the ``planmodel`` Voilà template (Norwegian loading text, ``<html lang="nb">``), which lives in
``planmodel/templates/voila/templates/planmodel`` and is found through ``JUPYTER_PATH``.

:func:`voila_argv` and :func:`voila_env` give the exact command line and environment, so that
the browser tests serve the app the same way ``planmodel app`` does.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from planmodel.core.errors import InputError

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


def voila_argv(name: str = "befolkning", port: int = DEFAULT_PORT, open_browser: bool = True) -> list[str]:
    """Voilà command-line arguments (without the program) that serve app ``name`` on 127.0.0.1.

    Voilà 0.5 has no ``--ip`` alias and wants ``=True``/``=False`` for boolean aliases (see
    the Jupyter notes). ``port_retries=0`` makes Voilà fail rather than move to another port
    than the address printed. :data:`TORNADO_SETTINGS` make it answer only requests whose
    ``Host`` is 127.0.0.1, localhost or another loopback address (403 otherwise).
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
        "--pool_size=1",
        "--VoilaExporter.language_code=nb",
        "--VoilaExecutor.timeout=120",
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


def launch(name: str = "befolkning", port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Serve app ``name`` with Voilà on http://127.0.0.1:``port``/ until Ctrl+C.

    Prints the address before it blocks. Returns 0 when the server has stopped.

    Raises
    ------
    InputError
        Unknown app (the message lists the apps) or port already in use.
    """
    argv = voila_argv(name, port, open_browser)
    if not 1 <= int(port) <= 65535:
        raise InputError("--port", "", f"{port} er ikke et portnummer (1–65535)")
    if not port_is_free(port):
        raise InputError("--port", "",
                         f"port {port} på {HOST} er i bruk; velg en annen, f.eks. --port {int(port) + 1}")
    os.environ.update(voila_env())  # Voilà reads JUPYTER_PATH when it collects templates
    print(f"planmodel: appen kjører på http://{HOST}:{int(port)}/ — Ctrl+C avslutter", flush=True)
    from tornado.web import HTTPError
    from voila.app import main as voila_main

    try:
        voila_main(argv=argv)
    except HTTPError as exc:
        # Voilà 0.5.13 shuts down a preheated kernel that a page took but never connected to
        # twice when it stops, and raises "Kernel does not exist" after all kernels are gone.
        if exc.status_code != 404 or "Kernel does not exist" not in str(exc.log_message):
            raise
    print("planmodel: appen er stoppet.", flush=True)
    return 0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def serve(name: str, log_path: Path, timeout: float = 90.0):
    """Start app ``name`` in a Voilà subprocess exactly as :func:`launch` serves it, on a free
    port, and wait until it answers. Returns ``(process, url)``; stop it with :func:`stop`.

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
    cmd = [sys.executable, "-m", "voila", *voila_argv(name, port=port, open_browser=False)]
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


__all__ = ["available_apps", "app_path", "free_port", "launch", "serve", "stop", "voila_argv", "voila_env"]
