"""The desk answers a call: the real window and services, the agent's baresip driven over ctrl_tcp."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.desk import FAST_BACKOFF, Desk, aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.voice.conftest import CALLER_NUMBER, KNOWN_CUSTOMER, VoiceStack, voice_stack
from tests.voice.test_call_flow import available
from workstation.boot.wiring import attach, connect
from workstation.paths import Paths
from workstation.services.session import SessionService
from workstation.services.voice import CallState
from workstation.store.secrets import MemorySecretStore
from workstation.ui.call_panel import CallPanel
from workstation.ui.main_window import MainWindow
from workstation.ui.notifier import Notifier

pytestmark = pytest.mark.gui


@pytest.fixture
def gui_voice(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[VoiceStack]:  # noqa: F811
    with voice_stack(tmp_path, aloop) as stack:
        yield stack


def open_phone_desk(
    stack: VoiceStack, ctrl_port: int | None, username: str = "demo", *, softphone: str | None = None
) -> Desk:
    """`softphone`: the desk's setting as is ("desk": desk-phone mode); default: the control port."""
    paths = Paths.under(stack.tmp / f"desk-{username}").create()
    window = MainWindow(sound=False, popup=False)
    window.show()

    async def login(session: SessionService) -> Any:
        return await session.login(username, "demo", remember=True)

    ws = stack.loop.run_until_complete(
        connect(
            paths,
            stack.backend.url,
            login,
            secrets=MemorySecretStore(),
            backoff=FAST_BACKOFF,
            softphone=softphone if softphone is not None else f"127.0.0.1:{ctrl_port}" if ctrl_port else "",
            sip_domain=f"127.0.0.1:{stack.proxy.port}",
        )
    )
    attach(window, ws, Notifier(window, paths.cache, sound=False, popup=False))
    desk = Desk(stack.loop, window, ws)
    desk.wait_until(lambda: ws.sync.online)
    desk.run(ws.inbox.refresh())
    return desk


def test_desk_pops_answers_holds_mutes_and_hangs_up_a_call(gui_voice: VoiceStack) -> None:
    voice = gui_voice
    agent_phone = voice.phone("demo", control=False)  # the desk drives it
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        service = desk.ws.voice
        assert service is not None
        desk.wait_until(lambda: service.ready)
        available(voice, "demo")
        caller = voice.phone(CALLER_NUMBER, tone_hz=1000, register=False)
        voice.dial(caller)

        # The offer pops with the customer found by the number, and the number itself.
        desk.wait_until(lambda: desk.window.offer_cards)
        (card,) = desk.window.offer_cards.values()
        assert card.pending.offer.customer.name == KNOWN_CUSTOMER.name
        desk.wait_until(lambda: CALLER_NUMBER in card.details_label.text())

        # Answer from the desk: the tab opens with a call panel, the softphone picks up.
        desk.window.accept_offer(card.pending.offer.id)
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        caller.wait_event("CALL_ESTABLISHED")
        view = next(iter(desk.window.views.values()))
        panel = view.findChild(CallPanel)
        assert panel is not None and CALLER_NUMBER in panel.number_label.text()

        panel.hold_button.click()
        desk.wait_until(lambda: service.call.state == CallState.HELD)  # type: ignore[union-attr]
        assert panel.hold_button.text() == "Resume"
        panel.hold_button.click()
        desk.wait_until(lambda: service.call.state == CallState.TALKING)  # type: ignore[union-attr]
        panel.mute_button.click()
        desk.wait_until(lambda: service.call.muted)  # type: ignore[union-attr]

        panel.hangup_button.click()
        caller.wait_event("CALL_CLOSED")
        desk.wait_until(lambda: service.call.state == CallState.ENDED)  # type: ignore[union-attr]
        assert "after-call work" in panel.state_label.text()
        conv_id = service.call.conversation_id  # type: ignore[union-attr]
        info = voice.wait_for(lambda: (c := desk.run(desk.ws.api.voice_call(conv_id))).ended and c)
        assert info.talk_s is not None

        # Wrap-up: the call becomes a phone contact in the customer's history.
        desk.ws.inbox.close(conv_id, "resolved")
        agent = voice.backend.login("demo")

        def contact() -> Any:
            page = voice.backend.http.get(f"/api/v1/customers/{KNOWN_CUSTOMER.id}/events", headers=agent)
            return [e for e in page.json()["events"] if e["id"] == f"{conv_id}-closed"]

        desk.wait_until(contact)  # the wrap-up goes through the outbox: the loop must run
        (event,) = contact()
        assert event["channel"] == "phone" and event["data"]["duration_s"] == info.talk_s
    finally:
        close_desk(desk)


def test_a_restarted_desk_recovers_the_call(gui_voice: VoiceStack) -> None:
    voice = gui_voice
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    service = desk.ws.voice
    assert service is not None
    desk.wait_until(lambda: service.ready)
    available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    desk.wait_until(lambda: desk.window.offer_cards)
    (card,) = desk.window.offer_cards.values()
    desk.wait_until(lambda: CALLER_NUMBER in card.details_label.text())
    desk.window.accept_offer(card.pending.offer.id)
    desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
    conv_id = service.call.conversation_id  # type: ignore[union-attr]
    close_desk(desk)  # the desk goes away; the softphone and the call stay

    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        service = desk.ws.voice
        assert service is not None
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        assert service.call.conversation_id == conv_id  # type: ignore[union-attr]
        assert service.call.talk_seconds() > 0  # type: ignore[union-attr]
        view = desk.window.views[conv_id]
        panel = view.findChild(CallPanel)
        assert panel is not None and CALLER_NUMBER in panel.number_label.text()
        desk.wait_until(lambda: service.ready)
        panel.hangup_button.click()  # the recovered desk still controls the call
        caller.wait_event("CALL_CLOSED")
    finally:
        close_desk(desk)


def test_desk_without_a_running_softphone_says_so(gui_voice: VoiceStack) -> None:
    desk = open_phone_desk(gui_voice, ctrl_port=9)  # discard port: nothing listens on loopback
    try:
        service = desk.ws.voice
        assert service is not None
        desk.wait_until(lambda: "not running" in service.status_text)
        assert not service.ready
        assert "not running" in desk.window.statusBar().currentMessage()
    finally:
        close_desk(desk)
