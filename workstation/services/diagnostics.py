"""“Save diagnostics…”: one zip for IT with logs, versions and the effective configuration.

Never a token, never customer data: every text is passed through the redactor (secrets the
process has seen and anything shaped like one) and the identifiers of every customer in this
desktop's cache are replaced, as are e-mail addresses and card-like numbers. The cache database,
settings of other users and the keychain are never read into it.
"""

from __future__ import annotations

import asyncio
import json
import platform
import sys
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from workstation import __version__
from workstation.domain.redaction import Redactor, customer_pattern

#: Distributions whose versions help a support engineer; missing ones are listed as absent.
DISTRIBUTIONS = (
    "workstation",
    "PySide6-Essentials",
    "PySide6-Addons",
    "shiboken6",
    "qasync",
    "httpx",
    "websockets",
    "SQLAlchemy",
    "pydantic",
    "keyring",
    "truststore",
    "certifi",
    "platformdirs",
    "fastapi",
    "uvicorn",
)

README = """Agent workstation diagnostics
=============================
versions.json  application, Python, Qt and library versions, operating system
config.toml    the effective configuration and where each value came from
logs/          the application's log files, oldest first

Removed before writing: session tokens and anything shaped like a secret ({secret}), the names,
e-mail addresses and phone numbers of customers known to this desktop ({customer}), any e-mail
address ({email}) and card-like numbers ({number}). No customer database, no keychain content.
"""


def versions() -> dict[str, Any]:
    libraries: dict[str, str] = {}
    for name in DISTRIBUTIONS:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = "absent"
    info: dict[str, Any] = {
        "workstation": __version__,
        "python": sys.version,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "libraries": libraries,
    }
    try:
        from PySide6 import QtCore

        info["qt"] = QtCore.qVersion()
    except ImportError:
        info["qt"] = "absent"
    return info


class DiagnosticsService:
    """Writes the zip; `customer_identifiers` is set once a cache is open (names to scrub)."""

    def __init__(
        self,
        redactor: Redactor,
        *,
        log_files: Callable[[], list[Path]],
        config_report: Callable[[], str],
        customer_identifiers: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._redactor = redactor
        self._log_files = log_files
        self._config_report = config_report
        self.customer_identifiers = customer_identifiers

    def default_name(self) -> str:
        return f"workstation-diagnostics-{datetime.now(UTC):%Y%m%d-%H%M%S}.zip"

    async def save(self, target: Path) -> Path:
        """Write the zip in a worker thread (log files can be tens of MB)."""
        return await asyncio.get_running_loop().run_in_executor(None, self.write, target)

    def write(self, target: Path) -> Path:
        identifiers = list(self.customer_identifiers()) if self.customer_identifiers else []
        terms = customer_pattern(identifiers)

        def clean(text: str) -> str:
            return self._redactor.everything(text, terms)

        tmp = target.with_name(target.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "README.txt",
                README.format(secret="‹redacted›", customer="‹customer›", email="‹email›", number="‹number›"),
            )
            archive.writestr("versions.json", clean(json.dumps(versions(), indent=2)))
            archive.writestr("config.toml", clean(self._config_report()))
            for path in self._log_files():
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError as exc:
                    text = f"(could not be read: {exc})\n"
                archive.writestr(f"logs/{path.name}", clean(text))
        tmp.replace(target)
        return target
