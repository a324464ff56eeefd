"""The notes' Figure 1: online SGD on the full parity, for several dimensions.

A two-layer ReLU network is trained by online SGD (a fresh batch every step) with the
hinge loss on :math:`f(x)=\\prod_{i=1}^d x_i`, :math:`x\\sim\\mathrm{Unif}(\\{-1,1\\}^d)`.
The result records two criteria for every dimension: the steps until the test accuracy
leaves chance and the steps until it reaches ``learned_level`` (``inf`` where a level is
not reached within the run), and the best test accuracy; :func:`table` shows them and
:func:`largest_stays_at_chance` says whether the largest dimension never left chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

import numpy as np

from .._validation import check_accuracy_levels, check_increasing
from ..models import TwoLayerNet
from ..plotting import LEGEND_SIZE, colors, figure
from ..prose import number
from ..training.online import OnlineTrajectory, train_online
from ..seeding import derive_seed
from .base import ExperimentConfig

TITLE = "Online SGD on the parity problem (the notes' Figure 1)"
CHAPTER = 4
DISTRIBUTED = True  # online SGD: each device draws its own part of the batch


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the parity SGD experiment.

    Attributes
    ----------
    dims : tuple of int
        Input dimensions :math:`d`, increasing.
    steps : tuple of int
        SGD steps for each dimension (same length as ``dims``).
    width : int
        Number of neurons :math:`m`.
    batch_size : int
        Fresh points per step.
    lr : float
        Learning rate.
    init : str
        Initialisation of :class:`~nndyn.models.TwoLayerNet` (``"balanced"``: both layers small and random).
    eval_every : int
        Steps between records of the test metrics.
    n_test : int
        Size of the test set.
    learned_level : float
        Test accuracy that counts as "learned".
    bias_input : bool
        Append a constant input coordinate 1, which gives every neuron a bias (the network
        reads ``d + 1`` coordinates). Without it a bias-free ReLU network cannot fit a parity
        of odd degree: its odd part is linear.
    accelerator : str
        Lightning accelerator (``"cpu"``; the ``lecture`` preset uses ``"auto"``, a GPU if there is one).
    chance_level : float
        Test accuracy below which a run counts as "at chance" (a test set of 2000 points
        puts a random guess within 0.5 +- 0.03 with high probability).
    """

    dims: tuple[int, ...] = (5, 10, 15, 20)
    steps: tuple[int, ...] = (300, 800, 1200, 1600)
    width: int = 2000
    batch_size: int = 2000
    lr: float = 0.2
    init: str = "balanced"
    eval_every: int = 25
    n_test: int = 2000
    learned_level: float = 0.95
    chance_level: float = 0.55
    bias_input: bool = True
    accelerator: str = "cpu"

    PRESETS = {
        "quick": {"dims": (4, 8, 20), "steps": (200, 500, 1500), "width": 256, "batch_size": 500, "eval_every": 20},
        "full": {},
        "lecture": {"lr": 0.002, "steps": (20000, 20000, 20000, 20000), "eval_every": 200, "accelerator": "auto"},
    }

    def __post_init__(self) -> None:
        # the types and signs of the fields are checked by ExperimentConfig (from their defaults)
        super().__post_init__()
        if len(self.dims) != len(self.steps):
            raise ValueError(f"dims and steps must be of the same length, got {self.dims} and {self.steps}")
        check_increasing("dims", self.dims)  # the results are keyed by d
        check_accuracy_levels(self.learned_level, self.chance_level)


@dataclass
class Result:
    """Trajectories of online SGD, one per dimension.

    Attributes
    ----------
    config : Config
    runs : dict[int, OnlineTrajectory]
        The trajectory of each dimension.
    steps_to_learn : dict[int, float]
        First recorded step with test accuracy >= ``config.learned_level`` (``inf`` if never).
    steps_at_chance : dict[int, float]
        Number of steps before the test accuracy first reaches ``config.chance_level``
        (the whole run if it never does).
    steps_to_leave_chance : dict[int, float]
        First recorded step with test accuracy >= ``config.chance_level`` (``inf`` if never).
    max_accuracy : dict[int, float]
        Best test accuracy seen during each run.
    seconds : float
        Wall-clock time of the whole experiment.
    """

    config: Config
    runs: dict[int, OnlineTrajectory] = field(default_factory=dict)
    steps_to_learn: dict[int, float] = field(default_factory=dict)
    steps_at_chance: dict[int, float] = field(default_factory=dict)
    steps_to_leave_chance: dict[int, float] = field(default_factory=dict)
    max_accuracy: dict[int, float] = field(default_factory=dict)
    seconds: float = 0.0


