"""Keeps the cache in step with the backend: applies pushed events, drains the outbox in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QObject, Signal

from workstation.client.api import (
    ApiError,
    AuthError,
    BackendApi,
    BackendUnavailable,
    Write,
    rejected_answer,
)
from workstation.client.events import AuthRejected, Backoff, EventStream
from workstation.client.ws import WsClient
from workstation.domain import messages as M
from workstation.domain.messages import Msg
from workstation.domain.models import (
    Agent,
    Conversation,
    ConversationState,
    Customer,
    CustomerNote,
    EventFrame,
    Message,
    Presence,
    RelevanceFeedback,
    SkippedFrame,
    TimelineEvent,
    utcnow,
)
from workstation.services.tasks import TaskSet
from workstation.store.cache import Answer, CacheStore, OutboxItem, Sent, new_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AppliedEvent:
    """A pushed event after it was stored: its type and its validated record."""

    seq: int
    type: str
    record: BaseModel  # a Record, or another payload model (EVENT_PAYLOADS)


class SyncService(QObject):
    """Push stream in, outbox out.

    Signals: `events_applied(list[AppliedEvent])` after each stored batch, `reset_applied()` after a
    full refetch, `connection_changed(online, detail)`, `outbox_changed(pending_count)`,
    `write_completed(kind, target)`, `write_refused(kind, target, reason)`, `session_rejected(reason)`,
    `messages_stored(list[Message])`: the backend's copies of the agent's replies, once stored (just
    before their `write_completed`; the inbox shows them without reading them back from the cache),
    `frame_skipped(event type, seq)` when the server left out an event too large to send (its
    conversations were refetched; the customer context service refetches open customers).

    Other services add kinds of write with `register(kind, deliver)`: `deliver(item)` sends it and
    stores the answer (store.complete / store.conflict, through the store's writer); it raises
    ApiError for a refusal and BackendUnavailable to try again later.

    Every cache write goes through the store's writer thread (`store.writes`): the GUI thread never
    waits for a commit. Jobs commit in the order they were submitted. The outbox's own reads (its next
    batch, how many writes wait) run there too, behind the commits they must see: with 20 busy chats
    they were a third of the GUI thread's work per reply.
    """

    events_applied = Signal(list)
    reset_applied = Signal()
    connection_changed = Signal(bool, str)
    outbox_changed = Signal(int)
    write_completed = Signal(str, str)
    write_refused = Signal(str, str, object)  # the reason: a str, or a Msg the desk can translate
    session_rejected = Signal(object)  # a Msg when the backend named its reason
    frame_skipped = Signal(str, int)
    messages_stored = Signal(list)

    def __init__(
        self,
        api: BackendApi,
        store: CacheStore,
        *,
        backoff: Backoff | None = None,
        tls: ssl.SSLContext | None = None,
        ws: WsClient | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`ws`: the shared WebSocket client (app.connect builds it once); without it one is made for
        `api.base_url` with `tls` and `backoff`."""
        super().__init__(parent)
        self._api = api
        self._store = store
        self._backoff = backoff or (ws.backoff if ws is not None else Backoff())
        self._rng = random.Random()
        if ws is None:
            ws = WsClient(api.base_url, lambda: api.token, tls=tls, backoff=self._backoff, proxy=api.proxy)
        self._stream = EventStream(ws, None, self)
        self._tasks = TaskSet()
        self._outbox_wake = asyncio.Event()
        self._handlers: dict[str, Callable[[OutboxItem], Awaitable[None]]] = {}
        self._stopping = False
        #: The loop the service runs on (set by start()): where a committed write's follow-up runs.
        self._loop: asyncio.AbstractEventLoop | None = None
        #: False once the backend turned out not to take batches of writes (an older one).
        self._batches = True
        #: The stream position as last committed (only this service writes it): read from the cache
        #: once, then kept here, so a batch of pushed events does not read the cache on the GUI thread.
        self._position: tuple[str | None, int] | None = None
        self.online = False
        self.offline_since: datetime | None = utcnow()
        self.skipped_events = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_event_loop()
        self._tasks.start(self._run_stream(), "push-stream")
        self._tasks.start(self._run_outbox(), "outbox")
        self._outbox_wake.set()  # writes left from the last session go out as soon as they can
        self.outbox_changed.emit(self._store.count_pending())

    async def stop(self) -> None:
        self._stopping = True
        await self._stream.close()
        await self._tasks.cancel_all()

    async def _run_stream(self) -> None:
        try:
            await self._stream.run()
        except AuthRejected as exc:
            self.session_rejected.emit(str(exc))

    # --- StreamHandler ---------------------------------------------------------------------------

    def position(self) -> tuple[str | None, int]:
        if self._position is None:
            self._position = self._store.stream_position()
        return self._position

    def on_connection(self, online: bool, detail: str) -> None:
        if online == self.online or self._stopping:
            return
        self.online = online
        self.offline_since = None if online else utcnow()
        if online:
            self._outbox_wake.set()
            log.info("push stream connected")
        else:
            log.warning("push stream lost: %s", detail)
        self.connection_changed.emit(online, detail)

    async def on_events(self, log_id: str, frames: list[EventFrame]) -> None:
        _stored_log, seq = self.position()
        applied: list[AppliedEvent] = []
        conversations: dict[str, Conversation] = {}
        messages: list[Message] = []
        events: list[TimelineEvent] = []
        customers: dict[str, Customer] = {}
        notes: dict[str, CustomerNote] = {}
        for frame in frames:
            if frame.seq <= seq:
                continue  # already applied before a reconnect: exactly once
            try:
                record = frame.payload()
            except ValueError as exc:
                self.skipped_events += 1
                log.warning("skipped event %d (%s): %s", frame.seq, frame.type, str(exc).splitlines()[0])
                continue
            if isinstance(record, Conversation):
                conversations[record.id] = record
            elif isinstance(record, Message):
                messages.append(record)
            elif isinstance(record, TimelineEvent):
                events.append(record)
            elif isinstance(record, Customer):
                customers[record.id] = record
            elif isinstance(record, CustomerNote):
                notes[record.id] = record
            applied.append(AppliedEvent(frame.seq, frame.type, record))
        last = max((f.seq for f in frames), default=seq)
        if last <= seq:
            return
        await self._store.writes.run(
            self._store.apply,
            log_id=log_id,
            seq=last,
            conversations=list(conversations.values()),
            messages=messages,
            events=events,
            customers=list(customers.values()),
            notes=list(notes.values()),
        )
        self._position = (log_id, last)
        if applied:
            self.events_applied.emit(applied)

    async def on_reset(self, log_id: str, head: int, reason: str) -> None:
        log.info("stream reset (%s): refetching state", reason)
        await self._refetch(log_id, head)

    async def on_skipped(self, log_id: str, frame: SkippedFrame) -> None:
        """The server left out an event too large to send: its seq counts as applied (exactly once, as
        in on_events), and what it may have changed comes over REST like after a reset."""
        _stored_log, seq = self.position()
        if frame.seq <= seq:
            return  # already past it (a resend after reconnect): exactly once
        await self._refetch(log_id, frame.seq)  # emits reset_applied: the inbox re-reads transcripts
        self.skipped_events += 1
        self.frame_skipped.emit(frame.type, frame.seq)

    async def _refetch(self, log_id: str, seq: int) -> None:
        """Active conversations from the backend, committed with the stream position `seq`."""
        try:
            active = await self._api.conversations(state=ConversationState.ACTIVE.value)
        except (BackendUnavailable, ApiError) as exc:
            log.warning("refetch from the backend failed: %s", exc)
            raise OSError("refetch failed") from exc
        await self._store.writes.run(self._store.apply, log_id=log_id, seq=seq, conversations=active)
        self._position = (log_id, seq)
        # Conversations we hold open locally that the backend no longer has active were closed meanwhile.
        active_ids = {c.id for c in active}
        stale = [
            c.model_copy(update={"state": ConversationState.CLOSED})
            for c in self._store.conversations(state=ConversationState.ACTIVE)
            if c.id not in active_ids
        ]
        if stale:
            await self._store.writes.run(self._store.apply, conversations=stale)
        self.reset_applied.emit()

    # --- the outbox ------------------------------------------------------------------------------

    def register(self, kind: str, deliver: Callable[[OutboxItem], Awaitable[None]]) -> None:
        self._handlers[kind] = deliver

    def wake_outbox(self) -> None:
        """Something was queued directly in the store (e.g. a resolved conflict): send it."""
        self._outbox_wake.set()
        self.outbox_changed.emit(self._store.count_pending())

    def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        target: str = "",
        local_message: Message | None = None,
        then: Callable[[], None] | None = None,
    ) -> str:
        """Queue a write: the store's writer commits it to the outbox (durable from then on), then
        the sender delivers it. Returns its idempotency key at once; `then()` runs on the event loop
        once the write is committed (only then may the UI show it as saved or pending)."""
        key, job = self._queue(kind, payload, target, local_message)
        self.committed(job, then, kind=kind, target=target)
        return key

    async def submit_committed(
        self, kind: str, payload: dict[str, Any], *, target: str = "", local_message: Message | None = None
    ) -> str:
        """`submit`, returning the key once the write is committed (raising if it could not be)."""
        key, job = self._queue(kind, payload, target, local_message)
        self.committed(job, kind=kind, target=target)
        await asyncio.wrap_future(job)
        return key

    def _queue(
        self, kind: str, payload: dict[str, Any], target: str, local_message: Message | None
    ) -> tuple[str, Future[str]]:
        key = local_message.client_key if local_message and local_message.client_key else new_key()
        job = self._store.writes.submit(
            self._store.enqueue, kind, payload, target=target, local_message=local_message, key=key
        )
        return key, job

    async def pending_count(self) -> int:
        """How many writes wait in the outbox now, read on the writer thread behind every commit so
        far (`outbox_changed` tells the same only at the outbox's next read)."""
        return int(await self._store.writes.run(self._store.count_pending))

    async def settled(self) -> None:
        """Once every write submitted so far is committed to the outbox (and the UI told of it)."""
        await asyncio.wrap_future(self._store.writes.barrier())

    def committed(
        self,
        job: Future[Any],
        then: Callable[[], None] | None = None,
        *,
        kind: str = "",
        target: str = "",
    ) -> None:
        """Once the writer ran `job` (a write submitted to `store.writes`): wake the outbox (the job
        may have queued a write), then run `then()` on the event loop. A write the cache could not
        store (disk full, a broken file) is reported as refused: the agent must not believe it saved."""

        def _done(result: Future[Any]) -> None:
            if result.cancelled():
                return
            if (exc := result.exception()) is not None:
                log.error("a %s write could not be stored in the cache", kind or "local", exc_info=exc)
                self.write_refused.emit(kind, target, Msg(M.NOT_SAVED_LOCALLY, error=str(exc)))
                return
            self._outbox_wake.set()  # the outbox counts the waiting writes when it reads them
            if then is not None:
                then()

        # Callbacks of the writer's futures run on the writer thread: hop to the loop, in order.
        loop = self._loop or asyncio.get_event_loop()

        def _hop(result: Future[Any]) -> None:
            try:
                loop.call_soon_threadsafe(_done, result)
            except RuntimeError:  # the loop is closed: shutting down, the write was flushed; nobody to tell
                return

        job.add_done_callback(_hop)

    async def _run_outbox(self) -> None:
        attempt = 0
        while True:
            await self._outbox_wake.wait()
            self._outbox_wake.clear()
            while True:
                # On the writer thread, behind every write committed so far (it sees them all).
                batch, waiting = await self._store.writes.run(self._outbox_state)
                self.outbox_changed.emit(waiting)
                if not batch:
                    attempt = 0
                    break
                try:
                    await self._send(batch)
                except BackendUnavailable as exc:
                    log.info("outbox waits for the backend: %s", exc)
                    delay = self._backoff.delay(attempt, self._rng)
                    attempt += 1
                    # Wake on reconnect or after the backoff, whichever comes first.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._outbox_wake.wait(), delay)
                    self._outbox_wake.clear()
                    continue
                attempt = 0

    def _outbox_state(self) -> tuple[list[OutboxItem], int]:
        """On the writer thread: the next writes to send, oldest first, and how many wait in all (no
        second query unless the batch is full: no write commits between the two reads here)."""
        batch = self._store.pending(limit=BATCH_SIZE)
        return batch, len(batch) if len(batch) < BATCH_SIZE else self._store.count_pending()

    async def _send(self, items: list[OutboxItem]) -> None:
        """Send in order: runs of built-in writes together (POST /writes), the others one by one."""
        i = 0
        while i < len(items):
            run = 0
            while i + run < len(items) and self._batchable(items[i + run]):
                run += 1
            if run > 1 and self._batches:
                await self._deliver_batch(items[i : i + run])
                i += run
            else:
                await self._deliver(items[i])
                i += 1

    def _batchable(self, item: OutboxItem) -> bool:
        return item.kind in ANSWERS and item.kind not in self._handlers

    async def _deliver_batch(self, items: list[OutboxItem]) -> None:
        self._count_attempt(*(item.id for item in items))
        try:
            results = await self._api.send_writes([_write_of(item) for item in items])
        except AuthError as exc:
            self.session_rejected.emit(exc.message)
            raise BackendUnavailable("signed out") from exc
        except ApiError as exc:
            if exc.status in (404, 405):
                log.info("the backend takes no batches of writes (%s); sending them one by one", exc)
                self._batches = False
            else:  # the batch as a whole was refused: one by one, each write gets its own answer
                log.warning("the backend refused a batch of %d writes: %s", len(items), exc)
            for item in items:
                await self._deliver(item)
            return
        outcomes: list[Sent] = []
        stop: BackendUnavailable | None = None
        for item, result in zip(items, results, strict=True):
            try:
                answer = _answer_of(item, result.parsed(ANSWERS[item.kind], f"answer to a {item.kind}"))
            except AuthError as exc:
                self.session_rejected.emit(exc.message)
                stop = BackendUnavailable("signed out")
                break
            except ApiError as exc:
                outcomes.append(Sent(item.id, refused=exc.message))
                continue
            except BackendUnavailable as exc:  # a server error, or an answer that is not the API's
                stop = exc
                break
            outcomes.append(Sent(item.id, answer))
        await self._store.writes.run(self._store.settle_sent, outcomes)
        stored = [m for o in outcomes if o.refused is None for m in o.answer.messages]
        if stored:
            self.messages_stored.emit(stored)
        by_id = {item.id: item for item in items}
        for outcome in outcomes:
            item = by_id[outcome.item_id]
            if outcome.refused is None:
                self.write_completed.emit(item.kind, item.target)
            else:
                self.write_refused.emit(item.kind, item.target, outcome.refused)
        if stop is not None:
            raise stop

    def _count_attempt(self, *item_ids: int) -> None:
        """Count a delivery attempt without waiting for it: the count is for the agent's information
        (no guarantee rests on it), and the writer's FIFO order commits it before the answer is stored.
        Waiting for it cost the reply one commit and two thread hops."""
        job = self._store.writes.submit(self._store.note_attempt, *item_ids)
        job.add_done_callback(_log_failure)

    async def _deliver(self, item: OutboxItem) -> None:
        store, write = self._store, self._store.writes.run
        self._count_attempt(item.id)
        try:
            if item.kind in self._handlers:
                await self._handlers[item.kind](item)
            elif item.kind == "message":
                message = await self._api.send_message(item.target, str(item.payload["text"]), key=item.key)
                answer = _answer_of(item, message)
                await write(store.settle_sent, [Sent(item.id, answer)])
                self.messages_stored.emit(list(answer.messages))
            elif item.kind == "close":
                conv = await self._api.close_conversation(
                    item.target, str(item.payload["wrapup_code"]), key=item.key
                )
                await write(store.settle_sent, [Sent(item.id, _answer_of(item, conv))])
            elif item.kind == "feedback":
                await self._api.send_feedback(RelevanceFeedback.model_validate(item.payload), key=item.key)
                await write(store.complete, item.id)
            elif item.kind == "presence":
                await self._api.set_presence(Presence(item.payload["presence"]), key=item.key)
                await write(store.complete, item.id)
            else:
                unknown = Msg(M.UNKNOWN_WRITE, kind=item.kind)
                await write(store.fail, item.id, str(unknown))
                self.write_refused.emit(item.kind, item.target, unknown)
                return
        except AuthError as exc:
            # Not the write's fault: keep it until the agent signs in again.
            self.session_rejected.emit(exc.message)
            raise BackendUnavailable("signed out") from exc
        except ApiError as exc:
            await write(store.fail, item.id, exc.message)
            self.write_refused.emit(item.kind, item.target, exc.message)
            return
        self.write_completed.emit(item.kind, item.target)


