"""A "none of these" output: trained on other shapes, it refuses them; files keep it."""

import h5py
import numpy as np
import pytest

from model.classifier import BACKGROUND_SHARE
from model.evaluation import evaluate_classifier
from model.fit import ModelSettings, fit_classifier
from model.modelfile import ModelFileError, load_model, save_model
from model.preprocess import PreprocessConfig, preprocess_many
from model.train import TrainingConfig

from .test_reject import OTHER_SHAPES, TEST_SHAPES, drawings

NONE = "none"
SMALL = ModelSettings(hidden=(48,), preprocess=PreprocessConfig(size=16, box=12))
CONFIG = TrainingConfig(epochs=40, batch_size=16, learning_rate=3e-3, seed=0)


@pytest.fixture(scope="module")
def model():
    images, labels = drawings(TEST_SHAPES, 12, seed=0)
    others, _ = drawings(OTHER_SHAPES, 18, seed=1)
    classifier, _ = fit_classifier([*images, *others], [*labels, *[NONE] * len(others)],
                                   SMALL, CONFIG, background=NONE)
    return classifier


def test_the_background_is_an_output_but_not_a_label(model):
    assert model.labels == sorted(TEST_SHAPES)
    assert model.background and model.network.n_classes == len(TEST_SHAPES) + 1
    assert set(np.unique(model.reject.prototype_labels)) == set(range(len(TEST_SHAPES)))
    images, _ = drawings(OTHER_SHAPES, 5, seed=9)
    probs = model.predict_vectors(preprocess_many(images, model.preprocess))
    assert probs.shape == (10, len(TEST_SHAPES))
    assert np.all(probs.sum(axis=1) < 1)
    assert model.describe()["background_output"] is True


def test_fresh_labels_are_known_and_the_background_shapes_are_refused(model):
    images, labels = drawings(TEST_SHAPES, 15, seed=5)
    score = evaluate_classifier(model, images, labels)
    assert score.known_right >= 0.9
    others, _ = drawings(OTHER_SHAPES, 15, seed=6)
    vectors = preprocess_many(others, model.preprocess)
    probs = model.predict_vectors(vectors)
    background = 1 - probs.sum(axis=1)
    # the background output alone refuses them, whatever the prototype threshold says
    assert np.mean(background >= BACKGROUND_SHARE) >= 0.9
    assert not model.known(vectors, probs, threshold=1e-6)[background >= BACKGROUND_SHARE].any()
    assert model.known(vectors, probs, threshold=0).all()  # 0 never rejects


def test_the_background_output_round_trips_and_old_files_have_none(model, tmp_path):
    path = tmp_path / "bg.h5"
    save_model(model, path)
    loaded = load_model(path)
    assert loaded.background
    x = preprocess_many(drawings(OTHER_SHAPES, 3, seed=2)[0], loaded.preprocess)
    np.testing.assert_array_equal(loaded.predict_vectors(x), model.predict_vectors(x))
    with h5py.File(path, "r+") as f:
        del f.attrs["background_output"]  # as a file from before it existed
    with pytest.raises(ModelFileError, match="has 3 labels but its output layer has 4 units"):
        load_model(path)
    with h5py.File(path, "r+") as f:
        f.attrs["background_output"] = "yes"
    with pytest.raises(ModelFileError, match="'background_output' must be true or false"):
        load_model(path)


def test_continued_training_keeps_the_background_output_last(model):
    images, labels = drawings(TEST_SHAPES, 4, seed=3)
    extra, _ = drawings({"Y": OTHER_SHAPES["Y"]}, 12, seed=4)
    grown, _ = fit_classifier([*images, *extra], [*labels, *["Y"] * len(extra)], SMALL,
                              TrainingConfig(epochs=1, batch_size=16, seed=1), init=model)
    assert grown.labels == [*model.labels, "Y"] and grown.background
    old, new = model.network.dense_layers[-1], grown.network.dense_layers[-1]
    assert new.weight.shape[1] == old.weight.shape[1] + 1
    # one epoch moved the weights a little; the background unit is still the one it was
    distances = [np.abs(new.weight[:, i] - old.weight[:, -1]).mean() for i in range(4)]
    assert int(np.argmin([*distances, np.abs(new.weight[:, -1] - old.weight[:, -1]).mean()])) == 4
