"""Chapter 6: the smallest eigenvalue of the kernel matrix of uniform points against their number, over independent draws.

For :math:`n` uniform points on :math:`\\mathbb S^{d-1}` the smallest eigenvalue
:math:`\\lambda_n(K)` of the ReLU kernel matrix is set next to two scales: :math:`n\\mu_{(n)}`,
with :math:`\\mu_{(n)}` the :math:`n`-th largest Mercer eigenvalue of the kernel
(:func:`nndyn.spectral.nth_mercer_eigenvalues`; the notes claim
:math:`\\lambda_n(K)>n\\mu_{(n)}/2` with high probability), and the bound of the closest
pair of points (:func:`nndyn.spectral.closest_pair_bound`). Chapter 6 and its errata glue
the slopes, medians and ratios of this scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

from .._validation import check_positive_int
from ..data import sample_sphere
from ..kernels import min_eigenvalue, relu_kernel
from ..plotting import BOUND_STYLE, OKABE_ITO, PAGE_WIDTH, figure, legend_below
from ..seeding import derive_seed
from ..spectral import closest_pair_bound, nth_mercer_eigenvalues
from ..widths import fitted_slope, single_thread
from .base import ExperimentConfig

TITLE = "The smallest eigenvalue of the kernel matrix against n, over draws, next to n mu_(n)"
CHAPTER = 6


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters (the same in every preset: the scan takes about a second).

    Attributes
    ----------
    dims : tuple of int
        Ambient dimensions :math:`d` (each at least 3); points lie on :math:`\\mathbb S^{d-1}`.
    ns : tuple of int
        Numbers of points (each at least 2).
    draws : int
        Independent draws of the points for each dimension and number of points.
    """

    dims: tuple = (3, 5)
    ns: tuple = (50, 100, 200, 400)
    draws: int = 12

    PRESETS = {"quick": {}, "full": {}, "lecture": {}}

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.dims or any(int(d) < 3 for d in self.dims):
            raise ValueError(f"dims must be dimensions >= 3, got {self.dims!r}")
        if len(self.ns) < 2 or any(int(n) < 2 for n in self.ns):
            raise ValueError(f"ns must be at least two numbers of points >= 2, got {self.ns!r}")


@dataclass
class EigenvalueScan:
    """:math:`\\lambda_n(K)` of :math:`n` uniform points on :math:`\\mathbb S^{d-1}`, over several draws.

    Attributes
    ----------
    d : int
        Ambient dimension.
    n : numpy.ndarray
        Numbers of points.
    lam : numpy.ndarray
        Shape ``(draws, len(n))``: :math:`\\lambda_n(K)` of each draw.
    n_mu : numpy.ndarray
        :math:`n\\mu_{(n)}` for each ``n``, the scale suggested by the operator's :math:`n`-th
        eigenvalue (deterministic).
    pair : numpy.ndarray
        Shape ``(draws, len(n))``: the bound :math:`\\lambda_n(K)\\le k(x,x)-k(x,x')` of the
        closest pair of points of each draw.
    """

    d: int
    n: np.ndarray
    lam: np.ndarray
    n_mu: np.ndarray
    pair: np.ndarray

    def lam_slopes(self) -> np.ndarray:
        """Log-log slope of :math:`\\lambda_n(K)` against :math:`n`, one per draw."""
        return np.array([fitted_slope(self.n, row) for row in self.lam])

    def n_mu_slope(self) -> float:
        """Log-log slope of :math:`n\\mu_{(n)}` against :math:`n`."""
        return fitted_slope(self.n, self.n_mu)

    def ratio(self) -> np.ndarray:
        """:math:`\\lambda_n(K)/(n\\mu_{(n)})`, shape ``(draws, len(n))``; the notes claim it exceeds 1/2 with high probability."""
        return self.lam / self.n_mu[None, :]


@dataclass
class Result:
    """Measurements.

    Attributes
    ----------
    lam : numpy.ndarray
        Shape ``(len(dims), draws, len(ns))``: :math:`\\lambda_n(K)`.
    n_mu : numpy.ndarray
        Shape ``(len(dims), len(ns))``: :math:`n\\mu_{(n)}`.
    pair : numpy.ndarray
        Shape ``(len(dims), draws, len(ns))``: the closest-pair bound.
    """

    config: Config
    lam: np.ndarray
    n_mu: np.ndarray
    pair: np.ndarray

    def scan(self, d: int) -> EigenvalueScan:
        """The scan of dimension ``d`` (one of ``config.dims``)."""
        if d not in self.config.dims:
            raise ValueError(f"d must be one of the scanned dimensions {self.config.dims}, got {d!r}")
        i = list(self.config.dims).index(d)
        return EigenvalueScan(d, np.asarray(self.config.ns), self.lam[i], self.n_mu[i], self.pair[i])


