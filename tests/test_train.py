"""The trainer: progress, cancellation, validation, early stopping, divergence; optimisers."""

import numpy as np
import pytest

from model.network import StaticNetwork
from model.optim import SGD, Adam, learning_rate_at, make_optimizer
from model.progress import CancelToken, History
from model.train import (
    TrainingConfig,
    TrainingError,
    patience,
    planned_epochs,
    split_validation,
    train,
)
from tests.test_network import three_blobs


def small_net(seed=0, n_classes=3):
    return StaticNetwork(2, [16], n_classes, rng=np.random.default_rng(seed))


def test_progress_reports_every_batch_and_epoch():
    x, y = three_blobs(200)
    reports = []
    train(small_net(), x, y, TrainingConfig(epochs=3, batch_size=50, validation_split=0.2),
          progress=reports.append)
    batch_reports = [r for r in reports if not r.epoch_done]
    epoch_reports = [r for r in reports if r.epoch_done]
    assert len(batch_reports) == 3 * 4  # 160 training samples in batches of 50
    assert [r.epoch for r in epoch_reports] == [1, 2, 3]
    assert all(r.val_accuracy is not None for r in epoch_reports)
    fractions = [r.fraction for r in batch_reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(r.samples_per_second > 0 for r in reports)


def test_cancel_between_batches_restores_best_epoch():
    x, y = three_blobs(400)
    token = CancelToken()
    net = small_net()
    best = {}

    def on_progress(report):
        if report.epoch_done and report.epoch == 2:
            best["weights"] = [p.copy() for p in net.parameters()]
        if report.epoch == 3 and report.batch == 2:
            token.cancel()

    result = train(net, x, y, TrainingConfig(epochs=10, batch_size=40, validation_split=0),
                   progress=on_progress, cancel=token)
    assert result.stopped == "cancelled"
    assert result.epochs_run == 2
    assert all(np.isfinite(p).all() for p in net.parameters())
    # Without validation the best epoch is the one with the lowest loss; it is one of the two.
    assert result.best_epoch in (1, 2)
    if result.best_epoch == 2:
        assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), best["weights"],
                                                         strict=True))


def test_cancel_before_start_leaves_weights_untouched():
    x, y = three_blobs(100)
    token = CancelToken()
    token.cancel()
    net = small_net()
    before = [p.copy() for p in net.parameters()]
    result = train(net, x, y, cancel=token)
    assert result.stopped == "cancelled" and result.epochs_run == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


def test_validation_restores_best_weights_and_early_stopping():
    x, y = three_blobs(300)
    y[:60] = (y[:60] + 1) % 3  # label noise, so later epochs overfit
    result = train(StaticNetwork(2, [64, 64], 3, rng=np.random.default_rng(0)), x, y,
                   TrainingConfig(epochs=60, learning_rate=0.02, validation_split=0.3,
                                  early_stopping=3, schedule="constant"))
    assert result.stopped == "early stopping"
    assert result.epochs_run < 60
    assert result.best_epoch == int(np.argmax(result.history.val_accuracy)) + 1
    assert len(result.validation_indices) == 90


def test_automatic_effort_makes_enough_steps_for_few_samples_and_few_epochs_for_many():
    auto = TrainingConfig()
    assert planned_epochs(auto, batches=1) == 1000  # 36 samples: a thousand steps
    assert planned_epochs(auto, batches=2) == 500
    assert planned_epochs(auto, batches=79) == 60  # 5,000 samples: sixty epochs
    assert planned_epochs(TrainingConfig(epochs=7), batches=1) == 7
    assert patience(auto, batches=1) == 300 and patience(auto, batches=79) == 10
    assert patience(TrainingConfig(early_stopping=0), batches=1) == 0


def test_without_validation_training_stops_when_the_loss_stops_improving():
    x, y = three_blobs(300)
    y[:90] = (y[:90] + 1) % 3  # label noise: the loss levels off well above zero
    result = train(small_net(), x, y, TrainingConfig(batch_size=300, learning_rate=0.05,
                                                     schedule="constant", validation_split=0,
                                                     early_stopping=20))
    assert result.stopped == "early stopping"
    assert 20 < result.epochs_run < 1000
    assert result.history.val_accuracy == []


def test_a_time_limit_ends_the_run_after_the_epoch_that_crossed_it():
    x, y = three_blobs(100)
    result = train(small_net(), x, y, TrainingConfig(epochs=50, max_seconds=1e-9))
    assert result.stopped == "time limit" and result.epochs_run == 1


