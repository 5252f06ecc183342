"""Glyph preprocessing: any image of one character -> the network's fixed-size input vector.

One pipeline serves training, evaluation, the command line and the GUI:

1. :func:`to_ink` turns an image of any mode (or a numpy array) into an ink map: float32 in
   [0, 1] with ink = 1, whatever the polarity, contrast or transparency of the original, with
   faint noise, isolated specks and a thin frame along the image border removed.
2. :func:`normalize_glyph` crops the ink to its bounding box, optionally deskews it, scales it so
   that its longer side fills ``config.box`` pixels, optionally normalises the stroke width, and
   centres it by its centre of mass on a ``config.size`` square (the MNIST convention).
3. :func:`preprocess` ravels that into the network's input vector.

:func:`working_image` is the 64×64 form in which user samples are stored, so that models of any
input size can later be trained from them; :func:`split_glyphs` finds the characters of a written
string.
"""

from __future__ import annotations

import itertools
import math
import os
import struct
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .settings import Settings

ImageLike = Image.Image | np.ndarray
Box = tuple[int, int, int, int]

MAX_IMAGE_PIXELS = 40_000_000
WORKING_SIZE = 64
WORKING_BOX = 56

# Larger images are box-reduced to about this many pixels before any other work.
WORK_PIXELS = 1024 * 1024
# Grey-level statistics (histogram, paper/ink levels) use a strided sample of about this size.
SAMPLE_PIXELS = 8192
# Paper and ink must differ by at least this share of the full grey range.
MIN_CONTRAST = 0.1
# Darkness below this share of the way from paper to ink is paper (noise, texture, shadows).
NOISE_LEVEL = 0.25
# Less ink than max(MIN_INK_PIXELS, MIN_INK_SHARE * pixel count) pixel-equivalents is blank.
MIN_INK_PIXELS = 2.0
MIN_INK_SHARE = 2e-4
# The bounding box ignores this share of the ink mass on each side (distant specks).
TRIM_SHARE = 0.002
# A frame line lies along the border, covers this share of its side, and is at most
# max(3, FRAME_DEPTH_SHARE * shorter side) pixels thick.
FRAME_COVERAGE = 0.8
FRAME_DEPTH_SHARE = 0.03
# Deskewing shears by at most this much (x shift per y step).
MAX_SKEW = 1.0
# Stroke-width normalisation dilates or erodes by at most this many 3×3 steps.
MAX_STROKE_STEPS = 2
# Components of split_glyphs lighter than this share of the heaviest one are specks.
SPECK_SHARE = 0.02
# Boxes overlapping horizontally by this share of the narrower one belong to one glyph.
GLYPH_OVERLAP = 0.5
# split_glyphs pads its boxes by this share of the median glyph height.
SPLIT_MARGIN = 0.2
# Scaling: Lanczos, after a fast box reduction by an integer factor down to twice the size.
RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 2.0


class EmptyGlyphError(ValueError):
    """The image holds no ink (blank or nearly blank): there is nothing to classify."""


class ImageError(ValueError):
    """An image file that cannot be read (missing, empty, not an image, damaged, too large)."""


@dataclass(frozen=True)
class PreprocessConfig(Settings):
    """How an image becomes an input vector; stored in every model file.

    Attributes
    ----------
    size : int, default 28
        Side of the square output image; the vector has ``size * size`` entries.
    box : int, default 20
        Side of the box the cropped glyph is scaled into, preserving its aspect ratio
        (20 inside 28 is the MNIST convention).
    deskew : bool, default False
        Straighten slanted glyphs using image moments.
    stroke_width : float, default 0.0
        Normalise the stroke thickness to about this many pixels of the output; 0 keeps it.
    """

    WHAT = "preprocessing"

    size: int = 28
    box: int = 20
    deskew: bool = False
    stroke_width: float = 0.0

    @property
    def n_inputs(self) -> int:
        return self.size * self.size



WORKING_CONFIG = PreprocessConfig(size=WORKING_SIZE, box=WORKING_BOX)


# --------------------------------------------------------------------------- loading

