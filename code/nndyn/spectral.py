"""Mercer eigenvalues of zonal kernels on the sphere (Funk-Hecke formula).

A *zonal* kernel on :math:`\\mathbb S^{d-1}` depends only on the angle between its
arguments, :math:`k(x,x')=\\kappa(\\cos\\varphi)`. Its integral operator on
:math:`L^2(\\mathcal U)`, :math:`\\mathcal U` the uniform probability measure,

.. math::

   (Th)(x)=\\int k(x,x')\\,h(x')\\,\\mathrm d\\mathcal U(x'),

is diagonal in the spherical harmonics: every harmonic of degree :math:`\\ell` is an
eigenfunction with the same eigenvalue (Funk-Hecke)

.. math::

   \\mu_\\ell=\\frac1{Z_d}\\int_0^\\pi
   \\kappa(\\cos\\varphi)\\,P_\\ell^{(d)}(\\cos\\varphi)\\,\\sin^{d-2}\\varphi\\,\\mathrm d\\varphi ,

where :math:`P_\\ell^{(d)}` is the Legendre (Gegenbauer) polynomial of degree :math:`\\ell`
in dimension :math:`d`, normalised by :math:`P_\\ell^{(d)}(1)=1`, and
:math:`Z_d=\\sqrt\\pi\\,\\Gamma((d-1)/2)/\\Gamma(d/2)` (the area of
:math:`\\mathbb S^{d-1}` divided by that of :math:`\\mathbb S^{d-2}`). The
eigenvalue has multiplicity :math:`N(d,\\ell)`, the dimension of the space of harmonics
of degree :math:`\\ell` (:func:`harmonic_dimension`).

For a general profile (:func:`zonal_kernel_eigenvalues`) the integral is computed in the
angle :math:`\\varphi` with Gauss-Legendre quadrature, which integrates profiles that are
smooth in :math:`\\varphi` (such as :func:`relu_profile`, whose profile has a
:math:`(1-z)^{3/2}` singularity in :math:`z=\\cos\\varphi`) up to rounding error. That
error is *absolute*: it is a small multiple of the machine precision times
:math:`\\kappa(1)` (at most :math:`4.1\\times10^{-14}\\,\\kappa(1)` for the ReLU kernel over
:math:`3\\le d\\le50`, :math:`\\ell\\le200`), so the *relative* accuracy of a small
:math:`\\mu_\\ell` is lost once :math:`\\mu_\\ell/\\kappa(1)` approaches :math:`10^{-13}`: for
the ReLU kernel in :math:`d=20` the relative error is :math:`5\\times10^{-5}` at
:math:`\\ell=40` and 2 % at :math:`\\ell=60`. The ReLU kernel itself therefore uses its
closed form (:func:`relu_kernel_eigenvalues`), exact to rounding in every dimension and
degree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import check_positive_int

__all__ = [
    "DecaySummary",
    "closest_pair_bound",
    "decay_summary",
    "harmonic_dimension",
    "plot_decay",
    "legendre_sphere",
    "nth_mercer_eigenvalues",
    "relu_derivative_profile",
    "relu_profile",
    "relu_eigenvalue_asymptote",
    "relu_feature_coefficients",
    "relu_kernel_eigenvalues",
    "sorted_eigenvalues",
    "tail_sums",
    "zonal_kernel_eigenvalues",
]


def _dimension(d: int) -> int:
    d = check_positive_int("d", d)
    if d < 3:
        raise ValueError(f"d must be >= 3 (the sphere S^{{d-1}} of dimension >= 2), got {d}")
    return d


def _degrees(degrees) -> np.ndarray:
    ell = np.atleast_1d(np.asarray(degrees))
    if ell.size == 0 or not np.issubdtype(ell.dtype, np.integer) or np.any(ell < 0):
        raise ValueError("degrees must be non-negative integers")
    return ell.astype(int)


def harmonic_dimension(d: int, degree: int) -> int:
    """Dimension :math:`N(d,\\ell)` of the spherical harmonics of degree :math:`\\ell` on :math:`\\mathbb S^{d-1}`.

    :math:`N(d,0)=1` and :math:`N(d,\\ell)=\\frac{2\\ell+d-2}{\\ell}\\binom{\\ell+d-3}{d-2}` for
    :math:`\\ell\\ge1`; for large :math:`\\ell` it grows like :math:`2\\ell^{d-2}/(d-2)!`.

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    degree : int
        Degree :math:`\\ell\\ge0`.

    Returns
    -------
    int
    """
    d = _dimension(d)
    if int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree}")
    ell = int(degree)
    if ell == 0:
        return 1
    return (2 * ell + d - 2) * math.comb(ell + d - 3, d - 2) // ell


def legendre_sphere(degree: int, d: int, t: np.ndarray) -> np.ndarray:
    """The Legendre polynomial :math:`P_\\ell^{(d)}(t)` of dimension :math:`d`, with :math:`P_\\ell^{(d)}(1)=1`.

    Computed by the three-term recurrence
    :math:`(\\ell+d-2)P_{\\ell+1}=(2\\ell+d-2)\\,t\\,P_\\ell-\\ell P_{\\ell-1}`, which is
    stable on :math:`[-1,1]`.

    Parameters
    ----------
    degree : int
        Degree :math:`\\ell\\ge0`.
    d : int
        Ambient dimension, at least 3.
    t : numpy.ndarray
        Points of :math:`[-1,1]`.

    Returns
    -------
    numpy.ndarray
        Same shape as ``t``.
    """
    d = _dimension(d)
    ell = int(_degrees(degree)[0])
    t = np.asarray(t, dtype=float)
    p_prev, p = np.ones_like(t), t.copy()
    if ell == 0:
        return p_prev
    for k in range(1, ell):
        p_prev, p = p, ((2 * k + d - 2) * t * p - k * p_prev) / (k + d - 2)
    return p


def relu_profile(d: int) -> Callable[[np.ndarray], np.ndarray]:
    """The profile :math:`\\varphi\\mapsto k` of the chapter's ReLU kernel on :math:`\\mathbb S^{d-1}`, as a function of the angle.

    :math:`k(x,x')=\\mathbb E_{b\\sim\\mathcal U}[\\sigma(b^\\top x)\\sigma(b^\\top x')]=\\frac{\\sin\\varphi+(\\pi-\\varphi)\\cos\\varphi}{2\\pi d}`
    (:func:`nndyn.kernels.relu_kernel`).
    """
    d = _dimension(d)

    def profile(phi: np.ndarray) -> np.ndarray:
        phi = np.asarray(phi, dtype=float)
        return (np.sin(phi) + (np.pi - phi) * np.cos(phi)) / (2 * np.pi * d)

    return profile


def relu_derivative_profile(d: int) -> Callable[[np.ndarray], np.ndarray]:
    """Profile of the first-layer part of the tangent kernel, :math:`\\mathbb E_{b\\sim\\mathcal U}[\\sigma'(b^\\top x)\\sigma'(b^\\top x')]\\,x^\\top x'`.

    For unit :math:`x,x'` at angle :math:`\\varphi` it is
    :math:`\\frac{\\pi-\\varphi}{2\\pi}\\cos\\varphi` (the probability that a uniform
    :math:`b` has positive inner product with both is :math:`(\\pi-\\varphi)/(2\\pi)`).
    """
    _dimension(d)

    def profile(phi: np.ndarray) -> np.ndarray:
        phi = np.asarray(phi, dtype=float)
        return (np.pi - phi) * np.cos(phi) / (2 * np.pi)

    return profile


def zonal_kernel_eigenvalues(
    profile: Callable[[np.ndarray], np.ndarray], d: int, degrees, *, nodes: int | None = None
) -> np.ndarray:
    """Mercer eigenvalues :math:`\\mu_\\ell` of a zonal kernel on :math:`\\mathbb S^{d-1}` (Funk-Hecke).

    Parameters
    ----------
    profile : callable
        The kernel as a function of the angle :math:`\\varphi\\in[0,\\pi]` between its two
        arguments (vectorised over a NumPy array).
    d : int
        Ambient dimension, at least 3.
    degrees : int or sequence of int
        Degrees :math:`\\ell\\ge0`.
    nodes : int, optional
        Number of Gauss-Legendre nodes in :math:`\\varphi`; default
        ``4 * max(degrees) + 200``.

    Returns
    -------
    numpy.ndarray
        :math:`\\mu_\\ell` for each degree, eigenvalues of the integral operator on
        :math:`L^2` of the uniform probability measure; :math:`\\mu_\\ell` has multiplicity
        :func:`harmonic_dimension` ``(d, l)`` and :math:`\\sum_\\ell N(d,\\ell)\\mu_\\ell=\\kappa(1)`.

    Notes
    -----
    The quadrature error is absolute, a small multiple of the machine precision times
    :math:`\\max|\\kappa|`: for the ReLU kernel it stays below
    :math:`4.1\\times10^{-14}\\,\\kappa(1)` (measured against
    :func:`relu_kernel_eigenvalues` for :math:`3\\le d\\le50`, :math:`\\ell\\le200`). An
    eigenvalue far below that level has no correct digit; for the ReLU kernel in
    :math:`d=20` the relative error is :math:`5\\times10^{-5}` at :math:`\\ell=40` and 2 %
    at :math:`\\ell=60`. Use a closed form where one exists.
    """
    d = _dimension(d)
    ell = _degrees(degrees)
    if not callable(profile):
        raise ValueError("profile must be callable")
    if nodes is None:
        nodes = 4 * int(ell.max()) + 200
    nodes = check_positive_int("nodes", nodes)
    u, w = np.polynomial.legendre.leggauss(nodes)
    phi = np.pi * (u + 1) / 2
    w = w * np.pi / 2
    t = np.cos(phi)
    base = w * np.asarray(profile(phi), dtype=float) * np.sin(phi) ** (d - 2)
    ratio = math.exp(math.lgamma(d / 2) - math.lgamma((d - 1) / 2)) / math.sqrt(math.pi)
    # one recurrence up to the largest degree, keeping the requested ones
    out = np.empty(ell.size)
    wanted = {int(k): [i for i in range(ell.size) if ell[i] == k] for k in set(ell.tolist())}
    p_prev, p = np.ones_like(t), t.copy()
    for k in range(int(ell.max()) + 1):
        current = p_prev if k == 0 else p
        if k in wanted:
            out[wanted[k]] = ratio * float(np.dot(base, current))
        if k >= 1:
            p_prev, p = p, ((2 * k + d - 2) * t * p - k * p_prev) / (k + d - 2)
    return out


def relu_feature_coefficients(d: int, degrees) -> np.ndarray:
    """Funk-Hecke coefficients :math:`\\nu_\\ell=\\mathbb E_{b\\sim\\mathcal U}[\\sigma(b^\\top x)P_\\ell^{(d)}(b^\\top x)]` of one ReLU feature, in closed form.

    For a unit :math:`x`, the feature :math:`b\\mapsto\\sigma(b^\\top x)` has the harmonic
    expansion :math:`\\sum_\\ell\\nu_\\ell N(d,\\ell)P_\\ell^{(d)}(b^\\top x)`, and the kernel of
    :func:`relu_profile` has Mercer eigenvalues :math:`\\mu_\\ell=\\nu_\\ell^2`. In closed form
    (Rodrigues' formula and two integrations by parts; proof in the chapter on the kernel
    regime):

    * :math:`\\nu_0=\\Gamma(d/2)/(2\\sqrt\\pi\\,\\Gamma((d+1)/2))` and :math:`\\nu_1=1/(2d)`;
    * :math:`\\nu_\\ell=0` for odd :math:`\\ell\\ge3`;
    * for even :math:`\\ell\\ge2`,
      :math:`\\nu_\\ell=(-1)^{\\ell/2+1}\\,\\dfrac{\\Gamma(d/2)\\,\\Gamma((\\ell-1)/2)}{4\\pi\\,\\Gamma((\\ell+d+1)/2)}`.

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    degrees : int or sequence of int
        Degrees :math:`\\ell\\ge0`.

    Returns
    -------
    numpy.ndarray
        :math:`\\nu_\\ell` for each degree, computed through ``math.lgamma``: relative
        accuracy of a few units of rounding for every :math:`d` and :math:`\\ell` (until
        :math:`\\nu_\\ell` underflows, beyond :math:`10^{-308}`).
    """
    d = _dimension(d)
    ell = _degrees(degrees)
    log_front = math.lgamma(d / 2) - math.log(4 * math.pi)
    out = np.empty(ell.size)
    for i, k in enumerate(ell.tolist()):
        if k == 0:
            out[i] = math.exp(math.lgamma(d / 2) - math.lgamma((d + 1) / 2)) / (2 * math.sqrt(math.pi))
        elif k == 1:
            out[i] = 1 / (2 * d)
        elif k % 2:
            out[i] = 0.0
        else:
            sign = 1.0 if (k // 2) % 2 else -1.0
            out[i] = sign * math.exp(log_front + math.lgamma((k - 1) / 2) - math.lgamma((k + d + 1) / 2))
    return out


def relu_kernel_eigenvalues(d: int, degrees) -> np.ndarray:
    """Mercer eigenvalues of the ReLU kernel :func:`relu_profile` on :math:`\\mathbb S^{d-1}`, in closed form.

    :math:`\\mu_\\ell=\\nu_\\ell^2` with the coefficients of :func:`relu_feature_coefficients`:
    they vanish for odd degrees :math:`\\ell\\ge3`, and for even :math:`\\ell\\ge2`

    .. math::

       \\mu_\\ell=\\Big(\\frac{\\Gamma(d/2)\\,\\Gamma((\\ell-1)/2)}{4\\pi\\,\\Gamma((\\ell+d+1)/2)}\\Big)^2
       \\simeq\\frac{2^{d-2}\\Gamma(d/2)^2}{\\pi^2}\\,\\ell^{-(d+2)}\\qquad(\\ell\\to\\infty).

    Exact up to rounding (a few units in the last place) in every dimension and degree,
    unlike the quadrature of :func:`zonal_kernel_eigenvalues`, whose error is absolute
    (see the module docstring).

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    degrees : int or sequence of int
        Degrees :math:`\\ell\\ge0`.

    Returns
    -------
    numpy.ndarray
        :math:`\\mu_\\ell` for each degree.
    """
    return relu_feature_coefficients(d, degrees) ** 2


def relu_eigenvalue_asymptote(d: int, degrees) -> np.ndarray:
    """The leading term :math:`2^{d-2}\\Gamma(d/2)^2\\,\\ell^{-(d+2)}/\\pi^2` of :func:`relu_kernel_eigenvalues` over even degrees."""
    d = _dimension(d)
    ell = _degrees(degrees).astype(float)
    if np.any(ell == 0):
        raise ValueError("degrees must be positive for the asymptote")
    return 2.0 ** (d - 2) * math.gamma(d / 2) ** 2 / math.pi**2 * ell ** (-(d + 2.0))


def sorted_eigenvalues(d: int, max_degree: int, eigenvalues: np.ndarray | None = None) -> np.ndarray:
    """All Mercer eigenvalues of degree at most ``max_degree``, repeated with their multiplicity, in decreasing order.

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    max_degree : int
        Largest degree included.
    eigenvalues : numpy.ndarray, optional
        :math:`\\mu_0,\\dots,\\mu_{\\ell_{\\max}}` (:math:`\\ell_{\\max}` = ``max_degree``); default those of the ReLU kernel.

    Returns
    -------
    numpy.ndarray
        :math:`\\mu_{(1)}\\ge\\mu_{(2)}\\ge\\dots`, of length :math:`\\sum_{\\ell\\le\\ell_{\\max}}N(d,\\ell)`.
    """
    d = _dimension(d)
    max_degree = int(_degrees(max_degree)[0])
    mu = relu_kernel_eigenvalues(d, np.arange(max_degree + 1)) if eigenvalues is None else np.asarray(eigenvalues, dtype=float)
    if mu.shape != (max_degree + 1,):
        raise ValueError(f"eigenvalues must have length max_degree + 1 = {max_degree + 1}, got {mu.shape}")
    counts = [harmonic_dimension(d, k) for k in range(max_degree + 1)]
    return np.sort(np.repeat(np.clip(mu, 0.0, None), counts))[::-1]


def tail_sums(d: int, ns, *, trace: float | None = None, max_degree: int | None = None) -> np.ndarray:
    """:math:`\\sum_{i>n}\\mu_{(i)}` for the ReLU kernel: the trace minus the :math:`n` largest eigenvalues.

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    ns : sequence of int
        Numbers :math:`n\\ge0` of eigenvalues removed.
    trace : float, optional
        :math:`\\sum_i\\mu_{(i)}=k(x,x)`; default :math:`1/(2d)` for the ReLU kernel.
    max_degree : int, optional
        Degrees included to find the :math:`n` largest eigenvalues; default the smallest
        degree whose cumulative multiplicity exceeds ``max(ns)``, plus 4.

    Returns
    -------
    numpy.ndarray
        One tail sum per ``n``.
    """
    d = _dimension(d)
    ns = _degrees(ns)
    if max_degree is None:
        total, max_degree = 0, 0
        while total <= ns.max():  # odd degrees >= 3 carry the eigenvalue 0
            total += harmonic_dimension(d, max_degree) if (max_degree <= 1 or max_degree % 2 == 0) else 0
            max_degree += 1
        max_degree += 4
    mu = sorted_eigenvalues(d, max_degree)
    head = np.concatenate([[0.0], np.cumsum(mu)])
    trace = 1 / (2 * d) if trace is None else float(trace)
    return np.array([trace - head[min(int(n), mu.size)] for n in ns])


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


@dataclass
class DecaySummary:
    """Decay of the ReLU kernel's Mercer eigenvalues in several dimensions.

    Attributes
    ----------
    dims : tuple of int
        Ambient dimensions :math:`d`.
    degrees : numpy.ndarray
        Even degrees :math:`\\ell` used for the fit.
    eigenvalues : numpy.ndarray
        Shape ``(len(dims), len(degrees))``: :math:`\\mu_\\ell`.
    degree_slopes : numpy.ndarray
        Log-log slope of :math:`\\mu_\\ell` against :math:`\\ell` over ``degrees``
        (asymptotic value :math:`-(d+2)`; a fit over finite degrees is pre-asymptotic).
    index_slopes : numpy.ndarray
        Log-log slope of the :math:`i`-th largest eigenvalue :math:`\\mu_{(i)}` against
        :math:`i`, over the indices at which a degree of ``degrees`` ends (prediction
        :math:`-(d+2)/(d-1)`).
    """

    dims: tuple
    degrees: np.ndarray
    eigenvalues: np.ndarray
    degree_slopes: np.ndarray
    index_slopes: np.ndarray

    def predicted_degree_slopes(self) -> np.ndarray:
        """:math:`-(d+2)` for each dimension."""
        return -(np.asarray(self.dims, float) + 2)

    def predicted_index_slopes(self) -> np.ndarray:
        """:math:`-(d+2)/(d-1)` for each dimension."""
        d = np.asarray(self.dims, float)
        return -(d + 2) / (d - 1)


def decay_summary(dims=(3, 4, 5), degrees=tuple(range(20, 61, 2)), *, kernel: str = "relu") -> DecaySummary:
    """Mercer eigenvalues of the ReLU kernel and their fitted decay, per dimension.

    Parameters
    ----------
    dims : sequence of int
        Ambient dimensions, each at least 3.
    degrees : sequence of int
        Even degrees (at least two) over which the slopes are fitted.
    kernel : {"relu", "derivative"}
        The ReLU kernel :func:`relu_profile` (eigenvalues in closed form,
        :func:`relu_kernel_eigenvalues`; asymptotic slope :math:`-(d+2)`, which a fit over
        finitely many degrees approaches from above) or the
        first-layer part of the tangent kernel :func:`relu_derivative_profile`, whose
        even-degree eigenvalues decay like :math:`\\ell^{-d}`; the predictions of
        :class:`DecaySummary` are those of the ReLU kernel.

    Returns
    -------
    DecaySummary
    """
    profiles = {"relu": relu_profile, "derivative": relu_derivative_profile}
    if kernel not in profiles:
        raise ValueError(f"kernel must be one of {sorted(profiles)}, got {kernel!r}")
    dims = tuple(_dimension(d) for d in dims)
    ell = _degrees(degrees)
    if ell.size < 2 or np.any(ell % 2) or np.any(ell < 2):
        raise ValueError("degrees must be at least two even integers >= 2")
    eig, by_degree, by_index = [], [], []
    top = int(ell.max())
    for d in dims:
        if kernel == "relu":
            mu = relu_kernel_eigenvalues(d, np.arange(top + 1))  # closed form, exact
        else:
            mu = zonal_kernel_eigenvalues(profiles[kernel](d), d, np.arange(top + 1))
        eig.append(mu[ell])
        by_degree.append(_slope(ell, mu[ell]))
        # index of the last eigenvalue of degree l in decreasing order: the degrees
        # 0, 1 and the even ones up to l (odd degrees >= 3 have eigenvalue 0)
        counts = np.array([harmonic_dimension(d, k) if (k <= 1 or k % 2 == 0) else 0 for k in range(top + 1)])
        last = np.cumsum(counts)[ell]
        by_index.append(_slope(last, mu[ell]))
    return DecaySummary(dims, ell, np.array(eig), np.array(by_degree), np.array(by_index))


def plot_decay(summary: DecaySummary):
    """Log-log plot of :math:`\\mu_\\ell` against the degree, with reference lines of slope :math:`-(d+2)`."""
    from .plotting import BOUND_STYLE, OKABE_ITO, figure

    fig, ax = figure(1, width=5.2, height=3.4)
    for i, d in enumerate(summary.dims):
        ell, mu = summary.degrees, summary.eigenvalues[i]
        ax.loglog(ell, mu, "o", markersize=3.5, color=OKABE_ITO[i],
                  label=f"$d={d}$: slope {summary.degree_slopes[i]:.2f}".replace("-", "\u2212"))
        ref = mu[-1] * (ell / ell[-1]) ** (-(d + 2.0))
        ax.loglog(ell, ref, **{**BOUND_STYLE, "linewidth": 1.0}, label=None if i < len(summary.dims) - 1 else r"slope $-(d+2)$")
    ax.set(xlabel=r"degree $\ell$ (even)", ylabel=r"Mercer eigenvalue $\mu_\ell$",
           title=r"ReLU kernel on $S^{d-1}$")
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax.xaxis.set_major_locator(FixedLocator([20, 30, 40, 60]))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(loc="lower left")
    return fig


def nth_mercer_eigenvalues(d: int, ns) -> np.ndarray:
    """:math:`\\mu_{(n)}`, the :math:`n`-th largest Mercer eigenvalue of the ReLU kernel on
    :math:`\\mathbb S^{d-1}` (with multiplicity), for each :math:`n` of ``ns``.

    Parameters
    ----------
    d : int
        Ambient dimension, at least 3.
    ns : sequence of int
        Indices, each at least 1.

    Returns
    -------
    numpy.ndarray
        One eigenvalue per entry of ``ns``.
    """
    d = _dimension(d)
    ns = _degrees(ns)
    if np.any(ns < 1):
        raise ValueError("ns must be integers >= 1")
    total, top = 0, 0
    while total <= ns.max():  # odd degrees >= 3 carry the eigenvalue 0
        total += harmonic_dimension(d, top) if (top <= 1 or top % 2 == 0) else 0
        top += 1
    mu = sorted_eigenvalues(d, top + 4)
    return np.array([mu[n - 1] for n in ns.tolist()])


def closest_pair_bound(x) -> float:
    """The bound :math:`\\lambda_n(K)\\le k(x,x)-k(x,x')` of the closest pair of the points ``x``.

    For two points :math:`x,x'` of the sphere, :math:`v=(e_x-e_{x'})/\\sqrt2` gives
    :math:`v^\\top Kv=k(x,x)-k(x,x')`, so the smallest eigenvalue of the kernel matrix
    :math:`K` of the ReLU kernel is at most that of the closest pair.

    Parameters
    ----------
    x : array_like
        Shape ``(n, d)``, ``n >= 2`` points of :math:`\\mathbb S^{d-1}` (rows).

    Returns
    -------
    float
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"x must have shape (n, d) with n >= 2, got {x.shape}")
    d = _dimension(x.shape[1])
    gram = x @ x.T
    np.fill_diagonal(gram, -2.0)
    phi = math.acos(min(1.0, float(gram.max())))
    profile = relu_profile(d)
    return float(profile(0.0) - profile(phi))
