"""Chapter 3: parities as two-layer ReLU networks, through hats and a triangle wave.

:class:`nndyn.constructions.ParityNet` is evaluated on every point of :math:`\\{0,1\\}^d`
for many (or all) parities :math:`v`, and the path norm of the full parity network is
measured from its weights for a range of dimensions, with its growth exponent fitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..constructions import ParityNet, hat, triangle_wave
from ..data import generator, hypercube_points, parity_target
from ..orthonormal import parity_gram
from ..plotting import BOUND_STYLE, LEGEND_SIZE, OKABE_ITO, figure, loglog_slope
from ..theory.hardness import parity_path_norm
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Parity functions as two-layer ReLU networks"
CHAPTER = 3


def _check_int_tuple(name: str, values, low: int, high: int) -> None:
    if not values or any(int(v) != v or not low <= v <= high for v in values):
        raise ValueError(f"{name} must be a non-empty tuple of integers in [{low}, {high}], got {values}")


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the checks.

    Attributes
    ----------
    check_dims : tuple of int
        Dimensions in which the network is compared with the parity on all of :math:`\\{0,1\\}^d`.
    max_vectors : int
        All :math:`2^d` parities are checked when :math:`2^d\\le` ``max_vectors``; otherwise this
        many random ones, always including the full parity.
    path_dims : tuple of int
        Dimensions at which the path norm of the full parity network is measured.
    wave_levels : int
        Index :math:`U` of the last hat of the triangle wave drawn in the figure (hats :math:`u=0,\\dots,U`).
    gram_dims : tuple of int
        Dimensions (at most 12) in which the exact Gram matrix of all :math:`2^d` parities is
        compared with the identity.
    """

    check_dims: tuple[int, ...] = tuple(range(2, 11))
    max_vectors: int = 256
    path_dims: tuple[int, ...] = tuple(range(2, 31))
    wave_levels: int = 5
    gram_dims: tuple[int, ...] = tuple(range(1, 11))

    PRESETS = {
        "quick": {"max_vectors": 32, "gram_dims": tuple(range(1, 9))},
        "full": {},
        "lecture": {"check_dims": tuple(range(2, 15)), "max_vectors": 1024, "path_dims": tuple(range(2, 65))},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int_tuple("check_dims", self.check_dims, 1, 16)
        _check_int_tuple("path_dims", self.path_dims, 1, 10_000)
        _check_int_tuple("gram_dims", self.gram_dims, 1, 12)
        if len(self.path_dims) < 2:
            raise ValueError(f"path_dims must hold at least 2 dimensions to fit a slope, got {self.path_dims}")
        if int(self.max_vectors) != self.max_vectors or self.max_vectors < 1:
            raise ValueError(f"max_vectors must be an integer >= 1, got {self.max_vectors}")
        if int(self.wave_levels) != self.wave_levels or not 1 <= self.wave_levels <= 20:
            raise ValueError(f"wave_levels must be an integer in [1, 20], got {self.wave_levels}")


@dataclass
class Result:
    """Exactness of the construction and its path norm.

    Attributes
    ----------
    check_dims, vectors_checked, max_error : numpy.ndarray
        Per dimension: how many parities were checked on all :math:`2^d` points and the
        largest :math:`|h(x)-(-1)^{v^\\top x}|` found.
    path_dims, path_norm, path_norm_formula : numpy.ndarray
        Path norm of the full parity network, from its weights and from the closed form
        :math:`12d^2+12d+2`.
    gram_dims, gram_error : numpy.ndarray
        :math:`\\max_{v,v'}|\\langle f_v,f_{v'}\\rangle-\\delta_{v,v'}|` under the uniform law.
    """

    config: Config
    check_dims: np.ndarray
    vectors_checked: np.ndarray
    max_error: np.ndarray
    path_dims: np.ndarray
    path_norm: np.ndarray
    path_norm_formula: np.ndarray
    gram_dims: np.ndarray
    gram_error: np.ndarray

    @property
    def slope(self) -> float:
        """Least-squares slope of :math:`\\log(\\text{path norm})` against :math:`\\log d`."""
        return loglog_slope(self.path_dims, self.path_norm)

    @property
    def leading_constant(self) -> float:
        """Path norm divided by :math:`d^2` at the largest dimension (tends to 12)."""
        return float(self.path_norm[-1] / self.path_dims[-1] ** 2)

    @property
    def points_checked(self) -> int:
        """Total number of (parity, point) pairs evaluated."""
        return int(np.sum(self.vectors_checked * 2.0 ** self.check_dims))


def _vectors(d: int, max_vectors: int, seed: int) -> torch.Tensor:
    if 2**d <= max_vectors:
        return hypercube_points(d, values="01").to(torch.int64)
    v = torch.randint(0, 2, (max_vectors - 1, d), generator=generator(seed))
    return torch.cat([torch.ones(1, d, dtype=torch.int64), v])


def run(config: Config) -> Result:
    """Check the construction on the whole cube and measure its path norm."""
    counts, errors = [], []
    for d in config.check_dims:
        x = hypercube_points(d, values="01")
        vectors = _vectors(d, config.max_vectors, derive_seed(config.seed, "vectors", d))
        worst = 0.0
        with torch.no_grad():
            for v in vectors:
                net = ParityNet(v)
                worst = max(worst, float((net(x) - parity_target(x, v, values="01")).abs().max()))
        counts.append(len(vectors))
        errors.append(worst)
    gram_error = []
    for d in config.gram_dims:
        G = parity_gram(d)
        gram_error.append(float((G - torch.eye(2**d, dtype=G.dtype)).abs().max()))
    norms = [float(ParityNet(torch.ones(d, dtype=torch.int64)).path_norm()) for d in config.path_dims]
    return Result(
        config=config,
        check_dims=np.array(config.check_dims, dtype=int),
        vectors_checked=np.array(counts, dtype=int),
        max_error=np.array(errors),
        path_dims=np.array(config.path_dims, dtype=int),
        path_norm=np.array(norms),
        path_norm_formula=np.array([parity_path_norm(d, d) for d in config.path_dims]),
        gram_dims=np.array(config.gram_dims, dtype=int),
        gram_error=np.array(gram_error),
    )


def plot(result: Result):
    """Hat from three ReLUs, triangle wave from hats, and the path norm against :math:`d`."""
    fig, (ax1, ax2, ax3) = figure(3, width=7.5, height=3.9)
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "fontsize": LEGEND_SIZE}
    z = torch.linspace(-1.25, 1.25, 501, dtype=torch.float64)
    parts = [(1.0, 1.0, r"$\sigma(2z+1)$"), (-2.0, 0.0, r"$-2\sigma(2z)$"), (1.0, -1.0, r"$\sigma(2z-1)$")]
    for color, (coef, shift, label) in zip(OKABE_ITO[1:4], parts):
        ax1.plot(z, coef * torch.relu(2 * z + shift), color=color, lw=1.2, ls="--", label=label)
    ax1.plot(z, hat(z), color=OKABE_ITO[0], lw=2.2, label="hat = sum")
    ax1.set(xlabel="$z$", title="Hat from three ReLUs", ylim=(-2.2, 2.2))
    ax1.legend(ncol=2, columnspacing=0.8, handlelength=1.6, **below)

    L = result.config.wave_levels
    s = torch.linspace(-0.75, L + 0.75, 801, dtype=torch.float64)
    ax2.plot(s, triangle_wave(s, L), color=OKABE_ITO[0], label=f"triangle wave,\nhats $u=0,\\dots,{L}$")
    ints = np.arange(L + 1)
    ax2.plot(ints, (-1.0) ** ints, "o", color=OKABE_ITO[1], ms=6, label="$(-1)^z$, $z=v^\\top x$")
    ax2.set(xlabel="$z$", title="Triangle wave from hats", ylim=(-1.5, 1.5))
    ax2.legend(**below)

    d = result.path_dims
    ax3.loglog(d, result.path_norm, "o", color=OKABE_ITO[0], ms=4, label="measured path norm")
    ax3.loglog(d, 12.0 * d**2, **BOUND_STYLE, label="$12d^2$")
    ax3.set(xlabel="dimension $d$", ylabel="path norm", title=f"Full parity: slope {result.slope:.2f}")
    ticks = [t for t in (2, 5, 10, 20, 50, 100, 200, 500, 1000) if d.min() <= t <= d.max()]
    ax3.set_xticks(ticks, [str(t) for t in ticks])
    ax3.set_xticks([], minor=True)
    ax3.legend(**below)
    return fig
