"""Contact details edited in the desk go back to the Tryton party; a change on both sides is a
conflict (before / theirs / yours), never a silent overwrite; bad parties are dead letters."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.server.connectors.helpers import backend_on, run, seed, sync_for
from tests.server.connectors.tryton_server import TrytonSeed, TrytonServer
from workstation.domain.models import Role
from workstation.server.backend import Principal
from workstation.server.connectors.sync import connector_status, dead_letters
from workstation.server.db import ConnectorConflictRow
from workstation.server.records import CustomerRecords

pytestmark = pytest.mark.connectors

LEAD = Principal(scope="agent", agent_id="lead", role=Role.TEAMLEAD)


async def _two(s: TrytonSeed) -> tuple[int, int]:
    return (
        await s.party("Jana Kowalski", email="jana@example.org", phone="+49 30 1234567"),
        await s.party("Otto Normal"),
    )


def _party(server: TrytonServer, db: str, party: int) -> dict[str, object]:
    async def read(s: TrytonSeed) -> dict[str, object]:
        rows = await s.rpc.search_read("party.party", [["id", "=", party]], ["name", "email", "phone"])
        return rows[0]

    return seed(server, db, read, setup=False)


def test_desk_edit_is_written_to_the_party_once(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    jana, otto = seed(tryton, db, _two, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    records = CustomerRecords(backend)
    records.update_customer(LEAD, f"erp-party-{jana}", 1, {"email": "jana.k@example.org"})
    records.update_customer(LEAD, f"erp-party-{otto}", 1, {"phone": "+44 20 7946 0000"})

    counts = run(sync.sync_once())
    assert counts.written == 2 and counts.conflicts == 0
    assert _party(tryton, db, jana)["email"] == "jana.k@example.org"
    assert _party(tryton, db, jana)["phone"] == "+49 30 1234567"  # untouched
    assert _party(tryton, db, otto)["phone"] == "+44 20 7946 0000"  # a new contact mechanism
    # Nothing is written twice, and reading the party back changes nothing in the desk.
    again = run(sync.sync_once())
    assert (again.written, again.customers, again.conflicts) == (0, 0, 0)
    assert backend.get_customer(LEAD, f"erp-party-{jana}").version == 2


def test_edit_on_both_sides_is_a_conflict_until_someone_decides(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    jana, _ = seed(tryton, db, _two, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    customer_id = f"erp-party-{jana}"
    CustomerRecords(backend).update_customer(LEAD, customer_id, 1, {"email": "desk@example.org"})

    async def edit_upstream(s: TrytonSeed) -> None:
        mech = await s.rpc.search_read(
            "party.contact_mechanism", [["party", "=", jana], ["type", "=", "email"]], []
        )
        await s.rpc.model("party.contact_mechanism", "write", [mech[0]["id"]], {"value": "erp@example.org"})

    seed(tryton, db, edit_upstream, setup=False)
    counts = run(sync.sync_once())
    assert counts.conflicts >= 1 and counts.written == 0
    assert _party(tryton, db, jana)["email"] == "erp@example.org"  # not overwritten upstream
    assert backend.get_customer(LEAD, customer_id).email == "desk@example.org"  # nor in the desk
    with Session(backend.engine) as s:
        conflict = s.scalars(select(ConnectorConflictRow)).one()
        assert (conflict.before, conflict.theirs, conflict.yours) == (
            "jana@example.org",
            "erp@example.org",
            "desk@example.org",
        )
    # Polling again neither writes nor asks twice.
    assert run(sync.sync_once()).written == 0

    sync.resolve(f"party.party,{jana}", "email", "yours")
    assert run(sync.sync_once()).written == 1
    assert _party(tryton, db, jana)["email"] == "desk@example.org"
    assert connector_status(backend.engine, "erp")["conflicts"] == 0


def test_conflict_resolved_with_theirs_takes_the_upstream_value(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    jana, _ = seed(tryton, db, _two, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    customer_id = f"erp-party-{jana}"
    CustomerRecords(backend).update_customer(LEAD, customer_id, 1, {"phone": "+49 30 999"})

    async def edit_upstream(s: TrytonSeed) -> None:
        mech = await s.rpc.search_read(
            "party.contact_mechanism", [["party", "=", jana], ["type", "=", "phone"]], []
        )
        await s.rpc.model("party.contact_mechanism", "write", [mech[0]["id"]], {"value": "+49 30 555"})

    seed(tryton, db, edit_upstream, setup=False)
    run(sync.sync_once())
    sync.resolve(f"party.party,{jana}", "phone", "theirs")
    assert backend.get_customer(LEAD, customer_id).phone == "+49 30 555"
    assert run(sync.sync_once()).written == 0
    assert _party(tryton, db, jana)["phone"] == "+49 30 555"


def test_deleted_party_is_a_conflict_not_a_crash(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tryton.take()
    _, otto = seed(tryton, db, _two, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    CustomerRecords(backend).update_customer(LEAD, f"erp-party-{otto}", 1, {"email": "otto@example.org"})

    async def delete(s: TrytonSeed) -> None:
        await s.rpc.model("party.party", "delete", [otto])

    seed(tryton, db, delete, setup=False)
    counts = run(sync.sync_once())
    assert counts.conflicts == 1 and counts.written == 0
    with Session(backend.engine) as s:
        conflict = s.scalars(select(ConnectorConflictRow)).one()
        assert conflict.theirs is None and conflict.yours == "otto@example.org"
    # The customer and its history stay in the desk.
    assert backend.get_customer(LEAD, f"erp-party-{otto}").name == "Otto Normal"


def test_unmappable_party_is_a_dead_letter_and_the_rest_is_imported(
    tryton: TrytonServer, tmp_path: Path
) -> None:
    db = tryton.take()

    async def shop(s: TrytonSeed) -> tuple[int, int, int]:
        good = await s.party("Jana Kowalski", email="jana@example.org")
        bad = await s.party("X" * 500)
        sale = await s.sale(bad, 10.0)
        return good, bad, sale

    good, bad, sale = seed(tryton, db, shop, setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    assert backend.get_customer(LEAD, f"erp-party-{good}").name == "Jana Kowalski"
    assert backend.customer_count() == 1  # no partial customer for the bad party
    letters = {d["record"]: d["reason"] for d in dead_letters(backend.engine, "erp")}
    assert "characters long" in letters[f"party.party,{bad}"]
    assert "could not be imported" in letters[f"sale.sale,{sale}"]
    assert connector_status(backend.engine, "erp")["dead_letters"] == 2

    async def fix(s: TrytonSeed) -> None:
        await s.rpc.model("party.party", "write", [bad], {"name": "Xaver Huber"})

    seed(tryton, db, fix, setup=False)
    run(sync.sync_once())
    # Fixed upstream: the party is imported, and its sale (unchanged itself) is retried too.
    assert backend.get_customer(LEAD, f"erp-party-{bad}").name == "Xaver Huber"
    assert dead_letters(backend.engine, "erp") == []
    kinds = [e.kind for e in backend.customer_events(LEAD, f"erp-party-{bad}", before=None, limit=10).events]
    assert kinds == ["order_placed"]
