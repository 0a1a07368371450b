"""What the desktop benchmarks share: a real backend and a signed-in desktop on one qasync loop, customers
in other processes, a GUI-thread heartbeat, a count of cache commits by thread, the process's memory.

`bench_skeleton.py` (start-up, paint-level screen pop, stalls under chat load) and `bench_desk_core.py`
(screen pop, reply confirmed, stalls with the agent replying, memory) both run on it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


class Harness:
    def __init__(self, events_per_customer: int, max_chats: int = 3) -> None:
        from PySide6.QtWidgets import QApplication

        from tests.helpers.backend import seed, start_server
        from workstation.boot.qt import install_qt_message_handler

        install_qt_message_handler()
        self.app = QApplication.instance() or QApplication([])
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        # The stall benchmark floods chats on purpose: far above the customer rate limit.
        self.server = start_server(
            self.tmp / "backend", offer_timeout=60, customer_burst=10**6, customer_messages_per_minute=10**6
        )
        seed(self.server, events_per_customer=events_per_customer)
        backend = self.server.backend
        assert backend is not None
        self.service_token = self.server.call(lambda: backend.issue_token(backend.service_principal()))
        if max_chats != 3:
            self.server.call(lambda: set_max_chats(backend, "a-demo", max_chats))

    async def open(self) -> None:
        from tests.helpers.backend import FAST_BACKOFF
        from workstation.boot.wiring import attach, connect, settle_memory
        from workstation.domain.models import Presence
        from workstation.paths import Paths
        from workstation.services.waiting import next_emission
        from workstation.store.secrets import MemorySecretStore
        from workstation.ui.main_window import MainWindow
        from workstation.ui.notifier import Notifier

        paths = Paths.under(self.tmp / "desk").create()
        self.window = MainWindow(sound=False, popup=False)
        self.window.show()

        async def login(session: Any) -> Any:
            return await session.login("demo", "demo", remember=False)

        self.ws = await connect(
            paths, self.server.url, login, secrets=MemorySecretStore(), backoff=FAST_BACKOFF
        )
        notifier = Notifier(self.window, paths.cache, sound=False, popup=False)
        online = next_emission(self.ws.sync.connection_changed, lambda on, _d: on)
        attach(self.window, self.ws, notifier)
        await online
        await self.ws.inbox.refresh()
        settle_memory()
        done = next_emission(self.ws.sync.write_completed, lambda kind, _t: kind == "presence")
        self.window.set_presence(Presence.AVAILABLE)
        await done

    async def close(self) -> None:
        await self.window.shutdown()
        await self.ws.close()
        self.window.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def set_max_chats(backend: Any, agent_id: str, count: int) -> None:
    """Raise the agent's chat capacity the way the router reads it: its routing row (seeded from the
    demo routing configuration), keeping its attributes; the agent row's max_chats alone is ignored
    once a routing row exists (why this benchmark timed out waiting for the 4th offer)."""
    from sqlalchemy.orm import Session

    from workstation.domain.workflow import AgentRouting
    from workstation.server.db import AgentRoutingRow

    with Session(backend.engine) as db:
        current = db.get(AgentRoutingRow, agent_id)
        attributes = dict(current.attributes) if current is not None else {}
        capacity = {**(current.capacity if current is not None else {}), "chat": count}
    backend.set_agent_routing(None, agent_id, AgentRouting(attributes=attributes, capacity=capacity))


def run_on_qasync(coro_factory: Any) -> Any:
    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    return qasync.run(coro_factory())


def paint_watch() -> Any:
    """An event filter noting when each watched widget is first painted (perf_counter), by key."""
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.first: dict[Any, float] = {}
            self._keys: dict[int, Any] = {}

        def watch(self, widget: Any, key: Any) -> None:
            self._keys[id(widget)] = key
            widget.installEventFilter(self)

        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                key = self._keys.get(id(watched))
                if key is not None and key not in self.first:
                    self.first[key] = time.perf_counter()
            return False

    return Watch()


def load_worker(url: str, plan: list[tuple[str, str]], rate: float, seconds: float, results: Any) -> None:
    """Customers posting messages at `rate` per conversation, paced by schedule (a separate process)."""
    import httpx

    interval = 1.0 / (rate * len(plan))
    ok = bad = n = 0
    with httpx.Client(base_url=url, trust_env=False, timeout=10) as client:
        time.sleep(1.0)
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            conversation_id, token = plan[n % len(plan)]
            response = client.post(
                f"/api/v1/customer/chats/{conversation_id}/messages",
                json={"text": f"Nachricht {n}"},
                headers={"Authorization": f"Bearer {token}"},
            )
            ok, bad = (ok + 1, bad) if response.status_code == 201 else (ok, bad + 1)
            n += 1
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    results.put((ok, bad))


class Heartbeat:
    """A 10 ms precise timer on the GUI thread; its lateness is how long the GUI thread was busy."""

    INTERVAL_MS = 10

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.lateness: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._beat)
        self._last = 0

    def _beat(self) -> None:
        now = self._clock.elapsed()
        self.lateness.append(max(0.0, now - self._last - self.INTERVAL_MS))
        self._last = now

    def start(self) -> None:
        self.lateness.clear()
        self._clock.start()
        self._last = 0
        self._timer.start()

    def stop(self) -> list[float]:
        """The lateness of every beat since start() (the first, the timer's own start, left out)."""
        self._timer.stop()
        return list(self.lateness[1:])


class CommitThreads:
    """Counts the cache's commits by thread (SQLAlchemy's `commit` event on the store's engine)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.gui = threading.get_ident()
        self.on_gui = 0
        self.elsewhere = 0
        event.listen(engine, "commit", self._commit)

    def _commit(self, _connection: Any) -> None:
        if threading.get_ident() == self.gui:
            self.on_gui += 1
        else:
            self.elsewhere += 1

    def report(self) -> None:
        total = self.on_gui + self.elsewhere
        print(f"  cache commits on the GUI thread: {self.on_gui} of {total}")


async def open_chat(
    harness: Harness, http: Any, customer: str, text: str, topic: str | None = "delivery"
) -> tuple[str, Any]:
    """A customer starts a chat; the desk accepts its offer; returns (conversation id, the chat)."""
    from workstation.services.waiting import next_emission

    ws, window = harness.ws, harness.window
    offered = next_emission(ws.inbox.offer_received, timeout=15)
    response = await http.post(
        "/api/v1/customer/chats",
        json={"customer_id": customer, "text": text, **({"topic": topic} if topic else {})},
        headers={"Authorization": f"Bearer {harness.service_token}"},
    )
    chat = response.json()
    (pending,) = await offered
    shown = next_emission(window.conversation_shown, timeout=15)
    window.accept_offer(pending.offer.id)
    await shown
    return chat["conversation"]["id"], chat


def rss_mb() -> tuple[float, float]:
    """This process's resident memory now and at its peak, in MB (Linux /proc; elsewhere the peak
    from getrusage for both)."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
        )
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_mb = peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024
        return peak_mb, peak_mb


class Customers:
    """Customers writing into `chats` at `rate` messages/s each for `seconds`, from other processes (as
    in life: generating the load must not take the GUI's GIL). Two processes: more loaders than cores
    would starve the GUI by themselves."""

    WORKERS = 2

    def __init__(self, url: str, chats: list[dict[str, Any]], rate: float, seconds: float) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self._results = ctx.Queue()
        plan = [(c["conversation"]["id"], c["customer_token"]) for c in chats]
        self._procs = [
            ctx.Process(
                target=load_worker,
                args=(url, plan[w :: self.WORKERS], rate, seconds, self._results),
                daemon=True,
            )
            for w in range(self.WORKERS)
        ]
        for proc in self._procs:
            proc.start()

    async def finish(self) -> tuple[int, int]:
        """Once they are done: (messages the backend took, messages it refused)."""
        import asyncio

        sent = refused = 0
        for _ in self._procs:
            ok, bad = await asyncio.get_running_loop().run_in_executor(None, self._results.get)
            sent, refused = sent + ok, refused + bad
        for proc in self._procs:
            proc.join()
        return sent, refused
