"""Base / theirs / mine for an edit the backend refused because the record changed meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from workstation.services.records import Conflict
from workstation.ui.labels import FIELDS, term
from workstation.ui.text import data_label, escape, mnemonic_free
from workstation.ui.theme import themed


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


class ConflictDialog(QDialog):
    """One row per conflicting field: what it was when the agent started (base), what was saved
    meanwhile (theirs) and the agent's value (mine), with a choice between theirs and mine.
    `chosen()` awaits {field: value}, or None when the agent postpones the decision."""

    def __init__(
        self, conflict: Conflict, customer_name: str, parent: QWidget | None = None, *, system: str = ""
    ) -> None:
        """`system`: the upstream system (a CRM such as Tryton) that changed the record, for a
        conflict a connector found; empty for an edit of this desk's own backend."""
        super().__init__(parent)
        self.conflict = conflict
        self.setMinimumWidth(620)
        if system:
            self.setWindowTitle(self.tr("Changed in {0}: {1}").format(system, conflict.title))
            intro = QLabel(
                self.tr(
                    "<b>{0}</b> of <b>{1}</b> was changed in {2} and in the desk since they last agreed. "
                    "Choose which value to keep; nothing is written until you do."
                ).format(escape(conflict.title), escape(customer_name), escape(system))
            )
        else:
            self.setWindowTitle(self.tr("Changed meanwhile: {0}").format(conflict.title))
            # Two whole sentences (a translation places the name where its grammar wants it).
            if conflict.theirs_by:
                text = self.tr(
                    "<b>{0}</b> of <b>{1}</b> was changed by someone else ({2}) while your change was "
                    "waiting to be sent. Choose which value to keep; nothing is saved until you do."
                ).format(escape(conflict.title), escape(customer_name), escape(conflict.theirs_by))
            else:
                text = self.tr(
                    "<b>{0}</b> of <b>{1}</b> was changed by someone else while your change was waiting "
                    "to be sent. Choose which value to keep; nothing is saved until you do."
                ).format(escape(conflict.title), escape(customer_name))
            intro = QLabel(text)
        intro.setTextFormat(Qt.TextFormat.RichText)  # the markup is ours; the data in it is escaped
        intro.setWordWrap(True)
        grid = QGridLayout()
        for column, header in enumerate(
            (
                self.tr("Field"),
                self.tr("Before (base)"),
                self.tr("In {0} (theirs)").format(system) if system else self.tr("Saved meanwhile (theirs)"),
                self.tr("Yours (mine)"),
            )
        ):
            label = QLabel(f"<b>{escape(header)}</b>")
            grid.addWidget(label, 0, column)
        self.groups: dict[str, tuple[QButtonGroup, QRadioButton, QRadioButton]] = {}
        for row, field in enumerate(conflict.fields, start=1):
            grid.addWidget(QLabel(term(FIELDS, field.name)), row, 0)
            base = data_label(_shown(field.base))
            base.setStyleSheet(themed("color: #666;"))
            base.setWordWrap(True)
            base.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(base, row, 1, Qt.AlignmentFlag.AlignTop)
            theirs = QRadioButton(mnemonic_free(_shown(field.theirs)))
            mine = QRadioButton(mnemonic_free(_shown(field.mine)))
            theirs.setObjectName(f"theirs-{field.name}")
            mine.setObjectName(f"mine-{field.name}")
            mine.setChecked(True)
            group = QButtonGroup(self)
            group.addButton(theirs)
            group.addButton(mine)
            grid.addWidget(theirs, row, 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(mine, row, 3, Qt.AlignmentFlag.AlignTop)
            self.groups[field.name] = (group, theirs, mine)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 2)
        grid.setColumnStretch(3, 2)
        buttons = QDialogButtonBox()
        self.keep_button = buttons.addButton(
            self.tr("Keep the chosen values"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.later_button = buttons.addButton(self.tr("Decide later"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        if conflict.merge.changes:
            others = ", ".join(term(FIELDS, n) for n in conflict.merge.changes)
            kept = data_label(self.tr("Your other changes ({0}) do not collide and are kept.").format(others))
            kept.setStyleSheet(themed("color: #1b7f3b;"))
            layout.addWidget(kept)
        layout.addWidget(buttons)
        self._future: asyncio.Future[dict[str, Any] | None] | None = None
        self.finished.connect(self._on_finished)

    def choose(self, field: str, side: str) -> None:
        _group, theirs, mine = self.groups[field]
        (theirs if side == "theirs" else mine).setChecked(True)

    def sides(self) -> dict[str, str]:
        """field -> "theirs" or "mine", as chosen (values may be equal on both sides; sides are not)."""
        return {
            name: "theirs" if theirs.isChecked() else "mine" for name, (_g, theirs, _m) in self.groups.items()
        }

    def choices(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for field in self.conflict.fields:
            _group, theirs, _mine = self.groups[field.name]
            result[field.name] = field.theirs if theirs.isChecked() else field.mine
        return result

    async def chosen(self) -> dict[str, Any] | None:
        self._future = asyncio.get_event_loop().create_future()
        self.open()
        return await self._future

    def _on_finished(self, result: int) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(self.choices() if result == QDialog.DialogCode.Accepted else None)
