"""The rules every experiment module follows, checked in one call: :func:`check_experiment`.

The idea of scikit-learn's ``check_estimator``: a new experiment needs no boilerplate
tests of its own; ``tests/test_conformance.py`` runs this check over every experiment of
:func:`~nndyn.experiments.registry` (the science tests of what it shows stay the
experiment's own). The rules, by name (CONTRIBUTING.md lists them as a checklist):

``interface``
    ``TITLE`` (non-empty str), ``CHAPTER`` (int, 1 to 9), ``Config`` a frozen dataclass
    deriving from :class:`~nndyn.experiments.base.ExperimentConfig`, ``run`` and ``plot``.
    ``TITLE``, ``CHAPTER`` and ``DISTRIBUTED`` are literals in the module's source, as
    :func:`~nndyn.experiments.catalog.catalog` reads them without importing the module,
    and a docstring that starts with "Chapter N" names ``CHAPTER``.
``presets``
    ``Config.PRESETS`` names only known presets; ``Config.preset(p)`` builds for every
    preset; every field is described in the ``Attributes`` section of ``Config``'s docstring.
``bad_input``
    An unknown preset, an unknown parameter and a negative seed raise :class:`ValueError`
    naming them, when the ``Config`` is made.
``cli_round_trip``
    Every field of the quick ``Config``, written as ``--set key=value`` writes it and parsed
    back (:meth:`~nndyn.experiments.base.ExperimentConfig.parse_override`), gives the same ``Config``.
``seed_streams``
    The module's source never derives a seed by arithmetic (``seed + i``) and never calls
    :func:`~nndyn.seeding.derive_seed` twice with the same arguments (two random objects
    from one stream) unless the second call's line says ``# same object`` (it remakes the
    same object); a role is a string literal.
``result``
    ``run(config)`` returns a dataclass whose arrays (:func:`~nndyn.results.flatten_result`)
    are numeric and not empty; every :class:`~nndyn.training.trajectory.Trajectory` in it
    has one entry per recorded step in ``t``, ``loss`` and every probe's record.
``plot``
    ``plot(result)`` returns a :class:`matplotlib.figure.Figure` (closed afterwards).
``legible_text``
    Every text of the figures of ``plot`` and of every other public ``plot_*`` function
    of the module (the static figures behind interactive ones) shows at least
    :data:`nndyn.plotting.MIN_TEXT_PX` on the page (:func:`nndyn.plotting.small_text`):
    tick labels, axis labels, titles, legends and annotations.
``budget``
    The quick preset's measured run time (``code/nndyn/experiment_times.json``, when the
    file is there) is at most :data:`QUICK_BUDGET_S` seconds.
``determinism`` (expensive: a second run)
    Two runs of the same ``Config`` give bitwise the same arrays (wall-clock fields aside).

Usage::

    from nndyn.experiments import conformance, registry
    conformance.check_experiment(registry()["parity_sgd"])          # raises listing every failure
    conformance.check_experiment(module, skip=("determinism",))     # without the second run
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from ..presets import PRESETS
from .base import ExperimentConfig

RULES = ("interface", "presets", "bad_input", "cli_round_trip", "seed_streams", "result", "plot", "legible_text",
         "budget", "determinism")
"""Every rule, in the order they are checked."""
EXPENSIVE = ("determinism",)
"""Rules that run the experiment again."""
QUICK_BUDGET_S = 10.0
"""Most seconds the quick preset of one experiment may take (run and plot, one thread, as measured)."""
SAME_OBJECT = "# same object"
"""Comment that marks a second ``derive_seed`` call with the same arguments as deliberate:
it remakes the *same* random object (e.g. a network's initial state, to measure it), not a
second one."""
TIMING_FIELDS = ("seconds", "elapsed", "wall")
"""Result fields that hold wall-clock times (allowed to differ between two runs)."""


class ConformanceError(AssertionError):
    """An experiment breaks one or more rules; the message lists each, one per line."""


def check_experiment(module: ModuleType, *, preset: str = "quick", skip: Iterable[str] = (),
                     result: Any = None, timings: dict[str, dict[str, float]] | None = None) -> Any:
    """Check ``module`` against every rule of this module; return the result of its run.

    Parameters
    ----------
    module : module
        An experiment module (``nndyn.experiments.<name>``).
    preset : str
        The preset whose ``Config`` is run (``quick`` in the test suite).
    skip : iterable of str
        Rules not to check (names in :data:`RULES`).
    result : object, optional
        A result of ``run(Config.preset(preset))`` made already (the run is then not repeated).
    timings : dict, optional
        Measured seconds per experiment and preset (default: the book's table,
        :func:`nndyn.reproduce.measured_times`).

    Raises
    ------
    ValueError
        For an unknown rule in ``skip``.
    ConformanceError
        Listing every rule broken.
    """
    skip = set(skip)
    unknown = skip - set(RULES)
    if unknown:
        raise ValueError(f"skip: unknown rule(s) {', '.join(sorted(unknown))}; known: {', '.join(RULES)}")
    name = module.__name__.rpartition(".")[2]
    failures: list[str] = []
    state: dict[str, Any] = {"result": result}

    def rule(rule_name: str, check) -> None:
        if rule_name in skip:
            return
        try:
            problems = check() or []
        except Exception as exc:  # a rule that crashes is a broken rule, reported with the others
            problems = [f"raised {type(exc).__name__}: {exc}"]
        failures.extend(f"{name}: [{rule_name}] {p}" for p in problems)

    rule("interface", lambda: _interface(module))
    if failures:  # the other rules need the interface
        raise ConformanceError("\n".join(failures))
    config = module.Config.preset(preset)
    rule("presets", lambda: _presets(module))
    rule("bad_input", lambda: _bad_input(module))
    rule("cli_round_trip", lambda: _cli_round_trip(module, config))
    rule("seed_streams", lambda: _seed_streams(module))

    def get_result():
        if state["result"] is None:
            state["result"] = module.run(config)
        return state["result"]

    rule("result", lambda: _result(get_result()))
    try:
        rule("plot", lambda: _plot(module, get_result(), state))
        rule("legible_text", lambda: _legible_text(module, get_result(), state))
    finally:
        _close(state.pop("figure", None))
    rule("budget", lambda: _budget(name, timings))
    rule("determinism", lambda: _determinism(module, config, get_result()))
    if failures:
        raise ConformanceError("\n".join(failures))
    return state["result"]


def _interface(module: ModuleType) -> list[str]:
    problems = []
    title = getattr(module, "TITLE", None)
    if not isinstance(title, str) or not title.strip():
        problems.append("TITLE must be a non-empty string")
    chapter = getattr(module, "CHAPTER", None)
    if not isinstance(chapter, int) or isinstance(chapter, bool) or not 1 <= chapter <= 9:
        problems.append(f"CHAPTER must be the chapter's number (1 to 9), got {chapter!r}")
    config = getattr(module, "Config", None)
    if not (isinstance(config, type) and issubclass(config, ExperimentConfig)):
        problems.append("Config must be a class deriving from nndyn.experiments.base.ExperimentConfig")
    elif not (dataclasses.is_dataclass(config) and config.__dataclass_params__.frozen):
        problems.append("Config must be a frozen dataclass (@dataclasses.dataclass(frozen=True))")
    for function in ("run", "plot"):
        if not callable(getattr(module, function, None)):
            problems.append(f"{function} must be a function")
    problems += _catalog_entry(module)
    return problems


def _catalog_entry(module: ModuleType) -> list[str]:
    """What the command line reads from the source (no import) is what the module says."""
    import re

    from .catalog import Entry, module_constants

    path = getattr(module, "__file__", None)
    if not path:
        return []
    constants = module_constants(Path(path))
    read = (constants.get("CHAPTER"), constants.get("TITLE"), bool(constants.get("DISTRIBUTED", False)))
    actual = Entry(getattr(module, "CHAPTER", None), getattr(module, "TITLE", None), bool(getattr(module, "DISTRIBUTED", False)))
    problems = []
    if read != tuple(actual):
        problems.append(f"TITLE, CHAPTER and DISTRIBUTED must be literals at module level (the catalog reads them "
                        f"without importing the module): read {read}, the module has {tuple(actual)}")
    said = re.match(r"\s*Chapter (\d+)\b", module.__doc__ or "")
    if said and int(said.group(1)) != actual.chapter:
        problems.append(f"the docstring says Chapter {said.group(1)} but CHAPTER = {actual.chapter!r}")
    return problems


def _presets(module: ModuleType) -> list[str]:
    problems = []
    unknown = set(module.Config.PRESETS) - set(PRESETS)
    if unknown:
        problems.append(f"Config.PRESETS names unknown presets {sorted(unknown)}; known: {list(PRESETS)}")
    for name in PRESETS:
        module.Config.preset(name)
    fields = [f.name for f in dataclasses.fields(module.Config)]
    described = module.Config.describe()
    missing = [f for f in fields if not described.get(f)]
    if missing:
        problems.append(f"fields without a description in the Attributes section of Config's docstring: {missing}")
    return problems


def _raises(call, fragment: str) -> bool:
    try:
        call()
    except ValueError as exc:
        return fragment in str(exc)
    return False


def _bad_input(module: ModuleType) -> list[str]:
    problems = []
    if not _raises(lambda: module.Config.preset("huge"), "preset"):
        problems.append("Config.preset('huge') must raise ValueError naming the preset")
    if not _raises(lambda: module.Config.preset("quick", not_a_parameter=1), "not_a_parameter"):
        problems.append("an unknown parameter must raise ValueError naming it")
    if not _raises(lambda: module.Config.preset("quick", seed=-1), "seed"):
        problems.append("seed=-1 must raise ValueError naming the seed")
    return problems


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(_as_text(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def _cli_round_trip(module: ModuleType, config: ExperimentConfig) -> list[str]:
    problems = []
    values = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        try:
            parsed = module.Config.parse_override(f.name, _as_text(value))
        except ValueError as exc:
            problems.append(f"--set {f.name}={_as_text(value)} is refused: {exc}")
            continue
        if parsed != value:
            problems.append(f"--set {f.name}={_as_text(value)} gives {parsed!r}, not {value!r}")
        values[f.name] = parsed
    if not problems and type(config)(**values) != config:
        problems.append("the Config made from its own --set values differs from it")
    return problems


def _seed_streams(module: ModuleType) -> list[str]:
    """Static rules on the module's source (see the module docstring)."""
    source = inspect.getsource(module)
    tree = ast.parse(source)
    problems = []
    calls: dict[str, int] = {}

    def is_seed(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id == "seed") or (isinstance(node, ast.Attribute) and node.attr == "seed")

    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)) and (is_seed(node.left) or is_seed(node.right)):
            problems.append(f"line {node.lineno}: a seed made by arithmetic ({ast.unparse(node)}); "
                            "use nndyn.seeding.derive_seed(seed, 'role', index)")
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "derive_seed":
            if len(node.args) < 2 or not (isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
                problems.append(f"line {node.lineno}: derive_seed's role must be a string literal: {ast.unparse(node)}")
            key = ast.unparse(node)
            line = source.splitlines()[node.lineno - 1]
            if key in calls and SAME_OBJECT not in line:
                problems.append(f"lines {calls[key]} and {node.lineno}: the same stream twice ({key}): "
                                "two random objects from one seed")
            calls.setdefault(key, node.lineno)
    return problems


def _result(result: Any) -> list[str]:
    import numpy as np

    from ..results import flatten_result
    from ..training.trajectory import Trajectory

    if not (dataclasses.is_dataclass(result) and not isinstance(result, type)):
        return [f"run must return a dataclass (Result), got {type(result).__name__}"]
    arrays = flatten_result(result)
    problems = []
    if not arrays:
        problems.append("the result holds no array or number")
    bad = [k for k, v in arrays.items() if not (np.issubdtype(v.dtype, np.number) or v.dtype == bool)]
    if bad:
        problems.append(f"non-numeric arrays: {bad[:5]}")
    empty = [k for k, v in arrays.items() if v.size == 0]
    if empty:
        problems.append(f"empty arrays: {empty[:5]}")
    for path, trajectory in _find(result, Trajectory):
        n = len(trajectory.t)
        lengths = {"loss": len(trajectory.loss), "step": len(trajectory.step),
                   **{f"records[{k!r}]": len(v) for k, v in trajectory.records.items()}}
        wrong = {k: v for k, v in lengths.items() if v != n}
        if wrong:
            problems.append(f"{path or 'result'}: {len(trajectory.t)} times but {wrong}")
    return problems


def _find(obj: Any, kind: type, path: str = "") -> list[tuple[str, Any]]:
    """Every object of type ``kind`` inside dataclasses, dicts, lists and tuples, with its path."""
    if isinstance(obj, kind):
        return [(path, obj)]
    found = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            found += _find(getattr(obj, f.name), kind, f"{path}.{f.name}".lstrip("."))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            found += _find(v, kind, f"{path}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            found += _find(v, kind, f"{path}[{i}]")
    return found


def _close(figure: Any) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    if isinstance(figure, Figure):
        plt.close(figure)


def _plot(module: ModuleType, result: Any, state: dict[str, Any]) -> list[str]:
    """``plot(result)`` is a Figure; it is kept in ``state["figure"]`` for :func:`_legible_text`."""
    from matplotlib.figure import Figure

    state["plotted"] = True
    figure = module.plot(result)
    if not isinstance(figure, Figure):
        return [f"plot must return a matplotlib Figure, got {type(figure).__name__}"]
    state["figure"] = figure
    return []


def plot_functions(module: ModuleType) -> dict[str, Any]:
    """The module's own public functions that draw a result: ``plot`` and every ``plot_*``."""
    return {name: value for name, value in vars(module).items()
            if (name == "plot" or name.startswith("plot_")) and inspect.isfunction(value)
            and value.__module__ == module.__name__}


def _legible_text(module: ModuleType, result: Any, state: dict[str, Any]) -> list[str]:
    from matplotlib.figure import Figure

    from ..plotting import MIN_TEXT_PX, small_text

    problems = []
    for name, function in plot_functions(module).items():
        figure = state.pop("figure", None) if name == "plot" else None
        if name == "plot" and figure is None and state.get("plotted"):
            continue  # plot failed: reported by the plot rule
        figure = figure if figure is not None else function(result)
        try:
            if not isinstance(figure, Figure):
                continue  # reported by the plot rule (for plot)
            small = small_text(figure)
            if small:
                problems.append(f"{name}(result) has text smaller than {MIN_TEXT_PX:g} px on the page "
                                f"(nndyn.plotting.small_text): {', '.join(small[:6])}")
        finally:
            _close(figure)
    return problems


def _budget(name: str, timings: dict[str, dict[str, float]] | None) -> list[str]:
    if timings is None:
        from ..reproduce import measured_times

        timings = measured_times()
    seconds = timings.get(name, {}).get("quick")
    if seconds is None:
        return [f"no measured quick run time: run `.venv/bin/python benchmarks/time_experiments.py --only {name}`"] if timings else []
    if seconds > QUICK_BUDGET_S:
        return [f"the quick preset takes {seconds} s (measured), more than the {QUICK_BUDGET_S} s budget: make it smaller"]
    return []


def _determinism(module: ModuleType, config: ExperimentConfig, first: Any) -> list[str]:
    import numpy as np

    from ..results import flatten_result

    second = module.run(config)
    a, b = flatten_result(first), flatten_result(second)
    if set(a) != set(b):
        return [f"two runs of one Config give different fields: {sorted(set(a) ^ set(b))[:5]}"]
    differ = [k for k in a if not any(t in k for t in TIMING_FIELDS) and not np.array_equal(a[k], b[k], equal_nan=True)]
    return [f"two runs of one Config differ in {differ[:5]}"] if differ else []


def source_file(module: ModuleType) -> Path:
    """The file of an experiment module (for messages)."""
    return Path(inspect.getfile(module))
