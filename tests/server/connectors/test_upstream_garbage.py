"""What an upstream that misbehaves does to the connector: garbage, HTML error pages, 500s,
timeouts, JSON-RPC errors and records with missing or absurd fields. A local httpx transport
plays the upstream (a real Tryton never answers like this); the backend is real."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.connectors.helpers import backend_on, run
from workstation.domain.models import Role
from workstation.server.backend import Principal
from workstation.server.connectors import config as connector_config
from workstation.server.connectors.config import ConfigError, ConnectorConfig
from workstation.server.connectors.sync import ConnectorSync, backoff_delay, connector_status, dead_letters
from workstation.server.connectors.tryton import TrytonConnector
from workstation.server.connectors.tryton_rpc import UpstreamError, decode, encode

LEAD = Principal(scope="agent", agent_id="lead", role=Role.TEAMLEAD)
CONFIG = ConnectorConfig(name="erp", type="tryton", url="http://tryton.invalid", options={"database": "db"})
STAMP = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def _party(pid: int, **over: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "name": f"Party {pid}",
        "email": None,
        "phone": None,
        "lang.": None,
        "create_date": STAMP + dt.timedelta(minutes=pid),
        "write_date": None,
        **over,
    }


def _sale(sid: int, party: int, **over: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "number": f"S{sid}",
        "state": "confirmed",
        "sale_date": dt.date(2026, 11, 1),
        "total_amount": Decimal("10.00"),
        "currency.": {"code": "EUR"},
        "lines": [1],
        "party": party,
        "create_date": STAMP + dt.timedelta(minutes=sid),
        "write_date": None,
        **over,
    }


class FakeTryton:
    """Answers JSON-RPC like Tryton from in-memory tables, or with whatever `fault` returns."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.tables = tables
        self.fault: Callable[[], httpx.Response] | None = None
        self.calls = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.fault is not None:
            return self.fault()
        body = json.loads(request.content)
        method = body["method"]
        if method == "common.db.login":
            return httpx.Response(200, json={"id": body["id"], "result": [1, "session", None]})
        model = method.removeprefix("model.").removesuffix(".search_read")
        domain, offset, limit = body["params"][0], body["params"][1], body["params"][2]
        rows = self.tables.get(model, [])
        if domain and domain[0] == "OR":  # a cursor: (stamp, id) after it
            (stamp, _, at), (_, _, last_id) = decode(domain[1][0]), domain[2][1]
            rows = [r for r in rows if r.get(stamp) and (r[stamp], r["id"]) > (at, last_id)]
        elif domain and domain[0][0] == "id":
            rows = [r for r in rows if r["id"] in domain[0][2]]
        elif domain and domain[0][0] in ("create_date", "write_date"):
            rows = [r for r in rows if r.get(domain[0][0])]
        rows = rows[offset : offset + limit] if limit else rows
        return httpx.Response(200, json={"id": body["id"], "result": encode(rows)})


def _connector(fake: FakeTryton, **config: Any) -> TrytonConnector:
    cfg = ConnectorConfig(**{**CONFIG.__dict__, **config}) if config else CONFIG
    return TrytonConnector(cfg, "pw", transport=httpx.MockTransport(fake.handler))


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (lambda: httpx.Response(502, html="<html><body><h1>502 Bad Gateway</h1>" + "x" * 5000), "HTTP 502"),
        (lambda: httpx.Response(500, text="Internal Server Error"), "HTTP 500"),
        (lambda: httpx.Response(200, text="<html>maintenance</html>"), "not JSON"),
        (lambda: httpx.Response(200, json=[1, 2, 3]), "not a JSON-RPC answer"),
        (lambda: httpx.Response(200, json={"id": 1, "error": ["UserError", "boom"]}), "Tryton error"),
    ],
)
def test_bad_answers_become_one_clear_error(tmp_path: Path, fault: Any, expected: str) -> None:
    fake = FakeTryton({})
    fake.fault = fault
    with pytest.raises(UpstreamError) as caught:
        run(_connector(fake).pull({}))
    assert expected in caught.value.reason
    assert len(caught.value.reason) < 400  # a huge HTML page is quoted, not dumped


