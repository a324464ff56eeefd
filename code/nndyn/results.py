"""Flatten an experiment's result into named NumPy arrays (for ``.npz`` files)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch


def flatten_result(obj: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """Every array and number inside ``obj`` (dataclasses, dicts, lists), by dotted name.

    Parameters
    ----------
    obj : object
        A result: a dataclass (such as an experiment's ``Result`` or a
        :class:`~nndyn.training.trajectory.Trajectory`), a dict, a list or tuple, an array,
        a tensor or a number. Other objects (figures, modules, functions) are skipped.
    prefix : str
        Name of ``obj`` itself (empty at the top level).

    Returns
    -------
    dict[str, numpy.ndarray]
        Suitable for :func:`numpy.savez`.
    """
    out: dict[str, np.ndarray] = {}
    if isinstance(obj, torch.Tensor):
        out[prefix or "value"] = obj.detach().cpu().numpy()
    elif isinstance(obj, np.ndarray):
        if obj.dtype != object:
            out[prefix or "value"] = obj
    elif isinstance(obj, (bool, int, float, np.number)):
        out[prefix or "value"] = np.asarray(obj)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for field in dataclasses.fields(obj):
            out.update(flatten_result(getattr(obj, field.name), _join(prefix, field.name)))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            out.update(flatten_result(value, _join(prefix, str(key))))
    elif isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, (bool, int, float, np.number)) for v in obj):
            out[prefix or "value"] = np.asarray(obj)
        else:
            for i, value in enumerate(obj):
                out.update(flatten_result(value, _join(prefix, str(i))))
    return out


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
