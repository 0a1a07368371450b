"""Core records shared by the desktop and the reference backend, validated at every boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from workstation.domain.cobrowse import CobrowseStatus
from workstation.domain.presence import Presence as Presence  # re-exported: its home until it moved


def _aware(value: datetime) -> datetime:
    # Naive datetimes are ambiguous across machines; everything on the wire is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_aware)]
Id = Annotated[str, Field(min_length=1, max_length=128)]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Record(BaseModel):
    """Base of every wire record: immutable, unknown keys ignored (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Role(StrEnum):
    AGENT = "agent"
    TEAMLEAD = "teamlead"
    #: A system principal (the simulator, an integration) that may act for customers.
    SERVICE = "service"


class ConversationState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    CLOSED = "closed"


class Agent(Record):
    id: Id
    username: str
    name: str
    role: Role = Role.AGENT
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    max_chats: int = Field(default=3, ge=1, le=20)
    presence: Presence = Presence.OFFLINE


class CustomerSummary(Record):
    id: Id
    name: str
    language: str = "en"


class Customer(Record):
    id: Id
    name: str
    language: str = "en"
    segment: str = "b2c"
    value_tier: str = "bronze"
    clv: float = 0.0
    churn_risk: float = 0.0
    consents: dict[str, bool] = Field(default_factory=dict)
    products: tuple[dict[str, Any], ...] = ()
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    version: int = 1

    def summary(self) -> CustomerSummary:
        return CustomerSummary(id=self.id, name=self.name, language=self.language)

    def editable(self) -> dict[str, str | None]:
        """The fields an agent may edit, as they are in this version of the record."""
        return {name: getattr(self, name) for name in EDITABLE_CUSTOMER_FIELDS}


#: Customer fields an agent may correct during a contact (the rest belongs to the CRM's own processes).
EDITABLE_CUSTOMER_FIELDS: tuple[str, ...] = ("email", "phone", "company")
#: Longest value the backend accepts for an editable customer field.
EDITABLE_FIELD_MAX = 200


class CustomerNote(Record):
    """A free-text note on a customer, written by an agent; edits are guarded by `version`."""

    id: Id
    customer_id: Id
    text: str = Field(min_length=1, max_length=10_000)
    author: str = ""
    created_at: UtcDateTime
    updated_at: UtcDateTime
    updated_by: str = ""
    version: int = Field(default=1, ge=0)
    #: The idempotency key of the write that created it, so the desktop can match its pending copy.
    client_key: str | None = None


class TimelineEvent(Record):
    id: Id
    customer_id: Id
    at: UtcDateTime
    channel: str
    kind: str
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class TimelinePage(Record):
    events: tuple[TimelineEvent, ...]
    next_cursor: str | None = None
    #: the customer's stories (workstation.domain.timeline.story_key) that are open now; on the
    #: first page only (a page fetched with a cursor leaves it empty)
    open_stories: tuple[str, ...] = ()


class WebPage(Record):
    url: str
    title: str = ""


class RoutingReason(Record):
    """Why a task was offered to this agent: the workflow filter, the step and the values that decided."""

    #: The workflow filter that matched; None when none did and the task went to the default queue.
    filter: str | None = None
    filter_expression: str | None = None
    step: int = Field(default=1, ge=1)  # 1-based, as people count
    steps: int = Field(default=1, ge=1)
    queue: str = ""
    worker_expression: str = ""
    #: The task's attribute values that made the filter match, e.g. "minutes_on_product_pages = 31 ≥ 30".
    facts: tuple[str, ...] = ()
    #: The agent's attribute values that made the step's worker expression hold.
    worker_facts: tuple[str, ...] = ()
    #: One line: "tier = platinum, minutes_on_product_pages = 31 ≥ 30 → Senior Sales, step 1 of 2".
    summary: str = ""

    def details(self) -> str:
        """The whole explanation, several lines, for a tooltip or a team lead's view."""
        if self.filter is None:
            lines = ["No workflow filter matched: default queue."]
        else:
            lines = [
                f"Filter: {self.filter}" + (f"  ({self.filter_expression})" if self.filter_expression else "")
            ]
            lines += [f"  • {fact}" for fact in self.facts]
        lines.append(f"Step {self.step} of {self.steps}: queue {self.queue}")
        if self.worker_expression:
            lines.append(f"Agents: {self.worker_expression}")
            lines += [f"  • {fact}" for fact in self.worker_facts]
        return "\n".join(lines)


class WaitingReason(Record):
    """Why a task is still waiting: where it is in its workflow and who could take it."""

    conversation_id: Id
    filter: str | None = None
    step: int = Field(ge=1)
    steps: int = Field(ge=1)
    queue: str
    worker_expression: str = ""
    #: Agents in the queue who satisfy the step's worker expression, whatever their presence.
    matching_agents: int = Field(ge=0)
    #: Of those, the ones available now with room for one more task of this channel.
    available_agents: int = Field(ge=0)
    waiting_since: UtcDateTime
    #: When the step times out and the next step starts; None in the last step.
    next_step_at: UtcDateTime | None = None
    expires_at: UtcDateTime | None = None
    offered_to: str | None = None
    summary: str = ""


class Offer(Record):
    id: Id
    conversation_id: Id
    customer: CustomerSummary
    channel: str
    topic: str | None = None
    language: str | None = None
    page: WebPage | None = None
    offered_at: UtcDateTime
    expires_at: UtcDateTime
    #: Why the router offered it to this agent; None from backends that do not say.
    routing: RoutingReason | None = None

    @property
    def timeout_s(self) -> float:
        return max(0.0, (self.expires_at - self.offered_at).total_seconds())


class OfferRevocation(Record):
    offer_id: Id
    conversation_id: Id
    reason: Literal["accepted", "rejected", "timed_out", "canceled"]


class Message(Record):
    id: Id
    conversation_id: Id
    sender: Literal["customer", "agent", "system"]
    author: str = ""
    text: str
    at: UtcDateTime
    client_key: str | None = None


class Conversation(Record):
    id: Id
    customer: CustomerSummary
    channel: str
    topic: str | None = None
    language: str | None = None
    page: WebPage | None = None
    state: ConversationState
    agent_id: str | None = None
    started_at: UtcDateTime
    accepted_at: UtcDateTime | None = None
    closed_at: UtcDateTime | None = None
    wrapup_code: str | None = None
    messages: tuple[Message, ...] = ()
    #: Older messages left out of `messages`: a conversation pushed on the stream carries only its
    #: latest ones (a push frame is bounded); GET /conversations/{id} answers with all of them.
    messages_omitted: int = Field(default=0, ge=0)


class WrapUpCode(Record):
    code: Id
    label: str


class PresenceChange(Record):
    agent_id: Id
    presence: Presence
    reason: str | None = None


class Session(Record):
    """What a successful login returns. The token never leaves memory except into the keychain."""

    token: str = Field(min_length=16, repr=False)
    agent: Agent


class RelevanceFeedback(Record):
    """An agent's verdict on a relevance card; it shifts future ranking in similar contexts."""

    action: Id
    context: str = Field(max_length=200)
    outcome: Literal["accepted", "dismissed"]
    reason: Literal["not_relevant", "already_done", "wrong_customer", "inappropriate"] | None = None
    customer_id: Id
    conversation_id: str | None = None
    at: UtcDateTime


# --- connectors (upstream systems such as a CRM or a ticket system) ------------------------------

#: Bound on an upstream field value shown in the desk: the upstream system is not ours to trust.
MAX_UPSTREAM_VALUE = 2_000

UpstreamValue = Annotated[str | None, Field(max_length=MAX_UPSTREAM_VALUE)]


class ConnectorConflict(Record):
    """A customer field changed both in the desk and in an upstream system since they last agreed:
    `before` is the value both sides had, `theirs` the upstream one, `yours` the desk's."""

    connector: Id
    customer_id: Id
    field: Annotated[str, Field(min_length=1, max_length=64)]
    #: the upstream record; absent in a pushed event of an older backend (then it is fetched)
    record: Id | None = None
    before: UpstreamValue = None
    theirs: UpstreamValue = None
    yours: UpstreamValue = None
    #: when the backend found it (the team lead's list shows it; a pushed event may leave it out)
    at: UtcDateTime | None = None


class FieldSource(Record):
    """Which upstream record owns which of a customer's fields (GET /customers/ID/sources)."""

    connector: Id
    #: the system's display name ("Tryton"); None when that connector is not running
    system: Annotated[str, Field(max_length=64)] | None = None
    record: Id
    url: Annotated[str, Field(max_length=2_000)] | None = None
    fields: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=64)


