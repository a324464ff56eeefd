"""Several seeds of full-batch GD in one batched computation (nndyn.training.batched)."""

import numpy as np
import pytest
import torch

from nndyn import TrainingDivergedError, TwoLayerNet, single_neuron_data, train
from nndyn.training.batched import SeedTrajectories, stack_networks, train_seeds


@pytest.fixture
def problem():
    data = single_neuron_data(n=20, d=6, seed=0)
    return data.x_train, data.y_train


def plain_gd(net, x, y, *, lr, steps, record_every, risk="squared"):
    """The reference: a hand-written loop with torch.optim.SGD, recording like nndyn.train."""
    opt = torch.optim.SGD(net.parameters(), lr=lr)

    def risk_of():
        pred = net(x)
        return 0.5 * (pred - y).pow(2).mean() if risk == "squared" else torch.relu(1 - pred * y).mean()

    losses = []
    for k in range(steps + 1):
        if k % record_every == 0 or k == steps:
            with torch.no_grad():
                losses.append(risk_of().item())
        if k == steps:
            break
        opt.zero_grad(set_to_none=True)
        risk_of().backward()
        opt.step()
    return np.array(losses)


@pytest.mark.parametrize("init", ["balanced", "notes"])
def test_every_seed_matches_a_single_seed_run_of_train(problem, init):
    x, y = problem
    seeds = [3, 0, 11]
    runs = train_seeds(x, y, m=9, seeds=seeds, lr=0.2, steps=130, record_every=20, init=init)
    assert isinstance(runs, SeedTrajectories) and len(runs) == 3
    assert runs.loss.shape == (3, 8)
    assert runs.step.tolist() == [0, 20, 40, 60, 80, 100, 120, 130]  # as nndyn.train: a shorter last group
    for i, s in enumerate(seeds):
        net = TwoLayerNet(6, 9, init=init, seed=s)
        traj = train(net, x, y, lr=0.2, steps=130, record_every=20)
        np.testing.assert_array_equal(runs.step, traj.step)
        np.testing.assert_allclose(runs.t, traj.t)
        np.testing.assert_allclose(runs.loss[i], traj.loss, rtol=0, atol=1e-10)
        assert torch.allclose(runs.a[i], net.a.detach(), rtol=0, atol=1e-10)
        assert torch.allclose(runs.B[i], net.B.detach(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(runs.trajectory(i).loss, traj.loss, rtol=0, atol=1e-10)


@pytest.mark.parametrize("risk", ["squared", "hinge"])
def test_every_seed_matches_a_plain_loop_with_per_seed_data(risk):
    d, n, seeds = 5, 16, [1, 2, 7, 8]
    sets = [single_neuron_data(n=n, d=d, seed=10 + s) for s in range(len(seeds))]
    x = torch.stack([s.x_train for s in sets])
    y = torch.stack([torch.sign(s.y_train - 0.1) if risk == "hinge" else s.y_train for s in sets])
    runs = train_seeds(x, y, m=12, seeds=seeds, lr=0.1, steps=75, record_every=25, risk=risk)
    assert runs.loss.shape == (4, 4)
    for i, s in enumerate(seeds):
        net = TwoLayerNet(d, 12, init="balanced", seed=s)
        losses = plain_gd(net, x[i], y[i], lr=0.1, steps=75, record_every=25, risk=risk)
        np.testing.assert_allclose(runs.loss[i], losses, rtol=0, atol=1e-10)
        trained = runs.network(i)
        assert torch.allclose(trained.a, net.a.detach(), rtol=0, atol=1e-10)
        assert torch.allclose(trained.B, net.B.detach(), rtol=0, atol=1e-10)


def test_float32_and_the_error_band(problem):
    x, y = problem
    runs = train_seeds(x.float(), y.float(), m=8, seeds=range(5), lr=0.2, steps=40)
    assert runs.a.dtype == torch.float32 and runs.loss.dtype == np.float32
    assert runs.step.tolist() == list(range(41))  # default: about 200 records, here every step
    mean, low, high = runs.band(2.0)
    np.testing.assert_allclose(mean, runs.loss.mean(axis=0), rtol=1e-6)
    assert np.all(low <= mean) and np.all(mean <= high)
    np.testing.assert_allclose(high - mean, 2 * runs.loss.std(axis=0, ddof=1), rtol=1e-5)
    single = train_seeds(x, y, m=8, seeds=[0], lr=0.2, steps=5)
    assert np.all(single.band()[1] == single.band()[0])


def test_stack_networks():
    nets = [TwoLayerNet(3, 4, init="balanced", seed=s) for s in range(3)]
    a, B = stack_networks(nets)
    assert a.shape == (3, 4) and B.shape == (3, 4, 3)
    assert torch.equal(B[2], nets[2].B.detach())
    a.add_(1.0)
    assert not torch.equal(a[0], nets[0].a.detach())  # copies
    with pytest.raises(ValueError, match="nets"):
        stack_networks([])
    with pytest.raises(ValueError, match="nets"):
        stack_networks([nets[0], TwoLayerNet(3, 5)])
    with pytest.raises(ValueError, match="nets"):
        stack_networks([torch.nn.Linear(2, 1)])


def test_divergence_names_the_learning_rate(problem):
    x, y = problem
    with pytest.raises(TrainingDivergedError, match="lr=1e\\+06"):
        train_seeds(x * 100, y, m=10, seeds=[0, 1], lr=1e6, steps=200, record_every=10)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"m": 0}, "m"),
        ({"m": 2.5}, "m"),
        ({"seeds": []}, "seeds"),
        ({"seeds": 3}, "seeds"),
        ({"seeds": [0, -1]}, "seeds"),
        ({"seeds": "01"}, "seeds"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"steps": 0}, "steps"),
        ({"record_every": 0}, "record_every"),
        ({"init": "xavier"}, "init"),
        ({"risk": "logistic"}, "risk"),
        ({"output_scale": -1.0}, "output_scale"),
        ({"dtype": torch.int64}, "dtype"),
        ({"x": torch.zeros(20)}, "x"),
        ({"x": torch.zeros(3, 20, 6)}, "x"),
        ({"y": torch.zeros(19)}, "y"),
        ({"y": [0.0] * 20}, "y"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(problem, kwargs, name):
    x, y = problem
    args = {"x": x, "y": y, "m": 4, "seeds": [0, 1], "lr": 0.1, "steps": 3, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        train_seeds(args.pop("x"), args.pop("y"), **args)


def test_bad_index_and_band_width(problem):
    x, y = problem
    runs = train_seeds(x, y, m=4, seeds=[0, 1], lr=0.1, steps=2)
    for bad in (2, -1, 0.5, True):
        with pytest.raises(ValueError, match="index"):
            runs.trajectory(bad)
        with pytest.raises(ValueError, match="index"):
            runs.network(bad)
    with pytest.raises(ValueError, match="width"):
        runs.band(0.0)


def test_metrics_csv_of_several_widths_has_one_training_risk_per_width(tmp_path):
    """Issue 22: the widths trained side by side log their own risks, not the learning-rate-weighted sum."""
    import csv

    from nndyn.training import RunOptions, run_session
    from nndyn.training.session import merge_metrics
    from nndyn.widths import train_widths

    data = single_neuron_data(n=10, d=4, seed=0)
    with run_session(RunOptions(tmp_path / "run")) as session:
        _, traj = train_widths(data.x_train, data.y_train, widths=(5, 20), lr_scale=10.0, steps=4, record_every=2, seed=0)
    merge_metrics(session.fit_dirs, tmp_path / "metrics.csv")
    with (tmp_path / "metrics.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["fit", "step", "train_risk_m20", "train_risk_m5"] and len(rows) == 4
    for row, record in ((rows[0], 0), (rows[2], 1)):
        assert [float(row["train_risk_m5"]), float(row["train_risk_m20"])] == traj["risk"][record].tolist()
