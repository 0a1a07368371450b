"""Chatwoot's Application API (agent side), as chatwoot_application_swagger.json (shared/specs)
defines it: open conversations, their messages, the contact behind one, and the agent's reply.

Only the client and its failure handling are here so far (issue 16, partly): every answer is parsed
strictly into the few fields the desk needs, anything else (HTML, wrong types, missing fields) is a
`ChatwootError` naming the operation and the problem; 429 waits out `Retry-After`, 5xx and network
errors back off, and a reply whose POST failed ambiguously is looked up before it is sent again, so
a retry never posts it twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from workstation.server.channels.upstream import Fields, RetryPolicy, UpstreamError, UpstreamHttp

#: Chatwoot's errors are UpstreamErrors with system "Chatwoot".
ChatwootError = UpstreamError

#: Chatwoot's message_type values (spec: `message.message_type` enum 0..3).
INCOMING, OUTGOING = 0, 1
#: Most messages one `after=` page holds (the spec: "Returns up to 100 messages in ascending order").
PAGE_AFTER = 100


@dataclass(frozen=True, slots=True)
class ChatwootContact:
    id: int
    name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class ChatwootConversation:
    id: int
    inbox_id: int | None
    status: str
    contact_id: int | None
    #: Chatwoot's time of the conversation's latest activity (unix seconds), when it says.
    last_activity_at: int | None = None


@dataclass(frozen=True, slots=True)
class ChatwootMessage:
    id: int
    conversation_id: int
    content: str
    message_type: int
    created_at: int
    private: bool
    #: Our key for a reply we posted (content_attributes.echo_id), None for anything else.
    echo_id: str | None


@dataclass(frozen=True, slots=True)
class ChatwootThread:
    conversation_id: int
    contact: ChatwootContact | None
    #: Oldest first.
    messages: list[ChatwootMessage]


class ChatwootClient:
    """One Chatwoot account over its Application API (`api_access_token` header)."""

    def __init__(
        self,
        base_url: str,
        account_id: int,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._api = UpstreamHttp(
            "Chatwoot",
            f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}",
            {"api_access_token": token},
            http=http,
            retry=retry,
            sleep=sleep,
        )

    async def close(self) -> None:
        await self._api.close()

    async def conversations(self, *, status: str = "open", page: int = 1) -> list[ChatwootConversation]:
        body = await self._api.call(
            "list conversations", "GET", "/conversations", params={"status": status, "page": page}
        )
        f = Fields("Chatwoot", "list conversations")
        payload = f.get(f.get(body, "data", dict), "payload", list)
        return [_conversation(item) for item in payload]

    async def messages(self, conversation_id: int) -> list[ChatwootMessage]:
        op = "list messages"
        body = await self._api.call(op, "GET", f"/conversations/{conversation_id}/messages")
        return [_message(item, conversation_id) for item in Fields("Chatwoot", op).get(body, "payload", list)]

    async def thread(self, conversation_id: int, *, after: int | None = None) -> ChatwootThread:
        """The conversation's messages after message `after` (up to PAGE_AFTER, oldest first; the
        newest few when `after` is None) and the contact behind it (the answer's meta.contact)."""
        op = "list messages"
        params = {"after": after} if after is not None else None
        body = await self._api.call(op, "GET", f"/conversations/{conversation_id}/messages", params=params)
        f = Fields("Chatwoot", op)
        messages = [_message(item, conversation_id, op) for item in f.get(body, "payload", list)]
        meta = body.get("meta")
        raw = meta.get("contact") if isinstance(meta, dict) else None
        # The spec's `contact` schema wraps the record: {"payload": [contact]}; a bare record is taken too.
        if isinstance(raw, dict) and isinstance(raw.get("payload"), list) and raw["payload"]:
            raw = raw["payload"][0]
        contact = _contact(raw, op) if isinstance(raw, dict) and raw.get("id") is not None else None
        return ChatwootThread(conversation_id, contact, sorted(messages, key=lambda m: m.id))

    async def find_echo(self, conversation_id: int, echo_id: str, *, after: int) -> ChatwootMessage | None:
        """The message we posted with `echo_id`, looked for among those after message `after`."""
        while True:
            page = await self.thread(conversation_id, after=after)
            for message in page.messages:
                if message.echo_id == echo_id:
                    return message
            if len(page.messages) < PAGE_AFTER or page.messages[-1].id <= after:
                return None
            after = page.messages[-1].id

    async def contact(self, contact_id: int) -> ChatwootContact:
        op = "show contact"
        body = await self._api.call(op, "GET", f"/contacts/{contact_id}")
        return _contact(Fields("Chatwoot", op).get(body, "payload", dict), op)

    async def reply(self, conversation_id: int, text: str, *, echo_id: str) -> ChatwootMessage:
        """Post the agent's reply once: `echo_id` (the desk's message id) marks it, and after a
        failure that may have reached Chatwoot (5xx, timeout) the conversation is searched for it
        before the POST is repeated."""
        op = "create message"
        payload = {
            "content": text,
            "message_type": "outgoing",
            "private": False,
            "content_type": "text",
            "content_attributes": {"echo_id": echo_id},
        }

        async def already_posted() -> ChatwootMessage | None:
            for message in await self.messages(conversation_id):
                if message.echo_id == echo_id:
                    return message
            return None

        body = await self._api.call(
            op,
            "POST",
            f"/conversations/{conversation_id}/messages",
            json_body=payload,
            before_retry=already_posted,
        )
        if isinstance(body, ChatwootMessage):
            return body
        return _message(body, conversation_id)


def _contact(item: Any, op: str) -> ChatwootContact:
    f = Fields("Chatwoot", op)
    return ChatwootContact(
        id=f.get(item, "id", int),
        name=f.opt(item, "name", str) or "",
        email=f.opt(item, "email", str),
        phone=f.opt(item, "phone_number", str),
    )


def _conversation(item: Any) -> ChatwootConversation:
    f = Fields("Chatwoot", "list conversations")
    meta = item.get("meta") if isinstance(item, dict) else None
    sender = meta.get("sender") if isinstance(meta, dict) else None
    return ChatwootConversation(
        id=f.get(item, "id", int),
        inbox_id=f.opt(item, "inbox_id", int),
        status=f.get(item, "status", str),
        contact_id=f.opt(sender, "id", int) if isinstance(sender, dict) else None,
        last_activity_at=f.opt(item, "last_activity_at", int),
    )


def _message(item: Any, conversation_id: int, op: str = "message") -> ChatwootMessage:
    f = Fields("Chatwoot", op)
    attributes = item.get("content_attributes") if isinstance(item, dict) else None
    echo = attributes.get("echo_id") if isinstance(attributes, dict) else None
    return ChatwootMessage(
        id=f.get(item, "id", int),
        conversation_id=f.opt(item, "conversation_id", int) or conversation_id,
        content=f.opt(item, "content", str) or "",
        message_type=f.get(item, "message_type", int),
        created_at=f.get(item, "created_at", int),
        private=bool(f.opt(item, "private", bool)),
        echo_id=echo if isinstance(echo, str) else None,
    )
