"""Backend fault drills on the real desktop: the backend answers slowly, resets connections, goes
down and restarts while the agent keeps typing. The GUI never waits for the network (heartbeat
stall meter), nothing typed is lost, everything arrives once and in order."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.faults import FaultProxy, StallMeter
from tests.helpers.backend import Backend, start_server
from tests.helpers.desk import Desk
from tests.ui.test_desktop import _accept_next, _go_available
from tests.ui.test_offline import far_desk, proxy  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.gui, pytest.mark.slow]

#: How long the slow backend takes per answer. A GUI that waited for any answer on its own thread
#: would stall at least this long; the check below is about that (blocking), not about speed.
SLOW_S = 2.5


def _type(desk: Desk, view, text: str) -> None:  # type: ignore[no-untyped-def]
    view.reply_edit.setFocus()
    QTest.keyClicks(view.reply_edit, text)  # ASCII only: QTest asserts on other characters
    QTest.keyClick(view.reply_edit, Qt.Key.Key_Return)
    desk.wait_until(lambda: True, timeout=1)  # let the loop run between keystrokes, as in life
    desk.run(_sleep(0.15))


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def test_slow_reset_down_and_restarted_backend_while_the_agent_keeps_typing(
    far_desk: Desk,  # noqa: F811
    backend: Backend,
    proxy: FaultProxy,  # noqa: F811
    tmp_path: Path,
) -> None:
    desk = far_desk
    _go_available(desk)
    chat, conv_id = _accept_next(desk, backend, "c-1", "Hallo")
    view = desk.window.views[conv_id]
    meter = StallMeter()
    meter.start()
    typed: list[str] = []

    def say(text: str) -> None:
        typed.append(text)
        _type(desk, view, text)

    # 1. slow: every answer takes seconds
    proxy.set_mode("slow", delay_s=SLOW_S)
    for i in range(3):
        say(f"langsam {i}")
    # 2. connections reset mid-stream
    proxy.set_mode("reset")
    for i in range(3):
        say(f"reset {i}")
    # 3. down
    proxy.set_mode("down")
    desk.wait_until(lambda: not desk.ws.sync.online, timeout=15)
    for i in range(3):
        say(f"weg {i}")
    # 4. the backend itself stops and restarts (on the same port, same database)
    with meter.paused():
        port, data_dir = backend.server.port, backend.server.options.data_dir
        backend.server.stop()
    proxy.set_mode("pass")
    for i in range(2):
        say(f"neustart {i}")
    with meter.paused():
        backend.server = start_server(data_dir, port=port)
    say("wieder da")

    desk.wait_until(lambda: desk.ws.sync.online, timeout=20)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0, timeout=30)
    meter.stop()

    with meter.paused():
        delivered = [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"]
    assert delivered == typed  # all of it, once each, in the order typed
    local = [e.message.text for e in desk.ws.store.transcript(conv_id) if e.message.sender == "agent"]
    assert local == typed and collections.Counter(local).most_common(1)[0][1] == 1
    assert all(e.delivery == "sent" for e in desk.ws.store.transcript(conv_id))
    assert proxy.resets > 0
    summary = meter.summary()
    print("stall meter:", summary)
    assert summary["beats"] > 100
    assert meter.worst_ms < SLOW_S * 1000, summary  # the GUI never waited for an answer
