"""The desk in front of a real Tryton: which system owns a field, and a conflict between the desk and
Tryton decided by the agent in the before/theirs/yours dialog, against the real backend and trytond."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk, close_desk, open_desk
from tests.server.connectors.conftest import tryton, tryton_template
from tests.server.connectors.helpers import seed
from tests.server.connectors.tryton_server import ADMIN_PASSWORD, TrytonSeed, TrytonServer
from tests.ui.test_desktop import _accept_next, _go_available
from workstation.server.backend import BackendConfig
from workstation.server.connectors.config import parse
from workstation.server.runner import ServerOptions, ServerThread

__all__ = ["tryton", "tryton_template"]  # the session's trytond, shared with the connector tests

pytestmark = [pytest.mark.gui, pytest.mark.connectors]

API = "/api/v1"
WEB_URL = "https://erp.example.org"
T = TypeVar("T")


def _seed(server: TrytonServer, db: str, work: Callable[[TrytonSeed], Awaitable[T]], *, setup: bool) -> T:
    # On a thread of its own: asyncio.run on this thread would unset the desk's event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(seed, server, db, work, setup=setup).result()


def _edit_party(server: TrytonServer, db: str, party: int, kind: str, value: str) -> None:
    async def edit(s: TrytonSeed) -> None:
        mech = await s.rpc.search_read(
            "party.contact_mechanism", [["party", "=", party], ["type", "=", kind]], []
        )
        await s.rpc.model("party.contact_mechanism", "write", [mech[0]["id"]], {"value": value})

    _seed(server, db, edit, setup=False)


def _party_email(server: TrytonServer, db: str, party: int) -> str:
    async def read(s: TrytonSeed) -> str:
        rows = await s.rpc.search_read("party.party", [["id", "=", party]], ["email"])
        return str(rows[0]["email"])

    return _seed(server, db, read, setup=False)


@pytest.fixture
def erp(
    tryton: TrytonServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Backend, str, int]]:
    """A backend with a Tryton connector that has imported one party: (helper, Tryton db, party id)."""
    db = tryton.take()

    async def jana(s: TrytonSeed) -> int:
        return await s.party("Jana Kowalski", email="jana@example.org", phone="+49 30 1234567")

    party = _seed(tryton, db, jana, setup=True)
    monkeypatch.setenv("ERP_TEST_PASSWORD", ADMIN_PASSWORD)
    table = f"""[connectors.erp]
