"""Icons: a painted coloured badge per channel, and the application icon (SVG package data)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

#: channel -> (badge letter, colour); channels from the event vocabulary plus conversation channels
CHANNELS: dict[str, tuple[str, str]] = {
    "web": ("W", "#1f77b4"),
    "app": ("A", "#9467bd"),
    "phone": ("P", "#2ca02c"),
    "chat": ("C", "#17becf"),
    "email": ("E", "#8c564b"),
    "branch": ("B", "#bcbd22"),
    "social": ("S", "#e377c2"),
    "device": ("D", "#7f7f7f"),
    "shop": ("$", "#ff7f0e"),
    "billing": ("€", "#d62728"),
    "logistics": ("L", "#6b6ecf"),
    "video": ("V", "#393b79"),
}


@cache
def channel_icon(channel: str, size: int = 20) -> QIcon:
    letter, colour = CHANNELS.get(channel, ("?", "#555555"))
    # Painted for each device pixel ratio a screen may have: sharp on HiDPI, not scaled up.
    icon = QIcon()
    for ratio in DEVICE_PIXEL_RATIOS:
        icon.addPixmap(_badge(letter, colour, size, ratio))
    return icon


#: 100 %, 150 %, 200 % and 300 % display scaling.
DEVICE_PIXEL_RATIOS = (1.0, 1.5, 2.0, 3.0)


def _badge(letter: str, colour: str, size: int, ratio: float = 1.0) -> QPixmap:
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.55))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return pixmap


APP_ICON = "icons/workstation.svg"


@cache
def app_icon() -> QIcon:
    """The application icon (package data, so the frozen build finds it the same way)."""
    svg = resources.files("workstation.resources").joinpath(APP_ICON).read_bytes()
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        QSvgRenderer(QByteArray(svg)).render(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon
