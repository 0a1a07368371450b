"""The offline cache and outbox on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workstation.domain.models import (
    Conversation,
    ConversationState,
    CustomerSummary,
    Message,
    TimelineEvent,
)
from workstation.store.cache import CacheStore, open_engine

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> CacheStore:
    return CacheStore(open_engine(tmp_path / "cache.sqlite3"))


def _message(i: int, *, key: str | None = None, conv: str = "cv-1") -> Message:
    return Message(
        id=f"m-{i}",
        conversation_id=conv,
        sender="customer",
        text=f"text {i}",
        at=T0 + timedelta(seconds=i),
        client_key=key,
    )


def _conversation(state: ConversationState = ConversationState.ACTIVE) -> Conversation:
    return Conversation(
        id="cv-1",
        customer=CustomerSummary(id="c-1", name="Jana"),
        channel="chat",
        state=state,
        started_at=T0,
        messages=(_message(0),),
    )


def test_cache_file_uses_wal(tmp_path: Path, store: CacheStore) -> None:
    store.set_value("x", 1)
    with sqlite3.connect(tmp_path / "cache.sqlite3") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_apply_stores_records_and_stream_position_together(store: CacheStore) -> None:
    assert store.stream_position() == (None, 0)
    store.apply(log_id="log-a", seq=7, conversations=[_conversation()], messages=[_message(1)])
    assert store.stream_position() == ("log-a", 7)
    assert [e.message.id for e in store.transcript("cv-1")] == ["m-0", "m-1"]
    assert [c.id for c in store.conversations(state=ConversationState.ACTIVE)] == ["cv-1"]


def test_applying_the_same_records_twice_keeps_one_copy(store: CacheStore) -> None:
    for _ in range(2):
        store.apply(conversations=[_conversation()], messages=[_message(1), _message(2)])
    assert [e.message.id for e in store.transcript("cv-1")] == ["m-0", "m-1", "m-2"]


def test_timeline_newest_first_and_per_customer(store: CacheStore) -> None:
    events = [
        TimelineEvent(
            id=f"e{i}",
            customer_id="c-1" if i % 2 else "c-2",
            at=T0 - timedelta(days=i),
            channel="web",
            kind="page_view",
        )
        for i in range(10)
    ]
    store.apply(events=events)
    assert [e.id for e in store.timeline("c-1")] == ["e1", "e3", "e5", "e7", "e9"]
    assert [e.id for e in store.timeline("c-1", limit=2)] == ["e1", "e3"]


def test_outbox_keeps_order_and_a_pending_reply_is_replaced_by_the_server_copy(store: CacheStore) -> None:
    local = Message(
        id="local:k1", conversation_id="cv-1", sender="agent", text="Hallo", at=T0, client_key="k1"
    )
    key = store.enqueue("message", {"text": "Hallo"}, target="cv-1", local_message=local)
    second = store.enqueue("close", {"wrapup_code": "resolved"}, target="cv-1")
    assert key == "k1"
    assert [(i.kind, i.key) for i in store.pending()] == [("message", "k1"), ("close", second)]
    (entry,) = store.transcript("cv-1")
    assert entry.delivery == "pending"

    server_copy = Message(
        id="m-99", conversation_id="cv-1", sender="agent", text="Hallo", at=T0, client_key="k1"
    )
    store.complete(store.pending()[0].id, messages=[server_copy])
    (entry,) = store.transcript("cv-1")
    assert (entry.message.id, entry.delivery) == ("m-99", "sent")
    assert [i.kind for i in store.pending()] == ["close"]
    # The push stream delivering the same message again changes nothing.
    store.apply(messages=[server_copy])
    assert [e.message.id for e in store.transcript("cv-1")] == ["m-99"]


def test_refused_write_is_kept_with_its_reason(store: CacheStore) -> None:
    local = Message(
        id="local:k2", conversation_id="cv-1", sender="agent", text="Zu spät", at=T0, client_key="k2"
    )
    store.enqueue("message", {"text": "Zu spät"}, target="cv-1", local_message=local)
    item = store.pending()[0]
    store.fail(item.id, "The conversation is already closed.")
    assert store.pending() == []
    ((failed, reason),) = store.failed()
    assert failed.key == "k2" and reason == "The conversation is already closed."
    (entry,) = store.transcript("cv-1")
    assert entry.delivery == "failed" and entry.error == "The conversation is already closed."


def test_outbox_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    first = CacheStore(open_engine(path))
    first.enqueue("presence", {"presence": "away"})
    first.close()
    again = CacheStore(open_engine(path))
    assert [i.payload for i in again.pending()] == [{"presence": "away"}]


def test_cache_from_a_newer_version_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    CacheStore(open_engine(path)).set_value("schema_version", 999)
    with pytest.raises(RuntimeError, match="newer version"):
        open_engine(path)


def test_transcript_tail_is_the_newest_messages_oldest_first(store: CacheStore) -> None:
    store.apply(messages=[_message(i) for i in range(30)] + [_message(99, conv="cv-2")])
    assert [e.message.id for e in store.transcript("cv-1", last=3)] == ["m-27", "m-28", "m-29"]
    assert len(store.transcript("cv-1")) == 30
    assert [e.message.id for e in store.transcript("cv-2", last=20)] == ["m-99"]


def test_a_settled_answer_is_committed_and_the_agents_writes_stay_fully_synced(
    tmp_path: Path, store: CacheStore
) -> None:
    """The backend's answers are stored without waiting for the disk (a re-send recovers them), in a
    real commit that another connection sees; the setting goes back to FULL for everything else."""
    from workstation.store.cache import Answer, Sent

    local = Message(id="local:k1", conversation_id="cv-1", sender="agent", text="Hi", at=T0, client_key="k1")
    store.enqueue("message", {"text": "Hi"}, target="cv-1", local_message=local)
    (item,) = store.pending()
    store.note_attempt(item.id)
    server_copy = Message(id="m-7", conversation_id="cv-1", sender="agent", text="Hi", at=T0, client_key="k1")
    store.settle_sent([Sent(item.id, Answer(messages=[server_copy]))])
    with sqlite3.connect(tmp_path / "cache.sqlite3") as other:
        state, attempts = other.execute("SELECT state, attempts FROM outbox").fetchone()
        (message_id,) = other.execute("SELECT id FROM messages").fetchone()
    assert (state, attempts, message_id) == ("done", 1, "m-7")
    with store.engine.connect() as conn:  # the pool's connection the settle used
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
