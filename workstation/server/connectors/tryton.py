"""Tryton (CRM/ERP) connector: parties → customers; sales, shipments, invoices and complaints →
history events in the relevance vocabulary; contact details edited in the desk → the party.

Changes are read in two streams per model, each ordered by (timestamp, id) with a tuple cursor:
new records by `create_date`, changed records by `write_date`. Timestamps are Tryton's own, and
only compared with Tryton's own, so a clock skew between the backend and Tryton cannot skip or
repeat records. Each record maps to events with ids derived from the record and its state, so a
record read twice (a page pulled again after a restart) yields the same ids: stored once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from workstation.domain.models import Customer, TimelineEvent
from workstation.server.connectors.base import (
    Batch,
    Capabilities,
    DeadLetter,
    FieldWrite,
    ImportedCustomer,
    Source,
    WrapUp,
    WriteOutcome,
)
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.connectors.tryton_rpc import TrytonRPC, UpstreamError

log = logging.getLogger(__name__)

SYSTEM = "tryton"
NAME_MAX = 200
FIELD_MAX = 200
EXCERPT_MAX = 300
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()/.-]{3,40}$")
#: Languages the desk knows; a party in another language is imported with English.
_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl")
#: Tryton's complaint states → the complaint's status in the history.
_COMPLAINT_OPEN = {"draft": "open", "waiting": "open", "approved": "open"}
_COMPLAINT_CLOSED = {"done": "resolved", "rejected": "resolved", "cancelled": "resolved"}

PARTY_FIELDS = ["name", "lang.code", "email", "phone", "active", "create_date", "write_date"]
# (model, fields, the party field) in the order they are pulled: parties first, so every event's
# customer exists before the event; the records' parties are read with each page as well.
MODELS: tuple[tuple[str, list[str], str | None], ...] = (
    ("party.party", PARTY_FIELDS, None),
    (
        "sale.sale",
        ["number", "state", "sale_date", "total_amount", "currency.code", "lines", "party"],
        "party",
    ),
    ("stock.shipment.out", ["number", "state", "planned_date", "effective_date", "customer"], "customer"),
    (
        "account.invoice",
        [
            "number",
            "type",
            "state",
            "invoice_date",
            "payment_term_date",
            "total_amount",
            "amount_to_pay",
            "party",
        ],
        "party",
    ),
    (
        "sale.complaint",
        ["number", "state", "date", "description", "type.name", "origin.rec_name", "origin", "customer"],
        "customer",
    ),
)
EVENT_KINDS = (
    "order_placed",
    "order_cancelled",
    "order_shipped",
    "delivered",
    "delivery_delayed",
    "invoice_overdue",
    "invoice_paid",
    "complaint",
)


class MappingError(ValueError):
    """A record that cannot become a customer or an event; the message is the dead letter's reason."""


