"""Training loops (Lightning), probes and trajectories.

* :func:`~nndyn.training.train.train`: full-batch gradient descent on a fixed training set;
* :func:`~nndyn.training.online.train_online`: online SGD on a stream of fresh parity batches (chapter 4).

The names below are imported on first use, so ``import nndyn.training`` (and
``from nndyn import train``) does not import Lightning: Lightning, which takes seconds to
import, is loaded when a training starts.
"""

from __future__ import annotations

from .._lazy import lazy_names

# Light modules (torch only) are imported now; a lazy name that is also a submodule
# (``train``) would be shadowed by the submodule once that is imported elsewhere.
from . import probes
from .schedule import step_schedule
from .train import train
from .trajectory import Trajectory, TrainingDivergedError, TrainingInterrupted

_WHERE = {
    "probes": None,
    "GDModule": "module",
    "TrainingDivergedError": "trajectory",
    "TrainingInterrupted": "trajectory",
    "OnlineSGDModule": "online",
    "OnlineTrajectory": "online",
    "ParityStream": "online",
    "stream_seed": "online",
    "train_online": "online",
    "with_bias_input": "online",
    "TrajectoryRecorder": "recorder",
    "step_schedule": "schedule",
    "RunInterrupted": "session",
    "RunOptions": "session",
    "fit": "session",
    "quiet_trainer": "session",
    "run_session": "session",
    "train": "train",
    "Trajectory": "trajectory",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
