"""Own symbols drawn with pen strokes: the data the "train on your own samples" benchmarks use.

Twenty shapes no test uses, each with a few ways people draw it (one stroke or several, closed or
not, proportions), placed on the canvas at random by :func:`model.sketch.place` and rendered by
the canvas's own renderer. ``SYMBOLS`` keeps a fixed order: benchmarks take the first twelve as a
"dozen symbols", the first six as a reject model's labels and the next six as symbols it never
saw (chosen before any figure was measured).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from model.sketch import arc, join, line, place
from model.strokes import CANVAS_SIZE, render_strokes


def _plus(rng):
    y = rng.uniform(0.4, 0.6)
    return [line((0.3, 0.05), (0.3, 0.95)), line((-0.1, y), (0.7, y))]


def _triangle(rng):
    top, left, right = (0.3, 0.05), (-0.1, 0.9), (0.7, 0.9)
    if rng.random() < 0.6:
        return [line(top, left, right, top)]
    return [line(top, left), line(left, right), line(right, top)]


def _heart(rng):
    return [join(arc(0.12, 0.3, 0.18, 0.18, 180, 360), arc(0.48, 0.3, 0.18, 0.18, 180, 360),
                 line((0.66, 0.3), (0.3, 0.95), (-0.06, 0.3)))]


def _spiral(rng):
    t = np.linspace(0, rng.uniform(2.5, 3.2) * 2 * np.pi, 120)
    r = 0.45 * t / t[-1]
    return [np.stack([0.3 + r * np.cos(t), 0.5 + r * np.sin(t)], 1).astype(np.float32)]


def _hash(rng):
    return [line((0.15, 0.0), (0.05, 1.0)), line((0.5, 0.0), (0.4, 1.0)),
            line((-0.1, 0.33), (0.7, 0.33)), line((-0.15, 0.67), (0.65, 0.67))]


def _alpha(rng):
    return [join(line((0.75, 0.2), (0.45, 0.7)), arc(0.2, 0.55, 0.28, 0.3, -10, 350),
                 line((0.45, 0.35), (0.8, 0.95)))]


def _star(rng):
    angles = np.radians(-90 + 144 * np.arange(6))
    return [np.stack([0.3 + 0.5 * np.cos(angles), 0.55 + 0.5 * np.sin(angles)], 1)
            .astype(np.float32)]


def _check(rng):
    return [line((-0.05, 0.55), (0.2, 0.95), (0.75, 0.0))]


def _infinity(rng):
    t = np.linspace(0, 2 * np.pi, 90)
    return [np.stack([0.3 + 0.6 * np.sin(t), 0.5 + 0.25 * np.sin(2 * t)], 1).astype(np.float32)]


def _pi(rng):
    return [line((-0.1, 0.1), (0.75, 0.1)), line((0.1, 0.1), (0.05, 0.95)),
            join(line((0.5, 0.1), (0.5, 0.85)), arc(0.6, 0.85, 0.1, 0.1, 180, 90))]


def _smiley(rng):
    return [arc(0.3, 0.5, 0.5, 0.5, 0, 360, 60), line((0.12, 0.3), (0.12, 0.4), n=2),
            line((0.48, 0.3), (0.48, 0.4), n=2), arc(0.3, 0.55, 0.28, 0.22, 20, 160)]


def _house(rng):
    return [line((-0.1, 0.45), (0.3, 0.0), (0.7, 0.45)),
            line((-0.05, 0.45), (-0.05, 1.0), (0.65, 1.0), (0.65, 0.45))]


def _arrow(rng):
    return [line((-0.15, 0.5), (0.75, 0.5)), line((0.45, 0.2), (0.75, 0.5), (0.45, 0.8))]


def _zigzag(rng):
    return [line((-0.1, 0.1), (0.7, 0.1), (-0.1, 0.5), (0.7, 0.5), (-0.1, 0.9), (0.7, 0.9))]


def _square(rng):
    if rng.random() < 0.6:
        return [line((-0.1, 0.15), (0.7, 0.15), (0.7, 0.95), (-0.1, 0.95), (-0.1, 0.15))]
    return [line((-0.1, 0.15), (0.7, 0.15), (0.7, 0.95)), line((-0.1, 0.15), (-0.1, 0.95),
                                                               (0.7, 0.95))]


def _wave(rng):
    t = np.linspace(0, 2 * np.pi * rng.uniform(1.5, 2.0), 80)
    return [np.stack([-0.2 + t / t[-1], 0.5 + 0.15 * np.sin(t)], 1).astype(np.float32)]


def _hourglass(rng):
    return [line((-0.1, 0.05), (0.7, 0.05), (-0.1, 0.95), (0.7, 0.95), (-0.1, 0.05))]


def _omega(rng):
    return [join(line((-0.15, 0.95), (0.1, 0.95)), arc(0.3, 0.5, 0.35, 0.45, 135, 405),
                 line((0.5, 0.95), (0.75, 0.95)))]


def _bowl(rng):
    return [arc(0.3, 0.3, 0.45, 0.6, 0, 180), line((-0.15, 0.3), (0.75, 0.3))]


def _flag(rng):
    return [line((0.0, 1.0), (0.0, 0.0)), line((0.0, 0.0), (0.65, 0.2), (0.0, 0.45))]


SYMBOLS: dict[str, Callable] = {
    "plus": _plus, "triangle": _triangle, "heart": _heart, "spiral": _spiral, "hash": _hash,
    "alpha": _alpha, "star": _star, "check": _check, "infinity": _infinity, "pi": _pi,
    "smiley": _smiley, "house": _house, "arrow": _arrow, "zigzag": _zigzag, "square": _square,
    "wave": _wave, "hourglass": _hourglass, "omega": _omega, "bowl": _bowl, "flag": _flag,
}
DOZEN = list(SYMBOLS)[:12]
KNOWN, UNSEEN = DOZEN[:6], DOZEN[6:12]


def draw(name: str, rng: np.random.Generator) -> np.ndarray:
    """One drawing of symbol ``name`` as a 280x280 uint8 image, dark ink on white paper."""
    return np.asarray(render_strokes(place(SYMBOLS[name](rng), rng), CANVAS_SIZE))


def drawings(names: Sequence[str], per_symbol: int, seed: int
             ) -> tuple[list[np.ndarray], list[str]]:
    """``per_symbol`` drawings of each of ``names`` (images, labels), from ``seed``."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for name in names:
        for _ in range(per_symbol):
            images.append(draw(name, rng))
            labels.append(name)
    return images, labels
