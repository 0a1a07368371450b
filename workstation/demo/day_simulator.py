"""A contact-centre day compressed in time: simulated agents on shifts and breaks, customers who
arrive in waves and bursts, and give up when they wait too long.

Everything goes through the backend's own operations (start_chat, set_presence, accept_offer,
post_agent_message, close_conversation, leave_chat), so the queue statistics it produces are the
backend's real ones. The day runs from 08:00 to 20:00 on a day clock `day_length_s` real seconds
long, then starts again; waits, patience and handling times are real seconds, as a team lead sees them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import secrets
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select

from workstation.demo.simulator import Simulator
from workstation.domain.models import ConversationState, Presence, Role
from workstation.domain.workflow import AgentRouting
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.db import AgentRow, ConversationRow, OfferRow, read_session
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)

DAY_START_H, DAY_END_H = 8.0, 20.0

_FIRST = (
    "Mara", "Jonas", "Leonie", "Tim", "Sophie", "Felix", "Emma", "Paul", "Lea", "Noah", "Hannah",
    "Elias", "Mia", "Luis", "Clara", "Ole", "Amira", "Yusuf", "Grace", "Owen", "Chloe", "Ethan",
)  # fmt: skip
_LAST = (
    "Becker", "Wagner", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun", "Zimmer",
    "Hughes", "Walsh", "Murphy", "Price", "Bell", "Ward", "Yilmaz", "Nowak", "Costa", "Meyer",
)  # fmt: skip
_SKILLS = ("delivery", "payment", "return", "product", "checkout", "complaint", "device", "cancellation")
_WRAPUPS = (
    ("resolved", 0.6),
    ("info_given", 0.2),
    ("follow_up", 0.12),
    ("escalated", 0.05),
    ("wrong_queue", 0.03),
)


@dataclass(slots=True)
class DayConfig:
    agents: int = 12
    #: Real seconds for the day clock's 08:00-20:00.
    day_length_s: float = 1200.0
    #: New chats per real minute at the busiest hour (bursts come on top).
    peak_chats_per_min: float = 10.0
    #: Median seconds a customer waits before giving up (log-normal spread).
    patience_median_s: float = 75.0
    #: Median seconds an agent spends on a chat (log-normal spread).
    handle_median_s: float = 100.0
    #: Mean number of bursts per day (an outage, a newsletter): arrivals ×2.5 for a while.
    bursts_per_day: float = 3.0
    customers: int = 120
    seed: int | None = None
    tick_s: float = 0.5


@dataclass(slots=True)
class _SimAgent:
    principal: Principal
    username: str
    shift: tuple[float, float]  # day-clock hours
    breaks: list[tuple[float, float, str]]  # (from, to, "break" | "lunch")
    #: conversation id -> (real time to write next, real time to close)
    chats: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: offer id -> real time the agent decides
    offers: dict[str, float] = field(default_factory=dict)
    back_at: float = 0.0  # after a missed offer: available again at this real time
    presence: Presence = Presence.OFFLINE


class DaySimulator:
    """Runs the compressed day against `backend`; `simulator` writes openings and customer replies."""

    def __init__(self, backend: Backend, simulator: Simulator, config: DayConfig) -> None:
        self.backend = backend
        self.simulator = simulator
        self.config = config
        self.rng = random.Random(config.seed)
        self._service = backend.service_principal()
        #: conversation id -> real time the customer gives up if still waiting
        self._patience: dict[str, float] = {}
        self._burst_until = 0.0
        self._clock_start: float | None = None
        self.agents = [self._hire(i) for i in range(config.agents)]
        self.counts = {"chats": 0, "abandoned": 0, "answered": 0, "closed": 0, "bursts": 0}

    # --- the team ------------------------------------------------------------------------------

    def _hire(self, index: int) -> _SimAgent:
        rng = self.rng
        username = f"sim{index + 1:02d}"
        name = f"{_FIRST[index % len(_FIRST)]} {_LAST[(index * 7) % len(_LAST)]}"
        languages = ("de", "en") if index % 3 == 0 else (("de",) if index % 3 == 1 else ("en",))
        skills = tuple(sorted(rng.sample(_SKILLS, 3)))
        agent = self.backend.ensure_agent(
            username=username,
            name=name,
            password=secrets.token_urlsafe(24),  # simulated: nobody signs in as them
            role=Role.AGENT,
            skills=skills,
            languages=languages,
        )
        if not self.backend.has_agent_routing(agent.id):
            level = 3 if index % 5 == 0 else 1 + index % 2
            self.backend.set_agent_routing(
                None,
                agent.id,
                AgentRouting(attributes={"level": level}, capacity={"chat": 2 + index % 2, "voice": 1}),
            )
        # Early, middle and late shifts of 8.5 hours; two short breaks and a lunch, staggered.
        start = DAY_START_H + (index % 3) * 1.75 + rng.uniform(0, 0.5)
        end = min(DAY_END_H, start + 8.5)
        lunch = start + 4.0 + rng.uniform(-0.4, 0.4)
        breaks = [
            (start + 2.0 + rng.uniform(-0.3, 0.3), 0.25, "break"),
            (lunch, 0.5, "lunch"),
            (start + 6.5 + rng.uniform(-0.3, 0.3), 0.25, "break"),
        ]
        return _SimAgent(
            principal=Principal(scope="agent", agent_id=agent.id, role=Role.AGENT),
            username=username,
            shift=(start, end),
            breaks=[(b, b + length, kind) for b, length, kind in breaks],
        )

    # --- the clock -----------------------------------------------------------------------------

    def day_hour(self, now: float) -> float:
        """The day clock (08:00-20:00, repeating) at real time `now`."""
        start = self._clock_start if self._clock_start is not None else now
        fraction = ((now - start) / self.config.day_length_s) % 1.0
        return DAY_START_H + fraction * (DAY_END_H - DAY_START_H)

    @staticmethod
    def day_shape(hour: float) -> float:
        """Arrivals relative to the busiest hour: a morning peak, a lunch dip, an afternoon peak."""
        morning = math.exp(-(((hour - 10.5) / 1.3) ** 2))
        afternoon = 0.85 * math.exp(-(((hour - 14.5) / 1.6) ** 2))
        evening = 0.35 * math.exp(-(((hour - 18.0) / 1.2) ** 2))
        return min(1.0, 0.15 + morning + afternoon + evening)

    def arrival_rate(self, now: float) -> float:
        """Chats per real second now."""
        rate = self.config.peak_chats_per_min / 60.0 * self.day_shape(self.day_hour(now))
        return rate * (2.5 if now < self._burst_until else 1.0)

    # --- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._clock_start = loop.time()
        while True:
            try:
                # A tick's reads and the writes they lead to as one step on the backend's writer
                # thread: off the loop, and nothing runs between an agent's look and its act.
                await self.backend.writer.run(partial(self.tick, loop.time()))
            except WriterClosed:
                return  # the process is exiting
            except Exception:
                log.exception("day simulation step failed")
            await asyncio.sleep(self.config.tick_s)

    def tick(self, now: float) -> None:
        dt = self.config.tick_s
        hour = self.day_hour(now)
        burst_chance = self.config.bursts_per_day * dt / self.config.day_length_s
        if now >= self._burst_until and self.rng.random() < burst_chance:
            self._burst_until = now + self.rng.uniform(0.03, 0.06) * self.config.day_length_s
            self.counts["bursts"] += 1
            log.info("day simulation: a burst of chats starts at %02d:%02d", int(hour), int(hour % 1 * 60))
        for _ in range(self._poisson(self.arrival_rate(now) * dt)):
            self._arrive(now)
        self._customers_give_up(now)
        offers = self._open_offers()
        with read_session(self.backend.engine) as db:
            presence = dict(
                db.execute(
                    select(AgentRow.id, AgentRow.presence).where(
                        AgentRow.id.in_([a.principal.agent_id for a in self.agents])
                    )
                ).all()
            )
        for agent in self.agents:
            agent_id = agent.principal.agent_id or ""
            current = Presence(presence.get(agent_id, Presence.OFFLINE.value))
            self._work(agent, now, hour, current, offers.get(agent_id, []))

    def _poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _arrive(self, now: float) -> None:
        conversation_id = self.simulator.start_one_chat()
        if conversation_id is None:
            return
        self.counts["chats"] += 1
        patience = self.rng.lognormvariate(math.log(self.config.patience_median_s), 0.6)
        self._patience[conversation_id] = now + patience

    def _customers_give_up(self, now: float) -> None:
        if not self._patience:
            return
        with read_session(self.backend.engine) as db:
            states = dict(
                db.execute(
                    select(ConversationRow.id, ConversationRow.state).where(
                        ConversationRow.id.in_(list(self._patience))
                    )
                ).all()
            )
        waiting = (ConversationState.QUEUED.value, ConversationState.OFFERED.value)
        for conversation_id, deadline in list(self._patience.items()):
            state = states.get(conversation_id)
            if state not in waiting:
                del self._patience[conversation_id]  # answered (or gone): patience no longer matters
                if state == ConversationState.CLOSED.value:
                    self.simulator.forget(conversation_id)
                continue
            if now >= deadline:
                del self._patience[conversation_id]
                try:
                    self.backend.leave_chat(self._service, conversation_id)
                    self.counts["abandoned"] += 1
                except BackendError as exc:
                    log.debug("customer could not leave: %s", exc.message)
                self.simulator.forget(conversation_id)

    def _open_offers(self) -> dict[str, list[str]]:
        ids = [a.principal.agent_id for a in self.agents]
        with read_session(self.backend.engine) as db:
            rows = db.execute(
                select(OfferRow.agent_id, OfferRow.id).where(
                    OfferRow.state == "offered", OfferRow.agent_id.in_(ids)
                )
            ).all()
        offers: dict[str, list[str]] = {}
        for agent_id, offer_id in rows:
            offers.setdefault(agent_id, []).append(offer_id)
        return offers

    # --- one agent's behaviour -------------------------------------------------------------------

    def _wanted(self, agent: _SimAgent, hour: float, now: float) -> tuple[Presence, str]:
        start, end = agent.shift
        if not start <= hour < end:
            # Off shift: finish the chats in hand first (Away), then sign off.
            return (Presence.AWAY, "end_of_shift") if agent.chats else (Presence.OFFLINE, "end_of_shift")
        for begin, until, kind in agent.breaks:
            if begin <= hour < until:
                return Presence.AWAY, kind
        if now < agent.back_at:
            return Presence.AWAY, "missed_offer"
        return Presence.AVAILABLE, ""

    def _work(self, agent: _SimAgent, now: float, hour: float, current: Presence, offers: list[str]) -> None:
        agent_id = agent.principal.agent_id or ""
        if current == Presence.AWAY and agent.presence == Presence.AVAILABLE and now >= agent.back_at:
            # Set Away behind our back: a missed offer (or a team lead). Back at the desk a bit later.
            agent.back_at = now + self.rng.uniform(8, 20)
        agent.presence = current
        wanted, reason = self._wanted(agent, hour, now)
        if wanted != current:
            self.backend.set_presence(agent_id, wanted, reason=reason or None)
            agent.presence = wanted
        for offer_id in offers:
            if offer_id not in agent.offers:
                agent.offers[offer_id] = now + self.rng.uniform(1.0, 5.0)
        for offer_id, decide_at in list(agent.offers.items()):
            if offer_id not in offers:
                del agent.offers[offer_id]  # withdrawn, or it timed out
                continue
            if now < decide_at:
                continue
            choice = self.rng.random()
            try:
                if choice < 0.93:
                    conv = self.backend.accept_offer(agent.principal, offer_id)
                    handle = self.rng.lognormvariate(math.log(self.config.handle_median_s), 0.5)
                    agent.chats[conv.id] = (now + self.rng.uniform(2, 5), now + handle)
                    self.counts["answered"] += 1
                    del agent.offers[offer_id]
                elif choice < 0.96:
                    self.backend.reject_offer(agent.principal, offer_id)
                    del agent.offers[offer_id]
                else:
                    agent.offers[offer_id] = math.inf  # not at the desk: it times out
            except BackendError as exc:
                log.debug("simulated agent could not decide on an offer: %s", exc.message)
                agent.offers.pop(offer_id, None)
        for conversation_id, (write_at, close_at) in list(agent.chats.items()):
            try:
                if now >= close_at:
                    code = self._wrapup()
                    self.backend.close_conversation(agent.principal, conversation_id, code)
                    del agent.chats[conversation_id]
                    self.simulator.forget(conversation_id)
                    self.counts["closed"] += 1
                elif now >= write_at:
                    self.backend.post_agent_message(agent.principal, conversation_id, self._line(), None)
                    agent.chats[conversation_id] = (now + self.rng.uniform(15, 40), close_at)
            except BackendError as exc:
                log.debug("simulated chat ended: %s", exc.message)
                agent.chats.pop(conversation_id, None)
                self.simulator.forget(conversation_id)

    def _wrapup(self) -> str:
        pick, acc = self.rng.random(), 0.0
        for code, weight in _WRAPUPS:
            acc += weight
            if pick < acc:
                return code
        return _WRAPUPS[0][0]

    def _line(self) -> str:
        return self.rng.choice(
            (
                "Thank you for waiting, let me check that for you.",
                "I can see your order here, one moment please.",
                "Could you confirm the order number, please?",
                "I have updated that for you. Is there anything else?",
            )
        )
