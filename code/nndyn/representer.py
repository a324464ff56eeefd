"""The representer form of a random feature model trained by gradient descent (the notes' Lemma 14).

A random feature model trained from :math:`a=0` stays a combination
:math:`\\sum_i w_i\\,k_m(x_i,\\cdot)` of the kernel functions at the training points, with
weights given by the accumulated residuals. :func:`representer_check` trains one and
rebuilds it in that form; chapter 7 and its exercise use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_positive, check_positive_int, check_seed
from .data import single_neuron_data
from .models import RandomFeatureModel, TwoLayerNet
from .seeding import derive_seed
from .training import probes, train
from .widths import single_thread

__all__ = ["RepresenterCheck", "representer_check"]


@dataclass
class RepresenterCheck:
    """The notes' Lemma 14 checked on gradient descent: :math:`f(x;\\tilde a_k,B_0)` against :math:`\\sum_iw_i(k)k_m(x_i,x)`."""

    direct: np.ndarray
    representer: np.ndarray
    weights: np.ndarray

    @property
    def relative_error(self) -> float:
        """:math:`\\max_x|f-\\sum_iw_ik_m(x_i,x)|/\\max_x|f|`."""
        return float(np.abs(self.direct - self.representer).max() / np.abs(self.direct).max())


def representer_check(n: int = 50, d: int = 20, m: int = 200, *, lr_scale: float = 40.0, steps: int = 100, n_test: int = 200, seed: int = 0) -> RepresenterCheck:
    """Train a random feature model from :math:`a=0` and rebuild it from the notes' Lemma 14.

    Gradient descent :math:`\\tilde a_{k+1}=\\tilde a_k-\\frac{\\eta}{n}\\Phi^\\top e_k` gives
    :math:`f(\\cdot;\\tilde a_k,B_0)=\\sum_iw_i(k)k_m(x_i,\\cdot)` with
    :math:`w_i(k)=-\\frac{m\\eta}{n}\\sum_{k'<k}e_i(k')`, the discrete form of
    :math:`w_i(t)=-\\frac mn\\int_0^te_i(s)\\,ds`. The residuals are recorded after every step.

    Parameters
    ----------
    n, d, m : int
        Training points, dimension and width (all >= 1).
    lr_scale : float
        Learning rate times the width (> 0).
    steps : int
        Gradient steps (>= 1).
    n_test : int
        Test points on the sphere (>= 1).
    seed : int
        Seed of data and features.

    Notes
    -----
    The data are :func:`nndyn.data.single_neuron_data` ``(n, d, n_test=n_test, seed=seed)``:
    training and test points uniform on :math:`\\mathbb S^{d-1}` (streams ``"train"`` and
    ``"test"`` of ``seed``) labelled by :math:`\\sigma(x^{(1)})`; the features are the
    first layer of ``TwoLayerNet(d, m, seed=derive_seed(seed, "network"))``, the notes'
    initialisation, and the learning rate is ``lr_scale / m``.
    """
    n, d, m = (check_positive_int(k, v) for k, v in (("n", n), ("d", d), ("m", m)))
    lr = check_positive("lr_scale", lr_scale) / m
    steps = check_positive_int("steps", steps)
    check_seed(seed)
    data = single_neuron_data(n, d, n_test=check_positive_int("n_test", n_test), seed=seed)
    rfm = RandomFeatureModel.from_network(TwoLayerNet(d, m, seed=derive_seed(seed, "network")))
    with single_thread():
        traj = train(rfm, data.x_train, data.y_train, lr=lr, steps=steps, record_every=1,
                     probes={"train_pred": probes.predictions_on(data.x_train)})
    residuals = traj["train_pred"][:-1] - data.y_train.numpy()
    weights = -m * lr / n * residuals.sum(axis=0)
    with torch.no_grad():
        phi_train = rfm.features(data.x_train)
        phi_test = rfm.features(data.x_test)
        k_m = (phi_train @ phi_test.T / m).numpy()
        direct = rfm(data.x_test).numpy()
    return RepresenterCheck(direct, weights @ k_m, weights)
