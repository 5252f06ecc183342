import math

import h5py
import numpy as np
import pytest

from model.augment import AugmentConfig, Augmenter
from model.evaluation import evaluate_classifier
from model.fit import ModelSettings, fit_classifier
from model.modelfile import ModelFileError, load_model, save_model
from model.preprocess import PreprocessConfig, preprocess_many
from model.reject import (
    BLUR_SIGMA,
    NEVER,
    RejectOption,
    build_reject_option,
    check_threshold,
    features,
)
from model.sketch import arc, line, place
from model.strokes import render_strokes
from model.train import TrainingConfig

# Own shapes for these tests (the benchmarks draw others).
TEST_SHAPES = {
    "L": lambda rng: [line((0.0, 0.0), (0.0, 1.0), (0.6, 1.0))],
    "T": lambda rng: [line((-0.1, 0.0), (0.7, 0.0)), line((0.3, 0.0), (0.3, 1.0))],
    "c": lambda rng: [arc(0.3, 0.5, 0.35, 0.5, 40, 320)],
}
OTHER_SHAPES = {
    "m": lambda rng: [join_humps()],
    "Y": lambda rng: [line((-0.1, 0.0), (0.3, 0.5), (0.7, 0.0)), line((0.3, 0.5), (0.3, 1.0))],
}
CONFIG = PreprocessConfig()


def join_humps() -> np.ndarray:
    return np.concatenate([line((-0.1, 1.0), (-0.1, 0.3)), arc(0.1, 0.35, 0.2, 0.25, 180, 360),
                           line((0.3, 0.35), (0.3, 1.0)), arc(0.5, 0.35, 0.2, 0.25, 180, 360),
                           line((0.7, 0.35), (0.7, 1.0))])


def drawings(shapes: dict, per_shape: int, seed: int) -> tuple[list, list[str]]:
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, draw in shapes.items():
        for _ in range(per_shape):
            images.append(render_strokes(place(draw(rng), rng)))
            labels.append(label)
    return images, labels


def drawn(shapes: dict, per_shape: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = drawings(shapes, per_shape, seed)
    return preprocess_many(images, CONFIG), np.unique(labels, return_inverse=True)[1]


@pytest.fixture(scope="module")
def option() -> RejectOption:
    x, y = drawn(TEST_SHAPES, 8, seed=0)
    augment = Augmenter(AugmentConfig(), CONFIG.size)
    return build_reject_option(x, y, len(TEST_SHAPES), augment, np.random.default_rng(1))


def test_fresh_drawings_of_the_labels_are_known_and_other_shapes_are_not(option):
    x, y = drawn(TEST_SHAPES, 20, seed=5)
    assert option.known(x, y).mean() >= 0.9
    others, _ = drawn(OTHER_SHAPES, 20, seed=6)
    # However the network labels them, even as the label they look most like:
    closest = np.stack([option.similarity(others, np.full(len(others), c))
                        for c in range(len(TEST_SHAPES))]).argmax(axis=0)
    assert option.known(others, closest).mean() <= 0.2
    assert 0.5 < option.threshold < 1


def test_a_zero_threshold_never_rejects_and_one_rejects_nearly_everything(option):
    others, _ = drawn(OTHER_SHAPES, 5, seed=7)
    assert option.known(others, np.zeros(len(others), int), threshold=NEVER).all()
    assert not option.known(others, np.zeros(len(others), int), threshold=1.0).any()


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, math.inf])
def test_thresholds_outside_zero_to_one_are_one_clear_error(bad):
    with pytest.raises(ValueError, match=r"reject threshold must be a number from 0 to 1"):
        check_threshold(bad)


def test_features_are_unit_length_and_tolerate_a_one_pixel_shift():
    x, _ = drawn(TEST_SHAPES, 1, seed=3)
    shifted = np.roll(x.reshape(-1, 28, 28), 1, axis=2).reshape(len(x), -1)
    f, g = features(x), features(shifted)
    assert np.allclose(np.linalg.norm(f, axis=1), 1, atol=1e-5)
    assert (np.sum(f * g, axis=1) > 0.85).all()


