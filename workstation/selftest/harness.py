"""What every self-test shares: its temporary directory, named steps with timeouts, timings, the one
JSON line on stdout, the exit code (0, or 1 naming the step that failed), and the clean-up."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from workstation.paths import Paths

if TYPE_CHECKING:
    from workstation.boot.wiring import EmbeddedBackend, Workstation
    from workstation.ui.main_window import MainWindow

T = TypeVar("T")


class StepFailed(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


class SelfTest:
    """One run: the step it is at, the timings so far, and what to close at the end.

    The body sets `window`, `server` and `workstation` as it builds them, and adds anything else to
    close (first, before the window) with `close_first`. The backend is stopped last, also when the
    self-test failed before signing in (a signed-in workstation stops it itself; stopping is idempotent),
    so that its child process is gone before the temporary directory is removed.
    """

    def __init__(self, started: float, step_timeout: float, base: Paths) -> None:
        self.started = started
        self.step_timeout = step_timeout
        self.base = base
        self.step = "start"
        self.timings: dict[str, Any] = {}
        self.window: MainWindow | None = None
        self.workstation: Workstation | None = None
        self.server: EmbeddedBackend | None = None
        self._close_first: list[Callable[[], Awaitable[Any]]] = []

    def close_first(self, close: Callable[[], Awaitable[Any]]) -> None:
        self._close_first.append(close)

    def mark(self, name: str, since: float) -> float:
        """Record the ms since `since` as `name`; returns now, the start of the next figure."""
        now = time.perf_counter()
        self.timings[name] = round((now - since) * 1000, 1)
        return now

    async def within(self, name: str, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        """Step `name`: the awaitable's result, or StepFailed once the step's time is up."""
        self.step = name
        limit = self.step_timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(awaitable, limit)
        except TimeoutError as exc:
            raise StepFailed(name, f"nothing happened within {limit:.0f} s") from exc

    async def until(self, name: str, condition: Callable[[], object], timeout: float | None = None) -> None:
        """Step `name`: polls `condition` until it holds, or StepFailed once the step's time is up."""
        self.step = name
        limit = self.step_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while not condition():
            if time.monotonic() > deadline:
                raise StepFailed(name, f"not reached within {limit:.0f} s")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for close in self._close_first:
            await close()
        if self.window is not None:
            await self.window.shutdown()
            self.window.close()
        if self.workstation is not None:
            await self.workstation.close()
        server = self.server
        if server is not None:
            await asyncio.get_running_loop().run_in_executor(None, server.stop)


async def run_self_test(
    started: float,
    body: Callable[[SelfTest], Awaitable[dict[str, Any]]],
    *,
    step_timeout: float,
) -> int:
    """Run `body` in a fresh temporary base directory; print one JSON line; 0 if it passed, else 1.

    `body` returns what the report adds besides the timings (e.g. the role, counts).
    """
    base = Paths.under(Path(tempfile.mkdtemp(prefix="workstation-selftest-"))).create()
    test = SelfTest(started, step_timeout, base)
    try:
        extra = await body(test)
        test.timings["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        print(json.dumps({"self_test": "ok", **extra, **test.timings}), flush=True)
        return 0
    except StepFailed as exc:
        return _fail(exc.step, exc.reason, test.timings)
    except Exception as exc:
        return _fail(test.step, f"{type(exc).__name__}: {exc}", test.timings)
    finally:
        await test.close()
        # The temporary directory is the self-test's own: leave nothing behind.
        shutil.rmtree(base.data.parent, ignore_errors=True)


def _fail(step: str, reason: str, timings: dict[str, Any]) -> int:
    print(json.dumps({"self_test": "failed", "step": step, "reason": reason, **timings}), flush=True)
    print(f"self-test failed at step '{step}': {reason}", file=sys.stderr, flush=True)
    return 1
