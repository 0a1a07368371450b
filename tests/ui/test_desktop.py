"""The agent desktop end to end against the real backend: offers, conversations, wrap-up, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.helpers.backend import Backend, start_server
from tests.helpers.desk import Desk, close_desk, open_desk
from workstation.domain.models import Presence

pytestmark = pytest.mark.gui


def _go_available(desk: Desk) -> None:
    desk.window.set_presence(Presence.AVAILABLE)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    assert desk.window.presence_combo.currentData() == "available"


def _accept_next(
    desk: Desk, backend: Backend, customer_id: str = "c-1", text: str = "Hallo"
) -> tuple[dict, str]:  # type: ignore[type-arg]
    chat = backend.start_chat(customer_id, text, topic="delivery")
    conv_id = chat["conversation"]["id"]
    desk.wait_until(
        lambda: any(c.pending.offer.conversation_id == conv_id for c in desk.window.offer_cards.values())
    )
    card = next(c for c in desk.window.offer_cards.values() if c.pending.offer.conversation_id == conv_id)
    QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: conv_id in desk.window.views)
    return chat, conv_id


def test_offer_shows_customer_channel_topic_and_countdown(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    backend.start_chat("c-1", "Wo ist mein Paket?", topic="delivery")
    desk.wait_until(lambda: desk.window.offer_cards)
    (card,) = desk.window.offer_cards.values()
    assert "Jana Kowalski" in card.name_label.text()
    assert "Chat" in card.details_label.text() and "delivery" in card.details_label.text()
    assert "German" in card.details_label.text()
    assert 0 < card.countdown.value() <= 1000
    assert card.countdown.format().endswith("s left")
    assert desk.window.offer_area.isVisible()
    assert desk.controller.notifier is not None and "Jana Kowalski" in (
        desk.controller.notifier.last_notification or ""
    )


def test_accept_reply_and_wrap_up_round_trip(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    chat, conv_id = _accept_next(desk, backend, "c-1", "Hallo, wo ist mein Paket?")
    view = desk.window.views[conv_id]
    assert [e.message.text for e in view.transcript_model.entries()] == ["Hallo, wo ist mein Paket?"]
    # customer header and timeline come from the backend (cache first, then refreshed)
    desk.wait_until(lambda: "Gold" in view.customer_header.facts_label.text())
    assert view.customer_header.name_label.text() == "Jana Kowalski"
    assert "German" in view.customer_header.facts_label.text()
    desk.wait_until(lambda: len(view.timeline_model.entries()) == 25)
    newest = view.timeline_model.entries()
    assert [e.at for e in newest] == sorted((e.at for e in newest), reverse=True)

    backend.customer_says(chat, "Die Nummer ist 88231.")
    desk.wait_until(lambda: len(view.transcript_model.entries()) == 2)

    view.reply_edit.setFocus()
    QTest.keyClicks(view.reply_edit, "Einen Moment bitte.")
    QTest.keyClick(view.reply_edit, Qt.Key.Key_Return)
    assert view.reply_edit.toPlainText() == ""
    desk.wait_until(
        lambda: (
            [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"] == ["Einen Moment bitte."]
        )
    )
    desk.wait_until(lambda: view.transcript_model.entries()[-1].delivery == "sent")
    assert [e.message.text for e in view.transcript_model.entries()].count("Einen Moment bitte.") == 1

    desk.window.wrap_up_current()
    desk.wait_until(lambda: desk.controller.wrapup_dialog is not None)
    dialog = desk.controller.wrapup_dialog
    dialog.codes.setCurrentRow(1)
    QTest.keyClick(dialog.codes, Qt.Key.Key_Return)
    desk.wait_until(lambda: conv_id not in desk.window.views)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    conv = desk.run(desk.ws.api.conversation(conv_id))
    assert conv.state.value == "closed"
    assert conv.wrapup_code == "info_given"


def test_shift_return_makes_a_new_line_instead_of_sending(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend)
    view = desk.window.views[conv_id]
    QTest.keyClicks(view.reply_edit, "Zeile 1")
    QTest.keyClick(view.reply_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(view.reply_edit, "Zeile 2")
    assert view.reply_edit.toPlainText() == "Zeile 1\nZeile 2"
    assert desk.ws.store.count_pending() == 0


def test_reject_removes_the_offer_and_returns_the_chat_to_the_queue(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    chat = backend.start_chat("c-1")
    desk.wait_until(lambda: desk.window.offer_cards)
    QTest.keyClick(
        desk.window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    desk.wait_until(lambda: not desk.window.offer_cards)
    assert not desk.window.offer_area.isVisible()
    anna = backend.login("anna")
    backend.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=anna)
    (offer,) = backend.wait_for(lambda: backend.offers(anna))
    assert offer["conversation_id"] == chat["conversation"]["id"]
    assert desk.window.views == {}


@pytest.mark.parametrize("offer_timeout", [1.0])
def test_unanswered_offer_times_out_and_sets_the_agent_away(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    backend.start_chat("c-1")
    desk.wait_until(lambda: desk.window.offer_cards)
    desk.wait_until(lambda: not desk.window.offer_cards, timeout=6)
    desk.wait_until(lambda: desk.window.presence_combo.currentData() == "away")
    assert desk.ws.session.presence == Presence.AWAY
    assert "missed an offer" in desk.window.statusBar().currentMessage()


def test_two_conversations_at_once_in_their_own_tabs(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    first, first_id = _accept_next(desk, backend, "c-1", "Erste Frage")
    second, second_id = _accept_next(desk, backend, "c-3", "Zweite Frage")
    assert desk.window.tabs.count() == 2
    backend.customer_says(first, "an eins")
    backend.customer_says(second, "an zwei")
    one, two = desk.window.views[first_id], desk.window.views[second_id]
    desk.wait_until(
        lambda: len(one.transcript_model.entries()) == 2 and len(two.transcript_model.entries()) == 2
    )
    assert [e.message.text for e in one.transcript_model.entries()] == ["Erste Frage", "an eins"]
    assert [e.message.text for e in two.transcript_model.entries()] == ["Zweite Frage", "an zwei"]
    # keyboard: Alt+1 / Alt+2 switch tabs, Ctrl+PgDown cycles
    QTest.keyClick(desk.window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert desk.window.current_view() is one
    QTest.keyClick(desk.window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert desk.window.current_view() is two


def test_backend_restart_mid_conversation_catches_up_without_duplicates(
    desk: Desk, backend: Backend, tmp_path: Path
) -> None:
    _go_available(desk)
    chat, conv_id = _accept_next(desk, backend, "c-1", "Vor dem Neustart")
    view = desk.window.views[conv_id]
    port, data_dir = backend.server.port, backend.server.options.data_dir

    backend.server.stop()
    desk.wait_until(lambda: not desk.ws.sync.online)
    assert "Offline since" in desk.window.connection_label.text()
    # The agent keeps typing while the backend is down: the reply waits in the outbox.
    desk.ws.inbox.send(conv_id, "Während der Pause geschrieben")
    desk.wait_until(
        lambda: view.transcript_model.entries()[-1].message.text == "Während der Pause geschrieben"
    )
    assert view.transcript_model.entries()[-1].delivery == "pending"

    restarted = start_server(data_dir, port=port)
    backend.server = restarted
    try:
        desk.wait_until(lambda: desk.ws.sync.online, timeout=15)
        desk.wait_until(lambda: desk.ws.store.count_pending() == 0, timeout=15)
        backend.customer_says(chat, "Nach dem Neustart")
        desk.wait_until(lambda: len(view.transcript_model.entries()) == 3)
        texts = [e.message.text for e in view.transcript_model.entries()]
        assert texts == ["Vor dem Neustart", "Während der Pause geschrieben", "Nach dem Neustart"]
        assert all(e.delivery == "sent" for e in view.transcript_model.entries())
        agent_lines = [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"]
        assert agent_lines == ["Während der Pause geschrieben"]
        # the cache holds each message once, too
        assert [e.message.text for e in desk.ws.store.transcript(conv_id)] == texts
    finally:
        pass


def test_second_desktop_restores_open_conversations_from_a_fresh_start(
    aloop,
    backend: Backend,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    first = open_desk(aloop, tmp_path / "one", backend.url)
    try:
        _go_available(first)
        _chat, conv_id = _accept_next(first, backend)
    finally:
        close_desk(first)
    # Same agent, new machine (empty cache): the open conversation comes back from the backend.
    second = open_desk(aloop, tmp_path / "two", backend.url)
    try:
        second.wait_until(lambda: conv_id in second.window.views)
        # The tab opens first; its transcript follows from the reader thread (conversation ready).
        view = second.window.views[conv_id]
        second.wait_until(lambda: view.transcript_model.rowCount() > 0)
        assert [e.message.text for e in view.transcript_model.entries()] == ["Hallo"]
    finally:
        close_desk(second)


def test_refused_reply_is_shown_with_the_reason_and_kept(desk: Desk, backend: Backend) -> None:
    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend)
    # The conversation is closed elsewhere (another session of the same agent) ...
    other = backend.login("demo")
    closed = backend.http.post(
        f"/api/v1/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=other
    )
    assert closed.status_code == 200
    # ... while this desktop still sends a reply.
    desk.ws.inbox.send(conv_id, "Noch eine Frage?")
    desk.wait_until(lambda: desk.controller.refusal_box is not None)
    assert "already closed" in desk.controller.refusal_box.text()
    ((failed, reason),) = desk.ws.store.failed()
    assert failed.payload == {"text": "Noch eine Frage?"} and "already closed" in reason
    entries = desk.ws.store.transcript(conv_id)
    assert (entries[-1].message.text, entries[-1].delivery) == ("Noch eine Frage?", "failed")
    # The push of the close removed the tab; nothing was lost silently.
    desk.wait_until(lambda: conv_id not in desk.window.views)
