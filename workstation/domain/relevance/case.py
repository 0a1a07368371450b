"""A relevance case: the customer, their history, the interaction in progress, and "now"."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from workstation.domain.events import (
    MAX_TWINS,
    TWINS,
    EventLike,
)


class CaseEvent(NamedTuple):
    """One event of a case's history (immutable; a tuple because a long history has 20,000)."""

    id: str
    at: datetime
    channel: str
    kind: str
    summary: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    id: str
    name: str = ""
    language: str = "en"
    segment: str = "b2c"
    value_tier: str = "bronze"
    clv: float = 0.0
    churn_risk: float = 0.0
    consents: Mapping[str, bool] = field(default_factory=dict)
    products: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ChatLine:
    sender: str
    at: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class Interaction:
    channel: str
    started: datetime | None = None
    topic: str | None = None
    page_url: str | None = None
    page_title: str | None = None
    messages: tuple[ChatLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    now: datetime
    customer: CustomerFacts
    interaction: Interaction
    events: Sequence[EventLike]


class CaseError(ValueError):
    """A case that cannot be ranked; the message names the offending field."""


def _time(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise CaseError(f"{where}: not an ISO 8601 time: {value!r}") from None
    else:
        raise CaseError(f"{where}: expected a time, got {type(value).__name__}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CaseError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _text(value: object, where: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise CaseError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _number(value: object, where: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CaseError(f"{where}: expected a number, got {value!r}")
    return float(value)


def case_from_mapping(raw: object) -> Case:
    """A case as in shared/relevance/README.md; unknown keys are ignored, bad ones raise CaseError."""
    obj = _object(raw, "case")
    now = _time(obj.get("now"), "now")
    cust = _object(obj.get("customer"), "customer")
    consents = _object(cust.get("consents") or {}, "customer.consents")
    products = cust.get("products") or []
    if not isinstance(products, list):
        raise CaseError("customer.products: expected a list")
    customer = CustomerFacts(
        id=_text(cust.get("id"), "customer.id"),
        name=_text(cust.get("name"), "customer.name", ""),
        language=_text(cust.get("language"), "customer.language", "en"),
        segment=_text(cust.get("segment"), "customer.segment", "b2c"),
        value_tier=_text(cust.get("value_tier"), "customer.value_tier", "bronze").lower(),
        clv=_number(cust.get("clv"), "customer.clv", 0.0),
        churn_risk=_number(cust.get("churn_risk"), "customer.churn_risk", 0.0),
        consents={str(k): v is True for k, v in consents.items()},
        products=tuple(_object(p, f"customer.products[{i}]") for i, p in enumerate(products)),
    )
    inter = _object(obj.get("interaction"), "interaction")
    page = inter.get("page")
    page_obj = _object(page, "interaction.page") if page is not None else {}
    raw_messages = inter.get("messages") or []
    if not isinstance(raw_messages, list):
        raise CaseError("interaction.messages: expected a list")
    messages = []
    for i, m in enumerate(raw_messages):
        msg = _object(m, f"interaction.messages[{i}]")
        at = msg.get("at")
        messages.append(
            ChatLine(
                sender=_text(msg.get("from"), f"interaction.messages[{i}].from", "customer"),
                at=_time(at, f"interaction.messages[{i}].at") if at is not None else None,
                text=_text(msg.get("text"), f"interaction.messages[{i}].text", ""),
            )
        )
    started = inter.get("started")
    topic = inter.get("topic")
    interaction = Interaction(
        channel=_text(inter.get("channel"), "interaction.channel", "chat"),
        started=_time(started, "interaction.started") if started is not None else None,
        topic=_text(topic, "interaction.topic") if topic is not None else None,
        page_url=_text(page_obj.get("url"), "interaction.page.url", "") or None,
        page_title=_text(page_obj.get("title"), "interaction.page.title", "") or None,
        messages=tuple(messages),
    )
    raw_events = obj.get("events") or []
    if not isinstance(raw_events, list):
        raise CaseError("events: expected a list")
    twins: list[CaseEvent] = []
    events = [_event(i, e, twins) for i, e in enumerate(raw_events)]
    events += twins
    return Case(
        id=_text(obj.get("id"), "id", "case"),
        now=now,
        customer=customer,
        interaction=interaction,
        events=events,
    )


_fromiso = datetime.fromisoformat


def _event(i: int, e: object, twins: list[CaseEvent]) -> CaseEvent:
    """One event of a case (its twins from other systems, as the backend hands them out, added to
    `twins`). The common shape (a JSON object of strings and a data object) takes a fast path
    without per-field checks through ABCs: a 20,000-event history is parsed on every ranking.
    Anything else goes the careful way, which names the offending field."""
    if type(e) is dict:
        eid, at, kind = e.get("id"), e.get("at"), e.get("kind")
        channel, summary, data = e.get("channel", ""), e.get("summary", ""), e.get("data") or {}
        if (
            type(eid) is str
            and type(at) is str
            and type(kind) is str
            and type(channel) is str
            and type(summary) is str
            and type(data) is dict
        ):
            try:
                when = _fromiso(at)
            except ValueError:
                pass  # the careful way says what is wrong
            else:
                if when.tzinfo is not UTC:
                    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
                event = CaseEvent(eid, when, channel, kind, summary, data)
                if TWINS in data:
                    twins += twin_records(event)
                return event
    ev = _object(e, f"events[{i}]")
    event = CaseEvent(
        id=_text(ev.get("id"), f"events[{i}].id"),
        at=_time(ev.get("at"), f"events[{i}].at"),
        channel=_text(ev.get("channel"), f"events[{i}].channel", ""),
        kind=_text(ev.get("kind"), f"events[{i}].kind"),
        summary=_text(ev.get("summary"), f"events[{i}].summary", ""),
        data=_object(ev.get("data") or {}, f"events[{i}].data"),
    )
    twins += twin_records(event)
    return event


def twin_records(event: EventLike) -> list[CaseEvent]:
    """The other systems' records of an event that the backend hands out with it (data[TWINS]), as
    records of their own: the engine pairs them with it again by the domain's one notion of the
    same event (`events.collapse`), so they count once and a card names every record. Malformed
    entries are skipped."""
    found = event.data.get(TWINS)
    if not isinstance(found, list):
        return []
    records = []
    for twin in found[:MAX_TWINS]:
        if not isinstance(twin, Mapping) or not isinstance(twin.get("id"), str):
            continue
        data, at = twin.get("data"), twin.get("at")
        try:
            when = _fromiso(at) if isinstance(at, str) else event.at
        except ValueError:
            continue
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        channel, summary = twin.get("channel"), twin.get("summary")
        records.append(
            CaseEvent(
                twin["id"],
                when,
                channel if isinstance(channel, str) else event.channel,
                event.kind,
                summary if isinstance(summary, str) else "",
                data if isinstance(data, Mapping) else {},
            )
        )
    return records


def with_twin_records(events: Iterable[EventLike]) -> list[EventLike]:
    """A history with the twins the backend handed out with its events as records of their own
    (`twin_records`): what the desk's cache holds, as the engine reads it."""
    out: list[EventLike] = []
    for event in events:
        out.append(event)
        if TWINS in event.data:
            out += twin_records(event)
    return out
