"""Online SGD on the parity problem: a fresh batch every step.

Online SGD never reuses a sample: step :math:`k` draws a new batch
:math:`x_1,\\dots,x_B\\sim\\mathrm{Unif}(\\{-1,1\\}^d)` labelled by the full parity
:math:`f(x)=\\prod_i x_i`, so each step is an unbiased estimate of a gradient step on
the *population* risk.

The data stream is an :class:`~torch.utils.data.IterableDataset` whose whole state is
``(seed, start_step)``: the batch of step ``k`` on rank ``r`` is drawn from its own
stream ``derive_seed(seed, "batches", k * world_size + r)`` (:mod:`nndyn.seeding`). A run can therefore be checkpointed and resumed (the module
saves ``steps_done``), and on several devices every rank draws its own batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, IterableDataset

from .._validation import check_in_range, check_positive, check_positive_int, check_seed, check_nonnegative_int
from ..data import parity_target, sample_hypercube
from ..losses import hinge_risk
from ..seeding import derive_seed
from .module import TrainingDivergedError
from .session import fit, log_step_metrics



def stream_seed(seed: int, step: int, rank: int = 0, world_size: int = 1) -> int:
    """The seed of the batch drawn at ``step`` on ``rank`` (a deterministic integer >= 0).

    Parameters
    ----------
    seed : int
        Seed of the whole stream (>= 0).
    step : int
        Step index (>= 0).
    rank, world_size : int
        Rank of the device (``0 <= rank < world_size``) and number of devices.
    """
    check_seed(seed)
    step = check_nonnegative_int("step", step)
    world_size = check_positive_int("world_size", world_size)
    rank = check_nonnegative_int("rank", rank)
    if rank >= world_size:
        raise ValueError(f"rank must be in [0, {world_size - 1}], got {rank}")
    return derive_seed(seed, "batches", step * world_size + rank)


def with_bias_input(x: torch.Tensor, bias_input: bool) -> torch.Tensor:
    """``x`` with a constant column of ones appended when ``bias_input`` is true."""
    if not bias_input:
        return x
    return torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], dim=1)


def check_subset(subset, d: int) -> torch.Tensor | None:
    """``subset`` as a 0/1 float64 tensor of shape ``(d,)`` (``None`` stays ``None``: the full parity).

    Raises
    ------
    ValueError
        If ``subset`` is not a 0/1 vector of length ``d``.
    """
    if subset is None:
        return None
    v = torch.as_tensor(subset, dtype=torch.float64).detach().cpu()
    if v.shape != (d,) or not bool(((v == 0) | (v == 1)).all()):
        raise ValueError(f"subset must be a 0/1 vector of length d={d}, got {subset!r}")
    return v


class ParityStream(IterableDataset):
    """Fresh batches of the full parity on :math:`\\{-1,1\\}^d`, one per step.

    Parameters
    ----------
    d : int
        Input dimension (>= 1).
    batch_size : int
        Points per batch (>= 1).
    steps : int
        Index one past the last step of the stream (>= 0); the stream yields the
        batches of steps ``start_step, ..., steps - 1``.
    seed : int
        Seed of the stream.
    start_step : int
        First step to draw (use the number of steps already done to resume a run).
    rank, world_size : int
        Which device draws and how many there are: every rank gets its own batches.
    dtype : torch.dtype
        Floating-point type of the batches.
    bias_input : bool
        Append a constant coordinate 1 to every input (inputs of shape ``(batch_size, d + 1)``),
        which gives the neurons of a :class:`~nndyn.models.TwoLayerNet` a bias. Without biases
        the odd part of a ReLU network is linear (:math:`\\sigma(z)-\\sigma(-z)=z`), so it cannot
        fit a parity of odd degree.
    subset : torch.Tensor, optional
        A 0/1 vector of length ``d`` selecting the set :math:`S`: the labels are
        :math:`\\chi_S(x)=\\prod_{i\\in S}x_i` (default: all ones, the full parity).

    Yields
    ------
    (torch.Tensor, torch.Tensor)
        Inputs of shape ``(batch_size, d)`` (or ``d + 1``) and labels :math:`\\prod_i x_i` of shape ``(batch_size,)``.
    """

    def __init__(
        self,
        d: int,
        batch_size: int,
        steps: int,
        *,
        seed: int = 0,
        start_step: int = 0,
        rank: int = 0,
        world_size: int = 1,
        dtype: torch.dtype = torch.float32,
        bias_input: bool = False,
        subset: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.d = check_positive_int("d", d)
        self.subset = check_subset(subset, self.d)
        self.bias_input = bool(bias_input)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.steps = check_nonnegative_int("steps", steps)
        self.seed = check_seed(seed)
        self.start_step = check_nonnegative_int("start_step", start_step)
        stream_seed(seed, 0, rank, world_size)  # validates rank and world_size
        self.rank, self.world_size = int(rank), int(world_size)
        self.dtype = dtype

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch of step ``step`` (the same every time it is asked for)."""
        x = sample_hypercube(
            self.batch_size, self.d, seed=stream_seed(self.seed, step, self.rank, self.world_size), dtype=self.dtype
        )
        v = None if self.subset is None else self.subset.to(self.dtype)
        return with_bias_input(x, self.bias_input), parity_target(x, v)

    def __iter__(self):
        for step in range(self.start_step, self.steps):
            yield self.batch(step)

    def state_dict(self) -> dict[str, int]:
        """The whole state of the stream: its seed and the next step to draw."""
        return {"seed": self.seed, "start_step": self.start_step}


