"""Chapter 8: the output scale of Chizat, Oyallon and Bach makes any model lazy.

The centred network :math:`h(\\theta)=f(\\theta)-f(\\theta_0)` (a deep ReLU network in NTK
parametrisation, :func:`nndyn.deep.centered`) is multiplied by :math:`\\alpha` and trained
by gradient descent on :math:`F_\\alpha(\\theta)=\\hat{\\mathcal R}_n(\\alpha h(\\theta))/\\alpha^2`,
for a range of :math:`\\alpha` at fixed width, learning rate and number of steps. The
experiment records the parameter movement :math:`\\|\\theta_T-\\theta_0\\|` next to the
bound :math:`\\sqrt{T\\,\\hat{\\mathcal R}_n(0)}/\\alpha`, the relative change of the
last hidden layer's features on the training set, and the training risk reached.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..data import single_neuron_data
from ..deep import DeepReLUNet, centered, parameter_distance
from ..losses import squared_risk
from ..plotting import BOUND_STYLE, OKABE_ITO, figure, loglog_slope
from ..training import train
from ..plotting import PAGE_WIDTH, legend_below, width_axis
from ..prose import signed
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Scaling the output by alpha: movement and feature change fall like 1/alpha"
CHAPTER = 8


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points and input dimension of the single-neuron task.
    width, depth : int
        Width and number of weight layers of the network.
    alphas : tuple of float
        Output scales :math:`\\alpha`.
    lr : float
        Learning rate of gradient descent on :math:`F_\\alpha` (the same for every
        :math:`\\alpha`).
    steps : int
        Gradient steps.
    """

    n: int = 20
    d: int = 10
    width: int = 256
    depth: int = 2
    alphas: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    lr: float = 0.5
    steps: int = 400

    PRESETS = {
        "quick": {"width": 128, "alphas": (0.5, 1.0, 2.0, 4.0, 8.0, 16.0), "steps": 200},
        "full": {},
        "lecture": {"width": 1024, "steps": 2000},
    }


@dataclass
class Result:
    """One entry per :math:`\\alpha`.

    Attributes
    ----------
    movement : numpy.ndarray
        :math:`\\|\\theta_T-\\theta_0\\|`.
    bound : numpy.ndarray
        :math:`\\sqrt{T\\hat{\\mathcal R}_n(0)}/\\alpha` (Proposition in the chapter).
    feature_change : numpy.ndarray
        :math:`\\|\\Phi_T-\\Phi_0\\|_F/\\|\\Phi_0\\|_F` for the last hidden layer on the training set.
    final_risk : numpy.ndarray
        :math:`\\hat{\\mathcal R}_n(\\alpha h(\\theta_T))` (the risk of the scaled model).
    t : numpy.ndarray
        Record times; ``risk`` has one row per :math:`\\alpha`.
    """

    config: Config
    movement: np.ndarray
    bound: np.ndarray
    feature_change: np.ndarray
    final_risk: np.ndarray
    t: np.ndarray
    risk: np.ndarray

    def slopes(self) -> dict[str, float]:
        """Log-log slopes of movement and feature change against :math:`\\alpha`."""
        a = self.config.alphas
        return {"movement": loglog_slope(a, self.movement), "feature_change": loglog_slope(a, self.feature_change)}


def scaled_risk(alpha: float):
    """The risk :math:`F_\\alpha = \\hat{\\mathcal R}_n(\\text{pred})/\\alpha^2` (``pred`` already contains :math:`\\alpha`)."""

    def risk(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return squared_risk(pred, y) / alpha**2

    return risk


def run(config: Config) -> Result:
    """Train the centred, scaled network for every :math:`\\alpha` from the same initialisation."""
    data = single_neuron_data(config.n, config.d, seed=config.seed)
    x, y = data.x_train, data.y_train
    T = config.lr * config.steps
    risk0 = float(squared_risk(torch.zeros_like(y), y))
    rows = []
    for alpha in config.alphas:
        net = DeepReLUNet(config.d, config.width, config.depth, output_scale=alpha, seed=derive_seed(config.seed, "network"))
        initial = copy.deepcopy(net)
        model = centered(net)
        traj = train(model, x, y, lr=config.lr, steps=config.steps, record_every=max(1, config.steps // 50), risk=scaled_risk(alpha))
        with torch.no_grad():
            phi0, phi = initial.features(x), net.features(x)
        rows.append(
            (
                parameter_distance(net, initial),
                math.sqrt(T * risk0) / alpha,
                float(torch.linalg.norm(phi - phi0) / torch.linalg.norm(phi0)),
                traj.final_loss * alpha**2,
                traj.loss * alpha**2,
                traj.t,
            )
        )
    cols = list(zip(*rows))
    return Result(config, *(np.array(c) for c in cols[:4]), t=cols[5][0], risk=np.stack(cols[4]))


def plot(result: Result):
    """Left: training risk of the scaled model over time for each alpha.
    Right: parameter movement (with its bound) and feature change against alpha."""
    c = result.config
    fig, (ax1, ax2) = figure(2, width=PAGE_WIDTH, height=4.3)
    for k, alpha in enumerate(c.alphas):
        ax1.semilogy(result.t, result.risk[k], color=OKABE_ITO[k % 8] if k < 7 else "0.5", label=rf"$\alpha={alpha:g}$")
    ax1.set(xlabel="time $t$", ylabel=r"$\hat{\mathcal{R}}_n(\alpha h(\theta_t))$", title=f"Training risk (width {c.width}, depth {c.depth})")
    legend_below(ax1, ncols=3)
    alphas = np.array(c.alphas, dtype=float)
    s = result.slopes()
    ax2.loglog(alphas, result.movement, "o-", color=OKABE_ITO[0], label=rf"$\|\theta_T-\theta_0\|$: slope {signed(s['movement'])}")
    ax2.loglog(alphas, result.bound, **BOUND_STYLE, label=r"bound $\sqrt{T\hat{\mathcal{R}}_n(0)}/\alpha$")
    ax2.loglog(alphas, result.feature_change, "s-", color=OKABE_ITO[1], label=f"feature change: slope {signed(s['feature_change'])}")
    ax2.set(xlabel=r"output scale $\alpha$", title=f"Laziness at time $T={c.lr * c.steps:g}$")
    width_axis(ax2, c.alphas)
    legend_below(ax2)
    return fig
