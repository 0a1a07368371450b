"""Chatwoot as a chat channel of the desk: a Chatwoot account's conversations become desk
conversations (routed by our routing like any chat), the agents' replies go back through the
Application API, each exactly once in both directions, across restarts.

In: a webhook (see channel_routes.py) only names a conversation to look at; the messages themselves
are always read from the Application API (whose answers are spec-checked), so webhook and polling
share one path and one dedupe: a Chatwoot message id is stored in the same transaction as the desk
message it became (channel_inbound), and a message already stored is skipped.

Out: every agent message of a desk conversation linked to Chatwoot is a reply to send. Before its
POST leaves, its row says `sending` (committed); after, `posted` with Chatwoot's id. A reply found
`sending` (the backend died, or the POST failed ambiguously) is first looked up in the conversation
by its echo id (content_attributes.echo_id = the desk message id) and only posted when absent.

The database steps run on the backend's writer thread (writer_thread.py), in order with the desk's
own writes: a page of a thread taken (chats started, messages stored) is one step, a reply's
`sending` and its `posted` are one step each; only the calls to Chatwoot are awaited on the loop."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from workstation.domain.models import Customer, Message, utcnow
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.channels.chatwoot import (
    INCOMING,
    PAGE_AFTER,
    ChatwootClient,
    ChatwootContact,
    ChatwootMessage,
)
from workstation.server.channels.upstream import UpstreamError, excerpt
from workstation.server.connectors.config import ConfigError, ConnectorConfig
from workstation.server.db import (
    ChannelInboundRow,
    ChannelOutboundRow,
    ChannelThreadRow,
    ConversationRow,
    CustomerRow,
    MessageRow,
)
from workstation.server.limits import MAX_CUSTOMER_MESSAGE_CHARS
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)

TYPE = "chatwoot"
#: Pages of open conversations one poll reads at most (Chatwoot pages hold 25): a bound on one pass.
MAX_POLL_PAGES = 40
#: Replies sent in one pass (the rest wait for the next pass, which comes at once).
OUTBOUND_BATCH = 100
#: Attempts after which a reply Chatwoot keeps refusing (4xx) is marked failed (and shown).
MAX_REFUSALS = 3
#: Backoff after a failed pass, doubling up to MAX_BACKOFF_S.
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 300.0
#: Stored problem texts and customer names are cut to these lengths.
MAX_PROBLEM_CHARS, MAX_NAME_CHARS = 500, 200
#: Text the desk shows for a Chatwoot message without text (an attachment, a card).
NO_TEXT = "[Chatwoot message without text: attachment or card, see Chatwoot]"
#: Conversation ids a burst of webhooks may queue before the next pass (more: the poll catches up).
MAX_PENDING = 10_000


@dataclass(frozen=True, slots=True)
class ChatwootSettings:
    name: str
    url: str
    account_id: int
    poll_interval_s: float
    #: Only conversations of these inboxes (None: every inbox of the account).
    inbox_ids: frozenset[int] | None = None
    #: The desk topic new conversations get (routing filters may use it).
    topic: str | None = None

    @classmethod
    def from_config(cls, config: ConnectorConfig) -> ChatwootSettings:
        where = f"[connectors.{config.name}]"
        options = config.options
        try:
            account = int(options["account_id"])
            inboxes = options.get("inbox_ids")
            inbox_ids = frozenset(int(i) for i in inboxes) if inboxes is not None else None
        except KeyError as exc:
            raise ConfigError(f"{where}: {exc.args[0]!r} is required") from exc
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: account_id and inbox_ids are numbers ({exc})") from exc
        topic = options.get("topic")
        return cls(
            name=config.name,
            url=config.url,
            account_id=account,
            poll_interval_s=config.poll_interval_s,
            inbox_ids=inbox_ids,
            topic=str(topic) if topic is not None else None,
        )


def webhook_secret(config: ConnectorConfig) -> str | None:
    """The webhook's shared secret (`webhook_secret_env` / `webhook_secret_keyring`), None: no webhook."""
    options = config.options
    env, ring = options.get("webhook_secret_env"), options.get("webhook_secret_keyring")
    if not env and not ring:
        return None
    secret_only = ConnectorConfig(
        name=config.name, type=config.type, url=config.url, password_env=env, password_keyring=ring
    )
    return secret_only.password()


