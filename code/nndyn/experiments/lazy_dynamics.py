"""Chapter 8: wide networks train lazily.

A deep ReLU network in NTK parametrisation and its linearisation around the
initialisation (:func:`nndyn.deep.linearize`) are trained by gradient descent on the same
data with the same learning rate. For growing widths the experiment measures

* the relative change :math:`\\|\\hat\\Theta_T-\\hat\\Theta_0\\|_F/\\|\\hat\\Theta_0\\|_F` of
  the empirical tangent kernel on the training set;
* the relative parameter movement :math:`\\|\\theta_T-\\theta_0\\|/\\|\\theta_0\\|`;
* the largest root-mean-square distance, over the trajectory, between the network's
  predictions on test points and those of its linearisation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from ..data import single_neuron_data
from ..deep import DeepReLUNet, linearize, parameter_distance
from ..ntk import empirical_ntk, relative_error
from ..plotting import BOUND_STYLE, OKABE_ITO, figure, loglog_slope
from ..training import probes, train
from ..plotting import PAGE_WIDTH, legend_below, width_axis
from ..prose import signed
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Kernel change, parameter movement and distance to the linearised model against width"
CHAPTER = 8


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points and input dimension of the single-neuron task.
    n_test : int
        Test points on which the two trajectories are compared.
    depth : int
        Number of weight layers.
    widths : tuple of int
        Hidden widths.
    lr : float
        Learning rate (the same for every width, NTK parametrisation; the output-scale
        experiment's too).
    steps : int
        Gradient steps.
    """

    n: int = 20
    d: int = 10
    n_test: int = 200
    depth: int = 3
    widths: tuple[int, ...] = (32, 64, 128, 256, 512)
    lr: float = 0.5
    steps: int = 100

    PRESETS = {
        "quick": {"widths": (32, 64, 128, 256), "n_test": 100},
        "full": {},
        "lecture": {"widths": (32, 64, 128, 256, 512, 1024, 2048, 4096), "steps": 1000},
    }


@dataclass
class Result:
    """One row per width.

    Attributes
    ----------
    kernel_change, movement, lin_distance, final_loss, lin_final_loss : numpy.ndarray
        Relative kernel change, relative parameter movement, largest RMS distance between
        the network and its linearisation on the test points, and the final training
        risks of both models.
    initial_norm : numpy.ndarray
        :math:`\\|\\theta_0\\|`, the norm of all parameters at initialisation (the
        denominator of ``movement``).
    t : numpy.ndarray
        Record times.
    loss, lin_loss : numpy.ndarray
        Training risk of the network and of the linearisation at each record, shape
        ``(len(widths), len(t))``.
    """

    config: Config
    kernel_change: np.ndarray
    movement: np.ndarray
    lin_distance: np.ndarray
    final_loss: np.ndarray
    lin_final_loss: np.ndarray
    initial_norm: np.ndarray
    t: np.ndarray
    loss: np.ndarray
    lin_loss: np.ndarray

    def slopes(self) -> dict[str, float]:
        """Log-log slopes against the width of the three measured quantities, of the
        initial norm :math:`\\|\\theta_0\\|` (``"initial_norm"``) and of the movement
        :math:`\\|\\theta_T-\\theta_0\\|` itself (``"distance"``)."""
        w = self.config.widths
        return {
            "kernel_change": loglog_slope(w, self.kernel_change),
            "movement": loglog_slope(w, self.movement),
            "lin_distance": loglog_slope(w, self.lin_distance),
            "initial_norm": loglog_slope(w, self.initial_norm),
            "distance": loglog_slope(w, self.movement * self.initial_norm),
        }


def run(config: Config) -> Result:
    """Train every width and its linearisation."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    rows = []
    record_every = max(1, config.steps // 25)
    for j, width in enumerate(config.widths):
        net = DeepReLUNet(config.d, width, config.depth, seed=derive_seed(config.seed, "network", j))
        lin = linearize(net)
        initial = copy.deepcopy(net)
        norm0 = float(torch.sqrt(sum((p.detach() ** 2).sum() for p in net.parameters())))
        kernel0 = empirical_ntk(net, data.x_train)
        pred = {"pred": probes.predictions_on(data.x_test)}
        traj = train(net, data.x_train, data.y_train, lr=config.lr, steps=config.steps, record_every=record_every, probes=pred)
        lin_traj = train(lin, data.x_train, data.y_train, lr=config.lr, steps=config.steps, record_every=record_every, probes=pred)
        diff = traj["pred"] - lin_traj["pred"]
        rows.append(
            (
                relative_error(empirical_ntk(net, data.x_train), kernel0),
                parameter_distance(net, initial) / norm0,
                float(np.sqrt((diff**2).mean(axis=1)).max()),
                traj.final_loss,
                lin_traj.final_loss,
                traj.loss,
                lin_traj.loss,
                traj.t,
                norm0,
            )
        )
    cols = list(zip(*rows))
    return Result(
        config,
        kernel_change=np.array(cols[0]),
        movement=np.array(cols[1]),
        lin_distance=np.array(cols[2]),
        final_loss=np.array(cols[3]),
        lin_final_loss=np.array(cols[4]),
        initial_norm=np.array(cols[8]),
        t=cols[7][0],
        loss=np.stack(cols[5]),
        lin_loss=np.stack(cols[6]),
    )


def plot(result: Result):
    """Left: training risk of the network and of its linearisation for the smallest and the
    largest width. Right: the three lazy-training measures against width, log-log."""
    c = result.config
    fig, (ax1, ax2) = figure(2, width=PAGE_WIDTH, height=4.3)
    for k, j in enumerate((0, len(c.widths) - 1)):
        col = OKABE_ITO[2 * k]
        ax1.semilogy(result.t, result.loss[j], color=col, label=f"network, $m={c.widths[j]}$")
        ax1.semilogy(result.t, result.lin_loss[j], color=col, linestyle="--", label=f"linearisation, $m={c.widths[j]}$")
    ax1.set(xlabel="time $t$", ylabel="training risk", title=f"Depth {c.depth}: network vs linearisation")
    legend_below(ax1)
    widths = np.array(c.widths, dtype=float)
    slopes = result.slopes()
    series = [
        (result.kernel_change, "kernel change", "kernel_change"),
        (result.movement, r"$\|\theta_T-\theta_0\|/\|\theta_0\|$", "movement"),
        (result.lin_distance, r"distance to $f_{\mathrm{lin}}$", "lin_distance"),
    ]
    for k, (values, label, key) in enumerate(series):
        ax2.loglog(widths, values, "o-", color=OKABE_ITO[k + 3], label=f"{label}: slope {signed(slopes[key])}")
    ref = result.kernel_change[0] * (widths / widths[0]) ** -0.5
    ax2.loglog(widths, ref, **BOUND_STYLE, label=r"slope $-1/2$")
    ax2.set(xlabel="width $m$", title=f"Lazy training up to time $T={c.lr * c.steps:g}$")
    width_axis(ax2, c.widths)
    legend_below(ax2)
    return fig
