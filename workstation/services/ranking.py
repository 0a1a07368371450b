"""Re-ranking a conversation's cards in a process of its own, beside the desktop's.

Why a process: ranking is pure Python (reading the customer's new lines, matching concepts, scoring
the situations). On a thread of the desktop's process it holds the interpreter lock, and the GUI
thread waits for that lock at every call from Qt into Python (each paint of a row, each timer): with
20 busy chats the re-ranks were the biggest part of the GUI thread's longest stalls (README, desk
core). The child process has its own interpreter and lock, reads the customer's context and the
transcript from the cache file itself (WAL: it sees what the desktop committed), and answers with
the ranking; the desktop's side only sends a small request and waits for the answer without the lock.

The desktop's first ranking of a conversation (the screen pop) stays on the reader thread: it is one
per conversation, and the conversation service has just read the same context for the panels.

Protocol over the child's stdin/stdout: frames of a 4-byte big-endian length and a pickle, both ends
this same program (the pipes are private to the two processes; nothing else writes to them). The
child writes `READY` once it has imported everything and opened the cache, then answers each request
in order. It ends when its stdin closes: the parent holds the only write end, so the child also ends
when the parent dies, however it dies (as the embedded backend's process does).
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workstation.domain.models import Conversation, Customer, TimelineEvent, TranscriptEntry, utcnow
from workstation.domain.relevance import (
    Case,
    ChatLine,
    CustomerFacts,
    FeedbackStats,
    Interaction,
    Ranking,
    RelevanceEngine,
    with_twin_records,
)
from workstation.own_process import helper_environment, helper_popen_options, own_command
from workstation.priority import lower_this_process

log = logging.getLogger(__name__)

#: The first argument that makes the frozen bundle (main.py) run the ranking process.
RANKER_COMMAND = "ranker"
#: How long a re-rank may take in the child before the desktop gives up on the process (seconds):
#: a ranking takes milliseconds; this only catches a child that hangs.
RANK_TIMEOUT_S = 10.0
#: The largest frame either side accepts (a ranking is a few KB; a request carries one conversation).
MAX_FRAME = 16 << 20
#: Customers whose context the child keeps between re-ranks (an agent's open chats, with room).
CONTEXTS_KEPT = 64
#: The longest reason from the child that the desktop keeps (a short traceback).
MAX_REASON = 2000
#: The newest events of a customer's history that a ranking (and the panel beside a chat) reads.
CONTEXT_EVENTS = 200
_READY = "READY"
_LENGTH = struct.Struct(">I")


class RankerUnavailable(RuntimeError):
    """The ranking process is not running (not started yet, ended, or hung and stopped)."""


class RankerError(RuntimeError):
    """The ranking process could not rank this conversation (its message says why); it goes on."""


# --- what both sides share ---------------------------------------------------------------------------


def case_for(
    conversation: Conversation,
    customer: Customer | None,
    events: list[TimelineEvent],
    messages: Sequence[tuple[str, Any, str]],
) -> Case:
    """The engine's view of a conversation: what the cache knows now."""
    summary = conversation.customer
    facts = (
        CustomerFacts(
            id=customer.id,
            name=customer.name,
            language=customer.language,
            segment=customer.segment,
            value_tier=customer.value_tier.lower(),
            clv=customer.clv,
            churn_risk=customer.churn_risk,
            consents=dict(customer.consents),
            products=tuple(customer.products),
        )
        if customer is not None
        # Before the record arrives: no consents, so no consent-bound action can be suggested.
        else CustomerFacts(id=summary.id, name=summary.name, language=summary.language)
    )
    page = conversation.page
    return Case(
        id=conversation.id,
        now=utcnow(),
        customer=facts,
        interaction=Interaction(
            channel=conversation.channel,
            started=conversation.started_at,
            topic=conversation.topic,
            page_url=page.url if page else None,
            page_title=page.title if page else None,
            messages=tuple(ChatLine(sender, at, text) for sender, at, text in messages),
        ),
        # A call the telephony system and the CRM both logged is cached as one event with its twins.
        events=with_twin_records(events),
    )


def rank_transcript(
    engine: RelevanceEngine,
    conversation: Conversation,
    customer: Customer | None,
    events: list[TimelineEvent],
    transcript: Sequence[TranscriptEntry],
    handled: dict[str, str],
) -> Ranking:
    """Rank a conversation from what was read from the cache (any thread or process)."""
    messages = [(e.message.sender, e.message.at, e.message.text) for e in transcript]
    return engine.rank(case_for(conversation, customer, events, messages), handled=handled)


@dataclass(frozen=True, slots=True)
class RankRequest:
    """One re-rank, as the desktop sends it to the child."""

    #: the conversation as JSON (pydantic's own, so the child needs no pickled model classes' state)
    conversation: str
    handled: dict[str, str]
    #: how often the customer was written in the cache (store.generations): the child reads their
    #: context again only when this changed
    customer_generation: int
    feedback: FeedbackStats


