"""Reading a line of several characters: split into glyphs, classify each, join into text.

Beyond each glyph's best label, the line itself says two things a single glyph cannot: a wide
gap is a space, and a glyph whose upper- and lower-case forms differ only in size (c/C, o/O,
s/S, ...) is lower case when it is clearly shorter than the line's capitals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .glyph import normalize_ink
from .images import EmptyGlyphError
from .ink import to_ink
from .segment import crop, glyph_boxes

# Letters whose two cases look alike once a glyph is cropped and scaled to a fixed box.
SIZE_ONLY_CASE = set("cCoOsSvVwWxXzZ")
# Glyphs whose height is the line's capital height (ascenders are as tall as capitals).
CAP_HEIGHT = set("ABDEFGHIJKLMNPQRTUY0123456789bdfhklt")
SPACE_GAP = 0.3    # a gap wider than this share of the capital height is a space
LOWER_BELOW = 0.8  # a size-only-case glyph shorter than this share of it is lower case
INK_LEVEL = 0.25   # ink map values that count when measuring a glyph's extent

Box = tuple[int, int, int, int]

if TYPE_CHECKING:
    from .classifier import Classifier


@dataclass(frozen=True)
class Glyph:
    """One character of a line: its ink's bounding box and what it may be, best first."""

    box: Box
    top: list[tuple[str, float]]

    @property
    def label(self) -> str:
        return self.top[0][0]


@dataclass(frozen=True)
class Reading:
    """A line of text read from an image."""

    text: str
    glyphs: list[Glyph]


def read_line(classifier: Classifier, image, k: int = 3) -> Reading:
    """Read the characters of ``image`` left to right.

    Parameters
    ----------
    classifier : Classifier
    image : PIL image or ndarray
        Any image preprocessing accepts, holding one line of characters.
    k : int, default 3
        Ranked labels kept per glyph.

    Raises
    ------
    EmptyGlyphError
        The image holds no characters.
    """
    ink = to_ink(image)
    boxes = glyph_boxes(ink)
    if not boxes:
        raise EmptyGlyphError("the image holds no characters")
    vectors = np.stack([normalize_ink(crop(ink, box), classifier.preprocess).ravel()
                        for box in boxes])
    glyphs = [Glyph(_tight(ink, box), classifier.top(probs, k))
              for box, probs in zip(boxes, classifier.predict_vectors(vectors), strict=True)]
    return Reading(_text(glyphs, set(classifier.labels)), glyphs)


def _tight(ink: np.ndarray, box: Box) -> Box:
    """``box`` shrunk to the ink inside it (split_glyphs pads its boxes with paper)."""
    left, top, right, bottom = box
    inside = ink[top:bottom, left:right] > INK_LEVEL
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if not len(rows):
        return box
    return (left + int(cols[0]), top + int(rows[0]), left + int(cols[-1]) + 1,
            top + int(rows[-1]) + 1)


def _height(box: Box) -> int:
    return box[3] - box[1]


def _text(glyphs: list[Glyph], labels: set[str]) -> str:
    heights = [_height(g.box) for g in glyphs]
    caps = [h for h, g in zip(heights, glyphs, strict=True) if g.label in CAP_HEIGHT]
    cap_height = float(np.median(caps)) if caps else float(max(heights))
    # Without a glyph of known capital height, only a visible size difference tells the case.
    knows_case = bool(caps) or min(heights) < LOWER_BELOW * cap_height
    parts = []
    for i, glyph in enumerate(glyphs):
        if i and glyph.box[0] - glyphs[i - 1].box[2] > SPACE_GAP * cap_height:
            parts.append(" ")
        parts.append(_cased(glyph, cap_height, labels) if knows_case else glyph.label)
    return "".join(parts)


def _cased(glyph: Glyph, cap_height: float, labels: set[str]) -> str:
    """The glyph's label in the case its height says, for letters whose cases differ in size."""
    label = glyph.label
    if label not in SIZE_ONLY_CASE:
        return label
    cased = label.lower() if _height(glyph.box) < LOWER_BELOW * cap_height else label.upper()
    return cased if cased in labels else label