def run(config: Config) -> Result:
    """Train one network per dimension by online SGD with the hinge loss."""
    import time

    start = time.perf_counter()
    result = Result(config)
    for i, (d, steps) in enumerate(zip(config.dims, config.steps)):
        net = TwoLayerNet(d + int(config.bias_input), config.width, init=config.init, seed=derive_seed(config.seed, "network", d),
                          dtype=torch.float32)
        traj = train_online(
            net,
            d=d,
            batch_size=config.batch_size,
            steps=steps,
            lr=config.lr,
            eval_every=config.eval_every,
            n_test=config.n_test,
            seed=derive_seed(config.seed, "data", d),
            accelerator=config.accelerator,
            bias_input=config.bias_input,
        )
        _record_run(result, d, traj)
        result.steps_at_chance[d] = min(float(steps), result.steps_to_leave_chance[d])
    result.seconds = time.perf_counter() - start
    return result


def _record_run(result, key, traj: OnlineTrajectory) -> None:
    """Store ``traj`` under ``key`` in ``result`` (of this module or of
    :mod:`~nndyn.experiments.parity_full_init`) with its two criteria, the steps to
    ``learned_level`` and to ``chance_level`` of ``result.config``, and its best test accuracy."""
    config = result.config
    result.runs[key] = traj
    result.steps_to_learn[key] = traj.steps_to_accuracy(config.learned_level)
    result.steps_to_leave_chance[key] = traj.steps_to_accuracy(config.chance_level)
    result.max_accuracy[key] = float(traj.test_accuracy.max())


def _steps_text(t: float, cap: int) -> str:
    """A measured step count for a table, or "not within CAP" where the run did not get there."""
    return f"{int(t)}" if np.isfinite(t) else f"not within {cap}"


def table(result: Result) -> str:
    """The two criteria of every dimension as a Markdown table (what the chapter shows)."""
    config = result.config
    rows = [f"| $d$ | steps run | steps to leave chance ({100 * config.chance_level:g}%) | "
            f"steps to {100 * config.learned_level:g}% | best test accuracy |",
            "|---:|---:|---:|---:|---:|"]
    for d, cap in zip(config.dims, config.steps):
        rows.append(f"| {d} | {cap} | {_steps_text(result.steps_to_leave_chance[d], cap)} | "
                    f"{_steps_text(result.steps_to_learn[d], cap)} | {result.max_accuracy[d]:.3f} |")
    return "\n".join(rows)


def largest_stays_at_chance(result: Result) -> bool:
    """Whether the largest dimension stays at chance for the whole run (never reaches ``chance_level``)."""
    return not np.isfinite(result.steps_to_leave_chance[result.config.dims[-1]])


def count_verdict(result: Result) -> str:
    """What each run says about the count of samples against the :math:`2^d` points of the cube, in words.

    The heuristic count of chapter 4 asks a target drawn from the class for a number of
    samples :math:`n_{\\mathrm b}T` of order :math:`2^d`. A run bears on it in three ways:

    * it reached ``learned_level`` after drawing fewer samples than :math:`2^d` (the one
      outcome that bears on the count, although the full parity is one fixed target, not
      a draw from the class);
    * it did not reach the level and drew fewer samples than :math:`2^d` in the whole run
      (consistent with the count);
    * it did not reach the level although it drew at least :math:`2^d` samples (the count,
      a lower bound, does not account for it).

    Returns
    -------
    str
        One sentence for each case that occurs (in this order), or one sentence saying that
        every run reached the level with at least :math:`2^d` samples.
    """
    config = result.config
    level = number(100 * config.learned_level)

    def dims(ds: list[int]) -> str:
        return ", ".join(str(d) for d in ds)

    learned_under = [d for d in config.dims
                     if np.isfinite(result.steps_to_learn[d]) and config.batch_size * result.steps_to_learn[d] < 2**d]
    unlearned = [(d, T) for d, T in zip(config.dims, config.steps) if not np.isfinite(result.steps_to_learn[d])]
    under_unlearned = [d for d, T in unlearned if config.batch_size * T < 2**d]
    over_unlearned = [d for d, T in unlearned if config.batch_size * T >= 2**d]
    sentences = []
    if learned_under:
        one = len(learned_under) == 1
        samples = "; ".join(f"{number(config.batch_size * result.steps_to_learn[d])} against {number(2**d)}"
                            for d in learned_under)
        sentences.append(
            ("The run in d = " if one else "The runs in d = ") + dims(learned_under)
            + f" reached {level}% with fewer samples than the cube has points ({samples}), "
            + "the one outcome of this experiment that bears on the count.")
    if under_unlearned:
        one = len(under_unlearned) == 1
        sentences.append(
            ("The run in d = " if one else "The runs in d = ") + dims(under_unlearned)
            + f", which did not reach {level}%, drew fewer samples than the cube has points, so "
            + ("its" if one else "their") + " failure is consistent with the count.")
    if over_unlearned:
        sentences.append(f"In d = {dims(over_unlearned)} the full parity was not learned although the run drew "
                         "at least as many samples as the cube has points.")
    if not sentences:
        sentences.append(f"Every run reached {level}% after drawing at least as many samples as the cube has "
                         "points, so the count has no failure to account for.")
    return " ".join(sentences)


