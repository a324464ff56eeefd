"""Theorem 8 measured: gradient descent on the exact hinge risk of every parity stays put.

For each dimension :math:`d` the experiment takes one initialisation :math:`\\theta_0`
of a two-layer ReLU network and runs gradient descent on the *population* hinge risk
:math:`R^f(\\theta)=\\mathbb E_x\\max(0,1-h(x;\\theta)f(x))` (an exact average over all
:math:`2^d` points of :math:`\\{-1,1\\}^d`) for *every* parity :math:`f=\\chi_S`,
:math:`S\\subseteq\\{1,\\dots,d\\}`, all at once. It records the mean over the
:math:`2^d` targets of :math:`\\|\\theta^f_k-\\theta_0\\|^2`, whose bound in Theorem 8 is
:math:`\\Gamma_0 t^2/2^d` to first order in :math:`t=\\eta k` (the :math:`L\\to0` limit of the bound).

The network reads the input with a constant coordinate 1 appended (``bias_input``), as in
:mod:`nndyn.experiments.parity_sgd`. Without it the odd part of the ReLU network is linear, and every parity
of odd degree at least 3 receives exactly zero gradient at :math:`\\theta_0` and stays
frozen: an artefact of the architecture, recorded in ``frozen_fraction``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import check_positive, check_positive_int
from ..data import hypercube_points
from ..models import TwoLayerNet
from ..data import all_parities  # noqa: F401  (public in nndyn.data)
from ..kernels import gradient_energy  # noqa: F401  (public in nndyn.kernels)
from ..plotting import BOUND_STYLE, OKABE_ITO, figure
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Gradient descent on every parity stays at its initialisation (Theorem 8)"
CHAPTER = 4


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the population-GD experiment.

    Attributes
    ----------
    dims : tuple of int
        Dimensions :math:`d` (each between 1 and 14; the cost grows like :math:`4^d`).
    width : int
        Number of neurons :math:`m` of the network :math:`h=m^{-1/2}\\sum_j a_j\\sigma(b_j^\\top x)`.
    lr : float
        Step size :math:`\\eta`.
    steps : int
        Number of gradient steps :math:`k`; the time is :math:`t=\\eta k`.
    chunk : int
        Targets trained together in one batched computation (memory only).
    bias_input : bool
        Append a constant input coordinate 1 (the network reads ``d + 1`` coordinates), which
        gives every neuron a bias.
    """

    dims: tuple[int, ...] = tuple(range(3, 12))
    width: int = 8
    lr: float = 0.1
    steps: int = 10
    chunk: int = 256
    bias_input: bool = True

    PRESETS = {
        "quick": {"dims": tuple(range(3, 9))},
        "full": {},
        "lecture": {"dims": tuple(range(3, 13)), "width": 16},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.dims) < 2:
            raise ValueError(f"dims must hold at least 2 dimensions, got {self.dims}")
        for d in self.dims:
            if not 1 <= check_positive_int("dims", d) <= 14:
                raise ValueError(f"dims must be integers in [1, 14], got {d}")
        check_positive_int("width", self.width)
        check_positive("lr", self.lr)
        check_positive_int("steps", self.steps)
        check_positive_int("chunk", self.chunk)


@dataclass
class Result:
    """Mean squared distance from the initialisation, by dimension.

    Attributes
    ----------
    config : Config
    time : numpy.ndarray
        :math:`t=\\eta k` for :math:`k=0,\\dots,` ``steps``.
    mean_sq_distance : dict[int, numpy.ndarray]
        :math:`\\frac1{2^d}\\sum_f\\|\\theta^f_k-\\theta_0\\|^2` at each step, by dimension.
    G0 : dict[int, float]
        :math:`\\Gamma_0=\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2` (exact).
    mean_initial_speed_sq : dict[int, float]
        :math:`\\frac1{2^d}\\sum_f\\|\\nabla R^f(\\theta_0)\\|^2`, equal to :math:`\\Gamma_0/2^d` by Parseval.
    max_abs_output : dict[int, float]
        :math:`\\max_{f,k,x}|h(x;\\theta^f_k)|`: Theorem 8 assumes it is at most 1.
    final_risk_range : dict[int, tuple[float, float]]
        Smallest and largest final hinge risk over the targets.
    frozen_fraction : dict[int, float]
        Fraction of the targets whose initial gradient has squared norm below ``1e-30``
        (all parities of odd degree >= 3 without ``bias_input``; none with it).
    slope_log2 : float
        Least-squares slope of :math:`\\log_2` (final mean squared distance divided by
        :math:`\\Gamma_0`) against :math:`d`; :math:`\\Gamma_0` differs between the initialisations of
        the dimensions, and the theorem predicts the slope :math:`-1` for the ratio.
    """

    config: Config
    time: np.ndarray
    mean_sq_distance: dict[int, np.ndarray] = field(default_factory=dict)
    G0: dict[int, float] = field(default_factory=dict)
    mean_initial_speed_sq: dict[int, float] = field(default_factory=dict)
    max_abs_output: dict[int, float] = field(default_factory=dict)
    final_risk_range: dict[int, tuple[float, float]] = field(default_factory=dict)
    frozen_fraction: dict[int, float] = field(default_factory=dict)
    slope_log2: float = float("nan")

    def final(self) -> np.ndarray:
        """The final mean squared distance of each dimension, in the order of ``config.dims``."""
        return np.array([self.mean_sq_distance[d][-1] for d in self.config.dims])

    def first_order_bound(self) -> np.ndarray:
        """:math:`\\Gamma_0 t^2/2^d` at the final time, in the order of ``config.dims``."""
        t = self.time[-1]
        return np.array([self.G0[d] * t**2 / 2.0**d for d in self.config.dims])


