"""A routing task's attributes: the customer's value and what they just did before asking for help."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from workstation.domain.models import Customer, TimelineEvent, WebPage

#: Page views this close before the contact count as "what the customer just did".
SESSION = timedelta(hours=2)
#: An abandoned cart this recent is still on the customer's mind.
RECENT_CART = timedelta(days=7)


def journey_context(events: Iterable[TimelineEvent], now: datetime) -> dict[str, Any]:
    """Minutes on product pages in this session, the latest cart value, whether a complaint is open."""
    product_seconds = 0.0
    cart: tuple[datetime, float] | None = None
    complaints: dict[str, tuple[datetime, str]] = {}
    for ev in events:
        if ev.at > now:
            continue
        data = ev.data
        if ev.kind == "page_view" and now - ev.at <= SESSION:
            url = str(data.get("url") or "")
            seconds = data.get("seconds")
            if url.startswith("/products/") and isinstance(seconds, int | float):
                product_seconds += float(seconds)
        elif ev.kind == "cart_abandoned" and now - ev.at <= RECENT_CART:
            value = data.get("value")
            if isinstance(value, int | float) and (cart is None or ev.at >= cart[0]):
                cart = (ev.at, float(value))
        elif ev.kind == "complaint":
            topic = str(data.get("topic") or "")
            status = str(data.get("status") or "")
            if topic not in complaints or ev.at >= complaints[topic][0]:
                complaints[topic] = (ev.at, status)
    return {
        "minutes_on_product_pages": round(product_seconds / 60.0, 1),
        "cart_value": cart[1] if cart else 0.0,
        "open_complaint": any(status == "open" for _, status in complaints.values()),
    }


def task_attributes(
    customer: Customer,
    *,
    channel: str,
    language: str | None,
    topic: str | None,
    page: WebPage | None,
    events: Iterable[TimelineEvent],
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The attributes routing expressions read as task.*; `extra` (from the caller) wins on conflicts."""
    attributes: dict[str, Any] = {
        "channel": channel,
        "language": language or customer.language,
        "customer": {
            "id": customer.id,
            "tier": customer.value_tier,
            "clv": customer.clv,
            "churn_risk": customer.churn_risk,
            "segment": customer.segment,
        },
        **journey_context(events, now),
    }
    if topic:
        attributes["topic"] = topic
    if page is not None:
        attributes["page"] = {"url": page.url, "title": page.title}
    attributes.update(extra or {})
    return attributes
