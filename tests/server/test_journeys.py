"""Tests for the demo data generator: customers, causally consistent journeys, chat openings, replies."""

from __future__ import annotations

import json
import random
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workstation.demo.journeys import (
    DE_FIRST_NAMES,
    DE_LAST_NAMES,
    EN_FIRST_NAMES,
    EN_LAST_NAMES,
    TOPICS,
    ascii_fold,
    make_chat_opening,
    make_customer,
    make_customer_reply,
    make_history,
    make_long_history,
    open_problems,
)

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
MONTH = timedelta(days=30.44)

# The vocabulary table of /work/shared/relevance/README.md, copied here on purpose: the tests check the
# generator against the published format, not against the generator's own idea of it.
VOCABULARY: dict[str, set[str]] = {
    "page_view": {"url", "title", "category", "seconds"},
    "search": {"query"},
    "app_error": {"screen", "code", "message"},
    "cart_abandoned": {"value", "items"},
    "order_placed": {"order_id", "value", "items"},
    "order_shipped": {"order_id", "carrier", "eta"},
    "delivery_delayed": {"order_id", "new_eta", "reason"},
    "delivered": {"order_id"},
    "return_requested": {"order_id", "reason"},
    "refund_issued": {"order_id", "amount"},
    "payment_failed": {"amount", "reason"},
    "invoice_overdue": {"invoice_id", "amount", "days"},
    "complaint": {"topic", "severity", "status"},
    "contact": {"topic", "outcome", "sentiment"},
    "survey": {"nps", "comment"},
    "cancellation_intent": {"product", "reason"},
    "contract_change": {"product", "change"},
    "device_alert": {"device", "code", "severity", "active"},
    "campaign_response": {"campaign", "response"},
    "consent_changed": {"marketing"},
    "address_change": set(),
    "social_post": {"text", "sentiment"},
    "appointment": {"branch", "at", "topic"},
}
EXTRAS: dict[str, set[str]] = {"contact": {"order_id", "transcript"}, "complaint": {"order_id"}}
CHANNELS = {
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
}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
GERMAN_WORDS = {
    "ich",
    "mein",
    "meine",
    "meinen",
    "meiner",
    "bestellung",
    "nicht",
    "wann",
    "ist",
    "die",
    "der",
    "das",
    "und",
    "hallo",
    "kann",
    "wo",
    "noch",
    "sie",
    "mir",
    "gibt",
    "habe",
    "schon",
    "wie",
    "zum",
    "zur",
    "für",
    "welches",
    "auch",
    "eine",
    "es",
    "gerade",
    "guten",
    "tag",
}
ENGLISH_WORDS = {
    "i",
    "my",
    "the",
    "is",
    "where",
    "when",
    "can",
    "order",
    "hello",
    "it",
    "and",
    "still",
    "what",
    "how",
    "do",
    "has",
    "i'm",
    "there",
    "to",
    "me",
    "you",
    "your",
    "that",
    "it's",
}


def at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"].replace("Z", "+00:00"))


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-zäöüß']+", text.lower()))


def check_event_schema(event: dict[str, Any]) -> None:
    assert set(event) == {"id", "at", "channel", "kind", "summary", "data"}, event
    assert ISO_Z.match(event["at"]), event
    assert event["channel"] in CHANNELS, event
    assert isinstance(event["summary"], str) and event["summary"].strip(), event
    kind, data = event["kind"], event["data"]
    assert kind in VOCABULARY, event
    # The published fields always; beyond them only the documented extras (a contact's order and
    # transcript, a complaint's order), which link events into stories in the timeline.
    assert VOCABULARY[kind] <= set(data) <= VOCABULARY[kind] | EXTRAS.get(kind, set()), event
    if "transcript" in data:
        assert data["transcript"] and all(
            line["sender"] in ("customer", "agent") and line["text"].strip() for line in data["transcript"]
        ), event
    if kind == "page_view":
        assert data["url"].startswith("/") and data["title"] and isinstance(data["seconds"], int)
        assert data["seconds"] >= 0
    elif kind in ("order_placed", "cart_abandoned"):
        assert data["value"] > 0 and isinstance(data["items"], int) and data["items"] >= 1
    elif kind == "order_shipped":
        assert data["carrier"] in {"DHL", "DPD", "Hermes", "UPS"} and ISO_Z.match(data["eta"])
    elif kind == "delivery_delayed":
        assert ISO_Z.match(data["new_eta"]) and data["reason"]
    elif kind in ("refund_issued", "payment_failed"):
        assert data["amount"] > 0
    elif kind == "invoice_overdue":
        assert data["invoice_id"].startswith("INV-") and data["amount"] > 0 and data["days"] > 0
    elif kind == "complaint":
        assert data["severity"] in {"low", "medium", "high"} and data["status"] in {"open", "resolved"}
    elif kind == "contact":
        assert data["outcome"] in {"resolved", "unresolved", "callback_promised"}
        assert -1 <= data["sentiment"] <= 1
        assert event["channel"] in {"phone", "chat", "email", "branch"}
    elif kind == "survey":
        assert isinstance(data["nps"], int) and 0 <= data["nps"] <= 10 and isinstance(data["comment"], str)
    elif kind == "device_alert":
        assert data["severity"] in {"info", "warning", "critical"} and isinstance(data["active"], bool)
    elif kind == "campaign_response":
        assert data["response"] in {"clicked", "ignored", "unsubscribed"}
    elif kind == "consent_changed":
        assert isinstance(data["marketing"], bool)
    elif kind == "social_post":
        assert data["text"] and -1 <= data["sentiment"] <= 1
    elif kind == "appointment":
        assert ISO_Z.match(data["at"]) and data["branch"] and data["topic"]
    if "order_id" in data:
        assert isinstance(data["order_id"], str) and data["order_id"].isdigit()


