"""Held-out accuracy and speed of the built-in models in resources/models/ (run by hand).

    .venv/bin/python bench/builtin_models.py

Digits: the 1,000 MNIST digits the recipe holds out, and canvas-style drawings (the 500 the
recipe reports, seed 2026, plus 1,000 fresh ones, seed 7). Printed: letters and digits drawn
as on the canvas (bench/canvas_letters.py, seed 2028), and glyphs of the printed and
handwriting-like designs held out of training, rendered with fresh distortions (seed 2027).
Speed: loading each model, and preprocess + forward pass of one 280x280 canvas drawing (median
of 200).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from model.builtin import builtin_path
from model.evaluation import evaluate_classifier
from model.modelfile import load_model

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "resources"), str(ROOT / "bench")]

import build_models  # noqa: E402
from canvas_digits import make_set  # noqa: E402
from canvas_letters import make_set as canvas_letters  # noqa: E402


def median_ms(run, repeats: int = 200) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    for name in ("digits", "printed"):
        start = time.perf_counter()
        load_model(builtin_path(name))
        print(f"{name}: loads in {1000 * (time.perf_counter() - start):.0f} ms")
    digits = load_model(builtin_path("digits"))
    _, _, x_test, y_test = build_models.mnist_split()
    score = evaluate_classifier(digits, list(x_test), list(y_test))
    print(f"digits, held-out MNIST: {score.accuracy:.2%} of {score.n}")
    for seed, per_class in ((2026, 50), (7, 100)):
        drawings = make_set(per_class, seed)
        score = evaluate_classifier(digits, [im for im, _ in drawings],
                                    [label for _, label in drawings])
        print(f"digits, canvas drawings (seed {seed}): {score.accuracy:.2%} of {score.n}")
    drawing = drawings[0][0]
    print(f"digits, one canvas drawing, preprocess + forward: "
          f"{median_ms(lambda: digits.recognize(drawing, read_text=False)):.2f} ms")
    printed = load_model(builtin_path("printed"))
    drawings = canvas_letters(20, 2028)
    score = evaluate_classifier(printed, [im for im, _ in drawings],
                                [label for _, label in drawings])
    print(f"printed, canvas letters and digits (seed 2028): top-1 {score.accuracy:.2%}, "
          f"look-alikes merged {build_models.merged_accuracy(score):.2%} of {score.n}")
    faces = build_models.typefaces(build_models.PRINTED_CLASSES)
    for kind, score in build_models.held_out_scores(printed, faces, 2027).items():
        print(f"printed, held-out {kind} designs ({', '.join(score['designs'])}): top-1 "
              f"{score['top1']:.2%}, look-alikes merged {score['top1_merged']:.2%} of "
              f"{score['n']}")

if __name__ == "__main__":
    main()
