"""Situations about service: open payments, complaints, contacts on one topic."""

from __future__ import annotations

from workstation.domain.events import (
    EventLike,
    contact_unresolved,
    story_open,
)
from workstation.domain.messages import QT_TRANSLATE_NOOP, Joined, Msg
from workstation.domain.relevance.journey import _str, _topics
from workstation.domain.relevance.phrasing import fold, normalise_reference, product_words, words
from workstation.domain.relevance.situations.base import (
    FinderBase,
    Situation,
    _ago,
    _by_time,
    _day,
    _money,
    _num,
    _ordinal,
)
from workstation.domain.relevance.understanding import topics_of
from workstation.domain.relevance.weights import weights

#: the named weights table (resources/relevance_weights.toml)
W = weights()


class ServiceSituations(FinderBase):
    """Open payments, complaints and repeated contacts on one topic (counted one per event)."""

    # -- billing --

    def billing(self) -> None:
        open_items = []
        for event in _by_time(self.h.billing):
            # open as the whole domain reads it (events.story_open): no settlement since
            later = [(s.kind, s.data) for s in _by_time(self.h.settlements) if s.at > event.at]
            settled = not story_open([(event.kind, event.data), *later])
            if settled or self.days(event.at) > W.limit("billing_open", "horizon_days"):
                continue
            open_items.append(event)
        if not open_items:
            return
        newest = open_items[-1]
        facts: list[str] = []
        amounts = []
        for event in reversed(open_items):
            amount = _money(event.data.get("amount"))
            amounts.append(amount)
            if event.kind == "payment_failed":
                reason = _str(event.data, "reason")
                ago = _ago(self.now, event.at)
                facts.append(
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "payment of {amount} failed {ago} ({reason})"),
                        amount=amount,
                        ago=ago,
                        reason=reason,
                    )
                    if reason
                    else Msg(
                        QT_TRANSLATE_NOOP("domain", "payment of {amount} failed {ago}"),
                        amount=amount,
                        ago=ago,
                    )
                )
            else:
                days = event.data.get("days")
                invoice = _str(event.data, "invoice_id")
                facts.append(
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "invoice {invoice} overdue: {amount}"),
                        invoice=invoice,
                        amount=amount,
                    )
                    if days is None
                    else Msg(
                        QT_TRANSLATE_NOOP("domain", "invoice {invoice} overdue {days} days: {amount}"),
                        invoice=invoice,
                        days=days,
                        amount=amount,
                    )
                )
        refs_ids = frozenset(
            normalise_reference(_str(e.data, "invoice_id")) for e in open_items if _str(e.data, "invoice_id")
        )
        s = self.add(
            Situation(
                "billing_open",
                [e.id for e in reversed(open_items)],
                Msg(QT_TRANSLATE_NOOP("domain", "Open payment: {fact}"), fact=facts[0]),
                facts,
                W.base("billing_open"),
                newest.at,
                W.half_life("billing_open"),
                {"billing"},
                {"amount": amounts[0], "count": len(open_items)},
                frozenset(),
                refs_ids,
            )
        )
        s.open, s.floor = True, W.floor("billing_open")

    # -- complaints --

    def complaints(self) -> None:
        for events in self.h.complaints.values():
            ordered = _by_time(events)
            last = ordered[-1]
            topic = _str(last.data, "topic") or Msg(QT_TRANSLATE_NOOP("domain", "complaint"))
            severity = _str(last.data, "severity") or "medium"
            is_open = story_open((e.kind, e.data) for e in ordered)
            refs = [e.id for e in reversed(ordered)]
            topics = {"complaint"} | _topics(topic)
            if is_open:
                base = W.of("complaint_open", severity)
                s = self.add(
                    Situation(
                        "complaint_open",
                        refs,
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "Open complaint: {topic} ({severity})"),
                            topic=topic,
                            severity=severity,
                        ),
                        [
                            Msg(
                                QT_TRANSLATE_NOOP("domain", "complaint raised {ago}, still open"),
                                ago=_ago(self.now, ordered[0].at),
                            ),
                            Msg(QT_TRANSLATE_NOOP("domain", "severity {severity}"), severity=severity),
                        ],
                        base,
                        last.at,
                        W.half_life("complaint_open"),
                        topics,
                        {
                            "topic": topic,
                            "severity": severity,
                            "open": True,
                            "service_failure": True,
                            "needs_specialist": severity == "high",
                        },
                        product_words(words(topic)),
                    )
                )
                s.open, s.floor = True, W.floor("complaint_open")
            else:
                s = self.add(
                    Situation(
                        "complaint_resolved",
                        refs,
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "Complaint about {topic} resolved {ago}"),
                            topic=topic,
                            ago=_ago(self.now, last.at),
                        ),
                        [Msg(QT_TRANSLATE_NOOP("domain", "resolved {day}"), day=_day(last.at))],
                        W.base("complaint_resolved"),
                        last.at,
                        W.half_life("complaint_resolved"),
                        topics,
                        {"topic": topic, "severity": severity, "open": False},
                        product_words(words(topic)),
                    )
                )
                if self.days(last.at) > W.limit("complaint_resolved", "stale_after_days"):
                    s.stale = Msg(QT_TRANSLATE_NOOP("domain", "resolved {ago}"), ago=_ago(self.now, last.at))

    # -- contacts on one topic --

    def contacts(self, current_topics: set[str]) -> None:
        groups: dict[str, list[EventLike]] = {}
        for event in self.h.contacts:
            if self.days(event.at) > W.limit("unresolved_contact", "horizon_days"):
                continue
            raw = _str(event.data, "topic")
            found = topics_of(words(raw))
            key = max(found, key=lambda t: found[t]) if found else fold(raw) or "other"
            groups.setdefault(key, []).append(event)
        for key, events in groups.items():
            ordered = _by_time(events)
            # The streak since the last resolved contact is the open issue.
            streak: list[EventLike] = []
            for event in ordered:
                unresolved = contact_unresolved(event.data)
                if unresolved is False:
                    streak = []
                elif unresolved or streak:  # a record without outcome continues an open streak
                    streak.append(event)
            last = ordered[-1]
            topic = _str(last.data, "topic") or key
            topics = {key} | _topics(topic)
            about_now = bool(topics & current_topics)
            if streak:
                topics.add("follow_up")  # "you promised to call back": about any open contact
            if not streak:
                if about_now and self.said.repeat and self.days(last.at) <= 14:
                    streak = [last]  # "it's broken again": the customer says it is not resolved
                else:
                    s = self.add(
                        Situation(
                            "recent_contact",
                            [last.id],
                            Msg(
                                QT_TRANSLATE_NOOP(
                                    "domain", "{channel} contact about {topic} {ago} (resolved)"
                                ),
                                channel=last.channel.capitalize(),
                                topic=topic,
                                ago=_ago(self.now, last.at),
                            ),
                            [Msg(QT_TRANSLATE_NOOP("domain", "resolved {day}"), day=_day(last.at))],
                            W.base("recent_contact"),
                            last.at,
                            W.half_life("recent_contact"),
                            topics,
                            {"topic": topic},
                        )
                    )
                    if self.days(last.at) > 14:
                        self.found.remove(s)  # routine and settled: not worth a line under hidden
                    continue
            first = streak[0]
            if self.days(first.at) > 30 and not about_now:
                continue
            number = len(streak) + (1 if about_now else 0)
            promised = _str(streak[-1].data, "outcome") == "callback_promised"
            kind = "callback_due" if promised else "unresolved_contact"
            facts: list[str] = []
            if number >= 2:
                facts.append(
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "{ordinal} contact on the same unresolved topic"),
                        ordinal=_ordinal(number),
                    )
                )
            channels = Joined(sorted({e.channel for e in streak}), ", ")
            facts.append(
                Msg(
                    QT_TRANSLATE_NOOP("domain", "{n} earlier ({channels}), first {ago}"),
                    n=len(streak),
                    channels=channels,
                    ago=_ago(self.now, first.at),
                )
            )
            promised_at = _ago(self.now, streak[-1].at)
            if promised:
                facts.insert(
                    0, Msg(QT_TRANSLATE_NOOP("domain", "callback promised {ago}, not kept"), ago=promised_at)
                )
            sentiment = _num(streak[-1].data, "sentiment")
            if sentiment is not None and sentiment <= W.limit("unresolved_contact", "upset_sentiment"):
                facts.append(Msg(QT_TRANSLATE_NOOP("domain", "customer was upset last time")))
            title = (
                Msg(
                    QT_TRANSLATE_NOOP("domain", "Callback on {topic} promised {ago}"),
                    topic=topic,
                    ago=promised_at,
                )
                if promised
                else Msg(QT_TRANSLATE_NOOP("domain", "Unresolved: {topic}"), topic=topic)
            )
            technical = "technical" in topics
            s = self.add(
                Situation(
                    kind,
                    [e.id for e in reversed(streak)],
                    title,
                    facts,
                    W.base(kind) + W.of(kind, "per_contact") * min(number - 1, 3),
                    streak[-1].at,
                    W.half_life(kind),
                    topics,
                    {
                        "topic": topic,
                        "contact_number": number,
                        "service_failure": (promised and self.days(streak[-1].at) >= 0.17) or number >= 3,
                        "needs_specialist": promised or technical or number >= 2,
                        "open": True,
                    },
                    product_words(words(topic)),
                )
            )
            s.open, s.floor = True, W.floor(kind)
