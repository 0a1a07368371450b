"""The user interface language: the locale (dates, numbers) and Qt's own translations.

The application's own texts are English only so far (they are marked with tr(), ready for
translations); Qt's standard texts (dialog buttons, context menus) follow the language.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)


def apply_language(app: QCoreApplication, language: str) -> list[str]:
    """Set the locale (dates, numbers) and install the translations found for `language`
    ("system": the desktop's). Returns the catalogs installed; a missing one is no error."""
    locale = QLocale.system() if language == "system" else QLocale(language)
    QLocale.setDefault(locale)
    installed: list[str] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(locale, "qtbase", "_", qt_dir):
        app.installTranslator(translator)
        installed.append("qtbase")
    log.info("language %s (%s): translations %s", language, locale.name(), ", ".join(installed) or "none")
    return installed
