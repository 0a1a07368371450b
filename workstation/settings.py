"""The user's settings: typed, read from settings.toml, written back when changed in the app."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Settings:
    #: Empty: start the embedded reference backend.
    server_url: str = ""
    username: str = ""
    offer_sound: bool = True
    offer_popup: bool = True

    @classmethod
    def load(cls, path: Path) -> tuple[Settings, str | None]:
        """The settings in `path`, or defaults and a message naming the problem (nothing is lost:
        the broken file is left as it is, and is only replaced when the user changes a setting)."""
        if not path.exists():
            return cls(), None
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return cls(), f"{path}: {exc}; using default settings"
        settings, problems = cls(), []
        for f in fields(cls):
            if f.name not in raw:
                continue
            value, default = raw[f.name], getattr(settings, f.name)
            if type(value) is not type(default):
                problems.append(f"{f.name} must be a {type(default).__name__}")
                continue
            setattr(settings, f.name, value)
        unknown = sorted(set(raw) - {f.name for f in fields(cls)})
        if unknown:
            problems.append(f"unknown keys ignored: {', '.join(unknown)}")
        return settings, (f"{path}: " + "; ".join(problems)) if problems else None

    def save(self, path: Path) -> None:
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                lines.append(f"{f.name} = {'true' if value else 'false'}")
            else:
                escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'{f.name} = "{escaped}"')
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(path)
