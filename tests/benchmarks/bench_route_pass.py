"""One routing pass on PostgreSQL in the state bench_load.py collapses into: 500 agents (3 chats
each), most of them busy, thousands of chats waiting. Times expire_offers and assign_waiting alone
(no HTTP, no other process), so a change to the pass is measured without the load run.

    .venv/bin/python tests/benchmarks/bench_route_pass.py [--agents 500] [--waiting 3000]
        [--free 150] [--room 1] [--runs 7] [--profile]

Two passes are timed, each `--runs` times:
- "full": every agent at capacity (held chats and open offers): the pass plans every waiting chat
  and offers none (what the queue costs on its own);
- "free": `--free` agents have room for `--room` chats (at most 2: one offer stays open): the pass
  makes that many offers, or one per waiting chat (what an offer costs, and with many agents with
  room what picking among them costs); they are taken back before the next run.
`--profile`: cProfile of one "free" pass, the top functions by cumulative time.
Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from tests.benchmarks.stats import row  # noqa: E402
from tests.load.cluster import prepare_database  # noqa: E402
from tests.postgres.pg_server import PostgresServer, find_bindir  # noqa: E402
from workstation.domain.models import Presence  # noqa: E402
from workstation.server.backend import Backend, BackendConfig  # noqa: E402
from workstation.server.db import (  # noqa: E402
    AgentRow,
    ConversationRow,
    OfferReasonRow,
    OfferRow,
    make_engine,
)

MAX_CHATS = 3
#: Open offers per busy agent; the rest of its capacity is held chats (desktops accept at once,
#: so most of the load is held chats).
OPEN_OFFERS = 1


def _setup(url: str, agents: int, waiting: int) -> Backend:
    busy_slots = agents * MAX_CHATS
    population = prepare_database(url, agents, busy_slots + waiting, max_chats=MAX_CHATS)
    backend = Backend(make_engine(url), BackendConfig(offer_timeout_s=600))
    for agent_id in population.agent_ids:
        backend.set_presence(agent_id, Presence.AVAILABLE)
    for customer_id in population.customer_ids:
        backend.start_chat(customer_id=customer_id, text="Hello", language="en")
    made = backend.assign_waiting()  # fills every agent
    assert made == busy_slots, made
    # All but OPEN_OFFERS of each agent's offers accepted: held chats.
    with Session(backend.engine) as db, db.begin():
        offers = db.execute(select(OfferRow.id, OfferRow.agent_id, OfferRow.conversation_id)).all()
        seen: dict[str, int] = {}
        for offer_id, agent_id, conversation_id in offers:
            seen[agent_id] = seen.get(agent_id, 0) + 1
            if seen[agent_id] > OPEN_OFFERS:
                db.execute(update(OfferRow).where(OfferRow.id == offer_id).values(state="accepted"))
                db.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == conversation_id)
                    .values(state="active", agent_id=agent_id)
                )
    return backend


def _free(backend: Backend, count: int, room: int) -> list[str]:
    """Room for `room` chats at `count` agents: that many held chats of each closed."""
    with Session(backend.engine) as db, db.begin():
        held = db.execute(
            select(ConversationRow.id, ConversationRow.agent_id)
            .where(ConversationRow.state == "active")
            .order_by(ConversationRow.agent_id)
        ).all()
        picked: dict[str, list[str]] = {}
        for conv_id, agent_id in held:
            if agent_id is None or (agent_id not in picked and len(picked) >= count):
                continue
            closing = picked.setdefault(agent_id, [])
            if len(closing) < room:
                closing.append(conv_id)
        closed = [conv_id for ids in picked.values() for conv_id in ids]
        db.execute(update(ConversationRow).where(ConversationRow.id.in_(closed)).values(state="closed"))
    return closed


def _open_offers(backend: Backend) -> set[str]:
    with Session(backend.engine) as db:
        return set(db.scalars(select(OfferRow.id).where(OfferRow.state == "offered")))


def _take_back(backend: Backend, closed: list[str], before: set[str]) -> None:
    """Undo a "free" run: its offers gone, their chats queued again, the closed chats held again."""
    with Session(backend.engine) as db, db.begin():
        ids = list(_open_offers(backend) - before)
        convs = list(db.scalars(select(OfferRow.conversation_id).where(OfferRow.id.in_(ids))))
        db.execute(delete(OfferReasonRow).where(OfferReasonRow.offer_id.in_(ids)))
        db.execute(delete(OfferRow).where(OfferRow.id.in_(ids)))
        db.execute(update(ConversationRow).where(ConversationRow.id.in_(convs)).values(state="queued"))
        db.execute(update(ConversationRow).where(ConversationRow.id.in_(closed)).values(state="active"))
        db.execute(update(AgentRow).values(last_offer_at=None))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--waiting", type=int, default=3000)
    parser.add_argument("--free", type=int, default=150)
    parser.add_argument("--room", type=int, default=1, help="chats each of the --free agents has room for")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        sys.exit("PostgreSQL is not installed")
    server = PostgresServer(bindir)
    server.start()
    try:
        t0 = time.perf_counter()
        backend = _setup(server.create_database(), args.agents, args.waiting)
        print(f"setup {time.perf_counter() - t0:.0f} s: {args.agents} agents, {args.waiting} waiting")
        # Wall time, and this thread's CPU time: the machine may be shared, and CPU time is what
        # the pass costs the router's process whatever else runs (the database's share is not in it).
        expire: tuple[list[float], list[float]] = ([], [])
        full: tuple[list[float], list[float]] = ([], [])
        free: tuple[list[float], list[float]] = ([], [])

        def timed(into: tuple[list[float], list[float]], call: Callable[[], int]) -> int:
            wall, cpu = time.perf_counter(), time.thread_time()
            result = call()
            into[0].append((time.perf_counter() - wall) * 1000)
            into[1].append((time.thread_time() - cpu) * 1000)
            return result

        for _ in range(args.runs):
            timed(expire, backend.expire_offers)
            assert timed(full, backend.assign_waiting) == 0
        for _ in range(args.runs):
            closed = _free(backend, args.free, args.room)
            before = _open_offers(backend)
            made = timed(free, backend.assign_waiting)
            assert made == min(args.free * args.room, args.waiting), made
            _take_back(backend, closed, before)
        print(f"{args.agents} agents, {args.waiting} waiting, {args.agents * OPEN_OFFERS} open offers")
        for name, (wall, cpu) in (
            ("expire_offers (none due)", expire),
            ("assign_waiting, every agent full (0 offers)", full),
            (f"assign_waiting, {args.free} agents with room for {args.room}", free),
        ):
            row(name + ", wall", wall, "—")
            row(name + ", CPU", cpu, "—")
        if args.profile:
            closed = _free(backend, args.free, args.room)
            before = _open_offers(backend)
            profile = cProfile.Profile()
            profile.enable()
            backend.expire_offers()
            backend.assign_waiting()
            profile.disable()
            _take_back(backend, closed, before)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        backend.engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
