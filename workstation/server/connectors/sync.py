"""Runs connectors inside the backend: initial import, then polling from a durable checkpoint,
retries with jittered backoff, dead letters, conflict-aware customer updates and write-back.

Each page is applied in one transaction: customers (and their links), events (through
`Backend.add_customer_events`, the ingest path, so ids and fingerprints keep duplicates out),
dead letters and the checkpoint. A backend killed mid-sync resumes after the last committed page;
and should a page ever be pulled twice, its events keep their ids and are stored once.

Every database step runs on the backend's writer thread (writer_thread.py), one submitted step per
transaction or read-then-write, never on the event loop: a 500-record page no longer holds the push
streams, and no agent's write runs inside a page. Only the upstream calls are awaited on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import delete, func, select

from workstation.domain.models import EDITABLE_CUSTOMER_FIELDS, Customer, utcnow
from workstation.server.backend import AUDIENCE_TEAMLEADS, Backend, _customer
from workstation.server.connectors.base import Batch, Connector, CustomerLink, ImportedCustomer
from workstation.server.connectors.tryton_rpc import UpstreamError
from workstation.server.connectors.writeback import WriteBack
from workstation.server.db import (
    ConnectorConflictRow,
    ConnectorLinkRow,
    ConnectorStateRow,
    CustomerRow,
    DeadLetterRow,
)
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Backoff after failures: base * 2**n, capped, times a random factor in [0.5, 1] so that many
#: backends (or connectors) that lost one upstream do not hammer it in lockstep when it returns.
RETRY_BASE_S = 1.0
RETRY_MAX_S = 300.0
ERROR_MAX = 500
#: Dead letters read again per sync pass (oldest-tried first).
DEAD_RETRY_BATCH = 200


def backoff_delay(
    failures: int, rng: random.Random, *, base: float = RETRY_BASE_S, cap: float = RETRY_MAX_S
) -> float:
    return min(cap, base * float(2 ** max(0, failures - 1))) * rng.uniform(0.5, 1.0)


@dataclass(slots=True)
class SyncCounts:
    customers: int = 0
    events: int = 0
    duplicates: int = 0
    dead: int = 0
    conflicts: int = 0
    written: int = 0


class ConnectorSync:
    """One connector's loop on the backend's event loop, its database work on the writer thread.
    `status()` is what team leads see."""

    def __init__(
        self,
        backend: Backend,
        connector: Connector,
        *,
        poll_interval_s: float = 5.0,
        rng: random.Random | None = None,
        retry_base_s: float = RETRY_BASE_S,
        retry_max_s: float = RETRY_MAX_S,
    ) -> None:
        self.backend = backend
        self.connector = connector
        self.name = connector.name
        self.poll_interval_s = poll_interval_s
        self._rng = rng or random.Random()
        self._retry = (retry_base_s, retry_max_s)
        self.failures = 0
        self.running = False
        #: Set to make a waiting loop poll at once (tests, "sync now").
        self.wake = asyncio.Event()
        self.writes = WriteBack(backend, connector)
        with backend.unit_of_work() as uow:
            if uow.db.get(ConnectorStateRow, self.name) is None:
                uow.db.add(ConnectorStateRow(name=self.name, checkpoint={}))

    # --- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        self.running = True
        try:
            while True:
                try:
                    await self.sync_once()
                    self.failures = 0
                    delay = self.poll_interval_s
                except UpstreamError as exc:
                    self.failures += 1
                    delay = backoff_delay(self.failures, self._rng, base=self._retry[0], cap=self._retry[1])
                    await self._write(partial(self._record_error, exc.reason))
                    log.warning(
                        "connector %s: %s (retry %d in %.1fs)", self.name, exc.reason, self.failures, delay
                    )
                except (asyncio.CancelledError, WriterClosed):
                    raise  # cancelled, or the process is exiting: nothing left to retry for
                except Exception as exc:  # a bug must not stop the backend: log it, count it, retry
                    self.failures += 1
                    delay = backoff_delay(self.failures, self._rng, base=self._retry[0], cap=self._retry[1])
                    await self._write(partial(self._record_error, f"{type(exc).__name__}: {exc}"))
                    log.exception("connector %s failed (retry in %.1fs)", self.name, delay)
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), delay)
        except WriterClosed:
            pass  # the process is exiting (writer_thread.py): the loop ends quietly
        finally:
            self.running = False
            await self.connector.close()

    async def _write(self, work: Callable[[], T]) -> T:
        """One step on the writer thread: in order with the desk's writes, never between them."""
        return await self.backend.writer.run(work)

    async def sync_once(self) -> SyncCounts:
        """Pull until the upstream has nothing new, then write the desk's edits back."""
        counts = SyncCounts()
        while True:
            batch = await self.connector.pull(await self._write(self._checkpoint))
            # Awaiting the writer yields the loop between pages: a long import never holds it.
            await self._write(partial(self.apply, batch, counts))
            if not batch.more:
                break
        await self.retry_dead_letters(counts)
        await self.write_back(counts)
        await self.write_wrapups(counts)
        await self._write(self._synced)
        return counts

    def _synced(self) -> None:
        with self.backend.unit_of_work() as uow:
            state = uow.db.get(ConnectorStateRow, self.name)
            assert state is not None
            state.last_sync_at = utcnow()

    async def retry_dead_letters(self, counts: SyncCounts) -> None:
        """Read the oldest-tried dead letters again: a record fixed upstream maps now."""

        def oldest() -> list[str]:
            with self.backend.unit_of_work() as uow:
                return list(
                    uow.db.scalars(
                        select(DeadLetterRow.record)
                        .where(DeadLetterRow.connector == self.name)
                        .order_by(DeadLetterRow.last_seen)
                        .limit(DEAD_RETRY_BATCH)
                    )
                )

        records = await self._write(oldest)
        if records:
            batch = await self.connector.refetch(records)

            def store() -> None:
                # The checkpoint read and the page stored as one step: no other pass moves it between.
                batch.checkpoint = self._checkpoint()
                self.apply(batch, counts)

            await self._write(store)

    def _checkpoint(self) -> dict[str, Any]:
        with self.backend.unit_of_work() as uow:
            state = uow.db.get(ConnectorStateRow, self.name)
            return dict(state.checkpoint) if state else {}

    def _record_error(self, reason: str) -> None:
        with self.backend.unit_of_work() as uow:
            state = uow.db.get(ConnectorStateRow, self.name)
            if state is not None:
                state.last_error = reason[:ERROR_MAX]
                state.last_error_at = utcnow()

    # --- applying a page -------------------------------------------------------------------------

    def apply(self, batch: Batch, counts: SyncCounts | None = None) -> SyncCounts:
        """Store one page and move the checkpoint past it, in one transaction (`Backend.batch`).
        Blocking: the loop runs it on the writer thread (sync_once)."""
        counts = counts or SyncCounts()
        with self.backend.batch():
            self._apply(batch, counts)
        return counts

    def _apply(self, batch: Batch, counts: SyncCounts) -> None:
        counts.customers += self._apply_customers(batch.customers, counts)
        self._apply_links(batch.links)
        results = self.backend.add_customer_events(batch.events)
        stored = sum(1 for r in results if r.status == "stored")
        counts.events += stored
        counts.duplicates += len(results) - stored
        now = utcnow()
        with self.backend.unit_of_work() as uow:
            if batch.mapped:
                uow.db.execute(
                    delete(DeadLetterRow).where(
                        DeadLetterRow.connector == self.name, DeadLetterRow.record.in_(batch.mapped)
                    )
                )
            for dead in batch.dead:
                log.warning("connector %s: dead letter %s: %s", self.name, dead.record, dead.reason)
                row = uow.db.get(DeadLetterRow, (self.name, dead.record))
                if row is None:
                    uow.db.add(
                        DeadLetterRow(
                            connector=self.name,
                            record=dead.record,
                            reason=dead.reason[:ERROR_MAX],
                            excerpt=dead.excerpt,
                            first_seen=now,
                            last_seen=now,
                        )
                    )
                else:
                    row.reason, row.excerpt, row.last_seen = dead.reason[:ERROR_MAX], dead.excerpt, now
                    row.attempts += 1
            counts.dead += len(batch.dead)
            state = uow.db.get(ConnectorStateRow, self.name)
            assert state is not None
            state.checkpoint = batch.checkpoint
            state.imported += stored
            if batch.upstream_at is not None and (
                state.upstream_at is None or _aware(state.upstream_at) < batch.upstream_at
            ):
                state.upstream_at = batch.upstream_at

    def _apply_links(self, links: list[CustomerLink]) -> None:
        """Matched (not imported) upstream records: a link with no fields, made once."""
        with self.backend.unit_of_work() as uow:
            for link in {(item.source.record, item.customer_id): item for item in links}.values():
                row = uow.db.get(ConnectorLinkRow, (self.name, link.source.record))
                customer = uow.db.get(CustomerRow, link.customer_id)
                if customer is None:
                    continue
                if row is None:
                    uow.db.add(
                        ConnectorLinkRow(
                            connector=self.name,
                            record=link.source.record,
                            customer_id=link.customer_id,
                            fields={},
                            url=link.source.url,
                            seen_version=customer.version,
                        )
                    )
                else:
                    row.customer_id, row.url = link.customer_id, link.source.url

    def _apply_customers(self, imported: list[ImportedCustomer], counts: SyncCounts) -> int:
        changed = 0
        with self.backend.unit_of_work() as uow:
            for item in imported:
                customer, source = item.customer, item.source
                upstream = owned_fields(customer, self.connector.capabilities.reads_fields)
                row = uow.db.get(CustomerRow, customer.id)
                link = uow.db.get(ConnectorLinkRow, (self.name, source.record))
                if row is None:
                    uow.db.add(
                        CustomerRow(
                            id=customer.id,
                            name=customer.name,
                            language=customer.language,
                            data=customer.model_dump(mode="json"),
                        )
                    )
                    uow.db.flush()
                    uow.db.merge(
                        ConnectorLinkRow(
                            connector=self.name,
                            record=source.record,
                            customer_id=customer.id,
                            fields=upstream,
                            url=source.url,
                            seen_version=1,
                        )
                    )
                    changed += 1
                    continue
                base = dict(link.fields) if link else {}
                local = {name: row.data.get(name) for name in upstream}
                merged = dict(local)
                # Only what it owns: a field a link of an older version listed is dropped.
                agreed = {name: value for name, value in base.items() if name in upstream}
                for name, theirs in upstream.items():
                    before, yours = base.get(name), local.get(name)
                    if theirs in (before, yours):
                        agreed[name] = theirs
                        continue  # upstream unchanged (a local edit waits for write-back), or both agree
                    if yours == before or name not in EDITABLE_CUSTOMER_FIELDS:
                        merged[name] = agreed[name] = theirs  # only upstream changed: take it
                        continue
                    self.writes.conflict(uow, source.record, customer.id, name, before, theirs, yours)
                    counts.conflicts += 1
                if link is None:
                    link = ConnectorLinkRow(
                        connector=self.name,
                        record=source.record,
                        customer_id=customer.id,
                        fields={},
                        url=source.url,
                        seen_version=row.version,
                    )
                    uow.db.add(link)
                link.fields, link.url = agreed, source.url
                if merged != local:
                    row.name, row.language = str(merged["name"]), str(merged["language"])
                    row.data = {**row.data, **merged}
                    row.version += 1
                    uow.db.flush()
                    payload = _customer(row).model_dump(mode="json")
                    for agent_id in self.backend._agents_holding(uow.db, row.id):
                        uow.append(agent_id, "customer.updated", payload)
                    uow.append(AUDIENCE_TEAMLEADS, "customer.updated", payload)
                    changed += 1
                link.seen_version = row.version
        return changed

    # --- writing back (writeback.py) -------------------------------------------------------------

    async def write_back(self, counts: SyncCounts | None = None) -> SyncCounts:
        return await self.writes.write_fields(counts or SyncCounts())

    async def write_wrapups(self, counts: SyncCounts | None = None) -> SyncCounts:
        return await self.writes.write_wrapups(counts or SyncCounts())

    def resolve(self, record: str, field: str, keep: str) -> None:
        self.writes.resolve(record, field, keep)

    # --- status ----------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return connector_status(self.backend.engine, self.name) | {
            "running": self.running,
            "system": self.connector.system,
            "capabilities": self.connector.capabilities.as_dict(),
        }


