"""The simulated contact-centre day: waves, bursts, abandons and breaks, through the real backend."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.demo.day_simulator import DayConfig, DaySimulator
from workstation.demo.simulator import Simulator, SimulatorConfig, seed_customers
from workstation.server.backend import AUDIENCE_TEAMLEADS, BackendConfig
from workstation.server.db import EventLogRow, TaskOutcomeRow
from workstation.server.runner import ServerOptions, ServerThread


def test_the_day_has_a_morning_peak_a_lunch_dip_and_an_afternoon_peak() -> None:
    shape = DaySimulator.day_shape
    assert shape(10.5) > shape(12.5) < shape(14.5)
    assert shape(8.0) < 0.5 * shape(10.5)
    assert shape(19.9) < shape(14.5)


def test_a_compressed_day_produces_answers_abandons_bursts_and_breaks(tmp_path: Path) -> None:
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "backend",
            simulator=None,
            backend=BackendConfig(router_tick_s=0.05, offer_timeout_s=30),
        )
    )
    server.start()
    try:
        backend = server.backend
        assert backend is not None
        config = DayConfig(
            agents=6,
            day_length_s=600,
            peak_chats_per_min=14,
            patience_median_s=40,
            handle_median_s=60,
            bursts_per_day=8,
            seed=3,
            tick_s=2.0,
        )

        def build() -> DaySimulator:
            seed_customers(backend, random.Random(3), 80)
            chats = Simulator(backend, SimulatorConfig(chat_interval_s=0, max_open_chats=10_000, seed=3))
            day = DaySimulator(backend, chats, config)
            day._clock_start = 0.0
            return day

        day = server.call(build)
        # The day clock is driven by hand: 600 s of simulated time in 2-second steps.
        for step in range(300):
            server.call(lambda now=step * 2.0: day.tick(now))

        assert day.counts["chats"] > 50
        assert day.counts["answered"] > 20 and day.counts["closed"] > 10
        assert day.counts["abandoned"] > 0 and day.counts["bursts"] >= 1

        def recorded() -> tuple[set[str], dict[str, int]]:
            with DbSession(backend.engine) as db:
                reasons = {
                    str(data.get("reason"))
                    for data in db.scalars(
                        select(EventLogRow.data).where(
                            EventLogRow.type == "presence.changed", EventLogRow.audience == AUDIENCE_TEAMLEADS
                        )
                    )
                }
                outcomes: dict[str, int] = {}
                for outcome in db.scalars(select(TaskOutcomeRow.outcome)):
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
            return reasons, outcomes

        reasons, outcomes = server.call(recorded)
        # Agents took breaks and lunch and went home: the backend's own presence changes say so.
        assert {"break", "lunch", "end_of_shift"} <= reasons
        # What the statistics are built from: answered and abandoned tasks, recorded by the backend.
        assert outcomes.get("answered", 0) > 20 and outcomes.get("abandoned", 0) == day.counts["abandoned"]
    finally:
        server.stop()
