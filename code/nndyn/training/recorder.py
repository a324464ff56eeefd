"""A Lightning callback that records probes along a training run."""

from __future__ import annotations

import numpy as np
import pytorch_lightning as pl
import torch

from .probes import Probe

RESERVED_NAMES: tuple[str, ...] = ("step", "t", "loss", "lr")
"""Names a probe cannot take: the trajectory's own records."""


def check_probes(probes) -> dict[str, Probe]:
    """``probes`` as a dict of callables, or a :class:`ValueError`/:class:`TypeError` naming the bad probe."""
    if probes is None:
        return {}
    if not isinstance(probes, dict):
        raise TypeError(
            f"probes must be a dict from names to functions, e.g. {{'test_risk': risk_on(x, y)}}; got a {type(probes).__name__}"
        )
    for name, probe in probes.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"probe names must be non-empty strings, got {name!r}")
        if name in RESERVED_NAMES:
            raise ValueError(f"probe {name!r} would shadow the trajectory's own {name!r}; choose another name (not {', '.join(RESERVED_NAMES)})")
        if not callable(probe):
            raise TypeError(f"probe {name!r} must be a function of the training module, got {type(probe).__name__}")
    return dict(probes)


def _as_array(name: str, value) -> np.ndarray:
    """A probe's value as a NumPy array (tensors, NumPy values and Python numbers are accepted)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, (int, float, np.number, np.ndarray)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float)
    raise TypeError(f"probe {name!r} must return a tensor or a number, got {type(value).__name__}")


class TrajectoryRecorder(pl.Callback):
    """Record the training risk and every probe at the start and after each call.

    Parameters
    ----------
    probes : dict[str, Probe]
        Name and function of each quantity to record.
    """

    def __init__(self, probes: dict[str, Probe] | None = None) -> None:
        self.probes = check_probes(probes)
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.values: dict[str, list[np.ndarray]] = {name: [] for name in self.probes}

    def record(self, module) -> None:
        with torch.no_grad():
            loss = module.training_risk()
        module.check_finite(loss)
        self.steps.append(module.steps_done)
        self.losses.append(loss.item())
        for name, probe in self.probes.items():
            value = _as_array(name, probe(module))
            previous = self.values[name]
            if previous and value.shape != previous[0].shape:
                raise ValueError(f"probe {name!r} returned shape {value.shape} after {previous[0].shape} before; a probe must keep its shape")
            previous.append(value)

    def on_train_start(self, trainer, pl_module) -> None:
        if not self.steps:  # a resumed run already holds its first record
            self.record(pl_module)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.record(pl_module)

    def state_dict(self) -> dict:
        """What has been recorded (saved in checkpoints, so a resumed run keeps its history)."""
        return {"steps": list(self.steps), "losses": list(self.losses), "values": {k: list(v) for k, v in self.values.items()}}

    def load_state_dict(self, state_dict: dict) -> None:
        self.steps = list(state_dict["steps"])
        self.losses = list(state_dict["losses"])
        self.values = {name: list(state_dict["values"].get(name, [])) for name in self.probes}

    def arrays(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Steps, losses and the stacked probe values recorded so far."""
        records = {name: np.stack(vals) for name, vals in self.values.items() if vals}
        return np.asarray(self.steps), np.asarray(self.losses), records
