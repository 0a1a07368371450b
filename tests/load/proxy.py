"""A tiny round-robin TCP proxy: several backend processes behind one loopback address.

It stands in for the reverse proxy (HAProxy, nginx `stream`) a site puts in front of its backend
processes. Each new client connection goes to the next upstream in turn; an upstream that refuses
the connection (a killed process) is skipped for that connection. Bytes are copied both ways
unchanged, so a WebSocket or an HTTP keep-alive connection stays on one process; when that process
dies the client's connection is closed and its reconnect lands on a live one.

Runs on its own thread and event loop, so it never waits on the load driver's loop; `ProxyProcess`
runs it in a process of its own (the soak: it then does not share the driver's interpreter lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path

#: Bytes read at a time in each direction.
CHUNK = 64 * 1024
#: How long connecting to one upstream may take before the next is tried.
CONNECT_TIMEOUT_S = 2.0


class RoundRobinProxy:
    """`start()` listens on a free loopback port (`url`); `stop()` closes it and every connection."""

    def __init__(self, upstreams: list[tuple[str, int]], host: str = "127.0.0.1") -> None:
        if not upstreams:
            raise ValueError("a proxy needs at least one upstream")
        self.upstreams = list(upstreams)
        self.host = host
        self.port = 0
        self._next = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        #: Upstream connections made, per upstream index (which process got how many clients).
        self.connections = [0] * len(upstreams)
        #: Client connections no upstream would take.
        self.refused = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(asyncio.start_server(self._client, self.host, 0))
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=run, name="load-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise RuntimeError(f"the proxy did not start: {errors[0]!r}")
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            upstream = await self._connect()
            if upstream is None:
                self.refused += 1
                return
            up_reader, up_writer = upstream
            try:
                await asyncio.gather(self._copy(reader, up_writer), self._copy(up_reader, writer))
            finally:
                up_writer.close()
        finally:
            writer.close()
            self._pipes.discard(task)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        start = next(self._next)
        for i in range(len(self.upstreams)):
            index = (start + i) % len(self.upstreams)
            host, port = self.upstreams[index]
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    connection = await asyncio.open_connection(host, port)
            except (OSError, TimeoutError):
                continue
            self.connections[index] += 1
            return connection
        return None

    @staticmethod
    async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy until EOF or an error, then close the writer: one side ending ends the other."""
        try:
            while chunk := await reader.read(CHUNK):
                writer.write(chunk)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()


class ProxyProcess:
    """The same proxy in a process of its own (`python -m tests.load.proxy PORT...`): at the soak's
    rates the bytes of 500 streams copied on a thread of the load driver's process would compete
    with the driver for its one interpreter lock, and the latencies measured would be the driver's.
    A site's proxy does not share a process with its clients either."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = list(ports)
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> str:
        root = Path(__file__).resolve().parents[2]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.load.proxy", *map(str, self.ports)],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(root)},
        )  # fmt: skip
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith(READY):
            self.stop()
            raise RuntimeError(f"the proxy process did not start: {line!r}")
        self.url = line[len(READY) :].strip()
        return self.url

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def stop(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(OSError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()  # the child exits when its standard input closes
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


#: The child's first line on stdout, followed by its URL.
READY = "PROXY "


def main(argv: list[str]) -> int:
    proxy = RoundRobinProxy([("127.0.0.1", int(port)) for port in argv])
    print(f"{READY}{proxy.start()}", flush=True)
    try:
        sys.stdin.read()  # until the parent closes it (or dies)
    finally:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
