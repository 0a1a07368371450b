"""Cobrowse sessions: the states a customer's consent moves through, who may move them, and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urljoin, urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from workstation.domain import messages as M
from workstation.domain.messages import Msg

# This module imports nothing of ours: models.py imports it (for the push payloads), not the reverse.


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_UtcDateTime = Annotated[datetime, AfterValidator(_aware)]


class CobrowseState(StrEnum):
    #: The agent asked; the customer sees a consent prompt.
    INVITED = "invited"
    #: The customer consented; their page has not started sharing yet.
    ACCEPTED = "accepted"
    #: The customer's page is being shared with the agent.
    ACTIVE = "active"
    #: The customer paused sharing; nothing leaves their browser until they resume.
    PAUSED = "paused"
    ENDED = "ended"
    DECLINED = "declined"
    EXPIRED = "expired"


TERMINAL_STATES = frozenset({CobrowseState.ENDED, CobrowseState.DECLINED, CobrowseState.EXPIRED})
#: States in which a session is still going (at most one of these per conversation).
OPEN_STATES = frozenset(set(CobrowseState) - TERMINAL_STATES)


class Actor(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    #: The backend itself: the customer's page started sharing, a timeout, the chat was closed.
    SYSTEM = "system"


class CobrowseAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"
    EXPIRE = "expire"


S, A = CobrowseState, CobrowseAction

#: The whole machine: (state, action) -> next state. Anything not listed is refused.
TRANSITIONS: dict[tuple[CobrowseState, CobrowseAction], CobrowseState] = {
    (S.INVITED, A.ACCEPT): S.ACCEPTED,
    (S.INVITED, A.DECLINE): S.DECLINED,
    (S.INVITED, A.EXPIRE): S.EXPIRED,
    (S.INVITED, A.END): S.ENDED,  # the agent withdraws the invitation
    (S.ACCEPTED, A.START): S.ACTIVE,
    (S.ACCEPTED, A.EXPIRE): S.EXPIRED,  # consent given, but the page never started sharing
    (S.ACCEPTED, A.END): S.ENDED,
    (S.ACTIVE, A.PAUSE): S.PAUSED,
    (S.ACTIVE, A.END): S.ENDED,
    (S.PAUSED, A.RESUME): S.ACTIVE,
    (S.PAUSED, A.END): S.ENDED,
}

#: Who may take each action. Consent (accept, decline, pause, resume) belongs to the customer alone.
ACTORS: dict[CobrowseAction, frozenset[Actor]] = {
    A.ACCEPT: frozenset({Actor.CUSTOMER}),
    A.DECLINE: frozenset({Actor.CUSTOMER}),
    A.START: frozenset({Actor.SYSTEM}),
    A.PAUSE: frozenset({Actor.CUSTOMER}),
    A.RESUME: frozenset({Actor.CUSTOMER}),
    A.END: frozenset({Actor.AGENT, Actor.CUSTOMER, Actor.SYSTEM}),
    A.EXPIRE: frozenset({Actor.SYSTEM}),
}


class CobrowseError(Exception):
    """A transition the machine refuses: `code` is stable (for APIs), the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CobrowseSession(BaseModel):
    """One cobrowse session, a child of a chat conversation; `version` grows with every transition."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=128)
    conversation_id: str = Field(min_length=1, max_length=128)
    state: CobrowseState
    invited_by: str = Field(min_length=1, max_length=128)
    invited_at: _UtcDateTime
    updated_at: _UtcDateTime
    version: int = Field(default=1, ge=1)
    #: The state before the last transition (None for a new invitation).
    previous: CobrowseState | None = None
    #: Who made the last transition, and why when the backend made it (a timeout, the chat closed).
    last_actor: Actor = Actor.AGENT
    reason: str | None = Field(default=None, max_length=200)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def sharing(self) -> bool:
        """Events flow and agent commands run only now: consented, started and not paused."""
        return self.state == CobrowseState.ACTIVE


def can(state: CobrowseState, action: CobrowseAction, actor: Actor) -> bool:
    return (state, action) in TRANSITIONS and actor in ACTORS[action]


def invite(session_id: str, conversation_id: str, agent_id: str, now: datetime) -> CobrowseSession:
    return CobrowseSession(
        id=session_id,
        conversation_id=conversation_id,
        state=CobrowseState.INVITED,
        invited_by=agent_id,
        invited_at=now,
        updated_at=now,
        last_actor=Actor.AGENT,
    )


def transition(
    session: CobrowseSession,
    action: CobrowseAction,
    actor: Actor,
    now: datetime,
    *,
    reason: str | None = None,
) -> CobrowseSession:
    """The session after `actor` takes `action`; raises CobrowseError when that is not allowed."""
    if actor not in ACTORS[action]:
        raise CobrowseError("not_allowed", f"The {actor.value} cannot {action.value} a cobrowse session.")
    following = TRANSITIONS.get((session.state, action))
    if following is None:
        if session.terminal:
            raise CobrowseError("session_over", f"The cobrowse session is already {session.state.value}.")
        raise CobrowseError(
            "bad_transition", f"A {session.state.value} cobrowse session cannot {action.value}."
        )
    return session.model_copy(
        update={
            "state": following,
            "updated_at": max(_aware(now), session.updated_at),
            "version": session.version + 1,
            "previous": session.state,
            "last_actor": actor,
            "reason": reason,
        }
    )


def transcript_text(session: CobrowseSession, agent_name: str) -> str:
    """The system message the conversation's transcript gets for the transition that made `session`
    (a Msg: the backend stores its English text, the desk shows it translated, see system_line)."""
    agent = agent_name or M.THE_AGENT
    state, actor, reason = session.state, session.last_actor, session.reason
    if state == CobrowseState.INVITED:
        return Msg(M.COBROWSE_INVITED, agent=agent)
    if state == CobrowseState.ACCEPTED:
        return M.COBROWSE_ACCEPTED
    if state == CobrowseState.ACTIVE:
        if session.previous == CobrowseState.PAUSED:
            return M.COBROWSE_RESUMED
        return Msg(M.COBROWSE_STARTED, agent=agent)
    if state == CobrowseState.PAUSED:
        return M.COBROWSE_PAUSED
    if state == CobrowseState.DECLINED:
        return M.COBROWSE_DECLINED_LINE
    if state == CobrowseState.EXPIRED:
        return Msg(M.COBROWSE_EXPIRED_WHY, reason=reason) if reason else Msg(M.COBROWSE_EXPIRED)
    if actor == Actor.AGENT:
        if reason:
            return Msg(M.COBROWSE_ENDED_BY_AGENT_WHY, agent=agent, reason=reason)
        return Msg(M.COBROWSE_ENDED_BY_AGENT, agent=agent)
    if actor == Actor.CUSTOMER:
        if reason:
            return Msg(M.COBROWSE_ENDED_BY_CUSTOMER_WHY, reason=reason)
        return Msg(M.COBROWSE_ENDED_BY_CUSTOMER)
    return Msg(M.COBROWSE_ENDED_WHY, reason=reason) if reason else Msg(M.COBROWSE_ENDED)


@dataclass(frozen=True, slots=True)
class CobrowsePolicy:
    """How long each waiting state may last before the backend ends it."""

    #: An unanswered invitation lapses.
    invite_ttl_s: float = 120.0
    #: After consent the customer's page must start sharing within this time.
    start_ttl_s: float = 60.0
    #: A paused session the customer never resumes ends.
    paused_ttl_s: float = 15 * 60.0
    #: An open session whose customer page went away (tab closed, network gone) ends.
    absent_ttl_s: float = 120.0


def due(
    session: CobrowseSession,
    now: datetime,
    policy: CobrowsePolicy,
    *,
    customer_absent_since: datetime | None = None,
) -> tuple[CobrowseAction, str] | None:
    """The timeout the backend must apply to `session` now, with its reason; None when none is due."""
    if session.terminal:
        return None
    waited = (_aware(now) - session.updated_at).total_seconds()
    if session.state == CobrowseState.INVITED and waited >= policy.invite_ttl_s:
        seconds = float(policy.invite_ttl_s)  # "120 s", not "120.0 s"
        return CobrowseAction.EXPIRE, Msg(
            M.COBROWSE_NO_ANSWER, seconds=int(seconds) if seconds.is_integer() else seconds
        )
    if session.state == CobrowseState.ACCEPTED and waited >= policy.start_ttl_s:
        return CobrowseAction.EXPIRE, M.COBROWSE_NOT_SHARED
    if session.state == CobrowseState.PAUSED and waited >= policy.paused_ttl_s:
        return CobrowseAction.END, Msg(M.COBROWSE_PAUSED_TOO_LONG, minutes=round(policy.paused_ttl_s / 60))
    if (
        session.state in (CobrowseState.ACTIVE, CobrowseState.PAUSED)
        and customer_absent_since is not None
        and (_aware(now) - _aware(customer_absent_since)).total_seconds() >= policy.absent_ttl_s
    ):
        return CobrowseAction.END, M.COBROWSE_SITE_LEFT
    return None


def same_site_url(current: str, target: str) -> str:
    """`target` resolved against the customer's `current` page; ValueError unless on the same site.

    Same site means same scheme, host and port: an agent can lead a customer around the shop, never
    off it (and never to `javascript:` or `data:` URLs).
    """
    target = target.strip()
    if not target:
        raise ValueError("Enter a page of the customer's web site.")
    if not current:
        raise ValueError("The customer's current page is not known yet.")
    base = urlsplit(current)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ValueError("The customer's current page is not a web page.")
    resolved = urljoin(current, target)
    parts = urlsplit(resolved)
    if parts.scheme != base.scheme or parts.netloc.lower() != base.netloc.lower():
        raise ValueError(f"Only pages of {base.scheme}://{base.netloc} can be sent to the customer.")
    if any(ord(c) < 32 for c in resolved):
        raise ValueError("The address contains control characters.")
    return resolved


class CobrowseStatus(BaseModel):
    """Whether the agent can invite the customer of a conversation to cobrowse now, and why (not)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    conversation_id: str = Field(min_length=1, max_length=128)
    available: bool
    reason: str
    #: The customer has a page of the web site open, with the chat widget connected.
    online: bool = False
    #: The conversation's latest cobrowse session, if any.
    session: CobrowseSession | None = None


def availability(
    *,
    conversation_active: bool,
    channel: str,
    online: bool,
    consent: bool | None,
    sessions: Iterable[CobrowseSession],
) -> tuple[bool, str]:
    """Can the agent invite now? `consent` is the customer's standing cobrowse consent (None: never asked)."""
    if not conversation_active:
        return False, Msg(M.COBROWSE_NOT_ACTIVE)
    if channel != "chat":
        return False, Msg(M.COBROWSE_NEEDS_CHAT)
    if consent is False:
        return False, Msg(M.COBROWSE_REFUSED)
    for session in sessions:
        if session.state == CobrowseState.DECLINED:
            return False, Msg(M.COBROWSE_DECLINED)
        if not session.terminal:
            return False, Msg(M.COBROWSE_RUNNING, state=session.state.value)
    if not online:
        return False, Msg(M.COBROWSE_OFFLINE)
    return True, Msg(M.COBROWSE_OK)
