"""A real PostgreSQL server for tests: initdb in a temp dir, started on a free loopback port, stopped after.

PostgreSQL refuses to run as root (CI runs as root): then the server runs as the unprivileged
`nobody` through `runuser`, in a directory owned by it. As a normal user it runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

#: The server's only user (a superuser: tests create and drop databases).
PG_USER = "workstation"
#: Who runs the server when the tests run as root.
UNPRIVILEGED = "nobody"


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: $WORKSTATION_PG_BIN, Debian's newest version, or the PATH."""
    if os.environ.get("WORKSTATION_PG_BIN"):
        return Path(os.environ["WORKSTATION_PG_BIN"])
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One throwaway cluster; `create_database()` hands out empty databases on it."""

    def __init__(self, bindir: Path, settings: dict[str, str] | None = None) -> None:
        self.bindir = bindir
        #: Extra server settings (`-c name=value`), e.g. pg_stat_statements for bench_load.py.
        self.settings = dict(settings or {})
        self.as_root = os.geteuid() == 0
        # Not under pytest's tmp_path: as root that lies under a 0700 directory `nobody` cannot enter
        # (nor under a private $TMPDIR); /tmp is open to all. Short, too: a socket path has ~100 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="ws-pg-", dir="/tmp" if self.as_root else None))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = _free_port()
        self.sockets.mkdir()
        if self.as_root:
            for path in (self.root, self.sockets):
                shutil.chown(path, user=UNPRIVILEGED)
        os.chmod(self.root, 0o700)

    def _run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", UNPRIVILEGED, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True, cwd=self.root
        )

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust", "--no-locale",
                  "-E", "UTF8", "--no-sync")  # fmt: skip
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l",
                  str(self.root / "server.log"), "-o", self._options())  # fmt: skip

    def _options(self) -> str:
        # Durability off: a test cluster never outlives its tests, and fsyncs would dominate their time.
        return (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            # Far from UTC, as a production server's may be: naive UTC timestamps compared with
            # timestamptz columns would be off by hours here, not by nothing.
            "-c TimeZone=Pacific/Auckland"
        ) + "".join(f" -c {name}={value}" for name, value in self.settings.items())

    def restart(self) -> None:
        """Stop the server (every client connection is cut) and start it again on the same port.

        "fast" shutdown: what an administrator's restart does; committed data survives it (even
        with fsync off: the operating system still has it)."""
        self._run("pg_ctl", "restart", "-w", "-t", "60", "-D", str(self.data), "-m", "fast", "-l",
                  str(self.root / "server.log"), "-o", self._options())  # fmt: skip

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The server down ("fast" shutdown: every client connection is cut) for the `with` block,
        then started again on the same port."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", "fast")
        try:
            yield
        finally:
            self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l",
                      str(self.root / "server.log"), "-o", self._options())  # fmt: skip

    def stop(self) -> None:
        # A crashed server process makes every open connection "lost": say so, the log goes next.
        tail = self.log_tail(80)
        if any(word in tail for word in ("PANIC", "terminated by signal", "was terminated")):
            print(f"\nPostgreSQL test server log (tail):\n{tail}", file=sys.stderr)
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join((self.root / "server.log").read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=PG_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        # Connections a test left behind (a killed process's) must not keep the database alive.
        deadline = time.monotonic() + 10
        while True:
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
