"""Request Tracker 5 (ticket system) connector: tickets and their e-mails → complaints and contacts
in the history of the customer whose e-mail is the ticket's requestor; a wrap-up in the desk → a
comment on the customer's open ticket on that topic, or a new ticket when the wrap-up code says so.

RT does not own customers here (the CRM or the desk does): a ticket is matched to the customer by
its requestor's e-mail, and a ticket whose requestor matches nobody is a dead letter until the
customer exists (dead letters are read again on every pass).

Changes are read by `LastUpdated` with a (LastUpdated, id) cursor; timestamps are RT's own and only
compared with RT's own, so clock skew between the backend and RT cannot skip or repeat tickets. A
changed ticket's history (its transactions, each with its own id and `Created` time) is read whole
and mapped to events whose ids name the transaction, so a ticket read twice yields the same ids.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx

from workstation.domain.models import TimelineEvent
from workstation.server.connectors.base import (
    Batch,
    Capabilities,
    CustomerLink,
    DeadLetter,
    FieldWrite,
    Source,
    WrapUp,
    WriteOutcome,
)
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.connectors.rt_rest import NotFound, RTRest, auth_header
from workstation.server.connectors.tryton_rpc import UpstreamError

log = logging.getLogger(__name__)

SYSTEM = "rt"
#: REST2 serves at most 100 records a page.
PER_PAGE_MAX = 100
SUBJECT_MAX = 200
EXCERPT_MAX = 300
HISTORY_MAX = 2_000
#: Tickets read at once (each: the ticket and its history).
READ_CONCURRENCY = 4
_EMAIL = re.compile(r"^[^@\s'\"\\]+@[^@\s'\"\\]+\.[^@\s'\"\\]+$")
#: RT's default lifecycle; a custom lifecycle's statuses map through the `statuses` option.
_OPEN = ("new", "open", "stalled")
_RESOLVED = ("resolved", "rejected")
#: Wrap-up codes that open a ticket when the customer has none open on the topic.
DEFAULT_OPEN_CODES = ("escalated", "follow_up")
#: Priority (0..100 in RT's default range) at or above which a ticket's severity is high / medium.
DEFAULT_SEVERITY = {"high": 70, "medium": 30}
#: Oldest and newest believable timestamps (RT writes 1970-01-01 for "not set").
_EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
_AHEAD = dt.timedelta(days=366)
FIELDS = "Subject,Status,LastUpdated,Created,Priority,Requestor,Queue,CustomFields"

#: emails → {email (lower case): [customer ids with that e-mail]}.
CustomerLookup = Callable[[list[str]], dict[str, list[str]]]


class MappingError(ValueError):
    """A ticket that cannot become history events; the message is the dead letter's reason."""


