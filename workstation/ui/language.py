"""The user interface language: the locale (dates, numbers, money) and the translations.

The application's texts are marked with tr() / QT_TRANSLATE_NOOP and extracted by
`pyside6-lupdate` into `workstation/resources/translations/workstation_<lang>.ts`; the compiled
`.qm` catalogues are committed beside them (so `pip install -e .` and the frozen build need no Qt
tool at build time; `tests/ui/test_german.py` checks they match the `.ts`). Qt's own standard texts
(dialog buttons, context menus) come from Qt's `qtbase` catalogue.

"system" means German when the desktop's locale is German, English otherwise (the only two
catalogues so far).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from importlib import resources

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLibraryInfo, QLocale, QTime, QTranslator

log = logging.getLogger(__name__)

#: Languages the application ships catalogues for; anything else falls back to English texts.
SUPPORTED = ("de", "en")
TRANSLATIONS_PACKAGE = "workstation.resources.translations"

_installed: list[QTranslator] = []
_buffers: dict[int, bytes] = {}


def resolve(language: str, system: QLocale | None = None) -> QLocale:
    """The locale for a configured language ("system", "de", "en_GB", …)."""
    if language == "system":
        system = system or QLocale.system()
        return QLocale(QLocale.Language.German, system.territory()) if _is_german(system) else system
    return QLocale(language)


def _is_german(locale: QLocale) -> bool:
    return locale.language() == QLocale.Language.German


def catalogue_name(locale: QLocale) -> str:
    """The application catalogue for a locale: German for German, English for everything else."""
    return "de" if _is_german(locale) else "en"


def catalogue_bytes(name: str) -> bytes | None:
    try:
        return (resources.files(TRANSLATIONS_PACKAGE) / f"workstation_{name}.qm").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None


def apply_language(app: QCoreApplication, language: str) -> list[str]:
    """Set the locale (dates, numbers) and install the translations for `language`, replacing any
    installed before. Returns the catalogues installed; a missing one is no error (English stays)."""
    locale = resolve(language)
    QLocale.setDefault(locale)
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    installed: list[str] = []
    # The old catalogues' bytes stay: a translator Qt still deletes later may read them until then.
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_translator = QTranslator(app)
    if qt_translator.load(locale, "qtbase", "_", qt_dir):
        app.installTranslator(qt_translator)
        _installed.append(qt_translator)
        installed.append("qtbase")
    name = catalogue_name(locale)
    data = catalogue_bytes(name)
    own = QTranslator(app)
    # QTranslator.load(data) keeps pointing into the buffer: keep the bytes as long as the translator.
    if data is not None and own.load(data):
        app.installTranslator(own)
        _installed.append(own)
        _buffers[id(own)] = data
        installed.append(f"workstation_{name}")
    log.info("language %s (%s): translations %s", language, locale.name(), ", ".join(installed) or "none")
    return installed


def reset_language(app: QCoreApplication, locale: QLocale) -> None:
    """Remove the installed catalogues and restore `locale` as the default (tests switch back)."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(locale)


# --- dates, times, numbers and money in the agent's locale ------------------------------------------


def _qdatetime(value: datetime) -> QDateTime:
    local = value.astimezone()
    return QDateTime(
        QDate(local.year, local.month, local.day),
        QTime(local.hour, local.minute, local.second),
    )


def day_text(day: date) -> str:
    """'Mittwoch, 02.12.2026' / 'Wednesday, 02/12/2026': the weekday and the locale's short date."""
    locale = QLocale()
    qdate = QDate(day.year, day.month, day.day)
    return f"{locale.dayName(qdate.dayOfWeek())}, {locale.toString(qdate, QLocale.FormatType.ShortFormat)}"


def date_text(value: datetime | date) -> str:
    """The locale's short date ('02.12.26')."""
    day = value.astimezone().date() if isinstance(value, datetime) else value
    return QLocale().toString(QDate(day.year, day.month, day.day), QLocale.FormatType.ShortFormat)


def time_text(value: datetime, *, seconds: bool = False) -> str:
    """The local time of day, in the locale's way ('14:05', or '2:05 PM')."""
    fmt = QLocale().timeFormat(QLocale.FormatType.ShortFormat)
    if seconds and ":ss" not in fmt:
        fmt = fmt.replace("mm", "mm:ss")
    return QLocale().toString(_qdatetime(value).time(), fmt)


def datetime_text(value: datetime) -> str:
    """Short date and time ('02.12.26 14:05')."""
    return f"{date_text(value)} {time_text(value)}"


def number_text(value: float, decimals: int = 0) -> str:
    """'1.234,5' in German, '1,234.5' in English."""
    return QLocale().toString(float(value), "f", decimals)


def money_text(amount: float, symbol: str = "€", decimals: int = 2) -> str:
    """'1.234,50 €' in German, '€1,234.50' in English; `decimals=0` for round amounts ('2.000 €')."""
    return QLocale().toCurrencyString(float(amount), symbol, decimals)
