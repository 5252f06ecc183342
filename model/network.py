"""Static backpropagation: a feed-forward multilayer network on whole mini-batches.

A network is a list of layers. Each layer is callable on a batch, keeps what its backward pass
needs, and exposes ``parameters()`` and ``gradients()`` as lists of arrays that are updated in
place by an optimiser (:mod:`model.optim`).

References
----------
Rumelhart, D. E., Hinton, G. E. and Williams, R. J. (1986). Learning representations by
back-propagating errors. Nature 323, 533-536.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .conv import Conv2D, conv_stack

DEFAULT_DTYPE = np.float32
LEAKY_SLOPE = 0.01
# A conv network classifies large batches this many samples at a time.
CONV_CHUNK = 256


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: no overflow warnings for large |a|.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


# name -> (f(a), f'(a) expressed through a and y = f(a)). All are non-decreasing, which lets
# conv blocks pool before the activation (model/conv.py).
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (_sigmoid, lambda a, y: y * (1 - y)),
    "tanh": (np.tanh, lambda a, y: 1 - y * y),
    "relu": (lambda a: np.maximum(a, 0), lambda a, y: (a > 0).astype(a.dtype)),
    "leaky_relu": (
        lambda a: np.where(a > 0, a, a * LEAKY_SLOPE),
        lambda a, y: np.where(a > 0, 1, LEAKY_SLOPE).astype(a.dtype),
    ),
}

# Output function -> the loss it is paired with. Softmax + cross-entropy is the modern choice;
# sigmoid or linear outputs with mean-squared error are the classic textbook setup.
OUTPUTS: dict[str, str] = {"softmax": "cross_entropy", "sigmoid": "mse", "linear": "mse"}


def init_scale(activation: str, n_in: int, n_out: int) -> float:
    """Standard deviation of the initial weights: He for (leaky) ReLU, Glorot otherwise.

    He et al. (2015), "Delving deep into rectifiers"; Glorot & Bengio (2010), "Understanding the
    difficulty of training deep feedforward neural networks".
    """
    if activation in ("relu", "leaky_relu"):
        return float(np.sqrt(2.0 / n_in))
    gain = 4.0 if activation == "sigmoid" else 1.0
    return gain * float(np.sqrt(2.0 / (n_in + n_out)))


class NoRandomInit:
    """Stands in for the ``rng`` of a network whose weights are read from a file right after
    it is built (:func:`model.modelfile.load_model`): every draw is ones, so loading draws no
    random numbers. Ones rather than zeros keep the recurrent network's power iteration
    finite."""

    @staticmethod
    def standard_normal(size: int | tuple[int, ...]) -> np.ndarray:
        return np.ones(size)


class Dense:
    """Fully connected layer ``y = x @ weight + bias``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths. ``weight`` has shape (n_in, n_out), ``bias`` shape (n_out,).
    rng : numpy.random.Generator
        Source of the initial weights.
    scale : float
        Standard deviation of the normal initial weights; biases start at zero.
    dtype : numpy dtype, default float32
    """

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator, scale: float,
                 dtype=DEFAULT_DTYPE):
        self.weight = (rng.standard_normal((n_in, n_out)) * scale).astype(dtype)
        self.bias = np.zeros(n_out, dtype=dtype)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.needs_input_grad = True
        self._x: np.ndarray | None = None

    def __call__(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        if train:
            self._x = x
        out = x @ self.weight
        out += self.bias
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """Fill the gradients from ``grad_out`` (batch, n_out); return d loss / d x or None."""
        np.matmul(self._x.T, grad_out, out=self.grad_weight)
        np.sum(grad_out, axis=0, out=self.grad_bias)
        return grad_out @ self.weight.T if self.needs_input_grad else None

    def parameters(self) -> list[np.ndarray]:
        return [self.weight, self.bias]

    def gradients(self) -> list[np.ndarray]:
        return [self.grad_weight, self.grad_bias]

    def __repr__(self) -> str:
        return f"Dense({self.weight.shape[0]}, {self.weight.shape[1]})"


class Activation:
    """Element-wise nonlinearity, one of :data:`ACTIVATIONS`."""

    def __init__(self, name: str):
        self.name = name
        self.function, self.derivative = ACTIVATIONS[name]
        self._a = self._y = None

    def __call__(self, a: np.ndarray, train: bool = False) -> np.ndarray:
        y = self.function(a)
        if train:
            self._a, self._y = a, y
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.derivative(self._a, self._y)

    def parameters(self) -> list[np.ndarray]:
        return []

    def gradients(self) -> list[np.ndarray]:
        return []

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def output_and_loss(scores: np.ndarray, targets: np.ndarray, output: str
                    ) -> tuple[np.ndarray, float, np.ndarray]:
    """Apply the output function and its loss to a batch.

    Parameters
    ----------
    scores : ndarray of shape (batch, n_classes)
        Pre-activations of the output layer.
    targets : ndarray of shape (batch, n_classes)
        One-hot (or soft) targets.
    output : {"softmax", "sigmoid", "linear"}

    Returns
    -------
    probs : ndarray of shape (batch, n_classes)
        The network's outputs.
    loss : float
        Mean cross-entropy, or mean over samples of half the summed squared error.
    grad_scores : ndarray of shape (batch, n_classes)
        d loss / d scores.
    """
    n = scores.shape[0]
    if output == "softmax":
        probs = _softmax(scores)
        picked = np.sum(probs * targets, axis=1)
        loss = float(-np.mean(np.log(np.maximum(picked, np.finfo(probs.dtype).tiny))))
        grad = (probs - targets) / n
        return probs, loss, grad
    probs = _sigmoid(scores) if output == "sigmoid" else scores
    diff = probs - targets
    loss = float(0.5 * np.sum(diff * diff) / n)
    grad = diff / n
    if output == "sigmoid":
        grad *= probs * (1 - probs)
    return probs, loss, grad


def output_function(scores: np.ndarray, output: str) -> np.ndarray:
    """The network's outputs for pre-activations ``scores`` (batch, n_classes)."""
    if output == "softmax":
        return _softmax(scores)
    return _sigmoid(scores) if output == "sigmoid" else scores


