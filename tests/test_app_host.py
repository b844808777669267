"""Issue 13: the Voilà server of ``planmodel app`` answers only requests whose ``Host`` is
127.0.0.1 or localhost (DNS rebinding)."""

from __future__ import annotations

import pytest

def _get(url: str, host: str, path: str = "/") -> tuple[int, bytes]:
    import http.client
    from urllib.parse import urlsplit

    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    try:
        conn.request("GET", path, headers={"Host": host})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_the_app_server_is_started_with_the_host_check_on():
    from planmodel.apps import TORNADO_SETTINGS, voila_argv

    arg = next(a for a in voila_argv("befolkning", open_browser=False) if a.startswith("--Voila.tornado_settings="))
    assert TORNADO_SETTINGS == {"allow_remote_access": False, "local_hostnames": ["localhost"]}
    assert arg == f"--Voila.tornado_settings={TORNADO_SETTINGS!r}"


@pytest.mark.slow
def test_the_app_refuses_a_foreign_host_header_and_serves_localhost(voila_app):
    """DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 sends
    ``Host: evil.example``; the app and its kernel API must refuse it."""
    url = voila_app("befolkning")
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}"):
        for path in ("/", "/api/kernels", "/api/kernelspecs"):
            assert _get(url, host, path)[0] == 403, (host, path)
    status, body = _get(url, f"localhost:{port}")
    assert status == 200 and b'lang="nb"' in body
    assert _get(url, f"127.0.0.1:{port}", "/api/kernelspecs")[0] != 403
