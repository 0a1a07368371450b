"""The call's after-call work countdown and what the call makes of the agent's presence (no Qt loop)."""

from __future__ import annotations

from datetime import timedelta

from workstation.domain.models import utcnow
from workstation.domain.voice import CallInfo
from workstation.services.voice import ActiveCall, CallState, DeskState


def _info(limit_s: float) -> CallInfo:
    return CallInfo(
        conversation_id="cv-1",
        customer_id="c-1",
        state="active",
        started_at=utcnow() - timedelta(minutes=1),
        after_call_work_s=limit_s,
    )


def test_the_countdown_runs_from_the_end_of_the_call_and_stops_at_zero() -> None:
    call = ActiveCall("cv-1", _info(120.0), state=CallState.TALKING, answered_at=100.0)
    assert call.desk_state == DeskState.ON_CALL
    assert call.after_call_work_left(now=150.0) is None  # still talking: no after-call work yet
    call.state, call.ended_at = CallState.ENDED, 160.0
    assert call.desk_state == DeskState.AFTER_CALL_WORK
    assert call.after_call_work_left(now=190.0) == 90.0
    assert call.after_call_work_left(now=400.0) == 0.0


def test_no_countdown_without_a_limit_or_a_call_record() -> None:
    no_limit = ActiveCall("cv-1", _info(0.0), state=CallState.ENDED, answered_at=1.0, ended_at=2.0)
    assert no_limit.after_call_work_left(now=3.0) is None
    unknown = ActiveCall("cv-1", None, state=CallState.ENDED, answered_at=1.0, ended_at=2.0)
    assert unknown.after_call_work_left(now=3.0) is None
