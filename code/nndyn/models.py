"""Two-layer ReLU networks and their random feature models.

The network of the notes is

.. math:: f_m(x;\\theta) = \\alpha \\sum_{j=1}^m a_j\\,\\sigma(b_j^\\top x),
   \\qquad \\sigma(z)=\\max(z,0),\\quad \\theta=(a,B),

with an output scale :math:`\\alpha` that is 1 in the notes (other values give the
mean-field and lazy-training scalings discussed in later chapters).

These rules hold for every model of this module (and for the probes, kernels and
:func:`nndyn.training.train.train` that take them):

* **dtype.** Inputs are cast to the model's floating-point type at every public entry
  point (``forward``, ``features``, the probes, :func:`nndyn.ntk.empirical_ntk`,
  :func:`nndyn.training.train.train`), so ``net(torch.randn(200, 5))`` works on a float64 network.
  ``dtype`` is ``torch.float32`` or ``torch.float64`` (or the strings ``"float32"``,
  ``"float64"``); integer types and ``float16`` raise a :class:`ValueError`.
* **seed.** The weights draw from the ``"init"`` stream of ``seed``
  (:mod:`nndyn.seeding`) in float64 and are then cast, so the same seed gives the same
  initialisation in float32 and float64.
* **bias.** The notes' network has no biases: :math:`f` is then *positively
  homogeneous*, :math:`f(cx)=cf(x)` for :math:`c>0`, and its odd part
  :math:`(f(x)-f(-x))/2=\\alpha\\sum_j a_j b_j^\\top x/2` is **linear** (because
  :math:`\\sigma(z)-\\sigma(-z)=z`). Such a network cannot fit an odd nonlinear target
  like :math:`\\sin(3x^{(1)})`, nor a constant offset. ``bias=True`` appends a constant input
  coordinate 1 (the online trainer's ``bias_input``), which gives every neuron a bias.
* **learning rate.** In the notes' parametrisation (:math:`\\alpha=1`, no :math:`1/m`
  in front of the sum) the curvature of the risk grows like :math:`m`, so stable
  gradient-descent learning rates scale like :math:`1/m`: the book uses
  :math:`\\eta=c/m` with :math:`c` of order 10 to 100 for inputs on the sphere
  (``lr=0.1`` at ``m=500`` diverges).
"""

from __future__ import annotations

import torch
from torch import nn

from ._validation import check_choice, check_dtype, check_input_shape, check_positive, check_positive_int, check_seed
from .data import DEFAULT_DTYPE, generator

INITIALIZATIONS: tuple[str, ...] = ("notes", "balanced", "standard")
"""Known initialisations of :class:`TwoLayerNet`."""


