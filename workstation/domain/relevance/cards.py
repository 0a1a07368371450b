"""What the relevance panel shows: cards, what was hidden and why, and the check of a case's `expect`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from workstation.domain import messages
from workstation.domain.messages import Msg

MAX_CARDS: Final = 5
#: Cards below this score are not worth the agent's attention, even if there is room.
MIN_SCORE: Final = 10.0
#: Why a situation with no event or customer fact behind it is hidden rather than shown.
NO_EVIDENCE: Final = Msg(messages.NO_EVIDENCE)


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
    #: The technical reason (the policy expression and its values), for team leads; "" if `why` says it all.
    detail: str = ""


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