# --- the push channel ---------------------------------------------------------------------------

#: Event types the backend appends to its log, and the record each one carries.
EVENT_PAYLOADS: dict[str, type[BaseModel]] = {
    "offer.created": Offer,
    "offer.revoked": OfferRevocation,
    "conversation.assigned": Conversation,
    "conversation.closed": Conversation,
    #: an unknown caller's call linked to the customer found (workstation/server/voice_link.py)
    "conversation.customer_changed": Conversation,
    "message.created": Message,
    "presence.changed": PresenceChange,
    "timeline.event_added": TimelineEvent,
    "cobrowse.status": CobrowseStatus,
    "customer.updated": Customer,
    "note.saved": CustomerNote,
    "connector.conflict": ConnectorConflict,
}


class EventFrame(Record):
    """One entry of the backend's append-only event log, as pushed to a client."""

    kind: Literal["event"] = "event"
    seq: int = Field(ge=1)
    type: str
    at: UtcDateTime
    data: dict[str, Any]

    def payload(self) -> BaseModel:
        """The typed record this event carries; raises ValueError for unknown or malformed ones."""
        model = EVENT_PAYLOADS.get(self.type)
        if model is None:
            raise ValueError(f"unknown event type {self.type!r}")
        return model.model_validate(self.data)


class HelloFrame(Record):
    """First frame on every stream connection: which log this is and where its head is."""

    kind: Literal["hello"] = "hello"
    log_id: str
    head: int = Field(ge=0)


