"""Against the real backend: every cache commit the desktop's services make (queued replies, pushed
events, the outbox's bookkeeping and the backend's answers, notes, a close) happens on the cache's
writer thread, never on the thread that runs the event loop (the GUI thread); the UI hears of a write
only once it is committed, in the order the agent made them."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import httpx
from sqlalchemy import event

from tests.helpers.backend import Backend
from workstation.client.api import BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Agent
from workstation.services.inbox import InboxService
from workstation.services.records import RecordsService
from workstation.services.session import SessionService
from workstation.services.sync import SyncService
from workstation.store.cache import DONE, CacheStore, open_engine

API = "/api/v1"


def test_every_commit_runs_on_the_writer_thread_and_the_ui_hears_of_writes_in_order(
    backend: Backend, tmp_path: Path
) -> None:
    demo, chat, conv = backend.accepted_chat()
    path = tmp_path / "cache.sqlite3"
    store = CacheStore(open_engine(path))
    commits: list[int] = []
    event.listen(store.engine, "commit", lambda _conn: commits.append(threading.get_ident()))
    shown: list[str] = []
    stored_when_shown: list[bool] = []

    async def run() -> None:
        http = httpx.AsyncClient(base_url=backend.url, trust_env=False)
        api = BackendApi(http, token=demo["Authorization"].removeprefix("Bearer "))
        sync = SyncService(api, store, backoff=Backoff(initial=0.02, maximum=0.2))
        session = SessionService(api, None)
        session.agent = Agent.model_validate(backend.http.get(f"{API}/me", headers=demo).json())
        inbox = InboxService(api, store, sync, session)
        records = RecordsService(api, store, sync, session)
        heard: asyncio.Queue[str] = asyncio.Queue()

        def on_transcript(conversation_id: str, entries: list[object]) -> None:
            for entry in entries:
                text = entry.message.text  # type: ignore[attr-defined]
                pending = entry.delivery == "pending"  # type: ignore[attr-defined]
                if pending and text.startswith("reply ") and text not in shown:
                    shown.append(text)
                    # Committed before it is shown: another connection finds it in the outbox.
                    with sqlite3.connect(path) as raw:
                        found = raw.execute(
                            "SELECT count(*) FROM outbox WHERE json_extract(payload, '$.text') = ?", (text,)
                        ).fetchone()[0]
                    stored_when_shown.append(found == 1)
            heard.put_nowait(conversation_id)

        inbox.transcript_updated.connect(on_transcript)
        sync.start()
        try:
            async with asyncio.timeout(60):
                while not sync.online:
                    await asyncio.sleep(0.02)
                await inbox.refresh()  # stores the active conversations
                for i in range(30):
                    inbox.send(conv, f"reply {i}")
                records.add_note("c-1", "Rückruf morgen")
                backend.customer_says(chat, "Danke!")  # a pushed event, stored by the stream
                while (
                    store.count_pending()
                    or len(shown) < 30
                    or not any(e.message.text == "Danke!" for e in store.transcript(conv))
                ):
                    await asyncio.sleep(0.02)
                inbox.close(conv, "resolved")
                while store.count_pending() or store.conversation(conv).state != "closed":  # type: ignore[union-attr]
                    await asyncio.sleep(0.02)
        finally:
            await sync.stop()
            await http.aclose()

    asyncio.new_event_loop().run_until_complete(run())
    gui = threading.get_ident()
    assert len(commits) > 30
    assert gui not in commits
    assert set(commits) == {store.writes.thread_id}
    assert shown == [f"reply {i}" for i in range(30)]
    assert all(stored_when_shown)
    assert [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"] == shown
    assert {r.state for r in store.outbox_records()} == {DONE}
    store.close()
