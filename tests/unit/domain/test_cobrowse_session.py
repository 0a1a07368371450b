"""The cobrowse session state machine: transitions, who may take them, timeouts, same-site URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.domain.cobrowse import (
    ACTORS,
    OPEN_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Actor,
    CobrowseAction,
    CobrowseError,
    CobrowsePolicy,
    CobrowseSession,
    CobrowseState,
    can,
    due,
    invite,
    same_site_url,
    transcript_text,
    transition,
)

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
S, A = CobrowseState, CobrowseAction


def _session() -> CobrowseSession:
    return invite("cb-1", "cv-1", "a-demo", T0)


def _walk(*steps: tuple[CobrowseAction, Actor]) -> CobrowseSession:
    session = _session()
    for i, (action, actor) in enumerate(steps, 1):
        session = transition(session, action, actor, T0 + timedelta(seconds=i))
    return session


def test_the_happy_path_and_its_transcript() -> None:
    steps = [
        (A.ACCEPT, Actor.CUSTOMER),
        (A.START, Actor.SYSTEM),
        (A.PAUSE, Actor.CUSTOMER),
        (A.RESUME, Actor.CUSTOMER),
        (A.END, Actor.AGENT),
    ]
    session = _session()
    texts = [transcript_text(session, "Anna")]
    states = [session.state]
    for i, (action, actor) in enumerate(steps, 1):
        session = transition(session, action, actor, T0 + timedelta(seconds=i))
        states.append(session.state)
        texts.append(transcript_text(session, "Anna"))
    assert states == [S.INVITED, S.ACCEPTED, S.ACTIVE, S.PAUSED, S.ACTIVE, S.ENDED]
    assert session.version == 6 and session.last_actor == Actor.AGENT
    assert texts == [
        "Anna invited the customer to cobrowse (to see and guide their web page).",
        "The customer accepted cobrowse.",
        "Cobrowse started: Anna sees the customer's page (form fields masked).",
        "The customer paused cobrowse.",
        "The customer resumed cobrowse.",
        "Cobrowse ended by Anna.",
    ]


def test_consent_is_the_customers_alone() -> None:
    session = _session()
    for actor in (Actor.AGENT, Actor.SYSTEM):
        with pytest.raises(CobrowseError) as refused:
            transition(session, A.ACCEPT, actor, T0)
        assert refused.value.code == "not_allowed"
    active = _walk((A.ACCEPT, Actor.CUSTOMER), (A.START, Actor.SYSTEM))
    with pytest.raises(CobrowseError):
        transition(active, A.PAUSE, Actor.AGENT, T0)
    with pytest.raises(CobrowseError):
        transition(active, A.RESUME, Actor.CUSTOMER, T0)  # not paused
    # sharing cannot start before consent
    with pytest.raises(CobrowseError) as early:
        transition(session, A.START, Actor.SYSTEM, T0)
    assert early.value.code == "bad_transition"


def test_declined_and_expired_are_told_in_the_transcript() -> None:
    declined = _walk((A.DECLINE, Actor.CUSTOMER))
    assert (
        declined.state == S.DECLINED
        and transcript_text(declined, "Anna") == "The customer declined cobrowse."
    )
    expired = transition(_session(), A.EXPIRE, Actor.SYSTEM, T0, reason="no answer within 120 s")
    assert transcript_text(expired, "Anna") == "Cobrowse expired (no answer within 120 s)."
    with pytest.raises(CobrowseError) as over:
        transition(expired, A.ACCEPT, Actor.CUSTOMER, T0)
    assert over.value.code == "session_over"


ACTIONS = st.sampled_from(list(CobrowseAction))
ACTOR = st.sampled_from(list(Actor))


@given(st.lists(st.tuples(ACTIONS, ACTOR), max_size=30))
def test_any_sequence_keeps_the_invariants(steps: list[tuple[CobrowseAction, Actor]]) -> None:
    session = _session()
    consented = False
    for i, (action, actor) in enumerate(steps, 1):
        before = session
        allowed = can(session.state, action, actor)
        try:
            session = transition(session, action, actor, T0 + timedelta(seconds=i))
        except CobrowseError:
            assert not allowed
            assert session == before  # a refusal changes nothing
            continue
        assert allowed
        assert session.version == before.version + 1 and session.previous == before.state
        assert session.updated_at >= before.updated_at
        assert before.state not in TERMINAL_STATES  # nothing leaves a terminal state
        if session.state == S.ACCEPTED:
            consented = True
            assert actor == Actor.CUSTOMER
        if session.state in (S.ACTIVE, S.PAUSED):
            assert consented  # never shared without the customer's consent
        if session.state == S.ACTIVE and before.state == S.PAUSED:
            assert actor == Actor.CUSTOMER  # only the customer resumes
        assert session.sharing == (session.state == S.ACTIVE)


def test_the_table_is_closed() -> None:
    # Every listed transition leaves an open state, and every state is reachable from an invitation.
    assert {state for state, _ in TRANSITIONS} <= OPEN_STATES
    reachable, frontier = {S.INVITED}, [S.INVITED]
    while frontier:
        state = frontier.pop()
        for (source, _action), target in TRANSITIONS.items():
            if source == state and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(CobrowseState)
    assert all(ACTORS[action] for action in CobrowseAction)


POLICY = CobrowsePolicy(invite_ttl_s=120, start_ttl_s=60, paused_ttl_s=900, absent_ttl_s=120)


def test_timeouts_per_state() -> None:
    invited = _session()
    assert due(invited, T0 + timedelta(seconds=119), POLICY) is None
    assert due(invited, T0 + timedelta(seconds=120), POLICY) == (A.EXPIRE, "no answer within 120 s")
    accepted = transition(invited, A.ACCEPT, Actor.CUSTOMER, T0)
    assert due(accepted, T0 + timedelta(seconds=61), POLICY) == (
        A.EXPIRE,
        "the customer's page did not start sharing",
    )
    active = transition(accepted, A.START, Actor.SYSTEM, T0)
    assert due(active, T0 + timedelta(hours=5), POLICY) is None  # sharing has no time limit
    gone = T0 + timedelta(minutes=10)
    assert due(active, gone + timedelta(seconds=60), POLICY, customer_absent_since=gone) is None
    assert due(active, gone + timedelta(seconds=121), POLICY, customer_absent_since=gone) == (
        A.END,
        "the customer left the web site",
    )
    paused = transition(active, A.PAUSE, Actor.CUSTOMER, T0)
    assert due(paused, T0 + timedelta(minutes=16), POLICY) == (A.END, "paused for more than 15 min")
    ended = transition(paused, A.END, Actor.CUSTOMER, T0)
    assert due(ended, T0 + timedelta(days=1), POLICY) is None


@given(st.sampled_from(list(CobrowseState)), st.floats(min_value=0, max_value=10_000))
def test_a_due_action_is_always_a_legal_system_transition(state: CobrowseState, seconds: float) -> None:
    session = _session().model_copy(update={"state": state})
    result = due(session, T0 + timedelta(seconds=seconds), POLICY, customer_absent_since=T0)
    if result is not None:
        action, _reason = result
        assert can(state, action, Actor.SYSTEM)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/shop/help/returns", "http://127.0.0.1:8765/shop/help/returns"),
        ("returns", "http://127.0.0.1:8765/shop/help/returns"),
        ("http://127.0.0.1:8765/shop/checkout", "http://127.0.0.1:8765/shop/checkout"),
        ("  /shop/?q=lamp#top ", "http://127.0.0.1:8765/shop/?q=lamp#top"),
    ],
)
def test_same_site_urls_resolve(target: str, expected: str) -> None:
    assert same_site_url("http://127.0.0.1:8765/shop/help/shipping", target) == expected


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/x",
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "http://127.0.0.1:9999/shop/",  # another port is another site
        "https://127.0.0.1:8765/shop/",  # and another scheme
        "",
    ],
)
def test_other_sites_are_refused(target: str) -> None:
    with pytest.raises(ValueError):
        same_site_url("http://127.0.0.1:8765/shop/help/shipping", target)


def test_every_transcript_line_comes_back_as_its_template_and_parameters() -> None:
    """The backend stores a line as English text; the desk recovers template and parameters from
    it (to show it translated), also for a name with brackets and for each reason the backend gives."""
    assert str(transcript_text(_session(), "Anna")).startswith("Anna invited")
    from workstation.domain.messages import Msg, from_text

    reasons = [None, *(why for _, why in _due_reasons())]
    lines = []
    for state in S:
        for actor in Actor:
            for reason in reasons:
                for name in ("Anna (Team 2)", ""):
                    session = _session().model_copy(
                        update={"state": state, "last_actor": actor, "reason": reason}
                    )
                    lines.append(transcript_text(session, name))
    for line in lines:
        assert isinstance(line, Msg | str)
        found = from_text(str(line))
        if not isinstance(line, Msg) or not line.params:
            assert found == line  # a whole text: the desk looks it up as it is
        else:
            assert isinstance(found, Msg) and found.template == line.template, line
            assert {k: str(v) for k, v in found.params.items()} == {k: str(v) for k, v in line.params.items()}
            reason = line.params.get("reason")
            if isinstance(reason, Msg):
                assert isinstance(found.params["reason"], Msg)
                assert found.params["reason"].template == reason.template
    assert from_text("Hello, Cobrowse ended by nobody") == "Hello, Cobrowse ended by nobody"


def _due_reasons() -> list[tuple[A, str]]:
    """The reasons `due` gives, one per timeout."""
    found = []
    for state in (S.INVITED, S.ACCEPTED, S.PAUSED):
        session = _session().model_copy(update={"state": state})
        answer = due(session, T0 + timedelta(days=1), POLICY)
        assert answer is not None
        found.append(answer)
    active = _session().model_copy(update={"state": S.ACTIVE})
    absent = due(active, T0 + timedelta(seconds=1), POLICY, customer_absent_since=T0 - timedelta(days=1))
    assert absent is not None
    return [*found, absent]
