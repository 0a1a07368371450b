"""Faults during a load run (tests/load/driver.py), and what each did to it.

`FaultInjector` SIGKILLs a backend process (one that does not route, or the router's) and starts a
replacement on the same port a few seconds later, as systemd's `Restart=` would, or restarts
PostgreSQL. The desktops reach the processes through one address (`tests/load/proxy.py`), so the
desktops of a killed process reconnect to another and resume by `seq`.

After the run, per fault: which desktops lost their stream at that moment (those that were on the
killed process: nothing else drops them then) and how long they took to be back, how soon a chat
opened after the fault was offered (the router's takeover), and whether anything acknowledged
before the fault is missing from the database (`lost_in_database`). The small-scale tests in
tests/postgres/test_load.py use the same helpers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.benchmarks.stats import pct
from tests.load.cluster import BackendProcess, router_of
from tests.load.driver import DesktopRecord, LoadResult
from tests.postgres.pg_server import PostgresServer
from workstation.server.db import ConversationRow, MessageRow

#: How long after a kill its replacement process is started (systemd's RestartSec).
REPLACE_AFTER_S = 3.0
#: A stream that went down this soon after a kill was on the killed process (the proxy closes a
#: client's side as soon as the kernel has closed the dead process's sockets: well under this).
DROP_WINDOW_S = 2.0


@dataclass
class Fault:
    what: str
    #: perf_counter just before the kill or the restart.
    at: float
    victim: str = ""
    #: When the replacement process (or PostgreSQL) answered again.
    back_at: float | None = None


@dataclass
class Reconnections:
    #: Desktops whose stream went down within DROP_WINDOW_S of the fault.
    dropped: list[DesktopRecord] = field(default_factory=list)
    #: Seconds from the fault to each one's stream being up again (those that came back).
    back_s: list[float] = field(default_factory=list)
    #: How many were back before the replacement listened: necessarily on another process.
    elsewhere: int = 0


def reconnections(
    desktops: Iterable[DesktopRecord], fault: Fault, window_s: float = DROP_WINDOW_S
) -> Reconnections:
    found = Reconnections()
    for d in desktops:
        down = next((t for t, online in d.links if not online and fault.at <= t <= fault.at + window_s), None)
        if down is None:
            continue
        found.dropped.append(d)
        up = next((t for t, online in d.links if online and t > down), None)
        if up is not None:
            found.back_s.append(up - fault.at)
            if fault.back_at is None or up < fault.back_at:
                found.elsewhere += 1
    return found


def lost_in_database(
    db_url: str, chats: Sequence[str], messages: Sequence[str] = (), closes: Sequence[str] = ()
) -> list[str]:
    """What a backend acknowledged that the database does not hold: chats (their conversation),
    agents' replies, wrap-ups (the conversation closed)."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as db:
            wanted = set(chats) | set(closes)
            rows = db.execute(
                select(ConversationRow.id, ConversationRow.state).where(ConversationRow.id.in_(wanted))
            )
            states: dict[str, str] = {conv_id: state for conv_id, state in rows}
            replied = set(
                db.scalars(
                    select(MessageRow.conversation_id).where(
                        MessageRow.sender == "agent", MessageRow.conversation_id.in_(set(messages))
                    )
                )
            )
    finally:
        engine.dispose()
    lost = [f"chat {c} not in the database" for c in chats if c not in states]
    lost += [f"reply in {c} not in the database" for c in messages if c not in replied]
    lost += [
        f"wrap-up of {c} not in the database ({states.get(c)})" for c in closes if states.get(c) != "closed"
    ]
    return lost


