"""A customer's call to an agent's own number (a blind transfer to that agent: the caller's phone
follows the REFER) is offered to that agent's desk, not only rung on their phone.

The proxy sends such a call to the backend like any customer call (kamailio.cfg: a caller who is not a
registered user); `start_call` sees that the dialled number is an agent's username and offers the new
voice task straight to that agent when they can take it: Available, their softphone registered, no
call of theirs offered or held. The task is created already offered, so the router never gives it to
someone else meanwhile. When the agent cannot take it (or lets the offer time out), the call is
routed like any other (the caller reaches someone rather than nobody).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from workstation.domain.models import ConversationState, Presence, Role, RoutingReason
from workstation.server.backend import Backend, _new_id, _UnitOfWork
from workstation.server.db import AgentRow, ConversationRow, CustomerRow, OfferReasonRow, OfferRow


def offer_transfer(
    backend: Backend,
    uow: _UnitOfWork,
    conv: ConversationRow,
    customer: CustomerRow,
    username: str,
    is_registered: Callable[[str], bool],
    now: datetime,
) -> bool:
    """Offers `conv` (a new voice task) to the agent `username`; False when it is not an agent who can
    take a call now (then the router routes it)."""
    agent = uow.db.scalars(
        select(AgentRow).where(AgentRow.username == username, AgentRow.role == Role.AGENT.value)
    ).first()
    if agent is None or agent.presence != Presence.AVAILABLE.value or not is_registered(username):
        return False
    if backend._load(uow.db).get(agent.id, {}).get("voice", 0) > 0:  # already on (or offered) a call
        return False
    offer = OfferRow(
        id=_new_id("of"),
        conversation_id=conv.id,
        agent_id=agent.id,
        state="offered",
        offered_at=now,
        expires_at=now + timedelta(seconds=backend.config.offer_timeout_s),
    )
    uow.db.add(offer)
    uow.db.flush()  # the offer before the row naming it (no ORM relationship orders them)
    conv.state = ConversationState.OFFERED.value
    agent.last_offer_at = now
    reason = RoutingReason(
        filter="transfer",
        facts=(f"dialled = {username}",),
        summary=f"Transferred to you ({username})",
    )
    uow.db.add(OfferReasonRow(offer_id=offer.id, data=reason.model_dump(mode="json")))
    record = backend.offer_record(offer, conv, customer, reason)
    uow.append(agent.id, "offer.created", record.model_dump(mode="json"))
    return True
