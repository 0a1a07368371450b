"""A real reference backend with BackendConfig overrides, for the security tests that need them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers.backend import Backend, seed, start_server


@contextmanager
def backend_with(data_dir: Path, **config: Any) -> Iterator[Backend]:
    server = start_server(data_dir, **config)
    seed(server, events_per_customer=3)
    helper = Backend(server)
    try:
        yield helper
    finally:
        helper.http.close()
        server.stop()
