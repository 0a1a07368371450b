"""The event log shared by several backend processes on one PostgreSQL database.

On SQLite (one process) the log is written in the change's transaction and the new entries are
handed to the process's `EventHub` right after the commit, as always.

On PostgreSQL `seq` comes from the database (a 64-bit identity) and any process may write. Clients
resume by `seq` and drop what is not above the last one they saw, so a `seq` must never become
visible after a higher one: with plain sequences it could (transaction A takes 10, B takes 11, B
commits first; a reader that delivered 11 would skip 10 for good). So each transaction takes a
transaction-level advisory lock (`LOG_LOCK`) just before it inserts its log entries, after every
other change of the transaction is flushed, and holds it to its commit: log entries are numbered
in commit order, and once a reader sees `seq` N, every lower `seq` is visible too or was rolled
back. (PostgreSQL makes a commit visible before it releases the transaction's locks.) Taking the
lock last keeps it deadlock-free: its holder waits for no other lock, only for its commit. The cost
is that log-writing commits of all processes pass one at a time, as every write does on SQLite.

The same transaction sends `NOTIFY workstation_events` (in the statement that takes the lock),
which PostgreSQL delivers only if it commits. Every process LISTENs on a dedicated connection, in a
thread of its own (the tailer): after each notification (and all that came with it) it reads the
log after the last `seq` it read, in `seq` order, and hands those entries to the event loop for its
EventHub, writes of its own process included (never directly: that could overtake another
process's lower `seq`). It also reads once a second without a notification, so a dropped LISTEN
connection delays pushes but loses none. The thread reads as well as listens because handing each
read to a worker thread from the loop, as before, cost the loop more than the read itself under
load (ThreadPoolExecutor.submit was 6 % of a process's samples at 25 chats/s).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from workstation.domain.models import EventFrame
from workstation.server.db import EventLogRow, autocommit_reads

if TYPE_CHECKING:
    from workstation.server.backend import EventHub
    from workstation.server.writer_thread import LoopHandoff

log = logging.getLogger(__name__)

CHANNEL = "workstation_events"
#: A signed-out token's digest: every process closes that token's streams (StreamRegistry.revoke_key).
REVOKED_CHANNEL = "workstation_revoked"
#: pg_advisory_xact_lock key that orders the log's writers ('wslg').
LOG_LOCK = 0x77736C67
#: Serialises start-up work of processes starting together (first users, log id, wrap-up codes).
STARTUP_LOCK = 0x77737374
#: The tailer reads the log at least this often, notification or not.
POLL_S = 1.0
#: Seconds between attempts to (re)open the LISTEN connection.
RECONNECT_S = 1.0
BATCH = 1000


#: The tailer's read, built once: every process runs it after every commit of every process, and
#: building the statement anew was a sixth of the read's time (py-spy, 500 desktops at 25 chats/s).
_READ_AFTER = (
    select(EventLogRow.seq, EventLogRow.at, EventLogRow.audience, EventLogRow.type, EventLogRow.data)
    .where(EventLogRow.seq > bindparam("after"))
    .order_by(EventLogRow.seq)
    .limit(BATCH)
)


def is_shared(engine: Engine) -> bool:
    """Whether several processes may share this database (PostgreSQL), or it is one process's (SQLite)."""
    return engine.dialect.name == "postgresql"


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Held while a process sets up shared rows, so processes starting together do not race (PostgreSQL)."""
    if not is_shared(engine):
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": STARTUP_LOCK})
            conn.commit()


class EventFanout:
    """Writes a transaction's log entries and gets committed entries to this process's streams."""

    def __init__(self, engine: Engine, hub: EventHub, handoff: LoopHandoff | None = None) -> None:
        self.engine = engine
        self.hub = hub
        #: SQLite: committed frames not yet handed to the hub, in commit order (see committed()).
        self._unpublished: deque[list[tuple[str, EventFrame]]] = deque()
        self._handoff = handoff
        self.shared = is_shared(engine)
        self._loop: asyncio.AbstractEventLoop | None = None
        #: The highest seq read (PostgreSQL): by the tailer's thread, or deliver()'s caller.
        self.delivered = 0
        #: Called on the loop with the digest of a token another process revoked.
        self.on_revoked: Callable[[str], object] | None = None
        #: Called after committed entries reached the hub (PostgreSQL): wakes the router, since any
        #: process's change (a new chat, an agent back, a chat closed) may make an offer possible.
        self.on_delivered: Callable[[], object] | None = None

    def commit(self, db: Session, rows: Sequence[EventLogRow]) -> None:
        """Commit `db`'s transaction with `rows` as its last statements, and get them to the streams.

        Called under Backend.state_lock with every other change of the transaction flushed, so
        commits, and with them the frames, go in seq order."""
        if not rows:
            db.commit()
            return
        if not self.shared:
            db.add_all(rows)
            db.flush()
            frames = [(r.audience, EventFrame(seq=r.seq, type=r.type, at=r.at, data=r.data)) for r in rows]
            db.commit()
            # The hub is the loop's, so a commit on the writer thread hands its frames over. A
            # commit on the loop publishes whatever the writer left queued first: no frame can
            # overtake a lower seq.
            self._unpublished.append(frames)
            if self._handoff is None:
                self._publish_unpublished()
            else:
                self._handoff.call(self._publish_unpublished)
            return
        self._append_and_commit(db, rows)
        db.commit()  # the server has committed: this ends the session's transaction (no statement)
        # This process's tailer delivers it, in seq order with the other processes': the NOTIFY
        # reaches its LISTEN connection like theirs.

    def _append_and_commit(self, db: Session, rows: Sequence[EventLogRow]) -> None:
        """PostgreSQL: take the log lock, notify, insert and commit in one round trip.

        Every log-writing commit of every process waits for the lock's holder, so the holder
        should not wait for its own client while it holds it: sent as one batch, the server runs
        lock to commit without a round trip in between (before: the lock with the NOTIFY, the
        ORM's insert and the commit, three). Sampled under load (500 desktops, 50 chats/s, 3
        processes) the lock had 0.01 waiters on average, so this saves the writer thread two round
        trips per write rather than a queue at the lock. The batch needs several statements with
        parameters, which psycopg's server-side binding (SQLAlchemy's) does not allow: a
        ClientCursor binds them, escaped by libpq, on the session's own connection and transaction.
        The notification goes out at the commit (or never); listeners read the log from their own
        position, so it carries no seq.
        """
        import psycopg  # the `postgres` extra: only a PostgreSQL engine gets here

        values = ", ".join(["(%s, %s, %s, %s::json)"] * len(rows))
        sql = (
            "SELECT pg_advisory_xact_lock(%s), pg_notify(%s, ''); "
            f"INSERT INTO {EventLogRow.__tablename__} (at, audience, type, data) VALUES {values}; "
            "COMMIT"
        )
        params: list[Any] = [LOG_LOCK, CHANNEL]
        for row in rows:
            params += [row.at, row.audience, row.type, json.dumps(row.data)]
        raw: Any = db.connection().connection.driver_connection
        try:
            with psycopg.ClientCursor(raw) as cursor:
                cursor.execute(sql, params)
        except psycopg.Error as exc:
            # As SQLAlchemy would raise it: an unreachable database is an OperationalError (answered
            # 503 with Retry-After), and the session rolls back as after any failed flush.
            raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc

    def _publish_unpublished(self) -> None:
        while self._unpublished:
            self.hub.publish(self._unpublished.popleft())

    def token_revoked(self, digest: str) -> None:
        """After a sign-out: the other processes close the token's streams too (PostgreSQL)."""
        if self.shared:
            with self.engine.begin() as conn:
                conn.execute(
                    text("SELECT pg_notify(:channel, :d)"), {"channel": REVOKED_CHANNEL, "d": digest}
                )

    def _revoked(self, digest: str) -> None:
        if self.on_revoked is not None:
            self.on_revoked(digest)

    def _call_soon(self, callback: Callable[..., object], *args: Any) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: shutting down
                loop.call_soon_threadsafe(callback, *args)

    async def run(self) -> None:
        """The tailer's thread, for as long as the server runs (PostgreSQL; returns at once on SQLite)."""
        if not self.shared:
            return
        self._loop = asyncio.get_running_loop()
        self.delivered = await asyncio.to_thread(self._head)
        stop = threading.Event()
        tailer = threading.Thread(target=self._tail, args=(stop,), name="event-tail", daemon=True)
        tailer.start()
        try:
            await asyncio.Future()  # until the server cancels it
        finally:
            stop.set()  # the thread notices within its wait for a notification (POLL_S)

    def deliver(self) -> int:
        """Hand the entries committed since the last call to the hub, in seq order; returns how many
        (on the calling thread: the tests' readers; the tailer reads on its own thread)."""
        count = 0
        while True:
            frames = self._read_after(self.delivered)
            if frames:
                self.delivered = frames[-1][1].seq
                self._publish(frames)
            count += len(frames)
            if len(frames) < BATCH:
                return count

    def _publish(self, frames: list[tuple[str, EventFrame]]) -> None:
        self.hub.publish(frames)
        if self.on_delivered is not None:
            self.on_delivered()

    def _tail(self, stop: threading.Event) -> None:
        """Wait for a notification (at most POLL_S), read what committed since the last read, hand
        it to the loop; again until stopped. Reconnects a LISTEN connection that failed."""
        conn: Any = None
        while not stop.is_set():
            try:
                if conn is None:
                    conn = self._listening()
                self._wait_for_notifications(conn)
            except Exception as exc:
                if stop.is_set():
                    break
                log.warning("the event LISTEN connection failed (%s); reconnecting", exc)
                self._close(conn)
                conn = None
                stop.wait(RECONNECT_S)
            if not stop.is_set():
                self._read_and_hand_over(stop)  # after a notification, a quiet POLL_S, or a failure
        self._close(conn)

    def _listening(self) -> Any:
        """A psycopg connection of its own, out of the pool for good, listening on both channels."""
        raw: Any = self.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # closed by _close, never handed back to the pool
        try:
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
            conn.execute(f"LISTEN {REVOKED_CHANNEL}")
        except Exception:
            self._close(conn)
            raise
        return conn

    def _wait_for_notifications(self, conn: Any) -> None:
        notes = list(conn.notifies(timeout=POLL_S, stop_after=1))
        if notes:  # and those already there besides: one read serves them all
            notes += conn.notifies(timeout=0)
        for note in notes:
            if note.channel == REVOKED_CHANNEL:
                self._call_soon(self._revoked, note.payload)

    def _read_and_hand_over(self, stop: threading.Event) -> None:
        try:
            while True:
                frames = self._read_after(self.delivered)
                if frames:
                    self.delivered = frames[-1][1].seq
                    self._call_soon(self._publish, frames)  # in order: the loop runs them FIFO
                if len(frames) < BATCH:
                    return
        except Exception:
            if not stop.is_set():  # else the server is stopping and has closed the pool
                log.exception("reading the event log failed; trying again")

    @staticmethod
    def _close(conn: Any) -> None:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _head(self) -> int:
        with autocommit_reads(self.engine) as conn:
            return conn.scalar(select(func.max(EventLogRow.seq))) or 0

    def _read_after(self, seq: int) -> list[tuple[str, EventFrame]]:
        """Up to BATCH committed log entries after `seq`, in seq order (plain rows, no ORM objects)."""
        # Outside a transaction: each process reads after every commit it is told of (autocommit_reads).
        with autocommit_reads(self.engine) as conn:
            rows = conn.execute(_READ_AFTER, {"after": seq}).all()
        return [(r.audience, EventFrame(seq=r.seq, type=r.type, at=r.at, data=r.data)) for r in rows]
