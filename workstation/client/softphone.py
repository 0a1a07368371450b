"""The desk's softphone: baresip driven over its `ctrl_tcp` control socket (netstring-framed JSON).

baresip answers each command with `{"response": true, "ok": ..., "data": ..., "token": ...}` and
pushes events such as `{"event": true, "type": "CALL_INCOMING", "id": ..., "peeruri": ...}`. This
client matches responses to commands by token and hands every event to a callback. It has no Qt in
it (client layer); the voice service turns its events into signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workstation.domain import messages as M
from workstation.domain.messages import Msg

log = logging.getLogger(__name__)

#: A control message bigger than this is garbage (baresip's largest, a call list, is a few KB).
MAX_NETSTRING = 256 * 1024
#: How long a command may take before the softphone is considered wedged.
COMMAND_TIMEOUT_S = 5.0


class SoftphoneError(Exception):
    """The softphone is not running, refused a command, or sent something that is not its protocol."""


def encode_netstring(payload: bytes) -> bytes:
    return str(len(payload)).encode() + b":" + payload + b","


class NetstringDecoder:
    """Splits a byte stream into netstrings; raises SoftphoneError on anything else."""

    def __init__(self, limit: int = MAX_NETSTRING) -> None:
        self._buffer = bytearray()
        self._limit = limit

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        out: list[bytes] = []
        while True:
            colon = self._buffer.find(b":")
            if colon < 0:
                if len(self._buffer) > 10:
                    raise SoftphoneError("control stream is not netstring-framed")
                return out
            head = bytes(self._buffer[:colon])
            if not head.isdigit() or len(head) > 10:
                raise SoftphoneError(f"bad netstring length {head[:20]!r}")
            size = int(head)
            if size > self._limit:
                raise SoftphoneError(f"netstring of {size} bytes exceeds {self._limit}")
            end = colon + 1 + size
            if len(self._buffer) < end + 1:
                return out
            if self._buffer[end] != ord(","):
                raise SoftphoneError("netstring not terminated by ','")
            out.append(bytes(self._buffer[colon + 1 : end]))
            del self._buffer[: end + 1]


@dataclass(frozen=True, slots=True)
class PhoneEvent:
    """One event from baresip: `type` (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK,
    REGISTER_FAIL, UNREGISTERING, ...), the call's id and the peer, the rest as sent."""

    type: str
    call_id: str = ""
    peer: str = ""
    reason: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def parse_message(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise SoftphoneError(f"control message is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SoftphoneError("control message is not a JSON object")
    return data


def _event(data: dict[str, Any]) -> PhoneEvent:
    def text(key: str) -> str:
        value = data.get(key)
        return str(value)[:500] if value is not None else ""

    return PhoneEvent(text("type"), text("id"), text("peeruri"), text("param"), data)


class SoftphoneClient:
    """One connection to a baresip instance's ctrl_tcp socket.

    `on_event` receives every PhoneEvent; `on_closed` is called once when the connection ends (the
    softphone quit or crashed), with the reason.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        on_event: Callable[[PhoneEvent], None] | None = None,
        on_closed: Callable[[str], None] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self._on_event = on_event or (lambda _e: None)
        self._on_closed = on_closed or (lambda _r: None)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._tokens = itertools.count(1)
        self._read_task: asyncio.Task[None] | None = None

    def set_handlers(
        self, *, on_event: Callable[[PhoneEvent], None], on_closed: Callable[[str], None]
    ) -> None:
        """Who hears the phone's events (set before connect())."""
        self._on_event, self._on_closed = on_event, on_closed

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self, timeout: float = COMMAND_TIMEOUT_S) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise SoftphoneError(
                f"The softphone is not running (no control socket at {self.host}:{self.port}: {exc})."
            ) from None
        self._read_task = asyncio.create_task(self._read_loop(), name="softphone-reader")

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self._writer.wait_closed()
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._read_task
        self._fail_pending("closed")

    async def command(self, command: str, params: str = "", timeout: float = COMMAND_TIMEOUT_S) -> str:
        """Runs one baresip command; its `data` text, or SoftphoneError when it fails."""
        if not self.connected:
            raise SoftphoneError(Msg(M.PHONE_NOT_CONNECTED))
        assert self._writer is not None
        token = str(next(self._tokens))
        message: dict[str, Any] = {"command": command, "token": token}
        if params:
            message["params"] = params
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[token] = future
        try:
            self._writer.write(encode_netstring(json.dumps(message).encode()))
            await self._writer.drain()
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seconds = int(timeout) if float(timeout).is_integer() else timeout
            raise SoftphoneError(Msg(M.PHONE_NO_ANSWER, command=command, seconds=seconds)) from None
        except (OSError, ConnectionError) as exc:
            raise SoftphoneError(Msg(M.PHONE_BROKE, reason=str(exc))) from None
        finally:
            self._pending.pop(token, None)
        data = str(reply.get("data") or "")[:4000]
        if reply.get("ok") is False:
            if data.strip():
                raise SoftphoneError(Msg(M.PHONE_REFUSED, command=command, reason=data.strip()))
            raise SoftphoneError(Msg(M.PHONE_REFUSED_NO_REASON, command=command))
        return data

    # Call control, each one baresip command (baresip 1.0 long command names).
    async def dial(self, uri: str) -> str:
        return await self.command("dial", uri)

    async def accept(self) -> str:
        return await self.command("accept")

    async def hangup(self) -> str:
        return await self.command("hangup")

    async def hold(self) -> str:
        return await self.command("hold")

    async def resume(self) -> str:
        return await self.command("resume")

    async def toggle_mute(self) -> str:
        return await self.command("mute")

    async def transfer(self, uri: str) -> str:
        return await self.command("transfer", uri)

    async def registration(self) -> str:
        return await self.command("reginfo")

    async def _read_loop(self) -> None:
        assert self._reader is not None
        decoder = NetstringDecoder()
        reason = "the softphone closed the control connection"
        try:
            while True:
                chunk = await self._reader.read(65536)
                if not chunk:
                    break
                for payload in decoder.feed(chunk):
                    self._dispatch(payload)
        except SoftphoneError as exc:
            reason = str(exc)
            log.warning("softphone: %s; disconnecting", exc)
        except (OSError, ConnectionError) as exc:
            reason = f"connection lost: {exc}"
        finally:
            if self._writer is not None:
                self._writer.close()
            self._fail_pending(reason)
            self._on_closed(reason)

    def _dispatch(self, payload: bytes) -> None:
        try:
            data = parse_message(payload)
        except SoftphoneError as exc:
            log.warning("softphone: skipped a message: %s", exc)
            return
        if data.get("response"):
            future = self._pending.get(str(data.get("token")))
            if future is not None and not future.done():
                future.set_result(data)
        elif data.get("event"):
            try:
                self._on_event(_event(data))
            except Exception:  # a consumer's bug must not stop the reader
                log.exception("softphone event handler failed")

    def _fail_pending(self, reason: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(SoftphoneError(f"The softphone went away: {reason}"))
        self._pending.clear()