def load_image(path: str | os.PathLike) -> Image.Image:
    """Open and fully decode an image file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    PIL.Image.Image
        The first frame, turned upright according to its EXIF orientation.

    Raises
    ------
    ImageError
        With a one-line message naming the file: it is missing, empty, not an image, damaged
        (checksums are verified) or truncated, or has more than :data:`MAX_IMAGE_PIXELS`
        pixels (checked before decoding, so a decompression bomb costs nothing).
    """
    name = Path(path).name
    try:
        if os.path.getsize(path) == 0:
            raise ImageError(f"cannot read {name}: the file is empty")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ImageError(f"cannot read {name}: the image is too large ({width}×"
                                     f"{height} pixels; the limit is {MAX_IMAGE_PIXELS:,})")
                image.verify()  # checksums, which decoding alone may not look at
            with Image.open(path) as image:
                image.load()
                return ImageOps.exif_transpose(image)
    except FileNotFoundError:
        raise ImageError(f"cannot read {name}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"cannot read {name}: it is a folder") from None
    except UnidentifiedImageError:
        raise ImageError(f"cannot read {name}: not an image file, or an unsupported "
                         f"format") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"cannot read {name}: the image is too large") from None
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError,
            struct.error, zlib.error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageError(f"cannot read {name}: the file is damaged or truncated "
                         f"({reason})") from None


# --------------------------------------------------------------------------- grey levels

def _full_scale(array: np.ndarray) -> tuple[float, float]:
    """(offset, range) that map the values of ``array`` onto [0, 1]; see :func:`to_ink`."""
    nominal = {("b", 1): 1.0, ("u", 1): 255.0, ("u", 2): 65535.0}  # any byte order
    key = (array.dtype.kind, array.dtype.itemsize)
    if key in nominal:
        return 0.0, nominal[key]
    low, high = float(array.min()), float(array.max())
    if low >= 0:
        for limit in (1.0, 255.0, 65535.0) if array.dtype.kind in "iu" else (1.0,):
            if high <= limit:
                return 0.0, limit
    return low, (high - low) or 1.0


def _array_image(array: np.ndarray) -> Image.Image:
    """A numpy array (H, W) or (H, W, C) with C in 1..4 as an 8-bit L, LA, RGB or RGBA image."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] > 4) or array.size == 0:
        raise ImageError(f"an image array must have shape (H, W) or (H, W, 1..4) and at least "
                         f"one pixel, got {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ImageError(f"an image array must hold numbers, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ImageError("the image array contains NaN or infinite values")
    if array.dtype != np.uint8:
        offset, scale = _full_scale(array)
        unit = (array.astype(np.float64) - offset) / scale  # float64: no overflow for float32
        array = np.clip(unit * 255 + 0.5, 0, 255).astype(np.uint8)
    mode = {2: "L", 3: "RGB", 4: "RGBA"}[array.shape[2]] if array.ndim == 3 else "L"
    if array.ndim == 3 and array.shape[2] == 2:
        return Image.merge("LA", [Image.fromarray(np.ascontiguousarray(array[:, :, i]))
                                  for i in range(2)])
    return Image.fromarray(np.ascontiguousarray(array), mode)


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """An image with transparency as L, composited onto paper that contrasts with its ink.

    Whatever is opaque is drawing: the paper under transparent parts is white when the opaque
    pixels are mostly dark and black otherwise.
    """
    if image.mode not in ("LA", "RGBA"):
        image = image.convert("RGBA")
    grey, alpha = image.convert("L"), image.getchannel("A")
    g, a = np.asarray(grey), np.asarray(alpha)
    step = _sample_step(g.size)
    if a[::step, ::step].any():  # else the opaque parts may be thinner than the stride
        g, a = g[::step, ::step], a[::step, ::step]
    a = a.astype(np.float32)
    opacity = a.sum()
    if opacity == 0:
        raise EmptyGlyphError("the image is blank: it is fully transparent")
    paper = 255 if (g * a).sum() / opacity < 128 else 0
    return Image.composite(grey, Image.new("L", image.size, paper), alpha)


def _grey_image(image: ImageLike) -> Image.Image:
    """Any supported image or array as an 8-bit greyscale (L) image, transparency flattened."""
    if isinstance(image, np.ndarray):
        image = _array_image(image)
    elif not isinstance(image, Image.Image):
        raise TypeError(f"expected a PIL image or a numpy array, got {type(image).__name__}")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = _array_image(np.asarray(image))
    if image.mode == "L":
        return image
    if "A" in image.mode or "a" in image.mode or "transparency" in image.info:
        return _flatten_alpha(image)
    return image.getchannel("L") if image.mode == "LAB" else image.convert("L")


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


def _sample_step(pixels: int) -> int:
    """Stride in both directions that samples about ``SAMPLE_PIXELS`` of ``pixels`` pixels."""
    return max(1, int(math.sqrt(pixels / SAMPLE_PIXELS)))


def _sample(grey: np.ndarray) -> np.ndarray:
    """A strided sample of about ``SAMPLE_PIXELS`` pixels of a grey array (H, W) - or all of it
    if the sample is uniform, as strokes thinner than the stride may fall between its rows."""
    step = _sample_step(grey.size)
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


def _paper_and_ink(grey: np.ndarray) -> tuple[float, float]:
    """Grey levels (0..255) of the paper and of the ink of an 8-bit grey array (H, W).

    Otsu's threshold splits the levels into a dark and a light class; :func:`_dark_is_paper`
    tells which is the paper. Each level is its class's median.

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
    paper, ink = ((dark_level, light_level) if _dark_is_paper(grey, sample, threshold)
                  else (light_level, dark_level))
    if abs(ink - paper) < MIN_CONTRAST * 255:
        raise EmptyGlyphError(f"the image is blank: its contrast is too low (ink and paper "
                              f"differ by {abs(ink - paper) / 255:.0%})")
    return paper, ink


