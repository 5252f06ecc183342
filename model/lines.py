"""Ink map of a page or a line -> its lines, upright, and the places a line may be cut.

:func:`split_lines` finds the text lines of an ink map from its horizontal projection;
:func:`estimate_slant` and :func:`deslant` undo italic slant; :func:`cut_candidates` proposes
where touching glyphs may be cut (minima of the vertical projection and notches in the outline
of a piece of ink too wide for one glyph); the reader (model.reading) decides which cuts to make.
"""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image

# Rows of a band whose ink is below this share of the band's busiest row separate lines.
LINE_GAP_SHARE = 0.02
# Bands lower than this share of the tallest are accents or dots: they join the nearest line.
MIN_LINE_SHARE = 0.35
# Slants tried (x shift per y step, positive = leaning right).
SLANTS = np.linspace(-0.1, 0.45, 12)
# Within a piece wider than CUT_WIDTH line heights, columns whose ink is a local minimum and at
# most CUT_LEVEL of the piece's fullest column are candidate cuts, at least MIN_PIECE line
# heights from the piece's edges and from each other.
CUT_WIDTH = 0.55
CUT_LEVEL = 0.7
MIN_PIECE = 0.18
NOTCH_DEPTH = 0.06
DIP = 0.1  # a projection minimum must lie this share of the fullest column below both sides
INK = 0.25  # ink map values that count as ink for cuts


def split_lines(ink: np.ndarray) -> list[tuple[int, int]]:
    """Row spans [top, bottom) of the text lines of an ink map (H, W), top to bottom.

    Lines are found as bands of busy rows (see ``LINE_GAP_SHARE``); each then takes the rows of
    thin ink next to it (a lone descender, the stem of a d) up to a blank row or, between two
    lines joined by ink, up to the row of least ink between them.
    """
    profile = (ink > 0).sum(axis=1)
    return _with_thin_rows(_busy_bands(profile), profile)


def _busy_bands(profile: np.ndarray) -> list[tuple[int, int]]:
    """Row spans of the bands of rows busier than ``LINE_GAP_SHARE`` of the busiest; bands too
    low to be lines (dots, accents) joined to the nearest line."""
    busy = profile > LINE_GAP_SHARE * max(int(profile.max()), 1)
    edges = np.diff(np.concatenate([[0], busy.view(np.int8), [0]]))
    bands = list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))
    if not bands:
        return []
    tallest = max(b - a for a, b in bands)
    lines = [[a, b] for a, b in bands if b - a >= MIN_LINE_SHARE * tallest]
    for a, b in bands:
        if b - a < MIN_LINE_SHARE * tallest:  # join the nearest line
            nearest = min(lines, key=lambda line: min(abs(a - line[1]), abs(line[0] - b)))
            nearest[0], nearest[1] = min(nearest[0], a), max(nearest[1], b)
    return [(int(a), int(b)) for a, b in sorted(lines)]


def _with_thin_rows(bands: list[tuple[int, int]], profile: np.ndarray
                    ) -> list[tuple[int, int]]:
    """``bands`` grown over the inked rows next to them (see :func:`split_lines`)."""
    blank = np.flatnonzero(profile == 0)
    edges = [0]  # where the space between two lines is split
    for (_, above), (below, _) in itertools.pairwise(bands):
        gap = blank[(blank >= above) & (blank < below)]
        edges.append(int(gap[0]) if len(gap) else above + int(np.argmin(profile[above:below])))
    edges.append(len(profile))
    out = []
    for (top, bottom), low, high in zip(bands, edges[:-1], edges[1:], strict=True):
        up = blank[(blank >= low) & (blank < top)]
        down = blank[(blank >= bottom) & (blank < high)]
        out.append((int(up[-1]) + 1 if len(up) else low, int(down[0]) if len(down) else high))
    return out


def _offset(slant: float, height: int) -> float:
    return max(0.0, -slant) * (height - 1)


