"""File ▸ Settings writes only what the user changed and says when a restart is needed; Help ▸ About
names the versions and the third-party licences, Qt's LGPL among them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from workstation.settings import Settings
from workstation.ui.about_dialog import AboutDialog, licences_text
from workstation.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui

CURRENT = {"language": "system", "server_url": "", "offer_sound": True, "offer_popup": True}


def test_saving_writes_only_the_changed_options_and_asks_for_a_restart_for_language(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = Settings.load(tmp_path / "settings.toml")
    dialog = SettingsDialog(settings, dict(CURRENT))
    qtbot.addWidget(dialog)
    assert not dialog.needs_restart() and dialog.note.text() == ""
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    dialog.sound.setChecked(False)
    assert dialog.needs_restart() and dialog.note.text()
    dialog._on_save()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert Settings.load(tmp_path / "settings.toml").values == {"language": "de", "offer_sound": False}


def test_a_bad_server_address_is_refused_and_nothing_is_written(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.toml")
    dialog = SettingsDialog(settings, dict(CURRENT))
    qtbot.addWidget(dialog)
    dialog.server.setText("ftp://example.com")
    dialog._on_save()
    assert dialog.error.isVisibleTo(dialog) and "server_url" in dialog.error.text()
    assert not (tmp_path / "settings.toml").exists()


def test_about_names_versions_and_the_qt_lgpl_notice(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert "PySide6" in dialog.versions_label.text() and "Qt" in dialog.versions_label.text()
    text = licences_text()
    assert "GNU Lesser General Public License version 3" in text
    assert "replace the Qt libraries" in text
    assert "httpx" in text and "SQLAlchemy" in text


def test_the_proxy_is_none_system_or_a_checked_url(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.toml")
    dialog = SettingsDialog(settings, dict(CURRENT))
    qtbot.addWidget(dialog)
    assert dialog.proxy_mode.currentData() == "none" and not dialog.proxy_url.isEnabled()
    dialog.proxy_mode.setCurrentIndex(dialog.proxy_mode.findData("manual"))
    assert dialog.proxy_url.isEnabled()
    for bad in ("proxy.example:3128", "ftp://proxy.example", "http://proxy.example:3128/path", "http://:80"):
        dialog.proxy_url.setText(bad)
        dialog._on_save()
        assert dialog.error.isVisibleTo(dialog) and "http://proxy.example:3128" in dialog.error.text(), bad
        assert not (tmp_path / "settings.toml").exists()
    dialog.proxy_url.setText("http://proxy.example:3128")
    assert dialog.needs_restart()
    dialog._on_save()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert Settings.load(tmp_path / "settings.toml").values == {"proxy": "http://proxy.example:3128"}

    again = SettingsDialog(settings, {**CURRENT, **settings.values})
    qtbot.addWidget(again)
    assert (
        again.proxy_mode.currentData() == "manual" and again.proxy_url.text() == "http://proxy.example:3128"
    )
    again.proxy_mode.setCurrentIndex(again.proxy_mode.findData("system"))
    again._on_save()
    assert Settings.load(tmp_path / "settings.toml").values == {"proxy": "system"}