def _train_chunk(net: TwoLayerNet, x: torch.Tensor, f: torch.Tensor, lr: float, steps: int):
    """GD on the hinge risk of each row of ``f``, all from ``net``'s parameters; batched over rows."""
    k = f.shape[0]
    a0, B0 = net.a.detach(), net.B.detach()
    a = a0.expand(k, -1).clone().requires_grad_(True)
    B = B0.expand(k, -1, -1).clone().requires_grad_(True)
    sq = torch.zeros(steps + 1, dtype=x.dtype)
    speed_sq = torch.zeros(k, dtype=x.dtype)
    max_out = 0.0
    for step in range(steps + 1):
        h = net.output_scale * torch.einsum("knm,km->kn", torch.relu(torch.einsum("nd,kmd->knm", x, B)), a)
        max_out = max(max_out, float(h.detach().abs().max()))
        risk = torch.relu(1 - h * f).mean(1)
        with torch.no_grad():
            sq[step] = ((a - a0).pow(2).sum() + (B - B0).pow(2).sum())
        if step == steps:
            break
        ga, gB = torch.autograd.grad(risk.sum(), (a, B))
        if step == 0:
            speed_sq = ga.pow(2).sum(1) + gB.pow(2).sum((1, 2))
        with torch.no_grad():
            a -= lr * ga
            B -= lr * gB
    return sq, speed_sq, max_out, risk.detach()


def run(config: Config) -> Result:
    """Run GD from one initialisation for every parity target, in every dimension of ``config``."""
    result = Result(config, time=config.lr * np.arange(config.steps + 1))
    for d in config.dims:
        bias = int(config.bias_input)
        net = TwoLayerNet(d + bias, config.width, init="notes", output_scale=config.width**-0.5,
                          seed=derive_seed(config.seed, "network", d))
        x = hypercube_points(d)
        targets = all_parities(x)
        inputs = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1) if bias else x
        total_sq = torch.zeros(config.steps + 1, dtype=x.dtype)
        speeds, max_out, risks = [], 0.0, []
        for start in range(0, targets.shape[0], config.chunk):
            sq, sp, mo, risk = _train_chunk(net, inputs, targets[start : start + config.chunk], config.lr, config.steps)
            total_sq += sq
            speeds.append(sp)
            max_out = max(max_out, mo)
            risks.append(risk)
        n_targets = targets.shape[0]
        speeds = torch.cat(speeds)
        result.mean_sq_distance[d] = (total_sq / n_targets).numpy()
        result.G0[d] = gradient_energy(net, inputs)
        result.mean_initial_speed_sq[d] = float(speeds.sum()) / n_targets
        result.frozen_fraction[d] = float((speeds < 1e-30).double().mean())
        result.max_abs_output[d] = max_out
        risks = torch.cat(risks)
        result.final_risk_range[d] = (float(risks.min()), float(risks.max()))
    G0 = np.array([result.G0[d] for d in config.dims])
    result.slope_log2 = float(np.polyfit(np.asarray(config.dims, float), np.log2(result.final() / G0), 1)[0])
    return result


def plot(result: Result):
    """Left: final mean squared distance divided by :math:`\\Gamma_0`, against :math:`d`, with the
    first-order term :math:`t^2/2^d`. Right: its growth along the run for each dimension."""
    config = result.config
    fig, (ax_d, ax_t) = figure(2, width=7.5, height=3.3)
    dims = np.asarray(config.dims)
    G0 = np.array([result.G0[d] for d in config.dims])
    ax_d.semilogy(dims, result.final() / G0, "o-", label=r"mean over the $2^d$ parities")
    ax_d.semilogy(dims, result.first_order_bound() / G0, **BOUND_STYLE, label=r"$t^2/2^d$ (first order)")
    ax_d.set(xlabel="dimension $d$", ylabel=r"$\mathbb{E}_f\,\|\theta^f_t-\theta_0\|^2/\Gamma_0$",
             title=f"after t = {result.time[-1]:g} ({config.steps} steps)")
    ax_d.legend(loc="lower left")
    shown = list(config.dims)[:: max(1, len(config.dims) // 4)]
    # neighbouring curves get contrasting hues; the two blues of the palette are kept apart
    order = [0, 4, 5, 1, 3, 2, 7]
    palette = [OKABE_ITO[i] for i in order]
    for i, d in enumerate(shown):
        color = palette[i % len(palette)]
        ax_t.loglog(result.time[1:], result.mean_sq_distance[d][1:] / result.G0[d], color=color, label=f"$d={d}$")
        ax_t.loglog(result.time[1:], result.time[1:] ** 2 / 2.0**d, color="black", linestyle="--",
                    linewidth=0.9, zorder=3, label=r"$t^2/2^d$" if i == len(shown) - 1 else None)
    ax_t.set(xlabel=r"time $t=\eta k$", ylabel=r"$\mathbb{E}_f\,\|\theta^f_t-\theta_0\|^2/\Gamma_0$",
             title="growth along the run")
    ax_t.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return fig
