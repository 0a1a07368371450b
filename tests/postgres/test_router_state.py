"""The router's in-memory state follows what other processes change in the shared database.

Two Backend objects on one PostgreSQL database stand for two processes: `router` runs the routing
passes (as the lock holder would), `other` takes the agents' and team leads' requests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.test_routing import attributes_scenario, expiry_scenario, placed_scenario, stamped_scenario
from workstation.domain.models import Customer, Presence, Role
from workstation.server.backend import Backend, BackendConfig, Principal
from workstation.server.db import make_engine
from workstation.server.router_lease import SharedRouterState

pytestmark = pytest.mark.postgres

LEAD = Principal(scope="agent", agent_id="a-lead", role=Role.TEAMLEAD)


@pytest.fixture
def pair(pg_url: str) -> Iterator[tuple[Backend, Backend]]:
    engines = [make_engine(pg_url), make_engine(pg_url)]
    router, other = (Backend(engine, BackendConfig(reoffer_cooldown_s=600)) for engine in engines)
    other.ensure_agent(username="ada", name="Ada", password="pw", languages=("en",))
    other.ensure_agent(username="lead", name="Lead", password="pw", role=Role.TEAMLEAD)
    other.upsert_customer(Customer(id="c-1", name="Pat", language="en"))
    try:
        yield router, other
    finally:
        for engine in engines:
            engine.dispose()


def test_an_agent_who_declined_through_another_process_is_not_offered_the_chat_again(
    pair: tuple[Backend, Backend],
) -> None:
    router, other = pair
    shared = SharedRouterState(router)
    ada = Principal(scope="agent", agent_id="a-ada", role=Role.AGENT)
    other.set_presence("a-ada", Presence.AVAILABLE)
    conv, _token = other.start_chat(customer_id="c-1", text="Hello", language="en")
    shared.refresh()
    assert router.assign_waiting() == 1
    (offer,) = other.pending_offers(ada)
    other.reject_offer(ada, offer.id)
    shared.refresh()
    assert router.assign_waiting() == 0  # Ada declined it: the chat waits for someone else
    assert other.pending_offers(ada) == []
    assert other.get_conversation(LEAD, conv.id).state.value == "queued"


def test_a_routing_configuration_saved_through_another_process_is_routed_with(
    pair: tuple[Backend, Backend],
) -> None:
    router, other = pair
    shared = SharedRouterState(router)
    shared.refresh()
    config = other.routing_config(LEAD).model_dump(mode="json")
    config["queues"] = [q for q in config["queues"] if q["id"] != "senior"]
    for flt in config["workflow"]["filters"]:
        flt["steps"] = [s for s in flt["steps"] if s["queue"] != "senior"] or [{"queue": "everyone"}]
    saved = other.replace_routing_config(LEAD, config)
    assert router.routing_config(LEAD) != saved
    shared.refresh()
    assert router.routing_config(LEAD) == saved


def test_an_offer_stamps_its_agent_as_just_offered_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        stamped_scenario(Backend(engine, BackendConfig()))
    finally:
        engine.dispose()


def test_a_pass_records_where_a_waiting_task_stands_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        placed_scenario(Backend(engine, BackendConfig()))
    finally:
        engine.dispose()


def test_an_offer_times_out_when_due_and_not_before_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        expiry_scenario(Backend(engine, BackendConfig(offer_timeout_s=0.5)))
    finally:
        engine.dispose()


def test_an_agents_attributes_changed_through_another_process_count_from_the_next_pass(pg_url: str) -> None:
    engines = [make_engine(pg_url), make_engine(pg_url)]
    try:
        router, other = (Backend(engine, BackendConfig()) for engine in engines)
        attributes_scenario(router, other)
    finally:
        for engine in engines:
            engine.dispose()
