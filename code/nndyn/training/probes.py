"""Probes: functions of a model that a training run records along its trajectory.

A probe takes the :class:`~nndyn.training.module.GDModule` being trained and returns a
tensor (a number or an array). Pass probes to :func:`nndyn.training.train` as a dict;
the returned :class:`~nndyn.training.trajectory.Trajectory` holds one row per record.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Probe = Callable[["torch.nn.Module"], torch.Tensor]


def gradient_norm(module) -> torch.Tensor:
    """Euclidean norm of the gradient of the training risk at the current parameters."""
    params = module.trainable_parameters()
    with torch.enable_grad():
        loss = module.training_risk()
        grads = torch.autograd.grad(loss, params)
    return torch.sqrt(sum(g.pow(2).sum() for g in grads)).detach()


def parameter_distance(module) -> torch.Tensor:
    """Distance :math:`\\|\\theta(t)-\\theta_0\\|` of all parameters from their initial values."""
    return torch.sqrt(
        sum((p - p0).pow(2).sum() for p, p0 in zip(module.model.parameters(), module.initial_parameters))
    ).detach()


def first_layer_max_move(module) -> torch.Tensor:
    """:math:`\\max_j \\|b_j(t) - b_j(0)\\|` for a :class:`~nndyn.models.TwoLayerNet`."""
    B0 = dict(zip((n for n, _ in module.model.named_parameters()), module.initial_parameters))["B"]
    return (module.model.B - B0).norm(dim=1).max().detach()


def predictions_on(x: torch.Tensor) -> Probe:
    """A probe that records the model's outputs on the fixed inputs ``x``."""

    def probe(module) -> torch.Tensor:
        return module.model(x.to(module.device)).detach()

    return probe


def risk_on(x: torch.Tensor, y: torch.Tensor, risk: str = "squared") -> Probe:
    """A probe that records the risk on a fixed set ``(x, y)``, e.g. a test set."""
    from ..losses import get_risk

    fn = get_risk(risk)

    def probe(module) -> torch.Tensor:
        return fn(module.model(x.to(module.device)), y.to(module.device)).detach()

    return probe
