"""Online SGD on parities of random subsets: the theorem's class, sampled.

The hardness theorem of chapter 4 is a statement about a parity :math:`\\chi_S` drawn
*uniformly* from all :math:`2^d` of them, i.e. every coordinate belongs to :math:`S` with
probability 1/2, independently. This experiment samples such targets: for each dimension
:math:`d` it draws several sets :math:`S` (each from its own stream
``derive_seed(seed, "subset", d, i)`` for the ``i``-th draw), trains the network of :mod:`nndyn.experiments.parity_sgd` (balanced
initialisation, a constant input coordinate, hinge loss) by online SGD on each
:math:`\\chi_S`, and records the number of steps until the test accuracy first reaches
``learned_level``. The cap ``max_steps`` is a safeguard, set high enough that every draw
of the full preset is learned: what the experiment measures is how the steps grow with
:math:`d`, not where a cap cuts them off.

Online SGD consumes ``batch_size`` fresh points per step, so a run that learns after
:math:`k` steps has drawn :math:`n_{\\mathrm b}k` samples. To see whether the samples or the steps
bind, the first draw of dimension ``sweep_dim`` is trained again with every batch size of
``sweep_batches`` (same network, same data seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import comb, lgamma

import numpy as np
import torch

from .._validation import check_accuracy_levels, check_increasing, check_positive_int
from ..models import TwoLayerNet
from ..plotting import BOUND_STYLE, LEGEND_SIZE, PAGE_WIDTH, figure
from ..prose import number
from ..seeding import derive_seed, numpy_generator
from ..training.online import OnlineTrajectory, train_online
from .base import ExperimentConfig

TITLE = "Online SGD on parities of random subsets (the theorem's class, sampled)"
CHAPTER = 4
DISTRIBUTED = True  # online SGD: each device draws its own part of the batch


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the random-subset parity experiment.

    Attributes
    ----------
    dims : tuple of int
        Input dimensions :math:`d`, increasing.
    draws : int
        Number of random sets :math:`S` per dimension (each coordinate in :math:`S` with
        probability 1/2).
    max_steps : int
        Safeguard cap :math:`T_{\\max}`: a run that has not reached ``learned_level`` after
        this many steps counts as "not reached" (in the full preset every draw is learned
        well before it).
    width : int
        Number of neurons :math:`m`.
    batch_size : int
        Fresh points per step :math:`n_{\\mathrm b}`.
    lr : float
        Learning rate.
    init : str
        Initialisation of :class:`~nndyn.models.TwoLayerNet`.
    eval_every : int
        Steps between test evaluations (the resolution of the measured step counts).
    n_test : int
        Size of the fixed test set.
    learned_level : float
        Test accuracy that counts as "learned"; a run stops at the first evaluation that
        reaches it.
    sweep_dim : int
        The dimension of the batch sweep (one of ``dims``); its first draw is trained with
        every batch size of ``sweep_batches``.
    sweep_batches : tuple of int
        Batch sizes of the sweep, increasing.
    bias_input : bool
        Append a constant input coordinate 1 (the network reads ``d + 1`` coordinates).
    accelerator : str
        Lightning accelerator.
    """

    dims: tuple[int, ...] = (8, 12, 16, 20)
    draws: int = 3
    max_steps: int = 6000
    width: int = 256
    batch_size: int = 500
    lr: float = 0.2
    init: str = "balanced"
    eval_every: int = 25
    n_test: int = 2000
    learned_level: float = 0.95
    sweep_dim: int = 16
    sweep_batches: tuple[int, ...] = (32, 64, 125, 500, 1000)
    bias_input: bool = True
    accelerator: str = "cpu"

    PRESETS = {
        "quick": {"dims": (4, 6, 8), "draws": 2, "max_steps": 1500, "width": 128, "batch_size": 250,
                  "eval_every": 10, "sweep_dim": 8, "sweep_batches": (8, 250)},
        "full": {},
        "lecture": {"dims": (8, 12, 16, 20, 24), "draws": 8, "max_steps": 40000, "accelerator": "auto"},
    }

    def __post_init__(self) -> None:
        # the types and signs of the fields are checked by ExperimentConfig (from their defaults)
        super().__post_init__()
        for name in ("dims", "sweep_batches"):
            check_increasing(name, getattr(self, name))
        if self.sweep_dim not in self.dims:
            raise ValueError(f"sweep_dim must be one of dims {self.dims}, got {self.sweep_dim}")
        check_accuracy_levels(self.learned_level)


