"""The desk in German: every window and dialog shows German interface text, dates and money.

The check has two halves, so that it catches both kinds of mistake:
- a visible text that equals an English source text of the catalogue was not translated at run time
  (a string built outside tr(), a table translated at import, a missing catalogue);
- a visible text that contains common English words was never marked for translation at all.
Texts that are data (names, messages, page titles: widgets marked `showsData`) are not checked.
"""

from __future__ import annotations

import asyncio
import html
import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

from tests.helpers.backend import Backend
from tests.helpers.desk import close_desk, open_desk
from workstation.client.api import BackendApi
from workstation.client.monitor import MonitorApi
from workstation.domain.merge import FieldConflict, MergeResult
from workstation.domain.messages import Joined, Msg
from workstation.domain.models import Presence, TimelineEvent, utcnow
from workstation.domain.queue_monitor import AgentStatus, MonitorSnapshot, QueueStats, WaitingTask
from workstation.services.queue_monitor import QueueMonitorService
from workstation.services.records import Conflict
from workstation.settings import Settings
from workstation.ui import language
from workstation.ui.cobrowse_view import CobrowseView
from workstation.ui.conflict_dialog import ConflictDialog
from workstation.ui.domain_text import render
from workstation.ui.login_dialog import LoginDialog
from workstation.ui.queue_monitor import QueueMonitorView
from workstation.ui.text import DATA_ITEM_ROLE, DATA_PROPERTY

pytestmark = pytest.mark.gui

#: English words that no German interface text contains (shared words like "Chat", "Online",
#: "Service", "Server", "Status" are left out on purpose).
ENGLISH = re.compile(
    r"\b(the|and|of|to|is|are|was|with|for|your|you|this|that|not|from|by|at|on|it|"
    r"waiting|offer|offers|customer|conversation|conversations|show|hidden|send|loading|since|"
    r"left|only|why|step|accept|decline|history|notes?|reply|wrap|close|save|quit|help|file|"
    r"presence|available|away|busy|today|yesterday|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|tier|language|german|english|invite|cobrowse|queue|skills|"
    r"handled|dismiss|done|already|wrong|settings|sound|password|user|sign|shortcuts|edit|"
    r"details|search|journey|open|settled|more|hide|field|before|mine|theirs|keep|"
    r"decide|later|topic|next|previous)\b",
    re.IGNORECASE,
)


def _english_sources() -> set[str]:
    """English source texts whose German translation differs (so seeing them means untranslated)."""
    ts = resources.files("workstation.resources.translations") / "workstation_de.ts"
    found = set()
    for message in ET.fromstring(ts.read_text(encoding="utf-8")).iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        forms = [translation.text or ""] if translation is not None else []
        if translation is not None and len(translation):
            forms = [form.text or "" for form in translation]
        if source.strip() and source not in forms:
            found.add(source.replace("&", ""))
    return found


def _item_texts(view: QAbstractItemView) -> Iterator[str]:
    """Column headers, and the rows of views that are not data (the timeline: its day headers)."""
    model = view.model()
    if model is None:
        return
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a list model: one column (columnCount is private there)
        columns = 1
    if columns > 1:
        for section in range(columns):
            value = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            if isinstance(value, str):
                yield value
    header_role = getattr(model, "HeaderRole", None)
    if view.property(DATA_PROPERTY) and header_role is None:
        return
    for row in range(min(model.rowCount(QModelIndex()), 50)):
        for column in range(columns):
            index = model.index(row, column)
            if header_role is not None and not index.data(header_role):
                continue
            value = index.data(Qt.ItemDataRole.DisplayRole)
            if isinstance(value, str):
                yield value


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every interface text a person sees in `root` (data widgets left out)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        where = f"{type(widget).__name__}({widget.objectName() or '?'})"
        if widget.isWindow() and widget.windowTitle():
            yield where + " title", widget.windowTitle()
        if widget.property(DATA_PROPERTY):
            continue
        if widget.toolTip():
            yield where + " tooltip", widget.toolTip()
        if widget.accessibleName():
            yield where + " accessible name", widget.accessibleName()
        if isinstance(widget, QLabel | QAbstractButton):
            yield where, widget.text()
        elif isinstance(widget, QGroupBox):
            yield where, widget.title()
        elif isinstance(widget, QLineEdit | QPlainTextEdit):
            yield where + " placeholder", widget.placeholderText()
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                if not widget.itemData(i, DATA_ITEM_ROLE):
                    yield where + f" item {i}", widget.itemText(i)
        elif isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                if not widget.widget(i).property(DATA_PROPERTY):
                    yield where + f" tab {i}", widget.tabText(i)
        elif isinstance(widget, QAbstractItemView):
            for text in _item_texts(widget):
                yield where + " item", text
        if isinstance(widget, QMainWindow):
            for action in widget.menuBar().actions():
                yield where + " menu", action.text()
                menu = action.menu()
                for sub in menu.actions() if menu is not None else ():
                    if sub.text():
                        yield where + " menu item", sub.text()


