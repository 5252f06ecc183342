"""The training pipeline shared by the CLI and the GUI: fit, continue, grow, evaluate."""

import numpy as np
import pytest

from model.evaluation import evaluate_classifier
from model.fit import ModelSettings, fit_classifier
from model.preprocess import PreprocessConfig
from model.samples import SampleSet
from model.train import TrainingConfig, TrainingError
from tests.glyphs import labelled_glyphs

FAST = TrainingConfig(epochs=8, batch_size=16, learning_rate=3e-3, seed=0)
SMALL = ModelSettings(hidden=(32,), preprocess=PreprocessConfig(size=16, box=12))


@pytest.fixture(scope="module")
def trained():
    images, labels = labelled_glyphs(20)
    return fit_classifier(images, labels, SMALL, FAST, name="shapes")


def test_fit_learns_held_out_shapes_and_records_the_run(trained):
    classifier, result = trained
    assert classifier.labels == ["bar", "cross", "ring"]
    assert classifier.name == "shapes"
    test_images, test_labels = labelled_glyphs(10, seed=1)
    score = evaluate_classifier(classifier, test_images, test_labels)
    assert score.accuracy >= 0.9
    assert score.n == 30 and sum(map(sum, score.confusion)) == 30
    assert set(score.per_class) == {"bar", "cross", "ring"}
    assert classifier.training["n_samples"] == 60
    assert classifier.training["class_counts"] == {"bar": 20, "cross": 20, "ring": 20}
    assert len(classifier.history) == result.epochs_run == 8
    assert result.validation_indices is None  # 6 held out would say nothing: none are


def test_working_images_from_a_sample_set_train_too():
    images, labels = labelled_glyphs(12)
    samples = SampleSet()
    samples.add_many(images, labels, ["drawn"] * len(labels))
    classifier, _ = fit_classifier(samples.images(), samples.labels(), SMALL, FAST)
    score = evaluate_classifier(classifier, *labelled_glyphs(8, seed=2))
    assert score.accuracy >= 0.85


def test_continuing_never_changes_the_original_and_grows_the_output(trained):
    original, _ = trained
    before = [p.copy() for p in original.network.parameters()]
    images, labels = labelled_glyphs(15, seed=3, names=("bar", "ring", "cross"))
    extra_images, _ = labelled_glyphs(15, seed=4, names=("bar",))
    extra_images = [im.rotate(90, fillcolor=255) for im in extra_images]  # a new label: "dash"
    grown, result = fit_classifier([*images, *extra_images],
                                   [*labels, *["dash"] * len(extra_images)],
                                   SMALL, FAST, init=original)
    assert all(np.array_equal(a, b)
               for a, b in zip(before, original.network.parameters(), strict=True))
    assert grown.labels == ["bar", "cross", "ring", "dash"]
    assert grown.network.n_classes == 4
    assert len(grown.history) == len(original.history) + result.epochs_run
    assert grown.training["continued_from"] == "shapes"
    assert evaluate_classifier(grown, *labelled_glyphs(8, seed=5)).accuracy >= 0.85


def test_a_recurrent_network_trains_through_the_same_pipeline():
    images, labels = labelled_glyphs(20)
    settings = ModelSettings(network_type="recurrent", hidden=(32,),
                             preprocess=PreprocessConfig(size=16, box=12))
    classifier, _ = fit_classifier(images, labels, settings, FAST)
    assert classifier.network.kind == "recurrent"
    assert "mean_iterations" in classifier.history.extras
    assert evaluate_classifier(classifier, *labelled_glyphs(8, seed=6)).accuracy >= 0.85


def test_unknown_labels_count_as_errors(trained):
    classifier, _ = trained
    images, _ = labelled_glyphs(3, seed=7, names=("bar",))
    score = evaluate_classifier(classifier, images, ["?"] * 3)
    assert score.accuracy == 0
    assert score.unknown_labels == ["?"]
    assert score.classes[-1] == "?"


@pytest.mark.parametrize(("settings", "config", "message"), [
    (ModelSettings(network_type="quantum"), FAST, "network type"),
    (ModelSettings(hidden=(0,)), FAST, "hidden"),
    (ModelSettings(activation="swish"), FAST, "activation"),
    (ModelSettings(network_type="recurrent", tol=-1.0), FAST, "tolerance"),
    (ModelSettings(network_type="recurrent", hidden=(256, 128)), FAST, "exactly one hidden"),
    (SMALL, TrainingConfig(epochs=0), "epochs"),
    (SMALL, TrainingConfig(learning_rate=float("inf")), "learning rate"),
])
def test_impossible_settings_are_training_errors(settings, config, message):
    images, labels = labelled_glyphs(2)
    with pytest.raises(TrainingError, match=message):
        fit_classifier(images, labels, settings, config)


def test_bad_data_is_a_training_error():
    images, labels = labelled_glyphs(3)
    with pytest.raises(TrainingError, match=r"two different labels \(only 'bar'"):
        fit_classifier(images[:3], labels[:3], SMALL, FAST)
    with pytest.raises(TrainingError, match="no samples"):
        fit_classifier([], [], SMALL, FAST)
    blank = np.full((40, 40), 255, np.uint8)
    with pytest.raises(TrainingError, match="blank"):
        fit_classifier([*images, blank], [*labels, "bar"], SMALL, FAST)
