"""Scoring a classifier on labelled images: accuracy, per-class accuracy, confusion, mistakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import TrainingError
from .preprocess import EmptyGlyphError, PreprocessConfig, preprocess_many

if TYPE_CHECKING:
    from .classifier import Classifier


@dataclass(frozen=True)
class Mistake:
    """A misclassified sample: its image, true label, and the label the model gave it."""

    image: Any
    truth: str
    predicted: str
    probability: float


@dataclass(frozen=True)
class Evaluation:
    """How a classifier did on labelled images.

    Attributes
    ----------
    accuracy : float
        Share of samples whose best label is right.
    n : int
        Number of samples.
    per_class : dict of str to float
        Accuracy of every label that has samples.
    confusion : ndarray of shape (n_classes, n_classes), int64
        Rows are true labels, columns predicted ones, in ``classes`` order.
    classes : list of str
        The model's labels, then the labels of samples it does not know.
    unknown_labels : list of str
        Labels of samples the model cannot output (counted as errors).
    known_rate : float
        Share of samples the model takes for one of its labels (see :mod:`model.reject`).
    known_right : float
        Share of samples taken for one of the labels and given the right one.
    mistakes : list of Mistake
        Every misclassified sample, in data order.
    """

    accuracy: float
    n: int
    per_class: dict[str, float]
    confusion: np.ndarray
    classes: list[str]
    unknown_labels: list[str]
    known_rate: float
    known_right: float
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def counts(self) -> np.ndarray:
        """Samples per class (n_classes,), in ``classes`` order."""
        return self.confusion.sum(axis=1)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-able data (mistakes left out)."""
        return {"accuracy": self.accuracy, "n": self.n, "per_class": self.per_class,
                "confusion": self.confusion.tolist(), "classes": self.classes,
                "unknown_labels": self.unknown_labels, "known_rate": self.known_rate,
                "known_right": self.known_right}


def evaluate_classifier(classifier: Classifier, images, labels: Sequence[str],
                        threshold: float | None = None) -> Evaluation:
    """Score ``classifier`` on labelled images, predicting each image once.

    ``threshold`` is the reject threshold for ``known_rate`` (None: the model's own).

    Samples whose label the model does not know count as errors (the model cannot output them);
    those labels are listed in ``unknown_labels`` and appended to ``classes``.

    Raises
    ------
    TrainingError
        No samples, as many images as labels missing, or a blank image.
    """
    labels = [str(label) for label in labels]
    if not labels:
        raise TrainingError("there are no samples to evaluate")
    if len(images) != len(labels):
        raise TrainingError(f"{len(images)} images but {len(labels)} labels")
    vectors = input_vectors(images, classifier.preprocess)
    probs = classifier.predict_vectors(vectors)
    predicted = probs.argmax(axis=1)
    known = classifier.known(vectors, probs, threshold)
    unknown = sorted(set(labels) - set(classifier.labels))
    classes = [*classifier.labels, *unknown]
    index = {label: i for i, label in enumerate(classes)}
    truth = np.array([index[label] for label in labels])
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    totals = confusion.sum(axis=1)
    mistakes = [Mistake(images[i], labels[i], classes[predicted[i]],
                        float(probs[i, predicted[i]]))
                for i in np.flatnonzero(predicted != truth)]
    return Evaluation(float(np.trace(confusion) / len(labels)), len(labels),
                      {label: float(confusion[i, i] / totals[i])
                       for i, label in enumerate(classes) if totals[i]},
                      confusion, classes, unknown, float(known.mean()),
                      float((known & (predicted == truth)).mean()), mistakes)


def input_vectors(images, config: PreprocessConfig) -> np.ndarray:
    """Network inputs (n, n_inputs) of labelled images; a blank one is a TrainingError."""
    try:
        return preprocess_many(images, config)
    except EmptyGlyphError as exc:
        raise TrainingError(f"cannot use a blank image ({exc})") from None
