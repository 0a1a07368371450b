"""Customer- and backend-controlled text is shown as text in the agent's window, never as HTML.

A hostile tester named a customer `<img src=file:///etc/passwd>` (and set a page title, a company,
notes, queue and agent names the same way): Qt's labels guess rich text and rendered it: images
loaded, links appeared, a `<h1 style="font-size:400px">` blew up the layout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QWidget

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk, close_desk, open_desk
from workstation.client.api import BackendApi
from workstation.client.monitor import MonitorApi
from workstation.domain.merge import FieldConflict, MergeResult
from workstation.domain.models import Customer, Presence, TimelineEvent, utcnow
from workstation.domain.page_state import PageState
from workstation.domain.queue_monitor import AgentStatus, MonitorSnapshot, QueueStats, WaitingTask
from workstation.services.queue_monitor import QueueMonitorService
from workstation.services.records import Conflict
from workstation.ui.cobrowse_view import CobrowseView
from workstation.ui.conflict_dialog import ConflictDialog
from workstation.ui.queue_monitor import QueueMonitorView

pytestmark = [pytest.mark.security, pytest.mark.gui]

IMG = "<img src=file:///etc/passwd>"
LINK = '<a href="file:///">x</a>'
BIG = '<h1 style="font-size:400px">BIG</h1>'
BOLD = "<b>bold</b>"
HOSTILE = (IMG, LINK, BIG, BOLD)
#: A value that carries all of them (fields that are short carry one each).
EVERYTHING = "".join(HOSTILE)


def _raw(text: str) -> str | None:
    """The hostile markup `text` carries unescaped, if any."""
    return next((h for h in HOSTILE if h in text), None)


def _item_view_tooltips(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return

    def walk(parent: QModelIndex) -> Iterator[str]:
        try:
            columns = model.columnCount(parent)
        except TypeError:  # a list model: one column (columnCount is private there)
            columns = 1
        for row in range(min(model.rowCount(parent), 200)):
            for column in range(columns):
                index = model.index(row, column, parent)
                for role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.WhatsThisRole):
                    value = index.data(role)
                    if isinstance(value, str):
                        yield value

    yield from walk(QModelIndex())


def audit(roots: list[QWidget]) -> tuple[list[str], int]:
    """(what renders hostile data as markup, how many labels showed hostile data safely)."""
    problems: list[str] = []
    shown = 0
    for root in roots:
        widgets = [root, *root.findChildren(QWidget)]
        for widget in widgets:
            where = f"{type(widget).__name__}({widget.objectName() or '?'})"
            if isinstance(widget, QLabel):
                text = widget.text()
                raw = _raw(text)
                if raw is not None and widget.textFormat() != Qt.TextFormat.PlainText:
                    problems.append(
                        f"label {where} renders {raw!r} as {widget.textFormat().name}: {text[:120]}"
                    )
                elif raw is not None or "&lt;" in text:
                    shown += 1
            tip = widget.toolTip()
            if _raw(tip) is not None:
                problems.append(f"tooltip of {where} renders {_raw(tip)!r}: {tip[:120]}")
            if isinstance(widget, QAbstractItemView):
                for tip in _item_view_tooltips(widget):
                    if _raw(tip) is not None:
                        problems.append(f"item tooltip in {where} renders {_raw(tip)!r}: {tip[:120]}")
    return problems, shown


def _hostile_customer(backend: Backend) -> None:
    server = backend.server
    assert server.backend is not None
    now = utcnow()
    customer = Customer(
        id="c-evil",
        name=f"Eve & {IMG}",
        language="en",
        value_tier="gold",
        clv=5000.0,
        email=f"eve@example.com{LINK}",
        phone=BOLD,
        company=f"Evil Corp {BIG}",
    )
    events = [
        TimelineEvent(
            id=f"c-evil-e{i}",
            customer_id="c-evil",
            at=now - timedelta(hours=i),
            channel=("web", "shop", "phone", "email")[i % 4],
            kind=("page_view", "order_placed", "contact", "contact")[i % 4],
            summary=f"{HOSTILE[i % 4]} event {i}",
            data={"order_id": "o-1"} if i % 4 == 1 else {},
        )
        for i in range(12)
    ]

    def work() -> None:
        server.backend.upsert_customer(customer)  # type: ignore[union-attr]
        server.backend.add_customer_events(events, push=False)  # type: ignore[union-attr]

    server.call(work)


def test_every_label_and_tooltip_of_the_agent_window_shows_hostile_data_as_text(
    desk: Desk, backend: Backend
) -> None:
    _hostile_customer(backend)
    desk.window.set_presence(Presence.AVAILABLE)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    chat = backend.start_chat(
        "c-evil",
        EVERYTHING,
        topic=BOLD,
        page={"url": "https://shop.test/p?q=" + IMG, "title": BIG},
    )
    conv_id = chat["conversation"]["id"]
    desk.wait_until(lambda: desk.window.offer_cards)
    (card,) = desk.window.offer_cards.values()
    problems, _ = audit([desk.window])
    assert card.name_label.text().count("&lt;img") == 1  # escaped inside our bold

    QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: conv_id in desk.window.views)
    view = desk.window.views[conv_id]
    # A note on the customer, as someone else's desktop (or script) may write it.
    demo = backend.login("demo")
    response = backend.http.post("/api/v1/customers/c-evil/notes", json={"text": EVERYTHING}, headers=demo)
    assert response.status_code in (200, 201), response.text
    header = view.customer_header
    desk.wait_until(lambda: "Evil Corp" in header.facts_label.text())
    desk.wait_until(lambda: view.history.model.rowCount() > 3)
    desk.wait_until(lambda: view.relevance_panel.ranking is not None)
    desk.wait_until(lambda: any(t == EVERYTHING for t in view.notes_panel.texts()))
    # An opened event of the history (its story line mixes links with event kinds).
    entries = [
        view.history.model.index(r, 0)
        for r in range(view.history.model.rowCount())
        if view.history.model.index(r, 0).data(view.history.model.EntryRole) is not None
    ]
    view.history.view.setCurrentIndex(entries[0])

    # A conflict on the hostile record, as the agent would see it.
    conflict = Conflict(
        item_id=1,
        kind="customer",
        customer_id="c-evil",
        title=f"Contact details {LINK}",
        merge=MergeResult(merged={}, conflicts=(FieldConflict("company", IMG, BIG, BOLD),)),
        theirs_by=f"anna {BOLD}",
    )
    dialog = ConflictDialog(conflict, header.name_label.text(), desk.window)
    dialog.show()

    # The cobrowse view's text fallback, fed what a customer's page can claim to be.
    def no_live_view(_url: str, _parent: Any) -> Any:
        raise RuntimeError(f"unavailable {IMG}")

    cobrowse = CobrowseView(desk.ws.cobrowse, conv_id, live_loader=no_live_view)
    cobrowse.show()
    desk.ws.cobrowse.page_changed.emit(
        conv_id, PageState(url="https://shop.test/" + LINK, title=BIG, complete=True)
    )
    desk.ws.cobrowse.problem.emit(conv_id, IMG)

    # The data did reach the screen (the audit below is not vacuous), as the characters it is.
    assert header.name_label.text() == f"Eve & {IMG}"
    # In a tab, "&" would underline the next character and bind Alt+<it> as a shortcut.
    tab = desk.window.tabs.tabText(desk.window.tabs.indexOf(view))
    assert tab == f"Eve && {IMG}"
    assert BIG in cobrowse.url_label.text()
    try:
        more, shown = audit([w for w in QApplication.topLevelWidgets() if w.isVisible()])
        problems += more
        assert problems == []
        assert shown >= 6
    finally:
        dialog.close()
        cobrowse.close()
        cobrowse.deleteLater()


def _stats(queue_id: str, name: str, **extra: object) -> QueueStats:
    return QueueStats(queue_id=queue_id, name=name, **extra)  # type: ignore[arg-type]


def test_queue_monitor_tiles_roster_and_waiting_list_show_hostile_names_as_text(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk = open_desk(aloop, tmp_path / "lead", backend.url, username="lead")
    try:
        service = QueueMonitorService(MonitorApi(BackendApi(desk.ws.http)))
        view = QueueMonitorView(service)
        view.show()
        now = utcnow()
        snapshot = MonitorSnapshot(
            version=1,
            at=now,
            window_s=1800,
            queues=(
                _stats("q1", f"Sales {IMG}", waiting=1, status="red", status_reason=BIG),
                _stats("q2", LINK),
            ),
            total=_stats("*", "All queues"),
            agents=(
                AgentStatus(
                    agent_id="a-1",
                    username=BOLD,
                    name=f"Mallory {IMG}",
                    state="available",
                    state_since=now,
                    reason=BIG,
                    queues=(LINK,),
                ),
            ),
            waiting=(
                WaitingTask(
                    conversation_id="cv-x", queue_id="q1", customer=IMG, topic=BOLD, waiting_since=now
                ),
            ),
        )
        assert service.on_frame(snapshot)
        desk.wait_until(lambda: "q1" in view.tiles)
        view.charts.show_queues([("q1", f"Sales {IMG}"), ("q2", LINK)])
        problems, shown = audit([view])
        assert view.tiles["q1"].name_label.text() == f"Sales {IMG}"
        assert problems == []
        assert shown >= 2
        view.close()
        desk.run(view.shutdown())
    finally:
        close_desk(desk)


def test_the_desktop_notification_of_an_offer_escapes_the_customers_topic(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from workstation.domain.models import Offer
    from workstation.ui import notifier as notifier_module

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(notifier_module.sys, "platform", "linux")
    monkeypatch.setattr(notifier_module, "_freedesktop_notify", lambda t, b: sent.append((t, b)) or True)
    window = QWidget()
    qtbot.addWidget(window)
    notifier = notifier_module.Notifier(window, tmp_path, sound=False, popup=True)
    notifier._tray = None  # the notify-send path (no tray offscreen anyway)
    offer = Offer.model_validate(
        {
            "id": "o-1",
            "conversation_id": "cv-1",
            "customer": {"id": "c-evil", "name": "Eve", "language": "en"},
            "channel": "chat",
            "topic": BOLD,
            "offered_at": utcnow(),
            "expires_at": utcnow() + timedelta(seconds=30),
        }
    )
    notifier.notify_offer(offer)
    ((_title, body),) = sent
    assert BOLD not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
