"""Routing configuration and team-lead actions (forced presence, moved tasks), customers who leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.models import (
    Agent,
    Conversation,
    ConversationState,
    Presence,
    Role,
    WaitingReason,
    utcnow,
)
from workstation.domain.workflow import (
    AgentRouting,
    RoutingConfig,
)
from workstation.server import audit
from workstation.server.backend.base import BackendBase
from workstation.server.backend.core import (
    AUDIENCE_TEAMLEADS,
    ROUTING_CONFIG_KEY,
    BackendError,
    Principal,
    _new_id,
)
from workstation.server.backend.mappers import (
    _aware,
    _capacity,
    _compile_config,
    _message,
    _worker_attributes,
)
from workstation.server.db import (
    AgentRoutingRow,
    AgentRow,
    ConversationRow,
    MessageRow,
    Meta,
    OfferReasonRow,
    OfferRow,
    RoutingTaskRow,
    TaskMoveRow,
    TaskOutcomeRow,
    read_session,
)


class RoutingAdmin(BackendBase):
    """What team leads and service users change: routing config, agent levels, moves."""

    # --- routing configuration (team leads and service users) ----------------------------------

    @staticmethod
    def _require_supervisor(principal: Principal) -> None:
        if principal.scope != "agent" or principal.role not in (Role.TEAMLEAD, Role.SERVICE):
            raise BackendError(403, "forbidden", "Team leads only.")

    def routing_config(self, principal: Principal) -> RoutingConfig:
        self._require_supervisor(principal)
        return self._router.config

    def replace_routing_config(self, principal: Principal, raw: Any) -> RoutingConfig:
        """Validate and store a new workflow and queues; waiting tasks are routed afresh under it."""
        self._require_supervisor(principal)
        router = _compile_config(raw)
        with self._uow() as uow:
            uow.db.merge(Meta(key=ROUTING_CONFIG_KEY, value=router.config.model_dump_json()))
            audit.record(
                uow.db,
                audit.ROUTING_CONFIG,
                actor=audit.actor_of(uow.db, principal.agent_id),
                queues=[q.id for q in router.config.queues],
            )
            for task in uow.db.scalars(
                select(RoutingTaskRow)
                .join(ConversationRow, ConversationRow.id == RoutingTaskRow.conversation_id)
                .where(ConversationRow.state == ConversationState.QUEUED.value)
            ):
                task.placed, task.filter_name, task.step, task.step_started_at = False, None, 0, None
        self._router = router
        self.wake_router()
        return router.config

    def agent_routing(self, principal: Principal) -> list[dict[str, Any]]:
        self._require_supervisor(principal)
        with read_session(self.engine) as db:
            routing = {r.agent_id: r for r in db.scalars(select(AgentRoutingRow))}
            return [
                {
                    "agent_id": agent.id,
                    "username": agent.username,
                    "attributes": _worker_attributes(agent, routing.get(agent.id)),
                    "capacity": _capacity(agent, routing.get(agent.id)),
                }
                for agent in db.scalars(
                    select(AgentRow).where(AgentRow.role == Role.AGENT.value).order_by(AgentRow.username)
                )
            ]

    def set_agent_routing(self, principal: Principal | None, agent_id: str, routing: AgentRouting) -> None:
        """Replace an agent's routing attributes and capacity (principal None: seeding in-process).

        `skills` and `languages` in the attributes also update the agent's record, so the desktop
        and the router never disagree about them.
        """
        if principal is not None:
            self._require_supervisor(principal)
        problems = []
        for channel, capacity in routing.capacity.items():
            if not 0 <= capacity <= 20:
                problems.append({"field": f"capacity.{channel}", "problem": "must be 0 to 20"})
        for key in ("skills", "languages"):
            value = routing.attributes.get(key)
            if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append({"field": f"attributes.{key}", "problem": "must be a list of strings"})
        if problems:
            raise BackendError(400, "bad_agent_routing", "The agent's routing is invalid.", problems)
        with self._uow() as uow:
            agent = uow.db.get(AgentRow, agent_id)
            # Only agents are routed (team leads and service accounts have no routing row to show):
            # refused before anything changes, so a failed PUT leaves the record as it was.
            if agent is None or agent.role != Role.AGENT.value:
                raise BackendError(404, "not_found", f"No agent {agent_id}.")
            if principal is not None:
                audit.record(
                    uow.db,
                    audit.AGENT_ROUTING,
                    actor=audit.actor_of(uow.db, principal.agent_id),
                    target=agent.username,
                    attributes=sorted(routing.attributes),
                    capacity=[f"{k}={v}" for k, v in sorted(routing.capacity.items())],
                )
            attributes = dict(routing.attributes)
            if "skills" in attributes:
                agent.skills = list(attributes.pop("skills"))
            if "languages" in attributes:
                agent.languages = list(attributes.pop("languages"))
            for key in ("id", "username", "name"):
                attributes.pop(key, None)
            if routing.capacity.get("chat"):
                agent.max_chats = int(routing.capacity["chat"])
            uow.db.merge(AgentRoutingRow(agent_id=agent_id, attributes=attributes, capacity=routing.capacity))
        self.wake_router()

    def has_agent_routing(self, agent_id: str) -> bool:
        with read_session(self.engine) as db:
            return db.get(AgentRoutingRow, agent_id) is not None

    def routing_history(self, principal: Principal, conversation_id: str) -> dict[str, Any]:
        """Where a task went and why: its attributes, its workflow position, every offer with its reason."""
        self._require_supervisor(principal)
        with read_session(self.engine) as db:
            conv = db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            task = db.get(RoutingTaskRow, conversation_id)
            offers = []
            for offer in db.scalars(
                select(OfferRow)
                .where(OfferRow.conversation_id == conversation_id)
                .order_by(OfferRow.offered_at)
            ):
                reason = db.get(OfferReasonRow, offer.id)
                offers.append(
                    {
                        "offer_id": offer.id,
                        "agent_id": offer.agent_id,
                        "state": offer.state,
                        "offered_at": _aware(offer.offered_at).isoformat(),
                        "decided_at": _aware(offer.decided_at).isoformat() if offer.decided_at else None,
                        "routing": reason.data if reason else None,
                    }
                )
            return {
                "conversation_id": conv.id,
                "state": conv.state,
                "agent_id": conv.agent_id,
                "attributes": task.attributes if task else None,
                "filter": task.filter_name if task else None,
                "step": task.step + 1 if task and task.placed else None,
                "offers": offers,
            }

    def why_waiting(self, principal: Principal, conversation_id: str | None = None) -> list[WaitingReason]:
        """Where each waiting task (or the one asked about) stands, and who could take it."""
        self._require_supervisor(principal)
        now = utcnow()
        with read_session(self.engine) as db:
            query = select(ConversationRow).where(
                ConversationRow.state.in_((ConversationState.QUEUED.value, ConversationState.OFFERED.value))
            )
            if conversation_id is not None:
                conv = db.get(ConversationRow, conversation_id)
                if conv is None:
                    raise BackendError(
                        404, "not_found", M.Msg(M.NO_CONVERSATION, conversation_id=conversation_id)
                    )
                if conv.state not in (ConversationState.QUEUED.value, ConversationState.OFFERED.value):
                    raise BackendError(409, "not_waiting", M.Msg(M.NOT_WAITING, state=conv.state))
                query = query.where(ConversationRow.id == conversation_id)
            convs = list(db.scalars(query.order_by(ConversationRow.started_at)))
            rows = self._task_rows(db, convs, store=False)
            workers = self._workers(db)
            offered = {
                conv_id: agent_id
                for conv_id, agent_id in db.execute(
                    select(OfferRow.conversation_id, OfferRow.agent_id).where(
                        OfferRow.state == "offered", OfferRow.conversation_id.in_([c.id for c in convs])
                    )
                )
            }
            return [
                self._router.waiting(
                    self._task_state(rows[c.id], now), workers, now.timestamp(), offered_to=offered.get(c.id)
                )
                for c in convs
            ]

    # --- team-lead actions, and customers who leave ---------------------------------------------

    def force_presence(self, principal: Principal, agent_id: str, presence: Presence) -> Agent:
        """A team lead sets an agent's presence (e.g. Away for someone who left the desk)."""
        self._require_supervisor(principal)
        with read_session(self.engine) as db:
            target = db.get(AgentRow, agent_id)
            lead = db.get(AgentRow, principal.agent_id or "")
            if target is None or target.role != Role.AGENT.value:
                raise BackendError(404, "not_found", M.Msg(M.NO_AGENT, agent_id=agent_id))
            by = lead.username if lead else "service"
        with self.batch():  # the change and its audit entry commit together
            agent = self.set_presence(agent_id, presence, reason=f"team_lead:{by}")
            with self._uow() as uow:
                audit.record(
                    uow.db,
                    audit.FORCE_PRESENCE,
                    actor=audit.actor_of(uow.db, principal.agent_id),
                    target=target.username,
                    presence=presence.value,
                )
        return agent

    def move_task(self, principal: Principal, conversation_id: str, queue_id: str) -> WaitingReason:
        """A team lead moves a waiting task to another queue: any member of it may take it now.

        An open offer for the task is withdrawn; the task keeps its arrival time (its wait goes on)
        and the priority of the step it was in.
        """
        self._require_supervisor(principal)
        if queue_id not in {q.id for q in self._router.config.queues}:
            raise BackendError(422, "unknown_queue", M.Msg(M.UNKNOWN_QUEUE, queue_id=queue_id))
        now = utcnow()
        with self._uow() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(
                    404, "not_found", M.Msg(M.NO_CONVERSATION, conversation_id=conversation_id)
                )
            if conv.state not in (ConversationState.QUEUED.value, ConversationState.OFFERED.value):
                raise BackendError(409, "not_waiting", M.Msg(M.NOT_WAITING, state=conv.state))
            (task,) = self._task_rows(uow.db, [conv]).values()
            for offer in uow.db.scalars(
                select(OfferRow).where(OfferRow.conversation_id == conv.id, OfferRow.state == "offered")
            ):
                self._end_offer(uow, offer, "canceled")
                self._cooldown.get(conv.id, {}).pop(offer.agent_id, None)  # not the agent's fault
            lead = uow.db.get(AgentRow, principal.agent_id or "")
            uow.db.merge(
                TaskMoveRow(
                    conversation_id=conv.id,
                    queue=queue_id,
                    priority=task.priority,
                    moved_by=lead.username if lead else "service",
                    moved_at=now,
                )
            )
            task.queue = queue_id
            audit.record(
                uow.db,
                audit.MOVE_TASK,
                actor=audit.actor_of(uow.db, principal.agent_id),
                target=conv.id,
                queue=queue_id,
            )
            self._moves[conv.id] = {"moved_to": queue_id, "moved_priority": task.priority}
        self.wake_router()
        (reason,) = self.why_waiting(principal, conversation_id)
        return reason

    def leave_chat(self, principal: Principal, conversation_id: str) -> Conversation:
        """The customer leaves: a waiting chat is closed as abandoned; an active one tells its agent."""
        if principal.scope == "customer" and principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")
        if principal.scope == "agent" and principal.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only the customer (or a service user) can leave a chat.")
        now = utcnow()
        with self._uow() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            if conv.state == ConversationState.CLOSED.value:
                raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))
            note = MessageRow(
                # author given: the column default only applies at flush, after _message() reads it
                id=_new_id("m"),
                conversation_id=conv.id,
                sender="system",
                author="",
                text=M.CUSTOMER_LEFT,
                at=now,
            )
            uow.db.add(note)
            if conv.state == ConversationState.ACTIVE.value:
                # The agent still wraps it up; they see why nobody answers any more.
                if conv.agent_id:
                    uow.append(conv.agent_id, "message.created", _message(note).model_dump(mode="json"))
                uow.db.flush()
                return self._conversation(uow.db, conv, with_messages=False)
            for offer in uow.db.scalars(
                select(OfferRow).where(OfferRow.conversation_id == conv.id, OfferRow.state == "offered")
            ):
                self._end_offer(uow, offer, "canceled")
            conv.state = ConversationState.CLOSED.value
            conv.closed_at = now
            self._record_outcome(uow.db, conv, "abandoned", now)
            uow.db.flush()
            closed = self._conversation(uow.db, conv, with_messages=False)
            uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", closed.model_dump(mode="json"))
        self._cooldown.pop(conversation_id, None)
        self.wake_router()
        return closed

    def _record_outcome(
        self, db: DbSession, conv: ConversationRow, outcome: str, now: datetime, agent_id: str | None = None
    ) -> None:
        """How the task left its queue, for the queue statistics (in the same transaction as the change)."""
        # The queue only: loading the task as an entity parsed its attributes too, on every accept.
        queue = db.scalar(select(RoutingTaskRow.queue).where(RoutingTaskRow.conversation_id == conv.id))
        arrived = _aware(conv.started_at)
        db.merge(
            TaskOutcomeRow(
                conversation_id=conv.id,
                queue=queue or self._router.config.workflow.default_queue,
                outcome=outcome,
                arrived_at=arrived,
                ended_at=now,
                wait_s=max(0.0, (now - arrived).total_seconds()),
                agent_id=agent_id,
            )
        )
        self._moves.pop(conv.id, None)
