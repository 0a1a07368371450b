"""Benchmark of the customer timeline at scale: one customer with 10,000 and with 100,000 events.

    .venv/bin/python tests/benchmarks/bench_timeline.py              # 10,000 and 100,000, side by side
    .venv/bin/python tests/benchmarks/bench_timeline.py --quick      # 1,000 and 10,000
    .venv/bin/python tests/benchmarks/bench_timeline.py --sizes 5000,50000

The real parts: the reference backend on loopback (events ingested over POST /api/v1/events), the
desktop's cache on a SQLite file, the customer context service and the history panel (offscreen Qt).
Prints medians and p95s next to the issue's targets for each size, then every figure at both sizes
with the ratio of the medians (a per-step cost should not grow with history: target ratio ≤ 1.5).
The per-step costs are the issue's: scrolling, loading older pages, ingesting, live inserts (and a
page deep in a ranked search, which is scrolling too). A search's first page is not one: it looks
at every match, and a larger history has more of them (its target is ≤ 100 ms p95); its ratio is
printed, marked "search".
Measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.stats import pct, row  # noqa: E402

KINDS = (
    ("web", "page_view", {"url": "/products/tv-55", "title": "TV 55", "seconds": 40}),
    ("web", "search", {"query": "soundbar"}),
    ("shop", "order_placed", {"value": 99.0, "items": 1}),
    ("logistics", "order_shipped", {"carrier": "DHL", "eta": "2026-12-01"}),
    ("logistics", "delivery_delayed", {"new_eta": "2026-12-03", "reason": "strike"}),
    ("chat", "contact", {"topic": "delivery status", "outcome": "unresolved", "sentiment": -0.3}),
    ("logistics", "delivered", {}),
    ("email", "survey", {"nps": 8, "comment": "ok"}),
)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def make_events(n: int) -> list[dict[str, object]]:
    from workstation.domain.models import utcnow

    now = utcnow()
    out = []
    for i in range(n):
        channel, kind, data = KINDS[i % len(KINDS)]
        order = (
            {"order_id": str(100000 + i // len(KINDS))}
            if kind not in ("page_view", "search", "survey")
            else {}
        )
        out.append(
            {
                "id": f"b{i:07d}",
                "customer_id": "c-1",
                # Within each group of 8 the events happen in the order of KINDS (browse → order →
                # ship → delay → chat → delivery → survey); groups are 56 minutes apart.
                "at": (
                    now - timedelta(minutes=7 * (i - i % len(KINDS) + len(KINDS) - 1 - i % len(KINDS)))
                ).isoformat(),
                "channel": channel,
                "kind": kind,
                "summary": f"{kind.replace('_', ' ')} #{i}",
                "data": data | order,
            }
        )
    return out


class collection_pauses:
    """Times every garbage collection from now on (gc.callbacks), in ms."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.longest_generation: int | None = None
        self._started = 0.0
        gc.callbacks.append(self.callback)

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = (time.perf_counter() - self._started) * 1000
        if took > max(self.times, default=-1.0):
            self.longest_generation = info["generation"]
        self.times.append(took)


#: Figures of one run: name -> (values in ms, target, whether it is a per-step cost).
Figures = dict[str, tuple[list[float], str, bool]]


