"""Sign-in to a backend: server, user, password; awaited without a nested event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.transport import plain_transport_problem
from workstation.ui.theme import themed


@dataclass(frozen=True, slots=True)
class Credentials:
    server: str
    username: str
    password: str
    remember: bool


class LoginDialog(QDialog):
    def __init__(self, server: str, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sign in"))
        self.server_edit = QLineEdit(server)
        self.user_edit = QLineEdit(username)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox(self.tr("Remember me on this computer (system keychain)"))
        self.remember_box.setChecked(True)
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)  # server errors are not markup
        self.error_label.setStyleSheet(themed("color: #b00020;"))
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        form = QFormLayout()
        form.addRow(self.tr("Server"), self.server_edit)
        form.addRow(self.tr("User"), self.user_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.remember_box)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self._future: asyncio.Future[Credentials | None] | None = None
        self.finished.connect(self._on_finished)
        (self.password_edit if username else self.user_edit).setFocus()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def done(self, result: int) -> None:
        # A plain http:// server on another computer would get the password in the clear: refuse it
        # here (accept() ends in done()), before any connection is attempted.
        if result == QDialog.DialogCode.Accepted and plain_transport_problem(self.server_edit.text().strip()):
            self.show_error(self.tr("Plain HTTP is only allowed to this computer; use https://"))
            self.server_edit.setFocus()
            return
        super().done(result)

    async def ask(self) -> Credentials | None:
        self._future = asyncio.get_event_loop().create_future()
        self.open()
        return await self._future

    def _on_finished(self, result: int) -> None:
        if self._future is None or self._future.done():
            return
        if result != QDialog.DialogCode.Accepted:
            self._future.set_result(None)
            return
        self._future.set_result(
            Credentials(
                server=self.server_edit.text().strip().rstrip("/"),
                username=self.user_edit.text().strip(),
                password=self.password_edit.text(),
                remember=self.remember_box.isChecked(),
            )
        )
