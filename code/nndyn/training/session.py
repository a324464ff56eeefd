"""Runs of the command line: logging, checkpoints, resume, a step budget and devices.

Every training in ``nndyn`` goes through :func:`fit`. In the book and in tests no
session is active, and :func:`fit` runs a quiet one-epoch Lightning ``Trainer`` (no
logger, no checkpoints, no progress bar). The command line (``python -m nndyn run``)
opens a :func:`run_session`; inside it every :func:`fit` call of the experiment becomes
a numbered *fit* with its own folder ``OUT/fits/NNN/`` holding

* ``logs/version_K/metrics.csv``: Lightning's :class:`~pytorch_lightning.loggers.CSVLogger`,
  one row per optimisation step (``K`` counts the segments of an interrupted run);
* ``last.ckpt``: a Lightning checkpoint (model, optimizer, loop state, the recorder's
  history, the data stream's position through the module, and the RNG states), written
  every ``checkpoint_every`` steps, when the run is interrupted and when the fit ends;
  written whole (a temporary file, then a rename), after the log rows so far, so that a
  hard kill loses only the steps after the last checkpoint.

A session stops the whole experiment, with a checkpoint, once it has made ``max_steps``
optimisation steps in all or when :func:`request_stop` is called (the command line calls
:func:`request_stop_in_fit` on Ctrl-C and SIGTERM); it then raises :class:`RunInterrupted`. Opened again with ``resume=True``,
the same experiment replays its fits in the same order: a finished fit is restored from
its checkpoint without training, the interrupted one continues from its last checkpoint,
and the final arrays are bitwise those of an uninterrupted run on CPU (the batches are a
function of the step index, see :class:`~nndyn.training.online.ParityStream`).
"""

from __future__ import annotations

import contextlib
import csv
import os
import random
import warnings
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch

from .._validation import check_positive_int
from .quiet import quiet_lightning

CHECKPOINT_NAME = "last.ckpt"


class RunInterrupted(Exception):
    """A run stopped before its end (step budget or :func:`request_stop`); ``--resume`` continues it.

    Attributes
    ----------
    steps : int
        Optimisation steps made in this session before it stopped.
    """

    def __init__(self, steps: int, reason: str) -> None:
        super().__init__(f"stopped after {steps} steps ({reason})")
        self.steps = steps
        self.reason = reason


@dataclass
class RunOptions:
    """How :func:`fit` trains inside a :func:`run_session`.

    Attributes
    ----------
    out : pathlib.Path
        Folder of the run; fits write into ``out / "fits" / "NNN"``.
    accelerator : str, optional
        Lightning accelerator for every fit (``"auto"``, ``"cpu"``, ``"gpu"``); ``None``
        keeps the experiment's own choice.
    devices : int, optional
        Number of devices for fits that support data parallelism (online SGD); ``None``: 1.
    strategy : str, optional
        Lightning strategy for those fits (``"ddp"``, ``"auto"``, ...).
    max_steps : int, optional
        Stop the whole session, with a checkpoint, after this many optimisation steps in
        all (at the end of the first Lightning step that reaches it).
    checkpoint_every : int
        Lightning steps between checkpoints (a Lightning step of full-batch GD is one
        record interval of several GD steps; of online SGD, one SGD step).
    resume : bool
        Continue from the checkpoints in ``out`` instead of starting afresh.
    progress_bar : bool
        Show Lightning's progress bar (the command line does on a terminal).
    """

    out: Path
    accelerator: str | None = None
    devices: int | None = None
    strategy: str | None = None
    max_steps: int | None = None
    checkpoint_every: int = 100
    resume: bool = False
    progress_bar: bool = False

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        if self.max_steps is not None:
            check_positive_int("max_steps", self.max_steps)
        check_positive_int("checkpoint_every", self.checkpoint_every)
        if self.devices is not None:
            check_positive_int("devices", self.devices)


@dataclass
class _Session:
    options: RunOptions
    fits_started: int = 0
    steps_taken: int = 0
    stop_requested: bool = False
    stop_reason: str = ""
    in_fit: bool = False
    fit_dirs: list[Path] = field(default_factory=list)


_SESSION: ContextVar[_Session | None] = ContextVar("nndyn_run_session", default=None)


@contextlib.contextmanager
def run_session(options: RunOptions) -> Iterator[_Session]:
    """Make every :func:`fit` inside the ``with`` block log, checkpoint and obey ``options``."""
    session = _Session(options)
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)


def current_session() -> _Session | None:
    """The active session, or ``None`` (in the book and in tests)."""
    return _SESSION.get()


def request_stop(reason: str = "stop requested") -> None:
    """Ask the active session to stop at the end of the current step, with a checkpoint."""
    session = current_session()
    if session is not None:
        session.stop_requested = True
        session.stop_reason = reason


