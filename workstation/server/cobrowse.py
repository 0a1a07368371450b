"""Cobrowse on the reference backend: sessions as children of chats, and the WebSocket relay.

Sessions (their state only, never page contents) are rows beside the conversation; every transition
is a system message in the conversation's transcript and a `cobrowse.status` push to the agent.
The relay passes rrweb events from the customer's page to the one agent who holds the chat, and the
agent's commands back, only while the session is active. It keeps, in memory only, the events since
the page's last full snapshot (bounded), and asks the page for a fresh snapshot when the agent
(re)joins or falls behind. Nothing of a page is written to the database or the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import secrets
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Header, WebSocket, WebSocketDisconnect
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.cobrowse import (
    OPEN_STATES,
    Actor,
    CobrowseAction,
    CobrowseError,
    CobrowsePolicy,
    CobrowseSession,
    CobrowseState,
    CobrowseStatus,
    availability,
    due,
    invite,
    same_site_url,
    transcript_text,
    transition,
)
from workstation.domain.models import ConversationState, Message, utcnow
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.db import (
    AgentRow,
    CobrowseRow,
    ConversationRow,
    CustomerRow,
    MessageRow,
    read_session,
)

log = logging.getLogger(__name__)

API = "/api/v1"

#: rrweb EventType.FullSnapshot and EventType.Meta.
FULL_SNAPSHOT, META = 2, 4
#: One frame from a customer's page: a full snapshot of a heavy page fits, a flood does not.
MAX_FRAME_BYTES = 4 * 1024 * 1024
MAX_EVENTS_PER_FRAME = 1000
#: One frame to the agent's view: a page's frame fits; a replayed buffer is split into several.
RELAY_FRAME_BYTES = MAX_FRAME_BYTES + 64 * 1024
#: What an agent link may have queued before the relay drops it and asks for a fresh snapshot.
AGENT_QUEUE_FRAMES = 500
CUSTOMER_QUEUE_FRAMES = 200
CUSTOMER_ACTIONS = {
    "accept": CobrowseAction.ACCEPT,
    "decline": CobrowseAction.DECLINE,
    "pause": CobrowseAction.PAUSE,
    "resume": CobrowseAction.RESUME,
    "end": CobrowseAction.END,
}


@dataclass(slots=True, eq=False)
class _Link:
    """One WebSocket with its outgoing queue (a writer task drains it, so senders never block)."""

    ws: WebSocket
    conversation_id: str
    queue: asyncio.Queue[str | None]

    def offer(self, text: str) -> bool:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True


@dataclass(slots=True, eq=False)
class _Relay:
    """The live side of one open session: the agent's link, the recording page, the buffer."""

    session: CobrowseSession
    agent: _Link | None = None
    recorder: _Link | None = None
    #: Serialized events since the last full snapshot (the Meta before it included).
    buffer: deque[str] = field(default_factory=deque)
    buffered_bytes: int = 0
    has_snapshot: bool = False
    #: The customer's current page (scheme, host, path: no query, no fragment), from rrweb Meta.
    url: str = ""
    last_meta: str = ""


@dataclass(slots=True)
class RelayStats:
    events_in: int = 0
    events_out: int = 0
    malformed_frames: int = 0
    dropped_events: int = 0
    snapshots_requested: int = 0
    agent_resyncs: int = 0


