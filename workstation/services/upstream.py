"""The desk's side of connectors: which upstream system (a CRM, a ticket system) owns which customer
field, and the conflicts the backend keeps when a field changed both in the desk and upstream.

A conflict arrives pushed (`connector.conflict`) or is fetched when a customer is shown (a desk that
was offline when it was pushed still sees it). The agent's decision goes through the outbox, keyed,
so it survives a restart and is sent once; until it is sent the conflict no longer counts as open.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable
from workstation.domain.models import ConnectorConflict, FieldSource
from workstation.services.sync import AppliedEvent, SyncService
from workstation.services.tasks import TaskSet
from workstation.store.cache import PENDING, CacheStore, OutboxItem

log = logging.getLogger(__name__)

#: The outbox kind of an agent's decision on a connector conflict.
RESOLVE_KIND = "connector_resolve"
#: The two answers the backend takes.
KEEP_CHOICES = ("theirs", "yours")
#: Links the desk opens: anything else (file:, javascript:, a relative path) is not shown as a link.
LINK_SCHEMES = ("http://", "https://")

#: How the desk names the systems the backend's connectors report ("tryton"); others as reported.
SYSTEM_NAMES = {"tryton": "Tryton", "rt": "Request Tracker"}

Key = tuple[str, str, str]  # connector, record, field


def key_of(conflict: ConnectorConflict) -> Key:
    return (conflict.connector, conflict.record or "", conflict.field)


def system_name(source: FieldSource) -> str:
    system = source.system or source.connector
    return SYSTEM_NAMES.get(system, system)


def safe_url(url: str | None) -> str | None:
    """The URL if the desk may offer it as a link (http or https, no spaces or quotes)."""
    if not url or not url.lower().startswith(LINK_SCHEMES):
        return None
    if any(c.isspace() or c in "\"'<>" for c in url):
        return None
    return url


class UpstreamService(QObject):
    """Field sources per customer and open connector conflicts.

    Signals: `conflicts_changed(count)` (undecided conflicts), `sources_changed(customer_id)`."""

    conflicts_changed = Signal(int)
    sources_changed = Signal(str)

    def __init__(
        self, api: BackendApi, store: CacheStore, sync: SyncService, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._api, self._store, self._sync = api, store, sync
        self._open: dict[Key, ConnectorConflict] = {}
        self._sources: dict[str, list[FieldSource]] = {}
        self._tasks = TaskSet()
        sync.register(RESOLVE_KIND, self._deliver)
        sync.events_applied.connect(self._on_events)

    # --- reading ---------------------------------------------------------------------------------

    def sources(self, customer_id: str) -> list[FieldSource]:
        return list(self._sources.get(customer_id, ()))

    def field_systems(self, customer_id: str) -> dict[str, str]:
        """field -> the name of the system that owns it ("Tryton")."""
        return {
            field: system_name(source)
            for source in self._sources.get(customer_id, ())
            for field in source.fields
        }

    def system_of(self, connector: str) -> str:
        for sources in self._sources.values():
            for source in sources:
                if source.connector == connector:
                    return system_name(source)
        return connector

    def conflicts(self) -> list[ConnectorConflict]:
        """Conflicts still waiting for the agent (a decision not sent yet takes one off)."""
        decided = self._decided()
        return [c for k, c in self._open.items() if c.record and k not in decided]

    # --- fetching --------------------------------------------------------------------------------

    def refresh_soon(self, customer_id: str) -> None:
        self._tasks.start(self.refresh(customer_id), f"upstream-{customer_id}")

    async def refresh(self, customer_id: str) -> None:
        """Ask the backend where the customer's fields come from and what conflicts are open on them.
        An unreachable backend or a refusal changes nothing (the next open asks again)."""
        try:
            sources = await self._api.customer_sources(customer_id)
            fetched: list[ConnectorConflict] = []
            for connector in sorted({s.connector for s in sources}):
                try:
                    fetched += await self._api.connector_conflicts(connector, customer_id)
                except ApiError as exc:  # a connector that is not running has none to decide
                    log.info("no conflicts from connector %s: %s", connector, exc.message)
        except (ApiError, BackendUnavailable) as exc:
            log.info("sources of customer %s not fetched: %s", customer_id, exc)
            return
        self._sources[customer_id] = sources
        for key in [k for k, c in self._open.items() if c.customer_id == customer_id]:
            del self._open[key]
        for conflict in fetched:
            self._open[key_of(conflict)] = conflict
        self.sources_changed.emit(customer_id)
        self.conflicts_changed.emit(len(self.conflicts()))

    def _on_events(self, applied: list[AppliedEvent]) -> None:
        changed = False
        for event in applied:
            record = event.record
            if not isinstance(record, ConnectorConflict):
                continue
            if record.record and record.customer_id in self._sources:
                self._open[key_of(record)] = record
                changed = True
            else:  # which record, or which system: the backend knows
                self.refresh_soon(record.customer_id)
        if changed:
            self.conflicts_changed.emit(len(self.conflicts()))

    # --- deciding --------------------------------------------------------------------------------

    def decide(self, conflict: ConnectorConflict, keep: str) -> None:
        """Queue the agent's decision (keep "theirs", the upstream value, or "yours")."""
        if keep not in KEEP_CHOICES:
            raise ValueError(f"keep must be one of {KEEP_CHOICES}, not {keep!r}")
        if not conflict.record:
            raise ValueError("a conflict without its upstream record cannot be decided")
        payload: dict[str, Any] = {
            "connector": conflict.connector,
            "record": conflict.record,
            "field": conflict.field,
            "keep": keep,
        }
        self._open.pop(key_of(conflict), None)
        self._sync.submit(
            RESOLVE_KIND,
            payload,
            target=conflict.customer_id,
            then=lambda: self.conflicts_changed.emit(len(self.conflicts())),
        )

    def _decided(self) -> set[Key]:
        return {
            (str(p.get("connector")), str(p.get("record")), str(p.get("field")))
            for r in self._store.outbox_records(kinds=(RESOLVE_KIND,), states=(PENDING,))
            for p in (r.item.payload,)
        }

    async def _deliver(self, item: OutboxItem) -> None:
        p = item.payload
        try:
            await self._api.resolve_connector_conflict(
                str(p["connector"]), str(p["record"]), str(p["field"]), str(p["keep"]), key=item.key
            )
        except ApiError as exc:
            if exc.status != 404:
                raise
            # Already decided (by a team lead, or by this desk before a crash lost the answer).
            log.info("connector conflict %s/%s already decided", p["record"], p["field"])
        await self._store.writes.run(self._store.complete, item.id)
        self.refresh_soon(item.target)

    async def shutdown(self) -> None:
        await self._tasks.cancel_all()
