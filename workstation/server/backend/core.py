"""The backend's vocabulary: its errors, principals, configuration, event hub and unit of work."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session as DbSession

from workstation.domain.cobrowse import CobrowsePolicy
from workstation.domain.models import (
    EventFrame,
    Role,
    utcnow,
)
from workstation.server.access import ACCESS_AFTER_WRAPUP_S
from workstation.server.db import (
    EventLogRow,
)
from workstation.server.limits import (
    CUSTOMER_BURST,
    CUSTOMER_MESSAGES_PER_MINUTE,
)
from workstation.server.voice_config import VoiceConfig

# The backend's one logger, named as before the split (log filters and tests may select it).
log = logging.getLogger("workstation.server.backend")

AUDIENCE_ALL = "*"
AUDIENCE_TEAMLEADS = "role:teamlead"
ROUTING_CONFIG_KEY = "routing_config"


class BackendError(Exception):
    """A refused request: maps to an HTTP status and a JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        *,
        current: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        #: With a version conflict (412): the record as it is now, for the client's three-way merge.
        self.current = current
        #: With a rate limit (429): seconds until the caller may try again (the Retry-After header).
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an agent/team lead/service user, or a customer bound to one conversation."""

    scope: str  # "agent" | "customer"
    agent_id: str | None = None
    role: Role | None = None
    conversation_id: str | None = None

    @property
    def key(self) -> str:
        return self.agent_id or f"customer:{self.conversation_id}"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of one ingested event: stored (as the twin of an event another system logged
    first, when `twin_of`), a duplicate (a re-sent record: of an existing id), or an error."""

    status: str
    id: str | None
    duplicate_of: str | None = None
    error: str | None = None
    twin_of: str | None = None


MAX_INGEST_BATCH = 1000


@dataclass(slots=True)
class BackendConfig:
    offer_timeout_s: float = 30.0
    #: An agent who lets an offer time out is set Away, like a desk phone going "not responding".
    away_after_missed_offer: bool = True
    #: How long an agent who rejected or missed a chat is skipped for that chat.
    reoffer_cooldown_s: float = 60.0
    token_ttl: timedelta = timedelta(hours=24)
    #: Oldest log entries beyond this count are pruned; clients behind that point get a reset.
    max_log_events: int = 200_000
    router_tick_s: float = 0.25
    #: The least time from one routing pass's start to the next: wake-ups within it wait for it to
    #: pass and share one pass (each reads every agent, whatever the number of new chats).
    router_min_gap_s: float = 0.1
    #: How often open streams are checked against the tokens table: a token revoked by an admin
    #: command (another process), expired, or of a disabled user closes its streams within this.
    revocation_sweep_s: float = 5.0
    #: Queue monitor: the rolling window of service level and abandons, and the push interval.
    stats_window_s: float = 900.0
    stats_interval_s: float = 1.0
    #: Cobrowse timeouts: unanswered invitations, pages that never start sharing, long pauses.
    cobrowse: CobrowsePolicy = field(default_factory=CobrowsePolicy)
    #: The customer rate limit: a burst of messages, then so many per minute (see limits.py).
    customer_burst: int = CUSTOMER_BURST
    customer_messages_per_minute: float = CUSTOMER_MESSAGES_PER_MINUTE
    #: How long an agent keeps access to a customer after wrapping up their chat (see access.py).
    access_after_wrapup_s: float = ACCESS_AFTER_WRAPUP_S
    #: The voice channel: the SIP proxy's shared secret, how long a call waits for an agent (voice.py).
    voice: VoiceConfig = field(default_factory=VoiceConfig)


DEFAULT_WRAPUP_CODES = (
    ("resolved", "Resolved"),
    ("info_given", "Information given"),
    ("follow_up", "Follow-up needed"),
    ("escalated", "Escalated"),
    ("no_response", "Customer did not respond"),
    ("wrong_queue", "Wrong queue / transferred"),
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass(slots=True, eq=False)
class _Subscriber:
    principal: Principal
    queue: asyncio.Queue[EventFrame | None]


class EventHub:
    """Fans committed log entries out to connected stream subscribers, filtered by audience."""

    def __init__(self, queue_size: int = 10_000) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._queue_size = queue_size

    def subscribe(self, principal: Principal) -> _Subscriber:
        sub = _Subscriber(principal, asyncio.Queue(self._queue_size))
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: _Subscriber) -> None:
        self._subscribers.discard(sub)

    def publish(self, frames: list[tuple[str, EventFrame]]) -> None:
        for sub in list(self._subscribers):
            for audience, frame in frames:
                if not audience_matches(sub.principal, audience):
                    continue
                try:
                    sub.queue.put_nowait(frame)
                except asyncio.QueueFull:
                    # A client this far behind resumes from the database when it reconnects.
                    self._subscribers.discard(sub)
                    with contextlib.suppress(asyncio.QueueFull):
                        sub.queue.get_nowait()
                        sub.queue.put_nowait(None)
                    break

    def close_all(self) -> None:
        for sub in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)
        self._subscribers.clear()


def audience_matches(principal: Principal, audience: str) -> bool:
    if audience == AUDIENCE_ALL:
        return principal.scope == "agent"
    if audience == AUDIENCE_TEAMLEADS:
        return principal.role == Role.TEAMLEAD
    return audience == principal.agent_id


@dataclass(slots=True)
class _UnitOfWork:
    db: DbSession
    pending: list[EventLogRow] = field(default_factory=list)
    #: Run after the commit (listeners that reach outside the database: pages, the simulator).
    after: list[Callable[[], None]] = field(default_factory=list)
    #: Idempotency keys (principal, key) a batch knows to be new: no lookup for each of them.
    new_keys: set[tuple[str, str]] = field(default_factory=set)

    def append(self, audience: str, type_: str, data: dict[str, Any]) -> None:
        # Inserted at the end of the transaction, by EventFanout.commit (which orders seq across processes).
        self.pending.append(EventLogRow(at=utcnow(), audience=audience, type=type_, data=data))
