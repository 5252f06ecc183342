"""Long work off the GUI thread: training, and reading image folders.

A thin QObject worker in a QThread runs :func:`model.fit.fit_and_validate` and turns its progress
callbacks into signals (at most :data:`REPORTS_PER_SECOND` a second, plus every end of epoch);
:class:`TrainingRunner` owns the thread and is what the window talks to. :class:`FolderReader`
reads an image folder the same way (progress, cancel), for the samples panel to add in one write.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from model.classifier import Classifier
from model.errors import TrainingError, first_line
from model.fit import FitOutcome, ModelSettings, fit_and_validate
from model.imagefolders import LoadedImages, ReadStopped, load_images
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


class _Throttle:
    """Whether a report may go out now: at most :data:`REPORTS_PER_SECOND` a second, and
    always when it ``must`` (an end of epoch, the last file), so that fast callbacks do not
    flood the GUI thread with signals."""

    def __init__(self) -> None:
        self._last = -math.inf  # the first report goes out

    def __call__(self, must: bool = False) -> bool:
        now = time.monotonic()
        if must or now - self._last >= 1 / REPORTS_PER_SECOND:
            self._last = now
            return True
        return False


def attempt(work: Callable[[], object], expected: type[Exception], what: str) -> object:
    """``work()``, or a line saying why it failed: the message of an ``expected`` error, or
    for anything else (then logged in full) that ``what`` stopped unexpectedly."""
    try:
        return work()
    except expected as exc:
        return first_line(exc)
    except Exception as exc:  # anything else still ends the work with a message
        log.exception("%s failed", what)
        return f"{what} stopped unexpectedly: {first_line(exc)}"


class _Worker(QObject):
    """What a :class:`_ThreadOwner` runs: its ``run`` slot in the thread, a ``cancel_token``
    the owner cancels, and throttled reports. A subclass declares its ``progressed`` signal
    (of its own arguments) and its ``done`` signal (its result, or a str saying why not)."""

    def __init__(self) -> None:
        super().__init__()
        self.cancel_token = CancelToken()
        self._may_report = _Throttle()


class TrainingWorker(_Worker):
    """Runs one job when its thread starts; reports through signals."""

    progressed = Signal(object)  # Progress
    done = Signal(object)  # FinishedRun, or a str saying why not

    def __init__(self, job: TrainingJob):
        super().__init__()
        self.job = job

    @Slot()
    def run(self) -> None:
        job = self.job
        self.done.emit(attempt(lambda: FinishedRun(job, fit_and_validate(
            job.images, job.labels, job.settings, job.config, init=job.init, name=job.name,
            progress=self._report, cancel=self.cancel_token)), TrainingError, "training"))

    def _report(self, progress: Progress) -> None:
        if self._may_report(progress.epoch_done):
            self.progressed.emit(progress)


class _ThreadOwner(QObject):
    """Runs one worker at a time in a QThread of its own; the worker's result is kept and
    delivered (:meth:`_deliver`) in the GUI thread once the thread has ended.

    The worker is a :class:`_Worker`; a subclass declares its own ``progressed`` signal, of
    the worker's arguments.

    Signals: runningChanged(bool); is_running() is False from the moment it says False.
    """

    runningChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._result: object = None

    def is_running(self) -> bool:
        return self._thread is not None

    def cancel(self) -> None:
        """Ask the work in progress to stop (training before its next batch, a read before
        its next file): the worker's ``cancel_token`` is cancelled."""
        if self._worker is not None:
            self._worker.cancel_token.cancel()

    def _start(self, worker: _Worker) -> None:
        """Run ``worker.run`` in a new thread. The worker's ``progressed`` signal is forwarded
        as this owner's, and its ``done`` result is kept (``_keep_result``) until the thread
        has ended."""
        if self.is_running():
            raise RuntimeError(f"{type(self).__name__} is already at work")
        worker.progressed.connect(self.progressed)
        worker.done.connect(self._keep_result)
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(self._thread_done)
        self._thread, self._worker, self._result = thread, worker, None
        thread.start()
        self.runningChanged.emit(True)

    @Slot(object)
    def _keep_result(self, result: object) -> None:
        if self._thread is not None:  # else the work was stopped and its result is dropped
            self._result = result
            self._thread.quit()

    @Slot()
    def _thread_done(self) -> None:
        """The thread has ended: now tell the window."""
        if self._thread is None:
            return
        self._thread.wait()  # returns at once: the thread has finished
        self._thread.deleteLater()
        # The worker (owned by Python) is freed with its last reference, here in the GUI thread.
        worker, result = self._worker, self._result
        self._thread, self._worker, self._result = None, None, None
        self.runningChanged.emit(False)
        if result is not None:
            self._deliver(worker, result)

    def _deliver(self, worker: _Worker, result: object) -> None:
        raise NotImplementedError


class TrainingRunner(_ThreadOwner):
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

    def start(self, job: TrainingJob) -> None:
        self._start(TrainingWorker(job))

    def stop(self) -> None:
        """Cancel, wait for the thread to end and drop the result (when the window closes)."""
        thread = self._thread
        if thread is not None:
            self.cancel()
            thread.quit()
            thread.wait()
            self._result = None
            self._thread_done()

    def _deliver(self, worker: _Worker, result: object) -> None:
        if isinstance(result, FinishedRun):
            self.finished.emit(result)
        else:
            self.failed.emit(result)


class _ReadWorker(_Worker):
    """Reads one folder into working images when its thread starts; reports how many files
    it has read (throttled) and stops when its ``cancel_token`` is cancelled."""

    progressed = Signal(int, int)  # files read, files to read
    done = Signal(object)  # LoadedImages, ReadStopped, or a str saying why not

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    @Slot()
    def run(self) -> None:
        self.done.emit(attempt(self._read, SampleSetError, "reading the folder"))

    def _read(self) -> LoadedImages | ReadStopped:
        try:
            return load_images([self.folder], progress=self._report, cancel=self.cancel_token)
        except ReadStopped as stop:
            return stop

    def _report(self, done: int, total: int) -> None:
        if self._may_report(done == total):
            self.progressed.emit(done, total)


class FolderReader(_ThreadOwner):
    """Reads image folders in a background thread, one at a time.

    Signals
    -------
    progressed(int done, int total)
        Image files read so far and to read, at most :data:`REPORTS_PER_SECOND` a second
        and once all are read.
    finished(str folder, LoadedImages), failed(str folder, str message), stopped(str folder)
        Delivered in the GUI thread once the thread has ended; ``stopped`` after
        :meth:`cancel`, nothing read kept (also when the reading had ended, or failed, by
        then).
    runningChanged(bool)
    """

    progressed = Signal(int, int)
    finished = Signal(str, object)
    failed = Signal(str, str)
    stopped = Signal(str)

    def start(self, folder: str) -> None:
        self._start(_ReadWorker(folder))

    def finish(self) -> None:
        """Let a read in progress end and deliver its result now (when the window closes)."""
        if self._thread is not None:
            while self._result is None and self._thread.isRunning():
                self._thread.wait(10)
                QCoreApplication.sendPostedEvents(self)  # the worker's queued result
            self._thread.quit()
            self._thread_done()

    def _deliver(self, worker: _Worker, result: object) -> None:
        if worker.cancel_token.cancelled:  # a stop asked for is a stop, even when too late
            self.stopped.emit(worker.folder)
        elif isinstance(result, str):
            self.failed.emit(worker.folder, result)
        else:
            self.finished.emit(worker.folder, result)
