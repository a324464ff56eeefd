"""Every bad input of issue 12 as a table: the call, the error type and a fragment of its message.

The command-line cases are in ``tests/test_cli.py``. Sizes are tiny so the table runs in seconds.
"""

from __future__ import annotations

import math

import pytest
import torch

from nndyn import RandomFeatureModel, TwoLayerNet, train
from nndyn.data import all_parities, hypercube_points, sample_hypercube, sample_sphere
from nndyn.deep import DeepReLUNet
from nndyn.experiments import kernel_regime_training, lazy_dynamics, parity_sgd
from nndyn.kernels import empirical_gram, explicit_gram, min_eigenvalue
from nndyn.ntk import empirical_ntk
from nndyn.training import probes
from nndyn.training.batched import train_seeds

D = 3


def _x(n=8, d=D, **kw):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(1), dtype=torch.float64, **kw)


def _y(n=8):
    return torch.linspace(-1, 1, n, dtype=torch.float64)


def _pm1(n=8):
    return torch.tensor([1.0, -1.0] * (n // 2), dtype=torch.float64)


def _with(t, index, value):
    t = t.clone()
    t.view(-1)[index] = value
    return t


def _net():
    return TwoLayerNet(D, 4, seed=0)


def _train(**kw):
    args = {"model": _net(), "x": _x(), "y": _y(), "lr": 0.01, "steps": 2}
    args.update(kw)
    return lambda: train(args.pop("model"), args.pop("x"), args.pop("y"), **args)


CASES = [
    # (name, call, error type, message fragment)
    ("nan in x", _train(x=_with(_x(), 0, math.nan)), ValueError, "x holds 1 NaN"),
    ("inf in x", _train(x=_with(_x(), 3, math.inf)), ValueError, "x holds 1 infinite"),
    ("nan in y", _train(y=_with(_y(), 2, math.nan)), ValueError, "y holds 1 NaN"),
    ("-inf in y", _train(y=_with(_y(), 2, -math.inf)), ValueError, "y holds 1 infinite"),
    ("empty x", _train(x=torch.zeros(0, D, dtype=torch.float64), y=torch.zeros(0, dtype=torch.float64)), ValueError, "x is empty"),
    ("empty y", _train(y=torch.zeros(0, dtype=torch.float64)), ValueError, "y is empty"),
    ("x not a tensor", _train(x="data"), ValueError, "x must be a tensor"),
    ("x of wrong width", _train(x=_x(d=D + 1)), ValueError, "x must have shape (n, 3)"),
    ("y of wrong length", _train(y=_y(5)), ValueError, "y must have shape (8,)"),
    ("y of two columns", _train(y=_x(d=2)), ValueError, "y must have shape (n,)"),
    ("real labels with hinge risk", _train(risk="hinge"), ValueError, "y must hold labels in {-1, 1}"),
    ("0/1 labels with hinge risk", _train(y=(_pm1() + 1) / 2, risk="hinge"), ValueError, "labels in {-1, 1}"),
    ("unknown risk", _train(risk="l1"), ValueError, "risk must be one of"),
    ("risk returning a vector", _train(risk=lambda p, y: (p - y) ** 2), ValueError, "risk must return one number"),
    ("probe named loss", _train(probes={"loss": probes.gradient_norm}), ValueError, "probe 'loss' would shadow"),
    ("probe named t", _train(probes={"t": probes.gradient_norm}), ValueError, "probe 't' would shadow"),
    ("probe named step", _train(probes={"step": probes.gradient_norm}), ValueError, "probe 'step' would shadow"),
    ("a list of probes", _train(probes=[probes.gradient_norm]), TypeError, "probes must be a dict"),
    ("a probe that is not a function", _train(probes={"g": 3.0}), TypeError, "probe 'g' must be a function"),
    ("a probe returning a string", _train(probes={"g": lambda m: "big"}), TypeError, "probe 'g' must return a tensor or a number"),
    ("a probe changing shape", _train(probes={"g": lambda m: torch.zeros(m.steps_done + 1)}), ValueError, "probe 'g' returned shape"),
    ("risk_on with a vector risk", _train(probes={"r": probes.risk_on(_x(), _y(), risk=lambda p, y: p - y)}), ValueError,
     "risk_on: the risk must return one number"),
    ("risk_on with nan labels", lambda: probes.risk_on(_x(), _with(_y(), 0, math.nan)), ValueError, "y holds 1 NaN"),
    ("risk_on with real labels and hinge", lambda: probes.risk_on(_x(), _y(), risk="hinge"), ValueError, "labels in {-1, 1}"),
    ("predictions_on a vector", lambda: probes.predictions_on(torch.ones(D)), ValueError, "x must have shape (n, d)"),
    ("model that is not a module", lambda: train("net", _x(), _y(), lr=0.1, steps=1), ValueError, "model must be a torch.nn.Module"),
    ("negative lr", _train(lr=-0.1), ValueError, "lr must be a finite number > 0"),
    ("all_parities on 0/1 points", lambda: all_parities(hypercube_points(3, values="01")), ValueError,
     "x must hold points of {-1, 1}^d"),
    ("all_parities on Gaussian points", lambda: all_parities(_x()), ValueError, "x must hold points of {-1, 1}^d"),
    ("all_parities on a vector", lambda: all_parities(torch.ones(3)), ValueError, "x must have shape (n, d)"),
    ("all_parities in dimension 21", lambda: all_parities(torch.ones(2, 21)), ValueError, "1 <= d <= 20"),
    ("integer dtype", lambda: TwoLayerNet(D, 4, dtype=torch.int64), ValueError, "dtype must be torch.float32 or torch.float64"),
    ("float16 dtype", lambda: TwoLayerNet(D, 4, dtype=torch.float16), ValueError, "dtype must be torch.float32"),
    ("unknown dtype string", lambda: TwoLayerNet(D, 4, dtype="half"), ValueError, "dtype must be torch.float32"),
    ("integer dtype, deep net", lambda: DeepReLUNet(D, 4, dtype=torch.int32), ValueError, "dtype must be torch.float32"),
    ("integer dtype, random features", lambda: RandomFeatureModel(D, 4, dtype=torch.int64), ValueError, "dtype must be"),
    ("integer dtype, sampler", lambda: sample_hypercube(4, 3, dtype=torch.int64), ValueError, "dtype must be torch.float32"),
    ("float16 dtype, sampler", lambda: sample_sphere(4, 3, dtype=torch.float16), ValueError, "dtype must be torch.float32"),
    ("train_seeds: nan in x", lambda: train_seeds(_with(_x(), 0, math.nan), _y(), m=3, seeds=[0, 1], lr=0.1, steps=1),
     ValueError, "x holds 1 NaN"),
    ("train_seeds: real labels, hinge", lambda: train_seeds(_x(), _y(), m=3, seeds=[0], lr=0.1, steps=1, risk="hinge"),
     ValueError, "labels in {-1, 1}"),
    ("train_seeds: integer dtype", lambda: train_seeds(_x(), _y(), m=3, seeds=[0], lr=0.1, steps=1, dtype=torch.int32),
     ValueError, "dtype must be torch.float32"),
    ("bias not a bool", lambda: TwoLayerNet(D, 4, bias="yes"), ValueError, "bias must be True or False"),
    ("Config init='xavier'", lambda: parity_sgd.Config(init="xavier"), ValueError, "init must be one of"),
    ("Config accelerator='tpu'", lambda: parity_sgd.Config(accelerator="tpu"), ValueError, "accelerator must be one of"),
    ("Config widths=()", lambda: kernel_regime_training.Config(widths=()), ValueError, "widths must be a non-empty tuple"),
    ("Config widths with 0", lambda: lazy_dynamics.Config(widths=(0, 32)), ValueError, "widths must be a positive integer"),
    ("Config steps=2.5", lambda: kernel_regime_training.Config(steps=2.5), ValueError, "steps must be an integer"),
    ("Config lr_scale=-1", lambda: kernel_regime_training.Config(lr_scale=-1.0), ValueError, "lr_scale must be a number > 0"),
    ("Config unknown preset", lambda: kernel_regime_training.Config.preset("huge"), ValueError, "preset must be one of"),
    ("Config unknown parameter", lambda: kernel_regime_training.Config.preset("quick", lr=0.1), ValueError,
     "unknown parameter(s) lr"),
    # issue 22: the last API errors that came from the inside (AttributeError, KeyError, a wrong reason)
    ("min_eigenvalue of a NaN matrix", lambda: min_eigenvalue(_with(torch.eye(3, dtype=torch.float64), 4, math.nan)),
     ValueError, "k holds 1 NaN"),
    ("empirical_ntk on NaN input", lambda: empirical_ntk(_net(), _with(_x(), 2, math.nan)), ValueError, "x holds 1 NaN"),
    ("empirical_ntk on infinite y", lambda: empirical_ntk(_net(), _x(), _with(_x(), 0, math.inf)), ValueError,
     "y holds 1 infinite"),
    ("empirical_gram on NaN input", lambda: empirical_gram(_net(), _with(_x(), 2, math.nan)), ValueError, "x holds 1 NaN"),
    ("from_network of a deep network", lambda: RandomFeatureModel.from_network(DeepReLUNet(D, 4)), ValueError,
     "net must be a TwoLayerNet"),
    ("from_network of a string", lambda: RandomFeatureModel.from_network("net"), ValueError, "net must be a TwoLayerNet"),
    ("first_layer_max_move on a deep network",
     lambda: train(DeepReLUNet(D, 4), _x(), _y(), lr=0.01, steps=1, probes={"move": probes.first_layer_max_move}),
     ValueError, "first_layer_max_move needs a model with a first-layer weight B"),
    ("parameter_distance(net)", lambda: probes.parameter_distance(_net()), TypeError,
     "parameter_distance is a probe: its argument module"),
    ("gradient_norm(net)", lambda: probes.gradient_norm(_net()), TypeError, "gradient_norm is a probe"),
    ("risk_on(x, y)(net)", lambda: probes.risk_on(_x(), _y())(_net()), TypeError, "risk_on(x, y) is a probe"),
    ("callbacks=[a function]", _train(callbacks=[lambda trainer: None]), TypeError,
     "callbacks must hold pytorch_lightning.Callback instances, got a function"),
    ("callbacks=a function", _train(callbacks=print), TypeError, "callbacks must be a list of pytorch_lightning.Callback"),
    ("lr=True in train", _train(lr=True), ValueError, "lr must be a finite number > 0, got True"),
    ("lr='0.1' in train", _train(lr="0.1"), ValueError, "lr must be a finite number > 0, got '0.1'"),
    ("lr=True in a Config", lambda: parity_sgd.Config(lr=True), ValueError, "lr must be a finite number, got True"),
    ("lr='0.1' in a Config", lambda: parity_sgd.Config(lr="0.1"), ValueError, "lr must be a finite number, got '0.1'"),
    ("lr=True in train_seeds", lambda: train_seeds(_x(), _y(), m=3, seeds=[0], lr=True, steps=1), ValueError,
     "lr must be a finite number > 0, got True"),
    ("output_scale='2'", lambda: TwoLayerNet(D, 4, output_scale="2"), ValueError, "output_scale must be a finite number > 0"),
    # the message names the shape given, not the one-row slice the model is probed with
    ("empirical_ntk of points of another dimension", lambda: empirical_ntk(_net(), torch.randn(10, D + 1)), ValueError,
     f"x must have shape (n, {D}) to match the model's input dimension, got (10, {D + 1})"),
    ("empirical_ntk of second points of another dimension", lambda: empirical_ntk(_net(), _x(), torch.randn(7, D + 1)),
     ValueError, f"y must have shape (n, {D}) to match the model's input dimension, got (7, {D + 1})"),
    ("train on accelerator='tpu'", _train(accelerator="tpu"), ValueError, "accelerator must be one of 'cpu', 'gpu', 'auto'"),
    ("parity_sgd with dims twice", lambda: parity_sgd.Config(dims=(4, 4), steps=(1, 2)), ValueError,
     "dims must be strictly increasing"),
    ("--set of a tuple with an empty item", lambda: parity_sgd.Config.parse_override("dims", "4,,8"), ValueError,
     "empty item"),
]


@pytest.mark.parametrize("name, call, error, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(name, call, error, fragment):
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value), str(info.value)
    assert "lower the learning rate" not in str(info.value)


def test_unknown_preset_in_the_environment_is_an_error(monkeypatch):
    monkeypatch.setenv("NNDYN_PRESET", "bogus")
    with pytest.raises(ValueError, match="NNDYN_PRESET must be one of"):
        kernel_regime_training.Config.preset()


# What used to fail and now has a documented behaviour -------------------------------------


def test_inputs_are_cast_to_the_models_dtype_at_every_entry_point():
    """One rule: float32 (or integer) inputs on a float64 model work everywhere, and vice versa."""
    x32 = torch.randn(6, D)  # float32, a student's first tensor
    y32 = torch.randn(6)
    for dtype in (torch.float64, torch.float32):
        net = TwoLayerNet(D, 5, init="balanced", seed=0, dtype=dtype)
        assert net(x32).dtype == dtype and net.features(x32.double()).dtype == dtype
        traj = train(net, x32, y32, lr=0.01, steps=3, record_every=1,
                     probes={"test": probes.risk_on(x32, y32), "pred": probes.predictions_on(x32.double())})
        assert traj["test"].shape == (4,) and traj["pred"].shape == (4, 6)
        assert empirical_ntk(net, x32).dtype == dtype and empirical_gram(net, x32).dtype == dtype
        assert explicit_gram(net, x32).dtype == dtype
        deep = DeepReLUNet(D, 4, dtype=dtype)
        assert deep(x32).dtype == dtype
    assert TwoLayerNet(D, 4, dtype="float32").B.dtype == torch.float32
    assert sample_sphere(3, D, dtype="float32").dtype == torch.float32
    integer_x = torch.ones(4, D, dtype=torch.int64)
    assert _net()(integer_x).dtype == torch.float64


def test_the_same_seed_gives_the_same_initialisation_in_float32_and_float64():
    for init in ("notes", "balanced", "standard"):
        a = TwoLayerNet(D, 7, init=init, seed=5, dtype=torch.float32)
        b = TwoLayerNet(D, 7, init=init, seed=5, dtype=torch.float64)
        assert torch.equal(a.B, b.B.float()) and torch.equal(a.a, b.a.float())


def test_a_probe_may_return_a_python_number():
    traj = train(_net(), _x(), _y(), lr=0.01, steps=2, record_every=1, probes={"one": lambda m: 1.0})
    assert traj["one"].tolist() == [1.0, 1.0, 1.0]


def test_hinge_accepts_pm1_labels_and_all_parities_accepts_integer_points():
    train(_net(), _x(), _pm1(), lr=0.01, steps=1, risk="hinge")
    parities = all_parities(sample_hypercube(5, 3, seed=0).long())
    assert parities.shape == (8, 5) and parities.dtype == torch.float64


def test_bias_lets_the_network_fit_an_odd_nonlinear_target():
    """y = sin(3 x_1) on Gaussian inputs: without a bias the odd part of the network is linear."""
    from nndyn.data import sample_gaussian

    x, x_test = sample_gaussian(200, 2, seed=0), sample_gaussian(400, 2, seed=1)
    y, y_test = torch.sin(3 * x[:, 0]), torch.sin(3 * x_test[:, 0])
    risks = {}
    for bias in (False, True):
        net = TwoLayerNet(2, 200, init="balanced", bias=bias, seed=0)
        traj = train(net, x, y, lr=1.0, steps=600, record_every=600, probes={"test": probes.risk_on(x_test, y_test)})
        risks[bias] = float(traj["test"][-1])
    assert risks[True] < 0.8 * risks[False]
    assert TwoLayerNet(2, 3, bias=True).B.shape == (3, 3)


# issue 22 -----------------------------------------------------------------------------------


def test_kernels_take_numpy_input_like_tensors():
    """empirical_ntk and min_eigenvalue convert NumPy arrays at the boundary (the one input check)."""
    import numpy as np

    net, x = _net(), _x()
    k = empirical_ntk(net, x)
    assert torch.equal(empirical_ntk(net, x.numpy()), k)
    assert torch.equal(empirical_ntk(net, x.numpy(), x.numpy()[:3]), k[:, :3])
    assert torch.equal(empirical_gram(net, x.numpy()), k)
    assert torch.equal(min_eigenvalue(k.numpy()), min_eigenvalue(k))
    assert float(min_eigenvalue(np.eye(3))) == 1.0
    assert torch.equal(explicit_gram(net, x.numpy()), explicit_gram(net, x))


def test_a_real_number_is_the_one_rule_for_learning_rates():
    """NumPy numbers are real numbers (accepted), as are ints; bools and strings are not (refused everywhere)."""
    import numpy as np

    for lr in (np.float64(0.01), np.float32(0.01), 1):
        train(_net(), _x(), _y(), lr=lr, steps=1)
    for lr in (True, np.bool_(True), "0.1", None):
        with pytest.raises(ValueError, match="lr must be a finite number > 0"):
            train(_net(), _x(), _y(), lr=lr, steps=1)
