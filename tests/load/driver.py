"""The load driver: N headless desktops and customers opening chats, on loopback, bounded in time.

Each desktop is the project's own client library, as the desktop app uses it: `BackendApi` (sign
in, presence Available, accept, reply, wrap up) and `EventStream` (the push stream that reconnects
and resumes by `seq`). A desktop accepts every offer it is shown, replies once, holds the chat for
`hold_s` and closes it with a wrap-up code. Customers open chats through the customer chat API
(`POST /customer/chats`, the one the simulator and the self-test use) at `chat_rate` a second.

What it records, and checks after the run (`LoadResult`):
- per desktop, the `seq` of every event frame it applied, in order: none twice, none out of order,
  and (given the database's event log) none missing: `seq_problems`;
- per chat, the time from just before its POST to the moment its offer frame reached a desktop
  (one clock: this process's `perf_counter`): `latencies_ms`;
- every offer and every end of an offer, with their `seq` (one global order across processes):
  `overlaps` lists any chat offered to an agent while another agent's offer of it was still open.

It drives whatever `urls` it is given (desktop i uses `urls[i % len(urls)]`): several backend
processes directly, one round-robin proxy in front of them (`tests/load/proxy.py`), or the
single-process SQLite backend. Nothing here reaches beyond the addresses it is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from tests.benchmarks.stats import pct
from workstation.client.api import ApiError, AuthError, BackendApi, BackendUnavailable
from workstation.client.events import EventStream
from workstation.client.ws import AuthRejected, Backoff, WsClient
from workstation.domain.models import EventFrame, Offer, OfferRevocation, Presence, SkippedFrame

log = logging.getLogger(__name__)

#: Sign-ins at once: the backend checks passwords on a couple of threads per process and turns
#: away more than a few dozen waiting ones (LoginPolicy.max_waiting).
LOGIN_CONCURRENCY = 8
#: Pause between retries of a request that failed because no backend answered (failover, restart).
RETRY_S = 0.2
#: Each desktop has an HTTP client of its own, as each desktop app does (an accept, a reply, a
#: wrap-up and a presence change may overlap). One pool shared by 500 desktops was the run's
#: bottleneck: httpx's pool looks at every waiting request and every connection each time one is
#: handed out, so the driver's loop spent most of its time there and an accept took ~10 s from
#: request to answer while the backend answered it in ~50 ms (2026-12-07, measured both ends).
DESKTOP_CONNECTIONS = 4
#: The customers' POSTs share one client per backend address (their chats open at `chat_rate`).
CUSTOMER_CONNECTIONS = 32
#: Request timeout: a backend that stops answering is a failure to retry, not a hang.
HTTP_TIMEOUT_S = 15.0


@dataclass(slots=True)
class LoadConfig:
    urls: Sequence[str]
    usernames: Sequence[str]
    password: str
    #: A service principal's token: only a service user may open chats for customers.
    service_token: str
    customer_ids: Sequence[str]
    #: New chats a second (spread evenly), for `duration_s`.
    chat_rate: float = 5.0
    duration_s: float = 5.0
    #: How long a desktop keeps a chat before wrapping it up.
    hold_s: float = 1.0
    #: After the last chat: how long to wait for every acknowledged chat to be offered, counted
    #: from the last chat shown (the wait ends when no chat was shown for this long)...
    drain_s: float = 15.0
    #: ...and at most this long in all (None: `drain_s`). A run above what the machine sustains
    #: ends with a queue that drains for minutes; a chat still not shown after the wait stalled
    #: for `drain_s` was lost, not late.
    drain_max_s: float | None = None
    #: An offer left unanswered sets its agent Away (BackendConfig.away_after_missed_offer); a
    #: person notices and is Available again after about this long. Without it each agent that once
    #: answered too late (a loaded run) stayed Away for good: 445 of 500 in one 50 chats/s run.
    back_after_missed_s: float = 2.0
    #: Stream reconnect pacing (the desktop's default starts at 0.5 s and grows to 15 s).
    backoff: Backoff = field(default_factory=lambda: Backoff(initial=0.2, maximum=2.0))


@dataclass(slots=True)
class OfferEvent:
    seq: int
    conversation_id: str
    agent: str
    #: "offered", or how it ended: "accepted", "rejected", "timed_out", "canceled".
    what: str


@dataclass(slots=True)
class DesktopRecord:
    username: str
    agent_id: str = ""
    url: str = ""
    log_id: str | None = None
    seqs: list[int] = field(default_factory=list)
    #: Frames whose seq was not above the last applied one (a duplicate or out of order).
    repeated: list[int] = field(default_factory=list)
    resets: int = 0
    skipped: int = 0
    connects: int = 0
    disconnects: int = 0
    accepted: int = 0
    #: Offers this desktop let time out (each set it Away; it came back: _back_after_a_miss).
    missed: int = 0
    closed: int = 0
    #: Requests refused for good (not "unavailable": those are retried).
    refusals: list[str] = field(default_factory=list)
    #: (perf_counter, online) each time the stream came up or went down: which desktops a killed
    #: process had, and how long they took to come back (tests/load/faults.py).
    links: list[tuple[float, bool]] = field(default_factory=list)


class Desktop:
    """One headless agent desktop: the client library's API and push stream, and an agent's habits."""

    def __init__(self, driver: LoadDriver, username: str, url: str, http: httpx.AsyncClient) -> None:
        self.driver = driver
        self.record = DesktopRecord(username=username, url=url)
        self.api = BackendApi(http)
        self.stream: EventStream | None = None
        self.connected = asyncio.Event()
        self.wrapup_code = ""
        #: The chats being worked (accept, reply, hold, wrap up), and the stream.
        self._tasks: set[asyncio.Task[None]] = set()
        self._stream_task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- StreamHandler ---------------------------------------------------------------------------

    def position(self) -> tuple[str | None, int]:
        return self.record.log_id, self.record.seqs[-1] if self.record.seqs else 0

    def on_connection(self, online: bool, detail: str) -> None:
        if online:
            self.record.connects += 1
            self.record.links.append((time.perf_counter(), True))
            self.connected.set()
        elif not self._stopping:  # the driver's own close at the end is no disconnect
            self.record.disconnects += 1
            self.record.links.append((time.perf_counter(), False))
            log.info("%s: stream down: %s", self.record.username, detail)

    async def on_reset(self, log_id: str, head: int, reason: str) -> None:
        # A reset means the backend could not resume this desktop where it was: a failure here.
        self.record.resets += 1
        self.record.log_id = log_id

    async def on_skipped(self, log_id: str, frame: SkippedFrame) -> None:
        self.record.skipped += 1
        self._apply(log_id, frame.seq)

    async def on_events(self, log_id: str, frames: list[EventFrame]) -> None:
        shown = time.perf_counter()
        for frame in frames:
            if not self._apply(log_id, frame.seq):
                continue
            if frame.type == "offer.created":
                offer = Offer.model_validate(frame.data)
                self.driver.offer_shown(offer.conversation_id, shown)
                made = self.driver.offer_made(offer.offered_at.timestamp())
                self.driver.delivery_s.append(shown - made)
                self.driver.offer_events.append(
                    OfferEvent(frame.seq, offer.conversation_id, self.record.username, "offered")
                )
                self._spawn(self._work(offer))
            elif frame.type == "offer.revoked":
                ended = OfferRevocation.model_validate(frame.data)
                self.driver.offer_events.append(
                    OfferEvent(frame.seq, ended.conversation_id, self.record.username, ended.reason)
                )
                if ended.reason == "timed_out" and not self._stopping:
                    self._spawn(self._back_after_a_miss())

    def _apply(self, log_id: str, seq: int) -> bool:
        last = self.position()[1]
        if seq <= last:
            self.record.repeated.append(seq)
            return False
        self.record.log_id = log_id
        self.record.seqs.append(seq)
        return True

    # --- the agent -------------------------------------------------------------------------------

    async def sign_in(self, password: str) -> None:
        session = await self.driver.retry(lambda: self.api.login(self.record.username, password))
        self.record.agent_id = session.agent.id
        codes = await self.driver.retry(self.api.wrapup_codes)
        self.wrapup_code = codes[0].code if codes else "resolved"

    async def start(self, backoff: Backoff) -> None:
        ws = WsClient(self.record.url, lambda: self.api.token, backoff=backoff)
        self.stream = EventStream(ws, None, self)
        self._stream_task = asyncio.ensure_future(self._stream(self.stream))
        await self.driver.retry(lambda: self.api.set_presence(Presence.AVAILABLE, key=_key()))

    async def _stream(self, stream: EventStream) -> None:
        try:
            await stream.run()
        except AuthRejected as exc:
            self.record.refusals.append(f"stream: {exc}")
        except Exception as exc:  # the stream gave up otherwise: say so rather than wait for it
            self.record.refusals.append(f"stream: {type(exc).__name__}: {exc}")

    async def _back_after_a_miss(self) -> None:
        self.record.missed += 1
        await asyncio.sleep(self.driver.config.back_after_missed_s)
        try:
            await self.driver.retry(lambda: self.api.set_presence(Presence.AVAILABLE, key=_key()))
        except (ApiError, BackendUnavailable) as exc:
            self.record.refusals.append(f"available again: {exc}")

    async def _work(self, offer: Offer) -> None:
        asked = time.perf_counter()
        try:
            conv = await self.driver.retry(lambda: self.api.accept(offer.id))
        except BackendUnavailable as exc:
            self.record.refusals.append(f"accept {offer.id}: unavailable: {exc}")
            return
        except ApiError as exc:
            # 409 after a retry whose first attempt did commit: the chat is ours all the same.
            if exc.code != "offer_accepted":
                self.record.refusals.append(f"accept {offer.id}: {exc.code}")
                return
        else:
            assert conv.id == offer.conversation_id
        self.driver.accept_s.append((self.record.url, time.perf_counter() - asked))
        self.record.accepted += 1
        reply_key, close_key = _key(), _key()  # the same key on every retry: sent once
        try:
            await self.driver.retry(
                lambda: self.api.send_message(offer.conversation_id, "Let me look at that.", key=reply_key)
            )
            self.driver.acknowledged_messages.append(offer.conversation_id)
            self.driver.acked_at[("message", offer.conversation_id)] = time.perf_counter()
            await asyncio.sleep(self.driver.config.hold_s)
            await self.driver.retry(
                lambda: self.api.close_conversation(offer.conversation_id, self.wrapup_code, key=close_key)
            )
            self.driver.acknowledged_closes.append(offer.conversation_id)
            self.driver.acked_at[("close", offer.conversation_id)] = time.perf_counter()
            self.record.closed += 1
        except ApiError as exc:
            self.record.refusals.append(f"chat {offer.conversation_id}: {exc.code}")
        except BackendUnavailable as exc:  # still down when the run's time was up
            self.record.refusals.append(f"chat {offer.conversation_id}: unavailable: {exc}")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def stop(self) -> None:
        self._stopping = True
        if self.stream is not None:
            await self.stream.close()
        tasks = list(self._tasks) + ([self._stream_task] if self._stream_task else [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(slots=True)
class LoadResult:
    desktops: list[DesktopRecord]
    #: conversation id -> seconds from just before its POST to its first offer frame.
    latencies_s: dict[str, float]
    acknowledged_chats: list[str]
    #: Chats whose POST failed (no answer, or refused: the rate limit); they may or may not exist.
    failed_chats: list[str]
    never_offered: list[str]
    overlaps: list[str]
    #: conversation id -> how many offers of it the desktops were shown.
    offers_per_chat: dict[str, int]
    acknowledged_messages: list[str]
    acknowledged_closes: list[str]
    duration_s: float
    #: ("chat" | "message" | "close", conversation id) -> when the backend's answer arrived.
    acked_at: dict[tuple[str, str], float] = field(default_factory=dict)
    #: conversation id -> just before its POST, and when its first offer reached a desktop.
    created_at: dict[str, float] = field(default_factory=dict)
    shown_at: dict[str, float] = field(default_factory=dict)
    #: When each offer shown was made (the offer's `offered_at`), on the perf_counter clock, sorted.
    offers_made: list[float] = field(default_factory=list)
    #: How late each customer's POST started against its schedule (the driver's own lag).
    post_lag_s: list[float] = field(default_factory=list)
    #: Per chat POST: (waited for a free connection, sent -> the backend's stamp on the new chat,
    #: stamp -> answer received).
    post_split_s: list[tuple[float, float, float]] = field(default_factory=list)
    #: Where an offer's answer spends its time: from the offer's making (its `offered_at`) to its
    #: frame reaching the desktop, and from the desktop's accept request to the backend's answer.
    delivery_s: list[float] = field(default_factory=list)
    #: (the desktop's backend address, seconds): one process's writer may be the slow one.
    accept_s: list[tuple[str, float]] = field(default_factory=list)

    def first_routing_after(self, t: float) -> float | None:
        """Seconds from `t` to the first offer made after it (of any chat, waiting since before `t`
        or not): when routing went on after a router's death, without the delivery to a desktop."""
        later = [m for m in self.offers_made if m > t]
        return later[0] - t if later else None

    def acknowledged_before(self, kind: str, t: float) -> list[str]:
        """The conversations whose `kind` ("chat", "message", "close") was acknowledged before `t`."""
        return [conv for (k, conv), at in self.acked_at.items() if k == kind and at < t]

    def first_offer_after(self, t: float) -> float | None:
        return first_offer_after(self.created_at, self.shown_at, t)

    def latencies_ms(self) -> list[float]:
        return [v * 1000 for v in self.latencies_s.values()]

    def seq_problems(self, expected: Callable[[str], list[int]]) -> list[str]:
        """Every desktop's applied seqs against `expected(agent_id)` (all seqs the log holds for that
        agent): nothing applied twice or out of order, nothing missing up to the last one applied."""
        problems: list[str] = []
        for d in self.desktops:
            if d.repeated:
                problems.append(f"{d.username}: {len(d.repeated)} repeated seq(s), e.g. {d.repeated[:5]}")
            if d.resets:
                problems.append(f"{d.username}: {d.resets} reset(s) (resume by seq failed)")
            if not d.seqs:
                problems.append(f"{d.username}: no event applied")
                continue
            wanted = [s for s in expected(d.agent_id) if s <= d.seqs[-1]]
            if d.seqs != wanted:
                missing = sorted(set(wanted) - set(d.seqs))
                extra = sorted(set(d.seqs) - set(wanted))
                problems.append(f"{d.username}: missing {missing[:10]}, unexpected {extra[:10]}")
        return problems

    def summary(self) -> str:
        lat = self.latencies_ms()

        def p(q: float) -> float:
            return pct(lat, q) if lat else 0.0

        shown, answered = _quantiles(self.delivery_s), _quantiles([s for _url, s in self.accept_s])
        waited = _quantiles([a for a, _b, _c in self.post_split_s])
        to_made = _quantiles([b for _a, b, _c in self.post_split_s])
        to_answer = _quantiles([c for _a, _b, c in self.post_split_s])
        posted = _quantiles([a + b + c for a, b, c in self.post_split_s])  # the whole POST, began -> answered
        return (
            f"{len(self.desktops)} desktops, {len(self.acknowledged_chats)} chats acknowledged "
            f"({len(self.failed_chats)} failed), {len(self.latencies_s)} offered, "
            f"{len(self.never_offered)} never offered, {len(self.overlaps)} overlaps, "
            f"{sum(d.missed for d in self.desktops)} offers missed (agent Away, back after a pause); "
            f"created->offer shown p50 {p(50):.0f} ms, p95 {p(95):.0f} ms, p99 {p(99):.0f} ms; "
            f"chat POST answered in p50 {posted[0]:.0f} ms, p95 {posted[1]:.0f} ms "
            f"(waited for a connection p50 {waited[0]:.0f} ms, sent->made p50 {to_made[0]:.0f} ms, "
            f"made->answer p50 {to_answer[0]:.0f} ms); "
            f"offer made->shown p50 {shown[0]:.0f} ms, p95 {shown[1]:.0f} ms; "
            f"accept answered in p50 {answered[0]:.0f} ms, p95 {answered[1]:.0f} ms"
        )


