"""nndyn: the package behind *Training neural networks: dynamics and convergence*.

The book's chapters call this package for every figure and number. Students can
import it in exercises::

    from nndyn import TwoLayerNet, single_neuron_data, train
    data = single_neuron_data(n=50, d=20, seed=0)
    net = TwoLayerNet(d=20, m=1000, seed=0)
    traj = train(net, data.x_train, data.y_train, lr=40 / 1000, steps=2000)
    traj.t, traj.loss

The rules every public function follows (see the README and the API page):

* **dtype**: inputs are cast to the model's dtype (float64 by default; float32 works,
  other types raise a :class:`ValueError`);
* **seeds**: every random object draws from its own stream of the one user seed
  (:mod:`nndyn.seeding`);
* **bias**: the notes' network has none; ``TwoLayerNet(..., bias=True)`` adds one;
* **presets**: ``NNDYN_PRESET`` (``quick``, ``full``, ``lecture``) sizes the experiments.

The names below are loaded on first use: ``import nndyn`` itself imports neither torch
nor Lightning, ``from nndyn import TwoLayerNet`` imports torch, and Lightning is
imported only when a training starts.
"""

from __future__ import annotations

from . import _startup

if _startup.started_as_command():  # python -m nndyn, or the nndyn script: Ctrl-C while starting gives one line
    _startup.install()

from ._lazy import lazy_names  # noqa: E402

from ._version import __version__  # noqa: E402

_WHERE = {
    "RegressionData": "data",
    "sample_gaussian": "data",
    "sample_hypercube": "data",
    "sample_sphere": "data",
    "single_neuron_data": "data",
    "single_neuron_target": "data",
    "hinge_risk": "losses",
    "squared_risk": "losses",
    "RandomFeatureModel": "models",
    "TwoLayerNet": "models",
    "PRESETS": "presets",
    "current_preset": "presets",
    "Trajectory": "training.trajectory",
    "TrainingDivergedError": "training.trajectory",
    "train": "training.train",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
