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


# -- issue 22: Ctrl-C in Python, the global random state, honest metric names ----------------


def _sigint_after(records: int):
    """A probe that sends this process SIGINT (a real Ctrl-C) at its ``records``-th call."""
    import os
    import signal

    calls = []

    def probe(module):
        calls.append(module.steps_done)
        if len(calls) == records:
            os.kill(os.getpid(), signal.SIGINT)
        return float(len(calls))

    return probe


def test_ctrl_c_in_train_raises_keyboard_interrupt_with_the_partial_trajectory(problem):
    """Lightning turns Ctrl-C into SystemExit(1) and leaves SIGINT ignored; train() raises KeyboardInterrupt and restores it."""
    import signal

    from nndyn.training import TrainingInterrupted

    x, y = problem
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a script or a notebook's kernel
    try:
        net = TwoLayerNet(d=5, m=7, init="balanced", seed=3)
        with pytest.raises(KeyboardInterrupt) as info:
            train(net, x, y, lr=0.05, steps=1000, record_every=10, probes={"calls": _sigint_after(3)})
        assert isinstance(info.value, TrainingInterrupted)
        traj = info.value.trajectory
        assert 2 <= len(traj) <= 3 and traj.step[0] == 0 and np.all(np.diff(traj.step) == 10)
        assert traj["calls"].shape == traj.loss.shape and traj.t[-1] == pytest.approx(0.05 * traj.step[-1])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "Ctrl-C must work again after the interruption"
        again = train(net, x, y, lr=0.05, steps=5)  # the model and the process can train again
        assert len(again) == 6
    finally:
        signal.signal(signal.SIGINT, before)


def test_an_interruption_before_the_first_record_says_so():
    from nndyn.training import TrainingInterrupted
    from nndyn.training.trajectory import Trajectory

    empty = Trajectory(step=np.zeros(0, dtype=np.int64), t=np.zeros(0), loss=np.zeros(0), lr=0.1)
    message = str(TrainingInterrupted(empty))
    assert "last record is at step" not in message and "before the first record" in message, message
    one = Trajectory(step=np.array([0]), t=np.array([0.0]), loss=np.array([1.0]), lr=0.1)
    assert "the last record is at step 0" in str(TrainingInterrupted(one))


def test_train_leaves_the_global_random_states_as_they_were(problem):
    import random

    x, y = problem
    torch.manual_seed(1234)
    states = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    train(TwoLayerNet(d=5, m=3, seed=0), x, y, lr=0.1, steps=3, record_every=1)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1]) and random.getstate() == states[2]


def _session_metrics(tmp_path, run) -> list[dict[str, str]]:
    import csv

    from nndyn.training import RunOptions, run_session
    from nndyn.training.session import merge_metrics

    with run_session(RunOptions(tmp_path / "run")) as session:
        result = run()
    merge_metrics(session.fit_dirs, tmp_path / "metrics.csv")
    with (tmp_path / "metrics.csv").open(newline="") as file:
        return result, list(csv.DictReader(file))


def test_metrics_csv_names_a_risk_a_risk_and_anything_else_an_objective(problem, tmp_path):
    """``train_risk`` only for the squared and hinge risks; another function minimised is an ``objective``."""
    from nndyn.losses import squared_risk

    x, y = problem
    traj, rows = _session_metrics(tmp_path / "a", lambda: train(TwoLayerNet(d=5, m=3, seed=0), x, y, lr=0.1, steps=4, record_every=2))
    assert list(rows[0]) == ["fit", "step", "train_risk"] and len(rows) == 4
    assert float(rows[0]["train_risk"]) == traj.loss[0] and float(rows[2]["train_risk"]) == traj.loss[1]
    scaled = lambda pred, y: squared_risk(pred, y) / 4  # noqa: E731  (a risk divided by alpha^2, as in output_scale)
    traj, rows = _session_metrics(tmp_path / "b", lambda: train(TwoLayerNet(d=5, m=3, seed=0), x, y, lr=0.1, steps=4, risk=scaled))
    assert list(rows[0]) == ["fit", "step", "objective"] and float(rows[0]["objective"]) == traj.loss[0]


def test_the_reproduce_page_describes_every_column_that_metrics_csv_can_hold(problem, tmp_path):
    """Every kind of training writes its columns; each is named on the Reproduce page (widths as train_risk_m50, ...)."""
    import re
    from pathlib import Path

    from nndyn.regularization import train_path_norm
    from nndyn.training import train_online
    from nndyn.widths import train_widths

    x, y = problem
    runs = {
        "gd": lambda: train(TwoLayerNet(d=5, m=3, seed=0), x, y, lr=0.1, steps=2),
        "penalty": lambda: train_path_norm(TwoLayerNet(d=5, m=3, seed=0), x, y, lr=0.1, steps=2, lam=0.1),
        "widths": lambda: train_widths(x, y, widths=(50, 200), lr_scale=1.0, steps=2, record_every=1, seed=0),
        "online": lambda: train_online(TwoLayerNet(d=3, m=4, init="balanced", seed=0), d=3, batch_size=4, steps=3, lr=0.1,
                                       eval_every=2, n_test=8),
    }
    columns = set()
    for name, run in runs.items():
        columns |= set(_session_metrics(tmp_path / name, run)[1][0])
    assert {"train_risk", "objective", "train_risk_m50", "train_risk_m200", "train_loss", "test_loss", "test_accuracy"} <= columns
    page = (Path(__file__).resolve().parents[1] / "book" / "reproduce.md").read_text()
    section = page.split("## The columns of `metrics.csv`")[1].split("\n## ")[0]
    named = set(re.findall(r"`([a-z_0-9]+)`", section))
    assert columns <= named, f"describe on the Reproduce page: {sorted(columns - named)}"
