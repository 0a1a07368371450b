"""One router at a time among several backend processes on one PostgreSQL database.

The process that routes holds a session-level advisory lock (`ROUTER_LOCK`) on a connection of its
own. The others try to take it every `RETRY_S`; when the holder dies its connection drops, the lock
goes with it, and another process takes over within about a second. A holder that loses its
connection (and so maybe the lock) stops routing at its next check. Should two routers ever
overlap for that moment, the database still refuses a second open offer for one task (the
partial unique index on offers), so no task is offered twice.

The router keeps some state in memory (the compiled routing configuration, tasks moved by a team
lead, agents who declined a chat); other processes change it through the database, so on
PostgreSQL the router reads it back before each pass (`SharedRouterState`). On SQLite there is one
process and `run_exclusive` just runs the router.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from workstation.domain.models import ConversationState, utcnow
from workstation.domain.workflow import compile_config
from workstation.server.db import ConversationRow, Meta, OfferRow, TaskMoveRow
from workstation.server.fanout import is_shared

if TYPE_CHECKING:
    from workstation.server.backend.base import BackendBase

log = logging.getLogger(__name__)

#: pg_try_advisory_lock key of the routing loop ('wsrt').
ROUTER_LOCK = 0x77737274
#: How often a waiting process tries to take the lock, and the holder checks it still holds it.
RETRY_S = 1.0
#: Offers ended this way put the agent on the chat's cooldown (as Backend._end_offer does in memory).
COOLDOWN_STATES = ("rejected", "timed_out")


async def run_exclusive(
    engine: Engine,
    routing: Callable[[], Coroutine[Any, Any, None]],
    *,
    retry_s: float = RETRY_S,
    lock: int = ROUTER_LOCK,
) -> None:
    """Run `routing` (a loop that never returns) while this process holds `lock` (by default the
    router lock; the chat channels hold one of their own the same way)."""
    if not is_shared(engine):
        await routing()
        return
    while True:
        holder = _try_lock(engine, lock)
        if holder is None:
            await asyncio.sleep(retry_s)
            continue
        log.info("this process holds the router lock: routing")
        task = asyncio.create_task(routing(), name="router-pass")
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=retry_s)
                if not task.done() and not _still_connected(holder):
                    log.warning("lost the router lock's connection: routing stops here")
                    break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                holder.execute("SELECT pg_advisory_unlock(%s)", (lock,))
            with contextlib.suppress(Exception):
                holder.close()
        await asyncio.sleep(retry_s)


def _try_lock(engine: Engine, lock: int = ROUTER_LOCK) -> Any:
    """A dedicated psycopg connection holding the router lock, or None if another process has it."""
    raw: Any = None
    try:
        raw = engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # the lock lives as long as this connection: keep it out of the pool
        conn.rollback()
        conn.autocommit = True
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock,)).fetchone()[0]
    except Exception as exc:
        log.warning("could not ask for the router lock: %s", exc)
        got = False
    if got:
        return conn
    if raw is not None:
        with contextlib.suppress(Exception):
            raw.close()
    return None


def _still_connected(conn: Any) -> bool:
    try:
        conn.execute("SELECT 1")
        return True
    except Exception:
        return False


class SharedRouterState:
    """Reads back, before each routing pass, what other processes changed of the router's state."""

    def __init__(self, backend: BackendBase) -> None:
        self.backend = backend
        self._config_json: str | None = None

    def refresh(self) -> None:
        # The router's state lives in Backend's private attributes (kept there for the single-process
        # case); this is its one outside writer, on PostgreSQL only.
        backend: Any = self.backend
        now = utcnow()
        cooldown = timedelta(seconds=backend.config.reoffer_cooldown_s)
        waiting = (ConversationState.QUEUED.value, ConversationState.OFFERED.value)
        with Session(backend.engine) as db:
            stored = db.get(Meta, "routing_config")
            if stored is not None and stored.value != self._config_json:
                self._config_json = stored.value
                try:
                    router = compile_config(json.loads(stored.value))
                except ValueError:
                    log.exception("the saved routing configuration is invalid; routing goes on as before")
                else:
                    if router.config != backend._router.config:
                        backend._router = router
            backend._moves = {
                move.conversation_id: {"moved_to": move.queue, "moved_priority": move.priority}
                for move in db.scalars(
                    select(TaskMoveRow)
                    .join(ConversationRow, ConversationRow.id == TaskMoveRow.conversation_id)
                    .where(ConversationRow.state.in_(waiting))
                )
            }
            for conv_id, agent_id, decided_at in db.execute(
                select(OfferRow.conversation_id, OfferRow.agent_id, OfferRow.decided_at).where(
                    OfferRow.state.in_(COOLDOWN_STATES), OfferRow.decided_at >= now - cooldown
                )
            ):
                if decided_at is None:  # excluded by the query; for the type checker
                    continue
                until = _aware(decided_at) + cooldown
                backend._cooldown.setdefault(conv_id, {}).setdefault(agent_id, until)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
