"""What gives an agent access to a customer or a conversation, and for how long.

An agent (role `agent`) reaches a customer's records (profile, timeline, notes, contact fields, the
transcripts of the customer's past chats) and a conversation only through a live link to it:

(a) a conversation of theirs with that customer that is still open,
(b) a current offer to them (state "offered", not yet expired) of a chat of that customer, or
(c) a conversation of theirs that they wrapped up less than ACCESS_AFTER_WRAPUP_S ago, so
    after-call work and late notes can finish.

Declined, timed-out, cancelled or accepted-and-long-closed offers grant nothing. Team leads and
service accounts keep their role-based access (the caller decides which roles pass). One narrow
exception, asked for by the desktop's history: an agent may always *read* the transcript of a
conversation they handled themselves (`own_history`), never another agent's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import ConversationState
from workstation.server.db import ConversationRow, OfferRow

#: After-call work: 15 minutes covers a wrap-up, a follow-up note and a callback booking; beyond it
#: the customer is back to being anyone's customer, reached only through a new contact.
ACCESS_AFTER_WRAPUP_S = 15 * 60.0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def conversation_is_live(conv: ConversationRow, now: datetime, window_s: float) -> bool:
    """Open, or wrapped up within the window."""
    if conv.state != ConversationState.CLOSED.value:
        return True
    closed = conv.closed_at
    return closed is not None and now - _aware(closed) <= timedelta(seconds=window_s)


def customer_link(db: DbSession, agent_id: str, customer_id: str, now: datetime, window_s: float) -> bool:
    """Whether the agent has a live link (a, b or c above) to the customer."""
    held = db.scalars(
        select(ConversationRow).where(
            ConversationRow.customer_id == customer_id, ConversationRow.agent_id == agent_id
        )
    )
    if any(conversation_is_live(conv, now, window_s) for conv in held):
        return True
    offers = db.scalars(
        select(OfferRow)
        .join(ConversationRow, ConversationRow.id == OfferRow.conversation_id)
        .where(
            ConversationRow.customer_id == customer_id,
            OfferRow.agent_id == agent_id,
            OfferRow.state == "offered",
        )
    )
    return any(_aware(offer.expires_at) > now for offer in offers)
