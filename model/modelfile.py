"""Model files: one self-describing HDF5 file per classifier (layout in docs/model-format.md).

Loading checks everything against the architecture recorded in the file and fails with one
:class:`ModelFileError` that says exactly what does not match. Nothing in a file is executed,
nothing outside it is followed (:mod:`model.h5checks`), and nothing is read or built before its
size is known to be sane.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import h5py
import numpy as np

from . import __version__
from .classifier import Classifier
from .errors import first_line
from .fileformat import MODEL_FORMAT, check_header, not_hdf5
from .h5checks import UnsafeFileError, check_file, checked_dataset
from .h5io import hdf5_writer, utf8
from .labels import LabelError, check_stored_labels
from .network import NoRandomInit
from .networks import MAX_PARAMETERS, check_network_size, network_from_config
from .preprocess import PreprocessConfig
from .progress import History
from .reject import REJECT_METHOD, RejectOption, feature_length

FORMAT_NAME = MODEL_FORMAT
FORMAT_VERSION = 1
STRING = h5py.string_dtype("utf-8")
MAX_CLASSES = 100_000
MAX_EPOCHS = 1_000_000  # entries of one history series
MAX_WEIGHT_DIMENSIONS = 4
MAX_PROTOTYPES = 1_000_000  # rows of the reject option's prototype memory


class ModelFileError(Exception):
    """A model file cannot be read or is not a valid charrec model; the message says why."""


def save_model(classifier: Classifier, path: str | os.PathLike) -> None:
    """Write ``classifier`` to ``path`` atomically (the old file survives a crash mid-save)."""
    with hdf5_writer(path) as f:
        f.attrs["format"] = FORMAT_NAME
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["app_version"] = __version__
        f.attrs["name"] = utf8(classifier.name)
        f.attrs["created"] = classifier.created
        f.attrs["network_type"] = classifier.network.kind
        f.attrs["architecture"] = json.dumps(classifier.network.config())
        f.attrs["preprocess"] = json.dumps(classifier.preprocess.to_dict())
        f.attrs["training"] = json.dumps(classifier.training)
        f.attrs["background_output"] = classifier.background
        f.create_dataset("labels", data=classifier.labels, dtype=STRING)
        weights = f.create_group("weights")
        named = classifier.network.named_weights()
        weights.attrs["layer_names"] = list(named)
        for layer_name, arrays in named.items():
            group = weights.create_group(layer_name)
            group.attrs["weight_names"] = list(arrays)
            for weight_name, array in arrays.items():
                group.create_dataset(weight_name, data=array)
        if classifier.reject is not None:
            _write_reject(f.create_group("reject"), classifier.reject)
        history = f.create_group("history")
        series = classifier.history.series()
        history.attrs["series_names"] = list(series)
        for key, values in series.items():
            history.create_dataset(key, data=np.asarray(values, dtype=np.float64))


def load_model(path: str | os.PathLike) -> Classifier:
    """Read a model file written by :func:`save_model`; raise ModelFileError if it is not valid."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    if not h5py.is_hdf5(path):
        raise ModelFileError(not_hdf5(path.name, FORMAT_NAME))
    try:
        with h5py.File(path, "r") as f:
            return _read(f, path.name)
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path.name} is damaged or truncated and cannot be read "
                             f"({first_line(exc)})") from None


