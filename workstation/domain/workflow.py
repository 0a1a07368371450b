"""Workflows, queues and the pure routing decisions: which filter, which step, which agent, and why.

The model follows Twilio TaskRouter: a workflow's filters are checked top to bottom and the first
whose expression holds for the task wins; each filter has routing steps (a queue, a worker expression,
a priority, a timeout after which the task moves to the next step, `skip_if` when nobody is
available, the ordering of candidates). Tasks no filter matches go to the default queue. Queues have
a membership expression over worker attributes and FIFO or LIFO order. Agents have a capacity per
channel.

Decisions where TaskRouter is silent or different (tested in tests/unit/domain/test_workflow.py):

* In a step's worker expression a bare name reads the **worker** (as in TaskRouter's target
  expressions); in filter expressions it reads the task, in queue membership the worker.
* A step's timeout counts from the moment the task entered the step, and the next step starts
  exactly then (not at the next router tick). The last step never times out; the task waits there
  until an agent takes it or its time to live ends.
* `skip_if = "no_available"` is checked when the task enters the step: if no agent could take it at
  that moment, the task moves on at once.
* Tasks are offered highest priority first; within one priority, FIFO queues oldest first, LIFO
  queues newest first. One router pass offers a task to at most one agent.

Time is plain seconds since the epoch here; the backend converts.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workstation.domain.models import RoutingReason, WaitingReason
from workstation.domain.routing_expr import (
    CompiledExpression,
    Explained,
    ExplainedOperand,
    ExpressionError,
    compile_expression,
)

__all__ = [
    "AgentRouting",
    "Decision",
    "FilterConfig",
    "QueueAlerts",
    "QueueConfig",
    "Router",
    "RoutingConfig",
    "RoutingConfigError",
    "ServiceLevelConfig",
    "StepConfig",
    "TaskState",
    "WorkerState",
    "WorkflowConfig",
    "compile_config",
    "compile_document",
]


# --------------------------------------------------------------------------------------------
# Configuration (what a team lead saves; validated by pydantic, then compiled by Router)


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ServiceLevelConfig(_Config):
    """The queue's promise: `target` of its tasks answered within `threshold_s` (e.g. 80 % in 20 s)."""

    threshold_s: float = Field(default=20.0, gt=0, le=86_400)
    target: float = Field(default=0.8, gt=0, le=1)


class QueueAlerts(_Config):
    """When the queue's tile on the team lead's monitor turns amber or red (any condition is enough).

    None switches a condition off. The service level is amber below the queue's target.
    """

    waiting_amber: int | None = Field(default=5, ge=1)
    waiting_red: int | None = Field(default=10, ge=1)
    longest_wait_amber_s: float | None = Field(default=60.0, gt=0)
    longest_wait_red_s: float | None = Field(default=180.0, gt=0)
    service_level_red: float | None = Field(default=0.6, ge=0, le=1)

    @model_validator(mode="after")
    def _amber_before_red(self) -> QueueAlerts:
        for amber, red in (
            (self.waiting_amber, self.waiting_red),
            (self.longest_wait_amber_s, self.longest_wait_red_s),
        ):
            if amber is not None and red is not None and amber > red:
                raise ValueError("an amber threshold must not be above its red threshold")
        return self


class QueueConfig(_Config):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=120)
    #: Which workers belong to the queue; bare names read the worker.
    target_workers: str = "1 == 1"
    order: Literal["fifo", "lifo"] = "fifo"
    service_level: ServiceLevelConfig = ServiceLevelConfig()
    alerts: QueueAlerts = QueueAlerts()


class StepConfig(_Config):
    queue: str = Field(min_length=1, max_length=64)
    #: Which of the queue's workers may take the task; may use task.* and worker.*, bare names
    #: read the worker.
    expression: str = "1 == 1"
    #: Overrides the filter's priority while the task is in this step.
    priority: int | None = None
    #: Seconds until the task moves to the next step; ignored in the last step.
    timeout_s: float | None = Field(default=None, gt=0)
    skip_if: Literal["never", "no_available"] = "never"
    #: Candidate order, first key first: "worker.<path> asc|desc", "idle_time desc", "load asc".
    ordering: tuple[str, ...] = ("idle_time desc",)


