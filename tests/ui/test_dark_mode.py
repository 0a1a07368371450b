"""The desk in a dark desktop theme: every visible text stays readable against what is behind it.

Each visible label and button is rendered; the background is the colour most of its pixels have,
the text the pixel that differs most from it in luminance. The WCAG contrast ratio between the two
must be at least 3:1 (WCAG's minimum for UI text; antialiasing keeps the measured text pixel
slightly below the nominal colour, so 4.5:1 nominal shows as a little less).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from tests.helpers.backend import Backend
from tests.helpers.desk import close_desk, open_desk
from workstation.domain.models import Presence
from workstation.ui import theme

pytestmark = pytest.mark.gui

MIN_CONTRAST = 3.0


def dark_palette() -> QPalette:
    """What a dark Windows or GNOME theme hands Qt."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202020",
        QPalette.ColorRole.WindowText: "#ffffff",
        QPalette.ColorRole.Base: "#1c1c1c",
        QPalette.ColorRole.AlternateBase: "#2b2b2b",
        QPalette.ColorRole.Text: "#ffffff",
        QPalette.ColorRole.Button: "#2d2d2d",
        QPalette.ColorRole.ButtonText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2b2b2b",
        QPalette.ColorRole.ToolTipText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#a0a0a0",
        QPalette.ColorRole.Highlight: "#0078d4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6cb4ff",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    return p


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def measured_contrast(widget: QWidget) -> float:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    counts: Counter[int] = Counter()
    for y in range(0, image.height(), 1):
        for x in range(0, image.width(), 1):
            counts[image.pixel(x, y)] += 1
    background = QColor.fromRgb(counts.most_common(1)[0][0])
    return max(contrast(background, QColor.fromRgb(rgb)) for rgb in counts)


def texts(root: QWidget) -> Iterator[QWidget]:
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.width() < 8 or widget.height() < 8:
            continue
        if (isinstance(widget, QLabel) and widget.text().strip() and widget.pixmap().isNull()) or (
            isinstance(widget, QAbstractButton) and widget.text().strip() and widget.isEnabled()
        ):
            yield widget


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[None]:
    before = qapp.palette()
    qapp.setPalette(dark_palette())
    try:
        assert theme.is_dark()
        yield
    finally:
        qapp.setPalette(before)


def test_light_accents_become_dark_backgrounds_and_dark_text_light() -> None:
    css = "#offerCard { background: #fff8e1; border: 1px solid #f0c36d; } QLabel { color: #1d1d1d; }"
    out = theme.adapt(css, dark=True)
    assert "#f0c36d" in out, "borders keep their colour"
    background = QColor(out.split("background: ")[1][:7])
    text = QColor(out.split("color: ")[1][:7])
    assert background.lightnessF() < 0.3 and text.lightnessF() > 0.7
    assert theme.adapt(css, dark=False) == css


def test_the_desk_is_readable_in_a_dark_theme(
    dark: None, aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk = open_desk(aloop, tmp_path / "desk", backend.url)
    try:
        window = desk.window
        window.resize(1280, 720)
        window.set_presence(Presence.AVAILABLE)
        desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
        backend.start_chat("c-1", "Wo ist mein Paket?", topic="delivery")
        desk.wait_until(lambda: window.offer_cards)
        backend.start_chat("c-2", "Hallo", topic="billing")
        desk.wait_until(lambda: len(window.offer_cards) == 2)
        card = next(iter(window.offer_cards.values()))
        card.accept_button.click()
        desk.wait_until(lambda: window.views)
        view = next(iter(window.views.values()))
        desk.wait_until(lambda: view.relevance_panel.ranking is not None)
        desk.wait_until(lambda: "Gold" in view.customer_header.facts_label.text())
        QApplication.processEvents()
        poor = []
        checked = 0
        for widget in texts(window):
            checked += 1
            ratio = measured_contrast(widget)
            if ratio < MIN_CONTRAST:
                text = widget.text()[:60]
                poor.append(f"{type(widget).__name__}({widget.objectName() or '?'}) {text!r}: {ratio:.2f}")
        assert checked >= 10
        assert poor == [], "\n".join(poor)
    finally:
        close_desk(desk)


def test_channel_icons_are_painted_for_high_dpi_screens(qapp: QApplication) -> None:
    from workstation.ui.icons import channel_icon

    icon = channel_icon("chat", 28)
    sharp = icon.pixmap(QSize(28, 28), 2.0)
    assert sharp.devicePixelRatio() == 2.0
    assert (sharp.width(), sharp.height()) == (56, 56)
