"""Habits of a good desktop app: the window comes back as the agent left it, quitting with work open
asks first, and quitting sets the agent Offline on the real backend (no chat for an empty chair)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QSplitter, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk, close_desk, open_desk
from workstation.domain.models import Presence
from workstation.ui import desk_habits, language

pytestmark = pytest.mark.gui


@pytest.fixture
def state_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "window-state.ini"
    desk_habits.use_file(path)
    try:
        yield path
    finally:
        desk_habits.use_file(None)


def test_geometry_splitter_and_last_tab_come_back(qtbot: QtBot, state_file: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(700, 500)  # within the offscreen screen (800×600)
    window.show()
    desk_habits.save_window(window)

    splitter = QSplitter()
    splitter.setObjectName("besideSplitter")
    splitter.addWidget(QWidget())
    splitter.addWidget(QWidget())
    qtbot.addWidget(splitter)
    splitter.resize(600, 300)
    splitter.show()
    desk_habits.remember_splitter(splitter)
    splitter.setSizes([100, 500])
    splitter.splitterMoved.emit(100, 1)  # as a drag does
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "a")
    tabs.addTab(QWidget(), "b")
    desk_habits.remember_tab(tabs)
    tabs.setCurrentIndex(1)

    again = QMainWindow()
    qtbot.addWidget(again)
    assert desk_habits.restore_window(again)
    assert (again.width(), again.height()) == (700, 500)
    splitter2 = QSplitter()
    splitter2.setObjectName("besideSplitter")
    splitter2.addWidget(QWidget())
    splitter2.addWidget(QWidget())
    qtbot.addWidget(splitter2)
    desk_habits.remember_splitter(splitter2)
    splitter2.resize(600, 300)
    splitter2.show()
    assert splitter2.sizes()[0] < splitter2.sizes()[1]
    tabs2 = QTabWidget()
    qtbot.addWidget(tabs2)
    tabs2.addTab(QWidget(), "a")
    tabs2.addTab(QWidget(), "b")
    desk_habits.remember_tab(tabs2)
    assert tabs2.currentIndex() == 1


def test_without_a_state_file_nothing_is_remembered(qtbot: QtBot) -> None:
    desk_habits.use_file(None)
    window = QMainWindow()
    qtbot.addWidget(window)
    assert not desk_habits.restore_window(window)


def test_quit_question_counts_chats_and_unsent_changes(qapp: QApplication) -> None:
    before = QLocale()
    language.apply_language(qapp, "en")  # English plural forms come from the English catalogue
    try:
        assert desk_habits.quit_question(0, 0) == ""
        text = desk_habits.quit_question(2, 1)
        assert "2 open chats" in text and "1 change not sent yet" in text
        language.apply_language(qapp, "de")
        assert "2 offene Chats und 1 noch nicht gesendete Änderung" in desk_habits.quit_question(2, 1)
    finally:
        language.reset_language(qapp, before)


def test_quitting_with_an_open_chat_asks_and_then_goes_offline(
    aloop: object, backend: Backend, tmp_path: Path
) -> None:
    desk: Desk = open_desk(aloop, tmp_path / "desk", backend.url)  # type: ignore[arg-type]
    closed = False
    try:
        window = desk.window
        window.set_presence(Presence.AVAILABLE)
        desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
        chat = backend.start_chat("c-1", "Hallo", topic="delivery")
        desk.wait_until(lambda: window.offer_cards)
        window.accept_oldest_offer()
        desk.wait_until(lambda: chat["conversation"]["id"] in window.views)

        window.close()  # the agent clicks the window's close button
        assert window.isVisible(), "an open chat: the window stays until the agent confirms"
        box = window.quit_box
        assert isinstance(box, QMessageBox) and "1 open chat" in box.text()  # "chat(s)" without a catalogue
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert window.isVisible() and not window.quit_confirmed

        window.close()
        quit_button = next(b for b in window.quit_box.buttons() if "Quit" in b.text())
        quit_button.click()
        assert not window.isVisible() and window.quit_confirmed

        desk.run(window.shutdown())  # what the app does when the last window closed
        me = desk.run(desk.ws.api.me())
        assert me.presence == Presence.OFFLINE
        closed = True
    finally:
        if not closed:
            desk.window.quit_confirmed = True
        close_desk(desk)


class _Window(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.presences: list[Presence] = []

    def set_presence(self, presence: Presence) -> None:
        self.presences.append(presence)


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_the_tray_menu_sets_presence_shows_and_quits(qtbot: QtBot) -> None:
    window = _Window()
    qtbot.addWidget(window)
    menu = desk_habits.tray_menu(window)
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert len(actions) == 5
    actions[2].trigger()  # Offline
    assert window.presences == [Presence.OFFLINE]
    actions[3].trigger()  # Show
    assert window.isVisible()
    actions[4].trigger()  # Quit: closes the window (the app ends on the last window)
    assert not window.isVisible()


def test_the_cards_take_the_height_they_need_and_the_history_the_rest(
    aloop: object, backend: Backend, tmp_path: Path
) -> None:
    """A tall window gives no blank gap under a few cards (the history gets the height), a short
    one keeps the history's filters; once the agent drags the handle, their split stays."""
    from workstation.ui.conversation_view import CARDS_SLACK

    desk: Desk = open_desk(aloop, tmp_path / "desk", backend.url)  # type: ignore[arg-type]
    try:
        window = desk.window
        window.resize(1920, 1080)
        window.set_presence(Presence.AVAILABLE)
        desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
        chat = backend.start_chat("c-1", "Wo ist mein Paket?", topic="delivery")  # a history without cards
        desk.wait_until(lambda: window.offer_cards)
        window.accept_oldest_offer()
        conv_id = chat["conversation"]["id"]
        desk.wait_until(lambda: conv_id in window.views)
        view = window.views[conv_id]
        desk.wait_until(lambda: view.relevance_panel.ranking is not None)
        panel, scroll = view.relevance_panel, view.relevance_scroll

        def blank_under_cards() -> int:
            return scroll.viewport().height() - panel.heightForWidth(scroll.viewport().width())

        cards, history = view.beside.sizes()
        desk.wait_until(lambda: 0 <= blank_under_cards() <= CARDS_SLACK + 2 or view.beside.sizes()[0] < cards)
        cards, history = view.beside.sizes()
        assert blank_under_cards() <= CARDS_SLACK + 2 or cards >= 0.6 * (cards + history) - 2
        assert history > cards / 2, (cards, history)  # the history is not squeezed to a few rows

        view.beside.moveSplitter(cards + 120, 1)  # the agent drags the handle down
        chosen = view.beside.sizes()
        assert chosen[0] > cards + 60
        view.fit_cards()  # as after new cards or a resize
        assert view.beside.sizes() == chosen  # the cards keep the agent's height
    finally:
        close_desk(desk)
