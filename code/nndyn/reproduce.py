"""Tables for the book's "Reproduce" page, generated from the experiment configurations."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from .cli import command_line
from .experiments import preset_table, registry
from .presets import PRESETS

TIMINGS_NAME = "experiment_times.json"
"""Measured run times of every experiment: package data of ``nndyn`` (``code/nndyn/experiment_times.json``
in the repository, shipped in the wheel), written by ``benchmarks/time_experiments.py``."""


def _format_params(params: dict, reference: dict | None = None) -> str:
    items = [(k, v) for k, v in params.items() if reference is None or reference.get(k) != v]
    if not items:
        return "same as full"
    return ", ".join(f"`{k}={v}`" for k, v in items)


def timings_record(path: Path | None = None) -> dict:
    """The record of the last measurement of run times in ``path`` (default: the package's
    :data:`TIMINGS_NAME`, read with ``importlib.resources``): ``seconds`` (per experiment
    and preset), ``measured`` (the date), ``machine`` and ``torch_threads``; empty if never measured."""
    source = resources.files("nndyn").joinpath(TIMINGS_NAME) if path is None else path
    if not source.is_file():
        return {}
    return json.loads(source.read_text(encoding="utf-8"))


def measured_times(path: Path | None = None) -> dict[str, dict[str, float]]:
    """Seconds per experiment and preset, as last measured (empty if never measured)."""
    return timings_record(path).get("seconds", {})


def timings_note(path: Path | None = None) -> str:
    """One sentence: when, where and how the run times of :func:`experiments_table` were measured."""
    record = timings_record(path)
    if not record:
        return "Run times: not measured yet (`benchmarks/time_experiments.py`)."
    threads = record.get("torch_threads")
    how = f", torch with {threads} thread{'s' if threads != 1 else ''}" if threads else ""
    when = f" on {record['measured']}" if "measured" in record else ""
    return (f"Run times: `run` and `plot` of each experiment, measured{when} on {record.get('machine', 'a two-core CPU')}"
            f"{how}, the experiments one after the other in one process (`benchmarks/time_experiments.py`). The command "
            "adds a few seconds: starting Python, importing torch and Lightning, writing its files. A busy machine takes longer.")


def experiments_table() -> str:
    """A Markdown table: chapter, experiment, what its figure shows, the command, run times."""
    times = measured_times()
    rows = ["| Ch. | Experiment | Figure | Command (full preset, writes runs/EXPERIMENT) | Run time quick / full |", "|---|---|---|---|---|"]
    for name, module in registry().items():
        t = times.get(name, {})
        when = " / ".join(f"{t[p]:.1f}\u00a0s" if p in t else "n/a" for p in ("quick", "full"))  # no break before "s"
        rows.append(f"| {module.CHAPTER} | `{name}` | {module.TITLE} | `{command_line(name, 'full')}` | {when} |")
    return "\n".join(rows)


def parameters_table() -> str:
    """A Markdown table of every experiment's parameters in each preset (quick and lecture as differences from full)."""
    rows = ["| Experiment | full | quick (differences) | lecture (differences) |", "|---|---|---|---|"]
    for name, module in registry().items():
        table = preset_table(module)
        full = table["full"]
        rows.append(
            f"| `{name}` | {_format_params(full)} | {_format_params(table['quick'], full)} | {_format_params(table['lecture'], full)} |"
        )
    assert set(PRESETS) == {"quick", "full", "lecture"}
    return "\n".join(rows)
