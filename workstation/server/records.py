"""Records agents edit (customer contact fields, notes on a customer), guarded by version numbers.

Every edit names the version it was made on (HTTP If-Match); when the record moved on meanwhile
the edit is refused with 412 and the current record, so the desktop can show base / theirs / mine
and let the agent choose. An edit without a version is refused (428): nothing is overwritten blind.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain.models import (
    EDITABLE_CUSTOMER_FIELDS,
    EDITABLE_FIELD_MAX,
    Customer,
    CustomerNote,
    Role,
    utcnow,
)
from workstation.server import audit
from workstation.server.backend import (
    AUDIENCE_TEAMLEADS,
    Backend,
    BackendError,
    Principal,
    _customer,
    _new_id,
)
from workstation.server.db import AgentRow, CustomerRow, NoteRow, read_session

#: The longest note the backend keeps, and what it says to a longer one.
MAX_NOTE_CHARS = 10_000
_NOTE_TOO_LONG = f"A note may have at most {MAX_NOTE_CHARS:,} characters."
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()/.-]{3,40}$")


def parse_if_match(header: str | None) -> int | None:
    """The version named by an If-Match header: `3`, `"3"` or `W/"3"`; None when absent."""
    if header is None:
        return None
    value = header.strip()
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BackendError(400, "bad_if_match", 'If-Match must name a version number, e.g. "3".')
    return int(value)


class CustomerRecords:
    """Version-guarded edits of customer fields and notes, on the backend's units of work."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    # --- customer fields -------------------------------------------------------------------------

    def update_customer(
        self, principal: Principal, customer_id: str, version: int | None, fields: dict[str, Any]
    ) -> Customer:
        self._can_edit(principal, customer_id)
        clean = _validate_fields(fields)
        backend = self._backend
        with backend._uow() as uow:
            row = uow.db.get(CustomerRow, customer_id)
            if row is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            _check_version(version, row.version, _customer(row).model_dump(mode="json"))
            row.data = {**row.data, **clean}
            row.version += 1
            # Which fields changed, not their values (personal data stays out of the audit log).
            audit.record(
                uow.db,
                audit.CUSTOMER_EDIT,
                actor=audit.actor_of(uow.db, principal.agent_id),
                target=customer_id,
                fields=sorted(clean),
            )
            uow.db.flush()
            customer = _customer(row)
            payload = customer.model_dump(mode="json")
            for agent_id in backend._agents_holding(uow.db, customer_id):
                uow.append(agent_id, "customer.updated", payload)
            uow.append(AUDIENCE_TEAMLEADS, "customer.updated", payload)
        return customer

    # --- notes -----------------------------------------------------------------------------------

    def notes(self, principal: Principal, customer_id: str) -> list[CustomerNote]:
        self._backend.require_access(principal, customer_id=customer_id)
        with read_session(self._backend.engine) as db:
            rows = db.scalars(
                select(NoteRow)
                .where(NoteRow.customer_id == customer_id)
                .order_by(NoteRow.created_at.desc(), NoteRow.id.desc())
            )
            return [_note(r) for r in rows]

    def create_note(
        self, principal: Principal, customer_id: str, text: str, client_key: str | None
    ) -> CustomerNote:
        self._can_edit(principal, customer_id)
        text = _note_text(text)
        with self._backend._uow() as uow:
            if uow.db.get(CustomerRow, customer_id) is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            now, author = utcnow(), _author(uow.db, principal)
            row = NoteRow(
                id=_new_id("n"),
                customer_id=customer_id,
                text=text,
                author=author,
                created_at=now,
                updated_at=now,
                updated_by=author,
                version=1,
                client_key=client_key,
            )
            uow.db.add(row)
            audit.record(
                uow.db,
                audit.NOTE_CREATE,
                actor=audit.actor_of(uow.db, principal.agent_id),
                target=customer_id,
                note=row.id,
            )
            note = _note(row)
            self._push(uow, customer_id, note)
        return note

    def update_note(
        self, principal: Principal, customer_id: str, note_id: str, version: int | None, text: str
    ) -> CustomerNote:
        self._can_edit(principal, customer_id)
        text = _note_text(text)
        with self._backend._uow() as uow:
            row = uow.db.get(NoteRow, note_id)
            if row is None or row.customer_id != customer_id:
                raise BackendError(404, "not_found", f"No note {note_id} on customer {customer_id}.")
            _check_version(version, row.version, _note(row).model_dump(mode="json"))
            row.text, row.updated_at, row.updated_by = text, utcnow(), _author(uow.db, principal)
            row.version += 1
            audit.record(
                uow.db,
                audit.NOTE_EDIT,
                actor=audit.actor_of(uow.db, principal.agent_id),
                target=customer_id,
                note=note_id,
            )
            note = _note(row)
            self._push(uow, customer_id, note)
        return note

    # --- helpers ---------------------------------------------------------------------------------

    def _can_edit(self, principal: Principal, customer_id: str) -> None:
        if principal.role == Role.SERVICE:
            return  # integrations (and tests) act for the CRM
        self._backend.require_access(principal, customer_id=customer_id)

    def _push(self, uow: Any, customer_id: str, note: CustomerNote) -> None:
        payload = note.model_dump(mode="json")
        for agent_id in self._backend._agents_holding(uow.db, customer_id):
            uow.append(agent_id, "note.saved", payload)
        uow.append(AUDIENCE_TEAMLEADS, "note.saved", payload)


