"""Find the customer behind a call from an unknown number: by name, phone number or e-mail.

`GET /api/v1/customer-search?conversation_id=&q=` answers an agent who holds that call (offered to
them or theirs, see access.py) with at most `MAX_RESULTS` customer summaries. It is tied to a call on
purpose: agents reach customers only through a live link, and a free search of all customers would
undo that; an unknown caller is the one case where the agent must look someone up first.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Header
from sqlalchemy import func, or_, select

from workstation.domain import messages as M
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.db import ConversationRow, CustomerRow, read_session

API = "/api/v1/customer-search"
MIN_QUERY = 2
MAX_QUERY = 100
MAX_RESULTS = 10
#: Phone numbers are compared by their last digits (national and international forms alike).
PHONE_DIGITS = 6


def search_customers(
    backend: Backend, principal: Principal, conversation_id: str, q: str
) -> list[dict[str, Any]]:
    query = q.strip()[:MAX_QUERY]
    if len(query) < MIN_QUERY:
        raise BackendError(422, "invalid", M.Msg(M.SEARCH_TOO_SHORT, count=MIN_QUERY))
    with read_session(backend.engine) as db:
        conv = db.get(ConversationRow, conversation_id)
        if conv is None or conv.channel != "voice":
            raise BackendError(404, "not_found", f"No call {conversation_id}.")
        customer_id = conv.customer_id
    backend.require_access(principal, customer_id=customer_id)  # the agent holds this call
    digits = re.sub(r"\D", "", query)
    like = "%" + query.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found: list[CustomerRow] = []
    with read_session(backend.engine) as db:
        text_match = or_(
            func.lower(CustomerRow.name).like(like, escape="\\"),
            func.lower(func.json_extract(CustomerRow.data, "$.email")).like(like, escape="\\"),
        )
        placeholder = CustomerRow.id.like("caller-%")  # unknown callers' stand-ins are nobody to find
        found.extend(db.scalars(select(CustomerRow).where(text_match, ~placeholder).limit(MAX_RESULTS)))
        if len(digits) >= PHONE_DIGITS and len(found) < MAX_RESULTS:
            tail = digits[-PHONE_DIGITS:]
            for row in db.scalars(
                select(CustomerRow).where(
                    func.json_extract(CustomerRow.data, "$.phone").is_not(None), ~placeholder
                )
            ):
                phone = re.sub(r"\D", "", str(row.data.get("phone") or ""))
                if phone.endswith(tail) and row not in found:
                    found.append(row)
                    if len(found) >= MAX_RESULTS:
                        break
    return [
        {
            "id": row.id,
            "name": row.name,
            "language": row.language,
            "phone": row.data.get("phone"),
            "email": row.data.get("email"),
        }
        for row in found
    ]


def customer_search_router(backend: Backend) -> APIRouter:
    router = APIRouter()

    @router.get(API)
    async def search(
        conversation_id: str, q: str, authorization: str | None = Header(default=None)
    ) -> list[dict[str, Any]]:
        token = authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None
        principal = backend.authenticate(token)
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "This needs an agent's token.")
        return await asyncio.to_thread(search_customers, backend, principal, conversation_id[:64], q)

    return router
