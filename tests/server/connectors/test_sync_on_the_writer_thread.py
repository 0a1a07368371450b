"""A connector's sync pass does its database work on the backend's writer thread, never on the event
loop: a page held inside its transaction leaves the loop running (workstation/server/writer_thread.py).
The upstream is the local Tryton stand-in of test_upstream_garbage.py; the backend is real."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.server.connectors.helpers import backend_on, run
from tests.server.connectors.test_upstream_garbage import FakeTryton, _connector, _party, _sale
from workstation.server.connectors.sync import ConnectorSync, SyncCounts

#: Only a guard against a hang if the behaviour under test is broken; nothing is timed.
WAIT_S = 30.0
_WRITE = re.compile(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.IGNORECASE)


def _world() -> FakeTryton:
    return FakeTryton(
        {
            "party.party": [_party(1), _party(2), _party(3, name=None)],
            "sale.sale": [_sale(10, 1), _sale(11, 2)],
        }
    )


def test_every_table_write_of_an_import_runs_on_the_writer_thread(tmp_path: Path) -> None:
    backend = backend_on(tmp_path / "b.sqlite")
    sync = ConnectorSync(backend, _connector(_world()))
    writes: list[tuple[str, str]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        written = _WRITE.match(statement)
        if written:
            writes.append((written[1], threading.current_thread().name))

    event.listen(backend.engine, "before_cursor_execute", spy)
    try:
        counts = run(sync.sync_once())
    finally:
        event.remove(backend.engine, "before_cursor_execute", spy)
        backend.writer.close()
    # The nameless party: a dead letter of the page, read again (and still dead) in the same pass.
    assert counts.customers == 2 and counts.events == 2 and counts.dead == 2
    tables = {table for table, _thread in writes}
    assert {
        "customers",
        "connector_links",
        "customer_events",
        "connector_dead_letters",
        "connector_state",
    } <= tables
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_a_page_held_in_the_database_leaves_the_event_loop_running(tmp_path: Path) -> None:
    backend = backend_on(tmp_path / "b.sqlite")
    sync = ConnectorSync(backend, _connector(_world()))
    entered, release = threading.Event(), threading.Event()
    held_on: list[int] = []

    def hold_customer_insert(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CUSTOMERS"):
            held_on.append(threading.get_ident())
            entered.set()
            if threading.get_ident() != loop_thread:  # never block the loop itself: fail, not hang
                release.wait(WAIT_S)

    async def scenario() -> SyncCounts:
        task = asyncio.create_task(sync.sync_once())
        assert await asyncio.to_thread(entered.wait, WAIT_S), "the import never reached the database"
        # The page waits inside its transaction; the loop runs other coroutines meanwhile...
        other = await asyncio.wait_for(asyncio.to_thread(lambda: "answered"), WAIT_S)
        assert other == "answered"
        assert not task.done()  # ...and the import is still held, not finished on the loop
        release.set()
        return await task

    loop_thread = threading.get_ident()  # asyncio.run's loop runs on this thread
    event.listen(backend.engine, "before_cursor_execute", hold_customer_insert)
    try:
        counts = run(scenario())
    finally:
        release.set()
        event.remove(backend.engine, "before_cursor_execute", hold_customer_insert)
        backend.writer.close()
    assert counts.customers == 2
    assert held_on and loop_thread not in held_on
    assert backend.list_customer_ids() == ["erp-party-1", "erp-party-2"]
