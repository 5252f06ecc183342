"""Small widget helpers shared by the panels."""

from __future__ import annotations

import html

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that never interprets its text as rich text (labels and file names are shown)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """"1 sample", "3 samples"; ``nouns`` for an irregular plural ("classes")."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` literally (Qt would render text that looks like HTML)."""
    return f"<p style='white-space:pre'>{html.escape(text)}</p>"


def menu_text(text: str) -> str:
    """``text`` for a menu item, its ampersands kept rather than taken as shortcut marks."""
    return text.replace("&", "&&")


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    """A small bold section title."""
    label = plain_label(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def scaled_font(widget: QWidget, factor: float, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


class SquareColumn(QWidget):
    """A header, a square and a footer stacked in a column as wide as the square.

    The square takes the largest side that fits; the column is centred horizontally and starts
    at the top (in line with the panels beside it), so the footer (e.g. a label field) stays
    right under the square at any size.
    """

    SPACING = 6

    def __init__(self, header: QWidget, square: QWidget, footer: QWidget,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.header, self.square, self.footer = header, square, footer
        for widget in (header, square, footer):
            widget.setParent(self)
        self.setMinimumSize(square.minimumWidth(), self._fixed_height() + square.minimumHeight())

    def _fixed_height(self) -> int:
        return (self.header.sizeHint().height() + self.footer.sizeHint().height()
                + 2 * self.SPACING)

    def sizeHint(self) -> QSize:
        side = self.square.sizeHint().width()
        return QSize(side, side + self._fixed_height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        side = max(1, min(self.width(), self.height() - self._fixed_height()))
        left = (self.width() - side) // 2
        top = 0
        for widget, height in ((self.header, self.header.sizeHint().height()),
                               (self.square, side),
                               (self.footer, self.footer.sizeHint().height())):
            widget.setGeometry(QRect(left, top, side, height))
            top += height + self.SPACING
