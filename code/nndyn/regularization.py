"""Gradient descent on the path-norm regularised risk of E, Ma and Wu.

The explicitly regularised objective of the notes is

.. math:: \\hat{\\mathcal R}_n(\\theta) + \\lambda\\sqrt{\\frac{\\log d}{n}}\\sum_{j=1}^m|a_j|\\,\\|b_j\\|_2 .

The penalty is not differentiable where :math:`a_j=0` (as at the notes'
initialisation) or :math:`b_j=0`; automatic differentiation uses the subgradient
:math:`\\operatorname{sign}(0)=0`, so gradient descent here is subgradient descent.
"""

from __future__ import annotations

import math

import torch

from ._validation import check_nonnegative, check_positive, check_positive_int
from .losses import squared_risk
from .models import TwoLayerNet
from .training import GDModule, Trajectory, TrajectoryRecorder, fit
from .training.train import _check_data

__all__ = ["PathNormGD", "path_norm_penalty", "penalty_weight", "train_path_norm"]


def penalty_weight(lam: float, n: int, d: int) -> float:
    """The factor :math:`\\lambda\\sqrt{\\log(d)/n}` in front of the path norm.

    Raises
    ------
    ValueError
        If ``lam`` is negative or ``n``, ``d`` are not positive integers.
    """
    return check_nonnegative("lam", lam) * math.sqrt(math.log(check_positive_int("d", d)) / check_positive_int("n", n))


def path_norm_penalty(net: TwoLayerNet) -> torch.Tensor:
    """The path norm :math:`\\sum_j|a_j|\\,\\|b_j\\|_2` (times the network's output scale)."""
    if not isinstance(net, TwoLayerNet):
        raise ValueError(f"net must be a TwoLayerNet, got {type(net).__name__}")
    return net.path_norm()


class PathNormGD(GDModule):
    """:class:`~nndyn.training.GDModule` whose training risk includes the path-norm penalty.

    Parameters
    ----------
    model : TwoLayerNet
        The network.
    x, y : torch.Tensor
        Training set.
    lr : float
        Learning rate.
    weight : float
        The penalty factor :math:`\\lambda\\sqrt{\\log(d)/n}` (>= 0), see :func:`penalty_weight`.
    steps, record_every : int, optional
        As for :class:`~nndyn.training.GDModule`.
    """

    def __init__(
        self,
        model: TwoLayerNet,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        lr: float,
        weight: float,
        steps: int | None = None,
        record_every: int | None = None,
    ) -> None:
        if not isinstance(model, TwoLayerNet):
            raise ValueError(f"model must be a TwoLayerNet, got {type(model).__name__}")
        super().__init__(model, x, y, lr=lr, risk=squared_risk, steps=steps, record_every=record_every)
        self.weight = check_nonnegative("weight", weight)

    def training_risk(self) -> torch.Tensor:
        """Squared risk plus ``weight`` times the path norm."""
        return squared_risk(self.model(self.x), self.y) + self.weight * self.model.path_norm()


def train_path_norm(
    model: TwoLayerNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    steps: int,
    lam: float,
    record_every: int | None = None,
    probes: dict | None = None,
) -> Trajectory:
    """Gradient descent on the path-norm regularised risk; like :func:`nndyn.training.train`.

    ``traj.loss`` is the regularised objective; record the plain risk with the probe
    :func:`nndyn.training.probes.risk_on`. With ``lam=0`` this is plain gradient descent.

    Parameters
    ----------
    model : TwoLayerNet
        Trained in place.
    x, y : torch.Tensor
        Training set, shapes ``(n, d)`` and ``(n,)``.
    lr : float
        Learning rate (> 0).
    steps : int
        Number of steps (>= 1).
    lam : float
        Regularisation strength :math:`\\lambda\\ge0`.
    record_every : int, optional
        Steps between records (default: about 200 records).
    probes : dict, optional
        Probes to record, see :mod:`nndyn.training.probes`.
    """
    lr = check_positive("lr", lr)
    steps = check_positive_int("steps", steps)
    record_every = check_positive_int("record_every", record_every or max(1, steps // 200))
    x, y = _check_data(model, x, y)
    module = PathNormGD(model, x, y, lr=lr, weight=penalty_weight(lam, x.shape[0], x.shape[1]),
                        steps=steps, record_every=record_every)
    recorder = TrajectoryRecorder(probes)
    fit(module, callbacks=[recorder])
    step, loss, records = recorder.arrays()
    return Trajectory(step=step, t=lr * step.astype(float), loss=loss, records=records, lr=lr)
