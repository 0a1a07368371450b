"""The load run: N headless desktops and customers opening chats, 3 backend processes on PostgreSQL
next to the single-process SQLite backend, driven alike (tests/load/driver.py).

    .venv/bin/python tests/benchmarks/bench_load.py [--quick] [--agents 100,300,500]
        [--rate 50] [--duration 60] [--backends pg,sqlite]
    .venv/bin/python tests/benchmarks/bench_load.py --soak MINUTES [--rate 50] [--agents 500]

`--soak`: the issue's long run: 3 processes on PostgreSQL, 500 agents (or the one `--agents`
count), chats at `--rate` for MINUTES, with the same checks, and each minute a line of the
backends' CPU and resident memory so a leak or a queue that keeps growing shows; at the end the
latencies, CPU and RSS at the start of the load and at its end.

For each agent count and backend: p50/p95/p99 of chat created -> offer shown (from just before the
customer's POST to the offer frame reaching the desktop), the backend processes' CPU and
PostgreSQL's own (seconds of CPU per second of run: 1.0 is one core busy), the backends' resident
memory at the end, and the checks of the run
(seq gaps or repeats on any desktop, chats offered to two agents at once, chats never offered).
The driver runs in this process, on one core's worth of Python; its own CPU is printed too, since
on a small machine it competes with the backends. Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.stats import pct  # noqa: E402
from tests.load.cluster import (  # noqa: E402
    PASSWORD,
    BackendProcess,
    Usage,
    expected_seqs,
    prepare_database,
    start_backends,
    usage,
)
from tests.load.driver import LoadConfig, LoadDriver, LoadResult  # noqa: E402
from tests.postgres.pg_server import PostgresServer, find_bindir  # noqa: E402

PROCESSES = 3
#: Customers per chat a second: keeps every customer well under the per-customer rate limit.
CUSTOMERS_PER_RATE = 4


@dataclass
class Row:
    backend: str
    agents: int
    chats: int
    offered: int
    p50: float
    p95: float
    p99: float
    cpu: float
    #: PostgreSQL's own processes (the postmaster and its children), cores; nan for SQLite.
    db_cpu: float
    rss_mib: float
    driver_cpu: float
    problems: int
    #: The backends' resident memory when the load started (after the sign-ins).
    rss_start_mib: float = float("nan")
    failed: int = 0


HEADER = (
    "| backend | agents | chats | offered | p50 ms | p95 ms | p99 ms | backend CPU (cores) "
    "| PostgreSQL CPU (cores) | backend RSS MiB | driver CPU (cores) | check failures |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def table_row(r: Row) -> str:
    return (
        f"| {r.backend} | {r.agents} | {r.chats} | {r.offered} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} "
        f"| {r.cpu:.2f} | {r.db_cpu:.2f} | {r.rss_mib:.0f} | {r.driver_cpu:.2f} | {r.problems} |"
    )


def postgres_cpu(data_dir: Path | None) -> dict[int, float]:
    """CPU seconds of the PostgreSQL cluster's processes (postmaster and children), by pid."""
    if data_dir is None:
        return {}
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster or ppid == postmaster:
            found[pid] = usage(pid).cpu_s
    return found


def one_run(
    label: str,
    db_url: str,
    work: Path,
    processes: int,
    agents: int,
    rate: float,
    duration: float,
    pg_data: Path | None = None,
    progress_s: float | None = None,
) -> Row:
    population = prepare_database(db_url, agents, customers=max(20, int(rate * CUSTOMERS_PER_RATE)))
    backends: list[BackendProcess] = start_backends(db_url, work, processes)
    try:
        driver_before = _own_cpu()
        config = LoadConfig(
            urls=[p.url for p in backends],
            usernames=population.usernames,
            password=PASSWORD,
            service_token=population.service_token,
            customer_ids=population.customer_ids,
            chat_rate=rate,
            duration_s=duration,
            hold_s=2.0,
            drain_s=30.0,
        )
        driver = LoadDriver(config)
        started: list[float] = []
        db_before: dict[int, float] = {}
        rss_start: list[float] = []

        async def run() -> LoadResult:
            load = asyncio.ensure_future(driver.run())
            await driver.ready.wait()  # CPU from here: the sign-ins (scrypt) are not the load
            started.append(time.perf_counter())
            db_before.update(postgres_cpu(pg_data))
            at_start = [usage(p.proc.pid) for p in backends]
            started.extend(u.cpu_s for u in at_start)
            rss_start.append(sum(u.rss_bytes for u in at_start) / 2**20)
            if progress_s is None:
                return await load
            watch = asyncio.ensure_future(_progress(backends, at_start, progress_s, started[0]))
            try:
                return await load
            finally:
                watch.cancel()

        result = asyncio.run(run())
        after = [usage(p.proc.pid) for p in backends]
        db_after = postgres_cpu(pg_data)
        ran = time.perf_counter() - started[0]
        cpu = sum(a.cpu_s - b for a, b in zip(after, started[1:], strict=True)) / ran
        problems = (
            len(result.seq_problems(expected_seqs(db_url))) + len(result.overlaps) + len(result.never_offered)
        )
        lat = result.latencies_ms()
        print(f"  {label:<12} {agents:>4} agents: {result.summary()}", flush=True)
        return Row(
            backend=label,
            agents=agents,
            chats=len(result.acknowledged_chats),
            offered=len(lat),
            p50=pct(lat, 50) if lat else float("nan"),
            p95=pct(lat, 95) if lat else float("nan"),
            p99=pct(lat, 99) if lat else float("nan"),
            cpu=cpu,
            db_cpu=sum(c - db_before.get(pid, 0.0) for pid, c in db_after.items()) / ran
            if pg_data
            else float("nan"),
            rss_mib=sum(a.rss_bytes for a in after) / 2**20,
            driver_cpu=(_own_cpu() - driver_before) / max(ran, 1e-9),
            problems=problems,
            rss_start_mib=rss_start[0],
            failed=len(result.failed_chats),
        )
    finally:
        for p in backends:
            p.stop()


