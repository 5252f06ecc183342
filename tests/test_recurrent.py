"""Recurrent backpropagation: gradients against finite differences and unrolled BPTT, the
contractivity projection, convergence reports, learning, determinism and memory use."""

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.fixedpoint import ConvergenceError
from model.network import ACTIVATIONS, output_and_loss
from model.networks import network_from_config
from model.recurrent import MAX_SLOPE, RecurrentNetwork
from model.train import TrainingConfig, TrainingError, one_hot, train
from tests.test_network import assert_seeding_is_exact, numeric_gradients
from tests.toydata import three_blobs, xor_data


def project(net, calls=100):
    """after_update() until the persistent power-iteration vector has settled."""
    for _ in range(calls):
        net.after_update()


def exact_net(activation="tanh", output="softmax", solver="picard", seed=7):
    """Small float64 network whose fixed points are exact and whose W is near its bound."""
    rng = np.random.default_rng(seed)
    net = RecurrentNetwork(4, 5, 3, activation, output, rng=rng, dtype=np.float64, tol=1e-13,
                           max_iter=5000, solver=solver,
                           spectral_bound=0.9 / MAX_SLOPE[activation])
    net.W[...] = rng.standard_normal(net.W.shape)
    net.input.bias[...] = rng.uniform(-0.5, 0.5, net.hidden)
    net.readout.bias[...] = rng.uniform(-0.5, 0.5, net.n_classes)
    project(net)
    return net, rng.standard_normal((6, 4)), one_hot(rng.integers(0, 3, 6), 3, np.float64)




def bptt_gradients(net, x, targets, steps=400):
    """Backpropagation through ``steps`` unrolled relaxation steps from h = 0 (the reference)."""
    f, df = ACTIVATIONS[net.activation]
    W, readout = net.W, net.readout
    drive = x @ net.input.weight + net.input.bias
    hs, pre = [np.zeros((len(x), net.hidden))], []
    for _ in range(steps):
        pre.append(hs[-1] @ W + drive)
        hs.append(f(pre[-1]))
    _probs, _loss, grad_scores = output_and_loss(hs[-1] @ readout.weight + readout.bias,
                                                 targets, net.output)
    grad_h = grad_scores @ readout.weight.T
    dW, dU, db = np.zeros_like(W), np.zeros_like(net.input.weight), np.zeros(net.hidden)
    for t in reversed(range(steps)):
        delta = grad_h * df(pre[t], hs[t + 1])
        dW += hs[t].T @ delta
        dU += x.T @ delta
        db += delta.sum(axis=0)
        grad_h = delta @ W.T
    return [dW, dU, db, hs[-1].T @ grad_scores, grad_scores.sum(axis=0)]


PARAMETER_NAMES = ["W", "U", "b", "readout.weight", "readout.bias"]


def relative_error(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-12)


CASES = [(a, o, "picard") for a, o in itertools.product(("tanh", "sigmoid"),
                                                         ("softmax", "sigmoid", "linear"))]
CASES += [("tanh", "softmax", "anderson"), ("sigmoid", "linear", "anderson")]


@pytest.mark.parametrize(("activation", "output", "solver"), CASES)
def test_gradients_match_finite_differences(activation, output, solver):
    net, x, targets = exact_net(activation, output, solver)
    net.loss_and_gradients(x, targets)
    analytic = [g.copy() for g in net.gradients()]
    for name, a, n in zip(PARAMETER_NAMES, analytic,
                          numeric_gradients(net, x, targets), strict=True):
        assert relative_error(a, n) < 1e-5, name


@pytest.mark.parametrize(("activation", "output", "solver"), CASES)
def test_gradients_match_backpropagation_through_the_unrolled_relaxation(activation, output,
                                                                          solver):
    net, x, targets = exact_net(activation, output, solver)
    net.loss_and_gradients(x, targets)
    for name, a, b in zip(PARAMETER_NAMES, net.gradients(),
                          bptt_gradients(net, x, targets), strict=True):
        assert relative_error(a, b) < 1e-9, name


