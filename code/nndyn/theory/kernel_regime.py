"""Bounds of the kernel-regime chapters (the notes' Theorem 10, Lemmas 11-12 and Theorem 13).

Time scaling: gradient descent runs on
:math:`\\hat{\\mathcal R}_n=\\frac1{2n}\\sum_i(f(x_i)-y_i)^2` and time is
:math:`t=\\eta k`, so the flow is :math:`\\dot\\theta=-\\nabla\\hat{\\mathcal R}_n(\\theta)`
(with the factor :math:`1/n` that the notes' flow drops).

Notation: ``n`` training points on the unit sphere, ``lam`` the smallest eigenvalue
:math:`\\lambda=\\lambda_n(K)` of the kernel matrix, ``label_rms``
:math:`Y=\\|y\\|/\\sqrt n=\\sqrt{2\\hat{\\mathcal R}_n(\\theta_0)}` (the network starts at
:math:`f=0`), and the constant :math:`c=4nY/\\lambda` (:func:`kernel_time_constant`).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_in_range, check_nonnegative, check_positive, check_positive_int

__all__ = [
    "chernoff_width",
    "first_layer_move_bound",
    "gram_deviation_bound",
    "gram_failure_probability",
    "kernel_drift_bound",
    "kernel_time_constant",
    "lemma11_width",
    "nn_rfm_gap_bound",
    "output_weight_bound",
    "parameter_distance_bound",
    "risk_bound",
    "risk_rate",
    "theorem10_width",
    "theorem13_bound",
]


def _delta(delta: float) -> float:
    delta = check_in_range("delta", delta, 0.0, 1.0)
    if delta in (0.0, 1.0):
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    return delta


def gram_failure_probability(n: int, m, eps: float) -> np.ndarray:
    """The notes' Lemma 11's union bound: :math:`\\mathbb P(\\|\\hat K-K\\|_F\\ge\\varepsilon)\\le 2n^2e^{-2m\\varepsilon^2/n^2}`.

    Two-sided Hoeffding for each entry (summands in :math:`[0,1]` for unit inputs),
    a union bound over the :math:`n^2` entries and
    :math:`\\|A\\|_F\\le n\\max_{ii'}|A_{ii'}|`. Values above 1 are returned as they are.
    """
    n = check_positive_int("n", n)
    eps = check_positive("eps", eps)
    m = np.asarray(m, dtype=float)
    if np.any(m < 1):
        raise ValueError("m must be >= 1")
    return 2 * n**2 * np.exp(-2 * m * eps**2 / n**2)


def gram_deviation_bound(n: int, m, delta: float) -> np.ndarray:
    """The :math:`\\varepsilon` with :math:`\\|\\hat K-K\\|_F\\le\\varepsilon` with probability :math:`1-\\delta`: :math:`n\\sqrt{\\log(2n^2/\\delta)/(2m)}`."""
    n = check_positive_int("n", n)
    delta = _delta(delta)
    m = np.asarray(m, dtype=float)
    if np.any(m < 1):
        raise ValueError("m must be >= 1")
    return n * np.sqrt(math.log(2 * n**2 / delta) / (2 * m))


def lemma11_width(n: int, lam: float, delta: float) -> float:
    """The notes' Lemma 11: with :math:`m\\ge 2n^2\\log(2n^2/\\delta)/\\lambda^2`, :math:`\\lambda_n(\\hat K)\\ge\\lambda/2` with probability :math:`1-\\delta`."""
    n = check_positive_int("n", n)
    lam = check_positive("lam", lam)
    return 2 * n**2 * math.log(2 * n**2 / _delta(delta)) / lam**2


def chernoff_width(n: int, lam: float, delta: float) -> float:
    """Width after which the matrix Chernoff bound gives :math:`\\lambda_n(\\hat K)\\ge\\lambda/2` with probability :math:`1-\\delta`.

    :math:`\\hat K=\\sum_jX_j` with :math:`X_j=s_js_j^\\top/m`,
    :math:`s_j=(\\sigma(b_j^\\top x_i))_i`, independent positive semi-definite summands
    with :math:`\\lambda_{\\max}(X_j)=\\|s_j\\|^2/m\\le n/m` (unit inputs) and
    :math:`\\mathbb E\\hat K=K`. Tropp's matrix Chernoff bound with :math:`\\varepsilon=1/2` gives
    :math:`\\mathbb P(\\lambda_n(\\hat K)\\le\\lambda/2)\\le n\\,e^{-(1-\\log2)\\lambda m/(2n)}`,
    at most :math:`\\delta` once :math:`m\\ge 2n\\log(n/\\delta)/((1-\\log 2)\\lambda)`.
    """
    n = check_positive_int("n", n)
    lam = check_positive("lam", lam)
    return 2 * n * math.log(n / _delta(delta)) / ((1 - math.log(2)) * lam)


