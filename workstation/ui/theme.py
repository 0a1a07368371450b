"""Colours that stay readable in a dark desktop theme.

The desk's accents (a yellow offer card, coloured chips, red and green status text) were chosen for
a light window. `themed()` rewrites a style sheet for the palette in use: in a dark palette a light
background becomes a dark one of the same hue, and dark text a light one, so contrast holds in
both. Everything else (borders, accents on icons) keeps its colour.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_DECLARATION = re.compile(r"(?P<prop>[a-z-]+)\s*:\s*(?P<value>[^;}]*)")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def is_dark() -> bool:
    app = QApplication.instance()
    palette = app.palette() if isinstance(app, QApplication) else QPalette()
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def _hsl(colour: QColor) -> tuple[float, float, float, float]:
    """getHslF() one component at a time: PySide6's stubs type getHslF() as a bare object."""
    return colour.hslHueF(), colour.hslSaturationF(), colour.lightnessF(), colour.alphaF()


def _background(colour: QColor) -> QColor:
    """A light background as a dark one of the same hue (dark ones stay)."""
    h, s, lightness, a = _hsl(colour)
    if lightness <= 0.5:
        return colour
    return QColor.fromHslF(max(h, 0.0), min(s, 0.45), 1.0 - lightness * 0.8, a)


def _foreground(colour: QColor) -> QColor:
    """Dark text as light text of the same hue (light ones stay)."""
    h, s, lightness, a = _hsl(colour)
    if lightness >= 0.6:
        return colour
    return QColor.fromHslF(max(h, 0.0), min(s, 0.7), max(0.72, 1.0 - lightness * 0.5), a)


def adapt(css: str, dark: bool) -> str:
    if not dark:
        return css

    def declaration(match: re.Match[str]) -> str:
        prop, value = match["prop"], match["value"]
        if prop in ("background", "background-color"):
            fix = _background
        elif prop == "color":
            fix = _foreground
        else:
            return match.group(0)
        return f"{prop}: " + _HEX.sub(lambda m: fix(QColor(m.group(0))).name(), value)

    return _DECLARATION.sub(declaration, css)


def themed(css: str) -> str:
    """`css` for the palette in use (see the module's doc)."""
    return adapt(css, is_dark())


def colour(light: str) -> QColor:
    """A background colour used in item models (day headers, story highlight)."""
    return _background(QColor(light)) if is_dark() else QColor(light)


def text_colour(dark_text: str) -> QColor:
    """A text colour used in item models (a failed message in red)."""
    return _foreground(QColor(dark_text)) if is_dark() else QColor(dark_text)
