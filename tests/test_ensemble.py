"""Ensembles: their members' mean, trained as members, saved, loaded and read without charrec."""

import json

import h5py
import numpy as np
import pytest

from model.classifier import Classifier
from model.ensemble import MAX_MEMBERS, Ensemble
from model.fit import fit_classifier
from model.modelfile import ModelFileError, load_model, save_model
from model.network import StaticNetwork
from model.networks import network_from_config, parameter_count
from model.train import TrainingConfig, one_hot
from tests.test_background import SMALL
from tests.test_conv import documented_reader
from tests.test_reject import OTHER_SHAPES, TEST_SHAPES, drawings

SIDE = 10


def members(count: int, conv=(2,), hidden=6) -> list[StaticNetwork]:
    return [StaticNetwork(SIDE * SIDE, [hidden], 4, "relu", "softmax",
                          rng=np.random.default_rng(seed), conv=list(conv))
            for seed in range(count)]


def inputs(n: int = 5) -> np.ndarray:
    return np.random.default_rng(7).random((n, SIDE * SIDE), dtype=np.float32)


def test_probabilities_are_the_mean_of_the_members():
    nets = members(3)
    ensemble = Ensemble(nets)
    x = inputs()
    probs = ensemble(x)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs, np.mean([net(x) for net in nets], axis=0), rtol=1e-6)
    assert (ensemble.kind, ensemble.n_inputs, ensemble.n_classes) == ("static", 100, 4)
    assert ensemble.config() == {**nets[0].config(), "members": 3}
    assert parameter_count(ensemble.config()) == sum(p.size for p in ensemble.parameters())
    rebuilt = network_from_config(ensemble.config(), np.random.default_rng(0))
    assert isinstance(rebuilt, Ensemble) and rebuilt.config() == ensemble.config()


def test_members_share_one_architecture_and_number_two_to_the_limit():
    with pytest.raises(ValueError, match="must share one architecture"):
        Ensemble([*members(1), *members(1, hidden=7)])
    with pytest.raises(ValueError, match=f"2 to {MAX_MEMBERS} members, got 1"):
        Ensemble(members(1))


def test_every_member_learns_from_its_own_loss_as_it_would_alone():
    ensemble, alone = Ensemble(members(2)), members(2)  # same seeds: the same weights
    x = inputs(6)
    targets = one_hot(np.array([0, 1, 2, 3, 0, 1]), 4, np.float32)
    loss, probs = ensemble.loss_and_gradients(x, targets)
    own = [net.loss_and_gradients(x, targets) for net in alone]
    assert loss == pytest.approx(np.mean([member_loss for member_loss, _ in own]))
    np.testing.assert_allclose(probs, np.mean([p for _, p in own], axis=0), rtol=1e-6)
    expected = [g for net in alone for g in net.gradients()]
    assert len(ensemble.gradients()) == len(expected)
    for got, want in zip(ensemble.gradients(), expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def shapes_ensemble() -> Classifier:
    """Two small networks trained on the shapes of tests/test_reject.py, with a background."""
    images, labels = drawings(TEST_SHAPES, 10, seed=0)
    others, _ = drawings(OTHER_SHAPES, 10, seed=1)
    trained = [fit_classifier([*images, *others], [*labels, *["none"] * len(others)], SMALL,
                              TrainingConfig(epochs=25, batch_size=16, learning_rate=3e-3,
                                             seed=seed), background="none")[0]
               for seed in (0, 1)]
    return Classifier(Ensemble([c.network for c in trained]), trained[0].labels,
                      trained[0].preprocess, reject=trained[0].reject, background=True)


def test_an_ensemble_reads_fresh_drawings_and_its_file_round_trips(shapes_ensemble, tmp_path):
    images, labels = drawings(TEST_SHAPES, 6, seed=5)
    result = [shapes_ensemble.recognize(image, read_text=False) for image in images]
    assert np.mean([r.label == label for r, label in zip(result, labels, strict=True)]) >= 0.9
    path = tmp_path / "ensemble.h5"
    save_model(shapes_ensemble, path)
    loaded = load_model(path)
    x = np.random.default_rng(3).random((4, loaded.preprocess.n_inputs), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_vectors(x), shapes_ensemble.predict_vectors(x))
    assert loaded.describe()["layers"][0] == "2 members, each:"
    assert loaded.network.summary().startswith("2 × static")
    with h5py.File(path) as f:
        assert f.attrs["network_type"] == "static"
        assert list(f["weights"].attrs["layer_names"]) == ["member_0.dense_0", "member_0.dense_1",
                                                           "member_1.dense_0", "member_1.dense_1"]
    reader = documented_reader()
    np.testing.assert_allclose(reader["predict"](reader["load"](path), x),
                               shapes_ensemble.network(x), rtol=1e-5, atol=1e-7)


def test_continued_training_grows_every_member_and_keeps_the_background_last(shapes_ensemble):
    images, labels = drawings(TEST_SHAPES, 4, seed=3)
    extra, _ = drawings({"Y": OTHER_SHAPES["Y"]}, 12, seed=4)
    grown, _ = fit_classifier([*images, *extra], [*labels, *["Y"] * len(extra)], SMALL,
                              TrainingConfig(epochs=1, batch_size=16, seed=1),
                              init=shapes_ensemble)
    assert isinstance(grown.network, Ensemble) and grown.labels == [*sorted(TEST_SHAPES), "Y"]
    for old_member, new_member in zip(shapes_ensemble.network.members, grown.network.members,
                                      strict=True):
        old, new = old_member.dense_layers[-1].weight, new_member.dense_layers[-1].weight
        assert new.shape[1] == old.shape[1] + 1
        # one epoch moved the weights a little; the background unit is still the last
        distances = [np.abs(new[:, i] - old[:, -1]).mean() for i in range(new.shape[1])]
        assert int(np.argmin(distances)) == new.shape[1] - 1


@pytest.mark.parametrize("members", [1, 0, MAX_MEMBERS + 1, "3", True, 2.5])
def test_a_file_with_a_bad_member_count_is_one_clear_error(shapes_ensemble, tmp_path, members):
    path = tmp_path / "ensemble.h5"
    save_model(shapes_ensemble, path)
    with h5py.File(path, "r+") as f:
        f.attrs["architecture"] = json.dumps({**json.loads(f.attrs["architecture"]),
                                              "members": members})
    with pytest.raises(ModelFileError, match=f"invalid architecture: an ensemble has 2 to "
                                             f"{MAX_MEMBERS} members"):
        load_model(path)


def test_a_file_missing_a_member_is_one_clear_error(shapes_ensemble, tmp_path):
    path = tmp_path / "ensemble.h5"
    save_model(shapes_ensemble, path)
    with h5py.File(path, "r+") as f:
        f.attrs["architecture"] = json.dumps({**json.loads(f.attrs["architecture"]),
                                              "members": 3})
    with pytest.raises(ModelFileError, match=r"its architecture needs .*member_2\.dense_0"):
        load_model(path)
