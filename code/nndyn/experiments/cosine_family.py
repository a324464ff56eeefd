"""Chapter 3: the cosine family :math:`\\mathcal C_d` on :math:`[0,2\\pi]^d`, its size and orthonormality.

The size :math:`|\\mathcal C_d|=\\binom{2d}{d}` is counted by enumeration (small :math:`d`) and by
formula, next to the notes' lower bound :math:`2^d/\\sqrt d`. The Gram matrix of the
normalised family is computed by exact quadrature on a tensor grid, and estimated by Monte
Carlo for growing sample sizes, whose error shrinks like :math:`n^{-1/2}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.ticker import NullLocator

from ..orthonormal import cosine_family_size, cosine_frequencies, cosine_gram_exact, cosine_gram_monte_carlo
from ..plotting import BOUND_STYLE, LEGEND_SIZE, OKABE_ITO, figure, loglog_slope
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "The cosine family: exponentially many orthonormal functions"
CHAPTER = 3


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the count and of the Gram matrices.

    Attributes
    ----------
    max_count_dim : int
        :math:`|\\mathcal C_d|` is given for :math:`d=1,\\dots,` ``max_count_dim``.
    max_enumerate_dim : int
        Up to this dimension (at most 10) the frequencies are also enumerated one by one.
    max_exact_dim : int
        Up to this dimension (at most 4) the Gram matrix is computed by exact quadrature.
    mc_dim : int
        Dimension of the Monte-Carlo estimate (at most 6).
    mc_sizes : tuple of int
        Sample sizes of the Monte-Carlo estimates.
    """

    max_count_dim: int = 30
    max_enumerate_dim: int = 8
    max_exact_dim: int = 4
    mc_dim: int = 4
    mc_sizes: tuple[int, ...] = tuple(2**j for j in range(8, 17))

    PRESETS = {
        "quick": {"max_enumerate_dim": 6, "max_exact_dim": 3, "mc_sizes": tuple(2**j for j in range(8, 14))},
        "full": {},
        "lecture": {"max_enumerate_dim": 10, "mc_dim": 5, "mc_sizes": tuple(2**j for j in range(8, 19))},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, value, high in (
            ("max_count_dim", self.max_count_dim, 1000),
            ("max_enumerate_dim", self.max_enumerate_dim, 10),
            ("max_exact_dim", self.max_exact_dim, 4),
            ("mc_dim", self.mc_dim, 6),
        ):
            if int(value) != value or not 1 <= value <= high:
                raise ValueError(f"{name} must be an integer in [1, {high}], got {value}")
        if len(self.mc_sizes) < 2 or any(int(n) != n or n < 1 for n in self.mc_sizes):
            raise ValueError(f"mc_sizes must hold at least 2 integers >= 1, got {self.mc_sizes}")


@dataclass
class Result:
    """Counts and Gram-matrix errors.

    Attributes
    ----------
    count_dims, sizes : numpy.ndarray
        :math:`d` and :math:`|\\mathcal C_d|=\\binom{2d}{d}` (as floats).
    enumerated : numpy.ndarray
        Number of frequencies found by enumeration, for :math:`d\\le` ``max_enumerate_dim``.
    exact_dims, exact_error : numpy.ndarray
        :math:`\\max|G-I|` of the exactly integrated Gram matrix, per dimension.
    mc_sizes, mc_error : numpy.ndarray
        :math:`\\max|\\hat Q_n-I|` of the Monte-Carlo Gram matrix in dimension ``mc_dim``.
    """

    config: Config
    count_dims: np.ndarray
    sizes: np.ndarray
    enumerated: np.ndarray
    exact_dims: np.ndarray
    exact_error: np.ndarray
    mc_sizes: np.ndarray
    mc_error: np.ndarray

    @property
    def notes_lower_bound(self) -> np.ndarray:
        """The notes' :math:`2^d/\\sqrt d`."""
        return 2.0**self.count_dims / np.sqrt(self.count_dims)

    @property
    def asymptotic(self) -> np.ndarray:
        """Stirling's :math:`4^d/\\sqrt{\\pi d}`."""
        return 4.0**self.count_dims / np.sqrt(np.pi * self.count_dims)

    @property
    def mc_slope(self) -> float:
        """Log-log slope of the Monte-Carlo error against :math:`n` (about -1/2)."""
        return loglog_slope(self.mc_sizes, self.mc_error)


def run(config: Config) -> Result:
    """Count :math:`\\mathcal C_d` and compute its Gram matrices."""
    count_dims = np.arange(1, config.max_count_dim + 1)
    sizes = np.array([float(cosine_family_size(int(d))) for d in count_dims])
    enumerated = np.array([cosine_frequencies(d).shape[0] for d in range(1, config.max_enumerate_dim + 1)])
    exact_dims = np.arange(1, config.max_exact_dim + 1)
    exact_error = []
    for d in exact_dims:
        G = cosine_gram_exact(int(d))
        exact_error.append(float((G - torch.eye(G.shape[0], dtype=G.dtype)).abs().max()))
    mc_error = []
    for j, n in enumerate(config.mc_sizes):
        G = cosine_gram_monte_carlo(config.mc_dim, int(n), seed=derive_seed(config.seed, "points", j))
        mc_error.append(float((G - torch.eye(G.shape[0], dtype=G.dtype)).abs().max()))
    return Result(
        config=config,
        count_dims=count_dims,
        sizes=sizes,
        enumerated=enumerated,
        exact_dims=exact_dims,
        exact_error=np.array(exact_error),
        mc_sizes=np.array(config.mc_sizes, dtype=float),
        mc_error=np.array(mc_error),
    )


def plot(result: Result):
    """Left: :math:`|\\mathcal C_d|` against the notes' bound. Right: Monte-Carlo Gram error against :math:`n`."""
    fig, (ax1, ax2) = figure(2, width=7.5, height=4.0)
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "fontsize": LEGEND_SIZE}
    d = result.count_dims
    ax1.semilogy(d, result.sizes, "o", color=OKABE_ITO[0], ms=6, mfc="none", mew=1.2, zorder=2,
                 label=r"$|\mathcal{C}_d|=\binom{2d}{d}$")
    ax1.semilogy(d, result.asymptotic, color=OKABE_ITO[2], lw=1.6, zorder=3, label=r"$4^d/\sqrt{\pi d}$")
    ax1.semilogy(d, result.notes_lower_bound, **BOUND_STYLE, label=r"lower bound $2^d/\sqrt{d}$")
    ax1.set(xlabel="dimension $d$", ylabel="number of functions", title="Size of the cosine family")
    ax1.legend(**below)

    n = result.mc_sizes
    ax2.loglog(n, result.mc_error, "o-", color=OKABE_ITO[1], ms=4,
               label=rf"$\max|\hat Q_n - I|$, $d={result.config.mc_dim}$")
    ref = result.mc_error[0] * np.sqrt(n[0] / n)
    ax2.loglog(n, ref, **BOUND_STYLE, label=r"slope $-1/2$")
    # a handful of powers of two as ticks (the sample sizes are powers of two); no minor labels
    exponents = np.arange(math.ceil(np.log2(n.min()) - 1e-9), math.floor(np.log2(n.max()) + 1e-9) + 1)
    exponents = exponents[:: max(1, math.ceil(len(exponents) / 6))]
    ax2.set_xticks(2.0**exponents, [f"$2^{{{e}}}$" for e in exponents])
    ax2.xaxis.set_minor_locator(NullLocator())
    m = math.comb(2 * result.config.mc_dim, result.config.mc_dim)
    ax2.set(xlabel="Monte-Carlo sample size $n$", ylabel="largest entry error",
            title=f"Gram matrix of {m} cosines")
    ax2.legend(**below)
    return fig
