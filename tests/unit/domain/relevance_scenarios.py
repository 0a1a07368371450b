"""An independent corpus of relevance cases, in the format of /work/shared/relevance/cases.

Each scenario is one contact-centre moment written from the agent's point of view: a few events
that matter (short ids such as ``o3``, ``k1``) buried in realistic background history made by
``noise`` (ids ``n…``), plus an ``expect`` block that follows from the policy table in the shared
README and an agent's common sense — not from what the engine happens to do.

Regenerate the committed JSON files (deterministic, fixed seed) with:

    .venv/bin/python tests/unit/domain/relevance_scenarios.py [--out DIR]

The benchmark imports ``noise`` and ``build_case`` from here to make customers with 20,000 events.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20261120
NOW = "2026-11-20T14:00:00Z"
OUT_DIR = Path(__file__).resolve().parent / "data" / "relevance_scenarios"

Case = dict[str, Any]
Event = dict[str, Any]

# --- background history ---------------------------------------------------------------------------

# (title, category, url path) as in the published cases' page views
CATEGORIES = [
    ("Haushalt", "haushalt", "/c/haushalt"),
    ("Smartphones", "smartphones", "/c/smartphones"),
    ("Gaming", "gaming", "/c/gaming"),
    ("Zubehör", "zubehör", "/c/zubehoer"),
    ("TV & Audio", "tv & audio", "/c/tv-audio"),
    ("Angebote", "angebote", "/angebote"),
    ("Kameras", "kameras", "/c/kameras"),
    ("Laptops", "laptops", "/c/laptops"),
]
QUERIES = [
    "gaming maus",
    "hdmi adapter",
    "usb c kabel",
    "tablet hülle",
    "wasserkocher",
    "powerbank",
    "bluetooth kopfhörer",
    "kaffeemaschine",
]
CAMPAIGNS = ["App-Gutschein", "Newsletter KW12", "Sommer-Sale", "Black Week"]
CONTACT_TOPICS = ["opening hours", "password reset", "product question", "invoice copy"]
# share of background items per kind, measured on the published cases (an order counts once here,
# it yields two events: order_placed and delivered two days later)
KIND_WEIGHTS = [
    ("page_view", 0.575),
    ("search", 0.098),
    ("order", 0.112),
    ("survey", 0.065),
    ("campaign_response", 0.073),
    ("contact", 0.077),
]
# the published background spans from ~720 to ~45 days before "now"
NOISE_OLDEST_DAYS = 720
NOISE_NEWEST_DAYS = 45


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(now: str, days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    return ts(parse_ts(now) - timedelta(days=days, hours=hours, minutes=minutes))


def noise(
    rng: random.Random,
    customer_id: str,
    now: str,
    n: int,
    reserved_orders: frozenset[str] = frozenset(),
) -> list[Event]:
    """``n`` background events: category page views, searches, surveys, ignored campaigns, resolved
    contacts and old delivered orders, spread over the two years before ``now`` (but not the last
    weeks), with ids ``n<i>`` / ``n<i>d``. Order ids avoid ``reserved_orders``. Deterministic for a
    given ``rng`` state (seed it per customer; ``customer_id`` is accepted for a readable call site)."""
    del customer_id
    end = parse_ts(now)
    span = (NOISE_OLDEST_DAYS - NOISE_NEWEST_DAYS) * 86400
    start = end - timedelta(days=NOISE_OLDEST_DAYS)
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    used_orders = set(reserved_orders)
    events: list[Event] = []
    i = 0
    while len(events) < n:
        kind = rng.choices(kinds, weights)[0]
        if kind == "order" and n - len(events) < 2:
            kind = "page_view"
        at = start + timedelta(seconds=rng.randrange(span))
        eid = f"n{i}"
        i += 1
        if kind == "page_view":
            title, category, path = rng.choice(CATEGORIES)
            events.append(
                _ev(
                    eid,
                    at,
                    rng.choice(["web", "app"]),
                    "page_view",
                    f"Viewed {title}",
                    url=f"https://shop.example{path}",
                    title=title,
                    category=category,
                    seconds=rng.randint(5, 120),
                )
            )
        elif kind == "search":
            query = rng.choice(QUERIES)
            events.append(_ev(eid, at, "web", "search", f"Searched '{query}'", query=query))
        elif kind == "survey":
            nps = rng.choice([6, 7, 7, 8, 9, 9, 10])
            events.append(_ev(eid, at, "email", "survey", f"Survey NPS {nps}", nps=nps, comment=""))
        elif kind == "campaign_response":
            campaign = rng.choice(CAMPAIGNS)
            events.append(
                _ev(
                    eid,
                    at,
                    "email",
                    "campaign_response",
                    f"Campaign '{campaign}': ignored",
                    campaign=campaign,
                    response="ignored",
                )
            )
        elif kind == "contact":
            channel = rng.choice(["phone", "chat", "email"])
            topic = rng.choice(CONTACT_TOPICS)
            events.append(
                _ev(
                    eid,
                    at,
                    channel,
                    "contact",
                    f"{channel} contact about {topic}, resolved",
                    topic=topic,
                    outcome="resolved",
                    sentiment=round(rng.uniform(0, 0.8), 2),
                )
            )
        else:
            order_id = str(rng.randint(10000, 69999))
            while order_id in used_orders:
                order_id = str(rng.randint(10000, 69999))
            used_orders.add(order_id)
            value = round(rng.uniform(11, 400), 2)
            events.append(
                _ev(
                    eid,
                    at,
                    "shop",
                    "order_placed",
                    f"Order {order_id} placed ({value:.2f} EUR)",
                    order_id=order_id,
                    value=value,
                    items=rng.randint(1, 3),
                )
            )
            events.append(
                _ev(
                    f"{eid}d",
                    at + timedelta(days=2),
                    "logistics",
                    "delivered",
                    f"Order {order_id} delivered",
                    order_id=order_id,
                )
            )
    return events


def _ev(eid: str, at: datetime | str, channel: str, kind: str, summary: str, **data: Any) -> Event:
    return {
        "id": eid,
        "at": at if isinstance(at, str) else ts(at),
        "channel": channel,
        "kind": kind,
        "summary": summary,
        "data": data,
    }


# --- building blocks for scenarios ----------------------------------------------------------------


def customer(
    cid: str,
    name: str,
    language: str,
    tier: str,
    clv: float,
    *,
    marketing: bool = True,
    cobrowse: bool = True,
    churn: float = 0.2,
    segment: str = "b2c",
    products: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": cid,
        "name": name,
        "language": language,
        "segment": segment,
        "value_tier": tier,
        "clv": clv,
        "churn_risk": churn,
        "consents": {"marketing": marketing, "cobrowse": cobrowse},
    }
    if products:
        out["products"] = products
    return out


def chat(now: str, *texts: str, page: tuple[str, str] | None = None, channel: str = "chat") -> dict[str, Any]:
    started = ago(now, minutes=2)
    out: dict[str, Any] = {
        "channel": channel,
        "started": started,
        "messages": [
            {"from": "customer", "at": ago(now, minutes=1.67 - 0.5 * i), "text": text}
            for i, text in enumerate(texts)
        ],
    }
    if page:
        out["page"] = {"url": page[0], "title": page[1]}
    return out


def email(now: str, text: str) -> dict[str, Any]:
    return {
        "channel": "email",
        "started": ago(now, minutes=10),
        "messages": [{"from": "customer", "at": ago(now, minutes=9.67), "text": text}],
    }


def phone(now: str, topic: str) -> dict[str, Any]:
    return {"channel": "phone", "started": ago(now, minutes=1), "topic": topic, "messages": []}


def build_case(
    case_id: str,
    now: str,
    cust: dict[str, Any],
    interaction: dict[str, Any],
    events: list[Event],
    expect: dict[str, Any],
    *,
    total: int = 122,
    seed: int = SEED,
) -> Case:
    """A case with ``events`` mixed (shuffled) into background noise up to about ``total`` events."""
    rng = random.Random(f"{seed}:{case_id}")
    reserved = frozenset(str(e["data"]["order_id"]) for e in events if "order_id" in e["data"])
    n = max(0, total - len(events) - rng.randint(0, 4))
    everything = noise(rng, cust["id"], now, n, reserved) + events
    ids = [e["id"] for e in everything]
    assert len(ids) == len(set(ids)), f"{case_id}: duplicate event ids"
    rng.shuffle(everything)
    return {
        "id": case_id,
        "now": now,
        "customer": cust,
        "interaction": interaction,
        "events": everything,
        "expect": expect,
    }


def order(eid: str, at: str, order_id: str, what: str, value: float, items: int = 1) -> Event:
    return _ev(
        eid,
        at,
        "shop",
        "order_placed",
        f"Order {order_id} placed: {what} ({value:.2f} EUR)",
        order_id=order_id,
        value=value,
        items=items,
    )


def shipped(eid: str, at: str, order_id: str, carrier: str, eta: str) -> Event:
    return _ev(
        eid,
        at,
        "logistics",
        "order_shipped",
        f"Order {order_id} shipped with {carrier}",
        order_id=order_id,
        carrier=carrier,
        eta=eta,
    )


def delayed(eid: str, at: str, order_id: str, new_eta: str, reason: str) -> Event:
    return _ev(
        eid,
        at,
        "logistics",
        "delivery_delayed",
        f"Order {order_id} delayed: {reason}",
        order_id=order_id,
        new_eta=new_eta,
        reason=reason,
    )


def delivered(eid: str, at: str, order_id: str) -> Event:
    return _ev(eid, at, "logistics", "delivered", f"Order {order_id} delivered", order_id=order_id)


def page(
    eid: str,
    at: str,
    path: str,
    title: str,
    category: str,
    seconds: int,
    summary: str = "",
    channel: str = "web",
) -> Event:
    return _ev(
        eid,
        at,
        channel,
        "page_view",
        summary or f"Viewed {title}",
        url=f"https://shop.example{path}",
        title=title,
        category=category,
        seconds=seconds,
    )


def contact(
    eid: str, at: str, channel: str, topic: str, outcome: str, sentiment: float, summary: str
) -> Event:
    return _ev(eid, at, channel, "contact", summary, topic=topic, outcome=outcome, sentiment=sentiment)


def complaint(eid: str, at: str, channel: str, topic: str, severity: str, status: str, summary: str) -> Event:
    return _ev(eid, at, channel, "complaint", summary, topic=topic, severity=severity, status=status)


def alert(eid: str, at: str, device: str, code: str, severity: str, active: bool, summary: str) -> Event:
    return _ev(
        eid, at, "device", "device_alert", summary, device=device, code=code, severity=severity, active=active
    )


# --- scenarios ------------------------------------------------------------------------------------

SCENARIOS: list[Callable[[], Case]] = []


def scenario(fn: Callable[[], Case]) -> Callable[[], Case]:
    SCENARIOS.append(fn)
    return fn


@scenario
def delayed_parcel_de_chat() -> Case:
    now = NOW
    return build_case(
        "delayed-parcel-de-chat",
        now,
        customer("c-2001", "Katrin Vogel", "de", "gold", 2750.0),
        chat(now, "Hallo, wo ist mein Paket? Es sollte doch schon gestern ankommen."),
        [
            order("o1", ago(now, days=6), "72140", "Soundbar S5", 279.0),
            shipped("o2", ago(now, days=4), "72140", "DPD", ago(now, days=1)),
            delayed("o3", ago(now, hours=20), "72140", ago(now, days=-2), "parcel missorted at hub"),
        ],
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell"]},
    )


@scenario
def delayed_parcel_en_email_bronze() -> Case:
    now = "2026-12-02T09:15:00Z"
    return build_case(
        "delayed-parcel-en-email-bronze",
        now,
        customer("c-2002", "Oliver Grant", "en", "bronze", 240.0),
        email(now, "Hello, where is my parcel? The tracking said Monday and nothing has arrived yet."),
        [
            order("o1", ago(now, days=7), "73518", "USB-C dock", 89.99),
            shipped("o2", ago(now, days=5), "73518", "GLS", ago(now, days=2)),
            delayed("o3", ago(now, days=2, hours=3), "73518", ago(now, days=-1), "weather"),
        ],
        # bronze, CLV 240: no goodwill voucher by policy
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell", "apologize_compensate"]},
    )


@scenario
def in_transit_by_number_en() -> Case:
    now = NOW
    return build_case(
        "in-transit-by-number-en",
        now,
        customer("c-2003", "Hannah Price", "en", "silver", 980.0),
        chat(now, "Hi, any news on order #88231? I need it for the weekend."),
        [
            order("t1", ago(now, days=2, hours=5), "88231", "Gaming headset H7", 129.0),
            shipped("t2", ago(now, hours=22), "88231", "DHL", ago(now, days=-1)),
        ],
        {"top3_refs": ["t2"], "top_action": "track_order"},
    )


@scenario
def two_orders_named_one_de() -> Case:
    now = NOW
    return build_case(
        "two-orders-named-one-de",
        now,
        customer("c-2004", "Stefan Krüger", "de", "silver", 1250.0),
        chat(now, "Guten Tag, ist die Bestellung 81777 schon unterwegs?"),
        [
            order("u1", ago(now, days=5), "81234", "Kaffeevollautomat", 549.0),
            shipped("u2", ago(now, days=3), "81234", "DHL", ago(now, days=1)),
            delayed("u3", ago(now, hours=6), "81234", ago(now, days=-3), "depot backlog"),
            order("u4", ago(now, days=2), "81777", "Ersatzakku", 39.9),
            shipped("u5", ago(now, hours=18), "81777", "Hermes", ago(now, days=-1)),
        ],
        # the order the customer names must be on screen; the other, delayed one may be too
        {"top3_refs": ["u5"], "top_action": "track_order", "never": ["cross_sell"]},
    )


@scenario
def older_delay_already_delivered_en() -> Case:
    now = NOW
    return build_case(
        "older-delay-already-delivered-en",
        now,
        customer("c-2005", "James Whitfield", "en", "gold", 3900.0),
        chat(now, "Where is my parcel? It should have been here yesterday."),
        [
            order("h1", ago(now, days=48), "64410", "Tablet 11", 449.0),
            delayed("h2", ago(now, days=44), "64410", ago(now, days=41), "strike"),
            delivered("h3", ago(now, days=41), "64410"),
            order("o1", ago(now, days=5), "74022", "Robot vacuum R9", 399.0),
            shipped("o2", ago(now, days=3), "74022", "UPS", ago(now, days=1)),
            delayed("o3", ago(now, hours=15), "74022", ago(now, days=-2), "address could not be found"),
        ],
        # last month's delay ended in a delivery: history, not the parcel the customer asks about
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["h2", "cross_sell"]},
    )


@scenario
def delayed_order_phone_de() -> Case:
    now = NOW
    return build_case(
        "delayed-order-phone-de",
        now,
        customer("c-2006", "Monika Schäfer", "de", "platinum", 6100.0),
        phone(now, "delivery"),
        [
            order("o1", ago(now, days=4), "75100", "Waschmaschine W8", 699.0, 1),
            shipped("o2", ago(now, days=3), "75100", "Spedition Nord", ago(now, days=1)),
            delayed("o3", ago(now, hours=10), "75100", ago(now, days=-4), "vehicle breakdown"),
        ],
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell"]},
    )


@scenario
def failed_payment_overdue_phone_en() -> Case:
    now = NOW
    return build_case(
        "failed-payment-overdue-phone-en",
        now,
        customer("c-2007", "Rachel Moore", "en", "silver", 820.0),
        phone(now, "billing"),
        [
            _ev(
                "p1",
                ago(now, days=5),
                "billing",
                "payment_failed",
                "Card payment failed: 34.99 EUR (card expired)",
                amount=34.99,
                reason="card expired",
            ),
            _ev(
                "p2",
                ago(now, days=1, hours=2),
                "billing",
                "invoice_overdue",
                "Invoice INV-5521 overdue: 34.99 EUR",
                invoice_id="INV-5521",
                amount=34.99,
                days=4,
            ),
        ],
        {"top3_refs": ["p1", "p2"], "top_action": "fix_payment", "never": ["cross_sell"]},
    )


@scenario
def overdue_invoice_chat_de() -> Case:
    now = NOW
    return build_case(
        "overdue-invoice-chat-de",
        now,
        customer("c-2008", "Jürgen Lehmann", "de", "bronze", 410.0),
        chat(now, "Ich habe eine Mahnung bekommen, aber ich dachte, die Rechnung wird abgebucht?"),
        [
            _ev(
                "p1",
                ago(now, days=9),
                "billing",
                "payment_failed",
                "Lastschrift fehlgeschlagen: 59.90 EUR",
                amount=59.9,
                reason="insufficient funds",
            ),
            _ev(
                "p2",
                ago(now, days=2),
                "billing",
                "invoice_overdue",
                "Invoice INV-7730 overdue: 59.90 EUR",
                invoice_id="INV-7730",
                amount=59.9,
                days=7,
            ),
        ],
        {"top3_refs": ["p2"], "top_action": "fix_payment", "never": ["cross_sell"]},
    )


@scenario
def open_complaint_angry_de() -> Case:
    now = NOW
    return build_case(
        "open-complaint-angry-de",
        now,
        customer("c-2009", "Bernd Hartmann", "de", "silver", 1500.0),
        chat(
            now,
            "Das ist eine Frechheit! Seit einer Woche höre ich nichts zu meiner Beschwerde "
            "wegen der beschädigten Waschmaschine.",
        ),
        [
            order("k0", ago(now, days=12), "76020", "Waschmaschine W6", 549.0),
            delivered("k3", ago(now, days=9), "76020"),
            complaint(
                "k1",
                ago(now, days=8),
                "phone",
                "damaged washing machine",
                "high",
                "open",
                "Complaint: washing machine delivered damaged",
            ),
            contact(
                "k2",
                ago(now, days=8),
                "phone",
                "damaged washing machine",
                "unresolved",
                -0.7,
                "Call: washing machine delivered damaged, complaint opened",
            ),
        ],
        {"top3_refs": ["k1"], "top_action": "escalate_complaint", "never": ["cross_sell"]},
    )


@scenario
def third_contact_same_topic_en() -> Case:
    now = NOW
    return build_case(
        "third-contact-same-topic-en",
        now,
        customer("c-2010", "Daniel Hughes", "en", "silver", 900.0),
        chat(
            now,
            "This is the third time I'm contacting you about the wrong charge on my bill. "
            "Nobody has fixed it.",
        ),
        [
            contact(
                "k1",
                ago(now, days=9),
                "email",
                "wrong charge on bill",
                "unresolved",
                -0.3,
                "E-mail: wrong charge on November bill, unresolved",
            ),
            contact(
                "k2",
                ago(now, days=3),
                "phone",
                "wrong charge on bill",
                "unresolved",
                -0.6,
                "Call: wrong charge on bill, still unresolved",
            ),
        ],
        {"top3_refs": ["k2"], "top_action": "escalate_complaint", "never": ["cross_sell"]},
    )


@scenario
def third_contact_phone_de() -> Case:
    now = NOW
    return build_case(
        "third-contact-phone-de",
        now,
        customer(
            "c-2011",
            "Petra Zimmermann",
            "de",
            "bronze",
            520.0,
            products=[{"id": "p-3", "name": "Fibre 100", "since": "2023-05-01"}],
        ),
        phone(now, "internet"),
        [
            contact(
                "k1",
                ago(now, days=6),
                "phone",
                "internet slow",
                "unresolved",
                -0.4,
                "Anruf: Internet sehr langsam, ungelöst",
            ),
            contact(
                "k2",
                ago(now, days=2),
                "chat",
                "internet slow",
                "unresolved",
                -0.6,
                "Chat: Internet weiterhin langsam, ungelöst",
            ),
        ],
        {"top3_refs": ["k2"], "top_action": "escalate_complaint", "never": ["cross_sell"]},
    )


@scenario
def callback_not_kept_de() -> Case:
    now = NOW
    return build_case(
        "callback-not-kept-de",
        now,
        customer("c-2012", "Ursula Wolff", "de", "gold", 2300.0),
        chat(
            now,
            "Mir wurde vor zwei Tagen ein Rückruf wegen meiner Vertragsänderung versprochen. "
            "Es hat sich niemand gemeldet.",
        ),
        [
            contact(
                "k1",
                ago(now, days=2, hours=1),
                "phone",
                "contract change",
                "callback_promised",
                -0.2,
                "Call: contract change to Mobile L, callback promised",
            ),
        ],
        {"top3_refs": ["k1"], "never": ["cross_sell"]},
    )


@scenario
def callback_promised_phone_en() -> Case:
    now = NOW
    return build_case(
        "callback-promised-phone-en",
        now,
        customer("c-2013", "Aaron Fisher", "en", "silver", 1300.0),
        phone(now, "contract"),
        [
            contact(
                "k1",
                ago(now, days=3),
                "chat",
                "upgrade to Fibre 500",
                "callback_promised",
                -0.1,
                "Chat: upgrade to Fibre 500, specialist callback promised",
            ),
        ],
        {"top3_refs": ["k1"], "never": ["cross_sell"]},
    )


@scenario
def tv_box_alert_en() -> Case:
    now = NOW
    return build_case(
        "tv-box-alert-en",
        now,
        customer(
            "c-2014",
            "Laura Bennett",
            "en",
            "silver",
            1100.0,
            products=[{"id": "p-11", "name": "TV Max", "since": "2025-02-01"}],
        ),
        chat(now, "My TV box is not working since this morning, just a black screen."),
        [
            alert(
                "a0",
                ago(now, days=16),
                "Router R-200",
                "RESYNC",
                "warning",
                False,
                "Router R-200: line resync (cleared)",
            ),
            alert(
                "a1", ago(now, hours=6), "TV box X1", "NO_SIGNAL", "critical", True, "TV box X1: no signal"
            ),
        ],
        {"top3_refs": ["a1"], "top_action": "device_support", "never": ["a0", "cross_sell"]},
    )


@scenario
def router_alert_de() -> Case:
    now = NOW
    return build_case(
        "router-alert-de",
        now,
        customer(
            "c-2015",
            "Thomas Schmitt",
            "de",
            "gold",
            2100.0,
            products=[{"id": "p-7", "name": "Fibre 250", "since": "2024-03-01"}],
        ),
        chat(now, "Mein Router funktioniert nicht mehr, seit heute Mittag kein Internet."),
        [
            alert(
                "a1", ago(now, hours=2), "Router R-200", "LOS", "critical", True, "Router R-200: no line sync"
            ),
        ],
        {"top3_refs": ["a1"], "top_action": "device_support", "never": ["cross_sell"]},
    )


@scenario
def cleared_alert_only_de() -> Case:
    now = NOW
    return build_case(
        "cleared-alert-only-de",
        now,
        customer(
            "c-2016",
            "Sabine König",
            "de",
            "silver",
            800.0,
            products=[{"id": "p-7", "name": "Fibre 250", "since": "2022-09-01"}],
        ),
        chat(now, "Mein Router zeigt eine rote Lampe. Was soll ich tun?"),
        [
            alert(
                "a1",
                ago(now, days=21),
                "Router R-200",
                "LOS",
                "critical",
                False,
                "Router R-200: no line sync (cleared)",
            ),
        ],
        # the alert was cleared three weeks ago: it says nothing about today's red light
        {"never": ["a1"]},
    )


@scenario
def cancel_gold_de_chat() -> Case:
    now = NOW
    return build_case(
        "cancel-gold-de-chat",
        now,
        customer("c-2017", "Markus Schwarz", "de", "gold", 3100.0, churn=0.7),
        chat(now, "Ich möchte meinen Vertrag kündigen. Das ist mir mittlerweile zu teuer."),
        [
            _ev(
                "x1",
                ago(now, days=2),
                "web",
                "cancellation_intent",
                "Web: wants to cancel Fibre 250 (price)",
                product="Fibre 250",
                reason="price",
            ),
        ],
        {"top3_refs": ["x1"], "top_action": "retention_offer"},
    )


@scenario
def cancel_platinum_phone_en() -> Case:
    now = NOW
    return build_case(
        "cancel-platinum-phone-en",
        now,
        customer("c-2018", "Victoria Hale", "en", "platinum", 9400.0, churn=0.6),
        phone(now, "cancellation"),
        [
            page(
                "x1",
                ago(now, hours=1),
                "/konto/kuendigen",
                "Vertrag kündigen",
                "cancellation",
                140,
                "Viewed 'Cancel contract'",
            ),
            _ev(
                "x2",
                ago(now, minutes=50),
                "app",
                "cancellation_intent",
                "App: wants to cancel TV Max (moving)",
                product="TV Max",
                reason="moving abroad",
            ),
        ],
        {"top3_refs": ["x2"], "top_action": "retention_offer"},
    )


@scenario
def cancel_bronze_en() -> Case:
    now = NOW
    return build_case(
        "cancel-bronze-en",
        now,
        customer("c-2019", "Kevin Walsh", "en", "bronze", 180.0, churn=0.8),
        chat(now, "I want to cancel my contract, please."),
        [
            _ev(
                "x1",
                ago(now, days=1),
                "email",
                "cancellation_intent",
                "E-mail: wants to cancel Mobile S (price)",
                product="Mobile S",
                reason="price",
            ),
        ],
        # bronze and CLV 180: a retention offer is against policy
        {"top3_refs": ["x1"], "never": ["retention_offer"]},
    )


@scenario
def cancel_no_event_gold_en() -> Case:
    now = NOW
    return build_case(
        "cancel-no-event-gold-en",
        now,
        customer("c-2020", "Emily Carter", "en", "gold", 2450.0),
        chat(now, "I want to cancel."),
        [],
        {"top_action": "retention_offer"},
    )


@scenario
def cancel_no_event_bronze_de() -> Case:
    now = NOW
    return build_case(
        "cancel-no-event-bronze-de",
        now,
        customer("c-2021", "Dieter Franke", "de", "bronze", 150.0),
        chat(now, "Ich will kündigen."),
        [],
        # bronze and CLV 150: a retention offer is against policy
        {"never": ["retention_offer"]},
    )


@scenario
def return_not_refunded_de() -> Case:
    now = NOW
    return build_case(
        "return-not-refunded-de",
        now,
        customer("c-2022", "Claudia Roth", "de", "silver", 760.0),
        chat(now, "Ich habe die Kopfhörer vor zwei Wochen zurückgeschickt. Wann bekomme ich mein Geld?"),
        [
            order("r1", ago(now, days=25), "77405", "Bluetooth-Kopfhörer B3", 179.0),
            delivered("r3", ago(now, days=23), "77405"),
            _ev(
                "r2",
                ago(now, days=14),
                "web",
                "return_requested",
                "Return requested for order 77405 (sound quality)",
                order_id="77405",
                reason="sound quality",
            ),
        ],
        {"top3_refs": ["r2"], "top_action": "process_return", "never": ["cross_sell"]},
    )


@scenario
def refund_issued_en() -> Case:
    now = NOW
    return build_case(
        "refund-issued-en",
        now,
        customer("c-2023", "Sarah Mitchell", "en", "silver", 640.0),
        email(now, "Where is my refund? I returned the jacket over a week ago."),
        [
            order("r1", ago(now, days=20), "78110", "Rain jacket", 119.0),
            _ev(
                "r2",
                ago(now, days=10),
                "web",
                "return_requested",
                "Return requested for order 78110 (too big)",
                order_id="78110",
                reason="too big",
            ),
            _ev(
                "r3",
                ago(now, days=2),
                "billing",
                "refund_issued",
                "Refund issued for order 78110: 119.00 EUR",
                order_id="78110",
                amount=119.0,
            ),
        ],
        # the refund went out two days ago: say so, do not start another return
        {"top3_refs": ["r3"], "never": ["process_return"]},
    )


@scenario
def checkout_stuck_cobrowse_en() -> Case:
    now = NOW
    return build_case(
        "checkout-stuck-cobrowse-en",
        now,
        customer("c-2024", "Michael Turner", "en", "silver", 700.0),
        chat(
            now,
            "I can't find where to change the delivery address in the checkout.",
            page=("https://shop.example/checkout/shipping", "Kasse – Versand"),
        ),
        [
            page(
                "w1",
                ago(now, minutes=22),
                "/checkout/shipping",
                "Kasse – Versand",
                "checkout",
                150,
                "Viewed checkout",
            ),
            page(
                "w2",
                ago(now, minutes=18),
                "/hilfe/lieferadresse",
                "Hilfe: Lieferadresse",
                "help",
                90,
                "Viewed Help: delivery address",
            ),
            page(
                "w3",
                ago(now, minutes=14),
                "/checkout/shipping",
                "Kasse – Versand",
                "checkout",
                170,
                "Viewed checkout",
            ),
            page(
                "w4",
                ago(now, minutes=9),
                "/hilfe/lieferadresse",
                "Hilfe: Lieferadresse",
                "help",
                75,
                "Viewed Help: delivery address",
            ),
            page(
                "w5",
                ago(now, minutes=5),
                "/checkout/shipping",
                "Kasse – Versand",
                "checkout",
                160,
                "Viewed checkout",
            ),
        ],
        {"top3_refs": ["w4"], "top_action": "start_cobrowse"},
    )


@scenario
def checkout_stuck_no_consent_de() -> Case:
    now = NOW
    return build_case(
        "checkout-stuck-no-consent-de",
        now,
        customer("c-2025", "Gabriele Huber", "de", "gold", 2200.0, cobrowse=False),
        chat(
            now,
            "Ich komme an der Kasse nicht weiter, wo gebe ich meinen Gutscheincode ein?",
            page=("https://shop.example/checkout/payment", "Kasse – Zahlung"),
        ),
        [
            page(
                "w1",
                ago(now, minutes=20),
                "/checkout/payment",
                "Kasse – Zahlung",
                "checkout",
                130,
                "Viewed checkout",
            ),
            page(
                "w2",
                ago(now, minutes=16),
                "/hilfe/gutscheine",
                "Hilfe: Gutscheine",
                "help",
                85,
                "Viewed Help: vouchers",
            ),
            page(
                "w3",
                ago(now, minutes=11),
                "/checkout/payment",
                "Kasse – Zahlung",
                "checkout",
                180,
                "Viewed checkout",
            ),
            page(
                "w4",
                ago(now, minutes=6),
                "/hilfe/gutscheine",
                "Hilfe: Gutscheine",
                "help",
                70,
                "Viewed Help: vouchers",
            ),
        ],
        # no cobrowse consent: the agent guides in the chat instead
        {"top3_refs": ["w4"], "never": ["start_cobrowse"]},
    )


@scenario
def cross_sell_after_purchase_en() -> Case:
    now = NOW
    return build_case(
        "cross-sell-after-purchase-en",
        now,
        customer("c-2026", "Chloe Adams", "en", "gold", 2600.0),
        chat(now, "I bought the new laptop last week. Which bag and mouse would go well with it?"),
        [
            order("c1", ago(now, days=7), "79300", "ZenBook 14 laptop", 1299.0),
            delivered("c2", ago(now, days=5), "79300"),
        ],
        {"top3_refs": ["c1"], "top_action": "cross_sell"},
    )


@scenario
def cross_sell_consent_withdrawn_de() -> Case:
    now = NOW
    return build_case(
        "cross-sell-consent-withdrawn-de",
        now,
        # the customer record still says yes; the newer consent event withdrew it
        customer("c-2027", "Frank Meyer", "de", "gold", 3300.0, marketing=True),
        chat(now, "Ich habe letzte Woche den Fernseher gekauft. Welche Soundbar passt dazu?"),
        [
            _ev(
                "m1", ago(now, days=200), "web", "consent_changed", "Marketing consent given", marketing=True
            ),
            order("c1", ago(now, days=8), "79810", "OLED 55 Zoll", 1199.0),
            delivered("c2", ago(now, days=6), "79810"),
            _ev(
                "m2",
                ago(now, days=4),
                "email",
                "consent_changed",
                "Marketing consent withdrawn",
                marketing=False,
            ),
        ],
        {"top3_refs": ["c1"], "never": ["cross_sell"]},
    )


@scenario
def cross_sell_open_delay_en() -> Case:
    now = NOW
    return build_case(
        "cross-sell-open-delay-en",
        now,
        customer("c-2028", "Ben Collins", "en", "gold", 2800.0),
        chat(now, "Does the camera I bought support 4K video? And what memory card do I need?"),
        [
            order("c1", ago(now, days=9), "80120", "Alpha 6 camera", 899.0),
            delivered("c2", ago(now, days=7), "80120"),
            order("d1", ago(now, days=6), "80333", "Tripod T2", 79.0),
            shipped("d2", ago(now, days=4), "80333", "DHL", ago(now, days=2)),
            delayed("d3", ago(now, days=1), "80333", ago(now, days=-3), "depot backlog"),
        ],
        # a delivery is delayed: no selling now (policy), and the delay should be visible
        {"top3_refs": ["c1", "d3"], "never": ["cross_sell"]},
    )


@scenario
def cross_sell_open_complaint_de() -> Case:
    now = NOW
    return build_case(
        "cross-sell-open-complaint-de",
        now,
        customer("c-2029", "Andrea Keller", "de", "platinum", 5200.0),
        chat(now, "Ich habe das neue Smartphone gekauft. Welche Hülle passt dazu?"),
        [
            order("c1", ago(now, days=6), "80555", "Smartphone Pixel 10", 899.0),
            delivered("c2", ago(now, days=4), "80555"),
            complaint(
                "k1",
                ago(now, days=10),
                "email",
                "wrong invoice amount",
                "medium",
                "open",
                "Complaint: wrong invoice amount, open",
            ),
        ],
        {"top3_refs": ["c1", "k1"], "never": ["cross_sell"]},
    )


@scenario
def see_in_store_en() -> Case:
    now = NOW
    return build_case(
        "see-in-store-en",
        now,
        customer("c-2030", "Grace Foster", "en", "silver", 1200.0),
        chat(
            now,
            "Can I try these headphones somewhere before I buy them?",
            page=("https://shop.example/p/anc-900", "ANC 900 Kopfhörer"),
        ),
        [
            page(
                "s1",
                ago(now, minutes=25),
                "/p/anc-900",
                "ANC 900 Kopfhörer",
                "audio",
                480,
                "Viewed ANC 900 headphones",
            ),
            page(
                "s2",
                ago(now, minutes=12),
                "/p/anc-900#reviews",
                "ANC 900 Kopfhörer – Bewertungen",
                "audio",
                300,
                "Viewed ANC 900 headphones reviews",
            ),
        ],
        {"top3_refs": ["s1"], "top_action": "book_branch_appointment"},
    )


@scenario
def see_in_branch_de() -> Case:
    now = NOW
    return build_case(
        "see-in-branch-de",
        now,
        customer("c-2031", "Wolfgang Busch", "de", "gold", 2900.0),
        chat(now, "Ich würde mir das Notebook gern vorher in einer Filiale anschauen und beraten lassen."),
        [
            page("s1", ago(now, hours=3), "/p/zenbook-16", "ZenBook 16", "laptops", 540, "Viewed ZenBook 16"),
            _ev(
                "s2",
                ago(now, hours=3, minutes=-10),
                "web",
                "search",
                "Searched 'zenbook 16 filiale'",
                query="zenbook 16 filiale",
            ),
        ],
        {"top3_refs": ["s1"], "top_action": "book_branch_appointment"},
    )


@scenario
def old_resolved_complaint_en() -> Case:
    now = NOW
    return build_case(
        "old-resolved-complaint-en",
        now,
        customer("c-2032", "Nathan Reed", "en", "gold", 4300.0),
        chat(now, "Hi, has order 82150 left the warehouse yet?"),
        [
            complaint(
                "k1",
                ago(now, days=560),
                "phone",
                "broken fridge",
                "high",
                "resolved",
                "Complaint: fridge delivered broken, resolved",
            ),
            order("o1", ago(now, days=2), "82150", "Fridge K4", 899.0),
            shipped("o2", ago(now, hours=20), "82150", "Spedition Nord", ago(now, days=-2)),
        ],
        {"top3_refs": ["o2"], "top_action": "track_order", "never": ["k1", "escalate_complaint"]},
    )


@scenario
def app_error_login_de() -> Case:
    now = NOW
    return build_case(
        "app-error-login-de",
        now,
        customer("c-2033", "Heike Neumann", "de", "silver", 950.0),
        chat(now, "Die App zeigt beim Einloggen immer einen Fehler an, ich komme nicht rein."),
        [
            _ev(
                "e1",
                ago(now, minutes=25),
                "app",
                "app_error",
                "App error on Login: AUTH-503",
                screen="Login",
                code="AUTH-503",
                message="Service temporarily unavailable",
            ),
            _ev(
                "e2",
                ago(now, minutes=21),
                "app",
                "app_error",
                "App error on Login: AUTH-503",
                screen="Login",
                code="AUTH-503",
                message="Service temporarily unavailable",
            ),
        ],
        {"top3_refs": ["e2"], "never": ["cross_sell"]},
    )


@scenario
def app_error_payment_en() -> Case:
    now = NOW
    return build_case(
        "app-error-payment-en",
        now,
        customer("c-2034", "Lucy Barnes", "en", "gold", 2050.0),
        chat(now, "The app keeps showing an error when I try to pay for my order."),
        [
            _ev(
                "e1",
                ago(now, minutes=15),
                "app",
                "app_error",
                "App error on Payment: PAY-402",
                screen="Payment",
                code="PAY-402",
                message="Payment method could not be verified",
            ),
            _ev(
                "e2",
                ago(now, minutes=14),
                "app",
                "cart_abandoned",
                "Cart abandoned: 2 items (319.00 EUR)",
                value=319.0,
                items=2,
            ),
        ],
        {"top3_refs": ["e1"], "never": ["cross_sell"]},
    )


@scenario
def abandoned_cart_en() -> Case:
    now = NOW
    return build_case(
        "abandoned-cart-en",
        now,
        customer("c-2035", "Ryan Cooper", "en", "silver", 1400.0),
        chat(now, "I had a TV and a wall mount in my basket yesterday, is the Black Week price still valid?"),
        [
            page("v1", ago(now, days=1, hours=2), "/p/qled-55", "QLED 55 Zoll", "tv", 320, 'Viewed QLED 55"'),
            _ev(
                "v2",
                ago(now, days=1, hours=1),
                "web",
                "cart_abandoned",
                "Cart abandoned: 2 items (748.00 EUR)",
                value=748.0,
                items=2,
            ),
        ],
        {"top3_refs": ["v2"]},
    )


@scenario
def delay_and_failed_payment_de() -> Case:
    now = NOW
    return build_case(
        "delay-and-failed-payment-de",
        now,
        customer("c-2036", "Sven Fischer", "de", "silver", 1050.0),
        chat(now, "Wo bleibt mein Paket? Bestellnummer 83302."),
        [
            order("o1", ago(now, days=6), "83302", "Monitor 27 Zoll", 329.0),
            shipped("o2", ago(now, days=4), "83302", "DHL", ago(now, days=1)),
            delayed("o3", ago(now, hours=12), "83302", ago(now, days=-2), "depot backlog"),
            _ev(
                "p1",
                ago(now, days=3),
                "billing",
                "payment_failed",
                "Lastschrift fehlgeschlagen: 19.99 EUR",
                amount=19.99,
                reason="insufficient funds",
            ),
        ],
        # the customer asks about the parcel; the failed payment is open too, but second
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell"]},
    )


@scenario
def delayed_order_phone_no_topic_en() -> Case:
    now = "2027-01-14T10:20:00Z"
    return build_case(
        "delayed-order-phone-no-topic-en",
        now,
        customer("c-2037", "George Palmer", "en", "silver", 870.0),
        {"channel": "phone", "started": ago(now, minutes=1), "messages": []},
        [
            order("o1", ago(now, days=5), "84020", "Air fryer A5", 119.0),
            shipped("o2", ago(now, days=3), "84020", "Hermes", ago(now, days=1)),
            delayed("o3", ago(now, hours=18), "84020", ago(now, days=-2), "parcel damaged, repacked"),
        ],
        # no IVR topic, no words yet: the one open problem is what the agent should see first
        {"top3_refs": ["o3"], "never": ["cross_sell"]},
    )


@scenario
def delivered_not_received_de() -> Case:
    now = NOW
    return build_case(
        "delivered-not-received-de",
        now,
        customer("c-2038", "Ingrid Maier", "de", "silver", 690.0),
        chat(
            now, "Laut Sendungsverfolgung wurde mein Paket gestern zugestellt, aber ich habe nichts bekommen!"
        ),
        [
            order("o1", ago(now, days=4), "84150", "Smartwatch W2", 249.0),
            shipped("o2", ago(now, days=3), "84150", "DPD", ago(now, days=1)),
            delivered("o3", ago(now, days=1, hours=3), "84150"),
        ],
        {"top3_refs": ["o3"], "never": ["cross_sell"]},
    )


@scenario
def refund_issued_de() -> Case:
    now = NOW
    return build_case(
        "refund-issued-de",
        now,
        customer("c-2039", "Renate Schulze", "de", "gold", 2400.0),
        chat(now, "Wo bleibt meine Erstattung für die zurückgeschickte Kaffeemaschine?"),
        [
            order("r1", ago(now, days=30), "84301", "Kaffeemaschine K7", 229.0),
            delivered("r4", ago(now, days=28), "84301"),
            _ev(
                "r2",
                ago(now, days=15),
                "web",
                "return_requested",
                "Return requested for order 84301 (defective)",
                order_id="84301",
                reason="defective",
            ),
            _ev(
                "r3",
                ago(now, days=3),
                "billing",
                "refund_issued",
                "Refund issued for order 84301: 229.00 EUR",
                order_id="84301",
                amount=229.0,
            ),
        ],
        {"top3_refs": ["r3"], "never": ["process_return"]},
    )


@scenario
def cancel_high_clv_silver_en() -> Case:
    now = NOW
    return build_case(
        "cancel-high-clv-silver-en",
        now,
        # silver, but CLV ≥ 2000 qualifies for a retention offer by policy
        customer("c-2040", "Isabel Young", "en", "silver", 2650.0, churn=0.6),
        chat(now, "I'd like to end my subscription at the end of the month. It's just too expensive now."),
        [
            page(
                "x1",
                ago(now, minutes=30),
                "/konto/kuendigen",
                "Vertrag kündigen",
                "cancellation",
                90,
                "Viewed 'Cancel contract'",
            ),
        ],
        {"top_action": "retention_offer"},
    )


@scenario
def kuendigung_platinum_email_de() -> Case:
    now = NOW
    return build_case(
        "kuendigung-platinum-email-de",
        now,
        customer("c-2041", "Dr. Helmut Berger", "de", "platinum", 11200.0, churn=0.5),
        email(
            now,
            "Sehr geehrte Damen und Herren, hiermit kündige ich meinen Mobilfunkvertrag "
            "zum nächstmöglichen Zeitpunkt.",
        ),
        [
            _ev(
                "x1",
                ago(now, days=3),
                "branch",
                "cancellation_intent",
                "Branch: asked about cancelling Mobile XL (coverage)",
                product="Mobile XL",
                reason="coverage",
            ),
        ],
        {"top3_refs": ["x1"], "top_action": "retention_offer"},
    )


@scenario
def high_complaint_phone_en() -> Case:
    now = NOW
    return build_case(
        "high-complaint-phone-en",
        now,
        customer("c-2042", "Sophie Turner", "en", "bronze", 450.0),
        phone(now, "complaint"),
        [
            complaint(
                "k1",
                ago(now, days=5),
                "email",
                "technician missed appointment twice",
                "high",
                "open",
                "Complaint: technician missed the installation appointment twice",
            ),
        ],
        {"top3_refs": ["k1"], "top_action": "escalate_complaint", "never": ["cross_sell"]},
    )


@scenario
def medium_complaint_follow_up_de() -> Case:
    now = NOW
    return build_case(
        "medium-complaint-follow-up-de",
        now,
        customer("c-2043", "Martina Walter", "de", "silver", 880.0),
        chat(now, "Gibt es schon etwas Neues zu meiner Reklamation wegen der falschen Farbe?"),
        [
            order("k0", ago(now, days=10), "84777", "Kühlschrank KS2 (weiß)", 499.0),
            delivered("k2", ago(now, days=8), "84777"),
            complaint(
                "k1",
                ago(now, days=6),
                "chat",
                "wrong colour delivered",
                "medium",
                "open",
                "Complaint: fridge delivered in black instead of white",
            ),
        ],
        # medium severity and the first follow-up: show it, but escalation is not the policy yet
        {"top3_refs": ["k1"], "never": ["escalate_complaint", "cross_sell"]},
    )


@scenario
def consent_given_again_en() -> Case:
    now = NOW
    return build_case(
        "consent-given-again-en",
        now,
        customer("c-2044", "Harry Morgan", "en", "gold", 3050.0, marketing=True),
        chat(now, "I got the gaming console last week. Which controller and games would you recommend?"),
        [
            _ev(
                "m1",
                ago(now, days=400),
                "email",
                "consent_changed",
                "Marketing consent withdrawn",
                marketing=False,
            ),
            _ev("m2", ago(now, days=30), "app", "consent_changed", "Marketing consent given", marketing=True),
            order("c1", ago(now, days=8), "85010", "PlayBox 5 console", 549.0),
            delivered("c2", ago(now, days=6), "85010"),
        ],
        # the newest consent event says yes: suggesting accessories is fine
        {"top3_refs": ["c1"], "top_action": "cross_sell"},
    )


@scenario
def return_requested_phone_en() -> Case:
    now = NOW
    return build_case(
        "return-requested-phone-en",
        now,
        customer("c-2045", "Megan Hall", "en", "silver", 560.0),
        phone(now, "returns"),
        [
            order("r1", ago(now, days=12), "85220", "Espresso grinder", 149.0),
            delivered("r3", ago(now, days=10), "85220"),
            _ev(
                "r2",
                ago(now, days=4),
                "app",
                "return_requested",
                "Return requested for order 85220 (noisy)",
                order_id="85220",
                reason="noisy",
            ),
        ],
        {"top3_refs": ["r2"], "top_action": "process_return", "never": ["cross_sell"]},
    )


@scenario
def stuck_tariff_change_cobrowse_en() -> Case:
    now = NOW
    return build_case(
        "stuck-tariff-change-cobrowse-en",
        now,
        customer("c-2046", "Owen Clarke", "en", "gold", 2200.0),
        chat(
            now,
            "I'm going round in circles trying to switch my tariff online. Where do I confirm it?",
            page=("https://shop.example/konto/tarif-wechseln", "Tarif wechseln"),
        ),
        [
            page(
                "w1",
                ago(now, minutes=19),
                "/konto/tarif-wechseln",
                "Tarif wechseln",
                "account",
                120,
                "Viewed tariff change",
            ),
            page(
                "w2",
                ago(now, minutes=15),
                "/hilfe/tarifwechsel",
                "Hilfe: Tarifwechsel",
                "help",
                100,
                "Viewed Help: tariff change",
            ),
            page(
                "w3",
                ago(now, minutes=11),
                "/konto/tarif-wechseln",
                "Tarif wechseln",
                "account",
                150,
                "Viewed tariff change",
            ),
            page(
                "w4",
                ago(now, minutes=7),
                "/hilfe/tarifwechsel",
                "Hilfe: Tarifwechsel",
                "help",
                80,
                "Viewed Help: tariff change",
            ),
        ],
        {"top3_refs": ["w4"], "top_action": "start_cobrowse"},
    )


@scenario
def second_contact_unresolved_de() -> Case:
    now = NOW
    return build_case(
        "second-contact-unresolved-de",
        now,
        customer("c-2047", "Karl Schubert", "de", "silver", 990.0),
        chat(now, "Ich hatte gestern schon wegen der doppelten Abbuchung angerufen, ist das jetzt erledigt?"),
        [
            contact(
                "k1",
                ago(now, days=1, hours=2),
                "phone",
                "double debit",
                "unresolved",
                -0.3,
                "Anruf: doppelte Abbuchung, ungelöst",
            ),
        ],
        # second contact: show yesterday's call; escalation is for the third
        {"top3_refs": ["k1"], "never": ["escalate_complaint", "cross_sell"]},
    )


@scenario
def b2b_delayed_email_en() -> Case:
    now = NOW
    return build_case(
        "b2b-delayed-email-en",
        now,
        customer("c-2048", "Northwind Logistics GmbH", "en", "platinum", 18500.0, segment="b2b"),
        email(
            now, "Our delivery of 20 headsets (order 85540) still hasn't arrived. We need them for Monday."
        ),
        [
            order("o1", ago(now, days=6), "85540", "20x Office headset H3", 1980.0, 20),
            shipped("o2", ago(now, days=4), "85540", "DB Schenker", ago(now, days=1)),
            delayed("o3", ago(now, days=1, hours=4), "85540", ago(now, days=-3), "customs check"),
            order("o4", ago(now, days=3), "85601", "5x Docking station", 645.0, 5),
        ],
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell"]},
    )


# --- the same needs in other words ----------------------------------------------------------------


@scenario
def try_phone_in_shop_de() -> Case:
    now = NOW
    return build_case(
        "try-phone-in-shop-de",
        now,
        customer("c-2049", "Lena Hofmann", "de", "silver", 1150.0),
        chat(
            now,
            "Kann ich das Handy irgendwo im Laden in die Hand nehmen und ausprobieren?",
            page=("https://shop.example/p/pixel-10-pro", "Pixel 10 Pro"),
        ),
        [
            page(
                "s1",
                ago(now, minutes=15),
                "/p/pixel-10-pro",
                "Pixel 10 Pro",
                "smartphones",
                420,
                "Viewed Pixel 10 Pro",
            ),
        ],
        {"top3_refs": ["s1"], "top_action": "book_branch_appointment"},
    )


@scenario
def shop_near_me_en() -> Case:
    now = NOW
    return build_case(
        "shop-near-me-en",
        now,
        customer("c-2050", "Matthew Lewis", "en", "gold", 2300.0),
        chat(
            now,
            "Is there a store near me where I could have a look at the washing machine first?",
            page=("https://shop.example/p/wm-8000", "Waschmaschine WM 8000"),
        ),
        [
            page(
                "s1",
                ago(now, minutes=20),
                "/p/wm-8000",
                "Waschmaschine WM 8000",
                "haushalt",
                380,
                "Viewed washing machine WM 8000",
            ),
        ],
        {"top3_refs": ["s1"], "top_action": "book_branch_appointment"},
    )


@scenario
def package_not_shown_up_en() -> Case:
    now = NOW
    return build_case(
        "package-not-shown-up-en",
        now,
        customer("c-2051", "Amelia Ward", "en", "silver", 730.0),
        chat(now, "My package still hasn't shown up. What's going on?"),
        [
            order("o1", ago(now, days=6), "85910", "Electric toothbrush", 89.0),
            shipped("o2", ago(now, days=4), "85910", "DPD", ago(now, days=1)),
            delayed("o3", ago(now, hours=9), "85910", ago(now, days=-2), "high parcel volume"),
        ],
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell"]},
    )


@scenario
def lieferung_noch_nicht_da_de() -> Case:
    now = NOW
    return build_case(
        "lieferung-noch-nicht-da-de",
        now,
        customer("c-2052", "Uwe Schröder", "de", "bronze", 320.0),
        email(now, "Meine Lieferung ist immer noch nicht da. Können Sie bitte nachsehen?"),
        [
            order("o1", ago(now, days=7), "86044", "Staubsauger V8", 199.0),
            shipped("o2", ago(now, days=5), "86044", "GLS", ago(now, days=2)),
            delayed("o3", ago(now, days=2), "86044", ago(now, days=-1), "Zustellfahrzeug ausgefallen"),
        ],
        {"top3_refs": ["o3"], "top_action": "track_order", "never": ["cross_sell", "apologize_compensate"]},
    )


@scenario
def vertrag_beenden_gold_de() -> Case:
    now = NOW
    return build_case(
        "vertrag-beenden-gold-de",
        now,
        customer("c-2053", "Christine Ludwig", "de", "gold", 2800.0, churn=0.7),
        chat(now, "Wie kann ich meinen Vertrag beenden? Ich ziehe um und brauche das nicht mehr."),
        [
            _ev(
                "x1",
                ago(now, days=1),
                "app",
                "cancellation_intent",
                "App: wants to cancel Fibre 500 (moving)",
                product="Fibre 500",
                reason="moving",
            ),
        ],
        {"top3_refs": ["x1"], "top_action": "retention_offer"},
    )


@scenario
def money_back_return_en() -> Case:
    now = NOW
    return build_case(
        "money-back-return-en",
        now,
        customer("c-2054", "Jack Robinson", "en", "silver", 610.0),
        chat(now, "I still haven't got my money back for the speaker I sent back."),
        [
            order("r1", ago(now, days=21), "86180", "Bluetooth speaker", 99.0),
            delivered("r3", ago(now, days=19), "86180"),
            _ev(
                "r2",
                ago(now, days=9),
                "web",
                "return_requested",
                "Return requested for order 86180 (crackling)",
                order_id="86180",
                reason="crackling",
            ),
        ],
        {"top3_refs": ["r2"], "top_action": "process_return", "never": ["cross_sell"]},
    )


@scenario
def tv_box_rebooting_de() -> Case:
    now = NOW
    return build_case(
        "tv-box-rebooting-de",
        now,
        customer(
            "c-2055",
            "Jörg Kaiser",
            "de",
            "silver",
            1020.0,
            products=[{"id": "p-11", "name": "TV Max", "since": "2024-10-01"}],
        ),
        phone(now, "technical"),
        [
            alert(
                "a1",
                ago(now, hours=4),
                "TV box X1",
                "REBOOT_LOOP",
                "critical",
                True,
                "TV box X1: reboot loop",
            ),
        ],
        {"top3_refs": ["a1"], "top_action": "device_support", "never": ["cross_sell"]},
    )


def all_cases() -> list[Case]:
    return [fn() for fn in SCENARIOS]


def write(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        old.unlink()
    paths = []
    for case in all_cases():
        path = out_dir / f"{case['id']}.json"
        path.write_text(json.dumps(case, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    paths = write(args.out)
    print(f"wrote {len(paths)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
