"""The history lists a call the telephony system and the CRM both logged as one row, and names
both systems with what each said when the row is opened (plain text: another system's words)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.test_history import CacheSource
from workstation.domain.models import TimelineEvent, utcnow
from workstation.store.cache import CacheStore, open_engine
from workstation.ui.history_panel import HistoryPanel


def test_a_call_and_its_crm_twin_are_one_row_naming_both_systems(qtbot: QtBot) -> None:
    store = CacheStore(open_engine(":memory:"))
    at = utcnow() - timedelta(hours=2)
    crm = {
        "id": "crm-1",
        "at": (at + timedelta(minutes=3)).isoformat(),
        "channel": "phone",
        "summary": "Activity",
        "data": {"outcome": "<b>callback_promised</b>", "source": "crm", "source_id": "act-9"},
    }
    store.apply(
        events=[
            TimelineEvent(
                id="tel-1",
                customer_id="c-1",
                at=at,
                channel="phone",
                kind="contact",
                summary="Call: router",
                data={"topic": "router", "outcome": "unresolved", "source": "telephony", "twins": [crm]},
            ),
            TimelineEvent(
                id="e2", customer_id="c-1", at=at - timedelta(days=1), channel="web", kind="page_view"
            ),
        ]
    )
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.bind(CacheSource(store), "c-1")
    assert [e.id for e in panel.model.entries()] == ["tel-1", "e2"]  # one row for the call
    assert panel.select("tel-1")
    assert panel.twins_label.isVisibleTo(panel)
    assert panel.twins_label.textFormat() == Qt.TextFormat.PlainText
    assert panel.twins_label.text() == "Logged by: telephony (unresolved) · crm (<b>callback_promised</b>)"
    assert panel.select("e2")
    assert not panel.twins_label.isVisibleTo(panel)
