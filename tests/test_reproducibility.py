"""Every experiment in the quick preset is bitwise reproducible on CPU for a given seed."""

from __future__ import annotations

import numpy as np
import pytest

from nndyn.experiments import registry
from nndyn.results import flatten_result

# Wall-clock measurements are the only fields allowed to differ between two runs.
TIMING_FIELDS = ("seconds", "elapsed", "wall")


def arrays(module, seed: int) -> dict[str, np.ndarray]:
    result = module.run(module.Config.preset("quick", seed=seed))
    return {k: v for k, v in flatten_result(result).items() if not any(t in k.split(".")[-1] for t in TIMING_FIELDS)}


@pytest.mark.parametrize("name", sorted(registry()))
def test_same_seed_gives_bitwise_identical_results(name):
    module = registry()[name]
    first, second = arrays(module, 0), arrays(module, 0)
    assert first.keys() == second.keys() and first, name
    for key in first:
        assert np.array_equal(first[key], second[key], equal_nan=first[key].dtype.kind == "f"), (name, key)
