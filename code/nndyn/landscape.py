"""The landscape of a cosine (sine) neuron in two dimensions.

For :math:`x\\sim\\mathcal N(0, I_2)` and a frequency :math:`\\omega>0` the population risk is

.. math:: R_\\omega(w) = \\mathbb E\\big[(\\sin(\\omega w^\\top x) - \\sin(\\omega w_*^\\top x))^2\\big],

and the empirical risk :math:`\\hat R_{\\omega,n}(w)` replaces the expectation by the mean
over ``n`` samples. With :math:`\\mathbb E[\\sin(a^\\top x)\\sin(b^\\top x)]
= \\tfrac12(e^{-|a-b|^2/2}-e^{-|a+b|^2/2})` the population risk has the closed form

.. math::

   R_\\omega(w) &= \\tfrac12(1-e^{-2\\omega^2|w|^2}) + \\tfrac12(1-e^{-2\\omega^2|w_*|^2})\\\\
   &\\quad - e^{-\\omega^2|w-w_*|^2/2} + e^{-\\omega^2|w+w_*|^2/2}.

Every function works on NumPy arrays in float64 and broadcasts over leading axes of
``w`` (the last axis holds the two coordinates), so a whole grid is one call.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import check_nonnegative_int, check_positive, check_positive_int, check_seed
from .seeding import numpy_generator


def _as_points(name: str, w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.ndim == 0 or w.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2) (points of the plane), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must be finite")
    return w


def _as_samples(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] < 1:
        raise ValueError(f"x must have shape (n, 2) with n >= 1, got shape {x.shape}")
    return x


def sin_sin_expectation(a, b) -> np.ndarray:
    """:math:`\\mathbb E[\\sin(a^\\top x)\\sin(b^\\top x)]` for :math:`x\\sim\\mathcal N(0,I)`, in closed form.

    Parameters
    ----------
    a, b : array_like
        Frequency vectors of shape ``(..., k)`` (broadcast against each other).

    Returns
    -------
    numpy.ndarray
        :math:`\\tfrac12\\big(e^{-|a-b|^2/2}-e^{-|a+b|^2/2}\\big)`, shape of the broadcast leading axes.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must be vectors of the same length, got shapes {a.shape} and {b.shape}")
    minus = np.sum((a - b) ** 2, axis=-1)
    plus = np.sum((a + b) ** 2, axis=-1)
    return 0.5 * (np.exp(-minus / 2) - np.exp(-plus / 2))


def monte_carlo_sin_sin(a, b, *, n: int = 100_000, seed: int = 0) -> tuple[float, float]:
    """Monte-Carlo estimate of :math:`\\mathbb E[\\sin(a^\\top x)\\sin(b^\\top x)]` and its standard error.

    Parameters
    ----------
    a, b : array_like
        Two vectors of the same length ``k``.
    n : int
        Number of Gaussian samples (>= 2).
    seed : int
        Seed of the samples.
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"a and b must be vectors of the same length, got shapes {a.shape} and {b.shape}")
    n = check_positive_int("n", n)
    if n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n}")
    x = numpy_generator(check_seed(seed), "data").standard_normal((n, a.size))
    values = np.sin(x @ a) * np.sin(x @ b)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(n))


def population_risk(w, w_star, omega: float) -> np.ndarray:
    """The population risk :math:`R_\\omega(w)` in closed form.

    Parameters
    ----------
    w : array_like
        Points of shape ``(..., 2)``.
    w_star : array_like
        The target's weight, shape ``(2,)``.
    omega : float
        The frequency :math:`\\omega` (> 0).

    Returns
    -------
    numpy.ndarray
        Shape ``w.shape[:-1]``.
    """
    w = _as_points("w", w)
    w_star = _as_points("w_star", w_star)
    omega = check_positive("omega", omega)
    self_part = 0.5 * (1 - np.exp(-2 * omega**2 * np.sum(w**2, axis=-1)))
    target_part = 0.5 * (1 - np.exp(-2 * omega**2 * np.sum(w_star**2, axis=-1)))
    return self_part + target_part - 2 * sin_sin_expectation(omega * w, omega * w_star)


def gradient_parts(w, w_star, omega: float) -> tuple[np.ndarray, np.ndarray]:
    """The two parts of :math:`\\nabla R_\\omega(w)`: the one that depends on :math:`w_*` and the one that does not.

    .. math::

       \\nabla R_\\omega(w) &= \\underbrace{2\\omega^2 w e^{-2\\omega^2|w|^2}}_{\\text{self}}\\\\
       &\\quad + \\underbrace{\\omega^2(w-w_*)e^{-\\omega^2|w-w_*|^2/2} - \\omega^2(w+w_*)e^{-\\omega^2|w+w_*|^2/2}}_{\\text{target}}.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``(target_part, self_part)``, both of shape ``w.shape``.
    """
    w = _as_points("w", w)
    w_star = _as_points("w_star", w_star)
    omega = check_positive("omega", omega)
    omega2 = omega**2
    self_part = 2 * omega2 * w * np.exp(-2 * omega2 * np.sum(w**2, axis=-1, keepdims=True))
    minus, plus = w - w_star, w + w_star
    target_part = omega2 * minus * np.exp(-omega2 * np.sum(minus**2, axis=-1, keepdims=True) / 2) - omega2 * plus * np.exp(
        -omega2 * np.sum(plus**2, axis=-1, keepdims=True) / 2
    )
    return target_part, self_part


def population_gradient(w, w_star, omega: float) -> np.ndarray:
    """:math:`\\nabla R_\\omega(w)` in closed form, shape ``w.shape``."""
    target_part, self_part = gradient_parts(w, w_star, omega)
    return target_part + self_part


def sample_inputs(n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` samples of :math:`\\mathcal N(0, I_2)`, shape ``(n, 2)`` (float64, seeded)."""
    n = check_positive_int("n", n)
    return numpy_generator(check_seed(seed), "data").standard_normal((n, 2))


