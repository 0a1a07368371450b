"""The customer timeline's vocabulary: journey phases, stories (linked events) and duplicates.

Both sides use these functions: the backend when it stores an event (so it can page and filter in
SQL), the desktop when a pushed event arrives (so its cache agrees without asking). They look at one
event's kind and data only, except `story_open`, which reads one story's events in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from workstation.domain.relevance import journey_phase

__all__ = [
    "CHANNELS",
    "PHASES",
    "Fingerprint",
    "TimelineEntry",
    "TimelineFilter",
    "fingerprint",
    "journey_phase",
    "like_pattern",
    "matches",
    "story_key",
    "story_label",
    "story_open",
]

#: The journey phases in the order a customer goes through them.
PHASES: Final = ("awareness", "interest", "purchase", "service")

#: The channels the desktop offers as filters (events may carry others; they still show).
CHANNELS: Final = (
    "web",
    "app",
    "phone",
    "chat",
    "email",
    "branch",
    "social",
    "device",
    "shop",
    "billing",
    "logistics",
)

_ORDER_KINDS: Final = frozenset(
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
_PAYMENT_PROBLEMS: Final = frozenset({"payment_failed", "invoice_overdue"})
_PAYMENT_SETTLED: Final = frozenset({"payment_received", "invoice_paid", "payment_succeeded"})
_UNRESOLVED_OUTCOMES: Final = frozenset({"unresolved", "callback_promised", "escalated", "open"})


def _slug(value: Any) -> str:
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60]


def story_key(kind: str, data: Mapping[str, Any] | None) -> str | None:
    """The story an event belongs to, or None for events that stand alone (a page view, a search).

    An order, its shipment, delay, return and refund share ``order:<id>``; a complaint and the
    contacts on its topic share ``topic:<topic>`` (a contact naming an order joins that order's
    story); payment failures and what settles them share ``invoice:<id>`` or ``payments``.
    """
    data = data or {}
    order_id = data.get("order_id")
    if order_id not in (None, "") and (kind in _ORDER_KINDS or kind in ("contact", "complaint")):
        return f"order:{_slug(order_id)}"
    if kind in _PAYMENT_PROBLEMS or kind in _PAYMENT_SETTLED:
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


def story_label(key: str) -> str:
    """A short English title for a story key: 'Order 51234', 'Topic delivery', 'Payments'."""
    prefix, _, rest = key.partition(":")
    names = {
        "order": "Order",
        "invoice": "Invoice",
        "topic": "Topic",
        "device": "Device",
        "contract": "Contract",
    }
    if prefix == "payments":
        return "Payments"
    return f"{names.get(prefix, prefix.capitalize())} {rest.replace('-', ' ')}".strip()


def story_open(events: Iterable[tuple[str, Mapping[str, Any] | None]]) -> bool:
    """Whether a story still needs the agent, from its events (kind, data) in chronological order.

    Open means: a delay with no delivery after it, a return with no refund after it, a payment
    failure or overdue invoice not settled since, a complaint whose latest state is open, a contact
    whose latest outcome is unresolved (or a callback promised) and that nothing settled since (a
    delivery, a refund, a payment, a resolved complaint, the device alert clearing), an active
    (warning or critical) device alert.
    """
    delayed = returned = payment_due = complaint_open = contact_open = device_active = False
    for kind, data in events:
        data = data or {}
        if kind in ("delivery_delayed", "delivery_failed"):
            delayed = True
        elif kind == "return_requested":
            returned = True
        elif kind in _PAYMENT_PROBLEMS:
            payment_due = True
        elif kind == "complaint":
            complaint_open = str(data.get("status", "open")) != "resolved"
            contact_open = contact_open and complaint_open
        elif kind == "contact":
            contact_open = str(data.get("outcome", "")) in _UNRESOLVED_OUTCOMES
        elif kind == "device_alert":
            device_active = bool(data.get("active", False)) and data.get("severity") != "info"
        # What settles a problem also settles the unresolved contact about it.
        if kind in ("delivered", "order_cancelled"):
            delayed = contact_open = False
        elif kind == "refund_issued":
            returned = contact_open = False
        elif kind in _PAYMENT_SETTLED:
            payment_due = contact_open = False
        elif kind == "device_alert" and not device_active:
            contact_open = False
    return delayed or returned or payment_due or complaint_open or contact_open or device_active


def like_pattern(text: str) -> str:
    """A SQL LIKE pattern (escape character backslash) matching `text` anywhere, literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What makes two deliveries the same event: equal `key`, timestamps at most `window_s` apart."""

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
#: Everything else (page views, contacts, posts) is the same event only with the same content
#: within a couple of seconds: a customer may well view one page twice in a minute.
CONTENT_WINDOW_S: Final = 2.0


def fingerprint(kind: str, channel: str, summary: str, data: Mapping[str, Any] | None) -> Fingerprint:
    data = data or {}
    fields = _BUSINESS_KEYS.get(kind)
    if fields and any(data.get(f) not in (None, "") for f in fields):
        values = "|".join(_slug(data.get(f, "")) for f in fields)
        return Fingerprint(f"{kind}|{values}", BUSINESS_WINDOW_S)
    content = "|".join(f"{k}={data[k]}" for k in sorted(data) if k not in ("source", "source_id"))
    return Fingerprint(f"{kind}|{channel}|{_slug(summary)}|{_slug(content)}"[:250], CONTENT_WINDOW_S)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One row of the history as the desktop lists it: what a row shows, not the event's data.

    A customer with 100,000 events scrolls through these; the full event is read when opened."""

    id: str
    at: datetime
    channel: str
    kind: str
    summary: str
    phase: str
    story: str | None

    @classmethod
    def of(
        cls, event_id: str, at: datetime, channel: str, kind: str, summary: str, data: Mapping[str, Any]
    ) -> TimelineEntry:
        return cls(event_id, at, channel, kind, summary, journey_phase(kind, data), story_key(kind, data))


def matches(
    entry: TimelineEntry,
    where: TimelineFilter,
    open_stories: set[str] | frozenset[str],
    data_text: str = "",
) -> bool:
    """The same test the stores run in SQL, for an event pushed while a filter is on; `data_text` is
    the event's data as JSON text (the stores search it too)."""
    if where.channels and entry.channel not in where.channels:
        return False
    if where.phases and entry.phase not in where.phases:
        return False
    if where.kinds and entry.kind not in where.kinds:
        return False
    if where.only_open and entry.story not in open_stories:
        return False
    needle = where.text.strip().casefold()
    return (
        not needle
        or needle in entry.summary.casefold()
        or needle in entry.kind
        or needle in data_text.casefold()
    )


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """What the agent narrowed the history to; empty sets mean "all"."""

    channels: frozenset[str] = frozenset()
    phases: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    text: str = ""
    only_open: bool = False

    @property
    def active(self) -> bool:
        return bool(self.channels or self.phases or self.kinds or self.text.strip() or self.only_open)
