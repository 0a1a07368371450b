"""The connector contract: what a connector reads, what it writes back, and the batches it returns.

A connector only talks to its upstream system and maps records; the `ConnectorSync` runner does
the rest (checkpoints, retries, dead letters, storing through the backend's ingest path), so every
connector gets the same guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from workstation.domain.models import Customer, TimelineEvent


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a connector declares it does (shown in `connectors status` and the endpoint)."""

    #: Reads customers from the upstream system.
    reads_customers: bool = False
    #: The history event kinds it produces (the vocabulary of shared/relevance/README.md).
    reads_events: tuple[str, ...] = ()
    #: Customer fields it reads (besides the name and language of a customer it imports): the
    #: fields a link to it owns, kept in step with the upstream record.
    reads_fields: tuple[str, ...] = ()
    #: Customer fields it writes back when an agent edits them in the desk.
    writes_fields: tuple[str, ...] = ()
    #: Adds the wrap-up outcome of a conversation to the upstream record (activity / ticket update).
    writes_wrapup: bool = False
    #: Wrap-ups of every customer with an e-mail go to it (not only of linked customers): a ticket
    #: system opens the first ticket of a customer it has never seen.
    wrapup_by_email: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "reads_customers": self.reads_customers,
            "reads_events": list(self.reads_events),
            "reads_fields": list(self.reads_fields),
            "writes_fields": list(self.writes_fields),
            "writes_wrapup": self.writes_wrapup,
            "wrapup_by_email": self.wrapup_by_email,
        }


@dataclass(frozen=True, slots=True)
class Source:
    """Where a customer or event came from: the system, its record id, and a link to open it."""

    system: str
    record: str
    url: str | None = None

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.system, "source_id": self.record}
        if self.url:
            data["source_url"] = self.url
        return data


@dataclass(frozen=True, slots=True)
class ImportedCustomer:
    """A customer mapped whole from an upstream record; `fields` are the values the desk may edit."""

    customer: Customer
    source: Source


@dataclass(frozen=True, slots=True)
class CustomerLink:
    """An upstream record that belongs to an existing customer (matched, not imported: a ticket
    system's requestor): linked for the customer's sources and wrap-ups, no fields owned."""

    customer_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An upstream record that could not be mapped, and why (plain text, bounded)."""

    record: str
    reason: str
    excerpt: str = ""


@dataclass(slots=True)
class Batch:
    """One page of upstream changes, in upstream order, and the checkpoint after it.

    The runner stores a page and its checkpoint in one transaction; event ids are derived from
    the upstream record and its state, so a page pulled twice is stored once all the same.
    """

    customers: list[ImportedCustomer] = field(default_factory=list)
    links: list[CustomerLink] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    #: Records that mapped fine this time (their old dead letters are cleared).
    mapped: list[str] = field(default_factory=list)
    checkpoint: dict[str, Any] = field(default_factory=dict)
    #: Newest upstream change time in this batch (for the lag figure).
    upstream_at: Any = None
    #: True when the upstream has more right now: the runner pulls again without waiting.
    more: bool = False


@dataclass(frozen=True, slots=True)
class FieldWrite:
    """A contact field the agent changed: the value both sides last agreed on, and the agent's."""

    field: str
    before: str | None
    yours: str | None


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What became of a write-back: written fields, and conflicts (field → upstream's value now)."""

    written: tuple[str, ...] = ()
    conflicts: dict[str, str | None] = field(default_factory=dict)
    #: The upstream record is gone (deleted upstream): nothing can be written.
    missing: bool = False


@dataclass(frozen=True, slots=True)
class WrapUp:
    """A closed conversation's outcome, to add to the customer's upstream record; `key` makes the
    write idempotent (it is stored with the upstream activity)."""

    key: str
    record: str
    channel: str
    topic: str
    wrapup_code: str
    outcome: str
    closed_at: datetime
    agent: str


@runtime_checkable
class Connector(Protocol):
    """A connector to one upstream system. Every method may raise `UpstreamError`."""

    name: str
    system: str
    capabilities: Capabilities

    async def pull(self, checkpoint: dict[str, Any]) -> Batch:
        """The next page of changes after `checkpoint` (empty dict: the initial import)."""
        ...

    async def refetch(self, records: list[str]) -> Batch:
        """`records` read again as they are now (to retry dead letters); its checkpoint is unused."""
        ...

    async def write_fields(self, record: str, writes: list[FieldWrite]) -> WriteOutcome:
        """Write the agent's field edits to `record`, each only if upstream still has `before`."""
        ...

    async def write_wrapup(self, wrapup: WrapUp) -> str:
        """Add the outcome to the upstream record (once per key); returns the upstream record made."""
        ...

    async def close(self) -> None: ...
