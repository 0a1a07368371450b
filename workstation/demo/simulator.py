"""The demo world: seeded users, customers with multi-channel histories, and customers who chat."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from workstation.domain.models import Customer, Message, Role, TimelineEvent, WebPage, utcnow
from workstation.server.backend import Backend, BackendError
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)

DEMO_AGENTS = (
    # username, name, role, skills, languages
    (
        "demo",
        "Demo Agent",
        Role.AGENT,
        ("delivery", "payment", "return", "product", "checkout"),
        ("de", "en"),
    ),
    ("anna", "Anna Schmidt", Role.AGENT, ("delivery", "return", "complaint"), ("de",)),
    ("ben", "Ben Carter", Role.AGENT, ("payment", "device", "cancellation"), ("en",)),
    ("lead", "Lena Vogt", Role.TEAMLEAD, (), ("de", "en")),
)


def seed_users(backend: Backend, password: str) -> None:
    """The demo users (demo mode only), with `password`: a changed WORKSTATION_DEMO_PASSWORD
    replaces the one they were created with."""
    from workstation.server.accounts import ensure_password
    from workstation.server.routing_config import load_demo

    _config, routing = load_demo()
    for username, name, role, skills, languages in DEMO_AGENTS:
        agent = backend.ensure_agent(
            username=username, name=name, password=password, role=role, skills=skills, languages=languages
        )
        ensure_password(backend.engine, username, password)
        # Routing attributes (level, capacity) from routing_demo.toml, once: a team lead's later
        # changes over the API are kept across restarts.
        if username in routing and not backend.has_agent_routing(agent.id):
            backend.set_agent_routing(None, agent.id, routing[username])


def seed_customers(backend: Backend, rng: random.Random, count: int) -> None:
    """Create `count` customers with a year of coherent history each (only into an empty database)."""
    if backend.customer_count() > 0:
        return
    from workstation.demo import journeys

    now = utcnow()
    next_event = 1
    for index in range(count):
        raw = journeys.make_customer(rng, f"c-{1001 + index}")
        customer = Customer.model_validate(raw)
        backend.upsert_customer(customer)
        history = journeys.make_history(rng, raw, now, first_event_id=next_event)
        next_event += len(history) + 1
        backend.add_customer_events(
            [TimelineEvent.model_validate({**ev, "customer_id": customer.id}) for ev in history], push=False
        )


@dataclass(slots=True)
class SimulatorConfig:
    customers: int = 40
    #: Mean seconds between new customer chats; 0 starts none (tests drive chats over HTTP).
    chat_interval_s: float = 45.0
    max_open_chats: int = 6
    reply_delay_s: tuple[float, float] = (2.0, 6.0)
    seed: int | None = None


class Simulator:
    """Customers who open chats now and then and answer the agent like people would."""

    def __init__(self, backend: Backend, config: SimulatorConfig) -> None:
        self.backend = backend
        self.config = config
        self.rng = random.Random(config.seed)
        #: conversation id -> (customer record, opening, turns so far)
        self._chats: dict[str, tuple[dict[str, object], dict[str, object], int]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        backend.agent_message_listeners.append(self._on_agent_message)
        self._service = backend.service_principal()
        from workstation.demo import journeys

        self._journeys = journeys

    async def run(self) -> None:
        if self.config.chat_interval_s <= 0:
            return
        while True:
            await asyncio.sleep(self.rng.expovariate(1.0 / self.config.chat_interval_s))
            try:
                # Its reads and the chat's writes as one step on the backend's writer thread, in
                # order with the desk's writes and never on the loop (writer_thread.py).
                await self.backend.writer.run(self.start_one_chat)
            except WriterClosed:
                return  # the process is exiting
            except Exception:
                log.exception("simulator could not start a chat")

    def start_one_chat(self) -> str | None:
        """Blocking (the backend's writes): run on the writer thread. `_chats` is also changed on
        the loop (the agent-message listener), one whole-dict operation at a time: read as a copy."""
        if len(self._chats) >= self.config.max_open_chats:
            return None
        # A customer in a chat already does not open a second one.
        chatting = {str(raw["id"]) for raw, _opening, _turns in list(self._chats.values())}
        customer_ids = [c for c in self.backend.list_customer_ids() if c not in chatting]
        if not customer_ids:
            return None
        customer = self.backend.get_customer(self._service, self.rng.choice(customer_ids))
        raw = customer.model_dump(mode="json")
        history = [
            {k: v for k, v in ev.model_dump(mode="json").items() if k != "customer_id"}
            for ev in self.backend.customer_events(self._service, customer.id, before=None, limit=300).events
        ]
        history.reverse()  # the generator reads history oldest first
        opening = self._journeys.make_chat_opening(self.rng, raw, history, utcnow())
        page = opening.get("page")
        conv, _token = self.backend.start_chat(
            customer_id=customer.id,
            text=str(opening["text"]),
            topic=str(opening.get("topic") or "") or None,
            language=str(opening.get("language") or customer.language),
            page=WebPage.model_validate(page) if isinstance(page, dict) else None,
        )
        self._chats[conv.id] = (raw, opening, 0)
        # What the customer just did on the web site lands on the timeline as the chat starts.
        if isinstance(page, dict):
            self.backend.add_customer_events(
                [
                    TimelineEvent(
                        id=f"{conv.id}-pv",
                        customer_id=customer.id,
                        at=utcnow() - timedelta(seconds=5),
                        channel="web",
                        kind="page_view",
                        summary=f"Viewed {page.get('title') or page.get('url')}",
                        data={
                            "url": page.get("url"),
                            "title": page.get("title"),
                            "category": "help",
                            "seconds": 90,
                        },
                    )
                ]
            )
        return conv.id

    def forget(self, conversation_id: str) -> None:
        """The chat is over (closed, or the customer left): its customer may open another one."""
        self._chats.pop(conversation_id, None)

    def _on_agent_message(self, conversation_id: str, message: Message) -> None:
        state = self._chats.get(conversation_id)
        if state is None:
            return
        raw, opening, turn = state
        reply = self._journeys.make_customer_reply(self.rng, raw, opening, message.text, turn)
        if reply is None:
            self._chats.pop(conversation_id, None)
            return
        self._chats[conversation_id] = (raw, opening, turn + 1)
        delay = self.rng.uniform(*self.config.reply_delay_s)
        task = asyncio.get_running_loop().create_task(self._reply_later(conversation_id, reply, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reply_later(self, conversation_id: str, text: str, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.backend.writer.run(
                partial(self.backend.post_customer_message, self._service, conversation_id, text)
            )
        except BackendError as exc:  # the agent closed the chat meanwhile
            log.debug("simulated reply dropped: %s", exc.message)
            self._chats.pop(conversation_id, None)
