"""Deep fully connected ReLU networks in NTK parametrisation, and models built around an initialisation.

* :class:`DeepReLUNet`: the network of Jacot et al. (2018) and Arora et al. (2019),

  .. math::

     h^{(1)} &= W^{(1)}x,\\qquad
     h^{(l)} = W^{(l)}\\sqrt{2/m}\\,\\sigma(h^{(l-1)}),\\\\
     f(x) &= \\alpha\\, w^\\top \\sqrt{2/m}\\,\\sigma(h^{(D-1)}),

  with every weight a standard Gaussian at initialisation. Its tangent kernel converges,
  as the width :math:`m` grows, to :func:`nndyn.ntk.analytic_ntk`.
* :func:`linearize`: the first-order Taylor model around the current parameters,
  trainable with :func:`nndyn.training.train`.
* :func:`centered`: the model minus its value at initialisation (output 0 at start).
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.func import functional_call, jvp

from ._validation import check_dtype, check_input_shape, check_positive, check_positive_int, check_seed
from .data import DEFAULT_DTYPE, generator

__all__ = ["CenteredModel", "DeepReLUNet", "LinearizedModel", "centered", "linearize", "parameter_distance"]


class DeepReLUNet(nn.Module):
    """A fully connected ReLU network of width ``width`` with ``depth`` weight layers, NTK parametrisation.

    Parameters
    ----------
    d : int
        Input dimension (>= 1).
    width : int
        Width :math:`m` of every hidden layer (>= 1).
    depth : int
        Number of weight layers (>= 2): ``depth=2`` is a two-layer network with one hidden layer.
    output_scale : float
        Factor :math:`\\alpha>0` in front of the output (1 in the NTK parametrisation).
    seed : int
        Seed of the Gaussian initialisation.
    dtype : torch.dtype
        Floating-point type of the parameters.

    Attributes
    ----------
    weights : torch.nn.ParameterList
        :math:`W^{(1)}` of shape ``(width, d)``, then ``depth - 2`` matrices of shape
        ``(width, width)``, then the output vector :math:`w` of shape ``(width,)``.

    Examples
    --------
    >>> import torch
    >>> net = DeepReLUNet(d=3, width=8, depth=3, seed=0)
    >>> net(torch.ones(5, 3, dtype=torch.float64)).shape
    torch.Size([5])
    """

    def __init__(
        self,
        d: int,
        width: int,
        depth: int = 2,
        *,
        output_scale: float = 1.0,
        seed: int = 0,
        dtype: torch.dtype = DEFAULT_DTYPE,
    ) -> None:
        super().__init__()
        self.d = check_positive_int("d", d)
        self.width = check_positive_int("width", width)
        depth = check_positive_int("depth", depth)
        if depth < 2:
            raise ValueError(f"depth must be an integer >= 2 (number of weight layers), got {depth}")
        self.depth = depth
        self.output_scale = check_positive("output_scale", output_scale)
        dtype = check_dtype(dtype)
        g = generator(check_seed(seed), "init")  # the "init" stream: independent of data drawn with the same seed
        shapes = [(width, d)] + [(width, width)] * (depth - 2) + [(width,)]
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.randn(*s, generator=g, dtype=torch.float64).to(dtype)) for s in shapes]
        )

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The scaled last hidden layer :math:`\\sqrt{2/m}\\,\\sigma(h^{(D-1)})`, shape ``(n, width)``."""
        check_input_shape(x, self.d)
        x = torch.as_tensor(x).to(dtype=self.weights[0].dtype, device=self.weights[0].device)  # the package's dtype rule
        c = (2.0 / self.width) ** 0.5
        g = c * torch.relu(x @ self.weights[0].T)
        for i in range(1, self.depth - 1):  # index access: slicing a ParameterList breaks torch.func
            g = c * torch.relu(g @ self.weights[i].T)
        return g

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate the network on ``x`` of shape ``(n, d)``; returns shape ``(n,)``."""
        return self.output_scale * (self.features(x) @ self.weights[-1])

    def extra_repr(self) -> str:
        return f"d={self.d}, width={self.width}, depth={self.depth}, output_scale={self.output_scale}"


def _on_device(module: nn.Module, device: torch.device) -> nn.Module:
    """``module``, moved to ``device`` only if it is not there already."""
    first = next(module.parameters(), None)
    if first is not None and first.device != device:
        module.to(device)
    return module


def _frozen_copy(model: nn.Module) -> nn.Module:
    base = copy.deepcopy(model)
    for p in base.parameters():
        p.requires_grad_(False)
    return base


class LinearizedModel(nn.Module):
    """The first-order Taylor model :math:`f(x;\\theta_0)+\\langle\\theta-\\theta_0,\\nabla_\\theta f(x;\\theta_0)\\rangle`.

    Build it with :func:`linearize`. Its parameters :math:`\\theta` start at
    :math:`\\theta_0`; the directional derivative is computed with :func:`torch.func.jvp`,
    so the model is exactly linear (affine) in :math:`\\theta` and differentiable.

    Attributes
    ----------
    d : int or None
        Input dimension of the base model, if it has one.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if not isinstance(model, nn.Module):
            raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        base = _frozen_copy(model)
        names = [k for k, p in model.named_parameters() if p.requires_grad]
        if not names:
            raise ValueError("model must have at least one parameter with requires_grad=True")
        self._base = [base]  # a list: not registered as a submodule, so its parameters stay hidden
        self._names = names
        self._keys = [k.replace(".", "__") for k in names]
        base_params = dict(base.named_parameters())
        for key, name in zip(self._keys, names):
            self.register_buffer(f"theta0__{key}", base_params[name].detach().clone())
        self.params = nn.ParameterDict({key: nn.Parameter(base_params[name].detach().clone()) for key, name in zip(self._keys, names)})
        self.d = getattr(model, "d", None)

    def _theta0(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, f"theta0__{key}") for key, name in zip(self._keys, self._names)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`f(x;\\theta_0) + \\partial_\\theta f(x;\\theta_0)[\\theta-\\theta_0]`, shape ``(n,)``."""
        base = _on_device(self._base[0], x.device)
        theta0 = self._theta0()
        delta = {name: self.params[key] - theta0[name] for key, name in zip(self._keys, self._names)}
        value, derivative = jvp(lambda p: functional_call(base, p, (x,)), (theta0,), (delta,))
        return value + derivative


def linearize(model: nn.Module) -> LinearizedModel:
    """The linearisation of ``model`` around its current parameters (a trainable copy).

    Parameters
    ----------
    model : torch.nn.Module
        Any model; it is copied, not modified.

    Returns
    -------
    LinearizedModel
        Equal to ``model`` at the start; gradient descent on it is gradient descent on the
        kernel model with the tangent kernel of ``model`` at its current parameters.

    Examples
    --------
    >>> import torch
    >>> net = DeepReLUNet(d=3, width=16, depth=3, seed=0)
    >>> lin = linearize(net)
    >>> x = torch.randn(4, 3, dtype=torch.float64)
    >>> torch.allclose(lin(x), net(x))
    True
    """
    return LinearizedModel(model)


class CenteredModel(nn.Module):
    """``model(x) - model_0(x)`` with ``model_0`` a frozen copy of ``model`` at construction.

    The output is exactly 0 at the start and the tangent kernel is that of ``model``.
    Build it with :func:`centered`; the trainable parameters are those of ``model``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if not isinstance(model, nn.Module):
            raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self._initial = [_frozen_copy(model)]
        self.d = getattr(model, "d", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`f(x;\\theta)-f(x;\\theta_0)`, shape ``(n,)``."""
        initial = _on_device(self._initial[0], x.device)
        with torch.no_grad():
            f0 = initial(x)
        return self.model(x) - f0


def centered(model: nn.Module) -> CenteredModel:
    """The centred model :math:`x\\mapsto f(x;\\theta)-f(x;\\theta_0)`; trains the parameters of ``model`` in place."""
    return CenteredModel(model)


def parameter_distance(model: nn.Module, reference: nn.Module) -> float:
    """Euclidean distance between the parameters of two models of the same architecture.

    Raises
    ------
    ValueError
        If the models have different parameter shapes.
    """
    p = [t.detach() for t in model.parameters()]
    q = [t.detach() for t in reference.parameters()]
    if len(p) != len(q) or any(a.shape != b.shape for a, b in zip(p, q)):
        raise ValueError("model and reference must have parameters of the same shapes")
    return float(torch.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(p, q))))