def check_timeline(
    customer: dict[str, Any], events: list[dict[str, Any]], now: datetime, earliest: datetime | None = None
) -> None:
    """Every invariant a stored timeline must keep, whatever journeys produced it."""
    ids = [e["id"] for e in events]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"e\d+", i) for i in ids)
    times = [at(e) for e in events]
    assert times == sorted(times)
    assert all(t <= now for t in times)
    if earliest is not None:
        assert all(t >= earliest for t in times)
    orders: dict[str, dict[str, list[datetime]]] = {}
    order_value: dict[str, float] = {}
    alerts_active: set[tuple[str, str]] = set()
    complaints_open: set[str] = set()
    failed_amounts: list[float] = []
    changes = [e for e in events if e["kind"] == "consent_changed"]
    consent = (not changes[0]["data"]["marketing"]) if changes else customer["consents"]["marketing"]
    if changes:
        assert changes[-1]["data"]["marketing"] == customer["consents"]["marketing"]
    for event, t in zip(events, times, strict=True):
        check_event_schema(event)
        kind, data = event["kind"], event["data"]
        if "order_id" in data:
            oid = data["order_id"]
            steps = orders.setdefault(oid, {})
            if kind == "order_placed":
                assert not steps, f"order {oid} placed twice or after its follow-ups"
                order_value[oid] = data["value"]
            else:
                assert "order_placed" in steps, f"{kind} before order {oid} was placed"
            if kind == "order_shipped":
                assert "order_shipped" not in steps
                assert ts(data["eta"]) > t
            if kind == "delivery_delayed":
                assert "order_shipped" in steps and "delivered" not in steps
                assert ts(data["new_eta"]) > t
            if kind == "delivered":
                assert "order_shipped" in steps and "delivered" not in steps
            if kind == "return_requested":
                assert "delivered" in steps and "return_requested" not in steps
            if kind == "refund_issued":
                assert "return_requested" in steps and "refund_issued" not in steps
                assert data["amount"] <= order_value[oid] + 1e-9
            steps.setdefault(kind, []).append(t)
        elif kind == "device_alert":
            key = (data["device"], data["code"])
            if data["active"]:
                alerts_active.add(key)
            else:
                assert key in alerts_active, f"alert {key} cleared before it was raised"
                alerts_active.discard(key)
        elif kind == "complaint":
            if data["status"] == "open":
                complaints_open.add(data["topic"])
            else:
                assert data["topic"] in complaints_open, "complaint resolved before it was opened"
                complaints_open.discard(data["topic"])
        elif kind == "payment_failed":
            failed_amounts.append(data["amount"])
        elif kind == "invoice_overdue":
            assert data["amount"] in failed_amounts, "invoice overdue without a failed payment"
        elif kind == "consent_changed":
            consent = data["marketing"]
        elif kind == "campaign_response":
            assert consent, "campaign mail while the customer had no marketing consent"


