"""Training off the GUI thread: a thin QObject worker in a QThread around model.fit.

The worker runs :func:`run_job` and turns its progress callbacks into signals (at most
:data:`REPORTS_PER_SECOND` a second, plus every end of epoch); :class:`TrainingRunner` owns the
thread and is what the window talks to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from model.classifier import Classifier
from model.fit import ModelSettings, evaluate_classifier, fit_classifier
from model.preprocess import preprocess_many
from model.train import CancelToken, Progress, TrainingConfig, TrainingError, TrainingResult

from .errors import first_line, log

REPORTS_PER_SECOND = 20


@dataclass
class TrainingJob:
    """Everything one training run needs; ``init`` is the model to continue from, if any;
    ``keep_best``: a cancelled run still yields its best weights so far."""

    images: np.ndarray
    labels: list[str]
    settings: ModelSettings
    config: TrainingConfig
    init: Classifier | None = None
    name: str = "untitled"
    keep_best: bool = True


@dataclass(frozen=True)
class Mistake:
    """A misclassified validation sample."""

    image: np.ndarray
    truth: str
    predicted: str
    probability: float


@dataclass
class TrainingOutcome:
    """The trained classifier and how it did on the held-out validation samples."""

    classifier: Classifier
    result: TrainingResult
    previous_epochs: int
    continued: bool = False
    keep_best: bool = True
    evaluation: dict[str, Any] | None = None
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def new_epochs(self) -> int:
        """Epochs this run completed (a continued model's history includes earlier runs)."""
        return len(self.result.history) - self.previous_epochs

    @property
    def kept(self) -> bool:
        """Whether the trained model replaces the current one (a cancelled run's only when
        it keeps its best weights and trained at least one epoch)."""
        if self.result.stopped != "cancelled":
            return True
        return self.keep_best and self.new_epochs > 0


def run_job(job: TrainingJob, progress: Callable[[Progress], None] | None = None,
            cancel: CancelToken | None = None) -> TrainingOutcome:
    """Train as ``job`` says, then evaluate on the validation samples (no Qt involved)."""
    classifier, result = fit_classifier(job.images, job.labels, job.settings, job.config,
                                        init=job.init, name=job.name, progress=progress,
                                        cancel=cancel)
    outcome = TrainingOutcome(classifier, result, len(job.init.history) if job.init else 0,
                              continued=job.init is not None, keep_best=job.keep_best)
    held_out = result.validation_indices
    if held_out is not None and len(held_out):
        images = job.images[held_out]
        labels = [job.labels[i] for i in held_out]
        outcome.evaluation = evaluate_classifier(classifier, images, labels)
        probs = classifier.predict_vectors(preprocess_many(images, classifier.preprocess))
        best = probs.argmax(axis=1)
        outcome.mistakes = [Mistake(images[i], labels[i], classifier.labels[best[i]],
                                    float(probs[i, best[i]]))
                            for i in range(len(labels)) if classifier.labels[best[i]] != labels[i]]
    return outcome


class TrainingWorker(QObject):
    """Runs one job when its thread starts; reports through signals."""

    progressed = Signal(object)  # Progress
    finished = Signal(object)  # TrainingOutcome
    failed = Signal(str)

    def __init__(self, job: TrainingJob):
        super().__init__()
        self.job = job
        self.cancel_token = CancelToken()
        self._last_report = 0.0

    @Slot()
    def run(self) -> None:
        try:
            outcome = run_job(self.job, self._report, self.cancel_token)
        except TrainingError as exc:
            self.failed.emit(first_line(exc))
        except Exception as exc:  # anything else still ends the run with a message
            log.exception("training failed")
            self.failed.emit(f"training stopped unexpectedly: {first_line(exc)}")
        else:
            self.finished.emit(outcome)

    def _report(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.epoch_done or now - self._last_report >= 1 / REPORTS_PER_SECOND:
            self._last_report = now
            self.progressed.emit(progress)


class TrainingRunner(QObject):
    """Starts training jobs in a background thread, one at a time.

    Signals
    -------
    progressed(Progress)
        Forwarded from the worker, delivered in the GUI thread.
    finished(TrainingOutcome), failed(str)
        The run ended and its thread with it.
    runningChanged(bool)
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._result: TrainingOutcome | str | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, job: TrainingJob) -> None:
        if self.is_running():
            raise RuntimeError("a training run is already going on")
        thread, worker = QThread(self), TrainingWorker(job)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self.progressed)
        worker.finished.connect(self._keep_result)
        worker.failed.connect(self._keep_result)
        thread.finished.connect(self._thread_done)
        self._thread, self._worker, self._result = thread, worker, None
        thread.start()
        self.runningChanged.emit(True)

    def cancel(self) -> None:
        """Ask the run to stop; it does so before its next batch."""
        if self._worker is not None:
            self._worker.cancel_token.cancel()

    def stop(self) -> None:
        """Cancel, wait for the thread to end and drop the result (when the window closes)."""
        thread = self._thread
        if thread is not None:
            self.cancel()
            thread.quit()
            thread.wait()
            self._thread_done()

    @Slot(object)
    def _keep_result(self, result: TrainingOutcome | str) -> None:
        if self._thread is not None:  # else stop() has ended the run and drops its result
            self._result = result
            self._thread.quit()

    @Slot()
    def _thread_done(self) -> None:
        """The thread has ended: now tell the window (is_running() is False from here on)."""
        if self._thread is None:
            return
        self._thread.wait()  # returns at once: the thread has finished
        self._thread.deleteLater()
        # The worker (owned by Python) is freed with its last reference, here in the GUI thread.
        result, self._thread, self._worker, self._result = self._result, None, None, None
        self.runningChanged.emit(False)
        if isinstance(result, TrainingOutcome):
            self.finished.emit(result)
        elif result is not None:
            self.failed.emit(result)
