"""Data augmentation: random distortions of glyph batches, so a few samples per class go far.

Each sample gets a random affine map (rotation, scale, horizontal shear, translation), with some
probability an elastic distortion (Simard, Steinkraus and Platt, 2003: a random displacement
field smoothed by a Gaussian), and with some probability a stroke one pixel thicker or thinner.
Everything is vectorised over the batch: the maps become one sampling grid per sample, read
with bilinear interpolation by fancy indexing (in blocks of samples that fit the CPU cache).

References
----------
Simard, P. Y., Steinkraus, D. and Platt, J. C. (2003). Best practices for convolutional neural
networks applied to visual document analysis. ICDAR 2003, 958-963.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .preprocess import rank_filter
from .settings import Settings, require

# The pixel distances of an AugmentConfig are for glyphs of this side; others scale them.
REFERENCE_SIDE = 28
# Samples resampled at a time: few enough for the working arrays to stay in the CPU cache
# (about twice as fast as a whole batch of 128 28×28 glyphs at once).
BLOCK = 32


@dataclass(frozen=True)
class AugmentConfig(Settings):
    """How strongly :class:`Augmenter` distorts glyphs; all zeros leaves them unchanged.

    Distances are in pixels of 28×28 glyphs (``REFERENCE_SIDE``); for other sizes they scale
    with the side.

    Attributes
    ----------
    rotation : float, default 12.0
        Largest rotation, in degrees either way.
    scale : float, default 0.15
        The size changes by a factor drawn from [1 - scale, 1 + scale].
    shear : float, default 0.25
        Largest horizontal shear (x shift per pixel of y), either way.
    translation : float, default 2.0
        Largest shift in pixels, either way, along each axis.
    elastic_probability : float, default 0.5
        Share of the samples that also get an elastic distortion.
    elastic_alpha : float, default 34.0
        Scale of the elastic displacements (pixels per unit of the smoothed uniform field).
    elastic_sigma : float, default 4.0
        Standard deviation in pixels of the Gaussian smoothing the displacement field.
    thickness_probability : float, default 0.3
        Share of the samples whose strokes become one pixel thicker or thinner (half each).
    """

    WHAT = "augmentation"

    rotation: float = 12.0
    scale: float = 0.15
    shear: float = 0.25
    translation: float = 2.0
    elastic_probability: float = 0.5
    elastic_alpha: float = 34.0
    elastic_sigma: float = 4.0
    thickness_probability: float = 0.3

    def __post_init__(self) -> None:
        checks = [
            (all(v >= 0 for v in (self.rotation, self.shear, self.translation,
                                  self.elastic_alpha)),
             "rotation, shear, translation and elastic alpha must be >= 0"),
            (0 <= self.scale < 1, f"scale must be in [0, 1), got {self.scale}"),
            (0 <= self.elastic_probability <= 1 and 0 <= self.thickness_probability <= 1,
             "probabilities must be in [0, 1]"),
            (self.elastic_sigma > 0, f"elastic sigma must be > 0, got {self.elastic_sigma}"),
        ]
        require(checks)


def elastic_basis(side: int, sigma: float) -> np.ndarray:
    """(side, m) float32 matrix ``B`` that turns coarse noise ``N`` (m, m) into a smooth field
    ``B @ N @ B.T`` (side, side).

    The noise lives on a grid ``sigma`` pixels apart reaching ``2 * sigma`` beyond the image; each
    coarse value spreads as a Gaussian of standard deviation ``sigma``, weighted so that the
    field has about the variance of per-pixel noise smoothed by a normalised Gaussian (Simard
    et al.) at a fraction of the cost.
    """
    spacing = max(1.0, sigma)
    points = np.arange(-2 * sigma, side - 1 + 2 * sigma + spacing / 2, spacing)
    offsets = np.arange(side)[:, None] - points[None, :]
    weights = np.exp(-0.5 * (offsets / sigma) ** 2) * math.sqrt(spacing)
    return (weights / (sigma * math.sqrt(2 * math.pi))).astype(np.float32)


def affine_matrices(n: int, config: AugmentConfig, rng: np.random.Generator,
                    unit: float = 1.0) -> np.ndarray:
    """(n, 2, 3) float32 maps from output to input pixel offsets, in (x, y) order.

    The forward distortion is rotation @ shear @ scale plus a translation (of up to
    ``config.translation * unit`` pixels); the returned maps are its inverses, as sampling
    needs to know where each output pixel comes from.
    """
    angle = np.deg2rad(rng.uniform(-config.rotation, config.rotation, n))
    scale = rng.uniform(1 - config.scale, 1 + config.scale, n)
    shear = rng.uniform(-config.shear, config.shear, n)
    shift = rng.uniform(-config.translation, config.translation, (n, 2)) * unit
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shearing = np.zeros((n, 2, 2))
    shearing[:, 0, 0] = shearing[:, 1, 1] = 1
    shearing[:, 0, 1] = shear
    inverse = np.linalg.inv(rotation @ shearing * scale[:, None, None])
    out = np.empty((n, 2, 3))
    out[:, :, :2] = inverse
    out[:, :, 2] = -np.einsum("nij,nj->ni", inverse, shift)
    return out.astype(np.float32)


def bilinear_sample(images: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Read images (n, h, w) at real pixel coordinates x, y (n, h', w'); outside is 0."""
    n, h, w = images.shape
    stride = w + 3  # one column of zeros on the left, two on the right; rows likewise
    padded = np.zeros((n, h + 3, stride), dtype=np.float32)
    padded[:, 1:h + 1, 1:w + 1] = images
    x = np.clip(x + 1, 0, w + 1, dtype=np.float32)
    y = np.clip(y + 1, 0, h + 1, dtype=np.float32)
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    flat = padded.reshape(-1)
    base = (y0 * stride + x0).astype(np.int32)
    base += (np.arange(n, dtype=np.int32) * ((h + 3) * stride))[:, None, None]
    top = np.take(flat, base)
    top += (np.take(flat, base + 1) - top) * fx
    bottom = np.take(flat, base + stride)
    bottom += (np.take(flat, base + stride + 1) - bottom) * fx
    top += (bottom - top) * fy
    return top