#: Most writes sent in one request (the backend takes up to 500).
BATCH_SIZE = 200

#: The built-in kinds of write, sent in batches, and what the backend answers to each.
ANSWERS: dict[str, Any] = {"message": Message, "close": Conversation, "feedback": Any, "presence": Agent}


def _log_failure(job: Future[Any]) -> None:
    if not job.cancelled() and (exc := job.exception()) is not None:
        log.warning("could not count a delivery attempt in the cache: %s", exc)


def _write_of(item: OutboxItem) -> Write:
    """An outbox item as a write of a batch: the same operation and body as its single endpoint."""
    payload = item.payload
    if item.kind == "message":
        return Write(item.key, "message", item.target, {"text": str(payload["text"])})
    if item.kind == "close":
        return Write(item.key, "close", item.target, {"wrapup_code": str(payload["wrapup_code"])})
    if item.kind == "feedback":
        feedback = RelevanceFeedback.model_validate(payload)
        return Write(item.key, "feedback", "", feedback.model_dump(mode="json"))
    if item.kind == "presence":
        return Write(item.key, "presence", "", {"presence": Presence(payload["presence"]).value})
    raise ValueError(f"{item.kind} writes are not sent in batches")


def _answer_of(item: OutboxItem, record: Any) -> Answer:
    """What to store of the backend's answer to a write, after checking it answers *this* write."""
    if item.kind == "message":
        if record.conversation_id != item.target or record.client_key not in (None, item.key):
            # Never store another conversation's message (or another write's) as ours.
            raise rejected_answer(
                f"the backend answered a reply to {item.target} with a message of "
                f"{record.conversation_id} (key {record.client_key})"
            )
        return Answer(messages=[record])
    if item.kind == "close":
        if record.id != item.target:
            raise rejected_answer(f"the backend answered closing {item.target} with conversation {record.id}")
        return Answer(conversations=[record])
    return Answer()
