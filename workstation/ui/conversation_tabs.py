"""The open conversations, one tab each; a hint instead while there is none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QWidget

from workstation.domain.presence import Presence
from workstation.ui.text import mnemonic_free, tooltip
from workstation.ui.theme import themed

if TYPE_CHECKING:
    from workstation.ui.conversation_view import ConversationView


class ConversationTabs(QStackedWidget):
    """`views` maps conversation ids to their tab; the hint ("no open conversations") shows while it is
    empty and says what to do for the agent's presence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views: dict[str, ConversationView] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("conversations")
        self.tabs.setDocumentMode(True)
        self.tabs.setMovable(True)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet(themed("color: #666; font-size: 13pt;"))
        self.show_presence(Presence.OFFLINE.value)
        self.addWidget(self.empty_label)
        self.addWidget(self.tabs)

    def show_presence(self, presence: str) -> None:
        if presence == Presence.AVAILABLE.value:
            text = self.tr("No open conversations.\nNew chats are offered here as they arrive.")
        else:
            text = self.tr("No open conversations.\nSet yourself Available (Ctrl+1) to receive chats.")
        self.empty_label.setText(text)

    def add(self, view: ConversationView) -> None:
        """A new tab for `view` (focused if it is the only one)."""
        conv = view.conversation
        self.views[conv.id] = view
        index = self.tabs.addTab(view, mnemonic_free(conv.customer.name))
        self.tabs.setTabToolTip(index, tooltip(f"{conv.channel} · {conv.topic or ''}"))
        self.setCurrentWidget(self.tabs)
        if self.tabs.count() == 1:
            self.tabs.setCurrentIndex(0)
            view.focus_reply()

    def remove(self, conversation_id: str) -> ConversationView | None:
        view = self.views.pop(conversation_id, None)
        if view is None:
            return None
        self.tabs.removeTab(self.tabs.indexOf(view))
        view.deleteLater()
        if not self.views:
            self.setCurrentWidget(self.empty_label)
        elif self.tabs.currentWidget() is not None:
            self.tabs.currentWidget().setFocus()
        return view

    def of_customer(self, customer_id: str) -> list[ConversationView]:
        return [v for v in self.views.values() if v.conversation.customer.id == customer_id]

    def current(self) -> ConversationView | None:
        from workstation.ui.conversation_view import ConversationView

        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ConversationView) else None

    def select(self, conversation_id: str) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            self.tabs.setCurrentWidget(view)
            view.focus_reply()

    def step(self, step: int) -> None:
        if self.tabs.count():
            self.go((self.tabs.currentIndex() + step) % self.tabs.count())

    def go(self, index: int) -> None:
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)
            self.focus_reply()

    def focus_reply(self) -> None:
        view = self.current()
        if view is not None:
            view.focus_reply()
