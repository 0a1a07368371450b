"""Issue 18, item 2: a production server has no known demo passwords; the operator makes the users."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.security.server_helpers import API, ROOT, admin, running

pytestmark = pytest.mark.security

GOOD_PASSWORD = "correct horse battery staple"


def _login(http: httpx.Client, username: str, password: str) -> httpx.Response:
    return http.post(f"{API}/auth/login", json={"username": username, "password": password})


def test_the_standalone_server_without_demo_has_no_demo_users_and_no_shop(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "workstation.server", "--port", "0", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[4]
        assert "Demo users" not in proc.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}{API}/health", trust_env=False, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.1)
        with httpx.Client(base_url=url, trust_env=False) as http:
            for user in ("demo", "anna", "ben", "lead"):
                assert _login(http, user, "demo").status_code == 401
            assert http.get("/shop/").status_code == 404
            assert http.post("/shop/api/signin", json={"customer_id": "c-1001"}).status_code == 404
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    listing = admin(tmp_path, "users", "list")
    assert listing.returncode == 0 and listing.stdout == ""  # nobody, and no simulated customers' agents


def test_simulate_day_needs_demo_mode(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workstation.server", "--simulate-day", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "--simulate-day needs --demo" in result.stderr


def test_an_operator_adds_users_with_passwords_of_their_own(tmp_path: Path) -> None:
    short = admin(
        tmp_path, "users", "add", "alice", "--role", "teamlead", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    # A password is never an argument (it would show in `ps` and the shell history).
    as_argument = admin(tmp_path, "users", "add", "alice", "--role", "agent", "--password", GOOD_PASSWORD)
    assert as_argument.returncode == 2
    added = admin(
        tmp_path,
        "users",
        "add",
        "alice",
        "--role",
        "teamlead",
        "--display-name",
        "Alice Lead",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert (
        admin(
            tmp_path,
            "users",
            "add",
            "alice",
            "--role",
            "agent",
            "--password-stdin",
            stdin=GOOD_PASSWORD + "\n",
        ).returncode
        == 1
    )
    assert GOOD_PASSWORD.encode() not in (tmp_path / "backend.sqlite3").read_bytes()

    with running(tmp_path, demo=False, seeded=False) as backend:
        ok = _login(backend.http, "alice", GOOD_PASSWORD)
        assert ok.status_code == 200 and ok.json()["agent"]["role"] == "teamlead"
        assert ok.json()["agent"]["name"] == "Alice Lead"
        headers = {"Authorization": f"Bearer {ok.json()['token']}"}
        assert backend.http.get(f"{API}/me", headers=headers).status_code == 200

        # A new password ends her sessions; disabling her refuses even the right password.
        new = admin(
            tmp_path, "users", "set-password", "alice", "--password-stdin", stdin="another long secret\n"
        )
        assert new.returncode == 0, new.stderr
        assert backend.http.get(f"{API}/me", headers=headers).status_code == 401
        assert _login(backend.http, "alice", GOOD_PASSWORD).status_code == 401
        assert _login(backend.http, "alice", "another long secret").status_code == 200
        assert admin(tmp_path, "users", "disable", "alice").returncode == 0
        assert _login(backend.http, "alice", "another long secret").status_code == 401
    listing = admin(tmp_path, "users", "list").stdout
    assert "alice\tteamlead\tdisabled\t0 session(s)\tAlice Lead" in listing


def test_a_changed_demo_password_replaces_the_one_the_demo_users_were_made_with(tmp_path: Path) -> None:
    with running(tmp_path, demo_password="first demo password") as backend:
        assert _login(backend.http, "lead", "first demo password").status_code == 200
    with running(tmp_path, demo_password="second demo password", seeded=False) as backend:
        assert _login(backend.http, "lead", "first demo password").status_code == 401
        assert _login(backend.http, "lead", "second demo password").status_code == 200


def test_a_service_account_token_is_printed_once_stored_as_a_hash_and_revocable(tmp_path: Path) -> None:
    made = admin(tmp_path, "service-accounts", "add", "crm-connector")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert len(token) >= 40 and "\n" not in token
    assert token.encode() not in (tmp_path / "backend.sqlite3").read_bytes()
    with running(tmp_path, demo=False, seeded=False) as backend:
        headers = {"Authorization": f"Bearer {token}"}
        # A service account may open chats for customers (what a connector does)...
        refused = backend.http.post(
            f"{API}/customer/chats", json={"customer_id": "nobody", "text": "hi"}, headers=headers
        )
        assert refused.status_code == 404  # past authentication and the service-only check
        assert backend.http.get(f"{API}/routing/config", headers=headers).status_code == 200
        # ...but never signs in with a password, and is gone once revoked.
        assert admin(tmp_path, "service-accounts", "revoke", "crm-connector").returncode == 0
        assert backend.http.get(f"{API}/routing/config", headers=headers).status_code == 401
    assert admin(tmp_path, "service-accounts", "revoke", "nobody").returncode == 1


def test_a_production_start_on_a_former_demo_database_warns_about_its_demo_users(tmp_path: Path) -> None:
    with running(tmp_path, seeded=False):
        pass  # a demo start made demo, anna, ben and lead
    assert admin(tmp_path, "users", "disable", "anna").returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "workstation.server", "--port", "0", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stderr is not None
        warning = next(
            line for line in proc.stderr if line.startswith("warning:") or "Uvicorn running" in line
        )
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert "demo users from an earlier --demo start (ben, demo, lead)" in warning  # anna is disabled


def test_disabling_a_user_from_the_admin_command_closes_their_open_streams(tmp_path: Path) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from workstation.server.backend import BackendConfig

    with running(tmp_path, backend=BackendConfig(revocation_sweep_s=0.2)) as backend:
        headers = backend.login("anna")
        url = backend.url.replace("http", "ws") + f"{API}/stream"
        with connect(url, additional_headers=headers, proxy=None, open_timeout=5) as ws:
            ws.recv(timeout=5)  # hello
            # The admin command runs in its own process: it can only delete the token rows.
            assert admin(tmp_path, "users", "disable", "anna").returncode == 0
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