class ChatwootChannel:
    """One Chatwoot account as a channel: `run()` polls and sends; `webhook()` takes a push."""

    def __init__(
        self,
        backend: Backend,
        settings: ChatwootSettings,
        client: ChatwootClient,
        *,
        secret: str | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.name = settings.name
        self.client = client
        self._secret = secret
        self._wake = asyncio.Event()
        self._poll_due = True
        #: Conversations a webhook named, looked at before the next poll.
        self._pending: dict[int, None] = {}
        #: Webhook and poll may name the same conversation at once: one reads it at a time.
        self._lock = asyncio.Lock()
        self.last_error: str | None = None
        #: Failed passes so far and the latest failure (kept after a pass succeeds, for the status).
        self.failures = 0
        self.last_failure: str | None = None
        #: The in-process service user customers' messages are posted as (made on first use).
        self._service: Principal | None = None
        #: Chatwoot conversation -> its last_activity_at when it was last read in full: a poll
        #: skips conversations with no activity since (in memory: after a restart all are read once).
        self._seen_activity: dict[int, int] = {}
        self.passes = 0
        backend.agent_message_listeners.append(self._on_agent_message)

    # --- the push path -----------------------------------------------------------------------

    @property
    def accepts_webhooks(self) -> bool:
        return self._secret is not None

    def token_ok(self, token: str | None) -> bool:
        if self._secret is None or not token:
            return False
        return hmac.compare_digest(token.encode(), self._secret.encode())

    def webhook(self, payload: Any) -> int | None:
        """Queue the conversation a webhook names; None when the event names none (or another
        account). Raises ValueError for a payload that is not a Chatwoot event."""
        if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
            raise ValueError("not a Chatwoot event: an object with an 'event' is expected")
        account = payload.get("account")
        if isinstance(account, dict) and _int(account.get("id")) not in (None, self.settings.account_id):
            return None
        event = payload["event"]
        if event.startswith("message_"):
            conversation = payload.get("conversation")
            found = _int(conversation.get("id")) if isinstance(conversation, dict) else None
        elif event.startswith("conversation_"):
            found = _int(payload.get("id"))
        else:
            return None
        if found is None:
            raise ValueError(f"the {event} event names no conversation id")
        if len(self._pending) < MAX_PENDING:
            self._pending[found] = None
        else:
            self._poll_due = True  # too many at once: the next poll reads them all
        self._wake.set()
        return found

    def sync_now(self) -> None:
        self._poll_due = True
        self._wake.set()

    def _on_agent_message(self, _conversation_id: str, _message: Message) -> None:
        self._wake.set()

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        backoff = FIRST_BACKOFF_S
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        try:
            while True:
                self._wake.clear()
                try:
                    if loop.time() >= next_poll:
                        self._poll_due = True
                    await self.sync_once()
                    backoff = FIRST_BACKOFF_S
                    next_poll = loop.time() + self.settings.poll_interval_s
                    delay = self.settings.poll_interval_s
                except UpstreamError as exc:
                    self._failed(str(exc))
                    delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_S)
                    self._poll_due = True
                except WriterClosed:
                    return  # the process is exiting (writer_thread.py)
                except Exception as exc:  # one bad pass must not end the channel
                    log.exception("chatwoot channel %s: pass failed", self.name)
                    self._failed(f"{type(exc).__name__}: {exc}")
                    delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_S)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(delay, 0.0))
        finally:
            self._seen_activity.clear()  # another process may have taken over meanwhile

    async def close(self) -> None:
        await self.client.close()

    def _failed(self, problem: str) -> None:
        self.last_error = self.last_failure = problem[:MAX_PROBLEM_CHARS]
        self.failures += 1
        log.warning("chatwoot channel %s: %s", self.name, self.last_error)

    async def sync_once(self) -> None:
        """Webhook-named conversations, then (when due) every open one, then the replies."""
        while self._pending:
            conversation_id = next(iter(self._pending))
            await self.pull(conversation_id)
            self._pending.pop(conversation_id, None)
        if self._poll_due:
            self._poll_due = False
            await self.poll()
        while await self.send_replies() == OUTBOUND_BATCH:
            pass
        self.passes += 1
        self.last_error = None

    async def poll(self) -> None:
        listed: set[int] = set()
        for page in range(1, MAX_POLL_PAGES + 1):
            conversations = await self.client.conversations(status="open", page=page)
            if not conversations:
                # The whole open list was read: a conversation no longer in it was resolved, and
                # its last activity need not be remembered (one entry per conversation ever open
                # would otherwise pile up for as long as the process runs).
                for gone in self._seen_activity.keys() - listed:
                    del self._seen_activity[gone]
                return
            for conversation in conversations:
                inboxes = self.settings.inbox_ids
                if inboxes is not None and conversation.inbox_id not in inboxes:
                    continue
                listed.add(conversation.id)
                activity = conversation.last_activity_at
                if activity is not None and self._seen_activity.get(conversation.id) == activity:
                    continue
                if await self.pull(conversation.id) is not None and activity is not None:
                    self._seen_activity[conversation.id] = activity

    # --- in ----------------------------------------------------------------------------------

    async def pull(self, conversation_id: int) -> int | None:
        """Take the conversation's messages not seen yet; returns how many became desk messages,
        None when the desk asked to wait (a rate limit) and some are left for the next pass."""
        taken = 0
        async with self._lock:
            while True:
                after = await self.backend.writer.run(partial(self._cursor, conversation_id))
                thread = await self.client.thread(conversation_id, after=after)
                fresh = [m for m in thread.messages if after is None or m.id > after]
                outcome = await self.backend.writer.run(
                    partial(self._take_all, conversation_id, thread.contact, fresh)
                )
                if outcome is None:
                    return None  # the desk asked to wait (rate limit): the rest next pass
                taken += outcome
                if after is None or len(thread.messages) < PAGE_AFTER or not fresh:
                    return taken

    def _take_all(
        self, conversation_id: int, contact: ChatwootContact | None, fresh: list[ChatwootMessage]
    ) -> int | None:
        """`_take` each of a page's new messages, in order, as one step on the writer thread: no
        other write (an agent's reply, a routing pass) runs between a chat's start and its next
        message. None as soon as the desk asks to wait."""
        taken = 0
        for message in fresh:
            outcome = self._take(conversation_id, contact, message)
            if outcome is None:
                return None
            taken += outcome
        return taken

    def _cursor(self, conversation_id: int) -> int | None:
        with self.backend.unit_of_work() as uow:
            return uow.db.scalar(
                select(func.max(ChannelInboundRow.external)).where(
                    ChannelInboundRow.channel == self.name, ChannelInboundRow.thread == str(conversation_id)
                )
            )

    def _take(
        self, conversation_id: int, contact: ChatwootContact | None, message: ChatwootMessage
    ) -> int | None:
        """Store one Chatwoot message (1: it became a desk message, 0: seen or not the customer's,
        None: the desk refused for now and it stays unseen). The desk message and the record that
        the Chatwoot id was taken commit together, so a restart neither loses nor repeats it."""
        thread = str(conversation_id)
        customers = message.message_type == INCOMING and not message.private and message.echo_id is None
        try:
            with self.backend.batch(), self.backend.unit_of_work() as uow:
                if uow.db.get(ChannelInboundRow, (self.name, message.id)) is not None:
                    return 0
                row = ChannelInboundRow(channel=self.name, external=message.id, thread=thread, at=utcnow())
                if customers:
                    try:
                        row.message_id = self._deliver(uow.db, thread, contact, message)
                    except BackendError as exc:
                        if exc.status == 429:
                            raise
                        # Refused for good (e.g. the desk's limits): recorded with the reason, not retried.
                        row.problem = f"{exc.code}: {exc.message}"[:MAX_PROBLEM_CHARS]
                        log.warning(
                            "chatwoot %s message %s not taken: %s", self.name, message.id, row.problem
                        )
                uow.db.add(row)
        except BackendError as exc:
            if exc.status == 429:
                return None
            raise
        return 1 if customers and row.message_id else 0

    def _deliver(
        self, db: Any, thread: str, contact: ChatwootContact | None, message: ChatwootMessage
    ) -> str | None:
        text = (message.content or "").strip() or NO_TEXT
        if len(text) > MAX_CUSTOMER_MESSAGE_CHARS:
            text = text[: MAX_CUSTOMER_MESSAGE_CHARS - 1] + "…"
        open_conversation = db.scalar(
            select(ChannelThreadRow.conversation_id)
            .join(ConversationRow, ConversationRow.id == ChannelThreadRow.conversation_id)
            .where(
                ChannelThreadRow.channel == self.name,
                ChannelThreadRow.external == thread,
                ConversationRow.state != "closed",
            )
            .order_by(ConversationRow.started_at.desc())
            .limit(1)
        )
        if open_conversation is not None:
            if self._service is None:
                self._service = self.backend.service_principal()
            return self.backend.post_customer_message(self._service, open_conversation, text).id
        customer_id = self._customer(db, contact, thread)
        conversation, _token = self.backend.start_chat(
            customer_id=customer_id,
            text=text,
            topic=self.settings.topic,
            attributes={"source": TYPE, "chatwoot_conversation": int(thread)},
        )
        db.add(ChannelThreadRow(conversation_id=conversation.id, channel=self.name, external=thread))
        first: str | None = db.scalar(
            select(MessageRow.id).where(MessageRow.conversation_id == conversation.id).limit(1)
        )
        return first

    def _customer(self, db: Any, contact: ChatwootContact | None, thread: str) -> str:
        """The desk customer behind a Chatwoot contact (created the first time it writes)."""
        key = f"c{contact.id}" if contact is not None else f"t{thread}"
        # cw-<channel, cut>-<key>: within the 64 characters of a customer id.
        customer_id = f"cw-{self.name[:32]}-{key}"
        if db.get(CustomerRow, customer_id) is not None:
            return customer_id
        name = (contact.name.strip() if contact else "")[:MAX_NAME_CHARS] or f"Chatwoot contact {key}"
        try:
            customer = Customer(
                id=customer_id,
                name=name,
                email=contact.email if contact else None,
                phone=contact.phone if contact else None,
            )
        except ValidationError:
            customer = Customer(id=customer_id, name=name)  # an odd e-mail or phone: the name is enough
        self.backend.upsert_customer(customer)
        return customer_id

    # --- out ---------------------------------------------------------------------------------

    async def send_replies(self) -> int:
        """Send the agents' replies not yet in Chatwoot (oldest first); returns how many were tried."""
        rows = await self.backend.writer.run(self._unsent)
        for message_id, text, thread, state in rows:
            await self._send(message_id, text, int(thread), looked_up=state == "sending")
        return len(rows)

    def _unsent(self) -> list[tuple[str, str, str, str | None]]:
        with self.backend.unit_of_work() as uow:
            rows = uow.db.execute(
                select(MessageRow.id, MessageRow.text, ChannelThreadRow.external, ChannelOutboundRow.state)
                .join(ChannelThreadRow, ChannelThreadRow.conversation_id == MessageRow.conversation_id)
                .outerjoin(ChannelOutboundRow, ChannelOutboundRow.message_id == MessageRow.id)
                .where(
                    ChannelThreadRow.channel == self.name,
                    MessageRow.sender == "agent",
                    (ChannelOutboundRow.state.is_(None)) | (ChannelOutboundRow.state == "sending"),
                )
                .order_by(MessageRow.at, MessageRow.id)
                .limit(OUTBOUND_BATCH)
            ).all()
            return [(m, t, e, st) for m, t, e, st in rows]

    async def _send(self, message_id: str, text: str, conversation_id: int, *, looked_up: bool) -> None:
        after = await self.backend.writer.run(partial(self._sending, message_id, conversation_id))
        # Committed: from here the POST may reach Chatwoot, so any later try looks for it first.
        try:
            found = (
                await self.client.find_echo(conversation_id, message_id, after=after) if looked_up else None
            )
            posted = found or await self.client.reply(conversation_id, text, echo_id=message_id)
        except UpstreamError as exc:
            if exc.retryable:
                raise  # the pass ends; the row stays `sending` and is looked up next time
            await self.backend.writer.run(partial(self._refused, message_id, str(exc)))
            return
        await self.backend.writer.run(partial(self._posted, message_id, posted.id))

    def _sending(self, message_id: str, conversation_id: int) -> int:
        """Record a reply as `sending` (once) and count the attempt; returns the thread position
        before it, where a later look-up for its echo starts."""
        after = self._cursor(conversation_id) or 0
        with self.backend.unit_of_work() as uow:
            row = uow.db.get(ChannelOutboundRow, message_id)
            if row is None:
                row = ChannelOutboundRow(
                    message_id=message_id,
                    channel=self.name,
                    state="sending",
                    after=after,
                    attempts=0,
                    updated_at=utcnow(),
                )
                uow.db.add(row)
            else:
                after = row.after
            row.attempts += 1
            row.updated_at = utcnow()
        return after

    def _posted(self, message_id: str, external: int) -> None:
        with self.backend.unit_of_work() as uow:
            row = uow.db.get(ChannelOutboundRow, message_id)
            assert row is not None
            row.state, row.external, row.problem, row.updated_at = "posted", external, None, utcnow()

    def _refused(self, message_id: str, problem: str) -> None:
        with self.backend.unit_of_work() as uow:
            row = uow.db.get(ChannelOutboundRow, message_id)
            assert row is not None
            row.problem = problem[:MAX_PROBLEM_CHARS]
            if row.attempts >= MAX_REFUSALS:
                row.state = "failed"
        log.warning("chatwoot %s: reply %s refused: %s", self.name, message_id, excerpt(problem))

    # --- status ------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        with self.backend.unit_of_work() as uow:
            inbound = uow.db.scalar(
                select(func.count())
                .select_from(ChannelInboundRow)
                .where(ChannelInboundRow.channel == self.name, ChannelInboundRow.message_id.is_not(None))
            )
            refused_in = uow.db.scalar(
                select(func.count())
                .select_from(ChannelInboundRow)
                .where(ChannelInboundRow.channel == self.name, ChannelInboundRow.problem.is_not(None))
            )
            out = dict(
                uow.db.execute(
                    select(ChannelOutboundRow.state, func.count())
                    .where(ChannelOutboundRow.channel == self.name)
                    .group_by(ChannelOutboundRow.state)
                ).all()
            )
        return {
            "name": self.name,
            "type": TYPE,
            "webhook": self.accepts_webhooks,
            "passes": self.passes,
            "messages_in": inbound or 0,
            "messages_refused": refused_in or 0,
            "replies_posted": int(out.get("posted", 0)),
            "replies_sending": int(out.get("sending", 0)),
            "replies_failed": int(out.get("failed", 0)),
            "last_error": self.last_error,
            "failures": self.failures,
            "last_failure": self.last_failure,
        }


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None
