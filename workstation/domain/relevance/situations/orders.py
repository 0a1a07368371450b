"""Situations about orders: delayed, in transit, disputed, returned but not refunded, bought."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from workstation.domain.events import (
    EventLike,
)
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
        mentioned = normalise_reference(order_id) in self.said.references
        if not mentioned and self._settled_long_ago(returned, refunded, delivered, last):
            return  # routine and settled: not worth a line, and thousands of them in a long history
        label = _order_label(placed.summary if placed else "", order_id)
        named = f" ({label})" if label != f"order {order_id}" else ""
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
                f"Order {order_id}: refund of {_money(refunded.data.get('amount'))} issued",
                [f"refunded {_ago(self.now, refunded.at)}"],
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
            overdue = waited > 10
            reason = _str(returned.data, "reason")
            facts = [
                f"return requested {_ago(self.now, returned.at)}" + (f" ({reason})" if reason else ""),
                "no refund yet",
            ]
            s = situation(
                "return_open",
                returned,
                f"Return of order {order_id}{named} not refunded yet",
                facts,
                W.base("return_open") + (W.of("return_open", "overdue_bonus") if overdue else 0),
                W.half_life("return_open"),
                {"return_refund", "order"},
                order_state="return_open",
                refunded=False,
                service_failure=overdue,
                needs_specialist=False,
            )
            s.open, s.floor = True, W.floor("return_open")
            if waited > 120 and not mentioned:
                s.stale, s.open = f"return requested {_ago(self.now, returned.at)}, probably settled", False
            return
        if delivered is not None:
            since = self.days(delivered.at)
            if self.said.not_received and (mentioned or since <= 7):
                carrier = _str(shipped.data, "carrier") if shipped else ""
                s = situation(
                    "delivery_disputed",
                    delivered,
                    f"Order {order_id}{named} marked delivered {_ago(self.now, delivered.at)}, "
                    "customer has nothing",
                    [
                        f"delivered {_day(delivered.at)}" + (f" by {carrier}" if carrier else ""),
                        "customer says it did not arrive: trace with the carrier",
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
                f"Bought {label} {_ago(self.now, (placed or delivered).at)}"
                if placed
                else f"Order {order_id} delivered",
                [f"delivered {_ago(self.now, delivered.at)}"],
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
                late = (new_eta - eta).total_seconds() / 86400
                facts.append(
                    f"delayed {round(late)} day{'s' if round(late) != 1 else ''}: "
                    f"was due {_day(eta)}, now {_day(new_eta)}"
                )
            elif new_eta:
                facts.append(f"new delivery date {_day(new_eta)}")
            if reason:
                facts.append(f"reason: {reason}")
            s = situation(
                "order_delayed",
                delayed,
                f"Order {order_id} is delayed" + (f" ({reason})" if reason else ""),
                facts,
                W.base("order_delayed"),
                W.half_life("order_delayed"),
                {"delivery", "order"},
                order_state="delayed",
                service_failure=True,
                carrier=_str(shipped.data, "carrier") if shipped else "",
            )
            s.open, s.floor = True, W.floor("order_delayed")
            if age > 60 and not mentioned:
                s.stale, s.open = f"delay reported {_ago(self.now, delayed.at)}, no news since", False
            return
        if shipped is not None:
            carrier = _str(shipped.data, "carrier")
            overdue = eta is not None and self.now > eta + timedelta(hours=12)
            facts = [f"shipped {_ago(self.now, shipped.at)}" + (f" with {carrier}" if carrier else "")]
            if eta:
                facts.append(f"expected {_day(eta)}" + (" — overdue" if overdue else ""))
            if overdue:
                s = situation(
                    "order_delayed",
                    shipped,
                    f"Order {order_id} is overdue",
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
                    f"Order {order_id}{named} is on its way",
                    facts,
                    W.base("order_in_transit"),
                    W.half_life("order_in_transit"),
                    {"delivery", "order"},
                    order_state="in_transit",
                    carrier=carrier,
                )
            if age > 45 and not mentioned:
                s.stale, s.open = f"shipped {_ago(self.now, shipped.at)}, no delivery recorded", False
            return
        assert placed is not None
        s = situation(
            "order_processing",
            placed,
            f"Order {order_id}{named} placed {_ago(self.now, placed.at)}, not shipped yet",
            [
                f"placed {_day(placed.at)}" + (f", {_money(value)}" if value else ""),
                "not shipped yet: address and items can still change",
            ],
            W.base("order_processing"),
            W.half_life("order_processing"),
            {"order", "delivery", "address"},
            order_state="processing",
        )
        if age > 30 and not mentioned:
            s.stale = f"placed {_ago(self.now, placed.at)}, no shipment recorded"