# --------------------------------------------------------------------------- ink map

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


def _ink_map(grey: np.ndarray) -> np.ndarray:
    """Ink map (H, W) of an 8-bit grey array as uint8, ink = 255; see :func:`to_ink`."""
    paper, ink_level = _paper_and_ink(grey)
    levels = (np.arange(256) - paper) / (ink_level - paper)
    lut = np.where(levels < NOISE_LEVEL, 0, np.clip(levels, 0, 1))
    ink = np.take(np.round(lut * 255).astype(np.uint8), grey)
    mask = ink > 0
    ink[mask & (_box3_count(mask) == 1)] = 0
    _remove_frame(ink, mask)
    return ink


def _check_mass(mass: float, pixels: int) -> None:
    """Raise EmptyGlyphError if ``mass`` (pixels' worth of ink) is too little for ``pixels``."""
    if mass < max(MIN_INK_PIXELS, MIN_INK_SHARE * pixels):
        raise EmptyGlyphError(f"the image is blank: it holds only {mass:.1f} pixels' worth of "
                              f"ink")


def _to_float(ink: np.ndarray) -> np.ndarray:
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
    ink = _ink_map(np.asarray(_grey_image(image)))
    _check_mass(ink.sum(dtype=np.uint64) / 255, ink.size)
    return _to_float(ink)


# --------------------------------------------------------------------------- glyph geometry

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


def _stroke_width(glyph: np.ndarray) -> float:
    """Estimated stroke width of a glyph (h, w) in pixels: ink mass / (half the perimeter).

    The perimeter counts the edges between ink (> 0.5) and paper pixels, so that a stroke of
    width ``s`` and length ``l >> s`` gives about ``s``.
    """
    mask = np.pad(glyph > 0.5, 1).view(np.int8)
    perimeter = np.count_nonzero(np.diff(mask, axis=0)) + np.count_nonzero(np.diff(mask, axis=1))
    return float(2 * glyph.sum() / max(perimeter, 1))


def _set_stroke_width(glyph: np.ndarray, target: float) -> np.ndarray:
    """Dilate or erode a scaled glyph (h, w) in 3×3 steps, the last one partial, so that its
    stroke width approaches ``target`` pixels (at most ``MAX_STROKE_STEPS`` steps; erosion
    stops at a width of 1 pixel)."""
    width = _stroke_width(glyph)
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


