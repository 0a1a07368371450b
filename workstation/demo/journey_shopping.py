"""Journeys of buying: purchases (orders, deliveries, returns), checkouts, app trouble."""

from __future__ import annotations

from datetime import datetime, timedelta

from workstation.demo.catalog import (
    _ACCESSORIES_FOR,
    _APP_ERRORS,
    _BY_NAME,
    _CARRIER_WEIGHTS,
    _CARRIERS,
    _DELAY_REASONS,
    _RETURN_REASONS,
    _Item,
    _Raw,
)
from workstation.demo.journey_base import JourneyBase


class ShoppingJourneys(JourneyBase):
    """Purchases, checkouts and app trouble, on the base's time, pages and ids."""

    def purchase_journey(
        self, t: datetime, *, item: _Item | None = None, stop: str | None = None, browse: bool = True
    ) -> list[_Raw]:
        """Interest → (abandoned cart) → order → shipped → (delayed) → delivered → (return → refund)."""
        rng = self.rng
        item = item or self._shop_item()
        if item.kind == "plan":
            item = self._shop_item()
        lines = [(item, 1)]
        if item.category in _ACCESSORIES_FOR and rng.random() < 0.3:
            lines.append((_BY_NAME[rng.choice(_ACCESSORIES_FOR[item.category])], 1))
        if self.customer.get("segment") == "b2b" and rng.random() < 0.4:
            lines[0] = (item, rng.randint(2, 10))
        value = round(sum(it.price * n for it, n in lines) * (0.9 if rng.random() < 0.12 else 1.0), 2)
        count = sum(n for _, n in lines)
        out: list[_Raw] = []
        if browse:
            out += self._session(t, item)
            t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"])
        if rng.random() < 0.2:
            channel = out[-1][1] if out else "web"
            out.append(
                (
                    t,
                    channel,
                    "cart_abandoned",
                    f"Cart abandoned: {count} item(s), {value:.2f} EUR",
                    {"value": value, "items": count},
                )
            )
            t = self._later_day(t, 1, 5, 8, 22)
            out.append(self._page(t, rng.choice(("web", "app")), item))
            t += timedelta(seconds=out[-1][4]["seconds"])
        t += timedelta(seconds=rng.randint(30, 400))
        oid = self._order_id()
        names = ", ".join(f"{n}× {it.name}" if n > 1 else it.name for it, n in lines)
        out.append(
            (
                t,
                "shop",
                "order_placed",
                f"Order {oid} placed: {names} ({value:.2f} EUR)",
                {"order_id": oid, "value": value, "items": count},
            )
        )
        if stop == "placed":
            return out
        shipped = self._after(t, 3, 40)
        eta = (shipped + timedelta(days=rng.randint(1, 3))).replace(hour=18, minute=0, second=0)
        carrier = rng.choices(_CARRIERS, weights=_CARRIER_WEIGHTS)[0]
        out.append(
            (
                shipped,
                "logistics",
                "order_shipped",
                f"Order {oid} shipped with {carrier}",
                {"order_id": oid, "carrier": carrier, "eta": eta},
            )
        )
        if stop == "shipped":
            return out
        delayed = stop in ("delayed", "complaint") or rng.random() < 0.15
        due = eta
        t = shipped
        complaint_topic = ""
        if delayed:
            reason = rng.choice(_DELAY_REASONS)
            t = max(self._after(shipped, 2, 6), eta - timedelta(seconds=rng.randint(2 * 3600, 20 * 3600)))
            due = (eta + timedelta(days=rng.randint(1, 4))).replace(hour=18, minute=0, second=0)
            out.append(
                (
                    t,
                    "logistics",
                    "delivery_delayed",
                    f"Order {oid} delayed: {reason}",
                    {"order_id": oid, "new_eta": due, "reason": reason},
                )
            )
            if rng.random() < 0.2:
                t = self._after(t, 1, 20)
                out.append(self._social_event(t, False, item))
            if stop == "complaint" or rng.random() < 0.4:
                t = self._daytime(self._after(t, 2, 30))  # people call in waking hours
                outcome = rng.choice(("unresolved", "resolved")) if stop is None else "unresolved"
                channel = rng.choice(("chat", "phone", "email"))
                mood = rng.uniform(-0.8, 0.1)
                out.append(self._contact(t, channel, "delivery status", outcome, mood, order_id=oid))
            if stop == "complaint" or rng.random() < 0.1:
                t = self._after(t, 1, 24)
                complaint_topic = "late delivery"
                severity = "high" if self.customer.get("value_tier") in ("gold", "platinum") else "medium"
                out.append(
                    (
                        t,
                        rng.choice(("phone", "email")),
                        "complaint",
                        f"Complaint: {complaint_topic}, open",
                        {"topic": complaint_topic, "severity": severity, "status": "open", "order_id": oid},
                    )
                )
            if stop in ("delayed", "complaint"):
                return out
        # Deliveries happen in the daytime on the due day, after everything before them.
        arrived = max(self._after(t, 0.2, 2), due.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59)))
        out.append((arrived, "logistics", "delivered", f"Order {oid} delivered", {"order_id": oid}))
        t = arrived
        if complaint_topic:
            t = self._later_day(t, 1, 6)
            out.append(
                (
                    t,
                    "phone",
                    "complaint",
                    f"Complaint: {complaint_topic}, resolved",
                    {"topic": complaint_topic, "severity": "medium", "status": "resolved", "order_id": oid},
                )
            )
        returned = stop == "returned" or rng.random() < 0.1
        if returned:
            reason = rng.choice(_RETURN_REASONS)
            t = self._later_day(t, 1, 14)
            out.append(
                (
                    t,
                    rng.choice(("web", "app", "app", "branch")),
                    "return_requested",
                    f"Return requested for order {oid} ({reason})",
                    {"order_id": oid, "reason": reason},
                )
            )
            if stop == "returned":
                if rng.random() < 0.3:
                    t = self._later_day(t, 5, 12)
                    out.append(
                        self._contact(
                            t,
                            rng.choice(("email", "phone")),
                            "refund status",
                            "unresolved",
                            rng.uniform(-0.6, 0.0),
                        )
                    )
                return out
            t = self._later_day(t, 4, 14)
            # Only the main line goes back; its refund carries its share of any order discount.
            full = sum(it.price * n for it, n in lines)
            amount = value if len(lines) == 1 else round(value * item.price * lines[0][1] / full, 2)
            out.append(
                (
                    t,
                    "billing",
                    "refund_issued",
                    f"Refund of {amount:.2f} EUR issued for order {oid}",
                    {"order_id": oid, "amount": amount},
                )
            )
        elif item.kind == "device":
            self.devices.append((item, arrived))
        if rng.random() < 0.2:
            out.append(self._survey_event(self._later_day(t, 1, 4), not delayed and not returned))
        elif not delayed and not returned and rng.random() < 0.05:
            out.append(self._social_event(self._after(arrived, 1, 30), True, item))
        return out

    def checkout(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """Lost at checkout: cart, payment page, maybe an app error, abandoned cart, often a later order."""
        rng = self.rng
        item = self._shop_item()
        out = self._session(t, item)
        channel = out[-1][1]
        t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"])
        out.append(
            self._site_page(
                t, channel, "/checkout/cart", "Warenkorb", "Basket", "checkout", rng.randint(15, 90)
            )
        )
        t += timedelta(seconds=out[-1][4]["seconds"])
        out.append(
            self._site_page(
                t,
                channel,
                "/checkout/payment",
                "Kasse – Zahlung",
                "Checkout – Payment",
                "checkout",
                rng.randint(120, 700),
            )
        )
        t += timedelta(seconds=out[-1][4]["seconds"])
        if channel == "app" and rng.random() < 0.5:
            screen, code, message = _APP_ERRORS[2]
            out.append(
                (
                    t,
                    "app",
                    "app_error",
                    f"App error on {screen}: {message} ({code})",
                    {"screen": screen, "code": code, "message": message},
                )
            )
            t += timedelta(seconds=rng.randint(5, 60))
        value = item.price
        out.append(
            (
                t,
                channel,
                "cart_abandoned",
                f"Cart abandoned: 1 item(s), {value:.2f} EUR",
                {"value": value, "items": 1},
            )
        )
        if stop == "abandoned" or rng.random() < 0.4:
            return out
        return out + self.purchase_journey(self._after(t, 0.5, 72), item=item, browse=False)

    # ---- journeys (service)

    def app_trouble(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        screen, code, message = rng.choice(_APP_ERRORS[:2] + _APP_ERRORS[3:])
        out: list[_Raw] = [
            (
                t,
                "app",
                "app_error",
                f"App error on {screen}: {message} ({code})",
                {"screen": screen, "code": code, "message": message},
            )
        ]
        if rng.random() < 0.5:
            t = self._after(t, 0.01, 0.3)
            out.append(
                (
                    t,
                    "app",
                    "app_error",
                    f"App error on {screen}: {message} ({code})",
                    {"screen": screen, "code": code, "message": message},
                )
            )
        if rng.random() < 0.4:
            t = self._daytime(self._after(t, 0.05, 5))
            topic = "app login" if screen == "login" else "app problem"
            out.append(self._contact(t, "chat", topic, "resolved", rng.uniform(-0.2, 0.6)))
        return out
