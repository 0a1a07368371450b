"""The desk's side of connectors (services/upstream.py) over a stand-in API: which system owns which
field, conflicts fetched and pushed, the agent's decision queued in the real outbox, sent once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from workstation.client.api import ApiError, BackendApi, BackendUnavailable, ProtocolError
from workstation.client.events import Backoff
from workstation.domain.models import ConnectorConflict, EventFrame, FieldSource, utcnow
from workstation.services.sync import SyncService
from workstation.services.upstream import RESOLVE_KIND, UpstreamService, safe_url
from workstation.store.cache import DONE, PENDING, CacheStore, open_engine

CUSTOMER = "erp-party-7"
RECORD = "party.party,7"
SOURCE = FieldSource(
    connector="erp",
    system="tryton",
    record=RECORD,
    url="https://erp.example.org/#db/model/party.party/7",
    fields=["email", "name", "phone"],
)
EMAIL = ConnectorConflict(
    connector="erp",
    customer_id=CUSTOMER,
    record=RECORD,
    field="email",
    before="jana@example.org",
    theirs="erp@example.org",
    yours="desk@example.org",
)


class StandInApi:
    """The three connector calls of BackendApi, answering from lists; records what was asked."""

    def __init__(self) -> None:
        self.sources: list[FieldSource] = [SOURCE]
        self.open: list[ConnectorConflict] = [EMAIL]
        self.resolved: list[tuple[str, str, str, str, str]] = []
        self.fail: Exception | None = None
        self.fetches = 0
        # what the sync service reads to build its (never started) stream client
        self.base_url, self.token, self.proxy = "http://127.0.0.1:9", None, None

    async def customer_sources(self, customer_id: str) -> list[FieldSource]:
        self.fetches += 1
        if self.fail:
            raise self.fail
        return [s for s in self.sources if customer_id == CUSTOMER]

    async def connector_conflicts(self, connector: str, customer_id: str) -> list[ConnectorConflict]:
        return [c for c in self.open if c.connector == connector and c.customer_id == customer_id]

    async def resolve_connector_conflict(
        self, connector: str, record: str, field: str, keep: str, *, key: str
    ) -> None:
        self.resolved.append((connector, record, field, keep, key))
        before = len(self.open)
        self.open = [c for c in self.open if (c.record, c.field) != (record, field)]
        if len(self.open) == before:
            raise ApiError(404, "not_found", "No such conflict.")


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CacheStore]:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    yield store
    store.close()


def _service(api: StandInApi, store: CacheStore) -> tuple[UpstreamService, SyncService]:
    # The sync service is not started (no stream): its outbox is driven by hand below.
    sync = SyncService(api, store, backoff=Backoff(initial=0.02, maximum=0.2))  # type: ignore[arg-type]
    return UpstreamService(api, store, sync), sync  # type: ignore[arg-type]


def _frame(seq: int, data: dict[str, Any]) -> EventFrame:
    return EventFrame(seq=seq, type="connector.conflict", at=utcnow(), data=data)


def test_a_customer_shown_fetches_who_owns_which_field_and_the_open_conflicts(
    loop: asyncio.AbstractEventLoop, store: CacheStore
) -> None:
    api = StandInApi()
    service, _sync = _service(api, store)
    counts: list[int] = []
    service.conflicts_changed.connect(counts.append)
    loop.run_until_complete(service.refresh(CUSTOMER))
    assert service.conflicts() == [EMAIL]
    assert counts == [1]
    assert service.field_systems(CUSTOMER) == {"email": "Tryton", "name": "Tryton", "phone": "Tryton"}
    assert service.system_of("erp") == "Tryton"
    # Decided elsewhere meanwhile: the next fetch drops it.
    api.open = []
    loop.run_until_complete(service.refresh(CUSTOMER))
    assert service.conflicts() == [] and counts == [1, 0]


def test_an_unreachable_backend_keeps_what_the_desk_knew(
    loop: asyncio.AbstractEventLoop, store: CacheStore
) -> None:
    api = StandInApi()
    service, _sync = _service(api, store)
    loop.run_until_complete(service.refresh(CUSTOMER))
    for failure in (BackendUnavailable("down"), ProtocolError("garbage"), ApiError(403, "forbidden", "no")):
        api.fail = failure
        loop.run_until_complete(service.refresh(CUSTOMER))
        assert service.conflicts() == [EMAIL]
        assert service.field_systems(CUSTOMER)["email"] == "Tryton"


def test_pushed_conflict_counts_at_once_and_one_without_its_record_is_fetched(
    loop: asyncio.AbstractEventLoop, store: CacheStore
) -> None:
    api = StandInApi()
    service, sync = _service(api, store)
    loop.run_until_complete(service.refresh(CUSTOMER))
    phone = EMAIL.model_copy(update={"field": "phone", "theirs": "+49 30 1", "yours": "+49 30 2"})
    api.open.append(phone)
    fetches = api.fetches
    loop.run_until_complete(sync.on_events("log", [_frame(1, phone.model_dump())]))
    assert service.conflicts() == [EMAIL, phone]
    assert api.fetches == fetches  # everything it needs was in the event

    # An event without the record (an older backend) makes the desk ask the backend.
    other = StandInApi()
    fresh, fresh_sync = _service(other, store)
    data = EMAIL.model_dump()
    del data["record"]

    async def pushed() -> None:
        await fresh_sync.on_events("log", [_frame(2, data)])
        async with asyncio.timeout(10):
            while not fresh.conflicts():
                await asyncio.sleep(0.01)

    loop.run_until_complete(pushed())
    assert fresh.conflicts() == [EMAIL] and other.fetches == 1


def test_decision_goes_through_the_outbox_keyed_and_is_sent_once(
    loop: asyncio.AbstractEventLoop, store: CacheStore
) -> None:
    api = StandInApi()
    service, sync = _service(api, store)
    loop.run_until_complete(service.refresh(CUSTOMER))
    service.decide(EMAIL, "yours")
    loop.run_until_complete(sync.settled())
    (record,) = store.outbox_records(kinds=(RESOLVE_KIND,))
    assert record.state == PENDING and record.item.target == CUSTOMER
    assert record.item.payload == {"connector": "erp", "record": RECORD, "field": "email", "keep": "yours"}
    assert service.conflicts() == []
    # Offline, then the desktop restarts: the backend still lists the conflict, the queued decision
    # keeps it off the agent's list.
    restarted, restarted_sync = _service(api, store)
    loop.run_until_complete(restarted.refresh(CUSTOMER))
    assert restarted.conflicts() == []

    loop.run_until_complete(restarted_sync._deliver(record.item))
    assert api.resolved == [("erp", RECORD, "email", "yours", record.item.key)]
    (sent,) = store.outbox_records(kinds=(RESOLVE_KIND,))
    assert sent.state == DONE
    # A replay after a crash (answer lost) finds it decided: done, not failed, not asked again.
    loop.run_until_complete(restarted_sync._deliver(record.item))
    assert len(api.resolved) == 2 and store.outbox_records(kinds=(RESOLVE_KIND,))[0].state == DONE


def test_decision_is_theirs_or_yours_and_names_its_record(
    loop: asyncio.AbstractEventLoop, store: CacheStore
) -> None:
    service, _sync = _service(StandInApi(), store)
    with pytest.raises(ValueError):
        service.decide(EMAIL, "mine")
    with pytest.raises(ValueError):
        service.decide(EMAIL.model_copy(update={"record": None}), "theirs")
    assert store.outbox_records(kinds=(RESOLVE_KIND,)) == []


def test_only_http_links_are_offered() -> None:
    assert safe_url("https://erp.example.org/#db/model/party.party/7")
    assert safe_url("HTTP://rt.example.org/Ticket/Display.html?id=3")
    for bad in (None, "", "javascript:alert(1)", "file:///etc/passwd", "/relative", 'https://x"onclick=1'):
        assert safe_url(bad) is None


def _api(handler: Any) -> BackendApi:
    return BackendApi(
        httpx.AsyncClient(base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handler))
    )


def test_client_reads_the_conflict_list_and_refuses_garbage(loop: asyncio.AbstractEventLoop) -> None:
    row = {"record": RECORD, "field": "email", "before": "a", "theirs": "b", "yours": "c"}
    answers: list[Any] = [
        httpx.Response(200, json=[row]),
        httpx.Response(200, text="<html>Bad gateway</html>"),
        httpx.Response(200, json=[{**row, "theirs": "x" * 100_000}]),
    ]
    asked: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return answers.pop(0)

    api = _api(handler)
    (conflict,) = loop.run_until_complete(api.connector_conflicts("erp", CUSTOMER))
    assert conflict == EMAIL.model_copy(update={"before": "a", "theirs": "b", "yours": "c"})
    assert asked[0].url.path == "/api/v1/connectors/erp/conflicts"
    assert asked[0].url.params["customer_id"] == CUSTOMER
    with pytest.raises(ProtocolError):
        loop.run_until_complete(api.connector_conflicts("erp", CUSTOMER))
    with pytest.raises(ProtocolError):  # an absurd value is refused, not shown
        loop.run_until_complete(api.connector_conflicts("erp", CUSTOMER))
