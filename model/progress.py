"""What a training run reports, records and listens to.

:class:`Progress` is what :func:`model.train.train` reports after every batch and epoch,
:class:`History` the per-epoch record a model keeps across runs, :class:`TrainingResult` what a
run did, and :class:`CancelToken` how another thread stops it (or a folder being read, see
:func:`model.imagefolders.load_images`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields

import numpy as np


@dataclass(kw_only=True)
class Progress:
    """One report from :func:`train`: after every batch, and with ``epoch_done`` after an epoch.

    ``epoch`` counts from 1 within this run of ``epochs``. ``loss`` and ``accuracy`` are running
    means over the epoch so far (on the training batches, augmented if augmentation is on).
    """

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float
    samples_per_second: float
    epoch_done: bool = False
    val_loss: float | None = None
    val_accuracy: float | None = None
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        """Share of the whole run that is done, in [0, 1]."""
        return ((self.epoch - 1) * self.batches + self.batch) / (self.epochs * self.batches)


@dataclass
class History:
    """Per-epoch record of a model's training, continued across runs."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    extras: dict[str, list[float]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.loss)

    def series(self) -> dict[str, list[float]]:
        """Every per-epoch series by name (extras included)."""
        base = {"loss": self.loss, "accuracy": self.accuracy, "val_loss": self.val_loss,
                "val_accuracy": self.val_accuracy, "seconds": self.seconds}
        return {**base, **self.extras}

    @classmethod
    def from_series(cls, series: dict[str, list[float]]) -> History:
        base = {f.name for f in fields(cls)} - {"extras"}
        history = cls(**{k: list(v) for k, v in series.items() if k in base})
        history.extras = {k: list(v) for k, v in series.items() if k not in base}
        return history


@dataclass
class TrainingResult:
    """What a finished (or cancelled) run did.

    ``epochs_run`` counts the epochs completed by this run; ``best_epoch`` is a 1-based index
    into ``history`` (which may hold earlier runs' epochs too), None if no epoch completed.
    """

    history: History
    epochs_run: int
    best_epoch: int | None
    stopped: str  # "completed", "cancelled", "early stopping" or "time limit"
    seconds: float
    samples_per_second: float
    validation_indices: np.ndarray | None = None


class CancelToken:
    """Thread-safe flag that :func:`model.train.train` checks between batches, and
    :func:`model.imagefolders.load_images` between files."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
