"""The agent's cobrowse view: the customer's page (live, or as text), and the tools to guide them."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.cobrowse import CobrowseState, CobrowseStatus
from workstation.domain.page_state import PageState
from workstation.services.cobrowse import CobrowseService, CobrowseServiceError
from workstation.services.tasks import TaskSet
from workstation.ui.domain_text import error_text, render
from workstation.ui.labels import COBROWSE_STATES, term
from workstation.ui.text import data_label
from workstation.ui.theme import themed

log = logging.getLogger(__name__)


def load_live_view(base_url: str, parent: QWidget | None = None) -> QWidget:
    """The live replay (QtWebEngine, imported only now); raises RuntimeError with a reason if it cannot."""
    try:
        from workstation.ui import cobrowse_live
    except ImportError as exc:
        reason = QCoreApplication.translate("CobrowseView", "QtWebEngine is not available ({0}).")
        raise RuntimeError(reason.format(exc.name or exc)) from exc
    try:
        return cobrowse_live.LiveReplay(cobrowse_live.replay_html(), base_url, parent)
    except cobrowse_live.LiveViewUnavailable as exc:
        raise RuntimeError(str(exc)) from exc


def _tool_button(text: str) -> QToolButton:
    """A checkable tool button (set one by one: PySide6's stubs know no property keywords)."""
    button = QToolButton()
    button.setText(text)
    button.setCheckable(True)
    return button


class CobrowseView(QWidget):
    """One conversation's cobrowse session, wired to the CobrowseService; no signals of its own.

    The live view is created when the session starts sharing; until then, and whenever it is
    unavailable or fails, the page is shown as text from the same events (URL, title, headings,
    masked fields, links).
    """

    live_failed = Signal(str)

    def __init__(
        self,
        service: CobrowseService,
        conversation_id: str,
        parent: QWidget | None = None,
        *,
        live_loader: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cobrowseView")
        self.service = service
        self.conversation_id = conversation_id
        self._live_loader = live_loader or load_live_view
        self._tasks = TaskSet()
        self.live: Any = None
        self.live_problem: str | None = None
        self._page = PageState()

        self.state_label = data_label()
        self.state_label.setObjectName("cobrowseState")
        self.state_label.setStyleSheet(themed("font-weight: bold;"))
        self.url_label = data_label()  # the customer's page title and address
        self.url_label.setObjectName("cobrowseUrl")
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url_label.setStyleSheet(themed("color: #555;"))

        self.pointer_button = _tool_button(self.tr("Pointer"))
        self.pointer_button.setToolTip(self.tr("Show the customer where your mouse points"))
        self.highlight_button = _tool_button(self.tr("Highlight"))
        self.highlight_button.setToolTip(self.tr("Click an element to highlight it on the customer's screen"))
        self._tools = QButtonGroup(self)
        self._tools.setExclusive(False)
        for button in (self.pointer_button, self.highlight_button):
            self._tools.addButton(button)
            button.toggled.connect(self._on_tool_toggled)
        self.text_button = _tool_button(self.tr("Text view"))
        self.text_button.setToolTip(self.tr("Show the page as text (also when the live view is unavailable)"))
        self.text_button.toggled.connect(self._show_body)
        self.goto_edit = QLineEdit()
        self.goto_edit.setObjectName("cobrowseGoto")
        self.goto_edit.setPlaceholderText(self.tr("Page of the same site, e.g. /shop/help/returns"))
        self._completer = QCompleter([], self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.goto_edit.setCompleter(self._completer)
        self.goto_edit.returnPressed.connect(self._on_goto_clicked)
        self.goto_button = QPushButton(self.tr("Send page"))
        self.goto_button.setToolTip(self.tr("Ask the customer to go to this page"))
        self.goto_button.clicked.connect(self._on_goto_clicked)
        self.end_button = QPushButton(self.tr("End cobrowse"))
        self.end_button.setObjectName("cobrowseEnd")
        self.end_button.clicked.connect(self._on_end_clicked)

        tools = QHBoxLayout()
        for w in (self.pointer_button, self.highlight_button, self.text_button):
            tools.addWidget(w)
        tools.addWidget(self.goto_edit, 1)
        tools.addWidget(self.goto_button)
        tools.addWidget(self.end_button)

        self.note_label = data_label()  # relay problems and backend messages
        self.note_label.setObjectName("cobrowseNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(themed("color: #8a4b00;"))
        self.note_label.hide()

        self.waiting_label = QLabel(self.tr("Waiting for the customer's page…"))
        self.waiting_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_view = QPlainTextEdit()
        self.text_view.setObjectName("cobrowseText")
        self.text_view.setReadOnly(True)
        self.body = QStackedWidget()
        self.body.addWidget(self.waiting_label)
        self.body.addWidget(self.text_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_label)
        layout.addWidget(self.url_label)
        layout.addLayout(tools)
        layout.addWidget(self.note_label)
        layout.addWidget(self.body, 1)

        service.status_changed.connect(self._on_service_status_changed)
        service.events_received.connect(self._on_service_events_received)
        service.view_reset.connect(self._on_service_view_reset)
        service.page_changed.connect(self._on_service_page_changed)
        service.problem.connect(self._on_service_problem)
        service.relay_changed.connect(self._on_service_relay_changed)
        status = service.status(conversation_id)
        if status is not None:
            self.show_status(status)
        self._show_page(service.page(conversation_id))

    # --- what the service says -------------------------------------------------------------------

    def show_status(self, status: CobrowseStatus) -> None:
        session = status.session
        state = session.state if session else None
        self.state_label.setText(term(COBROWSE_STATES, state.value) if state else "")
        sharing = state == CobrowseState.ACTIVE
        for w in (self.pointer_button, self.highlight_button, self.goto_edit, self.goto_button):
            w.setEnabled(sharing)
        self.end_button.setEnabled(bool(session and not session.terminal))
        starting = state in (CobrowseState.ACCEPTED, CobrowseState.ACTIVE)
        if starting and self.live is None and not self.live_problem:
            self._start_live()
        self._show_body()

    def _start_live(self) -> None:
        try:
            self.live = self._live_loader(self.service.base_url, self)
        except RuntimeError as exc:
            self._on_live_failed(str(exc))
            return
        self.live.failed.connect(self._on_live_failed)
        self.live.ready.connect(self._show_body)
        self.live.pointed.connect(self._on_live_pointed)
        self.live.picked.connect(self._on_live_picked)
        self.body.addWidget(self.live)
        self._on_tool_toggled()

    def _on_live_failed(self, reason: str) -> None:
        # Never a crash: the agent keeps the page as text, and is told why.
        self.live_problem = reason
        if self.live is not None:
            self.body.removeWidget(self.live)
            self.live.deleteLater()
            self.live = None
        self._note(self.tr("Live view unavailable: {0} Showing the page as text.").format(reason))
        self.pointer_button.setChecked(False)
        self.pointer_button.setEnabled(False)
        self.live_failed.emit(reason)
        self._show_body()

    def _show_body(self) -> None:
        if self.live is not None and self.live.is_ready and not self.text_button.isChecked():
            self.body.setCurrentWidget(self.live)
        elif self._page.complete or self.text_button.isChecked() or self.live_problem:
            self.body.setCurrentWidget(self.text_view)
        else:
            self.body.setCurrentWidget(self.waiting_label)

    def _on_service_status_changed(self, conversation_id: str, status: CobrowseStatus) -> None:
        if conversation_id == self.conversation_id:
            self.show_status(status)

    def _on_service_events_received(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        if conversation_id == self.conversation_id and self.live is not None:
            self.live.add_events(events)

    def _on_service_view_reset(self, conversation_id: str) -> None:
        if conversation_id == self.conversation_id and self.live is not None:
            self.live.reset()

    def _on_service_page_changed(self, conversation_id: str, page: PageState) -> None:
        if conversation_id == self.conversation_id:
            self._show_page(page)

    def _on_service_problem(self, conversation_id: str, message: str) -> None:
        if conversation_id == self.conversation_id:
            self._note(render(message))  # the relay's fixed texts are catalogue entries

    def _on_service_relay_changed(self, conversation_id: str, connected: bool, detail: str) -> None:
        if conversation_id == self.conversation_id and not connected and detail:
            self._note(self.tr("Connection to the customer's page: {0}").format(render(detail)))
        elif conversation_id == self.conversation_id and connected and not self.live_problem:
            self.note_label.hide()

    def _show_page(self, page: PageState) -> None:
        self._page = page
        self.url_label.setText(f"{page.title} — {page.url}" if page.title else page.url)
        self.text_view.setPlainText(self.page_text(page))
        links = sorted({link.href for link in page.links})
        self._completer.model().setStringList(links)  # type: ignore[attr-defined]
        self._show_body()

    def page_text(self, page: PageState) -> str:
        """The page as text in the agent's language (PageState.as_text is the English of logs and
        tests); what came from the page (title, labels, values, links) stays as it is."""
        if not page.complete:
            return self.tr("Waiting for the customer's page…")
        lines = [page.title or self.tr("(no title)"), page.url, ""]
        if page.headings:
            lines += [self.tr("Headings:"), *(f"  {h}" for h in page.headings), ""]
        if page.fields:
            lines.append(self.tr("Form fields:"))
            for f in page.fields:
                if f.checked is not None:
                    shown = self.tr("checked") if f.checked else self.tr("not checked")
                elif f.masked:
                    shown = self.tr("(masked)")
                else:
                    shown = f.value or self.tr("(empty)")
                lines.append(f"  {f.label} [{f.kind}]: {shown}")
            lines.append("")
        if page.blocked:
            hidden = self.tr(
                "%n region(s) hidden by the customer's page (e.g. card details).", "", page.blocked
            )
            lines += [hidden, ""]
        if page.links:
            lines += [self.tr("Links:"), *(f"  {link.text} → {link.href}" for link in page.links[:40])]
        return "\n".join(lines).rstrip() + "\n"

    def _note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    # --- the agent's tools -----------------------------------------------------------------------

    def _on_tool_toggled(self, _checked: bool = False) -> None:
        sender = self.sender()
        # The two tools exclude each other, but both may be off.
        if sender is self.pointer_button and self.pointer_button.isChecked():
            self.highlight_button.setChecked(False)
        elif sender is self.highlight_button and self.highlight_button.isChecked():
            self.pointer_button.setChecked(False)
        mode = (
            "pointer"
            if self.pointer_button.isChecked()
            else "highlight"
            if self.highlight_button.isChecked()
            else "none"
        )
        if self.live is not None:
            self.live.set_mode(mode)

    def _on_live_pointed(self, x: float, y: float) -> None:
        self._run(self.service.pointer(self.conversation_id, x, y), "pointer")

    def _on_live_picked(self, node: int, label: str) -> None:
        self._run(self.service.highlight(self.conversation_id, node, label), "highlight")
        self._note(self.tr("Highlighted for the customer: {0}").format(label))

    def _on_goto_clicked(self) -> None:
        target = self.goto_edit.text().strip()
        if target:
            self._run(self._send_page(target), "navigate")

    async def _send_page(self, target: str) -> None:
        url = await self.service.navigate(self.conversation_id, target)
        self._note(self.tr("Sent to the customer: {0}").format(url))
        self.goto_edit.clear()

    def _on_end_clicked(self) -> None:
        self.end_button.setEnabled(False)
        self._run(self.service.end(self.conversation_id), "end")

    def _run(self, coro: Any, name: str) -> None:
        self._tasks.start(self._guarded(coro), f"cobrowse-{name}")

    async def _guarded(self, coro: Any) -> None:
        try:
            await coro
        except CobrowseServiceError as exc:
            self._note(error_text(exc))

    async def shutdown(self) -> None:
        await self._tasks.cancel_all()
