"""Queue statistics for team leads, computed from the stored records and pushed once per second.

`QueueMonitor.step()` reads waiting tasks, task outcomes of the rolling window, agents' presence,
conversations and routing attributes in one read transaction, computes the snapshot with
`workstation.domain.queue_monitor`, and hands subscribers a delta (only what changed) or a tick
when nothing did. Presence reasons (break, missed offer, set by a team lead) are read from the
event log. Every `sample_s` a sample goes into `monitor_samples` for the charts' history.

The pass's reads, the snapshot and its JSON run on a reader thread (reader_threads.py), the sample's
write on the writer thread: on the event loop a pass over 500 agents held every request and push
stream of its process for tens of milliseconds each second. Only handing frames to subscribers'
queues stays on the loop, where those queues live. Passes never overlap (an asyncio lock): each
starts from the snapshot the one before it published.

A pass runs each `interval_s` only while a team lead watches this process's stream, or when a
sample for the history is due; otherwise the statistics are computed when asked for (a snapshot
older than two intervals is recomputed first). On PostgreSQL the processes share one history: a
process samples only when no other has within `sample_s`, and reads the history from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import ConversationState, Presence, Role, utcnow
from workstation.domain.queue_monitor import (
    AGENT_STATES,
    AgentInput,
    AgentState,
    MonitorDelta,
    MonitorHistory,
    MonitorSnapshot,
    MonitorTick,
    QueueSeries,
    TaskOutcome,
    WaitingTask,
    agent_state,
    compute_snapshot,
    diff,
    same_queues,
)
from workstation.domain.workflow import WorkerState
from workstation.server.backend import AUDIENCE_TEAMLEADS, Backend, _capacity, _worker_attributes
from workstation.server.db import (
    AgentRoutingRow,
    AgentRow,
    ConversationRow,
    CustomerRow,
    EventLogRow,
    MonitorSampleRow,
    OfferRow,
    RoutingTaskRow,
    TaskMoveRow,
    TaskOutcomeRow,
    read_session,
)
from workstation.server.fanout import is_shared
from workstation.server.reader_threads import ReaderThreads
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)

Frame = MonitorSnapshot | MonitorDelta | MonitorTick
#: (kind, version, JSON text) of a frame, as subscribers' queues hold it.
Item = tuple[str, int, str]
#: pg_advisory_xact_lock key that lets one process at a time store a sample ('wsms').
SAMPLE_LOCK = 0x77736D73


@dataclass(slots=True)
class MonitorConfig:
    #: The rolling window of service level, answered, abandoned and average wait.
    window_s: float = 900.0
    #: How often statistics are computed and pushed (when they changed; a tick otherwise).
    interval_s: float = 1.0
    #: How often a sample is kept for the charts' history, and for how long.
    sample_s: float = 10.0
    keep_samples_s: float = 86_400.0


class _Subscriber:
    def __init__(self, size: int) -> None:
        #: (kind, version, JSON text) of each frame; None ends the subscription.
        self.queue: asyncio.Queue[tuple[str, int, str] | None] = asyncio.Queue(size)


class QueueMonitor:
    """Computes the monitor's snapshot from the backend's records and fans changes out."""

    def __init__(
        self, backend: Backend, config: MonitorConfig | None = None, reads: ReaderThreads | None = None
    ) -> None:
        self.backend = backend
        self.config = config or MonitorConfig()
        self.reads = reads or ReaderThreads()
        self.shared = is_shared(backend.engine)
        #: Held by a pass from its start to its publish (made on the loop, where it is used).
        self._passing: asyncio.Lock | None = None
        self.snapshot: MonitorSnapshot | None = None
        self._subscribers: set[_Subscriber] = set()
        #: agent id -> (derived state, since): time in state is measured from the transitions seen.
        self._since: dict[str, tuple[AgentState, datetime]] = {}
        self._reasons: dict[str, str] = {}
        self._reason_seq = 0
        self._membership_key: Any = None
        self._membership: dict[str, frozenset[str]] = {}
        self._samples: deque[tuple[float, dict[str, Any]]] = deque()
        self._last_sample = 0.0
        self._samples.extend(self._read_samples(utcnow().timestamp() - self.config.keep_samples_s))
        if self._samples:
            self._last_sample = self._samples[-1][0]

    # --- subscribers -------------------------------------------------------------------------

    def subscribe(self, size: int = 120) -> _Subscriber:
        sub = _Subscriber(size)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: _Subscriber) -> None:
        self._subscribers.discard(sub)

    def watched(self) -> bool:
        """Whether a team lead's stream is open on this process."""
        return bool(self._subscribers)

    def _publish(self, item: Item) -> None:
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(item)
            except asyncio.QueueFull:
                # Too far behind to catch up with deltas: it reconnects and starts from a snapshot.
                self._subscribers.discard(sub)
                with contextlib.suppress(asyncio.QueueEmpty, asyncio.QueueFull):
                    sub.queue.get_nowait()
                    sub.queue.put_nowait(None)

    def close_all(self) -> None:
        for sub in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)
        self._subscribers.clear()

    # --- the loop ----------------------------------------------------------------------------

    async def current(self) -> MonitorSnapshot:
        """The statistics; recomputed first when nobody kept them fresh (no stream is watching)."""
        snapshot = self.snapshot
        if snapshot is None or (utcnow() - snapshot.at).total_seconds() > 2 * self.config.interval_s:
            await self.step()
            snapshot = self.snapshot
        assert snapshot is not None
        return snapshot

    async def step(self, now: datetime | None = None) -> Frame:
        """Compute the statistics now and publish what changed; returns the frame it published."""
        if self._passing is None:
            self._passing = asyncio.Lock()
        async with self._passing:
            at = now or utcnow()
            new, frame, item = await self.reads.run(lambda: self._pass(at))
            self.snapshot = new
            self._publish(item)
            if at.timestamp() - self._last_sample >= self.config.sample_s:
                await self._sample(new)
            return frame

    def _pass(self, now: datetime) -> tuple[MonitorSnapshot, Frame, Item]:
        """On a reader thread: the new snapshot, the frame that tells subscribers, its JSON."""
        old = self.snapshot
        if old is None or (now - old.at).total_seconds() > 2 * self.config.interval_s:
            # Passes stopped meanwhile (nobody watched): transitions were missed, so time in state
            # starts again from what the records say, as after a restart.
            self._since.clear()
        version = 0 if old is None else old.version + 1
        new = self.compute(now, version)
        frame: Frame
        if old is None or not same_queues(old, new):
            frame = new
        else:
            delta = diff(old, new)
            if delta is None:
                new = new.model_copy(update={"version": old.version})
                frame = MonitorTick(version=old.version, at=now)
            else:
                frame = delta
        return new, frame, (frame.kind, frame.version, frame.model_dump_json())

    async def run(self) -> None:
        while True:
            try:
                if self.watched() or await self._sample_due():
                    await self.step()
            except Exception:
                log.exception("queue statistics pass failed")
            await asyncio.sleep(self.config.interval_s)

    async def _sample_due(self) -> bool:
        """Whether a sample for the history is due: `sample_s` since this process's last one, and
        (PostgreSQL) since the newest any process stored."""
        now = utcnow().timestamp()
        if now - self._last_sample < self.config.sample_s:
            return False
        if self.shared:
            newest = await self.reads.run(self._newest_sample)
            if newest is not None and newest > self._last_sample:
                self._last_sample = newest
                return now - newest >= self.config.sample_s
        return True

    # --- computing ---------------------------------------------------------------------------

    def compute(self, now: datetime, version: int = 0) -> MonitorSnapshot:
        backend = self.backend
        router = backend._router
        naive_now = now.astimezone(UTC).replace(tzinfo=None)
        window_start = naive_now - timedelta(seconds=self.config.window_s)
        local_midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        midnight = local_midnight.astimezone(UTC).replace(tzinfo=None)
        with read_session(backend.engine) as db:
            self._read_reasons(db)
            agents = list(
                db.scalars(select(AgentRow).where(AgentRow.role == Role.AGENT.value).order_by(AgentRow.name))
            )
            routing = {r.agent_id: r for r in db.scalars(select(AgentRoutingRow))}
            held: dict[str, tuple[int, datetime | None]] = {
                agent_id: (count, first)
                for agent_id, count, first in db.execute(
                    select(ConversationRow.agent_id, func.count(), func.min(ConversationRow.accepted_at))
                    .where(ConversationRow.state == ConversationState.ACTIVE.value)
                    .group_by(ConversationRow.agent_id)
                )
                if agent_id
            }
            handled = dict(
                db.execute(
                    select(ConversationRow.agent_id, func.count())
                    .where(
                        ConversationRow.state == ConversationState.CLOSED.value,
                        ConversationRow.closed_at >= midnight,
                        ConversationRow.wrapup_code.is_not(None),
                    )
                    .group_by(ConversationRow.agent_id)
                ).all()
            )
            members = self._members(db, agents, routing)
            waiting = self._waiting(db)
            outcomes = [
                TaskOutcome(queue_id=q, outcome=o, wait_s=w)  # type: ignore[arg-type]
                for q, o, w in db.execute(
                    select(TaskOutcomeRow.queue, TaskOutcomeRow.outcome, TaskOutcomeRow.wait_s).where(
                        TaskOutcomeRow.ended_at >= window_start
                    )
                )
            ]
            inputs = []
            for agent in agents:
                presence = Presence(agent.presence)
                count, first_accept = held.get(agent.id, (0, None))
                state = agent_state(presence, count)
                since = self._state_since(agent, state, first_accept, now)
                inputs.append(
                    AgentInput(
                        agent_id=agent.id,
                        username=agent.username,
                        name=agent.name,
                        presence=presence,
                        conversations=count,
                        capacity=_capacity(agent, routing.get(agent.id)).get("chat", agent.max_chats),
                        state_since=since,
                        reason=self._reasons.get(agent.id, ""),
                        skills=tuple(agent.skills),
                        languages=tuple(agent.languages),
                        handled_today=handled.get(agent.id, 0),
                    )
                )
        known = {a.id for a in agents}
        for gone in [a for a in self._since if a not in known]:
            del self._since[gone]
        return compute_snapshot(
            router.config.queues,
            members=members,
            agents=inputs,
            waiting=waiting,
            outcomes=outcomes,
            now=now,
            window_s=self.config.window_s,
            version=version,
        )

    def _state_since(
        self, agent: AgentRow, state: AgentState, first_accept: datetime | None, now: datetime
    ) -> datetime:
        previous = self._since.get(agent.id)
        if previous is not None:
            if previous[0] == state:
                return previous[1]
            self._since[agent.id] = (state, now)
            return now
        # First sight (a fresh start of the backend): the best the records say.
        since = _aware(agent.presence_since)
        if state == "busy" and first_accept is not None:
            since = max(since, _aware(first_accept))
        self._since[agent.id] = (state, since)
        return since

    def _read_reasons(self, db: DbSession) -> None:
        """Why agents are away or offline: the newest presence change of each in the event log."""
        rows = db.execute(
            select(EventLogRow.seq, EventLogRow.data)
            .where(
                EventLogRow.seq > self._reason_seq,
                EventLogRow.audience == AUDIENCE_TEAMLEADS,
                EventLogRow.type == "presence.changed",
            )
            .order_by(EventLogRow.seq)
        )
        for seq, data in rows:
            self._reason_seq = seq
            if isinstance(data, dict) and isinstance(data.get("agent_id"), str):
                self._reasons[data["agent_id"]] = str(data.get("reason") or "")

    def _members(
        self, db: DbSession, agents: list[AgentRow], routing: dict[str, AgentRoutingRow]
    ) -> dict[str, frozenset[str]]:
        """Queue membership, re-evaluated only when the configuration or an agent's attributes change."""
        router = self.backend._router
        attributes = {a.id: _worker_attributes(a, routing.get(a.id)) for a in agents}
        key = (id(router), json.dumps(attributes, sort_keys=True, default=str))
        if key != self._membership_key:
            workers = [
                WorkerState(id=a, attributes=attrs, capacity={}, load={}, available=False)
                for a, attrs in attributes.items()
            ]
            self._membership = router.members(workers)
            self._membership_key = key
        return self._membership

    @staticmethod
    def _waiting(db: DbSession) -> list[WaitingTask]:
        rows = db.execute(
            select(ConversationRow, RoutingTaskRow.queue, CustomerRow.name)
            .join(RoutingTaskRow, RoutingTaskRow.conversation_id == ConversationRow.id, isouter=True)
            .join(CustomerRow, CustomerRow.id == ConversationRow.customer_id, isouter=True)
            .where(
                ConversationRow.state.in_((ConversationState.QUEUED.value, ConversationState.OFFERED.value))
            )
        ).all()
        if not rows:
            return []
        ids = [conv.id for conv, _q, _n in rows]
        offered = dict(
            db.execute(
                select(OfferRow.conversation_id, AgentRow.name)
                .join(AgentRow, AgentRow.id == OfferRow.agent_id)
                .where(OfferRow.state == "offered", OfferRow.conversation_id.in_(ids))
            ).all()
        )
        moved = set(
            db.scalars(select(TaskMoveRow.conversation_id).where(TaskMoveRow.conversation_id.in_(ids)))
        )
        return [
            WaitingTask(
                conversation_id=conv.id,
                queue_id=queue,
                customer=name or "?",
                channel=conv.channel,
                topic=conv.topic,
                language=conv.language,
                waiting_since=_aware(conv.started_at),
                offered_to=offered.get(conv.id),
                moved=conv.id in moved,
            )
            for conv, queue, name in rows
        ]

    # --- history -----------------------------------------------------------------------------

    async def _sample(self, snapshot: MonitorSnapshot) -> None:
        at = snapshot.at.timestamp()
        self._last_sample = at
        counts = snapshot.state_counts()
        data = {
            "q": {q.queue_id: [q.waiting, q.service_level] for q in (*snapshot.queues, snapshot.total)},
            "s": [counts[s] for s in AGENT_STATES],
        }
        cutoff = at - self.config.keep_samples_s
        if not self.shared:  # on PostgreSQL history() reads every process's samples back
            self._samples.append((at, data))
            self._trim(cutoff)
        try:
            await self.backend.writer.run(lambda: self._store_sample(snapshot.at, data, cutoff))
        except WriterClosed:
            log.info("monitor sample not stored: the process is shutting down")
        except Exception:  # history is a convenience; the live numbers must not stop for it
            log.exception("could not store a monitor sample")

    def _store_sample(self, at: datetime, data: dict[str, Any], cutoff: float) -> None:
        """On the writer thread. On PostgreSQL one process at a time, and none when another process
        stored one less than half a period ago (two that found a sample due at once)."""
        naive = at.astimezone(UTC).replace(tzinfo=None)
        with DbSession(self.backend.engine) as db, db.begin():
            if self.shared:
                db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SAMPLE_LOCK})
                newest = db.scalar(select(func.max(MonitorSampleRow.at)))
                # PostgreSQL returns the column with its zone (SQLite naive): compare both in UTC.
                if newest is not None and (at - _aware(newest)).total_seconds() < self.config.sample_s / 2:
                    return
            db.add(MonitorSampleRow(at=naive, data=data))
            db.query(MonitorSampleRow).filter(
                MonitorSampleRow.at < datetime.fromtimestamp(cutoff, UTC).replace(tzinfo=None)
            ).delete()

    def _newest_sample(self) -> float | None:
        with read_session(self.backend.engine) as db:
            newest = db.scalar(select(func.max(MonitorSampleRow.at)))
        return None if newest is None else _aware(newest).timestamp()

    def _read_samples(self, after: float) -> list[tuple[float, dict[str, Any]]]:
        since = datetime.fromtimestamp(after, UTC).replace(tzinfo=None)
        with read_session(self.backend.engine) as db:
            return [
                (_aware(row.at).timestamp(), row.data)
                for row in db.scalars(
                    select(MonitorSampleRow).where(MonitorSampleRow.at > since).order_by(MonitorSampleRow.at)
                )
            ]

    def _trim(self, cutoff: float) -> None:
        while self._samples and self._samples[0][0] < cutoff:
            self._samples.popleft()

    async def history(self, minutes: float, now: datetime | None = None) -> MonitorHistory:
        """Samples of the last `minutes` for every current queue (None where a queue had no data yet)."""
        if self.shared:  # the samples other processes stored since the last look
            newest = self._samples[-1][0] if self._samples else 0.0
            self._samples.extend(await self.reads.run(lambda: self._read_samples(newest)))
            self._trim(utcnow().timestamp() - self.config.keep_samples_s)
        return self._history(minutes, now)

    def _history(self, minutes: float, now: datetime | None = None) -> MonitorHistory:
        """Samples of the last `minutes` for every current queue (None where a queue had no data yet)."""
        cutoff = (now or utcnow()).timestamp() - minutes * 60
        samples = [(at, data) for at, data in self._samples if at >= cutoff]
        queue_ids = [q.id for q in self.backend._router.config.queues] + ["*"]
        queues = {}
        for queue_id in queue_ids:
            values = [data.get("q", {}).get(queue_id) for _at, data in samples]
            queues[queue_id] = QueueSeries(
                waiting=tuple(int(v[0]) if v else 0 for v in values),
                service_level=tuple(v[1] if v else None for v in values),
            )
        states: dict[str, tuple[int, ...]] = {
            state: tuple(int(data.get("s", [0] * 4)[i]) for _at, data in samples)
            for i, state in enumerate(AGENT_STATES)
        }
        return MonitorHistory(times=tuple(at for at, _data in samples), queues=queues, states=states)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
