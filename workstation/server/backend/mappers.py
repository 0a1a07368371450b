"""Rows to domain models and back, and the checks and small helpers the areas share."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import Double, Float, String, cast, func, literal_column, select, union_all
from sqlalchemy import column as sql_column
from sqlalchemy import text as sql_text
from sqlalchemy.orm import aliased

from workstation.domain import messages as M
from workstation.domain import timeline
from workstation.domain.events import MAX_TWINS, TWINS
from workstation.domain.models import (
    Agent,
    Conversation,
    Customer,
    CustomerSummary,
    Message,
    Offer,
    Presence,
    Role,
    RoutingReason,
    TimelineEvent,
    WebPage,
    utcnow,
)
from workstation.domain.workflow import (
    Decision,
    Router,
    RoutingConfigError,
    compile_config,
)
from workstation.server.backend.core import BackendError
from workstation.server.db import (
    AgentRow,
    CustomerEventRow,
    CustomerRow,
    MessageRow,
    RoutingTaskRow,
)
from workstation.server.history_index import EVENTS_FTS, HISTORY_QUERY, history_words_sql
from workstation.server.limits import (
    MAX_AGENT_MESSAGE_CHARS,
    MAX_ATTRIBUTES_BYTES,
    MAX_CUSTOMER_MESSAGE_CHARS,
    MAX_PAGE_TITLE_CHARS,
    MAX_PAGE_URL_CHARS,
    PUSHED_MESSAGES,
    PUSHED_TRANSCRIPT_BYTES,
    LimitExceeded,
    check_data,
)


def _expired(window_s: float, what: str) -> str:
    return f"Your access to {what} ended {window_s / 60:g} minutes after its wrap-up."


def _check_length(text: str, sender: str) -> None:
    limit = MAX_CUSTOMER_MESSAGE_CHARS if sender == "customer" else MAX_AGENT_MESSAGE_CHARS
    if len(text) > limit:
        raise BackendError(
            413,
            "message_too_long",
            M.Msg(
                M.AGENT_MESSAGE_TOO_LONG,
                _text=f"An agent message may have at most {limit:,} characters; this one has {len(text):,}.",
                limit=limit,
                length=len(text),
            )
            if sender != "customer"
            else f"A customer message may have at most {limit:,} characters; this one has {len(text):,}.",
        )


def _check_opening(text: str, page: WebPage | None, attributes: dict[str, Any] | None) -> None:
    """Bounds of a new chat: its first message, the page it starts on, the caller's attributes."""
    _check_length(text.strip(), "customer")
    problems = []
    if page is not None and len(page.url) > MAX_PAGE_URL_CHARS:
        problems.append({"field": "page.url", "problem": f"at most {MAX_PAGE_URL_CHARS} characters"})
    if page is not None and len(page.title) > MAX_PAGE_TITLE_CHARS:
        problems.append({"field": "page.title", "problem": f"at most {MAX_PAGE_TITLE_CHARS} characters"})
    if attributes:
        try:
            check_data("attributes", attributes, max_bytes=MAX_ATTRIBUTES_BYTES)
        except LimitExceeded as exc:
            problems.append({"field": "attributes", "problem": str(exc)})
    if problems:
        raise BackendError(413, "too_large", "Parts of the chat are too large.", problems)


def _pushed(conv: Conversation) -> Conversation:
    """`conv` as pushed on the stream: only its latest messages (PUSHED_MESSAGES, at most
    PUSHED_TRANSCRIPT_BYTES), with the count of those left out."""
    kept: list[Message] = []
    size = 0
    for message in reversed(conv.messages):
        size += len(message.model_dump_json().encode())
        if len(kept) >= PUSHED_MESSAGES or (kept and size > PUSHED_TRANSCRIPT_BYTES):
            break
        kept.append(message)
    omitted = len(conv.messages) - len(kept)
    return conv.model_copy(update={"messages": tuple(reversed(kept)), "messages_omitted": omitted})


