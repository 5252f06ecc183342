"""Connected components of a bool mask, from its horizontal runs (pure numpy + a union-find)."""

from __future__ import annotations

import numpy as np


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal runs of a bool mask (H, W): row, start and stop (exclusive), row-major order."""
    used_rows, used_cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(used_rows):
        return (np.empty(0, np.intp),) * 3
    top, left = used_rows[0], used_cols[0]
    inside = mask[top:used_rows[-1] + 1, left:used_cols[-1] + 1]
    padded = np.zeros((inside.shape[0], inside.shape[1] + 2), dtype=bool)
    padded[:, 1:-1] = inside
    rows, cols = np.nonzero(padded[:, 1:] != padded[:, :-1])
    return rows[::2] + top, cols[::2] + left, cols[1::2] + left


def _touching_pairs(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of runs in consecutive rows that touch 8-connectedly (j one row below i)."""
    width = int(stops.max()) + 2
    key_start, key_stop = rows * width + starts, rows * width + stops
    below = (rows + 1) * width
    first = np.searchsorted(key_stop, below + starts, side="left")  # stop >= start - 0
    last = np.searchsorted(key_start, below + stops, side="right")  # start <= stop
    count = np.maximum(last - first, 0)
    i = np.repeat(np.arange(len(rows)), count)
    offset = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    return i, first[i] + offset


def _label_runs(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Component (smallest run index in it) of every run, touching runs being joined.

    A vectorised union-find: every round hooks each root to the smallest root it touches,
    then pointer jumping flattens the trees; few rounds are needed (Shiloach & Vishkin,
    "An O(log n) parallel connectivity algorithm", J. Algorithms 3, 1982).
    """
    a, b = _touching_pairs(rows, starts, stops)
    parent = np.arange(len(rows))
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            return parent
        np.minimum.at(parent, np.maximum(pa, pb)[differ], np.minimum(pa, pb)[differ])
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def _labelled_runs(mask: np.ndarray):
    """Runs of ``mask`` (rows, starts, stops) and the component (0..n-1) of each."""
    rows, starts, stops = _runs(mask)
    if not len(rows):
        return rows, starts, stops, np.empty(0, dtype=np.intp)
    _, label = np.unique(_label_runs(rows, starts, stops), return_inverse=True)
    return rows, starts, stops, label


def _stats(rows, starts, stops, label) -> np.ndarray:
    n = int(label.max()) + 1 if len(label) else 0
    out = np.empty((n, 5), dtype=np.int64)
    out[:, :2], out[:, 2:4], out[:, 4] = np.iinfo(np.int64).max, -1, 0
    np.minimum.at(out[:, 0], label, starts)
    np.minimum.at(out[:, 1], label, rows)
    np.maximum.at(out[:, 2], label, stops)
    np.maximum.at(out[:, 3], label, rows + 1)
    np.add.at(out[:, 4], label, stops - starts)
    return out


def components(mask: np.ndarray) -> np.ndarray:
    """Bounding boxes and pixel counts of the 8-connected components of a bool mask (H, W).

    Returns
    -------
    numpy.ndarray of shape (n, 5), int64
        Rows of (left, top, right, bottom, pixels); right and bottom are exclusive.
    """
    return _stats(*_labelled_runs(mask))


def component_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`components` of a bool mask (H, W), its runs and the component of each run.

    Returns
    -------
    stats : numpy.ndarray of shape (n, 5), int64
        As :func:`components`.
    runs : numpy.ndarray of shape (r, 3), intp
        (row, start, stop) of every horizontal run of ink, row-major.
    label : numpy.ndarray of shape (r,), intp
        The row of ``stats`` each run belongs to.
    """
    rows, starts, stops, label = _labelled_runs(mask)
    return _stats(rows, starts, stops, label), np.stack([rows, starts, stops], axis=1), label


def run_pixels(runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of every pixel of some (row, start, stop) runs (r, 3)."""
    lengths = runs[:, 2] - runs[:, 1]
    run = np.repeat(np.arange(len(runs)), lengths)
    first = np.cumsum(lengths) - lengths
    return runs[run, 0], runs[run, 1] + np.arange(len(run)) - first[run]