class Augmenter:
    """Random distortions of flattened square glyphs; ``augment(batch, rng) -> batch``.

    Matches the ``augment`` argument of :func:`model.train.train`.

    Parameters
    ----------
    config : AugmentConfig, default AugmentConfig()
    size : int, optional
        Side of the glyphs; batches of any square side are accepted if it is not given.
    """

    def __init__(self, config: AugmentConfig = AugmentConfig(), size: int | None = None):
        if size is not None and size < 1:
            raise ValueError(f"the glyph side must be positive, got {size}")
        self.config, self.size = config, size
        self._bases: dict[int, np.ndarray] = {}

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Distort a batch.

        Parameters
        ----------
        batch : numpy.ndarray of shape (n, side * side)
            Glyph vectors in [0, 1] (ink = 1), each a square image ravelled row by row.
        rng : numpy.random.Generator
            The only source of randomness: the same state gives the same result.

        Returns
        -------
        numpy.ndarray of shape (n, side * side), float32 in [0, 1]
            A new array; ``batch`` is not changed.
        """
        batch = np.asarray(batch, dtype=np.float32)
        n, width = batch.shape
        side = math.isqrt(width)
        if side * side != width:
            raise ValueError(f"glyph vectors of length {width} are not square images")
        if self.size is not None and side != self.size:
            raise ValueError(f"expected {self.size}×{self.size} glyphs, got {side}×{side}")
        images = self._thickness(batch.reshape(n, side, side), rng)
        x, y = self._grid(n, side, rng)
        out = np.empty_like(images)
        for start in range(0, n, BLOCK):
            block = slice(start, start + BLOCK)
            out[block] = bilinear_sample(images[block], x[block], y[block])
        return np.clip(out, 0, 1, out=out).reshape(n, width)

    def _thickness(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Dilate or erode (2×2) a random share of the images; an erosion that would take away
        more than half of an image's ink is skipped."""
        change = rng.uniform(size=len(images)) < self.config.thickness_probability
        thicker = rng.uniform(size=len(images)) < 0.5
        if not change.any():
            return images
        picked = images[change]
        dilated = rank_filter(picked, np.maximum, 2)
        eroded = rank_filter(picked, np.minimum, 2)
        keeps_ink = eroded.sum(axis=(1, 2)) >= 0.5 * picked.sum(axis=(1, 2))
        thinned = np.where(keeps_ink[:, None, None], eroded, picked)
        out = images.copy()
        out[change] = np.where(thicker[change][:, None, None], dilated, thinned)
        return out

    def _grid(self, n: int, side: int, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
        """Input coordinates x, y (n, side, side) from which every output pixel is read."""
        centre, unit = (side - 1) / 2, side / REFERENCE_SIDE
        ys, xs = np.mgrid[:side, :side].astype(np.float32) - np.float32(centre)
        offsets = np.stack([xs.ravel(), ys.ravel(), np.ones(side * side, dtype=np.float32)])
        maps = affine_matrices(n, self.config, rng, unit)
        maps[:, :, 2] += centre  # offsets from the centre -> pixel coordinates
        coords = (maps.reshape(2 * n, 3) @ offsets).reshape(n, 2, side, side)
        elastic = np.flatnonzero(rng.uniform(size=n) < self.config.elastic_probability)
        if len(elastic):
            coords[elastic] += self._displacements(len(elastic), side, rng)
        return coords[:, 0], coords[:, 1]

    def _displacements(self, n: int, side: int, rng: np.random.Generator) -> np.ndarray:
        """Elastic displacements (n, 2, side, side) in x and y: coarse uniform noise in
        [-1, 1] spread by :func:`elastic_basis`, times ``elastic_alpha``.

        For sides other than ``REFERENCE_SIDE``, sigma scales with the side and alpha with its
        square (the smoothed field's amplitude falls as 1 / sigma), so displacements scale with
        the side.
        """
        unit = side / REFERENCE_SIDE
        if side not in self._bases:
            self._bases[side] = elastic_basis(side, self.config.elastic_sigma * unit)
        basis = self._bases[side]
        m = basis.shape[1]
        noise = rng.random((n, 2, m, m), dtype=np.float32) * 2 - 1
        return basis @ noise @ basis.T * np.float32(self.config.elastic_alpha * unit ** 2)

    def __repr__(self) -> str:
        return f"Augmenter({self.config!r}, size={self.size})"

