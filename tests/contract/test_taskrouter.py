"""The TaskRouter client against a stand-in built from Twilio's own TaskRouter OpenAPI document: the
spec's examples are the answers, every request (form-encoded bodies, `Attributes` as embedded JSON)
and every answer is validated with openapi-core; hostile answers give clear errors and back off."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.contract.spec_standin import Answer, SpecStandIn
from workstation.server.channels.taskrouter import TaskRouterClient
from workstation.server.channels.upstream import RetryPolicy, UpstreamError

pytestmark = pytest.mark.contract

WS = "WS" + "a" * 32
WK = "WK" + "b" * 32
WT = "WT" + "c" * 32
WR = "WR" + "d" * 32
WA = "WA" + "e" * 32
AC = "AC" + "f" * 32
RESERVATIONS = "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Reservations"
RESERVATION = "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}"
TASK = "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}"
WORKER = "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}"
ACTIVITIES = "/v1/Workspaces/{WorkspaceSid}/Activities"


@pytest.fixture(scope="module")
def standin() -> Iterator[SpecStandIn]:
    server = SpecStandIn("twilio_taskrouter_v1.json").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def twilio(standin: SpecStandIn) -> Iterator[SpecStandIn]:
    standin.exchanges.clear()
    standin.violations.clear()
    yield standin
    assert standin.violations == [], "requests or answers broke TaskRouter's spec"


def run(standin: SpecStandIn, work: Any, slept: list[float] | None = None) -> Any:
    async def sleep(seconds: float) -> None:
        (slept if slept is not None else []).append(seconds)

    async def main() -> Any:
        api = TaskRouterClient(standin.url, WS, AC, "auth-token-under-test", retry=RetryPolicy(), sleep=sleep)
        try:
            return await work(api)
        finally:
            await api.close()

    return asyncio.run(main())


def _form(exchange: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(exchange.body if isinstance(exchange.body, str) else "").items()}


def test_pending_reservations_come_from_the_spec_example(twilio: SpecStandIn) -> None:
    reservations = run(twilio, lambda api: api.pending_reservations(WK))
    example = twilio.default("GET", RESERVATIONS)["reservations"]
    assert [r.sid for r in reservations] == [item["sid"] for item in example]
    (call,) = twilio.calls("GET", RESERVATIONS)
    assert call.query == {"ReservationStatus": "pending"}
    assert call.headers["authorization"].startswith("Basic ")


def test_task_attributes_are_parsed_from_their_embedded_json(twilio: SpecStandIn) -> None:
    task = run(twilio, lambda api: api.task(WT))
    example = twilio.default("GET", TASK)
    assert task.attributes == json.loads(example["attributes"])
    assert task.sid == example["sid"]


@pytest.mark.parametrize("status", ["accepted", "rejected", "timeout"])
def test_an_answer_is_a_form_encoded_reservation_update(twilio: SpecStandIn, status: str) -> None:
    run(twilio, lambda api: api.answer(WT, WR, status, activity_sid=WA))
    (call,) = twilio.calls("POST", RESERVATION)
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    expected = {"ReservationStatus": status} | ({"WorkerActivitySid": WA} if status == "rejected" else {})
    assert _form(call) == expected


def test_presence_moves_the_worker_with_attributes_as_embedded_json(twilio: SpecStandIn) -> None:
    run(twilio, lambda api: api.set_activity(WK, WA, {"desk": {"presence": "away"}, "skills": ["de"]}))
    (call,) = twilio.calls("POST", WORKER)
    form = _form(call)
    assert form["ActivitySid"] == WA
    assert json.loads(form["Attributes"]) == {"desk": {"presence": "away"}, "skills": ["de"]}


def test_presence_maps_to_an_activity_by_name(twilio: SpecStandIn) -> None:
    example = twilio.default("GET", ACTIVITIES)["activities"]
    name = example[0]["friendly_name"]
    activity = run(twilio, lambda api: api.activity_for("available", {"available": name}))
    assert activity.sid == example[0]["sid"]


def test_a_presence_without_an_activity_is_a_clear_error(twilio: SpecStandIn) -> None:
    with pytest.raises(UpstreamError, match=r"no activity 'Nope' for 'away'"):
        run(twilio, lambda api: api.activity_for("away", {"away": "Nope"}))


def test_an_answer_that_reached_taskrouter_before_a_5xx_is_not_sent_again(twilio: SpecStandIn) -> None:
    twilio.script("POST", RESERVATION, Answer(status=503, raw="busy", content_type="text/plain"))

    def accepted(body: Any) -> Any:
        return {**body, "reservation_status": "accepted"}

    twilio.script("GET", RESERVATION, Answer(patch=accepted))
    reservation = run(twilio, lambda api: api.answer(WT, WR, "accepted"))
    assert reservation.status == "accepted"
    assert len(twilio.calls("POST", RESERVATION)) == 1


def test_429_retry_after_is_waited_out(twilio: SpecStandIn) -> None:
    twilio.script(
        "GET",
        RESERVATIONS,
        Answer(status=429, raw="", content_type="text/plain", headers={"Retry-After": "3"}),
    )
    slept: list[float] = []
    run(twilio, lambda api: api.pending_reservations(WK), slept)
    assert slept == [3.0] and len(twilio.calls("GET", RESERVATIONS)) == 2


def test_attributes_that_are_not_json_are_a_clear_error(twilio: SpecStandIn) -> None:
    twilio.script("GET", TASK, Answer(patch=lambda body: {**body, "attributes": "{not json"}))
    with pytest.raises(UpstreamError, match=r"fetch task: attributes are not JSON"):
        run(twilio, lambda api: api.task(WT))


def test_a_reservation_with_a_numeric_sid_is_refused(twilio: SpecStandIn) -> None:
    def hostile(body: Any) -> Any:
        body["reservations"] = [{**body["reservations"][0], "sid": 42}]
        return body

    twilio.script("GET", RESERVATIONS, Answer(patch=hostile, hostile=True))
    with pytest.raises(UpstreamError, match=r"'sid' should be str, got int"):
        run(twilio, lambda api: api.pending_reservations(WK))


def test_an_html_gateway_page_backs_off_then_fails_retryable(twilio: SpecStandIn) -> None:
    for _ in range(4):
        twilio.script(
            "GET", TASK, Answer(status=502, raw="<html><h1>502</h1></html>", content_type="text/html")
        )
    slept: list[float] = []
    with pytest.raises(UpstreamError) as caught:
        run(twilio, lambda api: api.task(WT), slept)
    assert caught.value.retryable and "HTTP 502" in str(caught.value)
    assert slept == [0.5, 1.0, 2.0, 4.0]
