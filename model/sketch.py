"""Synthetic pen drawings: shapes as curves in a unit box, placed on the canvas like a hand would.

A shape is a list of curves, each an (n, 2) array of points in a box about 0.6 wide and 1.0 high
(x right, y down). :func:`place` turns it into :class:`~model.strokes.Stroke` objects on the
:data:`~model.strokes.CANVAS_SIZE` canvas with a random size, slant, rotation, position, pen
width and hand tremor, so :func:`~model.strokes.render_strokes` renders it exactly as the app's
canvas would. Benchmarks and tests draw their symbols with these.
"""

from __future__ import annotations

import itertools

import numpy as np

from .strokes import CANVAS_SIZE, Stroke

Curve = np.ndarray  # (n, 2) float32 points in the unit box, x right, y down
PEN_WIDTHS = (6, 10, 14, 18, 24)
CENTRE = (0.3, 0.5)  # middle of the unit box a shape is drawn in


def line(*points: tuple[float, float], n: int = 12) -> Curve:
    """Polyline through ``points`` with ``n`` samples per segment."""
    pts = np.asarray(points, np.float32)
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    segments = [a + t * (b - a) for a, b in itertools.pairwise(pts)]
    return np.concatenate([*segments, pts[-1:]]).astype(np.float32)


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float,
        n: int = 40) -> Curve:
    """Elliptic arc; angles in degrees, 0 = right, 90 = down (screen coordinates)."""
    a = np.radians(np.linspace(start, stop, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1).astype(np.float32)


def join(*curves: Curve) -> Curve:
    """One stroke through ``curves`` in order."""
    return np.concatenate(curves)


def wobble(curve: Curve, rng: np.random.Generator, amount: float) -> Curve:
    """``curve`` with smooth hand tremor: low-frequency noise of size ``amount`` along it."""
    knots = rng.normal(0, amount, (6, 2))
    t = np.linspace(0, 5, len(curve))
    return curve + np.stack([np.interp(t, np.arange(6), knots[:, i]) for i in range(2)], 1)


def place(curves: list[Curve], rng: np.random.Generator, *, tremor: float = 0.015,
          slant: tuple[float, float] = (-0.35, 0.25), rotation: float = 10.0,
          height: tuple[float, float] = (0.3, 0.9)) -> list[Stroke]:
    """Strokes for a shape drawn somewhere on the canvas, at random like a hand would.

    Parameters
    ----------
    curves : list of ndarray of shape (n, 2)
        The shape in the unit box.
    rng : numpy.random.Generator
    tremor : float, default 0.015
        Size of the hand tremor in unit-box lengths.
    slant : (float, float), default (-0.35, 0.25)
        Range of the horizontal shear.
    rotation : float, default 10.0
        Largest rotation in degrees either way.
    height : (float, float), default (0.3, 0.9)
        Range of the shape's height as a share of the canvas side.

    Returns
    -------
    list of Stroke
        One stroke per curve, one pen width for all, inside the canvas.
    """
    shear = rng.uniform(*slant)
    angle = np.radians(rng.uniform(-rotation, rotation))
    size = rng.uniform(*height) * CANVAS_SIZE
    cos, sin = np.cos(angle), np.sin(angle)
    transform = (np.array([[cos, -sin], [sin, cos]])
                 @ np.array([[rng.uniform(0.75, 1.25), -shear], [0, 1]]))
    placed = [(wobble(c, rng, tremor) - CENTRE) @ transform.T * size for c in curves]
    pen = float(rng.choice(PEN_WIDTHS))
    margin = pen / 2 + 2
    allpts = np.concatenate(placed)
    fit = (CANVAS_SIZE - 2 * margin - 1) / max((allpts.max(0) - allpts.min(0)).max(), 1.0)
    if fit < 1:  # a big, slanted shape: shrink it onto the canvas
        placed = [p * fit for p in placed]
        allpts = allpts * fit
    lo, hi = allpts.min(0), allpts.max(0)
    offset = [rng.uniform(margin - lo[i], CANVAS_SIZE - margin - hi[i]) for i in range(2)]
    return [Stroke(points=(p + offset).astype(np.float32), width=pen) for p in placed]


def scribble(rng: np.random.Generator) -> list[Curve]:
    """A random zigzag of 5 to 9 corners anywhere in the unit box: a shape that is no
    character, for teaching a model what is none of its labels."""
    corners = rng.uniform((-0.2, 0.0), (0.8, 1.0), (int(rng.integers(5, 10)), 2))
    return [line(*map(tuple, corners))]
