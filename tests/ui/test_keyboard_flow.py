"""The whole offer → reply → wrap-up flow from the keyboard alone, against the real backend; and
what assistive technology gets: names on the controls, a spoken announcement of a new offer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk

pytestmark = pytest.mark.gui


def _keys(
    widget: QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    QTest.keyClick(widget, key, modifiers)


def test_offer_reply_and_wrap_up_with_the_keyboard_only(desk: Desk, backend: Backend) -> None:
    window = desk.window
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    focus = QApplication.focusWidget() or window
    _keys(focus, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # Presence: Available
    desk.wait_until(lambda: desk.ws.session.presence.value == "available")
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)

    chat = backend.start_chat("c-1", "Wo ist mein Paket?", topic="delivery")
    conv_id = chat["conversation"]["id"]
    desk.wait_until(lambda: window.offer_cards)
    assert window.last_announcement.endswith("Jana Kowalski")
    card = next(iter(window.offer_cards.values()))
    assert card.accept_button.accessibleName() == "Accept the chat with Jana Kowalski"

    focus = QApplication.focusWidget() or window
    _keys(focus, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    desk.wait_until(lambda: conv_id in window.views)
    view = window.views[conv_id]
    _keys(QApplication.focusWidget() or window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    desk.wait_until(lambda: QApplication.focusWidget() is view.reply_edit)
    assert view.reply_edit.accessibleName() == "Reply to Jana Kowalski"
    QTest.keyClicks(view.reply_edit, "Einen Moment bitte.")
    _keys(view.reply_edit, Qt.Key.Key_Return)
    desk.wait_until(
        lambda: (
            [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"] == ["Einen Moment bitte."]
        )
    )
    # Tab leaves the reply box (it does not insert a tab character).
    _keys(view.reply_edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not view.reply_edit
    assert "\t" not in view.reply_edit.toPlainText()

    _keys(QApplication.focusWidget() or window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    desk.wait_until(lambda: desk.controller.wrapup_dialog is not None)
    dialog = desk.controller.wrapup_dialog
    desk.wait_until(lambda: dialog.isVisible())
    _keys(dialog.codes, Qt.Key.Key_Down)
    _keys(dialog.codes, Qt.Key.Key_Return)
    desk.wait_until(lambda: conv_id not in window.views)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    conv = desk.run(desk.ws.api.conversation(conv_id))
    assert conv.state.value == "closed" and conv.wrapup_code == "info_given"


def test_queue_tiles_take_focus_say_their_status_in_words_and_select_with_space(qtbot: object) -> None:
    from workstation.domain.queue_monitor import QueueStats
    from workstation.ui.queue_tile import QueueTile

    tile = QueueTile("q1")
    qtbot.addWidget(tile)  # type: ignore[attr-defined]
    tile.set_stats(QueueStats(queue_id="q1", name="Vertrieb", waiting=4, status="red"))
    assert tile.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert "off target" in tile.status_label.text()  # not colour only
    assert tile.accessibleName() == "Queue Vertrieb: off target, 4 waiting"
    with qtbot.waitSignal(tile.clicked) as blocker:  # type: ignore[attr-defined]
        QTest.keyClick(tile, Qt.Key.Key_Space)
    assert blocker.args == ["q1", False]
