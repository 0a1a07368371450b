"""The domain's texts (relevance reasons, hidden items, cobrowse and routing explanations) in the
agent's language.

The domain hands out `Msg` values: English text that keeps its template (the message id) and its
parameters. Here the template is translated (context "domain" of the catalogue) and the parameters
rendered for the agent: nested messages recursively, amounts as money and numbers in the locale,
words the catalogue knows (tiers, topics) translated. A plain string (a reason that came over
HTTP) is looked up as a whole; one the catalogue does not know stays as it is.
"""

from __future__ import annotations

import errno
import string
from typing import Any

from PySide6.QtCore import QCoreApplication

from workstation.domain.messages import QT_TRANSLATE_NOOP, Day, Joined, Money, Msg
from workstation.ui.language import date_text, money_text, number_text

CONTEXT = "domain"


class _Missing(dict[str, Any]):
    """A translation that names a parameter the message lacks shows it as '…', never fails."""

    def __missing__(self, key: str) -> str:
        return "…"


def render(value: object) -> str:
    """`value` as the agent reads it: a Msg or Joined translated, anything else as text."""
    if isinstance(value, Msg):
        template = QCoreApplication.translate(CONTEXT, value.template)
        params = _Missing({k: render(v) for k, v in value.params.items()})
        try:
            return string.Formatter().vformat(template, (), params)
        except (ValueError, IndexError, AttributeError):
            return str(value)
    if isinstance(value, Joined):
        separator = QCoreApplication.translate(CONTEXT, value.separator)
        return separator.join(render(part) for part in value.parts)
    if isinstance(value, Day):
        return date_text(value.day)
    if isinstance(value, Money):
        return money_text(float(value), decimals=0 if float(value).is_integer() else 2)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_text(value)
    if isinstance(value, float):
        return number_text(value, 0 if value.is_integer() else 1)
    if isinstance(value, str):
        return QCoreApplication.translate(CONTEXT, value) if value else value
    return str(value)


def error_text(exc: BaseException) -> str:
    """Why something failed, for the agent: a refusal the backend worded (a Msg carried as the
    exception's first argument) in the agent's language, anything else as it reads."""
    first = exc.args[0] if exc.args else None
    return render(first) if isinstance(first, Msg) else str(exc)


#: The file-system failures an agent meets (saving diagnostics, exports): the C library words them
#: in English whatever the desktop's language, so the common ones are the catalogue's.
OS_ERRORS = {
    errno.EACCES: QT_TRANSLATE_NOOP("OsError", "Permission denied"),
    errno.EPERM: QT_TRANSLATE_NOOP("OsError", "Permission denied"),
    errno.ENOENT: QT_TRANSLATE_NOOP("OsError", "No such file or folder"),
    errno.ENOTDIR: QT_TRANSLATE_NOOP("OsError", "A part of the path is not a folder"),
    errno.EISDIR: QT_TRANSLATE_NOOP("OsError", "That is a folder"),
    errno.ENOSPC: QT_TRANSLATE_NOOP("OsError", "No space left on the drive"),
    errno.EROFS: QT_TRANSLATE_NOOP("OsError", "The drive is read-only"),
    errno.EEXIST: QT_TRANSLATE_NOOP("OsError", "The file exists already"),
}


def os_error_text(exc: OSError) -> str:
    """Why a file operation failed, in the agent's language when it is a common reason."""
    known = OS_ERRORS.get(exc.errno or 0)
    if known is not None:
        return QCoreApplication.translate("OsError", known)
    return exc.strerror or str(exc)
