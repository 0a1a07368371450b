"""Asks for the wrap-up code when a conversation is closed; opened without a nested event loop."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.models import WrapUpCode
from workstation.ui.labels import wrapup_label
from workstation.ui.text import data_label


class WrapUpDialog(QDialog):
    """A list of codes; Enter or double-click picks one. `chosen()` awaits the answer."""

    def __init__(self, codes: list[WrapUpCode], customer_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Wrap up"))
        self.codes = QListWidget()
        for code in codes:
            item = QListWidgetItem(wrapup_label(code.code, code.label))
            item.setData(256, code.code)
            self.codes.addItem(item)
        self.codes.setCurrentRow(0)
        self.codes.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Close conversation"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(data_label(self.tr("How did the conversation with {0} end?").format(customer_name)))
        layout.addWidget(self.codes)
        layout.addWidget(buttons)
        self._future: asyncio.Future[str | None] | None = None
        self.finished.connect(self._on_finished)

    def selected_code(self) -> str | None:
        item = self.codes.currentItem()
        return str(item.data(256)) if item is not None else None

    async def chosen(self) -> str | None:
        """Show the dialog and wait for the agent's choice (None when cancelled)."""
        self._future = asyncio.get_event_loop().create_future()
        self.open()
        self.codes.setFocus()
        return await self._future

    def _on_finished(self, result: int) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(self.selected_code() if result == QDialog.DialogCode.Accepted else None)
