"""Malformed or hostile answers (wrong types, truncated JSON, huge bodies, someone else's records) are
rejected with a logged reason and leave the cache exactly as it was; writes stay queued."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from workstation.client.api import MAX_RESPONSE_BYTES, BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Customer, Message
from workstation.server.runner import bind_socket
from workstation.services.customer_context import CustomerContextService
from workstation.services.records import RecordsService
from workstation.services.session import SessionService
from workstation.services.sync import SyncService
from workstation.store.cache import CacheStore, open_engine

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
GOOD_CUSTOMER = {"id": "c-1", "name": "Jana Kowalski", "version": 3, "email": "jana@example.org"}

#: What the hostile backend answers, by the test's choice: route key -> (status, body bytes or a
#: callable producing a streaming body).
ANSWERS: dict[str, tuple[int, Any]] = {}


def _answer(key: str) -> Response:
    status, body = ANSWERS.get(key, (404, b'{"error": {"code": "not_found", "message": "no"}}'))
    if callable(body):
        return StreamingResponse(body(), status_code=status, media_type="application/json")
    return Response(body, status_code=status, media_type="application/json")


async def customer(_request: Request) -> Response:
    return _answer("customer")


async def events(_request: Request) -> Response:
    return _answer("events")


async def notes(_request: Request) -> Response:
    return _answer("notes")


async def messages(_request: Request) -> Response:
    return _answer("message")


async def patch_customer(_request: Request) -> Response:
    return _answer("patch")


#: How the hostile backend answers a batch of writes: a function of the request's writes.
BATCH_ANSWER: list[Any] = []


async def writes(request: Request) -> Response:
    body = BATCH_ANSWER[0]((await request.json())["writes"])
    return Response(body if isinstance(body, bytes) else json.dumps(body), media_type="application/json")


APP = Starlette(
    routes=[
        Route("/api/v1/customers/c-1", customer, methods=["GET"]),
        Route("/api/v1/customers/c-1", patch_customer, methods=["PATCH"]),
        Route("/api/v1/customers/c-1/events", events),
        Route("/api/v1/customers/c-1/notes", notes),
        Route("/api/v1/conversations/cv-1/messages", messages, methods=["POST"]),
        Route("/api/v1/writes", writes, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(APP, log_level="warning", lifespan="off"))
    server_loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
    thread = threading.Thread(
        target=lambda: server_loop.run_until_complete(server.serve([sock])), daemon=True
    )
    thread.start()
    while not server.started:
        threading.Event().wait(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    server_loop.close()
    sock.close()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CacheStore]:
    s = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    s.apply(customers=[Customer.model_validate(GOOD_CUSTOMER)])
    yield s
    s.close()


def _snapshot(store: CacheStore) -> dict[str, list[Any]]:
    path = str(store.engine.url.database)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = ["customers", "timeline_events", "notes", "messages", "conversations"]
        return {t: raw.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def _huge() -> Any:
    async def body() -> Any:
        yield b'{"id": "c-1", "name": "'
        chunk = b"x" * 65536
        for _ in range(MAX_RESPONSE_BYTES // len(chunk) + 8):
            yield chunk
        yield b'"}'

    return body


@pytest.mark.parametrize(
    ("customer_answer", "reason"),
    [
        ((200, json.dumps({"id": 5, "name": ["not", "a", "name"]}).encode()), "malformed customer"),
        ((200, b'{"id": "c-1", "name": "Jana Kow'), "not JSON"),
        ((200, b"<html>proxy error</html>"), "not JSON"),
        ((200, _huge()), "over"),
        (
            (200, json.dumps({**GOOD_CUSTOMER, "id": "c-999", "name": "Someone else"}).encode()),
            "another's data",
        ),
    ],
    ids=["wrong-types", "truncated", "html", "huge", "someone-else"],
)
def test_a_bad_customer_answer_is_refused_with_a_reason_and_the_cache_is_untouched(
    hostile: str,
    loop: asyncio.AbstractEventLoop,
    store: CacheStore,
    caplog: pytest.LogCaptureFixture,
    customer_answer: tuple[int, Any],
    reason: str,
) -> None:
    ANSWERS.clear()
    ANSWERS["customer"] = customer_answer
    ANSWERS["events"] = (200, json.dumps({"events": [], "next_cursor": None}).encode())
    ANSWERS["notes"] = (200, b"[]")
    before = _snapshot(store)
    http = httpx.AsyncClient(base_url=hostile, trust_env=False)
    api = BackendApi(http, token="t" * 20)
    sync = SyncService(api, store)
    context = CustomerContextService(api, store, sync)
    with caplog.at_level(logging.WARNING):
        assert loop.run_until_complete(context.refresh("c-1")) is False
    loop.run_until_complete(http.aclose())
    assert any(reason in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    after = _snapshot(store)
    # mark_used may stamp the row; the data itself must be what it was
    assert [r[1] for r in after["customers"]] == [r[1] for r in before["customers"]]
    assert {k: v for k, v in after.items() if k != "customers"} == {
        k: v for k, v in before.items() if k != "customers"
    }
    assert store.customer("c-1") == Customer.model_validate(GOOD_CUSTOMER)


@pytest.mark.parametrize(
    "message_answer",
    [
        (
            200,
            json.dumps(
                {
                    "id": "m-1",
                    "conversation_id": "cv-OTHER",
                    "sender": "agent",
                    "text": "x",
                    "at": T0.isoformat(),
                }
            ).encode(),
        ),
        (200, json.dumps({"id": "m-1", "conversation_id": "cv-1", "sender": "robot", "text": 7}).encode()),
        (200, b'{"id": "m-1", "conv'),
    ],
    ids=["other-conversation", "wrong-types", "truncated"],
)
def test_a_bad_answer_to_a_reply_keeps_it_queued_and_stores_nothing_of_the_answer(
    hostile: str,
    loop: asyncio.AbstractEventLoop,
    store: CacheStore,
    caplog: pytest.LogCaptureFixture,
    message_answer: tuple[int, Any],
) -> None:
    ANSWERS.clear()
    ANSWERS["message"] = message_answer
    http = httpx.AsyncClient(base_url=hostile, trust_env=False)
    sync = SyncService(BackendApi(http, token="t" * 20), store, backoff=Backoff(initial=0.05, maximum=0.1))
    local = Message(
        id="local:k-1", conversation_id="cv-1", sender="agent", text="Hallo", at=T0, client_key="k-1"
    )

    async def run() -> None:
        sync.start()
        sync.submit("message", {"text": "Hallo"}, target="cv-1", local_message=local)
        await asyncio.sleep(0.4)  # several attempts, each answered badly
        await sync.stop()

    with caplog.at_level(logging.WARNING):
        loop.run_until_complete(run())
    loop.run_until_complete(http.aclose())
    assert any("rejected an answer from the backend" in r.getMessage() for r in caplog.records)
    (item,) = store.pending()
    assert item.key == "k-1" and item.attempts >= 2
    ((entry),) = store.transcript("cv-1")
    assert (entry.message.id, entry.delivery) == ("local:k-1", "pending")


def test_a_conflict_answer_with_a_malformed_current_record_is_not_taken_for_theirs(
    hostile: str, loop: asyncio.AbstractEventLoop, store: CacheStore, caplog: pytest.LogCaptureFixture
) -> None:
    ANSWERS.clear()
    body = {
        "error": {"code": "version_conflict", "message": "changed", "current": {"id": "c-1", "version": "x"}}
    }
    ANSWERS["patch"] = (412, json.dumps(body).encode())
    http = httpx.AsyncClient(base_url=hostile, trust_env=False)
    api = BackendApi(http, token="t" * 20)
    sync = SyncService(api, store, backoff=Backoff(initial=0.05, maximum=0.1))
    records = RecordsService(api, store, sync, SessionService(api, None))

    async def run() -> None:
        sync.start()
        records.edit_customer("c-1", {"email": "new@example.org"})
        await asyncio.sleep(0.3)
        await sync.stop()

    with caplog.at_level(logging.WARNING):
        loop.run_until_complete(run())
    loop.run_until_complete(http.aclose())
    assert any("malformed current customer" in r.getMessage() for r in caplog.records)
    (item,) = store.pending()  # still the agent's edit, waiting; no conflict made of garbage
    assert item.payload["mine"] == {"email": "new@example.org"}
    assert records.conflicts() == []
    assert store.customer("c-1") == Customer.model_validate(GOOD_CUSTOMER)


def _reply(write: dict[str, Any], **change: Any) -> dict[str, Any]:
    message = {
        "id": f"m-{write['key']}",
        "conversation_id": write["target"],
        "sender": "agent",
        "text": write["body"]["text"],
        "at": T0.isoformat(),
        "client_key": write["key"],
    }
    return {"key": write["key"], "status": 200, "body": message | change}


@pytest.mark.parametrize(
    ("answer", "delivered"),
    [
        (lambda ws: {"results": [_reply(ws[0])]}, 0),  # one answer short
        (lambda ws: {"results": [_reply(w) for w in reversed(ws)]}, 0),  # answers out of order
        (lambda ws: {"results": "all fine"}, 0),
        (lambda ws: b'{"results": [{"key": "k-0", "sta', 0),  # truncated
        (lambda ws: {"results": [_reply(ws[0]), _reply(ws[1], conversation_id="cv-OTHER")]}, 1),
        (lambda ws: {"results": [_reply(ws[0]), _reply(ws[1], text=7)]}, 1),
        (lambda ws: {"results": [_reply(ws[0]), {"key": ws[1]["key"], "status": 503, "body": {}}]}, 1),
    ],
    ids=["short", "out-of-order", "not-a-list", "truncated", "other-conversation", "wrong-types", "5xx"],
)
def test_a_bad_answer_to_a_batch_keeps_the_writes_it_does_not_answer_well_queued(
    hostile: str,
    loop: asyncio.AbstractEventLoop,
    store: CacheStore,
    caplog: pytest.LogCaptureFixture,
    answer: Any,
    delivered: int,
) -> None:
    BATCH_ANSWER[:] = [answer]
    ANSWERS.clear()
    ANSWERS["message"] = (503, b"{}")  # a write left alone is sent on its own, and waits too
    http = httpx.AsyncClient(base_url=hostile, trust_env=False)
    sync = SyncService(BackendApi(http, token="t" * 20), store, backoff=Backoff(initial=0.05, maximum=0.1))
    for i in range(2):
        local = Message(
            id=f"local:k-{i}",
            conversation_id="cv-1",
            sender="agent",
            text=f"Hallo {i}",
            at=T0,
            client_key=f"k-{i}",
        )
        store.enqueue("message", {"text": f"Hallo {i}"}, target="cv-1", local_message=local)

    async def run() -> None:
        sync.start()
        await asyncio.sleep(0.4)  # several attempts
        await sync.stop()

    with caplog.at_level(logging.INFO):
        loop.run_until_complete(run())
    loop.run_until_complete(http.aclose())
    assert [item.key for item in store.pending()] == [f"k-{i}" for i in range(delivered, 2)]
    assert all(item.attempts >= 2 for item in store.pending())
    transcript = store.transcript("cv-1")
    assert {(e.message.id, e.delivery) for e in transcript} == {
        (f"m-k-{i}", "sent") if i < delivered else (f"local:k-{i}", "pending") for i in range(2)
    }
    assert any(
        "rejected an answer from the backend" in r.getMessage() or "server error" in r.getMessage()
        for r in caplog.records
    )
