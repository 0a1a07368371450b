"""File ▸ Settings: language, sounds and notifications, the server and the proxy. Saved to the user's settings
file (only what the user changed; see workstation/settings.py).

Sound and notifications apply at once. Language, server and proxy apply at the next start (the open
conversations and unsent work are kept meanwhile); the dialog says so when one of them changed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workstation import config
from workstation.domain.transport import PROXY_NONE, PROXY_SYSTEM
from workstation.settings import Settings
from workstation.ui.text import DATA_ITEM_ROLE, data_label
from workstation.ui.theme import themed

#: The proxy combo's entry for a URL typed in (the setting itself is then the URL).
MANUAL = "manual"
#: Options that are read at start (the connections are made then).
RESTART_KEYS = ("language", "server_url", "proxy")
#: Language choices; the languages are named in themselves, as every settings dialog does.
LANGUAGES = (("de", "Deutsch"), ("en", "English"))


class SettingsDialog(QDialog):
    """`values()` is what the user chose; `save()` writes it and says whether a restart is needed."""

    def __init__(self, settings: Settings, current: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.current = current
        self.setWindowTitle(self.tr("Settings"))
        self.language = QComboBox()
        self.language.setObjectName("settingsLanguage")
        self.language.addItem(self.tr("System language"), "system")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
            self.language.setItemData(self.language.count() - 1, True, DATA_ITEM_ROLE)
        index = self.language.findData(current.get("language", "system"))
        self.language.setCurrentIndex(max(index, 0))
        self.language.setAccessibleName(self.tr("Language"))
        self.sound = QCheckBox(self.tr("Play a sound for new offers"))
        self.sound.setChecked(bool(current.get("offer_sound", True)))
        self.popup = QCheckBox(self.tr("Desktop notification for new offers"))
        self.popup.setChecked(bool(current.get("offer_popup", True)))
        self.server = QLineEdit(str(current.get("server_url", "")))
        self.server.setObjectName("settingsServer")
        self.server.setPlaceholderText(self.tr("Empty: the built-in demo server"))
        self.server.setAccessibleName(self.tr("Server"))
        self.proxy_mode = QComboBox()
        self.proxy_mode.setObjectName("settingsProxyMode")
        self.proxy_mode.addItem(self.tr("No proxy"), PROXY_NONE)
        self.proxy_mode.addItem(self.tr("System proxy"), PROXY_SYSTEM)
        self.proxy_mode.addItem(self.tr("Manual proxy"), MANUAL)
        self.proxy_mode.setAccessibleName(self.tr("Proxy"))
        proxy = str(current.get("proxy", PROXY_NONE))
        self.proxy_mode.setCurrentIndex(max(self.proxy_mode.findData(proxy), 0))
        self.proxy_url = QLineEdit()
        self.proxy_url.setObjectName("settingsProxyUrl")
        self.proxy_url.setPlaceholderText("http://proxy.example:3128")
        self.proxy_url.setAccessibleName(self.tr("Proxy URL"))
        if proxy not in (PROXY_NONE, PROXY_SYSTEM):
            self.proxy_mode.setCurrentIndex(self.proxy_mode.findData(MANUAL))
            self.proxy_url.setText(proxy)
        self._on_proxy_mode_changed()
        self.proxy_mode.currentIndexChanged.connect(self._on_proxy_mode_changed)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.error = data_label()
        self.error.setStyleSheet(themed("color: palette(link);"))
        self.error.hide()
        for signal in (
            self.language.currentIndexChanged,
            self.server.textChanged,
            self.proxy_mode.currentIndexChanged,
            self.proxy_url.textChanged,
        ):
            signal.connect(self._update_note)

        form = QFormLayout()
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Server"), self.server)
        form.addRow(self.tr("Proxy"), self.proxy_mode)
        form.addRow(self.tr("Proxy URL"), self.proxy_url)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.sound)
        layout.addWidget(self.popup)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._update_note()

    def values(self) -> dict[str, Any]:
        return {
            "language": self.language.currentData(),
            "offer_sound": self.sound.isChecked(),
            "offer_popup": self.popup.isChecked(),
            "server_url": self.server.text().strip(),
            "proxy": self.proxy_url.text().strip()
            if self.proxy_mode.currentData() == MANUAL
            else self.proxy_mode.currentData(),
        }

    def needs_restart(self) -> bool:
        chosen = self.values()
        return any(chosen[key] != self._current(key) for key in RESTART_KEYS)

    def _current(self, key: str) -> Any:
        """The value in effect: the one given, else the option's built-in default."""
        return self.current.get(key, config.OPTIONS[key].default)

    def _on_proxy_mode_changed(self) -> None:
        self.proxy_url.setEnabled(self.proxy_mode.currentData() == MANUAL)

    def _update_note(self) -> None:
        self.note.setText(
            self.tr("Language, server and proxy change at the next start; open conversations are kept.")
            if self.needs_restart()
            else ""
        )

    def _on_save(self) -> None:
        # Only what the user changed is written: an unchanged value keeps following IT's machine file.
        chosen = {k: v for k, v in self.values().items() if v != self._current(k)}
        for key, value in chosen.items():
            _typed, problem = config.check(key, value)
            if problem and key == "proxy":
                self.error.setText(
                    self.tr("The proxy must be a URL such as http://proxy.example:3128 (without a path).")
                )
                self.error.show()
                self.proxy_url.setFocus()
                return
            if problem:
                self.error.setText(problem)
                self.error.show()
                return
        try:
            self.settings.update(**{k: (None if v == "" else v) for k, v in chosen.items()})
        except (OSError, ValueError) as exc:
            self.error.setText(self.tr("The settings could not be saved: {0}").format(exc))
            self.error.show()
            return
        self.accept()
