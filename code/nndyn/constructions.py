"""Exact two-layer ReLU networks from the hardness part of the notes.

Two constructions, each a :class:`torch.nn.Module` with real weights:

* :class:`HalfspaceIntersectionNet`: a network whose sign is the intersection (AND) of
  ``r`` halfspaces with integer weights on :math:`\\{-1,1\\}^d` (chapter 2);
* :class:`ParityNet`: a network equal to the parity :math:`(-1)^{v^\\top x}` on
  :math:`\\{0,1\\}^d`, built from hat functions that add up to a triangle wave (chapter 3).

Both networks have the form

.. math:: h(x) = \\sum_{j=1}^{m} a_j\\,\\sigma(w_j^\\top x + c_j),\\qquad \\sigma(z)=\\max(z,0),

and :func:`path_norm` measures their path norm
:math:`\\sum_j |a_j|\\,(\\|w_j\\|_1 + |c_j|)`, the Barron-norm proxy of the notes for inputs
with :math:`\\|x\\|_\\infty\\le1`.
"""

from __future__ import annotations

import torch
from torch import nn

from ._validation import check_input_shape, check_in_range, check_nonnegative_int, check_positive, check_positive_int, check_seed
from .data import DEFAULT_DTYPE, generator


def relu_step(z: torch.Tensor, slope: float = 2.0) -> torch.Tensor:
    """The ReLU approximation :math:`\\sigma(qz) - \\sigma(qz-1)` of the step function.

    It equals :math:`\\mathbf 1(z\\ge0)` exactly whenever :math:`|z|\\ge 1/q` (and is linear in
    between), so with the default slope :math:`q=2` it is exact for :math:`|z|\\ge1/2`.

    Parameters
    ----------
    z : torch.Tensor
        Points at which to evaluate.
    slope : float
        The slope :math:`q>0`.
    """
    slope = check_positive("slope", slope)
    z = torch.as_tensor(z)
    return torch.relu(slope * z) - torch.relu(slope * z - 1)


def hat(z: torch.Tensor) -> torch.Tensor:
    """The hat function :math:`\\sigma(2z+1) - 2\\sigma(2z) + \\sigma(2z-1)`.

    It is 0 outside :math:`[-1/2, 1/2]`, 1 at 0 and linear in between.
    """
    z = torch.as_tensor(z)
    return torch.relu(2 * z + 1) - 2 * torch.relu(2 * z) + torch.relu(2 * z - 1)


def triangle_wave(z: torch.Tensor, levels: int) -> torch.Tensor:
    """The triangle wave :math:`\\sum_{u=0}^{U} (-1)^u\\,\\mathrm{hat}(z-u)`.

    On :math:`[-1/2, U+1/2]` it is the piecewise-linear function through
    :math:`(u, (-1)^u)` and the zeros at half-integers; in particular it equals
    :math:`(-1)^z` at every integer :math:`z\\in\\{0,\\dots,U\\}`.

    Parameters
    ----------
    z : torch.Tensor
        Points at which to evaluate.
    levels : int
        The number :math:`U\\ge0` of the last hat.
    """
    levels = check_nonnegative_int("levels", levels)
    z = torch.as_tensor(z)
    i = torch.arange(levels + 1, dtype=z.dtype if z.is_floating_point() else DEFAULT_DTYPE)
    signs = 1 - 2 * torch.remainder(i, 2)
    return (signs * hat(z.unsqueeze(-1) - i)).sum(-1)


def path_norm(hidden: nn.Linear, output: nn.Linear) -> torch.Tensor:
    """Path norm :math:`\\sum_j |a_j|\\,(\\|w_j\\|_1 + |c_j|)` of a two-layer ReLU network.

    Parameters
    ----------
    hidden : torch.nn.Linear
        First layer, weights :math:`w_j` (rows) and biases :math:`c_j`.
    output : torch.nn.Linear
        Second layer with one output, weights :math:`a_j`. An output bias is not part of
        the path norm (the constructions here carry constants as a neuron instead).
    """
    if output.out_features != 1 or output.in_features != hidden.out_features:
        raise ValueError(
            "output must map the hidden layer's "
            f"{hidden.out_features} features to 1 output, got {output.in_features} -> {output.out_features}"
        )
    inner = hidden.weight.abs().sum(dim=1)
    if hidden.bias is not None:
        inner = inner + hidden.bias.abs()
    return (output.weight[0].abs() * inner).sum()


