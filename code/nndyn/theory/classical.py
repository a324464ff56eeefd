"""Bounds of the classical convergence theorems (the notes' Theorems 1-3 of chapter 1).

Each bound is stated for the gradient-descent flow (``lr=0``, the default) and, where a
learning rate :math:`\\eta` and a smoothness constant :math:`L` are given, for gradient
descent with step :math:`\\eta` at time :math:`t=\\eta k`. The discrete versions follow
from the descent lemma
:math:`R(\\theta_{k+1}) \\le R(\\theta_k) - \\eta(1-L\\eta/2)\\|\\nabla R(\\theta_k)\\|^2`
and reduce to the flow versions as :math:`\\eta\\to0`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_nonnegative, check_positive


def _as_positive_times(t) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        raise ValueError("t must contain finite times > 0")
    return t


def descent_factor(lr: float = 0.0, smoothness: float = 0.0) -> float:
    """The factor :math:`\\zeta = 1 - L\\eta/2` of the descent lemma (1 for the flow).

    Raises
    ------
    ValueError
        If ``lr`` or ``smoothness`` is negative, or if :math:`L\\eta \\ge 2`, where a
        gradient step need not decrease the risk.
    """
    lr = check_nonnegative("lr", lr)
    smoothness = check_nonnegative("smoothness", smoothness)
    if lr * smoothness >= 2:
        raise ValueError(f"lr * smoothness must be in [0, 2), got {lr * smoothness:g}")
    return 1.0 - lr * smoothness / 2


def nonconvex_gradient_bound(initial_gap: float, t, *, lr: float = 0.0, smoothness: float = 0.0) -> np.ndarray:
    """The notes' Theorem 1: :math:`\\min_{s\\le t}\\|\\nabla R(\\theta_s)\\| \\le \\sqrt{(R(\\theta_0)-\\inf R)/(\\zeta\\,t)}`.

    Parameters
    ----------
    initial_gap : float
        :math:`R(\\theta_0) - \\inf R \\ge 0` (any lower bound of :math:`\\inf R` gives a valid bound).
    t : float or array_like
        Times :math:`t>0`.
    lr, smoothness : float
        Step :math:`\\eta` and smoothness :math:`L` for gradient descent; for GD the
        minimum runs over the steps :math:`k < t/\\eta`. Zero (the default) gives the flow.

    Returns
    -------
    numpy.ndarray
        The bound at each time.
    """
    gap = check_nonnegative("initial_gap", initial_gap)
    return np.sqrt(gap / (descent_factor(lr, smoothness) * _as_positive_times(t)))


def convex_gap_bound(initial_distance: float, t, *, lr: float = 0.0, smoothness: float = 0.0) -> np.ndarray:
    """The notes' Theorem 2: :math:`R(\\theta_t) - R(\\theta^*) \\le \\|\\theta^*-\\theta_0\\|^2/(2t)` for convex :math:`R`.

    Parameters
    ----------
    initial_distance : float
        :math:`\\|\\theta^*-\\theta_0\\|` for a minimiser :math:`\\theta^*`.
    t : float or array_like
        Times :math:`t>0`.
    lr, smoothness : float
        For gradient descent the same bound holds at :math:`t=\\eta k` when
        :math:`L\\eta\\le1`; these arguments only check that condition.
    """
    dist = check_nonnegative("initial_distance", initial_distance)
    lr = check_nonnegative("lr", lr)
    smoothness = check_nonnegative("smoothness", smoothness)
    if lr * smoothness > 1:
        raise ValueError(f"lr * smoothness must be in [0, 1] for the convex bound, got {lr * smoothness:g}")
    return dist**2 / (2 * _as_positive_times(t))


def pl_gap_bound(
    initial_gap: float, pl_constant: float, t, *, lr: float = 0.0, smoothness: float = 0.0
) -> np.ndarray:
    """The notes' Theorem 3: :math:`R(\\theta_t)-\\inf R \\le e^{-cCt}(R(\\theta_0)-\\inf R)`.

    Under the Polyak-Łojasiewicz condition
    :math:`\\|\\nabla R(\\theta)\\|^2 \\ge C\\,(R(\\theta)-\\inf R)`.

    Parameters
    ----------
    initial_gap : float
        :math:`R(\\theta_0)-\\inf R \\ge 0`.
    pl_constant : float
        The constant :math:`C>0`.
    t : float or array_like
        Times :math:`t \\ge 0`.
    lr, smoothness : float
        Step and smoothness for gradient descent (:math:`\\zeta=1-L\\eta/2`); zero for the flow.
    """
    gap = check_nonnegative("initial_gap", initial_gap)
    C = check_positive("pl_constant", pl_constant)
    t = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must contain finite times >= 0")
    return gap * np.exp(-descent_factor(lr, smoothness) * C * t)
