"""Several seeds of full-batch gradient descent as one batched computation.

A figure with an error band trains the same two-layer network from several
initialisations (seeds). :func:`train_seeds` stacks the parameters of the ``S``
networks, :math:`a\\in\\mathbb R^{S\\times m}` and :math:`B\\in\\mathbb R^{S\\times m\\times d}`,
and makes every gradient step of all of them at once,

.. math:: \\theta_s \\leftarrow \\theta_s - \\eta\\,\\nabla_{\\theta_s}\\hat{\\mathcal R}_n^{(s)}(\\theta_s),
   \\qquad s = 1, \\dots, S,

with the gradients of the notes written out and batched matrix products: on shared data
the pre-activations of all seeds are one product :math:`[B_1;\\dots;B_S]\\,X^\\top`. Seed
``s`` follows, up to rounding, the trajectory that :func:`~nndyn.training.train.train`
gives ``TwoLayerNet(d, m, init=init, seed=s)``. A step of a small network is dominated by
the fixed cost of each operation, not by arithmetic, and the written-out gradients need no
autograd graph and no optimizer: eight seeds of a width-50 network cost about as much as
one seed trained by a plain autograd loop (measured in ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_dtype, check_finite_tensor, check_choice, check_positive, check_positive_int, check_seed
from ..models import INITIALIZATIONS, TwoLayerNet
from .module import TrainingDivergedError
from .trajectory import Trajectory

__all__ = ["SeedTrajectories", "stack_networks", "train_seeds"]

RISKS: tuple[str, ...] = ("squared", "hinge")
"""Risks :func:`train_seeds` knows (as for :func:`~nndyn.training.train.train`)."""


@dataclass
class SeedTrajectories:
    """What :func:`train_seeds` records: one loss curve per seed.

    Attributes
    ----------
    seeds : tuple of int
        The seeds of the initialisations, in the order of the first axis of ``loss``.
    step : numpy.ndarray
        Gradient steps taken at each record, shape ``(R,)`` (starts at 0).
    t : numpy.ndarray
        Gradient-flow time :math:`t=\\eta\\times\\text{step}`, shape ``(R,)``.
    loss : numpy.ndarray
        Training risk of every seed at every record, shape ``(S, R)``.
    a : torch.Tensor
        Final output weights of every seed, shape ``(S, m)``.
    B : torch.Tensor
        Final first-layer weights of every seed, shape ``(S, m, d)``.
    lr : float
        The learning rate :math:`\\eta`.
    output_scale : float
        The factor :math:`\\alpha` of the networks.
    """

    seeds: tuple[int, ...]
    step: np.ndarray
    t: np.ndarray
    loss: np.ndarray
    a: torch.Tensor
    B: torch.Tensor
    lr: float
    output_scale: float = 1.0

    def __len__(self) -> int:
        return len(self.seeds)

    def trajectory(self, index: int) -> Trajectory:
        """The run of seed number ``index`` (``0 <= index < len(self)``) as a :class:`~nndyn.training.trajectory.Trajectory`."""
        index = self._check_index(index)
        return Trajectory(step=self.step.copy(), t=self.t.copy(), loss=self.loss[index].copy(), lr=self.lr)

    def network(self, index: int) -> TwoLayerNet:
        """The trained network of seed number ``index``, as a stand-alone :class:`~nndyn.models.TwoLayerNet`."""
        index = self._check_index(index)
        m, d = self.B.shape[1:]
        net = TwoLayerNet(d, m, output_scale=self.output_scale, dtype=self.B.dtype)
        with torch.no_grad():
            net.a.copy_(self.a[index])
            net.B.copy_(self.B[index])
        return net

    def band(self, width: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean training risk over the seeds and an error band, each of shape ``(R,)``.

        Parameters
        ----------
        width : float
            Half-width of the band in standard deviations (> 0); the standard deviation
            over seeds uses ``ddof=1`` (0 for a single seed).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray)
            ``mean``, ``mean - width * std`` and ``mean + width * std``.
        """
        width = check_positive("width", width)
        mean = self.loss.mean(axis=0)
        std = self.loss.std(axis=0, ddof=1) if len(self) > 1 else np.zeros_like(mean)
        return mean, mean - width * std, mean + width * std

    def _check_index(self, index: int) -> int:
        if isinstance(index, bool) or not hasattr(index, "__index__") or not 0 <= int(index) < len(self):
            raise ValueError(f"index must be an integer in [0, {len(self) - 1}], got {index!r}")
        return int(index)


