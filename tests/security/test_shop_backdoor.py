"""Issue 18, item 3: the demo shop signs anyone in as anyone; only in demo mode, rate-limited, escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.security.server_helpers import FakeClock, running
from workstation.demo.shop import ShopLimits, script_json
from workstation.domain.models import Customer

pytestmark = pytest.mark.security

HOSTILE_NAME = "</script><script>alert(1)</script><!-- \u2028"


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_without_demo_mode_there_is_no_shop(tmp_path: Path) -> None:
    with running(tmp_path, demo=False) as backend:
        for path in ("/shop/", "/shop/account", "/shop/static/widget.js"):
            assert backend.http.get(path).status_code == 404
        assert backend.http.post("/shop/api/signin", json={"customer_id": "c-1"}).status_code == 404
        assert backend.http.post("/shop/api/chat", json={"text": "hi"}).status_code == 404


def test_sign_ins_are_rate_limited_per_address(tmp_path: Path) -> None:
    clock = FakeClock()
    limits = ShopLimits(signins_per_minute=2, signin_burst=3, clock=clock)
    with running(tmp_path, shop=limits) as backend:
        for _ in range(3):
            assert backend.http.post("/shop/api/signin", json={"customer_id": "c-1"}).status_code == 200
        refused = backend.http.post("/shop/api/signin", json={"customer_id": "c-2"})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) == 30  # one sign-in comes back every 30 s
        assert "set-cookie" not in refused.headers
        clock.advance(30)
        assert backend.http.post("/shop/api/signin", json={"customer_id": "c-2"}).status_code == 200
        assert backend.http.post("/shop/api/signin", json={"customer_id": "c-2"}).status_code == 429


def test_chat_openings_are_rate_limited_per_address(tmp_path: Path) -> None:
    clock = FakeClock()
    limits = ShopLimits(chats_per_minute=1, chat_burst=2, clock=clock)
    with running(tmp_path, shop=limits) as backend:
        assert backend.http.post("/shop/api/signin", json={"customer_id": "c-1"}).status_code == 200
        for _ in range(2):
            assert backend.http.post("/shop/api/chat", json={"text": "Hallo"}).status_code == 201
        refused = backend.http.post("/shop/api/chat", json={"text": "Hallo"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
        clock.advance(61)
        assert backend.http.post("/shop/api/chat", json={"text": "Hallo"}).status_code == 201


def test_a_customer_name_cannot_break_out_of_the_pages_script(tmp_path: Path) -> None:
    with running(tmp_path) as backend:
        hostile = Customer(id="c-evil", name=HOSTILE_NAME, language="en")
        server_backend = backend.server.backend
        assert server_backend is not None
        backend.server.call(lambda: server_backend.upsert_customer(hostile))
        assert backend.http.post("/shop/api/signin", json={"customer_id": "c-evil"}).status_code == 200
        page = backend.http.get("/shop/")
    assert page.status_code == 200
    parser = _Scripts()
    parser.feed(page.text)
    inline = [s for s in parser.scripts if s.strip()]
    # Exactly the page's own inline script: the name opened no script element of its own.
    assert len(inline) == 1 and "alert(1)" not in "".join(s for s in inline if "window.SHOP" not in s)
    (config,) = inline
    assert config.strip().startswith("window.SHOP = ") and config.strip().endswith(";")
    value = json.loads(config.strip().removeprefix("window.SHOP = ").removesuffix(";"))
    assert value["customerName"] == HOSTILE_NAME
    for forbidden in ("</script", "<!--", "\u2028", "\u2029"):
        assert forbidden not in config


def test_script_json_escapes_what_ends_a_script_element() -> None:
    text = script_json({"a": "</SCRIPT><!--&\u2029"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</SCRIPT><!--&\u2029"}
