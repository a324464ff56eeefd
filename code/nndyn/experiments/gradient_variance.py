"""Chapter 3: the gradient-variance theorem (the notes' Theorem 7) for the parity class, computed exactly.

For a small network :math:`h(x;\\theta)` at a random :math:`\\theta` and the :math:`2^d`
parities on :math:`\\{0,1\\}^d`, the variance over targets of the population gradient
of :math:`R^f=\\mathbb E_x(h-f)^2` is computed with exact expectations over all points
(a Walsh-Hadamard transform of the per-example gradients), next to the bound
:math:`4\\,\\mathbb E_x\\|\\nabla_\\theta h\\|^2/2^d` of the theorem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._validation import check_positive_int, check_seed
from ..orthonormal import parity_gradient_variance
from ..plotting import BOUND_STYLE, LEGEND_SIZE, OKABE_ITO, figure
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Gradient variance over the parities: the gradient barely depends on the target"
CHAPTER = 3


def tanh_network(d: int, width: int, *, seed: int = 0, dtype: torch.dtype = torch.float64) -> nn.Module:
    """A two-layer tanh network :math:`h(x)=\\sum_ja_j\\tanh(w_j^\\top x+\\beta_j)+a_0` with PyTorch's default init.

    Parameters
    ----------
    d, width : int
        Input dimension and number of hidden units, both >= 1.
    seed : int
        Seed of the initialisation.
    """
    d = check_positive_int("d", d)
    width = check_positive_int("width", width)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "init"))  # the "init" stream of the seed
        return nn.Sequential(
            nn.Linear(d, width, dtype=dtype), nn.Tanh(), nn.Linear(width, 1, dtype=dtype), nn.Flatten(0)
        )


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the computation.

    Attributes
    ----------
    dims : tuple of int
        Dimensions :math:`d` (each at most 20; the cost grows like :math:`d\\,2^d`).
    width : int
        Hidden units of the tanh network.
    """

    dims: tuple[int, ...] = tuple(range(2, 17))
    width: int = 8

    PRESETS = {
        "quick": {"dims": tuple(range(2, 13))},
        "full": {},
        "lecture": {"dims": tuple(range(2, 21)), "width": 16},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.dims) < 2 or any(int(d) != d or not 1 <= d <= 20 for d in self.dims):
            raise ValueError(f"dims must hold at least 2 integers in [1, 20], got {self.dims}")
        check_positive_int("width", self.width)


@dataclass
class Result:
    """Both sides of the gradient-variance bound per dimension.

    Attributes
    ----------
    dims, variance, bound, mean_squared_gradient, mean_gradient_norm : numpy.ndarray
        See :class:`nndyn.orthonormal.GradientVariance`.
    """

    config: Config
    dims: np.ndarray
    variance: np.ndarray
    bound: np.ndarray
    mean_squared_gradient: np.ndarray
    mean_gradient_norm: np.ndarray

    @property
    def worst_ratio(self) -> float:
        """Largest variance / bound (at most 1 by the gradient-variance theorem)."""
        return float(np.max(self.variance / self.bound))

    @property
    def log2_slope(self) -> float:
        """Least-squares slope of :math:`\\log_2` (variance) against :math:`d` (about -1)."""
        return float(np.polyfit(self.dims, np.log2(self.variance), 1)[0])

    @property
    def common_squared_norm(self) -> np.ndarray:
        """:math:`\\|g(\\theta)\\|^2`, the squared norm of the target-independent part, per dimension."""
        return self.mean_gradient_norm**2

    @property
    def common_log2_slope(self) -> float:
        """Least-squares slope of :math:`\\log_2\\|g(\\theta)\\|^2` against :math:`d` (about 0: no decay)."""
        return float(np.polyfit(self.dims, np.log2(self.common_squared_norm), 1)[0])

    def tight_from(self, tolerance: float = 0.01) -> int | None:
        """Smallest :math:`d_0` such that variance / bound >= 1 - ``tolerance`` for every :math:`d\\ge d_0`.

        ``None`` if the ratio at the largest dimension is already below ``1 - tolerance``.
        """
        return _from_on(self.dims, self.variance / self.bound >= 1 - tolerance)

    def separated_from(self, factor: float = 10.0) -> int | None:
        """Smallest :math:`d_0` such that :math:`\\|g\\|^2\\ge` ``factor`` x variance for every :math:`d\\ge d_0`.

        From that dimension on the gradient is almost the same for every target; ``None`` if
        it fails at the largest dimension.
        """
        return _from_on(self.dims, self.common_squared_norm >= factor * self.variance)

    @property
    def normalised(self) -> np.ndarray:
        """:math:`2^d\\,\\mathrm{variance}/\\mathbb E_x\\|\\nabla h\\|^2`, at most 4."""
        return self.variance * 2.0**self.dims / self.mean_squared_gradient


def _from_on(dims: np.ndarray, holds: np.ndarray) -> int | None:
    """The smallest dimension from which ``holds`` is true up to the last one (``None`` if never)."""
    if not holds[-1]:
        return None
    start = len(holds) - 1
    while start > 0 and holds[start - 1]:
        start -= 1
    return int(dims[start])


def run(config: Config) -> Result:
    """Compute the exact variance and the bound for each dimension."""
    rows = []
    for d in config.dims:
        model = tanh_network(d, config.width, seed=derive_seed(config.seed, "network", d))
        r = parity_gradient_variance(model, d)
        rows.append((r.variance, r.bound, r.mean_squared_gradient, r.mean_gradient_norm))
    v, b, m, g = map(np.array, zip(*rows))
    return Result(config, np.array(config.dims, dtype=int), v, b, m, g)


def plot(result: Result):
    """Variance over the parity class and its bound, on a log scale."""
    fig, ax = figure(1, width=5.6, height=3.6)
    d = result.dims
    ax.semilogy(d, result.bound, **BOUND_STYLE, label=r"bound $4\,\mathbb{E}_x\|\nabla_\theta h\|^2/2^d$")
    ax.semilogy(d, result.variance, "o", color=OKABE_ITO[0], ms=5,
                label=r"$\mathbb{E}_v\|\nabla R^{f_v}(\theta)-g(\theta)\|^2$ (exact)")
    ax.semilogy(d, result.mean_gradient_norm**2, "s", color=OKABE_ITO[1], ms=4, mfc="none",
                label=r"$\|g(\theta)\|^2$ (same for every target)")
    ax.set(xlabel="dimension $d$ (class of $2^d$ parities)", ylabel="squared gradient size",
           title=f"Tanh network of width {result.config.width}, fitted slope ${result.log2_slope:.2f}$ in $\\log_2$")
    ax.set_xticks(list(d))
    ax.legend(loc="lower left", fontsize=LEGEND_SIZE)
    return fig