@dataclass
class Result:
    """Steps to learn each random parity, by dimension, and the batch sweep.

    Attributes
    ----------
    config : Config
    subsets : dict[int, numpy.ndarray]
        The 0/1 indicators of the drawn sets, shape ``(draws, d)``.
    sizes : dict[int, numpy.ndarray]
        :math:`|S|` of each draw.
    steps_to_learn : dict[int, numpy.ndarray]
        First evaluated step with test accuracy >= ``learned_level`` (``inf``: not within the cap).
    final_accuracy : dict[int, numpy.ndarray]
        Test accuracy at the end of each run.
    sweep_steps : dict[int, float]
        Steps to ``learned_level`` of the first draw of ``sweep_dim``, by batch size
        (``inf``: not within the cap).
    runs : dict[str, OnlineTrajectory]
        Every trajectory, keyed ``"d{d}_S{k}"`` and ``"sweep_B{B}"`` (the sweep's run at
        ``batch_size`` is ``"d{sweep_dim}_S0"``).
    seconds : float
        Wall-clock time of the whole experiment.
    """

    config: Config
    subsets: dict[int, np.ndarray] = field(default_factory=dict)
    sizes: dict[int, np.ndarray] = field(default_factory=dict)
    steps_to_learn: dict[int, np.ndarray] = field(default_factory=dict)
    final_accuracy: dict[int, np.ndarray] = field(default_factory=dict)
    sweep_steps: dict[int, float] = field(default_factory=dict)
    runs: dict[str, OnlineTrajectory] = field(default_factory=dict)
    seconds: float = 0.0

    def median_steps(self, d: int) -> float:
        """The median over the draws of the steps to learn in dimension ``d`` (``inf`` if most were not learned)."""
        return float(np.median(self.steps_to_learn[d]))

    def learned_fraction(self, d: int) -> float:
        """The fraction of the draws of dimension ``d`` learned within the cap."""
        return float(np.isfinite(self.steps_to_learn[d]).mean())

    def all_learned(self) -> bool:
        """Whether every draw of every dimension reached ``learned_level`` within the cap."""
        return all(self.learned_fraction(d) == 1.0 for d in self.config.dims)

    def binomials(self, d: int) -> np.ndarray:
        """:math:`\\binom{d}{|S|}`, the number of parities of the degree of each draw of dimension ``d``."""
        return np.array([float(comb(d, int(k))) for k in self.sizes[d]])

    def samples_to_learn(self, d: int) -> np.ndarray:
        """:math:`n_{\\mathrm b}k`: the fresh samples each draw of dimension ``d`` consumed until it was learned."""
        return self.config.batch_size * self.steps_to_learn[d]

    def growth_per_bit(self) -> float:
        """The fitted factor per bit of the steps to learn: :math:`2^s`, where :math:`s` is the
        least-squares slope of :math:`\\log_2 k` against :math:`d` over every learned draw."""
        return _factor_per_bit(self, lambda d: self.steps_to_learn[d])

    def binomial_growth_per_bit(self) -> float:
        """The same fit for :math:`\\binom{d}{|S|}` of the same draws (for comparison; :math:`2^d` has factor 2)."""
        return _factor_per_bit(self, self.binomials)

    def sweep_samples(self) -> dict[int, float]:
        """:math:`n_{\\mathrm b}k` at learning of the sweep, by batch size."""
        return {b: b * t for b, t in self.sweep_steps.items()}


def central_binomial(d: np.ndarray) -> np.ndarray:
    """:math:`\\binom{d}{d/2}=\\Gamma(d+1)/\\Gamma(d/2+1)^2`, continued to real :math:`d` (for plotting)."""
    d = np.asarray(d, dtype=float)
    return np.exp([lgamma(x + 1) - 2 * lgamma(x / 2 + 1) for x in d.ravel()]).reshape(d.shape)


