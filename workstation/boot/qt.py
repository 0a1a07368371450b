"""The Qt side of start-up: the binding and QtWebEngine environment, and Qt's own messages."""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger("workstation")


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


#: Qt messages that are expected and harmless, by exact text (not by silencing whole categories).
HARMLESS_QT_MESSAGES = frozenset(
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


def install_qt_message_handler() -> None:
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
        if message in HARMLESS_QT_MESSAGES:
            return
        qt_log.log(levels.get(mode, logging.WARNING), "%s (%s)", message, getattr(context, "category", ""))

    qInstallMessageHandler(handler)
