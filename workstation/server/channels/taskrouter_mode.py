"""External-router mode: Twilio TaskRouter decides who gets which chat, the desk shows its decisions.

A `[connectors.NAME]` table of `type = "taskrouter"` turns it on (our own routing stays the default):
the backend's router then only expires offers, and each pass of this loop
- hands every queued desk conversation to TaskRouter as a task (its routing attributes plus
  `desk_conversation`, as the spec's embedded-JSON `Attributes`), once: `creating` is stored before
  the POST, and a task left `creating` (a crash, an ambiguous failure) is looked up by that
  attribute (EvaluateTaskAttributes) before it is created again;
- turns each pending reservation of a configured worker into a desk offer to that agent, with the
  task's attributes (and its queue) as the offer's "why";
- sends the agent's decision back as the reservation's update: accepted, rejected (an agent who
  declined or went away) or timeout (the offer ran out), each once; an offer whose reservation
  TaskRouter no longer holds (its own timeout, a canceled task) is withdrawn from the desk;
- maps the agents' presence to TaskRouter activities (by name, configurable).

Its database steps run on the backend's writer thread (writer_thread.py), in order with the desk's
writes and our router's passes: an offer made from a reservation, or a withdrawal with its record, is
one step; only the calls to TaskRouter are awaited on the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from workstation.domain.models import ConversationState, RoutingReason, utcnow
from workstation.server.backend import Backend
from workstation.server.channels.taskrouter import PRESENCE_ACTIVITIES, Task, TaskRouterClient
from workstation.server.channels.upstream import UpstreamError
from workstation.server.connectors.config import ConfigError, ConnectorConfig
from workstation.server.db import (
    AgentRow,
    ConversationRow,
    CustomerRow,
    OfferReasonRow,
    OfferRow,
    RoutingTaskRow,
    TaskRouterReservationRow,
    TaskRouterTaskRow,
)
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)

TYPE = "taskrouter"
#: The task attribute naming the desk conversation (how a reservation finds its chat).
KEY = "desk_conversation"
#: The desk's offer outcomes as TaskRouter reservation answers.
ANSWER_OF = {"accepted": "accepted", "rejected": "rejected", "canceled": "rejected", "timed_out": "timeout"}
#: At most this many attribute facts shown as an offer's "why", each cut to FACT_CHARS.
MAX_FACTS, FACT_CHARS = 12, 120
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 300.0


@dataclass(frozen=True, slots=True)
class TaskRouterSettings:
    name: str
    url: str
    workspace_sid: str
    account_sid: str
    workflow_sid: str
    #: Desk username -> TaskRouter worker sid.
    workers: dict[str, str]
    poll_interval_s: float
    activities: dict[str, str] = field(default_factory=lambda: dict(PRESENCE_ACTIVITIES))

    @classmethod
    def from_config(cls, config: ConnectorConfig) -> TaskRouterSettings:
        where = f"[connectors.{config.name}]"
        options = config.options
        try:
            workspace, account, workflow = (
                str(options[k]) for k in ("workspace_sid", "account_sid", "workflow_sid")
            )
        except KeyError as exc:
            raise ConfigError(f"{where}: {exc.args[0]!r} is required") from exc
        workers, activities = options.get("workers", {}), options.get("activities", PRESENCE_ACTIVITIES)
        if not isinstance(workers, dict) or not workers or not isinstance(activities, dict):
            raise ConfigError(f"{where}: workers (username = worker sid) and activities are tables")
        return cls(
            name=config.name,
            url=config.url,
            workspace_sid=workspace,
            account_sid=account,
            workflow_sid=workflow,
            workers={str(k): str(v) for k, v in workers.items()},
            poll_interval_s=config.poll_interval_s,
            activities={**PRESENCE_ACTIVITIES, **{str(k): str(v) for k, v in activities.items()}},
        )


class TaskRouterMode:
    """TaskRouter as the desk's router; `run()` is its loop (status() for team leads)."""

    def __init__(self, backend: Backend, settings: TaskRouterSettings, client: TaskRouterClient) -> None:
        self.backend = backend
        self.settings = settings
        self.name = settings.name
        self.client = client
        self.last_error: str | None = None
        #: The latest refusal of one item (a task TaskRouter would not create), kept across passes.
        self.last_problem: str | None = None
        self.passes = 0
        #: Failed passes so far and the latest failure (kept after a pass succeeds, for the status).
        self.failures = 0
        self.last_failure: str | None = None
        #: username -> the presence last sent as an activity (in memory: sent again after a restart).
        self._presence_sent: dict[str, str] = {}
        #: Reservations naming no waiting chat of this desk: looked at once (they time out there).
        self._ignored: set[str] = set()
        backend.external_router = True

    async def close(self) -> None:
        await self.client.close()

    async def run(self) -> None:
        backoff = FIRST_BACKOFF_S
        while True:
            try:
                await self.sync_once()
                backoff, delay = FIRST_BACKOFF_S, self.settings.poll_interval_s
            except UpstreamError as exc:
                self._failed(str(exc))
                log.warning("taskrouter %s: %s", self.name, self.last_error)
                delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_S)
            except WriterClosed:
                return  # the process is exiting (writer_thread.py)
            except Exception as exc:  # one bad pass must not end the mode
                log.exception("taskrouter %s: pass failed", self.name)
                self._failed(f"{type(exc).__name__}: {exc}")
                delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.sleep(delay)

    def _failed(self, problem: str) -> None:
        self.last_error = self.last_failure = problem[:500]
        self.failures += 1

    async def sync_once(self) -> None:
        await self.create_tasks()
        await self.take_reservations()
        await self.answer_offers()
        await self.send_presence()
        self.passes += 1
        self.last_error = None

    # --- desk conversations -> tasks -------------------------------------------------------------

    async def create_tasks(self) -> None:
        for conversation_id, attributes, state in await self.backend.writer.run(self._waiting):
            await self._create_task(conversation_id, attributes, state)

    def _waiting(self) -> list[tuple[str, Any, str | None]]:
        with self.backend.unit_of_work() as uow:
            waiting = uow.db.execute(
                select(ConversationRow.id, RoutingTaskRow.attributes, TaskRouterTaskRow.state)
                .join(RoutingTaskRow, RoutingTaskRow.conversation_id == ConversationRow.id)
                .outerjoin(TaskRouterTaskRow, TaskRouterTaskRow.conversation_id == ConversationRow.id)
                .where(
                    ConversationRow.state == ConversationState.QUEUED.value,
                    (TaskRouterTaskRow.state.is_(None)) | (TaskRouterTaskRow.state == "creating"),
                )
            ).all()
            return [(c, a, st) for c, a, st in waiting]

    async def _create_task(self, conversation_id: str, attributes: Any, state: str | None) -> None:
        expression = f'{KEY} == "{conversation_id}"'
        sids = await self.client.find_tasks(expression) if state == "creating" else []
        if not sids:
            await self.backend.writer.run(partial(self._creating, conversation_id))
            # Committed: from here the task may exist, so any later try looks it up first.
            try:
                task = await self.client.create_task(
                    self.settings.workflow_sid,
                    {**_plain(attributes), KEY: conversation_id},
                    key_expression=expression,
                )
            except UpstreamError as exc:
                if exc.retryable:
                    raise
                # Refused (e.g. attributes TaskRouter will not take): the others go on; this
                # one is looked up and tried again next pass, and the status shows why.
                self.last_problem = str(exc)[:500]
                log.warning("taskrouter %s: no task for %s: %s", self.name, conversation_id, exc)
                return
            sids = [task.sid]
        await self.backend.writer.run(partial(self._created, conversation_id, sids[0]))

    def _creating(self, conversation_id: str) -> None:
        with self.backend.unit_of_work() as uow:
            if uow.db.get(TaskRouterTaskRow, conversation_id) is None:
                uow.db.add(
                    TaskRouterTaskRow(
                        conversation_id=conversation_id, router=self.name, state="creating", at=utcnow()
                    )
                )

    def _created(self, conversation_id: str, task_sid: str) -> None:
        with self.backend.unit_of_work() as uow:
            row = uow.db.get(TaskRouterTaskRow, conversation_id)
            assert row is not None
            row.task_sid, row.state = task_sid, "created"

    # --- reservations -> offers ------------------------------------------------------------------

    async def take_reservations(self) -> None:
        still_pending: set[str] = set()
        for username, worker_sid in self.settings.workers.items():
            pending = await self.client.pending_reservations(worker_sid)
            still_pending.update(r.sid for r in pending)
            await self.backend.writer.run(partial(self._withdraw_gone, username, {r.sid for r in pending}))
            for reservation in pending:
                if reservation.sid in self._ignored:
                    continue
                if await self.backend.writer.run(partial(self._known, reservation.sid)):
                    continue
                task = await self.client.task(reservation.task_sid)
                await self.backend.writer.run(partial(self._offer, username, reservation.sid, task))
        # Every worker's list was read: an ignored reservation no longer pending has timed out at
        # TaskRouter and will not come back; remembering it for good would grow without end.
        self._ignored &= still_pending

    def _known(self, reservation_sid: str) -> bool:
        with self.backend.unit_of_work() as uow:
            return uow.db.get(TaskRouterReservationRow, reservation_sid) is not None

    def _withdraw_gone(self, username: str, pending: set[str]) -> None:
        """Offers whose reservation TaskRouter no longer holds for the worker (its own timeout, a
        canceled task) are withdrawn from the desk; nothing goes back for them. One step on the
        writer thread: no agent's accept runs between the look-up and the withdrawal."""
        with self.backend.unit_of_work() as uow:
            gone = uow.db.execute(
                select(TaskRouterReservationRow.sid, OfferRow.id)
                .join(OfferRow, OfferRow.id == TaskRouterReservationRow.offer_id)
                .join(AgentRow, AgentRow.id == OfferRow.agent_id)
                .where(
                    TaskRouterReservationRow.router == self.name,
                    TaskRouterReservationRow.answered.is_(False),
                    OfferRow.state == "offered",
                    AgentRow.username == username,
                )
            ).all()
        for sid, offer_id in gone:
            if sid in pending or not self.backend.withdraw_offer(offer_id):
                continue
            with self.backend.unit_of_work() as uow:
                row = uow.db.get(TaskRouterReservationRow, sid)
                assert row is not None
                row.answer, row.answered = "withdrawn", True

    def _offer(self, username: str, reservation_sid: str, task: Task) -> None:
        conversation_id = task.attributes.get(KEY)
        backend = self.backend
        with backend.unit_of_work() as uow:
            agent = uow.db.scalar(select(AgentRow).where(AgentRow.username == username))
            conv = uow.db.get(ConversationRow, conversation_id) if isinstance(conversation_id, str) else None
            if agent is None or conv is None or conv.state != ConversationState.QUEUED.value:
                # Not a chat of this desk waiting for an agent (any more): nothing to offer, and the
                # reservation times out at TaskRouter (which then routes the task on).
                log.warning("taskrouter %s: reservation %s names no waiting chat", self.name, reservation_sid)
                self._ignored.add(reservation_sid)
                return
            now = utcnow()
            offer = OfferRow(
                id=f"of-{secrets.token_hex(8)}",
                conversation_id=conv.id,
                agent_id=agent.id,
                state="offered",
                offered_at=now,
                expires_at=now + timedelta(seconds=backend.config.offer_timeout_s),
            )
            uow.db.add(offer)
            uow.db.flush()  # the offer before the rows naming it (no ORM relationship orders them)
            conv.state = ConversationState.OFFERED.value
            agent.last_offer_at = now
            reason = _why(task)
            uow.db.add(OfferReasonRow(offer_id=offer.id, data=reason.model_dump(mode="json")))
            uow.db.add(
                TaskRouterReservationRow(
                    sid=reservation_sid, router=self.name, task_sid=task.sid, offer_id=offer.id, at=now
                )
            )
            uow.db.flush()
            customer = uow.db.get(CustomerRow, conv.customer_id)
            record = backend.offer_record(offer, conv, customer, reason)
            uow.append(agent.id, "offer.created", record.model_dump(mode="json"))

    # --- decisions -> reservation updates --------------------------------------------------------

    async def answer_offers(self) -> None:
        for sid, task_sid, state in await self.backend.writer.run(self._open_reservations):
            answer = ANSWER_OF.get(state)
            if answer is None:
                continue  # still offered
            try:
                await self.client.answer(task_sid, sid, answer)
            except UpstreamError as exc:
                if exc.retryable:
                    raise  # the pass ends; the answer is sent on the next one
                # Refused for good (e.g. TaskRouter already timed the reservation out): recorded as
                # given, so it is not sent again and again; the log says what TaskRouter said.
                log.warning("taskrouter %s: answer %s to %s refused: %s", self.name, answer, sid, exc)
            await self.backend.writer.run(partial(self._answered, sid, answer))

    def _open_reservations(self) -> list[tuple[str, str, str]]:
        with self.backend.unit_of_work() as uow:
            open_rows = uow.db.execute(
                select(TaskRouterReservationRow.sid, TaskRouterReservationRow.task_sid, OfferRow.state)
                .join(OfferRow, OfferRow.id == TaskRouterReservationRow.offer_id)
                .where(
                    TaskRouterReservationRow.router == self.name, TaskRouterReservationRow.answered.is_(False)
                )
            ).all()
            return [(sid, task_sid, state) for sid, task_sid, state in open_rows]

    def _answered(self, sid: str, answer: str) -> None:
        with self.backend.unit_of_work() as uow:
            row = uow.db.get(TaskRouterReservationRow, sid)
            assert row is not None
            row.answer, row.answered = answer, True

    # --- presence -> activities ------------------------------------------------------------------

    async def send_presence(self) -> None:
        presence = await self.backend.writer.run(self._presence)
        activities = None
        for username, now in presence.items():
            if self._presence_sent.get(username) == now:
                continue
            if activities is None:
                activities = {a.name: a for a in await self.client.activities()}
            wanted = activities.get(self.settings.activities.get(str(now), ""))
            if wanted is None:
                raise UpstreamError("TaskRouter", "map presence", f"no activity for presence {now!r}")
            await self.client.set_activity(self.settings.workers[username], wanted.sid)
            self._presence_sent[username] = now

    def _presence(self) -> dict[str, str]:
        with self.backend.unit_of_work() as uow:
            return dict(
                uow.db.execute(
                    select(AgentRow.username, AgentRow.presence).where(
                        AgentRow.username.in_(list(self.settings.workers))
                    )
                ).all()
            )

    def status(self) -> dict[str, Any]:
        with self.backend.unit_of_work() as uow:
            tasks = len(uow.db.scalars(select(TaskRouterTaskRow.conversation_id)).all())
            answered = len(
                uow.db.scalars(
                    select(TaskRouterReservationRow.sid).where(TaskRouterReservationRow.answered.is_(True))
                ).all()
            )
        return {
            "name": self.name,
            "type": TYPE,
            "passes": self.passes,
            "tasks": tasks,
            "reservations_answered": answered,
            "last_error": self.last_error,
            "last_problem": self.last_problem,
            "failures": self.failures,
            "last_failure": self.last_failure,
        }


def _why(task: Task) -> RoutingReason:
    """The task's attributes as the offer's explanation (the desk shows it like its own routing's)."""
    facts = tuple(
        f"{key} = {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}"[
            :FACT_CHARS
        ]
        for key, value in sorted(task.attributes.items())
        if key != KEY
    )[:MAX_FACTS]
    queue = task.queue or ""
    summary = f"TaskRouter reservation: {', '.join(facts[:3])}" + (f" → {queue}" if queue else "")
    return RoutingReason(filter="TaskRouter", queue=queue, facts=facts, summary=summary[:300])


def _plain(attributes: Any) -> dict[str, Any]:
    return dict(attributes) if isinstance(attributes, dict) else {}
