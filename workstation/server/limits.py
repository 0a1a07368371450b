"""Bounds on what customers and outside systems can put into the backend, and the customer rate limit.

Every limit is a named constant here so the API, the docs and the tests quote the same number. A
value over a limit is refused with an error that names the limit; nothing is truncated silently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: A customer's chat message. A chat line, not a document: 4,000 characters is about two pages of
#: text, far beyond what anyone types into a chat box (the shop's widget and the desktop's outbox
#: stay well under it), and small enough that many of them fit one push frame.
MAX_CUSTOMER_MESSAGE_CHARS = 4_000
#: An agent's reply (pasted instructions, an order summary): longer than a customer line, still bounded.
MAX_AGENT_MESSAGE_CHARS = 10_000
#: A conversation pushed on the stream (conversation.assigned) carries only its latest messages: at
#: most this many, and at most PUSHED_TRANSCRIPT_BYTES of them as JSON (a message of control
#: characters takes six bytes of JSON each, so a count alone would not bound the frame). The frame
#: stays a quarter of the 1 MiB default; `messages_omitted` says how many older ones the desktop
#: fetches over REST (GET /conversations/{id}) if it needs them.
PUSHED_MESSAGES = 50
PUSHED_TRANSCRIPT_BYTES = 256 * 1024
#: The customer rate limit (a token bucket per customer): a burst of this many messages ...
CUSTOMER_BURST = 20
#: ... then this many per minute (one every two seconds: faster than anyone types, slower than a script).
CUSTOMER_MESSAGES_PER_MINUTE = 30.0
#: Buckets kept in memory before full (idle) ones are forgotten.
MAX_BUCKETS = 10_000

#: A page the customer is on when the chat starts (it travels with every offer).
MAX_PAGE_URL_CHARS = 2_000
MAX_PAGE_TITLE_CHARS = 300
#: Routing attributes a caller adds to a chat (they travel with every offer's reasons).
MAX_ATTRIBUTES_BYTES = 8_192

#: Ingested events (POST /events): each string field, then the event's `data` as a whole.
MAX_EVENT_ID_CHARS = 128
MAX_EVENT_CHANNEL_CHARS = 32
MAX_EVENT_KIND_CHARS = 64
MAX_EVENT_SUMMARY_CHARS = 2_000
#: An ISO 8601 timestamp with offset and nanoseconds is about 35 characters.
MAX_EVENT_AT_CHARS = 64
#: `data` serialised as JSON: room for an order with its lines or an imported chat transcript,
#: yet a timeline event pushed to an agent stays a small frame.
MAX_EVENT_DATA_BYTES = 64 * 1024
#: How deep `data` may nest: real records are a few levels deep; a 1,000-deep one is an attack on
#: every JSON parser downstream (Python's recursion limit among them).
MAX_EVENT_DATA_DEPTH = 16

_EVENT_STRINGS = {
    "id": MAX_EVENT_ID_CHARS,
    "customer_id": MAX_EVENT_ID_CHARS,
    "channel": MAX_EVENT_CHANNEL_CHARS,
    "kind": MAX_EVENT_KIND_CHARS,
    "summary": MAX_EVENT_SUMMARY_CHARS,
}


class LimitExceeded(ValueError):
    """A value over one of the limits; the message names the field and the limit."""


def json_depth(value: Any, *, stop: int) -> int:
    """How deep `value` nests (a scalar is 0), counting no further than `stop` (iterative: a
    hostile 100,000-deep value must not exhaust the recursion limit here either)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth >= stop:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth) for child in children)
    return deepest


def check_data(name: str, value: Any, *, max_bytes: int, max_depth: int = MAX_EVENT_DATA_DEPTH) -> None:
    """Refuse a JSON value nested deeper than `max_depth` or larger than `max_bytes` serialised."""
    if json_depth(value, stop=max_depth + 1) > max_depth:
        raise LimitExceeded(f"{name}: nested more than {max_depth} levels deep")
    size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
    if size > max_bytes:
        raise LimitExceeded(f"{name}: {size} bytes as JSON, at most {max_bytes}")


def check_event(item: Any) -> None:
    """Bounds of one ingested event, checked before it is parsed (so a 10 MB summary or a
    1,000-deep `data` costs no model validation). Raises LimitExceeded naming field and limit."""
    if not isinstance(item, dict):
        return  # not an object: the model's validation says so
    for name, limit in _EVENT_STRINGS.items():
        value = item.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise LimitExceeded(f"{name}: {len(value)} characters, at most {limit}")
    at = item.get("at")
    if isinstance(at, str) and len(at) > MAX_EVENT_AT_CHARS:
        raise LimitExceeded(f"at: {len(at)} characters, at most {MAX_EVENT_AT_CHARS}")
    if "data" in item:
        check_data("data", item["data"], max_bytes=MAX_EVENT_DATA_BYTES)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key: `burst` at once, refilled at `per_minute`. The clock is injectable."""

    def __init__(self, burst: int, per_minute: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float | None:
        """Spend one token of `key`'s bucket: None if there was one, else the seconds until there is."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        if self.per_second <= 0:
            return 60.0
        return (1.0 - bucket.tokens) / self.per_second

    def _forget_idle(self, now: float) -> None:
        # A full bucket holds no state worth keeping: a new one starts full too.
        full = [
            k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.per_second >= self.burst
        ]
        for key in full:
            del self._buckets[key]
