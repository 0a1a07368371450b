"""Queue monitor statistics: what a team lead sees per queue and per agent, and how it is computed.

Pure functions over plain inputs; the reference backend gathers the inputs from its stored records
(waiting tasks, task outcomes, agents' presence and conversations) and the desktop applies what it
pushes. Definitions (the README's "Queue monitor" section says the same for users):

* **Waiting:** tasks queued or offered (an offer is not an answer until it is accepted).
* **Answered / abandoned / expired** count tasks that left the queue within the rolling window:
  accepted by an agent, the customer left before being answered, or the task's time to live ran out.
* **Service level** = answered within the queue's threshold ÷ (answered + abandoned after the
  threshold + expired). A customer who leaves before the threshold was not failed by the queue.
  None while nothing left the queue in the window.
* **Average wait** = mean time to answer of the tasks answered in the window.
* **Agent states:** offline; away (presence away, whatever they still hold); busy (available and
  holding at least one conversation); available (available and idle).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field

from workstation.domain.models import Id, Presence, Record, UtcDateTime
from workstation.domain.workflow import QueueAlerts, QueueConfig, ServiceLevelConfig

AgentState = Literal["available", "busy", "away", "offline"]
TileStatus = Literal["ok", "amber", "red"]
Outcome = Literal["answered", "abandoned", "expired"]

AGENT_STATES: tuple[AgentState, ...] = ("available", "busy", "away", "offline")
#: The pseudo queue id of the "all queues" row.
ALL_QUEUES = "*"


class QueueStats(Record):
    """One queue's tile: waiting now, what left it in the window, its agents, its colour and why."""

    queue_id: str = Field(min_length=1, max_length=64)
    name: str
    waiting: int = Field(default=0, ge=0)
    longest_wait_s: float = Field(default=0.0, ge=0)
    avg_wait_s: float | None = None
    answered: int = Field(default=0, ge=0)
    answered_in_threshold: int = Field(default=0, ge=0)
    abandoned: int = Field(default=0, ge=0)
    expired: int = Field(default=0, ge=0)
    service_level: float | None = Field(default=None, ge=0, le=1)
    threshold_s: float = Field(default=20.0, gt=0)
    target: float = Field(default=0.8, gt=0, le=1)
    agents_available: int = Field(default=0, ge=0)
    agents_busy: int = Field(default=0, ge=0)
    agents_away: int = Field(default=0, ge=0)
    status: TileStatus = "ok"
    #: Why the tile is amber or red ("9 waiting ≥ 5; service level 62 % < 80 %"); empty when ok.
    status_reason: str = ""


class AgentStatus(Record):
    """One row of the team lead's agent roster."""

    agent_id: Id
    username: str
    name: str
    state: AgentState
    state_since: UtcDateTime
    #: Why the agent is away/offline when known: "break", "lunch", "missed_offer", "team_lead:<name>".
    reason: str = ""
    conversations: int = Field(default=0, ge=0)
    capacity: int = Field(default=0, ge=0)
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    handled_today: int = Field(default=0, ge=0)


class WaitingTask(Record):
    """A task still waiting, for the team lead's list (the reasons come from /routing/waiting/{id})."""

    conversation_id: Id
    queue_id: str | None = None
    customer: str = ""
    channel: str = "chat"
    topic: str | None = None
    language: str | None = None
    waiting_since: UtcDateTime
    offered_to: str | None = None
    moved: bool = False


class MonitorSnapshot(Record):
    """Everything the monitor shows at one instant; `version` grows by one per pushed change."""

    kind: Literal["snapshot"] = "snapshot"
    version: int = Field(ge=0)
    at: UtcDateTime
    window_s: float = Field(gt=0)
    queues: tuple[QueueStats, ...]
    total: QueueStats
    agents: tuple[AgentStatus, ...]
    waiting: tuple[WaitingTask, ...] = ()

    def queue(self, queue_id: str) -> QueueStats | None:
        if queue_id == ALL_QUEUES:
            return self.total
        return next((q for q in self.queues if q.queue_id == queue_id), None)

    def state_counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(AGENT_STATES, 0)
        for agent in self.agents:
            counts[agent.state] += 1
        return counts


class MonitorDelta(Record):
    """What changed since version `base`: changed queues and agents, the waiting list if it changed."""

    kind: Literal["delta"] = "delta"
    version: int = Field(ge=1)
    base: int = Field(ge=0)
    at: UtcDateTime
    queues: tuple[QueueStats, ...] = ()
    total: QueueStats | None = None
    agents: tuple[AgentStatus, ...] = ()
    removed_agents: tuple[str, ...] = ()
    waiting: tuple[WaitingTask, ...] | None = None


