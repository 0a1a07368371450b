"""Sign-in without stalling the server or inviting guessing: scrypt on a few worker threads, and
exponential lockouts per user and per client address.

scrypt costs ~50 ms of CPU; on the event loop a flood of wrong passwords would hold up every push
stream. Here it runs on at most `hash_threads` threads (anyio's limiter), and a login that would
have to queue behind more than `max_waiting` others is answered 503 at once, so a flood cannot
take all threads or grow an unbounded queue. Locked-out attempts are refused before any hashing.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import anyio.to_thread

from workstation.domain import messages as M
from workstation.domain.models import Agent
from workstation.server import audit
from workstation.server.backend import Backend, BackendError


@dataclass(slots=True)
class LoginPolicy:
    #: Failed sign-ins a user name may have before it is locked out for a while.
    user_failures: int = 5
    #: Failed sign-ins one client address may have (higher: many people can share an address).
    address_failures: int = 20
    #: The first lockout; each further failure doubles it, up to `max_lockout_s`.
    base_lockout_s: float = 30.0
    max_lockout_s: float = 900.0
    #: A name or address with no failure for this long starts afresh.
    forget_after_s: float = 3600.0
    #: Names and addresses remembered at most (the oldest are forgotten first): bounded memory.
    max_tracked: int = 10_000
    hash_threads: int = 2
    max_waiting: int = 32
    clock: Callable[[], float] = field(default=time.monotonic)


@dataclass(slots=True)
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failures per key ("user:<name>", "addr:<ip>"); past `free` failures a key is locked
    for base * 2**(failures - free) seconds, capped. One more failure after a lockout doubles it."""

    def __init__(self, policy: LoginPolicy) -> None:
        self.policy = policy
        self._keys: OrderedDict[str, _Failures] = OrderedDict()

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again (0: it may now)."""
        entry = self._current(key)
        return max(0.0, entry.locked_until - self.policy.clock()) if entry else 0.0

    def failed(self, key: str, free: int) -> float:
        """Count a failure; returns the lockout it started (0 if none)."""
        now = self.policy.clock()
        entry = self._current(key) or _Failures()
        entry.count += 1
        entry.last = now
        lockout = 0.0
        if entry.count >= free:
            lockout = min(self.policy.max_lockout_s, self.policy.base_lockout_s * 2 ** (entry.count - free))
            entry.locked_until = now + lockout
        self._keys[key] = entry
        self._keys.move_to_end(key)
        while len(self._keys) > self.policy.max_tracked:
            self._keys.popitem(last=False)
        return lockout

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)

    def _current(self, key: str) -> _Failures | None:
        entry = self._keys.get(key)
        if entry is not None and self.policy.clock() - entry.last > self.policy.forget_after_s:
            del self._keys[key]
            return None
        return entry


class LoginGuard:
    """POST /auth/login's logic: throttle, check the password off the loop, open the session, audit."""

    def __init__(self, backend: Backend, policy: LoginPolicy | None = None) -> None:
        self.backend = backend
        self.policy = policy or LoginPolicy()
        self.throttle = LoginThrottle(self.policy)
        self._limiter: anyio.CapacityLimiter | None = None  # made on the server's loop, at first use
        self._in_flight = 0

    async def login(self, username: str, password: str, address: str) -> tuple[str, Agent]:
        user_key, addr_key = f"user:{username}", f"addr:{address}"
        wait = max(self.throttle.retry_after(user_key), self.throttle.retry_after(addr_key))
        if wait > 0:
            raise _too_many(wait)
        if self._in_flight >= self.policy.max_waiting + self.policy.hash_threads:
            raise BackendError(503, "busy", "Too many sign-ins at once; try again in a moment.")
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.policy.hash_threads)
        self._in_flight += 1
        try:
            agent_id = await anyio.to_thread.run_sync(
                self.backend.check_password, username, password, limiter=self._limiter
            )
        finally:
            self._in_flight -= 1
        engine = self.backend.engine
        if agent_id is None:
            locked = max(
                self.throttle.failed(user_key, self.policy.user_failures),
                self.throttle.failed(addr_key, self.policy.address_failures),
            )
            # The attempted name is kept only when it is a real user's: a mistyped password in the
            # name field would otherwise end up in the log.
            known = self.backend.is_username(username)
            target = username if known else ""
            audit.record_now(
                engine, audit.SIGN_IN_FAILED, actor=audit.ANONYMOUS, target=target, address=address
            )
            if locked:
                audit.record_now(
                    engine,
                    audit.SIGN_IN_LOCKED,
                    actor=audit.ANONYMOUS,
                    target=target,
                    address=address,
                    seconds=round(locked),
                )
            raise BackendError(401, "invalid_credentials", M.Msg(M.INVALID_CREDENTIALS))
        self.throttle.succeeded(user_key)
        token, agent = self.backend.open_session(agent_id)
        actor = f"{agent.role}:{username}"
        audit.record_now(engine, audit.SIGN_IN, actor=actor, target=username, address=address)
        return token, agent


def _too_many(wait: float) -> BackendError:
    return BackendError(
        429,
        "too_many_attempts",
        "Too many failed sign-ins; try again later.",
        retry_after=wait,
    )
