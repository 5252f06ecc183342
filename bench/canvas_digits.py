"""Canvas-style digit drawings: programmatic pen strokes, rendered like the app's canvas renders.

These are the held-out check that the digits model recognises what people draw with a mouse:
any size and position on a 280x280 canvas, thin or thick pen, slanted, open or closed loops,
1 with or without flag and base, 7 with or without a bar, 4 open or closed. They are never used
for training. ``python bench/canvas_digits.py OUT_DIR`` writes them as an image folder.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model.sketch import arc, join, line, place
from model.strokes import CANVAS_SIZE, Stroke, render_strokes

CANVAS = CANVAS_SIZE


def _zero(rng):
    gap = rng.uniform(0, 25) if rng.random() < 0.3 else 0  # sometimes not quite closed
    return [arc(0.3, 0.5, 0.28, 0.48, -90 + gap, 270 - gap * 0.2)]


def _one(rng):
    strokes = [line((0.32, 0.0), (0.3, 1.0))]
    if rng.random() < 0.5:
        strokes[0] = join(line((0.1, 0.22), (0.32, 0.0)), strokes[0])  # flag
    if rng.random() < 0.35:
        strokes.append(line((0.1, 1.0), (0.52, 1.0)))  # base
    return strokes


def _two(rng):
    return [join(arc(0.3, 0.27, 0.27, 0.26, 190, 370), line((0.57, 0.3), (0.02, 1.0), (0.6, 1.0)))]


def _three(rng):
    if rng.random() < 0.3:  # flat-topped 3
        return [join(line((0.05, 0.0), (0.55, 0.0), (0.25, 0.4)),
                     arc(0.3, 0.7, 0.28, 0.3, -80, 150))]
    return [join(arc(0.3, 0.24, 0.25, 0.24, 200, 450), arc(0.3, 0.73, 0.29, 0.27, -90, 150))]


def _four(rng):
    if rng.random() < 0.5:  # closed
        return [line((0.45, 0.0), (0.0, 0.68), (0.62, 0.68)), line((0.45, 0.0), (0.45, 1.0))]
    return [line((0.08, 0.0), (0.02, 0.6), (0.6, 0.6)), line((0.45, 0.15), (0.45, 1.0))]


def _five(rng):
    return [join(line((0.56, 0.0), (0.08, 0.0), (0.05, 0.42)), arc(0.28, 0.7, 0.3, 0.3, -120, 150))]


def _six(rng):
    return [join(arc(0.55, 0.55, 0.5, 0.55, -100, -175), arc(0.3, 0.7, 0.27, 0.29, 180, 540))]


def _seven(rng):
    strokes = [line((0.0, 0.02), (0.6, 0.0), (0.2, 1.0))]
    if rng.random() < 0.4:
        strokes.append(line((0.15, 0.52), (0.55, 0.5)))  # crossbar
    return strokes


def _eight(rng):
    if rng.random() < 0.5:  # two loops
        return [arc(0.3, 0.24, 0.22, 0.24, 0, 360), arc(0.3, 0.73, 0.28, 0.27, -90, 270)]
    t = np.linspace(0, 2 * np.pi, 90)  # one figure-eight stroke
    return [np.stack([0.3 + 0.27 * np.sin(2 * t) / 1.0, 0.5 - 0.5 * np.cos(t)], 1)]


def _nine(rng):
    stem = (line((0.56, 0.28), (0.5, 1.0)) if rng.random() < 0.6
            else arc(0.1, 0.3, 0.46, 0.7, 0, 110))
    return [join(arc(0.3, 0.27, 0.26, 0.26, 0, 360), stem)]


DIGITS: dict[str, Callable] = dict(zip("0123456789", (
    _zero, _one, _two, _three, _four, _five, _six, _seven, _eight, _nine), strict=True))


def draw_digit(label: str, rng: np.random.Generator) -> tuple[list[Stroke], float]:
    """Random strokes for ``label`` placed on the canvas; returns (strokes, pen width)."""
    strokes = place(DIGITS[label](rng), rng)
    return strokes, strokes[0].width


def make_set(per_class: int, seed: int) -> list[tuple[np.ndarray, str]]:
    """``per_class`` drawings of every digit as (280x280 uint8 image, label), white paper."""
    rng = np.random.default_rng(seed)
    out = []
    for label in DIGITS:
        for _ in range(per_class):
            strokes, _pen = draw_digit(label, rng)
            out.append((np.asarray(render_strokes(strokes, CANVAS)), label))
    return out


def main(out_dir: str, per_class: int = 50, seed: int = 2026) -> None:
    from PIL import Image

    root = Path(out_dir)
    for i, (image, label) in enumerate(make_set(per_class, seed)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / label / f"{i:04d}.png")
    print(f"wrote {per_class * 10} drawings to {root}")


if __name__ == "__main__":
    main(*sys.argv[1:2], *map(int, sys.argv[2:4]))
