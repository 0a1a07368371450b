"""The reference backend for tests: a real server on a free loopback port, seeded with customers, and
helpers to act as agents and customers over HTTP. No Qt: the domain and server tests use it too."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from workstation.client.events import Backoff
from workstation.domain.models import Customer, TimelineEvent, utcnow
from workstation.server.backend import Backend as ServerBackend
from workstation.server.backend import BackendConfig
from workstation.server.runner import ServerOptions, ServerThread

CUSTOMERS = (
    Customer(id="c-1", name="Jana Kowalski", language="de", value_tier="gold", clv=3400.0),
    Customer(id="c-2", name="Oliver Bennett", language="en", value_tier="silver", clv=900.0),
    Customer(id="c-3", name="Lukas Schäfer", language="de", value_tier="bronze", clv=120.0),
)

#: Reconnect quickly in tests. Here, not in tests.helpers.desk: that imports pytest, which the
#: desktop never loads and the memory benchmark (desk_harness) would otherwise count (~18 MB).
FAST_BACKOFF = Backoff(initial=0.05, maximum=0.3)


def seed_customers(backend: ServerBackend, events_per_customer: int = 25) -> None:
    """The test customers, each with a history of `events_per_customer` events an hour apart."""
    now = utcnow()
    for customer in CUSTOMERS:
        backend.upsert_customer(customer)
        backend.add_customer_events(
            [
                TimelineEvent(
                    id=f"{customer.id}-e{i}",
                    customer_id=customer.id,
                    at=now - timedelta(hours=i),
                    channel=("web", "shop", "phone", "email")[i % 4],
                    kind=("page_view", "order_placed", "contact", "contact")[i % 4],
                    summary=f"Event {i} of {customer.name}",
                    data={},
                )
                for i in range(events_per_customer)
            ],
            push=False,
        )


def seed(server: ServerThread, events_per_customer: int = 25) -> None:
    backend = server.backend
    assert backend is not None
    server.call(lambda: seed_customers(backend, events_per_customer))


class Backend:
    """A running reference backend plus helpers to act as agents and customers over HTTP."""

    def __init__(self, server: ServerThread) -> None:
        self.server = server
        self.url = server.url
        self.http = httpx.Client(base_url=self.url, trust_env=False, timeout=10)
        backend = server.backend
        assert backend is not None
        self.service_token = server.call(lambda: backend.issue_token(backend.service_principal()))

    def login(self, username: str, password: str = "demo") -> dict[str, str]:
        response = self.http.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def start_chat(
        self, customer_id: str = "c-1", text: str = "Hallo, wo ist mein Paket?", **extra: Any
    ) -> dict[str, Any]:
        response = self.http.post(
            "/api/v1/customer/chats",
            json={"customer_id": customer_id, "text": text, **extra},
            headers={"Authorization": f"Bearer {self.service_token}"},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def customer_says(self, chat: dict[str, Any], text: str) -> None:
        response = self.http.post(
            f"/api/v1/customer/chats/{chat['conversation']['id']}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {chat['customer_token']}"},
        )
        assert response.status_code == 201, response.text

    def transcript(self, chat: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.http.get(
            f"/api/v1/customer/chats/{chat['conversation']['id']}/messages",
            headers={"Authorization": f"Bearer {chat['customer_token']}"},
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    def wait_for(self, probe: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Poll `probe` until it returns something truthy (the backend routes asynchronously)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = probe()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"condition not met within {timeout} s")

    def accepted_chat(
        self, username: str = "demo", customer_id: str = "c-1"
    ) -> tuple[dict[str, str], dict[str, Any], str]:
        """`username` goes Available and accepts a new chat of the customer: (their headers, the
        chat as the customer holds it, the conversation id)."""
        agent = self.login(username)
        response = self.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
        assert response.status_code == 200, response.text
        chat = self.start_chat(customer_id)
        (offer,) = self.wait_for(lambda: self.offers(agent))
        conv = self.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
        assert conv.status_code == 200, conv.text
        return agent, chat, conv.json()["id"]

    def offers(self, headers: dict[str, str]) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/offers", headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json())


def start_server(
    data_dir: Path,
    *,
    offer_timeout: float = 30.0,
    port: int = 0,
    db_url: str | None = None,
    **config: Any,
) -> ServerThread:
    """`config`: more BackendConfig fields (a customer rate limit, the after-wrap-up window...);
    `db_url`: another database than the SQLite file in `data_dir` (PostgreSQL tests)."""
    server = ServerThread(
        ServerOptions(
            data_dir=data_dir,
            port=port,
            db_url=db_url,
            simulator=None,
            backend=BackendConfig(
                offer_timeout_s=offer_timeout, reoffer_cooldown_s=60, router_tick_s=0.05, **config
            ),
        )
    )
    server.start()
    return server


@contextmanager
def serving(server: ServerThread, *, events_per_customer: int = 25) -> Iterator[Backend]:
    """A started server, seeded, as a test's `Backend`; its client closed and the server stopped after."""
    seed(server, events_per_customer=events_per_customer)
    helper = Backend(server)
    try:
        yield helper
    finally:
        helper.http.close()
        server.stop()


@contextmanager
def backend_with(data_dir: Path, *, events_per_customer: int = 3, **config: Any) -> Iterator[Backend]:
    """A real reference backend with overrides of start_server's (BackendConfig, voice, ...), seeded,
    for the tests that need other settings than the `backend` fixture's."""
    with serving(start_server(data_dir, **config), events_per_customer=events_per_customer) as helper:
        yield helper
