"""The load run: N headless desktops and customers opening chats, 3 backend processes on PostgreSQL
next to the single-process SQLite backend, driven alike (tests/load/driver.py).

    .venv/bin/python tests/benchmarks/bench_load.py [--quick] [--agents 100,300,500]
        [--rate 50] [--duration 60] [--backends pg,sqlite] [--statements]
    .venv/bin/python tests/benchmarks/bench_load.py --soak MINUTES [--rate 50] [--agents 500] [--faults]

`--soak`: the issue's long run: 3 processes on PostgreSQL, 500 agents (or the one `--agents`
count), chats at `--rate` for MINUTES, with the same checks, and each minute a line of the
backends' CPU and resident memory so a leak or a queue that keeps growing shows; at the end the
latencies, CPU and RSS at the start of the load and at its end. After the last chat the soak waits
for every chat to be offered for as long as offers keep coming (2 minutes without one ends the wait,
30 minutes in all): above what the machine sustains the queue takes minutes to drain, and a chat
counted "never offered" must be one that was lost. `--faults`: the desktops and
customers reach the processes through one round-robin proxy, and at 1/4 of the load a process that
does not route is SIGKILLed, at 1/2 the router's process (each replaced on its port 3 s later), at
3/4 PostgreSQL is restarted; after the run, per fault, the desktops that were on the killed process
and how long they took to reconnect, how soon a chat opened after it was offered, and what was
acknowledged before it and is not in the database (tests/load/faults.py).

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
import os
import re
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
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
from tests.load.driver import LoadConfig, LoadDriver, LoadResult, accepts_by_address  # noqa: E402
from tests.load.faults import FaultInjector, describe, lost_in_database  # noqa: E402
from tests.load.proxy import ProxyProcess  # noqa: E402
from tests.postgres.pg_server import PostgresServer, find_bindir  # noqa: E402

PROCESSES = 3
#: The soak's wait, after the last chat, for every acknowledged chat to be offered: long enough
#: that a chat counted "never offered" was lost, not just late behind a queue (the wait ends as
#: soon as every chat has been offered).
SOAK_DRAIN_S = 120.0
#: ...counted from the last chat offered, up to this in all: above what the machine sustains (50
#: chats/s on 2 cores) ten minutes leave a queue of thousands that takes minutes to drain.
SOAK_DRAIN_MAX_S = 1800.0
#: Customers per chat a second: each customer opens a chat about every 400 s, so a 10-minute run
#: is mostly first contacts, as in a contact centre (with 4, the default until 2026-12-07, each of
#: a 25 chats/s soak's 100 customers wrote every four seconds and had ~150 contacts by its end).
CUSTOMERS_PER_RATE = 400


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
    """CPU seconds of the PostgreSQL cluster so far, by its postmaster's pid (a restarted cluster has
    a new one): the postmaster's own, that of its children that have ended (the kernel adds a
    reaped child's CPU to its parent's cutime/cstime), and that of its live children.

    Summing only the processes alive at the start and at the end, as before, left out every
    session that came and went in between: the pools' extra connections under load, so a 50 chats/s
    soak read 0.03 cores."""
    if data_dir is None:
        return {}
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile (its CPU is in the postmaster's cutime by now)
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster:
            # utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat (11-14 after the name).
            total += sum(int(f) for f in fields[11:15]) / ticks
        elif ppid == postmaster:
            total += int(fields[11]) / ticks + int(fields[12]) / ticks
    return {postmaster: total}


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
    faults: PostgresServer | None = None,
    drain_s: float = 30.0,
    customers: int | None = None,
    drain_max_s: float | None = None,
) -> Row:
    """One load; with `faults` (the PostgreSQL server the backends use), the desktops and customers
    reach the processes through one round-robin proxy, and tests/load/faults.py kills a process, the
    router's process and restarts PostgreSQL during it, each reported after the run."""
    if customers is None:
        customers = max(20, int(rate * CUSTOMERS_PER_RATE))
    population = prepare_database(db_url, agents, customers=customers)
    backends: list[BackendProcess] = start_backends(db_url, work, processes)
    proxy: ProxyProcess | None = None
    try:
        injector = FaultInjector(db_url, work, backends, faults) if faults is not None else None
        if injector is not None:
            proxy = ProxyProcess([p.port for p in backends])
            proxy.start()
        driver_before = _own_cpu()
        config = LoadConfig(
            urls=[proxy.url] if proxy is not None else [p.url for p in backends],
            usernames=population.usernames,
            password=PASSWORD,
            service_token=population.service_token,
            customer_ids=population.customer_ids,
            chat_rate=rate,
            duration_s=duration,
            hold_s=2.0,
            drain_s=drain_s,
            drain_max_s=drain_max_s,
        )
        driver = LoadDriver(config)
        t0: list[float] = []
        db_before: dict[int, float] = {}
        rss_start: list[float] = []
        # CPU seconds by pid, at the start of the load and at the last reading: a killed process's
        # last reading is taken just before its kill, and its replacement counts from its start.
        cpu_first: dict[int, float] = {}
        cpu_last: dict[int, float] = {}
        # PostgreSQL's processes are new after its restart: their CPU before it is read just before.
        db_last: dict[int, float] = {}
        proxy_before = usage(proxy.pid).cpu_s if proxy is not None else 0.0
        if injector is not None:
            injector.before_kill = lambda p: cpu_last.update({p.proc.pid: usage(p.proc.pid).cpu_s})
            injector.before_restart = lambda: db_last.update(postgres_cpu(pg_data))

        async def run() -> LoadResult:
            load = asyncio.ensure_future(driver.run())
            await driver.ready.wait()  # CPU from here: the sign-ins (scrypt) are not the load
            t0.append(time.perf_counter())
            db_before.update(postgres_cpu(pg_data))
            at_start = _usage_of(backends)
            cpu_first.update({pid: u.cpu_s for pid, u in at_start.items()})
            rss_start.append(sum(u.rss_bytes for u in at_start.values()) / 2**20)
            side: list[asyncio.Task[None]] = []
            if progress_s is not None:
                side.append(asyncio.ensure_future(_progress(backends, at_start, progress_s, t0[0], driver)))
            if injector is not None:
                side.append(asyncio.ensure_future(injector.run(t0[0], duration)))
            try:
                return await load
            finally:
                for task in side:
                    if task.done() and not task.cancelled() and task.exception() is not None:
                        print(f"  a fault or progress task failed: {task.exception()!r}", flush=True)
                    task.cancel()
                await asyncio.gather(*side, return_exceptions=True)

        result = asyncio.run(run())
        after = _usage_of(backends)
        cpu_last.update({pid: u.cpu_s for pid, u in after.items()})
        db_last.update(postgres_cpu(pg_data))
        proxy_cpu = usage(proxy.pid).cpu_s - proxy_before if proxy is not None else 0.0
        ran = time.perf_counter() - t0[0]
        cpu = sum(c - cpu_first.get(pid, 0.0) for pid, c in cpu_last.items()) / ran
        seq_problems = result.seq_problems(expected_seqs(db_url))
        problems = len(seq_problems) + len(result.overlaps) + len(result.never_offered)
        lat = result.latencies_ms()
        print(f"  {label:<12} {agents:>4} agents: {result.summary()}", flush=True)
        print(
            f"  checks: {len(seq_problems)} desktop(s) with a seq gap, repeat or reset "
            f"(of {len(result.desktops)}), "
            f"{len(result.overlaps)} chat(s) offered to two agents at once, "
            f"{len(result.never_offered)} acknowledged chat(s) never offered"
            + (f"; e.g. {(seq_problems + result.overlaps + result.never_offered)[:3]}" if problems else ""),
            flush=True,
        )
        if result.post_lag_s:
            lag = [v * 1000 for v in result.post_lag_s]
            print(
                f"  the driver's lag (customer POSTs started late): p50 {pct(lag, 50):.0f} ms, "
                f"p95 {pct(lag, 95):.0f} ms, max {max(lag):.0f} ms",
                flush=True,
            )
        if proxy is not None:
            print(f"  the proxy process: {proxy_cpu / ran:.2f} cores", flush=True)
        else:
            # Per process: the router's writer also runs every routing pass, so its accepts wait longest.
            accepts = dict(line.split(": ", 1) for line in accepts_by_address(result))
            for p in backends:
                own = cpu_last.get(p.proc.pid, 0.0) - cpu_first.get(p.proc.pid, 0.0)
                role = "router" if p.holds_router_lock() else "      "
                print(
                    f"  {p.url} {role} {own / ran:.2f} cores; {accepts.get(p.url, 'no accepts')}", flush=True
                )
        if result.acknowledged_chats:
            # Steadier than the latencies on a saturated machine: what each chat (its POST, offer,
            # accept, reply and wrap-up, and their frames to every process) costs in CPU.
            chats = len(result.acknowledged_chats)
            db_s = sum(c - db_before.get(pid, 0.0) for pid, c in db_last.items()) if pg_data else 0.0
            print(
                f"  CPU per chat: backends {cpu * ran / chats * 1000:.1f} ms, PostgreSQL "
                f"{db_s / chats * 1000:.1f} ms, driver {(_own_cpu() - driver_before) / chats * 1000:.1f} ms",
                flush=True,
            )
        errors = _log_errors(work)
        print(
            "  backend logs' ERROR/CRITICAL lines: " + ("; ".join(errors[:8]) if errors else "none"),
            flush=True,
        )
        if injector is not None:
            lost = lost_in_database(
                db_url, result.acknowledged_chats, result.acknowledged_messages, result.acknowledged_closes
            )
            print(
                f"  acknowledged in the whole run: {len(result.acknowledged_chats)} chats, "
                f"{len(result.acknowledged_messages)} replies, {len(result.acknowledged_closes)} wrap-ups; "
                f"not in the database: {len(lost)}" + (f", e.g. {lost[:3]}" if lost else ""),
                flush=True,
            )
            for fault in injector.faults:
                for line in describe(fault, result, db_url, seq_problems, t0[0]):
                    print(f"  {line}", flush=True)
        return Row(
            backend=label,
            agents=agents,
            chats=len(result.acknowledged_chats),
            offered=len(lat),
            p50=pct(lat, 50) if lat else float("nan"),
            p95=pct(lat, 95) if lat else float("nan"),
            p99=pct(lat, 99) if lat else float("nan"),
            cpu=cpu,
            db_cpu=sum(c - db_before.get(pid, 0.0) for pid, c in db_last.items()) / ran
            if pg_data
            else float("nan"),
            rss_mib=sum(a.rss_bytes for a in after.values()) / 2**20,
            driver_cpu=(_own_cpu() - driver_before) / max(ran, 1e-9),
            problems=problems,
            rss_start_mib=rss_start[0],
            failed=len(result.failed_chats),
        )
    finally:
        if proxy is not None:
            proxy.stop()
        for p in backends:
            p.stop()


