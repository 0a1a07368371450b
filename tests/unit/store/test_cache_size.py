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


def test_prune_keeps_the_cache_under_its_limit_and_open_work_intact(tmp_path: Path) -> None:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    _fill(store)
    for c in range(20):
        store.set_value(f"timeline.older:c{c}", "complete")
    before = store.used_bytes()
    limit = before // 3
    removed = store.prune_to(limit)
    assert removed > 0 and store.used_bytes() <= limit
    assert len(store.timeline("c0")) == 150  # the customer with an open conversation keeps all
    assert store.count_pending() == 1  # unsent work is never dropped
    survivors = [len(store.timeline(f"c{c}")) for c in range(1, 20)]
    assert sum(survivors) < 19 * 150
    # the oldest history goes first: every customer still has their newest event
    assert all(store.timeline(f"c{c}", limit=1)[0].id == f"c{c}-e0" for c in range(1, 20) if survivors[c - 1])
    assert {"Customer Number3", "c3@example.org"} <= store.customer_identifiers()
    # a pruned customer's history is no longer complete; an untouched one's still is
    assert store.get_value("timeline.older:c1") is None
    assert store.get_value("timeline.older:c0") == "complete"
    assert store.prune_to(before * 2) == 0  # under the limit: nothing happens
