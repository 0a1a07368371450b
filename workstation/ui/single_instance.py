"""One desk per user and data folder: a second start raises the running window and exits.

The running desk listens on a local socket (a Unix domain socket, or a named pipe on Windows)
named after the user and the data folder, so `--temp-basedir` runs and other users on the same
machine never meet. A second start connects, asks the first to show itself, and ends before it
starts a second embedded backend or opens the cache a second time. A socket left behind by a
desk that crashed answers nobody: it is removed and claimed.
"""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 1000
RAISE = b"raise\n"


def server_name(data_dir: str) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "user"
    digest = hashlib.sha256(f"{user}\0{data_dir}".encode()).hexdigest()[:20]
    return f"workstation-{digest}"


def ask_running_to_raise(name: str) -> bool:
    """True when a desk answers on `name` (it was asked to show its window)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(RAISE)
    socket.flush()
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """The running desk's listener. Signal: `raise_requested()` (also acted on: the main window is
    shown, un-minimised and activated)."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_new_connection)
        self._clients: set[QLocalSocket] = set()
        self._buffers: dict[QLocalSocket, bytes] = {}

    @classmethod
    def claim(cls, data_dir: str, parent: QObject | None = None) -> SingleInstance | None:
        """Become the one desk for `data_dir`, or None when one runs already (it was asked to raise)."""
        name = server_name(data_dir)
        if ask_running_to_raise(name):
            log.info("another desk runs for this user and data folder: asked it to show itself")
            return None
        instance = cls(name, parent)
        if not instance.server.listen(name):
            QLocalServer.removeServer(name)  # left behind by a desk that ended without cleaning up
            if not instance.server.listen(name):
                log.warning("single-instance socket %s: %s", name, instance.server.errorString())
        return instance

    def close(self) -> None:
        """Stop listening (the socket name is free for the next desk)."""
        for socket in list(self._clients):
            socket.disconnected.disconnect()
            socket.readyRead.disconnect()
            socket.abort()
            socket.deleteLater()
        self._clients.clear()
        self._buffers.clear()
        self.server.close()

    def _on_new_connection(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            # Kept here until it is read: the second desk writes one line and disconnects at once.
            self._clients.add(socket)
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._finish(s))
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        self._buffers[socket] = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if self._buffers[socket].startswith(RAISE):
            self._buffers[socket] = b""
            self.raise_requested.emit()
            raise_main_window()

    def _finish(self, socket: QLocalSocket) -> None:
        self._read(socket)
        self._clients.discard(socket)
        self._buffers.pop(socket, None)
        socket.deleteLater()


def raise_main_window() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMainWindow):
            widget.showNormal() if widget.isMinimized() else widget.show()
            widget.raise_()
            widget.activateWindow()
