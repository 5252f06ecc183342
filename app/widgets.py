"""Small widget helpers shared by the panels."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QValidator,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from model.labels import MAX_LABEL_LENGTH

LABEL_TIP = (f"The character the drawing shows: any text up to {MAX_LABEL_LENGTH} characters. "
             "Enter adds the drawing as a sample.")
PROBLEM_BORDER = "border: 1px solid #d93025;"


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that never interprets its text as rich text (labels and file names are shown)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


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


def scaled_font(widget: QWidget | QFont, factor: float, bold: bool = False) -> QFont:
    font = QFont(widget if isinstance(widget, QFont) else widget.font())
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

    def side_for_height(self, height: int) -> int:
        """The square's side when the column is ``height`` tall (and wide enough)."""
        return max(self.square.minimumWidth(), height - self._fixed_height())

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


class _AtMost(QValidator):
    """Accepts text of at most ``n`` characters (code points: an emoji is one, as labels count
    it, where QLineEdit's own limit counts UTF-16 units and takes it for two)."""

    def __init__(self, n: int, parent: QObject | None = None):
        super().__init__(parent)
        self.n = n

    def validate(self, text: str, pos: int) -> QValidator.State:
        return (QValidator.State.Acceptable if len(text) <= self.n
                else QValidator.State.Invalid)


def paint_placeholder(view: QAbstractScrollArea, text: str) -> None:
    """Draw ``text`` greyed and centred in an empty ``view``'s viewport (from its paintEvent),
    saying what would be there and how to get it."""
    painter = QPainter(view.viewport())
    painter.setPen(view.palette().placeholderText().color())
    painter.drawText(view.viewport().rect().adjusted(24, 24, -24, -24),
                     Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)


def label_validator(parent: QObject) -> QValidator:
    """What a field for a sample label accepts: at most ``MAX_LABEL_LENGTH`` characters."""
    return _AtMost(MAX_LABEL_LENGTH, parent)


class LabelField(QLineEdit):
    """The label of the next sample. Esc leaves the field (signal ``left``), and Ctrl+Z with no
    typing to undo undoes a stroke.

    ``flag(problem)`` marks the text as refused until it is edited.
    """

    left = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("Label, e.g. a")
        self.setValidator(label_validator(self))
        self.setClearButtonEnabled(True)
        self.flag("")
        self.textChanged.connect(lambda: self.flag(""))

    def flag(self, problem: str) -> None:
        self.setStyleSheet(PROBLEM_BORDER if problem else "")
        self.setToolTip(plain_tip(problem) if problem else LABEL_TIP)

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Undo) and not self.isUndoAvailable()):
            event.ignore()  # nothing typed to undo: the window's Undo gets it
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.left.emit()
            return
        super().keyPressEvent(event)


class SquareBeside(QWidget):
    """A :class:`SquareColumn` and a panel side by side: the panel takes the width the square
    cannot use, between its minimum and maximum width; the square keeps the rest."""

    SPACING = 8

    def __init__(self, column: SquareColumn, panel: QWidget, max_width: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.column, self.panel, self.max_width = column, panel, max_width
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 4, 10)
        layout.setSpacing(self.SPACING)
        layout.addWidget(column, 1)
        layout.addWidget(line)
        layout.addWidget(panel, 1)
        self._line = line

    def resizeEvent(self, event: QResizeEvent) -> None:
        margins = self.layout().contentsMargins()
        height = self.height() - margins.top() - margins.bottom()
        width = self.width() - margins.left() - margins.right()
        spare = (width - self.column.side_for_height(height) - self._line.sizeHint().width()
                 - 2 * self.SPACING)
        self.panel.setMaximumWidth(max(self.panel.minimumWidth(), min(self.max_width, spare)))
        super().resizeEvent(event)


class FittedLabel(QLabel):
    """Large centred bold text that is never cut off.

    The font starts at ``scale`` times the normal size and shrinks until the longest word fits
    the width (again whenever the width changes); a word too long even at the normal size
    wraps between its characters.
    """

    SHRINK = 0.9
    BREAK = "\u200b"  # zero-width space: where a too-long word may wrap

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        # Takes the width it is given: a long word must not widen the panel past the window.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._base = QFont(self.font())
        self._text, self._scale = "", 1.0

    def fitted_text(self) -> str:
        """The text shown, without the marks that let long words wrap."""
        return self._text

    def set_fitted_text(self, text: str, scale: float) -> None:
        self._text, self._scale = text, scale
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = max(1, self.contentsRect().width())
        words = self._text.split() or [""]
        scale = self._scale
        while True:
            font = scaled_font(self._base, scale, bold=True)
            widest = max(QFontMetrics(font).horizontalAdvance(word) for word in words)
            if widest <= width or scale <= 1.0:
                break
            scale = max(1.0, scale * self.SHRINK)
        text = self._text
        if widest > width:
            metrics = QFontMetrics(font)
            text = " ".join(self.BREAK.join(word) if metrics.horizontalAdvance(word) > width
                            else word for word in words)
        if font != self.font():
            self.setFont(font)
        if text != self.text():
            self.setText(text)


class ElidedLabel(QLabel):
    """One line of plain text with "…" where it does not fit; the tooltip holds it all.

    By default the "…" is in the middle, so that long labels that start alike stay apart
    ("Longest l…el one", "Longest l…el two"); ``elide=Qt.TextElideMode.ElideRight`` cuts a
    message at its end, where it says least.
    """

    MAX_HINT = 120  # pixels a long text asks for; the bars beside it keep the rest

    def __init__(self, parent: QWidget | None = None,
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle):
        super().__init__(parent)
        self.elide = elide
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(plain_tip(text) if text else "")
        self.updateGeometry()

    def shown_text(self) -> str:
        """The text as drawn at the current width (elided or whole)."""
        return self.fontMetrics().elidedText(self.text(), self.elide,
                                             self.contentsRect().width())

    def sizeHint(self) -> QSize:
        width = min(self.fontMetrics().horizontalAdvance(self.text()) + 2, self.MAX_HINT)
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("Ww…"), super().sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft
                                                  | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())
