"""`main.py --role teamlead --self-test`: the queue monitor, headless, against the embedded backend
(a child process, as the app runs it; reached only over HTTP).

The backend simulates a contact-centre day; the demo team lead signs in; the monitor must receive
live statistics for every configured queue over its push stream and a chart must draw them. One
JSON line of timings on stdout; exit 0, or 1 naming the step that failed.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from workstation.selftest.harness import SelfTest, StepFailed, run_self_test

#: Starting the backend imports and creates everything (web server, database, seed data): on a busy
#: machine, or the first start of a frozen build with a cold disk cache, that takes far longer than a step.
BACKEND_START_TIMEOUT = 90.0
STEP_TIMEOUT = 30.0
SIGN_IN_TIMEOUT = 20.0


async def run_team_lead_self_test(started: float) -> int:
    return await run_self_test(started, _monitor, step_timeout=STEP_TIMEOUT)


async def _monitor(test: SelfTest) -> dict[str, Any]:
    from workstation.boot.wiring import DEMO_TEAMLEAD, attach, connect, start_embedded_backend
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier

    base = test.base
    test.step = "show window"
    window = test.window = MainWindow(sound=False, popup=False)
    window.show()
    t = test.mark("window_shown_ms", test.started)

    server = test.server = await test.within(
        "start embedded backend with a simulated day",
        asyncio.get_running_loop().run_in_executor(
            None,
            lambda: start_embedded_backend(
                base, offer_timeout=30, chat_interval=0, seed=7, simulate_day=True, day_length_s=300
            ),
        ),
        timeout=BACKEND_START_TIMEOUT,
    )
    t = test.mark("backend_ready_ms", t)

    password = os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo")

    async def login(session: Any) -> Any:
        return await session.login(DEMO_TEAMLEAD, password, remember=False)

    step = "sign in as the team lead"
    workstation = test.workstation = await test.within(
        step, connect(base, server.url, login, secrets=None, server=server), timeout=SIGN_IN_TIMEOUT
    )
    attach(window, workstation, Notifier(window, base.cache, sound=False, popup=False))
    monitor = workstation.monitor
    view = window.monitor_view
    if monitor is None or view is None:
        raise StepFailed(step, "the team lead's window has no queue monitor")
    t = test.mark("login_ms", t)

    configured = [
        q.id
        for q in (await test.within("read the configured queues", workstation.api.routing_config())).queues
    ]

    def every_queue_live() -> bool:
        snap = monitor.snapshot
        return (
            snap is not None
            and not monitor.stale
            and monitor.frames >= 2  # the snapshot and at least one live update after it
            and [q.queue_id for q in snap.queues] == configured
        )

    await test.until("live statistics for every queue", every_queue_live)
    t = test.mark("live_stats_ms", t)

    test.step = "chart every queue"
    snap = monitor.snapshot
    assert snap is not None
    view.charts.show_queues([(q.queue_id, q.name) for q in snap.queues])
    painted = view.charts.canvas.paints
    await test.until(
        "a chart drew the statistics",
        lambda: view.charts.drawn_points() >= 2 * len(configured) and view.charts.canvas.paints > painted,
    )
    t = test.mark("chart_drawn_ms", t)

    await test.until("the roster lists the simulated agents", lambda: view.roster_model.rowCount() >= 4)
    paint_ms = sorted(view.charts.canvas.paint_ms)
    return {
        "role": "teamlead",
        "queues": len(configured),
        "agents": view.roster_model.rowCount(),
        "paint_ms_median": round(paint_ms[len(paint_ms) // 2], 2),
    }