def _as_integer_tensor(name: str, value, ndim: int) -> torch.Tensor:
    t = torch.as_tensor(value)
    if t.is_floating_point():
        if not torch.all(t == torch.round(t)):
            raise ValueError(f"{name} must have integer entries")
        t = t.round()
    elif t.dtype == torch.bool or t.is_complex():
        raise ValueError(f"{name} must have integer entries, got dtype {t.dtype}")
    if t.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {tuple(t.shape)}")
    return t.to(torch.int64)


def random_integer_halfspaces(
    r: int, d: int, *, weight_bound: int = 3, nonempty: bool = False, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``r`` halfspaces with integer weights for :class:`HalfspaceIntersectionNet`.

    The weights :math:`w_{ij}` are uniform on :math:`\\{-w_{\\max},\\dots,w_{\\max}\\}` with
    :math:`w_{\\max}` = ``weight_bound``; the offset :math:`s_i` is uniform on
    :math:`\\{-h_i,\\dots,h_i\\}` with :math:`h_i=\\lceil\\|w_i\\|_1/4\\rceil`, so that each
    halfspace cuts the cube somewhere near its middle.

    With ``nonempty=True`` a point :math:`x_0` is also drawn uniformly from
    :math:`\\{-1,1\\}^d`, and every offset that would exclude it is lowered to
    :math:`s_i=w_i^\\top x_0-1`, the largest offset whose halfspace
    :math:`w_i^\\top x-s_i-\\tfrac12\\ge0` contains :math:`x_0`. The intersection then
    contains :math:`x_0`, so it is never empty; the weights, and the offsets that already
    contain :math:`p`, are the same as with ``nonempty=False``.

    Parameters
    ----------
    r, d : int
        Number of halfspaces and dimension, both >= 1.
    weight_bound : int
        Largest absolute weight, >= 1.
    nonempty : bool
        Lower the offsets so that the intersection contains a random point of the cube.
    seed : int
        Seed of the draw.

    Returns
    -------
    (torch.Tensor, torch.Tensor)
        Integer weights of shape ``(r, d)`` and offsets :math:`s_i` of shape ``(r,)``.
    """
    r = check_positive_int("r", r)
    d = check_positive_int("d", d)
    weight_bound = check_positive_int("weight_bound", weight_bound)
    if not isinstance(nonempty, bool):
        raise ValueError(f"nonempty must be True or False, got {nonempty!r}")
    g = generator(check_seed(seed), "halfspaces")
    W = torch.randint(-weight_bound, weight_bound + 1, (r, d), generator=g)
    h = (W.abs().sum(dim=1) + 3) // 4
    b = torch.floor(torch.rand(r, generator=g, dtype=torch.float64) * (2 * h + 1)).to(torch.int64) - h
    if nonempty:
        p = 2 * torch.randint(0, 2, (d,), generator=g) - 1
        b = torch.minimum(b, W @ p - 1)
    return W, b


def halfspace_intersection(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The target :math:`h_1(x)\\wedge\\dots\\wedge h_r(x)` as a label in :math:`\\{-1,1\\}`.

    Halfspace :math:`i` holds when :math:`w_i^\\top x - s_i - 1/2 \\ge 0`.

    Parameters
    ----------
    x : torch.Tensor
        Points of shape ``(n, d)``.
    W, b : torch.Tensor
        Integer weights ``(r, d)`` and offsets ``(r,)``.

    Returns
    -------
    torch.Tensor
        ``+1`` where every halfspace holds, ``-1`` elsewhere; shape ``(n,)``, dtype of ``x``.
    """
    W = _as_integer_tensor("W", W, 2)
    b = _as_integer_tensor("b", b, 1)
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"b must have shape ({W.shape[0]},) to match W, got {tuple(b.shape)}")
    check_input_shape(x, W.shape[1])
    margins = x @ W.to(x.dtype).T - b.to(x.dtype) - 0.5
    inside = (margins >= 0).all(dim=1)
    return torch.where(inside, 1.0, -1.0).to(x.dtype)