class FilterConfig(_Config):
    name: str = Field(min_length=1, max_length=120)
    #: Over the task's attributes; bare names read the task.
    expression: str
    priority: int = 0
    steps: tuple[StepConfig, ...] = Field(min_length=1, max_length=20)


class WorkflowConfig(_Config):
    filters: tuple[FilterConfig, ...] = Field(default=(), max_length=200)
    default_queue: str
    #: Seconds a task may wait in all before it is given up.
    task_ttl_s: float = Field(default=3600.0, gt=0)


class RoutingConfig(_Config):
    """Queues and the workflow, as stored and as exchanged over the API."""

    queues: tuple[QueueConfig, ...] = Field(min_length=1, max_length=500)
    workflow: WorkflowConfig


class AgentRouting(_Config):
    """An agent's routing attributes (read as worker.*) and capacity per channel."""

    attributes: dict[str, Any] = Field(default_factory=dict)
    capacity: dict[str, int] = Field(default_factory=lambda: {"chat": 3, "voice": 1})


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a configuration was refused; `position` points into `source`, the expression at `field`."""

    field: str
    message: str
    position: int | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "problem": self.message, "position": self.position}


class RoutingConfigError(ValueError):
    """A configuration that cannot be used, with every problem found (not just the first)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


# --------------------------------------------------------------------------------------------
# Runtime state handed in by the backend


@dataclass(frozen=True, slots=True)
class WorkerState:
    """An agent as the router sees it: attributes, capacity and load per channel, presence."""

    id: str
    attributes: Mapping[str, object]
    capacity: Mapping[str, int]
    load: Mapping[str, int]
    available: bool
    #: When the agent last got an offer (seconds since the epoch); smaller means idle longer.
    idle_since: float = 0.0

    def has_room(self, channel: str) -> bool:
        return self.load.get(channel, 0) < self.capacity.get(channel, 0)


@dataclass(frozen=True, slots=True)
class TaskState:
    """A waiting task: its attributes and where it stands in its workflow (placed=False: new)."""

    id: str
    channel: str
    attributes: Mapping[str, object]
    created_at: float
    placed: bool = False
    filter_name: str | None = None
    step: int = 0
    step_started_at: float = 0.0
    #: Agents not to offer it to now (they declined or missed it a moment ago).
    excluded: frozenset[str] = frozenset()
    #: A team lead moved the task to this queue: it leaves its workflow and waits there for any
    #: member, at `moved_priority`. An unknown queue (removed since) is ignored.
    moved_to: str | None = None
    moved_priority: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """What the router decided for one task in one pass."""

    task_id: str
    filter_name: str | None
    step: int
    step_started_at: float
    priority: int
    queue: str
    worker_id: str | None = None
    reason: RoutingReason | None = None
    expired: bool = False


# --------------------------------------------------------------------------------------------
# Compiled form


#: The route name of a task a team lead moved to another queue (recorded as its filter name).
MOVED = "moved by a team lead"

