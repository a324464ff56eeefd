"""The command line: ``python -m nndyn list`` and ``python -m nndyn run EXPERIMENT``.

``run`` executes the same code the book executes and writes, into ``--out``:
``config.json`` (experiment, preset and every parameter), ``result.npz`` (every array of
the result) and ``figure.png`` (the book's figure). Errors (an unknown experiment, a
negative seed, an unwritable folder or a folder holding another experiment's run) print
one line and exit with status 2, leaving existing files untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .presets import PRESETS


class CommandError(Exception):
    """A user error: printed as one line, exit status 2."""


def _experiments():
    from .experiments import registry

    return registry()


def command_line(experiment: str, preset: str, seed: int = 0) -> str:
    """The command that reruns ``experiment`` in ``preset`` (as printed on the reproduce page)."""
    extra = f" --seed {seed}" if seed else ""
    return f"python -m nndyn run {experiment} --preset {preset}{extra} --out runs/{experiment}"


def list_experiments(stream=None) -> None:
    """Print every experiment with its chapter, title and the parameters of each preset (to ``stream``, default stdout)."""
    from .experiments import preset_table

    stream = stream or sys.stdout
    for name, module in _experiments().items():
        print(f"{name}  (chapter {module.CHAPTER}): {module.TITLE}", file=stream)
        for preset, params in preset_table(module).items():
            text = ", ".join(f"{k}={v}" for k, v in params.items())
            print(f"    {preset:8s} {text}", file=stream)


def _check_out(out: Path, experiment: str) -> None:
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder")
    config = out / "config.json"
    if config.exists():
        try:
            previous = json.loads(config.read_text()).get("experiment")
        except (OSError, ValueError):
            previous = None
        if previous != experiment:
            raise CommandError(f"--out {out} holds a run of another experiment ({previous}); choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {out} cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise CommandError(f"--out {out} is not writable")


def run_experiment(experiment: str, preset: str, seed: int, out: Path) -> dict:
    """Run one experiment and write its files into ``out``; return the config written."""
    experiments = _experiments()
    if experiment not in experiments:
        raise CommandError(f"unknown experiment {experiment!r}; `python -m nndyn list` shows the {len(experiments)} known ones")
    if seed < 0:
        raise CommandError(f"--seed must be a non-negative integer, got {seed}")
    _check_out(out, experiment)
    module = experiments[experiment]
    config = module.Config.preset(preset, seed=seed)
    start = time.perf_counter()
    result = module.run(config)
    seconds = time.perf_counter() - start
    from .results import flatten_result

    np.savez(out / "result.npz", **flatten_result(result))
    fig = module.plot(result)
    fig.savefig(out / "figure.png")
    record = {"experiment": experiment, "preset": preset, "parameters": config.as_dict(), "seconds": round(seconds, 3)}
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nndyn", description="Rerun the experiments of the book.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every experiment with its presets and parameters")
    run = sub.add_parser("run", help="run one experiment and write its results")
    run.add_argument("experiment")
    run.add_argument("--preset", choices=PRESETS, default="full")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, default=None, help="output folder (default runs/EXPERIMENT)")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            list_experiments()
        else:
            out = args.out or Path("runs") / args.experiment
            record = run_experiment(args.experiment, args.preset, args.seed, out)
            print(f"{args.experiment} ({args.preset}) ran in {record['seconds']:.1f} s; results in {out}")
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
