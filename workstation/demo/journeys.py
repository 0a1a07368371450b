"""Deterministic generator of demo customers, their multi-channel journeys and their chat openings.

The public face of the generator; its parts: people.py (names), catalog.py (products, reasons, the
event vocabulary), journey_base/_shopping/_service.py (one customer's journeys), problems.py (what a
history leaves open), chat_texts.py (what customers write)."""

from __future__ import annotations

import math
import random
import re
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from workstation.demo.catalog import _BY_NAME, EVENT_DATA_KEYS, TOPICS, Event, _iso, _Raw, _utc, ascii_fold
from workstation.demo.chat_texts import make_chat_opening, make_customer_reply
from workstation.demo.journey_service import ServiceJourneys
from workstation.demo.people import (
    _CLV_RANGE,
    _DE_COMPANIES,
    _DEFAULT_ANCHOR,
    _EN_COMPANIES,
    _TIERS,
    DE_FIRST_NAMES,
    DE_LAST_NAMES,
    EN_FIRST_NAMES,
    EN_LAST_NAMES,
)
from workstation.demo.problems import open_problems
from workstation.domain.timeline import CHANNELS  # re-exported: the simulator's channels

__all__ = [
    "CHANNELS",
    "DE_FIRST_NAMES",
    "DE_LAST_NAMES",
    "EN_FIRST_NAMES",
    "EN_LAST_NAMES",
    "EVENT_DATA_KEYS",
    "TOPICS",
    "ascii_fold",
    "make_chat_opening",
    "make_customer",
    "make_customer_reply",
    "make_history",
    "make_long_history",
    "open_problems",
]

# -------------------------------------------------------------------------------------------- customers


class _Gen(ServiceJourneys):
    """One customer's journey generator: the base, its shopping and its service journeys."""