def connector_status(engine: Any, name: str) -> dict[str, Any]:
    """Read from the database alone, so `connectors status` works without the running backend."""
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        state = db.get(ConnectorStateRow, name)
        dead = db.scalar(
            select(func.count()).select_from(DeadLetterRow).where(DeadLetterRow.connector == name)
        )
        conflicts = db.scalar(
            select(func.count())
            .select_from(ConnectorConflictRow)
            .where(ConnectorConflictRow.connector == name)
        )
        linked = db.scalar(
            select(func.count()).select_from(ConnectorLinkRow).where(ConnectorLinkRow.connector == name)
        )
    now = datetime.now(UTC)
    last_sync = _aware(state.last_sync_at) if state and state.last_sync_at else None
    last_error_at = _aware(state.last_error_at) if state and state.last_error_at else None
    down = last_error_at is not None and (last_sync is None or last_error_at > last_sync)
    return {
        "name": name,
        "state": "down" if down else ("up" if last_sync else "starting"),
        "last_sync_at": last_sync.isoformat() if last_sync else None,
        "lag_s": round((now - last_sync).total_seconds(), 1) if last_sync else None,
        "newest_upstream_change": _aware(state.upstream_at).isoformat()
        if state and state.upstream_at
        else None,
        "records_imported": state.imported if state else 0,
        "customers_linked": linked or 0,
        "dead_letters": dead or 0,
        "conflicts": conflicts or 0,
        "last_error": state.last_error if state and down else None,
        "last_error_at": last_error_at.isoformat() if last_error_at else None,
    }


def dead_letters(engine: Any, name: str, limit: int = 100) -> list[dict[str, Any]]:
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        rows = db.scalars(
            select(DeadLetterRow)
            .where(DeadLetterRow.connector == name)
            .order_by(DeadLetterRow.last_seen.desc())
            .limit(limit)
        )
        return [
            {
                "record": r.record,
                "reason": r.reason,
                "excerpt": r.excerpt,
                "attempts": r.attempts,
                "first_seen": _aware(r.first_seen).isoformat(),
                "last_seen": _aware(r.last_seen).isoformat(),
            }
            for r in rows
        ]


def owned_fields(customer: Customer, reads: tuple[str, ...]) -> dict[str, Any]:
    """The customer fields a connector owns: identity, and the fields it reads (not every field
    the desk may edit: a field the upstream does not have stays the desk's own)."""
    return {
        "name": customer.name,
        "language": customer.language,
        **{f: getattr(customer, f) for f in EDITABLE_CUSTOMER_FIELDS if f in reads},
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
