"""Image -> ink map: float32 in [0, 1] with ink = 1, whatever the paper, light and polarity.

:func:`to_ink` finds the paper and ink grey levels (Otsu's threshold, polarity by vote), maps
the levels between them onto [0, 1], and clears faint noise, isolated pixels and a thin frame
along the border.
"""

from __future__ import annotations

import numpy as np

from .images import EmptyGlyphError, ImageLike, grey_image, sample_step, work_grey
from .paper import flatten

# Paper and ink must differ by at least this share of the full grey range.
MIN_CONTRAST = 0.1
# Darkness below this share of the way from paper to ink is paper (noise, texture, shadows).
NOISE_LEVEL = 0.25
# Less ink than max(MIN_INK_PIXELS, MIN_INK_SHARE * pixel count) pixel-equivalents is blank.
MIN_INK_PIXELS = 2.0
MIN_INK_SHARE = 2e-4
# A frame line lies along the border, covers this share of its side, and is at most
# max(3, FRAME_DEPTH_SHARE * shorter side) pixels thick.
FRAME_COVERAGE = 0.8
FRAME_DEPTH_SHARE = 0.03
# Ink in every tile of a TEXTURE_GRID square grid, at least TEXTURE_SHARE of each, is texture
# (tested on images at least MIN_TEXTURE_SIDE pixels on their shorter side).
TEXTURE_GRID = 5
TEXTURE_SHARE = 0.03
MIN_TEXTURE_SIDE = 48
TEXTURE_RUNS = 6  # fewest strokes a texture crosses per row and per column, on average
# Paper whose levels spread over more than this share of the ink's contrast is unevenly lit
# (or noisy): its background is divided out first (model.paper.flatten).
UNEVEN_PAPER = 0.2
# ... unless the image is smaller than this on its shorter side (an 8×8 glyph's "paper" is
# its anti-aliasing).
MIN_UNEVEN_SIDE = 16


def _otsu_threshold(hist: np.ndarray) -> int | None:
    """Otsu's threshold of a 256-bin histogram (dark class: levels <= t); None if uniform."""
    w0 = np.cumsum(hist, dtype=np.float64)
    m0 = np.cumsum(hist * np.arange(256))
    w1, m1 = w0[-1] - w0, m0[-1] - m0
    between = (w0 * w1 * (m0 / np.maximum(w0, 1) - m1 / np.maximum(w1, 1)) ** 2)[:-1]
    return int(np.argmax(between)) if between.max() > 0 else None


def _median_level(hist: np.ndarray, first: int) -> float:
    """Median grey level of the histogram slice ``hist`` whose first bin is level ``first``."""
    cumulative = np.cumsum(hist)
    return float(first + np.searchsorted(cumulative, cumulative[-1] / 2))


def _sample(grey: np.ndarray) -> np.ndarray:
    """A strided sample of about ``SAMPLE_PIXELS`` pixels of a grey array (H, W) - or all of it
    if the sample is uniform, as strokes thinner than the stride may fall between its rows."""
    step = sample_step(grey.size)
    sample = grey[::step, ::step]
    return grey if step > 1 and sample.min() == sample.max() else sample


def _frame_limit(h: int, w: int) -> int:
    """Thickest frame line looked for in an image (h, w); 0 if it is too small to have one."""
    depth = max(3, round(FRAME_DEPTH_SHARE * min(h, w)))
    return depth if min(h, w) >= 6 * depth else 0


def _is_full(line: np.ndarray) -> np.ndarray:
    """Whether each row of a bool array (..., L) is at least ``FRAME_COVERAGE`` ink."""
    return line.sum(axis=-1) >= FRAME_COVERAGE * line.shape[-1]


