"""Three-way merge of an edited record: what the agent started from (base), what the backend has
now (theirs) and what the agent wants (mine). Nothing is overwritten silently: a field both sides
changed differently is a conflict for the agent to decide."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field both sides changed, to different values."""

    name: str
    base: Any
    theirs: Any
    mine: Any


@dataclass(frozen=True, slots=True)
class MergeResult:
    #: The record to save when there are no conflicts: every change of either side kept.
    merged: dict[str, Any]
    conflicts: tuple[FieldConflict, ...] = ()
    #: Fields where the result differs from theirs (what would be sent to the backend).
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge3(base: Mapping[str, Any], theirs: Mapping[str, Any], mine: Mapping[str, Any]) -> MergeResult:
    """Merge field by field over the fields in `mine` (an edit names the fields it is about).

    A field the agent left as it was takes theirs; a field only the agent changed takes mine; a
    field both changed to the same value is no conflict; anything else is a conflict, and the
    merged value keeps theirs until the agent chooses.
    """
    merged = dict(theirs)
    conflicts: list[FieldConflict] = []
    for name, wanted in mine.items():
        before, now = base.get(name), theirs.get(name)
        if wanted in (before, now):
            continue
        if now == before:
            merged[name] = wanted
            continue
        conflicts.append(FieldConflict(name, before, now, wanted))
    changes = {name: merged[name] for name in mine if merged.get(name) != theirs.get(name)}
    return MergeResult(merged, tuple(conflicts), changes)


def resolve(result: MergeResult, choices: Mapping[str, Any]) -> dict[str, Any]:
    """The fields to send after the agent chose a value for every conflicting field."""
    missing = [c.name for c in result.conflicts if c.name not in choices]
    if missing:
        raise ValueError(f"no choice made for {', '.join(missing)}")
    chosen = dict(result.changes)
    for conflict in result.conflicts:
        value = choices[conflict.name]
        if value != conflict.theirs:
            chosen[conflict.name] = value
    return chosen
