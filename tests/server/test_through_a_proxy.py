"""The `proxy` setting: the HTTP and WebSocket clients reach the real backend through a real proxy
(Debian's tinyproxy on a loopback port), and the choice between none, system and a URL."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.backend import Backend
from workstation.client.api import BackendApi
from workstation.client.proxy import proxy_for
from workstation.client.ws import WsClient

STREAM_PATH = "/api/v1/stream"


def test_none_system_and_a_url() -> None:
    target = "https://crm.example:8443"
    assert proxy_for("none", target) is None
    assert proxy_for("http://proxy.example:3128/", target) == "http://proxy.example:3128"
    found = {"https": "http://corp-proxy:8080", "http": "http://other:1"}
    assert proxy_for("system", target, system=lambda: found, bypass=lambda host: False) == (
        "http://corp-proxy:8080"
    )
    # the system's bypass list (NO_PROXY, the Windows "<local>" entries) is honoured
    assert proxy_for("system", target, system=lambda: found, bypass=lambda host: True) is None
    assert proxy_for("system", target, system=dict, bypass=lambda host: False) is None
    # a system proxy the clients cannot speak (SOCKS) is not used half-way: direct, as without one
    socks = {"https": "socks5://corp:1080"}
    assert proxy_for("system", target, system=lambda: socks, bypass=lambda host: False) is None
    with pytest.raises(ValueError, match="proxy"):
        proxy_for("proxy.example:3128", target)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def tinyproxy(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A tinyproxy on a free loopback port: (its URL, its log file)."""
    binary = shutil.which("tinyproxy") or (
        "/usr/bin/tinyproxy" if Path("/usr/bin/tinyproxy").exists() else None
    )
    if binary is None:
        message = "tinyproxy is not installed (Debian package tinyproxy, see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(message)  # a server test is never skipped in CI
        pytest.skip(message)
    port = _free_port()
    log = tmp_path / "tinyproxy.log"
    conf = tmp_path / "tinyproxy.conf"
    # In the foreground (-d) and without a LogFile, tinyproxy logs to stdout: into `log`.
    conf.write_text(
        f"Port {port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\n",
        encoding="utf-8",
    )
    output = log.open("wb")
    process = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"tinyproxy did not start: {log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=10)
        output.close()


def test_http_and_websocket_go_through_the_configured_proxy(
    backend: Backend, tinyproxy: tuple[str, Path]
) -> None:
    url, log = tinyproxy
    via = proxy_for(url, backend.url)
    backend_port = backend.url.rsplit(":", 1)[1].strip("/")

    async def main() -> None:
        async with httpx.AsyncClient(base_url=backend.url, trust_env=False, proxy=via, timeout=10) as http:
            api = BackendApi(http, proxy=via)
            session = await api.login("demo", "demo")
            api.set_token(session.token)
            assert (await api.me()).username == "demo"
            ws = WsClient(api.base_url, lambda: api.token, proxy=api.proxy)
            connection = await ws.open(STREAM_PATH, max_size=1 << 20)
            await connection.close()

    asyncio.run(main())
    text = log.read_text(encoding="utf-8", errors="replace")
    assert f"127.0.0.1:{backend_port}/api/v1/me" in text  # the REST call was forwarded
    assert f"CONNECT 127.0.0.1:{backend_port}" in text  # the WebSocket was tunnelled
