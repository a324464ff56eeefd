"""Chapter 2: a two-layer ReLU network that computes an intersection of halfspaces.

For random integer halfspaces :math:`w_i^\\top x \\ge s_i + 1/2` on :math:`\\{-1,1\\}^d`, whose
offsets are drawn so that the intersection contains a random point of the cube (so that both
signs of the network are tested), the network :class:`nndyn.constructions.HalfspaceIntersectionNet` is evaluated on every point
of the cube and its sign compared with the AND of the halfspaces; its path norm is set
next to the corrected bound and next to the expression printed in the notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..constructions import HalfspaceIntersectionNet, halfspace_intersection, random_integer_halfspaces, relu_step
from ..data import hypercube_points
from ..plotting import BOUND_STYLE, LEGEND_SIZE, OKABE_ITO, figure
from ..theory.hardness import halfspace_path_norm, halfspace_path_norm_bound, notes_halfspace_path_norm
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "A ReLU network that computes an intersection of halfspaces"
CHAPTER = 2


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters of the exhaustive check.

    Attributes
    ----------
    dims : tuple of int
        Dimensions :math:`d` of the cube :math:`\\{-1,1\\}^d` (each at most 16).
    rs : tuple of int
        Numbers :math:`r` of halfspaces.
    instances : int
        Random instances per pair :math:`(d,r)`.
    weight_bound : int
        Integer weights are drawn from :math:`\\{-B,\\dots,B\\}`.
    slopes : tuple of float
        Slopes :math:`a` of the ReLU steps :math:`\\sigma(az)-\\sigma(az-1)` drawn in the figure.
    nonempty : bool
        Draw the offsets so that every intersection contains a random point of the cube
        (:func:`nndyn.constructions.random_integer_halfspaces`); otherwise many intersections
        with several halfspaces are empty and test only the negative sign.
    """

    dims: tuple[int, ...] = (2, 4, 6, 8, 10, 12)
    rs: tuple[int, ...] = (1, 2, 3, 5, 8)
    instances: int = 20
    weight_bound: int = 3
    slopes: tuple[float, ...] = (1.0, 2.0, 8.0)
    nonempty: bool = True

    PRESETS = {
        "quick": {"dims": (2, 4, 6, 8, 10, 12), "rs": (1, 2, 3, 5), "instances": 4},
        "full": {},
        "lecture": {"dims": (2, 4, 6, 8, 10, 12, 14, 16), "rs": (1, 2, 3, 5, 8, 16), "instances": 50},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.dims or any(int(d) != d or not 1 <= d <= 16 for d in self.dims):
            raise ValueError(f"dims must be a non-empty tuple of integers in [1, 16], got {self.dims}")
        if not self.rs or any(int(r) != r or r < 1 for r in self.rs):
            raise ValueError(f"rs must be a non-empty tuple of integers >= 1, got {self.rs}")
        if int(self.instances) != self.instances or self.instances < 1:
            raise ValueError(f"instances must be an integer >= 1, got {self.instances}")
        if int(self.weight_bound) != self.weight_bound or self.weight_bound < 1:
            raise ValueError(f"weight_bound must be an integer >= 1, got {self.weight_bound}")
        if not self.slopes or any(not a > 0 for a in self.slopes):
            raise ValueError(f"slopes must be a non-empty tuple of numbers > 0, got {self.slopes}")
        if not isinstance(self.nonempty, bool):
            raise ValueError(f"nonempty must be True or False, got {self.nonempty!r}")


@dataclass
class Result:
    """One row per random instance.

    Attributes
    ----------
    d, r : numpy.ndarray
        Dimension and number of halfspaces of each instance.
    mismatches : numpy.ndarray
        Points of :math:`\\{-1,1\\}^d` where :math:`\\mathrm{sign}(g)` differs from the AND.
    positive_fraction : numpy.ndarray
        Fraction of the cube inside the intersection.
    independent_positive_fraction : numpy.ndarray
        The same fraction for the same weights with the offsets drawn independently of
        one another (``nonempty=False``): how many intersections would have been empty.
    path_norm : numpy.ndarray
        Path norm of the network, read from its weights.
    exact_formula, bound, notes_expression : numpy.ndarray
        The closed-form path norm, the corrected bound and the notes' expression.
    """

    config: Config
    d: np.ndarray
    r: np.ndarray
    mismatches: np.ndarray
    positive_fraction: np.ndarray
    independent_positive_fraction: np.ndarray
    path_norm: np.ndarray
    exact_formula: np.ndarray
    bound: np.ndarray
    notes_expression: np.ndarray

    @property
    def points_checked(self) -> int:
        """Total number of (instance, point) pairs evaluated."""
        return int(np.sum(2.0 ** self.d))

    @property
    def total_mismatches(self) -> int:
        """Total number of points where the network's sign is wrong (0 when the construction is exact)."""
        return int(self.mismatches.sum())

    @property
    def empty_intersections(self) -> int:
        """Instances whose intersection contains no point of the cube (0 when ``nonempty``)."""
        return int(np.sum(self.positive_fraction == 0))

    @property
    def empty_if_independent(self) -> int:
        """Instances that would have had an empty intersection with independently drawn offsets."""
        return int(np.sum(self.independent_positive_fraction == 0))

    @property
    def notes_violations(self) -> int:
        """Instances whose path norm exceeds the notes' expression."""
        return int(np.sum(self.path_norm > self.notes_expression * (1 + 1e-12)))

    @property
    def worst_bound_ratio(self) -> float:
        """Largest path norm / corrected bound (at most 1)."""
        return float(np.max(self.path_norm / self.bound))


def run(config: Config) -> Result:
    """Build the network for every random instance and check it on the whole cube."""
    rows = []
    counter = 0
    for d in config.dims:
        x = hypercube_points(d, values="pm1")
        for r in config.rs:
            for _ in range(config.instances):
                seed = derive_seed(config.seed, "halfspaces", counter)
                W, b = random_integer_halfspaces(r, d, weight_bound=config.weight_bound, nonempty=config.nonempty, seed=seed)
                _, b_independent = random_integer_halfspaces(r, d, weight_bound=config.weight_bound, seed=seed)
                counter += 1
                net = HalfspaceIntersectionNet(W, b)
                with torch.no_grad():
                    target = net.target(x)
                    wrong = int((net.classify(x) != target).sum())
                    rows.append(
                        (
                            d,
                            r,
                            wrong,
                            float((target > 0).double().mean()),
                            float((halfspace_intersection(x, W, b_independent) > 0).double().mean()),
                            float(net.path_norm()),
                            halfspace_path_norm(W, b),
                            halfspace_path_norm_bound(W, b),
                            notes_halfspace_path_norm(W, b),
                        )
                    )
    cols = list(zip(*rows))
    return Result(
        config=config,
        d=np.array(cols[0], dtype=int),
        r=np.array(cols[1], dtype=int),
        mismatches=np.array(cols[2], dtype=int),
        positive_fraction=np.array(cols[3]),
        independent_positive_fraction=np.array(cols[4]),
        path_norm=np.array(cols[5]),
        exact_formula=np.array(cols[6]),
        bound=np.array(cols[7]),
        notes_expression=np.array(cols[8]),
    )


def plot(result: Result):
    """Left: the ReLU step against the step function. Right: path norm against the two bounds."""
    fig, (ax1, ax2) = figure(2, width=7.5, height=4.4)
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "fontsize": LEGEND_SIZE}
    z = torch.linspace(-1.5, 1.5, 601, dtype=torch.float64)
    ax1.axvspan(-0.5, 0.5, color="0.9", lw=0, label=r"$|z|<1/2$ (never reached)")
    ax1.plot(z, (z >= 0).double(), color="black", lw=1.2, label="step $1(z\\geq 0)$")
    for color, a in zip((OKABE_ITO[1], OKABE_ITO[0], OKABE_ITO[2]), result.config.slopes):
        az = "z" if a == 1 else f"{a:g}z"
        ax1.plot(z, relu_step(z, slope=a), color=color, lw=1.8 if a == 2 else 1.2,
                 ls="-" if a == 2 else "--", label=rf"$\sigma({az})-\sigma({az}-1)$")
    half = torch.tensor([-1.5, -0.5, 0.5, 1.5], dtype=torch.float64)
    ax1.plot(half, relu_step(half, 2.0), "o", color=OKABE_ITO[0], ms=5, zorder=5)
    ax1.set(xlabel="$z$ (on the cube $z = z_i(x)$)", ylabel="value", title="ReLU step, exact on $|z|\\geq 1/2$", ylim=(-0.15, 1.2))
    ax1.legend(ncol=2, columnspacing=1.0, handlelength=1.8, **below)

    rng = np.random.default_rng(derive_seed(result.config.seed, "plot-sample"))
    jitter = rng.uniform(-0.35, 0.35, size=result.d.shape)
    ax2.axhline(1.0, **BOUND_STYLE)
    ax2.scatter(result.d + jitter, result.path_norm / result.bound, s=12, color=OKABE_ITO[0], alpha=0.7,
                label="path norm / corrected bound")
    ax2.scatter(result.d + jitter, result.path_norm / result.notes_expression, s=14, marker="x", color=OKABE_ITO[1],
                alpha=0.7, label="path norm / notes' expression")
    ax2.set(xlabel="dimension $d$", ylabel="ratio (a bound needs $\\leq 1$)",
            title=f"{len(result.d)} random networks")
    ax2.set_xticks(list(result.config.dims))
    ax2.legend(**below)
    return fig
