"""The ranking process: a real child process reading a real cache file ranks as the desktop's own
engine would, sees what the desktop commits, survives a bad request, and when it dies or hangs the
re-ranks go on on the reader thread."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    CustomerSummary,
    Message,
    TimelineEvent,
)
from workstation.domain.relevance import FeedbackStats, Ranking, RelevanceEngine
from workstation.priority import BACKGROUND_NICENESS
from workstation.services.customer_context import CustomerContext
from workstation.services.ranking import (
    RankerError,
    RankerProcess,
    RankerUnavailable,
    RankRequest,
    rank_transcript,
    ranker_command,
)
from workstation.services.relevance import RelevanceService
from workstation.store.cache import CacheStore, open_engine, open_reader
from workstation.store.writer import WriterClosed

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
#: Long enough for the child to import the engine and open the cache on a busy 2-core machine.
READY_WITHIN_S = 60.0

JANA = Customer(
    id="c-1",
    name="Jana Kowalski",
    language="de",
    value_tier="gold",
    consents={"marketing": True, "cobrowse": True},
)
HISTORY: list[tuple[str, str, str, dict[str, Any]]] = [
    ("shop", "order_placed", "Order 5120 placed", {"order_id": "5120", "value": 499.0}),
    ("logistics", "delivery_delayed", "DHL: Zustellung verschoben", {"order_id": "5120", "reason": "Streik"}),
    ("email", "complaint", "Beschwerde: Lieferverzögerung bei Bestellung 5120", {"order_id": "5120"}),
]
CONVERSATION = Conversation(
    id="conv-1",
    customer=CustomerSummary(id="c-1", name="Jana Kowalski", language="de"),
    channel="chat",
    state=ConversationState.ACTIVE,
    started_at=T0,
)


def _message(n: int, text: str) -> Message:
    return Message(
        id=f"m-{n}", conversation_id="conv-1", sender="customer", text=text, at=T0 + timedelta(seconds=n)
    )


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[CacheStore]:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    events = [
        TimelineEvent(
            id=f"h{i}",
            customer_id="c-1",
            at=T0 - timedelta(days=2 - i),
            channel=channel,
            kind=kind,
            summary=summary,
            data=data,
        )
        for i, (channel, kind, summary, data) in enumerate(HISTORY)
    ]
    store.apply(
        customers=[JANA],
        events=events,
        conversations=[CONVERSATION],
        messages=[_message(0, "Hallo, wo ist mein Paket? Die Bestellung 5120 ist nicht angekommen.")],
    )
    yield store
    store.close()


@pytest.fixture
def ranker(cache: CacheStore) -> Iterator[RankerProcess]:
    process = RankerProcess(Path(str(cache.engine.url.database)))
    process.start()
    _wait_ready(process)
    yield process
    process.close()


def _wait_ready(process: RankerProcess) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while not process.ready:
        assert process.failure is None, process.failure
        assert time.monotonic() < deadline, "the ranking process did not load"
        time.sleep(0.05)


def _request(store: CacheStore, handled: dict[str, str] | None = None) -> RankRequest:
    return RankRequest(
        conversation=CONVERSATION.model_dump_json(),
        handled=handled or {},
        customer_generation=store.generations.of("c-1"),
        feedback=FeedbackStats(),
    )


def _here(store: CacheStore, handled: dict[str, str] | None = None) -> tuple[object, ...]:
    """The same conversation ranked in this process, from the same cache."""
    ranking = rank_transcript(
        RelevanceEngine(),
        CONVERSATION,
        store.customer("c-1"),
        store.timeline("c-1", limit=200),
        store.transcript("conv-1"),
        handled or {},
    )
    return _shown(ranking)


def _shown(ranking: object) -> tuple[object, ...]:
    cards = getattr(ranking, "cards")  # noqa: B009 - a Ranking from either process
    return tuple((c.action, c.title, c.reasons, c.refs) for c in cards), getattr(ranking, "phase")  # noqa: B009


def test_the_process_ranks_what_the_desktop_would_and_sees_later_commits(
    cache: CacheStore, ranker: RankerProcess
) -> None:
    first = ranker.rank(_request(cache))
    assert first.cards, "a late parcel with a complaint gives cards"
    assert _shown(first) == _here(cache)
    # The customer writes again and the desktop commits it: the child reads the new line.
    cache.apply(messages=[_message(1, "Ich möchte den Vertrag kündigen, das ist mir zu viel Ärger.")])
    second = ranker.rank(_request(cache))
    assert _shown(second) == _here(cache)
    assert _shown(second) != _shown(first)
    # What the agent already did in this conversation is not suggested again, as here.
    done = {first.cards[0].action or "": "accepted"}
    assert _shown(ranker.rank(_request(cache, done))) == _here(cache, done)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX niceness (Windows: the priority class)")
def test_the_process_runs_as_background_work(ranker: RankerProcess) -> None:
    """Re-ranks can wait; a waking GUI thread gets a core before the ranking process."""
    assert ranker.pid is not None
    assert os.getpriority(os.PRIO_PROCESS, ranker.pid) >= max(os.nice(0), BACKGROUND_NICENESS)


def test_a_bad_request_gets_a_reason_and_the_process_goes_on(
    cache: CacheStore, ranker: RankerProcess
) -> None:
    broken = RankRequest(
        conversation='{"id": "conv-1"}', handled={}, customer_generation=0, feedback=FeedbackStats()
    )
    with pytest.raises(RankerError, match="ValidationError"):
        ranker.rank(broken)
    assert ranker.ready
    assert _shown(ranker.rank(_request(cache))) == _here(cache)


def test_a_killed_process_is_reported_at_once_and_not_used_again(
    cache: CacheStore, ranker: RankerProcess
) -> None:
    assert ranker.pid is not None
    os.kill(ranker.pid, signal.SIGKILL)
    with pytest.raises(RankerUnavailable):
        ranker.rank(_request(cache))
    assert not ranker.ready and ranker.failure is not None


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP is POSIX")
def test_a_hung_process_is_stopped_after_the_timeout(cache: CacheStore, ranker: RankerProcess) -> None:
    assert ranker.pid is not None
    os.kill(ranker.pid, signal.SIGSTOP)
    with pytest.raises(RankerUnavailable, match="did not answer"):
        ranker.rank(_request(cache), timeout=0.5)
    assert not ranker.ready
    # and the stopped child was killed, not left behind
    with pytest.raises(ProcessLookupError):
        os.kill(ranker.pid, 0)


def test_closing_ends_the_process_started_from_any_directory(
    cache: CacheStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `-m workstation.services.ranking` must not depend on the cwd
    monkeypatch.delenv("PYTHONPATH", raising=False)
    process = RankerProcess(Path(str(cache.engine.url.database)))
    process.start()
    _wait_ready(process)
    assert process.pid is not None
    process.close()
    assert not process.ready
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)
    with pytest.raises(RankerUnavailable):
        process.rank(_request(cache))


def test_a_process_that_cannot_open_the_cache_says_why(tmp_path: Path) -> None:
    process = RankerProcess(tmp_path / "missing.sqlite3")
    process.start()
    deadline = time.monotonic() + READY_WITHIN_S
    while process.failure is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "no cache file" in process.failure and not process.ready
    process.close()


def test_the_reader_store_refuses_writes(cache: CacheStore) -> None:
    reader = open_reader(str(cache.engine.url.database))
    assert reader.customer("c-1") == JANA
    with pytest.raises(WriterClosed):
        reader.writes.submit(reader.set_value, "x", 1)
    with pytest.raises(Exception, match=r"readonly|read-only|attempt to write"):
        reader.set_value("x", 1)  # even on this thread: the connection is query_only
    reader.engine.dispose()


def test_the_command_runs_this_interpreter_or_the_frozen_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ranker_command(Path("/c.sqlite3")) == [
        sys.executable,
        "-m",
        "workstation.services.ranking",
        "/c.sqlite3",
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/workstation/workstation")
    assert ranker_command(Path("/c.sqlite3")) == ["/opt/workstation/workstation", "ranker", "/c.sqlite3"]


# --- the relevance service with the process --------------------------------------------------------


class _Context(QObject):
    """The customer context service's part the relevance service uses, on the real cache."""

    context_refreshed = Signal(str)
    events_added = Signal(str, object)

    def __init__(self, store: CacheStore) -> None:
        super().__init__()
        self.store = store
        self.reads = 0

    def cached(self, customer_id: str) -> CustomerContext:
        self.reads += 1
        return CustomerContext(self.store.customer(customer_id), self.store.timeline(customer_id, limit=200))


