"""Tiny numeric data sets for the network and trainer tests."""

from __future__ import annotations

import numpy as np


def xor_data(repeats: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points ``repeats`` times: inputs (4 * repeats, 2), labels (4 * repeats,)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([0, 1, 1, 0])
    return np.tile(x, (repeats, 1)), np.tile(y, repeats)


def three_blobs(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points around three centres in the plane: inputs (n, 2), labels (n,) in 0..2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 2], [2, -1], [-2, -1]], np.float32)
    y = rng.integers(0, 3, n)
    return (centres[y] + 0.5 * rng.standard_normal((n, 2))).astype(np.float32), y
