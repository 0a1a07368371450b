"""The one WebSocket client: URLs, backoff, and the same auth answers for every stream (scripted server)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from workstation.client.cobrowse import RelayConnection, RelayRefused
from workstation.client.monitor import MonitorStream
from workstation.client.ws import AuthRejected, Backoff, WsClient, ws_url

FAST = Backoff(initial=0.01, maximum=0.05)


def test_urls_follow_the_rest_base() -> None:
    assert ws_url("http://127.0.0.1:8765/", "/api/v1/stream") == "ws://127.0.0.1:8765/api/v1/stream"
    assert ws_url("https://crm.example", "api/v1/x", {"after": 0, "log_id": None}) == (
        "wss://crm.example/api/v1/x?after=0"
    )
    with pytest.raises(ValueError):
        ws_url("ftp://crm.example", "/x")


def test_reconnect_delays_grow_with_jitter_up_to_the_ceiling() -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    client = WsClient(
        "http://127.0.0.1:1", lambda: None, backoff=Backoff(1, 8), sleep=record, rng=random.Random(4)
    )

    async def main() -> None:
        for attempt in range(6):
            await client.pause(attempt)

    asyncio.run(main())
    ceilings = [1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), delays
    assert len(set(delays)) == len(delays)  # jittered, not a flat retry


class _Monitor:
    def __init__(self) -> None:
        self.details: list[tuple[bool, str]] = []

    def on_frame(self, _frame: Any) -> bool:
        return True

    def on_connection(self, online: bool, detail: str) -> None:
        self.details.append((online, detail))


@pytest.mark.parametrize("code", [4401, 4403, 1008])
def test_every_stream_stops_on_an_auth_close_code(code: int) -> None:
    async def refuse(ws: ServerConnection) -> None:
        await ws.close(code=code, reason="token expired")

    async def main() -> None:
        async with serve(refuse, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            client = WsClient(f"http://127.0.0.1:{port}", lambda: "t", backoff=FAST)
            monitor = _Monitor()
            with pytest.raises(AuthRejected, match="expired"):
                await asyncio.wait_for(MonitorStream(client, monitor).run(), 5)
            assert monitor.details[-1] == (False, "token expired")
            relay = await RelayConnection.open(client, "s-1")
            with pytest.raises(RelayRefused):
                async for _frame in relay.frames():
                    pass

    asyncio.run(main())


def test_a_token_refused_at_the_upgrade_stops_the_monitor_instead_of_retrying_forever() -> None:
    attempts: list[int] = []

    def reject(_connection: ServerConnection, _request: Any) -> Response:
        attempts.append(1)
        return Response(401, "Unauthorized", Headers(), b"no")

    async def main() -> None:
        async with serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=reject) as server:
            port = server.sockets[0].getsockname()[1]
            client = WsClient(f"http://127.0.0.1:{port}", lambda: "t", backoff=FAST)
            with pytest.raises(AuthRejected):
                await asyncio.wait_for(MonitorStream(client, _Monitor()).run(), 5)
            with pytest.raises(RelayRefused):
                await RelayConnection.open(client, "s-1")

    asyncio.run(main())
    assert attempts == [1, 1]
