"""Chapter 9: mean-field against NTK scaling on the single-neuron task.

Two-layer ReLU networks :math:`f(x)=m^{-\\beta}\\sum_j a_j\\sigma(b_j^\\top x)` with the same
:math:`O(1)` symmetric initialisation (:func:`nndyn.mean_field.scaled_two_layer`) are
trained by gradient descent on :math:`f^*(x)=\\mathrm{ReLU}(x_1)`, with the learning rate
:math:`\\eta_0 m^{2\\beta-1}` (:func:`nndyn.mean_field.learning_rate`), for
:math:`\\beta=1/2` (NTK) and :math:`\\beta=1` (mean field) and growing widths :math:`m`.
Measured at the final time: the root-mean-square movement of a neuron, the alignment of
the first layer with :math:`e_1` (:func:`nndyn.mean_field.alignment`) and the test risk.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..data import single_neuron_data
from ..mean_field import alignment, learning_rate, neuron_movement, scaled_two_layer
from ..plotting import BOUND_STYLE, OKABE_ITO, figure, loglog_slope
from ..training import probes, train
from ..plotting import LEGEND_SIZE, PAGE_WIDTH, width_axis
from ..prose import signed
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Mean-field against NTK scaling: movement, feature learning and test risk"
CHAPTER = 9

SCALING_NAMES = ("ntk", "mean_field")
LABELS = {"ntk": r"NTK ($\beta=1/2$)", "mean_field": r"mean field ($\beta=1$)"}
COLORS = {"ntk": OKABE_ITO[0], "mean_field": OKABE_ITO[1]}


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points and input dimension.
    n_test : int
        Test points.
    widths : tuple of int
        Widths :math:`m` (even).
    base_lr : float
        :math:`\\eta_0`; the learning rate is :math:`\\eta_0` (NTK) or :math:`\\eta_0 m` (mean field).
    steps : int
        Gradient steps; the final time is :math:`T=\\eta_0\\times` ``steps`` for both scalings.
    """

    n: int = 100
    d: int = 10
    n_test: int = 1000
    widths: tuple[int, ...] = (40, 80, 160, 320, 640)
    base_lr: float = 0.5
    steps: int = 1500

    PRESETS = {
        "quick": {"widths": (40, 160, 640), "steps": 600, "n_test": 500},
        "full": {},
        "lecture": {"widths": (40, 80, 160, 320, 640, 1280, 2560), "steps": 20000},
    }


@dataclass
class Result:
    """Per scaling, one entry per width.

    Attributes
    ----------
    movement, alignment, alignment0, test_risk, train_risk : dict[str, numpy.ndarray]
        RMS neuron movement, final and initial alignment with :math:`e_1`, final test and
        training risks.
    t : numpy.ndarray
        Record times; ``test_curve[s]`` is the test risk of the widest network over time.
    neurons, neurons0 : dict[str, numpy.ndarray]
        For the widest network, per neuron: :math:`b_{j1}/\\|b_j\\|` and
        :math:`|a_j|\\|b_j\\|` at the end (``neurons``) and at the start (``neurons0``),
        shape ``(m, 2)``.
    zero_risk : float
        Test risk of the zero predictor.
    """

    config: Config
    movement: dict[str, np.ndarray]
    alignment: dict[str, np.ndarray]
    alignment0: dict[str, np.ndarray]
    test_risk: dict[str, np.ndarray]
    train_risk: dict[str, np.ndarray]
    t: np.ndarray
    test_curve: dict[str, np.ndarray]
    neurons: dict[str, np.ndarray]
    neurons0: np.ndarray
    zero_risk: float

    def movement_slopes(self) -> dict[str, float]:
        """Log-log slope of the RMS neuron movement against :math:`m`, per scaling."""
        return {s: loglog_slope(self.config.widths, v) for s, v in self.movement.items()}


def _neurons(net) -> np.ndarray:
    B = net.B.detach()
    norms = B.norm(dim=1)
    return np.stack([(B[:, 0] / norms).numpy(), (net.a.detach().abs() * norms).numpy()], axis=1)