class CobrowseHub:
    """Cobrowse sessions and the relay, on the backend's event loop."""

    def __init__(
        self,
        backend: Backend,
        policy: CobrowsePolicy | None = None,
        *,
        buffer_events: int = 5000,
        buffer_bytes: int = 16 * 1024 * 1024,
        offline_grace_s: float = 5.0,
        tick_s: float = 1.0,
    ) -> None:
        self.backend = backend
        self.policy = policy or backend.config.cobrowse
        self.buffer_events = buffer_events
        self.buffer_bytes = buffer_bytes
        self.offline_grace_s = offline_grace_s
        self.tick_s = tick_s
        self.stats = RelayStats()
        self._pages: dict[str, set[_Link]] = {}
        self._relays: dict[str, _Relay] = {}
        self._absent_since: dict[str, datetime] = {}
        self._published_online: dict[str, bool] = {}
        backend.conversation_closed_listeners.append(self._on_conversation_closed)
        backend.agent_message_listeners.append(self._on_agent_message)

    # --- reading -------------------------------------------------------------------------------

    def online(self, conversation_id: str) -> bool:
        # Also read from the writer thread (invite's status): one dict lookup, a snapshot of the
        # loop's state like any status; only the loop changes _pages.
        return bool(self._pages.get(conversation_id))

    def status(self, principal: Principal, conversation_id: str) -> CobrowseStatus:
        with read_session(self.backend.engine) as db:
            conv = self._own_conversation(db, principal, conversation_id)
            return self._status(db, conv)

    def _status(self, db: DbSession, conv: ConversationRow) -> CobrowseStatus:
        sessions = _sessions(db, conv.id)
        customer = db.get(CustomerRow, conv.customer_id)
        consents = (customer.data or {}).get("consents", {}) if customer else {}
        consent = consents.get("cobrowse") if isinstance(consents, dict) else None
        available, reason = availability(
            conversation_active=conv.state == ConversationState.ACTIVE.value,
            channel=conv.channel,
            online=self.online(conv.id),
            consent=consent if isinstance(consent, bool) else None,
            sessions=sessions,
        )
        return CobrowseStatus(
            conversation_id=conv.id,
            available=available,
            reason=reason,
            online=self.online(conv.id),
            session=sessions[-1] if sessions else None,
        )

    def _own_conversation(self, db: DbSession, principal: Principal, conversation_id: str) -> ConversationRow:
        # Only the agent holding the chat: not another agent, not a team lead (it is the customer's screen).
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Agents only.")
        self.backend.require_access(principal, conversation_id=conversation_id, roles=())
        conv = db.get(ConversationRow, conversation_id)
        assert conv is not None
        return conv

    def _customer_conversation(self, principal: Principal, conversation_id: str) -> None:
        if principal.scope != "customer" or principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")

    # --- transitions -----------------------------------------------------------------------------

    def invite(self, principal: Principal, conversation_id: str) -> CobrowseSession:
        with self.backend.unit_of_work() as uow:
            conv = self._own_conversation(uow.db, principal, conversation_id)
            status = self._status(uow.db, conv)
            if not status.available:
                raise BackendError(409, "cobrowse_unavailable", status.reason)
            session = invite(f"cb-{secrets.token_hex(8)}", conv.id, principal.agent_id or "", utcnow())
            uow.db.add(
                CobrowseRow(
                    id=session.id,
                    conversation_id=conv.id,
                    state=session.state.value,
                    data=session.model_dump(mode="json"),
                )
            )
            uow.db.flush()
            self._record(uow, conv, session)
        # The relays and the sockets' queues are the loop's: from the writer thread this runs
        # there, before the answer is sent (LoopHandoff); on the loop, at once.
        self.backend.loop.call(self._opened, session)
        return session

    def _opened(self, session: CobrowseSession) -> None:
        self._relays[session.id] = _Relay(session)
        self._after(session)

    def end_by_agent(self, principal: Principal, conversation_id: str, session_id: str) -> CobrowseSession:
        with read_session(self.backend.engine) as db:
            self._own_conversation(db, principal, conversation_id)
        return self.apply(conversation_id, session_id, CobrowseAction.END, Actor.AGENT)

    def customer_action(
        self, principal: Principal, conversation_id: str, session_id: str, action: str
    ) -> CobrowseSession:
        self._customer_conversation(principal, conversation_id)
        if action not in CUSTOMER_ACTIONS:
            raise BackendError(404, "not_found", f"No cobrowse action {action!r}.")
        return self.apply(conversation_id, session_id, CUSTOMER_ACTIONS[action], Actor.CUSTOMER)

    def apply(
        self,
        conversation_id: str,
        session_id: str,
        action: CobrowseAction,
        actor: Actor,
        reason: str | None = None,
    ) -> CobrowseSession:
        with self.backend.unit_of_work() as uow:
            row = uow.db.get(CobrowseRow, session_id)
            if row is None or row.conversation_id != conversation_id:
                raise BackendError(404, "not_found", f"No cobrowse session {session_id}.")
            try:
                session = transition(
                    CobrowseSession.model_validate(row.data), action, actor, utcnow(), reason=reason
                )
            except CobrowseError as exc:
                raise BackendError(409, exc.code, exc.message) from exc
            row.state, row.data = session.state.value, session.model_dump(mode="json")
            conv = uow.db.get(ConversationRow, conversation_id)
            assert conv is not None
            self._record(uow, conv, session)
        self.backend.loop.call(self._after, session)  # the relay follows on the loop (see invite)
        return session

    def _record(self, uow: Any, conv: ConversationRow, session: CobrowseSession) -> None:
        """The transition's system message in the transcript, and the new status for the agent."""
        agent = uow.db.get(AgentRow, session.invited_by)
        now = utcnow()
        row = MessageRow(
            id=f"m-{secrets.token_hex(6)}",
            conversation_id=conv.id,
            sender="system",
            author="",
            text=transcript_text(session, agent.name if agent else ""),
            at=now,
        )
        uow.db.add(row)
        message = Message(
            id=row.id, conversation_id=conv.id, sender="system", author="", text=row.text, at=now
        )
        uow.db.flush()
        if conv.agent_id:
            if conv.state == ConversationState.ACTIVE.value:
                uow.append(conv.agent_id, "message.created", message.model_dump(mode="json"))
            uow.append(conv.agent_id, "cobrowse.status", self._status(uow.db, conv).model_dump(mode="json"))
        self._to_pages(conv.id, {"kind": "message", "message": message.model_dump(mode="json")})

    def _after(self, session: CobrowseSession) -> None:
        """The relay follows the committed state: tell both ends; stop at once when paused or over."""
        relay = self._relays.get(session.id)
        with read_session(self.backend.engine) as db:
            agent = db.get(AgentRow, session.invited_by)
        self._to_pages(
            session.conversation_id,
            {
                "kind": "session",
                "session": session.model_dump(mode="json"),
                "agent": agent.name if agent else "",
            },
        )
        if relay is None:
            return
        relay.session = session
        frame = json.dumps({"kind": "session", "session": session.model_dump(mode="json")})
        if relay.agent is not None:
            relay.agent.offer(frame)
        if session.state != CobrowseState.ACTIVE:
            # Paused or over: nothing of the page is kept while the customer is not sharing.
            relay.buffer.clear()
            relay.buffered_bytes, relay.has_snapshot = 0, False
        if session.terminal:
            self._relays.pop(session.id, None)
            if relay.agent is not None:
                relay.agent.offer("")  # the writer closes the socket after the session frame
        elif session.state == CobrowseState.ACTIVE and session.previous == CobrowseState.PAUSED:
            self._want_snapshot(relay)

    def _on_conversation_closed(self, conversation_id: str) -> None:
        for relay in list(self._relays.values()):
            if relay.session.conversation_id == conversation_id:
                with contextlib.suppress(BackendError):
                    self.apply(
                        conversation_id,
                        relay.session.id,
                        CobrowseAction.END,
                        Actor.SYSTEM,
                        "the chat was closed",
                    )
        self._to_pages(conversation_id, {"kind": "closed"})
        self._forget_pages_of(conversation_id)

    def _forget_pages_of(self, conversation_id: str) -> None:
        # Kept per chat while it is open; a closed chat's entries would pile up for as long as the
        # backend runs (one per web chat). Its pages still connected stay in _pages until they leave.
        self._absent_since.pop(conversation_id, None)
        self._published_online.pop(conversation_id, None)

    def _on_agent_message(self, conversation_id: str, message: Message) -> None:
        self._to_pages(conversation_id, {"kind": "message", "message": message.model_dump(mode="json")})

    async def run_timeouts(self) -> None:
        """Apply the policy's timeouts to open sessions, every tick."""
        while True:
            try:
                self.expire_due()
            except Exception:
                log.exception("cobrowse timeout pass failed")
            await asyncio.sleep(self.tick_s)

    def expire_due(self) -> int:
        now = utcnow()
        with read_session(self.backend.engine) as db:
            rows = list(
                db.scalars(select(CobrowseRow).where(CobrowseRow.state.in_([s.value for s in OPEN_STATES])))
            )
        applied = 0
        for row in rows:
            session = CobrowseSession.model_validate(row.data)
            self._relays.setdefault(session.id, _Relay(session))  # after a restart
            if not self.online(session.conversation_id):
                self._absent_since.setdefault(session.conversation_id, now)
            result = due(
                session,
                now,
                self.policy,
                customer_absent_since=self._absent_since.get(session.conversation_id),
            )
            if result is not None:
                action, reason = result
                with contextlib.suppress(BackendError):  # changed meanwhile: next tick decides
                    self.apply(session.conversation_id, session.id, action, Actor.SYSTEM, reason)
                    applied += 1
        return applied

    # --- the customer's page -------------------------------------------------------------------

    async def serve_customer(self, ws: WebSocket, conversation_id: str) -> None:
        """One page of the web site with the chat open: chat pushes, consent state, the recorder."""
        await ws.accept()
        try:
            first = await asyncio.wait_for(ws.receive_text(), 10)
            token = json.loads(first).get("token") if first.startswith("{") else None
            principal = self.backend.authenticate(token if isinstance(token, str) else None)
            self._customer_conversation(principal, conversation_id)
        except (BackendError, TimeoutError, ValueError, AttributeError) as exc:
            code = 4403 if isinstance(exc, BackendError) and exc.status == 403 else 4401
            with contextlib.suppress(Exception):
                await ws.close(code=code, reason=M.RELAY_NOT_ALLOWED)
            return
        except WebSocketDisconnect:
            return
        assert isinstance(token, str)
        await self.backend.streams.serve(ws, token, self._serve_page(ws, conversation_id))

    async def _serve_page(self, ws: WebSocket, conversation_id: str) -> None:
        link = _Link(ws, conversation_id, asyncio.Queue(CUSTOMER_QUEUE_FRAMES))
        self._pages.setdefault(conversation_id, set()).add(link)
        self._absent_since.pop(conversation_id, None)
        self._publish_online(conversation_id)
        with read_session(self.backend.engine) as db:
            sessions = _sessions(db, conversation_id)
            conv = db.get(ConversationRow, conversation_id)
            agent = db.get(AgentRow, conv.agent_id) if conv and conv.agent_id else None
        latest = sessions[-1] if sessions else None
        hello = {
            "kind": "hello",
            "session": latest.model_dump(mode="json") if latest else None,
            "agent": agent.name if agent else "",
        }
        link.offer(json.dumps(hello))
        writer = asyncio.create_task(_write(link))
        try:
            while True:
                text = await ws.receive_text()
                self._on_customer_frame(link, text)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            writer.cancel()
            self._page_left(link)

    def _page_left(self, link: _Link) -> None:
        """A customer's page went away: once the chat has no page left, the customer counts as
        offline after `offline_grace_s` (a reload should not flicker the agent's status)."""
        conversation_id = link.conversation_id
        pages = self._pages.get(conversation_id, set())
        pages.discard(link)
        for relay in self._relays.values():
            if relay.recorder is link:
                relay.recorder = None
        if not pages:
            self._pages.pop(conversation_id, None)
            self._absent_since[conversation_id] = utcnow()
            asyncio.get_running_loop().call_later(self.offline_grace_s, self._publish_online, conversation_id)

    def _on_customer_frame(self, link: _Link, text: str) -> None:
        if len(text) > MAX_FRAME_BYTES:
            self.stats.malformed_frames += 1
            link.offer(json.dumps({"kind": "error", "message": M.RELAY_FRAME_TOO_LARGE}))
            link.offer(json.dumps({"kind": "snapshot"}))
            return
        try:
            frame = json.loads(text)
            kind = frame.get("kind")
        except (ValueError, AttributeError):
            self.stats.malformed_frames += 1
            # Never the contents: they may be anything the page had.
            log.info(
                "cobrowse: malformed frame (%d bytes) from a page of %s", len(text), link.conversation_id
            )
            return
        if kind == "events":
            self._on_events(link, frame)
        elif kind != "ping":
            self.stats.malformed_frames += 1

    def _on_events(self, link: _Link, frame: dict[str, Any]) -> None:
        relay = self._relays.get(str(frame.get("session_id")))
        events = frame.get("events")
        if relay is None or relay.session.conversation_id != link.conversation_id:
            self.stats.malformed_frames += 1
            link.offer(json.dumps({"kind": "stop"}))  # no such open session for this page: stop recording
            return
        if not isinstance(events, list) or not 0 < len(events) <= MAX_EVENTS_PER_FRAME:
            self.stats.malformed_frames += 1
            return
        valid = [e for e in events if _valid_event(e)]
        if len(valid) != len(events):
            self.stats.malformed_frames += 1
            skipped = len(events) - len(valid)
            log.info("cobrowse: %d malformed event(s) skipped for %s", skipped, relay.session.id)
        if not valid:
            return
        snapshot_at = max((i for i, e in enumerate(valid) if e["type"] == FULL_SNAPSHOT), default=None)
        session = relay.session
        if session.state == CobrowseState.ACCEPTED and snapshot_at is not None:
            with contextlib.suppress(BackendError):
                session = self.apply(session.conversation_id, session.id, CobrowseAction.START, Actor.SYSTEM)
        if session.state != CobrowseState.ACTIVE:
            self.stats.dropped_events += len(valid)
            return
        relay.recorder = link  # the newest page that sends is the one being shared
        serialized = [json.dumps(e, separators=(",", ":")) for e in valid]
        for event, text in zip(valid, serialized, strict=True):
            if event["type"] == META:
                relay.last_meta = text
                if isinstance(event["data"].get("href"), str):
                    relay.url = _page_url(event["data"]["href"])
        if snapshot_at is not None:
            # A new baseline: the buffer restarts at the snapshot, with the page's Meta before it.
            relay.buffer.clear()
            relay.buffered_bytes, relay.has_snapshot = 0, True
            if snapshot_at == 0 or valid[snapshot_at - 1]["type"] != META:
                if relay.last_meta:
                    relay.buffer.append(relay.last_meta)
                to_buffer = serialized[snapshot_at:]
            else:
                to_buffer = serialized[snapshot_at - 1 :]
        else:
            to_buffer = serialized if relay.has_snapshot else []
        for text in to_buffer:
            relay.buffer.append(text)
            relay.buffered_bytes += len(text)
        if len(relay.buffer) > self.buffer_events or relay.buffered_bytes > self.buffer_bytes:
            # Bounded: drop the baseline and ask the page for a new one.
            relay.buffer.clear()
            relay.buffered_bytes, relay.has_snapshot = 0, False
            self._want_snapshot(relay)
        self.stats.events_in += len(serialized)
        if relay.agent is not None:
            self._to_agent(relay, serialized)

    def _want_snapshot(self, relay: _Relay) -> None:
        if relay.recorder is not None and relay.session.sharing:
            self.stats.snapshots_requested += 1
            relay.recorder.offer(json.dumps({"kind": "snapshot"}))

    def _to_pages(self, conversation_id: str, frame: dict[str, Any]) -> None:
        text = json.dumps(frame)
        for link in list(self._pages.get(conversation_id, ())):
            link.offer(text)

    def _publish_online(self, conversation_id: str) -> None:
        online = self.online(conversation_id)
        if self._published_online.get(conversation_id) == online:
            return
        with self.backend.unit_of_work() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None or conv.state == ConversationState.CLOSED.value:
                # A page that leaves after its chat closed: nothing to tell, and nothing to keep.
                self._forget_pages_of(conversation_id)
                return
            self._published_online[conversation_id] = online
            if conv.agent_id and conv.state == ConversationState.ACTIVE.value:
                status = self._status(uow.db, conv)
                uow.append(conv.agent_id, "cobrowse.status", status.model_dump(mode="json"))

    # --- the agent -------------------------------------------------------------------------------

    async def serve_agent(self, ws: WebSocket, session_id: str, token: str | None) -> None:
        """The agent's end of the relay: the page's events out, pointer/highlight/navigate in."""
        await ws.accept()
        try:
            principal = self.backend.authenticate(token)
            relay = self._relays.get(session_id)
            with read_session(self.backend.engine) as db:
                if relay is None:
                    raise BackendError(404, "not_found", "No open cobrowse session.")
                self._own_conversation(db, principal, relay.session.conversation_id)
        except BackendError as exc:
            code = {401: 4401, 403: 4403}.get(exc.status, 4404)
            await ws.close(code=code, reason=exc.message)
            return
        assert token is not None
        await self.backend.streams.serve(ws, token, self._serve_relay(ws, relay))

    async def _serve_relay(self, ws: WebSocket, relay: _Relay) -> None:
        link = _Link(ws, relay.session.conversation_id, asyncio.Queue(AGENT_QUEUE_FRAMES))
        previous, relay.agent = relay.agent, link
        if previous is not None:
            previous.offer("")  # one agent view per session: the newest wins
        link.offer(
            json.dumps({"kind": "hello", "session": relay.session.model_dump(mode="json"), "url": relay.url})
        )
        if relay.has_snapshot and relay.buffer:
            self._to_agent(relay, list(relay.buffer))
        self._want_snapshot(relay)
        writer = asyncio.create_task(_write(link))
        try:
            while relay.agent is link:
                text = await ws.receive_text()
                self._on_agent_frame(relay, link, text)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            writer.cancel()
            if relay.agent is link:
                relay.agent = None

    def _to_agent(self, relay: _Relay, serialized: list[str]) -> None:
        assert relay.agent is not None
        # In frames of at most RELAY_FRAME_BYTES: a replayed buffer (up to buffer_bytes) in one frame
        # could exceed the view's frame limit, and the view would rejoin into the same replay forever.
        frames = _event_frames(serialized, RELAY_FRAME_BYTES)
        if all(relay.agent.offer(frame) for frame in frames):
            self.stats.events_out += len(serialized)
            return
        # The agent fell behind: drop what is queued, tell the view to wait for a new baseline.
        self.stats.agent_resyncs += 1
        while not relay.agent.queue.empty():
            relay.agent.queue.get_nowait()
        relay.agent.offer(json.dumps({"kind": "resync"}))
        self._want_snapshot(relay)

    def _on_agent_frame(self, relay: _Relay, link: _Link, text: str) -> None:
        try:
            frame = json.loads(text)
            kind = frame.get("kind")
        except (ValueError, AttributeError):
            link.offer(json.dumps({"kind": "error", "message": M.RELAY_MALFORMED}))
            return
        if kind == "snapshot":
            self._want_snapshot(relay)
            return
        if kind != "command":
            link.offer(json.dumps({"kind": "error", "message": f"Unknown frame {kind!r}."}))
            return
        if not relay.session.sharing:
            state = relay.session.state.value
            link.offer(json.dumps({"kind": "error", "message": f"The session is {state}: nothing is sent."}))
            return
        try:
            command = _command(frame.get("command"), relay.url)
        except ValueError as exc:
            link.offer(json.dumps({"kind": "error", "message": str(exc)}))
            return
        if relay.recorder is None or not relay.recorder.offer(
            json.dumps({"kind": "command", "command": command})
        ):
            link.offer(json.dumps({"kind": "error", "message": M.RELAY_PAGE_GONE}))


