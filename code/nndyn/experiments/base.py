"""What every experiment of the book shares: presets and the experiment registry.

An experiment is a module of :mod:`nndyn.experiments` that defines

* ``TITLE`` (str) and ``CHAPTER`` (int): what it shows and where;
* ``Config``: a frozen dataclass deriving from :class:`ExperimentConfig`, with a
  ``PRESETS`` mapping from each preset name to the field values that differ from the
  defaults, and a docstring whose ``Attributes`` section describes every field (``python
  -m nndyn show`` prints it);
* ``run(config) -> Result``: the computation (deterministic for a given ``config.seed``);
* ``plot(result) -> matplotlib.figure.Figure``: the figure of the book.

The book's chapters call ``Config.preset()``, ``run`` and ``plot``; the command line and
the reproduce page find experiments through :func:`registry` (and, without importing
torch, through :func:`nndyn.experiments.catalog.catalog`, which reads ``TITLE``,
``CHAPTER`` and ``DISTRIBUTED`` from each module's source).

Every field is checked when a ``Config`` is made (not when ``run`` starts), first by the
generic rules of :meth:`ExperimentConfig.check_fields`, which follow the type of each
field's default, then by the experiment's own ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
import re
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
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "init": ("notes", "balanced", "standard"),
        "accelerator": ("cpu", "gpu", "auto"),
    }
    """Allowed values of string fields, by field name (subclasses may extend it)."""

    def __post_init__(self) -> None:
        check_seed(self.seed)
        self.check_fields()

    def check_fields(self) -> None:
        """Check every field against the type of its default; raise :class:`ValueError` naming the field.

        * an integer field holds an integer (``>= 1`` when its default is ``>= 1``);
        * a float field holds a finite number (``> 0`` when its default is, except
          starting points, whose names end in ``start``);
        * a bool field holds ``True`` or ``False``; a string field one of :attr:`CHOICES`;
        * a tuple field holds a **non-empty** tuple (a list is converted) whose entries
          follow the same rules as the entries of the default.
        """
        for f in dataclasses.fields(self):
            if f.name == "seed" or f.default is dataclasses.MISSING:
                continue
            value = getattr(self, f.name)
            default = f.default
            if isinstance(default, tuple):
                if isinstance(value, list):
                    value = tuple(value)
                    object.__setattr__(self, f.name, value)
                if not isinstance(value, tuple) or not value:
                    raise ValueError(f"{f.name} must be a non-empty tuple like {default}, got {value!r}")
                for entry in value:
                    self._check_value(f.name, entry, default[0] if default else entry,
                                      positive=all(isinstance(v, (int, float)) and v > 0 for v in default))
            else:
                self._check_value(f.name, value, default, positive=None)

    def _check_value(self, name: str, value: Any, default: Any, *, positive: bool | None) -> None:
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, got {value!r}")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
                raise ValueError(f"{name} must be an integer, got {value!r}")
            if (default >= 1 if positive is None else positive) and value < 1:
                raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            must_be_positive = (default > 0 and not name.endswith("start")) if positive is None else positive
            if must_be_positive and value <= 0:
                raise ValueError(f"{name} must be a number > 0, got {value!r}")
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a string, got {value!r}")
            choices = self.CHOICES.get(name)
            if choices is not None and value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")

    @classmethod
    def describe(cls) -> dict[str, str]:
        """The description of every field, from the ``Attributes`` section of the class docstring."""
        return field_descriptions(cls)

    @classmethod
    def parse_override(cls, key: str, text: str) -> Any:
        """The value of field ``key`` written as ``text`` on the command line (``--set key=text``).

        The text is parsed to the type of the field's default: ``int``, ``float``, ``bool``
        (``true``/``false``), ``str``, or a tuple written with commas (``100,300,1000``;
        brackets are optional). The :class:`ExperimentConfig` then checks the value.

        Raises
        ------
        ValueError
            For an unknown field or text that is not of the field's type.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if key not in fields:
            raise ValueError(f"unknown parameter {key!r}; known: {', '.join(fields)}")
        default = fields[key].default
        try:
            if isinstance(default, tuple):
                body = text.strip().strip("()[]").strip()
                parts = [p.strip() for p in body.split(",")] if body else []
                if len(parts) > 1 and not parts[-1]:
                    parts.pop()  # a trailing comma, as in 5, for a one-element tuple
                if "" in parts:
                    raise ValueError(f"{key}={text} has an empty item; separate the values by single commas, e.g. 100,300,1000")
                kinds = {type(v) for v in default} or {str}
                kind = float if kinds == {int, float} else kinds.pop()
                return tuple(_parse_scalar(key, p, kind) for p in parts)
            return _parse_scalar(key, text, type(default))
        except ValueError as exc:
            raise ValueError(str(exc)) from None


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


