"""The neural tangent kernel: its infinite-width formula and its finite-width estimate.

For a model :math:`f(x;\\theta)` with scalar output the *tangent kernel* at
:math:`\\theta` is

.. math:: \\hat\\Theta_\\theta(x,x') = \\langle \\nabla_\\theta f(x;\\theta),\\nabla_\\theta f(x';\\theta)\\rangle .

:func:`empirical_ntk` computes it with :mod:`torch.func` for any :class:`torch.nn.Module`.
For the deep fully connected ReLU network of :class:`nndyn.deep.DeepReLUNet` (NTK
parametrisation) the kernel at a random initialisation converges, as the widths grow, to
the deterministic kernel of :func:`analytic_ntk`, computed by the arc-cosine recursion of
Jacot, Gabriel and Hongler (2018) and Arora et al. (2019):

.. math::

   \\Sigma^{(0)}(x,x') &= x^\\top x',\\\\
   \\Sigma^{(h)} &= 2\\,\\mathbb E[\\sigma(u)\\sigma(v)],\\qquad
   \\dot\\Sigma^{(h)} = 2\\,\\mathbb E[\\sigma'(u)\\sigma'(v)],

with :math:`(u,v)` centred Gaussian with the covariance of :math:`\\Sigma^{(h-1)}` on
:math:`\\{x,x'\\}`, and :math:`\\Theta^{(0)}=\\Sigma^{(0)}`,
:math:`\\Theta^{(h)}=\\Theta^{(h-1)}\\dot\\Sigma^{(h)}+\\Sigma^{(h)}`.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from ._validation import check_finite_tensor, check_positive_int

__all__ = ["analytic_nngp", "analytic_ntk", "arccos_step", "empirical_ntk", "relative_error"]


def _check_points(name: str, x) -> torch.Tensor:
    """``x`` as a tensor of shape ``(n, d)`` (a NumPy array is converted), non-empty and finite."""
    return check_finite_tensor(name, x, ndim=2)


def _check_depth(depth: int) -> int:
    depth = check_positive_int("depth", depth)
    if depth < 2:
        raise ValueError(f"depth must be an integer >= 2 (number of weight layers), got {depth}")
    return depth


def arccos_step(
    cov: torch.Tensor, var_x: torch.Tensor, var_y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One layer of the ReLU recursion: :math:`(\\Sigma,\\dot\\Sigma)` from the previous covariance.

    For :math:`(u,v)` centred Gaussian with variances ``var_x``, ``var_y`` and covariance
    ``cov``, and :math:`\\varphi=\\arccos(\\mathrm{cov}/\\sqrt{\\mathrm{var}_x\\mathrm{var}_y})`,

    .. math::

       2\\,\\mathbb E[\\sigma(u)\\sigma(v)] &= \\frac{\\sqrt{\\mathrm{var}_x\\mathrm{var}_y}}{\\pi}
       \\big(\\sin\\varphi + (\\pi-\\varphi)\\cos\\varphi\\big),\\\\
       2\\,\\mathbb E[\\sigma'(u)\\sigma'(v)] &= \\frac{\\pi-\\varphi}{\\pi}.

    Parameters
    ----------
    cov : torch.Tensor
        Covariances, shape ``(n1, n2)``.
    var_x, var_y : torch.Tensor
        Variances of the rows and columns, shapes ``(n1,)`` and ``(n2,)``, positive.

    Returns
    -------
    (torch.Tensor, torch.Tensor)
        :math:`\\Sigma` and :math:`\\dot\\Sigma`, both of shape ``(n1, n2)``.
    """
    if cov.ndim != 2 or var_x.shape != (cov.shape[0],) or var_y.shape != (cov.shape[1],):
        raise ValueError(
            f"cov must have shape (n1, n2) with var_x of shape (n1,) and var_y of shape (n2,), got "
            f"{tuple(cov.shape)}, {tuple(var_x.shape)}, {tuple(var_y.shape)}"
        )
    if (var_x <= 0).any() or (var_y <= 0).any():
        raise ValueError("var_x and var_y must be > 0 (inputs must be non-zero vectors)")
    scale = torch.sqrt(var_x[:, None] * var_y[None, :])
    phi = torch.arccos(torch.clamp(cov / scale, -1.0, 1.0))
    sigma = scale * (torch.sin(phi) + (math.pi - phi) * torch.cos(phi)) / math.pi
    sigma_dot = (math.pi - phi) / math.pi
    return sigma, sigma_dot