def open_states(events: list[dict[str, Any]]) -> set[str]:
    """The test's own reading of which problems are still open at the end of a timeline."""
    states: set[str] = set()
    orders: dict[str, set[str]] = {}
    alerts: set[tuple[str, str]] = set()
    complaints: dict[str, str] = {}
    payment_open = False
    cancels: set[str] = set()
    for e in events:
        kind, data = e["kind"], e["data"]
        if "order_id" in data:
            orders.setdefault(data["order_id"], set()).add(kind)
        elif kind == "device_alert":
            (alerts.add if data["active"] else alerts.discard)((data["device"], data["code"]))
        elif kind == "complaint":
            complaints[data["topic"]] = data["status"]
        elif kind in ("payment_failed", "invoice_overdue"):
            payment_open = True
        elif kind == "contact" and data["topic"] == "payment" and data["outcome"] == "resolved":
            payment_open = False
        elif kind == "cancellation_intent":
            cancels.add(data["product"])
        elif kind == "contract_change":
            cancels.discard(data["product"])
    for steps in orders.values():
        if "delivery_delayed" in steps and "delivered" not in steps:
            states.add("delayed")
        elif "order_shipped" in steps and "delivered" not in steps:
            states.add("in_transit")
        if "return_requested" in steps and "refund_issued" not in steps:
            states.add("pending_return")
    if alerts:
        states.add("device_alert")
    if "open" in complaints.values():
        states.add("complaint")
    if payment_open:
        states.add("payment")
    if cancels:
        states.add("cancellation")
    return states


@pytest.fixture(scope="module")
def population() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    rng = random.Random(20261120)
    out = []
    for i in range(300):
        customer = make_customer(rng, f"c-{i}", now=NOW)
        out.append((customer, make_history(rng, customer, NOW)))
    return out


# ------------------------------------------------------------------------------------------ determinism


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    def run(seed: int) -> str:
        rng = random.Random(seed)
        customer = make_customer(rng, "c-1", now=NOW)
        history = make_history(rng, customer, NOW)
        opening = make_chat_opening(rng, customer, history, NOW)
        replies = [make_customer_reply(rng, customer, opening, "Einen Moment bitte.", t) for t in (0, 1, 2)]
        return json.dumps([customer, history, opening, replies], ensure_ascii=False)

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_customer_without_now_is_reproducible_from_the_seed_alone() -> None:
    assert make_customer(random.Random(3), "c-9") == make_customer(random.Random(3), "c-9")


def test_naive_now_is_taken_as_utc() -> None:
    customer = make_customer(random.Random(1), "c-1", now=NOW)
    aware = make_history(random.Random(2), customer, NOW)
    naive = make_history(random.Random(2), customer, NOW.replace(tzinfo=None))
    assert aware == naive


# ---------------------------------------------------------------------------------------------- customers


def test_customer_fields_and_distributions() -> None:
    rng = random.Random(11)
    customers = [make_customer(rng, f"c-{i}", now=NOW) for i in range(1000)]
    base = {
        "id",
        "name",
        "language",
        "segment",
        "value_tier",
        "clv",
        "churn_risk",
        "consents",
        "products",
        "email",
        "phone",
    }
    clv_range = {"bronze": (0, 600), "silver": (600, 2000), "gold": (2000, 8000), "platinum": (8000, 30000)}
    for c in customers:
        assert set(c) == (base | {"company"} if c["segment"] == "b2b" else base)
        assert c["language"] in {"de", "en"} and c["segment"] in {"b2c", "b2b"}
        lo, hi = clv_range[c["value_tier"]]
        assert isinstance(c["clv"], float) and lo <= c["clv"] <= hi
        assert 0 <= c["churn_risk"] <= 1
        assert set(c["consents"]) == {"marketing", "cobrowse"}
        assert all(isinstance(v, bool) for v in c["consents"].values())
        for p in c["products"]:
            assert set(p) == {"id", "name", "since"} and re.fullmatch(r"\d{4}-\d\d-\d\d", p["since"])
            assert p["since"] < NOW.date().isoformat()
        if c["segment"] == "b2b":
            assert c["company"].strip()
        assert json.loads(json.dumps(c)) == c
    n = len(customers)
    assert 0.54 < sum(c["language"] == "de" for c in customers) / n < 0.66
    assert 0.07 < sum(c["segment"] == "b2b" for c in customers) / n < 0.25
    tiers = Counter(c["value_tier"] for c in customers)
    assert tiers["bronze"] + tiers["silver"] > 0.6 * n
    assert tiers["bronze"] > tiers["gold"] > tiers["platinum"] > 0
    for key in ("marketing", "cobrowse"):
        share = sum(c["consents"][key] for c in customers) / n
        assert 0.4 < share < 0.9, "consents should be mixed"
    assert any(c["churn_risk"] >= 0.6 for c in customers)


