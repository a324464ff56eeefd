"""Full-batch GD workloads: the package's Lightning path against a plain PyTorch loop.

Both paths make the same gradient steps on the same data, from the same initialisation,
and record the training risk every ``record_every`` steps. They run alternately in one
process, so that a change in the machine's load affects both.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch

from nndyn import TwoLayerNet, single_neuron_data, train


@dataclass
class Workload:
    """One GD workload: sizes, step count and recording interval."""

    n: int = 50
    d: int = 20
    m: int = 1000
    steps: int = 2000
    record_every: int = 50
    lr: float = 0.01

    @property
    def name(self) -> str:
        return f"full-batch GD, n={self.n}, m={self.m}, d={self.d}"


def plain_loop(w: Workload, net: TwoLayerNet, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """The reference: a hand-written PyTorch loop doing the same steps and records."""
    opt = torch.optim.SGD(net.parameters(), lr=w.lr)
    losses = []
    with torch.no_grad():
        losses.append((0.5 * (net(x) - y).pow(2).mean()).item())
    for k in range(1, w.steps + 1):
        opt.zero_grad(set_to_none=True)
        loss = 0.5 * (net(x) - y).pow(2).mean()
        loss.backward()
        opt.step()
        if k % w.record_every == 0:
            with torch.no_grad():
                losses.append((0.5 * (net(x) - y).pow(2).mean()).item())
    return losses


def lightning_path(w: Workload, net: TwoLayerNet, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """The package's path: :func:`nndyn.train` (Lightning Trainer included)."""
    return list(train(net, x, y, lr=w.lr, steps=w.steps, record_every=w.record_every).loss)


def measure(w: Workload, rounds: int = 5) -> dict[str, float]:
    """Seconds per step of both paths (medians over alternating rounds) and their ratio."""
    data = single_neuron_data(w.n, w.d, seed=0)
    x, y = data.x_train, data.y_train
    times = {"lightning": [], "plain": []}
    # warm-up: the first Trainer pays imports and one-time set-up
    lightning_path(Workload(**{**w.__dict__, "steps": 10, "record_every": 10}), TwoLayerNet(w.d, w.m, seed=0), x, y)
    for _ in range(rounds):
        for name, fn in (("plain", plain_loop), ("lightning", lightning_path)):
            net = TwoLayerNet(w.d, w.m, init="balanced", seed=0)
            start = time.perf_counter()
            losses = fn(w, net, x, y)
            times[name].append(time.perf_counter() - start)
        assert len(losses) == w.steps // w.record_every + 1
    per_step = {k: statistics.median(v) / w.steps for k, v in times.items()}
    ratios = [lt / pt for lt, pt in zip(times["lightning"], times["plain"])]
    return {**per_step, "ratio": statistics.median(ratios)}


if __name__ == "__main__":
    for m in (50, 1000, 10000):
        r = measure(Workload(m=m, steps=2000 if m <= 1000 else 300))
        print(f"m={m}: lightning {r['lightning'] * 1e3:.3f} ms/step, plain {r['plain'] * 1e3:.3f} ms/step, ratio {r['ratio']:.3f}")
