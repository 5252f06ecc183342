"""Generated test images: jittered shapes, drawn strokes, and lines of text in a font."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from model.strokes import CANVAS_SIZE, Stroke, render_strokes

SHAPES = ("bar", "ring", "cross")
STROKE_SHAPES = ("|", "-", "o")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


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


def labelled_glyphs(per_class: int, seed: int = 0, names: tuple[str, ...] = SHAPES
                    ) -> tuple[list[Image.Image], list[str]]:
    """``per_class`` jittered images of each shape in ``names``: (images, labels)."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for name in names:
        for _ in range(per_class):
            images.append(glyph(name, rng))
            labels.append(name)
    return images, labels


def shape_points(label: str, rng: np.random.Generator) -> np.ndarray:
    """Canvas points of a hand-drawn-looking "|", "-" or "o", placed and sized at random."""
    centre = CANVAS_SIZE / 2 + rng.uniform(-30, 30, 2)
    half = rng.uniform(55, 95)
    t = np.linspace(-1, 1, 24)
    if label == "|":
        points = np.stack([t * half * 0.05, t * half], 1)
    elif label == "-":
        points = np.stack([t * half, t * half * 0.05], 1)
    else:
        angle = np.linspace(0, 2 * np.pi, 40)
        points = np.stack([np.cos(angle) * half * 0.8, np.sin(angle) * half], 1)
    return (points + centre + rng.normal(0, 1.0, points.shape)).astype(np.float32)


def shape_images(per_label: int, seed: int = 0) -> tuple[list, list[str]]:
    """Rendered canvas drawings of every stroke shape: (images, labels)."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label in STROKE_SHAPES:
        for _ in range(per_label):
            width = rng.uniform(10, 22)
            images.append(render_strokes([Stroke(shape_points(label, rng), width)]))
            labels.append(label)
    return images, labels


def text_image(text: str, size: int = 48, pad: int = 20) -> Image.Image:
    """Black ``text`` in DejaVu Sans of ``size`` pixels on white, ``pad`` pixels around it."""
    font = ImageFont.truetype(str(FONT), size)
    _, _, right, bottom = font.getbbox(text)
    image = Image.new("L", (right + 2 * pad, bottom + 2 * pad), 255)
    ImageDraw.Draw(image).text((pad, pad), text, font=font, fill=0)
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


def squeezed(text: str, squeeze: float, size: int = 48, font_path: str = str(FONT)
             ) -> Image.Image:
    """``text`` drawn letter by letter, each advance shortened by ``squeeze`` of the size."""
    font = ImageFont.truetype(font_path, size)
    image = Image.new("L", (int(font.getlength(text)) + 2 * size, 2 * size), 255)
    draw, x = ImageDraw.Draw(image), size / 2
    for char in text:
        draw.text((x, size / 3), char, font=font, fill=0)
        x += font.getlength(char) - squeeze * size
    return image.crop((0, 0, int(x + size / 2), image.height))
