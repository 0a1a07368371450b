"""Signing in with a cache written by an old release: the migration runs on the cache's writer thread
while the event loop (the window) keeps running, its steps reach the window on the GUI thread, and the
old data is still there afterwards."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

from tests.helpers.backend import Backend
from tests.helpers.desk import FAST_BACKOFF
from workstation.boot.wiring import connect
from workstation.paths import Paths
from workstation.services.session import SessionService
from workstation.store import migrate
from workstation.store.cache import SCHEMA_VERSION
from workstation.store.secrets import MemorySecretStore

OLD_CACHE = Path(__file__).parents[1] / "unit" / "store" / "data" / "cache-schema1.sqlite3"


def test_old_cache_is_migrated_off_the_gui_thread_with_progress(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    paths = Paths.under(tmp_path / "desk").create()
    shutil.copy(OLD_CACHE, paths.cache_db(backend.url, "a-demo"))
    steps: list[tuple[str, int, int]] = []
    beats = [0]

    async def login(session: SessionService) -> Any:
        return await session.login("demo", "demo", remember=False)

    async def heartbeat() -> None:  # the loop keeps turning while the cache opens
        while True:
            beats[0] += 1
            await asyncio.sleep(0)

    async def sign_in() -> Any:
        beating = asyncio.ensure_future(heartbeat())
        try:
            return await connect(
                paths,
                backend.url,
                login,
                secrets=MemorySecretStore(),
                backoff=FAST_BACKOFF,
                cache_progress=lambda step: steps.append((step, threading.get_ident(), beats[0])),
            )
        finally:
            beating.cancel()

    ws = aloop.run_until_complete(asyncio.wait_for(sign_in(), 60))
    try:
        aloop.run_until_complete(asyncio.sleep(0.05))  # the last step's hop to the loop
        assert [s for s, _, _ in steps] == [migrate.BACKUP, migrate.MIGRATE, migrate.DONE]
        assert {t for _, t, _ in steps} == {threading.get_ident()}  # told on the GUI thread
        # The loop kept turning between the backup and the end of the migration (on the GUI thread
        # the whole migration would run between two turns).
        assert steps[-1][2] > steps[0][2]
        assert ws.store.get_value("schema_version") == SCHEMA_VERSION
        assert ws.store.conversations()  # the old release's data came along
    finally:
        aloop.run_until_complete(ws.close())
