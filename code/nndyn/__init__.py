"""nndyn: the package behind *Training neural networks: dynamics and convergence*.

The book's chapters call this package for every figure and number. Students can
import it in exercises::

    from nndyn import TwoLayerNet, single_neuron_data, train
    data = single_neuron_data(n=50, d=20, seed=0)
    net = TwoLayerNet(d=20, m=1000, seed=0)
    traj = train(net, data.x_train, data.y_train, lr=0.01, steps=2000)
    traj.t, traj.loss
"""

from .data import (
    RegressionData,
    sample_gaussian,
    sample_hypercube,
    sample_sphere,
    single_neuron_data,
    single_neuron_target,
)
from .losses import hinge_risk, squared_risk
from .models import RandomFeatureModel, TwoLayerNet
from .presets import PRESETS, current_preset
from .training import Trajectory, TrainingDivergedError, train

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "RandomFeatureModel",
    "RegressionData",
    "Trajectory",
    "TrainingDivergedError",
    "TwoLayerNet",
    "current_preset",
    "hinge_risk",
    "sample_gaussian",
    "sample_hypercube",
    "sample_sphere",
    "single_neuron_data",
    "single_neuron_target",
    "squared_risk",
    "train",
]
