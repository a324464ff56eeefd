"""Names of a package loaded on first use (PEP 562), shared by ``nndyn`` and ``nndyn.training``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, where: Mapping[str, str | None], namespace: dict[str, Any]) -> tuple[Callable, Callable]:
    """The module ``__getattr__`` and ``__dir__`` of ``package`` for the lazy names of ``where``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    where : mapping
        Name -> submodule (relative to ``package``) that defines it; ``None`` when the name
        is itself a submodule.
    namespace : dict
        The package's ``globals()``: a loaded name is stored there, so it loads once.
    """

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = where[name]
        if module is None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
