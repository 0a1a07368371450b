"""The transcript model: a pending line replaced by its server copy, its rendered text kept per row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from workstation.domain.models import Message, TranscriptEntry, utcnow
from workstation.ui.transcript_model import TranscriptModel

T0 = utcnow()


def _entry(
    n: int, *, sender: str = "customer", delivery: str = "sent", key: str | None = None
) -> TranscriptEntry:
    message = Message(
        id=f"local:{key}" if delivery == "pending" else f"m-{n}",
        conversation_id="c",
        sender=sender,  # type: ignore[arg-type]
        author="Ann" if sender == "agent" else "Kim",
        text=f"line {n}",
        at=T0 + timedelta(seconds=n),
        client_key=key,
    )
    return TranscriptEntry(message=message, delivery=delivery)  # type: ignore[arg-type]


def _texts(model: TranscriptModel) -> list[str]:
    return [model.data(model.index(row), Qt.ItemDataRole.DisplayRole) for row in range(model.rowCount())]


def test_passes_qtmodeltester(qtbot: QtBot, qtmodeltester: Any) -> None:
    model = TranscriptModel()
    model.reset([_entry(n) for n in range(5)])
    qtmodeltester.check(model)


def test_the_server_copy_replaces_the_pending_line_and_its_text(qtbot: QtBot) -> None:
    model = TranscriptModel()
    model.reset([_entry(1)])
    model.upsert([_entry(2, sender="agent", delivery="pending", key="k2")])
    assert "sending…" in _texts(model)[1]  # rendered (and kept) while pending
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles=None: changed.append(top.row()))
    server_copy = _entry(2, sender="agent").message.model_copy(update={"client_key": "k2"})
    model.upsert([TranscriptEntry(message=server_copy)])
    assert model.rowCount() == 2
    assert changed == [1]
    assert "sending…" not in _texts(model)[1]
    assert _texts(model)[1].endswith("line 2")


def test_an_unchanged_line_is_not_repainted(qtbot: QtBot) -> None:
    """After each confirmed reply the newest lines are re-read; only the one that changed is signalled."""
    model = TranscriptModel()
    entries = [_entry(n) for n in range(20)]
    model.reset(entries)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles=None: changed.append(top.row()))
    refused = entries[7].model_copy(update={"delivery": "failed", "error": "too long"})
    model.upsert([*entries[:7], refused, *entries[8:]])
    assert changed == [7]
    assert "too long" in _texts(model)[7]


def test_trimmed_rows_keep_their_text_in_step(qtbot: QtBot, monkeypatch: Any) -> None:
    monkeypatch.setattr(TranscriptModel, "MAX_ROWS", 5)
    model = TranscriptModel()
    model.reset([_entry(n) for n in range(5)])
    assert _texts(model)[0].endswith("line 0")  # rendered before the trim
    model.upsert([_entry(5), _entry(6)])
    assert [t.rsplit(" ", 1)[1] for t in _texts(model)] == ["2", "3", "4", "5", "6"]
