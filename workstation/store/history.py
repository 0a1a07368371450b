"""A customer's history (timeline events and open stories) in the cache, page by page."""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    cast,
    column,
    delete,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from workstation.domain import timeline
from workstation.domain.models import (
    TimelineEvent,
)
from workstation.domain.timeline import TimelineEntry, TimelineFilter
from workstation.store.schema import FTS_TABLE, TimelineEventRow, TimelineStoryRow, json_text, upsert

#: Key prefix (key/value table) of how far back a customer's history is cached; see prune_to.
HISTORY_CURSOR_PREFIX = "timeline.older:"
#: bm25 weight of a word in an event's summary (what the agent reads in the row) against one in its data
SUMMARY_WEIGHT = 2.0
#: How many searches' rankings the cache keeps for their later pages (the one on screen and the one
#: before it: the agent goes back and forth between two searches more than between three)
RANKINGS_KEPT = 2
#: How many page ends of one ranking are remembered to continue from without a search of the list
PAGE_ENDS_KEPT = 64


def entry_of(row: Any) -> TimelineEntry:
    at = row[1] if row[1].tzinfo is not None else row[1].replace(tzinfo=UTC)
    return TimelineEntry(row[0], at, row[2], row[3], row[4], row[5], row[6])


def put_events(db: Session, events: Iterable[TimelineEvent]) -> None:
    """Insert or replace events, in one statement for the lot.

    One `INSERT ... ON CONFLICT DO UPDATE` for a whole page instead of an ORM merge per event (a
    SELECT and a flush each): an older page of 1,000 events took about a second, growing with the
    session's size; now tens of milliseconds."""
    rows = [
        {
            "id": ev.id,
            "customer_id": ev.customer_id,
            "at": ev.at,
            "data": ev.model_dump(mode="json"),
            "channel": ev.channel,
            "kind": ev.kind,
            "summary": ev.summary,
            "phase": timeline.journey_phase(ev.kind, ev.data),
            "story": timeline.story_key(ev.kind, ev.data),
        }
        for ev in {ev.id: ev for ev in events}.values()
    ]
    upsert(db, TimelineEventRow, rows)


def _fts_rows(match: str) -> Any:
    """The rowids of the cached events whose summary or data match an FTS5 expression."""
    rows = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match").bindparams(match=match)
    return rows.columns(column("rowid"))


@dataclass
class _Ranking:
    """A search's matches, best first, as rowids of timeline_events (8 bytes a match)."""

    generation: int
    rowids: array[int]
    #: event id of a page's last row -> where the next page starts (what the model asks for next)
    page_ends: OrderedDict[str, int] = field(default_factory=OrderedDict)


class Generations:
    """How often each customer's cached record or history was written: a reader that keeps something
    derived from them (a search's ranking, a re-rank's context) keeps it while the count is the same.

    Every writer of a customer's record or history counts up after its commit, so a reader that
    reads the count before it reads the cache can only be stale early, never late. Used from the
    GUI, reader and writer threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def changed(self, customer_ids: Iterable[str]) -> None:
        with self._lock:
            for customer_id in set(customer_ids):
                self._counts[customer_id] = self._counts.get(customer_id, 0) + 1

    def of(self, customer_id: str) -> int:
        with self._lock:
            return self._counts.get(customer_id, 0)


class Rankings:
    """The rankings of the last few searches, so that a later page of "best matches first" costs a
    page, not a ranking of every match again (bm25 orders the matches only all together: 12,500
    matches at 100,000 events took ~30 ms a page, growing with the history).

    A ranking is valid while its customer's `Generations` count is the one it was made at."""

    def __init__(self, kept: int = RANKINGS_KEPT) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._rankings: OrderedDict[tuple[Any, ...], _Ranking] = OrderedDict()

    def get(self, key: tuple[Any, ...], generation: int) -> _Ranking | None:
        with self._lock:
            ranking = self._rankings.get(key)
            if ranking is None or ranking.generation != generation:
                return None
            self._rankings.move_to_end(key)
            return ranking

    def put(self, key: tuple[Any, ...], ranking: _Ranking) -> None:
        with self._lock:
            self._rankings[key] = ranking
            self._rankings.move_to_end(key)
            while len(self._rankings) > self._kept:
                self._rankings.popitem(last=False)