_ORDER = re.compile(r"^\s*(idle_time|load|worker(?:\.[^\W\d]\w*)+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _OrderKey:
    key: str  # "idle_time", "load" or a worker path (without "worker.")
    path: tuple[str, ...]
    descending: bool


@dataclass(frozen=True, slots=True)
class _Step:
    index: int
    queue: QueueConfig
    expression: CompiledExpression
    priority: int
    timeout_s: float | None
    skip_if_none: bool
    ordering: tuple[_OrderKey, ...]


@dataclass(frozen=True, slots=True)
class _Route:
    """A filter (or the default route) with its compiled steps."""

    name: str | None
    expression: CompiledExpression | None
    steps: tuple[_Step, ...]


@dataclass(slots=True)
class _Live:
    """A worker's load and idle time as they change during one pass."""

    state: WorkerState
    load: dict[str, int] = field(default_factory=dict)
    idle_since: float = 0.0

    def has_room(self, channel: str) -> bool:
        return self.load.get(channel, 0) < self.state.capacity.get(channel, 0)


def _rank(ordering: tuple[_OrderKey, ...], live: _Live, channel: str) -> tuple[object, ...]:
    """Where `live` stands among a step's candidates for `channel`: smaller is better; unique."""
    key: list[object] = []
    for order in ordering:
        if order.key == "idle_time":  # idle longest = smallest idle_since
            value: object = live.idle_since if order.descending else -live.idle_since
            key.append((0, value))
        elif order.key == "load":
            load = live.load.get(channel, 0)
            key.append((0, -load if order.descending else load))
        else:
            raw: object = live.state.attributes
            for part in order.path:
                raw = raw.get(part) if isinstance(raw, Mapping) else None
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                key.append((2, 0))  # missing or unorderable values go last
            elif isinstance(raw, str):
                # Strings in descending order: compare the negated code points.
                key.append((1, (*tuple(-ord(c) for c in raw), 1) if order.descending else raw))
            else:
                key.append((0, -raw if order.descending else raw))
    key.append(live.state.id)  # deterministic tie-break
    return tuple(key)


class _Pools:
    """Per queue, its available members as one pass sees them, and those with room (the pass ran
    through every member for every task: thousands of tasks x hundreds of agents). Load only grows
    during a pass: the list with room per (queue, channel) only shrinks; empty, a task costs nothing."""

    __slots__ = ("_fills", "_ranked", "_room", "by_queue")

    def __init__(self, by_queue: dict[str, list[_Live]]) -> None:
        self.by_queue = by_queue
        #: (queue id, channel) -> (members that had room, the fill count when they were picked)
        self._room: dict[tuple[str, str], tuple[list[_Live], int]] = {}
        #: How many times a member ran out of room for a channel in this pass.
        self._fills = 0
        #: (queue id, channel, ordering) -> the members with room, best first, and each one's rank
        self._ranked: dict[tuple[str, str, tuple[_OrderKey, ...]], _Ranking] = {}

    def with_room(self, queue_id: str, channel: str) -> list[_Live]:
        """The queue's members with room for `channel` now, in member order."""
        key = (queue_id, channel)
        kept = self._room.get(key)
        if kept is None:
            lives = [live for live in self.by_queue.get(queue_id, ()) if live.has_room(channel)]
        elif kept[1] != self._fills:  # someone filled up since: drop whoever has no room now
            lives = [live for live in kept[0] if live.has_room(channel)]
        else:
            return kept[0]
        self._room[key] = (lives, self._fills)
        return lives

    def ranked(self, step: _Step, channel: str) -> list[tuple[tuple[object, ...], _Live]]:
        """The queue's members with room for `channel` now, best first by the step's ordering."""
        key = (step.queue.id, channel, step.ordering)
        ranking = self._ranked.get(key)
        if ranking is None:
            ranking = self._ranked[key] = _Ranking(
                step.ordering, channel, self.with_room(step.queue.id, channel)
            )
        return ranking.entries

    def take(self, live: _Live, channel: str, now: float) -> None:
        """`live` is offered a task on `channel` at `now`."""
        live.load[channel] = live.load.get(channel, 0) + 1
        live.idle_since = now
        if not live.has_room(channel):
            self._fills += 1
        for ranking in self._ranked.values():
            ranking.moved(live)


class _Ranking:
    """A step's candidates for a channel, best first, kept so as they take tasks: the pick is the
    first the task admits, not a rank of every member with room (most of a pass with agents free)."""

    __slots__ = ("channel", "entries", "ordering", "ranks")

    def __init__(self, ordering: tuple[_OrderKey, ...], channel: str, lives: list[_Live]) -> None:
        self.ordering = ordering
        self.channel = channel
        self.entries = sorted(((_rank(ordering, live, channel), live) for live in lives), key=_FIRST)
        self.ranks = {id(live): rank for rank, live in self.entries}

    def moved(self, live: _Live) -> None:
        """`live` took a task: its rank changed (load, idle time), or it has no room left here."""
        rank = self.ranks.pop(id(live), None)
        if rank is None:
            return
        # Ranks are unique (they end with the worker's id): this finds the entry itself.
        del self.entries[bisect.bisect_left(self.entries, rank, key=_FIRST)]
        if live.has_room(self.channel):
            rank = _rank(self.ordering, live, self.channel)
            bisect.insort(self.entries, (rank, live), key=_FIRST)
            self.ranks[id(live)] = rank


_ANYONE = compile_expression("1 == 1")
_FIRST = operator.itemgetter(0)


def _compile(source: str, where: str, problems: list[Problem]) -> CompiledExpression | None:
    try:
        return compile_expression(source)
    except ExpressionError as exc:
        problems.append(Problem(where, exc.message, exc.position, source))
        return None


def _ordering(keys: Sequence[str], where: str, problems: list[Problem]) -> tuple[_OrderKey, ...]:
    parsed: list[_OrderKey] = []
    for i, text in enumerate(keys):
        match = _ORDER.match(text)
        if match is None:
            problems.append(
                Problem(
                    f"{where}[{i}]",
                    f"unknown ordering {text!r}: use 'worker.<attribute> asc|desc', 'idle_time desc' "
                    "or 'load asc'",
                )
            )
            continue
        key, direction = match.group(1), (match.group(2) or "asc").lower()
        lowered = key.lower()
        if lowered in ("idle_time", "load"):
            parsed.append(_OrderKey(lowered, (), direction == "desc"))
        else:
            parsed.append(_OrderKey("worker", tuple(key.split(".")[1:]), direction == "desc"))
    return tuple(parsed)


class Router:
    """A compiled RoutingConfig and the decisions made with it; pure and deterministic (its one
    piece of state, the membership memo of _queues_of, changes how fast it answers, never what)."""

    def __init__(self, config: RoutingConfig) -> None:
        problems: list[Problem] = []
        queues: dict[str, QueueConfig] = {}
        self._membership: dict[str, CompiledExpression] = {}
        for i, queue in enumerate(config.queues):
            if queue.id in queues:
                problems.append(Problem(f"queues[{i}].id", f"duplicate queue id {queue.id!r}"))
            queues[queue.id] = queue
            compiled = _compile(queue.target_workers, f"queues[{i}].target_workers", problems)
            if compiled is not None:
                self._membership[queue.id] = compiled
        routes: list[_Route] = []
        names: set[str] = set()
        for i, spec in enumerate(config.workflow.filters):
            where = f"workflow.filters[{i}]"
            if spec.name in names:
                problems.append(Problem(f"{where}.name", f"duplicate filter name {spec.name!r}"))
            names.add(spec.name)
            expression = _compile(spec.expression, f"{where}.expression", problems)
            steps = []
            for j, step in enumerate(spec.steps):
                compiled_step = self._step(step, j, spec.priority, f"{where}.steps[{j}]", queues, problems)
                if compiled_step is not None:
                    steps.append(compiled_step)
            if expression is not None:
                routes.append(_Route(spec.name, expression, tuple(steps)))
        default = queues.get(config.workflow.default_queue)
        if default is None:
            problems.append(
                Problem("workflow.default_queue", f"unknown queue {config.workflow.default_queue!r}")
            )
        if problems:
            raise RoutingConfigError(problems)
        assert default is not None
        self.config = config
        self._queues = queues
        self._routes = tuple(routes)
        self._default = _Route(
            None,
            None,
            (
                _Step(
                    0,
                    default,
                    compile_expression("1 == 1"),
                    0,
                    None,
                    False,
                    (_OrderKey("idle_time", (), True),),
                ),
            ),
        )
        self.task_ttl_s = config.workflow.task_ttl_s
        #: worker id -> (the attributes object last seen, the queues it is a member of): _queues_of.
        self._membership_memo: dict[str, tuple[Mapping[str, object], tuple[str, ...]]] = {}

    @staticmethod
    def _step(
        spec: StepConfig,
        index: int,
        filter_priority: int,
        where: str,
        queues: Mapping[str, QueueConfig],
        problems: list[Problem],
    ) -> _Step | None:
        queue = queues.get(spec.queue)
        if queue is None:
            problems.append(Problem(f"{where}.queue", f"unknown queue {spec.queue!r}"))
        expression = _compile(spec.expression, f"{where}.expression", problems)
        ordering = _ordering(spec.ordering, f"{where}.ordering", problems)
        if queue is None or expression is None:
            return None
        priority = spec.priority if spec.priority is not None else filter_priority
        return _Step(
            index, queue, expression, priority, spec.timeout_s, spec.skip_if == "no_available", ordering
        )

    # --- the pieces ------------------------------------------------------------------------------

    def route(self, attributes: Mapping[str, object]) -> _Route:
        """The first filter whose expression holds for the task, else the default route."""
        for route in self._routes:
            assert route.expression is not None
            if route.expression.evaluate(attributes, {}, "task"):
                return route
        return self._default

    def route_of(self, task: TaskState) -> _Route:
        """The route a task follows: the queue a team lead moved it to, its filter, or a new match."""
        if task.moved_to is not None and task.moved_to in self._queues:
            queue = self._queues[task.moved_to]
            idle_first = (_OrderKey("idle_time", (), True),)
            step = _Step(0, queue, _ANYONE, task.moved_priority, None, False, idle_first)
            return _Route(MOVED, None, (step,))
        if task.placed:
            return self._route_named(task.filter_name, task.attributes)
        return self.route(task.attributes)

    def _route_named(self, name: str | None, attributes: Mapping[str, object]) -> _Route:
        if name is None:
            return self._default
        for route in self._routes:
            if route.name == name:
                return route
        return self.route(attributes)  # the filter was removed since: route afresh

    def members(self, workers: Iterable[WorkerState]) -> dict[str, frozenset[str]]:
        """Queue id -> ids of the workers its membership expression admits."""
        ids: dict[str, list[str]] = {queue_id: [] for queue_id in self._membership}
        for worker_id, queues in self._queues_of(workers):
            for queue_id in queues:
                ids[queue_id].append(worker_id)
        return {queue_id: frozenset(members) for queue_id, members in ids.items()}

    def _queues_of(self, workers: Iterable[WorkerState]) -> list[tuple[str, tuple[str, ...]]]:
        """Each worker's id and the queues whose membership expression admits it.

        A membership expression reads only the worker's attributes, so its answer is kept per worker
        for as long as the worker comes with the very same attributes object (the backend keeps it
        while the stored attributes do not change: server/backend/workers.py): every pass asked
        every queue about every agent, 2,000 evaluations at 500 agents, for answers that change
        when an admin edits an agent. Kept by identity, never by value: a memo holds its object, so
        no other object can come with that identity; attributes are never changed in place.
        """
        before, memo = self._membership_memo, {}
        answers = []
        for worker in workers:
            known = before.get(worker.id)
            if known is not None and known[0] is worker.attributes:
                queues = known[1]
            else:
                queues = tuple(
                    queue_id
                    for queue_id, expr in self._membership.items()
                    if expr.evaluate({}, worker.attributes, "worker")
                )
            memo[worker.id] = (worker.attributes, queues)
            answers.append((worker.id, queues))
        # Swapped in whole (the workers of this call only): a concurrent call on another thread
        # (an explanation beside a pass) at worst evaluates again.
        self._membership_memo = memo
        return answers

    @staticmethod
    def _matches(
        step: _Step, task: TaskState, worker: WorkerState, members: Mapping[str, frozenset[str]]
    ) -> bool:
        return worker.id in members.get(step.queue.id, frozenset()) and step.expression.evaluate(
            task.attributes, worker.attributes, "worker"
        )

    def _pools(self, workers: Sequence[WorkerState]) -> tuple[dict[str, frozenset[str]], _Pools]:
        """Queue membership, and per queue the available members as this pass sees them."""
        queues_of = self._queues_of(workers)
        pools: dict[str, list[_Live]] = {queue_id: [] for queue_id in self._membership}
        ids: dict[str, list[str]] = {queue_id: [] for queue_id in self._membership}
        for worker, (_id, queues) in zip(workers, queues_of, strict=True):
            live = _Live(worker, dict(worker.load), worker.idle_since) if worker.available else None
            for queue_id in queues:
                ids[queue_id].append(worker.id)
                if live is not None:
                    pools[queue_id].append(live)  # in the workers' order, as before
        return {queue_id: frozenset(members) for queue_id, members in ids.items()}, _Pools(pools)

    @staticmethod
    def _candidates(step: _Step, task: TaskState, pools: _Pools) -> Iterator[_Live]:
        """Available queue members with room for the task's channel whom the step's expression admits."""
        channel, attributes, excluded = task.channel, task.attributes, task.excluded
        for live in pools.with_room(step.queue.id, channel):
            if live.state.id not in excluded and step.expression.evaluate(
                attributes, live.state.attributes, "worker"
            ):
                yield live

    @staticmethod
    def _best(step: _Step, task: TaskState, pools: _Pools) -> _Live | None:
        """The candidate the step's ordering ranks first (the smallest _rank), if any."""
        attributes, excluded = task.attributes, task.excluded
        for _rank_of, live in pools.ranked(step, task.channel):
            if live.state.id not in excluded and step.expression.evaluate(
                attributes, live.state.attributes, "worker"
            ):
                return live
        return None

    def _advance(self, route: _Route, task: TaskState, now: float, pools: _Pools) -> tuple[int, float]:
        """The task's step and when it started, after timeouts and skip_if up to `now`."""
        if task.placed and route.name == task.filter_name:
            index, started, entered = min(task.step, len(route.steps) - 1), task.step_started_at, False
        else:
            index, started, entered = 0, task.created_at, True
        while True:
            step = route.steps[index]
            last = index == len(route.steps) - 1
            if last:
                return index, started
            if step.timeout_s is not None and now >= started + step.timeout_s:
                index, started, entered = index + 1, started + step.timeout_s, True
                continue
            if entered and step.skip_if_none and next(self._candidates(step, task, pools), None) is None:
                index, entered = index + 1, True  # the next step starts when this one was entered
                continue
            return index, started

    # --- one router pass -------------------------------------------------------------------------

    def plan(self, tasks: Sequence[TaskState], workers: Sequence[WorkerState], now: float) -> list[Decision]:
        """Place every waiting task in its step and offer what can be offered, best task first."""
        _members, pools = self._pools(workers)
        placed: list[tuple[TaskState, _Route, int, float]] = []
        decisions: list[Decision] = []
        for task in tasks:
            route = self.route_of(task)
            index, started = self._advance(route, task, now, pools)
            if now >= task.created_at + self.task_ttl_s:
                step = route.steps[index]
                decisions.append(
                    Decision(task.id, route.name, index, started, step.priority, step.queue.id, expired=True)
                )
                continue
            placed.append((task, route, index, started))

        def order(item: tuple[TaskState, _Route, int, float]) -> tuple[float, float, str]:
            task, route, index, _ = item
            step = route.steps[index]
            age = task.created_at if step.queue.order == "fifo" else -task.created_at
            return (-step.priority, age, task.id)

        for task, route, index, started in sorted(placed, key=order):
            step = route.steps[index]
            best = self._best(step, task, pools)
            worker_id = None
            reason = None
            if best is not None:
                pools.take(best, task.channel, now)
                worker_id = best.state.id
                reason = self.explain(task, route, index, best.state)
            decisions.append(
                Decision(task.id, route.name, index, started, step.priority, step.queue.id, worker_id, reason)
            )
        return decisions

    # --- explanations ----------------------------------------------------------------------------

    def explain(self, task: TaskState, route: _Route, index: int, worker: WorkerState) -> RoutingReason:
        """Why `task` goes to `worker` in step `index` of `route`, in the values that decided it."""
        step = route.steps[index]
        facts: tuple[str, ...] = ()
        head = route.name or "no filter matched"
        if route.expression is not None:
            explained = route.expression.explain(task.attributes, {}, "task")
            facts = _facts(explained, strip="task.")
            head = ", ".join(_facts(explained, strip="task.", short=True)) or head
        worker_facts = _facts(step.expression.explain(task.attributes, worker.attributes, "worker"))
        where = step.queue.name + ("" if route.name is not None else " (default queue)")
        return RoutingReason(
            filter=route.name,
            filter_expression=route.expression.source if route.expression is not None else None,
            step=index + 1,
            steps=len(route.steps),
            queue=step.queue.name,
            worker_expression=step.expression.source if route.name not in (None, MOVED) else "",
            facts=facts,
            worker_facts=worker_facts,
            summary=f"{head} → {where}, step {index + 1} of {len(route.steps)}",
        )

    def waiting(
        self,
        task: TaskState,
        workers: Sequence[WorkerState],
        now: float,
        *,
        offered_to: str | None = None,
    ) -> WaitingReason:
        """Where a waiting task stands: its step, who matches, who is available, when the next step starts."""
        members, pools = self._pools(workers)
        route = self.route_of(task)
        index, started = self._advance(route, task, now, pools)
        step = route.steps[index]
        matching = [w for w in workers if self._matches(step, task, w, members)]
        available = list(self._candidates(step, task, pools))
        last = index == len(route.steps) - 1
        next_at = None if last or step.timeout_s is None else _utc(started + step.timeout_s)
        queue = step.queue.name
        summary = (
            f"{route.name or 'default queue'}: step {index + 1} of {len(route.steps)} ({queue}); "
            f"{len(matching)} agents match, {len(available)} available"
        )
        if offered_to:
            summary += f"; offered to {offered_to}"
        elif next_at is not None:
            summary += f"; next step in {max(0, round(started + (step.timeout_s or 0) - now))} s"
        return WaitingReason(
            conversation_id=task.id,
            filter=route.name,
            step=index + 1,
            steps=len(route.steps),
            queue=queue,
            worker_expression=step.expression.source if route.name not in (None, MOVED) else "",
            matching_agents=len(matching),
            available_agents=len(available),
            waiting_since=_utc(task.created_at),
            next_step_at=next_at,
            expires_at=_utc(task.created_at + self.task_ttl_s),
            offered_to=offered_to,
            summary=summary,
        )


# --------------------------------------------------------------------------------------------
# Whole documents (the API's body, the demo TOML file)


def _field(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _validation_problems(exc: ValidationError, prefix: str = "") -> list[Problem]:
    return [
        Problem(_field([*([prefix] if prefix else []), *err.get("loc", ())]), err.get("msg", "invalid"))
        for err in exc.errors()
    ]


def compile_config(raw: object) -> Router:
    """Validate a configuration (queues and workflow) and compile it; the error lists every problem."""
    try:
        config = RoutingConfig.model_validate(raw)
    except ValidationError as exc:
        raise RoutingConfigError(_validation_problems(exc)) from exc
    return Router(config)


def compile_document(data: Mapping[str, object]) -> tuple[Router, dict[str, AgentRouting]]:
    """A configuration file's content: queues, workflow, and `agents` (username -> AgentRouting)."""
    problems: list[Problem] = []
    agents: dict[str, AgentRouting] = {}
    raw_agents = data.get("agents", {})
    if not isinstance(raw_agents, Mapping):
        problems.append(Problem("agents", "must map usernames to attributes and capacity"))
    else:
        for name, spec in raw_agents.items():
            try:
                agents[str(name)] = AgentRouting.model_validate(spec)
            except ValidationError as exc:
                problems += _validation_problems(exc, f"agents.{name}")
    router: Router | None = None
    try:
        router = compile_config({key: value for key, value in data.items() if key != "agents"})
    except RoutingConfigError as exc:
        problems[:0] = exc.problems
    if problems or router is None:
        raise RoutingConfigError(problems)
    return router, agents


# --------------------------------------------------------------------------------------------
# Explanation text


_SYMBOL = {">=": "≥", "<=": "≤", "!=": "≠"}


def _show(value: object) -> str:
    """A value for people: strings without quotes, lists in brackets, missing as <missing>."""
    if value is None:
        return "<missing>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def _side(operand: ExplainedOperand, strip: str, short: bool) -> str:
    if operand.path is None:
        return _show(operand.value)
    path = operand.path.removeprefix(strip) if strip else operand.path
    if short:
        path = path.rsplit(".", 1)[-1]
    return f"{path} = {_show(operand.value)}"


def _facts(explained: Sequence[Explained], strip: str = "", short: bool = False) -> tuple[str, ...]:
    """The comparisons that made the expression true, as `name = value op literal`.

    A comparison counts when its outcome agrees with the expression's (held and not under NOT, or
    failed under NOT); for OR this keeps the branches that held. Constants (`1 == 1`) say nothing.
    A value found in a literal list is shown as the value alone (`tier = gold`, not the list);
    `short` names attributes by their last segment only (`tier`, not `customer.tier`).
    """
    facts: list[str] = []
    for item in explained:
        if item.held == item.negated:
            continue
        if item.left.path is None and item.right.path is None:
            continue
        left = _side(item.left, strip, short)
        if item.right.path is None and (item.op == "==" or (item.op == "IN" and not item.negated)):
            text = left
        else:
            text = f"{left} {_SYMBOL.get(item.op, item.op)} {_side(item.right, strip, short)}"
        facts.append(f"NOT ({text})" if item.negated else text)
    return tuple(facts)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
