"""Composition root: command line, paths, settings, the event loop, and the wiring of all parts."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workstation import __version__
from workstation import config as configuration
from workstation.config import LOG_LEVELS, EffectiveConfig
from workstation.paths import Paths
from workstation.settings import Settings

if TYPE_CHECKING:
    import ssl

    import httpx

    from workstation.client.api import BackendApi
    from workstation.client.events import Backoff
    from workstation.client.ws import WsClient
    from workstation.domain.redaction import Redactor
    from workstation.server.runner import ServerThread
    from workstation.services.cobrowse import CobrowseService
    from workstation.services.customer_context import CustomerContextService
    from workstation.services.diagnostics import DiagnosticsService
    from workstation.services.inbox import InboxService
    from workstation.services.queue_monitor import QueueMonitorService
    from workstation.services.records import RecordsService
    from workstation.services.relevance import RelevanceService
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService
    from workstation.store.cache import CacheStore
    from workstation.store.secrets import SecretStore
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier

log = logging.getLogger("workstation")

DEMO_USER = "demo"
DEMO_TEAMLEAD = "lead"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="Unified agent workstation")
    parser.add_argument("--server", metavar="URL", help="connect to this backend instead of the embedded one")
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--basedir", type=Path, help="keep all data, settings and logs below this directory")
    base.add_argument("--temp-basedir", action="store_true", help="use a fresh temporary directory")
    parser.add_argument("--user", help="user name to sign in with (remote backends)")
    parser.add_argument("--self-test", action="store_true", help="run a headless round trip and exit 0/1")
    parser.add_argument(
        "--role",
        choices=["agent", "teamlead"],
        default="agent",
        help="embedded backend: sign in as the demo agent, or as the demo team lead (queue monitor, "
        "with a simulated contact-centre day)",
    )
    parser.add_argument(
        "--offer-timeout", type=float, default=30.0, help="embedded backend: seconds to accept"
    )
    parser.add_argument(
        "--chat-interval", type=float, default=40.0, help="embedded simulator: mean s between chats"
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, help="overrides the configured log level (default: info)"
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print the effective configuration and where each value came from (exit 1: problems)",
    )
    parser.add_argument("--version", action="version", version=f"workstation {__version__}")
    return parser.parse_args(argv)


def prepare_qt_environment(*, headless: bool) -> None:
    """Pick the Qt binding before anything imports qasync or pyqtgraph (they prefer PyQt otherwise),
    and prepare QtWebEngine (loaded later, only when a cobrowse session starts)."""
    os.environ.setdefault("QT_API", "pyside6")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    prepare_webengine_environment()


def prepare_webengine_environment() -> None:
    """QtWebEngine's Chromium refuses to run as root with its sandbox, and has no GPU offscreen.

    The sandbox stays on for normal users. Only the cobrowse view uses QtWebEngine: our replay page
    with the customer's page as rrweb recorded it (masked on their device).
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--disable-gpu" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --disable-gpu").strip()


def allow_lazy_webengine() -> None:
    """QtWebEngine may be imported after the QApplication exists only if contexts are shared."""
    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


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
    server: ServerThread | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Team leads only: the queue monitor's live statistics.
    monitor: QueueMonitorService | None = None
    #: Reconnect pacing for push streams (tests shorten it).
    backoff: Backoff | None = None
    #: Contact details and notes the agent edits (through the outbox, conflicts decided by the agent).
    records: RecordsService | None = None
    #: The one WebSocket client (TLS, token, backoff) every push stream and relay connects through.
    ws: WsClient | None = None

    async def close(self) -> None:
        if self.monitor is not None:
            await self.monitor.stop()
        await self.cobrowse.stop()
        await self.relevance.stop()
        await self.sync.stop()
        await self.http.aclose()
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
) -> ServerThread:
    """The reference backend on a free loopback port, its database under the data directory.

    `simulate_day`: a contact-centre day compressed in time (simulated agents, waves, bursts,
    abandons) instead of the occasional chat for the demo agent; what the team lead's monitor shows.
    """
    from workstation.server.backend import BackendConfig
    from workstation.server.day_simulator import DayConfig
    from workstation.server.runner import ServerOptions, ServerThread
    from workstation.server.simulator import SimulatorConfig

    server = ServerThread(
        ServerOptions(
            data_dir=paths.embedded_backend,
            backend=BackendConfig(offer_timeout_s=offer_timeout),
            simulator=SimulatorConfig(chat_interval_s=chat_interval, seed=seed),
            demo_password=os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo"),
            day=DayConfig(seed=seed, day_length_s=day_length_s) if simulate_day else None,
        )
    )
    server.start()
    return server


