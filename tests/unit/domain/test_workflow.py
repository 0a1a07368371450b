"""Workflows and queues: filter order, steps, timeouts, skip_if, capacity, ordering, explanations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.domain.models import Customer, TimelineEvent, WebPage
from workstation.domain.task_attributes import journey_context, task_attributes
from workstation.domain.workflow import (
    Router,
    RoutingConfig,
    RoutingConfigError,
    TaskState,
    WorkerState,
    _Live,
    _Pools,
    _rank,
)

QUEUES = [
    {"id": "senior", "name": "Senior Sales", "target_workers": "level >= 3"},
    {"id": "de", "name": "German", "target_workers": "languages HAS 'de'"},
    {"id": "all", "name": "Everyone"},
    {"id": "newest", "name": "Newest first", "order": "lifo"},
]


def config(*filters: dict[str, Any], default: str = "all", ttl: float = 3600) -> RoutingConfig:
    return RoutingConfig.model_validate(
        {
            "queues": QUEUES,
            "workflow": {"filters": list(filters), "default_queue": default, "task_ttl_s": ttl},
        }
    )


HIGH_VALUE = {
    "name": "High value",
    "expression": "tier == 'platinum' AND minutes_on_product_pages >= 30",
    "priority": 10,
    "steps": [
        {"queue": "senior", "timeout_s": 20, "ordering": ["worker.level desc"]},
        {"queue": "all", "expression": "task.language IN languages"},
    ],
}
GERMAN = {"name": "German", "expression": "language == 'de'", "steps": [{"queue": "de"}]}


def worker(wid: str, level: int = 1, languages: tuple[str, ...] = ("de", "en"), **kw: Any) -> WorkerState:
    attributes = {"level": level, "languages": list(languages), "skills": kw.pop("skills", [])}
    return WorkerState(
        id=wid,
        attributes=attributes,
        capacity=kw.pop("capacity", {"chat": 3}),
        load=kw.pop("load", {}),
        available=kw.pop("available", True),
        idle_since=kw.pop("idle_since", 0.0),
    )


def task(tid: str = "t1", created: float = 1000.0, **attributes: Any) -> TaskState:
    return TaskState(id=tid, channel="chat", attributes=attributes, created_at=created)


PLATINUM = {"tier": "platinum", "minutes_on_product_pages": 31, "language": "de"}


def test_first_matching_filter_wins_and_the_rest_go_to_the_default_queue() -> None:
    router = Router(config(HIGH_VALUE, GERMAN))
    (d,) = router.plan([task(**PLATINUM)], [worker("w1", level=3)], 1001)
    assert (d.filter_name, d.queue, d.worker_id) == ("High value", "senior", "w1")
    (d,) = router.plan([task(language="de")], [worker("w1")], 1001)
    assert (d.filter_name, d.queue) == ("German", "de")
    (d,) = router.plan([task(language="fr")], [worker("w1")], 1001)
    assert (d.filter_name, d.queue, d.worker_id) == (None, "all", "w1")
    assert d.reason is not None and "default queue" in d.reason.summary


def test_the_offer_says_why_in_the_values_that_decided() -> None:
    router = Router(config(HIGH_VALUE))
    (d,) = router.plan([task(**PLATINUM)], [worker("w1", level=4)], 1001)
    assert d.reason is not None
    assert d.reason.summary == (
        "tier = platinum, minutes_on_product_pages = 31 ≥ 30 → Senior Sales, step 1 of 2"
    )
    assert d.reason.facts == ("tier = platinum", "minutes_on_product_pages = 31 ≥ 30")
    assert (d.reason.filter, d.reason.step, d.reason.steps) == ("High value", 1, 2)
    assert "Filter: High value" in d.reason.details()


def test_or_explanations_name_only_the_branch_that_held() -> None:
    at_risk = {
        "name": "At risk",
        "expression": "open_complaint == true OR churn_risk >= 0.6 OR NOT (segment == 'b2c')",
        "steps": [{"queue": "all"}],
    }
    router = Router(config(at_risk))
    (d,) = router.plan([task(open_complaint=False, churn_risk=0.7, segment="b2c")], [worker("w")], 1001)
    assert d.reason is not None and d.reason.facts == ("churn_risk = 0.7 ≥ 0.6",)
    (d,) = router.plan([task(segment="b2b")], [worker("w")], 1001)
    assert d.reason is not None and d.reason.facts == ("NOT (segment = b2b)",)


def test_senior_first_then_everyone_after_the_step_timeout() -> None:
    router = Router(config(HIGH_VALUE))
    junior = worker("junior", level=1)
    t = task(**PLATINUM)
    (d,) = router.plan([t], [junior], 1019.9)
    assert (d.step, d.worker_id) == (0, None)
    (d,) = router.plan([t], [junior], 1020.0)
    assert (d.step, d.step_started_at, d.worker_id) == (1, 1020.0, "junior")
    assert d.reason is not None and d.reason.summary.endswith("Everyone, step 2 of 2")


def test_skip_if_no_available_moves_on_at_once() -> None:
    skilled_first = {
        "name": "Skilled",
        "expression": "1 == 1",
        "steps": [
            {
                "queue": "all",
                "expression": "task.topic IN skills",
                "skip_if": "no_available",
                "timeout_s": 60,
            },
            {"queue": "all"},
        ],
    }
    router = Router(config(skilled_first))
    t = task(topic="payment")
    (d,) = router.plan([t], [worker("w", skills=["delivery"])], 1000.5)
    assert (d.step, d.worker_id) == (1, "w")
    # An available skilled agent: the first step holds.
    (d,) = router.plan([t], [worker("w", skills=["delivery"]), worker("p", skills=["payment"])], 1000.5)
    assert (d.step, d.worker_id) == (0, "p")
    # skip_if is checked when the task enters the step, not on every pass afterwards.
    placed = TaskState("t1", "chat", {"topic": "payment"}, 1000.0, True, "Skilled", 0, 1000.0)
    (d,) = router.plan([placed], [worker("w", skills=["delivery"])], 1010)
    assert (d.step, d.worker_id) == (0, None)


def test_candidates_are_ordered_by_level_then_by_idle_time() -> None:
    router = Router(config(HIGH_VALUE))
    workers = [worker("a", level=3, idle_since=5), worker("b", level=5, idle_since=9), worker("c", level=5)]
    (d,) = router.plan([task(**PLATINUM)], workers, 1001)
    assert d.worker_id == "b"  # level 5 (b and c); this step orders by level only, then by id
    by_idle = {
        "name": "Idle",
        "expression": "1 == 1",
        "steps": [{"queue": "all", "ordering": ["idle_time desc"]}],
    }
    (d,) = Router(config(by_idle)).plan([task()], workers, 1001)
    assert d.worker_id == "c"  # never offered anything: idle longest


def test_priority_first_then_fifo_or_lifo_by_queue() -> None:
    lifo = {"name": "Lifo", "expression": "kind == 'lifo'", "steps": [{"queue": "newest"}]}
    urgent = {"name": "Urgent", "expression": "kind == 'urgent'", "priority": 5, "steps": [{"queue": "all"}]}
    router = Router(config(urgent, lifo))
    one_slot = [worker("w", capacity={"chat": 1})]
    tasks = [task("old", 1, kind="x"), task("new", 2, kind="x"), task("urgent", 3, kind="urgent")]
    offered = [d.task_id for d in router.plan(tasks, one_slot, 10) if d.worker_id]
    assert offered == ["urgent"]
    offered = [d.task_id for d in router.plan(tasks[:2], one_slot, 10) if d.worker_id]
    assert offered == ["old"]
    lifo_tasks = [task("old", 1, kind="lifo"), task("new", 2, kind="lifo")]
    offered = [d.task_id for d in router.plan(lifo_tasks, one_slot, 10) if d.worker_id]
    assert offered == ["new"]


def test_capacity_is_per_channel() -> None:
    router = Router(config())
    busy_chat = worker("w", capacity={"chat": 1, "voice": 1}, load={"chat": 1})
    call = TaskState("call", "voice", {}, 0.0)
    chat = TaskState("chat", "chat", {}, 0.0)
    decisions = {d.task_id: d.worker_id for d in router.plan([chat, call], [busy_chat], 1)}
    assert decisions == {"chat": None, "call": "w"}


def test_a_task_past_its_time_to_live_expires() -> None:
    router = Router(config(ttl=60))
    (d,) = router.plan([task(created=0)], [worker("w")], 60)
    assert d.expired and d.worker_id is None


def test_waiting_says_step_matching_available_and_next_step() -> None:
    router = Router(config(HIGH_VALUE))
    workers = [
        worker("s1", level=3, available=False),
        worker("s2", level=4, capacity={"chat": 1}, load={"chat": 1}),
        worker("j", level=1),
    ]
    report = router.waiting(task(**PLATINUM), workers, 1005)
    assert (report.step, report.steps, report.queue) == (1, 2, "Senior Sales")
    assert (report.matching_agents, report.available_agents) == (2, 0)
    assert report.next_step_at == datetime.fromtimestamp(1020, UTC)
    assert "next step in 15 s" in report.summary


@pytest.mark.parametrize(
    ("change", "field", "position"),
    [
        ({"queues": [*QUEUES, {"id": "x", "name": "X", "target_workers": "level >>= 3"}]}, "queues[4]", 6),
        ({"filters": [{**GERMAN, "expression": "language == 'de"}]}, "workflow.filters[0].expression", 12),
        (
            {"filters": [{**GERMAN, "steps": [{"queue": "de", "expression": "a == 1 AND"}]}]},
            "workflow.filters[0].steps[0].expression",
            10,
        ),
        ({"filters": [{**GERMAN, "steps": [{"queue": "nope"}]}]}, "workflow.filters[0].steps[0].queue", None),
        (
            {"filters": [{**GERMAN, "steps": [{"queue": "de", "ordering": ["level sideways"]}]}]},
            "workflow.filters[0].steps[0].ordering[0]",
            None,
        ),
        ({"default": "nope"}, "workflow.default_queue", None),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_field_and_position(
    change: dict[str, Any], field: str, position: int | None
) -> None:
    raw: dict[str, Any] = {
        "queues": change.get("queues", QUEUES),
        "workflow": {"filters": change.get("filters", []), "default_queue": change.get("default", "all")},
    }
    with pytest.raises(RoutingConfigError) as caught:
        Router(RoutingConfig.model_validate(raw))
    (problem,) = caught.value.problems
    assert problem.field.startswith(field)
    assert problem.position == position


def test_journey_context_from_recent_events() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def ev(i: int, minutes_ago: float, kind: str, **data: Any) -> TimelineEvent:
        return TimelineEvent(
            id=f"e{i}",
            customer_id="c",
            at=now - timedelta(minutes=minutes_ago),
            channel="web",
            kind=kind,
            data=data,
        )

    events = [
        ev(1, 40, "page_view", url="/products/phone-x", seconds=1200),
        ev(2, 10, "page_view", url="/products/case", seconds=660),
        ev(3, 5, "page_view", url="/help/delivery", seconds=600),  # not a product page
        ev(4, 500, "page_view", url="/products/old", seconds=6000),  # another session
        ev(5, 30, "cart_abandoned", value=549.0, items=2),
        ev(6, 60 * 24 * 30, "complaint", topic="late delivery", status="open"),
        ev(7, 60 * 24 * 20, "complaint", topic="late delivery", status="resolved"),
        ev(8, 60 * 24 * 3, "complaint", topic="billing", status="open"),
    ]
    assert journey_context(events, now) == {
        "minutes_on_product_pages": 31.0,
        "cart_value": 549.0,
        "open_complaint": True,
    }
    assert journey_context(events[:7], now)["open_complaint"] is False
    customer = Customer(id="c", name="X", language="de", value_tier="platinum", clv=9000.0)
    attrs = task_attributes(
        customer,
        channel="chat",
        language=None,
        topic="product",
        page=WebPage(url="/products/case", title="Case"),
        events=events,
        now=now,
        extra={"cart_value": 600.0},
    )
    assert attrs["customer"]["tier"] == "platinum" and attrs["language"] == "de"
    assert attrs["page"]["url"] == "/products/case" and attrs["cart_value"] == 600.0


# --- properties of the router ---------------------------------------------------------------------

PROPERTY_CONFIG = config(
    HIGH_VALUE,
    GERMAN,
    {
        "name": "Skilled",
        "expression": "topic == 'payment'",
        "steps": [
            {
                "queue": "all",
                "expression": "skills HAS 'payment'",
                "skip_if": "no_available",
                "timeout_s": 15,
            },
            {"queue": "de", "timeout_s": 10},
            {"queue": "all", "ordering": ["load asc", "idle_time desc"]},
        ],
    },
)

workers_strategy = st.lists(
    st.builds(
        lambda i, level, langs, skills, cap, load, voice_cap, available, idle: WorkerState(
            id=f"w{i}",
            attributes={"level": level, "languages": langs, "skills": skills},
            capacity={"chat": cap, "voice": voice_cap},
            load={"chat": load},
            available=available,
            idle_since=idle,
        ),
        st.integers(0, 10**6),
        st.integers(0, 5),
        st.lists(st.sampled_from(["de", "en"]), unique=True),
        st.lists(st.sampled_from(["payment", "delivery"]), unique=True),
        st.integers(0, 3),
        st.integers(0, 4),
        st.integers(0, 1),
        st.booleans(),
        st.floats(0, 100),
    ),
    max_size=8,
    unique_by=lambda w: w.id,
)
tasks_strategy = st.lists(
    st.builds(
        lambda i, channel, tier, minutes, language, topic, created, excluded: TaskState(
            id=f"t{i}",
            channel=channel,
            attributes={
                "tier": tier,
                "minutes_on_product_pages": minutes,
                "language": language,
                "topic": topic,
            },
            created_at=created,
            excluded=frozenset(excluded),
        ),
        st.integers(0, 10**6),
        st.sampled_from(["chat", "voice"]),
        st.sampled_from(["platinum", "gold"]),
        st.integers(0, 60),
        st.sampled_from(["de", "en", "fr"]),
        st.sampled_from(["payment", "delivery"]),
        st.floats(0, 100),
        st.lists(st.sampled_from([f"w{i}" for i in range(5)]), max_size=2),
    ),
    max_size=12,
    unique_by=lambda t: t.id,
)


@settings(max_examples=150, deadline=None)
@given(tasks_strategy, workers_strategy, st.floats(0, 200))
def test_no_agent_over_capacity_no_task_offered_twice(
    tasks: list[TaskState], workers: list[WorkerState], now: float
) -> None:
    router = Router(PROPERTY_CONFIG)
    decisions = router.plan(tasks, workers, now)
    assert sorted(d.task_id for d in decisions) == sorted(t.id for t in tasks)  # one decision per task
    by_id = {w.id: w for w in workers}
    channel = {t.id: t.channel for t in tasks}
    excluded = {t.id: t.excluded for t in tasks}
    offered: dict[tuple[str, str], int] = {}
    for d in decisions:
        if d.worker_id is None:
            continue
        w = by_id[d.worker_id]
        assert w.available and d.worker_id not in excluded[d.task_id]
        key = (d.worker_id, channel[d.task_id])
        offered[key] = offered.get(key, 0) + 1
    for (wid, ch), count in offered.items():
        w = by_id[wid]
        assert w.load.get(ch, 0) + count <= w.capacity.get(ch, 0), (wid, ch)


@settings(max_examples=150, deadline=None)
@given(st.floats(0, 100), st.floats(0, 100), st.lists(st.floats(0.5, 50), min_size=1, max_size=4))
def test_escalation_happens_exactly_at_the_step_timeout(
    created: float, elapsed: float, timeouts: list[float]
) -> None:
    steps = [{"queue": "senior", "timeout_s": t} for t in timeouts] + [{"queue": "all"}]
    router = Router(config({"name": "F", "expression": "1 == 1", "steps": steps}))
    nobody = [worker("j", level=1, available=False)]
    now = created + elapsed
    (d,) = router.plan([task(created=created)], nobody, now)
    # The step is the one whose window [start, start + timeout) holds `now`; the last never ends.
    start, expected = created, len(timeouts)
    for index, timeout in enumerate(timeouts):
        if now < start + timeout:
            expected = index
            break
        start += timeout
    assert d.step == expected
    assert d.step_started_at == pytest.approx(start)
    # Placed tasks keep moving from where they are, with the same answer.
    placed = TaskState("t1", "chat", {}, created, True, "F", d.step, d.step_started_at)
    (again,) = router.plan([placed], nobody, now)
    assert (again.step, again.step_started_at) == (d.step, d.step_started_at)


# --- whole documents and the check-config command ------------------------------------------------


def test_a_document_reports_every_problem_with_its_field() -> None:
    from workstation.domain.workflow import compile_document

    with pytest.raises(RoutingConfigError) as caught:
        compile_document(
            {
                "queues": [{"id": "all", "name": "All", "target_workers": "level >= 3 AND"}],
                "workflow": {
                    "filters": [{"name": "x", "expression": "a == 1", "steps": []}],
                    "default_queue": "all",
                },
                "agents": {"ben": {"capacity": {"chat": "two"}}},
            }
        )
    fields = [p.field for p in caught.value.problems]
    assert fields == ["workflow.filters[0].steps", "agents.ben.capacity.chat"]
    with pytest.raises(RoutingConfigError) as caught:
        compile_document(
            {
                "queues": [{"id": "all", "name": "All", "target_workers": "level >= 3 AND"}],
                "workflow": {"default_queue": "all"},
            }
        )
    (problem,) = caught.value.problems
    assert (problem.field, problem.position, problem.source) == (
        "queues[0].target_workers",
        14,
        "level >= 3 AND",
    )


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workstation.routing import main

    demo = Path(__file__).resolve().parents[3] / "workstation" / "server" / "routing_demo.toml"
    assert main(["check-config", str(demo)]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 queues, 5 filters")
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"queues": [{"id": "q", "name": "Q", "target_workers": "level >>= 3"}], '
        '"workflow": {"default_queue": "nope"}}'
    )
    assert main(["check-config", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("error: queues[0].target_workers: unknown operator '>>=' at position 6")
    assert out[1:3] == ["  level >>= 3", "        ^"]
    assert out[3] == "error: workflow.default_queue: unknown queue 'nope'"
    (tmp_path / "broken.toml").write_text("queues = [")
    assert main(["check-config", str(tmp_path / "broken.toml")]) == 1
    assert "not valid TOML" in capsys.readouterr().out


class _EveryMember(_Pools):
    """The pass as it was before the members with room were kept: every member, every task."""

    __slots__ = ()

    def with_room(self, queue_id: str, channel: str) -> list[_Live]:
        return [live for live in self.by_queue.get(queue_id, ()) if live.has_room(channel)]


class _ScanningRouter(Router):
    """Picks as the pass did before it kept its candidates ranked: the smallest rank of them all."""

    def _pools(self, workers: Sequence[WorkerState]) -> tuple[dict[str, frozenset[str]], _Pools]:
        members, pools = super()._pools(workers)
        return members, _EveryMember(pools.by_queue)

    def _best(self, step: Any, task: TaskState, pools: _Pools) -> _Live | None:
        candidates = list(self._candidates(step, task, pools))
        return min(candidates, key=lambda live: _rank(step.ordering, live, task.channel), default=None)


@settings(max_examples=300, deadline=None)
@given(tasks_strategy, workers_strategy, st.floats(0, 200))
def test_a_pass_decides_as_one_that_ranks_every_member_for_every_task(
    tasks: list[TaskState], workers: list[WorkerState], now: float
) -> None:
    assert Router(PROPERTY_CONFIG).plan(tasks, workers, now) == _ScanningRouter(PROPERTY_CONFIG).plan(
        tasks, workers, now
    )


def test_queue_membership_follows_a_workers_new_attributes_and_is_kept_while_they_are_the_same() -> None:
    router = Router(config(GERMAN))
    asked: list[Any] = []

    class Counting:
        def __init__(self, expression: Any) -> None:
            self.expression = expression

        def evaluate(self, *args: Any) -> bool:
            asked.append(args[1])
            return bool(self.expression.evaluate(*args))

    router._membership = {queue: Counting(expr) for queue, expr in router._membership.items()}  # type: ignore[misc]
    ada = worker("ada", languages=("de",))
    assert "ada" in router.members([ada])["de"]
    first = len(asked)
    assert first == len(router._membership)  # one question per queue
    assert "ada" in router.members([ada])["de"]
    assert len(asked) == first  # the same attributes object: the memo's answer
    # The backend hands a changed agent over with a new attributes object: asked again.
    moved = WorkerState(
        id="ada", attributes={**ada.attributes, "languages": ["en"]}, capacity={}, load={}, available=True
    )
    assert "ada" not in router.members([moved])["de"]
    assert len(asked) == 2 * first


@settings(max_examples=200, deadline=None)
@given(workers_strategy, workers_strategy, tasks_strategy, st.floats(0, 200))
def test_a_router_that_routed_before_decides_as_a_new_one(
    before: list[WorkerState], others: list[WorkerState], tasks: list[TaskState], now: float
) -> None:
    # The second pass: the first pass's agents in order, every other one with the attributes of
    # one of `others` (a new object: an admin edited the agent), the rest with the very same
    # attributes object (unchanged).
    second = [
        WorkerState(
            id=w.id,
            attributes=dict(others[i % len(others)].attributes) if others and i % 2 else w.attributes,
            capacity=w.capacity,
            load=w.load,
            available=w.available,
            idle_since=w.idle_since,
        )
        for i, w in enumerate(before)
    ]
    used = Router(PROPERTY_CONFIG)
    used.plan(tasks, before, now)
    assert used.plan(tasks, second, now) == Router(PROPERTY_CONFIG).plan(tasks, second, now)
    assert used.members(second) == Router(PROPERTY_CONFIG).members(second)
