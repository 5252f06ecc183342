"""The one training pipeline behind ``charrec train`` and the app's Train button.

:func:`fit_classifier` turns labelled images into a :class:`~model.classifier.Classifier`:
preprocessing, class list, a new network (or a copy of an existing model's to continue from),
augmentation and :func:`model.train.train`. :func:`fit_and_validate` also scores the result on
the held-out validation samples (:mod:`model.evaluation`), once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .augment import AugmentConfig, Augmenter
from .classifier import Classifier, now_iso
from .conv import pooled_shape
from .ensemble import member_layer
from .errors import TrainingError
from .evaluation import Evaluation, evaluate_classifier, input_vectors
from .network import ACTIVATIONS
from .networks import (
    DEFAULT_ACTIVATIONS,
    NETWORK_TYPES,
    check_network_size,
    network_from_config,
)
from .preprocess import PreprocessConfig
from .progress import CancelToken, History, Progress, TrainingResult
from .reject import RejectOption, build_reject_option
from .train import TrainingConfig, train
from .validation import MIN_HELD_OUT

MAX_HIDDEN = 8192
MAX_CONV_CHANNELS = 1024
# The default architecture (bench/README.md, "Default architecture": conv 32,64 + 128 reads
# handwritten digits better at every size but drawn symbols no better, at 5-7 times the training
# time, so static stays dense): conv blocks (output channels of each) by network type when none
# are given (the recurrent network is dense only), and the hidden widths after them.
DEFAULT_CONV: dict[str, tuple[int, ...]] = {"static": (), "recurrent": ()}
DEFAULT_HIDDEN: dict[str, tuple[int, ...]] = {"static": (128,), "recurrent": (512,)}
# Hidden widths of a static network without conv blocks when none are given.
DENSE_HIDDEN: tuple[int, ...] = (512, 256)
# When conv blocks pay, for the help texts of the command line and the training form.
CONV_ADVICE = ("Conv blocks 32,64 read handwriting 1.5-3 points better than a dense network "
               "(MNIST, 10 to 100 samples per label), drawn symbols no better, and train 5-7 "
               "times longer.")


@dataclass
class ModelSettings:
    """What kind of network to train and how its inputs are made; defaults give a good model.

    Attributes
    ----------
    network_type : {"static", "recurrent"}, default "static"
    hidden : tuple of int, optional
        Hidden layer widths of a static network; a recurrent network has one hidden layer, so
        it takes exactly one number. None picks the type's default (``DEFAULT_HIDDEN``; a static
        network without conv blocks: ``DENSE_HIDDEN``).
    activation : str, optional
        Hidden nonlinearity; None picks the type's default (``DEFAULT_ACTIVATIONS``: "relu"
        for both types; a recurrent network stays a contraction with any 1-Lipschitz function).
    conv : tuple of int, optional
        Static networks only: one block per number before the hidden layers — a 3×3 'same'
        convolution with that many output channels, the activation and a 2×2 max-pooling.
        None picks the type's default (``DEFAULT_CONV``) when ``hidden`` is None too, and no
        blocks when ``hidden`` is given (hidden sizes alone describe a dense network, as they
        always did); () is a dense network.
    max_iter : int, default 50
        Recurrent networks only: most relaxation steps to reach the fixed point.
    tol : float, default 1e-4
        Recurrent networks only: the relaxation stops when no unit changes by more.
    preprocess : PreprocessConfig
        How images become input vectors.
    augment : bool, default True
        Randomly distort the training batches (see ``augment_config``).
    augment_config : AugmentConfig
        Strength of the distortions.
    """

    network_type: str = "static"
    hidden: tuple[int, ...] | None = None
    activation: str | None = None
    conv: tuple[int, ...] | None = None
    max_iter: int = 50
    tol: float = 1e-4
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    augment: bool = True
    augment_config: AugmentConfig = field(default_factory=AugmentConfig)

    @property
    def hidden_activation(self) -> str:
        """``activation``, or the network type's default when it is None."""
        return self.activation or DEFAULT_ACTIVATIONS.get(self.network_type, "relu")

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        """``hidden``, or the network type's default widths when it is None."""
        if self.hidden is not None:
            return tuple(self.hidden)
        if self.network_type == "static" and not self.conv_blocks:
            return DENSE_HIDDEN
        return DEFAULT_HIDDEN.get(self.network_type, DEFAULT_HIDDEN["static"])

    @property
    def conv_blocks(self) -> tuple[int, ...]:
        """``conv``, or the network type's default blocks when it and ``hidden`` are None."""
        if self.conv is not None:
            return tuple(self.conv)
        if self.hidden is not None:
            return ()
        return DEFAULT_CONV.get(self.network_type, ())

    def validate(self) -> None:
        """Raise ValueError with a one-line message for an impossible setting."""
        if self.network_type not in NETWORK_TYPES:
            raise ValueError(f"unknown network type {self.network_type!r}; choose from "
                             f"{', '.join(NETWORK_TYPES)}")
        hidden = self.hidden_sizes
        if not all(isinstance(h, int | np.integer) and 1 <= h <= MAX_HIDDEN for h in hidden):
            raise ValueError(f"hidden layer sizes must be whole numbers from 1 to {MAX_HIDDEN}, "
                             f"got {list(hidden)}")
        if self.network_type == "recurrent" and len(hidden) != 1:
            raise ValueError("a recurrent network has exactly one hidden layer; give one size "
                             f"such as {DEFAULT_HIDDEN['recurrent'][0]}, got {list(hidden)}")
        conv = self.conv_blocks
        if not all(isinstance(c, int | np.integer) and 1 <= c <= MAX_CONV_CHANNELS
                   for c in conv):
            raise ValueError(f"conv channel counts must be whole numbers from 1 to "
                             f"{MAX_CONV_CHANNELS}, got {list(conv)}")
        if conv and self.network_type != "static":
            raise ValueError("conv blocks are for static networks; the recurrent network is "
                             "dense")
        if conv:
            side = self.preprocess.size
            pooled_shape((side, side), len(conv))
        if self.hidden_activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.hidden_activation!r}; choose from "
                             f"{', '.join(ACTIVATIONS)}")
        if self.max_iter < 1:
            raise ValueError(f"max iterations must be at least 1, got {self.max_iter}")
        if not (math.isfinite(self.tol) and self.tol > 0):
            raise ValueError(f"tolerance must be a positive number, got {self.tol}")
        check_network_size(self.size_config(self.preprocess.n_inputs, 2))

    def size_config(self, n_inputs: int, n_classes: int) -> dict[str, Any]:
        """The sizes of this network for :func:`model.networks.parameter_count`."""
        return {"type": self.network_type, "n_inputs": n_inputs,
                "hidden": list(self.hidden_sizes), "n_classes": n_classes}

    def build_network(self, n_inputs: int, n_classes: int, rng: np.random.Generator):
        """A new network of this type and size with random weights from ``rng``."""
        kind = NETWORK_TYPES[self.network_type]
        if self.network_type == "recurrent":
            return kind(n_inputs, self.hidden_sizes[0], n_classes, self.hidden_activation,
                        rng=rng, max_iter=self.max_iter, tol=self.tol)
        return kind(n_inputs, self.hidden_sizes, n_classes, self.hidden_activation, rng=rng,
                    conv=self.conv_blocks)


