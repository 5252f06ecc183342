"""Ink map of a written string -> boxes around its characters, left to right."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .components import components
from .images import WORK_PIXELS, EmptyGlyphError, ImageLike
from .ink import stroke_width, to_ink
from .specks import speck_limit

Box = tuple[int, int, int, int]

# Components of split_glyphs lighter than this share of the heaviest one are specks.
SPECK_SHARE = 0.02
# Boxes overlapping horizontally by this share of the narrower one belong to one glyph.
GLYPH_OVERLAP = 0.5
# split_glyphs pads its boxes by this share of the median glyph height.
SPLIT_MARGIN = 0.2


def _same_glyph(a: np.ndarray, b: np.ndarray, min_gap: int) -> bool:
    """Whether two (left, top, right, bottom, ...) boxes overlap horizontally by at least
    ``GLYPH_OVERLAP`` of the narrower one, or are fewer than ``min_gap`` columns apart."""
    overlap = min(a[2], b[2]) - max(a[0], b[0])
    narrower = min(a[2] - a[0], b[2] - b[0])
    return overlap >= GLYPH_OVERLAP * narrower or 0 <= -overlap < min_gap


def _first_pair(boxes: list[np.ndarray], min_gap: int) -> tuple[int, int] | None:
    n = len(boxes)
    return next(((i, j) for i in range(n) for j in range(i + 1, n)
                 if _same_glyph(boxes[i], boxes[j], min_gap)), None)


def _merge_boxes(boxes: list[np.ndarray], min_gap: int) -> list[np.ndarray]:
    """Merge boxes that :func:`_same_glyph` pairs, until no pair is left."""
    while (pair := _first_pair(boxes, min_gap)) is not None:
        a, b = boxes[pair[0]], boxes.pop(pair[1])
        boxes[pair[0]] = np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:4], b[2:4]),
                                         a[4:] + b[4:]])
    return boxes


def _with_margins(boxes: list[Box], width: int, height: int) -> list[Box]:
    """Pad boxes sorted left to right with ``SPLIT_MARGIN`` of their median height on every
    side, within the image and never beyond half the gap to a neighbour."""
    margin = max(2, round(SPLIT_MARGIN * float(np.median([b[3] - b[1] for b in boxes]))))
    half_gaps = [max((b[0] - a[2]) // 2, 0) for a, b in itertools.pairwise(boxes)]
    room_left, room_right = [boxes[0][0], *half_gaps], [*half_gaps, width - boxes[-1][2]]
    return [(left - min(margin, before), max(top - margin, 0), right + min(margin, after),
             min(bottom + margin, height))
            for (left, top, right, bottom), before, after in zip(boxes, room_left, room_right,
                                                                  strict=True)]


def glyph_boxes(ink: np.ndarray, min_gap: int = 0) -> list[Box]:
    """Boxes around the characters of the ink map of a written string, left to right.

    Parameters
    ----------
    ink : numpy.ndarray of shape (H, W)
        Ink map (ink > 0) of one row of characters, as made by :func:`model.ink.to_ink`.
    min_gap : int, default 0
        Pieces fewer than this many pixels apart horizontally are one character. Pieces that
        overlap horizontally by half the narrower one always are (the dot of an 'i', the
        bars of '=', the parts of '%').

    Returns
    -------
    list of (left, top, right, bottom)
        Pixel boxes of the map, right and bottom exclusive (PIL's crop boxes): the ink's
        bounding box padded with paper, ``SPLIT_MARGIN`` of the median glyph height on every
        side but at most half the gap to the next glyph. Connected components lighter than
        ``SPECK_SHARE`` of the heaviest are dropped. Empty for a map without ink.
    """
    pieces = ink_pieces(ink, min_gap)
    return _with_margins(pieces, ink.shape[1], ink.shape[0]) if pieces else []


def ink_pieces(ink: np.ndarray, min_gap: int = 0) -> list[Box]:
    """Tight boxes of the pieces of ink of a line, left to right: connected components (specks
    dropped) joined when :func:`_same_glyph` pairs them (see :func:`glyph_boxes`)."""
    h, w = ink.shape
    factor = math.ceil(math.sqrt(h * w / WORK_PIXELS))
    mask = ink > 0
    if factor > 1:  # max-pool, so that thin strokes survive
        padded = np.pad(mask, ((0, -h % factor), (0, -w % factor)))
        mask = padded.reshape(padded.shape[0] // factor, factor, -1, factor).any(axis=(1, 3))
    parts = components(mask)
    heaviest = parts[:, 4].max(initial=0)
    smallest = max(SPECK_SHARE * heaviest, speck_limit(stroke_width(mask)))
    parts = parts[parts[:, 4] >= smallest]
    merged = _merge_boxes(list(parts), max(math.ceil(min_gap / factor), 0))
    limits = (w, h, w, h)
    return sorted(tuple(min(int(v) * factor, limit) for v, limit in zip(box[:4], limits,
                                                                        strict=True))
                  for box in merged)


def split_glyphs(image: ImageLike, min_gap: int = 0) -> list[Box]:
    """Boxes around the characters in an image of a written string, left to right.

    :func:`glyph_boxes` of the image's ink map (see there); ``image.crop(box)`` shows one
    glyph with margins, which also keeps its polarity unambiguous. Empty for a blank image.
    """
    try:
        ink = to_ink(image)
    except EmptyGlyphError:
        return []
    return glyph_boxes(ink, min_gap)


def crop(ink: np.ndarray, box: Box) -> np.ndarray:
    """One box of an ink map with a margin of paper: float32 (h', w') in [0, 1].

    Parameters
    ----------
    ink : numpy.ndarray of shape (H, W)
        An ink map (:func:`model.ink.to_ink`), computed once for all the boxes of an image.
    box : (left, top, right, bottom)
        As returned by :func:`glyph_boxes`.

    Returns
    -------
    numpy.ndarray, float32
        The box's ink, padded with max(2, longer side // 8) pixels of paper on every side, so
        that it can go straight into :func:`model.glyph.normalize_ink`.
    """
    left, top, right, bottom = box
    part = ink[top:bottom, left:right]
    return np.pad(part, max(2, max(part.shape) // 8))
