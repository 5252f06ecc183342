"""The Training panel: settings, Train/Continue/Cancel, progress with ETA, chart and results."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from model.progress import History, Progress
from model.validation import accuracy_text

from .results import ConfusionView, MistakesView
from .text import TimeLeft, duration, plural
from .training_chart import TrainingChart
from .training_form import TrainingForm
from .widgets import ElidedLabel
from .worker import FinishedRun

PROGRESS_STEPS = 1000
IDLE = "Not training."
STOPPED = {"cancelled": "Cancelled", "early stopping": "Stopped when the loss stopped improving",
           "time limit": "Stopped at the time limit"}


class TrainingPanel(QWidget):
    """Signals: trainRequested(bool continue_from_current_model), cancelRequested(),
    message(str) (how a run ended, for the status bar)."""

    trainRequested = Signal(bool)
    cancelRequested = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = TrainingForm()
        self.train_button = QPushButton("Train new model")
        self.train_button.setToolTip("Train a new network with these settings on all samples")
        self.train_button.clicked.connect(lambda: self.trainRequested.emit(False))
        self.continue_button = QPushButton("Continue training")
        self.continue_button.setToolTip("Train the current model further on all samples; new "
                                        "labels get new output units. The model keeps its "
                                        "network: the network fields are for a new model")
        self.continue_button.clicked.connect(lambda: self.trainRequested.emit(True))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the current batch")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(12)
        # one line whatever the message, so that the results below it never move
        self.status = ElidedLabel(elide=Qt.TextElideMode.ElideRight)
        self.status.setText(IDLE)
        self.chart = TrainingChart()
        self.confusion = ConfusionView()
        self.mistakes = MistakesView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.chart, "Chart")
        self.tabs.addTab(self.confusion, "Confusion matrix")
        self.tabs.addTab(self.mistakes, "Misclassified")

        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.continue_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)

        self._running = False
        self._has_model = False
        self._started = 0.0
        self._epochs_before = 0
        self.form.validityChanged.connect(self._update_buttons)
        self._update_buttons()

    # --- state from the window ----------------------------------------------------------------

    def set_model(self, history: History | None) -> None:
        """A (different) model is current: show its training history, clear old results."""
        self._has_model = history is not None
        self.chart.show_history(history or History())
        self.confusion.clear()
        self.mistakes.set_mistakes([])
        self._set_mistake_count(None)
        self.status.setText(IDLE)  # the last run's status was about another model
        self.progress.setValue(0)
        self._update_buttons()

    def set_running(self, running: bool) -> None:
        self._running = running
        self._update_buttons()

    def start_run(self, history: History, epochs: int) -> None:
        """A run of ``epochs`` epochs starts on top of ``history`` (empty for a new model)."""
        self._started = time.monotonic()
        self._time_left = TimeLeft()
        self._epochs_before = len(history)
        self.chart.show_history(history, epochs)
        self.progress.setValue(0)
        self.status.setText("Preparing the samples…")
        self.tabs.setCurrentWidget(self.chart)

    def show_progress(self, progress: Progress) -> None:
        fraction = progress.fraction
        self.progress.setValue(round(fraction * PROGRESS_STEPS))
        left = self._time_left(time.monotonic(), fraction)
        self.status.setText(f"Epoch {progress.epoch} of {progress.epochs} · loss "
                            f"{progress.loss:.3f} · accuracy {progress.accuracy:.1%}"
                            + (f" · {left}" if left else ""))
        if progress.epoch_done:
            self.chart.add_epoch(self._epochs_before + progress.epoch, progress)

    def show_outcome(self, run: FinishedRun) -> None:
        """Results of a finished run (and whether its model became the current one)."""
        outcome, kept = run.outcome, run.kept
        result, evaluation = outcome.result, outcome.evaluation
        validation = (accuracy_text(evaluation.accuracy, evaluation.n) if evaluation
                      else accuracy_text(None, 0))
        verb = STOPPED.get(result.stopped, "Finished")
        # the whole run as the user waited for it: preparing the samples and calibrating too;
        # what became of the model before the figures, which a narrow panel cuts first
        self._say(f"{verb} after {plural(outcome.new_epochs, 'epoch')} in "
                  f"{duration(time.monotonic() - self._started)}."
                  + ("" if kept else " The previous model was kept.")
                  + f" Validation: {validation}.")
        if result.stopped != "cancelled":  # an early or timed stop is an end too
            self.progress.setValue(PROGRESS_STEPS)
        if kept:
            self.confusion.set_evaluation(outcome.evaluation)
            self.mistakes.set_evaluation(outcome.evaluation)
            self._set_mistake_count(len(self.mistakes.mistakes) if outcome.evaluation
                                    else None)

    def show_failure(self, message: str) -> None:
        self._say(f"Training failed: {message}")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    def _set_mistake_count(self, count: int | None) -> None:
        index = self.tabs.indexOf(self.mistakes)
        self.tabs.setTabText(index, "Misclassified" if count is None else
                             f"Misclassified ({count})")

    def _update_buttons(self) -> None:
        """Train needs every field valid; Continue, which keeps the model's network, only the
        training fields (and a model)."""
        self.train_button.setEnabled(self.form.is_valid() and not self._running)
        self.continue_button.setEnabled(self.form.is_valid(continuing=True) and self._has_model
                                        and not self._running)
        self.cancel_button.setEnabled(self._running)
        self.form.setEnabled(not self._running)