def _check_version(wanted: int | None, current: int, record: dict[str, Any]) -> None:
    if wanted is None:
        raise BackendError(
            428, "precondition_required", "Edits must name the version they were made on (If-Match)."
        )
    if wanted != current:
        raise BackendError(
            412,
            "version_conflict",
            f"The record was changed meanwhile (you edited version {wanted}, it is now {current}).",
            current=record,
        )


def _validate_fields(fields: dict[str, Any]) -> dict[str, str | None]:
    problems: list[dict[str, Any]] = []
    clean: dict[str, str | None] = {}
    for name, value in fields.items():
        if name not in EDITABLE_CUSTOMER_FIELDS:
            problems.append({"field": name, "problem": "not editable by agents"})
            continue
        if value is not None and not isinstance(value, str):
            problems.append({"field": name, "problem": "must be text or null"})
            continue
        value = (value or "").strip() or None
        if value is not None and _has_control(value):
            problems.append({"field": name, "problem": "must not contain control characters"})
        elif value is not None and len(value) > EDITABLE_FIELD_MAX:
            problems.append({"field": name, "problem": f"at most {EDITABLE_FIELD_MAX} characters"})
        elif value is not None and name == "email" and not _EMAIL.match(value):
            problems.append({"field": name, "problem": "not an e-mail address"})
        elif value is not None and name == "phone" and not _PHONE.match(value):
            problems.append({"field": name, "problem": "not a phone number"})
        else:
            clean[name] = value
    if not fields:
        problems.append({"field": "fields", "problem": "name at least one field"})
    if problems:
        raise BackendError(422, "invalid_fields", "Some fields cannot be saved.", problems)
    return clean


def _has_control(text: str) -> bool:
    """Control characters (NUL, newlines, escapes), line/paragraph separators and bidi overrides:
    nothing a contact field needs, and each can break what the value is later written into."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS for c in text)


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _note_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise BackendError(400, "empty_note", M.Msg(M.EMPTY_NOTE))
    if len(text) > MAX_NOTE_CHARS:
        raise BackendError(
            413, "note_too_long", M.Msg(M.NOTE_TOO_LONG, _text=_NOTE_TOO_LONG, limit=MAX_NOTE_CHARS)
        )
    return text


def _author(db: DbSession, principal: Principal) -> str:
    agent = db.get(AgentRow, principal.agent_id) if principal.agent_id else None
    return agent.name if agent else ""


def _note(row: NoteRow) -> CustomerNote:
    return CustomerNote(
        id=row.id,
        customer_id=row.customer_id,
        text=row.text,
        author=row.author,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        version=row.version,
        client_key=row.client_key,
    )
