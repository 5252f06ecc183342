"""Pen strokes as data, and their rendering to pixels for the network (pillow, no Qt).

The canvas keeps what the person drew as a list of :class:`Stroke` in canvas coordinates
(a square of side :data:`CANVAS_SIZE`, y down). The screen shows them however it likes; what the
network classifies is always :meth:`Drawing.image`, rendered here. A :class:`Drawing` also keeps
an optional background image (an opened or pasted picture) and the undo/redo history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

CANVAS_SIZE = 280
PAPER = 255
INK = 0
SUPERSAMPLE = 2
MAX_BACKGROUND = 1600


@dataclass(frozen=True, eq=False)
class Stroke:
    """One pen (or eraser) stroke.

    Attributes
    ----------
    points : ndarray of shape (n, 2), float32
        Positions in canvas coordinates (x right, y down), n >= 1; one point is a dot.
    width : float
        Pen diameter in canvas units.
    pressures : ndarray of shape (n,), float32, optional
        Tablet pressure in [0, 1] at every point; the width at a point is ``width * pressure``.
    eraser : bool
        Paints paper instead of ink.
    """

    points: np.ndarray
    width: float
    pressures: np.ndarray | None = None
    eraser: bool = False

    def __post_init__(self) -> None:
        points = np.asarray(self.points, np.float32).reshape(-1, 2)
        if len(points) == 0:
            raise ValueError("a stroke needs at least one point")
        if not self.width > 0:
            raise ValueError(f"stroke width must be positive, got {self.width}")
        object.__setattr__(self, "points", points)
        if self.pressures is not None:
            pressures = np.clip(np.asarray(self.pressures, np.float32).reshape(-1), 0, 1)
            if len(pressures) != len(points):
                raise ValueError(f"{len(points)} points but {len(pressures)} pressures")
            object.__setattr__(self, "pressures", pressures)

    def widths(self) -> np.ndarray:
        """Pen diameter at every point (n,)."""
        if self.pressures is None:
            return np.full(len(self.points), self.width, np.float32)
        return self.width * np.maximum(self.pressures, 0.1)


def draw_strokes(image: Image.Image, strokes: Sequence[Stroke], scale: float = 1.0) -> None:
    """Draw ``strokes`` onto the 'L' ``image`` in place, canvas coordinates times ``scale``.

    Round caps and joins; antialiased by drawing at twice the resolution and downsampling.
    """
    if not strokes:
        return
    big = image.resize((image.width * SUPERSAMPLE, image.height * SUPERSAMPLE), Image.NEAREST)
    pen = ImageDraw.Draw(big)
    factor = scale * SUPERSAMPLE
    for stroke in strokes:
        colour = PAPER if stroke.eraser else INK
        points = stroke.points * factor
        radii = stroke.widths() * factor / 2
        for p0, p1, r0, r1 in zip(points[:-1], points[1:], radii[:-1], radii[1:], strict=True):
            pen.polygon(_segment_outline(p0, p1, r0, r1), fill=colour)
        for (x, y), r in zip(points, radii, strict=True):
            pen.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    image.paste(big.resize(image.size, Image.BOX))


def _segment_outline(p0: np.ndarray, p1: np.ndarray, r0: float, r1: float
                     ) -> list[tuple[float, float]]:
    """Quadrilateral joining a circle of radius r0 at p0 to one of radius r1 at p1."""
    d = p1 - p0
    length = float(np.hypot(*d))
    if length == 0:
        return [tuple(p0)] * 3
    n = np.array([-d[1], d[0]]) / length
    return [tuple(p0 + n * r0), tuple(p1 + n * r1), tuple(p1 - n * r1), tuple(p0 - n * r0)]


def render_strokes(strokes: Sequence[Stroke], size: int = CANVAS_SIZE) -> Image.Image:
    """Strokes in a :data:`CANVAS_SIZE` square as a ``size`` x ``size`` 'L' image, ink on paper."""
    image = Image.new("L", (size, size), PAPER)
    draw_strokes(image, strokes, size / CANVAS_SIZE)
    return image


@dataclass(frozen=True)
class _State:
    strokes: tuple[Stroke, ...] = ()
    background: Image.Image | None = None


@dataclass
class Drawing:
    """What is on the canvas: strokes over an optional background image, with undo and redo.

    Every change (a stroke, clear, a new background) is one undo step. The background is shown
    fitted and centred in the canvas square.
    """

    _state: _State = field(default_factory=_State)
    _past: list[_State] = field(default_factory=list)
    _future: list[_State] = field(default_factory=list)

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        return self._state.strokes

    @property
    def background(self) -> Image.Image | None:
        return self._state.background

    def is_empty(self) -> bool:
        return not self._state.strokes and self._state.background is None

    def can_undo(self) -> bool:
        return bool(self._past)

    def can_redo(self) -> bool:
        return bool(self._future)

    def add(self, stroke: Stroke) -> None:
        self._change(_State((*self.strokes, stroke), self.background))

    def clear(self) -> None:
        if not self.is_empty():
            self._change(_State())

    def set_background(self, image: Image.Image) -> None:
        """Replace everything with ``image``: 'L' on white, at most MAX_BACKGROUND pixels wide
        and high (preprocessing works at about a megapixel; this keeps drawing over it fast).
        """
        grey = _grey_on_white(image)
        if max(grey.size) > MAX_BACKGROUND:
            grey.thumbnail((MAX_BACKGROUND, MAX_BACKGROUND), Image.Resampling.LANCZOS)
        self._change(_State((), grey))

    def undo(self) -> bool:
        if not self._past:
            return False
        self._future.append(self._state)
        self._state = self._past.pop()
        return True

    def redo(self) -> bool:
        if not self._future:
            return False
        self._past.append(self._state)
        self._state = self._future.pop()
        return True

    def background_box(self) -> tuple[float, float, float, float] | None:
        """Where the background is shown: (left, top, width, height) in canvas coordinates."""
        if self.background is None:
            return None
        w, h = self.background.size
        k = CANVAS_SIZE / max(w, h)
        return (CANVAS_SIZE - w * k) / 2, (CANVAS_SIZE - h * k) / 2, w * k, h * k

    def image(self, extra: Sequence[Stroke] = ()) -> Image.Image:
        """The drawing as an 'L' image (dark ink on white) for the network.

        Parameters
        ----------
        extra : sequence of Stroke
            Drawn on top without becoming part of the drawing (a stroke still in progress).

        Strokes alone render at :data:`CANVAS_SIZE`. With a background the image keeps the
        background's own resolution: the background itself when nothing is drawn over it,
        else its centred square with the strokes scaled onto it.
        """
        strokes = [*self.strokes, *extra]
        background = self.background
        if background is None:
            return render_strokes(strokes)
        if not strokes:
            return background
        side = max(background.size)
        image = Image.new("L", (side, side), PAPER)
        image.paste(background, ((side - background.width) // 2, (side - background.height) // 2))
        draw_strokes(image, strokes, side / CANVAS_SIZE)
        return image

    def _change(self, state: _State) -> None:
        self._past.append(self._state)
        self._future.clear()
        self._state = state


def _grey_on_white(image: Image.Image) -> Image.Image:
    """``image`` as 'L', transparent parts composited onto white paper."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    return image.convert("L")