def english_in(roots: list[QWidget], names: tuple[str, ...] = ()) -> list[str]:
    """The visible English; `names` are data shown inside interface text (queue and filter names
    a team lead gave, the routing expressions they wrote) and are taken out before the check."""
    sources = _english_sources()
    problems = []
    for root in roots:
        for where, text in visible_texts(root):
            if "<" in text:  # rich text (tooltips, bold names): tags out, entities decoded
                bare = html.unescape(re.sub(r"<[^>]+>", " ", text))
            else:  # a button or menu text: its mnemonic marker out
                bare = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
            for name in names:
                bare = bare.replace(name, " ")
            if bare.strip() in sources:
                problems.append(f"{where}: untranslated {text!r}")
            elif match := ENGLISH.search(bare):
                problems.append(f"{where}: English word {match.group(0)!r} in {text!r}")
    return problems


@pytest.fixture
def german(qapp: QApplication) -> Iterator[None]:
    before = QLocale()
    installed = language.apply_language(qapp, "de_DE")
    assert "workstation_de" in installed
    try:
        yield
    finally:
        language.reset_language(qapp, before)


def _give_situations(backend: Backend, customer_id: str) -> None:
    """A history that makes situation cards (a delayed order, an open complaint, a failed payment,
    a second contact on an unresolved topic): their titles and facts are the domain's texts."""
    now = utcnow()

    def event(n: int, hours: float, channel: str, kind: str, summary: str, **data: Any) -> TimelineEvent:
        return TimelineEvent(
            id=f"{customer_id}-s{n}",
            customer_id=customer_id,
            at=now - timedelta(hours=hours),
            channel=channel,
            kind=kind,
            summary=summary,
            data=data,
        )

    events = [
        event(
            1,
            120,
            "shop",
            "order_placed",
            "Bestellung 4711: Kamera Alpha 7 (1899 EUR)",
            order_id="4711",
            value=1899,
        ),
        event(
            2,
            72,
            "logistics",
            "order_shipped",
            "Versandt",
            order_id="4711",
            carrier="DHL",
            eta=(now - timedelta(days=1)).isoformat(),
        ),
        event(
            3,
            20,
            "logistics",
            "delivery_delayed",
            "Verspätet",
            order_id="4711",
            new_eta=(now + timedelta(days=2)).isoformat(),
            reason="Unwetter",
        ),
        event(
            4, 30, "email", "complaint", "Beschwerde", topic="Lieferung", severity="high", status="resolved"
        ),
        event(
            5,
            10,
            "billing",
            "payment_failed",
            "Zahlung fehlgeschlagen",
            amount=49.9,
            reason="Karte abgelaufen",
        ),
        event(6, 50, "phone", "contact", "Anruf", topic="Lieferung", outcome="callback_promised"),
    ]
    server = backend.server.backend
    assert server is not None
    backend.server.call(lambda: server.add_customer_events(events, push=False))


def _data_params(value: object, top: bool = True) -> Iterator[str]:
    """The plain-text parameters of a domain message (customer data: names, topics, reasons); a
    plain string that is the whole text is not data but a text the domain forgot to make a message."""
    if isinstance(value, Msg):
        for param in value.params.values():
            yield from _data_params(param, top=False)
    elif isinstance(value, Joined):
        for part in value.parts:
            yield from _data_params(part, top=False)
    elif isinstance(value, str) and value and not top:
        yield value