def request_stop_in_fit(reason: str) -> bool:
    """Ask the active session to stop at the end of the current step, if a fit is training now.

    Returns whether it was asked: ``False`` outside a session or between fits (where there
    is no step to finish, and the caller stops at once). The command line's signal handler
    calls it; it imports nothing, so it is safe in a handler.
    """
    session = _SESSION.get()
    if session is None or not session.in_fit:
        return False
    session.stop_requested = True
    session.stop_reason = reason
    return True


def is_main_process() -> bool:
    """Whether this process is rank 0 (Lightning's DDP launcher starts the others with ``LOCAL_RANK`` >= 1)."""
    return os.environ.get("LOCAL_RANK", "0") == "0" and os.environ.get("NODE_RANK", "0") == "0"


class RNGStateCheckpoint(pl.Callback):
    """Save the Python, NumPy and torch random states in every checkpoint and restore them on resume."""

    def state_dict(self) -> dict:
        return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}

    def load_state_dict(self, state_dict: dict) -> None:
        random.setstate(state_dict["python"])
        np.random.set_state(state_dict["numpy"])
        torch.set_rng_state(state_dict["torch"])


class _SessionControl(pl.Callback):
    """Count steps, checkpoint every ``checkpoint_every`` Lightning steps, stop on budget or request."""

    def __init__(self, session: _Session, path: Path) -> None:
        self.session = session
        self.path = path
        self.interrupted = False
        self._batches = 0

    def _steps_done(self, pl_module) -> int:
        return int(getattr(pl_module, "steps_done", self._batches))

    def on_train_start(self, trainer, pl_module) -> None:
        self._start = self._steps_done(pl_module)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._batches += 1
        steps = self._steps_done(pl_module)
        self.session.steps_taken += steps - self._start
        self._start = steps
        budget = self.session.options.max_steps
        if budget is not None and self.session.steps_taken >= budget and not self.session.stop_requested:
            self.session.stop_requested = True
            self.session.stop_reason = f"--max-steps {budget}"
        if self.session.stop_requested:
            self.interrupted = True
            self._checkpoint(trainer)
            trainer.should_stop = True
        elif self._batches % self.session.options.checkpoint_every == 0:
            self._checkpoint(trainer)

    def on_train_end(self, trainer, pl_module) -> None:
        if not self.interrupted:
            self._checkpoint(trainer)

    def _checkpoint(self, trainer) -> None:
        """Write the fit's log rows so far, then the checkpoint, atomically.

        The log first: a hard kill (``kill -9``, a power cut) then loses at most the steps
        after the last checkpoint, which ``--resume`` makes again. The checkpoint goes to a
        temporary file that is renamed over ``last.ckpt``, so ``last.ckpt`` is always whole.
        """
        if trainer.logger is not None:
            trainer.logger.save()
        partial = self.path.with_name(self.path.name + ".partial")
        trainer.save_checkpoint(partial)
        if trainer.is_global_zero and partial.exists():
            os.replace(partial, self.path)


def quiet_trainer(*, accelerator: str = "cpu", devices: int | str = 1, callbacks: Sequence[pl.Callback] = ()) -> pl.Trainer:
    """A one-epoch :class:`~pytorch_lightning.Trainer` with no logger, checkpoint, progress bar or summary."""
    quiet_lightning()
    return pl.Trainer(
        accelerator=accelerator,
        devices=devices,
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=list(callbacks),
    )


def log_step_metrics(module: pl.LightningModule, metrics: dict[str, float], step: int) -> None:
    """Write ``metrics`` at optimisation step ``step`` to the fit's logger, if it has one (a session)."""
    trainer = getattr(module, "_trainer", None)
    logger = trainer.logger if trainer is not None else None
    if logger is not None:
        logger.log_metrics(metrics, step=step)


