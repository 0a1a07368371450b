"""What a good desktop app remembers and asks: window geometry, splitters and the last tab of the
customer column (QSettings), the tray menu, and the question before quitting with work open.

The window state lives in an INI file beside the user's settings (`use_file`, set by the app);
without one (tests, the self-test) nothing is read or written, so runs never share a geometry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QSettings, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QSplitter, QTabWidget

from workstation.domain.presence import Presence
from workstation.ui.labels import STATES, term

if TYPE_CHECKING:
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService

_file: Path | None = None

GEOMETRY = "window/geometry"
STATE = "window/state"
SPLITTER = "conversation/{0}"
LAST_TAB = "conversation/lowerTab"


def use_file(path: Path | None) -> None:
    """Keep the window state in `path` (an INI file); None: remember nothing."""
    global _file
    _file = path


def _settings() -> QSettings | None:
    if _file is None:
        return None
    return QSettings(str(_file), QSettings.Format.IniFormat)


def restore_window(window: QMainWindow) -> bool:
    settings = _settings()
    if settings is None:
        return False
    geometry = settings.value(GEOMETRY)
    restored = isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)
    state = settings.value(STATE)
    if isinstance(state, QByteArray):
        window.restoreState(state)
    return bool(restored)


def save_window(window: QMainWindow) -> None:
    settings = _settings()
    if settings is None:
        return
    settings.setValue(GEOMETRY, window.saveGeometry())
    settings.setValue(STATE, window.saveState())
    settings.sync()


def remember_splitter(splitter: QSplitter) -> bool:
    """Restore the splitter's sizes as the agent left them last, and keep them when moved; True
    when sizes the agent chose were restored."""
    settings = _settings()
    if settings is None:
        return False
    key = SPLITTER.format(splitter.objectName() or "splitter")
    state = settings.value(key)
    restored = isinstance(state, QByteArray) and splitter.restoreState(state)

    def save(_pos: int, _index: int) -> None:
        store = _settings()
        if store is not None:
            store.setValue(key, splitter.saveState())

    splitter.splitterMoved.connect(save)
    return restored


def remember_tab(tabs: QTabWidget, key: str = LAST_TAB) -> None:
    """Open on the tab the agent chose last (History or Notes), and keep the choice."""
    settings = _settings()
    if settings is None:
        return
    index = settings.value(key)
    try:
        wanted = int(index) if index is not None else -1
    except (TypeError, ValueError):
        wanted = -1
    if 0 <= wanted < tabs.count():
        tabs.setCurrentIndex(wanted)

    def save(i: int) -> None:
        store = _settings()
        if store is not None:
            store.setValue(key, i)

    tabs.currentChanged.connect(save)


# --- quitting: ask when work is open, go Offline ---------------------------------------------------

# How long quitting waits for the Offline presence to reach the backend.
OFFLINE_WAIT_S = 3.0


class QuitQuestion(QObject):
    """Plural texts of the question (lupdate knows numerus forms only through tr())."""

    def chats(self, n: int) -> str:
        return self.tr("%n open chat(s)", "", n)

    def changes(self, n: int) -> str:
        return self.tr("%n change(s) not sent yet", "", n)


def quit_question(chats: int, pending: int) -> str:
    """The question before quitting with open chats or unsent writes ("" when there is nothing)."""
    parts = []
    texts = QuitQuestion()
    if chats:
        parts.append(texts.chats(chats))
    if pending:
        parts.append(texts.changes(pending))
    if not parts:
        return ""
    return QCoreApplication.translate(
        "QuitQuestion",
        "You have {0}. Quit anyway? You will be set to Offline; unsent changes are sent at the next start.",
    ).format(QCoreApplication.translate("QuitQuestion", " and ").join(parts))


def confirm_quit(window: Any, event: QCloseEvent) -> None:
    """closeEvent of the main window: quit at once when nothing is open, else ask (without a nested
    event loop: the close is refused and repeated when the agent confirms)."""
    question = "" if window.quit_confirmed else quit_question(len(window.views), window.pending_writes)
    if not question:
        save_window(window)
        event.accept()
        return
    event.ignore()
    box = QMessageBox(
        QMessageBox.Icon.Question,
        QCoreApplication.translate("QuitQuestion", "Quit the workstation?"),
        question,
        QMessageBox.StandardButton.Cancel,
        window,
    )
    quit_button = box.addButton(
        QCoreApplication.translate("QuitQuestion", "&Quit"), QMessageBox.ButtonRole.DestructiveRole
    )
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.quit_box = box

    def answered(_button: object) -> None:
        if box.clickedButton() is quit_button:
            window.quit_confirmed = True
            window.close()

    box.buttonClicked.connect(answered)
    box.open()


async def go_offline(
    session: SessionService, sync: SyncService, set_presence: Callable[[Presence], None]
) -> None:
    """On quit: tell the backend the agent is Offline, so no chat is offered to an empty chair.
    Waits (bounded) for the write to leave the outbox; offline, it stays queued for the next start."""
    if session.presence == Presence.OFFLINE or not sync.online:
        return
    import asyncio  # here, not at the top: this module is imported before the first paint

    set_presence(Presence.OFFLINE)
    deadline = asyncio.get_running_loop().time() + OFFLINE_WAIT_S
    # The write reaches the outbox on the cache's writer thread: only then does it count as pending.
    try:
        await asyncio.wait_for(sync.settled(), OFFLINE_WAIT_S)
    except TimeoutError:
        return  # the cache is stuck: the write is queued there and goes out at the next start
    # Asked of the cache itself: the window's count (`pending_writes`) follows the outbox's reads and
    # may not yet show this write, and a quit that trusted it left the agent Available.
    while await sync.pending_count() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)


# --- the tray menu -----------------------------------------------------------------------------------


def tray_menu(window: Any) -> QMenu:
    """Presence, Show, Quit: the desk from the tray, when the window is hidden or minimised."""
    menu = QMenu(window)
    for presence in (Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE):
        action = menu.addAction(term(STATES, presence.value))
        action.triggered.connect(lambda _=False, p=presence: window.set_presence(p))
    menu.addSeparator()
    show = menu.addAction(QCoreApplication.translate("TrayMenu", "&Show the workstation"))
    show.triggered.connect(lambda: (window.showNormal(), window.raise_(), window.activateWindow()))
    quit_action = menu.addAction(QCoreApplication.translate("TrayMenu", "&Quit"))
    quit_action.triggered.connect(window.close)
    return menu
