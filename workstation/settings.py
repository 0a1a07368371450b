"""The user's own settings file: only the options the user (or the app for them) set.

Keys the user never set are not written, so a machine-wide value that IT changes later still
applies to them (see config.py for the layers). Values are typed and checked like every layer's.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workstation import config

log = logging.getLogger(__name__)


@dataclass
class Settings:
    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    #: The file held something that cannot be kept (it did not parse, or a value was invalid).
    damaged: bool = False

    @classmethod
    def load(cls, path: Path) -> Settings:
        layer = config.read_file(path, label="user settings", machine=False)
        return cls(path, dict(layer.values), damaged=bool(layer.problems))

    def update(self, **values: Any) -> None:
        """Set (or with None: forget) options and write the file. A damaged file is kept beside it."""
        for key, value in values.items():
            if value is None:
                self.values.pop(key, None)
                continue
            typed, problem = config.check(key, value)
            if problem:
                raise ValueError(problem)
            self.values[key] = typed
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.damaged and self.path.exists():
            # Nothing is lost: the file as the user left it stays beside the rewritten one.
            backup = self.path.with_name(self.path.name + ".damaged")
            shutil.copy2(self.path, backup)
            log.warning("%s had problems; the original is kept as %s", self.path, backup)
            self.damaged = False
        lines = [f"{key} = {config.toml_value(value)}" for key, value in sorted(self.values.items())]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(self.path)
