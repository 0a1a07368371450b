"""The live cobrowse view: the customer's page replayed by rrweb inside QtWebEngine.

Importing this module loads QtWebEngine, so only `cobrowse_view.load_live_view` imports it, when a
session starts. Without QtWebEngine, or when its page does not come up, the caller falls back to
the text view.
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from PySide6.QtCore import QCoreApplication, QFile, QIODevice, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

log = logging.getLogger(__name__)

RRWEB = ("node_modules", "rrweb", "dist")
#: The replay page's own origin: the desk serves it (inlined, by setHtml), nothing is ever fetched
#: from it. The customer's site (the shop, even when the backend serves it) is a third party here.
REPLAY_ORIGIN = "https://cobrowse-replay.invalid/"
#: Schemes that carry their content in the URL itself (rrweb uses them for inlined images and
#: canvases); none reaches the network.
SELF_CONTAINED_SCHEMES = frozenset({"data", "blob", "about"})
#: Blocked addresses remembered for diagnostics and tests (the count goes on).
BLOCKED_KEPT = 200
#: How long the replay page may take to come up before the view falls back to text.
START_TIMEOUT_MS = 20_000


class LiveViewUnavailable(Exception):
    """The live view cannot start; the message says why, for the agent."""


def _web(*parts: str) -> Traversable:
    node = resources.files("workstation.web")
    for part in parts:
        node = node.joinpath(part)
    return node


def replay_html() -> str:
    """The replay page with rrweb, QWebChannel's client and our script inlined (no file or network access)."""
    rrweb_js, rrweb_css = _web(*RRWEB, "rrweb.umd.min.cjs"), _web(*RRWEB, "style.min.css")
    if not rrweb_js.is_file():
        raise LiveViewUnavailable(
            QCoreApplication.translate(
                "LiveReplay",
                "The rrweb web assets are not installed (run `npm ci --prefix workstation/web`).",
            )
        )
    channel = QFile(":/qtwebchannel/qwebchannel.js")
    if not channel.open(QIODevice.OpenModeFlag.ReadOnly):
        raise LiveViewUnavailable(
            QCoreApplication.translate(
                "LiveReplay", "QtWebChannel's script is missing from this Qt installation."
            )
        )
    channel_js = bytes(channel.readAll().data()).decode()
    channel.close()
    page = _web("agent", "replay.html").read_text(encoding="utf-8")
    # Inserted last, so that no asset can inject a placeholder for another.
    return (
        page.replace("/*RRWEB_CSS*/", rrweb_css.read_text(encoding="utf-8") if rrweb_css.is_file() else "")
        .replace("/*QWEBCHANNEL_JS*/", channel_js.replace("</script", "<\\/script"))
        .replace("/*REPLAY_JS*/", _web("agent", "replay.js").read_text(encoding="utf-8"))
        .replace("/*RRWEB_JS*/", rrweb_js.read_text(encoding="utf-8").replace("</script", "<\\/script"))
    )


class _Bridge(QObject):
    """What the replay page may call: nothing but these slots."""

    became_ready = Signal()
    pointed = Signal(float, float)
    picked = Signal(int, str)

    @Slot()
    def ready(self) -> None:
        self.became_ready.emit()

    @Slot(float, float)
    def pointer(self, x: float, y: float) -> None:
        self.pointed.emit(x, y)

    @Slot(int, str)
    def pick(self, node: int, label: str) -> None:
        self.picked.emit(node, label)


