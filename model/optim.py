"""Optimisers and learning-rate schedules.

An optimiser owns its state (velocities, moment estimates) and exposes one
``update_params(grads)`` that changes the parameters in place, without building new lists or
arrays per step.

References
----------
Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013). On the importance of initialization
and momentum in deep learning. ICML.
Kingma, D. P. and Ba, J. (2015). Adam: A method for stochastic optimization. ICLR.
Loshchilov, I. and Hutter, F. (2017). SGDR: Stochastic gradient descent with warm restarts.
"""

from __future__ import annotations

import math

import numpy as np

SCHEDULES = ("constant", "step", "cosine")


def learning_rate_at(base: float, schedule: str, epoch: int, epochs: int,
                     step_every: int = 10, step_factor: float = 0.5) -> float:
    """Learning rate for ``epoch`` (0-based) of ``epochs``.

    ``constant`` keeps ``base``; ``step`` multiplies it by ``step_factor`` every ``step_every``
    epochs; ``cosine`` anneals it from ``base`` to ``base / 100`` along half a cosine.
    """
    if schedule == "constant":
        return base
    if schedule == "step":
        return base * step_factor ** (epoch // max(step_every, 1))
    if schedule == "cosine":
        floor = base / 100
        return floor + 0.5 * (base - floor) * (1 + math.cos(math.pi * epoch / max(epochs, 1)))
    raise ValueError(f"unknown schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")


# The learning rate each optimiser starts from when none is given.
DEFAULT_LEARNING_RATES: dict[str, float] = {"adam": 1e-3, "sgd": 0.05}


class SGD:
    """Stochastic gradient descent with (optionally Nesterov) momentum and L2 weight decay.

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place.
    learning_rate : float, default ``DEFAULT_LEARNING_RATES["sgd"]`` (0.05)
    momentum : float, default 0.9
        0 gives plain gradient descent.
    nesterov : bool, default True
    weight_decay : float, default 0.0
        L2 penalty coefficient, added to the gradient of every weight matrix (not biases).
    """

    def __init__(self, params: list[np.ndarray],
                 learning_rate: float = DEFAULT_LEARNING_RATES["sgd"],
                 momentum: float = 0.9, nesterov: bool = True, weight_decay: float = 0.0):
        self.params = params
        self.learning_rate, self.momentum, self.nesterov = learning_rate, momentum, nesterov
        self.weight_decay = weight_decay
        self.velocities = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]

    def update_params(self, grads: list[np.ndarray]) -> None:
        lr, mu = self.learning_rate, self.momentum
        for p, g, v, tmp in zip(self.params, grads, self.velocities, self._scratch, strict=True):
            if self.weight_decay and p.ndim > 1:
                g += self.weight_decay * p
            v *= mu
            np.multiply(g, lr, out=tmp)
            v -= tmp
            if self.nesterov:
                # p += mu * v - lr * g  (Sutskever et al. 2013, as in scikit-learn)
                p -= tmp
                np.multiply(v, mu, out=tmp)
                p += tmp
            else:
                p += v


class Adam:
    """Adam: adaptive moment estimation, with L2 weight decay.

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place.
    learning_rate : float, default ``DEFAULT_LEARNING_RATES["adam"]`` (1e-3)
    beta_1, beta_2 : float, default 0.9, 0.999
    epsilon : float, default 1e-8
    weight_decay : float, default 0.0
        L2 penalty coefficient on weight matrices (not biases).
    """

    def __init__(self, params: list[np.ndarray],
                 learning_rate: float = DEFAULT_LEARNING_RATES["adam"],
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 weight_decay: float = 0.0):
        self.params = params
        self.learning_rate, self.beta_1, self.beta_2 = learning_rate, beta_1, beta_2
        self.epsilon, self.weight_decay = epsilon, weight_decay
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]

    def update_params(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        step = self.learning_rate * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, g, m, v, tmp in zip(self.params, grads, self.ms, self.vs, self._scratch,
                                   strict=True):
            if self.weight_decay and p.ndim > 1:
                g += self.weight_decay * p
            m *= b1
            np.multiply(g, 1 - b1, out=tmp)
            m += tmp
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            v *= b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += self.epsilon
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp


OPTIMIZERS = {"adam": Adam, "sgd": SGD}


def make_optimizer(name: str, params: list[np.ndarray], learning_rate: float,
                   weight_decay: float = 0.0, momentum: float = 0.9, nesterov: bool = True):
    """Build an optimiser by name ("adam" or "sgd")."""
    if name == "adam":
        return Adam(params, learning_rate, weight_decay=weight_decay)
    if name == "sgd":
        return SGD(params, learning_rate, momentum=momentum, nesterov=nesterov,
                   weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
