"""Small widget helpers shared by the panels."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

LABEL_TIP = ("The character the drawing shows: any text up to 32 characters. Enter adds the "
             "drawing as a sample.")
LABEL_MAX_LENGTH = 32
PROBLEM_BORDER = "border: 1px solid #d93025;"


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


class LabelField(QLineEdit):
    """The label of the next sample. Esc leaves the field (signal ``left``) instead of reaching
    the window's Esc shortcut (Clear), and Ctrl+Z with no typing to undo undoes a stroke.

    ``flag(problem)`` marks the text as refused until it is edited.
    """

    left = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("Label, e.g. a")
        self.setMaxLength(LABEL_MAX_LENGTH)
        self.setClearButtonEnabled(True)
        self.flag("")
        self.textChanged.connect(lambda: self.flag(""))

    def flag(self, problem: str) -> None:
        self.setStyleSheet(PROBLEM_BORDER if problem else "")
        self.setToolTip(plain_tip(problem) if problem else LABEL_TIP)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                event.accept()  # a key press for the field, not the window's shortcut
                return True
            if event.matches(QKeySequence.StandardKey.Undo) and not self.isUndoAvailable():
                event.ignore()  # nothing typed to undo: the window's Undo gets it
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.left.emit()
            return
        super().keyPressEvent(event)
