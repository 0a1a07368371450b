"""A phone call as the desk sees it: the caller's and the dialled number, its state and talk time."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from workstation.domain.models import Record

#: Numbers are SIP user parts: bounded, never shown as rich text.
_NUMBER_MAX = 64
#: The wrap-up code the backend closes a call with when its after-call work runs out (the server's
#: default; a site may configure another, which the desk then learns from the call records).
AFTER_CALL_CODE = "after_call_timeout"


class CallInfo(Record):
    """`GET /api/v1/voice/calls/{conversation_id}`: what the backend knows about a voice task."""

    conversation_id: str = Field(max_length=64)
    customer_id: str = Field(max_length=64)
    ani: str = Field(default="", max_length=_NUMBER_MAX)
    dnis: str = Field(default="", max_length=_NUMBER_MAX)
    known_caller: bool = False
    state: str = Field(max_length=16)
    ended: bool = False
    talk_s: float | None = None
    started_at: datetime
    answered_at: datetime | None = None
    #: When the call ended (after-call work runs from here) and how long that may last (0: no limit).
    ended_at: datetime | None = None
    after_call_work_s: float = Field(default=0.0, ge=0.0)
    after_call_code: str = Field(default=AFTER_CALL_CODE, max_length=64)


def call_duration_text(seconds: float) -> str:
    """A call timer as agents read it: 0:07, 12:34, 1:02:03."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
