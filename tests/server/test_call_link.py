"""An unknown caller identified: the agent who holds the call links it to the customer they found. The
real backend; the call started as the SIP proxy starts it (voice_link.py says what moves)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from tests.helpers.backend import Backend
from tests.server.test_customer_search import UNKNOWN_NUMBER, offered_call  # noqa: F401 (fixture)
from workstation.domain.models import Customer, TimelineEvent, utcnow
from workstation.server.backend import AUDIENCE_TEAMLEADS
from workstation.server.db import AuditRow, EventLogRow

PLACEHOLDER = "caller-4917099999"
NO_PHONE = Customer(id="c-nophone", name="Max Ohnenummer", language="de", email="max@example.invalid")


def link(helper: Backend, headers: dict[str, str], conv_id: str, customer_id: str, key: str) -> Any:
    return helper.http.post(
        f"/api/v1/voice/calls/{conv_id}/customer",
        json={"customer_id": customer_id},
        headers={**headers, "Idempotency-Key": key},
    )


def events(helper: Backend, headers: dict[str, str], customer_id: str) -> list[dict[str, Any]]:
    response = helper.http.get(f"/api/v1/customers/{customer_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def test_the_answered_unknown_call_moves_to_the_customer_found(
    offered_call: tuple[Backend, dict[str, str], str],  # noqa: F811
) -> None:
    helper, demo, conv_id = offered_call
    server = helper.server
    backend = server.backend
    assert backend is not None
    server.call(lambda: backend.upsert_customer(NO_PHONE))
    # An earlier call from the number left a trace on its placeholder record.
    earlier = TimelineEvent(
        id="earlier-call",
        customer_id=PLACEHOLDER,
        at=utcnow() - timedelta(days=2),
        channel="phone",
        kind="contact",
        summary="Phone call, callback promised",
        data={"outcome": "callback_promised"},
    )
    server.call(lambda: backend.add_customer_events([earlier], push=False))
    (offer,) = [o for o in helper.offers(demo) if o["conversation_id"] == conv_id]
    assert helper.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=demo).is_success

    # Nobody but the agent holding the call, never to a placeholder, never to nobody.
    anna = helper.login("anna")
    assert link(helper, anna, conv_id, NO_PHONE.id, "anna-key-1").status_code == 404
    assert link(helper, demo, conv_id, PLACEHOLDER, "demo-key-0").status_code == 422
    assert link(helper, demo, conv_id, "c-nobody", "demo-key-9").status_code == 422

    answer = link(helper, demo, conv_id, NO_PHONE.id, "demo-key-1")
    assert answer.status_code == 200, answer.text
    assert answer.json()["customer"]["id"] == NO_PHONE.id and answer.json()["state"] == "active"
    again = link(helper, demo, conv_id, NO_PHONE.id, "demo-key-1")  # a retry: the same answer
    assert again.status_code == 200 and again.json() == answer.json()
    assert link(helper, demo, conv_id, NO_PHONE.id, "demo-key-2").status_code == 409  # known now

    conv = helper.http.get(f"/api/v1/conversations/{conv_id}", headers=demo).json()
    assert conv["customer"] == {"id": NO_PHONE.id, "name": NO_PHONE.name, "language": "de"}
    call = helper.http.get(f"/api/v1/voice/calls/{conv_id}", headers=demo).json()
    assert call["customer_id"] == NO_PHONE.id and call["known_caller"] is True
    # The number is remembered on a customer who had none; the earlier call's trace came along.
    customer = helper.http.get(f"/api/v1/customers/{NO_PHONE.id}", headers=demo).json()
    assert customer["phone"] == UNKNOWN_NUMBER
    assert "earlier-call" in [e["id"] for e in events(helper, demo, NO_PHONE.id)]

    # Pushed to the agent's desk and to team leads, and audited.
    def pushed() -> tuple[list[str], list[str]]:
        with DbSession(backend.engine) as db:
            audiences = list(
                db.scalars(
                    select(EventLogRow.audience).where(EventLogRow.type == "conversation.customer_changed")
                )
            )
            actions = list(db.scalars(select(AuditRow.action).where(AuditRow.target == conv_id)))
        return audiences, actions

    audiences, actions = server.call(pushed)
    assert sorted(audiences) == sorted(["a-demo", AUDIENCE_TEAMLEADS])
    assert actions == ["call.linked"]

    # The wrap-up writes the phone contact into the real customer's history.
    closed = helper.http.post(
        f"/api/v1/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=demo
    )
    assert closed.status_code == 200, closed.text
    contact = [e for e in events(helper, demo, NO_PHONE.id) if e["id"] == f"{conv_id}-closed"]
    assert contact and contact[0]["channel"] == "phone"

    # The next call from that number reaches the customer straight away.
    (hook,) = [
        h for h in backend.capacity_hooks if type(getattr(h, "__self__", None)).__name__ == "VoiceDesk"
    ]
    desk: Any = hook.__self__
    next_id = server.call(lambda: desk.start_call("call-2@test", UNKNOWN_NUMBER, "1000"))
    helper.wait_for(lambda: [o for o in helper.offers(demo) if o["conversation_id"] == next_id])
    (offer,) = [o for o in helper.offers(demo) if o["conversation_id"] == next_id]
    assert offer["customer"]["id"] == NO_PHONE.id


def test_a_ringing_call_can_be_linked_by_the_agent_it_rings_for(
    offered_call: tuple[Backend, dict[str, str], str],  # noqa: F811
) -> None:
    helper, demo, conv_id = offered_call
    answer = link(helper, demo, conv_id, "c-search", "ringing-key-1")
    assert answer.status_code == 200, answer.text
    # A customer with a number of their own keeps it.
    customer = helper.http.get("/api/v1/customers/c-search", headers=demo).json()
    assert customer["phone"] == "030 123456"
    (offer,) = [o for o in helper.offers(demo) if o["conversation_id"] == conv_id]
    accepted = helper.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=demo)
    assert accepted.json()["customer"]["id"] == "c-search"
    # The customer's record has another number: the retired placeholder still leads the next call there.
    assert helper.http.post(
        f"/api/v1/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=demo
    ).is_success
    backend = helper.server.backend
    assert backend is not None
    (hook,) = [
        h for h in backend.capacity_hooks if type(getattr(h, "__self__", None)).__name__ == "VoiceDesk"
    ]
    desk: Any = hook.__self__
    next_id = helper.server.call(lambda: desk.start_call("call-3@test", UNKNOWN_NUMBER, "1000"))
    helper.wait_for(lambda: [o for o in helper.offers(demo) if o["conversation_id"] == next_id])
    (offer,) = [o for o in helper.offers(demo) if o["conversation_id"] == next_id]
    assert offer["customer"]["id"] == "c-search"
