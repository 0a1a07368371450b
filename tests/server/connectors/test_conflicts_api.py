"""Connector conflicts over HTTP and on the command line, against a backend importing from a real
trytond: a team lead lists every customer's (paged), an agent only a customer of theirs; a retried
decision (same Idempotency-Key) gets the first answer again; Tryton owns no company field."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.helpers.backend import Backend as BackendHelper
from tests.server.connectors.helpers import backend_on, run, seed, sync_for
from tests.server.connectors.tryton_server import ADMIN_PASSWORD, TrytonSeed, TrytonServer
from workstation.domain.models import Role
from workstation.server import __main__ as server_main
from workstation.server.backend import BackendConfig, Principal
from workstation.server.connectors.config import parse
from workstation.server.db import ConnectorLinkRow
from workstation.server.records import CustomerRecords
from workstation.server.runner import ServerOptions, ServerThread

pytestmark = pytest.mark.connectors

API = "/api/v1"
LEAD = Principal(scope="agent", agent_id="lead", role=Role.TEAMLEAD)


@dataclass
class Setup:
    helper: BackendHelper
    server: ServerThread
    data: Path
    db: str
    jana: int
    otto: int

    def customer(self, party: int) -> str:
        return f"erp-party-{party}"

    def record(self, party: int) -> str:
        return f"party.party,{party}"


def _edit_email(tryton: TrytonServer, db: str, party: int, value: str) -> None:
    async def edit(s: TrytonSeed) -> None:
        mech = await s.rpc.search_read(
            "party.contact_mechanism", [["party", "=", party], ["type", "=", "email"]], []
        )
        await s.rpc.model("party.contact_mechanism", "write", [mech[0]["id"]], {"value": value})

    seed(tryton, db, edit, setup=False)


@pytest.fixture
def two_conflicts(tryton: TrytonServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    """A backend with the Tryton connector (polling hourly: a pass when asked) and one e-mail conflict on
    each of two customers: changed in the desk by a team lead and in Tryton, then a sync pass."""
    db = tryton.take()

    async def two(s: TrytonSeed) -> tuple[int, int]:
        return (
            await s.party("Jana Kowalski", email="jana@example.org", phone="+49 30 1234567"),
            await s.party("Otto Normal", email="otto@example.org"),
        )

    jana, otto = seed(tryton, db, two, setup=True)
    monkeypatch.setenv("ERP_TEST_PASSWORD", ADMIN_PASSWORD)
    table = (
        f'[connectors.erp]\ntype = "tryton"\nurl = "{tryton.url}"\ndatabase = "{db}"\n'
        'login = "admin"\npassword_env = "ERP_TEST_PASSWORD"\npoll_interval_s = 3600.0\n'
        'web_url = "https://erp.example.invalid"\n'
    )
    erp = parse("erp", tomllib.loads(table)["connectors"]["erp"])
    data = tmp_path / "backend"
    server = ServerThread(
        ServerOptions(
            data_dir=data, simulator=None, connectors=[erp], backend=BackendConfig(router_tick_s=0.05)
        )
    )
    server.start()
    helper = BackendHelper(server)
    setup = Setup(helper, server, data, db, jana, otto)
    try:
        lead = helper.login("lead")

        def first_pass_done() -> bool:
            (erp_status,) = helper.http.get(f"{API}/connectors", headers=lead).json()
            return bool(erp_status["state"] == "up")

        # The first pass over (customers imported, nothing to write yet); the next is the one asked.
        helper.wait_for(first_pass_done, 60)
        for party in (jana, otto):
            url = f"{API}/customers/{setup.customer(party)}"
            version = helper.http.get(url, headers=lead).json()["version"]
            saved = helper.http.patch(
                url,
                json={"fields": {"email": f"desk-{party}@example.org"}},
                headers={**lead, "If-Match": f'"{version}"'},
            )
            assert saved.status_code == 200, saved.text
            _edit_email(tryton, db, party, f"erp-{party}@example.org")
        assert helper.http.post(f"{API}/connectors/erp/sync", headers=lead).status_code == 202
        helper.wait_for(lambda: len(_conflicts(helper, lead)) == 2, 60)
        yield setup
    finally:
        helper.http.close()
        server.stop()


def _conflicts(helper: BackendHelper, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = helper.http.get(f"{API}/connectors/erp/conflicts", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def test_a_team_lead_lists_every_customers_conflicts_page_by_page_an_agent_only_their_customers(
    two_conflicts: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    s, helper = two_conflicts, two_conflicts.helper
    lead = helper.login("lead")
    every = _conflicts(helper, lead)
    assert {(c["customer_id"], c["record"], c["field"]) for c in every} == {
        (s.customer(p), s.record(p), "email") for p in (s.jana, s.otto)
    }
    jana = next(c for c in every if c["customer_id"] == s.customer(s.jana))
    assert (jana["before"], jana["theirs"], jana["yours"]) == (
        "jana@example.org",
        f"erp-{s.jana}@example.org",
        f"desk-{s.jana}@example.org",
    )
    # Paged: one at a time, each page after the last row's (record, field), to the end.
    pages: list[dict[str, Any]] = []
    after: dict[str, str] = {}
    while page := _conflicts(helper, lead, limit=1, **after):
        assert len(page) == 1
        pages += page
        after = {"after_record": page[0]["record"], "after_field": page[0]["field"]}
    assert pages == every
    too_many = helper.http.get(f"{API}/connectors/erp/conflicts?limit=100000", headers=lead)
    assert too_many.status_code == 400  # bounded

    # An agent: not every customer's, and not a customer of no conversation of theirs.
    agent = helper.login("demo")
    refused = helper.http.get(f"{API}/connectors/erp/conflicts", headers=agent)
    assert refused.status_code == 403
    other = helper.http.get(
        f"{API}/connectors/erp/conflicts", params={"customer_id": s.customer(s.otto)}, headers=agent
    )
    assert other.status_code == 403
    agent, _chat, _conv = helper.accepted_chat("demo", s.customer(s.jana))
    assert _conflicts(helper, agent, customer_id=s.customer(s.jana)) == [jana]
    # Where the customer's fields come from: Tryton's party has no company (the desk's own).
    (source,) = helper.http.get(f"{API}/customers/{s.customer(s.jana)}/sources", headers=agent).json()
    assert source["fields"] == ["email", "language", "name", "phone"]

    # The command reads the same from the database (the backend need not run).
    s.server.stop()
    assert server_main.main(["connectors", "conflicts", "erp", "--data-dir", str(s.data)]) == 0
    out = capsys.readouterr().out
    assert s.record(s.jana) in out and s.record(s.otto) in out and f"erp-{s.otto}@example.org" in out
    assert (
        server_main.main(["connectors", "conflicts", "erp", "--data-dir", str(s.data), "--limit", "1"]) == 0
    )
    out = capsys.readouterr().out
    assert pages[0]["record"] in out and pages[1]["record"] not in out and "--limit N for more" in out
    assert server_main.main(["connectors", "conflicts", "crm", "--data-dir", str(s.data)]) == 0
    assert "No open conflicts of connector 'crm'" in capsys.readouterr().out


def test_a_retried_decision_gets_the_first_answer_again(two_conflicts: Setup) -> None:
    s, helper = two_conflicts, two_conflicts.helper
    lead = helper.login("lead")
    url = f"{API}/connectors/erp/conflicts/resolve"
    body = {"record": s.record(s.jana), "field": "email", "keep": "theirs"}
    key = {**lead, "Idempotency-Key": "resolve-jana-email-1"}
    first = helper.http.post(url, json=body, headers=key)
    assert first.status_code == 200, first.text
    assert first.json() == {"resolved": True, "keep": "theirs"}
    # The answer was lost on the way, the desk's outbox sends it again: the same answer, not 404.
    again = helper.http.post(url, json=body, headers=key)
    assert (again.status_code, again.json()) == (200, first.json())
    customer = helper.http.get(f"{API}/customers/{s.customer(s.jana)}", headers=lead).json()
    assert customer["email"] == f"erp-{s.jana}@example.org"  # decided once: the upstream value
    # The same key for another decision is refused; a decision without a key is not repeated.
    other = {"record": s.record(s.otto), "field": "email", "keep": "yours"}
    reused = helper.http.post(url, json=other, headers=key)
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert helper.http.post(url, json=body, headers=lead).status_code == 404
    short = helper.http.post(url, json=other, headers={**lead, "Idempotency-Key": "short"})
    assert short.status_code == 400
    # Otto's conflict is untouched by all of that.
    assert [c["record"] for c in _conflicts(helper, lead)] == [s.record(s.otto)]


def test_company_stays_the_desks_own_tryton_has_none(tryton: TrytonServer, tmp_path: Path) -> None:
    """A party has no company: the link owns name, language, e-mail and phone; the company the
    desk keeps is neither listed as Tryton's nor ever a conflict, whatever the party does."""
    db = tryton.take()
    jana = seed(tryton, db, lambda s: s.party("Jana Kowalski", email="jana@example.org"), setup=True)
    backend = backend_on(tmp_path / "b.sqlite")
    sync = sync_for(backend, tryton, db)
    run(sync.sync_once())
    customer_id, record = f"erp-party-{jana}", f"party.party,{jana}"
    owned = {"name", "language", "email", "phone"}
    with Session(backend.engine) as s:
        link = s.get(ConnectorLinkRow, ("erp", record))
        assert link is not None and set(link.fields) == owned
        # A link stored by the version that listed the company as Tryton's.
        link.fields = {**link.fields, "company": None}
        s.commit()
    CustomerRecords(backend).update_customer(LEAD, customer_id, 1, {"company": "Kowalski GmbH"})

    async def rename(s: TrytonSeed) -> None:
        await s.rpc.model("party.party", "write", [jana], {"name": "Jana Kowalska"})

    seed(tryton, db, rename, setup=False)  # the party changes: read again

    counts = run(sync.sync_once())
    assert counts.conflicts == 0 and counts.customers == 1
    customer = backend.get_customer(LEAD, customer_id)
    assert (customer.company, customer.name) == ("Kowalski GmbH", "Jana Kowalska")
    with Session(backend.engine) as s:
        link = s.get(ConnectorLinkRow, ("erp", record))
        assert link is not None and set(link.fields) == owned  # the old entry dropped


def test_the_document_names_the_resolve_routes_idempotency_key_and_the_lists_bounds(tmp_path: Path) -> None:
    from workstation.server.runner import build

    _backend, app, _sim = build(ServerOptions(data_dir=tmp_path, db_url="sqlite://", simulator=None))
    paths = app.openapi()["paths"]
    resolve = paths["/api/v1/connectors/{name}/conflicts/resolve"]["post"]
    (key,) = [p for p in resolve["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and not key.get("required")
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (8, 128)
    assert "422" in resolve["responses"]  # a key used before for another decision
    listing = {p["name"]: p for p in paths["/api/v1/connectors/{name}/conflicts"]["get"]["parameters"]}
    assert not listing["customer_id"].get("required")
    assert listing["limit"]["schema"]["maximum"] == 500