def _english_on_cards(panel: Any) -> list[str]:
    """Card titles are data labels (they carry order names and topics), so `english_in` skips them:
    check them here with the customer's data taken out, and that there were situation cards at all."""
    problems = []
    situations = [c for c in panel.visible_cards() if c.kind == "insight"]
    if not situations:
        shown = [str(c.title) for c in panel.visible_cards()]
        problems.append(f"no situation card shown (cards: {shown}): the test history should make some")
    for card in panel.visible_cards():
        data = sorted(
            {d for text in (card.title, *card.reasons) for d in _data_params(text)}, key=len, reverse=True
        )
        for text in (render(card.title), *(render(r) for r in card.reasons)):
            bare = text
            for name in data:
                bare = bare.replace(name, " ")
            if match := ENGLISH.search(bare):
                problems.append(f"card {card.title!r}: English word {match.group(0)!r} in {text!r}")
    return problems


def test_locale_formats_dates_numbers_and_money_in_german(german: None) -> None:
    assert language.day_text(date(2026, 12, 2)) == "Mittwoch, 02.12.26"
    assert language.money_text(1234.5) == "1.234,50\xa0€"
    assert language.number_text(1234.5, 1) == "1.234,5"
    assert language.time_text(datetime(2026, 12, 2, 14, 5).astimezone()) == "14:05"


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the shortcuts list, offscreen
def test_every_window_and_dialog_speaks_german(
    german: None, aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk = open_desk(aloop, tmp_path / "desk", backend.url)
    opened: list[QWidget] = []
    try:
        window = desk.window
        assert window.presence_combo.itemText(0) == "Verfügbar"
        window.set_presence(Presence.AVAILABLE)
        desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
        _give_situations(backend, "c-1")
        chat = backend.start_chat("c-1", "Wo ist mein Paket?", topic="delivery")
        conv_id = chat["conversation"]["id"]
        desk.wait_until(lambda: window.offer_cards)
        (card,) = window.offer_cards.values()
        assert "Deutsch" in card.details_label.text()
        routing = card.pending.offer.routing
        assert routing is not None
        names = tuple(
            sorted(
                (
                    routing.filter or "",
                    routing.queue,
                    routing.filter_expression or "",
                    routing.worker_expression,
                    *routing.facts,
                    *routing.worker_facts,
                ),
                key=len,
                reverse=True,
            )
        )
        assert card.why_label.text().startswith("Warum: schreibt Deutsch → ")
        problems = english_in([window], names)

        QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
        desk.wait_until(lambda: conv_id in window.views)
        view = window.views[conv_id]
        desk.wait_until(lambda: "Gold" in view.customer_header.facts_label.text())
        assert "€" in view.customer_header.facts_label.text()
        desk.wait_until(lambda: view.history.model.rowCount() > 3)
        desk.wait_until(lambda: view.relevance_panel.ranking is not None)
        # the history with the situations arrives after the first ranking (made from the cache)
        desk.wait_until(lambda: view.relevance_panel.visible_cards())
        if view.relevance_panel.hidden_button.isVisible():
            view.relevance_panel.hidden_button.click()
        ranking = view.relevance_panel.ranking
        assert ranking is not None
        # the policy expressions behind refusals (the team lead's tooltip) are catalogue data
        names += tuple(
            sorted({d for h in ranking.hidden for d in _data_params(h.detail)}, key=len, reverse=True)
        )
        problems += english_in([window], names)
        problems += _english_on_cards(view.relevance_panel)

        conflict = Conflict(
            item_id=1,
            kind="customer",
            customer_id="c-1",
            title="Jana Kowalski",
            merge=MergeResult(merged={}, conflicts=(FieldConflict("company", "A GmbH", "B GmbH", "C AG"),)),
            theirs_by="anna",
        )
        dialog = ConflictDialog(conflict, "Jana Kowalski", window)
        dialog.show()
        opened.append(dialog)

        def no_live_view(_url: str, _parent: Any) -> Any:
            raise RuntimeError("Keine Live-Ansicht im Test.")

        cobrowse = CobrowseView(desk.ws.cobrowse, conv_id, live_loader=no_live_view)
        cobrowse.show()
        opened.append(cobrowse)
        login = LoginDialog("https://desk.example", "demo")
        login.show()
        opened.append(login)
        window.show_shortcuts()
        window.settings_store = Settings.load(tmp_path / "settings.toml")
        window.open_settings()
        opened.append(window.settings_dialog)
        window._on_about_triggered()
        opened.append(window.about_dialog)
        window.wrap_up_current()
        desk.wait_until(lambda: desk.controller.wrapup_dialog is not None)
        problems += english_in([w for w in QApplication.topLevelWidgets() if w.isVisible()], names)
        desk.controller.wrapup_dialog.reject()

        service = QueueMonitorService(MonitorApi(BackendApi(desk.ws.http)))
        monitor = QueueMonitorView(service)
        monitor.show()
        opened.append(monitor)
        now = utcnow()
        snapshot = MonitorSnapshot(
            version=1,
            at=now,
            window_s=1800,
            queues=(QueueStats(queue_id="q1", name="Vertrieb", waiting=1, status="red"),),
            total=QueueStats(queue_id="*", name="Alle"),
            agents=(
                AgentStatus(
                    agent_id="a-1",
                    username="demo",
                    name="Dana Demo",
                    state="away",
                    state_since=now - timedelta(minutes=3),
                    reason="break",
                    queues=("q1",),
                ),
            ),
            waiting=(
                WaitingTask(
                    conversation_id="cv-x", queue_id="q1", customer="Max", topic="delivery", waiting_since=now
                ),
            ),
        )
        assert service.on_frame(snapshot)
        desk.wait_until(lambda: "q1" in monitor.tiles)
        problems += english_in([monitor])
        desk.run(monitor.shutdown())
        assert problems == [], "\n".join(problems)
    finally:
        for widget in opened:
            widget.close()
            widget.deleteLater()
        close_desk(desk)


def test_german_catalogue_is_complete_and_compiled() -> None:
    """No unfinished German entry, and the committed .qm files are what lrelease makes of the .ts."""
    script = Path(__file__).resolve().parents[2] / "packaging" / "update_translations.py"
    spec = importlib.util.spec_from_file_location("update_translations", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.check() == []


def test_a_policy_refusal_and_a_routing_why_read_as_plain_german(german: None) -> None:
    from workstation.domain.messages import refusal
    from workstation.domain.models import RoutingReason
    from workstation.domain.routing_expr import compile_expression
    from workstation.ui.domain_text import render
    from workstation.ui.routing_text import summary_text

    policy = compile_expression("customer.value_tier IN ['gold', 'platinum'] OR customer.clv >= 2000")
    unmet = policy.unmet({"customer": {"value_tier": "bronze", "clv": 302.0}}, {})
    assert unmet is not None
    assert render(refusal("Apologise + voucher", unmet)) == (
        "Entschuldigung + Gutschein nur für Gold/Platin-Kunden (dieser Kunde: Bronze)"
        " oder ab 2.000\xa0€ Kundenwert (dieser Kunde: 302\xa0€)"
    )
    reason = RoutingReason(
        filter="High-value shopper",
        step=1,
        steps=2,
        queue="Senior Sales",
        facts=("tier = gold", "minutes_on_product_pages = 31 ≥ 30"),
    )
    assert (
        summary_text(reason) == "Gold-Kunde, seit 31 Minuten auf Produktseiten → Senior Sales, Stufe 1 von 2"
    )


def test_a_backend_refusal_reads_in_german(german: None, backend: Backend) -> None:
    """The backend words its refusal in English for API clients and names the template; the desk
    shows it in the agent's language, and a template it does not know stays the English text."""
    from workstation.client.api import refusal

    agent = backend.login("demo")
    response = backend.http.post("/api/v1/offers/nope/accept", headers=agent)
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["message"] == "No offer nope."
    assert body["error"]["params"] == {"offer_id": "nope"}
    error = refusal(response.status_code, body)
    assert isinstance(error.message, Msg)
    assert str(error.message) == "No offer nope."
    assert render(error.message) == "Kein Angebot nope."

    # a queued reply the backend refused (the conversation closed meanwhile), as the desk words it
    from workstation.domain.messages import CONVERSATION_CLOSED, WRITE_REFUSED, from_wire

    closed = from_wire("The conversation is already closed.", CONVERSATION_CLOSED, {})
    assert render(Msg(WRITE_REFUSED["message"], reason=closed)) == (
        "Eine Nachricht wurde vom Server abgelehnt: Das Gespräch ist bereits geschlossen."
    )

    forged = {"error": {"code": "x", "message": "Hi", "message_id": "{a.__class__}", "params": {"a": 1}}}
    assert not isinstance(refusal(409, forged).message, Msg)
    assert render(refusal(409, forged).message) == "Hi"


def _german_lines(text: str, data: tuple[str, ...]) -> list[str]:
    """English words in `text` (a plain-text view or a transcript line), the page's or people's data out."""
    bare = text
    for name in sorted(data, key=len, reverse=True):
        bare = bare.replace(name, " ")
    return [f"English word {m.group(0)!r} in {text!r}" for m in [ENGLISH.search(bare)] if m]


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the tray menu's show, offscreen
def test_cobrowse_conflicts_diagnostics_and_the_tray_speak_german(
    german: None,
    aloop: asyncio.AbstractEventLoop,
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The windows and states the first test does not reach: a cobrowse session from invitation to
    its end (the page as text, the transcript's lines that name the agent), a connector's conflict,
    Help ▸ Save diagnostics and its failure, and the tray menu."""
    from tests.ui.test_cobrowse_view import _events, _frame, customer_page
    from tests.ui.test_desktop import _accept_next, _go_available
    from workstation.domain.redaction import Redactor
    from workstation.services.diagnostics import DiagnosticsService
    from workstation.ui import cobrowse_view, desk_habits
    from workstation.ui.transcript_model import TranscriptModel

    def no_web_engine(_url: str, _parent: Any) -> Any:
        try:  # the reason the desk gives when QtWebEngine is missing, as it would give it
            raise ImportError(name="PySide6.QtWebEngineWidgets")
        except ImportError as exc:
            raise RuntimeError(
                QApplication.translate("CobrowseView", "QtWebEngine is not available ({0}).").format(exc.name)
            ) from exc

    monkeypatch.setattr(cobrowse_view, "load_live_view", no_web_engine)
    desk = open_desk(aloop, tmp_path / "desk", backend.url)
    opened: list[QWidget] = []
    try:
        window = desk.window
        _go_available(desk)
        chat, conv_id = _accept_next(desk, backend, "c-1", "Ich finde die Rücksendung nicht")
        view = window.views[conv_id]
        agent = "Demo Agent"
        page_data = (
            agent,
            "Returns and refunds",
            "E-mail",
            "Start a return",
            "Shipping",
            "http://shop.test/shop/help/returns",
            "/shop/help/shipping",
            "[email]",
        )
        problems: list[str] = []
        with customer_page(backend, chat) as page:
            _frame(page, "hello", desk)
            desk.wait_until(view.cobrowse_button.isEnabled)
            view.cobrowse_button.click()
            session = _frame(page, "session", desk)["session"]
            desk.wait_until(lambda: view.cobrowse_view is not None)
            cobrowse = view.cobrowse_view
            assert isinstance(cobrowse, CobrowseView)
            problems += english_in([window], page_data)
            accepted = backend.http.post(
                f"/api/v1/customer/chats/{conv_id}/cobrowse/{session['id']}/accept",
                headers={"Authorization": f"Bearer {chat['customer_token']}"},
            )
            assert accepted.status_code == 200, accepted.text
            page.send(
                json.dumps(
                    {
                        "kind": "events",
                        "session_id": session["id"],
                        "events": _events("http://shop.test/shop/help/returns"),
                    }
                )
            )
            desk.wait_until(lambda: "Returns and refunds" in cobrowse.text_view.toPlainText())
            assert cobrowse.note_label.text().startswith(
                "Live-Ansicht nicht verfügbar: QtWebEngine ist nicht"
            )
            problems += _german_lines(cobrowse.note_label.text(), ("PySide6.QtWebEngineWidgets",))
            problems += _german_lines(cobrowse.text_view.toPlainText(), page_data)
            problems += english_in([window], page_data)
            cobrowse.end_button.click()
            desk.wait_until(lambda: view.cobrowse_view is None)

        model = view.transcript_model

        def system_lines() -> list[str]:
            rows = (model.index(row, 0) for row in range(model.rowCount()))
            return [str(i.data()) for i in rows if i.data(TranscriptModel.SenderRole) == "system"]

        desk.wait_until(lambda: len(system_lines()) >= 4)  # invited, accepted, started, ended
        lines = system_lines()
        assert any(agent in line and "eingeladen" in line for line in lines), lines
        assert lines[-1].endswith(f"Co-Browsing von {agent} beendet."), lines
        for line in lines:
            problems += _german_lines(line, page_data)

        # A connector's conflict: the record changed in Tryton and in the desk.
        conflict = Conflict(
            item_id=2,
            kind="customer",
            customer_id="c-1",
            title="E-Mail",
            merge=MergeResult(
                merged={},
                conflicts=(FieldConflict("email", "a@example.org", "b@example.org", "c@example.org"),),
            ),
            theirs_by="",
        )
        dialog = ConflictDialog(conflict, "Jana Kowalski", window, system="Tryton")
        dialog.show()
        opened.append(dialog)
        problems += english_in([dialog], ("Tryton",))

        # Help ▸ Save diagnostics: the file dialog, and the message when the place cannot be written.
        window.diagnostics = DiagnosticsService(Redactor(), log_files=list, config_report=lambda: "")
        window.save_diagnostics()
        file_dialog = window.diagnostics_dialog
        assert file_dialog is not None and file_dialog.isVisible()
        # Qt's own file dialog, in Qt's German ("Details" is German too: its detail-view button)
        # Folder paths are data: the dialog also lists folders used before in this session (another
        # test's "/tmp/pytest-of-root/...": "of" is not an English word there).
        paths = (*file_dialog.history(), file_dialog.directory().absolutePath(), str(tmp_path))
        problems += english_in([file_dialog], (window.diagnostics.default_name(), *paths, "Details"))
        file_dialog.reject()
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("x")
        desk.run(window._write_diagnostics(blocker / "diagnostics.zip"))
        boxes = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.objectName() != "desk"]
        box = next(w for w in boxes if w.windowTitle() == "Diagnose speichern")
        opened.append(box)
        assert box.text().endswith(": Ein Teil des Pfads ist kein Ordner")  # not the C library's English
        problems += english_in([box], (str(blocker / "diagnostics.zip"),))

        # The tray menu.
        menu = desk_habits.tray_menu(window)
        problems += [
            f"tray menu: English word in {a.text()!r}" for a in menu.actions() if ENGLISH.search(a.text())
        ]
        assert [a.text() for a in menu.actions() if a.text()][:2] == ["Verfügbar", "Abwesend"]
        assert problems == [], "\n".join(problems)
    finally:
        for widget in opened:
            widget.close()
            widget.deleteLater()
        close_desk(desk)


def test_a_past_transcripts_system_lines_read_in_german(german: None, qtbot: Any) -> None:
    """A past conversation opened from the history: the backend's English system lines, with the
    agent's name and the reason, in German; the sender named in German too."""
    from workstation.ui.history_panel import TranscriptDialog

    lines = [
        ("customer", "Hallo", ""),
        ("system", "Anna (Team 2) invited the customer to cobrowse (to see and guide their web page).", ""),
        ("system", "Cobrowse ended by Anna (Team 2) (paused for more than 15 min).", ""),
        ("system", "Cobrowse expired (no answer within 120 s).", ""),
    ]
    dialog = TranscriptDialog("Chat", lines)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "Anna (Team 2) hat den Kunden zum Co-Browsing eingeladen" in text
    assert "Co-Browsing von Anna (Team 2) beendet (länger als 15 min pausiert)." in text
    assert "Co-Browsing abgelaufen (keine Antwort innerhalb von 120 s)." in text
    assert "System" in text and "system" not in text
    assert _german_lines(text, ("Anna (Team 2)", "Hallo", "Chat")) == []
