"""The customer beside a conversation: read from the cache first, refreshed in the background."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable
from workstation.domain.models import Customer, TimelineEvent
from workstation.services.sync import AppliedEvent, SyncService
from workstation.store.cache import CacheStore

log = logging.getLogger(__name__)

TIMELINE_PAGE = 200


@dataclass(frozen=True, slots=True)
class CustomerContext:
    customer: Customer | None
    #: newest first
    events: list[TimelineEvent]


class CustomerContextService(QObject):
    """Customer records and histories for the panels beside conversations.

    Signals: `context_refreshed(customer_id)` when fresh data from the backend landed in the cache,
    `events_added(customer_id, list[TimelineEvent])` for live history pushed while a chat is open.
    """

    context_refreshed = Signal(str)
    events_added = Signal(str, list)

    def __init__(
        self, api: BackendApi, store: CacheStore, sync: SyncService, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._store = store
        sync.events_applied.connect(self._on_sync_events_applied)

    def cached(self, customer_id: str) -> CustomerContext:
        """What the cache has now: never waits for the network (the first paint depends on it)."""
        return CustomerContext(
            self._store.customer(customer_id), self._store.timeline(customer_id, limit=TIMELINE_PAGE)
        )

    async def refresh(self, customer_id: str) -> bool:
        """Fetch the customer and their latest history into the cache; False when offline."""
        try:
            customer = await self._api.customer(customer_id)
            page = await self._api.customer_events(customer_id, limit=TIMELINE_PAGE)
        except BackendUnavailable as exc:
            log.info("customer %s stays as cached: %s", customer_id, exc)
            return False
        except ApiError as exc:
            log.warning("customer %s could not be refreshed: %s", customer_id, exc.message)
            return False
        self._store.apply(customers=[customer], events=page.events)
        self.context_refreshed.emit(customer_id)
        return True

    def _on_sync_events_applied(self, applied: list[AppliedEvent]) -> None:
        added: dict[str, list[TimelineEvent]] = {}
        for event in applied:
            if isinstance(event.record, TimelineEvent):
                added.setdefault(event.record.customer_id, []).append(event.record)
        for customer_id, events in added.items():
            self.events_added.emit(customer_id, events)
