"""The relevance engine: from a customer's history and the conversation in progress to a few ranked cards.

How it works, in three steps (each one general; nothing here knows a particular case):

1. **Situations.** One pass over the history finds what is going on: orders and their state (delayed,
   in transit, returned but not refunded), open payments, open complaints, contacts on one topic and
   whether they were resolved, active device alerts, cancellation intent, what the customer did on the
   web site in this visit (stuck in a loop? long on one product?). Old and settled things are dropped
   with the reason, so the agent can see why they are not shown.
2. **Relevance now.** Each situation is scored by its own weight and freshness, plus what the customer
   is talking about: topics in their words (German or English), order numbers they mention, product
   words, the IVR topic and the page the chat started on.
3. **Actions.** Every action of the catalog (`workstation/resources/action_catalog.toml`) answers some
   kinds of situation; its policy (the routing expression language) is a hard gate evaluated on the
   customer, the interaction, the overall context and the situation. Agents' feedback scales an
   eligible action's score in similar contexts, but can never make an ineligible action appear.

The package, by concern: `case` (the input), `catalog`, `feedback`, `cards` (the output),
`journey` (phases, kinds of page), `phrasing` (words, numbers, product words) and `understanding`
(topics by concept, negation), `situations/` by area, `weights` (the named table of base scores and
half-lives, `resources/relevance_weights.toml`) and `engine`. What makes two records one event and
what is still open is `workstation.domain.events`, shared with the timeline and the simulator.
"""

from __future__ import annotations

from workstation.domain.events import EventLike
from workstation.domain.relevance.cards import (
    MAX_CARDS,
    MIN_SCORE,
    NO_EVIDENCE,
    Card,
    HiddenItem,
    Ranking,
    check_expect,
)
from workstation.domain.relevance.case import (
    Case,
    CaseError,
    CaseEvent,
    ChatLine,
    CustomerFacts,
    Interaction,
    case_from_mapping,
    with_twin_records,
)
from workstation.domain.relevance.catalog import ActionSpec, Catalog, load_catalog, parse_catalog
from workstation.domain.relevance.engine import RelevanceEngine
from workstation.domain.relevance.feedback import DISMISS_REASONS, FeedbackLike, FeedbackStats
from workstation.domain.relevance.journey import PHASES, journey_phase

__all__ = [
    "DISMISS_REASONS",
    "MAX_CARDS",
    "MIN_SCORE",
    "NO_EVIDENCE",
    "PHASES",
    "ActionSpec",
    "Card",
    "Case",
    "CaseError",
    "CaseEvent",
    "Catalog",
    "ChatLine",
    "CustomerFacts",
    "EventLike",
    "FeedbackLike",
    "FeedbackStats",
    "HiddenItem",
    "Interaction",
    "Ranking",
    "RelevanceEngine",
    "case_from_mapping",
    "check_expect",
    "journey_phase",
    "load_catalog",
    "parse_catalog",
    "with_twin_records",
]
