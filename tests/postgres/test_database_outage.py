"""The backend while its PostgreSQL is down: requests are told to try again, and work once it is back."""

from __future__ import annotations

import pytest

from tests.helpers.backend import Backend
from tests.postgres.pg_server import PostgresServer

pytestmark = pytest.mark.postgres


def test_a_request_while_postgresql_is_down_gets_503_and_the_next_after_it_works(
    backend: Backend, postgres_server: PostgresServer
) -> None:
    # Found in the fault soak's backend logs: during a PostgreSQL restart requests ended in
    # "Exception in ASGI application" and a 500, which a chat platform need not retry.
    backend.start_chat()

    def open_chat() -> int:
        response = backend.http.post(
            "/api/v1/customer/chats",
            json={"customer_id": "c-1", "text": "Is anyone there?"},
            headers={"Authorization": f"Bearer {backend.service_token}"},
        )
        if response.status_code == 503:
            assert response.json()["error"]["code"] == "database_unavailable"
            assert response.headers["Retry-After"] == "1"
        return response.status_code

    with postgres_server.stopped():
        assert open_chat() == 503
    # The backend reconnects on its own: a request after the restart is served.
    assert backend.wait_for(lambda: open_chat() == 201)