def accepts_by_address(result: LoadResult) -> list[str]:
    """Per backend address: how many accepts, and how long their answers took (p50, p95)."""
    by_url: dict[str, list[float]] = {}
    for url, seconds in result.accept_s:
        by_url.setdefault(url, []).append(seconds)
    lines = []
    for url, times in sorted(by_url.items()):
        p50, p95 = _quantiles(times)
        lines.append(f"{url}: {len(times)} accepts answered in p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    return lines


def _quantiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 in ms (0 for none)."""
    if not seconds:
        return 0.0, 0.0
    return pct(seconds, 50) * 1000, pct(seconds, 95) * 1000


class LoadDriver:
    """Runs one load: `await LoadDriver(config).run()` returns a LoadResult."""

    def __init__(self, config: LoadConfig) -> None:
        self.config = config
        self.created: dict[str, float] = {}
        self.shown: dict[str, float] = {}
        self.offer_events: list[OfferEvent] = []
        self.acknowledged_chats: list[str] = []
        self.failed_chats: list[str] = []
        self.acknowledged_messages: list[str] = []
        self.acknowledged_closes: list[str] = []
        self.acked_at: dict[tuple[str, str], float] = {}
        #: How late each customer's POST started against its schedule.
        self.post_lag_s: list[float] = []
        #: Per chat POST: (waited for a connection, sent -> the backend's stamp, stamp -> answer).
        self.post_split_s: list[tuple[float, float, float]] = []
        #: When each offer shown was made by the router, on the perf_counter clock.
        self.offers_made: list[float] = []
        self.delivery_s: list[float] = []
        self.accept_s: list[tuple[str, float]] = []
        self._wall_offset = time.time() - time.perf_counter()
        self.desktops: list[Desktop] = []
        self._deadline = 0.0
        self._http: dict[str, tuple[httpx.AsyncClient, asyncio.Semaphore]] = {}
        #: Every client made (the desktops' and the customers'), closed at the end.
        self._clients: list[httpx.AsyncClient] = []
        #: Set once every desktop is signed in, Available and streaming: the chats start then.
        self.ready = asyncio.Event()
        #: Set when the customers stop opening chats.
        self.chats_done = asyncio.Event()

    def offer_shown(self, conversation_id: str, at: float) -> None:
        self.shown.setdefault(conversation_id, at)

    def offer_made(self, wall_time: float) -> float:
        """An offer's own time (the backend's clock, this machine's), kept on the perf_counter clock."""
        made = wall_time - self._wall_offset
        self.offers_made.append(made)
        return made

    def first_offer_after(self, t: float) -> float | None:
        return first_offer_after(self.created, self.shown, t)

    async def retry(self, call: Callable[[], Any]) -> Any:
        """`call()` until it answers, while the run lasts: a backend that is down (killed, restarting,
        PostgreSQL away) is retried; a refusal (ApiError) is not, except a full login queue."""
        while True:
            try:
                return await call()
            except AuthError:
                raise
            except BackendUnavailable:
                if time.perf_counter() > self._deadline:
                    raise
            except ApiError as exc:
                if exc.status not in (429, 503) or time.perf_counter() > self._deadline:
                    raise
            await asyncio.sleep(RETRY_S)

    def _loop_deadline(self) -> float:
        """The run's deadline on the event loop's clock (`_deadline` is on perf_counter's)."""
        return asyncio.get_running_loop().time() + (self._deadline - time.perf_counter())

    def _client(self, url: str) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        """The customers' client for `url`, and the gate that lets one POST per connection through."""
        if url not in self._http:
            self._http[url] = (
                self._new_client(url, CUSTOMER_CONNECTIONS),
                asyncio.Semaphore(CUSTOMER_CONNECTIONS),
            )
        return self._http[url]

    def _new_client(self, url: str, connections: int) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            base_url=url,
            trust_env=False,
            timeout=HTTP_TIMEOUT_S,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
        self._clients.append(client)
        return client

    async def run(self) -> LoadResult:
        cfg = self.config
        started = time.perf_counter()
        # Bounded in time: setup, the chats, the drain, and a margin for retries in between.
        self._deadline = started + 120 + cfg.duration_s + self._longest_drain()
        urls = list(cfg.urls)
        self.desktops = [
            Desktop(
                self, name, urls[i % len(urls)], self._new_client(urls[i % len(urls)], DESKTOP_CONNECTIONS)
            )
            for i, name in enumerate(cfg.usernames)
        ]
        try:
            gate = asyncio.Semaphore(LOGIN_CONCURRENCY)

            async def sign_in(d: Desktop) -> None:
                async with gate:
                    await d.sign_in(cfg.password)

            await asyncio.gather(*(sign_in(d) for d in self.desktops))
            await asyncio.gather(*(d.start(cfg.backoff) for d in self.desktops))
            await self._all_connected()
            self.ready.set()
            await self._customers()
            self.chats_done.set()
            await self._drain()
        finally:
            await asyncio.gather(*(d.stop() for d in self.desktops), return_exceptions=True)
            await asyncio.gather(*(client.aclose() for client in self._clients), return_exceptions=True)
        return self._result(time.perf_counter() - started)

    async def _all_connected(self) -> None:
        """Every desktop's stream has said hello, or an error naming those that did not (bounded)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(1.0, self._deadline - time.perf_counter())):
                await asyncio.gather(*(d.connected.wait() for d in self.desktops))
        missing = [d.record for d in self.desktops if not d.connected.is_set()]
        if missing:
            raise RuntimeError(
                f"{len(missing)} desktop stream(s) never connected, e.g. "
                + "; ".join(f"{r.username}: {r.refusals[-1:] or 'no refusal'}" for r in missing[:5])
            )

    async def _customers(self) -> None:
        cfg = self.config
        total = max(1, round(cfg.chat_rate * cfg.duration_s))
        interval = 1.0 / cfg.chat_rate if cfg.chat_rate > 0 else 0.0
        start = time.perf_counter()
        pending: set[asyncio.Task[None]] = set()
        for i in range(total):
            # Paced by the schedule, not by the answers: a slow backend gets chats at the same rate.
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.ensure_future(self._open_chat(i, start + i * interval))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending, return_exceptions=True)

    async def _open_chat(self, i: int, due: float) -> None:
        cfg = self.config
        url = cfg.urls[i % len(cfg.urls)]
        customer = cfg.customer_ids[i % len(cfg.customer_ids)]
        began = time.perf_counter()
        # A POST that starts late says the driver (its one event loop) is behind: then the chats'
        # latencies are partly the driver's, and fewer chats a second reach the backends.
        self.post_lag_s.append(began - due)
        client, gate = self._client(url)
        try:
            # At most one POST per connection in flight: the rest wait here, in a FIFO that costs
            # nothing per waiter, rather than in httpx's pool, which rescans every waiting request
            # at each hand-out (thousands of them once the backends fall behind: most of the
            # driver's loop in a py-spy profile, and the POSTs' wait grew to a minute).
            async with asyncio.timeout_at(self._loop_deadline()):  # the run stays bounded in time
                await gate.acquire()
            try:
                sent = time.perf_counter()
                response = await client.post(
                    "/api/v1/customer/chats",
                    json={
                        "customer_id": customer,
                        "text": f"Question {i}: where is my parcel?",
                        "language": "en",
                    },
                    headers={"Authorization": f"Bearer {cfg.service_token}"},
                )
            finally:
                gate.release()
        except TimeoutError:
            self.failed_chats.append(f"chat {i}: still waiting for a connection when the run's time was up")
            return
        except httpx.HTTPError as exc:
            self.failed_chats.append(f"chat {i}: {type(exc).__name__}")
            return
        if response.status_code != 201:
            self.failed_chats.append(f"chat {i}: {response.status_code}")
            return
        answered = time.perf_counter()
        body = response.json()["conversation"]
        conv = str(body["id"])
        self.acked_at[("chat", conv)] = answered
        # The backend stamps the chat when its writer makes it: before that the POST waited in this
        # driver (its connection pool, its loop) or in the backend's queue for the writer.
        made = datetime.fromisoformat(body["started_at"]).timestamp() - self._wall_offset
        self.post_split_s.append((sent - began, made - sent, answered - made))
        self.created[conv] = began
        self.acknowledged_chats.append(conv)

    def _longest_drain(self) -> float:
        return max(self.config.drain_s, self.config.drain_max_s or 0.0)

    async def _drain(self) -> None:
        start = time.perf_counter()
        deadline = start + self._longest_drain()
        stalled = start + self.config.drain_s
        shown = len(self.shown)
        while (now := time.perf_counter()) < min(deadline, stalled):
            if all(c in self.shown for c in self.acknowledged_chats):
                break
            if len(self.shown) > shown:  # still draining: the wait counts from this chat on
                shown, stalled = len(self.shown), now + self.config.drain_s
            await asyncio.sleep(0.1)
        # Let the chats being worked finish their reply and wrap-up (bounded by one more drain_s).
        deadline = min(deadline, time.perf_counter() + self.config.drain_s)
        while time.perf_counter() < deadline:
            if not any(d.busy for d in self.desktops):
                break
            await asyncio.sleep(0.1)

    def _result(self, duration: float) -> LoadResult:
        offers: dict[str, int] = {}
        for event in self.offer_events:
            if event.what == "offered":
                offers[event.conversation_id] = offers.get(event.conversation_id, 0) + 1
        return LoadResult(
            desktops=[d.record for d in self.desktops],
            latencies_s={c: self.shown[c] - t for c, t in self.created.items() if c in self.shown},
            acknowledged_chats=list(self.acknowledged_chats),
            failed_chats=list(self.failed_chats),
            never_offered=[c for c in self.acknowledged_chats if c not in self.shown],
            overlaps=overlapping_offers(
                self.offer_events, {d.record.username: d.position()[1] for d in self.desktops}
            ),
            offers_per_chat=offers,
            acknowledged_messages=list(self.acknowledged_messages),
            acknowledged_closes=list(self.acknowledged_closes),
            duration_s=duration,
            acked_at=dict(self.acked_at),
            created_at=dict(self.created),
            shown_at=dict(self.shown),
            offers_made=sorted(self.offers_made),
            post_lag_s=list(self.post_lag_s),
            post_split_s=list(self.post_split_s),
            delivery_s=list(self.delivery_s),
            accept_s=list(self.accept_s),
        )


def first_offer_after(created: dict[str, float], shown: dict[str, float], t: float) -> float | None:
    """Seconds from `t` to the first offer shown of a chat opened at or after `t` (None: none yet).
    A chat opened before `t` may have been routed before it, so it tells nothing about routing after."""
    times = [shown[c] for c, began in created.items() if began >= t and c in shown]
    return min(times) - t if times else None


def overlapping_offers(events: list[OfferEvent], reached: dict[str, int] | None = None) -> list[str]:
    """Chats offered to one agent while another's offer of them was open, in the log's global order
    (`seq` is one order across every backend process).

    `reached`: agent -> the last seq its desktop applied. An open offer counts against a later one
    only if its holder's desktop got past the later one's seq: a desktop still behind at the end of
    the run may simply not have received the end of its offer yet (that it arrives, in order, is
    what `seq_problems` checks)."""
    holder: dict[str, str] = {}
    problems: list[str] = []
    for e in sorted(events, key=lambda e: e.seq):
        if e.what == "offered":
            first = holder.get(e.conversation_id)
            if first is not None and (reached is None or reached.get(first, 0) >= e.seq):
                problems.append(
                    f"{e.conversation_id} offered to {e.agent} at seq {e.seq} while "
                    f"{holder[e.conversation_id]}'s offer was open"
                )
            holder[e.conversation_id] = e.agent
        elif holder.get(e.conversation_id) == e.agent:
            del holder[e.conversation_id]
    return problems


def _key() -> str:
    return uuid.uuid4().hex


def run_load(config: LoadConfig) -> LoadResult:
    """`LoadDriver(config).run()` on a fresh event loop (for synchronous callers)."""
    return asyncio.run(LoadDriver(config).run())