class TwoLayerNet(nn.Module):
    """Two-layer ReLU network :math:`f(x) = \\alpha\\sum_j a_j\\,\\mathrm{ReLU}(b_j^\\top x)`.

    Parameters
    ----------
    d : int
        Input dimension (>= 1).
    m : int
        Width, the number of neurons (>= 1).
    init : {"notes", "balanced", "standard"}
        ``"notes"``: :math:`a_j=0` and :math:`b_j` uniform on the sphere
        :math:`\\mathbb S^{d-1}` (the initialisation of the notes' kernel-regime part).
        ``"balanced"``: :math:`a_j\\sim\\mathcal N(0,1/m)` and
        :math:`b_j\\sim\\mathcal N(0, I_d/(md))` (both layers small).
        ``"standard"``: PyTorch's default for ``nn.Linear`` layers, every entry uniform:
        :math:`B_{jk}\\sim\\mathrm U(-1/\\sqrt d, 1/\\sqrt d)` and
        :math:`a_j\\sim\\mathrm U(-1/\\sqrt m, 1/\\sqrt m)`, so that every pre-activation
        :math:`b_j^\\top x` is of order one.
    output_scale : float
        The factor :math:`\\alpha>0` in front of the sum (1 in the notes).
    bias : bool
        Give every neuron a bias :math:`c_j`, :math:`\\sigma(b_j^\\top x+c_j)`, stored as a
        last column of :math:`B` (shape ``(m, d + 1)``) that multiplies a constant input 1;
        the initialisation treats it as one more input coordinate. Without a bias (the
        notes' model, the default) the network is positively homogeneous and its odd part
        is linear, see the module docstring.
    seed : int
        Seed of the initialisation. The weights draw from the ``"init"`` stream of the
        seed (:mod:`nndyn.seeding`), so ``TwoLayerNet(d, m, seed=s)`` is independent of
        data drawn with the same ``s``; the same seed gives the same weights in every
        floating-point type.
    dtype : torch.dtype or str
        Floating-point type of the parameters (``torch.float32``, ``torch.float64``, or
        ``"float32"``, ``"float64"``). Inputs of any other type are cast to it.

    Attributes
    ----------
    a : torch.nn.Parameter
        Output weights, shape ``(m,)``.
    B : torch.nn.Parameter
        First-layer weights, shape ``(m, d)`` (``(m, d + 1)`` with ``bias=True``); row
        ``j`` is :math:`b_j`.

    Notes
    -----
    Stable learning rates of gradient descent scale like :math:`1/m` in this
    parametrisation (see the module docstring): ``lr=40/m`` trains the notes' network on
    the sphere, ``lr=0.1`` at ``m=500`` diverges.
    """

    def __init__(
        self,
        d: int,
        m: int,
        *,
        init: str = "notes",
        output_scale: float = 1.0,
        bias: bool = False,
        seed: int = 0,
        dtype: torch.dtype | str = DEFAULT_DTYPE,
    ) -> None:
        super().__init__()
        self.d = check_positive_int("d", d)
        self.m = check_positive_int("m", m)
        self.init = check_choice("init", init, INITIALIZATIONS)
        self.output_scale = check_positive("output_scale", output_scale)
        if not isinstance(bias, bool):
            raise ValueError(f"bias must be True or False, got {bias!r}")
        self.bias = bias
        dtype = check_dtype(dtype)
        check_seed(seed)
        d = d + 1 if bias else d  # the bias is the weight of a constant input coordinate
        # One "init" stream per seed (never the data stream of the same seed); drawn in
        # float64 and then cast, so float32 and float64 networks start from the same point.
        g = generator(seed, "init")
        f64 = torch.float64
        if init == "notes":
            a = torch.zeros(m, dtype=f64)
            B = torch.randn(m, d, generator=g, dtype=f64)
            B = B / B.norm(dim=1, keepdim=True)
        elif init == "balanced":
            a = torch.randn(m, generator=g, dtype=f64) / m**0.5
            B = torch.randn(m, d, generator=g, dtype=f64) / (m * d) ** 0.5
        else:
            B = (2 * torch.rand(m, d, generator=g, dtype=f64) - 1) / d**0.5
            a = (2 * torch.rand(m, generator=g, dtype=f64) - 1) / m**0.5
        a, B = a.to(dtype), B.to(dtype)
        self.a = nn.Parameter(a)
        self.B = nn.Parameter(B)

    def prepare(self, x) -> torch.Tensor:
        """``x`` checked (shape ``(n, d)``), cast to the model's dtype and device, with the constant column if ``bias``."""
        check_input_shape(x, self.d)
        x = torch.as_tensor(x).to(dtype=self.B.dtype, device=self.B.device)
        if self.bias:
            x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)], dim=1)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden activations :math:`\\sigma(Bx)`, shape ``(n, m)``; ``x`` is cast to the model's dtype."""
        return torch.relu(self.prepare(x) @ self.B.T)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate the network on inputs ``x`` of shape ``(n, d)`` (cast to the model's dtype); returns shape ``(n,)``."""
        return self.output_scale * (self.features(x) @ self.a)

    def path_norm(self) -> torch.Tensor:
        """The path norm :math:`\\alpha\\sum_j |a_j|\\,\\|b_j\\|_2`."""
        return self.output_scale * (self.a.abs() * self.B.norm(dim=1)).sum()

    def extra_repr(self) -> str:
        bias = ", bias=True" if self.bias else ""
        return f"d={self.d}, m={self.m}, init={self.init!r}, output_scale={self.output_scale}{bias}"


class RandomFeatureModel(TwoLayerNet):
    """The random feature model: a :class:`TwoLayerNet` whose first layer is frozen.

    Only :math:`a` is trained; :math:`B` stays at its initial value, so the model is
    linear in its parameters, with features :math:`\\sigma(b_j^\\top x)`.

    Parameters are those of :class:`TwoLayerNet`. Use :meth:`from_network` to build the
    random feature model that shares the first layer of a given network.
    """

    def __init__(self, d: int, m: int, **kwargs) -> None:
        super().__init__(d, m, **kwargs)
        self.B.requires_grad_(False)

    @classmethod
    def from_network(cls, net: TwoLayerNet, *, zero_output: bool = True) -> "RandomFeatureModel":
        """The random feature model with the first layer of ``net``.

        Parameters
        ----------
        net : TwoLayerNet
            The network whose :math:`B` becomes the frozen features.
        zero_output : bool
            Start from :math:`a=0` (the notes' choice) instead of copying ``net.a``.

        Raises
        ------
        ValueError
            If ``net`` is not a :class:`TwoLayerNet` (for example a deep network, whose
            random feature model is not defined here) or ``zero_output`` is not a bool.
        """
        if not isinstance(net, TwoLayerNet):
            raise ValueError(f"net must be a TwoLayerNet (the network whose first layer becomes the features), got {type(net).__name__}")
        if not isinstance(zero_output, bool):
            raise ValueError(f"zero_output must be True or False, got {zero_output!r}")
        rfm = cls(net.d, net.m, output_scale=net.output_scale, bias=getattr(net, "bias", False), dtype=net.B.dtype)
        with torch.no_grad():
            rfm.B.copy_(net.B)
            rfm.a.copy_(torch.zeros_like(net.a) if zero_output else net.a)
        return rfm
