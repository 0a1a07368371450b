"""Round trips to PostgreSQL that every request or pushed event would pay: reads run outside a
transaction, with no BEGIN before or ROLLBACK after (db.autocommit_reads, db.read_session), so
psycopg keeps its prepared statements; a keyed write on its own needs no savepoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, table, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from workstation.domain.models import Presence, Role, utcnow
from workstation.server.backend import Backend, BackendConfig, BackendError
from workstation.server.backend.core import EventHub, Principal
from workstation.server.db import AgentRow, EventLogRow, TokenRow, make_engine, read_session
from workstation.server.fanout import EventFanout

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    try:
        yield engine
    finally:
        engine.dispose()


class Statements:
    """Every statement run on `engine`, with whether its connection was in autocommit mode."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[tuple[str, bool]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        self.seen.append((statement.split()[0].upper(), conn.connection.dbapi_connection.autocommit))


def test_a_token_check_is_one_statement_outside_a_transaction(engine: Engine) -> None:
    backend = Backend(engine, BackendConfig())
    service = backend.service_principal()
    token = backend.issue_token(service)
    statements = Statements(engine)

    assert backend.authenticate(token) == service

    # One SELECT of the token and its user; psycopg sends no BEGIN in autocommit mode.
    assert statements.seen == [("SELECT", True)]


def test_a_token_check_still_refuses_expired_tokens_and_disabled_users(engine: Engine) -> None:
    backend = Backend(engine, BackendConfig())
    agent = backend.ensure_agent(username="ana", name="Ana", password="x" * 12)
    agent_token = backend.issue_token(Principal(scope="agent", agent_id=agent.id))
    service_token = backend.issue_token(backend.service_principal())

    assert backend.authenticate(agent_token) == Principal(scope="agent", agent_id=agent.id, role=Role.AGENT)
    with Session(engine) as db, db.begin():
        db.execute(update(AgentRow).where(AgentRow.id == agent.id).values(disabled_at=utcnow()))
    with pytest.raises(BackendError) as gone:
        backend.authenticate(agent_token)
    assert (gone.value.status, gone.value.code) == (401, "unauthenticated")

    assert backend.authenticate(service_token).role == Role.SERVICE
    with Session(engine) as db, db.begin():
        db.execute(update(TokenRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(BackendError) as expired:
        backend.authenticate(service_token)
    assert expired.value.status == 401
    with pytest.raises(BackendError):
        backend.authenticate("not-a-token")


def test_the_log_tailer_reads_outside_a_transaction_and_pooled_writes_stay_transactional(
    engine: Engine,
) -> None:
    fanout = EventFanout(engine, EventHub())
    with Session(engine) as db:
        db.add(EventLogRow(at=utcnow(), audience="*", type="probe", data={"n": 1}))
        db.commit()
    statements = Statements(engine)

    head = fanout._head()
    frames = fanout._read_after(head - 1)

    assert [f.type for _audience, f in frames] == ["probe"]
    assert statements.seen == [("SELECT", True), ("SELECT", True)]
    # The pool hands its connections back in transactional mode: a write after these reads, on
    # any of the pooled connections, still commits or rolls back as a whole.
    sessions = [Session(engine) for _ in range(3)]
    try:
        for db in sessions:
            assert db.connection().connection.dbapi_connection.autocommit is False
    finally:
        for db in sessions:
            db.close()


def test_a_keyed_write_on_its_own_sends_no_savepoint_but_one_in_a_batch_does(engine: Engine) -> None:
    # A savepoint is what lets one write of a batch be undone alone; a write on its own is undone
    # with its transaction, and saves the SAVEPOINT and RELEASE round trips.
    backend = Backend(engine, BackendConfig())
    agent = backend.ensure_agent(username="ana", name="Ana", password="x" * 12)
    principal = Principal(scope="agent", agent_id=agent.id, role=Role.AGENT)
    statements = Statements(engine)

    def away() -> dict[str, object]:
        return backend.set_presence(agent.id, Presence.AWAY).model_dump(mode="json")

    assert backend.idempotent(principal, "key-alone-0001", "away", away)[0] == 200
    assert "SAVEPOINT" not in [verb for verb, _autocommit in statements.seen]
    with backend.batch():
        assert backend.idempotent(principal, "key-batch-0001", "away", away)[0] == 200
    assert "SAVEPOINT" in [verb for verb, _autocommit in statements.seen]


def test_a_read_through_the_backend_sends_no_begin_or_rollback(engine: Engine) -> None:
    backend = Backend(engine, BackendConfig())
    agent = backend.ensure_agent(username="ana", name="Ana", password="x" * 12)
    principal = Principal(scope="agent", agent_id=agent.id, role=Role.AGENT)
    statements = Statements(engine)

    assert backend.pending_offers(principal) == []
    assert backend.get_agent(agent.id).username == "ana"

    assert statements.seen and {verb for verb, _autocommit in statements.seen} == {"SELECT"}
    assert all(autocommit for _verb, autocommit in statements.seen)


def test_prepared_statements_outlive_a_read_session(engine: Engine) -> None:
    # psycopg prepares a statement on its fifth run on a connection (prepare_threshold) and forgets
    # them all at a ROLLBACK: a read session that ended in one threw away what its connection had.
    backend = Backend(engine, BackendConfig())
    agent = backend.ensure_agent(username="ana", name="Ana", password="x" * 12)
    for _ in range(20):
        backend.get_agent(agent.id)

    prepared = select(func.count()).select_from(table("pg_prepared_statements"))
    # The pool hands out its connections in turn, each ran the read often enough; ask each of them.
    counts = []
    for _ in range(engine.pool.checkedin()):  # type: ignore[attr-defined]
        with read_session(engine) as db:
            counts.append(db.scalar(prepared) or 0)
    assert counts and min(counts) >= 1
