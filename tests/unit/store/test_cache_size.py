"""The cache stays under its configured size: old history goes, open work never does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    CustomerSummary,
    TimelineEvent,
    utcnow,
)
from workstation.store.cache import CacheStore, open_engine


def _fill(store: CacheStore) -> None:
    now = utcnow()
    for c in range(20):
        customer = Customer(id=f"c{c}", name=f"Customer Number{c}", email=f"c{c}@example.org")
        events = [
            TimelineEvent(
                id=f"c{c}-e{i}",
                customer_id=customer.id,
                at=now - timedelta(hours=i),
                channel="web",
                kind="page_view",
                summary="x" * 400,
            )
            for i in range(150)
        ]
        store.apply(customers=[customer], events=events)
    open_chat = Conversation(
        id="conv-open",
        customer=CustomerSummary(id="c0", name="Customer Number0"),
        channel="chat",
        state=ConversationState.ACTIVE,
        started_at=now,
    )
    store.apply(conversations=[open_chat])
    store.enqueue("message", {"text": "queued while offline"}, target="conv-open")


def test_prune_drops_the_least_recently_used_customers_timelines_first_and_keeps_open_work(
    tmp_path: Path,
) -> None:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    _fill(store)
    # The agent opened c19 first, ..., c1 last; c0 has an open chat, c7 is on screen (kept).
    for c in range(19, 0, -1):
        store.mark_used(f"c{c}")
    for c in range(20):
        store.set_value(f"timeline.older:c{c}", "complete")
    before = store.used_bytes()
    limit = before // 3
    removed = store.prune_to(limit, keep=["c7"])
    assert removed > 0 and store.used_bytes() <= limit
    assert store.count_pending() == 1  # unsent work is never dropped
    kept = {c for c in range(20) if store.timeline(f"c{c}")}
    assert {0, 7} <= kept  # the open chat's customer, the one on screen
    # whole timelines went, longest unused first: the survivors are the most recently used ones
    assert all(len(store.timeline(f"c{c}")) == 150 for c in kept)
    gone = set(range(20)) - kept
    assert gone and max(gone) == 19 and all(c > max(kept - {0, 7}) for c in gone)
    # records stay (the screen pop needs them); a dropped history is no longer complete
    assert {"Customer Number19", "c19@example.org"} <= store.customer_identifiers()
    assert store.get_value("timeline.older:c19") is None
    assert store.get_value("timeline.older:c1") == "complete"
    assert store.prune_to(before * 2) == 0  # under the limit: nothing happens


def test_a_limit_below_the_open_work_keeps_the_open_work(tmp_path: Path) -> None:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    _fill(store)
    store.prune_to(1)
    assert len(store.timeline("c0")) == 150 and store.count_pending() == 1
    assert all(not store.timeline(f"c{c}") for c in range(1, 20))
