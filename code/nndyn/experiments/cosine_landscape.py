"""Population and empirical landscapes of a sine neuron in two dimensions.

For each frequency :math:`\\omega` the experiment evaluates the population risk
:math:`R_\\omega(w)=\\mathbb E(\\sin(\\omega w^\\top x)-\\sin(\\omega w_*^\\top x))^2` (closed form) and the
empirical risk with ``n`` Gaussian samples on a grid of the square of half-side ``limit``
centred at the origin, and counts the strict local minima of each on the grid. It also
evaluates the empirical risk for each sample size in ``sample_sizes`` (the interactive figure
of chapter 5 has a slider over it).

The samples of the different sizes are nested: the sample of size ``k`` is the first ``k``
points of one sequence, whose first ``n`` points are the ``n`` samples above (stream
``"train"``) and whose further points come from their own stream ``"train-more"``. Moving
from one sample size to the next therefore *adds* samples to the same data set, so what
changes between two sizes is the effect of more data and not of a fresh draw; and the
landscape for ``n`` itself is exactly the one above.
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
        The values of :math:`\\omega`.
    w_star : tuple of float
        The target weight :math:`w_*\\in\\mathbb R^2`.
    n : int
        Samples of the empirical risk.
    limit : float
        Half-side of the square grid, centred at the origin.
    points : int
        Grid points per side.
    sample_sizes : tuple of int
        Sample sizes of the empirical landscapes recorded for every :math:`\\omega`, increasing;
        must contain ``n``.
    """

    frequencies: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    w_star: tuple[float, float] = (1.0, 0.5)
    n: int = 100
    limit: float = 2.0
    points: int = 201
    sample_sizes: tuple[int, ...] = (10, 30, 100, 300, 1000)

    PRESETS = {"quick": {"points": 161, "sample_sizes": (10, 100, 1000)}, "full": {},
               "lecture": {"points": 401}}

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.frequencies) < 1:
            raise ValueError("frequencies must hold at least one value of the frequency omega")
        for L in self.frequencies:
            check_positive("frequencies", L)
        if len(self.w_star) != 2:
            raise ValueError(f"w_star must have 2 coordinates, got {self.w_star}")
        check_positive_int("n", self.n)
        check_positive("limit", self.limit)
        if check_positive_int("points", self.points) < 3:
            raise ValueError(f"points must be an integer >= 3, got {self.points}")
        for k in self.sample_sizes:
            check_positive_int("sample_sizes", k)
        if list(self.sample_sizes) != sorted(set(self.sample_sizes)):
            raise ValueError(f"sample_sizes must be strictly increasing, got {self.sample_sizes}")
        if self.n not in self.sample_sizes:
            raise ValueError(f"sample_sizes must contain n={self.n}, got {self.sample_sizes}")


@dataclass
class Result:
    """Risks on the grid and their local minima, by frequency.

    Attributes
    ----------
    config : Config
    grid : numpy.ndarray
        Shape ``(points, points, 2)``.
    population, empirical : dict[float, numpy.ndarray]
        The risks on the grid, by :math:`\\omega`.
    population_minima, empirical_minima : dict[float, numpy.ndarray]
        The grid points that are strict local minima, shape ``(count, 2)``.
    empirical_by_n, empirical_minima_by_n : dict[float, dict[int, numpy.ndarray]]
        The empirical risk and its local minima by :math:`\\omega` and then by sample size (one
        entry for each of ``config.sample_sizes``; the entry for ``config.n`` is the array
        in ``empirical``).
    """

    config: Config
    grid: np.ndarray
    population: dict[float, np.ndarray] = field(default_factory=dict)
    empirical: dict[float, np.ndarray] = field(default_factory=dict)
    population_minima: dict[float, np.ndarray] = field(default_factory=dict)
    empirical_minima: dict[float, np.ndarray] = field(default_factory=dict)
    empirical_by_n: dict[float, dict[int, np.ndarray]] = field(default_factory=dict)
    empirical_minima_by_n: dict[float, dict[int, np.ndarray]] = field(default_factory=dict)

    def counts(self, which: str = "population") -> list[int]:
        """Number of local minima of ``which`` (``"population"`` or ``"empirical"``) for each :math:`\\omega`."""
        minima = {"population": self.population_minima, "empirical": self.empirical_minima}
        if which not in minima:
            raise ValueError(f"which must be 'population' or 'empirical', got {which!r}")
        return [len(minima[which][L]) for L in self.config.frequencies]

    def counts_by_n(self, omega: float) -> list[int]:
        """Number of local minima of the empirical risk at frequency :math:`\\omega` = ``omega`` for each of ``config.sample_sizes``."""
        if omega not in self.empirical_minima_by_n:
            raise ValueError(f"omega must be one of the frequencies {self.config.frequencies}, got {omega}")
        return [len(self.empirical_minima_by_n[omega][k]) for k in self.config.sample_sizes]

    def deviations_by_n(self, omega: float) -> list[float]:
        """Largest deviation :math:`\\max_{\\text{grid}}|\\hat R_{\\omega,k}-R_\\omega|` for each sample size ``k`` of ``config.sample_sizes``."""
        if omega not in self.empirical_by_n:
            raise ValueError(f"omega must be one of the frequencies {self.config.frequencies}, got {omega}")
        pop = self.population[omega]
        return [float(np.max(np.abs(self.empirical_by_n[omega][k] - pop))) for k in self.config.sample_sizes]


