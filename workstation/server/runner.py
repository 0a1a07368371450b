"""Building and running the reference backend: standalone, or embedded in a background thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from workstation.demo.day_simulator import DayConfig, DaySimulator
from workstation.demo.shop import ShopLimits, shop_router
from workstation.demo.simulator import (
    Simulator,
    SimulatorConfig,
    seed_customers,
    seed_users,
)
from workstation.server.api import create_app
from workstation.server.backend import Backend, BackendConfig
from workstation.server.channels.hub import ChannelHub, channel_routes, is_channel
from workstation.server.connectors.api import connector_routes
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.connectors.hub import ConnectorHub
from workstation.server.customer_api import MAX_INGEST_BYTES
from workstation.server.db import make_engine
from workstation.server.fanout import startup_lock
from workstation.server.http_limits import (
    BODY_TIMEOUT_S,
    HEADER_TIMEOUT_S,
    KEEP_ALIVE_S,
    MAX_HEADER_BYTES,
    MIB,
    BodyLimitMiddleware,
    BodyLimits,
    RouteLimit,
    guarded_h11,
)
from workstation.server.login_guard import LoginPolicy
from workstation.server.writes_api import MAX_BATCH_WRITES

log = logging.getLogger(__name__)

DB_FILE = "backend.sqlite3"

#: Most bytes one write of POST /writes can take: a 10,000-character text at 4 bytes a character
#: in UTF-8, plus its key, op and JSON framing.
_WRITE_BYTES = 4 * 10_000 + 2048


def default_body_limits() -> BodyLimits:
    """1 MiB for any body, except the two batch endpoints, sized to their largest valid batch."""
    return BodyLimits(
        routes={
            ("POST", "/api/v1/events"): RouteLimit(MAX_INGEST_BYTES, 4 * BODY_TIMEOUT_S),
            ("POST", "/api/v1/writes"): RouteLimit(
                -(-MAX_BATCH_WRITES * _WRITE_BYTES // MIB) * MIB, 4 * BODY_TIMEOUT_S
            ),
        }
    )


@dataclass(slots=True)
class ServerOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    db_url: str | None = None
    backend: BackendConfig = field(default_factory=BackendConfig)
    #: None: no demo customers and no simulated chats (an empty backend).
    simulator: SimulatorConfig | None = field(default_factory=SimulatorConfig)
    #: A contact-centre day (simulated agents, waves, bursts, abandons) instead of the occasional chat.
    day: DayConfig | None = None
    #: Demo mode: the demo users (with `demo_password`), the demo shop under /shop, and the simulator
    #: if one is configured. The desktop's embedded backend and the tests run in it; the standalone
    #: server only with --demo. Off: no demo users, no /shop routes, no simulator.
    demo: bool = True
    demo_password: str = "demo"
    login: LoginPolicy = field(default_factory=LoginPolicy)
    shop: ShopLimits = field(default_factory=ShopLimits)
    body_limits: BodyLimits = field(default_factory=default_body_limits)
    header_timeout_s: float = HEADER_TIMEOUT_S
    #: PEM certificate (chain) and key: serve https/wss instead of http/ws.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Upstream systems to import from and write back to (`[connectors.NAME]` of --config).
    connectors: list[ConnectorConfig] = field(default_factory=list)


def build(options: ServerOptions) -> tuple[Backend, FastAPI, Simulator | None]:
    """The backend over its database, its ASGI app, and the simulator if one is configured."""
    options.data_dir.mkdir(parents=True, exist_ok=True)
    url = options.db_url or f"sqlite:///{options.data_dir / DB_FILE}"
    engine = make_engine(url)
    # Processes starting together on one PostgreSQL database set up shared rows one at a time.
    with startup_lock(engine):
        backend = Backend(engine, options.backend)
        if options.demo:
            seed_users(backend, options.demo_password)
        if options.demo and options.simulator is not None:
            customers = max(options.simulator.customers, options.day.customers if options.day else 0)
            seed_customers(backend, _rng(options.simulator.seed), customers)
    simulator = None
    background: list[Callable[[], Any]] = []
    if options.demo and options.simulator is not None:
        if options.day is not None:
            simulator = Simulator(backend, replace(options.simulator, max_open_chats=10_000))
            background.append(DaySimulator(backend, simulator, options.day).run)
        else:
            simulator = Simulator(backend, options.simulator)
            background.append(simulator.run)
    hub = ConnectorHub(backend, [c for c in options.connectors if not is_channel(c)])
    background.append(hub.run)
    # Chat platforms as channels (channels/hub.py): [connectors.NAME] tables of a channel type.
    channels = ChannelHub(backend, [c for c in options.connectors if is_channel(c)])
    background.append(channels.run)
    app = create_app(
        backend,
        background=background,
        login=options.login,
        # The demo shop signs anyone in as any customer: demo mode only, never on a real backend.
        routers=[shop_router(backend, options.shop)] if options.demo else (),
    )
    app.state.connectors = hub
    app.include_router(connector_routes(backend, hub))
    app.state.channels = channels
    if channels.channels or channels.routers or channels.broken:
        app.include_router(channel_routes(backend, channels))
    app.add_middleware(BodyLimitMiddleware, limits=options.body_limits)
    return backend, app, simulator


def _rng(seed: int | None) -> Any:
    import random

    return random.Random(seed)


def bind_socket(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every response waits out the peer's 40 ms delayed ACK (Nagle).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def uvicorn_config(
    app: FastAPI,
    *,
    log_level: str = "warning",
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    header_timeout_s: float = HEADER_TIMEOUT_S,
) -> uvicorn.Config:
    # The sans-I/O websockets protocol: the legacy one is deprecated in websockets >= 14.
    # h11 (not httptools) with a deadline for request heads: slow clients are closed, not kept.
    return uvicorn.Config(
        app,
        log_level=log_level,
        ws="websockets-sansio",
        http=guarded_h11(header_timeout_s),
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        lifespan="on",
        access_log=False,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )


class ServerThread:
    """The backend on its own thread and event loop, so it never competes with the GUI loop."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.backend: Backend | None = None
        self.simulator: Simulator | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self.port = options.port

    @property
    def url(self) -> str:
        host = self.options.host
        scheme = "https" if self.options.tls_cert else "http"
        return f"{scheme}://[{host}]:{self.port}" if ":" in host else f"{scheme}://{host}:{self.port}"

    def start(self, timeout: float = 30.0) -> str:
        self.backend, app, self.simulator = build(self.options)
        sock = bind_socket(self.options.host, self.options.port)
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn_config(
                app,
                tls_cert=self.options.tls_cert,
                tls_key=self.options.tls_key,
                header_timeout_s=self.options.header_timeout_s,
            )
        )
        ready = threading.Event()

        def run() -> None:
            # A plain asyncio loop, explicitly: the GUI thread's qasync policy would hand out a Qt loop.
            loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock, ready))
            except BaseException as exc:
                self._error = exc
                log.exception("embedded backend stopped with an error")
            finally:
                ready.set()
                loop.close()

        self._thread = threading.Thread(target=run, name="backend", daemon=True)
        self._thread.start()
        ready.wait(timeout)
        if self._error is not None or not (self._server and self._server.started):
            raise RuntimeError(f"the embedded backend did not start: {self._error!r}")
        return self.url

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        assert self._server is not None
        server_task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started and not server_task.done():
            await asyncio.sleep(0.01)
        ready.set()
        await server_task

    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run `fn` on the backend's loop (its state is single-threaded) and return its result."""
        assert self._loop is not None

        async def wrapper() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout / 2)
            if self._thread.is_alive() and self._server is not None:
                # Still waiting for open connections (a stream nobody closed): close them now.
                self._server.force_exit = True
                self._thread.join(timeout / 2)
        if self.backend is not None:
            dispose_when_idle(self.backend.engine)


#: How long `dispose_when_idle` waits for worker threads to hand their connections back.
IDLE_WAIT_S = 5.0


def dispose_when_idle(engine: Engine, wait_s: float = IDLE_WAIT_S) -> None:
    """Close the engine's connections once none is checked out.

    A connection a worker thread (a request's sync dependency, a password check) still holds when
    the pool is disposed goes back later into the discarded pool, and one taken after the dispose
    into its fresh replacement: neither pool is ever disposed again, and the connection is only
    collected by the garbage collector, unclosed (psycopg then warns from its __del__, in whatever
    test runs at that moment). So wait for them, briefly, then dispose."""
    deadline = time.monotonic() + wait_s
    checkedout = getattr(engine.pool, "checkedout", lambda: 0)
    while checkedout() and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.dispose()
