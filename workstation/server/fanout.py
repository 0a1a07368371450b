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
which PostgreSQL delivers only if it commits. Every process LISTENs on a dedicated connection (a
thread blocking on psycopg's notifies()), and its tailer reads the log after the last `seq` it
delivered, in `seq` order, and hands those entries to its own EventHub, writes of its own process
included (never directly: that could overtake another process's lower `seq`). The tailer also
reads once a second without a notification, so a dropped LISTEN connection delays pushes but loses
none.
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

from sqlalchemy import func, select, text
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
        self._wake: asyncio.Event | None = None
        #: The highest seq handed to the hub (PostgreSQL).
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
        self._poke()  # this process's tailer delivers it, in seq order with the other processes'

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

    def _poke(self) -> None:
        if self._wake is not None:
            self._call_soon(self._wake.set)

    def _call_soon(self, callback: Callable[..., object], *args: Any) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: shutting down
                loop.call_soon_threadsafe(callback, *args)

    async def run(self) -> None:
        """The tailer and its LISTEN thread (PostgreSQL; returns at once on SQLite)."""
        if not self.shared:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.delivered = await asyncio.to_thread(self._head)
        stop = threading.Event()
        listener = threading.Thread(target=self._listen, args=(stop,), name="event-listen", daemon=True)
        listener.start()
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_S)
                self._wake.clear()
                try:
                    # The reads run on a worker thread: on the loop they blocked every stream and
                    # request of the process for their round trips (a third of the loop's time in a
                    # py-spy profile of the 500-desktop load). One read at a time, so in seq order.
                    while True:
                        frames = await asyncio.to_thread(self._read_after, self.delivered)
                        self._publish(frames)
                        if len(frames) < BATCH:
                            break
                except Exception:
                    log.exception("reading the event log failed; trying again")
        finally:
            stop.set()  # the thread notices within its notifies() timeout

    def deliver(self) -> int:
        """Hand the entries committed since the last call to the hub, in seq order; returns how many
        (on the calling thread: the tests' readers; the tailer reads on a worker thread)."""
        count = 0
        while True:
            frames = self._read_after(self.delivered)
            self._publish(frames)
            count += len(frames)
            if len(frames) < BATCH:
                return count

    def _publish(self, frames: list[tuple[str, EventFrame]]) -> None:
        if frames:
            self.hub.publish(frames)
            self.delivered = frames[-1][1].seq
            if self.on_delivered is not None:
                self.on_delivered()

    def _head(self) -> int:
        with autocommit_reads(self.engine) as conn:
            return conn.scalar(select(func.max(EventLogRow.seq))) or 0

    def _read_after(self, seq: int) -> list[tuple[str, EventFrame]]:
        """Up to BATCH committed log entries after `seq`, in seq order (plain rows, no ORM objects)."""
        log_row = EventLogRow
        # Outside a transaction: each process reads after every commit it is told of (autocommit_reads).
        with autocommit_reads(self.engine) as conn:
            rows = conn.execute(
                select(log_row.seq, log_row.at, log_row.audience, log_row.type, log_row.data)
                .where(log_row.seq > seq)
                .order_by(log_row.seq)
                .limit(BATCH)
            ).all()
        return [(r.audience, EventFrame(seq=r.seq, type=r.type, at=r.at, data=r.data)) for r in rows]

    def _listen(self, stop: threading.Event) -> None:
        while not stop.is_set():
            raw: Any = None
            try:
                raw = self.engine.raw_connection()
                conn = raw.driver_connection
                raw.detach()  # a connection of its own, never handed back to the pool
                conn.rollback()
                conn.autocommit = True
                conn.execute(f"LISTEN {CHANNEL}")
                conn.execute(f"LISTEN {REVOKED_CHANNEL}")
                self._poke()  # anything committed while not listening
                while not stop.is_set():
                    for note in conn.notifies(timeout=POLL_S):
                        if note.channel == REVOKED_CHANNEL:
                            self._call_soon(self._revoked, note.payload)
                        else:
                            self._poke()
            except Exception as exc:
                if not stop.is_set():
                    log.warning("the event LISTEN connection failed (%s); reconnecting", exc)
                    stop.wait(RECONNECT_S)
            finally:
                if raw is not None:
                    with contextlib.suppress(Exception):
                        raw.close()
