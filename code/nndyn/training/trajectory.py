"""The result of a training run as tidy NumPy arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class TrainingDivergedError(FloatingPointError):
    """The training risk became NaN or infinite: the learning rate is too large."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`~nndyn.training.train`: a :class:`KeyboardInterrupt` that keeps what was recorded.

    ``except KeyboardInterrupt`` catches it. The model keeps the parameters it had reached
    (up to ``record_every - 1`` steps after the last record).

    Attributes
    ----------
    trajectory : Trajectory
        The records completed before the interruption (none if it came before the first
        record, at step 0, was complete).
    """

    def __init__(self, trajectory: "Trajectory") -> None:
        if len(trajectory):
            where = f"the last record is at step {int(trajectory.step[-1])}, the records so far are in this exception's .trajectory"
        else:
            where = "before the first record (step 0) was complete, so this exception's .trajectory is empty"
        super().__init__(f"training interrupted (Ctrl-C); {where}")
        self.trajectory = trajectory


@dataclass
class Trajectory:
    """What :func:`~nndyn.training.train` records, one row per record.

    Attributes
    ----------
    step : numpy.ndarray
        Number of gradient steps taken at each record (starts at 0).
    t : numpy.ndarray
        Gradient-flow time :math:`t = \\eta \\times \\text{step}`.
    loss : numpy.ndarray
        Training risk at each record.
    records : dict[str, numpy.ndarray]
        One array per probe, whose first axis runs over the records.
    lr : float
        The learning rate :math:`\\eta`.
    """

    step: np.ndarray
    t: np.ndarray
    loss: np.ndarray
    records: dict[str, np.ndarray] = field(default_factory=dict)
    lr: float = float("nan")

    def __getitem__(self, name: str) -> np.ndarray:
        """The array of the probe ``name`` (or ``"step"``, ``"t"``, ``"loss"``)."""
        if name in ("step", "t", "loss"):
            return getattr(self, name)
        try:
            return self.records[name]
        except KeyError:
            known = ", ".join(["step", "t", "loss", *self.records])
            raise KeyError(f"no record {name!r}; recorded: {known}") from None

    def __len__(self) -> int:
        return len(self.step)

    @property
    def final_loss(self) -> float:
        """The training risk at the last record."""
        return float(self.loss[-1])

    def as_dict(self) -> dict[str, np.ndarray]:
        """All arrays in one flat dict (e.g. for ``numpy.savez``)."""
        return {"step": self.step, "t": self.t, "loss": self.loss, **self.records}