def fit_classifier(images, labels: Sequence[str], settings: ModelSettings,
                   config: TrainingConfig, *, init: Classifier | None = None,
                   name: str = "untitled", progress: Callable[[Progress], None] | None = None,
                   cancel: CancelToken | None = None, background: str | None = None
                   ) -> tuple[Classifier, TrainingResult]:
    """Train a classifier on labelled images.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or sequence of images
        Working images (uint8 64x64 from a sample set) or any images preprocessing accepts.
    labels : sequence of str
        One label per image.
    settings : ModelSettings
        Network and preprocessing; with ``init`` only the augmentation settings are used.
    config : TrainingConfig
    init : Classifier, optional
        Continue from this model: a copy of its network, preprocessing and history is trained
        (``init`` itself is never changed). Labels it lacks get new output units; labels it has
        and the data lacks stay classes.
    name : str, default "untitled"
    progress, cancel
        Passed on to :func:`model.train.train`.
    background : str, optional
        A label of ``labels`` that is no class but "none of these" (other characters,
        scribbles): its samples train an extra last output (:attr:`Classifier.background`) and
        make no prototypes. A model continued from one with that output keeps it.

    Returns
    -------
    classifier : Classifier
        Classes in sorted label order (after ``init``'s classes when continuing); ``training``
        records the settings and data of this run.
    result : TrainingResult

    Raises
    ------
    TrainingError
        No samples, fewer than two labels, a blank image, invalid settings, or divergence.
    """
    try:
        settings.validate()
        config.validate()
    except ValueError as exc:
        raise TrainingError(str(exc)) from None
    labels = [str(label) for label in labels]
    present = sorted(set(labels) - {background})
    if not labels:
        raise TrainingError("there are no samples to train on")
    if len(present) < 2:
        raise TrainingError("training needs samples of at least two different labels "
                            f"(only {present[0]!r} so far)")
    if len(images) != len(labels):
        raise TrainingError(f"{len(images)} images but {len(labels)} labels")
    preprocess_config = init.preprocess if init is not None else settings.preprocess
    x = input_vectors(images, preprocess_config)
    rng = np.random.default_rng(config.seed)
    if init is None:
        classes = present
        has_background = background is not None
        outputs = len(classes) + has_background
        try:
            check_network_size(settings.size_config(preprocess_config.n_inputs, outputs))
        except ValueError as exc:
            raise TrainingError(str(exc)) from None
        network = settings.build_network(preprocess_config.n_inputs, outputs, rng)
        history = History()
    else:
        classes = [*init.labels, *(label for label in present if label not in init.labels)]
        has_background = init.background or background is not None
        network = _copy_network(init.network, len(classes) + has_background, rng,
                                init.background)
        history = History.from_series(init.history.series())
    index = {label: i for i, label in enumerate(classes)}
    if background is not None:
        index[background] = len(classes)  # the background output comes last
    y = np.array([index[label] for label in labels], dtype=np.int64)
    augment = (Augmenter(settings.augment_config, preprocess_config.size)
               if settings.augment else None)
    result = train(network, x, y, config, augment=augment, progress=progress, cancel=cancel,
                   history=history)
    trained_on = np.ones(len(y), bool)
    if result.validation_indices is not None:
        trained_on[result.validation_indices] = False
    # Prototypes are distorted copies even when training is not: a few exact samples are too
    # narrow a memory of what a label looks like.
    distort = augment or Augmenter(settings.augment_config, preprocess_config.size)
    trained_on &= y < len(classes)  # background samples are no label's prototypes
    reject = _reject_option(x[trained_on], y[trained_on], len(classes), distort, rng, init)
    training = {
        "config": config.to_dict(),
        "augment": settings.augment_config.to_dict() if settings.augment else None,
        "n_samples": len(labels),
        "class_counts": dict(sorted(Counter(labels).items())),
        "continued_from": init.name if init is not None else None,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped": result.stopped,
        "seconds": round(result.seconds, 3),
        "finished": now_iso(),
        "reject_threshold": reject.threshold,
    }
    created = init.created if init is not None else now_iso()
    classifier = Classifier(network, classes, preprocess_config, history, training, name,
                            created, reject, has_background)
    return classifier, result


