"""The audit log: who did what and when, kept append-only and readable by team leads.

Entries are written in the same transaction as the action they describe (an action that rolls back
leaves no entry). They name the actor, the action, its target, the client address where there is
one, and small facts (field names, queue ids): never passwords, tokens, message or note texts, or
the values of contact fields. There is deliberately no function here that updates or deletes an
entry; on SQLite, triggers refuse both (migration 0002, workstation/server/migrations/versions).
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import Role, utcnow
from workstation.server.db import AgentRow, AuditRow, read_session

#: Most entries one GET /audit returns.
MAX_AUDIT_PAGE = 1000
#: Longest detail value kept (a guard, not a format: details are short facts).
MAX_DETAIL_CHARS = 200

# The actions recorded (the `action` column).
SIGN_IN = "auth.sign_in"
SIGN_IN_FAILED = "auth.sign_in_failed"
SIGN_IN_LOCKED = "auth.locked_out"
FORCE_PRESENCE = "teamlead.force_presence"
MOVE_TASK = "teamlead.move_task"
ROUTING_CONFIG = "routing.config_replaced"
AGENT_ROUTING = "routing.agent_changed"
CUSTOMER_EDIT = "record.customer_edited"
NOTE_CREATE = "record.note_created"
NOTE_EDIT = "record.note_edited"
USER_ADD = "admin.user_added"
USER_PASSWORD = "admin.user_password_set"
USER_DISABLE = "admin.user_disabled"
SERVICE_ADD = "admin.service_account_added"
SERVICE_REVOKE = "admin.service_account_revoked"

CLI_ACTOR = "cli"
ANONYMOUS = "anonymous"


def actor_of(db: DbSession, agent_id: str | None) -> str:
    """How an agent, team lead or service account appears as an actor: `agent:<username>`."""
    row = db.get(AgentRow, agent_id) if agent_id else None
    return f"{row.role}:{row.username}" if row else ANONYMOUS


def record(
    db: DbSession,
    action: str,
    *,
    actor: str,
    target: str = "",
    address: str = "",
    **detail: Any,
) -> None:
    """Add one entry to the session's transaction (it commits, or rolls back, with the action)."""
    db.add(
        AuditRow(
            at=utcnow(),
            actor=actor[:80],
            action=action,
            target=target[:120],
            address=address[:64],
            detail={k: _short(v) for k, v in detail.items()},
        )
    )


def record_now(
    engine: Engine, action: str, *, actor: str, target: str = "", address: str = "", **detail: Any
) -> None:
    """One entry in a transaction of its own (sign-in attempts, which change nothing else)."""
    with DbSession(engine) as db, db.begin():
        record(db, action, actor=actor, target=target, address=address, **detail)


def entries(engine: Engine, *, after: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    """Entries with an id above `after`, oldest first: page on with the last id returned."""
    limit = max(1, min(limit, MAX_AUDIT_PAGE))
    with read_session(engine) as db:
        rows = db.scalars(select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id).limit(limit))
        return [
            {
                "id": r.id,
                "at": (r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)).isoformat(),
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "address": r.address,
                "detail": r.detail,
            }
            for r in rows
        ]


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_DETAIL_CHARS]
    if isinstance(value, list | tuple):
        return [_short(v) for v in list(value)[:50]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:MAX_DETAIL_CHARS]


def audit_router(backend: Any) -> APIRouter:
    """GET /api/v1/audit?after=&limit=: the entries after an id, for team leads only."""
    from workstation.server.backend import BackendError  # the backend records entries: import late

    router = APIRouter(prefix="/api/v1")

    @router.get("/audit")
    async def audit_entries(
        authorization: Annotated[str | None, Header()] = None,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = 200,
    ) -> dict[str, Any]:
        bearer = authorization and authorization.lower().startswith("bearer ")
        token = authorization[7:].strip() if authorization and bearer else None
        principal = backend.authenticate(token)
        if principal.scope != "agent" or principal.role != Role.TEAMLEAD:
            raise BackendError(403, "forbidden", "Team leads only.")
        items = entries(backend.engine, after=after, limit=limit)
        return {"entries": items, "next_after": items[-1]["id"] if items else after}

    return router
