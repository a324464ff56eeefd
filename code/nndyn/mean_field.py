"""Mean-field and NTK scalings of a two-layer ReLU network.

Both are the :class:`~nndyn.models.TwoLayerNet`

.. math:: f(x) = \\frac{1}{m^{\\beta}}\\sum_{j=1}^m a_j\\,\\sigma(b_j^\\top x),
   \\qquad a_j\\sim\\mathcal N(0,1),\\quad b_j\\sim\\mathcal N(0,I_d),

with :math:`\\beta=1/2` (NTK scaling) or :math:`\\beta=1` (mean-field scaling). Gradient
descent with learning rate :math:`\\eta = \\eta_0\\,m^{2\\beta-1}` (see
:func:`learning_rate`) has a limit as :math:`m\\to\\infty` at fixed time
:math:`t=\\eta_0 k` in both cases: for the mean-field scaling the learning rate grows like
:math:`m`.
"""

from __future__ import annotations

import torch

from ._validation import check_choice, check_positive, check_positive_int, check_seed
from .data import DEFAULT_DTYPE, generator
from .models import TwoLayerNet

SCALINGS: dict[str, float] = {"ntk": 0.5, "mean_field": 1.0}
"""The exponent :math:`\\beta` of the output factor :math:`m^{-\\beta}` of each scaling."""

__all__ = ["SCALINGS", "alignment", "learning_rate", "neuron_movement", "scaled_two_layer"]


def scaled_two_layer(
    d: int,
    m: int,
    *,
    scaling: str = "mean_field",
    symmetric: bool = True,
    seed: int = 0,
    dtype: torch.dtype = DEFAULT_DTYPE,
) -> TwoLayerNet:
    """A two-layer ReLU network with output factor :math:`m^{-\\beta}` and an :math:`O(1)` initialisation.

    Parameters
    ----------
    d : int
        Input dimension (>= 1).
    m : int
        Width (>= 1; even when ``symmetric``).
    scaling : {"mean_field", "ntk"}
        :math:`\\beta=1` or :math:`\\beta=1/2`, see :data:`SCALINGS`.
    symmetric : bool
        Pair the neurons: neuron :math:`j+m/2` has the same :math:`b` as neuron :math:`j`
        and the opposite :math:`a`, so that :math:`f\\equiv 0` at initialisation.
    seed : int
        Seed of the initialisation.
    dtype : torch.dtype
        Floating-point type.

    Returns
    -------
    TwoLayerNet
        With ``output_scale`` :math:`m^{-\\beta}`, :math:`a_j\\sim\\mathcal N(0,1)` and
        :math:`b_j\\sim\\mathcal N(0,I_d)`.
    """
    d = check_positive_int("d", d)
    m = check_positive_int("m", m)
    check_choice("scaling", scaling, SCALINGS)
    check_seed(seed)
    if symmetric and m % 2:
        raise ValueError(f"m must be an even integer when symmetric=True, got {m}")
    net = TwoLayerNet(d, m, init="notes", output_scale=m ** (-SCALINGS[scaling]), seed=seed, dtype=dtype)
    g = generator(seed, "init")  # independent of data drawn with the same seed
    half = m // 2 if symmetric else m
    a = torch.randn(half, generator=g, dtype=torch.float64).to(dtype)
    B = torch.randn(half, d, generator=g, dtype=torch.float64).to(dtype)
    if symmetric:
        a, B = torch.cat([a, -a]), torch.cat([B, B])
    with torch.no_grad():
        net.a.copy_(a)
        net.B.copy_(B)
    return net


def learning_rate(base_lr: float, m: int, scaling: str) -> float:
    """The learning rate :math:`\\eta_0\\,m^{2\\beta-1}` that gives an :math:`m`-independent limit.

    It is :math:`\\eta_0` for the NTK scaling and :math:`\\eta_0 m` for the mean-field
    scaling; the time of the limit is :math:`t=\\eta_0 k` after :math:`k` steps.
    """
    base_lr = check_positive("base_lr", base_lr)
    m = check_positive_int("m", m)
    check_choice("scaling", scaling, SCALINGS)
    return base_lr * m ** (2 * SCALINGS[scaling] - 1)


def alignment(net: TwoLayerNet, coordinate: int = 0) -> float:
    """Weighted alignment of the first layer with :math:`e_k`: :math:`\\sum_j|a_j||b_{jk}|/\\sum_j|a_j|\\|b_j\\|`.

    It lies in :math:`[0,1]`; it is 1 when every neuron that contributes to the output
    reads only coordinate ``coordinate``, and about :math:`\\sqrt{2/(\\pi d)}` for
    Gaussian :math:`b_j`.
    """
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"net must be a TwoLayerNet, got {type(net).__name__}")
    if not 0 <= coordinate < net.d:
        raise ValueError(f"coordinate must be in [0, {net.d - 1}], got {coordinate}")
    a, B = net.a.detach().abs(), net.B.detach()
    total = float((a * B.norm(dim=1)).sum())
    if total == 0:
        raise ValueError("net has a = 0 or B = 0: the alignment is undefined")
    return float((a * B[:, coordinate].abs()).sum()) / total


def neuron_movement(net: TwoLayerNet, initial: TwoLayerNet) -> float:
    """Root-mean-square distance a neuron moved: :math:`\\big(\\frac1m\\sum_j\\|(a_j,b_j)(t)-(a_j,b_j)(0)\\|^2\\big)^{1/2}`."""
    if not isinstance(net, TwoLayerNet) or not isinstance(initial, TwoLayerNet) or net.B.shape != initial.B.shape:
        raise ValueError("net and initial must be TwoLayerNets of the same shape")
    da = net.a.detach() - initial.a.detach()
    dB = net.B.detach() - initial.B.detach()
    return float(((da**2).sum() + (dB**2).sum()) / net.m) ** 0.5
