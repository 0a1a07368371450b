"""The domain's one notion of events: their kinds, when two records are the same event, what is still open.

The backend's ingest, the timeline's stories, the relevance engine's situations and the simulator's
open problems all read these, so a phone call logged by the telephony system and again by the CRM a
few minutes later is one contact everywhere, and "open" means the same on every screen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol, TypeVar

__all__ = [
    "BUSINESS_WINDOW_S",
    "CONTACT_WINDOW_S",
    "CONTENT_WINDOW_S",
    "MAX_TWINS",
    "TWINS",
    "Fingerprint",
    "alert_open",
    "collapse",
    "contact_unresolved",
    "distinct_records",
    "fingerprint",
    "merged_twins",
    "record_sources",
    "same_event",
    "same_record",
    "story_key",
    "story_open",
]

# --- the vocabulary of event kinds -----------------------------------------------------------------

#: What happens to an order, from placing to refund.
ORDER_KINDS: Final = frozenset(
    {
        "order_placed",
        "order_shipped",
        "delivery_delayed",
        "delivered",
        "return_requested",
        "refund_issued",
        "order_cancelled",
        "delivery_failed",
    }
)
#: Money the customer owes that did not arrive, and what settles it.
PAYMENT_PROBLEMS: Final = frozenset({"payment_failed", "invoice_overdue"})
PAYMENT_SETTLED: Final = frozenset({"payment_received", "invoice_paid", "payment_succeeded"})
#: The customer's own traces on the web site or in the app.
WEB_KINDS: Final = frozenset({"page_view", "search"})
#: Errors the customer ran into: evidence that they are stuck, like a page loop.
ERROR_KINDS: Final = frozenset({"app_error", "form_error", "validation_error"})
#: Journey phases of kinds (page views depend on the page: see relevance's journey_phase).
SERVICE_KINDS: Final = frozenset(
    ORDER_KINDS - {"order_placed"}
    | PAYMENT_PROBLEMS
    | {
        "complaint",
        "contact",
        "survey",
        "cancellation_intent",
        "contract_change",
        "device_alert",
        "address_change",
        "appointment",
        "app_error",
    }
)
PURCHASE_KINDS: Final = frozenset({"cart_abandoned", "order_placed"})
AWARENESS_KINDS: Final = frozenset({"campaign_response", "social_post", "consent_changed"})

#: Contact outcomes: an open issue, a settled one; anything else (or nothing) says neither.
UNRESOLVED_OUTCOMES: Final = frozenset({"unresolved", "callback_promised", "escalated", "open"})
RESOLVED_OUTCOMES: Final = frozenset({"resolved", "closed", "solved", "done"})


def contact_unresolved(data: Mapping[str, Any] | None) -> bool | None:
    """True if a contact left its issue open, False if it settled it, None if its record does not say
    (a sparse record neither opens nor settles anything)."""
    outcome = str((data or {}).get("outcome") or "").strip().lower()
    if outcome in UNRESOLVED_OUTCOMES:
        return True
    if outcome in RESOLVED_OUTCOMES:
        return False
    return None


def alert_open(data: Mapping[str, Any] | None) -> bool:
    """Whether a device alert needs the agent: active (unless it says it is not) and more than info."""
    data = data or {}
    return data.get("active") is not False and str(data.get("severity") or "warning") != "info"


# --- the same event ----------------------------------------------------------------------------------


def _slug(value: Any) -> str:
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What makes two records the same event: equal `key`, timestamps at most `window_s` apart."""

    key: str
    window_s: float


