"""The relevance panel's service: ranks cards per conversation from the cache, re-ranks on news, learns.

Ranking reads only the local cache (customer, history, transcript), so the first paint of a new
conversation never waits for the network; the re-rank after the background refresh, a new customer
message or a pushed event is debounced so a burst of news costs one ranking, and at most one a second
per conversation (RERANK_INTERVAL_S); it runs in the ranking process (services/ranking.py: ranking on
any thread of this process holds the GIL the GUI thread waits for), asked from the reader thread,
which ranks itself while that process is not there: its result comes back by a queued signal, and a
result overtaken by a newer re-rank is dropped.
Agents' verdicts go through the outbox to the backend (durable, idempotent) and count locally at
once: the team's verdicts (fetched from the backend, cached for offline starts) plus this desktop's
not yet delivered ones are what the engine learns from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable
from workstation.domain.models import (
    Conversation,
    RelevanceFeedback,
    TimelineEvent,
    TranscriptEntry,
    utcnow,
)
from workstation.domain.relevance import (
    DISMISS_REASONS,
    Card,
    FeedbackStats,
    Ranking,
    RelevanceEngine,
)
from workstation.services.customer_context import CustomerContext, CustomerContextService
from workstation.services.ranking import (
    RankerError,
    RankerProcess,
    RankerUnavailable,
    RankRequest,
    case_for,
    rank_transcript,
)
from workstation.services.sync import SyncService
from workstation.services.tasks import TaskSet
from workstation.store.cache import CacheStore

log = logging.getLogger(__name__)

TEAM_FEEDBACK_KEY = "relevance.team_feedback"


@dataclass(slots=True)
class _Tracked:
    conversation: Conversation
    #: action id -> "accepted" or the dismissal reason, for this conversation
    handled: dict[str, str] = field(default_factory=dict)
    ranking: Ranking | None = None


#: Least time between two re-ranks of one conversation (seconds). Ranking is pure Python on the reader
#: thread, but it holds the GIL, which the GUI thread then waits for: with 20 busy chats (several
#: customer messages a second each, and only a debounce of 150 ms) re-ranks ran back to back. The trade-off: a
#: conversation's cards can be up to this late after a message; the newest message is always ranked
#: (a trailing re-rank), never skipped.
RERANK_INTERVAL_S = 1.0
#: Least time between two re-ranks on the whole desk (seconds): at most five a second, ~4 ms of CPU each
#: (measured with 20 busy chats), so re-ranking holds the GIL for about 2 % of the time. Without it,
#: 20 chats with a message a second or more each were re-ranked ~20 times a second and the GUI thread's
#: longest waits for the GIL doubled (bench_desk_core --only stall: longest stall 10-16 ms without
#: re-ranks, 21-31 ms with). Conversations due together are taken oldest-due first, so none starves;
#: on such a desk a conversation's cards can be up to (busy conversations / 5) seconds late.
RERANK_SPACING_S = 0.2


class RerankThrottle:
    """When each conversation is due for its next re-rank: `debounce` after the first news (a burst
    coalesces), and no sooner than `interval` after the conversation's last re-rank; on the whole
    desk, no sooner than `spacing` after the last re-rank of any conversation (the oldest due goes
    first). News while one is due changes nothing (the re-rank reads the cache when it runs, so it
    carries the newest message). Pure bookkeeping; the service runs the timer."""

    def __init__(
        self,
        interval: float,
        debounce: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        spacing: float = 0.0,
    ) -> None:
        self.interval = interval
        self.debounce = debounce
        self.spacing = spacing
        self._clock = clock
        #: conversation id -> when its pending re-rank is due
        self._due: dict[str, float] = {}
        #: conversation id -> when it was last ranked
        self._last: dict[str, float] = {}
        #: when any conversation was last ranked
        self._last_any: float | None = None

    def request(self, conversation_id: str) -> None:
        if conversation_id in self._due:
            return
        now = self._clock()
        last = self._last.get(conversation_id)
        due = now + self.debounce
        if last is not None:
            due = max(due, last + self.interval)
        self._due[conversation_id] = due

    def ranked(self, conversation_id: str) -> None:
        """A re-rank started now outside the schedule (the agent's verdict): it counts as the last.
        A re-rank already due stays due: the news behind it may not have been in the cache yet."""
        now = self._clock()
        self._last[conversation_id] = now
        self._last_any = now

    def take_due(self) -> list[str]:
        """The conversations due now (with a spacing, the one due longest); they count as ranked now."""
        now = self._clock()
        due = sorted((at, cid) for cid, at in self._due.items() if at <= now)
        if self.spacing:
            free = self._last_any is None or now - self._last_any >= self.spacing
            due = due[:1] if free else []
        for _at, cid in due:
            del self._due[cid]
            self._last[cid] = now
            self._last_any = now
        return [cid for _at, cid in due]

    def next_in(self) -> float | None:
        """Seconds until the next re-rank is due (None: none pending)."""
        if not self._due:
            return None
        at = min(self._due.values())
        if self.spacing and self._last_any is not None:
            at = max(at, self._last_any + self.spacing)
        return max(0.0, at - self._clock())

    def forget(self, conversation_id: str) -> None:
        self._due.pop(conversation_id, None)
        self._last.pop(conversation_id, None)


class RelevanceService(QObject):
    """Cards beside each open conversation.

    Signals: `ranking_changed(conversation_id, Ranking)` whenever a conversation's cards may look
    different; `feedback_recorded(conversation_id, action_id, outcome)` after a verdict was queued.
    """

    ranking_changed = Signal(str, object)
    feedback_recorded = Signal(str, str, str)
    #: internal: a re-rank finished on the reader thread (conversation id, generation, Ranking)
    _ranked = Signal(str, int, object)

    DEBOUNCE_MS = 150

    def __init__(
        self,
        engine: RelevanceEngine,
        api: BackendApi,
        store: CacheStore,
        sync: SyncService,
        context: CustomerContextService,
        reader: Executor,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
        ranker: RankerProcess | None = None,
    ) -> None:
        """`reader`: the one thread that reads the cache and ranks (shared with the conversation
        service, so a conversation's first ranking and its re-ranks run in the order asked for);
        `clock`: what the re-rank throttle reads (monotonic seconds); `ranker`: the ranking process
        that re-ranks instead of the reader thread while it runs (started by `start`, ended by
        `stop`)."""
        super().__init__(parent)
        self._ranker = ranker
        self._engine = engine
        self._reader = reader
        self._api = api
        self._store = store
        self._sync = sync
        self._context = context
        self._tracked: dict[str, _Tracked] = {}
        self.throttle = RerankThrottle(
            RERANK_INTERVAL_S, self.DEBOUNCE_MS / 1000, clock, spacing=RERANK_SPACING_S
        )
        #: conversation id -> generation of its newest re-rank (older results are dropped)
        self._generation: dict[str, int] = {}
        self._tasks = TaskSet()
        #: customer id -> (store generation, context) of the last re-rank's read (reader thread only)
        self._contexts: dict[str, tuple[int, CustomerContext]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._ranked.connect(self._on_ranked, Qt.ConnectionType.QueuedConnection)
        self._team: list[dict[str, Any]] = self._cached_team()
        self._rebuild_stats()
        context.context_refreshed.connect(self._on_customer_changed)
        context.events_added.connect(self._on_context_events_added)
        sync.write_completed.connect(self._on_sync_write_completed)

    # --- conversations ---------------------------------------------------------------------------

    def rank_cached(
        self,
        conversation: Conversation,
        context: CustomerContext,
        transcript: list[TranscriptEntry],
        handled: dict[str, str],
    ) -> Ranking:
        """Rank from what the caller read from the cache (any thread: the engine is pure; feedback
        counts are replaced or bumped in place, never iterated)."""
        return rank_transcript(
            self._engine, conversation, context.customer, context.events, transcript, handled
        )

    def adopt(self, conversation: Conversation, handled: dict[str, str], ranking: Ranking) -> None:
        """Start following a conversation whose first ranking was made on the reader thread (the
        conversation service's opening read); later news re-ranks it."""
        tracked = self._tracked.get(conversation.id)
        if tracked is None:
            tracked = _Tracked(conversation, dict(handled))
            self._tracked[conversation.id] = tracked
        tracked.ranking = ranking

    def preview(self, conversation: Conversation) -> Ranking:
        """Cards for a conversation not accepted yet (a ringing call), from the cache as it is now:
        nothing is tracked, emitted or recorded (the agent has not taken it)."""
        context = self._context.cached(conversation.customer.id)
        return self._engine.rank(case_for(conversation, context.customer, context.events, []), handled={})

    def forget(self, conversation_id: str) -> None:
        tracked = self._tracked.pop(conversation_id, None)
        if tracked is not None:
            customer_id = tracked.conversation.customer.id
            if all(t.conversation.customer.id != customer_id for t in self._tracked.values()):
                self._contexts.pop(customer_id, None)
        self.throttle.forget(conversation_id)
        self._generation.pop(conversation_id, None)

    @property
    def ranking_process(self) -> RankerProcess | None:
        """The process re-ranks run in (None: on the reader thread only); for the self-test."""
        return self._ranker

    def ranking(self, conversation_id: str) -> Ranking | None:
        tracked = self._tracked.get(conversation_id)
        return tracked.ranking if tracked else None

    def request(self, conversation_id: str) -> None:
        """Something changed for this conversation: re-rank soon (bursts coalesce into one, at most
        one a second per conversation)."""
        if conversation_id in self._tracked:
            self.throttle.request(conversation_id)
            self._start_timer()

    def _start_timer(self) -> None:
        wait = self.throttle.next_in()
        if wait is None:
            self._timer.stop()
            return
        ms = max(0, round(wait * 1000))
        if not self._timer.isActive() or self._timer.remainingTime() > ms:
            self._timer.start(ms)

    def on_transcript_updated(self, conversation_id: str, entries: list[Any]) -> None:
        """New lines in a transcript: only what the customer says changes the ranking."""
        if any(getattr(e.message, "sender", "") == "customer" for e in entries):
            self.request(conversation_id)

    def _on_timer_timeout(self) -> None:
        for conversation_id in self.throttle.take_due():
            tracked = self._tracked.get(conversation_id)
            if tracked is not None:
                self._rank(tracked)
        self._start_timer()

    def _on_customer_changed(self, customer_id: str) -> None:
        for conversation_id, tracked in self._tracked.items():
            if tracked.conversation.customer.id == customer_id:
                self.request(conversation_id)

    def _on_context_events_added(self, customer_id: str, _events: list[TimelineEvent]) -> None:
        self._on_customer_changed(customer_id)

    def _rank(self, tracked: _Tracked) -> None:
        """Re-rank on the reader thread; `ranking_changed` follows on the GUI thread if it shows."""
        conv = tracked.conversation
        generation = self._generation.get(conv.id, 0) + 1
        self._generation[conv.id] = generation
        self._reader.submit(self._rank_job, conv, dict(tracked.handled), generation)

    def _rank_job(self, conv: Conversation, handled: dict[str, str], generation: int) -> None:
        """On the reader thread: rank in the ranking process if it runs (this thread waits without
        the interpreter lock), else read what the ranking needs from the cache and rank here; send
        the result back."""
        try:
            ranking = self._rank_in_process(conv, handled)
            if ranking is None:
                context = self._customer_context(conv.customer.id)
                transcript = self._store.transcript(conv.id)
                ranking = self.rank_cached(conv, context, transcript, handled)
        except Exception:  # a broken cache must not kill the reader; the panel keeps its cards
            log.exception("re-ranking conversation %s failed", conv.id)
            return
        try:
            self._ranked.emit(conv.id, generation, ranking)
        except RuntimeError:  # the service is gone (shutting down)
            log.debug("re-rank of %s finished after shutdown", conv.id)

    def _rank_in_process(self, conv: Conversation, handled: dict[str, str]) -> Ranking | None:
        """The ranking process's ranking, or None when it is not there (not started, still loading,
        or gone: then the reader thread ranks, as before it existed)."""
        ranker = self._ranker
        if ranker is None or not ranker.ready:
            return None
        request = RankRequest(
            conversation=conv.model_dump_json(),
            handled=handled,
            customer_generation=self._store.generations.of(conv.customer.id),
            feedback=self._engine.feedback,
        )
        try:
            return ranker.rank(request)
        except RankerUnavailable:
            return None  # logged once by the ranker; this and later re-ranks run here
        except RankerError as exc:
            log.warning("the ranking process could not re-rank %s (%s); ranking it here", conv.id, exc)
            return None

    def _customer_context(self, customer_id: str) -> CustomerContext:
        """On the reader thread: the customer's context as cached, read again only when their record
        or history was written since (`store.generations`). Reading it (the record and 200 events)
        was a third of a re-rank's CPU, and a re-rank holds the GIL the GUI thread waits for (README,
        desk core: where the last stalls come from)."""
        generation = self._store.generations.of(customer_id)
        kept = self._contexts.get(customer_id)
        if kept is not None and kept[0] == generation:
            return kept[1]
        context = self._context.cached(customer_id)
        self._contexts[customer_id] = (generation, context)
        return context

    def _on_ranked(self, conversation_id: str, generation: int, ranking: Ranking) -> None:
        tracked = self._tracked.get(conversation_id)
        if tracked is None or self._generation.get(conversation_id) != generation:
            return  # closed meanwhile, or a newer re-rank is under way
        previous, tracked.ranking = tracked.ranking, ranking
        if previous is None or _shown(previous) != _shown(ranking):
            self.ranking_changed.emit(conversation_id, ranking)

    # --- feedback --------------------------------------------------------------------------------

    def accept(self, conversation_id: str, card: Card) -> None:
        self._verdict(conversation_id, card, "accepted", None)

    def dismiss(self, conversation_id: str, card: Card, reason: str) -> None:
        if reason not in DISMISS_REASONS:
            raise ValueError(f"unknown dismissal reason {reason!r}")
        self._verdict(conversation_id, card, "dismissed", reason)

    def _verdict(self, conversation_id: str, card: Card, outcome: str, reason: str | None) -> None:
        tracked = self._tracked.get(conversation_id)
        action = card.action
        if tracked is None or action is None:
            return
        feedback = RelevanceFeedback(
            action=action,
            context=card.context[:200],
            outcome=outcome,  # type: ignore[arg-type]
            reason=reason,  # type: ignore[arg-type]
            customer_id=tracked.conversation.customer.id,
            conversation_id=conversation_id,
            at=utcnow(),
        )

        # Durable first (the outbox), then it counts: locally once committed, for the team once delivered.
        def _counts() -> None:
            self._engine.feedback.add(feedback.action, feedback.context, outcome, reason)
            tracked.handled[action] = "accepted" if outcome == "accepted" else (reason or "not_relevant")
            self.feedback_recorded.emit(conversation_id, card.action, outcome)
            # At once, not throttled: the agent waits to see the card go.
            self.throttle.ranked(conversation_id)
            self._rank(tracked)

        self._sync.submit("feedback", feedback.model_dump(mode="json"), target=conversation_id, then=_counts)

    def handled_before(self, conversation_id: str) -> dict[str, str]:
        """Verdicts given in this conversation before a restart (they are in the outbox); reads the
        cache (the conversation service calls it on the reader thread)."""
        handled: dict[str, str] = {}
        for state, payload in self._store.outbox_payloads("feedback"):
            if state != "failed" and payload.get("conversation_id") == conversation_id:
                action = str(payload.get("action"))
                handled[action] = (
                    "accepted" if payload.get("outcome") == "accepted" else str(payload.get("reason"))
                )
        return handled

    # --- what the team taught --------------------------------------------------------------------

    @property
    def stats(self) -> FeedbackStats:
        """What the ranking learns from now: the team's verdicts plus this desktop's undelivered ones."""
        return self._engine.feedback

    @property
    def team_verdicts(self) -> int:
        return len(self._team)

    def _cached_team(self) -> list[dict[str, Any]]:
        cached = self._store.get_value(TEAM_FEEDBACK_KEY)
        return cached if isinstance(cached, list) else []

    def _rebuild_stats(self) -> None:
        verdicts: list[dict[str, Any]] = list(self._team)
        verdicts.extend(p for state, p in self._store.outbox_payloads("feedback") if state == "pending")
        stats = FeedbackStats()
        for verdict in verdicts:
            try:
                stats.add(
                    str(verdict["action"]),
                    str(verdict["context"]),
                    str(verdict["outcome"]),
                    verdict.get("reason"),
                )
            except (KeyError, TypeError):
                log.warning("ignoring a malformed relevance verdict: %r", verdict)
        self._engine.feedback = stats

    async def refresh_feedback(self) -> bool:
        """Fetch the team's verdicts (what every agent taught the ranking); False when offline."""
        try:
            verdicts = await self._api.feedback()
        except BackendUnavailable as exc:
            log.info("relevance feedback stays as cached: %s", exc)
            return False
        except ApiError as exc:
            log.warning("relevance feedback could not be fetched: %s", exc.message)
            return False
        self._team = [v.model_dump(mode="json") for v in verdicts]
        await self._store.writes.run(self._store.set_value, TEAM_FEEDBACK_KEY, self._team)
        self._rebuild_stats()
        for conversation_id in self._tracked:
            self.request(conversation_id)
        return True

    def start(self) -> None:
        if self._ranker is not None:
            self._ranker.start()
        self._tasks.start(self.refresh_feedback(), "relevance-feedback")

    def _on_sync_write_completed(self, kind: str, _target: str) -> None:
        if kind == "feedback":
            # Delivered: it is in the team's list now; fetch it so it is counted once, not twice.
            self._tasks.start(self.refresh_feedback(), "relevance-feedback")

    async def stop(self) -> None:
        self._timer.stop()
        await self._tasks.cancel_all()
        if self._ranker is not None:
            ranker = self._ranker
            await asyncio.get_running_loop().run_in_executor(None, ranker.close)


def _shown(ranking: Ranking) -> tuple[Any, ...]:
    """What the panel displays, to skip repaints when a re-rank changes nothing visible."""
    return (
        tuple((c.kind, c.action, c.refs, c.title, c.reasons) for c in ranking.cards),
        tuple((h.title, h.why) for h in ranking.hidden),
        ranking.phase,
    )
