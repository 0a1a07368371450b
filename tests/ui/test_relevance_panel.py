"""The relevance panel beside a conversation, against the real backend: cards, live re-ranking, feedback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from workstation.domain.models import Customer, Presence, TimelineEvent, utcnow
from workstation.ui.conversation_view import ConversationView

pytestmark = pytest.mark.gui

CUSTOMER = Customer(
    id="c-9",
    name="Jonas Weber",
    language="de",
    value_tier="gold",
    clv=3100.0,
    consents={"marketing": True, "cobrowse": True},
)


def _seed_delayed_order(backend: Backend) -> None:
    now = utcnow()

    def event(
        eid: str, hours_ago: float, channel: str, kind: str, summary: str, **data: Any
    ) -> TimelineEvent:
        return TimelineEvent(
            id=eid,
            customer_id=CUSTOMER.id,
            at=now - timedelta(hours=hours_ago),
            channel=channel,
            kind=kind,
            summary=summary,
            data=data,
        )

    events = [
        event(
            "o1",
            150,
            "shop",
            "order_placed",
            "Order 47110 placed: Espresso machine (329 EUR)",
            order_id="47110",
            value=329.0,
            items=1,
        ),
        event(
            "o2",
            100,
            "logistics",
            "order_shipped",
            "Order 47110 shipped with DHL",
            order_id="47110",
            carrier="DHL",
            eta=(now - timedelta(hours=26)).isoformat(),
        ),
        event(
            "o3",
            20,
            "logistics",
            "delivery_delayed",
            "Order 47110 delayed: depot backlog",
            order_id="47110",
            new_eta=(now + timedelta(days=2)).isoformat(),
            reason="depot backlog",
        ),
        event(
            "r1",
            24 * 200,
            "phone",
            "complaint",
            "Complaint: scratched case, resolved",
            topic="scratched case",
            severity="medium",
            status="resolved",
        ),
        *(
            event(
                f"n{i}",
                300 + 24 * i,
                "web",
                "page_view",
                "Viewed Kameras",
                url="https://shop.example/c/kameras",
                title="Kameras",
                category="kameras",
                seconds=40,
            )
            for i in range(30)
        ),
    ]
    inner = backend.server.backend
    assert inner is not None

    def work() -> None:
        inner.upsert_customer(CUSTOMER)
        inner.add_customer_events(events, push=False)

    backend.server.call(work)


def _open_chat(desk: Desk, backend: Backend, text: str) -> tuple[dict[str, Any], ConversationView]:
    desk.window.set_presence(Presence.AVAILABLE)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    chat = backend.start_chat(CUSTOMER.id, text)
    conv_id = chat["conversation"]["id"]
    desk.wait_until(lambda: desk.window.offer_cards)
    (card,) = desk.window.offer_cards.values()
    QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: conv_id in desk.window.views)
    return chat, desk.window.views[conv_id]


def _actions(view: ConversationView) -> list[str | None]:
    return [c.action for c in view.relevance_panel.visible_cards()]


def _feedback(backend: Backend) -> list[dict[str, Any]]:
    response = backend.http.get("/api/v1/relevance/feedback", headers=backend.login("demo"))
    assert response.status_code == 200
    return list(response.json())


def test_the_panel_shows_the_delay_the_customer_asks_about_and_leads_to_the_event(
    desk: Desk, backend: Backend
) -> None:
    _seed_delayed_order(backend)
    _chat, view = _open_chat(desk, backend, "Hallo, wo bleibt meine Bestellung?")
    # The first paint comes from the (empty) cache; the cards follow the background refresh.
    desk.wait_until(lambda: _actions(view)[:1] == ["track_order"])
    panel = view.relevance_panel
    top = panel.cards[0]
    assert "47110" in top.title_label.text()
    assert (
        "delayed" in top.reasons_label.text()
        and "customer is asking about delivery" in top.reasons_label.text()
    )
    assert top.do_button.isVisible() and top.dismiss_button.isVisible()
    assert "apologize_compensate" in _actions(view), "a gold customer with a service failure"
    assert "cross_sell" not in _actions(view), "never while a delivery is late"
    assert "Journey: Service" in panel.context_label.text()
    # "Show N hidden" reveals what was left out, and why.
    hidden = len(panel.ranking.hidden)  # type: ignore[union-attr]
    assert panel.hidden_button.text() == f"Show {hidden} hidden ▾"
    panel.hidden_button.click()
    assert panel.hidden_label.isVisible()
    assert "Complaint about scratched case resolved" in panel.hidden_label.text()
    assert "not current: resolved 6 months ago" in panel.hidden_label.text()
    # The referenced events are one click away in the history.
    assert 'href="ref:o3"' in top.refs_label.text()
    top.refs_label.linkActivated.emit("ref:o3")
    assert view.timeline_view.currentIndex().data(view.timeline_model.EntryRole).id == "o3"


def test_re_ranks_live_on_what_the_customer_says_and_on_pushed_events(desk: Desk, backend: Backend) -> None:
    _seed_delayed_order(backend)
    chat, view = _open_chat(desk, backend, "Hallo, wo bleibt meine Bestellung?")
    desk.wait_until(lambda: _actions(view)[:1] == ["track_order"])
    widgets_before = list(view.relevance_panel.cards)

    backend.customer_says(chat, "Wenn das so weitergeht, kündige ich meinen Vertrag.")
    desk.wait_until(lambda: "retention_offer" in _actions(view))
    assert view.relevance_panel.cards[: len(widgets_before)] == widgets_before, (
        "cards are rewritten in place, not rebuilt"
    )

    inner = backend.server.backend
    assert inner is not None
    failed = TimelineEvent(
        id="b1",
        customer_id=CUSTOMER.id,
        at=utcnow(),
        channel="billing",
        kind="payment_failed",
        summary="Direct debit failed: 29.99 EUR",
        data={"amount": 29.99, "reason": "insufficient funds"},
    )
    backend.server.call(lambda: inner.add_customer_events([failed], push=True))
    desk.wait_until(lambda: any("b1" in c.refs for c in view.relevance_panel.visible_cards()))


def test_do_it_and_dismiss_are_recorded_through_the_outbox_and_change_the_cards(
    desk: Desk, backend: Backend
) -> None:
    _seed_delayed_order(backend)
    _chat, view = _open_chat(desk, backend, "Wo ist mein Paket?")
    desk.wait_until(lambda: {"track_order", "apologize_compensate"} <= set(_actions(view)))
    panel = view.relevance_panel

    apologise = panel.card_widget("apologize_compensate")
    assert apologise is not None
    apologise.dismiss_actions["already_done"].trigger()
    track = panel.card_widget("track_order")
    assert track is not None
    QTest.mouseClick(track.do_button, Qt.MouseButton.LeftButton)

    # The verdicts count (and the cards go) once the cache's writer thread committed them.
    desk.wait_until(lambda: {"track_order", "apologize_compensate"}.isdisjoint(_actions(view)))
    assert "Done: Give tracking for order 47110" in panel.note_label.text()
    assert "done in this conversation" in panel.hidden_label.text()
    assert "dismissed here: already done" in panel.hidden_label.text()
    assert any("o3" in c.refs for c in panel.visible_cards()), "the delay itself stays on screen"

    desk.wait_until(lambda: len(_feedback(backend)) == 2)
    verdicts = {(f["action"], f["outcome"], f["reason"]) for f in _feedback(backend)}
    assert verdicts == {
        ("apologize_compensate", "dismissed", "already_done"),
        ("track_order", "accepted", None),
    }
    stored = _feedback(backend)[0]
    assert stored["context"].startswith("chat|delivery|") and stored["customer_id"] == CUSTOMER.id
    # Delivered and fetched back as the team's: counted once, not twice.
    desk.wait_until(lambda: desk.ws.relevance.team_verdicts == 2)
    stats = desk.ws.relevance.stats
    assert sum(stats.accepted.values()) == 1