def _event_frames(serialized: list[str], budget: int) -> list[str]:
    """Serialized rrweb events as `events` frames of at most `budget` bytes (one event over it
    goes alone: a page's frame, and so each of its events, is at most MAX_FRAME_BYTES)."""
    frames: list[str] = []
    chunk: list[str] = []
    size = 0
    for text in serialized:
        cost = len(text.encode()) + 1
        if chunk and size + cost > budget:
            frames.append('{"kind":"events","events":[' + ",".join(chunk) + "]}")
            chunk, size = [], 0
        chunk.append(text)
        size += cost
    if chunk:
        frames.append('{"kind":"events","events":[' + ",".join(chunk) + "]}")
    return frames


def _sessions(db: DbSession, conversation_id: str) -> list[CobrowseSession]:
    rows = db.scalars(select(CobrowseRow).where(CobrowseRow.conversation_id == conversation_id))
    return sorted((CobrowseSession.model_validate(r.data) for r in rows), key=lambda s: s.invited_at)


def _valid_event(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("type"), int)
        and not isinstance(event.get("type"), bool)
        and 0 <= event["type"] <= 8
        and isinstance(event.get("data"), dict)
        and isinstance(event.get("timestamp"), int | float)
    )


def _page_url(href: str) -> str:
    parts = urlsplit(href[:2000])
    if parts.scheme not in ("http", "https"):
        return ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number.")
    if not 0 <= value <= 1_000_000:
        raise ValueError(f"{name} is out of range.")
    return float(value)


