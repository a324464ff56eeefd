"""Unit tests of the Lightning training path (nndyn.training)."""

import numpy as np
import pytest
import torch

from nndyn import TrainingDivergedError, TwoLayerNet, single_neuron_data, train
from nndyn.training import probes, step_schedule


@pytest.fixture
def problem():
    data = single_neuron_data(n=12, d=5, seed=0)
    return data.x_train, data.y_train


def explicit_gd_step(a, B, x, y, lr):
    """One step of the notes' flow (0.20), with the 1/n of the risk, written out by hand."""
    pre = x @ B.T  # (n, m)
    e = torch.relu(pre) @ a - y  # residuals
    n = x.shape[0]
    grad_a = torch.relu(pre).T @ e / n
    grad_B = ((e[:, None] * (pre > 0).double()) * a[None, :]).T @ x / n
    return a - lr * grad_a, B - lr * grad_B


def test_one_gd_step_matches_the_explicit_formula(problem):
    x, y = problem
    net = TwoLayerNet(d=5, m=7, init="balanced", seed=3)
    a0, B0 = net.a.detach().clone(), net.B.detach().clone()
    train(net, x, y, lr=0.3, steps=1)
    a1, B1 = explicit_gd_step(a0, B0, x, y, 0.3)
    assert torch.allclose(net.a, a1, atol=1e-14)
    assert torch.allclose(net.B, B1, atol=1e-14)


def test_several_steps_match_repeated_formula(problem):
    x, y = problem
    net = TwoLayerNet(d=5, m=7, init="balanced", seed=4)
    a, B = net.a.detach().clone(), net.B.detach().clone()
    train(net, x, y, lr=0.1, steps=25, record_every=4)
    for _ in range(25):
        a, B = explicit_gd_step(a, B, x, y, 0.1)
    assert torch.allclose(net.a, a, atol=1e-12) and torch.allclose(net.B, B, atol=1e-12)


def test_trajectory_records_time_loss_and_probes(problem):
    x, y = problem
    net = TwoLayerNet(d=5, m=20, seed=0)
    traj = train(net, x, y, lr=0.05, steps=100, record_every=10,
                 probes={"dist": probes.parameter_distance, "g": probes.gradient_norm,
                         "pred": probes.predictions_on(x[:3]), "bmove": probes.first_layer_max_move})
    assert list(traj.step) == list(range(0, 101, 10))
    assert np.allclose(traj.t, 0.05 * traj.step)
    assert traj["dist"][0] == 0 and traj["dist"][-1] > 0
    assert traj["pred"].shape == (11, 3)
    assert traj.loss[-1] < traj.loss[0]
    assert np.isclose(traj.loss[-1], 0.5 * ((net(x) - y) ** 2).mean().item())
    assert traj["bmove"][-1] <= traj["dist"][-1] + 1e-15
    with pytest.raises(KeyError, match="no record"):
        traj["missing"]


def test_same_seed_same_trajectory(problem):
    x, y = problem
    runs = [train(TwoLayerNet(d=5, m=10, init="balanced", seed=9), x, y, lr=0.1, steps=50).loss for _ in range(2)]
    assert np.array_equal(runs[0], runs[1])


def test_step_schedule():
    assert step_schedule(10, 4) == [4, 4, 2]
    assert step_schedule(8, 4) == [4, 4]


def test_divergence_raises_an_error_naming_the_learning_rate(problem):
    x, y = problem
    net = TwoLayerNet(d=5, m=10, init="balanced", seed=0)
    with pytest.raises(TrainingDivergedError, match=r"lr=1e\+06"):
        train(net, x, 100 * y, lr=1e6, steps=200, record_every=10)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"lr": 0.0, "steps": 5}, "lr"),
        ({"lr": -1.0, "steps": 5}, "lr"),
        ({"lr": float("nan"), "steps": 5}, "lr"),
        ({"lr": 0.1, "steps": 0}, "steps"),
        ({"lr": 0.1, "steps": 5, "record_every": 0}, "record_every"),
        ({"lr": 0.1, "steps": 5, "risk": "cross-entropy"}, "risk"),
    ],
)
def test_bad_training_arguments(problem, kwargs, name):
    x, y = problem
    with pytest.raises(ValueError, match=name):
        train(TwoLayerNet(d=5, m=3), x, y, **kwargs)


def test_shapes_that_do_not_match(problem):
    x, y = problem
    with pytest.raises(ValueError, match="x must have shape"):
        train(TwoLayerNet(d=4, m=3), x, y, lr=0.1, steps=1)
    with pytest.raises(ValueError, match="y must have shape"):
        train(TwoLayerNet(d=5, m=3), x, y[:-1], lr=0.1, steps=1)


# -- command-line sessions: options, metrics merging, stop requests ----------------------

def test_run_options_validate():
    from nndyn.training import RunOptions

    for bad in ({"max_steps": 0}, {"checkpoint_every": 0}, {"devices": 0}):
        with pytest.raises(ValueError):
            RunOptions("out", **bad)


def test_request_stop_outside_a_session_does_nothing():
    from nndyn.training.session import current_session, request_stop

    request_stop("nothing to stop")
    assert current_session() is None


def test_merge_metrics_lets_a_resumed_segment_replace_the_interrupted_one(tmp_path):
    from nndyn.training.session import merge_metrics

    def write(path, rows):
        path.mkdir(parents=True)
        (path / "metrics.csv").write_text("step,train_loss\n" + "".join(f"{s},{v}\n" for s, v in rows))

    fit = tmp_path / "fits" / "000"
    write(fit / "logs" / "version_0", [(0, 1.0), (1, 0.9), (2, 0.8)])  # rows past the last checkpoint at step 1
    write(fit / "logs" / "version_1", [(2, 0.7), (3, 0.6)])
    target = tmp_path / "metrics.csv"
    assert merge_metrics([fit], target) == 4
    assert target.read_text().splitlines() == ["fit,step,train_loss", "0,0,1.0", "0,1,0.9", "0,2,0.7", "0,3,0.6"]


def test_gd_module_without_a_plan_has_no_data_loader():
    from nndyn.training import GDModule

    module = GDModule(torch.nn.Linear(2, 1), torch.zeros(3, 2), torch.zeros(3), lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        module.train_dataloader()
