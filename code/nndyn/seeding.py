"""One user seed, many independent random streams.

Every random object of an experiment (the training data, the test set, the
initialisation of each network, the batches of a stream, ...) draws from its **own**
stream, derived from the one user seed and a *role* that names the object. Two roles
never share a stream, so a network is never a copy of its training data, and the test
set is never the training set.

The rule, used by every sampler, model and experiment of nndyn:

* public samplers and models take an integer ``seed`` and derive their stream from
  ``(seed, role)`` with :func:`derive_seed`, where the role is the kind of object:
  ``"data"`` for :func:`nndyn.data.sample_sphere` and the other samplers, ``"init"``
  for :class:`nndyn.TwoLayerNet` and the other models. So
  ``TwoLayerNet(d, m, seed=s)`` and ``sample_sphere(n, d, seed=s)`` are unrelated draws;
* an experiment that needs several objects of the same kind asks for one sub-seed per
  object, ``derive_seed(config.seed, "init", j)`` for the ``j``-th network, and passes
  it on.

Streams are made with :class:`numpy.random.SeedSequence`, whose ``spawn_key`` mechanism
is designed for exactly this: sequences with different keys give statistically
independent streams.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from ._validation import check_seed

__all__ = ["derive_seed", "numpy_generator", "torch_generator"]

_MASK63 = (1 << 63) - 1


def _key(part: str | int) -> int:
    """A stable non-negative integer for one part of a stream's name."""
    if isinstance(part, (bool, np.bool_)):
        raise ValueError(f"a stream key must be a string or an integer, got {part!r}")
    if isinstance(part, str):
        return int.from_bytes(hashlib.sha256(part.encode()).digest()[:8], "little")
    if isinstance(part, (int, np.integer)) and part >= 0:
        return int(part)
    raise ValueError(f"a stream key must be a string or an integer >= 0, got {part!r}")


def derive_seed(seed: int, role: str, *index: str | int) -> int:
    """The integer seed of the stream named ``(role, *index)`` of user seed ``seed``.

    Parameters
    ----------
    seed : int
        The user seed (an integer >= 0).
    role : str
        What the stream is for, for example ``"data"``, ``"test"``, ``"init"``,
        ``"batches"``.
    *index : str or int
        Further names, for example the number of a network among several.

    Returns
    -------
    int
        A seed in ``[0, 2**63)``; different ``(role, *index)`` give independent streams.

    Examples
    --------
    >>> derive_seed(0, "data") != derive_seed(0, "init")
    True
    >>> derive_seed(0, "init", 1) == derive_seed(0, "init", 1)
    True
    """
    seed = check_seed(seed)
    if not isinstance(role, str) or not role:
        raise ValueError(f"role must be a non-empty string, got {role!r}")
    keys = tuple(_key(part) for part in (role, *index))
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=keys)
    state = sequence.generate_state(2, dtype=np.uint32)
    return int((int(state[1]) << 32 | int(state[0])) & _MASK63)


def torch_generator(seed: int, role: str, *index: str | int) -> torch.Generator:
    """A CPU :class:`torch.Generator` on the stream ``(role, *index)`` of ``seed``."""
    return torch.Generator().manual_seed(derive_seed(seed, role, *index))


def numpy_generator(seed: int, role: str, *index: str | int) -> np.random.Generator:
    """A :class:`numpy.random.Generator` on the stream ``(role, *index)`` of ``seed``."""
    return np.random.default_rng(derive_seed(seed, role, *index))
