"""Model files: round trips, atomic saves, and one clear error for every kind of bad file."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from model.classifier import Classifier
from model.ensemble import Ensemble
from model.modelfile import FORMAT_VERSION, ModelFileError, load_model, save_model
from model.network import StaticNetwork
from model.preprocess import PreprocessConfig
from model.recurrent import RecurrentNetwork
from model.train import TrainingConfig, train

LABELS = ["0", "a", "ß", "ж", "あ", "10", "🙂"]


def make_classifier(seed=0, hidden=(12,), size=8):
    rng = np.random.default_rng(seed)
    config = PreprocessConfig(size=size, box=6)
    net = StaticNetwork(config.n_inputs, hidden, len(LABELS), rng=rng)
    x = rng.random((70, config.n_inputs), dtype=np.float32)
    y = np.arange(70) % len(LABELS)
    result = train(net, x, y, TrainingConfig(epochs=2, validation_split=0.2))
    return Classifier(net, list(LABELS), config, result.history,
                      {"training": TrainingConfig(epochs=2).to_dict()}, name="test model")


@pytest.fixture
def model_path(tmp_path):
    path = tmp_path / "model.h5"
    save_model(make_classifier(), path)
    return path


def test_round_trip_gives_identical_predictions(model_path):
    original = make_classifier()
    loaded = load_model(model_path)
    x = np.random.default_rng(1).random((20, 64), dtype=np.float32)
    np.testing.assert_array_equal(original.predict_vectors(x), loaded.predict_vectors(x))
    assert loaded.labels == LABELS
    assert loaded.name == "test model"
    assert loaded.preprocess == original.preprocess
    assert loaded.history.loss == original.history.loss
    assert loaded.history.val_accuracy == original.history.val_accuracy
    assert loaded.training == original.training
    assert loaded.network.config() == original.network.config()
    assert loaded.describe()["epochs_trained"] == 2


NETWORKS = {
    "dense": lambda rng: StaticNetwork(64, [12], len(LABELS), rng=rng),
    "conv": lambda rng: StaticNetwork(64, [12], len(LABELS), rng=rng, conv=[3, 4]),
    "recurrent": lambda rng: RecurrentNetwork(64, 12, len(LABELS), rng=rng),
    "ensemble": lambda rng: Ensemble([StaticNetwork(64, [12], len(LABELS), rng=rng)
                                      for _ in range(3)]),
}


@pytest.mark.parametrize("kind", NETWORKS)
def test_loading_draws_no_random_initial_weights(kind, tmp_path, monkeypatch):
    # Building a network to read weights into used to draw random weights first (12 ms and
    # the import of numpy.random for the built-in digits model).
    rng = np.random.default_rng(2)
    original = Classifier(NETWORKS[kind](rng), list(LABELS), PreprocessConfig(size=8, box=6))
    save_model(original, tmp_path / "model.h5")
    x = rng.random((20, 64), dtype=np.float32)

    def no_draws(*args, **kwargs):
        raise AssertionError("loading drew random numbers")
    monkeypatch.setattr(np.random, "default_rng", no_draws)
    loaded = load_model(tmp_path / "model.h5")
    np.testing.assert_array_equal(original.predict_vectors(x), loaded.predict_vectors(x))


def test_file_is_self_describing_with_plain_h5py(model_path):
    with h5py.File(model_path, "r") as f:
        assert f.attrs["format"] == "charrec-model"
        assert f.attrs["format_version"] == FORMAT_VERSION
        assert json.loads(f.attrs["architecture"])["hidden"] == [12]
        assert list(f["labels"].asstr()[()]) == LABELS
        assert list(f["weights"].attrs["layer_names"]) == ["dense_0", "dense_1"]
        assert list(f["weights/dense_0"].attrs["weight_names"]) == ["weight", "bias"]
        assert f["weights/dense_0/weight"].shape == (64, 12)
        assert f["weights/dense_1/bias"].dtype == np.float32
        assert len(f["history/loss"]) == 2


def edit(path, action):
    with h5py.File(path, "r+") as f:
        action(f)


def set_attr(name, value):
    return lambda f: f.attrs.__setitem__(name, value)


def replace(name, data):
    def action(f):
        del f[name]
        f[name] = data
    return action


@pytest.mark.parametrize(("action", "message"), [
    (set_attr("format_version", FORMAT_VERSION + 1), "newer charrec"),
    (set_attr("format", "something-else"), "another program"),
    (lambda f: f.__delitem__("weights"), "no 'weights' group"),
    (lambda f: f.__delitem__("labels"), "no 'labels'"),
    (lambda f: f.__delitem__("weights/dense_1"), "missing the weights of layer 'dense_1'"),
    (lambda f: f.__delitem__("weights/dense_0/bias"), "missing weights/dense_0/bias"),
    (replace("weights/dense_0/weight", np.zeros((64, 13), np.float32)),
     r"weights/dense_0/weight has shape \(64, 13\), the architecture needs \(64, 12\)"),
    (replace("weights/dense_0/bias", np.array(["x"] * 12, dtype="S1")), "expected floats"),
    (replace("weights/dense_1/bias", np.full(7, np.nan, np.float32)), "NaN"),
    (replace("labels", np.array(["a", "b"], dtype=h5py.string_dtype())),
     "2 labels but its output layer has 7 units"),
    (set_attr("architecture", json.dumps({"type": "quantum"})), "unknown network type"),
    (set_attr("architecture", "{not json"), "damaged"),
    (set_attr("preprocess", json.dumps({"size": 8, "colour": 1})), "unknown preprocessing"),
])
def test_invalid_files_give_one_clear_error(model_path, action, message):
    edit(model_path, action)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(model_path)
    assert "\n" not in str(info.value)


def test_not_hdf5_truncated_missing_and_foreign(tmp_path, model_path):
    text = tmp_path / "notes.h5"
    text.write_text("just text")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(model_path.read_bytes()[: model_path.stat().st_size // 2])
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.arange(3)
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    samples = tmp_path / "samples.h5"
    with h5py.File(samples, "w") as f:
        f.attrs["format"] = "charrec-samples"
    cases = {text: "not an HDF5 file", truncated: "damaged or truncated",
             samples: "a charrec sample set, not a model", tmp_path: "a folder, not a model",
             foreign: "another program", empty: "not an HDF5 file",
             tmp_path / "missing.h5": "no such model file"}
    for path, message in cases.items():
        with pytest.raises(ModelFileError, match=message):
            load_model(path)


SLOW_SAVER = """
import sys, numpy as np
from model.classifier import Classifier
from model.modelfile import save_model
from model.network import StaticNetwork
from model.preprocess import PreprocessConfig
config = PreprocessConfig(size=64, box=50)
big = Classifier(StaticNetwork(config.n_inputs, [4096, 2048], 2, rng=np.random.default_rng(0)),
                 ["x", "y"], config)
