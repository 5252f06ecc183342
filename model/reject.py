"""Telling "one of my labels" from "something else": a prototype memory with a calibrated threshold.

A network trained only on its labels answers every input with one of them, often very sure of
it: its largest probability hardly tells a drawing of a new symbol from one of its own (Hendrycks
and Gimpel, 2017). What does tell them apart is how much an input *looks like* the samples of
the label it was given. :class:`RejectOption` keeps a memory of prototypes per label, distorted
copies of the training samples (the same augmentation that training uses), and calls an input
*known* when its :func:`features` are close enough, in cosine similarity, to a prototype of the
label the network picked. Features are the preprocessed glyph blurred (a Gaussian of
:data:`BLUR_SIGMA` pixels) and pooled to half size, so a stroke a pixel away still matches.

The threshold is calibrated when the model is trained: the training samples are compared with
the prototypes made from the *other* samples (leave one out), and the threshold is where a
normal distribution fitted to those similarities keeps :data:`ACCEPT_SHARE` of them.
Similarities of non-negative vectors lie in [0, 1], so do thresholds: 0 never rejects. Measured
choices (prototype count, blur, accept share) and their figures are in bench/README.md.

References
----------
Hendrycks, D. and Gimpel, K. (2017). A baseline for detecting misclassified and
out-of-distribution examples in neural networks. ICLR.
Cover, T. and Hart, P. (1967). Nearest neighbor pattern classification. IEEE Transactions on
Information Theory 13(1), 21-27.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

REJECT_METHOD = "prototype-similarity-v1"  # what model files record; features below fix it
BLUR_SIGMA = 1.0  # pixels of the preprocessed glyph
PROTOTYPE_BUDGET = 8192  # prototypes a model keeps in all
PROTOTYPES_PER_CLASS = (64, 1024)  # fewest and most per label
ACCEPT_SHARE = 0.99  # share of held-out samples the threshold keeps, under a normal fit
CALIBRATION_SAMPLES = 2000  # most held-out copies calibration scores
NEVER = 0.0  # the threshold that never rejects; what model files without a reject option get
CHUNK = 1024


def check_threshold(value: float) -> float:
    """``value`` as a float if it is a threshold in [0, 1]; ValueError with one line if not."""
    value = float(value)
    if not 0 <= value <= 1:  # also false for NaN
        raise ValueError(f"the reject threshold must be a number from 0 to 1, got {value}")
    return value


def _gaussian_kernel(sigma: float) -> np.ndarray:
    offsets = np.arange(-math.ceil(2 * sigma), math.ceil(2 * sigma) + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return (kernel / kernel.sum()).astype(np.float32)


def feature_length(side: int) -> int:
    """Length of the :func:`features` of ``side`` x ``side`` glyphs."""
    return (side // 2) ** 2


@lru_cache(maxsize=8)
def _feature_map(side: int) -> np.ndarray:
    """(side * side, (side // 2) ** 2) float32: the Gaussian blur (zero outside the glyph) and
    the 2×2 mean pooling of raveled ``side`` x ``side`` glyphs, both linear, as one matrix."""
    kernel = _gaussian_kernel(BLUR_SIGMA).astype(np.float64)
    pad, half = len(kernel) // 2, side // 2
    blur = np.zeros((side, side))  # blurred row i = sum of kernel[t] * row i + t - pad
    for t, weight in enumerate(kernel):
        blur += weight * np.eye(side, k=t - pad)
    pool, rows = np.zeros((half, side)), np.arange(half)
    pool[rows, 2 * rows] = pool[rows, 2 * rows + 1] = 0.5
    one_axis = pool @ blur  # (half, side), the same down the columns and across the rows
    return np.kron(one_axis, one_axis).T.astype(np.float32)


def features(vectors: np.ndarray) -> np.ndarray:
    """What the reject option compares: unit-length blurred, half-size glyphs.

    Parameters
    ----------
    vectors : ndarray of shape (n, side * side)
        Preprocessed glyphs (ink = 1), side even.

    Returns
    -------
    ndarray of shape (n, (side // 2) ** 2), float32
        Rows of length 1 (all zeros for an empty glyph): each glyph blurred by a Gaussian of
        :data:`BLUR_SIGMA` pixels (zero outside it), then every 2×2 block averaged.
    """
    vectors = np.asarray(vectors, np.float32)
    flat = vectors @ _feature_map(math.isqrt(vectors.shape[1]))
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.maximum(norms, 1e-12)


def _by_label(prototype_labels: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """``prototype_labels`` and ``arrays`` (rows alike) reordered so the labels are sorted (as
    they are, and stay, in files written since)."""
    if np.all(prototype_labels[1:] >= prototype_labels[:-1]):
        return (prototype_labels, *arrays)
    order = np.argsort(prototype_labels, kind="stable")
    return tuple(array[order] for array in (prototype_labels, *arrays))


def _best_similarity(query: np.ndarray, prototypes: np.ndarray, prototype_labels: np.ndarray,
                     labels: np.ndarray, exclude: np.ndarray | None = None,
                     sources: np.ndarray | None = None) -> np.ndarray:
    """Largest cosine similarity of every query row to a prototype of its label (n,); 0 for a
    label without prototypes. ``prototype_labels`` (m,) must be sorted: each query is compared
    with its own label's slice of ``prototypes`` (m, d) only.

    With ``exclude`` (n,) and ``sources`` (m,), prototypes made from the query's own sample
    (``sources == exclude[i]``) do not count.
    """
    out = np.zeros(len(query), np.float32)
    for label in np.unique(labels):
        start, stop = np.searchsorted(prototype_labels, [label, label + 1])
        if start == stop:
            continue
        rows = np.flatnonzero(labels == label)
        for chunk in range(0, len(rows), CHUNK):
            block = rows[chunk:chunk + CHUNK]
            sims = query[block] @ prototypes[start:stop].T
            if exclude is not None:
                sims[sources[None, start:stop] == exclude[block, None]] = 0
            out[block] = sims.max(axis=1)
    return out


@dataclass
class RejectOption:
    """Decides whether inputs are one of a model's labels at all.

    Attributes
    ----------
    prototypes : ndarray of shape (m, d)
        Unit-length :func:`features` of distorted training samples, rounded to float16 (what
        files store) and kept as float32, sorted by label, so that comparing an input costs
        one small GEMM with its predicted label's prototypes.
    prototype_labels : ndarray of shape (m,), int
        The class index of every prototype (kept sorted).
    threshold : float
        Inputs less similar than this to every prototype of their predicted label are unknown;
        0 never rejects.
    """

    prototypes: np.ndarray
    prototype_labels: np.ndarray
    threshold: float

    def __post_init__(self) -> None:
        self.threshold = check_threshold(self.threshold)
        # float16 precision, as files store them, held as float32 for the GEMM
        prototypes = np.asarray(self.prototypes, np.float16).astype(np.float32)
        if len(prototypes) != len(self.prototype_labels):
            raise ValueError(f"{len(prototypes)} prototypes but "
                             f"{len(self.prototype_labels)} prototype labels")
        self.prototype_labels, self.prototypes = _by_label(np.asarray(self.prototype_labels),
                                                           prototypes)

    def similarity(self, vectors: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """How much each preprocessed input (n, n_inputs) looks like its ``predicted`` class
        (n,) of indices: the largest cosine similarity to one of its prototypes, in [0, 1]."""
        return _best_similarity(features(vectors), self.prototypes, self.prototype_labels,
                                np.asarray(predicted))

    def known(self, vectors: np.ndarray, predicted: np.ndarray,
              threshold: float | None = None) -> np.ndarray:
        """(n,) bool: is each input one of the labels, at ``threshold`` (default the stored one)."""
        threshold = self.threshold if threshold is None else check_threshold(threshold)
        if threshold == NEVER:
            return np.ones(len(predicted), bool)
        return self.similarity(vectors, predicted) >= threshold


def _per_class(n_classes: int) -> int:
    low, high = PROTOTYPES_PER_CLASS
    return int(np.clip(PROTOTYPE_BUDGET // max(n_classes, 1), low, high))


def _copies(x: np.ndarray, labels: np.ndarray, n_classes: int,
            augment: Callable | None, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to the per-class share of distorted copies of the samples of every class:
    (features (m, d), class indices (m,), source sample indices (m,))."""
    per_class = _per_class(n_classes)
    picked = []
    for cls in range(n_classes):
        members = np.flatnonzero(labels == cls)
        if len(members):
            picked.append(members[rng.permutation(per_class) % len(members)]
                          if len(members) < per_class else rng.choice(members, per_class,
                                                                      replace=False))
    sources = np.concatenate(picked) if picked else np.zeros(0, np.int64)
    batch = x[sources]
    if augment is not None:
        batch = np.concatenate([augment(batch[s:s + CHUNK], rng)
                                for s in range(0, len(batch), CHUNK)] or [batch])
    return features(batch), labels[sources], sources


def build_reject_option(x: np.ndarray, labels: np.ndarray, n_classes: int,
                        augment: Callable | None, rng: np.random.Generator,
                        accept_share: float = ACCEPT_SHARE) -> RejectOption:
    """The reject option of a model trained on ``x`` (n, n_inputs) with ``labels`` (n,).

    Parameters
    ----------
    x : ndarray of shape (n, n_inputs)
        The preprocessed training samples.
    labels : ndarray of shape (n,)
        Their class indices in [0, n_classes).
    n_classes : int
    augment : callable, optional
        ``augment(batch, rng)``, the training augmentation: prototypes and calibration copies
        are distorted by it (without it both are the samples themselves).
    rng : numpy.random.Generator
    accept_share : float, default ACCEPT_SHARE
        Share of the held-out copies the calibrated threshold keeps.

    Returns
    -------
    RejectOption
        Prototypes from all samples; the threshold from copies compared with the prototypes of
        the other samples of their class. A class with one sample has nothing to compare with
        and does not take part; if no class has two samples the threshold is 0 (never reject).
    """
    labels = np.asarray(labels, np.int64)
    prototypes, prototype_labels, sources = _copies(x, labels, n_classes, augment, rng)
    prototype_labels, prototypes, sources = _by_label(prototype_labels, prototypes, sources)
    counts = np.bincount(labels, minlength=n_classes)
    usable = np.flatnonzero(counts[labels] >= 2)
    threshold = NEVER
    if len(usable):
        held = rng.permutation(usable)[:CALIBRATION_SAMPLES]
        query = x[held]
        sims = _best_similarity(features(query), prototypes, prototype_labels, labels[held],
                                exclude=held, sources=sources)
        # A normal fit of the similarities: its lower tail moves far less from one draw of
        # prototypes to the next than the 1% quantile of a few dozen values (their minimum).
        z = NormalDist().inv_cdf(accept_share)
        threshold = float(np.clip(np.mean(sims) - z * np.std(sims), 0, 1))
    return RejectOption(prototypes, prototype_labels.astype(np.int32), threshold)
