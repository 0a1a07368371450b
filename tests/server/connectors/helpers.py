"""Helpers for the connector tests: a backend on a SQLite file, a Tryton connector, seeding."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.server.connectors.tryton_server import ADMIN_PASSWORD, TrytonSeed, TrytonServer
from workstation.server.backend import Backend
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.connectors.sync import ConnectorSync
from workstation.server.connectors.tryton import TrytonConnector
from workstation.server.connectors.tryton_rpc import TrytonRPC
from workstation.server.db import CustomerEventRow, make_engine

T = TypeVar("T")


def backend_on(path: Path) -> Backend:
    return Backend(make_engine(f"sqlite:///{path}"))


def tryton_config(server: TrytonServer, db: str, **extra: Any) -> ConnectorConfig:
    return ConnectorConfig(
        name="erp",
        type="tryton",
        url=server.url,
        page_size=int(extra.pop("page_size", 500)),
        timeout_s=float(extra.pop("timeout_s", 30.0)),
        options={"database": db, "login": "admin", "web_url": "https://erp.example.invalid", **extra},
    )


def sync_for(backend: Backend, server: TrytonServer, db: str, **extra: Any) -> ConnectorSync:
    connector = TrytonConnector(tryton_config(server, db, **extra), ADMIN_PASSWORD)
    return ConnectorSync(backend, connector, poll_interval_s=0.05, retry_base_s=0.05, retry_max_s=0.2)


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def seed(server: TrytonServer, db: str, work: Callable[[TrytonSeed], Awaitable[T]], *, setup: bool) -> T:
    """Run `work` with a seeding session on Tryton database `db` (after the company setup if asked)."""

    async def main() -> T:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            seeder = TrytonSeed(TrytonRPC(http, db, "admin", ADMIN_PASSWORD))
            if setup:
                await seeder.setup()
            else:
                await seeder.reload()
            return await work(seeder)

    return asyncio.run(main())


def events_of(backend: Backend, customer_id: str | None = None) -> list[CustomerEventRow]:
    with Session(backend.engine) as db:
        query = select(CustomerEventRow).order_by(CustomerEventRow.at, CustomerEventRow.id)
        if customer_id:
            query = query.where(CustomerEventRow.customer_id == customer_id)
        rows = list(db.scalars(query))
        db.expunge_all()
        return rows
