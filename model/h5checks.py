"""Checks that make a hostile HDF5 file harmless before anything is read from it.

An HDF5 file is a small program for the library that reads it: a link can point into another
file, a dataset can keep its bytes in any other local file (external storage) or be stitched
together from other files (virtual datasets), and a few bytes can claim a dataset of billions of
elements that reading would fill in (fill values, compression). charrec's files never contain
any of those, so :func:`check_file` refuses them outright, and :func:`checked_dataset` compares
a dataset's shape and type with sane limits before a single element is read.
"""

from __future__ import annotations

import h5py

MAX_OBJECTS = 10_000  # groups and datasets in one file; a model has a few dozen
MAX_DEPTH = 8
KIND_NAMES = {"f": "floats", "u": "unsigned integers", "i": "integers", "T": "UTF-8 text"}


class UnsafeFileError(ValueError):
    """The file holds something charrec never writes and will not read; the message says what."""


def check_file(f: h5py.File) -> None:
    """Refuse links to other files, soft links, external storage and virtual datasets.

    Walks the whole file without following any link out of it, and without reading data.

    Raises
    ------
    UnsafeFileError
    """
    budget = [MAX_OBJECTS]
    _check_group(f, "", 0, budget)


def checked_dataset(group: h5py.Group, key: str, where: str, max_shape: tuple[int, ...],
                    kinds: str) -> h5py.Dataset:
    """``group[key]``, once it is known to be a dataset of at most ``max_shape`` of a type kind
    in ``kinds`` ("f" floats, "u" unsigned, "i" signed integers, "T" UTF-8 strings).

    Parameters
    ----------
    max_shape : tuple of int
        The largest size of every dimension; the dataset must have as many dimensions.

    Raises
    ------
    UnsafeFileError
        Missing, not a dataset, or a shape or type outside the limits (``where`` names it).
    """
    link = group.get(key, getlink=True)
    if not isinstance(link, h5py.HardLink) or not isinstance(group.get(key), h5py.Dataset):
        raise UnsafeFileError(f"has no '{where}' dataset")
    data = group[key]
    shape = data.shape
    if shape is None or len(shape) != len(max_shape):
        raise UnsafeFileError(f"has '{where}' of shape {shape}, expected {len(max_shape)} "
                              "dimension" + "s" * (len(max_shape) != 1))
    if any(n > limit for n, limit in zip(shape, max_shape, strict=True)):
        raise UnsafeFileError(f"has '{where}' of shape {shape}, more than charrec reads "
                              f"(at most {max_shape})")
    if _kind(data) not in kinds:
        raise UnsafeFileError(f"has '{where}' of type {data.dtype}, expected "
                              + " or ".join(KIND_NAMES[k] for k in kinds))
    return data


def _kind(data: h5py.Dataset) -> str:
    info = h5py.check_string_dtype(data.dtype)
    if info is not None:
        return "T" if info.encoding == "utf-8" else "?"
    return data.dtype.kind if data.dtype.kind in KIND_NAMES and data.dtype.names is None else "?"


def _check_group(group: h5py.Group, path: str, depth: int, budget: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise UnsafeFileError(f"groups are nested deeper than {MAX_DEPTH} levels at {path}")
    count = group.id.get_num_objs()
    budget[0] -= count
    if budget[0] < 0:
        raise UnsafeFileError(f"holds more than {MAX_OBJECTS} groups and datasets")
    for name in group:
        where = f"{path}/{name}"
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            raise UnsafeFileError(f"links {where} to another file ({link.filename})")
        if isinstance(link, h5py.SoftLink):
            raise UnsafeFileError(f"has a soft link at {where}")
        item = group[name]
        if isinstance(item, h5py.Group):
            _check_group(item, where, depth + 1, budget)
        elif isinstance(item, h5py.Dataset):
            _check_dataset_storage(item, where)


def _check_dataset_storage(data: h5py.Dataset, where: str) -> None:
    plist = data.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise UnsafeFileError(f"{where} is a virtual dataset made of other files")
    if plist.get_external_count():
        raise UnsafeFileError(f"{where} keeps its data in another file")

