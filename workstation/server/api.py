"""The reference backend's HTTP API (REST under /api/v1) and its WebSocket event stream."""

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from workstation import __version__
from workstation.server.api_common import callers
from workstation.server.audit import audit_router
from workstation.server.auth_api import auth_routes
from workstation.server.backend import Backend, BackendError, error_body
from workstation.server.cobrowse import cobrowse_router
from workstation.server.customer_api import customer_routes
from workstation.server.customer_chat_api import customer_chat_routes
from workstation.server.desk_api import desk_routes
from workstation.server.log_redaction import install_log_redaction
from workstation.server.login_guard import LoginGuard, LoginPolicy
from workstation.server.monitor_api import monitor_routes
from workstation.server.openapi_doc import install as install_openapi
from workstation.server.queue_stats import MonitorConfig, QueueMonitor
from workstation.server.reader_threads import ReaderThreads
from workstation.server.records import CustomerRecords
from workstation.server.routing_api import routing_routes
from workstation.server.stream_api import stream_router
from workstation.server.voice import voice_router
from workstation.server.writes_api import AgentWrites, writes_routes

log = logging.getLogger(__name__)


def create_app(
    backend: Backend,
    *,
    background: list[Callable[[], Any]] | None = None,
    login: LoginPolicy | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The ASGI app around `backend`; `background` coroutines (router, simulator) run with it.

    `routers`: more routes from outside the backend (the demo shop under /shop in demo mode: the
    backend itself never imports the demo package)."""

    # Before uvicorn configures its loggers (their filters survive that): no token in any log.
    install_log_redaction()
    config = backend.config
    # One set of reader threads for every router's pure reads (and the monitor's statistics pass):
    # their bound holds for all of them.
    reads = ReaderThreads()
    monitor = QueueMonitor(
        backend, MonitorConfig(window_s=config.stats_window_s, interval_s=config.stats_interval_s), reads
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(backend.run_router(), name="router")]
        tasks.append(asyncio.create_task(backend.fanout.run(), name="event-fanout"))
        tasks.append(asyncio.create_task(monitor.run(), name="queue-monitor"))
        tasks.append(asyncio.create_task(backend.run_revocation_sweep(), name="revocation-sweep"))
        tasks += [asyncio.create_task(factory(), name="background") for factory in background or []]
        try:
            yield
        finally:
            backend.hub.close_all()
            monitor.close_all()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            backend.writer.close()  # the write under way (if any) finishes and commits

    app = FastAPI(title="Workstation reference backend", version=__version__, lifespan=lifespan)
    app.state.monitor = monitor
    install_openapi(app)
    app.include_router(monitor_routes(backend, monitor))

    @app.exception_handler(BackendError)
    async def _backend_error(_request: Request, exc: BackendError) -> JSONResponse:
        headers = {"Retry-After": str(math.ceil(exc.retry_after))} if exc.retry_after is not None else None
        return JSONResponse(error_body(exc), status_code=exc.status, headers=headers)

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database went away (restarted, failed over, the network): a 503 says "try again"
        # (a write again with its idempotency key), where the 500 and its traceback did not.
        # One line, bounded: the driver's message names the server, not the credentials.
        reason = (str(exc.orig or exc).splitlines() or [""])[0][:200]
        log.warning("%s %s: the database is unavailable: %s", request.method, request.url.path, reason)
        body = {
            "error": {"code": "database_unavailable", "message": "The database is unavailable; try again."}
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        body = {"error": {"code": "bad_request", "message": "The request is malformed.", "details": problems}}
        return JSONResponse(body, status_code=400)

    who = callers(backend)
    records = CustomerRecords(backend)
    writes = AgentWrites(backend, records)
    app.include_router(auth_routes(backend, who, LoginGuard(backend, login), reads))
    app.include_router(desk_routes(backend, writes, reads, who))
    app.include_router(customer_routes(backend, records, writes, reads, who))
    app.include_router(writes_routes(backend, writes, who))
    app.include_router(routing_routes(backend, reads, who))
    app.include_router(customer_chat_routes(backend, reads, who))
    app.include_router(cobrowse_router(backend))
    for extra in routers:
        app.include_router(extra)
    app.include_router(audit_router(backend))
    app.include_router(voice_router(backend))

    # --- the push stream -------------------------------------------------------------------------

    app.include_router(stream_router(backend))

    return app
