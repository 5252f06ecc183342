"""Glyph preprocessing: any image of one character -> the network's fixed-size input vector."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


class EmptyGlyphError(ValueError):
    """The image holds no ink (blank or nearly blank): there is nothing to classify."""


@dataclass(frozen=True)
class PreprocessConfig:
    """How an image becomes an input vector; stored in every model file.

    Attributes
    ----------
    size : int, default 28
        Side of the square output image; the vector has ``size * size`` entries.
    box : int, default 20
        Side of the box the cropped glyph is scaled into, preserving its aspect ratio
        (20 inside 28 is the MNIST convention).
    deskew : bool, default False
        Straighten slanted glyphs using image moments.
    stroke_width : float, default 0.0
        Normalise the stroke thickness to about this many pixels of the output; 0 keeps it.
    """

    size: int = 28
    box: int = 20
    deskew: bool = False
    stroke_width: float = 0.0

    @property
    def n_inputs(self) -> int:
        return self.size * self.size

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreprocessConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown preprocessing settings: {', '.join(sorted(unknown))}")
        return cls(**data)
