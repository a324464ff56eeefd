"""Science and unit tests of the random-subset parity experiment (chapter 4, quick preset)."""

import numpy as np
import pytest
import torch

from nndyn.data import parity_target
from nndyn.experiments import parity_random_subsets as prs
from nndyn.seeding import derive_seed
from nndyn.training.online import ParityStream


@pytest.fixture(scope="module")
def result():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield prs.run(prs.Config.preset("quick"))
    finally:
        torch.set_num_threads(before)


def test_median_steps_grow_with_d(result):
    medians = [result.median_steps(d) for d in result.config.dims]
    assert all(b > a for a, b in zip(medians, medians[1:]) if np.isfinite(a))
    assert np.isfinite(medians[0]) and np.isfinite(medians[1])  # the small dimensions are learned


def test_full_parity_not_learned_faster_than_the_median_draw(result):
    for d in result.config.dims:
        assert result.full_steps_to_learn[d] >= result.median_steps(d)


def test_no_draw_learned_at_the_largest_dimension(result):
    cfg = result.config
    d = cfg.dims[-1]
    assert np.all(np.isinf(result.steps_to_learn[d]))
    assert np.all(result.final_accuracy[d] < cfg.learned_level)
    assert cfg.batch_size * cfg.max_steps < 2**d  # the run saw fewer samples than the cube has points
    assert result.sample_budget == cfg.batch_size * cfg.max_steps


def test_learned_runs_stop_at_the_level_and_the_others_run_to_the_cap(result):
    cfg = result.config
    for d in cfg.dims:
        for k, steps in enumerate(result.steps_to_learn[d]):
            traj = result.runs[f"d{d}_S{k}"]
            if np.isfinite(steps):
                assert traj.step[-1] == steps and traj.test_accuracy[-1] >= cfg.learned_level
                assert np.all(traj.test_accuracy[:-1] < cfg.learned_level)
            else:
                assert traj.step[-1] == cfg.max_steps


def test_subsets_are_uniform_draws_from_their_own_stream(result):
    for d in result.config.dims:
        for k in range(result.config.draws):
            expected = np.random.default_rng(derive_seed(result.config.seed, "subset", d, k)).integers(0, 2, size=d)
            assert np.array_equal(result.subsets[d][k], expected)
        assert np.array_equal(result.sizes[d], result.subsets[d].sum(1))
    # over many draws each coordinate is in S with probability 1/2
    many = np.stack([prs.draw_subset(0, 16, k) for k in range(400)])
    assert abs(many.mean() - 0.5) < 0.03


def test_stream_labels_are_the_parity_of_the_subset():
    v = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    stream = ParityStream(6, 64, 3, seed=5, subset=v, bias_input=True)
    x, y = stream.batch(1)
    assert x.shape == (64, 7) and torch.all(x[:, -1] == 1)
    assert torch.equal(y, x[:, 0] * x[:, 2] * x[:, 5])
    full = ParityStream(6, 64, 3, seed=5)
    assert torch.equal(full.batch(1)[1], parity_target(full.batch(1)[0]))
    with pytest.raises(ValueError, match="subset"):
        ParityStream(6, 64, 3, subset=torch.ones(5))
    with pytest.raises(ValueError, match="subset"):
        ParityStream(6, 64, 3, subset=2 * torch.ones(6))


def test_config_validation():
    with pytest.raises(ValueError, match="dims"):
        prs.Config(dims=(8, 8))
    with pytest.raises(ValueError, match="draws"):
        prs.Config(draws=0)
    with pytest.raises(ValueError, match="learned_level"):
        prs.Config(learned_level=1.5)
    with pytest.raises(ValueError, match="max_steps"):
        prs.Config(max_steps=0)
