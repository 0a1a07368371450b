"""Keep tokens and passwords out of the backend's logs, at every level.

Bearer tokens reach the server in `Authorization` headers, in `?token=` on stream URLs and in a
customer page's first WebSocket frame; uvicorn logs request lines at INFO and, at DEBUG/TRACE, the
WebSocket handshake headers, frames and ASGI messages. A filter on each logger those records are
made on rewrites them with the desktop's own redactor (`workstation.domain.redaction`) before any
handler sees them. A logger filter only sees records made on that very logger (not its children),
hence the explicit list.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from workstation.domain.redaction import Redactor

#: Every logger the backend and the libraries it serves with write request data to: uvicorn's
#: (request lines, handshakes, frames and ASGI messages of its websockets protocol), the websockets
#: library's own, the web framework's, and SQLAlchemy's statement log.
SERVER_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "websockets",
    "websockets.server",
    "websockets.protocol",
    "fastapi",
    "starlette",
    "sqlalchemy.engine.Engine",
    "workstation.server",
)
_UNCHANGED = (int, float, bool, type(None))


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments and traceback without secrets; drops nothing.

    Arguments keep their type unless redaction changed them (uvicorn's access formatter unpacks
    them by position and formats the status code as a number)."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self._redactor.secrets(record.msg)
        else:
            record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: self._clean(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self._redactor.secrets(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self._redactor.secrets(record.stack_info)
        return True

    def _clean(self, value: Any) -> Any:
        if isinstance(value, _UNCHANGED):
            return value
        text = value if isinstance(value, str) else str(value)
        redacted = self._redactor.secrets(text)
        return value if redacted == text else redacted


def install_log_redaction(names: tuple[str, ...] = SERVER_LOGGERS) -> RedactingFilter:
    """Put one RedactingFilter on each of `names` and on every `workstation.server.*` logger
    (idempotent: a logger that has one keeps just that one)."""
    wanted = set(names)
    wanted.update(name for name in logging.root.manager.loggerDict if name.startswith("workstation.server."))
    shared = RedactingFilter()
    for name in sorted(wanted):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(shared)
    return shared
