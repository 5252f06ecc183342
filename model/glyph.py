"""Ink map of one glyph -> the network's fixed-size input image.

:func:`normalize_ink` crops the ink to its bounding box, optionally deskews it, scales it so
that its longer side fills ``config.box`` pixels, optionally normalises the stroke width, and
centres it by its centre of mass on a ``config.size`` square (the MNIST convention).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .ink import check_mass, stroke_width, to_float
from .settings import Settings, require
from .specks import without_strays

# Sides of the network's input image a config may ask for.
MIN_SIZE = 4
MAX_SIZE = 256
# The bounding box ignores this share of the ink mass on each side (distant specks).
TRIM_SHARE = 0.002
# Deskewing shears by at most this much (x shift per y step).
MAX_SKEW = 1.0
# Stroke-width normalisation dilates or erodes by at most this many 3×3 steps.
MAX_STROKE_STEPS = 2
# Strokes thicker than this share of the glyph's longer side are thinned (MAX_PEN_STEPS at most).
MAX_PEN_SHARE = 0.2
MAX_PEN_STEPS = 12
MIN_PEN = 3.0  # strokes this thin (pixels) are never thinned
# Scaling: Lanczos, after a fast box reduction by an integer factor down to twice the size.
RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 2.0


@dataclass(frozen=True)
class PreprocessConfig(Settings):
    """How an image becomes an input vector; stored in every model file.

    Attributes
    ----------
    size : int, default 28
        Side of the square output image, ``MIN_SIZE`` to ``MAX_SIZE``; the vector has
        ``size * size`` entries.
    box : int, default 20
        Side of the box the cropped glyph is scaled into, preserving its aspect ratio
        (20 inside 28 is the MNIST convention); 1 to ``size``.
    deskew : bool, default False
        Straighten slanted glyphs using image moments.
    stroke_width : float, default 0.0
        Normalise the stroke thickness to about this many pixels of the output, at most
        ``size / 2``; 0 keeps it.

    Raises
    ------
    ValueError
        A field of the wrong type or out of range (one line naming the field and its value),
        when the config is made and so also when a model file holding it is loaded.
    """

    WHAT = "preprocessing"

    size: int = 28
    box: int = 20
    deskew: bool = False
    stroke_width: float = 0.0

    def __post_init__(self) -> None:
        require([
            (_whole(self.size) and MIN_SIZE <= self.size <= MAX_SIZE,
             f"preprocessing size must be a whole number from {MIN_SIZE} to {MAX_SIZE}, "
             f"got {_shown(self.size)}")])
        require([  # the size is known to be sane from here on
            (_whole(self.box) and 1 <= self.box <= self.size,
             f"preprocessing box must be a whole number from 1 to the size "
             f"({self.size}), got {_shown(self.box)}"),
            (isinstance(self.deskew, bool), f"preprocessing deskew must be true or false, "
                                            f"got {_shown(self.deskew)}"),
            (_real(self.stroke_width) and 0 <= self.stroke_width <= self.size / 2,
             f"preprocessing stroke width must be a number from 0 to half the size "
             f"({self.size / 2:g}), got {_shown(self.stroke_width)}"),
        ])

    @property
    def n_inputs(self) -> int:
        return self.size * self.size


def _shown(value: object) -> str:
    """``repr(value)``, cut short if it is long (a value read from a file may be anything)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real(value: object) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


DEFAULT_CONFIG = PreprocessConfig()


