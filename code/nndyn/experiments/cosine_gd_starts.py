"""Gradient descent on the sine neuron from a grid of starting points.

For each frequency :math:`\\omega`, gradient descent with step :math:`\\eta_0/\\omega^2` runs on the
population risk and on the empirical risk from every point of a grid of the square of
half-side ``limit`` centred at the origin; a start succeeds if it ends within ``tolerance``
of :math:`w_*`. The other starts are sorted by where they end (:meth:`Result.outcomes`): at
the spurious minimum near the origin, where they started (gradient descent did not move them
by ``tolerance``), or elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_positive, check_positive_int
from .. import landscape as ls
from matplotlib.ticker import FormatStrFormatter, NullFormatter

from ..plotting import BOUND_STYLE, OKABE_ITO, figure
from ..plotting import LEGEND_SIZE, PAGE_WIDTH
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Gradient descent on the sine neuron from a grid of starts"
CHAPTER = 5


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the grid-of-starts experiment.

    Attributes
    ----------
    frequencies : tuple of float
        The values of :math:`\\omega`.
    w_star : tuple of float
        The target weight.
    n : int
        Samples of the empirical risk.
    limit : float
        Half-width of the square of starting points.
    starts_per_side : int
        The starts form a ``starts_per_side`` x ``starts_per_side`` grid.
    lr_times_omega2 : float
        The step size is ``lr_times_omega2 / omega**2`` (the curvature at :math:`w_*` grows like :math:`\\omega^2`).
    steps : int
        Gradient steps from each start.
    tolerance : float
        A start succeeds if it ends within this distance of :math:`w_*`.
    """

    frequencies: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    w_star: tuple[float, float] = (1.0, 0.5)
    n: int = 100
    limit: float = 2.0
    starts_per_side: int = 41
    lr_times_omega2: float = 0.25
    steps: int = 1000
    tolerance: float = 0.05

    PRESETS = {"quick": {"starts_per_side": 17, "steps": 300}, "full": {}, "lecture": {"starts_per_side": 81, "steps": 3000}}

    def __post_init__(self) -> None:
        super().__post_init__()
        for L in self.frequencies:
            check_positive("frequencies", L)
        if len(self.frequencies) < 2:
            raise ValueError("frequencies must hold at least two values of the frequency omega")
        if len(self.w_star) != 2:
            raise ValueError(f"w_star must have 2 coordinates, got {self.w_star}")
        check_positive_int("n", self.n)
        check_positive("limit", self.limit)
        if check_positive_int("starts_per_side", self.starts_per_side) < 2:
            raise ValueError(f"starts_per_side must be an integer >= 2, got {self.starts_per_side}")
        check_positive("lr_times_omega2", self.lr_times_omega2)
        check_positive_int("steps", self.steps)
        check_positive("tolerance", self.tolerance)


@dataclass
class Result:
    """Where gradient descent ends, by frequency.

    Attributes
    ----------
    config : Config
    starts : numpy.ndarray
        Starting points, shape ``(starts_per_side**2, 2)``.
    population_success, empirical_success : dict[float, numpy.ndarray]
        Boolean success of each start, by :math:`\\omega`.
    population_end, empirical_end : dict[float, numpy.ndarray]
        End point of each start, shape ``(starts_per_side**2, 2)``, by :math:`\\omega`.
    spurious_minimum : dict[float, numpy.ndarray]
        Where gradient descent on the population risk started at :math:`w=0` ends (ten times
        ``steps`` steps): the spurious minimum near the origin, or :math:`w_*` for small :math:`\\omega`.
    """

    config: Config
    starts: np.ndarray
    population_success: dict[float, np.ndarray] = field(default_factory=dict)
    empirical_success: dict[float, np.ndarray] = field(default_factory=dict)
    population_end: dict[float, np.ndarray] = field(default_factory=dict)
    empirical_end: dict[float, np.ndarray] = field(default_factory=dict)
    spurious_minimum: dict[float, np.ndarray] = field(default_factory=dict)

    def fractions(self, which: str = "population") -> np.ndarray:
        """Fraction of successful starts for each :math:`\\omega` (``which``: ``"population"`` or ``"empirical"``)."""
        table = {"population": self.population_success, "empirical": self.empirical_success}
        if which not in table:
            raise ValueError(f"which must be 'population' or 'empirical', got {which!r}")
        return np.array([table[which][L].mean() for L in self.config.frequencies])

    def outcomes(self, which: str = "population") -> dict[str, np.ndarray]:
        """Where the starts end, as fractions for each :math:`\\omega`; the four fractions add up to 1.

        ``"target"``: within ``tolerance`` of :math:`w_*`; ``"origin"``: within ``tolerance`` of
        the spurious minimum near the origin (:attr:`spurious_minimum`, when it is not
        :math:`w_*`); ``"unmoved"``: none of these, and less than ``tolerance`` from the start;
        ``"elsewhere"``: the rest.
        """
        table = {"population": self.population_end, "empirical": self.empirical_end}
        if which not in table:
            raise ValueError(f"which must be 'population' or 'empirical', got {which!r}")
        tol = self.config.tolerance
        w_star = np.asarray(self.config.w_star, dtype=float)
        rows = {"target": [], "origin": [], "unmoved": [], "elsewhere": []}
        for L in self.config.frequencies:
            end = table[which][L]
            target = np.linalg.norm(end - w_star, axis=1) < tol
            w0 = self.spurious_minimum[L]
            origin = ~target & (np.linalg.norm(end - w0, axis=1) < tol) & (np.linalg.norm(w0 - w_star) >= tol)
            unmoved = ~target & ~origin & (np.linalg.norm(end - self.starts, axis=1) < tol)
            for key, mask in (("target", target), ("origin", origin), ("unmoved", unmoved),
                              ("elsewhere", ~(target | origin | unmoved))):
                rows[key].append(mask.mean())
        return {key: np.array(value) for key, value in rows.items()}


