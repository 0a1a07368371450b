"""Re-ranks are throttled per conversation: a burst of customer messages costs one re-rank a second
at most, the trailing re-rank carries the last message, and conversations do not wait for each other.
A fake clock drives the schedule (no wall-clock asserts); the service's engine, cache and context are
fakes (one layer under test: the service's scheduling)."""

from __future__ import annotations

import itertools
from concurrent.futures import Executor, Future
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from workstation.domain.models import (
    Conversation,
    ConversationState,
    CustomerSummary,
    Message,
    TranscriptEntry,
    utcnow,
)
from workstation.domain.relevance import FeedbackStats, Ranking
from workstation.services.customer_context import CustomerContext
from workstation.services.relevance import (
    RERANK_INTERVAL_S,
    RERANK_SPACING_S,
    RelevanceService,
    RerankThrottle,
)
from workstation.store.history import Generations

T0 = utcnow()
DEBOUNCE = RelevanceService.DEBOUNCE_MS / 1000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the schedule alone --------------------------------------------------------------------------


def test_a_burst_within_a_second_gives_one_rank_then_one_trailing_rank() -> None:
    clock = Clock()
    throttle = RerankThrottle(RERANK_INTERVAL_S, DEBOUNCE, clock)
    throttle.request("a")
    assert throttle.take_due() == []  # debounced
    clock.now += DEBOUNCE
    assert throttle.take_due() == ["a"]
    ranked_at = [clock.now]
    # Messages keep coming, ten a second, for 1.9 seconds.
    for _ in range(19):
        clock.now += 0.1
        throttle.request("a")
        ranked_at += [clock.now for _ in throttle.take_due()]
    assert len(ranked_at) == 2  # at the start, then a second later: not one per message
    assert ranked_at[1] - ranked_at[0] >= RERANK_INTERVAL_S - 1e-9
    wait = throttle.next_in()
    assert wait is not None and wait <= RERANK_INTERVAL_S  # the last message is ranked within a second
    clock.now += wait
    assert throttle.take_due() == ["a"]
    assert clock.now - ranked_at[1] >= RERANK_INTERVAL_S - 1e-9
    assert throttle.next_in() is None


def test_quiet_news_is_ranked_after_the_debounce_and_conversations_are_independent() -> None:
    clock = Clock()
    throttle = RerankThrottle(RERANK_INTERVAL_S, DEBOUNCE, clock)
    throttle.request("a")
    clock.now += DEBOUNCE
    assert throttle.take_due() == ["a"]
    # "b" was never ranked: its news waits for the debounce only, not for "a"'s second.
    throttle.request("a")
    throttle.request("b")
    clock.now += DEBOUNCE
    assert throttle.take_due() == ["b"]
    clock.now += RERANK_INTERVAL_S - DEBOUNCE
    assert throttle.take_due() == ["a"]
    # After a quiet spell longer than the interval, news is ranked after the debounce again.
    clock.now += 5
    throttle.request("a")
    assert throttle.next_in() == pytest.approx(DEBOUNCE)
    throttle.forget("a")
    assert throttle.next_in() is None


def test_a_busy_desk_is_re_ranked_at_most_once_per_spacing_oldest_due_first() -> None:
    clock = Clock()
    throttle = RerankThrottle(RERANK_INTERVAL_S, DEBOUNCE, clock, spacing=RERANK_SPACING_S)
    # Twenty conversations get news within 20 ms (the last one first).
    for i in reversed(range(20)):
        throttle.request(f"c{i}")
        clock.now += 0.001
    clock.now += DEBOUNCE
    order: list[str] = []
    started: list[float] = []
    while (wait := throttle.next_in()) is not None:
        clock.now += wait
        for cid in throttle.take_due():
            order.append(cid)
            started.append(clock.now)
    assert order == [f"c{i}" for i in reversed(range(20))]  # all of them, the longest due first
    gaps = [b - a for a, b in itertools.pairwise(started)]
    assert min(gaps) >= RERANK_SPACING_S - 1e-9  # never two within the spacing
    assert started[-1] - started[0] == pytest.approx(19 * RERANK_SPACING_S)  # and no slower than it
    # A verdict's re-rank (outside the schedule) counts too: news right after it waits the spacing.
    throttle.ranked("c0")
    throttle.request("c5")
    assert throttle.next_in() == pytest.approx(max(RERANK_SPACING_S, DEBOUNCE))


# --- the service ---------------------------------------------------------------------------------


class Inline(Executor):
    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class Engine:
    def __init__(self) -> None:
        self.feedback = FeedbackStats()
        self.ranked: list[tuple[str, tuple[str, ...]]] = []

    def rank(self, case: Any, handled: Any = None) -> Ranking:
        self.ranked.append((case.id, tuple(m.text for m in case.interaction.messages)))
        return Ranking(case_id=case.id, cards=(), hidden=(), phase="none", topics=(), elapsed_ms=0.0)


