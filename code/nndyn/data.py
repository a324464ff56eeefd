"""Input distributions and target functions.

All samplers are seeded: the same ``seed`` gives the same points. Each draws from the
``"data"`` stream of its seed (:mod:`nndyn.seeding`), never from the stream that
initialises a model with the same seed. They return
``torch.float64`` tensors unless a ``dtype`` is given, because the experiments of the
book compare quantities that differ by many orders of magnitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._validation import check_choice, check_dtype, check_positive_int, check_seed
from .seeding import derive_seed, torch_generator

DEFAULT_DTYPE = torch.float64


def generator(seed: int, role: str = "data", *index: str | int) -> torch.Generator:
    """A CPU :class:`torch.Generator` on the stream ``(role, *index)`` of ``seed``.

    Every sampler of this module draws from the ``"data"`` stream of its seed, and every
    model from the ``"init"`` stream (see :mod:`nndyn.seeding`), so a network and a data
    set made with the same seed are unrelated.
    """
    return torch_generator(check_seed(seed), role, *index)


def sample_gaussian(n: int, d: int, *, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE) -> torch.Tensor:
    """Draw ``n`` points from the standard Gaussian :math:`\\mathcal N(0, I_d)`.

    Parameters
    ----------
    n, d : int
        Number of points and dimension, both >= 1.
    seed : int
        Seed of the draw.
    dtype : torch.dtype or str
        Floating-point type of the result (``torch.float32``/``torch.float64`` or
        ``"float32"``/``"float64"``).

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``.
    """
    n = check_positive_int("n", n)
    d = check_positive_int("d", d)
    dtype = check_dtype(dtype)
    # drawn in float64 and then cast, so that every dtype gets the same points
    return torch.randn(n, d, generator=generator(seed), dtype=torch.float64).to(dtype)


def sample_sphere(n: int, d: int, *, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE) -> torch.Tensor:
    """Draw ``n`` points uniformly from the unit sphere :math:`\\mathbb S^{d-1}\\subset\\mathbb R^d`.

    A standard Gaussian vector divided by its norm is uniform on the sphere, because
    the Gaussian law is invariant under rotations.

    Parameters
    ----------
    n, d : int
        Number of points and ambient dimension, both >= 1.
    seed : int
        Seed of the draw.
    dtype : torch.dtype or str
        Floating-point type of the result (``torch.float32``/``torch.float64`` or
        ``"float32"``/``"float64"``).

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``; every row has Euclidean norm 1.
    """
    g = sample_gaussian(n, d, seed=seed, dtype=dtype)
    return g / g.norm(dim=1, keepdim=True)


def sample_hypercube(
    n: int,
    d: int,
    *,
    seed: int = 0,
    values: str = "pm1",
    dtype: torch.dtype = DEFAULT_DTYPE,
) -> torch.Tensor:
    """Draw ``n`` points uniformly from the hypercube.

    Parameters
    ----------
    n, d : int
        Number of points and dimension, both >= 1.
    seed : int
        Seed of the draw.
    values : {"pm1", "01"}
        ``"pm1"`` draws from :math:`\\{-1, 1\\}^d`, ``"01"`` from :math:`\\{0, 1\\}^d`.
    dtype : torch.dtype or str
        Floating-point type of the result (``torch.float32``/``torch.float64`` or
        ``"float32"``/``"float64"``).

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)`` with independent fair coordinates.
    """
    n = check_positive_int("n", n)
    d = check_positive_int("d", d)
    check_choice("values", values, ("pm1", "01"))
    dtype = check_dtype(dtype)
    bits = torch.randint(0, 2, (n, d), generator=generator(seed)).to(dtype)
    return 2 * bits - 1 if values == "pm1" else bits


def single_neuron_target(x: torch.Tensor, coordinate: int = 0) -> torch.Tensor:
    """The single-neuron target :math:`f^*(x) = \\sigma(x^{(1)})`.

    Parameters
    ----------
    x : torch.Tensor
        Inputs of shape ``(n, d)``.
    coordinate : int
        Which coordinate the neuron reads (0-based; the notes use the first).

    Returns
    -------
    torch.Tensor
        Shape ``(n,)``.
    """
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, d), got shape {tuple(x.shape)}")
    if not 0 <= coordinate < x.shape[1]:
        raise ValueError(f"coordinate must be in [0, {x.shape[1] - 1}], got {coordinate}")
    return torch.relu(x[:, coordinate])


@dataclass(frozen=True)
class RegressionData:
    """A training set and a test set drawn from the same law."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def n(self) -> int:
        """Number of training points."""
        return self.x_train.shape[0]

    @property
    def d(self) -> int:
        """Input dimension."""
        return self.x_train.shape[1]


def single_neuron_data(
    n: int, d: int, *, n_test: int = 1000, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE
) -> RegressionData:
    """Training and test points uniform on :math:`\\mathbb S^{d-1}`, labelled by :math:`\\sigma(x^{(1)})`.

    The training set and the test set draw from the streams ``"train"`` and ``"test"``
    of ``seed`` (:func:`nndyn.seeding.derive_seed`), so they are independent of each
    other and of any network initialised with the same seed.
    """
    check_seed(seed)
    x = sample_sphere(n, d, seed=derive_seed(seed, "train"), dtype=dtype)
    x_test = sample_sphere(n_test, d, seed=derive_seed(seed, "test"), dtype=dtype)
    return RegressionData(x, single_neuron_target(x), x_test, single_neuron_target(x_test))


