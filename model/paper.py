"""Paper that is not evenly white: estimate the background and divide it out.

Photos and scans of paper are lit unevenly (light falling off across the sheet, a vignette,
shadows), tinted, and noisy. :func:`flatten` turns such a grey image into dark ink on evenly
white paper: the background is estimated at a coarse scale by a grey-level closing (dark ink)
or opening (light ink) larger than any stroke, smoothed, scaled back up and divided out
(the "blur-and-divide" of document imaging; see e.g. Sauvola & Pietikäinen, "Adaptive document
image binarization", Pattern Recognition 33, 2000, for why a threshold must follow the local
background); sensor noise and JPEG blocks are then smoothed with a blur sized by the measured
noise.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

# The background is estimated on a box-reduced copy whose shorter side is about this long...
BACKGROUND_SIDE = 64
# ... by a closing (or opening) over this share of that shorter side (odd, at least 3 pixels):
# larger than a stroke, small enough to follow the light across the sheet.
BACKGROUND_WINDOW = 1 / 6
# Noise (robust standard deviation of the paper) above this share of the ink's contrast is
# smoothed by a Gaussian blur of radius NOISE_BLUR per such share, at most MAX_BLUR pixels.
NOISE_SHARE = 0.04
NOISE_BLUR = 0.4
MAX_BLUR = 2.0


def _sliding(image: np.ndarray, reduce: np.ufunc, size: int) -> np.ndarray:
    """``reduce`` (np.maximum, np.minimum or np.add) over size×size windows of a float array
    (h, w), edges repeated; np.add gives the mean."""
    half = size // 2
    padded = np.pad(image, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view
    rows = reduce.reduce(windows(padded, size, axis=0), axis=-1)
    out = reduce.reduce(windows(rows, size, axis=1), axis=-1)
    return out / (size * size) if reduce is np.add else out


def _dark_ink(small: np.ndarray) -> bool:
    """Whether the ink of a (box-reduced) grey image is darker than its paper.

    A smooth quadratic surface (light falling off, a vignette) is fitted to the image by least
    squares, refitted without the pixels far from it; the ink is what sticks out of it most,
    darker or lighter.
    """
    h, w = small.shape
    y, x = np.mgrid[0:h, 0:w].reshape(2, -1) / max(h, w)
    basis = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=1)
    levels = small.ravel().astype(np.float64)
    keep = np.ones(len(levels), dtype=bool)
    for _ in range(2):
        coefficients = np.linalg.lstsq(basis[keep], levels[keep], rcond=None)[0]
        residual = levels - basis @ coefficients
        spread = 1.4826 * float(np.median(np.abs(residual))) + 1.0
        keep = np.abs(residual) < 2.5 * spread
    darker = np.clip(-residual - 3 * spread, 0, None).sum()
    return bool(darker >= np.clip(residual - 3 * spread, 0, None).sum())


def background(grey: np.ndarray) -> tuple[np.ndarray, bool]:
    """Background (paper) level of every pixel of an 8-bit grey array, and the ink polarity.

    Parameters
    ----------
    grey : numpy.ndarray of shape (H, W), uint8

    Returns
    -------
    paper : numpy.ndarray of shape (H, W), float32
        The grey level the paper would have there without ink: a grey-level closing (dark
        ink) or opening (light ink) of the box-reduced image, smoothed and scaled back up.
        The image is extended beyond its border by odd reflection first, so that light
        falling off towards an edge is followed there too.
    dark_ink : bool
        Whether the ink is darker than the paper (see :func:`_dark_ink`).
    """
    h, w = grey.shape
    factor = max(1, min(h, w) // BACKGROUND_SIDE)
    small = Image.fromarray(grey)
    small = np.asarray(small.reduce(factor) if factor > 1 else small, dtype=np.float32)
    dark_ink = _dark_ink(small)
    size = max(3, round(min(small.shape) * BACKGROUND_WINDOW) | 1)
    first, second = (np.maximum, np.minimum) if dark_ink else (np.minimum, np.maximum)
    extended = np.pad(small, size, mode="reflect", reflect_type="odd")
    paper = _sliding(_sliding(_sliding(extended, first, size), second, size), np.add, size)
    paper = np.ascontiguousarray(paper[size:-size, size:-size], dtype=np.float32)
    full = Image.fromarray(paper, "F").resize((w, h), Image.Resampling.BILINEAR)
    return np.asarray(full), dark_ink


def _noise(flat: np.ndarray) -> float:
    """Robust standard deviation of the paper (levels above 128) of a flattened image, from the
    median absolute difference between horizontal neighbours."""
    step = max(1, int(np.sqrt(flat.size / 65536)))
    sample = flat[::step].astype(np.int16)
    paper = (sample[:, 1:] > 128) & (sample[:, :-1] > 128)
    difference = np.abs(np.diff(sample, axis=1))[paper]
    return float(np.median(difference)) * 1.4826 / np.sqrt(2) if difference.size else 0.0


def flatten(grey: np.ndarray, paper_level: float, dark_ink: bool) -> np.ndarray:
    """Dark ink on even white paper: uint8 (H, W), paper 255, from any unevenly lit grey image.

    Parameters
    ----------
    grey : numpy.ndarray of shape (H, W), uint8
    paper_level : float
    dark_ink : bool
        The paper's grey level and the polarity found from the grey levels alone, used for
        images smaller than ``2 * BACKGROUND_SIDE`` on their shorter side: glyph-sized images
        are not lit unevenly (their spread levels are noise), so their background is not
        estimated.

    Returns
    -------
    numpy.ndarray of shape (H, W), uint8
        The image divided by its :func:`background` (dark ink) - or its inverse by the inverse
        background (light ink) - so that paper becomes 255 and ink keeps its contrast relative
        to the paper around it; then blurred if it is noisy (see ``NOISE_SHARE``).
    """
    if min(grey.shape) >= 2 * BACKGROUND_SIDE:
        paper, dark_ink = background(grey)
    else:
        paper = np.float32(paper_level)
    if dark_ink:
        ratio = grey / np.maximum(paper, 1.0)
    else:
        ratio = (255.0 - grey) / np.maximum(255.0 - paper, 1.0)
    flat = np.clip(ratio * 255.0, 0, 255).astype(np.uint8)
    contrast = 255.0 - float(np.percentile(flat[::max(1, flat.shape[0] // 128)], 0.5))
    noise = _noise(flat) / max(contrast, 1.0)
    if noise > NOISE_SHARE:
        radius = float(min(MAX_BLUR, NOISE_BLUR * noise / NOISE_SHARE))
        flat = np.asarray(Image.fromarray(flat).filter(ImageFilter.GaussianBlur(radius)))
    return flat
