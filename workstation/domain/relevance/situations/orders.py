"""Situations about orders: delayed, in transit, disputed, returned but not refunded, bought."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from workstation.domain.events import (
    EventLike,
    story_open,
)
from workstation.domain.messages import QT_TRANSLATE_NOOP, Msg
from workstation.domain.relevance.journey import _str
from workstation.domain.relevance.phrasing import normalise_reference
from workstation.domain.relevance.situations.base import (
    FinderBase,
    Situation,
    _ago,
    _by_time,
    _day,
    _money,
    _num,
    _order_label,
    _order_products,
    _when,
)
from workstation.domain.relevance.weights import weights

#: An order settled longer ago than this (refunded, or delivered and kept) is not shown unless named.
SETTLED_DAYS: Final = 45

#: the named weights table (resources/relevance_weights.toml)
W = weights()


class OrderSituations(FinderBase):
    # -- orders --

    def orders(self) -> None:
        for order_id, events in self.h.orders.items():
            self._order(order_id, _by_time(events))

    def _settled_long_ago(
        self,
        returned: EventLike | None,
        refunded: EventLike | None,
        delivered: EventLike | None,
        last: EventLike,
    ) -> bool:
        """An order refunded, or delivered and not returned, more than SETTLED_DAYS ago: `_order`
        would drop it anyway, so its labels and product words need not be worked out."""
        if refunded is not None and (returned is None or refunded.at >= returned.at):
            return self.days(last.at) > SETTLED_DAYS
        return returned is None and delivered is not None and self.days(delivered.at) > SETTLED_DAYS

    def _order(self, order_id: str, events: list[EventLike]) -> None:
        latest: dict[str, EventLike] = {}
        for event in events:
            latest[event.kind] = event
        placed = latest.get("order_placed")
        shipped = latest.get("order_shipped")
        delayed = latest.get("delivery_delayed")
        delivered = latest.get("delivered")
        returned = latest.get("return_requested")
        refunded = latest.get("refund_issued")
        last = events[-1]
        #: still needs someone, as the whole domain reads it (a delay not delivered, a return not refunded)
        story_is_open = story_open((e.kind, e.data) for e in events)
        mentioned = normalise_reference(order_id) in self.said.references
        if not mentioned and self._settled_long_ago(returned, refunded, delivered, last):
            return  # routine and settled: not worth a line, and thousands of them in a long history
        label = _order_label(placed.summary if placed else "", order_id)
        named = not isinstance(label, Msg)  # a product name, not the "order 123" stand-in

        def title(with_name: str, without: str, **params: Any) -> Msg:
            """The title naming the product when the order's summary gives one."""
            if named:
                return Msg(with_name, order_id=order_id, product=label, **params)
            return Msg(without, order_id=order_id, **params)

        products = _order_products(placed.summary if placed else "", placed.data if placed else {})
        reference = frozenset({normalise_reference(order_id)})
        age = self.days(last.at)
        value = _num(placed.data, "value") if placed else None
        attrs: dict[str, Any] = {"order_id": order_id, "product": label, "value": value}
        newest_first = [e.id for e in reversed(events)]

        def situation(
            kind: str,
            primary: EventLike,
            title: str,
            facts: list[str],
            base: float,
            half_life: float,
            topics: set[str],
            **extra: Any,
        ) -> Situation:
            refs = [primary.id] + [r for r in newest_first if r != primary.id]
            return self.add(
                Situation(
                    kind,
                    refs,
                    title,
                    facts,
                    base,
                    primary.at,
                    half_life,
                    topics,
                    {**attrs, **extra},
                    products,
                    reference,
                )
            )

        if refunded is not None and (returned is None or refunded.at >= returned.at):
            s = situation(
                "refund_issued",
                refunded,
                Msg(
                    QT_TRANSLATE_NOOP("domain", "Order {order_id}: refund of {amount} issued"),
                    order_id=order_id,
                    amount=_money(refunded.data.get("amount")),
                ),
                [Msg(QT_TRANSLATE_NOOP("domain", "refunded {ago}"), ago=_ago(self.now, refunded.at))],
                W.base("refund_issued"),
                W.half_life("refund_issued"),
                {"return_refund", "order"},
                order_state="refunded",
                refunded=True,
            )
            if age > SETTLED_DAYS and not mentioned:
                self.found.remove(s)  # routine and settled: not worth a line under hidden
            return
        if returned is not None:
            waited = self.days(returned.at)
            overdue = waited > W.limit("return_open", "overdue_after_days")
            reason = _str(returned.data, "reason")
            requested = _ago(self.now, returned.at)
            facts: list[str] = [
                Msg(
                    QT_TRANSLATE_NOOP("domain", "return requested {ago} ({reason})"),
                    ago=requested,
                    reason=reason,
                )
                if reason
                else Msg(QT_TRANSLATE_NOOP("domain", "return requested {ago}"), ago=requested),
                Msg(QT_TRANSLATE_NOOP("domain", "no refund yet")),
            ]
            s = situation(
                "return_open",
                returned,
                title(
                    QT_TRANSLATE_NOOP("domain", "Return of order {order_id} ({product}) not refunded yet"),
                    QT_TRANSLATE_NOOP("domain", "Return of order {order_id} not refunded yet"),
                ),
                facts,
                W.base("return_open") + (W.of("return_open", "overdue_bonus") if overdue else 0),
                W.half_life("return_open"),
                {"return_refund", "order"},
                order_state="return_open",
                refunded=False,
                service_failure=overdue,
                needs_specialist=False,
            )
            s.open, s.floor = story_is_open, W.floor("return_open")
            if waited > W.limit("return_open", "stale_after_days") and not mentioned:
                s.stale = Msg(
                    QT_TRANSLATE_NOOP("domain", "return requested {ago}, probably settled"), ago=requested
                )
                s.open = False
            return
        if delivered is not None:
            since = self.days(delivered.at)
            if self.said.not_received and (mentioned or since <= W.limit("delivery_disputed", "recent_days")):
                carrier = _str(shipped.data, "carrier") if shipped else ""
                s = situation(
                    "delivery_disputed",
                    delivered,
                    title(
                        QT_TRANSLATE_NOOP(
                            "domain",
                            "Order {order_id} ({product}) marked delivered {ago}, customer has nothing",
                        ),
                        QT_TRANSLATE_NOOP(
                            "domain", "Order {order_id} marked delivered {ago}, customer has nothing"
                        ),
                        ago=_ago(self.now, delivered.at),
                    ),
                    [
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "delivered {day} by {carrier}"),
                            day=_day(delivered.at),
                            carrier=carrier,
                        )
                        if carrier
                        else Msg(QT_TRANSLATE_NOOP("domain", "delivered {day}"), day=_day(delivered.at)),
                        Msg(
                            QT_TRANSLATE_NOOP(
                                "domain", "customer says it did not arrive: trace with the carrier"
                            )
                        ),
                    ],
                    W.base("delivery_disputed"),
                    W.half_life("delivery_disputed"),
                    {"delivery", "order"},
                    order_state="disputed",
                    service_failure=True,
                    needs_specialist=True,
                    topic="missing parcel",
                    carrier=carrier,
                )
                s.open = True
                return
            s = situation(
                "recent_order",
                placed or delivered,
                Msg(
                    QT_TRANSLATE_NOOP("domain", "Bought {product} {ago}"),
                    product=label,
                    ago=_ago(self.now, placed.at),
                )
                if placed
                else Msg(QT_TRANSLATE_NOOP("domain", "Order {order_id} delivered"), order_id=order_id),
                [Msg(QT_TRANSLATE_NOOP("domain", "delivered {ago}"), ago=_ago(self.now, delivered.at))],
                W.base("recent_order"),
                W.half_life("recent_order"),
                {"order", "product_advice", "delivery"} if since <= 14 else {"order", "product_advice"},
                order_state="delivered",
            )
            if self.days(delivered.at) > SETTLED_DAYS and not mentioned:
                self.found.remove(s)  # routine and settled: not worth a line under hidden
            return
        if placed is None and shipped is None and delayed is None:
            return
        eta = _when(shipped.data.get("eta")) if shipped else None
        if delayed is not None:
            new_eta = _when(delayed.data.get("new_eta"))
            reason = _str(delayed.data, "reason")
            facts = []
            if eta and new_eta and new_eta > eta:
                late = round((new_eta - eta).total_seconds() / 86400)
                template = (
                    QT_TRANSLATE_NOOP("domain", "delayed 1 day: was due {due}, now {new}")
                    if late == 1
                    else QT_TRANSLATE_NOOP("domain", "delayed {n} days: was due {due}, now {new}")
                )
                facts.append(Msg(template, n=late, due=_day(eta), new=_day(new_eta)))
            elif new_eta:
                facts.append(Msg(QT_TRANSLATE_NOOP("domain", "new delivery date {day}"), day=_day(new_eta)))
            if reason:
                facts.append(Msg(QT_TRANSLATE_NOOP("domain", "reason: {reason}"), reason=reason))
            s = situation(
                "order_delayed",
                delayed,
                Msg(
                    QT_TRANSLATE_NOOP("domain", "Order {order_id} is delayed ({reason})"),
                    order_id=order_id,
                    reason=reason,
                )
                if reason
                else Msg(QT_TRANSLATE_NOOP("domain", "Order {order_id} is delayed"), order_id=order_id),
                facts,
                W.base("order_delayed"),
                W.half_life("order_delayed"),
                {"delivery", "order"},
                order_state="delayed",
                service_failure=True,
                carrier=_str(shipped.data, "carrier") if shipped else "",
            )
            s.open, s.floor = story_is_open, W.floor("order_delayed")
            if age > W.limit("order_delayed", "stale_after_days") and not mentioned:
                s.stale = Msg(
                    QT_TRANSLATE_NOOP("domain", "delay reported {ago}, no news since"),
                    ago=_ago(self.now, delayed.at),
                )
                s.open = False
            return
        if shipped is not None:
            carrier = _str(shipped.data, "carrier")
            grace = timedelta(hours=W.limit("order_delayed", "eta_grace_hours"))
            overdue = eta is not None and self.now > eta + grace
            sent = _ago(self.now, shipped.at)
            facts = [
                Msg(QT_TRANSLATE_NOOP("domain", "shipped {ago} with {carrier}"), ago=sent, carrier=carrier)
                if carrier
                else Msg(QT_TRANSLATE_NOOP("domain", "shipped {ago}"), ago=sent)
            ]
            if eta:
                facts.append(
                    Msg(QT_TRANSLATE_NOOP("domain", "expected {day} — overdue"), day=_day(eta))
                    if overdue
                    else Msg(QT_TRANSLATE_NOOP("domain", "expected {day}"), day=_day(eta))
                )
            if overdue:
                s = situation(
                    "order_delayed",
                    shipped,
                    Msg(QT_TRANSLATE_NOOP("domain", "Order {order_id} is overdue"), order_id=order_id),
                    facts,
                    W.of("order_delayed", "overdue_base"),
                    W.half_life("order_delayed"),
                    {"delivery", "order"},
                    order_state="delayed",
                    service_failure=True,
                    carrier=carrier,
                )
                s.open, s.floor = True, W.floor("order_delayed")
            else:
                s = situation(
                    "order_in_transit",
                    shipped,
                    title(
                        QT_TRANSLATE_NOOP("domain", "Order {order_id} ({product}) is on its way"),
                        QT_TRANSLATE_NOOP("domain", "Order {order_id} is on its way"),
                    ),
                    facts,
                    W.base("order_in_transit"),
                    W.half_life("order_in_transit"),
                    {"delivery", "order"},
                    order_state="in_transit",
                    carrier=carrier,
                )
            if age > W.limit("order_in_transit", "stale_after_days") and not mentioned:
                s.stale = Msg(QT_TRANSLATE_NOOP("domain", "shipped {ago}, no delivery recorded"), ago=sent)
                s.open = False
            return
        assert placed is not None
        s = situation(
            "order_processing",
            placed,
            title(
                QT_TRANSLATE_NOOP("domain", "Order {order_id} ({product}) placed {ago}, not shipped yet"),
                QT_TRANSLATE_NOOP("domain", "Order {order_id} placed {ago}, not shipped yet"),
                ago=_ago(self.now, placed.at),
            ),
            [
                Msg(
                    QT_TRANSLATE_NOOP("domain", "placed {day}, {amount}"),
                    day=_day(placed.at),
                    amount=_money(value),
                )
                if value
                else Msg(QT_TRANSLATE_NOOP("domain", "placed {day}"), day=_day(placed.at)),
                Msg(QT_TRANSLATE_NOOP("domain", "not shipped yet: address and items can still change")),
            ],
            W.base("order_processing"),
            W.half_life("order_processing"),
            {"order", "delivery", "address"},
            order_state="processing",
        )
        if age > W.limit("order_processing", "stale_after_days") and not mentioned:
            s.stale = Msg(
                QT_TRANSLATE_NOOP("domain", "placed {ago}, no shipment recorded"),
                ago=_ago(self.now, placed.at),
            )
