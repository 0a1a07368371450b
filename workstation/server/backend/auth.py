"""Users, sign-in, sessions and tokens, idempotent writes, presence."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.models import (
    Agent,
    Presence,
    PresenceChange,
    Role,
    utcnow,
)
from workstation.server.backend.base import BackendBase
from workstation.server.backend.core import AUDIENCE_TEAMLEADS, BackendError, Principal, _digest, log
from workstation.server.backend.mappers import _agent, _aware, error_body
from workstation.server.db import (
    AgentRow,
    IdempotencyRow,
    TokenRow,
    autocommit_reads,
    read_session,
)
from workstation.server.passwords import dummy_hash, hash_password, verify_password

#: The token check of every request: the token and its user in one statement, built once (building
#: it per request was a tenth of the check's time in a py-spy profile of the load run).
_TOKEN_CHECK = (
    select(
        TokenRow.scope,
        TokenRow.expires_at,
        TokenRow.conversation_id,
        AgentRow.id.label("agent_id"),
        AgentRow.role,
        AgentRow.disabled_at,
    )
    .select_from(TokenRow)
    .outerjoin(AgentRow, AgentRow.id == TokenRow.agent_id)
    .where(TokenRow.digest == bindparam("digest"))
)


class AuthAndPresence(BackendBase):
    """Users and their sessions (scrypt, hashed tokens), idempotent writes, presence."""

    # --- users and sessions ----------------------------------------------------------------------

    def ensure_agent(
        self,
        *,
        username: str,
        name: str,
        password: str,
        role: Role = Role.AGENT,
        skills: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("en",),
        max_chats: int = 3,
    ) -> Agent:
        with self._uow() as uow:
            row = uow.db.scalar(select(AgentRow).where(AgentRow.username == username))
            if row is None:
                row = AgentRow(
                    id=f"a-{username}",
                    username=username,
                    name=name,
                    role=role.value,
                    password_hash=hash_password(password),
                    skills=list(skills),
                    languages=list(languages),
                    max_chats=max_chats,
                    presence=Presence.OFFLINE.value,
                    presence_since=utcnow(),
                )
                uow.db.add(row)
            return _agent(row)

    def login(self, username: str, password: str) -> tuple[str, Agent]:
        """Check the password and open a session (in-process callers; HTTP goes through LoginGuard,
        which runs check_password on a worker thread and throttles)."""
        agent_id = self.check_password(username, password)
        if agent_id is None:
            raise BackendError(401, "invalid_credentials", M.Msg(M.INVALID_CREDENTIALS))
        return self.open_session(agent_id)

    def check_password(self, username: str, password: str) -> str | None:
        """The agent id if `password` is theirs and they may sign in, else None. Blocking (one scrypt
        run whatever the outcome, so timing does not tell unknown users apart): call it off the loop."""
        with read_session(self.engine) as db:
            row = db.scalar(select(AgentRow).where(AgentRow.username == username))
            stored, agent_id = (row.password_hash, row.id) if row else (dummy_hash(), None)
            usable = row is not None and row.disabled_at is None and row.role != Role.SERVICE.value
        ok = verify_password(password, stored)
        return agent_id if ok and usable else None

    def is_username(self, username: str) -> bool:
        with read_session(self.engine) as db:
            return db.scalar(select(AgentRow.id).where(AgentRow.username == username)) is not None

    def open_session(self, agent_id: str) -> tuple[str, Agent]:
        with self._uow() as uow:
            row = uow.db.get(AgentRow, agent_id)
            if row is None or row.disabled_at is not None:
                raise BackendError(401, "invalid_credentials", M.Msg(M.INVALID_CREDENTIALS))
            return self._mint_token(uow.db, scope="agent", agent_id=row.id), _agent(row)

    def logout(self, token: str) -> None:
        """Revoke the token: REST refuses it from now on and its open streams close (4401).
        Thread-safe (the REST route runs it on the writer thread): the streams are told on the loop."""
        with self._uow() as uow:
            row = uow.db.get(TokenRow, _digest(token))
            if row is not None:
                uow.db.delete(row)
        self.loop.call(self.streams.revoke, token)
        self.fanout.token_revoked(_digest(token))  # its streams on other processes (PostgreSQL)

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise BackendError(401, "unauthenticated", M.Msg(M.TOKEN_MISSING))
        # Every request comes through here: the token and its user in one statement, outside a
        # transaction (autocommit_reads), instead of two ORM loads framed by BEGIN and ROLLBACK.
        with autocommit_reads(self.engine) as conn:
            row = conn.execute(_TOKEN_CHECK, {"digest": _digest(token)}).first()
        if row is None or _aware(row.expires_at) <= utcnow():
            raise BackendError(401, "unauthenticated", M.Msg(M.TOKEN_INVALID))
        if row.scope == "customer":
            return Principal(scope="customer", conversation_id=row.conversation_id)
        if row.agent_id is None or row.disabled_at is not None:
            raise BackendError(401, "unauthenticated", M.Msg(M.TOKEN_USER_GONE))
        return Principal(scope="agent", agent_id=row.agent_id, role=Role(row.role))

    def sweep_revoked_streams(self) -> int:
        """Close the streams of tokens that stopped being valid outside a logout: deleted by an admin
        command (another process), expired, or of a disabled user. Returns how many tokens."""
        keys = self.streams.keys()
        if not keys:
            return 0
        now = utcnow()
        with read_session(self.engine) as db:
            rows = {r.digest: r for r in db.scalars(select(TokenRow).where(TokenRow.digest.in_(keys)))}
            disabled = set(
                db.scalars(
                    select(AgentRow.id).where(
                        AgentRow.id.in_([r.agent_id for r in rows.values() if r.agent_id]),
                        AgentRow.disabled_at.is_not(None),
                    )
                )
            )
        gone = [
            key
            for key in keys
            if (row := rows.get(key)) is None or _aware(row.expires_at) <= now or row.agent_id in disabled
        ]
        for key in gone:
            self.streams.revoke_key(key)
        return len(gone)

    async def run_revocation_sweep(self) -> None:
        while True:
            await asyncio.sleep(self.config.revocation_sweep_s)
            try:
                self.sweep_revoked_streams()
            except Exception:
                log.exception("the sweep for revoked tokens failed")

    def service_principal(self) -> Principal:
        """The in-process service user (the simulator) that acts for customers."""
        agent = self.ensure_agent(
            username="simulator",
            name="Simulator",
            password=secrets.token_urlsafe(24),  # nobody logs in as it over HTTP
            role=Role.SERVICE,
        )
        return Principal(scope="agent", agent_id=agent.id, role=Role.SERVICE)

    def issue_token(self, principal: Principal) -> str:
        """A bearer token for an in-process principal (tests and the simulator drive HTTP with it)."""
        with self._uow() as uow:
            return self._mint_token(uow.db, scope="agent", agent_id=principal.agent_id)

    def _mint_token(
        self, db: DbSession, *, scope: str, agent_id: str | None = None, conversation_id: str | None = None
    ) -> str:
        """A new bearer token; only its digest is stored."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        db.add(
            TokenRow(
                digest=_digest(token),
                agent_id=agent_id,
                conversation_id=conversation_id,
                scope=scope,
                created_at=now,
                expires_at=now + self.config.token_ttl,
            )
        )
        return token

    def get_agent(self, agent_id: str) -> Agent:
        with read_session(self.engine) as db:
            row = db.get(AgentRow, agent_id)
            if row is None:
                raise BackendError(404, "not_found", f"No agent {agent_id}.")
            return _agent(row)

    def list_agents(self) -> list[Agent]:
        with read_session(self.engine) as db:
            return [_agent(r) for r in db.scalars(select(AgentRow).order_by(AgentRow.username))]

    # --- idempotent writes -----------------------------------------------------------------------

    def idempotent(
        self, principal: Principal, key: str | None, request: str, action: Callable[[], dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        """Run `action` once per (principal, key); a repeated key gets the first answer again."""
        if key is None:
            return 200, action()
        if not 8 <= len(key) <= 128:
            raise BackendError(400, "bad_idempotency_key", "Idempotency-Key must be 8 to 128 characters.")
        # The write and its key commit together: a crash between the two must not leave a write
        # whose repetition would be done again.
        alone = self._batch.get() is None
        with self.batch(), self._uow() as uow:
            batch = self._batch.get()
            assert batch is not None
            if (principal.key, key) in batch.new_keys:
                batch.new_keys.discard((principal.key, key))  # a repeat within the batch looks it up
                row = None
            else:
                row = uow.db.get(IdempotencyRow, (principal.key, key))
            if row is not None:
                if row.request != request:
                    raise BackendError(
                        422, "idempotency_key_reused", "This Idempotency-Key was used for another request."
                    )
                return row.status, row.body
            pushed, after = len(batch.pending), len(batch.after)
            # In a batch of writes each is held in a savepoint, to be undone alone. A write on its
            # own (nearly all of them) is undone with its whole transaction instead: a SAVEPOINT
            # and its RELEASE are two round trips on PostgreSQL for every keyed write.
            savepoint = None if alone else uow.db.begin_nested()
            try:
                status, body = 200, action()
                if savepoint is not None:
                    savepoint.commit()  # flushes: a database error is this write's, undone below
            except BaseException as exc:
                # Undone alone, with the events and listeners it had lined up.
                if savepoint is not None:
                    savepoint.rollback()
                else:
                    uow.db.rollback()  # the transaction held only this write (and the key's lookup)
                del batch.pending[pushed:], batch.after[after:]
                if not isinstance(exc, BackendError) or exc.status >= 500 or exc.status in (401, 403):
                    raise
                status, body = exc.status, error_body(exc)
            uow.db.add(
                IdempotencyRow(
                    principal=principal.key,
                    key=key,
                    request=request,
                    status=status,
                    body=body,
                    created_at=utcnow(),
                )
            )
        return status, body

    # --- presence --------------------------------------------------------------------------------

    def set_presence(self, agent_id: str, presence: Presence, reason: str | None = None) -> Agent:
        with self._uow() as uow:
            row = uow.db.get(AgentRow, agent_id)
            if row is None:
                raise BackendError(404, "not_found", f"No agent {agent_id}.")
            if row.presence != presence.value:
                row.presence = presence.value
                row.presence_since = utcnow()
                change = PresenceChange(agent_id=agent_id, presence=presence, reason=reason)
                uow.append(agent_id, "presence.changed", change.model_dump(mode="json"))
                uow.append(AUDIENCE_TEAMLEADS, "presence.changed", change.model_dump(mode="json"))
            if presence != Presence.AVAILABLE:
                self._cancel_offers_of(uow, agent_id)
            agent = _agent(row)
        self.wake_router()
        return agent
