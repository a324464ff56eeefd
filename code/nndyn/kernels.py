"""The kernel of a two-layer ReLU network and its empirical Gram matrices.

For the notes' initialisation (:math:`a_j=0`, :math:`b_j` uniform on
:math:`\\mathbb S^{d-1}`) the kernel of the kernel regime is

.. math::

   k(x,x') &= \\mathbb E_{b\\sim\\mathrm{Unif}(\\mathbb S^{d-1})}
   \\big[\\sigma(b^\\top x)\\,\\sigma(b^\\top x')\\big]\\\\
   &= \\frac{\\|x\\|\\,\\|x'\\|}{2\\pi d}\\big(\\sin\\varphi + (\\pi-\\varphi)\\cos\\varphi\\big),

:math:`\\varphi` the angle between :math:`x` and :math:`x'`: :math:`1/d` times the
degree-1 arc-cosine kernel of Cho and Saul (a Gaussian vector :math:`g` is
:math:`\\|g\\|\\,b` with :math:`\\|g\\|` independent of :math:`b` and
:math:`\\mathbb E\\|g\\|^2=d`).

The module also computes, for a :class:`~nndyn.models.TwoLayerNet`, the Gram matrix
:math:`G_{ii'}=\\langle\\nabla_\\theta f(x_i),\\nabla_\\theta f(x_{i'})\\rangle` twice:
from automatic differentiation (:mod:`torch.func`) and from the explicit formula

.. math::

   G_{ii'} &= \\alpha^2\\sum_{j=1}^m \\Big(\\sigma(b_j^\\top x_i)\\sigma(b_j^\\top x_{i'})\\\\
   &\\qquad + a_j^2\\,\\sigma'(b_j^\\top x_i)\\sigma'(b_j^\\top x_{i'})\\,x_i^\\top x_{i'}\\Big),

so that :math:`G = m\\hat K(\\theta)` for :math:`\\alpha=1`.
"""

from __future__ import annotations

import math

import torch

from ._validation import check_finite_tensor, check_positive_int, check_seed
from .data import DEFAULT_DTYPE, generator, sample_sphere
from .models import TwoLayerNet

__all__ = [
    "empirical_gram",
    "explicit_gram",
    "feature_gram",
    "kernel_min_eigenvalue",
    "min_eigenvalue",
    "relu_kernel",
    "relu_kernel_mc",
]


def _check_points(name: str, x) -> torch.Tensor:
    """``x`` as a tensor of shape ``(n, d)`` (a NumPy array is converted), non-empty and finite."""
    return check_finite_tensor(name, x, ndim=2)


