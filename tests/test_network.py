"""Static backpropagation: gradients against finite differences, learning, determinism."""

import itertools

import numpy as np
import pytest

from model.network import ACTIVATIONS, OUTPUTS, StaticNetwork
from model.train import TrainingConfig, one_hot, train
from tests.toydata import three_blobs, xor_data


def numeric_gradients(net, x, targets, eps=1e-6):
    grads = []
    for p in net.parameters():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            plus, _ = net.loss_and_gradients(x, targets)
            p[i] = old - eps
            minus, _ = net.loss_and_gradients(x, targets)
            p[i] = old
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("hidden", [(), (6,), (5, 4, 3)])
@pytest.mark.parametrize(("activation", "output"),
                         list(itertools.product(ACTIVATIONS, OUTPUTS)))
def test_gradients_match_finite_differences(activation, output, hidden):
    rng = np.random.default_rng(7)
    net = StaticNetwork(5, hidden, 3, activation, output, rng=rng, dtype=np.float64)
    for layer in net.dense_layers:  # non-zero biases keep ReLU pre-activations off the kink
        layer.bias[...] = rng.uniform(0.05, 0.2, layer.bias.shape)
    x = rng.standard_normal((8, 5))
    targets = one_hot(rng.integers(0, 3, 8), 3, np.float64)
    net.loss_and_gradients(x, targets)
    analytic = [g.copy() for g in net.gradients()]
    for a, n in zip(analytic, numeric_gradients(net, x, targets), strict=True):
        assert np.abs(a - n).max() / max(np.abs(n).max(), 1e-8) < 1e-6


@pytest.mark.parametrize(("optimizer", "lr"), [("adam", 0.02), ("sgd", 0.1)])
def test_learns_xor(optimizer, lr):
    x, y = xor_data()
    net = StaticNetwork(2, [8], 2, "tanh", rng=np.random.default_rng(1))
    train(net, x, y, TrainingConfig(epochs=100, batch_size=16, learning_rate=lr,
                                    optimizer=optimizer, validation_split=0))
    assert (net(x[:4]).argmax(axis=1) == y[:4]).all()


def test_classic_sigmoid_mse_learns_xor():
    x, y = xor_data()
    net = StaticNetwork(2, [6], 2, "sigmoid", "sigmoid", rng=np.random.default_rng(0))
    train(net, x, y, TrainingConfig(epochs=300, batch_size=8, learning_rate=0.5,
                                    optimizer="sgd", validation_split=0))
    assert (net(x[:4]).argmax(axis=1) == y[:4]).all()


def test_three_class_toy_reaches_full_accuracy():
    x, y = three_blobs()
    net = StaticNetwork(2, [16], 3, rng=np.random.default_rng(0))
    train(net, x, y, TrainingConfig(epochs=40, batch_size=32, learning_rate=0.01,
                                    validation_split=0))
    assert (net(x).argmax(axis=1) == y).mean() > 0.98


def trained_weights(make_network, seed):
    x, y = three_blobs()
    net = make_network(np.random.default_rng(seed))
    train(net, x, y, TrainingConfig(epochs=3, seed=seed))
    return net.parameters()


def assert_seeding_is_exact(make_network):
    """Same seed: bit-identical weights after training; another seed: different ones."""
    same = zip(trained_weights(make_network, 3), trained_weights(make_network, 3), strict=True)
    assert all(np.array_equal(a, b) for a, b in same)
    assert not np.array_equal(trained_weights(make_network, 3)[0],
                              trained_weights(make_network, 4)[0])


def test_same_seed_gives_identical_weights_and_different_seed_differs():
    assert_seeding_is_exact(lambda rng: StaticNetwork(2, [8, 8], 3, rng=rng))


def test_float32_throughout():
    x, y = three_blobs()
    net = StaticNetwork(2, [8], 3, rng=np.random.default_rng(0))
    _loss, probs = net.loss_and_gradients(x, one_hot(y, 3))
    assert probs.dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients())
    assert net.predict_one(x[0]).shape == (3,)
    np.testing.assert_allclose(net.predict_one(x[0]), net(x[:1])[0])


def test_config_round_trip_and_repr():
    net = StaticNetwork(784, [32, 16], 10, "tanh", rng=np.random.default_rng(0))
    config = net.config()
    assert config == StaticNetwork.from_config(config).config()
    assert config["hidden"] == [32, 16]
    assert "Dense(784, 32)" in repr(net)
    assert net.summary() == "static 784-32-16-10 tanh/softmax"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"activation": "swish"}, "unknown activation"),
    ({"output": "relu"}, "unknown output"),
    ({"hidden": [0]}, "positive"),
])
def test_bad_architecture_is_rejected(kwargs, message):
    args = {"n_inputs": 4, "hidden": [3], "n_classes": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        StaticNetwork(**args)