def _work_grey(image: ImageLike) -> np.ndarray:
    """8-bit grey array of an image, box-reduced to about ``WORK_PIXELS`` if it is larger."""
    grey = _grey_image(image)
    factor = math.ceil(math.sqrt(grey.width * grey.height / WORK_PIXELS))
    return np.asarray(grey.reduce(factor) if factor > 1 else grey)


def normalize_glyph(image: ImageLike, config: PreprocessConfig = PreprocessConfig()
                    ) -> np.ndarray:
    """The glyph as the network sees it: float32 (size, size) in [0, 1], ink = 1.

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        One character; anything :func:`to_ink` accepts. Images of more than ``WORK_PIXELS``
        pixels are box-reduced first.
    config : PreprocessConfig, default PreprocessConfig()
        ``size``, ``box``, ``deskew`` and ``stroke_width`` (see there).

    Returns
    -------
    numpy.ndarray of shape (config.size, config.size), float32
        The ink map cropped to its bounding box (ignoring ``TRIM_SHARE`` of the mass on each
        side, so distant specks do not count), optionally deskewed, then scaled so that its
        longer side is ``config.box`` pixels and placed so that its centre of mass is at the
        centre to a fraction of a pixel (shifted back inside if it would stick out) - one
        Lanczos resampling - with its peak set to 1; finally, optionally, thickened or thinned
        towards ``config.stroke_width`` (which may grow it by a pixel on each side).

    Raises
    ------
    EmptyGlyphError
        The image is blank or nearly blank.
    ImageError
        An unsupported array (see :func:`to_ink`).
    """
    ink = _ink_map(_work_grey(image))
    _check_mass(ink.sum(dtype=np.uint64) / 255, ink.size)
    glyph = _to_float(_crop_to_ink(ink))
    if config.deskew:
        glyph = _deskew(glyph)
    glyph = _place(glyph, config.box, config.size)
    if config.stroke_width > 0:
        glyph = _set_stroke_width(glyph, config.stroke_width)
    return glyph


