"""Request Tracker's REST2 API (`/REST/2.0/`), asynchronously with httpx.

Every failure (connection, timeout, HTTP status, an HTML error page or garbage instead of JSON)
becomes one `UpstreamError` with a short, loggable reason; a record RT says is not there (404)
becomes `NotFound`, so a deleted ticket is told apart from an RT that is down.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from workstation.server.connectors.tryton_rpc import UpstreamError

#: Longest piece of an upstream body quoted in an error (HTML error pages can be large).
QUOTE_MAX = 200
#: Largest answer read as JSON: a page of tickets is a few hundred kB; anything far bigger is wrong.
BODY_MAX = 20_000_000
API = "/REST/2.0"


class NotFound(UpstreamError):
    """RT answered 404: the record does not exist (deleted, or never there)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


def auth_header(kind: str, secret: str, login: str = "") -> str:
    """`token` (an RT 5 auth token, Admin → Users → Auth Tokens) or `basic` (login + password)."""
    if kind == "token":
        return f"token {secret}"
    if kind == "basic":
        return "Basic " + base64.b64encode(f"{login}:{secret}".encode()).decode()
    raise ValueError(f"auth must be 'token' or 'basic', not {kind!r}")


class RTRest:
    """One RT instance as one user (the secret stays in this object's header, never logged)."""

    def __init__(self, http: httpx.AsyncClient, authorization: str) -> None:
        self._http = http
        self._headers = {"Authorization": authorization, "Accept": "application/json"}

    async def get(self, path: str, params: list[tuple[str, str]] | dict[str, str] | None = None) -> Any:
        return await self._send("GET", path, params=params)

    async def post(self, path: str, body: Any) -> Any:
        return await self._send("POST", path, json=body)

    async def put(self, path: str, body: Any) -> Any:
        return await self._send("PUT", path, json=body)

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        what = f"{method} {path}"
        try:
            response = await self._http.request(method, f"{API}{path}", headers=self._headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise UpstreamError(f"{what}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{what}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 404:
            raise NotFound(f"{what}: not found")
        if response.status_code in (401, 403):
            raise UpstreamError(f"{what}: refused (HTTP {response.status_code})", retryable=False)
        if not 200 <= response.status_code < 300:
            raise UpstreamError(f"{what}: HTTP {response.status_code}: {_quote(response.text)}")
        if len(response.content) > BODY_MAX:
            raise UpstreamError(f"{what}: answer of {len(response.content)} bytes is absurd")
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamError(f"{what}: not JSON: {_quote(response.text)}") from exc

    async def search(
        self, query: str, fields: str, *, page: int, per_page: int, orderby: tuple[str, ...]
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of `GET /tickets` for TicketSQL `query`: (items, number of pages)."""
        params: list[tuple[str, str]] = [
            ("query", query),
            ("fields", fields),
            ("page", str(page)),
            ("per_page", str(per_page)),
        ]
        for column in orderby:
            params += [("orderby", column), ("order", "ASC")]
        answer = await self.get("/tickets", params)
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise UpstreamError(f"GET /tickets: not a list of tickets: {_quote(str(answer))}")
        pages = answer.get("pages")
        return items, int(pages) if isinstance(pages, int | float) else 1


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:QUOTE_MAX] + ("…" if len(flat) > QUOTE_MAX else ""))
