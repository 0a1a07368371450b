"""GUI test helpers: the real desktop (window + services) against the real backend, on a qasync loop.

The fixtures `aloop` and `desk` are defined here and taken into the conftest.py of every directory
with GUI tests (tests/ui, tests/security, tests/e2e); importing this module loads Qt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from tests.helpers.backend import FAST_BACKOFF, Backend
from workstation.boot.qt import allow_lazy_webengine
from workstation.boot.wiring import Workstation, attach, connect
from workstation.paths import Paths
from workstation.services.session import SessionService
from workstation.store.secrets import MemorySecretStore
from workstation.ui.collector import GuiThreadCollector
from workstation.ui.desk_controller import DeskController
from workstation.ui.main_window import MainWindow
from workstation.ui.notifier import Notifier

T = TypeVar("T")

# QtWebEngine (the cobrowse view) is imported lazily, after pytest-qt made the QApplication: as in the app.
allow_lazy_webengine()


class _TestLoop(qasync.QEventLoop):
    """qasync's loop, driven step by step from tests.

    qasync's run_until_complete processes pending Qt events once more *after* run_forever has
    cleared the running loop; asyncio callbacks among them (httpx/anyio) then find no running loop.
    The app itself runs one loop for its whole life and never hits this.
    """

    def run_forever(self) -> None:
        try:
            super().run_forever()
        finally:
            asyncio.events._set_running_loop(self)

    def run_until_complete(self, future: Any) -> Any:
        try:
            return super().run_until_complete(future)
        finally:
            asyncio.events._set_running_loop(None)


@pytest.fixture(scope="session")
def aloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the GUI tests: coroutines and Qt signals run on the same thread."""
    loop = _TestLoop(qapp)
    asyncio.set_event_loop(loop)
    # As in the app: garbage (and the Qt objects in it) is freed on this thread only; the backends
    # of the tests run in threads of their own.
    collector = GuiThreadCollector(qapp)
    yield loop
    collector.stop()
    asyncio.set_event_loop(None)
    # Closed here, while Qt still exists; left to the garbage collector it fails at exit.
    loop.close()


class Desk:
    """A signed-in desktop: window and services, plus helpers to drive it from a test."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        window: MainWindow,
        ws: Workstation,
        controller: DeskController | None = None,
    ) -> None:
        self.loop = loop
        self.window = window
        self.ws = ws
        #: What the signed-in window's services act through (None before sign-in).
        self.controller: Any = controller

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def wait_until(self, condition: Any, timeout: float = 10.0) -> None:
        async def poll() -> None:
            while not condition():
                await asyncio.sleep(0.02)

        self.run(poll(), timeout)


def open_desk(loop: asyncio.AbstractEventLoop, base: Path, url: str, username: str = "demo") -> Desk:
    # The desk's services find their loop with asyncio.get_event_loop(), as in the app; a test that
    # ran asyncio.run() on this thread since (it unsets the current loop when it ends) must not leave
    # the next desk without one.
    asyncio.set_event_loop(loop)
    paths = Paths.under(base).create()
    window = MainWindow(sound=False, popup=True)
    window.show()

    async def login(session: SessionService) -> Any:
        return await session.login(username, "demo", remember=True)

    ws = loop.run_until_complete(
        connect(paths, url, login, secrets=MemorySecretStore(), backoff=FAST_BACKOFF)
    )
    controller = attach(window, ws, Notifier(window, paths.cache, sound=False, popup=True))
    desk = Desk(loop, window, ws, controller)
    desk.wait_until(lambda: ws.sync.online)
    desk.run(ws.inbox.refresh())
    return desk


def close_desk(desk: Desk) -> None:
    desk.run(desk.window.shutdown())
    desk.run(desk.ws.close())
    desk.window.close()
    desk.window.deleteLater()


@pytest.fixture
def desk(aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path) -> Iterator[Desk]:
    d = open_desk(aloop, tmp_path / "desk", backend.url)
    try:
        yield d
    finally:
        close_desk(d)