#: Business facts that cannot happen twice within minutes: two systems reporting one of these
#: (the shop and the carrier both report the shipment) may disagree on the time by that much.
_BUSINESS_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "order_placed": ("order_id",),
    "order_shipped": ("order_id",),
    "delivery_delayed": ("order_id", "new_eta"),
    "delivered": ("order_id",),
    "return_requested": ("order_id",),
    "refund_issued": ("order_id", "amount"),
    "invoice_overdue": ("invoice_id", "days"),
    "payment_failed": ("amount", "reason"),
    "device_alert": ("device", "code", "active"),
    "consent_changed": ("marketing",),
}
BUSINESS_WINDOW_S: Final = 600.0
#: One call, chat or visit logged by two systems (telephony and CRM, chat tool and CRM) that name its
#: topic differently and log it minutes apart, clocks not quite agreeing (a minute or two): one
#: contact per channel within this window. Two calls a quarter of an hour apart are two contacts (a
#: customer who calls back after 20 minutes has waited for nothing), so the window stays below that.
CONTACT_WINDOW_S: Final = 600.0
#: Everything else (page views, posts) is the same event only with the same content within a couple
#: of seconds: a customer may well view one page twice in a minute.
CONTENT_WINDOW_S: Final = 2.0


#: What says which record of which system an event is, not what happened: never part of its content.
_RECORD_KEYS: Final = frozenset({"source", "source_id", "source_url", "twins"})
#: The key in an event's data under which the backend hands out the other records of the same event
#: (its twins from other systems): one contact, each record with its own system and record id.
TWINS: Final = "twins"
#: Twins handed out with one event at most (a system that logs the same call over and over is
#: bounded, not passed on whole).
MAX_TWINS: Final = 10


def fingerprint(kind: str, channel: str, summary: str, data: Mapping[str, Any] | None) -> Fingerprint:
    data = data or {}
    fields = _BUSINESS_KEYS.get(kind)
    if fields and any(data.get(f) not in (None, "") for f in fields):
        values = "|".join(_slug(data.get(f, "")) for f in fields)
        return Fingerprint(f"{kind}|{values}", BUSINESS_WINDOW_S)
    if kind == "contact":
        # The desk's own closed chats name their conversation: two chats a customer opened within
        # minutes are two contacts, each with its own transcript. Records from other systems (which
        # name the same call differently, if at all) fall back to "one per channel and window".
        own = data.get("conversation_id")
        if own not in (None, ""):
            return Fingerprint(f"contact|{_slug(channel)}|{_slug(own)}", BUSINESS_WINDOW_S)
        return Fingerprint(f"contact|{_slug(channel)}", CONTACT_WINDOW_S)
    content = "|".join(f"{k}={data[k]}" for k in sorted(data) if k not in _RECORD_KEYS)
    return Fingerprint(f"{kind}|{channel}|{_slug(summary)}|{_slug(content)}"[:250], CONTENT_WINDOW_S)