def test_divergence_stops_with_a_clear_message_and_keeps_weights_finite():
    x, y = three_blobs(200)
    x *= 1e6
    net = StaticNetwork(2, [16], 3, "relu", "linear", rng=np.random.default_rng(0))
    with pytest.raises(TrainingError, match="lower learning rate"):
        train(net, x, y, TrainingConfig(epochs=5, optimizer="sgd", learning_rate=10.0))
    assert all(np.isfinite(p).all() for p in net.parameters())


@pytest.mark.parametrize(("change", "message"), [
    ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch size"),
    ({"learning_rate": -1.0}, "learning rate"),
    ({"learning_rate": float("nan")}, "learning rate"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"validation_split": 1.0}, "validation"),
    ({"max_seconds": -1.0}, "time limit"),
    ({"max_seconds": float("nan")}, "time limit"),
    ({"schedule": "linear"}, "schedule"),
])
def test_impossible_settings_are_rejected(change, message):
    x, y = three_blobs(50)
    with pytest.raises(TrainingError, match=message):
        train(small_net(), x, y, TrainingConfig(**change))


def test_bad_data_is_rejected():
    x, y = three_blobs(50)
    with pytest.raises(TrainingError, match="two different labels"):
        train(small_net(), x, np.zeros(50, int))
    with pytest.raises(TrainingError, match="expects"):
        train(small_net(), np.zeros((50, 3), np.float32), y)
    with pytest.raises(TrainingError, match=r"\[0, 3\)"):
        train(small_net(), x, y + 5)


def test_continued_training_extends_history():
    x, y = three_blobs(100)
    history = History()
    net = small_net()
    train(net, x, y, TrainingConfig(epochs=2, validation_split=0.1), history=history)
    train(net, x, y, TrainingConfig(epochs=3, validation_split=0.1), history=history)
    assert len(history) == 5 and len(history.val_accuracy) == 5
    assert History.from_series(history.series()) == history


def test_validation_split_is_stratified_and_keeps_every_class():
    labels = np.array([0] * 50 + [1] * 10 + [2])
    train_idx, val_idx = split_validation(labels, 0.2, np.random.default_rng(0))
    assert sorted(np.concatenate([train_idx, val_idx])) == list(range(61))
    assert np.bincount(labels[val_idx], minlength=3).tolist() == [10, 2, 0]


def quadratic_steps(optimizer_cls, steps=200, **kwargs):
    target = np.array([3.0, -2.0], np.float32)
    p = np.zeros(2, np.float32)
    grad = np.zeros(2, np.float32)
    opt = optimizer_cls([p], **kwargs)
    for _ in range(steps):
        grad[...] = p - target
        opt.update_params([grad])
    return p, target


@pytest.mark.parametrize(("cls", "kwargs"), [
    (SGD, {"learning_rate": 0.1, "momentum": 0.0}),
    (SGD, {"learning_rate": 0.05, "momentum": 0.9, "nesterov": False}),
    (SGD, {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    (Adam, {"learning_rate": 0.1}),
])
def test_optimizers_minimise_a_quadratic_in_place(cls, kwargs):
    p, target = quadratic_steps(cls, **kwargs)
    np.testing.assert_allclose(p, target, atol=1e-2)


def test_weight_decay_shrinks_matrices_not_biases():
    w = np.ones((2, 2), np.float32)
    b = np.ones(2, np.float32)
    opt = make_optimizer("sgd", [w, b], 0.1, weight_decay=0.5, momentum=0.0)
    opt.update_params([np.zeros_like(w), np.zeros_like(b)])
    np.testing.assert_allclose(w, 0.95)
    np.testing.assert_allclose(b, 1.0)


def test_learning_rate_schedules():
    assert learning_rate_at(0.1, "constant", 7, 10) == 0.1
    assert learning_rate_at(0.1, "step", 25, 100, step_every=10) == pytest.approx(0.025)
    assert learning_rate_at(0.1, "cosine", 0, 10) == pytest.approx(0.1)
    assert learning_rate_at(0.1, "cosine", 5, 10) == pytest.approx(0.0505)
    with pytest.raises(ValueError, match="schedule"):
        learning_rate_at(0.1, "exp", 0, 10)


def test_a_training_error_from_the_network_restores_the_weights():
    x, y = three_blobs(100)

    class Failing(StaticNetwork):
        calls = 0

        def loss_and_gradients(self, xb, targets):
            self.calls += 1
            if self.calls == 3:
                raise TrainingError("the network gave up")
            return super().loss_and_gradients(xb, targets)

    net = Failing(2, [8], 3, rng=np.random.default_rng(0))
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(TrainingError, match="gave up"):
        train(net, x, y, TrainingConfig(batch_size=10, validation_split=0))
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