def _pair(x: torch.Tensor, x2: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    x = _check_points("x", x)
    x2 = x if x2 is None else _check_points("x2", x2)
    if x2.shape[1] != x.shape[1]:
        raise ValueError(f"x2 must have {x.shape[1]} columns like x, got shape {tuple(x2.shape)}")
    return x, x2.to(x.dtype)


def relu_kernel(x: torch.Tensor, x2: torch.Tensor | None = None) -> torch.Tensor:
    """Closed form of :math:`k(x,x')=\\mathbb E_{b\\sim\\mathrm{Unif}(\\mathbb S^{d-1})}[\\sigma(b^\\top x)\\sigma(b^\\top x')]`.

    Parameters
    ----------
    x : torch.Tensor
        Points, shape ``(n, d)``.
    x2 : torch.Tensor, optional
        Second set of points, shape ``(n2, d)`` (default: ``x``).

    Returns
    -------
    torch.Tensor
        The kernel matrix, shape ``(n, n2)``.

    Raises
    ------
    ValueError
        If the inputs are not 2-D or their dimensions differ.

    Examples
    --------
    >>> import torch
    >>> from nndyn.kernels import relu_kernel
    >>> x = torch.eye(2, dtype=torch.float64)
    >>> relu_kernel(x)  # 1/(2d) on the diagonal, 1/(2 pi d) for orthogonal points
    tensor([[0.2500, 0.0796],
            [0.0796, 0.2500]], dtype=torch.float64)
    """
    x, x2 = _pair(x, x2)
    d = x.shape[1]
    nx = x.norm(dim=1, keepdim=True)
    nx2 = x2.norm(dim=1, keepdim=True)
    denom = (nx * nx2.T).clamp_min(torch.finfo(x.dtype).tiny)
    cos = ((x @ x2.T) / denom).clamp(-1.0, 1.0)
    phi = torch.arccos(cos)
    sin = torch.sqrt((1 - cos**2).clamp_min(0.0))
    return nx * nx2.T * (sin + (math.pi - phi) * cos) / (2 * math.pi * d)


def relu_kernel_mc(
    x: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    m: int,
    seed: int = 0,
    repeats: int | None = None,
) -> torch.Tensor:
    """Monte-Carlo estimate :math:`\\hat K=\\frac1m\\sum_{j=1}^m\\sigma(b_j^\\top x)\\sigma(b_j^\\top x')` with :math:`b_j` uniform on the sphere.

    This is the feature part of the Gram matrix of a network at the notes'
    initialisation (divided by :math:`m`).

    Parameters
    ----------
    x, x2 : torch.Tensor
        Points, shapes ``(n, d)`` and ``(n2, d)`` (default ``x2 = x``).
    m : int
        Number of random features (>= 1).
    seed : int
        Seed of the features.
    repeats : int, optional
        If given, return ``repeats`` independent estimates stacked along a first axis
        (computed in one batched product).

    Returns
    -------
    torch.Tensor
        Shape ``(n, n2)``, or ``(repeats, n, n2)``.
    """
    x, x2 = _pair(x, x2)
    m = check_positive_int("m", m)
    check_seed(seed)
    r = 1 if repeats is None else check_positive_int("repeats", repeats)
    g = torch.randn(r * m, x.shape[1], generator=generator(seed, "init"), dtype=torch.float64)
    b = (g / g.norm(dim=1, keepdim=True)).to(x.dtype).reshape(r, m, x.shape[1])  # neurons: the "init" stream of seed
    phi1 = torch.relu(torch.einsum("nd,rmd->rnm", x, b))
    phi2 = phi1 if x2 is x else torch.relu(torch.einsum("nd,rmd->rnm", x2, b))
    k = phi1 @ phi2.transpose(1, 2) / m
    return k[0] if repeats is None else k


def feature_gram(net: TwoLayerNet, x: torch.Tensor) -> torch.Tensor:
    """The feature part :math:`\\frac1m\\sum_j\\sigma(b_j^\\top x_i)\\sigma(b_j^\\top x_{i'})` at the current first layer of ``net``.

    Parameters
    ----------
    net : TwoLayerNet
        The network (only :math:`B` is used).
    x : torch.Tensor
        Inputs, shape ``(n, d)``.

    Returns
    -------
    torch.Tensor
        Shape ``(n, n)``.
    """
    _check_net(net)
    x = _check_points("x", x).to(net.B.dtype)
    with torch.no_grad():
        phi = net.features(x)
        return phi @ phi.T / net.m


def _check_net(net) -> None:
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"net must be a TwoLayerNet, got {type(net).__name__}")


def explicit_gram(net: TwoLayerNet, x: torch.Tensor, *, first_layer: bool = True) -> torch.Tensor:
    """The Gram matrix :math:`G(\\theta)` from the explicit formula of the notes.

    Parameters
    ----------
    net : TwoLayerNet
        The network :math:`f=\\alpha\\sum_j a_j\\sigma(b_j^\\top x)`.
    x : torch.Tensor
        Inputs, shape ``(n, d)``.
    first_layer : bool
        Include the gradients with respect to :math:`B` (the term with :math:`a_j^2`).
        With ``False`` only the gradients with respect to :math:`a` count, as for the
        random feature model.

    Returns
    -------
    torch.Tensor
        :math:`G`, shape ``(n, n)``; :math:`\\hat K(\\theta)=G/(\\alpha^2 m)`.
    """
    _check_net(net)
    x = net.prepare(_check_points("x", x))  # cast to the network's dtype; the constant column if net.bias
    with torch.no_grad():
        pre = x @ net.B.T
        phi = torch.relu(pre)
        g = phi @ phi.T
        if first_layer:
            dphi = (pre > 0).to(x.dtype) * net.a.abs()
            g = g + (dphi @ dphi.T) * (x @ x.T)
        return net.output_scale**2 * g


