"""The relevance engine: from situations to scored, policy-checked, ranked cards."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from workstation.domain import messages as M
from workstation.domain.messages import QT_TRANSLATE_NOOP, Money, Msg
from workstation.domain.relevance.cards import MAX_CARDS, MIN_SCORE, NO_EVIDENCE, Card, HiddenItem, Ranking
from workstation.domain.relevance.case import Case
from workstation.domain.relevance.catalog import ActionSpec, Catalog, load_catalog
from workstation.domain.relevance.feedback import FeedbackStats
from workstation.domain.relevance.journey import _is_form, _is_help, _str, _topics
from workstation.domain.relevance.phrasing import shared_products
from workstation.domain.relevance.situations import Finder
from workstation.domain.relevance.situations.base import History, Situation, _by_time, churn_risk
from workstation.domain.relevance.understanding import Readings, Utterance, lexicon
from workstation.domain.relevance.weights import weights

#: Evidence weights (resources/relevance_weights.toml): what the customer says counts most, then the
#: IVR topic, then what they did in this visit, then the page.
W: Final = weights()
_SAID: Final = W.evidence["said"]
_IVR: Final = W.evidence["ivr"]
_PAGE: Final = W.evidence["page"]
_MENTIONED: Final = W.evidence["mentioned"]
_PRODUCT: Final = W.evidence["product"]
_REPEAT: Final = W.evidence["repeat"]
_BEHAVIOUR: Final = W.evidence["behaviour"]
_ACTION_EDGE: Final = W.evidence["action_edge"]

#: How much a generic topic counts next to a specific one when weighing what the customer said.
_GENERIC_TOPIC_SHARE: Final = {"order": 0.5}


def _specific(topic: str, evidence: float) -> float:
    return evidence * _GENERIC_TOPIC_SHARE.get(topic, 1.0)


_TIER_NAMES: Final = {
    "platinum": QT_TRANSLATE_NOOP("domain", "Platinum"),
    "gold": QT_TRANSLATE_NOOP("domain", "Gold"),
    "silver": QT_TRANSLATE_NOOP("domain", "Silver"),
    "bronze": QT_TRANSLATE_NOOP("domain", "Bronze"),
}
_TOPIC_WORDS: Final = {
    "delivery": QT_TRANSLATE_NOOP("domain", "delivery"),
    "order": QT_TRANSLATE_NOOP("domain", "an order"),
    "return_refund": QT_TRANSLATE_NOOP("domain", "a return or refund"),
    "billing": QT_TRANSLATE_NOOP("domain", "billing"),
    "cancellation": QT_TRANSLATE_NOOP("domain", "cancelling"),
    "technical": QT_TRANSLATE_NOOP("domain", "a technical problem"),
    "complaint": QT_TRANSLATE_NOOP("domain", "a complaint"),
    "website_help": QT_TRANSLATE_NOOP("domain", "finding their way on the web site"),
    "in_person": QT_TRANSLATE_NOOP("domain", "seeing it in person"),
    "product_advice": QT_TRANSLATE_NOOP("domain", "product advice"),
    "address": QT_TRANSLATE_NOOP("domain", "their address"),
    "account": QT_TRANSLATE_NOOP("domain", "their account"),
    "follow_up": QT_TRANSLATE_NOOP("domain", "an earlier contact that was not followed up"),
}


def _behaviour_topics(history: History) -> set[str]:
    """What the customer searched for and which help or account pages they read in this visit: their
    intent in deeds, counted even when they write nothing about it."""
    texts = [
        _str(e.data, "query") if e.kind == "search" else f"{_str(e.data, 'title')} {_str(e.data, 'url')}"
        for e in history.session
        if e.kind == "search" or (e.kind == "page_view" and (_is_help(e) or _is_form(e)))
    ]
    return {t for text in texts for t in _topics(text)}


class RelevanceEngine:
    """Ranks cards for one case. Pure and thread-safe; `feedback` may be replaced between calls."""

    def __init__(self, catalog: Catalog | None = None, feedback: FeedbackStats | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self.feedback = feedback or FeedbackStats()
        #: what each conversation's customer said, kept so a re-rank reads only the new lines
        self.readings = Readings()
        lexicon()  # build the concept index (about 60 ms of stemming) now, not in the first ranking

    def rank(
        self,
        case: Case,
        *,
        handled: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> Ranking:
        """The cards for `case`; `handled` maps action ids the agent already did or dismissed here
        to how ("accepted", or a dismissal reason): those are not suggested again in this conversation."""
        started = clock()
        said = self._said(case)
        ivr = _topics(case.interaction.topic or "") | (
            {case.interaction.topic} if case.interaction.topic in _TOPIC_WORDS else set()
        )
        page = _topics(f"{case.interaction.page_url or ''} {case.interaction.page_title or ''}")
        history = History(case)
        finder = Finder(case, history, said)
        current_topics = set(said.topics) | ivr
        finder.orders()
        finder.billing()
        finder.complaints()
        finder.contacts(current_topics)
        finder.devices()
        finder.cancellation()
        finder.session()
        finder.others()
        finder.requests()
        situations = [s for s in finder.found if s.stale is None]
        if history.twins:  # a card names every record of its events, from whichever system
            for s in finder.found:
                s.refs = [r for ref in s.refs for r in (ref, *history.twins.get(ref, ()))]
        stale = [
            HiddenItem(s.title, Msg(M.NOT_CURRENT, why=s.stale), refs=tuple(s.refs[:3]))
            for s in finder.found
            if s.stale is not None
        ]
        behaviour = _behaviour_topics(history)
        for s in situations:
            self._score(case, s, said, ivr, page, behaviour)
        valued = case.customer.value_tier in ("gold", "platinum") or case.customer.clv >= 2000
        open_count = sum(1 for s in situations if s.open)
        cancel = any(s.kind == "cancellation_intent" for s in situations)
        if valued and (open_count or cancel):
            situations.append(self._valued(case, open_count, cancel))
        marketing = self._marketing_consent(case, history) and not said.no_marketing
        facts = {
            "customer": {
                "id": case.customer.id,
                "value_tier": case.customer.value_tier,
                "clv": case.customer.clv,
                "churn_risk": case.customer.churn_risk,
                "segment": case.customer.segment,
                "language": case.customer.language,
                "consents": {
                    **case.customer.consents,
                    "marketing": marketing,
                    "cobrowse": case.customer.consents.get("cobrowse") is True,
                },
            },
            "interaction": {
                "channel": case.interaction.channel,
                "topics": sorted(current_topics),
                "web_context": case.interaction.channel in ("chat", "video")
                or bool(case.interaction.page_url),
            },
            "context": {"open_problems": open_count, "cancellation_intent": cancel, "valued": valued},
        }
        main_topic = self._main_topic(said, ivr)
        cards, more_hidden = self._cards(case, situations, facts, main_topic, handled or {})
        hidden = [*more_hidden, *stale]
        phase = self._phase(situations, said)
        return Ranking(
            case_id=case.id,
            cards=tuple(cards),
            hidden=tuple(hidden),
            phase=phase,
            topics=tuple(sorted(current_topics)),
            elapsed_ms=(clock() - started) * 1000,
        )

    # -- understanding the conversation --

    def _said(self, case: Case) -> Utterance:
        lines = [m.text for m in case.interaction.messages if m.sender == "customer"]
        return self.readings.said(case.id, lines)

    @staticmethod
    def _main_topic(said: Utterance, ivr: set[str]) -> str:
        if said.topics:
            # "order" is what people say about most things; a more specific topic names the context.
            specific = {t: n for t, n in said.topics.items() if t != "order"} or said.topics
            return max(sorted(specific), key=lambda t: specific[t])
        return sorted(ivr)[0] if ivr else "none"

    @staticmethod
    def _marketing_consent(case: Case, history: History) -> bool:
        """Marketing consent as in force now: the record, unless a later withdrawal or opt-out says no."""
        consent = case.customer.consents.get("marketing") is True
        changes = _by_time(history.consent_events)
        if changes and changes[-1].data.get("marketing") is False:
            consent = False
        return consent and not history.unsubscribed

    # -- scoring --

    def _score(
        self, case: Case, s: Situation, said: Utterance, ivr: set[str], page: set[str], behaviour: set[str]
    ) -> None:
        age_days = max(0.0, (case.now - s.at).total_seconds() / 86400)
        fresh = max(s.floor, 0.5 ** (age_days / s.half_life_days)) if s.half_life_days > 0 else 1.0
        score = s.base * fresh
        reasons = list(s.facts)
        overlap = [t for t in said.topics if t in s.topics]
        if overlap:
            best = max(overlap, key=lambda t: (said.topics[t], t != "order"))
            # What the customer says most about counts fully; a side topic (often just "order",
            # which people say about everything) only a little: relative evidence, squared.
            main = max(_specific(t, v) for t, v in said.topics.items())
            share = max(_specific(t, said.topics[t]) for t in overlap) / main
            hits = sum(said.topics[t] for t in overlap)
            strength = min(1.0, W.evidence["said_strength"] + W.evidence["said_strength_per_hit"] * hits)
            score += _SAID * strength * share * share
            reasons.append(Msg(M.ASKING_ABOUT, topic=_TOPIC_WORDS.get(best, best)))
        elif s.topics & ivr:
            score += _IVR
            reasons.append(Msg(M.CALL_ABOUT, topic=_TOPIC_WORDS.get(sorted(s.topics & ivr)[0], "this")))
        if s.topics & page and not overlap:
            score += _PAGE
        done = s.topics & behaviour
        if done and not overlap and s.kind != "stuck_on_site":  # the visit is that situation's own evidence
            score += _BEHAVIOUR
            reasons.append(Msg(M.READ_ABOUT, topic=_TOPIC_WORDS.get(sorted(done)[0], "it")))
        mentioned = s.references & said.references
        if mentioned:
            score += _MENTIONED
            reasons.append(Msg(M.MENTIONS, things=", ".join(sorted(mentioned))))
        products = shared_products(said.products, s.products)
        if products:
            score += _PRODUCT
            reasons.append(Msg(M.MENTIONS_THE, thing=products[0]))
        if said.repeat and s.kind in ("callback_due", "unresolved_contact") and overlap:
            score += _REPEAT
            reasons.append(Msg(M.NOT_FIRST_TIME))
        s.score = score
        s.reasons = reasons

    def _valued(self, case: Case, open_count: int, cancel: bool) -> Situation:
        c = case.customer
        facts: list[str] = [
            Msg(M.TIER_CUSTOMER, tier=_TIER_NAMES.get(c.value_tier, c.value_tier), clv=Money(c.clv))
        ]
        refs = ["fact:value_tier", "fact:clv"]
        if c.churn_risk >= W.limit("valued_customer", "churn_risk_shown"):
            facts.append(churn_risk(c.churn_risk))
            refs.append("fact:churn_risk")
        if cancel:
            title = Msg(QT_TRANSLATE_NOOP("domain", "Valued customer who wants to cancel"))
        elif open_count == 1:
            title = Msg(QT_TRANSLATE_NOOP("domain", "Valued customer with 1 open problem"))
        else:
            title = Msg(QT_TRANSLATE_NOOP("domain", "Valued customer with {n} open problems"), n=open_count)
        base = W.base("valued_customer")
        s = Situation("valued_customer", refs, title, facts, base, case.now, 0, set())
        counted = min(open_count, W.limit("valued_customer", "open_problems_counted"))
        s.score = base + (W.limit("valued_customer", "cancel_bonus") if cancel else 0)
        s.score += W.limit("valued_customer", "per_open_problem") * counted
        s.reasons = list(facts)
        return s

    # -- from situations to cards --

    def _cards(
        self,
        case: Case,
        situations: list[Situation],
        facts: dict[str, Any],
        main_topic: str,
        handled: Mapping[str, str],
    ) -> tuple[list[Card], list[HiddenItem]]:
        candidates: list[Card] = []
        hidden: list[HiddenItem] = []
        blocked: dict[str, HiddenItem] = {}
        by_action: dict[tuple[str, str], Card] = {}
        channel = case.interaction.channel
        for s in sorted(situations, key=lambda s: -s.score):
            scope = {**facts, "situation": {"kind": s.kind, "open": s.open, **s.attrs}}
            eligible = 0
            weak = False
            for spec in self.catalog.answering(s.kind):
                if not spec.policy.evaluate(scope, {}):
                    if spec.id not in blocked:
                        why = "; ".join(str(e) for e in spec.policy.explain(scope, {}) if not e.held)
                        unmet = spec.policy.unmet(scope, {})
                        blocked[spec.id] = HiddenItem(
                            _format(spec.title_for(s.kind), s.attrs),
                            M.refusal(spec.label, unmet) if unmet else Msg(M.NOT_ALLOWED_DETAIL, why=why),
                            spec.id,
                            tuple(s.refs[:3]),
                            0.0,
                            detail=Msg(M.NOT_ALLOWED_DETAIL, why=why),
                        )
                    continue
                context = f"{channel}|{main_topic}|{s.kind}"
                factor = self.feedback.factor(spec.id, context)
                reasons = list(s.reasons)
                reasons.extend(self._policy_reasons(spec, case, facts))
                accepted, dismissed = self.feedback.counts(spec.id, context)
                if factor < 0.85:
                    reasons.append(Msg(M.RANKED_LOWER, count=f"{dismissed:g}", channel=channel))
                elif factor > 1.15:
                    reasons.append(Msg(M.TAKEN_BEFORE, count=f"{accepted:g}", channel=channel))
                refs = tuple(s.refs) + self._policy_refs(spec)
                if not refs:
                    # Nothing in the history or the customer's record behind it (a word in passing,
                    # "zum nächsten Termin"): an action the agent cannot check is not offered; say why.
                    hidden.append(HiddenItem(_format(spec.title_for(s.kind), s.attrs), NO_EVIDENCE, spec.id))
                    weak = True
                    continue
                card = Card(
                    kind="action",
                    action=spec.id,
                    refs=refs,
                    title=_format(spec.title_for(s.kind), s.attrs),
                    reasons=tuple(dict.fromkeys(reasons)),
                    score=s.score * spec.weight * factor + _ACTION_EDGE,
                    situation=s.kind,
                    context=context,
                    label=spec.label,
                )
                if spec.id in handled:
                    verdict = handled[spec.id]
                    hidden.append(
                        HiddenItem(
                            card.title,
                            Msg(M.DONE_HERE)
                            if verdict == "accepted"
                            else Msg(M.DISMISSED_HERE, reason=verdict.replace("_", " ")),
                            spec.id,
                            card.refs,
                            card.score,
                        )
                    )
                    continue
                eligible += 1
                # One card per action and object: another situation the same card answers adds its
                # evidence; a card about another order or device stands on its own.
                key = (spec.id, card.title)
                previous = by_action.get(key)
                if previous is None:
                    by_action[key] = card
                else:
                    extra = tuple(r for r in card.refs if r not in previous.refs)
                    by_action[key] = Card(
                        previous.kind,
                        previous.action,
                        previous.refs + extra,
                        previous.title,
                        previous.reasons,
                        previous.score,
                        previous.situation,
                        previous.context,
                        previous.label,
                    )
            if not eligible and not s.refs:
                if not weak:  # the action hidden for it already says so
                    hidden.append(HiddenItem(s.title, NO_EVIDENCE, None, (), s.score))
            elif not eligible:
                candidates.append(
                    Card(
                        kind="insight",
                        action=None,
                        refs=tuple(s.refs),
                        title=s.title,
                        reasons=tuple(dict.fromkeys(s.reasons)),
                        score=s.score,
                        situation=s.kind,
                    )
                )
        candidates.extend(by_action.values())
        candidates.sort(key=lambda c: (-c.score, c.kind != "action", c.title))
        shown = [c for c in candidates if c.score >= MIN_SCORE][:MAX_CARDS]
        shown_ids = {id(c) for c in shown}
        for c in candidates:
            if id(c) not in shown_ids:
                why = Msg(M.LESS_RELEVANT) if c.score >= MIN_SCORE else Msg(M.NOT_RELEVANT_NOW)
                hidden.append(HiddenItem(c.title, why, c.action, c.refs, c.score))
        allowed = {action for action, _title in by_action}
        hidden.extend(b for a, b in blocked.items() if a not in allowed)
        return shown, hidden

    @staticmethod
    def _policy_reasons(spec: ActionSpec, case: Case, facts: Mapping[str, Any]) -> list[str]:
        names = spec.policy.names()
        c = case.customer
        reasons: list[str] = []
        if "customer.value_tier" in names or "customer.clv" in names:
            reasons.append(
                Msg(M.TIER_CUSTOMER, tier=_TIER_NAMES.get(c.value_tier, c.value_tier), clv=Money(c.clv))
            )
        if "customer.consents.cobrowse" in names:
            reasons.append(Msg(M.AGREED_COBROWSE))
        if "customer.consents.marketing" in names:
            reasons.append(Msg(M.MARKETING_OK))
        return reasons

    @staticmethod
    def _policy_refs(spec: ActionSpec) -> tuple[str, ...]:
        """The customer facts the action's policy rests on, so the agent can see them."""
        refs = []
        for name in sorted(spec.policy.names()):
            if name.startswith("customer."):
                refs.append("fact:" + name.removeprefix("customer."))
        return tuple(refs)

    @staticmethod
    def _phase(situations: list[Situation], said: Utterance) -> str:
        if any(s.open for s in situations) or set(said.topics) & {
            "delivery",
            "return_refund",
            "billing",
            "cancellation",
            "technical",
            "complaint",
            "account",
            "address",
        }:
            return "service"
        if any(s.kind in ("stuck_on_site", "cart_abandoned", "purchase_followup") for s in situations):
            return "purchase"
        if any(s.kind in ("product_interest", "wants_in_person") for s in situations) or said.topics:
            return "interest"
        return "awareness"


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return {
            "order_id": "",
            "product": "the product",
            "device": "device",
            "topic": "the issue",
            "amount": "the amount",
        }.get(key, "…")


def _format(template: str, attrs: Mapping[str, Any]) -> str:
    """A catalog title with the situation's values; a Msg, so the desk can show it translated."""
    values = _Defaults({k: v for k, v in attrs.items() if v not in (None, "")})
    try:
        text = template.format_map(values)
    except (ValueError, IndexError, AttributeError):
        text = template
    return Msg(template, _text=text, **{k: v for k, v in values.items() if isinstance(k, str)})