def _left_panel_geometry(result: Result) -> tuple[np.ndarray, float, float]:
    """The grid of :math:`d` and the plotted range of steps of the left panel of :func:`plot`."""
    config = result.config
    dims = np.asarray(config.dims, dtype=float)
    gap = float(min(np.diff(dims))) if len(dims) > 1 else 4.0
    grid = np.linspace(dims[0] - 0.4 * gap, dims[-1] + 0.4 * gap, 100)
    finite = np.concatenate([result.steps_to_learn[d][np.isfinite(result.steps_to_learn[d])] for d in config.dims])
    low = float(finite.min()) if finite.size else float(config.max_steps)
    high = float(finite.max()) if finite.size else float(config.max_steps)
    return grid, max(config.eval_every / 2, low / 4), high * 8


def reference_lines(result: Result) -> dict[str, str]:
    """Where the two reference lines of the left panel of :func:`plot` lie.

    Returns
    -------
    dict
        For ``"2^d"`` (:math:`2^d/n_{\\mathrm b}`) and ``"binomial"``
        (:math:`\\binom{d}{d/2}/n_{\\mathrm b}`): ``"shown"`` if the line enters the plotted
        range (it is then drawn and listed in the legend), else ``"below"`` or ``"above"`` it.
    """
    grid, y_low, y_high = _left_panel_geometry(result)
    batch = result.config.batch_size
    where = {}
    for name, values in (("2^d", 2.0**grid / batch), ("binomial", central_binomial(grid) / batch)):
        if np.any((values >= y_low) & (values <= y_high)):
            where[name] = "shown"
        else:
            where[name] = "below" if np.all(values < y_low) else "above"
    return where


def _factor_per_bit(result: Result, values) -> float:
    xs, ys = [], []
    for d in result.config.dims:
        steps = result.steps_to_learn[d]
        for ok, v in zip(np.isfinite(steps), values(d)):
            if ok:
                xs.append(d)
                ys.append(np.log2(v))
    if len(set(xs)) < 2:
        return float("nan")
    slope = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0]
    return float(2.0**slope)


def draw_subset(seed: int, d: int, k: int) -> np.ndarray:
    """The ``k``-th random set of dimension ``d``: each coordinate in :math:`S` with probability 1/2.

    Drawn from the stream ``derive_seed(seed, "subset", d, k)``; returns a 0/1 array of length ``d``.
    """
    d = check_positive_int("d", d)
    return numpy_generator(seed, "subset", d, k).integers(0, 2, size=d).astype(np.float64)


def _train(config: Config, d: int, subset: np.ndarray, name: str | int, batch_size: int | None = None) -> OnlineTrajectory:
    net = TwoLayerNet(d + int(config.bias_input), config.width, init=config.init,
                      seed=derive_seed(config.seed, "network", d, name), dtype=torch.float32)
    return train_online(
        net,
        d=d,
        batch_size=config.batch_size if batch_size is None else batch_size,
        steps=config.max_steps,
        lr=config.lr,
        eval_every=config.eval_every,
        n_test=config.n_test,
        seed=derive_seed(config.seed, "data", d, name),
        accelerator=config.accelerator,
        bias_input=config.bias_input,
        subset=torch.as_tensor(subset),
        stop_accuracy=config.learned_level,
    )


def run(config: Config) -> Result:
    """Train one network per drawn set in every dimension of ``config``, then the batch sweep."""
    start = time.perf_counter()
    result = Result(config)
    for d in config.dims:
        subsets = np.stack([draw_subset(config.seed, d, k) for k in range(config.draws)])
        steps, final = [], []
        for k, subset in enumerate(subsets):
            traj = _train(config, d, subset, k)
            result.runs[f"d{d}_S{k}"] = traj
            steps.append(traj.steps_to_accuracy(config.learned_level))
            final.append(float(traj.test_accuracy[-1]))
        result.subsets[d] = subsets
        result.sizes[d] = subsets.sum(1).astype(np.int64)
        result.steps_to_learn[d] = np.asarray(steps)
        result.final_accuracy[d] = np.asarray(final)
    d = config.sweep_dim
    for batch in config.sweep_batches:
        if batch == config.batch_size:  # the main run of the first draw is this run
            result.sweep_steps[batch] = float(result.steps_to_learn[d][0])
            continue
        traj = _train(config, d, result.subsets[d][0], 0, batch_size=batch)
        result.runs[f"sweep_B{batch}"] = traj
        result.sweep_steps[batch] = traj.steps_to_accuracy(config.learned_level)
    result.seconds = time.perf_counter() - start
    return result