def measure(n: int) -> Figures:
    """Every figure for one customer with `n` events (its own backend and caches)."""
    import httpx
    from PySide6.QtWidgets import QApplication

    from tests.helpers.backend import CUSTOMERS, start_server
    from workstation.boot.wiring import settle_memory
    from workstation.client.api import BackendApi
    from workstation.domain.timeline import TimelineFilter
    from workstation.services.customer_context import CustomerContextService
    from workstation.services.sync import SyncService
    from workstation.store.cache import CacheStore, open_engine
    from workstation.ui.collector import GuiThreadCollector
    from workstation.ui.history_panel import HistoryPanel

    app = QApplication.instance() or QApplication([])
    # The desktop's garbage-collection regime (workstation/app.py and boot/desktop.py): collection on
    # the GUI thread's timer, survivors of full collections frozen, start-up frozen once signed in.
    collector = GuiThreadCollector(app, freeze_survivors=True)
    figures: Figures = {}

    def record(name: str, values: list[float], target: str, per_step: bool = True) -> None:
        row(name, values, target)
        figures[name] = (values, target, per_step)

    tmp = Path(tempfile.mkdtemp(prefix="bench-timeline-"))
    server = start_server(tmp / "backend")
    backend = server.backend
    assert backend is not None
    server.call(lambda: backend.upsert_customer(CUSTOMERS[0]))
    service = server.call(lambda: backend.issue_token(backend.service_principal()))

    print(f"\nCustomer timeline, one customer with {n:,} events (backend on loopback, cache on SQLite)")
    ingest: list[float] = []
    with httpx.Client(base_url=server.url, trust_env=False, timeout=120) as http:
        events = make_events(n)
        for i in range(0, n, 1000):
            t0 = time.perf_counter()
            r = http.post(
                "/api/v1/events", json=events[i : i + 1000], headers={"Authorization": f"Bearer {service}"}
            )
            ingest.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and r.json()["stored"] == len(events[i : i + 1000]), r.text
        token = http.post("/api/v1/auth/login", json={"username": "lead", "password": "demo"}).json()["token"]
        del events
    record("ingest, 1,000 events per POST /events", ingest, "≤ 200 ms (≥ 5,000 events/s)")
    settle_memory()  # as the desktop does once it is signed in

    async def run() -> None:
        http = httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=60)
        api = BackendApi(http, token)

        def service_for(path: Path) -> tuple[CacheStore, CustomerContextService]:
            store = CacheStore(open_engine(path))
            return store, CustomerContextService(api, store, SyncService(api, store))

        def paint(panel: HistoryPanel) -> None:
            panel.view.viewport().repaint()
            app.processEvents()

        # 1. first page, cold: nothing cached, the newest page comes from the backend
        cold: list[float] = []
        for rep in range(5):
            store, context = service_for(tmp / f"cold-{rep}.sqlite")
            panel = HistoryPanel()
            panel.resize(700, 500)
            panel.show()
            t0 = time.perf_counter()
            await context.refresh("c-1")
            panel.bind(context, "c-1")
            paint(panel)
            cold.append((time.perf_counter() - t0) * 1000)
            panel.deleteLater()
            store.close()
        record("first page shown, cold cache (backend fetch + paint)", cold, "≤ 300 ms")

        # 2. scroll to the end: pages from the cache, older pages from the backend when it runs out
        store, context = service_for(tmp / "warm.sqlite")
        await context.refresh("c-1")
        before = rss_mb()
        panel = HistoryPanel()
        panel.resize(700, 500)
        panel.show()
        panel.bind(context, "c-1")
        context.history_loaded.connect(lambda _c, count: panel.older_loaded(count))
        page_steps: list[float] = []
        backend_pages: list[float] = []
        started = time.perf_counter()
        while not panel.model.complete():
            if panel.model.canFetchMore():
                t0 = time.perf_counter()
                panel.model.fetch_page()
                panel.view.scrollToBottom()
                paint(panel)
                page_steps.append((time.perf_counter() - t0) * 1000)
            else:
                t0 = time.perf_counter()
                got = await context.load_older("c-1")
                backend_pages.append((time.perf_counter() - t0) * 1000)
                if not got and not context.history_complete("c-1"):
                    raise RuntimeError("older history did not load")
        scrolled = time.perf_counter() - started
        listed = panel.model.entry_count()
        record(f"scroll step: next {panel.model.PAGE} rows from the cache + paint", page_steps, "≤ 16 ms")
        record("older page of 1,000 events, backend → cache", backend_pages, "≤ 300 ms, off the paint path")
        growth = rss_mb() - before
        print(
            f"  scrolled through {listed:,} events in {scrolled:.1f} s;"
            f" RSS growth {growth:.0f} MB (≤ 150 MB);"
            f" rows held by the model at the end: {panel.model.held_rows():,} of {panel.model.rowCount():,}"
        )
        # Nothing lost on the way (the invariants the model's tests check on small histories): every
        # cached event listed once, newest first, and one day header per day listed.
        entries = panel.model.entries()
        cached = store.timeline_page("c-1", limit=n + 1000)
        in_order = [e.id for e in entries] == [e.id for e in cached] and len(
            {e.id for e in entries}
        ) == listed
        days = len({e.at.astimezone().date() for e in entries})
        headers = panel.model.rowCount() - panel.model.entry_count()
        print(
            f"  every cached event listed once, newest first: {'yes' if in_order else 'NO'}"
            f" ({len(entries):,}); "
            f"day headers {headers:,} for {days:,} days: {'yes' if headers == days else 'NO'}"
        )
        del entries, cached

        # 3. first page, warm: everything cached
        warm: list[float] = []
        for _ in range(7):
            other = HistoryPanel()
            other.resize(700, 500)
            other.show()
            t0 = time.perf_counter()
            other.bind(context, "c-1")
            paint(other)
            warm.append((time.perf_counter() - t0) * 1000)
            other.deleteLater()
        record("first page shown, history cached", warm, "≤ 300 ms")

        # 3a. live inserts: an event pushed for the customer is stored (on the cache's writer thread,
        # as the sync service does) and listed on top of the history the agent scrolled through
        from workstation.domain.models import TimelineEvent

        panel.view.scrollToTop()
        paint(panel)
        stored: list[float] = []
        listed_live: list[float] = []
        newest = store.timeline_page("c-1", limit=1)[0].at
        for i in range(20):
            event = TimelineEvent(
                id=f"live-{i}",
                customer_id="c-1",
                at=newest + timedelta(seconds=i + 1),
                channel="chat",
                kind="contact",
                summary=f"Live-Nachricht {i}",
                data={"topic": "delivery status"},
            )
            t0 = time.perf_counter()
            store.writes.submit(store.apply, events=[event]).result()
            t1 = time.perf_counter()
            panel.model.add([event])
            panel.model.flush()
            paint(panel)
            stored.append((t1 - t0) * 1000)
            listed_live.append((time.perf_counter() - t1) * 1000)
        record("live insert: pushed event stored in the cache", stored, "flat")
        record("live insert: listed on top + paint", listed_live, "≤ 16 ms")

        # 3b. a fast scroll from top to bottom: the scroll bar dragged to the end again and again
        # while pages are appended (each turn of the loop is what the GUI thread does between
        # frames; its longest turn is the stall the agent sees)
        fast = HistoryPanel()
        fast.resize(700, 500)
        fast.show()
        fast.bind(context, "c-1")
        paint(fast)
        turns: list[float] = []
        # What each turn spent where (ms): the scroll bar's move, the page appended (SQL, rows,
        # the insert notification), garbage collection, the rest of the queued events, the paint.
        parts: list[dict[str, float]] = []
        appended: list[float] = []
        fetch_page = fast.model.fetch_page

        def timed_fetch_page() -> None:
            t = time.perf_counter()
            fetch_page()
            appended.append((time.perf_counter() - t) * 1000)

        fast.model.fetch_page = timed_fetch_page  # type: ignore[method-assign]
        pauses = collection_pauses()
        bar = fast.view.verticalScrollBar()
        bound = 20 * n // fast.model.PAGE + 100  # never loops for ever, whatever goes wrong
        while (not fast.model.complete() or bar.value() < bar.maximum()) and len(turns) < bound:
            appended.clear()
            collections = len(pauses.times)
            t0 = time.perf_counter()
            bar.setValue(bar.maximum())
            t1 = time.perf_counter()
            fast.view.viewport().repaint()
            t2 = time.perf_counter()
            app.processEvents()
            t3 = time.perf_counter()
            turns.append((t3 - t0) * 1000)
            gc_ms = sum(pauses.times[collections:])
            parts.append(
                {
                    "scroll bar": (t1 - t0) * 1000,
                    "paint": (t2 - t1) * 1000,
                    "page append": sum(appended),
                    "collection": gc_ms,
                    "other events": (t3 - t2) * 1000 - sum(appended) - gc_ms,
                }
            )
        gc.callbacks.remove(pauses.callback)
        record("fast scroll top → bottom: one GUI-thread turn", turns, "≤ 16 ms (max: the stall)")
        print(
            f"  fast scroll: longest turn {max(turns):.1f} ms; {len(pauses.times)} garbage collections,"
            f" longest {max(pauses.times, default=0):.1f} ms (generation {pauses.longest_generation})"
        )
        long_turns = [p for t, p in zip(turns, parts, strict=True) if t > 16]
        print(f"  {len(long_turns)} of {len(turns)} turns over 16 ms; what the five longest spent (ms):")
        for t, p in sorted(zip(turns, parts, strict=True), key=lambda tp: -tp[0])[:5]:
            print(f"    {t:6.1f}: " + ", ".join(f"{k} {v:.1f}" for k, v in p.items()))
        fast.deleteLater()

        # 4. filter changes on the whole cached history
        filters = {
            "channel = chat": TimelineFilter(channels=frozenset({"chat"})),
            "phase = purchase": TimelineFilter(phases=frozenset({"purchase"})),
            "kind = delivery_delayed": TimelineFilter(kinds=frozenset({"delivery_delayed"})),
            "text '#9999' (few matches)": TimelineFilter(text="#9999"),
            "text 'no such thing' (none)": TimelineFilter(text="no such thing"),
            "only open issues": TimelineFilter(only_open=True),
        }
        all_changes: list[float] = []
        for name, where in filters.items():
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                panel.model.reload(where)
                paint(panel)
                times.append((time.perf_counter() - t0) * 1000)
                panel.model.reload(TimelineFilter())
            all_changes += times
            # A text search's first page follows the number of matches (see the module's docstring).
            record(f"filter change: {name}", times, "≤ 100 ms", per_step=not where.text)
        record("filter change, all of the above", all_changes, "≤ 100 ms")

        # 5. best matches first (FTS5 bm25) for a word an eighth of the history has: the first page
        # (a new search ranks every match), and pages deeper in the ranked list (slices of the
        # ranking the first page made: no deeper page, and no larger history, costs more)
        ranked = TimelineFilter(text="delayed", ranked=True)
        first_ranked: list[float] = []
        for _ in range(5):
            store.generations.changed(["c-1"])  # ranked afresh each time, as a new search is
            t0 = time.perf_counter()
            panel.model.reload(ranked)
            paint(panel)
            first_ranked.append((time.perf_counter() - t0) * 1000)
        matches = len(store.timeline_page("c-1", where=ranked, limit=n))
        record(
            "best matches first (a word of 1 in 8 events): first page",
            first_ranked,
            "≤ 100 ms",
            per_step=False,
        )

        def ranked_page(number: int) -> list[float]:
            """The `number`th page of the ranked list, reached by scrolling (5 times)."""
            times: list[float] = []
            for _ in range(5):
                panel.model.reload(ranked)
                for _ in range(number - 2):
                    panel.model.fetch_page()
                rows = panel.model.rowCount()
                t0 = time.perf_counter()
                panel.model.fetch_page()
                paint(panel)
                times.append((time.perf_counter() - t0) * 1000)
                if panel.model.rowCount() - rows < panel.model.PAGE:
                    raise RuntimeError(f"page {number} of the ranked list is not a full page")
            return times

        # The 6th page exists at 10,000 events too (1,250 matches): the same depth at both sizes.
        if matches >= 6 * panel.model.PAGE:
            record("best matches first: the 6th page", ranked_page(6), "≤ 100 ms")
        if matches >= 50 * panel.model.PAGE:
            record("best matches first: the 50th page", ranked_page(50), "≤ 100 ms")
        panel.model.reload(TimelineFilter())
        await http.aclose()

    try:
        # A plain asyncio loop: Qt work is driven by processEvents() where the GUI would paint.
        asyncio.run(run())
    finally:
        server.stop()
        collector.stop()
        gc.unfreeze()
    return figures


