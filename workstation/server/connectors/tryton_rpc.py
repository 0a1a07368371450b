"""Tryton's JSON-RPC over HTTP (`POST /<db>/rpc/`), asynchronously with httpx.

Tryton encodes dates, datetimes and decimals as objects with a `__class__` key; they are decoded
here into Python values (datetimes as UTC) and encoded back for writes. Every failure (connection,
timeout, HTTP status, HTML instead of JSON, a JSON-RPC error) becomes one `UpstreamError` with a
short, loggable reason: the caller decides whether to retry.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import httpx

#: Longest piece of an upstream body quoted in an error (HTML error pages can be large).
QUOTE_MAX = 200


class UpstreamError(Exception):
    """The upstream system could not be reached or answered nonsense; `retryable` if a retry may help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def decode(value: Any) -> Any:
    """Tryton's JSON values → Python (date, datetime in UTC, Decimal, bytes)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("__class__")
    if kind == "datetime":
        return dt.datetime(
            value["year"],
            value["month"],
            value["day"],
            value.get("hour", 0),
            value.get("minute", 0),
            value.get("second", 0),
            value.get("microsecond", 0),
            tzinfo=dt.UTC,
        )
    if kind == "date":
        return dt.date(value["year"], value["month"], value["day"])
    if kind == "Decimal":
        return Decimal(value["decimal"])
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    return {k: decode(v) for k, v in value.items()}


def encode(value: Any) -> Any:
    """Python values → Tryton's JSON (naive UTC datetimes, as Tryton stores them)."""
    if isinstance(value, dt.datetime):
        v = value.astimezone(dt.UTC) if value.tzinfo else value
        return {
            "__class__": "datetime",
            "year": v.year,
            "month": v.month,
            "day": v.day,
            "hour": v.hour,
            "minute": v.minute,
            "second": v.second,
            "microsecond": v.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


class TrytonRPC:
    """One Tryton database over JSON-RPC, logged in as one user (the password never leaves memory)."""

    def __init__(
        self, http: httpx.AsyncClient, database: str, login: str, password: str, *, language: str = "en"
    ) -> None:
        self._http = http
        self._db = database
        self._login = login
        self._password = password
        self._language = language
        self._auth: str | None = None
        self._ids = itertools.count(1)
        self.context: dict[str, Any] = {}

    async def login(self) -> None:
        result = await self._post(
            "common.db.login", [self._login, {"password": self._password}, self._language]
        )
        if not isinstance(result, list) or len(result) < 2:
            raise UpstreamError(f"unexpected login answer: {str(result)[:QUOTE_MAX]!r}", retryable=False)
        user_id, session = result[0], result[1]
        token = base64.b64encode(f"{self._login}:{user_id}:{session}".encode()).decode()
        self._auth = f"Session {token}"

    async def call(self, method: str, *params: Any) -> Any:
        """`method` with `params`; logs in first (and again once when the session expired)."""
        if self._auth is None:
            await self.login()
        try:
            return await self._post(method, list(params))
        except _SessionExpired:
            await self.login()
            return await self._post(method, list(params))

    async def model(self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None) -> Any:
        return await self.call(f"model.{model}.{method}", *args, {**self.context, **(context or {})})

    async def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: list[list[str]] | None = None,
    ) -> list[dict[str, Any]]:
        rows = await self.model(model, "search_read", domain, offset, limit, order, fields)
        if not isinstance(rows, list):
            raise UpstreamError(f"{model}.search_read answered {type(rows).__name__}, not a list")
        return rows

    async def _post(self, method: str, params: list[Any]) -> Any:
        headers = {"Authorization": self._auth} if self._auth else {}
        body = {"id": next(self._ids), "method": method, "params": encode(params)}
        try:
            response = await self._http.post(f"/{self._db}/rpc/", json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise UpstreamError(f"{method}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{method}: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (401, 403) and self._auth is not None:
            raise _SessionExpired(method)
        if response.status_code in (401, 403):
            raise UpstreamError(f"{method}: login refused (HTTP {response.status_code})", retryable=False)
        if response.status_code != 200:
            raise UpstreamError(f"{method}: HTTP {response.status_code}: {_quote(response.text)}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise UpstreamError(f"{method}: not JSON: {_quote(response.text)}") from exc
        if not isinstance(payload, dict):
            raise UpstreamError(f"{method}: not a JSON-RPC answer: {_quote(response.text)}")
        if payload.get("error"):
            raise UpstreamError(f"{method}: Tryton error: {_quote(str(payload['error']))}", retryable=False)
        return decode(payload.get("result"))


class _SessionExpired(UpstreamError):
    def __init__(self, method: str) -> None:
        super().__init__(f"{method}: session expired")


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:QUOTE_MAX] + ("…" if len(flat) > QUOTE_MAX else ""))
