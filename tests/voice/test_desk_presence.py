"""Presence follows the call on the agent's own desk: "On a call", then "After-call work" with a
countdown of the limit on the call panel, then the agent's presence again once the call is wrapped up
(here by the backend, when the after-call work runs out)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.desk import Desk, aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.voice.conftest import CALLER_NUMBER, VoiceStack, voice_stack
from tests.voice.test_call_flow import available
from tests.voice.test_desk_call import open_phone_desk
from workstation.domain.presence import Presence
from workstation.domain.voice import AFTER_CALL_CODE
from workstation.services.voice import CallState, DeskState
from workstation.ui.call_panel import CallPanel
from workstation.ui.call_presence import CALL_ITEM

pytestmark = pytest.mark.gui

#: Long enough to read the countdown on the panel, short enough for the backend to wrap up in the test.
LIMIT_S = 8.0


@pytest.fixture
def gui_voice(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[VoiceStack]:  # noqa: F811
    with voice_stack(tmp_path, aloop, after_call_work_s=LIMIT_S) as stack:
        yield stack


def wrap_up_codes(desk: Desk, conv_id: str) -> list[str]:
    """Opens the wrap-up dialog of `conv_id`: the codes it offers (the dialog stays open)."""
    desk.window.wrap_up_requested.emit(conv_id)
    desk.wait_until(lambda: desk.window.controller.wrapup_dialog is not None)
    dialog = desk.window.controller.wrapup_dialog
    return [str(dialog.codes.item(row).data(256)) for row in range(dialog.codes.count())]


def test_presence_selector_follows_the_call_and_the_after_call_work(gui_voice: VoiceStack) -> None:
    voice = gui_voice
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        service = desk.ws.voice
        assert service is not None
        combo = desk.window.presence_combo
        desk.wait_until(lambda: service.ready)
        available(voice, "demo")
        desk.wait_until(lambda: combo.currentData() == Presence.AVAILABLE.value)

        # A chat first: its wrap-up does not offer the code for after-call work that ran out.
        voice.backend.start_chat("c-1")
        desk.wait_until(lambda: desk.window.offer_cards)
        (chat_card,) = desk.window.offer_cards.values()
        desk.window.accept_offer(chat_card.pending.offer.id)
        desk.wait_until(lambda: len(desk.window.views) == 1)
        (chat_id,) = desk.window.views
        chat_codes = wrap_up_codes(desk, chat_id)
        assert "resolved" in chat_codes and AFTER_CALL_CODE not in chat_codes
        desk.window.controller.wrapup_dialog.codes.setCurrentRow(chat_codes.index("resolved"))
        desk.window.controller.wrapup_dialog.accept()
        desk.wait_until(lambda: not desk.window.views)
        assert combo.currentData() == Presence.AVAILABLE.value  # a chat is not a call

        caller = voice.phone(CALLER_NUMBER, register=False)
        voice.dial(caller)
        desk.wait_until(lambda: desk.window.offer_cards)
        (card,) = desk.window.offer_cards.values()
        desk.window.accept_offer(card.pending.offer.id)
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)

        # On the call: the selector says so (an entry that cannot be chosen), the backend presence stays.
        assert combo.currentData() == CALL_ITEM and combo.currentText() == "On a call"
        assert not combo.model().item(combo.currentIndex()).isEnabled()  # type: ignore[attr-defined]
        assert desk.ws.session.presence == Presence.AVAILABLE
        view = next(iter(desk.window.views.values()))
        panel = view.findChild(CallPanel)
        assert panel is not None and not panel.after_call_label.isVisible()

        # The caller hangs up: after-call work, with the limit counting down on the call panel.
        caller.run(caller.client.hangup())
        desk.wait_until(lambda: service.desk_state == DeskState.AFTER_CALL_WORK)
        assert combo.currentText() == "After-call work"
        desk.wait_until(lambda: panel.after_call_label.text().startswith("Wrap-up due in 0:0"))
        assert panel.after_call_label.isVisible()
        first = panel.after_call_label.text()
        desk.wait_until(lambda: panel.after_call_label.text() != first)  # it counts (down)
        assert panel.after_call_label.text() < first
        call_codes = wrap_up_codes(desk, view.conversation.id)  # a call's wrap-up offers it
        assert AFTER_CALL_CODE in call_codes
        desk.window.controller.wrapup_dialog.reject()  # the agent leaves it to the limit

        # The limit runs out: the backend wraps up, the tab closes, the selector shows Available again.
        desk.wait_until(lambda: not desk.window.views, timeout=LIMIT_S + 15)
        desk.wait_until(lambda: combo.findData(CALL_ITEM) < 0)
        assert service.desk_state == DeskState.NONE
        assert combo.currentData() == Presence.AVAILABLE.value
    finally:
        close_desk(desk)
