"""Connected components of a bool mask, from its horizontal runs (pure numpy + a union-find)."""

from __future__ import annotations

import numpy as np


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal runs of a bool mask (H, W): row, start and stop (exclusive), row-major order."""
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).view(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, stops = np.nonzero(edges == -1)
    return rows, starts, stops


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _label_runs(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Component (root run index) of every run, runs touching 8-connectedly being joined."""
    parent = list(range(len(rows)))
    bounds = np.searchsorted(rows, np.arange(rows[-1] + 2))
    for row in range(len(bounds) - 2):
        i, i_end = int(bounds[row]), int(bounds[row + 1])
        j, j_end = i_end, int(bounds[row + 2])
        while i < i_end and j < j_end:
            if starts[i] <= stops[j] and starts[j] <= stops[i]:  # overlap or diagonal contact
                parent[_find(parent, i)] = _find(parent, j)
            if stops[i] < stops[j]:
                i += 1
            else:
                j += 1
    return np.array([_find(parent, i) for i in range(len(parent))], dtype=np.intp)


def components(mask: np.ndarray) -> np.ndarray:
    """Bounding boxes and pixel counts of the 8-connected components of a bool mask (H, W).

    Returns
    -------
    numpy.ndarray of shape (n, 5), int64
        Rows of (left, top, right, bottom, pixels); right and bottom are exclusive.
    """
    rows, starts, stops = _runs(mask)
    if not len(rows):
        return np.empty((0, 5), dtype=np.int64)
    _, label = np.unique(_label_runs(rows, starts, stops), return_inverse=True)
    n = label.max() + 1
    out = np.empty((n, 5), dtype=np.int64)
    out[:, :2], out[:, 2:4], out[:, 4] = np.iinfo(np.int64).max, -1, 0
    np.minimum.at(out[:, 0], label, starts)
    np.minimum.at(out[:, 1], label, rows)
    np.maximum.at(out[:, 2], label, stops)
    np.maximum.at(out[:, 3], label, rows + 1)
    np.add.at(out[:, 4], label, stops - starts)
    return out
