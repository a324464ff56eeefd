"""``train``: run gradient descent through Lightning and return a trajectory."""

from __future__ import annotations

from collections.abc import Sequence

from typing import TYPE_CHECKING

import torch

from .._validation import check_finite_tensor, check_positive, check_positive_int
from .probes import Probe
from .trajectory import Trajectory

if TYPE_CHECKING:  # Lightning is imported when a training starts, not with the package
    import pytorch_lightning as pl


def _model_dtype(model: torch.nn.Module) -> torch.dtype:
    first = next(model.parameters(), None)
    if first is None:
        raise ValueError(f"model must have parameters to train, got {type(model).__name__} with none")
    return first.dtype


def check_data(model: torch.nn.Module, x, y, *, risk="squared", bias_input: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)`` checked and cast to the model's dtype, as :func:`train` uses them.

    Raises
    ------
    ValueError
        Naming ``x`` or ``y``: not a tensor, wrong shape, empty, NaN or infinite entries,
        or (for the hinge risk) labels outside {-1, 1}.
    """
    from ..losses import check_labels

    dtype = _model_dtype(model)
    x = check_finite_tensor("x", x, ndim=2, dtype=dtype)
    y = check_finite_tensor("y", y, ndim=1, dtype=dtype)
    if bias_input:
        x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], dim=1)
    d = getattr(model, "d", x.shape[1])
    if x.shape[1] != d:
        extra = " (with the bias column)" if bias_input else ""
        raise ValueError(f"x must have shape (n, {d}) to match the model's input dimension, got {tuple(x.shape)}{extra}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {tuple(y.shape)}")
    check_labels(risk, y)
    return x, y


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
    bias_input: bool = False,
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
        Training inputs ``(n, d)`` and labels ``(n,)``, cast to the model's dtype (any
        float or integer tensor, or a NumPy array). They are checked first: NaN, infinite
        or empty data raise a :class:`ValueError` naming ``x`` or ``y``.
    lr : float
        Learning rate :math:`\\eta>0`. Time along the trajectory is :math:`t=\\eta k`
        after :math:`k` steps, the time of the gradient flow that GD discretises. In the
        notes' parametrisation of :class:`~nndyn.models.TwoLayerNet` (no :math:`1/m` in
        front of the sum) stable learning rates scale like :math:`1/m`: ``lr=40/m`` is
        the book's choice on the sphere, and ``lr=0.1`` at ``m=500`` diverges.
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
    bias_input : bool
        Append a constant column of ones to ``x`` (like the online trainer's
        ``bias_input``); the model must then take ``d + 1`` inputs. Simpler: build the
        model with ``bias=True`` (:class:`~nndyn.models.TwoLayerNet`), which adds the
        column itself everywhere, probes included.

    Returns
    -------
    Trajectory
        Steps, times, training risk and the probes, as NumPy arrays.

    Raises
    ------
    ValueError
        For a non-positive ``lr``, ``steps`` or ``record_every``; data that is not finite,
        empty, or whose shape does not match the model; labels outside {-1, 1} with
        ``risk="hinge"``; a risk that does not return one number; a bad probe.
    TypeError
        For ``probes`` that are not a dict of functions, or a probe returning something
        other than a tensor or a number.
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
    from .module import GDModule
    from .recorder import TrajectoryRecorder
    from .session import fit

    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    x, y = check_data(model, x, y, risk=risk, bias_input=bias_input)
    recorder = TrajectoryRecorder(probes)
    module = GDModule(model, x, y, lr=lr, risk=risk, steps=steps, record_every=record_every)
    with torch.no_grad():
        first = module.training_risk()
    if first.numel() != 1:
        raise ValueError(f"risk must return one number, got a tensor of shape {tuple(first.shape)}")
    fit(module, accelerator=accelerator, callbacks=[recorder, *callbacks])
    step, loss, records = recorder.arrays()
    model.to(x.device)
    return Trajectory(step=step, t=lr * step.astype(float), loss=loss, records=records, lr=lr)


_check_data = check_data  # the former private name (nndyn.regularization uses it)
