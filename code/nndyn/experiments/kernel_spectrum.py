"""Chapter 6: the kernel matrix, its smallest eigenvalue and its Monte-Carlo estimate (the notes' Lemma 11)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import LogLocator, NullFormatter

from ..data import sample_sphere
from ..kernels import min_eigenvalue, relu_kernel, relu_kernel_mc
from ..plotting import BOUND_STYLE, OKABE_ITO, figure
from ..theory.kernel_regime import gram_deviation_bound, lemma11_width
from ..plotting import LEGEND_SIZE, PAGE_WIDTH, legend_below, sparse_log_axis
from ..prose import signed
from ..widths import fitted_slope, single_thread
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "The ReLU kernel matrix: smallest eigenvalue and Monte-Carlo estimate"
CHAPTER = 6


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    d : int
        Dimension; points lie on :math:`\\mathbb S^{d-1}`.
    ns : tuple of int
        Sample sizes for :math:`\\lambda_n(K)` against :math:`n`.
    n : int
        Sample size of the Monte-Carlo study.
    widths : tuple of int
        Numbers of random features :math:`m`.
    repeats : int
        Independent draws of the features at each width.
    delta : float
        Failure probability of the bound of the notes' Lemma 11.
    """

    d: int = 20
    ns: tuple = (10, 20, 50, 100, 200, 400)
    n: int = 50
    widths: tuple = (30, 50, 100, 200, 500, 1000, 3000, 10000)
    repeats: int = 30
    delta: float = 0.1

    PRESETS = {
        "quick": {"ns": (10, 20, 50, 100, 200), "widths": (30, 50, 100, 200, 500, 1000, 3000), "repeats": 20},
        "full": {},
        "lecture": {"ns": (10, 20, 50, 100, 200, 400, 800), "widths": (30, 50, 100, 200, 500, 1000, 3000, 10000, 30000), "repeats": 100},
    }


@dataclass
class Result:
    """Measurements.

    Attributes
    ----------
    lam_vs_n : numpy.ndarray
        :math:`\\lambda_n(K)` for each ``config.ns``.
    lam : float
        :math:`\\lambda_n(K)` of the ``config.n`` points of the Monte-Carlo study.
    frobenius : numpy.ndarray
        Shape ``(widths, repeats)``: :math:`\\|\\hat K-K\\|_F`.
    min_eig : numpy.ndarray
        Shape ``(widths, repeats)``: :math:`\\lambda_n(\\hat K)`.
    """

    config: Config
    lam_vs_n: np.ndarray
    lam: float
    frobenius: np.ndarray
    min_eig: np.ndarray

    @property
    def frequency(self) -> np.ndarray:
        """Fraction of draws with :math:`\\lambda_n(\\hat K)\\ge\\lambda_n(K)/2`, per width."""
        return (self.min_eig >= self.lam / 2).mean(axis=1)

    @property
    def frobenius_slope(self) -> float:
        """Log-log slope of the mean :math:`\\|\\hat K-K\\|_F` against :math:`m`."""
        return fitted_slope(self.config.widths, self.frobenius.mean(axis=1))

    @property
    def n_slope(self) -> float:
        """Log-log slope of :math:`\\lambda_n(K)` against :math:`n`."""
        return fitted_slope(self.config.ns, self.lam_vs_n)

    def hoeffding_bound(self) -> np.ndarray:
        """The bound of the notes' Lemma 11 on :math:`\\|\\hat K-K\\|_F` (probability :math:`1-\\delta`), per width."""
        return gram_deviation_bound(self.config.n, np.asarray(self.config.widths), self.config.delta)

    def required_width(self) -> float:
        """The width that the notes' Lemma 11 asks for :math:`\\lambda_n(\\hat K)\\ge\\lambda_n(K)/2`."""
        return lemma11_width(self.config.n, self.lam, self.config.delta)

    def smallest_sufficient_width(self) -> int:
        """The smallest width of the study at which every draw had :math:`\\lambda_n(\\hat K)\\ge\\lambda_n(K)/2`."""
        ok = np.nonzero(self.frequency == 1.0)[0]
        return int(self.config.widths[ok[0]]) if ok.size else -1


def run(config: Config) -> Result:
    """Compute the kernel matrices and the Monte-Carlo estimates."""
    with single_thread():
        return _run(config)


def _run(config: Config) -> Result:
    lam_vs_n = np.array([float(min_eigenvalue(relu_kernel(sample_sphere(n, config.d, seed=derive_seed(config.seed, "points", n))))) for n in config.ns])
    x = sample_sphere(config.n, config.d, seed=config.seed)
    k = relu_kernel(x)
    lam = float(min_eigenvalue(k))
    frob, eig = [], []
    for w, m in enumerate(config.widths):
        khat = relu_kernel_mc(x, m=m, seed=derive_seed(config.seed, "features", w), repeats=config.repeats)
        frob.append((khat - k).norm(dim=(1, 2)).numpy())
        eig.append(min_eigenvalue(khat).numpy())
    return Result(config, lam_vs_n, lam, np.array(frob), np.array(eig))


def plot(result: Result):
    """Three panels: :math:`\\lambda_n(K)` against :math:`n`; :math:`\\|\\hat K-K\\|_F` against :math:`m`; the frequency of :math:`\\lambda_n(\\hat K)\\ge\\lambda_n(K)/2`."""
    c = result.config
    fig, ax = figure(3, width=PAGE_WIDTH, height=3.7)
    ax[0].loglog(c.ns, result.lam_vs_n, "o-", color=OKABE_ITO[0], label=f"slope {signed(result.n_slope)}")
    ax[0].set(xlabel="number of points $n$", ylabel=r"$\lambda_n(K)$", title=rf"$\lambda_n(K)$, points on $S^{{{c.d - 1}}}$")
    ax[0].legend(loc="upper right", fontsize=LEGEND_SIZE)
    sparse_log_axis(ax[0].yaxis)
    m = np.asarray(c.widths, dtype=float)
    mean = result.frobenius.mean(axis=1)
    ax[1].loglog(m, mean, "o-", color=OKABE_ITO[0], label=f"mean over draws, slope {signed(result.frobenius_slope)}")
    ax[1].loglog(m, result.hoeffding_bound(), **BOUND_STYLE, label=rf"bound of the lemma, $\delta={c.delta:g}$")
    ax[1].axhline(result.lam / 2, color=OKABE_ITO[1], linestyle=":", label=r"$\lambda_n(K)/2$")
    ax[1].set(xlabel="width $m$", ylabel=r"$\|\hat K-K\|_F$", title=f"Monte-Carlo error, $n={c.n}$")
    legend_below(ax[1])
    ax[2].semilogx(m, result.frequency, "o-", color=OKABE_ITO[2])
    ax[2].set(xlabel="width $m$", ylabel=f"fraction of {c.repeats} draws", ylim=(-0.05, 1.05),
              title=r"$\lambda_n(\hat K)\geq\lambda_n(K)/2$")
    for a in ax[1:]:
        a.xaxis.set_major_locator(LogLocator(base=10, numticks=4))
        a.xaxis.set_minor_formatter(NullFormatter())
    return fig