class MonitorTick(Record):
    """Nothing changed: the stream is alive and the numbers of `version` still hold at `at`."""

    kind: Literal["tick"] = "tick"
    version: int = Field(ge=0)
    at: UtcDateTime


class QueueSeries(Record):
    waiting: tuple[int, ...]
    service_level: tuple[float | None, ...]


class MonitorHistory(Record):
    """Samples of the last minutes: times (seconds since the epoch), per queue and agent states."""

    times: tuple[float, ...]
    queues: dict[str, QueueSeries]
    states: dict[str, tuple[int, ...]]


# --- computing --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """A task that left its queue: how, after how long (seconds from arrival)."""

    queue_id: str
    outcome: Outcome
    wait_s: float


@dataclass(frozen=True, slots=True)
class AgentInput:
    """An agent's stored facts, from which the roster row is derived."""

    agent_id: str
    username: str
    name: str
    presence: Presence
    conversations: int
    capacity: int
    state_since: datetime
    reason: str = ""
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    handled_today: int = 0


def agent_state(presence: Presence, conversations: int) -> AgentState:
    if presence == Presence.OFFLINE:
        return "offline"
    if presence == Presence.AWAY:
        return "away"
    return "busy" if conversations > 0 else "available"


def tile_status(
    *,
    waiting: int,
    longest_wait_s: float,
    service_level: float | None,
    sl: ServiceLevelConfig,
    alerts: QueueAlerts,
) -> tuple[TileStatus, str]:
    """Red if any red condition holds, else amber if any amber one does; with the conditions, worst first."""
    red: list[str] = []
    amber: list[str] = []
    if alerts.waiting_red is not None and waiting >= alerts.waiting_red:
        red.append(f"{waiting} waiting ≥ {alerts.waiting_red}")
    elif alerts.waiting_amber is not None and waiting >= alerts.waiting_amber:
        amber.append(f"{waiting} waiting ≥ {alerts.waiting_amber}")
    if alerts.longest_wait_red_s is not None and longest_wait_s >= alerts.longest_wait_red_s:
        limit = format_duration(alerts.longest_wait_red_s)
        red.append(f"longest wait {format_duration(longest_wait_s)} ≥ {limit}")
    elif alerts.longest_wait_amber_s is not None and longest_wait_s >= alerts.longest_wait_amber_s:
        amber.append(
            f"longest wait {format_duration(longest_wait_s)} ≥ {format_duration(alerts.longest_wait_amber_s)}"
        )
    if service_level is not None:
        if alerts.service_level_red is not None and service_level < alerts.service_level_red:
            red.append(f"service level {service_level:.0%} < {alerts.service_level_red:.0%}")
        elif service_level < sl.target:
            amber.append(f"service level {service_level:.0%} < {sl.target:.0%}")
    if red:
        return "red", "; ".join(red + amber)
    if amber:
        return "amber", "; ".join(amber)
    return "ok", ""


def _outcome_figures(outcomes: Iterable[TaskOutcome], threshold_s: float) -> dict[str, float | int | None]:
    answered = in_threshold = abandoned = late_abandoned = expired = 0
    answer_time = 0.0
    for item in outcomes:
        if item.outcome == "answered":
            answered += 1
            answer_time += item.wait_s
            if item.wait_s <= threshold_s:
                in_threshold += 1
        elif item.outcome == "abandoned":
            abandoned += 1
            if item.wait_s > threshold_s:
                late_abandoned += 1
        else:
            expired += 1
    denominator = answered + late_abandoned + expired
    return {
        "answered": answered,
        "answered_in_threshold": in_threshold,
        "abandoned": abandoned,
        "expired": expired,
        "avg_wait_s": answer_time / answered if answered else None,
        "service_level": in_threshold / denominator if denominator else None,
    }


def queue_stats(
    queue: QueueConfig,
    *,
    waiting_since: Sequence[float],
    outcomes: Sequence[TaskOutcome],
    member_states: Iterable[AgentState],
    now: float,
) -> QueueStats:
    """One queue's figures; `waiting_since`: arrival times (epoch seconds) of its waiting tasks."""
    waits = [max(0.0, now - since) for since in waiting_since]
    longest = max(waits, default=0.0)
    figures = _outcome_figures(outcomes, queue.service_level.threshold_s)
    states = list(member_states)
    sl = figures["service_level"]
    status, reason = tile_status(
        waiting=len(waits),
        longest_wait_s=longest,
        service_level=sl if isinstance(sl, float) else None,
        sl=queue.service_level,
        alerts=queue.alerts,
    )
    return QueueStats.model_validate(
        {
            "queue_id": queue.id,
            "name": queue.name,
            "waiting": len(waits),
            "longest_wait_s": round(longest, 1),
            **figures,
            "threshold_s": queue.service_level.threshold_s,
            "target": queue.service_level.target,
            "agents_available": states.count("available"),
            "agents_busy": states.count("busy"),
            "agents_away": states.count("away"),
            "status": status,
            "status_reason": reason,
        }
    )


