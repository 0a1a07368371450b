"""Notes on the customer beside a conversation: read, add, edit; unsent and conflicting ones marked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workstation.services.records import NoteView
from workstation.ui.language import datetime_text
from workstation.ui.text import DATA_PROPERTY
from workstation.ui.theme import themed

STATE_MARKS = {
    "pending": ("· not sent yet", "#8a6d00"),
    "failed": ("· refused by the backend", "#b00020"),
    "conflict": ("· ⚠ changed by someone else: decide in the status bar", "#b00020"),
}

NoteRole = Qt.ItemDataRole.UserRole + 1


class _NoteEdit(QPlainTextEdit):
    """Ctrl+Enter saves (Enter alone makes a new line: notes are paragraphs)."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class NotesPanel(QWidget):
    """Signals: `note_added(text)`, `note_edited(note_id, text)`."""

    note_added = Signal(str)
    note_edited = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QStandardItemModel(self)
        self.list_view = QListView()
        self.list_view.setProperty(DATA_PROPERTY, True)
        self.list_view.setObjectName("notes")
        self.list_view.setModel(self.model)
        self.list_view.setWordWrap(True)
        self.list_view.setSpacing(2)
        self.list_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.list_view.doubleClicked.connect(lambda _index: self.start_edit())
        self.editor = _NoteEdit()
        self.editor.setObjectName("noteEdit")
        self.editor.setPlaceholderText(self.tr("Write a note about the customer — Ctrl+Enter saves"))
        self.editor.setMaximumHeight(70)
        self.editor.submitted.connect(self.save)
        self.save_button = QPushButton(self.tr("Add note"))
        self.save_button.clicked.connect(self.save)
        self.edit_button = QPushButton(self.tr("Edit selected"))
        self.edit_button.clicked.connect(self.start_edit)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.cancel_button.hide()
        self.mode_label = QLabel()
        self.mode_label.setStyleSheet(themed("color: #666;"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.mode_label, 1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list_view, 1)
        layout.addWidget(self.editor)
        layout.addLayout(buttons)
        self._editing: str | None = None
        self._views: dict[str, NoteView] = {}

    def show_notes(self, notes: list[NoteView]) -> None:
        self.model.clear()
        self._views = {view.note.id: view for view in notes}
        for view in notes:
            note = view.note
            when = datetime_text(note.updated_at)
            who = note.updated_by or note.author
            lines = [view.text, f"— {who}, {when}" if who else f"— {when}"]
            mark = STATE_MARKS.get(view.state)
            item = QStandardItem("\n".join(lines))
            item.setData(note.id, NoteRole)
            if mark is not None:
                item.setText(item.text() + f" {mark[0]}")
                item.setForeground(QBrush(QColor(mark[1])))
            self.model.appendRow(item)
        if self._editing is not None and self._editing not in self._views:
            self.cancel_edit()

    def note_ids(self) -> list[str]:
        return [str(self.model.item(row).data(NoteRole)) for row in range(self.model.rowCount())]

    def texts(self) -> list[str]:
        return [self._views[note_id].text for note_id in self.note_ids()]

    def start_edit(self, note_id: str | None = None) -> bool:
        if note_id is None:
            index = self.list_view.currentIndex()
            note_id = str(index.data(NoteRole)) if index.isValid() else None
        view = self._views.get(note_id or "")
        if view is None:
            return False
        self._editing = view.note.id
        self.editor.setPlainText(view.text)
        self.editor.setFocus()
        self.save_button.setText(self.tr("Save changes"))
        self.mode_label.setText(self.tr("Editing a note"))
        self.cancel_button.show()
        return True

    def cancel_edit(self) -> None:
        self._editing = None
        self.editor.clear()
        self.save_button.setText(self.tr("Add note"))
        self.mode_label.clear()
        self.cancel_button.hide()

    def save(self) -> None:
        text = self.editor.toPlainText().strip()
        if not text:
            return
        if self._editing is not None:
            self.note_edited.emit(self._editing, text)
        else:
            self.note_added.emit(text)
        self.cancel_edit()
