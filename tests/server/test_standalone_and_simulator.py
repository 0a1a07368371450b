"""The backend as a standalone program, and its simulator producing customers and chats."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers.backend import Backend
from workstation.demo.simulator import SimulatorConfig
from workstation.server.backend import BackendConfig
from workstation.server.runner import ServerOptions, ServerThread

ROOT = Path(__file__).resolve().parents[2]


def test_standalone_server_starts_and_serves(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workstation.server",
            "--port",
            "0",
            "--demo",
            "--no-simulator",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Workstation reference backend on http://127.0.0.1:")
        url = first.split()[4]
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{url}/api/v1/health", trust_env=False, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        login = httpx.post(
            f"{url}/api/v1/auth/login", json={"username": "lead", "password": "demo"}, trust_env=False
        )
        assert login.json()["agent"]["role"] == "teamlead"
        assert (tmp_path / "backend.sqlite3").exists()
    finally:
        proc.terminate()
        proc.communicate(timeout=20)  # also closes the pipes


def test_standalone_server_reports_a_busy_port(tmp_path: Path, backend: Backend) -> None:
    port = str(backend.server.port)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "workstation.server",
            "--port",
            port,
            "--no-simulator",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_simulator_seeds_customers_with_history_and_chats_back(tmp_path: Path) -> None:
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path,
            backend=BackendConfig(router_tick_s=0.05),
            simulator=SimulatorConfig(customers=6, chat_interval_s=0, reply_delay_s=(0.05, 0.1), seed=3),
        )
    )
    server.start()
    helper = Backend(server)
    try:
        backend, simulator = server.backend, server.simulator
        assert backend is not None and simulator is not None
        assert backend.customer_count() == 6
        lead = helper.login("lead")
        customers = [
            helper.http.get(f"/api/v1/customers/c-{1001 + i}", headers=lead).json() for i in range(6)
        ]
        assert {c["language"] for c in customers} <= {"de", "en"}
        histories = [
            helper.http.get(
                f"/api/v1/customers/{c['id']}/events", params={"limit": 1000}, headers=lead
            ).json()["events"]
            for c in customers
        ]
        assert all(len(h) >= 10 for h in histories)
        assert len({e["channel"] for h in histories for e in h}) >= 5  # several channels of history

        demo = helper.login("demo")
        helper.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=demo)
        conversation_id = server.call(simulator.start_one_chat)
        assert conversation_id
        (offer,) = helper.wait_for(lambda: helper.offers(demo))
        conv = helper.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=demo).json()
        assert conv["messages"][0]["sender"] == "customer" and conv["messages"][0]["text"]
        helper.http.post(
            f"/api/v1/conversations/{conv['id']}/messages", json={"text": "Gerne!"}, headers=demo
        )

        def customer_answered() -> bool:
            messages = helper.http.get(f"/api/v1/conversations/{conv['id']}", headers=demo).json()["messages"]
            return [m["sender"] for m in messages][-1] == "customer" and len(messages) >= 3

        helper.wait_for(customer_answered, timeout=10)
    finally:
        helper.http.close()
        server.stop()


def test_accepted_connections_have_nagle_switched_off() -> None:
    # asyncio sets TCP_NODELAY only on sockets created as IPPROTO_TCP; without it each response
    # waited for the client's 40 ms delayed ACK.
    import asyncio
    import socket

    from workstation.server.runner import bind_socket

    async def main() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_connect(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listener = bind_socket("127.0.0.1", 0)
        server = await asyncio.start_server(on_connect, sock=listener)
        _reader, writer = await asyncio.open_connection(*listener.getsockname())
        result = await asyncio.wait_for(accepted, 5)
        writer.close()
        server.close()
        await server.wait_closed()
        return result

    assert asyncio.run(main()) != 0
