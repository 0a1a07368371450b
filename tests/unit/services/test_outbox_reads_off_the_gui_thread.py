"""Against the real backend: sending replies and hearing them confirmed makes no cache read on the
thread that runs the event loop (the GUI thread). The outbox reads its next batch and counts what
waits on the writer thread (behind the commits it must see), and a confirmed reply is shown from the
backend's answer as stored, not read back from the cache."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from tests.helpers.backend import Backend
from workstation.client.api import BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Agent, TranscriptEntry
from workstation.services.inbox import InboxService
from workstation.services.session import SessionService
from workstation.services.sync import SyncService
from workstation.store.cache import CacheStore, open_engine

API = "/api/v1"
REPLIES = 12


def test_replies_are_queued_sent_and_shown_confirmed_without_a_cache_read_on_the_gui_thread(
    backend: Backend, tmp_path: Path
) -> None:
    demo, _chat, conv = backend.accepted_chat()
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    gui = threading.get_ident()
    reads_on_gui: list[str] = []
    measuring = threading.Event()

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if measuring.is_set() and threading.get_ident() == gui:
            reads_on_gui.append(statement.split("\n")[0])

    event.listen(store.engine, "before_cursor_execute", on_execute)
    shown: dict[str, TranscriptEntry] = {}  # by reply text: the latest entry the UI was given
    counts: list[int] = []

    async def run() -> None:
        http = httpx.AsyncClient(base_url=backend.url, trust_env=False)
        api = BackendApi(http, token=demo["Authorization"].removeprefix("Bearer "))
        sync = SyncService(api, store, backoff=Backoff(initial=0.02, maximum=0.2))
        session = SessionService(api, None)
        session.agent = Agent.model_validate(backend.http.get(f"{API}/me", headers=demo).json())
        inbox = InboxService(api, store, sync, session)
        confirmed = asyncio.Event()
        done: list[str] = []

        def on_transcript(_conversation_id: str, entries: list[TranscriptEntry]) -> None:
            for entry in entries:
                shown[entry.message.text] = entry

        def on_completed(kind: str, _target: str) -> None:
            if kind == "message":
                done.append(_target)
                if len(done) == REPLIES:
                    confirmed.set()

        inbox.transcript_updated.connect(on_transcript)
        sync.write_completed.connect(on_completed)
        sync.outbox_changed.connect(counts.append)
        sync.start()
        try:
            async with asyncio.timeout(60):
                while not sync.online:
                    await asyncio.sleep(0.02)
                await inbox.refresh()
                await sync.settled()
                measuring.set()
                for i in range(REPLIES):
                    inbox.send(conv, f"reply {i}")
                    if i % 3 == 0:
                        await asyncio.sleep(0.01)  # some go one by one, some in batches
                await confirmed.wait()
                while not counts or counts[-1] != 0:  # the outbox's count after its last send
                    await asyncio.sleep(0.01)
                measuring.clear()
        finally:
            await sync.stop()
            await http.aclose()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run())
    finally:
        loop.close()
    assert reads_on_gui == []
    texts = [f"reply {i}" for i in range(REPLIES)]
    stored = {e.message.text: e for e in store.transcript(conv)}
    for text in texts:
        # What the tab was last given is the server's copy, exactly as the cache holds it.
        assert shown[text].delivery == "sent"
        assert not shown[text].message.id.startswith("local:")
        assert shown[text] == stored[text]
    assert max(counts) >= 1  # the waiting count still reaches the status bar (and came back to 0)
    assert store.count_pending() == 0
    store.close()
