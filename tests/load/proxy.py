"""A tiny round-robin TCP proxy: several backend processes behind one loopback address.

It stands in for the reverse proxy (HAProxy, nginx `stream`) a site puts in front of its backend
processes. Each new client connection goes to the next upstream in turn; an upstream that refuses
the connection (a killed process) is skipped for that connection. Bytes are copied both ways
unchanged, so a WebSocket or an HTTP keep-alive connection stays on one process; when that process
dies the client's connection is closed and its reconnect lands on a live one.

Runs on its own thread and event loop, so it never waits on the load driver's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading

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
