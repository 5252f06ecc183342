"""Recurrent backpropagation: a network that settles to a fixed point and learns through it.

The hidden units feed back on themselves. For an input batch ``x`` (batch, n_inputs) the hidden
pre-activations relax to the fixed point of

    a = f(a) @ W + x @ U + b,        h = f(a),

starting from h = 0, and a readout layer maps the settled state ``h*`` to the outputs. Learning
uses the adjoint (error) network of Almeida and Pineda: the error signal relaxes to the fixed
point of

    delta = f'(a*) * (delta @ W.T + dL/dh*),

and then dL/dW = h*.T @ delta, dL/dU = x.T @ delta, dL/db = sum(delta). Neither pass stores the
iterates, so memory does not grow with the number of relaxation steps.

The relaxation is a contraction, with one fixed point that it reaches from any start, when
``||W||_2 * max f' < 1`` (Banach's fixed-point theorem). :meth:`RecurrentNetwork.after_update`
keeps it one by rescaling ``W`` to a spectral-norm bound after every optimiser step; the norm is
estimated by power iteration with a persistent vector (Miyato et al. 2018). Steps that still end
unconverged are counted in :meth:`RecurrentNetwork.training_stats` and
:meth:`RecurrentNetwork.check_convergence` raises
:class:`~model.fixedpoint.ConvergenceError` for them.

References
----------
Almeida, L. B. (1987). A learning rule for asynchronous perceptrons with feedback in a
combinatorial environment. Proc. IEEE First International Conference on Neural Networks, II,
609-618.
Pineda, F. J. (1987). Generalization of back-propagation to recurrent neural networks.
Physical Review Letters 59(19), 2229-2232.
Miyato, T., Kataoka, T., Koyama, M. and Yoshida, Y. (2018). Spectral normalization for
generative adversarial networks. ICLR.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fixedpoint import SOLVERS, ConvergenceError, solve_fixed_point
from .network import (
    ACTIVATIONS,
    DEFAULT_DTYPE,
    OUTPUTS,
    Dense,
    Predictor,
    init_scale,
    output_and_loss,
    output_function,
)

# Largest slope of each activation: the map is a contraction when ||W||_2 * MAX_SLOPE < 1.
MAX_SLOPE: dict[str, float] = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0}
DEFAULT_CONTRACTION = 0.5  # default spectral bound, as a share of 1 / max f'
INIT_CONTRACTION = 0.25  # initial ||W||_2, as a share of 1 / max f'
INIT_POWER_STEPS = 30  # power-iteration steps at construction; after_update does POWER_STEPS
POWER_STEPS = 1


class RecurrentNetwork(Predictor):
    """Fully recurrent hidden layer trained by recurrent backpropagation (Almeida-Pineda).

    Parameters
    ----------
    n_inputs : int
        Length of the input vector (e.g. 784 for 28x28 glyphs).
    hidden : int
        Number of recurrent hidden units n.
    n_classes : int
        Number of output units.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}, default "relu"
        Nonlinearity f of the hidden units. ReLU is 1-Lipschitz like tanh, so the spectral
        bound keeps the relaxation a contraction; with charrec's default training it reads
        held-out UCI digits 98.2% right against tanh's 96.2% (bench/README.md).
    output : {"softmax", "sigmoid", "linear"}, default "softmax"
        Output function; softmax is trained with cross-entropy, the others with squared error.
    rng : numpy.random.Generator, optional
        Source of the initial weights; the same seed gives bit-identical weights.
    dtype : numpy dtype, default float32
    max_iter : int, default 50
        Most relaxation steps of each pass (forward and backward).
    tol : float, default 1e-4
        The forward relaxation stops when no pre-activation changes by ``tol`` or more in a
        step (so no unit's output does either, as ``max f' <= 1``); the backward one when no
        entry of the error signal changes by more than ``tol`` times its largest magnitude.
    solver : {"picard", "anderson"}, default "picard"
        Plain fixed-point iteration or Anderson acceleration (see :func:`solve_fixed_point`).
    memory : int, default 5
        Iterates that Anderson acceleration combines.
    spectral_bound : float, optional
        Largest allowed ``||W||_2``; must be below ``1 / max f'``. Default ``0.5 / max f'``
        (0.5 for relu and tanh, 2 for sigmoid): each relaxation step then at least halves the
        distance to the fixed point. 0.9 trains as well but takes about twice the steps (see
        ``bench/recurrent_speed.py``).
    strict : bool, default False
        Raise :class:`ConvergenceError` from :meth:`loss_and_gradients` when a relaxation does
        not converge, instead of only counting it in :meth:`training_stats`.

    Attributes
    ----------
    W : ndarray of shape (n, n)
        Recurrent weights; a = h @ W + x @ U + b.
    input : Dense
        ``U`` (n_inputs, n) and ``b`` (n,) as ``input.weight`` and ``input.bias``.
    readout : Dense
        (n, n_classes) layer from the settled state to the output scores.
    """

    kind = "recurrent"
    default_activation = "relu"  # 1-Lipschitz: the spectral bound makes it a contraction

    def __init__(self, n_inputs: int, hidden: int, n_classes: int,
                 activation: str = default_activation,
                 output: str = "softmax", rng: np.random.Generator | None = None,
                 dtype=DEFAULT_DTYPE, max_iter: int = 50, tol: float = 1e-4,
                 solver: str = "picard", memory: int = 5, spectral_bound: float | None = None,
                 strict: bool = False):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from "
                             f"{', '.join(ACTIVATIONS)}")
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; choose from {', '.join(OUTPUTS)}")
        if solver not in SOLVERS:
            raise ValueError(f"unknown solver {solver!r}; choose from {', '.join(SOLVERS)}")
        sizes = [int(n_inputs), int(hidden), int(n_classes)]
        if min(sizes) < 1:
            raise ValueError(f"layer sizes must be positive, got {sizes}")
        if max_iter < 1 or memory < 1:
            raise ValueError(f"max_iter and memory must be at least 1, got {max_iter}, {memory}")
        if not (np.isfinite(tol) and tol > 0):
            raise ValueError(f"tolerance must be a positive number, got {tol}")
        slope = MAX_SLOPE[activation]
        bound = DEFAULT_CONTRACTION / slope if spectral_bound is None else float(spectral_bound)
        if not 0 < bound * slope < 1:
            raise ValueError(f"spectral bound must lie in (0, {1 / slope:g}) for {activation} "
                             f"so that the relaxation contracts, got {bound:g}")
        rng = rng if rng is not None else np.random.default_rng()
        n = sizes[1]
        self.activation, self.output, self.dtype = activation, output, np.dtype(dtype)
        self.max_iter, self.tol, self.memory = int(max_iter), float(tol), int(memory)
        self.solver, self.spectral_bound, self.strict = solver, bound, bool(strict)
        self._f, self._df = ACTIVATIONS[activation]
        self.input = Dense(n_inputs, n, rng, init_scale(activation, n_inputs, n), dtype)
        self.input.needs_input_grad = False
        self.W = rng.standard_normal((n, n)).astype(dtype)
        self.grad_W = np.zeros_like(self.W)
        self._v = rng.standard_normal(n).astype(dtype)  # persistent power-iteration vector
        self._v /= np.linalg.norm(self._v)
        self.W *= INIT_CONTRACTION / slope / self._power_iteration(INIT_POWER_STEPS)
        self._norm = self._power_iteration(POWER_STEPS)
        self.readout = Dense(n, n_classes, rng, init_scale(activation, n, n_classes), dtype)
        self._counts = dict.fromkeys(
            ("batches", "iterations", "backward_iterations", "unconverged"), 0)
        self._worst = {"max_residual": 0.0, "max_backward_residual": 0.0}

    @property
    def n_inputs(self) -> int:
        return self.input.weight.shape[0]

    @property
    def hidden(self) -> int:
        return self.W.shape[0]

    @property
    def n_classes(self) -> int:
        return self.readout.weight.shape[1]

    # --- the two relaxations -------------------------------------------------------------

    def _settle(self, drive: np.ndarray) -> tuple[np.ndarray, int, float]:
        """Fixed point a* (batch, n) of ``a = f(a) @ W + drive``, from h = 0 (so a = drive)."""
        def step(a: np.ndarray) -> np.ndarray:
            out = self._f(a) @ self.W
            out += drive
            return out
        return solve_fixed_point(step, drive, self.tol, self.max_iter, self.solver, self.memory)

    def _adjoint(self, a: np.ndarray, h: np.ndarray, grad_h: np.ndarray
                 ) -> tuple[np.ndarray, int, float]:
        """Fixed point delta = dL/da* (batch, n) of ``delta = f'(a*) * (delta @ W.T + grad_h)``.

        ``grad_h`` (batch, n) is dL/dh* through the readout alone. Starts from delta = 0 (so
        delta = f'(a*) * grad_h); the residual is relative to that start's largest entry.
        """
        slope = self._df(a, h)
        w_t = self.W.T

        def step(delta: np.ndarray) -> np.ndarray:
            out = delta @ w_t
            out += grad_h
            out *= slope
            return out
        start = slope * grad_h
        scale = max(float(np.abs(start).max()), float(np.finfo(start.dtype).tiny))
        return solve_fixed_point(step, start, self.tol, self.max_iter, self.solver, self.memory,
                                 scale)

    def relax(self, x: np.ndarray) -> tuple[np.ndarray, int, float]:
        """Settle the hidden state for a batch ``x`` (batch, n_inputs).

        Returns
        -------
        h : ndarray of shape (batch, n)
            The (approximate) fixed point h* = f(h* @ W + x @ U + b).
        iterations : int
            Relaxation steps used.
        residual : float
            Largest change of a pre-activation in the last step; ``>= tol`` means the
            relaxation stopped at ``max_iter`` without converging.
        """
        a, iterations, residual = self._settle(self.input(np.asarray(x, dtype=self.dtype)))
        return self._f(a), iterations, residual

    def contraction(self) -> float:
        """``||W||_2 * max f'`` (exact, by SVD): below 1 the fixed point is unique and reached."""
        return float(np.linalg.norm(self.W, 2)) * MAX_SLOPE[self.activation]

    def check_convergence(self, x: np.ndarray) -> tuple[int, float]:
        """Relax on ``x`` (batch, n_inputs) and certify the result.

        Returns
        -------
        iterations, residual : int, float
            As from :meth:`relax`.

        Raises
        ------
        ConvergenceError
            If the relaxation did not converge within ``max_iter``, or if ``W`` is not a
            contraction (then a fixed point that was reached need not be unique or stable).
        """
        _h, iterations, residual = self.relax(x)
        contraction = self.contraction()
        if residual >= self.tol or contraction >= 1:
            raise ConvergenceError("forward", iterations, residual, self.tol, contraction)
        return iterations, residual

    # --- the StaticNetwork interface -----------------------------------------------------

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (batch, n_classes) for inputs ``x`` (batch, n_inputs)."""
        h, _iterations, _residual = self.relax(x)
        return output_function(self.readout(h), self.output)

    def loss_and_gradients(self, x: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """Relax forward, relax the adjoint backward; fills :meth:`gradients` in place.

        Parameters
        ----------
        x : ndarray of shape (batch, n_inputs)
        targets : ndarray of shape (batch, n_classes)
            One-hot targets.

        Returns
        -------
        loss : float
        probs : ndarray of shape (batch, n_classes)

        Raises
        ------
        ConvergenceError
            With ``strict=True``, when either relaxation ends unconverged.
        """
        a, iterations, residual = self._settle(self.input(x, train=True))
        self._check("forward", iterations, residual)
        h = self._f(a)
        probs, loss, grad_scores = output_and_loss(self.readout(h, train=True), targets,
                                                   self.output)
        delta, back_iterations, back_residual = self._adjoint(a, h, self.readout.backward(
            grad_scores))
        self._check("backward", back_iterations, back_residual)
        np.matmul(h.T, delta, out=self.grad_W)
        self.input.backward(delta)
        self._record(iterations, residual, back_iterations, back_residual)
        return loss, probs

    def _check(self, phase: str, iterations: int, residual: float) -> None:
        if self.strict and not residual < self.tol:
            raise ConvergenceError(phase, iterations, residual, self.tol)

    def _record(self, iterations: int, residual: float, back_iterations: int,
                back_residual: float) -> None:
        counts, worst = self._counts, self._worst
        counts["batches"] += 1
        counts["iterations"] += iterations
        counts["backward_iterations"] += back_iterations
        counts["unconverged"] += not (residual < self.tol and back_residual < self.tol)
        worst["max_residual"] = max(worst["max_residual"], residual)
        worst["max_backward_residual"] = max(worst["max_backward_residual"], back_residual)

    def training_stats(self) -> dict[str, float]:
        """Relaxation statistics of the training batches since the last call; then resets.

        Returns
        -------
        dict
            ``mean_iterations`` and ``mean_backward_iterations`` per batch, ``max_residual`` and
            ``max_backward_residual``, ``unconverged_share`` (share of batches where either
            relaxation hit ``max_iter`` with its residual at or above ``tol``) and
            ``spectral_norm`` (the power-iteration estimate of ``||W||_2``).
        """
        counts, batches = self._counts, max(self._counts["batches"], 1)
        stats = {"mean_iterations": counts["iterations"] / batches,
                 "mean_backward_iterations": counts["backward_iterations"] / batches,
                 **self._worst,
                 "unconverged_share": counts["unconverged"] / batches,
                 "spectral_norm": self._norm}
        self._counts = dict.fromkeys(counts, 0)
        self._worst = dict.fromkeys(self._worst, 0.0)
        return stats

    def parameters(self) -> list[np.ndarray]:
        return [self.W, *self.input.parameters(), *self.readout.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [self.grad_W, *self.input.gradients(), *self.readout.gradients()]

    def _power_iteration(self, steps: int) -> float:
        """Refine the persistent vector by ``steps`` power iterations; return ||W||_2 from below."""
        norm = 0.0
        for _ in range(steps):
            u = self.W @ self._v
            u_norm = np.linalg.norm(u)
            if u_norm == 0:
                return 0.0
            v = self.W.T @ (u / u_norm)
            norm = float(np.linalg.norm(v))
            self._v[...] = v / norm
        return norm

    def after_update(self) -> None:
        """Project ``W`` back to ``||W||_2 <= spectral_bound`` (called after every step).

        The norm comes from :data:`POWER_STEPS` power iterations on a vector kept between calls,
        which tracks the slowly changing top singular vector cheaply (Miyato et al. 2018). The
        estimate approaches the true norm from below: after the small changes of optimiser steps
        it is accurate, but after a large change of ``W`` (setting it by hand) the bound holds
        only after several calls; :meth:`contraction` measures exactly.
        """
        norm = self._power_iteration(POWER_STEPS)
        if norm > self.spectral_bound:
            self.W *= self.spectral_bound / norm
            norm = self.spectral_bound
        self._norm = norm

    def config(self) -> dict[str, Any]:
        """Architecture and solver settings as JSON-able data; :meth:`from_config` rebuilds it."""
        return {
            "type": self.kind,
            "n_inputs": self.n_inputs,
            "hidden": self.hidden,
            "n_classes": self.n_classes,
            "activation": self.activation,
            "output": self.output,
            "solver": self.solver,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "memory": self.memory,
            "spectral_bound": self.spectral_bound,
            "strict": self.strict,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], rng: np.random.Generator | None = None
                    ) -> RecurrentNetwork:
        settings = {key: config[key] for key in ("solver", "max_iter", "tol", "memory",
                                                 "spectral_bound", "strict") if key in config}
        return cls(config["n_inputs"], config["hidden"], config["n_classes"],
                   config["activation"], config["output"], rng, **settings)

    def named_weights(self) -> dict[str, dict[str, np.ndarray]]:
        """Weights by layer name and weight name, for model files."""
        return {"recurrent": {"W": self.W, "U": self.input.weight, "b": self.input.bias},
                "readout": {"weight": self.readout.weight, "bias": self.readout.bias}}

    def summary(self) -> str:
        return (f"recurrent {self.n_inputs}-{self.hidden}-{self.n_classes} "
                f"{self.activation}/{self.output}, {self.solver} tol {self.tol:g} "
                f"max_iter {self.max_iter}, ||W|| <= {self.spectral_bound:g}")

    def __repr__(self) -> str:
        return (f"RecurrentNetwork({self.n_inputs}, {self.hidden}, {self.n_classes}, "
                f"activation={self.activation!r}, output={self.output!r}, "
                f"solver={self.solver!r}, max_iter={self.max_iter}, tol={self.tol:g}, "
                f"spectral_bound={self.spectral_bound:g})")
