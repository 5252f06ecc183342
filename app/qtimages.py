"""Conversions between numpy/PIL images and Qt images."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def grey_qimage(array: np.ndarray) -> QImage:
    """A Grayscale8 QImage (own copy of the data) of a 2-D uint8 array."""
    data = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = data.shape
    return QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def ink_pixmap(ink: np.ndarray, scale: int = 1) -> QPixmap:
    """Dark ink on white paper, every pixel a ``scale`` x ``scale`` block (nearest neighbour).

    ``ink`` is uint8 with ink = 255 (working images) or float in [0, 1] with ink = 1.
    """
    if ink.dtype != np.uint8:
        ink = np.round(np.clip(ink, 0, 1) * 255).astype(np.uint8)
    image = grey_qimage(255 - ink)
    if scale != 1:
        image = image.scaled(image.width() * scale, image.height() * scale,
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    return QPixmap.fromImage(image)


def pil_from_qimage(image: QImage) -> Image.Image:
    """A PIL RGBA image with the pixels of ``image``."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = rgba.width(), rgba.height()
    rows = np.frombuffer(rgba.constBits(), np.uint8, count=rgba.bytesPerLine() * h)
    pixels = rows.reshape(h, rgba.bytesPerLine())[:, :w * 4].reshape(h, w, 4)
    return Image.fromarray(pixels.copy(), "RGBA")


def pil_qimage(image: Image.Image) -> QImage:
    """A Grayscale8 QImage of a PIL image (converted to 'L')."""
    return grey_qimage(np.asarray(image.convert("L")))