def stack_networks(nets: Sequence[TwoLayerNet]) -> tuple[torch.Tensor, torch.Tensor]:
    """The parameters of several networks of the same shape, stacked along a first axis.

    Parameters
    ----------
    nets : sequence of TwoLayerNet
        At least one network; all of the same ``d``, ``m`` and dtype.

    Returns
    -------
    (torch.Tensor, torch.Tensor)
        Copies of the output weights, shape ``(S, m)``, and first-layer weights, shape ``(S, m, d)``.

    Raises
    ------
    ValueError
        If ``nets`` is empty, holds something else than :class:`~nndyn.models.TwoLayerNet`,
        or networks of different shapes or dtypes.
    """
    nets = list(nets) if isinstance(nets, Sequence) else []
    if not nets or not all(isinstance(net, TwoLayerNet) for net in nets):
        raise ValueError("nets must be a non-empty sequence of TwoLayerNet")
    first = nets[0]
    for net in nets[1:]:
        if net.B.shape != first.B.shape or net.B.dtype != first.B.dtype:
            raise ValueError(
                f"nets must all have the shape and dtype of the first one ({tuple(first.B.shape)}, {first.B.dtype}), "
                f"got {tuple(net.B.shape)}, {net.B.dtype}"
            )
    with torch.no_grad():
        return torch.stack([net.a.detach() for net in nets]).clone(), torch.stack([net.B.detach() for net in nets]).clone()


def _check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0, got {seeds!r}")
    try:
        return tuple(check_seed(s) for s in seeds)
    except ValueError:
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0, got {seeds!r}") from None


