"""Make /openapi.json the truth: every status code a route can answer, each with the one error body.

FastAPI documents only the success answer and a 422 it never sends here (validation errors are 400s
with our error body). The answers every route shares follow from how it is built, so they are added
from that here, once, instead of on 80 decorators: a body or a parameter can be malformed (400), a
body can exceed the size limit (413, BodyLimitMiddleware), a token can be missing or not an agent's
(401, 403), a named thing can be missing (404). Answers particular to a route (409, 412, 422, 429,
503) are listed in ROUTE_ERRORS, in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

ERROR_REF = {"$ref": "#/components/schemas/Error"}

#: The error body every non-2xx answer has: {"error": {"code", "message", ...}}.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
                "current": {},
                # a refusal worded for people: its template (a message id) and parameters, so a
                # client can show it in its user's language ("message" is that text in English)
                "message_id": {"type": "string"},
                "params": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                },
            },
        }
    },
}

_REASONS = {
    400: "Malformed request (body, parameter or header)",
    401: "No valid token",
    403: "Not allowed for this token",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    412: "If-Match names an outdated version",
    413: "Body too large",
    422: "Well-formed but refused",
    428: "If-Match required",
    429: "Too many requests (see Retry-After)",
    503: "Temporarily unavailable (see Retry-After)",
}

#: Paths anyone may call without a token.
_PUBLIC = ("/api/v1/health", "/api/v1/auth/login", "/openapi.json", "/docs", "/redoc")


#: Answers particular to a route, beyond the shared ones (method, path as in the document).
ROUTE_ERRORS: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/shop/api/signin"): (404, 429),
    ("post", "/api/v1/monitor/tasks/{conversation_id}/move"): (409, 422),
    ("post", "/api/v1/events"): (422,),
    ("post", "/api/v1/offers/{offer_id}/accept"): (409,),
    ("post", "/api/v1/offers/{offer_id}/reject"): (409,),
    ("post", "/api/v1/conversations/{conversation_id}/messages"): (409,),
    ("post", "/api/v1/conversations/{conversation_id}/close"): (409,),
    ("patch", "/api/v1/customers/{customer_id}"): (409, 412),
    ("put", "/api/v1/customers/{customer_id}/notes/{note_id}"): (409, 412),
    ("post", "/api/v1/customer/chats"): (409, 429),
    ("post", "/api/v1/customer/chats/{conversation_id}/messages"): (409, 429),
    # no such call (404); a query of fewer than two characters once trimmed (422, customer_search.py)
    ("get", "/api/v1/customer-search"): (404, 422),
    # the call is linked already (409); a customer that does not exist or is a placeholder (422)
    ("post", "/api/v1/voice/calls/{conversation_id}/customer"): (409, 422),
    # a SIP user that is no agent's or desk phone's (404, voice_credentials.py)
    ("put", "/api/v1/voice/sip-password"): (404,),
    ("post", "/api/v1/voice/credential"): (404,),
}

#: Constraints the backend enforces in code that a schema can state (the rest is in the route's
#: description): an agent's capacity per channel is 0 to 20 (Backend.set_agent_routing).
_SCHEMA_PATCHES: dict[str, dict[str, Any]] = {
    "AgentRouting": {
        "capacity": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 20},
        }
    },
}


def _error(code: int) -> dict[str, Any]:
    return {
        "description": _REASONS.get(code, "Error"),
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def _document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError", "ErrorBody", "ErrorDetail"):
        components.pop(name, None)
    for name, properties in _SCHEMA_PATCHES.items():
        if name in components:
            components[name].setdefault("properties", {}).update(properties)
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses: dict[str, Any] = op["responses"]
            for param in op.get("parameters", []):
                _no_null_header(param)
            if _is_validation(responses.get("422")):
                del responses["422"]
            params = op.get("parameters", [])
            shared: list[int] = []
            if params or "requestBody" in op:
                shared.append(400)
            if "requestBody" in op:
                shared.append(413)
            if not path.startswith(_PUBLIC):
                shared += [401, 403]
            if any(p.get("in") == "path" for p in params):
                shared.append(404)
            if any(p.get("name") == "Idempotency-Key" for p in params):
                shared.append(422)  # the key was used before for a different request
            shared += ROUTE_ERRORS.get((method, path), ())
            html = "text/html" in responses.get("200", {}).get("content", {})
            for status in shared:
                responses.setdefault(str(status), _error(status))
            for code, answer in responses.items():
                if code[0] in "45":
                    # An HTML page answers its errors as an HTML page; the API with the error body.
                    answer["content"] = (
                        {"text/html": {"schema": {"type": "string"}}}
                        if html
                        else {"application/json": {"schema": ERROR_REF}}
                    )
    return doc


def _no_null_header(param: dict[str, Any]) -> None:
    """An optional header is absent, never null: FastAPI documents `str | None` as anyOf with null,
    which lets a client send the header empty, which the backend (rightly) refuses."""
    schema = param.get("schema", {})
    variants = [v for v in schema.get("anyOf", ()) if v.get("type") != "null"]
    if param.get("in") == "header" and len(variants) == 1 and len(schema["anyOf"]) == 2:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        param["schema"] = {**variants[0], **rest}


def _is_validation(answer: Any) -> bool:
    return isinstance(answer, dict) and "HTTPValidationError" in str(answer.get("content", ""))


def install(app: FastAPI) -> None:
    """The truthful document, and the framework's own 404/405 answers in the shared error body (a
    405 with the Allow header naming every method the path has, not only the first route's)."""
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if "doc" not in cache:
            cache["doc"] = _document(app)
        doc: dict[str, Any] = cache["doc"]
        return doc

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            methods: set[str] = set()
            for route in app.router.routes:
                match, _ = route.matches({**request.scope, "method": "GET"})
                if match != Match.NONE:
                    methods |= set(getattr(route, "methods", None) or ())
                    if match == Match.FULL and "GET" in methods:
                        methods.add("HEAD")
            headers["Allow"] = ", ".join(sorted(methods))
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=headers)
