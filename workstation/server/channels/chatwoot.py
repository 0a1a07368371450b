"""Chatwoot's Application API (agent side), as /work/shared/specs/chatwoot_application_swagger.json
defines it: open conversations, their messages, the contact behind one, and the agent's reply.

Only the client and its failure handling are here so far (issue 16, partly): every answer is parsed
strictly into the few fields the desk needs, anything else (HTML, wrong types, missing fields) is a
`ChatwootError` naming the operation and the problem; 429 waits out `Retry-After`, 5xx and network
errors back off, and a reply whose POST failed ambiguously is looked up before it is sent again, so
a retry never posts it twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

#: Longest stretch of an upstream answer quoted in an error (plain text, for the log and status).
EXCERPT_CHARS = 200
#: Longest wait a Retry-After may ask for; a longer one is capped (the poller comes back anyway).
MAX_RETRY_AFTER_S = 60.0
#: Chatwoot's message_type values (spec: `message.message_type` enum 0..3).
INCOMING, OUTGOING = 0, 1


class ChatwootError(Exception):
    """Chatwoot could not be used for `operation`; `retryable`: trying later may work."""

    def __init__(self, operation: str, problem: str, *, retryable: bool = False, status: int | None = None):
        super().__init__(f"Chatwoot {operation}: {problem}")
        self.operation = operation
        self.problem = problem
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    first_backoff_s: float = 0.5
    max_backoff_s: float = 8.0


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
        self._base = f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}"
        self._http = http or httpx.AsyncClient(timeout=15.0, trust_env=False)
        self._headers = {"api_access_token": token, "Accept": "application/json"}
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    async def close(self) -> None:
        await self._http.aclose()

    async def conversations(self, *, status: str = "open", page: int = 1) -> list[ChatwootConversation]:
        body = await self._call(
            "list conversations", "GET", "/conversations", params={"status": status, "page": page}
        )
        payload = _get(_get(body, "data", dict, "list conversations"), "payload", list, "list conversations")
        return [_conversation(item) for item in payload]

    async def messages(self, conversation_id: int) -> list[ChatwootMessage]:
        op = "list messages"
        body = await self._call(op, "GET", f"/conversations/{conversation_id}/messages")
        return [_message(item, conversation_id) for item in _get(body, "payload", list, op)]

    async def contact(self, contact_id: int) -> ChatwootContact:
        op = "show contact"
        body = await self._call(op, "GET", f"/contacts/{contact_id}")
        item = _get(body, "payload", dict, op)
        return ChatwootContact(
            id=_get(item, "id", int, op),
            name=_get(item, "name", str, op),
            email=_opt(item, "email", str, op),
            phone=_opt(item, "phone_number", str, op),
        )

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

        body = await self._call(
            op,
            "POST",
            f"/conversations/{conversation_id}/messages",
            json_body=payload,
            before_retry=already_posted,
        )
        if isinstance(body, ChatwootMessage):
            return body
        return _message(body, conversation_id)

    async def _call(
        self,
        op: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        before_retry: Callable[[], Awaitable[Any]] | None = None,
    ) -> Any:
        delay = self._retry.first_backoff_s
        last: ChatwootError | None = None
        for attempt in range(self._retry.attempts):
            if attempt and before_retry is not None and last is not None and last.status != 429:
                found = await before_retry()
                if found is not None:
                    return found
            try:
                response = await self._http.request(
                    method, self._base + path, params=params, json=json_body, headers=self._headers
                )
            except httpx.TransportError as exc:
                last = ChatwootError(op, f"network error: {type(exc).__name__}", retryable=True)
            else:
                if response.status_code < 300:
                    return _json(response, op)
                last = _refusal(response, op)
                if not last.retryable:
                    raise last
                if response.status_code == 429:
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if wait is not None:
                        await self._sleep(wait)
                        continue
            await self._sleep(delay)
            delay = min(delay * 2, self._retry.max_backoff_s)
        assert last is not None
        raise last


def _refusal(response: httpx.Response, op: str) -> ChatwootError:
    status = response.status_code
    retryable = status == 429 or status >= 500
    return ChatwootError(op, f"HTTP {status}: {_excerpt(response.text)}", retryable=retryable, status=status)


def _json(response: httpx.Response, op: str) -> Any:
    kind = response.headers.get("content-type", "")
    if "json" not in kind:
        raise ChatwootError(op, f"answered {kind or 'no content type'}, not JSON: {_excerpt(response.text)}")
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChatwootError(op, f"answer is not valid JSON ({exc})") from exc


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: back off as usual instead
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:EXCERPT_CHARS] + ("…" if len(flat) > EXCERPT_CHARS else "")


def _get(obj: Any, key: str, kind: type, op: str) -> Any:
    if not isinstance(obj, dict):
        raise ChatwootError(op, f"expected an object holding {key!r}, got {type(obj).__name__}")
    if key not in obj:
        raise ChatwootError(op, f"answer lacks {key!r}")
    return _typed(obj[key], key, kind, op)


def _opt(obj: dict[str, Any], key: str, kind: type, op: str) -> Any:
    value = obj.get(key)
    return None if value is None or value == "" else _typed(value, key, kind, op)


def _typed(value: Any, key: str, kind: type, op: str) -> Any:
    # The spec types ids as `number`: 3.0 is an id, 3.5 or True is not.
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        shown = _excerpt(json.dumps(value))[:60]
        raise ChatwootError(op, f"{key!r} should be {kind.__name__}, got {type(value).__name__} {shown}")
    return value


def _conversation(item: Any) -> ChatwootConversation:
    op = "list conversations"
    meta = item.get("meta") if isinstance(item, dict) else None
    sender = meta.get("sender") if isinstance(meta, dict) else None
    return ChatwootConversation(
        id=_get(item, "id", int, op),
        inbox_id=_opt(item, "inbox_id", int, op),
        status=_get(item, "status", str, op),
        contact_id=_opt(sender, "id", int, op) if isinstance(sender, dict) else None,
    )


def _message(item: Any, conversation_id: int) -> ChatwootMessage:
    op = "message"
    attributes = item.get("content_attributes") if isinstance(item, dict) else None
    echo = attributes.get("echo_id") if isinstance(attributes, dict) else None
    return ChatwootMessage(
        id=_get(item, "id", int, op),
        conversation_id=_opt(item, "conversation_id", int, op) or conversation_id,
        content=_opt(item, "content", str, op) or "",
        message_type=_get(item, "message_type", int, op),
        created_at=_get(item, "created_at", int, op),
        private=bool(_opt(item, "private", bool, op)),
        echo_id=echo if isinstance(echo, str) else None,
    )
