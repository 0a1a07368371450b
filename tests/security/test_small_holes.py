"""Issue 18, item 12: a half-committed routing change, formula cells in the CSV export, NUL in e-mail."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers.backend import Backend
from tests.security.server_helpers import API
from workstation.domain.models import Presence
from workstation.domain.queue_monitor import AgentInput, compute_snapshot, snapshot_csv
from workstation.domain.workflow import QueueConfig

pytestmark = pytest.mark.security

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_a_refused_agent_routing_change_changes_nothing(backend: Backend, tmp_path: Path) -> None:
    lead = backend.login("lead")
    server_backend = backend.server.backend
    assert server_backend is not None
    before = server_backend.get_agent("a-lead")
    change = {"attributes": {"skills": ["hacking"], "level": 9}, "capacity": {"chat": 7}}
    for target in ("a-lead", "a-simulator", "a-nobody"):  # a team lead, a service account, nobody
        answer = backend.http.put(f"{API}/routing/agents/{target}", json=change, headers=lead)
        assert answer.status_code == 404, answer.text
    after = server_backend.get_agent("a-lead")
    assert (after.skills, after.max_chats) == (before.skills, before.max_chats)
    assert not server_backend.has_agent_routing("a-lead")
    # An agent's change still works, and answers with the agent's row.
    ok = backend.http.put(f"{API}/routing/agents/a-anna", json=change, headers=lead)
    assert ok.status_code == 200 and ok.json()["capacity"]["chat"] == 7


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://x")', "+1+1", "-2-2", "@SUM(A1)", "\t=1+1", "\r=1+1"],
)
def test_every_csv_cell_is_guarded_against_formulas_lists_included(hostile: str) -> None:
    agent = AgentInput(
        "a-x",
        hostile,
        hostile,
        Presence.AVAILABLE,
        0,
        3,
        NOW,
        reason=hostile,
        skills=(hostile, "delivery"),
        languages=(hostile,),
        queues=(hostile,),
    )
    snap = compute_snapshot(
        [QueueConfig(id="q", name=hostile, target_workers="true")],
        members={"q": frozenset({"a-x"})},
        agents=[agent],
        waiting=[],
        outcomes=[],
        now=NOW,
        window_s=900,
        version=1,
    )
    rows = list(csv.reader(io.StringIO(snapshot_csv(snap), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "the export has cells"
    for cell in cells:
        assert cell.lstrip(" \t\r")[:1] not in ("=", "+", "-", "@"), cell
        assert "\r" not in cell and "\n" not in cell  # a line break would start a row mid-cell
    assert len(rows) == 7  # title, queue header, queue, total, blank, agent header, agent: no extra row
    assert any(cell.startswith("'") and hostile.strip() in cell for cell in cells)  # kept, as text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "jana\x00@example.com"),
        ("email", "jana@example.com\x00<script>"),
        ("company", "ACME\x00 GmbH"),
        ("company", "ACME\x1b[31m"),
        ("company", "ACME\u202eHbmG"),
    ],
)
def test_contact_fields_refuse_control_characters(backend: Backend, field: str, value: str) -> None:
    service = {"Authorization": f"Bearer {backend.service_token}"}
    version = backend.http.get(f"{API}/customers/c-1", headers=service).json()["version"]
    answer = backend.http.patch(
        f"{API}/customers/c-1", json={"fields": {field: value}}, headers={**service, "If-Match": str(version)}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["field"] == field
    assert backend.http.get(f"{API}/customers/c-1", headers=service).json()["version"] == version
