"""The team lead's monitor lists a connector's open conflicts across customers, page by page, from a
real backend importing from a real trytond (the conflicts made as in test_conflicts_api.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers import desk as desk_helpers
from tests.helpers.desk import close_desk, open_desk
from tests.server.connectors import test_conflicts_api
from tests.server.connectors.test_conflicts_api import Setup
from workstation.ui import connector_conflicts_page
from workstation.ui.connector_conflicts_model import ConnectorConflictsModel
from workstation.ui.queue_monitor import QueueMonitorView

pytestmark = [pytest.mark.connectors, pytest.mark.gui]

# The fixtures of the desk and of the two conflicts, taken from where they are defined.
aloop = desk_helpers.aloop
two_conflicts = test_conflicts_api.two_conflicts


def test_a_team_lead_pages_through_every_customers_conflicts_in_the_monitor(
    aloop: asyncio.AbstractEventLoop,
    two_conflicts: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connector_conflicts_page, "PAGE_SIZE", 1)  # two pages for two conflicts
    s = two_conflicts
    desk = open_desk(aloop, tmp_path / "lead", s.helper.url, username="lead")
    try:
        view = desk.window.monitor_view
        assert isinstance(view, QueueMonitorView)
        page = view.conflicts
        assert page.model.rowCount() == 0  # nothing asked before the tab is opened
        view.side.setCurrentWidget(page)
        desk.wait_until(lambda: page.model.rowCount() == 1 and page.more_button.isEnabled())
        assert page.connector_combo.currentText() == "erp"
        assert "more to load" in page.status_label.text()
        page.more_button.click()
        desk.wait_until(lambda: page.model.rowCount() == 2 and page.more_button.isEnabled())
        page.more_button.click()  # the third page is empty: the end
        desk.wait_until(lambda: not page.more_button.isEnabled() and "2 open" in page.status_label.text())
        rows = {tuple(page.model.index(r, c).data() for c in range(4)) for r in range(page.model.rowCount())}
        assert rows == {
            (s.customer(p), "E-mail", f"erp-{p}@example.org", f"desk-{p}@example.org")
            for p in (s.jana, s.otto)
        }
        assert all(page.model.index(r, ConnectorConflictsModel.WHEN).data() for r in range(2))
        # Refresh starts again from the first page.
        page.refresh_button.click()
        desk.wait_until(lambda: page.model.rowCount() == 1 and page.more_button.isEnabled())
    finally:
        close_desk(desk)
