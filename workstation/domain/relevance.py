"""The relevance engine: from a customer's history and the conversation in progress to a few ranked cards.

How it works, in three steps (each one general; nothing here knows a particular case):

1. **Situations.** One pass over the history finds what is going on: orders and their state (delayed,
   in transit, returned but not refunded), open payments, open complaints, contacts on one topic and
   whether they were resolved, active device alerts, cancellation intent, what the customer did on the
   web site in this visit (stuck in a loop? long on one product?). Old and settled things are dropped
   with the reason, so the agent can see why they are not shown.
2. **Relevance now.** Each situation is scored by its own weight and freshness, plus what the customer
   is talking about: topics in their words (German or English), order numbers they mention, product
   words, the IVR topic and the page the chat started on.
3. **Actions.** Every action of the catalog (`workstation/resources/action_catalog.toml`) answers some
   kinds of situation; its policy (the routing expression language) is a hard gate evaluated on the
   customer, the interaction, the overall context and the situation. Agents' feedback scales an
   eligible action's score in similar contexts, but can never make an ineligible action appear.
"""

from __future__ import annotations

import math
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final, Protocol

from workstation.domain.events import (
    AWARENESS_KINDS,
    ERROR_KINDS,
    ORDER_KINDS,
    PAYMENT_PROBLEMS,
    PURCHASE_KINDS,
    SERVICE_KINDS,
    WEB_KINDS,
    collapse,
    contact_unresolved,
)
from workstation.domain.relevance_text import (
    fold,
    normalise_reference,
    product_words,
    shared_products,
    words,
)
from workstation.domain.relevance_understanding import Utterance, analyse, topics_of, topics_of_text
from workstation.domain.routing_expr import CompiledExpression, ExpressionError, compile_expression

__all__ = [
    "ActionSpec",
    "Card",
    "Case",
    "CaseError",
    "Catalog",
    "ChatLine",
    "CustomerFacts",
    "FeedbackStats",
    "HiddenItem",
    "Interaction",
    "Ranking",
    "RelevanceEngine",
    "case_from_mapping",
    "check_expect",
    "journey_phase",
    "load_catalog",
]

MAX_CARDS: Final = 5
#: Cards below this score are not worth the agent's attention, even if there is room.
MIN_SCORE: Final = 10.0
#: Why a situation with no event or customer fact behind it is hidden rather than shown.
NO_EVIDENCE: Final = "weak evidence: nothing in the history or the customer record behind it"
#: The journey phases, in order (journey_phase() and Ranking.phase name one of them).
PHASES: Final = ("awareness", "interest", "purchase", "service")
DISMISS_REASONS: Final = ("not_relevant", "already_done", "wrong_customer", "inappropriate")


# --- input ---------------------------------------------------------------------------------------


class EventLike(Protocol):
    """A timeline event: the domain's TimelineEvent and the case file's events both fit."""

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


@dataclass(frozen=True, slots=True)
class CaseEvent:
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
    events = []
    for i, e in enumerate(raw_events):
        ev = _object(e, f"events[{i}]")
        events.append(
            CaseEvent(
                id=_text(ev.get("id"), f"events[{i}].id"),
                at=_time(ev.get("at"), f"events[{i}].at"),
                channel=_text(ev.get("channel"), f"events[{i}].channel", ""),
                kind=_text(ev.get("kind"), f"events[{i}].kind"),
                summary=_text(ev.get("summary"), f"events[{i}].summary", ""),
                data=_object(ev.get("data") or {}, f"events[{i}].data"),
            )
        )
    return Case(
        id=_text(obj.get("id"), "id", "case"),
        now=now,
        customer=customer,
        interaction=interaction,
        events=events,
    )


# --- the action catalog ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionSpec:
    id: str
    label: str
    does: str
    title: str
    triggers: frozenset[str]
    policy: CompiledExpression
    weight: float
    #: a title for a particular kind of situation, where the general one does not fit
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_for(self, situation_kind: str) -> str:
        return self.titles.get(situation_kind, self.title)


@dataclass(frozen=True, slots=True)
class Catalog:
    actions: tuple[ActionSpec, ...]

    def get(self, action_id: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.id == action_id), None)

    def answering(self, situation_kind: str) -> list[ActionSpec]:
        return [a for a in self.actions if situation_kind in a.triggers]


def parse_catalog(text: str, source: str = "catalog") -> Catalog:
    """A catalog from TOML text; raises ValueError naming the action and the problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: {exc}") from None
    entries = doc.get("action")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: no [[action]] entries")
    actions: list[ActionSpec] = []
    for n, entry in enumerate(entries, 1):
        where = f"{source}: action {entry.get('id', n)!r}" if isinstance(entry, dict) else f"{source}: #{n}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: not a table")
        try:
            policy = compile_expression(str(entry["policy"]))
            triggers = entry["triggers"]
            if not isinstance(triggers, list) or not all(isinstance(t, str) for t in triggers):
                raise ValueError("triggers must be a list of situation kinds")
            weight = float(entry.get("weight", 1.0))
            if not 0 < weight <= 2:
                raise ValueError("weight must be in (0, 2]")
            titles = entry.get("titles", {})
            if not isinstance(titles, dict) or not all(isinstance(v, str) for v in titles.values()):
                raise ValueError("titles must map situation kinds to strings")
            actions.append(
                ActionSpec(
                    id=str(entry["id"]),
                    label=str(entry.get("label", entry["id"])),
                    does=str(entry.get("does", "")),
                    title=str(entry.get("title", entry.get("does", entry["id"]))),
                    triggers=frozenset(triggers),
                    policy=policy,
                    weight=weight,
                    titles=dict(titles),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{where}: missing {exc.args[0]!r}") from None
        except ExpressionError as exc:
            raise ValueError(f"{where}: policy does not parse: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    ids = [a.id for a in actions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{source}: an action id appears twice")
    return Catalog(tuple(actions))


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog shipped with the application, or the one at `path`."""
    if path is not None:
        return parse_catalog(path.read_text(encoding="utf-8"), str(path))
    text = resources.files("workstation.resources").joinpath("action_catalog.toml").read_text("utf-8")
    return parse_catalog(text, "action_catalog.toml")


# --- learning from agents ------------------------------------------------------------------------

#: How much one dismissal with this reason says about the action in this context. "Wrong customer"
#: is a data problem, not the action's fault; "already done" says the action was right.
_DISMISSAL_WEIGHT: Final = {
    "not_relevant": 1.0,
    "inappropriate": 1.5,
    "already_done": 0.25,
    "wrong_customer": 0.0,
}


