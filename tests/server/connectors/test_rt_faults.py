"""Request Tracker misbehaving: HTML error pages, garbage JSON, 500s and timeouts (a fault-injecting
transport in front of a real RT), a deleted ticket, and RT killed in the middle of a sync."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.server.connectors.helpers import events_of, run
from tests.server.connectors.rt_server import RTServer
from tests.server.connectors.test_rt import ANN, closed_conversation, rt_sync, with_customers
from workstation.server.connectors.sync import connector_status, dead_letters
from workstation.server.connectors.tryton_rpc import UpstreamError

pytestmark = pytest.mark.connectors
WAIT_S = 180.0

#: Answers in RT's place (None: let this request through to RT).
Fault = Callable[[httpx.Request], httpx.Response | None]


class FaultyTransport(httpx.AsyncBaseTransport):
    """Passes requests to the real RT, except while `fault` is set: then it answers in RT's place."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.fault: Fault | None = None
        self.searches = 0
        self.on_search: Callable[[int], None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tickets"):
            self.searches += 1
            if self.on_search is not None:
                self.on_search(self.searches)
        answer = self.fault(request) if self.fault is not None else None
        if answer is not None:
            return answer
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("RT is slow", request=request)


FAULTS: list[tuple[Fault, str]] = [
    (lambda r: httpx.Response(502, html="<html><body><h1>502 Bad Gateway</h1>" + "x" * 9000), "HTTP 502"),
    (lambda r: httpx.Response(500, html="<html><h1>Internal Server Error</h1></html>"), "HTTP 500"),
    (lambda r: httpx.Response(200, html="<!DOCTYPE html><title>RT login</title>"), "not JSON"),
    (lambda r: httpx.Response(200, text='{"items": [{"id": "1", "LastUp'), "not JSON"),
    (lambda r: httpx.Response(200, json={"items": "garbage"}), "not a list of tickets"),
    (
        lambda r: httpx.Response(
            200, json={"items": [{"id": "x; DROP", "LastUpdated": "2026-12-01T00:00:00Z"}]}
        ),
        "without an id",
    ),
    (_timeout, "timed out"),
]


def test_bad_answers_are_clear_errors_that_lose_nothing(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    tickets = [rt.create_ticket("Billing", ANN, f"Question {i}") for i in range(3)]
    transport = FaultyTransport()
    sync = rt_sync(backend, rt, transport=transport)
    for fault, expected in FAULTS:
        transport.fault = fault
        with pytest.raises(UpstreamError) as caught:
            run(sync.sync_once())
        assert expected in caught.value.reason
        assert len(caught.value.reason) < 400  # an HTML page is quoted, not dumped
        assert events_of(backend) == [] and dead_letters(backend.engine, "desk-rt") == []
    transport.fault = None
    run(sync.sync_once())
    assert sorted(int(e.data["ticket_id"]) for e in events_of(backend, "ann")) == tickets
    assert dead_letters(backend.engine, "desk-rt") == []


def test_a_deleted_ticket_keeps_its_history_and_gets_no_write(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    imported = rt.create_ticket("Billing", ANN, "Invoice charged twice")
    unknown = rt.create_ticket("Billing", "ghost@example.org", "Spam")
    sync = rt_sync(backend, rt)
    run(sync.sync_once())
    assert [d["record"] for d in dead_letters(backend.engine, "desk-rt")] == [f"ticket/{unknown}"]
    rt.set_status(imported, "deleted")
    rt.set_status(unknown, "deleted")
    conv = closed_conversation(backend, "ann", "billing", "escalated")

    counts = run(sync.sync_once())
    assert counts.written == 1
    assert dead_letters(backend.engine, "desk-rt") == []  # gone upstream: nothing left to map
    assert [e.data["ticket_id"] for e in events_of(backend, "ann")] == [str(imported)]  # kept
    # The wrap-up did not go to the deleted ticket: an escalation opened a new one.
    assert rt.history_texts(imported, "Comment") == []
    (new,) = rt.tickets_of(ANN)
    assert new not in (imported, unknown) and conv in rt.history_texts(new, "Create")[0]


def test_rt_killed_mid_sync_catches_up_in_order_without_duplicates(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    tickets = [rt.create_ticket("Billing", ANN, f"Backlog {i}") for i in range(8)]
    transport = FaultyTransport()
    sync = rt_sync(backend, rt, page_size=2, timeout_s=5.0, transport=transport)

    def kill_on_third_page(searches: int) -> None:
        if searches == 3:
            rt.stop()  # after two pages were stored: RT is gone in the middle of the import

    transport.on_search = kill_on_third_page

    async def outage() -> dict[str, object]:
        task = asyncio.create_task(sync.run())
        try:
            while sync.failures < 3:
                await asyncio.sleep(0.02)
            down = connector_status(backend.engine, "desk-rt")
            stored_while_down = len(events_of(backend))
            transport.on_search = None
            await asyncio.to_thread(rt.start)
            while len(events_of(backend)) < len(tickets) or sync.failures:
                await asyncio.sleep(0.05)
            return {**down, "stored_while_down": stored_while_down}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    down = run(asyncio.wait_for(outage(), WAIT_S))
    assert down["state"] == "down" and down["last_error"]
    # Killed in the middle: some of the backlog was stored before, the rest after RT came back.
    assert 0 < int(str(down["stored_while_down"])) < len(tickets)
    assert connector_status(backend.engine, "desk-rt")["state"] == "up"
    with sqlite3.connect(tmp_path / "b.sqlite") as conn:
        stored = [
            json.loads(r[0])["ticket_id"]
            for r in conn.execute("SELECT data FROM customer_events ORDER BY rowid")
        ]
    assert stored == [str(t) for t in tickets]  # whole, once each, in RT's order


def test_a_failure_while_reading_tickets_is_one_clear_error(rt: RTServer, tmp_path: Path) -> None:
    backend = with_customers(tmp_path / "b.sqlite", ("ann", ANN))
    tickets = [rt.create_ticket("Billing", ANN, f"Question {i}") for i in range(6)]
    transport = FaultyTransport()
    sync = rt_sync(backend, rt, transport=transport)

    def history_breaks(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith(f"/ticket/{tickets[3]}/history"):
            return httpx.Response(503, html="<html><h1>Service Unavailable</h1></html>")
        return None

    transport.fault = history_breaks
    with pytest.raises(UpstreamError, match="HTTP 503"):
        run(sync.sync_once())
    assert events_of(backend) == []  # the page is stored whole or not at all
    transport.fault = None
    run(sync.sync_once())
    assert sorted(int(e.data["ticket_id"]) for e in events_of(backend)) == tickets
