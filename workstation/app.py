"""The command line: arguments, paths, configuration, logging, the Qt application and the event loop.

What runs is decided here and built elsewhere: the desktop session by `workstation.boot`, the
self-tests by `workstation.selftest`. Start-up order matters: the window is shown (and painted)
before the event loop and before anything heavy is imported (see `workstation.boot.desktop`).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workstation import __version__
from workstation import config as configuration
from workstation.config import LOG_LEVELS, EffectiveConfig
from workstation.paths import Paths

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("workstation")


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

    from workstation.boot.qt import allow_lazy_webengine, install_qt_message_handler, prepare_qt_environment
    from workstation.domain.redaction import Redactor
    from workstation.logs import (
        close_logging,
        configure_logging,
        install_crash_handlers,
        uninstall_crash_handlers,
    )

    prepare_qt_environment(headless=args.self_test)
    redactor = Redactor()
    log_dir = None if args.self_test else paths.logs
    log_file = configure_logging(effective.config.log_level, log_dir, redactor)
    crash_file = install_crash_handlers(log_dir)
    if log_file is not None:
        log.info("workstation %s; log file %s", __version__, log_file)
    for problem in effective.problems:
        log.warning("configuration: %s", problem)
    from PySide6.QtWidgets import QApplication

    from workstation.ui.language import apply_language

    install_qt_message_handler()
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
    GuiThreadCollector(app, freeze_survivors=True)
    # The coroutine decides when to end (after a clean shutdown), not Qt's last-window rule.
    app.setQuitOnLastWindowClosed(False)
    if not args.self_test:
        from workstation.boot.window import show_main_window

        # The window first: everything else loads once it is on screen.
        window, first_paint = show_main_window(
            effective, started, window_state=paths.settings_file.with_name("window-state.ini")
        )

    import asyncio

    import qasync

    async def run() -> int:
        _install_exception_handler(asyncio.get_running_loop())
        if args.self_test and args.role == "teamlead":
            from workstation.selftest.teamlead import run_team_lead_self_test

            return await run_team_lead_self_test(started)
        if args.self_test:
            from workstation.selftest.agent import run_agent_self_test

            return await run_agent_self_test(started)
        from workstation.boot.desktop import run_desktop

        return await run_desktop(window, first_paint, args, paths, effective, redactor)

    try:
        return int(qasync.run(run()))
    except KeyboardInterrupt:
        return 130
    finally:
        close_logging()
        uninstall_crash_handlers(crash_file)
        if args.temp_basedir:
            shutil.rmtree(paths.data.parent, ignore_errors=True)