async def connect(
    paths: Paths,
    url: str,
    session_login: Any,
    *,
    secrets: SecretStore | None,
    server: ServerThread | None = None,
    backoff: Backoff | None = None,
    tls: ssl.SSLContext | None = None,
    redactor: Redactor | None = None,
    cache_limit_mb: int | None = None,
) -> Workstation:
    """Build the client side for backend `url`; `session_login(session)` signs in and returns the agent.

    `tls`: the trust for https/wss (default: the bundled CAs; verification is never off);
    `redactor` learns the session token so that no log line shows it; `cache_limit_mb` keeps the
    offline cache under that size: when it opens, and whenever older history was loaded."""
    import httpx

    from workstation.client.api import BackendApi
    from workstation.client.ws import WsClient
    from workstation.domain.relevance import RelevanceEngine
    from workstation.services.cobrowse import CobrowseService
    from workstation.services.customer_context import CustomerContextService
    from workstation.services.inbox import InboxService
    from workstation.services.records import RecordsService
    from workstation.services.relevance import RelevanceService
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService
    from workstation.store.cache import CacheStore, open_engine

    # TLS is always verified; the configuration chooses whom to trust, never whether.
    http = httpx.AsyncClient(
        base_url=url,
        timeout=httpx.Timeout(10.0, connect=5.0),
        trust_env=False,
        verify=tls if tls is not None else True,
    )
    api = BackendApi(http, on_token=redactor.add_secret if redactor is not None else None)
    session = SessionService(api, secrets)
    try:
        agent = await session_login(session)
    except BaseException:
        await http.aclose()
        raise
    store = CacheStore(open_engine(paths.cache_db(url, agent.id)))
    ws = WsClient(url, lambda: api.token, tls=tls, backoff=backoff)
    sync = SyncService(api, store, ws=ws)
    context = CustomerContextService(
        api, store, sync, cache_limit_bytes=None if cache_limit_mb is None else cache_limit_mb << 20
    )
    await context.keep_within_limit()  # before anything reads the cache
    inbox = InboxService(api, store, sync, session)
    relevance = RelevanceService(RelevanceEngine(), api, store, sync, context)
    cobrowse = CobrowseService(api, sync, ws=ws)
    records = RecordsService(api, store, sync, session)
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
        server,
        backoff=backoff,
        records=records,
        ws=ws,
    )


