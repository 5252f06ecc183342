"""Shared by the preprocessing tests: the default config, a reference "2", comparing glyphs."""

import numpy as np
from PIL import Image, ImageDraw

from model.preprocess import PreprocessConfig, preprocess

CONFIG = PreprocessConfig()


def draw_two(size=(200, 200), box=(50, 40, 150, 160), width=12, ink=0, paper=255, mode="L"):
    """A '2'-like glyph: an upper arc, a diagonal and a base line inside ``box``."""
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = box
    mid = top + (bottom - top) * 2 // 5
    draw.arc((left, top, right, mid + (mid - top)), 180, 20, fill=ink, width=width)
    draw.line([(right - width // 2, mid), (left, bottom - width // 2)], fill=ink, width=width)
    draw.line([(left, bottom - width // 2), (right, bottom - width // 2)], fill=ink, width=width)
    return image


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def ink_box(glyph: np.ndarray, level: float = 0.05) -> tuple[int, int]:
    """Height and width of the part of ``glyph`` above ``level``."""
    rows = np.flatnonzero(glyph.max(axis=1) > level)
    cols = np.flatnonzero(glyph.max(axis=0) > level)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


REFERENCE = preprocess(draw_two())
