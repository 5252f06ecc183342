"""The network types charrec offers, by the name stored in model files."""

from __future__ import annotations

from typing import Any

import numpy as np

from .network import StaticNetwork
from .recurrent import RecurrentNetwork

NETWORK_TYPES: dict[str, type] = {"static": StaticNetwork, "recurrent": RecurrentNetwork}
DEFAULT_ACTIVATIONS: dict[str, str] = {name: kind.default_activation
                                       for name, kind in NETWORK_TYPES.items()}


def network_from_config(config: dict[str, Any], rng: np.random.Generator | None = None):
    """Build a network of the type and architecture that ``config`` (from ``.config()``) names."""
    kind = config.get("type")
    if kind not in NETWORK_TYPES:
        raise ValueError(f"unknown network type {kind!r}; known: {', '.join(NETWORK_TYPES)}")
    return NETWORK_TYPES[kind].from_config(config, rng)
