"""Long work off the GUI thread: training, and reading image folders.

A thin QObject worker in a QThread runs :func:`model.fit.fit_and_validate` and turns its progress
callbacks into signals (at most :data:`REPORTS_PER_SECOND` a second, plus every end of epoch);
:class:`TrainingRunner` owns the thread and is what the window talks to. :class:`FolderReader`
reads an image folder the same way, for the samples panel to add in one write.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from model.classifier import Classifier
from model.errors import TrainingError, first_line
from model.fit import FitOutcome, ModelSettings, fit_and_validate
from model.imagefolders import load_images
from model.progress import CancelToken, Progress
from model.samples import SampleSetError
from model.train import TrainingConfig

from .errors import log

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
class FinishedRun:
    """A run that ended: the job as asked for and what fitting gave."""

    job: TrainingJob
    outcome: FitOutcome

    @property
    def kept(self) -> bool:
        """Whether the trained model replaces the current one (a cancelled run's only when
        the job keeps the best weights and at least one epoch was trained)."""
        if self.outcome.result.stopped != "cancelled":
            return True
        return self.job.keep_best and self.outcome.new_epochs > 0


class TrainingWorker(QObject):
    """Runs one job when its thread starts; reports through signals."""

    progressed = Signal(object)  # Progress
    finished = Signal(object)  # FinishedRun
    failed = Signal(str)

    def __init__(self, job: TrainingJob):
        super().__init__()
        self.job = job
        self.cancel_token = CancelToken()
        self._last_report = 0.0

    @Slot()
    def run(self) -> None:
        try:
            job = self.job
            outcome = fit_and_validate(job.images, job.labels, job.settings, job.config,
                                       init=job.init, name=job.name, progress=self._report,
                                       cancel=self.cancel_token)
        except TrainingError as exc:
            self.failed.emit(first_line(exc))
        except Exception as exc:  # anything else still ends the run with a message
            log.exception("training failed")
            self.failed.emit(f"training stopped unexpectedly: {first_line(exc)}")
        else:
            self.finished.emit(FinishedRun(self.job, outcome))

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
    finished(FinishedRun), failed(str)
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
        self._result: FinishedRun | str | None = None

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
    def _keep_result(self, result: FinishedRun | str) -> None:
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
        if isinstance(result, FinishedRun):
            self.finished.emit(result)
        elif result is not None:
            self.failed.emit(result)


class _ReadWorker(QObject):
    """Reads one folder into working images when its thread starts."""

    finished = Signal(object)  # LoadedImages
    failed = Signal(str)

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    @Slot()
    def run(self) -> None:
        try:
            loaded = load_images([self.folder])
        except SampleSetError as exc:
            self.failed.emit(first_line(exc))
        except Exception as exc:  # anything else still ends the read with a message
            log.exception("reading an image folder failed")
            self.failed.emit(f"reading the folder stopped unexpectedly: {first_line(exc)}")
        else:
            self.finished.emit(loaded)


class FolderReader(QObject):
    """Reads image folders in a background thread, one at a time.

    Signals
    -------
    finished(str folder, LoadedImages), failed(str folder, str message)
        Delivered in the GUI thread once the thread has ended.
    runningChanged(bool)
    """

    finished = Signal(str, object)
    failed = Signal(str, str)
    runningChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _ReadWorker | None = None
        self._result: tuple[Signal, object] | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, folder: str) -> None:
        if self.is_running():
            raise RuntimeError("a folder is already being read")
        thread, worker = QThread(self), _ReadWorker(folder)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(self._keep_loaded)
        worker.failed.connect(self._keep_failure)
        thread.finished.connect(self._thread_done)
        self._thread, self._worker, self._result = thread, worker, None
        thread.start()
        self.runningChanged.emit(True)

    def finish(self) -> None:
        """Let a read in progress end and deliver its result now (when the window closes)."""
        if self._thread is not None:
            while self._result is None and self._thread.isRunning():
                self._thread.wait(10)
                QCoreApplication.sendPostedEvents(self)  # the worker's queued result
            self._thread.quit()
            self._thread_done()

    @Slot(object)
    def _keep_loaded(self, loaded: object) -> None:
        self._keep(self.finished, loaded)

    @Slot(str)
    def _keep_failure(self, message: str) -> None:
        self._keep(self.failed, message)

    def _keep(self, signal: Signal, value: object) -> None:
        if self._thread is not None:
            self._result = (signal, value)
            self._thread.quit()

    @Slot()
    def _thread_done(self) -> None:
        if self._thread is None:
            return
        self._thread.wait()
        self._thread.deleteLater()
        folder, result = self._worker.folder, self._result
        self._thread, self._worker, self._result = None, None, None
        self.runningChanged.emit(False)
        if result is not None:
            signal, value = result
            signal.emit(folder, value)
