"""The customer's side of a chat over REST: a service user opens it, the customer writes and reads."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from workstation.domain.models import WebPage
from workstation.server.api_common import API, Callers
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.reader_threads import ReaderThreads


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerMessageBody(_Body):
    #: No length here: the backend refuses one over MAX_CUSTOMER_MESSAGE_CHARS with a 413 that
    #: names the limit (a generic validation error would not); the request body size is capped.
    text: str = Field(min_length=1)


class StartChatBody(_Body):
    customer_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1)  # bounded by the backend (MAX_CUSTOMER_MESSAGE_CHARS, 413)
    topic: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    page: WebPage | None = None
    #: Routing attributes the caller knows (a shop: cart value, campaign); they add to the
    #: customer's value and journey context the backend derives, and win on conflicts.
    attributes: dict[str, Any] | None = None


def customer_chat_routes(backend: Backend, reads: ReaderThreads, who: Callers) -> APIRouter:
    """POST a chat for a known customer (service users), the customer's messages both ways.

    Customers write all the time: their writes run on the writer thread like the agents' (in
    arrival order, pushed in commit order: writer_thread.py), their transcript on a reader thread."""
    router = APIRouter()
    Agent_ = Annotated[Principal, Depends(who.agent)]
    Any_ = Annotated[Principal, Depends(who.any)]

    @router.post(f"{API}/customer/chats", status_code=201)
    async def start_chat(p: Agent_, body: StartChatBody) -> dict[str, Any]:
        # Opening a chat *as a known customer* needs a service principal (the shop's backend, the
        # simulator); a public web widget would hand out tokens after its own customer login.
        from workstation.domain.models import Role

        if p.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only a service user can open chats for customers.")

        def start() -> dict[str, Any]:
            conv, token = backend.start_chat(
                customer_id=body.customer_id,
                text=body.text,
                topic=body.topic,
                language=body.language,
                page=body.page,
                attributes=body.attributes,
            )
            return {"conversation": conv.model_dump(mode="json"), "customer_token": token}

        return await backend.writer.run(start)

    @router.post(f"{API}/customer/chats/{{conversation_id}}/messages", status_code=201)
    async def customer_message(p: Any_, conversation_id: str, body: CustomerMessageBody) -> dict[str, Any]:
        return await backend.writer.run(
            lambda: backend.post_customer_message(p, conversation_id, body.text).model_dump(mode="json")
        )

    @router.get(f"{API}/customer/chats/{{conversation_id}}/messages", response_model=list[dict[str, Any]])
    async def customer_transcript(p: Any_, conversation_id: str) -> Response:
        return await reads.json(lambda: backend.customer_messages(p, conversation_id))

    return router
