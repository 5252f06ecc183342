"""Convolutional layers and conv networks: gradients against finite differences, shapes, files."""

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from model.classifier import Classifier
from model.conv import Conv2D, Flatten, MaxPool2D, pooled_shape
from model.modelfile import ModelFileError, load_model, save_model
from model.network import StaticNetwork
from model.networks import network_from_config, parameter_count
from model.preprocess import PreprocessConfig
from model.train import TrainingConfig, one_hot, train
from tests.cli_helpers import as_json, fails, ok
from tests.glyphs import write_folder
from tests.test_network import numeric_gradients

EPS = 1e-6
ROOT = Path(__file__).resolve().parents[1]


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    return float(np.abs(analytic - numeric).max() / max(np.abs(numeric).max(), 1e-8))


def layer_gradients(layer, x: np.ndarray, weights: np.ndarray):
    """Analytic and numeric d(sum(layer(x) * weights)) / d(x and parameters)."""
    def loss() -> float:
        return float(np.sum(layer(x) * weights))

    layer(x, train=True)
    analytic = [layer.backward(weights.copy()).copy(), *(g.copy() for g in layer.gradients())]
    numeric = []
    for array in [x, *layer.parameters()]:
        grad = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            old = array[i]
            array[i] = old + EPS
            plus = loss()
            array[i] = old - EPS
            grad[i] = (plus - loss()) / (2 * EPS)
            array[i] = old
        numeric.append(grad)
    return analytic, numeric


@pytest.mark.parametrize(("kernel", "channels", "shape"), [
    (3, (1, 2), (2, 5, 4)), (3, (3, 4), (2, 6, 7)), (5, (2, 3), (1, 7, 5)), (5, (1, 1), (3, 4, 4)),
])
def test_conv_gradients_match_finite_differences(kernel, channels, shape):
    rng = np.random.default_rng(3)
    layer = Conv2D(*channels, kernel, rng, 0.5, np.float64)
    layer.bias[...] = rng.standard_normal(layer.bias.shape)
    x = rng.standard_normal((*shape, channels[0]))
    weights = rng.standard_normal((*shape, channels[1]))
    for a, n in zip(*layer_gradients(layer, x, weights), strict=True):
        assert relative_error(a, n) < 1e-6


def test_conv_is_a_same_padded_cross_correlation():
    rng = np.random.default_rng(0)
    layer = Conv2D(2, 3, 3, rng, 1.0, np.float64)
    x = rng.standard_normal((2, 5, 6, 2))
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.zeros((2, 5, 6, 3))
    for i in range(5):
        for j in range(6):
            expected[:, i, j] = np.einsum("nabc,abco->no", padded[:, i:i + 3, j:j + 3],
                                          layer.weight)
    np.testing.assert_allclose(layer(x), expected + layer.bias, atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 4, 6, 3), (3, 5, 7, 2), (1, 3, 3, 1)])
