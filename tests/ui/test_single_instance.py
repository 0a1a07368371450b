"""One desk per user and data folder: the second start finds the first and asks it to show itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from workstation.ui.single_instance import SingleInstance, server_name

pytestmark = pytest.mark.gui


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_second_start_raises_the_first_and_does_not_claim(qtbot: QtBot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.showMinimized()
    first = SingleInstance.claim(str(tmp_path / "data"))
    assert first is not None
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert SingleInstance.claim(str(tmp_path / "data")) is None
        assert not window.isMinimized()
        # Another data folder (or user) is another desk.
        other = SingleInstance.claim(str(tmp_path / "other"))
        assert other is not None
        other.close()
    finally:
        first.close()


def test_a_socket_left_by_a_crashed_desk_is_taken_over(qtbot: QtBot, tmp_path: Path) -> None:
    name = server_name(str(tmp_path / "data"))
    crashed = QLocalServer()
    assert crashed.listen(name)
    crashed.close()  # closed, but on Unix a stale file may stay; nobody answers on it
    instance = SingleInstance.claim(str(tmp_path / "data"))
    assert instance is not None and instance.server.isListening()
    instance.close()
