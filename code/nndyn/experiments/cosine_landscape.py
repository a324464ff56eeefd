"""Population and empirical landscapes of a sine neuron in two dimensions.

For each frequency :math:`L` the experiment evaluates the population risk
:math:`R_L(w)=\\mathbb E(\\sin(Lw^\\top x)-\\sin(Lw_*^\\top x))^2` (closed form) and the
empirical risk with ``n`` Gaussian samples on a grid of :math:`[-\\ell,\\ell]^2`, and counts
the strict local minima of each on the grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_positive, check_positive_int
from .. import landscape as ls
from ..plotting import figure
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "The landscape of a sine neuron: population vs empirical risk"
CHAPTER = 5


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the landscape experiment.

    Attributes
    ----------
    frequencies : tuple of float
        The values of :math:`L`.
    w_star : tuple of float
        The target weight :math:`w_*\\in\\mathbb R^2`.
    n : int
        Samples of the empirical risk.
    limit : float
        Half-width :math:`\\ell` of the grid :math:`[-\\ell,\\ell]^2`.
    points : int
        Grid points per side.
    """

    frequencies: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    w_star: tuple[float, float] = (1.0, 0.5)
    n: int = 100
    limit: float = 2.0
    points: int = 201

    PRESETS = {"quick": {"points": 161}, "full": {}, "lecture": {"points": 401}}

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.frequencies) < 1:
            raise ValueError("frequencies must hold at least one value of L")
        for L in self.frequencies:
            check_positive("frequencies", L)
        if len(self.w_star) != 2:
            raise ValueError(f"w_star must have 2 coordinates, got {self.w_star}")
        check_positive_int("n", self.n)
        check_positive("limit", self.limit)
        if check_positive_int("points", self.points) < 3:
            raise ValueError(f"points must be an integer >= 3, got {self.points}")


@dataclass
class Result:
    """Risks on the grid and their local minima, by frequency.

    Attributes
    ----------
    config : Config
    grid : numpy.ndarray
        Shape ``(points, points, 2)``.
    population, empirical : dict[float, numpy.ndarray]
        The risks on the grid, by :math:`L`.
    population_minima, empirical_minima : dict[float, numpy.ndarray]
        The grid points that are strict local minima, shape ``(count, 2)``.
    """

    config: Config
    grid: np.ndarray
    population: dict[float, np.ndarray] = field(default_factory=dict)
    empirical: dict[float, np.ndarray] = field(default_factory=dict)
    population_minima: dict[float, np.ndarray] = field(default_factory=dict)
    empirical_minima: dict[float, np.ndarray] = field(default_factory=dict)

    def counts(self, which: str = "population") -> list[int]:
        """Number of local minima of ``which`` (``"population"`` or ``"empirical"``) for each :math:`L`."""
        minima = {"population": self.population_minima, "empirical": self.empirical_minima}
        if which not in minima:
            raise ValueError(f"which must be 'population' or 'empirical', got {which!r}")
        return [len(minima[which][L]) for L in self.config.frequencies]


def run(config: Config) -> Result:
    """Evaluate both risks on the grid for every frequency and find their local minima."""
    grid = ls.grid(config.limit, config.points)
    x = ls.sample_inputs(config.n, seed=derive_seed(config.seed, "train"))
    w_star = np.asarray(config.w_star)
    result = Result(config, grid)
    for L in config.frequencies:
        pop = ls.population_risk(grid, w_star, L)
        emp = ls.empirical_risk(grid, w_star, L, x)
        result.population[L], result.empirical[L] = pop, emp
        result.population_minima[L] = grid[ls.local_minima(pop)]
        result.empirical_minima[L] = grid[ls.local_minima(emp)]
    return result


def plot(result: Result):
    """Contours of the population risk (left column) and the empirical risk (right column), one row per :math:`L`;
    dots mark the local minima on the grid, the star marks :math:`w_*`."""
    config = result.config
    k = len(config.frequencies)
    fig, axes = figure(2, k, width=6.2, height=2.55, sharex=True, sharey=True)
    axes = np.asarray(axes).reshape(k, 2)
    xx, yy = result.grid[..., 0], result.grid[..., 1]
    levels = np.linspace(0, 2, 21)
    for row, L in enumerate(config.frequencies):
        for col, (name, values, minima) in enumerate(
            (("population", result.population[L], result.population_minima[L]),
             ("empirical", result.empirical[L], result.empirical_minima[L]))
        ):
            ax = axes[row, col]
            cs = ax.contourf(xx, yy, values, levels=levels, cmap="viridis", extend="max")
            ax.plot(minima[:, 0], minima[:, 1], "o", color="#E69F00", markersize=3, markeredgewidth=0)
            ax.plot(*config.w_star, "*", color="#D55E00", markersize=11, markeredgecolor="white", markeredgewidth=0.7)
            ax.set_aspect("equal")
            ax.grid(False)
            ax.set_title(f"{name}, $L={L:g}$: {len(minima)} {'minimum' if len(minima) == 1 else 'minima'}")
            if row == k - 1:
                ax.set_xlabel("$w_1$")
            if col == 0:
                ax.set_ylabel("$w_2$")
    fig.colorbar(cs, ax=axes, shrink=0.5, aspect=30, label="risk")
    return fig