class FaultInjector:
    """The soak's faults at 1/4, 1/2 and 3/4 of the load: a process that does not route killed,
    the router's process killed (each replaced after `replace_after_s`), PostgreSQL restarted.

    `processes` is the caller's list: a killed process's entry is replaced by its replacement, so
    the caller's CPU and memory readings follow the live processes."""

    def __init__(
        self,
        db_url: str,
        work: Path,
        processes: list[BackendProcess],
        pg: PostgresServer,
        replace_after_s: float = REPLACE_AFTER_S,
    ) -> None:
        self.db_url = db_url
        self.work = work
        self.processes = processes
        self.pg = pg
        self.replace_after_s = replace_after_s
        self.faults: list[Fault] = []
        #: Called with a process just before it is killed (the caller's last CPU reading of it).
        self.before_kill: Callable[[BackendProcess], None] | None = None
        #: Called just before PostgreSQL is restarted (its processes end).
        self.before_restart: Callable[[], None] | None = None

    async def run(self, t0: float, duration_s: float) -> None:
        for share, step in ((0.25, "kill"), (0.5, "kill router"), (0.75, "restart postgres")):
            await asyncio.sleep(max(0.0, t0 + share * duration_s - time.perf_counter()))
            if step == "restart postgres":
                await self.restart_postgres()
            else:
                await self.kill(router=step == "kill router")

    async def kill(self, *, router: bool) -> Fault:
        live = [p for p in self.processes if p.alive()]
        holder = await asyncio.to_thread(router_of, live)
        victim = holder if router else next(p for p in live if p is not holder)
        if self.before_kill is not None:
            self.before_kill(victim)
        fault = Fault(
            "router's process killed" if router else "process killed", time.perf_counter(), victim.name
        )
        await asyncio.to_thread(victim.kill)
        self.faults.append(fault)
        await asyncio.sleep(self.replace_after_s)
        # A name of its own: its log starts empty (router_of reads the logs).
        replacement = await asyncio.to_thread(
            BackendProcess.start, self.db_url, self.work, f"{victim.name}r", port=victim.port
        )
        fault.back_at = time.perf_counter()
        self.processes[self.processes.index(victim)] = replacement
        return fault

    async def restart_postgres(self) -> Fault:
        if self.before_restart is not None:
            self.before_restart()
        fault = Fault("PostgreSQL restarted", time.perf_counter())
        self.faults.append(fault)
        await asyncio.to_thread(self.pg.restart)
        fault.back_at = time.perf_counter()
        return fault


def describe(fault: Fault, result: LoadResult, db_url: str, seq_problems: list[str], t0: float) -> list[str]:
    """The report of one fault, after the run."""
    lines = [
        f"{fault.what} at {(fault.at - t0) / 60:.1f} min" + (f" ({fault.victim})" if fault.victim else "")
    ]
    if fault.back_at is not None:
        lines.append(f"  back (replacement / server answering) after {fault.back_at - fault.at:.1f} s")
    moved = reconnections(result.desktops, fault)
    if moved.dropped:
        back = moved.back_s
        lines.append(
            f"  desktops on it {len(moved.dropped)}, reconnected {len(back)} "
            f"({moved.elsewhere} before the replacement was up, so to another process); "
            + (f"reconnect p50 {pct(back, 50):.2f} s, max {max(back):.2f} s" if back else "none came back")
        )
        names = {f"{d.username}:" for d in moved.dropped}
        bad = [p for p in seq_problems if p.split(" ", 1)[0] in names]
        lines.append(
            f"  seq gaps/repeats/resets on those desktops: {len(bad)}" + (f", e.g. {bad[:3]}" if bad else "")
        )
    else:
        lines.append("  no desktop lost its stream")
    made, first = result.first_routing_after(fault.at), result.first_offer_after(fault.at)
    lines.append(
        "  routing: first offer made "
        + (f"{made:.2f} s after it" if made is not None else "never")
        + "; first offer of a chat opened after it shown "
        + (f"{first:.2f} s after it" if first is not None else "never")
    )
    chats = result.acknowledged_before("chat", fault.at)
    messages = result.acknowledged_before("message", fault.at)
    closes = result.acknowledged_before("close", fault.at)
    lost = lost_in_database(db_url, chats, messages, closes)
    lines.append(
        f"  acknowledged before it: {len(chats)} chats, {len(messages)} replies, {len(closes)} wrap-ups; "
        f"lost {len(lost)}" + (f", e.g. {lost[:3]}" if lost else "")
    )
    return lines
