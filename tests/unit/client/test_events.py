"""The push stream client against a scripted WebSocket server: bad frames, resume, auth refusal."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from workstation.client.events import (
    FRAME_MARGIN_BYTES,
    MAX_FRAME_BYTES,
    AuthRejected,
    Backoff,
    EventStream,
)
from workstation.domain.models import EventFrame

FAST = Backoff(initial=0.01, maximum=0.05)


def _event(seq: int, text: str = "hi") -> str:
    return json.dumps(
        {
            "kind": "event",
            "seq": seq,
            "type": "message.created",
            "at": "2026-11-20T14:00:00Z",
            "data": {
                "id": f"m-{seq}",
                "conversation_id": "cv-1",
                "sender": "customer",
                "text": text,
                "at": "2026-11-20T14:00:00Z",
            },
        }
    )


class Recorder:
    def __init__(self, stop_after: int) -> None:
        self.log_id: str | None = None
        self.seq = 0
        self.frames: list[EventFrame] = []
        self.resets: list[tuple[str, int, str]] = []
        self.connections: list[bool] = []
        self.done = asyncio.Event()
        self.stop_after = stop_after

    def position(self) -> tuple[str | None, int]:
        return self.log_id, self.seq

    async def on_events(self, log_id: str, frames: list[EventFrame]) -> None:
        self.log_id = log_id
        self.frames += frames
        self.seq = frames[-1].seq
        if len(self.frames) >= self.stop_after:
            self.done.set()

    async def on_reset(self, log_id: str, head: int, reason: str) -> None:
        self.resets.append((log_id, head, reason))
        self.log_id, self.seq = log_id, head

    def on_connection(self, online: bool, detail: str) -> None:
        self.connections.append(online)


async def _run(script: Any, recorder: Recorder, timeout: float = 5.0) -> list[str]:
    requests: list[str] = []

    async def serve_one(ws: ServerConnection) -> None:
        requests.append(ws.request.path if ws.request else "")
        await script(ws, len(requests))

    async with serve(serve_one, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        stream = EventStream(f"ws://127.0.0.1:{port}/stream", lambda: "tok", recorder, backoff=FAST)
        task = asyncio.create_task(stream.run())
        try:
            await asyncio.wait_for(recorder.done.wait(), timeout)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return requests


def test_malformed_frames_are_skipped_and_the_stream_goes_on() -> None:
    recorder = Recorder(stop_after=2)

    async def script(ws: ServerConnection, _n: int) -> None:
        await ws.send(json.dumps({"kind": "hello", "log_id": "L", "head": 2}))
        await ws.send("{this is not json")
        await ws.send(json.dumps({"kind": "event", "seq": "x"}))
        await ws.send(_event(1, "eins"))
        await ws.send(json.dumps({"kind": "mystery"}))
        await ws.send(_event(2, "zwei"))
        await asyncio.sleep(1)

    asyncio.run(_run(script, recorder))
    assert [f.seq for f in recorder.frames] == [1, 2]
    assert [f.payload().text for f in recorder.frames] == ["eins", "zwei"]  # type: ignore[attr-defined]


def test_reconnect_resumes_after_the_last_sequence() -> None:
    recorder = Recorder(stop_after=4)

    async def script(ws: ServerConnection, n: int) -> None:
        await ws.send(json.dumps({"kind": "hello", "log_id": "L", "head": 4}))
        if n == 1:
            await ws.send(_event(1))
            await ws.send(_event(2))
            await asyncio.sleep(0.1)
            return  # the server goes away
        await ws.send(_event(3))
        await ws.send(_event(4))
        await asyncio.sleep(1)

    requests = asyncio.run(_run(script, recorder))
    # Every connection also asks the server to keep frames under this client's limit (max_frame).
    assert requests[0] == f"/stream?after=0&max_frame={MAX_FRAME_BYTES - FRAME_MARGIN_BYTES}"
    assert requests[1] == f"/stream?after=2&log_id=L&max_frame={MAX_FRAME_BYTES - FRAME_MARGIN_BYTES}"
    assert [f.seq for f in recorder.frames] == [1, 2, 3, 4]
    assert recorder.connections[:3] == [True, False, True]


def test_reset_is_reported_and_position_moves_to_head() -> None:
    recorder = Recorder(stop_after=1)

    async def script(ws: ServerConnection, _n: int) -> None:
        await ws.send(json.dumps({"kind": "hello", "log_id": "NEW", "head": 40}))
        await ws.send(json.dumps({"kind": "reset", "log_id": "NEW", "head": 40, "reason": "other_log"}))
        await ws.send(_event(41))
        await asyncio.sleep(1)

    asyncio.run(_run(script, recorder))
    assert recorder.resets == [("NEW", 40, "other_log")]
    assert [f.seq for f in recorder.frames] == [41]


def test_refused_token_stops_the_stream() -> None:
    recorder = Recorder(stop_after=1)

    async def script(ws: ServerConnection, _n: int) -> None:
        await ws.close(code=4401, reason="Invalid or expired token.")

    async def main() -> None:
        async with serve(lambda ws: script(ws, 1), "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            stream = EventStream(f"ws://127.0.0.1:{port}/stream", lambda: "tok", recorder, backoff=FAST)
            with pytest.raises(AuthRejected, match="expired"):
                await asyncio.wait_for(stream.run(), 5)

    asyncio.run(main())