def _shear(image: np.ndarray, slant: float) -> np.ndarray:
    """Shear a float image (h, w): pixel (x, y) moves to (x + slant * y + offset, y), with
    ``offset`` keeping everything in view, so that a stroke leaning right by ``slant`` (x shift
    per y step up) stands upright."""
    h, w = image.shape
    offset = _offset(slant, h)
    width = w + int(np.ceil(abs(slant) * (h - 1)))
    out = Image.fromarray(image.astype(np.float32), "F").transform(
        (width, h), Image.Transform.AFFINE, (1, -slant, -offset, 0, 1, 0),
        resample=Image.Resampling.BILINEAR)
    return np.asarray(out)


def estimate_slant(ink: np.ndarray) -> float:
    """The italic slant of a line's ink map (h, w): the shear among ``SLANTS`` after which
    the vertical projection is sharpest (largest sum of squared column sums)."""
    scale = max(1, ink.shape[0] // 32)
    small = ink[::scale, ::scale].astype(np.float32)
    scores = [float(np.square(_shear(small, s).sum(axis=0)).sum()) for s in SLANTS]
    return float(SLANTS[int(np.argmax(scores))])


def deslant(ink: np.ndarray, slant: float) -> tuple[np.ndarray, float]:
    """The ink map (h, w) sheared upright (see :func:`_shear`) and the offset of the shear:
    a pixel (x, y) of the result was at (x - slant * y - offset, y)."""
    if abs(slant) < 1e-3:
        return ink.astype(np.float32, copy=False), 0.0
    return _shear(ink, slant), _offset(slant, ink.shape[0])


def _concavities(profile: np.ndarray, margin: int, depth: float) -> list[int]:
    """Columns where a contour profile (row of the first ink from one side, per column) has a
    local maximum at least ``depth`` deeper than its lowest value ``margin`` columns away on
    both sides: the notch between two round glyphs that touch."""
    n = len(profile)
    out = []
    for x in range(margin, n - margin):
        window = profile[x - 1:x + 2]
        if profile[x] < window.max():
            continue
        left, right = profile[max(0, x - 3 * margin):x].min(), profile[x + 1:x + 3 * margin].min()
        if profile[x] - max(left, right) >= depth:
            out.append(x)
    return out


def cut_candidates(ink: np.ndarray, left: int, right: int, height: float
                   ) -> list[tuple[int, bool]]:
    """Columns strictly inside [left, right) of an ink map (h, w) where a piece of ink may hold
    two glyphs touching.

    Two kinds are proposed, in pieces wider than ``CUT_WIDTH`` line heights: local minima of
    the vertical projection at most ``CUT_LEVEL`` of its fullest column and ``DIP`` of it
    below the projection on both sides, and contour
    concavities - notches in the upper or lower outline at least ``NOTCH_DEPTH`` line heights
    deep; all at least ``MIN_PIECE`` line heights from the piece's edges and each other.
    Returns (column, whether it is only a notch) pairs, left to right.
    """
    if right - left <= CUT_WIDTH * height:
        return []
    part = ink[:, left:right] > INK
    columns = part.sum(axis=0).astype(np.float64)
    smooth = np.convolve(columns, np.ones(3) / 3, mode="same")
    margin = max(1, int(MIN_PIECE * height))
    level = CUT_LEVEL * columns.max()
    inner = range(margin, len(columns) - margin)
    rise = DIP * columns.max()  # a real dip: the projection rises on both sides
    minima = [x for x in inner if smooth[x] <= level and smooth[x] <= smooth[x - 1]
              and smooth[x] <= smooth[x + 1]
              and smooth[max(0, x - 3 * margin):x].max() - smooth[x] >= rise
              and smooth[x + 1:x + 3 * margin].max() - smooth[x] >= rise]
    rows = part.shape[0]
    filled = part.any(axis=0)
    top = np.where(filled, part.argmax(axis=0), rows).astype(np.float64)
    bottom = np.where(filled, rows - 1 - part[::-1].argmax(axis=0), -1).astype(np.float64)
    depth = NOTCH_DEPTH * height
    notches = _concavities(top, margin, depth) + _concavities(-bottom, margin, depth)
    cuts: list[tuple[int, bool]] = []
    for x, notch in [(x, False) for x in sorted(minima, key=lambda x: smooth[x])] + [
            (x, True) for x in notches]:
        if all(abs(x - c) >= margin for c, _ in cuts):
            cuts.append((int(x), notch))
    return sorted((left + c, notch) for c, notch in cuts)
