"""Glyph preprocessing: any image of one character -> the network's fixed-size input vector.

One pipeline serves training, evaluation, the command line and the GUI, in three steps that
live in their own modules:

1. image -> ink map (:mod:`model.ink`, reading files and arrays in :mod:`model.images`):
   float32 in [0, 1] with ink = 1, whatever the polarity, contrast, light or paper.
2. ink map -> network input (:mod:`model.glyph`): crop, deskew, scale into ``config.box``,
   centre by mass on a ``config.size`` square (the MNIST convention).
3. ink map -> glyph boxes (:mod:`model.segment`) for images holding several characters.

This module joins them for one glyph image: :func:`normalize_glyph`, :func:`preprocess` (its
ravelled vector), :func:`preprocess_many`, and :func:`working_image`, the 64×64 form in which
user samples are stored so that models of any input size can later be trained from them. The
public names of the step modules are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .glyph import DEFAULT_CONFIG, PreprocessConfig, normalize_ink, rank_filter
from .images import MAX_IMAGE_PIXELS, EmptyGlyphError, ImageError, ImageLike, load_image
from .ink import to_ink, work_ink
from .segment import crop, split_glyphs

__all__ = ["MAX_IMAGE_PIXELS", "WORKING_BOX", "WORKING_CONFIG", "WORKING_SIZE",
           "EmptyGlyphError", "ImageError", "PreprocessConfig", "crop", "load_image",
           "normalize_glyph", "preprocess", "preprocess_many", "rank_filter", "split_glyphs",
           "to_ink", "working_image"]

WORKING_SIZE = 64
WORKING_BOX = 56
WORKING_CONFIG = PreprocessConfig(size=WORKING_SIZE, box=WORKING_BOX)


def normalize_glyph(image: ImageLike, config: PreprocessConfig = DEFAULT_CONFIG
                    ) -> np.ndarray:
    """The glyph of one image as the network sees it: float32 (size, size) in [0, 1], ink = 1.

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        One character; anything :func:`to_ink` accepts. Images of more than
        ``model.images.WORK_PIXELS`` pixels are box-reduced first.
    config : PreprocessConfig, default PreprocessConfig()
    Returns
    -------
    numpy.ndarray of shape (config.size, config.size), float32
        :func:`model.glyph.normalize_ink` of the image's ink map.

    Raises
    ------
    EmptyGlyphError
        The image is blank or nearly blank.
    ImageError
        An unsupported array (see :func:`to_ink`).
    """
    return normalize_ink(work_ink(image), config)


def preprocess(image: ImageLike, config: PreprocessConfig = DEFAULT_CONFIG) -> np.ndarray:
    """The network's input vector for one glyph image: float32 (size * size,) in [0, 1].

    See :func:`normalize_glyph`, of which this is the ravelled result.
    """
    return normalize_glyph(image, config).ravel()


def preprocess_many(images: Iterable[ImageLike], config: PreprocessConfig = DEFAULT_CONFIG
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