class ResetFrame(Record):
    """The client's position cannot be resumed (other log, or pruned): refetch state over REST."""

    kind: Literal["reset"] = "reset"
    log_id: str
    head: int = Field(ge=0)
    reason: str


# The largest push frame (serialised JSON, bytes) a server sends unless the client asks for less with
# the stream's `max_frame` query parameter. A frame over the limit is never sent: a SkippedFrame with
# the same seq takes its place, so one oversized record can never wedge a stream that resumes by seq.
DEFAULT_MAX_FRAME_BYTES = 1 * 2**20


class SkippedFrame(Record):
    """An event the server did not send because it was too large for the client's frame limit.

    The client logs the reason, advances its position past `seq` and refetches what `type` concerns
    over REST (which pages and bounds its answers) instead of reconnecting at the same frame forever.
    """

    kind: Literal["skipped"] = "skipped"
    seq: int = Field(ge=1)
    type: str
    at: UtcDateTime
    size: int = Field(ge=0, description="bytes the full frame would have taken")
    reason: str


StreamFrame = Annotated[EventFrame | HelloFrame | ResetFrame | SkippedFrame, Field(discriminator="kind")]


# --- desktop-side views -------------------------------------------------------------------------

Delivery = Literal["sent", "pending", "failed"]


class TranscriptEntry(Record):
    """A message as the agent sees it: sent, still pending in the outbox, or refused with a reason."""

    message: Message
    delivery: Delivery = "sent"
    error: str | None = None
