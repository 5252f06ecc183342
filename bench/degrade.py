"""What cameras, scanners and dust do to a clean glyph image: the degradations of the benchmarks.

Every function takes a clean image (dark ink on white paper, or MNIST's light ink on black for
the glyph-sized ones) and a seeded ``numpy.random.Generator`` and returns a new image.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def photo(clean: np.ndarray, rng: np.random.Generator, scale: float = 2.0) -> Image.Image:
    """A phone photo of a drawing: uint8 (H, W) dark-on-white -> RGB JPEG-decoded image.

    Upscaled by ``scale`` (softly, like optics), ink turned grey or coloured (pencil, blue or
    black pen at 45-75% strength), paper tinted, light falling off linearly across the sheet to
    50-70% in a random direction, a vignette darkening the corners to 60-85%, sensor noise
    (sigma 2-6 levels) and JPEG at quality 35-75.
    """
    h, w = clean.shape
    big = Image.fromarray(clean).resize((round(w * scale), round(h * scale)),
                                        Image.Resampling.BICUBIC)
    ink_share = 1 - np.asarray(big, dtype=np.float32) / 255  # 1 = ink
    ink_share *= rng.uniform(0.45, 0.75)
    paper = np.array([255, 255, 255]) - rng.uniform(0, 35, 3)  # a tint
    ink = rng.choice([np.array([70, 70, 70]), np.array([30, 40, 140]), np.array([20, 20, 25]),
                      np.array([110, 100, 95])])
    colour = paper + ink_share[..., None] * (ink - paper)
    hh, ww = ink_share.shape
    y, x = np.mgrid[0:hh, 0:ww].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = (np.cos(angle) * (x / ww - 0.5) + np.sin(angle) * (y / hh - 0.5)) + 0.5
    light = 1 - rng.uniform(0.3, 0.5) * np.clip(along, 0, 1)
    radius = ((x / ww - 0.5) ** 2 + (y / hh - 0.5) ** 2) / 0.5
    light *= 1 - rng.uniform(0.15, 0.4) * radius
    colour = colour * light[..., None] + rng.normal(0, rng.uniform(2, 6), colour.shape)
    image = Image.fromarray(np.clip(colour, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(35, 76)))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def speckled(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dust and stray marks on a small glyph (28×28, light ink on black, uint8).

    8-20 specks of 1×1 to 3×3 pixels anywhere, and 0-2 thin stray marks 3-7 pixels long,
    horizontal, vertical or diagonal, anywhere.
    """
    out = glyph.copy()
    h, w = out.shape
    for _ in range(int(rng.integers(8, 21))):
        size = int(rng.integers(1, 4))
        top, left = int(rng.integers(0, h - size)), int(rng.integers(0, w - size))
        out[top:top + size, left:left + size] = rng.integers(160, 256)
    for _ in range(int(rng.integers(0, 3))):
        length = int(rng.integers(3, 8))
        dy, dx = [(0, 1), (1, 0), (1, 1), (1, -1)][int(rng.integers(4))]
        y, x = int(rng.integers(0, h - length)), int(rng.integers(length, w - length))
        for i in range(length):
            out[y + dy * i, x + dx * i] = 255
    return out


def noisy(glyph: np.ndarray, rng: np.random.Generator, sigma: float = 40.0) -> np.ndarray:
    """Gaussian sensor noise of ``sigma`` grey levels on a small glyph (uint8), clipped."""
    return np.clip(glyph + rng.normal(0, sigma, glyph.shape), 0, 255).astype(np.uint8)
