"""Fault injection for drills: a TCP proxy in front of the real backend that can go down, answer
slowly or reset connections, and a GUI heartbeat that measures how long the GUI thread stalls."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer


class FaultProxy:
    """Forwards 127.0.0.1:<port> to the backend; `mode` says how badly.

    - "pass": forward everything;
    - "down": every connection (open ones and new ones) is reset at once, like a dead backend;
    - "slow": data from the backend is held `delay_s` before it is passed on (a backend answering
      in seconds);
    - "reset": connections are reset after `reset_after_bytes` bytes from the backend (a flaky
      network or a load balancer cutting streams).
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.delay_s = 0.0
        self.reset_after_bytes = 2000
        self.connections = 0
        self.resets = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), name="fault-proxy", daemon=True)
        self._thread.start()
        started.wait(10)
        assert self._server is not None
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            started.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        if self._server is not None:
            self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def set_mode(self, mode: str, *, delay_s: float = 0.0, upstream_port: int | None = None) -> None:
        assert mode in ("pass", "down", "slow", "reset")

        def apply() -> None:
            self.mode, self.delay_s = mode, delay_s
            if upstream_port is not None:
                self.upstream_port = upstream_port
            if mode in ("down", "reset"):
                for writer in list(self._writers):
                    self._reset(writer)

        self._loop.call_soon_threadsafe(apply)

    def close(self) -> None:
        def stop() -> None:
            for writer in list(self._writers):
                self._reset(writer)
            if self._server is not None:
                self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(10)

    def _reset(self, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                # linger 0: close() sends RST instead of FIN, as a crashed peer's kernel would.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.resets += 1
        writer.transport.abort()
        self._writers.discard(writer)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode == "down":
            self._reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            self._reset(writer)
            return
        self._writers.update((writer, up_writer))
        sent = [0]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, downstream: bool) -> None:
            try:
                while data := await src.read(65536):
                    if downstream and self.mode == "slow" and self.delay_s:
                        await asyncio.sleep(self.delay_s)
                    if self.mode == "down" or dst not in self._writers:
                        break
                    if downstream and self.mode == "reset":
                        sent[0] += len(data)
                        if sent[0] > self.reset_after_bytes:
                            break
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                for w in (writer, up_writer):
                    if w in self._writers:
                        self._reset(w)

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))


class StallMeter(QObject):
    """A 10 ms heartbeat on the GUI thread; a late beat means the GUI could not paint or take input."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.lateness_ms: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The test itself blocks the GUI thread (a blocking HTTP call, stopping a server): not counted."""
        self._timer.stop()
        try:
            yield
        finally:
            self._last = self._clock.nsecsElapsed()
            self._timer.start()

    def _beat(self) -> None:
        now = self._clock.nsecsElapsed()
        self.lateness_ms.append(max(0.0, (now - self._last) / 1e6 - self.interval_ms))
        self._last = now

    @property
    def worst_ms(self) -> float:
        return max(self.lateness_ms, default=0.0)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.lateness_ms)
        p = (lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]) if ordered else None
        return {
            "beats": len(ordered),
            "median_ms": p(0.5) if p else 0.0,
            "p99_ms": p(0.99) if p else 0.0,
            "max_ms": self.worst_ms,
        }


def wait_port_closed(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)