def _parse_scalar(key: str, text: str, kind: type) -> Any:
    text = text.strip()
    if kind is bool:
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"{key} must be true or false, got {text!r}")
    if kind is int:
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(f"{key} must be an integer, got {text!r}")
        return int(text)
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{key} must be a number, got {text!r}") from None
    return text


def field_descriptions(cls: type) -> dict[str, str]:
    """``{field: description}`` from the numpydoc ``Attributes`` section of ``cls``'s docstring.

    An entry ``n, d : int`` describes both ``n`` and ``d``; the seed, inherited from
    :class:`ExperimentConfig`, has a standard description.
    """
    import inspect

    doc = inspect.getdoc(cls) or ""
    lines = doc.splitlines()
    out: dict[str, str] = {}
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes") + 2
    except StopIteration:
        start = len(lines)
    names: list[str] = []
    for line in lines[start:]:
        if line and not line.startswith(" "):
            if line.strip() in ("Notes", "Examples", "References", "Methods", "See Also") or set(line.strip()) == {"-"}:
                break
            names = [n.strip() for n in line.split(":")[0].split(",") if n.strip()]
            for name in names:
                out[name] = ""
        elif line.strip() and names:
            for name in names:
                out[name] = (out[name] + " " + line.strip()).strip()
    out.setdefault("seed", "The one user seed; every random object draws from its own stream of it (nndyn.seeding).")
    return out


def registry() -> dict[str, ModuleType]:
    """Every experiment module of :mod:`nndyn.experiments`, by name, in chapter order."""
    from nndyn import experiments

    from .catalog import NOT_EXPERIMENTS

    found = {}
    for info in pkgutil.iter_modules(experiments.__path__):
        if info.name.startswith("_") or info.name in NOT_EXPERIMENTS:
            continue
        module = importlib.import_module(f"nndyn.experiments.{info.name}")
        if all(hasattr(module, attr) for attr in ("Config", "run", "plot", "TITLE", "CHAPTER")):
            found[info.name] = module
    return dict(sorted(found.items(), key=lambda item: (item[1].CHAPTER, item[0])))


def preset_table(module: ModuleType) -> dict[str, dict[str, Any]]:
    """The full parameter set of every preset of an experiment module."""
    return {name: module.Config.preset(name).as_dict() for name in PRESETS}


LIGHT_MODULES = frozenset({"__future__", "dataclasses", "typing", "math", "copy", "collections.abc",
                           "nndyn._validation", "nndyn.presets", "nndyn.experiments.base"})
"""Modules whose imports :func:`light_config` keeps: none of them imports torch or NumPy."""


def light_config(name: str) -> type[ExperimentConfig] | None:
    """The ``Config`` class of experiment ``name``, made without importing its module; or ``None``.

    The command line checks the options (a bad ``--set``, a bad preset) with it before
    it imports the experiment, whose modules import torch (seconds on a slow machine).
    The class is made from the module's own source: its light imports (:data:`LIGHT_MODULES`),
    its module-level constants and the ``class Config`` statement, executed in a fresh
    namespace. ``None`` when that fails; the real ``Config`` checks everything again.
    """
    import ast
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec(f"nndyn.experiments.{name}")
        tree = ast.parse(Path(spec.origin).read_text())
        namespace: dict[str, Any] = {"__name__": __name__, "__package__": "nndyn.experiments"}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                module = importlib.util.resolve_name("." * node.level + (node.module or ""), "nndyn.experiments")
                if module in LIGHT_MODULES:
                    exec(compile(ast.Module([node], []), spec.origin, "exec"), namespace)  # noqa: S102
            elif isinstance(node, ast.Import):
                if all(alias.name in LIGHT_MODULES for alias in node.names):
                    exec(compile(ast.Module([node], []), spec.origin, "exec"), namespace)  # noqa: S102
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.FunctionDef)):
                try:
                    exec(compile(ast.Module([node], []), spec.origin, "exec"), namespace)  # noqa: S102
                except Exception:  # noqa: BLE001  (a constant made from a heavy module: not needed by Config)
                    pass
            elif isinstance(node, ast.ClassDef) and node.name == "Config":
                exec(compile(ast.Module([node], []), spec.origin, "exec"), namespace)  # noqa: S102
                config = namespace["Config"]
                return config if issubclass(config, ExperimentConfig) else None
    except Exception:  # noqa: BLE001  (no fast check; the real Config does it)
        return None
    return None
