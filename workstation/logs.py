"""Logging: the platform's log directory with rotation, and no secret in any line written anywhere."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from workstation.domain.redaction import Redactor

LOG_FILE = "workstation.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 4  # workstation.log + .1 … .4: at most 25 MB
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Libraries that log whole protocol frames (customer messages, headers) at DEBUG: kept at INFO
#: whatever the configured level, so customer data does not reach the log even when debugging.
PROTOCOL_LOGGERS = ("websockets", "httpcore", "hpack", "uvicorn.access")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes secrets from the whole text (message and traceback)."""

    def __init__(self, redactor: Redactor, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.secrets(super().format(record))


def configure_logging(level: str, log_dir: Path | None, redactor: Redactor) -> Path | None:
    """Log to stderr and (if `log_dir`) a rotating file there. Returns the file, or None if it
    could not be opened (then the reason is logged and stderr carries on alone)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    numeric = getattr(logging, level.upper())
    root.setLevel(numeric)
    formatter = RedactingFormatter(redactor)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    root.addHandler(console)
    for name in PROTOCOL_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    if log_dir is None:
        return None
    path = log_dir / LOG_FILE
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger("workstation").warning("cannot write the log file %s: %s", path, exc)
        return None
    file_handler.setFormatter(formatter)
    root.addHandler(file_handler)
    return path


def close_logging() -> None:
    """Flush and close the handlers (before a temporary log directory is removed)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


def log_files(log_dir: Path) -> list[Path]:
    """The current log and its rotated predecessors, oldest first."""
    files = [log_dir / f"{LOG_FILE}.{n}" for n in range(BACKUPS, 0, -1)] + [log_dir / LOG_FILE]
    return [f for f in files if f.is_file()]
