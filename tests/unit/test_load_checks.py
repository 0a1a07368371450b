"""The load driver's checks (tests/load/driver.py) catch what they are there to catch."""

from __future__ import annotations

from tests.load.driver import DesktopRecord, LoadResult, OfferEvent, overlapping_offers


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
