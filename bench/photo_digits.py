"""Digits as people bring them: phone photos of drawings, dusty and noisy MNIST (run by hand).

    .venv/bin/python bench/photo_digits.py [--per-class 30] [--model digits]

Accuracy of a model (default: the built-in digits model) on canvas-style drawings
(bench/canvas_digits.py, seed 11), clean and as phone photos (bench/degrade.py: upscaled 2×,
grey or coloured ink, tinted paper, light falling off across the sheet, vignette, noise, JPEG),
and on the 1,000 held-out MNIST digits of resources/build_models.py, clean, speckled and noisy.
A blank verdict counts as wrong. Also the time from a 12-megapixel photo to the network input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from model.builtin import builtin_path
from model.classifier import Classifier
from model.modelfile import load_model
from model.preprocess import EmptyGlyphError, preprocess

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "resources"), str(ROOT / "bench")]

import build_models  # noqa: E402
from canvas_digits import make_set  # noqa: E402
from degrade import noisy, photo, speckled  # noqa: E402


def accuracy(classifier: Classifier, images: list, labels: list[str]) -> float:
    """Share of images whose best label is right; a blank image counts as wrong."""
    right = 0
    for image, label in zip(images, labels, strict=True):
        try:
            recognition = classifier.recognize(image, read_text=False)
        except EmptyGlyphError:
            continue
        right += recognition.label == label
    return right / len(images)


def photo_ms(rng: np.random.Generator, repeats: int = 5) -> float:
    """Median time (ms) from a 4000×3000 RGB photo of a drawing to the network input."""
    drawing = make_set(1, 3)[8][0]
    image = photo(drawing, rng, scale=3000 / drawing.shape[0]).crop((0, 0, 4000, 3000))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        preprocess(image)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--model", default="digits")
    args = parser.parse_args()
    model_path = builtin_path(args.model) if args.model in ("digits", "printed") else args.model
    classifier = load_model(model_path)
    rng = np.random.default_rng(2027)
    drawings = make_set(args.per_class, 11)
    images, labels = [im for im, _ in drawings], [label for _, label in drawings]
    photos = [photo(im, rng) for im in images]
    print(f"model {model_path}")
    print(f"canvas drawings, clean:  {accuracy(classifier, images, labels):.2%} of {len(images)}")
    print(f"canvas drawings, photos: {accuracy(classifier, photos, labels):.2%} of {len(images)}")
    _, _, x_test, y_test = build_models.mnist_split()
    mnist, mnist_labels = list(x_test), [str(y) for y in y_test]
    for name, images in (("clean", mnist), ("speckled", [speckled(im, rng) for im in mnist]),
                         ("noisy", [noisy(im, rng) for im in mnist])):
        print(f"MNIST held out, {name:<8} {accuracy(classifier, images, mnist_labels):.2%} of "
              f"{len(images)}")
    print(f"12-megapixel photo to network input: {photo_ms(rng):.0f} ms (budget 300 ms)")


if __name__ == "__main__":
    main()