def preprocess(image: ImageLike, config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """The network's input vector for one glyph image: float32 (size * size,) in [0, 1].

    See :func:`normalize_glyph`, of which this is the ravelled result.
    """
    return normalize_glyph(image, config).ravel()


def preprocess_many(images: Iterable[ImageLike], config: PreprocessConfig = PreprocessConfig()
                    ) -> np.ndarray:
    """Input vectors (n, size * size) float32 for a sequence of glyph images.

    Raises
    ------
    EmptyGlyphError
        One of the images is blank; the message says which (counting from 0).
    """
    rows = []
    for i, image in enumerate(images):
        try:
            rows.append(preprocess(image, config))
        except EmptyGlyphError as exc:
            raise EmptyGlyphError(f"{exc} (image {i})") from None
    if not rows:
        return np.empty((0, config.n_inputs), dtype=np.float32)
    return np.stack(rows)


def working_image(image: ImageLike) -> np.ndarray:
    """The stored form of a user sample: uint8 (64, 64), ink = 255, paper = 0.

    The glyph is scaled so that its longer side is ``WORKING_BOX`` (56) pixels and centred
    by its centre of mass; ``preprocess(working_image(image), config)`` then gives nearly
    the same vector as ``preprocess(image, config)`` for any config with a box below 56.

    Raises
    ------
    EmptyGlyphError
        The image is blank or nearly blank.
    """
    return np.round(normalize_glyph(image, WORKING_CONFIG) * 255).astype(np.uint8)


# --------------------------------------------------------------------------- several glyphs

def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal runs of a bool mask (H, W): row, start and stop (exclusive), row-major order."""
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).view(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, stops = np.nonzero(edges == -1)
    return rows, starts, stops


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _label_runs(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Component (root run index) of every run, runs touching 8-connectedly being joined."""
    parent = list(range(len(rows)))
    bounds = np.searchsorted(rows, np.arange(rows[-1] + 2))
    for row in range(len(bounds) - 2):
        i, i_end = int(bounds[row]), int(bounds[row + 1])
        j, j_end = i_end, int(bounds[row + 2])
        while i < i_end and j < j_end:
            if starts[i] <= stops[j] and starts[j] <= stops[i]:  # overlap or diagonal contact
                parent[_find(parent, i)] = _find(parent, j)
            if stops[i] < stops[j]:
                i += 1
            else:
                j += 1
    return np.array([_find(parent, i) for i in range(len(parent))], dtype=np.intp)


def _components(mask: np.ndarray) -> np.ndarray:
    """Bounding boxes and pixel counts of the 8-connected components of a bool mask (H, W).

    Returns
    -------
    numpy.ndarray of shape (n, 5), int64
        Rows of (left, top, right, bottom, pixels); right and bottom are exclusive.
    """
    rows, starts, stops = _runs(mask)
    if not len(rows):
        return np.empty((0, 5), dtype=np.int64)
    _, label = np.unique(_label_runs(rows, starts, stops), return_inverse=True)
    n = label.max() + 1
    out = np.empty((n, 5), dtype=np.int64)
    out[:, :2], out[:, 2:4], out[:, 4] = np.iinfo(np.int64).max, -1, 0
    np.minimum.at(out[:, 0], label, starts)
    np.minimum.at(out[:, 1], label, rows)
    np.maximum.at(out[:, 2], label, stops)
    np.maximum.at(out[:, 3], label, rows + 1)
    np.add.at(out[:, 4], label, stops - starts)
    return out


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


def split_glyphs(image: ImageLike, min_gap: int = 0) -> list[Box]:
    """Boxes around the characters in an image of a written string, left to right.

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        One row of characters; anything :func:`to_ink` accepts.
    min_gap : int, default 0
        Pieces fewer than this many pixels apart horizontally are one character. Pieces that
        overlap horizontally by half the narrower one always are (the dot of an 'i', the
        bars of '=', the parts of '%').

    Returns
    -------
    list of (left, top, right, bottom)
        Pixel boxes of the original image, right and bottom exclusive (PIL's crop boxes): the
        ink's bounding box padded with paper, ``SPLIT_MARGIN`` of the median glyph height on
        every side but at most half the gap to the next glyph, so that ``image.crop(box)``
        shows one glyph with margins (which also keeps its polarity unambiguous). Connected
        components of the ink map lighter than ``SPECK_SHARE`` of the heaviest are dropped.
        Empty for a blank image.
    """
    try:
        ink = to_ink(image)
    except EmptyGlyphError:
        return []
    h, w = ink.shape
    factor = math.ceil(math.sqrt(h * w / WORK_PIXELS))
    mask = ink > 0
    if factor > 1:  # max-pool, so that thin strokes survive
        padded = np.pad(mask, ((0, -h % factor), (0, -w % factor)))
        mask = padded.reshape(padded.shape[0] // factor, factor, -1, factor).any(axis=(1, 3))
    parts = _components(mask)
    parts = parts[parts[:, 4] >= SPECK_SHARE * parts[:, 4].max(initial=0)]
    merged = _merge_boxes(list(parts), max(math.ceil(min_gap / factor), 0))
    limits = (w, h, w, h)
    boxes = sorted(tuple(min(int(v) * factor, limit) for v, limit in zip(box[:4], limits,
                                                                         strict=True))
                   for box in merged)
    return _with_margins(boxes, w, h) if boxes else []


def crop(image: ImageLike, box: Box) -> np.ndarray:
    """The ink map of one box of an image, with a margin of paper: float32 (h', w') in [0, 1].

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        Anything :func:`to_ink` accepts; passing ``to_ink(image)`` itself saves recomputing it
        for every box.
    box : (left, top, right, bottom)
        As returned by :func:`split_glyphs`.

    Returns
    -------
    numpy.ndarray, float32
        The box's ink, padded with max(2, longer side // 8) pixels of paper on every side, so
        that it can go straight into :func:`preprocess` or :func:`working_image`.
    """
    left, top, right, bottom = box
    ink = to_ink(image)[top:bottom, left:right]
    return np.pad(ink, max(2, max(ink.shape) // 8))
