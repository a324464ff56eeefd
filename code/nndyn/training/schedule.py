"""How full-batch gradient steps are grouped into Lightning training steps."""

from __future__ import annotations

from .._validation import check_nonnegative_int, check_positive_int


def step_schedule(steps: int, record_every: int) -> list[int]:
    """Split ``steps`` gradient steps into calls of ``record_every`` steps (the last may be shorter).

    Parameters
    ----------
    steps : int
        Number of gradient steps (>= 0).
    record_every : int
        Steps per call (>= 1).

    Examples
    --------
    >>> step_schedule(7, 3)
    [3, 3, 1]
    """
    steps = check_nonnegative_int("steps", steps)
    record_every = check_positive_int("record_every", record_every)
    full, rest = divmod(steps, record_every)
    return [record_every] * full + ([rest] if rest else [])
