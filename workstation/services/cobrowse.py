"""Cobrowse hand-off for the agent: invite, follow the session, relay the customer's page, send commands."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import websockets
from PySide6.QtCore import QObject, QTimer, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable
from workstation.client.cobrowse import RelayConnection, RelayRefused
from workstation.client.ws import WsClient
from workstation.domain import messages as M
from workstation.domain.cobrowse import CobrowseSession, CobrowseState, CobrowseStatus, same_site_url
from workstation.domain.page_state import PageState, PageStateReducer
from workstation.services.sync import AppliedEvent, SyncService
from workstation.services.tasks import TaskSet

log = logging.getLogger(__name__)


class CobrowseServiceError(Exception):
    """A cobrowse action that could not be done, with a message for the agent."""


@dataclass(slots=True, eq=False)
class _Live:
    """One conversation's open session on this desktop: its relay and the page as text."""

    session: CobrowseSession
    reducer: PageStateReducer = field(default_factory=PageStateReducer)
    relay: RelayConnection | None = None
    task: asyncio.Task[Any] | None = None
    connected: bool = False


class CobrowseService(QObject):
    """Cobrowse sessions of the agent's conversations.

    Signals: `status_changed(conversation_id, CobrowseStatus)` whenever the backend says something
    changed (invitation, consent, pause, end, the customer coming onto or leaving the web site);
    `events_received(conversation_id, list[dict])` raw rrweb events for the live view;
    `view_reset(conversation_id)` the view must wait for a fresh snapshot (rejoin, fell behind);
    `page_changed(conversation_id, PageState)` the page as text (at most every 200 ms);
    `relay_changed(conversation_id, connected: bool, detail)`; `problem(conversation_id, message)`.
    """

    status_changed = Signal(str, object)
    events_received = Signal(str, list)
    view_reset = Signal(str)
    page_changed = Signal(str, object)
    relay_changed = Signal(str, bool, str)
    problem = Signal(str, str)

    def __init__(
        self,
        api: BackendApi,
        sync: SyncService,
        *,
        ws: WsClient | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`ws`: the shared WebSocket client (TLS, token, backoff); made for `api` when not given."""
        super().__init__(parent)
        self._api = api
        self._ws = ws if ws is not None else WsClient(api.base_url, lambda: api.token, proxy=api.proxy)
        self._tasks = TaskSet()
        self.statuses: dict[str, CobrowseStatus] = {}
        self._live: dict[str, _Live] = {}
        self._dirty: set[str] = set()
        self._page_timer = QTimer(self)
        self._page_timer.setSingleShot(True)
        self._page_timer.setInterval(200)
        self._page_timer.timeout.connect(self._on_page_timer_timeout)
        sync.events_applied.connect(self._on_sync_events_applied)

    # --- reading ---------------------------------------------------------------------------------

    def status(self, conversation_id: str) -> CobrowseStatus | None:
        return self.statuses.get(conversation_id)

    def page(self, conversation_id: str) -> PageState:
        live = self._live.get(conversation_id)
        return live.reducer.state() if live else PageState()

    def relay_connected(self, conversation_id: str) -> bool:
        live = self._live.get(conversation_id)
        return bool(live and live.connected)

    @property
    def base_url(self) -> str:
        return self._api.base_url

    async def refresh(self, conversation_id: str) -> CobrowseStatus | None:
        """Ask the backend where cobrowse stands for a conversation (when its tab opens)."""
        try:
            status = await self._api.cobrowse_status(conversation_id)
        except (ApiError, BackendUnavailable) as exc:
            log.info("cobrowse status of %s: %s", conversation_id, exc)
            return None
        self._apply(status)
        return status

    # --- acting ----------------------------------------------------------------------------------

    async def invite(self, conversation_id: str) -> CobrowseSession:
        try:
            session = await self._api.invite_to_cobrowse(conversation_id)
        except ApiError as exc:
            await self.refresh(conversation_id)
            raise CobrowseServiceError(exc.message) from exc
        except BackendUnavailable as exc:
            raise CobrowseServiceError(M.Msg(M.UNREACHABLE_TRY_AGAIN)) from exc
        await self.refresh(conversation_id)
        return session

    async def end(self, conversation_id: str) -> None:
        live = self._live.get(conversation_id)
        status = self.statuses.get(conversation_id)
        session = live.session if live else status.session if status else None
        if session is None or session.terminal:
            return
        try:
            await self._api.end_cobrowse(conversation_id, session.id)
        except ApiError as exc:
            log.info("ending cobrowse %s: %s", session.id, exc.message)  # over already
        except BackendUnavailable as exc:
            raise CobrowseServiceError(M.Msg(M.UNREACHABLE_SESSION_NOT_ENDED)) from exc
        await self.refresh(conversation_id)

    async def pointer(self, conversation_id: str, x: float, y: float) -> None:
        await self._command(conversation_id, {"type": "pointer", "x": round(x, 1), "y": round(y, 1)})

    async def highlight(self, conversation_id: str, node: int, label: str = "") -> None:
        await self._command(conversation_id, {"type": "highlight", "node": node, "label": label[:200]})

    async def navigate(self, conversation_id: str, target: str, title: str = "") -> str:
        """Ask the customer to go to `target` (a page of the same site); returns the full address."""
        live = self._live.get(conversation_id)
        current = live.reducer.state().url if live else ""
        try:
            url = same_site_url(current, target)
        except ValueError as exc:
            raise CobrowseServiceError(str(exc)) from exc
        await self._command(conversation_id, {"type": "navigate", "url": url, "title": title[:200]})
        return url

    async def _command(self, conversation_id: str, command: dict[str, Any]) -> None:
        live = self._live.get(conversation_id)
        if live is None or live.relay is None or not live.connected:
            raise CobrowseServiceError(M.Msg(M.COBROWSE_NOT_OPEN))
        if live.session.state != CobrowseState.ACTIVE:
            raise CobrowseServiceError(M.Msg(M.COBROWSE_NOT_STEERABLE, state=live.session.state.value))
        try:
            await live.relay.command(command)
        except websockets.exceptions.WebSocketException as exc:
            raise CobrowseServiceError(M.Msg(M.COBROWSE_LOST)) from exc

    async def stop(self) -> None:
        for live in self._live.values():
            if live.relay is not None:
                await live.relay.close()
        self._live.clear()
        await self._tasks.cancel_all()

    def forget(self, conversation_id: str) -> None:
        """The conversation's tab closed: stop following it."""
        self.statuses.pop(conversation_id, None)
        self._stop_relay(conversation_id)

    # --- following the backend -------------------------------------------------------------------

    def _on_sync_events_applied(self, applied: list[AppliedEvent]) -> None:
        for event in applied:
            if isinstance(event.record, CobrowseStatus):
                self._apply(event.record)

    def _apply(self, status: CobrowseStatus) -> None:
        known = self.statuses.get(status.conversation_id)
        if (
            known is not None
            and known.session
            and status.session
            and known.session.id == status.session.id
            and status.session.version < known.session.version
        ):
            status = status.model_copy(update={"session": known.session})  # an older answer
        self.statuses[status.conversation_id] = status
        session = status.session
        if session is not None and session.state in (
            CobrowseState.ACCEPTED,
            CobrowseState.ACTIVE,
            CobrowseState.PAUSED,
        ):
            self._start_relay(status.conversation_id, session)
        elif session is None or session.terminal:
            self._stop_relay(status.conversation_id)
        live = self._live.get(status.conversation_id)
        if live is not None and session is not None and session.version >= live.session.version:
            live.session = session
        self.status_changed.emit(status.conversation_id, status)

    def _start_relay(self, conversation_id: str, session: CobrowseSession) -> None:
        live = self._live.get(conversation_id)
        if live is not None and live.session.id == session.id:
            return
        self._stop_relay(conversation_id)
        live = _Live(session)
        self._live[conversation_id] = live
        live.task = self._tasks.start(self._run_relay(conversation_id, live), f"cobrowse-{session.id}")

    def _stop_relay(self, conversation_id: str) -> None:
        live = self._live.pop(conversation_id, None)
        if live is not None and live.task is not None:
            live.task.cancel()

    async def _run_relay(self, conversation_id: str, live: _Live) -> None:
        """Keep the relay open while the session is; every (re)join starts from a fresh snapshot."""
        attempt = 0
        while self._live.get(conversation_id) is live:
            try:
                live.relay = await RelayConnection.open(self._ws, live.session.id)
                live.connected = True
                attempt = 0
                live.reducer.reset()
                self.view_reset.emit(conversation_id)
                self.relay_changed.emit(conversation_id, True, "")
                async for frame in live.relay.frames():
                    self._on_frame(conversation_id, live, frame)
            except RelayRefused as exc:
                log.info("cobrowse relay refused for %s: %s", live.session.id, exc)
                live.connected = False
                self.relay_changed.emit(conversation_id, False, str(exc))
                await self.refresh(conversation_id)  # most likely over: the status says so
                return
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
                log.info("cobrowse relay lost for %s: %s", live.session.id, exc)
            live.connected = False
            live.relay = None
            self.relay_changed.emit(conversation_id, False, M.RECONNECTING)
            await self._ws.pause(attempt)  # the same jittered backoff as the other streams
            attempt += 1

    def _on_frame(self, conversation_id: str, live: _Live, frame: Any) -> None:
        if frame.kind == "events":
            live.reducer.apply_all(frame.events)
            self.events_received.emit(conversation_id, frame.events)
            self._dirty.add(conversation_id)
            if not self._page_timer.isActive():
                self._page_timer.start()
        elif frame.kind in ("hello", "session") and frame.session is not None:
            status = self.statuses.get(conversation_id)
            if status is not None:
                self._apply(status.model_copy(update={"session": frame.session}))
        elif frame.kind == "resync":
            live.reducer.reset()
            self.view_reset.emit(conversation_id)
        elif frame.kind == "error":
            self.problem.emit(conversation_id, frame.message)

    def _on_page_timer_timeout(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for conversation_id in dirty:
            live = self._live.get(conversation_id)
            if live is not None:
                self.page_changed.emit(conversation_id, live.reducer.state())
