"""The agent's live cobrowse view never fetches what the customer's page names.

A hostile tester replayed a page whose images, style sheet and iframe pointed at a server of
theirs: the agent's desktop fetched them all (a tracking pixel that tells when and from where the
agent looked, and a way to make the agent's machine request internal addresses).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

pytestmark = [pytest.mark.security, pytest.mark.gui]


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        body = b"body { background: red; }" if self.path.endswith(".css") else b"x"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def third_party() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server standing in for whatever a replayed page points at."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.requests  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _page(origin: str) -> list[dict[str, Any]]:
    def el(i: int, tag: str, kids: list[Any] | None = None, **attrs: Any) -> dict[str, Any]:
        return {"type": 2, "id": i, "tagName": tag, "attributes": attrs, "childNodes": kids or []}

    head = el(3, "head", [el(20, "link", rel="stylesheet", href=f"{origin}/style.css")])
    body = el(
        4,
        "body",
        [
            el(5, "h1", [{"type": 3, "id": 6, "textContent": "Tracked page"}]),
            el(7, "img", src=f"{origin}/pixel.png", width="10", height="10"),
            el(8, "div", style=f"background-image: url('{origin}/background.png'); height: 20px"),
            el(9, "iframe", src=f"{origin}/frame.html"),
        ],
    )
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", [head, body])]}
    now = time.time() * 1000
    return [
        {"type": 4, "timestamp": now, "data": {"href": f"{origin}/shop/", "width": 900, "height": 600}},
        {"type": 2, "timestamp": now, "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}}},
    ]


IMAGE_SETTLED = """(() => {
  const frame = document.querySelector('#stage iframe');
  const img = frame && frame.contentDocument && frame.contentDocument.querySelector('img');
  return !!img && img.complete;
})()"""


@contextmanager
def _replay(qtbot: QtBot, html: str, origin: str) -> Iterator[Any]:
    """A live view that replayed `_page(origin)`, once the page's image has loaded or failed."""
    from workstation.ui.cobrowse_live import LiveReplay

    live = LiveReplay(html, origin)  # the base it is given (the backend) does not make it "own"
    live.resize(900, 600)
    live.show()
    qtbot.waitUntil(lambda: live.is_ready, timeout=40_000)
    live.add_events(_page(origin))
    answers: list[Any] = []

    def probe(script: str, expected: Any) -> Any:
        def check() -> bool:
            live.evaluate(script, answers.append)
            return bool(answers) and expected(answers[-1])

        return check

    qtbot.waitUntil(probe("cobrowse.contents()", lambda r: "Tracked page" in str(r)), timeout=20_000)
    # The image's fetch has been tried (loaded or refused) before anything is asserted.
    qtbot.waitUntil(probe(IMAGE_SETTLED, lambda r: r is True), timeout=20_000)
    try:
        yield live
    finally:
        # Gone before the test ends, as in the app (a QtWebEngine page must not outlive the test's Qt).
        with qtbot.waitSignal(live.destroyed, timeout=10_000):
            live.deleteLater()


def test_the_request_interceptor_alone_blocks_every_third_party_request(
    qtbot: QtBot, third_party: tuple[str, list[str]]
) -> None:
    from workstation.ui.cobrowse_live import replay_html

    origin, requests = third_party
    # Without the page's Content-Security-Policy: the interceptor is the only guard here.
    html = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", replay_html())
    assert 'http-equiv="Content-Security-Policy"' not in html
    with _replay(qtbot, html, origin) as live:
        assert requests == []  # the third party never heard of the agent
        blocked = list(live.interceptor.blocked)
    assert f"{origin}/pixel.png" in blocked and f"{origin}/style.css" in blocked, blocked


def test_the_replay_as_shipped_fetches_nothing_the_customers_page_names(
    qtbot: QtBot, third_party: tuple[str, list[str]]
) -> None:
    from workstation.ui.cobrowse_live import replay_html

    origin, requests = third_party
    with _replay(qtbot, replay_html(), origin):
        assert requests == []


def test_the_replay_page_carries_a_strict_content_security_policy() -> None:
    from workstation.ui.cobrowse_live import replay_html

    html = replay_html()
    head = html[: html.index("<style>")]
    assert 'http-equiv="Content-Security-Policy"' in head
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', head)
    assert match is not None
    policy = match.group(1)
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}
    assert directives["default-src"] == ["'none'"]
    for name in ("img-src", "style-src", "font-src", "frame-src", "connect-src", "media-src"):
        sources = directives[name]
        # only the page itself and self-contained URLs: no host, no scheme that reaches a network
        assert all(s in ("'self'", "'unsafe-inline'", "data:", "blob:", "about:") for s in sources), (
            name,
            sources,
        )