def _log_errors(work: Path) -> list[str]:
    """The backends' logged errors (every process's log, the killed ones' too), tracebacks left out,
    as "count x message" with the time stripped, most frequent first."""
    found: Counter[str] = Counter()
    for log in sorted(work.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if "ERROR" in line or "CRITICAL" in line:
                found[re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", line)[:160]] += 1
    return [f"{n} x {message}" for message, n in found.most_common()]


def _usage_of(backends: list[BackendProcess]) -> dict[int, Usage]:
    """CPU and memory of the live processes, by pid (one killed a moment ago is left out)."""
    found: dict[int, Usage] = {}
    for p in backends:
        if not p.alive():
            continue
        try:
            found[p.proc.pid] = usage(p.proc.pid)
        except OSError:  # killed between the check and the reading
            continue
    return found


async def _progress(
    backends: list[BackendProcess], first: dict[int, Usage], every_s: float, t0: float, driver: LoadDriver
) -> None:
    """Each `every_s`: the backends' CPU over the last period (cores) and their resident memory; the
    customers' POSTs started in it and answered in it, and those not answered yet (above what the
    backends sustain they queue in the driver, and a chat asked for now is made minutes later);
    of the chats asked for in the period, how many were offered by now and how fast; and how many
    made chats wait for an offer. A process started in the period (a replacement) counts from its
    start; a killed one's last part of the period is not counted."""
    last, last_t = {pid: u.cpu_s for pid, u in first.items()}, t0
    answered_before = 0
    while True:
        await asyncio.sleep(every_s)
        now = _usage_of(backends)
        t = time.perf_counter()
        cpu = sum(u.cpu_s - last.get(pid, 0.0) for pid, u in now.items()) / (t - last_t)
        rss = sum(u.rss_bytes for u in now.values()) / 2**20
        answered = len(driver.acknowledged_chats) + len(driver.failed_chats)
        unanswered = len(driver.post_lag_s) - answered
        opened = [c for c, began in driver.created.items() if last_t <= began < t]
        lat = [(driver.shown[c] - driver.created[c]) * 1000 for c in opened if c in driver.shown]
        waiting = sum(1 for c in driver.created if c not in driver.shown)
        print(
            f"    {(t - t0) / 60:5.1f} min: backends {cpu:.2f} cores, RSS {rss:.0f} MiB; "
            f"{answered - answered_before} chat POSTs answered, {unanswered} not yet; "
            f"of the chats asked for in this period {len(opened)} made, {len(lat)} offered"
            + (f" (p50 {pct(lat, 50):.0f} ms, p95 {pct(lat, 95):.0f} ms)" if lat else "")
            + f"; {waiting} made and waiting for an offer",
            flush=True,
        )
        last, last_t, answered_before = {pid: u.cpu_s for pid, u in now.items()}, t, answered


def soak(minutes: float, agents: int, rate: float, faults: bool = False, customers: int | None = None) -> int:
    """The issue's long run on PostgreSQL (3 processes); prints its figures and checks."""
    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL is not installed", file=sys.stderr)
        return 1
    print(
        f"Soak: {agents} agents, {rate:g} chats/s for {minutes:g} min, {PROCESSES} processes on PostgreSQL"
        + (", behind one proxy; faults at 1/4, 1/2, 3/4" if faults else ""),
        flush=True,
    )
    pg = PostgresServer(bindir)
    pg.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            url = pg.create_database()
            try:
                r = one_run(
                    "pg x3", url, Path(tmp), PROCESSES, agents, rate, minutes * 60, pg.data,
                    progress_s=60.0 if minutes >= 5 else 20.0, faults=pg if faults else None,
                    drain_s=SOAK_DRAIN_S, drain_max_s=SOAK_DRAIN_MAX_S, customers=customers,
                )  # fmt: skip
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


#: `--statements`: PostgreSQL counts every statement's calls, plans and time (pg_stat_statements).
STATEMENT_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track_planning": "on",
}
#: How many statements `--statements` lists.
TOP_STATEMENTS = 15


def _plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _reset_statements(url: str) -> None:
    import psycopg

    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")


def _print_statements(url: str) -> None:
    """The run's statements by the server's time on them (planning and executing), and the totals:
    what PostgreSQL's CPU went on, and whether statements are planned at every call."""
    import psycopg

    with psycopg.connect(_plain_url(url), autocommit=True) as conn:
        calls, plans, execute_ms, plan_ms = conn.execute(
            "SELECT sum(calls), sum(plans), sum(total_exec_time), sum(total_plan_time) "
            "FROM pg_stat_statements"
        ).fetchone() or (0, 0, 0.0, 0.0)
        # Transaction control is where the round trips without work show: a BEGIN per transaction,
        # and at each ROLLBACK psycopg forgets its prepared statements (DEALLOCATE ALL if it had any).
        control = dict(
            conn.execute(
                "SELECT upper(split_part(ltrim(query), ' ', 1)), sum(calls) FROM pg_stat_statements "
                "WHERE query ~* '^\\s*(begin|commit|rollback|deallocate)' GROUP BY 1"
            ).fetchall()
        )
        top = conn.execute(
            "SELECT calls, plans, total_exec_time, total_plan_time, query FROM pg_stat_statements "
            "ORDER BY total_exec_time + total_plan_time DESC LIMIT %s",
            (TOP_STATEMENTS,),
        ).fetchall()
    print(
        f"  statements (setup included): {calls} calls, {plans} plans; "
        f"{execute_ms / 1000:.2f} s executing, {plan_ms / 1000:.2f} s planning",
        flush=True,
    )
    verbs = ("BEGIN", "COMMIT", "ROLLBACK", "DEALLOCATE")
    print("  transaction control: " + ", ".join(f"{v} {control.get(v, 0)}" for v in verbs), flush=True)
    for n, p, e, pl, query in top:
        text = " ".join(query.split())[:110]
        print(f"    {n:7d} calls {p:7d} plans {e:8.1f} ms exec {pl:8.1f} ms plan  {text}", flush=True)


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
    parser.add_argument(
        "--faults",
        action="store_true",
        help="with --soak: SIGKILL a process at 1/4 and the router's at 1/2 (each replaced), restart "
        "PostgreSQL at 3/4",
    )
    parser.add_argument(
        "--customers",
        type=int,
        help=f"customers the chats come from (default: {CUSTOMERS_PER_RATE} per chat a second; a few "
        "hundred make each customer's history long within minutes)",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="PostgreSQL runs with pg_stat_statements: after each pg run, the statements by the "
        "server's time on them, with their calls and plans",
    )
    args = parser.parse_args()
    # Stopped with SIGTERM: still stop the backends and PostgreSQL (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.soak is not None:
        agents = 500 if args.agents == parser.get_default("agents") else int(args.agents)
        return soak(args.soak, agents, args.rate, faults=args.faults, customers=args.customers)
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
            pg = PostgresServer(bindir, STATEMENT_SETTINGS if args.statements else None)
            pg.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            for agents in counts:
                for kind in kinds:
                    work = Path(tmp) / f"{kind}-{agents}"
                    if kind == "pg":
                        assert pg is not None
                        url = pg.create_database()
                        if args.statements:
                            _reset_statements(url)
                        try:
                            rows.append(
                                one_run(
                                    "pg x3",
                                    url,
                                    work,
                                    PROCESSES,
                                    agents,
                                    rate,
                                    duration,
                                    pg.data,
                                    customers=args.customers,
                                )
                            )
                            if args.statements:
                                _print_statements(url)
                        finally:
                            pg.drop_database(url)
                    else:
                        work.mkdir(parents=True)
                        url = f"sqlite:///{work / 'backend.sqlite3'}"
                        rows.append(
                            one_run(
                                "sqlite x1", url, work, 1, agents, rate, duration, customers=args.customers
                            )
                        )
                    print(table_row(rows[-1]), flush=True)
    finally:
        if pg is not None:
            pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
