"""Training loops (Lightning), probes and trajectories.

* :func:`train`: full-batch gradient descent on a fixed training set;
* :func:`train_online`: online SGD on a stream of fresh parity batches (chapter 4).
"""

from . import probes
from .module import GDModule, TrainingDivergedError
from .online import OnlineSGDModule, OnlineTrajectory, ParityStream, stream_seed, train_online, with_bias_input
from .recorder import TrajectoryRecorder
from .train import quiet_trainer, step_schedule, train
from .trajectory import Trajectory

__all__ = [
    "GDModule",
    "OnlineSGDModule",
    "OnlineTrajectory",
    "ParityStream",
    "TrainingDivergedError",
    "Trajectory",
    "TrajectoryRecorder",
    "probes",
    "quiet_trainer",
    "step_schedule",
    "stream_seed",
    "train",
    "train_online",
    "with_bias_input",
]
