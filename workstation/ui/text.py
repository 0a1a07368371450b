"""Showing data as text, never as markup: Qt guesses rich text from a string (`Qt.AutoText`).

Anything a customer, a web page or another system can set (names, page titles, URLs, company
fields, notes, reasons from the backend) goes through here, so `<img src=file:///…>` shows as those
characters instead of loading an image or restyling the window.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

#: Widget property naming a widget whose text is data (names, messages, page titles), not
#: interface text: the language check (tests/ui/test_german.py) does not expect it translated.
DATA_PROPERTY = "showsData"
#: The same for one item of a combo box or list (a language named in itself: "Deutsch", "English").
DATA_ITEM_ROLE = Qt.ItemDataRole.UserRole + 90


def data_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label for data: plain text whatever the text looks like."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty(DATA_PROPERTY, True)
    label.setText(text)
    return label


def plain(label: QLabel) -> QLabel:
    """Make an existing label show its text literally; returns it for chaining."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty(DATA_PROPERTY, True)
    return label


def escape(value: object) -> str:
    """Data placed inside deliberate markup (a bold name, a link's text): escaped, quotes too."""
    return html.escape(str(value), quote=True)


def tooltip(text: str) -> str:
    """A tooltip that shows `text` literally, line breaks kept.

    Tooltips have no text format of their own: Qt applies `mightBeRichText` to every one. Always
    sending escaped rich text makes every tooltip render the same way, whatever its data contains.
    """
    if not text:
        return ""
    return '<p style="white-space:pre-wrap">' + escape(text) + "</p>"


def mnemonic_free(text: str) -> str:
    """Data as the text of a button or tab: `&` would otherwise underline the next letter and make
    it a keyboard shortcut (a customer named "A&B" shows as "AB" with Alt+B bound to it)."""
    return text.replace("&", "&&")


def plain_message_box(box: QMessageBox) -> QMessageBox:
    """A message box whose text and details show data literally."""
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box
