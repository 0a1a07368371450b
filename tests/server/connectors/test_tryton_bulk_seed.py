"""The benchmark's bulk seeder (trytond's Python API) makes what the JSON-RPC seeder makes: the
connector imports both to the same customers and history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.server.connectors.helpers import backend_on, events_of, run, seed, sync_for
from tests.server.connectors.tryton_bulk import bulk_seed
from tests.server.connectors.tryton_server import TrytonSeed, TrytonServer
from workstation.server.db import CustomerRow

pytestmark = pytest.mark.connectors

PARTIES, SALES_EACH = 5, 4


def _imported(tryton: TrytonServer, db: str, tmp: Path) -> tuple[list[Any], list[Any]]:
    backend = backend_on(tmp / f"{db}.sqlite")
    counts = run(sync_for(backend, tryton, db).sync_once())
    assert counts.customers == PARTIES and counts.events == PARTIES * SALES_EACH

    def plain(data: dict[str, Any]) -> str:
        # The "open in Tryton" links name the database, the one difference there must be.
        return json.dumps(data, sort_keys=True).replace(f"#{db}/", "#DB/")

    with Session(backend.engine) as session:
        customers = [
            (c.id, c.name, c.language, plain(c.data))
            for c in session.scalars(select(CustomerRow).order_by(CustomerRow.id))
        ]
    # Everything but the import's own clock: `at` is the sale's date (today in both), the ids come
    # from Tryton's record ids, which both seeders take in the same order from the same template.
    events = sorted(
        (
            e.id,
            e.customer_id,
            e.at,
            e.channel,
            e.kind,
            e.summary,
            plain(e.data),
            e.phase,
            e.story,
            e.fingerprint,
        )
        for e in events_of(backend)
    )
    return customers, events


def test_bulk_seeder_imports_like_the_rpc_seeder(tryton: TrytonServer, tmp_path: Path) -> None:
    by_rpc, by_api = tryton.take(), tryton.take()

    async def rpc_volume(s: TrytonSeed) -> None:
        # The benchmark's RPC path: one call per chunk of parties, the prefix naming the chunk.
        await s.parties_with_sales(3, SALES_EACH, prefix="P0")
        await s.parties_with_sales(PARTIES - 3, SALES_EACH, prefix="P3")

    async def company_only(_s: TrytonSeed) -> None:
        return None

    seed(tryton, by_rpc, rpc_volume, setup=True)
    seed(tryton, by_api, company_only, setup=True)
    # 3 parties per transaction (12 sales): two transactions, as the RPC side makes two calls.
    bulk_seed(tryton, by_api, PARTIES, SALES_EACH, prefix="P", batch=3 * SALES_EACH)

    rpc_customers, rpc_events = _imported(tryton, by_rpc, tmp_path)
    api_customers, api_events = _imported(tryton, by_api, tmp_path)
    assert [c[1] for c in api_customers] == ["P0 0", "P0 1", "P0 2", "P3 0", "P3 1"]
    assert api_customers == rpc_customers
    assert {e[4] for e in api_events} == {"order_placed"}
    assert api_events == rpc_events