def plot(result: Result):
    """Test accuracy (left) and training hinge loss (right) against SGD steps, one curve per dimension."""
    fig, (ax_acc, ax_loss) = figure(2, width=7.5, height=3.3)
    for (d, traj), color in zip(result.runs.items(), colors(len(result.runs))):
        ax_acc.plot(traj.step, traj.test_accuracy, color=color, label=f"$d={d}$")
        ax_loss.plot(traj.step[1:], traj.train_loss[1:], color=color, label=f"$d={d}$")
    ax_acc.axhline(result.config.learned_level, color="grey", linewidth=1, linestyle=":")  # as in the chapter's later figures
    chance = result.config.chance_level
    ax_acc.axhspan(1 - chance, chance, color="grey", alpha=0.12, linewidth=0)
    ax_acc.text(ax_acc.get_xlim()[1], 0.455, "chance", ha="right", va="bottom", fontsize=LEGEND_SIZE, color="grey")
    ax_acc.set(xlabel="SGD step", ylabel="test accuracy", ylim=(0.4, 1.02), title="test accuracy")
    ax_loss.set(xlabel="SGD step", ylabel="hinge loss (fresh batches)", title="training loss")
    ax_loss.set_ylim(bottom=-0.02)
    ax_loss.legend(loc="lower right")
    return fig


def interactive(result: Result):
    """:func:`plot` as a figure the reader can explore: hover over a curve for the step and the
    accuracy (left) or the loss (right); a colour key names the dimensions; a checkbox per dimension shows or hides its two curves. The
    static figure is the fallback (PDF, no JavaScript)."""
    from ..plotting import Toggle, interactive_figure

    data, toggles = [], []
    chance = result.config.chance_level
    for k, ((d, traj), color) in enumerate(zip(result.runs.items(), colors(len(result.runs)))):
        common = {"type": "scatter", "mode": "lines", "line": {"color": color, "width": 2}, "name": f"d = {d}"}
        data.append({**common, "x": traj.step, "y": traj.test_accuracy, "xaxis": "x", "yaxis": "y", "showlegend": True,
                     "hovertemplate": f"d = {d}<br>step %{{x}}<br>test accuracy %{{y:.3f}}<extra></extra>"})
        data.append({**common, "x": traj.step[1:], "y": traj.train_loss[1:], "xaxis": "x2", "yaxis": "y2", "showlegend": False,
                     "hovertemplate": f"d = {d}<br>step %{{x}}<br>hinge loss %{{y:.3f}}<extra></extra>"})
        toggles.append(Toggle(f"d = {d}", [2 * k, 2 * k + 1]))
    layout = {
        "grid": {"rows": 1, "columns": 2, "pattern": "independent", "xgap": 0.35},  # room for the right panel's y title
        # A colour key for the dimensions (the accuracy traces only), under the panels; the
        # checkboxes show and hide curves, so clicking the key does nothing.
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.22, "yanchor": "top",
                   "itemclick": False, "itemdoubleclick": False},
        "margin": {"t": 30, "b": 100},
        "hovermode": "closest",
        "xaxis": {"title": {"text": "SGD step"}},
        "yaxis": {"title": {"text": "test accuracy"}, "range": [0.4, 1.02]},
        "xaxis2": {"title": {"text": "SGD step"}},
        "yaxis2": {"title": {"text": "hinge loss (fresh batches)"}, "rangemode": "tozero"},
        "shapes": [{"type": "rect", "xref": "x domain", "yref": "y", "x0": 0, "x1": 1, "y0": 1 - chance, "y1": chance,
                    "fillcolor": "grey", "opacity": 0.15, "line": {"width": 0}},
                   {"type": "line", "xref": "x domain", "yref": "y", "x0": 0, "x1": 1,
                    "y0": result.config.learned_level, "y1": result.config.learned_level,
                    "line": {"color": "grey", "width": 1, "dash": "dot"}}],
        "annotations": [{"text": "chance", "xref": "x domain", "yref": "y", "x": 1, "y": 1 - chance, "yanchor": "top",
                         "xanchor": "right", "showarrow": False, "font": {"size": 13, "color": "grey"}}],
    }
    narrow = {"grid": {"rows": 2, "columns": 1, "pattern": "independent", "roworder": "top to bottom", "ygap": 0.3},
              "height": 640, "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12, "yanchor": "top",
                                        "itemclick": False, "itemdoubleclick": False}}
    d_large = result.config.dims[-1]
    leave = result.steps_to_leave_chance[d_large]
    large = ("stays near one half for the whole run" if largest_stays_at_chance(result)
             else f"leaves chance after {int(leave)} steps")
    alt = ("Two panels against SGD steps, one curve per dimension: test accuracy (left) and hinge loss of the fresh "
           f"batches (right). The accuracy of the largest dimension, d = {d_large}, {large}.")
    return interactive_figure(data, layout, fallback=plot(result), alt=alt, toggles=toggles, narrow_layout=narrow, height=400)