def side_by_side(small: int, large: int, a: Figures, b: Figures) -> None:
    """Each figure at both sizes, and how much the median grew (per-step costs: target ≤ 1.5)."""
    print(f"\nSide by side: {small:,} vs {large:,} events (medians and p95s in ms; ratio of the medians)")
    print(f"  {'figure':<54} {small:>9,} p95     {large:>9,} p95      ratio")
    for name, (values, _target, per_step) in a.items():
        if name not in b:
            continue
        other = b[name][0]
        ratio = statistics.median(other) / max(statistics.median(values), 1e-9)
        verdict = ("ok" if ratio <= MAX_RATIO else "GROWS") if per_step else "search"
        print(
            f"  {name:<54} {statistics.median(values):9.1f} {pct(values, 95):7.1f}"
            f" {statistics.median(other):9.1f} {pct(other, 95):7.1f}   {ratio:5.2f} {verdict}"
        )


#: How much a per-step cost may grow from the smaller to the larger history (the issue's target).
MAX_RATIO = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated event counts")
    parser.add_argument("--events", type=int, help="one size only")
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 events")
    args = parser.parse_args()
    if args.events:
        sizes = [args.events]
    elif args.quick:
        sizes = [1_000, 10_000]
    else:
        sizes = [int(x) for x in args.sizes.split(",")]
    results = [measure(n) for n in sizes]
    for (small, a), (large, b) in zip(
        zip(sizes, results, strict=True), zip(sizes[1:], results[1:], strict=False), strict=False
    ):
        side_by_side(small, large, a, b)


if __name__ == "__main__":
    main()
