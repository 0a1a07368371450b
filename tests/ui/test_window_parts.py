"""The main window's parts on their own: the offer band, the status bar, and a window without services
(shown before sign-in) whose requests leave it as signals."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from workstation.domain.models import CustomerSummary, Offer, Presence, utcnow
from workstation.services.inbox import PendingOffer
from workstation.ui.main_window import MainWindow
from workstation.ui.offer_area import OfferArea
from workstation.ui.status_bar import StatusBar

pytestmark = pytest.mark.gui


def _pending(offer_id: str, lapses_in: float) -> PendingOffer:
    now = utcnow()
    offer = Offer(
        id=offer_id,
        conversation_id=f"cv-{offer_id}",
        customer=CustomerSummary(id="c-1", name="Jana Kowalski"),
        channel="chat",
        offered_at=now,
        expires_at=now + timedelta(seconds=lapses_in),
    )
    return PendingOffer(offer, time.monotonic() + lapses_in)


def test_the_offer_band_acts_on_the_offer_that_lapses_first_and_hides_when_empty(qtbot: QtBot) -> None:
    area = OfferArea()
    qtbot.addWidget(area)
    assert area.isHidden() and area.oldest() is None
    area.add(_pending("late", 30), window_height=760)
    area.add(_pending("soon", 5), window_height=760)
    assert not area.isHidden()
    with qtbot.waitSignal(area.accept_requested) as accepted:
        area.accept_oldest()
    assert accepted.args == ["soon"]
    with qtbot.waitSignal(area.reject_requested) as rejected:
        area.cards["late"].reject_clicked.emit("late")  # a card's own button
    assert rejected.args == ["late"]
    area.remove("soon", window_height=760)
    assert area.oldest() == "late"
    area.remove("late", window_height=760)
    assert area.isHidden() and area.cards == {}


def test_the_status_bar_shows_the_outbox_and_the_conflicts_only_when_there_are_any(qtbot: QtBot) -> None:
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show_outbox(3)
    assert "3" in bar.outbox_label.text()
    bar.show_outbox(0)
    assert bar.outbox_label.text() == ""
    bar.show_conflicts(2)
    assert not bar.conflicts_button.isHidden() and "2" in bar.conflicts_button.text()
    bar.show_conflicts(0)
    assert bar.conflicts_button.isHidden()
    bar.show_signed_out("<b>revoked</b>")
    assert bar.connection_label.text().endswith("<b>revoked</b>")
    assert bar.connection_label.textFormat() == Qt.TextFormat.PlainText  # the backend's words, as text


def test_a_window_without_services_turns_the_agents_requests_into_signals(qtbot: QtBot) -> None:
    window = MainWindow(sound=False, popup=False)
    qtbot.addWidget(window)
    assert window.controller is None and not window.presence_combo.isEnabled()
    with qtbot.waitSignal(window.presence_requested) as requested:
        window.set_presence(Presence.AVAILABLE)
    assert requested.args == [Presence.AVAILABLE]
    with qtbot.assertNotEmitted(window.wrap_up_requested):
        window.wrap_up_current()  # no conversation open: nothing to wrap up
    with qtbot.assertNotEmitted(window.offer_area.accept_requested):
        window.accept_oldest_offer()  # no offer
    window.show_presence(Presence.AVAILABLE.value, "missed_offer")
    assert window.presence_combo.currentData() == Presence.AVAILABLE.value
    assert "missed an offer" in window.status.currentMessage()
