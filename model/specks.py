"""Dust, specks and stray marks: pieces of ink that are not part of the glyph.

A piece is a speck if it is smaller than ``SPECK_AREA`` times the square of the stroke width
(whatever the image's resolution, a dot of the pen is not smaller than that), or smaller than
``PIECE_AREA`` times it and not where the dot of an i or an accent would be; it is a stray
mark if it is much lighter than the glyph's main pieces and lies away from them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from .components import component_runs, run_pixels
from .ink import stroke_width

# Pieces smaller than this times the square of the stroke width are specks ...
SPECK_AREA = 0.6
# ... and so are pieces smaller than this times it, unless they are dots or accents.
PIECE_AREA = 2.0
# Pieces lighter than this share of the heaviest one ...
STRAY_SHARE = 0.15
# ... and farther than this share of the glyph's size from its heavy pieces are stray marks.
STRAY_GAP = 0.05
# ... unless they lie above or below them within this many stroke widths or this share of
# their longer side, whichever is more (dots, accents; a hand puts the dot of an i well above).
DOT_GAP = 2.5
DOT_SHARE = 0.5
# A glyph with this many light pieces is dusty: it is median-filtered first.
DUSTY_PIECES = 3


def speck_limit(width: float, area: float = SPECK_AREA) -> float:
    """Pixel count below which a piece of ink drawn with strokes ``width`` pixels wide is a
    speck wherever it is (with ``area=PIECE_AREA``: unless it is a dot or an accent)."""
    return area * width ** 2


def _gaps(stats: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Distance in pixels (largest of the horizontal and vertical gap, 0 if overlapping) from
    every (left, top, right, bottom, ...) row of ``stats`` to ``box``."""
    return np.maximum.reduce([box[0] - stats[:, 2], stats[:, 0] - box[2],
                              box[1] - stats[:, 3], stats[:, 1] - box[3],
                              np.zeros(len(stats), dtype=stats.dtype)])


def _dot_places(stats: np.ndarray, box: np.ndarray, gaps: np.ndarray, width: float
                ) -> np.ndarray:
    """(n,) bool: whether each (left, top, right, bottom, ...) row of ``stats``, ``gaps``
    away from the glyph in ``box``, is where a dot or an accent of it can be.

    That is above or below the glyph rather than beside it (its centre farther outside the
    box's rows than outside its columns: a hand or a slanted typeface shifts the dot of an i or
    a j sideways) and at most ``DOT_GAP`` stroke widths or ``DOT_SHARE`` of the glyph's longer
    side away (the dots of ÷ sit far from its flat bar); or within the box's columns and
    ``DOT_GAP`` stroke widths.
    """
    centre_x, centre_y = (stats[:, 0] + stats[:, 2]) / 2, (stats[:, 1] + stats[:, 3]) / 2
    beside = np.maximum(np.maximum(box[0] - centre_x, centre_x - box[2]), 0)
    over = np.maximum(box[1] - centre_y, centre_y - box[3])
    reach = max(DOT_GAP * width, DOT_SHARE * max(box[2] - box[0], box[3] - box[1]))
    within = (stats[:, 0] >= box[0]) & (stats[:, 2] <= box[2]) & (gaps <= DOT_GAP * width)
    return ((over > beside) & (gaps <= reach)) | within


def _median3(ink: np.ndarray) -> np.ndarray:
    """3×3 median of an ink map (uint8 or float32 in [0, 1]), same dtype."""
    if ink.dtype == np.uint8:
        return np.asarray(Image.fromarray(ink).filter(ImageFilter.MedianFilter(3)))
    return np.asarray(Image.fromarray(ink.astype(np.float32), "F").filter(
        ImageFilter.MedianFilter(3)))


def without_strays(ink: np.ndarray) -> np.ndarray:
    """The ink map (h, w) of one glyph without its specks and stray marks.

    Returns
    -------
    numpy.ndarray
        ``ink`` itself if nothing is removed, else a copy with those pieces cleared: pieces
        smaller than :func:`speck_limit`; pieces smaller than ``PIECE_AREA`` stroke widths
        squared, and pieces lighter than ``STRAY_SHARE`` of the heaviest that are more than
        ``STRAY_GAP`` of the glyph's size away from the heavy ones - except, for both, where
        the dot of an i or an accent is (:func:`_dot_places`).
        The heaviest piece always stays.
    """
    mask = ink > 0
    stats, runs, label = component_runs(mask)
    if len(stats) < 2:
        return ink
    if np.count_nonzero(stats[:, 4] < STRAY_SHARE * stats[:, 4].max()) >= DUSTY_PIECES:
        ink = _median3(ink)  # dusty: a median clears the specks thinner than 2 pixels
        mask = ink > 0
        stats, runs, label = component_runs(mask)
    pixels = stats[:, 4]
    main = int(np.argmax(pixels))
    width = stroke_width(mask)
    dot_sized = pixels >= speck_limit(width)
    big = pixels >= speck_limit(width, PIECE_AREA)
    dot_sized[main] = big[main] = True
    keep = big & (pixels >= STRAY_SHARE * pixels[main])
    kept = stats[keep]
    box = np.array([kept[:, 0].min(), kept[:, 1].min(), kept[:, 2].max(), kept[:, 3].max()])
    gaps = _gaps(stats, box)
    keep |= big & (gaps <= STRAY_GAP * max(box[2] - box[0], box[3] - box[1]))
    keep |= dot_sized & _dot_places(stats, box, gaps, width)  # i, j, ä
    if keep.all():
        return ink
    out = ink.copy()
    out[run_pixels(runs[~keep[label]])] = 0
    return out