def run(config: Config) -> Result:
    """Train both scalings at every width from the same initialisation."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    keys = ("movement", "alignment", "alignment0", "test_risk", "train_risk")
    out = {k: {s: [] for s in SCALING_NAMES} for k in keys}
    test_curve, neurons = {}, {}
    t = np.zeros(0)
    neurons0 = np.zeros((0, 2))
    for j, m in enumerate(config.widths):
        for s in SCALING_NAMES:
            net = scaled_two_layer(config.d, m, scaling=s, seed=derive_seed(config.seed, "network", j))
            initial = copy.deepcopy(net)
            traj = train(
                net,
                data.x_train,
                data.y_train,
                lr=learning_rate(config.base_lr, m, s),
                steps=config.steps,
                record_every=max(1, config.steps // 60),
                probes={"test": probes.risk_on(data.x_test, data.y_test)},
            )
            out["movement"][s].append(neuron_movement(net, initial))
            out["alignment"][s].append(alignment(net))
            out["alignment0"][s].append(alignment(initial))
            out["test_risk"][s].append(float(traj["test"][-1]))
            out["train_risk"][s].append(traj.final_loss)
            if j == len(config.widths) - 1:
                t = traj.t / learning_rate(1.0, m, s)  # the time t = eta_0 k of both scalings
                test_curve[s] = traj["test"]
                neurons[s] = _neurons(net)
                neurons0 = _neurons(initial)
    arrays = {k: {s: np.array(v) for s, v in out[k].items()} for k in keys}
    zero = float(0.5 * (data.y_test**2).mean())
    return Result(config, **arrays, t=t, test_curve=test_curve, neurons=neurons, neurons0=neurons0, zero_risk=zero)


def plot(result: Result):
    """Four panels: test risk over time (widest network), neuron movement, alignment with
    :math:`e_1` and final test risk against the width."""
    c = result.config
    fig, axes = figure(2, 2, height=3.0, width=PAGE_WIDTH)
    widths = np.array(c.widths, dtype=float)
    slopes = result.movement_slopes()
    for s in SCALING_NAMES:
        col = COLORS[s]
        axes[0].semilogy(result.t, result.test_curve[s], color=col)
        axes[1].loglog(widths, result.movement[s], "o-", color=col, label=f"slope {signed(slopes[s])}")
        axes[2].semilogx(widths, result.alignment[s], "o-", color=col, label=LABELS[s])
        axes[3].loglog(widths, result.test_risk[s], "o-", color=col)
    axes[0].axhline(result.zero_risk, **BOUND_STYLE)
    axes[0].annotate("zero predictor", (1.0, result.zero_risk), xycoords=("axes fraction", "data"), xytext=(-3, -3),
                     textcoords="offset points", ha="right", va="top", fontsize=LEGEND_SIZE)
    axes[0].set(xlabel=r"time $t=\eta_0 k$", ylabel="test risk", title=f"test risk over time, $m={c.widths[-1]}$")
    axes[1].set(xlabel="width $m$", ylabel="RMS movement of a neuron", title=f"movement at $T={c.base_lr * c.steps:g}$")
    axes[1].legend(loc="center right", fontsize=LEGEND_SIZE)
    axes[2].semilogx(widths, result.alignment0["mean_field"], **BOUND_STYLE, label="at initialisation")
    axes[2].set(xlabel="width $m$", ylabel=r"alignment with $e_1$", title="feature learning", ylim=(0, 1))
    axes[3].set(xlabel="width $m$", ylabel="test risk", title=f"test risk at $T={c.base_lr * c.steps:g}$")
    for ax in axes[1:]:
        width_axis(ax, c.widths)
    handles, labels = axes[2].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=LEGEND_SIZE)
    return fig


def plot_neurons(result: Result):
    """The neurons of the widest network: :math:`b_{j1}/\\|b_j\\|` against :math:`|a_j|\\|b_j\\|`,
    at initialisation and at the final time, for both scalings."""
    fig, axes = figure(3, height=2.9, width=PAGE_WIDTH, sharey=True)
    panels = [("initialisation", result.neurons0, "0.4"), *((LABELS[s], result.neurons[s], COLORS[s]) for s in SCALING_NAMES)]
    for ax, (title, nrn, col) in zip(axes, panels):
        ax.scatter(nrn[:, 0], nrn[:, 1] / nrn[:, 1].mean(), s=6, color=col, alpha=0.6)
        ax.set(xlabel=r"$b_{j1}/\|b_j\|$", title=title, xlim=(-1.05, 1.05), yscale="log")
        ax.set_xticks([-1, 0, 1])
    axes[0].set_ylabel(r"$|a_j|\,\|b_j\|$ / mean")
    return fig
