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
        shape = (kernel_size, kernel_size, in_channels, out_channels)
        self.weight = (rng.standard_normal(shape) * scale).astype(dtype)
        self.bias = np.zeros(out_channels, dtype=dtype)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.needs_input_grad = True
        self._buffers = _Buffers(self.weight.dtype)
        self._cols: np.ndarray | None = None

    @property
    def kernel_size(self) -> int:
        return self.weight.shape[0]

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        k, (n, h, w, c) = self.kernel_size, x.shape
        pad = k // 2
        padded = self._buffers.get("padded", (n, h + 2 * pad, w + 2 * pad, c))
        padded[:, pad:pad + h, pad:pad + w, :] = x
        s = padded.strides
        windows = as_strided(padded, (n, h, w, k, k, c), (s[0], s[1], s[2], s[1], s[2], s[3]),
                             writeable=False)
        cols = self._buffers.get("cols", (n * h * w, k * k * c))
        cols.reshape(n, h, w, k, k, c)[...] = windows
        out = cols @ self.weight.reshape(k * k * c, -1)
        out += self.bias
        if train:
            self._cols = cols
        return out.reshape(n, h, w, -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """Fill the gradients from ``grad_out`` (batch, h, w, out); return d loss / d x or None."""
        k, (n, h, w, f) = self.kernel_size, grad_out.shape
        c, pad = self.weight.shape[2], k // 2
        grad = grad_out.reshape(n * h * w, f)
        np.matmul(self._cols.T, grad, out=self.grad_weight.reshape(k * k * c, f))
        np.sum(grad, axis=0, out=self.grad_bias)
        if not self.needs_input_grad:
            return None
        grad_cols = self._buffers.get("grad_cols", (n * h * w, k * k * c))
        np.matmul(grad, self.weight.reshape(k * k * c, f).T, out=grad_cols)
        grad_cols = grad_cols.reshape(n, h, w, k, k, c)
        grad_padded = self._buffers.get("grad_padded", (n, h + 2 * pad, w + 2 * pad, c), True)
        for i in range(k):  # col2im: k*k whole-batch additions
            for j in range(k):
                grad_padded[:, i:i + h, j:j + w, :] += grad_cols[:, :, :, i, j, :]
        return grad_padded[:, pad:pad + h, pad:pad + w, :]

    def parameters(self) -> list[np.ndarray]:
        return [self.weight, self.bias]

    def gradients(self) -> list[np.ndarray]:
        return [self.grad_weight, self.grad_bias]

    def __repr__(self) -> str:
        k, _, c, f = self.weight.shape
        return f"Conv2D({c}, {f}, {k}x{k})"


class MaxPool2D:
    """2×2 max-pooling with stride 2; an odd last row or column is dropped (floor).

    Inputs are (batch, h, w, channels), outputs (batch, h // 2, w // 2, channels). The gradient
    goes to the first maximum of each window (row by row), so ties never double it.
    """

    def __init__(self) -> None:
        self._buffers: _Buffers | None = None
        self._first: list[np.ndarray] = []
        self._shape: tuple[int, ...] = ()

    def _corners(self, x: np.ndarray) -> list[np.ndarray]:
        h, w = x.shape[1] // POOL * POOL, x.shape[2] // POOL * POOL
        return [x[:, i:h:POOL, j:w:POOL, :] for i in range(POOL) for j in range(POOL)]

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        corners = self._corners(x)
        out = np.maximum(corners[0], corners[1])
        for corner in corners[2:]:
            np.maximum(out, corner, out=out)
        if train:
            self._shape = x.shape
            taken = np.zeros(out.shape, dtype=bool)
            self._first = []
            for corner in corners:  # one-hot of the first maximum in each window
                first = (corner == out) & ~taken
                taken |= first
                self._first.append(first)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._buffers is None or self._buffers.dtype != grad_out.dtype:
            self._buffers = _Buffers(grad_out.dtype)
        grad = self._buffers.get("grad", self._shape, zero=True)
        for corner, first in zip(self._corners(grad), self._first, strict=True):
            np.multiply(grad_out, first, out=corner)
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


def conv_stack(image_shape: Sequence[int], channels: Sequence[int], kernel_size: int,
               activation, init_scale, rng: np.random.Generator, dtype=np.float32
               ) -> tuple[list, int]:
    """Layers of one conv block per entry of ``channels``: conv, activation, 2×2 max-pool.

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
                   activation(), MaxPool2D()]
        n_in = int(n_out)
    layers.append(Flatten((h, w, n_in)))
    return layers, h * w * n_in
