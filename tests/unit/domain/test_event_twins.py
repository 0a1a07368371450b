"""Twins: one call logged by the telephony system and by the CRM is one contact everywhere (counted
once, both records named, both outcomes kept); a re-sent record is one; two calls stay two."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from workstation.demo.problems import open_problems
from workstation.domain.events import TWINS, collapse, merged_twins, same_event
from workstation.domain.relevance import CaseEvent, RelevanceEngine, case_from_mapping

HERE = Path(__file__).parent
SHARED = HERE.parents[3].parent.parent / "shared" / "relevance" / "cases"
CASES_DIR = SHARED if SHARED.is_dir() else HERE / "data" / "relevance_cases"
ENGINE = RelevanceEngine()


def _router_case() -> dict[str, Any]:
    """Tom called about his internet yesterday (k1, telephony, 12:00, a callback promised) and chats now."""
    raw = json.loads((CASES_DIR / "repeat-contact-router-en.json").read_text(encoding="utf-8"))
    for event in raw["events"]:
        if event["id"] == "k1":
            event["data"] |= {"source": "telephony", "source_id": "call-881"}
    return copy.deepcopy(raw)


def _crm(eid: str, at: str, outcome: str, record: str = "act-17") -> dict[str, Any]:
    return {
        "id": eid,
        "at": at,
        "channel": "phone",
        "kind": "contact",
        "summary": f"Activity: Internet down, {outcome}",
        "data": {"topic": "Internet down", "outcome": outcome, "source": "crm", "source_id": record},
    }


def _cards(raw: dict[str, Any]) -> dict[str, Any]:
    """The cards by action; of two cards of one action, the one about the repeated contact."""
    cards = ENGINE.rank(case_from_mapping(raw)).cards
    return {c.action: c for c in sorted(cards, key=lambda c: "contact on the same" in " ".join(c.reasons))}


def _nth(raw: dict[str, Any]) -> str:
    cards = _cards(raw)
    card = cards.get("escalate_complaint") or cards["offer_callback"]
    return next(r for r in card.reasons if "contact on the same" in r)


@pytest.mark.parametrize(
    "crm_at",
    ["2026-11-19T12:03:00Z", "2026-11-19T11:58:30Z"],  # 3 minutes later; the CRM's clock 90 s behind
    ids=["three-minutes-apart", "clock-skew-90s"],
)
def test_the_crm_record_of_a_call_with_another_outcome_is_the_same_contact(crm_at: str) -> None:
    raw = _router_case()
    raw["events"].append(_crm("crm-1", crm_at, "unresolved"))
    cards = _cards(raw)
    assert "escalate_complaint" not in cards, "the 2nd contact, not the 3rd"
    assert "2nd contact on the same unresolved topic" in " ".join(cards["offer_callback"].reasons)
    assert {"k1", "crm-1"} <= set(cards["offer_callback"].refs), "the card names both records"


def test_twins_handed_out_by_the_backend_are_one_contact_with_both_records() -> None:
    raw = _router_case()
    k1 = next(e for e in raw["events"] if e["id"] == "k1")
    crm = _crm("crm-1", "2026-11-19T12:03:00Z", "unresolved")
    k1["data"][TWINS] = [crm]  # as GET /customers/{id}/events lists it
    cards = _cards(raw)
    assert "escalate_complaint" not in cards
    assert {"k1", "crm-1"} <= set(cards["offer_callback"].refs)


def test_a_record_sent_twice_by_one_system_is_one() -> None:
    raw = _router_case()
    crm = _crm("crm-1", "2026-11-19T12:03:00Z", "unresolved")
    raw["events"] += [crm, dict(crm, id="crm-1-retry"), crm]
    assert "2nd contact" in _nth(raw)


def test_two_calls_twenty_minutes_apart_stay_two() -> None:
    raw = _router_case()
    second = _crm("tel-2", "2026-11-19T12:20:00Z", "unresolved")
    second["data"] |= {"source": "telephony", "source_id": "call-882", "topic": "internet outage"}
    raw["events"].append(second)
    assert "3rd contact" in _nth(raw)
    assert "escalate_complaint" in _cards(raw)


def test_one_system_naming_two_records_minutes_apart_means_two_events() -> None:
    def call(eid: str, minute: int, record: str, system: str = "telephony") -> CaseEvent:
        at = datetime(2026, 11, 19, 12, minute, tzinfo=UTC)
        data = {"topic": "t", "outcome": "unresolved", "source": system, "source_id": record}
        return CaseEvent(eid, at, "phone", "contact", "x", data)

    a, b, crm = call("a", 0, "call-1"), call("b", 4, "call-2"), call("c", 2, "act-1", "crm")
    assert not same_event(a, b) and same_event(a, crm)
    assert same_event(a, call("a-again", 0, "call-1"))  # the same record of the same system
    groups = collapse(
        [a, b, crm],
        kind=lambda e: e.kind,
        at=lambda e: e.at,
        channel=lambda e: e.channel,
        summary=lambda e: e.summary,
        data=lambda e: e.data,
    )
    assert sorted(len(g) for g in groups) == [1, 2]


def test_merged_twins_keep_every_outcome_and_let_the_later_record_say_more() -> None:
    at = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    data = {
        "topic": "router",
        "outcome": "unresolved",
        "source": "telephony",
        TWINS: [
            _crm("crm-1", "2026-11-19T12:03:00Z", "callback_promised")
            | {"data": {"outcome": "callback_promised", "agent": "Ben", "source": "crm"}}
        ],
    }
    summary, merged, ids = merged_twins(at, "Call: router", data)
    assert ids == ["crm-1"] and merged["outcome"] == "callback_promised" and merged["agent"] == "Ben"
    assert merged["source"] == "telephony" and TWINS not in merged
    assert summary == "Activity: Internet down, callback_promised"
    assert data[TWINS][0]["data"]["outcome"] == "callback_promised" and data["outcome"] == "unresolved"


def test_the_simulator_counts_the_twins_of_a_call_once() -> None:
    call = {
        "id": "tel-1",
        "at": "2026-11-19T12:00:00+00:00",
        "channel": "phone",
        "kind": "contact",
        "summary": "Call",
        "data": {
            "topic": "tariff question",
            "outcome": "resolved",
            TWINS: [
                {
                    "id": "crm-1",
                    "at": "2026-11-19T12:03:00+00:00",
                    "summary": "Activity",
                    "data": {"topic": "tariff question", "outcome": "callback_promised"},
                },
            ],
        },
    }
    problems = open_problems([call], datetime(2026, 11, 19, 13, 0, tzinfo=UTC))
    assert [p["problem"] for p in problems] == ["contact"], "the CRM's open outcome is not lost"
