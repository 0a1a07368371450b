"""Benchmarks of attribute-based routing: expression evaluation, router throughput, offer latency.

    .venv/bin/python tests/benchmarks/bench_routing.py [--quick]

1. Evaluation rate of compiled routing expressions (the five filters and their worker expressions).
2. Backend assignment throughput: 200 agents, 20 queues, a 5-filter workflow; 1,000 chats queued at
   once, router passes until every one is offered (SQLite file, WAL, as embedded).
3. Offer latency from task creation under a steady arrival rate, with the real router loop
   (woken by each new chat) running beside the producer on one asyncio loop.

Prints medians and p95s next to the targets; measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from tests.benchmarks.stats import row  # noqa: E402
from workstation.domain.models import Customer, Presence, Role, TimelineEvent, utcnow  # noqa: E402
from workstation.domain.routing_expr import compile_expression  # noqa: E402
from workstation.domain.workflow import RoutingConfig  # noqa: E402
from workstation.server.backend import Backend, BackendConfig  # noqa: E402
from workstation.server.db import (  # noqa: E402
    AgentRoutingRow,
    AgentRow,
    ConversationRow,
    OfferRow,
    make_engine,
)

LANGUAGES = ("de", "en", "fr", "es")
SKILLS = ("delivery", "payment", "return", "product", "checkout", "complaint", "device", "cancellation")
TOPICS = SKILLS
TIERS = ("bronze", "silver", "gold", "platinum")


# --- the configuration: 20 queues, 5 filters --------------------------------------------------------


def bench_config() -> RoutingConfig:
    queues: list[dict[str, Any]] = [
        {"id": f"{lang}-{group}", "name": f"{lang.upper()} {group}", "target_workers": expr}
        for lang in LANGUAGES
        for group, expr in (
            ("sales", f"languages HAS '{lang}' AND (skills HAS 'product' OR skills HAS 'checkout')"),
            ("service", f"languages HAS '{lang}' AND (skills HAS 'delivery' OR skills HAS 'return')"),
            ("billing", f"languages HAS '{lang}' AND skills HAS 'payment'"),
            ("care", f"languages HAS '{lang}' AND level >= 2"),
        )
    ]
    queues += [
        {"id": "senior", "name": "Senior Sales", "target_workers": "level >= 4"},
        {"id": "complaints", "name": "Complaints", "target_workers": "skills HAS 'complaint' AND level >= 3"},
        {"id": "devices", "name": "Devices", "target_workers": "skills HAS 'device'"},
        {"id": "everyone", "name": "Everyone", "target_workers": "1 == 1"},
    ]
    speaks = "task.language IN languages"
    filters = [
        {
            "name": "High-value shopper",
            "expression": "customer.tier IN ['gold', 'platinum'] AND minutes_on_product_pages >= 30",
            "priority": 10,
            "steps": [
                {"queue": "senior", "expression": speaks, "timeout_s": 20, "ordering": ["worker.level desc"]},
                {"queue": "everyone", "expression": speaks},
            ],
        },
        {
            "name": "At risk",
            "expression": "open_complaint == true OR customer.churn_risk >= 0.6",
            "priority": 5,
            "steps": [
                {"queue": "complaints", "expression": speaks, "timeout_s": 30, "skip_if": "no_available"},
                {"queue": "everyone", "expression": speaks},
            ],
        },
        {
            "name": "Checkout with a full cart",
            "expression": "topic == 'checkout' AND cart_value >= 300",
            "priority": 3,
            "steps": [
                {
                    "queue": "everyone",
                    "expression": f"{speaks} AND skills HAS 'checkout'",
                    "skip_if": "no_available",
                },
                {"queue": "everyone", "expression": speaks},
            ],
        },
        {
            "name": "Devices",
            "expression": "topic IN ['device', 'cancellation'] AND NOT (customer.segment == 'b2b')",
            "steps": [{"queue": "devices", "expression": speaks, "ordering": ["load asc", "idle_time desc"]}],
        },
        {
            "name": "By language and topic",
            "expression": "language IN ['de', 'en', 'fr', 'es']",
            "steps": [
                {
                    "queue": "everyone",
                    "expression": f"{speaks} AND task.topic IN skills",
                    "skip_if": "no_available",
                },
                {"queue": "everyone", "expression": speaks},
            ],
        },
    ]
    return RoutingConfig.model_validate(
        {"queues": queues, "workflow": {"filters": filters, "default_queue": "everyone"}}
    )


def random_task(rng: random.Random) -> dict[str, Any]:
    return {
        "channel": "chat",
        "language": rng.choice(LANGUAGES),
        "topic": rng.choice(TOPICS),
        "customer": {
            "tier": rng.choice(TIERS),
            "clv": rng.uniform(0, 10_000),
            "churn_risk": rng.random(),
            "segment": rng.choice(("b2c", "b2b")),
        },
        "minutes_on_product_pages": rng.choice((0, 5, 12, 31, 45)),
        "cart_value": rng.choice((0.0, 120.0, 549.0)),
        "open_complaint": rng.random() < 0.1,
    }


def random_worker(rng: random.Random) -> dict[str, Any]:
    return {
        "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
        "skills": rng.sample(SKILLS, rng.randint(2, 5)),
        "level": rng.randint(1, 5),
    }


# --- 1. expression evaluation -----------------------------------------------------------------------


def bench_expressions(runs: int, evaluations: int) -> None:
    config = bench_config()
    rng = random.Random(1)
    sources = [f.expression for f in config.workflow.filters] + [
        s.expression for f in config.workflow.filters for s in f.steps
    ]
    compiled = [compile_expression(s) for s in sources]
    tasks = [random_task(rng) for _ in range(100)]
    workers = [random_worker(rng) for _ in range(100)]
    rates: list[float] = []
    for _ in range(runs):
        done = 0
        started = time.perf_counter()
        while done < evaluations:
            for task, worker in zip(tasks, workers, strict=True):
                for expr in compiled:
                    expr.evaluate(task, worker)
            done += len(tasks) * len(compiled)
        rates.append(done / (time.perf_counter() - started))
    print(
        f"\nExpression evaluation: {len(compiled)} compiled filter/step expressions, 100 tasks × 100 workers"
    )
    row("evaluations/s (the workflow's mix)", rates, "≥ 200,000/s", "/s")
    # One rule that holds, so no short-circuit spares any of its comparisons.
    rule = compile_expression("customer.tier IN ['gold', 'platinum'] AND minutes_on_product_pages >= 30")
    holding = {"customer": {"tier": "platinum"}, "minutes_on_product_pages": 31}
    assert rule.evaluate(holding, {})
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(evaluations):
            rule.evaluate(holding, {})
        rates.append(evaluations / (time.perf_counter() - started))
    row("evaluations/s (one rule, no short-circuit)", rates, "≥ 200,000/s", "/s")


# --- 2./3. the backend ------------------------------------------------------------------------------


def make_backend(directory: Path, agents: int, chat_capacity: int, customers: int) -> Backend:
    rng = random.Random(2)
    backend = Backend(
        make_engine(f"sqlite:///{directory / 'bench.sqlite3'}"), BackendConfig(router_tick_s=0.25)
    )
    backend.replace_routing_config(_service(backend), bench_config().model_dump(mode="json"))
    now = utcnow()
    with Session(backend.engine) as db:
        for i in range(agents):
            attrs = random_worker(rng)
            db.add(
                AgentRow(
                    id=f"a-{i}",
                    username=f"agent{i}",
                    name=f"Agent {i}",
                    role=Role.AGENT.value,
                    password_hash="-",  # nobody logs in: the benchmark drives the backend in-process
                    skills=attrs["skills"],
                    languages=attrs["languages"],
                    max_chats=chat_capacity,
                    presence=Presence.AVAILABLE.value,
                    presence_since=now,
                )
            )
            db.flush()
            db.add(
                AgentRoutingRow(
                    agent_id=f"a-{i}", attributes={"level": attrs["level"]}, capacity={"chat": chat_capacity}
                )
            )
        db.commit()
    for i in range(customers):
        customer = Customer(
            id=f"c-{i}",
            name=f"Customer {i}",
            language=rng.choice(LANGUAGES),
            value_tier=rng.choice(TIERS),
            clv=rng.uniform(0, 10_000),
            churn_risk=rng.random(),
        )
        backend.upsert_customer(customer)
        backend.add_customer_events(
            [
                TimelineEvent(
                    id=f"c-{i}-e{j}",
                    customer_id=customer.id,
                    at=now - timedelta(minutes=5 * j),
                    channel="web",
                    kind="page_view",
                    data={
                        "url": f"/products/p{j}",
                        "title": "",
                        "category": "phones",
                        "seconds": rng.randint(30, 600),
                    },
                )
                for j in range(20)
            ],
            push=False,
        )
    return backend


def _service(backend: Backend) -> Any:
    return backend.service_principal()


def start_chats(backend: Backend, rng: random.Random, count: int, customers: int) -> None:
    for _ in range(count):
        backend.start_chat(
            customer_id=f"c-{rng.randrange(customers)}",
            text="Hello",
            topic=rng.choice(TOPICS),
            language=rng.choice(LANGUAGES),
        )


def offer_latencies(backend: Backend) -> list[float]:
    with Session(backend.engine) as db:
        rows = db.execute(
            select(ConversationRow.started_at, OfferRow.offered_at).join(
                OfferRow, OfferRow.conversation_id == ConversationRow.id
            )
        ).all()
    return [(offered - started).total_seconds() * 1000 for started, offered in rows]


def bench_burst(runs: int, tasks: int) -> None:
    print(f"\nAssignment throughput: 200 agents (5 chats each), 20 queues, 5 filters; {tasks} chats queued")
    rates: list[float] = []
    passes: list[float] = []
    counts: list[int] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-routing-") as tmp:
            backend = make_backend(Path(tmp), agents=200, chat_capacity=5, customers=200)
            start_chats(backend, random.Random(3), tasks, 200)
            offered = 0
            started = time.perf_counter()
            while offered < tasks:
                t0 = time.perf_counter()
                made = backend.assign_waiting()
                passes.append((time.perf_counter() - t0) * 1000)
                offered += made
                if made == 0:
                    break  # nobody left who could take the rest
            rates.append(offered / (time.perf_counter() - started))
            counts.append(offered)
            backend.engine.dispose()
    row("tasks routed and offered per second", rates, "≥ 500/s", "/s")
    row("one router pass (all waiting tasks)", passes, "—", "ms")
    print(f"  offered per run: {counts} of {tasks} (the rest had no agent left with room who matches)")


def bench_sustained(rate: float, seconds: float) -> None:
    print(f"\nOffer latency: {rate:.0f} new chats/s for {seconds:.0f} s, real router loop, 200 agents")

    async def run(backend: Backend) -> None:
        router = asyncio.create_task(backend.run_router())
        rng = random.Random(4)
        total = int(rate * seconds)
        began = time.perf_counter()
        for i in range(total):
            start_chats(backend, rng, 1, 200)
            # Keep to the arrival rate; yield so the router runs between arrivals.
            delay = began + (i + 1) / rate - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))
        await asyncio.sleep(1.0)
        router.cancel()

    with tempfile.TemporaryDirectory(prefix="bench-routing-") as tmp:
        backend = make_backend(Path(tmp), agents=200, chat_capacity=10, customers=200)
        asyncio.run(run(backend))
        latencies = offer_latencies(backend)
        with Session(backend.engine) as db:
            queued = db.scalar(select(ConversationRow).where(ConversationRow.state == "queued").limit(1))
        backend.engine.dispose()
    row("task created → offered", latencies, "—", "ms")
    print(
        f"  offered {len(latencies)} of {int(rate * seconds)} chats; any left waiting: {queued is not None}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run with small numbers")
    args = parser.parse_args()
    if args.quick:
        bench_expressions(runs=3, evaluations=100_000)
        bench_burst(runs=1, tasks=200)
        bench_sustained(rate=50, seconds=2)
    else:
        bench_expressions(runs=7, evaluations=1_000_000)
        bench_burst(runs=3, tasks=1000)
        bench_sustained(rate=100, seconds=15)


if __name__ == "__main__":
    main()
