"""Users and service accounts, managed by the operator's admin commands (workstation.server.admin).

Works on the database directly (the server may be running: SQLite in WAL mode takes both). Each
change is recorded in the audit log in the same transaction. Service-account tokens are shown
once, when made; only their SHA-256 digest is stored.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import Presence, Role, utcnow
from workstation.server import audit
from workstation.server.db import AgentRow, TokenRow, read_session
from workstation.server.passwords import hash_password, password_problem, verify_password

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: How long a service account's token is valid; revoke it earlier with `service-accounts revoke`.
SERVICE_TOKEN_DAYS = 365
HUMAN_ROLES = {"agent": Role.AGENT, "teamlead": Role.TEAMLEAD}


class AccountError(Exception):
    """A refused admin command, with the reason for the operator."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str
    name: str
    role: str
    disabled: bool
    sessions: int


def add_user(
    engine: Engine,
    username: str,
    *,
    role: str,
    password: str,
    display_name: str | None = None,
    skills: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("en",),
) -> None:
    if role not in HUMAN_ROLES:
        raise AccountError(f"The role must be one of: {', '.join(HUMAN_ROLES)}.")
    _check_password(password)
    digest = hash_password(password)
    _new(engine, username, display_name or username, HUMAN_ROLES[role], digest, skills, languages)


def list_users(engine: Engine) -> list[UserInfo]:
    with read_session(engine) as db:
        now = utcnow()
        sessions: dict[str | None, int] = {}
        for token in db.scalars(select(TokenRow).where(TokenRow.scope == "agent")):
            if token.expires_at.replace(tzinfo=now.tzinfo) > now:
                sessions[token.agent_id] = sessions.get(token.agent_id, 0) + 1
        return [
            UserInfo(r.username, r.name, r.role, r.disabled_at is not None, sessions.get(r.id, 0))
            for r in db.scalars(select(AgentRow).order_by(AgentRow.username))
        ]


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password for a user; their open sessions end (they sign in with the new one)."""
    _check_password(password)
    digest = hash_password(password)
    with DbSession(engine) as db, db.begin():
        row = _user(db, username)
        if row.role == Role.SERVICE.value:
            raise AccountError(f"{username} is a service account: it has tokens, not a password.")
        row.password_hash = digest
        db.execute(delete(TokenRow).where(TokenRow.agent_id == row.id))
        audit.record(db, audit.USER_PASSWORD, actor=audit.CLI_ACTOR, target=username)


def disable_user(engine: Engine, username: str) -> None:
    """No more sign-ins, and every token of the user stops working at once."""
    with DbSession(engine) as db, db.begin():
        row = _user(db, username)
        _disable(db, row)
        audit.record(db, audit.USER_DISABLE, actor=audit.CLI_ACTOR, target=username)


def add_service_account(engine: Engine, name: str, *, days: int = SERVICE_TOKEN_DAYS) -> str:
    """A service account (an integration) and its bearer token, returned once and never stored."""
    if not 1 <= days <= 3650:
        raise AccountError("A token is valid for 1 to 3650 days.")
    # Nobody signs in with a password as a service account: an unguessable one it never learns.
    _new(engine, name, name, Role.SERVICE, hash_password(secrets.token_urlsafe(32)), (), ())
    return _mint(engine, name, days)


def revoke_service_account(engine: Engine, name: str) -> None:
    with DbSession(engine) as db, db.begin():
        row = _user(db, name)
        if row.role != Role.SERVICE.value:
            raise AccountError(f"{name} is not a service account (use `users disable`).")
        _disable(db, row)
        audit.record(db, audit.SERVICE_REVOKE, actor=audit.CLI_ACTOR, target=name)


def active_users(engine: Engine, usernames: tuple[str, ...]) -> list[str]:
    """Which of `usernames` exist and are not disabled."""
    with read_session(engine) as db:
        return list(
            db.scalars(
                select(AgentRow.username)
                .where(AgentRow.username.in_(usernames), AgentRow.disabled_at.is_(None))
                .order_by(AgentRow.username)
            )
        )


def ensure_password(engine: Engine, username: str, password: str) -> bool:
    """Demo mode: give a demo user `password` if it is not theirs already; True if it changed."""
    with DbSession(engine) as db, db.begin():
        row = db.scalar(select(AgentRow).where(AgentRow.username == username))
        if row is None or verify_password(password, row.password_hash):
            return False
        row.password_hash = hash_password(password)
        return True


def _new(
    engine: Engine,
    username: str,
    name: str,
    role: Role,
    password_hash: str,
    skills: tuple[str, ...],
    languages: tuple[str, ...],
) -> None:
    if not USERNAME.match(username):
        raise AccountError(
            "A user name is 1 to 64 letters, digits and . _ @ - (starting with a letter or digit)."
        )
    if not name.strip() or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise AccountError("A display name is 1 to 200 printable characters.")
    with DbSession(engine) as db, db.begin():
        if db.scalar(select(AgentRow).where(AgentRow.username == username)) is not None:
            raise AccountError(f"There is a user {username} already.")
        if db.get(AgentRow, f"a-{username}") is not None:
            raise AccountError(f"The id a-{username} is taken.")
        db.add(
            AgentRow(
                id=f"a-{username}",
                username=username,
                name=name.strip(),
                role=role.value,
                password_hash=password_hash,
                skills=list(skills),
                languages=list(languages),
                max_chats=3,
                presence=Presence.OFFLINE.value,
                presence_since=utcnow(),
            )
        )
        action = audit.SERVICE_ADD if role == Role.SERVICE else audit.USER_ADD
        audit.record(db, action, actor=audit.CLI_ACTOR, target=username, role=role.value)


def _mint(engine: Engine, name: str, days: int) -> str:
    from workstation.server.backend import _digest

    token = secrets.token_urlsafe(32)
    now = utcnow()
    with DbSession(engine) as db, db.begin():
        row = _user(db, name)
        db.add(
            TokenRow(
                digest=_digest(token),
                agent_id=row.id,
                scope="agent",
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
    return token


def _user(db: DbSession, username: str) -> AgentRow:
    row = db.scalar(select(AgentRow).where(AgentRow.username == username))
    if row is None:
        raise AccountError(f"There is no user {username}.")
    return row


def _disable(db: DbSession, row: AgentRow) -> None:
    row.disabled_at = row.disabled_at or utcnow()
    row.presence = Presence.OFFLINE.value
    db.execute(delete(TokenRow).where(TokenRow.agent_id == row.id))


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
