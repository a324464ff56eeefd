"""Chapter 7, the notes' Figure 3: explicit path-norm regularisation against plain gradient descent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import single_neuron_data
from ..models import TwoLayerNet
from ..plotting import OKABE_ITO, figure
from ..regularization import penalty_weight, train_path_norm
from ..training import Trajectory, probes
from ..plotting import LEGEND_SIZE, PAGE_WIDTH
from ..prose import number
from ..widths import single_thread
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Path-norm regularisation against plain gradient descent (the notes' Figure 3)"
CHAPTER = 7


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d, m : int
        Training points, dimension and width.
    lam : float
        Regularisation strength :math:`\\lambda`; the penalty is
        :math:`\\lambda\\sqrt{\\log(d)/n}\\sum_j|a_j|\\|b_j\\|`.
    lr_scale : float
        The learning rate is ``lr_scale / m``.
    steps : int
        Gradient steps of each run.
    n_test : int
        Test points.
    """

    n: int = 50
    d: int = 20
    m: int = 100
    lam: float = 0.01
    lr_scale: float = 80.0
    steps: int = 4000
    n_test: int = 1000

    PRESETS = {
        "quick": {"steps": 1200, "n_test": 500},
        "full": {},
        "lecture": {"lr_scale": 10.0, "steps": 60000},
    }


@dataclass
class Result:
    """Both runs and the final first layers.

    Attributes
    ----------
    regularized, plain : Trajectory
        Records ``train_risk`` and ``test_risk`` (and the objective in ``loss``).
    weights : dict[str, numpy.ndarray]
        For each run, ``|a_j|*||b_j||`` (the neuron's share of the path norm) and the cosine
        of :math:`b_j` with :math:`e_1`, shape ``(2, m)``.
    """

    config: Config
    regularized: Trajectory
    plain: Trajectory
    weights: dict

    def final_test(self) -> tuple[float, float]:
        """Test risk of the regularised and of the plain run at the end."""
        return float(self.regularized["test_risk"][-1]), float(self.plain["test_risk"][-1])

    def top_alignment(self, run: str = "regularized") -> float:
        """Cosine with :math:`e_1` of the neuron with the largest :math:`|a_j|\\|b_j\\|`."""
        share, cos = self.weights[run]
        return float(cos[np.argmax(share)])

    def weighted_alignment(self, run: str = "regularized") -> float:
        """Average of the cosine with :math:`e_1`, weighted by :math:`|a_j|\\|b_j\\|`."""
        share, cos = self.weights[run]
        return float((share * cos).sum() / share.sum())



def risk_trend(risk: np.ndarray) -> str:
    """The course of a recorded risk in words, for the chapter's caption.

    Parameters
    ----------
    risk : numpy.ndarray
        The risk at each record, in order of time.

    Returns
    -------
    str
        Where the minimum lies (first or second half of the records) and, after a minimum
        in the first half, whether the risk ends within 5 % of it or rises, and then whether
        it varies by less than 10 % over the second half ("levels off") or not (lower case,
        no full stop).
    """
    risk = np.asarray(risk, dtype=float)
    k, half = int(risk.argmin()), risk[len(risk) // 2:]
    if k >= len(risk) // 2:
        return "is lowest in the second half of the run"
    if risk[-1] < 1.05 * risk[k]:
        return "stops falling in the first half of the run"
    return (f"reaches its minimum in the first half of the run, then rises by {number(100 * (risk[-1] / risk[k] - 1), 2)} %"
            + (" and levels off" if half.max() < 1.1 * half.min() else " and keeps rising"))


def _weights(net: TwoLayerNet) -> np.ndarray:
    with torch.no_grad():
        norms = net.B.norm(dim=1)
        return np.stack([(net.a.abs() * norms).numpy(), (net.B[:, 0] / norms).numpy()])


def run(config: Config) -> Result:
    """Train with and without the penalty from the same initialisation."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    pr = {"train_risk": probes.risk_on(data.x_train, data.y_train), "test_risk": probes.risk_on(data.x_test, data.y_test)}
    out, weights = {}, {}
    for name, lam in (("regularized", config.lam), ("plain", 0.0)):
        net = TwoLayerNet(config.d, config.m, seed=derive_seed(config.seed, "network"))
        with single_thread():
            out[name] = train_path_norm(net, data.x_train, data.y_train, lr=config.lr_scale / config.m,
                                        steps=config.steps, lam=lam, record_every=max(1, config.steps // 100), probes=pr)
        weights[name] = _weights(net)
    return Result(config, out["regularized"], out["plain"], weights)


def plot(result: Result):
    """Left: test risk against time. Right: each neuron's path-norm share against its alignment with :math:`e_1`."""
    c = result.config
    fig, ax = figure(2, width=PAGE_WIDTH, height=3.9)
    for k, (name, label) in enumerate((("regularized", "path-norm regularised"), ("plain", "plain GD"))):
        traj = getattr(result, name)
        ax[0].loglog(traj.t[1:], traj["test_risk"][1:], color=OKABE_ITO[k], label=f"{label}, test")
        ax[0].loglog(traj.t[1:], traj["train_risk"][1:], color=OKABE_ITO[k], linestyle=":", label=f"{label}, train")
        share, cos = result.weights[name]
        ax[1].scatter(cos, share, s=14, color=OKABE_ITO[k], alpha=0.8, label=label)
    w = penalty_weight(c.lam, c.n, c.d)
    ax[0].set(xlabel="time $t$", ylabel="risk", title=rf"$m={c.m}$, $\gamma={c.lam:g}$ (weight {w:.2g})")
    floor = 1e-2 * min(result.regularized["test_risk"].min(), result.plain["test_risk"].min(), result.regularized["train_risk"].min())
    ax[0].set_ylim(bottom=floor)
    ax[1].set(xlabel=r"$b_j^\top e_1/\|b_j\|$", ylabel=r"$|a_j|\,\|b_j\|$", yscale="log", title="first layer at the end")
    fig.legend(*ax[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=LEGEND_SIZE)
    return fig