def _reject_option(x: np.ndarray, y: np.ndarray, n_classes: int, augment,
                   rng: np.random.Generator, init: Classifier | None) -> RejectOption:
    """The reject option calibrated on the training samples; a continued model keeps the
    prototypes of its labels that have no samples now, and for them the acceptance they had:
    the threshold is the lower of the new one, calibrated on the other labels only, and the
    model's own."""
    fresh = build_reject_option(x, y, n_classes, augment, rng)
    if init is None or init.reject is None:
        return fresh
    kept = ~np.isin(init.reject.prototype_labels, y)
    threshold = min(fresh.threshold, init.reject.threshold) if kept.any() else fresh.threshold
    return RejectOption(np.concatenate([fresh.prototypes, init.reject.prototypes[kept]]),
                        np.concatenate([fresh.prototype_labels,
                                        init.reject.prototype_labels[kept]]),
                        threshold)


def forgotten_labels(init: Classifier, labels: Sequence[str]) -> list[str]:
    """The labels of ``init`` that ``labels`` hold no sample of: training continued on these
    samples alone (all its layers, for the default number of epochs) unlearns them, as nothing
    shows the network what they look like any more."""
    present = {str(label) for label in labels}
    return [label for label in init.labels if label not in present]


def forgetting_note(forgotten: Sequence[str]) -> str:
    """What continuing to train without samples of the ``forgotten`` labels does, in a line."""
    shown = ", ".join(map(repr, forgotten[:12])) + (", …" if len(forgotten) > 12 else "")
    return (f"the samples hold none of the model's labels {shown}: training on the others "
            "alone makes the model forget them (add samples of every label to keep them)")