class Store:
    def __init__(self) -> None:
        self.lines: dict[str, list[TranscriptEntry]] = {}
        self.generations = Generations()

    def get_value(self, _key: str) -> Any:
        return None

    def outbox_payloads(self, _kind: str) -> list[Any]:
        return []

    def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        return list(self.lines.get(conversation_id, []))


class Context(QObject):
    context_refreshed = Signal(str)
    events_added = Signal(str, object)

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def cached(self, customer_id: str) -> CustomerContext:
        self.reads.append(customer_id)
        return CustomerContext(customer=None, events=[])


class Sync(QObject):
    write_completed = Signal(str, str)


def _conversation(cid: str) -> Conversation:
    return Conversation(
        id=cid,
        customer=CustomerSummary(id=f"cust-{cid}", name="Jana"),
        channel="chat",
        state=ConversationState.ACTIVE,
        started_at=T0,
    )


def _say(store: Store, cid: str, n: int) -> list[TranscriptEntry]:
    entry = TranscriptEntry(
        message=Message(
            id=f"{cid}-{n}",
            conversation_id=cid,
            sender="customer",
            text=f"{cid} message {n}",
            at=T0 + timedelta(seconds=n),
        )
    )
    store.lines.setdefault(cid, []).append(entry)
    return [entry]


def test_the_service_ranks_a_burst_once_a_second_and_the_trailing_rank_has_the_last_message(
    qapp: Any,
) -> None:
    clock, engine, store = Clock(), Engine(), Store()
    service = RelevanceService(
        engine,  # type: ignore[arg-type]
        api=None,  # type: ignore[arg-type]
        store=store,  # type: ignore[arg-type]
        sync=Sync(),  # type: ignore[arg-type]
        context=Context(),  # type: ignore[arg-type]
        reader=Inline(),
        clock=clock,
    )
    empty = Ranking(case_id="", cards=(), hidden=(), phase="none", topics=(), elapsed_ms=0.0)
    for cid in ("a", "b"):
        service.adopt(_conversation(cid), {}, empty)

    def tick(seconds: float) -> None:
        clock.now += seconds
        service._on_timer_timeout()  # what the service's timer does when it fires

    # "a": a message every 100 ms for 1.5 s; "b": one message in the middle of it.
    for n in range(15):
        service.on_transcript_updated("a", _say(store, "a", n))
        if n == 7:
            service.on_transcript_updated("b", _say(store, "b", 0))
        tick(0.1)
    for _ in range(20):  # quiet: the trailing re-ranks come due
        tick(0.1)
    ranks_a = [texts for cid, texts in engine.ranked if cid == "a"]
    ranks_b = [texts for cid, texts in engine.ranked if cid == "b"]
    assert len(ranks_a) == 3  # 0.2 s, 1.2 s, and the trailing one, for 15 messages
    assert ranks_a[-1][-1] == "a message 14"  # the last message is in the last ranking
    assert ranks_b == [("b message 0",)]  # ranked after its own debounce, not after "a"'s second
    assert engine.ranked.index(("b", ("b message 0",))) < engine.ranked.index(("a", ranks_a[1]))
    assert service.throttle.next_in() is None


def test_re_ranks_read_the_customers_context_again_only_after_it_was_written(qapp: Any) -> None:
    clock, engine, store, context = Clock(), Engine(), Store(), Context()
    service = RelevanceService(
        engine,  # type: ignore[arg-type]
        api=None,  # type: ignore[arg-type]
        store=store,  # type: ignore[arg-type]
        sync=Sync(),  # type: ignore[arg-type]
        context=context,  # type: ignore[arg-type]
        reader=Inline(),
        clock=clock,
    )
    empty = Ranking(case_id="", cards=(), hidden=(), phase="none", topics=(), elapsed_ms=0.0)
    service.adopt(_conversation("a"), {}, empty)

    def message(n: int) -> None:
        service.on_transcript_updated("a", _say(store, "a", n))
        clock.now += RERANK_INTERVAL_S + DEBOUNCE
        service._on_timer_timeout()

    for n in range(3):
        message(n)
    assert len(engine.ranked) == 3 and context.reads == ["cust-a"]  # three re-ranks, one read
    store.generations.changed(["cust-other"])  # another customer's write changes nothing here
    message(3)
    assert context.reads == ["cust-a"]
    store.generations.changed(["cust-a"])  # their record or history was written: read again
    message(4)
    message(5)
    assert context.reads == ["cust-a", "cust-a"] and len(engine.ranked) == 6