def _trimmed_span(profile: np.ndarray) -> tuple[int, int]:
    """[start, stop) of a mass profile without ``TRIM_SHARE`` of its mass at either end."""
    cumulative = np.cumsum(profile, dtype=np.float64)
    cut = TRIM_SHARE * cumulative[-1]
    start = int(np.searchsorted(cumulative, cut, side="right"))
    stop = int(np.searchsorted(cumulative, cumulative[-1] - cut)) + 1
    return start, stop


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The part of an ink map (H, W) inside its ink bounding box, ignoring ``TRIM_SHARE`` of
    the mass on each side (so distant specks do not count)."""
    dtype = np.uint32 if ink.dtype == np.uint8 else np.float64  # uint8 maps are <= 1M pixels
    top, bottom = _trimmed_span(ink.sum(axis=1, dtype=dtype))
    left, right = _trimmed_span(ink.sum(axis=0, dtype=dtype))
    return ink[top:bottom, left:right]


def _deskew(glyph: np.ndarray) -> np.ndarray:
    """Shear a cropped glyph (h, w) horizontally so that its principal axis is vertical.

    The skew is the ratio of the second-order central moments mu11 / mu02 (as for MNIST
    deskewing), limited to ``MAX_SKEW``; the result is cropped to its ink again.
    """
    h, w = glyph.shape
    row_mass = glyph.sum(axis=1)
    mass = row_mass.sum()
    y = np.arange(h, dtype=np.float64)
    cy = row_mass @ y / mass
    cx = glyph.sum(axis=0) @ np.arange(w) / mass
    mu02 = row_mass @ (y - cy) ** 2
    if mu02 <= 1e-9 * mass:
        return glyph
    skew = float(np.clip((y - cy) @ glyph @ (np.arange(w) - cx) / mu02, -MAX_SKEW, MAX_SKEW))
    offset = max(-skew * cy, skew * (h - 1 - cy))
    width = w + math.ceil(abs(skew) * (h - 1))
    sheared = Image.fromarray(np.ascontiguousarray(glyph)).transform(
        (width, h), Image.Transform.AFFINE, (1, skew, -skew * cy - offset, 0, 1, 0),
        resample=Image.Resampling.BILINEAR)
    return _crop_to_ink(np.asarray(sheared))


def rank_filter(images: np.ndarray, op: np.ufunc, size: int = 3) -> np.ndarray:
    """Grey dilation (``op=np.maximum``) or erosion (``np.minimum``) by a size×size square.

    Parameters
    ----------
    images : numpy.ndarray of shape (..., h, w)
        One image or a batch; pixels beyond the edges count as paper (0).
    op : numpy.maximum or numpy.minimum
    size : int, default 3
        Side of the square window; an even size reaches one pixel further up and left.

    Returns
    -------
    numpy.ndarray of the same shape and dtype
        A 3×3 window changes a stroke's width by 2 pixels, a 2×2 window by 1.
    """
    before = size // 2
    h, w = images.shape[-2:]
    padded = np.zeros((*images.shape[:-2], h + size - 1, w + size - 1), dtype=images.dtype)
    padded[..., before:before + h, before:before + w] = images
    rows = padded[..., :h, :]
    for i in range(1, size):
        rows = op(rows, padded[..., i:i + h, :])
    out = rows[..., :w]
    for i in range(1, size):
        out = op(out, rows[..., i:i + w])
    return out


def _set_stroke_width(glyph: np.ndarray, target: float) -> np.ndarray:
    """Dilate or erode a scaled glyph (h, w) in 3×3 steps, the last one partial, so that its
    stroke width approaches ``target`` pixels (at most ``MAX_STROKE_STEPS`` steps; erosion
    stops at a width of 1 pixel)."""
    width = stroke_width(glyph)
    steps = float(np.clip((target - width) / 2, -max(width - 1, 0) / 2, MAX_STROKE_STEPS))
    op = np.maximum if steps > 0 else np.minimum
    while abs(steps) > 1e-3:
        amount = min(abs(steps), 1.0)
        glyph = glyph + amount * (rank_filter(glyph, op) - glyph)
        steps -= math.copysign(amount, steps)
    return glyph


def _centre_of_mass(glyph: np.ndarray) -> tuple[float, float]:
    """(row, column) of the centre of mass of a glyph (h, w) with some ink."""
    mass = glyph.sum(dtype=np.float64)
    return (float(glyph.sum(axis=1) @ np.arange(glyph.shape[0]) / mass),
            float(glyph.sum(axis=0) @ np.arange(glyph.shape[1]) / mass))


def _start(centre: float, extent: int, scale: float, size: int) -> float:
    """Where (in output pixels) a glyph of ``extent`` pixels scaled by ``scale`` starts so that
    its ``centre`` of mass lands at the middle of ``size`` pixels - moved inside if it fits."""
    low, high = sorted((0.0, size - extent * scale))
    return float(np.clip(size / 2 - (centre + 0.5) * scale, low, high))


def _place(glyph: np.ndarray, box: int, size: int) -> np.ndarray:
    """Scale a cropped glyph (h, w) so its longer side is ``box`` pixels and put it on a
    size×size canvas with its centre of mass at the middle, to a fraction of a pixel.

    Scaling and the sub-pixel shift are one Lanczos resampling (after a box reduction for large
    factors). The peak of the result is 1.
    """
    h, w = glyph.shape
    scale = box / max(h, w)
    cy, cx = _centre_of_mass(glyph)
    top, left = _start(cy, h, scale, size), _start(cx, w, scale, size)
    y0, y1 = max(math.floor(top), 0), min(math.ceil(top + h * scale), size)
    x0, x1 = max(math.floor(left), 0), min(math.ceil(left + w * scale), size)
    pad = math.ceil(1 / scale) + 1  # the window may start up to one output pixel before the glyph
    source = ((x0 - left) / scale + pad, (y0 - top) / scale + pad,
              (x1 - left) / scale + pad, (y1 - top) / scale + pad)
    padded = np.zeros((h + 2 * pad, w + 2 * pad), dtype=np.float32)
    padded[pad:pad + h, pad:pad + w] = glyph
    image = Image.fromarray(padded).resize((x1 - x0, y1 - y0), RESAMPLE, source,
                                           reducing_gap=REDUCING_GAP)
    canvas = np.zeros((size, size), dtype=np.float32)
    canvas[y0:y1, x0:x1] = np.clip(np.asarray(image), 0, 1)
    return canvas / canvas.max()


def _pen_for_size(glyph: np.ndarray) -> np.ndarray:
    """A cropped glyph (h, w) whose strokes are thicker than ``MAX_PEN_SHARE`` of its longer
    side (a tiny drawing with a thick pen) eroded in 3×3 steps, each recropped, until they are
    at most that thick or ``MIN_PEN`` pixels (at most ``MAX_PEN_STEPS`` steps), so that it
    reaches the network like the same glyph drawn large."""
    for _ in range(MAX_PEN_STEPS):
        if stroke_width(glyph) <= max(MAX_PEN_SHARE * max(glyph.shape), MIN_PEN):
            break
        thinner = rank_filter(glyph, np.minimum)
        if not (thinner > 0.5).any():
            break
        glyph = _crop_to_ink(thinner)
    return glyph


def normalize_ink(ink: np.ndarray, config: PreprocessConfig = DEFAULT_CONFIG) -> np.ndarray:
    """The glyph as the network sees it: float32 (size, size) in [0, 1], ink = 1.

    Parameters
    ----------
    ink : numpy.ndarray of shape (h, w)
        The ink map of one character (float32 in [0, 1], or uint8 with ink = 255), as made by
        :func:`model.ink.to_ink`, or a slice of one.
    config : PreprocessConfig, default PreprocessConfig()
        ``size``, ``box``, ``deskew`` and ``stroke_width`` (see there).

    Returns
    -------
    numpy.ndarray of shape (config.size, config.size), float32
        The ink map without specks and stray marks (:func:`model.specks.without_strays`)
        cropped to its bounding box (ignoring ``TRIM_SHARE`` of the mass on each
        side, so distant specks do not count), optionally deskewed, then scaled so that its
        longer side is ``config.box`` pixels and placed so that its centre of mass is at the
        centre to a fraction of a pixel (shifted back inside if it would stick out) - one
        Lanczos resampling - with its peak set to 1; finally, optionally, thickened or thinned
        towards ``config.stroke_width`` (which may grow it by a pixel on each side).

    Raises
    ------
    EmptyGlyphError
        The map holds no or nearly no ink.
    """
    unit = 255 if ink.dtype == np.uint8 else 1
    check_mass(ink.sum(dtype=np.uint64 if unit == 255 else np.float64) / unit, ink.size)
    glyph = _crop_to_ink(without_strays(ink))
    glyph = to_float(glyph) if unit == 255 else glyph.astype(np.float32, copy=False)
    glyph = _pen_for_size(glyph)
    if config.deskew:
        glyph = _deskew(glyph)
    glyph = _place(glyph, config.box, config.size)
    if config.stroke_width > 0:
        glyph = _set_stroke_width(glyph, config.stroke_width)
    return glyph
