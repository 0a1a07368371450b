"""Plain HTTP only to this computer; every WebSocket (agent, monitor, relay) trusts the company CA.

A hostile tester found that `http://` to another host was accepted (the password and the session
token travel in the clear) and that the monitor stream and cobrowse relay ignored `tls_ca_bundle`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QDialog

from tests.helpers.desk import Desk
from tests.server.test_tls import make_ca_and_server_cert
from workstation import config
from workstation.boot.desktop import remote_login
from workstation.client.api import ApiError, BackendApi
from workstation.client.cobrowse import RelayConnection, RelayRefused
from workstation.client.monitor import MonitorStream
from workstation.client.tls import certificate_problem, ssl_context
from workstation.client.ws import Backoff, InsecureTransport, WsClient
from workstation.paths import Paths
from workstation.server.runner import ServerOptions, ServerThread
from workstation.ui.login_dialog import LoginDialog
from workstation.ui.main_window import MainWindow

pytestmark = pytest.mark.security

REMOTE_PLAIN = "http://10.1.2.3:8765"


@pytest.mark.parametrize("url", [REMOTE_PLAIN, "http://crm.example", "http://127.0.0.1.example:80"])
def test_config_refuses_plain_http_to_another_computer(url: str, tmp_path: Path) -> None:
    effective = config.load(None, machine_file=tmp_path / "none.toml", environ={}, cli={"server_url": url})
    assert effective.config.server_url == ""  # the bad value is not used
    assert any("plain HTTP is only allowed to this computer; use https://" in p for p in effective.problems)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://127.8.9.10",
        "http://localhost:1",
        "http://[::1]:2",
        "https://crm.example",
    ],
)
def test_config_accepts_loopback_http_and_any_https(url: str, tmp_path: Path) -> None:
    effective = config.load(None, machine_file=tmp_path / "none.toml", environ={}, cli={"server_url": url})
    assert effective.config.server_url == url
    assert effective.problems == []


def test_rest_client_sends_nothing_to_a_plain_http_remote() -> None:
    requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={})

    async def main() -> None:
        transport = httpx.MockTransport(record)
        async with httpx.AsyncClient(base_url=REMOTE_PLAIN, transport=transport) as http:
            with pytest.raises(ApiError, match="only allowed to this computer"):
                await BackendApi(http).login("demo", "secret-password")

    asyncio.run(main())
    assert requests == []  # not even the sign-in left the machine


def test_websocket_client_refuses_plain_ws_to_a_remote() -> None:
    with pytest.raises(InsecureTransport):
        WsClient(REMOTE_PLAIN, lambda: "token")
    with pytest.raises(InsecureTransport):
        WsClient.for_url("ws://10.1.2.3:8765/api/v1/stream", lambda: "token")
    assert (
        WsClient("http://127.0.0.1:1", lambda: None).url("/api/v1/stream") == "ws://127.0.0.1:1/api/v1/stream"
    )
    assert (
        WsClient("https://crm.example/", lambda: None).url("api/x", {"a": 1}) == "wss://crm.example/api/x?a=1"
    )


@pytest.mark.gui
def test_login_dialog_refuses_plain_http_to_another_computer_without_connecting(
    aloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    window = MainWindow(sound=False, popup=False)
    desk = Desk(aloop, window, None)  # type: ignore[arg-type]
    attempts: list[str] = []

    async def connect_to(_paths: object, url: str, *_args: object, **_kw: object) -> object:
        attempts.append(url)
        raise AssertionError("no connection may be attempted")

    task = aloop.create_task(
        remote_login(window, Paths.under(tmp_path).create(), REMOTE_PLAIN, "", None, None, connect_to)
    )
    desk.wait_until(lambda: (d := window.findChild(LoginDialog)) is not None and d.isVisible())
    dialog = window.findChild(LoginDialog)
    assert dialog is not None
    dialog.user_edit.setText("demo")
    dialog.password_edit.setText("secret")
    dialog.done(QDialog.DialogCode.Accepted)
    desk.wait_until(dialog.error_label.isVisible)
    assert "Plain HTTP is only allowed to this computer; use https://" in dialog.error_label.text()
    assert dialog.isVisible() and attempts == []

    dialog.server_edit.setText("http://127.0.0.1:9")  # this computer: allowed (the attempt is made)
    dialog.done(QDialog.DialogCode.Accepted)
    desk.wait_until(lambda: attempts != [] or task.done())
    assert attempts == ["http://127.0.0.1:9"]
    task.cancel()
    window.close()
    window.deleteLater()


# --- the company CA on every WebSocket --------------------------------------------------------------


@pytest.fixture(scope="module")
def company_https_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Path]]:
    base = tmp_path_factory.mktemp("tls-ws")
    ca, cert, key = make_ca_and_server_cert(base)
    server = ServerThread(
        ServerOptions(data_dir=base / "backend", simulator=None, tls_cert=cert, tls_key=key)
    )
    server.start()
    yield server, ca
    server.stop()


async def _token(url: str, username: str, tls: ssl.SSLContext) -> str:
    async with httpx.AsyncClient(base_url=url, verify=tls, trust_env=False) as http:
        session = await BackendApi(http).login(username, "demo")
        return session.token


class _MonitorRecorder:
    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.details: list[str] = []

    def on_frame(self, _frame: object) -> bool:
        return True

    def on_connection(self, online: bool, detail: str) -> None:
        self.details.append(detail)
        if online:
            self.connected.set()


def _monitor(url: str, token: str, tls: ssl.SSLContext) -> _MonitorRecorder:
    async def main() -> _MonitorRecorder:
        recorder = _MonitorRecorder()
        stream = MonitorStream(WsClient(url, lambda: token, tls=tls, backoff=Backoff(0.05, 0.1)), recorder)
        task = asyncio.create_task(stream.run())
        try:
            await asyncio.wait_for(recorder.connected.wait(), 3)
        except TimeoutError:
            pass
        finally:
            await stream.close()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return recorder

    return asyncio.run(main())


def test_monitor_stream_trusts_the_company_ca_and_nothing_else(
    company_https_backend: tuple[ServerThread, Path],
) -> None:
    server, ca = company_https_backend
    company = ssl_context("bundled", str(ca))
    token = asyncio.run(_token(server.url, "lead", company))
    assert _monitor(server.url, token, company).connected.is_set()
    refused = _monitor(server.url, token, ssl_context("bundled"))
    assert not refused.connected.is_set()
    assert any("certificate verify failed" in d.lower() for d in refused.details)


def test_cobrowse_relay_trusts_the_company_ca_and_nothing_else(
    company_https_backend: tuple[ServerThread, Path],
) -> None:
    server, ca = company_https_backend
    company = ssl_context("bundled", str(ca))
    token = asyncio.run(_token(server.url, "demo", company))

    async def relay(tls: ssl.SSLContext) -> BaseException:
        try:
            connection = await RelayConnection.open(
                WsClient(server.url, lambda: token, tls=tls), "no-such-session"
            )
            try:
                async with asyncio.timeout(5):
                    async for _frame in connection.frames():
                        pass
            finally:
                await connection.close()
        except (RelayRefused, OSError) as exc:
            return exc
        raise AssertionError("the relay of a session that does not exist stayed open")

    # Trusted: TLS and the upgrade go through and the backend itself answers (no such session).
    answered = asyncio.run(relay(company))
    assert isinstance(answered, RelayRefused) and certificate_problem(answered) is None
    # Without the company CA the certificate is refused before any HTTP is spoken.
    untrusted = asyncio.run(relay(ssl_context("bundled")))
    assert certificate_problem(untrusted) is not None
