"""The agent's cobrowse hand-off in the desktop against the real backend (the customer's page is a
WebSocket client sending rrweb events here; tests/e2e has the real browser)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from websockets.sync.client import ClientConnection, connect

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from tests.ui.test_desktop import _accept_next, _go_available
from workstation.ui.cobrowse_view import CobrowseView
from workstation.ui.conversation_view import ConversationView

pytestmark = pytest.mark.gui


def _events(customer_url: str) -> list[dict[str, Any]]:
    def el(i: int, tag: str, kids: list[Any] | None = None, **attrs: Any) -> dict[str, Any]:
        return {"type": 2, "id": i, "tagName": tag, "attributes": attrs, "childNodes": kids or []}

    body = el(
        4,
        "body",
        [
            el(5, "h1", [{"type": 3, "id": 6, "textContent": "Returns and refunds"}]),
            el(7, "label", [{"type": 3, "id": 8, "textContent": "E-mail"}], **{"for": "mail"}),
            el(9, "input", id="mail", type="email", value="********"),
            el(10, "button", [{"type": 3, "id": 11, "textContent": "Start a return"}], id="start"),
            el(12, "fieldset", **{"class": "rr-block", "rr_width": "300px", "rr_height": "90px"}),
            el(13, "a", [{"type": 3, "id": 14, "textContent": "Shipping"}], href="/shop/help/shipping"),
        ],
    )
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", [el(3, "head"), body])]}
    now = time.time() * 1000
    return [
        {"type": 4, "timestamp": now, "data": {"href": customer_url, "width": 900, "height": 600}},
        {"type": 2, "timestamp": now, "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}}},
    ]


@contextmanager
def customer_page(backend: Backend, chat: dict[str, Any]) -> Iterator[ClientConnection]:
    url = (
        backend.url.replace("http://", "ws://") + f"/api/v1/customer/chats/{chat['conversation']['id']}/live"
    )
    with connect(url, open_timeout=5) as ws:
        ws.send(json.dumps({"token": chat["customer_token"]}))
        yield ws


def _frame(ws: ClientConnection, kind: str, desk: Desk, timeout: float = 10) -> dict[str, Any]:
    """The next frame of `kind` the customer's page receives, while the desktop's loop keeps running."""
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        while not found:
            try:
                frame = json.loads(ws.recv(timeout=0))
            except TimeoutError:
                return False
            if frame["kind"] == kind:
                found.append(frame)
        return True

    desk.wait_until(arrived, timeout)
    return found[0]


def _invite_and_share(desk: Desk, backend: Backend) -> tuple[ConversationView, Any, dict[str, Any]]:
    _go_available(desk)
    chat, conv_id = _accept_next(desk, backend, "c-1", "I cannot find the returns page")
    view = desk.window.views[conv_id]
    # the page state comes with the context read after the tab opens (slow on a saturated CI machine)
    desk.wait_until(lambda: "not on the web site" in view.cobrowse_button.toolTip(), timeout=30)
    assert not view.cobrowse_button.isEnabled()
    return view, conv_id, chat


def _share(
    desk: Desk, backend: Backend, view: ConversationView, chat: dict[str, Any], page: ClientConnection
) -> CobrowseView:
    _frame(page, "hello", desk)
    desk.wait_until(lambda: view.cobrowse_button.isEnabled())
    QTest.mouseClick(view.cobrowse_button, Qt.MouseButton.LeftButton)
    session = _frame(page, "session", desk)["session"]
    assert session["state"] == "invited"
    desk.wait_until(lambda: view.cobrowse_view is not None)
    cobrowse = view.cobrowse_view
    assert isinstance(cobrowse, CobrowseView)
    desk.wait_until(lambda: "waiting for the customer" in cobrowse.state_label.text())
    assert not view.cobrowse_button.isEnabled()  # one session at a time
    response = backend.http.post(
        f"/api/v1/customer/chats/{chat['conversation']['id']}/cobrowse/{session['id']}/accept",
        headers={"Authorization": f"Bearer {chat['customer_token']}"},
    )
    assert response.status_code == 200, response.text
    page.send(
        json.dumps(
            {
                "kind": "events",
                "session_id": session["id"],
                "events": _events("http://shop.test/shop/help/returns"),
            }
        )
    )
    desk.wait_until(lambda: cobrowse.state_label.text() == "You see the customer's page")
    return cobrowse


def test_live_view_shows_the_page_and_the_tools_reach_the_customer(desk: Desk, backend: Backend) -> None:
    view, _conv_id, chat = _invite_and_share(desk, backend)
    with customer_page(backend, chat) as page:
        cobrowse = _share(desk, backend, view, chat, page)
        # the chat stays beside the cobrowse view and keeps working
        assert view.splitter.indexOf(cobrowse) == 0 and view.reply_edit.isVisible()
        desk.wait_until(lambda: cobrowse.live is not None and cobrowse.live.is_ready, timeout=40)
        desk.wait_until(lambda: cobrowse.body.currentWidget() is cobrowse.live)
        contents: list[str] = []

        def probe() -> bool:
            cobrowse.live.evaluate("cobrowse.contents()", lambda r: contents.append(str(r)))
            return bool(contents) and "Returns and refunds" in contents[-1]

        desk.wait_until(probe, timeout=20)
        # changes after the snapshot show too (rrweb mutations applied to the live DOM, not only snapshots)
        mutation = {
            "type": 3,
            "timestamp": time.time() * 1000,
            "data": {
                "source": 0,
                "texts": [{"id": 6, "value": "Returns, refunds and exchanges"}],
                "attributes": [],
                "removes": [],
                "adds": [],
            },
        }
        page.send(
            json.dumps(
                {
                    "kind": "events",
                    "session_id": cobrowse.service.status(_conv_id).session.id,
                    "events": [mutation],
                }
            )
        )
        changed: list[str] = []

        def changed_probe() -> bool:
            cobrowse.live.evaluate("cobrowse.contents()", lambda r: changed.append(str(r)))
            return bool(changed) and "Returns, refunds and exchanges" in changed[-1]

        desk.wait_until(changed_probe, timeout=20)
        # the text state is kept up to date too (the fallback, and the "Text view" toggle)
        desk.wait_until(lambda: "Returns, refunds and exchanges" in cobrowse.text_view.toPlainText())
        assert "E-mail [email]: (masked)" in cobrowse.text_view.toPlainText()

        # highlight: the agent picks the button in the replay; the customer's page gets its node id
        QTest.mouseClick(cobrowse.highlight_button, Qt.MouseButton.LeftButton)
        found: list[Any] = []
        cobrowse.live.evaluate(
            "JSON.stringify(cobrowse.find('#start'))", lambda r: found.append(json.loads(r))
        )
        desk.wait_until(lambda: bool(found))
        assert isinstance(found[0], dict), found
        cobrowse.live.evaluate(f"cobrowse.pickAt({found[0]['x']}, {found[0]['y']})", lambda _r: None)
        assert _frame(page, "command", desk)["command"] == {
            "type": "highlight",
            "node": 10,
            "label": "Start a return",
        }

        # go to page: same site only, resolved against the customer's page
        cobrowse.goto_edit.setText("https://elsewhere.example/")
        QTest.mouseClick(cobrowse.goto_button, Qt.MouseButton.LeftButton)
        desk.wait_until(lambda: "Only pages of http://shop.test" in cobrowse.note_label.text())
        cobrowse.goto_edit.setText("/shop/help/shipping")
        QTest.mouseClick(cobrowse.goto_button, Qt.MouseButton.LeftButton)
        command = _frame(page, "command", desk)["command"]
        assert command["type"] == "navigate" and command["url"] == "http://shop.test/shop/help/shipping"

        QTest.mouseClick(cobrowse.end_button, Qt.MouseButton.LeftButton)
        assert _frame(page, "session", desk)["session"]["state"] == "ended"
        desk.wait_until(lambda: view.cobrowse_view is None)
    desk.wait_until(
        lambda: (
            [e.message.text for e in view.transcript_model.entries() if e.message.sender == "system"][-1:]
            == ["Cobrowse ended by Demo Agent."]
        )
    )
    texts = [e.message.text for e in view.transcript_model.entries()]
    assert texts[0] == "I cannot find the returns page" and "The customer accepted cobrowse." in texts


def test_without_qtwebengine_the_page_is_shown_as_text(
    desk: Desk, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(_url: str, _parent: Any) -> Any:
        raise RuntimeError("QtWebEngine is not available (PySide6.QtWebEngineWidgets).")

    monkeypatch.setattr("workstation.ui.cobrowse_view.load_live_view", missing)
    view, _conv_id, chat = _invite_and_share(desk, backend)
    with customer_page(backend, chat) as page:
        cobrowse = _share(desk, backend, view, chat, page)
        desk.wait_until(lambda: "Returns and refunds" in cobrowse.text_view.toPlainText())
        assert cobrowse.live is None and cobrowse.body.currentWidget() is cobrowse.text_view
        assert "Live view unavailable: QtWebEngine is not available" in cobrowse.note_label.text()
        text = cobrowse.text_view.toPlainText()
        assert "http://shop.test/shop/help/returns" in text and "E-mail [email]: (masked)" in text
        assert (
            "1 region" in text
        )  # "(s)" unless the English catalogue is loaded and "Shipping → /shop/help/shipping" in text
        # the other tools still work without the live view
        cobrowse.goto_edit.setText("/shop/help/shipping")
        QTest.mouseClick(cobrowse.goto_button, Qt.MouseButton.LeftButton)
        assert _frame(page, "command", desk)["command"]["url"] == "http://shop.test/shop/help/shipping"


def test_a_live_view_that_does_not_start_falls_back_to_text(
    desk: Desk, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workstation.ui import cobrowse_live

    # A page that never comes up (as when the renderer cannot start): the view gives up after the timeout.
    monkeypatch.setattr(cobrowse_live, "replay_html", lambda: "<html><body>broken</body></html>")
    monkeypatch.setattr(cobrowse_live, "START_TIMEOUT_MS", 1500)
    view, _conv_id, chat = _invite_and_share(desk, backend)
    with customer_page(backend, chat) as page:
        cobrowse = _share(desk, backend, view, chat, page)
        desk.wait_until(lambda: cobrowse.live_problem is not None, timeout=20)
        assert "did not start in time" in cobrowse.note_label.text()
        desk.wait_until(lambda: "Returns and refunds" in cobrowse.text_view.toPlainText())
        assert cobrowse.live is None and cobrowse.body.currentWidget() is cobrowse.text_view