def test_names_match_language() -> None:
    rng = random.Random(5)
    customers = [make_customer(rng, f"c-{i}") for i in range(600)]
    german = [c for c in customers if c["language"] == "de"]
    english = [c for c in customers if c["language"] == "en"]
    assert not set(DE_FIRST_NAMES) & set(EN_FIRST_NAMES)
    for c in german:
        first, last = c["name"].split(" ", 1)
        assert first in DE_FIRST_NAMES and last in DE_LAST_NAMES
    for c in english:
        first, last = c["name"].split(" ", 1)
        assert first in EN_FIRST_NAMES and last in EN_LAST_NAMES
        assert c["name"].isascii()
    with_umlaut = [c for c in german if re.search("[äöüÄÖÜß]", c["name"])]
    assert len(with_umlaut) > 0.25 * len(german)


def test_email_and_phone_are_fictitious_and_ascii() -> None:
    rng = random.Random(9)
    for i in range(500):
        c = make_customer(rng, f"c-{i}")
        email = c["email"]
        assert email.isascii()
        assert re.fullmatch(r"[a-z0-9.\-]+@example\.(com|de|org)", email), email
        last = c["name"].split(" ", 1)[1]
        assert re.sub(r"[^a-z0-9-]", "", ascii_fold(last).lower()) in email
        if c["language"] == "de":
            assert re.fullmatch(r"\+49 30 555-\d{4}", c["phone"])
        else:
            assert re.fullmatch(r"\+44 20 7946 0\d{3}", c["phone"])


def test_ascii_fold_transliterates_german() -> None:
    assert ascii_fold("Müller") == "Mueller"
    assert ascii_fold("Schäfer") == "Schaefer"
    assert ascii_fold("Weiß") == "Weiss"
    assert ascii_fold("Öztürk") == "Oeztuerk"
    assert ascii_fold("Zoë") == "Zoe"


# ----------------------------------------------------------------------------------------------- history


def test_every_event_follows_the_vocabulary_and_all_kinds_occur(population: list[Any]) -> None:
    seen: Counter[str] = Counter()
    for _, history in population:
        for event in history:
            check_event_schema(event)
            seen[event["kind"]] += 1
        json.dumps(history)
    assert set(seen) == set(VOCABULARY), f"never generated: {set(VOCABULARY) - set(seen)}"


def test_timelines_are_causally_consistent(population: list[Any]) -> None:
    for customer, history in population:
        check_timeline(customer, history, NOW, NOW - 12 * MONTH)


def test_history_sizes_are_realistic(population: list[Any]) -> None:
    sizes = [len(h) for _, h in population]
    assert 20 <= statistics.median(sizes) <= 150
    assert sum(15 <= s <= 170 for s in sizes) >= 0.9 * len(sizes)


def test_histories_span_many_channels_and_the_year(population: list[Any]) -> None:
    channels = Counter(e["channel"] for _, h in population for e in h)
    assert set(channels) == CHANNELS
    months = {e["at"][:7] for _, h in population for e in h}
    assert len(months) >= 12


def test_order_ids_are_unique_per_customer_and_shaped_like_the_cases(population: list[Any]) -> None:
    for _, history in population:
        placed = [e["data"]["order_id"] for e in history if e["kind"] == "order_placed"]
        assert len(placed) == len(set(placed))
        assert all(re.fullmatch(r"\d{5}", oid) for oid in placed)


def test_a_share_of_customers_has_open_problems(population: list[Any]) -> None:
    with_open = [open_states(h) for _, h in population]
    share = sum(bool(s) for s in with_open) / len(with_open)
    assert share >= 0.4
    all_states = set().union(*with_open)
    assert {
        "delayed",
        "in_transit",
        "pending_return",
        "device_alert",
        "complaint",
        "payment",
        "cancellation",
    } <= all_states


def test_open_problems_agrees_with_the_timeline(population: list[Any]) -> None:
    for _, history in population:
        found = open_problems(history, NOW)
        ids = {e["id"] for e in history}
        for problem in found:
            assert problem["topic"] in TOPICS
            assert set(problem["refs"]) <= ids
        mine = open_states(history)
        problems = {p["problem"] for p in found}
        if "delayed" in mine:
            assert "delayed" in problems
        if "pending_return" in mine:
            assert "pending_return" in problems
        if "device_alert" in mine:
            assert "device_alert" in problems


