"""The next-best-action catalog (resources/action_catalog.toml): actions, their triggers and policies."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from workstation.domain.routing_expr import CompiledExpression, ExpressionError, compile_expression


@dataclass(frozen=True, slots=True)
class ActionSpec:
    id: str
    label: str
    does: str
    title: str
    triggers: frozenset[str]
    policy: CompiledExpression
    weight: float
    #: a title for a particular kind of situation, where the general one does not fit
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_for(self, situation_kind: str) -> str:
        return self.titles.get(situation_kind, self.title)


@dataclass(frozen=True, slots=True)
class Catalog:
    actions: tuple[ActionSpec, ...]

    def get(self, action_id: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.id == action_id), None)

    def answering(self, situation_kind: str) -> list[ActionSpec]:
        return [a for a in self.actions if situation_kind in a.triggers]


def parse_catalog(text: str, source: str = "catalog") -> Catalog:
    """A catalog from TOML text; raises ValueError naming the action and the problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: {exc}") from None
    entries = doc.get("action")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: no [[action]] entries")
    actions: list[ActionSpec] = []
    for n, entry in enumerate(entries, 1):
        where = f"{source}: action {entry.get('id', n)!r}" if isinstance(entry, dict) else f"{source}: #{n}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: not a table")
        try:
            policy = compile_expression(str(entry["policy"]))
            triggers = entry["triggers"]
            if not isinstance(triggers, list) or not all(isinstance(t, str) for t in triggers):
                raise ValueError("triggers must be a list of situation kinds")
            weight = float(entry.get("weight", 1.0))
            if not 0 < weight <= 2:
                raise ValueError("weight must be in (0, 2]")
            titles = entry.get("titles", {})
            if not isinstance(titles, dict) or not all(isinstance(v, str) for v in titles.values()):
                raise ValueError("titles must map situation kinds to strings")
            actions.append(
                ActionSpec(
                    id=str(entry["id"]),
                    label=str(entry.get("label", entry["id"])),
                    does=str(entry.get("does", "")),
                    title=str(entry.get("title", entry.get("does", entry["id"]))),
                    triggers=frozenset(triggers),
                    policy=policy,
                    weight=weight,
                    titles=dict(titles),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{where}: missing {exc.args[0]!r}") from None
        except ExpressionError as exc:
            raise ValueError(f"{where}: policy does not parse: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    ids = [a.id for a in actions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{source}: an action id appears twice")
    return Catalog(tuple(actions))


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog shipped with the application, or the one at `path`."""
    if path is not None:
        return parse_catalog(path.read_text(encoding="utf-8"), str(path))
    text = resources.files("workstation.resources").joinpath("action_catalog.toml").read_text("utf-8")
    return parse_catalog(text, "action_catalog.toml")
