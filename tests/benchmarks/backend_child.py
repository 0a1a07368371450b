"""The desktop benchmarks' backend, in its own process as the app's embedded backend is (server/process.py).

    python -m tests.benchmarks.backend_child prepare DATA_DIR EVENTS_PER_CUSTOMER MAX_CHATS
        seeds the database (the test customers and their history, the demo agent's chat capacity)
        and prints a service token on stdout (for the customers' chats), then exits;
    python -m tests.benchmarks.backend_child serve DATA_DIR
        serves that database on a free loopback port with ServerProcess's protocol (READY <url>,
        exit when stdin closes).

Its configuration is the tests' `start_server` one (no simulator, a fast router tick) with the customer
rate limit lifted: the stall benchmark floods chats on purpose. Nothing of the backend is imported into
the desktop's process, so the memory benchmark measures the desktop alone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.helpers.backend import seed_customers
from workstation.server.backend import Backend, BackendConfig
from workstation.server.runner import ServerOptions, bind_socket, build, dispose_when_idle, uvicorn_config


def options(data_dir: Path) -> ServerOptions:
    return ServerOptions(
        data_dir=data_dir,
        simulator=None,
        backend=BackendConfig(
            offer_timeout_s=60,
            reoffer_cooldown_s=60,
            router_tick_s=0.05,
            customer_burst=10**6,
            customer_messages_per_minute=10**6,
        ),
    )


def prepare(data_dir: Path, events_per_customer: int, max_chats: int) -> str:
    backend, _app, _simulator = build(options(data_dir))
    seed_customers(backend, events_per_customer)
    if max_chats != 3:  # the demo routing's own capacity otherwise
        set_max_chats(backend, "a-demo", max_chats)
    token = backend.issue_token(backend.service_principal())
    dispose_when_idle(backend.engine)
    return token


def set_max_chats(backend: Backend, agent_id: str, count: int) -> None:
    """Raise the agent's chat capacity the way the router reads it: its routing row (seeded from the
    demo routing configuration), keeping its attributes; the agent row's max_chats alone is ignored
    once a routing row exists (why this benchmark timed out waiting for the 4th offer)."""
    from sqlalchemy.orm import Session

    from workstation.domain.workflow import AgentRouting
    from workstation.server.db import AgentRoutingRow

    with Session(backend.engine) as db:
        current = db.get(AgentRoutingRow, agent_id)
        attributes: dict[str, Any] = dict(current.attributes) if current is not None else {}
        capacity = {**(current.capacity if current is not None else {}), "chat": count}
    backend.set_agent_routing(None, agent_id, AgentRouting(attributes=attributes, capacity=capacity))


def serve(data_dir: Path) -> None:
    import uvicorn

    from workstation.server.process import serve_embedded

    _backend, app, _simulator = build(options(data_dir))
    sock = bind_socket("127.0.0.1", 0)
    serve_embedded(uvicorn.Server(uvicorn_config(app)), sock, f"http://127.0.0.1:{sock.getsockname()[1]}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        print(prepare(Path(argv[1]), int(argv[2]), int(argv[3])), flush=True)
        return 0
    if argv[:1] == ["serve"]:
        serve(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
