"""The simulator's customers give the relevance panel something real to find, and the engine finds it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from workstation.demo import journeys
from workstation.domain.relevance import RelevanceEngine, case_from_mapping

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def test_chats_about_an_open_problem_get_that_problem_in_the_first_three_cards() -> None:
    engine = RelevanceEngine()
    asked = found = 0
    kinds: set[str] = set()
    for seed in range(120):
        rng = random.Random(seed)
        customer = journeys.make_customer(rng, f"c-{seed}", now=NOW)
        history = journeys.make_history(rng, customer, NOW)
        opening = journeys.make_chat_opening(rng, customer, history, NOW)
        problems = [p for p in journeys.open_problems(history, NOW) if p["topic"] == opening["topic"]]
        if not problems:
            continue  # a product question or a browse: no open problem to find
        case = {
            "id": f"sim-{seed}",
            "now": NOW.isoformat(),
            "customer": customer,
            "interaction": {
                "channel": "chat",
                "started": NOW.isoformat(),
                "topic": opening["topic"],
                "page": opening["page"],
                "messages": [{"from": "customer", "at": NOW.isoformat(), "text": opening["text"]}],
            },
            "events": history,
        }
        cards = engine.rank(case_from_mapping(case)).cards
        top3 = {ref for card in cards[:3] for ref in card.refs}
        asked += 1
        kinds.update(p["problem"] for p in problems)
        # The customer talks about one of the open problems of this topic: one of them must be up front.
        found += any(set(p["refs"]) & top3 for p in problems)
    assert asked >= 50, "the simulator opens most chats about an open problem"
    assert {"delayed", "payment_failed", "device_alert", "pending_return", "complaint"} <= kinds
    assert found / asked >= 0.95, f"{found} of {asked}"