def test_timeouts_are_retryable_errors() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    connector = TrytonConnector(CONFIG, "pw", transport=httpx.MockTransport(timeout))
    with pytest.raises(UpstreamError) as caught:
        run(connector.pull({}))
    assert caught.value.retryable and "timed out" in caught.value.reason


def test_a_failing_upstream_shows_as_down_and_the_loop_keeps_retrying(tmp_path: Path) -> None:
    backend = backend_on(tmp_path / "b.sqlite")
    fake = FakeTryton({"party.party": [_party(1)]})
    fake.fault = lambda: httpx.Response(503, html="<h1>Service Unavailable</h1>")
    sync = ConnectorSync(backend, _connector(fake), poll_interval_s=0.01, retry_base_s=0.01, retry_max_s=0.02)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        task = asyncio.create_task(sync.run())
        while sync.failures < 3:
            await asyncio.sleep(0.01)
        down = connector_status(backend.engine, "erp")
        fake.fault = None
        while backend.customer_count() == 0 or sync.failures:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return down, connector_status(backend.engine, "erp")

    down, up = run(asyncio.wait_for(scenario(), 60))  # bounded: a broken loop fails, never hangs
    assert down["state"] == "down" and "HTTP 503" in down["last_error"]
    assert up["state"] == "up" and up["last_error"] is None and up["customers_linked"] == 1


def test_records_with_missing_or_absurd_fields_are_dead_letters_never_partial(tmp_path: Path) -> None:
    backend = backend_on(tmp_path / "b.sqlite")
    fake = FakeTryton(
        {
            "party.party": [
                _party(1),
                _party(2, name=None),
                _party(3, email="not an address"),
                _party(4, name=12345),
                _party(5, phone=["+49"]),
            ],
            "sale.sale": [
                _sale(10, 1),
                _sale(11, 1, total_amount="lots"),
                _sale(12, 1, sale_date=dt.date(1900, 1, 1), create_date=STAMP),
                _sale(13, 1, total_amount=Decimal("1e15")),
                _sale(14, 2),
                _sale(15, 1, lines="three"),
            ],
        }
    )
    sync = ConnectorSync(backend, _connector(fake))
    counts = run(sync.sync_once())
    assert backend.list_customer_ids() == ["erp-party-1"]
    letters = {d["record"]: d["reason"] for d in dead_letters(backend.engine, "erp")}
    assert letters["party.party,2"] == "party has no name"
    assert "not an address" in letters["party.party,3"]
    assert "party has no name" in letters["party.party,4"]
    assert "not text" in letters["party.party,5"]
    assert "not a number" in letters["sale.sale,11"]
    assert "absurd" in letters["sale.sale,12"] and "absurd" in letters["sale.sale,13"]
    assert "could not be imported" in letters["sale.sale,14"]
    assert "not a list" in letters["sale.sale,15"]
    events = backend.customer_events(LEAD, "erp-party-1", before=None, limit=10).events
    assert [e.data["order_id"] for e in events] == ["S10"] and counts.events == 1


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, rng, base=1.0, cap=60.0) for n in range(1, 12)]
    assert all(0.5 * min(60, 2 ** (n - 1)) <= d <= min(60, 2 ** (n - 1)) for n, d in enumerate(delays, 1))
    assert len({round(d, 6) for d in delays[-4:]}) == 4  # capped, but not in lockstep


