"""A stand-in for a vendor's API, built from the vendor's OpenAPI document: a real HTTP server on a
loopback port whose default answer to each operation is the spec's own example of that answer, or
an instance built from its response schema (property `example`s, else the simplest value of each
declared type), never hand-written JSON. Every request it receives and every answer it gives is
validated with openapi-core; a test may script hostile answers (marked `hostile`, which are checked
to really violate the spec)."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

#: The vendors' published documents, copied unchanged from the project's shared/specs (README there
#: names their sources and licences, MIT and Apache-2.0), so a fresh CI checkout has them.
SPECS = Path(__file__).parent / "specs"
_MAX_DEPTH = 8


def load_spec(name: str) -> dict[str, Any]:
    return dict(json.loads((SPECS / name).read_text(encoding="utf-8")))


class SpecExamples:
    """Instances of the spec's schemas, from its `example`s and declared types."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def build(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if "example" in schema and _fits(schema["example"], schema):
            return copy.deepcopy(schema["example"])
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.build(part, depth)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.build(schema[key][0], depth)
        if "enum" in schema:
            return next((v for v in schema["enum"] if v is not None), None)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            if depth >= _MAX_DEPTH:
                return {}
            return {name: self.build(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
        if kind == "array":
            return [] if depth >= _MAX_DEPTH else [self.build(schema.get("items", {}), depth + 1)]
        if kind == "string":
            return "2026-01-01T00:00:00Z" if schema.get("format") == "date-time" else "text"
        return {"integer": 1, "number": 1, "boolean": False, "null": None}.get(kind)

    def response(self, method: str, template: str) -> tuple[int, Any]:
        """The first documented 2xx answer of an operation, built from its schema."""
        op = self.spec["paths"][template][method.lower()]
        for status, answer in sorted(op["responses"].items()):
            if status.startswith("2"):
                content = answer.get("content", {})
                for media in content.values():
                    # The vendor's own example of this answer first, else one built from its schema.
                    for example in media.get("examples", {}).values():
                        if "value" in example:
                            return int(status), copy.deepcopy(example["value"])
                    if "example" in media:
                        return int(status), copy.deepcopy(media["example"])
                    return int(status), self.build(media.get("schema", {}))
                return int(status), None
        raise KeyError(f"{method} {template} documents no 2xx answer")


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """An example is used only when it has the declared type (some examples in vendor specs don't)."""
    kind = schema.get("type")
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "null": lambda v: v is None,
    }
    return any(checks.get(k, lambda _v: True)(value) for k in kinds)


@dataclass
class Answer:
    """A scripted answer: `body` (JSON) or `raw` text, or `patch` applied to the spec-built body."""

    status: int = 200
    body: Any = None
    patch: Callable[[Any], Any] | None = None
    raw: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: Deliberately off-spec (a hostile answer): checked to fail validation instead of to pass.
    hostile: bool = False


@dataclass
class Exchange:
    method: str
    template: str
    path: str
    query: dict[str, Any]
    body: Any
    headers: dict[str, str]
    status: int


#: A lasting answer: (the spec-built body, the request) -> the body to send.
Responder = Callable[[Any, Exchange], Any]


class SpecStandIn:
    """The vendor's API on a loopback port; `script()` queues answers for an operation."""

    def __init__(self, spec_name: str) -> None:
        self.spec = load_spec(spec_name)
        self.examples = SpecExamples(self.spec)
        self.openapi: OpenAPI | None = None
        self.exchanges: list[Exchange] = []
        #: Requests or answers that broke the spec (a test asserts this stays empty).
        self.violations: list[str] = []
        self._scripts: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self._responders: dict[tuple[str, str], Responder] = {}
        self._routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", t) + "$"), t) for t in self.spec["paths"]
        ]
        # Literal paths win over templated ones (…/contacts/search before …/contacts/{id}).
        self._routes.sort(key=lambda r: r[1].count("{"))
        app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.url = ""

    def start(self) -> SpecStandIn:
        self._thread.start()
        while not self._server.started:
            threading.Event().wait(0.02)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        # The one change to the vendor's document: where this copy of the API is served (the
        # document's servers, and any a path or operation names, point here).
        served = copy.deepcopy(self.spec)
        served["servers"] = [{"url": self.url}]
        for item in served["paths"].values():
            for node in [item, *(v for v in item.values() if isinstance(v, dict))]:
                if "servers" in node:
                    node["servers"] = [{"url": self.url}]
        self.openapi = OpenAPI.from_dict(served)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def script(self, method: str, template: str, *answers: Answer) -> None:
        self._scripts[(method.upper(), template)].extend(answers)

    def respond(self, method: str, template: str, responder: Responder) -> None:
        """A lasting answer to an operation when none is scripted: `responder(body, request)`
        changes the spec-built body to what a stateful vendor would answer (and is still checked)."""
        self._responders[(method.upper(), template)] = responder

    def default(self, method: str, template: str) -> Any:
        return self.examples.response(method, template)[1]

    def calls(self, method: str, template: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method.upper() and e.template == template]

    def _template(self, path: str) -> str | None:
        return next((t for pattern, t in self._routes if pattern.match(path)), None)

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        path = "/" + request.path_params["path"]
        template = self._template(path)
        method = request.method
        if template is None or method.lower() not in self.spec["paths"][template]:
            return Response("no such operation in the spec", status_code=404, media_type="text/plain")
        content_type = request.headers.get("content-type", "").split(";")[0] or "application/json"
        query = dict(request.query_params.multi_items())
        mock_request = MockRequest(
            self.url,
            method.lower(),
            path,
            args=query,
            headers=dict(request.headers),
            data=raw,
            content_type=content_type,
        )
        assert self.openapi is not None
        try:
            self.openapi.validate_request(mock_request)
        except Exception as exc:  # openapi-core raises a family of errors; all are violations
            self.violations.append(f"request {method} {path}: {_why(exc)}")
        queue = self._scripts.get((method, template))
        scripted = bool(queue)
        answer = queue.popleft() if queue else Answer()
        responder = self._responders.get((method, template))
        if not scripted and responder is not None:
            seen = Exchange(method, template, path, query, _parsed(raw), dict(request.headers), 200)
            answer.patch = lambda body: responder(body, seen)
        status, body = answer.status, answer.body
        if answer.raw is None and body is None and status < 300:
            status_default, body = self.examples.response(method, template)
            status = answer.status if answer.status != 200 else status_default
            if answer.patch is not None:
                body = answer.patch(body)
        text = answer.raw if answer.raw is not None else ("" if body is None else json.dumps(body))
        self.exchanges.append(
            Exchange(method, template, path, query, _parsed(raw), dict(request.headers), status)
        )
        if answer.content_type == "application/json" and status < 400 and text:
            mock_response = MockResponse(text.encode(), status_code=status, content_type=answer.content_type)
            try:
                self.openapi.validate_response(mock_request, mock_response)
                if answer.hostile:
                    self.violations.append(f"answer meant as hostile passes the spec: {method} {path}")
            except Exception as exc:
                if not answer.hostile:
                    self.violations.append(f"answer {method} {path}: {_why(exc)}")
        await asyncio.sleep(0)
        return Response(text, status_code=status, media_type=answer.content_type, headers=answer.headers)


def _why(exc: Exception) -> str:
    causes = [str(exc)]
    inner = getattr(exc, "__cause__", None)
    if inner is not None:
        causes.append(str(inner)[:300])
    return " / ".join(causes)


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")
