"""Logging: the platform's log directory with rotation, and no secret in any line written anywhere."""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO

from workstation.domain.redaction import Redactor

LOG_FILE = "workstation.log"
#: Where a hard crash (segfault, abort in Qt) leaves the Python stacks of every thread.
CRASH_LOG = "crash.log"
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
    if sys.stderr is not None:  # a windowed Windows build has none: the file is all there is
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


def install_crash_handlers(log_dir: Path | None) -> IO[str] | None:
    """Errors nobody catches end up in the log, and a hard crash leaves its stacks behind.

    - `sys.excepthook`: uncaught exceptions, and those raised in Qt slots and virtual overrides
      (PySide6 hands those to the hook and carries on), are logged with their traceback;
    - `threading.excepthook`: the same for worker threads;
    - `faulthandler`: a segfault or abort writes every thread's Python stack to `crash.log` next to
      the log (stderr when there is no log directory, e.g. the self-test).

    Returns the open crash file (faulthandler writes to it until the process ends), or None.
    """
    crash_log = logging.getLogger("workstation.crash")

    def log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        crash_log.critical("uncaught exception", exc_info=(kind, value, tb))

    def log_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or isinstance(args.exc_value, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        crash_log.critical(
            "uncaught exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = log_uncaught
    threading.excepthook = log_thread
    crash_file: IO[str] | None = None
    if log_dir is not None:
        try:
            crash_file = (log_dir / CRASH_LOG).open("a", encoding="utf-8")
        except OSError as exc:
            crash_log.warning("cannot write %s: %s", log_dir / CRASH_LOG, exc)
    target = crash_file if crash_file is not None else sys.stderr
    if target is not None:
        faulthandler.enable(file=target, all_threads=True)
    return crash_file


def uninstall_crash_handlers(crash_file: IO[str] | None) -> None:
    """Back to Python's defaults (before the log directory goes away, e.g. --temp-basedir)."""
    faulthandler.disable()
    sys.excepthook = sys.__excepthook__
    threading.excepthook = threading.__excepthook__
    if crash_file is not None:
        crash_file.close()