def _read(f: h5py.File, name: str) -> Classifier:
    check_header(f.attrs, name, FORMAT_NAME, FORMAT_VERSION, ModelFileError,
                 "; train one from it with 'charrec train'")
    if not isinstance(f.get("weights"), h5py.Group):
        raise ModelFileError(f"{name} has no 'weights' group")
    try:
        check_file(f)
        labels_data = checked_dataset(f, "labels", "labels", (MAX_CLASSES,), "T")
        series = _history_series(f)
        _check_stored_weights(f["weights"])
    except UnsafeFileError as exc:
        raise ModelFileError(f"{name} {exc}") from None
    architecture = json.loads(f.attrs["architecture"])
    if not isinstance(architecture, dict):
        raise ModelFileError(f"{name} has an invalid architecture: not a JSON object")
    try:
        check_network_size(architecture)  # before anything of that size is built
        network = network_from_config(architecture, NoRandomInit())  # weights follow
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{name} has an invalid architecture: {first_line(exc)}") from None
    try:
        preprocess = PreprocessConfig.from_dict(json.loads(f.attrs["preprocess"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{name} has invalid preprocessing settings: "
                             f"{first_line(exc)}") from None
    _read_weights(f["weights"], network, name)
    background = f.attrs.get("background_output", False)  # files before it had none
    if not isinstance(background, (bool, np.bool_)):
        raise ModelFileError(f"{name}: the attribute 'background_output' must be true or false")
    if len(labels_data) + background != network.n_classes:
        extra = " and a background output" if background else ""
        raise ModelFileError(f"{name} has {len(labels_data)} labels{extra} but its output "
                             f"layer has {network.n_classes} units")
    labels = list(labels_data.asstr()[()])
    try:
        check_stored_labels(labels, f"{name}: class")
    except LabelError as exc:
        raise ModelFileError(str(exc)) from None
    history = History.from_series({key: data[()].tolist() for key, data in series.items()})
    reject = (_read_reject(f["reject"], len(labels), feature_length(preprocess.size), name)
              if "reject" in f else None)
    try:
        return Classifier(network, labels, preprocess, history,
                          json.loads(f.attrs.get("training", "{}")),
                          str(f.attrs.get("name", Path(name).stem)),
                          str(f.attrs.get("created", "")), reject, bool(background))
    except ValueError as exc:
        raise ModelFileError(f"{name}: {exc}") from None


def _history_series(f: h5py.File) -> dict[str, h5py.Dataset]:
    """The checked (not yet read) datasets of the training history, by series name."""
    if "history" not in f:
        return {}
    history = f["history"]
    return {str(key): checked_dataset(history, str(key), f"history/{key}", (MAX_EPOCHS,), "f")
            for key in history.attrs.get("series_names", [])}


def _check_stored_weights(group: h5py.Group) -> None:
    """Refuse weights that are not float arrays or add up to more than MAX_PARAMETERS."""
    total = 0
    for layer_name, layer in group.items():
        if not isinstance(layer, h5py.Group):
            raise UnsafeFileError(f"has 'weights/{layer_name}', which is not a group")
        for weight_name, data in layer.items():
            where = f"weights/{layer_name}/{weight_name}"
            if not (isinstance(data, h5py.Dataset) and data.shape is not None
                    and len(data.shape) <= MAX_WEIGHT_DIMENSIONS):
                raise UnsafeFileError(f"has '{where}', which is not an array of at most "
                                      f"{MAX_WEIGHT_DIMENSIONS} dimensions")
            checked_dataset(layer, weight_name, where, (MAX_PARAMETERS,) * data.ndim, "f")
            total += math.prod(data.shape)
    if total > MAX_PARAMETERS:
        raise UnsafeFileError(f"stores {total:,} weights, more than the limit of "
                              f"{MAX_PARAMETERS:,}")


def _write_reject(group: h5py.Group, reject: RejectOption) -> None:
    group.attrs["method"] = REJECT_METHOD
    group.attrs["threshold"] = reject.threshold
    # LZF (h5py's own filter) decompresses in a third of gzip's time: loading the built-in
    # digits model spent 22 ms on its gzip-compressed prototypes, 9 ms with LZF.
    group.create_dataset("prototypes", data=reject.prototypes.astype(np.float16),
                         compression="lzf")
    group.create_dataset("prototype_labels", data=reject.prototype_labels.astype(np.int32))


def _read_reject(group: h5py.Group, n_classes: int, n_features: int, name: str
                 ) -> RejectOption:
    method = str(group.attrs.get("method", ""))
    if method != REJECT_METHOD:
        raise ModelFileError(f"{name} has a reject option of unknown kind {method!r}; this "
                             f"charrec reads {REJECT_METHOD!r}")
    if not isinstance(group, h5py.Group):
        raise ModelFileError(f"{name} has 'reject', which is not a group")
    try:
        prototypes = checked_dataset(group, "prototypes", "reject/prototypes",
                                     (MAX_PROTOTYPES, n_features), "f")[()]
        labels = checked_dataset(group, "prototype_labels", "reject/prototype_labels",
                                 (MAX_PROTOTYPES,), "iu")[()]
    except UnsafeFileError as exc:
        raise ModelFileError(f"{name} {exc}") from None
    if prototypes.shape[1] != n_features or len(labels) != len(prototypes):
        raise ModelFileError(f"{name}: reject/prototypes must be of shape (n, {n_features}) "
                             "with one reject/prototype_labels entry per row")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ModelFileError(f"{name}: reject/prototype_labels must lie in [0, {n_classes})")
    try:
        reject = RejectOption(prototypes, labels.astype(np.int64), float(group.attrs["threshold"]))
    except (ValueError, KeyError) as exc:
        raise ModelFileError(f"{name}: {first_line(exc)}") from None
    if not np.isfinite(reject.prototypes).all():  # float32 by now: 15 times faster than float16
        raise ModelFileError(f"{name}: reject/prototypes contains NaN or infinite values")
    return reject


def _read_weights(group: h5py.Group, network, name: str) -> None:
    expected = network.named_weights()
    stored = [str(n) for n in group.attrs.get("layer_names", [])]
    if stored != list(expected):
        raise ModelFileError(f"{name} lists layers {stored}; its architecture needs "
                             f"{list(expected)}")
    for layer_name, arrays in expected.items():
        if layer_name not in group:
            raise ModelFileError(f"{name} is missing the weights of layer '{layer_name}'")
        layer = group[layer_name]
        for weight_name, target in arrays.items():
            where = f"weights/{layer_name}/{weight_name}"
            if weight_name not in layer or not isinstance(layer[weight_name], h5py.Dataset):
                raise ModelFileError(f"{name} is missing {where}")
            data = layer[weight_name]
            if data.shape != target.shape:
                raise ModelFileError(f"{name}: {where} has shape {data.shape}, the architecture "
                                     f"needs {target.shape}")
            if data.dtype.kind != "f":
                raise ModelFileError(f"{name}: {where} has type {data.dtype}, expected floats")
            values = data[()]
            if not np.isfinite(values).all():
                raise ModelFileError(f"{name}: {where} contains NaN or infinite values")
            target[...] = values