def test_first_event_id_and_months_are_respected() -> None:
    rng = random.Random(4)
    customer = make_customer(rng, "c-4", now=NOW)
    history = make_history(rng, customer, NOW, first_event_id=500, months=3)
    assert [e["id"] for e in history] == [f"e{500 + i}" for i in range(len(history))]
    check_timeline(customer, history, NOW, NOW - 3 * MONTH)


def test_long_history_has_exactly_n_events_and_keeps_the_invariants() -> None:
    rng = random.Random(100)
    customer = make_customer(rng, "c-long", now=NOW)
    history = make_long_history(rng, customer, NOW, 100_000)
    assert len(history) == 100_000
    assert history[0]["id"] == "e1" and history[-1]["id"] == "e100000"
    check_timeline(customer, history, NOW)
    kinds = Counter(e["kind"] for e in history)
    assert kinds["order_placed"] > 1000 and kinds["delivered"] > 1000 and kinds["refund_issued"] > 50


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 333])
def test_long_history_small_counts_are_exact(n: int) -> None:
    # Many seeds: tiny counts are where set pieces (a consent change and its unsubscribe mail) get cut.
    for seed in range(40):
        rng = random.Random(seed)
        customer = make_customer(rng, "c-x", now=NOW)
        history = make_long_history(rng, customer, NOW, n)
        assert len(history) == n
        check_timeline(customer, history, NOW)


# ----------------------------------------------------------------------------------------------- chat


def test_openings_are_well_formed_and_in_the_customers_language(population: list[Any]) -> None:
    rng = random.Random(77)
    for customer, history in population:
        opening = make_chat_opening(rng, customer, history, NOW)
        assert set(opening) == {"topic", "language", "channel", "page", "text"}
        assert opening["topic"] in TOPICS
        assert opening["channel"] == "chat"
        assert opening["language"] == customer["language"]
        assert set(opening["page"]) == {"url", "title"} and opening["page"]["url"].startswith("/")
        assert opening["page"]["title"] and "{" not in opening["text"]
        found = words(opening["text"])
        if customer["language"] == "de":
            assert found & GERMAN_WORDS and not found & ENGLISH_WORDS, opening["text"]
        else:
            assert found & ENGLISH_WORDS and not found & GERMAN_WORDS, opening["text"]


def test_openings_prefer_the_customers_open_problems(population: list[Any]) -> None:
    rng = random.Random(78)
    matching = total = 0
    for customer, history in population:
        topics = {p["topic"] for p in open_problems(history, NOW)}
        if topics:
            total += 1
            matching += make_chat_opening(rng, customer, history, NOW)["topic"] in topics
    assert total > 100 and matching >= 0.8 * total


def test_delivery_openings_name_the_open_order(population: list[Any]) -> None:
    rng = random.Random(79)
    delivery = 0
    for customer, history in population:
        opening = make_chat_opening(rng, customer, history, NOW)
        if opening["topic"] != "delivery":
            continue
        delivery += 1
        open_orders = {p["order_id"] for p in open_problems(history, NOW) if p["topic"] == "delivery"}
        assert any(oid in opening["text"] for oid in open_orders), opening["text"]
        assert words(opening["text"]) & ({"bestellung"} if customer["language"] == "de" else {"order"})
    assert delivery >= 20


def _jana() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    customer = make_customer(random.Random(1), "c-1001", now=NOW) | {
        "name": "Jana Kowalski",
        "language": "de",
        "consents": {"marketing": True, "cobrowse": False},
    }
    history = [
        {
            "id": "e1",
            "at": "2026-11-16T09:00:00Z",
            "channel": "shop",
            "kind": "order_placed",
            "summary": "Order 88231 placed: SoundPeak ANC 700 (199.00 EUR)",
            "data": {"order_id": "88231", "value": 199.0, "items": 1},
        },
        {
            "id": "e2",
            "at": "2026-11-16T15:00:00Z",
            "channel": "logistics",
            "kind": "order_shipped",
            "summary": "Order 88231 shipped with DHL",
            "data": {"order_id": "88231", "carrier": "DHL", "eta": "2026-11-19T18:00:00Z"},
        },
        {
            "id": "e3",
            "at": "2026-11-19T08:00:00Z",
            "channel": "logistics",
            "kind": "delivery_delayed",
            "summary": "Order 88231 delayed: depot backlog",
            "data": {"order_id": "88231", "new_eta": "2026-11-22T18:00:00Z", "reason": "depot backlog"},
        },
    ]
    return customer, history


