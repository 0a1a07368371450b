"""The desk's telephone: offers of calls, the softphone's state, and call control (QtCore only).

The agent answers a call as they accept a chat (the offer card, Ctrl+Shift+A): when the inbox opens
a conversation of channel `voice`, this service tells the softphone to pick up. Hold, resume, mute,
blind transfer and hang-up go to the softphone (baresip over ctrl_tcp); the backend learns from the
SIP proxy when the call ends and keeps the talk time for the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable
from workstation.client.softphone import PhoneEvent, SoftphoneClient, SoftphoneError
from workstation.domain import messages as M
from workstation.domain.models import Conversation, Customer, utcnow
from workstation.domain.voice import AFTER_CALL_CODE, CallInfo
from workstation.services.inbox import InboxService, PendingOffer
from workstation.services.tasks import TaskSet
from workstation.store.cache import new_key

log = logging.getLogger(__name__)

#: How long to wait before trying the softphone's control socket again (it may start after the desk).
RECONNECT_S = 3.0


#: The longest search for an unknown caller sent to the backend (it bounds it too).
SEARCH_MAX = 100
#: Desk-phone mode: how often the desk asks the backend whether the proxy saw the call end.
DESK_PHONE_POLL_S = 1.0


#: Terminal colours in baresip's `reginfo` text.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def registration_state(reginfo: str) -> bool | None:
    """Whether baresip's `reginfo` answer shows a registered account: True if an account's line says
    OK, False if accounts are listed but none is (ERR: refused, e.g. a wrong SIP password; or not yet
    answered), None if it lists no account."""
    lines = [line for line in _ANSI.sub("", reginfo[:4000]).splitlines() if "sip:" in line]
    if not lines:
        return None
    return any(re.search(r"\sOK(\s|$)", line) for line in lines)


class VoiceError(Exception):
    """A voice request the backend refused or could not answer (its argument, a Msg or the backend's
    words, says why: `error_text` shows it in the agent's language)."""


class CallState:
    RINGING = "ringing"
    TALKING = "talking"
    HELD = "held"
    ENDED = "ended"


class DeskState:
    """What the call makes of the agent's presence on their own desk (the backend's presence stays
    available/away/offline; team leads see the agent busy from the capacity the call takes)."""

    NONE = ""
    ON_CALL = "on_call"
    AFTER_CALL_WORK = "after_call_work"


@dataclass(slots=True)
class ActiveCall:
    """The call on this desk (voice capacity is one): its backend record and what the phone did."""

    conversation_id: str
    info: CallInfo | None
    state: str = CallState.RINGING
    muted: bool = False
    #: time.monotonic() when the agent answered / when it ended (for the call timer)
    answered_at: float | None = None
    ended_at: float | None = None

    @property
    def desk_state(self) -> str:
        return DeskState.AFTER_CALL_WORK if self.state == CallState.ENDED else DeskState.ON_CALL

    def after_call_work_left(self, now: float | None = None) -> float | None:
        """Seconds of after-call work left before the backend wraps up by itself; None: no limit
        known (not ended yet, no call record, or the site set no limit)."""
        limit = self.info.after_call_work_s if self.info is not None else 0.0
        if self.state != CallState.ENDED or self.ended_at is None or limit <= 0:
            return None
        return max(0.0, limit - ((now or time.monotonic()) - self.ended_at))

    def talk_seconds(self, now: float | None = None) -> float:
        if self.answered_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else (now or time.monotonic())
        return max(0.0, end - self.answered_at)


class VoiceService(QObject):
    """Signals: `phone_changed(ready: bool, text)` when the softphone connects, registers or goes
    away; `call_offered(offer_id, CallInfo)` with the caller's number before the agent answers;
    `call_changed(ActiveCall)` on every state change; `call_failed(text)` when a command fails;
    `desk_state_changed(DeskState value)` when the agent goes on a call, into after-call work, or
    back to their presence after the wrap-up."""

    phone_changed = Signal(bool, object)  # the text: a Msg the desk shows translated
    call_offered = Signal(str, object)
    call_changed = Signal(object)
    call_failed = Signal(object)  # a Msg, or the softphone's own words
    desk_state_changed = Signal(str)

    def __init__(
        self,
        api: BackendApi,
        inbox: InboxService,
        phone: SoftphoneClient | None,
        *,
        sip_domain: str = "",
        desk_phone: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        #: Desk-phone mode: the agent's own SIP phone rings once they accept (the backend tells the
        #: proxy), the desk pops and records; the call's end comes from the proxy via the backend.
        self.desk_phone = desk_phone and phone is None
        self._sip_domain = sip_domain
        self._closing = False
        self._api = api
        self._inbox = inbox
        self._tasks = TaskSet()
        self.phone = phone
        self.ready = False
        #: REGISTER_* events seen (a `reginfo` answer older than one of them is not used).
        self._registration_events = 0
        self.status_text: str = M.Msg(M.PHONE_NONE)
        self.call: ActiveCall | None = None
        self.calls_info: dict[str, CallInfo] = {}
        self.desk_state = DeskState.NONE
        #: The backend's code for after-call work that ran out (learnt from call records): offered
        #: in the wrap-up of calls only.
        self.after_call_code = AFTER_CALL_CODE
        #: Conversations offered to this desk (the answer goes to the softphone when one is accepted).
        self._offered: set[str] = set()
        self._offer_conversations: dict[str, str] = {}
        if phone is not None:
            phone.set_handlers(on_event=self._on_phone_event, on_closed=self._on_phone_closed)
        inbox.offer_received.connect(self._on_inbox_offer_received)
        inbox.offer_removed.connect(self._on_inbox_offer_removed)
        inbox.conversation_opened.connect(self._on_inbox_conversation_opened)
        inbox.conversation_closed.connect(self._on_inbox_conversation_closed)

    # --- the softphone -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to the softphone, and keep trying while it is not running."""
        if self.desk_phone:
            self._set_phone(True, M.Msg(M.PHONE_DESK))
        if self.phone is None:
            return
        while not self.phone.connected and not self._closing:
            try:
                await self.phone.connect()
            except SoftphoneError as exc:
                log.info("softphone not reachable: %s", exc)  # the detail; the agent reads the gist
                self._set_phone(False, M.Msg(M.PHONE_DOWN))
                await asyncio.sleep(RECONNECT_S)
                continue
            self._set_phone(True, M.Msg(M.PHONE_CONNECTED))
            await self._check_registration()

    async def _check_registration(self) -> None:
        """Asks the softphone whether it is registered: it may have registered (or been refused, e.g.
        for a wrong SIP password) before the desk connected, and those events are not sent again."""
        if self.phone is None:
            return
        events_before = self._registration_events
        try:
            state = registration_state(await self.phone.registration())
        except SoftphoneError as exc:
            log.info("softphone registration unknown: %s", exc)
            return
        if self._registration_events != events_before:
            return  # a REGISTER_* event came meanwhile: it is newer than this answer
        if state is True:
            self._set_phone(True, M.Msg(M.PHONE_REGISTERED))
        elif state is False:
            self._set_phone(False, M.Msg(M.PHONE_NOT_REGISTERED))

    async def close(self) -> None:
        self._closing = True
        await self._tasks.cancel_all()
        if self.phone is not None:
            await self.phone.close()

    def _set_phone(self, ready: bool, text: str) -> None:
        if (ready, text) != (self.ready, self.status_text):
            self.ready, self.status_text = ready, text
            self.phone_changed.emit(ready, text)

    def _on_phone_closed(self, reason: str) -> None:
        if self._closing:
            return
        log.info("softphone went away: %s", reason)
        self._set_phone(False, M.Msg(M.PHONE_GONE))
        if self.call is not None and self.call.state != CallState.ENDED:
            self._ended()
        self._tasks.start(self._reconnect(), "softphone-reconnect")

    async def _reconnect(self) -> None:
        await asyncio.sleep(RECONNECT_S)
        await self.start()

    def _on_phone_event(self, event: PhoneEvent) -> None:
        if event.type in ("REGISTER_OK", "REGISTER_FAIL", "UNREGISTERING"):
            self._registration_events += 1
        if event.type == "REGISTER_OK":
            self._set_phone(True, M.Msg(M.PHONE_REGISTERED))
        elif event.type in ("REGISTER_FAIL", "UNREGISTERING"):
            self._set_phone(False, M.Msg(M.PHONE_NOT_REGISTERED))
        elif event.type == "CALL_ESTABLISHED" and self.call is not None:
            self.call.state = CallState.TALKING
            self.call.answered_at = self.call.answered_at or time.monotonic()
            self._changed(self.call)
        elif event.type == "CALL_CLOSED" and self.call is not None:
            self._ended()

    def _changed(self, call: ActiveCall) -> None:
        self.call_changed.emit(call)
        self._set_desk_state(call.desk_state)

    def _set_desk_state(self, state: str) -> None:
        if state != self.desk_state:
            self.desk_state = state
            self.desk_state_changed.emit(state)

    def _learn(self, info: CallInfo) -> None:
        self.after_call_code = info.after_call_code

    def _ended(self) -> None:
        assert self.call is not None
        self.call.state = CallState.ENDED
        self.call.ended_at = time.monotonic()
        self._changed(self.call)

    # --- offers and answering ------------------------------------------------------------------

    def _on_inbox_offer_received(self, pending: PendingOffer) -> None:
        if pending.offer.channel == "voice":
            self._offered.add(pending.offer.conversation_id)
            self._offer_conversations[pending.offer.id] = pending.offer.conversation_id
            self._tasks.start(self._fetch_call(pending.offer.id, pending.offer.conversation_id), "call-info")

    def _on_inbox_offer_removed(self, offer_id: str, reason: str) -> None:
        conversation_id = self._offer_conversations.pop(offer_id, None)
        if conversation_id is not None and reason != "accepted":  # withdrawn, declined or timed out
            self._offered.discard(conversation_id)
            self.calls_info.pop(conversation_id, None)

    async def _fetch_call(self, offer_id: str, conversation_id: str) -> None:
        try:
            info = await self._api.voice_call(conversation_id)
        except (ApiError, BackendUnavailable) as exc:
            log.info("call %s: no call details: %s", conversation_id, exc)
            return
        self._learn(info)
        self.calls_info[conversation_id] = info
        self.call_offered.emit(offer_id, info)

    async def search_callers(self, conversation_id: str, query: str) -> list[Customer]:
        """Who an unknown caller may be (name, number or e-mail), for a call offered to this desk.
        Raises VoiceError with the reason when the backend cannot answer."""
        try:
            return await self._api.search_callers(conversation_id, query.strip()[:SEARCH_MAX])
        except ApiError as exc:
            raise VoiceError(exc.message) from exc
        except BackendUnavailable as exc:
            raise VoiceError(M.Msg(M.UNREACHABLE_TRY_AGAIN)) from exc

    async def link_caller(self, conversation_id: str, customer_id: str) -> Conversation:
        """Link a call of an unknown caller (offered to this desk or held by it) to the customer the
        agent found; an open conversation is re-opened with that customer's records. Raises
        VoiceError with the reason when the backend refuses or cannot be reached."""
        try:
            conv = await self._api.link_caller(conversation_id, customer_id, key=new_key())
        except ApiError as exc:
            raise VoiceError(exc.message) from exc
        except BackendUnavailable as exc:
            raise VoiceError(M.Msg(M.UNREACHABLE_TRY_AGAIN)) from exc
        known = self.calls_info.get(conversation_id)
        if known is not None:
            self.calls_info[conversation_id] = known.model_copy(
                update={"customer_id": conv.customer.id, "known_caller": True}
            )
        if self.call is not None and self.call.conversation_id == conversation_id and self.call.info:
            self.call.info = self.call.info.model_copy(
                update={"customer_id": conv.customer.id, "known_caller": True}
            )
        await self._inbox.customer_linked(conv)
        return conv

    def _on_inbox_conversation_opened(self, conv: Conversation) -> None:
        if conv.channel != "voice":
            return
        self.call = ActiveCall(conv.id, self.calls_info.get(conv.id))
        self._changed(self.call)
        if conv.id in self._offered and self.desk_phone:  # accepted: the backend rings the desk phone
            self._offered.discard(conv.id)
            self.call.state = CallState.TALKING
            self.call.answered_at = time.monotonic()
            self._changed(self.call)
            self._tasks.start(self._watch_desk_call(conv.id), "desk-phone-call")
        elif conv.id in self._offered:  # offered to this desk and just accepted: pick up
            self._offered.discard(conv.id)
            self._tasks.start(self._command("accept"), "answer")
        else:  # a call this agent already had (the desk restarted): recover its state
            self._tasks.start(self._recover(conv.id), "recover-call")

    async def _recover(self, conversation_id: str) -> None:
        try:
            info = await self._api.voice_call(conversation_id)
        except (ApiError, BackendUnavailable) as exc:
            log.info("call %s: cannot recover its state: %s", conversation_id, exc)
            return
        call = self.call
        if call is None or call.conversation_id != conversation_id:
            return
        self._learn(info)
        call.info = info
        now = time.monotonic()
        if info.answered_at is not None:
            call.answered_at = now - max(0.0, (utcnow() - info.answered_at).total_seconds())
        if info.ended:
            call.state = CallState.ENDED
            if info.ended_at is not None:  # the after-call work countdown goes on where it was
                call.ended_at = now - max(0.0, (utcnow() - info.ended_at).total_seconds())
            elif call.answered_at is not None:
                call.ended_at = call.answered_at + (info.talk_s or 0.0)
            else:
                call.ended_at = now
        else:
            call.state = CallState.TALKING
            if self.desk_phone:
                self._tasks.start(self._watch_desk_call(conversation_id), "desk-phone-call")
        self._changed(call)

    async def _watch_desk_call(self, conversation_id: str) -> None:
        """Desk-phone mode: the desk drives no phone, so it learns the call's end (and its talk time,
        as the proxy's events recorded it) from the backend."""
        while (call := self.call) is not None and call.conversation_id == conversation_id:
            await asyncio.sleep(DESK_PHONE_POLL_S)
            try:
                info = await self._api.voice_call(conversation_id)
            except (ApiError, BackendUnavailable) as exc:
                log.info("call %s: no call details: %s", conversation_id, exc)
                continue
            call = self.call
            if call is None or call.conversation_id != conversation_id:
                return
            call.info = info
            if info.ended:
                call.state = CallState.ENDED
                now = time.monotonic()
                ended = (utcnow() - info.ended_at).total_seconds() if info.ended_at else 0.0
                call.ended_at = now - max(0.0, ended)
                if info.talk_s is not None:  # the proxy's talk time, not the desk's guess
                    call.answered_at = call.ended_at - info.talk_s
                self._changed(call)
                return

    def _on_inbox_conversation_closed(self, conversation_id: str) -> None:
        self.calls_info.pop(conversation_id, None)
        self._offered.discard(conversation_id)
        if self.call is not None and self.call.conversation_id == conversation_id:
            if self.call.state != CallState.ENDED and not self.desk_phone:
                self._tasks.start(self._command("hangup"), "hangup")
            self.call = None
            self._set_desk_state(DeskState.NONE)

    # --- call control (the call panel's buttons) -----------------------------------------------

    def hold(self) -> None:
        self._tasks.start(self._command("hold"), "hold")

    def resume(self) -> None:
        self._tasks.start(self._command("resume"), "resume")

    def toggle_mute(self) -> None:
        self._tasks.start(self._command("mute"), "mute")

    def hangup(self) -> None:
        self._tasks.start(self._command("hangup"), "hangup")

    def transfer(self, target: str) -> None:
        """Blind transfer to a SIP user (an agent's username or a queue's number) at the same proxy."""
        uri = target
        if not target.startswith("sip:") and self._sip_domain:
            uri = f"sip:{target}@{self._sip_domain}"
        self._tasks.start(self._command("transfer", uri), "transfer")

    async def _command(self, command: str, params: str = "") -> None:
        if self.desk_phone:
            self.call_failed.emit(M.Msg(M.PHONE_USE_DESK))
            return
        if self.phone is None or not self.phone.connected:
            self.call_failed.emit(M.Msg(M.PHONE_NOT_RUNNING))
            return
        try:
            await self.phone.command(command, params)
        except SoftphoneError as exc:
            # the client's Msg (translated by the call panel), or the softphone's own words
            first = exc.args[0] if exc.args else None
            self.call_failed.emit(first if isinstance(first, M.Msg) else str(exc))
            return
        call = self.call
        if call is None:
            return
        if command == "hold":
            call.state = CallState.HELD
        elif command == "resume":
            call.state = CallState.TALKING
        elif command == "mute":
            call.muted = not call.muted
        elif command in ("hangup", "transfer") and call.state != CallState.ENDED:
            if command == "transfer":
                # Blind: baresip would keep our leg until the target answers; the agent is done now.
                with contextlib.suppress(SoftphoneError):
                    await self.phone.command("hangup")
            self._ended()
            return
        with contextlib.suppress(RuntimeError):  # the service may be gone when the answer arrives
            self._changed(call)