def hypercube_points(d: int, *, values: str = "pm1", dtype: torch.dtype = DEFAULT_DTYPE) -> torch.Tensor:
    """All :math:`2^d` points of the hypercube, one per row, in binary-counting order.

    Row ``k`` holds the binary digits of ``k`` (most significant first), mapped to
    :math:`\\{0,1\\}` or, with ``values="pm1"``, to :math:`\\{-1,1\\}` by :math:`b\\mapsto 2b-1`.

    Parameters
    ----------
    d : int
        Dimension, between 1 and 24 (the table has :math:`2^d` rows).
    values : {"pm1", "01"}
        Which hypercube.
    """
    d = check_positive_int("d", d)
    if d > 24:
        raise ValueError(f"d must be in [1, 24] to enumerate the hypercube, got {d}")
    check_choice("values", values, ("pm1", "01"))
    k = torch.arange(2**d).unsqueeze(1)
    shifts = torch.arange(d - 1, -1, -1)
    bits = ((k >> shifts) & 1).to(dtype)
    return 2 * bits - 1 if values == "pm1" else bits


def parity_target(x: torch.Tensor, v: torch.Tensor | None = None, *, values: str = "pm1") -> torch.Tensor:
    """The parity :math:`f_v(x)` of the coordinates selected by ``v``.

    On :math:`\\{0,1\\}^d` (``values="01"``) this is :math:`(-1)^{v^\\top x}`; on
    :math:`\\{-1,1\\}^d` (``values="pm1"``) it is :math:`\\prod_{i: v_i=1} x_i`, the same
    function after the change of variables :math:`x\\mapsto(1-x)/2`.

    Parameters
    ----------
    x : torch.Tensor
        Points of shape ``(n, d)``.
    v : torch.Tensor, optional
        A 0/1 vector of length ``d`` (default: all ones, the full parity).
    values : {"pm1", "01"}
        Which hypercube ``x`` lives on.

    Returns
    -------
    torch.Tensor
        Labels in :math:`\\{-1,1\\}`, shape ``(n,)``, dtype of ``x``.
    """
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, d), got shape {tuple(x.shape)}")
    check_choice("values", values, ("pm1", "01"))
    d = x.shape[1]
    v = torch.ones(d, dtype=x.dtype) if v is None else torch.as_tensor(v, dtype=x.dtype)
    if v.shape != (d,):
        raise ValueError(f"v must have shape ({d},) to match x, got {tuple(v.shape)}")
    if values == "01":
        return 1 - 2 * torch.remainder(x @ v, 2)
    signs = torch.where(v.bool(), x, torch.ones_like(x))
    return signs.prod(dim=1)


def all_parities(x: torch.Tensor) -> torch.Tensor:
    """The values of all :math:`2^d` parities :math:`\\chi_S(x)=\\prod_{i\\in S}x_i` on the rows of ``x``.

    The parities are the orthonormal basis of functions on :math:`\\{-1,1\\}^d` (chapters 3
    and 4); chapter 4's experiment :mod:`nndyn.experiments.parity_population_gd` evaluates
    them on the whole cube, ``hypercube_points(d)``, to sum gradients over every target.

    Parameters
    ----------
    x : torch.Tensor
        Points of :math:`\\{-1,1\\}^d` (every entry -1 or 1), shape ``(n, d)`` with
        ``1 <= d <= 20``, for example ``hypercube_points(d)`` or ``sample_hypercube(n, d)``.

    Returns
    -------
    torch.Tensor
        Shape ``(2**d, n)``, dtype of ``x``; row ``s`` is the parity of the set whose
        indicator is the binary expansion of ``s`` (most significant digit first, as in
        :func:`hypercube_points`); row 0 is the constant 1.

    Raises
    ------
    ValueError
        If ``x`` is not of shape ``(n, d)`` with ``d <= 20``, or has an entry other than
        -1 and 1 (points of :math:`\\{0,1\\}^d` must be mapped by :math:`b\\mapsto 1-2b`).
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or not 1 <= x.shape[1] <= 20 or x.shape[0] < 1:
        raise ValueError(f"x must have shape (n, d) with n >= 1 and 1 <= d <= 20, got shape {tuple(getattr(x, 'shape', ()))}")
    if not bool(((x == 1) | (x == -1)).all()):
        raise ValueError("x must hold points of {-1, 1}^d (every entry -1 or 1); map 0/1 points with 1 - 2 * x")
    d = x.shape[1]
    dtype = x.dtype if x.is_floating_point() else DEFAULT_DTYPE
    x = x.to(dtype)
    sets = hypercube_points(d, values="01", dtype=dtype)  # (2^d, d) indicators
    bits = (1 - x) / 2  # x_i = (-1)^{bits_i}
    return 1 - 2 * torch.remainder(sets @ bits.T, 2)