def write_frame(stream: IO[bytes], payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> object:
    """The next frame, unpickled; EOFError when the other side closed the pipe."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the pipe closed")
    (size,) = _LENGTH.unpack(head)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes (at most {MAX_FRAME})")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the pipe closed inside a frame")
    return pickle.loads(data)


# --- the desktop's side ------------------------------------------------------------------------------


def ranker_command(cache_path: Path) -> list[str]:
    """How to start the ranking process here: frozen, the bundle itself is the interpreter."""
    return [*own_command("workstation.services.ranking", RANKER_COMMAND), str(cache_path)]


class RankerProcess:
    """The desktop's handle on the ranking process: `start()` it, then `rank()` from one thread
    (the reader thread) while `ready`; `close()` ends it. Everything here is safe to call from any
    thread; `rank` calls are taken one at a time."""

    def __init__(self, cache_path: Path, command: Sequence[str] | None = None) -> None:
        self._command = list(command) if command is not None else ranker_command(cache_path)
        self._process: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[object] = queue.Queue()
        self._ready = threading.Event()
        self._gone = threading.Event()
        self._lock = threading.Lock()
        #: why the process is not usable (None while it may be)
        self.failure: str | None = None
        #: re-ranks the process answered (diagnostics, and the tests' evidence that it ranked)
        self.answered = 0

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._gone.is_set()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child (returns at once; `ready` turns true once it has loaded)."""
        if self._process is not None:
            return
        try:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=helper_environment(self._command),
                close_fds=True,
                **helper_popen_options(background=True),
            )
        except OSError as exc:
            self._fail(f"the ranking process did not start: {exc}")
            return
        threading.Thread(target=self._listen, name="ranker-answers", daemon=True).start()

    def _listen(self) -> None:
        """On its own thread: the child's frames, in order, into the answer queue (blocked in a
        read without the interpreter lock almost all the time)."""
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        try:
            first = read_frame(stdout)
            if first != _READY:  # the child says why it could not start, and ends
                self._fail(str(first)[:MAX_REASON])
                return
            self._ready.set()
            while True:
                self._answers.put(read_frame(stdout))
        except EOFError:
            self._fail("the ranking process ended")
        except Exception as exc:  # a garbled frame: the process cannot be trusted to answer in order
            self._fail(f"the ranking process answered garbage: {exc}")
            self._stop()
        finally:
            stdout.close()

    def _fail(self, why: str) -> None:
        if not self._gone.is_set():
            self.failure = why
            self._gone.set()
            self._answers.put(RankerUnavailable(why))
            if self._ready.is_set():
                log.warning("%s; re-ranking on the reader thread from now on", why)

    def rank(self, request: RankRequest, timeout: float = RANK_TIMEOUT_S) -> Ranking:
        """The child's ranking for `request`. RankerUnavailable if the process is not ready or died
        (or hung: then it is stopped); RankerError if it could not rank this one."""
        with self._lock:
            if not self.ready or self._process is None or self._process.stdin is None:
                raise RankerUnavailable(self.failure or "the ranking process is not ready")
            try:
                write_frame(self._process.stdin, request)
                answer = self._answers.get(timeout=timeout)
            except (OSError, ValueError) as exc:  # a broken pipe, or the child closed it
                self._fail(f"the ranking process is gone: {exc}")
                raise RankerUnavailable(self.failure or str(exc)) from exc
            except queue.Empty:
                self._fail(f"the ranking process did not answer within {timeout:g} s")
                self._stop()
                raise RankerUnavailable(self.failure or "timeout") from None
        if isinstance(answer, RankerUnavailable):
            raise answer
        if isinstance(answer, Ranking):
            self.answered += 1
            return answer
        raise RankerError(str(answer))

    def close(self, timeout: float = 5.0) -> None:
        """End the child: close its stdin (it exits), then wait; kill it if it does not."""
        process = self._process
        if process is None:
            return
        self._gone.set()
        self.failure = self.failure or "closed"
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._stop()

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


# --- the child's side --------------------------------------------------------------------------------


class _Child:
    """The child's state: the cache (read only), the engine, and the contexts read so far."""

    def __init__(self, cache_path: Path) -> None:
        from workstation.store.cache import open_reader

        self.store = open_reader(cache_path)
        self.engine = RelevanceEngine()
        self._contexts: OrderedDict[str, tuple[int, Customer | None, list[TimelineEvent]]] = OrderedDict()

    def context(self, customer_id: str, generation: int) -> tuple[Customer | None, list[TimelineEvent]]:
        """The customer's record and newest events, read again only after the desktop wrote them."""
        kept = self._contexts.get(customer_id)
        if kept is None or kept[0] != generation:
            customer = self.store.customer(customer_id)
            kept = (generation, customer, self.store.timeline(customer_id, limit=CONTEXT_EVENTS))
            self._contexts[customer_id] = kept
        self._contexts.move_to_end(customer_id)
        while len(self._contexts) > CONTEXTS_KEPT:
            self._contexts.popitem(last=False)
        return kept[1], kept[2]

    def rank(self, request: RankRequest) -> Ranking:
        conversation = Conversation.model_validate_json(request.conversation)
        customer, events = self.context(conversation.customer.id, request.customer_generation)
        transcript = self.store.transcript(conversation.id)
        self.engine.feedback = request.feedback
        return rank_transcript(self.engine, conversation, customer, events, transcript, request.handled)


def child_main(argv: Sequence[str]) -> int:
    """The ranking process: `python -m workstation.services.ranking CACHE_FILE`."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    lower_this_process()  # re-ranks can wait a few milliseconds; the desk's GUI thread cannot
    try:
        child = _Child(Path(argv[0]))
    except Exception:  # the desktop logs it: stderr goes nowhere in a windowed build
        write_frame(stdout, f"the ranking process could not start: {traceback.format_exc(limit=3)}")
        return 1
    write_frame(stdout, _READY)
    while True:
        try:
            request = read_frame(stdin)
        except EOFError:
            return 0  # the desktop closed the pipe (or died)
        try:
            if not isinstance(request, RankRequest):
                raise TypeError(f"not a rank request: {type(request).__name__}")
            answer: object = child.rank(request)
        except Exception as exc:  # one bad request: say why, and go on with the next
            answer = f"{type(exc).__name__}: {exc}"
        write_frame(stdout, answer)


if __name__ == "__main__":
    # The module proper, not this `__main__` copy: the desktop's pickles name the module's classes.
    from workstation.services.ranking import child_main as _main

    sys.exit(_main(sys.argv[1:]))
