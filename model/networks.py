"""The network types charrec offers, by the name stored in model files."""

from __future__ import annotations

from itertools import pairwise
from numbers import Integral
from typing import Any

import numpy as np

from .conv import conv_sizes
from .ensemble import Ensemble, check_members
from .network import StaticNetwork
from .recurrent import RecurrentNetwork

NETWORK_TYPES: dict[str, type] = {"static": StaticNetwork, "recurrent": RecurrentNetwork}
DEFAULT_ACTIVATIONS: dict[str, str] = {name: kind.default_activation
                                       for name, kind in NETWORK_TYPES.items()}


def network_from_config(config: dict[str, Any], rng: np.random.Generator | None = None):
    """Build a network of the type and architecture that ``config`` (from ``.config()``) names:
    an :class:`~model.ensemble.Ensemble` of that many networks if it has ``members``."""
    kind = _network_type(config)
    if "members" not in config:
        return kind.from_config(config, rng)
    member = {key: value for key, value in config.items() if key != "members"}
    return Ensemble([kind.from_config(member, rng)
                     for _ in range(check_members(config["members"]))])


def _network_type(config: dict[str, Any]) -> type:
    kind = config.get("type")
    if kind not in NETWORK_TYPES:
        raise ValueError(f"unknown network type {kind!r}; known: {', '.join(NETWORK_TYPES)}")
    return NETWORK_TYPES[kind]


MAX_PARAMETERS = 100_000_000  # 400 MB of float32 weights; training needs about four times that


def parameter_count(config: dict[str, Any]) -> int:
    """Number of weights and biases of a network with the sizes in ``config`` (``type``,
    ``n_inputs``, ``hidden``, ``n_classes`` and any conv blocks, as ``.config()`` gives them),
    computed from the sizes alone: nothing is built; times ``members`` for an ensemble.
    ValueError for sizes that are not positive whole numbers."""
    _network_type(config)
    members = check_members(config["members"]) if "members" in config else 1
    hidden = config.get("hidden")
    widths = list(hidden) if isinstance(hidden, list | tuple) else [hidden]
    sizes = [config.get("n_inputs"), *widths, config.get("n_classes")]
    if not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in sizes):
        raise ValueError(f"layer sizes must be positive whole numbers, got {sizes}")
    convolution = 0
    if config.get("conv"):
        channels, image_shape = config["conv"], config.get("image_shape")
        numbers = [*channels, *(image_shape or ()), config.get("kernel_size", 3)]
        if not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
                   for n in numbers) or image_shape is None or len(image_shape) != 2:
            raise ValueError(f"conv sizes must be positive whole numbers, got conv {channels}, "
                             f"image shape {image_shape}")
        convolution, sizes[0] = conv_sizes(image_shape, channels, config.get("kernel_size", 3))
    dense = sum((int(a) + 1) * int(b) for a, b in pairwise(sizes))
    return members * (convolution + dense + (int(widths[0]) ** 2
                                             if config.get("type") == "recurrent" else 0))


def check_network_size(config: dict[str, Any]) -> None:
    """Raise ValueError when a network of ``config`` would exceed MAX_PARAMETERS weights."""
    count = parameter_count(config)
    if count > MAX_PARAMETERS:
        raise ValueError(f"a network of {count:,} weights is larger than the limit of "
                         f"{MAX_PARAMETERS:,}; use fewer or smaller hidden layers")
