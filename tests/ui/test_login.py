"""Signing in to a remote backend: the dialog, refusals, and the token kept only in the keychain."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from workstation.boot.desktop import remote_login
from workstation.paths import Paths
from workstation.services.session import token_account
from workstation.store.secrets import MemorySecretStore
from workstation.ui.login_dialog import LoginDialog
from workstation.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _dialog(window: MainWindow) -> LoginDialog | None:
    return window.findChild(LoginDialog)


def test_login_dialog_refuses_then_signs_in_and_remembers_in_the_keychain(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    window = MainWindow(sound=False, popup=False)
    secrets = MemorySecretStore()
    paths = Paths.under(tmp_path).create()
    desk = Desk(aloop, window, None)  # type: ignore[arg-type]
    task = aloop.create_task(remote_login(window, paths, backend.url, "", secrets, None))
    desk.wait_until(lambda: _dialog(window) is not None and _dialog(window).isVisible())
    dialog = _dialog(window)
    assert dialog is not None
    assert dialog.server_edit.text() == backend.url
    dialog.user_edit.setText("demo")
    dialog.password_edit.setText("wrong")
    dialog.done(QDialog.DialogCode.Accepted)
    desk.wait_until(lambda: dialog.error_label.isVisible())
    assert "wrong password" in dialog.error_label.text()

    dialog.password_edit.setText("demo")
    dialog.done(QDialog.DialogCode.Accepted)
    desk.wait_until(task.done)
    workstation = task.result()
    assert workstation is not None and workstation.session.agent is not None
    account = token_account(backend.url, "demo")
    token = secrets.get(account)
    assert token and workstation.api.token == token
    # The token is nowhere in the cache file.
    desk.run(workstation.close())
    cache_bytes = b"".join(p.read_bytes() for p in paths.data.glob("cache-*"))
    assert token.encode() not in cache_bytes

    # Next start: the remembered token signs in without a dialog.
    again = desk.run(remote_login(window, paths, backend.url, "demo", secrets, None))
    assert again is not None and again.session.agent is not None
    assert again.session.agent.username == "demo"
    desk.run(again.close())
    window.close()


def test_cancelled_login_ends_cleanly_and_a_keychain_problem_is_shown(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    window = MainWindow(sound=False, popup=False)
    desk = Desk(aloop, window, None)  # type: ignore[arg-type]
    problem = "No system keychain is available (keyring found no usable backend)."
    task = aloop.create_task(
        remote_login(window, Paths.under(tmp_path).create(), backend.url, "", None, problem)
    )
    desk.wait_until(lambda: _dialog(window) is not None and _dialog(window).isVisible())
    dialog = _dialog(window)
    assert dialog is not None and problem in dialog.error_label.text()
    dialog.reject()
    desk.wait_until(task.done)
    assert task.result() is None
    window.close()
