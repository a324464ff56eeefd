"""The full parity from a Gaussian and from a +-1 first layer of the same scale.

The chapter computes that a ReLU neuron whose weights have exactly equal magnitudes gets a
correlation with the full parity :math:`\\prod_i x_i` that is many orders of magnitude
larger than the correlation of a Gaussian (rotation-invariant) neuron. Abbe, Cornacchia,
Hazla and Kougang-Yombi (ICLR 2025) show that a Rademacher (+-1) initialisation lets
two-layer ReLU networks learn almost-full parities. This experiment trains the network of
:mod:`nndyn.experiments.parity_random_subsets` on the full parity twice per dimension,
from the same draw: once with the balanced Gaussian first layer
:math:`b_{jk}\\sim\\mathcal N(0,1/(m(d+1)))`, once with its signs,
:math:`b_{jk}=\\mathrm{sign}(g_{jk})/\\sqrt{m(d+1)}` (the same second moment; the bias
coordinate included). The output layer, the data stream and everything else are shared.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import check_accuracy_levels, check_increasing
from ..models import TwoLayerNet
from ..plotting import colors, figure, legend_below
from ..seeding import derive_seed
from ..training.online import OnlineTrajectory, train_online
from .base import ExperimentConfig
from .parity_sgd import _record_run, _steps_text

TITLE = "The full parity from a Gaussian and from a +-1 first layer"
CHAPTER = 4
DISTRIBUTED = True  # online SGD: each device draws its own part of the batch

FIRST_LAYERS: tuple[str, ...] = ("gaussian", "rademacher")
"""The two first layers compared: the balanced Gaussian draw, and its signs at the same scale."""


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the initialisation experiment on the full parity.

    Attributes
    ----------
    dims : tuple of int
        Input dimensions :math:`d`, increasing.
    steps : int
        SGD steps of every run (a run stops early when it reaches ``learned_level``).
    width : int
        Number of neurons :math:`m`.
    batch_size : int
        Fresh points per step.
    lr : float
        Learning rate.
    eval_every : int
        Steps between test evaluations.
    n_test : int
        Size of the fixed test set.
    learned_level : float
        Test accuracy that counts as "learned".
    chance_level : float
        Test accuracy that counts as "left chance".
    bias_input : bool
        Append a constant input coordinate 1 (the network reads ``d + 1`` coordinates).
    accelerator : str
        Lightning accelerator.
    """

    dims: tuple[int, ...] = (16, 20)
    steps: int = 2500
    width: int = 256
    batch_size: int = 500
    lr: float = 0.2
    eval_every: int = 25
    n_test: int = 2000
    learned_level: float = 0.95
    chance_level: float = 0.55
    bias_input: bool = True
    accelerator: str = "cpu"

    PRESETS = {
        "quick": {"dims": (10,), "steps": 400, "width": 128, "batch_size": 250, "eval_every": 10},
        "full": {},
        "lecture": {"dims": (12, 16, 20, 24), "steps": 20000, "accelerator": "auto"},
    }

    def __post_init__(self) -> None:
        # the types and signs of the fields are checked by ExperimentConfig (from their defaults)
        super().__post_init__()
        check_increasing("dims", self.dims)
        check_accuracy_levels(self.learned_level, self.chance_level)


@dataclass
class Result:
    """One run per dimension and first layer.

    Attributes
    ----------
    config : Config
    runs : dict[str, OnlineTrajectory]
        The trajectory of each dimension and first layer, keyed :func:`key` ``(d, first_layer)``,
        e.g. ``"d16_rademacher"``.
    steps_to_learn, steps_to_leave_chance : dict[str, float]
        First evaluated step with test accuracy >= ``learned_level`` (resp. ``chance_level``);
        ``inf`` if not within ``steps``.
    max_accuracy : dict[str, float]
        Best test accuracy of each run.
    seconds : float
        Wall-clock time of the whole experiment.
    """

    config: Config
    runs: dict[str, OnlineTrajectory] = field(default_factory=dict)
    steps_to_learn: dict[str, float] = field(default_factory=dict)
    steps_to_leave_chance: dict[str, float] = field(default_factory=dict)
    max_accuracy: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def key(d: int, first_layer: str) -> str:
    """The key of the run of dimension ``d`` from ``first_layer`` in the dicts of :class:`Result`."""
    return f"d{d}_{first_layer}"