def empirical_gram(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The Gram matrix :math:`G_{ii'}=\\langle\\nabla_\\theta f(x_i),\\nabla_\\theta f(x_{i'})\\rangle` by automatic differentiation.

    The same matrix as :func:`nndyn.ntk.empirical_ntk` ``(model, x)``, the one
    implementation (kept under this name because chapter 6 calls it the Gram matrix).
    Only parameters with ``requires_grad`` count, so a
    :class:`~nndyn.models.RandomFeatureModel` gives the feature Gram matrix; ``x`` is
    cast to the model's dtype.
    """
    from .ntk import empirical_ntk

    return empirical_ntk(model, x)


def min_eigenvalue(k) -> torch.Tensor:
    """Smallest eigenvalue :math:`\\lambda_n` of a symmetric matrix (or of each of a stack of them).

    Parameters
    ----------
    k : torch.Tensor or numpy.ndarray
        Shape ``(..., n, n)``, symmetric in its last two axes, finite.

    Returns
    -------
    torch.Tensor
        Shape ``(...)``.

    Raises
    ------
    ValueError
        If ``k`` is not a stack of square matrices, holds NaN or infinite entries (said
        as such), or is not symmetric.
    """
    k = check_finite_tensor("k", k)
    if k.ndim < 2 or k.shape[-1] != k.shape[-2]:
        raise ValueError(f"k must be a tensor of square matrices (..., n, n), got shape {tuple(k.shape)}")
    if not k.is_floating_point():
        k = k.to(torch.float64)
    if not torch.allclose(k, k.transpose(-1, -2), rtol=1e-10, atol=1e-12):
        raise ValueError("k must be symmetric")
    return torch.linalg.eigvalsh(k)[..., 0]


def kernel_min_eigenvalue(n: int, d: int, *, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE) -> float:
    """:math:`\\lambda_n(K)` for ``n`` points drawn uniformly on :math:`\\mathbb S^{d-1}` with ``seed``."""
    x = sample_sphere(check_positive_int("n", n), check_positive_int("d", d), seed=seed, dtype=dtype)
    return float(min_eigenvalue(relu_kernel(x)))


def gradient_energy(net: TwoLayerNet, x: torch.Tensor) -> float:
    """:math:`G(\\theta)=\\frac1n\\sum_i\\|\\nabla_\\theta h(x_i;\\theta)\\|^2` for a :class:`~nndyn.models.TwoLayerNet`, exactly.

    The mean squared norm of the per-example gradients on the points ``x`` (any points:
    chapter 4 uses the whole cube :math:`\\{-1,1\\}^d`, ``hypercube_points(d)``), that is
    the trace of the Gram matrix :func:`explicit_gram` divided by :math:`n`. It uses
    :math:`\\partial h/\\partial a_j=\\alpha\\sigma(b_j^\\top x)` and
    :math:`\\partial h/\\partial b_j=\\alpha a_j\\sigma'(b_j^\\top x)x`; ``x`` is cast to the
    network's dtype.
    """
    _check_net(net)
    x = net.prepare(_check_points("x", x))
    with torch.no_grad():
        pre = x @ net.B.T
        energy = torch.relu(pre).pow(2).sum(1) + ((pre > 0).to(x.dtype) * net.a.pow(2)).sum(1) * x.pow(2).sum(1)
        return float(net.output_scale**2 * energy.mean())
