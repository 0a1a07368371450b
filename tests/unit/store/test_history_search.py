"""Searching the cached history: the FTS5 index (revision 0004) finds words by prefix, in German and
English with case and diacritics folded, takes the agent's text literally, and stays in step with
every write (upserts, eviction); live events are matched by the same rule in Python."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workstation.domain.models import TimelineEvent
from workstation.domain.timeline import TimelineEntry, TimelineFilter, matches
from workstation.store.cache import CacheStore, open_engine

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EVENTS = [
    ("c-1", "Beschwerde über Lieferverzögerung", {"order_id": "5120", "grund": "Streik"}),
    ("c-1", "Fernseher 55 Zoll angesehen", {"url": "/tv-55"}),
    ("c-1", "Order 5120 placed", {"order_id": "5120", "value": 499.0}),
    ("c-1", "Straße geändert", {"street": "Hauptstraße 1"}),
    ("c-1", "Called about the invoice", {"topic": "billing"}),
    ("c-2", "Lieferverzögerung bei einem anderen Kunden", {}),
]


@pytest.fixture
def store(tmp_path: Path) -> CacheStore:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    events = [
        TimelineEvent(
            id=f"e{i}",
            customer_id=cid,
            at=T0 - timedelta(hours=i),
            channel="web",
            kind="note",
            summary=s,
            data=d,
        )
        for i, (cid, s, d) in enumerate(EVENTS)
    ]
    store.writes.submit(store.apply, events=events).result()
    return store


def _found(store: CacheStore, text: str, customer: str = "c-1") -> list[str]:
    return [e.id for e in store.timeline_page(customer, where=TimelineFilter(text=text), limit=50)]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("lieferverzögerung", ["e0"]),
        ("LIEFERVERZOG", ["e0"]),  # prefix, case and umlaut folded
        ("beschwerde uber", ["e0"]),  # every word must match, 'über' found as 'uber'
        ("strasse", []),  # ß is not ss (unicode61 folds diacritics, not ligatures)
        ("straße", ["e3"]),
        ("hauptstr", ["e3"]),  # in the event's data
        ("5120", ["e0", "e2"]),
        ("#5120", ["e0", "e2"]),  # punctuation is not part of a word
        ("invoice called", ["e4"]),  # English; word order does not matter
        ("fern zoll", ["e1"]),
        ("verzögerung", []),  # a word's inside is not a prefix
        ("nothing like this", []),
    ],
)
def test_words_are_found_by_prefix_with_case_and_umlauts_folded(
    store: CacheStore, text: str, ids: list[str]
) -> None:
    assert _found(store, text) == ids


@pytest.mark.parametrize("text", ['"', "OR", "5120 OR tv", "NEAR(a b)", "tv*", "-x", "^", "a:b"])
def test_the_agents_text_is_never_fts_syntax(store: CacheStore, text: str) -> None:
    # no syntax error reaches the agent, and FTS operators are words like any other
    found = _found(store, text)
    assert found == [i for i in found if i.startswith("e")]
    assert "e2" not in _found(store, "5120 OR tv")  # 'or' is a word e2 does not have


def test_text_without_words_falls_back_to_a_literal_substring(store: CacheStore) -> None:
    assert _found(store, "#") == []
    assert _found(store, "/") == ["e1"]  # '/tv-55' in the data


def test_the_index_follows_updates_and_eviction(store: CacheStore, tmp_path: Path) -> None:
    changed = TimelineEvent(id="e1", customer_id="c-1", at=T0, channel="web", kind="note", summary="Soundbar")
    store.writes.submit(store.apply, events=[changed]).result()
    assert _found(store, "fernseher") == [] and _found(store, "soundbar") == ["e1"]
    assert _found(store, "lieferverzögerung", "c-2") == ["e5"]  # customers are kept apart
    store.writes.submit(store.prune_to, 0).result()  # evicts every history
    store.close()
    with sqlite3.connect(tmp_path / "cache.sqlite3") as raw:
        assert raw.execute("SELECT count(*) FROM timeline_events").fetchone()[0] == 0
        assert (
            raw.execute("SELECT count(*) FROM timeline_fts WHERE timeline_fts MATCH 'soundbar'").fetchone()[0]
            == 0
        )
        raw.execute("INSERT INTO timeline_fts(timeline_fts, rank) VALUES ('integrity-check', 1)")


def test_live_events_are_matched_as_the_index_matches_them(store: CacheStore) -> None:
    texts = ["lieferverzog", "STRAßE", "5120", "#5120", "invoice called", "verzögerung", "hauptstr", "/", "#"]
    for text in texts:
        in_sql = set(_found(store, text))
        in_python = set()
        for event_id in (f"e{i}" for i in range(5)):
            event = store.timeline_event(event_id)
            assert event is not None
            entry = TimelineEntry.of(event.id, event.at, event.channel, event.kind, event.summary, event.data)
            if matches(entry, TimelineFilter(text=text), set(), json.dumps(event.data)):
                in_python.add(event_id)
        assert in_python == in_sql, text


def test_best_matches_first_pages_every_match_once_in_rank_order(tmp_path: Path) -> None:
    store = CacheStore(open_engine(tmp_path / "ranked.sqlite3"))
    events = [
        TimelineEvent(
            id=f"r{i:04d}",
            customer_id="c-1" if i % 5 else "c-2",
            at=T0 - timedelta(minutes=i),
            channel="web",
            kind="note",
            # a few say 'Erstattung' in their summary (twice in some), more only in their data
            summary=("Erstattung " * (1 + i % 2) if i % 7 == 0 else "") + f"Bestellung {i}",
            data={"grund": "erstattung" if i % 3 == 0 else "umtausch"},
        )
        for i in range(1500)
    ]
    store.writes.submit(store.apply, events=events).result()
    ranked = TimelineFilter(text="erstatt", ranked=True)
    pages: list[list[TimelineEntry]] = []
    while page := store.timeline_page("c-1", where=ranked, before=pages[-1][-1] if pages else None, limit=64):
        pages.append(page)
    listed = [e for page in pages for e in page]
    in_time = store.timeline_page("c-1", where=TimelineFilter(text="erstatt"), limit=10_000)
    assert len(pages) > 3 and len(listed) == len({e.id for e in listed})  # each once
    assert {e.id for e in listed} == {e.id for e in in_time}  # the same matches as newest first
    # a word in the summary (what the row shows) outranks one in the data only
    in_summary = [e.summary.startswith("Erstattung") for e in listed]
    assert in_summary == sorted(in_summary, reverse=True) and any(in_summary) and not all(in_summary)
    assert in_time == sorted(in_time, key=lambda e: (e.at, e.id), reverse=True)
    assert [e.id for e in listed] != [e.id for e in in_time]
    # other filters narrow the ranked list too; a text without words stays in time order
    other_kind = TimelineFilter(text="erstatt", ranked=True, kinds=frozenset({"contact"}))
    assert store.timeline_page("c-1", where=other_kind) == []
    assert not TimelineFilter(text="#", ranked=True).by_relevance
    # the cursor's event evicted: the list ends instead of starting over
    gone = TimelineEntry(
        id="nope", at=T0, channel="web", kind="note", summary="", phase="service", story=None
    )
    assert store.timeline_page("c-1", where=ranked, before=gone) == []


def _ranked_store(tmp_path: Path, count: int = 600) -> CacheStore:
    store = CacheStore(open_engine(tmp_path / "rankings.sqlite3"))
    events = [
        TimelineEvent(
            id=f"k{i:04d}",
            customer_id="c-1",
            at=T0 - timedelta(minutes=i),
            channel="web",
            kind="note",
            summary=("Erstattung " * (1 + i % 3) if i % 4 == 0 else "") + f"Bestellung {i}",
            data={"grund": "erstattung"},
        )
        for i in range(count)
    ]
    store.writes.submit(store.apply, events=events).result()
    return store


def _rankings_run(store: CacheStore) -> list[int]:
    """Counts the statements that rank matches (bm25) from now on."""
    from sqlalchemy import event

    count = [0]

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "bm25(" in statement:
            count[0] += 1

    event.listen(store.engine, "before_cursor_execute", seen)
    return count


def _all_pages(store: CacheStore, where: TimelineFilter, limit: int = 50) -> list[TimelineEntry]:
    pages: list[list[TimelineEntry]] = []
    while page := store.timeline_page(
        "c-1", where=where, before=pages[-1][-1] if pages else None, limit=limit
    ):
        pages.append(page)
    return [e for page in pages for e in page]


def test_later_ranked_pages_are_slices_of_one_ranking(tmp_path: Path) -> None:
    store = _ranked_store(tmp_path)
    ranked = TimelineFilter(text="erstatt", ranked=True)
    ranks = _rankings_run(store)
    listed = _all_pages(store, ranked)
    # every match once, in the order one ranking of them all gives
    assert [e.id for e in listed] == [e.id for e in store.timeline_page("c-1", where=ranked, limit=10_000)]
    assert len(listed) == 600
    # the first page keeps only the best 50 while ranking; the second ranks all of them, once, for
    # every later page (and for the one-page read above)
    assert ranks[0] == 2
    # a write for another customer leaves the ranking valid; a new search ranks once more
    other = TimelineEvent(id="x1", customer_id="c-2", at=T0, channel="web", kind="note", summary="Erstattung")
    store.writes.submit(store.apply, events=[other]).result()
    _all_pages(store, ranked)
    assert ranks[0] == 2
    _all_pages(store, TimelineFilter(text="bestellung", ranked=True))
    assert ranks[0] == 4


def test_a_ranking_is_made_again_after_the_customers_history_changed(tmp_path: Path) -> None:
    store = _ranked_store(tmp_path)
    ranked = TimelineFilter(text="erstatt", ranked=True)
    first = store.timeline_page("c-1", where=ranked, limit=50)
    ranks = _rankings_run(store)
    # new matches arrive between two pages: one outranks everything (the live list shows it on top),
    # one ranks last; the next page goes on after the cursor in the new ranking, so the last one comes
    best = TimelineEvent(
        id="new-best", customer_id="c-1", at=T0, channel="web", kind="note", summary="Erstattung " * 6
    )
    last = TimelineEvent(
        id="new-last",
        customer_id="c-1",
        at=T0,
        channel="web",
        kind="note",
        summary="x",
        data={"note": "erstattung " + "wort " * 200},
    )
    store.writes.submit(store.apply, events=[best, last]).result()
    rest: list[TimelineEntry] = []
    while page := store.timeline_page("c-1", where=ranked, before=(rest or first)[-1], limit=50):
        rest += page
    assert ranks[0] == 1
    ids = [e.id for e in first + rest]
    assert "new-last" in ids and "new-best" not in ids and len(ids) == len(set(ids)) == 601
    # open stories narrow "only open issues": setting them makes the ranking again
    store.writes.submit(store.set_open_stories, "c-1", ["order:5120"]).result()
    store.timeline_page("c-1", where=ranked, before=first[-1], limit=50)
    assert ranks[0] == 2
    # the customer's history evicted under the cursor: the list ends
    store.prune_to(0)
    assert store.timeline_page("c-1", where=ranked, before=first[-1], limit=50) == []
