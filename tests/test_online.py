"""Unit tests of nndyn.training.online (online SGD on the parity)."""

import numpy as np
import pytest
import torch

from nndyn.data import parity_target
from nndyn.models import TwoLayerNet
from nndyn.training.online import OnlineSGDModule, OnlineTrajectory, ParityStream, stream_seed, train_online


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_stream_is_deterministic_and_resumable():
    full = list(ParityStream(4, 8, 5, seed=3))
    assert len(full) == 5
    resumed = list(ParityStream(4, 8, 5, seed=3, start_step=2))
    assert len(resumed) == 3
    for (x1, y1), (x2, y2) in zip(full[2:], resumed):
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
    x, y = full[0]
    assert x.shape == (8, 4) and x.dtype == torch.float32
    assert torch.equal(y, parity_target(x))
    assert not torch.equal(full[0][0], full[1][0])  # a fresh batch every step


def test_ranks_draw_different_batches():
    a = ParityStream(6, 16, 1, seed=0, rank=0, world_size=2).batch(0)[0]
    b = ParityStream(6, 16, 1, seed=0, rank=1, world_size=2).batch(0)[0]
    assert not torch.equal(a, b)
    seeds = {stream_seed(0, k, r, 2) for k in range(10) for r in range(2)}
    assert len(seeds) == 20


def test_state_dict():
    s = ParityStream(3, 4, 10, seed=7, start_step=4)
    assert s.state_dict() == {"seed": 7, "start_step": 4}


def test_train_online_learns_small_parity_and_records():
    net = TwoLayerNet(4, 64, init="balanced", dtype=torch.float32, seed=0)
    traj = train_online(net, d=4, batch_size=128, steps=200, lr=0.5, eval_every=20, n_test=256, seed=1)
    assert isinstance(traj, OnlineTrajectory)
    assert traj.step[0] == 0 and traj.step[-1] == 200
    assert len(traj.step) == len(traj.train_loss) == len(traj.test_accuracy) == 11
    assert traj.test_accuracy[-1] >= 0.95
    assert traj.steps_to_accuracy(0.95) <= 200
    assert traj.steps_to_accuracy(1.01 - 0.01) <= 200
    assert traj.train_loss[-1] < traj.train_loss[1]


def test_train_online_is_deterministic():
    runs = []
    for _ in range(2):
        net = TwoLayerNet(5, 16, init="balanced", dtype=torch.float32, seed=2)
        runs.append(train_online(net, d=5, batch_size=32, steps=30, lr=0.1, eval_every=10, n_test=64, seed=0))
    assert np.array_equal(runs[0].test_loss, runs[1].test_loss)


def test_checkpoint_hooks_restore_the_step_counter():
    net = TwoLayerNet(3, 4, dtype=torch.float32)
    module = OnlineSGDModule(net, d=3, batch_size=4, steps=10, lr=0.1, n_test=8)
    module.steps_done = 6
    ckpt = {}
    module.on_save_checkpoint(ckpt)
    other = OnlineSGDModule(TwoLayerNet(3, 4, dtype=torch.float32), d=3, batch_size=4, steps=10, lr=0.1, n_test=8)
    other.on_load_checkpoint(ckpt)
    assert other.steps_done == 6
    assert len(list(other.stream())) == 4


def test_steps_to_accuracy_never():
    traj = OnlineTrajectory(np.array([0, 10]), np.ones(2), np.ones(2), np.array([0.5, 0.52]))
    assert traj.steps_to_accuracy(0.9) == float("inf")
    with pytest.raises(ValueError):
        traj.steps_to_accuracy(1.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ParityStream(0, 4, 1),
        lambda: ParityStream(3, 0, 1),
        lambda: ParityStream(3, 4, -1),
        lambda: ParityStream(3, 4, 1, rank=2, world_size=2),
        lambda: stream_seed(-1, 0),
        lambda: train_online(TwoLayerNet(3, 4, dtype=torch.float32), d=4, batch_size=4, steps=1, lr=0.1),
        lambda: train_online(TwoLayerNet(3, 4, dtype=torch.float32), d=3, batch_size=4, steps=1, lr=0.0),
        lambda: train_online(TwoLayerNet(3, 4, dtype=torch.float32), d=3, batch_size=4, steps=0, lr=0.1),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_bias_input_appends_a_constant_coordinate():
    x, y = ParityStream(5, 16, 1, seed=0, bias_input=True).batch(0)
    assert x.shape == (16, 6)
    assert torch.all(x[:, -1] == 1)
    assert torch.equal(y, parity_target(x[:, :5]))
    with pytest.raises(ValueError):
        train_online(TwoLayerNet(5, 4, dtype=torch.float32), d=5, batch_size=4, steps=1, lr=0.1, bias_input=True)


def test_odd_parity_needs_a_bias():
    # without biases the odd part of a ReLU network is linear: the 5-bit parity stays at chance
    accuracy = {}
    for bias in (False, True):
        net = TwoLayerNet(5 + bias, 128, init="balanced", dtype=torch.float32, seed=0)
        traj = train_online(net, d=5, batch_size=256, steps=300, lr=0.3, eval_every=50, n_test=1000, bias_input=bias)
        accuracy[bias] = traj.test_accuracy.max()
    assert accuracy[False] < 0.62
    assert accuracy[True] >= 0.95