class TrytonConnector:
    """One Tryton database. Options: database, login, web_url (the Tryton web client, for links),
    severity (complaint type name → low/medium/high), overdue_grace_days."""

    # A party has no company field (PARTY_FIELDS): the desk's company is the desk's alone.
    capabilities = Capabilities(
        reads_customers=True,
        reads_events=EVENT_KINDS,
        reads_fields=("email", "phone"),
        writes_fields=("email", "phone"),
        writes_wrapup=True,
    )
    system = SYSTEM

    def __init__(
        self,
        config: ConnectorConfig,
        password: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.name = config.name
        self.config = config
        options = config.options
        self.database = str(options.get("database", ""))
        if not self.database:
            raise ValueError(f"[connectors.{config.name}]: 'database' is required for Tryton")
        self._http = httpx.AsyncClient(base_url=config.url, timeout=config.timeout_s, transport=transport)
        self.rpc = TrytonRPC(self._http, self.database, str(options.get("login", "admin")), password)
        self.web_url = str(options["web_url"]).rstrip("/") if options.get("web_url") else None
        self.severity: dict[str, str] = {str(k): str(v) for k, v in dict(options.get("severity", {})).items()}
        self._own_parties: set[int] | None = None
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())

    async def close(self) -> None:
        await self._http.aclose()

    # --- reading ---------------------------------------------------------------------------------

    async def refetch(self, records: list[str]) -> Batch:
        """Read `records` ("model,id") again as they are now: dead letters get another chance once
        someone fixed them upstream (their own cursor has moved on long ago)."""
        batch = Batch(checkpoint={}, more=False)
        wanted: dict[str, list[int]] = {}
        for record in records:
            model, _, raw = record.partition(",")
            if raw.isdigit():
                wanted.setdefault(model, []).append(int(raw))
        for model, fields, party_field in MODELS:
            ids = wanted.get(model)
            if not ids:
                continue
            rows = await self.rpc.search_read(
                model, [("id", "in", ids)], [*fields, "create_date", "write_date"]
            )
            await self._map_page(
                batch, model, [r for r in rows if isinstance(r, dict) and "id" in r], party_field
            )
        return batch

    async def _company_parties(self) -> set[int]:
        # The company's own party (the shop itself) is no customer.
        if self._own_parties is None:
            try:
                rows = await self.rpc.search_read("company.company", [], ["party"])
            except UpstreamError:
                rows = []
            self._own_parties = {int(r["party"]) for r in rows if isinstance(r.get("party"), int)}
        return self._own_parties

    async def pull(self, checkpoint: dict[str, Any]) -> Batch:
        cursors: dict[str, Any] = {k: list(v) for k, v in checkpoint.get("cursors", {}).items()}
        for model, fields, party_field in MODELS:
            for stamp in ("create_date", "write_date"):
                key = f"{model}:{stamp}"
                rows = await self._page(model, fields, stamp, cursors.get(key))
                if not rows:
                    continue
                last = rows[-1]
                cursors[key] = [_iso(last.get(stamp)), int(last["id"])]
                batch = Batch(checkpoint={"cursors": cursors}, more=True)
                await self._map_page(batch, model, rows, party_field)
                stamps = [s for r in rows if isinstance(s := r.get(stamp), dt.datetime)]
                batch.upstream_at = max(stamps) if stamps else None
                return batch
        return Batch(checkpoint={"cursors": cursors}, more=False)

    async def _page(
        self, model: str, fields: list[str], stamp: str, cursor: list[Any] | None
    ) -> list[dict[str, Any]]:
        domain: list[Any] = [(stamp, "!=", None)]
        if cursor:
            at = dt.datetime.fromisoformat(cursor[0])
            domain = ["OR", [(stamp, ">", at)], [(stamp, "=", at), ("id", ">", cursor[1])]]
        if model == "account.invoice":
            domain = [domain, ("type", "=", "out")]
        rows = await self.rpc.search_read(
            model,
            domain,
            [*fields, "create_date", "write_date"],
            limit=self.config.page_size,
            order=[[stamp, "ASC"], ["id", "ASC"]],
        )
        good = [r for r in rows if isinstance(r, dict) and isinstance(r.get("id"), int)]
        if len(good) != len(rows):
            raise UpstreamError(f"{model}: records without an id in the answer")
        return good

    async def _map_page(
        self, batch: Batch, model: str, rows: list[dict[str, Any]], party_field: str | None
    ) -> None:
        if party_field is None:
            parties = {int(r["id"]): r for r in rows}
        else:
            ids = sorted({r[party_field] for r in rows if isinstance(r.get(party_field), int)})
            read = await self.rpc.search_read("party.party", [("id", "in", ids)], PARTY_FIELDS) if ids else []
            parties = {int(p["id"]): p for p in read}
        good_parties: set[int] = set()
        own = await self._company_parties()
        for party_id, party in parties.items():
            if party_id in own:
                continue
            try:
                batch.customers.append(self.map_party(party))
                good_parties.add(party_id)
                batch.mapped.append(f"party.party,{party_id}")
            except MappingError as exc:
                batch.dead.append(DeadLetter(f"party.party,{party_id}", str(exc), _excerpt(party)))
        if party_field is None:
            return
        for row in rows:
            record = f"{model},{row['id']}"
            try:
                row_party = row.get(party_field)
                if row_party in own:
                    continue
                if row_party not in good_parties:
                    raise MappingError(f"its party {row_party!r} is missing or could not be imported")
                # In good_parties: an int.
                batch.events.extend(self.map_record(model, row, self.customer_id(int(row_party))))
                batch.mapped.append(record)
            except MappingError as exc:
                batch.dead.append(DeadLetter(record, str(exc), _excerpt(row)))
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                batch.dead.append(
                    DeadLetter(record, f"malformed: {type(exc).__name__}: {exc}", _excerpt(row))
                )

    # --- mapping (pure) --------------------------------------------------------------------------

    def customer_id(self, party_id: int) -> str:
        return f"{self.name}-party-{party_id}"

    def link(self, model: str, record_id: int) -> str | None:
        return f"{self.web_url}/#{self.database}/model/{model}/{record_id}" if self.web_url else None

    def source(self, model: str, record_id: int) -> Source:
        return Source(SYSTEM, f"{model},{record_id}", self.link(model, record_id))

    def map_party(self, row: dict[str, Any]) -> ImportedCustomer:
        name = row.get("name")
        if not isinstance(name, str) or not name.strip():
            raise MappingError("party has no name")
        if len(name) > NAME_MAX:
            raise MappingError(f"party name is {len(name)} characters long (at most {NAME_MAX})")
        email = _optional_text(row.get("email"), "email")
        phone = _optional_text(row.get("phone"), "phone")
        if email and not _EMAIL.match(email):
            raise MappingError(f"e-mail {email[:60]!r} is not an address")
        if phone and not _PHONE.match(phone):
            raise MappingError(f"phone {phone[:60]!r} is not a phone number")
        lang = row.get("lang.") or {}
        code = str(lang.get("code") or "en")[:2].lower() if isinstance(lang, dict) else "en"
        customer = Customer(
            id=self.customer_id(int(row["id"])),
            name=name.strip(),
            language=code if code in _LANGUAGES else "en",
            email=email,
            phone=phone,
        )
        return ImportedCustomer(customer, self.source("party.party", int(row["id"])))

    def map_record(self, model: str, row: dict[str, Any], customer_id: str) -> list[TimelineEvent]:
        mapper = {
            "sale.sale": self._sale,
            "stock.shipment.out": self._shipment,
            "account.invoice": self._invoice,
            "sale.complaint": self._complaint,
        }[model]
        source = self.source(model, int(row["id"])).as_data()
        return [
            TimelineEvent(
                id=f"{self.name}-{model}-{row['id']}-{suffix}",
                customer_id=customer_id,
                at=at,
                channel=channel,
                kind=kind,
                summary=summary[:500],
                data={**data, **source},
            )
            for suffix, at, channel, kind, summary, data in mapper(row)
        ]

    def _sale(self, row: dict[str, Any]) -> list[tuple[str, dt.datetime, str, str, str, dict[str, Any]]]:
        state = row.get("state")
        order = _label(row.get("number"), row["id"])
        at = _when(row.get("sale_date"), row.get("create_date"))
        value = _amount(row.get("total_amount"))
        currency = (row.get("currency.") or {}).get("code") or ""
        lines = row.get("lines") or []
        if not isinstance(lines, list):
            raise MappingError("sale lines are not a list")
        events = []
        if state in ("confirmed", "processing", "done", "cancelled"):
            summary = f"Order {order} placed: {len(lines)} item(s), {value:.2f} {currency}".strip()
            data = {"order_id": order, "value": value, "items": len(lines)}
            events.append(("placed", at, "shop", "order_placed", summary, data))
        if state == "cancelled":
            changed = _when(row.get("write_date"), row.get("create_date"))
            events.append(
                (
                    "cancelled",
                    changed,
                    "shop",
                    "order_cancelled",
                    f"Order {order} cancelled",
                    {"order_id": order},
                )
            )
        return events

    def _shipment(self, row: dict[str, Any]) -> list[tuple[str, dt.datetime, str, str, str, dict[str, Any]]]:
        state = row.get("state")
        number = _label(row.get("number"), row["id"])
        order = f"shipment {number}"
        planned = row.get("planned_date")
        changed = _when(row.get("write_date"), row.get("create_date"))
        if state in ("packed", "shipped"):
            eta = planned.isoformat() if isinstance(planned, dt.date) else None
            return [
                (
                    "shipped",
                    changed,
                    "logistics",
                    "order_shipped",
                    f"Shipment {number} on its way",
                    {"order_id": order, "carrier": None, "eta": eta},
                )
            ]
        if state == "done":
            at = _when(row.get("effective_date"), row.get("write_date"))
            return [
                (
                    "delivered",
                    at,
                    "logistics",
                    "delivered",
                    f"Shipment {number} delivered",
                    {"order_id": order},
                )
            ]
        late_states = ("waiting", "assigned", "picked")
        if state in late_states and isinstance(planned, dt.date) and planned < self._today():
            late = dt.datetime.combine(planned, dt.time(18, 0), dt.UTC)
            return [
                (
                    f"late-{planned.isoformat()}",
                    late,
                    "logistics",
                    "delivery_delayed",
                    f"Shipment {number} is late (planned {planned.isoformat()})",
                    {"order_id": order, "new_eta": None, "reason": "planned date passed"},
                )
            ]
        return []

    def _invoice(self, row: dict[str, Any]) -> list[tuple[str, dt.datetime, str, str, str, dict[str, Any]]]:
        state = row.get("state")
        number = _label(row.get("number"), row["id"])
        changed = _when(row.get("write_date"), row.get("create_date"))
        if state == "paid":
            amount = _amount(row.get("total_amount"))
            return [
                (
                    "paid",
                    changed,
                    "billing",
                    "invoice_paid",
                    f"Invoice {number} paid",
                    {"invoice_id": number, "amount": amount},
                )
            ]
        due = row.get("payment_term_date") or row.get("invoice_date")
        to_pay = _amount(row.get("amount_to_pay"))
        if state == "posted" and isinstance(due, dt.date) and to_pay > 0:
            days = (self._today() - due).days
            if days > 0:
                at = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(0, 0), dt.UTC)
                return [
                    (
                        "overdue",
                        at,
                        "billing",
                        "invoice_overdue",
                        f"Invoice {number} overdue: {to_pay:.2f} since {due.isoformat()}",
                        {"invoice_id": number, "amount": to_pay, "days": days},
                    )
                ]
        return []

    def _complaint(self, row: dict[str, Any]) -> list[tuple[str, dt.datetime, str, str, str, dict[str, Any]]]:
        state = row.get("state")
        status = _COMPLAINT_OPEN.get(str(state)) or _COMPLAINT_CLOSED.get(str(state))
        if status is None:
            raise MappingError(f"unknown complaint state {str(state)[:40]!r}")
        topic_name = str((row.get("type.") or {}).get("name") or "complaint")
        topic = re.sub(r"[^a-z0-9]+", "_", topic_name.lower()).strip("_")[:40] or "complaint"
        severity = self.severity.get(topic_name, "medium")
        number = _label(row.get("number"), row["id"])
        text = " ".join(str(row.get("description") or "").split())[:200]
        data: dict[str, Any] = {
            "topic": topic,
            "severity": severity,
            "status": status,
            "complaint_id": number,
        }
        origin = row.get("origin")
        if isinstance(origin, str) and origin.startswith("sale.sale,"):
            data["order_id"] = _label((row.get("origin.") or {}).get("rec_name"), origin.split(",")[1])
        at = (
            _when(row.get("date"), row.get("create_date"))
            if status == "open"
            else _when(row.get("write_date"), row.get("create_date"))
        )
        summary = f"Complaint {number} ({topic_name}), {status}" + (f": {text}" if text else "")
        return [(status, at, "email", "complaint", summary, data)]

    # --- writing back ----------------------------------------------------------------------------

    async def write_fields(self, record: str, writes: list[FieldWrite]) -> WriteOutcome:
        model, _, raw_id = record.partition(",")
        if model != "party.party" or not raw_id.isdigit():
            raise UpstreamError(f"cannot write to {record!r}", retryable=False)
        party_id = int(raw_id)
        rows = await self.rpc.search_read("party.party", [("id", "=", party_id)], ["email", "phone"])
        if not rows:
            return WriteOutcome(missing=True)
        current = {k: (rows[0].get(k) or None) for k in ("email", "phone")}
        conflicts = {
            w.field: current.get(w.field)
            for w in writes
            if current.get(w.field) != w.before and current.get(w.field) != w.yours
        }
        todo = [w for w in writes if w.field not in conflicts and current.get(w.field) != w.yours]
        for write in todo:
            await self._write_mechanism(party_id, write.field, write.yours)
        done = tuple(w.field for w in writes if w.field not in conflicts)
        return WriteOutcome(written=done, conflicts=conflicts)

    async def write_wrapup(self, wrapup: WrapUp) -> str:
        """The outcome as a note on the party (Tryton's `ir.note`, shown in the party's notes);
        the key in the note finds a note written before a crash instead of adding a second one."""
        marker = f"[workstation {wrapup.key}]"
        found = await self.rpc.search_read(
            "ir.note", [("resource", "=", wrapup.record), ("message", "ilike", f"%{marker}%")], ["id"]
        )
        if found:
            return f"ir.note,{found[0]['id']}"
        text = (
            f"{wrapup.channel.capitalize()} {wrapup.closed_at:%Y-%m-%d %H:%M} UTC about "
            f"{wrapup.topic.replace('_', ' ')}: {wrapup.outcome.replace('_', ' ')} "
            f"(wrap-up {wrapup.wrapup_code}, agent {wrapup.agent}) {marker}"
        )
        (note_id,) = await self.rpc.model("ir.note", "create", [{"resource": wrapup.record, "message": text}])
        return f"ir.note,{note_id}"

    async def _write_mechanism(self, party_id: int, kind: str, value: str | None) -> None:
        # The party's e-mail/phone are its first active contact mechanism of that type.
        mechanisms = await self.rpc.search_read(
            "party.contact_mechanism",
            [("party", "=", party_id), ("type", "=", kind)],
            ["value"],
            order=[["sequence", "ASC"], ["id", "ASC"]],
        )
        if mechanisms and value:
            await self.rpc.model("party.contact_mechanism", "write", [mechanisms[0]["id"]], {"value": value})
        elif mechanisms:
            await self.rpc.model("party.contact_mechanism", "delete", [mechanisms[0]["id"]])
        elif value:
            await self.rpc.model(
                "party.contact_mechanism", "create", [{"party": party_id, "type": kind, "value": value}]
            )


