"""What every adapter to an outside system shares: one HTTP call with retries and backoff, and the
strict parsing of answers into the few fields the desk needs.

Failures are an `UpstreamError` naming the system, the operation and the problem (plain text, an
excerpt of at most EXCERPT_CHARS of what came back): HTML, unparsable JSON, wrong types and missing
fields are not retried (the same answer would come again); 429 waits out `Retry-After` (capped),
5xx and network errors back off exponentially, then give a `retryable` error so the caller keeps
the work for its next pass: nothing is lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

#: Longest stretch of an upstream answer quoted in an error (plain text, for the log and status).
EXCERPT_CHARS = 200
#: Longest wait a Retry-After may ask for; a longer one is capped (the poller comes back anyway).
MAX_RETRY_AFTER_S = 60.0


class UpstreamError(Exception):
    """`system` could not be used for `operation`; `retryable`: trying later may work."""

    def __init__(
        self, system: str, operation: str, problem: str, *, retryable: bool = False, status: int | None = None
    ) -> None:
        super().__init__(f"{system} {operation}: {problem}")
        self.system = system
        self.operation = operation
        self.problem = problem
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    first_backoff_s: float = 0.5
    max_backoff_s: float = 8.0


class UpstreamHttp:
    """Calls to one system's HTTP API under `base` with fixed headers (and auth)."""

    def __init__(
        self,
        system: str,
        base: str,
        headers: dict[str, str],
        *,
        auth: httpx.Auth | tuple[str, str] | None = None,
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.system = system
        self._base = base.rstrip("/")
        self._headers = {"Accept": "application/json", **headers}
        self._auth = auth
        self._http = http or httpx.AsyncClient(timeout=15.0, trust_env=False)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    async def close(self) -> None:
        await self._http.aclose()

    def error(self, op: str, problem: str) -> UpstreamError:
        return UpstreamError(self.system, op, problem)

    async def call(
        self,
        op: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        before_retry: Callable[[], Awaitable[Any]] | None = None,
    ) -> Any:
        """The parsed JSON answer. `before_retry` runs before a write is repeated after a failure
        that may have reached the system (5xx, network): a non-None result is the answer instead
        (the write was done). A 429 was not processed, so it is simply repeated."""
        delay = self._retry.first_backoff_s
        last: UpstreamError | None = None
        for attempt in range(self._retry.attempts):
            if attempt and before_retry is not None and last is not None and last.status != 429:
                found = await before_retry()
                if found is not None:
                    return found
            try:
                response = await self._http.request(
                    method,
                    self._base + path,
                    params=params,
                    json=json_body,
                    data=form,
                    headers=self._headers,
                    auth=self._auth or httpx.USE_CLIENT_DEFAULT,
                )
            except httpx.TransportError as exc:
                last = UpstreamError(self.system, op, f"network error: {type(exc).__name__}", retryable=True)
            else:
                if response.status_code < 300:
                    return self._json(response, op)
                last = self._refusal(response, op)
                if not last.retryable:
                    raise last
                wait = (
                    _retry_after(response.headers.get("Retry-After")) if response.status_code == 429 else None
                )
                if wait is not None:
                    await self._sleep(wait)
                    continue
            await self._sleep(delay)
            delay = min(delay * 2, self._retry.max_backoff_s)
        assert last is not None
        raise last

    def _refusal(self, response: httpx.Response, op: str) -> UpstreamError:
        status = response.status_code
        retryable = status == 429 or status >= 500
        problem = f"HTTP {status}: {excerpt(response.text)}"
        return UpstreamError(self.system, op, problem, retryable=retryable, status=status)

    def _json(self, response: httpx.Response, op: str) -> Any:
        kind = response.headers.get("content-type", "")
        if "json" not in kind:
            shown = excerpt(response.text)
            raise self.error(op, f"answered {kind or 'no content type'}, not JSON: {shown}")
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.error(op, f"answer is not valid JSON ({exc})") from exc


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: back off as usual instead
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:EXCERPT_CHARS] + ("…" if len(flat) > EXCERPT_CHARS else "")


class Fields:
    """Strict reads of one answer's fields, errors naming the system, operation and field."""

    def __init__(self, system: str, op: str) -> None:
        self.system = system
        self.op = op

    def get(self, obj: Any, key: str, kind: type) -> Any:
        if not isinstance(obj, dict):
            raise UpstreamError(
                self.system, self.op, f"expected an object holding {key!r}, got {type(obj).__name__}"
            )
        if key not in obj:
            raise UpstreamError(self.system, self.op, f"answer lacks {key!r}")
        return self.typed(obj[key], key, kind)

    def opt(self, obj: Any, key: str, kind: type) -> Any:
        value = obj.get(key) if isinstance(obj, dict) else None
        return None if value is None or value == "" else self.typed(value, key, kind)

    def typed(self, value: Any, key: str, kind: type) -> Any:
        # Specs type ids as `number`: 3.0 is an id, 3.5 or True is not.
        if kind is int and isinstance(value, float) and value.is_integer():
            return int(value)
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            shown = excerpt(json.dumps(value))[:60]
            problem = f"{key!r} should be {kind.__name__}, got {type(value).__name__} {shown}"
            raise UpstreamError(self.system, self.op, problem)
        return value
