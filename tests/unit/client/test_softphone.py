"""The softphone client alone, against a scripted ctrl_tcp peer on loopback: framing, replies by token,
events, garbage and a peer that goes away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest

from workstation.client.softphone import (
    NetstringDecoder,
    PhoneEvent,
    SoftphoneClient,
    SoftphoneError,
    encode_netstring,
)

Peer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def test_netstrings_split_across_chunks_and_joined_in_one() -> None:
    decoder = NetstringDecoder()
    data = encode_netstring(b'{"a":1}') + encode_netstring(b"") + encode_netstring(b"xyz")
    out: list[bytes] = []
    for i in range(len(data)):
        out += decoder.feed(data[i : i + 1])
    assert out == [b'{"a":1}', b"", b"xyz"]
    assert NetstringDecoder().feed(data) == out


@pytest.mark.parametrize(
    "garbage",
    [b"HTTP/1.1 200 OK\r\n\r\n", b"12x:abc", b"3:abcX", b"99999999999:", b"no colon here at all"],
)
def test_garbage_is_refused_not_buffered(garbage: bytes) -> None:
    with pytest.raises(SoftphoneError):
        NetstringDecoder(limit=1024).feed(garbage)


def test_oversized_message_is_refused_before_it_arrives() -> None:
    with pytest.raises(SoftphoneError, match="exceeds"):
        NetstringDecoder(limit=100).feed(b"1000:")


async def _serve(peer: Peer) -> tuple[asyncio.Server, int]:
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await peer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(closing, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_command(reader: asyncio.StreamReader) -> dict[str, object]:
    decoder = NetstringDecoder()
    while True:
        chunk = await reader.read(4096)
        assert chunk, "client closed"
        messages = decoder.feed(chunk)
        if messages:
            return dict(json.loads(messages[0]))


def test_command_reply_by_token_and_events_between() -> None:
    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await _read_command(reader)
        event = {"event": True, "type": "CALL_INCOMING", "id": "c1", "peeruri": "sip:+49301@x"}
        writer.write(encode_netstring(json.dumps(event).encode()))
        reply = {"response": True, "ok": True, "data": f"did {command['command']}", "token": command["token"]}
        writer.write(encode_netstring(json.dumps(reply).encode()))
        await writer.drain()
        await reader.read()  # until the client closes

    async def run() -> tuple[str, list[PhoneEvent]]:
        server, port = await _serve(peer)
        events: list[PhoneEvent] = []
        client = SoftphoneClient("127.0.0.1", port, on_event=events.append)
        await client.connect()
        data = await client.accept()
        await client.close()
        server.close()
        await server.wait_closed()
        return data, events

    data, events = asyncio.run(run())
    assert data == "did accept"
    assert [(e.type, e.call_id, e.peer) for e in events] == [("CALL_INCOMING", "c1", "sip:+49301@x")]


def test_refused_command_and_peer_that_dies_mid_command_are_clear_errors() -> None:
    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await _read_command(reader)
        reply = {"response": True, "ok": False, "data": "no active call", "token": command["token"]}
        writer.write(encode_netstring(json.dumps(reply).encode()))
        await writer.drain()
        await _read_command(reader)
        writer.close()  # dies without answering the second command

    async def run() -> tuple[str, str, list[str]]:
        server, port = await _serve(peer)
        closed: list[str] = []
        client = SoftphoneClient("127.0.0.1", port, on_closed=closed.append)
        await client.connect()
        with pytest.raises(SoftphoneError) as refused:
            await client.hold()
        with pytest.raises(SoftphoneError) as gone:
            await client.hangup()
        await client.close()
        server.close()
        await server.wait_closed()
        return str(refused.value), str(gone.value), closed

    refused, gone, closed = asyncio.run(run())
    assert "refused 'hold'" in refused and "no active call" in refused
    assert "went away" in gone
    assert len(closed) == 1


def test_garbage_from_the_peer_disconnects_with_a_reason() -> None:
    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"<html>not a softphone</html>")
        await writer.drain()
        await reader.read()

    async def run() -> list[str]:
        server, port = await _serve(peer)
        closed: list[str] = []
        client = SoftphoneClient("127.0.0.1", port, on_closed=closed.append)
        await client.connect()
        for _ in range(100):
            if closed:
                break
            await asyncio.sleep(0.02)
        await client.close()
        server.close()
        await server.wait_closed()
        return closed

    closed = asyncio.run(run())
    assert closed and "netstring" in closed[0]


def test_no_softphone_running_is_said_plainly() -> None:
    async def run() -> None:
        server, port = await _serve(lambda r, w: asyncio.sleep(0))
        server.close()
        await server.wait_closed()
        await SoftphoneClient("127.0.0.1", port).connect(timeout=2)

    with pytest.raises(SoftphoneError, match="not running"):
        asyncio.run(run())
