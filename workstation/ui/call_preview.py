"""On a ringing call's offer card: who is calling and the relevance panel's first cards, before the
agent answers; for an unknown caller, a search to find them by name, number or e-mail."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QListWidget, QPushButton, QVBoxLayout, QWidget

from workstation.domain.models import Customer
from workstation.domain.relevance import Ranking
from workstation.ui.domain_text import render
from workstation.ui.text import data_label

# How many of the relevance panel's cards the ringing card shows (the tab shows all once answered).
PREVIEW_CARDS = 3
# Results shown for a caller search (the backend sends at most ten).
MAX_RESULTS_SHOWN = 10
# The longest search text (the backend bounds it too).
SEARCH_MAX = 100
# Result rows: name and contact fields, elided so one long record cannot widen the card.
ROW_MAX = 120


class CallPreview(QFrame):
    """Signals: `search_requested(text)` when the agent searches for an unknown caller,
    `link_requested(customer_id)` when they pick the customer found as the caller."""

    search_requested = Signal(str)
    link_requested = Signal(str)

    def __init__(self, known_caller: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callPreview")
        self.cards_label = data_label(self.tr("Looking at the history…"))  # card titles carry customer data
        self.cards_label.setObjectName("callPreviewCards")
        self.cards_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.addWidget(self.cards_label)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Find the caller: name, number or e-mail"))
        self.search_edit.setMaxLength(SEARCH_MAX)
        self.search_edit.returnPressed.connect(self._on_search)
        self.search_button = QPushButton(self.tr("Find"))
        self.search_button.clicked.connect(self._on_search)
        self.results = QListWidget()
        self.results.setObjectName("callerResults")
        self.results.setMaximumHeight(90)
        self.results.hide()
        self.results.itemSelectionChanged.connect(self._on_results_item_selection_changed)
        self.results.itemActivated.connect(lambda _item: self._on_link())
        # the customer ids of the result rows, in their order
        self.result_ids: list[str] = []
        self.link_button = QPushButton(self.tr("This is the caller"))
        self.link_button.setToolTip(self.tr("Link this call to the customer selected above"))
        self.link_button.setEnabled(False)
        self.link_button.clicked.connect(self._on_link)
        self.link_button.hide()
        self.search_note = data_label()
        self.search_note.hide()
        if not known_caller:
            row = QHBoxLayout()
            row.addWidget(self.search_edit, 1)
            row.addWidget(self.search_button)
            layout.addLayout(row)
            layout.addWidget(self.search_note)
            layout.addWidget(self.results)
            layout.addWidget(self.link_button)
        else:
            for widget in (self.search_edit, self.search_button):
                widget.hide()

    def show_ranking(self, ranking: Ranking) -> None:
        titles = [render(card.title) for card in ranking.cards[:PREVIEW_CARDS]]
        if titles:
            self.cards_label.setText(self.tr("Next best actions: {0}").format(" · ".join(titles)))
        else:
            self.cards_label.setText(self.tr("Nothing in the history calls for attention."))

    def show_results(self, customers: list[Customer]) -> None:
        self.results.clear()
        self.result_ids = [customer.id for customer in customers[:MAX_RESULTS_SHOWN]]
        for customer in customers[:MAX_RESULTS_SHOWN]:
            fields = [customer.name, customer.phone or "", customer.email or ""]
            text = " · ".join(f for f in fields if f)
            self.results.addItem(text if len(text) <= ROW_MAX else text[: ROW_MAX - 1] + "…")
        self.results.setVisible(bool(customers))
        self.link_button.setVisible(bool(customers))
        self.link_button.setEnabled(False)
        self.search_note.setVisible(not customers)
        self.search_note.setText("" if customers else self.tr("No customer matches."))

    def show_search_error(self, message: str) -> None:
        self.results.hide()
        self.link_button.hide()
        self.search_note.setText(message[:200])
        self.search_note.show()

    def show_linking(self, busy: bool) -> None:
        self.link_button.setEnabled(not busy and bool(self.results.selectedItems()))
        self.results.setEnabled(not busy)

    def show_linked(self, name: str) -> None:
        """The call is the found customer's now: nothing left to search."""
        for widget in (self.search_edit, self.search_button, self.results, self.link_button):
            widget.hide()
        self.search_note.setText(self.tr("Call linked to {0}").format(name[:ROW_MAX]))
        self.search_note.show()

    def _on_results_item_selection_changed(self) -> None:
        self.link_button.setEnabled(bool(self.results.selectedItems()))

    def _on_link(self) -> None:
        row = self.results.currentRow()
        if 0 <= row < len(self.result_ids) and self.results.isEnabled():
            self.link_requested.emit(self.result_ids[row])

    def _on_search(self) -> None:
        text = self.search_edit.text().strip()
        if text:
            self.search_requested.emit(text)
