"""The cache stays under its limit while the agent works: loading older history drops the timelines
of the customers opened longest ago, never the one being read."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx

from tests.helpers.backend import Backend
from workstation.client.api import BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Customer, TimelineEvent, utcnow
from workstation.services.customer_context import CustomerContextService
from workstation.services.sync import SyncService
from workstation.store.cache import CacheStore, open_engine


def test_loading_older_history_past_the_limit_drops_the_longest_unused_timelines(
    backend: Backend, tmp_path: Path
) -> None:
    server = backend.server.backend
    assert server is not None
    now = utcnow()
    history = [
        TimelineEvent(
            id=f"c-1-old{i}",
            customer_id="c-1",
            at=now - timedelta(days=30, minutes=i),
            channel="web",
            kind="page_view",
            summary="y" * 300,
        )
        for i in range(1500)
    ]
    backend.server.call(lambda: server.add_customer_events(history, push=False))
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    for c in range(10):  # customers from earlier shifts, opened in this order
        events = [
            TimelineEvent(
                id=f"x{c}-e{i}",
                customer_id=f"x{c}",
                at=now - timedelta(hours=i),
                channel="web",
                kind="page_view",
                summary="x" * 300,
            )
            for i in range(300)
        ]
        store.apply(customers=[Customer(id=f"x{c}", name=f"Earlier {c}")], events=events)
        store.mark_used(f"x{c}")
    limit = store.used_bytes() + 100_000  # room for the newest page, not for the older history
    demo, _chat, _conv = backend.accepted_chat()  # in a chat with c-1: the agent may read the customer

    async def run() -> None:
        http = httpx.AsyncClient(base_url=backend.url, trust_env=False)
        try:
            api = BackendApi(http, token=demo["Authorization"].removeprefix("Bearer "))
            sync = SyncService(api, store, backoff=Backoff(initial=0.05, maximum=0.2))
            context = CustomerContextService(api, store, sync, cache_limit_bytes=limit)
            assert await context.refresh("c-1")
            assert await context.load_older("c-1") == CustomerContextService.OLDER_PAGE
        finally:
            await http.aclose()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run())
    finally:
        loop.close()
    assert store.used_bytes() <= limit
    assert store.timeline_count("c-1") >= 200 + CustomerContextService.OLDER_PAGE  # the one being read
    kept = [c for c in range(10) if store.timeline_count(f"x{c}")]
    assert kept != list(range(10)) and kept == list(range(10 - len(kept), 10))  # longest unused went first
    store.close()


def test_older_history_of_a_customer_whose_timeline_the_limit_dropped_is_fetched_again(
    backend: Backend, tmp_path: Path
) -> None:
    """prune_to forgets the paging cursor with the timeline; asking for older history then must fetch
    the newest page again (nothing else would, for a customer without an open conversation)."""
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    demo, _chat, _conv = backend.accepted_chat()  # in a chat with c-1: the agent may read the customer
    loaded: list[tuple[str, int]] = []

    async def run() -> tuple[int, int]:
        http = httpx.AsyncClient(base_url=backend.url, trust_env=False)
        try:
            api = BackendApi(http, token=demo["Authorization"].removeprefix("Bearer "))
            sync = SyncService(api, store, backoff=Backoff(initial=0.05, maximum=0.2))
            context = CustomerContextService(api, store, sync)
            context.history_loaded.connect(lambda cid, n: loaded.append((cid, n)))
            assert await context.refresh("c-1")
            cached = store.timeline_count("c-1")
            assert cached > 0
            assert store.prune_to(0) > 0  # the limit drops the whole timeline and its cursor
            assert store.timeline_count("c-1") == 0
            return cached, await context.load_older("c-1")
        finally:
            await http.aclose()

    loop = asyncio.new_event_loop()
    try:
        cached, fetched = loop.run_until_complete(run())
    finally:
        loop.close()
    assert fetched == cached and store.timeline_count("c-1") == cached
    assert loaded == [("c-1", cached)]
    store.close()
