"""Chapter 8: the tangent kernel of a finite deep ReLU network against its infinite-width limit.

For depths 2, 3 and 4 and growing widths, the empirical tangent kernel at a random
initialisation (:func:`nndyn.ntk.empirical_ntk`) is compared with the arc-cosine formula
(:func:`nndyn.ntk.analytic_ntk`) on a fixed set of points of the sphere. The relative
Frobenius error falls like :math:`m^{-1/2}`, the rate of a central limit theorem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import sample_sphere
from ..deep import DeepReLUNet
from ..ntk import analytic_ntk, empirical_ntk, relative_error
from ..plotting import BOUND_STYLE, OKABE_ITO, figure, loglog_slope
from ..plotting import LEGEND_SIZE, PAGE_WIDTH, legend_below, width_axis
from ..prose import signed
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "The empirical NTK converges to the analytic NTK at rate width^(-1/2)"
CHAPTER = 8


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    d : int
        Input dimension.
    n_points : int
        Number of points of :math:`\\mathbb S^{d-1}` on which the kernels are compared.
    depths : tuple of int
        Numbers of weight layers.
    widths : tuple of int
        Widths of the hidden layers.
    n_seeds : int
        Independent initialisations per (depth, width); errors are averaged over them.
    """

    d: int = 10
    n_points: int = 16
    depths: tuple[int, ...] = (2, 3, 4)
    widths: tuple[int, ...] = (32, 64, 128, 256, 512)
    n_seeds: int = 6

    PRESETS = {
        "quick": {"widths": (64, 128, 256, 512), "n_seeds": 4},
        "full": {"widths": (64, 128, 256, 512, 1024), "n_seeds": 6},
        "lecture": {"widths": (32, 64, 128, 256, 512, 1024, 2048), "n_seeds": 20},
    }


@dataclass
class Result:
    """Relative errors and the kernels of the widest network.

    Attributes
    ----------
    errors : numpy.ndarray
        Shape ``(len(depths), len(widths), n_seeds)``.
    cosines : numpy.ndarray
        :math:`x_i^\\top x_j` for the off-diagonal pairs.
    analytic, empirical : dict[int, numpy.ndarray]
        Per depth, the analytic kernel on a grid of cosines and the empirical kernel
        entries of the widest network (seed 0) for the off-diagonal pairs.
    """

    config: Config
    errors: np.ndarray
    cosines: np.ndarray
    grid: np.ndarray
    analytic: dict[int, np.ndarray]
    empirical: dict[int, np.ndarray]

    def mean_errors(self) -> np.ndarray:
        """Mean relative error over seeds, shape ``(len(depths), len(widths))``."""
        return self.errors.mean(axis=2)

    def slopes(self) -> dict[int, float]:
        """Log-log slope of the mean relative error against the width, per depth."""
        return {depth: loglog_slope(self.config.widths, e) for depth, e in zip(self.config.depths, self.mean_errors())}

    def depth_comparison(self) -> str:
        """Whether the deepest network is further from its limit than the shallowest, width by
        width (mean relative errors), as a clause for the chapter's caption and text.

        Returns
        -------
        str
            "depth D is further from its limit than depth D' at every width", or the widths
            at which it is and is not, or that it is at none (lower case, no full stop).
        """
        shallow, deep = self.config.depths[0], self.config.depths[-1]
        mean = self.mean_errors()
        further = mean[-1] > mean[0]
        head = f"depth {deep} is further from its limit than depth {shallow}"
        if further.all():
            return f"{head} at every width"
        if not further.any():
            return f"depth {deep} is not further from its limit than depth {shallow} at any width"

        def widths(flags) -> str:
            ws = [str(w) for w, f in zip(self.config.widths, flags) if f]
            return ("width " if len(ws) == 1 else "widths ") + (
                ws[0] if len(ws) == 1 else ", ".join(ws[:-1]) + " and " + ws[-1])

        return f"{head} at {widths(further)}, but not at {widths(~further)}"


def _grid_kernel(cosines: np.ndarray, depth: int) -> np.ndarray:
    c = torch.as_tensor(cosines, dtype=torch.float64)
    x = torch.stack([torch.ones_like(c), torch.zeros_like(c)], dim=1)
    y = torch.stack([c, torch.sqrt(1 - c**2)], dim=1)
    return torch.diagonal(analytic_ntk(x, y, depth=depth)).numpy()


def run(config: Config) -> Result:
    """Compare empirical and analytic kernels for every depth, width and seed."""
    x = sample_sphere(config.n_points, config.d, seed=derive_seed(config.seed, "points"))
    iu = np.triu_indices(config.n_points, k=1)
    errors = np.zeros((len(config.depths), len(config.widths), config.n_seeds))
    grid = np.linspace(-1, 1, 201)
    analytic, empirical = {}, {}
    for i, depth in enumerate(config.depths):
        target = analytic_ntk(x, depth=depth)
        for j, width in enumerate(config.widths):
            for s in range(config.n_seeds):
                net = DeepReLUNet(config.d, width, depth, seed=derive_seed(config.seed, "network", depth, j, s))
                estimate = empirical_ntk(net, x)
                errors[i, j, s] = relative_error(estimate, target)
                if j == len(config.widths) - 1 and s == 0:
                    empirical[depth] = estimate.numpy()[iu]
        analytic[depth] = _grid_kernel(grid, depth)
    cosines = (x @ x.T).numpy()[iu]
    return Result(config, errors, cosines, grid, analytic, empirical)


def plot(result: Result):
    """Left: the analytic NTK as a function of the angle, with the widest network's entries.
    Right: relative error against width, log-log, with a reference slope -1/2."""
    c = result.config
    fig, (ax1, ax2) = figure(2, width=PAGE_WIDTH, height=4.3)
    for k, depth in enumerate(c.depths):
        col = OKABE_ITO[k]
        ax1.plot(result.grid, result.analytic[depth], color=col, label=f"depth {depth}, $m=\\infty$")
        ax1.plot(result.cosines, result.empirical[depth], "o", ms=3, color=col, alpha=0.6)
    ax1.set(xlabel=r"$x^\top x'$", ylabel=r"$\Theta_D(x,x')$", title=f"NTK: formula (lines), width {c.widths[-1]} (dots)")
    ax1.legend(loc="upper left", fontsize=LEGEND_SIZE)
    widths = np.array(c.widths, dtype=float)
    mean = result.mean_errors()
    for k, depth in enumerate(c.depths):
        ax2.loglog(widths, mean[k], "o-", color=OKABE_ITO[k], label=f"depth {depth}: slope {signed(result.slopes()[depth])}")
    ref = mean[:, 0].max() * (widths / widths[0]) ** -0.5
    ax2.loglog(widths, ref, **BOUND_STYLE, label=r"slope $-1/2$")
    ax2.set(xlabel="width $m$", ylabel=r"$\|\hat\Theta-\Theta_D\|_F/\|\Theta_D\|_F$", title=f"Relative error (mean of {c.n_seeds} initialisations)")
    legend_below(ax2)
    width_axis(ax2, c.widths)
    return fig
