"""Hostile HDF5 files: tiny files that claim gigabytes, and files that reach into other files.

Every one must fail with one clear error before anything big is read or built, and without
reading a byte of another file.
"""

import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from model.modelfile import ModelFileError, load_model, save_model
from model.samples import SampleSet, SampleSetError
from tests.test_modelfile import make_classifier

SECRET = b"a secret outside the model file"


@pytest.fixture
def model_path(tmp_path) -> Path:
    path = tmp_path / "model.h5"
    save_model(make_classifier(), path)
    return path


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.bin"
    path.write_bytes(SECRET.ljust(48, b"!"))
    return path


@pytest.fixture
def samples_path(tmp_path) -> Path:
    samples = SampleSet(tmp_path / "samples.h5")
    image = np.zeros((64, 64), np.uint8)
    image[8:56, 28:36] = 255
    samples.add_many([image, image], ["a", "b"])
    return samples.path


def claim(path: Path, key: str, shape: tuple[int, ...], dtype) -> None:
    """Replace ``key`` by a chunked, compressed dataset of ``shape`` with nothing written:
    a few hundred bytes on disk, gigabytes once read."""
    with h5py.File(path, "r+") as f:
        del f[key]
        f.create_dataset(key, shape=shape, dtype=dtype, chunks=(1,) * len(shape),
                         compression="gzip")
    assert path.stat().st_size < 200_000


def test_a_history_that_claims_a_hundred_million_epochs(model_path):
    claim(model_path, "history/loss", (10**8,), np.float64)
    with pytest.raises(ModelFileError, match=r"history/loss' of shape \(100000000,\), more than"):
        load_model(model_path)


def test_labels_that_claim_a_hundred_million_entries(model_path):
    claim(model_path, "labels", (10**8,), h5py.string_dtype("utf-8"))
    with pytest.raises(ModelFileError, match="'labels' of shape"):
        load_model(model_path)


def test_an_architecture_of_sixty_huge_layers_is_refused_before_it_is_built(model_path):
    with h5py.File(model_path, "r+") as f:
        architecture = json.loads(f.attrs["architecture"])
        f.attrs["architecture"] = json.dumps({**architecture, "hidden": [8192] * 60})
    # building it would take 16 GB of random weights (and the test would never end)
    with pytest.raises(ModelFileError, match=r"3,96[0-9,]+ weights is larger than the limit"):
        load_model(model_path)


def test_stored_weights_beyond_the_limit_are_refused_unread(model_path):
    claim(model_path, "weights/dense_0/weight", (10**5, 10**4), np.float32)
    with pytest.raises(ModelFileError, match=r"1,000,0[0-9,]+ weights, more than the limit"):
        load_model(model_path)


def test_an_external_link_is_refused(model_path, tmp_path):
    other = tmp_path / "other.h5"
    save_model(make_classifier(seed=1), other)
    with h5py.File(model_path, "r+") as f:
        del f["weights/dense_0"]
        f["weights/dense_0"] = h5py.ExternalLink(str(other), "/weights/dense_0")
    with pytest.raises(ModelFileError, match="links /weights/dense_0 to another file"):
        load_model(model_path)


def test_external_storage_is_refused_and_the_other_file_never_read(model_path, secret):
    with h5py.File(model_path, "r+") as f:
        shape = f["weights/dense_0/bias"].shape
        del f["weights/dense_0/bias"]
        f.create_dataset("weights/dense_0/bias", shape=shape, dtype=np.float32,
                         external=[(str(secret), 0, 4 * shape[0])])
    before = os.stat(secret).st_atime_ns
    with pytest.raises(ModelFileError, match="dense_0/bias keeps its data in another file") as e:
        load_model(model_path)
    assert SECRET.decode() not in str(e.value)
    assert os.stat(secret).st_atime_ns == before


def test_a_virtual_dataset_is_refused(model_path, tmp_path):
    with h5py.File(model_path, "r+") as f:
        shape = f["weights/dense_0/bias"].shape
        del f["weights/dense_0/bias"]
        layout = h5py.VirtualLayout(shape=shape, dtype=np.float32)
        layout[:] = h5py.VirtualSource(str(tmp_path / "elsewhere.h5"), "data", shape=shape)
        f["weights/dense_0"].create_virtual_dataset("bias", layout, fillvalue=0)
    with pytest.raises(ModelFileError, match="virtual dataset"):
        load_model(model_path)


def test_a_soft_link_is_refused(model_path):
    with h5py.File(model_path, "r+") as f:
        del f["weights/dense_1/bias"]
        f["weights/dense_1/bias"] = h5py.SoftLink("/weights/dense_0/bias")
    with pytest.raises(ModelFileError, match="soft link"):
        load_model(model_path)


@pytest.mark.parametrize("label", ["", "   ", "x" * 100_000, "3\u202e", "a\x1b[31m"])
def test_model_labels_are_checked_on_load(model_path, label):
    with h5py.File(model_path, "r+") as f:
        labels = list(f["labels"].asstr()[()])
        del f["labels"]
        f.create_dataset("labels", data=[label, *labels[1:]], dtype=h5py.string_dtype("utf-8"))
    with pytest.raises(ModelFileError, match=r"model\.h5: class 0 is invalid"):
        load_model(model_path)


def test_a_label_with_a_line_separator_loads_as_it_always_did(model_path):
    with h5py.File(model_path, "r+") as f:
        labels = list(f["labels"].asstr()[()])
        del f["labels"]
        f.create_dataset("labels", data=["two\u2028lines", *labels[1:]],
                         dtype=h5py.string_dtype("utf-8"))
    assert load_model(model_path).labels[0] == "two\u2028lines"


def test_a_sample_set_whose_images_claim_38_gib(samples_path):
    with h5py.File(samples_path, "r+", libver="latest") as f:
        for key in ("images", "labels", "sources", "added"):
            f[key].resize(10**7, axis=0)
        f.attrs["count"] = 10**7
    assert samples_path.stat().st_size < 200_000
    with pytest.raises(SampleSetError, match="more than charrec reads"):
        SampleSet(samples_path)


def test_a_sample_set_claiming_more_samples_than_its_size_holds(samples_path):
    with h5py.File(samples_path, "r+", libver="latest") as f:
        for key in ("images", "labels", "sources", "added"):
            f[key].resize(900_000, axis=0)
        f.attrs["count"] = 900_000
    with pytest.raises(SampleSetError, match="claims 900000 samples, more than a file of"):
        SampleSet(samples_path)


def test_a_sample_set_with_external_storage_is_refused(samples_path, secret):
    with h5py.File(samples_path, "r+", libver="latest") as f:
        del f["images"]
        f.create_dataset("images", shape=(2, 64, 64), dtype=np.uint8,
                         external=[(str(secret), 0, 2 * 64 * 64)])
    with pytest.raises(SampleSetError, match="images keeps its data in another file"):
        SampleSet(samples_path)


@pytest.mark.parametrize("label", ["", " padded ", "x" * 100_000, "\u202eabc", "tab\tbed"])
def test_sample_labels_are_checked_on_load(samples_path, label):
    with h5py.File(samples_path, "r+", libver="latest") as f:
        f["labels"][1] = label
    with pytest.raises(SampleSetError, match=r"samples\.h5: the label of sample 1 is invalid"):
        SampleSet(samples_path)
