"""Online SGD on parities of random subsets: the theorem's class, sampled.

The hardness theorem of chapter 4 is a statement about a parity :math:`\\chi_S` drawn
*uniformly* from all :math:`2^d` of them, i.e. every coordinate belongs to :math:`S` with
probability 1/2, independently. This experiment samples such targets: for each dimension
:math:`d` it draws several sets :math:`S` (each from its own stream
``derive_seed(seed, "subset", d, k)``), trains the network of :mod:`nndyn.experiments.parity_sgd` (balanced
initialisation, a constant input coordinate, hinge loss) by online SGD on each
:math:`\\chi_S`, and records the number of steps until the test accuracy first reaches
``learned_level``; a run that does not reach it stops at the cap ``max_steps``. The full
parity :math:`\\prod_{i=1}^d x_i` of the same dimensions is trained as a contrast.

Online SGD consumes ``batch_size`` fresh points per step, so a run of ``max_steps`` steps
sees :math:`B\\,T` samples; the figure draws this budget against the :math:`2^d` points of
the cube.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import check_in_range, check_positive, check_positive_int
from ..models import TwoLayerNet
from ..plotting import BOUND_STYLE, figure
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
    include_full : bool
        Also train on the full parity :math:`S=\\{1,\\dots,d\\}` of every dimension.
    max_steps : int
        The cap :math:`T`: a run that has not reached ``learned_level`` after this many
        steps counts as "not reached".
    width : int
        Number of neurons :math:`m`.
    batch_size : int
        Fresh points per step :math:`B`.
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
    chance_level : float
        Test accuracy that counts as "left chance" (reported for the full parity).
    bias_input : bool
        Append a constant input coordinate 1 (the network reads ``d + 1`` coordinates).
    accelerator : str
        Lightning accelerator.
    """

    dims: tuple[int, ...] = (8, 12, 16, 20, 24)
    draws: int = 3
    include_full: bool = True
    max_steps: int = 2000
    width: int = 256
    batch_size: int = 500
    lr: float = 0.2
    init: str = "balanced"
    eval_every: int = 25
    n_test: int = 2000
    learned_level: float = 0.95
    chance_level: float = 0.55
    bias_input: bool = True
    accelerator: str = "cpu"

    PRESETS = {
        "quick": {"dims": (5, 8, 20), "max_steps": 400, "width": 128, "batch_size": 250, "eval_every": 10},
        "full": {},
        "lecture": {"draws": 8, "max_steps": 6000, "accelerator": "auto"},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.dims) == 0 or any(b <= a for a, b in zip(self.dims, self.dims[1:])):
            raise ValueError(f"dims must be a non-empty increasing tuple, got {self.dims}")
        for d in self.dims:
            check_positive_int("dims", d)
        check_positive_int("draws", self.draws)
        check_positive_int("max_steps", self.max_steps)
        check_positive_int("width", self.width)
        check_positive_int("batch_size", self.batch_size)
        check_positive("lr", self.lr)
        check_positive_int("eval_every", self.eval_every)
        check_positive_int("n_test", self.n_test)
        check_in_range("learned_level", self.learned_level, 0.5, 1.0)
        check_in_range("chance_level", self.chance_level, 0.5, 1.0)


@dataclass
class Result:
    """Steps to learn each random parity, by dimension.

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
    full_steps_to_learn, full_steps_to_leave_chance, full_final_accuracy : dict[int, float]
        The same for the full parity (``inf`` where not reached); present if ``include_full``.
    runs : dict[str, OnlineTrajectory]
        Every trajectory, keyed ``"d{d}_S{k}"`` and ``"d{d}_full"``.
    sample_budget : float
        :math:`B\\,T`, the fresh samples a run of ``max_steps`` steps consumes.
    seconds : float
        Wall-clock time of the whole experiment.
    """

    config: Config
    subsets: dict[int, np.ndarray] = field(default_factory=dict)
    sizes: dict[int, np.ndarray] = field(default_factory=dict)
    steps_to_learn: dict[int, np.ndarray] = field(default_factory=dict)
    final_accuracy: dict[int, np.ndarray] = field(default_factory=dict)
    full_steps_to_learn: dict[int, float] = field(default_factory=dict)
    full_steps_to_leave_chance: dict[int, float] = field(default_factory=dict)
    full_final_accuracy: dict[int, float] = field(default_factory=dict)
    runs: dict[str, OnlineTrajectory] = field(default_factory=dict)
    sample_budget: float = 0.0
    seconds: float = 0.0

    def median_steps(self, d: int) -> float:
        """The median over the draws of the steps to learn in dimension ``d`` (``inf`` if most were not learned)."""
        return float(np.median(self.steps_to_learn[d]))

    def learned_fraction(self, d: int) -> float:
        """The fraction of the draws of dimension ``d`` learned within the cap."""
        return float(np.isfinite(self.steps_to_learn[d]).mean())


