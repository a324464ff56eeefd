"""``train``: run gradient descent through Lightning and return a trajectory."""

from __future__ import annotations

from collections.abc import Sequence

import pytorch_lightning as pl
import torch

from .._validation import check_positive, check_positive_int
from .module import GDModule
from .probes import Probe
from .recorder import TrajectoryRecorder
from .schedule import step_schedule  # noqa: F401  (re-exported)
from .session import fit, quiet_trainer  # noqa: F401  (quiet_trainer re-exported)
from .trajectory import Trajectory


def _check_data(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"x must be a tensor of shape (n, d), got {getattr(x, 'shape', type(x))}")
    d = getattr(model, "d", x.shape[1])
    if x.shape[1] != d:
        raise ValueError(f"x must have shape (n, {d}) to match the model's input dimension, got {tuple(x.shape)}")
    if not isinstance(y, torch.Tensor) or y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {tuple(getattr(y, 'shape', ()))}")
    dtype = next(model.parameters()).dtype
    return x.to(dtype), y.to(dtype)


def train(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    steps: int,
    risk="squared",
    record_every: int | None = None,
    probes: dict[str, Probe] | None = None,
    accelerator: str = "cpu",
    callbacks: Sequence[pl.Callback] = (),
) -> Trajectory:
    """Train ``model`` by full-batch gradient descent and return its trajectory.

    The model is updated in place. Steps run in groups of ``record_every`` inside one
    Lightning ``training_step``; after each group the training risk and every probe are
    recorded.

    Parameters
    ----------
    model : torch.nn.Module
        For example a :class:`~nndyn.models.TwoLayerNet`.
    x, y : torch.Tensor
        Training inputs ``(n, d)`` and labels ``(n,)``.
    lr : float
        Learning rate :math:`\\eta>0`. Time along the trajectory is :math:`t=\\eta k`
        after :math:`k` steps, the time of the gradient flow that GD discretises.
    steps : int
        Number of gradient steps (>= 1).
    risk : str or callable
        ``"squared"``, ``"hinge"``, or a function ``risk(pred, y)``.
    record_every : int, optional
        Steps between records (default: about 200 records in all).
    probes : dict[str, callable], optional
        Extra quantities to record, see :mod:`nndyn.training.probes`.
    accelerator : str
        Lightning accelerator (``"cpu"``, ``"gpu"``, ``"auto"``).
    callbacks : sequence of pytorch_lightning.Callback
        More Lightning callbacks.

    Returns
    -------
    Trajectory
        Steps, times, training risk and the probes, as NumPy arrays.

    Raises
    ------
    ValueError
        For a non-positive ``lr``, ``steps`` or ``record_every``, or data whose shape
        does not match the model.
    TrainingDivergedError
        If the training risk becomes NaN or infinite; the message names ``lr``.

    Examples
    --------
    >>> from nndyn import TwoLayerNet, single_neuron_data, train
    >>> data = single_neuron_data(n=50, d=20, seed=0)
    >>> net = TwoLayerNet(d=20, m=100, seed=0)
    >>> traj = train(net, data.x_train, data.y_train, lr=0.1, steps=100)
    >>> bool(traj.loss[-1] < traj.loss[0])
    True
    """
    lr = check_positive("lr", lr)
    steps = check_positive_int("steps", steps)
    record_every = check_positive_int("record_every", max(1, steps // 200) if record_every is None else record_every)
    x, y = _check_data(model, x, y)
    module = GDModule(model, x, y, lr=lr, risk=risk, steps=steps, record_every=record_every)
    recorder = TrajectoryRecorder(probes)
    fit(module, accelerator=accelerator, callbacks=[recorder, *callbacks])
    step, loss, records = recorder.arrays()
    model.to(x.device)
    return Trajectory(step=step, t=lr * step.astype(float), loss=loss, records=records, lr=lr)
