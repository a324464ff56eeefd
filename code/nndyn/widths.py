"""Gradient descent at several widths at once: the kernel-regime runs of chapters 6 and 7.

:func:`train_widths` trains networks of the notes' initialisation (:math:`a=0`,
:math:`b_j` uniform on the sphere) of several widths :math:`m` on the **same** data
``(x, y)`` that the caller gives it, each with learning rate ``lr_scale / m`` (the
:math:`1/m` scaling that keeps gradient descent stable in the notes' parametrisation),
side by side in one :class:`MultiWidthNet`. The experiments
:mod:`nndyn.experiments.kernel_regime_training`, :mod:`~nndyn.experiments.nn_vs_rfm` and
:mod:`~nndyn.experiments.nn_rfm_dynamics` use it with points uniform on
:math:`\\mathbb S^{d-1}` labelled by :math:`\\sigma(x^{(1)})`
(:func:`nndyn.data.single_neuron_data`); exercises can call it with any data.
:func:`fitted_slope` is the log-log slope of :func:`nndyn.plotting.loglog_slope`.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from .kernels import explicit_gram
from .models import TwoLayerNet
from .plotting import loglog_slope
from .seeding import derive_seed
from .training import Trajectory, probes, train

__all__ = ["MultiWidthNet", "block_movement", "block_risks", "block_seed", "fitted_slope", "single_thread",
           "train_widths", "weighted_risk"]


@contextlib.contextmanager
def single_thread():
    """Run torch on one thread inside the block (restored afterwards).

    The matrices of these experiments are small (tens of rows), so one thread is
    faster, and much faster on a machine whose cores are shared.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def fitted_slope(x, y) -> float:
    """Least-squares slope of :math:`\\log y` against :math:`\\log x` (the same as :func:`nndyn.plotting.loglog_slope`)."""
    return loglog_slope(x, y)


def block_seed(seed: int, m: int) -> int:
    """The seed of the width-``m`` network among several trained side by side from ``seed``."""
    return derive_seed(seed, "width", m)


