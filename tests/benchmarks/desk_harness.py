"""What the desktop benchmarks share: a real backend in its own process (as the app runs it) and a
signed-in desktop on one qasync loop, customers in other processes, a GUI-thread heartbeat, a count of
cache commits by thread, the processes' memory.

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

ROOT = Path(__file__).resolve().parents[2]

#: Niceness of the simulated world (the backend's process and the customers' processes), set by the
#: benchmarks' `--world-nice`. 0: they compete with the desk for the cores as equals. Above 0: the
#: scheduler prefers the desk, as if the backend and the customers ran on other machines (as they do
#: in a contact centre; the embedded backend is for a trial on one PC). Both are worth printing: the
#: first shows the desk on a machine that also carries its backend, the second the desk's own stalls.
world_nice = 0


def add_world_nice_option(parser: Any) -> None:
    """The benchmarks' `--world-nice N` (an argparse parser); `use_options` applies it."""
    parser.add_argument(
        "--world-nice",
        type=int,
        default=0,
        metavar="N",
        help="run the backend and the customers at this niceness (as if on other machines; see desk_harness)",
    )


def use_options(args: Any) -> None:
    global world_nice
    world_nice = args.world_nice


def niced(command: list[str]) -> list[str]:
    """`command` run at the simulated world's niceness."""
    return ["nice", "-n", str(world_nice), *command] if world_nice else command


#: Reconnect quickly (tests.helpers.backend's FAST_BACKOFF; not imported from there: that module
#: loads the backend's FastAPI and SQLAlchemy models, which the desktop's process no longer holds).
FAST_BACKOFF_S = (0.05, 0.3)


