"""The backend's engine on PostgreSQL: what the code assumes of SQLite holds there too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workstation.server.db import MonitorSampleRow, make_engine

pytestmark = pytest.mark.postgres


def test_naive_timestamps_mean_utc_whatever_the_servers_time_zone(pg_url: str) -> None:
    # The queue statistics and the history's paging cursor compare with naive UTC datetimes (as
    # SQLite stores them); the test cluster runs in Pacific/Auckland, so a session time zone other
    # than UTC would shift these comparisons by 13 hours.
    engine = make_engine(pg_url)
    try:
        at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
        with Session(engine) as db, db.begin():
            db.add(MonitorSampleRow(at=at, data={}))
        with Session(engine) as db:
            naive = at.replace(tzinfo=None)
            assert db.scalar(select(MonitorSampleRow.at).where(MonitorSampleRow.at == naive)) == at
            assert db.scalar(select(MonitorSampleRow.at).where(MonitorSampleRow.at >= naive)) == at
    finally:
        engine.dispose()


def test_history_text_search_uses_the_full_text_index(pg_url: str) -> None:
    """The timeline's text filter on PostgreSQL is an index lookup (revision 0006), not a scan: the
    query repeats the index's expression exactly, so the planner can use it (here it must: sequential
    scans are switched off for the check), and folded prefixes find words with umlauts."""
    from sqlalchemy import func, literal_column, text

    from workstation.domain import timeline
    from workstation.server.db import CustomerEventRow
    from workstation.server.history_index import EVENTS_WORDS_INDEX, HISTORY_QUERY, history_words_sql

    engine = make_engine(pg_url)
    try:
        document = literal_column(history_words_sql("customer_events.summary", "customer_events.data"))
        ts = timeline.tsquery("LIEFERVERZÖG")
        assert ts == "lieferverzog:*"
        query = select(CustomerEventRow.id).where(document.op("@@")(getattr(func, HISTORY_QUERY)(ts)))
        with engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                conn.scalars(text(f"EXPLAIN {query.compile(engine, compile_kwargs={'literal_binds': True})}"))
            )
            assert EVENTS_WORDS_INDEX in plan
            words = conn.scalar(text("SELECT history_words('Lieferverzögerung bei #A-9999', '{}')::text"))
            assert "lieferverzogerung" in words and "9999" in words
    finally:
        engine.dispose()


def test_best_matches_first_finds_its_matches_through_the_full_text_index(pg_url: str) -> None:
    """`order=relevance` ranks with ts_rank, but finds what to rank through the index (revision
    0006): the ranked query repeats the index's expression too."""
    from sqlalchemy import text

    from workstation.domain.timeline import TimelineFilter
    from workstation.server.backend.mappers import _ranked
    from workstation.server.db import CustomerStoryRow
    from workstation.server.history_index import EVENTS_WORDS_INDEX

    engine = make_engine(pg_url)
    try:
        where = TimelineFilter(text="lieferverzög", ranked=True)
        query, score = _ranked(where, select(CustomerStoryRow.key), fts=False)
        query = query.order_by(score.desc()).limit(50)
        with engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(conn.scalars(text(f"EXPLAIN {compiled}")))
            assert EVENTS_WORDS_INDEX in plan and "ts_rank" in str(compiled)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        # ids the parser read as a compound with a number inside ('0e37' is a float's start, '-17…' signed)
        ("Chat conv-0e37a28050d9 closed", "conv-0e37a28050d9"),
        ("Chat conv-177559067615 closed", "conv-177559067615"),
        ("Chat conv-2e3f35ccaff8 closed", "2e3f35"),
        # an e-mail address was one token: none of its parts could be found
        ("Reply to jana.kowalski@example.org", "example"),
        ("Reply to jana.kowalski@example.org", "kowalski@exa"),
        ("Lieferverzögerung bei #A-9999", "a-9999"),
    ],
)
def test_history_search_finds_ids_and_addresses_split_as_the_agent_types_them(
    pg_url: str, stored: str, typed: str
) -> None:
    """What the agent types is split into words at punctuation (timeline.tsquery); the index splits
    the stored text the same way (revision 0007), so ids, numbers and addresses are found whole or in
    part, whatever PostgreSQL's parser would have made of them."""
    from sqlalchemy import text

    from workstation.domain import timeline

    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            found = conn.scalar(
                text("SELECT history_words(:summary, '{}') @@ history_query(:query)"),
                {"summary": stored, "query": timeline.tsquery(typed)},
            )
        assert found, (stored, typed)
    finally:
        engine.dispose()


def test_a_burst_of_sessions_reuses_connections_instead_of_opening_new_ones(pg_url: str) -> None:
    # The writer, the tailer, the reader threads and concurrent token checks each hold a session:
    # with SQLAlchemy's default pool of 5, every burst past five opened PostgreSQL sessions (a
    # forked server process each) and closed them again when handed back.
    from workstation.server.db import PG_POOL_SIZE

    engine = make_engine(pg_url)

    def server_pids(count: int) -> set[int]:
        sessions = [Session(engine) for _ in range(count)]
        try:
            return {int(db.scalar(select(func.pg_backend_pid()))) for db in sessions}
        finally:
            for db in sessions:
                db.close()

    try:
        first = server_pids(PG_POOL_SIZE)
        assert len(first) == PG_POOL_SIZE  # all at once: one connection each
        assert server_pids(PG_POOL_SIZE) == first  # handed back and taken again: the same ones
    finally:
        engine.dispose()
