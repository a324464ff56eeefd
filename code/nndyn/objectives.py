"""Test objectives for the classical convergence theorems, and plain gradient descent on them.

An :class:`Objective` is a differentiable function :math:`R:\\mathbb R^p\\to\\mathbb R` with
what the theorems need to know about it: its infimum, a minimiser, a smoothness
constant :math:`L` and, if it has one, a Polyak-Łojasiewicz constant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_positive, check_positive_int, check_seed
from .data import generator


@dataclass(frozen=True)
class Objective:
    """A function to minimise and the constants the theorems use.

    Attributes
    ----------
    name : str
        A short description.
    fn : callable
        Maps a parameter vector (1-D float64 tensor) to a scalar tensor.
    infimum : float
        :math:`\\inf R`.
    smoothness : float
        A constant :math:`L` with :math:`\\|\\nabla R(\\theta)-\\nabla R(\\theta')\\| \\le L\\|\\theta-\\theta'\\|`.
    minimizer : torch.Tensor or None
        A minimiser :math:`\\theta^*`, if known.
    pl_constant : float or None
        :math:`C` with :math:`\\|\\nabla R\\|^2\\ge C(R-\\inf R)` everywhere, if it holds.
    """

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    infimum: float
    smoothness: float
    minimizer: torch.Tensor | None = None
    pl_constant: float | None = None

    def __call__(self, theta: torch.Tensor) -> torch.Tensor:
        return self.fn(theta)

    def gradient(self, theta: torch.Tensor) -> torch.Tensor:
        """:math:`\\nabla R(\\theta)` by automatic differentiation."""
        theta = theta.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(self.fn(theta), theta)
        return g


def _pl_example_fn(theta: torch.Tensor) -> torch.Tensor:
    return (theta**2 + 3 * torch.sin(theta) ** 2).sum()


def pl_example() -> Objective:
    """:math:`R(\\theta)=\\theta^2+3\\sin^2\\theta`: not convex, but Polyak-Łojasiewicz.

    :math:`R''(\\theta)=2+6\\cos 2\\theta` takes negative values, so :math:`R` is not
    convex; its only critical point is the global minimum 0, and the PL constant
    :math:`C=\\min_{\\theta\\ne0}R'(\\theta)^2/R(\\theta)` is computed numerically on a fine grid.
    The smoothness constant is :math:`L=\\max|R''|=8`.
    """
    grid = np.linspace(1e-4, 20.0, 400_001)
    grid = np.concatenate([-grid, grid])
    value = grid**2 + 3 * np.sin(grid) ** 2
    slope = 2 * grid + 3 * np.sin(2 * grid)
    # Beyond |theta| = 20, R' >= 2|theta| - 3 and R <= theta^2 + 3 keep the ratio above 3.
    pl = float(np.min(slope**2 / value))
    return Objective(
        name="theta^2 + 3 sin^2(theta)",
        fn=_pl_example_fn,
        infimum=0.0,
        smoothness=8.0,
        minimizer=torch.zeros(1, dtype=torch.float64),
        pl_constant=pl,
    )


def ill_conditioned_least_squares(p: int = 100, *, decay: float = 1.0, seed: int = 0) -> Objective:
    """A convex least-squares problem :math:`R(\\theta)=\\frac1{2p}\\|A\\theta-y\\|^2` with slowly decaying spectrum.

    :math:`A=U\\,\\mathrm{diag}(s)\\,V^\\top` with random orthogonal :math:`U, V` and
    singular values :math:`s_k = \\sqrt{p}\\,k^{-\\mathrm{decay}}`, so the Hessian
    :math:`A^\\top A/p` has eigenvalues :math:`k^{-2\\,\\mathrm{decay}}`, from 1 down to
    :math:`p^{-2\\,\\mathrm{decay}}`. Labels are :math:`y=A\\theta^*` with :math:`\\theta^*`
    Gaussian, so :math:`\\inf R = 0` is attained at :math:`\\theta^*`. Over any time
    window shorter than :math:`p^{2\\,\\mathrm{decay}}` the problem behaves like a convex
    function that is not strongly convex, which is where the notes' Theorem 2 is the right rate.

    Parameters
    ----------
    p : int
        Number of parameters (and of data points), >= 1.
    decay : float
        Exponent of the decay of the singular values, > 0.
    seed : int
        Seed of the random rotations and of :math:`\\theta^*`.
    """
    p = check_positive_int("p", p)
    decay = check_positive("decay", decay)
    g = generator(check_seed(seed), "problem")
    U, _ = torch.linalg.qr(torch.randn(p, p, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(p, p, generator=g, dtype=torch.float64))
    s = p**0.5 * torch.arange(1, p + 1, dtype=torch.float64) ** (-decay)
    A = U @ torch.diag(s) @ V.T
    theta_star = torch.randn(p, generator=g, dtype=torch.float64)
    y = A @ theta_star

    def fn(theta: torch.Tensor) -> torch.Tensor:
        return 0.5 * (A @ theta - y).pow(2).sum() / p

    return Objective(
        name=f"least squares, p={p}, Hessian eigenvalues k^-{2 * decay:g}",
        fn=fn,
        infimum=0.0,
        smoothness=1.0,
        minimizer=theta_star,
    )


@dataclass
class DescentPath:
    """Iterates of plain gradient descent on an :class:`Objective`.

    Attributes
    ----------
    t : numpy.ndarray
        Times :math:`\\eta k`, :math:`k=0,\\dots,\\text{steps}`.
    value : numpy.ndarray
        :math:`R(\\theta_k)`.
    grad_norm : numpy.ndarray
        :math:`\\|\\nabla R(\\theta_k)\\|`.
    theta : numpy.ndarray
        The iterates, shape ``(steps + 1, p)``.
    """

    t: np.ndarray
    value: np.ndarray
    grad_norm: np.ndarray
    theta: np.ndarray


def descend(objective: Objective, theta0: torch.Tensor, *, lr: float, steps: int) -> DescentPath:
    """Run :math:`\\theta_{k+1}=\\theta_k-\\eta\\nabla R(\\theta_k)` for ``steps`` steps.

    A loop this short is clearer written out than wrapped in a trainer; the neural
    networks of the book are trained with :func:`nndyn.training.train` instead.

    Raises
    ------
    ValueError
        If ``lr <= 0`` or ``steps < 1``.
    TrainingDivergedError
        If the objective becomes NaN or infinite.
    """
    from .training.module import TrainingDivergedError

    lr = check_positive("lr", lr)
    steps = check_positive_int("steps", steps)
    theta = theta0.detach().to(torch.float64).reshape(-1).clone()
    thetas, values, norms = [], [], []
    for k in range(steps + 1):
        theta.requires_grad_(True)
        value = objective(theta)
        (grad,) = torch.autograd.grad(value, theta)
        if not torch.isfinite(value):
            raise TrainingDivergedError(f"the objective became {value.item()} after {k} steps; lower the learning rate (lr={lr:g})")
        thetas.append(theta.detach().clone())
        values.append(value.item())
        norms.append(grad.norm().item())
        theta = (theta - lr * grad).detach()
    return DescentPath(
        t=lr * np.arange(steps + 1, dtype=float),
        value=np.asarray(values),
        grad_norm=np.asarray(norms),
        theta=torch.stack(thetas).numpy(),
    )