def attach(window: MainWindow, workstation: Workstation, notifier: Notifier) -> None:
    """Show `workstation` in `window` and start its push stream and outbox."""
    window.bind(
        workstation.session,
        workstation.inbox,
        workstation.context,
        workstation.sync,
        notifier,
        workstation.relevance,
        workstation.cobrowse,
        workstation.records,
    )
    workstation.sync.start()
    workstation.relevance.start()
    agent = workstation.session.agent
    if agent is not None and agent.role.value == "teamlead":
        attach_monitor(window, workstation)


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
    are skipped by later collections.
    """
    gc.collect()
    gc.freeze()


def make_secret_store(*, ephemeral: bool) -> tuple[SecretStore | None, str | None]:
    """The keychain, or (for throw-away sessions) memory; with the reason if no keychain exists."""
    from workstation.store.secrets import KeyringSecretStore, MemorySecretStore, SecretStoreUnavailable

    if ephemeral:
        return MemorySecretStore(), None
    try:
        return KeyringSecretStore(), None
    except SecretStoreUnavailable as exc:
        return None, str(exc)


async def run_desktop(
    args: argparse.Namespace,
    paths: Paths,
    effective: EffectiveConfig,
    diagnostics: DiagnosticsService,
    redactor: Redactor,
    started: float,
) -> int:
    from functools import partial

    from PySide6.QtWidgets import QApplication

    from workstation.client.tls import TlsConfigError, ssl_context
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier

    config = effective.config
    settings = Settings.load(paths.settings_file)
    window = MainWindow(sound=config.offer_sound, popup=config.offer_popup, diagnostics=diagnostics)
    window.settings_store = settings  # File ▸ Settings writes the user's settings file
    from workstation.ui import desk_habits  # geometry, splitters, last tab (QSettings)

    desk_habits.use_file(paths.settings_file.with_name("window-state.ini"))
    desk_habits.restore_window(window)
    window.show()
    log.info("window shown after %.0f ms", (time.perf_counter() - started) * 1000)
    if effective.problems:
        window.show_configuration_problems(effective.problems)

    def save_preferences(sound: bool, popup: bool) -> None:
        settings.update(offer_sound=sound, offer_popup=popup)

    window.preferences_changed.connect(save_preferences)
    closed = asyncio.get_running_loop().create_future()
    app = QApplication.instance()
    assert app is not None
    app.lastWindowClosed.connect(lambda: closed.done() or closed.set_result(None))

    try:
        tls = ssl_context(config.tls_trust, config.tls_ca_bundle)
    except TlsConfigError as exc:
        log.error("%s; trusting the %s certificate authorities only", exc, config.tls_trust)
        tls = ssl_context(config.tls_trust)
    connect_to = partial(connect, tls=tls, redactor=redactor, cache_limit_mb=config.cache_size_mb)
    workstation: Workstation | None = None
    try:
        if not config.server_url:
            window.connection_label.setText(window.tr("Starting the embedded backend…"))
            lead = args.role == "teamlead"
            server = await asyncio.get_running_loop().run_in_executor(
                None,
                lambda: start_embedded_backend(
                    paths,
                    offer_timeout=args.offer_timeout,
                    chat_interval=args.chat_interval,
                    simulate_day=lead,
                ),
            )
            password = os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo")
            log.info("embedded backend on %s; the customers' demo shop: %s/shop/", server.url, server.url)

            async def demo_login(session: SessionService) -> Any:
                # The embedded backend's demo account signs in fresh on every start: nothing to store.
                return await session.login(DEMO_TEAMLEAD if lead else DEMO_USER, password, remember=False)

            workstation = await connect_to(paths, server.url, demo_login, secrets=None, server=server)
        else:
            secrets, keychain_problem = make_secret_store(ephemeral=False)
            workstation = await _remote_login(
                window,
                paths,
                config.server_url,
                args.user or config.username,
                secrets,
                keychain_problem,
                connect_to,
            )
            if workstation is None:
                return 0
            used = str(workstation.api.base_url)
            # Remember a server only if the user chose another one than the configuration says, so
            # that a new machine-wide server URL reaches everybody who never picked their own.
            settings.update(
                username=workstation.session.agent.username,  # type: ignore[union-attr]
                server_url=used if used.rstrip("/") != config.server_url.rstrip("/") else None,
            )
        diagnostics.customer_identifiers = workstation.store.customer_identifiers
        notifier = Notifier(window, paths.cache, sound=config.offer_sound, popup=config.offer_popup)
        attach(window, workstation, notifier)
        await workstation.inbox.refresh()
        settle_memory()
        await closed
        return 0
    finally:
        diagnostics.customer_identifiers = None
        await window.shutdown()
        if workstation is not None:
            await workstation.close()


async def _remote_login(
    window: MainWindow,
    paths: Paths,
    server_url: str,
    username: str,
    secrets: SecretStore | None,
    keychain_problem: str | None,
    connect_to: Any = connect,
) -> Workstation | None:
    from workstation.client.api import ApiError, BackendUnavailable
    from workstation.ui.login_dialog import LoginDialog

    if username and secrets is not None:

        async def restore(session: SessionService) -> Any:
            agent = await session.restore(username)
            if agent is None:
                raise LookupError("no valid remembered session")
            return agent

        try:
            return await connect_to(paths, server_url, restore, secrets=secrets)
        except (LookupError, BackendUnavailable, ApiError) as exc:
            log.info("remembered session not usable: %s", exc)
    dialog = LoginDialog(server_url, username, window)
    if keychain_problem:
        dialog.show_error(keychain_problem)
    while True:
        credentials = await dialog.ask()
        if credentials is None:
            return None

        async def login(session: SessionService, c: Any = credentials) -> Any:
            return await session.login(c.username, c.password, remember=c.remember and secrets is not None)

        try:
            return await connect_to(paths, credentials.server, login, secrets=secrets)
        except ApiError as exc:
            dialog.show_error(exc.message)
        except BackendUnavailable as exc:
            dialog.show_error(window.tr("The server cannot be reached: {0}").format(exc))


def _paths(args: argparse.Namespace, *, create: bool = True) -> Paths:
    if getattr(args, "temp_basedir", False):
        return Paths.under(Path(tempfile.mkdtemp(prefix="workstation-"))).create()
    paths = Paths.under(args.basedir) if getattr(args, "basedir", None) else Paths.default()
    return paths.create() if create else paths


def load_configuration(args: argparse.Namespace, paths: Paths) -> EffectiveConfig:
    """All layers; the command line's --server and --log-level are the top one."""
    return configuration.load(
        paths.settings_file, cli={"server_url": args.server, "log_level": args.log_level}
    )


