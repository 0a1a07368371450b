"""Situations: what is going on for a customer, found in one pass over the history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from workstation.domain.events import (
    ERROR_KINDS,
    ORDER_KINDS,
    PAYMENT_PROBLEMS,
    PAYMENT_SETTLED,
    WEB_KINDS,
    EventLike,
    collapse,
)
from workstation.domain.messages import QT_TRANSLATE_NOOP, Amount, Day, Msg
from workstation.domain.relevance.case import Case, CaseEvent
from workstation.domain.relevance.journey import _str
from workstation.domain.relevance.phrasing import fold, product_words, words
from workstation.domain.relevance.understanding import Utterance


@dataclass(slots=True)
class Situation:
    kind: str
    refs: list[str]
    title: str
    facts: list[str]
    base: float
    at: datetime
    half_life_days: float
    topics: set[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    products: frozenset[str] = frozenset()
    references: frozenset[str] = frozenset()
    #: an open problem (blocks cross-selling, counts in context.open_problems)
    open: bool = False
    #: freshness never falls below this (an open complaint stays relevant)
    floor: float = 0.0
    #: dropped as settled or too old: the reason, shown under "hidden"
    stale: str | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _day(at: datetime) -> Day:
    return Day(at.date())


def _ago(now: datetime, at: datetime) -> Msg:
    """'3 days ago' (or 'in 3 days' for a date still ahead), rendered in the agent's language."""
    seconds = (now - at).total_seconds()
    ahead = seconds < 0
    seconds = abs(seconds)
    if seconds < 3600:
        n = max(1, int(seconds // 60))
        return Msg(
            QT_TRANSLATE_NOOP("domain", "in {n} min")
            if ahead
            else QT_TRANSLATE_NOOP("domain", "{n} min ago"),
            n=n,
        )
    if seconds < 86400:
        n = int(seconds // 3600)
        return Msg(
            QT_TRANSLATE_NOOP("domain", "in {n} h") if ahead else QT_TRANSLATE_NOOP("domain", "{n} h ago"),
            n=n,
        )
    days = int(seconds // 86400)
    if days == 1:
        return Msg(
            QT_TRANSLATE_NOOP("domain", "tomorrow") if ahead else QT_TRANSLATE_NOOP("domain", "yesterday")
        )
    if days < 60:
        return Msg(
            QT_TRANSLATE_NOOP("domain", "in {n} days")
            if ahead
            else QT_TRANSLATE_NOOP("domain", "{n} days ago"),
            n=days,
        )
    return Msg(
        QT_TRANSLATE_NOOP("domain", "in {n} months")
        if ahead
        else QT_TRANSLATE_NOOP("domain", "{n} months ago"),
        n=days // 30,
    )


def _money(value: object) -> Amount | str:
    """An amount as money (the UI formats it in the agent's locale); anything else as it came."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Amount(value)
    return str(value)


def churn_risk(risk: float) -> Msg:
    """'churn risk 70 %'."""
    return Msg(QT_TRANSLATE_NOOP("domain", "churn risk {percent} %"), percent=round(risk * 100))


def _num(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_GENERIC_ORDER_WORDS: Final = frozenset({"order", "placed", "eur", "items", "item"})


def _order_products(summary: str, data: Mapping[str, Any]) -> frozenset[str]:
    text = summary
    items = data.get("items")
    if isinstance(items, list):
        text += " " + " ".join(str(i.get("name", "")) if isinstance(i, Mapping) else str(i) for i in items)
    for key in ("product", "name", "title"):
        text += " " + _str(data, key)
    return product_words(w for w in words(text) if w not in _GENERIC_ORDER_WORDS)


def _order_label(summary: str, order_id: str) -> str:
    """'Alpha 7 camera' out of 'Order 70555 placed: Alpha 7 camera (1899 EUR)', when a summary says it."""
    if ":" in summary:
        label = summary.split(":", 1)[1].split("(")[0].strip()
        if label:
            return label
    return Msg(QT_TRANSLATE_NOOP("domain", "order {order_id}"), order_id=order_id)


#: Contacts older than this are never counted (contacts() looks back 60 days): no need to pair them.
TWIN_HORIZON: Final = timedelta(days=90)
#: Kinds whose records are counted or listed one by one, so a twin would show twice.
_COUNTED_KINDS: Final = frozenset({"complaint"}) | PAYMENT_PROBLEMS


class History:
    """One pass over the events, bucketed by what they are about."""

    SESSION_BEFORE: Final = timedelta(minutes=120)

    def __init__(self, case: Case) -> None:
        now = case.now
        start = case.interaction.started or now
        self.session_from = start - self.SESSION_BEFORE
        self.orders: dict[str, list[EventLike]] = {}
        self.billing: list[EventLike] = []
        self.settlements: list[EventLike] = []
        self.complaints: dict[str, list[EventLike]] = {}
        self.contacts: list[EventLike] = []
        self.devices: dict[tuple[str, str], list[EventLike]] = {}
        self.cancellations: list[EventLike] = []
        self.carts: list[EventLike] = []
        self.session: list[EventLike] = []
        #: page views and searches of the last week before this visit
        self.recent_views: list[EventLike] = []
        week_ago = now - timedelta(days=7)
        self.app_errors: list[EventLike] = []
        self.surveys: list[EventLike] = []
        self.social: list[EventLike] = []
        self.other: list[EventLike] = []
        self.consent_events: list[EventLike] = []
        self.unsubscribed: list[EventLike] = []
        recent = now - timedelta(days=400)
        #: the other records of an event two systems logged (the first record's id -> the others' ids)
        self.twins: dict[str, list[str]] = {}
        for event in self._one_per_event(case.events, self.session_from):
            kind = event.kind
            at = event.at
            if at > now + timedelta(days=1) and kind != "appointment":
                continue  # from the future: a clock or data error, not something to show
            if kind == "page_view" or kind == "search":
                if at >= self.session_from:
                    self.session.append(event)
                elif at >= week_ago:
                    self.recent_views.append(event)
                continue
            if kind == "campaign_response":
                if _str(event.data, "response") == "unsubscribed":
                    self.unsubscribed.append(event)
                continue
            if kind == "consent_changed":
                self.consent_events.append(event)
                continue
            if at < recent and kind not in ("complaint",):
                continue
            data = event.data
            if kind in ORDER_KINDS:
                order_id = _str(data, "order_id")
                if order_id:
                    self.orders.setdefault(order_id, []).append(event)
            elif kind in PAYMENT_PROBLEMS:
                self.billing.append(event)
            elif kind in PAYMENT_SETTLED:
                self.settlements.append(event)
            elif kind == "complaint":
                self.complaints.setdefault(fold(_str(data, "topic")) or event.id, []).append(event)
            elif kind == "contact":
                self.contacts.append(event)
            elif kind == "device_alert":
                key = (fold(_str(data, "device")), fold(_str(data, "code")))
                self.devices.setdefault(key, []).append(event)
            elif kind == "cancellation_intent":
                self.cancellations.append(event)
            elif kind == "cart_abandoned":
                self.carts.append(event)
            elif kind in ERROR_KINDS:
                self.app_errors.append(event)
                if at >= self.session_from:
                    self.session.append(event)
            elif kind == "survey":
                self.surveys.append(event)
            elif kind == "social_post":
                self.social.append(event)
            else:
                self.other.append(event)

    def _one_per_event(self, events: Iterable[EventLike], session_from: datetime) -> Iterator[EventLike]:
        """The events, one record per event (`workstation.domain.events.collapse`): a call the
        telephony system and the CRM both logged is one contact. Only records whose twins would be
        counted twice go through it (recent contacts, complaints, open payments, this visit's pages
        and errors); the rest, thousands in a long history, are taken by latest state anyway."""
        merge: list[EventLike] = []
        contacts_from = session_from - TWIN_HORIZON
        for event in events:
            kind = event.kind
            if (
                (kind == "contact" and event.at >= contacts_from)
                or kind in _COUNTED_KINDS
                or (event.at >= session_from and (kind in WEB_KINDS or kind in ERROR_KINDS))
            ):
                merge.append(event)
            else:
                yield event
        for group in collapse(
            merge,
            kind=lambda e: e.kind,
            at=lambda e: e.at,
            channel=lambda e: e.channel,
            summary=lambda e: e.summary,
            data=lambda e: e.data,
        ):
            if len(group) == 1:
                yield group[0]
                continue
            first = group[0]
            data: dict[str, Any] = {}
            summary = ""
            for record in group:  # the later record (the CRM's wrap-up after the call) says more
                data.update({k: v for k, v in record.data.items() if v not in (None, "")})
                summary = record.summary or summary
            self.twins[first.id] = [r.id for r in group[1:]]
            yield CaseEvent(first.id, first.at, first.channel, first.kind, summary, data)


def _by_time(events: Iterable[EventLike]) -> list[EventLike]:
    return sorted(events, key=lambda e: (e.at, e.id))


class FinderBase:
    """Turns a bucketed history into situations."""

    def __init__(self, case: Case, history: History, said: Utterance) -> None:
        self.case = case
        self.now = case.now
        self.h = history
        self.said = said
        self.found: list[Situation] = []

    def add(self, situation: Situation) -> Situation:
        self.found.append(situation)
        return situation

    def days(self, at: datetime) -> float:
        return (self.now - at).total_seconds() / 86400


def _ordinal(n: int) -> Msg:
    """'3rd': one message per English suffix, so each language can say it its own way ('3.')."""
    if 10 <= n % 100 <= 20:
        return Msg(QT_TRANSLATE_NOOP("domain", "{n}th"), n=n)
    template = {
        1: QT_TRANSLATE_NOOP("domain", "{n}st"),
        2: QT_TRANSLATE_NOOP("domain", "{n}nd"),
        3: QT_TRANSLATE_NOOP("domain", "{n}rd"),
    }.get(n % 10, QT_TRANSLATE_NOOP("domain", "{n}th"))
    return Msg(template, n=n)


def _first_product(case: Case) -> str:
    for product in case.customer.products:
        name = product.get("name")
        if isinstance(name, str) and name:
            return name
    return ""
