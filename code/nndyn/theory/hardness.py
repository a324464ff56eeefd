"""Bounds of the hardness part (chapters 2 and 3): path norms and the notes' Theorem 7.

* :func:`halfspace_path_norm` is the exact path norm of the network of the notes' Theorem 5 that
  simulates an intersection of integer halfspaces, :func:`halfspace_path_norm_bound` its
  bound in terms of :math:`\\|w_i\\|_1+|s_i|`, and :func:`notes_halfspace_path_norm` the
  (too small) expression printed in the notes, kept for comparison;
* :func:`parity_path_norm` is the exact path norm of the triangle-wave parity network;
* :func:`gradient_variance_bound` is the right-hand side of the notes' Theorem 7.
"""

from __future__ import annotations

import torch

from .._validation import check_nonnegative, check_nonnegative_int, check_positive


def _halfspace_arrays(W, b) -> tuple[torch.Tensor, torch.Tensor]:
    W = torch.as_tensor(W, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    if W.ndim != 2 or W.shape[0] < 1:
        raise ValueError(f"W must have shape (r, d) with r >= 1, got {tuple(W.shape)}")
    if b.shape != (W.shape[0],):
        raise ValueError(f"b must have shape ({W.shape[0]},) to match W, got {tuple(b.shape)}")
    return W, b


def halfspace_path_norm(W, b, *, margin: float = 1.0 / 3.0) -> float:
    """Exact path norm of :class:`nndyn.constructions.HalfspaceIntersectionNet` (slope 2).

    .. math:: \\frac{1}{2r}\\Big(r-\\tau + \\sum_{i=1}^r \\big[4\\|w_i\\|_1 + |2s_i+1| + |2s_i+2|\\big]\\Big)

    Parameters
    ----------
    W, b : array_like
        Integer weights ``(r, d)`` and offsets ``(r,)``.
    margin : float
        The constant :math:`\\tau` of the construction, in :math:`[0, 2]`.
    """
    W, b = _halfspace_arrays(W, b)
    margin = check_nonnegative("margin", margin)
    if margin > 2:
        raise ValueError(f"margin must be a number in [0, 2], got {margin}")
    r = W.shape[0]
    terms = 4 * W.abs().sum(dim=1) + (2 * b + 1).abs() + (2 * b + 2).abs()
    return float((abs(r - margin) + terms.sum()) / (2 * r))


def halfspace_path_norm_bound(W, b) -> float:
    """The corrected bound of the notes on the path norm of the halfspace network.

    .. math:: \\frac{1}{2r}\\Big(r - \\tfrac13 + \\sum_{i=1}^r\\big[4(\\|w_i\\|_1+|s_i|)+3\\big]\\Big)
              \\le 2\\max_i(\\|w_i\\|_1+|s_i|) + 2,

    which is :math:`\\mathrm{poly}(d)` when :math:`\\|w_i\\|_1+|s_i|` is. It is attained when
    every :math:`s_i\\ge0`.
    """
    W, b = _halfspace_arrays(W, b)
    r = W.shape[0]
    terms = 4 * (W.abs().sum(dim=1) + b.abs()) + 3
    return float((r - 1.0 / 3.0 + terms.sum()) / (2 * r))


def notes_halfspace_path_norm(W, b) -> float:
    """The expression the notes give as a bound on the path norm (it is too small).

    .. math:: \\frac{1}{2r}\\Big(r + \\tfrac13 + \\sum_{i=1}^r\\big[2(2\\|w_i\\|_1+|s_i|+\\tfrac12)+1\\big]\\Big)
    """
    W, b = _halfspace_arrays(W, b)
    r = W.shape[0]
    terms = 2 * (2 * W.abs().sum(dim=1) + b.abs() + 0.5) + 1
    return float((r + 1.0 / 3.0 + terms.sum()) / (2 * r))


def parity_path_norm(weight: int, levels: int) -> float:
    """Exact path norm of :class:`nndyn.constructions.ParityNet`.

    For :math:`|v|=s` selected coordinates and levels up to :math:`U` it is

    .. math:: \\sum_{i=0}^{U}\\big(8s + 6i + 1 + |2i-1|\\big) = 8s(U+1) + 4U^2 + 4U + 2,

    so :math:`12d^2+12d+2` for the full parity with the notes' choice :math:`s=U=d`.

    Parameters
    ----------
    weight : int
        :math:`s=|v|\\ge0`.
    levels : int
        :math:`U\\ge0`, the index of the last hat.
    """
    s = check_nonnegative_int("weight", weight)
    L = check_nonnegative_int("levels", levels)
    return float(8 * s * (L + 1) + 4 * L * L + 4 * L + 2)


def gradient_variance_bound(mean_squared_gradient: float, class_size: float, *, half_risk: bool = False) -> float:
    """The notes' Theorem 7: the variance over targets of the population gradient is at most this.

    .. math:: \\mathbb E_{f}\\|\\nabla R^f(\\theta) - g(\\theta)\\|^2
              \\le \\frac{c\\,\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta)\\|^2}{|\\mathcal F|},

    with :math:`c=4` for the risk :math:`R^f=\\mathbb E(h-f)^2` of the notes and :math:`c=1`
    for :math:`R^f=\\frac12\\mathbb E(h-f)^2`.

    Parameters
    ----------
    mean_squared_gradient : float
        :math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta)\\|^2\\ge0`.
    class_size : float
        :math:`|\\mathcal F|>0`.
    half_risk : bool
        Whether the risk carries the factor 1/2.
    """
    m = check_nonnegative("mean_squared_gradient", mean_squared_gradient)
    size = check_positive("class_size", class_size)
    return (1.0 if half_risk else 4.0) * m / size
