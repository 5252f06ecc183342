"""Ensembles: networks of one architecture whose class probabilities are averaged.

Networks trained from different random starts on different draws of the data make different
mistakes, and the mean of their probabilities is right more often than any one of them
(Hansen and Salamon, 1990), more so on inputs unlike the training data (Lakshminarayanan et
al., 2017). An :class:`Ensemble` behaves as one network of its members' type: it is called,
trained (every member on the same mini-batches, each by the gradient of its own loss), saved
and loaded as they are. A model file records it as its members' architecture plus
``"members": k``, and their weights as ``member_<i>.<layer>``.

References
----------
Hansen, L. K. and Salamon, P. (1990). Neural network ensembles. IEEE Transactions on Pattern
Analysis and Machine Intelligence 12(10), 993-1001.
Lakshminarayanan, B., Pritzel, A. and Blundell, C. (2017). Simple and scalable predictive
uncertainty estimation using deep ensembles. NeurIPS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .network import Predictor

# Most members a model file may ask for.
MAX_MEMBERS = 16
SEPARATOR = "."


def member_layer(name: str) -> str:
    """The name within its member of a layer of :meth:`Ensemble.named_weights` (a plain
    network's layer names stay as they are)."""
    return name.split(SEPARATOR, 1)[-1]


def check_members(count: Any) -> int:
    """``count`` if it is a whole number of members from 2 to MAX_MEMBERS; ValueError if not."""
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_MEMBERS:
        raise ValueError(f"an ensemble has 2 to {MAX_MEMBERS} members, got {count!r}")
    return count


class Ensemble(Predictor):
    """Several networks of one architecture; probabilities are the mean of theirs.

    Parameters
    ----------
    members : sequence of networks
        At least two, all with the same ``config()``.
    """

    def __init__(self, members: Sequence[Any]):
        self.members = list(members)
        check_members(len(self.members))
        first = self.members[0].config()
        if any(member.config() != first for member in self.members[1:]):
            raise ValueError("the members of an ensemble must share one architecture")

    @property
    def kind(self) -> str:
        return self.members[0].kind

    @property
    def n_inputs(self) -> int:
        return self.members[0].n_inputs

    @property
    def n_classes(self) -> int:
        return self.members[0].n_classes

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Mean class probabilities (batch, n_classes) of the members for ``x`` (batch,
        n_inputs)."""
        probs = self.members[0](x)
        for member in self.members[1:]:
            probs = probs + member(x)
        return probs / np.float32(len(self.members))

    def loss_and_gradients(self, x: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """Every member's forward and backward pass on the mini-batch ``x`` (batch, n_inputs)
        with one-hot ``targets`` (batch, n_classes): the mean loss and mean probabilities
        (batch, n_classes); each member's :meth:`gradients` are those of its own loss."""
        losses, probs = zip(*(member.loss_and_gradients(x, targets)
                              for member in self.members), strict=True)
        return float(np.mean(losses)), sum(probs) / np.float32(len(self.members))

    def parameters(self) -> list[np.ndarray]:
        return [p for member in self.members for p in member.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [g for member in self.members for g in member.gradients()]

    def after_update(self) -> None:
        for member in self.members:
            member.after_update()

    def config(self) -> dict[str, Any]:
        """The members' architecture with ``"members": k``."""
        return {**self.members[0].config(), "members": len(self.members)}

    def named_weights(self) -> dict[str, dict[str, np.ndarray]]:
        """Every member's weights, its layer names prefixed with ``member_<i>.``."""
        return {f"member_{i}{SEPARATOR}{name}": arrays
                for i, member in enumerate(self.members)
                for name, arrays in member.named_weights().items()}

    def summary(self) -> str:
        return f"{len(self.members)} × {self.members[0].summary()}, probabilities averaged"

    def layer_stack(self) -> list[str]:
        """The members' layers, input to output, once (they share them)."""
        return [f"{len(self.members)} members, each:", *self.members[0].layer_stack()]

    def __repr__(self) -> str:
        return f"Ensemble({self.members!r})"
