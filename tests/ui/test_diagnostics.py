"""“Save diagnostics…”: a zip with logs, versions and configuration, and never a token or customer data.

A canary customer chats with the signed-in agent through the real backend; the session token sits
in the keychain (an in-memory keyring backend); both are written into the log through the app's
own logging at debug level. The zip written from the Help menu must hold neither.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest

from tests.helpers.backend import Backend
from tests.helpers.desk import FAST_BACKOFF, Desk, close_desk
from workstation import __version__, config
from workstation.boot.wiring import attach, connect
from workstation.domain.models import Customer
from workstation.domain.redaction import Redactor
from workstation.logs import configure_logging, log_files
from workstation.paths import Paths
from workstation.services.diagnostics import DiagnosticsService
from workstation.services.session import SessionService, token_account
from workstation.store.secrets import KeyringSecretStore
from workstation.ui.main_window import MainWindow
from workstation.ui.notifier import Notifier

CANARY = Customer(
    id="c-canary",
    name="Zebulon Quargfeather",
    language="en",
    email="zebulon.quargfeather@example.org",
    phone="+49 170 5550199",
)


class InMemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend (the keyring API end to end) that keeps secrets in this process."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def app_logging(tmp_path: Path) -> Iterator[tuple[Path, Redactor]]:
    """The app's logging set-up at debug level; pytest's own handlers are put back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    redactor = Redactor()
    logs = tmp_path / "logs"
    configure_logging("debug", logs, redactor)
    yield logs, redactor
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    previous = keyring.get_keyring()
    ring = InMemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_diagnostics_zip_has_logs_versions_and_config_but_no_token_or_customer_data(
    aloop: asyncio.AbstractEventLoop,
    backend: Backend,
    tmp_path: Path,
    app_logging: tuple[Path, Redactor],
    memory_keyring: InMemoryKeyring,
) -> None:
    logs, redactor = app_logging
    server = backend.server
    assert server.backend is not None
    server.call(lambda: server.backend.upsert_customer(CANARY))  # type: ignore[union-attr]
    paths = Paths.under(tmp_path / "desk").create()
    effective = config.load(paths.settings_file, machine_file=tmp_path / "none.toml", environ={})
    diagnostics = DiagnosticsService(
        redactor, log_files=lambda: log_files(logs), config_report=effective.report
    )
    window = MainWindow(sound=False, popup=False, diagnostics=diagnostics)
    window.show()

    async def login(session: SessionService) -> Any:
        return await session.login("demo", "demo", remember=True)

    secrets = KeyringSecretStore()
    ws = aloop.run_until_complete(
        connect(paths, backend.url, login, secrets=secrets, backoff=FAST_BACKOFF, redactor=redactor)
    )
    diagnostics.customer_identifiers = ws.store.customer_identifiers
    attach(window, ws, Notifier(window, paths.cache, sound=False, popup=False))
    desk = Desk(aloop, window, ws)
    try:
        desk.wait_until(lambda: ws.sync.online)
        token = memory_keyring.get_password("workstation", token_account(backend.url, "demo"))
        assert token and token == ws.api.token  # the canary token: the real one, in the keychain

        # The canary customer's chat reaches the agent, who accepts it: the cache now knows them.
        agent = backend.login("demo")
        backend.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
        desk.wait_until(lambda: ws.session.presence.value == "available")
        backend.start_chat(CANARY.id, text="Hello, this is Zebulon, my order is late")
        desk.wait_until(lambda: bool(window.offer_cards))
        window.accept_oldest_offer()
        desk.wait_until(lambda: bool(window.views))
        desk.wait_until(lambda: ws.store.customer(CANARY.id) is not None)

        # Lines as careless code would log them, through the app's own loggers.
        logging.getLogger("workstation.client.api").debug(
            "sent headers {'Authorization': 'Bearer %s'}", token
        )
        logging.getLogger("workstation.services.sync").error("unexpected answer %s", token)
        logging.getLogger("workstation.services.customer_context").warning(
            "customer %s <%s>, phone %s, could not be refreshed", CANARY.name, CANARY.email, CANARY.phone
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        raw = "\n".join(p.read_text(encoding="utf-8") for p in log_files(logs))
        assert CANARY.name in raw, "the plant reached the log file"
        assert token not in raw, "tokens are redacted before any line is written"

        (tmp_path / "out").mkdir()
        target = tmp_path / "out" / "diagnostics.zip"
        window.diagnostics_action.trigger()
        dialog = window.diagnostics_dialog
        dialog.selectFile(str(target))
        saved = asyncio.Future[str]()
        window.diagnostics_saved.connect(lambda path: saved.done() or saved.set_result(path))
        dialog.accept()
        assert Path(desk.run(saved)) == target

        with zipfile.ZipFile(target) as archive:
            names = set(archive.namelist())
            texts = {name: archive.read(name).decode("utf-8") for name in names}
        assert {"README.txt", "versions.json", "config.toml", "logs/workstation.log"} <= names
        everything = "\n".join(texts.values())
        for secret in (token, CANARY.name, "Zebulon", "Quargfeather", CANARY.email, CANARY.phone, "5550199"):
            assert secret.lower() not in everything.lower(), f"{secret!r} leaked into the diagnostics"
        log_text = texts["logs/workstation.log"]
        assert "‹customer›" in log_text and "‹redacted›" in log_text  # the lines are there, scrubbed
        assert json.loads(texts["versions.json"])["workstation"] == __version__
        assert "server_url" in texts["config.toml"] and "built-in default" in texts["config.toml"]
        # the keychain still holds the token: diagnostics only read, and never the keychain
        assert memory_keyring.get_password("workstation", token_account(backend.url, "demo")) == token
    finally:
        close_desk(desk)


def test_diagnostics_report_a_target_that_cannot_be_written(
    aloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    diagnostics = DiagnosticsService(Redactor(), log_files=list, config_report=lambda: "")
    with pytest.raises(OSError):
        aloop.run_until_complete(diagnostics.save(blocker / "diagnostics.zip"))
    assert blocker.read_text() == "x"
