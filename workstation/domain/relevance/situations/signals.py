"""Smaller signals: app errors, detractors, public complaints, carts, address, appointments, contracts."""

from __future__ import annotations

from workstation.domain.messages import QT_TRANSLATE_NOOP, Msg
from workstation.domain.relevance.journey import _str, _topics
from workstation.domain.relevance.phrasing import product_words, words
from workstation.domain.relevance.situations.base import (
    FinderBase,
    Situation,
    _ago,
    _day,
    _money,
    _num,
    _when,
)
from workstation.domain.relevance.weights import weights

#: the named weights table (resources/relevance_weights.toml)
W = weights()


class SignalSituations(FinderBase):
    # -- smaller signals --

    def others(self) -> None:
        errors = [e for e in self.h.app_errors if self.days(e.at) <= W.limit("app_error", "window_days")]
        if errors:
            last = errors[-1]
            ago = _ago(self.now, last.at)
            s = self.add(
                Situation(
                    "app_error",
                    [e.id for e in reversed(errors)][:5],
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "App error on '{screen}': {message}"),
                        screen=_str(last.data, "screen"),
                        message=_str(last.data, "message") or _str(last.data, "code"),
                    ),
                    [
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "{n} errors in the app this week, last {ago}"),
                            n=len(errors),
                            ago=ago,
                        )
                        if len(errors) > 1
                        else Msg(
                            QT_TRANSLATE_NOOP("domain", "1 error in the app this week, last {ago}"), ago=ago
                        )
                    ],
                    W.base("app_error") + W.of("app_error", "per_error") * min(len(errors), 4),
                    last.at,
                    W.half_life("app_error"),
                    {"technical", "website_help", "account"},
                    {
                        "topic": Msg(QT_TRANSLATE_NOOP("domain", "app error")),
                        "needs_specialist": len(errors) >= 3,
                    },
                )
            )
            s.open = True
        for event in self.h.surveys:
            nps = _num(event.data, "nps")
            if (
                nps is not None
                and nps <= W.limit("detractor", "max_nps")
                and self.days(event.at) <= W.limit("detractor", "window_days")
            ):
                comment = _str(event.data, "comment")
                self.add(
                    Situation(
                        "detractor",
                        [event.id],
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "Gave NPS {nps} {ago}"),
                            nps=int(nps),
                            ago=_ago(self.now, event.at),
                        ),
                        [Msg(QT_TRANSLATE_NOOP("domain", "comment: “{comment}”"), comment=comment)]
                        if comment
                        else [Msg(QT_TRANSLATE_NOOP("domain", "unhappy in the last survey"))],
                        W.base("detractor"),
                        event.at,
                        W.half_life("detractor"),
                        {"complaint"} | _topics(comment),
                        {},
                        product_words(words(comment)),
                    )
                )
        for event in self.h.social:
            sentiment = _num(event.data, "sentiment")
            if (
                sentiment is not None
                and sentiment <= W.limit("public_complaint", "max_sentiment")
                and self.days(event.at) <= W.limit("public_complaint", "window_days")
            ):
                text = _str(event.data, "text")
                self.add(
                    Situation(
                        "public_complaint",
                        [event.id],
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "Complained publicly {ago}"),
                            ago=_ago(self.now, event.at),
                        ),
                        [f"“{text[:120]}”"] if text else [],
                        W.base("public_complaint"),
                        event.at,
                        W.half_life("public_complaint"),
                        {"complaint"} | _topics(text),
                        {"topic": Msg(QT_TRANSLATE_NOOP("domain", "social media post"))},
                        product_words(words(text)),
                    )
                )
        for event in self.h.carts:
            if (
                self.days(event.at) <= W.limit("cart_abandoned", "window_days")
                and event.at < self.h.session_from
            ):
                self.add(
                    Situation(
                        "cart_abandoned",
                        [event.id],
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "Left a cart of {amount} {ago}"),
                            amount=_money(event.data.get("value")),
                            ago=_ago(self.now, event.at),
                        ),
                        [],
                        W.base("cart_abandoned"),
                        event.at,
                        W.half_life("cart_abandoned"),
                        {"order", "website_help"},
                        {"value": event.data.get("value")},
                    )
                )
        for event in self.h.other:
            age = self.days(event.at)
            if event.kind == "address_change" and age <= W.limit("address_changed", "window_days"):
                self.add(
                    Situation(
                        "address_changed",
                        [event.id],
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "Address changed {ago}"), ago=_ago(self.now, event.at)
                        ),
                        [],
                        W.base("address_changed"),
                        event.at,
                        W.half_life("address_changed"),
                        {"address", "delivery"},
                    )
                )
            elif event.kind == "appointment":
                when = _when(event.data.get("at")) or event.at
                if -2 <= (when - self.now).total_seconds() / 86400 <= 30:
                    self.add(
                        Situation(
                            "appointment",
                            [event.id],
                            Msg(
                                QT_TRANSLATE_NOOP("domain", "Appointment at {branch} on {day}"),
                                branch=_str(event.data, "branch")
                                or Msg(QT_TRANSLATE_NOOP("domain", "a branch")),
                                day=_day(when),
                            ),
                            [_str(event.data, "topic")] if event.data.get("topic") else [],
                            W.base("appointment"),
                            self.now,
                            W.half_life("appointment"),
                            {"in_person"} | _topics(_str(event.data, "topic")),
                            {},
                        )
                    )
            elif event.kind == "contract_change" and age <= W.limit("contract_changed", "window_days"):
                self.add(
                    Situation(
                        "contract_changed",
                        [event.id],
                        event.summary
                        or Msg(
                            QT_TRANSLATE_NOOP("domain", "Contract changed {ago}"),
                            ago=_ago(self.now, event.at),
                        ),
                        [f"{_str(event.data, 'change')} {_str(event.data, 'product')}".strip()],
                        W.base("contract_changed"),
                        event.at,
                        W.half_life("contract_changed"),
                        {"billing", "cancellation"},
                        {},
                        product_words(words(_str(event.data, "product"))),
                    )
                )