def error_body(exc: BackendError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    params = M.wire_params(exc.message)  # a worded refusal: its template, for the desk to translate
    if params is not None:
        error["message_id"], error["params"] = exc.message.template, params  # type: ignore[attr-defined]
    if exc.details:
        error["details"] = exc.details
    if exc.current is not None:
        error["current"] = exc.current
    return {"error": error}


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _filtered(
    query: Any,
    where: timeline.TimelineFilter,
    open_keys: Any,
    *,
    fts: bool,
    words: bool = False,
    twins: bool = False,
) -> Any:
    """`where` in SQL; the text through the FTS5 index when `fts` (SQLite), through the full-text
    index of revision 0006 when `words` (PostgreSQL), else by LIKE; the twins' text too when `twins`
    (the customer has any: reading them costs a second pass over the matches)."""
    if where.channels:
        query = query.where(CustomerEventRow.channel.in_(sorted(where.channels)))
    if where.phases:
        query = query.where(CustomerEventRow.phase.in_(sorted(where.phases)))
    if where.kinds:
        query = query.where(CustomerEventRow.kind.in_(sorted(where.kinds)))
    if where.only_open:
        query = query.where(CustomerEventRow.story.in_(open_keys.order_by(None).scalar_subquery()))
    text = where.text.strip()
    match = timeline.fts_query(text) if fts else None
    # An event is found by its twins' words too (the CRM's "callback promised" of a call the
    # telephony system logged): the listed row is the first record, the words may be the other's.
    twin = aliased(CustomerEventRow, name="twin")
    if match is not None:
        rows = sql_text(f"SELECT rowid FROM {EVENTS_FTS} WHERE {EVENTS_FTS} MATCH :match")
        matched = rows.bindparams(match=match).columns(sql_column("rowid"))
        first = aliased(CustomerEventRow, name="first")
        twin_rows: Any = (
            select(literal_column("first.rowid"))
            .select_from(twin)
            .join(first, first.id == twin.twin_of)
            .where(literal_column("twin.rowid").in_(matched))
        )
        query = query.where(
            literal_column("customer_events.rowid").in_(
                union_all(select(matched.subquery()), twin_rows) if twins else matched
            )
        )
    elif words and (ts := timeline.tsquery(text)) is not None:
        # Exactly the index's expression (history_index.history_words_sql), or PostgreSQL scans instead.
        document: Any = literal_column(history_words_sql("customer_events.summary", "customer_events.data"))
        twin_document: Any = literal_column(history_words_sql("twin.summary", "twin.data"))
        found = getattr(func, HISTORY_QUERY)(ts)
        hit = document.op("@@")(found)
        if twins:
            hit = hit | CustomerEventRow.id.in_(
                select(twin.twin_of).where(twin.twin_of.is_not(None), twin_document.op("@@")(found))
            )
        query = query.where(hit)
    elif text:
        pattern = timeline.like_pattern(text)

        def like(row: Any) -> Any:
            return row.summary.ilike(pattern, escape="\\") | func.cast(row.data, String).ilike(
                pattern, escape="\\"
            )

        hit = like(CustomerEventRow)
        if twins:
            hit = hit | CustomerEventRow.id.in_(
                select(twin.twin_of).where(twin.twin_of.is_not(None), like(twin))
            )
        query = query.where(hit)
    return query


#: bm25 weight (SQLite) of a word in an event's summary against one in its data, as in the cache
SUMMARY_WEIGHT = 2.0


def _ranked(where: timeline.TimelineFilter, open_keys: Any, *, fts: bool) -> tuple[Any, Any]:
    """The matches of `where` (all of it, the text through the full-text index) with their
    relevance, higher is better: (the select of (event row, score), the score expression).
    SQLite: FTS5's bm25, negated (a summary word weighs twice a data word); PostgreSQL: ts_rank
    of the indexed words (revision 0006) against the prefix query."""
    if fts:
        match = timeline.fts_query(where.text)
        hits = (
            sql_text(
                f"SELECT rowid AS rid, -bm25({EVENTS_FTS}, {SUMMARY_WEIGHT}, 1.0) AS score "
                f"FROM {EVENTS_FTS} WHERE {EVENTS_FTS} MATCH :match"
            )
            .bindparams(match=match)
            .columns(sql_column("rid"), sql_column("score", Float))
            .subquery("hits")
        )
        query = (
            select(CustomerEventRow, hits.c.score)
            .select_from(hits)
            .join(CustomerEventRow, literal_column("customer_events.rowid") == hits.c.rid)
        )
        return _filtered(query, replace(where, text=""), open_keys, fts=False), hits.c.score
    document: Any = literal_column(history_words_sql("customer_events.summary", "customer_events.data"))
    # ts_rank is a real (float4), which the driver reads back rounded to its shortest text: as a
    # cursor that no longer equals the row's own score, and the keyset stood still. A double reads
    # back exactly.
    score = cast(func.ts_rank(document, getattr(func, HISTORY_QUERY)(timeline.tsquery(where.text))), Double)
    query = select(CustomerEventRow, score.label("score"))
    return _filtered(query, where, open_keys, fts=False, words=True), score


def _encode_rank_cursor(score: float, event_id: str) -> str:
    return f"rank:{score!r}|{event_id}"


def _decode_rank_cursor(cursor: str) -> tuple[float, str]:
    try:
        prefix, rest = cursor.split(":", 1)
        score_text, event_id = rest.split("|", 1)
        score = float(score_text)
    except ValueError as exc:
        raise BackendError(400, "bad_cursor", "The paging cursor is malformed.") from exc
    if prefix != "rank" or score != score:  # NaN never compares: no page would follow
        raise BackendError(400, "bad_cursor", "The paging cursor is not one of best matches first.")
    return score, event_id


#: How a wrap-up code reads as the outcome of a contact in the customer's history.
WRAPUP_OUTCOMES = {
    "resolved": "resolved",
    "info_given": "resolved",
    "follow_up": "callback_promised",
    "escalated": "escalated",
}


def _contact_event(conv: Conversation, wrapup_code: str) -> TimelineEvent:
    outcome = WRAPUP_OUTCOMES.get(wrapup_code, "unresolved")
    topic = conv.topic or "general"
    at = conv.closed_at or utcnow()
    return TimelineEvent(
        id=f"{conv.id}-closed",
        customer_id=conv.customer.id,
        at=at,
        channel=conv.channel,
        kind="contact",
        summary=f"{conv.channel.capitalize()} about {topic.replace('_', ' ')}, {outcome.replace('_', ' ')}",
        data={"topic": topic, "outcome": outcome, "conversation_id": conv.id, "wrapup_code": wrapup_code},
    )


def _item_id(item: Any) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _validation_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "event"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def _encode_cursor(at: datetime, event_id: str) -> str:
    return f"{_aware(at).isoformat()}|{event_id}"


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at_text, event_id = cursor.split("|", 1)
        at = datetime.fromisoformat(at_text)
    except ValueError as exc:
        raise BackendError(400, "bad_cursor", "The paging cursor is malformed.") from exc
    # SQLite keeps naive UTC timestamps; compare like with like.
    return at.replace(tzinfo=None), event_id


# What the routing pass reads. Each is met by the ORM row (RoutingTaskRow, AgentRow, ...) and by a
# Core row of the same columns: the pass reads thousands of rows as plain tuples (building ORM
# entities for them was a large part of its time) while other callers keep their ORM rows, and
# both go through the same mapping code.


class _TaskFacts(Protocol):
    """A routing task's columns (RoutingTaskRow's names)."""

    @property
    def conversation_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def placed(self) -> bool: ...
    @property
    def filter_name(self) -> str | None: ...
    @property
    def step(self) -> int: ...
    @property
    def step_started_at(self) -> datetime | None: ...


class _AgentFacts(Protocol):
    """What worker.* and the default capacity come from (AgentRow's names)."""

    @property
    def id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def skills(self) -> list[Any]: ...
    @property
    def languages(self) -> list[Any]: ...
    @property
    def max_chats(self) -> int: ...


class _AgentRoutingFacts(Protocol):
    """An agent's routing attributes and capacity (AgentRoutingRow's names)."""

    @property
    def attributes(self) -> dict[str, Any]: ...
    @property
    def capacity(self) -> dict[str, Any]: ...


class _OfferFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def offered_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...


class _OfferedConversation(Protocol):
    """What an offer shows of its conversation (ConversationRow's names)."""

    @property
    def id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def topic(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def page(self) -> dict[str, Any] | None: ...


class _JsonObject(Mapping[str, Any]):
    """A JSON object column read as its text and parsed when first looked into.

    A routing pass reads every waiting task's attributes, but looks into those of only a few: a
    task already placed in its step is matched against agents only when one has room, and when the
    queue is long nearly none has. Parsing them all was a sixth of a pass with 3,000 waiting.
    """

    __slots__ = ("_parsed", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._parsed: dict[str, Any] | None = None

    def _value(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self._text)
        return self._parsed

    def __getitem__(self, key: str) -> Any:
        return self._value()[key]

    def get(self, key: str, default: Any = None) -> Any:  # the expressions' one lookup: no KeyError
        return self._value().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._value())

    def __len__(self) -> int:
        return len(self._value())


def _step_values(task: _TaskFacts, decision: Decision) -> dict[str, Any] | None:
    """The task's workflow columns after `decision`, or None when they stay as they are."""
    started = datetime.fromtimestamp(decision.step_started_at, UTC)
    unchanged = (
        task.placed
        and task.filter_name == decision.filter_name
        and task.step == decision.step
        and task.step_started_at is not None
        and _aware(task.step_started_at) == started
    )
    if unchanged:  # most passes change nothing: no UPDATE for them
        return None
    return {
        "placed": True,
        "filter_name": decision.filter_name,
        "step": decision.step,
        "step_started_at": started,
        "priority": decision.priority,
        "queue": decision.queue,
    }


def _record_step(task: RoutingTaskRow, decision: Decision) -> None:
    for key, value in (_step_values(task, decision) or {}).items():
        setattr(task, key, value)


def _compile_config(raw: Any) -> Router:
    """A Router for a submitted configuration, or a 400 naming every problem (with positions)."""
    try:
        return compile_config(raw)
    except RoutingConfigError as exc:
        first = exc.problems[0]
        message = f"The routing configuration is invalid: {first.field}: {first.message}"
        raise BackendError(400, "bad_routing_config", message, [p.as_dict() for p in exc.problems]) from exc


def _worker_attributes(agent: _AgentFacts, extra: _AgentRoutingFacts | None) -> dict[str, Any]:
    """What worker.* reads: the agent's identity, skills and languages, then its routing attributes."""
    attributes: dict[str, Any] = dict(extra.attributes) if extra else {}
    attributes.update(
        id=agent.id,
        username=agent.username,
        name=agent.name,
        skills=list(agent.skills),
        languages=list(agent.languages),
    )
    return attributes


def _capacity(agent: _AgentFacts, extra: _AgentRoutingFacts | None) -> dict[str, int]:
    if extra is not None:
        return {str(k): int(v) for k, v in extra.capacity.items()}
    return {"chat": agent.max_chats, "voice": 1}


def _agent(row: AgentRow) -> Agent:
    return Agent(
        id=row.id,
        username=row.username,
        name=row.name,
        role=Role(row.role),
        skills=tuple(row.skills),
        languages=tuple(row.languages),
        max_chats=row.max_chats,
        presence=Presence(row.presence),
    )


def _offer_record(
    row: _OfferFacts, conv: _OfferedConversation, customer: CustomerSummary, routing: RoutingReason | None
) -> Offer:
    """An offer as agents receive it (pushed when made, listed later): one shape for both."""
    return Offer(
        id=row.id,
        conversation_id=conv.id,
        customer=customer,
        channel=conv.channel,
        topic=conv.topic,
        language=conv.language,
        page=WebPage.model_validate(conv.page) if conv.page else None,
        offered_at=row.offered_at,
        expires_at=row.expires_at,
        routing=routing,
    )


def _summary(customer_id: str, row: CustomerRow | None) -> CustomerSummary:
    # A conversation outlives nothing, but a half-migrated database must not crash a listing.
    return CustomerSummary(
        id=customer_id, name=row.name if row else "?", language=row.language if row else "en"
    )


def _customer(row: CustomerRow) -> Customer:
    return Customer.model_validate({**row.data, "id": row.id, "version": row.version})


def _timeline_event(row: CustomerEventRow) -> TimelineEvent:
    return TimelineEvent(
        id=row.id,
        customer_id=row.customer_id,
        at=row.at,
        channel=row.channel,
        kind=row.kind,
        summary=row.summary,
        data=row.data,
    )


def _has_twins(db: Any, customer_id: str) -> bool:
    """Whether any of a customer's events has a twin (one probe of the twin index)."""
    probe = select(CustomerEventRow.id).where(
        CustomerEventRow.customer_id == customer_id, CustomerEventRow.twin_of.is_not(None)
    )
    return db.scalar(probe.limit(1)) is not None


def _with_twins(
    db: Any, rows: list[CustomerEventRow], *, any_twins: bool | None = None
) -> list[TimelineEvent]:
    """The events of these (first) records, each with its twins, the other systems' records of the
    same event, under data[TWINS] ({id, at, channel, summary, data} each, in time order): one event
    in the history, every system's record and outcome visible. `any_twins` False (the caller probed
    the customer: `_has_twins`) skips the lookup, which is most customers' case."""
    events = [_timeline_event(r) for r in rows]
    customers = {r.customer_id for r in rows}
    if (
        not events
        or any_twins is False
        or (any_twins is None and not any(_has_twins(db, c) for c in customers))
    ):
        return events
    found: dict[str, list[dict[str, Any]]] = {}
    twins = db.execute(
        select(
            CustomerEventRow.twin_of,
            CustomerEventRow.id,
            CustomerEventRow.at,
            CustomerEventRow.channel,
            CustomerEventRow.summary,
            CustomerEventRow.data,
        )
        .where(
            CustomerEventRow.customer_id.in_(customers), CustomerEventRow.twin_of.in_([r.id for r in rows])
        )
        .order_by(CustomerEventRow.at, CustomerEventRow.id)
    )
    for first, twin_id, at, channel, summary, data in twins:
        records = found.setdefault(first or "", [])
        if len(records) < MAX_TWINS:
            records.append(
                {
                    "id": twin_id,
                    "at": _aware(at).isoformat(),
                    "channel": channel,
                    "summary": summary,
                    "data": data,
                }
            )
    return [
        ev.model_copy(update={"data": {**ev.data, TWINS: found[ev.id]}}) if ev.id in found else ev
        for ev in events
    ]


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=row.sender,  # type: ignore[arg-type]
        author=row.author,
        text=row.text,
        at=row.at,
        client_key=row.client_key,
    )