class HalfspaceIntersectionNet(nn.Module):
    """A two-layer ReLU network whose sign is an intersection of integer halfspaces.

    With :math:`z_i(x) = w_i^\\top x - s_i - 1/2` and :math:`x\\in\\{-1,1\\}^d`, every
    :math:`|z_i(x)|\\ge 1/2`, so :math:`\\sigma(q z_i) - \\sigma(q z_i - 1)` is exactly the
    step :math:`\\mathbf 1(z_i(x)\\ge0)` when the slope :math:`q\\ge2`. The network is

    .. math::

        g(x) = \\frac{1}{2r}\\Big(\\sum_{i=1}^r \\big[\\sigma(q z_i(x)) - \\sigma(q z_i(x)-1)\\big]
        - r + \\tau\\Big),

    with margin :math:`\\tau\\in(0,1)` (the notes take :math:`q=2`, :math:`\\tau=1/3`). The
    constant :math:`(\\tau-r)/(2r)` is produced by one extra neuron :math:`\\sigma(1)`, so the
    network has :math:`2r+1` neurons and no output bias.

    Parameters
    ----------
    W : array_like of int
        Weights, shape ``(r, d)``.
    b : array_like of int
        Offsets :math:`s_i`, shape ``(r,)``.
    slope : float
        The slope :math:`q>0` of the ReLU step (exact for :math:`q\\ge2`).
    margin : float
        The constant :math:`\\tau` in :math:`[0, 2]` (the sign is right for :math:`0<\\tau<1`).
    dtype : torch.dtype
        Floating-point type of the weights.

    Attributes
    ----------
    hidden : torch.nn.Linear
        First layer, ``d -> 2r+1``.
    output : torch.nn.Linear
        Second layer, ``2r+1 -> 1``, without bias.
    """

    def __init__(
        self,
        W,
        b,
        *,
        slope: float = 2.0,
        margin: float = 1.0 / 3.0,
        dtype: torch.dtype = DEFAULT_DTYPE,
    ) -> None:
        super().__init__()
        W = _as_integer_tensor("W", W, 2)
        b = _as_integer_tensor("b", b, 1)
        if W.shape[0] < 1 or W.shape[1] < 1:
            raise ValueError(f"W must have shape (r, d) with r, d >= 1, got {tuple(W.shape)}")
        if b.shape[0] != W.shape[0]:
            raise ValueError(f"b must have shape ({W.shape[0]},) to match W, got {tuple(b.shape)}")
        self.slope = check_positive("slope", slope)
        self.margin = check_in_range("margin", margin, 0.0, 2.0)
        self.r, self.d = W.shape
        self.register_buffer("W", W)
        self.register_buffer("b", b)
        r, a = self.r, self.slope
        Wf, bf = W.to(dtype), b.to(dtype)
        weight = torch.zeros(2 * r + 1, self.d, dtype=dtype)
        bias = torch.zeros(2 * r + 1, dtype=dtype)
        # neuron 2i: sigma(a z_i), neuron 2i+1: sigma(a z_i - 1), last neuron: sigma(1) = 1
        weight[0:2 * r:2] = a * Wf
        weight[1:2 * r:2] = a * Wf
        bias[0:2 * r:2] = -a * (bf + 0.5)
        bias[1:2 * r:2] = -a * (bf + 0.5) - 1
        bias[-1] = 1.0
        out = torch.empty(2 * r + 1, dtype=dtype)
        out[0:2 * r:2] = 1.0 / (2 * r)
        out[1:2 * r:2] = -1.0 / (2 * r)
        out[-1] = (self.margin - r) / (2 * r)
        self.hidden = nn.Linear(self.d, 2 * r + 1, dtype=dtype)
        self.output = nn.Linear(2 * r + 1, 1, bias=False, dtype=dtype)
        with torch.no_grad():
            self.hidden.weight.copy_(weight)
            self.hidden.bias.copy_(bias)
            self.output.weight.copy_(out.unsqueeze(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate :math:`g` on inputs ``x`` of shape ``(n, d)``; returns shape ``(n,)``."""
        check_input_shape(x, self.d)
        return self.output(torch.relu(self.hidden(x))).squeeze(-1)

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """The label :math:`\\mathrm{sign}(g(x))\\in\\{-1,1\\}` (0 maps to -1)."""
        return torch.where(self(x) > 0, 1.0, -1.0).to(x.dtype)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """The intersection of the halfspaces, :func:`halfspace_intersection` with this net's ``W, b``."""
        return halfspace_intersection(x, self.W, self.b)

    def path_norm(self) -> torch.Tensor:
        """The path norm :math:`\\sum_j|a_j|(\\|w_j\\|_1+|\\beta_j|)` (see :func:`path_norm`), detached."""
        with torch.no_grad():
            return path_norm(self.hidden, self.output)

    def extra_repr(self) -> str:
        return f"r={self.r}, d={self.d}, slope={self.slope}, margin={self.margin:.4g}"


class ParityNet(nn.Module):
    """A two-layer ReLU network equal to :math:`(-1)^{v^\\top x}` on :math:`\\{0,1\\}^d`.

    Since :math:`z=v^\\top x\\in\\{0,\\dots,|v|\\}`, the triangle wave gives

    .. math::

        (-1)^{v^\\top x} = \\sum_{u=0}^{U}(-1)^u\\big[&\\sigma(2v^\\top x-2u+1) \\\\
            &- 2\\sigma(2v^\\top x-2u) + \\sigma(2v^\\top x-2u-1)\\big]

    for any number of levels :math:`U\\ge|v|`; the notes take :math:`U=d`. The network has
    :math:`3(U+1)` neurons, all with first-layer weight :math:`2v`.

    Parameters
    ----------
    v : array_like of 0/1
        The selected coordinates, shape ``(d,)``.
    levels : int, optional
        The number :math:`U` of the last hat (default ``d``, as in the notes). Must be at least
        :math:`|v|=\\sum_i v_i` for the network to equal the parity.
    dtype : torch.dtype
        Floating-point type of the weights.

    Attributes
    ----------
    hidden : torch.nn.Linear
        First layer, ``d -> 3(U+1)``.
    output : torch.nn.Linear
        Second layer, ``3(U+1) -> 1``, without bias.
    """

    def __init__(self, v, *, levels: int | None = None, dtype: torch.dtype = DEFAULT_DTYPE) -> None:
        super().__init__()
        v = _as_integer_tensor("v", v, 1)
        if v.numel() < 1 or not torch.all((v == 0) | (v == 1)):
            raise ValueError("v must be a non-empty vector with entries in {0, 1}")
        self.d = v.numel()
        self.levels = self.d if levels is None else check_nonnegative_int("levels", levels)
        self.register_buffer("v", v)
        L = self.levels
        i = torch.arange(L + 1, dtype=dtype)
        sign = 1 - 2 * torch.remainder(i, 2)
        offsets = torch.stack([-2 * i + 1, -2 * i, -2 * i - 1], dim=1).reshape(-1)
        coeffs = (sign.unsqueeze(1) * torch.tensor([1.0, -2.0, 1.0], dtype=dtype)).reshape(-1)
        self.hidden = nn.Linear(self.d, 3 * (L + 1), dtype=dtype)
        self.output = nn.Linear(3 * (L + 1), 1, bias=False, dtype=dtype)
        with torch.no_grad():
            self.hidden.weight.copy_(2 * v.to(dtype).expand(3 * (L + 1), self.d))
            self.hidden.bias.copy_(offsets)
            self.output.weight.copy_(coeffs.unsqueeze(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate the network on inputs ``x`` of shape ``(n, d)``; returns shape ``(n,)``."""
        check_input_shape(x, self.d)
        return self.output(torch.relu(self.hidden(x))).squeeze(-1)

    def path_norm(self) -> torch.Tensor:
        """The path norm :math:`\\sum_j|a_j|(\\|w_j\\|_1+|c_j|)` (see :func:`path_norm`), detached."""
        with torch.no_grad():
            return path_norm(self.hidden, self.output)

    def extra_repr(self) -> str:
        return f"d={self.d}, |v|={int(self.v.sum())}, levels={self.levels}"
