"""Customers, their history (ingest, timeline, access checks) and relevance feedback."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, func, insert, literal_column, select
from sqlalchemy.orm import Session as DbSession

from workstation.domain import events as events_of
from workstation.domain import messages as M
from workstation.domain import timeline
from workstation.domain.models import (
    ConversationState,
    Customer,
    RelevanceFeedback,
    Role,
    TimelineEvent,
    TimelinePage,
    utcnow,
)
from workstation.server.access import conversation_is_live, customer_link
from workstation.server.backend.base import BackendBase
from workstation.server.backend.core import MAX_INGEST_BATCH, BackendError, IngestResult, Principal
from workstation.server.backend.mappers import (
    _aware,
    _customer,
    _decode_cursor,
    _decode_rank_cursor,
    _encode_cursor,
    _encode_rank_cursor,
    _expired,
    _filtered,
    _has_twins,
    _item_id,
    _ranked,
    _validation_text,
    _with_twins,
)
from workstation.server.db import (
    ConversationRow,
    CustomerEventRow,
    CustomerRow,
    CustomerStoryRow,
    FeedbackRow,
    read_session,
    refresh_stories,
)
from workstation.server.limits import (
    LimitExceeded,
    check_event,
)


class Customers(BackendBase):
    """Customers and their history: upserts, ingest, the filtered timeline, who may see what."""

    # --- customers and history -------------------------------------------------------------------

    def upsert_customer(self, customer: Customer) -> None:
        with self._uow() as uow:
            row = uow.db.get(CustomerRow, customer.id)
            data = customer.model_dump(mode="json")
            if row is None:
                uow.db.add(
                    CustomerRow(id=customer.id, name=customer.name, language=customer.language, data=data)
                )
            else:
                row.name, row.language, row.data = customer.name, customer.language, data
                row.version += 1

    def add_customer_events(self, events: list[TimelineEvent], *, push: bool = True) -> list[IngestResult]:
        """Store events in the customers' histories. A record delivered twice (its id, or its system's
        record id: `events.same_record`) is stored once; the same event logged by a second system (the
        CRM's record of a call the telephony system logged: `events.same_event`) is stored as the
        twin of the first, listed and counted with it. Returns one result each.

        A batch costs a fixed number of queries for the duplicate checks (not one per event)."""
        if not events:
            return []
        prints = [timeline.fingerprint(ev.kind, ev.channel, ev.summary, ev.data) for ev in events]
        results: list[IngestResult] = []
        touched: set[tuple[str, str]] = set()
        with self._uow() as uow:
            known_ids = set(
                uow.db.scalars(
                    select(CustomerEventRow.id).where(CustomerEventRow.id.in_({ev.id for ev in events}))
                )
            )
            widest = timedelta(seconds=max(fp.window_s for fp in prints))
            # Stored records that could be this batch's, by (customer, fingerprint) → [(at, id, data, first)].
            twins: dict[tuple[str, str], list[tuple[datetime, str, Any, str]]] = {}
            rows = uow.db.execute(
                select(
                    CustomerEventRow.customer_id,
                    CustomerEventRow.fingerprint,
                    CustomerEventRow.at,
                    CustomerEventRow.id,
                    CustomerEventRow.data,
                    CustomerEventRow.twin_of,
                ).where(
                    CustomerEventRow.customer_id.in_({ev.customer_id for ev in events}),
                    CustomerEventRow.fingerprint.in_({fp.key for fp in prints}),
                    CustomerEventRow.at >= min(ev.at for ev in events) - widest,
                    CustomerEventRow.at <= max(ev.at for ev in events) + widest,
                )
            )
            for customer_id, key, at, event_id, data, twin_of in rows:
                twins.setdefault((customer_id, key), []).append(
                    (_aware(at), event_id, data, twin_of or event_id)
                )
            holders: dict[str, set[str]] = {}
            new_rows: list[dict[str, Any]] = []
            firsts: dict[str, str] = {}  # first records that got a twin → their customer
            for ev, fp in zip(events, prints, strict=True):
                if ev.id in known_ids:
                    results.append(IngestResult("duplicate", ev.id, ev.id))
                    continue
                window = timedelta(seconds=fp.window_s)
                candidates = twins.setdefault((ev.customer_id, fp.key), [])
                # Nearest first: of two calls minutes apart, a record pairs with the one it is about.
                near = sorted(
                    (c for c in candidates if abs(c[0] - ev.at) <= window), key=lambda c: abs(c[0] - ev.at)
                )
                again = next(
                    (i for _, i, data, _ in near if events_of.same_record(ev.id, ev.data, i, data)), None
                )
                if again is not None:
                    results.append(IngestResult("duplicate", ev.id, again))
                    continue
                first = next(
                    (f for _, _, data, f in near if not events_of.distinct_records(ev.data, data)), None
                )
                story = timeline.story_key(ev.kind, ev.data)
                new_rows.append(
                    {
                        "id": ev.id,
                        "customer_id": ev.customer_id,
                        "at": ev.at,
                        "channel": ev.channel,
                        "kind": ev.kind,
                        "summary": ev.summary,
                        "data": ev.data,
                        "phase": timeline.journey_phase(ev.kind, ev.data),
                        "story": story,
                        "fingerprint": fp.key,
                        "twin_of": first,
                    }
                )
                known_ids.add(ev.id)
                candidates.append((ev.at, ev.id, ev.data, first or ev.id))
                if story:
                    touched.add((ev.customer_id, story))
                results.append(IngestResult("stored", ev.id, twin_of=first))
                if first is not None:
                    firsts[first] = ev.customer_id
                elif push:
                    if ev.customer_id not in holders:
                        holders[ev.customer_id] = self._agents_holding(uow.db, ev.customer_id)
                    for agent_id in holders[ev.customer_id]:
                        uow.append(agent_id, "timeline.event_added", ev.model_dump(mode="json"))
            if new_rows:
                # One executemany for the batch (an ORM object per event cost a third of the ingest),
                # through the table, not the ORM's bulk insert: that leaves out a None it has a default
                # for (story, twin_of), so rows with and without a story split the batch into one
                # executemany per run of alike rows (~250 per 1,000 events of a mixed history).
                uow.db.execute(insert(cast(Table, CustomerEventRow.__table__)), new_rows)
            if push and firsts:
                # The desk caches an event by id: the first record again, now with its twins.
                for event in _with_twins(
                    uow.db,
                    list(uow.db.scalars(select(CustomerEventRow).where(CustomerEventRow.id.in_(firsts)))),
                ):
                    if event.customer_id not in holders:
                        holders[event.customer_id] = self._agents_holding(uow.db, event.customer_id)
                    for agent_id in holders[event.customer_id]:
                        uow.append(agent_id, "timeline.event_added", event.model_dump(mode="json"))
            stories: dict[str, set[str]] = {}
            for customer_id, story in touched:
                stories.setdefault(customer_id, set()).add(story)
            for customer_id, keys in stories.items():
                refresh_stories(uow.db, customer_id, keys)
        return results

    def ingest_events(self, principal: Principal, items: list[Any]) -> list[IngestResult]:
        """Events from outside systems (a shop, a carrier, a CRM): each validated on its own; a bad
        one is reported by its index and the good ones are kept."""
        if principal.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only service accounts may ingest customer events.")
        if len(items) > MAX_INGEST_BATCH:
            raise BackendError(
                413, "batch_too_large", f"At most {MAX_INGEST_BATCH} events per request, got {len(items)}."
            )
        results: list[IngestResult | None] = [None] * len(items)
        good: list[tuple[int, TimelineEvent]] = []
        with read_session(self.engine) as db:
            known: set[str] = set()
            for index, item in enumerate(items):
                try:
                    check_event(item)
                except LimitExceeded as exc:
                    results[index] = IngestResult("error", _item_id(item), error=str(exc))
                    continue
                try:
                    event = TimelineEvent.model_validate(item)
                except ValidationError as exc:
                    results[index] = IngestResult("error", _item_id(item), error=_validation_text(exc))
                    continue
                if event.customer_id not in known:
                    if db.get(CustomerRow, event.customer_id) is None:
                        results[index] = IngestResult(
                            "error", event.id, error=f"unknown customer {event.customer_id!r}"
                        )
                        continue
                    known.add(event.customer_id)
                good.append((index, event))
        stored = self.add_customer_events([event for _, event in good])
        for (index, _), result in zip(good, stored, strict=True):
            results[index] = result
        return [r for r in results if r is not None]

    def customer_count(self) -> int:
        with read_session(self.engine) as db:
            return db.scalar(select(func.count()).select_from(CustomerRow)) or 0

    def list_customer_ids(self) -> list[str]:
        with read_session(self.engine) as db:
            return list(db.scalars(select(CustomerRow.id).order_by(CustomerRow.id)))

    def get_customer(self, principal: Principal, customer_id: str) -> Customer:
        self.require_access(principal, customer_id=customer_id)
        with read_session(self.engine) as db:
            row = db.get(CustomerRow, customer_id)
            if row is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            return _customer(row)

    def customer_events(
        self,
        principal: Principal,
        customer_id: str,
        *,
        before: str | None,
        limit: int,
        where: timeline.TimelineFilter | None = None,
    ) -> TimelinePage:
        """A page of the customer's history, newest first; `before` is the previous page's cursor.
        `where` narrows it (channels, phases, kinds, text, only open stories) in SQL."""
        self.require_access(principal, customer_id=customer_id)
        with read_session(self.engine) as db:
            if db.get(CustomerRow, customer_id) is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            open_keys = (
                select(CustomerStoryRow.key)
                .where(CustomerStoryRow.customer_id == customer_id, CustomerStoryRow.open.is_(True))
                .order_by(CustomerStoryRow.last_at.desc())
            )
            # The first page says which stories are open; later pages do not repeat it.
            open_stories = () if before else tuple(db.scalars(open_keys))
            fts = self.engine.dialect.name == "sqlite"
            if where is not None and where.by_relevance:
                return self._ranked_events(db, customer_id, where, open_keys, open_stories, before, limit)
            # A search pages from its FTS matches (the unary + keeps SQLite off the time index,
            # which it would walk event by event through the whole history); see store/history.py.
            by_matches = fts and where is not None and timeline.fts_query(where.text) is not None
            customer = (
                literal_column("+customer_events.customer_id") if by_matches else CustomerEventRow.customer_id
            )
            # A twin (another system's record of a listed event) comes with its first record.
            query = select(CustomerEventRow).where(
                customer == customer_id, CustomerEventRow.twin_of.is_(None)
            )
            any_twins = _has_twins(db, customer_id)
            if where is not None:
                words = self.engine.dialect.name == "postgresql"
                query = _filtered(query, where, open_keys, fts=fts, words=words, twins=any_twins)
            if before:
                at, event_id = _decode_cursor(before)
                # `at <= ?` lets the database seek in the timeline index; the OR alone made SQLite
                # walk from the newest event down to the page (older pages got slower with depth).
                query = query.where(
                    CustomerEventRow.at <= at, (CustomerEventRow.at < at) | (CustomerEventRow.id < event_id)
                )
            rows = list(
                db.scalars(
                    query.order_by(CustomerEventRow.at.desc(), CustomerEventRow.id.desc()).limit(limit + 1)
                )
            )
            more = len(rows) > limit
            rows = rows[:limit]
            events = tuple(_with_twins(db, rows, any_twins=any_twins))
        cursor = _encode_cursor(rows[-1].at, rows[-1].id) if more and rows else None
        return TimelinePage(events=events, next_cursor=cursor, open_stories=open_stories)

    def _ranked_events(
        self,
        db: DbSession,
        customer_id: str,
        where: timeline.TimelineFilter,
        open_keys: Any,
        open_stories: tuple[str, ...],
        before: str | None,
        limit: int,
    ) -> TimelinePage:
        """A page of the matches of `where.text`, best first (`order=relevance`), keyset by (score,
        id): no page skips through the ones before it, so a page costs the same however deep."""
        query, score = _ranked(where, open_keys, fts=self.engine.dialect.name == "sqlite")
        query = query.where(CustomerEventRow.customer_id == customer_id, CustomerEventRow.twin_of.is_(None))
        if before:
            last, event_id = _decode_rank_cursor(before)
            query = query.where(score <= last, (score < last) | (CustomerEventRow.id > event_id))
        found = db.execute(query.order_by(score.desc(), CustomerEventRow.id).limit(limit + 1)).all()
        more = len(found) > limit
        found = found[:limit]
        events = tuple(_with_twins(db, [row for row, _ in found]))
        cursor = _encode_rank_cursor(float(found[-1][1]), found[-1][0].id) if more and found else None
        return TimelinePage(events=events, next_cursor=cursor, open_stories=open_stories)

    def require_access(
        self,
        principal: Principal,
        *,
        customer_id: str | None = None,
        conversation_id: str | None = None,
        own_history: bool = False,
        roles: tuple[Role, ...] | None = None,
    ) -> None:
        """The one access check for agents' reads and writes of customer records and conversations:
        a live link (see access.py) to the customer, or to the conversation (which must be the
        agent's own; another agent's is reported as missing). `roles` pass on their role (default:
        team leads and service accounts for customers, team leads for conversations);
        `own_history` lets an agent read a conversation they handled however old it is."""
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Customers cannot read CRM records.")
        now, window = self.clock(), self.config.access_after_wrapup_s
        with self._reading() as db:
            if conversation_id is not None:
                passing = (Role.TEAMLEAD,) if roles is None else roles
                conv = db.get(ConversationRow, conversation_id)
                if conv is None or (conv.agent_id != principal.agent_id and principal.role not in passing):
                    raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
                if principal.role in passing or own_history or conversation_is_live(conv, now, window):
                    return
                raise BackendError(403, "access_expired", _expired(window, "this conversation"))
            assert customer_id is not None
            passing = (Role.TEAMLEAD, Role.SERVICE) if roles is None else roles
            if principal.role in passing:
                return
            if not customer_link(db, principal.agent_id or "", customer_id, now, window):
                raise BackendError(403, "forbidden", "This customer is not in any of your conversations.")

    @staticmethod
    def _agents_holding(db: DbSession, customer_id: str) -> set[str]:
        rows = db.scalars(
            select(ConversationRow.agent_id).where(
                ConversationRow.customer_id == customer_id,
                ConversationRow.state.in_([ConversationState.ACTIVE.value]),
                ConversationRow.agent_id.is_not(None),
            )
        )
        return {r for r in rows if r}

    # --- relevance feedback --------------------------------------------------------------------

    def record_feedback(self, principal: Principal, feedback: RelevanceFeedback) -> dict[str, Any]:
        if principal.scope != "agent" or principal.agent_id is None:
            raise BackendError(403, "forbidden", "Agents only.")
        if feedback.outcome == "dismissed" and feedback.reason is None:
            raise BackendError(400, "reason_required", M.Msg(M.REASON_REQUIRED))
        with self._uow() as uow:
            row = FeedbackRow(
                agent_id=principal.agent_id, data=feedback.model_dump(mode="json"), created_at=utcnow()
            )
            uow.db.add(row)
            uow.db.flush()
            return {"id": row.id}

    def feedback(self, principal: Principal, *, limit: int = 5000) -> list[RelevanceFeedback]:
        """Feedback that shapes this agent's ranking: the team's, newest last (learning is shared)."""
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Agents only.")
        with read_session(self.engine) as db:
            rows = list(db.scalars(select(FeedbackRow).order_by(FeedbackRow.id.desc()).limit(limit)))
        return [RelevanceFeedback.model_validate(r.data) for r in reversed(rows)]