def _label(value: Any, fallback: Any) -> str:
    text = str(value).strip() if value not in (None, "", False) else str(fallback)
    if len(text) > 60:
        raise MappingError(f"number {text[:40]!r}… is too long")
    return text


def _optional_text(value: Any, what: str) -> str | None:
    if value in (None, "", False):
        return None
    if not isinstance(value, str):
        raise MappingError(f"{what} is {type(value).__name__}, not text")
    if len(value) > FIELD_MAX:
        raise MappingError(f"{what} is {len(value)} characters long (at most {FIELD_MAX})")
    return value.strip() or None


def _amount(value: Any) -> float:
    if value in (None, ""):
        return 0.0
    if not isinstance(value, Decimal | int | float):
        raise MappingError(f"amount {str(value)[:30]!r} is not a number")
    amount = float(value)
    if not -1e9 < amount < 1e9:
        raise MappingError(f"amount {amount} is absurd")
    return round(amount, 2)


#: Dates outside this range are nonsense (a typo, a default of 0001-01-01, an epoch of 0).
_EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
_LATEST_AHEAD = dt.timedelta(days=366)


def _when(value: Any, fallback: Any) -> dt.datetime:
    for candidate in (value, fallback):
        if isinstance(candidate, dt.datetime):
            at = candidate if candidate.tzinfo else candidate.replace(tzinfo=dt.UTC)
        elif isinstance(candidate, dt.date):
            at = dt.datetime.combine(candidate, dt.time(12, 0), dt.UTC)
        else:
            continue
        if not _EARLIEST <= at <= dt.datetime.now(dt.UTC) + _LATEST_AHEAD:
            raise MappingError(f"date {at.isoformat()} is absurd")
        return at
    raise MappingError("the record has no date")


def _iso(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        raise UpstreamError(f"a record without a timestamp: {value!r}", retryable=False)
    return value.isoformat()


def _excerpt(row: Any) -> str:
    return repr(row)[:EXCERPT_MAX]
