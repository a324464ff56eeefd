"""Full-batch GD workloads: the package's Lightning path against a plain PyTorch loop.

Both paths make the same gradient steps on the same data, from the same initialisation,
and record the training risk every ``record_every`` steps. They run alternately in one
process (the order swapped every round), so that a change in the machine's load affects
both. The Lightning path carries a :class:`HookClock`, which stamps the time at its hooks
(three ``perf_counter`` calls per ``training_step``), to split its time into set-up,
time inside ``training_step`` and time between calls.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import pytorch_lightning as pl
import torch

from nndyn import TwoLayerNet, single_neuron_data, train


class HookClock(pl.Callback):
    """Stamps ``time.perf_counter()`` at the hooks of one fit."""

    def __init__(self) -> None:
        self.train_start = 0.0
        self.batch_start: list[float] = []
        self.batch_end: list[float] = []

    def on_train_start(self, trainer, pl_module) -> None:
        self.train_start = time.perf_counter()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.batch_start.append(time.perf_counter())

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.batch_end.append(time.perf_counter())

    def split(self, start: float, end: float) -> dict[str, float]:
        """Seconds before the first call, inside the calls, between calls (records included) and after the last."""
        inside = sum(e - s for s, e in zip(self.batch_start, self.batch_end))
        between = self.batch_start[0] - self.train_start + sum(
            s - e for e, s in zip(self.batch_end[:-1], self.batch_start[1:])
        )
        return {
            "before": self.train_start - start,
            "inside": inside,
            "between": between,
            "after": end - self.batch_end[-1],
            "calls": len(self.batch_start),
        }


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


def cpu_ratios(package: list[float], plain: list[float], steps: int, name: str = "package") -> dict[str, float]:
    """CPU seconds per step (medians) and the CPU-time ratio package/plain: median and range over the rounds.

    CPU time (``time.process_time``, all threads of the process) is the work the process did;
    unlike wall-clock time it does not count the time the process waits for a core that other
    work on the machine holds. With one torch thread it is the cost of the steps.
    """
    r = [a / b for a, b in zip(package, plain)]
    return {
        f"{name}_cpu": statistics.median(package) / steps,
        "plain_cpu": statistics.median(plain) / steps,
        "ratio_cpu": statistics.median(r),
        "ratio_cpu_low": min(r),
        "ratio_cpu_high": max(r),
    }


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


def lightning_path(
    w: Workload, net: TwoLayerNet, x: torch.Tensor, y: torch.Tensor, clock: HookClock | None = None
) -> list[float]:
    """The package's path: :func:`nndyn.train` (Lightning Trainer included)."""
    callbacks = [clock] if clock is not None else []
    return list(train(net, x, y, lr=w.lr, steps=w.steps, record_every=w.record_every, callbacks=callbacks).loss)


def measure(w: Workload, rounds: int = 7) -> dict[str, float]:
    """Seconds per step of both paths (medians over alternating rounds), their ratio and where Lightning spends its time.

    Returns ``lightning`` and ``plain`` (median wall-clock seconds per step), ``ratio``
    (median of the rounds' ratios), ``ratio_low``/``ratio_high`` (their range), ``ratio_min``
    (ratio of the fastest rounds), the same with CPU time (see :func:`cpu_ratios`), and, for
    the Lightning path, the medians in seconds of ``before``
    (argument checks, Trainer, ``fit`` set-up, first record), ``between`` (Lightning's loop
    between calls, records included), ``inside`` (the ``training_step`` calls) and
    ``after``, with ``calls`` the number of ``training_step`` calls.
    """
    data = single_neuron_data(w.n, w.d, seed=0)
    x, y = data.x_train, data.y_train
    # warm-up: the first Trainer pays imports and one-time set-up
    short = Workload(**{**w.__dict__, "steps": 10, "record_every": 10})
    lightning_path(short, TwoLayerNet(w.d, w.m, seed=0), x, y)
    plain_loop(short, TwoLayerNet(w.d, w.m, seed=0), x, y)
    times: dict[str, list[float]] = {"lightning": [], "plain": []}
    cpu: dict[str, list[float]] = {"lightning": [], "plain": []}
    splits: list[dict[str, float]] = []
    results = {}
    for r in range(rounds):
        order = ("plain", "lightning") if r % 2 == 0 else ("lightning", "plain")
        for name in order:
            net = TwoLayerNet(w.d, w.m, init="balanced", seed=0)
            clock = HookClock()
            cpu_start = time.process_time()
            start = time.perf_counter()
            if name == "plain":
                results[name] = plain_loop(w, net, x, y)
            else:
                results[name] = lightning_path(w, net, x, y, clock)
            end = time.perf_counter()
            cpu[name].append(time.process_time() - cpu_start)
            times[name].append(end - start)
            if name == "lightning":
                splits.append(clock.split(start, end))
        assert len(results["plain"]) == len(results["lightning"]) == -(-w.steps // w.record_every) + 1
        assert max(abs(a - b) for a, b in zip(results["plain"], results["lightning"])) < 1e-10
    per_step = {k: statistics.median(v) / w.steps for k, v in times.items()}
    ratios = [lt / pt for lt, pt in zip(times["lightning"], times["plain"])]
    out = {
        **per_step,
        **cpu_ratios(cpu["lightning"], cpu["plain"], w.steps, "lightning"),
        "ratio": statistics.median(ratios),
        "ratio_low": min(ratios),
        "ratio_high": max(ratios),
        "ratio_min": min(times["lightning"]) / min(times["plain"]),
        "plain_total": statistics.median(times["plain"]),
        "inside_over_plain": statistics.median(s["inside"] / p for s, p in zip(splits, times["plain"])),
    }
    for key in ("before", "inside", "between", "after", "calls"):
        out[key] = statistics.median(s[key] for s in splits)
    return out


if __name__ == "__main__":
    for m in (50, 1000, 10000):
        r = measure(Workload(m=m, steps=4000 if m <= 50 else 2000 if m <= 1000 else 300))
        print(f"m={m}: lightning {r['lightning'] * 1e3:.3f} ms/step, plain {r['plain'] * 1e3:.3f} ms/step, ratio {r['ratio']:.3f}")