def empirical_risk(w, w_star, omega: float, x) -> np.ndarray:
    """The empirical risk :math:`\\frac1n\\sum_i(\\sin(\\omega w^\\top x_i)-\\sin(\\omega w_*^\\top x_i))^2`.

    Parameters
    ----------
    w : array_like
        Points of shape ``(..., 2)``.
    w_star : array_like
        The target's weight, shape ``(2,)``.
    omega : float
        The frequency :math:`\\omega` (> 0).
    x : array_like
        Samples of shape ``(n, 2)``.
    """
    w = _as_points("w", w)
    w_star = _as_points("w_star", w_star)
    omega = check_positive("omega", omega)
    x = _as_samples(x)
    residual = np.sin(omega * (w @ x.T)) - np.sin(omega * (x @ w_star))
    return np.mean(residual**2, axis=-1)


def empirical_gradient(w, w_star, omega: float, x) -> np.ndarray:
    """Gradient of :func:`empirical_risk` with respect to ``w``, shape ``w.shape``."""
    w = _as_points("w", w)
    w_star = _as_points("w_star", w_star)
    omega = check_positive("omega", omega)
    x = _as_samples(x)
    phase = omega * (w @ x.T)
    residual = np.sin(phase) - np.sin(omega * (x @ w_star))
    return (2 * omega / x.shape[0]) * ((residual * np.cos(phase)) @ x)


def grid(limit: float = 2.0, points: int = 201) -> np.ndarray:
    """A square grid of :math:`[-\\text{limit}, \\text{limit}]^2`, shape ``(points, points, 2)``.

    Entry ``[i, j]`` is the point :math:`(u_j, u_i)` (x varies along the second axis,
    as in :func:`matplotlib.pyplot.contour`).
    """
    limit = check_positive("limit", limit)
    points = check_positive_int("points", points)
    if points < 3:
        raise ValueError(f"points must be an integer >= 3, got {points}")
    u = np.linspace(-limit, limit, points)
    xx, yy = np.meshgrid(u, u)
    return np.stack([xx, yy], axis=-1)


def local_minima(values) -> np.ndarray:
    """Boolean mask of the strict local minima of a function sampled on a grid.

    A point counts if it is an interior point of the grid and its value is strictly
    smaller than at each of its eight neighbours.

    Parameters
    ----------
    values : array_like
        Shape ``(rows, cols)`` with ``rows, cols >= 3``.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or min(v.shape) < 3:
        raise ValueError(f"values must be a 2-D array with both sides >= 3, got shape {v.shape}")
    center = v[1:-1, 1:-1]
    is_min = np.ones_like(center, dtype=bool)
    rows, cols = v.shape
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di == 0 and dj == 0:
                continue
            is_min &= center < v[1 + di : rows - 1 + di, 1 + dj : cols - 1 + dj]
    mask = np.zeros_like(v, dtype=bool)
    mask[1:-1, 1:-1] = is_min
    return mask


def gradient_descent(
    gradient: Callable[[np.ndarray], np.ndarray], w0, *, lr: float, steps: int
) -> np.ndarray:
    """Run :math:`w_{k+1}=w_k-\\eta\\nabla R(w_k)` from many starting points at once.

    Parameters
    ----------
    gradient : callable
        Maps points of shape ``(..., 2)`` to gradients of the same shape.
    w0 : array_like
        Starting points, shape ``(..., 2)``.
    lr : float
        Learning rate :math:`\\eta>0`.
    steps : int
        Number of steps (>= 0).

    Returns
    -------
    numpy.ndarray
        The end points, shape of ``w0``.
    """
    w = _as_points("w0", w0).copy()
    lr = check_positive("lr", lr)
    steps = check_nonnegative_int("steps", steps)
    for _ in range(steps):
        w -= lr * gradient(w)
    return w
