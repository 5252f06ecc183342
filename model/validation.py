"""When a held-out accuracy means something, and how it is said.

An accuracy measured on a handful of samples says next to nothing: three held-out samples give
"100%" as easily as "67%". Validation therefore holds samples out only when there are enough of
them (:func:`validation_share`), and every figure shown to a user goes through
:func:`accuracy_text`, which gives the range the true accuracy likely lies in and, below
:data:`MIN_HELD_OUT` samples, says that there are too few to estimate instead of a number.

The range is the Wilson score interval at 95% confidence (Wilson, E. B. (1927). Probable
inference, the law of succession, and statistical inference. JASA 22(158), 209-212), which
stays within 0-100% and sensible near 100%, where it is lopsided: 33 right of 33 is "100.0%,
likely 89.6–100.0%", not "100.0% ± 10.4".
"""

from __future__ import annotations

import math

HOLD_OUT_SHARE = 0.1  # share of the samples automatic validation holds out
MIN_HELD_OUT = 30  # fewest held-out samples an accuracy figure is shown for
Z_95 = 1.959964


def validation_share(n_samples: int, share: float | None) -> float:
    """The share of ``n_samples`` to hold out: ``share`` itself when given, else
    :data:`HOLD_OUT_SHARE` if that holds out at least :data:`MIN_HELD_OUT` samples, else 0."""
    if share is not None:
        return share
    return HOLD_OUT_SHARE if n_samples * HOLD_OUT_SHARE >= MIN_HELD_OUT else 0.0


def enough(n_held_out: int) -> bool:
    """Whether an accuracy on ``n_held_out`` samples is worth showing."""
    return n_held_out >= MIN_HELD_OUT


def interval(accuracy: float, n: int) -> tuple[float, float]:
    """The 95% Wilson interval (low, high) around ``accuracy`` measured on ``n`` samples; it
    stays within [0, 1] and is lopsided near 0% and 100%."""
    if n <= 0:
        return 0.0, 1.0
    z2 = Z_95 * Z_95
    centre = (accuracy + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(accuracy * (1 - accuracy) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def accuracy_text(accuracy: float | None, n: int, what: str = "held-out") -> str:
    """An accuracy as shown to users: ``"97.5%, likely 95.1–98.7% (200 held-out samples)"``
    (the 95% interval), or a note that ``n`` samples are too few (or that nothing was held
    out) to estimate it."""
    if accuracy is None or n <= 0:
        return f"no {what} samples to estimate accuracy"
    if not enough(n):
        noun = "sample" if n == 1 else "samples"
        return f"too few {what} samples to estimate accuracy ({n} {noun}; {MIN_HELD_OUT} needed)"
    low, high = interval(accuracy, n)
    return f"{accuracy:.1%}, likely {100 * low:.1f}–{high:.1%} ({n} {what} samples)"