def test_max_pool_gradients_match_finite_differences(shape):
    rng = np.random.default_rng(5)
    layer = MaxPool2D()
    x = rng.standard_normal(shape)
    weights = rng.standard_normal((shape[0], shape[1] // 2, shape[2] // 2, shape[3]))
    (analytic,), (numeric,) = layer_gradients(layer, x, weights)
    assert relative_error(analytic, numeric) < 1e-6
    assert not analytic[:, 2 * (shape[1] // 2):].any()  # a dropped odd row gets no gradient


def test_max_pool_sends_a_tied_window_gradient_once():
    layer = MaxPool2D()
    layer(np.zeros((1, 2, 2, 1)), train=True)
    assert layer.backward(np.ones((1, 1, 1, 1))).sum() == 1


def test_flatten_round_trip():
    layer = Flatten((3, 2, 4))
    x = np.arange(48.0).reshape(2, 3, 2, 4)
    assert layer(x).shape == (2, 24)
    np.testing.assert_array_equal(layer.backward(layer(x)), x)


def conv_net(image_shape, conv=(2, 3), hidden=(4,), activation="tanh", kernel_size=3,
             dtype=np.float64, seed=7):
    rng = np.random.default_rng(seed)
    net = StaticNetwork(image_shape[0] * image_shape[1], hidden, 3, activation, rng=rng,
                        dtype=dtype, conv=conv, kernel_size=kernel_size, image_shape=image_shape)
    for layer in net.layers:  # non-zero biases keep ReLU pre-activations off the kink
        if hasattr(layer, "bias"):
            layer.bias[...] = rng.uniform(0.05, 0.2, layer.bias.shape)
    return net


@pytest.mark.parametrize(("image_shape", "activation", "kernel_size"), [
    ((7, 9), "tanh", 3), ((8, 8), "relu", 3), ((9, 7), "sigmoid", 5), ((5, 6), "leaky_relu", 5),
])
def test_conv_pool_conv_pool_dense_gradients(image_shape, activation, kernel_size):
    net = conv_net(image_shape, activation=activation, kernel_size=kernel_size)
    rng = np.random.default_rng(1)
    x = rng.random((4, image_shape[0] * image_shape[1]))
    targets = one_hot(rng.integers(0, 3, 4), 3, np.float64)
    net.loss_and_gradients(x, targets)
    analytic = [g.copy() for g in net.gradients()]
    for a, n in zip(analytic, numeric_gradients(net, x, targets), strict=True):
        assert relative_error(a, n) < 1e-6


def test_first_conv_layer_skips_its_input_gradient():
    net = conv_net((6, 6))
    convs = [layer for layer in net.layers if isinstance(layer, Conv2D)]
    assert [c.needs_input_grad for c in convs] == [False, True]


def test_layer_stack_names_and_config_round_trip():
    net = conv_net((28, 28), conv=(4, 8), hidden=(16,), activation="relu", dtype=np.float32)
    assert net.layer_stack() == [
        "Reshape(28x28x1)", "Conv2D(1, 4, 3x3)", "MaxPool2D(2x2)", "Activation('relu')",
        "Conv2D(4, 8, 3x3)", "MaxPool2D(2x2)", "Activation('relu')", "Flatten(7x7x8)",
        "Dense(392, 16)", "Activation('relu')", "Dense(16, 3)"]
    assert net.summary() == "static 784-conv3x3:4-pool-conv3x3:8-pool-16-3 relu/softmax"
    config = net.config()
    assert config["conv"] == [4, 8] and config["image_shape"] == [28, 28]
    assert network_from_config(config).config() == config
    assert list(net.named_weights()) == ["conv_0", "conv_1", "dense_0", "dense_1"]


def test_large_batches_are_classified_in_chunks_with_the_same_result():
    net = conv_net((8, 8), dtype=np.float32)
    x = np.random.default_rng(0).random((600, 64), dtype=np.float32)
    whole = net(x)
    np.testing.assert_allclose(whole[:7], net(x[:7]), rtol=1e-5, atol=1e-6)
    assert whole.shape == (600, 3) and whole.dtype == np.float32


def test_small_conv_net_learns_stripes():
    rng = np.random.default_rng(0)
    images = np.zeros((120, 8, 8), np.float32)
    labels = np.arange(120) % 2
    for image, label, offset in zip(images, labels, rng.integers(0, 7, 120), strict=True):
        if label:
            image[:, offset] = 1
        else:
            image[offset, :] = 1
    net = StaticNetwork(64, [8], 2, rng=np.random.default_rng(0), conv=[4])
    train(net, images.reshape(120, -1), labels,
          TrainingConfig(epochs=30, batch_size=16, learning_rate=0.01, validation_split=0))
    assert (net(images.reshape(120, -1)).argmax(axis=1) == labels).mean() == 1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"conv": [0]}, "positive"),
    ({"conv": [-3]}, "positive"),
    ({"conv": [2, 2, 2, 2]}, "too small"),
    ({"conv": [2], "kernel_size": 4}, "kernel size"),
    ({"conv": [2], "image_shape": [5, 5]}, "does not hold"),
])
def test_bad_conv_architecture_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        StaticNetwork(36, [3], 2, **kwargs)


def test_pooled_shape_floors_odd_sides():
    assert pooled_shape((28, 28), 2) == (7, 7)
    assert pooled_shape((7, 9), 2) == (1, 2)
    with pytest.raises(ValueError, match="too small"):
        pooled_shape((7, 9), 3)


def conv_classifier(seed=0):
    rng = np.random.default_rng(seed)
    config = PreprocessConfig(size=12, box=10)
    net = StaticNetwork(config.n_inputs, [6], 3, rng=rng, conv=[3, 4])
    x = rng.random((40, config.n_inputs), dtype=np.float32)
    result = train(net, x, np.arange(40) % 3, TrainingConfig(epochs=2, validation_split=0.2))
    return Classifier(net, ["a", "b", "ж"], config, result.history, {}, name="conv test")


@pytest.fixture
def conv_model_path(tmp_path):
    path = tmp_path / "conv.h5"
    save_model(conv_classifier(), path)
    return path


def test_conv_model_round_trip_gives_identical_predictions(conv_model_path):
    loaded = load_model(conv_model_path)
    x = np.random.default_rng(1).random((9, 144), dtype=np.float32)
    np.testing.assert_array_equal(conv_classifier().predict_vectors(x), loaded.predict_vectors(x))
    assert loaded.network.config() == conv_classifier().network.config()
    with h5py.File(conv_model_path) as f:
        assert list(f["weights"].attrs["layer_names"]) == ["conv_0", "conv_1", "dense_0",
                                                           "dense_1"]
        assert f["weights/conv_1/weight"].shape == (3, 3, 3, 4)


def documented_reader() -> dict:
    """The h5py + numpy script of docs/model-format.md, executed."""
    text = (ROOT / "docs" / "model-format.md").read_text(encoding="utf-8")
    section = text[text.index("## Reading a model without charrec"):]
    code = section[section.index("```python") + len("```python"):]
    namespace: dict = {}
    exec(code[:code.index("```")], namespace)
    return namespace


