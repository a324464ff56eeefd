"""The notes' Theorem 8 and the notes' Corollary 9: gradient descent barely moves on an orthonormal class.

Setting: an orthonormal class :math:`\\mathcal F` of :math:`2^d` functions with
:math:`|f|\\le 1`, a model with :math:`\\sup_x|h(x;\\theta)|\\le 1` whose gradient is
mean-square Lipschitz,
:math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_1)-\\nabla_\\theta h(x;\\theta_2)\\|^2\\le L^2\\|\\theta_1-\\theta_2\\|^2`
(:math:`L` the mean-square Lipschitz constant of the gradient),
and the hinge risk. :math:`\\Gamma_0=\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2`.
The functions below evaluate the (corrected) bounds of the book's chapter 4.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_in_range, check_nonnegative, check_positive, check_positive_int


def _growth(t, L: float) -> np.ndarray:
    """:math:`(e^{L t}-1)/L`, with its limit :math:`t` at :math:`L=0`."""
    t = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be finite and >= 0")
    if L == 0:
        return t
    with np.errstate(over="ignore"):  # an infinite bound is a valid (empty) statement
        return np.expm1(L * t) / L


def initial_speed_bound(G0: float, d: int) -> float:
    """Bessel's bound :math:`\\mathbb E_f\\|\\nabla R^f(\\theta_0)\\|^2\\le \\Gamma_0/2^d`.

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
    """Gronwall's bound for one target: :math:`\\|\\theta^f_t-\\theta_0\\|\\le g_f\\,(e^{L t}-1)/L`.

    Parameters
    ----------
    t : float or array_like
        Gradient-flow time (>= 0); for gradient descent with step :math:`\\eta`, :math:`t=\\eta k`.
    speed : float
        :math:`g_f=\\|\\nabla R^f(\\theta_0)\\|` (>= 0).
    L : float
        Mean-square Lipschitz constant of :math:`\\nabla_\\theta h` (>= 0; 0 gives the limit :math:`g_f t`).
    """
    speed = check_nonnegative("speed", speed)
    L = check_nonnegative("L", L)
    return speed * _growth(t, L)


def mean_square_bound(t, G0: float, L: float, d: int) -> np.ndarray:
    """The notes' Theorem 8: :math:`\\mathbb E_f\\|\\theta^f_t-\\theta_0\\|^2\\le \\frac{\\Gamma_0}{2^d}\\big((e^{L t}-1)/L\\big)^2`.

    Parameters
    ----------
    t : float or array_like
        Time (>= 0).
    G0 : float
        :math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2` (>= 0).
    L : float
        Lipschitz constant (>= 0; 0 gives the first-order bound :math:`\\Gamma_0t^2/2^d`).
    d : int
        :math:`|\\mathcal F|=2^d`.
    """
    L = check_nonnegative("L", L)
    return initial_speed_bound(G0, d) * _growth(t, L) ** 2


def corollary_radius(T: float, G0: float, L: float, d: int, *, share: float = 0.75) -> float:
    """The notes' Corollary 9: a radius that at least a fraction ``share`` of the targets never leave up to time ``T``.

    .. math:: r = \\sqrt{\\frac{\\Gamma_0}{(1-s)\\,2^d}}\\;\\frac{e^{L T}-1}{L}.

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
    """The time :math:`T=p\\,d\\ln 2/L` at which :math:`e^{L T}=2^{pd}`.

    Up to this time the radius of :func:`corollary_radius` is at most
    :math:`\\sqrt{\\Gamma_0/(1-s)}\\,2^{-(1/2-p)d}/L`: exponentially small for :math:`p<1/2`.

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
    return power * d * math.log(2) / L