class FeedbackLike(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def context(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


@dataclass(slots=True)
class FeedbackStats:
    """Accepted / dismissed counts per (action, context), and the factor they put on a score."""

    accepted: dict[tuple[str, str], float] = field(default_factory=dict)
    dismissed: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def from_verdicts(cls, verdicts: Iterable[FeedbackLike]) -> FeedbackStats:
        stats = cls()
        for verdict in verdicts:
            stats.add(verdict.action, verdict.context, verdict.outcome, verdict.reason)
        return stats

    def add(self, action: str, context: str, outcome: str, reason: str | None = None) -> None:
        key = (action, context)
        if outcome == "accepted":
            self.accepted[key] = self.accepted.get(key, 0.0) + 1.0
        elif outcome == "dismissed":
            weight = _DISMISSAL_WEIGHT.get(reason or "not_relevant", 1.0)
            self.dismissed[key] = self.dismissed.get(key, 0.0) + weight

    def factor(self, action: str, context: str) -> float:
        """1.0 without feedback; towards 0.25 after many dismissals, towards 1.75 after many accepts.

        A Laplace-smoothed acceptance rate: one verdict moves the score a little, a pattern a lot.
        """
        key = (action, context)
        accepted, dismissed = self.accepted.get(key, 0.0), self.dismissed.get(key, 0.0)
        if not accepted and not dismissed:
            return 1.0
        rate = (accepted + 1.0) / (accepted + dismissed + 2.0)
        return 0.25 + 1.5 * rate

    def counts(self, action: str, context: str) -> tuple[float, float]:
        key = (action, context)
        return self.accepted.get(key, 0.0), self.dismissed.get(key, 0.0)


# --- output --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    kind: str  # "insight" | "action"
    action: str | None
    refs: tuple[str, ...]
    title: str
    reasons: tuple[str, ...]
    score: float
    #: the situation the card is about, and the learning context of an action card
    situation: str = ""
    context: str = ""
    label: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "action": self.action,
            "refs": list(self.refs),
            "title": self.title,
            "reasons": list(self.reasons),
            "score": round(self.score, 2),
        }


@dataclass(frozen=True, slots=True)
class HiddenItem:
    """Something considered and not shown, and why."""

    title: str
    why: str
    action: str | None = None
    refs: tuple[str, ...] = ()
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Ranking:
    case_id: str
    cards: tuple[Card, ...]
    hidden: tuple[HiddenItem, ...]
    phase: str
    topics: tuple[str, ...]
    elapsed_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "cards": [c.to_json() for c in self.cards],
            "hidden": len(self.hidden),
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


def check_expect(cards: Sequence[Card], expect: Mapping[str, Any]) -> list[str]:
    """What of a case's `expect` block does not hold for these cards (empty: the case passes)."""
    failures: list[str] = []
    top3 = {ref for card in cards[:3] for ref in card.refs}
    for ref in expect.get("top3_refs") or []:
        if ref not in top3:
            failures.append(f"{ref} is not referenced by the first 3 cards")
    wanted = expect.get("top_action")
    if wanted:
        first = next((c.action for c in cards if c.kind == "action"), None)
        if first != wanted:
            failures.append(f"first action is {first}, expected {wanted}")
    for banned in expect.get("never") or []:
        if any(c.action == banned or banned in c.refs for c in cards):
            failures.append(f"{banned} is shown")
    return failures


# --- journey phase -------------------------------------------------------------------------------

_PURCHASE_PAGES: Final = ("checkout", "kasse", "cart", "warenkorb", "basket", "payment", "zahlung")
_HELP_PAGES: Final = ("hilfe", "help", "faq", "support", "kontakt", "contact", "service")
_ACCOUNT_PAGES: Final = ("konto", "account", "login", "anmeld", "kuendig", "cancel", "profil")


def journey_phase(kind: str, data: Mapping[str, Any] | None = None) -> str:
    """Which of awareness → interest → purchase → service an event belongs to."""
    if kind in SERVICE_KINDS:
        return "service"
    if kind in PURCHASE_KINDS:
        return "purchase"
    if kind in AWARENESS_KINDS:
        return "awareness"
    if kind == "page_view" and data:
        where = fold(f"{data.get('url', '')} {data.get('category', '')}")
        if any(p in where for p in _PURCHASE_PAGES):
            return "purchase"
        if any(p in where for p in _HELP_PAGES + _ACCOUNT_PAGES):
            return "service"
        if "angebot" in where or "offer" in where or "sale" in where or "campaign" in where:
            return "awareness"
    return "interest"


# --- situations ----------------------------------------------------------------------------------


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


def _day(at: datetime) -> str:
    return at.strftime("%d.%m.%Y")


def _ago(now: datetime, at: datetime) -> str:
    seconds = (now - at).total_seconds()
    if seconds < 0:
        return f"in {_ago(at, now)[:-4]}".rstrip()
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    return f"{days // 30} months ago"


def _money(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.2f} €"
    return str(value)


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


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
    return f"order {order_id}"


class _History:
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
            elif kind.startswith(("payment_", "invoice_")):
                self.settlements.append(event)  # payment_received, invoice_paid, ...
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
        telephony system and the CRM both logged is one contact. Page views and searches before this
        visit are passed as they are: thousands of them, and a twin there changes nothing."""
        merge: list[EventLike] = []
        for event in events:
            if event.kind in WEB_KINDS and event.at < session_from:
                yield event
            else:
                merge.append(event)
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


def _topics(text: str) -> set[str]:
    return set(topics_of_text(text))


class _Finder:
    """Turns a bucketed history into situations."""

    def __init__(self, case: Case, history: _History, said: Utterance) -> None:
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

    # -- orders --

    def orders(self) -> None:
        for order_id, events in self.h.orders.items():
            self._order(order_id, _by_time(events))

    def _order(self, order_id: str, events: list[EventLike]) -> None:
        latest: dict[str, EventLike] = {}
        for event in events:
            latest[event.kind] = event
        placed = latest.get("order_placed")
        shipped = latest.get("order_shipped")
        delayed = latest.get("delivery_delayed")
        delivered = latest.get("delivered")
        returned = latest.get("return_requested")
        refunded = latest.get("refund_issued")
        last = events[-1]
        label = _order_label(placed.summary if placed else "", order_id)
        named = f" ({label})" if label != f"order {order_id}" else ""
        products = _order_products(placed.summary if placed else "", placed.data if placed else {})
        reference = frozenset({normalise_reference(order_id)})
        mentioned = bool(reference & self.said.references)
        age = self.days(last.at)
        value = _num(placed.data, "value") if placed else None
        attrs: dict[str, Any] = {"order_id": order_id, "product": label, "value": value}
        newest_first = [e.id for e in reversed(events)]

        def situation(
            kind: str,
            primary: EventLike,
            title: str,
            facts: list[str],
            base: float,
            half_life: float,
            topics: set[str],
            **extra: Any,
        ) -> Situation:
            refs = [primary.id] + [r for r in newest_first if r != primary.id]
            return self.add(
                Situation(
                    kind,
                    refs,
                    title,
                    facts,
                    base,
                    primary.at,
                    half_life,
                    topics,
                    {**attrs, **extra},
                    products,
                    reference,
                )
            )

        if refunded is not None and (returned is None or refunded.at >= returned.at):
            s = situation(
                "refund_issued",
                refunded,
                f"Order {order_id}: refund of {_money(refunded.data.get('amount'))} issued",
                [f"refunded {_ago(self.now, refunded.at)}"],
                10,
                14,
                {"return_refund", "order"},
                order_state="refunded",
                refunded=True,
            )
            if age > 45 and not mentioned:
                self.found.remove(s)  # routine and settled: not worth a line under hidden
            return
        if returned is not None:
            waited = self.days(returned.at)
            overdue = waited > 10
            reason = _str(returned.data, "reason")
            facts = [
                f"return requested {_ago(self.now, returned.at)}" + (f" ({reason})" if reason else ""),
                "no refund yet",
            ]
            s = situation(
                "return_open",
                returned,
                f"Return of order {order_id}{named} not refunded yet",
                facts,
                42 + (12 if overdue else 0),
                30,
                {"return_refund", "order"},
                order_state="return_open",
                refunded=False,
                service_failure=overdue,
                needs_specialist=False,
            )
            s.open, s.floor = True, 0.3
            if waited > 120 and not mentioned:
                s.stale, s.open = f"return requested {_ago(self.now, returned.at)}, probably settled", False
            return
        if delivered is not None:
            since = self.days(delivered.at)
            if self.said.not_received and (mentioned or since <= 7):
                carrier = _str(shipped.data, "carrier") if shipped else ""
                s = situation(
                    "delivery_disputed",
                    delivered,
                    f"Order {order_id}{named} marked delivered {_ago(self.now, delivered.at)}, "
                    "customer has nothing",
                    [
                        f"delivered {_day(delivered.at)}" + (f" by {carrier}" if carrier else ""),
                        "customer says it did not arrive: trace with the carrier",
                    ],
                    46,
                    10,
                    {"delivery", "order"},
                    order_state="disputed",
                    service_failure=True,
                    needs_specialist=True,
                    topic="missing parcel",
                    carrier=carrier,
                )
                s.open = True
                return
            s = situation(
                "recent_order",
                placed or delivered,
                f"Bought {label} {_ago(self.now, (placed or delivered).at)}"
                if placed
                else f"Order {order_id} delivered",
                [f"delivered {_ago(self.now, delivered.at)}"],
                8,
                20,
                {"order", "product_advice", "delivery"} if since <= 14 else {"order", "product_advice"},
                order_state="delivered",
            )
            if self.days(delivered.at) > 45 and not mentioned:
                self.found.remove(s)  # routine and settled: not worth a line under hidden
            return
        if placed is None and shipped is None and delayed is None:
            return
        eta = _when(shipped.data.get("eta")) if shipped else None
        if delayed is not None:
            new_eta = _when(delayed.data.get("new_eta"))
            reason = _str(delayed.data, "reason")
            facts = []
            if eta and new_eta and new_eta > eta:
                late = (new_eta - eta).total_seconds() / 86400
                facts.append(
                    f"delayed {round(late)} day{'s' if round(late) != 1 else ''}: "
                    f"was due {_day(eta)}, now {_day(new_eta)}"
                )
            elif new_eta:
                facts.append(f"new delivery date {_day(new_eta)}")
            if reason:
                facts.append(f"reason: {reason}")
            s = situation(
                "order_delayed",
                delayed,
                f"Order {order_id} is delayed" + (f" ({reason})" if reason else ""),
                facts,
                52,
                10,
                {"delivery", "order"},
                order_state="delayed",
                service_failure=True,
                carrier=_str(shipped.data, "carrier") if shipped else "",
            )
            s.open, s.floor = True, 0.2
            if age > 60 and not mentioned:
                s.stale, s.open = f"delay reported {_ago(self.now, delayed.at)}, no news since", False
            return
        if shipped is not None:
            carrier = _str(shipped.data, "carrier")
            overdue = eta is not None and self.now > eta + timedelta(hours=12)
            facts = [f"shipped {_ago(self.now, shipped.at)}" + (f" with {carrier}" if carrier else "")]
            if eta:
                facts.append(f"expected {_day(eta)}" + (" — overdue" if overdue else ""))
            if overdue:
                s = situation(
                    "order_delayed",
                    shipped,
                    f"Order {order_id} is overdue",
                    facts,
                    48,
                    10,
                    {"delivery", "order"},
                    order_state="delayed",
                    service_failure=True,
                    carrier=carrier,
                )
                s.open, s.floor = True, 0.2
            else:
                s = situation(
                    "order_in_transit",
                    shipped,
                    f"Order {order_id}{named} is on its way",
                    facts,
                    26,
                    7,
                    {"delivery", "order"},
                    order_state="in_transit",
                    carrier=carrier,
                )
            if age > 45 and not mentioned:
                s.stale, s.open = f"shipped {_ago(self.now, shipped.at)}, no delivery recorded", False
            return
        assert placed is not None
        s = situation(
            "order_processing",
            placed,
            f"Order {order_id}{named} placed {_ago(self.now, placed.at)}, not shipped yet",
            [
                f"placed {_day(placed.at)}" + (f", {_money(value)}" if value else ""),
                "not shipped yet: address and items can still change",
            ],
            18,
            7,
            {"order", "delivery", "address"},
            order_state="processing",
        )
        if age > 30 and not mentioned:
            s.stale = f"placed {_ago(self.now, placed.at)}, no shipment recorded"

    # -- billing --

    def billing(self) -> None:
        open_items = []
        for event in _by_time(self.h.billing):
            settled = any(s.at > event.at for s in self.h.settlements)
            if settled or self.days(event.at) > 90:
                continue
            open_items.append(event)
        if not open_items:
            return
        newest = open_items[-1]
        facts = []
        amounts = []
        for event in reversed(open_items):
            amount = event.data.get("amount")
            amounts.append(amount)
            if event.kind == "payment_failed":
                reason = _str(event.data, "reason")
                facts.append(
                    f"payment of {_money(amount)} failed {_ago(self.now, event.at)}"
                    + (f" ({reason})" if reason else "")
                )
            else:
                days = event.data.get("days")
                facts.append(
                    f"invoice {_str(event.data, 'invoice_id')} overdue"
                    + (f" {days} days" if days is not None else "")
                    + f": {_money(amount)}"
                )
        refs_ids = frozenset(
            normalise_reference(_str(e.data, "invoice_id")) for e in open_items if _str(e.data, "invoice_id")
        )
        s = self.add(
            Situation(
                "billing_open",
                [e.id for e in reversed(open_items)],
                "Open payment: " + facts[0],
                facts,
                50,
                newest.at,
                30,
                {"billing"},
                {"amount": _money(amounts[0]), "count": len(open_items)},
                frozenset(),
                refs_ids,
            )
        )
        s.open, s.floor = True, 0.3

    # -- complaints --

    def complaints(self) -> None:
        for events in self.h.complaints.values():
            ordered = _by_time(events)
            last = ordered[-1]
            topic = _str(last.data, "topic") or "complaint"
            severity = _str(last.data, "severity") or "medium"
            is_open = _str(last.data, "status") != "resolved"
            refs = [e.id for e in reversed(ordered)]
            topics = {"complaint"} | _topics(topic)
            if is_open:
                base = {"high": 58, "medium": 42, "low": 28}.get(severity, 40)
                s = self.add(
                    Situation(
                        "complaint_open",
                        refs,
                        f"Open complaint: {topic} ({severity})",
                        [
                            f"complaint raised {_ago(self.now, ordered[0].at)}, still open",
                            f"severity {severity}",
                        ],
                        base,
                        last.at,
                        60,
                        topics,
                        {
                            "topic": topic,
                            "severity": severity,
                            "open": True,
                            "service_failure": True,
                            "needs_specialist": severity == "high",
                        },
                        product_words(words(topic)),
                    )
                )
                s.open, s.floor = True, 0.5
            else:
                s = self.add(
                    Situation(
                        "complaint_resolved",
                        refs,
                        f"Complaint about {topic} resolved {_ago(self.now, last.at)}",
                        [f"resolved {_day(last.at)}"],
                        10,
                        last.at,
                        14,
                        topics,
                        {"topic": topic, "severity": severity, "open": False},
                        product_words(words(topic)),
                    )
                )
                if self.days(last.at) > 30:
                    s.stale = f"resolved {_ago(self.now, last.at)}"

    # -- contacts on one topic --

    def contacts(self, current_topics: set[str]) -> None:
        groups: dict[str, list[EventLike]] = {}
        for event in self.h.contacts:
            if self.days(event.at) > 60:
                continue
            raw = _str(event.data, "topic")
            found = topics_of(words(raw))
            key = max(found, key=lambda t: found[t]) if found else fold(raw) or "other"
            groups.setdefault(key, []).append(event)
        for key, events in groups.items():
            ordered = _by_time(events)
            # The streak since the last resolved contact is the open issue.
            streak: list[EventLike] = []
            for event in ordered:
                unresolved = contact_unresolved(event.data)
                if unresolved is False:
                    streak = []
                elif unresolved or streak:  # a record without outcome continues an open streak
                    streak.append(event)
            last = ordered[-1]
            topic = _str(last.data, "topic") or key
            topics = {key} | _topics(topic)
            about_now = bool(topics & current_topics)
            if streak:
                topics.add("follow_up")  # "you promised to call back": about any open contact
            if not streak:
                if about_now and self.said.repeat and self.days(last.at) <= 14:
                    streak = [last]  # "it's broken again": the customer says it is not resolved
                else:
                    s = self.add(
                        Situation(
                            "recent_contact",
                            [last.id],
                            f"{last.channel.capitalize()} contact about {topic} "
                            f"{_ago(self.now, last.at)} (resolved)",
                            [f"resolved {_day(last.at)}"],
                            8,
                            last.at,
                            7,
                            topics,
                            {"topic": topic},
                        )
                    )
                    if self.days(last.at) > 14:
                        self.found.remove(s)  # routine and settled: not worth a line under hidden
                    continue
            first = streak[0]
            if self.days(first.at) > 30 and not about_now:
                continue
            number = len(streak) + (1 if about_now else 0)
            promised = _str(streak[-1].data, "outcome") == "callback_promised"
            kind = "callback_due" if promised else "unresolved_contact"
            facts = []
            if number >= 2:
                facts.append(f"{_ordinal(number)} contact on the same unresolved topic")
            channels = ", ".join(sorted({e.channel for e in streak}))
            facts.append(f"{len(streak)} earlier ({channels}), first {_ago(self.now, first.at)}")
            if promised:
                facts.insert(0, f"callback promised {_ago(self.now, streak[-1].at)}, not kept")
            sentiment = _num(streak[-1].data, "sentiment")
            if sentiment is not None and sentiment <= -0.3:
                facts.append("customer was upset last time")
            title = (
                f"Callback on {topic} promised {_ago(self.now, streak[-1].at)}"
                if promised
                else f"Unresolved: {topic}"
            )
            technical = "technical" in topics
            s = self.add(
                Situation(
                    kind,
                    [e.id for e in reversed(streak)],
                    title,
                    facts,
                    (44 if promised else 34) + 6 * min(number - 1, 3),
                    streak[-1].at,
                    10,
                    topics,
                    {
                        "topic": topic,
                        "contact_number": number,
                        "service_failure": (promised and self.days(streak[-1].at) >= 0.17) or number >= 3,
                        "needs_specialist": promised or technical or number >= 2,
                        "open": True,
                    },
                    product_words(words(topic)),
                )
            )
            s.open, s.floor = True, 0.2

    # -- devices --

    def devices(self) -> None:
        for (_device, _code), events in self.h.devices.items():
            ordered = _by_time(events)
            last = ordered[-1]
            device = _str(last.data, "device") or "device"
            code = _str(last.data, "code")
            severity = _str(last.data, "severity") or "warning"
            active = last.data.get("active") is not False
            refs = [e.id for e in reversed(ordered)]
            msg = _str(last.data, "message")
            if not active:
                s = self.add(
                    Situation(
                        "device_cleared",
                        refs,
                        f"{device}: alert {code} cleared",
                        [f"cleared {_day(last.at)}"],
                        6,
                        last.at,
                        3,
                        {"technical"},
                        {"device": device, "active": False},
                        product_words(words(device)),
                    )
                )
                if self.days(last.at) > 7:
                    self.found.remove(s)  # routine and settled: not worth a line under hidden
                continue
            since = ordered[0]
            for event in reversed(ordered):
                if event.data.get("active") is False:
                    break
                since = event
            facts = [
                f"{severity} alert {code}" + (f": {msg}" if msg else "") + f", active since "
                f"{_ago(self.now, since.at)}"
            ]
            base = {"critical": 52, "warning": 36, "info": 14}.get(severity, 30)
            s = self.add(
                Situation(
                    "device_alert",
                    refs,
                    f"{device}: {code or 'alert'} ({severity})" + (f" — {msg}" if msg else ""),
                    facts,
                    base,
                    last.at,
                    30,
                    {"technical"},
                    {
                        "device": device,
                        "active": True,
                        "severity": severity,
                        "topic": device,
                        "needs_specialist": severity == "critical",
                        "service_failure": severity == "critical" and self.days(since.at) >= 0.5,
                    },
                    product_words(words(f"{device} {code}")),
                )
            )
            s.open, s.floor = True, 0.5
            if self.days(last.at) > 90:
                s.stale, s.open = f"last reported {_ago(self.now, last.at)}", False

    # -- cancellation --

    def cancellation(self) -> None:
        recent = [e for e in self.h.cancellations if self.days(e.at) <= 90]
        pages = [e for e in self.h.session if e.kind == "page_view" and "cancellation" in _page_topics(e)]
        said = "cancellation" in self.said.topics
        if not recent and not said:
            for event in self.h.cancellations:
                self.add(
                    Situation(
                        "cancellation_intent",
                        [event.id],
                        event.summary or "Cancellation intent",
                        [],
                        0,
                        event.at,
                        30,
                        {"cancellation"},
                        stale=f"{_ago(self.now, event.at)}, no follow-up",
                    )
                )
            return
        events = _by_time(recent + pages)
        newest = events[-1] if events else None
        first_intent = _by_time(recent)[-1] if recent else None
        product = (_str(first_intent.data, "product") if first_intent else "") or _first_product(self.case)
        reason = _str(first_intent.data, "reason") if first_intent else ""
        facts = []
        if first_intent is not None:
            facts.append(
                f"said {_ago(self.now, first_intent.at)} by {first_intent.channel} that they want "
                f"to cancel {product}" + (f" ({reason})" if reason else "")
            )
        if pages:
            facts.append(f"on the cancellation page {_ago(self.now, pages[-1].at)}")
        if said:
            facts.append("says so now")
        churn = self.case.customer.churn_risk
        if churn >= 0.5:
            facts.append(f"churn risk {round(churn * 100)} %")
        refs = ([first_intent.id] if first_intent else []) + [
            e.id for e in reversed(events) if first_intent is None or e.id != first_intent.id
        ]
        if not refs and self.case.customer.products:
            refs = ["fact:products"]  # said only now: the contract on record is what it is about
        s = self.add(
            Situation(
                "cancellation_intent",
                refs,
                f"Wants to cancel {product}" if product else "Wants to cancel",
                facts,
                50,
                newest.at if newest else self.now,
                30,
                {"cancellation"},
                {"product": product or "the contract", "reason": reason},
                product_words(words(product)),
            )
        )
        s.floor = 0.5 if said else 0.0

    # -- the web visit --

    def session(self) -> None:
        visit = _by_time(self.h.session)
        interaction = self.case.interaction
        page_topics = _topics(f"{interaction.page_url or ''} {interaction.page_title or ''}")
        views = [e for e in visit if e.kind == "page_view"]
        signals: list[str] = []
        evidence: dict[str, EventLike] = {}
        seen: dict[str, list[EventLike]] = {}
        for event in views:
            seen.setdefault(_page_key(_str(event.data, "url")), []).append(event)
        loops = [(url, hits) for url, hits in seen.items() if url and len(hits) >= 2]
        if loops:
            # Each return to a page already seen is evidence: back and forth twice says more than once.
            returns = sum(len(hits) - 1 for _, hits in loops)
            if returns >= LOOP_RETURNS_STRONG:
                signals.append(f"came back {returns} times to pages already seen")
            signals.append(
                "went back and forth between "
                + " and ".join(f"'{_str(hits[-1].data, 'title') or url}'" for url, hits in loops[:2])
            )
            for _, hits in loops:
                for e in hits:
                    evidence[e.id] = e
        help_views = [e for e in views if _is_help(e)]
        if help_views:
            signals.append(
                f"read help page{'s' if len(help_views) > 1 else ''} "
                + ", ".join(sorted({f"'{_str(e.data, 'title')}'" for e in help_views}))
            )
            for e in help_views:
                evidence[e.id] = e
        long_forms = [e for e in views if _is_form(e) and (_num(e.data, "seconds") or 0) >= 120]
        if long_forms:
            longest = max(long_forms, key=lambda e: _num(e.data, "seconds") or 0)
            signals.append(
                f"{round((_num(longest.data, 'seconds') or 0) / 60)} min on '{_str(longest.data, 'title')}'"
            )
            for e in long_forms:
                evidence[e.id] = e
        searches = [e for e in visit if e.kind == "search"]
        if len(searches) >= 2:
            signals.append(f"searched {len(searches)} times")
            for e in searches:
                evidence[e.id] = e
        errors = [e for e in visit if e.kind in ERROR_KINDS]
        if errors:
            last_error = errors[-1].data
            where = _str(last_error, "screen") or _str(last_error, "form") or _str(last_error, "field")
            signals.append(f"error on '{where or errors[-1].summary}'")
            for e in errors:
                evidence[e.id] = e
        carts = [e for e in self.h.carts if e.at >= self.h.session_from]
        if carts:
            signals.append(f"left a cart of {_money(carts[-1].data.get('value'))}")
            for e in carts:
                evidence[e.id] = e
        strength = len(signals)
        if "website_help" in self.said.topics:
            strength += 2
            signals.append("says they cannot find their way")
        page_url = fold(interaction.page_url or "")
        if page_url and (
            "website_help" in page_topics or any(p in page_url for p in _PURCHASE_PAGES + _HELP_PAGES)
        ):
            strength += 1
            signals.append(f"chat started on '{interaction.page_title or interaction.page_url}'")
        if strength >= 3 and (evidence or "website_help" in self.said.topics):
            refs = [e.id for e in sorted(evidence.values(), key=lambda e: (e.at, e.id), reverse=True)][:8]
            where = interaction.page_title or (_str(views[-1].data, "title") if views else "the web site")
            self.add(
                Situation(
                    "stuck_on_site",
                    refs,
                    f"Stuck on the web site: {where}",
                    signals,
                    14 + 7 * strength,
                    views[-1].at if views else self.now,
                    1,
                    {"website_help"} | page_topics,
                    {"page": where},
                    frozenset(),
                    frozenset(),
                )
            )
        # Long on products: interest (and, if they ask, the thing they want to see or buy).
        product_views = [e for e in views if _is_product(e)]
        dwell = sum(_num(e.data, "seconds") or 0 for e in product_views)
        if product_views and dwell >= 180:
            by_dwell: dict[str, float] = {}
            titles: dict[str, str] = {}
            for e in product_views:
                key = _str(e.data, "url").split("#")[0]
                by_dwell[key] = by_dwell.get(key, 0) + (_num(e.data, "seconds") or 0)
                titles.setdefault(key, _str(e.data, "title"))
            top = max(by_dwell, key=lambda k: by_dwell[k])
            product = titles[top] or top
            refs = [
                e.id
                for e in sorted(
                    product_views,
                    key=lambda e: (
                        -(by_dwell[_str(e.data, "url").split("#")[0]]),
                        -(_num(e.data, "seconds") or 0),
                    ),
                )
            ][:6]
            words_seen = product_words(
                w
                for e in product_views
                for w in words(
                    f"{_str(e.data, 'title')} {_str(e.data, 'category')} "
                    f"{_str(e.data, 'url').rsplit('/', 1)[-1]}"
                )
            )
            self.add(
                Situation(
                    "product_interest",
                    refs,
                    f"Looked at {product} for {round(dwell / 60)} min",
                    [f"{round(dwell / 60)} min on product pages in this visit, most on '{product}'"],
                    12 + min(dwell / 60, 30) * 0.8,
                    product_views[-1].at,
                    1,
                    {"product_advice"},
                    {"product": product, "minutes": round(dwell / 60)},
                    words_seen,
                )
            )

    # -- what the customer asks for, beyond the history --

    def requests(self) -> None:
        if "in_person" in self.said.topics:
            interest = next((s for s in self.found if s.kind == "product_interest"), None)
            refs = list(interest.refs) if interest else []
            product = interest.attrs["product"] if interest else (self.case.interaction.page_title or "")
            products = interest.products if interest else frozenset()
            facts = ["asks to see or try it in person"]
            if interest is not None:
                facts.extend(interest.facts)
            else:
                seen, product_seen = self._recently_viewed()
                if seen:
                    refs = [e.id for e in seen]
                    product = product or product_seen
                    products = product_words(w for e in seen for w in words(_view_text(e)))
                    facts.append(f"looked at '{product_seen}' {_ago(self.now, seen[0].at)}")
                else:
                    refs = self._matching_orders()[:2]
            self.add(
                Situation(
                    "wants_in_person",
                    refs,
                    f"Wants to see {product or 'it'} in person",
                    facts,
                    30,
                    self.now,
                    1,
                    {"in_person"},
                    {"product": product or "the product"},
                    products,
                )
            )
        if "product_advice" in self.said.topics or (self.said.purchase and self.said.products):
            best = self._best_recent_order()
            if best is not None:
                best.kind = "purchase_followup"
                best.facts = [*best.facts, "asks what goes with it"]
                best.base = 22
                best.topics |= {"product_advice"}
            else:
                interest = next((s for s in self.found if s.kind == "product_interest"), None)
                if interest is not None:
                    interest.topics.add("product_advice")

    def _recently_viewed(self) -> tuple[list[EventLike], str]:
        """Product pages of the last days the customer's words point at (else the last day's
        most-viewed one), newest first, and the product's name."""
        views = [e for e in self.h.recent_views if e.kind == "page_view" and _is_product(e)]
        searches = [e for e in self.h.recent_views if e.kind == "search"]
        matched = [
            e
            for e in views + searches
            if shared_products(self.said.products, product_words(words(_view_text(e))))
        ]
        if not matched:
            day = [e for e in views if self.days(e.at) <= 1]
            matched = [max(day, key=lambda e: _num(e.data, "seconds") or 0)] if day else []
        matched.sort(key=lambda e: (e.kind != "page_view", -(_num(e.data, "seconds") or 0)))
        pages = [e for e in matched if e.kind == "page_view"]
        name = _str(pages[0].data, "title") if pages else _str(matched[0].data, "query") if matched else ""
        return matched[:4], name

    def _matching_orders(self) -> list[str]:
        refs: list[str] = []
        for s in self.found:
            is_order = s.kind.startswith("order") or s.kind == "recent_order"
            if is_order and shared_products(self.said.products, s.products):
                refs.extend(s.refs)
        return refs

    def _best_recent_order(self) -> Situation | None:
        orders = [s for s in self.found if s.kind == "recent_order" and s.stale is None]
        if not orders:
            return None
        matched = [s for s in orders if shared_products(self.said.products, s.products)]
        pool = matched or ([max(orders, key=lambda s: s.at)] if self.said.purchase else [])
        return max(pool, key=lambda s: s.at) if pool else None

    # -- smaller signals --

    def others(self) -> None:
        errors = [e for e in self.h.app_errors if self.days(e.at) <= 7]
        if errors:
            last = errors[-1]
            s = self.add(
                Situation(
                    "app_error",
                    [e.id for e in reversed(errors)][:5],
                    f"App error on '{_str(last.data, 'screen')}': "
                    f"{_str(last.data, 'message') or _str(last.data, 'code')}",
                    [
                        f"{len(errors)} error{'s' if len(errors) > 1 else ''} in the app this week, last "
                        f"{_ago(self.now, last.at)}"
                    ],
                    22 + 4 * min(len(errors), 4),
                    last.at,
                    3,
                    {"technical", "website_help", "account"},
                    {"topic": "app error", "needs_specialist": len(errors) >= 3},
                )
            )
            s.open = True
        for event in self.h.surveys:
            nps = _num(event.data, "nps")
            if nps is not None and nps <= 6 and self.days(event.at) <= 60:
                comment = _str(event.data, "comment")
                self.add(
                    Situation(
                        "detractor",
                        [event.id],
                        f"Gave NPS {int(nps)} {_ago(self.now, event.at)}",
                        [f"comment: “{comment}”"] if comment else ["unhappy in the last survey"],
                        20,
                        event.at,
                        30,
                        {"complaint"} | _topics(comment),
                        {},
                        product_words(words(comment)),
                    )
                )
        for event in self.h.social:
            sentiment = _num(event.data, "sentiment")
            if sentiment is not None and sentiment <= -0.3 and self.days(event.at) <= 30:
                text = _str(event.data, "text")
                self.add(
                    Situation(
                        "public_complaint",
                        [event.id],
                        f"Complained publicly {_ago(self.now, event.at)}",
                        [f"“{text[:120]}”"] if text else [],
                        30,
                        event.at,
                        14,
                        {"complaint"} | _topics(text),
                        {"topic": "social media post"},
                        product_words(words(text)),
                    )
                )
        for event in self.h.carts:
            if self.days(event.at) <= 14 and event.at < self.h.session_from:
                self.add(
                    Situation(
                        "cart_abandoned",
                        [event.id],
                        f"Left a cart of {_money(event.data.get('value'))} {_ago(self.now, event.at)}",
                        [],
                        16,
                        event.at,
                        4,
                        {"order", "website_help"},
                        {"value": event.data.get("value")},
                    )
                )
        for event in self.h.other:
            age = self.days(event.at)
            if event.kind == "address_change" and age <= 30:
                self.add(
                    Situation(
                        "address_changed",
                        [event.id],
                        f"Address changed {_ago(self.now, event.at)}",
                        [],
                        12,
                        event.at,
                        14,
                        {"address", "delivery"},
                    )
                )
            elif event.kind == "appointment":
                when = _when(event.data.get("at")) or event.at
                if -2 <= (when - self.now).total_seconds() / 86400 <= 30:
                    self.add(
                        Situation(
                            "appointment",
                            [event.id],
                            f"Appointment at {_str(event.data, 'branch') or 'a branch'} on {_day(when)}",
                            [_str(event.data, "topic")] if event.data.get("topic") else [],
                            18,
                            self.now,
                            30,
                            {"in_person"} | _topics(_str(event.data, "topic")),
                            {},
                        )
                    )
            elif event.kind == "contract_change" and age <= 30:
                self.add(
                    Situation(
                        "contract_changed",
                        [event.id],
                        event.summary or f"Contract changed {_ago(self.now, event.at)}",
                        [f"{_str(event.data, 'change')} {_str(event.data, 'product')}".strip()],
                        12,
                        event.at,
                        14,
                        {"billing", "cancellation"},
                        {},
                        product_words(words(_str(event.data, "product"))),
                    )
                )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _first_product(case: Case) -> str:
    for product in case.customer.products:
        name = product.get("name")
        if isinstance(name, str) and name:
            return name
    return ""


