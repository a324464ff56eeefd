"""Probes: functions of a model that a training run records along its trajectory.

A probe takes the :class:`~nndyn.training.module.GDModule` being trained and returns a
tensor (a number or an array of fixed shape) or a Python number. Pass probes to
:func:`nndyn.training.train` as a dict ``{name: probe}``; the returned
:class:`~nndyn.training.trajectory.Trajectory` holds one row per record. Names ``step``,
``t``, ``loss`` and ``lr`` are the trajectory's own and are refused. Inputs given to
:func:`predictions_on` and :func:`risk_on` are cast to the model's dtype.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Probe = Callable[["torch.nn.Module"], torch.Tensor]


def _check_module(probe: str, module) -> None:
    """Raise a one-line :class:`TypeError` unless ``module`` is a training module (what ``train`` passes to a probe)."""
    if not (hasattr(module, "model") and hasattr(module, "initial_parameters") and hasattr(module, "training_risk")):
        raise TypeError(
            f"{probe} is a probe: its argument module must be the training module that train() passes to it, "
            f"got {type(module).__name__}; use train(..., probes={{'name': probes.{probe}}}) instead of calling it on a network"
        )


def gradient_norm(module) -> torch.Tensor:
    """Euclidean norm of the gradient of the training risk at the current parameters."""
    _check_module("gradient_norm", module)
    params = module.trainable_parameters()
    with torch.enable_grad():
        loss = module.training_risk()
        grads = torch.autograd.grad(loss, params)
    return torch.sqrt(sum(g.pow(2).sum() for g in grads)).detach()


def parameter_distance(module) -> torch.Tensor:
    """Distance :math:`\\|\\theta(t)-\\theta_0\\|` of all parameters from their initial values."""
    _check_module("parameter_distance", module)
    return torch.sqrt(
        sum((p - p0).pow(2).sum() for p, p0 in zip(module.model.parameters(), module.initial_parameters))
    ).detach()


def first_layer_max_move(module) -> torch.Tensor:
    """:math:`\\max_j \\|b_j(t) - b_j(0)\\|` for a :class:`~nndyn.models.TwoLayerNet`.

    Raises
    ------
    ValueError
        If the trained model has no first-layer weight ``B`` of shape ``(m, d)`` (e.g. a deep network).
    """
    _check_module("first_layer_max_move", module)
    names = [n for n, _ in module.model.named_parameters()]
    B = getattr(module.model, "B", None)
    if "B" not in names or B is None or B.ndim != 2:
        raise ValueError(
            f"first_layer_max_move needs a model with a first-layer weight B of shape (m, d), such as a TwoLayerNet; "
            f"module.model is a {type(module.model).__name__}"
        )
    B0 = dict(zip(names, module.initial_parameters))["B"]
    return (module.model.B - B0).norm(dim=1).max().detach()


def _model_dtype(module) -> torch.dtype:
    first = next(module.model.parameters(), None)
    return torch.get_default_dtype() if first is None else first.dtype


def predictions_on(x: torch.Tensor) -> Probe:
    """A probe that records the model's outputs on the fixed inputs ``x`` (cast to the model's dtype)."""
    from .._validation import check_finite_tensor

    x = check_finite_tensor("x", x, ndim=2)

    def probe(module) -> torch.Tensor:
        _check_module("predictions_on(x)", module)
        return module.model(x.to(device=module.device, dtype=_model_dtype(module))).detach()

    return probe


def risk_on(x: torch.Tensor, y: torch.Tensor, risk: str = "squared") -> Probe:
    """A probe that records the risk on a fixed set ``(x, y)``, e.g. a test set.

    ``x`` and ``y`` are checked like the training data of :func:`~nndyn.training.train`
    (finite, non-empty, matching lengths; labels in {-1, 1} for the hinge risk) and cast
    to the model's dtype. A risk must return one number; a vector-valued risk raises a
    :class:`ValueError` when the probe first runs.
    """
    from .._validation import check_finite_tensor
    from ..losses import check_labels, get_risk

    fn = get_risk(risk)
    x = check_finite_tensor("x", x, ndim=2)
    y = check_finite_tensor("y", y, ndim=1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {tuple(y.shape)}")
    check_labels(risk, y)

    def probe(module) -> torch.Tensor:
        _check_module("risk_on(x, y)", module)
        dtype = _model_dtype(module)
        value = fn(module.model(x.to(device=module.device, dtype=dtype)), y.to(device=module.device, dtype=dtype))
        if value.numel() != 1:
            raise ValueError(f"risk_on: the risk must return one number, got shape {tuple(value.shape)}")
        return value.detach()

    return probe