def test_fixed_point_is_a_fixed_point_and_anderson_needs_fewer_steps():
    results = {}
    for solver in ("picard", "anderson"):
        net, x, _ = exact_net(solver=solver)
        h, iterations, residual = net.relax(x)
        assert residual < net.tol
        np.testing.assert_allclose(h, np.tanh(h @ net.W + x @ net.input.weight
                                              + net.input.bias), atol=1e-12)
        results[solver] = h, iterations
    np.testing.assert_allclose(results["picard"][0], results["anderson"][0], atol=1e-12)
    assert results["anderson"][1] < results["picard"][1]


def test_projection_bounds_the_spectral_norm():
    for activation in ACTIVATIONS:
        net = RecurrentNetwork(10, 16, 3, activation, rng=np.random.default_rng(0))
        assert net.spectral_bound == pytest.approx(0.5 / MAX_SLOPE[activation])
        net.W[...] = 3 * np.random.default_rng(1).standard_normal(net.W.shape)
        before = np.linalg.norm(net.W, 2)
        net.after_update()  # one power-iteration step from a vector that W has not seen
        assert net.spectral_bound < np.linalg.norm(net.W, 2) < before
        project(net)  # the persistent vector converges to the top singular vector
        assert np.linalg.norm(net.W, 2) <= net.spectral_bound * (1 + 1e-4)
        assert net.contraction() < 1
        assert net.training_stats()["spectral_norm"] == pytest.approx(net.spectral_bound)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), activation=st.sampled_from(sorted(ACTIVATIONS)),
       input_scale=st.floats(0.1, 10.0), bound_share=st.floats(0.1, 0.95))
def test_forward_relaxation_converges_as_fast_as_the_contraction_promises(
        seed, activation, input_scale, bound_share):
    rng = np.random.default_rng(seed)
    net = RecurrentNetwork(6, 12, 3, activation, rng=rng, max_iter=500,
                           spectral_bound=bound_share / MAX_SLOPE[activation])
    net.W[...] = rng.standard_normal(net.W.shape)
    project(net)
    x = (input_scale * rng.standard_normal((16, 6))).astype(np.float32)
    _h, iterations, residual = net.relax(x)
    assert residual < net.tol
    # Banach: the step shrinks by rho = ||W|| max f' each time (in the 2-norm of each row).
    f, _ = ACTIVATIONS[activation]
    drive = x @ net.input.weight + net.input.bias
    first = np.linalg.norm(f(drive) @ net.W, axis=1).max()
    rho = net.contraction()
    assert rho < 1
    if first >= net.tol:
        assert iterations <= 2 + math.log(net.tol / first) / math.log(rho)


@pytest.mark.parametrize("sign", [1, -1])
def test_non_contractive_weights_are_detected_and_reported(sign):
    net = RecurrentNetwork(4, 6, 3, "tanh", rng=np.random.default_rng(0), max_iter=200)
    net.W[...] = sign * 3 * np.eye(6)  # no projection: after_update() is not called
    x = np.random.default_rng(1).standard_normal((32, 4)).astype(np.float32)
    with pytest.raises(ConvergenceError) as caught:
        net.check_convergence(x)
    error = caught.value
    assert error.contraction == pytest.approx(3)
    assert "not contractive" in str(error)
    if sign < 0:  # h <- tanh(-3h + c) oscillates between two states: never converges
        assert error.iterations == net.max_iter and error.residual > net.tol
        assert f"after {net.max_iter} iterations" in str(error)
    net.loss_and_gradients(x, one_hot(np.arange(32) % 3, 3))
    assert net.training_stats()["unconverged_share"] == (1.0 if sign < 0 else 0.0)