def _dark_is_paper(grey: np.ndarray, sample: np.ndarray, threshold: int) -> bool:
    """Whether the dark class (levels <= threshold) of a grey array (H, W) is the paper.

    Three shares of dark pixels vote, summed: in the image (a strided ``sample``), in a border
    band (1/8 of the shorter side) and in four small corner patches (just inside the border
    lines if at least three of them are dark, as they would be in a frame).
    Together they hold for images with margins (also framed ones) and for low-resolution glyphs
    that nearly fill their image (like scikit-learn's 8×8 digits), but about one in eight tight
    crops of printed letters (no paper margin; ink at the corners, as in 'H' or 'E') is read
    inverted; :func:`split_glyphs` therefore pads its boxes.
    """
    dark = sample <= threshold
    band = max(1, min(sample.shape) // 8)
    inner = dark[band:-band, band:-band]
    dark_count = np.count_nonzero(dark)
    band_share = (dark_count - np.count_nonzero(inner)) / max(dark.size - inner.size, 1)
    h, w = grey.shape
    framed = sum(_is_full(edge <= threshold) for edge in (grey[0], grey[-1], grey[:, 0],
                                                          grey[:, -1])) >= 3
    inset, k = _frame_limit(h, w) if framed else 0, max(1, min(h, w) // 32)
    corner_dark = sum(np.count_nonzero(grey[i:i + k, j:j + k] <= threshold)
                      for i in (inset, h - inset - k) for j in (inset, w - inset - k))
    corner_share = corner_dark / (4 * k * k)
    return dark_count / dark.size + band_share + corner_share > 1.5


def _spread_share(hist: np.ndarray, paper: float, ink: float, paper_is_dark: bool,
                  threshold: int) -> float:
    """Range of the middle 90% of the paper class's levels, as a share of the contrast."""
    part = hist[:threshold + 1] if paper_is_dark else hist[threshold + 1:]
    cumulative = np.cumsum(part) / max(part.sum(), 1)
    low, high = np.searchsorted(cumulative, [0.05, 0.95])
    return float(high - low) / max(abs(ink - paper), 1.0)


def _paper_and_ink(grey: np.ndarray, dark_ink: bool | None = None
                   ) -> tuple[float, float, float]:
    """Grey levels (0..255) of the paper and of the ink of an 8-bit grey array (H, W), and
    how unevenly the paper is lit.

    Otsu's threshold splits the levels into a dark and a light class; :func:`_dark_is_paper`
    tells which is the paper unless ``dark_ink`` says so. Each level is its class's median.
    The third value is the spread of the paper's levels as a share of the contrast.

    Raises
    ------
    EmptyGlyphError
        The image is uniform or its two classes differ by less than :data:`MIN_CONTRAST`.
    """
    sample = _sample(grey)
    hist = np.bincount(sample.ravel(), minlength=256)
    threshold = _otsu_threshold(hist)
    if threshold is None:
        raise EmptyGlyphError("the image is blank: it has a single grey level")
    dark_level = _median_level(hist[:threshold + 1], 0)
    light_level = _median_level(hist[threshold + 1:], threshold + 1)
    paper_is_dark = (not dark_ink if dark_ink is not None
                     else _dark_is_paper(grey, sample, threshold))
    paper, ink = (dark_level, light_level) if paper_is_dark else (light_level, dark_level)
    if abs(ink - paper) < MIN_CONTRAST * 255:
        raise EmptyGlyphError(f"the image is blank: its contrast is too low (ink and paper "
                              f"differ by {abs(ink - paper) / 255:.0%})")
    return paper, ink, _spread_share(hist, paper, ink, paper_is_dark, threshold)


def _box3_count(mask: np.ndarray) -> np.ndarray:
    """Number of set pixels in the 3×3 neighbourhood of each pixel of a bool mask (H, W)."""
    rows = mask.astype(np.uint8)
    rows[1:] += mask[:-1]
    rows[:-1] += mask[1:]
    count = rows.copy()
    count[:, 1:] += rows[:, :-1]
    count[:, :-1] += rows[:, 1:]
    return count


def _frame_depth(strip: np.ndarray, depth: int) -> int:
    """Thickness of a frame line at row 0 of a bool strip (depth + 1, L), or 0 if none.

    A frame is 1..depth rows that are almost fully ink, followed by a row with no ink except
    within ``depth`` pixels of either end (where the perpendicular sides of the frame run).
    """
    full = _is_full(strip)
    thickness = int(np.argmin(full)) if not full.all() else depth + 1
    if 1 <= thickness <= depth and not strip[thickness, depth:-depth].any():
        return thickness
    return 0


def _remove_frame(ink: np.ndarray, mask: np.ndarray) -> None:
    """Clear, in place, a thin frame running along at least three sides of the image border."""
    h, w = ink.shape
    depth = _frame_limit(h, w)
    edges = (mask[0], mask[-1], mask[:, 0], mask[:, -1])
    if not depth or sum(_is_full(edge) for edge in edges) < 3:
        return
    top, bottom, left, right = (_frame_depth(strip[:depth + 1], depth) for strip in
                                (mask, mask[::-1], mask.T, mask.T[::-1]))
    if sum(side > 0 for side in (top, bottom, left, right)) < 3:
        return
    if not mask[top:h - bottom, left:w - right].any():
        return  # the "frame" is all there is: it is the glyph
    ink[:top], ink[h - bottom:], ink[:, :left], ink[:, w - right:] = 0, 0, 0, 0


def ink_map_u8(grey: np.ndarray) -> np.ndarray:
    """Ink map (H, W) of an 8-bit grey array as uint8, ink = 255; see :func:`to_ink`."""
    paper, ink_level, spread = _paper_and_ink(grey)
    if spread > UNEVEN_PAPER and min(grey.shape) >= MIN_UNEVEN_SIDE:
        grey = flatten(grey, paper, dark_ink=ink_level < paper)
        paper, ink_level, _ = _paper_and_ink(grey, dark_ink=True)
    levels = (np.arange(256) - paper) / (ink_level - paper)
    lut = np.where(levels < NOISE_LEVEL, 0, np.clip(levels, 0, 1))
    ink = np.take(np.round(lut * 255).astype(np.uint8), grey)
    mask = ink > 0
    ink[mask & (_box3_count(mask) == 1)] = 0
    _remove_frame(ink, mask)
    _check_not_texture(ink)
    return ink


def _check_not_texture(ink: np.ndarray) -> None:
    """Raise EmptyGlyphError if ink covers the whole map (H, W) evenly, as texture does: every
    tile of a ``TEXTURE_GRID`` square grid holds at least ``TEXTURE_SHARE`` ink (a glyph or a
    line of text leaves some tiles blank) and a row or a column crosses on average at least
    ``TEXTURE_RUNS`` strokes (a bold glyph cropped to its frame fills every tile too, but a line
    through it crosses only a few).
    Maps under ``MIN_TEXTURE_SIDE`` are not tested."""
    h, w = ink.shape
    if min(h, w) < MIN_TEXTURE_SIDE:
        return
    step = max(1, min(h, w) // (10 * TEXTURE_GRID))  # a strided sample is enough
    sample = ink[::step, ::step]
    th, tw = sample.shape[0] // TEXTURE_GRID, sample.shape[1] // TEXTURE_GRID
    tiles = sample[:th * TEXTURE_GRID, :tw * TEXTURE_GRID].reshape(
        TEXTURE_GRID, th, TEXTURE_GRID, tw).sum(axis=(1, 3), dtype=np.uint32)
    if tiles.min() < TEXTURE_SHARE * 255 * th * tw:
        return
    mask = ink > 0
    if min(_mean_runs(mask), _mean_runs(mask.T)) >= TEXTURE_RUNS:
        raise EmptyGlyphError("no characters found: the image is texture all over, with no "
                              "glyph standing out")


def _mean_runs(mask: np.ndarray) -> float:
    """Runs of True per row of a bool mask (H, W), on average."""
    starts = np.count_nonzero(mask[:, 1:] & ~mask[:, :-1]) + np.count_nonzero(mask[:, 0])
    return starts / len(mask)


def check_mass(mass: float, pixels: int) -> None:
    """Raise EmptyGlyphError if ``mass`` (pixels' worth of ink) is too little for ``pixels``."""
    if mass < max(MIN_INK_PIXELS, MIN_INK_SHARE * pixels):
        raise EmptyGlyphError(f"the image is blank: it holds only {mass:.1f} pixels' worth of "
                              f"ink")


def to_float(ink: np.ndarray) -> np.ndarray:
    return ink.astype(np.float32) * np.float32(1 / 255)


def to_ink(image: ImageLike) -> np.ndarray:
    """Ink map of an image: float32 (H, W) in [0, 1], ink = 1, paper = 0.

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        A PIL image of any common mode (1, L, LA, P with or without transparency, RGB, RGBA,
        CMYK, I;16, I, F, ...), or an array of shape (H, W) or (H, W, C) with C = 1 (grey),
        2 (grey + alpha), 3 (RGB) or 4 (RGBA). Arrays of bool, uint8 or uint16 use their
        dtype's full range; floats within [0, 1] are taken as they are; other integers
        within 0..255 or 0..65535 use that range; anything else is stretched from its
        minimum to its maximum.

    Returns
    -------
    numpy.ndarray of shape (H, W), float32
        Dark ink on light paper and light ink on dark paper give the same map; transparent
        parts are paper. Contrast is normalised so that typical ink is 1 (in steps of 1/255);
        darkness below ``NOISE_LEVEL`` of the way from paper to ink is cleared, and so are
        isolated single pixels and a thin frame along at least three sides of the border.

    Raises
    ------
    EmptyGlyphError
        The image is uniform (any colour), has too little contrast, or too little ink.
    ImageError
        An array of an unsupported shape or dtype, or with NaN or infinite values.
    """
    ink = ink_map_u8(np.asarray(grey_image(image)))
    check_mass(ink.sum(dtype=np.uint64) / 255, ink.size)
    return to_float(ink)


def work_ink(image: ImageLike) -> np.ndarray:
    """Ink map of an image box-reduced to about ``model.images.WORK_PIXELS``: uint8 (h, w),
    ink = 255 (see :func:`to_ink`; blank images are not refused here)."""
    return ink_map_u8(work_grey(image))


def stroke_width(glyph: np.ndarray) -> float:
    """Estimated stroke width of a glyph (h, w) in pixels: ink mass / (half the perimeter).

    The perimeter counts the edges between ink (> 0.5) and paper pixels, so that a stroke of
    width ``s`` and length ``l >> s`` gives about ``s``.
    """
    mask = np.pad(glyph > 0.5, 1).view(np.int8)
    perimeter = np.count_nonzero(np.diff(mask, axis=0)) + np.count_nonzero(np.diff(mask, axis=1))
    return float(2 * glyph.sum() / max(perimeter, 1))