class RTConnector:
    """One RT instance. Options: auth ("token", the default, or "basic" with `login`), web_url (RT's
    web UI, for links; default: url), queues (only these), topic_field (a ticket custom field
    naming the topic), topics (queue name → topic), new_ticket_queue, open_codes (wrap-up codes
    that open a ticket), severity ({high = 70, medium = 30}: priority thresholds)."""

    capabilities = Capabilities(
        reads_customers=False,
        reads_events=("complaint", "contact"),
        writes_wrapup=True,
        wrapup_by_email=True,
    )
    system = SYSTEM

    def __init__(
        self,
        config: ConnectorConfig,
        secret: str,
        customers: CustomerLookup,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        options = config.options
        authorization = auth_header(str(options.get("auth", "token")), secret, str(options.get("login", "")))
        self._http = httpx.AsyncClient(base_url=config.url, timeout=config.timeout_s, transport=transport)
        self.rest = RTRest(self._http, authorization)
        self.customers = customers
        self.web_url = str(options.get("web_url") or config.url).rstrip("/")
        self.queues = [str(q) for q in options.get("queues", [])]
        self.topic_field = str(options["topic_field"]) if options.get("topic_field") else None
        self.topics = {str(k): _slug(str(v)) for k, v in dict(options.get("topics", {})).items()}
        self.new_ticket_queue = str(options.get("new_ticket_queue", "General"))
        self.open_codes = tuple(str(c) for c in options.get("open_codes", DEFAULT_OPEN_CODES))
        severity = {**DEFAULT_SEVERITY, **dict(options.get("severity", {}))}
        self.high, self.medium = int(severity["high"]), int(severity["medium"])
        self.per_page = min(config.page_size, PER_PAGE_MAX)
        for queue in [*self.queues, self.new_ticket_queue]:
            if "'" in queue or "\\" in queue:
                raise ValueError(f"[connectors.{config.name}]: queue name {queue!r} has a quote")
        self._queue_names: dict[str, str] = {}

    async def close(self) -> None:
        await self._http.aclose()

    # --- reading ---------------------------------------------------------------------------------

    async def pull(self, checkpoint: dict[str, Any]) -> Batch:
        """The next tickets changed after the cursor, each with its history, in (LastUpdated, id)
        order. RT compares dates to the second and `=` on a date means a whole day, so the query
        asks for `>=` the cursor's second and the ones at or before the cursor are dropped here."""
        cursor = checkpoint.get("cursor")
        query = "id > 0"
        if cursor:
            query = f"LastUpdated >= '{_sql_time(cursor[0])}'"
        if self.queues:
            query += " AND (" + " OR ".join(f"Queue = '{q}'" for q in self.queues) + ")"
        page = 1
        while True:
            items, pages = await self.rest.search(
                query, "LastUpdated", page=page, per_page=self.per_page, orderby=("LastUpdated", "id")
            )
            try:
                keyed = [(_stamp(i.get("LastUpdated")), _ticket_id(i)) for i in items]
            except MappingError as exc:  # the search answer itself is garbage: retry later
                raise UpstreamError(f"GET /tickets: {exc}") from exc
            fresh = [k for k in keyed if not cursor or (k[0].isoformat(), k[1]) > (cursor[0], cursor[1])]
            if fresh or page >= pages or not items:
                break
            page += 1  # a full page of tickets all at the cursor's second: look further
        if not fresh:
            return Batch(checkpoint={"cursor": cursor} if cursor else {}, more=False)
        batch = await self._read([tid for _, tid in fresh])
        last = fresh[-1]
        batch.checkpoint = {"cursor": [last[0].isoformat(), last[1]]}
        batch.upstream_at = max(stamp for stamp, _ in fresh)
        batch.more = len(items) >= self.per_page or page < pages
        return batch

    async def refetch(self, records: list[str]) -> Batch:
        """Dead letters read again: a requestor who became a customer, a ticket fixed in RT."""
        ids = [int(r.partition("/")[2]) for r in records if r.startswith("ticket/") and r[7:].isdigit()]
        return await self._read(ids)

    async def _read(self, ticket_ids: list[int]) -> Batch:
        batch = Batch()
        # RT serves requests from a few workers: reading several tickets at once keeps them busy
        # (the order of the results, and so of the events, stays the order of `ticket_ids`).
        gate = asyncio.Semaphore(READ_CONCURRENCY)

        async def one(tid: int) -> tuple[int, dict[str, Any] | None, list[dict[str, Any]]]:
            async with gate:
                try:
                    ticket = await self.rest.get(f"/ticket/{tid}")
                    history = await self._history(tid)
                except NotFound:
                    return tid, None, []  # deleted and purged meanwhile
            return tid, ticket if isinstance(ticket, dict) else {"_garbage": ticket}, history

        try:
            async with asyncio.TaskGroup() as group:  # one failure cancels the other reads
                reads = [group.create_task(one(tid)) for tid in ticket_ids]
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None  # the UpstreamError the runner retries on
        tickets = [read.result() for read in reads]
        emails = sorted({e for _, t, _ in tickets if t for e in _requestors(t)})
        # A database read: on a worker thread, not on the loop the other connectors and streams share.
        matches = await asyncio.to_thread(self.customers, emails) if emails else {}
        for tid, ticket, history in tickets:
            record = f"ticket/{tid}"
            if ticket is None or ticket.get("Status") == "deleted":
                log.info("connector %s: %s is deleted in RT; its history stays as it was", self.name, record)
                batch.mapped.append(record)
                continue
            try:
                customer_id, email = self._customer_of(ticket, matches)
                queue = await self._queue_name(ticket.get("Queue"))
                batch.events.extend(self.map_ticket(ticket, history, customer_id, queue))
                batch.links.append(
                    CustomerLink(customer_id, Source(SYSTEM, f"user:{email}", self.user_link(email)))
                )
                batch.mapped.append(record)
            except MappingError as exc:
                batch.dead.append(DeadLetter(record, str(exc), _excerpt(ticket)))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                batch.dead.append(
                    DeadLetter(record, f"malformed: {type(exc).__name__}: {exc}", _excerpt(ticket))
                )
        return batch

    async def _history(self, tid: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while len(rows) < HISTORY_MAX:
            answer = await self.rest.get(
                f"/ticket/{tid}/history",
                {
                    "fields": "Type,Created,Creator,Field,OldValue,NewValue",
                    "page": str(page),
                    "per_page": "100",
                },
            )
            items = answer.get("items") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise UpstreamError(f"ticket {tid} history: not a list: {str(answer)[:100]!r}")
            rows += [i for i in items if isinstance(i, dict)]
            pages = answer.get("pages")
            if not isinstance(pages, int | float) or page >= pages:
                break
            page += 1
        return rows

    async def _queue_name(self, queue: Any) -> str:
        qid = str(queue.get("id")) if isinstance(queue, dict) else str(queue)
        if qid not in self._queue_names:
            try:
                answer = await self.rest.get(f"/queue/{qid}")
                self._queue_names[qid] = str(answer.get("Name") or qid) if isinstance(answer, dict) else qid
            except NotFound:
                self._queue_names[qid] = qid
        return self._queue_names[qid]

    def _customer_of(self, ticket: dict[str, Any], matches: dict[str, list[str]]) -> tuple[str, str]:
        emails = _requestors(ticket)
        if not emails:
            raise MappingError("the ticket has no requestor with an e-mail address")
        for email in emails:
            found = matches.get(email, [])
            if len(found) == 1:
                return found[0], email
            if len(found) > 1:
                raise MappingError(f"requestor {email} matches {len(found)} customers")
        raise MappingError(f"no customer with the requestor's e-mail {emails[0][:80]}")

    # --- mapping (pure) --------------------------------------------------------------------------

    def ticket_link(self, tid: int) -> str:
        return f"{self.web_url}/Ticket/Display.html?id={tid}"

    def user_link(self, email: str) -> str:
        return f"{self.web_url}/User/Summary.html?id={email}"

    def topic(self, ticket: dict[str, Any], queue: str) -> str:
        """The configured custom field's value, else the queue's topic, else the queue's name."""
        if self.topic_field:
            for cf in ticket.get("CustomFields") or []:
                if isinstance(cf, dict) and cf.get("name") == self.topic_field and cf.get("values"):
                    return _slug(str(cf["values"][0])) or "general"
        return self.topics.get(queue) or _slug(queue) or "general"

    def severity(self, priority: Any) -> str:
        try:
            value = int(str(priority or 0))
        except ValueError as exc:
            raise MappingError(f"priority {str(priority)[:20]!r} is not a number") from exc
        return "high" if value >= self.high else "medium" if value >= self.medium else "low"

    def map_ticket(
        self, ticket: dict[str, Any], history: list[dict[str, Any]], customer_id: str, queue: str
    ) -> list[TimelineEvent]:
        tid = int(ticket["id"])
        status = _status(ticket.get("Status"))
        topic = self.topic(ticket, queue)
        severity = self.severity(ticket.get("Priority"))
        subject = " ".join(str(ticket.get("Subject") or "").split())[:SUBJECT_MAX] or "(no subject)"
        requestors = set(_requestors(ticket))
        source = Source(SYSTEM, f"ticket/{tid}", self.ticket_link(tid)).as_data()
        common = {"topic": topic, "ticket_id": str(tid), **source}
        events = []
        created = _stamp(ticket.get("Created"))
        events.append(
            TimelineEvent(
                id=f"{self.name}-ticket-{tid}-open",
                customer_id=customer_id,
                at=created,
                channel="email",
                kind="complaint",
                summary=f"Ticket #{tid} ({queue}) opened: {subject}"[:500],
                data={**common, "severity": severity, "status": "open"},
            )
        )
        was = "open"
        for txn in history:
            kind, txn_id = txn.get("Type"), str(txn.get("id", ""))
            if not txn_id.isdigit():
                raise MappingError("a history entry without an id")
            at = _stamp(txn.get("Created"))
            if kind == "Status" and txn.get("Field", "Status") == "Status":
                now = _status(txn.get("NewValue"))
                if now in ("open", "resolved") and now != was:
                    events.append(
                        TimelineEvent(
                            id=f"{self.name}-ticket-{tid}-txn-{txn_id}",
                            customer_id=customer_id,
                            at=at,
                            channel="email",
                            kind="complaint",
                            summary=f"Ticket #{tid} ({queue}) {'reopened' if now == 'open' else now}: "
                            f"{subject}"[:500],
                            data={**common, "severity": severity, "status": now},
                        )
                    )
                    was = now
            elif kind in ("Correspond", "Create"):
                creator = txn.get("Creator")
                who = str(creator.get("id") if isinstance(creator, dict) else creator or "").lower()
                inbound = who in requestors
                if kind == "Create" and not inbound:
                    continue  # opened by staff: the complaint event above says so
                direction = "from the customer" if inbound else "from support"
                events.append(
                    TimelineEvent(
                        id=f"{self.name}-ticket-{tid}-txn-{txn_id}",
                        customer_id=customer_id,
                        at=at,
                        channel="email",
                        kind="contact",
                        summary=f"E-mail {direction} on ticket #{tid}: {subject}"[:500],
                        # Each e-mail of a ticket is its own contact: named by its transaction like
                        # the desk's own conversations, so two e-mails minutes apart stay two.
                        data={
                            **common,
                            "outcome": "resolved" if status == "resolved" else "unresolved",
                            "sentiment": 0.0,
                            "direction": "inbound" if inbound else "outbound",
                            "conversation_id": f"{self.name}:ticket/{tid}/txn/{txn_id}",
                        },
                    )
                )
        return events

    # --- writing back ----------------------------------------------------------------------------

    async def write_fields(self, record: str, writes: list[FieldWrite]) -> WriteOutcome:
        raise UpstreamError("RT owns no customer fields", retryable=False)

    async def write_wrapup(self, wrapup: WrapUp) -> str:
        """A comment on the customer's newest open ticket on the wrap-up's topic; else a new ticket
        if the wrap-up code is one of `open_codes`; else nothing (returns ""). The conversation id
        travels in the text, and a text with it already in RT is found instead of written twice."""
        email = wrapup.record.removeprefix("user:").lower()
        if not _EMAIL.match(email):
            raise UpstreamError(f"cannot write to {wrapup.record[:80]!r}: not an e-mail", retryable=False)
        marker = f"[workstation conversation {wrapup.key}]"
        found = await self._written(marker)
        if found:
            return found
        text = (
            f"{wrapup.channel.capitalize()} {wrapup.closed_at:%Y-%m-%d %H:%M} UTC about "
            f"{wrapup.topic.replace('_', ' ')}: {wrapup.outcome.replace('_', ' ')} "
            f"(wrap-up {wrapup.wrapup_code}, agent {wrapup.agent}) {marker}"
        )
        ticket = await self._open_ticket(email, wrapup.topic)
        if ticket is not None:
            await self.rest.post(f"/ticket/{ticket}/comment", {"Content": text, "ContentType": "text/plain"})
            return f"ticket/{ticket}"
        if wrapup.wrapup_code not in self.open_codes:
            return ""
        body: dict[str, Any] = {
            "Queue": self.new_ticket_queue,
            "Requestor": email,
            "Subject": f"{wrapup.topic.replace('_', ' ').capitalize()}: {wrapup.outcome.replace('_', ' ')}",
            "Content": text,
            "ContentType": "text/plain",
        }
        if self.topic_field:
            body["CustomFields"] = {self.topic_field: wrapup.topic}
        created = await self.rest.post("/ticket", body)
        if not isinstance(created, dict) or not str(created.get("id", "")).isdigit():
            raise UpstreamError(f"ticket create answered {str(created)[:100]!r}")
        return f"ticket/{created['id']}"

    async def _written(self, marker: str) -> str | None:
        """The ticket that already holds `marker` (a write finished before a crash), if any."""
        answer = await self.rest.post(
            "/attachments?fields=TransactionId",
            [{"field": "Content", "operator": "LIKE", "value": marker}],
        )
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise UpstreamError(f"attachment search answered {str(answer)[:100]!r}")
        for item in items:
            txn = item.get("TransactionId") if isinstance(item, dict) else None
            txn_id = txn.get("id") if isinstance(txn, dict) else txn
            if txn_id is None:
                continue
            transaction = await self.rest.get(f"/transaction/{txn_id}")
            obj = transaction.get("Object") if isinstance(transaction, dict) else None
            if isinstance(obj, dict) and obj.get("type") == "ticket":
                return f"ticket/{obj.get('id')}"
        return None

    async def _open_ticket(self, email: str, topic: str) -> int | None:
        query = f"Requestor.EmailAddress = '{email}' AND Status = '__Active__'"
        items, _ = await self.rest.search(
            query, "LastUpdated", page=1, per_page=PER_PAGE_MAX, orderby=("LastUpdated", "id")
        )
        for item in reversed(items):  # newest first
            tid = _ticket_id(item)
            try:
                ticket = await self.rest.get(f"/ticket/{tid}")
            except NotFound:
                continue
            if not isinstance(ticket, dict) or _status(ticket.get("Status")) != "open":
                continue
            if self.topic(ticket, await self._queue_name(ticket.get("Queue"))) == topic:
                return tid
        return None


def backend_lookup(backend: Any) -> CustomerLookup:
    """Customers by e-mail (case-insensitive) from the backend's database."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workstation.server.db import CustomerRow

    def lookup(emails: list[str]) -> dict[str, list[str]]:
        wanted = {e.lower() for e in emails}
        column = func.lower(CustomerRow.data["email"].as_string())
        found: dict[str, list[str]] = {}
        with Session(backend.engine) as db:
            for customer_id, email in db.execute(
                select(CustomerRow.id, column).where(column.in_(wanted)).order_by(CustomerRow.id)
            ):
                found.setdefault(str(email), []).append(customer_id)
        return found

    return lookup


def _requestors(ticket: dict[str, Any]) -> list[str]:
    people = ticket.get("Requestor") or []
    if not isinstance(people, list):
        return []
    emails = []
    for person in people:
        value = person.get("id") if isinstance(person, dict) else person
        text = str(value or "").strip().lower()
        if _EMAIL.match(text) and len(text) <= 200:
            emails.append(text)
    return emails


def _status(value: Any) -> str:
    text = str(value or "")
    if text in _OPEN:
        return "open"
    if text in _RESOLVED:
        return "resolved"
    if text == "deleted":
        return "deleted"
    raise MappingError(f"unknown ticket status {text[:40]!r}")


def _stamp(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise MappingError(f"time {str(value)[:40]!r} is not a timestamp")
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"time {value[:40]!r} is not a timestamp") from exc
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    if not _EARLIEST <= at <= dt.datetime.now(dt.UTC) + _AHEAD:
        raise MappingError(f"time {at.isoformat()} is absurd")
    return at.astimezone(dt.UTC)


def _ticket_id(item: dict[str, Any]) -> int:
    raw = str(item.get("id", ""))
    if not raw.isdigit():
        raise UpstreamError(f"a ticket without an id in the answer: {str(item)[:100]!r}")
    return int(raw)


def _sql_time(iso: str) -> str:
    """A cursor's ISO time as TicketSQL wants it (RT reads it in the RT user's time zone: UTC)."""
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]


def _excerpt(row: Any) -> str:
    return repr(row)[:EXCERPT_MAX]
