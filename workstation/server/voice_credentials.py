"""SIP digest credentials: who may register at the proxy as an agent, and call as one.

The proxy (packaging/voice/kamailio.cfg) challenges every REGISTER, and every INVITE whose From user
is a SIP user known here, with digest authentication (RFC 2617/3261, MD5). It checks the answer
against the HA1 it asks for here; this backend stores only HA1 = md5(user:realm:password) per SIP
user, never the password, which it forgets once hashed (and never logs).

* `PUT /api/v1/voice/sip-password` (body `{"user": ..., "password": ...}`, bearer token): sets a SIP
  user's password. An agent sets their own (their username, or their desk phone's SIP user in
  desk-phone mode: `user` may be left out for the username); a team lead sets any agent's or desk
  phone's. Audited (who, for which SIP user, from where; never the password).
* `POST /api/v1/voice/credential?user=&realm=` (the proxy's `X-Voice-Key`): the user's HA1 as plain
  text, or 404 when the user has none here (not a SIP user of this site: a customer's number, or a
  disabled agent), or the proxy asks for another realm than the one the HA1 was made for.

HA1 is what a digest verifier needs and is password-equivalent *for this realm*: whoever reads it can
answer challenges as that user. It is therefore only handed to the proxy (shared secret) and kept out
of logs, audit details and API answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re

from fastapi import APIRouter, Header, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import Role, utcnow
from workstation.server import audit
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.db import AgentRow, SipCredentialRow, read_session

log = logging.getLogger(__name__)

API = "/api/v1/voice"
#: The audit log's action for a SIP password set (audit.py lists the others).
SIP_PASSWORD_SET = "voice.sip_password_set"
#: SIP user parts a credential may be kept for (as the routing endpoints accept them).
_SIP_USER = re.compile(r"^[+\w.\-*#]{1,64}$")
_REALM = re.compile(r"^[\x21-\x7e]{1,128}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 128


def sip_ha1(user: str, realm: str, password: str) -> str:
    """HA1 of RFC 2617 digest authentication (MD5 is what SIP digest and the proxy's `auth` use)."""
    return hashlib.md5(f"{user}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


class SipPasswordBody(BaseModel):
    #: The SIP user; the caller's own username when left out.
    user: str | None = Field(default=None, pattern=r"^[+\w.\-*#]{1,64}$")
    #: 8 to 128 characters, no control characters (a validation error names the rule, never the value).
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD, pattern=r"^[^\x00-\x1f\x7f]*$")


class SipCredentials:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.config = backend.config.voice

    def set_password(self, principal: Principal, user: str | None, password: str, address: str) -> str:
        """Stores HA1 for the SIP user (allowed as the module says); the SIP user it was set for."""
        if principal.scope != "agent" or principal.role not in (Role.AGENT, Role.TEAMLEAD):
            raise BackendError(403, "forbidden", "Only agents and team leads set SIP passwords.")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or any(
            ord(c) < 32 or ord(c) == 127 for c in password
        ):
            raise BackendError(
                400,
                "bad_request",
                f"A SIP password has {MIN_PASSWORD} to {MAX_PASSWORD} characters and no control characters.",
            )
        desk_phones = self.config.desk_phones
        with self.backend.unit_of_work() as uow:
            me = uow.db.get(AgentRow, principal.agent_id) if principal.agent_id else None
            if me is None:
                raise BackendError(403, "forbidden", "Unknown agent.")
            sip_user = me.username if user is None else user.strip()
            if not _SIP_USER.match(sip_user):
                raise BackendError(400, "bad_request", "Bad SIP user (1 to 64 letters, digits or + . - * #).")
            if principal.role == Role.AGENT:
                if sip_user not in (me.username, desk_phones.get(me.username)):
                    raise BackendError(
                        403, "forbidden", "An agent sets the SIP password of their own phone only."
                    )
            elif not self._is_site_user(uow.db, sip_user):
                raise BackendError(404, "not_found", f"No agent or desk phone has the SIP user {sip_user}.")
            realm = self.config.sip_realm
            row = uow.db.get(SipCredentialRow, sip_user)
            if row is None:
                row = SipCredentialRow(sip_user=sip_user, realm=realm, ha1="", updated_at=utcnow())
                uow.db.add(row)
            row.realm, row.ha1, row.updated_at = realm, sip_ha1(sip_user, realm, password), utcnow()
            audit.record(
                uow.db,
                SIP_PASSWORD_SET,
                actor=audit.actor_of(uow.db, principal.agent_id),
                target=f"sip:{sip_user}",
                address=address,
                realm=realm,
            )
        log.info("voice: SIP password of %s set", sip_user)
        return sip_user

    def _is_site_user(self, db: DbSession, sip_user: str) -> bool:
        if sip_user in self.config.desk_phones.values():
            return True
        return db.scalar(select(AgentRow.id).where(AgentRow.username == sip_user)) is not None

    def ha1(self, sip_user: str, realm: str) -> str | None:
        """The HA1 the proxy checks a digest answer against; None: not a SIP user here (or disabled)."""
        with read_session(self.backend.engine) as db:
            row = db.get(SipCredentialRow, sip_user)
            if row is None or not hmac.compare_digest(row.realm.encode(), realm.encode()):
                return None
            # A disabled agent's phone (or their desk phone) is refused as a wrong password would be.
            owners = [sip_user, *(a for a, phone in self.config.desk_phones.items() if phone == sip_user)]
            for agent in db.scalars(select(AgentRow).where(AgentRow.username.in_(owners))):
                if agent.disabled_at is not None:
                    return None
            return row.ha1


def _check_key(backend: Backend, key: str | None) -> None:
    expected = backend.config.voice.key
    if not expected or key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise BackendError(403, "forbidden", "Only the SIP proxy may use the voice endpoints.")


def voice_credentials_router(backend: Backend) -> APIRouter:
    credentials = SipCredentials(backend)
    router = APIRouter()

    @router.post(f"{API}/credential", response_class=PlainTextResponse)
    async def credential(
        user: str, realm: str, x_voice_key: str | None = Header(default=None)
    ) -> PlainTextResponse:
        _check_key(backend, x_voice_key)
        if not _REALM.match(realm):
            raise BackendError(400, "bad_request", "Bad realm.")
        # Kamailio's s.escape.param leaves '+' as is, and a query string decodes it as a space.
        user = user.replace(" ", "+")
        # A user no credential can exist for (a caller's odd From user) is a customer, not an error.
        ha1 = await asyncio.to_thread(credentials.ha1, user, realm) if _SIP_USER.match(user) else None
        if ha1 is None:
            raise BackendError(404, "not_found", "No SIP credential for this user and realm.")
        return PlainTextResponse(ha1)

    @router.put(f"{API}/sip-password")
    async def sip_password(
        body: SipPasswordBody, request: Request, authorization: str | None = Header(default=None)
    ) -> dict[str, str]:
        token = authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None
        principal = backend.authenticate(token)
        address = request.client.host if request.client else ""
        # On the writer thread, in order with the other writes.
        user = await backend.writer.run(
            lambda: credentials.set_password(principal, body.user, body.password, address)
        )
        return {"user": user, "realm": backend.config.voice.sip_realm}

    return router
