"""Chat → cobrowse hand-off end to end: a real Chromium is the customer on the demo shop, the Qt app
(offscreen) is the agent, both against the real backend on loopback."""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from tests.ui.test_desktop import _go_available
from workstation.ui.cobrowse_view import CobrowseView

pytestmark = [pytest.mark.gui, pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CARD = "4111 1111 1111 1111"
CVV = "737"
NAME = "Erika Quellmalz-Secret"

T = TypeVar("T")


class Customer:
    """A headless Chromium page driven by Playwright's sync API on its own thread.

    Playwright's sync API runs an event loop of its own; the agent's qasync loop must keep running
    on the test's thread, so every browser call goes through this one worker thread.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="customer")
        self.frames_sent: list[str] = []
        self.requests: list[str] = []
        self.page: Any = None
        self._pool.submit(self._start).result(timeout=60)

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self.page = self._browser.new_page(viewport={"width": 1100, "height": 720})
        self.page.set_default_timeout(15_000)

        def on_websocket(ws: Any) -> None:
            ws.on("framesent", lambda payload: self.frames_sent.append(str(payload)))

        self.page.on("websocket", on_websocket)
        self.page.on("request", lambda r: self.requests.append(f"{r.method} {r.url} {r.post_data or ''}"))

    def do(self, action: Callable[[Any], T], timeout: float = 30) -> T:
        return self._pool.submit(action, self.page).result(timeout=timeout)

    def close(self) -> None:
        def stop(_page: Any) -> None:
            self._browser.close()
            self._playwright.stop()

        self.do(stop)
        self._pool.shutdown()


@pytest.fixture
def customer() -> Iterator[Customer]:
    if not CHROMIUM.exists():
        message = (
            "Chromium is not installed at /usr/bin/chromium (Debian package `chromium`; .ci/run installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: its absence there is a broken set-up, not a skip
        pytest.skip(message)
    c = Customer()
    try:
        yield c
    finally:
        c.close()


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (numbers such as timestamps are not text a person typed)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _leaks(texts: list[str]) -> list[str]:
    """Texts containing the card number (with or without spaces), the CVV as a token, or the name.

    The CVV counts only standing alone (not inside a longer word): three digits turn up by chance
    in hex digests, e.g. a stored token hash "…ab737dd…" once failed this check."""
    card = CARD.replace(" ", "")
    cvv = re.compile(rf"(?<![0-9A-Za-z]){CVV}(?![0-9A-Za-z])")
    return [t[:120] for t in texts if card in t.replace(" ", "") or cvv.search(t) or NAME in t]


def _replay(desk: Desk, cobrowse: CobrowseView, needle: str = "", timeout: float = 20) -> str:
    """What the agent's live view contains (HTML and field values), once it contains `needle`."""
    seen: list[str] = []

    def probe() -> bool:
        cobrowse.live.evaluate("cobrowse.contents()", lambda r: seen.append(str(r)))
        return bool(seen) and needle in seen[-1]

    desk.wait_until(probe, timeout)
    return seen[-1]


def _sign_in_and_ask(customer: Customer, shop: str, question: str) -> None:
    """The customer signs in at the shop as c-1 and asks `question` in the chat of a product page."""
    customer.do(lambda p: p.goto(shop + "/account"))
    customer.do(lambda p: p.click("button[data-customer='c-1']"))
    customer.do(lambda p: p.wait_for_selector("text=Your account"))
    customer.do(lambda p: p.goto(shop + "/p/desk-lamp-aura"))
    customer.do(lambda p: p.click("#chat-open"))
    customer.do(lambda p: p.fill("#chat-text", question))
    customer.do(lambda p: p.press("#chat-text", "Enter"))


def test_chat_to_cobrowse_hand_off_with_a_real_browser(
    desk: Desk, backend: Backend, customer: Customer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    shop = backend.url + "/shop"
    received: list[str] = []
    desk.ws.cobrowse.events_received.connect(lambda _c, events: received.append(json.dumps(events)))
    _go_available(desk)

    # --- the customer signs in at the shop and asks for help from a product page -----------------
    _sign_in_and_ask(customer, shop, "I want to return my lamp but cannot find how")

    # --- the agent accepts the chat; the invite button knows the customer is on the web ----------
    desk.wait_until(lambda: bool(desk.window.offer_cards), timeout=15)
    (card,) = desk.window.offer_cards.values()
    QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: bool(desk.window.views))
    (conv_id, view) = next(iter(desk.window.views.items()))
    desk.wait_until(lambda: view.cobrowse_button.isEnabled(), timeout=15)

    # --- invite → consent ------------------------------------------------------------------------
    QTest.mouseClick(view.cobrowse_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: customer.do(lambda p: p.is_visible("#cobrowse-consent")), timeout=15)
    assert "would like to see this page" in customer.do(lambda p: p.inner_text("#cobrowse-consent"))
    customer.do(lambda p: p.click("#cobrowse-accept"))
    desk.wait_until(lambda: customer.do(lambda p: p.is_visible("#cobrowse-bar")))
    assert "Demo Agent is viewing this page" in customer.do(lambda p: p.inner_text("#cobrowse-status"))

    # --- the agent's view shows the customer's page ----------------------------------------------
    desk.wait_until(lambda: isinstance(view.cobrowse_view, CobrowseView))
    cobrowse = view.cobrowse_view
    assert isinstance(cobrowse, CobrowseView)
    desk.wait_until(lambda: cobrowse.live is not None and cobrowse.live.is_ready, timeout=40)
    _replay(desk, cobrowse, "Aura Desk Lamp")
    desk.wait_until(lambda: "Aura Desk Lamp" in cobrowse.text_view.toPlainText())
    assert cobrowse.body.currentWidget() is cobrowse.live

    # --- the agent highlights a button; the customer's page shows it -----------------------------
    QTest.mouseClick(cobrowse.highlight_button, Qt.MouseButton.LeftButton)
    picked: list[tuple[int, str]] = []
    cobrowse.live.picked.connect(lambda node, label: picked.append((node, label)))
    # A click lands on whatever the replay shows at that moment: when a new snapshot rebuilds the
    # replay between finding the button and clicking it, the click picks nothing (as an agent's
    # would) and the agent clicks again; so does this test, until the view reports a pick.
    where: list[Any] = []
    for _attempt in range(5):
        where.clear()
        cobrowse.live.evaluate(
            "JSON.stringify(cobrowse.find('#add-to-cart'))", lambda r: where.append(json.loads(r))
        )
        desk.wait_until(lambda: bool(where))
        if where[0] is not None:
            cobrowse.live.evaluate(f"cobrowse.pickAt({where[0]['x']}, {where[0]['y']})", lambda _r: None)
        try:
            desk.wait_until(lambda: bool(picked), timeout=3)
            break
        except TimeoutError:
            continue
    assert picked, "five clicks on the replayed 'Add to cart' picked nothing"
    assert "Add to cart" in picked[-1][1]
    try:
        desk.wait_until(lambda: customer.do(lambda p: p.is_visible(".cobrowse-highlight")), timeout=15)
    except TimeoutError:
        raise AssertionError(
            f"no highlight on the customer's page; the view says {cobrowse.note_label.text()!r}"
        ) from None

    def boxes(p: Any) -> tuple[Any, Any]:
        return p.locator(".cobrowse-highlight").bounding_box(), p.locator("#add-to-cart").bounding_box()

    mark, button = customer.do(boxes)
    assert mark["x"] <= button["x"] and mark["y"] <= button["y"]
    assert mark["x"] + mark["width"] >= button["x"] + button["width"]
    assert mark["y"] + mark["height"] >= button["y"] + button["height"]
    assert "Add to cart" in customer.do(lambda p: p.get_attribute(".cobrowse-highlight", "data-label"))

    # --- chat goes on during cobrowse, in the one transcript ------------------------------------
    view.reply_edit.setFocus()
    QTest.keyClicks(view.reply_edit, "See the orange frame? That button.")
    QTest.keyClick(view.reply_edit, Qt.Key.Key_Return)
    desk.wait_until(lambda: customer.do(lambda p: p.is_visible("text=See the orange frame? That button.")))
    customer.do(lambda p: p.fill("#chat-text", "Found it, but how do returns work?"))
    customer.do(lambda p: p.press("#chat-text", "Enter"))
    desk.wait_until(
        lambda: (
            "Found it, but how do returns work?" in [e.message.text for e in view.transcript_model.entries()]
        )
    )

    # --- the agent sends a page; the customer follows and lands there ---------------------------
    cobrowse.goto_edit.setText("/shop/help/returns")
    QTest.mouseClick(cobrowse.goto_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: customer.do(lambda p: p.is_visible("#cobrowse-goto")), timeout=10)
    customer.do(lambda p: p.click("#cobrowse-goto-go"))
    customer.do(lambda p: p.wait_for_url("**/shop/help/returns"))
    assert customer.do(lambda p: p.inner_text("h1")) == "Returns and refunds"
    _replay(desk, cobrowse, "Returns and refunds")
    desk.wait_until(lambda: "/shop/help/returns" in cobrowse.url_label.text())

    # --- checkout: card details typed on the customer's side never leave the browser ------------
    customer.do(lambda p: p.goto(shop + "/checkout"))
    desk.wait_until(lambda: "Checkout" in cobrowse.text_view.toPlainText(), timeout=20)
    customer.do(lambda p: p.fill("#ship-name", NAME))
    customer.do(lambda p: p.type("#card-number", CARD, delay=15))
    customer.do(lambda p: p.type("#card-cvv", CVV, delay=15))
    customer.do(lambda p: p.type("#card-expiry", "12/29", delay=15))
    customer.do(lambda p: p.check("input[value=express]"))
    # the allowlisted choice arrives (so events do flow after the typing), the card details do not
    desk.wait_until(lambda: "Express" in cobrowse.text_view.toPlainText())
    desk.wait_until(lambda: "Full name [text]: (masked)" in cobrowse.text_view.toPlainText(), timeout=10)
    replay = _replay(desk, cobrowse, "Checkout")
    assert "Card number" not in replay  # the whole card fieldset is blocked on the customer's device
    assert _leaks([replay, cobrowse.text_view.toPlainText()]) == []
    customer.do(lambda p: p.click("#pay-button"))
    desk.wait_until(lambda: customer.do(lambda p: "no payment was taken" in p.inner_text("#checkout-result")))
    # a change made by the page's own script reaches the agent's live view as a mutation
    _replay(desk, cobrowse, "no payment was taken")

    # --- end --------------------------------------------------------------------------------------
    QTest.mouseClick(cobrowse.end_button, Qt.MouseButton.LeftButton)
    desk.wait_until(lambda: view.cobrowse_view is None, timeout=10)
    desk.wait_until(lambda: not customer.do(lambda p: p.is_visible("#cobrowse-bar")), timeout=10)

    transcript = backend.transcript({"conversation": {"id": conv_id}, "customer_token": _token(customer)})
    lines = [(m["sender"], m["text"]) for m in transcript]
    assert lines[0] == ("customer", "I want to return my lamp but cannot find how")
    story = [text for sender, text in lines if sender == "system"]
    assert story == [
        "Demo Agent invited the customer to cobrowse (to see and guide their web page).",
        "The customer accepted cobrowse.",
        "Cobrowse started: Demo Agent sees the customer's page (form fields masked).",
        "Cobrowse ended by Demo Agent.",
    ]
    order = [text for _sender, text in lines]
    assert (
        order.index("Cobrowse started: Demo Agent sees the customer's page (form fields masked).")
        < order.index("See the orange frame? That button.")
        < order.index("Found it, but how do returns work?")
        < order.index("Cobrowse ended by Demo Agent.")
    )
    desk.wait_until(
        lambda: "Cobrowse ended by Demo Agent." in [e.message.text for e in view.transcript_model.entries()]
    )

    # --- nothing of the card anywhere: relayed frames, requests, agent, database, logs -----------
    assert customer.frames_sent and received, "nothing was relayed: the checks below would be empty"
    relayed = [s for frame in customer.frames_sent for s in _strings(_json(frame))]
    assert any("Aura Desk Lamp" in s for s in relayed)  # the relay did carry the pages
    assert _leaks(relayed) == []
    assert _leaks(customer.requests) == []
    assert _leaks([s for batch in received for s in _strings(json.loads(batch))]) == []
    assert _leaks([r.getMessage() for r in caplog.records]) == []
    backend.server.stop()  # checkpoint the WAL so the database file holds everything
    assert _leaks(_database_strings(tmp_path / "backend")) == []
    assert CARD.replace(" ", "").encode() not in b"".join(
        p.read_bytes() for p in (tmp_path / "backend").glob("*.sqlite3*")
    )


def _token(customer: Customer) -> str:
    state = customer.do(lambda p: p.evaluate("sessionStorage.getItem('shop-chat')"))
    if state:
        return str(json.loads(state)["customer_token"])
    raise AssertionError("the customer's chat token is gone from the page")


def _json(frame: str) -> Any:
    try:
        return json.loads(frame)
    except ValueError:
        return frame


def _database_strings(data_dir: Path) -> list[str]:
    """Every text value in every table of the backend's database."""
    texts: list[str] = []
    with sqlite3.connect(data_dir / "backend.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # table names from sqlite_master
                for value in row:
                    if isinstance(value, str):
                        texts.extend(_strings(_json(value)) if value[:1] in "{[" else [value])
    return texts


def test_a_late_answer_to_accept_does_not_undo_the_started_session(
    backend: Backend, customer: Customer
) -> None:
    """The customer's "Share this page" answer (state accepted) is held back until the live socket
    has told the page that recording started (state active): the page keeps the newer state, so
    the agent's pointer and highlight are still shown. Before, the late answer won, and every
    command of the agent was dropped (a flaky 'no highlight on the customer's page' in CI)."""
    shop = backend.url + "/shop"
    agent = backend.login("demo")
    assert backend.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent).is_success
    _sign_in_and_ask(customer, shop, "Where do I find returns?")
    (offer,) = backend.wait_for(lambda: backend.offers(agent), timeout=15)
    accepted = backend.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
    assert accepted.status_code == 200, accepted.text
    invited = backend.http.post(f"/api/v1/conversations/{accepted.json()['id']}/cobrowse", headers=agent)
    assert invited.status_code == 201, invited.text
    customer.do(lambda p: p.wait_for_selector("#cobrowse-consent", state="visible"))

    def page_state(p: Any) -> Any:
        return p.evaluate("(() => {const s = ShopChat.state().session; return s && [s.state, s.version]})()")

    held: list[Any] = []

    def hold_until_active(route: Any) -> None:
        answer = route.fetch()  # the backend has accepted; its answer says so
        held.append(answer.json())
        deadline = time.monotonic() + 15
        # Meanwhile the push of that transition starts recording, whose first snapshot starts the
        # session; the page learns "active" over its socket while this answer is still on its way.
        while (page_state(route.request.frame.page) or [None])[0] != "active":
            assert time.monotonic() < deadline, "the session never became active on the page"
            time.sleep(0.05)
        route.fulfill(response=answer)
        held.append("delivered")

    customer.do(lambda p: p.route("**/cobrowse/*/accept", hold_until_active))
    customer.do(lambda p: p.click("#cobrowse-accept"))
    # Playwright runs the route's handler on the customer's thread while it waits there.
    backend.wait_for(lambda: customer.do(lambda p: p.wait_for_timeout(50)) or "delivered" in held, timeout=20)
    assert held[0]["state"] == "accepted"
    customer.do(lambda p: p.wait_for_timeout(300))  # the page's script takes in the late answer
    state, version = customer.do(page_state)
    assert state == "active" and version > held[0]["version"]
    assert customer.do(lambda p: p.is_visible("#cobrowse-bar"))
