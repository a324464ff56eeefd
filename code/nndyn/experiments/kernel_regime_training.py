"""Chapter 6: gradient descent in the kernel regime at several widths (the notes' Theorem 10).

Networks with the notes' initialisation fit the single neuron :math:`\\mathrm{ReLU}(x^{(1)})`
on :math:`\\mathbb S^{d-1}` by gradient descent with learning rate ``lr_scale / m``, so
that the kernel time :math:`mt/n` covered by ``steps`` steps is the same at every width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import single_neuron_data
from ..kernels import empirical_gram, explicit_gram, min_eigenvalue, relu_kernel
from ..models import TwoLayerNet
from ..plotting import BOUND_STYLE, OKABE_ITO, figure
from ..theory.kernel_regime import risk_rate
from ..training import Trajectory
from ..plotting import PAGE_WIDTH, legend_below, sparse_log_axis
from ..prose import signed
from ..widths import block_seed, fitted_slope, train_widths
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Gradient descent in the kernel regime: risk, parameter movement and kernel drift"
CHAPTER = 6

MOVEMENT_NAMES = ("distance", "first_layer", "output_weight", "kernel_drift")
"""Rows of :attr:`Result.movement`: :math:`\\|\\theta-\\theta_0\\|`, :math:`\\max_j\\|b_j-b_j(0)\\|`,
:math:`\\max_j|a_j|` and :math:`\\|\\hat K(\\theta)-\\hat K(\\theta_0)\\|_F`, each maximised over time."""


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points on :math:`\\mathbb S^{d-1}` and dimension.
    widths : tuple of int
        Widths :math:`m`.
    lr_scale : float
        The learning rate is ``lr_scale / m``.
    steps : int
        Gradient steps at every width (time :math:`t` = ``steps * lr_scale / m``).
    record_every : int
        Steps between records.
    """

    n: int = 50
    d: int = 20
    widths: tuple = (100, 300, 1000, 3000)
    lr_scale: float = 80.0
    steps: int = 1000
    record_every: int = 10

    PRESETS = {
        "quick": {"widths": (100, 300, 1000), "steps": 500},
        "full": {},
        "lecture": {"widths": (100, 300, 1000, 3000, 10000), "lr_scale": 10.0, "steps": 8000, "record_every": 40},
    }


@dataclass
class Result:
    """Measurements.

    Attributes
    ----------
    trajectory : Trajectory
        Records of all widths (``risk``: records x widths; ``movement``: records x 4 x widths).
    lam : float
        :math:`\\lambda_n(K)` of the training points.
    lam_hat : numpy.ndarray
        :math:`\\lambda_n(\\hat K(\\theta_0))` at each width.
    gram_error : float
        Largest entry of :math:`|G_{\\rm autograd}-G_{\\rm formula}|` at the end of training
        (smallest width), relative to the largest entry of :math:`G`.
    """

    config: Config
    trajectory: Trajectory
    lam: float
    lam_hat: np.ndarray
    gram_error: float
    kernel: np.ndarray
    labels: np.ndarray

    def kernel_limit_risk(self, s) -> np.ndarray:
        """The risk :math:`\\frac1{2n}\\|e^{-Ks}y\\|^2` of the infinite-width linearised flow at kernel time :math:`s=mt/n`."""
        evals, evecs = np.linalg.eigh(self.kernel)
        coef = evecs.T @ self.labels
        s = np.asarray(s, dtype=float)
        return 0.5 * (np.exp(-2 * np.multiply.outer(s, evals)) @ coef**2) / len(self.labels)

    def times(self, w: int) -> np.ndarray:
        """Time :math:`t` of the records at width number ``w``."""
        return self.trajectory.step * self.config.lr_scale / self.config.widths[w]

    @property
    def risk(self) -> np.ndarray:
        """Training risk, records x widths."""
        return self.trajectory["risk"]

    @property
    def movement(self) -> np.ndarray:
        """Shape ``(4, widths)``: the maxima over time of :data:`MOVEMENT_NAMES`."""
        return self.trajectory["movement"].max(axis=0)

    def slopes(self) -> dict[str, float]:
        """Log-log slope of each row of :attr:`movement` against the width."""
        return {k: fitted_slope(self.config.widths, v) for k, v in zip(MOVEMENT_NAMES, self.movement)}

    def risk_bound(self, w: int) -> np.ndarray:
        """The bound of the notes' Theorem 10, :math:`e^{-m\\lambda t/(2n)}\\hat{\\mathcal R}_n(\\theta_0)` along the records of width number ``w``."""
        c = self.config
        return self.risk[0, w] * np.exp(-risk_rate(c.widths[w], c.n, self.lam) * self.times(w))

    def worst_ratio(self) -> float:
        """Largest ratio of measured risk to the bound of the notes' Theorem 10 over all records and widths (<= 1 when the bound holds)."""
        return float(max(np.max(self.risk[:, w] / self.risk_bound(w)) for w in range(len(self.config.widths))))

    def late_rates(self) -> np.ndarray:
        """Decay rate of the risk over the last half of the run, fitted at each width."""
        k = len(self.trajectory.step) // 2
        return np.array([-np.polyfit(self.times(w)[k:], np.log(self.risk[k:, w]), 1)[0] for w in range(len(self.config.widths))])

    def linear_rates(self) -> np.ndarray:
        """The rate :math:`2m\\lambda_n(\\hat K(\\theta_0))/n` of the linearised dynamics at each width."""
        return 2 * np.asarray(self.config.widths) * self.lam_hat / self.config.n