def _command(raw: Any, current_url: str) -> dict[str, Any]:
    """An agent command, validated and normalised; ValueError with a message for the agent."""
    if not isinstance(raw, dict):
        raise ValueError("A command must be an object.")
    kind = raw.get("type")
    if kind == "pointer":
        return {"type": "pointer", "x": _number(raw.get("x"), "x"), "y": _number(raw.get("y"), "y")}
    if kind == "highlight":
        node = raw.get("node")
        if isinstance(node, bool) or not isinstance(node, int) or node < 0:
            raise ValueError("Highlight needs an element of the page.")
        label = raw.get("label")
        return {
            "type": "highlight",
            "node": node,
            "label": str(label)[:200] if isinstance(label, str) else "",
        }
    if kind == "clear":
        return {"type": "clear"}
    if kind == "navigate":
        url = raw.get("url")
        if not isinstance(url, str) or len(url) > 2000:
            raise ValueError("Navigate needs the address of a page.")
        title = raw.get("title")
        resolved = same_site_url(current_url, url)
        return {
            "type": "navigate",
            "url": resolved,
            "title": str(title)[:200] if isinstance(title, str) else "",
        }
    raise ValueError(f"Unknown command {kind!r}.")


async def _write(link: _Link) -> None:
    """Send what is queued for one link; an empty string means: close the socket now."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            text = await link.queue.get()
            if not text:
                await link.ws.close(code=1000)
                return
            await link.ws.send_text(text)


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def cobrowse_router(backend: Backend, hub: CobrowseHub | None = None) -> APIRouter:
    """The cobrowse routes (REST and both WebSocket ends); its lifespan runs the session timeouts."""
    hub = hub or CobrowseHub(backend)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(hub.run_timeouts(), name="cobrowse-timeouts")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    router = APIRouter(lifespan=lifespan)
    router.hub = hub  # type: ignore[attr-defined]  # tests and benchmarks reach the relay's counters

    def agent(authorization: str | None) -> Principal:
        return backend.authenticate(_bearer(authorization))

    @router.get(f"{API}/conversations/{{conversation_id}}/cobrowse")
    async def status(
        conversation_id: str, authorization: str | None = Header(default=None)
    ) -> dict[str, Any]:
        return hub.status(agent(authorization), conversation_id).model_dump(mode="json")

    @router.post(f"{API}/conversations/{{conversation_id}}/cobrowse", status_code=201)
    async def invite_customer(
        conversation_id: str, authorization: str | None = Header(default=None)
    ) -> dict[str, Any]:
        # The transitions' transactions on the writer thread, like the chat's writes (writer_thread.py).
        p = agent(authorization)
        return await backend.writer.run(lambda: hub.invite(p, conversation_id).model_dump(mode="json"))

    @router.post(f"{API}/conversations/{{conversation_id}}/cobrowse/{{session_id}}/end")
    async def end(
        conversation_id: str, session_id: str, authorization: str | None = Header(default=None)
    ) -> dict[str, Any]:
        p = agent(authorization)
        return await backend.writer.run(
            lambda: hub.end_by_agent(p, conversation_id, session_id).model_dump(mode="json")
        )

    @router.post(f"{API}/customer/chats/{{conversation_id}}/cobrowse/{{session_id}}/{{action}}")
    async def customer_action(
        conversation_id: str, session_id: str, action: str, authorization: str | None = Header(default=None)
    ) -> dict[str, Any]:
        principal = backend.authenticate(_bearer(authorization))
        return await backend.writer.run(
            lambda: hub.customer_action(principal, conversation_id, session_id, action).model_dump(
                mode="json"
            )
        )

    @router.websocket(f"{API}/customer/chats/{{conversation_id}}/live")
    async def customer_live(ws: WebSocket, conversation_id: str) -> None:
        await hub.serve_customer(ws, conversation_id)

    @router.websocket(f"{API}/cobrowse/{{session_id}}/relay")
    async def agent_relay(ws: WebSocket, session_id: str) -> None:
        await hub.serve_agent(ws, session_id, _bearer(ws.headers.get("authorization")))

    return router
