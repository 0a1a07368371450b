"""The load driver's checks (tests/load/driver.py) catch what they are there to catch."""

from __future__ import annotations

import pytest

from tests.load.driver import DesktopRecord, LoadResult, OfferEvent, first_offer_after, overlapping_offers
from tests.load.faults import Fault, reconnections


def result_of(*desktops: DesktopRecord) -> LoadResult:
    return LoadResult(
        desktops=list(desktops),
        latencies_s={},
        acknowledged_chats=[],
        failed_chats=[],
        never_offered=[],
        overlaps=[],
        offers_per_chat={},
        acknowledged_messages=[],
        acknowledged_closes=[],
        duration_s=1.0,
    )


def log(agent: str) -> list[int]:
    return {"a-ada": [1, 2, 4, 7, 9], "a-bob": [1, 3, 5]}[agent]


def test_a_desktop_that_applied_every_seq_of_its_stream_passes() -> None:
    ada = DesktopRecord("ada", agent_id="a-ada", seqs=[1, 2, 4, 7])  # 9 not reached yet: no gap
    assert result_of(ada).seq_problems(log) == []


def test_a_missing_seq_a_repeated_one_and_a_reset_are_each_reported() -> None:
    gap = DesktopRecord("ada", agent_id="a-ada", seqs=[1, 2, 7, 9])
    repeated = DesktopRecord("bob", agent_id="a-bob", seqs=[1, 3, 5], repeated=[3])
    reset = DesktopRecord("cy", agent_id="a-bob", seqs=[1, 3], resets=1)
    problems = result_of(gap, repeated, reset).seq_problems(log)
    assert len(problems) == 3
    assert "missing [4]" in problems[0]
    assert "repeated" in problems[1]
    assert "reset" in problems[2]


def test_a_desktop_that_applied_nothing_is_reported() -> None:
    assert result_of(DesktopRecord("ada", agent_id="a-ada")).seq_problems(log) == ["ada: no event applied"]


def test_a_chat_offered_again_after_its_first_offer_ended_is_no_overlap() -> None:
    events = [
        OfferEvent(10, "cv-1", "ada", "offered"),
        OfferEvent(12, "cv-1", "ada", "timed_out"),
        OfferEvent(15, "cv-1", "bob", "offered"),
        OfferEvent(16, "cv-1", "bob", "accepted"),
    ]
    assert overlapping_offers(list(reversed(events))) == []  # ordered by seq, not by arrival


def test_a_chat_offered_to_a_second_agent_while_the_first_offer_is_open_is_an_overlap() -> None:
    events = [
        OfferEvent(10, "cv-1", "ada", "offered"),
        OfferEvent(11, "cv-1", "bob", "offered"),
        OfferEvent(12, "cv-1", "ada", "accepted"),
    ]
    (problem,) = overlapping_offers(events)
    assert problem == "cv-1 offered to bob at seq 11 while ada's offer was open"


def test_an_open_offer_whose_end_its_desktop_had_not_reached_yet_is_no_overlap() -> None:
    events = [OfferEvent(10, "cv-1", "ada", "offered"), OfferEvent(15, "cv-1", "bob", "offered")]
    # Ada's desktop stopped at seq 12: the end of her offer (seq 13 or 14) had not reached it.
    assert overlapping_offers(events, {"ada": 12, "bob": 15}) == []
    assert len(overlapping_offers(events, {"ada": 20, "bob": 15})) == 1


def test_the_desktops_a_kill_dropped_and_how_long_they_took_to_come_back() -> None:
    # Ada was on the killed process (down at once, back on another 0.3 s after the kill), Bob on it
    # too but back only after the replacement listened, Cy dropped much later (another cause), Di
    # never dropped.
    kill = Fault("process killed", at=100.0, back_at=103.0)
    ada = DesktopRecord("ada", links=[(1.0, True), (100.05, False), (100.3, True)])
    bob = DesktopRecord("bob", links=[(1.0, True), (100.1, False), (104.0, True)])
    cy = DesktopRecord("cy", links=[(1.0, True), (150.0, False), (150.5, True)])
    di = DesktopRecord("di", links=[(1.0, True)])
    eve = DesktopRecord("eve", links=[(1.0, True), (100.2, False)])  # never came back
    moved = reconnections([ada, bob, cy, di, eve], kill)
    assert [d.username for d in moved.dropped] == ["ada", "bob", "eve"]
    assert moved.back_s == pytest.approx([0.3, 4.0])
    assert moved.elsewhere == 1


