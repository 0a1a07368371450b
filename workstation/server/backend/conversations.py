"""Conversations: starting chats, messages both ways, closing and wrap-up."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.models import (
    Conversation,
    ConversationState,
    Message,
    Role,
    WebPage,
    WrapUpCode,
    utcnow,
)
from workstation.domain.task_attributes import task_attributes
from workstation.server.backend.base import BackendBase
from workstation.server.backend.core import AUDIENCE_TEAMLEADS, BackendError, Principal, _new_id, log
from workstation.server.backend.mappers import (
    _aware,
    _check_length,
    _check_opening,
    _contact_event,
    _customer,
    _message,
    _summary,
    _timeline_event,
)
from workstation.server.db import (
    AgentRow,
    ConversationRow,
    CustomerEventRow,
    CustomerRow,
    MessageRow,
    RoutingTaskRow,
    WrapUpCodeRow,
    read_session,
)


class Conversations(BackendBase):
    """Chats from start to wrap-up: routing tasks, messages, listeners, access."""

    # --- conversations ---------------------------------------------------------------------------

    def start_chat(
        self,
        *,
        customer_id: str,
        text: str,
        topic: str | None = None,
        language: str | None = None,
        page: WebPage | None = None,
        channel: str = "chat",
        attributes: dict[str, Any] | None = None,
    ) -> tuple[Conversation, str]:
        """A customer opens a chat: a queued conversation, its first message, a customer token.

        The conversation becomes a routing task whose attributes are the customer's value and
        journey context; `attributes` (from the caller, e.g. the shop) add to or override them.
        """
        if not text.strip():
            raise BackendError(400, "empty_message", "The first message must not be empty.")
        _check_opening(text, page, attributes)
        with self._uow() as uow:
            customer = uow.db.get(CustomerRow, customer_id)
            if customer is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            self._customer_may_send(customer_id)
            now = utcnow()
            conv = ConversationRow(
                id=_new_id("cv"),
                customer_id=customer_id,
                channel=channel,
                topic=topic,
                language=language or customer.language,
                page=page.model_dump(mode="json") if page else None,
                state=ConversationState.QUEUED.value,
                started_at=now,
            )
            uow.db.add(conv)
            uow.db.flush()
            uow.db.add(
                MessageRow(
                    id=_new_id("m"),
                    conversation_id=conv.id,
                    sender="customer",
                    author=customer.name,
                    text=text.strip(),
                    at=now,
                )
            )
            token = self._mint_token(uow.db, scope="customer", conversation_id=conv.id)
            uow.db.add(self._routing_task(uow.db, conv, customer, attributes))
            uow.db.flush()
            result = self._conversation(uow.db, conv)
        self.wake_router()
        return result, token

    @staticmethod
    def _routing_task(
        db: DbSession, conv: ConversationRow, customer: CustomerRow, extra: dict[str, Any] | None
    ) -> RoutingTaskRow:
        events = db.scalars(
            select(CustomerEventRow).where(
                CustomerEventRow.customer_id == conv.customer_id,
                CustomerEventRow.kind.in_(("page_view", "cart_abandoned", "complaint")),
            )
        )
        attributes = task_attributes(
            _customer(customer),
            channel=conv.channel,
            language=conv.language,
            topic=conv.topic,
            page=WebPage.model_validate(conv.page) if conv.page else None,
            events=[_timeline_event(e) for e in events],
            now=utcnow(),
            extra=extra,
        )
        return RoutingTaskRow(
            conversation_id=conv.id,
            channel=conv.channel,
            attributes=attributes,
            created_at=_aware(conv.started_at),
        )

    def _customer_may_send(self, customer_id: str) -> None:
        """The customer rate limit, for every way a customer's message comes in (the chat API, the
        shop's widget, the simulator: all of them reach start_chat or _post_message)."""
        wait = self._customer_rate.take(customer_id)
        if wait is not None:
            per_minute = self.config.customer_messages_per_minute
            raise BackendError(
                429,
                "rate_limited",
                f"Too many messages: at most {self.config.customer_burst} at once, then "
                f"{per_minute:g} a minute. Try again in {math.ceil(wait)} s.",
                retry_after=wait,
            )

    def post_customer_message(self, principal: Principal, conversation_id: str, text: str) -> Message:
        if principal.scope == "customer" and principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")
        if principal.scope == "agent" and principal.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only the customer (or a service user) can post here.")
        return self._post_message(
            conversation_id, sender="customer", agent_id=None, text=text, client_key=None
        )

    def post_agent_message(
        self, principal: Principal, conversation_id: str, text: str, client_key: str | None
    ) -> Message:
        self._require_own_conversation(principal, conversation_id)
        message = self._post_message(
            conversation_id, sender="agent", agent_id=principal.agent_id, text=text, client_key=client_key
        )
        self._after_commit(
            lambda: self._tell_listeners(self.agent_message_listeners, conversation_id, message)
        )
        return message

    @staticmethod
    def _tell_listeners(listeners: list[Callable[..., None]], *args: Any) -> None:
        for listener in list(listeners):
            try:
                listener(*args)
            except Exception:  # a listener (the simulator, cobrowse) must never break the write
                log.exception("listener %r failed", listener)

    def _post_message(
        self, conversation_id: str, *, sender: str, agent_id: str | None, text: str, client_key: str | None
    ) -> Message:
        text = text.strip()
        if not text:
            raise BackendError(400, "empty_message", M.Msg(M.EMPTY_MESSAGE))
        _check_length(text, sender)
        with self._uow() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            if sender == "customer" and conv.state != ConversationState.CLOSED.value:
                self._customer_may_send(conv.customer_id)
            if conv.state == ConversationState.CLOSED.value:
                raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))
            if sender == "agent" and conv.state != ConversationState.ACTIVE.value:
                raise BackendError(409, "conversation_not_active", M.Msg(M.CONVERSATION_NOT_ACTIVE))
            author = ""
            if agent_id:
                agent = uow.db.get(AgentRow, agent_id)
                author = agent.name if agent else ""
            else:
                customer = uow.db.get(CustomerRow, conv.customer_id)
                author = customer.name if customer else ""
            row = MessageRow(
                id=_new_id("m"),
                conversation_id=conversation_id,
                sender=sender,
                author=author,
                text=text,
                at=utcnow(),
                client_key=client_key,
            )
            uow.db.add(row)
            message = _message(row)
            if conv.agent_id and conv.state == ConversationState.ACTIVE.value:
                uow.append(conv.agent_id, "message.created", message.model_dump(mode="json"))
        return message

    def customer_messages(self, principal: Principal, conversation_id: str) -> list[Message]:
        if principal.scope == "customer" and principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")
        if principal.scope == "agent" and principal.role != Role.SERVICE:
            self._require_own_conversation(principal, conversation_id, allow_closed=True, read=True)
        with read_session(self.engine) as db:
            conv = db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            return list(self._conversation(db, conv).messages)

    def get_conversation(self, principal: Principal, conversation_id: str) -> Conversation:
        self._require_own_conversation(principal, conversation_id, allow_closed=True, read=True)
        with read_session(self.engine) as db:
            conv = db.get(ConversationRow, conversation_id)
            assert conv is not None
            return self._conversation(db, conv)

    def list_conversations(self, principal: Principal, *, state: str | None) -> list[Conversation]:
        with read_session(self.engine) as db:
            query = select(ConversationRow).where(ConversationRow.agent_id == principal.agent_id)
            if state:
                query = query.where(ConversationRow.state == state)
            rows = db.scalars(query.order_by(ConversationRow.started_at))
            return [self._conversation(db, r) for r in rows]

    def close_conversation(
        self, principal: Principal, conversation_id: str, wrapup_code: str
    ) -> Conversation:
        self._require_own_conversation(principal, conversation_id, allow_closed=True)
        with self._uow() as uow:
            if uow.db.get(WrapUpCodeRow, wrapup_code) is None:
                raise BackendError(422, "unknown_wrapup_code", M.Msg(M.UNKNOWN_WRAPUP_CODE, code=wrapup_code))
            conv = uow.db.get(ConversationRow, conversation_id)
            assert conv is not None
            if conv.state == ConversationState.CLOSED.value:
                raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))
            conv.state = ConversationState.CLOSED.value
            conv.closed_at = utcnow()
            conv.wrapup_code = wrapup_code
            uow.db.flush()
            result = self._conversation(uow.db, conv, with_messages=False)
            uow.append(principal.agent_id or "", "conversation.closed", result.model_dump(mode="json"))
            uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", result.model_dump(mode="json"))
        # The chat becomes part of the customer's history, with a link to its transcript.
        contact_event = self.contact_event_builders.get(result.channel, _contact_event)
        self.add_customer_events([contact_event(result, wrapup_code)])
        self.wake_router()
        self._after_commit(lambda: self._tell_listeners(self.conversation_closed_listeners, conversation_id))
        return result

    def customer_conversation(
        self, principal: Principal, customer_id: str, conversation_id: str
    ) -> Conversation:
        """A past conversation of a customer the agent is serving, with its transcript (read-only);
        or one the agent handled themselves (their own history), whoever they serve now."""
        with read_session(self.engine) as db:
            row = db.get(ConversationRow, conversation_id)
            own = row is not None and principal.scope == "agent" and row.agent_id == principal.agent_id
        if not own:
            self.require_access(principal, customer_id=customer_id)
        with read_session(self.engine) as db:
            row = db.get(ConversationRow, conversation_id)
            if row is None or row.customer_id != customer_id:
                raise BackendError(404, "not_found", f"No conversation {conversation_id} of this customer.")
            return self._conversation(db, row)

    def wrapup_codes(self) -> list[WrapUpCode]:
        with read_session(self.engine) as db:
            rows = db.scalars(select(WrapUpCodeRow).order_by(WrapUpCodeRow.position))
            return [WrapUpCode(code=r.code, label=r.label) for r in rows]

    def _require_own_conversation(
        self, principal: Principal, conversation_id: str, *, allow_closed: bool = False, read: bool = False
    ) -> None:
        """require_access for one conversation; a write to it also needs it open (unless
        `allow_closed`); `read` lets the agent read their own however old (own_history)."""
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Agents only.")
        self.require_access(principal, conversation_id=conversation_id, own_history=read)
        if not allow_closed:
            with self._reading() as db:
                conv = db.get(ConversationRow, conversation_id)
                if conv is not None and conv.state == ConversationState.CLOSED.value:
                    raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))

    def _conversation(
        self, db: DbSession, row: ConversationRow, *, with_messages: bool = True
    ) -> Conversation:
        customer = db.get(CustomerRow, row.customer_id)
        messages: tuple[Message, ...] = ()
        if with_messages:
            messages = tuple(
                _message(m)
                for m in db.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id == row.id)
                    .order_by(MessageRow.at, MessageRow.id)
                )
            )
        return Conversation(
            id=row.id,
            customer=_summary(row.customer_id, customer),
            channel=row.channel,
            topic=row.topic,
            language=row.language,
            page=WebPage.model_validate(row.page) if row.page else None,
            state=ConversationState(row.state),
            agent_id=row.agent_id,
            started_at=row.started_at,
            accepted_at=row.accepted_at,
            closed_at=row.closed_at,
            wrapup_code=row.wrapup_code,
            messages=messages,
        )
