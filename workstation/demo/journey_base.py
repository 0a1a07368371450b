"""One customer's journey generator, its base: time, ids, consent, pages, sessions, campaigns."""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from workstation.demo.catalog import (
    _BY_NAME,
    _BY_PID,
    _CAMPAIGNS,
    _CATALOG,
    _CATEGORY_TITLES,
    _CHANNEL_LABEL,
    _LADDERS,
    _SHOP_ITEMS,
    _SHOP_WEIGHTS,
    _SOCIAL,
    _SURVEY_COMMENTS,
    _Item,
    _parse,
    _Raw,
)
from workstation.demo.chat_texts import _transcript


class JourneyBase:
    """Journey templates for one customer; every journey is internally ordered by cause and effect."""

    def __init__(self, rng: random.Random, customer: dict[str, Any], now: datetime, span_days: float) -> None:
        self.rng = rng
        self.customer = customer
        self.lang = "de" if customer.get("language") == "de" else "en"
        self.now = now
        self.start = now - timedelta(days=span_days)
        self.span_s = max(1, int((now - self.start).total_seconds()))
        self.order_ids: set[str] = set()
        self.invoice_ids: set[str] = set()
        self.devices: list[tuple[_Item, datetime]] = []  # connected devices and when the customer got them
        self.plans: list[_Item] = []
        self.upgraded: set[str] = set()
        self.threads: dict[str, list[tuple[datetime, datetime]]] = {}  # disjoint busy spans, sorted
        for product in customer.get("products", []):
            item = _BY_PID.get(product.get("id", "")) or _BY_NAME.get(product.get("name", ""))
            if item is None:
                continue
            if item.kind == "plan":
                self.plans.append(item)
            elif item.kind == "device":
                self.devices.append((item, _parse(product["since"] + "T00:00:00+00:00")))
        self._setup_consent()
        self._natural: tuple[tuple[Callable[[datetime], list[_Raw]], float], ...] = (
            (self.browse, 30),
            (self.campaign, 8),
            (self.purchase_journey, 16),
            (self.checkout, 4),
            (self.app_trouble, 3),
            (self.service_contact, 10),
            (self.device_issue, 6),
            (self.payment, 3),
            (self.complaint, 2),
            (self.retention, 6 * float(customer.get("churn_risk", 0.2)) if self.plans else 0),
            (self.contract, 3 if self.plans else 0),
            (self.move, 1),
            (self.store_visit, 2),
            (self.survey, 3),
            (self.social, 2),
        )
        self._natural_fns = tuple(fn for fn, w in self._natural if w > 0)
        self._natural_cum = tuple(_cumulative([w for _, w in self._natural if w > 0]))

    if TYPE_CHECKING:
        # The journey families this base dispatches to (the natural mix above, the problem builders),
        # defined by its subclasses: journey_shopping.py (ShoppingJourneys) and journey_service.py
        # (ServiceJourneys). Declared for the type checker only: at run time they resolve to those
        # definitions; the signatures must stay identical to them.

        def purchase_journey(
            self, t: datetime, *, item: _Item | None = None, stop: str | None = None, browse: bool = True
        ) -> list[_Raw]: ...

        def checkout(self, t: datetime, *, stop: str | None = None) -> list[_Raw]: ...

        def app_trouble(self, t: datetime) -> list[_Raw]: ...

        def service_contact(self, t: datetime, *, stop: str | None = None) -> list[_Raw]: ...

        def device_issue(self, t: datetime, *, stop: str | None = None) -> list[_Raw]: ...

        def payment(self, t: datetime, *, stop: str | None = None) -> list[_Raw]: ...

        def complaint(self, t: datetime, *, stop: str | None = None) -> list[_Raw]: ...

        def retention(self, t: datetime, *, stop: str | None = None) -> list[_Raw]: ...

        def contract(self, t: datetime) -> list[_Raw]: ...

        def move(self, t: datetime) -> list[_Raw]: ...

        def store_visit(self, t: datetime) -> list[_Raw]: ...

        def survey(self, t: datetime) -> list[_Raw]: ...

        def social(self, t: datetime) -> list[_Raw]: ...

    # ---- time helpers

    def _rand_time(self) -> datetime:
        t = self.start + timedelta(seconds=self.rng.randrange(self.span_s))
        return self._daytime(t)

    def _daytime(self, t: datetime) -> datetime:
        # People act between breakfast and late evening; keeps timelines believable for agents.
        # Only ever moved forward, so nothing lands before the window; overshooting `now` gets clipped.
        if 7 <= t.hour <= 22:
            return t
        day = t if t.hour < 7 else t + timedelta(days=1)
        return day.replace(hour=self.rng.randint(8, 21), minute=self.rng.randint(0, 59))

    def _after(self, t: datetime, lo_h: float, hi_h: float) -> datetime:
        return t + timedelta(seconds=self.rng.randint(max(60, int(lo_h * 3600)), max(60, int(hi_h * 3600))))

    def _later_day(self, t: datetime, lo_d: int, hi_d: int, lo_hour: int = 8, hi_hour: int = 20) -> datetime:
        rng = self.rng
        d = (t + timedelta(days=rng.randint(lo_d, hi_d))).replace(
            hour=rng.randint(lo_hour, hi_hour), minute=rng.randint(0, 59), second=rng.randint(0, 59)
        )
        return d if d > t else t + timedelta(minutes=rng.randint(5, 90))

    # ---- id helpers

    def _order_id(self) -> str:
        # Five digits like the cases; widen only when a benchmark history would exhaust them.
        lo, hi = (10000, 99999) if len(self.order_ids) < 30000 else (100000, 9999999)
        while True:
            oid = str(self.rng.randint(lo, hi))
            if oid not in self.order_ids:
                self.order_ids.add(oid)
                return oid

    def _invoice_id(self) -> str:
        lo, hi = (1000, 9999) if len(self.invoice_ids) < 3000 else (10000, 9999999)
        while True:
            iid = f"INV-{self.rng.randint(lo, hi)}"
            if iid not in self.invoice_ids:
                self.invoice_ids.add(iid)
                return iid

    # ---- consent timeline

    def _setup_consent(self) -> None:
        rng = self.rng
        final = bool(self.customer.get("consents", {}).get("marketing", False))
        self.consent_after = final
        self.consent_before = final
        self.consent_at: datetime | None = None
        # A visible change must agree with the customer's current consent: opt-in or withdrawal, never both.
        if rng.random() < (0.25 if final else 0.5):
            self.consent_at = min(self._rand_time(), self.now)  # a change after now would be invisible
            self.consent_before = not final

    def drop_consent_change(self) -> None:
        self.consent_at = None
        self.consent_before = self.consent_after

    def marketing_at(self, t: datetime) -> bool:
        if self.consent_at is None or t >= self.consent_at:
            return self.consent_after
        return self.consent_before

    def consent_events(self) -> list[_Raw]:
        at = self.consent_at
        if at is None or at > self.now:
            return []
        out: list[_Raw] = []
        if self.consent_after:
            out.append(
                (
                    at,
                    self.rng.choice(("web", "app")),
                    "consent_changed",
                    "Marketing consent given",
                    {"marketing": True},
                )
            )
            return out
        if self.rng.random() < 0.5:
            name = self._campaign_name(at, self.rng.choice(tuple(_CAMPAIGNS)))[0]
            out.append(
                (
                    at - timedelta(seconds=self.rng.randint(20, 300)),
                    "email",
                    "campaign_response",
                    f"Campaign '{name}': unsubscribed",
                    {"campaign": name, "response": "unsubscribed"},
                )
            )
            channel = "email"
        else:
            channel = self.rng.choice(("web", "app", "phone"))
        out.append((at, channel, "consent_changed", "Marketing consent withdrawn", {"marketing": False}))
        return out

    # ---- journey selection

    def natural_journey(self) -> list[_Raw]:
        fn = self._natural_fns[_pick_index(self.rng, self._natural_cum)]
        # A journey started shortly before now is cut at now: that is how natural open states arise. Cutting
        # by time is causally safe, since every cause is earlier than its effect.
        events = [e for e in fn(self._rand_time()) if e[0] <= self.now]
        if not events or not self._reserve(events):
            events = [e for e in self.browse(self._rand_time()) if e[0] <= self.now]
        return events or [self.filler()]

    def _reserve(self, events: list[_Raw]) -> bool:
        """Claim the service threads a journey occupies; refuse it if one is already busy at that time.

        Two outages of the same router code or two "late delivery" complaints running at once would
        interleave ("open, open, resolved, resolved") into something no agent could read.
        """
        spans = _threads(events)
        for key, (lo, hi) in spans.items():
            taken = self.threads.get(key)
            if taken and _overlaps(taken, lo, hi):
                return False
        for key, span in spans.items():
            insort(self.threads.setdefault(key, []), span)
        return True

    def filler(self) -> _Raw:
        t = min(self._rand_time(), self.now)
        item = self._shop_item()
        if self.rng.random() < 0.3:
            return self._search(t, item)
        return self._page(t, self.rng.choice(("web", "app")), item)

    _OPEN_WEIGHTS: Final = {
        "delayed": 18,
        "in_transit": 14,
        "not_shipped": 6,
        "return": 10,
        "payment": 10,
        "device": 12,
        "complaint": 8,
        "cancellation": 8,
        "checkout": 8,
        "contact": 6,
    }
    # How long ago the journey stopped, by open state: an agent sees fresh trouble and some older loose ends.
    _OPEN_GAP_H: Final = {
        "delayed": (1, 72),
        "in_transit": (1, 12),
        "not_shipped": (1, 20),
        "return": (24, 240),
        "payment": (24, 288),
        "device": (1, 48),
        "complaint": (24, 240),
        "cancellation": (24, 168),
        "checkout": (0.2, 6),
        "contact": (1, 120),
    }

    def open_journeys(self) -> list[_Raw]:
        rng = self.rng
        count = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
        kinds = dict(self._OPEN_WEIGHTS)
        if not any(since <= self.now - timedelta(days=61) and item.alerts for item, since in self.devices):
            kinds.pop("device")
        if not self.plans or float(self.customer.get("churn_risk", 0)) < 0.35:
            kinds.pop("cancellation")
        out: list[_Raw] = []
        for _ in range(count):
            kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
            kinds.pop(kind)
            out += self._open_journey(kind)
        return out

    def _open_journey(self, kind: str) -> list[_Raw]:
        # Built from a point well in the past (so ownership and consent checks see a settled state), then
        # moved up to just before `now`.
        rng = self.rng
        base = (self.now - timedelta(days=60)).replace(
            hour=rng.randint(8, 20), minute=rng.randint(0, 59), second=rng.randint(0, 59)
        )
        builders: dict[str, Callable[[], list[_Raw]]] = {
            "delayed": lambda: self.purchase_journey(base, stop="delayed"),
            "in_transit": lambda: self.purchase_journey(base, stop="shipped"),
            "not_shipped": lambda: self.purchase_journey(base, stop="placed"),
            "return": lambda: self.purchase_journey(base, stop="returned"),
            "payment": lambda: self.payment(base, stop=self.rng.choice(("failed", "overdue"))),
            "device": lambda: self.device_issue(base, stop=self.rng.choice(("alert", "contact", "contact"))),
            "complaint": lambda: (
                self.purchase_journey(base, stop="complaint")
                if self.rng.random() < 0.4
                else self.complaint(base, stop="open")
            ),
            "cancellation": lambda: self.retention(base, stop="intent"),
            "checkout": lambda: self.checkout(base, stop="abandoned"),
            "contact": lambda: self.service_contact(base, stop="unresolved"),
        }
        events = builders[kind]()
        if not events:
            return []
        lo, hi = self._OPEN_GAP_H[kind]
        target = self.now - timedelta(seconds=self.rng.randint(int(lo * 3600), int(hi * 3600)))
        last = max(e[0] for e in events)
        # Whole days keep wall-clock times (ETAs at 18:00, deliveries by day) believable after the move.
        shift = timedelta(days=(target - last) // timedelta(days=1))
        events = [_shifted(e, shift) for e in events]
        if events[0][0] < self.start or not self._reserve(events):
            return []
        return events

    # ---- building blocks

    def _shop_item(self) -> _Item:
        return self.rng.choices(_SHOP_ITEMS, weights=_SHOP_WEIGHTS)[0]

    def _title(self, item: _Item) -> str:
        return item.name_de if self.lang == "de" else item.name

    def _page(self, t: datetime, channel: str, item: _Item, seconds: int | None = None) -> _Raw:
        title = self._title(item)
        secs = seconds if seconds is not None else int(5 + self.rng.expovariate(1 / 70))
        return (
            t,
            channel,
            "page_view",
            f"Viewed {title}",
            {"url": f"/products/{item.slug}", "title": title, "category": item.category, "seconds": secs},
        )

    def _category_page(self, t: datetime, channel: str, category: str) -> _Raw:
        title = _CATEGORY_TITLES[category][0 if self.lang == "de" else 1]
        secs = int(4 + self.rng.expovariate(1 / 40))
        return (
            t,
            channel,
            "page_view",
            f"Viewed {title}",
            {"url": f"/category/{category}", "title": title, "category": category, "seconds": secs},
        )

    def _site_page(
        self, t: datetime, channel: str, url: str, de: str, en: str, category: str, seconds: int
    ) -> _Raw:
        title = de if self.lang == "de" else en
        return (
            t,
            channel,
            "page_view",
            f"Viewed {title}",
            {"url": url, "title": title, "category": category, "seconds": seconds},
        )

    def _search(self, t: datetime, item: _Item) -> _Raw:
        query = self.rng.choice(item.search_de if self.lang == "de" else item.search_en)
        return (t, self.rng.choice(("web", "app")), "search", f"Searched '{query}'", {"query": query})

    def _contact(
        self,
        t: datetime,
        channel: str,
        topic: str,
        outcome: str,
        sentiment: float,
        *,
        order_id: str | None = None,
    ) -> _Raw:
        label = outcome.replace("_", " ")
        data: dict[str, Any] = {
            "topic": topic,
            "outcome": outcome,
            "sentiment": round(max(-1.0, min(1.0, sentiment)), 2),
        }
        if order_id:
            data["order_id"] = order_id
        if channel in ("chat", "email"):
            data["transcript"] = _transcript(self.lang, channel, topic, outcome, order_id, t)
        return (t, channel, "contact", f"{_CHANNEL_LABEL[channel]} contact about {topic}, {label}", data)

    def _survey_event(self, t: datetime, good: bool) -> _Raw:
        rng = self.rng
        nps = rng.choice((7, 8, 8, 9, 9, 10, 10)) if good else rng.choice((0, 2, 3, 4, 5, 5, 6, 6))
        comment = rng.choice(_SURVEY_COMMENTS[(self.lang, "pos" if nps >= 7 else "neg")])
        return (t, "email", "survey", f"Survey NPS {nps}", {"nps": nps, "comment": comment})

    def _social_event(self, t: datetime, positive: bool, item: _Item | None = None) -> _Raw:
        rng = self.rng
        text = rng.choice(_SOCIAL[(self.lang, "pos" if positive else "neg")])
        item = item or self._shop_item()
        plan = self.plans[0].name if self.plans else "Fibre 250"
        noun = item.noun_de if self.lang == "de" else item.noun_en
        text = text.format(item=item.name, plan=plan, noun=noun)
        sentiment = round(rng.uniform(0.4, 0.95) if positive else rng.uniform(-0.95, -0.4), 2)
        mood = "positive" if positive else "negative"
        return (
            t,
            "social",
            "social_post",
            f"Social post ({mood}): {text}",
            {"text": text, "sentiment": sentiment},
        )

    def _session(self, t: datetime, focus: _Item | None = None) -> list[_Raw]:
        """A browsing session: maybe a search, a category page, a few product pages (awareness/interest)."""
        rng = self.rng
        channel = "web" if rng.random() < 0.65 else "app"
        focus = focus or self._shop_item()
        out: list[_Raw] = []
        if rng.random() < 0.4:
            query = rng.choice(focus.search_de if self.lang == "de" else focus.search_en)
            out.append((t, channel, "search", f"Searched '{query}'", {"query": query}))
            t += timedelta(seconds=rng.randint(3, 20))
        if rng.random() < 0.6:
            out.append(self._category_page(t, channel, focus.category))
            t += timedelta(seconds=out[-1][4]["seconds"] + rng.randint(1, 10))
        siblings = [it for it in _CATALOG if it.category == focus.category and it is not focus]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            if siblings:
                out.append(self._page(t, channel, rng.choice(siblings)))
                t += timedelta(seconds=out[-1][4]["seconds"] + rng.randint(1, 10))
        out.append(self._page(t, channel, focus, int(20 + rng.expovariate(1 / 90))))
        return out

    # ---- journeys (awareness / interest)

    def browse(self, t: datetime) -> list[_Raw]:
        return self._session(t)

    def campaign(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        if not self.marketing_at(t):
            return self._session(t)  # no consent, no campaign mail
        name, promoted = self._campaign_name(t, rng.choice(tuple(_CAMPAIGNS)))
        clicked = rng.random() < 0.35
        out: list[_Raw] = [
            (
                t,
                "email",
                "campaign_response",
                f"Campaign '{name}': {'clicked' if clicked else 'ignored'}",
                {"campaign": name, "response": "clicked" if clicked else "ignored"},
            )
        ]
        if not clicked:
            return out
        t = self._after(t, 0.01, 0.2)
        out.append(self._page(t, "web", promoted))
        if promoted.kind != "plan" and rng.random() < 0.25:
            out += self.purchase_journey(self._after(t, 0.1, 72), item=promoted, browse=False)
        return out

    def _campaign_name(self, t: datetime, key: str) -> tuple[str, _Item]:
        de, en, target = _CAMPAIGNS[key]
        name = (de if self.lang == "de" else en).format(week=t.isocalendar().week)
        if target in _BY_NAME:
            return name, _BY_NAME[target]
        return name, self.rng.choice([it for it in _CATALOG if it.category == target])

    # ---- journeys (purchase and logistics)


_FOREVER: Final = datetime.max.replace(tzinfo=UTC)


def _threads(events: list[_Raw]) -> dict[str, tuple[datetime, datetime]]:
    """Service threads in a journey (an alert, a complaint topic, billing, a plan) and the span each is busy.

    A thread whose last event leaves it open stays busy for good: nothing may reopen it later.
    """
    spans: dict[str, list[Any]] = {}
    for at, _, kind, _, data in events:
        if kind == "device_alert":
            key, closed = f"alert:{data['device']}:{data['code']}", not data["active"]
        elif kind == "complaint":
            key, closed = f"complaint:{data['topic']}", data["status"] == "resolved"
        elif kind in ("payment_failed", "invoice_overdue"):
            key, closed = "payment", False
        elif kind == "contact" and data["topic"] == "payment":
            key, closed = "payment", data["outcome"] == "resolved"
        elif kind in ("cancellation_intent", "contract_change"):
            key, closed = f"plan:{data['product']}", kind == "contract_change"
        else:
            continue
        span = spans.get(key)
        if span is None:
            spans[key] = [at, at, closed]
        else:
            span[0], span[1], span[2] = min(span[0], at), max(span[1], at), closed
    return {key: (lo, hi if closed else _FOREVER) for key, (lo, hi, closed) in spans.items()}


def _overlaps(taken: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> bool:
    # `taken` is sorted and disjoint, so only the neighbours of the insertion point can overlap.
    i = bisect_left(taken, (lo, lo))
    if i > 0 and taken[i - 1][1] >= lo:
        return True
    return i < len(taken) and taken[i][0] <= hi


def _shifted(raw: _Raw, shift: timedelta) -> _Raw:
    at, channel, kind, summary, data = raw
    data = {k: (v + shift if isinstance(v, datetime) else v) for k, v in data.items()}
    return (at + shift, channel, kind, summary, data)


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick_index(rng: random.Random, cumulative: tuple[float, ...]) -> int:
    x = rng.random() * cumulative[-1]
    for i, c in enumerate(cumulative):
        if x < c:
            return i
    return len(cumulative) - 1


def _prev_rung(name: str) -> str | None:
    for ladder in _LADDERS:
        if name in ladder and ladder.index(name) > 0:
            return ladder[ladder.index(name) - 1]
    return None


def _next_rung(name: str) -> str | None:
    for ladder in _LADDERS:
        if name in ladder and ladder.index(name) < len(ladder) - 1:
            return ladder[ladder.index(name) + 1]
    return None
