"""The wiring of one desktop session: the embedded backend, the client side built for a backend,
and the window bound to it. The command line (`workstation.app`) and the self-tests call it."""

from __future__ import annotations

import asyncio
import gc
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from workstation.paths import Paths

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from workstation.client.api import BackendApi
    from workstation.client.events import Backoff
    from workstation.client.ws import WsClient
    from workstation.domain.redaction import Redactor
    from workstation.server.process import ServerProcess
    from workstation.services.cobrowse import CobrowseService
    from workstation.services.conversation import ConversationService
    from workstation.services.customer_context import CustomerContextService
    from workstation.services.inbox import InboxService
    from workstation.services.queue_monitor import QueueMonitorService
    from workstation.services.records import RecordsService
    from workstation.services.relevance import RelevanceService
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService
    from workstation.services.voice import VoiceService
    from workstation.store.cache import CacheStore
    from workstation.store.secrets import SecretStore
    from workstation.ui.desk_controller import DeskController
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier

DEMO_USER = "demo"
DEMO_TEAMLEAD = "lead"

#: What a session imports beyond the window (most of the start-up's import time: httpx, SQLAlchemy,
#: pydantic models, the services' QtCore classes). No widget modules: their import may create
#: GUI objects, which belong on the GUI thread.
SESSION_MODULES = (
    "workstation.client.api",
    "workstation.client.events",
    "workstation.client.tls",
    "workstation.store.cache",
    "workstation.store.secrets",
    "workstation.domain.relevance",
    "workstation.services.session",
    "workstation.services.sync",
    "workstation.services.inbox",
    "workstation.services.customer_context",
    "workstation.services.relevance",
    "workstation.services.cobrowse",
    "workstation.services.records",
    "workstation.services.conversation",
    "workstation.services.diagnostics",
)


def preload_session_modules() -> None:
    """Import SESSION_MODULES (on a worker thread, so that the window stays responsive meanwhile)."""
    import importlib

    for name in SESSION_MODULES:
        importlib.import_module(name)


class EmbeddedBackend(Protocol):
    """What the desktop needs of its embedded backend: a child process (ServerProcess) as the app and
    its self-tests run it, or a thread of this process (ServerThread) as the server tests run it."""

    @property
    def url(self) -> str: ...

    def stop(self, timeout: float = 10.0) -> None: ...


@dataclass
class Workstation:
    """Everything one signed-in desktop session consists of, built once and closed once."""

    paths: Paths
    http: httpx.AsyncClient
    api: BackendApi
    session: SessionService
    store: CacheStore
    sync: SyncService
    inbox: InboxService
    context: CustomerContextService
    relevance: RelevanceService
    cobrowse: CobrowseService
    #: Contact details and notes the agent edits (through the outbox, conflicts decided by the agent).
    records: RecordsService
    server: EmbeddedBackend | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Team leads only: the queue monitor's live statistics.
    monitor: QueueMonitorService | None = None
    #: Reconnect pacing for push streams (tests shorten it).
    backoff: Backoff | None = None
    #: The one WebSocket client (TLS, token, backoff) every push stream and relay connects through.
    ws: WsClient | None = None
    #: Calls: the agent's softphone and call control (None when no softphone is configured).
    voice: VoiceService | None = None
    #: Opening a conversation: cache reads and ranking on the reader thread, one "ready" for the window.
    conversations: ConversationService | None = None
    #: The one thread that reads the cache and ranks for the window (never the GUI thread).
    reader: ThreadPoolExecutor | None = None

    async def close(self) -> None:
        if self.monitor is not None:
            await self.monitor.stop()
        await self.cobrowse.stop()
        if self.voice is not None:
            await self.voice.close()
        if self.conversations is not None:
            await self.conversations.stop()
        await self.relevance.stop()
        await self.sync.stop()
        await self.http.aclose()
        reader = self.reader
        if reader is not None:
            # Reads still queued are of no use now; one under way finishes before the file closes.
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: reader.shutdown(wait=True, cancel_futures=True)
            )
        self.store.close()
        if self.server is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.server.stop)