def draw_subset(seed: int, d: int, k: int) -> np.ndarray:
    """The ``k``-th random set of dimension ``d``: each coordinate in :math:`S` with probability 1/2.

    Drawn from the stream ``derive_seed(seed, "subset", d, k)``; returns a 0/1 array of length ``d``.
    """
    d = check_positive_int("d", d)
    return numpy_generator(seed, "subset", d, k).integers(0, 2, size=d).astype(np.float64)


def _train(config: Config, d: int, subset: np.ndarray, name: str | int) -> OnlineTrajectory:
    net = TwoLayerNet(d + int(config.bias_input), config.width, init=config.init,
                      seed=derive_seed(config.seed, "network", d, name), dtype=torch.float32)
    return train_online(
        net,
        d=d,
        batch_size=config.batch_size,
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
    """Train one network per drawn set (and on the full parity) in every dimension of ``config``."""
    start = time.perf_counter()
    result = Result(config, sample_budget=float(config.batch_size * config.max_steps))
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
        if config.include_full:
            traj = _train(config, d, np.ones(d), "full")
            result.runs[f"d{d}_full"] = traj
            result.full_steps_to_learn[d] = traj.steps_to_accuracy(config.learned_level)
            result.full_steps_to_leave_chance[d] = traj.steps_to_accuracy(config.chance_level)
            result.full_final_accuracy[d] = float(traj.test_accuracy[-1])
    result.seconds = time.perf_counter() - start
    return result


def plot(result: Result):
    """Steps to ``learned_level`` against :math:`d` (log scale), one point per run, with the
    sample budget :math:`B\\,T` against :math:`2^d` on the right-hand axis."""
    config = result.config
    cap, batch = config.max_steps, config.batch_size
    fig, ax = figure(1, width=6.8, height=4.2)
    dims = np.asarray(config.dims, dtype=float)
    gap = float(min(np.diff(dims))) if len(dims) > 1 else 4.0
    offsets = np.linspace(-0.35, 0.05, config.draws) * gap if config.draws > 1 else np.zeros(1)
    draw_color, full_color = "#0072B2", "#D55E00"
    for d in config.dims:
        for k, (steps, size, acc) in enumerate(zip(result.steps_to_learn[d], result.sizes[d], result.final_accuracy[d])):
            x = d + offsets[k]
            reached = bool(np.isfinite(steps))
            y = steps if reached else cap
            ax.scatter([x], [y], marker="o" if reached else "^", s=40, zorder=3,
                       facecolors=draw_color if reached else "white", edgecolors=draw_color, linewidths=1.2)
            label = f"{int(size)}" if reached else f"{int(size)}\n({acc:.2f})"
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(0, 6 if reached else -7),
                        ha="center", va="bottom" if reached else "top", fontsize=6.5, color=draw_color)
        if config.include_full:
            steps = result.full_steps_to_learn[d]
            reached = bool(np.isfinite(steps))
            x, y = d + 0.28 * gap, steps if reached else cap
            ax.scatter([x], [y], marker="X" if reached else "^", s=60, zorder=4, linewidths=1.4,
                       facecolors=full_color if reached else "white", edgecolors=full_color)
            if not reached:
                ax.annotate(f"{d}\n({result.full_final_accuracy[d]:.2f})", (x, y), textcoords="offset points",
                            xytext=(0, -7), ha="center", va="top", fontsize=6.5, color=full_color)
    ax.axhline(cap, color="grey", linestyle=":", linewidth=1)
    ax.text(dims[0] - 0.4 * gap, cap * 1.08, f"cap T = {cap} steps: open triangles not reached (final accuracy)",
            fontsize=7, color="grey", va="bottom")
    # the 2^d points of the cube in units of B samples: it crosses the cap where B T = 2^d
    grid = np.linspace(dims[0] - 0.4 * gap, dims[-1] + 0.4 * gap, 100)
    ax.plot(grid, 2.0**grid / batch, **BOUND_STYLE, label=r"$2^d/B$: steps that draw $2^d$ samples")
    ax.scatter([], [], marker="o", color=draw_color, label=r"random $S$ (label: $|S|$)")
    ax.scatter([], [], marker="X", color=full_color, label=r"full parity ($|S|=d$)")
    ax.set_yscale("log")
    finite = np.concatenate([result.steps_to_learn[d][np.isfinite(result.steps_to_learn[d])] for d in config.dims])
    low = float(finite.min()) if finite.size else float(cap)
    ax.set_ylim(max(config.eval_every / 2, low / 3), cap * 6)
    ax.set_xlim(dims[0] - 0.45 * gap, dims[-1] + 0.45 * gap)
    ax.set(xlabel="dimension $d$", ylabel=f"SGD steps to {100 * config.learned_level:g}% test accuracy",
           xticks=list(config.dims))
    samples = ax.secondary_yaxis("right", functions=(lambda s: s * batch, lambda n: n / batch))
    samples.set_ylabel(f"fresh samples drawn, $B\\cdot$steps ($B$ = {batch})")
    ax.legend(loc="upper left", fontsize=7.5)
    return fig
