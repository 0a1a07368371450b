"""A call in German: the ringing card of an unknown caller with its search, the call panel while
talking, on hold and in after-call work, and the team lead's queue monitor with the call waiting.
Every visible text is checked as tests/ui/test_german.py checks the chat desk (names and data out)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from tests.helpers.desk import aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.ui.test_german import ENGLISH, english_in, german  # noqa: F401 (german: fixture)
from tests.voice.conftest import KNOWN_CUSTOMER, VoiceStack
from tests.voice.test_call_preview import ring
from tests.voice.test_desk_call import gui_voice, open_phone_desk  # noqa: F401 (gui_voice: fixture)
from workstation.services.voice import CallState
from workstation.ui.call_panel import CallPanel
from workstation.ui.queue_monitor import QueueMonitorView

pytestmark = pytest.mark.gui

UNKNOWN_NUMBER = "+4917099999"


def _routing_names(card: QWidget) -> tuple[str, ...]:
    """The names a team lead gave (queue, filter, their expressions) shown inside the card's why."""
    routing = card.pending.offer.routing  # type: ignore[attr-defined]
    if routing is None:
        return ()
    names = (
        routing.filter or "",
        routing.queue,
        routing.filter_expression or "",
        routing.worker_expression,
        *routing.facts,
        *routing.worker_facts,
    )
    return tuple(sorted((n for n in names if n), key=len, reverse=True))


def _german_text(text: str, *data: str) -> list[str]:
    bare = text
    for name in data:
        bare = bare.replace(name, " ")
    match = ENGLISH.search(bare)
    return [f"English word {match.group(0)!r} in {text!r}"] if match else []


@pytest.mark.usefixtures("german")
def test_a_call_and_the_queue_monitor_speak_german(gui_voice: VoiceStack) -> None:  # noqa: F811
    voice = gui_voice
    lead = open_phone_desk(voice, None, username="lead")
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        monitor = lead.window.monitor_view
        assert isinstance(monitor, QueueMonitorView)
        service, caller, card, preview = ring(voice, desk, UNKNOWN_NUMBER)  # nobody's number
        assert preview.search_edit.isVisible()
        names = (UNKNOWN_NUMBER, *_routing_names(card))
        problems = english_in([desk.window], names)
        problems += _german_text(preview.cards_label.text())

        # The team lead sees the call waiting (queue names are the team lead's data).
        lead.wait_until(lambda: monitor.waiting_model.rowCount() > 0)
        snapshot = monitor.service.snapshot
        assert snapshot is not None
        queues = tuple(sorted((q.name for q in snapshot.queues), key=len, reverse=True))
        names = (*names, *queues)
        problems += english_in([lead.window], names)

        preview.search_edit.setText("x")  # too short: the backend's reason, in German
        preview.search_button.click()
        desk.wait_until(lambda: preview.search_note.isVisible() and preview.search_note.text())
        too_short = preview.search_note.text()
        problems += _german_text(too_short)
        preview.search_edit.setText("nobody-at-all")  # nobody found
        preview.search_button.click()
        desk.wait_until(lambda: preview.search_note.isVisible() and preview.search_note.text() != too_short)
        problems += _german_text(preview.search_note.text())
        preview.search_edit.setText("anrufer")
        preview.search_button.click()
        desk.wait_until(lambda: preview.results.count() == 1)
        problems += english_in([desk.window], (*names, KNOWN_CUSTOMER.name, str(KNOWN_CUSTOMER.phone)))

        # Answered, on hold, hung up (after-call work): the call panel in each state.
        desk.window.accept_offer(card.pending.offer.id)
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        (view,) = desk.window.views.values()
        panel = view.findChild(CallPanel)
        assert isinstance(panel, CallPanel)
        problems += english_in([desk.window], names)
        lead.wait_until(lambda: monitor.waiting_model.rowCount() == 0)
        problems += english_in([lead.window], names)
        panel.hold_button.click()
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.HELD)
        problems += english_in([desk.window], names)
        panel.hold_button.click()
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        caller.run(caller.client.hangup())
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.ENDED)
        desk.wait_until(panel.after_call_label.isVisible)
        problems += english_in([desk.window], names)
        problems += english_in([lead.window], names)  # the agent in after-call work, for the team lead
        assert problems == [], "\n".join(problems)
    finally:
        close_desk(desk)
        close_desk(lead)
