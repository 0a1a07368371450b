"""All configured connectors of one backend: built from their configuration, run side by side.

A connector that cannot start (its secret is missing, its type unknown) is reported as down with
the reason; the others and the rest of the backend run on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from workstation.domain.models import utcnow
from workstation.server.backend import Backend
from workstation.server.connectors.base import Connector
from workstation.server.connectors.config import ConfigError, ConnectorConfig
from workstation.server.connectors.sync import ConnectorSync, connector_status
from workstation.server.db import ConnectorStateRow

log = logging.getLogger(__name__)

TYPES = ("tryton", "rt")


def make_connector(config: ConnectorConfig, backend: Backend) -> Connector:
    if config.type == "tryton":
        from workstation.server.connectors.tryton import TrytonConnector

        return TrytonConnector(config, config.password())
    if config.type == "rt":
        from workstation.server.connectors.rt import RTConnector, backend_lookup

        return RTConnector(config, config.password(), backend_lookup(backend))
    raise ConfigError(f"[connectors.{config.name}]: unknown type {config.type!r} (known: {', '.join(TYPES)})")


class ConnectorHub:
    def __init__(self, backend: Backend, configs: list[ConnectorConfig]) -> None:
        self.backend = backend
        self.syncs: dict[str, ConnectorSync] = {}
        self.broken: dict[str, str] = {}
        for config in configs:
            try:
                connector = make_connector(config, backend)
            except (ConfigError, ValueError) as exc:
                log.error("connector %s not started: %s", config.name, exc)
                self.broken[config.name] = str(exc)
                self._record_broken(config.name, str(exc))
                continue
            retry = config.options
            self.syncs[config.name] = ConnectorSync(
                backend,
                connector,
                poll_interval_s=config.poll_interval_s,
                retry_base_s=float(retry.get("retry_base_s", 1.0)),
                retry_max_s=float(retry.get("retry_max_s", 300.0)),
            )

    def _record_broken(self, name: str, reason: str) -> None:
        with self.backend.unit_of_work() as uow:
            state = uow.db.get(ConnectorStateRow, name)
            if state is None:
                state = ConnectorStateRow(name=name, checkpoint={})
                uow.db.add(state)
            state.last_error, state.last_error_at = reason[:500], utcnow()

    async def run(self) -> None:
        if not self.syncs:
            return
        await asyncio.gather(*(sync.run() for sync in self.syncs.values()))

    def status(self) -> list[dict[str, Any]]:
        rows = [sync.status() for sync in self.syncs.values()]
        rows += [connector_status(self.backend.engine, name) | {"running": False} for name in self.broken]
        return sorted(rows, key=lambda r: str(r["name"]))