type = "tryton"
url = "{tryton.url}"
database = "{db}"
login = "admin"
password_env = "ERP_TEST_PASSWORD"
web_url = "{WEB_URL}"
poll_interval_s = 600.0
"""
    config = parse("erp", tomllib.loads(table)["connectors"]["erp"])
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "backend",
            simulator=None,
            connectors=[config],
            backend=BackendConfig(offer_timeout_s=30, reoffer_cooldown_s=60, router_tick_s=0.05),
        )
    )
    server.start()
    helper = Backend(server)
    try:
        lead = helper.login("lead")
        customer = f"/customers/erp-party-{party}"
        helper.wait_for(lambda: helper.http.get(API + customer, headers=lead).status_code == 200, timeout=60)
        yield helper, db, party
    finally:
        helper.http.close()
        server.stop()


@pytest.fixture
def erp_desk(
    aloop: asyncio.AbstractEventLoop, erp: tuple[Backend, str, int], tmp_path: Path
) -> Iterator[Desk]:
    d = open_desk(aloop, tmp_path / "desk", erp[0].url)
    try:
        yield d
    finally:
        close_desk(d)


def _desk_edit_then_tryton_edit(
    backend: Backend, tryton: TrytonServer, db: str, party: int, kind: str, desk_value: str, erp_value: str
) -> None:
    """The same field changed in Tryton and in the desk (a team lead's save) before the two met, then
    a sync pass. Tryton's edit comes first: the other way round, the desk's write-back can reach
    Tryton before the edit does (it did on a loaded CI machine), and then there is nothing to decide."""
    lead = backend.login("lead")
    customer = f"{API}/customers/erp-party-{party}"
    version = backend.http.get(customer, headers=lead).json()["version"]
    _edit_party(tryton, db, party, kind, erp_value)
    saved = backend.http.patch(
        customer, json={"fields": {kind: desk_value}}, headers={**lead, "If-Match": f'"{version}"'}
    )
    assert saved.status_code == 200, saved.text
    assert backend.http.post(f"{API}/connectors/erp/sync", headers=lead).status_code == 202


def _open_conflict_dialog(desk: Desk) -> Any:
    QTest.mouseClick(desk.window.conflicts_button, Qt.MouseButton.LeftButton)
    edits = desk.controller.record_edits
    desk.wait_until(lambda: edits.conflict_dialog is not None and edits.conflict_dialog.isVisible())
    return edits.conflict_dialog


def _open_conflicts(backend: Backend, party: int) -> list[dict[str, Any]]:
    url = f"{API}/connectors/erp/conflicts?customer_id=erp-party-{party}"
    return list(backend.http.get(url, headers=backend.login("lead")).json())


def test_conflict_made_while_away_is_fetched_when_the_customer_opens_and_yours_goes_to_tryton(
    erp_desk: Desk, erp: tuple[Backend, str, int], tryton: TrytonServer, tmp_path: Path
) -> None:
    desk = erp_desk
    backend, db, party = erp
    # Nobody holds the customer yet: the conflict is pushed to team leads only.
    _desk_edit_then_tryton_edit(backend, tryton, db, party, "email", "desk@example.org", "erp@example.org")
    backend.wait_for(lambda: _open_conflicts(backend, party), timeout=60)
    assert not desk.window.conflicts_button.isVisible()

    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend, f"erp-party-{party}", "Hallo")
    view = desk.window.views[conv_id]
    header = view.customer_header
    # Which system owns which field, and the link to the party in Tryton's web client.
    desk.wait_until(lambda: "E-mail · Tryton: desk@example.org" in header.contact_label.text(), timeout=15)
    assert "Phone · Tryton" in header.contact_label.text()
    # A Tryton party has no company: the desk's own field, not labelled as Tryton's.
    assert (
        "Company: " in header.contact_label.text() and "Company · Tryton" not in header.contact_label.text()
    )
    assert header.sources_label.isVisible() and "Open in Tryton" in header.sources_label.text()
    assert f'href="{WEB_URL}/#{db}/model/party.party/{party}"' in header.sources_label.text()
    # The conflict was fetched when the customer opened: counted with the desk's own.
    desk.wait_until(lambda: desk.window.conflicts_button.isVisible(), timeout=15)
    assert "1 change" in desk.window.conflicts_button.text()

    dialog = _open_conflict_dialog(desk)
    assert "Tryton" in dialog.windowTitle()
    (field,) = dialog.conflict.fields
    assert (field.name, field.base, field.theirs, field.mine) == (
        "email",
        "jana@example.org",
        "erp@example.org",
        "desk@example.org",
    )
    dialog.grab().save(str(tmp_path / "connector-conflict.png"))
    dialog.choose("email", "mine")
    QTest.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: not desk.window.conflicts_button.isVisible(), timeout=15)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0, timeout=15)
    assert _open_conflicts(backend, party) == []
    # Keeping the desk's value writes it to the party on the next pass, once.
    lead = backend.login("lead")
    assert backend.http.post(f"{API}/connectors/erp/sync", headers=lead).status_code == 202
    backend.wait_for(lambda: _party_email(tryton, db, party) == "desk@example.org", timeout=60)


def test_pushed_conflict_on_an_open_customer_keeps_theirs_in_the_desk(
    erp_desk: Desk, erp: tuple[Backend, str, int], tryton: TrytonServer
) -> None:
    desk = erp_desk
    backend, db, party = erp
    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend, f"erp-party-{party}", "Hallo")
    header = desk.window.views[conv_id].customer_header
    desk.wait_until(lambda: "Phone · Tryton" in header.contact_label.text(), timeout=15)

    _desk_edit_then_tryton_edit(backend, tryton, db, party, "phone", "+49 30 999", "+49 30 555")
    desk.wait_until(lambda: desk.window.conflicts_button.isVisible(), timeout=60)
    dialog = _open_conflict_dialog(desk)
    (field,) = dialog.conflict.fields
    assert (field.theirs, field.mine) == ("+49 30 555", "+49 30 999")
    dialog.choose("phone", "theirs")
    QTest.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: not desk.window.conflicts_button.isVisible(), timeout=15)
    # Tryton's value comes back into the desk (customer.updated), nothing is written to Tryton.
    desk.wait_until(lambda: "Phone · Tryton: +49 30 555" in header.contact_label.text(), timeout=30)
    assert _open_conflicts(backend, party) == []
