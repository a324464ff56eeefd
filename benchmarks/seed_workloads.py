"""Several seeds as one batched computation (:func:`nndyn.training.batched.train_seeds`) against one seed.

The workload is a small full-batch GD run of the book: ``n=50`` points of
:math:`\\mathbb S^{19}` labelled by a single neuron, a two-layer network of width ``m``
(balanced initialisation), float64. Alternately in one process, each round times

* ``batched S``: ``train_seeds`` with ``S`` seeds (default 8), all seeds in one computation;
* ``plain 1``: one seed by the plain PyTorch loop of :mod:`gd_workloads`;
* ``train 1``: one seed by :func:`nndyn.train` (the package's Lightning path);
* ``batched 1``: ``train_seeds`` with one seed,

all with the same number of steps and records. The target of the issue: ``S = 8`` seeds
batched cost at most twice one seed.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from gd_workloads import Workload, plain_loop  # noqa: E402

from nndyn import TwoLayerNet, single_neuron_data, train  # noqa: E402
from nndyn.training.batched import train_seeds  # noqa: E402


@dataclass
class SeedWorkload:
    """Sizes of the seeds workload."""

    n: int = 50
    d: int = 20
    m: int = 50
    seeds: int = 8
    steps: int = 2000
    record_every: int = 50
    lr: float = 0.1

    @property
    def name(self) -> str:
        return f"full-batch GD, n={self.n}, m={self.m}, d={self.d}, {self.seeds} seeds"


def measure_seeds(w: SeedWorkload, rounds: int = 5) -> dict[str, float]:
    """Seconds per step of every variant (medians over alternating rounds) and the ratios to ``batched S``."""
    data = single_neuron_data(w.n, w.d, seed=0)
    x, y = data.x_train, data.y_train
    gd = Workload(n=w.n, d=w.d, m=w.m, steps=w.steps, record_every=w.record_every, lr=w.lr)

    def batched(n_seeds: int):
        return lambda: train_seeds(x, y, m=w.m, seeds=range(n_seeds), lr=w.lr, steps=w.steps, record_every=w.record_every)

    variants = {
        "batched": batched(w.seeds),
        "plain1": lambda: plain_loop(gd, TwoLayerNet(w.d, w.m, init="balanced", seed=0), x, y),
        "train1": lambda: train(TwoLayerNet(w.d, w.m, init="balanced", seed=0), x, y, lr=w.lr, steps=w.steps, record_every=w.record_every),
        "batched1": batched(1),
    }
    # warm-up, and the check that seed 0 of the batched run is the single-seed run
    runs = train_seeds(x, y, m=w.m, seeds=range(w.seeds), lr=w.lr, steps=50, record_every=10)
    single = plain_loop(Workload(n=w.n, d=w.d, m=w.m, steps=50, record_every=10, lr=w.lr),
                        TwoLayerNet(w.d, w.m, init="balanced", seed=0), x, y)
    assert max(abs(a - b) for a, b in zip(runs.loss[0], single)) < 1e-10
    train(TwoLayerNet(w.d, w.m, init="balanced", seed=0), x, y, lr=w.lr, steps=10, record_every=5)
    times: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    names = list(variants)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            cpu_start = time.process_time()
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
    out = {k: statistics.median(v) / w.steps for k, v in times.items()}
    out.update({f"{k}_cpu": statistics.median(v) / w.steps for k, v in cpu.items()})
    for base in ("plain1", "train1", "batched1"):
        out[f"ratio_{base}"] = statistics.median(b / t for b, t in zip(times["batched"], times[base]))
        out[f"ratio_cpu_{base}"] = statistics.median(b / t for b, t in zip(cpu["batched"], cpu[base]))
    return out


if __name__ == "__main__":
    for m in (50, 100):
        w = SeedWorkload(m=m)
        r = measure_seeds(w)
        print(f"{w.name}: batched {r['batched'] * 1e3:.3f} ms/step; one seed: plain {r['plain1'] * 1e3:.3f}, "
              f"train {r['train1'] * 1e3:.3f}, batched {r['batched1'] * 1e3:.3f}; ratios {r['ratio_plain1']:.2f}, "
              f"{r['ratio_train1']:.2f}, {r['ratio_batched1']:.2f}", flush=True)
