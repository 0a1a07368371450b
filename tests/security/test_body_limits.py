"""Issue 18, item 8: bodies are bounded in size, depth and time before anything buffers or parses them."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from tests.security.server_helpers import API, raw_connection, read_response, running
from workstation.server.http_limits import MIB, BodyLimits, JsonDepthScanner, RouteLimit

pytestmark = pytest.mark.security


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(tmp_path: Path) -> None:
    with running(tmp_path) as backend:
        sock = raw_connection(backend.url)
        with sock:
            # 60 MB announced, not a byte of it sent: the answer comes anyway.
            sock.sendall(
                _head(
                    "POST", f"{API}/auth/login", "Content-Type: application/json", "Content-Length: 60000000"
                )
            )
            response = read_response(sock)
        assert _status(response) == 413 and b"larger than 1 MiB" in response


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(tmp_path: Path) -> None:
    with running(tmp_path) as backend:
        sock = raw_connection(backend.url)
        with sock:
            sock.sendall(
                _head(
                    "POST",
                    f"{API}/auth/login",
                    "Content-Type: application/json",
                    "Transfer-Encoding: chunked",
                )
            )
            chunk = b"[" + b" " * (64 * 1024 - 1)
            sent = 0
            try:
                for _ in range(200):  # would be 12.5 MiB
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                    sock.settimeout(0.001)
                    try:
                        if sock.recv(1, socket.MSG_PEEK):
                            break
                    except (TimeoutError, BlockingIOError):
                        pass
                    finally:
                        sock.settimeout(10)
            except (BrokenPipeError, ConnectionResetError):
                pass
            response = read_response(sock)
        assert _status(response) == 413
        assert sent < 4 * MIB  # refused soon after the limit, not after the whole body


def test_the_batch_endpoints_take_more_than_the_default(tmp_path: Path) -> None:
    with running(tmp_path) as backend:
        headers = backend.login("demo")
        writes = [
            {"key": f"key-{i:06d}", "op": "presence", "body": {"presence": "away"}, "pad": "x" * 4000}
            for i in range(400)
        ]
        body = json.dumps({"writes": writes}).encode()
        assert len(body) > 1.5 * MIB
        answer = backend.http.post(
            f"{API}/writes", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        # Past the size check, refused by validation (an unknown field), not for its size.
        assert answer.status_code == 400, answer.text
        too_big = backend.http.post(
            f"{API}/auth/login", content=body, headers={"Content-Type": "application/json"}
        )
        assert too_big.status_code == 413


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/events"), ("PUT", "/routing/config"), ("POST", "/writes")]
)
def test_deeply_nested_json_gets_a_clear_400(tmp_path: Path, method: str, path: str) -> None:
    with running(tmp_path) as backend:
        lead = backend.login("lead")
        body = b"[" * 100_000 + b"]" * 100_000
        answer = backend.http.request(
            method, f"{API}{path}", content=body, headers={**lead, "Content-Type": "application/json"}
        )
        assert answer.status_code == 400, answer.text
        assert "nested more than 64 levels" in answer.json()["error"]["message"]
        # Brackets inside strings are text, not nesting.
        note = json.dumps(
            {"writes": [{"key": "k" * 8, "op": "note", "target": "c-1", "body": {"text": "[" * 500}}]}
        )
        assert (
            backend.http.post(
                f"{API}/writes", content=note, headers={**lead, "Content-Type": "application/json"}
            ).status_code
            == 200
        )


def test_a_body_sent_a_byte_at_a_time_is_cut_off_with_408(tmp_path: Path) -> None:
    limits = BodyLimits(default=RouteLimit(MIB, 1.0))
    with running(tmp_path, body_limits=limits) as backend:
        sock = raw_connection(backend.url)
        with sock:
            sock.sendall(
                _head("POST", f"{API}/auth/login", "Content-Type: application/json", "Content-Length: 100")
            )
            sock.settimeout(0.25)
            response, sent = b"", 0
            for byte in b'{"username": "demo", "password": "demo"}'.ljust(100):
                try:
                    sock.sendall(bytes([byte]))
                    sent += 1
                    response += sock.recv(4096)
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
                if response:
                    break
            sock.settimeout(10)
            response += read_response(sock)
        assert _status(response) == 408, response
        assert sent < 100  # cut off while still sending, not served after the last slow byte


def test_headers_sent_a_byte_at_a_time_get_the_connection_closed(tmp_path: Path) -> None:
    with running(tmp_path, header_timeout_s=1.0) as backend:
        sock = raw_connection(backend.url)
        with sock:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\n")
            sock.settimeout(0.25)
            closed = False
            for byte in b"X-Slow: " + b"a" * 200:
                try:
                    sock.sendall(bytes([byte]))
                    if sock.recv(4096) == b"":
                        closed = True
                        break
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
        assert closed


def test_json_depth_scanner_follows_strings_and_escapes_across_chunks() -> None:
    scanner = JsonDepthScanner(max_depth=2)
    # A quote escaped at a chunk boundary, and brackets inside strings, do not count.
    for chunk in (b'{"a": "x\\', b'"[[[[", "b": [', b"1]}"):
        assert scanner.feed(chunk)
    assert scanner.depth == 0
    assert not JsonDepthScanner(max_depth=2).feed(b'{"a": [[1]]}')


def test_the_header_deadline_spares_open_streams(tmp_path: Path) -> None:
    from websockets.sync.client import connect

    with running(tmp_path, header_timeout_s=0.5) as backend:
        headers = backend.login("demo")
        ws_url = backend.url.replace("http", "ws") + f"{API}/stream"
        with connect(ws_url, additional_headers=headers, proxy=None, open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5))["kind"] == "hello"
            time.sleep(1.5)  # three header deadlines: not the stream's business
            answer = backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=headers)
            assert answer.status_code == 200
            frame = json.loads(ws.recv(timeout=5))
            assert frame["type"] == "presence.changed"