def run(config: Config) -> Result:
    """Evaluate both risks on the grid for every frequency and find their local minima."""
    grid = ls.grid(config.limit, config.points)
    x = ls.sample_inputs(config.n, seed=derive_seed(config.seed, "train"))
    more = max(config.sample_sizes) - config.n
    if more > 0:  # nested samples: the first n points are x, the rest come from their own stream
        x_all = np.concatenate([x, ls.sample_inputs(more, seed=derive_seed(config.seed, "train-more"))])
    else:
        x_all = x
    w_star = np.asarray(config.w_star)
    result = Result(config, grid)
    for L in config.frequencies:
        pop = ls.population_risk(grid, w_star, L)
        emp = ls.empirical_risk(grid, w_star, L, x)
        result.population[L], result.empirical[L] = pop, emp
        result.population_minima[L] = grid[ls.local_minima(pop)]
        result.empirical_minima[L] = grid[ls.local_minima(emp)]
        result.empirical_by_n[L], result.empirical_minima_by_n[L] = {}, {}
        for k in config.sample_sizes:
            values = emp if k == config.n else _empirical_in_rows(grid, w_star, L, x_all[:k])
            result.empirical_by_n[L][k] = values
            result.empirical_minima_by_n[L][k] = result.empirical_minima[L] if k == config.n else grid[ls.local_minima(values)]
    return result