def _recursion(x: torch.Tensor, y: torch.Tensor | None, depth: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = _check_points("x", x)
    y = x if y is None else _check_points("y", y)
    if y.shape[1] != x.shape[1]:
        raise ValueError(f"y must have shape (n2, {x.shape[1]}) to match x, got {tuple(y.shape)}")
    depth = _check_depth(depth)
    x, y = x.to(torch.float64), y.to(torch.float64)
    sigma = x @ y.T
    var_x, var_y = (x * x).sum(1), (y * y).sum(1)
    theta = sigma.clone()
    for _ in range(depth - 1):  # one step per hidden layer; the ReLU recursion keeps the variances
        sigma, sigma_dot = arccos_step(sigma, var_x, var_y)
        theta = theta * sigma_dot + sigma
    return sigma, theta


def analytic_nngp(x: torch.Tensor, y: torch.Tensor | None = None, *, depth: int = 2) -> torch.Tensor:
    """The infinite-width covariance :math:`\\Sigma^{(D-1)}` of the last hidden layer (NNGP kernel).

    Parameters
    ----------
    x : torch.Tensor
        Points, shape ``(n1, d)``, non-zero.
    y : torch.Tensor, optional
        Second set of points ``(n2, d)`` (default: ``x``).
    depth : int
        Number :math:`D` of weight layers of the network (>= 2; a two-layer network has ``depth=2``).

    Returns
    -------
    torch.Tensor
        Shape ``(n1, n2)``, float64. It is also the kernel of the output at initialisation:
        :math:`\\mathbb E f(x)f(x') = \\Sigma^{(D-1)}(x,x')`.
    """
    return _recursion(x, y, depth)[0]


def analytic_ntk(x: torch.Tensor, y: torch.Tensor | None = None, *, depth: int = 2) -> torch.Tensor:
    """The infinite-width NTK :math:`\\Theta_D=\\Theta^{(D-1)}` of a deep ReLU network in NTK parametrisation.

    Parameters
    ----------
    x : torch.Tensor
        Points, shape ``(n1, d)``, non-zero.
    y : torch.Tensor, optional
        Second set of points ``(n2, d)`` (default: ``x``).
    depth : int
        Number of weight layers (>= 2), i.e. ``depth - 1`` hidden layers.

    Returns
    -------
    torch.Tensor
        Shape ``(n1, n2)``, float64.

    Examples
    --------
    >>> import torch
    >>> x = torch.eye(2, dtype=torch.float64)
    >>> analytic_ntk(x, depth=2)  # orthogonal unit vectors: Theta = 1/pi off the diagonal
    tensor([[2.0000, 0.3183],
            [0.3183, 2.0000]], dtype=torch.float64)
    """
    return _recursion(x, y, depth)[1]


def _jacobian(model: nn.Module, params: dict[str, torch.Tensor], x: torch.Tensor, chunk_size: int | None) -> torch.Tensor:
    names = list(params)

    def f_single(p: dict[str, torch.Tensor], xi: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, p, (xi.unsqueeze(0),))
        return out.reshape(())

    jac = vmap(jacrev(f_single), in_dims=(None, 0), chunk_size=chunk_size)(params, x)
    return torch.cat([jac[k].reshape(x.shape[0], -1) for k in names], dim=1)


def empirical_ntk(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """The tangent kernel :math:`\\langle\\nabla_\\theta f(x_i),\\nabla_\\theta f(y_j)\\rangle` of ``model``.

    Per-example gradients are computed with :func:`torch.func.jacrev` and
    :func:`torch.func.vmap` over every parameter that requires a gradient.

    Parameters
    ----------
    model : torch.nn.Module
        A model mapping inputs ``(n, d)`` to outputs ``(n,)`` (scalar output per input).
    x : torch.Tensor or numpy.ndarray
        Points, shape ``(n1, d)``, finite.
    y : torch.Tensor or numpy.ndarray, optional
        Second set of points (default: ``x``).
    chunk_size : int, optional
        Number of points whose gradients are held in memory at once (default: all).

    Returns
    -------
    torch.Tensor
        The kernel matrix, shape ``(n1, n2)``, detached.

    Raises
    ------
    ValueError
        If ``model`` is not a module or has no trainable parameter, if ``x`` or ``y`` is not
        of shape ``(n, d)``, is empty or holds NaN or infinite entries (the message names
        it), or if the model does not return one number per input.

    Notes
    -----
    ``x`` and ``y`` (tensors or NumPy arrays) are cast to the dtype of the model's parameters. This is the one
    implementation of the empirical kernel; :func:`nndyn.kernels.empirical_gram` is the
    same matrix under chapter 6's name.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    x = _check_points("x", x)
    if y is not None:
        y = _check_points("y", y)
    if chunk_size is not None:
        chunk_size = check_positive_int("chunk_size", chunk_size)
    params = {k: p.detach() for k, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("model must have at least one parameter with requires_grad=True")
    # one dtype rule for the package: inputs are cast to the model's floating-point type
    dtype = next(iter(params.values())).dtype
    x = x.to(dtype)
    y = None if y is None else y.to(dtype)
    d = getattr(model, "d", None)
    if isinstance(d, int):
        for name, points in (("x", x), ("y", y)):
            if points is not None and points.shape[1] != d:
                raise ValueError(f"{name} must have shape (n, {d}) to match the model's input dimension, got {tuple(points.shape)}")
    with torch.no_grad():
        out = model(x[:1])
    if out.numel() != 1:
        raise ValueError(f"model must return one scalar per input, got output shape {tuple(out.shape)} for one input")
    jx = _jacobian(model, params, x, chunk_size)
    jy = jx if y is None else _jacobian(model, params, y, chunk_size)
    return (jx @ jy.T).detach()


def relative_error(estimate: torch.Tensor, target: torch.Tensor) -> float:
    """Relative Frobenius error :math:`\\|\\hat K-K\\|_F/\\|K\\|_F`.

    Raises
    ------
    ValueError
        If the shapes differ or ``target`` is zero.
    """
    if estimate.shape != target.shape:
        raise ValueError(f"estimate and target must have the same shape, got {tuple(estimate.shape)} and {tuple(target.shape)}")
    norm = float(torch.linalg.norm(target))
    if norm == 0:
        raise ValueError("target must be non-zero")
    return float(torch.linalg.norm(estimate.to(target.dtype) - target)) / norm
