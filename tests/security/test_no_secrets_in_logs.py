"""Issue 18.9: no token and no password reaches the backend's log, at any level.

A canary: the real server process with every logger at DEBUG (uvicorn's at TRACE, its access log
on), driven through sign-in, the agent stream with `?token=`, the monitor stream, a customer page's
token frame, the cobrowse relay and authenticated REST calls; then its whole log is searched for
the secrets it saw."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

pytestmark = pytest.mark.security

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


def _ws(base: str, path: str, headers: dict[str, str] | None = None) -> Any:
    return connect(base.replace("http://", "ws://") + path, additional_headers=headers or {}, proxy=None)


def test_no_token_or_password_in_the_servers_log_at_any_level(tmp_path: Path) -> None:
    password = "canary-" + secrets.token_urlsafe(12)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A file, not a pipe: a full pipe would block the server's logging (and the server).
    log_file = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.security.log_canary_server", str(tmp_path / "data"), password],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
    )
    try:
        assert process.stdout is not None
        port, service_token, customer_id = process.stdout.readline().split()
        base = f"http://127.0.0.1:{port}"
        seen = [password, service_token]
        with httpx.Client(base_url=base, trust_env=False, timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    http.get(f"{API}/health")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the canary server did not come up"
                    time.sleep(0.1)
            seen += _exercise(http, base, password, service_token, customer_id)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        log_file.close()
    log = (tmp_path / "server.log").read_text()
    # the log is real and verbose (else this proves nothing) ...
    assert "TRACE" in log or "DEBUG" in log
    assert "/stream?after=0&token=‹redacted›" in log  # the request line was logged, redacted
    assert "Bearer ‹redacted›" in log  # handshake headers at DEBUG, redacted
    # ... and none of the secrets it saw is in it, anywhere
    for secret in seen:
        assert secret not in log, f"a secret ({secret[:4]}…) is in the server's log"


def _exercise(http: httpx.Client, base: str, password: str, service: str, customer_id: str) -> list[str]:
    """Every way a secret reaches the server; returns the secrets used."""
    tokens = {}
    for user in ("demo", "lead"):
        answer = http.post(f"{API}/auth/login", json={"username": user, "password": password})
        assert answer.status_code == 200, answer.text
        tokens[user] = answer.json()["token"]
    agent = {"Authorization": f"Bearer {tokens['demo']}"}
    lead = {"Authorization": f"Bearer {tokens['lead']}"}
    assert http.get(f"{API}/me", headers=agent).status_code == 200
    assert http.put(f"{API}/me/presence", json={"presence": "available"}, headers=agent).status_code == 200
    chat = http.post(
        f"{API}/customer/chats",
        json={"customer_id": customer_id, "text": "Hallo"},
        headers={"Authorization": f"Bearer {service}"},
    ).json()
    customer_token, conv_id = chat["customer_token"], chat["conversation"]["id"]
    with _ws(base, f"{API}/stream?after=0&token={tokens['demo']}") as stream:
        stream.recv(timeout=5)
        offer = None
        for _ in range(100):
            offers = http.get(f"{API}/offers", headers=agent).json()
            if offers:
                offer = offers[0]
                break
            time.sleep(0.05)
        assert offer is not None
        assert http.post(f"{API}/offers/{offer['id']}/accept", headers=agent).status_code == 200
        with _ws(base, f"{API}/monitor/stream?token={tokens['lead']}") as monitor:
            monitor.recv(timeout=5)
        with _ws(base, f"{API}/customer/chats/{conv_id}/live") as page:
            page.send(json.dumps({"token": customer_token}))
            page.recv(timeout=5)
            status = f"{API}/conversations/{conv_id}/cobrowse"
            for _ in range(100):
                if http.get(status, headers=agent).json()["available"]:
                    break
                time.sleep(0.05)
            invited = http.post(status, headers=agent)
            assert invited.status_code == 201, invited.text
            with _ws(base, f"{API}/cobrowse/{invited.json()['id']}/relay", agent) as relay:
                relay.recv(timeout=5)
        said = http.post(
            f"{API}/customer/chats/{conv_id}/messages",
            json={"text": "Noch da?"},
            headers={"Authorization": f"Bearer {customer_token}"},
        )
        assert said.status_code == 201
        assert http.get(f"{API}/customers/{customer_id}", headers=agent).status_code == 200
        assert http.get(f"{API}/monitor/snapshot", headers=lead).status_code == 200
        # a refused token is logged no more than an accepted one
        assert (
            http.get(f"{API}/me", headers={"Authorization": "Bearer not-a-real-token-123"}).status_code == 401
        )
        assert http.post(f"{API}/auth/logout", headers=agent).status_code == 200
    return [tokens["demo"], tokens["lead"], customer_token, "not-a-real-token-123"]
