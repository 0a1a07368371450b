"""A Hypothesis state machine drives the desktop's write path (real outbox, real cache file) against
the real backend through random writes, disconnects, reconnects and restarts of both sides; in the
end the backend holds exactly what the agent meant: every reply once and in order, the last note
text, the last e-mail address."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from tests.faults import FaultProxy
from tests.helpers.backend import Backend, start_server
from workstation.client.api import BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Agent, Message, utcnow
from workstation.services.records import RecordsService
from workstation.services.session import SessionService
from workstation.services.sync import SyncService
from workstation.store.cache import CONFLICT, CacheStore, new_key, open_engine

pytestmark = pytest.mark.slow

API = "/api/v1"
WORDS = st.sampled_from(["ja", "nein", "morgen", "Paket", "Rechnung", "danke", "bitte", "heute"])


class _Desktop:
    """The desktop's write path: API client, cache, sync (outbox + stream) and the records service."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, url: str, token: str, agent: Agent, cache: Path
    ) -> None:
        self.loop = loop
        self.http = httpx.AsyncClient(base_url=url, trust_env=False, timeout=httpx.Timeout(5.0, connect=2.0))
        self.api = BackendApi(self.http, token=token)
        self.store = CacheStore(open_engine(cache))
        self.sync = SyncService(self.api, self.store, backoff=Backoff(initial=0.02, maximum=0.2))
        session = SessionService(self.api, None)
        session.agent = agent
        self.records = RecordsService(self.api, self.store, self.sync, session)

        async def start() -> None:
            self.sync.start()  # its tasks belong to the loop that runs them

        loop.run_until_complete(start())

    def close(self) -> None:
        self.loop.run_until_complete(self.sync.stop())
        self.loop.run_until_complete(self.http.aclose())
        self.store.close()


