"""The agents as the router sees them, read for every routing pass.

A pass needs every agent's presence, last offer and load, which change all the time, and its
attributes and capacity, which an admin changes now and then. Building all of it afresh for 500
agents on every pass (the ORM's processing of the rows, the JSON columns parsed, each agent's
attributes and capacity assembled) was more than half of the pass (py-spy, 500 desktops at 25
chats/s: 102 of 181 samples of the router's passes; 32 of 92 after this). Here the rows are plain
Core rows, the second kind is read as its stored text and parsed again only for an agent whose text
changed. Reading the text each pass, rather than keeping it until some write says it changed, means
a change made by any process, through any path, counts from the next pass on: there is no
invalidation to forget.

An unchanged agent also keeps the very same attributes object from pass to pass, which lets the
router keep its queue membership for that agent (`Router.members` memoises by that object).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import ConversationState, Presence, Role
from workstation.domain.workflow import WorkerState
from workstation.server.backend.mappers import _aware, _capacity, _worker_attributes
from workstation.server.db import AgentRoutingRow, AgentRow, ConversationRow, OfferRow

#: (username, capacity, load) -> capacity: the voice channel's rules (BackendBase.capacity_hooks).
CapacityHook = Callable[[str, dict[str, int], dict[str, int]], dict[str, int]]


class _Stored(NamedTuple):
    """An agent's slowly changing facts as stored (the JSON columns as text): the cache's key."""

    username: str
    name: str
    skills: str
    languages: str
    max_chats: int
    #: Whether the agent has a routing row (an outer join: its columns are None without one).
    routed: bool
    routing_attributes: str | None
    routing_capacity: str | None


class _Parsed(NamedTuple):
    """What `_Stored` parses to; the same objects while the stored text stays the same."""

    stored: _Stored
    attributes: Mapping[str, Any]
    capacity: Mapping[str, int]


class _AgentView(NamedTuple):
    """The names mappers._worker_attributes and _capacity read (AgentRow's and AgentRoutingRow's)."""

    id: str
    username: str
    name: str
    skills: list[Any]
    languages: list[Any]
    max_chats: int
    attributes: dict[str, Any]
    capacity: dict[str, Any]


#: Every agent's facts for the router, the JSON columns as their text (parsed in _parse, when changed).
_AGENTS = (
    select(
        AgentRow.id,
        AgentRow.presence,
        AgentRow.last_offer_at,
        AgentRow.username,
        AgentRow.name,
        cast(AgentRow.skills, Text),
        cast(AgentRow.languages, Text),
        AgentRow.max_chats,
        AgentRoutingRow.agent_id.is_not(None),
        cast(AgentRoutingRow.attributes, Text),
        cast(AgentRoutingRow.capacity, Text),
    )
    .outerjoin(AgentRoutingRow, AgentRoutingRow.agent_id == AgentRow.id)
    .where(AgentRow.role == Role.AGENT.value)
)
#: Conversations held and offers open per agent and channel (both count against capacity).
_HELD = (
    select(ConversationRow.agent_id, ConversationRow.channel, func.count())
    .where(ConversationRow.state == ConversationState.ACTIVE.value)
    .group_by(ConversationRow.agent_id, ConversationRow.channel)
)
_OFFERED = (
    select(OfferRow.agent_id, ConversationRow.channel, func.count())
    .join(ConversationRow, ConversationRow.id == OfferRow.conversation_id)
    .where(OfferRow.state == "offered")
    .group_by(OfferRow.agent_id, ConversationRow.channel)
)


class WorkerDirectory:
    """Reads the router's view of every agent; parses an agent's attributes only when they changed.

    Thread-safe enough for its use: passes run on the writer thread, explanations (why_waiting) on
    a reader. Each read builds a fresh cache and swaps it in whole, so a concurrent read at worst
    parses an agent once more; entries are never changed in place.
    """

    def __init__(self) -> None:
        self._parsed: dict[str, _Parsed] = {}

    def read(self, db: DbSession, hooks: list[CapacityHook]) -> list[WorkerState]:
        load = agent_load(db)
        # Through the session's connection: plain rows, without the ORM's result processing (a
        # third of this read's time with the session's execute).
        rows = db.connection().execute(_AGENTS).all()
        before = self._parsed
        parsed: dict[str, _Parsed] = {}
        workers = []
        available = Presence.AVAILABLE.value  # an enum's .value is a property: read once, not 500 times
        for agent_id, presence, last_offer_at, *stored_values in rows:
            stored = tuple(stored_values)
            # A _Stored equals the plain tuple of the same values: no NamedTuple built per agent.
            facts = before.get(agent_id)
            if facts is None or facts.stored != stored:
                facts = _parse(agent_id, _Stored(*stored))
            parsed[agent_id] = facts
            held = load.get(agent_id, {})
            capacity: Mapping[str, int] = facts.capacity  # never changed in place: the hooks copy
            for hook in hooks:
                capacity = hook(facts.stored.username, dict(capacity), held)
            workers.append(
                WorkerState(
                    id=agent_id,
                    attributes=facts.attributes,
                    capacity=capacity,
                    load=held,
                    available=presence == available,
                    idle_since=_aware(last_offer_at).timestamp() if last_offer_at else 0.0,
                )
            )
        self._parsed = parsed  # agents removed since the last read drop out here
        return workers


def _parse(agent_id: str, stored: _Stored) -> _Parsed:
    has_routing = bool(stored.routed)  # SQLite answers IS NOT NULL with 0 or 1
    view = _AgentView(
        id=agent_id,
        username=stored.username,
        name=stored.name,
        skills=json.loads(stored.skills),
        languages=json.loads(stored.languages),
        max_chats=stored.max_chats,
        attributes=json.loads(stored.routing_attributes or "{}"),
        capacity=json.loads(stored.routing_capacity or "{}"),
    )
    extra = view if has_routing else None
    return _Parsed(stored, _worker_attributes(view, extra), _capacity(view, extra))


def agent_load(db: DbSession) -> dict[str, dict[str, int]]:
    """Agent id -> channel -> conversations held plus offers open (what counts against capacity)."""
    load: dict[str, dict[str, int]] = {}
    conn = db.connection()
    for agent_id, channel, count in conn.execute(_HELD):
        if agent_id:
            load.setdefault(agent_id, {})[channel] = count
    for agent_id, channel, count in conn.execute(_OFFERED):
        per_channel = load.setdefault(agent_id, {})
        per_channel[channel] = per_channel.get(channel, 0) + count
    return load
