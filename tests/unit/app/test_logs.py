"""Logging: a rotating file in the log directory, tokens never written, protocol dumps kept out."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from workstation import logs
from workstation.domain.redaction import Redactor


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    logs.close_logging()
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)
    for name in logs.PROTOCOL_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.usefixtures("restore_root_logging")
def test_log_file_rotates_and_keeps_a_bounded_number_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.configure_logging("info", tmp_path / "logs", Redactor())
    assert path == tmp_path / "logs" / logs.LOG_FILE
    log = logging.getLogger("workstation.test")
    for n in range(400):
        log.info("line %04d of a long day at the contact centre", n)
    logs.close_logging()
    files = logs.log_files(tmp_path / "logs")
    assert [f.name for f in files] == [
        "workstation.log.4",
        "workstation.log.3",
        "workstation.log.2",
        "workstation.log.1",
        "workstation.log",
    ]
    assert all(f.stat().st_size <= 2_000 for f in files)
    assert "line 0399" in files[-1].read_text(encoding="utf-8")  # the newest is kept


@pytest.mark.usefixtures("restore_root_logging")
def test_tokens_never_reach_the_file_and_protocol_dumps_stay_out(tmp_path: Path) -> None:
    redactor = Redactor()
    path = logs.configure_logging("debug", tmp_path, redactor)
    assert path is not None
    redactor.add_secret("tok-ABCDEF-0123456789")
    logging.getLogger("workstation.x").debug("using tok-ABCDEF-0123456789 now")
    try:
        raise RuntimeError("failed with Bearer tok-ABCDEF-0123456789")
    except RuntimeError:
        logging.getLogger("workstation.x").exception("request failed")
    logging.getLogger("websockets.client").debug('< TEXT \'{"text": "my IBAN is ..."}\'')
    logs.close_logging()
    text = path.read_text(encoding="utf-8")
    assert "tok-ABCDEF" not in text
    assert "using ‹redacted› now" in text and "RuntimeError: failed with Bearer ‹redacted›" in text
    assert "IBAN" not in text


@pytest.mark.usefixtures("restore_root_logging")
def test_unwritable_log_directory_falls_back_to_stderr(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert logs.configure_logging("info", blocker / "logs", Redactor()) is None
    assert blocker.read_text() == "x"
