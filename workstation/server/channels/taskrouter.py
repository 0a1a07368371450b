"""Twilio TaskRouter v1, as twilio_taskrouter_v1.json (shared/specs) defines it, for a mode where
an external router decides: a worker's pending reservations (each with its task's attributes, the
"why" of an offer), the answer to one (accepted / rejected / timeout, form-encoded as the spec
defines), and the worker's activity (the desk's presence).

The desk's external-router mode (taskrouter_mode.py) drives it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from workstation.server.channels.upstream import Fields, RetryPolicy, UpstreamHttp

SYSTEM = "TaskRouter"
#: The answers the desk gives an offer, as ReservationStatus values of the spec.
ANSWERS = ("accepted", "rejected", "timeout")
#: Default mapping of the desk's presence to TaskRouter activity names (configurable).
PRESENCE_ACTIVITIES = {"available": "Available", "away": "Unavailable", "offline": "Offline"}
#: Largest task attributes document taken (it is shown to the agent as the offer's "why").
MAX_ATTRIBUTES_CHARS = 16_000


@dataclass(frozen=True, slots=True)
class Reservation:
    sid: str
    task_sid: str
    worker_sid: str
    status: str


@dataclass(frozen=True, slots=True)
class Task:
    sid: str
    queue: str | None
    priority: int | None
    #: The task's attributes (parsed from the embedded JSON string): the offer's "why".
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Activity:
    sid: str
    name: str
    available: bool


class TaskRouterClient:
    """One TaskRouter workspace, with the account's SID and auth token (HTTP basic, as the spec)."""

    def __init__(
        self,
        base_url: str,
        workspace_sid: str,
        account_sid: str,
        auth_token: str,
        *,
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._api = UpstreamHttp(
            SYSTEM,
            f"{base_url.rstrip('/')}/v1/Workspaces/{workspace_sid}",
            {},
            auth=(account_sid, auth_token),
            http=http,
            retry=retry,
            sleep=sleep,
        )

    async def close(self) -> None:
        await self._api.close()

    async def pending_reservations(self, worker_sid: str) -> list[Reservation]:
        op = "list reservations"
        body = await self._api.call(
            op, "GET", f"/Workers/{worker_sid}/Reservations", params={"ReservationStatus": "pending"}
        )
        f = Fields(SYSTEM, op)
        return [
            Reservation(
                sid=f.get(item, "sid", str),
                task_sid=f.get(item, "task_sid", str),
                worker_sid=f.get(item, "worker_sid", str),
                status=f.get(item, "reservation_status", str),
            )
            for item in f.get(body, "reservations", list)
        ]

    async def task(self, task_sid: str) -> Task:
        op = "fetch task"
        body = await self._api.call(op, "GET", f"/Tasks/{task_sid}")
        return self._task(body, op)

    def _task(self, body: Any, op: str) -> Task:
        f = Fields(SYSTEM, op)
        raw = f.opt(body, "attributes", str) or "{}"
        if len(raw) > MAX_ATTRIBUTES_CHARS:
            raise self._api.error(
                op, f"attributes are {len(raw)} characters (at most {MAX_ATTRIBUTES_CHARS})"
            )
        try:
            attributes = json.loads(raw)
        except ValueError as exc:
            raise self._api.error(op, f"attributes are not JSON ({exc})") from exc
        if not isinstance(attributes, dict):
            raise self._api.error(op, f"attributes should be a JSON object, got {type(attributes).__name__}")
        return Task(
            sid=f.get(body, "sid", str),
            queue=f.opt(body, "task_queue_friendly_name", str),
            priority=f.opt(body, "priority", int),
            attributes=attributes,
        )

    async def create_task(
        self,
        workflow_sid: str,
        attributes: dict[str, Any],
        *,
        priority: int | None = None,
        key_expression: str | None = None,
    ) -> Task:
        """A new task (Attributes as embedded JSON, as the spec defines) for the workflow to route.
        After a failure that may have reached TaskRouter, a task matching `key_expression` (an
        EvaluateTaskAttributes expression naming the caller's key) is looked up before a retry."""

        async def existing() -> Any:
            sids = await self.find_tasks(key_expression) if key_expression else []
            return await self._api.call("fetch task", "GET", f"/Tasks/{sids[0]}") if sids else None

        form = {
            "WorkflowSid": workflow_sid,
            "Attributes": json.dumps(attributes, separators=(",", ":"), sort_keys=True),
        }
        if priority is not None:
            form["Priority"] = str(priority)
        body = await self._api.call("create task", "POST", "/Tasks", form=form, before_retry=existing)
        return self._task(body, "create task")

    async def find_tasks(self, expression: str) -> list[str]:
        """The sids of tasks whose attributes satisfy `expression` (the spec's EvaluateTaskAttributes)."""
        op = "list tasks"
        body = await self._api.call(op, "GET", "/Tasks", params={"EvaluateTaskAttributes": expression})
        f = Fields(SYSTEM, op)
        return [str(f.get(item, "sid", str)) for item in f.get(body, "tasks", list)]

    async def answer(
        self, task_sid: str, reservation_sid: str, status: str, *, activity_sid: str | None = None
    ) -> Reservation:
        """Accept, reject or time out a reservation (rejecting may move the worker to
        `activity_sid`). Repeating an answer is harmless: a reservation already in `status` is
        looked up before a retry, so an answer that reached TaskRouter is not sent twice."""
        if status not in ANSWERS:
            raise ValueError(f"an offer is answered with one of {ANSWERS}, not {status!r}")
        op = "update reservation"
        form = {"ReservationStatus": status}
        if activity_sid is not None and status == "rejected":
            form["WorkerActivitySid"] = activity_sid
        path = f"/Tasks/{task_sid}/Reservations/{reservation_sid}"

        async def already_answered() -> dict[str, Any] | None:
            current = await self._api.call("fetch reservation", "GET", path)
            done = isinstance(current, dict) and current.get("reservation_status") == status
            return current if done else None

        body = await self._api.call(op, "POST", path, form=form, before_retry=already_answered)
        f = Fields(SYSTEM, op)
        return Reservation(
            sid=f.get(body, "sid", str),
            task_sid=f.get(body, "task_sid", str),
            worker_sid=f.get(body, "worker_sid", str),
            status=f.get(body, "reservation_status", str),
        )

    async def activities(self) -> list[Activity]:
        op = "list activities"
        body = await self._api.call(op, "GET", "/Activities")
        f = Fields(SYSTEM, op)
        return [
            Activity(
                sid=f.get(item, "sid", str),
                name=f.get(item, "friendly_name", str),
                available=f.get(item, "available", bool),
            )
            for item in f.get(body, "activities", list)
        ]

    async def set_activity(
        self, worker_sid: str, activity_sid: str, attributes: dict[str, Any] | None = None
    ) -> str:
        """Move the worker to `activity_sid` (the desk's presence); `attributes` go as the spec's
        `Attributes`, a JSON document embedded in the form. Returns the worker's activity now."""
        op = "update worker"
        form = {"ActivitySid": activity_sid}
        if attributes is not None:
            form["Attributes"] = json.dumps(attributes, separators=(",", ":"), sort_keys=True)
        body = await self._api.call(op, "POST", f"/Workers/{worker_sid}", form=form)
        return str(Fields(SYSTEM, op).get(body, "activity_sid", str))

    async def activity_for(self, presence: str, names: dict[str, str] | None = None) -> Activity:
        """The activity the desk's `presence` maps to (by name, PRESENCE_ACTIVITIES by default)."""
        wanted = (names or PRESENCE_ACTIVITIES).get(presence)
        for activity in await self.activities():
            if activity.name == wanted:
                return activity
        raise self._api.error("map presence", f"the workspace has no activity {wanted!r} for {presence!r}")
