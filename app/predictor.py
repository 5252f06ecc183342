"""Live classification of the canvas, throttled with a timer so drawing never stutters."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from model.classifier import Classifier
from model.preprocess import EmptyGlyphError

from .canvas import Canvas
from .prediction import PredictionPanel

DELAY_MS = 80
NO_MODEL = ("No model loaded.\n\nAdd samples of at least two different characters and train "
            "one in the Training panel, or open a model (File ▸ Open model…).")
BLANK = "Draw a character on the canvas, or open, drop or paste an image of one."
TOO_LITTLE = "Too little ink to classify: draw a bit more."


class LivePredictor(QObject):
    """Classifies what the canvas shows at most every DELAY_MS while it changes.

    Signals: thresholdChanged(), when the panel's sensitivity changed the model's reject
    threshold (the model then differs from its file).
    """

    thresholdChanged = Signal()

    def __init__(self, canvas: Canvas, panel: PredictionPanel, parent: QObject | None = None):
        super().__init__(parent)
        self.canvas, self.panel = canvas, panel
        self.classifier: Classifier | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.update_now)
        canvas.changed.connect(self.schedule)
        panel.sensitivityChanged.connect(self._set_threshold)

    def set_classifier(self, classifier: Classifier | None) -> None:
        self.classifier = classifier
        reject = classifier.reject if classifier is not None else None
        self.panel.set_sensitivity(reject.threshold if reject is not None else None)
        self.update_now()

    def _set_threshold(self, threshold: float) -> None:
        if self.classifier is None or self.classifier.reject is None:
            return
        self.classifier.reject.threshold = threshold
        self.thresholdChanged.emit()
        self.update_now()

    def schedule(self) -> None:
        """Classify soon; a running countdown is not restarted, so updates flow while drawing."""
        if not self._timer.isActive():
            self._timer.start()

    def update_now(self) -> None:
        self._timer.stop()
        image = self.canvas.image()
        if self.classifier is None:
            self.panel.show_message(NO_MODEL)
        elif image is None:
            self.panel.show_message(BLANK)
        else:
            try:
                self.panel.show_recognition(self.classifier.recognize(image),
                                            drawn=self.canvas.drawing.background is None)
            except EmptyGlyphError:
                self.panel.show_message(TOO_LITTLE)