def test_routing_after_a_fault_counts_only_chats_opened_after_it() -> None:
    created = {"early": 9.0, "late": 10.5, "later": 11.0}
    shown = {"early": 10.1, "late": 12.0, "later": 11.5}
    # "early" was opened before the fault: its offer may have been routed before it.
    assert first_offer_after(created, shown, 10.0) == pytest.approx(1.5)
    assert first_offer_after(created, {"early": 10.1}, 10.0) is None


def test_what_was_acknowledged_before_a_fault() -> None:
    result = result_of()
    result.acked_at = {("chat", "cv-1"): 5.0, ("chat", "cv-2"): 12.0, ("message", "cv-1"): 6.0}
    assert result.acknowledged_before("chat", 10.0) == ["cv-1"]
    assert result.acknowledged_before("message", 10.0) == ["cv-1"]
    assert result.acknowledged_before("close", 10.0) == []


def test_routing_after_a_fault_is_the_first_offer_made_after_it() -> None:
    result = result_of()
    result.offers_made = [9.5, 10.0, 12.25, 13.0]
    assert result.first_routing_after(10.0) == pytest.approx(2.25)  # made at the fault: before it
    assert result.first_routing_after(13.0) is None


def test_a_customer_waiting_for_a_connection_gives_up_when_the_runs_time_is_up() -> None:
    # Behind a backend that has fallen far behind, POSTs queue for the customers' connections; the
    # run must still end, with those chats counted as failed rather than waited for without end.
    import asyncio
    import time

    from tests.load.driver import CUSTOMER_CONNECTIONS, LoadConfig, LoadDriver

    config = LoadConfig(
        urls=["http://127.0.0.1:9"], usernames=[], password="", service_token="", customer_ids=["c-1"]
    )

    async def run() -> LoadDriver:
        driver = LoadDriver(config)
        driver._deadline = time.perf_counter() + 0.2
        _client, gate = driver._client(config.urls[0])
        for _ in range(CUSTOMER_CONNECTIONS):  # every connection busy with an earlier POST
            await gate.acquire()
        try:
            await asyncio.wait_for(driver._open_chat(0, time.perf_counter()), 5.0)
        finally:
            await asyncio.gather(*(client.aclose() for client in driver._clients))
        return driver

    driver = asyncio.run(run())

    assert driver.failed_chats == ["chat 0: still waiting for a connection when the run's time was up"]
    assert driver.acknowledged_chats == []


def test_the_drain_waits_while_chats_are_still_being_offered_and_ends_when_they_stop() -> None:
    # Above what the machine sustains, the queue left after the last chat drains for minutes: a
    # chat is "never offered" only once offers stopped coming for drain_s, or at drain_max_s.
    import asyncio
    import time

    from tests.load.driver import LoadConfig, LoadDriver

    config = LoadConfig(
        urls=[], usernames=[], password="", service_token="", customer_ids=[], drain_s=0.3, drain_max_s=5.0
    )

    async def drain(offered_every_s: float, count: int) -> tuple[LoadDriver, float]:
        driver = LoadDriver(config)
        driver.acknowledged_chats = [f"ch-{i}" for i in range(count + 1)]  # the last is never offered

        async def offer() -> None:
            for chat in driver.acknowledged_chats[:count]:
                await asyncio.sleep(offered_every_s)
                driver.shown[chat] = time.perf_counter()

        feeder = asyncio.create_task(offer())
        began = time.perf_counter()
        await driver._drain()
        feeder.cancel()
        return driver, time.perf_counter() - began

    # An offer every 0.2 s for 1.6 s: longer than drain_s in all, never 0.3 s without one.
    driver, took = asyncio.run(drain(0.2, 8))
    assert len(driver.shown) == 8 and 1.6 <= took < 5.0
    # Offers stop at once: the wait ends drain_s later, not at drain_max_s.
    driver, took = asyncio.run(drain(10.0, 1))
    assert driver.shown == {} and took < 2.0
