"""`main.py --role teamlead --self-test`: the queue monitor, headless, against the embedded backend.

The backend simulates a contact-centre day; the demo team lead signs in; the monitor must receive
live statistics for every configured queue over its push stream and a chart must draw them. One
JSON line of timings on stdout; exit 0, or 1 naming the step that failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workstation.selftest import StepFailed, _fail

STEP_TIMEOUT = 30.0


async def run_monitor_self_test(args: argparse.Namespace, started: float) -> int:
    from workstation.app import DEMO_TEAMLEAD, Workstation, attach, connect, start_embedded_backend
    from workstation.paths import Paths
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier

    timings: dict[str, Any] = {}
    step = "start"
    base: Paths | None = None
    window: MainWindow | None = None
    workstation: Workstation | None = None
    loop = asyncio.get_running_loop()

    async def until(name: str, condition: Callable[[], object], timeout: float = STEP_TIMEOUT) -> None:
        nonlocal step
        step = name
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise StepFailed(name, f"not reached within {timeout:.0f} s")
            await asyncio.sleep(0.05)

    def mark(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round((now - since) * 1000, 1)
        return now

    try:
        step = "create a temporary base directory"
        base = Paths.under(Path(tempfile.mkdtemp(prefix="workstation-selftest-"))).create()
        step = "show window"
        window = MainWindow(sound=False, popup=False)
        window.show()
        t = mark("window_shown_ms", started)

        step = "start embedded backend with a simulated day"
        server = await asyncio.wait_for(
            loop.run_in_executor(
                None,
                lambda: start_embedded_backend(
                    base, offer_timeout=30, chat_interval=0, seed=7, simulate_day=True, day_length_s=300
                ),
            ),
            STEP_TIMEOUT,
        )
        t = mark("backend_ready_ms", t)

        step = "sign in as the team lead"
        password = os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo")

        async def login(session: Any) -> Any:
            return await session.login(DEMO_TEAMLEAD, password, remember=False)

        workstation = await asyncio.wait_for(
            connect(base, server.url, login, secrets=None, server=server), 20
        )
        attach(window, workstation, Notifier(window, base.cache, sound=False, popup=False))
        monitor = workstation.monitor
        view = getattr(window, "monitor_view", None)
        if monitor is None or view is None:
            raise StepFailed(step, "the team lead's window has no queue monitor")
        t = mark("login_ms", t)

        step = "read the configured queues"
        assert server.backend is not None
        configured = server.call(lambda: [q.id for q in server.backend._router.config.queues])

        def every_queue_live() -> bool:
            snap = monitor.snapshot
            return (
                snap is not None
                and not monitor.stale
                and monitor.frames >= 2  # the snapshot and at least one live update after it
                and [q.queue_id for q in snap.queues] == configured
            )

        await until("live statistics for every queue", every_queue_live)
        t = mark("live_stats_ms", t)

        step = "chart every queue"
        snap = monitor.snapshot
        assert snap is not None
        view.charts.show_queues([(q.queue_id, q.name) for q in snap.queues])
        painted = view.charts.canvas.paints
        await until(
            "a chart drew the statistics",
            lambda: view.charts.drawn_points() >= 2 * len(configured) and view.charts.canvas.paints > painted,
        )
        t = mark("chart_drawn_ms", t)

        step = "the roster lists the simulated agents"
        await until(step, lambda: view.roster_model.rowCount() >= 4)
        timings["queues"] = len(configured)
        timings["agents"] = view.roster_model.rowCount()
        timings["paint_ms_median"] = round(
            sorted(view.charts.canvas.paint_ms)[len(view.charts.canvas.paint_ms) // 2], 2
        )
        timings["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        print(json.dumps({"self_test": "ok", "role": "teamlead", **timings}), flush=True)
        return 0
    except StepFailed as exc:
        return _fail(exc.step, exc.reason, timings)
    except Exception as exc:
        return _fail(step, f"{type(exc).__name__}: {exc}", timings)
    finally:
        if window is not None:
            await window.shutdown()
            window.close()
        if workstation is not None:
            await workstation.close()
        if base is not None:
            shutil.rmtree(base.data.parent, ignore_errors=True)
