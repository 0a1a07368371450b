"""`main.py --self-test`: the whole round trip, headless, against the embedded backend.

Sign in, go Available, a customer opens a chat over the backend's HTTP API, the offer arrives and
is accepted from the keyboard, the customer's message shows, the reply is typed and sent with Enter,
the backend is asked whether it stored the reply, the conversation is wrapped up. One JSON line of
timings on stdout; exit 0, or 1 naming the step that failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

STEP_TIMEOUT = 20.0


class StepFailed(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


async def run_self_test(args: argparse.Namespace, started: float) -> int:
    import httpx
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from workstation.app import (
        DEMO_USER,
        Workstation,
        attach,
        connect,
        make_secret_store,
        start_embedded_backend,
    )
    from workstation.domain.models import ConversationState, Presence
    from workstation.paths import Paths
    from workstation.services.waiting import next_emission
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier

    timings: dict[str, Any] = {}
    step = "start"
    base: Paths | None = None
    window: MainWindow | None = None
    workstation: Workstation | None = None
    customer_http: httpx.AsyncClient | None = None
    loop = asyncio.get_running_loop()

    async def within(name: str, awaitable: Awaitable[T]) -> T:
        nonlocal step
        step = name
        try:
            return await asyncio.wait_for(awaitable, STEP_TIMEOUT)
        except TimeoutError as exc:
            raise StepFailed(name, f"nothing happened within {STEP_TIMEOUT:.0f} s") from exc

    def mark(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round((now - since) * 1000, 1)
        return now

    try:
        step = "create a temporary base directory"
        base = Paths.under(Path(tempfile.mkdtemp(prefix="workstation-selftest-"))).create()
        step = "show window"
        window = MainWindow(sound=False, popup=True)
        window.show()
        t = mark("window_shown_ms", started)

        step = "start embedded backend"
        server = await within(
            step,
            loop.run_in_executor(
                None, lambda: start_embedded_backend(base, offer_timeout=60, chat_interval=0, seed=7)
            ),
        )
        t = mark("backend_ready_ms", t)

        step = "sign in"
        secrets, _ = make_secret_store(ephemeral=True)

        password = os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo")

        async def login(session: Any) -> Any:
            return await session.login(DEMO_USER, password, remember=True)

        workstation = await within(step, connect(base, server.url, login, secrets=secrets, server=server))
        notifier = Notifier(window, base.cache, sound=False, popup=True)
        attach(window, workstation, notifier)
        await within(
            "connect push stream", next_emission(workstation.sync.connection_changed, lambda on, _d: on)
        )
        await within("initial refresh", workstation.inbox.refresh())
        t = mark("login_ms", t)

        step = "go available"
        window.presence_combo.setFocus()
        available = next_emission(workstation.sync.write_completed, lambda kind, _t: kind == "presence")
        window.set_presence(Presence.AVAILABLE)
        await within(step, available)
        if workstation.session.presence != Presence.AVAILABLE:
            raise StepFailed(step, f"presence is {workstation.session.presence}")
        t = mark("available_ms", t)

        step = "customer opens a chat"
        service_token = server.call(lambda: server.backend.issue_token(server.backend.service_principal()))
        customer_id = server.call(lambda: server.backend.list_customer_ids()[0])
        question = "Hallo, wo bleibt meine Bestellung? Self-test " + str(int(time.time()))
        customer_http = httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=10)
        offer_arrived = next_emission(workstation.inbox.offer_received)
        response = await within(
            step,
            customer_http.post(
                "/api/v1/customer/chats",
                json={"customer_id": customer_id, "text": question, "topic": "delivery"},
                headers={"Authorization": f"Bearer {service_token}"},
            ),
        )
        if response.status_code != 201:
            raise StepFailed(step, f"backend answered {response.status_code}: {response.text}")
        chat = response.json()
        customer_token = chat["customer_token"]
        conversation_id = chat["conversation"]["id"]

        step = "receive offer"
        (pending,) = await within(step, offer_arrived)
        t_offer = time.perf_counter()
        timings["chat_to_offer_ms"] = round((t_offer - t) * 1000, 1)
        if pending.offer.conversation_id != conversation_id:
            raise StepFailed(step, "the offer is for another conversation")
        if notifier.last_notification is None:
            raise StepFailed(step, "no desktop notification was raised")

        step = "accept offer (Ctrl+Shift+A)"
        shown = next_emission(window.conversation_shown, lambda cid: cid == conversation_id)
        QTest.keyClick(
            window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
        await within(step, shown)
        t = mark("offer_to_open_ms", t_offer)

        step = "read the customer's message"
        view = window.views[conversation_id]
        texts = [e.message.text for e in view.transcript_model.entries()]
        if question not in texts:
            raise StepFailed(step, f"transcript shows {texts!r}")

        step = "reply with Enter"
        reply = "Guten Tag! Ich sehe sofort nach. (self-test)"
        delivered = next_emission(workstation.sync.write_completed, lambda kind, target: kind == "message")
        view.reply_edit.setFocus()
        QTest.keyClicks(view.reply_edit, reply)
        QTest.keyClick(view.reply_edit, Qt.Key.Key_Return)
        await within(step, delivered)
        t = mark("reply_delivered_ms", t)

        step = "backend stored the reply"
        transcript = await within(
            step,
            customer_http.get(
                f"/api/v1/customer/chats/{conversation_id}/messages",
                headers={"Authorization": f"Bearer {customer_token}"},
            ),
        )
        stored = [m["text"] for m in transcript.json() if m["sender"] == "agent"]
        if stored != [reply]:
            raise StepFailed(step, f"backend has agent messages {stored!r}")

        step = "wrap up (Ctrl+W)"
        closed_remote = next_emission(workstation.sync.write_completed, lambda kind, target: kind == "close")
        QTest.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
        for _ in range(200):
            if getattr(window, "wrapup_dialog", None) is not None:
                break
            await asyncio.sleep(0.02)
        dialog = getattr(window, "wrapup_dialog", None)
        if dialog is None:
            raise StepFailed(step, "no wrap-up dialog opened")
        code = dialog.selected_code()
        QTest.keyClick(dialog.codes, Qt.Key.Key_Return)
        await within(step, closed_remote)
        conv = await within("backend closed the conversation", workstation.api.conversation(conversation_id))
        if conv.state != ConversationState.CLOSED or conv.wrapup_code != code:
            raise StepFailed(
                "backend closed the conversation", f"state {conv.state}, code {conv.wrapup_code}"
            )
        if conversation_id in window.views:
            raise StepFailed(step, "the tab is still open")
        mark("wrap_up_ms", t)
        timings["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        print(json.dumps({"self_test": "ok", **timings}), flush=True)
        return 0
    except StepFailed as exc:
        return _fail(exc.step, exc.reason, timings)
    except Exception as exc:
        return _fail(step, f"{type(exc).__name__}: {exc}", timings)
    finally:
        if customer_http is not None:
            await customer_http.aclose()
        if window is not None:
            await window.shutdown()
            window.close()
        if workstation is not None:
            await workstation.close()
        if base is not None:
            # A temporary directory is the self-test's own: leave nothing behind.
            shutil.rmtree(base.data.parent, ignore_errors=True)


def _fail(step: str, reason: str, timings: dict[str, Any]) -> int:
    print(json.dumps({"self_test": "failed", "step": step, "reason": reason, **timings}), flush=True)
    print(f"self-test failed at step '{step}': {reason}", file=sys.stderr, flush=True)
    return 1
