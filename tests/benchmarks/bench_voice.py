"""Benchmark of the voice channel: a call arrives at the proxy → the offer with the customer on the desk.

    .venv/bin/python tests/benchmarks/bench_voice.py [--quick] [--calls N]

Real parts, all on loopback: the reference backend (in a thread, as embedded), Kamailio with
packaging/voice/kamailio.cfg, the agent's baresip driven by the desk (window + services on a qasync
loop, offscreen) and a baresip test caller. Each round: the caller dials the hotline (t0 = the
dial command; the INVITE reaches the proxy within a millisecond on loopback), the proxy asks the
backend, the backend routes the voice task and offers it; measured on the desk:

* offer card shown with the customer found by the caller's number (the offer over the push stream),
* the caller's number on the card (one more REST round trip for the call's details),
* the relevance preview on the ringing card (ranked from the cache as the details arrive; the
  backend's history follows in the background),
* the agent's softphone ringing (the proxy forwarded the INVITE after the backend's answer).

Then the caller hangs up while it rings (the offer is withdrawn) and the next round starts.
Prints medians and p95s; measures, asserts nothing. Needs kamailio and baresip (see .ci/run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.benchmarks.stats import row  # noqa: E402
from tests.helpers.desk import _TestLoop, close_desk  # noqa: E402
from tests.voice.conftest import CALLER_NUMBER, KNOWN_CUSTOMER, voice_stack  # noqa: E402
from tests.voice.test_call_flow import available  # noqa: E402
from tests.voice.test_desk_call import open_phone_desk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 calls (a smoke run)")
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    calls = 5 if args.quick else args.calls
    app = QApplication.instance() or QApplication([])
    loop = _TestLoop(app)
    asyncio.set_event_loop(loop)
    card_ms: list[float] = []
    number_ms: list[float] = []
    ring_ms: list[float] = []
    preview_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, voice_stack(Path(tmp), loop) as voice:
        agent_phone = voice.phone("demo", control=False)
        desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
        service = desk.ws.voice
        assert service is not None
        desk.wait_until(lambda: service.ready)
        available(voice, "demo")
        caller = voice.phone(CALLER_NUMBER, register=False)
        rung: list[float] = []
        service.phone.set_handlers(  # type: ignore[union-attr]
            on_event=lambda e: (
                (rung.append(time.perf_counter()) if e.type == "CALL_INCOMING" else None)
                or service._on_phone_event(e)
            ),
            on_closed=service._on_phone_closed,
        )
        for _ in range(calls + 1):  # the first round warms up (imports, connections) and is not counted
            rung.clear()
            caller.events.clear()
            t0 = time.perf_counter()
            voice.dial(caller)
            desk.wait_until(lambda: desk.window.offer_cards, 20)
            t_card = time.perf_counter()
            (card,) = desk.window.offer_cards.values()
            assert card.pending.offer.customer.name == KNOWN_CUSTOMER.name
            desk.wait_until(lambda: CALLER_NUMBER in card.details_label.text(), 20)  # noqa: B023
            t_number = time.perf_counter()
            desk.wait_until(lambda: desk.window.controller.call_previews, 20)
            t_preview = time.perf_counter()
            desk.wait_until(lambda: rung, 20)
            t_ring = rung[0]
            caller.run(caller.client.hangup())
            desk.wait_until(lambda: not desk.window.offer_cards, 20)
            desk.wait_until(lambda: caller.seen("CALL_CLOSED"), 20)
            if _ > 0:
                card_ms.append((t_card - t0) * 1000)
                number_ms.append((t_number - t0) * 1000)
                ring_ms.append((t_ring - t0) * 1000)
                preview_ms.append((t_preview - t0) * 1000)
        close_desk(desk)
    print(f"voice: {calls} calls, call placed at the proxy → desk (loopback, offscreen)")
    row("offer card with the customer shown", card_ms, "—")
    row("… and the caller's number on the card", number_ms, "—")
    row("… and the relevance preview on the card", preview_ms, "—")
    row("agent's softphone ringing", ring_ms, "—")
    loop.close()


if __name__ == "__main__":
    main()
