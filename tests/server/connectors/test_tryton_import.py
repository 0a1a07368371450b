"""The Tryton connector against a real trytond: initial import, incremental sync, sources, relevance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.server.connectors.helpers import backend_on, events_of, run, seed, sync_for
from tests.server.connectors.tryton_server import TrytonSeed, TrytonServer
from workstation.domain.models import Role
from workstation.domain.relevance import RelevanceEngine, case_from_mapping
from workstation.server.backend import Principal
from workstation.server.db import ConnectorStateRow, CustomerRow

pytestmark = pytest.mark.connectors

LEAD = Principal(scope="agent", agent_id="lead", role=Role.TEAMLEAD)
TODAY = dt.datetime.now(dt.UTC).date()


async def _shop(s: TrytonSeed) -> dict[str, Any]:
    jana = await s.party("Jana Kowalski", email="jana@example.org", phone="+49 30 1234567")
    otto = await s.party("Otto Normal", email="otto@example.org")
    sale = await s.sale(jana, 249.0, when=TODAY - dt.timedelta(days=6))
    await s.sale(otto, 19.9, when=TODAY - dt.timedelta(days=3))
    draft = await s.sale(otto, 5.0, confirm=False)
    late = await s.shipment(jana, TODAY - dt.timedelta(days=2))
    complaint = await s.complaint(jana, sale, "Late delivery", "My parcel did not come.")
    await s.invoice(otto, 19.9, when=TODAY - dt.timedelta(days=3), due=TODAY + dt.timedelta(days=11))
    return {"jana": jana, "otto": otto, "sale": sale, "draft": draft, "late": late, "complaint": complaint}


def test_initial_import_makes_customers_and_history(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    ids = seed(tryton, db, _shop, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    counts = run(sync_for(backend, tryton, db).sync_once())

    jana = backend.get_customer(LEAD, f"erp-party-{ids['jana']}")
    assert (jana.name, jana.email, jana.phone) == ("Jana Kowalski", "jana@example.org", "+49 30 1234567")
    otto = backend.get_customer(LEAD, f"erp-party-{ids['otto']}")
    assert (otto.email, otto.phone) == ("otto@example.org", None)

    kinds = {(e.kind, e.customer_id) for e in events_of(backend)}
    assert ("order_placed", jana.id) in kinds and ("order_placed", otto.id) in kinds
    assert ("delivery_delayed", jana.id) in kinds
    assert ("complaint", jana.id) in kinds
    # A draft sale is no order yet, a draft invoice not due: neither is history.
    assert sum(1 for kind, who in kinds if kind == "order_placed" and who == otto.id) == 1
    assert not any(kind == "invoice_overdue" for kind, _ in kinds)
    assert counts.events == len(events_of(backend))

    complaint = next(e for e in events_of(backend, jana.id) if e.kind == "complaint")
    assert complaint.data["status"] == "open" and complaint.data["topic"] == "late_delivery"
    assert complaint.data["source"] == "tryton"
    assert complaint.data["source_id"] == f"sale.complaint,{ids['complaint']}"
    assert complaint.data["source_url"].endswith(f"/#{db}/model/sale.complaint/{ids['complaint']}")
    # The complaint names its order: it joins that order's story, which is open.
    placed = next(e for e in events_of(backend, jana.id) if e.kind == "order_placed")
    assert complaint.story == placed.story == f"order:{placed.data['order_id']}"
    page = backend.customer_events(LEAD, jana.id, before=None, limit=50)
    assert placed.story in page.open_stories


def test_relevance_panel_ranks_the_tryton_complaint(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    ids = seed(tryton, db, _shop, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    run(sync_for(backend, tryton, db).sync_once())
    customer = backend.get_customer(LEAD, f"erp-party-{ids['jana']}")
    history = backend.customer_events(LEAD, customer.id, before=None, limit=100).events
    now = dt.datetime.now(dt.UTC)
    case = {
        "id": "tryton",
        "now": now.isoformat(),
        "customer": customer.model_dump(mode="json"),
        "interaction": {
            "channel": "chat",
            "started": now.isoformat(),
            "messages": [{"from": "customer", "at": now.isoformat(), "text": "Where is my parcel?"}],
        },
        "events": [e.model_dump(mode="json") for e in history],
    }
    cards = RelevanceEngine().rank(case_from_mapping(case)).cards
    late = {e.id for e in history if e.kind in ("delivery_delayed", "complaint")}
    assert late & {ref for card in cards[:3] for ref in card.refs}


def test_incremental_sync_imports_only_changes_once(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    ids = seed(tryton, db, _shop, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    before = {e.id for e in events_of(backend)}
    again = run(sync.sync_once())
    assert (again.events, again.customers) == (0, 0)

    async def change(s: TrytonSeed) -> int:
        complaint = await s.complaint(ids["otto"], None, "Billing", "Charged twice")
        await s.rpc.model("sale.complaint", "wait", [ids["complaint"]])
        await s.rpc.model("sale.complaint", "reject", [ids["complaint"]])
        await s.rpc.model("party.party", "write", [ids["otto"]], {"name": "Otto Normalverbraucher"})
        return complaint

    billing = seed(tryton, db, change, setup=False)
    counts = run(sync.sync_once())
    new = [e for e in events_of(backend) if e.id not in before]
    assert {(e.kind, e.data.get("status"), e.data.get("source_id")) for e in new} == {
        ("complaint", "open", f"sale.complaint,{billing}"),
        ("complaint", "resolved", f"sale.complaint,{ids['complaint']}"),
    }
    assert counts.events == 2
    otto = backend.get_customer(LEAD, f"erp-party-{ids['otto']}")
    assert otto.name == "Otto Normalverbraucher" and otto.version == 2
    # The Jana's late-delivery complaint is resolved now: that story no longer counts as open for it.
    with Session(backend.engine) as s:
        state = s.get(ConnectorStateRow, "erp")
        assert state is not None and state.checkpoint["cursors"]
        assert s.scalar(select(CustomerRow.version).where(CustomerRow.id == f"erp-party-{ids['jana']}")) == 1
