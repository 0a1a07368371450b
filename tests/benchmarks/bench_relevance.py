"""Benchmarks of the relevance engine: ranking time by history size, and relevance quality.

    .venv/bin/python tests/benchmarks/bench_relevance.py [--quick] [--only speed|quality]

1. Speed: ``RelevanceEngine.rank`` alone (the case already parsed) for one customer with 200, 2,000 and
   20,000 events (background noise from tests/unit/domain/relevance_scenarios.py plus the events that
   matter of the "delayed parcel" chat), and ``case_from_mapping`` (parsing) for information.
2. Quality: the share of cases whose ``expect`` block holds, for the published cases
   (../shared/relevance/cases) and the scenario corpus (tests/unit/domain/data/relevance_scenarios),
   next to a "newest three events" baseline scored with the same ``check_expect``; and the held-back
   half of the paraphrase corpus (tests/benchmarks/relevance_accuracy.py) next to a keyword baseline.

Prints medians and p95s next to the targets; measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.stats import row as _row  # noqa: E402
from tests.unit.domain import relevance_scenarios as scenarios  # noqa: E402
from workstation.domain.relevance import (  # noqa: E402
    Card,
    RelevanceEngine,
    case_from_mapping,
    check_expect,
)


def row(name: str, values: list[float], target: str, unit: str = "ms") -> None:
    _row(name, values, target, unit, digits=2)


# /work/main -> /work/shared; a worktree /work/wt/<name> -> /work/shared as well
PUBLISHED = (
    next(
        (
            p
            for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
            if (p / "relevance" / "cases").is_dir()
        ),
        ROOT.parent / "shared",
    )
    / "relevance"
    / "cases"
)
CORPUS = ROOT / "tests" / "unit" / "domain" / "data" / "relevance_scenarios"
SIZES = [(200, "≤ 2 ms (median)"), (2_000, "≤ 10 ms (median)"), (20_000, "≤ 60 ms (median)")]


# --- 1. speed -------------------------------------------------------------------------------------


def customer_with(size: int, seed: int = scenarios.SEED) -> dict[str, Any]:
    """The delayed-parcel chat with its few events that matter, in ``size`` events of history."""
    base = scenarios.delayed_parcel_de_chat()
    matter = [e for e in base["events"] if not e["id"].startswith("n")]
    reserved = frozenset(str(e["data"]["order_id"]) for e in matter if "order_id" in e["data"])
    rng = random.Random(f"{seed}:bench:{size}")
    events = scenarios.noise(rng, base["customer"]["id"], base["now"], size - len(matter), reserved) + matter
    rng.shuffle(events)
    return {**base, "id": f"{base['id']}-{size}", "events": events}


def bench_speed(quick: bool) -> None:
    engine = RelevanceEngine()
    print("\nRanking time: RelevanceEngine.rank on a parsed case (delayed-parcel chat in N events)")
    parse_rows: list[tuple[str, list[float]]] = []
    for size, target in SIZES:
        raw = customer_with(size)
        runs = 10 if quick else 50
        parsed = case_from_mapping(raw)
        for _ in range(3):  # warm-up: imports, regexes, catalog
            engine.rank(parsed)
        rank_ms: list[float] = []
        rank_cpu: list[float] = []
        parse_ms: list[float] = []
        for _ in range(runs):
            t0 = time.perf_counter()
            parsed = case_from_mapping(raw)
            t1 = time.perf_counter()
            c1 = time.process_time()
            ranking = engine.rank(parsed)
            c2 = time.process_time()
            t2 = time.perf_counter()
            parse_ms.append((t1 - t0) * 1000)
            rank_ms.append((t2 - t1) * 1000)
            rank_cpu.append((c2 - c1) * 1000)
        failures = check_expect(ranking.cards, raw["expect"])
        row(f"rank, {size:>6,} events", rank_ms, target)
        # CPU time of this process: what the ranking costs when the machine's other work is not counted
        row(f"rank, {size:>6,} events (CPU time)", rank_cpu, target)
        print(f"  {'':<44} expectations at this size: {'pass' if not failures else '; '.join(failures)}")
        parse_rows.append((f"case_from_mapping, {size:>6,} events", parse_ms))
    print("\nParsing time: case_from_mapping (for information)")
    for name, values in parse_rows:
        row(name, values, "—")


# --- 2. quality -----------------------------------------------------------------------------------


def newest_three(case: dict[str, Any]) -> list[Card]:
    """Baseline: the three newest events as insight cards, one ref each, no action."""
    events = sorted(case["events"], key=lambda e: scenarios.parse_ts(e["at"]), reverse=True)[:3]
    return [
        Card(kind="insight", action=None, refs=(e["id"],), title=e["summary"], reasons=("newest",), score=0.0)
        for e in events
    ]


def score_dir(directory: Path, engine: RelevanceEngine) -> tuple[int, int, int, list[str]]:
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]
    engine_pass = baseline_pass = 0
    misses: list[str] = []
    for case in cases:
        expect = case.get("expect") or {}
        failures = check_expect(engine.rank(case_from_mapping(case)).cards, expect)
        if failures:
            misses.append(f"{case['id']}: {'; '.join(failures)}")
        else:
            engine_pass += 1
        baseline_pass += not check_expect(newest_three(case), expect)
    return len(cases), engine_pass, baseline_pass, misses


def bench_quality() -> None:
    engine = RelevanceEngine()
    print("\nRelevance quality: cases whose expect block holds")
    print(f"  {'corpus':<34} {'cases':>5}   {'engine':>14}   {'newest-3 baseline':>18}")
    all_misses: list[str] = []
    for name, directory in (("published (../shared/relevance)", PUBLISHED), ("scenario corpus", CORPUS)):
        if not directory.is_dir() or not any(directory.glob("*.json")):
            print(f"  {name:<34} skipped: {directory} not found")
            continue
        total, ok, base, misses = score_dir(directory, engine)
        print(f"  {name:<34} {total:>5}   {ok:>3} ({ok / total:6.1%})   {base:>5} ({base / total:6.1%})")
        all_misses += misses
    for miss in all_misses:
        print(f"    engine miss: {miss}")
    print()
    from tests.benchmarks.relevance_accuracy import evaluate, report

    report("held", evaluate("held", engine), show_failures=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--only", choices=["speed", "quality"])
    args = parser.parse_args()
    if args.only in (None, "speed"):
        bench_speed(args.quick)
    if args.only in (None, "quality"):
        bench_quality()
    return 0


if __name__ == "__main__":
    sys.exit(main())