def table(result: Result) -> str:
    """The measurements as a Markdown table, one row per dimension (what the chapter shows)."""
    config = result.config
    rows = ["| $d$ | $\\lvert S\\rvert$ of the draws | steps to the level | $n_{\\mathrm b}k/2^d$ | "
            "$n_{\\mathrm b}k/\\binom{d}{\\lvert S\\rvert}$ |",
            "|---:|:---|:---|:---|:---|"]

    def steps_text(t: float, acc: float) -> str:
        return f"{int(t)}" if np.isfinite(t) else f"not reached ({acc:.2f})"

    def ratios(values: np.ndarray) -> str:
        return ", ".join(number(float(v), 3) if np.isfinite(v) else "-" for v in values)

    for d in config.dims:
        samples = result.samples_to_learn(d)
        rows.append(
            f"| {d} | {', '.join(str(int(k)) for k in result.sizes[d])} | "
            + ", ".join(steps_text(t, a) for t, a in zip(result.steps_to_learn[d], result.final_accuracy[d]))
            + f" | {ratios(samples / 2.0**d)} | {ratios(samples / result.binomials(d))} |"
        )
    return "\n".join(rows)


def sweep_table(result: Result) -> str:
    """The batch sweep as a Markdown table, one row per batch size."""
    config = result.config
    d = config.sweep_dim
    binom = float(comb(d, int(result.sizes[d][0])))
    rows = ["| batch $n_{\\mathrm b}$ | steps to the level | $n_{\\mathrm b}k$ | $n_{\\mathrm b}k/2^d$ | $n_{\\mathrm b}k/\\binom{d}{\\lvert S\\rvert}$ |",
            "|---:|---:|---:|---:|---:|"]
    for batch, steps in result.sweep_steps.items():
        if np.isfinite(steps):
            samples = batch * steps
            rows.append(f"| {batch} | {int(steps)} | {number(samples)} | {number(samples / 2**d, 3)} | "
                        f"{number(samples / binom, 3)} |")
        else:
            rows.append(f"| {batch} | not reached within {config.max_steps} | - | - | - |")
    return "\n".join(rows)


def sweep_direction(result: Result) -> str:
    """How the steps change at the smallest batch of the sweep, against its largest, in words.

    The count of signal against noise (chapter 4) asks for a number of samples
    :math:`n_{\\mathrm b}T` of a given order; if the samples bind, a smaller batch needs more
    steps. The clause says the ratio of the steps at the smallest batch size to those at
    the largest, and whether it goes in that direction. If the samples alone set the steps,
    the ratio would be the ratio of the batch sizes; the clause names that number too.

    Returns
    -------
    str
        A clause that starts in lower case and ends without a full stop.
    """
    batches = sorted(result.sweep_steps)
    if len(batches) < 2:
        return "the sweep has a single batch size, so it says nothing about how the steps depend on it"
    small, large = batches[0], batches[-1]
    t_small, t_large = result.sweep_steps[small], result.sweep_steps[large]
    cap = result.config.max_steps
    if not np.isfinite(t_large):
        return (f"the run at the largest batch size, {large}, did not reach the level within {cap} steps, "
                "so the sweep does not show how the steps depend on the batch size")
    predicted = "the direction the count predicts (more steps for fewer samples per step)"
    if not np.isfinite(t_small):
        return (f"the run at the smallest batch size, {small}, did not reach the level within {cap} steps, against "
                f"{int(t_large)} steps at batch size {large}, which is {predicted}")
    ratio = t_small / t_large
    head = f"the run at the smallest batch size, {small}, needs {number(ratio, 2)} times the steps of the run at batch size {large}"
    if ratio > 1:
        return (f"{head}, which is {predicted}, though less than the {number(large / small, 2)}-fold rise that would "
                "keep the number of samples fixed")
    return f"{head}, which is not {predicted}"


