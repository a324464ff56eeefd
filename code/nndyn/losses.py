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
    """The hinge risk :math:`\\frac1n\\sum_i \\max(0, 1 - f(x_i) y_i)` for labels in {-1, 1}.

    The labels are not checked here (this runs at every step); :func:`nndyn.training.train.train` and
    :func:`nndyn.training.probes.risk_on` check them once with :func:`check_labels`.
    """
    _check_shapes(pred, y)
    return torch.relu(1 - pred * y).mean()


RISKS: dict[str, Risk] = {"squared": squared_risk, "hinge": hinge_risk}
"""The risks by name."""


def get_risk(name: str | Risk) -> Risk:
    """Return the risk called ``name`` (``"squared"`` or ``"hinge"``), or ``name`` if it is callable."""
    if callable(name):
        return name
    if not isinstance(name, str):
        raise ValueError(f"risk must be 'squared', 'hinge' or a function risk(pred, y), got {name!r}")
    return RISKS[check_choice("risk", name, RISKS)]


def check_labels(risk, y: torch.Tensor) -> None:
    """Raise :class:`ValueError` if ``risk`` is ``"hinge"`` and ``y`` has a label outside {-1, 1}."""
    if isinstance(risk, str) and risk == "hinge" or risk is hinge_risk:
        bad = ~((y == 1) | (y == -1))
        if bool(bad.any()):
            example = float(y[bad][0])
            raise ValueError(
                f"y must hold labels in {{-1, 1}} for the hinge risk; {int(bad.sum())} labels are not, e.g. {example:g} "
                "(use risk='squared' for real-valued targets)"
            )