#: Returns to already-seen pages in one visit from which a loop counts as two signals, not one.
LOOP_RETURNS_STRONG: Final = 2


def _page_key(url: str) -> str:
    """One page whatever the query, fragment, trailing slash or case ("/Hilfe/?x=1#a" = "/hilfe")."""
    return url.split("#")[0].split("?")[0].rstrip("/").lower()


def _view_text(event: EventLike) -> str:
    data = event.data
    slug = _str(data, "url").split("#")[0].rsplit("/", 1)[-1]
    return f"{_str(data, 'title')} {_str(data, 'category')} {slug} {_str(data, 'query')}"


def _page_topics(event: EventLike) -> set[str]:
    data = event.data
    return _topics(f"{_str(data, 'url')} {_str(data, 'title')} {_str(data, 'category')}")


def _where(event: EventLike) -> str:
    data = event.data
    return fold(f"{_str(data, 'url')} {_str(data, 'category')}")


def _is_help(event: EventLike) -> bool:
    where = _where(event)
    return any(f"/{p}" in where or where.endswith(f" {p}") for p in _HELP_PAGES)


def _is_form(event: EventLike) -> bool:
    where = _where(event)
    return any(p in where for p in _PURCHASE_PAGES + _ACCOUNT_PAGES)


def _is_product(event: EventLike) -> bool:
    if _is_help(event) or _is_form(event):
        return False
    url = fold(_str(event.data, "url"))
    return "/p/" in url or "/product" in url or "/produkt" in url or "/artikel" in url


