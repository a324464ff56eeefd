"""How much the population gradient of a sine neuron knows about its target.

At a fixed point :math:`w`, take targets :math:`w_*` on the circle of radius :math:`r`
around :math:`w` and compute the population gradients :math:`\\nabla R_\\omega(w;w_*)`. Their
spread over the targets is the information a gradient step receives about the target;
it decays like :math:`\\omega^2 r\\,e^{-\\omega^2r^2/2}` as :math:`\\omega` grows.

The spread is computed twice: exactly, from the closed-form gradient of the population risk
(:func:`nndyn.landscape.population_gradient`), and independently of that formula, by
automatic differentiation (:mod:`torch.autograd`) of the empirical risk on ``n`` Gaussian
samples shared by all targets. The Monte-Carlo spread follows the exact one until it meets
the sampling noise of the empirical gradient, about :math:`\\omega\\sqrt{2/n}`, and stays there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import check_positive, check_positive_int
from .. import landscape as ls
from ..plotting import BOUND_STYLE, colors, figure
from ..plotting import LEGEND_SIZE
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "The target information in the gradient of a sine neuron"
CHAPTER = 5


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the gradient-information experiment.

    Attributes
    ----------
    w : tuple of float
        The point :math:`w` where the gradients are taken.
    radii : tuple of float
        Distances :math:`r=|w-w_*|`.
    frequencies : tuple of float
        The values of :math:`\\omega`.
    targets : int
        Number of targets :math:`w_*` on each circle (evenly spaced angles).
    n : int
        Gaussian samples of the Monte-Carlo (autograd) estimate of the gradients.
    """

    w: tuple[float, float] = (1.5, 0.0)
    radii: tuple[float, ...] = (0.25, 0.5, 1.0)
    frequencies: tuple[float, ...] = tuple(0.5 + 0.25 * i for i in range(31))  # 0.5, 0.75, ..., 8 (exact in binary)
    targets: int = 16
    n: int = 100_000

    PRESETS = {"quick": {"n": 4_000}, "full": {}, "lecture": {"n": 1_000_000}}

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.w) != 2:
            raise ValueError(f"w must have 2 coordinates, got {self.w}")
        for r in self.radii:
            check_positive("radii", r)
        if len(self.frequencies) < 2:
            raise ValueError("frequencies must hold at least two values of the frequency omega")
        for L in self.frequencies:
            check_positive("frequencies", L)
        if check_positive_int("targets", self.targets) < 2:
            raise ValueError(f"targets must be an integer >= 2, got {self.targets}")
        check_positive_int("n", self.n)


@dataclass
class Result:
    """Spread of the gradients over the targets.

    Attributes
    ----------
    config : Config
    spread : dict[float, numpy.ndarray]
        For each radius, :math:`\\big(\\frac1N\\sum_k\\|g_k-\\bar g\\|^2\\big)^{1/2}` for each :math:`\\omega`,
        from the exact population gradients.
    mc_spread : dict[float, numpy.ndarray]
        The same spread of the gradients of the empirical risk on ``n`` samples, computed by autograd.
    noise_floor : numpy.ndarray
        :math:`\\omega\\sqrt{2/n}` for each :math:`\\omega`: the size of the sampling noise of one
        empirical gradient when :math:`\\omega` is large.
    mean_gradient_norm : numpy.ndarray
        :math:`\\|\\bar g\\|` for the smallest radius, for each :math:`\\omega`.
    prediction : dict[float, numpy.ndarray]
        :math:`\\omega^2 r\\,e^{-\\omega^2r^2/2}` for each radius and :math:`\\omega`.
    fitted_rate : dict[float, float]
        Slope of :math:`\\log(\\text{spread}/(\\omega^2r))` against :math:`\\omega^2`; the claim is :math:`-r^2/2`.
    """

    config: Config
    spread: dict[float, np.ndarray] = field(default_factory=dict)
    mc_spread: dict[float, np.ndarray] = field(default_factory=dict)
    noise_floor: np.ndarray | None = None
    mean_gradient_norm: np.ndarray | None = None
    prediction: dict[float, np.ndarray] = field(default_factory=dict)
    fitted_rate: dict[float, float] = field(default_factory=dict)


