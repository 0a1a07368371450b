"""An unknown caller identified: the agent links their call to the customer they found.

`POST /api/v1/voice/calls/{conversation_id}/customer` (body `{"customer_id": ...}`, Idempotency-Key)
answers only the agent the call is offered to or held by (answered, or in after-call work). The
call's conversation moves from the "Unknown caller" placeholder (`caller-<digits>`) to that customer,
so its wrap-up writes the phone contact into the real customer's history. The placeholder is retired:

* everything it gathered moves too: the history events, notes and earlier (wrapped-up) calls of that
  number; they were calls from the same phone, and an agent's note on one must not be stranded;
* it keeps a pointer (`data.retired_to`), so the next call from that number reaches the customer
  directly, even when the customer's record has another phone number;
* the number is remembered on the customer (`phone`) when their record has none.

The conversation's new customer is pushed as `conversation.customer_changed` to the agent and to team
leads; a customer record that changed is pushed as `customer.updated`. Every link is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.models import Conversation, ConversationState
from workstation.server import audit
from workstation.server.backend import AUDIENCE_TEAMLEADS, Backend, BackendError, Principal
from workstation.server.backend.mappers import _customer
from workstation.server.db import (
    ConversationRow,
    CustomerEventRow,
    CustomerRow,
    CustomerStoryRow,
    NoteRow,
    OfferRow,
    RoutingTaskRow,
    refresh_stories,
)

API = "/api/v1/voice/calls/{conversation_id}/customer"
#: Where an unknown caller's placeholder record points once the caller was identified.
RETIRED_TO = "retired_to"


class LinkBody(BaseModel):
    customer_id: str = Field(min_length=1, max_length=64)


def is_placeholder(customer_id: str) -> bool:
    """An unknown caller's stand-in record (voice.py creates one per calling number)."""
    return customer_id.startswith("caller-")


def link_caller(
    backend: Backend, principal: Principal, conversation_id: str, customer_id: str
) -> Conversation:
    """Moves the call `conversation_id` (and its placeholder's records) to `customer_id`."""
    if principal.scope != "agent" or principal.agent_id is None:
        raise BackendError(403, "forbidden", "This needs an agent's token.")
    if is_placeholder(customer_id):
        raise BackendError(422, "not_a_customer", M.Msg(M.LINK_TO_CUSTOMER))
    with backend.unit_of_work() as uow:
        db = uow.db
        conv = db.get(ConversationRow, conversation_id)
        if conv is None or conv.channel != "voice":
            raise BackendError(404, "not_found", f"No call {conversation_id}.")
        offered = db.scalars(
            select(OfferRow).where(
                OfferRow.conversation_id == conversation_id,
                OfferRow.agent_id == principal.agent_id,
                OfferRow.state == "offered",
            )
        ).first()
        held = conv.agent_id == principal.agent_id and conv.state == ConversationState.ACTIVE.value
        if offered is None and not held:
            # Another agent's call is reported as missing, as everywhere (access.py).
            raise BackendError(404, "not_found", f"No call {conversation_id}.")
        placeholder_id = conv.customer_id
        if not is_placeholder(placeholder_id):
            raise BackendError(409, "caller_known", M.Msg(M.CALLER_KNOWN))
        target = db.get(CustomerRow, customer_id)
        if target is None:
            raise BackendError(422, "unknown_customer", M.Msg(M.NO_CUSTOMER, customer_id=customer_id))
        placeholder = db.get(CustomerRow, placeholder_id)
        conv.customer_id = customer_id
        task = db.get(RoutingTaskRow, conversation_id)
        number = ""
        if task is not None:
            number = str(task.attributes.get("ani") or "")
            task.attributes = {**task.attributes, "known_caller": True, "linked_from": placeholder_id}
        _move_records(db, placeholder_id, customer_id, conversation_id)
        changed = []
        if placeholder is not None:
            placeholder.data = {**placeholder.data, RETIRED_TO: customer_id}
            placeholder.version += 1
            number = number or str(placeholder.data.get("phone") or "")
        if number and not target.data.get("phone"):
            target.data = {**target.data, "phone": number}
            target.version += 1
            changed.append(target)
        audit.record(
            db,
            "call.linked",
            actor=audit.actor_of(db, principal.agent_id),
            target=conversation_id,
            placeholder=placeholder_id,
            customer=customer_id,
        )
        db.flush()
        result = backend._conversation(db, conv, with_messages=False)
        payload = result.model_dump(mode="json")
        uow.append(principal.agent_id, "conversation.customer_changed", payload)
        uow.append(AUDIENCE_TEAMLEADS, "conversation.customer_changed", payload)
        for row in changed:
            record = _customer(row).model_dump(mode="json")
            for agent_id in backend._agents_holding(db, row.id):
                uow.append(agent_id, "customer.updated", record)
            uow.append(AUDIENCE_TEAMLEADS, "customer.updated", record)
    return result


def _move_records(db: DbSession, placeholder_id: str, customer_id: str, conversation_id: str) -> None:
    """The placeholder's history, notes and wrapped-up calls go to the customer (see the module's
    docstring); another call from the number still open (another agent's) stays where it is."""
    stories = {
        story
        for story in db.scalars(
            select(CustomerEventRow.story).where(CustomerEventRow.customer_id == placeholder_id)
        )
        if story is not None
    }
    db.execute(
        update(CustomerEventRow)
        .where(CustomerEventRow.customer_id == placeholder_id)
        .values(customer_id=customer_id)
    )
    db.execute(update(NoteRow).where(NoteRow.customer_id == placeholder_id).values(customer_id=customer_id))
    db.execute(
        update(ConversationRow)
        .where(
            ConversationRow.customer_id == placeholder_id,
            ConversationRow.state == ConversationState.CLOSED.value,
            ConversationRow.id != conversation_id,
        )
        .values(customer_id=customer_id)
    )
    db.execute(delete(CustomerStoryRow).where(CustomerStoryRow.customer_id == placeholder_id))
    db.flush()
    refresh_stories(db, customer_id, stories)


def voice_link_router(backend: Backend) -> APIRouter:
    router = APIRouter()

    @router.post(API)
    async def link(
        conversation_id: str,
        body: LinkBody,
        authorization: str | None = Header(default=None),
        key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=128)] = None,
    ) -> JSONResponse:
        token = authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None
        principal = backend.authenticate(token)
        conv_id = conversation_id[:64]

        def run() -> tuple[int, dict[str, Any]]:
            return backend.idempotent(
                principal,
                key,
                f"call-link:{conv_id}:{body.customer_id}",
                lambda: link_caller(backend, principal, conv_id, body.customer_id).model_dump(mode="json"),
            )

        # On the writer thread, in order with the other writes: never stalls the push streams.
        status, answer = await backend.writer.run(run)
        return JSONResponse(answer, status_code=status)

    return router
