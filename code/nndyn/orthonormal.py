"""Orthonormal function classes and the gradient variance over them (chapter 3).

* the parity class :math:`f_v(x)=(-1)^{v^\\top x}` on :math:`\\{0,1\\}^d`: its table, its
  Gram matrix under a product Bernoulli law, and the fast Walsh-Hadamard transform that
  computes all inner products :math:`\\langle f_v, u\\rangle` at once;
* the cosine family :math:`\\mathcal C_d=\\{\\cos(\\nu^\\top x): \\nu\\in\\mathbb N^d, \\sum_i \\nu_i\\le d\\}` on
  :math:`[0,2\\pi]^d`: its frequencies, its size and its Gram matrix (exact quadrature or
  Monte Carlo);
* the exact variance over the parity class of the population gradient of any model
  :math:`h(x;\\theta)` (:func:`parity_gradient_variance`).

Points of :math:`\\{0,1\\}^d` are indexed as in :func:`nndyn.data.hypercube_points`: row
:math:`k` holds the binary digits of :math:`k`. With this order the parity table is the
Sylvester-Hadamard matrix, and parity :math:`v` has the same index as the point :math:`v`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
from torch import nn

from ._validation import check_in_range, check_positive_int, check_seed
from .data import DEFAULT_DTYPE, generator, hypercube_points


def _check_dimension(d: int, high: int) -> int:
    d = check_positive_int("d", d)
    if d > high:
        raise ValueError(f"d must be in [1, {high}], got {d}")
    return d


def walsh_hadamard(values: torch.Tensor) -> torch.Tensor:
    """Unnormalised Walsh-Hadamard transform along the first axis.

    Returns :math:`\\hat u_v = \\sum_{x\\in\\{0,1\\}^d}(-1)^{v^\\top x}u_x` for every
    :math:`v`, i.e. :math:`2^d\\langle f_v,u\\rangle` under the uniform law, for each
    column of ``values`` at once, in :math:`O(d\\,2^d)` operations per column.

    Parameters
    ----------
    values : torch.Tensor
        Shape ``(2**d, ...)``, rows in the order of :func:`nndyn.data.hypercube_points`.

    Returns
    -------
    torch.Tensor
        Same shape as ``values``.
    """
    values = torch.as_tensor(values)
    n = values.shape[0] if values.ndim >= 1 else 0
    if n < 2 or n & (n - 1):
        raise ValueError(f"values must have a first axis of length 2**d with d >= 1, got {n}")
    d = n.bit_length() - 1
    rest = values.shape[1:]
    src = values.reshape(n, -1).clone()
    dst = torch.empty_like(src)
    half = 1
    while half < n:  # one butterfly per coordinate, ping-ponging between two buffers
        pairs = src.view(n // (2 * half), 2, half, -1)
        target = dst.view(n // (2 * half), 2, half, -1)
        torch.add(pairs[:, 0], pairs[:, 1], out=target[:, 0])
        torch.sub(pairs[:, 0], pairs[:, 1], out=target[:, 1])
        src, dst = dst, src
        half *= 2
    return src.reshape((n,) + rest)


def parity_table(d: int, *, dtype: torch.dtype = DEFAULT_DTYPE) -> torch.Tensor:
    """The table :math:`F_{v,x}=(-1)^{v^\\top x}` of all :math:`2^d` parities on :math:`\\{0,1\\}^d`.

    Parameters
    ----------
    d : int
        Dimension in :math:`[1, 12]` (the table has :math:`4^d` entries).

    Returns
    -------
    torch.Tensor
        Shape ``(2**d, 2**d)``; row :math:`v`, column :math:`x`.
    """
    d = _check_dimension(d, 12)
    bits = hypercube_points(d, values="01", dtype=dtype)
    return 1 - 2 * torch.remainder(bits @ bits.T, 2)


def parity_gram(d: int, *, p: float = 0.5, dtype: torch.dtype = DEFAULT_DTYPE) -> torch.Tensor:
    """Gram matrix :math:`\\langle f_v,f_{v'}\\rangle = \\mathbb E_x[f_v(x)f_{v'}(x)]` of the parities.

    The expectation is exact, a weighted sum over all :math:`2^d` points, under the law with
    independent coordinates :math:`P(x_i=1)=p` (uniform for :math:`p=1/2`).

    Parameters
    ----------
    d : int
        Dimension in :math:`[1, 12]`.
    p : float
        Probability that a coordinate is 1, in :math:`[0, 1]`.

    Returns
    -------
    torch.Tensor
        Shape ``(2**d, 2**d)``; the identity when :math:`p=1/2`.
    """
    table = parity_table(d, dtype=dtype)
    p = check_in_range("p", p, 0.0, 1.0)
    bits = hypercube_points(d, values="01", dtype=dtype)
    weights = (p**bits * (1 - p) ** (1 - bits)).prod(dim=1)
    return (table * weights) @ table.T


def cosine_family_size(d: int) -> int:
    """:math:`|\\mathcal C_d|=\\#\\{\\nu\\in\\mathbb N^d:\\sum_i \\nu_i\\le d\\}=\\binom{2d}{d}` (stars and bars)."""
    d = check_positive_int("d", d)
    return math.comb(2 * d, d)


def cosine_frequencies(d: int) -> torch.Tensor:
    """All :math:`\\nu\\in\\mathbb N^d` (with 0) with :math:`\\sum_i \\nu_i\\le d`, one per row.

    Parameters
    ----------
    d : int
        Dimension in :math:`[1, 10]` (there are :math:`\\binom{2d}{d}` rows).

    Returns
    -------
    torch.Tensor
        Integer tensor of shape ``(binom(2d, d), d)``, the zero vector first.
    """
    d = _check_dimension(d, 10)
    rows = [w for w in itertools.product(range(d + 1), repeat=d) if sum(w) <= d] if d <= 5 else None
    if rows is None:
        # compositions via stars and bars: choose d bar positions among 2d slots
        rows = []
        for bars in itertools.combinations(range(2 * d), d):
            prev, w = -1, []
            for pos in bars:
                w.append(pos - prev - 1)
                prev = pos
            rows.append(w)
    W = torch.tensor(rows, dtype=torch.int64)
    order = torch.argsort(W.sum(dim=1), stable=True)
    return W[order]


def cosine_features(x: torch.Tensor, frequencies: torch.Tensor, *, normalize: bool = True) -> torch.Tensor:
    """The functions :math:`\\cos(\\nu^\\top x)` of the cosine family at the points ``x``.

    Under the uniform law on :math:`[0,2\\pi]^d`, :math:`\\|\\cos(\\nu^\\top x)\\|^2=1/2` for
    :math:`w\\ne0` and 1 for :math:`w=0`; with ``normalize=True`` the functions are scaled
    to norm 1 (by :math:`\\sqrt2` when :math:`w\\ne0`).

    Parameters
    ----------
    x : torch.Tensor
        Points of shape ``(n, d)``.
    frequencies : torch.Tensor
        Integer frequencies of shape ``(M, d)`` (e.g. :func:`cosine_frequencies`).
    normalize : bool
        Whether to scale each function to unit norm.

    Returns
    -------
    torch.Tensor
        Shape ``(n, M)``.
    """
    frequencies = torch.as_tensor(frequencies)
    if x.ndim != 2 or frequencies.ndim != 2 or frequencies.shape[1] != x.shape[1]:
        raise ValueError(
            f"x must have shape (n, d) and frequencies shape (M, d) with the same d, got "
            f"{tuple(x.shape)} and {tuple(frequencies.shape)}"
        )
    W = frequencies.to(x.dtype)
    out = torch.cos(x @ W.T)
    if normalize:
        nonzero = (W != 0).any(dim=1)
        scale = 1.0 + (math.sqrt(2.0) - 1.0) * nonzero.to(x.dtype)
        out = out * scale
    return out


def cosine_gram_exact(d: int, *, dtype: torch.dtype = DEFAULT_DTYPE) -> torch.Tensor:
    """Gram matrix of the normalised family :math:`\\mathcal C_d` by exact quadrature.

    The products :math:`\\cos(\\nu^\\top x)\\cos(\\nu'^\\top x)` are trigonometric polynomials of
    degree at most :math:`2d` in each coordinate, so the mean over the tensor grid with
    :math:`2d+1` equispaced points per axis equals their integral over :math:`[0,2\\pi]^d`.

    Parameters
    ----------
    d : int
        Dimension in :math:`[1, 4]` (the grid has :math:`(2d+1)^d` points).
    """
    d = _check_dimension(d, 4)
    N = 2 * d + 1
    axis = 2 * math.pi * torch.arange(N, dtype=dtype) / N
    grid = torch.cartesian_prod(*([axis] * d)).reshape(-1, d)
    phi = cosine_features(grid, cosine_frequencies(d))
    return phi.T @ phi / grid.shape[0]


def cosine_gram_monte_carlo(
    d: int, n: int, *, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE
) -> torch.Tensor:
    """Monte-Carlo estimate of the Gram matrix of the normalised family :math:`\\mathcal C_d`.

    Parameters
    ----------
    d : int
        Dimension in :math:`[1, 6]`.
    n : int
        Number of uniform points on :math:`[0,2\\pi]^d`, >= 1.
    seed : int
        Seed of the points.
    """
    d = _check_dimension(d, 6)
    n = check_positive_int("n", n)
    x = 2 * math.pi * torch.rand(n, d, generator=generator(check_seed(seed)), dtype=dtype)
    phi = cosine_features(x, cosine_frequencies(d))
    return phi.T @ phi / n


def parameter_count(model: nn.Module) -> int:
    """Number of trainable scalar parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def per_example_gradients(model: nn.Module, x: torch.Tensor, *, chunk_size: int = 8192) -> torch.Tensor:
    """The gradients :math:`\\nabla_\\theta h(x_i;\\theta)` of a scalar model, one row per point.

    Parameters
    ----------
    model : torch.nn.Module
        Maps inputs of shape ``(n, d)`` to outputs of shape ``(n,)``.
    x : torch.Tensor
        Points of shape ``(n, d)``.
    chunk_size : int
        Points per vectorised batch (bounds the memory), >= 1.

    Returns
    -------
    torch.Tensor
        Shape ``(n, P)`` with the trainable parameters flattened in ``named_parameters`` order.
    """
    from torch.func import functional_call, grad, vmap

    chunk_size = check_positive_int("chunk_size", chunk_size)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, d), got shape {tuple(x.shape)}")
    params = {k: p.detach() for k, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("model must have at least one trainable parameter")

    def h(theta, xi):
        return functional_call(model, theta, (xi.unsqueeze(0),)).reshape(())

    per_point = vmap(grad(h), in_dims=(None, 0))
    rows = []
    for start in range(0, x.shape[0], chunk_size):
        g = per_point(params, x[start:start + chunk_size])
        rows.append(torch.cat([g[k].reshape(g[k].shape[0], -1) for k in params], dim=1))
    return torch.cat(rows, dim=0)


@dataclass(frozen=True)
class GradientVariance:
    """The two sides of the gradient-variance bound (chapter 3) for the full parity class, computed exactly.

    Attributes
    ----------
    d : int
        Dimension; the class has :math:`2^d` targets.
    variance : float
        :math:`\\mathbb E_v\\|\\nabla R^{f_v}(\\theta)-g(\\theta)\\|^2`.
    mean_squared_gradient : float
        :math:`\\mathbb E_x\\|\\nabla_\\theta h(x;\\theta)\\|^2`.
    bound : float
        :math:`c\\,\\mathbb E_x\\|\\nabla_\\theta h\\|^2/2^d` (:math:`c=4`, or 1 with ``half_risk``).
    mean_gradient_norm : float
        :math:`\\|g(\\theta)\\|`, the size of the target-independent part.
    """

    d: int
    variance: float
    mean_squared_gradient: float
    bound: float
    mean_gradient_norm: float


def parity_gradient_coefficients(model: nn.Module, d: int) -> torch.Tensor:
    """The inner products :math:`\\langle f_v,\\partial_{\\theta^{(r)}}h\\rangle` for every parity and parameter.

    The expectation over the uniform law on :math:`\\{0,1\\}^d` is exact: the per-example
    gradients on all :math:`2^d` points go through :func:`walsh_hadamard`.

    Parameters
    ----------
    model : torch.nn.Module
        A scalar model on :math:`\\mathbb R^d` (outputs of shape ``(n,)``).
    d : int
        Dimension in :math:`[1, 20]`.

    Returns
    -------
    torch.Tensor
        Shape ``(2**d, P)``; row :math:`v` in the order of :func:`nndyn.data.hypercube_points`.
    """
    d = _check_dimension(d, 20)
    x = hypercube_points(d, values="01", dtype=next(model.parameters()).dtype)
    J = per_example_gradients(model, x)
    return walsh_hadamard(J) / 2**d


def parity_gradient_variance(model: nn.Module, d: int, *, half_risk: bool = False) -> GradientVariance:
    """Exact variance over the parity class of the population gradient (chapter 3, the notes' Theorem 7).

    For :math:`R^f(\\theta)=\\mathbb E_x(h(x;\\theta)-f(x))^2` (or half of it with
    ``half_risk``), :math:`\\nabla R^{f_v} = c'\\,(\\mathbb E_x[h\\nabla h] - \\langle f_v,\\nabla h\\rangle)`
    with :math:`c'=2` (or 1), so the variance over :math:`v` uniform on :math:`\\{0,1\\}^d`
    is :math:`c'^2` times the variance of the Walsh-Hadamard coefficients of :math:`\\nabla h`.

    Parameters
    ----------
    model : torch.nn.Module
        A scalar model on :math:`\\mathbb R^d`.
    d : int
        Dimension in :math:`[1, 20]`.
    half_risk : bool
        Whether the risk carries the factor 1/2.
    """
    from .theory.hardness import gradient_variance_bound

    d = _check_dimension(d, 20)
    x = hypercube_points(d, values="01", dtype=next(model.parameters()).dtype)
    J = per_example_gradients(model, x)
    coeffs = walsh_hadamard(J) / 2**d
    factor = 1.0 if half_risk else 2.0
    mean = coeffs.mean(dim=0)
    variance = factor**2 * float(((coeffs - mean) ** 2).sum(dim=1).mean())
    with torch.no_grad():
        y = model(x)
    msg = float((J**2).sum(dim=1).mean())
    g = factor * ((y.unsqueeze(1) * J).mean(dim=0) - mean)
    return GradientVariance(
        d=d,
        variance=variance,
        mean_squared_gradient=msg,
        bound=gradient_variance_bound(msg, 2**d, half_risk=half_risk),
        mean_gradient_norm=float(g.norm()),
    )
