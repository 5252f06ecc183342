"""The prediction panel: the best label large, the top five with bars, what the network sees."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from model.recognition import TOP_K, Recognition

from .qtimages import ink_pixmap
from .seen_view import SeenView
from .widgets import ElidedLabel, FittedLabel, heading, plain_label

PANEL_WIDTH = 220  # the least; in a wide window the panel grows up to PANEL_MAX_WIDTH
PANEL_MAX_WIDTH = 420
GLYPH_SCALE = 5.0  # the best label's font, times the normal size, when it fits
LINE_SCALE = 2.2  # a line of text read from an image
SEEN_SIDE = 112  # pixels of the enlarged network input
UNSURE_COLOUR = "#b26a00"
BAR_MAX = 1000


class PredictionPanel(QWidget):
    """Shows a :class:`~model.recognition.Recognition`, or a message when there is none."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("predictionPanel")
        self._stack = QStackedWidget()
        self.message = plain_label()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("emptyMessage")
        self._stack.addWidget(self.message)
        self._stack.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(heading("Prediction"))
        layout.addWidget(self._stack, 1)
        self.setMinimumWidth(PANEL_WIDTH)
        self.setMaximumWidth(PANEL_MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _result_page(self) -> QWidget:
        page = QWidget()
        self.best = FittedLabel()
        self.best.setMinimumHeight(96)
        self.best.setObjectName("bestLabel")
        self.caption = plain_label()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reading = plain_label()
        self.reading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reading.setWordWrap(True)

        bars = QGridLayout()
        bars.setHorizontalSpacing(8)
        bars.setVerticalSpacing(4)
        bars.setColumnStretch(1, 1)
        self.rows: list[tuple[QLabel, QProgressBar, QLabel]] = []
        for i in range(TOP_K):
            name, value = ElidedLabel(), plain_label()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setMinimumWidth(44)
            bar = QProgressBar()
            bar.setRange(0, BAR_MAX)
            bar.setTextVisible(False)
            bar.setFixedHeight(10)
            for column, widget in enumerate((name, bar, value)):
                bars.addWidget(widget, i, column)
            self.rows.append((name, bar, value))

        self.seen = QLabel()
        self.seen.setFixedSize(SEEN_SIDE + 2, SEEN_SIDE + 2)
        self.seen.setFrameShape(QFrame.Shape.Box)
        self.seen.setToolTip("The drawing after preprocessing: cropped, scaled and centred "
                             "into the network's input grid")

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.best)
        layout.addWidget(self.caption)
        layout.addWidget(self.reading)
        layout.addSpacing(10)
        self.top_heading = heading("Top 5")
        layout.addWidget(self.top_heading)
        layout.addLayout(bars)
        layout.addSpacing(10)
        layout.addWidget(heading("What the network sees"))
        layout.addWidget(self.seen, 0, Qt.AlignmentFlag.AlignHCenter)
        self.seen_view = SeenView()
        layout.addWidget(self.seen_view)
        layout.addStretch(1)
        return page

    def show_message(self, text: str) -> None:
        """An empty state: no model, nothing drawn, or why nothing could be classified."""
        self.message.setText(text)
        self._stack.setCurrentIndex(0)

    def show_recognition(self, result: Recognition) -> None:
        """The best label large; for several characters, the text read, with the whole image
        as one character below it (the top 5 and the network's view are of that)."""
        line = result.reading is not None
        self.best.set_fitted_text(result.reading if line else result.label,
                                  LINE_SCALE if line else GLYPH_SCALE)
        percent = f"{result.probability:.0%}"
        if line:
            self.caption.setText("read as a line of text")
            self.caption.setStyleSheet("")
            self.best.setStyleSheet("")
        elif result.unsure:
            self.caption.setText(f"Unsure: best guess, {percent}")
            self.caption.setStyleSheet(f"color: {UNSURE_COLOUR};")
            self.best.setStyleSheet("color: palette(mid);")
        else:
            self.caption.setText(f"{percent} sure")
            self.caption.setStyleSheet("")
            self.best.setStyleSheet("")
        self.reading.setText(f"As one character: {result.label}, {percent}" if line else "")
        self.reading.setVisible(line)
        self.top_heading.setText("Top 5 as one character" if line else "Top 5")
        for i, (name, bar, value) in enumerate(self.rows):
            shown = i < len(result.top)
            for widget in (name, bar, value):
                widget.setVisible(shown)
            if shown:
                label, probability = result.top[i]
                name.setText(label)
                bar.setValue(round(probability * BAR_MAX))
                value.setText(f"{probability:.1%}")
        size = result.seen.shape[0]
        self.seen.setPixmap(ink_pixmap(result.seen, max(1, SEEN_SIDE // size)))
        self.seen_view.show_recognition(result)
        self._stack.setCurrentIndex(1)

    def showing_message(self) -> bool:
        return self._stack.currentIndex() == 0
