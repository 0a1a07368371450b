"""Where the desktop keeps its files: the platform's user directories, or one --basedir for all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "workstation"


@dataclass(frozen=True, slots=True)
class Paths:
    data: Path
    config: Path
    cache: Path
    logs: Path

    @classmethod
    def default(cls) -> Paths:
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, base: Path) -> Paths:
        """Everything below one directory (--basedir, --temp-basedir, tests)."""
        return cls(data=base / "data", config=base / "config", cache=base / "cache", logs=base / "logs")

    def create(self) -> Paths:
        for path in (self.data, self.config, self.cache, self.logs):
            path.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def embedded_backend(self) -> Path:
        return self.data / "embedded-backend"

    def cache_db(self, server_url: str, agent_id: str) -> Path:
        """One cache per backend and agent, so two accounts or servers never mix their data."""
        import hashlib  # here: loading OpenSSL's libcrypto is not worth delaying the first paint for

        digest = hashlib.sha256(f"{server_url.rstrip('/')}|{agent_id}".encode()).hexdigest()[:16]
        return self.data / f"cache-{digest}.sqlite3"