def compute_snapshot(
    queues: Sequence[QueueConfig],
    *,
    members: Mapping[str, frozenset[str]],
    agents: Sequence[AgentInput],
    waiting: Sequence[WaitingTask],
    outcomes: Sequence[TaskOutcome],
    now: datetime,
    window_s: float,
    version: int = 0,
) -> MonitorSnapshot:
    """The whole monitor at `now` from the stored facts (outcomes: those that ended within the window)."""
    at = now.timestamp()
    rows = tuple(
        AgentStatus(
            agent_id=a.agent_id,
            username=a.username,
            name=a.name,
            state=agent_state(a.presence, a.conversations),
            state_since=a.state_since,
            reason=a.reason if a.presence != Presence.AVAILABLE else "",
            conversations=a.conversations,
            capacity=a.capacity,
            skills=a.skills,
            languages=a.languages,
            queues=tuple(q.id for q in queues if a.agent_id in members.get(q.id, frozenset())),
            handled_today=a.handled_today,
        )
        for a in agents
    )
    state_of = {row.agent_id: row.state for row in rows}
    waiting_by_queue: dict[str | None, list[float]] = {}
    for task in waiting:
        waiting_by_queue.setdefault(task.queue_id, []).append(task.waiting_since.timestamp())
    outcomes_by_queue: dict[str, list[TaskOutcome]] = {}
    for item in outcomes:
        outcomes_by_queue.setdefault(item.queue_id, []).append(item)
    stats = tuple(
        queue_stats(
            q,
            waiting_since=waiting_by_queue.get(q.id, []),
            outcomes=outcomes_by_queue.get(q.id, []),
            member_states=[state_of[a] for a in members.get(q.id, frozenset()) if a in state_of],
            now=at,
        )
        for q in queues
    )
    total = _total(queues, waiting, outcomes, list(state_of.values()), at)
    return MonitorSnapshot(
        version=version,
        at=now,
        window_s=window_s,
        queues=stats,
        total=total,
        agents=rows,
        waiting=tuple(sorted(waiting, key=lambda t: (t.waiting_since, t.conversation_id))),
    )


def _total(
    queues: Sequence[QueueConfig],
    waiting: Sequence[WaitingTask],
    outcomes: Sequence[TaskOutcome],
    states: list[AgentState],
    now: float,
) -> QueueStats:
    """All queues together: each outcome judged by its own queue's threshold; agents counted once."""
    thresholds = {q.id: q.service_level.threshold_s for q in queues}
    answered = in_threshold = abandoned = late = expired = 0
    answer_time = 0.0
    for item in outcomes:
        threshold = thresholds.get(item.queue_id, ServiceLevelConfig().threshold_s)
        if item.outcome == "answered":
            answered += 1
            answer_time += item.wait_s
            in_threshold += item.wait_s <= threshold
        elif item.outcome == "abandoned":
            abandoned += 1
            late += item.wait_s > threshold
        else:
            expired += 1
    denominator = answered + late + expired
    sl = in_threshold / denominator if denominator else None
    waits = [max(0.0, now - t.waiting_since.timestamp()) for t in waiting]
    # The whole centre is judged by the strictest target among its queues.
    target = max((q.service_level.target for q in queues), default=0.8)
    status, reason = tile_status(
        waiting=len(waits),
        longest_wait_s=max(waits, default=0.0),
        service_level=sl,
        sl=ServiceLevelConfig(target=target),
        alerts=QueueAlerts(waiting_amber=None, waiting_red=None),
    )
    return QueueStats(
        queue_id=ALL_QUEUES,
        name="All queues",
        waiting=len(waits),
        longest_wait_s=round(max(waits, default=0.0), 1),
        avg_wait_s=answer_time / answered if answered else None,
        answered=answered,
        answered_in_threshold=in_threshold,
        abandoned=abandoned,
        expired=expired,
        service_level=sl,
        target=target,
        agents_available=states.count("available"),
        agents_busy=states.count("busy"),
        agents_away=states.count("away"),
        status=status,
        status_reason=reason,
    )


