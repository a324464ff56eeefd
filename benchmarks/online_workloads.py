"""Online SGD on the parity (chapter 4): :func:`nndyn.training.online.train_online` against a plain loop.

Both paths train ``TwoLayerNet(d + 1, width, init="balanced", dtype=float32)`` (the
constant input coordinate gives the neurons a bias, as in the book's ``parity_sgd``
experiment) by online SGD with the hinge loss, on the same fresh batches (the
package's :class:`~nndyn.training.online.ParityStream`), and evaluate the test hinge loss
and accuracy on the same test set of ``n_test`` points at step 0, every ``eval_every``
steps and at the end, as the book does. The plain loop also reads every step's loss
(``loss.item()``), which the package needs for its mean training loss.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch
from gd_workloads import cpu_ratios

from nndyn import TwoLayerNet
from nndyn.data import parity_target, sample_hypercube
from nndyn.losses import hinge_risk
from nndyn.training.online import ParityStream, train_online, with_bias_input


@dataclass
class OnlineWorkload:
    """One online-SGD workload of chapter 4 (the ``full`` preset's largest dimension)."""

    d: int = 20
    width: int = 2000
    batch_size: int = 2000
    steps: int = 100
    eval_every: int = 25
    n_test: int = 2000
    lr: float = 0.2
    seed: int = 103  # the stream seed of the book's d=20 run (config.seed + 100 + 3)

    @property
    def name(self) -> str:
        return f"online SGD on parity, d={self.d}, width {self.width}, batch {self.batch_size}, float32"

    def network(self) -> TwoLayerNet:
        return TwoLayerNet(self.d + 1, self.width, init="balanced", seed=3, dtype=torch.float32)


def plain_online(w: OnlineWorkload, net: TwoLayerNet) -> dict[str, list[float]]:
    """The reference: a hand-written online-SGD loop making the package's steps and evaluations."""
    stream = ParityStream(w.d, w.batch_size, w.steps, seed=w.seed, dtype=torch.float32, bias_input=True)
    x_test = sample_hypercube(w.n_test, w.d, seed=w.seed + 7_777_777, dtype=torch.float32)
    y_test = parity_target(x_test)
    x_test = with_bias_input(x_test, True)
    opt = torch.optim.SGD(net.parameters(), lr=w.lr)
    history: dict[str, list[float]] = {"step": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
    loss_sum, count = 0.0, 0

    def evaluate(step: int) -> None:
        nonlocal loss_sum, count
        with torch.no_grad():
            pred = net(x_test)
            test_loss = hinge_risk(pred, y_test).item()
            test_acc = (torch.sign(pred) == y_test).double().mean().item()
        train_loss = loss_sum / count if count else test_loss
        loss_sum, count = 0.0, 0
        for key, value in zip(history, (step, train_loss, test_loss, test_acc)):
            history[key].append(float(value))

    evaluate(0)
    for step, (x, y) in enumerate(stream, start=1):
        loss = hinge_risk(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += loss.item()
        count += 1
        if step % w.eval_every == 0 or step == w.steps:
            evaluate(step)
    return history


def package_online(w: OnlineWorkload, net: TwoLayerNet) -> dict[str, list[float]]:
    """The package's path: :func:`nndyn.training.online.train_online` (Lightning Trainer included)."""
    traj = train_online(
        net, d=w.d, batch_size=w.batch_size, steps=w.steps, lr=w.lr, eval_every=w.eval_every,
        n_test=w.n_test, seed=w.seed, bias_input=True,
    )
    return {k: list(map(float, getattr(traj, k))) for k in ("step", "train_loss", "test_loss", "test_accuracy")}


def measure_online(w: OnlineWorkload, rounds: int = 3) -> dict[str, float]:
    """Seconds per step of both paths (medians over alternating rounds), their ratio, and a check that they agree."""
    warm = OnlineWorkload(**{**w.__dict__, "steps": 10, "eval_every": 5})
    package_online(warm, warm.network())
    plain_online(warm, warm.network())
    times: dict[str, list[float]] = {"package": [], "plain": []}
    cpu: dict[str, list[float]] = {"package": [], "plain": []}
    faults: dict[str, list[int]] = {"package": [], "plain": []}
    results = {}
    for r in range(rounds):
        order = (("plain", plain_online), ("package", package_online))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            net = w.network()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            cpu_start = time.process_time()
            start = time.perf_counter()
            results[name] = fn(w, net)
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
            faults[name].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    a, b = results["package"], results["plain"]
    assert a["step"] == b["step"], (a["step"], b["step"])
    diff = max(float(np.max(np.abs(np.subtract(a[k], b[k])))) for k in ("train_loss", "test_loss", "test_accuracy"))
    ratios = [p / q for p, q in zip(times["package"], times["plain"])]
    return {
        "package": statistics.median(times["package"]) / w.steps,
        "plain": statistics.median(times["plain"]) / w.steps,
        "ratio": statistics.median(ratios),
        "ratio_low": min(ratios),
        "ratio_high": max(ratios),
        "ratio_min": min(times["package"]) / min(times["plain"]),
        **cpu_ratios(cpu["package"], cpu["plain"], w.steps),
        "max_abs_diff": diff,
        "package_faults": statistics.median(faults["package"]) / w.steps,
        "plain_faults": statistics.median(faults["plain"]) / w.steps,
        "records": len(a["step"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--json", action="store_true", help="print the result as one line of JSON")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    w = OnlineWorkload()
    r = measure_online(w, args.rounds)
    if args.json:
        print(json.dumps(r))
        return
    print(f"{w.name}: package {r['package'] * 1e3:.2f} ms/step, plain {r['plain'] * 1e3:.2f} ms/step, "
          f"ratio {r['ratio']:.3f} (of minima {r['ratio_min']:.3f}); page faults per step {r['package_faults']:.0f} "
          f"and {r['plain_faults']:.0f}; histories differ by {r['max_abs_diff']:.1e}")


if __name__ == "__main__":
    main()
