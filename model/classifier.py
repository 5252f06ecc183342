"""A trained character classifier: network + class labels + the preprocessing it expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from .preprocess import ImageLike, PreprocessConfig
from .progress import History
from .recognition import TOP_K, Recognition, recognize
from .reject import NEVER, RejectOption, check_threshold

# An input whose "none of these" output (see Classifier.background) takes at least this share
# of the probability is not one of the labels.
BACKGROUND_SHARE = 0.5


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Classifier:
    """Everything needed to turn an image into ranked labels; what a model file holds.

    Attributes
    ----------
    network : StaticNetwork or RecurrentNetwork
        Maps input vectors (batch, preprocess.n_inputs) to probabilities (batch, len(labels)).
    labels : list of str
        Class labels in output order; any Unicode, several characters allowed.
    preprocess : PreprocessConfig
        How images are turned into input vectors for this network.
    history : History
        Loss and accuracy per epoch over all training runs.
    training : dict
        Settings of the last training run (TrainingConfig fields, augmentation, data size).
    name : str
        Shown in the window title and by ``charrec info``.
    created : str
        ISO 8601 time the model was first made.
    reject : RejectOption, optional
        Decides whether an input is one of ``labels`` at all (calibrated when the model is
        trained); None, as in model files from before it existed, calls everything known.
    """

    network: Any
    labels: list[str]
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    history: History = field(default_factory=History)
    training: dict[str, Any] = field(default_factory=dict)
    name: str = "untitled"
    created: str = field(default_factory=now_iso)
    reject: RejectOption | None = None
    background: bool = False

    def __post_init__(self) -> None:
        if len(self.labels) + self.background != self.network.n_classes:
            extra = " and a background output" if self.background else ""
            raise ValueError(f"{len(self.labels)} labels{extra} for a network with "
                             f"{self.network.n_classes} outputs")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("class labels must be unique")
        if self.preprocess.n_inputs != self.network.n_inputs:
            raise ValueError(f"preprocessing makes {self.preprocess.n_inputs} inputs, the "
                             f"network takes {self.network.n_inputs}")

    def predict_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Probabilities (n, len(labels)) for preprocessed input vectors (n, n_inputs); with a
        :attr:`background` output, what is missing from a row's sum is its share."""
        probs = self.network(vectors)
        return probs[:, :len(self.labels)] if self.background else probs

    def known(self, vectors: np.ndarray, probs: np.ndarray,
              threshold: float | None = None) -> np.ndarray:
        """(n,) bool: whether each input (n, n_inputs), with probabilities ``probs``
        (n, n_classes), is one of the labels at ``threshold`` (default: the model's own)."""
        threshold = self.reject_threshold if threshold is None else check_threshold(threshold)
        known = np.ones(len(vectors), bool)
        if threshold == NEVER:
            return known
        if self.reject is not None:
            known &= self.reject.known(vectors, probs.argmax(axis=1), threshold)
        if self.background:
            known &= 1 - probs.sum(axis=1) < BACKGROUND_SHARE
        return known

    @property
    def reject_threshold(self) -> float:
        """The model's own reject threshold (0, never reject, without a reject option)."""
        return self.reject.threshold if self.reject is not None else NEVER

    def recognize(self, image: ImageLike, k: int = TOP_K, read_text: bool = True,
                  threshold: float | None = None) -> Recognition:
        """What this model makes of ``image``: see :func:`model.recognition.recognize`."""
        return recognize(self, image, k, read_text, threshold)

    def top(self, probs: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable (label, probability) pairs of ``probs`` (n_classes,)."""
        order = np.argsort(probs)[::-1][:k]
        return [(self.labels[i], float(probs[i])) for i in order]

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary: type, architecture, classes, input size, training summary."""
        history = self.history
        summary: dict[str, Any] = {
            "name": self.name,
            "type": self.network.kind,
            "architecture": self.network.config(),
            "summary": self.network.summary(),
            "layers": self.network.layer_stack(),
            "classes": list(self.labels),
            "n_classes": len(self.labels),
            "input_size": [self.preprocess.size, self.preprocess.size],
            "preprocess": self.preprocess.to_dict(),
            "created": self.created,
            "epochs_trained": len(history),
            "reject_threshold": self.reject_threshold,
            "background_output": self.background,
        }
        if len(history):
            summary["final_loss"] = history.loss[-1]
            summary["final_accuracy"] = history.accuracy[-1]
        if history.val_accuracy:
            summary["best_val_accuracy"] = max(history.val_accuracy)
        if self.training:
            summary["training"] = self.training
        return summary
