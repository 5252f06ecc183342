"""What the prediction panel shows for an image: plain data, computed without Qt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from model.classifier import Classifier
from model.preprocess import EmptyGlyphError, normalize_glyph
from model.reading import read_line

TOP_K = 5
UNSURE_BELOW = 0.5


@dataclass(frozen=True)
class Recognition:
    """The classifier's answer for one image.

    Attributes
    ----------
    top : list of (label, probability)
        The most probable labels, best first.
    seen : ndarray of shape (size, size), float32
        The glyph as the network sees it (ink = 1).
    reading : str or None
        The image read as a string, when it holds several characters (each one's best label).
    """

    top: list[tuple[str, float]]
    seen: np.ndarray
    reading: str | None = None

    @property
    def label(self) -> str:
        return self.top[0][0]

    @property
    def probability(self) -> float:
        return self.top[0][1]

    @property
    def unsure(self) -> bool:
        return self.probability < UNSURE_BELOW


def recognize(classifier: Classifier, image: Image.Image) -> Recognition:
    """Classify ``image``; raises model.preprocess.EmptyGlyphError when it holds no ink."""
    seen = normalize_glyph(image, classifier.preprocess)
    top = classifier.top(classifier.network.predict_one(seen.ravel()), TOP_K)
    return Recognition(top, seen, read_string(classifier, image))


def read_string(classifier: Classifier, image: Image.Image) -> str | None:
    """The text of ``image`` read as a line of characters; None for a single character."""
    try:
        reading = read_line(classifier, image, 1)
    except EmptyGlyphError:  # ink too faint to split, though enough for one glyph
        return None
    return reading.text if len(reading.glyphs) > 1 else None
