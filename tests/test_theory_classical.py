"""Unit tests of the bounds of Theorems 1-3 and of the chapter-1 objectives."""

import numpy as np
import pytest
import torch

from nndyn import theory
from nndyn.objectives import descend, ill_conditioned_least_squares, pl_example


def test_bounds_by_hand():
    assert np.isclose(theory.nonconvex_gradient_bound(4.0, 1.0), 2.0)
    assert np.isclose(theory.nonconvex_gradient_bound(4.0, 1.0, lr=0.1, smoothness=10.0), 2.0 / np.sqrt(0.5))
    assert np.isclose(theory.convex_gap_bound(2.0, 4.0), 0.5)
    assert np.isclose(theory.pl_gap_bound(3.0, 2.0, 1.0), 3 * np.exp(-2))
    assert np.isclose(theory.pl_gap_bound(3.0, 2.0, 1.0, lr=0.1, smoothness=10.0), 3 * np.exp(-1))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: theory.nonconvex_gradient_bound(-1.0, 1.0), "initial_gap"),
        (lambda: theory.nonconvex_gradient_bound(1.0, [0.0, 1.0]), "t"),
        (lambda: theory.nonconvex_gradient_bound(1.0, 1.0, lr=1.0, smoothness=2.0), "lr \\* smoothness"),
        (lambda: theory.convex_gap_bound(1.0, 1.0, lr=0.5, smoothness=3.0), "lr \\* smoothness"),
        (lambda: theory.pl_gap_bound(1.0, 0.0, 1.0), "pl_constant"),
        (lambda: theory.pl_gap_bound(1.0, 1.0, -1.0), "t"),
        (lambda: theory.descent_factor(lr=-0.1), "lr"),
    ],
)
def test_bad_bound_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_pl_example_constants():
    obj = pl_example()
    theta = torch.linspace(-10, 10, 20001, dtype=torch.float64)
    theta = theta[theta.abs() > 1e-3]
    value = theta**2 + 3 * torch.sin(theta) ** 2
    slope = 2 * theta + 3 * torch.sin(2 * theta)
    assert (slope**2 / value).min().item() >= obj.pl_constant * (1 - 1e-9)
    assert 0.3 < obj.pl_constant < 0.4
    second = 2 + 6 * torch.cos(2 * theta)
    assert second.abs().max().item() <= obj.smoothness + 1e-12 and second.min() < 0  # smooth, not convex


def test_least_squares_minimiser_and_smoothness():
    obj = ill_conditioned_least_squares(p=12, seed=3)
    assert obj(obj.minimizer).item() < 1e-20
    H = torch.autograd.functional.hessian(obj.fn, obj.minimizer)
    eig = torch.linalg.eigvalsh(H)
    assert np.isclose(eig.max().item(), obj.smoothness) and np.isclose(eig.min().item(), 12.0**-2)


def test_descend_matches_manual_steps_and_checks_input():
    obj = pl_example()
    path = descend(obj, torch.tensor([1.0]), lr=0.05, steps=3)
    theta = 1.0
    for k in range(3):
        theta = theta - 0.05 * (2 * theta + 3 * np.sin(2 * theta))
    assert np.isclose(path.theta[-1, 0], theta)
    assert np.allclose(path.t, [0, 0.05, 0.1, 0.15])
    with pytest.raises(ValueError, match="lr"):
        descend(obj, torch.tensor([1.0]), lr=0, steps=3)
    with pytest.raises(ValueError, match="steps"):
        descend(obj, torch.tensor([1.0]), lr=0.1, steps=0)
    with pytest.raises(ValueError, match="p"):
        ill_conditioned_least_squares(p=0)
