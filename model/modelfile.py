"""Model files: one self-describing HDF5 file per classifier (layout in docs/model-format.md).

Loading checks everything against the architecture recorded in the file and fails with one
:class:`ModelFileError` that says exactly what does not match. Nothing in a file is executed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from . import __version__
from .atomic import atomic_path
from .classifier import Classifier
from .errors import first_line
from .fileformat import check_header
from .networks import network_from_config
from .preprocess import PreprocessConfig
from .reject import REJECT_METHOD, RejectOption, feature_length
from .train import History

FORMAT_NAME = "charrec-model"
FORMAT_VERSION = 1
STRING = h5py.string_dtype("utf-8")


class ModelFileError(Exception):
    """A model file cannot be read or is not a valid charrec model; the message says why."""


def save_model(classifier: Classifier, path: str | os.PathLike) -> None:
    """Write ``classifier`` to ``path`` atomically (the old file survives a crash mid-save)."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["format"] = FORMAT_NAME
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["app_version"] = __version__
        f.attrs["name"] = classifier.name
        f.attrs["created"] = classifier.created
        f.attrs["network_type"] = classifier.network.kind
        f.attrs["architecture"] = json.dumps(classifier.network.config())
        f.attrs["preprocess"] = json.dumps(classifier.preprocess.to_dict())
        f.attrs["training"] = json.dumps(classifier.training)
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
        raise ModelFileError(f"{path.name} is not a charrec model file (not an HDF5 file)")
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
    for key in ("labels", "weights"):
        if key not in f:
            raise ModelFileError(f"{name} has no '{key}' {'group' if key == 'weights' else ''}"
                                 .rstrip())
    architecture = json.loads(f.attrs["architecture"])
    try:
        network = network_from_config(architecture)
        preprocess = PreprocessConfig.from_dict(json.loads(f.attrs["preprocess"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{name} has an invalid architecture: {first_line(exc)}") from None
    _read_weights(f["weights"], network, name)
    labels = list(f["labels"].asstr()[()])
    if len(labels) != network.n_classes:
        raise ModelFileError(f"{name} has {len(labels)} labels but its output layer has "
                             f"{network.n_classes} units")
    history = History.from_series({key: f["history"][key][()].tolist()
                                   for key in f["history"].attrs.get("series_names", [])}
                                  if "history" in f else {})
    reject = (_read_reject(f["reject"], len(labels), feature_length(preprocess.size), name)
              if "reject" in f else None)
    try:
        return Classifier(network, labels, preprocess, history,
                          json.loads(f.attrs.get("training", "{}")),
                          str(f.attrs.get("name", Path(name).stem)),
                          str(f.attrs.get("created", "")), reject)
    except ValueError as exc:
        raise ModelFileError(f"{name}: {exc}") from None


def _write_reject(group: h5py.Group, reject: RejectOption) -> None:
    group.attrs["method"] = REJECT_METHOD
    group.attrs["threshold"] = reject.threshold
    group.create_dataset("prototypes", data=reject.prototypes.astype(np.float16))
    group.create_dataset("prototype_labels", data=reject.prototype_labels.astype(np.int32))


def _read_reject(group: h5py.Group, n_classes: int, n_features: int, name: str
                 ) -> RejectOption:
    method = str(group.attrs.get("method", ""))
    if method != REJECT_METHOD:
        raise ModelFileError(f"{name} has a reject option of unknown kind {method!r}; this "
                             f"charrec reads {REJECT_METHOD!r}")
    for key in ("prototypes", "prototype_labels"):
        if key not in group or not isinstance(group[key], h5py.Dataset):
            raise ModelFileError(f"{name} is missing reject/{key}")
    prototypes, labels = group["prototypes"][()], group["prototype_labels"][()]
    if (prototypes.ndim != 2 or prototypes.dtype.kind != "f" or labels.ndim != 1
            or len(labels) != len(prototypes) or prototypes.shape[1] != n_features):
        raise ModelFileError(f"{name}: reject/prototypes must be floats of shape (n, "
                             f"{n_features}) with one reject/prototype_labels entry per row")
    if not np.isfinite(prototypes).all():
        raise ModelFileError(f"{name}: reject/prototypes contains NaN or infinite values")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ModelFileError(f"{name}: reject/prototype_labels must lie in [0, {n_classes})")
    try:
        return RejectOption(prototypes, labels.astype(np.int64), float(group.attrs["threshold"]))
    except (ValueError, KeyError) as exc:
        raise ModelFileError(f"{name}: {first_line(exc)}") from None


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