@pytest.mark.parametrize(("size", "conv", "kernel_size", "activation", "output"), [
    (12, [3, 4], 3, "relu", "softmax"), (9, [2, 3], 5, "tanh", "sigmoid"),
    (11, [2], 3, "leaky_relu", "linear"),
])
def test_the_documented_script_runs_a_saved_conv_net(tmp_path, size, conv, kernel_size,
                                                     activation, output):
    net = StaticNetwork(size * size, [5], 3, activation, output, rng=np.random.default_rng(2),
                        conv=conv, kernel_size=kernel_size)
    path = tmp_path / "conv.h5"
    save_model(Classifier(net, ["a", "b", "c"], PreprocessConfig(size=size, box=size - 2)), path)
    reader = documented_reader()
    x = np.random.default_rng(3).random((7, size * size), dtype=np.float32)
    np.testing.assert_allclose(reader["predict"](reader["load"](path), x), net(x),
                               rtol=1e-4, atol=1e-6)


def test_old_dense_files_still_load_and_the_script_reads_them():
    path = ROOT / "tests" / "data" / "dense_v1.h5"  # written by charrec before conv layers
    loaded = load_model(path)
    assert loaded.network.summary() == "static 64-6-3 relu/softmax"
    reader = documented_reader()
    x = np.random.default_rng(0).random((5, 64), dtype=np.float32)
    np.testing.assert_allclose(reader["predict"](reader["load"](path), x),
                               loaded.predict_vectors(x), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("change", "message"), [
    (lambda arch: arch.update(image_shape=[12, 13]), "invalid architecture: image shape"),
    (lambda arch: arch.update(conv=[3, 4, 5, 6]), "invalid architecture: a 12x12 image is too"),
    (lambda arch: arch.update(conv=[3, 0]), "invalid architecture: conv sizes must be positive"),
    (lambda arch: arch.update(conv=[3, 5]), r"conv_1/weight has shape \(3, 3, 3, 4\), the "
                                            r"architecture needs \(3, 3, 3, 5\)"),
    (lambda arch: arch.update(kernel_size=5), "conv_0/weight has shape"),
])
def test_conv_file_with_an_inconsistent_architecture_gives_one_error(conv_model_path, change,
                                                                      message):
    with h5py.File(conv_model_path, "r+") as f:
        arch = json.loads(f.attrs["architecture"])
        change(arch)
        f.attrs["architecture"] = json.dumps(arch)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(conv_model_path)
    assert "\n" not in str(info.value)


# --- command line ------------------------------------------------------------------------------

def test_cli_trains_a_small_conv_net_and_info_shows_its_layers(tmp_path):
    folder = write_folder(tmp_path / "shapes", per_class=8)
    out = tmp_path / "conv.h5"
    report = as_json(ok("train", folder, "--out", out, "--conv", "4,6", "--hidden", "8",
                        "--epochs", "10", "--batch-size", "8", "--lr", "0.005", "--val", "0",
                        "--no-augment", "--json"))
    assert report["summary"] == "static 784-conv3x3:4-pool-conv3x3:6-pool-8-3 relu/softmax"
    assert load_model(out).network.config()["conv"] == [4, 6]
    text = ok("info", out).stdout
    assert "layers      Reshape(28x28x1)" in text
    assert "            Conv2D(4, 6, 3x3)" in text and "Flatten(7x7x6)" in text
    assert as_json(ok("info", out, "--json"))["layers"][1] == "Conv2D(1, 4, 3x3)"
    dense = as_json(ok("train", folder, "--out", tmp_path / "dense.h5", "--conv", "",
                       "--hidden", "8", "--epochs", "10", "--batch-size", "8", "--val", "0",
                       "--no-augment", "--json"))
    assert dense["summary"] == "static 784-8-3 relu/softmax"


@pytest.mark.parametrize(("flags", "message"), [
    (["--conv", "0"], "conv channel counts must be whole numbers from 1 to"),
    (["--conv", "-3"], "conv channel counts must be whole numbers from 1 to"),
    (["--conv", "4,x"], "--conv"),
    (["--conv", "2,2,2,2,2"], "a 28x28 image is too small for 5 conv blocks"),
    (["--conv", "4", "--type", "recurrent", "--hidden", "8"], "recurrent network is dense"),
])
def test_cli_rejects_bad_conv_architectures(tmp_path, flags, message):
    folder = write_folder(tmp_path / "shapes", per_class=2)
    out = tmp_path / "bad.h5"
    assert message in fails("train", folder, "--out", out, *flags)
    assert not out.exists()


def test_parameter_count_of_a_conv_config_matches_the_built_network():
    net = StaticNetwork(99, [5, 4], 3, conv=[2, 3], kernel_size=5, image_shape=(9, 11))
    assert parameter_count(net.config()) == sum(p.size for p in net.parameters())


def test_a_conv_file_too_large_to_build_is_refused_before_building(conv_model_path):
    with h5py.File(conv_model_path, "r+") as f:
        arch = json.loads(f.attrs["architecture"])
        arch["conv"] = [3, 3_000_000]
        f.attrs["architecture"] = json.dumps(arch)
    with pytest.raises(ModelFileError, match="larger than the limit"):
        load_model(conv_model_path)
