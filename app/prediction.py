"""The prediction panel: the best label large, the top five with bars, what the network sees."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
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
from .text import percent
from .widgets import ElidedLabel, FittedLabel, heading, plain_label

PANEL_WIDTH = 220  # the least; in a wide window the panel grows up to PANEL_MAX_WIDTH
PANEL_MAX_WIDTH = 420
GLYPH_SCALE = 5.0  # the best label's font, times the normal size, when it fits
LINE_SCALE = 2.2  # a line of text read from an image
SEEN_SIDE = 112  # pixels of the enlarged network input
UNSURE_COLOUR = "#b26a00"
GREY = "color: palette(mid);"
BAR_MAX = 1000
NOT_KNOWN = "Not one of this model's labels"
NEVER_REJECT = "never reject"
SENSITIVITY_TIP = ("How much a drawing must look like the model's samples of a label to be "
                   "taken for it, from 0 (never reject) to 1. Calibrated when the model was "
                   "trained; saved with the model.")


class PredictionPanel(QWidget):
    """Shows a :class:`~model.recognition.Recognition`, or a message when there is none.

    Signals: sensitivityChanged(float), when the user sets the model's reject threshold.
    """

    sensitivityChanged = Signal(float)

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
        layout.addLayout(self._sensitivity_row())
        self.setMinimumWidth(PANEL_WIDTH)
        self.setMaximumWidth(PANEL_MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _sensitivity_row(self) -> QHBoxLayout:
        self.sensitivity = QDoubleSpinBox()
        self.sensitivity.setRange(0, 1)
        self.sensitivity.setDecimals(3)
        self.sensitivity.setSingleStep(0.01)
        self.sensitivity.setSpecialValueText(NEVER_REJECT)
        self.sensitivity.setToolTip(SENSITIVITY_TIP)
        self.sensitivity.setEnabled(False)
        self.sensitivity.valueChanged.connect(self._sensitivity_edited)
        label = plain_label("Reject below")
        label.setBuddy(self.sensitivity)
        label.setToolTip(SENSITIVITY_TIP)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.sensitivity, 1)
        self._setting_sensitivity = False
        return row

    def set_sensitivity(self, threshold: float | None) -> None:
        """Show the model's reject threshold; None (no model or no reject option) disables."""
        self._setting_sensitivity = True
        self.sensitivity.setValue(threshold or 0.0)
        self.sensitivity.setEnabled(threshold is not None)
        self._setting_sensitivity = False

    def _sensitivity_edited(self, value: float) -> None:
        if not self._setting_sensitivity:
            self.sensitivityChanged.emit(value)

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

    def show_recognition(self, result: Recognition, drawn: bool = False) -> None:
        """The best label large; for several characters, the text read, with the whole image
        as one character below it (the top 5 and the network's view are of that). ``drawn``:
        the image is only strokes on a blank canvas (see :class:`SeenView`)."""
        line = result.reading is not None
        closest = not line and not result.known  # only the closest labels: none is it
        if line or closest:
            self.best.set_fitted_text(result.reading if line else NOT_KNOWN, LINE_SCALE)
        else:
            self.best.set_fitted_text(result.label, GLYPH_SCALE)
        sure = percent(result.probability)
        if line:
            self.caption.setText("read as a line of text")
            self.caption.setStyleSheet("")
            self.best.setStyleSheet("")
        elif closest:
            self.best.setStyleSheet("")
            self.caption.setText(f"closest: {result.label}, {sure}")
            self.caption.setStyleSheet(GREY)
        elif result.unsure:
            self.caption.setText(f"Unsure: best guess, {sure}")
            self.caption.setStyleSheet(f"color: {UNSURE_COLOUR};")
            self.best.setStyleSheet("color: palette(mid);")
        else:
            self.caption.setText(f"{sure} sure")
            self.caption.setStyleSheet("")
            self.best.setStyleSheet("")
        # a line that is no character as a whole (what a "none of these" output says of words)
        closest_whole = line and not result.known
        self.reading.setText(("As one character: none of this model's labels" if closest_whole
                              else f"As one character: {result.label}, {sure}") if line else "")
        self.reading.setVisible(line)
        self.top_heading.setText("Closest as one character" if closest_whole else
                                 "Top 5 as one character" if line else
                                 "Closest labels" if closest else "Top 5")
        for i, (name, bar, value) in enumerate(self.rows):
            shown = i < len(result.top)
            for widget in (name, bar, value):
                widget.setVisible(shown)
                widget.setStyleSheet(GREY if closest or closest_whole else "")
            if shown:
                label, probability = result.top[i]
                name.setText(label)
                bar.setValue(round(probability * BAR_MAX))
                value.setText(percent(probability, 1))
        size = result.seen.shape[0]
        self.seen.setPixmap(ink_pixmap(result.seen, max(1, SEEN_SIDE // size)))
        self.seen_view.show_recognition(result, drawn)
        self._stack.setCurrentIndex(1)

    def showing_message(self) -> bool:
        return self._stack.currentIndex() == 0
