"""The header every charrec HDF5 file carries: a format name and a format version."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py

from .errors import first_line

MODEL_FORMAT = "charrec-model"
SAMPLES_FORMAT = "charrec-samples"
# format name -> (what a file of it is, what it is called, its word in version messages)
KINDS = {MODEL_FORMAT: ("a charrec model file", "model", "model"),
         SAMPLES_FORMAT: ("a charrec sample set", "sample set", "sample")}


def check_header(attrs: Mapping[str, Any], name: str, expected: str, newest: int,
                 error: type[Exception], hint: str = "") -> int:
    """Raise ``error`` unless ``attrs`` name the format ``expected`` at a version up to
    ``newest``; return the version. ``hint`` follows the message for the other charrec kind."""
    found, short = attrs.get("format"), KINDS[expected][2]
    if found != expected:
        raise error(wrong_kind(name, found, expected) + (hint if found in KINDS else ""))
    version = int(attrs.get("format_version", -1))
    if version > newest:
        raise error(f"{name} was written by a newer charrec ({short} format "
                    f"{version}; this version reads up to {newest})")
    if version < 1:
        raise error(f"{name} has an invalid format version {version}")
    return version


def wrong_kind(name: str, found: Any, expected: str) -> str:
    """Why a file whose header names the format ``found`` is not a file of ``expected``."""
    noun = KINDS[expected][1]
    if found in KINDS:
        return f"{name} is {KINDS[found][0]}, not a {noun}"
    return f"{name} is an HDF5 file from another program, not a charrec {noun}"


def not_hdf5(name: str, expected: str) -> str:
    """Why a file that is not HDF5 at all is no file of the format ``expected``."""
    return f"{name} is not {KINDS[expected][0]} (not an HDF5 file)"


def header_format(path: str | os.PathLike) -> Any:
    """The format name in the header of the HDF5 file at ``path`` (None if it has none).

    A file another program is writing to is read as SWMR readers do.

    Raises
    ------
    OSError, KeyError or ValueError
        The file is not HDF5 or cannot be read.
    """
    try:
        with h5py.File(path, "r", locking=False) as f:
            return f.attrs.get("format")
    except OSError as exc:
        if not open_for_write(exc):
            raise
    with h5py.File(path, "r", libver="latest", swmr=True, locking=False) as f:
        return f.attrs.get("format")


def open_for_write(exc: OSError) -> bool:
    """True for HDF5's refusal of a file whose flags say a writer has it open: a sample set
    that another program is appending to (or a killed writer left), readable in SWMR mode."""
    return "already open for write" in str(exc)


def has_format(path: str | os.PathLike, expected: str) -> bool:
    """Whether ``path`` is an HDF5 file whose header names the format ``expected`` (False for
    any file that cannot be read as one)."""
    try:
        found = header_format(path)
    except (OSError, KeyError, ValueError, TypeError):
        return False
    return isinstance(found, str) and found == expected


def charrec_kind(path: str | os.PathLike) -> str | None:
    """What the charrec file at ``path`` is ("a charrec model file"); None for any other file."""
    try:
        return KINDS.get(header_format(path), (None,))[0]
    except (OSError, KeyError, ValueError, TypeError):
        return None


def check_replaceable(path: Path, expected: str, error: type[Exception]) -> None:
    """Raise ``error`` unless writing a file of format ``expected`` at ``path`` destroys
    nothing else: ``path`` is missing, empty or already such a file (of any version).
    Another program's file, the other charrec kind and a file whose header cannot be read
    are refused: a model is never saved over a sample set, nor samples over a model."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    name = path.name
    if not h5py.is_hdf5(path):
        raise error(f"{not_hdf5(name, expected)}; choose another file name")
    try:
        found = header_format(path)
    except (OSError, KeyError, ValueError) as exc:  # e.g. a truncated file of either kind
        raise error(f"{name} is an HDF5 file that cannot be read ({first_line(exc)}), so it "
                    "may be a file worth keeping; choose another file name") from None
    if found != expected:
        raise error(f"{wrong_kind(name, found, expected)}; choose another file name")