def test_delayed_order_opening_in_german_names_order_and_due_day() -> None:
    customer, history = _jana()
    problems = open_problems(history, NOW)
    assert [(p["problem"], p["order_id"], p["refs"]) for p in problems] == [
        ("delayed", "88231", ["e1", "e2", "e3"])
    ]
    texts = [make_chat_opening(random.Random(seed), customer, history, NOW) for seed in range(40)]
    delivery = [o for o in texts if o["topic"] == "delivery"]
    assert len(delivery) >= 30
    assert all("88231" in o["text"] for o in delivery)
    assert len({o["text"] for o in delivery}) >= 4, "phrasings should vary"
    # The ETA was the day before `now`: when a template names the due day it says "gestern".
    assert any("gestern" in o["text"] for o in delivery)


def test_english_opening_for_the_same_journey() -> None:
    customer, history = _jana()
    customer = customer | {"name": "Tom Becker", "language": "en"}
    openings = [make_chat_opening(random.Random(seed), customer, history, NOW) for seed in range(40)]
    delivery = [o for o in openings if o["topic"] == "delivery"]
    assert delivery and all("88231" in o["text"] and o["language"] == "en" for o in delivery)
    assert any("yesterday" in o["text"] for o in delivery)


def test_no_open_problem_means_a_product_or_checkout_question() -> None:
    customer = make_customer(random.Random(2), "c-2", now=NOW) | {"language": "en"}
    history = [
        {
            "id": "e1",
            "at": "2026-11-20T13:50:00Z",
            "channel": "web",
            "kind": "page_view",
            "summary": "Viewed OLED 65 TV",
            "data": {"url": "/products/oled-65-tv", "title": "OLED 65 TV", "category": "tv", "seconds": 300},
        }
    ]
    openings = [make_chat_opening(random.Random(s), customer, history, NOW) for s in range(30)]
    assert {o["topic"] for o in openings} <= {"product", "checkout"}
    products = [o for o in openings if o["topic"] == "product"]
    assert products and all(
        o["page"]["url"] == "/products/oled-65-tv" and "OLED 65 TV" in o["text"] for o in products
    )


def test_replies_follow_up_then_thank_then_stop() -> None:
    rng = random.Random(3)
    for i in range(60):
        customer = make_customer(rng, f"c-{i}", now=NOW)
        history = make_history(rng, customer, NOW)
        opening = make_chat_opening(rng, customer, history, NOW)
        agent = "Ich schaue gleich nach."
        replies = [make_customer_reply(rng, customer, opening, agent, t) for t in range(6)]
        done = replies.index(None)
        assert 2 <= done <= 4, replies
        assert len(set(replies[:done])) == done, "a customer does not say the same thing twice"
        assert all(r is None for r in replies[done:])
        assert all(isinstance(r, str) and r for r in replies[:done])
        german = customer["language"] == "de"
        closing = words(replies[done - 1] or "")
        assert closing & ({"danke", "dank"} if german else {"thanks", "thank"})
        markers, foreign = (GERMAN_WORDS, ENGLISH_WORDS) if german else (ENGLISH_WORDS, GERMAN_WORDS)
        for reply in replies[: done - 1]:
            assert words(reply or "") & markers and not words(reply or "") & foreign, reply


def test_replies_react_to_what_the_agent_asked() -> None:
    customer, _ = _jana()
    opening = {
        "topic": "delivery",
        "language": "de",
        "channel": "chat",
        "page": {"url": "/", "title": "x"},
        "text": "Hallo, wo bleibt meine Bestellung 88231?",
    }
    rng = random.Random(1)
    assert "88231" in (make_customer_reply(rng, customer, opening, "Wie lautet Ihre Bestellnummer?", 0) or "")
    # Jana has not consented to cobrowsing, so she declines the invitation.
    reply = make_customer_reply(rng, customer, opening, "Darf ich Ihren Bildschirm per Co-Browsing sehen?", 0)
    assert reply is not None and "Lieber nicht" in reply
    english = customer | {"language": "en", "consents": {"marketing": True, "cobrowse": True}}
    reply = make_customer_reply(rng, english, opening | {"language": "en"}, "May I co-browse with you?", 0)
    assert reply in {"Sure, go ahead and show me.", "Yes please, show me."}