@dataclass
class FitOutcome:
    """A trained classifier, how its run went, and how it did on the held-out samples.

    ``evaluation`` is None when nothing was held out; ``previous_epochs`` counts the epochs of
    the model training continued from.
    """

    classifier: Classifier
    result: TrainingResult
    previous_epochs: int = 0
    evaluation: Evaluation | None = None

    @property
    def new_epochs(self) -> int:
        """Epochs this run completed (a continued model's history includes earlier runs)."""
        return len(self.result.history) - self.previous_epochs


def fit_and_validate(images, labels: Sequence[str], settings: ModelSettings,
                     config: TrainingConfig, *, init: Classifier | None = None,
                     name: str = "untitled", progress: Callable[[Progress], None] | None = None,
                     cancel: CancelToken | None = None) -> FitOutcome:
    """:func:`fit_classifier`, then the trained model scored on its held-out validation samples.

    Parameters are those of :func:`fit_classifier`; ``images`` must support indexing by an
    array of sample indices (an ndarray of working images does).
    """
    classifier, result = fit_classifier(images, labels, settings, config, init=init, name=name,
                                        progress=progress, cancel=cancel)
    outcome = FitOutcome(classifier, result, len(init.history) if init is not None else 0)
    held_out = result.validation_indices
    if held_out is not None and len(held_out):
        outcome.evaluation = evaluate_classifier(classifier, images[held_out],
                                                 [str(labels[i]) for i in held_out])
    if result.stopped != "cancelled":
        _check_better_than_chance(outcome, [str(label) for label in labels])
    return outcome


def _check_better_than_chance(outcome: FitOutcome, labels: list[str]) -> None:
    """Raise TrainingError when training diverged: the loss rose during the run and the model
    does no better than always giving the most common label (held-out accuracy if enough
    samples were held out to tell, ``MIN_HELD_OUT``, else training accuracy). A run that
    learns slowly is kept."""
    losses = outcome.classifier.history.loss[outcome.previous_epochs:]
    if len(losses) < 2 or not losses[-1] > losses[0]:
        return
    held_out = outcome.result.validation_indices
    if outcome.evaluation is not None and outcome.evaluation.n >= MIN_HELD_OUT:
        accuracy, measured, where = (outcome.evaluation.accuracy,
                                     [labels[i] for i in held_out], "held-out")
    else:
        accuracy, measured, where = outcome.classifier.history.accuracy[-1], labels, "training"
    label, count = Counter(measured).most_common(1)[0]
    chance = count / len(measured)
    if accuracy <= chance:
        raise TrainingError(f"training failed: the loss rose from {losses[0]:.4g} to "
                            f"{losses[-1]:.4g} and {accuracy:.1%} accuracy on the {where} "
                            f"samples is no better than always answering {label!r} "
                            f"({chance:.1%}); the model was not kept (a smaller learning rate "
                            "may help)")


def _copy_network(network, n_classes: int, rng: np.random.Generator, background: bool):
    """A copy of ``network`` with ``n_classes`` outputs: the known classes keep their weights,
    and a ``background`` output (the last) stays last.

    New output units start with fresh random weights from ``rng``.
    """
    copy = network_from_config({**network.config(), "n_classes": n_classes}, rng)
    new_weights = copy.named_weights()
    old_weights = network.named_weights()
    # the output layer (of every member of an ensemble): its arrays' last axis is the output unit
    output_layer = member_layer(list(old_weights)[-1])
    for layer, arrays in old_weights.items():
        for key, old in arrays.items():
            new = new_weights[layer][key]
            if background and member_layer(layer) == output_layer:
                new[..., :old.shape[-1] - 1] = old[..., :-1]
                new[..., -1] = old[..., -1]
            else:
                new[tuple(slice(0, n) for n in old.shape)] = old
    return copy
