"""Queue statistics in the domain: service level, tile colours, deltas, CSV; moved tasks in the router."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from workstation.domain.models import Presence
from workstation.domain.queue_monitor import (
    AgentInput,
    TaskOutcome,
    WaitingTask,
    apply_delta,
    compute_snapshot,
    diff,
    format_duration,
    queue_stats,
    snapshot_csv,
)
from workstation.domain.workflow import (
    MOVED,
    QueueAlerts,
    QueueConfig,
    Router,
    RoutingConfig,
    TaskState,
    WorkerState,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
GERMAN = QueueConfig(id="german", name="German", target_workers="languages HAS 'de'")
ENGLISH = QueueConfig(
    id="english",
    name="English",
    target_workers="languages HAS 'en'",
    service_level={"threshold_s": 30, "target": 0.9},
    alerts={"waiting_amber": 2, "waiting_red": 4},
)


def _outcomes(*items: tuple[str, str, float]) -> list[TaskOutcome]:
    return [TaskOutcome(queue_id=q, outcome=o, wait_s=w) for q, o, w in items]  # type: ignore[arg-type]


def test_service_level_counts_late_abandons_and_expiries_but_not_short_abandons() -> None:
    stats = queue_stats(
        GERMAN,
        waiting_since=[],
        outcomes=_outcomes(
            ("german", "answered", 5),
            ("german", "answered", 19.9),
            ("german", "answered", 45),  # answered, but late
            ("german", "abandoned", 8),  # left before the 20 s promise: not held against the queue
            ("german", "abandoned", 90),  # left after waiting too long
            ("german", "expired", 3600),
        ),
        member_states=[],
        now=NOW.timestamp(),
    )
    assert (stats.answered, stats.answered_in_threshold, stats.abandoned, stats.expired) == (3, 2, 2, 1)
    assert stats.service_level == pytest.approx(2 / 5)
    assert stats.avg_wait_s == pytest.approx((5 + 19.9 + 45) / 3)
    assert stats.status == "red" and "service level 40% < 60%" in stats.status_reason


def test_no_outcomes_means_no_service_level_rather_than_zero_or_full() -> None:
    stats = queue_stats(GERMAN, waiting_since=[], outcomes=[], member_states=[], now=NOW.timestamp())
    assert stats.service_level is None and stats.avg_wait_s is None
    assert stats.status == "ok"


@pytest.mark.parametrize(
    ("waiting", "longest", "status"),
    [(1, 10, "ok"), (2, 10, "amber"), (4, 10, "red"), (1, 61, "amber"), (1, 181, "red")],
)
def test_tiles_turn_amber_and_red_on_the_queues_thresholds(waiting: int, longest: float, status: str) -> None:
    since = [NOW.timestamp() - longest] + [NOW.timestamp()] * (waiting - 1)
    stats = queue_stats(ENGLISH, waiting_since=since, outcomes=[], member_states=[], now=NOW.timestamp())
    assert stats.waiting == waiting and stats.status == status
    if status != "ok":
        assert stats.status_reason


def test_amber_above_red_is_refused() -> None:
    with pytest.raises(ValidationError, match="amber threshold"):
        QueueAlerts(waiting_amber=10, waiting_red=5)


def _snapshot(
    version: int = 0, *, waiting: int = 1, anna: Presence = Presence.AVAILABLE, conversations: int = 0
):  # type: ignore[no-untyped-def]
    agents = [
        AgentInput(
            "a-anna", "anna", "Anna", anna, conversations, 3, NOW - timedelta(minutes=5), languages=("de",)
        ),
        AgentInput("a-ben", "ben", "Ben", Presence.AWAY, 0, 2, NOW, reason="break", languages=("en",)),
    ]
    tasks = [
        WaitingTask(
            conversation_id=f"cv-{i}", queue_id="german", waiting_since=NOW - timedelta(seconds=30 + i)
        )
        for i in range(waiting)
    ]
    return compute_snapshot(
        [GERMAN, ENGLISH],
        members={"german": frozenset({"a-anna"}), "english": frozenset({"a-ben"})},
        agents=agents,
        waiting=tasks,
        outcomes=_outcomes(("german", "answered", 10), ("english", "answered", 40)),
        now=NOW,
        window_s=900,
        version=version,
    )


def test_snapshot_counts_agents_per_queue_and_the_total_judges_each_queue_by_its_own_threshold() -> None:
    snap = _snapshot(conversations=1)
    german, english = snap.queues
    assert (german.agents_busy, german.agents_available, english.agents_away) == (1, 0, 1)
    assert snap.agents[0].queues == ("german",) and snap.agents[1].reason == "break"
    assert snap.agents[0].state == "busy"
    # 10 s is within German's 20 s; 40 s is outside English's 30 s.
    assert snap.total.answered == 2 and snap.total.service_level == 0.5
    assert snap.total.longest_wait_s == 30
    assert snap.state_counts() == {"available": 0, "busy": 1, "away": 1, "offline": 0}


def test_deltas_carry_only_changes_and_rebuild_the_snapshot() -> None:
    old = _snapshot(0)
    assert diff(old, _snapshot(1)) is None
    new = _snapshot(1, waiting=3, anna=Presence.AWAY)
    delta = diff(old, new)
    assert delta is not None
    assert [q.queue_id for q in delta.queues] == ["german"]  # English did not change
    assert [a.agent_id for a in delta.agents] == ["a-anna"]
    assert delta.waiting is not None and len(delta.waiting) == 3
    assert apply_delta(old, delta) == new
    with pytest.raises(ValueError, match="delta for version"):
        apply_delta(new, delta)


def test_csv_export_has_both_tables_and_defuses_formulas() -> None:
    snap = _snapshot()
    snap = snap.model_copy(
        update={"agents": (snap.agents[0].model_copy(update={"name": '=HYPERLINK("x")'}), *snap.agents[1:])}
    )
    rows = list(csv.reader(io.StringIO(snapshot_csv(snap))))
    assert rows[1][:3] == ["queue_id", "name", "waiting"]
    assert [r[0] for r in rows[2:5]] == ["german", "english", "*"]
    agent_header = rows.index([]) + 1
    assert rows[agent_header][0] == "agent_id"
    assert rows[agent_header + 1][2].startswith("'=")  # a spreadsheet shows it as text


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 42, 185, 3729)] == ["0:00", "0:42", "3:05", "1:02:09"]


def test_a_moved_task_leaves_its_workflow_for_any_member_of_the_new_queue() -> None:
    router = Router(
        RoutingConfig.model_validate(
            {
                "queues": [GERMAN.model_dump(), ENGLISH.model_dump()],
                "workflow": {
                    "default_queue": "german",
                    "filters": [
                        {
                            "name": "German",
                            "expression": "language == 'de'",
                            "priority": 4,
                            "steps": [{"queue": "german"}],
                        }
                    ],
                },
            }
        )
    )
    ben = WorkerState("a-ben", {"languages": ["en"]}, {"chat": 2}, {}, available=True)
    task = TaskState("cv-1", "chat", {"language": "de"}, created_at=NOW.timestamp() - 60)
    (stay,) = router.plan([task], [ben], NOW.timestamp())
    assert stay.queue == "german" and stay.worker_id is None
    moved = TaskState(
        "cv-1",
        "chat",
        {"language": "de"},
        created_at=NOW.timestamp() - 60,
        moved_to="english",
        moved_priority=4,
    )
    (decision,) = router.plan([moved], [ben], NOW.timestamp())
    assert decision.queue == "english" and decision.worker_id == "a-ben" and decision.priority == 4
    assert decision.filter_name == MOVED
    assert decision.reason is not None and decision.reason.summary == f"{MOVED} → English, step 1 of 1"
    waiting = router.waiting(moved, [], NOW.timestamp())
    assert waiting.queue == "English" and waiting.filter == MOVED
    # A queue removed since the move: the task goes back to its workflow.
    gone = TaskState("cv-1", "chat", {"language": "de"}, created_at=NOW.timestamp(), moved_to="nope")
    assert router.plan([gone], [ben], NOW.timestamp())[0].queue == "german"
