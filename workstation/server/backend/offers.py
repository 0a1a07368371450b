"""Offers and the router: pending offers, accept and reject, expiry, assignment, the router loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Text, cast, insert, select, update
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.models import (
    Conversation,
    ConversationState,
    CustomerSummary,
    Offer,
    OfferRevocation,
    Presence,
    RoutingReason,
    utcnow,
)
from workstation.domain.workflow import (
    Decision,
    TaskState,
    WorkerState,
)
from workstation.server import router_lease
from workstation.server.backend.base import BackendBase
from workstation.server.backend.core import (
    AUDIENCE_TEAMLEADS,
    BackendError,
    Principal,
    _new_id,
    _UnitOfWork,
    log,
)
from workstation.server.backend.mappers import (
    _aware,
    _JsonObject,
    _offer_record,
    _pushed,
    _record_step,
    _step_values,
    _summary,
    _TaskFacts,
)
from workstation.server.backend.workers import agent_load
from workstation.server.db import (
    AgentRow,
    ConversationRow,
    CustomerRow,
    MessageRow,
    OfferReasonRow,
    OfferRow,
    RoutingTaskRow,
    read_session,
)
from workstation.server.writer_thread import WriterClosed

_NOBODY: frozenset[str] = frozenset()


class _WaitingTask(NamedTuple):
    """A waiting task as the pass reads it (RoutingTaskRow's names: a _TaskFacts)."""

    conversation_id: str
    channel: str
    attributes: Mapping[str, Any]
    created_at: datetime
    placed: bool
    filter_name: str | None
    step: int
    step_started_at: datetime | None


class _NewOffer(NamedTuple):
    """An offer the pass makes, as its record reads it (inserted as a plain row, not an entity)."""

    id: str
    offered_at: datetime
    expires_at: datetime


class OffersAndRouting(BackendBase):
    """Offers to agents and the routing pass that makes them (one router at a time)."""

    # --- offers and routing ----------------------------------------------------------------------

    def pending_offers(self, principal: Principal) -> list[Offer]:
        with read_session(self.engine) as db:
            rows = db.scalars(
                select(OfferRow)
                .where(OfferRow.agent_id == principal.agent_id, OfferRow.state == "offered")
                .order_by(OfferRow.offered_at)
            )
            return [self._offer(db, r) for r in rows]

    def accept_offer(self, principal: Principal, offer_id: str) -> Conversation:
        with self._uow() as uow:
            offer = self._own_open_offer(uow.db, principal, offer_id)
            now = utcnow()
            offer.state, offer.decided_at = "accepted", now
            conv = uow.db.get(ConversationRow, offer.conversation_id)
            assert conv is not None
            conv.state = ConversationState.ACTIVE.value
            conv.agent_id = offer.agent_id
            conv.accepted_at = now
            self._record_outcome(uow.db, conv, "answered", now, agent_id=offer.agent_id)
            uow.db.flush()
            revocation = OfferRevocation(offer_id=offer.id, conversation_id=conv.id, reason="accepted")
            uow.append(offer.agent_id, "offer.revoked", revocation.model_dump(mode="json"))
            result = self._conversation(uow.db, conv)
            # The push carries the latest messages only; the REST answer (result) has them all.
            uow.append(offer.agent_id, "conversation.assigned", _pushed(result).model_dump(mode="json"))
        return result

    def reject_offer(self, principal: Principal, offer_id: str) -> None:
        with self._uow() as uow:
            offer = self._own_open_offer(uow.db, principal, offer_id)
            self._end_offer(uow, offer, "rejected")
        self.wake_router()

    def withdraw_offer(self, offer_id: str) -> bool:
        """End an open offer that an external router withdrew (channels/taskrouter_mode.py);
        False when it was no longer open (the agent answered first)."""
        with self._uow() as uow:
            offer = uow.db.get(OfferRow, offer_id)
            if offer is None or offer.state != "offered":
                return False
            self._end_offer(uow, offer, "canceled")
        return True

    def _own_open_offer(self, db: DbSession, principal: Principal, offer_id: str) -> OfferRow:
        offer = db.get(OfferRow, offer_id)
        if offer is None or offer.agent_id != principal.agent_id:
            raise BackendError(404, "not_found", M.Msg(M.NO_OFFER, offer_id=offer_id))
        if offer.state != "offered":
            raise BackendError(409, f"offer_{offer.state}", f"The offer is no longer open ({offer.state}).")
        if _aware(offer.expires_at) <= utcnow():
            raise BackendError(409, "offer_timed_out", M.Msg(M.OFFER_EXPIRED))
        return offer

    def _end_offer(self, uow: _UnitOfWork, offer: OfferRow, reason: str) -> None:
        now = utcnow()
        offer.state, offer.decided_at = reason, now
        conv = uow.db.get(ConversationRow, offer.conversation_id)
        if conv is not None and conv.state == ConversationState.OFFERED.value:
            conv.state = ConversationState.QUEUED.value
        self._cooldown.setdefault(offer.conversation_id, {})[offer.agent_id] = now + timedelta(
            seconds=self.config.reoffer_cooldown_s
        )
        revocation = OfferRevocation(
            offer_id=offer.id,
            conversation_id=offer.conversation_id,
            reason=reason,  # type: ignore[arg-type]
        )
        uow.append(offer.agent_id, "offer.revoked", revocation.model_dump(mode="json"))

    def _cancel_offers_of(self, uow: _UnitOfWork, agent_id: str) -> None:
        for offer in uow.db.scalars(
            select(OfferRow).where(OfferRow.agent_id == agent_id, OfferRow.state == "offered")
        ):
            self._end_offer(uow, offer, "canceled")

    def expire_offers(self) -> int:
        now = utcnow()
        missed: list[str] = []
        self._forget_past_cooldowns(now)
        with self._uow() as uow:
            # Only the due ones: every pass runs this, and loading every open offer as an entity to
            # compare its time here cost the pass more the longer the offers waited for an answer.
            due = select(OfferRow).where(OfferRow.state == "offered", OfferRow.expires_at <= now)
            for offer in uow.db.scalars(due):
                self._end_offer(uow, offer, "timed_out")
                missed.append(offer.agent_id)
        if self.config.away_after_missed_offer:
            for agent_id in missed:
                self.set_presence(agent_id, Presence.AWAY, reason="missed_offer")
        return len(missed)

    def _forget_past_cooldowns(self, now: datetime) -> None:
        """Drop the cooldowns that ended: each declined or missed offer left one, kept for good."""
        cooldown = self._cooldown
        if any(until <= now for agents in list(cooldown.values()) for until in list(agents.values())):
            # A new dict swapped in whole: a reader on another thread (why_waiting) sees one or the other.
            self._cooldown = {
                conv_id: kept
                for conv_id, agents in list(cooldown.items())
                if (kept := {agent: until for agent, until in list(agents.items()) if until > now})
            }

    def assign_waiting(self) -> int:
        """One router pass: place waiting tasks in their workflow step and offer them to agents.

        The decisions are the domain's (workstation.domain.workflow.Router.plan); this method reads
        the state they need and writes their outcome: step changes, offers with their reasons, and
        tasks given up after their time to live.

        The pass runs on the writer thread while the queue may hold thousands of chats, so it reads
        plain rows (no ORM entities) and writes with a few set-based statements; only the rare
        give-ups go through the ORM.
        """
        now = utcnow()
        router = self._router
        with self._uow() as uow:
            waiting = self._waiting_tasks(uow.db)
            if not waiting:
                return 0
            tasks = [self._task_state(row, now) for row in waiting]
            by_id = {row.conversation_id: row for row in waiting}
            steps: list[dict[str, Any]] = []
            expired: list[str] = []
            offered: list[Decision] = []
            for decision in router.plan(tasks, self._workers(uow.db), now.timestamp()):
                task = by_id[decision.task_id]
                if isinstance(task, RoutingTaskRow):  # made in this pass (see _waiting_tasks)
                    _record_step(task, decision)
                elif (values := _step_values(task, decision)) is not None:
                    steps.append({"conversation_id": decision.task_id, **values})
                if decision.expired:
                    expired.append(decision.task_id)
                elif decision.worker_id is not None:
                    offered.append(decision)
            if steps:  # an UPDATE by primary key for each (one executemany)
                uow.db.execute(update(RoutingTaskRow), steps)
            # After the steps: a give-up records the task's queue, which the step may have changed.
            for conv_id in expired:
                conv = uow.db.get(ConversationRow, conv_id)
                assert conv is not None
                self._give_up(uow, conv)
            if offered:
                self._make_offers(uow, offered, now)
        return len(offered)

    def _waiting_tasks(self, db: DbSession) -> list[_TaskFacts]:
        """The queued conversations' routing tasks, longest waiting first, as plain rows."""
        rows = db.execute(
            select(
                ConversationRow.id,
                RoutingTaskRow.conversation_id,
                RoutingTaskRow.channel,
                cast(RoutingTaskRow.attributes, Text),  # parsed when looked into (_JsonObject)
                RoutingTaskRow.created_at,
                RoutingTaskRow.placed,
                RoutingTaskRow.filter_name,
                RoutingTaskRow.step,
                RoutingTaskRow.step_started_at,
            )
            .outerjoin(RoutingTaskRow, RoutingTaskRow.conversation_id == ConversationRow.id)
            .where(ConversationRow.state == ConversationState.QUEUED.value)
            .order_by(ConversationRow.started_at)
        ).all()
        waiting: list[_TaskFacts] = []
        missing: list[str] = []
        for conv_id, task_id, channel, attributes, created_at, placed, filter_name, step, started in rows:
            if task_id is None:
                missing.append(conv_id)
                continue
            waiting.append(
                _WaitingTask(
                    conv_id, channel, _JsonObject(attributes), created_at, placed, filter_name, step, started
                )
            )
        if not missing:
            return waiting
        # Queued before routing tasks existed (an older database): made now, as ORM rows, in their
        # place in the queue.
        convs = list(db.scalars(select(ConversationRow).where(ConversationRow.id.in_(missing))))
        made: dict[str, _TaskFacts] = {**self._task_rows(db, convs)}
        made.update((task.conversation_id, task) for task in waiting)
        return [made[row[0]] for row in rows]

    def _make_offers(self, uow: _UnitOfWork, decisions: list[Decision], now: datetime) -> None:
        """The pass's offers: inserted with their reasons, their chats marked offered, their agents
        stamped as just offered (the longest-idle ordering reads it), and each pushed to its agent."""
        db = uow.db
        conv_ids = [d.task_id for d in decisions]
        convs = {
            row.id: row
            for row in db.execute(
                select(
                    ConversationRow.id,
                    ConversationRow.customer_id,
                    ConversationRow.channel,
                    ConversationRow.topic,
                    ConversationRow.language,
                    ConversationRow.page,
                ).where(ConversationRow.id.in_(conv_ids))
            )
        }
        names = {
            customer_id: CustomerSummary(id=customer_id, name=name, language=language)
            for customer_id, name, language in db.execute(
                select(CustomerRow.id, CustomerRow.name, CustomerRow.language).where(
                    CustomerRow.id.in_({row.customer_id for row in convs.values()})
                )
            )
        }
        expires = now + timedelta(seconds=self.config.offer_timeout_s)
        offers: list[dict[str, Any]] = []
        reasons: list[dict[str, Any]] = []
        for decision in decisions:
            assert decision.worker_id is not None and decision.reason is not None
            conv = convs[decision.task_id]
            offer = _NewOffer(_new_id("of"), now, expires)
            offers.append(
                {
                    "id": offer.id,
                    "conversation_id": conv.id,
                    "agent_id": decision.worker_id,
                    "state": "offered",
                    "offered_at": now,
                    "expires_at": expires,
                }
            )
            reasons.append({"offer_id": offer.id, "data": decision.reason.model_dump(mode="json")})
            customer = names.get(conv.customer_id) or _summary(conv.customer_id, None)
            record = _offer_record(offer, conv, customer, decision.reason)
            uow.append(decision.worker_id, "offer.created", record.model_dump(mode="json"))
        # Offers before their reasons (the reasons' foreign key).
        db.execute(insert(OfferRow), offers)
        db.execute(insert(OfferReasonRow), reasons)
        db.execute(
            update(ConversationRow)
            .where(ConversationRow.id.in_(conv_ids))
            .values(state=ConversationState.OFFERED.value)
        )
        db.execute(
            update(AgentRow)
            .where(AgentRow.id.in_({d.worker_id for d in decisions}))
            .values(last_offer_at=now)
        )

    def _give_up(self, uow: _UnitOfWork, conv: ConversationRow) -> None:
        """A task that waited out its time to live: closed, with a word to the customer."""
        now = utcnow()
        conv.state = ConversationState.CLOSED.value
        conv.closed_at = now
        self._record_outcome(uow.db, conv, "expired", now)
        uow.db.add(
            MessageRow(
                id=_new_id("m"),
                conversation_id=conv.id,
                sender="system",
                text="No agent could take this conversation in time. Please try again later.",
                at=now,
            )
        )
        uow.db.flush()
        closed = self._conversation(uow.db, conv, with_messages=False)
        uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", closed.model_dump(mode="json"))

    def _task_rows(
        self, db: DbSession, convs: list[ConversationRow], *, store: bool = True
    ) -> dict[str, RoutingTaskRow]:
        """The routing tasks of these conversations. A conversation queued before routing tasks
        existed (an older database) gets one built from it, stored only with `store` (a unit of
        work); a read (why_waiting) uses the built row as it is and leaves storing it to the router."""
        rows = {
            r.conversation_id: r
            for r in db.scalars(
                select(RoutingTaskRow).where(RoutingTaskRow.conversation_id.in_([c.id for c in convs]))
            )
        }
        for conv in convs:
            if conv.id not in rows:  # queued before routing tasks existed (an older database)
                customer = db.get(CustomerRow, conv.customer_id)
                assert customer is not None
                rows[conv.id] = self._routing_task(db, conv, customer, None)
                if store:
                    db.add(rows[conv.id])
        return rows

    def _task_state(self, row: _TaskFacts, now: datetime) -> TaskState:
        # A copy (one step under the GIL): a read on the loop (why_waiting) may get here while the
        # writer thread adds a cooldown to this very dict. Most tasks have none: no set built for them.
        cooldown = self._cooldown.get(row.conversation_id)
        excluded = frozenset(a for a, until in dict(cooldown).items() if until > now) if cooldown else _NOBODY
        return TaskState(
            id=row.conversation_id,
            channel=row.channel,
            attributes=row.attributes,
            created_at=_aware(row.created_at).timestamp(),
            placed=row.placed,
            filter_name=row.filter_name,
            step=row.step,
            step_started_at=_aware(row.step_started_at).timestamp() if row.step_started_at else 0.0,
            excluded=excluded,
            **self._moves.get(row.conversation_id, {}),
        )

    def _workers(self, db: DbSession) -> list[WorkerState]:
        """Every agent as the router sees it (workers.py: the pass runs this each time)."""
        return self._worker_directory.read(db, self.capacity_hooks)

    @staticmethod
    def _load(db: DbSession) -> dict[str, dict[str, int]]:
        """Agent id -> channel -> conversations held plus offers open (what counts against capacity)."""
        return agent_load(db)

    @staticmethod
    def offer_record(
        row: OfferRow, conv: ConversationRow, customer: CustomerRow | None, routing: RoutingReason | None
    ) -> Offer:
        """An offer as agents receive it (for an external router's offers: channels/taskrouter_mode.py)."""
        return _offer_record(row, conv, _summary(conv.customer_id, customer), routing)

    def _offer(self, db: DbSession, row: OfferRow) -> Offer:
        conv = db.get(ConversationRow, row.conversation_id)
        assert conv is not None
        customer = db.get(CustomerRow, conv.customer_id)
        reason = db.get(OfferReasonRow, row.id)
        routing = RoutingReason.model_validate(reason.data) if reason else None
        return _offer_record(row, conv, _summary(conv.customer_id, customer), routing)

    async def run_router(self) -> None:
        """Expire offers and assign waiting chats, on every wake-up and at least every tick; on
        PostgreSQL only while this process holds the router lock (router_lease.py)."""
        await router_lease.run_exclusive(self.engine, self._route)

    async def _route(self) -> None:
        shared = router_lease.SharedRouterState(self) if self.fanout.shared else None

        def one_pass() -> None:
            if shared is not None:
                shared.refresh()
            self.expire_offers()
            if not self.external_router:
                self.assign_waiting()
            self.prune_log()

        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            self._wake_router.clear()  # a wake-up from here on may need another pass
            try:
                # On the writer thread, like the REST writes: off the loop, and never between the
                # reads and writes of an accept or a presence change (writer_thread.py).
                await self.writer.run(one_pass)
            except WriterClosed:
                log.info("routing stopped: the process is shutting down")
                return
            except Exception:
                log.exception("routing pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_router.wait(), self.config.router_tick_s)
            # A pass costs the same for one new chat as for ten (it reads every agent): under load
            # the wake-ups of a short while are served by one pass, at most one per min gap.
            rest = started + self.config.router_min_gap_s - loop.time()
            if rest > 0:
                await asyncio.sleep(rest)
