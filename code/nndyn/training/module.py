"""Full-batch gradient descent as a Lightning module."""

from __future__ import annotations

import pytorch_lightning as pl
import torch

from ..losses import get_risk


class TrainingDivergedError(FloatingPointError):
    """The training risk became NaN or infinite: the learning rate is too large."""


class GDModule(pl.LightningModule):
    """Gradient descent :math:`\\theta_{k+1}=\\theta_k-\\eta\\nabla\\hat{\\mathcal R}_n(\\theta_k)`
    on a fixed training set.

    Each ``training_step`` takes as its batch the number of gradient steps to make and
    makes them in a row (manual optimisation). Grouping steps this way keeps
    Lightning's per-call bookkeeping off the critical path: see ``benchmarks/``.

    Parameters
    ----------
    model : torch.nn.Module
        The model to train; its parameters with ``requires_grad`` are updated.
    x, y : torch.Tensor
        The training set, shapes ``(n, d)`` and ``(n,)``.
    lr : float
        Learning rate :math:`\\eta > 0`.
    risk : str or callable
        ``"squared"`` (:math:`\\frac1{2n}\\sum_i(f(x_i)-y_i)^2`), ``"hinge"``, or a
        function ``risk(pred, y)``.
    """

    def __init__(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, lr: float, risk="squared") -> None:
        super().__init__()
        self.automatic_optimization = False
        self.model = model
        self.register_buffer("x", x)
        self.register_buffer("y", y)
        self.lr = lr
        self.risk = get_risk(risk)
        self.steps_done = 0
        self._initial = [p.detach().clone() for p in model.parameters()]

    @property
    def initial_parameters(self) -> list[torch.Tensor]:
        """The model's parameters at the start of training, on the model's device."""
        device = next(self.model.parameters()).device
        self._initial = [p.to(device) for p in self._initial]
        return self._initial

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        """The parameters that gradient descent updates."""
        return [p for p in self.model.parameters() if p.requires_grad]

    def training_risk(self) -> torch.Tensor:
        """The risk of the model on the training set."""
        return self.risk(self.model(self.x), self.y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.trainable_parameters(), lr=self.lr)

    def training_step(self, batch: int, batch_idx: int) -> None:
        # Plain autograd inside the loop: the full-batch problem runs on one device, and
        # Lightning's backward hooks would cost more than a small network's step.
        optimizer = self.optimizers(use_pl_optimizer=False)
        for _ in range(int(batch)):
            optimizer.zero_grad(set_to_none=True)
            self.training_risk().backward()
            optimizer.step()
        self.steps_done += int(batch)

    def check_finite(self, loss: torch.Tensor) -> None:
        """Raise :class:`TrainingDivergedError` if ``loss`` is NaN or infinite."""
        if not torch.isfinite(loss).all():
            raise TrainingDivergedError(
                f"the training risk became {loss.item()} after {self.steps_done} steps: "
                f"gradient descent diverged; lower the learning rate (lr={self.lr:g})"
            )
