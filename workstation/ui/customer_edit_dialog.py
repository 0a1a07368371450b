"""Edits the customer's contact details (the fields agents may correct); opened without a nested loop."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from workstation.domain.models import EDITABLE_CUSTOMER_FIELDS, EDITABLE_FIELD_MAX
from workstation.ui.labels import FIELDS, term
from workstation.ui.theme import themed


class CustomerEditDialog(QDialog):
    """One line per editable field, prefilled with what the agent sees. `chosen()` awaits the values."""

    def __init__(self, name: str, values: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Contact details of {0}").format(name))
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for field in EDITABLE_CUSTOMER_FIELDS:
            edit = QLineEdit(str(values.get(field) or ""))
            edit.setObjectName(f"edit-{field}")
            edit.setMaxLength(EDITABLE_FIELD_MAX)
            self.edits[field] = edit
            form.addRow(term(FIELDS, field), edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            self.tr(
                "Saved at once on this desktop and sent when the backend is reachable. If someone else "
                "changed the same field meanwhile, you will be asked which value to keep."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet(themed("color: #666;"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._future: asyncio.Future[dict[str, str] | None] | None = None
        self.finished.connect(self._on_finished)

    def values(self) -> dict[str, str]:
        return {field: edit.text().strip() for field, edit in self.edits.items()}

    async def chosen(self) -> dict[str, str] | None:
        self._future = asyncio.get_event_loop().create_future()
        self.open()
        next(iter(self.edits.values())).setFocus()
        return await self._future

    def _on_finished(self, result: int) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(self.values() if result == QDialog.DialogCode.Accepted else None)
