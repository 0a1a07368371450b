"""What every benchmark prints: medians, p95s and maxima next to the target, one row per figure."""

from __future__ import annotations

import statistics


def pct(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank (no interpolation: a p95 of 50 runs is a real run)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def row(name: str, values: list[float], target: str, unit: str = "ms", digits: int = 1) -> None:
    def fmt(value: float) -> str:
        return f"{value:8.{digits}f} {unit}"

    print(
        f"  {name:<44} n={len(values):<5} median {fmt(statistics.median(values))}"
        f"   p95 {fmt(pct(values, 95))}   max {fmt(max(values))}   target {target}"
    )