class OnlineSGDModule(pl.LightningModule):
    """Online SGD with the hinge loss :math:`\\max(0, 1-y f(x))` on a :class:`ParityStream`.

    Each ``training_step`` makes one SGD step on a fresh batch (automatic
    optimisation, so Lightning's strategies such as DDP average the gradients of
    several devices). Every ``eval_every`` steps the module records the mean training
    loss since the last record and the hinge loss and accuracy (sign agreement) on a
    fixed test set.

    Parameters
    ----------
    model : torch.nn.Module
        A model mapping ``(n, d)`` inputs to ``(n,)`` outputs, e.g. :class:`~nndyn.models.TwoLayerNet`.
    d : int
        Input dimension.
    batch_size : int
        Fresh points per step; on several devices each draws ``batch_size / devices`` of them.
    steps : int
        Total number of SGD steps of the run.
    lr : float
        Learning rate (> 0).
    eval_every : int
        Steps between records.
    n_test : int
        Size of the test set (drawn once, with a seed derived from ``seed``).
    seed : int
        Seed of the data stream and of the test set.
    bias_input : bool
        Append a constant coordinate 1 to the inputs (see :class:`ParityStream`); the model
        then reads ``d + 1`` coordinates.
    subset : torch.Tensor, optional
        0/1 vector of length ``d``: train on :math:`\\chi_S` instead of the full parity (see
        :class:`ParityStream`). Saved in the checkpoint.
    stop_accuracy : float, optional
        End the run at the first record whose test accuracy reaches this level (the run's
        length becomes the steps done; saved in the checkpoint, so a resumed run stops at
        the same step).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        *,
        d: int,
        batch_size: int,
        steps: int,
        lr: float,
        eval_every: int = 50,
        n_test: int = 2000,
        seed: int = 0,
        bias_input: bool = False,
        subset: torch.Tensor | None = None,
        stop_accuracy: float | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.d = check_positive_int("d", d)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.total_steps = check_positive_int("steps", steps)
        self.lr = check_positive("lr", lr)
        self.eval_every = check_positive_int("eval_every", eval_every)
        self.seed = check_seed(seed)
        self.bias_input = bool(bias_input)
        self.subset = check_subset(subset, self.d)
        self.stop_accuracy = None if stop_accuracy is None else check_in_range("stop_accuracy", stop_accuracy, 0.0, 1.0)
        dtype = next(model.parameters()).dtype
        x_test = sample_hypercube(check_positive_int("n_test", n_test), d, seed=derive_seed(seed, "test"), dtype=dtype)
        self.register_buffer("x_test", with_bias_input(x_test, self.bias_input))
        self.register_buffer("y_test", parity_target(x_test, None if self.subset is None else self.subset.to(dtype)))
        self.steps_done = 0
        self._loss_sum = 0.0
        self._loss_count = 0
        self.history: dict[str, list[float]] = {"step": [], "train_loss": [], "test_loss": [], "test_accuracy": []}

    # -- data -----------------------------------------------------------------------
    def stream(self, rank: int = 0, world_size: int = 1) -> ParityStream:
        """The data stream that continues this run from ``steps_done``."""
        if self.batch_size % world_size:
            raise ValueError(f"batch_size {self.batch_size} must be divisible by the number of devices {world_size}")
        return ParityStream(
            self.d,
            self.batch_size // world_size,
            self.total_steps,
            seed=self.seed,
            start_step=self.steps_done,
            rank=rank,
            world_size=world_size,
            dtype=self.x_test.dtype,
            bias_input=self.bias_input,
            subset=self.subset,
        )

    def train_dataloader(self) -> DataLoader:
        trainer = getattr(self, "_trainer", None)
        rank = trainer.global_rank if trainer is not None else 0
        world = trainer.world_size if trainer is not None else 1
        return DataLoader(self.stream(rank, world), batch_size=None)

    # -- optimisation ---------------------------------------------------------------
    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.model.parameters(), lr=self.lr)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = hinge_risk(self.model(x), y)
        if not torch.isfinite(loss):
            raise TrainingDivergedError(
                f"the hinge loss became {loss.item()} after {self.steps_done} steps: "
                f"SGD diverged; lower the learning rate (lr={self.lr:g})"
            )
        value = loss.item()
        self._loss_sum += value
        self._loss_count += 1
        log_step_metrics(self, {"train_loss": value}, step=self.steps_done)
        return loss

    @torch.no_grad()
    def evaluate(self) -> tuple[float, float]:
        """Hinge loss and accuracy (fraction of correct signs) on the test set."""
        pred = self.model(self.x_test)
        return hinge_risk(pred, self.y_test).item(), (torch.sign(pred) == self.y_test).double().mean().item()

    def record(self) -> None:
        """Append the current step, mean training loss and test metrics to ``self.history``."""
        test_loss, test_acc = self.evaluate()
        train_loss = self._loss_sum / self._loss_count if self._loss_count else test_loss
        self._loss_sum, self._loss_count = 0.0, 0
        for key, value in zip(self.history, (self.steps_done, train_loss, test_loss, test_acc)):
            self.history[key].append(float(value))
        log_step_metrics(self, {"test_loss": test_loss, "test_accuracy": test_acc}, step=self.steps_done)
        if self.stop_accuracy is not None and test_acc >= self.stop_accuracy and self.steps_done > 0:
            self.total_steps = self.steps_done  # the run ends here (and stays ended on resume)
            trainer = getattr(self, "_trainer", None)
            if trainer is not None:
                trainer.should_stop = True

    def on_train_start(self) -> None:
        if not self.history["step"]:
            self.record()

    def optimizer_step(self, *args, **kwargs) -> None:
        # Count and record right after the update, before any callback's on_train_batch_end
        # (so that a checkpoint written there holds this step and its record).
        super().optimizer_step(*args, **kwargs)
        self.steps_done += 1
        if self.steps_done % self.eval_every == 0 or self.steps_done == self.total_steps:
            self.record()

    # -- checkpointing --------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["online_sgd"] = {
            "steps_done": self.steps_done,
            "history": self.history,
            "loss_sum": self._loss_sum,
            "loss_count": self._loss_count,
            "total_steps": self.total_steps,
            "subset": None if self.subset is None else self.subset.tolist(),
        }

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        state = checkpoint.get("online_sgd", {})
        self.steps_done = int(state.get("steps_done", 0))
        self.history = state.get("history", self.history)
        self._loss_sum = float(state.get("loss_sum", 0.0))
        self._loss_count = int(state.get("loss_count", 0))
        self.total_steps = int(state.get("total_steps", self.total_steps))
        saved = state.get("subset")
        mine = None if self.subset is None else self.subset.tolist()
        if "subset" in state and saved != mine:
            raise ValueError(f"the checkpoint trains on subset {saved}, this run on {mine}")


@dataclass
class OnlineTrajectory:
    """What :func:`train_online` records, one entry per record.

    Attributes
    ----------
    step : numpy.ndarray
        SGD steps done at each record (starts at 0).
    train_loss : numpy.ndarray
        Mean hinge loss of the fresh batches since the previous record.
    test_loss, test_accuracy : numpy.ndarray
        Hinge loss and accuracy on the fixed test set.
    """

    step: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray

    def steps_to_accuracy(self, level: float) -> float:
        """The first recorded step with test accuracy >= ``level`` (``inf`` if never)."""
        level = check_in_range("level", level, 0.0, 1.0)
        hit = np.flatnonzero(self.test_accuracy >= level)
        return float(self.step[hit[0]]) if hit.size else float("inf")


def train_online(
    model: torch.nn.Module,
    *,
    d: int,
    batch_size: int,
    steps: int,
    lr: float,
    eval_every: int = 50,
    n_test: int = 2000,
    seed: int = 0,
    accelerator: str = "cpu",
    devices: int | str = 1,
    bias_input: bool = False,
    subset: torch.Tensor | None = None,
    stop_accuracy: float | None = None,
) -> OnlineTrajectory:
    """Train ``model`` by online SGD with the hinge loss on the full parity in dimension ``d``.

    The model is updated in place, through Lightning (:func:`~nndyn.training.session.fit`).

    Parameters
    ----------
    model : torch.nn.Module
        For example ``TwoLayerNet(d, m, init="balanced", dtype=torch.float32)``.
    d, batch_size, steps : int
        Dimension, fresh points per step and number of steps (all >= 1).
    lr : float
        Learning rate (> 0).
    eval_every : int
        Steps between records of the test metrics.
    n_test : int
        Size of the fixed test set.
    seed : int
        Seed of the data stream (the model has its own seed).
    accelerator, devices
        Passed to the Lightning ``Trainer``.
    bias_input : bool
        Append a constant coordinate 1 to the inputs, so that a bias-free
        :class:`~nndyn.models.TwoLayerNet` with ``d + 1`` inputs gets biases.
    subset : torch.Tensor, optional
        0/1 vector of length ``d``: the target is :math:`\\chi_S(x)=\\prod_{i\\in S}x_i`
        (default: the full parity).
    stop_accuracy : float, optional
        Stop at the first record with test accuracy >= this level (default: run all ``steps``).

    Returns
    -------
    OnlineTrajectory
        Steps, training loss, test loss and test accuracy.

    Raises
    ------
    ValueError
        For a non-positive size or learning rate, or a model of another input dimension.
    TrainingDivergedError
        If the loss becomes NaN or infinite; the message names ``lr``.
    """
    d = check_positive_int("d", d)
    d_in = d + int(bool(bias_input))
    if getattr(model, "d", d_in) != d_in:
        raise ValueError(
            f"d must match the model's input dimension {model.d} (minus 1 with bias_input=True), got d={d}"
        )
    module = OnlineSGDModule(
        model,
        d=d,
        batch_size=batch_size,
        steps=steps,
        lr=lr,
        eval_every=eval_every,
        n_test=n_test,
        seed=seed,
        bias_input=bias_input,
        subset=subset,
        stop_accuracy=stop_accuracy,
    )
    fit(module, accelerator=accelerator, devices=devices, distributed=True)
    h = module.history
    return OnlineTrajectory(*(np.asarray(h[k]) for k in ("step", "train_loss", "test_loss", "test_accuracy")))
