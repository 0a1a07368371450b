"""The team lead's list of connector conflicts: a Qt model that takes pages and bounds its cells."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytestqt.modeltest import ModelTester

from workstation.domain.models import ConnectorConflict
from workstation.ui import connector_conflicts_model as module
from workstation.ui.connector_conflicts_model import ConnectorConflictsModel

pytestmark = pytest.mark.gui


def _conflict(n: int, **extra: object) -> ConnectorConflict:
    return ConnectorConflict.model_validate(
        {
            "connector": "erp",
            "customer_id": f"erp-party-{n}",
            "record": f"party.party,{n}",
            "field": "email",
            "before": f"old-{n}@example.org",
            "theirs": f"erp-{n}@example.org",
            "yours": f"desk-{n}@example.org",
            "at": datetime(2026, 12, 5, 10, n, tzinfo=UTC),
            **extra,
        }
    )


def test_pages_append_in_order_and_the_next_page_starts_after_the_last_row(
    qtmodeltester: ModelTester,
) -> None:
    model = ConnectorConflictsModel()
    qtmodeltester.check(model, force_py=True)
    assert model.last_key() is None
    assert model.append([_conflict(1), _conflict(2)]) == 2
    assert model.append([_conflict(3)]) == 1
    assert model.rowCount() == 3 and model.columnCount() == 5
    assert model.last_key() == ("party.party,3", "email")
    first = [model.index(0, c).data() for c in range(model.columnCount())]
    assert first[:4] == ["erp-party-1", "E-mail", "erp-1@example.org", "desk-1@example.org"]
    assert first[4]  # the local date and time, in the locale's way
    model.clear()
    assert model.rowCount() == 0 and model.last_key() is None


def test_upstream_text_is_one_bounded_line_and_a_missing_value_a_dash() -> None:
    model = ConnectorConflictsModel()
    model.append([_conflict(1, theirs="<b>x</b>\nline two " + "y" * 1_500, yours=None)])
    theirs = model.index(0, ConnectorConflictsModel.THEIRS).data()
    assert theirs.startswith("<b>x</b> line two ") and "\n" not in theirs
    assert len(theirs) == module.MAX_CELL_CHARS and theirs.endswith("…")
    assert model.index(0, ConnectorConflictsModel.YOURS).data() == "—"


def test_the_list_stops_at_its_row_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_ROWS", 3)
    model = ConnectorConflictsModel()
    assert model.append([_conflict(1), _conflict(2)]) == 2
    assert model.append([_conflict(3), _conflict(4)]) == 1
    assert model.full() and model.rowCount() == 3
    assert model.append([_conflict(5)]) == 0
