"""Our own API against its own OpenAPI document: schemathesis reads /openapi.json of the real backend
(a real HTTP server on loopback) and sends schema-valid and schema-invalid requests to every
operation, as an agent and as a team lead. Every answer must be documented there (status code, body,
headers) and no request may provoke a server error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.helpers.backend import seed, start_server
from workstation.server.runner import ServerOptions, ServerThread, build

pytestmark = pytest.mark.contract

#: Examples per operation and role: enough to reach every documented branch of the small bodies
#: (and the negative cases schemathesis derives), few enough that this module stays around two
#: minutes on a shared 2-core CI machine.
MAX_EXAMPLES = 12

#: Not testable this way, each with its reason:
EXCLUDED_PATHS = (
    # Logout revokes the very token the rest of the run authenticates with; test_auth covers it.
    "/api/v1/auth/logout",
    # Login is rate-limited per account and source on purpose (LoginGuard): a fuzzer's wrong
    # passwords would lock the demo accounts the run signs in with; tests/security cover it.
    "/api/v1/auth/login",
)


#: Operations whose bodies the backend checks beyond what a schema can state, so that a schema-valid
#: body may rightly be refused (422 with every problem named); only "valid data is accepted" is not
#: checked for them, every other check (documented codes, bodies, negative data refused) still is:
SEMANTIC_BODIES = {
    # routing expressions are parsed and type-checked, queues and skills cross-referenced
    ("PUT", "/api/v1/routing/config"),
    # the queue named must be one the running routing configuration has
    ("POST", "/api/v1/monitor/tasks/{conversation_id}/move"),
    # free-form events from outside systems, each checked on its own (all refused: 422)
    ("POST", "/api/v1/events"),
    # editable fields: e-mail and phone formats, no control characters (records._validate_fields)
    ("PATCH", "/api/v1/customers/{customer_id}"),
    # the query counts once trimmed: "  a " is a string of four but a search for one character (422)
    ("GET", "/api/v1/customer-search"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = start_server(Path(tmp_path_factory.mktemp("own-api")))
    seed(server)
    try:
        yield server
    finally:
        server.stop()


def _token(server: ServerThread, username: str) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"username": username, "password": "demo"}, trust_env=False
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _document() -> dict[str, Any]:
    """The OpenAPI document of the backend as built by the server's own code (in memory, at collection
    time: schemathesis needs the operations before the server runs); test_the_served_document_is_
    the_one_tested checks the running server serves exactly this."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _backend, app, _sim = build(ServerOptions(data_dir=Path(tmp), db_url="sqlite://", simulator=None))
        return dict(app.openapi())


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(path=list(EXCLUDED_PATHS))

_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def tokens(server: ServerThread) -> dict[str, str]:
    return {"agent": _token(server, "demo"), "lead": _token(server, "lead")}


def _call(case: Any, server: ServerThread, token: str) -> None:
    key = (case.headers or {}).get("Idempotency-Key")
    if key is not None and 8 <= len(key) <= 128:
        # A key names one request (the document says so); the generator reuses the same few
        # strings across different bodies, which the backend rightly refuses (422). A fresh key per
        # valid case; invalid keys are sent as generated.
        case.headers["Idempotency-Key"] = f"st-{uuid.uuid4().hex}"
    excluded = [positive_data_acceptance] if (case.method, case.path) in SEMANTIC_BODIES else []
    case.call_and_validate(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded
    )


@schema.parametrize()
@_SETTINGS
def test_every_operation_answers_as_documented_to_an_agent(
    case: Any, server: ServerThread, tokens: dict[str, str]
) -> None:
    _call(case, server, tokens["agent"])


@schema.parametrize()
@_SETTINGS
def test_every_operation_answers_as_documented_to_a_team_lead(
    case: Any, server: ServerThread, tokens: dict[str, str]
) -> None:
    _call(case, server, tokens["lead"])


def test_the_served_document_is_the_one_tested(server: ServerThread) -> None:
    served = httpx.get(f"{server.url}/openapi.json", trust_env=False)
    assert served.status_code == 200
    assert served.json() == DOCUMENT
