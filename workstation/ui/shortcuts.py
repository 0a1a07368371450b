"""The keyboard shortcuts, in one table: the actions use it and Help lists it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name

#: action name -> (key sequences, description). Sequences are Qt portable text.
SHORTCUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept_offer": (("Ctrl+Shift+A",), QT_TRANSLATE_NOOP("shortcuts", "Accept the oldest offer")),
    "reject_offer": (("Ctrl+Shift+D",), QT_TRANSLATE_NOOP("shortcuts", "Decline the oldest offer")),
    "send": (("Return",), QT_TRANSLATE_NOOP("shortcuts", "Send the reply (Shift+Return: new line)")),
    "focus_reply": (("Ctrl+L",), QT_TRANSLATE_NOOP("shortcuts", "Jump to the reply box")),
    "wrap_up": (("Ctrl+W",), QT_TRANSLATE_NOOP("shortcuts", "Close the conversation with a wrap-up code")),
    "next_conversation": (("Ctrl+PgDown", "Ctrl+Tab"), QT_TRANSLATE_NOOP("shortcuts", "Next conversation")),
    "previous_conversation": (
        ("Ctrl+PgUp", "Ctrl+Shift+Tab"),
        QT_TRANSLATE_NOOP("shortcuts", "Previous conversation"),
    ),
    "conversation_n": (("Alt+1 … Alt+9",), QT_TRANSLATE_NOOP("shortcuts", "Go to conversation 1 … 9")),
    "available": (("Ctrl+1",), QT_TRANSLATE_NOOP("shortcuts", "Presence: Available")),
    "away": (("Ctrl+2",), QT_TRANSLATE_NOOP("shortcuts", "Presence: Away")),
    "offline": (("Ctrl+3",), QT_TRANSLATE_NOOP("shortcuts", "Presence: Offline")),
    "shortcuts": (("F1",), QT_TRANSLATE_NOOP("shortcuts", "Show this list")),
}


def describe(name: str) -> str:
    return QCoreApplication.translate("shortcuts", SHORTCUTS[name][1])