def test_random_writes_disconnects_and_restarts_end_in_the_agents_intent(
    backend: Backend, tmp_path: Path
) -> None:
    loop = asyncio.new_event_loop()
    proxy = FaultProxy(backend.server.port)
    lead = backend.login("lead")
    demo = backend.login("demo")
    token = demo["Authorization"].removeprefix("Bearer ")
    assert (
        backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo).status_code
        == 200
    )
    agent = Agent.model_validate(backend.http.get(f"{API}/me", headers=demo).json())
    examples = [0]
    ran: collections.Counter[str] = collections.Counter()

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            examples[0] += 1
            self.cache = tmp_path / f"cache-{examples[0]}.sqlite3"
            self.chat = backend.start_chat("c-1", f"Beispiel {examples[0]}")
            conv = self.chat["conversation"]["id"]
            offer = backend.wait_for(
                lambda: next((o for o in backend.offers(demo) if o["conversation_id"] == conv), None)
            )
            accepted = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo)
            assert accepted.status_code == 200
            self.conv = conv
            self.messages: list[str] = []
            self.note_text: str | None = None
            self.email: str | None = None
            proxy.set_mode("pass", upstream_port=backend.server.port)
            self.desk = _Desktop(loop, proxy.url, token, agent, self.cache)
            self._run(self._load_customer())

        async def _load_customer(self) -> None:
            customer = await self.desk.api.customer("c-1")
            # Through the writer, as every write of the desktop (a pushed copy may be stored meanwhile).
            await self.desk.store.writes.run(self.desk.store.apply, customers=[customer])

        def _run(self, coro: Any) -> Any:
            return loop.run_until_complete(asyncio.wait_for(coro, 60))

        def _committed(self) -> None:
            """Every write submitted so far is committed by the cache's writer thread."""

            async def barrier() -> None:
                await asyncio.wrap_future(self.desk.store.writes.barrier())
                await asyncio.sleep(0)  # and what follows a commit (run on the loop) has run

            self._run(barrier())

        def _let_it_run(self, seconds: float) -> None:
            self._run(asyncio.sleep(seconds))

        @initialize(text=WORDS)
        def first_note(self, text: str) -> None:
            view = self.desk.records.add_note("c-1", f"Notiz {text}")
            self.note_key = view.note.client_key
            self.note_text = f"Notiz {text}"

        # Two rules, so that writes and faults come about equally often whatever Hypothesis draws.
        @rule(
            kind=st.sampled_from(["reply", "reply", "reply", "edit_note", "edit_email"]),
            word=WORDS,
            wait=st.sampled_from([0.0, 0.0, 0.02, 0.1]),
        )
        def write(self, kind: str, word: str, wait: float) -> None:
            ran[kind] += 1
            getattr(self, kind)(word)
            self._let_it_run(wait)

        @rule(
            kind=st.sampled_from(
                [
                    "disconnect",
                    "reconnect",
                    "disconnect",
                    "reconnect",
                    "slow",
                    "restart_desktop",
                    "restart_backend",
                ]
            )
        )
        def fault(self, kind: str) -> None:
            ran[kind] += 1
            getattr(self, kind)()

        def reply(self, word: str) -> None:
            text = f"{len(self.messages)}: {word}"
            key = new_key()
            local = Message(
                id=f"local:{key}",
                conversation_id=self.conv,
                sender="agent",
                text=text,
                at=utcnow(),
                client_key=key,
            )
            self.desk.sync.submit("message", {"text": text}, target=self.conv, local_message=local)
            self.messages.append(text)

        def edit_note(self, word: str) -> None:
            self._committed()  # the agent edits a note they see, i.e. one committed
            # (the stream also brings the notes earlier examples wrote on the same customer)
            (view,) = [v for v in self.desk.records.notes("c-1") if v.note.client_key == self.note_key]
            new = f"{view.text} {word}"
            self.desk.records.edit_note("c-1", view.note.id, new)
            self.note_text = new

        def edit_email(self, word: str) -> None:
            value = f"{word.lower()}@example.org"
            self.desk.records.edit_customer("c-1", {"email": value})
            self.email = value

        def disconnect(self) -> None:
            proxy.set_mode("down")
            self._let_it_run(0.05)

        def reconnect(self) -> None:
            proxy.set_mode("pass")
            self._let_it_run(0.05)

        def slow(self) -> None:
            proxy.set_mode("slow", delay_s=0.3)
            self._let_it_run(0.1)

        def restart_desktop(self) -> None:
            self.desk.close()
            self.desk = _Desktop(loop, proxy.url, token, agent, self.cache)

        def restart_backend(self) -> None:
            port, data_dir = backend.server.port, backend.server.options.data_dir
            backend.server.stop()
            self._let_it_run(0.1)  # the desktop notices while it is down
            backend.server = start_server(data_dir, port=port)

        def teardown(self) -> None:
            try:
                proxy.set_mode("pass")
                self._committed()

                async def settled() -> None:
                    while self.desk.store.count_pending():
                        await asyncio.sleep(0.02)

                self._run(settled())
                assert self.desk.store.outbox_records(states=(CONFLICT,)) == []  # one agent: no conflicts
                assert self.desk.store.failed() == []
                transcript = backend.transcript(self.chat)
                assert [m["text"] for m in transcript if m["sender"] == "agent"] == self.messages
                notes = backend.http.get(f"{API}/customers/c-1/notes", headers=lead).json()
                (mine,) = [n for n in notes if n["client_key"] == self.note_key]
                assert mine["text"] == self.note_text
                email = backend.http.get(f"{API}/customers/c-1", headers=lead).json()["email"]
                if self.email is not None:
                    assert email == self.email
            finally:
                self.desk.close()
                with contextlib.suppress(Exception):
                    backend.http.post(
                        f"{API}/conversations/{self.conv}/close",
                        json={"wrapup_code": "resolved"},
                        headers=demo,
                    )

    try:
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=8,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            ),
        )
    finally:
        proxy.close()
        loop.close()
    # The examples really went through writes, faults and restarts (not only what Hypothesis drew first).
    assert {"reply", "edit_note", "edit_email", "disconnect", "reconnect"} <= set(ran), ran
    assert ran["restart_backend"] + ran["restart_desktop"] >= 1, ran
    print("state machine steps:", dict(ran))