def plot(result: Result):
    """Left: steps to ``learned_level`` against :math:`d` (log scale), one point per draw, with
    the fitted growth and the steps at which :math:`n_{\\mathrm b}k` reaches :math:`2^d` and
    :math:`\\binom{d}{d/2}`. Right: the batch sweep, steps against :math:`n_{\\mathrm b}` with the same two lines."""
    config = result.config
    cap, batch = config.max_steps, config.batch_size
    fig, (ax, ax_b) = figure(2, width=PAGE_WIDTH, height=3.9)
    dims = np.asarray(config.dims, dtype=float)
    gap = float(min(np.diff(dims))) if len(dims) > 1 else 4.0
    offsets = np.linspace(-0.1, 0.1, config.draws) * gap if config.draws > 1 else np.zeros(1)
    draw_color, fit_color = "#0072B2", "#D55E00"
    for d in config.dims:
        for k, (steps, size) in enumerate(zip(result.steps_to_learn[d], result.sizes[d])):
            x = d + offsets[k]
            reached = bool(np.isfinite(steps))
            y = steps if reached else cap
            ax.scatter([x], [y], marker="o" if reached else "^", s=36, zorder=3,
                       facecolors=draw_color if reached else "white", edgecolors=draw_color, linewidths=1.2)
            ax.annotate(f"{int(size)}", (x, y), textcoords="offset points", xytext=(0, 5),
                        ha="center", va="bottom", fontsize=LEGEND_SIZE, color=draw_color)
    grid, y_low, y_high = _left_panel_geometry(result)
    factor = result.growth_per_bit()
    if np.isfinite(factor):
        learned = [(d, t) for d in config.dims for t in result.steps_to_learn[d] if np.isfinite(t)]
        xs, ys = np.array([p[0] for p in learned], float), np.log2([p[1] for p in learned])
        slope, icpt = np.polyfit(xs, ys, 1)
        ax.plot(grid, 2.0 ** (icpt + slope * grid), color=fit_color, linewidth=1.5,
                label=f"fit: factor {factor:.2f} per bit")
    ax.set_yscale("log")
    ax.set_ylim(y_low, y_high)
    # a reference line is drawn (and listed in the legend) only where it enters the plotted range
    shown = reference_lines(result)
    for name, values, style, label in (
            ("2^d", 2.0**grid / batch, BOUND_STYLE, r"$2^d/n_{\mathrm{b}}$"),
            ("binomial", central_binomial(grid) / batch,
             {"color": "grey", "linestyle": ":", "linewidth": 1.2}, r"$\binom{d}{d/2}/n_{\mathrm{b}}$")):
        if shown[name] == "shown":
            ax.plot(grid, values, **style, label=label)
    ax.scatter([], [], marker="o", color=draw_color, label=r"random $S$ (label: $|S|$)")
    ax.set_xlim(dims[0] - 0.45 * gap, dims[-1] + 0.45 * gap)
    ax.set(xlabel="dimension $d$", ylabel=f"SGD steps to {100 * config.learned_level:g}% test accuracy",
           xticks=list(config.dims), title=f"random parities, batch $n_{{\\mathrm{{b}}}}$ = {batch}")
    ax.legend(loc="upper left", fontsize=LEGEND_SIZE)
    # right: the batch sweep at one dimension
    d = config.sweep_dim
    size = int(result.sizes[d][0])
    batches = np.asarray(list(result.sweep_steps), dtype=float)
    steps = np.asarray(list(result.sweep_steps.values()), dtype=float)
    reached = np.isfinite(steps)
    ax_b.scatter(batches[reached], steps[reached], color=draw_color, s=36, zorder=3, label="steps to the level")
    ax_b.scatter(batches[~reached], np.full((~reached).sum(), cap), marker="^", facecolors="white",
                 edgecolors=draw_color, s=36, zorder=3)
    bgrid = np.geomspace(batches.min() / 1.5, batches.max() * 1.5, 50)
    ax_b.plot(bgrid, 2.0**d / bgrid, **BOUND_STYLE, label=r"$2^d/n_{\mathrm{b}}$")
    ax_b.plot(bgrid, comb(d, size) / bgrid, color="grey", linestyle=":", linewidth=1.2,
              label=rf"$\binom{{{d}}}{{{size}}}/n_{{\mathrm{{b}}}}$")
    ax_b.set(xscale="log", yscale="log", xlabel="batch size $n_{\\mathrm{b}}$", ylabel="SGD steps",
             title=rf"one draw, $d$ = {d}, $|S|$ = {size}")
    ax_b.legend(loc="best", fontsize=LEGEND_SIZE)
    return fig
