"""The keyboard shortcuts, in one table: the actions use it and Help lists it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

#: action name -> (key sequences, description). Sequences are Qt portable text.
SHORTCUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept_offer": (("Ctrl+Shift+A",), "Accept the oldest offer"),
    "reject_offer": (("Ctrl+Shift+D",), "Decline the oldest offer"),
    "send": (("Return",), "Send the reply (Shift+Return: new line)"),
    "focus_reply": (("Ctrl+L",), "Jump to the reply box"),
    "wrap_up": (("Ctrl+W",), "Close the conversation with a wrap-up code"),
    "next_conversation": (("Ctrl+PgDown", "Ctrl+Tab"), "Next conversation"),
    "previous_conversation": (("Ctrl+PgUp", "Ctrl+Shift+Tab"), "Previous conversation"),
    "conversation_n": (("Alt+1 … Alt+9",), "Go to conversation 1 … 9"),
    "available": (("Ctrl+1",), "Presence: Available"),
    "away": (("Ctrl+2",), "Presence: Away"),
    "offline": (("Ctrl+3",), "Presence: Offline"),
    "shortcuts": (("F1",), "Show this list"),
}


def describe(name: str) -> str:
    return QCoreApplication.translate("shortcuts", SHORTCUTS[name][1])
