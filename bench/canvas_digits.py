"""Canvas-style digit drawings: programmatic pen strokes, rendered like the app's canvas renders.

These are the held-out check that the digits model recognises what people draw with a mouse:
any size and position on a 280x280 canvas, thin or thick pen, slanted, open or closed loops,
1 with or without flag and base, 7 with or without a bar, 4 open or closed. They are never used
for training. ``python bench/canvas_digits.py OUT_DIR`` writes them as an image folder.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model.strokes import Stroke, render_strokes

CANVAS = 280
Curve = np.ndarray  # (n, 2) points in a unit box: x right, y down, digit about 0.6 x 1.0


def line(*points: tuple[float, float], n: int = 12) -> Curve:
    """Polyline through ``points`` with ``n`` samples per segment."""
    pts = np.asarray(points, np.float32)
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    segments = [a + t * (b - a) for a, b in itertools.pairwise(pts)]
    return np.concatenate([*segments, pts[-1:]])


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float,
        n: int = 40) -> Curve:
    """Elliptic arc; angles in degrees, 0 = right, 90 = down (screen coordinates)."""
    a = np.radians(np.linspace(start, stop, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1).astype(np.float32)


def join(*curves: Curve) -> Curve:
    return np.concatenate(curves)


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


def _wobble(curve: Curve, rng: np.random.Generator, amount: float) -> Curve:
    """Smooth hand tremor: low-frequency noise along the curve."""
    n = len(curve)
    knots = rng.normal(0, amount, (6, 2))
    t = np.linspace(0, 5, n)
    return curve + np.stack([np.interp(t, np.arange(6), knots[:, i]) for i in range(2)], 1)


def draw_digit(label: str, rng: np.random.Generator) -> tuple[list[Stroke], float]:
    """Random strokes for ``label`` placed on the canvas; returns (strokes, pen width)."""
    curves = DIGITS[label](rng)
    slant, angle = rng.uniform(-0.35, 0.25), np.radians(rng.uniform(-10, 10))
    height = rng.uniform(0.3, 0.9) * CANVAS
    width_scale = rng.uniform(0.75, 1.25)
    cos, sin = np.cos(angle), np.sin(angle)
    transform = np.array([[cos, -sin], [sin, cos]]) @ np.array([[width_scale, -slant], [0, 1]])
    placed = [(_wobble(c, rng, 0.015) - [0.3, 0.5]) @ transform.T * height for c in curves]
    pen = float(rng.choice([6, 10, 14, 18, 24]))
    margin = pen / 2 + 2
    allpts = np.concatenate(placed)
    fit = (CANVAS - 2 * margin - 1) / max((allpts.max(0) - allpts.min(0)).max(), 1.0)
    if fit < 1:  # a big, slanted digit: shrink it onto the canvas
        placed = [p * fit for p in placed]
        allpts = allpts * fit
    lo, hi = allpts.min(0), allpts.max(0)
    offset = [rng.uniform(margin - lo[i], CANVAS - margin - hi[i]) for i in range(2)]
    strokes = [Stroke(points=(p + offset).astype(np.float32), width=pen) for p in placed]
    return strokes, pen


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
