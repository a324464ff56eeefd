"""``train``: run gradient descent through Lightning and return a trajectory."""

from __future__ import annotations

from collections.abc import Sequence

from typing import TYPE_CHECKING

import torch

from .._validation import check_choice, check_finite_tensor, check_positive, check_positive_int
from .probes import Probe
from .trajectory import Trajectory, TrainingInterrupted

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
        Learning rate :math:`\\eta>0`, a real number (a Python or NumPy number; ``True``
        and strings such as ``'0.1'`` are refused, as by the experiments' ``Config``). Time along the trajectory is :math:`t=\\eta k`
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
        More Lightning callbacks (instances of ``pytorch_lightning.Callback``; a plain
        function is refused: record a quantity with ``probes`` instead).
    bias_input : bool
        Append a constant column of ones to ``x`` (like the online trainer's
        ``bias_input``); the model must then take ``d + 1`` inputs. Simpler: build the
        model with ``bias=True`` (:class:`~nndyn.models.TwoLayerNet`), which adds the
        column itself everywhere, probes included.

    Returns
    -------
    Trajectory
        Steps, times, training risk and the probes, as NumPy arrays.

    Notes
    -----
    The global torch random state (``torch.get_rng_state()``) is the same after the call
    as before it: Lightning's data loader draws a seed from it, and ``train`` puts it
    back, so a call does not change what the global generator gives afterwards.

    Raises
    ------
    ValueError
        For a non-positive ``lr``, ``steps`` or ``record_every``; an ``accelerator`` other
        than ``"cpu"``, ``"gpu"``, ``"auto"``; data that is not finite,
        empty, or whose shape does not match the model; labels outside {-1, 1} with
        ``risk="hinge"``; a risk that does not return one number; a bad probe.
    TypeError
        For ``probes`` that are not a dict of functions, or a probe returning something
        other than a tensor or a number.
    TrainingDivergedError
        If the training risk becomes NaN or infinite; the message names ``lr``.
    TrainingInterrupted
        On Ctrl-C (a :class:`KeyboardInterrupt`, so ``except KeyboardInterrupt`` catches
        it): its ``.trajectory`` holds the records made so far, and the model keeps the
        parameters it had reached.

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
    check_choice("accelerator", accelerator, ("cpu", "gpu", "auto"))
    from .module import GDModule
    from .recorder import TrajectoryRecorder
    from .session import fit

    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    callbacks = check_callbacks(callbacks)
    x, y = check_data(model, x, y, risk=risk, bias_input=bias_input)
    recorder = TrajectoryRecorder(probes)
    module = GDModule(model, x, y, lr=lr, risk=risk, steps=steps, record_every=record_every)
    with torch.no_grad():
        first = module.training_risk()
    if first.numel() != 1:
        raise ValueError(f"risk must return one number, got a tensor of shape {tuple(first.shape)}")
    rng_state = torch.get_rng_state()
    try:
        fit(module, accelerator=accelerator, callbacks=[recorder, *callbacks])
    except KeyboardInterrupt:
        model.to(x.device)
        raise TrainingInterrupted(_trajectory(recorder, lr)) from None
    finally:
        torch.set_rng_state(rng_state)
    model.to(x.device)
    return _trajectory(recorder, lr)


def _trajectory(recorder, lr: float) -> Trajectory:
    """What ``recorder`` holds as a :class:`Trajectory` (cut to the last record every probe finished)."""
    step, loss, records = recorder.arrays()
    n = min([len(step), *(len(values) for values in recorder.values.values())])
    if n < len(step):  # interrupted between the training risk and a probe of one record
        step, loss, records = step[:n], loss[:n], {k: v[:n] for k, v in records.items()}
    return Trajectory(step=step, t=lr * step.astype(float), loss=loss, records=records, lr=lr)


def check_callbacks(callbacks) -> list:
    """``callbacks`` as a list of Lightning callbacks, or a one-line :class:`TypeError` naming ``callbacks``."""
    import pytorch_lightning as pl

    if isinstance(callbacks, pl.Callback):
        callbacks = [callbacks]
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of pytorch_lightning.Callback, got a {type(callbacks).__name__}")
    callbacks = list(callbacks)
    for item in callbacks:
        if not isinstance(item, pl.Callback):
            raise TypeError(
                f"callbacks must hold pytorch_lightning.Callback instances, got a {type(item).__name__} ({item!r:.60}); "
                "to record a quantity along the run, pass a function as a probe: probes={'name': function}"
            )
    return callbacks


_check_data = check_data  # the former private name (nndyn.regularization uses it)