def scan_dimension(d: int, ns, *, seed: int = 0, draws: int = 1) -> EigenvalueScan:
    """:math:`\\lambda_n(K)` of :math:`n` uniform points on :math:`\\mathbb S^{d-1}` next to two scales, over several draws.

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    ns : sequence of int
        Numbers of points (each at least 2); draw ``j`` of ``n`` points comes from the
        stream ``derive_seed(seed, "sphere-points", d, n, j)``.
    seed : int
        The user seed.
    draws : int
        Independent draws of the points for each ``n``.

    Returns
    -------
    EigenvalueScan
    """
    draws = check_positive_int("draws", draws)
    ns = np.asarray(ns)
    if ns.ndim != 1 or ns.size == 0 or np.any(ns < 2) or np.any(ns != np.round(ns)):
        raise ValueError(f"ns must be integers >= 2, got {ns.tolist()!r}")
    ns = ns.astype(int)
    n_mu = ns * nth_mercer_eigenvalues(d, ns)
    lam = np.empty((draws, ns.size))
    pair = np.empty((draws, ns.size))
    for j in range(draws):
        for i, n in enumerate(ns.tolist()):
            x = sample_sphere(n, d, seed=derive_seed(seed, "sphere-points", d, n, j))
            lam[j, i] = float(min_eigenvalue(relu_kernel(x)))
            pair[j, i] = closest_pair_bound(x.numpy())
    return EigenvalueScan(int(d), ns, lam, n_mu, pair)


def run(config: Config) -> Result:
    """Scan every dimension of ``config.dims``."""
    with single_thread():
        scans = [scan_dimension(d, config.ns, seed=config.seed, draws=config.draws) for d in config.dims]
    return Result(config, np.array([s.lam for s in scans]), np.array([s.n_mu for s in scans]),
                  np.array([s.pair for s in scans]))


def plot(result: Result):
    """Two panels: :math:`\\lambda_n(K)` of the first dimension against :math:`n` with its two
    scales; the ratio :math:`\\lambda_n(K)/(n\\mu_{(n)})` of every draw and dimension, next to
    the notes' 1/2."""
    c = result.config
    fig, ax = figure(2, width=PAGE_WIDTH, height=3.6)
    first = result.scan(c.dims[0])
    n = first.n.astype(float)
    ax[0].fill_between(n, first.lam.min(axis=0), first.lam.max(axis=0), color=OKABE_ITO[0], alpha=0.25, linewidth=0)
    ax[0].loglog(n, np.median(first.lam, axis=0), "o-", color=OKABE_ITO[0], label=rf"$\lambda_n(K)$: median, range of {c.draws} draws")
    ax[0].loglog(n, first.n_mu / 2, **BOUND_STYLE, label=r"$n\mu_{(n)}/2$ (the notes' claim: above it)")
    ax[0].loglog(n, np.median(first.pair, axis=0), ":", color=OKABE_ITO[1], label="closest pair: median bound")
    ax[0].set(xlabel="number of points $n$", ylabel=r"$\lambda_n(K)$", title=rf"points on $S^{{{c.dims[0] - 1}}}$")
    legend_below(ax[0])
    for k, d in enumerate(c.dims):
        scan = result.scan(d)
        ratio = scan.ratio()
        ax[1].semilogx(np.repeat(scan.n[None, :], ratio.shape[0], axis=0).ravel(), ratio.ravel(), ".",
                       color=OKABE_ITO[k], alpha=0.4, markersize=4)
        ax[1].semilogx(scan.n, np.median(ratio, axis=0), "o-", color=OKABE_ITO[k], label=f"$d={d}$: median")
    ax[1].axhline(0.5, **BOUND_STYLE, label="1/2")
    for a in ax:  # the scanned n, written plainly
        a.xaxis.set_major_locator(FixedLocator(list(c.ns)))
        a.xaxis.set_major_formatter(ScalarFormatter())
        a.xaxis.set_minor_locator(NullLocator())
    ax[1].set(xlabel="number of points $n$", ylabel=r"$\lambda_n(K)\,/\,(n\mu_{(n)})$", title="ratio, every draw")
    legend_below(ax[1])
    return fig
