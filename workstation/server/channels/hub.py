"""The configured outside channels of one backend (`[connectors.NAME]` tables whose type is a
channel, e.g. `type = "chatwoot"`), built from their configuration and run side by side, and their
HTTP routes: the webhook a platform pushes to, and status and "sync now" for team leads.

A channel that cannot start (secret missing, option wrong) is reported with the reason; the others
and the rest of the backend run on."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

import asyncio
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from workstation.server import router_lease
from workstation.server.api_common import API, callers
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.channels import chatwoot_channel, taskrouter_mode
from workstation.server.channels.chatwoot import ChatwootClient
from workstation.server.channels.chatwoot_channel import ChatwootChannel, ChatwootSettings
from workstation.server.channels.taskrouter import TaskRouterClient
from workstation.server.channels.taskrouter_mode import TaskRouterMode, TaskRouterSettings
from workstation.server.connectors.config import ConfigError, ConnectorConfig

log = logging.getLogger(__name__)

#: `[connectors.NAME]` types that are channels (run here, not by the connector hub).
CHANNEL_TYPES = (chatwoot_channel.TYPE, taskrouter_mode.TYPE)
#: pg_try_advisory_lock key of the channels' loops ('wsch'): on PostgreSQL with several backend
#: processes one of them polls and sends (two senders could both find a reply missing in Chatwoot
#: at the same moment and post it twice); on SQLite there is one process anyway.
CHANNEL_LOCK = 0x77736368
#: Largest webhook body read (Chatwoot's events are a few KB; the body limit of the app applies too).
MAX_WEBHOOK_BYTES = 256 * 1024


def is_channel(config: ConnectorConfig) -> bool:
    return config.type in CHANNEL_TYPES


class ChannelHub:
    def __init__(self, backend: Backend, configs: list[ConnectorConfig]) -> None:
        self.backend = backend
        self.channels: dict[str, ChatwootChannel] = {}
        #: An external router (at most one: two would both offer the same chats).
        self.routers: dict[str, TaskRouterMode] = {}
        self.broken: dict[str, str] = {}
        for config in configs:
            try:
                if config.type == taskrouter_mode.TYPE:
                    self._add_router(config)
                    continue
                settings = ChatwootSettings.from_config(config)
                client = ChatwootClient(config.url, settings.account_id, config.password())
                secret = chatwoot_channel.webhook_secret(config)
            except ConfigError as exc:
                log.error("channel %s not started: %s", config.name, exc)
                self.broken[config.name] = str(exc)
                continue
            self.channels[config.name] = ChatwootChannel(backend, settings, client, secret=secret)

    def _add_router(self, config: ConnectorConfig) -> None:
        if self.routers:
            raise ConfigError(f"[connectors.{config.name}]: one external router at a time")
        settings = TaskRouterSettings.from_config(config)
        client = TaskRouterClient(config.url, settings.workspace_sid, settings.account_sid, config.password())
        self.routers[config.name] = TaskRouterMode(self.backend, settings, client)

    async def run(self) -> None:
        if not self.channels and not self.routers:
            return
        try:
            await router_lease.run_exclusive(self.backend.engine, self._run_all, lock=CHANNEL_LOCK)
        finally:
            for channel in self.channels.values():
                await channel.close()
            for router in self.routers.values():
                await router.close()

    async def _run_all(self) -> None:
        loops = [c.run() for c in self.channels.values()] + [r.run() for r in self.routers.values()]
        await asyncio.gather(*loops)

    def status(self) -> list[dict[str, Any]]:
        rows = [channel.status() for channel in self.channels.values()]
        rows += [router.status() for router in self.routers.values()]
        rows += [{"name": name, "running": False, "last_error": why} for name, why in self.broken.items()]
        return sorted(rows, key=lambda r: str(r["name"]))


def channel_routes(backend: Backend, hub: ChannelHub) -> APIRouter:
    router = APIRouter(prefix=API)

    who = callers(backend)
    Lead = Annotated[Principal, Depends(who.lead)]

    def channel_of(name: str) -> ChatwootChannel:
        channel = hub.channels.get(name)
        if channel is None:
            raise BackendError(404, "not_found", f"No running channel {name!r}.")
        return channel

    @router.get("/channels")
    async def status(p: Lead) -> list[dict[str, Any]]:
        # On a worker thread: the counts are queries, and their units of work take the state
        # lock, which the writer thread holds for a whole operation (writer_thread.py).
        return await asyncio.to_thread(hub.status)

    @router.post("/channels/{name}/sync", status_code=202)
    async def sync_now(p: Lead, name: str) -> dict[str, Any]:
        channel_of(name).sync_now()
        return {"name": name, "queued": True}

    @router.post("/channels/{name}/webhook", status_code=202)
    async def webhook(
        request: Request,
        name: str,
        token: Annotated[str | None, Query(max_length=256)] = None,
        x_webhook_token: Annotated[str | None, Header(max_length=256)] = None,
    ) -> JSONResponse:
        """Chatwoot's push: the spec defines no signature for webhook deliveries, so the shared
        secret is the protection (in the URL as ?token=, or an X-Webhook-Token header)."""
        channel = hub.channels.get(name)
        if channel is None or not channel.accepts_webhooks:
            raise BackendError(404, "not_found", f"No channel {name!r} taking webhooks.")
        if not channel.token_ok(x_webhook_token or token):
            raise BackendError(403, "forbidden", "Wrong or missing webhook token.")
        raw = await request.body()
        if len(raw) > MAX_WEBHOOK_BYTES:
            raise BackendError(
                413, "too_large", f"A webhook body may have at most {MAX_WEBHOOK_BYTES} bytes."
            )
        try:
            queued = channel.webhook(json.loads(raw))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackendError(400, "bad_request", f"Not a Chatwoot event: {str(exc)[:200]}") from exc
        return JSONResponse({"queued": queued}, status_code=202)

    return router
