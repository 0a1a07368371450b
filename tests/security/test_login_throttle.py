"""Issue 18, item 7: sign-in hashes off the event loop, locks out guessers, costs the same for everyone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.security.server_helpers import API, FakeClock, running
from workstation.server import passwords
from workstation.server.login_guard import LoginPolicy

pytestmark = pytest.mark.security


def _login(http: httpx.Client, username: str, password: str) -> httpx.Response:
    return http.post(f"{API}/auth/login", json={"username": username, "password": password})


class _HashProbe:
    """Stands in for scrypt: counts runs, tracks how many run at once, can hold them until released."""

    def __init__(self, real: Any, *, hold: bool = False) -> None:
        self.real = real
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self._lock = threading.Lock()

    def __call__(self, password: bytes, salt: bytes) -> bytes:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.entered.release()
        try:
            self.release.wait(30)
            return bytes(self.real(password, salt))
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[_HashProbe]:
    probe = _HashProbe(passwords._scrypt)
    passwords.dummy_hash()  # made once beforehand, not counted
    monkeypatch.setattr(passwords, "_scrypt", probe)
    yield probe
    probe.release.set()


def test_repeated_failures_lock_the_user_out_until_the_lockout_expires(tmp_path: Path) -> None:
    clock = FakeClock()
    policy = LoginPolicy(user_failures=3, address_failures=100, base_lockout_s=30, clock=clock)
    with running(tmp_path, login=policy) as backend:
        for _ in range(3):
            assert _login(backend.http, "anna", "wrong").status_code == 401
        locked = _login(backend.http, "anna", "demo")  # even the right password, while locked
        assert locked.status_code == 429 and locked.headers["Retry-After"] == "30"
        assert _login(backend.http, "ben", "demo").status_code == 200  # other users are not affected
        clock.advance(29)
        assert _login(backend.http, "anna", "demo").status_code == 429
        clock.advance(2)
        # One more failure after a lockout doubles it.
        assert _login(backend.http, "anna", "wrong").status_code == 401
        assert _login(backend.http, "anna", "demo").headers["Retry-After"] == "60"
        clock.advance(61)
        assert _login(backend.http, "anna", "demo").status_code == 200
        # A success resets her count: one failure is just a failure again.
        assert _login(backend.http, "anna", "wrong").status_code == 401
        assert _login(backend.http, "anna", "demo").status_code == 200


def test_one_address_guessing_many_names_is_locked_out(tmp_path: Path) -> None:
    clock = FakeClock()
    policy = LoginPolicy(user_failures=100, address_failures=4, base_lockout_s=10, clock=clock)
    with running(tmp_path, login=policy) as backend:
        for name in ("demo", "anna", "ben", "lead"):
            assert _login(backend.http, name, "guess").status_code == 401
        refused = _login(backend.http, "someone-else", "guess")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 10
        clock.advance(11)
        assert _login(backend.http, "demo", "demo").status_code == 200


def test_unknown_and_known_users_cost_the_same_one_hash(tmp_path: Path, probe: _HashProbe) -> None:
    with running(tmp_path) as backend:
        before = probe.calls
        assert _login(backend.http, "anna", "wrong password").status_code == 401
        known = probe.calls - before
        before = probe.calls
        assert _login(backend.http, "nobody-at-all", "wrong password").status_code == 401
        unknown = probe.calls - before
    assert known == unknown == 1


def test_the_server_answers_while_sign_ins_are_hashing(tmp_path: Path, probe: _HashProbe) -> None:
    policy = LoginPolicy(hash_threads=2, max_waiting=3, user_failures=100, address_failures=100)
    with running(tmp_path, login=policy) as backend:
        probe.release.clear()  # every hash now waits until the test lets it go
        with ThreadPoolExecutor(8) as pool:
            logins = [pool.submit(_login, backend.http, f"user{i}", "wrong") for i in range(8)]
            assert probe.entered.acquire(timeout=10) and probe.entered.acquire(timeout=10)
            # Two hashes are held mid-run: the loop still serves others (the health check at once,
            # and the sign-ins beyond what may wait are told the server is busy).
            health = httpx.get(f"{backend.url}{API}/health", trust_env=False, timeout=10)
            assert health.status_code == 200 and probe.running == 2
            backend.wait_for(lambda: sum(f.done() for f in logins) >= 3)
            busy = [f for f in logins if f.done()]
            assert len(busy) == 3 and all(f.result().status_code == 503 for f in busy)
            assert probe.running == 2
            probe.release.set()
            assert sorted(f.result().status_code for f in logins) == [401] * 5 + [503] * 3
    assert probe.most_at_once == 2  # never more threads than the limit