def _check_batched_data(
    x: torch.Tensor, y: torch.Tensor, n_seeds: int, dtype: torch.dtype | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` of shape ``(n, d)`` or ``(S, n, d)``, ``y`` of shape ``(n,)`` or ``(S, n)``, cast to ``dtype``."""
    if not isinstance(x, torch.Tensor) or x.ndim not in (2, 3) or x.shape[-2] < 1 or x.shape[-1] < 1:
        raise ValueError(f"x must be a tensor of shape (n, d) or (S, n, d), got {getattr(x, 'shape', type(x))}")
    if x.ndim == 3 and x.shape[0] != n_seeds:
        raise ValueError(f"x of shape (S, n, d) must have S = len(seeds) = {n_seeds}, got {tuple(x.shape)}")
    if not isinstance(y, torch.Tensor) or y.shape != x.shape[:-1]:
        raise ValueError(f"y must have shape {tuple(x.shape[:-1])} to match x, got {tuple(getattr(y, 'shape', ()))}")
    if dtype is None:
        dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float64
    dtype = check_dtype(dtype)
    x = check_finite_tensor("x", x, dtype=dtype)
    y = check_finite_tensor("y", y, dtype=dtype)
    return x, y


def train_seeds(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    m: int,
    seeds: Sequence[int],
    lr: float,
    steps: int,
    init: str = "balanced",
    output_scale: float = 1.0,
    risk: str = "squared",
    record_every: int | None = None,
    dtype: torch.dtype | None = None,
) -> SeedTrajectories:
    """Train one :class:`~nndyn.models.TwoLayerNet` per seed by full-batch GD, all seeds in one computation.

    Seed ``s`` starts from ``TwoLayerNet(d, m, init=init, output_scale=output_scale, seed=s)``
    and makes ``steps`` steps of gradient descent with learning rate ``lr`` on its training
    set, exactly the steps :func:`~nndyn.training.train.train` makes on that network (equal
    up to rounding: about 1e-15 relative per step in float64). The records are those of
    :func:`~nndyn.training.train.train`: the training risk at step 0, every
    ``record_every`` steps and after the last step.

    Parameters
    ----------
    x : torch.Tensor
        Training inputs: shape ``(n, d)`` (the same data for every seed) or ``(S, n, d)``
        (data set ``s`` for seed number ``s``, ``S = len(seeds)``).
    y : torch.Tensor
        Labels, shape ``(n,)`` or ``(S, n)`` to match ``x``.
    m : int
        Width of every network (>= 1).
    seeds : sequence of int
        Seeds of the initialisations (integers >= 0), one network each.
    lr : float
        Learning rate :math:`\\eta>0`.
    steps : int
        Number of gradient steps (>= 1).
    init : {"balanced", "notes"}
        Initialisation of :class:`~nndyn.models.TwoLayerNet`.
    output_scale : float
        The factor :math:`\\alpha>0` of the networks.
    risk : {"squared", "hinge"}
        :math:`\\frac1{2n}\\sum_i(f(x_i)-y_i)^2` or :math:`\\frac1n\\sum_i\\max(0,1-y_if(x_i))`.
    record_every : int, optional
        Steps between records (default: about 200 records in all, as for
        :func:`~nndyn.training.train.train`).
    dtype : torch.dtype, optional
        Floating-point type of the parameters and data (default: the dtype of ``x``).

    Returns
    -------
    SeedTrajectories
        Per-seed loss curves, shape ``(len(seeds), records)``, and the final parameters.

    Raises
    ------
    ValueError
        For bad sizes, seeds, learning rate, initialisation or risk, or data of the wrong shape;
        the message names the parameter.
    TrainingDivergedError
        If the training risk of some seed becomes NaN or infinite; the message names ``lr``.

    Examples
    --------
    >>> from nndyn import single_neuron_data
    >>> from nndyn.training.batched import train_seeds
    >>> data = single_neuron_data(n=50, d=20, seed=0)
    >>> runs = train_seeds(data.x_train, data.y_train, m=100, seeds=range(8), lr=0.1, steps=200)
    >>> runs.loss.shape
    (8, 201)
    >>> bool((runs.loss[:, -1] < runs.loss[:, 0]).all())
    True
    """
    seeds = _check_seeds(seeds)
    m = check_positive_int("m", m)
    lr = check_positive("lr", lr)
    steps = check_positive_int("steps", steps)
    record_every = check_positive_int("record_every", max(1, steps // 200) if record_every is None else record_every)
    init = check_choice("init", init, INITIALIZATIONS)
    output_scale = check_positive("output_scale", output_scale)
    risk = check_choice("risk", risk, RISKS)
    x, y = _check_batched_data(x, y, len(seeds), dtype)
    from ..losses import check_labels

    check_labels(risk, y)
    d = x.shape[-1]

    nets = [TwoLayerNet(d, m, init=init, output_scale=output_scale, seed=s, dtype=x.dtype) for s in seeds]
    a, B = stack_networks(nets)  # (S, m) and (S, m, d)
    n_seeds, n = len(seeds), x.shape[-2]
    xt = x.transpose(-1, -2)  # (d, n): one matrix product for all seeds; (S, d, n): one per seed

    record_steps = list(range(0, steps + 1, record_every))
    if record_steps[-1] != steps:
        record_steps.append(steps)
    losses = torch.empty(n_seeds, len(record_steps), dtype=x.dtype)

    def residuals() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pre-activations (S, m, n), hidden activations (S, m, n) and outputs (S, n) of every seed."""
        pre = torch.matmul(B, xt)
        hidden = torch.relu(pre)
        return pre, hidden, output_scale * (a.unsqueeze(1) @ hidden).squeeze(1)

    def risk_of(pred: torch.Tensor) -> torch.Tensor:
        if risk == "squared":
            return 0.5 * (pred - y).pow(2).mean(dim=-1)
        return torch.relu(1 - pred * y).mean(dim=-1)

    def record(j: int, pred: torch.Tensor) -> None:
        value = risk_of(pred)
        losses[:, j] = value
        if not torch.isfinite(value).all():
            bad = [seeds[i] for i in torch.nonzero(~torch.isfinite(value)).flatten().tolist()]
            raise TrainingDivergedError(
                f"the training risk of seeds {bad} became non-finite after {record_steps[j]} steps: "
                f"gradient descent diverged; lower the learning rate (lr={lr:g})"
            )

    # The gradients written out (what autograd computes for these risks, ReLU'(0) = 0):
    #   g_i = dR/df(x_i) = (f(x_i) - y_i) / n  (squared)  or  -y_i 1{1 - y_i f(x_i) > 0} / n  (hinge),
    #   dR/da_j = alpha sum_i g_i sigma(b_j.x_i),  dR/db_j = alpha a_j sum_i g_i 1{b_j.x_i > 0} x_i.
    j = 0
    with torch.no_grad():
        for k in range(steps):
            pre, hidden, pred = residuals()  # the network after k steps
            if k == record_steps[j]:
                record(j, pred)
                j += 1
            if risk == "squared":
                g = (pred - y) * (output_scale / n)
            else:
                g = -y * (1 - pred * y > 0) * (output_scale / n)
            grad_a = (hidden @ g.unsqueeze(-1)).squeeze(-1)
            grad_b = torch.matmul((pre > 0) * a.unsqueeze(-1) * g.unsqueeze(1), x)
            a.add_(grad_a, alpha=-lr)
            B.add_(grad_b, alpha=-lr)
        record(j, residuals()[2])

    step = np.asarray(record_steps)
    return SeedTrajectories(
        seeds=seeds,
        step=step,
        t=lr * step.astype(float),
        loss=losses.numpy(),
        a=a,
        B=B,
        lr=lr,
        output_scale=output_scale,
    )
