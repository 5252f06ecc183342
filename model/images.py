"""Reading images: files and arrays of any mode become 8-bit grey arrays.

:func:`load_image` opens a file safely (size checked before decoding, checksums verified);
:func:`grey_image` turns any PIL image or numpy array into greyscale with transparency
flattened; :func:`work_grey` also box-reduces very large images to about ``WORK_PIXELS``.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .fileformat import charrec_kind

ImageLike = Image.Image | np.ndarray

MAX_IMAGE_PIXELS = 40_000_000
# Larger images are box-reduced to about this many pixels before any other work.
WORK_PIXELS = 1024 * 1024
# Grey-level statistics (histogram, paper/ink levels) use a strided sample of about this size.
SAMPLE_PIXELS = 8192


class EmptyGlyphError(ValueError):
    """The image holds no ink (blank or nearly blank): there is nothing to classify."""


class ImageError(ValueError):
    """An image file that cannot be read (missing, empty, not an image, damaged, too large)."""



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
        kind = charrec_kind(path)  # Pillow takes any HDF5 file for an image it cannot decode
        if kind is not None:
            raise ImageError(f"cannot read {name}: it is {kind}, not an image") from None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageError(f"cannot read {name}: the file is damaged or truncated "
                         f"({reason})") from None


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
    step = sample_step(g.size)
    if a[::step, ::step].any():  # else the opaque parts may be thinner than the stride
        g, a = g[::step, ::step], a[::step, ::step]
    a = a.astype(np.float32)
    opacity = a.sum()
    if opacity == 0:
        raise EmptyGlyphError("the image is blank: it is fully transparent")
    paper = 255 if (g * a).sum() / opacity < 128 else 0
    return Image.composite(grey, Image.new("L", image.size, paper), alpha)


def grey_image(image: ImageLike) -> Image.Image:
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


def sample_step(pixels: int) -> int:
    """Stride in both directions that samples about ``SAMPLE_PIXELS`` of ``pixels`` pixels."""
    return max(1, int(math.sqrt(pixels / SAMPLE_PIXELS)))


def work_grey(image: ImageLike) -> np.ndarray:
    """8-bit grey array of an image, box-reduced to about ``WORK_PIXELS`` if it is larger."""
    grey = grey_image(image)
    factor = math.ceil(math.sqrt(grey.width * grey.height / WORK_PIXELS))
    return np.asarray(grey.reduce(factor) if factor > 1 else grey)