class Harness:
    """A seeded backend in its own process (as the app's embedded backend runs) and the desktop here."""

    def __init__(self, events_per_customer: int, max_chats: int = 3) -> None:
        import os
        import subprocess
        import sys

        from PySide6.QtWidgets import QApplication

        from workstation.boot.qt import install_qt_message_handler
        from workstation.server.process import ServerProcess

        install_qt_message_handler()
        self.app = QApplication.instance() or QApplication([])
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        child = [sys.executable, "-m", "tests.benchmarks.backend_child"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        data = str(self.tmp / "backend")
        prepared = subprocess.run(
            [*child, "prepare", data, str(events_per_customer), str(max_chats)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.service_token = prepared.stdout.split()[-1]
        self.server = ServerProcess([data], command=niced([*child, "serve"]))
        self.server.start()

    @property
    def backend_rss_mb(self) -> float:
        """The backend process's resident memory now, in MB (Linux; 0 elsewhere)."""
        return process_rss_mb(self.server.pid)

    @property
    def ranker_rss_mb(self) -> float:
        """The desk's ranking process's resident memory now, in MB (0 if it is not running)."""
        ranker = self.ws.relevance.ranking_process
        return process_rss_mb(ranker.pid) if ranker is not None and ranker.pid is not None else 0.0

    async def open(self) -> None:
        from workstation.boot.wiring import attach, connect, settle_memory
        from workstation.client.events import Backoff
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

        initial, maximum = FAST_BACKOFF_S
        self.ws = await connect(
            paths,
            self.server.url,
            login,
            secrets=MemorySecretStore(),
            backoff=Backoff(initial=initial, maximum=maximum),
            server=self.server,
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
        await self.ws.close()  # stops the backend process too (it is the workstation's server)
        self.window.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def process_rss_mb(pid: int | None) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def run_on_qasync(coro_factory: Any) -> Any:
    import qasync
    from PySide6.QtWidgets import QApplication

    from workstation.ui.collector import GuiThreadCollector

    app = QApplication.instance() or QApplication([])
    # As app.py runs the desk: cycles collected on the GUI thread, in short steps, survivors frozen.
    # Without it Python collected automatically on whichever thread allocated (the writer's, the
    # reader's), and a full collection there held the GIL 25-38 ms: stalls the desktop never has.
    collector = GuiThreadCollector(app, freeze_survivors=True)
    try:
        return qasync.run(coro_factory())
    finally:
        collector.stop()


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


def load_worker(
    url: str, plan: list[tuple[str, str]], rate: float, seconds: float, results: Any, nice: int = 0
) -> None:
    """Customers posting messages at `rate` per conversation, paced by schedule (a separate process)."""
    import os

    import httpx

    if nice:
        os.nice(nice)

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


class TurnCpu:
    """The GUI thread's own CPU time per event-loop turn, from `time.thread_time()` read at the GUI
    thread's event dispatcher's `awake` and `aboutToBlock`.

    The heartbeat's lateness is wall time: on a shared machine it is the GUI's own work *plus* the
    time the GUI thread waited for a core or for the GIL (the backend, the customers and the cache's
    writer thread run beside it). Thread CPU counts only the GUI thread's work, so a long stall with
    little CPU in it was a wait, not something the GUI did.

    A turn runs from one `aboutToBlock` to the next: Qt's glib dispatcher (Linux's default) emits
    `aboutToBlock`, then waits *and dispatches* inside one g_main_context_iteration, then emits
    `awake`, so the work sits between `aboutToBlock` and `awake`, not after `awake` (checked: a 20 ms
    timer slot ran between the two). A blocked thread uses no CPU, so the thread time between two
    `aboutToBlock`s is the turn's work on either dispatcher. `awake` only marks that a wait ended
    (`waits` counts them).

    Beside each turn's GUI CPU it keeps the turn's wall time, the time the GUI thread was runnable
    but had no core (Linux's per-thread run-queue delay, /proc/thread-self/schedstat), and the CPU the
    process's other threads (the cache's writer and reader) used meanwhile. A turn's wall time is its
    CPU, plus its run-queue wait (the backend, the customers or other programs had the cores), plus the
    time it was blocked: waiting for events (at most the 10 ms heartbeat's interval) or for the GIL."""

    def __init__(self) -> None:
        from PySide6.QtCore import QAbstractEventDispatcher, QThread

        dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread())
        if dispatcher is None:
            raise RuntimeError("TurnCpu needs the GUI thread's event dispatcher (a QApplication first)")
        self._dispatcher = dispatcher
        self.turns: list[float] = []
        #: per turn: wall milliseconds, run-queue milliseconds, CPU milliseconds of the other threads
        self.walls: list[float] = []
        self.queued: list[float] = []
        self.others: list[float] = []
        self.waits = 0
        self._last: float | None = None
        self._last_wall = self._last_process = self._last_queued = 0.0
        self._running = False
        dispatcher.awake.connect(self._on_awake)
        dispatcher.aboutToBlock.connect(self._on_about_to_block)

    def _on_awake(self) -> None:
        if self._running:
            self.waits += 1

    def _on_about_to_block(self) -> None:
        if not self._running:
            return
        now, wall, process, queued = (
            time.thread_time(),
            time.perf_counter(),
            time.process_time(),
            _run_queue_s(),
        )
        if self._last is not None:
            own = now - self._last
            self.turns.append(own * 1000)
            self.walls.append((wall - self._last_wall) * 1000)
            self.queued.append((queued - self._last_queued) * 1000)
            self.others.append(max(0.0, process - self._last_process - own) * 1000)
        self._last, self._last_wall, self._last_process, self._last_queued = now, wall, process, queued

    def start(self) -> None:
        self.turns.clear()
        self.walls.clear()
        self.queued.clear()
        self.others.clear()
        self.waits = 0
        self._last = None
        self._running = True

    def stop(self) -> list[float]:
        """The CPU milliseconds of every complete turn since start()."""
        self._running = False
        self._last = None
        return list(self.turns)

    def long_turns(self, over_ms: float = 16.0) -> str:
        """Where the wall time of the turns longer than `over_ms` went (see the class's docstring)."""
        long = [i for i, wall in enumerate(self.walls) if wall > over_ms]
        if not long:
            return f"no turn longer than {over_ms:g} ms"
        wall = sum(self.walls[i] for i in long)
        gui = sum(self.turns[i] for i in long)
        queued = sum(self.queued[i] for i in long)
        others = sum(self.others[i] for i in long)
        blocked = wall - gui - queued
        # A turn waits for events at most until the heartbeat's next beat: blocked longer than that,
        # it waited for something else (the GIL, most likely, or a lock).
        beyond = sum(
            max(0.0, self.walls[i] - self.turns[i] - self.queued[i] - Heartbeat.INTERVAL_MS) for i in long
        )
        return (
            f"{len(long)} turns longer than {over_ms:g} ms, {wall:.0f} ms in all: GUI thread on a core "
            f"{100 * gui / wall:.0f} %, runnable without a core {100 * queued / wall:.0f} %, blocked "
            f"{100 * blocked / wall:.0f} % (waiting for events or the GIL; the desk's other threads used "
            f"{others:.0f} ms of CPU meanwhile; blocked longer than a heartbeat interval: {beyond:.0f} ms)"
        )

    def close(self) -> None:
        self._dispatcher.awake.disconnect(self._on_awake)
        self._dispatcher.aboutToBlock.disconnect(self._on_about_to_block)


def _run_queue_s() -> float:
    """Seconds this thread has been runnable without a core (Linux schedstat; 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


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
                args=(url, plan[w :: self.WORKERS], rate, seconds, self._results, world_nice),
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
