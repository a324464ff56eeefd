"""Training loops (Lightning), probes and trajectories.

* :func:`~nndyn.training.train.train`: full-batch gradient descent on a fixed training set;
* :func:`~nndyn.training.online.train_online`: online SGD on a stream of fresh parity batches (chapter 4).
"""

from . import probes
from .module import GDModule, TrainingDivergedError
from .online import OnlineSGDModule, OnlineTrajectory, ParityStream, stream_seed, train_online, with_bias_input
from .recorder import TrajectoryRecorder
from .schedule import step_schedule
from .session import RunInterrupted, RunOptions, fit, quiet_trainer, run_session
from .train import train
from .trajectory import Trajectory

__all__ = [
    "GDModule",
    "OnlineSGDModule",
    "OnlineTrajectory",
    "RunInterrupted",
    "RunOptions",
    "ParityStream",
    "TrainingDivergedError",
    "Trajectory",
    "TrajectoryRecorder",
    "fit",
    "probes",
    "quiet_trainer",
    "run_session",
    "step_schedule",
    "stream_seed",
    "train",
    "train_online",
    "with_bias_input",
]