def kernel_time_constant(n: int, lam: float, label_rms: float) -> float:
    """The constant :math:`c=4nY/\\lambda`: :math:`\\int_0^\\infty\\sqrt{2\\hat{\\mathcal R}_n(\\theta(t'))}\\,\\mathrm dt'\\le c/m`."""
    n = check_positive_int("n", n)
    return 4 * n * check_nonnegative("label_rms", label_rms) / check_positive("lam", lam)


def theorem10_width(n: int, lam: float, delta: float, label_rms: float) -> float:
    """The notes' Theorem 10's width: :math:`m\\ge\\frac{n^2}{\\lambda^2}\\max\\{2\\log(2n^2/\\delta),\\,128Y,\\,64Y^2\\}`."""
    n = check_positive_int("n", n)
    lam = check_positive("lam", lam)
    y = check_nonnegative("label_rms", label_rms)
    return n**2 / lam**2 * max(2 * math.log(2 * n**2 / _delta(delta)), 128 * y, 64 * y**2)


def risk_rate(m: int, n: int, lam: float) -> float:
    """The rate :math:`m\\lambda/(2n)` of the notes' Lemma 12 and Theorem 10 in the book's time scaling."""
    return check_positive("m", m) * check_positive("lam", lam) / (2 * check_positive_int("n", n))


def risk_bound(initial_risk: float, t, *, m: int, n: int, lam: float) -> np.ndarray:
    """The notes' Theorem 10: :math:`\\hat{\\mathcal R}_n(\\theta(t))\\le e^{-m\\lambda t/(2n)}\\hat{\\mathcal R}_n(\\theta_0)`."""
    r0 = check_nonnegative("initial_risk", initial_risk)
    t = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must contain finite times >= 0")
    return r0 * np.exp(-risk_rate(m, n, lam) * t)


def _m(m) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    if np.any(~np.isfinite(m)) or np.any(m < 1):
        raise ValueError("m must be >= 1")
    return m


def parameter_distance_bound(m, *, n: int, lam: float, label_rms: float) -> np.ndarray:
    """The notes' Theorem 10: :math:`\\sup_t\\|\\theta(t)-\\theta_0\\|\\le 2c/\\sqrt m`."""
    return 2 * kernel_time_constant(n, lam, label_rms) / np.sqrt(_m(m))


def output_weight_bound(m, *, n: int, lam: float, label_rms: float) -> np.ndarray:
    """The notes' Theorem 10: :math:`\\sup_t\\max_j|a_j(t)|\\le 2c/m`."""
    return 2 * kernel_time_constant(n, lam, label_rms) / _m(m)


def first_layer_move_bound(m, *, n: int, lam: float, label_rms: float) -> np.ndarray:
    """The notes' Theorem 10: :math:`\\sup_t\\max_j\\|b_j(t)-b_j(0)\\|\\le 2c^2/m^2`."""
    return 2 * kernel_time_constant(n, lam, label_rms) ** 2 / _m(m) ** 2


def kernel_drift_bound(m, *, n: int, lam: float, label_rms: float) -> np.ndarray:
    """The notes' Theorem 10: :math:`\\sup_t\\|\\hat K(\\theta(t))-\\hat K(\\theta_0)\\|_F\\le 10nc^2/m^2`."""
    return 10 * n * kernel_time_constant(n, lam, label_rms) ** 2 / _m(m) ** 2


def nn_rfm_gap_bound(m, *, n: int, lam: float, label_rms: float) -> np.ndarray:
    """The book's sharpening of the notes' Theorem 13 for :math:`a(0)=0`: :math:`\\sup_{t,x}|f_{\\rm NN}-f_{\\rm RFM}|\\le(8+8n/\\lambda)c^3/m^2`."""
    c = kernel_time_constant(n, lam, label_rms)
    return (8 + 8 * n / check_positive("lam", lam)) * c**3 / _m(m) ** 2


def theorem13_bound(m, *, lam: float, delta: float, constant: float = 1.0) -> np.ndarray:
    """The notes' Theorem 13 (E, Ma, Wu): :math:`\\sup_{t,x}|f_{\\rm NN}-f_{\\rm RFM}|\\le C(1+\\sqrt{\\log(1/\\delta)})/(\\lambda\\sqrt m)`.

    The theorem's constant :math:`C` (which depends on :math:`n`) is not explicit in
    the notes; ``constant`` sets it (default 1).
    """
    lam = check_positive("lam", lam)
    constant = check_positive("constant", constant)
    return constant * (1 + math.sqrt(math.log(1 / _delta(delta)))) / (lam * np.sqrt(_m(m)))