class Predictor:
    """Prediction helpers shared by every network type, on top of its ``__call__(x) -> probs``."""

    def predict_one(self, vector: np.ndarray) -> np.ndarray:
        """Class probabilities (n_classes,) for one input vector (n_inputs,)."""
        return self(np.reshape(vector, (1, -1)))[0]

    def layer_stack(self) -> list[str]:
        """One line per layer, input to output (a network without layers: its summary)."""
        return [self.summary()]


class StaticNetwork(Predictor):
    """Feed-forward multilayer network trained by static backpropagation.

    Parameters
    ----------
    n_inputs : int
        Length of the input vector (e.g. 784 for 28x28 glyphs).
    hidden : sequence of int
        Widths of the hidden layers; empty for a single-layer network.
    n_classes : int
        Number of output units.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid"}, default "relu"
        Nonlinearity of the hidden layers.
    output : {"softmax", "sigmoid", "linear"}, default "softmax"
        Output function; softmax is trained with cross-entropy, the others with squared error.
    rng : numpy.random.Generator, optional
        Source of the initial weights; the same seed gives bit-identical weights.
    dtype : numpy dtype, default float32
    conv : sequence of int, default ()
        Output channels of convolutional blocks before the dense layers, one block per entry:
        a ``kernel_size`` 'same' convolution, the hidden activation and a 2×2 max-pooling
        (:mod:`model.conv`). Empty for a purely dense network.
    kernel_size : {3, 5}, default 3
    image_shape : (height, width), optional
        Shape of the images whose raveled rows are the input vectors; conv blocks need it.
        Default: a square of ``n_inputs`` pixels.
    """

    kind = "static"
    default_activation = "relu"

    def __init__(self, n_inputs: int, hidden: list[int] | tuple[int, ...], n_classes: int,
                 activation: str = default_activation, output: str = "softmax",
                 rng: np.random.Generator | None = None, dtype=DEFAULT_DTYPE,
                 conv: Sequence[int] = (), kernel_size: int = 3,
                 image_shape: Sequence[int] | None = None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from "
                             f"{', '.join(ACTIVATIONS)}")
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; choose from {', '.join(OUTPUTS)}")
        sizes = [int(n_inputs), *(int(h) for h in hidden), int(n_classes)]
        if min(sizes) < 1:
            raise ValueError(f"layer sizes must be positive, got {sizes}")
        rng = rng if rng is not None else np.random.default_rng()
        self.activation, self.output, self.dtype = activation, output, np.dtype(dtype)
        self.conv, self.kernel_size = tuple(int(c) for c in conv), int(kernel_size)
        self.image_shape = _image_shape(sizes[0], image_shape) if self.conv else None
        self.layers: list = []
        if self.conv:
            self.layers, sizes[0] = conv_stack(
                self.image_shape, self.conv, self.kernel_size, lambda: Activation(activation),
                lambda n_in, n_out: init_scale(activation, n_in, n_out), rng, dtype)
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            self.layers.append(Dense(n_in, n_out, rng, init_scale(activation, n_in, n_out), dtype))
            if i < len(sizes) - 2:
                self.layers.append(Activation(activation))
        next(layer for layer in self.layers if hasattr(layer, "needs_input_grad")
             ).needs_input_grad = False

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_inputs(self) -> int:
        if self.conv:
            return self.image_shape[0] * self.image_shape[1]
        return self.layers[0].weight.shape[0]

    @property
    def n_classes(self) -> int:
        return self.layers[-1].weight.shape[1]

    def scores(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """Pre-activations of the output layer for a batch ``x`` (batch, n_inputs)."""
        for layer in self.layers:
            x = layer(x, train)
        return x

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (batch, n_classes) for inputs ``x`` (batch, n_inputs)."""
        x = np.asarray(x, dtype=self.dtype)
        if not self.conv or len(x) <= CONV_CHUNK:
            return output_function(self.scores(x), self.output)
        # Conv buffers grow with the batch: large batches go through in chunks.
        return np.concatenate([self(x[start:start + CONV_CHUNK])
                               for start in range(0, len(x), CONV_CHUNK)])

    def loss_and_gradients(self, x: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """Forward and backward pass on a mini-batch; fills :meth:`gradients` in place.

        Parameters
        ----------
        x : ndarray of shape (batch, n_inputs)
        targets : ndarray of shape (batch, n_classes)
            One-hot targets.

        Returns
        -------
        loss : float
        probs : ndarray of shape (batch, n_classes)
        """
        probs, loss, grad = output_and_loss(self.scores(x, train=True), targets, self.output)
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
            if grad is None:  # the first weighted layer needs no input gradient
                break
        return loss, probs

    def parameters(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.gradients()]

    def after_update(self) -> None:
        """Hook called after every optimiser step (the static network has no constraint)."""

    def config(self) -> dict[str, Any]:
        """Architecture as plain JSON-able data; :meth:`from_config` rebuilds it."""
        config = {
            "type": self.kind,
            "n_inputs": self.n_inputs,
            "hidden": [layer.weight.shape[1] for layer in self.dense_layers[:-1]],
            "n_classes": self.n_classes,
            "activation": self.activation,
            "output": self.output,
        }
        if self.conv:
            config.update(conv=list(self.conv), kernel_size=self.kernel_size,
                          image_shape=list(self.image_shape))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], rng: np.random.Generator | None = None
                    ) -> StaticNetwork:
        return cls(config["n_inputs"], config["hidden"], config["n_classes"],
                   config["activation"], config["output"], rng, conv=config.get("conv", ()),
                   kernel_size=config.get("kernel_size", 3),
                   image_shape=config.get("image_shape"))

    def named_weights(self) -> dict[str, dict[str, np.ndarray]]:
        """Weights by layer name and weight name, for model files: ``conv_0 …`` then
        ``dense_0 …``."""
        convs = [layer for layer in self.layers if isinstance(layer, Conv2D)]
        return {**{f"conv_{i}": {"weight": layer.weight, "bias": layer.bias}
                   for i, layer in enumerate(convs)},
                **{f"dense_{i}": {"weight": layer.weight, "bias": layer.bias}
                   for i, layer in enumerate(self.dense_layers)}}

    def summary(self) -> str:
        sizes = [self.n_inputs, *self.config()["hidden"], self.n_classes]
        convs = "".join(f"conv{self.kernel_size}x{self.kernel_size}:{c}-pool-"
                        for c in self.conv)
        return (f"static {sizes[0]}-{convs}{'-'.join(map(str, sizes[1:]))} "
                f"{self.activation}/{self.output}")

    def layer_stack(self) -> list[str]:
        """One line per layer, input to output, e.g. ``Conv2D(1, 32, 3x3)``."""
        return [repr(layer) for layer in self.layers]

    def __repr__(self) -> str:
        return f"StaticNetwork([{', '.join(map(repr, self.layers))}], output={self.output!r})"


def _image_shape(n_inputs: int, image_shape: Sequence[int] | None) -> tuple[int, int]:
    """``image_shape`` checked against ``n_inputs``, or the square of ``n_inputs`` pixels."""
    if image_shape is None:
        side = round(n_inputs ** 0.5)
        image_shape = (side, side)
    shape = tuple(int(n) for n in image_shape)
    if len(shape) != 2 or min(shape) < 1 or shape[0] * shape[1] != n_inputs:
        raise ValueError(f"image shape {list(image_shape)} does not hold the network's "
                         f"{n_inputs} inputs")
    return shape
