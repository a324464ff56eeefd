"""Several devices through Lightning: DDP with 2 CPU processes (gloo) on the parity experiment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from nndyn.experiments import parity_sgd
from nndyn.losses import hinge_risk
from nndyn.models import TwoLayerNet
from nndyn.seeding import derive_seed
from nndyn.training.online import ParityStream

pytestmark = [
    pytest.mark.skipif(not torch.distributed.is_gloo_available(), reason="needs torch.distributed with gloo"),
    # one worker runs both tests, so the module's DDP run (the fixture) happens once per test run
    pytest.mark.xdist_group("ddp"),
]

CONFIG = parity_sgd.Config.preset("quick")


def cli(*args: str, cwd) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "nndyn", *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def one_process_step() -> dict[str, torch.Tensor]:
    """One SGD step of the first training on the global batch: both ranks' halves, concatenated."""
    d = CONFIG.dims[0]
    net = TwoLayerNet(d + 1, CONFIG.width, init=CONFIG.init, seed=derive_seed(CONFIG.seed, "network", d), dtype=torch.float32)
    halves = [
        ParityStream(d, CONFIG.batch_size // 2, 1, seed=derive_seed(CONFIG.seed, "data", d), rank=r, world_size=2, bias_input=True).batch(0)
        for r in range(2)
    ]
    x, y = torch.cat([h[0] for h in halves]), torch.cat([h[1] for h in halves])
    optimizer = torch.optim.SGD(net.parameters(), lr=CONFIG.lr)
    hinge_risk(net(x), y).backward()
    optimizer.step()
    return {name: p.detach() for name, p in net.named_parameters()}


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    """A quick-preset run under DDP with 2 processes, stopped after one step and then resumed."""
    out = tmp_path_factory.mktemp("ddp") / "run"
    args = ("run", "parity_sgd", "--preset", "quick", "--devices", "2", "--strategy", "ddp", "--out", str(out))
    cli(*args, "--max-steps", "1", cwd=out.parent)
    first_step = torch.load(out / "fits" / "000" / "last.ckpt", weights_only=False)["state_dict"]
    cli(*args, "--resume", cwd=out.parent)
    return first_step, np.load(out / "result.npz")


def test_one_ddp_step_equals_one_process_on_the_global_batch(ddp_run):
    first_step, _ = ddp_run
    expected = one_process_step()
    d = CONFIG.dims[0]
    initial = TwoLayerNet(d + 1, CONFIG.width, init=CONFIG.init, seed=derive_seed(CONFIG.seed, "network", d), dtype=torch.float32)
    for name, value in expected.items():
        moved = (value - initial.state_dict()[name]).abs().max().item()
        assert moved > 1e-4, "the step must move the parameters for the comparison to mean anything"
        torch.testing.assert_close(first_step[f"model.{name}"], value, rtol=0, atol=1e-5)


def test_ddp_run_reaches_the_accuracy_band_of_one_process(ddp_run):
    _, result = ddp_run
    small, large = CONFIG.dims[:-1], CONFIG.dims[-1]
    for d in small:
        assert result[f"max_accuracy.{d}"] >= CONFIG.learned_level, d
    learned = max(float(result[f"steps_to_learn.{d}"]) for d in small)
    # As in one process (tests/test_chapters_4_5.py): the largest dimension stays at
    # chance for several times the steps the smaller ones needed.
    assert float(result[f"steps_at_chance.{large}"]) >= 3 * learned