def print_config(args: argparse.Namespace) -> int:
    effective = load_configuration(args, _paths(args, create=False))
    sys.stdout.write(effective.report())
    for problem in effective.problems:
        print(f"configuration problem: {problem}", file=sys.stderr)
    return 1 if effective.problems else 0


#: Qt messages that are expected and harmless, by exact text (not by silencing whole categories).
_HARMLESS_QT_MESSAGES = frozenset(
    {
        # the offscreen platform (self-test, CI) cannot resize native windows to size hints
        "This plugin does not support propagateSizeHints()",
        # QtWebEngine without a GPU (offscreen, remote desktops) falls back to software rendering
        "QRhiGles2: Failed to create temporary context",
        "QRhiGles2: Failed to create context",
        "Failed to create RHI for backend: OpenGL",
        "GPUInfo not initialized on GpuInfoUpdate",
    }
)


def _install_qt_message_handler() -> None:
    """Route Qt's own warnings into our log instead of bare stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(mode: QtMsgType, context: Any, message: str) -> None:
        if message in _HARMLESS_QT_MESSAGES:
            return
        qt_log.log(levels.get(mode, logging.WARNING), "%s (%s)", message, getattr(context, "category", ""))

    qInstallMessageHandler(handler)


def _install_exception_handler(loop: asyncio.AbstractEventLoop) -> None:
    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        log.error("unhandled error in the event loop: %s", context.get("message"), exc_info=exc)

    loop.set_exception_handler(handler)


def main(argv: list[str] | None = None, *, started: float | None = None) -> int:
    started = started if started is not None else time.perf_counter()
    args = parse_args(argv)
    if args.print_config:
        return print_config(args)
    # The self-test keeps everything in its own temporary directory; it only reads the configuration.
    paths = _paths(args, create=not args.self_test)
    effective = load_configuration(args, paths)
    prepare_qt_environment(headless=args.self_test)

    from workstation.domain.redaction import Redactor
    from workstation.logs import close_logging, configure_logging, log_files
    from workstation.services.diagnostics import DiagnosticsService

    redactor = Redactor()
    log_file = configure_logging(effective.config.log_level, None if args.self_test else paths.logs, redactor)
    if log_file is not None:
        log.info("workstation %s; log file %s", __version__, log_file)
    for problem in effective.problems:
        log.warning("configuration: %s", problem)
    diagnostics = DiagnosticsService(
        redactor, log_files=lambda: log_files(paths.logs), config_report=effective.report
    )
    import qasync
    from PySide6.QtWidgets import QApplication

    from workstation.ui.language import apply_language

    _install_qt_message_handler()
    allow_lazy_webengine()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Agent workstation")
    app.setOrganizationName("workstation")
    app.setApplicationVersion(__version__)
    apply_language(app, effective.config.language)
    if not args.self_test and not args.temp_basedir:
        from workstation.ui.single_instance import SingleInstance

        if SingleInstance.claim(str(paths.data), app) is None:
            return 0  # the running desk was asked to show itself
    from workstation.ui.collector import GuiThreadCollector

    # Qt objects must be freed on the GUI thread, never by a collection another thread set off.
    GuiThreadCollector(app)
    # The coroutine decides when to end (after a clean shutdown), not Qt's last-window rule.
    app.setQuitOnLastWindowClosed(False)

    async def run() -> int:
        _install_exception_handler(asyncio.get_running_loop())
        if args.self_test and args.role == "teamlead":
            from workstation.monitor_selftest import run_monitor_self_test

            return await run_monitor_self_test(args, started)
        if args.self_test:
            from workstation.selftest import run_self_test

            return await run_self_test(args, started)
        return await run_desktop(args, paths, effective, diagnostics, redactor, started)

    try:
        return int(qasync.run(run()))
    except KeyboardInterrupt:
        return 130
    finally:
        close_logging()
        if args.temp_basedir:
            shutil.rmtree(paths.data.parent, ignore_errors=True)
