"""The page request a preheated kernel waits for, read without importing Voilà.

Voilà runs an app notebook in a preheated kernel before anyone asks for the page; the notebook
then waits for the request to learn its address (``?kommune=…``). Voilà's own helper,
``voila.utils.wait_for_request``, lives in a module that imports jupyter_server, nbconvert and
jupyterlab_server: about 39 MB more in *every* kernel (measured with ``/proc``, see
docs/apper.md), for one websocket message. :func:`wait_for_request` does the same with the
``websockets`` package only (a dependency of Voilà; about 1 MB).

The protocol is Voilà 0.5's (``voila/utils.py``, ``voila/request_info_handler.py``,
BSD-3-Clause, (c) 2018 Voilà contributors): the kernel opens the websocket
``<ws_base_url>voila/query/<kernel id>`` and receives one JSON object of request variables
(``QUERY_STRING``, ``SCRIPT_NAME``, ``SERVER_NAME``, …), which it puts in ``os.environ``.
"""

from __future__ import annotations

import json
import os
import warnings

#: Seconds to wait for the websocket to open (Voilà's value); the wait for the page request
#: itself has no limit, as in Voilà: a preheated kernel waits until a page takes it.
OPEN_TIMEOUT = 5.0


def request_url() -> str | None:
    """Websocket address of this kernel's request, from the environment Voilà gives a
    preheated kernel; None when the kernel is not a preheated Voilà kernel."""
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return None
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    ip = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID')}"


def wait_for_request() -> None:
    """In a preheated Voilà kernel: wait until a page takes this kernel, then put the
    request's variables (``QUERY_STRING`` …) in ``os.environ``. Elsewhere (Jupyter, nbclient,
    Voilà without preheating): return at once."""
    url = request_url()
    if url is None:
        return
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=OPEN_TIMEOUT) as ws:
            info = ws.recv()
    except (TimeoutError, OSError, WebSocketException) as exc:
        warnings.warn(f"Failed to connect to {url}: {exc}", stacklevel=2)
        return
    for key, value in json.loads(info).items():
        os.environ[key] = value


def query_string() -> str:
    """The page's query string (``kommune=3201&scenario=…``) once the page has asked, or ``""``."""
    wait_for_request()
    return os.environ.get("QUERY_STRING", "")
