"""Small generated glyph images for the sample, training and command-line tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("bar", "ring", "cross")


def glyph(shape: str, rng: np.random.Generator, size: int = 40) -> Image.Image:
    """A ``size`` x ``size`` greyscale image of dark ``shape`` on white, randomly jittered."""
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    m = size * rng.uniform(0.1, 0.25, 4)
    left, top, right, bottom = m[0], m[1], size - m[2], size - m[3]
    width = int(rng.integers(2, 5))
    if shape == "bar":
        x = (left + right) / 2 + rng.uniform(-3, 3)
        draw.line((x, top, x + rng.uniform(-4, 4), bottom), fill=0, width=width)
    elif shape == "ring":
        draw.ellipse((left, top, right, bottom), outline=0, width=width)
    elif shape == "cross":
        draw.line((left, top, right, bottom), fill=0, width=width)
        draw.line((left, bottom, right, top), fill=0, width=width)
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return image


def write_folder(root: Path, per_class: int, seed: int = 0,
                 shapes: tuple[str, ...] = SHAPES) -> Path:
    """Write ``ROOT/<shape>/<i>.png`` image folders; return ``root``."""
    rng = np.random.default_rng(seed)
    for shape in shapes:
        (root / shape).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            glyph(shape, rng).save(root / shape / f"{i}.png")
    return root