def run(config: Config) -> Result:
    """Train at every width and measure."""
    data = single_neuron_data(config.n, config.d, seed=config.seed)
    x, y = data.x_train, data.y_train
    model, traj = train_widths(x, y, widths=config.widths, lr_scale=config.lr_scale, steps=config.steps,
                               record_every=config.record_every, seed=derive_seed(config.seed, "network"), movement=True)
    lam = float(min_eigenvalue(relu_kernel(x)))

    # the trained networks at initialisation, remade from their seeds
    lam_hat = np.array([float(min_eigenvalue(explicit_gram(TwoLayerNet(config.d, m, seed=block_seed(derive_seed(config.seed, "network"), m)), x) / m)) for m in config.widths])  # same object
    net = model.block(0)
    g_auto, g_formula = empirical_gram(net, x), explicit_gram(net, x)
    err = float((g_auto - g_formula).abs().max() / g_formula.abs().max())
    return Result(config, traj, lam, lam_hat, err, relu_kernel(x).numpy(), y.numpy())


def plot(result: Result):
    """Left: training risk against kernel time :math:`mt/n` with the bound of the notes' Theorem 10. Right: movement against width."""
    c = result.config
    fig, ax = figure(2, width=PAGE_WIDTH, height=4.6)
    for w, m in enumerate(c.widths):
        ax[0].semilogy(m * result.times(w) / c.n, result.risk[:, w], color=OKABE_ITO[w], label=f"$m={m}$")
    s = m * result.times(len(c.widths) - 1) / c.n
    ax[0].semilogy(s, result.risk[0, -1] * np.exp(-result.lam * s / 2), **BOUND_STYLE, label=r"bound $e^{-m\lambda t/(2n)}\hat{\mathcal{R}}_n(\theta_0)$")
    ax[0].semilogy(s, result.kernel_limit_risk(s), color="black", linestyle=":", linewidth=1.5, label=r"$m\to\infty$: $\frac{1}{2n}\|e^{-K mt/n}y\|^2$")
    ax[0].set(xlabel=r"kernel time $m t / n$", ylabel=r"training risk $\hat{\mathcal{R}}_n$", title="risk along gradient descent")
    legend_below(ax[0], ncols=2 if len(c.widths) > 2 else 1)
    labels = {
        "distance": r"$\|\theta-\theta_0\|$",
        "first_layer": r"$\max_j\|b_j-b_j(0)\|$",
        "output_weight": r"$\max_j|a_j|$",
        "kernel_drift": r"$\|\hat K(\theta)-\hat K(\theta_0)\|_F$",
    }
    predicted = {"distance": -0.5, "first_layer": -2.0, "output_weight": -1.0, "kernel_drift": -2.0}
    m = np.asarray(c.widths, dtype=float)
    slopes = result.slopes()
    for k, (name, v) in enumerate(zip(MOVEMENT_NAMES, result.movement)):
        ax[1].loglog(m, v, "o-", color=OKABE_ITO[k], label=f"{labels[name]}: slope {signed(slopes[name])}")
        ax[1].loglog(m, v[0] * (m / m[0]) ** predicted[name], color=OKABE_ITO[k], linestyle="--", linewidth=1)
    ax[1].set(xlabel="width $m$", ylabel="largest change over the run", title="movement (dashed: predicted slopes)")
    sparse_log_axis(ax[1].xaxis)
    legend_below(ax[1])
    return fig
