"""Chapter 1: gradient descent next to the three classical convergence bounds.

Three objectives, one per bound:

* non-convex: the empirical risk of a narrow two-layer ReLU network fitting the single
  neuron :math:`\\sigma(x^{(1)})` (trained through Lightning), against the bound on the
  smallest gradient norm (:math:`1/\\sqrt t`);
* convex: an ill-conditioned least-squares problem, against the :math:`1/t` bound on the
  optimality gap;
* Polyak-Łojasiewicz: :math:`\\theta^2+3\\sin^2\\theta`, against the exponential bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import theory
from ..data import single_neuron_data
from ..models import TwoLayerNet
from ..objectives import DescentPath, descend, ill_conditioned_least_squares, pl_example
from ..plotting import BOUND_STYLE, LEGEND_SIZE, OKABE_ITO, figure
from ..training import Trajectory, probes, train
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Gradient descent against the classical convergence bounds"
CHAPTER = 1


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the three runs.

    Attributes
    ----------
    n, d, m : int
        Training points, input dimension and width of the non-convex network problem.
    net_lr : float
        Learning rate of gradient descent on the network.
    net_steps : int
        Gradient steps on the network.
    lsq_dim : int
        Number of parameters of the least-squares problem.
    lsq_lr, lsq_steps
        Step and number of steps on the least-squares problem (its smoothness is 1).
    pl_start : float
        Starting point on :math:`\\theta^2+3\\sin^2\\theta`.
    pl_lr, pl_steps
        Step and number of steps there (its smoothness is 8).
    """

    n: int = 50
    d: int = 20
    m: int = 10
    net_lr: float = 0.2
    net_steps: int = 20_000
    lsq_dim: int = 100
    lsq_lr: float = 0.5
    lsq_steps: int = 20_000
    pl_start: float = 4.0
    pl_lr: float = 0.01
    pl_steps: int = 300

    PRESETS = {
        "quick": {"net_steps": 2_000, "lsq_steps": 2_000, "pl_steps": 300},
        "full": {},
        "lecture": {"m": 20, "net_lr": 0.1, "net_steps": 100_000, "lsq_steps": 100_000, "pl_lr": 0.001, "pl_steps": 10_000},
    }


@dataclass
class Result:
    """Trajectories and the constants the bounds need."""

    config: Config
    network: Trajectory
    least_squares: DescentPath
    least_squares_distance: float
    pl: DescentPath
    pl_constant: float
    pl_smoothness: float

    def nonconvex_bound(self) -> np.ndarray:
        """The non-convex bound on the smallest gradient norm along the network trajectory, with :math:`\\inf R` replaced by its lower bound 0."""
        return theory.nonconvex_gradient_bound(self.network.loss[0], self.network.t[1:])

    def running_min_gradient(self) -> np.ndarray:
        """:math:`\\min_{t'<t}\\|\\nabla R(\\theta_{t'})\\|` along the network trajectory."""
        return np.minimum.accumulate(self.network["grad_norm"])[:-1]

    def convex_bound(self) -> np.ndarray:
        """The convex :math:`1/t` bound along the least-squares trajectory."""
        c = self.config
        return theory.convex_gap_bound(self.least_squares_distance, self.least_squares.t[1:], lr=c.lsq_lr, smoothness=1.0)

    def pl_bound(self, discrete: bool = True) -> np.ndarray:
        """The exponential PL bound along the PL trajectory, for gradient descent (default) or for the flow."""
        lr = self.config.pl_lr if discrete else 0.0
        return theory.pl_gap_bound(self.pl.value[0], self.pl_constant, self.pl.t, lr=lr, smoothness=self.pl_smoothness)

    def worst_ratio(self) -> dict[str, float]:
        """Largest ratio of measurement to bound along each trajectory (<= 1 when the bound holds)."""
        pos = self.pl.value > 1e-300
        return {
            "nonconvex": float(np.max(self.running_min_gradient() / self.nonconvex_bound())),
            "convex": float(np.max(self.least_squares.value[1:] / self.convex_bound())),
            "pl": float(np.max(self.pl.value[pos] / self.pl_bound()[pos])),
        }


def run(config: Config) -> Result:
    """Run gradient descent on the three objectives."""
    data = single_neuron_data(config.n, config.d, seed=config.seed)
    net = TwoLayerNet(config.d, config.m, init="balanced", seed=derive_seed(config.seed, "network"))
    network = train(
        net,
        data.x_train,
        data.y_train,
        lr=config.net_lr,
        steps=config.net_steps,
        record_every=max(1, config.net_steps // 400),
        probes={"grad_norm": probes.gradient_norm},
    )
    lsq = ill_conditioned_least_squares(config.lsq_dim, seed=derive_seed(config.seed, "least-squares"))
    theta0 = torch.zeros(config.lsq_dim, dtype=torch.float64)
    least_squares = descend(lsq, theta0, lr=config.lsq_lr, steps=config.lsq_steps)
    pl = pl_example()
    pl_path = descend(pl, torch.tensor([config.pl_start], dtype=torch.float64), lr=config.pl_lr, steps=config.pl_steps)
    return Result(
        config=config,
        network=network,
        least_squares=least_squares,
        least_squares_distance=float((lsq.minimizer - theta0).norm()),
        pl=pl_path,
        pl_constant=pl.pl_constant,
        pl_smoothness=pl.smoothness,
    )


def plot(result: Result):
    """Three panels: each measured quantity next to its bound."""
    fig, (ax1, ax2, ax3) = figure(3, width=7.5, height=3.9)
    legend = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "fontsize": LEGEND_SIZE, "handlelength": 2.2}
    net = result.network
    ax1.loglog(net.t[1:], result.running_min_gradient(), color=OKABE_ITO[0], lw=3.2, alpha=0.55,
               solid_capstyle="butt", label=r"$\min_{t'<t}\|\nabla R(\theta_{t'})\|$")
    ax1.loglog(net.t[1:], net["grad_norm"][1:], color=OKABE_ITO[1], lw=1.0, label=r"$\|\nabla R(\theta_t)\|$")
    ax1.loglog(net.t[1:], result.nonconvex_bound(), **BOUND_STYLE, label=r"bound $\sqrt{R(\theta_0)/t}$")
    ax1.set(title="Non-convex: network", xlabel="time $t$", ylabel="gradient norm")
    ax1.legend(**legend)

    ls = result.least_squares
    ax2.loglog(ls.t[1:], ls.value[1:], color=OKABE_ITO[1], label=r"$R(\theta_t)-R(\theta^*)$")
    ax2.loglog(ls.t[1:], result.convex_bound(), **BOUND_STYLE, label=r"bound $\|\theta_0-\theta^*\|^2/(2t)$")
    ax2.set(title="Convex: least squares", xlabel="time $t$", ylabel="optimality gap")
    ax2.legend(**legend)

    pl = result.pl
    keep = pl.value > 1e-12
    ax3.semilogy(pl.t[keep], pl.value[keep], color=OKABE_ITO[2], label=r"$R(\theta_t)-\inf R$")
    ax3.semilogy(pl.t[keep], result.pl_bound(discrete=False)[keep], color="0.7", lw=4.5, solid_capstyle="butt",
                 label=r"flow bound $e^{-Ct}\delta_0$")
    ax3.semilogy(pl.t[keep], result.pl_bound()[keep], **BOUND_STYLE, label=r"GD bound $e^{-\zeta Ct}\delta_0$")
    ax3.set(title=r"PL: $\theta^2+3\sin^2\theta$", xlabel="time $t$", ylabel="optimality gap", ylim=(1e-12, None))
    ax3.legend(**legend)
    return fig
