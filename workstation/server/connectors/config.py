"""Connector settings: `[connectors.NAME]` tables of the server's TOML configuration file.

Secrets never come from the file: a table names an environment variable (`password_env`) or a
keychain entry (`password_keyring = "service/user"`); a `password` (or `token`) key in the file
is refused, so a secret cannot end up in a file that is copied, backed up and version-controlled.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Keys that would put a secret into the file.
_SECRET_KEYS = ("password", "token", "secret", "api_key")
DEFAULT_POLL_S = 5.0
DEFAULT_PAGE_SIZE = 500


class ConfigError(Exception):
    """The configuration file is unusable; the message names the table and key."""


@dataclass(frozen=True, slots=True)
class ConnectorConfig:
    name: str
    type: str
    url: str
    poll_interval_s: float = DEFAULT_POLL_S
    page_size: int = DEFAULT_PAGE_SIZE
    #: The rest of the table, for the connector type to read (database, login, web_url, ...).
    options: dict[str, Any] = field(default_factory=dict)
    password_env: str | None = None
    password_keyring: str | None = None
    timeout_s: float = 30.0

    def password(self) -> str:
        """The secret, from the environment or the OS keychain; ConfigError when it is not there."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise ConfigError(
                    f"[connectors.{self.name}]: environment variable {self.password_env} is unset"
                )
            return value
        if self.password_keyring:
            import keyring  # only here: a backend without keychain entries never needs a keychain

            service, _, user = self.password_keyring.partition("/")
            value = keyring.get_password(service, user)
            if not value:
                raise ConfigError(f"[connectors.{self.name}]: no keychain entry {self.password_keyring!r}")
            return value
        raise ConfigError(f"[connectors.{self.name}]: set password_env or password_keyring")


def load(path: Path) -> list[ConnectorConfig]:
    """The `[connectors.*]` tables of `path`, validated; ConfigError says what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    tables = raw.get("connectors", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: [connectors] must be a table of tables")
    return [parse(name, table) for name, table in tables.items()]


def parse(name: str, table: Any) -> ConnectorConfig:
    where = f"[connectors.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 64:
        raise ConfigError(f"{where}: names are letters, digits, '-' and '_' (at most 64)")
    secrets = [k for k in table if k.lower() in _SECRET_KEYS]
    if secrets:
        raise ConfigError(
            f"{where}: {secrets[0]!r} is a secret and does not belong in the file; "
            "name an environment variable (password_env) or a keychain entry (password_keyring)"
        )
    options = dict(table)
    try:
        kind = str(options.pop("type"))
        url = str(options.pop("url")).rstrip("/")
    except KeyError as exc:
        raise ConfigError(f"{where}: {exc.args[0]!r} is required") from exc
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: url must be http(s)://...")
    try:
        poll = float(options.pop("poll_interval_s", DEFAULT_POLL_S))
        page = int(options.pop("page_size", DEFAULT_PAGE_SIZE))
        timeout = float(options.pop("timeout_s", 30.0))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    if not 0.05 <= poll <= 86_400 or not 1 <= page <= 10_000 or not 0.1 <= timeout <= 600:
        raise ConfigError(f"{where}: poll_interval_s, page_size or timeout_s out of range")
    return ConnectorConfig(
        name=name,
        type=kind,
        url=url,
        poll_interval_s=poll,
        page_size=page,
        timeout_s=timeout,
        password_env=options.pop("password_env", None),
        password_keyring=options.pop("password_keyring", None),
        options=options,
    )