def start_embedded_backend(
    paths: Paths,
    *,
    offer_timeout: float,
    chat_interval: float,
    seed: int | None = None,
    simulate_day: bool = False,
    day_length_s: float = 1200.0,
) -> ServerProcess:
    """The reference backend in a child process on a free loopback port, its database under the
    data directory; raises BackendStartError (with the child's last output) if it does not start.

    A process, not a thread: its ~45 MB and its request handling (every customer message of 20 busy
    chats) stay out of the desktop's process and off its GIL. `simulate_day`: a contact-centre day
    compressed in time (simulated agents, waves, bursts, abandons) instead of the occasional chat
    for the demo agent; what the team lead's monitor shows.
    """
    from workstation.server.process import ServerProcess, embedded_arguments

    server = ServerProcess(
        embedded_arguments(
            paths.embedded_backend,
            offer_timeout=offer_timeout,
            chat_interval=chat_interval,
            seed=seed,
            simulate_day=simulate_day,
            day_length_s=day_length_s,
        ),
        demo_password=os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo"),
    )
    server.start()
    return server


async def connect(
    paths: Paths,
    url: str,
    session_login: Any,
    *,
    secrets: SecretStore | None,
    server: EmbeddedBackend | None = None,
    backoff: Backoff | None = None,
    tls: ssl.SSLContext | None = None,
    redactor: Redactor | None = None,
    cache_limit_mb: int | None = None,
    cache_progress: Callable[[str], None] | None = None,
    softphone: str = "",
    sip_domain: str = "",
    proxy: str = "none",
) -> Workstation:
    """Build the client side for backend `url`; `session_login(session)` signs in and returns the agent.

    `tls`: the trust for https/wss (default: the bundled CAs; verification is never off);
    `redactor` learns the session token so that no log line shows it; `cache_limit_mb` keeps the
    offline cache under that size: when it opens, and whenever older history was loaded.
    `cache_progress(step)` hears, on the event loop, what a migration of the cache at sign-in does
    (store.migrate's BACKUP, MIGRATE, DONE); the cache opens on its writer thread, never blocking."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from workstation.client.api import BackendApi
    from workstation.client.proxy import proxy_for
    from workstation.client.ws import WsClient
    from workstation.domain.relevance import RelevanceEngine
    from workstation.services.cobrowse import CobrowseService
    from workstation.services.conversation import ConversationService
    from workstation.services.customer_context import CustomerContextService
    from workstation.services.inbox import InboxService
    from workstation.services.ranking import RankerProcess
    from workstation.services.records import RecordsService
    from workstation.services.relevance import RelevanceService
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService
    from workstation.store.cache import open_store

    # TLS is always verified; the configuration chooses whom to trust, never whether. The proxy is
    # the setting's (client/proxy.py), never picked up from the environment behind its back.
    via = None if server is not None else proxy_for(proxy, url)  # the embedded backend: loopback
    http = httpx.AsyncClient(
        base_url=url,
        timeout=httpx.Timeout(10.0, connect=5.0),
        trust_env=False,
        verify=tls if tls is not None else True,
        proxy=via,
    )
    api = BackendApi(http, on_token=redactor.add_secret if redactor is not None else None, proxy=via)
    session = SessionService(api, secrets)
    try:
        agent = await session_login(session)
    except BaseException:
        await http.aclose()
        raise
    loop = asyncio.get_running_loop()

    def progress(step: str) -> None:  # on the writer thread: hop to the event loop
        if cache_progress is not None:
            loop.call_soon_threadsafe(cache_progress, step)

    cache_path = paths.cache_db(url, agent.id)
    try:
        store = await asyncio.wrap_future(open_store(cache_path, progress=progress))
    except BaseException:
        await http.aclose()
        raise
    ws = WsClient(url, lambda: api.token, tls=tls, backoff=backoff, proxy=via)
    sync = SyncService(api, store, ws=ws)
    context = CustomerContextService(
        api, store, sync, cache_limit_bytes=None if cache_limit_mb is None else cache_limit_mb << 20
    )
    await context.keep_within_limit()  # before anything reads the cache
    inbox = InboxService(api, store, sync, session)
    # One reader thread: opening reads and re-ranks run in the order asked for, and the GUI thread
    # competes with one worker (not a pool) for the GIL.
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-reader")
    # Re-ranks run in a process of their own once it has loaded (services/ranking.py: why).
    relevance = RelevanceService(
        RelevanceEngine(), api, store, sync, context, reader, ranker=RankerProcess(cache_path)
    )
    cobrowse = CobrowseService(api, sync, ws=ws)
    records = RecordsService(api, store, sync, session)
    conversations = ConversationService(inbox, context, relevance, reader, records=records, cobrowse=cobrowse)
    voice = None
    if softphone == "desk":  # config.DESK_PHONE: the agent's own phone rings, no softphone to drive
        from workstation.services.voice import VoiceService

        voice = VoiceService(api, inbox, None, desk_phone=True)
    elif softphone:
        from workstation.client.softphone import SoftphoneClient
        from workstation.services.voice import VoiceService

        host, _, port = softphone.rpartition(":")
        voice = VoiceService(api, inbox, SoftphoneClient(host, int(port)), sip_domain=sip_domain)
    return Workstation(
        paths,
        http,
        api,
        session,
        store,
        sync,
        inbox,
        context,
        relevance,
        cobrowse,
        records,
        server,
        backoff=backoff,
        voice=voice,
        ws=ws,
        conversations=conversations,
        reader=reader,
    )


def attach(window: MainWindow, workstation: Workstation, notifier: Notifier) -> DeskController:
    """Show `workstation` in `window` (its desk controller, built with the services) and start its
    push stream and outbox."""
    from workstation.ui.desk_controller import DeskController, DeskServices

    assert workstation.conversations is not None  # connect() always makes it

    controller = DeskController(
        window,
        DeskServices(
            session=workstation.session,
            inbox=workstation.inbox,
            context=workstation.context,
            sync=workstation.sync,
            relevance=workstation.relevance,
            cobrowse=workstation.cobrowse,
            records=workstation.records,
            notifier=notifier,
            opener=workstation.conversations,
            voice=workstation.voice,
        ),
    )
    workstation.sync.start()
    workstation.relevance.start()
    agent = workstation.session.agent
    if agent is not None and agent.role.value == "teamlead":
        attach_monitor(window, workstation)
    return controller


def attach_monitor(window: MainWindow, workstation: Workstation) -> None:
    """Team leads: the queue monitor in the window, fed by its push stream (pyqtgraph loads only here)."""
    from workstation.client.monitor import MonitorApi
    from workstation.services.queue_monitor import QueueMonitorService
    from workstation.ui.queue_monitor import QueueMonitorView

    service = QueueMonitorService(MonitorApi(workstation.api), backoff=workstation.backoff, ws=workstation.ws)
    workstation.monitor = service
    window.show_monitor(QueueMonitorView(service))
    service.start()


def settle_memory() -> None:
    """Move everything start-up created out of the collector's way.

    A full (generation 2) collection walks every object; with the modules, widgets and caches of a
    running desktop that took up to 100 ms on the GUI thread in the stall benchmark. Frozen objects
    are skipped by later collections. Then what start-up freed goes back to the system.
    """
    gc.collect()
    gc.freeze()
    release_free_heap()


def release_free_heap() -> bool:
    """Hand the heap that start-up freed back to the system (glibc's `malloc_trim`); whether it could.

    Imports, the embedded backend's start and the sign-in allocate and free a lot; glibc keeps what
    was freed mapped for reuse, about 22 MB of resident memory after sign-in that the desk then never
    needs (bench_desk_core.py --only memory). Elsewhere (macOS, Windows, musl) nothing happens."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False  # not glibc
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


def make_secret_store(*, ephemeral: bool) -> tuple[SecretStore | None, str | None]:
    """The keychain, or (for throw-away sessions) memory; with the reason if no keychain exists."""
    from workstation.store.secrets import KeyringSecretStore, MemorySecretStore, SecretStoreUnavailable

    if ephemeral:
        return MemorySecretStore(), None
    try:
        return KeyringSecretStore(), None
    except SecretStoreUnavailable as exc:
        return None, exc.args[0] if exc.args else str(exc)  # a Msg: the sign-in dialog translates it
