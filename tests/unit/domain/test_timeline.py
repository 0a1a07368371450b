"""The timeline vocabulary: which events form one story, when a story is open, what is a duplicate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workstation.domain.timeline import (
    BUSINESS_WINDOW_S,
    TimelineEntry,
    TimelineFilter,
    fingerprint,
    matches,
    story_key,
    story_label,
    story_open,
)


def test_an_order_its_shipment_delay_return_refund_and_the_chat_about_it_are_one_story() -> None:
    kinds = ("order_placed", "order_shipped", "delivery_delayed", "delivered", "return_requested")
    keys = {
        story_key(kind, {"order_id": "51234"}) for kind in (*kinds, "refund_issued", "contact", "complaint")
    }
    assert keys == {"order:51234"}
    assert story_label("order:51234") == "Order 51234"


def test_a_complaint_and_the_contacts_on_its_topic_share_a_story() -> None:
    assert story_key("complaint", {"topic": "Late delivery"}) == story_key(
        "contact", {"topic": "late delivery"}
    )
    assert story_key("contact", {"topic": "late delivery"}) != story_key("contact", {"topic": "invoice"})


@pytest.mark.parametrize(
    ("kind", "data"),
    [("page_view", {"url": "/x"}), ("search", {"query": "tv"}), ("survey", {"nps": 3}), ("contact", {})],
)
def test_events_that_stand_alone_have_no_story(kind: str, data: dict[str, object]) -> None:
    assert story_key(kind, data) is None


def test_payment_failures_join_their_invoice_or_the_payments_story() -> None:
    assert story_key("invoice_overdue", {"invoice_id": "R-77"}) == "invoice:r-77"
    assert story_key("payment_failed", {"amount": 30}) == "payments"
    assert story_key("payment_received", {}) == "payments"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([("order_placed", {}), ("order_shipped", {})], False),
        ([("order_shipped", {}), ("delivery_delayed", {})], True),
        ([("delivery_delayed", {}), ("delivered", {})], False),
        ([("delivered", {}), ("return_requested", {})], True),
        ([("return_requested", {}), ("refund_issued", {})], False),
        ([("payment_failed", {}), ("payment_received", {})], False),
        ([("payment_received", {}), ("payment_failed", {})], True),
        ([("complaint", {"status": "open"})], True),
        ([("complaint", {"status": "open"}), ("complaint", {"status": "resolved"})], False),
        ([("contact", {"outcome": "callback_promised"})], True),
        ([("contact", {"outcome": "unresolved"}), ("contact", {"outcome": "resolved"})], False),
        # the delivery settles the unresolved "where is my parcel" chat about the late order ...
        ([("delivery_delayed", {}), ("contact", {"outcome": "unresolved"}), ("delivered", {})], False),
        # ... but not an open complaint about it
        ([("delivery_delayed", {}), ("complaint", {"status": "open"}), ("delivered", {})], True),
        ([("device_alert", {"active": True, "severity": "critical"})], True),
        ([("device_alert", {"active": True, "severity": "info"})], False),
        (
            [("device_alert", {"active": True, "severity": "warning"}), ("device_alert", {"active": False})],
            False,
        ),
    ],
)
def test_story_open(events: list[tuple[str, dict[str, object]]], expected: bool) -> None:
    assert story_open(events) is expected


def test_two_systems_reporting_one_shipment_have_one_fingerprint() -> None:
    shop = fingerprint("order_shipped", "shop", "Order 1 shipped", {"order_id": "1", "carrier": "DHL"})
    carrier = fingerprint(
        "order_shipped", "logistics", "Sendung 1 unterwegs", {"order_id": "1", "source": "dhl"}
    )
    assert shop.key == carrier.key and shop.window_s == BUSINESS_WINDOW_S
    other = fingerprint("order_shipped", "shop", "Order 2 shipped", {"order_id": "2"})
    assert other.key != shop.key


def test_page_views_are_duplicates_only_with_the_same_content() -> None:
    a = fingerprint("page_view", "web", "Viewed TV", {"url": "/tv", "seconds": 30})
    b = fingerprint("page_view", "web", "Viewed TV", {"url": "/tv", "seconds": 30, "source": "cdp"})
    c = fingerprint("page_view", "web", "Viewed TV", {"url": "/tv", "seconds": 31})
    assert a == b
    assert a.key != c.key
    assert a.window_s < 5


def _entry(**over: object) -> TimelineEntry:
    base: dict[str, object] = {
        "id": "e1",
        "at": datetime(2026, 11, 20, tzinfo=UTC),
        "channel": "chat",
        "kind": "contact",
        "summary": "Chat about delivery",
        "phase": "service",
        "story": "order:1",
    }
    return TimelineEntry(**(base | over))  # type: ignore[arg-type]


def test_matches_applies_every_part_of_the_filter() -> None:
    entry = _entry()
    assert matches(entry, TimelineFilter(), set())
    assert matches(entry, TimelineFilter(channels=frozenset({"chat", "phone"})), set())
    assert not matches(entry, TimelineFilter(channels=frozenset({"web"})), set())
    assert not matches(entry, TimelineFilter(phases=frozenset({"purchase"})), set())
    assert not matches(entry, TimelineFilter(kinds=frozenset({"complaint"})), set())
    assert matches(entry, TimelineFilter(only_open=True), {"order:1"})
    assert not matches(entry, TimelineFilter(only_open=True), {"order:2"})
    assert matches(entry, TimelineFilter(text="DELIVERY"), set())
    assert not matches(entry, TimelineFilter(text="51234"), set())
    assert matches(entry, TimelineFilter(text="51234"), set(), data_text='{"order_id": "51234"}')
    assert not TimelineFilter(text="  ").active and TimelineFilter(only_open=True).active