class MultiWidthNet(torch.nn.Module):
    """Several networks of the notes' initialisation, of different widths, trained side by side.

    Block ``w`` holds the parameters of ``TwoLayerNet(d, widths[w], seed=block_seed(seed, widths[w]))``,
    so blocks of different widths are independent draws; the
    forward pass returns one column of outputs per block. Gradient descent with
    learning rate 1 on :func:`weighted_risk` is gradient descent with learning rate
    ``lr_scale / widths[w]`` on each block: the blocks do not interact, and one batched
    step replaces one step per width.
    """

    def __init__(self, d: int, widths, *, seed: int = 0, random_features: bool = False) -> None:
        super().__init__()
        self.d = d
        self.widths = tuple(int(m) for m in widths)
        blocks = [TwoLayerNet(d, m, init="notes", seed=block_seed(seed, m)) for m in self.widths]
        self.a = torch.nn.Parameter(torch.cat([b.a.detach() for b in blocks]))
        self.B = torch.nn.Parameter(torch.cat([b.B.detach() for b in blocks]), requires_grad=not random_features)
        ids = torch.repeat_interleave(torch.arange(len(self.widths)), torch.tensor(self.widths))
        self.register_buffer("assign", torch.nn.functional.one_hot(ids, len(self.widths)).to(self.a.dtype))
        self.slices = [slice(s - m, s) for s, m in zip(np.cumsum(self.widths), self.widths)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (torch.relu(x @ self.B.T) * self.a) @ self.assign

    def block(self, w: int) -> TwoLayerNet:
        """Block ``w`` as a stand-alone :class:`TwoLayerNet` (a copy)."""
        net = TwoLayerNet(self.d, self.widths[w], init="notes")
        with torch.no_grad():
            net.a.copy_(self.a[self.slices[w]])
            net.B.copy_(self.B[self.slices[w]])
        return net


def weighted_risk(lrs: torch.Tensor, widths=None):
    """The objective :math:`\\sum_w \\eta_w\\hat{\\mathcal R}_n^{(w)}` of a :class:`MultiWidthNet` (not a risk).

    The function has an attribute ``columns(pred, y)``: the training risk
    :math:`\\hat{\\mathcal R}_n^{(w)}` of every block, named ``train_risk_m{m}`` after its
    width (and its index ``w`` too, ``train_risk_w{w}_m{m}``, if a width appears twice;
    ``train_risk_w{w}`` when ``widths`` is not given). A run of the
    command line logs these columns in ``metrics.csv`` instead of the weighted sum.
    """
    names = [f"train_risk_m{m}" for m in widths] if widths is not None else [f"train_risk_w{w}" for w in range(len(lrs))]
    if len(set(names)) < len(names):  # a width given twice: name the blocks by index too
        names = [f"train_risk_w{w}_m{m}" for w, m in enumerate(widths)]
    if len(names) != len(lrs):
        raise ValueError(f"widths must have one entry per learning rate ({len(lrs)}), got {len(names)}")

    def block_risk(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 0.5 * (pred - y[:, None]).pow(2).mean(dim=0)

    def risk(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (lrs * block_risk(pred, y)).sum()

    def columns(pred: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        return dict(zip(names, block_risk(pred, y)))

    risk.columns = columns
    return risk


def block_risks(x: torch.Tensor, y: torch.Tensor):
    """A probe: the risk :math:`\\frac1{2n}\\sum_i(f_w(x_i)-y_i)^2` of every block on ``(x, y)``."""

    def probe(module) -> torch.Tensor:
        return (0.5 * (module.model(x) - y[:, None]).pow(2).mean(dim=0)).detach()

    return probe


def block_movement(x: torch.Tensor, model: MultiWidthNet):
    """A probe: per block, :math:`\\|\\theta-\\theta_0\\|`, :math:`\\max_j\\|b_j-b_j(0)\\|`, :math:`\\max_j|a_j|` and :math:`\\|\\hat K(\\theta)-\\hat K(\\theta_0)\\|_F`; shape ``(4, W)``."""
    k0 = [explicit_gram(model.block(w), x) / m for w, m in enumerate(model.widths)]
    a0, B0 = model.a.detach().clone(), model.B.detach().clone()

    def probe(module) -> torch.Tensor:
        net = module.model
        out = torch.empty(4, len(net.widths), dtype=net.a.dtype)
        with torch.no_grad():
            da = (net.a - a0).pow(2)
            db = (net.B - B0).pow(2).sum(dim=1)
            for w, (s, m) in enumerate(zip(net.slices, net.widths)):
                out[0, w] = (da[s].sum() + db[s].sum()).sqrt()
                out[1, w] = db[s].max().sqrt()
                out[2, w] = net.a[s].abs().max()
                out[3, w] = (explicit_gram(net.block(w), x) / m - k0[w]).norm()
        return out

    return probe


def train_widths(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    widths,
    lr_scale: float,
    steps: int,
    record_every: int,
    seed: int,
    random_features: bool = False,
    x_probe: torch.Tensor | None = None,
    y_probe: torch.Tensor | None = None,
    movement: bool = False,
    extra_probes: dict | None = None,
) -> tuple[MultiWidthNet, Trajectory]:
    """Gradient descent with learning rate ``lr_scale / m`` at every width of ``widths`` at once.

    The trajectory's ``records`` hold ``"risk"`` (records x widths), and optionally
    ``"pred"`` (records x probe points x widths), ``"test_risk"`` and ``"movement"``
    (records x 4 x widths, see :func:`block_movement`), and one record per entry of
    ``extra_probes`` (more probes, :mod:`nndyn.training.probes`). Time at width :math:`m` is
    ``lr_scale / m * traj.step``.
    """
    model = MultiWidthNet(x.shape[1], widths, seed=seed, random_features=random_features)
    lrs = torch.tensor([lr_scale / m for m in model.widths], dtype=x.dtype)
    pr = {"risk": block_risks(x, y)}
    if x_probe is not None:
        pr["pred"] = probes.predictions_on(x_probe)
        if y_probe is not None:
            pr["test_risk"] = block_risks(x_probe, y_probe)
    if movement:
        pr["movement"] = block_movement(x, model)
    clash = sorted(set(extra_probes or {}) & set(pr))
    if clash:
        raise ValueError(f"extra_probes must not reuse the names of train_widths' own records: {clash}")
    pr.update(extra_probes or {})
    with single_thread():
        traj = train(model, x, y, lr=1.0, steps=steps, record_every=record_every, risk=weighted_risk(lrs, model.widths), probes=pr)
    return model, traj
