"""Benchmarks of cobrowse: customer DOM change → agent view updated, relay throughput, agent memory.

    .venv/bin/python tests/benchmarks/bench_cobrowse.py [--quick]

1. Latency: Chromium (Debian's, through Playwright) is the customer on the demo shop, sharing the
   page; every 100 ms its page changes a heading ("tick N"), noting Date.now(). The agent side is
   the desktop's own relay client (workstation.client.cobrowse) feeding its live view
   (workstation.ui.cobrowse_live, QtWebEngine offscreen) on a qasync loop, as in the app; a
   MutationObserver in the replayed page notes Date.now() when "tick N" appears. Both clocks are
   this machine's wall clock. Everything is on loopback, the backend in its own thread as embedded.
2. Relay throughput: one busy page (a customer connection sending batches of 50 rrweb mutation
   events as fast as the relay passes them on, at most 20 batches in flight) to one agent
   connection: events/s delivered, and how many the relay dropped (it drops what an agent cannot
   take and asks the page for a fresh snapshot instead).
3. Memory of the agent process with one active session: resident set size of this process and of
   the QtWebEngine processes it started, after the latency run.

Prints medians and p95s; measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

from tests.benchmarks.stats import row  # noqa: E402
from tests.helpers.backend import Backend, seed, start_server  # noqa: E402
from workstation.boot.qt import allow_lazy_webengine, prepare_webengine_environment  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

OBSERVER = """
window.__seen = window.__seen || {};
(function attach() {
  const frame = document.querySelector('#stage iframe');
  const doc = frame && frame.contentDocument;
  if (doc && !doc.__benchObserver) {
    doc.__benchObserver = new MutationObserver(() => {
      const h = doc.querySelector('h1');
      const m = h && /tick (\\d+)/.exec(h.textContent);
      if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = Date.now();
    });
    doc.__benchObserver.observe(doc, {subtree: true, childList: true, characterData: true});
  }
  setTimeout(attach, 20);
})();
"""


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    result, frontier = [], [pid]
    while frontier:
        kids = children(frontier.pop())
        result += kids
        frontier += kids
    return result


def share_session(
    backend: Backend, pool: ThreadPoolExecutor, page_box: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """Customer on the shop with a chat; the agent accepts and invites; the customer consents."""
    shop = backend.url + "/shop"
    agent = backend.login("demo")
    backend.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)

    def customer() -> None:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 720})
        page_box.update(pw=pw, browser=browser, page=page)
        page.goto(shop + "/account")
        page.click("button[data-customer='c-1']")
        page.wait_for_selector("text=Your account")
        page.goto(shop + "/p/desk-lamp-aura")
        page.click("#chat-open")
        page.fill("#chat-text", "Help")
        page.press("#chat-text", "Enter")
        page.wait_for_selector("text=Waiting for an agent")

    pool.submit(customer).result(timeout=60)
    offers = backend.wait_for(lambda: backend.offers(agent))
    conv = backend.http.post(f"/api/v1/offers/{offers[0]['id']}/accept", headers=agent).json()
    backend.wait_for(
        lambda: backend.http.get(f"/api/v1/conversations/{conv['id']}/cobrowse", headers=agent).json()[
            "available"
        ]
    )
    session = backend.http.post(f"/api/v1/conversations/{conv['id']}/cobrowse", headers=agent).json()
    pool.submit(lambda: page_box["page"].click("#cobrowse-accept")).result(timeout=30)
    return session["id"], agent


def latency(backend: Backend, ticks: int) -> dict[str, Any]:
    allow_lazy_webengine()
    prepare_webengine_environment()
    import qasync
    from PySide6.QtWidgets import QApplication

    from workstation.client.cobrowse import RelayConnection
    from workstation.ui.cobrowse_live import LiveReplay, replay_html

    app = QApplication.instance() or QApplication([])
    pool = ThreadPoolExecutor(max_workers=1)
    box: dict[str, Any] = {}
    session_id, agent = share_session(backend, pool, box)
    token = agent["Authorization"][7:]
    rss_before_view = rss_kb(os.getpid())
    live = LiveReplay(replay_html(), backend.url)
    live.resize(1100, 720)
    live.show()
    result: dict[str, Any] = {}

    async def run() -> None:
        while not live.is_ready:
            await asyncio.sleep(0.02)
        relay = await RelayConnection.open(backend.url, session_id, token)

        async def pump() -> None:
            async for frame in relay.frames():
                if frame.kind == "events":
                    live.add_events(frame.events)

        pumping = asyncio.ensure_future(pump())
        live.evaluate(OBSERVER, lambda _r: None)
        await asyncio.sleep(2.0)  # the first snapshot arrives and renders
        page = box["page"]
        sent: dict[int, float] = {}
        for i in range(ticks):
            t = await asyncio.get_running_loop().run_in_executor(
                pool,
                lambda i=i: page.evaluate(
                    "(() => { document.querySelector('h1').textContent = "
                    f"'tick {i}'; return Date.now(); }})()"
                ),
            )
            sent[i] = float(t)
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        seen: list[str] = []
        live.evaluate("JSON.stringify(window.__seen)", lambda r: seen.append(str(r)))
        while not seen:
            await asyncio.sleep(0.02)
        got = {int(k): float(v) for k, v in json.loads(seen[0]).items()}
        result["latencies"] = [got[i] - sent[i] for i in sent if i in got]
        result["missed"] = len(sent) - len(result["latencies"])
        result["rss_self_kb"] = rss_kb(os.getpid())
        result["rss_children_kb"] = sum(
            rss_kb(p) for p in descendants(os.getpid()) if "QtWebEngineProcess" in _cmd(p)
        )
        result["rss_before_view_kb"] = rss_before_view
        pumping.cancel()
        await relay.close()

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run())
    pool.submit(lambda: (box["browser"].close(), box["pw"].stop())).result(timeout=30)
    pool.shutdown()
    live.close()
    return result


def _cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def throughput(backend: Backend, seconds: float) -> tuple[float, int]:
    """Events/s from one busy page through the relay to the agent (both ends as plain clients)."""
    from websockets.sync.client import connect

    agent = backend.login("demo")
    chat = backend.start_chat("c-2", "busy page")
    conv_id = chat["conversation"]["id"]
    offers = backend.wait_for(lambda: [o for o in backend.offers(agent) if o["conversation_id"] == conv_id])
    backend.http.post(f"/api/v1/offers/{offers[0]['id']}/accept", headers=agent)
    ws_base = backend.url.replace("http://", "ws://")
    with connect(f"{ws_base}/api/v1/customer/chats/{conv_id}/live", max_size=2**24) as page:
        page.send(json.dumps({"token": chat["customer_token"]}))
        page.recv(timeout=5)
        backend.wait_for(
            lambda: backend.http.get(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent).json()[
                "available"
            ]
        )
        session = backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent).json()
        backend.http.post(
            f"/api/v1/customer/chats/{conv_id}/cobrowse/{session['id']}/accept",
            headers={"Authorization": f"Bearer {chat['customer_token']}"},
        )
        doc = {
            "type": 0,
            "id": 1,
            "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": []}],
        }
        page.send(
            json.dumps(
                {
                    "kind": "events",
                    "session_id": session["id"],
                    "events": [
                        {
                            "type": 4,
                            "timestamp": 1,
                            "data": {"href": "http://shop/x", "width": 1000, "height": 700},
                        },
                        {
                            "type": 2,
                            "timestamp": 1,
                            "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}},
                        },
                    ],
                }
            )
        )
        received = 0
        done = threading.Event()

        def agent_side() -> None:
            nonlocal received
            with connect(
                f"{ws_base}/api/v1/cobrowse/{session['id']}/relay", additional_headers=agent, max_size=2**24
            ) as view:
                while not done.is_set():
                    try:
                        frame = json.loads(view.recv(timeout=0.5))
                    except TimeoutError:
                        continue
                    if frame["kind"] == "events":
                        received += len(frame["events"])

        thread = threading.Thread(target=agent_side)
        thread.start()
        time.sleep(1.0)
        received = 0
        batch = [
            {
                "type": 3,
                "timestamp": 1,
                "data": {
                    "source": 0,
                    "texts": [{"id": 2, "value": f"row {i} " * 8}],
                    "attributes": [{"id": 2, "attributes": {"class": f"c{i}"}}],
                    "removes": [],
                    "adds": [],
                },
            }
            for i in range(50)
        ]
        text = json.dumps({"kind": "events", "session_id": session["id"], "events": batch})
        start = time.perf_counter()
        sent = 0
        while time.perf_counter() - start < seconds:
            # A page cannot outrun its own network for long: at most 20 batches in flight.
            while sent - received > 20 * len(batch) and time.perf_counter() - start < seconds + 5:
                time.sleep(0.0005)
            page.send(text)
            sent += len(batch)
        # wait for the tail to arrive
        deadline = time.perf_counter() + 10
        while received < sent and time.perf_counter() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        done.set()
        thread.join()
    return received / elapsed, sent - received


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer ticks, shorter load")
    args = parser.parse_args()
    ticks, seconds = (20, 3.0) if args.quick else (200, 15.0)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "backend")
        seed(server)
        backend = Backend(server)
        try:
            print(f"Cobrowse benchmark ({'quick' if args.quick else 'full'}), backend on {backend.url}")
            result = latency(backend, ticks)
            row("customer DOM change → agent view updated", result["latencies"], "p95 ≤ 250 ms")
            print(
                f"  ({result['missed']} of {ticks} changes not seen: superseded by the next before rendering)"
            )
            rate, lost = throughput(backend, seconds)
            print(
                f"  relay throughput, one busy page → one agent         {rate:,.0f} events/s"
                f"  (undelivered: {lost})"
            )
            mb = 1024
            print(
                f"  agent process memory, one active session          {result['rss_self_kb'] / mb:.0f} MB "
                f"(before the live view {result['rss_before_view_kb'] / mb:.0f} MB) "
                f"+ QtWebEngine processes {result['rss_children_kb'] / mb:.0f} MB"
            )
        finally:
            backend.http.close()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