def fit(
    module: pl.LightningModule,
    *,
    accelerator: str = "cpu",
    devices: int | str = 1,
    callbacks: Sequence[pl.Callback] = (),
    distributed: bool = False,
) -> None:
    """Train ``module`` with Lightning; its ``train_dataloader`` yields what is left to do.

    Parameters
    ----------
    module : pytorch_lightning.LightningModule
        A module whose ``train_dataloader`` starts at its ``steps_done`` (so a restored
        checkpoint continues where it stopped), such as
        :class:`~nndyn.training.GDModule` or :class:`~nndyn.training.OnlineSGDModule`.
    accelerator, devices
        The experiment's choice; a session's ``accelerator`` overrides it, and its
        ``devices``/``strategy`` apply when ``distributed`` is true.
    callbacks : sequence of pytorch_lightning.Callback
        More callbacks (a :class:`~nndyn.training.TrajectoryRecorder`, ...).
    distributed : bool
        Whether the module is correct under data parallelism (each device draws its own
        part of the batch and Lightning averages the gradients).

    Raises
    ------
    RunInterrupted
        Inside a session, when its step budget is spent or a stop was requested.
    KeyboardInterrupt
        Outside a session, on Ctrl-C (Lightning itself would exit with ``SystemExit(1)``).
    """
    session = current_session()
    if session is None:  # Ctrl-C: KeyboardInterrupt, not Lightning's SystemExit(1) (nndyn.training._interrupt)
        from ._interrupt import fit_interruptible

        fit_interruptible(quiet_trainer(accelerator=accelerator, devices=devices, callbacks=callbacks), module)
        return
    quiet_lightning()
    options = session.options
    index = session.fits_started
    session.fits_started += 1
    fit_dir = options.out / "fits" / f"{index:03d}"
    session.fit_dirs.append(fit_dir)
    checkpoint = fit_dir / CHECKPOINT_NAME
    control = _SessionControl(session, checkpoint)
    strategy = "auto"
    if distributed and options.devices:
        devices = options.devices
        strategy = options.strategy or "auto"
    from pytorch_lightning.loggers import CSVLogger

    trainer = pl.Trainer(
        accelerator=options.accelerator or accelerator,
        devices=devices,
        strategy=strategy,
        max_epochs=1,
        logger=CSVLogger(fit_dir, name="logs"),
        log_every_n_steps=1,
        enable_checkpointing=False,
        enable_progress_bar=options.progress_bar,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[*callbacks, RNGStateCheckpoint(), control],
    )
    resume_from = checkpoint if options.resume and checkpoint.exists() else None
    session.in_fit = True
    try:
        trainer.fit(module, ckpt_path=resume_from, weights_only=False)
    except SystemExit:
        # Lightning ends a fit with SystemExit on SIGTERM (after its own handler has run
        # beside the caller's) and on a KeyboardInterrupt: a requested stop, not a failure.
        if session.stop_requested:
            raise RunInterrupted(session.steps_taken, session.stop_reason) from None
        raise
    finally:
        session.in_fit = False
    if control.interrupted:
        raise RunInterrupted(session.steps_taken, session.stop_reason)


def check_checkpoints(out: Path) -> None:
    """Check that every checkpoint of the run in ``out`` can be read (before ``--resume`` trains).

    Raises
    ------
    ValueError
        Naming the first checkpoint that is not a whole Lightning checkpoint.
    """
    for path in sorted((Path(out) / "fits").glob(f"*/{CHECKPOINT_NAME}")):
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
            whole = isinstance(state, dict) and "state_dict" in state and "loops" in state
        except Exception as exc:  # noqa: BLE001  (any unreadable file is damaged)
            raise ValueError(f"{path} is damaged ({type(exc).__name__})") from None
        if not whole:
            raise ValueError(f"{path} is damaged (not a Lightning checkpoint)")


def merge_metrics(fit_dirs: Sequence[Path], target: Path) -> int:
    """Join the metrics of every fit into one CSV with a ``fit`` column; return the row count.

    Rows of a later segment (a resumed run) replace those of an earlier one at the same
    step, so the merged file of an interrupted and resumed run equals that of an
    uninterrupted one. A row that cannot be read (cut short by a hard kill, or edited) is
    left out with a :class:`MetricsRowSkipped` warning. ``target`` is written whole (a
    temporary file, then a rename).
    """
    rows: dict[tuple[int, int], dict[str, str]] = {}
    keys: list[str] = []
    skipped: list[str] = []
    for index, fit_dir in enumerate(fit_dirs):
        logs = fit_dir / "logs"
        versions = sorted(logs.glob("version_*"), key=lambda p: int(p.name.split("_")[1])) if logs.exists() else []
        for version in versions:
            path = version / "metrics.csv"
            if not path.exists():
                continue
            with path.open(newline="") as file:
                reader = csv.DictReader(file)
                for row in reader:
                    step = _row_step(row)
                    if step is None:  # a row cut short by a hard kill, or edited by hand
                        skipped.append(f"line {reader.line_num} of {path}")
                        continue
                    merged = rows.setdefault((index, step), {"fit": str(index), "step": str(step)})
                    for key, value in row.items():
                        if value != "":
                            merged[key] = value
                        if key not in keys:
                            keys.append(key)
    for where in skipped:
        warnings.warn(f"skipped an unreadable row ({where})", MetricsRowSkipped, stacklevel=2)
    columns = ["fit", "step", *sorted(k for k in keys if k not in ("fit", "step"))]
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for key in sorted(rows):
            writer.writerow(rows[key])
    os.replace(partial, target)
    return len(rows)


class MetricsRowSkipped(UserWarning):
    """A row of a fit's ``metrics.csv`` that cannot be read was left out of the merged file."""


def _row_step(row: dict) -> int | None:
    """The step of a CSV row, or ``None`` for a row with missing or extra fields or a bad step."""
    if None in row or None in row.values():
        return None
    try:
        return int(row["step"])
    except (KeyError, ValueError):
        return None