@pytest.mark.parametrize("side", [28, 16])
def test_features_blur_then_pool_each_glyph(side):
    glyphs = np.random.default_rng(side).random((3, side, side))
    glyphs[0] = 0  # empty: all zeros
    offsets = range(-math.ceil(2 * BLUR_SIGMA), math.ceil(2 * BLUR_SIGMA) + 1)
    kernel = np.exp(-0.5 * (np.array(offsets) / BLUR_SIGMA) ** 2)
    kernel /= kernel.sum()
    blurred = np.zeros_like(glyphs)  # zero outside the glyph
    for dy, wy in zip(offsets, kernel, strict=True):
        for dx, wx in zip(offsets, kernel, strict=True):
            shifted = np.zeros_like(glyphs)
            shifted[:, max(-dy, 0):side - max(dy, 0), max(-dx, 0):side - max(dx, 0)] = \
                glyphs[:, max(dy, 0):side - max(-dy, 0), max(dx, 0):side - max(-dx, 0)]
            blurred += wy * wx * shifted
    pooled = blurred.reshape(3, side // 2, 2, side // 2, 2).mean(axis=(2, 4)).reshape(3, -1)
    expected = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    got = features(glyphs.reshape(3, -1).astype(np.float32))
    assert got.dtype == np.float32 and got.shape == (3, (side // 2) ** 2)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_similarity_is_the_best_match_among_the_predicted_labels_prototypes():
    rng = np.random.default_rng(0)
    prototypes = features(rng.random((40, 64), dtype=np.float32))
    labels = rng.integers(0, 3, 40)  # in no order; label 3 has no prototypes
    option = RejectOption(prototypes, labels, 0.5)
    query = rng.random((12, 64), dtype=np.float32)
    predicted = np.resize([0, 1, 2, 3], 12)
    stored = prototypes.astype(np.float16).astype(np.float32)  # what files keep
    expected = [max((f @ p for p, label in zip(stored, labels, strict=True) if label == k),
                    default=0) for f, k in zip(features(query), predicted, strict=True)]
    np.testing.assert_allclose(option.similarity(query, predicted), expected, atol=1e-6)
    assert option.similarity(query, predicted)[3] == 0


def test_a_class_with_one_sample_only_cannot_calibrate():
    x, y = drawn(TEST_SHAPES, 1, seed=4)
    option = build_reject_option(x, y, len(TEST_SHAPES), None, np.random.default_rng(0))
    assert option.threshold == NEVER and option.known(x, y).all()


@pytest.fixture(scope="module")
def trained():
    """A default model (default network and training effort) of 8 drawings per test shape."""
    images, labels = drawings(TEST_SHAPES, 8, seed=10)
    classifier, _ = fit_classifier(images, labels, ModelSettings(), TrainingConfig())
    return classifier


def test_a_handful_of_drawings_trains_to_high_held_out_accuracy_with_defaults(trained):
    images, labels = drawings(TEST_SHAPES, 20, seed=11)
    evaluation = evaluate_classifier(trained, images, labels)
    assert evaluation.accuracy >= 0.95 and evaluation.known_right >= 0.9
    assert trained.training["epochs_run"] >= 300  # 24 samples: hundreds of epochs


def test_symbols_the_model_never_saw_are_not_known(trained):
    images, _ = drawings(OTHER_SHAPES, 10, seed=12)
    answers = [trained.recognize(image, read_text=False) for image in images]
    assert sum(not answer.known for answer in answers) >= 0.8 * len(answers)
    assert all(answer.known for answer in (trained.recognize(image, read_text=False, threshold=0)
                                           for image in images))


def test_continuing_with_samples_of_some_labels_keeps_the_others_known(trained):
    """The new threshold is calibrated on the new samples only; the labels without samples keep
    the acceptance they had (a short run, as on the command line with --epochs: a long one on
    new labels alone also unlearns the old ones)."""
    once, names = drawings(OTHER_SHAPES, 1, seed=13)  # one drawing of each, eight copies:
    images, labels = once * 8, names * 8  # alike samples calibrate a strict threshold
    continued, _ = fit_classifier(images, labels, ModelSettings(), TrainingConfig(epochs=2),
                                  init=trained)
    assert continued.labels == [*trained.labels, *sorted(OTHER_SHAPES)]
    assert continued.reject_threshold <= trained.reject_threshold
    old_images, old_labels = drawings(TEST_SHAPES, 20, seed=14)
    before = evaluate_classifier(trained, old_images, old_labels)
    after = evaluate_classifier(continued, old_images, old_labels)
    assert after.accuracy >= before.accuracy - 0.05
    assert after.known_rate >= before.known_rate - 0.05


def test_the_threshold_and_prototypes_round_trip_through_the_model_file(trained, tmp_path):
    trained.reject.threshold = 0.8125
    save_model(trained, tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert loaded.reject_threshold == 0.8125
    assert np.array_equal(loaded.reject.prototypes, trained.reject.prototypes)
    assert np.array_equal(loaded.reject.prototype_labels, trained.reject.prototype_labels)


def test_prototypes_stored_gzip_compressed_as_before_load_the_same(trained, tmp_path):
    save_model(trained, tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        stored = f["reject/prototypes"][()]
        del f["reject/prototypes"]
        f["reject"].create_dataset("prototypes", data=stored, compression="gzip", shuffle=True)
    assert np.array_equal(load_model(tmp_path / "m.h5").reject.prototypes,
                          trained.reject.prototypes)


def _set_first(name, value):
    def action(f):
        data = f[f"reject/{name}"]
        data[0] = value
    return action


def _narrow_prototypes(f):
    rows = len(f["reject/prototypes"])
    del f["reject/prototypes"]
    f["reject"].create_dataset("prototypes", data=np.zeros((rows, 100), np.float16))


@pytest.mark.parametrize(("action", "message"), [
    (_set_first("prototypes", np.inf), "reject/prototypes contains NaN or infinite values"),
    (_narrow_prototypes, r"reject/prototypes must be of shape \(n, 196\)"),
    (_set_first("prototype_labels", 9), r"reject/prototype_labels must lie in \[0, 3\)"),
    (lambda f: f["reject"].attrs.__setitem__("method", "magic"), "unknown kind 'magic'"),
])
def test_a_damaged_reject_option_gives_one_clear_error(trained, tmp_path, action, message):
    save_model(trained, tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        action(f)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(tmp_path / "m.h5")
    assert "\n" not in str(info.value)


def test_a_model_file_without_a_reject_option_loads_and_calls_everything_known(trained, tmp_path):
    save_model(trained, tmp_path / "old.h5")
    with h5py.File(tmp_path / "old.h5", "a") as f:
        del f["reject"]
    old = load_model(tmp_path / "old.h5")
    assert old.reject is None and old.reject_threshold == NEVER
    images, _ = drawings(OTHER_SHAPES, 2, seed=13)
    answer = old.recognize(images[0], read_text=False)
    assert answer.known and answer.label in TEST_SHAPES


def test_a_damaged_reject_group_is_one_clear_error(trained, tmp_path):
    save_model(trained, tmp_path / "bad.h5")
    with h5py.File(tmp_path / "bad.h5", "a") as f:
        del f["reject/prototype_labels"]
    with pytest.raises(ModelFileError, match="reject/prototype_labels"):
        load_model(tmp_path / "bad.h5")
