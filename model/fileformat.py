"""The header every charrec HDF5 file carries: a format name and a format version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# format name -> (what a file of it is, what it is called, its word in version messages)
KINDS = {"charrec-model": ("a charrec model file", "model", "model"),
         "charrec-samples": ("a charrec sample set", "sample set", "sample")}


def check_header(attrs: Mapping[str, Any], name: str, expected: str, newest: int,
                 error: type[Exception], hint: str = "") -> int:
    """Raise ``error`` unless ``attrs`` name the format ``expected`` at a version up to
    ``newest``; return the version. ``hint`` follows the message for the other charrec kind."""
    found, (_, noun, short) = attrs.get("format"), KINDS[expected]
    if found != expected:
        if found in KINDS:
            raise error(f"{name} is {KINDS[found][0]}, not a {noun}{hint}")
        raise error(f"{name} is an HDF5 file from another program, not a charrec {noun}")
    version = int(attrs.get("format_version", -1))
    if version > newest:
        raise error(f"{name} was written by a newer charrec ({short} format "
                    f"{version}; this version reads up to {newest})")
    if version < 1:
        raise error(f"{name} has an invalid format version {version}")
    return version