def neuron_parity_correlation(W, subset, *, bias=0.0, chunk: int = 1 << 15) -> np.ndarray:
    """Exact :math:`\\mathbb E_x[\\sigma(w^\\top x+c)\\,\\chi_S(x)]` over all :math:`2^d` points of :math:`\\{-1,1\\}^d`.

    This is (up to the output weight) the gradient signal that the parity :math:`\\chi_S` sends
    to the output weight of a ReLU neuron with weights :math:`w` and bias :math:`c` at a
    model that is still in the linear part of the hinge.

    Parameters
    ----------
    W : array_like
        Weight vectors, shape ``(d,)`` or ``(n, d)``, with ``1 <= d <= 24``.
    subset : array_like
        0/1 indicator of :math:`S`, length ``d``.
    bias : float or array_like
        The biases :math:`c` (a number, or one per weight vector).
    chunk : int
        Points of the cube evaluated at once (memory only).

    Returns
    -------
    numpy.ndarray
        One correlation per weight vector (shape ``(n,)``; a 0-d array for a single vector).
    """
    W = np.asarray(W, dtype=float)
    single = W.ndim == 1
    W = np.atleast_2d(W)
    if W.ndim != 2 or not 1 <= W.shape[1] <= 24:
        raise ValueError(f"W must have shape (d,) or (n, d) with 1 <= d <= 24, got {np.shape(W)}")
    d = W.shape[1]
    S = np.asarray(subset, dtype=float)
    if S.shape != (d,) or not np.all((S == 0) | (S == 1)):
        raise ValueError(f"subset must be a 0/1 vector of length {d}, got {subset!r}")
    c = np.broadcast_to(np.asarray(bias, dtype=float), (W.shape[0],))
    chunk = check_positive_int("chunk", chunk)
    total = np.zeros(W.shape[0])
    powers = np.arange(d)
    for start in range(0, 2**d, chunk):
        idx = np.arange(start, min(start + chunk, 2**d))
        x = 1.0 - 2.0 * ((idx[:, None] >> powers) & 1)
        chi = 1.0 - 2.0 * (((idx[:, None] >> powers) & 1) @ S % 2)
        total += chi @ np.maximum(x @ W.T + c, 0.0)
    out = total / 2.0**d
    return out[0] if single else out


def exponential_horizon(G0: float, H0: float, M: float, d: int, *, share: float = 0.75) -> float:
    """The time up to which most targets stay within :math:`2^{-d/4}` of :math:`\\theta_0` (the second-order theorem).

    With :math:`\\Lambda=\\sqrt{(\\Gamma_0+H_0)/(1-s)}`, at least a fraction
    :math:`s` of the targets satisfy :math:`\\|\\theta^f_t-\\theta_0\\|\\le(2\\Lambda+M/\\sqrt3)\\,2^{-d/2}\\,t\\le 2^{-d/4}`
    for all

    .. math:: t\\le T_*=\\frac{2^{d/4}}{2\\Lambda+M/\\sqrt3}.

    Parameters
    ----------
    G0 : float
        :math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta_0)\\|^2` (>= 0).
    H0 : float
        :math:`\\mathbb E_x\\|\\nabla^2_\\theta h(x;\\theta_0)\\|_F^2` (>= 0).
    M : float
        Mean-square Lipschitz constant of the Hessian (>= 0):
        :math:`\\mathbb E_x\\|\\nabla^2_\\theta h(x;\\theta_1)-\\nabla^2_\\theta h(x;\\theta_2)\\|_{\\rm op}^2\\le M^2\\|\\theta_1-\\theta_2\\|^2`.
    d : int
        :math:`|\\mathcal F|=2^d` (>= 1).
    share : float
        The fraction :math:`s` of targets, in [0, 1).

    Returns
    -------
    float
        :math:`T_*` (``inf`` when :math:`\\Gamma_0=H_0=M=0`: nothing moves).
    """
    G0 = check_nonnegative("G0", G0)
    H0 = check_nonnegative("H0", H0)
    M = check_nonnegative("M", M)
    d = check_positive_int("d", d)
    share = check_in_range("share", share, 0.0, 1.0)
    if share == 1.0:
        raise ValueError("share must be a number in [0, 1), got 1.0")
    rate = 2 * math.sqrt((G0 + H0) / (1 - share)) + M / math.sqrt(3)
    return math.inf if rate == 0 else 2.0 ** (d / 4) / rate
