"""Augmentation: contract, determinism, geometry, and that it helps with few samples per class."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from model.augment import (
    AugmentConfig,
    Augmenter,
    affine_matrices,
    bilinear_sample,
    elastic_basis,
)
from model.preprocess import PreprocessConfig, preprocess, preprocess_many

IDENTITY = AugmentConfig(rotation=0, scale=0, shear=0, translation=0, elastic_probability=0,
                         thickness_probability=0)


def glyph_batch(n: int = 40, size: int = 28) -> np.ndarray:
    """n preprocessed glyphs: rings and bars of varied sizes and positions."""
    rng = np.random.default_rng(5)
    config = PreprocessConfig(size=size, box=size * 5 // 7)
    rows = []
    for i in range(n):
        image = Image.new("L", (100, 100), 255)
        draw = ImageDraw.Draw(image)
        a, b = rng.integers(10, 40, 2)
        if i % 2:
            draw.ellipse((a, b, a + 50, b + 40), outline=0, width=int(rng.integers(3, 9)))
        else:
            draw.line([(a, b), (90 - a, 95 - b)], fill=0, width=int(rng.integers(3, 9)))
        rows.append(preprocess(image, config))
    return np.stack(rows)


BATCH = glyph_batch()


def centre_of_mass(images: np.ndarray) -> np.ndarray:
    """(n, 2) row/column centres of mass of images (n, h, w)."""
    ys, xs = np.indices(images.shape[1:])
    mass = images.sum(axis=(1, 2))
    return np.stack([(images * ys).sum(axis=(1, 2)), (images * xs).sum(axis=(1, 2))], 1) \
        / mass[:, None]


def test_shape_dtype_and_range_are_kept():
    for batch in (BATCH, BATCH.astype(np.float64), np.random.default_rng(0).random((5, 784))):
        out = Augmenter()(batch, np.random.default_rng(0))
        assert out.shape == batch.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 1
    small = glyph_batch(7, size=16)
    assert Augmenter()(small, np.random.default_rng(0)).shape == (7, 256)
    assert Augmenter()(BATCH[:0], np.random.default_rng(0)).shape == (0, 784)


def test_input_is_left_alone():
    batch = BATCH.copy()
    Augmenter()(batch, np.random.default_rng(0))
    np.testing.assert_array_equal(batch, BATCH)


def test_same_seed_same_result_other_seed_other_result():
    augment = Augmenter()
    first = augment(BATCH, np.random.default_rng(42))
    np.testing.assert_array_equal(first, Augmenter()(BATCH, np.random.default_rng(42)))
    other = augment(BATCH, np.random.default_rng(43))
    assert np.abs(first - other).max() > 0.5
    assert (np.abs(first - other).sum(axis=1) > 1).all()


def test_identity_config_changes_nothing():
    out = Augmenter(IDENTITY)(BATCH, np.random.default_rng(0))
    np.testing.assert_allclose(out, BATCH, atol=1e-6)


def test_ink_mass_is_roughly_kept():
    out = Augmenter()(BATCH, np.random.default_rng(1))
    ratio = out.sum(axis=1) / BATCH.sum(axis=1)
    assert 0.85 < ratio.mean() < 1.2
    assert ratio.min() > 0.4 and ratio.max() < 2.5


@pytest.mark.parametrize("config, limit", [
    (AugmentConfig(rotation=0, scale=0, shear=0, translation=2, elastic_probability=0,
                   thickness_probability=0), 2 * np.sqrt(2) + 0.05),
    (AugmentConfig(rotation=12, scale=0, shear=0, translation=0, elastic_probability=0,
                   thickness_probability=0), 0.6),
])
def test_translation_moves_and_rotation_keeps_the_centre_of_mass(config, limit):
    images = BATCH.reshape(-1, 28, 28)
    out = Augmenter(config)(BATCH, np.random.default_rng(2)).reshape(-1, 28, 28)
    moved = np.linalg.norm(centre_of_mass(out) - centre_of_mass(images), axis=1)
    assert moved.max() <= limit
    if config.translation:
        assert moved.mean() > 0.5
    np.testing.assert_allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.03)


def test_thickness_changes_by_about_one_pixel_and_never_erases():
    config = AugmentConfig(rotation=0, scale=0, shear=0, translation=0, elastic_probability=0,
                           thickness_probability=1)
    out = Augmenter(config)(BATCH, np.random.default_rng(3))
    ratio = out.sum(axis=1) / BATCH.sum(axis=1)
    assert (ratio > 1.05).any() and (ratio < 0.95).any()
    assert ratio.min() >= 0.5


def test_elastic_distortion_is_smooth_and_mass_preserving():
    config = AugmentConfig(rotation=0, scale=0, shear=0, translation=0, elastic_probability=1,
                           thickness_probability=0)
    out = Augmenter(config)(BATCH, np.random.default_rng(4))
    assert np.abs(out - BATCH).max() > 0.3
    ratio = out.sum(axis=1) / BATCH.sum(axis=1)  # stretching and squeezing change it locally
    assert abs(ratio.mean() - 1) < 0.1 and ratio.min() > 0.5 and ratio.max() < 1.6
    basis = elastic_basis(28, 4.0)
    fields = np.stack([basis @ noise @ basis.T for noise in
                       np.random.default_rng(0).uniform(-1, 1, (500, *basis.shape[1:2] * 2))])
    assert 0.02 < fields.std() < 0.06  # Simard's normalised smoothing gives about 0.04 here
    neighbour = np.corrcoef(fields[:, 14, 14], fields[:, 14, 15])[0, 1]
    assert neighbour > 0.9


def test_affine_matrices_and_bilinear_sampling():
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(affine_matrices(3, IDENTITY, rng),
                               np.tile([[1, 0, 0], [0, 1, 0]], (3, 1, 1)), atol=1e-7)
    maps = affine_matrices(500, AugmentConfig(), rng)
    scale = np.sqrt(np.abs(np.linalg.det(maps[:, :, :2].astype(np.float64))))
    assert scale.min() > 1 / 1.15 / 1.01 and scale.max() < 1 / 0.85 * 1.01
    images = rng.random((2, 5, 6)).astype(np.float32)
    ys, xs = np.mgrid[:5, :6].astype(np.float32)
    xs, ys = np.broadcast_to(xs, (2, 5, 6)), np.broadcast_to(ys, (2, 5, 6))
    np.testing.assert_array_equal(bilinear_sample(images, xs, ys), images)
    shifted = bilinear_sample(images, xs + 1, ys)
    np.testing.assert_array_equal(shifted[:, :, :-1], images[:, :, 1:])
    assert (shifted[:, :, -1] == 0).all()
    half = bilinear_sample(images, xs + 0.5, ys)
    np.testing.assert_allclose(half[:, :, :-1], (images[:, :, 1:] + images[:, :, :-1]) / 2,
                               rtol=1e-6)
    assert (bilinear_sample(images, xs - 50, ys + 50) == 0).all()


def test_config_round_trip_and_validation():
    config = AugmentConfig(rotation=5, elastic_probability=0.1)
    assert AugmentConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown augmentation settings: colour"):
        AugmentConfig.from_dict({"colour": 1})
    for bad in ({"scale": 1.0}, {"rotation": -1}, {"elastic_probability": 2},
                {"elastic_sigma": 0}):
        with pytest.raises(ValueError):
            AugmentConfig(**bad)
    with pytest.raises(ValueError, match="not square"):
        Augmenter()(np.zeros((2, 10), dtype=np.float32), np.random.default_rng(0))
    augment = Augmenter(config, 28)
    assert augment(BATCH, np.random.default_rng(0)).shape == BATCH.shape
    with pytest.raises(ValueError, match="expected 16×16 glyphs, got 28×28"):
        Augmenter(config, 16)(BATCH, np.random.default_rng(0))


def test_distances_scale_with_the_glyph_side():
    config = AugmentConfig(rotation=0, scale=0, shear=0, translation=2, elastic_probability=0,
                           thickness_probability=0)
    images = glyph_batch(20, size=56)
    out = Augmenter(config)(images, np.random.default_rng(2))
    moved = np.linalg.norm(centre_of_mass(out.reshape(-1, 56, 56))
                           - centre_of_mass(images.reshape(-1, 56, 56)), axis=1)
    assert moved.max() <= 4 * np.sqrt(2) + 0.1 and moved.max() > 2 * np.sqrt(2)
    augment = Augmenter()
    small, large = (augment._displacements(200, side, np.random.default_rng(0))
                    for side in (28, 56))
    assert large.std() / small.std() == pytest.approx(2, rel=0.1)


def test_augmentation_raises_held_out_accuracy_with_ten_samples_per_class():
    datasets = pytest.importorskip("sklearn.datasets")
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    with threadpool_limits(1):  # matrices this small gain nothing from BLAS threads but can
        gains = held_out_gains(datasets.load_digits())  # lose a lot to them on a busy machine
    assert min(gains) > 0.01 and np.mean(gains) > 0.015


def held_out_gains(digits) -> list[float]:
    """Accuracy with minus without augmentation, for two random picks of 10 digits per class."""
    from model.network import StaticNetwork
    from model.train import TrainingConfig, evaluate, train

    x = preprocess_many(list(digits.images), PreprocessConfig())  # 8×8, 0..16, light on dark
    labels = digits.target
    gains = []
    for split in (0, 1):
        rng = np.random.default_rng(split)
        picked = np.concatenate([rng.choice(np.flatnonzero(labels == c), 10, replace=False)
                                 for c in range(10)])
        held_out = np.setdiff1d(np.arange(len(labels)), picked)
        accuracy = []
        for augment in (None, Augmenter()):
            network = StaticNetwork(784, [128], 10, rng=np.random.default_rng(0))
            config = TrainingConfig(epochs=800, validation_split=0, seed=0)
            train(network, x[picked], labels[picked], config, augment=augment)
            accuracy.append(evaluate(network, x[held_out], labels[held_out])[1])
        print(f"split {split}: {len(held_out)} held-out digits, accuracy without "
              f"augmentation {accuracy[0]:.3f}, with {accuracy[1]:.3f}")
        gains.append(accuracy[1] - accuracy[0])
    return gains
