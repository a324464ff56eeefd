"""Tangent-kernel (Gram) computations of chapters 6 and 8: the package's functions against plain PyTorch.

Here one "step" is one computation of one Gram matrix
:math:`G_{ii'}=\\langle\\nabla_\\theta f(x_i),\\nabla_\\theta f(x_{i'})\\rangle`.

* :func:`nndyn.ntk.empirical_ntk` and :func:`nndyn.kernels.empirical_gram` (``torch.func``:
  ``vmap`` of ``jacrev``) against the plain way: one forward and one
  ``torch.autograd.grad`` per point, the per-point gradients stacked into the Jacobian
  :math:`J` and :math:`G=JJ^\\top`;
* :func:`nndyn.kernels.explicit_gram` (the notes' formula, computed at every record of the
  chapter 6 and 7 runs) against the same formula written inline.

The sizes are those of the book's ``full`` preset: ``ntk_convergence`` (16 points of
:math:`\\mathbb S^{9}`, depths 2 to 4, widths up to 1024), ``lazy_dynamics`` (20 points,
depth 3, widths up to 512) and ``kernel_regime_training`` (50 points of
:math:`\\mathbb S^{19}`, widths 100 to 3000).
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from gd_workloads import cpu_ratios

from nndyn import TwoLayerNet
from nndyn.data import sample_sphere
from nndyn.deep import DeepReLUNet
from nndyn.kernels import empirical_gram, explicit_gram
from nndyn.ntk import empirical_ntk


def plain_jacobian_gram(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The reference: per-point autograd gradients, stacked, times their transpose."""
    params = [p for p in model.parameters() if p.requires_grad]
    rows = []
    for i in range(x.shape[0]):
        out = model(x[i : i + 1]).reshape(())
        grads = torch.autograd.grad(out, params)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    jac = torch.stack(rows)
    return (jac @ jac.T).detach()


def plain_explicit_gram(net: TwoLayerNet, x: torch.Tensor) -> torch.Tensor:
    """The reference for :func:`~nndyn.kernels.explicit_gram`: the notes' formula, inline."""
    with torch.no_grad():
        pre = x @ net.B.T
        phi = torch.relu(pre)
        dphi = (pre > 0).to(x.dtype) * net.a.abs()
        return net.output_scale**2 * (phi @ phi.T + (dphi @ dphi.T) * (x @ x.T))


@dataclass
class GramWorkload:
    """One Gram-matrix computation: a label, a model, points, the package's function and the plain one."""

    name: str
    chapter: str
    make: Callable[[], tuple[torch.nn.Module, torch.Tensor]]
    package: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]
    plain: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]
    package_name: str
    plain_name: str
    reps: int = 1


def _deep(d: int, n: int, width: int, depth: int) -> Callable[[], tuple[torch.nn.Module, torch.Tensor]]:
    return lambda: (DeepReLUNet(d, width, depth, seed=0), sample_sphere(n, d, seed=0))


def _two_layer(d: int, n: int, m: int, init: str) -> Callable[[], tuple[torch.nn.Module, torch.Tensor]]:
    def make():
        net = TwoLayerNet(d, m, init=init, seed=0)
        if init == "notes":  # a_j = 0 at the notes' initialisation: move a away from 0 as after training
            with torch.no_grad():
                net.a.copy_(torch.linspace(-1, 1, m, dtype=net.a.dtype) / m**0.5)
        return net, sample_sphere(n, d, seed=0)

    return make


WORKLOADS: list[GramWorkload] = [
    GramWorkload("empirical NTK, depth 4, width 1024, n=16, d=10", "8 (ntk_convergence)", _deep(10, 16, 1024, 4),
                 empirical_ntk, plain_jacobian_gram, "ntk.empirical_ntk", "per-point autograd", reps=1),
    GramWorkload("empirical NTK, depth 3, width 512, n=20, d=10", "8 (lazy_dynamics)", _deep(10, 20, 512, 3),
                 empirical_ntk, plain_jacobian_gram, "ntk.empirical_ntk", "per-point autograd", reps=3),
    GramWorkload("empirical NTK, depth 2, width 64, n=16, d=10", "8 (ntk_convergence)", _deep(10, 16, 64, 2),
                 empirical_ntk, plain_jacobian_gram, "ntk.empirical_ntk", "per-point autograd", reps=20),
    GramWorkload("empirical Gram, two-layer, m=100, n=50, d=20", "6 (kernel_regime_training)", _two_layer(20, 50, 100, "notes"),
                 empirical_gram, plain_jacobian_gram, "kernels.empirical_gram", "per-point autograd", reps=10),
    GramWorkload("explicit Gram, two-layer, m=3000, n=50, d=20", "6, 7 (movement probes)", _two_layer(20, 50, 3000, "notes"),
                 explicit_gram, plain_explicit_gram, "kernels.explicit_gram", "formula inline", reps=20),
]


def measure_gram(w: GramWorkload, rounds: int = 5) -> dict[str, float]:
    """Seconds per Gram computation of both (medians over alternating rounds of ``w.reps`` computations) and the ratio."""
    model, x = w.make()
    k_pkg, k_plain = w.package(model, x), w.plain(model, x)  # warm-up, and the check that both agree
    rel = float((k_pkg - k_plain).abs().max() / k_plain.abs().max())
    assert rel < 1e-10, (w.name, rel)
    times: dict[str, list[float]] = {"package": [], "plain": []}
    cpu: dict[str, list[float]] = {"package": [], "plain": []}
    faults: dict[str, list[float]] = {"package": [], "plain": []}
    for r in range(rounds):
        order = (("plain", w.plain), ("package", w.package))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            cpu_start = time.process_time()
            start = time.perf_counter()
            for _ in range(w.reps):
                fn(model, x)
            times[name].append((time.perf_counter() - start) / w.reps)
            faults[name].append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start) / w.reps)
            cpu[name].append((time.process_time() - cpu_start) / w.reps)
    ratios = [p / q for p, q in zip(times["package"], times["plain"])]
    return {
        "package": statistics.median(times["package"]),
        "plain": statistics.median(times["plain"]),
        "ratio": statistics.median(ratios),
        "ratio_low": min(ratios),
        "ratio_high": max(ratios),
        "ratio_min": min(times["package"]) / min(times["plain"]),
        **cpu_ratios(cpu["package"], cpu["plain"], 1),
        "rel_diff": rel,
        "package_faults": statistics.median(faults["package"]),
        "plain_faults": statistics.median(faults["plain"]),
    }


if __name__ == "__main__":
    for w in WORKLOADS:
        r = measure_gram(w)
        print(f"{w.name}: package {r['package'] * 1e3:.2f} ms, plain {r['plain'] * 1e3:.2f} ms, ratio {r['ratio']:.3f} "
              f"(of minima {r['ratio_min']:.3f}), rel. diff {r['rel_diff']:.1e}", flush=True)