def _empirical_in_rows(grid: np.ndarray, w_star: np.ndarray, L: float, x: np.ndarray, budget: int = 2_000_000) -> np.ndarray:
    """:func:`nndyn.landscape.empirical_risk` on the grid, a few rows at a time (at most ``budget`` sines per chunk)."""
    rows = max(1, budget // (grid.shape[1] * len(x)))
    return np.concatenate([ls.empirical_risk(grid[i : i + rows], w_star, L, x) for i in range(0, grid.shape[0], rows)])


def plot(result: Result):
    """Contours of the population risk (left column) and the empirical risk (right column), one row per :math:`\\omega`;
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
            ax.set_title(f"{name}, $\\omega={L:g}$: {len(minima)} {'minimum' if len(minima) == 1 else 'minima'}")
            if row == k - 1:
                ax.set_xlabel("$w^{(1)}$")
            if col == 0:
                ax.set_ylabel("$w^{(2)}$")
    fig.colorbar(cs, ax=axes, shrink=0.5, aspect=30, label="risk")
    return fig


def _page_indices(points: int, page_points: int) -> np.ndarray:
    """About ``page_points`` evenly spread indices of ``range(points)``, both ends included."""
    return np.unique(np.round(np.linspace(0, points - 1, min(points, page_points))).astype(int))


def interactive(result: Result, *, page_points: int = 71):
    """:func:`plot` as a figure the reader can move: the population risk (left) and the
    empirical risk (right) as heatmaps, one slider over the frequency :math:`\\omega` and one over
    the sample size of the empirical risk (``config.sample_sizes``); dots are the local minima
    on the full grid, the star is :math:`w_*`. The static figure is the fallback (PDF, no
    JavaScript); the sliders start at the largest :math:`\\omega`, where the empirical landscape has
    the most spurious minima (the figure's most informative state), and at ``config.n``.

    The heatmaps show about ``page_points`` evenly spread grid points per side (the page's
    weight: about 0.8 MB for the full preset), rounded to two decimals; the minima are those
    of the full grid. The population risk
    depends only on :math:`\\omega`, so it is drawn once per :math:`\\omega` (one heatmap each, the
    others made transparent) rather than once per pair of slider positions.
    """
    from ..plotting import OKABE_ITO, Slider, interactive_figure

    config = result.config
    if check_positive_int("page_points", page_points) < 3:
        raise ValueError(f"page_points must be an integer >= 3, got {page_points}")
    Ls, sizes = config.frequencies, config.sample_sizes
    idx = _page_indices(config.points, page_points)
    u = result.grid[0, idx, 0]
    start_L, start_n = len(Ls) - 1, sizes.index(config.n)
    scale = {"type": "heatmap", "x": u, "y": u, "colorscale": "Viridis", "zmin": 0.0, "zmax": 2.0}

    def z(values):
        return np.round(values[np.ix_(idx, idx)], 2)

    def shown(on: bool) -> dict:
        return {"opacity": 1.0 if on else 0.0, "hoverinfo": "all" if on else "skip"}

    data = []
    for i, L in enumerate(Ls):  # traces 0..K-1: the population risk, one heatmap per L
        data.append({**scale, "z": z(result.population[L]), "xaxis": "x", "yaxis": "y", "showscale": False,
                     "hovertemplate": f"ω = {L:g}<br>w = (%{{x:.2f}}, %{{y:.2f}})<br>risk %{{z:.2f}}<extra></extra>",
                     **shown(i == start_L)})
    K = len(Ls)
    L0, n0 = Ls[start_L], sizes[start_n]
    data.append({**scale, "z": z(result.empirical_by_n[L0][n0]), "xaxis": "x2", "yaxis": "y2",
                 "hovertemplate": "w = (%{x:.2f}, %{y:.2f})<br>risk %{z:.2f}<extra></extra>",
                 "colorbar": {"title": {"text": "risk"}, "thickness": 12, "len": 0.8}})

    def dots(minima, name):
        return {"x": minima[:, 0], "y": minima[:, 1], "name": f"{name} minima: {len(minima)}"}

    marker = {"type": "scatter", "mode": "markers", "hoverinfo": "skip",
              "marker": {"color": OKABE_ITO[4], "size": 6, "line": {"color": "black", "width": 0.6}}}
    data.append({**marker, **dots(result.population_minima[L0], "population"), "xaxis": "x", "yaxis": "y"})
    data.append({**marker, **dots(result.empirical_minima_by_n[L0][n0], "empirical"), "xaxis": "x2", "yaxis": "y2"})
    star = {"type": "scatter", "mode": "markers", "x": [config.w_star[0]], "y": [config.w_star[1]], "name": "target w*",
            "hoverinfo": "skip", "marker": {"symbol": "star", "size": 15, "color": OKABE_ITO[1],
                                            "line": {"color": "white", "width": 1}}}
    data.append({**star, "xaxis": "x", "yaxis": "y"})
    data.append({**star, "xaxis": "x2", "yaxis": "y2", "showlegend": False})

    frame_traces = list(range(K + 3))
    frames = {}
    for i, L in enumerate(Ls):
        for j, k in enumerate(sizes):
            frames[(i, j)] = ([shown(i == i2) for i2 in range(K)]
                              + [{"z": z(result.empirical_by_n[L][k])},
                                 dots(result.population_minima[L], "population"),
                                 dots(result.empirical_minima_by_n[L][k], "empirical")])
    lim = [-config.limit, config.limit]
    axis = {"range": lim, "constrain": "domain", "showgrid": False, "zeroline": False}
    layout = {
        "grid": {"rows": 1, "columns": 2, "pattern": "independent"},
        "xaxis": {**axis, "title": {"text": "w⁽¹⁾"}},
        "yaxis": {**axis, "title": {"text": "w⁽²⁾"}, "scaleanchor": "x"},
        "xaxis2": {**axis, "title": {"text": "w⁽¹⁾"}},
        "yaxis2": {**axis, "scaleanchor": "x2"},
        "legend": {"orientation": "h", "x": 0, "y": -0.16, "yanchor": "top"},
        "margin": {"l": 50, "r": 10, "t": 30, "b": 60},
        "annotations": [
            {"text": "population risk", "xref": "x domain", "yref": "y domain", "x": 0.5, "y": 1.02,
             "xanchor": "center", "yanchor": "bottom", "showarrow": False},
            {"text": "empirical risk (n samples)", "xref": "x2 domain", "yref": "y2 domain", "x": 0.5, "y": 1.02,
             "xanchor": "center", "yanchor": "bottom", "showarrow": False},
        ],
    }
    narrow = {"grid": {"rows": 2, "columns": 1, "pattern": "independent", "roworder": "top to bottom"},
              "height": 800, "legend": {"orientation": "h", "x": 0, "y": -0.06, "yanchor": "top"},
              "margin": {"l": 45, "r": 5, "t": 30, "b": 90}}
    alt = ("Maps of the population risk (left) and the empirical risk (right) of the sine neuron over the plane of "
           "weights, the target marked by a star and local minima by dots; the static image has one row per frequency ω. "
           "The population maps have one smooth well around the target that narrows as ω grows; the empirical maps "
           "become speckled with local minima whose number grows quickly with ω.")
    return interactive_figure(
        data, layout, fallback=plot(result), alt=alt,
        sliders=[Slider("frequency ω", [f"ω = {L:g}" for L in Ls], start=start_L),
                 Slider("sample size n", [f"n = {k}" for k in sizes], start=start_n)],
        frames=frames, frame_traces=frame_traces, narrow_layout=narrow, height=400, digits=3)
