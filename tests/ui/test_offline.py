"""Offline first on the real desktop: stale marks, edits while the backend is away, conflicts decided by
the agent (base / theirs / mine), nothing overwritten silently."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.faults import FaultProxy
from tests.helpers.backend import Backend
from tests.helpers.desk import Desk, close_desk, open_desk
from tests.ui.test_desktop import _accept_next, _go_available

pytestmark = pytest.mark.gui

API = "/api/v1"


@pytest.fixture
def proxy(backend: Backend) -> Iterator[FaultProxy]:
    p = FaultProxy(backend.server.port)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def far_desk(
    aloop: asyncio.AbstractEventLoop, backend: Backend, proxy: FaultProxy, tmp_path: Path
) -> Iterator[Desk]:
    """A desktop that reaches the backend only through the fault proxy."""
    d = open_desk(aloop, tmp_path / "desk", proxy.url)
    try:
        yield d
    finally:
        close_desk(d)


def _customer(backend: Backend, headers: dict[str, str], customer_id: str = "c-1") -> dict:  # type: ignore[type-arg]
    response = backend.http.get(f"{API}/customers/{customer_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _go_offline(desk: Desk, proxy: FaultProxy) -> None:
    proxy.set_mode("down")
    desk.wait_until(lambda: not desk.ws.sync.online)


def test_offline_marks_data_stale_and_keeps_everything_usable(
    far_desk: Desk, backend: Backend, proxy: FaultProxy
) -> None:
    desk = far_desk
    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend, "c-1", "Hallo")
    view = desk.window.views[conv_id]
    desk.wait_until(lambda: "Updated" in view.customer_header.freshness_label.text())
    assert view.customer_header.freshness_label.property("stale") is False

    _go_offline(desk, proxy)
    label = desk.window.connection_label.text()
    assert label.startswith("● Offline since ") and label[16:21].replace(":", "").isdigit()
    freshness = view.customer_header.freshness_label.text()
    assert "Offline since" in freshness and "may be out of date" in freshness
    assert view.customer_header.freshness_label.property("stale") is True
    # what was cached stays on screen and usable
    assert "Gold" in view.customer_header.facts_label.text()
    assert len(view.timeline_model.entries()) == 25
    view.notes_panel.editor.setPlainText("Paket kam beschädigt an")
    QTest.keyClick(view.notes_panel.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # Shown once the cache's writer thread committed it (durable first), a moment later.
    desk.wait_until(lambda: view.notes_panel.texts() == ["Paket kam beschädigt an"])
    assert "not sent yet" in view.notes_panel.model.item(0).text()

    proxy.set_mode("pass")
    desk.wait_until(lambda: desk.ws.sync.online, timeout=15)
    desk.wait_until(lambda: "Updated" in view.customer_header.freshness_label.text(), timeout=15)
    assert view.customer_header.freshness_label.property("stale") is False
    desk.wait_until(lambda: "not sent yet" not in view.notes_panel.model.item(0).text(), timeout=15)
    lead = backend.login("lead")
    notes = backend.http.get(f"{API}/customers/c-1/notes", headers=lead).json()
    assert [n["text"] for n in notes] == ["Paket kam beschädigt an"]


def test_conflicting_offline_edit_is_decided_by_the_agent_and_the_rest_merged(
    far_desk: Desk, backend: Backend, proxy: FaultProxy, tmp_path: Path
) -> None:
    desk = far_desk
    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend, "c-1", "Hallo")
    view = desk.window.views[conv_id]
    desk.wait_until(lambda: view.customer_header.edit_button.isEnabled())
    lead = backend.login("lead")
    base_version = _customer(backend, lead)["version"]

    _go_offline(desk, proxy)
    # The agent corrects e-mail and phone in the dialog while the backend is unreachable ...
    QTest.mouseClick(view.customer_header.edit_button, Qt.MouseButton.LeftButton)
    desk.wait_until(
        lambda: (
            desk.controller.record_edits.customer_dialog is not None
            and desk.controller.record_edits.customer_dialog.isVisible()
        )
    )
    dialog = desk.controller.record_edits.customer_dialog
    assert dialog is not None
    dialog.edits["email"].setText("jana.k@example.org")
    dialog.edits["phone"].setText("+49 170 5550123")
    dialog.accept()
    desk.wait_until(lambda: desk.controller.record_edits.customer_dialog is None)
    desk.wait_until(lambda: "jana.k@example.org (not sent yet)" in view.customer_header.contact_label.text())
    # ... and meanwhile a team lead changes the e-mail differently, and the company.
    saved = backend.http.patch(
        f"{API}/customers/c-1",
        json={"fields": {"email": "jana@kowalski.example", "company": "Kowalski GmbH"}},
        headers={**lead, "If-Match": f'"{base_version}"'},
    )
    assert saved.status_code == 200

    proxy.set_mode("pass")
    desk.wait_until(lambda: desk.window.conflicts_button.isVisible(), timeout=15)
    assert "1 change" in desk.window.conflicts_button.text()
    assert "⚠" in view.customer_header.contact_label.text()
    # Nothing of the agent's edit reached the backend yet: no silent overwrite either way.
    assert _customer(backend, lead)["email"] == "jana@kowalski.example"

    QTest.mouseClick(desk.window.conflicts_button, Qt.MouseButton.LeftButton)
    desk.wait_until(
        lambda: (
            desk.controller.record_edits.conflict_dialog is not None
            and desk.controller.record_edits.conflict_dialog.isVisible()
        )
    )
    conflict_dialog = desk.controller.record_edits.conflict_dialog
    assert conflict_dialog is not None
    (field,) = conflict_dialog.conflict.fields
    assert (field.name, field.base, field.theirs, field.mine) == (
        "email",
        None,
        "jana@kowalski.example",
        "jana.k@example.org",
    )
    conflict_dialog.grab().save(str(tmp_path / "conflict.png"))
    conflict_dialog.choose("email", "mine")
    QTest.mouseClick(conflict_dialog.keep_button, Qt.MouseButton.LeftButton)

    desk.wait_until(lambda: not desk.window.conflicts_button.isVisible(), timeout=10)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0, timeout=10)
    final = _customer(backend, lead)
    # mine where the agent decided, the agent's clean change kept, theirs kept where only they changed
    assert (final["email"], final["phone"], final["company"]) == (
        "jana.k@example.org",
        "+49 170 5550123",
        "Kowalski GmbH",
    )
    desk.wait_until(lambda: "not sent yet" not in view.customer_header.contact_label.text())
    assert "Kowalski GmbH" in view.customer_header.contact_label.text()


def test_note_edited_on_both_sides_keeps_theirs_when_the_agent_says_so(
    far_desk: Desk, backend: Backend, proxy: FaultProxy
) -> None:
    desk = far_desk
    _go_available(desk)
    _chat, conv_id = _accept_next(desk, backend, "c-1", "Hallo")
    view = desk.window.views[conv_id]
    records = desk.ws.records
    records.add_note("c-1", "Kundin wünscht Rückruf")
    desk.wait_until(lambda: [n.state for n in records.notes("c-1")] == ["sent"])
    (note,) = records.notes("c-1")

    _go_offline(desk, proxy)
    assert view.notes_panel.start_edit(note.note.id)
    view.notes_panel.editor.setPlainText("Kundin wünscht Rückruf morgen früh")
    view.notes_panel.save()
    desk.wait_until(lambda: [n.state for n in records.notes("c-1")] == ["pending"])
    lead = backend.login("lead")
    url = f"{API}/customers/c-1/notes/{note.note.id}"
    assert (
        backend.http.put(
            url, json={"text": "Rückruf erledigt"}, headers={**lead, "If-Match": '"1"'}
        ).status_code
        == 200
    )

    proxy.set_mode("pass")
    desk.wait_until(lambda: desk.window.conflicts_button.isVisible(), timeout=15)
    assert [n.state for n in records.notes("c-1")] == ["conflict"]
    (conflict,) = records.conflicts()
    (field,) = conflict.fields
    assert (field.base, field.theirs, field.mine) == (
        "Kundin wünscht Rückruf",
        "Rückruf erledigt",
        "Kundin wünscht Rückruf morgen früh",
    )
    records.decide(conflict, {"text": field.theirs})
    desk.wait_until(lambda: [n.state for n in records.notes("c-1")] == ["sent"], timeout=10)
    # Theirs reaches the cache with the pushed change (applied on the cache's writer thread), which
    # may land a moment after the conflict is closed.
    desk.wait_until(lambda: [n.text for n in records.notes("c-1")] == ["Rückruf erledigt"], timeout=10)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    assert [n["text"] for n in backend.http.get(f"{API}/customers/c-1/notes", headers=lead).json()] == [
        "Rückruf erledigt"
    ]
    assert not desk.window.conflicts_button.isVisible()