def monte_carlo_gradients(w, targets, omega, x: torch.Tensor) -> np.ndarray:
    """Gradients of the empirical risk at ``w`` for several targets, by automatic differentiation.

    Parameters
    ----------
    w : array_like
        The point, shape ``(2,)``.
    targets : array_like
        Target weights :math:`w_*`, shape ``(K, 2)``.
    omega : float or array_like
        The frequency :math:`\\omega`, or several frequencies (shape ``(F,)``), all computed in one pass.
    x : torch.Tensor
        Samples, shape ``(n, 2)``, float64.

    Returns
    -------
    numpy.ndarray
        Shape ``(K, 2)`` (or ``(F, K, 2)`` for several frequencies): row :math:`k` is
        :math:`\\nabla_w\\frac1n\\sum_i(\\sin(\\omega w^\\top x_i)-\\sin(\\omega w_k^\\top x_i))^2`.
    """
    freqs = np.atleast_1d(np.asarray(omega, dtype=float))
    for value in freqs:
        check_positive("omega", float(value))
    targets = torch.as_tensor(np.asarray(targets, dtype=float))
    scale = torch.as_tensor(freqs)[:, None, None]
    # one copy of w per frequency and target, so that one backward pass gives every gradient
    copies = torch.as_tensor(np.asarray(w, dtype=float)).repeat(len(freqs), len(targets), 1).requires_grad_(True)
    residual = torch.sin(scale * (copies @ x.T)) - torch.sin(scale * (targets @ x.T))  # (F, K, n)
    (residual**2).mean(dim=-1).sum().backward()
    grads = copies.grad.numpy()
    return grads if np.ndim(omega) else grads[0]


def run(config: Config) -> Result:
    """Compute the population gradients for every target, radius and frequency."""
    w = np.asarray(config.w, dtype=float)
    L = np.asarray(config.frequencies, dtype=float)
    angles = 2 * np.pi * np.arange(config.targets) / config.targets
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    result = Result(config)
    x = torch.as_tensor(ls.sample_inputs(config.n, seed=derive_seed(config.seed, "data")))
    result.noise_floor = L * np.sqrt(2.0 / config.n)
    for r in config.radii:
        grads = np.stack([
            np.stack([ls.population_gradient(w, w + r * u, float(freq)) for u in directions]) for freq in L
        ])  # (len(L), K, 2)
        mean = grads.mean(axis=1, keepdims=True)
        spread = np.sqrt(np.mean(np.sum((grads - mean) ** 2, axis=-1), axis=1))
        result.spread[r] = spread
        mc = monte_carlo_gradients(w, w + r * directions, L, x)  # (len(L), K, 2)
        result.mc_spread[r] = np.sqrt(np.mean(np.sum((mc - mc.mean(axis=1, keepdims=True)) ** 2, axis=-1), axis=1))
        result.prediction[r] = L**2 * r * np.exp(-(L**2) * r**2 / 2)
        if result.mean_gradient_norm is None:
            result.mean_gradient_norm = np.linalg.norm(mean[:, 0], axis=-1)
        result.fitted_rate[r] = float(np.polyfit(L**2, np.log(spread / (L**2 * r)), 1)[0])
    return result


def plot(result: Result):
    """The spread of the gradient over the targets against :math:`\\omega`, one curve per radius, with the prediction."""
    L = np.asarray(result.config.frequencies)
    fig, ax = figure(1, width=5.2, height=3.4)
    for r, color in zip(result.config.radii, colors(len(result.config.radii))):
        ax.semilogy(L, result.spread[r], "o", color=color, markersize=3.5, label=f"closed form, $r={r:g}$")
        ax.semilogy(L, result.mc_spread[r], "x", color=color, markersize=4.5, markeredgewidth=1.1)
        ax.semilogy(L, result.prediction[r], color=color, linestyle="--", linewidth=1.2)
    ax.semilogy(L, result.noise_floor, color="0.45", linestyle=":", linewidth=1.4,
                label=rf"sampling noise $\omega\sqrt{{2/n}}$, " + "$n=" + f"{result.config.n:,}".replace(",", r"\,") + "$")
    ax.plot([], [], "x", color="0.3", label="autograd on $n$ samples")
    ax.plot([], [], **BOUND_STYLE, label=r"$\omega^2 r\,e^{-\omega^2r^2/2}$")
    ax.set(xlabel="frequency $\\omega$", ylabel="spread of $\\nabla R_\\omega(w)$ over targets",
           title="gradients at $w=(" + ", ".join(f"{v:g}" for v in result.config.w) + ")$")
    ax.set_ylim(bottom=max(1e-30, ax.get_ylim()[0]))
    ax.legend(loc="lower left", fontsize=LEGEND_SIZE)
    return fig