class HistoryStore:
    """Reads and writes of the history, mixed into CacheStore."""

    _sessions: sessionmaker[Session]
    #: set by CacheStore; every writer of a customer's record or history calls `generations.changed`
    generations: Generations
    rankings: Rankings

    def timeline(self, customer_id: str, *, limit: int = 500) -> list[TimelineEvent]:
        """The customer's cached history, newest first."""
        with self._sessions() as db:
            texts = db.scalars(
                select(json_text(TimelineEventRow.data))
                .where(TimelineEventRow.customer_id == customer_id)
                .order_by(TimelineEventRow.at.desc(), TimelineEventRow.id.desc())
                .limit(limit)
            ).all()
        return [TimelineEvent.model_validate_json(text) for text in texts]

    def timeline_page(
        self,
        customer_id: str,
        *,
        where: TimelineFilter | None = None,
        before: TimelineEntry | None = None,
        limit: int = 200,
    ) -> list[TimelineEntry]:
        """One page of the cached history, newest first, narrowed by `where`; `before` is the last
        entry of the previous page. Reads only the columns a history row shows (no JSON)."""
        t = TimelineEventRow
        query = select(t.id, t.at, t.channel, t.kind, t.summary, t.phase, t.story)
        match = timeline.fts_query(where.text) if where is not None else None
        # Which index drives the page. Left alone, SQLite walks the customer's time index (no sort)
        # and tests every event on the way: for a search with few matches, or the few open stories,
        # that is the whole history (100,000 events: 40-70 ms). With the search, start from its
        # matches (the unary + takes customer_id off the time index); with only open stories, from
        # the story index (the + in ORDER BY takes the time index's order away). Either way the
        # cost follows the matches, not the history.
        if where is not None and match is not None and where.by_relevance:
            return self._ranked_page(customer_id, where, match, before, limit)
        by_matches = match is not None or (where is not None and where.only_open)
        if match is not None:
            query = query.where(literal_column("+timeline_events.customer_id") == customer_id)
        else:
            query = query.where(t.customer_id == customer_id)
        if where is not None:
            query = self._narrowed(query, customer_id, where)
            needle = where.text.strip()
            if match is not None:
                # The FTS5 index (revision 0004): a lookup per word instead of a scan of the history.
                query = query.where(literal_column("timeline_events.rowid").in_(_fts_rows(match)))
            elif needle:
                pattern = timeline.like_pattern(needle)
                query = query.where(
                    t.summary.ilike(pattern, escape="\\") | cast(t.data, String).ilike(pattern, escape="\\")
                )
        if before is not None:
            # Keyset: after (at, id). The plain `at <= ?` is what lets SQLite seek in the index; with
            # only the OR it walked from the newest event down to the page (cost grew with depth).
            query = query.where(t.at <= before.at, (t.at < before.at) | (t.id < before.id))
        if by_matches:
            query = query.order_by(
                literal_column("+timeline_events.at").desc(), literal_column("+timeline_events.id").desc()
            ).limit(limit)
        else:
            query = query.order_by(t.at.desc(), t.id.desc()).limit(limit)
        with self._sessions() as db:
            # Plain rows through the session's connection: the session's own execute() runs the
            # ORM's row loading for the same columns, about a third of a page's read time.
            return [entry_of(row) for row in db.connection().execute(query)]

    def _narrowed(self, query: Any, customer_id: str, where: TimelineFilter) -> Any:
        """`where`'s channels, phases, kinds and open stories in SQL (the text is the caller's)."""
        t = TimelineEventRow
        if where.channels:
            query = query.where(t.channel.in_(sorted(where.channels)))
        if where.phases:
            query = query.where(t.phase.in_(sorted(where.phases)))
        if where.kinds:
            query = query.where(t.kind.in_(sorted(where.kinds)))
        if where.only_open:
            query = query.where(t.story.in_(sorted(self.open_stories(customer_id))))
        return query

    def _ranked_page(
        self, customer_id: str, where: TimelineFilter, match: str, after: TimelineEntry | None, limit: int
    ) -> list[TimelineEntry]:
        """One page of the matches, best first (FTS5's bm25, a summary word counting twice a word
        of the data); `after` is the last entry of the previous page.

        A new search's first page is the best `limit` matches (bm25 needs every match to find them;
        SQLite keeps only the best while it goes). The next page ranks all of the customer's matches
        once and keeps the ranking (`Rankings`); a later page is then a slice of it, read by rowid,
        so it costs the same however deep it is and however many matches there are. When the history
        changed in between, the ranking is made again and the page goes on after `after` in it."""
        key = (customer_id, match, where.channels, where.phases, where.kinds, where.only_open)
        generation = self.generations.of(customer_id)
        with self._sessions() as db:
            ranking = self.rankings.get(key, generation)
            start = 0
            if ranking is None and after is None:
                # Most searches are not scrolled: ranking them all would cost a third more here.
                rowids = self._rank(db, customer_id, where, match, limit)
            else:
                if ranking is None:
                    ranking = _Ranking(generation, self._rank(db, customer_id, where, match))
                    self.rankings.put(key, ranking)
                if after is not None:
                    start = self._position_after(db, ranking, after)
                    if start < 0:
                        return []  # the cursor's event left the cache or the matches: nowhere to go on from
                rowids = ranking.rowids[start : start + limit]
            if not rowids:
                return []
            t = TimelineEventRow
            rid: ColumnElement[int] = literal_column("timeline_events.rowid", Integer)
            query = select(rid, t.id, t.at, t.channel, t.kind, t.summary, t.phase, t.story).where(
                rid.in_(list(rowids))
            )
            by_rowid = {row[0]: row[1:] for row in db.connection().execute(query)}
        page = [entry_of(by_rowid[r]) for r in rowids if r in by_rowid]
        if page and ranking is not None:
            ranking.page_ends[page[-1].id] = start + len(rowids)
            while len(ranking.page_ends) > PAGE_ENDS_KEPT:
                ranking.page_ends.popitem(last=False)
        return page

    @staticmethod
    def _position_after(db: Session, ranking: _Ranking, after: TimelineEntry) -> int:
        """Where the page after `after` starts in `ranking`; -1 when `after` is not in it."""
        start = ranking.page_ends.get(after.id)
        if start is not None:
            return start
        rowid = db.execute(
            text("SELECT rowid FROM timeline_events WHERE id = :id"), {"id": after.id}
        ).scalar()
        try:
            return ranking.rowids.index(rowid) + 1 if rowid is not None else -1
        except ValueError:
            return -1

    def _rank(
        self, db: Session, customer_id: str, where: TimelineFilter, match: str, limit: int | None = None
    ) -> array[int]:
        """The rowids of the customer's matches narrowed by `where`, best first (ties by id); the
        best `limit` of them when given."""
        t = TimelineEventRow
        hits = (
            text(
                f"SELECT rowid AS rid, bm25({FTS_TABLE}, {SUMMARY_WEIGHT}, 1.0) AS score "
                f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match"
            )
            .bindparams(match=match)
            .columns(column("rid"), column("score", Float))
            .subquery("hits")
        )
        query = (
            select(hits.c.rid)
            .select_from(hits)
            .join(t, literal_column("timeline_events.rowid") == hits.c.rid)
            .where(t.customer_id == customer_id)
        )
        query = self._narrowed(query, customer_id, where).order_by(hits.c.score, t.id).limit(limit)
        return array("q", db.connection().execute(query).scalars())

    def timeline_event(self, event_id: str) -> TimelineEvent | None:
        with self._sessions() as db:
            row = db.get(TimelineEventRow, event_id)
            return TimelineEvent.model_validate(row.data) if row else None

    def timeline_count(self, customer_id: str) -> int:
        with self._sessions() as db:
            query = select(func.count()).select_from(TimelineEventRow)
            return db.scalar(query.where(TimelineEventRow.customer_id == customer_id)) or 0

    def story_entries(self, customer_id: str, story: str) -> list[TimelineEntry]:
        """The cached events of one story, oldest first (how the agent reads a story)."""
        t = TimelineEventRow
        query = (
            select(t.id, t.at, t.channel, t.kind, t.summary, t.phase, t.story)
            .where(t.customer_id == customer_id, t.story == story)
            .order_by(t.at, t.id)
        )
        with self._sessions() as db:
            return [entry_of(row) for row in db.connection().execute(query)]

    def open_stories(self, customer_id: str) -> set[str]:
        with self._sessions() as db:
            query = select(TimelineStoryRow.key).where(
                TimelineStoryRow.customer_id == customer_id, TimelineStoryRow.open.is_(True)
            )
            return set(db.scalars(query))

    def set_open_stories(self, customer_id: str, keys: Iterable[str]) -> None:
        """What the backend says is open now (it sees the whole history; the cache may not)."""
        with self._sessions.begin() as db:
            db.execute(delete(TimelineStoryRow).where(TimelineStoryRow.customer_id == customer_id))
            db.add_all(TimelineStoryRow(customer_id=customer_id, key=k, open=True) for k in set(keys))
        self.generations.changed([customer_id])  # "only open issues" narrows a ranking by them

    def refresh_stories(self, customer_id: str, keys: Iterable[str]) -> set[str]:
        """Recompute stories from their cached events (after a pushed event); returns the open ones."""
        opened: set[str] = set()
        with self._sessions.begin() as db:
            for key in set(keys):
                rows = db.execute(
                    select(TimelineEventRow.kind, TimelineEventRow.data)
                    .where(TimelineEventRow.customer_id == customer_id, TimelineEventRow.story == key)
                    .order_by(TimelineEventRow.at, TimelineEventRow.id)
                ).all()
                is_open = timeline.story_open((kind, data.get("data")) for kind, data in rows)
                db.merge(TimelineStoryRow(customer_id=customer_id, key=key, open=is_open))
                if is_open:
                    opened.add(key)
        self.generations.changed([customer_id])
        return opened
