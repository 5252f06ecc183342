"""Training: epochs of shuffled mini-batches with progress, cancellation and validation.

:func:`train` is a plain function. It reports through a ``progress`` callback and checks a
:class:`CancelToken` between batches, so a command line prints a bar from it and the GUI wraps it
in a worker thread that turns the callbacks into signals.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .errors import TrainingError
from .optim import DEFAULT_LEARNING_RATES, OPTIMIZERS, SCHEDULES, learning_rate_at, make_optimizer
from .progress import CancelToken, History, Progress, TrainingResult
from .settings import require
from .validation import validation_share

EVAL_CHUNK = 2048
DEFAULT_OPTIMIZER = "adam"
MIN_STEPS = 1000  # optimisation steps a run with automatic epochs makes at least
MIN_EPOCHS = 60  # and epochs (bench/README.md: 30 read 0.35-0.9 points worse)
MAX_EPOCHS = 5000  # most automatic epochs (a handful of samples in tiny batches)
PLATEAU_STEPS = 300  # automatic early stopping: steps without improvement, as epochs
MIN_PATIENCE = 10  # but never fewer epochs than this
LOSS_TOLERANCE = (0.01, 1e-3)  # a better training loss is lower by this share, or this much


@dataclass
class TrainingConfig:
    """Hyperparameters of one training run; every default is a good first choice.

    Attributes
    ----------
    epochs : int, optional
        Passes over the samples; None (the default) decides from the data: enough for at least
        :data:`MIN_STEPS` optimisation steps and :data:`MIN_EPOCHS` epochs (see
        :func:`planned_epochs`). With augmentation every epoch shows new distortions, so a few
        dozen samples take hundreds of epochs and thousands take :data:`MIN_EPOCHS`.
    batch_size : int, default 64
    learning_rate : float, default ``DEFAULT_LEARNING_RATES["adam"]``
        Initial learning rate; :meth:`for_optimizer` gives each optimiser its own default.
    optimizer : {"adam", "sgd"}, default "adam"
    momentum : float, default 0.9
        SGD only.
    nesterov : bool, default True
        SGD only.
    weight_decay : float, default 0.0
        L2 penalty on weight matrices.
    schedule : {"constant", "step", "cosine"}, default "cosine"
    validation_split : float, optional
        Share of the samples held out to pick the best epoch and estimate accuracy; 0 trains
        on everything. None (the default) holds out :data:`model.validation.HOLD_OUT_SHARE`
        when that is at least :data:`model.validation.MIN_HELD_OUT` samples, else nothing.
    early_stopping : int, optional
        Stop after this many epochs in which neither the validation accuracy nor the training
        loss got better; 0 never stops early. None (the default) waits for the epochs of
        :data:`PLATEAU_STEPS` steps, at least :data:`MIN_PATIENCE`.
    max_seconds : float, default 600
        Stop after this much time (the best weights so far are kept); 0 means no limit.
    seed : int, default 0
        Seeds shuffling, the validation split and augmentation.
    """

    epochs: int | None = None
    batch_size: int = 64
    learning_rate: float = DEFAULT_LEARNING_RATES[DEFAULT_OPTIMIZER]
    optimizer: str = DEFAULT_OPTIMIZER
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 0.0
    schedule: str = "cosine"
    validation_split: float | None = None
    early_stopping: int | None = None
    max_seconds: float = 600.0
    seed: int = 0

    def validate(self) -> None:
        """Raise ValueError with a one-line message for an impossible setting."""
        checks = [
            (self.epochs is None or self.epochs >= 1,
             f"epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (math.isfinite(self.learning_rate) and self.learning_rate > 0,
             f"learning rate must be a positive number, got {self.learning_rate}"),
            (self.optimizer in OPTIMIZERS,
             f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (self.weight_decay >= 0, f"weight decay must be >= 0, got {self.weight_decay}"),
            (self.schedule in SCHEDULES,
             f"unknown schedule {self.schedule!r}; choose from {', '.join(SCHEDULES)}"),
            (self.validation_split is None or 0 <= self.validation_split < 1,
             f"validation share must be in [0, 1), got {self.validation_split}"),
            (self.early_stopping is None or self.early_stopping >= 0,
             f"early stopping patience must be >= 0, got {self.early_stopping}"),
            (math.isfinite(self.max_seconds) and self.max_seconds >= 0,
             f"the time limit must be a number of seconds >= 0, got {self.max_seconds}"),
        ]
        require(checks)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def one_hot(labels: np.ndarray, n_classes: int, dtype=np.float32) -> np.ndarray:
    """(n,) integer labels -> (n, n_classes) one-hot rows."""
    out = np.zeros((len(labels), n_classes), dtype=dtype)
    out[np.arange(len(labels)), labels] = 1
    return out


def split_validation(labels: np.ndarray, share: float, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of sample indices into (train, validation).

    Every class keeps at least one training sample; a class with one sample has none held out.
    """
    train_parts, val_parts = [], []
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n_val = min(round(len(idx) * share), len(idx) - 1)
        val_parts.append(idx[:n_val])
        train_parts.append(idx[n_val:])
    return np.sort(np.concatenate(train_parts)), np.sort(np.concatenate(val_parts))


