"""The named table of relevance weights (resources/relevance_weights.toml, beside the action catalog)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Weights", "parse_weights", "weights"]


@dataclass(frozen=True, slots=True)
class Weights:
    """Base score, half-life and floor per situation kind, their named extras, and evidence weights."""

    situations: dict[str, dict[str, float]]
    evidence: dict[str, float]

    def base(self, kind: str) -> float:
        return self.situations[kind]["base"]

    def half_life(self, kind: str) -> float:
        return self.situations[kind]["half_life_days"]

    def floor(self, kind: str) -> float:
        return self.situations[kind].get("floor", 0.0)

    def limit(self, kind: str, name: str) -> float:
        """A named threshold of a kind ("stale_after_days"): it must be in the table (no fallback)."""
        return self.situations[kind][name]

    def of(self, kind: str, name: str) -> float:
        """A named extra of a kind ("overdue_bonus", "critical"), else its base."""
        table = self.situations[kind]
        return table.get(name, table["base"])


def parse_weights(text: str, source: str = "weights") -> Weights:
    """A weights table from TOML text; raises ValueError naming the entry and the problem."""
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: {exc}") from None
    situations: dict[str, dict[str, float]] = {}
    for kind, table in (doc.get("situation") or {}).items():
        if not isinstance(table, dict) or "base" not in table or "half_life_days" not in table:
            raise ValueError(f"{source}: situation {kind!r} needs base and half_life_days")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in table.values()):
            raise ValueError(f"{source}: situation {kind!r}: every value must be a number")
        situations[kind] = {k: float(v) for k, v in table.items()}
    evidence = doc.get("evidence") or {}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in evidence.values()):
        raise ValueError(f"{source}: evidence: every value must be a number")
    return Weights(situations, {k: float(v) for k, v in evidence.items()})


@lru_cache(maxsize=1)
def weights() -> Weights:
    """The table shipped with the application."""
    text = resources.files("workstation.resources").joinpath("relevance_weights.toml").read_text("utf-8")
    return parse_weights(text, "relevance_weights.toml")