def run(config: Config) -> Result:
    """Run gradient descent from every start, on both risks, for every frequency."""
    starts = ls.grid(config.limit, config.starts_per_side).reshape(-1, 2)
    x = ls.sample_inputs(config.n, seed=derive_seed(config.seed, "train"))
    w_star = np.asarray(config.w_star, dtype=float)
    result = Result(config, starts)
    for L in config.frequencies:
        lr = config.lr_times_omega2 / L**2
        pop = ls.gradient_descent(lambda w: ls.population_gradient(w, w_star, L), starts, lr=lr, steps=config.steps)
        emp = ls.gradient_descent(lambda w: ls.empirical_gradient(w, w_star, L, x), starts, lr=lr, steps=config.steps)
        result.population_success[L] = np.linalg.norm(pop - w_star, axis=1) < config.tolerance
        result.empirical_success[L] = np.linalg.norm(emp - w_star, axis=1) < config.tolerance
        result.population_end[L], result.empirical_end[L] = pop, emp
        result.spurious_minimum[L] = ls.gradient_descent(lambda w: ls.population_gradient(w, w_star, L), np.zeros((1, 2)),
                                                         lr=lr, steps=10 * config.steps)[0]
    return result


def plot(result: Result):
    """Left: fraction of successful starts against :math:`\\omega`. Right: the successful starts for the largest :math:`\\omega`."""
    config = result.config
    fig, (ax_f, ax_s) = figure(2, width=PAGE_WIDTH, height=3.4)
    L = np.asarray(config.frequencies)
    ax_f.loglog(L, result.fractions("population"), "o-", color=OKABE_ITO[0], label="population risk")
    ax_f.loglog(L, result.fractions("empirical"), "x-", color=OKABE_ITO[1], markersize=7, markeredgewidth=1.8,
                label=f"empirical risk, $n={config.n}$")
    pop = result.fractions("population")
    if pop[-1] > 0:
        ax_f.loglog(L, pop[-1] * (L / L[-1]) ** -2.0, **BOUND_STYLE, label=r"$\propto \omega^{-2}$")
    ax_f.set_xticks(L, labels=[f"{v:g}" for v in L])
    ax_f.xaxis.set_minor_formatter(NullFormatter())
    ax_f.yaxis.set_minor_formatter(NullFormatter())
    ax_f.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax_f.set(xlabel="frequency $\\omega$", ylabel="fraction of starts that reach $w_*$", title="success of gradient descent")
    ax_f.legend(loc="lower left", fontsize=LEGEND_SIZE)
    L_max = config.frequencies[-1]
    # Open blue circles and orange crosses: a start that succeeds on both risks shows a cross in a circle.
    # The markers fill about 90% of the spacing of the grid of starts (the square is about 2.4 in wide).
    size = min(8.0, 0.9 * 2.4 * 72 / (config.starts_per_side - 1))
    pts = result.starts[result.population_success[L_max]]
    ax_s.plot(pts[:, 0], pts[:, 1], "o", linestyle="none", markersize=size, markerfacecolor="none",
              markeredgecolor=OKABE_ITO[0], markeredgewidth=min(1.5, size / 5), label="population")
    pts = result.starts[result.empirical_success[L_max]]
    ax_s.plot(pts[:, 0], pts[:, 1], "x", linestyle="none", markersize=0.6 * size, color=OKABE_ITO[1],
              markeredgewidth=min(1.5, size / 5), label="empirical")
    ax_s.plot(*config.w_star, "*", color="black", markersize=10, label="$w_*$")
    ax_s.set(xlim=(-config.limit, config.limit), ylim=(-config.limit, config.limit), xlabel="$w^{(1)}$", ylabel="$w^{(2)}$",
             title=f"starts that reach $w_*$, $\\omega={L_max:g}$")
    ax_s.set_aspect("equal")
    ax_s.legend(loc="lower left", fontsize=LEGEND_SIZE, markerscale=max(1.0, 6.0 / size))
    return fig