class EventLike(Protocol):
    """A timeline event as every layer has one (the domain's TimelineEvent, a case file's event)."""

    @property
    def id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def channel(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def _ref(data: Mapping[str, Any] | None) -> tuple[str, str]:
    data = data or {}
    return str(data.get("source") or "").strip().lower(), str(data.get("source_id") or "").strip()


def same_record(
    a_id: str, a_data: Mapping[str, Any] | None, b_id: str, b_data: Mapping[str, Any] | None
) -> bool:
    """Whether two records are one record delivered twice (a re-send of the same system): the same
    id, or the same system's same record id. Such a record is stored once (exactly once)."""
    if a_id == b_id:
        return True
    (system_a, record_a), (system_b, record_b) = _ref(a_data), _ref(b_data)
    return bool(system_a and record_a) and (system_a, record_a) == (system_b, record_b)


def distinct_records(a_data: Mapping[str, Any] | None, b_data: Mapping[str, Any] | None) -> bool:
    """Whether two records are certainly two events: one system gave them different record ids (the
    telephony system logs each call once, so two of its calls are two calls however close)."""
    (system_a, record_a), (system_b, record_b) = _ref(a_data), _ref(b_data)
    return bool(system_a and record_a and record_b) and system_a == system_b and record_a != record_b


def same_event(a: EventLike, b: EventLike) -> bool:
    """Whether two records are one event: a re-sent record, or twins (two systems logging it, both
    kept): the same fingerprint within its window, unless one system names them as two records."""
    if same_record(a.id, a.data, b.id, b.data):
        return True
    fa = fingerprint(a.kind, a.channel, a.summary, a.data)
    fb = fingerprint(b.kind, b.channel, b.summary, b.data)
    return (
        fa.key == fb.key
        and abs((a.at - b.at).total_seconds()) <= fa.window_s
        and not distinct_records(a.data, b.data)
    )


def merged_twins(
    at: datetime, summary: str, data: Mapping[str, Any]
) -> tuple[str, dict[str, Any], list[str]]:
    """One event from a record and the twins the backend attached to it (`TWINS`): the details of
    all records, a later record's non-empty fields winning (the CRM's wrap-up after the call says
    more), the latest summary, and the twins' ids. Without twins: the record as it is."""
    twins = data.get(TWINS)
    if not isinstance(twins, list) or not twins:
        return summary, dict(data), []
    own = {k: v for k, v in data.items() if k != TWINS}
    records: list[tuple[datetime, int, str, Mapping[str, Any]]] = [(at, 0, summary, own)]
    ids = []
    for n, twin in enumerate(twins, 1):
        if not isinstance(twin, Mapping) or not isinstance(twin.get("data"), Mapping):
            continue
        try:
            when = datetime.fromisoformat(str(twin.get("at")))
        except ValueError:
            when = at
        if when.tzinfo is None and at.tzinfo is not None:
            when = when.replace(tzinfo=at.tzinfo)
        records.append((when, n, str(twin.get("summary") or ""), twin["data"]))
        ids.append(str(twin.get("id") or ""))
    records.sort(key=lambda r: (r[0], r[1]))
    merged: dict[str, Any] = {}
    for _, _, text, fields in records:
        merged.update({k: v for k, v in fields.items() if v not in (None, "") and k not in _RECORD_KEYS})
        summary = text or summary
    # The record's own system stays its own (the twins name theirs).
    merged.update({k: v for k, v in own.items() if k in _RECORD_KEYS})
    return summary, merged, [i for i in ids if i]


E = TypeVar("E")


def collapse(
    events: Sequence[E],
    *,
    kind: Callable[[E], str],
    at: Callable[[E], datetime],
    channel: Callable[[E], str],
    summary: Callable[[E], str],
    data: Callable[[E], Mapping[str, Any]],
) -> list[list[E]]:
    """Records grouped into events: each group is one event as one or more systems logged it, its
    records in time order (a record joins a group when it is within the window of the group's last
    record). Groups come in the order of their first record."""
    # Only records of one kind within the widest window of each other can be twins: fingerprint
    # just those (a long history has thousands of records, few of them that close).
    by_kind: dict[str, list[tuple[datetime, int, E]]] = {}
    for n, ev in enumerate(events):
        by_kind.setdefault(kind(ev), []).append((at(ev), n, ev))
    widest = timedelta(seconds=max(BUSINESS_WINDOW_S, CONTACT_WINDOW_S, CONTENT_WINDOW_S))
    groups: list[tuple[datetime, int, list[E]]] = []
    keyed: dict[str, list[tuple[datetime, int, E]]] = {}
    windows: dict[str, float] = {}
    for records in by_kind.values():
        records.sort(key=lambda r: (r[0], r[1]))
        for j, (when, n, ev) in enumerate(records):
            near = (j > 0 and when - records[j - 1][0] <= widest) or (
                j + 1 < len(records) and records[j + 1][0] - when <= widest
            )
            if not near:
                groups.append((when, n, [ev]))
                continue
            fp = fingerprint(kind(ev), channel(ev), summary(ev), data(ev))
            keyed.setdefault(fp.key, []).append((when, n, ev))
            windows[fp.key] = fp.window_s
    for key, records in keyed.items():
        window = timedelta(seconds=windows[key])
        records.sort(key=lambda r: (r[0], r[1]))
        current: list[E] = []
        first: tuple[datetime, int] | None = None
        last_at: datetime | None = None
        for when, n, ev in records:
            if (
                last_at is not None
                and when - last_at <= window
                and not any(distinct_records(data(ev), data(other)) for other in current)
            ):
                current.append(ev)
            else:
                if current and first is not None:
                    groups.append((first[0], first[1], current))
                current, first = [ev], (when, n)
            last_at = when
        if current and first is not None:
            groups.append((first[0], first[1], current))
    groups.sort(key=lambda g: (g[0], g[1]))
    return [g[2] for g in groups]


# --- stories and whether they are still open ------------------------------------------------------


def story_key(kind: str, data: Mapping[str, Any] | None) -> str | None:
    """The story an event belongs to, or None for events that stand alone (a page view, a search).

    An order, its shipment, delay, return and refund share ``order:<id>``; a complaint and the
    contacts on its topic share ``topic:<topic>`` (a contact naming an order joins that order's
    story); payment failures and what settles them share ``invoice:<id>`` or ``payments``.
    """
    data = data or {}
    order_id = data.get("order_id")
    if order_id not in (None, "") and (kind in ORDER_KINDS or kind in ("contact", "complaint")):
        return f"order:{_slug(order_id)}"
    if kind in PAYMENT_PROBLEMS or kind in PAYMENT_SETTLED:
        invoice = data.get("invoice_id")
        return f"invoice:{_slug(invoice)}" if invoice not in (None, "") else "payments"
    if kind in ("contact", "complaint"):
        topic = _slug(data.get("topic") or "")
        return f"topic:{topic}" if topic else None
    if kind == "device_alert" and data.get("device"):
        return f"device:{_slug(data['device'])}"
    if kind in ("cancellation_intent", "contract_change") and data.get("product"):
        return f"contract:{_slug(data['product'])}"
    return None


def record_sources(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(system, outcome) of each record of an event handed out with its twins, the first record
    first; empty without twins. Text from other systems: cut short, shown as plain text."""
    if not _twin_data(data):
        return []
    records = [data, *_twin_data(data)]
    return [(str(r.get("source") or "?")[:40], str(r.get("outcome") or "")[:40]) for r in records]


def _twin_data(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The data of the twins handed out with an event (`TWINS`), in time order."""
    twins = data.get(TWINS)
    if not isinstance(twins, list):
        return []
    return [t["data"] for t in twins if isinstance(t, Mapping) and isinstance(t.get("data"), Mapping)]


def story_open(events: Iterable[tuple[str, Mapping[str, Any] | None]]) -> bool:
    """Whether a story still needs the agent, from its events (kind, data) in chronological order.

    Open means: a delay with no delivery after it, a return with no refund after it, a payment
    failure or overdue invoice not settled since, a complaint whose latest state is open, a contact
    whose latest outcome is unresolved (or a callback promised) and that nothing settled since (a
    delivery, a refund, a payment, a resolved complaint, the device alert clearing), an active
    (warning or critical) device alert. A contact whose record names no outcome changes nothing.
    An event handed out with its twins (`TWINS`: other systems' records of it) is read as its first
    record followed by theirs.
    """
    delayed = returned = payment_due = complaint_open = contact_open = device_active = False
    for kind, data in events:
        data = data or {}
        if kind in ("delivery_delayed", "delivery_failed"):
            delayed = True
        elif kind == "return_requested":
            returned = True
        elif kind in PAYMENT_PROBLEMS:
            payment_due = True
        elif kind == "complaint":
            complaint_open = str(data.get("status", "open")) != "resolved"
            for twin in _twin_data(data):  # another system's later record of it (the CRM's state)
                if twin.get("status"):
                    complaint_open = str(twin["status"]) != "resolved"
            contact_open = contact_open and complaint_open
        elif kind == "contact":
            for record in (data, *_twin_data(data)):  # the first record, then the other systems'
                unresolved = contact_unresolved(record)
                if unresolved is not None:
                    contact_open = unresolved
        elif kind == "device_alert":
            device_active = alert_open(data)
        # What settles a problem also settles the unresolved contact about it.
        if kind in ("delivered", "order_cancelled"):
            delayed = contact_open = False
        elif kind == "refund_issued":
            returned = contact_open = False
        elif kind in PAYMENT_SETTLED:
            payment_due = contact_open = False
        elif kind == "device_alert" and not device_active:
            contact_open = False
    return delayed or returned or payment_due or complaint_open or contact_open or device_active
