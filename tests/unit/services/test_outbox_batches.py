"""The desktop's outbox sends queued writes in batches (POST /writes) in the agent's order, against the
real backend; a refused write is kept with its reason; a backend without batches gets them one by one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.backend import Backend
from workstation.client.api import BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Agent, CustomerNote, Message, utcnow
from workstation.services.records import RecordsService
from workstation.services.session import SessionService
from workstation.services.sync import BATCH_SIZE, SyncService
from workstation.store.cache import DONE, FAILED, CacheStore, new_key, open_engine

API = "/api/v1"


class _NoBatches(httpx.AsyncBaseTransport):
    """An older backend: everything as usual, except that POST /writes does not exist."""

    def __init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == f"{API}/writes":
            return httpx.Response(404, json={"detail": "Not Found"})
        return await self._real.handle_async_request(request)

    async def aclose(self) -> None:
        await self._real.aclose()


def _queue_reply(store: CacheStore, conv: str, text: str) -> str:
    key = new_key()
    local = Message(
        id=f"local:{key}", conversation_id=conv, sender="agent", text=text, at=utcnow(), client_key=key
    )
    return store.enqueue("message", {"text": text}, target=conv, local_message=local)


def _drain(backend: Backend, demo: dict[str, str], store: CacheStore, transport: Any = None) -> list[str]:
    """Start the desktop's sync against the backend until the outbox is empty: the requests it made."""
    requests: list[str] = []

    async def seen(request: httpx.Request) -> None:
        requests.append(f"{request.method} {request.url.path}")

    async def run() -> None:
        http = httpx.AsyncClient(
            base_url=backend.url, trust_env=False, transport=transport, event_hooks={"request": [seen]}
        )
        api = BackendApi(http, token=demo["Authorization"].removeprefix("Bearer "))
        sync = SyncService(api, store, backoff=Backoff(initial=0.02, maximum=0.2))
        session = SessionService(api, None)
        session.agent = Agent.model_validate(backend.http.get(f"{API}/me", headers=demo).json())
        RecordsService(api, store, sync, session)  # sends the note writes
        sync.start()
        try:
            async with asyncio.timeout(60):
                while store.count_pending():
                    await asyncio.sleep(0.02)
        finally:
            await sync.stop()
            await http.aclose()

    asyncio.new_event_loop().run_until_complete(run())
    return [r for r in requests if r.startswith(("POST", "PUT", "PATCH"))]


@pytest.mark.parametrize("batches", [True, False], ids=["batches", "older backend: one by one"])
def test_queued_writes_arrive_once_in_order_and_a_refused_one_is_kept_with_its_reason(
    backend: Backend, tmp_path: Path, batches: bool
) -> None:
    demo, chat, conv = backend.accepted_chat()
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    texts = [f"reply {i}" for i in range(BATCH_SIZE + 50)]
    for text in texts[:120]:
        _queue_reply(store, conv, text)
    note_key = new_key()
    now = utcnow()
    note = CustomerNote(
        id=f"local:{note_key}",
        customer_id="c-1",
        text="Rückruf morgen",
        created_at=now,
        updated_at=now,
        client_key=note_key,
    )
    store.enqueue("note_create", {"text": note.text}, target="c-1", local_note=note)
    for text in texts[120:]:
        _queue_reply(store, conv, text)
    store.enqueue("close", {"wrapup_code": "resolved"}, target=conv)
    late = _queue_reply(store, conv, "one more thing")  # written before the agent saw the close land

    sent = _drain(backend, demo, store, None if batches else _NoBatches())

    assert [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"] == texts
    notes = backend.http.get(f"{API}/customers/c-1/notes", headers=demo).json()
    assert [n["text"] for n in notes] == ["Rückruf morgen"]
    states = {r.item.key: (r.state, r.error) for r in store.outbox_records()}
    assert states.pop(late) == (FAILED, "The conversation is already closed.")
    assert {state for state, _error in states.values()} == {DONE}
    transcript = store.transcript(conv)
    assert [e.delivery for e in transcript if e.message.text == "one more thing"] == ["failed"]
    assert {e.delivery for e in transcript if e.message.text in texts} == {"sent"}
    assert store.conversation(conv) is not None and store.conversation(conv).state == "closed"  # type: ignore[union-attr]
    if batches:
        # 120 replies; the note on its own (it has its own sender); the 79 replies that complete the
        # first 200 queued; the last 51 replies + the close + the late reply
        writes, note = f"POST {API}/writes", f"POST {API}/customers/c-1/notes"
        assert sent == [writes, note, writes, writes]
    else:
        assert sent.count(f"POST {API}/writes") == 1  # tried once, then never again
        assert len(sent) == 1 + len(texts) + 3
    store.close()
