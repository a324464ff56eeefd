"""Argument checks shared by the whole package.

Every public function validates its inputs with these helpers, so that bad input
raises a :class:`ValueError` that names the parameter and the allowed range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int,)) and not (
        hasattr(value, "__index__")
    ):
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    value = int(value)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return value


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= 0."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{name} must be a non-negative integer (>= 0), got {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer (>= 0), got {value}")
    return value


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number >= 0."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def check_in_range(name: str, value: Any, low: float, high: float) -> float:
    """Return ``value`` as a float, or raise if it is outside ``[low, high]``."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}") from None
    if not (low <= value <= high):
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value}")
    return value


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value``, or raise if it is not one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_seed(value: Any) -> int:
    """Return ``value`` as an int, or raise if it is not a valid seed (integer >= 0)."""
    return check_nonnegative_int("seed", value)


def check_input_shape(x: Any, d: int) -> None:
    """Raise unless ``x`` is a 2-D tensor or array of shape ``(n, d)``."""
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) != 2 or shape[1] != d:
        raise ValueError(f"x must have shape (n, {d}), got shape {shape}")
