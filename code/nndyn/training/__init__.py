"""Training loops (Lightning), probes and trajectories."""

from . import probes
from .module import GDModule, TrainingDivergedError
from .recorder import TrajectoryRecorder
from .train import quiet_trainer, step_schedule, train
from .trajectory import Trajectory

__all__ = [
    "GDModule",
    "TrainingDivergedError",
    "Trajectory",
    "TrajectoryRecorder",
    "probes",
    "quiet_trainer",
    "step_schedule",
    "train",
]
