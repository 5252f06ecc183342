"""Solving batches of fixed-point problems ``s = g(s)``: Picard iteration or Anderson mixing,
and :class:`ConvergenceError` for a relaxation that does not settle.

References
----------
Anderson, D. G. (1965). Iterative procedures for nonlinear integral equations. J. ACM 12(4),
547-560.
Walker, H. F. and Ni, P. (2011). Anderson acceleration for fixed-point iterations. SIAM J.
Numer. Anal. 49(4), 1715-1735.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .errors import TrainingError

SOLVERS = ("picard", "anderson")
ANDERSON_RIDGE = 1e-6  # Tikhonov term of Anderson's least squares, relative to its scale


class ConvergenceError(TrainingError):
    """A relaxation did not reach its fixed point, or the recurrent map is not a contraction.

    Attributes
    ----------
    phase : {"forward", "backward"}
        Which relaxation: the network's state or the adjoint error signal.
    iterations : int
        Relaxation steps used.
    residual : float
        Largest change of the last step (relative to the error signal in the backward phase).
    tol : float
        The tolerance the residual had to get below.
    contraction : float or None
        ``||W||_2 * max f'`` when it was measured; 1 or more means no guaranteed fixed point.
    """

    def __init__(self, phase: str, iterations: int, residual: float, tol: float,
                 contraction: float | None = None):
        self.phase, self.iterations, self.residual = phase, iterations, residual
        self.tol, self.contraction = tol, contraction
        if residual >= tol:
            problem = (f"the {phase} relaxation did not converge: residual {residual:.3g} after "
                       f"{iterations} iterations (tolerance {tol:g})")
        else:
            problem = (f"the {phase} relaxation converged in {iterations} iterations, but the "
                       f"fixed point need not be unique")
        if contraction is not None and contraction >= 1:
            problem += (f"; the recurrent weights are not contractive (||W|| * max f' = "
                        f"{contraction:.3g} >= 1)")
        super().__init__(problem)


class Anderson:
    """Anderson mixing for a batch of independent fixed-point problems ``s = g(s)``.

    Each row of the state is its own problem: the next state is the affine combination of the
    last ``memory`` images ``g(s_i)`` whose residuals ``g(s_i) - s_i`` combine to the smallest
    norm (Anderson 1965; Walker and Ni 2011, with mixing parameter 1). The Gram matrices of the
    residuals are updated by one row per step.

    Parameters
    ----------
    shape : tuple of int
        (batch, n) of the state.
    memory : int
        Number of past iterates combined.
    dtype : numpy dtype
    """

    def __init__(self, shape: tuple[int, int], memory: int, dtype):
        batch, n = shape
        self.images = np.empty((batch, memory, n), dtype)
        self.residuals = np.empty((batch, memory, n), dtype)
        self.gram = np.zeros((batch, memory, memory))
        self.count = 0

    def mix(self, state: np.ndarray, image: np.ndarray) -> np.ndarray:
        """Remember ``state`` (batch, n) and ``image = g(state)``; return the next state."""
        memory = self.images.shape[1]
        slot = self.count % memory
        self.images[:, slot] = image
        np.subtract(image, state, out=self.residuals[:, slot])
        self.count += 1
        k = min(self.count, memory)
        row = np.einsum("bkn,bn->bk", self.residuals[:, :k], self.residuals[:, slot])
        self.gram[:, slot, :k] = row
        self.gram[:, :k, slot] = row
        gram = self.gram[:, :k, :k]
        ridge = ANDERSON_RIDGE * np.trace(gram, axis1=1, axis2=2) / k + 1e-30
        # min ||sum_i alpha_i r_i|| subject to sum_i alpha_i = 1: alpha ~ gram^-1 1.
        alpha = np.linalg.solve(gram + ridge[:, None, None] * np.eye(k),
                                np.ones((len(gram), k, 1)))[:, :, 0]
        alpha /= alpha.sum(axis=1, keepdims=True)
        return np.einsum("bk,bkn->bn", alpha.astype(image.dtype), self.images[:, :k])


def solve_fixed_point(step: Callable[[np.ndarray], np.ndarray], start: np.ndarray, tol: float,
                      max_iter: int, solver: str = "picard", memory: int = 5, scale: float = 1.0
                      ) -> tuple[np.ndarray, int, float]:
    """Iterate ``state <- step(state)`` on a batch until no entry changes by ``tol * scale``.

    Parameters
    ----------
    step : callable
        The map, (batch, n) -> (batch, n); a contraction for convergence to be guaranteed.
    start : ndarray of shape (batch, n)
    tol : float
        Stop when ``max |step(state) - state| / scale < tol``.
    max_iter : int
        Most calls of ``step``.
    solver : {"picard", "anderson"}, default "picard"
        Plain fixed-point iteration, or with :class:`Anderson` mixing of the last ``memory``.
    memory : int, default 5
    scale : float, default 1.0
        Makes the residual relative.

    Returns
    -------
    state : ndarray of shape (batch, n)
        The last image ``step(s)``.
    iterations : int
        Calls of ``step``.
    residual : float
        ``max |step(s) - s| / scale`` of the last call; ``>= tol`` means not converged.
    """
    mixer = Anderson(start.shape, memory, start.dtype) if solver == "anderson" else None
    state, diff = start, np.empty_like(start)
    for iteration in range(1, max_iter + 1):
        image = step(state)
        np.subtract(image, state, out=diff)
        residual = float(np.abs(diff, out=diff).max()) / scale
        if residual < tol or iteration == max_iter:
            break
        state = image if mixer is None else mixer.mix(state, image)
    return image, iteration, residual
