"""Learning from agents: accepted and dismissed cards per action and context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol

DISMISS_REASONS: Final = ("not_relevant", "already_done", "wrong_customer", "inappropriate")

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