async def _progress(backends: list[BackendProcess], first: list[Usage], every_s: float, t0: float) -> None:
    """Each `every_s`: the backends' CPU over the last period (cores) and their resident memory."""
    last, last_t = first, t0
    while True:
        await asyncio.sleep(every_s)
        now = [usage(p.proc.pid) for p in backends]
        t = time.perf_counter()
        cpu = sum(n.cpu_s - o.cpu_s for n, o in zip(now, last, strict=True)) / (t - last_t)
        rss = sum(n.rss_bytes for n in now) / 2**20
        print(f"    {(t - t0) / 60:5.1f} min: backends {cpu:.2f} cores, RSS {rss:.0f} MiB", flush=True)
        last, last_t = now, t


def soak(minutes: float, agents: int, rate: float) -> int:
    """The issue's long run on PostgreSQL (3 processes); prints its figures and checks."""
    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL is not installed", file=sys.stderr)
        return 1
    print(f"Soak: {agents} agents, {rate:g} chats/s for {minutes:g} min, {PROCESSES} processes on PostgreSQL")
    pg = PostgresServer(bindir)
    pg.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            url = pg.create_database()
            try:
                r = one_run(
                    "pg x3", url, Path(tmp), PROCESSES, agents, rate, minutes * 60, pg.data, progress_s=60.0
                )
            finally:
                pg.drop_database(url)
    finally:
        pg.stop()
    print(
        f"chats acknowledged {r.chats} ({r.failed} failed), offered {r.offered}, check failures {r.problems}"
    )
    print(f"chat created -> offer shown: p50 {r.p50:.0f} ms, p95 {r.p95:.0f} ms, p99 {r.p99:.0f} ms")
    print(f"backends {r.cpu:.2f} cores, PostgreSQL {r.db_cpu:.2f} cores, driver {r.driver_cpu:.2f} cores")
    print(f"backends' RSS {r.rss_start_mib:.0f} MiB at the start of the load, {r.rss_mib:.0f} MiB at the end")
    return 0


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20 agents, 5 chats/s for 5 s")
    parser.add_argument("--agents", default="100,300,500")
    parser.add_argument("--rate", type=float, default=50.0, help="new chats a second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of chats per run")
    parser.add_argument("--backends", default="pg,sqlite", help="pg (3 processes), sqlite (1 process)")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="the long run: PostgreSQL, 500 agents")
    args = parser.parse_args()
    # Stopped with SIGTERM: still stop the backends and PostgreSQL (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.soak is not None:
        agents = 500 if args.agents == parser.get_default("agents") else int(args.agents)
        return soak(args.soak, agents, args.rate)
    counts = [20] if args.quick else [int(n) for n in args.agents.split(",")]
    rate, duration = (5.0, 5.0) if args.quick else (args.rate, args.duration)
    kinds = args.backends.split(",")
    print(f"Load: {rate:g} chats/s for {duration:g} s; agents {counts}; backends {kinds}", flush=True)
    rows: list[Row] = []
    print(HEADER, flush=True)
    pg: PostgresServer | None = None
    if "pg" in kinds:
        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL is not installed: pg runs left out", file=sys.stderr)
            kinds.remove("pg")
        else:
            pg = PostgresServer(bindir)
            pg.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            for agents in counts:
                for kind in kinds:
                    work = Path(tmp) / f"{kind}-{agents}"
                    if kind == "pg":
                        assert pg is not None
                        url = pg.create_database()
                        try:
                            rows.append(
                                one_run("pg x3", url, work, PROCESSES, agents, rate, duration, pg.data)
                            )
                        finally:
                            pg.drop_database(url)
                    else:
                        work.mkdir(parents=True)
                        url = f"sqlite:///{work / 'backend.sqlite3'}"
                        rows.append(one_run("sqlite x1", url, work, 1, agents, rate, duration))
                    print(table_row(rows[-1]), flush=True)
    finally:
        if pg is not None:
            pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