# --- the engine ----------------------------------------------------------------------------------

#: Evidence weights: what the customer says counts most, then the IVR topic, then the page.
_SAID: Final = 40.0
_IVR: Final = 28.0
_PAGE: Final = 10.0
_MENTIONED: Final = 60.0
_PRODUCT: Final = 24.0
_REPEAT: Final = 12.0
_ACTION_EDGE: Final = 2.0

#: How much a generic topic counts next to a specific one when weighing what the customer said.
_GENERIC_TOPIC_SHARE: Final = {"order": 0.5}


def _specific(topic: str, evidence: float) -> float:
    return evidence * _GENERIC_TOPIC_SHARE.get(topic, 1.0)


_TIER_NAMES: Final = {"platinum": "Platinum", "gold": "Gold", "silver": "Silver", "bronze": "Bronze"}
_TOPIC_WORDS: Final = {
    "delivery": "delivery",
    "order": "an order",
    "return_refund": "a return or refund",
    "billing": "billing",
    "cancellation": "cancelling",
    "technical": "a technical problem",
    "complaint": "a complaint",
    "website_help": "finding their way on the web site",
    "in_person": "seeing it in person",
    "product_advice": "product advice",
    "address": "their address",
    "account": "their account",
    "follow_up": "an earlier contact that was not followed up",
}


