"""Help ▸ About: the versions IT support asks for, and the licences of the third-party parts.

Qt and PySide6 are used under the GNU LGPL v3: the notice below says so, where their source is,
and that the user may replace the Qt libraries (they are separate shared libraries, also in the
frozen build). The versions and licences of the Python packages are read from their installed
metadata, so the list says what is really installed.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workstation import __version__
from workstation.ui.text import data_label
from workstation.ui.theme import themed

#: (distribution, licence when its metadata does not say): what the application ships.
THIRD_PARTY = (
    ("PySide6-Essentials", "LGPL-3.0-only"),
    ("PySide6-Addons", "LGPL-3.0-only"),
    ("shiboken6", "LGPL-3.0-only"),
    ("qasync", "BSD-2-Clause"),
    ("httpx", "BSD-3-Clause"),
    ("websockets", "BSD-3-Clause"),
    ("SQLAlchemy", "MIT"),
    ("alembic", "MIT"),
    ("pydantic", "MIT"),
    ("keyring", "MIT"),
    ("platformdirs", "MIT"),
    ("truststore", "MIT"),
    ("fastapi", "MIT"),
    ("uvicorn", "BSD-3-Clause"),
    ("pyqtgraph", "MIT"),
    ("numpy", "BSD-3-Clause"),
    ("snowballstemmer", "BSD-3-Clause"),
    ("certifi", "MPL-2.0"),
)
#: Parts that are not Python distributions.
BUNDLED = (("rrweb (cobrowse replay, JavaScript)", "MIT"),)

QT_NOTICE = (
    "Qt {qt} and PySide6 {pyside} are used under the GNU Lesser General Public License version 3 "
    "(LGPL-3.0). Their source code is available from https://download.qt.io and "
    "https://code.qt.io. Qt is linked dynamically: you may replace the Qt libraries shipped with this "
    "application by your own modified versions. The licence text: https://www.gnu.org/licenses/lgpl-3.0.html"
)


def versions() -> list[tuple[str, str]]:
    return [
        ("Agent workstation", __version__),
        ("Python", sys.version.split()[0]),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        (platform.system() or "OS", platform.release()),
    ]


def licence_of(distribution: str, fallback: str) -> tuple[str, str]:
    """(version, licence) from the installed metadata; ("", fallback) when it is not installed."""
    try:
        meta = metadata.metadata(distribution)
    except metadata.PackageNotFoundError:
        return "", fallback
    licence = _field(meta, "License-Expression")
    if not licence:
        raw = _field(meta, "License")
        licence = raw if raw and len(raw) <= 40 and "\n" not in raw else fallback
    return _field(meta, "Version"), licence


def _field(meta: metadata.PackageMetadata, name: str) -> str:
    """A metadata field, "" when absent (the PackageMetadata protocol has no get())."""
    values = meta.get_all(name)
    return str(values[0]) if values else ""


def licences_text() -> str:
    lines = [QT_NOTICE.format(qt=qVersion(), pyside=pyside_version), ""]
    for name, fallback in THIRD_PARTY:
        version, licence = licence_of(name, fallback)
        if version:
            lines.append(f"{name} {version} — {licence}")
    lines += [f"{name} — {licence}" for name, licence in BUNDLED]
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About"))
        self.setMinimumSize(560, 420)
        title = QLabel(self.tr("Agent workstation {0}").format(__version__))
        title.setStyleSheet(themed("font-size: 14pt; font-weight: 600;"))
        self.versions_label = data_label("\n".join(f"{name}: {value}" for name, value in versions()))
        self.versions_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.versions_label.setAccessibleName(self.tr("Versions"))
        licences_title = QLabel(self.tr("Third-party software and licences"))
        self.licences = QPlainTextEdit(licences_text())
        self.licences.setReadOnly(True)
        self.licences.setAccessibleName(self.tr("Third-party software and licences"))
        self.licences.setProperty("showsData", True)  # names and licence ids, as published
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        about_qt = buttons.addButton(self.tr("About Qt"), QDialogButtonBox.ButtonRole.HelpRole)
        about_qt.clicked.connect(QApplication.aboutQt)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.versions_label)
        layout.addWidget(licences_title)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
