"""Situations about products the customer has: device alerts and cancellation intent."""

from __future__ import annotations

from workstation.domain.events import alert_open
from workstation.domain.messages import QT_TRANSLATE_NOOP, Msg
from workstation.domain.relevance.journey import _page_topics, _str
from workstation.domain.relevance.phrasing import product_words, words
from workstation.domain.relevance.situations.base import (
    FinderBase,
    Situation,
    _ago,
    _by_time,
    _day,
    _first_product,
    churn_risk,
)
from workstation.domain.relevance.weights import weights

#: the named weights table (resources/relevance_weights.toml)
W = weights()


class ProductSituations(FinderBase):
    """Devices that alert, contracts the customer wants to leave."""

    # -- devices --

    def devices(self) -> None:
        for (_device, _code), events in self.h.devices.items():
            ordered = _by_time(events)
            last = ordered[-1]
            device = _str(last.data, "device") or Msg(QT_TRANSLATE_NOOP("domain", "device"))
            code = _str(last.data, "code")
            severity = _str(last.data, "severity") or "warning"
            active = last.data.get("active") is not False
            refs = [e.id for e in reversed(ordered)]
            msg = _str(last.data, "message")
            if not active:
                s = self.add(
                    Situation(
                        "device_cleared",
                        refs,
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "{device}: alert {code} cleared"),
                            device=device,
                            code=code,
                        ),
                        [Msg(QT_TRANSLATE_NOOP("domain", "cleared {day}"), day=_day(last.at))],
                        W.base("device_cleared"),
                        last.at,
                        W.half_life("device_cleared"),
                        {"technical"},
                        {"device": device, "active": False},
                        product_words(words(device)),
                    )
                )
                if self.days(last.at) > 7:
                    self.found.remove(s)  # routine and settled: not worth a line under hidden
                continue
            since = ordered[0]
            for event in reversed(ordered):
                if event.data.get("active") is False:
                    break
                since = event
            active_since = _ago(self.now, since.at)
            facts: list[str] = [
                Msg(
                    QT_TRANSLATE_NOOP("domain", "{severity} alert {code}: {message}, active since {ago}"),
                    severity=severity,
                    code=code,
                    message=msg,
                    ago=active_since,
                )
                if msg
                else Msg(
                    QT_TRANSLATE_NOOP("domain", "{severity} alert {code}, active since {ago}"),
                    severity=severity,
                    code=code,
                    ago=active_since,
                )
            ]
            base = W.of("device_alert", severity)
            s = self.add(
                Situation(
                    "device_alert",
                    refs,
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "{device}: {code} ({severity}) — {message}"),
                        device=device,
                        code=code or Msg(QT_TRANSLATE_NOOP("domain", "alert")),
                        severity=severity,
                        message=msg,
                    )
                    if msg
                    else Msg(
                        QT_TRANSLATE_NOOP("domain", "{device}: {code} ({severity})"),
                        device=device,
                        code=code or Msg(QT_TRANSLATE_NOOP("domain", "alert")),
                        severity=severity,
                    ),
                    facts,
                    base,
                    last.at,
                    W.half_life("device_alert"),
                    {"technical"},
                    {
                        "device": device,
                        "active": True,
                        "severity": severity,
                        "topic": device,
                        "needs_specialist": severity == "critical",
                        "service_failure": severity == "critical" and self.days(since.at) >= 0.5,
                    },
                    product_words(words(f"{device} {code}")),
                )
            )
            s.open, s.floor = alert_open(last.data), W.floor("device_alert")
            if self.days(last.at) > W.limit("device_alert", "stale_after_days"):
                s.stale = Msg(QT_TRANSLATE_NOOP("domain", "last reported {ago}"), ago=_ago(self.now, last.at))
                s.open = False

    # -- cancellation --

    def cancellation(self) -> None:
        horizon = W.limit("cancellation_intent", "horizon_days")
        recent = [e for e in self.h.cancellations if self.days(e.at) <= horizon]
        pages = [e for e in self.h.session if e.kind == "page_view" and "cancellation" in _page_topics(e)]
        said = "cancellation" in self.said.topics
        if not recent and not said:
            for event in self.h.cancellations:
                self.add(
                    Situation(
                        "cancellation_intent",
                        [event.id],
                        event.summary or Msg(QT_TRANSLATE_NOOP("domain", "Cancellation intent")),
                        [],
                        0,
                        event.at,
                        W.half_life("cancellation_intent"),
                        {"cancellation"},
                        stale=Msg(
                            QT_TRANSLATE_NOOP("domain", "{ago}, no follow-up"), ago=_ago(self.now, event.at)
                        ),
                    )
                )
            return
        events = _by_time(recent + pages)
        newest = events[-1] if events else None
        first_intent = _by_time(recent)[-1] if recent else None
        product = (_str(first_intent.data, "product") if first_intent else "") or _first_product(self.case)
        reason = _str(first_intent.data, "reason") if first_intent else ""
        facts: list[str] = []
        if first_intent is not None:
            when, channel = _ago(self.now, first_intent.at), first_intent.channel
            facts.append(
                Msg(
                    QT_TRANSLATE_NOOP(
                        "domain", "said {ago} by {channel} that they want to cancel {product} ({reason})"
                    ),
                    ago=when,
                    channel=channel,
                    product=product,
                    reason=reason,
                )
                if reason
                else Msg(
                    QT_TRANSLATE_NOOP("domain", "said {ago} by {channel} that they want to cancel {product}"),
                    ago=when,
                    channel=channel,
                    product=product,
                )
            )
        if pages:
            facts.append(
                Msg(
                    QT_TRANSLATE_NOOP("domain", "on the cancellation page {ago}"),
                    ago=_ago(self.now, pages[-1].at),
                )
            )
        if said:
            facts.append(Msg(QT_TRANSLATE_NOOP("domain", "says so now")))
        churn = self.case.customer.churn_risk
        if churn >= W.limit("valued_customer", "churn_risk_shown"):
            facts.append(churn_risk(churn))
        refs = ([first_intent.id] if first_intent else []) + [
            e.id for e in reversed(events) if first_intent is None or e.id != first_intent.id
        ]
        if not refs and self.case.customer.products:
            refs = ["fact:products"]  # said only now: the contract on record is what it is about
        s = self.add(
            Situation(
                "cancellation_intent",
                refs,
                Msg(QT_TRANSLATE_NOOP("domain", "Wants to cancel {product}"), product=product)
                if product
                else Msg(QT_TRANSLATE_NOOP("domain", "Wants to cancel")),
                facts,
                W.base("cancellation_intent"),
                newest.at if newest else self.now,
                W.half_life("cancellation_intent"),
                {"cancellation"},
                {"product": product or Msg(QT_TRANSLATE_NOOP("domain", "the contract")), "reason": reason},
                product_words(words(product)),
            )
        )
        s.floor = W.floor("cancellation_intent") if said else 0.0
