"""The notes' Theorem 8 and the notes' Corollary 9: gradient descent barely moves on an orthonormal class.

Setting: an orthonormal class :math:`\\mathcal F` of :math:`2^d` functions with
:math:`|f|\\le 1`, a model with :math:`\\sup_x|h(x;\\theta)|\\le 1` whose gradient is
mean-square Lipschitz,
:math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_1)-\\nabla_\\theta h(x;\\theta_2)\\|^2\\le L\\|\\theta_1-\\theta_2\\|^2`,
and the hinge risk. :math:`G_0=\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2`.
The functions below evaluate the (corrected) bounds of the book's chapter 4.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_in_range, check_nonnegative, check_positive, check_positive_int


def _growth(t, L: float) -> np.ndarray:
    """:math:`(e^{\\sqrt L t}-1)/\\sqrt L`, with its limit :math:`t` at :math:`L=0`."""
    t = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be finite and >= 0")
    if L == 0:
        return t
    r = math.sqrt(L)
    with np.errstate(over="ignore"):  # an infinite bound is a valid (empty) statement
        return np.expm1(r * t) / r


def initial_speed_bound(G0: float, d: int) -> float:
    """Bessel's bound :math:`\\mathbb E_f\\|\\nabla R^f(\\theta_0)\\|^2\\le G_0/2^d`.

    Parameters
    ----------
    G0 : float
        :math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2` (>= 0).
    d : int
        :math:`|\\mathcal F| = 2^d` (d >= 1).
    """
    G0 = check_nonnegative("G0", G0)
    d = check_positive_int("d", d)
    return G0 / 2.0**d


def pathwise_bound(t, speed: float, L: float) -> np.ndarray:
    """Gronwall's bound for one target: :math:`\\|\\theta^f_t-\\theta_0\\|\\le a_f\\,(e^{\\sqrt L t}-1)/\\sqrt L`.

    Parameters
    ----------
    t : float or array_like
        Gradient-flow time (>= 0); for gradient descent with step :math:`\\eta`, :math:`t=\\eta k`.
    speed : float
        :math:`a_f=\\|\\nabla R^f(\\theta_0)\\|` (>= 0).
    L : float
        Mean-square Lipschitz constant of :math:`\\nabla_\\theta h` (>= 0; 0 gives the limit :math:`a_f t`).
    """
    speed = check_nonnegative("speed", speed)
    L = check_nonnegative("L", L)
    return speed * _growth(t, L)


def mean_square_bound(t, G0: float, L: float, d: int) -> np.ndarray:
    """The notes' Theorem 8: :math:`\\mathbb E_f\\|\\theta^f_t-\\theta_0\\|^2\\le \\frac{G_0}{2^d}\\big((e^{\\sqrt L t}-1)/\\sqrt L\\big)^2`.

    Parameters
    ----------
    t : float or array_like
        Time (>= 0).
    G0 : float
        :math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2` (>= 0).
    L : float
        Lipschitz constant (>= 0; 0 gives the first-order bound :math:`G_0t^2/2^d`).
    d : int
        :math:`|\\mathcal F|=2^d`.
    """
    L = check_nonnegative("L", L)
    return initial_speed_bound(G0, d) * _growth(t, L) ** 2


def corollary_radius(T: float, G0: float, L: float, d: int, *, share: float = 0.75) -> float:
    """The notes' Corollary 9: a radius that at least a fraction ``share`` of the targets never leave up to time ``T``.

    .. math:: r = \\sqrt{\\frac{G_0}{(1-s)\\,2^d}}\\;\\frac{e^{\\sqrt L T}-1}{\\sqrt L}.

    Parameters
    ----------
    T : float
        Time horizon (>= 0).
    G0, L, d
        As in :func:`mean_square_bound`.
    share : float
        The fraction :math:`s` of targets, in [0, 1).
    """
    T = check_nonnegative("T", T)
    share = check_in_range("share", share, 0.0, 1.0)
    if share == 1.0:
        raise ValueError("share must be a number in [0, 1), got 1.0")
    return float(math.sqrt(initial_speed_bound(G0, d) / (1 - share)) * _growth(T, check_nonnegative("L", L)))


def linear_horizon(L: float, d: int, *, power: float = 0.25) -> float:
    """The time :math:`T=p\\,d\\ln 2/\\sqrt L` at which :math:`e^{\\sqrt L T}=2^{pd}`.

    Up to this time the radius of :func:`corollary_radius` is at most
    :math:`\\sqrt{G_0/((1-s)L)}\\,2^{-(1/2-p)d}`: exponentially small for :math:`p<1/2`.

    Parameters
    ----------
    L : float
        Lipschitz constant (> 0).
    d : int
        Dimension (>= 1).
    power : float
        The exponent :math:`p`, in (0, 0.5].
    """
    L = check_positive("L", L)
    d = check_positive_int("d", d)
    power = check_in_range("power", power, 0.0, 0.5)
    if power == 0:
        raise ValueError("power must be a number in (0, 0.5], got 0")
    return power * d * math.log(2) / math.sqrt(L)