def test_config_takes_secrets_only_from_env_or_keychain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "server.toml"
    path.write_text(
        '[connectors.erp]\ntype = "tryton"\nurl = "http://127.0.0.1:8000"\npassword = "hunter2"\n'
    )
    with pytest.raises(ConfigError, match="does not belong in the file"):
        connector_config.load(path)
    path.write_text(
        '[connectors.erp]\ntype = "tryton"\nurl = "http://127.0.0.1:8000/"\ndatabase = "shop"\n'
        'password_env = "ERP_PASSWORD"\npoll_interval_s = 2\n'
    )
    (erp,) = connector_config.load(path)
    assert (erp.url, erp.poll_interval_s, erp.options) == ("http://127.0.0.1:8000", 2.0, {"database": "shop"})
    monkeypatch.delenv("ERP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="ERP_PASSWORD is unset"):
        erp.password()
    monkeypatch.setenv("ERP_PASSWORD", "s3cret")
    assert erp.password() == "s3cret"
    path.write_text("[connectors.erp\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        connector_config.load(path)


def test_shipment_invoice_and_sale_states_map_to_the_relevance_vocabulary() -> None:
    today = dt.date(2026, 11, 20)
    connector = TrytonConnector(CONFIG, "pw", today=lambda: today)
    base = {"create_date": STAMP, "write_date": STAMP + dt.timedelta(days=2)}

    def kinds(model: str, **row: Any) -> list[tuple[str, dict[str, Any]]]:
        events = connector.map_record(model, {"id": 7, **base, **row}, "c-1")
        return [(e.kind, {k: v for k, v in e.data.items() if not k.startswith("source")}) for e in events]

    ship = {"number": "SH7", "planned_date": dt.date(2026, 11, 18)}
    assert kinds("stock.shipment.out", state="packed", **ship) == [
        ("order_shipped", {"order_id": "shipment SH7", "carrier": None, "eta": "2026-11-18"})
    ]
    assert (
        kinds("stock.shipment.out", state="done", effective_date=dt.date(2026, 11, 19), **ship)[0][0]
        == "delivered"
    )
    assert kinds("stock.shipment.out", state="waiting", **ship)[0][0] == "delivery_delayed"
    assert kinds("stock.shipment.out", state="waiting", **{**ship, "planned_date": today}) == []
    invoice = {"number": "INV1", "total_amount": Decimal("80"), "payment_term_date": dt.date(2026, 11, 10)}
    assert kinds("account.invoice", state="posted", amount_to_pay=Decimal("80"), **invoice) == [
        ("invoice_overdue", {"invoice_id": "INV1", "amount": 80.0, "days": 10})
    ]
    assert kinds("account.invoice", state="posted", amount_to_pay=Decimal("0"), **invoice) == []
    assert kinds("account.invoice", state="paid", **invoice) == [
        ("invoice_paid", {"invoice_id": "INV1", "amount": 80.0})
    ]
    sale = {"number": "S7", "sale_date": dt.date(2026, 11, 1), "total_amount": Decimal("5"), "lines": [1, 2]}
    assert [k for k, _ in kinds("sale.sale", state="cancelled", **sale)] == [
        "order_placed",
        "order_cancelled",
    ]
    assert kinds("sale.sale", state="draft", **sale) == []
    with pytest.raises(ValueError, match="unknown complaint state"):
        kinds("sale.complaint", state="exploded", number="C1")


def test_upstream_clock_far_ahead_of_the_backend_skips_and_repeats_nothing(tmp_path: Path) -> None:
    # Tryton's clock runs three hours ahead: the cursors compare its timestamps with its own only.
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    fake = FakeTryton({"party.party": [_party(1, create_date=ahead)], "sale.sale": []})
    backend = backend_on(tmp_path / "b.sqlite")
    sync = ConnectorSync(backend, _connector(fake))
    run(sync.sync_once())
    fake.tables["sale.sale"] = [_sale(1, 1, create_date=ahead + dt.timedelta(seconds=1), sale_date=None)]
    assert run(sync.sync_once()).events == 1
    fake.tables["sale.sale"].append(_sale(2, 1, create_date=ahead + dt.timedelta(seconds=1), sale_date=None))
    assert run(sync.sync_once()).events == 1  # the same timestamp as the last one read: the id breaks the tie
    assert run(sync.sync_once()).events == 0
    assert len(backend.customer_events(LEAD, "erp-party-1", before=None, limit=10).events) == 2
