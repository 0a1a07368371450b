"""The team lead's queue monitor: live statistics from the push stream, their history, and actions."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from workstation.client.api import ApiError, BackendUnavailable
from workstation.client.events import AuthRejected, Backoff
from workstation.client.monitor import MonitorApi, MonitorStream
from workstation.client.ws import WsClient
from workstation.domain import messages as M
from workstation.domain.models import Agent, ConnectorConflict, Presence, WaitingReason
from workstation.domain.queue_monitor import (
    AGENT_STATES,
    ALL_QUEUES,
    MonitorDelta,
    MonitorHistory,
    MonitorSnapshot,
    MonitorTick,
    apply_delta,
    snapshot_csv,
)
from workstation.services.tasks import TaskSet

log = logging.getLogger(__name__)


class MonitorSeries:
    """Fixed-size ring buffers for the charts: one time axis; per queue waiting and service level; agent
    states. Memory is allocated once per set of queues, so an hour of 1 Hz updates does not grow it.
    A NaN point marks a gap (the connection was lost), so lines do not bridge it.
    """

    def __init__(self, capacity: int = 3600 + 720) -> None:
        self.capacity = capacity
        self.keys: list[str] = []
        self._row: dict[str, int] = {}
        self._times = np.full(capacity, np.nan)
        self._waiting = np.full((0, capacity), np.nan)
        self._level = np.full((0, capacity), np.nan)
        self._states = np.full((len(AGENT_STATES), capacity), np.nan)
        self._next = 0
        self.count = 0

    def reset(self, keys: list[str]) -> None:
        self.keys = list(keys)
        self._row = {k: i for i, k in enumerate(self.keys)}
        self._times.fill(np.nan)
        self._waiting = np.full((len(self.keys), self.capacity), np.nan)
        self._level = np.full((len(self.keys), self.capacity), np.nan)
        self._states.fill(np.nan)
        self._next = 0
        self.count = 0

    def _slot(self, at: float) -> int:
        slot = self._next
        self._times[slot] = at
        self._next = (slot + 1) % self.capacity
        self.count = min(self.capacity, self.count + 1)
        return slot

    def append_snapshot(self, snapshot: MonitorSnapshot, at: float | None = None) -> None:
        slot = self._slot(snapshot.at.timestamp() if at is None else at)
        for q in (*snapshot.queues, snapshot.total):
            row = self._row.get(q.queue_id)
            if row is not None:
                self._waiting[row, slot] = q.waiting
                self._level[row, slot] = np.nan if q.service_level is None else q.service_level * 100
        counts = snapshot.state_counts()
        for i, state in enumerate(AGENT_STATES):
            self._states[i, slot] = counts[state]

    def append_gap(self, at: float) -> None:
        slot = self._slot(at)
        self._waiting[:, slot] = np.nan
        self._level[:, slot] = np.nan
        self._states[:, slot] = np.nan

    def load_history(self, history: MonitorHistory) -> None:
        for i, at in enumerate(history.times):
            slot = self._slot(at)
            for key, series in history.queues.items():
                row = self._row.get(key)
                if row is not None and i < len(series.waiting):
                    level = series.service_level[i]
                    self._waiting[row, slot] = series.waiting[i]
                    self._level[row, slot] = np.nan if level is None else level * 100
            for j, state in enumerate(AGENT_STATES):
                values = history.states.get(state, ())
                self._states[j, slot] = values[i] if i < len(values) else np.nan

    def _order(self) -> np.ndarray:
        start = (self._next - self.count) % self.capacity
        order: np.ndarray = (np.arange(self.count) + start) % self.capacity
        return order

    def times(self) -> np.ndarray:
        times: np.ndarray = self._times[self._order()]
        return times

    def waiting(self, key: str) -> np.ndarray:
        row = self._row.get(key)
        return self._waiting[row, self._order()] if row is not None else np.array([])

    def service_level(self, key: str) -> np.ndarray:
        row = self._row.get(key)
        return self._level[row, self._order()] if row is not None else np.array([])

    def states(self) -> np.ndarray:
        """Rows in AGENT_STATES order."""
        return self._states[:, self._order()]


class QueueMonitorService(QObject):
    """Live queue statistics for a team lead, from the monitor's push stream (no polling).

    Signals: `snapshot_changed(MonitorSnapshot, list[str] changed queue ids, bool agents changed,
    bool waiting changed)`, `series_changed()` (the charts' data grew), `staleness_changed(bool stale,
    object since: datetime | None)`, `action_failed(str message)`, `session_rejected(str reason)`.
    """

    snapshot_changed = Signal(object, list, bool, bool)
    series_changed = Signal()
    staleness_changed = Signal(bool, object)
    action_failed = Signal(object)  # a Msg (the desk shows it translated) or the backend's words
    session_rejected = Signal(object)  # a Msg when the backend named its reason

    def __init__(
        self,
        api: MonitorApi,
        *,
        backoff: Backoff | None = None,
        stale_after_s: float = 3.5,
        history_minutes: float = 60,
        ws: WsClient | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`ws`: the shared WebSocket client (TLS, token, backoff); made for `api` when not given."""
        super().__init__(parent)
        self.api = api
        self.snapshot: MonitorSnapshot | None = None
        self.series = MonitorSeries()
        self.stale = True
        self.stale_since: datetime | None = None
        self.frames = 0
        self._history_minutes = history_minutes
        self._stale_after = stale_after_s
        self._last_frame = 0.0
        self._tasks = TaskSet()
        if ws is None:
            ws = WsClient(api.base_url, api.token, backoff=backoff, proxy=api.proxy)
        self._stream = MonitorStream(ws, self)
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(1000)
        self._watchdog.timeout.connect(self._on_watchdog_timeout)

    # --- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.start(self._run(), name="queue-monitor-stream")
        self._watchdog.start()

    async def stop(self) -> None:
        self._watchdog.stop()
        await self._stream.close()
        await self._tasks.cancel_all()

    async def _run(self) -> None:
        try:
            await self._stream.run()
        except AuthRejected as exc:
            self.session_rejected.emit(str(exc))

    async def _load_history(self, keys: list[str]) -> None:
        try:
            history = await self.api.history(self._history_minutes)
        except (BackendUnavailable, ApiError) as exc:
            log.warning("no monitor history: %s", exc)
            return
        live_from = self.series.times()
        # The history comes after the first live point arrived: rebuild with history first.
        if self.snapshot is None or list(history.queues) != keys:
            return
        first_live = float(live_from[0]) if len(live_from) else float("inf")
        kept = [t for t in history.times if t < first_live]
        trimmed = MonitorHistory(
            times=tuple(kept),
            queues={
                k: s.model_copy(
                    update={"waiting": s.waiting[: len(kept)], "service_level": s.service_level[: len(kept)]}
                )
                for k, s in history.queues.items()
            },
            states={k: v[: len(kept)] for k, v in history.states.items()},
        )
        self.series.reset(keys)
        self.series.load_history(trimmed)
        self.series.append_snapshot(self.snapshot)
        self.series_changed.emit()

    # --- the stream (MonitorHandler) -------------------------------------------------------------

    def on_frame(self, frame: MonitorSnapshot | MonitorDelta | MonitorTick) -> bool:
        self._last_frame = time.monotonic()
        self.frames += 1
        if isinstance(frame, MonitorSnapshot):
            keys = [q.queue_id for q in frame.queues] + [ALL_QUEUES]
            first = self.snapshot is None or keys != self.series.keys
            self.snapshot = frame
            if first:
                self.series.reset(keys)
                self._tasks.start(self._load_history(keys), name="queue-monitor-history")
            self.series.append_snapshot(frame)
            self._live()
            self.snapshot_changed.emit(frame, [q.queue_id for q in frame.queues], True, True)
        elif self.snapshot is None:
            return False
        elif isinstance(frame, MonitorDelta):
            try:
                self.snapshot = apply_delta(self.snapshot, frame)
            except ValueError as exc:
                log.info("monitor out of step (%s): resynchronising", exc)
                return False
            self.series.append_snapshot(self.snapshot)
            self._live()
            changed = [q.queue_id for q in frame.queues] + ([ALL_QUEUES] if frame.total else [])
            agents_changed = bool(frame.agents or frame.removed_agents)
            self.snapshot_changed.emit(self.snapshot, changed, agents_changed, frame.waiting is not None)
        else:
            if frame.version != self.snapshot.version:
                return False
            self.snapshot = self.snapshot.model_copy(update={"at": frame.at})
            self.series.append_snapshot(self.snapshot)
            self._live()
        self.series_changed.emit()
        return True

    def on_connection(self, online: bool, detail: str) -> None:
        if not online:
            log.info("monitor stream: %s", detail)
            self._go_stale()

    def _on_watchdog_timeout(self) -> None:
        if not self.stale and time.monotonic() - self._last_frame > self._stale_after:
            self._go_stale()

    def _go_stale(self) -> None:
        if self.stale:
            return
        self.stale = True
        # Stale since the last instant the numbers were known to be true.
        self.stale_since = self.snapshot.at if self.snapshot else None
        if self.snapshot is not None:
            self.series.append_gap(self.snapshot.at.timestamp() + 0.001)
        self.staleness_changed.emit(True, self.stale_since)

    def _live(self) -> None:
        if self.stale:
            self.stale = False
            self.stale_since = None
            self.staleness_changed.emit(False, None)

    # --- team-lead actions -------------------------------------------------------------------

    async def why_waiting(self, conversation_id: str) -> WaitingReason | None:
        try:
            return await self.api.why_waiting(conversation_id)
        except ApiError as exc:
            self.action_failed.emit(exc.message)
        except BackendUnavailable as exc:
            self._unreachable(exc)
        return None

    async def force_presence(self, agent_id: str, presence: Presence) -> Agent | None:
        try:
            return await self.api.force_presence(agent_id, presence)
        except ApiError as exc:
            self.action_failed.emit(exc.message)
        except BackendUnavailable as exc:
            self._unreachable(exc)
        return None

    async def move_task(self, conversation_id: str, queue_id: str) -> WaitingReason | None:
        try:
            return await self.api.move_task(conversation_id, queue_id)
        except ApiError as exc:
            self.action_failed.emit(exc.message)
        except BackendUnavailable as exc:
            self._unreachable(exc)
        return None

    async def connector_names(self) -> list[str] | None:
        try:
            return await self.api.connector_names()
        except ApiError as exc:
            self.action_failed.emit(exc.message)
        except BackendUnavailable as exc:
            self._unreachable(exc)
        return None

    async def connector_conflicts(
        self, connector: str, *, limit: int, after: tuple[str, str] | None = None
    ) -> list[ConnectorConflict] | None:
        try:
            return await self.api.connector_conflicts(connector, limit=limit, after=after)
        except ApiError as exc:
            self.action_failed.emit(exc.message)
        except BackendUnavailable as exc:
            self._unreachable(exc)
        return None

    def _unreachable(self, exc: BackendUnavailable) -> None:
        log.info("team-lead action not done: %s", exc)  # the technical detail; the lead reads the gist
        self.action_failed.emit(M.Msg(M.UNREACHABLE))

    def export_csv(self, path: Path) -> None:
        """Write the current snapshot as CSV; the file appears whole or not at all. OSError on failure."""
        if self.snapshot is None:
            raise ValueError(M.Msg(M.EXPORT_EMPTY))
        text = snapshot_csv(self.snapshot)
        if self.stale and self.stale_since is not None:
            text = f"# stale: numbers as of {self.stale_since.isoformat()}\n" + text
        fd, tmp = tempfile.mkstemp(prefix=".monitor-", suffix=".csv", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
