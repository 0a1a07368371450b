"""The desktop session: the window first, then (after its first paint) the backend, sign-in and services.

Start-up order is the point. `boot.window.show_main_window` runs before the event loop and
imports only what the window needs at first paint (Qt widgets, no services); `run_desktop` waits for
that paint, and only then imports and starts the rest: the embedded backend (a child process with
FastAPI, uvicorn, SQLAlchemy and the simulator), the client side and the services.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

# The window's texts are translated in its context ("MainWindow"), spelt out for pyside6-lupdate.
from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:
    import argparse
    from collections.abc import Awaitable, Callable

    from workstation.boot.window import FirstPaint
    from workstation.boot.wiring import Workstation
    from workstation.config import EffectiveConfig
    from workstation.domain.redaction import Redactor
    from workstation.paths import Paths
    from workstation.server.process import ServerProcess
    from workstation.services.session import SessionService
    from workstation.store.secrets import SecretStore
    from workstation.ui.main_window import MainWindow

log = logging.getLogger("workstation")

#: How long the loading waits for the window's first paint (a real display may expose it late;
#: offscreen it paints inside show()).
FIRST_PAINT_WAIT_S = 0.5


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _painted(first_paint: FirstPaint) -> None:
    if first_paint.shown_ms is not None:
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    first_paint.painted.connect(lambda _ms: _resolve(done))
    try:
        await asyncio.wait_for(done, FIRST_PAINT_WAIT_S)
    except TimeoutError:
        log.info("no paint within %.1f s (hidden or minimised window?); loading on", FIRST_PAINT_WAIT_S)


async def run_desktop(
    window: MainWindow,
    first_paint: FirstPaint,
    args: argparse.Namespace,
    paths: Paths,
    effective: EffectiveConfig,
    redactor: Redactor,
) -> int:
    await _painted(first_paint)
    # Everything below loads after the first paint; how long the window froze meanwhile is logged.
    from workstation.boot.window import StallWatch

    stalls = StallWatch(window)
    stalls.start()
    from workstation.boot.wiring import preload_session_modules, start_embedded_backend

    config = effective.config
    loop = asyncio.get_running_loop()
    if not config.server_url:
        window.connection_label.setText(
            QCoreApplication.translate("MainWindow", "Starting the embedded backend…")
        )

    def prepare() -> ServerProcess | None:
        # The session's modules (client, store, services: httpx, SQLAlchemy, pydantic), then the
        # embedded backend's process (spawned, then waited for), on a worker thread: the window
        # keeps painting and reacting meanwhile.
        # One thread imports at a time: two at once broke in PySide6's import hook ("partially
        # initialized module pydantic._internal._validators").
        preload_session_modules()
        if config.server_url:
            return None
        return start_embedded_backend(
            paths,
            offer_timeout=args.offer_timeout,
            chat_interval=args.chat_interval,
            simulate_day=args.role == "teamlead",
        )

    from workstation.server.process import BackendStartError

    try:
        server = await loop.run_in_executor(None, prepare)
    except BackendStartError:
        # Logged with the child's last output by ServerProcess; the window says so until closed.
        stalls.stop()
        return await _show_backend_failure(window, paths)
    from functools import partial

    from PySide6.QtWidgets import QApplication

    from workstation.boot.wiring import (
        DEMO_TEAMLEAD,
        DEMO_USER,
        attach,
        connect,
        make_secret_store,
        settle_memory,
    )
    from workstation.client.tls import TlsConfigError, ssl_context
    from workstation.logs import log_files
    from workstation.services.diagnostics import DiagnosticsService
    from workstation.settings import Settings
    from workstation.ui.notifier import Notifier

    diagnostics = DiagnosticsService(
        redactor, log_files=lambda: log_files(paths.logs), config_report=effective.report
    )
    window.set_diagnostics(diagnostics)
    settings = Settings.load(paths.settings_file)
    window.settings_store = settings  # File ▸ Settings writes the user's settings file
    if effective.problems:
        window.show_configuration_problems(effective.problems)

    def save_preferences(sound: bool, popup: bool) -> None:
        settings.update(offer_sound=sound, offer_popup=popup)

    window.preferences_changed.connect(save_preferences)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.lastWindowClosed.connect(lambda: _resolve(closed))

    try:
        tls = ssl_context(config.tls_trust, config.tls_ca_bundle)
    except TlsConfigError as exc:
        log.error("%s; trusting the %s certificate authorities only", exc, config.tls_trust)
        tls = ssl_context(config.tls_trust)

    def cache_progress(step: str) -> None:
        from workstation.store.migrate import DONE

        window.connection_label.setText(
            QCoreApplication.translate("MainWindow", "Offline data updated.")
            if step == DONE
            else QCoreApplication.translate("MainWindow", "Updating your offline data…")
        )

    connect_to = partial(
        connect,
        tls=tls,
        redactor=redactor,
        cache_limit_mb=config.cache_size_mb,
        cache_progress=cache_progress,
        softphone=config.softphone,
        sip_domain=config.sip_domain,
        proxy=config.proxy,
    )
    workstation: Workstation | None = None
    try:
        if server is not None:
            lead = args.role == "teamlead"
            password = os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo")
            log.info("embedded backend on %s; the customers' demo shop: %s/shop/", server.url, server.url)

            async def demo_login(session: SessionService) -> Any:
                # The embedded backend's demo account signs in fresh on every start: nothing to store.
                return await session.login(DEMO_TEAMLEAD if lead else DEMO_USER, password, remember=False)

            workstation = await connect_to(paths, server.url, demo_login, secrets=None, server=server)
        else:
            secrets, keychain_problem = make_secret_store(ephemeral=False)
            workstation = await remote_login(
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
        log.info(
            "signed in; the GUI thread stalled at most %.0f ms between the first paint and now", stalls.stop()
        )
        settle_memory()
        await closed
        return 0
    finally:
        diagnostics.customer_identifiers = None
        await window.shutdown()
        if workstation is not None:
            await workstation.close()
        elif server is not None:
            # Sign-in failed: the backend started for it is nobody's to close but ours.
            await loop.run_in_executor(None, server.stop)


async def _show_backend_failure(window: MainWindow, paths: Paths) -> int:
    """The embedded backend did not start: say so in the window and end (status 1) once it is closed."""
    from PySide6.QtWidgets import QApplication

    window.connection_label.setText(
        QCoreApplication.translate(
            "MainWindow", "The built-in demo server did not start; the log in {0} says why."
        ).format(paths.logs)
    )
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.lastWindowClosed.connect(lambda: _resolve(closed))
    await closed
    await window.shutdown()
    return 1


async def remote_login(
    window: MainWindow,
    paths: Paths,
    server_url: str,
    username: str,
    secrets: SecretStore | None,
    keychain_problem: str | None,
    connect_to: Callable[..., Awaitable[Workstation]] | None = None,
) -> Workstation | None:
    """A remembered session if the keychain has one, else the login dialog until it works or is closed."""
    from workstation.boot.wiring import connect
    from workstation.client.api import ApiError, BackendUnavailable
    from workstation.ui.login_dialog import LoginDialog

    connect_to = connect_to or connect
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
        from workstation.ui.domain_text import render

        dialog.show_error(render(keychain_problem))
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
            dialog.show_error(
                QCoreApplication.translate("MainWindow", "The server cannot be reached: {0}").format(exc)
            )
