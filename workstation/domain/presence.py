"""An agent's presence: its own module (no pydantic) so the main window can show it before the rest loads."""

from __future__ import annotations

from enum import StrEnum


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"