class _Sync(QObject):
    write_completed = Signal(str, str)


class _Inline(Executor):
    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_the_service_re_ranks_in_the_process_and_here_once_the_process_is_gone(
    qapp: Any, qtbot: Any, cache: CacheStore, ranker: RankerProcess
) -> None:
    clock = [1000.0]
    context = _Context(cache)
    service = RelevanceService(
        RelevanceEngine(),
        api=None,  # type: ignore[arg-type]
        store=cache,
        sync=_Sync(),  # type: ignore[arg-type]
        context=context,  # type: ignore[arg-type]
        reader=_Inline(),
        clock=lambda: clock[0],
        ranker=ranker,
    )
    empty = Ranking(case_id="", cards=(), hidden=(), phase="none", topics=(), elapsed_ms=0.0)
    service.adopt(CONVERSATION, {}, empty)

    def customer_writes(n: int, text: str) -> Ranking:
        before = service.ranking("conv-1")
        cache.apply(messages=[_message(n, text)])
        service.on_transcript_updated("conv-1", cache.transcript("conv-1", last=1))
        clock[0] += 5.0
        service._on_timer_timeout()  # what the service's timer does when it fires
        qtbot.waitUntil(lambda: service.ranking("conv-1") is not before, timeout=5000)
        ranking = service.ranking("conv-1")
        assert ranking is not None
        return ranking

    in_process = customer_writes(1, "Ich möchte den Vertrag kündigen.")
    assert ranker.answered == 1 and context.reads == 0  # ranked there, nothing read here
    assert _shown(in_process) == _here(cache)
    assert ranker.pid is not None
    os.kill(ranker.pid, signal.SIGKILL)
    here = customer_writes(2, "Wo bleibt die Erstattung für die Rücksendung?")
    assert ranker.answered == 1 and context.reads == 1  # the reader thread ranked it
    assert _shown(here) == _here(cache)
