"""A Lightning callback that records probes along a training run."""

from __future__ import annotations

import numpy as np
import pytorch_lightning as pl
import torch

from .probes import Probe


class TrajectoryRecorder(pl.Callback):
    """Record the training risk and every probe at the start and after each call.

    Parameters
    ----------
    probes : dict[str, Probe]
        Name and function of each quantity to record.
    """

    def __init__(self, probes: dict[str, Probe] | None = None) -> None:
        self.probes = dict(probes or {})
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
            self.values[name].append(probe(module).detach().cpu().numpy())

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
