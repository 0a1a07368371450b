"""The desk says whether its softphone is registered, asking baresip (`reginfo`) when it connects:
a softphone refused for a wrong SIP password shows "not registered" and takes no calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.desk import aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.voice.conftest import VoiceStack, voice_stack
from tests.voice.test_desk_call import open_phone_desk

pytestmark = pytest.mark.gui


@pytest.fixture
def gui_voice(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[VoiceStack]:  # noqa: F811
    with voice_stack(tmp_path, aloop) as stack:
        yield stack


def test_desk_shows_a_softphone_refused_for_a_wrong_password_as_not_registered(gui_voice: VoiceStack) -> None:
    voice = gui_voice
    voice.set_sip_password("demo")
    phone = voice.phone("demo", control=False, auth_pass="wrong-password")
    # The softphone was refused before the desk connects: only `reginfo` can tell the desk.
    voice.wait_for(lambda: "401 Unauthorized" in phone.process.log(), 15)
    desk = open_phone_desk(voice, phone.process.ctrl_port)
    try:
        service = desk.ws.voice
        assert service is not None
        desk.wait_until(lambda: "not registered" in service.status_text)
        assert not service.ready
        assert "not registered" in desk.window.statusBar().currentMessage()
    finally:
        close_desk(desk)


def test_desk_shows_a_softphone_registered_with_the_right_password(gui_voice: VoiceStack) -> None:
    voice = gui_voice
    phone = voice.phone("demo", control=False)  # registered before the desk connects
    desk = open_phone_desk(voice, phone.process.ctrl_port)
    try:
        service = desk.ws.voice
        assert service is not None
        desk.wait_until(lambda: "Softphone registered" in service.status_text)
        assert service.ready
    finally:
        close_desk(desk)