def evaluate(network, x: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``network`` on ``x`` (n, n_inputs)."""
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), EVAL_CHUNK):
        probs = network(x[start:start + EVAL_CHUNK])
        y = labels[start:start + EVAL_CHUNK]
        picked = np.clip(probs[np.arange(len(y)), y], 1e-12, None)
        loss_sum += float(-np.log(picked).sum())
        correct += int((probs.argmax(axis=1) == y).sum())
    return loss_sum / len(x), correct / len(x)


def planned_epochs(config: TrainingConfig, batches: int) -> int:
    """Epochs a run makes at most: ``config.epochs``, or with None enough for
    :data:`MIN_STEPS` steps of ``batches`` batches each, between MIN_EPOCHS and MAX_EPOCHS."""
    if config.epochs is not None:
        return config.epochs
    return int(np.clip(math.ceil(MIN_STEPS / batches), MIN_EPOCHS, MAX_EPOCHS))


def patience(config: TrainingConfig, batches: int) -> int:
    """Epochs without improvement before stopping: ``config.early_stopping``, or with None the
    epochs of :data:`PLATEAU_STEPS` steps, at least :data:`MIN_PATIENCE`; 0 never stops."""
    if config.early_stopping is not None:
        return config.early_stopping
    return max(MIN_PATIENCE, math.ceil(PLATEAU_STEPS / batches))


def _snapshot(params: list[np.ndarray]) -> list[np.ndarray]:
    return [p.copy() for p in params]


def _restore(params: list[np.ndarray], saved: list[np.ndarray]) -> None:
    for p, s in zip(params, saved, strict=True):
        p[...] = s


@np.errstate(over="ignore", invalid="ignore")  # a diverging loss is reported, not warned about
def train(network, x: np.ndarray, labels: np.ndarray, config: TrainingConfig | None = None, *,
          x_val: np.ndarray | None = None, labels_val: np.ndarray | None = None,
          augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
          progress: Callable[[Progress], None] | None = None,
          cancel: CancelToken | None = None, history: History | None = None) -> TrainingResult:
    """Train ``network`` in place on mini-batches.

    Parameters
    ----------
    network : StaticNetwork or RecurrentNetwork
        Anything with ``loss_and_gradients``, ``parameters``, ``gradients``, ``after_update`` and
        ``__call__`` (probabilities).
    x : ndarray of shape (n, n_inputs)
        Input vectors (float32).
    labels : ndarray of shape (n,)
        Class indices in ``[0, network.n_classes)``.
    config : TrainingConfig, optional
    x_val, labels_val : ndarray, optional
        Explicit validation data; otherwise ``config.validation_split`` of ``x`` is held out.
    augment : callable, optional
        ``augment(batch, rng) -> batch`` applied to every training batch (n_batch, n_inputs).
    progress : callable, optional
        Called with a :class:`Progress` after every batch and at the end of every epoch.
    cancel : CancelToken, optional
        Checked between batches; a cancelled run restores the best weights so far.
    history : History, optional
        Appended to (continued training); a new one otherwise.

    Returns
    -------
    TrainingResult
        With validation, the weights of the best validation epoch are restored at the end.

    Raises
    ------
    TrainingError
        Fewer than two classes, shapes that do not fit the network, or a diverging loss (the
        weights are then restored to the best ones seen, or to the starting ones).
    """
    config = config or TrainingConfig()
    try:
        config.validate()
    except ValueError as exc:
        raise TrainingError(str(exc)) from None
    x = np.asarray(x, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    _check_data(network, x, labels)
    rng = np.random.default_rng(config.seed)

    validation_indices = None
    share = validation_share(len(x), config.validation_split)
    if x_val is None and share > 0:
        train_idx, validation_indices = split_validation(labels, share, rng)
        if len(validation_indices):
            x_val, labels_val = x[validation_indices], labels[validation_indices]
            x, labels = x[train_idx], labels[train_idx]
        else:
            validation_indices = None
    has_val = x_val is not None and len(x_val) > 0
    if has_val:
        x_val = np.asarray(x_val, dtype=np.float32)
        labels_val = np.asarray(labels_val, dtype=np.int64)
        _check_data(network, x_val, labels_val, need_two_classes=False)

    targets = one_hot(labels, network.n_classes, x.dtype)
    params, grads = network.parameters(), network.gradients()
    optimizer = make_optimizer(config.optimizer, params, config.learning_rate,
                               config.weight_decay, config.momentum, config.nesterov)
    history = history if history is not None else History()
    epochs_before = len(history)
    n, batch_size = len(x), min(config.batch_size, len(x))
    batches = math.ceil(n / batch_size)
    epochs, wait = planned_epochs(config, batches), patience(config, batches)
    best_score, best_epoch, best_params = -math.inf, None, _snapshot(params)
    best_loss, stale, stopped = math.inf, 0, "completed"
    start_time, seen = time.perf_counter(), 0

    for epoch in range(epochs):
        optimizer.learning_rate = learning_rate_at(config.learning_rate, config.schedule,
                                                   epoch, epochs)
        epoch_start, order = time.perf_counter(), rng.permutation(n)
        loss_sum = correct = count = 0
        for b in range(batches):
            if cancel is not None and cancel.cancelled:
                stopped = "cancelled"
                break
            idx = order[b * batch_size:(b + 1) * batch_size]
            xb = x[idx]
            if augment is not None:
                xb = augment(xb, rng)
            try:
                loss, probs = network.loss_and_gradients(xb, targets[idx])
            except TrainingError:  # e.g. a recurrent network that did not settle
                _restore(params, best_params)
                raise
            if not math.isfinite(loss):
                _restore(params, best_params)
                raise TrainingError(
                    f"training diverged in epoch {len(history) + 1} (the loss became {loss}); "
                    f"try a lower learning rate than {config.learning_rate:g}")
            optimizer.update_params(grads)
            network.after_update()
            loss_sum += loss * len(idx)
            correct += int((probs.argmax(axis=1) == labels[idx]).sum())
            count += len(idx)
            seen += len(idx)
            if progress is not None:
                progress(Progress(epoch=epoch + 1, epochs=epochs, batch=b + 1,
                                  batches=batches, loss=loss_sum / count,
                                  accuracy=correct / count,
                                  samples_per_second=seen / (time.perf_counter() - start_time)))
        if stopped == "cancelled":
            break
        extras = network.training_stats() if hasattr(network, "training_stats") else {}
        history.loss.append(loss_sum / count)
        history.accuracy.append(correct / count)
        history.seconds.append(time.perf_counter() - epoch_start)
        for key, value in extras.items():
            history.extras.setdefault(key, []).append(float(value))
        if has_val:
            val_loss, val_acc = evaluate(network, x_val, labels_val)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_acc)
            score = val_acc - 1e-6 * val_loss  # ties go to the lower validation loss
        else:
            score = -history.loss[-1]
        share, least = LOSS_TOLERANCE
        improved = history.loss[-1] < best_loss - max(share * best_loss, least)
        best_loss = min(best_loss, history.loss[-1])
        if score > best_score:
            best_score, best_epoch = score, len(history)
            best_params = _snapshot(params)
            improved = improved or has_val
        stale = 0 if improved else stale + 1
        if progress is not None:
            progress(Progress(epoch=epoch + 1, epochs=epochs, batch=batches,
                              batches=batches, loss=history.loss[-1],
                              accuracy=history.accuracy[-1],
                              samples_per_second=seen / (time.perf_counter() - start_time),
                              epoch_done=True,
                              val_loss=history.val_loss[-1] if has_val else None,
                              val_accuracy=history.val_accuracy[-1] if has_val else None,
                              extras=extras))
        if wait and stale >= wait:
            stopped = "early stopping"
            break
        if config.max_seconds and time.perf_counter() - start_time > config.max_seconds:
            stopped = "time limit"
            break

    if best_epoch is not None and (has_val or stopped == "cancelled"):
        _restore(params, best_params)
    seconds = time.perf_counter() - start_time
    return TrainingResult(history, len(history) - epochs_before, best_epoch, stopped, seconds,
                          seen / seconds if seconds > 0 else 0.0, validation_indices)


def _check_data(network, x: np.ndarray, labels: np.ndarray, need_two_classes: bool = True) -> None:
    if x.ndim != 2 or x.shape[1] != network.n_inputs:
        raise TrainingError(f"inputs have shape {x.shape}, the network expects "
                            f"(n, {network.n_inputs})")
    if len(labels) != len(x):
        raise TrainingError(f"{len(x)} inputs but {len(labels)} labels")
    if len(x) == 0:
        raise TrainingError("there are no samples to train on")
    if labels.min() < 0 or labels.max() >= network.n_classes:
        raise TrainingError(f"labels must lie in [0, {network.n_classes})")
    if need_two_classes and len(np.unique(labels)) < 2:
        raise TrainingError("training needs samples of at least two different labels")
    if not np.isfinite(x).all():
        raise TrainingError("the inputs contain NaN or infinite values")
