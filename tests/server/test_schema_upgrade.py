"""A backend database made before the user admin commands and the audit log is upgraded in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.security.server_helpers import API, admin, running


def test_a_database_without_disabled_at_and_audit_log_is_upgraded_keeping_its_users(tmp_path: Path) -> None:
    with running(tmp_path, seeded=False):
        pass
    with sqlite3.connect(tmp_path / "backend.sqlite3") as db:
        db.execute("DROP TABLE audit_log")
        db.execute("ALTER TABLE agents DROP COLUMN disabled_at")
        # as a database at revision 0001 (before the admin commands and the audit log) is
        db.execute("UPDATE alembic_version SET version_num = '0001'")
    with running(tmp_path, seeded=False) as backend:
        lead = backend.login("lead")  # the demo users survived
        assert backend.http.get(f"{API}/audit", headers=lead).json()["entries"][0]["action"] == "auth.sign_in"
    assert admin(tmp_path, "users", "disable", "anna").returncode == 0
    assert "anna\tagent\tdisabled" in admin(tmp_path, "users", "list").stdout