# --- pushing changes ---------------------------------------------------------------------------


def diff(old: MonitorSnapshot, new: MonitorSnapshot) -> MonitorDelta | None:
    """The delta from `old` to `new` (new.version must be old.version + 1); None if nothing changed.

    A change of the queues themselves (added, removed, renamed order) is not a delta: send `new` whole.
    """
    changed_queues = tuple(q for q, p in zip(new.queues, old.queues, strict=True) if q != p)
    old_agents = {a.agent_id: a for a in old.agents}
    changed_agents = tuple(a for a in new.agents if old_agents.get(a.agent_id) != a)
    current = {a.agent_id for a in new.agents}
    removed = tuple(sorted(a for a in old_agents if a not in current))
    waiting = new.waiting if new.waiting != old.waiting else None
    total = new.total if new.total != old.total else None
    if not (changed_queues or changed_agents or removed or waiting is not None or total is not None):
        return None
    return MonitorDelta(
        version=new.version,
        base=old.version,
        at=new.at,
        queues=changed_queues,
        total=total,
        agents=changed_agents,
        removed_agents=removed,
        waiting=waiting,
    )


def same_queues(a: MonitorSnapshot, b: MonitorSnapshot) -> bool:
    return [q.queue_id for q in a.queues] == [q.queue_id for q in b.queues]


def apply_delta(snapshot: MonitorSnapshot, delta: MonitorDelta) -> MonitorSnapshot:
    """`snapshot` moved to `delta.version`; ValueError if the delta is not for this version."""
    if delta.base != snapshot.version:
        raise ValueError(f"delta for version {delta.base}, snapshot is at {snapshot.version}")
    queues = {q.queue_id: q for q in delta.queues}
    agents = {a.agent_id: a for a in delta.agents}
    removed = set(delta.removed_agents)
    known = {a.agent_id for a in snapshot.agents}
    merged_agents = [agents.get(a.agent_id, a) for a in snapshot.agents if a.agent_id not in removed]
    merged_agents += [a for a in delta.agents if a.agent_id not in known]
    return snapshot.model_copy(
        update={
            "version": delta.version,
            "at": delta.at,
            "queues": tuple(queues.get(q.queue_id, q) for q in snapshot.queues),
            "total": delta.total or snapshot.total,
            "agents": tuple(merged_agents),
            "waiting": snapshot.waiting if delta.waiting is None else delta.waiting,
        }
    )


# --- presenting ---------------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """0:42, 3:05, 1:02:09 — as wallboards show waits."""
    total = round(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


QUEUE_CSV_COLUMNS = (
    "queue_id",
    "name",
    "waiting",
    "longest_wait_s",
    "avg_wait_s",
    "service_level",
    "target",
    "threshold_s",
    "answered",
    "answered_in_threshold",
    "abandoned",
    "expired",
    "agents_available",
    "agents_busy",
    "agents_away",
    "status",
    "status_reason",
)
AGENT_CSV_COLUMNS = (
    "agent_id",
    "username",
    "name",
    "state",
    "state_since",
    "reason",
    "conversations",
    "capacity",
    "skills",
    "languages",
    "queues",
    "handled_today",
)


def snapshot_csv(snapshot: MonitorSnapshot) -> str:
    """The snapshot as CSV for spreadsheets: a queues table, a blank line, an agents table.

    Values are raw (seconds, fractions) so they can be computed with; cells that a spreadsheet would
    run as a formula (=, +, -, @ first) are prefixed with a quote.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    title = f"# queue monitor snapshot at {snapshot.at.isoformat()}, window {snapshot.window_s:.0f} s"
    writer.writerow([title])
    writer.writerow(QUEUE_CSV_COLUMNS)
    for q in (*snapshot.queues, snapshot.total):
        data = q.model_dump()
        writer.writerow([_cell(data[c]) for c in QUEUE_CSV_COLUMNS])
    writer.writerow([])
    writer.writerow(AGENT_CSV_COLUMNS)
    for a in snapshot.agents:
        data = a.model_dump()
        writer.writerow([_cell(data[c]) for c in AGENT_CSV_COLUMNS])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    # Every text cell, joined lists included: a spreadsheet runs a cell starting with one of these
    # as a formula (tab and CR too: some strip them first).
    text = " ".join(str(v) for v in value) if isinstance(value, tuple | list) else str(value)
    # Line breaks would start a new row mid-cell (the writer does not quote a lone CR): one line.
    text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return "'" + text if text[:1] == "\t" or text.lstrip(" ")[:1] in _FORMULA_STARTS else text


_FORMULA_STARTS = ("=", "+", "-", "@")
