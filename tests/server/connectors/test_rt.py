"""The Request Tracker connector against a real RT 5 (`rt-server` on loopback, SQLite): tickets and
their e-mails → complaints and contacts of the customer with the requestor's e-mail, incremental
sync by LastUpdated from a durable checkpoint, dead letters, and wrap-ups written back once."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.server.connectors.helpers import backend_on, events_of, run
from tests.server.connectors.rt_server import RTServer
from workstation.domain.models import Customer, utcnow
from workstation.server.backend import Backend
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.connectors.rt import RTConnector, backend_lookup
from workstation.server.connectors.sync import ConnectorSync, connector_status, dead_letters
from workstation.server.connectors.tryton_rpc import UpstreamError
from workstation.server.db import ConnectorLinkRow, ConnectorStateRow, ConnectorWriteRow, ConversationRow

pytestmark = pytest.mark.connectors
ANN = "ann@example.org"


def rt_config(server: RTServer, **options: Any) -> ConnectorConfig:
    return ConnectorConfig(
        name="desk-rt",
        type="rt",
        url=server.url,
        page_size=int(options.pop("page_size", 100)),
        timeout_s=float(options.pop("timeout_s", 30.0)),
        options={"web_url": "https://rt.example.invalid", "topic_field": "Topic", **options},
    )


def rt_sync(backend: Backend, server: RTServer, **options: Any) -> ConnectorSync:
    transport = options.pop("transport", None)
    connector = RTConnector(
        rt_config(server, **options), server.token, backend_lookup(backend), transport=transport
    )
    return ConnectorSync(backend, connector, poll_interval_s=0.05, retry_base_s=0.05, retry_max_s=0.2)


def with_customers(path: Path, *people: tuple[str, str]) -> Backend:
    backend = backend_on(path)
    for customer_id, email in people:
        backend.upsert_customer(Customer(id=customer_id, name=customer_id.title(), email=email))
    return backend


def closed_conversation(backend: Backend, customer_id: str, topic: str, code: str) -> str:
    conv = f"conv-{uuid.uuid4().hex[:12]}"
    with backend.unit_of_work() as uow:
        uow.db.add(
            ConversationRow(
                id=conv,
                customer_id=customer_id,
                channel="chat",
                topic=topic,
                state="closed",
                started_at=utcnow() - dt.timedelta(minutes=5),
                closed_at=utcnow(),
                wrapup_code=code,
            )
        )
    return conv


def test_tickets_and_replies_become_the_customers_complaints_and_contacts(
    rt: RTServer, tmp_path: Path
) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN), ("bob", "bob@example.org"))
    billing = rt.create_ticket("Billing", "Ann@Example.org", "Invoice charged twice", priority=80)
    rt.reply(billing, "Sorry, we are looking into it.")
    delivery = rt.create_ticket("Delivery", ANN, "Parcel never arrived", priority=10)
    rt.set_status(delivery, "resolved")
    stranger = rt.create_ticket("Billing", "nobody@example.org", "Who am I?")

    sync = rt_sync(backend, rt)
    run(sync.sync_once())
    events = {e.id: e for e in events_of(backend, "ann")}
    opened = events[f"desk-rt-ticket-{billing}-open"]
    assert opened.kind == "complaint" and opened.channel == "email"
    assert {k: opened.data[k] for k in ("topic", "severity", "status", "source", "source_id")} == {
        "topic": "billing",
        "severity": "high",
        "status": "open",
        "source": "rt",
        "source_id": f"ticket/{billing}",
    }
    assert opened.data["source_url"] == f"https://rt.example.invalid/Ticket/Display.html?id={billing}"
    kinds = sorted((e.kind, e.data.get("status") or e.data.get("direction")) for e in events.values())
    assert kinds == [
        ("complaint", "open"),
        ("complaint", "open"),
        ("complaint", "resolved"),  # the delivery ticket, resolved
        # Support's reply; the tickets were opened by staff (root), so no e-mail from the customer.
        ("contact", "outbound"),
    ]
    low = events[f"desk-rt-ticket-{delivery}-open"]
    assert (low.data["topic"], low.data["severity"]) == ("delivery", "low")
    assert events_of(backend, "bob") == []
    (letter,) = dead_letters(backend.engine, "desk-rt")
    assert letter["record"] == f"ticket/{stranger}" and "nobody@example.org" in letter["reason"]
    with Session(backend.engine) as db:
        link = db.get(ConnectorLinkRow, ("desk-rt", f"user:{ANN}"))
        assert link is not None and link.customer_id == "ann" and link.fields == {}

    # The requestor becomes a customer: the dead letter maps on the next pass.
    backend.upsert_customer(Customer(id="nobody", name="No Body", email="nobody@example.org"))
    again = run(sync.sync_once())
    assert dead_letters(backend.engine, "desk-rt") == []
    assert [e.kind for e in events_of(backend, "nobody")] == ["complaint"]
    assert again.events == 1 and len(events_of(backend, "ann")) == 4  # nothing twice


def test_customer_email_through_rts_mail_gateway_reaches_the_history(rt: RTServer, tmp_path: Path) -> None:
    """The way tickets really start: the customer writes to the support address and the mail server
    hands the message to `rt-mailgate`; their follow-up to the ticket arrives the same way."""
    carla = "carla@example.org"
    backend = with_customers(tmp_path / "b.sqlite", ("carla", carla))
    ticket = rt.mail("Delivery", f"Carla Rossi <{carla}>", "Where is my parcel?", "Order 4711 has not come.")
    sync = rt_sync(backend, rt)
    run(sync.sync_once())
    events = events_of(backend, "carla")
    assert sorted((e.kind, e.data.get("status") or e.data.get("direction")) for e in events) == [
        ("complaint", "open"),
        ("contact", "inbound"),  # the e-mail that opened the ticket, from the customer
    ]
    (opened,) = [e for e in events if e.kind == "complaint"]
    assert (opened.data["topic"], opened.data["source_id"]) == ("delivery", f"ticket/{ticket}")

    follow_up = rt.mail(
        "Delivery",
        carla,
        f"Re: [test.invalid #{ticket}] Where is my parcel?",
        "Still nothing, please call me.",
    )
    assert follow_up == ticket and rt.tickets_of(carla) == [ticket]  # a reply, not a new ticket
    again = run(sync.sync_once())
    inbound = [e for e in events_of(backend, "carla") if e.data.get("direction") == "inbound"]
    assert again.events == 1 and len(inbound) == 2
    assert dead_letters(backend.engine, "desk-rt") == []


def test_incremental_sync_resumes_from_its_checkpoint_after_a_restart(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    tickets = [rt.create_ticket("Billing", ANN, f"Question {i}") for i in range(5)]
    first = rt_sync(backend, rt, page_size=2)
    counts = run(first.sync_once())
    assert counts.events == 5
    with Session(backend.engine) as db:
        state = db.get(ConnectorStateRow, "desk-rt")
        assert state is not None and state.checkpoint["cursor"][1] == tickets[-1]
    run(first.connector.close())

    # A new process (a new connector on the same database) sees only what changed since.
    rt.reply(tickets[1], "Answered")
    rt.set_status(tickets[1], "resolved")
    second = rt_sync(backend, rt, page_size=2)
    counts = run(second.sync_once())
    assert counts.events == 2 and counts.duplicates == 1  # the re-read ticket's opening, known by id
    new = [e for e in events_of(backend, "ann") if e.data["source_id"] == f"ticket/{tickets[1]}"]
    assert sorted((e.kind, e.data.get("status") or e.data.get("direction")) for e in new) == [
        ("complaint", "open"),
        ("complaint", "resolved"),
        ("contact", "outbound"),
    ]
    assert run(second.sync_once()).events == 0
    status = connector_status(backend.engine, "desk-rt")
    assert status["state"] == "up" and status["records_imported"] == 7


def test_wrap_up_is_a_comment_on_the_open_ticket_of_that_topic_once(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    billing = rt.create_ticket("Billing", ANN, "Invoice charged twice")
    delivery = rt.create_ticket("Delivery", ANN, "Parcel late")
    sync = rt_sync(backend, rt)
    run(sync.sync_once())
    conv = closed_conversation(backend, "ann", "billing", "follow_up")

    assert run(sync.sync_once()).written == 1
    (comment,) = rt.history_texts(billing, "Comment")
    assert conv in comment and "callback promised" in comment
    assert rt.history_texts(delivery, "Comment") == []
    # The backend crashed after RT took the comment but before it noted so: the write is found.
    with backend.unit_of_work() as uow:
        uow.db.execute(delete(ConnectorWriteRow))
    assert run(sync.sync_once()).written == 1
    assert len(rt.history_texts(billing, "Comment")) == 1
    with Session(backend.engine) as db:
        (write,) = db.scalars(select(ConnectorWriteRow))
        assert (write.key, write.upstream) == (conv, f"ticket/{billing}")
    # Our own comment does not come back as an event in the customer's history.
    assert not [e for e in events_of(backend, "ann") if "Comment" in e.summary]


def test_wrap_up_opens_a_ticket_only_when_its_code_says_so(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN), ("cid", "cid@example.org"))
    resolved_ticket = rt.create_ticket("Billing", ANN, "Old billing question")
    rt.set_status(resolved_ticket, "resolved")
    sync = rt_sync(backend, rt, open_codes=["escalated"], new_ticket_queue="Billing")
    quiet = closed_conversation(backend, "ann", "billing", "resolved")
    escalated = closed_conversation(backend, "cid", "returns", "escalated")
    run(sync.sync_once())

    assert rt.tickets_of(ANN) == [resolved_ticket]  # no open ticket, a code that opens none
    assert rt.history_texts(resolved_ticket, "Comment") == []  # a resolved ticket is left alone
    (new,) = rt.tickets_of("cid@example.org")  # a customer RT had never seen
    ticket = rt.ticket(new)
    topic = [cf["values"] for cf in ticket["CustomFields"] if cf["name"] == "Topic"]  # type: ignore[index, union-attr, attr-defined]
    assert ticket["Status"] == "new" and topic == [["returns"]]
    (text,) = rt.history_texts(new, "Create")
    assert escalated in text and "escalated" in text
    with Session(backend.engine) as db:
        writes = {w.key: w.upstream for w in db.scalars(select(ConnectorWriteRow))}
    assert writes == {quiet: "", escalated: f"ticket/{new}"}
    # The new ticket comes into the history on the next pass, and a repeated pass writes nothing.
    counts = run(sync.sync_once())
    assert counts.written == 0
    assert any(e.data.get("source_id") == f"ticket/{new}" for e in events_of(backend, "cid"))
    assert rt.tickets_of("cid@example.org") == [new]


def test_configured_from_its_table_with_the_token_from_the_environment(
    rt: RTServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    from workstation.server.connectors.config import parse
    from workstation.server.connectors.hub import ConnectorHub

    table = tomllib.loads(
        f"""
        [connectors.tickets]
        type = "rt"
        url = "{rt.url}"
        password_env = "RT_TEST_TOKEN"
        topics = {{ Billing = "invoice" }}
        """
    )["connectors"]["tickets"]
    monkeypatch.setenv("RT_TEST_TOKEN", rt.token)
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    rt.create_ticket("Billing", ANN, "Invoice charged twice", priority=40)
    hub = ConnectorHub(backend, [parse("tickets", table)])
    run(hub.syncs["tickets"].sync_once())
    run(hub.syncs["tickets"].connector.close())
    (event,) = events_of(backend, "ann")
    assert (event.data["topic"], event.data["severity"]) == ("invoice", "medium")
    assert event.data["source_url"].startswith(f"{rt.url}/Ticket/Display.html?id=")
    (status,) = hub.status()
    assert status["state"] == "up" and status["system"] == "rt"
    assert status["capabilities"]["wrapup_by_email"] and status["customers_linked"] == 1
    # A wrong token: the connector is down with a clear reason, nothing is stored.
    monkeypatch.setenv("RT_TEST_TOKEN", "1-2-wrong")
    broken = ConnectorHub(backend_on(tmp_path / "c.sqlite"), [parse("tickets", table)])
    with pytest.raises(UpstreamError, match="refused"):
        run(broken.syncs["tickets"].sync_once())
    run(broken.syncs["tickets"].connector.close())


def test_wrap_up_in_the_desk_reaches_the_ticket_through_the_running_backend(
    rt: RTServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers.backend import Backend as BackendHelper
    from workstation.server.backend import BackendConfig
    from workstation.server.connectors.config import parse
    from workstation.server.runner import ServerOptions, ServerThread

    monkeypatch.setenv("RT_TEST_TOKEN", rt.token)
    ticket = rt.create_ticket("Billing", ANN, "Invoice charged twice")
    config = parse(
        "tickets", {"type": "rt", "url": rt.url, "password_env": "RT_TEST_TOKEN", "poll_interval_s": 30.0}
    )
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "backend",
            simulator=None,
            connectors=[config],
            backend=BackendConfig(router_tick_s=0.05),
        )
    )
    server.start()
    helper = BackendHelper(server)
    try:
        server.backend.upsert_customer(Customer(id="ann", name="Ann Example", email=ANN))
        lead = helper.login("lead")
        helper.http.post("/api/v1/connectors/tickets/sync", headers=lead)

        def in_history(agent: dict[str, str]) -> bool:
            events = helper.http.get("/api/v1/customers/ann/events", headers=agent).json()["events"]
            return any(e["data"].get("source_id") == f"ticket/{ticket}" for e in events)

        agent = helper.login("demo")
        helper.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
        helper.start_chat("ann", "My invoice is wrong", topic="billing")
        (offer,) = helper.wait_for(lambda: helper.offers(agent))
        conv = helper.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent).json()["id"]
        # The ticket is in the history the agent sees, with its link to RT.
        helper.wait_for(lambda: in_history(agent), timeout=60)
        # The chat's topic is the ticket queue's ("billing"): the wrap-up goes to this ticket.
        closed = helper.http.post(
            f"/api/v1/conversations/{conv}/close", json={"wrapup_code": "resolved"}, headers=agent
        )
        assert closed.status_code == 200, closed.text
        helper.http.post("/api/v1/connectors/tickets/sync", headers=lead)
        (comment,) = helper.wait_for(lambda: rt.history_texts(ticket, "Comment"), timeout=60)
        assert conv in comment and "demo" in comment
    finally:
        helper.http.close()
        server.stop()
