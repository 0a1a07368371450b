"""The desk's failures and the backend's refusals and system lines, in German.

Each situation is made to happen against the real backend (an empty reply, a note too long, the
customer leaving, a team lead moving a task that no longer waits or to a queue that does not exist,
a backend or a softphone that is not there), and the text the agent or team lead then sees is
checked: German, and no English word in it.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from tests.helpers.backend import Backend
from tests.helpers.desk import close_desk, open_desk
from tests.ui.test_german import ENGLISH, _data_params, _give_situations, german  # noqa: F401  (german: the fixture)
from workstation.client.api import BackendApi, BackendUnavailable
from workstation.client.monitor import MonitorApi
from workstation.client.softphone import SoftphoneClient, SoftphoneError
from workstation.domain.models import Presence, TimelineEvent, utcnow
from workstation.services.cobrowse import CobrowseServiceError
from workstation.services.customer_context import _history_failure
from workstation.services.queue_monitor import QueueMonitorService
from workstation.services.voice import VoiceService
from workstation.ui.domain_text import error_text, render
from workstation.ui.queue_monitor import QueueMonitorView
from workstation.ui.transcript_model import TranscriptModel

pytestmark = pytest.mark.gui

API = "/api/v1"


def _german(text: str) -> str:
    """`text`, after checking it holds no English word (returned for exact comparisons)."""
    assert text, "no text shown"
    match = ENGLISH.search(text)
    assert match is None, f"English word {match.group(0)!r} in {text!r}"
    return text


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("german")
def test_the_desks_own_failures_and_the_customer_leaving_read_in_german(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk = open_desk(aloop, tmp_path / "desk", backend.url)
    try:
        window = desk.window
        window.set_presence(Presence.AVAILABLE)
        desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
        _give_situations(backend, "c-1")  # a history that makes relevance cards
        chat = backend.start_chat("c-1", "Wo ist mein Paket?", topic="delivery")
        conv_id = chat["conversation"]["id"]
        desk.wait_until(lambda: window.offer_cards)
        (card,) = window.offer_cards.values()
        card.accept_button.click()
        desk.wait_until(lambda: conv_id in window.views)
        view = window.views[conv_id]
        status = window.statusBar()

        view.reply_submitted.emit(conv_id, "   ")
        assert _german(status.currentMessage()) == "Nichts zu senden."

        view.note_added.emit("c-1", "  ")
        assert _german(status.currentMessage()) != "A note must not be empty."
        view.note_added.emit("c-1", "x" * 10_001)
        assert "10.000" in _german(status.currentMessage())  # the limit in German digits

        # Cobrowse commands without a session, a history event without a transcript.
        with pytest.raises(CobrowseServiceError) as cobrowse_error:
            desk.run(desk.ws.cobrowse.pointer(conv_id, 1.0, 1.0))
        assert _german(error_text(cobrowse_error.value)) == "Die Co-Browsing-Verbindung ist nicht offen."
        event = TimelineEvent(
            id="e-none", customer_id="c-1", at=utcnow(), channel="email", kind="email", summary="Frage"
        )
        with pytest.raises(LookupError) as transcript_error:
            desk.run(desk.ws.context.transcript("c-1", event))
        assert _german(error_text(transcript_error.value)) == "Zu diesem Ereignis gibt es kein Protokoll."

        # Dismissing a card: the note names the reason and the card in German (its data taken out).
        desk.wait_until(view.relevance_panel.visible_cards)
        card_shown = view.relevance_panel.visible_cards()[0]
        view.card_dismissed.emit(conv_id, card_shown, "not_relevant")
        note = view.relevance_panel.note_label.text()
        assert note.startswith("Verworfen (Nicht relevant): ") and render(card_shown.title) in note
        for data in sorted(_data_params(card_shown.title), key=len, reverse=True):
            note = note.replace(data, " ")
        _german(note)

        # The customer leaves: the backend's system line reaches the transcript over the push stream.
        left = backend.http.post(
            f"{API}/customer/chats/{conv_id}/leave",
            headers={"Authorization": f"Bearer {chat['customer_token']}"},
        )
        assert left.status_code == 200, left.text
        model = view.transcript_model

        def system_lines() -> list[str]:
            return [
                str(model.index(row, 0).data())
                for row in range(model.rowCount())
                if model.index(row, 0).data(TranscriptModel.SenderRole) == "system"
            ]

        desk.wait_until(system_lines)
        (line,) = system_lines()
        assert line.startswith("System") and line.endswith("\nDer Kunde hat das Gespräch verlassen.")
        _german(line)

        # Signed out elsewhere: the push stream closes with the backend's reason, shown translated.
        token = desk.ws.api.token
        out = backend.http.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert out.status_code in (200, 204), out.text
        connection = window.status.connection_label
        desk.wait_until(lambda: "Sitzung" in connection.text())
        assert _german(connection.text()).endswith("Die Sitzung wurde abgemeldet.")
    finally:
        close_desk(desk)


@pytest.mark.usefixtures("german")
def test_a_team_leads_refused_actions_read_in_german(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk = open_desk(aloop, tmp_path / "lead", backend.url, username="lead")
    try:
        view = desk.window.monitor_view
        assert isinstance(view, QueueMonitorView)
        chat = backend.start_chat("c-3", "Hallo")  # nobody is available: it waits
        conv_id = chat["conversation"]["id"]

        desk.run(view._move(conv_id, "nowhere"))
        assert _german(view.message_label.text()) == "Es gibt keine Warteschlange „nowhere“."

        left = backend.http.post(
            f"{API}/customer/chats/{conv_id}/leave",
            headers={"Authorization": f"Bearer {chat['customer_token']}"},
        )
        assert left.status_code == 200, left.text
        desk.run(view._move(conv_id, "english"))
        assert _german(view.message_label.text()) == "Das Gespräch ist geschlossen, es wartet nicht."

        # A backend that is not there: the gist in German (the technical detail goes to the log).
        async def unreachable() -> str:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{_free_port()}", timeout=2) as http:
                service = QueueMonitorService(MonitorApi(BackendApi(http)))
                offline = QueueMonitorView(service)
                try:
                    assert not offline.export_to(tmp_path / "empty.csv")  # nothing has arrived
                    exported = _german(offline.message_label.text())
                    assert exported.endswith("Es sind noch keine Statistiken eingetroffen.")
                    assert await service.why_waiting(conv_id) is None
                    return offline.message_label.text()
                finally:
                    await offline.shutdown()
                    offline.deleteLater()

        assert _german(desk.run(unreachable())) == "Der Server ist nicht erreichbar."
    finally:
        close_desk(desk)


@pytest.mark.usefixtures("german")
def test_why_the_history_could_not_be_loaded_reads_in_german() -> None:
    """What the history panel is told when the backend is away (the signal carries this Msg)."""
    reason = _history_failure(BackendUnavailable("GET /api/v1/customers/c-1/events: ConnectError"))
    expected = "Der Verlauf kann nicht geladen werden: Der Server ist nicht erreichbar."
    assert _german(render(reason)) == expected


@pytest.mark.usefixtures("german")
def test_a_softphone_that_is_not_running_is_reported_in_german(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    """A real softphone client against a port nothing listens on: the status the desk shows, and
    what a call command reports."""
    desk = open_desk(aloop, tmp_path / "desk", backend.url)
    voice = VoiceService(desk.ws.api, desk.ws.inbox, SoftphoneClient("127.0.0.1", _free_port()))
    failures: list[str] = []
    voice.call_failed.connect(lambda message: failures.append(render(message)))
    try:
        assert _german(render(voice.status_text)) == (
            "Kein Softphone eingerichtet: Anrufe werden diesem Arbeitsplatz nicht angeboten."
        )
        starting = desk.loop.create_task(voice.start())
        desk.wait_until(lambda: not voice.status_text.startswith("No softphone"))
        assert _german(render(voice.status_text)) == (
            "Das Softphone läuft nicht: Anrufe werden Ihnen erst angeboten, wenn es läuft."
        )
        voice.hangup()
        desk.wait_until(lambda: failures)
        assert _german(failures[0]) == "Das Softphone läuft nicht."
        with pytest.raises(SoftphoneError) as not_connected:  # a command to a phone not connected
            desk.run(SoftphoneClient("127.0.0.1", _free_port()).command("hold"))
        assert _german(error_text(not_connected.value)) == "Das Softphone ist nicht verbunden."
        starting.cancel()
        desk.run(voice.close())
    finally:
        close_desk(desk)


@pytest.mark.usefixtures("german")
def test_an_expired_session_reads_in_german(backend: Backend) -> None:
    """The backend's 401 names its template; what the status bar then says is German."""
    from workstation.client.api import refusal
    from workstation.ui.status_bar import StatusBar

    response = backend.http.get(f"{API}/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    error = refusal(response.status_code, response.json())
    assert str(error.message) == "Invalid or expired token."  # API clients read English
    status = StatusBar()
    try:
        status.show_signed_out(error.message)
        assert _german(status.connection_label.text()).endswith("Anmeldung ungültig oder abgelaufen.")
    finally:
        status.deleteLater()
