"""What a customer's history leaves open (late parcels, failed payments, ...), most urgent first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Final

from workstation.demo.catalog import _ALERT_TOPIC, _OPEN_CONTACT_TOPICS, Event, _parse, _utc
from workstation.domain.events import (
    PAYMENT_PROBLEMS,
    TWINS,
    collapse,
    contact_unresolved,
    merged_twins,
    story_open,
)


def open_problems(history: list[Event], now: datetime) -> list[dict[str, Any]]:
    """Journeys still open at `now`, read from the events alone (works on stored histories too).

    Each problem: {"topic": chat topic, "problem": what is open, "refs": [event ids], "event": the latest
    event of it, ...details}. Most urgent first.
    """
    now = _utc(now)
    events = sorted(
        _one_per_event(e for e in history if _parse(e["at"]) <= now), key=lambda e: _parse(e["at"])
    )
    orders: dict[str, dict[str, Event]] = {}
    alerts: dict[tuple[str, str], Event] = {}
    alert_contacts: dict[tuple[str, str], list[Event]] = {}
    complaints: dict[str, Event] = {}
    cancels: dict[str, Event] = {}
    payments: list[Event] = []
    contacts: dict[str, Event] = {}
    checkout: Event | None = None
    for ev in events:
        kind, data = ev["kind"], ev["data"]
        if "order_id" in data:
            orders.setdefault(str(data["order_id"]), {})[kind] = ev
            if kind == "order_placed":
                checkout = None
        elif kind == "device_alert":
            key = (data["device"], data["code"])
            if data["active"]:
                alerts[key] = ev
                alert_contacts[key] = []
            else:
                alerts.pop(key, None)
        elif kind == "complaint":
            complaints[data["topic"]] = ev
        elif kind == "cancellation_intent":
            cancels[data["product"]] = ev
        elif kind == "contract_change":
            cancels.pop(data["product"], None)
        elif kind in PAYMENT_PROBLEMS:
            payments.append(ev)
        elif kind == "contact":
            contacts[data["topic"]] = ev
            if data["topic"] == "payment" and contact_unresolved(data) is False:
                payments.clear()
            for key in alerts:
                if data["topic"] == _ALERT_TOPIC.get(key, "defective device"):
                    alert_contacts[key].append(ev)
        elif kind == "cart_abandoned" or (kind == "app_error" and data.get("screen") == "checkout"):
            checkout = ev
    out: list[dict[str, Any]] = []
    for oid, steps in orders.items():
        placed = steps.get("order_placed")
        if placed is None:
            continue
        refs = [s["id"] for s in steps.values()]
        base = {"order_id": oid, "refs": refs, "placed": placed, "shipped": steps.get("order_shipped")}
        # open as the whole domain reads it (events.story_open); in transit / not shipped are the
        # simulator's own "still going" states, not problems
        story = sorted(steps.values(), key=lambda s: _parse(s["at"]))
        is_open = story_open((s["kind"], s["data"]) for s in story)
        if "delivered" not in steps:
            if "delivery_delayed" in steps:
                if is_open:  # else settled another way (cancelled): nothing open
                    late = steps["delivery_delayed"]
                    out.append(base | {"topic": "delivery", "problem": "delayed", "event": late})
            elif "order_shipped" in steps:
                moving = steps["order_shipped"]
                out.append(base | {"topic": "delivery", "problem": "in_transit", "event": moving})
            elif now - _parse(placed["at"]) < timedelta(days=7):
                out.append(base | {"topic": "delivery", "problem": "not_shipped", "event": placed})
        elif "return_requested" in steps and is_open:
            ret = steps["return_requested"]
            out.append(base | {"topic": "return", "problem": "pending_return", "event": ret})
    for key, ev in alerts.items():
        related = [c for c in alert_contacts[key] if contact_unresolved(c["data"]) is not False]
        out.append(
            {
                "topic": "device",
                "problem": "device_alert",
                "event": ev,
                "device": key[0],
                "code": key[1],
                "refs": [ev["id"]] + [c["id"] for c in related],
                "contacts": related,
            }
        )
    if payments:
        last = payments[-1]
        refs = [p["id"] for p in payments]
        out.append({"topic": "payment", "problem": last["kind"], "event": last, "refs": refs})
    for topic, ev in complaints.items():
        if story_open([("complaint", ev["data"])]):
            out.append(
                {
                    "topic": "complaint",
                    "problem": "complaint",
                    "event": ev,
                    "refs": [ev["id"]],
                    "complaint_topic": topic,
                }
            )
    for product, ev in cancels.items():
        out.append(
            {
                "topic": "cancellation",
                "problem": "cancellation_intent",
                "event": ev,
                "refs": [ev["id"]],
                "product": product,
            }
        )
    if checkout is not None and now - _parse(checkout["at"]) < timedelta(days=2):
        out.append({"topic": "checkout", "problem": "checkout", "event": checkout, "refs": [checkout["id"]]})
    for topic, ev in contacts.items():
        if topic in _OPEN_CONTACT_TOPICS and contact_unresolved(ev["data"]) is not False:
            out.append(
                {
                    "topic": _OPEN_CONTACT_TOPICS[topic],
                    "problem": "contact",
                    "event": ev,
                    "refs": [ev["id"]],
                    "contact_topic": topic,
                }
            )
    out.sort(key=lambda p: (-_URGENCY[p["problem"]], p["event"]["at"]))
    return out


def _one_per_event(history: Iterable[Event]) -> list[Event]:
    """One record per event (workstation.domain.events.collapse: a call the telephony system and
    the CRM both logged is one contact), the later record's fields filling in the first's."""
    groups = collapse(
        [_with_twins(e) for e in history],
        kind=itemgetter("kind"),
        at=lambda e: _parse(e["at"]),
        channel=lambda e: str(e.get("channel", "")),
        summary=lambda e: str(e.get("summary", "")),
        data=lambda e: e.get("data") or {},
    )
    out = []
    for group in groups:
        merged = dict(group[0])
        for later in group[1:]:
            merged["data"] = {
                **merged.get("data", {}),
                **{k: v for k, v in later["data"].items() if v not in (None, "")},
            }
        out.append(merged)
    return out


def _with_twins(event: Event) -> Event:
    """A record the backend handed out with its twins (other systems' records of it), as one record."""
    data = event.get("data") or {}
    if TWINS not in data:
        return event
    summary, merged, _ = merged_twins(_parse(event["at"]), str(event.get("summary", "")), data)
    return {**event, "summary": summary, "data": merged}


_URGENCY: Final = {
    "delayed": 5,
    "device_alert": 4,
    "in_transit": 3,
    "invoice_overdue": 3,
    "payment_failed": 3,
    "complaint": 3,
    "cancellation_intent": 3,
    "checkout": 3,
    "pending_return": 3,
    "not_shipped": 2,
    "contact": 2,
}
