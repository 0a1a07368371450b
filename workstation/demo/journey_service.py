"""Journeys of service: contacts, device issues, payments, complaints, retention, contracts."""

from __future__ import annotations

from datetime import datetime, timedelta

from workstation.demo.catalog import (
    _BIG_ITEMS,
    _BRANCHES,
    _CANCEL_REASONS,
    _CHANNEL_LABEL,
    _GENERAL_CONTACT_TOPICS,
    _INTERNET_PLANS,
    _OPEN_CONTACT_TOPICS,
    _PAYMENT_REASONS,
    _Raw,
)
from workstation.demo.journey_base import _next_rung, _prev_rung
from workstation.demo.journey_shopping import ShoppingJourneys


class ServiceJourneys(ShoppingJourneys):
    """Service contacts, device issues, payments, complaints, retention, contracts, moves, visits."""

    def service_contact(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        rng = self.rng
        channel = rng.choices(("phone", "email", "chat", "branch"), weights=(40, 25, 25, 10))[0]
        if stop == "unresolved":
            topic = rng.choice(tuple(_OPEN_CONTACT_TOPICS))
            outcome = rng.choice(("unresolved", "callback_promised"))
            return [self._contact(t, channel, topic, outcome, rng.uniform(-0.6, 0.1))]
        topic = rng.choice(_GENERAL_CONTACT_TOPICS)
        if rng.random() < 0.85:
            out = [self._contact(t, channel, topic, "resolved", rng.uniform(0.0, 0.9))]
        else:
            # A loose end that gets tied up: first contact not resolved, a later one is.
            out = [
                self._contact(
                    t, channel, topic, rng.choice(("unresolved", "callback_promised")), rng.uniform(-0.5, 0.2)
                )
            ]
            t = self._later_day(t, 1, 4)
            out.append(self._contact(t, "phone", topic, "resolved", rng.uniform(0.0, 0.7)))
        if rng.random() < 0.15:
            out.append(self._survey_event(self._later_day(out[-1][0], 0, 2), True))
        return out

    def device_issue(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """Device alert → contacts (callbacks, repeat calls, maybe a complaint) → resolved → alert cleared."""
        rng = self.rng
        owned = [it for it, since in self.devices if since <= t and it.alerts]
        if not owned:
            return []
        item = rng.choice(owned)
        # An open issue is never just a pending firmware note.
        serious = tuple(a for a in item.alerts if a[2] != "info")
        alerts = item.alerts if stop is None or not serious else serious
        code, message, severity, topic = rng.choice(alerts)
        data = {"device": item.name, "code": code, "severity": severity, "active": True}
        out: list[_Raw] = [(t, "device", "device_alert", f"{item.name}: {message}", data)]
        if stop == "alert":
            return out
        if severity == "info" and stop is None:
            t = self._after(t, 4, 96)
            cleared = data | {"active": False}
            out.append((t, "device", "device_alert", f"{item.name}: {message} cleared", cleared))
            return out
        channels = ("phone", "chat", "phone", "email")
        t = self._daytime(self._after(t, 0.3, 20))
        outcome = rng.choices(("resolved", "callback_promised", "unresolved"), weights=(45, 35, 20))[0]
        if stop == "contact":
            outcome = rng.choice(("callback_promised", "unresolved"))
        out.append(self._contact(t, rng.choice(channels), topic, outcome, rng.uniform(-0.7, 0.2)))
        if outcome != "resolved" and rng.random() < 0.15:
            out.append(self._social_event(self._after(t, 1, 10), False, item))
        if stop == "contact":
            if rng.random() < 0.4:
                t = self._daytime(self._after(t, 20, 30))
                out.append(
                    self._contact(
                        t,
                        "phone",
                        topic,
                        rng.choice(("unresolved", "callback_promised")),
                        rng.uniform(-0.9, -0.2),
                    )
                )
            return out
        complaint = False
        if outcome != "resolved":
            t = self._daytime(self._after(t, 18, 50))
            outcome = "resolved" if rng.random() < 0.6 else "unresolved"
            out.append(self._contact(t, "phone", topic, outcome, rng.uniform(-0.8, 0.4)))
            if outcome != "resolved":
                # Third contact on the same unresolved topic: escalated as a complaint.
                t = self._daytime(self._after(t, 18, 50))
                sentiment = rng.uniform(-1.0, -0.4)
                out.append(self._contact(t, rng.choice(channels), topic, "unresolved", sentiment))
                t = self._after(t, 0.1, 3)
                complaint = True
                out.append(
                    (
                        t,
                        rng.choice(("phone", "email")),
                        "complaint",
                        "Complaint: repeated outage, open",
                        {"topic": "repeated outage", "severity": "high", "status": "open"},
                    )
                )
                t = self._daytime(self._after(t, 24, 96))
                out.append(self._contact(t, "phone", topic, "resolved", rng.uniform(-0.2, 0.5)))
        t = self._after(t, 0.2, 30)
        out.append((t, "device", "device_alert", f"{item.name}: {message} cleared", data | {"active": False}))
        if complaint:
            t = self._later_day(t, 1, 5)
            out.append(
                (
                    t,
                    "email",
                    "complaint",
                    "Complaint: repeated outage, resolved",
                    {"topic": "repeated outage", "severity": "high", "status": "resolved"},
                )
            )
        if rng.random() < 0.25:
            out.append(self._survey_event(self._later_day(t, 1, 3), not complaint))
        return out

    def payment(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """Payment failed → (invoice overdue →) settled; settling is a resolved 'payment' contact."""
        rng = self.rng
        # The monthly bill of their plans, or an instalment for customers without a contract.
        amount = round(sum(p.price for p in self.plans), 2) if self.plans else rng.choice((24.99, 29.99))
        reason = rng.choice(_PAYMENT_REASONS)
        label = "Card payment" if reason.startswith("card") else "Direct debit"
        out: list[_Raw] = [
            (
                t,
                "billing",
                "payment_failed",
                f"{label} failed: {amount:.2f} EUR ({reason})",
                {"amount": amount, "reason": reason},
            )
        ]
        if stop == "failed":
            return out
        if stop == "overdue" or rng.random() < 0.45:
            days = rng.randint(3, 30)
            t = self._later_day(t, 7 + days, 7 + days)
            iid = self._invoice_id()
            out.append(
                (
                    t,
                    "billing",
                    "invoice_overdue",
                    f"Invoice {iid} overdue: {amount:.2f} EUR ({days} days)",
                    {"invoice_id": iid, "amount": amount, "days": days},
                )
            )
            if stop == "overdue":
                return out
        t = self._later_day(t, 1, 6)
        channel = rng.choice(("phone", "email", "chat", "branch"))
        out.append(
            (
                t,
                channel,
                "contact",
                f"{_CHANNEL_LABEL[channel]} contact about payment, resolved ({amount:.2f} EUR settled)",
                {"topic": "payment", "outcome": "resolved", "sentiment": round(rng.uniform(-0.2, 0.6), 2)},
            )
        )
        return out

    def complaint(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """A stand-alone complaint (invoice, staff, faulty device) with follow-up contact and resolution."""
        rng = self.rng
        topic = rng.choice(("wrong invoice", "unfriendly staff", "defective device"))
        out: list[_Raw] = []
        if topic == "wrong invoice":
            out.append(
                self._contact(
                    t,
                    rng.choice(("phone", "email")),
                    "invoice dispute",
                    "unresolved",
                    rng.uniform(-0.8, -0.2),
                )
            )
        elif topic == "unfriendly staff":
            out.append(self._contact(t, "branch", "product advice", "unresolved", rng.uniform(-0.9, -0.4)))
        else:
            owned = [it for it, since in self.devices if since <= t]
            if owned:
                name = rng.choice(owned).name
                out.append(
                    (
                        t,
                        "device",
                        "device_alert",
                        f"{name}: hardware fault",
                        {"device": name, "code": "HW", "severity": "critical", "active": True},
                    )
                )
            else:
                topic = "wrong invoice"
                sentiment = rng.uniform(-0.8, -0.2)
                out.append(self._contact(t, "phone", "invoice dispute", "unresolved", sentiment))
        t = self._after(t, 0.5, 48)
        severity = rng.choices(("low", "medium", "high"), weights=(25, 50, 25))[0]
        out.append(
            (
                t,
                rng.choice(("email", "phone", "branch")),
                "complaint",
                f"Complaint: {topic}, open",
                {"topic": topic, "severity": severity, "status": "open"},
            )
        )
        if stop == "open":
            if rng.random() < 0.4:
                t = self._later_day(t, 2, 7)
                out.append(self._contact(t, "phone", topic, "callback_promised", rng.uniform(-0.7, -0.1)))
            return out
        t = self._later_day(t, 2, 10)
        # The follow-up closes the thread the customer opened, so no unresolved contact lingers behind it.
        thread = "invoice dispute" if topic == "wrong invoice" else topic
        out.append(self._contact(t, "phone", thread, "resolved", rng.uniform(-0.2, 0.6)))
        if out[0][2] == "device_alert":
            out.append(
                (
                    self._after(t, 24, 120),
                    "device",
                    "device_alert",
                    f"{out[0][4]['device']}: hardware fault cleared",
                    out[0][4] | {"active": False},
                )
            )
            t = out[-1][0]
        t = self._after(t, 0.1, 48)
        out.append(
            (
                t,
                "email",
                "complaint",
                f"Complaint: {topic}, resolved",
                {"topic": topic, "severity": severity, "status": "resolved"},
            )
        )
        if rng.random() < 0.3:
            out.append(self._survey_event(self._later_day(t, 1, 3), rng.random() < 0.5))
        return out

    def retention(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """At-risk customer: dissatisfaction → cancellation intent → retention offer (contract change)."""
        rng = self.rng
        if not self.plans:
            return []
        plan = rng.choice(self.plans)
        reason = rng.choice(_CANCEL_REASONS)
        out: list[_Raw] = []
        if rng.random() < 0.4:
            out.append(self._survey_event(t, False))
            t = self._later_day(t, 1, 20)
        channel = rng.choice(("email", "phone", "chat"))
        out.append(
            (
                t,
                channel,
                "cancellation_intent",
                f"{_CHANNEL_LABEL[channel]}: wants to cancel {plan.name} ({reason})",
                {"product": plan.name, "reason": reason},
            )
        )
        if stop == "intent":
            return out
        t = self._later_day(t, 0, 5)
        out.append(self._contact(t, "phone", "retention offer", "resolved", rng.uniform(0.1, 0.7)))
        higher = _next_rung(plan.name)
        changes = ["retention discount 20% for 12 months", "10 EUR monthly credit for 12 months"]
        if higher:
            changes.append(f"upgrade to {higher} at the current price")
        change = rng.choice(changes)
        out.append(
            (
                t + timedelta(minutes=rng.randint(1, 15)),
                "phone",
                "contract_change",
                f"Contract {plan.name}: {change}",
                {"product": plan.name, "change": change},
            )
        )
        return out

    def contract(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        if not self.plans:
            return []
        plan = rng.choice(self.plans)
        out = self._session(t, plan) if rng.random() < 0.6 else []
        if out:
            t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"] + rng.randint(10, 600))
        changes = ["renewed for 24 months", "switched to paperless billing"]
        lower = _prev_rung(plan.name)
        if lower and plan.name not in self.upgraded:
            changes += [f"upgraded from {lower}"] * 2
        if plan.name.startswith("Mobile"):
            changes.append("added EU roaming option")
        change = rng.choice(changes)
        if change.startswith("upgraded"):
            self.upgraded.add(plan.name)  # a plan is reached from the rung below only once
        channel = rng.choice(("web", "phone", "branch", "app"))
        out.append(
            (
                t,
                channel,
                "contract_change",
                f"Contract {plan.name}: {change}",
                {"product": plan.name, "change": change},
            )
        )
        return out

    def move(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        channel = rng.choice(("web", "app", "phone"))
        out: list[_Raw] = [(t, channel, "address_change", "Postal address changed", {})]
        lines = [p for p in self.plans if p.name in _INTERNET_PLANS]
        if lines:
            t = self._later_day(t, 0, 3)
            out.append(self._contact(t, "phone", "moving", "resolved", rng.uniform(0.0, 0.6)))
            t = self._later_day(t, 3, 14)
            out.append(
                (
                    t,
                    "phone",
                    "contract_change",
                    f"Contract {lines[0].name}: line moved to new address",
                    {"product": lines[0].name, "change": "line moved to new address"},
                )
            )
        return out

    def store_visit(self, t: datetime) -> list[_Raw]:
        """Wants to see it in person: product pages → branch appointment → visit → sometimes a purchase."""
        rng = self.rng
        item = rng.choice(_BIG_ITEMS)
        out = self._session(t, item)
        t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"] + rng.randint(30, 900))
        branch = rng.choice(_BRANCHES[self.lang])
        when = self._later_day(t, 1, 8, 10, 17).replace(minute=rng.choice((0, 30)), second=0)
        topic = f"try {item.name}" if rng.random() < 0.7 else "product advice"
        out.append(
            (
                t,
                rng.choice(("web", "phone", "app")),
                "appointment",
                f"Appointment booked at {branch}: {topic}",
                {"branch": branch, "at": when, "topic": topic},
            )
        )
        out.append(
            self._contact(
                when + timedelta(minutes=rng.randint(0, 20)),
                "branch",
                "product advice",
                "resolved",
                rng.uniform(0.2, 0.9),
            )
        )
        if rng.random() < 0.5:
            out += self.purchase_journey(self._after(out[-1][0], 1, 72), item=item, browse=False)
        return out

    def survey(self, t: datetime) -> list[_Raw]:
        return [self._survey_event(t, self.rng.random() < 0.75)]

    def social(self, t: datetime) -> list[_Raw]:
        return [self._social_event(t, True)]
