"""The real reference backend on a loopback port with the options a security test needs."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.backend import Backend, seed
from workstation.server.backend import BackendConfig
from workstation.server.runner import ServerOptions, ServerThread

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.contextmanager
def running(data_dir: Path, *, seeded: bool = True, **options: Any) -> Iterator[Backend]:
    """A ServerThread (simulator off, demo mode unless `demo=False`) and the test helper around it."""
    options.setdefault("simulator", None)
    options.setdefault("backend", BackendConfig(router_tick_s=0.05))
    server = ServerThread(ServerOptions(data_dir=data_dir, **options))
    server.start()
    helper: Backend | None = None
    try:
        if seeded:
            seed(server)
        helper = Backend(server)
        yield helper
    finally:
        if helper is not None:
            helper.http.close()
        server.stop()


def admin(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m workstation.server <args> --data-dir <data_dir>` as the operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "workstation.server", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def raw_connection(url: str) -> socket.socket:
    host, port = httpx.URL(url).host, httpx.URL(url).port
    assert port is not None
    sock = socket.create_connection((host, port), timeout=10)
    return sock


def read_response(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or 10 s pass)."""
    data = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and _complete(data):
                break
    return data


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False
