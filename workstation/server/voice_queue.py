"""The callers' waiting queue: a call no agent was free for waits at the proxy instead of being refused.

When the routing endpoint finds no agent within `route_wait_s`, and `queue_max_wait_s` > 0, it answers
the proxy 202: the proxy sends the caller "182 Queued" and suspends the INVITE's transaction (tmx
`t_suspend`, so no SIP worker is held while the caller waits). The call's voice task stays in the
routing like any waiting task. A timer process of the proxy asks `POST /api/v1/voice/queue` every
250 ms while calls wait; each answer is one decision, `call_id|code|text`, or 204 when there is none:

* `200|<sip user>`: the call was offered to an agent (in desk-phone mode: accepted on the desk); the
  proxy resumes the transaction and rings that SIP user;
* `487|Request Terminated`: the caller hung up meanwhile (the CANCEL was reported as an event and
  closed the task as abandoned); the proxy ends the transaction;
* `<queue_timeout_code>|<queue_timeout_reason>` (480 by default): the caller waited
  `queue_max_wait_s`; the task is closed as abandoned and the caller hears that status.

Who waits is kept in memory and in the task's attributes (`sip_queued_at`), so a restarted backend
still answers for the calls the proxy holds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from workstation.domain.models import ConversationState, utcnow
from workstation.server.db import ConversationRow, RoutingTaskRow, read_session

if TYPE_CHECKING:
    from workstation.server.voice import VoiceDesk

QUEUED_AT = "sip_queued_at"
_OPEN = (ConversationState.QUEUED.value, ConversationState.OFFERED.value, ConversationState.ACTIVE.value)


@dataclass(frozen=True, slots=True)
class Decision:
    call_id: str
    code: int
    text: str

    def line(self) -> str:
        return f"{self.call_id}|{self.code}|{self.text}"


class CallQueue:
    """The calls waiting at the proxy (SIP Call-ID -> conversation id and when they started waiting)."""

    def __init__(self, desk: VoiceDesk) -> None:
        self.desk = desk
        self.config = desk.config
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[str, float]] = {}
        self._recover()

    @property
    def enabled(self) -> bool:
        return self.config.queue_max_wait_s > 0

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _recover(self) -> None:
        """Calls that waited when the backend stopped (the proxy may still hold them)."""
        now_wall, now = utcnow(), time.monotonic()
        with read_session(self.desk.backend.engine) as db:
            for conv, task in db.execute(
                select(ConversationRow, RoutingTaskRow)
                .join(RoutingTaskRow, RoutingTaskRow.conversation_id == ConversationRow.id)
                .where(ConversationRow.channel == "voice", ConversationRow.state.in_(_OPEN))
            ):
                since, call_id = task.attributes.get(QUEUED_AT), task.attributes.get("sip_call_id")
                if isinstance(since, str) and isinstance(call_id, str):
                    waited = max(0.0, (now_wall - datetime.fromisoformat(since)).total_seconds())
                    self._waiting[call_id] = (conv.id, now - waited)

    def enqueue(self, call_id: str, conv_id: str) -> None:
        """The call waits (on the writer thread: the attribute is written in order with the rest)."""
        with self.desk.backend.unit_of_work() as uow:
            task = uow.db.get(RoutingTaskRow, conv_id)
            if task is not None:
                task.attributes = {**task.attributes, QUEUED_AT: utcnow().isoformat()}
        with self._lock:
            self._waiting[call_id] = (conv_id, time.monotonic())

    def next_decision(self) -> Decision | None:
        """The first waiting call that can go on (on the writer thread: reads and closes in one step)."""
        with self._lock:
            waiting = list(self._waiting.items())
        for call_id, (conv_id, since) in waiting:
            decision = self._decide(call_id, conv_id, since)
            if decision is not None:
                self._leave(call_id, conv_id)
                return decision
        return None

    def _decide(self, call_id: str, conv_id: str, since: float) -> Decision | None:
        desk = self.desk
        with read_session(desk.backend.engine) as db:
            conv = db.get(ConversationRow, conv_id)
            state = conv.state if conv is not None else ConversationState.CLOSED.value
        if state not in _OPEN:  # the caller hung up (CANCEL reported), or the task was closed
            return Decision(call_id, 487, "Request Terminated")
        agent, accepted = desk._offered_to(conv_id)
        desk_phone = desk.config.desk_phones.get(agent or "")
        if agent is not None and desk_phone is None:
            return Decision(call_id, 200, agent)
        if desk_phone is not None and accepted:
            return Decision(call_id, 200, desk_phone)
        if time.monotonic() - since >= self.config.queue_max_wait_s:
            desk.end_unanswered(conv_id, "queue time exceeded")
            reason = self.config.queue_timeout_reason.replace("|", " ")[:100] or "No agent available"
            return Decision(call_id, self.config.queue_timeout_code, reason)
        return None

    def forget(self, call_id: str, conv_id: str) -> None:
        """The call no longer waits (its caller hung up: the proxy already ended the transaction)."""
        with self._lock:
            known = self._waiting.pop(call_id, None)
        if known is not None:
            self._leave(call_id, conv_id)

    def _leave(self, call_id: str, conv_id: str) -> None:
        with self._lock:
            self._waiting.pop(call_id, None)
        with self.desk.backend.unit_of_work() as uow:
            task = uow.db.get(RoutingTaskRow, conv_id)
            if task is not None and QUEUED_AT in task.attributes:
                task.attributes = {k: v for k, v in task.attributes.items() if k != QUEUED_AT}
