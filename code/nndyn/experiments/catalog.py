"""The experiments of the book by name: chapter, title and whether they run on several devices.

Derived from the experiment modules themselves, without importing them (their imports
take seconds: torch), so that ``python -m nndyn list`` and ``--help`` answer at once.
Each module of :mod:`nndyn.experiments` is the one place for its own ``TITLE``,
``CHAPTER`` and (optionally) ``DISTRIBUTED``: :func:`catalog` reads these module-level
constants from the module's source with ``ast``. A new experiment module appears
here, on the command line and on the API page (the ``experiment-modules`` directive of
``scripts/experiment_modules.py``) with no line to add anywhere.

The constants must therefore be literals (``TITLE = "..."``, ``CHAPTER = 6``,
``DISTRIBUTED = True``); ``tests/test_cli.py`` checks that :func:`catalog` equals
:func:`nndyn.experiments.registry` (which imports every module).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

NOT_EXPERIMENTS = frozenset({"base", "catalog", "conformance"})
"""Modules of the package that are not experiments (they define no ``TITLE``/``CHAPTER`` either)."""


class Entry(NamedTuple):
    """One experiment as the command line lists it."""

    chapter: int
    """The book's chapter whose figure it makes (``CHAPTER``)."""
    title: str
    """What its figure shows (``TITLE``)."""
    distributed: bool
    """Whether it runs on several devices (``DISTRIBUTED``, default ``False``)."""


CONSTANTS = ("TITLE", "CHAPTER", "DISTRIBUTED")
"""The module-level names the catalog reads."""
_STATEMENT = re.compile(r"^(%s)\s*(:[^=]*)?=" % "|".join(CONSTANTS))
_MAX_LINES = 20


def module_constants(path: Path, names: tuple[str, ...] = CONSTANTS) -> dict[str, object]:
    """The module-level assignments ``NAME = literal`` of ``names`` in the Python file ``path``.

    Read without importing the file, and without parsing all of it (parsing every
    experiment module with ``ast`` takes about 0.3 s, as long as the rest of
    ``nndyn list``): a statement that starts at column 0 with one of ``names`` is parsed
    alone (continuation lines included) and its value evaluated with
    ``ast.literal_eval``. A value that is not a literal is left out.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    out: dict[str, object] = {}
    for i, line in enumerate(lines):
        match = _STATEMENT.match(line)
        if not match or match.group(1) not in names:
            continue
        for end in range(i + 1, min(i + _MAX_LINES, len(lines)) + 1):
            try:
                tree = ast.parse("\n".join(lines[i:end]))
            except SyntaxError:
                continue
            node = tree.body[0] if tree.body else None
            value = getattr(node, "value", None)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and value is not None:
                try:
                    out[match.group(1)] = ast.literal_eval(value)
                except ValueError:
                    pass
            break
    return out


def _entry(name: str, constants: dict[str, object]) -> Entry | None:
    chapter, title = constants.get("CHAPTER"), constants.get("TITLE")
    if chapter is None and title is None:
        return None
    if not isinstance(chapter, int) or not isinstance(title, str):
        raise ValueError(f"nndyn.experiments.{name}: TITLE must be a string literal and CHAPTER an int literal "
                         f"at module level, got TITLE={title!r}, CHAPTER={chapter!r}")
    return Entry(chapter, title, bool(constants.get("DISTRIBUTED", False)))


def catalog(folder: Path | None = None) -> dict[str, Entry]:
    """Every experiment module by name, in chapter order (then by name), read from the sources.

    Parameters
    ----------
    folder : pathlib.Path, optional
        The folder of the experiment modules (default: this package's).

    Returns
    -------
    dict
        ``name -> Entry(chapter, title, distributed)``: the modules of the folder whose
        names do not start with ``_``, other than :data:`NOT_EXPERIMENTS`, that define
        ``TITLE`` and ``CHAPTER``.

    Raises
    ------
    ValueError
        If a module defines ``TITLE`` or ``CHAPTER`` but not both as literals.
    """
    return dict(_catalog(Path(__file__).resolve().parent if folder is None else Path(folder)))


@lru_cache(maxsize=None)
def _catalog(folder: Path) -> tuple[tuple[str, Entry], ...]:
    found = {}
    for path in sorted(folder.glob("*.py")):
        name = path.stem
        if name.startswith("_") or name in NOT_EXPERIMENTS:
            continue
        entry = _entry(name, module_constants(path))
        if entry is not None:
            found[name] = entry
    return tuple(sorted(found.items(), key=lambda item: (item[1].chapter, item[0])))
