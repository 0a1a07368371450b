"""Workflow routing in the real backend over HTTP: explained offers, steps, capacity, configuration."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.helpers.backend import Backend
from workstation.domain.models import Customer, Presence, Role
from workstation.domain.workflow import AgentRouting
from workstation.server.backend import Backend as ServerBackend
from workstation.server.backend import BackendConfig, Principal, _aware
from workstation.server.db import AgentRow, OfferRow, RoutingTaskRow, make_engine
from workstation.server.routing_config import load_demo

API = "/api/v1"


def _available(backend: Backend, username: str) -> dict[str, str]:
    headers = backend.login(username)
    response = backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=headers)
    assert response.status_code == 200
    return headers


def _demo_config() -> dict[str, Any]:
    config, _agents = load_demo()
    return config.model_dump(mode="json")


def _put_config(backend: Backend, lead: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    response = backend.http.put(f"{API}/routing/config", json=config, headers=lead)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_demo_configuration_is_package_data_with_five_filters() -> None:
    config, agents = load_demo()
    assert len(config.workflow.filters) == 5
    assert {"demo", "anna", "ben"} <= set(agents)
    assert agents["demo"].attributes["level"] == 3


def test_an_offer_carries_why_it_came_to_this_agent(backend: Backend) -> None:
    demo = _available(backend, "demo")
    backend.start_chat(
        "c-1", "Ist das lieferbar?", topic="product", attributes={"minutes_on_product_pages": 31}
    )
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    why = offer["routing"]
    assert why["summary"] == "tier = gold, minutes_on_product_pages = 31 ≥ 30 → Senior Sales, step 1 of 2"
    assert why["filter"] == "High-value shopper"
    assert why["facts"] == ["customer.tier = gold", "minutes_on_product_pages = 31 ≥ 30"]
    assert why["worker_facts"] == ["task.language = de IN languages = [de, en]"]


def test_journey_context_comes_from_the_customers_history(backend: Backend) -> None:
    # c-2 (silver) has no open complaint; a German bronze customer with no topic goes by language.
    demo = _available(backend, "demo")
    backend.start_chat("c-3", "Hallo")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    assert offer["routing"]["filter"] == "German"
    # No agent has the (missing) topic as a skill: step 1 was skipped at once.
    assert offer["routing"]["step"] == 2


def test_high_value_waits_for_a_senior_then_falls_back_after_the_step_timeout(backend: Backend) -> None:
    lead = backend.login("lead")
    config = _demo_config()
    config["workflow"]["filters"][0]["steps"][0]["timeout_s"] = 1.0
    _put_config(backend, lead, config)
    anna = _available(backend, "anna")  # level 2: not in Senior Sales
    chat = backend.start_chat("c-1", "Hallo", topic="product", attributes={"minutes_on_product_pages": 45})
    conv_id = chat["conversation"]["id"]
    why = backend.http.get(f"{API}/routing/waiting/{conv_id}", headers=lead)
    assert why.status_code == 200, why.text
    report = why.json()
    assert (report["filter"], report["step"], report["steps"], report["queue"]) == (
        "High-value shopper",
        1,
        2,
        "Senior Sales",
    )
    assert report["matching_agents"] == 1  # demo is senior, but offline
    assert report["available_agents"] == 0
    assert report["next_step_at"] is not None and report["next_step_at"] > report["waiting_since"]
    assert backend.offers(anna) == []
    (offer,) = backend.wait_for(lambda: backend.offers(anna), timeout=5)
    assert offer["routing"]["step"] == 2 and offer["routing"]["queue"] == "Everyone"
    listing = backend.http.get(f"{API}/routing/waiting", headers=lead).json()
    assert [(w["conversation_id"], w["offered_to"]) for w in listing] == [(conv_id, "a-anna")]


def test_capacity_per_channel_limits_offers(backend: Backend) -> None:
    lead = backend.login("lead")
    response = backend.http.put(
        f"{API}/routing/agents/a-demo",
        json={"attributes": {"level": 3, "team": "north"}, "capacity": {"chat": 1, "voice": 1}},
        headers=lead,
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == {"chat": 1, "voice": 1}
    assert response.json()["attributes"]["team"] == "north"
    demo = _available(backend, "demo")
    backend.start_chat("c-1", "Erste Frage")
    backend.start_chat("c-3", "Zweite Frage")
    backend.wait_for(lambda: backend.offers(demo))
    waiting = backend.wait_for(lambda: backend.http.get(f"{API}/routing/waiting", headers=lead).json())
    assert len(backend.offers(demo)) == 1
    unoffered = [w for w in waiting if w["offered_to"] is None]
    assert len(unoffered) == 1 and unoffered[0]["available_agents"] == 0
    assert unoffered[0]["matching_agents"] == 2  # demo (full) and anna (offline) speak German


def test_configuration_is_for_team_leads_and_validated_on_save(backend: Backend) -> None:
    lead = backend.login("lead")
    demo = backend.login("demo")
    assert backend.http.get(f"{API}/routing/config", headers=demo).status_code == 403
    assert backend.http.put(f"{API}/routing/config", json=_demo_config(), headers=demo).status_code == 403
    assert backend.http.get(f"{API}/routing/waiting", headers=demo).status_code == 403
    current = backend.http.get(f"{API}/routing/config", headers=lead).json()
    assert current == _demo_config()

    bad = copy.deepcopy(current)
    bad["workflow"]["filters"][1]["expression"] = "open_complaint == true OR customer.churn_risk >>= 0.6"
    bad["queues"][0]["target_workers"] = "level >= 3 AND"
    response = backend.http.put(f"{API}/routing/config", json=bad, headers=lead)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_routing_config"
    details = {d["field"]: d for d in error["details"]}
    assert details["workflow.filters[1].expression"]["position"] == 46
    assert "unknown operator '>>='" in details["workflow.filters[1].expression"]["problem"]
    assert details["queues[0].target_workers"]["position"] == 14
    # Nothing was saved.
    assert backend.http.get(f"{API}/routing/config", headers=lead).json() == current

    unknown_queue = copy.deepcopy(current)
    unknown_queue["workflow"]["filters"][0]["steps"][0]["queue"] = "nowhere"
    response = backend.http.put(f"{API}/routing/config", json=unknown_queue, headers=lead)
    assert response.status_code == 400
    assert "unknown queue 'nowhere'" in response.json()["error"]["message"]
    shapeless = backend.http.put(f"{API}/routing/config", json={"queues": []}, headers=lead)
    assert shapeless.status_code == 400 and shapeless.json()["error"]["details"]

    bad_agent = backend.http.put(
        f"{API}/routing/agents/a-demo", json={"attributes": {"skills": "all"}, "capacity": {}}, headers=lead
    )
    assert bad_agent.status_code == 400
    assert backend.http.put(f"{API}/routing/agents/a-nobody", json={}, headers=lead).status_code == 404


def test_a_new_configuration_routes_waiting_tasks_afresh(backend: Backend) -> None:
    lead = backend.login("lead")
    ben = _available(backend, "ben")  # English only
    chat = backend.start_chat("c-1", "Hallo")  # German: waits for a German speaker
    conv_id = chat["conversation"]["id"]
    backend.wait_for(lambda: backend.http.get(f"{API}/routing/waiting/{conv_id}", headers=lead).json())
    assert backend.offers(ben) == []
    anyone = {
        "queues": [{"id": "all", "name": "Everyone"}],
        "workflow": {"filters": [], "default_queue": "all"},
    }
    _put_config(backend, lead, anyone)
    (offer,) = backend.wait_for(lambda: backend.offers(ben))
    assert offer["conversation_id"] == conv_id
    assert offer["routing"]["filter"] is None
    assert "default queue" in offer["routing"]["summary"]


def test_a_task_that_outlives_its_time_to_live_is_closed_with_a_word_to_the_customer(
    backend: Backend,
) -> None:
    lead = backend.login("lead")
    config = _demo_config()
    config["workflow"]["task_ttl_s"] = 0.5
    _put_config(backend, lead, config)
    chat = backend.start_chat("c-1", "Hallo?")
    backend.wait_for(lambda: len(backend.transcript(chat)) == 2, timeout=5)
    last = backend.transcript(chat)[-1]
    assert last["sender"] == "system" and "No agent" in last["text"]
    conv_id = chat["conversation"]["id"]
    assert backend.http.get(f"{API}/routing/waiting/{conv_id}", headers=lead).status_code == 409


def test_the_team_lead_sees_where_a_task_went_and_why(backend: Backend) -> None:
    lead = backend.login("lead")
    demo = _available(backend, "demo")
    chat = backend.start_chat("c-1", "Hallo", topic="delivery")
    conv_id = chat["conversation"]["id"]
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    backend.http.post(f"{API}/offers/{offer['id']}/reject", headers=demo)
    anna = _available(backend, "anna")
    (second,) = backend.wait_for(lambda: backend.offers(anna))
    backend.http.post(f"{API}/offers/{second['id']}/accept", headers=anna)
    history = backend.http.get(f"{API}/routing/tasks/{conv_id}", headers=lead).json()
    assert history["state"] == "active" and history["agent_id"] == "a-anna"
    assert history["attributes"]["customer"]["tier"] == "gold"
    assert [(o["agent_id"], o["state"]) for o in history["offers"]] == [
        ("a-demo", "rejected"),
        ("a-anna", "accepted"),
    ]
    assert history["offers"][1]["routing"]["summary"] == "language = de → German, step 1 of 2"
    assert history["offers"][1]["routing"]["worker_facts"] == [
        "task.topic = delivery IN skills = [delivery, return, complaint]"
    ]
    assert backend.http.get(f"{API}/routing/tasks/{conv_id}", headers=anna).status_code == 403
    assert backend.http.get(f"{API}/routing/tasks/cv-nope", headers=lead).status_code == 404


@pytest.mark.parametrize("offer_timeout", [0.6])
def test_a_timed_out_offer_goes_to_the_next_candidate(backend: Backend) -> None:
    demo = _available(backend, "demo")
    anna = _available(backend, "anna")
    backend.http.put(f"{API}/me/presence", json={"presence": "away"}, headers=anna)
    chat = backend.start_chat("c-1", "Hallo")
    (first,) = backend.wait_for(lambda: backend.offers(demo))
    _available(backend, "anna")
    (second,) = backend.wait_for(lambda: backend.offers(anna), timeout=5)
    assert second["conversation_id"] == first["conversation_id"] == chat["conversation"]["id"]
    assert backend.offers(demo) == []


def test_a_saved_configuration_that_no_longer_compiles_falls_back_to_the_demo(tmp_path: Path) -> None:
    from workstation.server.backend import ROUTING_CONFIG_KEY
    from workstation.server.db import Meta

    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    ServerBackend(engine)
    with Session(engine) as db:
        broken = {"queues": [{"id": "q", "name": "Q", "target_workers": "level >>= 3"}], "workflow": {}}
        db.merge(Meta(key=ROUTING_CONFIG_KEY, value=json.dumps(broken)))
        db.commit()
    restarted = ServerBackend(engine)
    assert restarted._router.config == load_demo()[0]
    with Session(engine) as db:  # kept for the team lead to see and fix
        stored = db.get(Meta, ROUTING_CONFIG_KEY)
        assert stored is not None and json.loads(stored.value) == broken
    engine.dispose()


def stamped_scenario(backend: ServerBackend) -> None:
    """Two idle agents, two chats in two passes: each pass stamps the agent it offered to, so the
    second chat goes to the other one, idle longer (the default ordering is idle_time desc)."""
    for username in ("ada", "bob"):
        backend.ensure_agent(username=username, name=username.title(), password="pw", languages=("en",))
        backend.set_presence(f"a-{username}", Presence.AVAILABLE)
    backend.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
    backend.upsert_customer(Customer(id="c-2", name="Sam", language="en"))
    backend.start_chat(customer_id="c-1", text="Hello", language="en")
    assert backend.assign_waiting() == 1
    with Session(backend.engine) as db:
        offer = db.scalars(select(OfferRow)).one()
        ada, bob = db.get(AgentRow, "a-ada"), db.get(AgentRow, "a-bob")
        assert ada is not None and bob is not None
        assert offer.agent_id == "a-ada"  # both idle since ever: the first by id
        assert ada.last_offer_at is not None and _aware(ada.last_offer_at) == _aware(offer.offered_at)
        assert bob.last_offer_at is None
    backend.start_chat(customer_id="c-2", text="Hello", language="en")
    assert backend.assign_waiting() == 1
    with Session(backend.engine) as db:
        second = db.scalars(select(OfferRow).where(OfferRow.id != offer.id)).one()
    assert second.agent_id == "a-bob"


def placed_scenario(backend: ServerBackend) -> None:
    """A pass records where a waiting task stands even when nobody can take it, and the next pass
    finds it there."""
    backend.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
    conv, _token = backend.start_chat(customer_id="c-1", text="Hello", language="en")
    assert backend.assign_waiting() == 0  # nobody is available
    with Session(backend.engine) as db:
        task = db.get(RoutingTaskRow, conv.id)
        assert task is not None and task.placed
        # Nobody available: the skill step (skip_if no_available) was skipped as the task came in.
        assert (task.filter_name, task.step, task.queue) == ("English", 1, "english")
        assert task.step_started_at is not None
        assert _aware(task.step_started_at) == _aware(task.created_at)
    assert backend.assign_waiting() == 0
    with Session(backend.engine) as db:
        again = db.get(RoutingTaskRow, conv.id)
        assert again is not None and again.step_started_at is not None
        assert (again.step, _aware(again.step_started_at)) == (1, _aware(task.step_started_at))


def expiry_scenario(backend: ServerBackend) -> None:
    """An offer ends when its time is up, not before (the pass picks the due ones in SQL)."""
    backend.ensure_agent(username="ada", name="Ada", password="pw", languages=("en",))
    backend.set_presence("a-ada", Presence.AVAILABLE)
    backend.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
    backend.start_chat(customer_id="c-1", text="Hello", language="en")
    assert backend.assign_waiting() == 1
    assert backend.expire_offers() == 0
    time.sleep(backend.config.offer_timeout_s + 0.1)
    assert backend.expire_offers() == 1
    with Session(backend.engine) as db:
        assert db.scalars(select(OfferRow.state)).one() == "timed_out"


def attributes_scenario(router: ServerBackend, other: ServerBackend) -> None:
    """An agent's languages and capacity, changed through `other` (on PostgreSQL another process),
    count from the router's next pass: it keeps an agent's parsed attributes between passes only
    while their stored text is the same (server/backend/workers.py)."""
    other.ensure_agent(username="ada", name="Ada", password="pw", languages=("en",))
    other.set_presence("a-ada", Presence.AVAILABLE)
    for customer_id in ("c-1", "c-2"):
        other.upsert_customer(Customer(id=customer_id, name="Pat", language="en"))
    other.start_chat(customer_id="c-1", text="Hello", language="en")
    assert router.assign_waiting() == 1  # Ada is in the English queue

    def set_routing(languages: list[str], chats: int) -> None:
        other.set_agent_routing(
            None, "a-ada", AgentRouting(attributes={"languages": languages}, capacity={"chat": chats})
        )

    set_routing(["de"], 3)
    other.start_chat(customer_id="c-2", text="Hello", language="en")
    assert router.assign_waiting() == 0  # no longer in the English queue
    set_routing(["en"], 1)
    assert router.assign_waiting() == 0  # back in it, but her one chat is taken by the first offer
    set_routing(["en"], 2)
    assert router.assign_waiting() == 1


def test_an_agents_changed_attributes_count_from_the_next_pass(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        backend = ServerBackend(engine)
        attributes_scenario(backend, backend)
    finally:
        engine.dispose()


def test_an_offer_times_out_when_due_and_not_before(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        expiry_scenario(ServerBackend(engine, BackendConfig(offer_timeout_s=0.5)))
    finally:
        engine.dispose()


def test_a_chat_queued_before_routing_tasks_existed_is_routed_too(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        backend = ServerBackend(engine)
        backend.ensure_agent(username="ada", name="Ada", password="pw", languages=("en",))
        backend.set_presence("a-ada", Presence.AVAILABLE)
        backend.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
        old, _token = backend.start_chat(customer_id="c-1", text="Hello", language="en")
        new, _token = backend.start_chat(customer_id="c-1", text="Hello again", language="en")
        with Session(engine) as db, db.begin():  # as an older database has it: no routing task
            db.execute(delete(RoutingTaskRow).where(RoutingTaskRow.conversation_id == old.id))
        assert backend.assign_waiting() == 2
        with Session(engine) as db:
            assert set(db.scalars(select(OfferRow.conversation_id))) == {old.id, new.id}
            task = db.get(RoutingTaskRow, old.id)
            assert task is not None and task.placed
    finally:
        engine.dispose()


def test_why_a_chat_queued_before_routing_tasks_existed_waits_is_answered_by_a_read(tmp_path: Path) -> None:
    # why_waiting reads outside a transaction (db.read_session), where nothing may be written: it
    # answers from a task built for the occasion and leaves storing it to the router's next pass.
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        backend = ServerBackend(engine)
        backend.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
        old, _token = backend.start_chat(customer_id="c-1", text="Hello", language="en")
        with Session(engine) as db, db.begin():  # as an older database has it: no routing task
            db.execute(delete(RoutingTaskRow).where(RoutingTaskRow.conversation_id == old.id))

        (reason,) = backend.why_waiting(backend.service_principal(), old.id)

        assert reason.conversation_id == old.id and reason.available_agents == 0
        with Session(engine) as db:
            assert db.get(RoutingTaskRow, old.id) is None
    finally:
        engine.dispose()


def test_a_pass_records_where_a_waiting_task_stands(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        placed_scenario(ServerBackend(engine))
    finally:
        engine.dispose()


def test_an_offer_stamps_its_agent_as_just_offered(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        stamped_scenario(ServerBackend(engine))
    finally:
        engine.dispose()


def test_a_cooldown_is_forgotten_once_it_ended(tmp_path: Path) -> None:
    # Each declined or missed offer leaves a cooldown for its chat and agent; kept for good, they
    # added up over a day of rejections.
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        backend = ServerBackend(engine, BackendConfig(reoffer_cooldown_s=0.3, away_after_missed_offer=False))
        backend.ensure_agent(username="ada", name="Ada", password="pw", languages=("en",))
        backend.set_presence("a-ada", Presence.AVAILABLE)
        backend.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
        conv, _token = backend.start_chat(customer_id="c-1", text="Hello", language="en")
        ada = Principal(scope="agent", agent_id="a-ada", role=Role.AGENT)
        assert backend.assign_waiting() == 1
        (offer,) = backend.pending_offers(ada)
        backend.reject_offer(ada, offer.id)
        assert backend.expire_offers() == 0 and set(backend._cooldown) == {conv.id}
        assert backend.assign_waiting() == 0  # Ada declined it a moment ago
        time.sleep(0.4)
        backend.expire_offers()
        assert backend._cooldown == {}
        assert backend.assign_waiting() == 1  # and she may be offered it again
    finally:
        engine.dispose()
