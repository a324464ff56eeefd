"""Argument checks shared by the whole package.

Every public function validates its inputs with these helpers, so that bad input
raises a :class:`ValueError` that names the parameter and the allowed range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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


def _real(name: str, value: Any, requirement: str) -> float:
    """``value`` as a float if it is a real number, else a :class:`ValueError` naming ``name``.

    The one rule for real parameters (learning rates, scales, weights): a Python or NumPy
    number (or a one-element tensor), not a bool (``lr=True`` is a mistake, not ``lr=1``)
    and not a string (``lr='0.1'``). The experiments' ``Config`` float fields refuse
    bools and strings too (:meth:`nndyn.experiments.base.ExperimentConfig.check_fields`);
    the command line parses its text before either sees it.
    """
    kind = type(value).__name__
    if isinstance(value, bool) or kind in ("bool_", "bool") or isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
        raise ValueError(f"{name} must be {requirement}, got {value!r} (a {kind}, not a real number)")
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} must be {requirement}, got {value!r}") from None


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number > 0 (bools and strings are refused)."""
    value = _real(name, value, "a finite number > 0")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number >= 0 (bools and strings are refused)."""
    value = _real(name, value, "a finite number >= 0")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def check_in_range(name: str, value: Any, low: float, high: float) -> float:
    """Return ``value`` as a float, or raise if it is not a real number in ``[low, high]`` (bools and strings are refused)."""
    value = _real(name, value, f"a number in [{low}, {high}]")
    if not (low <= value <= high):
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value}")
    return value


def check_increasing(name: str, values: Sequence[float]) -> tuple:
    """Return ``values`` as a tuple, or raise if it is not strictly increasing (results keyed
    by these values would silently keep one run of a repeated one)."""
    values = tuple(values)
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{name} must be strictly increasing, got {values}")
    return values


def check_accuracy_levels(learned_level: float, chance_level: float | None = None) -> None:
    """Raise unless the accuracy levels of a parity experiment lie in ``[0.5, 1]``: the level
    that counts as learned and (if the experiment has one) the edge of the band of chance."""
    check_in_range("learned_level", learned_level, 0.5, 1.0)
    if chance_level is not None:
        check_in_range("chance_level", chance_level, 0.5, 1.0)


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


FLOAT_DTYPES: tuple[str, ...] = ("float32", "float64")
"""The floating-point types a model or sampler accepts (as ``torch.float32``/``torch.float64`` or these strings)."""


def check_dtype(value: Any, name: str = "dtype"):
    """Return ``value`` as ``torch.float32`` or ``torch.float64``, or raise.

    Strings ``"float32"`` and ``"float64"`` (also ``"torch.float64"``, ``"double"`` and
    ``"float"``) are accepted and converted. Integer types cannot carry gradients and
    ``float16``/``bfloat16`` lose the precision the book's comparisons need, so both
    raise a :class:`ValueError` naming ``name``.
    """
    import torch

    aliases = {"float32": torch.float32, "float": torch.float32, "float64": torch.float64, "double": torch.float64}
    if isinstance(value, str):
        key = value.strip().removeprefix("torch.")
        if key in aliases:
            return aliases[key]
    elif value in (torch.float32, torch.float64):
        return value
    raise ValueError(
        f"{name} must be torch.float32 or torch.float64 (or the strings 'float32', 'float64'), got {value!r}"
    )


def check_finite_tensor(name: str, value: Any, *, ndim: int | None = None, dtype=None):
    """Return ``value`` as a tensor (cast to ``dtype`` if given) after checking it is finite and non-empty.

    The one input check for data (shape, dtype, finiteness) of the package's public entry
    points: NumPy arrays and nested lists are converted here, at the boundary, so every
    function that takes data accepts them as it accepts tensors.

    Raises
    ------
    ValueError
        Naming ``name`` if it is not a tensor or array, has the wrong number of
        dimensions, is empty, or holds NaN or infinite entries.
    """
    import torch

    if not isinstance(value, torch.Tensor):
        if hasattr(value, "__array__") or isinstance(value, (list, tuple)):
            try:
                value = torch.as_tensor(value)
            except (TypeError, ValueError, RuntimeError):
                raise ValueError(f"{name} must be a tensor of numbers, got {type(value).__name__}") from None
        else:
            raise ValueError(f"{name} must be a tensor, got {type(value).__name__}")
    if ndim is not None and value.ndim != ndim:
        want = "(n, d)" if ndim == 2 else "(n,)"
        raise ValueError(f"{name} must have shape {want}, got shape {tuple(value.shape)}")
    if value.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(value.shape)}): there is nothing to compute with")
    if value.dtype == torch.bool or value.is_complex():
        raise ValueError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if dtype is not None:
        value = value.to(dtype)
    if value.is_floating_point() and not torch.isfinite(value).all():
        n_nan = int(torch.isnan(value).sum())
        n_inf = int(torch.isinf(value).sum())
        parts = [f"{k} {kind} {'entry' if k == 1 else 'entries'}" for k, kind in ((n_nan, "NaN"), (n_inf, "infinite")) if k]
        raise ValueError(f"{name} holds {' and '.join(parts)}; clean the data first")
    return value
