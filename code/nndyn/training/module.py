"""Full-batch gradient descent as a Lightning module."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, IterableDataset

from .._validation import check_positive_int
from ..losses import RISKS, get_risk
from .schedule import step_schedule
from .session import log_step_metrics
from .trajectory import TrainingDivergedError  # noqa: F401  (raised here; defined without Lightning)


class _StepGroups(IterableDataset):
    """The sizes of the step groups still to make, as an iterable dataset."""

    def __init__(self, groups: list[int]) -> None:
        super().__init__()
        self.groups = list(groups)

    def __iter__(self):
        return iter(self.groups)


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
    steps : int, optional
        Total number of gradient steps; with ``record_every`` it defines the module's
        ``train_dataloader``, which yields what is left after ``steps_done`` (so that a
        restored checkpoint continues where it stopped).
    record_every : int, optional
        Steps per ``training_step`` (the last may be shorter; default: all at once).

    Notes
    -----
    Inside a run of the command line every step writes a row of ``metrics.csv`` with the
    value of what gradient descent minimises at that step (before the step), under a name
    that says what it is (:meth:`step_metrics`): ``train_risk`` for the squared and hinge
    risks, ``objective`` for any other function (a scaled or penalised risk), or the
    columns that a risk function names itself through a ``columns(pred, y)`` attribute
    (one training risk per width for :func:`nndyn.widths.weighted_risk`).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        lr: float,
        risk="squared",
        steps: int | None = None,
        record_every: int | None = None,
    ) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.model = model
        self.register_buffer("x", x)
        self.register_buffer("y", y)
        self.lr = lr
        self.risk = get_risk(risk)
        self.total_steps = None if steps is None else check_positive_int("steps", steps)
        self.record_every = check_positive_int("record_every", record_every or steps or 1)
        self.steps_done = 0
        self._initial = [p.detach().clone() for p in model.parameters()]
        # A named risk of the package is a risk; any other function (or a subclass that
        # overrides training_risk, like a penalised risk) is an objective.
        plain = type(self).training_risk is GDModule.training_risk
        self.objective_name = "train_risk" if plain and (isinstance(risk, str) or risk in RISKS.values()) else "objective"
        self._columns = getattr(self.risk, "columns", None) if plain else None

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

    def train_dataloader(self) -> DataLoader:
        """The gradient steps still to make, in groups of ``record_every`` (one group per ``training_step``).

        An iterable without a length: Lightning then takes the loader as it is when it
        resumes mid-run, instead of counting the batches done before the checkpoint twice.
        """
        if self.total_steps is None:
            raise ValueError("GDModule needs steps= (and record_every=) to make its own data loader")
        return DataLoader(_StepGroups(step_schedule(self.total_steps - self.steps_done, self.record_every)), batch_size=None)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.trainable_parameters(), lr=self.lr)

    def step_metrics(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The objective at the current parameters (with its graph) and the ``metrics.csv`` columns of this step.

        The columns are ``{objective_name: objective}``, or, when the risk function has a
        ``columns(pred, y)`` attribute (a dict of names to numbers), those columns: a
        weighted sum of several risks is then logged as the risks it sums.
        """
        if self._columns is None:
            risk = self.training_risk()
            return risk, {self.objective_name: risk.detach()}
        pred = self.model(self.x)
        risk = self.risk(pred, self.y)
        with torch.no_grad():
            return risk, {name: value.detach() for name, value in self._columns(pred, self.y).items()}

    def training_step(self, batch: int, batch_idx: int) -> None:
        # Plain autograd inside the loop: the full-batch problem runs on one device, and
        # Lightning's backward hooks would cost more than a small network's step.
        optimizer = self.optimizers(use_pl_optimizer=False)
        log = self.trainer.logger is not None
        rows = []
        for _ in range(int(batch)):
            optimizer.zero_grad(set_to_none=True)
            if log:
                risk, metrics = self.step_metrics()
                rows.append(metrics)
            else:
                risk = self.training_risk()
            risk.backward()
            optimizer.step()
        for k, metrics in enumerate(rows):
            log_step_metrics(self, {name: value.item() for name, value in metrics.items()}, step=self.steps_done + k)
        self.steps_done += int(batch)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["gd"] = {"steps_done": self.steps_done}

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.steps_done = int(checkpoint.get("gd", {}).get("steps_done", 0))

    def check_finite(self, loss: torch.Tensor) -> None:
        """Raise :class:`TrainingDivergedError` if ``loss`` is NaN or infinite."""
        if not torch.isfinite(loss).all():
            raise TrainingDivergedError(
                f"the training risk became {loss.item()} after {self.steps_done} steps: "
                f"gradient descent diverged; lower the learning rate (lr={self.lr:g})"
            )
