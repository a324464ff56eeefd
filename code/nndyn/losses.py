"""Risks used in the book. Each maps predictions and labels to a scalar tensor."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._validation import check_choice

Risk = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _check_shapes(pred: torch.Tensor, y: torch.Tensor) -> None:
    if pred.shape != y.shape:
        raise ValueError(
            f"predictions and labels must have the same shape, got {tuple(pred.shape)} and {tuple(y.shape)}"
        )


def squared_risk(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The empirical risk :math:`\\hat{\\mathcal R}_n = \\frac{1}{2n}\\sum_i (f(x_i)-y_i)^2`."""
    _check_shapes(pred, y)
    return 0.5 * (pred - y).pow(2).mean()


def hinge_risk(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The hinge risk :math:`\\frac1n\\sum_i \\max(0, 1 - f(x_i) y_i)` for labels in {-1, 1}."""
    _check_shapes(pred, y)
    return torch.relu(1 - pred * y).mean()


RISKS: dict[str, Risk] = {"squared": squared_risk, "hinge": hinge_risk}
"""The risks by name."""


def get_risk(name: str | Risk) -> Risk:
    """Return the risk called ``name`` (``"squared"`` or ``"hinge"``), or ``name`` if it is callable."""
    if callable(name):
        return name
    return RISKS[check_choice("risk", name, RISKS)]
