"""Chapter 7, the notes' Figure 2: network and random feature model along gradient descent at three widths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import single_neuron_data
from ..plotting import OKABE_ITO, figure
from ..training import Trajectory
from ..plotting import LEGEND_SIZE, PAGE_WIDTH, sparse_log_axis
from ..widths import train_widths
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Network and random feature model along gradient descent (the notes' Figure 2)"
CHAPTER = 7


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points on :math:`\\mathbb S^{d-1}` (target :math:`\\mathrm{ReLU}(x_1)`) and dimension.
    widths : tuple of int
        Widths :math:`m`, one panel each.
    lr_scale : float
        The learning rate is ``lr_scale / m``.
    steps, record_every : int
        Gradient steps and steps between records.
    n_test : int
        Test points.
    """

    n: int = 50
    d: int = 20
    widths: tuple = (4, 50, 1000)
    lr_scale: float = 40.0
    steps: int = 1200
    record_every: int = 24
    n_test: int = 500

    PRESETS = {
        "quick": {"steps": 500, "record_every": 20, "n_test": 300},
        "full": {},
        "lecture": {"lr_scale": 10.0, "steps": 8000, "record_every": 40},
    }


@dataclass
class Result:
    """Trajectories of the network (``network``) and of its random feature model (``features``).

    Each holds records of ``risk`` and ``test_risk``, one column per width.
    """

    config: Config
    network: Trajectory
    features: Trajectory

    def times(self, w: int) -> np.ndarray:
        """Time of the records at width number ``w``."""
        return self.network.step * self.config.lr_scale / self.config.widths[w]

    def kernel_times(self) -> np.ndarray:
        """Kernel time :math:`mt/n` of the records (the same at every width)."""
        return self.network.step * self.config.lr_scale / self.config.n

    def final(self) -> dict[str, np.ndarray]:
        """Training and test risks at the end, per width, for both models."""
        return {
            "network_train": self.network["risk"][-1],
            "network_test": self.network["test_risk"][-1],
            "features_train": self.features["risk"][-1],
            "features_test": self.features["test_risk"][-1],
        }

    def test_ratio(self) -> np.ndarray:
        """Test risk of the random feature model divided by that of the network, at the end, per width."""
        f = self.final()
        return f["features_test"] / f["network_test"]


def run(config: Config) -> Result:
    """Train the networks and their random feature models."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    kw = dict(widths=config.widths, lr_scale=config.lr_scale, steps=config.steps, record_every=config.record_every,
              seed=derive_seed(config.seed, "network"), x_probe=data.x_test, y_probe=data.y_test)
    _, nn = train_widths(data.x_train, data.y_train, **kw)
    _, rf = train_widths(data.x_train, data.y_train, random_features=True, **kw)
    for traj in (nn, rf):
        traj.records.pop("pred")
    return Result(config, nn, rf)


def plot(result: Result):
    """One panel per width: training and test risk of both models against kernel time."""
    c = result.config
    fig, ax = figure(len(c.widths), width=PAGE_WIDTH, height=3.4, sharey=True)
    for w, m in enumerate(c.widths):
        t = result.kernel_times()
        ax[w].loglog(t[1:], result.network["risk"][1:, w], color=OKABE_ITO[0], label="network, train")
        ax[w].loglog(t[1:], result.network["test_risk"][1:, w], color=OKABE_ITO[0], linestyle="--", label="network, test")
        ax[w].loglog(t[1:], result.features["risk"][1:, w], color=OKABE_ITO[1], label="random features, train")
        ax[w].loglog(t[1:], result.features["test_risk"][1:, w], color=OKABE_ITO[1], linestyle="--", label="random features, test")
        ax[w].set(xlabel="kernel time $mt/n$", title=rf"$m={m}$, $\eta={c.lr_scale / m:.3g}$")
        sparse_log_axis(ax[w].xaxis)
    ax[0].set_ylabel("risk")
    fig.legend(*ax[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=LEGEND_SIZE)
    return fig