print("ready", flush=True)
while True:
    save_model(big, sys.argv[1])
"""


def test_killing_a_save_midway_keeps_the_old_file(model_path):
    before = load_model(model_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SAVER, str(model_path)],
                            stdout=subprocess.PIPE, env=env)
    assert proc.stdout.readline().strip() == b"ready"
    deadline = time.monotonic() + 30
    while not list(model_path.parent.glob(".model.h5.*.tmp")):  # a save is under way
        assert time.monotonic() < deadline, "the saver never started writing"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = load_model(model_path)
    assert after.labels == before.labels
    np.testing.assert_array_equal(after.network.parameters()[0], before.network.parameters()[0])


def test_failed_save_leaves_no_temporary_file_and_keeps_the_old_one(model_path):
    class Broken(StaticNetwork):
        def named_weights(self):
            raise RuntimeError("disk full")

    classifier = make_classifier()
    classifier.network.__class__ = Broken
    with pytest.raises(RuntimeError):
        save_model(classifier, model_path)
    assert [p.name for p in model_path.parent.iterdir()] == ["model.h5"]
    assert load_model(model_path).labels == LABELS


def test_saved_files_get_ordinary_permissions(tmp_path, model_path):
    from model.atomic import NEW_FILE_MODE

    assert model_path.stat().st_mode & 0o777 == NEW_FILE_MODE
    model_path.chmod(0o640)
    save_model(make_classifier(), model_path)
    assert model_path.stat().st_mode & 0o777 == 0o640
