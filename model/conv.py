"""Convolutional layers for the static network: 2-D convolution, 2×2 max-pooling, flattening.

Images travel between these layers as (batch, height, width, channels) arrays (channels last), so
that one im2col copy through :func:`numpy.lib.stride_tricks.as_strided` turns a whole mini-batch
into a matrix and every convolution is one GEMM per pass. Buffers (padded input, columns,
gradients) are owned by each layer and reused from batch to batch.

References
----------
LeCun, Y., Bottou, L., Bengio, Y. and Haffner, P. (1998). Gradient-based learning applied to
document recognition. Proc. IEEE 86(11), 2278-2324.
Chellapilla, K., Puri, S. and Simard, P. (2006). High performance convolutional neural networks
for document processing (im2col). IWFHR.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.lib.stride_tricks import as_strided

KERNEL_SIZES = (3, 5)
POOL = 2


class _Buffers:
    """Arrays reused between batches: ``get(name, shape)`` is a view of a kept array whose first
    axis grows to the largest batch seen; other axes must keep their size."""

    def __init__(self, dtype) -> None:
        self.dtype = dtype
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], zero: bool = False) -> np.ndarray:
        kept = self._arrays.get(name)
        if kept is None or kept.shape[1:] != shape[1:] or kept.shape[0] < shape[0]:
            kept = self._arrays[name] = np.zeros(shape, dtype=self.dtype)
        view = kept[:shape[0]]
        if zero:
            view.fill(0)
        return view


class Conv2D:
    """2-D convolution with 'same' zero padding and stride 1.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : {3, 5}
        ``weight`` has shape (kernel_size, kernel_size, in_channels, out_channels) and ``bias``
        shape (out_channels,); output pixel ``(i, j, o)`` is
        ``sum(x_padded[i:i+k, j:j+k, :] * weight[..., o]) + bias[o]`` (cross-correlation).
    rng : numpy.random.Generator
        Source of the initial weights.
    scale : float
        Standard deviation of the normal initial weights; biases start at zero.
    dtype : numpy dtype, default float32

    Inputs are (batch, height, width, in_channels), outputs (batch, height, width,
    out_channels).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 rng: np.random.Generator, scale: float, dtype=np.float32):
        if kernel_size not in KERNEL_SIZES:
            raise ValueError(f"kernel size must be one of {KERNEL_SIZES}, got {kernel_size}")
        n_rows = kernel_size * kernel_size * in_channels
        # One (n_rows + 1, out_channels) matrix holds the kernel and, in its last row, the bias:
        # the im2col columns end in a column of ones, so one GEMM adds the bias and one GEMM
        # gives both gradients. ``weight`` and ``bias`` are views into it.
        self._matrix = np.zeros((n_rows + 1, out_channels), dtype=dtype)
        self._grad_matrix = np.zeros_like(self._matrix)
        shape = (kernel_size, kernel_size, in_channels, out_channels)
        self.weight = self._matrix[:n_rows].reshape(shape)
        self.weight[...] = rng.standard_normal(shape) * scale
        self.bias = self._matrix[n_rows]
        self.grad_weight = self._grad_matrix[:n_rows].reshape(shape)
        self.grad_bias = self._grad_matrix[n_rows]
        self.needs_input_grad = True
        self._buffers = _Buffers(self._matrix.dtype)
        self._cols: np.ndarray | None = None

    @property
    def kernel_size(self) -> int:
        return self.weight.shape[0]

    def _im2col(self, x: np.ndarray) -> np.ndarray:
        """(n * h * w, k * k * channels + 1) rows of the zero-padded k×k windows of ``x``
        (n, h, w, channels), in (row, column, channel) order, each ending in a 1."""
        k, (n, h, w, c) = self.kernel_size, x.shape
        pad = k // 2
        padded = self._buffers.get("padded", (n, h + 2 * pad, w + 2 * pad, c))
        padded[:, pad:pad + h, pad:pad + w, :] = x  # the border is never written: it stays 0
        s = padded.strides
        windows = as_strided(padded, (n, h, w, k, k, c), (s[0], s[1], s[2], s[1], s[2], s[3]),
                             writeable=False)
        cols = self._buffers.get("cols", (n * h * w, k * k * c + 1))
        if not cols[:, -1].all():  # a new buffer: its last column becomes ones
            cols[:, -1] = 1
        row, item = cols.strides[0], cols.itemsize
        as_strided(cols, (n, h, w, k, k, c),
                   (h * w * row, w * row, row, k * c * item, c * item, item))[...] = windows
        return cols

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        cols = self._im2col(x)
        out = cols @ self._matrix
        if train:
            self._cols = cols
        return out.reshape(*x.shape[:3], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """Fill the gradients from ``grad_out`` (batch, h, w, out); return d loss / d x or None.

        The input gradient takes one GEMM, ``grad_out`` times every kernel offset's weights
        transposed, giving (k * k, batch * h * w, in) blocks; each block is then added into
        the padded gradient shifted by its offset (col2im). With the blocks in that order every
        addition runs over whole image rows, and no k×k-times larger matrix of ``grad_out``
        windows is built.
        """
        k, (n, h, w, f) = self.kernel_size, grad_out.shape
        rows = grad_out.reshape(n * h * w, f)
        np.matmul(self._cols.T, rows, out=self._grad_matrix)
        if not self.needs_input_grad:
            return None
        c, pad = self.weight.shape[2], k // 2
        taps = self._buffers.get("taps", (k * k, f, c))
        taps[...] = self.weight.reshape(k * k, c, f).transpose(0, 2, 1)
        blocks = self._buffers.get("blocks", (n, k * k * h * w * c)).reshape(k * k, -1, c)
        np.matmul(rows, taps, out=blocks)
        grad = self._buffers.get("grad", (n, h + 2 * pad, (w + 2 * pad) * c), zero=True)
        for i in range(k):
            for j in range(k):
                grad[:, i:i + h, j * c:(j + w) * c] += blocks[i * k + j].reshape(n, h, w * c)
        return grad.reshape(n, h + 2 * pad, w + 2 * pad, c)[:, pad:pad + h, pad:pad + w]

    def parameters(self) -> list[np.ndarray]:
        return [self.weight, self.bias]

    def gradients(self) -> list[np.ndarray]:
        return [self.grad_weight, self.grad_bias]

    def __repr__(self) -> str:
        k, _, c, f = self.weight.shape
        return f"Conv2D({c}, {f}, {k}x{k})"


class MaxPool2D:
    """2×2 max-pooling with stride 2; an odd last row or column is dropped (floor).

    Inputs are (batch, h, w, channels), outputs (batch, h // 2, w // 2, channels). Each window
    is reduced first down its columns (two rows of whole contiguous image rows), then across;
    the gradient goes to one maximum of each window (the top one and then the left one on a
    tie), so ties never double it.
    """

    def __init__(self) -> None:
        self._buffers: _Buffers | None = None
        self._shape: tuple[int, ...] = ()
        self._bottom_won: np.ndarray | None = None  # (n, h/2, w/2 * 2 * c) per column pair
        self._right_won: np.ndarray | None = None  # (n, h/2, w/2, c) per window

    @staticmethod
    def _rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views of the top and bottom row of every window, (n, h/2, w/2 * 2 * c) each."""
        n, h, w, _ = x.shape
        rows = x[:, :h // POOL * POOL, :w // POOL * POOL].reshape(n, h // POOL, POOL, -1)
        return rows[:, :, 0], rows[:, :, 1]

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        n, h, w, c = x.shape
        top, bottom = self._rows(x)
        columns = np.maximum(top, bottom).reshape(n, h // POOL, w // POOL, POOL, c)
        left, right = columns[..., 0, :], columns[..., 1, :]
        if train:
            self._shape = x.shape
            self._bottom_won, self._right_won = bottom > top, right > left
        return np.maximum(left, right)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._buffers is None or self._buffers.dtype != grad_out.dtype:
            self._buffers = _Buffers(grad_out.dtype)
        n, h, w, c = self._shape
        # Pixels of an odd last row or column are never written: they stay zero.
        grad = self._buffers.get("grad", self._shape)
        columns = self._buffers.get("columns", (n, h // POOL, w // POOL, POOL, c))
        np.multiply(grad_out, self._right_won, out=columns[..., 1, :])
        np.subtract(grad_out, columns[..., 1, :], out=columns[..., 0, :])  # exact: g or 0
        columns = columns.reshape(n, h // POOL, -1)
        top, bottom = self._rows(grad)
        np.multiply(columns, self._bottom_won, out=bottom)
        np.subtract(columns, bottom, out=top)
        return grad

    def parameters(self) -> list[np.ndarray]:
        return []

    def gradients(self) -> list[np.ndarray]:
        return []

    def __repr__(self) -> str:
        return "MaxPool2D(2x2)"


class Flatten:
    """(batch, h, w, channels) -> (batch, h * w * channels), row by row, channels innermost."""

    def __init__(self, shape: Sequence[int]):
        self.shape = tuple(int(n) for n in shape)

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        return x.reshape(len(x), -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out.reshape(len(grad_out), *self.shape)

    def parameters(self) -> list[np.ndarray]:
        return []

    def gradients(self) -> list[np.ndarray]:
        return []

    def __repr__(self) -> str:
        return f"Flatten({'x'.join(map(str, self.shape))})"


class Reshape:
    """Flat input vectors (batch, h * w) -> single-channel images (batch, h, w, 1)."""

    def __init__(self, image_shape: Sequence[int]):
        self.image_shape = tuple(int(n) for n in image_shape)

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        return x.reshape(len(x), *self.image_shape, 1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out.reshape(len(grad_out), -1)

    def parameters(self) -> list[np.ndarray]:
        return []

    def gradients(self) -> list[np.ndarray]:
        return []

    def __repr__(self) -> str:
        return f"Reshape({'x'.join(map(str, self.image_shape))}x1)"


def pooled_shape(image_shape: Sequence[int], blocks: int) -> tuple[int, int]:
    """(height, width) after ``blocks`` 2×2 poolings; ValueError if an image is too small."""
    h, w = (int(n) for n in image_shape)
    for block in range(blocks):
        if h < POOL or w < POOL:
            raise ValueError(f"a {image_shape[0]}x{image_shape[1]} image is too small for "
                             f"{blocks} conv blocks: it is {h}x{w} before pooling {block + 1}")
        h, w = h // POOL, w // POOL
    return h, w


def conv_sizes(image_shape: Sequence[int], channels: Sequence[int], kernel_size: int
               ) -> tuple[int, int]:
    """(weights and biases of the conv blocks, width of their flattened output), computed from
    the sizes alone: nothing is built. ValueError for sizes that do not fit."""
    h, w = pooled_shape(image_shape, len(channels))
    counts = [1, *(int(c) for c in channels)]
    weights = sum((kernel_size * kernel_size * a + 1) * b for a, b in pairwise(counts))
    return weights, h * w * counts[-1]


def conv_stack(image_shape: Sequence[int], channels: Sequence[int], kernel_size: int,
               activation, init_scale, rng: np.random.Generator, dtype=np.float32
               ) -> tuple[list, int]:
    """Layers of one conv block per entry of ``channels``: conv, activation, 2×2 max-pool.

    The activation is applied after the pooling: every activation of the static network is
    non-decreasing, so max-pooling commutes with it and the result is the same, on a quarter of
    the pixels.

    Parameters
    ----------
    image_shape : (height, width)
        Shape of the single-channel input images; the input vectors are these rows raveled.
    channels : sequence of int
        Output channels of each block's convolution.
    kernel_size : {3, 5}
    activation : callable
        ``activation()`` makes a fresh activation layer.
    init_scale : callable
        ``init_scale(n_in, n_out)``: standard deviation of the initial weights for fan-in
        ``n_in`` (kernel_size² × input channels) and fan-out ``n_out``.
    rng : numpy.random.Generator
    dtype : numpy dtype, default float32

    Returns
    -------
    layers : list
        Reshape, the blocks, Flatten.
    n_features : int
        Width of the flattened output.
    """
    if any(int(c) < 1 for c in channels):
        raise ValueError(f"conv channel counts must be positive, got {list(channels)}")
    h, w = pooled_shape(image_shape, len(channels))
    layers: list = [Reshape(image_shape)]
    n_in = 1
    for n_out in channels:
        fan_in = kernel_size * kernel_size * n_in
        layers += [Conv2D(n_in, int(n_out), kernel_size, rng,
                          init_scale(fan_in, kernel_size * kernel_size * int(n_out)), dtype),
                   MaxPool2D(), activation()]
        n_in = int(n_out)
    layers.append(Flatten((h, w, n_in)))
    return layers, h * w * n_in