def test_a_contractive_network_passes_the_check():
    net = RecurrentNetwork(4, 6, 3, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((32, 4)).astype(np.float32)
    iterations, residual = net.check_convergence(x)
    assert 1 <= iterations < net.max_iter and residual < net.tol


def test_strict_training_stops_at_the_first_unconverged_relaxation():
    x, y = three_blobs()
    net = RecurrentNetwork(2, 8, 3, "tanh", rng=np.random.default_rng(0), max_iter=30,
                           strict=True)
    net.W[...] = -3 * np.eye(8)
    with pytest.raises(TrainingError, match="forward relaxation did not converge"):
        train(net, x, y, TrainingConfig(epochs=1, validation_split=0))


def test_learns_xor_with_the_trainer():
    x, y = xor_data()
    net = RecurrentNetwork(2, 8, 2, rng=np.random.default_rng(1))
    train(net, x, y, TrainingConfig(epochs=100, batch_size=16, learning_rate=0.02,
                                    validation_split=0))
    assert (net(x[:4]).argmax(axis=1) == y[:4]).all()


@pytest.mark.parametrize("solver", ["picard", "anderson"])
def test_three_class_toy_reaches_full_accuracy_and_records_relaxation_stats(solver):
    x, y = three_blobs()
    net = RecurrentNetwork(2, 16, 3, rng=np.random.default_rng(0), solver=solver)
    result = train(net, x, y, TrainingConfig(epochs=40, batch_size=32, learning_rate=0.01,
                                             validation_split=0, early_stopping=0))
    assert (net(x).argmax(axis=1) == y).mean() > 0.98
    extras = result.history.extras
    assert set(extras) == {"mean_iterations", "mean_backward_iterations", "max_residual",
                           "max_backward_residual", "unconverged_share", "spectral_norm"}
    assert all(len(series) == 40 for series in extras.values())
    assert max(extras["unconverged_share"]) == 0
    assert max(extras["max_residual"]) < net.tol
    assert 1 <= min(extras["mean_iterations"]) <= max(extras["mean_iterations"]) < net.max_iter
    assert max(extras["spectral_norm"]) <= net.spectral_bound
    assert np.linalg.norm(net.W, 2) <= net.spectral_bound * (1 + 1e-3)


def test_same_seed_gives_identical_weights_and_different_seed_differs():
    assert_seeding_is_exact(lambda rng: RecurrentNetwork(2, 8, 3, rng=rng))


def test_float32_throughout_and_the_static_interface():
    x, y = three_blobs()
    net = RecurrentNetwork(2, 8, 3, rng=np.random.default_rng(0))
    _loss, probs = net.loss_and_gradients(x, one_hot(y, 3))
    assert probs.dtype == np.float32
    assert all(a.dtype == np.float32 for a in net.parameters() + net.gradients())
    assert net.relax(x)[0].dtype == np.float32
    assert net.predict_one(x[0]).shape == (3,)
    np.testing.assert_allclose(net.predict_one(x[0]), net(x[:1])[0])
    assert net.n_inputs == 2 and net.hidden == 8 and net.n_classes == 3
    assert all(a is b for a, b in zip(net.parameters(), net.parameters(), strict=True))
    assert all(a is b for a, b in zip(net.gradients(), net.gradients(), strict=True))
    named = net.named_weights()
    assert list(named) == ["recurrent", "readout"]
    assert [a for arrays in named.values() for a in arrays.values()] == net.parameters()
    assert named["recurrent"]["W"] is net.parameters()[0]


def test_config_round_trip_summary_and_repr():
    net = RecurrentNetwork(784, 32, 10, "sigmoid", "sigmoid", rng=np.random.default_rng(0),
                           max_iter=80, tol=1e-3, solver="anderson", memory=4,
                           spectral_bound=3.0, strict=True)
    config = net.config()
    assert config["type"] == "recurrent" and config["hidden"] == 32
    assert config == network_from_config(config).config()
    assert isinstance(network_from_config(config), RecurrentNetwork)
    for key, value in {"solver": "anderson", "max_iter": 80, "tol": 1e-3, "memory": 4,
                       "spectral_bound": 3.0}.items():
        assert config[key] == value
    assert net.summary().startswith("recurrent 784-32-10 sigmoid/sigmoid")
    assert "RecurrentNetwork(784, 32, 10" in repr(net) and "anderson" in repr(net)


def test_model_file_round_trip(tmp_path):
    from model.classifier import Classifier
    from model.modelfile import load_model, save_model
    from model.preprocess import PreprocessConfig

    rng = np.random.default_rng(0)
    preprocess = PreprocessConfig(size=8, box=6)
    net = RecurrentNetwork(preprocess.n_inputs, 12, 3, rng=rng, solver="anderson", tol=1e-3)
    x = rng.random((60, preprocess.n_inputs), dtype=np.float32)
    result = train(net, x, np.arange(60) % 3, TrainingConfig(epochs=2, validation_split=0))
    save_model(Classifier(net, ["a", "b", "c"], preprocess, result.history), tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert loaded.network.config() == net.config()
    np.testing.assert_array_equal(loaded.network(x), net(x))
    assert loaded.history.extras["mean_iterations"] == result.history.extras["mean_iterations"]


def test_same_seed_gives_identical_initial_weights():
    a, b = (RecurrentNetwork(20, 12, 4, rng=np.random.default_rng(5)) for _ in range(2))
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert np.linalg.norm(a.W, 2) == pytest.approx(0.25, rel=0.05)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"activation": "swish"}, "unknown activation"),
    ({"output": "relu"}, "unknown output"),
    ({"solver": "newton"}, "unknown solver"),
    ({"hidden": 0}, "positive"),
    ({"max_iter": 0}, "at least 1"),
    ({"tol": 0.0}, "tolerance"),
    ({"spectral_bound": 1.0}, "spectral bound"),
    ({"activation": "sigmoid", "spectral_bound": 4.0}, "spectral bound"),
])
def test_bad_settings_are_rejected(kwargs, message):
    args = {"n_inputs": 4, "hidden": 3, "n_classes": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        RecurrentNetwork(**args)


def array_shapes(obj):
    """Shapes of every array reachable from the network's attributes (one level of objects)."""
    shapes = []
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            shapes.append(value.shape)
        elif hasattr(value, "__dict__") and not callable(value):
            shapes += array_shapes(value)
        elif isinstance(value, list | tuple | dict):
            assert not any(isinstance(v, np.ndarray) for v in
                           (value.values() if isinstance(value, dict) else value))
    return shapes


def peak_bytes(max_iter, solver):
    """Peak memory of one training step, its relaxation steps and the arrays kept after it."""
    rng = np.random.default_rng(0)
    net = RecurrentNetwork(2, 64, 3, rng=rng, dtype=np.float64, max_iter=max_iter, tol=1e-10,
                           solver=solver, spectral_bound=0.95)
    net.W[...] = rng.standard_normal(net.W.shape)
    project(net)
    x, y = three_blobs(128)
    x, targets = 2 * x.astype(np.float64), one_hot(y, 3, np.float64)
    net.loss_and_gradients(x, targets)  # warm up caches
    net.training_stats()
    tracemalloc.start()
    net.loss_and_gradients(x, targets)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    stats = net.training_stats()
    return peak, stats["mean_iterations"] + stats["mean_backward_iterations"], \
        sorted(array_shapes(net))


@pytest.mark.parametrize("solver", ["picard", "anderson"])
def test_memory_does_not_grow_with_the_number_of_iterations(solver):
    few, few_steps, few_shapes = peak_bytes(3, solver)
    many, many_steps, many_shapes = peak_bytes(2000, solver)
    assert many_steps > 5 * few_steps
    assert few_shapes == many_shapes  # only fixed-size state: x, h*, the weights, gradients
    assert many < 1.2 * few
