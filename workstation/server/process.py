"""The desktop's embedded backend in a child process: started, watched and stopped by the desktop.

The parent side (`ServerProcess`) imports nothing heavy: the backend's FastAPI, uvicorn, SQLAlchemy
and simulator live in the child, so that they neither cost the desktop's process memory nor compete
with its GUI thread for the GIL. The child (`python -m workstation.server --embedded ...`, or the
frozen bundle with `server` as its first argument) says `READY <url>` on stdout once it accepts
connections and exits when its standard input closes: the parent holds the only write end of that
pipe, so the child also ends when the parent dies, however it dies (no prctl, works on every OS).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from workstation.own_process import helper_environment, helper_popen_options, own_command

if TYPE_CHECKING:
    import socket

    import uvicorn

log = logging.getLogger(__name__)

#: The line the child writes once it accepts connections: `READY http://127.0.0.1:PORT`.
READY = "READY"
#: The first argument that makes the frozen bundle (main.py) run the server instead of the desktop.
SERVER_COMMAND = "server"
#: Lines of the child's stderr kept for the error message of a failed start.
STDERR_TAIL_LINES = 40
#: The longest line of the child's output taken in (a traceback line is far shorter).
MAX_LINE = 4096


class BackendStartError(RuntimeError):
    """The child backend did not start: the message ends with the tail of its stderr."""


def server_command() -> list[str]:
    """How to run `python -m workstation.server` here: frozen, the bundle itself is the interpreter."""
    return own_command("workstation.server", SERVER_COMMAND)


def embedded_arguments(
    data_dir: Path,
    *,
    offer_timeout: float,
    chat_interval: float,
    seed: int | None = None,
    simulate_day: bool = False,
    day_length_s: float = 1200.0,
) -> list[str]:
    """The child's command-line options for the desktop's demo backend (what ServerThread gets as
    ServerOptions in-process): demo mode on a free loopback port, the database in `data_dir`."""
    args = [
        "--embedded",
        "--demo",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        "--offer-timeout",
        repr(offer_timeout),
        "--chat-interval",
        repr(chat_interval),
        "--log-level",
        "warning",
    ]
    if seed is not None:
        args += ["--seed", str(seed)]
    if simulate_day:
        args += ["--simulate-day", "--day-minutes", repr(day_length_s / 60)]
    return args


class ServerProcess:
    """The reference backend as a child process, with ServerThread's interface for the desktop:
    `start()` returns its URL, `url`, `stop()`.

    `arguments`: the child's options after the command (see `embedded_arguments`); `command`:
    another program speaking the same READY/stdin protocol (the benchmarks' seeded backend);
    `demo_password` reaches the child in its environment, never on its command line."""

    def __init__(
        self,
        arguments: Sequence[str],
        *,
        demo_password: str | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self._argv = [*(command if command is not None else server_command()), *arguments]
        self._demo_password = demo_password
        self._proc: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self._ready = threading.Event()
        self._readers: list[threading.Thread] = []
        self._tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the backend process has not started")
        return self._url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def stderr_tail(self) -> str:
        return "\n".join(self._tail)

    def start(self, timeout: float = 60.0) -> str:
        secret = {} if self._demo_password is None else {"WORKSTATION_DEMO_PASSWORD": self._demo_password}
        env = helper_environment(self._argv, secret)
        try:
            self._proc = subprocess.Popen(
                self._argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                close_fds=True,
                **helper_popen_options(),
            )
        except OSError as exc:  # a bundle without its executable, no permission to run it...
            log.error("the embedded backend could not be started (%s): %s", self._argv[0], exc)
            raise BackendStartError(f"the embedded backend could not be started: {exc}") from exc
        assert self._proc.stdout is not None and self._proc.stderr is not None
        # Both pipes are drained for the child's whole life: a full pipe would block its writes.
        self._readers = [
            threading.Thread(target=read, args=(pipe,), name=name, daemon=True)
            for read, pipe, name in (
                (self._read_stdout, self._proc.stdout, "backend-out"),
                (self._read_stderr, self._proc.stderr, "backend-err"),
            )
        ]
        for reader in self._readers:
            reader.start()
        self._ready.wait(timeout)
        if self._url is None:
            code = self._proc.poll()
            if code is None and self._ready.is_set():  # its output closed: it is exiting
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = self._proc.wait(5)
            self.stop()
            why = f"exited with status {code}" if code is not None else f"not ready within {timeout:.0f} s"
            tail = self.stderr_tail
            log.error("the embedded backend did not start (%s); its last output:\n%s", why, tail or "(none)")
            raise BackendStartError(f"the embedded backend did not start: it {why}\n{tail}".rstrip())
        log.info("embedded backend process %d on %s", self._proc.pid, self._url)
        return self._url

    def _read_stdout(self, pipe: IO[bytes]) -> None:
        for raw in iter(lambda: pipe.readline(MAX_LINE), b""):
            line = raw.decode("utf-8", "replace").rstrip()
            word, _, rest = line.partition(" ")
            if word == READY and self._url is None:
                self._url = rest.strip()
                self._ready.set()
            elif line:
                log.debug("backend: %s", line)
        self._ready.set()  # the child closed its output (exited): nobody waits any longer

    def _read_stderr(self, pipe: IO[bytes]) -> None:
        for raw in iter(lambda: pipe.readline(MAX_LINE), b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._tail.append(line)
                log.info("backend: %s", line)

    def stop(self, timeout: float = 10.0) -> None:
        """Close the child's stdin (it shuts down cleanly), then terminate and kill if it lingers."""
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout / 2)
        except subprocess.TimeoutExpired:
            log.warning("the backend process %d did not stop when asked; terminating it", proc.pid)
            proc.terminate()
            try:
                proc.wait(timeout / 2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for reader in self._readers:
            reader.join(timeout / 2)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


# --- the child's side --------------------------------------------------------------------------------


def serve_embedded(server: uvicorn.Server, sock: socket.socket, url: str, *, grace_s: float = 5.0) -> None:
    """Serve until stdin closes (the parent stopped us or died), saying READY once connections are
    accepted. A shutdown that hangs on open connections is forced after `grace_s`, then the process
    exits regardless: an orphaned backend must never outlive its desktop."""
    import asyncio
    import time

    def watch_parent() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(4096):
                pass
        server.should_exit = True
        time.sleep(grace_s)
        server.force_exit = True
        time.sleep(grace_s)
        os._exit(1)

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(f"{READY} {url}", flush=True)
        await task

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    asyncio.run(run())
