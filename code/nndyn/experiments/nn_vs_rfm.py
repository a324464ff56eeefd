"""Chapter 7: how far a network trained by gradient descent is from its random feature model (the notes' Theorem 13 and Lemma 14).

Both models start from the notes' initialisation with the same first layer
:math:`B_0`; the network trains :math:`(a,B)`, the random feature model only :math:`a`
(from :math:`a=0`). Gradient descent runs with learning rate ``lr_scale / m`` at every
width, and the largest gap :math:`|f_{\\rm NN}(x)-f_{\\rm RFM}(x)|` over the recorded
times and over test points on the sphere is measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_positive, check_positive_int, check_seed
from ..data import single_neuron_data
from ..kernels import min_eigenvalue, relu_kernel
from ..models import RandomFeatureModel, TwoLayerNet
from ..plotting import BOUND_STYLE, OKABE_ITO, figure
from ..theory.kernel_regime import theorem13_bound
from ..training import probes, train
from ..plotting import legend_below, width_axis
from ..prose import signed
from ..widths import fitted_slope, single_thread, train_widths
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Network against random feature model: the uniform gap of the notes' Theorem 13"
CHAPTER = 7


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points on :math:`\\mathbb S^{d-1}` and dimension.
    widths : tuple of int
        Widths :math:`m`.
    lr_scale : float
        The learning rate is ``lr_scale / m``.
    steps, record_every : int
        Gradient steps and steps between records (the sup over time runs over the records).
    n_probe : int
        Test points on the sphere where the gap is measured.
    delta : float
        Failure probability in the bound of the notes' Theorem 13.
    """

    n: int = 50
    d: int = 20
    widths: tuple = (100, 300, 1000, 3000)
    lr_scale: float = 80.0
    steps: int = 600
    record_every: int = 20
    n_probe: int = 200
    delta: float = 0.1

    PRESETS = {
        "quick": {"widths": (100, 200, 400), "steps": 400, "record_every": 10},
        "full": {},
        "lecture": {"widths": (100, 300, 1000, 3000, 10000, 30000), "lr_scale": 10.0, "steps": 8000, "record_every": 40, "n_probe": 1000},
    }


@dataclass
class Result:
    """Measurements.

    Attributes
    ----------
    gap : numpy.ndarray
        :math:`\\max_{t,x}|f_{\\rm NN}-f_{\\rm RFM}|` at each width.
    lam : float
        :math:`\\lambda_n(K)`.
    final_test_risk : numpy.ndarray
        Shape ``(2, widths)``: test risk of the network and of the random feature model at the end.
    """

    config: Config
    gap: np.ndarray
    lam: float
    final_test_risk: np.ndarray

    @property
    def slope(self) -> float:
        """Log-log slope of the gap against the width."""
        return fitted_slope(self.config.widths, self.gap)

    def bound(self) -> np.ndarray:
        """The bound of the notes' Theorem 13 with its constant set to 1."""
        return theorem13_bound(np.asarray(self.config.widths), lam=self.lam, delta=self.config.delta)


def run(config: Config) -> Result:
    """Train both models at every width and measure the gap."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_probe, seed=config.seed)
    kw = dict(widths=config.widths, lr_scale=config.lr_scale, steps=config.steps, record_every=config.record_every,
              seed=derive_seed(config.seed, "network"), x_probe=data.x_test, y_probe=data.y_test)
    _, nn = train_widths(data.x_train, data.y_train, **kw)
    _, rf = train_widths(data.x_train, data.y_train, random_features=True, **kw)
    gap = np.abs(nn["pred"] - rf["pred"]).max(axis=(0, 1))
    lam = float(min_eigenvalue(relu_kernel(data.x_train)))
    return Result(config, gap, lam, np.stack([nn["test_risk"][-1], rf["test_risk"][-1]]))


def plot(result: Result):
    """The measured gap against the width, the bound of the notes' Theorem 13 and a reference slope :math:`-2`."""
    c = result.config
    m = np.asarray(c.widths, dtype=float)
    fig, ax = figure(1, width=5.6, height=4.6)
    ax.loglog(m, result.gap, "o-", color=OKABE_ITO[0], label=f"measured: slope {signed(result.slope)}")
    ax.loglog(m, result.bound(), **BOUND_STYLE, label=rf"the theorem's bound (constant 1, $\delta={c.delta:g}$): slope $-1/2$")
    ax.loglog(m, result.gap[0] * (m / m[0]) ** -2.0, color=OKABE_ITO[1], linestyle=":", label=r"slope $-2$ (the rate of the sharper proposition)")
    ax.set(xlabel="width $m$", ylabel=r"$\max_{t,x}|\Delta(t,x)|$", title=rf"$n={c.n}$, $d={c.d}$, $\eta={c.lr_scale:g}/m$, {c.steps} steps")
    width_axis(ax, c.widths)
    legend_below(ax)
    return fig


# The representer check of Lemma 14 lives in nndyn.representer (a concept module); kept importable here.
from ..representer import RepresenterCheck, representer_check  # noqa: E402,F401