class OwnOriginOnly(QWebEngineUrlRequestInterceptor):
    """Blocks every request of the replay that would leave the desk: images, style sheets, fonts,
    frames and fetches the customer's page names. Only self-contained URLs (data:, blob:, about:)
    pass; the replay page itself is inlined and never requested.

    Without this, a replayed page makes the agent's machine fetch any URL the page (or whoever
    wrote it) chose: tracking pixels, internal addresses, file:// paths."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked_count = 0
        #: The latest blocked addresses (up to BLOCKED_KEPT), for diagnostics and tests.
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme().lower() in SELF_CONTAINED_SCHEMES:
            return
        info.block(True)
        self.blocked_count += 1
        shown = url.toString()[:300]
        if len(self.blocked) >= BLOCKED_KEPT:
            del self.blocked[0]
        self.blocked.append(shown)
        log.debug("cobrowse replay: blocked %s", shown)


class _Page(QWebEnginePage):
    """Keeps the replay page's console out of Qt's warnings (a replayed page may log anything)."""

    def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
        log.debug("replay page: %s (%s:%d)", message[:300], source[-60:], line)


class LiveReplay(QWidget):
    """The customer's page, replayed live and scaled to fit.

    Signals: `ready()` once the page runs, `failed(reason)` when it cannot (the caller falls back),
    `pointed(x, y)` and `picked(node_id, label)` from the agent's pointer and highlight tools.
    """

    ready = Signal()
    failed = Signal(str)
    pointed = Signal(float, float)
    picked = Signal(int, str)

    def __init__(
        self, html: str, base_url: str, parent: QWidget | None = None, *, start_timeout_ms: int | None = None
    ) -> None:
        super().__init__(parent)
        self.is_ready = False
        self._queue: list[list[dict[str, Any]]] = []
        self._failed = False
        self.view = QWebEngineView(self)
        self.view.setObjectName("cobrowseLive")
        # A profile of its own, off the record (no storage name: memory cache, no cookies on disk),
        # so that the interceptor below sees every request of the replay and nothing else's.
        self.profile = QWebEngineProfile()
        self.interceptor = OwnOriginOnly(self.profile)
        self.profile.setUrlRequestInterceptor(self.interceptor)
        self.page = _Page(self.profile, self.view)
        # The profile must outlive its page (Qt warns and may crash otherwise): as the page's child it
        # goes only after the page itself is gone, whoever deletes the view.
        self.profile.setParent(self.page)
        settings = self.page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.AutoLoadIconsForPage, False)
        self.view.setPage(self.page)
        self.bridge = _Bridge(self)
        self.channel = QWebChannel(self)
        self.channel.registerObject("bridge", self.bridge)
        self.page.setWebChannel(self.channel)
        self.bridge.became_ready.connect(self._on_bridge_became_ready)
        self.bridge.pointed.connect(self.pointed)
        self.bridge.picked.connect(self.picked)
        self.page.loadFinished.connect(self._on_page_load_finished)
        self.page.renderProcessTerminated.connect(self._on_page_render_process_terminated)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(lambda: self._fail(self.tr("The live view did not start in time.")))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._timeout.start(start_timeout_ms or START_TIMEOUT_MS)
        # `base_url` (the backend) is no longer the page's origin: relative addresses of the customer's
        # page resolve to the replay's own origin, which serves nothing and is blocked anyway.
        self.base_url = base_url
        self.page.setHtml(html, QUrl(REPLAY_ORIGIN))

    # --- feeding the page ----------------------------------------------------------------------

    def add_events(self, events: list[dict[str, Any]]) -> None:
        if not self.is_ready:
            self._queue.append(events)
            return
        self.page.runJavaScript(f"cobrowse.add({json.dumps(events, separators=(',', ':'))})")

    def reset(self) -> None:
        self._queue.clear()
        if self.is_ready:
            self.page.runJavaScript("cobrowse.reset()")

    def set_mode(self, mode: str) -> None:
        if self.is_ready and mode in ("none", "pointer", "highlight"):
            self.page.runJavaScript(f"cobrowse.setMode({json.dumps(mode)})")

    def clear_marks(self) -> None:
        if self.is_ready:
            self.page.runJavaScript("cobrowse.clearMarks()")

    def evaluate(self, script: str, callback: Any) -> None:
        """Run `script` in the replay page and pass its result to `callback` (tests, benchmarks)."""
        self.page.runJavaScript(script, 0, callback)

    # --- health ------------------------------------------------------------------------------------

    def _on_bridge_became_ready(self) -> None:
        if self._failed or self.is_ready:
            return
        self.is_ready = True
        self._timeout.stop()
        queued, self._queue = self._queue, []
        for events in queued:
            self.add_events(events)
        self.ready.emit()

    def _on_page_load_finished(self, ok: bool) -> None:
        if not ok:
            self._fail(self.tr("The live view's page did not load."))

    def _on_page_render_process_terminated(self, status: Any, code: int) -> None:
        self._fail(
            self.tr("The live view's renderer stopped ({0}, code {1}).").format(
                getattr(status, "name", status), code
            )
        )

    def _fail(self, reason: str) -> None:
        if self._failed:
            return
        self._failed = True
        self.is_ready = False
        self._timeout.stop()
        log.warning("cobrowse live view failed: %s", reason)
        self.failed.emit(reason)