class RelevanceEngine:
    """Ranks cards for one case. Pure and thread-safe; `feedback` may be replaced between calls."""

    def __init__(self, catalog: Catalog | None = None, feedback: FeedbackStats | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self.feedback = feedback or FeedbackStats()

    def rank(
        self,
        case: Case,
        *,
        handled: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> Ranking:
        """The cards for `case`; `handled` maps action ids the agent already did or dismissed here
        to how ("accepted", or a dismissal reason): those are not suggested again in this conversation."""
        started = clock()
        said = self._said(case)
        ivr = _topics(case.interaction.topic or "") | (
            {case.interaction.topic} if case.interaction.topic in _TOPIC_WORDS else set()
        )
        page = _topics(f"{case.interaction.page_url or ''} {case.interaction.page_title or ''}")
        history = _History(case)
        finder = _Finder(case, history, said)
        current_topics = set(said.topics) | ivr
        finder.orders()
        finder.billing()
        finder.complaints()
        finder.contacts(current_topics)
        finder.devices()
        finder.cancellation()
        finder.session()
        finder.others()
        finder.requests()
        situations = [s for s in finder.found if s.stale is None]
        if history.twins:  # a card names every record of its events, from whichever system
            for s in finder.found:
                s.refs = [r for ref in s.refs for r in (ref, *history.twins.get(ref, ()))]
        stale = [
            HiddenItem(s.title, f"not current: {s.stale}", refs=tuple(s.refs[:3]))
            for s in finder.found
            if s.stale is not None
        ]
        for s in situations:
            self._score(case, s, said, ivr, page)
        valued = case.customer.value_tier in ("gold", "platinum") or case.customer.clv >= 2000
        open_count = sum(1 for s in situations if s.open)
        cancel = any(s.kind == "cancellation_intent" for s in situations)
        if valued and (open_count or cancel):
            situations.append(self._valued(case, open_count, cancel))
        marketing = self._marketing_consent(case, history) and not said.no_marketing
        facts = {
            "customer": {
                "id": case.customer.id,
                "value_tier": case.customer.value_tier,
                "clv": case.customer.clv,
                "churn_risk": case.customer.churn_risk,
                "segment": case.customer.segment,
                "language": case.customer.language,
                "consents": {
                    **case.customer.consents,
                    "marketing": marketing,
                    "cobrowse": case.customer.consents.get("cobrowse") is True,
                },
            },
            "interaction": {
                "channel": case.interaction.channel,
                "topics": sorted(current_topics),
                "web_context": case.interaction.channel in ("chat", "video")
                or bool(case.interaction.page_url),
            },
            "context": {"open_problems": open_count, "cancellation_intent": cancel, "valued": valued},
        }
        main_topic = self._main_topic(said, ivr)
        cards, more_hidden = self._cards(case, situations, facts, main_topic, handled or {})
        hidden = [*more_hidden, *stale]
        phase = self._phase(situations, said)
        return Ranking(
            case_id=case.id,
            cards=tuple(cards),
            hidden=tuple(hidden),
            phase=phase,
            topics=tuple(sorted(current_topics)),
            elapsed_ms=(clock() - started) * 1000,
        )

    # -- understanding the conversation --

    @staticmethod
    def _said(case: Case) -> Utterance:
        texts = [m.text for m in case.interaction.messages if m.sender == "customer"]
        return analyse("\n".join(texts))

    @staticmethod
    def _main_topic(said: Utterance, ivr: set[str]) -> str:
        if said.topics:
            # "order" is what people say about most things; a more specific topic names the context.
            specific = {t: n for t, n in said.topics.items() if t != "order"} or said.topics
            return max(sorted(specific), key=lambda t: specific[t])
        return sorted(ivr)[0] if ivr else "none"

    @staticmethod
    def _marketing_consent(case: Case, history: _History) -> bool:
        """Marketing consent as in force now: the record, unless a later withdrawal or opt-out says no."""
        consent = case.customer.consents.get("marketing") is True
        changes = _by_time(history.consent_events)
        if changes and changes[-1].data.get("marketing") is False:
            consent = False
        return consent and not history.unsubscribed

    # -- scoring --

    def _score(self, case: Case, s: Situation, said: Utterance, ivr: set[str], page: set[str]) -> None:
        age_days = max(0.0, (case.now - s.at).total_seconds() / 86400)
        fresh = max(s.floor, 0.5 ** (age_days / s.half_life_days)) if s.half_life_days > 0 else 1.0
        score = s.base * fresh
        reasons = list(s.facts)
        overlap = [t for t in said.topics if t in s.topics]
        if overlap:
            best = max(overlap, key=lambda t: (said.topics[t], t != "order"))
            # What the customer says most about counts fully; a side topic (often just "order",
            # which people say about everything) only a little: relative evidence, squared.
            main = max(_specific(t, v) for t, v in said.topics.items())
            share = max(_specific(t, said.topics[t]) for t in overlap) / main
            strength = min(1.0, 0.6 + 0.2 * sum(said.topics[t] for t in overlap))
            score += _SAID * strength * share * share
            reasons.append(f"customer is asking about {_TOPIC_WORDS.get(best, best)}")
        elif s.topics & ivr:
            score += _IVR
            reasons.append(f"call is about {_TOPIC_WORDS.get(sorted(s.topics & ivr)[0], 'this')}")
        if s.topics & page and not overlap:
            score += _PAGE
        mentioned = s.references & said.references
        if mentioned:
            score += _MENTIONED
            reasons.append(f"customer mentions {', '.join(sorted(mentioned))}")
        products = shared_products(said.products, s.products)
        if products:
            score += _PRODUCT
            reasons.append(f"customer mentions the {products[0]}")
        if said.repeat and s.kind in ("callback_due", "unresolved_contact") and overlap:
            score += _REPEAT
            reasons.append("customer says it is not the first time")
        s.score = score
        s.reasons = reasons

    def _valued(self, case: Case, open_count: int, cancel: bool) -> Situation:
        c = case.customer
        facts = [f"{_TIER_NAMES.get(c.value_tier, c.value_tier)} customer, CLV {c.clv:,.0f} €"]
        refs = ["fact:value_tier", "fact:clv"]
        if c.churn_risk >= 0.5:
            facts.append(f"churn risk {round(c.churn_risk * 100)} %")
            refs.append("fact:churn_risk")
        why = "wants to cancel" if cancel else f"{open_count} open problem{'s' if open_count > 1 else ''}"
        title = "Valued customer who wants to cancel" if cancel else f"Valued customer with {why}"
        s = Situation("valued_customer", refs, title, facts, 16, case.now, 0, set())
        s.score = 16 + (8 if cancel else 0) + 3 * min(open_count, 3)
        s.reasons = list(facts)
        return s

    # -- from situations to cards --

    def _cards(
        self,
        case: Case,
        situations: list[Situation],
        facts: dict[str, Any],
        main_topic: str,
        handled: Mapping[str, str],
    ) -> tuple[list[Card], list[HiddenItem]]:
        candidates: list[Card] = []
        hidden: list[HiddenItem] = []
        blocked: dict[str, HiddenItem] = {}
        by_action: dict[tuple[str, str], Card] = {}
        channel = case.interaction.channel
        for s in sorted(situations, key=lambda s: -s.score):
            scope = {**facts, "situation": {"kind": s.kind, "open": s.open, **s.attrs}}
            eligible = 0
            for spec in self.catalog.answering(s.kind):
                if not spec.policy.evaluate(scope, {}):
                    if spec.id not in blocked:
                        why = "; ".join(str(e) for e in spec.policy.explain(scope, {}) if not e.held)
                        blocked[spec.id] = HiddenItem(
                            _format(spec.title_for(s.kind), s.attrs),
                            f"not allowed: {why}",
                            spec.id,
                            tuple(s.refs[:3]),
                            0.0,
                        )
                    continue
                context = f"{channel}|{main_topic}|{s.kind}"
                factor = self.feedback.factor(spec.id, context)
                reasons = list(s.reasons)
                reasons.extend(self._policy_reasons(spec, case, facts))
                accepted, dismissed = self.feedback.counts(spec.id, context)
                if factor < 0.85:
                    reasons.append(f"ranked lower: agents dismissed it {dismissed:g}× in similar {channel}s")
                elif factor > 1.15:
                    reasons.append(f"agents took this {accepted:g}× in similar {channel}s")
                refs = tuple(s.refs) + self._policy_refs(spec)
                if not refs:
                    # Nothing in the history or the customer's record behind it (a word in passing,
                    # "zum nächsten Termin"): an action the agent cannot check is not offered; say why.
                    hidden.append(HiddenItem(_format(spec.title_for(s.kind), s.attrs), NO_EVIDENCE, spec.id))
                    continue
                card = Card(
                    kind="action",
                    action=spec.id,
                    refs=refs,
                    title=_format(spec.title_for(s.kind), s.attrs),
                    reasons=tuple(dict.fromkeys(reasons)),
                    score=s.score * spec.weight * factor + _ACTION_EDGE,
                    situation=s.kind,
                    context=context,
                    label=spec.label,
                )
                if spec.id in handled:
                    verdict = handled[spec.id]
                    hidden.append(
                        HiddenItem(
                            card.title,
                            "done in this conversation"
                            if verdict == "accepted"
                            else f"dismissed here: {verdict.replace('_', ' ')}",
                            spec.id,
                            card.refs,
                            card.score,
                        )
                    )
                    continue
                eligible += 1
                # One card per action and object: another situation the same card answers adds its
                # evidence; a card about another order or device stands on its own.
                key = (spec.id, card.title)
                previous = by_action.get(key)
                if previous is None:
                    by_action[key] = card
                else:
                    extra = tuple(r for r in card.refs if r not in previous.refs)
                    by_action[key] = Card(
                        previous.kind,
                        previous.action,
                        previous.refs + extra,
                        previous.title,
                        previous.reasons,
                        previous.score,
                        previous.situation,
                        previous.context,
                        previous.label,
                    )
            if not eligible and not s.refs:
                hidden.append(HiddenItem(s.title, NO_EVIDENCE, None, (), s.score))
            elif not eligible:
                candidates.append(
                    Card(
                        kind="insight",
                        action=None,
                        refs=tuple(s.refs),
                        title=s.title,
                        reasons=tuple(dict.fromkeys(s.reasons)),
                        score=s.score,
                        situation=s.kind,
                    )
                )
        candidates.extend(by_action.values())
        candidates.sort(key=lambda c: (-c.score, c.kind != "action", c.title))
        shown = [c for c in candidates if c.score >= MIN_SCORE][:MAX_CARDS]
        shown_ids = {id(c) for c in shown}
        for c in candidates:
            if id(c) not in shown_ids:
                why = (
                    "less relevant than the cards shown"
                    if c.score >= MIN_SCORE
                    else "not relevant enough now"
                )
                hidden.append(HiddenItem(c.title, why, c.action, c.refs, c.score))
        allowed = {action for action, _title in by_action}
        hidden.extend(b for a, b in blocked.items() if a not in allowed)
        return shown, hidden

    @staticmethod
    def _policy_reasons(spec: ActionSpec, case: Case, facts: Mapping[str, Any]) -> list[str]:
        names = spec.policy.names()
        c = case.customer
        reasons = []
        if "customer.value_tier" in names or "customer.clv" in names:
            reasons.append(f"{_TIER_NAMES.get(c.value_tier, c.value_tier)} customer, CLV {c.clv:,.0f} €")
        if "customer.consents.cobrowse" in names:
            reasons.append("has agreed to cobrowsing")
        if "customer.consents.marketing" in names:
            reasons.append("marketing consent given, no open problem")
        return reasons

    @staticmethod
    def _policy_refs(spec: ActionSpec) -> tuple[str, ...]:
        """The customer facts the action's policy rests on, so the agent can see them."""
        refs = []
        for name in sorted(spec.policy.names()):
            if name.startswith("customer."):
                refs.append("fact:" + name.removeprefix("customer."))
        return tuple(refs)

    @staticmethod
    def _phase(situations: list[Situation], said: Utterance) -> str:
        if any(s.open for s in situations) or set(said.topics) & {
            "delivery",
            "return_refund",
            "billing",
            "cancellation",
            "technical",
            "complaint",
            "account",
            "address",
        }:
            return "service"
        if any(s.kind in ("stuck_on_site", "cart_abandoned", "purchase_followup") for s in situations):
            return "purchase"
        if any(s.kind in ("product_interest", "wants_in_person") for s in situations) or said.topics:
            return "interest"
        return "awareness"


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return {
            "order_id": "",
            "product": "the product",
            "device": "device",
            "topic": "the issue",
            "amount": "the amount",
        }.get(key, "…")


def _format(template: str, attrs: Mapping[str, Any]) -> str:
    values = _Defaults({k: v for k, v in attrs.items() if v not in (None, "")})
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError):
        return template
