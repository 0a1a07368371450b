"""Writing the desk's work back upstream: contact fields (guarded by the value both sides last
agreed on; a change on both sides becomes a conflict, never an overwrite) and wrap-ups."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from workstation.domain.models import utcnow
from workstation.server.backend import AUDIENCE_TEAMLEADS, WRAPUP_OUTCOMES, Backend, _customer
from workstation.server.connectors.base import Connector, FieldWrite, WrapUp, WriteOutcome
from workstation.server.db import (
    AgentRow,
    ConnectorConflictRow,
    ConnectorLinkRow,
    ConnectorWriteRow,
    ConversationRow,
    CustomerRow,
)

if TYPE_CHECKING:
    from workstation.server.connectors.sync import SyncCounts

log = logging.getLogger(__name__)

#: Wrap-ups written back per pass, and how far back closed conversations are looked for (a link
#: made today does not send a customer's old conversations upstream).
WRAPUP_BATCH = 200
WRAPUP_LOOKBACK = timedelta(days=2)


class WriteBack:
    """One connector's write-back; conflicts are kept in `connector_conflicts` until decided."""

    def __init__(self, backend: Backend, connector: Connector) -> None:
        self.backend = backend
        self.connector = connector
        self.name = connector.name

    def conflict(
        self, uow: Any, record: str, customer_id: str, field: str, before: Any, theirs: Any, yours: Any
    ) -> None:
        log.warning(
            "connector %s: %s.%s changed in the desk and upstream: kept both, asking",
            self.name,
            record,
            field,
        )
        uow.db.merge(
            ConnectorConflictRow(
                connector=self.name,
                record=record,
                field=field,
                customer_id=customer_id,
                before=before,
                theirs=theirs,
                yours=yours,
                at=utcnow(),
            )
        )
        payload = {
            "connector": self.name,
            "customer_id": customer_id,
            "record": record,  # what the desk's decision names (POST .../conflicts/resolve)
            "field": field,
            "before": before,
            "theirs": theirs,
            "yours": yours,
        }
        for agent_id in self.backend._agents_holding(uow.db, customer_id):
            uow.append(agent_id, "connector.conflict", payload)
        uow.append(AUDIENCE_TEAMLEADS, "connector.conflict", payload)

    # --- writing back ----------------------------------------------------------------------------

    async def write_fields(self, counts: SyncCounts) -> SyncCounts:
        """Send the desk's contact edits to the upstream record, each guarded by the value both
        sides last agreed on; an upstream that changed meanwhile makes a conflict, not a write."""
        writable = set(self.connector.capabilities.writes_fields)
        if not writable:
            return counts
        work = await self.backend.writer.run(lambda: self._field_work(writable))
        for record, customer_id, version, writes in work:
            outcome = await self.connector.write_fields(record, writes) if writes else None
            # Stored on the writer thread, as one step per record (writer_thread.py).
            await self.backend.writer.run(
                partial(self._fields_written, record, customer_id, version, writes, outcome, counts)
            )
        return counts

    def _field_work(self, writable: set[str]) -> list[tuple[str, str, int, list[FieldWrite]]]:
        """The linked customers edited in the desk since the last pass, with the fields to send."""
        with self.backend.unit_of_work() as uow:
            pending = uow.db.execute(
                select(ConnectorLinkRow, CustomerRow)
                .join(CustomerRow, CustomerRow.id == ConnectorLinkRow.customer_id)
                .where(
                    ConnectorLinkRow.connector == self.name,
                    CustomerRow.version != ConnectorLinkRow.seen_version,
                )
            ).all()
            open_conflicts = {
                (r[0], r[1])
                for r in uow.db.execute(
                    select(ConnectorConflictRow.record, ConnectorConflictRow.field).where(
                        ConnectorConflictRow.connector == self.name
                    )
                )
            }
            work = []
            for link, row in pending:
                writes = [
                    FieldWrite(name, link.fields.get(name), row.data.get(name))
                    for name in sorted(writable)
                    if row.data.get(name) != link.fields.get(name)
                    and (link.record, name) not in open_conflicts
                ]
                work.append((link.record, row.id, row.version, writes))
        return work

    def _fields_written(
        self,
        record: str,
        customer_id: str,
        version: int,
        writes: list[FieldWrite],
        outcome: WriteOutcome | None,
        counts: SyncCounts,
    ) -> None:
        with self.backend.unit_of_work() as uow:
            current = uow.db.get(ConnectorLinkRow, (self.name, record))
            assert current is not None
            link = current
            if outcome is not None and outcome.missing:
                for w in writes:
                    self.conflict(uow, record, customer_id, w.field, w.before, None, w.yours)
                    counts.conflicts += 1
            elif outcome is not None:
                fields = dict(link.fields)
                for w in writes:
                    if w.field in outcome.written:
                        fields[w.field] = w.yours
                    elif w.field in outcome.conflicts:
                        self.conflict(
                            uow,
                            record,
                            customer_id,
                            w.field,
                            w.before,
                            outcome.conflicts[w.field],
                            w.yours,
                        )
                        counts.conflicts += 1
                link.fields = fields
                counts.written += len(outcome.written)
            link.seen_version = version

    async def write_wrapups(self, counts: SyncCounts) -> SyncCounts:
        """Add the outcome of each closed conversation of a linked customer to its upstream record.

        Read from the conversations themselves (not from a hook at closing time), so a backend
        that stopped before a write finds it still to do; the conversation id is the key."""
        if not self.connector.capabilities.writes_wrapup:
            return counts
        todo = await self.backend.writer.run(self._wrapup_work)
        for wrapup in todo:
            upstream = await self.connector.write_wrapup(wrapup)
            await self.backend.writer.run(partial(self._wrapup_written, wrapup, upstream))
            counts.written += 1
        return counts

    def _wrapup_work(self) -> list[WrapUp]:
        """The closed conversations still to write upstream (customers with nothing to match are
        marked done here: a write, so this runs on the writer thread)."""
        since = utcnow() - WRAPUP_LOOKBACK
        with self.backend.unit_of_work() as uow:
            done = select(ConnectorWriteRow.key).where(ConnectorWriteRow.connector == self.name)
            if self.connector.capabilities.wrapup_by_email:
                rows = self._by_email(uow, since, done)
            else:
                rows = list(
                    uow.db.execute(
                        select(ConversationRow, ConnectorLinkRow.record, AgentRow.username)
                        .join(ConnectorLinkRow, ConnectorLinkRow.customer_id == ConversationRow.customer_id)
                        .outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
                        .where(
                            ConnectorLinkRow.connector == self.name,
                            ConversationRow.state == "closed",
                            ConversationRow.closed_at >= since,
                            ConversationRow.id.not_in(done),
                        )
                        .order_by(ConversationRow.closed_at)
                        .limit(WRAPUP_BATCH)
                    )  # rows unpack as tuples (Result.tuples() is deprecated in SQLAlchemy 2.1)
                )
            todo = [
                WrapUp(
                    key=conv.id,
                    record=record,
                    channel=conv.channel,
                    topic=conv.topic or "general",
                    wrapup_code=conv.wrapup_code or "",
                    outcome=WRAPUP_OUTCOMES.get(conv.wrapup_code or "", "unresolved"),
                    closed_at=_aware(conv.closed_at or utcnow()),
                    agent=username or "",
                )
                for conv, record, username in rows
            ]
        return todo

    def _wrapup_written(self, wrapup: WrapUp, upstream: str) -> None:
        with self.backend.unit_of_work() as uow:
            customer_id = uow.db.get(ConversationRow, wrapup.key)
            uow.db.merge(
                ConnectorWriteRow(
                    connector=self.name,
                    key=wrapup.key,
                    upstream=upstream,
                    customer_id=customer_id.customer_id if customer_id else "",
                    done_at=utcnow(),
                )
            )

    def _by_email(self, uow: Any, since: datetime, done: Any) -> list[tuple[Any, str, str | None]]:
        """Closed conversations of customers with an e-mail, as (conversation, "user:<e-mail>",
        agent); a customer without one has nothing to match upstream: marked done, not retried."""
        rows = uow.db.execute(
            select(ConversationRow, CustomerRow.data, AgentRow.username)
            .join(CustomerRow, CustomerRow.id == ConversationRow.customer_id)
            .outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
            .where(
                ConversationRow.state == "closed",
                ConversationRow.closed_at >= since,
                ConversationRow.id.not_in(done),
            )
            .order_by(ConversationRow.closed_at)
            .limit(WRAPUP_BATCH)
        ).all()
        todo = []
        for conv, data, username in rows:
            email = str((data or {}).get("email") or "").strip().lower()
            if email:
                todo.append((conv, f"user:{email}", username))
                continue
            uow.db.merge(
                ConnectorWriteRow(
                    connector=self.name,
                    key=conv.id,
                    upstream="",
                    customer_id=conv.customer_id,
                    done_at=utcnow(),
                )
            )
        return todo

    def resolve(self, record: str, field: str, keep: str) -> None:
        """A person decided a conflict: `theirs` takes the upstream value into the desk, `yours`
        writes the desk's value upstream on the next pass (the upstream value becomes the base)."""
        with self.backend.unit_of_work() as uow:
            conflict = uow.db.get(ConnectorConflictRow, (self.name, record, field))
            link = uow.db.get(ConnectorLinkRow, (self.name, record))
            if conflict is None or link is None:
                raise KeyError(f"no conflict on {record} {field}")
            link.fields = {**link.fields, field: conflict.theirs}
            row = uow.db.get(CustomerRow, conflict.customer_id)
            if row is not None and keep == "theirs":
                row.data = {**row.data, field: conflict.theirs}
                row.version += 1
                link.seen_version = row.version
                uow.db.flush()
                payload = _customer(row).model_dump(mode="json")
                for agent_id in self.backend._agents_holding(uow.db, row.id):
                    uow.append(agent_id, "customer.updated", payload)
            elif row is not None:
                link.seen_version = row.version - 1  # makes the next write-back pass look at it
            uow.db.delete(conflict)


def open_conflicts(
    engine: Any,
    name: str,
    *,
    customer_id: str | None = None,
    limit: int = 100,
    after: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """A connector's undecided conflicts, of one customer or of all, at most `limit` in the order
    of (record, field); the next page starts after the last row's (record, field). Read from the
    database alone, so the `connectors conflicts` command works without the running backend."""
    from sqlalchemy import tuple_
    from sqlalchemy.orm import Session

    query = select(ConnectorConflictRow).where(ConnectorConflictRow.connector == name)
    if customer_id is not None:
        query = query.where(ConnectorConflictRow.customer_id == customer_id)
    if after is not None:
        query = query.where(tuple_(ConnectorConflictRow.record, ConnectorConflictRow.field) > after)
    query = query.order_by(ConnectorConflictRow.record, ConnectorConflictRow.field).limit(limit)
    with Session(engine) as db:
        return [
            {
                "customer_id": r.customer_id,
                "record": r.record,
                "field": r.field,
                "before": r.before,
                "theirs": r.theirs,
                "yours": r.yours,
                "at": _aware(r.at).isoformat(),
            }
            for r in db.scalars(query)
        ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