def make_customer(rng: random.Random, customer_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """A customer shaped like a relevance case's `customer`, plus `email`, `phone` (and `company` for b2b)."""
    lang = "de" if rng.random() < 0.6 else "en"
    first = rng.choice(DE_FIRST_NAMES if lang == "de" else EN_FIRST_NAMES)
    last = rng.choice(DE_LAST_NAMES if lang == "de" else EN_LAST_NAMES)
    segment = "b2b" if rng.random() < 0.15 else "b2c"
    # Most customers are small; business accounts skew to the upper tiers.
    weights = (45, 30, 17, 8) if segment == "b2c" else (15, 35, 32, 18)
    tier = rng.choices(_TIERS, weights=weights)[0]
    lo, hi = _CLV_RANGE[tier]
    clv = round(lo + (hi - lo) * rng.random() ** 1.6, 2)
    churn = round(min(0.97, rng.betavariate(1.6, 4.0)), 2)
    consents = {"marketing": rng.random() < 0.62, "cobrowse": rng.random() < 0.72}
    anchor = _utc(now) if now is not None else _DEFAULT_ANCHOR
    customer: dict[str, Any] = {
        "id": customer_id,
        "name": f"{first} {last}",
        "language": lang,
        "segment": segment,
    }
    if segment == "b2b":
        pattern = rng.choice(_DE_COMPANIES if lang == "de" else _EN_COMPANIES)
        customer["company"] = pattern.format(
            last if rng.random() < 0.6 else rng.choice(DE_LAST_NAMES if lang == "de" else EN_LAST_NAMES)
        )
    customer |= {
        "value_tier": tier,
        "clv": clv,
        "churn_risk": churn,
        "consents": consents,
        "products": _make_products(rng, segment, tier, anchor),
    }
    local = f"{_mail_part(first)}.{_mail_part(last)}"
    if segment == "b2b":
        local = f"{_mail_part(first)[0]}.{_mail_part(last)}"
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    domain = rng.choice(
        ("example.de", "example.de", "example.com") if lang == "de" else ("example.com", "example.org")
    )
    customer["email"] = f"{local}@{domain}"
    # Number ranges reserved for fiction: Berlin 555 (as the brief asks) and Ofcom's 020 7946 0xxx.
    customer["phone"] = (
        f"+49 30 555-{rng.randint(0, 9999):04d}"
        if lang == "de"
        else f"+44 20 7946 0{rng.randint(0, 999):03d}"
    )
    return customer


def _mail_part(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "", ascii_fold(text).lower())


def _make_products(rng: random.Random, segment: str, tier: str, anchor: datetime) -> list[dict[str, str]]:
    extra = _TIERS.index(tier) * 0.08  # better tiers own a little more
    picks: list[tuple[str, datetime]] = []

    def since(lo_days: int = 400, hi_days: int = 2400) -> datetime:
        return anchor - timedelta(days=rng.randint(lo_days, hi_days))

    if segment == "b2b":
        line = since()
        picks += [("Business Fibre 500", line), ("Router R-200", line)]
        if rng.random() < 0.6 + extra:
            picks.append(("Business Mobile 10", since()))
        if rng.random() < 0.4:
            picks.append((rng.choice(("Nova X5", "Nova X5 Pro")), since(400, 900)))
    else:
        if rng.random() < 0.7 + extra:
            line = since()
            ladder = ("DSL 50", "Fibre 100", "Fibre 250", "Fibre 1000")
            plan = rng.choices(ladder, weights=(15, 30, 35, 20))[0]
            picks.append((plan, line))
            if rng.random() < 0.85:
                picks.append(("Router R-200", line))
            if rng.random() < 0.2 + extra:
                picks.append(("Mesh Wi-Fi Point M3", since(400, 1500)))
            if rng.random() < 0.15 + extra:
                picks.append(("TV Stream", since(400, 1500)))
        if rng.random() < 0.55:
            picks.append((rng.choice(("Mobile S", "Mobile M", "Mobile XL")), since()))
        if rng.random() < 0.3 + extra:
            picks.append((rng.choice(("Nova X5", "Nova X5 Pro", "Pixelon 8")), since(400, 1100)))
        if rng.random() < 0.18 + extra:
            picks.append(("Smart Thermostat T3", since(400, 1500)))
        if rng.random() < 0.12:
            picks.append(("SoundPeak ANC 700", since(400, 1100)))
    return [{"id": _BY_NAME[name].pid, "name": name, "since": f"{when:%Y-%m-%d}"} for name, when in picks]


# ---------------------------------------------------------------------------------------------- history


def make_history(
    rng: random.Random, customer: dict[str, Any], now: datetime, *, first_event_id: int = 1, months: int = 12
) -> list[Event]:
    """A customer's timeline over the last `months` months: coherent journeys, some still open at `now`."""
    gen = _Gen(rng, customer, _utc(now), months * 30.44)
    activity = (
        1.0
        + 0.25 * _TIERS.index(customer.get("value_tier", "bronze"))
        + (0.4 if customer.get("segment") == "b2b" else 0.0)
    )
    # Open journeys and the last journey's overshoot come on top, so aim a little under 150.
    target = int(min(135, rng.triangular(20, 120, 35) * activity) * months / 12)
    raws = gen.consent_events() + gen.open_journeys()
    while len(raws) < max(target, 1):
        raws += gen.natural_journey()
    return _finalize(raws, first_event_id)


def make_long_history(
    rng: random.Random,
    customer: dict[str, Any],
    now: datetime,
    n_events: int,
    *,
    first_event_id: int = 1,
    months: int | None = None,
) -> list[Event]:
    """Exactly `n_events` events (for benchmarks): the same journeys repeated over a longer span."""
    # About 30 events a day: busy, but journeys do not pile up on the same hours (100k → about 8 years).
    span = months if months is not None else max(12, math.ceil(n_events / 1000))
    gen = _Gen(rng, customer, _utc(now), span * 30.44)
    raws = gen.consent_events() + gen.open_journeys()
    if len(raws) > n_events:
        # Too few events for the set pieces: cutting them could split a consent change from the mail that
        # caused it, so drop them and keep a plain timeline with an unchanging consent.
        gen.drop_consent_change()
        raws = []
    while len(raws) < n_events:
        journey = gen.natural_journey()
        if len(raws) + len(journey) > n_events:
            # Trimming a journey could orphan a shipment from its order; single-event fillers cannot.
            journey = [gen.filler() for _ in range(n_events - len(raws))]
        raws += journey
    return _finalize(raws, first_event_id)


def _finalize(raws: list[_Raw], first_event_id: int) -> list[Event]:
    raws.sort(key=itemgetter(0))  # stable: a journey's same-second events keep their causal order
    out: list[Event] = []
    for i, (at, channel, kind, summary, data) in enumerate(raws):
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = _iso(value)
        out.append(
            {
                "id": f"e{first_event_id + i}",
                "at": _iso(at),
                "channel": channel,
                "kind": kind,
                "summary": summary,
                "data": data,
            }
        )
    return out
