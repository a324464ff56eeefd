"""What every experiment of the book shares: presets and the experiment registry.

An experiment is a module of :mod:`nndyn.experiments` that defines

* ``TITLE`` (str) and ``CHAPTER`` (int): what it shows and where;
* ``Config``: a frozen dataclass deriving from :class:`ExperimentConfig`, with a
  ``PRESETS`` mapping from each preset name to the field values that differ from the
  defaults;
* ``run(config) -> Result``: the computation (deterministic for a given ``config.seed``);
* ``plot(result) -> matplotlib.figure.Figure``: the figure of the book.

The book's chapters call ``Config.preset()``, ``run`` and ``plot``; the command line and
the reproduce page find experiments through :func:`registry`.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from types import ModuleType
from typing import Any, ClassVar, TypeVar

from .._validation import check_seed
from ..presets import PRESETS, check_preset, current_preset

C = TypeVar("C", bound="ExperimentConfig")


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """Base class of every experiment's ``Config``.

    Subclasses are frozen dataclasses whose fields are the experiment's parameters
    (with defaults) and whose class attribute ``PRESETS`` maps ``"quick"``, ``"full"``
    and ``"lecture"`` to the field values of each preset.
    """

    seed: int = 0
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {}

    def __post_init__(self) -> None:
        check_seed(self.seed)

    @classmethod
    def preset(cls: type[C], name: str | None = None, **overrides: Any) -> C:
        """The configuration of preset ``name`` (default: ``NNDYN_PRESET``), with ``overrides``.

        Raises
        ------
        ValueError
            For an unknown preset name or an unknown parameter.
        """
        name = check_preset(name) if name is not None else current_preset()
        values = {**cls.PRESETS.get(name, {}), **overrides}
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)} for {cls.__qualname__}; known: {', '.join(sorted(fields))}")
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict (for ``config.json`` and the reproduce page)."""
        return dataclasses.asdict(self)


def registry() -> dict[str, ModuleType]:
    """Every experiment module of :mod:`nndyn.experiments`, by name, in chapter order."""
    from nndyn import experiments

    found = {}
    for info in pkgutil.iter_modules(experiments.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"nndyn.experiments.{info.name}")
        if all(hasattr(module, attr) for attr in ("Config", "run", "plot", "TITLE", "CHAPTER")):
            found[info.name] = module
    return dict(sorted(found.items(), key=lambda item: (item[1].CHAPTER, item[0])))


def preset_table(module: ModuleType) -> dict[str, dict[str, Any]]:
    """The full parameter set of every preset of an experiment module."""
    return {name: module.Config.preset(name).as_dict() for name in PRESETS}