def network(config: Config, d: int, first_layer: str) -> TwoLayerNet:
    """The balanced network of dimension ``d``; for ``"rademacher"`` its first layer replaced by
    its signs times the Gaussian's standard deviation :math:`(m(d+1))^{-1/2}` (one draw for both)."""
    if first_layer not in FIRST_LAYERS:
        raise ValueError(f"first_layer must be one of {FIRST_LAYERS}, got {first_layer!r}")
    inputs = d + int(config.bias_input)
    net = TwoLayerNet(inputs, config.width, init="balanced", seed=derive_seed(config.seed, "network", d),
                      dtype=torch.float32)
    if first_layer == "rademacher":
        with torch.no_grad():
            net.B.copy_(torch.sign(net.B) / (config.width * inputs) ** 0.5)
    return net


def run(config: Config) -> Result:
    """Train the network from both first layers on the full parity of every dimension."""
    start = time.perf_counter()
    result = Result(config)
    for d in config.dims:
        for first_layer in FIRST_LAYERS:
            traj = train_online(
                network(config, d, first_layer),
                d=d,
                batch_size=config.batch_size,
                steps=config.steps,
                lr=config.lr,
                eval_every=config.eval_every,
                n_test=config.n_test,
                seed=derive_seed(config.seed, "data", d),
                accelerator=config.accelerator,
                bias_input=config.bias_input,
                stop_accuracy=config.learned_level,
            )
            _record_run(result, key(d, first_layer), traj)
    result.seconds = time.perf_counter() - start
    return result


def pm1_ahead(result: Result, d: int) -> bool:
    """Whether the +-1 first layer did better in dimension ``d``: it reached ``learned_level``
    sooner or, where neither run reached it, got the higher best test accuracy."""
    gauss, pm1 = key(d, "gaussian"), key(d, "rademacher")
    if np.isfinite(result.steps_to_learn[pm1]) or np.isfinite(result.steps_to_learn[gauss]):
        return result.steps_to_learn[pm1] < result.steps_to_learn[gauss]
    return result.max_accuracy[pm1] > result.max_accuracy[gauss]


def table(result: Result) -> str:
    """The measurements as a Markdown table, one row per dimension and first layer."""
    config = result.config

    def steps_text(t: float) -> str:
        return _steps_text(t, config.steps)

    rows = [f"| $d$ | first layer | steps to leave chance ({100 * config.chance_level:g}%) | "
            f"steps to {100 * config.learned_level:g}% | best test accuracy |",
            "|---:|:---|---:|---:|---:|"]
    for d in config.dims:
        for first_layer in FIRST_LAYERS:
            name = key(d, first_layer)
            label = "Gaussian" if first_layer == "gaussian" else "±1 (its signs)"
            rows.append(f"| {d} | {label} | {steps_text(result.steps_to_leave_chance[name])} | "
                        f"{steps_text(result.steps_to_learn[name])} | {result.max_accuracy[name]:.3f} |")
    return "\n".join(rows)


def plot(result: Result):
    """Test accuracy against SGD steps on the full parity, one colour per dimension: solid from
    the +-1 first layer, dashed from the Gaussian one."""
    config = result.config
    from matplotlib.lines import Line2D

    fig, ax = figure(1, width=6.4, height=3.6)
    styles = dict(zip(FIRST_LAYERS, ("--", "-")))
    handles = []
    for d, color in zip(config.dims, colors(len(config.dims))):
        for first_layer, style in styles.items():
            traj = result.runs[key(d, first_layer)]
            ax.plot(traj.step, traj.test_accuracy, color=color, linestyle=style)
        if len(config.dims) > 1:
            handles.append(Line2D([], [], color=color, label=f"$d={d}$"))
    # one entry per colour (dimension, only if there are several: else the title names it) and one
    # per line style (first layer): a short legend whatever the number of dimensions
    handles += [Line2D([], [], color="black", linestyle=styles[first_layer],
                       label="Gaussian" if first_layer == "gaussian" else r"$\pm1$") for first_layer in styles]
    ax.axhspan(1 - config.chance_level, config.chance_level, color="grey", alpha=0.12, linewidth=0)
    ax.axhline(config.learned_level, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="SGD step", ylabel="test accuracy (full parity)", ylim=(0.4, 1.02), xlim=(0, config.steps),
           yticks=[0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    if len(config.dims) == 1:
        ax.set_title(f"$d$ = {config.dims[0]}")
    legend_below(ax, handles=handles, ncols=min(len(handles), 4), handlelength=2.2, columnspacing=1.2)
    return fig
