"""The Voilà server behind ``planmodel app``: Voilà 0.5 with two fixes, so that a closed page ends
its kernel and a preheated kernel may wait in the pool as long as it takes.

Run it as ``python -m planmodel.apps <voila arguments>`` (``planmodel/apps/__main__.py``);
:func:`planmodel.apps.launch` calls :func:`main` in its own process and
:func:`planmodel.apps.serve` (browser tests, benchmark) starts it in a subprocess, so both serve
exactly the same thing.

Why the fix
-----------
When a tab is closed, Voilà's page sends ``navigator.sendBeacon`` POST
``/voila/api/shutdown/<kernel_id>`` with an ``_xsrf`` form field copied from the ``_xsrf`` cookie.
Voilà's page never sets that cookie, so the field is empty and jupyter_server answers
``403 '_xsrf' argument missing from POST`` (voila-dashboards/voila#1458, open). The kernel then
lives on (about 170 MB each) until the server stops.

:func:`exempt_shutdown_from_xsrf` replaces the XSRF check of that one handler class,
:class:`voila.shutdown_kernel_handler.VoilaShutdownKernelHandler`, by an origin check. Every other
handler keeps jupyter_server's XSRF check, and the ``Host`` check
(:data:`planmodel.apps.TORNADO_SETTINGS`) stays on for all of them. This is safe because

- the URL must name the kernel: a random UUID4 (122 random bits) that only the page served with
  that kernel knows; a guess hits no kernel, and a preheated kernel's id is never sent to anyone;
- the only thing the request can do is shut that one kernel down, which is what closing the page
  does anyway; it reads nothing and changes no file;
- a request from another site is still refused: jupyter_server's origin check (the ``Origin``
  header must match ``Host``) runs in the replacement and again in ``APIHandler.prepare``, and the
  ``Host`` check refuses names other than localhost/loopback (DNS rebinding).

Cell timeouts
-------------
A cell of an app notebook may run :data:`CELL_TIMEOUT` seconds; then Voilà stops and the page
says so. The cell that waits for the page's request (tagged :data:`WAITS_TAG`) has no limit: in a
preheated kernel it waits in the pool until a page takes the kernel, which may be minutes after
the server started. With one limit for all cells (Voilà's ``--VoilaExecutor.timeout``) every
kernel that waited more than that showed "Cell execution timed out" and ignored the address's
``?kommune=…``. :func:`main` gives Voilà's executor :func:`cell_timeout` instead.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


#: Seconds an app notebook cell may run before Voilà gives up and the page shows an error.
CELL_TIMEOUT = 120
#: Tag of the cell that waits for the page's request (``wait_for_request()``): no time limit.
WAITS_TAG = "waits-for-request"


def cell_timeout(cell) -> int | None:
    """Time limit [s] for one notebook cell: None (no limit) for a cell tagged
    :data:`WAITS_TAG`, else :data:`CELL_TIMEOUT`. Used as nbclient's ``timeout_func``."""
    return None if WAITS_TAG in cell.get("metadata", {}).get("tags", []) else CELL_TIMEOUT


def exempt_shutdown_from_xsrf() -> type:
    """Let Voilà's page-close request through without an ``_xsrf`` field (see the module
    docstring); cross-origin requests are still refused. Returns the patched handler class.
    Idempotent."""
    from tornado.web import HTTPError
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    def check_xsrf_cookie(self) -> None:
        """planmodel: no XSRF token for the page-close shutdown (the kernel id is the secret);
        an ``Origin`` other than this server's is refused."""
        if not self.check_origin():
            raise HTTPError(403, "Cross-origin shutdown request refused")

    check_xsrf_cookie.planmodel_exempt = True
    VoilaShutdownKernelHandler.check_xsrf_cookie = check_xsrf_cookie
    return VoilaShutdownKernelHandler


def main(argv: list[str] | None = None) -> int:
    """Run Voilà with ``argv`` (default: the process arguments), the shutdown fix and the cell
    time limits of :func:`cell_timeout` until it stops; 0 when it has stopped."""
    from tornado.web import HTTPError
    from traitlets.config import Config
    from voila.app import main as voila_main

    exempt_shutdown_from_xsrf()
    config = Config({"VoilaExecutor": {"timeout_func": cell_timeout}})
    try:
        voila_main(argv=list(sys.argv[1:] if argv is None else argv), config=config)
    except HTTPError as exc:
        # Voilà 0.5.13 shuts down a preheated kernel that a page took but never connected to
        # twice when it stops, and raises "Kernel does not exist" after all kernels are gone.
        if exc.status_code != 404 or "Kernel does not exist" not in str(exc.log_message):
            raise
    return 0


# ------------------------------------------------------------------------------------------------
# Watching a running server from outside (Linux /proc): used by the tests and the benchmark
# ------------------------------------------------------------------------------------------------

#: The kernel processes Voilà starts run ``python -m ipykernel_launcher -f <connection file>``.
KERNEL_MARK = "ipykernel_launcher"
_KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json$")


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        pass
    return out


def kernel_processes(server_pid: int) -> dict[str, int]:
    """The kernels of the Voilà server ``server_pid`` (pooled and in use alike): kernel id ->
    process id. A kernel is a child process that runs ``ipykernel_launcher``; its id is in
    the name of its connection file (``-f …/kernel-<id>.json``). Empty where ``/proc`` cannot
    tell."""
    found = {}
    for child in _children(server_pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue  # ended meanwhile
        if not any(KERNEL_MARK in part for part in cmdline):
            continue
        match = next((_KERNEL_FILE.search(part) for part in cmdline if _KERNEL_FILE.search(part)), None)
        found[match.group(1) if match else f"pid-{child}"] = child
    return found


def kernel_pids(server_pid: int) -> list[int]:
    """Process ids of the kernels of the Voilà server ``server_pid``, sorted (see
    :func:`kernel_processes`)."""
    return sorted(kernel_processes(server_pid).values())


def tree_rss_mb(server_pid: int) -> float | None:
    """Resident memory of the server and all its kernels, summed [MB]; None if the server is
    gone. RSS counts the pages the processes share (libraries) once per process, so this is an
    upper bound; :func:`tree_pss_mb` shares them out."""
    own = rss_mb(server_pid)
    if own is None:
        return None
    return own + sum(rss_mb(pid) or 0.0 for pid in kernel_pids(server_pid))


def tree_pss_mb(server_pid: int) -> float | None:
    """Proportional memory (PSS: shared pages split between the processes that share them) of
    the server and all its kernels, summed [MB]: what they take from the machine together. None
    if the server is gone or ``/proc/<pid>/smaps_rollup`` is missing."""
    own = pss_mb(server_pid)
    if own is None:
        return None
    return own + sum(pss_mb(pid) or 0.0 for pid in kernel_pids(server_pid))


def _proc_kb(path: str, field: str) -> float | None:
    """The ``field:`` line of a /proc file [kB] in MB (2**20 bytes), or None if the process is gone."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def rss_mb(pid: int) -> float | None:
    """Resident memory (RSS) of process ``pid`` [MB = 2**20 bytes], or None if it is gone."""
    return _proc_kb(f"/proc/{pid}/status", "VmRSS:")


def pss_mb(pid: int) -> float | None:
    """Proportional set size (PSS) of process ``pid`` [MB], or None if it is gone (Linux 4.14+)."""
    return _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    return None
